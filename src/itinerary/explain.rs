//! Why a base is not in the plan, and why a required visit cannot be placed: each answered
//! in words an officer can act on.

use super::build::{Built, CandidateBase, SiteRole};
use super::model::{LeftOut, LeftOutReason};
use super::request::ItineraryRequest;
use super::settings::Settings;
use crate::domain::{FieldCode, FieldError};
use crate::planner::{time_tour, Infeasible, Problem, Solution};

/// The request field that makes `base_id` required, if any.
pub(crate) fn required_field(request: &ItineraryRequest, base_id: &str) -> Option<String> {
    if let Some(i) = request.locked.iter().position(|l| l.base_id == base_id) {
        return Some(format!("locked[{i}]"));
    }
    request.profile.must_visit.iter().position(|id| id == base_id).map(|i| format!("profile.must_visit[{i}]"))
}


/// The required sites (must-visit, locked, appointments) the search could not place, each with
/// the request field that asked for it and why.
pub(crate) fn unplaced_required(build: &Built, solution: &Solution, candidates: &[CandidateBase], request: &ItineraryRequest, settings: &Settings) -> Vec<FieldError> {
    let mut infeasible = Vec::new();
    for &site in &solution.unvisited {
        let s = &build.problem.sites()[site];
        if !s.required {
            continue;
        }
        let (field, what) = match build.roles[site] {
            SiteRole::Base(c) => {
                let id = &candidates[c].base.id;
                (required_field(request, id).unwrap_or_else(|| "profile.must_visit".into()), format!("`{id}`"))
            }
            SiteRole::Appointment(a) => (format!("appointments[{a}]"), format!("the appointment `{}`", request.appointments[a].title_zh)),
        };
        let (reason, why) = why_not_alone(&build.problem, site, settings);
        let far = why.starts_with("a transfer would exceed");
        let why = match build.roles[site] {
            _ if reason == LeftOutReason::NoTimeLeft => "it fits on its own, but not together with the appointments, locked visits and other must-visit bases".to_string(),
            // An appointment keeps its own time, not opening hours: say which day it misses.
            SiteRole::Appointment(a) if !far => {
                let appointment = &request.appointments[a];
                let day = &settings.days[(appointment.day as usize).saturating_sub(1).min(settings.days.len() - 1)];
                format!(
                    "from {} for {} minutes, with the drives from the hotel and back, it does not fit in day {} ({}–{}, less check-out, check-in and the banquet)",
                    appointment.start, appointment.minutes, appointment.day, day.start, day.end
                )
            }
            _ => why,
        };
        infeasible.push(FieldError::new(&field, FieldCode::ItineraryInfeasible, format!("{what} cannot be fitted: {why}")));
    }
    infeasible
}

/// Every eligible candidate the search left out, with its reason. `planned_prizes` holds, per
/// day, the prizes of the base visits planned on it.
pub(crate) fn unplanned(build: &Built, solution: &Solution, candidates: &[CandidateBase], settings: &Settings, planned_prizes: &[Vec<i64>]) -> Vec<LeftOut> {
    let mut left_out = Vec::new();
    for (site, role) in build.roles.iter().enumerate() {
        let SiteRole::Base(c) = *role else { continue };
        if !solution.unvisited.contains(&site) {
            continue;
        }
        let candidate = &candidates[c];
        let (mut reason, mut detail) = why_not_alone(&build.problem, site, settings);
        if reason == LeftOutReason::NoTimeLeft {
            // It fits on its own: was it crowded out by better visits, or just by time?
            let prize = build.problem.sites()[site].prize;
            let open_days: Vec<usize> = (0..settings.days.len()).filter(|&t| !build.problem.windows(site, t).is_empty()).collect();
            let full = |t: usize| planned_prizes[t].len() >= settings.max_visits_per_day;
            let beaten_everywhere = open_days.iter().all(|&t| full(t) && planned_prizes[t].iter().all(|&p| p >= prize));
            if beaten_everywhere {
                reason = LeftOutReason::Outscored;
                detail = "every day it could join already holds better-scoring visits".into();
            } else if open_days.iter().all(|&t| full(t)) {
                detail = format!(
                    "every day it could join already has {} visits; it would cost a better-placed visit (other cluster or longer drive)",
                    settings.max_visits_per_day
                );
            } else {
                detail = "no day had time left for it around the chosen visits, appointments and opening hours".into();
            }
        }
        left_out.push(LeftOut { base_id: candidate.base.id.clone(), name_zh: candidate.base.name_zh.clone(), score: candidate.score, reason, detail });
    }
    left_out
}

/// Why a site would not be in a plan even alone: the reason and a sentence. Returns
/// `NoTimeLeft` when it fits on some day by itself.
pub(crate) fn why_not_alone(problem: &Problem, site: usize, settings: &Settings) -> (LeftOutReason, String) {
    let open_days: Vec<usize> = (0..problem.tours().len()).filter(|&t| !problem.windows(site, t).is_empty()).collect();
    if open_days.is_empty() {
        return (LeftOutReason::ClosedThatDay, "closed on every visit day".into());
    }
    let mut too_far = false;
    for &t in &open_days {
        let meal_after = problem.tours()[t].meal.map(|_| 0);
        let attempts = if meal_after.is_some() { vec![Some(0), Some(1)] } else { vec![None] };
        for meal in attempts {
            match time_tour(problem, t, &[site], meal) {
                Ok(_) => return (LeftOutReason::NoTimeLeft, String::new()),
                Err(Infeasible::LegTooLong { .. }) | Err(Infeasible::TooMuchDriving { .. }) => too_far = true,
                Err(_) => {}
            }
        }
    }
    if too_far {
        (
            LeftOutReason::TooFar,
            format!(
                "a transfer would exceed {} minutes or the day's driving {} minutes",
                settings.max_transfer_minutes, settings.max_driving_minutes
            ),
        )
    } else {
        (LeftOutReason::TooFar, "the round trip and visit do not fit in the hours it is open on the visit days".into())
    }
}

