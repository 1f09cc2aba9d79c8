//! What the matcher reads from a delegation profile, computed once per request.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::domain::geo::{WENZHOU_LAT, WENZHOU_LON};
use crate::domain::{language_labels, FieldCode, FieldError, LabelMapping};
use crate::domain::{is_valid_base_id, DelegationProfile, VisitDays, SUPPORTED_LANGUAGES, DivisionRegistry, Hotel, OrganisationType, Relations, Taxonomy, TaxonomyMatch, Weekday};

/// A sister city or diaspora link that applies to the delegation.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// The delegation comes from (or from the country of) a sister or friendly city.
    SisterCity {
        /// City name.
        city: String,
        /// Chinese city name.
        city_zh: String,
        /// Whether the delegation names this very city (not only its country).
        named: bool,
        /// Industries the relationship is about.
        industries: Vec<String>,
        /// Divisions the relationship is about.
        divisions: Vec<String>,
    },
    /// Many Wenzhou emigrants live in the delegation's country.
    Diaspora {
        /// Home divisions of the emigrants.
        divisions: Vec<String>,
    },
}

/// The profile, interpreted.
#[derive(Debug, Clone)]
pub struct ProfileSignals {
    /// Interests, seeks and sought industries as one text.
    pub text: String,
    /// What the delegation offers, as one text.
    pub offers_text: String,
    /// What the delegation seeks, as one text.
    pub seeks_text: String,
    /// Industries sought, from the explicit list and from the text, with the term that named each.
    pub sought_industries: Vec<TaxonomyMatch>,
    /// Cooperation concepts the delegation offers.
    pub offers_concepts: u64,
    /// Cooperation concepts the delegation seeks.
    pub seeks_concepts: u64,
    /// Weekdays of the visit.
    pub weekdays: Vec<Weekday>,
    /// Dates of the visit, when known.
    pub dates: Vec<chrono::NaiveDate>,
    /// Hotel position.
    pub hotel: (f64, f64),
    /// Languages the delegation speaks other than Chinese (empty when it speaks Chinese).
    pub foreign_languages: Vec<String>,
    /// Country code, upper case.
    pub country: String,
    /// Relationship links that apply.
    pub links: Vec<Link>,
    /// Organisation type.
    pub organisation_type: OrganisationType,
}

impl ProfileSignals {
    /// Reads `profile`. The caller has validated it (known hotel division, at least one day).
    pub fn read(profile: &DelegationProfile, taxonomy: &Taxonomy, divisions: &DivisionRegistry, relations: &Relations) -> ProfileSignals {
        let text = profile_text(profile);
        let offers_text = profile.offers.join("；");
        // What the delegation seeks, or its interests when it lists nothing it seeks.
        let seeks_text = if profile.seeks.is_empty() { profile.interests.clone() } else { profile.seeks.join("；") };

        let mut sought = Vec::new();
        let mut seen = BTreeSet::new();
        for entry in &profile.industries_sought {
            if taxonomy.get(entry).is_some() {
                if seen.insert(entry.clone()) {
                    let node = taxonomy.get(entry).map(|n| n.en.clone()).unwrap_or_default();
                    sought.push(TaxonomyMatch { code: entry.clone(), term: node, lang: "en".into() });
                }
            } else {
                for m in taxonomy.match_text(entry) {
                    if seen.insert(m.code.clone()) {
                        sought.push(m);
                    }
                }
            }
        }
        for m in taxonomy.match_text(&format!("{}\n{}", profile.interests, profile.seeks.join("；"))) {
            if seen.insert(m.code.clone()) {
                sought.push(m);
            }
        }

        let hotel = match &profile.hotel {
            Hotel::Point { lat, lon, .. } => (*lat, *lon),
            Hotel::Division { division } => divisions.get(division).map(|d| (d.lat, d.lon)).unwrap_or((28.0, 120.656)),
        };
        let foreign_languages = if profile.languages.iter().any(|l| l == "zh") || profile.languages.is_empty() && profile.country == "CN" {
            Vec::new()
        } else if profile.languages.is_empty() {
            vec!["en".to_string()]
        } else {
            profile.languages.clone()
        };

        let country = profile.country.to_ascii_uppercase();
        let mut links = Vec::new();
        for city in relations.sister_cities_of(&country, profile.city.as_deref()) {
            let named = profile.city.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(&city.city) || c == city.city_zh);
            links.push(Link::SisterCity {
                city: city.city.clone(),
                city_zh: city.city_zh.clone(),
                named,
                industries: city.industries.clone(),
                divisions: city.divisions.clone(),
            });
        }
        if let Some(diaspora) = relations.diaspora_of(&country) {
            links.push(Link::Diaspora { divisions: diaspora.divisions.clone() });
        }

