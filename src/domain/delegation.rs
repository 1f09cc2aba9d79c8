//! The delegation profile: who is coming, when, and what they want from the visit.
//!
//! Matching (rank bases for a profile) and planning (turn ranked bases into an itinerary) both
//! start from this type.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{BaseId, LanguageCode, Weekday};

/// What sort of organisation sends the delegation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationType {
    /// A national or local government body.
    Government,
    /// A chamber of commerce or business association.
    BusinessAssociation,
    /// A company.
    Enterprise,
    /// A university or college.
    University,
    /// A school.
    School,
    /// A research organisation.
    Research,
    /// Press and media.
    Media,
    /// A cultural organisation.
    Cultural,
    /// A non-governmental organisation, or a diaspora association.
    Ngo,
    /// Anything else.
    Other,
}

impl OrganisationType {
    /// Every type, in the order listings use.
    pub const ALL: [OrganisationType; 10] = [
        OrganisationType::Government,
        OrganisationType::BusinessAssociation,
        OrganisationType::Enterprise,
        OrganisationType::University,
        OrganisationType::School,
        OrganisationType::Research,
        OrganisationType::Media,
        OrganisationType::Cultural,
        OrganisationType::Ngo,
        OrganisationType::Other,
    ];

    /// Chinese and English labels, for what people read.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            OrganisationType::Government => ("政府机构", "Government"),
            OrganisationType::BusinessAssociation => ("商协会", "Business association"),
            OrganisationType::Enterprise => ("企业", "Enterprise"),
            OrganisationType::University => ("高校", "University"),
            OrganisationType::School => ("学校", "School"),
            OrganisationType::Research => ("科研机构", "Research organisation"),
            OrganisationType::Media => ("媒体", "Media"),
            OrganisationType::Cultural => ("文化机构", "Cultural organisation"),
            OrganisationType::Ngo => ("社团/侨团", "Association"),
            OrganisationType::Other => ("其他", "Other"),
        }
    }
}

/// When the delegation visits: concrete dates, or just weekdays when dates are not fixed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitDays {
    /// Concrete calendar dates, in order.
    #[schema(value_type = Vec<String>, example = json!(["2026-12-07", "2026-12-08"]))]
    Dates(Vec<NaiveDate>),
    /// Weekdays only.
    Weekdays(Vec<Weekday>),
}

impl VisitDays {
    /// The weekdays the delegation is in town.
    pub fn weekdays(&self) -> Vec<Weekday> {
        match self {
            VisitDays::Dates(dates) => dates.iter().map(|d| Weekday::of_date(*d)).collect(),
            VisitDays::Weekdays(days) => days.clone(),
        }
    }
}

/// Where the delegation stays: a division (its seat is used) or a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged, try_from = "HotelFields")]
pub enum Hotel {
    /// A division or functional zone code.
    Division {
        /// Division or zone code, e.g. `lucheng`.
        division: String,
    },
    /// Exact coordinates (WGS-84).
    Point {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
        /// Hotel name, for the itinerary.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

/// The fields a hotel may be written with; any other field is refused by name, which an
/// untagged enum alone would not do.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HotelFields {
    division: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    name: Option<String>,
}

impl TryFrom<HotelFields> for Hotel {
    type Error = String;

    fn try_from(fields: HotelFields) -> Result<Hotel, String> {
        match fields {
            HotelFields { division: Some(division), lat: None, lon: None, name: None } => Ok(Hotel::Division { division }),
            HotelFields { division: None, lat: Some(lat), lon: Some(lon), name } => Ok(Hotel::Point { lat, lon, name }),
            _ => Err("a hotel is either `{\"division\": CODE}` or `{\"lat\": …, \"lon\": …, \"name\": …}`".to_string()),
        }
    }
}

/// A foreign delegation's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationProfile {
    /// Country, ISO 3166-1 alpha-2 (`IT`, `DE`, `JP`).
    #[schema(example = "IT")]
    pub country: String,
    /// Home city, if the delegation represents one (e.g. a sister city).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Prato")]
    pub city: Option<String>,
    /// What sort of organisation sends it.
    pub organisation_type: OrganisationType,
    /// Number of people, including accompanying staff.
    #[schema(example = 12)]
    pub size: u16,
    /// When the delegation is in town.
    pub visit: VisitDays,
    /// Number of visiting days.
    #[schema(example = 2)]
    pub days: u8,
    /// Where it stays.
    pub hotel: Hotel,
    /// Interests in free text, any language.
    #[schema(example = "Italian footwear designers looking for manufacturing partners")]
    pub interests: String,
    /// Industries sought: taxonomy codes or free terms in any language.
    #[serde(default)]
    pub industries_sought: Vec<String>,
    /// What the delegation brings (technology, capital, markets, talent…).
    #[serde(default)]
    pub offers: Vec<String>,
    /// What the delegation is looking for.
    #[serde(default)]
    pub seeks: Vec<String>,
    /// Bases that must be part of the visit.
    #[serde(default)]
    pub must_visit: Vec<BaseId>,
    /// Bases that must not be proposed.
    #[serde(default)]
    pub avoid: Vec<BaseId>,
    /// Kinds of base not to propose: codes or labels (`enterprise`, `企业`, `Industrial park`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["enterprise", "产业园区"]))]
    pub avoid_kinds: Vec<String>,
    /// Industries not to propose, with every industry below them: codes or terms in any language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["制造业"]))]
    pub avoid_industries: Vec<String>,
    /// Bases that need prior approval whose approval the officers have arranged for this visit
    /// (otherwise such a base is proposed only while its approval on file is valid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals_arranged: Vec<BaseId>,
    /// Divisions or zones not to propose: codes or labels; a county takes its zones with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["洞头区"]))]
    pub avoid_divisions: Vec<String>,
    /// Languages the delegation speaks (ISO 639-1).
    #[serde(default)]
    pub languages: Vec<LanguageCode>,
    /// What the delegation's meals must be: codes or labels (`halal`, `清真`, `vegetarian`,
    /// `no_pork`…). Lunch and the banquet are then held at a venue that declares them all,
    /// or the itinerary says none was found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["清真"]))]
    pub dietary_needs: Vec<String>,
    /// Allergies and other dietary notes, as text for the hosts (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "两位成员对花生过敏 / two members are allergic to peanuts")]
    pub allergies: Option<String>,
}
