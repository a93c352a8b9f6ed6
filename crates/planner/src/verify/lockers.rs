//! Locker deliveries, recomputed from the plan's flights and van stops and the mission's
//! lockers: a drone lands on the locker's pad to deliver (one drone on the pad at a
//! time), a van stops at the road node nearest the locker, the locker admits the vehicle,
//! the outcome records the locker, and no locker ever holds more parcels than it has
//! compartments (a parcel occupies one from its delivery until `hold_h` later).

use std::collections::HashMap;

use super::{Rule, Violation};
use crate::ground::roads::RoadGraph;
use crate::mission::{Locker, Mission, Order};
use crate::plan::{Flight, Outcome, Phase, Plan};
use crate::world::World;

/// How far from the locker's position a drone may stand on its pad, m.
pub const LOCKER_PAD_TOLERANCE_M: f64 = 0.5;
/// Highest a drone on the locker's pad may be above the ground, m.
const ON_PAD_M: f64 = 0.01;

/// Every locker rule of `plan`; `graph` is the road graph when the plan has van routes.
pub(super) fn check_lockers(
    plan: &Plan,
    world: &World,
    graph: Option<&RoadGraph>,
    out: &mut Vec<Violation>,
) {
    let m = &plan.mission;
    let orders = OrdersById::new(m);
    check_recorded_lockers(plan, &orders, out);
    for f in plan.flights.iter().filter(|f| f.delivers()) {
        let Some((order, locker)) = orders.with_locker(&f.order_id) else { continue };
        check_drone_delivery(world, f, order, locker, out);
    }
    for r in &plan.van_routes {
        for stop in &r.stops {
            let Some((_, locker)) = orders.with_locker(&stop.order_id) else { continue };
            let broken = |msg: String| {
                Violation::new(Rule::Locker, msg)
                    .order(&stop.order_id)
                    .vehicle(&r.van_id)
                    .at_time(stop.arrive_s)
            };
            if !locker.kind.admits_vans() {
                out.push(broken(format!("locker {} takes no van deliveries", locker.id)));
            }
            let p = world.frame.to_local(locker.lat_deg, locker.lon_deg);
            let Some(node) = graph.and_then(|g| Some(g.point(g.nearest_node(p)?.0))) else {
                continue;
            };
            let off = (stop.pos_m[0] - node[0]).hypot(stop.pos_m[1] - node[1]);
            if off.is_nan() || off > 0.01 {
                out.push(broken(format!(
                    "the van stops {off:.1} m from the road point nearest locker {}",
                    locker.id
                )));
            }
        }
    }
    for locker in &m.lockers {
        check_occupancy(plan, &orders, locker, out);
        check_pad(plan, &orders, locker, out);
    }
}

/// The mission's orders by id, built once so that every flight, stop and outcome finds
/// its order without a scan of the mission (ids are unique: the mission's own checks run
/// before these).
struct OrdersById<'m> {
    mission: &'m Mission,
    by_id: HashMap<&'m str, &'m Order>,
}

impl<'m> OrdersById<'m> {
    fn new(mission: &'m Mission) -> Self {
        OrdersById { mission, by_id: mission.orders.iter().map(|o| (o.id.as_str(), o)).collect() }
    }

    /// The order `order_id`, if the mission has it.
    fn get(&self, order_id: &str) -> Option<&'m Order> {
        self.by_id.get(order_id).copied()
    }

    /// The order `order_id` and its locker, when it names one of the mission's.
    fn with_locker(&self, order_id: &str) -> Option<(&'m Order, &'m Locker)> {
        let order = self.get(order_id)?;
        Some((order, self.mission.locker_of(order)?))
    }

    /// Whether order `order_id` goes to `locker`.
    fn goes_to(&self, order_id: &str, locker: &Locker) -> bool {
        self.with_locker(order_id).is_some_and(|(_, l)| l.id == locker.id)
    }
}

/// Each outcome records the locker of a delivered locker order, and no other.
fn check_recorded_lockers(plan: &Plan, orders: &OrdersById<'_>, out: &mut Vec<Violation>) {
    for o in &plan.outcomes {
        let Some(order) = orders.get(&o.order_id) else {
            continue;
        };
        let expected = match o.outcome {
            Outcome::Rejected { .. } => None,
            _ => order.locker.as_deref(),
        };
        if o.locker.as_deref() != expected {
            let msg = format!(
                "outcome records locker {:?}, the order is delivered to {:?}",
                o.locker, expected
            );
            out.push(Violation::new(Rule::Accounting, msg).order(&o.order_id));
        }
    }
}

