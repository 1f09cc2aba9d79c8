//! The printed timeline of a plan: each planned tour turned into a day of timed events.

use std::collections::HashMap;

use super::build::{base_place, hours_text, minutes, Built, CandidateBase, SiteRole};
use super::model::{DayPlan, Event, EventKind};
use super::request::ItineraryRequest;
use super::settings::Settings;
use super::meals::{lunch_stop, BanquetVenue, LunchBreak, Venue};
use super::travel::{Place, TravelTimes};
use crate::domain::{diets_text, DivisionRegistry};
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
    meals: (&[Venue], &TravelTimes),
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
        days.push(day_plan(divisions, request, settings, build, candidates, meals, &schedule));
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
    (venues, travel): (&[Venue], &TravelTimes),
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
    if day.changes_hotel {
        let check_out = Duration(settings.check_out_minutes as i64);
        events.push(place_event(EventKind::CheckOut, depart - check_out, depart, ("退房、装运行李".into(), "Check out and load the luggage".into()), (start_place, start_zh.clone(), start_en.clone())));
    }
    events.push(place_event(EventKind::Depart, depart, depart, ("从酒店出发".into(), "Leave the hotel".into()), (start_place, start_zh.clone(), start_en.clone())));
    let mut here: (Place, String, String) = (start_place.clone(), start_zh, start_en);
    let mut leave = depart;
    let mut clusters: HashMap<u16, usize> = HashMap::new();
    let mut visits = 0;
    let mut wait_total = Duration::ZERO;
    // Where each stop is, and where the group goes after the last one.
    let stop_places: Vec<Place> = schedule
        .visits
        .iter()
        .map(|visit| match build.roles[visit.site] {
            SiteRole::Base(c) => base_place(divisions, &candidates[c].base),
            SiteRole::Appointment(a) => build.appointment_places[a].0.clone(),
        })
        .chain(std::iter::once(end_place.clone()))
        .collect();
    let lunch_length = Duration(settings.lunch.2 as i64);
    // Lunch where the group stands, or at a venue for its dietary needs; the drive on from a
    // venue replaces the planned one (it fits in the time the plan kept, see `meals`).
    let take_lunch = |events: &mut Vec<Event>, here: &mut (Place, String, String), meal: &planner::schedule::TimedBreak, leave: Duration, next: &Place| -> (Duration, Option<Duration>) {
        let (diet_zh, diet_en) = diets_text(&settings.diets);
        let lunch = LunchBreak { free: leave, start: meal.start, length: lunch_length };
        let stop = build.lunch_detour.then(|| lunch_stop(venues, travel, day, (&here.0, next), lunch, Duration(settings.max_transfer_minutes as i64))).flatten();
        let Some(stop) = stop else {
            events.push(place_event(
                EventKind::Lunch,
                meal.start,
                meal.start + lunch_length,
                ("工作午餐".into(), "Working lunch".into()),
                (&here.0, format!("{}附近", here.1), format!("near {}", here.2)),
            ));
            return (meal.end, None);
        };
        let venue = &venues[stop.venue];
        let (name_zh, name_en) = (venue.base.name_zh.clone(), venue.base.name_en.clone().unwrap_or_else(|| venue.base.name_zh.clone()));
        if stop.to > Duration::ZERO {
            events.push(place_event(EventKind::Travel, stop.leave, stop.leave + stop.to, (format!("乘车前往{name_zh}用餐"), format!("Drive to {name_en} for lunch")), (&venue.place, name_zh.clone(), name_en.clone())));
        }
        let eat = stop.eat;
        let mut event = place_event(
            EventKind::Lunch,
            eat,
            eat + lunch_length,
            (format!("工作午餐（{diet_zh}）"), format!("Working lunch ({diet_en})")),
            (&venue.place, format!("{}（{}）", name_zh, venue.base.location.address_zh), name_en.clone()),
        );
        event.base_id = Some(venue.base.id.clone());
        event.division = Some(venue.base.location.division.clone());
        events.push(event);
        *here = (venue.place.clone(), name_zh, name_en);
        (eat + lunch_length, Some(stop.from))
    };
    // The drive to the next stop when lunch was taken at a venue.
    let mut drive_from_venue: Option<Duration> = None;
    if let Some(meal) = schedule.meal.filter(|m| m.after_visits == 0) {
        (leave, drive_from_venue) = take_lunch(&mut events, &mut here, &meal, leave, &stop_places[0]);
    }
    for (k, visit) in schedule.visits.iter().enumerate() {
        let site = &build.problem.sites()[visit.site];
        let from_venue = drive_from_venue.is_some();
        let (drive_start, leg) = match drive_from_venue.take() {
            Some(leg) => (leave, leg),
            None => ((visit.arrival - visit.travel).max(leave), visit.travel),
        };
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
                event.opening_hours = Some(hours_text(base, day));
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
        if leg > Duration::ZERO {
            events.push(place_event(
                EventKind::Travel,
                drive_start,
                drive_start + leg,
                (format!("乘车前往{}", target_zh), format!("Drive to {}", target_en)),
                (&target_place, target_zh.clone(), target_en.clone()),
            ));
        }
        // After a venue lunch the group arrives when its own drive ends, not when the plan had it.
        let arrival = if from_venue { drive_start + leg } else { visit.arrival.max(drive_start + leg) };
        let wait = visit.start - arrival.min(visit.start);
        if wait > Duration::ZERO {
            event.wait_minutes = Some(wait.0 as u32);
            wait_total += wait;
        }
        events.push(event);
        here = (target_place, target_zh, target_en);
        leave = visit.end;
        if let Some(meal) = schedule.meal.filter(|m| m.after_visits == k + 1) {
            (leave, drive_from_venue) = take_lunch(&mut events, &mut here, &meal, leave, &stop_places[k + 1]);
        }
    }
    let (return_start, return_leg) = match drive_from_venue {
        Some(leg) => (leave, leg),
        None => (schedule.arrival - schedule.return_travel, schedule.return_travel),
    };
    let arrival = return_start + return_leg;
    if return_leg > Duration::ZERO {
        events.push(place_event(
            EventKind::Travel,
            return_start,
            arrival,
            ("返回酒店".into(), "Back to the hotel".into()),
            (end_place, end_zh.clone(), end_en.clone()),
        ));
    }
    events.push(place_event(EventKind::Return, arrival, arrival, ("抵达酒店".into(), "Arrive at the hotel".into()), (end_place, end_zh.clone(), end_en.clone())));
    if day.changes_hotel {
        let check_in = Duration(settings.check_in_minutes as i64);
        events.push(place_event(EventKind::CheckIn, arrival, arrival + check_in, ("办理入住".into(), "Check in".into()), (end_place, end_zh.clone(), end_en.clone())));
    }
    if let Some((banquet_day, start, length, title_zh, title_en)) = &settings.banquet
        && *banquet_day == d {
            let start = minutes(*start);
            let end = start + Duration(*length as i64);
            match build.banquet_venues[d] {
                Some(BanquetVenue { venue: v, there, back }) => {
                    let venue = &venues[v];
                    let (name_zh, name_en) = (venue.base.name_zh.clone(), venue.base.name_en.clone().unwrap_or_else(|| venue.base.name_zh.clone()));
                    let (diet_zh, diet_en) = diets_text(&settings.diets);
                    if there > Duration::ZERO {
                        events.push(place_event(EventKind::Travel, start - there, start, (format!("乘车前往{name_zh}"), format!("Drive to {name_en}")), (&venue.place, name_zh.clone(), name_en.clone())));
                    }
                    let mut banquet = place_event(
                        EventKind::Banquet,
                        start,
                        end,
                        (format!("{title_zh}（{diet_zh}）"), format!("{title_en} ({diet_en})")),
                        (&venue.place, format!("{}（{}）", name_zh, venue.base.location.address_zh), name_en.clone()),
                    );
                    banquet.base_id = Some(venue.base.id.clone());
                    banquet.division = Some(venue.base.location.division.clone());
                    events.push(banquet);
                    if back > Duration::ZERO {
                        events.push(place_event(EventKind::Travel, end, end + back, ("返回酒店".into(), "Back to the hotel".into()), (end_place, end_zh.clone(), end_en.clone())));
                    }
                }
                None => events.push(place_event(EventKind::Banquet, start, end, (title_zh.clone(), title_en.clone()), (end_place, end_zh.clone(), end_en.clone()))),
            }
        }
    let cluster = clusters
        .into_iter()
        .max_by_key(|(code, count)| (*count, std::cmp::Reverse(*code)))
        .map(|(code, _)| divisions.clusters()[code as usize].code.clone());
    let return_by = build.problem.tours()[d].return_by;
    // Every drive printed, the lunch and banquet venues' included.
    let travel_minutes = events.iter().filter(|e| e.kind == EventKind::Travel).map(|e| e.minutes).sum();
    DayPlan {
        day: (d + 1) as u8,
        date: day.date,
        weekday: day.weekday,
        calendar: day.date.and_then(|date| crate::domain::HolidayCalendar::official().note(date)),
        cluster,
        start_hotel: start_hotel.label(),
        end_hotel: end_hotel.label(),
        events,
        visits,
        travel_minutes,
        slack_minutes: (wait_total + (return_by - arrival)).0.max(0) as u32,
    }
}

