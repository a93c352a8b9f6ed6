//! The driver loop: one timeline of order placements, faults, van waves and breakdowns,
//! processed in time order against the live dispatcher, with the invariants checked
//! after every event (see the parent module's docs for the rules).

use std::collections::{BTreeMap, BTreeSet};

use super::events::{draw_faults, Fault, FaultKind};
use super::waves::{break_down, route_wave, van_groups, waves, VanGroup};
use super::{invariants, report, OrderRecord, OrderState, SimDay};
use crate::dispatch::vans::{self, VanOrder, VanPlan};
use crate::dispatch::{
    summarise, Dispatcher, DivertMode, Diverted, FleetDrone, Planners, QuoteMode, DIVERT_RETRY_S,
    REST_OF_DAY_S,
};
use crate::ground::roads::RoadGraph;
use crate::mission::{ClockTime, LatLon, Mission, NoFlyZoneSpec, Service, TimeWindow};
use crate::plan::{
    promised_s, DiversionEnd, Flight, MapRef, OrderOutcome, Outcome, Plan, Reason, ReasonKind,
    Reasons, VanRoute, VanWave, PLAN_FORMAT,
};
use crate::world::World;

/// Simulates `mission`'s day over `world` with the faults drawn from `seed`.
pub fn simulate(mission: &Mission, world: &World, map: MapRef, seed: u64) -> SimDay {
    let planners = Dispatcher::new(mission, world).planners();
    simulate_with(mission, world, map, seed, planners)
}

/// [`simulate`] with city planners (and their trees) shared with earlier days over the
/// same world, from [`Dispatcher::planners`]: many seeds of one day search each tree
/// once. The day is the same as without them.
pub fn simulate_with<'w>(
    mission: &Mission,
    world: &'w World,
    map: MapRef,
    seed: u64,
    planners: Planners<'w>,
) -> SimDay {
    let fleet = Dispatcher::new(mission, world).fleet();
    let faults = draw_faults(mission, &fleet, seed);
    run_day(mission, world, map, faults, planners)
}

/// Simulates `mission`'s day over `world` with the given faults.
pub fn simulate_faults(
    mission: &Mission,
    world: &World,
    map: MapRef,
    faults: Vec<Fault>,
) -> SimDay {
    let planners = Dispatcher::new(mission, world).planners();
    run_day(mission, world, map, faults, planners)
}

fn run_day<'w>(
    mission: &Mission,
    world: &'w World,
    map: MapRef,
    faults: Vec<Fault>,
    planners: Planners<'w>,
) -> SimDay {
    let zone_worlds = zone_worlds(mission, world, &faults);
    let mut day = Day::new(mission, world, &zone_worlds, faults, planners);
    day.run();
    day.finish(map)
}

/// For each zone activated at short notice, in the faults' order, the world with that
/// zone and every earlier one added (the dispatcher moves to it at the notice).
fn zone_worlds(mission: &Mission, world: &World, faults: &[Fault]) -> Vec<World> {
    let mut zones = world.zones.clone();
    let mut out = Vec::new();
    for z in faults.iter().filter_map(|f| f.zone(mission.airspace.ceiling_agl_m)) {
        zones.push(z);
        out.push(World::new(
            world.frame,
            world.buildings.clone(),
            zones.clone(),
            world.roads.clone(),
            world.ceiling_m,
            world.bounds,
        ));
    }
    out
}

/// What happens at one point of the timeline.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// A fault becomes known (index into the faults).
    Fault(usize),
    /// An order is placed (index into the mission's orders).
    Place(usize),
    /// A van wave of group `group` leaves at `wave.0`, back by `wave.1`.
    Wave { group: usize, wave: (f64, f64) },
    /// Route `route` breaks down after its `stop`-th stop.
    Breakdown { route: usize, stop: usize },
}

impl Event {
    /// At one instant: faults first, then placements, then departures.
    fn rank(&self) -> u8 {
        match self {
            Event::Fault(_) => 0,
            Event::Place(_) => 1,
            Event::Wave { .. } => 2,
            Event::Breakdown { .. } => 3,
        }
    }
}

struct Timed {
    t_s: f64,
    seq: usize,
    event: Event,
}

