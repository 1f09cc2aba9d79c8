//! Survey progress (排摸进度): per division and functional zone, how many bases the survey
//! brought in and where they stand in screening, what kinds and themes the library holds there,
//! and which themes it has none of: the office's view of where the library is thin.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{BaseKind, BaseStatus, DivisionKind};
use crate::Error;

use super::library::BaseLibrary;

/// Bases by screening status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusCounts {
    /// Waiting for review (待审).
    pub candidate: usize,
    /// In the library (入库).
    pub active: usize,
    /// Turned down (未通过).
    pub rejected: usize,
    /// Suspended (停用).
    pub suspended: usize,
    /// All of them.
    pub total: usize,
}

impl StatusCounts {
    fn add(&mut self, status: BaseStatus) {
        match status {
            BaseStatus::Candidate => self.candidate += 1,
            BaseStatus::Active => self.active += 1,
            BaseStatus::Rejected => self.rejected += 1,
            BaseStatus::Suspended => self.suspended += 1,
        }
        self.total += 1;
    }

    /// The count of one status.
    pub fn of(&self, status: BaseStatus) -> usize {
        match status {
            BaseStatus::Candidate => self.candidate,
            BaseStatus::Active => self.active,
            BaseStatus::Rejected => self.rejected,
            BaseStatus::Suspended => self.suspended,
        }
    }
}

/// A code with the labels a person reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Labelled {
    /// The code.
    pub code: String,
    /// Chinese label.
    pub zh: String,
    /// English label.
    pub en: String,
}

/// One division or functional zone of the survey.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DivisionSurvey {
    /// The division, with its names.
    pub division: Labelled,
    /// District, county-level city, county or functional zone.
    pub kind: DivisionKind,
    /// For a zone, the county-level division it lies in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Bases located here, by status.
    pub by_status: StatusCounts,
    /// Active bases here by kind code (kinds with none left out).
    pub by_kind: BTreeMap<String, usize>,
    /// Active bases here by theme code (a base counts under each theme of its industries).
    pub by_theme: BTreeMap<String, usize>,
    /// Themes with no active base here: where the library is thin.
    pub themes_missing: Vec<String>,
}

/// The whole survey.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Survey {
    /// Every base, by status.
    pub totals: StatusCounts,
    /// Candidates per submitting division (as recorded at import), for following up returns.
    pub candidates_by_submitter: BTreeMap<String, usize>,
    /// The kinds, with labels, in listing order.
    pub kinds: Vec<Labelled>,
    /// The themes, with labels.
    pub themes: Vec<Labelled>,
    /// Each division and functional zone, in the registry's order.
    pub divisions: Vec<DivisionSurvey>,
}

/// Counts the whole catalog (restricted bases included: the survey is the officers').
pub fn survey(library: &BaseLibrary) -> Result<Survey, Error> {
    let (taxonomy, registry) = (library.taxonomy(), library.divisions());
    let themes: Vec<Labelled> = taxonomy.themes().iter().map(|t| Labelled { code: t.code.clone(), zh: t.zh.clone(), en: t.en.clone() }).collect();
    let mut divisions: Vec<DivisionSurvey> = registry
        .all()
        .iter()
        .map(|d| DivisionSurvey {
            division: Labelled { code: d.code.clone(), zh: d.zh.clone(), en: d.en.clone() },
            kind: d.kind,
            parent: d.parent.clone(),
            by_status: StatusCounts::default(),
            by_kind: BTreeMap::new(),
            by_theme: BTreeMap::new(),
            themes_missing: Vec::new(),
        })
        .collect();
    let position: BTreeMap<String, usize> = divisions.iter().enumerate().map(|(i, d)| (d.division.code.clone(), i)).collect();
    let mut totals = StatusCounts::default();
    let mut candidates_by_submitter = BTreeMap::new();
    library.for_each_base(|base| {
        let status = base.status();
        totals.add(status);
        if status == BaseStatus::Candidate {
            *candidates_by_submitter.entry(base.submitted_by.clone().unwrap_or_else(|| base.location.division.clone())).or_insert(0) += 1;
        }
        let Some(row) = position.get(&base.location.division).map(|i| &mut divisions[*i]) else { return };
        row.by_status.add(status);
        if status == BaseStatus::Active {
            *row.by_kind.entry(base.kind.code().to_string()).or_insert(0) += 1;
            let mut base_themes: Vec<&str> = base.industries.iter().flat_map(|code| taxonomy.themes_of(code)).collect();
            base_themes.sort_unstable();
            base_themes.dedup();
            for theme in base_themes {
                *row.by_theme.entry(theme.to_string()).or_insert(0) += 1;
            }
        }
    })?;
    for row in &mut divisions {
        row.themes_missing = themes.iter().filter(|t| !row.by_theme.contains_key(&t.code)).map(|t| t.code.clone()).collect();
    }
    let kinds = BaseKind::ALL.iter().map(|k| Labelled { code: k.code().into(), zh: k.label_zh().into(), en: k.label_en().into() }).collect();
    Ok(Survey { totals, candidates_by_submitter, kinds, themes, divisions })
}
