//! Accounting: one outcome per order, outcomes pointing at the right flights and routes,
//! and no drone in two places at once.

use std::collections::HashMap;

use super::{v, Rule, Violation};
use crate::plan::{Outcome, Plan};

pub(super) fn check_accounting(plan: &Plan, out: &mut Vec<Violation>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for o in &plan.outcomes {
        *seen.entry(o.order_id.as_str()).or_default() += 1;
    }
    for order in &plan.mission.orders {
        match seen.get(order.id.as_str()) {
            None => out.push(v(
                Rule::Accounting,
                &order.id,
                "",
                None,
                None,
                "order has no outcome".into(),
            )),
            Some(n) if *n > 1 => out.push(v(
                Rule::Accounting,
                &order.id,
                "",
                None,
                None,
                format!("order has {n} outcomes"),
            )),
            _ => {}
        }
    }
    for o in &plan.outcomes {
        if !plan.mission.orders.iter().any(|m| m.id == o.order_id) {
            out.push(v(
                Rule::Accounting,
                &o.order_id,
                "",
                None,
                None,
                "outcome for an order not in the mission".into(),
            ));
        }
    }
    let mut flight_refs = vec![0usize; plan.flights.len()];
    for o in &plan.outcomes {
        match &o.outcome {
            Outcome::Drone { flight } => match plan.flights.get(*flight) {
                Some(f) if f.order_id == o.order_id => flight_refs[*flight] += 1,
                Some(f) => out.push(v(
                    Rule::Accounting,
                    &o.order_id,
                    &f.drone_id,
                    None,
                    None,
                    format!("points to flight {flight}, which serves order {}", f.order_id),
                )),
                None => out.push(v(
                    Rule::Accounting,
                    &o.order_id,
                    "",
                    None,
                    None,
                    format!("points to missing flight {flight}"),
                )),
            },
            Outcome::Van { route } => match plan.van_routes.get(*route) {
                Some(r) if r.stops.iter().any(|s| s.order_id == o.order_id) => {}
                _ => out.push(v(
                    Rule::Accounting,
                    &o.order_id,
                    "",
                    None,
                    None,
                    format!("van route {route} does not stop for this order"),
                )),
            },
            Outcome::Rejected { reason } => {
                if reason.trim().is_empty() {
                    out.push(v(
                        Rule::Accounting,
                        &o.order_id,
                        "",
                        None,
                        None,
                        "rejected without a reason".into(),
                    ));
                }
            }
        }
    }
    for (i, n) in flight_refs.iter().enumerate() {
        if *n != 1 {
            let f = &plan.flights[i];
            out.push(v(
                Rule::Accounting,
                &f.order_id,
                &f.drone_id,
                None,
                None,
                format!("flight {i} is referenced by {n} outcomes"),
            ));
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
                out.push(v(
                    Rule::Vehicle,
                    w[1].2,
                    drone,
                    Some(w[1].0),
                    None,
                    format!("takes off before its previous flight (order {}) has landed", w[0].2),
                ));
            }
        }
    }
}
