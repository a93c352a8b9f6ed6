//! An independent checker of a plan against its mission.
//!
//! Entry point: [`verify`]. It shares no code with `search` or `trajectory`: it samples
//! every flight densely on its own (every [`CHECK_STEP_M`] along the straight lines
//! between stored samples) and asks the world's validity checker for clearance, and it
//! re-integrates each flight's energy from its samples with the energy model. Every
//! violation names the order, the vehicle, the time and the place.

use std::collections::HashMap;

use nalgebra::Vector3;

use crate::energy::model::{self, EnergySample};
use crate::ground::roads::RoadGraph;
use crate::mission::{Mission, Service};
use crate::plan::{Outcome, Phase, Plan};
use crate::world::{TimeSpan, World};

/// Longest step between two clearance checks along a flight, m.
pub const CHECK_STEP_M: f64 = 0.5;

/// The closest approach to an obstacle, where it is closer than the margin.
#[derive(Debug, Clone, PartialEq)]
pub struct ClearanceBreach {
    /// Distance to the nearest obstacle, m.
    pub distance_m: f64,
    /// Mission time of that point, s after midnight.
    pub t_s: f64,
    /// The point, local metres.
    pub pos_m: [f64; 3],
    /// What the obstacle is (building id, zone name).
    pub obstacle: String,
}

/// Checks the straight piece from `a` to `b` (position in local metres, time in s) every
/// [`CHECK_STEP_M`] against the world's obstacles active at each point's time; returns
/// the closest approach if it is nearer than `margin_m`. The verifier's own clearance
/// test, public so that benchmarks and embedders check bare paths the same way.
///
/// ```no_run
/// # fn demo(world: &skylane_planner::world::World) {
/// use skylane_planner::verify::closest_approach;
/// let breach = closest_approach(world, ([0.0, 0.0, 60.0], 0.0), ([500.0, 0.0, 60.0], 0.0), 5.0);
/// assert!(breach.is_none(), "{breach:?}");
/// # }
/// ```
pub fn closest_approach(
    world: &World,
    a: ([f64; 3], f64),
    b: ([f64; 3], f64),
    margin_m: f64,
) -> Option<ClearanceBreach> {
    let d = Vector3::from(b.0) - Vector3::from(a.0);
    let steps = (d.norm() / CHECK_STEP_M).ceil().max(1.0) as usize;
    let mut worst: Option<ClearanceBreach> = None;
    for k in 0..=steps {
        let u = k as f64 / steps as f64;
        let p = Vector3::from(a.0) + d * u;
        let t = a.1 + (b.1 - a.1) * u;
        let p = [p.x, p.y, p.z];
        let c = world.clearance(p, TimeSpan::at(t), margin_m + 1.0);
        if c.distance_m < margin_m - 1e-6
            && worst.as_ref().is_none_or(|w| c.distance_m < w.distance_m)
        {
            let obstacle = c.nearest.map(|o| world.describe(o)).unwrap_or_default();
            worst = Some(ClearanceBreach { distance_m: c.distance_m, t_s: t, pos_m: p, obstacle });
        }
    }
    worst
}
/// Turn time constant of the corner speed rule (see the trajectory module docs), s.
const TURN_TIME_S: f64 = 1.0;
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
    check_accounting(plan, &mut out);
    for i in 0..plan.flights.len() {
        check_flight(plan, world, i, &mut out);
    }
    check_vehicle_overlap(plan, &mut out);
    if !plan.van_routes.is_empty() {
        let graph = RoadGraph::from_roads(&world.roads);
        for i in 0..plan.van_routes.len() {
            check_van_route(plan, world, &graph, i, &mut out);
        }
    }
    out
}