fn before(a: &Timed, b: &Timed) -> bool {
    a.t_s.total_cmp(&b.t_s).then(a.event.rank().cmp(&b.event.rank())).then(a.seq.cmp(&b.seq))
        == std::cmp::Ordering::Less
}

/// The state of a simulated day.
struct Day<'a, 'w> {
    mission: &'a Mission,
    world: &'w World,
    /// The worlds with the zones activated at short notice (see [`zone_worlds`]).
    zone_worlds: &'w [World],
    /// Zones activated so far (indices into `zone_worlds`, one past the last).
    zones_active: usize,
    /// Drones that failed in the air, and when: held on the ground for the rest of the
    /// day (checked as groundings).
    failed: Vec<Fault>,
    d: Dispatcher<'w>,
    fleet: Vec<FleetDrone>,
    faults: Vec<Fault>,
    orders: Vec<OrderRecord>,
    by_id: BTreeMap<String, usize>,
    routes: Vec<Option<VanRoute>>,
    van_reason: Vec<Option<Reason>>,
    /// Each van wave's search, as routed when it left.
    van_waves: Vec<VanWave>,
    /// Why each van order is not flown (the dispatcher's reason), by order index.
    why_van: Vec<Reasons>,
    groups: Vec<VanGroup>,
    graph: Option<RoadGraph>,
    depot_xy: Vec<[f64; 2]>,
    dests: Vec<[f64; 2]>,
    queue: Vec<Timed>,
    seq: usize,
    pending_breakdowns: Vec<usize>,
    affected: BTreeMap<FaultKind, BTreeSet<usize>>,
    log: Vec<String>,
    violations: Vec<String>,
}

impl<'a, 'w> Day<'a, 'w> {
    fn new(
        mission: &'a Mission,
        world: &'w World,
        zone_worlds: &'w [World],
        faults: Vec<Fault>,
        planners: Planners<'w>,
    ) -> Day<'a, 'w> {
        let d = Dispatcher::new(mission, world).with_planners(planners);
        let frame = &world.frame;
        let groups = van_groups(mission);
        let mut day = Day {
            mission,
            world,
            zone_worlds,
            zones_active: 0,
            failed: Vec::new(),
            fleet: d.fleet(),
            d,
            orders: mission
                .orders
                .iter()
                .map(|o| OrderRecord {
                    order_id: o.id.clone(),
                    state: OrderState::Unplaced,
                    promised_by_s: None,
                    cause: None,
                    redispatched: 0,
                    broken_promise: false,
                })
                .collect(),
            by_id: mission.orders.iter().enumerate().map(|(i, o)| (o.id.clone(), i)).collect(),
            routes: Vec::new(),
            van_reason: vec![None; mission.orders.len()],
            van_waves: Vec::new(),
            why_van: vec![Reasons::none(); mission.orders.len()],
            graph: (!groups.is_empty()).then(|| RoadGraph::from_roads(&world.roads)),
            depot_xy: mission.depots.iter().map(|d| frame.to_local(d.lat_deg, d.lon_deg)).collect(),
            dests: mission.orders.iter().map(|o| frame.to_local(o.lat_deg, o.lon_deg)).collect(),
            groups,
            queue: Vec::new(),
            seq: 0,
            pending_breakdowns: Vec::new(),
            affected: BTreeMap::new(),
            log: Vec::new(),
            violations: Vec::new(),
            faults,
        };
        for (i, o) in mission.orders.iter().enumerate() {
            day.push(o.placed_at.seconds(), Event::Place(i));
        }
        for (i, f) in day.faults.clone().iter().enumerate() {
            match f {
                Fault::VanBreakdown { .. } => day.pending_breakdowns.push(i),
                _ => day.push(f.known_at_s(), Event::Fault(i)),
            }
        }
        for g in 0..day.groups.len() {
            for wave in waves(mission, day.groups[g].group) {
                day.push(wave.0, Event::Wave { group: g, wave });
            }
        }
        day
    }

    fn push(&mut self, t_s: f64, event: Event) {
        let e = Timed { t_s, seq: self.seq, event };
        self.seq += 1;
        let at = self.queue.partition_point(|q| before(q, &e));
        self.queue.insert(at, e);
    }

    fn note(&mut self, t_s: f64, kind: &str, text: String) {
        self.log.push(format!("{}  {kind:<16} {text}", ClockTime(t_s)));
    }

