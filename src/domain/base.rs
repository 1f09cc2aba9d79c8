//! The exchange base (对外交流基地): one entry of the base library.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{BaseId, BaseStatus, Diet, HolidayCalendar, LanguageCode, OpeningHours, Screening, TimeRange};

/// What sort of organisation or place a base is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaseKind {
    /// A company (企业).
    Enterprise,
    /// An industrial park or town (产业园区, 特色小镇).
    IndustrialPark,
    /// A university or college (高校).
    University,
    /// A primary, secondary or vocational school (中小学, 职校).
    School,
    /// A research institute or laboratory (科研院所).
    ResearchInstitute,
    /// A museum, heritage or cultural venue (文化场馆).
    CulturalSite,
    /// A scenic or tourism site (旅游景区).
    TourismSite,
    /// A bank or other financial institution (金融机构).
    FinancialInstitution,
    /// A government service centre or exhibition hall (政务服务).
    GovernmentService,
    /// An incubator or maker space (孵化器).
    Incubator,
}

impl BaseKind {
    /// Every kind, in the order used by listings.
    pub const ALL: [BaseKind; 10] = [
        BaseKind::Enterprise,
        BaseKind::IndustrialPark,
        BaseKind::University,
        BaseKind::School,
        BaseKind::ResearchInstitute,
        BaseKind::CulturalSite,
        BaseKind::TourismSite,
        BaseKind::FinancialInstitution,
        BaseKind::GovernmentService,
        BaseKind::Incubator,
    ];

    /// The snake_case code used in files, query parameters and the index.
    pub fn code(self) -> &'static str {
        match self {
            BaseKind::Enterprise => "enterprise",
            BaseKind::IndustrialPark => "industrial_park",
            BaseKind::University => "university",
            BaseKind::School => "school",
            BaseKind::ResearchInstitute => "research_institute",
            BaseKind::CulturalSite => "cultural_site",
            BaseKind::TourismSite => "tourism_site",
            BaseKind::FinancialInstitution => "financial_institution",
            BaseKind::GovernmentService => "government_service",
            BaseKind::Incubator => "incubator",
        }
    }

    /// The kind with this code, if any.
    pub fn from_code(code: &str) -> Option<BaseKind> {
        BaseKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// Chinese label, for descriptions and reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            BaseKind::Enterprise => "企业",
            BaseKind::IndustrialPark => "产业园区",
            BaseKind::University => "高校",
            BaseKind::School => "学校",
            BaseKind::ResearchInstitute => "科研院所",
            BaseKind::CulturalSite => "文化场馆",
            BaseKind::TourismSite => "旅游景区",
            BaseKind::FinancialInstitution => "金融机构",
            BaseKind::GovernmentService => "政务服务",
            BaseKind::Incubator => "孵化器",
        }
    }

    /// Whether bases of this kind usually open on public holidays: sites and museums do,
    /// offices, companies and schools do not. A base may say otherwise.
    pub fn usually_opens_on_holidays(self) -> bool {
        matches!(self, BaseKind::CulturalSite | BaseKind::TourismSite)
    }

    /// English label, beside the Chinese one.
    pub fn label_en(self) -> &'static str {
        match self {
            BaseKind::Enterprise => "Enterprise",
            BaseKind::IndustrialPark => "Industrial park",
            BaseKind::University => "University",
            BaseKind::School => "School",
            BaseKind::ResearchInstitute => "Research institute",
            BaseKind::CulturalSite => "Cultural site",
            BaseKind::TourismSite => "Tourism site",
            BaseKind::FinancialInstitution => "Financial institution",
            BaseKind::GovernmentService => "Government service",
            BaseKind::Incubator => "Incubator",
        }
    }
}

/// Whether visitors may take photographs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhotoPolicy {
    /// Photographs allowed everywhere the visit goes.
    #[default]
    Allowed,
    /// Only in areas the host points out.
    Restricted,
    /// No photographs.
    Forbidden,
}

