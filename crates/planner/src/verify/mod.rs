//! An independent checker of a plan against its mission.
//!
//! Entry point: [`verify`]. It shares no code with `search` or `trajectory`: it samples
//! every flight densely on its own (every [`CHECK_STEP_M`] along the straight lines
//! between stored samples) and asks the world's validity checker for clearance, and it
//! re-integrates each flight's energy from its samples with its own scheme (Simpson's
//! rule with the power at each piece's midpoint; the planner uses the trapezoid rule)
//! over the shared physics model. Every
//! violation names the order, the vehicle, the time and the place.
//!
//! It trusts nothing it reads: the plan's embedded mission is validated again with the
//! same rules as `skylane plan` (a plan whose mission is invalid stops there), every
//! number of every flight must be finite, every flight's drone must be one of the
//! fleet's, and every pair of flights that overlap in time is checked for separation
//! ([`Rule::Separation`]) and every nest pad for double booking ([`Rule::Pad`]).
//!
//! A flight diverted in the air ([`crate::plan::Diversion`]) is checked like any other
//! for its motion, clearance, energy and separation; it may end on the ground at the
//! spot it records instead of its pad (its drone then flies no more that day), and when
//! it did not deliver it must land with the whole package and no outcome may point at it.
//!
//! Modules by kind: `flight` (one flight alone), `separation` (pairs of flights),
//! `pads` (nest pads), `accounting` (orders and vehicles), `promise` (each order's
//! recorded promise and the summary's late count), `vans` (van routes), `lockers`
//! (locker deliveries and compartments), `clearance` (the dense clearance test).

mod accounting;
mod clearance;
mod fleet;
mod flight;
mod lockers;
mod pads;
mod promise;
mod separation;
mod vans;

use rayon::prelude::*;

use crate::ground::roads::RoadGraph;
use crate::plan::Plan;
use crate::world::World;
pub use clearance::{closest_approach, ClearanceBreach, CHECK_STEP_M};
pub use lockers::LOCKER_PAD_TOLERANCE_M;

const TOL: f64 = 1e-6;

