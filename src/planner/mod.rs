//! The itinerary planner: which bases on which day, in what order, at what time.
//!
//! Formally a team orienteering problem with time windows (TOPTW): each day is a tour from the
//! hotel and back, each site has a prize, a visit length and a window per day, and the plan
//! maximises the total prize. The parts are kept apart as in PyVRP:
//!
//! | module | role |
//! |---|---|
//! | [`problem`] | the immutable, fully checked problem (integer time units) |
//! | [`schedule`] | the evaluator: times one tour from scratch, says why it is infeasible |
//! | [`route`] | the search's mutable tour, pricing an insertion in O(1) |
//! | [`solver`] | adaptive large neighbourhood search with simulated annealing |
//! | [`toptw`] | the standard benchmark instances |

pub mod problem;
pub mod route;
pub mod schedule;
pub mod solver;
pub mod toptw;

pub use problem::{Break, Duration, Preferences, Problem, ProblemError, Site, Tour, Window};
pub use schedule::{time_tour, Infeasible, TourSchedule};
pub use solver::{solve, solve_parallel, PlannedTour, SearchParams, Solution, Stop};