        let dates = match &profile.visit {
            crate::domain::VisitDays::Dates(dates) => dates.clone(),
            crate::domain::VisitDays::Weekdays(_) => Vec::new(),
        };
        ProfileSignals {
            offers_concepts: relations.concept_mask(&offers_text),
            seeks_concepts: relations.concept_mask(&seeks_text),
            text,
            offers_text,
            seeks_text,
            sought_industries: sought,
            weekdays: profile.visit.weekdays(),
            dates,
            hotel,
            foreign_languages,
            country,
            links,
            organisation_type: profile.organisation_type,
        }
    }
}

/// A profile's interests, seeks and sought industries as one text: what text relevance is
/// measured on, by the matcher and by the BM25 baseline alike.
pub fn profile_text(profile: &DelegationProfile) -> String {
    [profile.interests.as_str(), &profile.seeks.join("；"), &profile.industries_sought.join("；")].join("\n")
}

/// Largest delegation the matcher accepts.
pub const MAX_DELEGATION_SIZE: u16 = 500;
/// Longest visit, in days.
pub const MAX_DAYS: u8 = 14;

/// Most must-visit bases in one profile.
pub const MAX_MUST_VISIT: usize = 30;
/// Most avoided bases in one profile.
pub const MAX_AVOID: usize = 200;
/// Most entries in `industries_sought`, `offers` and `seeks`.
pub const MAX_PROFILE_ENTRIES: usize = 30;
/// Most languages in one profile.
pub const MAX_PROFILE_LANGUAGES: usize = 10;
/// Longest entry of `offers` or `seeks`, and the longest city name, in characters.
pub const MAX_ENTRY_CHARS: usize = 500;

/// A delegation profile that passed [`validate_profile`]. Matching takes only these, so a
/// profile is checked once, where it enters (a match request, an itinerary request, a visit).
/// Labels in it are read as codes (see [`with_codes`]).
#[derive(Debug, Clone)]
pub struct CheckedProfile<'a>(Cow<'a, DelegationProfile>);

impl<'a> CheckedProfile<'a> {
    /// `profile`, its labels read as codes, if it passes every check; otherwise every failing
    /// field.
    pub fn check(
        profile: &'a DelegationProfile,
        taxonomy: &Taxonomy,
        divisions: &DivisionRegistry,
        accepted: &LabelMapping,
    ) -> Result<CheckedProfile<'a>, Vec<FieldError>> {
        let mut profile = with_codes(profile, divisions, accepted);
        let mut errors = validate_profile(&profile, divisions);
        if has_avoid_lists(&profile) {
            errors.extend(avoid_with_codes(profile.to_mut(), taxonomy, divisions));
        }
        if !profile.dietary_needs.is_empty() || profile.allergies.is_some() {
            errors.extend(diets_with_codes(profile.to_mut()));
        }
        if errors.is_empty() { Ok(CheckedProfile(profile)) } else { Err(errors) }
    }
}

impl std::ops::Deref for CheckedProfile<'_> {
    type Target = DelegationProfile;
    fn deref(&self) -> &DelegationProfile {
        &self.0
    }
}

