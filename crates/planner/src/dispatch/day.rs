//! The whole day at once: look-ahead regret assignment of drones (see the parent
//! module's docs) over flight options computed in parallel a window ahead of it, then
//! van waves for the rest.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::booking::{no_drones, PadFlights};
use super::options::TemplateOption;
use super::{service_by_van, vans, Dispatcher, SeparationStats};
use crate::ground::roads::RoadGraph;
use crate::mission::{Mission, Order, Service};
use crate::plan::{
    delivered_locker, promised_s, Flight, MapRef, OrderOutcome, Outcome, Plan, ReasonKind, Reasons,
    Summary, VanRoute, VanWave, PLAN_FORMAT,
};
use crate::world::World;

/// Whether flights are kept clear of each other (see the parent module's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deconfliction {
    /// Every flight keeps the separation minima from every committed flight (always,
    /// outside a measurement of what it costs).
    On,
    /// Flights ignore each other: only to measure what deconfliction costs. The plans
    /// this makes fail the verifier wherever two flights meet.
    Off,
}

/// Plans every order of `mission` over `world`: drones with look-ahead dispatch, vans in
/// waves for the rest. `progress(done, total)` is called as express orders' flights are
/// computed (from worker threads; `total` is the number of express orders).
pub fn plan_mission(
    mission: &Mission,
    world: &World,
    map: MapRef,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Plan {
    plan_mission_with(mission, world, map, progress, Deconfliction::On)
}

/// [`plan_mission`] with deconfliction switched as given.
pub fn plan_mission_with(
    mission: &Mission,
    world: &World,
    map: MapRef,
    progress: &(dyn Fn(usize, usize) + Sync),
    deconflict: Deconfliction,
) -> Plan {
    let mut d = Dispatcher::new(mission, world).with_deconfliction(deconflict);
    let mut options = FlightOptions::new(&d, mission, progress);
    let drones = assign_drones(&mut d, mission, &mut options);
    drop(options);
    d.paths_ahead.clear();
    let (vans, van_of) = route_van_orders(&d, mission, world, &drones.flight_of);
    let (outcomes, flights) = collect_outcomes(&d, mission, drones, van_of);
    let summary = summarise(&outcomes, &flights, &vans.routes, vans.waves, d.separation());
    let van_routes = vans.routes;
    Plan {
        format: PLAN_FORMAT.to_string(),
        mission: mission.clone(),
        map,
        outcomes,
        flights,
        van_routes,
        summary,
    }
}

/// How many undecided express orders get their flight options computed at once, ahead
/// of the assignment: enough to keep every core busy, few enough that memory stays
/// bounded whatever the day's size (options hold whole trajectories).
const OPTIONS_AHEAD: usize = 256;

/// Express orders' ways of flying, computed in parallel a window at a time just ahead of
/// the assignment and dropped once their order is decided, so the day plan never holds
/// more than about [`OPTIONS_AHEAD`] orders' options. An order's options depend only on
/// the order and the planners, never on what is booked, so when they are computed does
/// not change the plan.
struct FlightOptions<'p> {
    by_order: Vec<Option<Vec<TemplateOption>>>,
    progress: &'p (dyn Fn(usize, usize) + Sync),
    done: AtomicUsize,
    express: usize,
}

impl<'p> FlightOptions<'p> {
    /// No options yet; the planners (one per set of active windowed zones) are built
    /// first, in parallel, then the paths the express orders' options will take
    /// ([`Dispatcher::work_out_paths_for`]).
    fn new(
        d: &Dispatcher<'_>,
        mission: &Mission,
        progress: &'p (dyn Fn(usize, usize) + Sync),
    ) -> Self {
        d.zone_sets().par_iter().for_each(|o| {
            d.planner_for(o);
        });
        let express: Vec<&Order> =
            mission.orders.iter().filter(|o| matches!(o.service, Service::Express)).collect();
        d.work_out_paths_for(&express);
        FlightOptions {
            by_order: mission.orders.iter().map(|_| None).collect(),
            progress,
            done: AtomicUsize::new(0),
            express: express.len(),
        }
    }

    /// Computes the options of the first `batch` orders of `pending` (the orders being
    /// decided), and of the pending orders after them up to [`OPTIONS_AHEAD`] in all, in
    /// parallel.
    fn ensure(&mut self, d: &Dispatcher<'_>, mission: &Mission, pending: &[usize], batch: usize) {
        if pending[..batch].iter().all(|&i| self.by_order[i].is_some()) {
            return;
        }
        // The batch's missing orders come first, so the window always holds them.
        let missing: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|&i| self.by_order[i].is_none())
            .take(OPTIONS_AHEAD.max(batch))
            .collect();
        let computed: Vec<(usize, Vec<TemplateOption>)> = missing
            .par_iter()
            .map(|&i| {
                let t = d.options(&mission.orders[i]);
                (self.progress)(self.done.fetch_add(1, Ordering::Relaxed) + 1, self.express);
                (i, t)
            })
            .collect();
        for (i, t) in computed {
            self.by_order[i] = Some(t);
        }
    }

    /// The options of order `i` (computed by [`Self::ensure`]).
    fn of(&self, i: usize) -> &[TemplateOption] {
        self.by_order[i].as_deref().unwrap_or(&[])
    }

    /// Order `i` is decided: its options are no longer needed.
    fn forget(&mut self, i: usize) {
        self.by_order[i] = None;
    }
}

