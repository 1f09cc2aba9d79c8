//! Turning an untrusted record (a JSON object or a CSV row) into an [`ExchangeBase`].
//!
//! Every check runs, and every failure is reported with the field at fault, so an officer fixing
//! a spreadsheet sees all problems at once rather than one per attempt. Each failure carries a
//! stable code (`missing_field`, `invalid_type`, `invalid_value`, `unknown_field`,
//! `duplicate_id`, `malformed_record`).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::headers::field_of_header;
use crate::domain::geo::{WENZHOU_LAT, WENZHOU_LON};
use crate::domain::{
    is_valid_base_id, FieldCode, FieldError, BaseKind, BaseSize, Contact, DivisionRegistry, ExchangeBase, Location, OpeningHours, PhotoPolicy,
    diet_labels, kind_labels, language_labels, split_list, Diet, status_labels, BaseStatus, LabelMapping, Labels, Taxonomy, TimeRange, Weekday, MAX_REVIEW_NOTE_CHARS,
};


/// Most closed dates a base may list (a year's worth).
const MAX_CLOSED_DATES: usize = 366;

/// Every field a base record may carry, in the order of the CSV header.
pub const RECORD_FIELDS: &[&str] = &[
    "id", "name_zh", "name_en", "kind", "industries", "division", "address_zh", "address_en", "lat", "lon",
    "employees", "floor_area_m2", "annual_revenue_million_cny", "needs", "promotion_points", "description_zh",
    "description_en", "visit_minutes", "opening_hours", "closed_dates", "opens_on_holidays", "max_group_size", "guide_languages",
    "restricted", "approval_required", "approved_until", "needs_local_consent", "meals", "photo_policy", "open_scope", "tags", "contact_name", "contact_phone",
    "contact_email", "status", "submitted_by", "review_note",
];

/// A field value as it arrives: typed JSON, or text from a CSV cell.
#[derive(Debug, Clone, Copy)]
pub enum RawValue<'a> {
    /// A JSON value.
    Json(&'a serde_json::Value),
    /// A CSV cell (already known to be non-empty).
    Text(&'a str),
}

/// A record whose fields can be read by name.
pub trait RawRecord {
    /// The value of `field`, or `None` when absent, JSON `null` or an empty CSV cell.
    fn get(&self, field: &str) -> Option<RawValue<'_>>;
    /// Every field name present, to report unknown ones.
    fn field_names(&self) -> Vec<String>;
    /// Whether a missing id is derived (spreadsheet rows) rather than refused (JSON records).
    fn derives_missing_id(&self) -> bool {
        false
    }
}

impl RawRecord for serde_json::Map<String, serde_json::Value> {
    fn get(&self, field: &str) -> Option<RawValue<'_>> {
        self.get(field).filter(|v| !v.is_null()).map(RawValue::Json)
    }
    fn field_names(&self) -> Vec<String> {
        self.keys().cloned().collect()
    }
}

/// A CSV row paired with its header.
pub struct CsvRow<'a> {
    /// Column names.
    pub header: &'a csv::StringRecord,
    /// Cell values.
    pub row: &'a csv::StringRecord,
}

impl RawRecord for CsvRow<'_> {
    fn get(&self, field: &str) -> Option<RawValue<'_>> {
        let index = self.header.iter().position(|h| field_of_header(h) == field)?;
        self.row.get(index).map(str::trim).filter(|cell| !cell.is_empty()).map(RawValue::Text)
    }
    fn field_names(&self) -> Vec<String> {
        self.header.iter().map(field_of_header).collect()
    }
    fn derives_missing_id(&self) -> bool {
        true
    }
}

/// Reads fields of one record and collects every failure.
struct FieldReader<'r> {
    record: &'r dyn RawRecord,
    errors: Vec<FieldError>,
}