impl PhotoPolicy {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            PhotoPolicy::Allowed => "allowed",
            PhotoPolicy::Restricted => "restricted",
            PhotoPolicy::Forbidden => "forbidden",
        }
    }
}

/// Where a base is (地域分布).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Location {
    /// Division or functional zone code, see `GET /v1/divisions`-style data in
    /// `fixtures/divisions.json` (e.g. `lucheng`, `wz_etdz`).
    #[schema(example = "lucheng")]
    pub division: String,
    /// Street address in Chinese.
    #[schema(example = "温州市鹿城区双屿工业区88号")]
    pub address_zh: String,
    /// Street address in English, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_en: Option<String>,
    /// Latitude, WGS-84 degrees.
    #[schema(example = 28.005)]
    pub lat: f64,
    /// Longitude, WGS-84 degrees.
    #[schema(example = 120.6)]
    pub lon: f64,
}

/// How big a base is (基地规模). Every figure is optional: sites rarely report revenue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BaseSize {
    /// Number of employees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<u32>,
    /// Built floor area in square metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_area_m2: Option<u32>,
    /// Annual revenue in millions of yuan (CNY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_revenue_million_cny: Option<f64>,
}

/// Who to call about a visit. Internal: for officers, not for guests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    /// Contact person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Telephone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// One exchange base with the office's five classifications: industry type (`industries`),
/// location, size, main needs (`needs`) and promotion points (`promotion_points`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExchangeBase {
    /// Stable identifier.
    #[schema(example = "lucheng-001")]
    pub id: BaseId,
    /// Chinese name.
    #[schema(example = "宏鼎鞋业集团有限公司")]
    pub name_zh: String,
    /// English name, when the base has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// What sort of organisation or place this is.
    pub kind: BaseKind,
    /// Industry type (产业类型): codes from the industry taxonomy, most specific first.
    #[schema(example = json!(["footwear"]))]
    pub industries: Vec<String>,
    /// Location (地域分布).
    pub location: Location,
    /// Size (基地规模).
    pub size: BaseSize,
    /// Main needs (主要需求): what the base is looking for from partners.
    pub needs: Vec<String>,
    /// Promotion points (推介要点): what the base wants guests to see and remember.
    pub promotion_points: Vec<String>,
    /// Description in Chinese.
    pub description_zh: String,
    /// Description in English, when written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_en: Option<String>,
    /// Typical length of a visit in minutes.
    #[schema(example = 60)]
    pub visit_minutes: u16,
    /// When the base receives visitors.
    pub opening_hours: OpeningHours,
    /// Dates the base is closed although its weekday is open (holidays, maintenance).
    #[schema(value_type = Vec<String>, example = json!(["2026-10-01"]))]
    pub closed_dates: Vec<NaiveDate>,
    /// Whether the base receives visitors on public holidays (法定节假日); left out, what its
    /// kind usually does (sites and museums open, offices, companies and schools closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_on_holidays: Option<bool>,
    /// Largest group the base can receive at once.
    #[schema(example = 30)]
    pub max_group_size: u16,
    /// Languages guides can speak on site (ISO 639-1).
    #[schema(example = json!(["zh", "en"]))]
    pub guide_languages: Vec<LanguageCode>,
    /// Not open to foreign visitors: never shown publicly, never suggested.
    pub restricted: bool,
    /// A visit needs prior approval from the host's supervising authority.
    pub approval_required: bool,
    /// The last day the approval on file is valid (when one is needed): a base that needs one
    /// is proposed only for visits that end by then, unless the request says it is arranged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date, example = "2027-06-30")]
    pub approved_until: Option<NaiveDate>,
    /// A visit needs the consent of the local authority when the delegation stays in another
    /// division: a line of the itinerary's checklist.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_local_consent: bool,
    /// The diets it can serve when it hosts a group's meal (餐饮接待: 常规餐, 清真, 素食…);
    /// empty when it does not host meals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meals: Vec<Diet>,
    /// Whether visitors may take photographs.
    pub photo_policy: PhotoPolicy,
    /// Which areas may be shown to visitors, when limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_scope: Option<String>,
    /// Free tags (Chinese or English).
    pub tags: Vec<String>,
    /// Contact for arranging visits.
    pub contact: Contact,
    /// Where the base stands in screening (筛选). Left out of a write, a new base is active (or a
    /// candidate when imported as candidates) and an existing one keeps its status; review
    /// decisions (`POST /v1/bases/{id}/review`) are the officers' way to change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<BaseStatus>,
    /// The division that submitted the base (申报地区), for candidates from the survey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "lucheng")]
    pub submitted_by: Option<String>,
    /// The last review note: why a base was rejected or suspended, or what approval noted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_note: Option<String>,
}

