//! The units that file trip applications (申报单位): city departments and county-level
//! governments, embedded from `fixtures/outbound/departments.json`.
//!
//! An application names its unit in Chinese, in English or by another of its names; it is kept
//! under the Chinese name, so the annual plan, the sign-off queue's filter and the assessment
//! count one unit once however it was typed. A name not in the list is refused, with examples.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The embedded list.
pub const EMBEDDED_DEPARTMENTS: &str = include_str!("../../fixtures/outbound/departments.json");

/// One unit that may file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Department {
    /// The name applications keep.
    #[schema(example = "市商务局")]
    pub zh: String,
    /// The English name.
    #[schema(example = "Bureau of Commerce")]
    pub en: String,
    /// Other names it is known by (full titles, short forms).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Its own annual plan (年度出访计划), when it differs from the rule for every unit;
    /// internal, never sent.
    #[serde(default, skip_serializing)]
    pub annual_trips: Option<u16>,
}

/// Every unit that may file.
#[derive(Debug, Clone, Default)]
pub struct Departments {
    list: Vec<Department>,
}

impl Departments {
    /// The embedded list.
    pub fn embedded() -> Departments {
        #[derive(Deserialize)]
        struct File {
            departments: Vec<Department>,
        }
        let file: File = serde_json::from_str(EMBEDDED_DEPARTMENTS).expect("the embedded departments are valid");
        Departments { list: file.departments }
    }

    /// Every unit, in the list's order.
    pub fn all(&self) -> &[Department] {
        &self.list
    }

    /// The unit `name` names: its Chinese or English name or an alias, ignoring spaces, ASCII
    /// case and a leading 温州 (温州市商务局 is 市商务局).
    pub fn find(&self, name: &str) -> Option<&Department> {
        let wanted = comparable(name);
        if wanted.is_empty() {
            return None;
        }
        self.list.iter().find(|d| std::iter::once(&d.zh).chain([&d.en]).chain(&d.aliases).any(|n| comparable(n) == wanted))
    }

    /// The name an application keeps for `name`: the unit's Chinese name, or `name` with its
    /// spaces collapsed when it is not in the list (the pre-review then refuses it).
    pub fn canonical(&self, name: &str) -> String {
        self.find(name).map_or_else(|| name.split_whitespace().collect::<Vec<_>>().join(" "), |d| d.zh.clone())
    }

    /// A few names, for an error message.
    pub fn examples(&self) -> String {
        self.list.iter().take(4).map(|d| d.zh.as_str()).collect::<Vec<_>>().join("、")
    }
}

fn comparable(name: &str) -> String {
    let joined: String = name.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    // 温州市商务局 is 市商务局: the office writes both.
    joined.strip_prefix("温州").map(str::to_string).unwrap_or(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_is_found_by_any_of_its_names_and_kept_under_its_chinese_one() {
        let departments = Departments::embedded();
        for typed in ["市商务局", "温州市商务局", " 市商务局 ", "bureau of commerce", "Bureau  of Commerce", "商务局"] {
            assert_eq!(departments.canonical(typed), "市商务局", "{typed}");
        }
        assert_eq!(departments.canonical("市人民政府外事办公室"), "市外办");
        assert!(departments.find("市财政局大楼").is_none());
        assert!(departments.find("").is_none());
        assert_eq!(departments.canonical("  某 单位 "), "某 单位");
    }

    #[test]
    fn no_two_units_share_a_name() {
        let departments = Departments::embedded();
        let mut names: Vec<String> =
            departments.all().iter().flat_map(|d| std::iter::once(&d.zh).chain([&d.en]).chain(&d.aliases)).map(|n| comparable(n)).collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "a name that two units share would file under either");
        assert!(departments.all().len() >= 26, "city departments and the 12 county-level governments");
    }
}
