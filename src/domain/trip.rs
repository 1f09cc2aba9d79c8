//! Official trips abroad (因公出国（境）团组): what a department files, where the application
//! stands in the sign-off workflow, and its history. Plain data: the discipline check lives in
//! `outbound::discipline`, who may move an application where in `app::trips`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::PlannedStop;

/// A member of the delegation with the tasks they serve (因事定人).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TripMember {
    /// Name.
    #[schema(example = "李明")]
    pub name: String,
    /// Title and unit.
    #[schema(example = "市商务局副局长")]
    pub title: String,
    /// Task codes (cooperation concepts) this member serves; empty is flagged.
    #[serde(default)]
    pub tasks: Vec<String>,
}

/// One line of the budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    /// What for (airfare, accommodation…).
    #[schema(example = "国际旅费")]
    pub item: String,
    /// Amount in yuan.
    #[schema(example = 48000)]
    pub yuan: u32,
}

/// A trip application as a department writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "department": "市商务局", "route": "fsm-it-footwear-design",
    "purpose_zh": "引进意大利鞋履设计人才，拓展欧洲高端渠道",
    "departs": "2027-03-08", "returns": "2027-03-12",
    "members": [{"name": "李明", "title": "市商务局副局长", "tasks": ["market", "diaspora"]},
                {"name": "陈静", "title": "市人才办科长", "tasks": ["talent", "design"]}],
    "bases": ["lucheng-001"], "budget": [{"item": "国际旅费", "yuan": 48000}]}))]
pub struct TripInput {
    /// The unit filing (申报单位), by its Chinese or English name or another of its names
    /// (`GET /v1/departments`); kept under its Chinese name.
    pub department: String,
    /// Purpose in Chinese (defaults to the route's title and tasks).
    #[serde(default)]
    pub purpose_zh: Option<String>,
    /// An outbound route; its stops are the trip's unless `stops` is given.
    #[serde(default)]
    pub route: Option<String>,
    /// Stops, when not (only) the route's.
    #[serde(default)]
    pub stops: Vec<PlannedStop>,
    /// Leaving China.
    #[schema(value_type = String, example = "2027-03-08")]
    pub departs: NaiveDate,
    /// Back in China; the days abroad count both ends.
    #[schema(value_type = String, example = "2027-03-12")]
    pub returns: NaiveDate,
    /// Members with titles and tasks; the first heads the delegation (团长).
    pub members: Vec<TripMember>,
    /// Bases of the library whose needs the trip serves.
    #[serde(default)]
    pub bases: Vec<String>,
    /// Budget lines.
    #[serde(default)]
    pub budget: Vec<BudgetLine>,
}