impl ExchangeBase {
    /// Whether the base receives visitors on public holidays, as stated or as its kind does.
    pub fn opens_on_holidays(&self) -> bool {
        self.opens_on_holidays.unwrap_or_else(|| self.kind.usually_opens_on_holidays())
    }

    /// The visiting hours on a visit day: on a date, [`ExchangeBase::hours_on`]; a day given by
    /// its weekday alone keeps that weekday's hours.
    pub fn hours_for(&self, date: Option<NaiveDate>, weekday: super::Weekday) -> &[TimeRange] {
        match date {
            Some(date) => self.hours_on(date),
            None => self.opening_hours.on(weekday),
        }
    }

    /// The visiting hours on `date`: none on a closed date, and the official calendar's rule
    /// for holidays and adjusted working days ([`HolidayCalendar::hours_weekday`]).
    pub fn hours_on(&self, date: NaiveDate) -> &[TimeRange] {
        if self.closed_dates.contains(&date) {
            return &[];
        }
        match HolidayCalendar::official().hours_weekday(date, self.opens_on_holidays(), |d| self.opening_hours.is_open_on(d)) {
            Some(weekday) => self.opening_hours.on(weekday),
            None => &[],
        }
    }

    /// Where the base stands in screening; a record that never said is active.
    pub fn status(&self) -> BaseStatus {
        self.status.unwrap_or_default()
    }

    /// The screening part of the record.
    pub fn screening(&self) -> Screening {
        Screening { status: self.status, submitted_by: self.submitted_by.clone(), review_note: self.review_note.clone() }
    }

    /// Makes this record what is to be stored in place of one whose screening is `stored` (or
    /// of none). A status changes by review only: a write to an existing base keeps its status,
    /// and one that states another is refused (the reason is the error); a new base takes the
    /// status it states, or `arrival`. The stored submitter and note stay where the write states
    /// none. Every stored record states its status.
    pub fn settle_screening(&mut self, stored: Option<Screening>, arrival: BaseStatus) -> Result<(), String> {
        match stored {
            Some(stored) => {
                let current = stored.status.unwrap_or_default();
                if let Some(stated) = self.status.filter(|stated| *stated != current) {
                    return Err(format!(
                        "base `{}` states {} ({}) but is {} ({}); a status changes by review only (POST /v1/bases/{{id}}/review, `visitmatch review`): leave the status out or write {}",
                        self.id,
                        stated.label_zh(),
                        stated.code(),
                        current.label_zh(),
                        current.code(),
                        current.label_zh()
                    ));
                }
                self.status = Some(current);
                if self.submitted_by.is_none() {
                    self.submitted_by = stored.submitted_by;
                }
                if self.review_note.is_none() {
                    self.review_note = stored.review_note;
                }
            }
            None => {
                self.status.get_or_insert(arrival);
            }
        }
        Ok(())
    }

    /// Whether anyone may see the base: open to foreign visitors and in the library. Otherwise
    /// only officers and admins know it exists.
    pub fn is_public(&self) -> bool {
        !self.restricted && self.status() == BaseStatus::Active
    }

    /// The name to show a reader of `lang`: English when asked for and present, else Chinese.
    pub fn display_name(&self, lang: &str) -> &str {
        match (&self.name_en, lang) {
            (Some(en), "en") => en,
            _ => &self.name_zh,
        }
    }
}
