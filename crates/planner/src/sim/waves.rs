//! Van waves of a live day: each wave is routed when it leaves, from the orders waiting
//! then and the vans still in service, by the day plan's router
//! ([`crate::dispatch::vans`]); a broken-down van's route is cut after a stop and towed
//! back to its depot.

use crate::dispatch::vans::{self, VanOrder, VanPlan, WAVE_S};
use crate::ground::roads::RoadGraph;
use crate::mission::Mission;
use crate::plan::VanRoute;

/// One van group's depot and the vans still in service.
#[derive(Debug, Clone)]
pub(super) struct VanGroup {
    /// Index in the mission's van groups.
    pub group: usize,
    /// Depot index.
    pub depot: usize,
    /// Ids of the vans in service, in the day plan's naming.
    pub working: Vec<String>,
}

/// The mission's van groups with vans, with their vans' ids.
pub(super) fn van_groups(mission: &Mission) -> Vec<VanGroup> {
    mission
        .fleet
        .vans
        .iter()
        .enumerate()
        .filter(|(_, g)| g.count > 0)
        .filter_map(|(i, g)| {
            let depot = mission.depots.iter().position(|d| d.id == g.depot)?;
            let working = (1..=g.count).map(|k| format!("{}/van#{k}", g.depot)).collect();
            Some(VanGroup { group: i, depot, working })
        })
        .collect()
}

/// The waves of van group `group`: (departure, return by), s, as the day plan cuts them.
pub(super) fn waves(mission: &Mission, group: usize) -> Vec<(f64, f64)> {
    let g = &mission.fleet.vans[group];
    let (start, end) = (g.shift_start.seconds(), g.shift_end.seconds());
    let mut out = Vec::new();
    let mut t = start;
    while t < end {
        let wave_end = (t + WAVE_S).min(end);
        let wave_end = if wave_end + WAVE_S > end { end } else { wave_end };
        out.push((t, wave_end));
        t = wave_end;
    }
    out
}

/// Routes one wave of `group` leaving at `wave.0` with the vans still in service; routes
/// carry the in-service vans' ids. Outcomes index into the returned routes.
pub(super) fn route_wave(
    mission: &Mission,
    graph: &RoadGraph,
    depot_xy: &[[f64; 2]],
    dests: &[[f64; 2]],
    group: &VanGroup,
    wave: (f64, f64),
    orders: Vec<VanOrder>,
) -> VanPlan {
    // The router plans from the shift start: a one-wave shift with the vans in service.
    let mut one = mission.clone();
    let mut g = mission.fleet.vans[group.group].clone();
    g.shift_start = crate::mission::ClockTime(wave.0);
    g.shift_end = crate::mission::ClockTime(wave.1);
    g.count = group.working.len() as u32;
    one.fleet.vans = vec![g];
    let mut plan = vans::route_vans(&one, graph, depot_xy, dests, orders);
    for (r, id) in plan.routes.iter_mut().zip(&group.working) {
        r.van_id = id.clone();
    }
    plan
}

/// A route cut by a breakdown as the van leaves its `k`-th stop (`k` = 0: on leaving the
/// depot): the route as driven and towed back (`None` if it never left), the breakdown
/// time, the time the van and its parcels are back at the depot, and the orders it did
/// not deliver.
pub(super) struct Breakdown {
    pub route: Option<VanRoute>,
    pub at_s: f64,
    pub back_s: f64,
    pub undelivered: Vec<String>,
}

/// Cuts `route` after its `k`-th stop and tows it back to the depot at `depot_xy`.
pub(super) fn break_down(
    mission: &Mission,
    graph: &RoadGraph,
    route: &VanRoute,
    k: usize,
    depot_xy: [f64; 2],
) -> Breakdown {
    let k = k.min(route.stops.len());
    let undelivered: Vec<String> = route.stops[k..].iter().map(|s| s.order_id.clone()).collect();
    let start = route.times_s.first().copied().unwrap_or(0.0);
    let cut = (k > 0).then(|| &route.stops[k - 1]).and_then(|last| {
        let i = route.times_s.iter().zip(&route.path_m).position(|(t, p)| {
            (t - last.depart_s).abs() < 1e-9 && p[0] == last.pos_m[0] && p[1] == last.pos_m[1]
        })?;
        Some((i, last.depart_s))
    });
    let Some((i, at_s)) = cut else {
        return Breakdown { route: None, at_s: start, back_s: start, undelivered };
    };
    let mut r = route.clone();
    r.stops.truncate(k);
    r.path_m.truncate(i + 1);
    r.times_s.truncate(i + 1);
    r.node_ids.truncate(i + 1);
    let from = graph.node_by_osm_id(r.node_ids[i]);
    let to = graph.nearest_node(depot_xy).map(|(n, _)| n);
    let mut back_s = at_s;
    if let Some(leg) = from.zip(to).and_then(|(a, b)| graph.route(a, b)) {
        for j in 1..leg.points.len() {
            r.path_m.push(leg.points[j]);
            r.times_s.push(at_s + leg.cumulative_time_s[j]);
            r.node_ids.push(leg.node_ids[j]);
        }
        back_s = at_s + leg.time_s;
    }
    r.distance_m = driven_m(graph, &r.node_ids);
    r.load_kg = 0.0;
    r.load_m3 = 0.0;
    for s in &r.stops {
        if let Some(o) = mission.orders.iter().find(|o| o.id == s.order_id) {
            r.load_kg += o.payload_kg;
            r.load_m3 += o.volume_l / 1000.0;
        }
    }
    Breakdown { route: Some(r), at_s, back_s, undelivered }
}

/// Road length of a drive through `node_ids` (OSM ids), m.
fn driven_m(graph: &RoadGraph, node_ids: &[i64]) -> f64 {
    node_ids
        .windows(2)
        .filter_map(|w| {
            let (a, b) = (graph.node_by_osm_id(w[0])?, graph.node_by_osm_id(w[1])?);
            (a != b).then(|| graph.edge(a, b).map(|e| e.length_m)).flatten()
        })
        .sum::<f64>()
        + 0.0
}
