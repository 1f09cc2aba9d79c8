//! A visit record (来访记录): a delegation's visit as planned, confirmed or carried out, with the
//! bases it saw in order and what came of it.
//!
//! Confirmed and completed visits lower the rotation feature of the bases they used (the office
//! spreads guests over its bases); completed visits with an outcome are the ground truth the
//! batch evaluation replays.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{BaseId, DelegationProfile};

/// Where a visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// Being prepared; the bases are a proposal.
    Planned,
    /// Agreed with the delegation and the bases.
    Confirmed,
    /// Carried out; the outcome can be recorded.
    Completed,
    /// Called off.
    Cancelled,
}

impl VisitStatus {
    /// Every status.
    pub const ALL: [VisitStatus; 4] = [VisitStatus::Planned, VisitStatus::Confirmed, VisitStatus::Completed, VisitStatus::Cancelled];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            VisitStatus::Planned => "planned",
            VisitStatus::Confirmed => "confirmed",
            VisitStatus::Completed => "completed",
            VisitStatus::Cancelled => "cancelled",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<VisitStatus> {
        VisitStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the visit takes its bases' time, so it counts for rotation.
    pub fn uses_bases(self) -> bool {
        matches!(self, VisitStatus::Confirmed | VisitStatus::Completed)
    }
}

/// What came of a completed visit (产能对接成效).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitOutcome {
    /// Visited bases that led to an agreement or a follow-up.
    #[serde(default)]
    pub productive_bases: Vec<BaseId>,
    /// Agreements signed.
    #[serde(default)]
    pub agreements_signed: u32,
    /// Follow-up projects started.
    #[serde(default)]
    pub follow_up_projects: u32,
    /// The delegation's satisfaction, 1 (poor) to 5 (excellent).
    #[schema(example = 4)]
    pub satisfaction: u8,
    /// Free notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A visit as an officer records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    /// Where the visit stands.
    pub status: VisitStatus,
    /// The delegation, with the visit's dates (`visit.dates`).
    pub profile: DelegationProfile,
    /// Outbound-route theme, when the visit belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "fashion_smart_manufacturing")]
    pub theme: Option<String>,
    /// Bases visited (or to visit), in order.
    #[schema(example = json!(["lucheng-001", "ouhai-003"]))]
    pub bases: Vec<BaseId>,
    /// What came of it; required once the visit is completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<VisitOutcome>,
}

/// A stored visit record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisitRecord {
    /// Identifier given when the visit was recorded.
    #[schema(example = "visit-000001")]
    pub id: String,
    /// The visit, exactly as recorded: send it back (changed) with `PUT` to update the record.
    pub visit: VisitInput,
    /// Who recorded the current state.
    pub recorded_by: String,
    /// When the current state was recorded (UTC).
    pub recorded_at: String,
}
