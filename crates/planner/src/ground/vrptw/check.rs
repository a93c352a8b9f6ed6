//! The independent feasibility checker.
//!
//! It shares no code with the search: it replays every route forward in time from the
//! problem data alone, so a bug in the solver's incremental bookkeeping cannot hide an
//! infeasible answer.

use std::fmt;

use super::problem::{VrptwProblem, DIMS};
use super::Solution;

/// Tolerance on times and loads: the search sums floating-point travel times in a
/// different order than this replay, so exact comparisons would reject ties.
pub const TOLERANCE: f64 = 1e-6;

/// One way a solution breaks the rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    /// More routes than vehicles (route `k` is driven by vehicle `k`).
    TooManyRoutes {
        /// Routes in the solution.
        routes: usize,
        /// Vehicles available.
        vehicles: usize,
    },
    /// A route mentions the depot or a node index that is not a customer.
    UnknownNode {
        /// Route index.
        route: usize,
        /// Offending node.
        node: usize,
    },
    /// A customer is served by no route.
    Missing {
        /// The customer.
        customer: usize,
    },
    /// A customer is served more than once.
    Duplicate {
        /// The customer.
        customer: usize,
        /// How many times it appears.
        count: usize,
    },
    /// A route carries more than the capacity in some dimension.
    Capacity {
        /// Route index.
        route: usize,
        /// Capacity dimension.
        dimension: usize,
        /// Load carried.
        load: f64,
        /// Capacity of that dimension.
        capacity: f64,
    },
    /// Service at a customer starts after its due time.
    Late {
        /// Route index.
        route: usize,
        /// The customer.
        customer: usize,
        /// Earliest possible start of service (after waiting for `ready`).
        start: f64,
        /// Due time.
        due: f64,
    },
    /// The vehicle is back at the depot after its shift end or the depot's due time.
    LateReturn {
        /// Route index.
        route: usize,
        /// Arrival time at the depot.
        arrival: f64,
        /// Latest return: the earlier of shift end and depot due time.
        due: f64,
    },
    /// The reported distance differs from the distance of the routes.
    DistanceMismatch {
        /// Distance stated in the solution.
        reported: f64,
        /// Distance recomputed from the routes.
        actual: f64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::TooManyRoutes { routes, vehicles } => {
                write!(f, "{routes} routes but only {vehicles} vehicles")
            }
            Violation::UnknownNode { route, node } => {
                write!(f, "route {route} visits {node}, which is not a customer")
            }
            Violation::Missing { customer } => write!(f, "customer {customer} is not served"),
            Violation::Duplicate { customer, count } => {
                write!(f, "customer {customer} is served {count} times")
            }
            Violation::Capacity { route, dimension, load, capacity } => write!(
                f,
                "route {route} carries {load} in dimension {dimension}, capacity {capacity}"
            ),
            Violation::Late { route, customer, start, due } => write!(
                f,
                "route {route} starts service at customer {customer} at {start}, due {due}"
            ),
            Violation::LateReturn { route, arrival, due } => {
                write!(f, "route {route} returns to the depot at {arrival}, due {due}")
            }
            Violation::DistanceMismatch { reported, actual } => {
                write!(f, "solution reports distance {reported}, routes measure {actual}")
            }
        }
    }
}

/// Figures of a feasible solution.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Non-empty routes (vehicles used).
    pub routes: usize,
    /// Total distance.
    pub distance: f64,
    /// Total travel time.
    pub travel_time: f64,
    /// Total waiting before time windows open.
    pub waiting: f64,
    /// Latest return to the depot over all routes.
    pub makespan: f64,
}

/// Checks `solution` against `problem`: every customer exactly once, at most one
/// route per vehicle (route `k` driven by vehicle `k`), the vehicle's capacity in every
/// dimension, departure no earlier than its shift start and the depot's ready time,
/// service starting within each window (waiting allowed, service time added), return
/// by the shift end and the depot's due time, and the reported distance. Returns all
/// violations found, not just the first.
pub fn check_feasibility(
    problem: &VrptwProblem,
    solution: &Solution,
) -> Result<Stats, Vec<Violation>> {
    let nodes = problem.nodes();
    let n = nodes.len();
    let (dist, tt) = (problem.distance(), problem.travel_time());
    let mut violations = Vec::new();
    let mut seen = vec![0usize; n];
    let used = solution.routes.iter().filter(|r| !r.is_empty()).count();
    if solution.routes.len() > problem.vehicles() {
        violations.push(Violation::TooManyRoutes {
            routes: solution.routes.len(),
            vehicles: problem.vehicles(),
        });
    }
    let mut stats =
        Stats { routes: used, distance: 0.0, travel_time: 0.0, waiting: 0.0, makespan: 0.0 };
    for (r, route) in solution.routes.iter().enumerate() {
        if route.is_empty() {
            continue;
        }
        if let Some(&bad) = route.iter().find(|&&c| c == 0 || c >= n) {
            violations.push(Violation::UnknownNode { route: r, node: bad });
            continue;
        }
        // Past the fleet (already reported): check against the last vehicle's rules.
        // `VrptwProblem::new` rejects an empty fleet, so a last vehicle exists.
        let vehicle = problem.vehicle(r).or(problem.fleet().last()).expect("validated fleet");
        let (depart, latest_return) = problem.shift_window(vehicle);
        let mut load = [0.0; DIMS];
        let mut time = depart;
        let mut prev = 0;
        for &c in route {
            seen[c] += 1;
            let node = &nodes[c];
            for (l, d) in load.iter_mut().zip(node.demand) {
                *l += d;
            }
            stats.distance += dist.get(prev, c);
            stats.travel_time += tt.get(prev, c);
            let arrival = time + tt.get(prev, c);
            let start = arrival.max(node.ready);
            stats.waiting += start - arrival;
            if start > node.due + TOLERANCE {
                violations.push(Violation::Late { route: r, customer: c, start, due: node.due });
            }
            time = start + node.service;
            prev = c;
        }
        stats.distance += dist.get(prev, 0);
        stats.travel_time += tt.get(prev, 0);
        let arrival = time + tt.get(prev, 0);
        stats.makespan = stats.makespan.max(arrival);
        if arrival > latest_return + TOLERANCE {
            violations.push(Violation::LateReturn { route: r, arrival, due: latest_return });
        }
        for (dimension, (&l, &cap)) in load.iter().zip(&vehicle.capacity).enumerate() {
            if l > cap + TOLERANCE {
                violations.push(Violation::Capacity {
                    route: r,
                    dimension,
                    load: l,
                    capacity: cap,
                });
            }
        }
    }
    for (customer, &count) in seen.iter().enumerate().skip(1) {
        match count {
            0 => violations.push(Violation::Missing { customer }),
            1 => {}
            _ => violations.push(Violation::Duplicate { customer, count }),
        }
    }
    // Relative tolerance: distances are sums of up to n terms of arbitrary scale.
    if (stats.distance - solution.distance).abs() > TOLERANCE * stats.distance.max(1.0) {
        violations.push(Violation::DistanceMismatch {
            reported: solution.distance,
            actual: stats.distance,
        });
    }
    if violations.is_empty() {
        Ok(stats)
    } else {
        Err(violations)
    }
}