    fn run(&mut self) {
        while !self.queue.is_empty() {
            let Timed { t_s, event, .. } = self.queue.remove(0);
            self.d.advance_to(t_s);
            match event {
                Event::Place(i) => self.place(i),
                Event::Fault(f) => self.fault(f),
                Event::Wave { group, wave } => self.wave(group, wave),
                Event::Breakdown { route, stop } => self.breakdown(route, stop),
            }
            let found = invariants::check_state(&self.orders, self.d.flights(), &self.routes);
            let known: Vec<&Fault> =
                self.faults.iter().chain(&self.failed).filter(|f| f.known_at_s() <= t_s).collect();
            let broken = invariants::check_fault_rules(&known, self.d.flights(), self.mission);
            for v in found.into_iter().chain(broken) {
                self.violations.push(format!("after the event at {}: {v}", ClockTime(t_s)));
            }
        }
    }

    /// Dispatches order `i` now; `cause` is the fault that sends it again.
    fn dispatch(&mut self, i: usize, cause: Option<FaultKind>) {
        let o = &self.mission.orders[i];
        let now = self.d.now_s();
        let q = self.d.commit(o);
        let rec = &mut self.orders[i];
        let first = cause.is_none();
        let (state, promise, text) = match q.mode {
            QuoteMode::Drone { drone_id, takeoff_s, eta_s, .. } => (
                OrderState::Drone,
                Some(o.due_s()),
                format!(
                    "{}: drone {drone_id}, take-off {}, delivery {}",
                    o.id,
                    ClockTime(takeoff_s),
                    ClockTime(eta_s)
                ),
            ),
            QuoteMode::Van { reason } => {
                self.why_van[i] = reason.clone();
                let ready_s = (o.placed_at.seconds() + self.mission.policy.pick_load_s).max(now);
                let text = format!("{}: van (no drone: {reason})", o.id);
                (OrderState::VanWaiting { ready_s }, Some(van_deadline_s(self.mission, i)), text)
            }
            QuoteMode::Refused { reason } => {
                let text = format!("{}: rejected ({reason})", o.id);
                (OrderState::Rejected { reason }, None, text)
            }
        };
        rec.state = state;
        if first {
            rec.promised_by_s = promise;
        } else {
            rec.redispatched += 1;
            rec.cause = cause;
        }
        let kind = if first { "order" } else { "  re-dispatched" };
        self.note(now, kind, text);
    }

    fn place(&mut self, i: usize) {
        self.dispatch(i, None);
    }

    fn fault(&mut self, f: usize) {
        let fault = self.faults[f].clone();
        let now = self.d.now_s();
        self.note(now, fault.kind().name(), fault.to_string());
        let held: Vec<String> = match &fault {
            Fault::Grounded { drone_id, .. } => vec![drone_id.clone()],
            Fault::Wind { type_name, .. } => self
                .fleet
                .iter()
                .filter(|d| d.type_name == *type_name)
                .map(|d| d.id.clone())
                .collect(),
            Fault::PadOut { depot_id, pad, .. } => self
                .fleet
                .iter()
                .filter(|d| d.depot_id == *depot_id && d.pad == *pad)
                .map(|d| d.id.clone())
                .collect(),
            Fault::Cancelled { order_id, .. } => return self.cancel(order_id),
            Fault::DroneFailure { pick, .. } => return self.drone_failure(*pick),
            Fault::ZoneActivated { .. } => return self.zone_activated(&fault),
            Fault::VanBreakdown { .. } => return,
        };
        let until = match fault {
            Fault::Grounded { to_s, .. }
            | Fault::Wind { to_s, .. }
            | Fault::PadOut { to_s, .. } => to_s,
            _ => now,
        };
        let released = self.d.hold_drones(&held, until);
        self.redispatch_released(released, fault.kind());
    }

    /// Dispatches again the orders of bookings a fault of `kind` released.
    fn redispatch_released(&mut self, released: Vec<Flight>, kind: FaultKind) {
        let now = self.d.now_s();
        for flight in released {
            let Some(&i) = self.by_id.get(&flight.order_id) else { continue };
            self.affected.entry(kind).or_default().insert(i);
            let text = format!(
                "{}: released from {} (take-off {})",
                flight.order_id,
                flight.drone_id,
                ClockTime(flight.takeoff_s)
            );
            self.note(now, "  released", text);
            self.dispatch(i, Some(kind));
        }
    }