/// Capacity, windows, depot start and end, and continuity on the road graph (legal
/// directions, no teleporting, no speeding) of one van route.
fn check_van_route(
    plan: &Plan,
    world: &World,
    graph: &RoadGraph,
    index: usize,
    out: &mut Vec<Violation>,
) {
    let m = &plan.mission;
    let r = &plan.van_routes[index];
    let vid = r.van_id.as_str();
    let first_order = r.stops.first().map_or("", |s| s.order_id.as_str());
    // Every finding here is a van rule broken by this van, without a position.
    let van = |order: &str, t_s: Option<f64>, msg: String| v(Rule::Van, order, vid, t_s, None, msg);
    let Some(group) = m.fleet.vans.iter().find(|g| g.depot == r.depot_id) else {
        out.push(van(
            first_order,
            None,
            format!("route starts at {}, which has no vans", r.depot_id),
        ));
        return;
    };
    if r.path_m.len() != r.times_s.len()
        || r.path_m.len() != r.node_ids.len()
        || r.path_m.is_empty()
    {
        out.push(van(first_order, None, "path, times and node ids differ in length".into()));
        return;
    }
    if let Err(e) = graph.check_route(&r.node_ids) {
        out.push(van(first_order, None, format!("not a legal drive on the road graph: {e}")));
    }
    if let Err(e) = graph.check_route_times(&r.node_ids, &r.times_s, 1e-3) {
        out.push(van(first_order, None, format!("timing on the road graph: {e}")));
    }
    if let Some(depot) = m.depots.iter().find(|d| d.id == r.depot_id) {
        let p = world.frame.to_local(depot.lat_deg, depot.lon_deg);
        if let Some((node, _)) = graph.nearest_node(p) {
            let id = graph.osm_id(node);
            if r.node_ids.first() != Some(&id) || r.node_ids.last() != Some(&id) {
                out.push(van(
                    first_order,
                    r.times_s.first().copied(),
                    format!("does not start and end at depot {}", depot.id),
                ));
            }
        }
    }
    let (start, end) = (r.times_s[0], r.times_s[r.times_s.len() - 1]);
    if start < group.shift_start.seconds() - 1e-6 || end > group.shift_end.seconds() + 1e-6 {
        out.push(van(first_order, Some(end), "drives outside the van shift".into()));
    }
    let (mut kg, mut m3) = (0.0, 0.0);
    for stop in &r.stops {
        let Some(order) = m.orders.iter().find(|o| o.id == stop.order_id) else {
            out.push(van(&stop.order_id, None, "stop for an order not in the mission".into()));
            continue;
        };
        kg += order.payload_kg;
        m3 += order.volume_l / 1000.0;
        let ready = order.placed_at.seconds() + m.policy.pick_load_s;
        if start < ready - 1e-6 {
            out.push(van(
                &stop.order_id,
                Some(start),
                "the van leaves before the order is picked and loaded".into(),
            ));
        }
        let (from, to) = match order.service {
            Service::Window(w) => (w.from.seconds(), w.to.seconds()),
            _ => (ready, group.shift_end.seconds()),
        };
        if stop.service_start_s < from - 1e-6 || stop.service_start_s > to + 1e-6 {
            out.push(v(
                Rule::Promise,
                &stop.order_id,
                vid,
                Some(stop.service_start_s),
                None,
                format!(
                    "van delivery at {} outside its window {}..{}",
                    crate::mission::ClockTime(stop.service_start_s),
                    crate::mission::ClockTime(from),
                    crate::mission::ClockTime(to)
                ),
            ));
        }
        if stop.service_start_s < stop.arrive_s - 1e-6 {
            out.push(van(
                &stop.order_id,
                Some(stop.arrive_s),
                "service starts before the van arrives".into(),
            ));
        }
        let on_path = r.path_m.iter().zip(&r.times_s).any(|(p, t)| {
            (p[0] - stop.pos_m[0]).hypot(p[1] - stop.pos_m[1]) < 1e-6
                && (*t - stop.arrive_s).abs() < 1e-3
        });
        if !on_path {
            out.push(van(
                &stop.order_id,
                Some(stop.arrive_s),
                "the stop is not on the route's path at its arrival time".into(),
            ));
        }
    }
    if kg > group.capacity_kg + 1e-6 || m3 > group.capacity_m3 + 1e-6 {
        out.push(van(
            first_order,
            Some(start),
            format!(
                "carries {kg:.1} kg / {m3:.2} m^3, capacity {} kg / {} m^3",
                group.capacity_kg, group.capacity_m3
            ),
        ));
    }
}