/// What the drone assignment decided for each order (by mission index).
struct DroneDecisions {
    /// Index into the dispatcher's flights, for orders flown.
    flight_of: Vec<Option<usize>>,
    /// Why not by drone, for express orders not flown.
    why_not: Vec<Option<Reasons>>,
}

/// Look-ahead regret assignment (see the parent module's docs): when the earliest
/// waiting express order must be decided, every order placed by then is considered, and
/// the one with the largest regret takes its drone first.
fn assign_drones(
    d: &mut Dispatcher<'_>,
    mission: &Mission,
    options: &mut FlightOptions<'_>,
) -> DroneDecisions {
    let n = mission.orders.len();
    let orders = &mission.orders;
    let mut pending: Vec<usize> =
        (0..n).filter(|&i| matches!(orders[i].service, Service::Express)).collect();
    pending.sort_by(|&a, &b| {
        orders[a].placed_at.seconds().total_cmp(&orders[b].placed_at.seconds()).then(a.cmp(&b))
    });
    let mut out = DroneDecisions { flight_of: vec![None; n], why_not: vec![None; n] };
    while let Some(&first) = pending.first() {
        let decide_at = orders[first].placed_at.seconds() + mission.policy.pick_load_s;
        let batch: Vec<usize> = pending
            .iter()
            .copied()
            .take_while(|&i| orders[i].placed_at.seconds() <= decide_at)
            .collect();
        options.ensure(d, mission, &pending, batch.len());
        let chosen = most_regret(d, mission, options, &batch, &mut out.why_not);
        for &i in batch.iter().filter(|&&i| out.why_not[i].is_some()) {
            options.forget(i);
        }
        pending.retain(|i| out.why_not[*i].is_none());
        if let Some(i) = chosen {
            let o = &orders[i];
            match d.deconflicted(o, options.of(i), &mut PadFlights::default()) {
                Ok(b) => {
                    d.book(o, b);
                    out.flight_of[i] = Some(d.flights.len() - 1);
                }
                Err(reasons) => out.why_not[i] = Some(reasons),
            }
            options.forget(i);
            pending.retain(|&p| p != i);
        }
    }
    out
}

/// The order of `batch` that would lose most by not getting its best drone now: the
/// largest gap between its best and second-best delivery (ties: the earlier promise,
/// then the mission order). Orders no drone can serve get their reasons in `why_not`.
fn most_regret(
    d: &Dispatcher<'_>,
    mission: &Mission,
    options: &FlightOptions<'_>,
    batch: &[usize],
    why_not: &mut [Option<Reasons>],
) -> Option<usize> {
    let mut chosen: Option<(f64, f64, usize)> = None; // (regret, -due, order)
    for &i in batch {
        let o = &mission.orders[i];
        let best = d.best_drone(o, options.of(i));
        let Some(c) = best.best else {
            let mut reasons = best.reasons;
            if reasons.is_empty() {
                reasons.push(no_drones());
            }
            why_not[i] = Some(Reasons::ranked(reasons));
            continue;
        };
        let key = (best.second_s - c.nominal_s, -o.due_s(), i);
        let better = match chosen {
            None => true,
            Some(c) => {
                key.0 > c.0 || (key.0 == c.0 && (key.1 > c.1 || (key.1 == c.1 && key.2 < c.2)))
            }
        };
        if better {
            chosen = Some(key);
        }
    }
    chosen.map(|(_, _, i)| i)
}

/// What the van waves did with one order: its route, or why no van takes it (no reason
/// when the fleet has no vans).
type VanResult = Result<usize, Reasons>;