    /// A drone in the air fails: the `pick`-th of the flights in the air comes down at
    /// the nearest safe spot, the drone is held for the rest of the day, and the orders
    /// it no longer serves (this one if not yet delivered, its later bookings) are
    /// dispatched again.
    fn drone_failure(&mut self, pick: u64) {
        let now = self.d.now_s();
        let kind = FaultKind::DroneFailure;
        let in_air: Vec<String> = self
            .d
            .airborne()
            .iter()
            .filter(|f| f.diversion.is_none())
            .map(|f| f.order_id.clone())
            .collect();
        if in_air.is_empty() {
            self.note(now, "  no effect", "no drone in the air".into());
            return;
        }
        let order_id = in_air[(pick % in_air.len() as u64) as usize].clone();
        let failing = self.d.divert_airborne(&order_id, DivertMode::Land, "drone failure", now);
        let Some(div) = failing else {
            self.note(now, "  no effect", format!("{order_id}: its drone is already landing"));
            return;
        };
        let drone_id = div.flight.drone_id.clone();
        self.failed.push(Fault::Grounded {
            drone_id: drone_id.clone(),
            from_s: now,
            to_s: REST_OF_DAY_S,
        });
        self.note_diversion(&div);
        let mut released = div.released;
        released.extend(self.d.hold_drones(&[drone_id], REST_OF_DAY_S));
        self.after_diversion(&div.flight, kind);
        self.redispatch_released(released, kind);
    }

    /// A zone becomes known: the dispatcher plans over the world with it from now on;
    /// bookings not yet in the air that would enter it are released and dispatched
    /// again; flights in the air whose way ahead enters it go home or come down before
    /// it is active.
    fn zone_activated(&mut self, fault: &Fault) {
        let kind = FaultKind::ZoneActivated;
        let Some(world) = self.zone_worlds.get(self.zones_active) else { return };
        self.zones_active += 1;
        let Some(zone) = fault.zone(self.mission.airspace.ceiling_agl_m) else { return };
        self.d.switch_world(world);
        let released = self.d.release_entering(&zone);
        self.redispatch_released(released, kind);
        let cause = format!(
            "zone {} active from {}",
            zone.id,
            ClockTime(zone.window_s.map_or(0.0, |w| w.0))
        );
        for order_id in self.d.airborne_entering(&zone) {
            let now = self.d.now_s();
            // Until the zone is active the drone may keep its course while it looks for
            // a way home that keeps the minima (less one retry step to turn in).
            let latest_s = zone.window_s.map_or(now, |w| w.0 - DIVERT_RETRY_S);
            let diverted = self.d.divert_airborne(&order_id, DivertMode::Return, &cause, latest_s);
            let Some(div) = diverted else {
                self.note(
                    now,
                    "  not diverted",
                    format!("{order_id}: no way down avoids the zone"),
                );
                continue;
            };
            self.note_diversion(&div);
            self.after_diversion(&div.flight, kind);
            self.redispatch_released(div.released, kind);
        }
    }

    /// Logs a diversion.
    fn note_diversion(&mut self, div: &Diverted) {
        let f = &div.flight;
        let Some(d) = &f.diversion else { return };
        let end = match d.ending {
            DiversionEnd::Pad => "back on its pad".to_string(),
            DiversionEnd::Spot { pos_m } => format!("down at ({:.0}, {:.0}) m", pos_m[0], pos_m[1]),
        };
        let text = format!(
            "{}: {} diverted ({}), {end} at {}{}{}",
            f.order_id,
            f.drone_id,
            d.cause,
            ClockTime(f.landed_s),
            if d.delivered { ", package already delivered" } else { ", package on board" },
            if div.separated { "" } else { "; SEPARATION NOT ASSURED" }
        );
        self.note(d.at_s, "  diverted", text);
    }

    /// The order of a diverted flight that did not deliver is dispatched again (a new
    /// package from the nest, a van, or a rejection with the reason).
    fn after_diversion(&mut self, flight: &Flight, kind: FaultKind) {
        let Some(&i) = self.by_id.get(&flight.order_id) else { return };
        self.affected.entry(kind).or_default().insert(i);
        if !flight.delivers() {
            self.dispatch(i, Some(kind));
        }
    }

