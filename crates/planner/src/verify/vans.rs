//! Van routes: capacity, windows, depot start and end, road continuity.

use super::{Rule, Violation};
use crate::ground::roads::RoadGraph;
use crate::mission::{ClockTime, Mission, Order, Service, VanGroup};
use crate::plan::{Plan, VanRoute, VanStop};
use crate::world::World;

/// Capacity, windows, depot start and end, and continuity on the road graph (legal
/// directions, no teleporting, no speeding) of one van route.
pub(super) fn check_van_route(
    plan: &Plan,
    world: &World,
    graph: &RoadGraph,
    index: usize,
    out: &mut Vec<Violation>,
) {
    let m = &plan.mission;
    let r = &plan.van_routes[index];
    let first_order = r.stops.first().map_or("", |s| s.order_id.as_str());
    let van = VanRule { vid: &r.van_id };
    let Some(group) = m.fleet.vans.iter().find(|g| g.depot == r.depot_id) else {
        let msg = format!("route starts at {}, which has no vans", r.depot_id);
        out.push(van.broken(first_order, None, msg));
        return;
    };
    if r.path_m.len() != r.times_s.len()
        || r.path_m.len() != r.node_ids.len()
        || r.path_m.is_empty()
    {
        out.push(van.broken(first_order, None, "path, times and node ids differ in length"));
        return;
    }
    check_drive(plan, world, graph, r, group, out);
    let start = r.times_s[0];
    let (mut kg, mut m3) = (0.0, 0.0);
    for stop in &r.stops {
        let Some(order) = m.orders.iter().find(|o| o.id == stop.order_id) else {
            out.push(van.broken(&stop.order_id, None, "stop for an order not in the mission"));
            continue;
        };
        kg += order.payload_kg;
        m3 += order.volume_l / 1000.0;
        check_stop(m, r, group, stop, order, out);
    }
    if kg > group.capacity_kg + 1e-6 || m3 > group.capacity_m3 + 1e-6 {
        let msg = format!(
            "carries {kg:.1} kg / {m3:.2} m^3, capacity {} kg / {} m^3",
            group.capacity_kg, group.capacity_m3
        );
        out.push(van.broken(first_order, Some(start), msg));
    }
}

/// Builds the van rule's violations of one van.
struct VanRule<'a> {
    vid: &'a str,
}

impl VanRule<'_> {
    /// A van rule broken by this van for `order`, at `t_s` if known.
    fn broken(&self, order: &str, t_s: Option<f64>, msg: impl Into<String>) -> Violation {
        Violation::new(Rule::Van, msg).order(order).vehicle(self.vid).at_time_opt(t_s)
    }
}

/// The route as a drive: legal on the road graph, timed within the road speeds, from
/// and back to its depot, inside the van shift.
fn check_drive(
    plan: &Plan,
    world: &World,
    graph: &RoadGraph,
    r: &VanRoute,
    group: &VanGroup,
    out: &mut Vec<Violation>,
) {
    let first_order = r.stops.first().map_or("", |s| s.order_id.as_str());
    let van = VanRule { vid: &r.van_id };
    if let Err(e) = graph.check_route(&r.node_ids) {
        out.push(van.broken(
            first_order,
            None,
            format!("not a legal drive on the road graph: {e}"),
        ));
    }
    if let Err(e) = graph.check_route_times(&r.node_ids, &r.times_s, 1e-3) {
        out.push(van.broken(first_order, None, format!("timing on the road graph: {e}")));
    }
    if let Some(depot) = plan.mission.depots.iter().find(|d| d.id == r.depot_id) {
        let p = world.frame.to_local(depot.lat_deg, depot.lon_deg);
        if let Some((node, _)) = graph.nearest_node(p) {
            let id = graph.osm_id(node);
            if r.node_ids.first() != Some(&id) || r.node_ids.last() != Some(&id) {
                let msg = format!("does not start and end at depot {}", depot.id);
                out.push(van.broken(first_order, r.times_s.first().copied(), msg));
            }
        }
    }
    let (start, end) = (r.times_s[0], r.times_s[r.times_s.len() - 1]);
    if start < group.shift_start.seconds() - 1e-6 || end > group.shift_end.seconds() + 1e-6 {
        out.push(van.broken(first_order, Some(end), "drives outside the van shift"));
    }
}

/// One stop: the van leaves after the order is loaded, serves it inside its window after
/// arriving, and the stop lies on the route's path at its arrival time.
fn check_stop(
    m: &Mission,
    r: &VanRoute,
    group: &VanGroup,
    stop: &VanStop,
    order: &Order,
    out: &mut Vec<Violation>,
) {
    let van = VanRule { vid: &r.van_id };
    let start = r.times_s[0];
    let ready = order.placed_at.seconds() + m.policy.pick_load_s;
    if start < ready - 1e-6 {
        let msg = "the van leaves before the order is picked and loaded";
        out.push(van.broken(&stop.order_id, Some(start), msg));
    }
    let (from, to) = match order.service {
        Service::Window(w) => (w.from.seconds(), w.to.seconds()),
        _ => (ready, group.shift_end.seconds()),
    };
    if stop.service_start_s < from - 1e-6 || stop.service_start_s > to + 1e-6 {
        let msg = format!(
            "van delivery at {} outside its window {}..{}",
            ClockTime(stop.service_start_s),
            ClockTime(from),
            ClockTime(to)
        );
        let v = Violation::new(Rule::Promise, msg).order(&stop.order_id).vehicle(&r.van_id);
        out.push(v.at_time(stop.service_start_s));
    }
    if stop.service_start_s < stop.arrive_s - 1e-6 {
        let msg = "service starts before the van arrives";
        out.push(van.broken(&stop.order_id, Some(stop.arrive_s), msg));
    }
    let on_path = r.path_m.iter().zip(&r.times_s).any(|(p, t)| {
        (p[0] - stop.pos_m[0]).hypot(p[1] - stop.pos_m[1]) < 1e-6
            && (*t - stop.arrive_s).abs() < 1e-3
    });
    if !on_path {
        let msg = "the stop is not on the route's path at its arrival time";
        out.push(van.broken(&stop.order_id, Some(stop.arrive_s), msg));
    }
}
