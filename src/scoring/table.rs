//! What the matcher needs of every base, held in memory in compact form.
//!
//! Reading full records from the index for hundreds of candidates per request would dominate
//! matching latency, so the library keeps this table beside the index and rebuilds it whenever
//! the catalog changes. Hits map to rows through [`crate::domain::base_key`].

use rustc_hash::FxHashMap as HashMap;

use chrono::NaiveDate;

use crate::domain::{base_key, BaseKind, BaseStatus, DivisionRegistry, ExchangeBase, Relations, Weekday};

/// One base, as the matcher sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseRow {
    /// Base id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Kind.
    pub kind: BaseKind,
    /// Industry codes, as listed.
    pub industries: Vec<String>,
    /// Division or zone code.
    pub division: String,
    /// County-level division code (the zone's parent for a zone).
    pub county: String,
    /// Geographic cluster.
    pub cluster: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Whether the base lies in a mountain area (slower roads).
    pub mountain: bool,
    /// Bit `d` set when open on weekday `d` (Monday = 0).
    pub open_weekdays: u8,
    /// Closed dates.
    pub closed_dates: Vec<NaiveDate>,
    /// Whether it receives visitors on public holidays.
    pub opens_on_holidays: bool,
    /// Diets it serves when hosting a meal; empty when it hosts none.
    pub meals: Vec<crate::domain::Diet>,
    /// Largest group.
    pub max_group_size: u16,
    /// Guide languages.
    pub guide_languages: Vec<String>,
    /// Employees, when known.
    pub employees: Option<u32>,
    /// Not open to foreign visitors.
    pub restricted: bool,
    /// Where it stands in screening; only active bases are proposed.
    pub status: BaseStatus,
    /// Needs prior approval, valid until this day (`None`: none on file); `None` when no
    /// approval is needed.
    pub approval: Option<Option<chrono::NaiveDate>>,
    /// Seen by officers only (restricted, or not active): see [`ExchangeBase::is_public`].
    pub hidden: bool,
    /// Cooperation concepts named in the main needs.
    pub needs_concepts: u64,
    /// Cooperation concepts named in the promotion points and description.
    pub promotion_concepts: u64,
    /// Countries named directly in the main needs.
    pub needs_countries: Vec<String>,
    /// Countries named in the main needs through a region (欧洲, 东盟…).
    pub needs_region_countries: Vec<String>,
    /// Main needs, for reasons.
    pub needs: Vec<String>,
    /// Promotion points, for reasons.
    pub promotion_points: Vec<String>,
    /// Typical visit length.
    pub visit_minutes: u16,
}

impl BaseRow {
    /// Whether the base opens on `day` (ignoring closed dates).
    pub fn opens_on(&self, day: Weekday) -> bool {
        self.open_weekdays & (1 << (day as u8)) != 0
    }
}

/// All bases, indexed by key and by id, tagged with the catalog version they reflect.
#[derive(Debug, Clone, Default)]
pub struct BaseTable {
    rows: Vec<BaseRow>,
    by_key: HashMap<u64, usize>,
    by_id: HashMap<String, usize>,
    /// The catalog payload this table was built from.
    pub catalog_payload: String,
}

impl BaseTable {
    /// An empty table for the catalog version `catalog_payload`, filled with [`BaseTable::push`].
    pub fn empty(catalog_payload: String) -> BaseTable {
        BaseTable { catalog_payload, ..BaseTable::default() }
    }

    /// Adds one base (the catalog streams them in without holding all records at once).
    pub fn push(&mut self, base: &ExchangeBase, divisions: &DivisionRegistry, relations: &Relations) {
        let division = divisions.get(&base.location.division);
        let county = divisions.county_level(&base.location.division).map(|d| d.code.clone()).unwrap_or_default();
        let open_weekdays =
            Weekday::ALL.iter().filter(|d| base.opening_hours.is_open_on(**d)).fold(0u8, |mask, d| mask | (1 << (*d as u8)));
        let needs_text = base.needs.join("；");
        let promotion_text = format!("{}；{}", base.promotion_points.join("；"), base.description_zh);
        let (needs_countries, needs_region_countries) = relations.countries_in(&needs_text);
        let row = BaseRow {
            id: base.id.clone(),
            name_zh: base.name_zh.clone(),
            name_en: base.name_en.clone(),
            kind: base.kind,
            industries: base.industries.clone(),
            division: base.location.division.clone(),
            county,
            cluster: division.map(|d| d.cluster.clone()).unwrap_or_default(),
            lat: base.location.lat,
            lon: base.location.lon,
            mountain: divisions.is_mountain(&base.location.division),
            open_weekdays,
            closed_dates: base.closed_dates.clone(),
            opens_on_holidays: base.opens_on_holidays(),
            meals: base.meals.clone(),
            max_group_size: base.max_group_size,
            guide_languages: base.guide_languages.clone(),
            employees: base.size.employees,
            restricted: base.restricted,
            status: base.status(),
            approval: base.approval_required.then_some(base.approved_until),
            hidden: !base.is_public(),
            needs_concepts: relations.concept_mask(&needs_text),
            promotion_concepts: relations.concept_mask(&promotion_text),
            needs_countries,
            needs_region_countries,
            needs: base.needs.clone(),
            promotion_points: base.promotion_points.clone(),
            visit_minutes: base.visit_minutes,
        };
        let index = self.rows.len();
        self.by_key.insert(base_key(&row.id), index);
        self.by_id.insert(row.id.clone(), index);
        self.rows.push(row);
    }

    /// The row of a hit's key.
    pub fn by_key(&self, key: u64) -> Option<(usize, &BaseRow)> {
        self.by_key.get(&key).map(|i| (*i, &self.rows[*i]))
    }

    /// The row of an id.
    pub fn by_id(&self, id: &str) -> Option<(usize, &BaseRow)> {
        self.by_id.get(id).map(|i| (*i, &self.rows[*i]))
    }

    /// A row by position.
    pub fn row(&self, index: usize) -> &BaseRow {
        &self.rows[index]
    }

    /// Every row, in catalog order.
    pub fn rows(&self) -> &[BaseRow] {
        &self.rows
    }

    /// Number of bases.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
