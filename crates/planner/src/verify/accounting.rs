//! Accounting: one outcome per order, outcomes pointing at the right flights and routes,
//! and no drone in two places at once.

use std::collections::{BTreeMap, HashMap};

use super::{Rule, Violation};
use crate::plan::{DiversionEnd, Outcome, Plan};

/// The plan's summary against its outcomes, flights and routes: the counts recounted,
/// the totals re-added (to a relative 1e-9), the separation figures finite and in range.
/// A summary is what people read first, so an edited or corrupt one is a violation.
pub(super) fn check_summary(plan: &Plan, out: &mut Vec<Violation>) {
    let s = &plan.summary;
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    let [mut drone, mut van] = [0, 0];
    for o in &plan.outcomes {
        match &o.outcome {
            Outcome::Drone { .. } => drone += 1,
            Outcome::Van { .. } => van += 1,
            Outcome::Rejected { reason } => {
                let kind = reason.main_kind().map_or("none", |k| k.label());
                *by_reason.entry(kind.to_string()).or_default() += 1;
            }
        }
    }
    let rejected: usize = by_reason.values().sum();
    let mut wrong = |what: &str, got: String, expected: String| {
        let msg = format!("summary.{what} is {got}, the plan adds up to {expected}");
        out.push(Violation::new(Rule::Accounting, msg));
    };
    let counts = [
        ("orders", s.orders, plan.outcomes.len()),
        ("by_drone", s.by_drone, drone),
        ("by_van", s.by_van, van),
        ("rejected", s.rejected, rejected),
    ];
    for (what, got, expected) in counts {
        if got != expected {
            wrong(what, got.to_string(), expected.to_string());
        }
    }
    if s.rejected_by_reason != by_reason {
        wrong(
            "rejected_by_reason",
            format!("{:?}", s.rejected_by_reason),
            format!("{by_reason:?}"),
        );
    }
    let totals = [
        ("drone_km", s.drone_km, plan.flights.iter().map(|f| f.path_length_m).sum::<f64>() / 1e3),
        ("van_km", s.van_km, plan.van_routes.iter().map(|r| r.distance_m).sum::<f64>() / 1e3),
        ("energy_wh", s.energy_wh, plan.flights.iter().map(|f| f.energy_wh).sum::<f64>()),
    ];
    for (what, got, expected) in totals {
        // A NaN on either side is not close: a violation.
        let close = (got - expected).abs() <= 1e-9 * expected.abs().max(1.0);
        if !close {
            wrong(what, got.to_string(), expected.to_string());
        }
    }
    if s.late > s.orders || s.separation_delays > plan.flights.len() {
        wrong("late or separation_delays", format!("{} / {}", s.late, s.separation_delays), {
            format!("at most {} / {}", s.orders, plan.flights.len())
        });
    }
    if s.separation_other_layer > plan.flights.len() {
        wrong(
            "separation_other_layer",
            s.separation_other_layer.to_string(),
            format!("at most {}", plan.flights.len()),
        );
    }
    // Each delayed take-off waited less than a day.
    let most_s = 86_400.0 * s.separation_delays as f64;
    if !(0.0..=most_s).contains(&s.separation_delay_s) {
        wrong(
            "separation_delay_s",
            s.separation_delay_s.to_string(),
            format!("within 0..={most_s}"),
        );
    }
    check_van_waves(plan, van, out);
}

/// Longest wall-clock budget a van wave's search may report, s: an hour, far above
/// what the planner gives one (its budgets are for a day planned in minutes).
const MOST_WAVE_BUDGET_S: f64 = 3600.0;

/// The summary's van waves: each from a van depot of the mission, at a time of the
/// mission's two days, with a finite budget, taking no more orders than offered; and
/// every order delivered by van (`by_van` of them) routed by some wave. A plan written
/// before waves were reported has none, and nothing to check.
fn check_van_waves(plan: &Plan, by_van: usize, out: &mut Vec<Violation>) {
    let waves = &plan.summary.van_waves;
    let mut wrong = |k: usize, msg: String| {
        out.push(Violation::new(Rule::Accounting, format!("summary.van_waves[{k}]: {msg}")));
    };
    for (k, w) in waves.iter().enumerate() {
        let van_depot = |d: &crate::mission::Depot| {
            d.id == w.depot_id && d.kind == crate::mission::DepotKind::Van
        };
        if !plan.mission.depots.iter().any(van_depot) {
            wrong(k, format!("depot_id {:?} is not a van depot of the mission", w.depot_id));
        }
        if !(0.0..=2.0 * 86_400.0).contains(&w.departs_s) {
            wrong(k, format!("departs_s is {}, not within 0..=172800", w.departs_s));
        }
        if !(0.0..=MOST_WAVE_BUDGET_S).contains(&w.budget_s) {
            wrong(k, format!("budget_s is {}, not within 0..={MOST_WAVE_BUDGET_S}", w.budget_s));
        }
        if w.routed.saturating_add(w.deferred) > w.orders {
            let (r, d, o) = (w.routed, w.deferred, w.orders);
            wrong(k, format!("routes {r} and defers {d} orders of the {o} it was offered"));
        }
    }
    let routed = waves.iter().fold(0usize, |n, w| n.saturating_add(w.routed));
    if !waves.is_empty() && routed < by_van {
        let msg = format!(
            "summary.van_waves route {routed} orders in {} waves, but {by_van} orders go by van on {} routes",
            waves.len(),
            plan.van_routes.len()
        );
        out.push(Violation::new(Rule::Accounting, msg));
    }
}