impl<'r> FieldReader<'r> {
    fn fail(&mut self, field: &str, code: FieldCode, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    fn text(&mut self, field: &str, required: bool, max_chars: usize) -> Option<String> {
        let value = match self.record.get(field) {
            None => {
                if required {
                    self.fail(field, FieldCode::MissingField, "is required");
                }
                return None;
            }
            Some(RawValue::Text(text)) => text.to_string(),
            Some(RawValue::Json(serde_json::Value::String(text))) => text.trim().to_string(),
            Some(RawValue::Json(other)) => {
                self.fail(field, FieldCode::InvalidType, format!("must be a string, got {}", json_type(other)));
                return None;
            }
        };
        if value.is_empty() {
            if required {
                self.fail(field, FieldCode::MissingField, "is required and must not be blank");
            }
            return None;
        }
        if value.chars().count() > max_chars {
            self.fail(field, FieldCode::InvalidValue, format!("is longer than {max_chars} characters"));
            return None;
        }
        Some(value)
    }

    fn list(&mut self, field: &str, required: bool) -> Vec<String> {
        let items: Vec<String> = match self.record.get(field) {
            None => Vec::new(),
            Some(RawValue::Text(text)) => text.split('|').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect(),
            Some(RawValue::Json(serde_json::Value::Array(values))) => {
                let mut items = Vec::new();
                for (i, value) in values.iter().enumerate() {
                    match value.as_str().map(str::trim) {
                        Some(text) if !text.is_empty() => items.push(text.to_string()),
                        Some(_) => self.fail(field, FieldCode::InvalidValue, format!("item {i} is blank")),
                        None => self.fail(field, FieldCode::InvalidType, format!("item {i} must be a string, got {}", json_type(value))),
                    }
                }
                items
            }
            Some(RawValue::Json(other)) => {
                self.fail(field, FieldCode::InvalidType, format!("must be a list of strings, got {}", json_type(other)));
                return Vec::new();
            }
        };
        if required && items.is_empty() && !self.errors.iter().any(|e| e.field == field) {
            self.fail(field, FieldCode::MissingField, "needs at least one item");
        }
        if let Some(item) = items.iter().find(|item| item.chars().count() > 500) {
            let preview: String = item.chars().take(20).collect();
            self.fail(field, FieldCode::InvalidValue, format!("item `{preview}…` is longer than 500 characters"));
        }
        items
    }

    fn number(&mut self, field: &str, required: bool) -> Option<f64> {
        let number = match self.record.get(field) {
            None => {
                if required {
                    self.fail(field, FieldCode::MissingField, "is required");
                }
                return None;
            }
            Some(RawValue::Json(serde_json::Value::Number(n))) => n.as_f64(),
            Some(RawValue::Text(text)) => match text.parse::<f64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    self.fail(field, FieldCode::InvalidType, format!("must be a number, got `{text}`"));
                    return None;
                }
            },
            Some(RawValue::Json(other)) => {
                self.fail(field, FieldCode::InvalidType, format!("must be a number, got {}", json_type(other)));
                return None;
            }
        };
        match number {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                self.fail(field, FieldCode::InvalidValue, "must be a finite number");
                None
            }
        }
    }

    fn ranged(&mut self, field: &str, required: bool, min: f64, max: f64) -> Option<f64> {
        let n = self.number(field, required)?;
        if n < min || n > max {
            self.fail(field, FieldCode::InvalidValue, format!("must be between {min} and {max}, got {n}"));
            return None;
        }
        Some(n)
    }

    fn whole(&mut self, field: &str, required: bool, min: u32, max: u32) -> Option<u32> {
        let n = self.ranged(field, required, f64::from(min), f64::from(max))?;
        if n.fract() != 0.0 {
            self.fail(field, FieldCode::InvalidValue, format!("must be a whole number, got {n}"));
            return None;
        }
        Some(n as u32)
    }

    fn boolean(&mut self, field: &str) -> bool {
        self.stated_boolean(field).unwrap_or(false)
    }

    /// A yes/no field that may be left out (`None`). Words that answer one question only
    /// (涉密 for `restricted`, 开放 for `opens_on_holidays`) count for that field alone, so a
    /// cell written for one column never flips another.
    fn stated_boolean(&mut self, field: &str) -> Option<bool> {
        match self.record.get(field)? {
            RawValue::Json(serde_json::Value::Bool(b)) => Some(*b),
            RawValue::Text(text) => match (field, text.trim().to_ascii_lowercase().as_str()) {
                (_, "true" | "yes" | "1" | "y" | "是") => Some(true),
                (_, "false" | "no" | "0" | "n" | "否" | "无") => Some(false),
                ("restricted", "涉密" | "不对外") => Some(true),
                ("restricted", "对外") => Some(false),
                ("opens_on_holidays", "开放" | "照常开放") => Some(true),
                ("opens_on_holidays", "不开放" | "闭馆") => Some(false),
                _ => {
                    self.fail(field, FieldCode::InvalidType, format!("must be true or false (是/否), got `{text}`"));
                    None
                }
            },
            RawValue::Json(other) => {
                self.fail(field, FieldCode::InvalidType, format!("must be true or false, got {}", json_type(other)));
                None
            }
        }
    }

    /// A list of labels: a text cell split the ways spreadsheets split lists (`|`, `、`, `，`,
    /// `,`, `;`), or a JSON list.
    fn labels(&mut self, field: &str, required: bool) -> Vec<String> {
        match self.record.get(field) {
            Some(RawValue::Text(text)) => {
                let items = split_list(text);
                if required && items.is_empty() {
                    self.fail(field, FieldCode::MissingField, "needs at least one item");
                }
                items
            }
            _ => self.list(field, required),
        }
    }

    /// The code `label` names in `labels`; an unknown or ambiguous label fails `field` with the
    /// closest known labels.
    fn code(&mut self, field: &str, label: &str, labels: &Labels, what: &str) -> Option<String> {
        match labels.resolve(label) {
            Ok(code) => Some(code),
            Err(error) => {
                self.errors.push(FieldError::new(field, FieldCode::InvalidValue, error.describe(label, what)).with_value(label));
                None
            }
        }
    }

    fn opening_hours(&mut self, field: &str) -> OpeningHours {
        let result = match self.record.get(field) {
            None => Err("is required".to_string()),
            Some(RawValue::Text(text)) => OpeningHours::parse_written(text),
            Some(RawValue::Json(serde_json::Value::String(text))) => OpeningHours::parse_written(text),
            Some(RawValue::Json(serde_json::Value::Object(days))) => parse_hours_object(days),
            Some(RawValue::Json(other)) => {
                self.fail(field, FieldCode::InvalidType, format!("must be an object of weekday ranges, got {}", json_type(other)));
                return OpeningHours::default();
            }
        };
        match result {
            Ok(hours) => hours,
            Err(message) => {
                let code = if self.record.get(field).is_none() { FieldCode::MissingField } else { FieldCode::InvalidValue };
                self.fail(field, code, message);
                OpeningHours::default()
            }
        }
    }
}