/// A drone delivers to a locker by landing on its pad: every sample of the release stands
/// on the ground within [`LOCKER_PAD_TOLERANCE_M`] of the locker, which admits drones.
fn check_drone_delivery(
    world: &World,
    f: &Flight,
    order: &Order,
    locker: &Locker,
    out: &mut Vec<Violation>,
) {
    let broken = |msg: String, t_s: f64| {
        Violation::new(Rule::Locker, msg).order(&order.id).vehicle(&f.drone_id).at_time(t_s)
    };
    if !locker.kind.admits_drones() {
        out.push(broken(format!("locker {} takes no drone deliveries", locker.id), f.takeoff_s));
    }
    let pad = world.frame.to_local(locker.lat_deg, locker.lon_deg);
    for s in f.samples.iter().filter(|s| s.phase == Phase::Lowering) {
        let off = (s.pos_m[0] - pad[0]).hypot(s.pos_m[1] - pad[1]);
        if off > LOCKER_PAD_TOLERANCE_M || s.pos_m[2] > ON_PAD_M {
            let msg = format!(
                "releases the parcel {off:.1} m from locker {}'s pad at {:.1} m height, not landed on it",
                locker.id, s.pos_m[2]
            );
            out.push(broken(msg, s.t_s).at_pos(s.pos_m));
            return;
        }
    }
}

/// When `f` stands on a locker's pad to release its parcel: from its first release
/// sample to the first sample after it that is not a release, s.
fn on_pad_interval(f: &Flight) -> Option<(f64, f64)> {
    let first = f.samples.iter().position(|s| s.phase == Phase::Lowering)?;
    let start = f.samples[first].t_s;
    let end =
        f.samples[first..].iter().find(|s| s.phase != Phase::Lowering).map_or(start, |s| s.t_s);
    Some((start, end))
}

/// Every delivery into `locker`: (time, order id), from the flights that release their
/// parcel there and the van stops that serve its orders.
fn deliveries<'p>(plan: &'p Plan, orders: &OrdersById<'_>, locker: &Locker) -> Vec<(f64, &'p str)> {
    let to_here = |id: &str| orders.goes_to(id, locker);
    let mut out: Vec<(f64, &str)> = Vec::new();
    for f in plan.flights.iter().filter(|f| f.delivers() && to_here(&f.order_id)) {
        if let Some((_, end)) = on_pad_interval(f) {
            out.push((end, &f.order_id));
        }
    }
    for r in &plan.van_routes {
        for s in r.stops.iter().filter(|s| to_here(&s.order_id)) {
            out.push((s.service_start_s, &s.order_id));
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    out
}

/// The parcels in `locker` never outnumber its compartments: each occupies one
/// from its delivery for the locker's hold time.
fn check_occupancy(
    plan: &Plan,
    orders: &OrdersById<'_>,
    locker: &Locker,
    out: &mut Vec<Violation>,
) {
    let parcels = deliveries(plan, orders, locker);
    let hold = locker.hold_s();
    for (k, &(t, order_id)) in parcels.iter().enumerate() {
        // Occupancy rises only at a delivery: count the parcels still in at each one.
        let inside = parcels[..=k].iter().filter(|(d, _)| t < d + hold).count();
        if inside > locker.compartments as usize {
            let msg = format!(
                "locker {} holds {inside} parcels, it has {} compartments (each held {} h)",
                locker.id, locker.compartments, locker.hold_h
            );
            out.push(Violation::new(Rule::Locker, msg).order(order_id).at_time(t));
            return;
        }
    }
}

/// One drone at a time on `locker`'s pad.
fn check_pad(plan: &Plan, orders: &OrdersById<'_>, locker: &Locker, out: &mut Vec<Violation>) {
    let on_pad: Vec<(&Flight, (f64, f64))> = plan
        .flights
        .iter()
        .filter(|f| orders.goes_to(&f.order_id, locker))
        .filter_map(|f| Some((f, on_pad_interval(f)?)))
        .collect();
    for (i, (a, ta)) in on_pad.iter().enumerate() {
        for (b, tb) in &on_pad[i + 1..] {
            if ta.0 < tb.1 && tb.0 < ta.1 {
                let msg = format!(
                    "locker {}'s pad holds {} and {} at once",
                    locker.id, a.drone_id, b.drone_id
                );
                let v = Violation::new(Rule::Locker, msg).order(&b.order_id).vehicle(&b.drone_id);
                out.push(v.at_time(ta.0.max(tb.0)));
            }
        }
    }
}
