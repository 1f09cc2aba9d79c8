//! Outbound trip discipline (因公出国(境)管理: 有事才去、因事定人、完事即回): a trip plan becomes an
//! application summary (purpose, countries, days, members, tasks per stop), and days or members
//! beyond what the tasks justify, or beyond the rules, are flagged.
//!
//! Justified days are the stops' days plus the international travel days; justified members are
//! one head of delegation plus one member per distinct task. The rules (countries, days by
//! number of countries, members) come from `fixtures/outbound/rules.json`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::data::{OutboundReference, TripRules};
pub use crate::domain::PlannedStop;
use crate::domain::{OutboundRoute, RouteStop};
use crate::domain::{FieldCode, FieldError, ReviewFlag, TripInput};
use crate::domain::Relations;

/// Most stops of one trip plan.
pub const MAX_STOPS: usize = 30;
/// Most task codes of one stop.
pub const MAX_TASKS_PER_STOP: usize = 20;
/// Longest purpose or city, in characters.
pub const MAX_TRIP_TEXT_CHARS: usize = 500;

/// A planned trip: a route from the library, or stops given here.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"route": "fsm-it-footwear-design", "days": 9, "members": 8,
                          "purpose_zh": "引进鞋履设计人才，拓展欧洲渠道"}))]
pub struct TripPlan {
    /// A route id; its stops are the trip's unless `stops` is given.
    #[serde(default)]
    pub route: Option<String>,
    /// Stops, when not (only) the route's: each with its country, days and task codes.
    #[serde(default)]
    pub stops: Vec<PlannedStop>,
    /// Days abroad, leaving and re-entering China included.
    pub days: u16,
    /// Members of the delegation.
    pub members: u16,
    /// Purpose, in Chinese (defaults to the route's title and tasks).
    #[serde(default)]
    pub purpose_zh: Option<String>,
}

/// A stop as it appears in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SummaryStop {
    /// Country code.
    pub country: String,
    /// City.
    pub city: String,
    /// Days.
    pub days: u16,
    /// Purpose in Chinese.
    pub purpose_zh: String,
    /// Tasks served, in Chinese.
    pub tasks_zh: Vec<String>,
}

/// A problem with the plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TripFlag {
    /// `too_many_countries`, `days_over_rule`, `days_over_tasks`, `members_over_rule`,
    /// `members_over_tasks` or `stop_without_task`.
    pub code: String,
    /// What is wrong, in Chinese.
    pub message_zh: String,
    /// What is wrong, in English.
    pub message_en: String,
}

/// The application summary with its flags.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TripCheck {
    /// Purpose.
    pub purpose_zh: String,
    /// Countries visited, in order (Chinese names).
    pub countries_zh: Vec<String>,
    /// Days asked for.
    pub days: u16,
    /// Members asked for.
    pub members: u16,
    /// Stops with their tasks.
    pub stops: Vec<SummaryStop>,
    /// Days the tasks justify (stops plus travel).
    pub justified_days: u16,
    /// Members the tasks justify (head plus one per distinct task).
    pub justified_members: u16,
    /// The rules applied.
    pub rules: TripRules,
    /// Problems; empty when the plan is justified and within the rules.
    pub flags: Vec<TripFlag>,
    /// The summary as text, ready for the application form (出访申请摘要).
    pub summary_zh: String,
}