    fn cancel(&mut self, order_id: &str) {
        let now = self.d.now_s();
        let Some(&i) = self.by_id.get(order_id) else { return };
        self.affected.entry(FaultKind::Cancelled).or_default().insert(i);
        let text = match self.orders[i].state.clone() {
            OrderState::Drone => match self.d.cancel_booking(order_id) {
                Some(f) => {
                    self.orders[i].state = OrderState::Cancelled { at_s: now };
                    format!(
                        "{order_id}: freed {} before its take-off at {}",
                        f.drone_id,
                        ClockTime(f.takeoff_s)
                    )
                }
                None => {
                    let f = self.d.flights().iter().find(|f| f.order_id == order_id);
                    let (up, at) = f.map_or((now, now), |f| (f.takeoff_s, f.delivered_s));
                    if at <= now {
                        format!("{order_id}: no effect, already delivered at {}", ClockTime(at))
                    } else {
                        format!(
                            "{order_id}: too late, took off at {}: delivered at {} (a parcel in the air is delivered)",
                            ClockTime(up),
                            ClockTime(at)
                        )
                    }
                }
            },
            OrderState::VanWaiting { .. } => {
                self.orders[i].state = OrderState::Cancelled { at_s: now };
                format!("{order_id}: freed its place in the van waves")
            }
            OrderState::Van { route } => {
                let stop = self.routes[route].as_ref().and_then(|r| {
                    r.stops.iter().find(|s| s.order_id == order_id).map(|s| s.service_start_s)
                });
                let at = stop.unwrap_or(now);
                if at <= now {
                    format!("{order_id}: no effect, already delivered at {}", ClockTime(at))
                } else {
                    format!(
                        "{order_id}: too late, its van has left: delivered at {} (a parcel on board is delivered)",
                        ClockTime(at)
                    )
                }
            }
            OrderState::Cancelled { .. } | OrderState::Rejected { .. } | OrderState::Unplaced => {
                format!("{order_id}: no effect (already {:?})", self.orders[i].state)
            }
        };
        self.note(now, "  cancel", text);
    }

    fn wave(&mut self, g: usize, wave: (f64, f64)) {
        let Some(graph) = self.graph.as_ref() else { return };
        let group = &self.groups[g];
        let shift_end = self.mission.fleet.vans[group.group].shift_end.seconds();
        let waiting: Vec<VanOrder> = (0..self.orders.len())
            .filter_map(|i| match self.orders[i].state {
                OrderState::VanWaiting { ready_s } if ready_s <= wave.0 => {
                    let o = &self.mission.orders[i];
                    let (from, to) = vans::window(self.mission, i, ready_s, shift_end);
                    Some(VanOrder {
                        order: i,
                        ready_s,
                        window_from_s: from,
                        window_to_s: to,
                        demand: [o.payload_kg, o.volume_l / 1000.0],
                    })
                }
                _ => None,
            })
            .collect();
        if waiting.is_empty() || group.working.is_empty() {
            return;
        }
        let VanPlan { routes, outcomes, waves } =
            route_wave(self.mission, graph, &self.depot_xy, &self.dests, group, wave, waiting);
        self.van_waves.extend(waves);
        let base = self.routes.len();
        let n_routes = routes.len();
        self.routes.extend(routes.into_iter().map(Some));
        let mut sent = 0;
        for (i, r) in outcomes {
            match r {
                Ok(k) => {
                    self.orders[i].state = OrderState::Van { route: base + k };
                    sent += 1;
                }
                Err(reason) => self.van_reason[i] = Some(reason),
            }
        }
        let text =
            format!("{n_routes} van(s) out with {sent} order(s), back by {}", ClockTime(wave.1));
        self.note(wave.0, "wave", text);
        if n_routes > 0 {
            self.arm_breakdown(base, n_routes, wave.0);
        }
    }