/// The profile with the labels people write read as codes: the hotel's division (`鹿城区`,
/// `Lucheng`), the languages (`英语`, `Italian`) and the office's accepted industry labels in
/// `industries_sought` (`鞋材`). A label that names nothing is left as written, for
/// [`validate_profile`] to refuse with the closest labels. Industries sought take terms of the
/// taxonomy in any language already (see [`Taxonomy::resolve`]).
pub fn with_codes<'a>(profile: &'a DelegationProfile, divisions: &DivisionRegistry, accepted: &LabelMapping) -> Cow<'a, DelegationProfile> {
    let hotel = hotel_with_code(&profile.hotel, divisions);
    let industries_sought: Vec<String> = if accepted.is_empty() || profile.industries_sought.len() > MAX_PROFILE_ENTRIES {
        profile.industries_sought.clone()
    } else {
        profile.industries_sought.iter().map(|entry| accepted.get(entry).map_or_else(|| entry.clone(), str::to_string)).collect()
    };
    // An over-long list is refused by the checks; it is not worth reading first.
    let languages: Vec<String> = if profile.languages.len() > MAX_PROFILE_LANGUAGES {
        profile.languages.clone()
    } else {
        profile.languages.iter().map(|label| language_labels().resolve(label).unwrap_or_else(|_| label.clone())).collect()
    };
    if hotel == profile.hotel && languages == profile.languages && industries_sought == profile.industries_sought {
        return Cow::Borrowed(profile);
    }
    let mut resolved = profile.clone();
    resolved.hotel = hotel;
    resolved.languages = languages;
    resolved.industries_sought = industries_sought;
    Cow::Owned(resolved)
}

/// Whether the profile avoids kinds, industries or divisions.
pub fn has_avoid_lists(profile: &DelegationProfile) -> bool {
    !(profile.avoid_kinds.is_empty() && profile.avoid_industries.is_empty() && profile.avoid_divisions.is_empty())
}

/// Reads `avoid_kinds`, `avoid_industries` and `avoid_divisions` as codes (`企业` → `enterprise`,
/// `制造业` → the taxonomy's code, `洞头区` → `dongtou`), in place; every entry that names
/// nothing is reported with the closest labels. Each list is capped before anything is read.
pub fn avoid_with_codes(profile: &mut DelegationProfile, taxonomy: &Taxonomy, divisions: &DivisionRegistry) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let error = |field: &str, message: String| FieldError::new(&format!("profile.{field}"), FieldCode::InvalidValue, message);
    for (field, entries) in [("avoid_kinds", &profile.avoid_kinds), ("avoid_industries", &profile.avoid_industries), ("avoid_divisions", &profile.avoid_divisions)] {
        if entries.len() > MAX_PROFILE_ENTRIES {
            errors.push(error(field, format!("lists {} entries; at most {MAX_PROFILE_ENTRIES} are allowed", entries.len())));
        } else if entries.iter().any(|e| e.trim().is_empty() || e.chars().count() > 200) {
            errors.push(error(field, "entries must be non-blank and at most 200 characters".to_string()));
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    let mut fail = |field: &str, message: String, value: &str| errors.push(error(field, message).with_value(value));
    let mut kinds = Vec::new();
    for label in &profile.avoid_kinds {
        match crate::domain::kind_labels().resolve(label.trim()) {
            Ok(code) => kinds.push(code),
            Err(error) => fail("avoid_kinds", error.describe(label, "kind of base"), label),
        }
    }
    let mut industries = Vec::new();
    for term in &profile.avoid_industries {
        match taxonomy.labels().resolve(term.trim()) {
            Ok(code) => industries.push(code),
            Err(error) => {
                // A free term in any language names the industries it mentions (制造业, footwear).
                let found = taxonomy.resolve(term.trim());
                if found.is_empty() {
                    fail("avoid_industries", error.describe(term, "industry"), term);
                }
                industries.extend(found);
            }
        }
    }
    let mut places = Vec::new();
    for label in &profile.avoid_divisions {
        match divisions.labels().resolve(label.trim()) {
            Ok(code) => places.push(code),
            Err(error) => fail("avoid_divisions", error.describe(label, "division or functional zone"), label),
        }
    }
    for list in [&mut kinds, &mut industries, &mut places] {
        list.sort();
        list.dedup();
    }
    (profile.avoid_kinds, profile.avoid_industries, profile.avoid_divisions) = (kinds, industries, places);
    errors
}

/// Reads `dietary_needs` as diet codes (`清真` → `halal`) and checks `allergies`; regular meals
/// are no need and are dropped.
pub fn diets_with_codes(profile: &mut DelegationProfile) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let error = |field: &str, message: String| FieldError::new(&format!("profile.{field}"), FieldCode::InvalidValue, message);
    if profile.dietary_needs.len() > crate::domain::Diet::ALL.len() {
        return vec![error("dietary_needs", format!("lists {} entries; there are only {} diets", profile.dietary_needs.len(), crate::domain::Diet::ALL.len()))];
    }
    if profile.dietary_needs.iter().any(|e| e.trim().is_empty() || e.chars().count() > 40) {
        return vec![error("dietary_needs", "entries must be non-blank and at most 40 characters".to_string())];
    }
    if let Some(text) = &profile.allergies
        && (text.trim().is_empty() || text.chars().count() > 200)
    {
        errors.push(error("allergies", "must be non-blank and at most 200 characters".to_string()));
    }
    let mut codes = Vec::new();
    for label in &profile.dietary_needs {
        match crate::domain::diet_labels().resolve(label.trim()) {
            Ok(code) if code == crate::domain::Diet::Regular.code() => {}
            Ok(code) => codes.push(code),
            Err(failure) => errors.push(error("dietary_needs", failure.describe(label, "diet")).with_value(label)),
        }
    }
    codes.sort();
    codes.dedup();
    profile.dietary_needs = codes;
    errors
}