/// Van waves for every order no drone flies: the routes and waves (outcomes taken out),
/// and for each order (by mission index) its [`VanResult`] (`None` for flown orders).
fn route_van_orders(
    d: &Dispatcher<'_>,
    mission: &Mission,
    world: &World,
    flight_of: &[Option<usize>],
) -> (vans::VanPlan, Vec<Option<VanResult>>) {
    let n = mission.orders.len();
    let frame = &world.frame;
    let dests: Vec<[f64; 2]> =
        mission.orders.iter().map(|o| frame.to_local(o.lat_deg, o.lon_deg)).collect();
    let shift_end = vans::last_shift_end_s(mission);
    let mut van_of: Vec<Option<VanResult>> = vec![None; n];
    let has_vans = mission.fleet.vans.iter().any(|v| v.count > 0);
    // The flights' compartments are booked; a van parcel books its compartment from the
    // earliest to the latest time a van could bring it, so any delivery time fits.
    let mut compartments = d.lockers.clone();
    let mut van_orders: Vec<vans::VanOrder> = Vec::new();
    for i in (0..n).filter(|&i| flight_of[i].is_none()) {
        let o = &mission.orders[i];
        let ready = o.placed_at.seconds() + mission.policy.pick_load_s;
        let (from, to) = vans::window(mission, i, ready, shift_end);
        if has_vans {
            if let Err(why) = compartments.book_van(mission, o, from, to) {
                van_of[i] = Some(Err(Reasons::from(why)));
                continue;
            }
        }
        van_orders.push(vans::VanOrder {
            order: i,
            ready_s: ready,
            window_from_s: from,
            window_to_s: to,
            demand: [o.payload_kg, o.volume_l / 1000.0],
        });
    }
    if !has_vans || van_orders.is_empty() {
        for v in &van_orders {
            van_of[v.order] = Some(Err(Reasons::none()));
        }
        return (vans::VanPlan::default(), van_of);
    }
    let graph = RoadGraph::from_roads(&world.roads);
    let mut plan = vans::route_vans(mission, &graph, &d.depot_xy, &dests, van_orders);
    for (i, r) in std::mem::take(&mut plan.outcomes) {
        van_of[i] = Some(r.map_err(Reasons::from));
    }
    (plan, van_of)
}

/// Why an order went nowhere when no stage said why.
fn no_vehicle(detail: &str) -> Reasons {
    Reasons::one(ReasonKind::NoVehicle, detail)
}

/// One outcome per order, in mission order, and the flights in the mission order of
/// their orders (so outputs read naturally).
fn collect_outcomes(
    d: &Dispatcher<'_>,
    mission: &Mission,
    drones: DroneDecisions,
    van_of: Vec<Option<VanResult>>,
) -> (Vec<OrderOutcome>, Vec<Flight>) {
    let mut flights = Vec::new();
    let mut outcomes = Vec::with_capacity(mission.orders.len());
    let decisions = drones.flight_of.into_iter().zip(drones.why_not).zip(van_of);
    for (o, ((flight, why_not), van)) in mission.orders.iter().zip(decisions) {
        let outcome = match (flight, van) {
            (Some(f), _) => {
                flights.push(d.flights[f].clone());
                Outcome::Drone { flight: flights.len() - 1 }
            }
            (None, Some(Ok(route))) => {
                Outcome::Van { route, reason: why_not.unwrap_or_else(service_by_van) }
            }
            (None, Some(Err(van))) => {
                let reason = why_not.unwrap_or_default().then(van);
                let reason = if reason.is_empty() {
                    no_vehicle("no drone or van could serve the order")
                } else {
                    reason
                };
                Outcome::Rejected { reason }
            }
            (None, None) => {
                Outcome::Rejected { reason: why_not.unwrap_or_else(|| no_vehicle("not served")) }
            }
        };
        outcomes.push(OrderOutcome {
            order_id: o.id.clone(),
            placed_s: o.placed_at.seconds(),
            promised_s: promised_s(mission, o, &outcome),
            locker: delivered_locker(o, &outcome),
            outcome,
        });
    }
    (outcomes, flights)
}

/// The plan's summary of `outcomes`, `flights` and `vans`, with the van waves' reports
/// and what keeping the fleet apart changed (`sep`); an order is late when it is
/// delivered after the promise its outcome records.
pub(crate) fn summarise(
    outcomes: &[OrderOutcome],
    flights: &[Flight],
    vans: &[VanRoute],
    van_waves: Vec<VanWave>,
    sep: SeparationStats,
) -> Summary {
    let mut s = Summary {
        orders: outcomes.len(),
        van_waves,
        separation_delays: sep.delayed,
        separation_delay_s: sep.delay_s,
        separation_other_layer: sep.other_layer,
        ..Summary::default()
    };
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for o in outcomes {
        let delivered_s = match &o.outcome {
            Outcome::Drone { flight } => {
                s.by_drone += 1;
                Some(flights[*flight].delivered_s)
            }
            Outcome::Van { route, .. } => {
                s.by_van += 1;
                let stop = vans[*route].stops.iter().find(|st| st.order_id == o.order_id);
                stop.map(|st| st.service_start_s)
            }
            Outcome::Rejected { reason } => {
                s.rejected += 1;
                let kind = reason.main_kind().map_or("none", |k| k.label());
                *by_reason.entry(kind.to_string()).or_default() += 1;
                None
            }
        };
        if let (Some(d), Some(p)) = (delivered_s, o.promised_s) {
            if d > p + 1e-6 {
                s.late += 1;
            }
        }
    }
    s.rejected_by_reason = by_reason;
    // Sums start from +0.0: an empty f64 sum is -0.0.
    s.drone_km = 0.0 + flights.iter().map(|f| f.path_length_m).sum::<f64>() / 1000.0;
    s.van_km = 0.0 + vans.iter().map(|r| r.distance_m).sum::<f64>() / 1000.0;
    s.energy_wh = 0.0 + flights.iter().map(|f| f.energy_wh).sum::<f64>();
    s
}
