//! The planning problem: immutable, checked once, shared by the search and the evaluator.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A span or instant of time in the problem's integer unit.
///
/// Itineraries use minutes since midnight; the TOPTW benchmark uses tenths or hundredths of
/// its distance unit. Integers keep every comparison exact (no floating-point ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub i64);

impl Duration {
    /// No time.
    pub const ZERO: Duration = Duration(0);
    /// Larger than any real time; sums of a few of these do not overflow.
    pub const UNBOUNDED: Duration = Duration(i64::MAX / 8);
    /// Smaller than any real time.
    pub const NEVER: Duration = Duration(i64::MIN / 8);
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, other: Duration) -> Duration {
        Duration(self.0 + other.0)
    }
}

impl AddAssign for Duration {
    fn add_assign(&mut self, other: Duration) {
        self.0 += other.0;
    }
}

impl Sub for Duration {
    type Output = Duration;
    fn sub(self, other: Duration) -> Duration {
        Duration(self.0 - other.0)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// When a visit may **start**: `open ..= close` (the visit may end after `close`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Earliest start.
    pub open: Duration,
    /// Latest start.
    pub close: Duration,
}

/// The earliest start at or after `arrival` inside one of `windows` (sorted, disjoint).
#[inline]
pub fn earliest_start(windows: &[Window], arrival: Duration) -> Option<Duration> {
    windows.iter().find(|w| w.close >= arrival).map(|w| arrival.max(w.open))
}

/// The latest start at or before `by` inside one of `windows` (sorted, disjoint).
#[inline]
pub fn latest_start(windows: &[Window], by: Duration) -> Option<Duration> {
    windows.iter().rev().find(|w| w.open <= by).map(|w| by.min(w.close))
}

/// Where a list of windows lies in the problem's window store (cheap to copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowSpan {
    start: u32,
    len: u32,
}

/// A place that may be visited, with what visiting it is worth.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Row and column of the site in the travel matrix.
    pub location: usize,
    /// Value of visiting it (integer so that sums are exact).
    pub prize: i64,
    /// How long the visit lasts.
    pub service: Duration,
    /// When it may be visited, per tour: sorted, disjoint windows (a lunch closure makes
    /// two); empty = closed on that tour's day.
    pub windows: Vec<Vec<Window>>,
    /// Geographic cluster, used by the one-cluster-per-day preference.
    pub cluster: Option<u16>,
    /// Must be part of the plan (a must-visit base, a fixed appointment).
    pub required: bool,
    /// Only this tour may hold it (a fixed appointment, a locked visit).
    pub fixed_tour: Option<usize>,
}

/// A meal break every tour must take inside a window, at the place of the visit before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    /// Earliest start of the break.
    pub earliest: Duration,
    /// Latest start of the break.
    pub latest: Duration,
    /// Its length.
    pub length: Duration,
}

/// One tour: a day that leaves `start` and ends at `end`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tour {
    /// Matrix location the tour leaves from (the hotel of the previous night).
    pub start: usize,
    /// Matrix location the tour returns to.
    pub end: usize,
    /// Departure time from `start`.
    pub depart: Duration,
    /// Latest arrival at `end`.
    pub return_by: Duration,
    /// Most visits in the tour.
    pub max_visits: usize,
    /// Most total driving in the tour.
    pub max_travel: Duration,
    /// The meal break, when the tour spans meal time.
    pub meal: Option<Break>,
}

/// Soft preferences priced in the objective (all zero for the TOPTW benchmark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preferences {
    /// Charged once for each cluster a tour visits beyond its first.
    pub extra_cluster_penalty: i64,
    /// Charged per unit of travel time.
    pub travel_cost: i64,
}

/// A complete, checked planning problem. Build it with [`Problem::new`].
#[derive(Debug, Clone)]
pub struct Problem {
    sites: Vec<Site>,
    /// Every window of every site and tour, then each tour's start and end windows.
    window_store: Vec<Window>,
    /// `site * tours + tour` → the site's windows on that tour (empty when fixed elsewhere).
    site_spans: Vec<WindowSpan>,
    /// Per tour: the start location's window (the departure) and the end's (the deadline).
    depot_spans: Vec<(WindowSpan, WindowSpan)>,
    tours: Vec<Tour>,
    travel: Vec<Duration>,
    locations: usize,
    /// Legs longer than this are not driven at all.
    max_leg: Duration,
    preferences: Preferences,
}

/// One inconsistency found by [`Problem::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemError {
    /// Stable code, e.g. `window_reversed`.
    pub code: &'static str,
    /// What is wrong, naming the site or tour.
    pub message: String,
}