impl TripInput {
    /// Days abroad, leaving and re-entering China included.
    pub fn days(&self) -> i64 {
        (self.returns - self.departs).num_days() + 1
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TripStatus {
    /// Being written; the applicant may change it.
    Draft,
    /// Pre-reviewed and waiting for sign-off; frozen.
    Submitted,
    /// Sent back with comments; the applicant changes it (a new revision) and submits again.
    Returned,
    /// Signed off.
    Approved,
    /// Turned down; final.
    Rejected,
    /// Signed off, carried out, and its results recorded (成果).
    Reported,
}

impl TripStatus {
    /// Every status.
    pub const ALL: [TripStatus; 6] =
        [TripStatus::Draft, TripStatus::Submitted, TripStatus::Returned, TripStatus::Approved, TripStatus::Rejected, TripStatus::Reported];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            TripStatus::Draft => "draft",
            TripStatus::Submitted => "submitted",
            TripStatus::Returned => "returned",
            TripStatus::Approved => "approved",
            TripStatus::Rejected => "rejected",
            TripStatus::Reported => "reported",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<TripStatus> {
        TripStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the applicant may still change the application.
    pub fn editable(self) -> bool {
        matches!(self, TripStatus::Draft | TripStatus::Returned)
    }
}

/// A sign-off decision (审签).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TripDecision {
    /// Sign off.
    Approve,
    /// Send back for changes, with comments.
    Return,
    /// Turn down, with comments.
    Reject,
}

/// A problem the pre-review (预审) found, with the rule that raised it and the applicant's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewFlag {
    /// What an answer names: the code, or `code[n]` for a member or stop when the code is
    /// raised for several (`member_without_task[2]`: the third member).
    pub key: String,
    /// `too_many_countries`, `days_over_rule`, `days_over_tasks`, `members_over_rule`,
    /// `members_over_tasks`, `stop_without_task`, `member_without_task` or `annual_plan_exceeded`.
    pub code: String,
    /// The rule, in Chinese (有事才去 / 因事定人 / 完事即回 / the limits).
    pub rule_zh: String,
    /// What is wrong, in Chinese.
    pub message_zh: String,
    /// What is wrong, in English.
    pub message_en: String,
    /// The applicant's justification, given on submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// The applicant's answer to one flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagAnswer {
    /// The flag's `key`.
    #[schema(example = "members_over_tasks")]
    pub key: String,
    /// Why the plan stands as it is.
    #[schema(example = "翻译一名，外方要求")]
    pub justification: String,
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TripEvent {
    /// When, UTC (RFC 3339).
    pub at: String,
    /// Who: the staff account's username.
    pub actor: String,
    /// `filed`, `revised`, `submitted`, `approved`, `returned`, `rejected` or `reported`.
    pub action: String,
    /// The revision the step applies to.
    pub revision: u32,
    /// The approver's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A stored application: the current revision, its standing and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TripRecord {
    /// `trip-000001`.
    pub id: String,
    /// Where it stands.
    pub status: TripStatus,
    /// The current revision (1 for a first draft; every change after a submission is a new one).
    pub revision: u32,
    /// Who filed it.
    pub applicant: String,
    /// The applicant's staff account id: nobody signs off their own application, whichever
    /// credential they use.
    pub applicant_id: String,
    /// The application.
    pub application: TripInput,
    /// The pre-review of the last submission, each flag with its justification.
    #[serde(default)]
    pub flags: Vec<ReviewFlag>,
    /// Every step, oldest first.
    pub history: Vec<TripEvent>,
    /// What the trip achieved, recorded after return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<TripReport>,
}

/// How far a task was achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskResult {
    /// Achieved (达成).
    Met,
    /// Partly achieved (部分达成).
    Partly,
    /// Not achieved (未达成).
    NotMet,
}

impl TaskResult {
    /// Its weight in the share of tasks met: 1, ½ or 0.
    pub fn weight(self) -> f64 {
        match self {
            TaskResult::Met => 1.0,
            TaskResult::Partly => 0.5,
            TaskResult::NotMet => 0.0,
        }
    }
}

/// What became of one task of the trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskOutcome {
    /// The task code (a cooperation concept served by the trip's stops).
    #[schema(example = "talent")]
    pub task: String,
    /// Met, partly or not met.
    pub result: TaskResult,
    /// What happened.
    #[serde(default)]
    pub note: Option<String>,
}

/// The results of a trip (出访成果), recorded by the applicant after return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "tasks": [{"task": "talent", "result": "met", "note": "引进设计师2名"}, {"task": "market", "result": "partly"}],
    "agreements": 2, "follow_ups": 3, "bases_benefited": ["lucheng-001"], "contacts": ["Riviera del Brenta design school"]}))]
pub struct TripReport {
    /// One outcome per task the trip's stops serve.
    pub tasks: Vec<TaskOutcome>,
    /// Agreements or memoranda signed.
    #[serde(default)]
    pub agreements: u16,
    /// Follow-up projects started.
    #[serde(default)]
    pub follow_ups: u16,
    /// Bases of the library that benefited.
    #[serde(default)]
    pub bases_benefited: Vec<String>,
    /// Contacts made (institutions, people).
    #[serde(default)]
    pub contacts: Vec<String>,
    /// A summary in Chinese.
    #[serde(default)]
    pub summary_zh: Option<String>,
}