/// A hotel given by a division's name (`鹿城区`) as the same hotel by the division's code; any
/// other hotel as it is (an unknown name is refused by [`hotel_errors`]).
pub fn hotel_with_code(hotel: &Hotel, divisions: &DivisionRegistry) -> Hotel {
    match hotel {
        Hotel::Division { division } if divisions.get(division).is_none() => match divisions.labels().resolve(division) {
            Ok(code) => Hotel::Division { division: code },
            Err(_) => hotel.clone(),
        },
        _ => hotel.clone(),
    }
}

/// Checks a hotel written at `field` (the profile's, or a day's move): a known division, or a
/// point in Wenzhou with a name of bounded length.
pub fn hotel_errors(hotel: &Hotel, field: &str, divisions: &DivisionRegistry) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut fail = |part: &str, message: String| errors.push(FieldError::new(&format!("{field}.{part}"), FieldCode::InvalidValue, message));
    match hotel {
        Hotel::Division { division } => {
            if let Err(error) = divisions.labels().resolve(division) {
                fail("division", error.describe(division, "division or functional zone"));
            }
        }
        Hotel::Point { lat, lon, name } => {
            if name.as_ref().is_some_and(|name| name.chars().count() > MAX_ENTRY_CHARS) {
                fail("name", format!("is longer than {MAX_ENTRY_CHARS} characters"));
            }
            if !(WENZHOU_LAT.0..=WENZHOU_LAT.1).contains(lat) {
                fail("lat", format!("must lie in Wenzhou ({} to {}), got {lat}", WENZHOU_LAT.0, WENZHOU_LAT.1));
            }
            if !(WENZHOU_LON.0..=WENZHOU_LON.1).contains(lon) {
                fail("lon", format!("must lie in Wenzhou ({} to {}), got {lon}", WENZHOU_LON.0, WENZHOU_LON.1));
            }
        }
    }
    errors
}