/// Checks `plan` against its tasks and the rules. `routes` resolves `plan.route`.
pub fn check_trip(plan: &TripPlan, routes: &[OutboundRoute], reference: &OutboundReference, relations: &Relations) -> Result<TripCheck, Vec<FieldError>> {
    let mut errors = Vec::new();
    let route = match &plan.route {
        Some(id) => match routes.iter().find(|r| &r.id == id) {
            Some(route) => Some(route),
            None => {
                errors.push(FieldError::new("route", FieldCode::UnknownRoute, format!("no outbound route `{id}`; see GET /v1/outbound-routes")));
                None
            }
        },
        None => None,
    };
    if plan.route.is_none() && plan.stops.is_empty() {
        errors.push(FieldError::new("stops", FieldCode::MissingField, "give a `route` or the `stops`"));
    }
    // Checked before anything else is read: the lists scale the work.
    if plan.stops.len() > MAX_STOPS {
        return Err(vec![FieldError::new("stops", FieldCode::TooMany, format!("lists {} stops; at most {MAX_STOPS} are allowed", plan.stops.len()))]);
    }
    if let Some(i) = plan.stops.iter().position(|s| s.tasks.len() > MAX_TASKS_PER_STOP) {
        return Err(vec![FieldError::new(&format!("stops[{i}].tasks"), FieldCode::TooMany, format!("at most {MAX_TASKS_PER_STOP} tasks per stop"))]);
    }
    let texts = plan.purpose_zh.iter().map(|p| ("purpose_zh".to_string(), p)).chain(
        plan.stops.iter().enumerate().flat_map(|(i, s)| [(format!("stops[{i}].city"), &s.city), (format!("stops[{i}].purpose_zh"), &s.purpose_zh)]),
    );
    for (field, text) in texts {
        if text.chars().count() > MAX_TRIP_TEXT_CHARS {
            errors.push(FieldError::new(&field, FieldCode::InvalidValue, format!("is longer than {MAX_TRIP_TEXT_CHARS} characters")));
        }
    }
    if !(1..=60).contains(&plan.days) {
        errors.push(FieldError::new("days", FieldCode::InvalidValue, format!("must be 1 to 60, got {}", plan.days)));
    }
    if !(1..=100).contains(&plan.members) {
        errors.push(FieldError::new("members", FieldCode::InvalidValue, format!("must be 1 to 100, got {}", plan.members)));
    }
    let concept = |code: &str| relations.concepts().iter().find(|c| c.code == code);
    for (i, stop) in plan.stops.iter().enumerate() {
        if relations.country(&stop.country).is_none() {
            errors.push(FieldError::new(&format!("stops[{i}].country"), FieldCode::InvalidValue, format!("`{}` is not a known country code", stop.country)));
        }
        if !(1..=30).contains(&stop.days) {
            errors.push(FieldError::new(&format!("stops[{i}].days"), FieldCode::InvalidValue, format!("must be 1 to 30, got {}", stop.days)));
        }
        for task in &stop.tasks {
            if concept(task).is_none() {
                errors.push(FieldError::new(&format!("stops[{i}].tasks"), FieldCode::InvalidValue, format!("`{task}` is not a cooperation concept")));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let task_label = |code: &str| -> String {
        route
            .and_then(|r| r.tasks.iter().find(|t| t.code == code).map(|t| t.zh.clone()))
            .or_else(|| concept(code).and_then(|c| c.zh.first().cloned()))
            .unwrap_or_else(|| code.to_string())
    };
    let from_route = |r: &OutboundRoute, s: &RouteStop| PlannedStop {
        country: r.country.clone(),
        city: s.city.clone(),
        purpose_zh: format!("{}：{}", s.institution_zh, s.purpose_zh),
        days: s.days,
        tasks: s.tasks.clone(),
    };
    let stops: Vec<PlannedStop> = if plan.stops.is_empty() {
        route.map(|r| r.stops.iter().map(|s| from_route(r, s)).collect()).unwrap_or_default()
    } else {
        plan.stops.clone()
    };
    let mut countries: Vec<String> = Vec::new();
    for stop in &stops {
        if !countries.contains(&stop.country) {
            countries.push(stop.country.clone());
        }
    }
    let mut tasks: Vec<&str> = stops.iter().flat_map(|s| s.tasks.iter().map(String::as_str)).collect();
    tasks.sort_unstable();
    tasks.dedup();
    let rules = reference.rules.clone();
    let justified_days = stops.iter().map(|s| s.days).sum::<u16>() + rules.travel_days;
    let justified_members = (1 + tasks.len() as u16).min(rules.max_members);
    let country_name = |code: &str| relations.country(code).map_or(code.to_string(), |c| c.zh.clone());

    let mut flags = Vec::new();
    let mut flag = |code: &str, zh: String, en: String| flags.push(TripFlag { code: code.into(), message_zh: zh, message_en: en });
    if countries.len() > rules.max_countries {
        flag("too_many_countries", format!("出访{}国，超过每次不超过{}国的规定", countries.len(), rules.max_countries),
             format!("{} countries; the rule allows at most {}", countries.len(), rules.max_countries));
    }
    let day_cap = rules.max_days_by_countries.get(countries.len().saturating_sub(1)).or(rules.max_days_by_countries.last()).copied().unwrap_or(u16::MAX);
    if plan.days > day_cap {
        flag("days_over_rule", format!("在外{}天，超过出访{}国不超过{}天的规定", plan.days, countries.len(), day_cap),
             format!("{} days abroad; the rule allows {} for {} {}", plan.days, day_cap, countries.len(), if countries.len() == 1 { "country" } else { "countries" }));
    }
    if plan.days > justified_days {
        flag("days_over_tasks", format!("在外{}天，任务只需{}天（各站{}天＋往返{}天）：完事即回", plan.days, justified_days, justified_days - rules.travel_days, rules.travel_days),
             format!("{} days abroad, but the tasks need {} (stops {} + travel {})", plan.days, justified_days, justified_days - rules.travel_days, rules.travel_days));
    }
    if plan.members > rules.max_members {
        flag("members_over_rule", format!("团组{}人，超过不超过{}人的规定", plan.members, rules.max_members),
             format!("{} members; the rule allows at most {}", plan.members, rules.max_members));
    }
    if plan.members > justified_members {
        flag("members_over_tasks", format!("团组{}人，{}项任务只需{}人（团长＋每项任务1人）：因事定人", plan.members, tasks.len(), justified_members),
             format!("{} members, but {} tasks justify {} (head + one per task)", plan.members, tasks.len(), justified_members));
    }
    for stop in stops.iter().filter(|s| s.tasks.is_empty()) {
        flag("stop_without_task", format!("{}{}一站没有任务：有事才去", country_name(&stop.country), stop.city),
             format!("the stop in {} serves no task", stop.city));
    }

    let purpose_zh = plan.purpose_zh.clone().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| match route {
        Some(r) => format!("{}：{}", r.title_zh, r.tasks.iter().map(|t| t.zh.clone()).collect::<Vec<_>>().join("；")),
        None => tasks.iter().map(|t| task_label(t)).collect::<Vec<_>>().join("；"),
    });
    let summary_stops: Vec<SummaryStop> = stops
        .iter()
        .map(|s| SummaryStop {
            country: s.country.clone(),
            city: s.city.clone(),
            days: s.days,
            purpose_zh: s.purpose_zh.clone(),
            tasks_zh: s.tasks.iter().map(|t| task_label(t)).collect(),
        })
        .collect();
    let countries_zh: Vec<String> = countries.iter().map(|c| country_name(c)).collect();
    let mut summary = format!(
        "出访申请摘要\n出访任务：{purpose_zh}\n出访国家：{}（{}国）\n在外天数：{}天（任务所需{}天）\n团组人数：{}人（任务所需{}人）\n日程安排：\n",
        countries_zh.join("、"),
        countries.len(),
        plan.days,
        justified_days,
        plan.members,
        justified_members
    );
    for (i, stop) in summary_stops.iter().enumerate() {
        summary.push_str(&format!(
            "  {}. {}·{}（{}天）：{}；任务：{}\n",
            i + 1,
            country_name(&stop.country),
            stop.city,
            stop.days,
            stop.purpose_zh,
            stop.tasks_zh.join("、")
        ));
    }
    if flags.is_empty() {
        summary.push_str("审核意见：天数与人数与任务相符，符合规定。\n");
    } else {
        summary.push_str("需说明或调整：\n");
        for flag in &flags {
            summary.push_str(&format!("  - {}\n", flag.message_zh));
        }
    }
    Ok(TripCheck {
        purpose_zh,
        countries_zh,
        days: plan.days,
        members: plan.members,
        stops: summary_stops,
        justified_days,
        justified_members,
        rules,
        flags,
        summary_zh: summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::data::embedded_routes;

    fn check(plan: TripPlan) -> TripCheck {
        check_trip(&plan, &embedded_routes(), &OutboundReference::embedded(), &Relations::embedded()).unwrap()
    }

    fn plan(route: &str, days: u16, members: u16) -> TripPlan {
        TripPlan { route: Some(route.into()), stops: Vec::new(), days, members, purpose_zh: None }
    }

    #[test]
    fn a_plan_that_fits_its_tasks_has_no_flags() {
        // Italy footwear: stops 1 + 1 + 1 days, travel 2 → 5 days; tasks talent, design, market, diaspora → 5 members.
        let checked = check(plan("fsm-it-footwear-design", 5, 5));
        assert_eq!((checked.justified_days, checked.justified_members), (5, 5));
        assert!(checked.flags.is_empty(), "{:?}", checked.flags);
        assert!(checked.summary_zh.contains("意大利") && checked.summary_zh.contains("符合规定"), "{}", checked.summary_zh);
        assert_eq!(checked.stops.len(), 3);
        assert!(checked.stops[0].tasks_zh.iter().any(|t| t.contains("设计人才")), "{:?}", checked.stops[0]);
    }

    #[test]
    fn days_and_members_beyond_the_tasks_or_the_rules_are_flagged() {
        let checked = check(plan("fsm-it-footwear-design", 9, 8));
        let codes: Vec<&str> = checked.flags.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec!["days_over_rule", "days_over_tasks", "members_over_rule", "members_over_tasks"]);
        // Four countries and a stop with nothing to do.
        let stop = |country: &str, tasks: &[&str]| PlannedStop {
            country: country.into(), city: "X".into(), purpose_zh: String::new(), days: 1, tasks: tasks.iter().map(|t| t.to_string()).collect(),
        };
        let many = TripPlan {
            route: None,
            stops: vec![stop("IT", &["talent"]), stop("FR", &["design"]), stop("ES", &["market"]), stop("DE", &[])],
            days: 6,
            members: 3,
            purpose_zh: Some("考察".into()),
        };
        let codes: Vec<String> = check(many).flags.into_iter().map(|f| f.code).collect();
        assert_eq!(codes, vec!["too_many_countries", "stop_without_task"]);
    }

    #[test]
    fn unknown_routes_countries_and_tasks_are_reported_by_field() {
        let bad = TripPlan {
            route: Some("nowhere".into()),
            stops: vec![PlannedStop { country: "XX".into(), city: "Y".into(), purpose_zh: String::new(), days: 0, tasks: vec!["magic".into()] }],
            days: 0,
            members: 0,
            purpose_zh: None,
        };
        let errors = check_trip(&bad, &embedded_routes(), &OutboundReference::embedded(), &Relations::embedded()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["route", "days", "members", "stops[0].country", "stops[0].days", "stops[0].tasks"]);
    }
}

/// Longest department, name, title, budget item, justification or comment, in characters.
pub const MAX_TRIP_FIELD_CHARS: usize = 200;
/// Most members of one application.
pub const MAX_TRIP_MEMBERS: usize = 100;
/// Most budget lines of one application.
pub const MAX_BUDGET_LINES: usize = 50;
/// Most bases one application says it serves.
pub const MAX_TRIP_BASES: usize = 50;

/// The rule behind each flag, as the pre-review prints it.
fn rule_of(code: &str) -> &'static str {
    match code {
        "stop_without_task" => "有事才去：每一站都要有任务",
        "members_over_tasks" | "member_without_task" => "因事定人：每位团员都要承担任务",
        "days_over_tasks" => "完事即回：在外天数以任务所需为限",
        "annual_plan_exceeded" => "年度出访计划：各单位出访团组数以年度计划为限",
        _ => "因公临时出国（境）管理规定：国家数、在外天数与团组人数的上限",
    }
}

/// The pre-review (预审) of a trip application: the discipline check of [`check_trip`] with the
/// rule behind each flag, plus members without a task (因事定人) and the department's annual
/// plan, where `trips_this_year` counts its other applications submitted or signed off for
/// trips leaving in the same year. Every bad field of the application is named.
pub fn pre_review(
    application: &TripInput,
    trips_this_year: usize,
    routes: &[OutboundRoute],
    reference: &OutboundReference,
    relations: &Relations,
) -> Result<(TripCheck, Vec<ReviewFlag>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut too_long = |field: String, text: &str| {
        if text.trim().is_empty() {
            errors.push(FieldError::new(&field, FieldCode::MissingField, "must not be empty"));
        } else if text.chars().count() > MAX_TRIP_FIELD_CHARS {
            errors.push(FieldError::new(&field, FieldCode::InvalidValue, format!("is longer than {MAX_TRIP_FIELD_CHARS} characters")));
        }
    };
    too_long("department".into(), &application.department);
    for (i, member) in application.members.iter().enumerate().take(MAX_TRIP_MEMBERS) {
        too_long(format!("members[{i}].name"), &member.name);
        too_long(format!("members[{i}].title"), &member.title);
    }
    for (i, line) in application.budget.iter().enumerate().take(MAX_BUDGET_LINES) {
        too_long(format!("budget[{i}].item"), &line.item);
    }
    let department = application.department.trim();
    let unknown_department =
        !department.is_empty() && department.chars().count() <= MAX_TRIP_FIELD_CHARS && reference.departments.find(department).is_none();
    if unknown_department {
        errors.push(
            FieldError::new(
                "department",
                FieldCode::InvalidValue,
                format!("is not a unit that files trip applications (e.g. {}; the list: GET /v1/departments)", reference.departments.examples()),
            )
            .with_value(&application.department.chars().take(80).collect::<String>()),
        );
    }
    for (field, len, limit) in [
        ("members", application.members.len(), MAX_TRIP_MEMBERS),
        ("budget", application.budget.len(), MAX_BUDGET_LINES),
        ("bases", application.bases.len(), MAX_TRIP_BASES),
    ] {
        if len > limit {
            errors.push(FieldError::new(field, FieldCode::TooMany, format!("lists {len} entries; at most {limit} are allowed")));
        }
    }
    if application.members.is_empty() {
        errors.push(FieldError::new("members", FieldCode::MissingField, "a trip has at least one member"));
    }
    let days = application.days();
    if !(1..=60).contains(&days) {
        errors.push(FieldError::new("returns", FieldCode::InvalidValue, format!("must be on or after `departs` and at most 60 days after, got {days} days")));
    }
    for (i, member) in application.members.iter().enumerate().take(MAX_TRIP_MEMBERS) {
        if member.tasks.len() > MAX_TASKS_PER_STOP {
            errors.push(FieldError::new(&format!("members[{i}].tasks"), FieldCode::TooMany, format!("at most {MAX_TASKS_PER_STOP} tasks per member")));
            continue;
        }
        for task in &member.tasks {
            if !relations.concepts().iter().any(|c| &c.code == task) {
                errors.push(FieldError::new(&format!("members[{i}].tasks"), FieldCode::InvalidValue, format!("`{task}` is not a cooperation concept")));
            }
        }
    }
    // The route and stops are checked whatever else is wrong, so every bad field is named at
    // once; days and members were checked above.
    let plan = TripPlan {
        route: application.route.clone(),
        stops: application.stops.clone(),
        days: days.clamp(1, 60) as u16,
        members: application.members.len().clamp(1, MAX_TRIP_MEMBERS) as u16,
        purpose_zh: application.purpose_zh.clone(),
    };
    let check = match check_trip(&plan, routes, reference, relations) {
        Ok(check) if errors.is_empty() => check,
        Ok(_) => return Err(errors),
        Err(more) => {
            errors.extend(more);
            return Err(errors);
        }
    };
    // A code raised once is its own key; one raised for several stops is keyed by the stop.
    let stop_keys = check.flags.iter().filter(|f| f.code == "stop_without_task").count() > 1;
    let mut stop_index = (0..check.stops.len()).filter(|&i| check.stops[i].tasks_zh.is_empty());
    let mut flags: Vec<ReviewFlag> = check
        .flags
        .iter()
        .map(|f| {
            let key = if f.code == "stop_without_task" && stop_keys {
                format!("{}[{}]", f.code, stop_index.next().unwrap_or_default())
            } else {
                f.code.clone()
            };
            ReviewFlag { key, code: f.code.clone(), rule_zh: rule_of(&f.code).into(), message_zh: f.message_zh.clone(), message_en: f.message_en.clone(), justification: None }
        })
        .collect();
    let stop_tasks = trip_tasks(application, routes);
    // The first member heads the delegation (团长) and needs no task of their own.
    for (i, member) in application.members.iter().enumerate().skip(1) {
        let served: Vec<&String> = member.tasks.iter().filter(|t| stop_tasks.contains(t)).collect();
        if served.is_empty() {
            flags.push(ReviewFlag {
                key: format!("member_without_task[{i}]"),
                code: "member_without_task".into(),
                rule_zh: rule_of("member_without_task").into(),
                message_zh: format!("{}（{}）不承担任何一站的任务", member.name, member.title),
                message_en: format!("{} ({}) serves no task of any stop", member.name, member.title),
                justification: None,
            });
        }
    }
    let allowed = usize::from(reference.annual_trips(&application.department));
    if trips_this_year >= allowed {
        flags.push(ReviewFlag {
            key: "annual_plan_exceeded".into(),
            code: "annual_plan_exceeded".into(),
            rule_zh: rule_of("annual_plan_exceeded").into(),
            message_zh: format!("{}今年已申报{}个团组，年度计划{}个", application.department, trips_this_year, allowed),
            message_en: format!("{} has {} other trips this year; its annual plan allows {}", application.department, trips_this_year, allowed),
            justification: None,
        });
    }
    Ok((check, flags))
}

/// The tasks a trip serves: those of its stops (the route's when it names no stops), each once,
/// in code order.
pub fn trip_tasks(application: &TripInput, routes: &[OutboundRoute]) -> Vec<String> {
    let mut tasks: Vec<String> = match (&application.route, application.stops.is_empty()) {
        (Some(id), true) => routes.iter().find(|r| &r.id == id).map(|r| r.stops.iter().flat_map(|s| s.tasks.clone()).collect()).unwrap_or_default(),
        _ => application.stops.iter().flat_map(|s| s.tasks.clone()).collect(),
    };
    tasks.sort();
    tasks.dedup();
    tasks
}
