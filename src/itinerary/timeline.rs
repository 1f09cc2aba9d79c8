//! The printed timeline of a plan: each planned tour turned into a day of timed events.

use std::collections::HashMap;

use super::build::{base_place, hours_text, minutes, Built, CandidateBase, SiteRole};
use super::model::{DayPlan, Event, EventKind};
use super::request::ItineraryRequest;
use super::settings::Settings;
use super::travel::Place;
use crate::domain::DivisionRegistry;
use crate::planner::{self, time_tour, Duration, Solution};
use crate::Error;

/// The days of `solution`, with the prizes of the base visits planned on each day (for the
/// left-out explanations).
pub(crate) fn days_of(
    divisions: &DivisionRegistry,
    request: &ItineraryRequest,
    settings: &Settings,
    build: &Built,
    candidates: &[CandidateBase],
    solution: &Solution,
) -> Result<(Vec<DayPlan>, Vec<Vec<i64>>), Error> {
    let mut days = Vec::with_capacity(settings.days.len());
    let mut planned_prizes: Vec<Vec<i64>> = vec![Vec::new(); settings.days.len()];
    for tour in &solution.tours {
        let schedule = time_tour(&build.problem, tour.tour, &tour.visits, tour.meal_after)
            .map_err(|why| Error::Internal(format!("planned day {} does not hold: {why:?}", tour.tour + 1)))?;
        for visit in &schedule.visits {
            if let SiteRole::Base(_) = build.roles[visit.site] {
                planned_prizes[tour.tour].push(build.problem.sites()[visit.site].prize);
            }
        }
        days.push(day_plan(divisions, request, settings, build, candidates, &schedule));
    }
    Ok((days, planned_prizes))
}