    /// Schedules the first pending breakdown due by `departure_s` on one of the routes
    /// `base..base + n` that just left.
    fn arm_breakdown(&mut self, base: usize, n: usize, departure_s: f64) {
        let Some(pos) = self
            .pending_breakdowns
            .iter()
            .position(|&f| self.faults[f].known_at_s() <= departure_s)
        else {
            return;
        };
        let f = self.pending_breakdowns.remove(pos);
        let Fault::VanBreakdown { route, stop, .. } = self.faults[f] else { return };
        let r = base + (route % n as u64) as usize;
        let Some(rt) = self.routes[r].as_ref() else { return };
        let k = (stop % (rt.stops.len() as u64 + 1)) as usize;
        let at = if k == 0 { departure_s } else { rt.stops[k - 1].depart_s };
        self.push(at, Event::Breakdown { route: r, stop: k });
    }

    fn breakdown(&mut self, route: usize, stop: usize) {
        let Some(graph) = self.graph.as_ref() else { return };
        let Some(r) = self.routes[route].clone() else { return };
        let Some(g) = self.groups.iter().position(|g| g.working.contains(&r.van_id)) else {
            return;
        };
        let depot = self.depot_xy[self.groups[g].depot];
        let b = break_down(self.mission, graph, &r, stop, depot);
        self.routes[route] = b.route;
        self.groups[g].working.retain(|id| *id != r.van_id);
        let text = format!(
            "{} broke down after {stop} stop(s); towed back by {}; {} order(s) wait for the next wave",
            r.van_id,
            ClockTime(b.back_s),
            b.undelivered.len()
        );
        self.note(b.at_s, FaultKind::VanBreakdown.name(), text);
        for id in b.undelivered {
            let Some(&i) = self.by_id.get(&id) else { continue };
            self.orders[i].state = OrderState::VanWaiting { ready_s: b.back_s };
            self.orders[i].redispatched += 1;
            self.orders[i].cause = Some(FaultKind::VanBreakdown);
            self.affected.entry(FaultKind::VanBreakdown).or_default().insert(i);
        }
    }

    /// Final outcomes, the plan, the end-of-day invariants and the report.
    fn finish(mut self, map: MapRef) -> SimDay {
        let end_s = self.d.now_s();
        for i in 0..self.orders.len() {
            if let OrderState::VanWaiting { ready_s } = self.orders[i].state {
                let reason = Reasons::from(self.van_reason[i].take().unwrap_or_else(|| {
                    let why = format!(
                        "no van wave in service left after it was ready at {}",
                        ClockTime(ready_s)
                    );
                    Reason::new(ReasonKind::Van, why)
                }));
                let text = format!("{}: rejected ({reason})", self.orders[i].order_id);
                self.note(end_s, "end of day", text);
                self.orders[i].state = OrderState::Rejected { reason };
            }
        }
        let plan = self.plan(map);
        invariants::mark_broken_promises(&mut self.orders, &plan);
        self.report_broken_promises(end_s, &plan);
        let faults: Vec<Fault> = self.faults.iter().chain(&self.failed).cloned().collect();
        self.violations.extend(invariants::check_final(
            &self.orders,
            &plan,
            self.final_world(),
            &faults,
        ));
        let report =
            report::report(&self.faults, &self.orders, &self.affected, &plan, &self.violations);
        SimDay {
            plan,
            faults: self.faults,
            orders: self.orders,
            log: self.log,
            invariant_violations: self.violations,
            report,
        }
    }

    /// One log line per broken promise: the order, its deadline, what became of it and
    /// the fault that last moved it.
    fn report_broken_promises(&mut self, end_s: f64, plan: &Plan) {
        for (rec, out) in self.orders.clone().iter().zip(&plan.outcomes) {
            if !rec.broken_promise {
                continue;
            }
            let what = match &out.outcome {
                Outcome::Drone { flight } => {
                    format!(
                        "delivered by drone at {}",
                        ClockTime(plan.flights[*flight].delivered_s)
                    )
                }
                Outcome::Van { route, .. } => {
                    let stop =
                        plan.van_routes[*route].stops.iter().find(|s| s.order_id == rec.order_id);
                    format!(
                        "delivered by van at {}",
                        ClockTime(stop.map_or(0.0, |s| s.service_start_s))
                    )
                }
                Outcome::Rejected { reason } => format!("rejected ({reason})"),
            };
            let text = format!(
                "{}: promised by {}, {what}; cause: {}",
                rec.order_id,
                ClockTime(rec.promised_by_s.unwrap_or(0.0)),
                rec.cause.map_or("not moved by a fault", |k| k.name())
            );
            self.note(end_s, "broken promise", text);
        }
    }

