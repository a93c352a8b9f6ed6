//! Van routing for the orders drones do not take, in departure waves.
//!
//! Vans leave their depot in waves every [`WAVE_S`] seconds from the start of the shift
//! and are back before the next wave (the last wave by the end of the shift). An order
//! joins the first wave that departs after it is picked and loaded and that can reach it
//! inside its window; each (wave, depot) is a VRPTW over the road network's travel-time
//! matrix, with two capacity dimensions (kg, m^3), solved by [`crate::ground::vrptw`]
//! with a fixed iteration budget (so plans are reproducible) and checked by its
//! independent checker. Customers that make a wave infeasible move to the next one.

use std::time::Duration;

use crate::ground::roads::{NodeId, RoadGraph};
use crate::ground::vrptw::{
    self, check_feasibility, Matrix, Node, SolverOptions, Violation, VrptwProblem,
};
use crate::mission::{Mission, Service};
use crate::plan::{VanRoute, VanStop};

/// Time between van departures, s.
pub const WAVE_S: f64 = 3600.0;
/// Time to hand over one parcel at the door, s.
pub const VAN_SERVICE_S: f64 = 180.0;
/// Furthest an address may be from a drivable road, m.
pub const MAX_SNAP_M: f64 = 250.0;
/// Solver iterations per wave (deterministic budget).
const SOLVER_ITERATIONS: u64 = 400;

/// An order waiting for a van.
#[derive(Debug, Clone)]
pub(crate) struct VanOrder {
    pub order: usize,
    pub ready_s: f64,
    pub window_to_s: f64,
    pub window_from_s: f64,
    pub demand: [f64; 2],
}

/// What happened to each van order: route index, or the reason it could not go.
pub(crate) type VanOutcome = (usize, Result<usize, String>);

/// Routes every van order; returns the routes and one outcome per van order.
pub(crate) fn route_vans(
    mission: &Mission,
    graph: &RoadGraph,
    depot_xy: &[[f64; 2]],
    dests: &[[f64; 2]],
    orders: Vec<VanOrder>,
) -> (Vec<VanRoute>, Vec<VanOutcome>) {
    let mut routes = Vec::new();
    let mut outcomes = Vec::new();
    let groups: Vec<(usize, &crate::mission::VanGroup, NodeId)> = mission
        .fleet
        .vans
        .iter()
        .filter_map(|g| {
            let d = mission.depots.iter().position(|d| d.id == g.depot)?;
            let (node, snap) = graph.nearest_node(depot_xy[d])?;
            (snap <= MAX_SNAP_M).then_some((d, g, node))
        })
        .filter(|(_, g, _)| g.count > 0)
        .collect();
    if groups.is_empty() {
        for o in orders {
            outcomes.push((
                o.order,
                Err("no vans: the fleet has no van that can reach the road network".into()),
            ));
        }
        return (routes, outcomes);
    }
    // Each order goes to the group whose depot reaches it soonest.
    let reach: Vec<Vec<f64>> =
        groups.iter().map(|(_, _, n)| graph.shortest_times_from(*n)).collect();
    let mut per_group: Vec<Vec<(VanOrder, NodeId)>> = vec![Vec::new(); groups.len()];
    for o in orders {
        let cap_ok = |g: &crate::mission::VanGroup| {
            o.demand[0] <= g.capacity_kg && o.demand[1] <= g.capacity_m3
        };
        match graph.nearest_node(dests[o.order]) {
            Some((node, snap)) if snap <= MAX_SNAP_M => {
                let best = (0..groups.len())
                    .filter(|&k| cap_ok(groups[k].1) && reach[k][node.index()].is_finite())
                    .min_by(|&a, &b| reach[a][node.index()].total_cmp(&reach[b][node.index()]));
                match best {
                    Some(k) => per_group[k].push((o, node)),
                    None => outcomes.push((o.order, Err(format!(
                        "too big for a van: {:.1} kg, {:.3} m^3 exceeds every van's capacity or no van depot reaches the address",
                        o.demand[0], o.demand[1]
                    )))),
                }
            }
            Some((_, snap)) => outcomes.push((
                o.order,
                Err(format!("no road: the address is {snap:.0} m from the nearest drivable road")),
            )),
            None => outcomes.push((o.order, Err("no road: the map has no drivable roads".into()))),
        }
    }

    for (k, (depot, group, depot_node)) in groups.iter().enumerate() {
        let mut waiting = std::mem::take(&mut per_group[k]);
        let (start, end) = (group.shift_start.seconds(), group.shift_end.seconds());
        let mut wave_start = start;
        while wave_start < end && !waiting.is_empty() {
            let wave_end = (wave_start + WAVE_S).min(end);
            let wave_end = if wave_end + WAVE_S > end { end } else { wave_end };
            // Eligible: ready by departure, window open before the wave ends and not closed
            // before it starts.
            let (mut now, later): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|(o, _)| {
                o.ready_s <= wave_start && o.window_from_s < wave_end && o.window_to_s >= wave_start
            });
            waiting = later;
            let mut deferred = Vec::new();
            for _attempt in 0..8 {
                if now.is_empty() {
                    break;
                }
                let mut stops = vec![*depot_node];
                stops.extend(now.iter().map(|(_, n)| *n));
                let m = graph.travel_matrix(&stops);
                let n = stops.len();
                let mut nodes =
                    vec![Node { demand: [0.0; 2], ready: wave_start, due: wave_end, service: 0.0 }];
                nodes.extend(now.iter().map(|(o, _)| Node {
                    demand: o.demand,
                    ready: o.window_from_s.max(wave_start),
                    due: o.window_to_s.min(wave_end).max(o.window_from_s.max(wave_start)),
                    service: VAN_SERVICE_S,
                }));
                let dist = Matrix::from_fn(n, |i, j| m.distance(i, j));
                let time = Matrix::from_fn(n, |i, j| m.time(i, j));
                let problem = match VrptwProblem::new(
                    nodes,
                    dist,
                    time,
                    group.count as usize,
                    [group.capacity_kg, group.capacity_m3],
                ) {
                    Ok(p) => p,
                    Err(e) => {
                        for (o, _) in now.drain(..) {
                            outcomes.push((o.order, Err(format!("van: {e}"))));
                        }
                        break;
                    }
                };
                let options = SolverOptions {
                    time_limit: Duration::from_secs(30),
                    seed: 1,
                    max_iterations: Some(SOLVER_ITERATIONS),
                };
                let solution = vrptw::solve(&problem, &options);
                match check_feasibility(&problem, &solution) {
                    Ok(_) => {
                        for r in &solution.routes {
                            let van_id = format!(
                                "{}/van#{}",
                                mission.depots[*depot].id,
                                routes_in_wave(&routes, wave_start, &mission.depots[*depot].id) + 1
                            );
                            let ids: Vec<&str> = now
                                .iter()
                                .map(|(o, _)| mission.orders[o.order].id.as_str())
                                .collect();
                            let route = build_route(
                                graph,
                                &problem,
                                &stops,
                                r,
                                &now,
                                &ids,
                                van_id,
                                &mission.depots[*depot].id,
                                wave_start,
                            );
                            let idx = routes.len();
                            for &c in r {
                                outcomes.push((now[c - 1].0.order, Ok(idx)));
                            }
                            routes.push(route);
                        }
                        now.clear();
                    }
                    Err(violations) => {
                        // Move the customers that break the wave to the next one.
                        let mut drop: Vec<usize> = violations
                            .iter()
                            .filter_map(|v| match v {
                                Violation::Late { customer, .. } => Some(*customer),
                                Violation::Capacity { route, .. }
                                | Violation::LateReturn { route, .. } => {
                                    solution.routes.get(*route).and_then(|r| r.last().copied())
                                }
                                _ => None,
                            })
                            .collect();
                        if drop.is_empty() {
                            drop.push(now.len()); // the last customer
                        }
                        drop.sort_unstable();
                        drop.dedup();
                        for c in drop.into_iter().rev() {
                            if (1..=now.len()).contains(&c) {
                                deferred.push(now.remove(c - 1));
                            }
                        }
                    }
                }
            }
            deferred.extend(now);
            waiting.extend(deferred);
            waiting.sort_by_key(|(o, _)| o.order);
            wave_start = wave_end;
        }
        for (o, _) in waiting {
            outcomes.push((o.order, Err(format!(
                "van: no van wave before the end of the shift could deliver it inside its window (ready {}, window ends {})",
                crate::mission::ClockTime(o.ready_s),
                crate::mission::ClockTime(o.window_to_s)
            ))));
        }
    }
    outcomes.sort_by_key(|(o, _)| *o);
    (routes, outcomes)
}

