//! Vehicle routing with capacities and time windows (VRPTW).
//!
//! Entry points:
//! - [`VrptwProblem::new`] builds a problem: depot + customers ([`Node`]), distance and
//!   travel-time [`Matrix`]es (asymmetric allowed), identical vehicles with a capacity
//!   in each of [`DIMS`] dimensions (e.g. kg and m³) working the depot's window.
//!   [`VrptwProblem::with_fleet`] takes several [`VehicleType`]s instead, each with its
//!   own count, capacity and shift.
//! - [`solve`] runs the search under [`SolverOptions`] and returns a [`Solution`]
//!   minimising total distance.
//! - [`insert_cheapest`] grows feasible routes by cheapest insertion and leaves out the
//!   customers that fit nowhere: how a caller picks what fits when the fleet cannot
//!   serve everyone (the search itself must serve every customer).
//! - [`check_feasibility`] verifies any solution independently of the search and
//!   returns [`Stats`] or every [`Violation`].
//! - [`SolomonInstance::load`] reads Solomon benchmark files.
//!
//! ```
//! use std::time::Duration;
//! use skylane_planner::ground::vrptw::{check_feasibility, solve, Matrix, Node, SolverOptions, VrptwProblem};
//!
//! // Depot and three customers on a line; the road is slower going east (asymmetric).
//! let x: [f64; 4] = [0.0, 1.0, 2.0, 3.0];
//! let time = Matrix::from_fn(4, |i, j| if j > i { 1.5 } else { 1.0 } * (x[i] - x[j]).abs());
//! let dist = Matrix::from_fn(4, |i, j| (x[i] - x[j]).abs());
//! let node = |kg: f64, m3: f64, ready: f64, due: f64| Node { demand: [kg, m3], ready, due, service: 0.5 };
//! let nodes = vec![
//!     Node { demand: [0.0, 0.0], ready: 0.0, due: 20.0, service: 0.0 },
//!     node(40.0, 0.5, 0.0, 10.0),
//!     node(30.0, 0.2, 0.0, 10.0),
//!     node(50.0, 0.9, 0.0, 10.0),
//! ];
//! // Two vans carrying 100 kg and 1.2 m³ each: volume forces a split.
//! let problem = VrptwProblem::new(nodes, dist, time, 2, [100.0, 1.2]).unwrap();
//! let options = SolverOptions { time_limit: Duration::from_secs(5), seed: 1, max_iterations: Some(50) };
//! let solution = solve(&problem, &options);
//! let stats = check_feasibility(&problem, &solution).unwrap();
//! assert_eq!(stats.routes, 2);
//! // Optimum: customers 2 and 3 together (distance 6), customer 1 alone (2).
//! assert!((solution.distance - 8.0).abs() < 1e-9);
//! ```
//!
//! # Why a hand-written hybrid genetic search
//! The solver is a hybrid genetic search in the style of Vidal's HGS and PyVRP rather
//! than the `vrp-core` crate: it optimises exactly the objective we need (total
//! distance, no hidden vehicle-count tier), handles asymmetric matrices and two
//! capacity dimensions natively, is deterministic for a seed and iteration budget,
//! and adds no heavy dependency. Components: giant-tour individuals with order
//! crossover and a fleet-limited split (per vehicle slot for mixed fleets), granular
//! local search (relocate, swap, 2-opt,
//! 2-opt*) with O(1) time-window segment concatenation, penalised capacity excess and
//! time warp with adaptive weights, and a population managed by cost and diversity.

mod check;
mod hgs;
mod insert;
mod local_search;
mod problem;
mod rng;
mod segment;
mod solomon;

use std::time::Duration;

pub use check::{check_feasibility, Stats, Violation, TOLERANCE};
pub use insert::insert_cheapest;
pub use problem::{Load, Matrix, Node, ProblemError, VehicleType, VrptwProblem, DIMS};
pub use solomon::{SolomonError, SolomonInstance};

/// When to stop, and the random seed.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverOptions {
    /// Wall-clock budget.
    pub time_limit: Duration,
    /// Seed of the search's random generator.
    pub seed: u64,
    /// Stop after this many offspring (initial individuals included). With a time
    /// limit that is not reached first, the result depends only on the problem, the
    /// seed and this number.
    pub max_iterations: Option<u64>,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions { time_limit: Duration::from_secs(10), seed: 0, max_iterations: None }
    }
}

/// A set of routes.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Customer sequences; the depot is implicit at both ends. `routes[k]` is driven by
    /// vehicle `k` ([`VrptwProblem::vehicle`]); an empty route is an unused vehicle.
    /// With a single vehicle type the solver lists only used vehicles; with a mixed
    /// fleet it keeps positions and drops only trailing unused vehicles.
    pub routes: Vec<Vec<usize>>,
    /// Total distance of the routes.
    pub distance: f64,
    /// Search iterations performed.
    pub iterations: u64,
    /// Whether the search believes the routes are feasible. It returns the best
    /// feasible solution found, or the least-penalised infeasible one if it found
    /// none; confirm with [`check_feasibility`].
    pub feasible: bool,
}

/// Minimises total distance over routes that serve every customer once, within
/// capacity, time windows (waiting allowed) and the depot's window, using at most
/// `problem.vehicles()` vehicles. Never panics on a valid [`VrptwProblem`]; the result
/// may be infeasible when the problem is (see [`Solution::feasible`]).
pub fn solve(problem: &VrptwProblem, options: &SolverOptions) -> Solution {
    hgs::solve(problem, options)
}

/// Improves the given `routes` (customer sequences; with a mixed fleet, route `k` is
/// vehicle `k`) by one run of the solver's local search, no population: a few
/// milliseconds where [`solve`] takes its whole budget. Moves that break capacity or a
/// window are priced far above any distance they save, so feasible routes come back
/// feasible and no longer; confirm with [`check_feasibility`] as for [`solve`].
///
/// `None` when `routes` do not hold every customer of the problem exactly once (indices
/// `1..=problem.customers()`) in at most as many non-empty routes as the fleet can
/// drive.
pub fn polish(problem: &VrptwProblem, routes: &[Vec<usize>], seed: u64) -> Option<Solution> {
    hgs::polish(problem, routes, seed)
}