fn v(
    rule: Rule,
    order: &str,
    vehicle: &str,
    t: Option<f64>,
    p: Option<[f64; 3]>,
    msg: String,
) -> Violation {
    Violation {
        rule,
        order_id: order.to_string(),
        vehicle: vehicle.to_string(),
        t_s: t,
        pos_m: p,
        message: msg,
    }
}

fn check_accounting(plan: &Plan, out: &mut Vec<Violation>) {
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

fn check_flight(plan: &Plan, world: &World, index: usize, out: &mut Vec<Violation>) {
    let m: &Mission = &plan.mission;
    let f = &plan.flights[index];
    let (oid, did) = (f.order_id.as_str(), f.drone_id.as_str());
    let s = &f.samples;
    if s.len() < 2 {
        out.push(v(Rule::Timing, oid, did, None, None, "flight has fewer than 2 samples".into()));
        return;
    }
    let Some(group) =
        m.fleet.drones.iter().find(|g| m.drone_spec(g).is_some_and(|s| s.name == f.drone_type))
    else {
        out.push(v(
            Rule::Vehicle,
            oid,
            did,
            None,
            None,
            format!("unknown drone type {}", f.drone_type),
        ));
        return;
    };
    let Some(spec) = m.drone_spec(group) else { return };
    let order = m.orders.iter().find(|o| o.id == f.order_id);
    let depot = m.depots.iter().find(|d| d.id == f.depot_id);

    // Depot pads.
    match depot {
        None => {
            out.push(v(Rule::Depot, oid, did, None, None, format!("unknown depot {}", f.depot_id)))
        }
        Some(d) => {
            let pad = world.frame.to_local(d.lat_deg, d.lon_deg);
            for (name, smp) in [("starts", &s[0]), ("ends", &s[s.len() - 1])] {
                let off =
                    ((smp.pos_m[0] - pad[0]).powi(2) + (smp.pos_m[1] - pad[1]).powi(2)).sqrt();
                if off > 0.5 || smp.pos_m[2].abs() > 0.01 {
                    out.push(v(
                        Rule::Depot,
                        oid,
                        did,
                        Some(smp.t_s),
                        Some(smp.pos_m),
                        format!(
                            "flight {name} {off:.1} m from the pad of depot {} at height {:.1} m",
                            d.id, smp.pos_m[2]
                        ),
                    ));
                }
            }
        }
    }

    // Timing, continuity, dynamics.
    let horiz = |x: [f64; 3]| (x[0] * x[0] + x[1] * x[1]).sqrt();
    for (i, w) in s.windows(2).enumerate() {
        let (a, b) = (&w[0], &w[1]);
        let dt = b.t_s - a.t_s;
        if dt.is_nan() || dt <= 0.0 {
            out.push(v(
                Rule::Timing,
                oid,
                did,
                Some(b.t_s),
                Some(b.pos_m),
                format!(
                    "time does not increase between samples {i} and {} ({} -> {} s)",
                    i + 1,
                    a.t_s,
                    b.t_s
                ),
            ));
            continue;
        }
        if dt > 1.0 + TOL {
            out.push(v(
                Rule::Timing,
                oid,
                did,
                Some(a.t_s),
                Some(a.pos_m),
                format!("{dt:.2} s between samples (max 1 s)"),
            ));
        }
        let d = Vector3::from(b.pos_m) - Vector3::from(a.pos_m);
        let vmax = spec.max_speed_mps.max(spec.max_climb_mps).max(spec.max_descent_mps);
        if d.norm() > vmax * dt * 1.01 + 0.01 {
            out.push(v(
                Rule::Timing,
                oid,
                did,
                Some(a.t_s),
                Some(a.pos_m),
                format!("jumps {:.1} m in {dt:.2} s", d.norm()),
            ));
        }
        let (va, vb) = (Vector3::from(a.vel_mps), Vector3::from(b.vel_mps));
        if (vb.norm() - va.norm()).abs() / dt > spec.max_accel_mps2 + TOL {
            out.push(v(
                Rule::Dynamics,
                oid,
                did,
                Some(b.t_s),
                Some(b.pos_m),
                format!(
                    "speed changes by {:.2} m/s^2 (max {})",
                    (vb.norm() - va.norm()).abs() / dt,
                    spec.max_accel_mps2
                ),
            ));
        }
        if va.norm() > 1e-6 && vb.norm() > 1e-6 {
            let turn = (va.dot(&vb) / (va.norm() * vb.norm())).clamp(-1.0, 1.0).acos();
            if turn > 1f64.to_radians() {
                let limit = spec.max_accel_mps2 * TURN_TIME_S / (2.0 * (turn / 2.0).sin());
                if va.norm().min(vb.norm()) > limit + TOL {
                    out.push(v(
                        Rule::Dynamics,
                        oid,
                        did,
                        Some(b.t_s),
                        Some(b.pos_m),
                        format!(
                            "turns {:.0} deg at {:.1} m/s (corner limit {limit:.1} m/s)",
                            turn.to_degrees(),
                            va.norm().min(vb.norm())
                        ),
                    ));
                }
            }
        }
    }
    for x in s {
        let vel = Vector3::from(x.vel_mps);
        if horiz(x.vel_mps) > spec.max_speed_mps + TOL {
            out.push(v(
                Rule::Dynamics,
                oid,
                did,
                Some(x.t_s),
                Some(x.pos_m),
                format!("ground speed {:.1} m/s over max {}", horiz(x.vel_mps), spec.max_speed_mps),
            ));
        }
        if vel.z > spec.max_climb_mps + TOL || -vel.z > spec.max_descent_mps + TOL {
            out.push(v(
                Rule::Dynamics,
                oid,
                did,
                Some(x.t_s),
                Some(x.pos_m),
                format!("vertical speed {:.1} m/s out of limits", vel.z),
            ));
        }
        if x.pos_m[2] > world.ceiling_m + TOL || x.pos_m[2] < -TOL {
            out.push(v(
                Rule::Altitude,
                oid,
                did,
                Some(x.t_s),
                Some(x.pos_m),
                format!("altitude {:.1} m outside 0..{} m", x.pos_m[2], world.ceiling_m),
            ));
        }
    }

    // Clearance, densely along every piece.
    let cruise = m.airspace.clearance_margin_m;
    let delivery = m.policy.delivery_margin_m;
    let mut reported = 0;
    for w in s.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        // A sample's phase is that of the motion to the next sample.
        let margin = if a.phase.is_delivery() { delivery } else { cruise };
        // One violation per piece between samples, at its closest approach.
        let worst = closest_approach(world, (a.pos_m, a.t_s), (b.pos_m, b.t_s), margin);
        if let Some(ClearanceBreach { distance_m: dist, t_s: t, pos_m: p, obstacle: what }) = worst
        {
            if reported < 20 {
                reported += 1;
                out.push(v(
                    Rule::Clearance,
                    oid,
                    did,
                    Some(t),
                    Some(p),
                    format!("{dist:.2} m from {what} (margin {margin} m)"),
                ));
            }
        }
    }

    // Drop point and promise.
    let lowering: Vec<_> = s.iter().filter(|x| x.phase == Phase::Lowering).collect();
    if let Some(order) = order {
        let dest = world.frame.to_local(order.lat_deg, order.lon_deg);
        match (lowering.first(), lowering.last()) {
            (Some(first), Some(_)) => {
                let off = ((first.pos_m[0] - dest[0]).powi(2) + (first.pos_m[1] - dest[1]).powi(2))
                    .sqrt();
                if off > m.policy.drop_radius_m + 1e-6 {
                    out.push(v(
                        Rule::Drop,
                        oid,
                        did,
                        Some(first.t_s),
                        Some(first.pos_m),
                        format!(
                            "package lowered {off:.1} m from the address (drop radius {} m)",
                            m.policy.drop_radius_m
                        ),
                    ));
                }
                let end = s
                    .iter()
                    .find(|x| x.t_s > first.t_s && x.phase != Phase::Lowering)
                    .map(|x| x.t_s)
                    .unwrap_or(first.t_s);
                if end - first.t_s < m.policy.lowering_s - 1e-6 {
                    out.push(v(
                        Rule::Drop,
                        oid,
                        did,
                        Some(first.t_s),
                        Some(first.pos_m),
                        format!(
                            "hovered {:.1} s, lowering needs {} s",
                            end - first.t_s,
                            m.policy.lowering_s
                        ),
                    ));
                }
                let due = match order.service {
                    Service::Window(w) => w.to.seconds().max(order.due_s()),
                    _ => order.due_s(),
                };
                if end > due + 1e-6 || (f.delivered_s - end).abs() > 1e-3 {
                    if end > due + 1e-6 {
                        out.push(v(
                            Rule::Promise,
                            oid,
                            did,
                            Some(end),
                            None,
                            format!(
                                "delivered at {} after the promise {}",
                                crate::mission::ClockTime(end),
                                crate::mission::ClockTime(due)
                            ),
                        ));
                    } else {
                        out.push(v(
                            Rule::Promise,
                            oid,
                            did,
                            Some(end),
                            None,
                            format!(
                                "flight claims delivery at {:.1} s but lowering ends at {end:.1} s",
                                f.delivered_s
                            ),
                        ));
                    }
                }
                if s[0].t_s < order.placed_at.seconds() + m.policy.pick_load_s - 1e-6 {
                    out.push(v(
                        Rule::Promise,
                        oid,
                        did,
                        Some(s[0].t_s),
                        None,
                        "takes off before the order is picked and loaded".into(),
                    ));
                }
            }
            _ => out.push(v(
                Rule::Drop,
                oid,
                did,
                None,
                None,
                "flight never lowers the package".into(),
            )),
        }
    }

    // Energy, re-integrated from the samples.
    let atm = m.weather.atmosphere();
    let es: Vec<EnergySample> = s.iter().map(|x| x.energy_sample()).collect();
    match (
        model::integrate_energy_wh(&spec, &atm, &es),
        model::usable_energy_wh(&spec, m.weather.temperature_c),
    ) {
        (Ok(cum), Ok(usable)) => {
            let total = *cum.last().unwrap_or(&0.0);
            if (total - f.energy_wh).abs() > 0.01 * total.max(1e-9) {
                out.push(v(
                    Rule::Energy,
                    oid,
                    did,
                    None,
                    None,
                    format!(
                        "stored energy {:.2} Wh, re-integrated {total:.2} Wh (over 1 %)",
                        f.energy_wh
                    ),
                ));
            }
            if let Some((i, x)) =
                s.iter().enumerate().find(|(i, x)| (x.soc - (1.0 - cum[*i] / usable)).abs() > 0.01)
            {
                out.push(v(
                    Rule::Energy,
                    oid,
                    did,
                    Some(x.t_s),
                    Some(x.pos_m),
                    format!(
                        "stored SoC {:.3} at sample {i}, re-integrated {:.3}",
                        x.soc,
                        1.0 - cum[i] / usable
                    ),
                ));
            }
            let soc_end = 1.0 - total / usable;
            if soc_end < m.policy.battery_reserve_fraction - 1e-9 {
                out.push(v(
                    Rule::Energy,
                    oid,
                    did,
                    s.last().map(|x| x.t_s),
                    None,
                    format!(
                        "lands with {:.1} % of usable energy, reserve is {:.0} %",
                        soc_end * 100.0,
                        m.policy.battery_reserve_fraction * 100.0
                    ),
                ));
            }
        }
        (Err(e), _) | (_, Err(e)) => out.push(v(
            Rule::Energy,
            oid,
            did,
            None,
            None,
            format!("energy cannot be computed: {e}"),
        )),
    }
}

fn check_vehicle_overlap(plan: &Plan, out: &mut Vec<Violation>) {
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