fn parse_hours_object(days: &serde_json::Map<String, serde_json::Value>) -> Result<OpeningHours, String> {
    let mut parsed: BTreeMap<Weekday, Vec<TimeRange>> = BTreeMap::new();
    for (day, ranges) in days {
        let weekday: Weekday = day.parse()?;
        let ranges = ranges.as_array().ok_or_else(|| format!("{day}: must be a list of \"HH:MM-HH:MM\" strings"))?;
        for range in ranges {
            let text = range.as_str().ok_or_else(|| format!("{day}: must be a list of \"HH:MM-HH:MM\" strings"))?;
            parsed.entry(weekday).or_default().push(text.parse().map_err(|e| format!("{day}: {e}"))?);
        }
    }
    OpeningHours::from_days(parsed)
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The id a spreadsheet row without one gets: its division code, then the first 8 hex digits of
/// the SHA-256 of its Chinese name and address (`lucheng-3fa9c2d1`): the same row imported again
/// gets the same id, so a re-import updates rather than duplicates; two bases of one name at two
/// addresses get two ids.
pub fn derived_id(division: &str, name_zh: &str, address_zh: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{}\n{}", name_zh.trim(), address_zh.trim()).as_bytes());
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", division.replace('_', "-"))
}

/// Checks one record against the taxonomy and the division registry and builds the base.
pub fn validate_record(
    record: &dyn RawRecord,
    taxonomy: &Taxonomy,
    divisions: &DivisionRegistry,
) -> Result<ExchangeBase, Vec<FieldError>> {
    validate_mapped(record, taxonomy, divisions, &LabelMapping::default())
}

/// [`validate_record`], with industry labels beyond the taxonomy read through `mapping`; a
/// mapped label is kept as a tag.
pub fn validate_mapped(
    record: &dyn RawRecord,
    taxonomy: &Taxonomy,
    divisions: &DivisionRegistry,
    mapping: &LabelMapping,
) -> Result<ExchangeBase, Vec<FieldError>> {
    let mut r = FieldReader { record, errors: Vec::new() };

    for name in record.field_names() {
        if !RECORD_FIELDS.contains(&name.as_str()) {
            r.fail(&name, FieldCode::UnknownField, "is not a field of a base; see the import schema in README.md");
        }
    }

    // A spreadsheet row may leave the id out (a stable one is derived below); a JSON record may not.
    let given_id = r.text("id", !record.derives_missing_id(), 64);
    if let Some(id) = &given_id
        && !is_valid_base_id(id) {
            r.fail("id", FieldCode::InvalidValue, format!("`{id}` must use only a-z, 0-9 and '-', and not start with '-'"));
        }
    let name_zh = r.text("name_zh", true, 200);
    let name_en = r.text("name_en", false, 200);
    let kind = r.text("kind", true, 40).and_then(|label| r.code("kind", &label, kind_labels(), "kind of base")).and_then(|code| BaseKind::from_code(&code));
    let mut industries = Vec::new();
    let mut mapped_labels = Vec::new();
    for label in r.labels("industries", true) {
        let mapped = taxonomy.labels().resolve(&label).is_err().then(|| mapping.get(&label)).flatten();
        if let Some(code) = mapped {
            // Specific labels mapped onto one industry (鞋材、男士皮鞋 → footwear) name it once.
            mapped_labels.push(label.clone());
            if !industries.iter().any(|c| c == code) {
                industries.push(code.to_string());
            }
        } else if let Some(code) = r.code("industries", &label, taxonomy.labels(), "industry") {
            if industries.contains(&code) {
                r.fail("industries", FieldCode::InvalidValue, format!("`{label}` is listed twice"));
            } else {
                industries.push(code);
            }
        }
    }
    let division = r.text("division", true, 40).and_then(|label| r.code("division", &label, divisions.labels(), "division or functional zone"));
    let address_zh = r.text("address_zh", true, 300);
    let address_en = r.text("address_en", false, 300);
    let lat = r.ranged("lat", true, WENZHOU_LAT.0, WENZHOU_LAT.1);
    let lon = r.ranged("lon", true, WENZHOU_LON.0, WENZHOU_LON.1);
    let employees = r.whole("employees", false, 0, 10_000_000);
    let floor_area_m2 = r.whole("floor_area_m2", false, 0, 1_000_000_000);
    let revenue = r.ranged("annual_revenue_million_cny", false, 0.0, 1e9);
    let needs = r.list("needs", false);
    let promotion_points = r.list("promotion_points", false);
    let description_zh = r.text("description_zh", true, 5000);
    let description_en = r.text("description_en", false, 5000);
    let visit_minutes = r.whole("visit_minutes", true, 10, 480);
    let opening_hours = r.opening_hours("opening_hours");
    let mut closed_dates = Vec::new();
    let closed_texts = r.list("closed_dates", false);
    if closed_texts.len() > MAX_CLOSED_DATES {
        r.fail("closed_dates", FieldCode::InvalidValue, format!("lists {} dates; at most {MAX_CLOSED_DATES} are allowed", closed_texts.len()));
    }
    for text in closed_texts.into_iter().take(MAX_CLOSED_DATES) {
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) => closed_dates.push(date),
            Err(_) => r.fail("closed_dates", FieldCode::InvalidValue, format!("`{text}` is not a date; write YYYY-MM-DD")),
        }
    }
    closed_dates.sort();
    closed_dates.dedup();
    let max_group_size = r.whole("max_group_size", true, 1, 2000);
    let mut guide_languages: Vec<String> = Vec::new();
    for label in r.labels("guide_languages", true) {
        if let Some(code) = r.code("guide_languages", &label, language_labels(), "guide language")
            && !guide_languages.contains(&code)
        {
            guide_languages.push(code);
        }
    }
    let opens_on_holidays = r.stated_boolean("opens_on_holidays");
    let restricted = r.boolean("restricted");
    let approval_required = r.boolean("approval_required");
    let approved_until = match r.text("approved_until", false, 20) {
        None => None,
        Some(text) => match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                r.fail("approved_until", FieldCode::InvalidValue, format!("`{text}` is not a date; write YYYY-MM-DD"));
                None
            }
        },
    };
    let needs_local_consent = r.boolean("needs_local_consent");
    let mut meals = Vec::new();
    // The office writes 常规餐、清真 in one cell.
    let meal_labels: Vec<String> = r.list("meals", false).iter().flat_map(|cell| split_list(cell)).collect();
    if meal_labels.len() > 2 * Diet::ALL.len() {
        r.fail("meals", FieldCode::InvalidValue, format!("lists {} diets; there are only {}", meal_labels.len(), Diet::ALL.len()));
    }
    for label in meal_labels.into_iter().take(2 * Diet::ALL.len()) {
        match diet_labels().resolve(label.trim()) {
            Ok(code) => meals.extend(Diet::from_code(&code)),
            Err(error) => r.fail("meals", FieldCode::InvalidValue, format!("{}; write 常规餐, 清真, 犹太洁食, 素食, 纯素, 不含猪肉, 不含牛肉 or 无麸质", error.describe(&label, "diet"))),
        }
    }
    meals.sort();
    meals.dedup();
    let photo_policy = match r.text("photo_policy", false, 20).as_deref() {
        None | Some("allowed" | "允许" | "允许拍照" | "可拍照") => PhotoPolicy::Allowed,
        Some("restricted" | "限制" | "部分区域可拍照" | "限制拍照") => PhotoPolicy::Restricted,
        Some("forbidden" | "禁止" | "禁止拍照" | "不允许拍照") => PhotoPolicy::Forbidden,
        Some(other) => {
            r.fail("photo_policy", FieldCode::InvalidValue, format!("`{other}` must be allowed (允许), restricted (限制) or forbidden (禁止)"));
            PhotoPolicy::Allowed
        }
    };
    let open_scope = r.text("open_scope", false, 1000);
    let mut tags = r.list("tags", false);
    for label in mapped_labels {
        if !tags.contains(&label) {
            tags.push(label);
        }
    }
    let contact = Contact {
        name: r.text("contact_name", false, 100),
        phone: r.text("contact_phone", false, 40),
        email: r.text("contact_email", false, 200),
    };
    let status = r.text("status", false, 20).and_then(|label| r.code("status", &label, status_labels(), "screening status")).and_then(|code| BaseStatus::from_code(&code));
    let submitted_by = r.text("submitted_by", false, 40).and_then(|label| r.code("submitted_by", &label, divisions.labels(), "division or functional zone"));
    let review_note = r.text("review_note", false, MAX_REVIEW_NOTE_CHARS);
    if let Some(email) = &contact.email
        && (!email.contains('@') || email.starts_with('@') || email.ends_with('@')) {
            r.fail("contact_email", FieldCode::InvalidValue, format!("`{email}` is not an e-mail address"));
        }

    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    // Every required value is present here: a missing one would have left an error above.
    let id = if record.derives_missing_id() {
        given_id.or_else(|| Some(derived_id(division.as_deref()?, name_zh.as_deref()?, address_zh.as_deref()?)))
    } else {
        given_id
    };
    let (Some(id), Some(name_zh), Some(kind), Some(division), Some(address_zh), Some(lat), Some(lon)) =
        (id, name_zh, kind, division, address_zh, lat, lon)
    else {
        return Err(vec![FieldError::new("(record)", FieldCode::MalformedRecord, "required fields are missing")]);
    };
    let (Some(description_zh), Some(visit_minutes), Some(max_group_size)) = (description_zh, visit_minutes, max_group_size) else {
        return Err(vec![FieldError::new("(record)", FieldCode::MalformedRecord, "required fields are missing")]);
    };
    Ok(ExchangeBase {
        id,
        name_zh,
        name_en,
        kind,
        industries,
        location: Location { division, address_zh, address_en, lat, lon },
        size: BaseSize { employees, floor_area_m2, annual_revenue_million_cny: revenue },
        needs,
        promotion_points,
        description_zh,
        description_en,
        visit_minutes: visit_minutes as u16,
        opening_hours,
        closed_dates,
        opens_on_holidays,
        max_group_size: max_group_size as u16,
        guide_languages,
        restricted,
        approval_required,
        approved_until,
        needs_local_consent,
        meals,
        photo_policy,
        open_scope,
        tags,
        contact,
        status,
        submitted_by,
        review_note,
    })
}