fn clock(t: Duration) -> String {
    let m = t.0.clamp(0, 24 * 60 * 2);
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The printed day of one planned tour: departure, drives, visits, appointments, lunch, the
/// return and the banquet, with places named in both languages.
pub(crate) fn day_plan(
    divisions: &DivisionRegistry,
    request: &ItineraryRequest,
    settings: &Settings,
    build: &Built,
    candidates: &[CandidateBase],
    schedule: &planner::TourSchedule,
) -> DayPlan {
    let d = schedule.tour;
    let day = &settings.days[d];
    let (start_hotel, end_hotel) = &build.hotels[d];
    let buffer = Duration(settings.buffer_minutes as i64);
    let mut events = Vec::new();
    let place_event = |kind, start: Duration, end: Duration, title: (String, String), place: (&Place, String, String)| Event {
        kind,
        start: clock(start),
        end: clock(end),
        minutes: (end - start).0.max(0) as u32,
        title_zh: title.0,
        title_en: title.1,
        place_zh: place.1,
        place_en: place.2,
        base_id: None,
        division: None,
        lat: place.0.lat,
        lon: place.0.lon,
        opening_hours: None,
        score: None,
        wait_minutes: None,
        reason_zh: None,
        reason_en: None,
        locked: false,
    };
    let (start_place, start_zh, start_en) = (&start_hotel.place, start_hotel.zh.clone(), start_hotel.en.clone());
    let (end_place, end_zh, end_en) = (&end_hotel.place, end_hotel.zh.clone(), end_hotel.en.clone());
    // Leave as late as the first stop allows, so nobody waits at a closed gate.
    let first_leg = schedule.visits.first().map(|v| v.travel).unwrap_or(Duration::ZERO);
    let depart = match (schedule.visits.first(), schedule.meal) {
        (_, Some(meal)) if meal.after_visits == 0 => schedule.depart,
        (Some(first), _) => schedule.depart.max(first.start - first_leg),
        (None, _) => schedule.depart,
    };
    events.push(place_event(EventKind::Depart, depart, depart, ("从酒店出发".into(), "Leave the hotel".into()), (start_place, start_zh.clone(), start_en.clone())));
    let mut here: (Place, String, String) = (start_place.clone(), start_zh, start_en);
    let mut leave = depart;
    let mut clusters: HashMap<u16, usize> = HashMap::new();
    let mut visits = 0;
    let mut wait_total = Duration::ZERO;
    let push_lunch = |events: &mut Vec<Event>, here: &(Place, String, String), meal: &planner::schedule::TimedBreak| {
        events.push(place_event(
            EventKind::Lunch,
            meal.start,
            meal.end,
            ("工作午餐".into(), "Working lunch".into()),
            (&here.0, format!("{}附近", here.1), format!("near {}", here.2)),
        ));
    };
    if let Some(meal) = schedule.meal.filter(|m| m.after_visits == 0) {
        push_lunch(&mut events, &here, &meal);
        leave = meal.end;
    }
    for (k, visit) in schedule.visits.iter().enumerate() {
        let site = &build.problem.sites()[visit.site];
        let drive_start = visit.arrival - visit.travel;
        let drive_start = drive_start.max(leave);
        let (target_place, target_zh, target_en, mut event) = match build.roles[visit.site] {
            SiteRole::Base(c) => {
                let candidate = &candidates[c];
                let base = &candidate.base;
                let division = divisions.get(&base.location.division);
                let place = base_place(divisions, base);
                let place_zh = format!("{}（{}）", base.location.address_zh, division.map(|d| d.zh.as_str()).unwrap_or(""));
                let place_en = base.location.address_en.clone().unwrap_or_else(|| division.map(|d| d.en.clone()).unwrap_or_default());
                let end = visit.start + (site.service - buffer);
                let mut event = place_event(
                    EventKind::Visit,
                    visit.start,
                    end,
                    (format!("参观{}", base.name_zh), format!("Visit {}", base.name_en.clone().unwrap_or_else(|| base.name_zh.clone()))),
                    (&place, place_zh.clone(), place_en.clone()),
                );
                event.base_id = Some(base.id.clone());
                event.division = Some(base.location.division.clone());
                event.opening_hours = Some(hours_text(base, day.weekday));
                event.score = Some(candidate.score);
                event.reason_zh = candidate.reason_zh.clone();
                event.reason_en = candidate.reason_en.clone();
                event.locked = request.locked.iter().any(|l| l.base_id == base.id);
                if let Some(cluster) = site.cluster {
                    *clusters.entry(cluster).or_default() += 1;
                }
                visits += 1;
                (place, place_zh, place_en, event)
            }
            SiteRole::Appointment(a) => {
                let appointment = &request.appointments[a];
                let (place, name_zh, name_en) = &build.appointment_places[a];
                let end = visit.start + Duration(appointment.minutes as i64);
                let mut event = place_event(
                    EventKind::Appointment,
                    visit.start,
                    end,
                    (appointment.title_zh.clone(), appointment.title_en.clone().unwrap_or_else(|| appointment.title_zh.clone())),
                    (place, name_zh.clone(), name_en.clone().unwrap_or_else(|| name_zh.clone())),
                );
                event.locked = true;
                (place.clone(), name_zh.clone(), name_en.clone().unwrap_or_else(|| name_zh.clone()), event)
            }
        };
        if visit.travel > Duration::ZERO {
            events.push(place_event(
                EventKind::Travel,
                drive_start,
                drive_start + visit.travel,
                (format!("乘车前往{}", target_zh), format!("Drive to {}", target_en)),
                (&target_place, target_zh.clone(), target_en.clone()),
            ));
        }
        let wait = visit.start - visit.arrival.max(drive_start + visit.travel).min(visit.start);
        if wait > Duration::ZERO {
            event.wait_minutes = Some(wait.0 as u32);
            wait_total += wait;
        }
        events.push(event);
        here = (target_place, target_zh, target_en);
        leave = visit.end;
        if let Some(meal) = schedule.meal.filter(|m| m.after_visits == k + 1) {
            push_lunch(&mut events, &here, &meal);
            leave = meal.end;
        }
    }
    if schedule.return_travel > Duration::ZERO {
        let drive_start = schedule.arrival - schedule.return_travel;
        events.push(place_event(
            EventKind::Travel,
            drive_start,
            schedule.arrival,
            ("返回酒店".into(), "Back to the hotel".into()),
            (end_place, end_zh.clone(), end_en.clone()),
        ));
    }
    events.push(place_event(EventKind::Return, schedule.arrival, schedule.arrival, ("抵达酒店".into(), "Arrive at the hotel".into()), (end_place, end_zh.clone(), end_en.clone())));
    if let Some((banquet_day, start, length, title_zh, title_en)) = &settings.banquet
        && *banquet_day == d {
            let start = minutes(*start);
            events.push(place_event(
                EventKind::Banquet,
                start,
                start + Duration(*length as i64),
                (title_zh.clone(), title_en.clone()),
                (end_place, end_zh.clone(), end_en.clone()),
            ));
        }
    let cluster = clusters
        .into_iter()
        .max_by_key(|(code, count)| (*count, std::cmp::Reverse(*code)))
        .map(|(code, _)| divisions.clusters()[code as usize].code.clone());
    let return_by = build.problem.tours()[d].return_by;
    DayPlan {
        day: (d + 1) as u8,
        date: day.date,
        weekday: day.weekday,
        cluster,
        start_hotel: start_hotel.label(),
        end_hotel: end_hotel.label(),
        events,
        visits,
        travel_minutes: schedule.travel.0 as u32,
        slack_minutes: (wait_total + (return_by - schedule.arrival)).0.max(0) as u32,
    }
}

