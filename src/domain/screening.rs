//! Screening (筛选): where a base stands between the survey and the library, and the review
//! decisions that move it.
//!
//! A county or an enterprise submits a base (申报): it is a candidate until an officer approves it
//! into the library (入库) or rejects it. A base in the library may be suspended (停用, e.g. while
//! under renovation) and reactivated. Only an active base is shown publicly, matched or planned;
//! which decision may follow which status is decided here and nowhere else.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a base stands in the screening workflow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaseStatus {
    /// Submitted by a division or an enterprise, waiting for review (申报/待审).
    Candidate,
    /// In the library (入库): searched, matched and planned.
    #[default]
    Active,
    /// Turned down at review, with the reason in the review note (未通过).
    Rejected,
    /// In the library but not receiving visits for now (停用).
    Suspended,
}

impl BaseStatus {
    /// Every status, in the order of the survey table.
    pub const ALL: [BaseStatus; 4] = [BaseStatus::Candidate, BaseStatus::Active, BaseStatus::Rejected, BaseStatus::Suspended];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            BaseStatus::Candidate => "candidate",
            BaseStatus::Active => "active",
            BaseStatus::Rejected => "rejected",
            BaseStatus::Suspended => "suspended",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<BaseStatus> {
        BaseStatus::ALL.into_iter().find(|status| status.code() == code)
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            BaseStatus::Candidate => "待审",
            BaseStatus::Active => "入库",
            BaseStatus::Rejected => "未通过",
            BaseStatus::Suspended => "停用",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            BaseStatus::Candidate => "Candidate",
            BaseStatus::Active => "Active",
            BaseStatus::Rejected => "Rejected",
            BaseStatus::Suspended => "Suspended",
        }
    }

    /// Other words offices write for each status in a spreadsheet.
    pub(super) fn other_words(self) -> &'static [&'static str] {
        match self {
            BaseStatus::Candidate => &["候选", "申报", "待审核", "审核中", "备选"],
            BaseStatus::Active => &["在库", "已入库", "正常", "启用", "通过", "approved"],
            BaseStatus::Rejected => &["驳回", "不通过", "已驳回", "退回"],
            BaseStatus::Suspended => &["暂停", "停用中", "暂停接待", "inactive"],
        }
    }
}

/// What a reviewer decides about a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// A candidate enters the library (入库).
    Approve,
    /// A candidate is turned down; the note gives the reason.
    Reject,
    /// An active base stops receiving visits for now; the note says why.
    Suspend,
    /// A suspended base receives visits again.
    Reactivate,
    /// A rejected base is looked at again, as a candidate (resubmitted with corrections).
    Reopen,
}

impl ReviewDecision {
    /// The snake_case code, as written in the audit log (`review:approve`).
    pub fn code(self) -> &'static str {
        match self {
            ReviewDecision::Approve => "approve",
            ReviewDecision::Reject => "reject",
            ReviewDecision::Suspend => "suspend",
            ReviewDecision::Reactivate => "reactivate",
            ReviewDecision::Reopen => "reopen",
        }
    }

    /// Whether the decision must say why: a rejected submitter or a colleague finding a
    /// suspended base deserves the reason.
    pub fn needs_note(self) -> bool {
        matches!(self, ReviewDecision::Reject | ReviewDecision::Suspend)
    }

    /// The status a base in `from` takes after this decision, or why the decision does not apply.
    pub fn apply(self, from: BaseStatus) -> Result<BaseStatus, String> {
        self.target(from).ok_or_else(|| {
            let allowed: Vec<&str> = ReviewDecision::ALL.iter().filter(|d| d.target(from).is_some()).map(|d| d.code()).collect();
            format!("a base that is {} ({}) cannot be given `{}`; it may be given: {}", from.label_zh(), from.code(), self.code(), allowed.join(", "))
        })
    }

    /// The workflow: which decision moves which status where.
    fn target(self, from: BaseStatus) -> Option<BaseStatus> {
        match (self, from) {
            (ReviewDecision::Approve, BaseStatus::Candidate) => Some(BaseStatus::Active),
            (ReviewDecision::Reject, BaseStatus::Candidate) => Some(BaseStatus::Rejected),
            (ReviewDecision::Suspend, BaseStatus::Active) => Some(BaseStatus::Suspended),
            (ReviewDecision::Reactivate, BaseStatus::Suspended) => Some(BaseStatus::Active),
            (ReviewDecision::Reopen, BaseStatus::Rejected) => Some(BaseStatus::Candidate),
            _ => None,
        }
    }

    const ALL: [ReviewDecision; 5] =
        [ReviewDecision::Approve, ReviewDecision::Reject, ReviewDecision::Suspend, ReviewDecision::Reactivate, ReviewDecision::Reopen];
}

/// The screening part of a base record: what a write that leaves it out keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Screening {
    /// The status, when the record states one.
    pub status: Option<BaseStatus>,
    /// The submitting division.
    pub submitted_by: Option<String>,
    /// The last review note.
    pub review_note: Option<String>,
}

/// Longest review note kept.
pub const MAX_REVIEW_NOTE_CHARS: usize = 2_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_has_exactly_the_decisions_of_the_workflow() {
        let moves: Vec<(BaseStatus, ReviewDecision, BaseStatus)> = BaseStatus::ALL
            .iter()
            .flat_map(|from| ReviewDecision::ALL.iter().filter_map(move |d| d.apply(*from).ok().map(|to| (*from, *d, to))))
            .collect();
        use BaseStatus::*;
        use ReviewDecision::*;
        assert_eq!(
            moves,
            vec![
                (Candidate, Approve, Active),
                (Candidate, Reject, Rejected),
                (Active, Suspend, Suspended),
                (Rejected, Reopen, Candidate),
                (Suspended, Reactivate, Active),
            ]
        );
        let refused = Approve.apply(Active).unwrap_err();
        assert!(refused.contains("入库") && refused.contains("suspend"), "{refused}");
    }

    #[test]
    fn codes_round_trip_and_active_is_the_default() {
        for status in BaseStatus::ALL {
            assert_eq!(BaseStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(BaseStatus::default(), BaseStatus::Active);
    }
}
