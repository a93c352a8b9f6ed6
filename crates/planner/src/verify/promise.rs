//! Promises: every outcome records what its order was promised, by the verifier's own
//! reading of the service rules, and the summary's `late` counts the orders delivered
//! after it.

use super::{Rule, Violation, TOL};
use crate::mission::{Mission, Order, Service};
use crate::plan::{OrderOutcome, Outcome, Plan};

/// When the delivery day ends: the last van shift's end, or midnight without vans.
pub(super) fn day_end_s(m: &Mission) -> f64 {
    let mut end: Option<f64> = None;
    for v in &m.fleet.vans {
        let e = v.shift_end.seconds();
        end = Some(end.map_or(e, |x: f64| x.max(e)));
    }
    end.unwrap_or(86_400.0)
}

/// What `order`, served as `outcome`, must be promised: nothing when rejected; the
/// window's end for windowed orders; for express orders by drone the placing time plus
/// the promise; otherwise (same-day, and express orders that went by van) the end of
/// the delivery day.
fn expected_promise_s(m: &Mission, order: &Order, outcome: &Outcome) -> Option<f64> {
    if matches!(outcome, Outcome::Rejected { .. }) {
        return None;
    }
    Some(match (order.service, outcome) {
        (Service::Window(w), _) => w.to.seconds(),
        (Service::Express, Outcome::Drone { .. }) => {
            order.placed_at.seconds() + 60.0 * order.promise_min
        }
        _ => day_end_s(m),
    })
}

/// When `o` was delivered, if it was: its flight's release or its van stop's start.
fn delivered_s(plan: &Plan, o: &OrderOutcome) -> Option<f64> {
    match &o.outcome {
        Outcome::Drone { flight } => plan.flights.get(*flight).map(|f| f.delivered_s),
        Outcome::Van { route, .. } => plan
            .van_routes
            .get(*route)?
            .stops
            .iter()
            .find(|s| s.order_id == o.order_id)
            .map(|s| s.service_start_s),
        Outcome::Rejected { .. } => None,
    }
}

/// Each outcome's recorded promise against the rule, and `summary.late` against the
/// deliveries after their promise.
pub(super) fn check_promises(plan: &Plan, out: &mut Vec<Violation>) {
    let mut late = 0usize;
    for o in &plan.outcomes {
        let Some(order) = plan.mission.orders.iter().find(|m| m.id == o.order_id) else {
            continue; // accounting reports outcomes of unknown orders
        };
        let expected = expected_promise_s(&plan.mission, order, &o.outcome);
        let agrees = match (o.promised_s, expected) {
            (None, None) => true,
            // A NaN or infinity is not close to anything.
            (Some(got), Some(want)) => (got - want).abs() <= TOL,
            _ => false,
        };
        if !agrees {
            let shown = |p: Option<f64>| p.map_or("none".to_string(), |x| format!("{x} s"));
            let msg = format!(
                "outcome records promised_s {}, the service rules give {}",
                shown(o.promised_s),
                shown(expected)
            );
            out.push(Violation::new(Rule::Promise, msg).order(&o.order_id));
        }
        if let (Some(d), Some(p)) = (delivered_s(plan, o), expected) {
            if d > p + TOL {
                late += 1;
            }
        }
    }
    if plan.summary.late != late {
        let msg = format!(
            "summary.late is {}, but {late} order(s) are delivered after their promise",
            plan.summary.late
        );
        out.push(Violation::new(Rule::Accounting, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mission::{ClockTime, TimeWindow, VanGroup};

    fn mission() -> Mission {
        crate::mission::one_drone_mission(1.0)
    }

    /// One van working from 08:00 to `end_h` o'clock.
    fn vans_until(end_h: f64) -> VanGroup {
        VanGroup {
            depot: "nest".into(),
            count: 1,
            capacity_kg: 100.0,
            capacity_m3: 1.0,
            shift_start: ClockTime(8.0 * 3600.0),
            shift_end: ClockTime(end_h * 3600.0),
        }
    }

    #[test]
    fn promises_by_service_and_carrier() {
        let mut m = mission();
        let drone = Outcome::Drone { flight: 0 };
        let van = Outcome::Van { route: 0, reason: Default::default() };
        let order = m.orders[0].clone();
        assert_eq!(expected_promise_s(&m, &order, &drone), Some(10.5 * 3600.0));
        // No vans: the day ends at midnight.
        assert_eq!(expected_promise_s(&m, &order, &van), Some(86_400.0));
        m.fleet.vans.push(vans_until(19.0));
        assert_eq!(expected_promise_s(&m, &order, &van), Some(19.0 * 3600.0));
        let mut windowed = order.clone();
        let w = TimeWindow { from: ClockTime(14.0 * 3600.0), to: ClockTime(16.0 * 3600.0) };
        windowed.service = Service::Window(w);
        assert_eq!(expected_promise_s(&m, &windowed, &drone), Some(16.0 * 3600.0));
        let rejected = Outcome::Rejected { reason: Default::default() };
        assert_eq!(expected_promise_s(&m, &order, &rejected), None);
    }

    #[test]
    fn the_engine_and_the_verifier_agree_on_every_promise() {
        let mut m = mission();
        m.fleet.vans.push(vans_until(21.0));
        let w = TimeWindow { from: ClockTime(11.0 * 3600.0), to: ClockTime(13.0 * 3600.0) };
        for service in [Service::Express, Service::SameDay, Service::Window(w)] {
            let mut order = m.orders[0].clone();
            order.service = service;
            for outcome in [
                Outcome::Drone { flight: 0 },
                Outcome::Van { route: 0, reason: Default::default() },
                Outcome::Rejected { reason: Default::default() },
            ] {
                assert_eq!(
                    crate::plan::promised_s(&m, &order, &outcome),
                    expected_promise_s(&m, &order, &outcome),
                    "{service:?} {outcome:?}"
                );
            }
        }
    }
}