/// What rule a violation breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// Closer to a building or active zone than the margin.
    Clearance,
    /// Above the airspace ceiling or below ground.
    Altitude,
    /// Time not strictly increasing, gaps over 1 s, or a jump between samples.
    Timing,
    /// Over the speed, climb, descent, acceleration or corner speed limit.
    Dynamics,
    /// Not starting or ending on a depot pad.
    Depot,
    /// Package lowered outside the drop radius, or lowered too briefly.
    Drop,
    /// Delivered after the promise or the window.
    Promise,
    /// Stored energy/SoC disagrees with re-integration, or lands under the reserve.
    Energy,
    /// Orders missing, duplicated or referring to wrong flights/routes.
    Accounting,
    /// A drone or van in two places at once.
    Vehicle,
    /// Van capacity, windows or road continuity.
    Van,
    /// Two of the plan's drones closer than both separation minima at the same instant.
    Separation,
    /// A nest pad holding two drones at once, or a nest whose pads do not fit.
    Pad,
    /// A NaN or infinite number where a measurement must be.
    Finite,
    /// The plan's embedded mission fails the mission validation.
    Mission,
    /// A locker delivery away from the locker's pad (drone) or road stop (van), by a
    /// vehicle the locker does not admit, two drones on its pad at once, or more parcels
    /// in it than it has compartments.
    Locker,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Which rule.
    pub rule: Rule,
    /// Order concerned.
    pub order_id: String,
    /// Drone or van concerned (empty for accounting problems).
    pub vehicle: String,
    /// When, s since midnight (when meaningful).
    pub t_s: Option<f64>,
    /// Where, local metres (when meaningful).
    pub pos_m: Option<[f64; 3]>,
    /// What is wrong, with numbers.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{:?}] order {}", self.rule, self.order_id)?;
        if !self.vehicle.is_empty() {
            write!(f, ", {}", self.vehicle)?;
        }
        if let Some(t) = self.t_s {
            write!(f, ", t={}", crate::mission::ClockTime(t))?;
        }
        if let Some(p) = self.pos_m {
            write!(f, ", at ({:.1}, {:.1}, {:.1}) m", p[0], p[1], p[2])?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Checks `plan` against its own mission in `world`; an empty list means it passes.
pub fn verify(plan: &Plan, world: &World) -> Vec<Violation> {
    let mut out = Vec::new();
    let problems = plan.mission.problems(None);
    if !problems.is_empty() {
        for p in problems {
            out.push(Violation::new(Rule::Mission, format!("mission.{}: {}", p.field, p.message)));
        }
        return out;
    }
    accounting::check_accounting(plan, &mut out);
    accounting::check_summary(plan, &mut out);
    promise::check_promises(plan, &mut out);
    let nests = pads::nest_pads(plan, world, &mut out);
    let fleet = fleet::drone_ids(&plan.mission);
    // Flights, van routes and the fleet's pairs are independent checks: they run in
    // parallel, and their violations are listed in the order a single thread gives.
    let ((flights, pads_and_pairs), (graph, routes)) = rayon::join(
        || {
            rayon::join(
                || {
                    each(plan.flights.len(), |i, v| {
                        flight::check_flight(plan, world, &fleet, &nests, i, v)
                    })
                },
                || {
                    let mut v = Vec::new();
                    pads::check_pad_occupancy(plan, &nests, &mut v);
                    separation::check_separation(plan, &nests, &mut v);
                    v
                },
            )
        },
        || {
            let graph = (!plan.van_routes.is_empty()).then(|| RoadGraph::from_roads(&world.roads));
            let routes = graph.as_ref().map_or_else(Vec::new, |graph| {
                each(plan.van_routes.len(), |i, v| vans::check_van_route(plan, world, graph, i, v))
            });
            (graph, routes)
        },
    );
    out.extend(flights);
    accounting::check_vehicle_overlap(plan, &mut out);
    accounting::check_grounded_after_spot_landing(plan, &mut out);
    out.extend(pads_and_pairs);
    out.extend(routes);
    lockers::check_lockers(plan, world, graph.as_ref(), &mut out);
    out
}

/// The violations `check(i, out)` finds for every `i` in `0..n`, checked in parallel and
/// listed in order of `i`.
fn each(n: usize, check: impl Fn(usize, &mut Vec<Violation>) + Sync) -> Vec<Violation> {
    let per_item: Vec<Vec<Violation>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut v = Vec::new();
            check(i, &mut v);
            v
        })
        .collect();
    per_item.into_iter().flatten().collect()
}

/// Only the fleet rules of [`verify`]: every loss of separation between two of the plan's
/// drones and every pad holding two drones at once (rules [`Rule::Separation`] and
/// [`Rule::Pad`]), without the per-flight checks; what a replay marks.
pub fn fleet_conflicts(plan: &Plan, world: &World) -> Vec<Violation> {
    let mut out = Vec::new();
    let nests = pads::nest_pads(plan, world, &mut out);
    pads::check_pad_occupancy(plan, &nests, &mut out);
    separation::check_separation(plan, &nests, &mut out);
    out
}

impl Violation {
    /// A violation of `rule`, saying `message`; name what it concerns with the builder
    /// methods ([`Violation::order`], [`Violation::vehicle`], [`Violation::at_time`],
    /// [`Violation::at_pos`]).
    pub fn new(rule: Rule, message: impl Into<String>) -> Violation {
        Violation {
            rule,
            order_id: String::new(),
            vehicle: String::new(),
            t_s: None,
            pos_m: None,
            message: message.into(),
        }
    }

    /// The order concerned.
    pub fn order(mut self, order_id: &str) -> Violation {
        self.order_id = order_id.to_string();
        self
    }

    /// The drone or van concerned.
    pub fn vehicle(mut self, vehicle: &str) -> Violation {
        self.vehicle = vehicle.to_string();
        self
    }

    /// When, s since midnight.
    pub fn at_time(self, t_s: f64) -> Violation {
        self.at_time_opt(Some(t_s))
    }

    /// When, if known.
    pub fn at_time_opt(mut self, t_s: Option<f64>) -> Violation {
        self.t_s = t_s;
        self
    }

    /// Where, local metres.
    pub fn at_pos(mut self, pos_m: [f64; 3]) -> Violation {
        self.pos_m = Some(pos_m);
        self
    }
}