/// Checks a profile and reports every failing field (paths like `profile.hotel.division`).
pub fn validate_profile(profile: &DelegationProfile, divisions: &DivisionRegistry) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| errors.push(FieldError::new(&format!("profile.{field}"), FieldCode::InvalidValue, message));
    if profile.country.len() != 2 || !profile.country.chars().all(|c| c.is_ascii_alphabetic()) {
        fail("country", format!("`{}` must be an ISO 3166-1 alpha-2 code such as IT or DE", profile.country));
    }
    if profile.size == 0 || profile.size > MAX_DELEGATION_SIZE {
        fail("size", format!("must be between 1 and {MAX_DELEGATION_SIZE}, got {}", profile.size));
    }
    if profile.days == 0 || profile.days > MAX_DAYS {
        fail("days", format!("must be between 1 and {MAX_DAYS}, got {}", profile.days));
    }
    match &profile.visit {
        VisitDays::Dates(dates) => {
            if dates.is_empty() {
                fail("visit.dates", "needs at least one date".to_string());
            } else if dates.len() != usize::from(profile.days) {
                fail("visit.dates", format!("lists {} date(s) but days is {}", dates.len(), profile.days));
            }
            if dates.windows(2).any(|w| w[1] <= w[0]) {
                fail("visit.dates", "must be distinct and in order".to_string());
            }
        }
        VisitDays::Weekdays(days) => {
            if days.is_empty() {
                fail("visit.weekdays", "needs at least one weekday".to_string());
            }
        }
    }
    for error in hotel_errors(&profile.hotel, "hotel", divisions) {
        fail(&error.field, error.message);
    }
    if profile.interests.trim().is_empty() && profile.industries_sought.is_empty() && profile.seeks.is_empty() {
        fail("interests", "describe the delegation's interests, or list industries_sought or seeks".to_string());
    }
    if profile.interests.chars().count() > 4000 {
        fail("interests", "is longer than 4000 characters".to_string());
    }
    for entry in &profile.industries_sought {
        if entry.trim().is_empty() || entry.chars().count() > 200 {
            fail("industries_sought", "entries must be non-blank and at most 200 characters".to_string());
        }
    }
    for lang in &profile.languages {
        if !SUPPORTED_LANGUAGES.contains(&lang.as_str()) {
            let why = language_labels().resolve(lang).err().map_or_else(|| format!("`{lang}` is not a supported language"), |e| e.describe(lang, "supported language"));
            fail("languages", why);
        }
    }
    for (field, ids) in [("must_visit", &profile.must_visit), ("avoid", &profile.avoid), ("approvals_arranged", &profile.approvals_arranged)] {
        for id in ids {
            if !is_valid_base_id(id) {
                fail(field, format!("`{id}` is not a base id"));
            }
        }
    }
    // Every list that scales the work is capped, and checked before any work starts.
    let lists: [(&str, usize, usize); 8] = [
        ("must_visit", profile.must_visit.len(), MAX_MUST_VISIT),
        ("approvals_arranged", profile.approvals_arranged.len(), MAX_MUST_VISIT),
        ("avoid", profile.avoid.len(), MAX_AVOID),
        ("industries_sought", profile.industries_sought.len(), MAX_PROFILE_ENTRIES),
        ("offers", profile.offers.len(), MAX_PROFILE_ENTRIES),
        ("seeks", profile.seeks.len(), MAX_PROFILE_ENTRIES),
        ("languages", profile.languages.len(), MAX_PROFILE_LANGUAGES),
        ("visit.weekdays", match &profile.visit { VisitDays::Weekdays(days) => days.len(), VisitDays::Dates(_) => 0 }, 7),
    ];
    for (field, len, limit) in lists {
        if len > limit {
            fail(field, format!("lists {len} entries; at most {limit} are allowed"));
        }
    }
    for (field, entries) in [("offers", &profile.offers), ("seeks", &profile.seeks)] {
        if entries.iter().any(|e| e.chars().count() > MAX_ENTRY_CHARS) {
            fail(field, format!("entries must be at most {MAX_ENTRY_CHARS} characters"));
        }
    }
    if profile.city.as_ref().is_some_and(|city| city.chars().count() > MAX_ENTRY_CHARS) {
        fail("city", format!("is longer than {MAX_ENTRY_CHARS} characters"));
    }
    let avoided: std::collections::HashSet<&str> = profile.avoid.iter().map(String::as_str).collect();
    if let Some(both) = profile.must_visit.iter().find(|id| avoided.contains(id.as_str())) {
        fail("avoid", format!("`{both}` is both a must-visit and an avoided base"));
    }
    errors
}