impl fmt::Display for ProblemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl Problem {
    /// Checks every part and reports every inconsistency at once.
    ///
    /// `travel` is a row-major `locations × locations` matrix of driving times.
    pub fn new(
        sites: Vec<Site>,
        tours: Vec<Tour>,
        travel: Vec<Duration>,
        max_leg: Option<Duration>,
        preferences: Preferences,
    ) -> Result<Problem, Vec<ProblemError>> {
        let mut errors = Vec::new();
        let mut fail = |code, message: String| errors.push(ProblemError { code, message });
        let locations = (travel.len() as f64).sqrt() as usize;
        if locations * locations != travel.len() {
            fail("matrix_not_square", format!("{} travel entries do not form a square matrix", travel.len()));
        }
        if travel.iter().any(|t| t.0 < 0) {
            fail("negative_travel", "travel times must not be negative".into());
        }
        if tours.is_empty() {
            fail("no_tours", "a problem needs at least one tour".into());
        }
        for (t, tour) in tours.iter().enumerate() {
            if tour.start >= locations || tour.end >= locations {
                fail("tour_location_unknown", format!("tour {t} starts or ends outside the matrix"));
            }
            if tour.return_by < tour.depart {
                fail("window_reversed", format!("tour {t} must return before it departs"));
            }
            if let Some(meal) = tour.meal
                && (meal.latest < meal.earliest || meal.length.0 < 0) {
                    fail("break_invalid", format!("tour {t} has a meal window that ends before it starts"));
                }
        }
        for (i, site) in sites.iter().enumerate() {
            if site.location >= locations {
                fail("site_location_unknown", format!("site {i} is outside the matrix"));
            }
            if site.windows.len() != tours.len() {
                fail("windows_per_tour", format!("site {i} has {} windows for {} tours", site.windows.len(), tours.len()));
            }
            if site.service.0 < 0 || site.prize < 0 {
                fail("negative_site_value", format!("site {i} has a negative service time or prize"));
            }
            if site.windows.iter().flatten().any(|w| w.close < w.open) {
                fail("window_reversed", format!("site {i} closes before it opens"));
            }
            if site.windows.iter().any(|day| day.windows(2).any(|pair| pair[1].open <= pair[0].close)) {
                fail("windows_unsorted", format!("site {i} has overlapping or unsorted windows on one day"));
            }
            if let Some(tour) = site.fixed_tour
                && tour >= tours.len() {
                    fail("fixed_tour_unknown", format!("site {i} is fixed to tour {tour}, which does not exist"));
                }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut window_store = Vec::new();
        let mut push = |windows: &[Window]| {
            let span = WindowSpan { start: window_store.len() as u32, len: windows.len() as u32 };
            window_store.extend_from_slice(windows);
            span
        };
        let mut site_spans = Vec::with_capacity(sites.len() * tours.len());
        for site in &sites {
            for (t, windows) in site.windows.iter().enumerate() {
                let allowed = site.fixed_tour.is_none_or(|fixed| fixed == t);
                site_spans.push(if allowed { push(windows) } else { WindowSpan::default() });
            }
        }
        let depot_spans = tours
            .iter()
            .map(|tour| {
                let start = push(&[Window { open: tour.depart, close: tour.depart }]);
                let end = push(&[Window { open: Duration::NEVER, close: tour.return_by }]);
                (start, end)
            })
            .collect();
        Ok(Problem {
            sites,
            window_store,
            site_spans,
            depot_spans,
            tours,
            travel,
            locations,
            max_leg: max_leg.unwrap_or(Duration::UNBOUNDED),
            preferences,
        })
    }

    /// The sites, indexed by site number.
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// The tours (days), in order.
    pub fn tours(&self) -> &[Tour] {
        &self.tours
    }

    /// Soft preferences.
    pub fn preferences(&self) -> Preferences {
        self.preferences
    }

    /// Driving time between two matrix locations; [`Duration::UNBOUNDED`] for a leg longer
    /// than the longest allowed single transfer.
    #[inline]
    pub fn travel(&self, from: usize, to: usize) -> Duration {
        let t = self.travel[from * self.locations + to];
        if t > self.max_leg {
            Duration::UNBOUNDED
        } else {
            t
        }
    }

    /// The windows of `site` on `tour`; empty if it is closed then or fixed to another tour.
    #[inline]
    pub fn windows(&self, site: usize, tour: usize) -> &[Window] {
        self.span_windows(self.site_span(site, tour))
    }

    /// Where the windows of `site` on `tour` are stored.
    #[inline]
    pub fn site_span(&self, site: usize, tour: usize) -> WindowSpan {
        self.site_spans[site * self.tours.len() + tour]
    }

    /// The start and end windows of `tour`.
    #[inline]
    pub fn depot_spans(&self, tour: usize) -> (WindowSpan, WindowSpan) {
        self.depot_spans[tour]
    }

    /// The windows stored at `span`.
    #[inline]
    pub fn span_windows(&self, span: WindowSpan) -> &[Window] {
        &self.window_store[span.start as usize..(span.start + span.len) as usize]
    }
}