    /// The day as a plan: flights in mission order of their orders, the routes driven,
    /// and one outcome per order; fixes the records' route indices to the plan's.
    fn plan(&mut self, map: MapRef) -> Plan {
        let mut flights = self.d.flights().to_vec();
        flights.sort_by_key(|f| self.by_id.get(&f.order_id).copied().unwrap_or(usize::MAX));
        let mut new_index = vec![None; self.routes.len()];
        let mut van_routes = Vec::new();
        for (i, r) in self.routes.iter().enumerate() {
            if let Some(r) = r {
                new_index[i] = Some(van_routes.len());
                van_routes.push(r.clone());
            }
        }
        let mut outcomes = Vec::with_capacity(self.orders.len());
        for ((rec, o), why_van) in
            self.orders.iter_mut().zip(&self.mission.orders).zip(&self.why_van)
        {
            let outcome = match &mut rec.state {
                OrderState::Drone => {
                    match flights.iter().position(|f| f.order_id == o.id && f.delivers()) {
                        Some(flight) => Outcome::Drone { flight },
                        None => Outcome::Rejected { reason: lost("no flight") },
                    }
                }
                OrderState::Van { route } => match new_index.get(*route).copied().flatten() {
                    Some(k) => {
                        *route = k;
                        Outcome::Van { route: k, reason: why_van.clone() }
                    }
                    None => Outcome::Rejected { reason: lost("no van route") },
                },
                OrderState::Cancelled { at_s } => Outcome::Rejected {
                    reason: Reasons::one(
                        ReasonKind::Cancelled,
                        format!("by the customer at {}", ClockTime(*at_s)),
                    ),
                },
                OrderState::Rejected { reason } => Outcome::Rejected { reason: reason.clone() },
                OrderState::Unplaced | OrderState::VanWaiting { .. } => {
                    Outcome::Rejected { reason: lost("never served") }
                }
            };
            outcomes.push(OrderOutcome {
                order_id: o.id.clone(),
                placed_s: o.placed_at.seconds(),
                promised_s: promised_s(self.mission, o, &outcome),
                locker: crate::plan::delivered_locker(o, &outcome),
                outcome,
            });
        }
        let waves = self.van_waves.clone();
        let summary = summarise(&outcomes, &flights, &van_routes, waves, self.d.separation());
        Plan {
            format: PLAN_FORMAT.to_string(),
            mission: self.mission_flown(),
            map,
            outcomes,
            flights,
            van_routes,
            summary,
        }
    }
}

impl Day<'_, '_> {
    /// The mission as the day was flown: its own, plus every zone activated at short
    /// notice as a no-fly zone with its window (so `skylane check` sees it).
    fn mission_flown(&self) -> Mission {
        let mut m = self.mission.clone();
        let frame = &self.world.frame;
        for z in self.faults.iter().filter_map(|f| f.zone(m.airspace.ceiling_agl_m)) {
            let polygon = z
                .footprint
                .outer
                .iter()
                .map(|p| {
                    let (lat_deg, lon_deg) = frame.to_geodetic(*p);
                    LatLon { lat_deg, lon_deg }
                })
                .collect();
            m.airspace.no_fly.push(NoFlyZoneSpec {
                id: z.id.clone(),
                polygon,
                floor_m: z.floor_m,
                ceiling_m: z.ceiling_m,
                window: z
                    .window_s
                    .map(|(from, to)| TimeWindow { from: ClockTime(from), to: ClockTime(to) }),
            });
        }
        m
    }

    /// The world of the day's end: the mission's, with every zone activated.
    fn final_world(&self) -> &World {
        self.zone_worlds.last().unwrap_or(self.world)
    }
}

/// The latest van delivery a van order is promised: its window's end, else the end of
/// the van shift.
fn van_deadline_s(mission: &Mission, i: usize) -> f64 {
    match mission.orders[i].service {
        Service::Window(w) => w.to.seconds(),
        _ => crate::dispatch::vans::last_shift_end_s(mission),
    }
}

/// Why the simulation's bookkeeping lost an order (an invariant then names it).
fn lost(detail: &str) -> Reasons {
    Reasons::one(ReasonKind::Lost, detail)
}