/// The flat record form of a base: what `export` writes and `import` reads back.
pub fn to_record(base: &ExchangeBase) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut record = serde_json::Map::new();
    let mut put = |key: &str, value: serde_json::Value| {
        if !value.is_null() {
            record.insert(key.to_string(), value);
        }
    };
    put("id", json!(base.id));
    put("name_zh", json!(base.name_zh));
    put("name_en", json!(base.name_en));
    put("kind", json!(base.kind.code()));
    put("industries", json!(base.industries));
    put("division", json!(base.location.division));
    put("address_zh", json!(base.location.address_zh));
    put("address_en", json!(base.location.address_en));
    put("lat", json!(base.location.lat));
    put("lon", json!(base.location.lon));
    put("employees", json!(base.size.employees));
    put("floor_area_m2", json!(base.size.floor_area_m2));
    put("annual_revenue_million_cny", json!(base.size.annual_revenue_million_cny));
    put("needs", json!(base.needs));
    put("promotion_points", json!(base.promotion_points));
    put("description_zh", json!(base.description_zh));
    put("description_en", json!(base.description_en));
    put("visit_minutes", json!(base.visit_minutes));
    put("opening_hours", serde_json::to_value(&base.opening_hours).unwrap_or_default());
    put("closed_dates", json!(base.closed_dates.iter().map(|d| d.to_string()).collect::<Vec<_>>()));
    put("opens_on_holidays", json!(base.opens_on_holidays));
    put("max_group_size", json!(base.max_group_size));
    put("guide_languages", json!(base.guide_languages));
    put("restricted", json!(base.restricted));
    put("approval_required", json!(base.approval_required));
    put("approved_until", json!(base.approved_until.map(|d| d.to_string())));
    put("needs_local_consent", json!(base.needs_local_consent));
    put("meals", json!(base.meals.iter().map(|d| d.code()).collect::<Vec<_>>()));
    put("photo_policy", json!(base.photo_policy.code()));
    put("open_scope", json!(base.open_scope));
    put("tags", json!(base.tags));
    put("contact_name", json!(base.contact.name));
    put("contact_phone", json!(base.contact.phone));
    put("contact_email", json!(base.contact.email));
    put("status", json!(base.status.map(BaseStatus::code)));
    put("submitted_by", json!(base.submitted_by));
    put("review_note", json!(base.review_note));
    record
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn good_record() -> serde_json::Map<String, serde_json::Value> {
        json!({
            "id": "test-001", "name_zh": "测试鞋业有限公司", "kind": "enterprise", "industries": ["footwear"],
            "division": "lucheng", "address_zh": "温州市鹿城区双屿", "lat": 28.0, "lon": 120.6,
            "description_zh": "一家鞋企。", "visit_minutes": 60,
            "opening_hours": {"mon": ["08:30-11:30", "13:30-17:00"]}, "max_group_size": 20,
            "guide_languages": ["zh", "en"]
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn check(record: &serde_json::Map<String, serde_json::Value>) -> Result<ExchangeBase, Vec<FieldError>> {
        validate_record(record, &Taxonomy::embedded(), &DivisionRegistry::embedded())
    }

    #[test]
    fn a_word_for_one_yes_no_column_never_flips_another() {
        use crate::catalog::{parse_records, RecordFormat};
        let taxonomy = crate::domain::Taxonomy::embedded();
        let divisions = DivisionRegistry::embedded();
        let header = "id,name_zh,kind,industries,division,address_zh,lat,lon,description_zh,visit_minutes,opening_hours,max_group_size,guide_languages,restricted,opens_on_holidays";
        let row = |restricted: &str, holidays: &str| {
            format!("{header}\nlucheng-900,示例馆,cultural_site,heritage,lucheng,地址,28.0,120.65,简介,60,tue-sun 09:00-17:00,30,zh,{restricted},{holidays}\n")
        };
        let bases = parse_records(&row("涉密", "不开放"), RecordFormat::Csv, &taxonomy, &divisions).unwrap();
        assert!(bases[0].restricted && bases[0].opens_on_holidays == Some(false));
        // 不开放 answers the holiday question, not whether foreigners may visit: refused there.
        let errors = parse_records(&row("不开放", "开放"), RecordFormat::Csv, &taxonomy, &divisions).unwrap_err();
        assert!(errors.iter().any(|e| e.field == "restricted"), "{errors:?}");
    }

    #[test]
    fn accepts_a_minimal_record_and_round_trips_it() {
        let base = check(&good_record()).unwrap();
        assert_eq!(base.location.division, "lucheng");
        assert_eq!(check(&to_record(&base)).unwrap(), base);
    }

    #[test]
    fn reports_every_failing_field_at_once() {
        let mut record = good_record();
        record.insert("lat".into(), json!(120.6)); // swapped with lon
        record.insert("kind".into(), json!("factory"));
        record.insert("industries".into(), json!(["warp drives"]));
        record.insert("max_group_size".into(), json!("many"));
        record.insert("colour".into(), json!("red"));
        record.remove("name_zh");
        let errors = check(&record).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in ["lat", "kind", "industries", "max_group_size", "colour", "name_zh"] {
            assert!(fields.contains(&field), "{field} not reported in {errors:?}");
        }
    }

    #[test]
    fn rejects_bad_hours_and_dates() {
        let mut record = good_record();
        record.insert("opening_hours".into(), json!({"mon": ["17:00-08:00"]}));
        record.insert("closed_dates".into(), json!(["2026-02-30"]));
        let errors = check(&record).unwrap_err();
        assert!(errors.iter().any(|e| e.field == "opening_hours"));
        assert!(errors.iter().any(|e| e.field == "closed_dates"));
    }

    #[test]
    fn csv_rows_use_pipes_for_lists_and_compact_hours() {
        let header = csv::StringRecord::from(vec!["id", "name_zh", "kind", "industries", "division", "address_zh", "lat", "lon",
            "description_zh", "visit_minutes", "opening_hours", "max_group_size", "guide_languages", "restricted"]);
        let row = csv::StringRecord::from(vec!["csv-1", "测试", "enterprise", "footwear|leather", "ouhai", "瓯海", "27.97", "120.61",
            "描述", "45", "mon-fri 08:30-17:00", "15", "zh|en", "no"]);
        let base = validate_record(&CsvRow { header: &header, row: &row }, &Taxonomy::embedded(), &DivisionRegistry::embedded()).unwrap();
        assert_eq!(base.industries, vec!["footwear", "leather"]);
        assert!(base.opening_hours.is_open_on(Weekday::Fri));
        assert!(!base.restricted);
    }
}
