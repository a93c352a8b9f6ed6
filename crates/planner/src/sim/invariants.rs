//! The invariants of a simulated day, checked after every event and at the end: each
//! order's state agrees with the flights and van routes (nothing lost, nothing delivered
//! twice), no flight breaks a known fault's rule, and at the end every order has a final
//! outcome and the plan passes the independent verifier.

use std::collections::BTreeMap;

use super::events::Fault;
use super::{OrderRecord, OrderState};
use crate::dispatch::enters_zone;
use crate::mission::Mission;
use crate::plan::{Flight, Outcome, Plan, VanRoute};
use crate::verify::verify;
use crate::world::World;

/// Flights and van stops per order id.
fn carriers<'a>(
    flights: &'a [Flight],
    routes: &'a [Option<VanRoute>],
) -> BTreeMap<&'a str, (usize, Vec<usize>)> {
    let mut by: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
    // A diverted flight that brought its package back carries nothing.
    for f in flights.iter().filter(|f| f.delivers()) {
        by.entry(f.order_id.as_str()).or_default().0 += 1;
    }
    for (i, r) in routes.iter().enumerate() {
        for s in r.iter().flat_map(|r| &r.stops) {
            by.entry(s.order_id.as_str()).or_default().1.push(i);
        }
    }
    by
}

/// Each order's state agrees with what carries it: a `Drone` order has exactly one
/// flight and no van stop, a `Van` order exactly one stop, on its route, and no flight,
/// every other order neither; no flight or stop serves an order not in the records.
pub fn check_state(
    orders: &[OrderRecord],
    flights: &[Flight],
    routes: &[Option<VanRoute>],
) -> Vec<String> {
    let mut by = carriers(flights, routes);
    let mut out = Vec::new();
    for rec in orders {
        let (n_flights, stops) = by.remove(rec.order_id.as_str()).unwrap_or_default();
        let ok = match rec.state {
            OrderState::Drone => n_flights == 1 && stops.is_empty(),
            OrderState::Van { route } => n_flights == 0 && stops == [route],
            _ => n_flights == 0 && stops.is_empty(),
        };
        if !ok {
            out.push(format!(
                "order {}: state {:?} but {n_flights} flight(s) and van stop(s) on routes {stops:?}",
                rec.order_id, rec.state
            ));
        }
    }
    for id in by.keys() {
        out.push(format!("order {id}: carried but not in the day's orders"));
    }
    out
}

/// The flights that break a rule of one of `faults`: a grounded drone or a drone of a
/// type over its wind limit taking off in the interval, a flight taking off from or
/// landing on a pad while it is out of service, a flight within its margin of a zone
/// activated at short notice while the zone is active. (A drone that failed in the air
/// is held as [`Fault::Grounded`] for the rest of the day by the caller.)
pub fn check_fault_rules(faults: &[&Fault], flights: &[Flight], mission: &Mission) -> Vec<String> {
    let mut out = Vec::new();
    let within = |t: f64, from: f64, to: f64| t >= from && t < to;
    for fault in faults {
        let zone = fault.zone(mission.airspace.ceiling_agl_m);
        for f in flights {
            let broken = match fault {
                Fault::ZoneActivated { from_s, .. } => {
                    zone.as_ref().is_some_and(|z| enters_zone(f, z, *from_s, mission))
                }
                Fault::Grounded { drone_id, from_s, to_s } => {
                    f.drone_id == *drone_id && within(f.takeoff_s, *from_s, *to_s)
                }
                Fault::Wind { type_name, from_s, to_s } => {
                    f.drone_type == *type_name && within(f.takeoff_s, *from_s, *to_s)
                }
                Fault::PadOut { depot_id, pad, from_s, to_s, .. } => {
                    f.depot_id == *depot_id
                        && f.pad == *pad
                        && (within(f.takeoff_s, *from_s, *to_s)
                            || within(f.landed_s, *from_s, *to_s))
                }
                Fault::Cancelled { .. }
                | Fault::VanBreakdown { .. }
                | Fault::DroneFailure { .. } => false,
            };
            if broken {
                out.push(format!(
                    "{fault}: flight of order {} by {} takes off {:.0} s, lands {:.0} s",
                    f.order_id, f.drone_id, f.takeoff_s, f.landed_s
                ));
            }
        }
    }
    out
}

/// Sets each record's `broken_promise`: it was promised a delivery by a deadline and is
/// rejected, or delivered after the deadline. A cancelled order breaks no promise.
pub fn mark_broken_promises(orders: &mut [OrderRecord], plan: &Plan) {
    for (rec, out) in orders.iter_mut().zip(&plan.outcomes) {
        let Some(deadline) = rec.promised_by_s else { continue };
        let delivered_s = match &out.outcome {
            Outcome::Drone { flight } => plan.flights.get(*flight).map(|f| f.delivered_s),
            Outcome::Van { route, .. } => plan.van_routes.get(*route).and_then(|r| {
                r.stops.iter().find(|s| s.order_id == rec.order_id).map(|s| s.service_start_s)
            }),
            Outcome::Rejected { .. } => None,
        };
        rec.broken_promise = match (&rec.state, delivered_s) {
            (OrderState::Cancelled { .. }, _) => false,
            (_, Some(t)) => t > deadline + 1e-6,
            (_, None) => true,
        };
    }
}

/// Orders lost (in no final state, or delivered with nothing carrying them) and orders
/// carried more than once, in the final plan.
pub fn lost_and_duplicated(orders: &[OrderRecord], plan: &Plan) -> (usize, usize) {
    let routes: Vec<Option<VanRoute>> = plan.van_routes.iter().cloned().map(Some).collect();
    let by = carriers(&plan.flights, &routes);
    let (mut lost, mut dup) = (0, 0);
    for rec in orders {
        let (n, stops) = by.get(rec.order_id.as_str()).cloned().unwrap_or_default();
        if n + stops.len() > 1 {
            dup += 1;
        }
        let carried = n + stops.len() == 1;
        lost += match rec.state {
            OrderState::Drone | OrderState::Van { .. } => usize::from(!carried),
            OrderState::Unplaced | OrderState::VanWaiting { .. } => 1,
            OrderState::Cancelled { .. } | OrderState::Rejected { .. } => 0,
        };
    }
    (lost, dup)
}

/// The end-of-day checks: every order in a final state that agrees with the plan, no
/// fault rule broken, one outcome per order agreeing with the state, and the plan passes
/// the verifier.
pub fn check_final(
    orders: &[OrderRecord],
    plan: &Plan,
    world: &World,
    faults: &[Fault],
) -> Vec<String> {
    let routes: Vec<Option<VanRoute>> = plan.van_routes.iter().cloned().map(Some).collect();
    let mut out: Vec<String> = check_state(orders, &plan.flights, &routes)
        .into_iter()
        .map(|v| format!("at the end: {v}"))
        .collect();
    for rec in orders {
        if matches!(rec.state, OrderState::Unplaced | OrderState::VanWaiting { .. }) {
            out.push(format!("at the end: order {} has no final outcome", rec.order_id));
        }
    }
    let all: Vec<&Fault> = faults.iter().collect();
    out.extend(
        check_fault_rules(&all, &plan.flights, &plan.mission)
            .into_iter()
            .map(|v| format!("at the end: {v}")),
    );
    if plan.outcomes.len() != orders.len() {
        out.push(format!("{} outcomes for {} orders", plan.outcomes.len(), orders.len()));
    }
    out.extend(verify(plan, world).into_iter().map(|v| format!("verifier: {v}")));
    out
}