pub(super) fn check_accounting(plan: &Plan, out: &mut Vec<Violation>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for o in &plan.outcomes {
        *seen.entry(o.order_id.as_str()).or_default() += 1;
    }
    for order in &plan.mission.orders {
        match seen.get(order.id.as_str()) {
            None => {
                out.push(Violation::new(Rule::Accounting, "order has no outcome").order(&order.id))
            }
            Some(n) if *n > 1 => out.push(
                Violation::new(Rule::Accounting, format!("order has {n} outcomes"))
                    .order(&order.id),
            ),
            _ => {}
        }
    }
    for o in &plan.outcomes {
        if !plan.mission.orders.iter().any(|m| m.id == o.order_id) {
            out.push(
                Violation::new(Rule::Accounting, "outcome for an order not in the mission")
                    .order(&o.order_id),
            );
        }
    }
    for o in &plan.outcomes {
        let order = plan.mission.orders.iter().find(|m| m.id == o.order_id);
        let recorded =
            |m: &&crate::mission::Order| (o.placed_s - m.placed_at.seconds()).abs() <= 1e-6;
        if let Some(order) = order.filter(|m| !recorded(m)) {
            let msg = format!(
                "outcome records placed_s {}, the order was placed at {}",
                crate::energy::spec::shown(o.placed_s),
                order.placed_at.seconds()
            );
            out.push(Violation::new(Rule::Accounting, msg).order(&o.order_id));
        }
    }
    let mut flight_refs = vec![0usize; plan.flights.len()];
    for o in &plan.outcomes {
        match &o.outcome {
            Outcome::Drone { flight } => match plan.flights.get(*flight) {
                Some(f) if f.order_id == o.order_id => flight_refs[*flight] += 1,
                Some(f) => out.push(
                    Violation::new(
                        Rule::Accounting,
                        format!("points to flight {flight}, which serves order {}", f.order_id),
                    )
                    .order(&o.order_id)
                    .vehicle(&f.drone_id),
                ),
                None => out.push(
                    Violation::new(Rule::Accounting, format!("points to missing flight {flight}"))
                        .order(&o.order_id),
                ),
            },
            Outcome::Van { route, .. } => match plan.van_routes.get(*route) {
                Some(r) if r.stops.iter().any(|s| s.order_id == o.order_id) => {}
                _ => out.push(
                    Violation::new(
                        Rule::Accounting,
                        format!("van route {route} does not stop for this order"),
                    )
                    .order(&o.order_id),
                ),
            },
            Outcome::Rejected { reason } => {
                if reason.is_empty() {
                    out.push(
                        Violation::new(Rule::Accounting, "rejected without a reason")
                            .order(&o.order_id),
                    );
                }
            }
        }
    }
    for (i, n) in flight_refs.iter().enumerate() {
        let f = &plan.flights[i];
        // A diverted flight that brought its package back delivers nothing: no outcome
        // may point at it.
        let expected = usize::from(f.delivers());
        if *n != expected {
            out.push(
                Violation::new(
                    Rule::Accounting,
                    format!("flight {i} is referenced by {n} outcomes, expected {expected}"),
                )
                .order(&f.order_id)
                .vehicle(&f.drone_id),
            );
        }
    }
}

/// A drone that landed away from its nest (a diverted flight ending at a spot) flies no
/// more that day: it is not at its pad.
pub(super) fn check_grounded_after_spot_landing(plan: &Plan, out: &mut Vec<Violation>) {
    for f in &plan.flights {
        let Some(d) = &f.diversion else { continue };
        if !matches!(d.ending, DiversionEnd::Spot { .. }) {
            continue;
        }
        for later in plan.flights.iter().filter(|g| g.drone_id == f.drone_id) {
            if later.takeoff_s > f.takeoff_s {
                let msg = format!(
                    "takes off at its nest after landing away from it (order {}) at {}",
                    f.order_id,
                    crate::mission::ClockTime(f.landed_s)
                );
                out.push(
                    Violation::new(Rule::Vehicle, msg)
                        .order(&later.order_id)
                        .vehicle(&later.drone_id)
                        .at_time(later.takeoff_s),
                );
            }
        }
    }
}

pub(super) fn check_vehicle_overlap(plan: &Plan, out: &mut Vec<Violation>) {
    let mut by_drone: HashMap<&str, Vec<(f64, f64, &str)>> = HashMap::new();
    for f in &plan.flights {
        if let (Some(a), Some(b)) = (f.samples.first(), f.samples.last()) {
            by_drone.entry(&f.drone_id).or_default().push((a.t_s, b.t_s, &f.order_id));
        }
    }
    let mut drones: Vec<_> = by_drone.into_iter().collect();
    drones.sort_by(|a, b| a.0.cmp(b.0));
    for (drone, mut spans) in drones {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in spans.windows(2) {
            if w[1].0 < w[0].1 - 1e-6 {
                out.push(
                    Violation::new(
                        Rule::Vehicle,
                        format!(
                            "takes off before its previous flight (order {}) has landed",
                            w[0].2
                        ),
                    )
                    .order(w[1].2)
                    .vehicle(drone)
                    .at_time(w[1].0),
                );
            }
        }
    }
}