fn routes_in_wave(routes: &[VanRoute], wave_start: f64, depot: &str) -> usize {
    routes.iter().filter(|r| r.depot_id == depot && r.times_s.first() == Some(&wave_start)).count()
}

/// The road polyline and timetable of one solved route.
#[allow(clippy::too_many_arguments)]
fn build_route(
    graph: &RoadGraph,
    problem: &VrptwProblem,
    stops: &[NodeId],
    route: &[usize],
    orders: &[(VanOrder, NodeId)],
    order_ids: &[&str],
    van_id: String,
    depot_id: &str,
    depart_s: f64,
) -> VanRoute {
    let mut r = VanRoute {
        van_id,
        depot_id: depot_id.to_string(),
        stops: Vec::new(),
        path_m: vec![graph.point(stops[0])],
        times_s: vec![depart_s],
        node_ids: vec![graph.osm_id(stops[0])],
        distance_m: 0.0,
        load_kg: 0.0,
        load_m3: 0.0,
    };
    let mut t = depart_s;
    let mut at = 0usize;
    let sequence: Vec<usize> = route.iter().copied().chain(std::iter::once(0)).collect();
    for &next in &sequence {
        if let Some(leg) = graph.route(stops[at], stops[next]) {
            for i in 1..leg.points.len() {
                r.path_m.push(leg.points[i]);
                r.times_s.push(t + leg.cumulative_time_s[i]);
                r.node_ids.push(leg.node_ids[i]);
            }
            t += leg.time_s;
            r.distance_m += leg.distance_m;
        }
        if next != 0 {
            let node = &problem.nodes()[next];
            let (o, _) = &orders[next - 1];
            let start = t.max(node.ready);
            if start > t {
                r.path_m.push(graph.point(stops[next]));
                r.times_s.push(start);
                r.node_ids.push(graph.osm_id(stops[next]));
            }
            let depart = start + node.service;
            r.path_m.push(graph.point(stops[next]));
            r.times_s.push(depart);
            r.node_ids.push(graph.osm_id(stops[next]));
            r.stops.push(VanStop {
                order_id: order_ids[next - 1].to_string(),
                pos_m: graph.point(stops[next]),
                arrive_s: t,
                service_start_s: start,
                depart_s: depart,
            });
            r.load_kg += o.demand[0];
            r.load_m3 += o.demand[1];
            t = depart;
        }
        at = next;
    }
    r
}

/// The delivery window of a van order: (from, to), seconds since midnight.
pub(crate) fn window(
    mission: &Mission,
    order: usize,
    ready_s: f64,
    shift_end_s: f64,
) -> (f64, f64) {
    match mission.orders[order].service {
        Service::Window(w) => (w.from.seconds().max(ready_s), w.to.seconds()),
        Service::SameDay | Service::Express => (ready_s, shift_end_s),
    }
}
