//! Orders to drones and vans over the day, and the live dispatch API.
//!
//! Entry points: [`plan_mission`] plans a whole day; [`Dispatcher`] answers a dispatch
//! system order by order ([`Dispatcher::quote`], [`Dispatcher::commit`],
//! [`Dispatcher::advance_to`]).
//!
//! ```
//! use skylane_planner::{dispatch::Dispatcher, load::load_mission};
//! let loaded = load_mission("../../missions/monaco.ron".as_ref()).unwrap();
//! let mut dispatcher = Dispatcher::new(&loaded.mission, &loaded.world);
//! let order = &loaded.mission.orders[0];
//! let quote = dispatcher.quote(order); // no state change
//! let committed = dispatcher.commit(order); // same answer, now booked
//! assert_eq!(quote.eta_s(), committed.eta_s());
//! ```
//!
//! **Drone policy.** A drone order's clock runs from `placed_at`: pick and load, then the
//! drone takes off once it is recharged (energy used / charger power) from its previous
//! flight. It goes by drone only if the package is released by `placed_at + promise`,
//! the flight lands with the reserve, and from every outbound sample it could turn back
//! with the package. The day plan looks ahead over waiting orders: when the earliest
//! waiting order must be decided (its pick-and-load time), every order already placed by
//! then is considered together, and orders are assigned by *regret* — the order that
//! would lose most by not getting its best drone (only one feasible drone, or a large gap
//! to its second-best) is served first, each taking the drone that delivers it earliest.
//! This serves more orders within the promise than first-come-first-served when several
//! orders compete for one nest. Decisions use only orders placed so far.
//!
//! **Vans** take what drones cannot (too heavy, no safe path, out of energy range, no
//! drone in time) and the orders that ask for a same-day or windowed delivery; see
//! [`vans`]. Every order ends in exactly one outcome.
//!
//! Flight geometry and energy do not depend on the take-off time, so they are computed
//! once per (order, nest, drone type), in parallel, and shifted when assigned. Outputs are
//! collected in a fixed order: plans are identical on 1 or N threads.

mod flight;
pub mod vans;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::energy::model::Atmosphere;
use crate::energy::DroneSpec;
use crate::ground::roads::RoadGraph;
use crate::mission::{ClockTime, DepotKind, Mission, Order, Service};
use crate::plan::{Flight, MapRef, OrderOutcome, Outcome, Plan, Summary, PLAN_FORMAT};
use crate::search::city::{CityPlanner, CityPlannerConfig, Clearances};
use crate::world::{Rect, TimeSpan, World};
use flight::{flight_template, instantiate, FlightTemplate};

/// How long after an order a time-windowed zone still matters to its flight, s.
const ORDER_HORIZON_S: f64 = 3.0 * 3600.0;
/// Margin around the mission's depots and known orders that the planner rasterises, m.
const AREA_PAD_M: f64 = 400.0;

#[derive(Debug, Clone)]
struct Drone {
    id: String,
    spec: DroneSpec,
    depot: usize,
    free_at_s: f64,
}

/// A drone choice for an order: (delivery time, drone index, option index, take-off).
type Choice = (f64, usize, usize, f64);

/// One way to fly an order: (nest index, drone type name, flight or reason).
type TemplateOption = (usize, String, Result<FlightTemplate, String>);

/// A dispatcher's answer for one order.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The order.
    pub order_id: String,
    /// How it would go.
    pub mode: QuoteMode,
}

/// How a quoted order would be served.
#[derive(Debug, Clone, PartialEq)]
pub enum QuoteMode {
    /// By drone.
    Drone {
        /// Drone id.
        drone_id: String,
        /// Its nest.
        depot_id: String,
        /// Take-off, s since midnight.
        takeoff_s: f64,
        /// Package released, s.
        eta_s: f64,
        /// Battery energy the flight uses, Wh.
        energy_wh: f64,
        /// State of charge on landing.
        soc_end: f64,
    },
    /// Not by drone: handed to the van waves (routed when the wave leaves).
    Van {
        /// Why no drone.
        reason: String,
    },
    /// Neither drone nor van can take it.
    Refused {
        /// Why, with the numbers.
        reason: String,
    },
}

impl Quote {
    /// Delivery time for drone quotes.
    pub fn eta_s(&self) -> Option<f64> {
        match self.mode {
            QuoteMode::Drone { eta_s, .. } => Some(eta_s),
            _ => None,
        }
    }
}

/// Live dispatch over one mission's world and fleet. Quotes take `&self` and may run
/// concurrently from many threads; commits and time advance take `&mut self`.
pub struct Dispatcher<'w> {
    mission: Mission,
    world: &'w World,
    atm: Atmosphere,
    rules: Clearances,
    depot_xy: Vec<[f64; 2]>,
    nests: Vec<usize>,
    types: Vec<DroneSpec>,
    drones: Vec<Drone>,
    area: Rect,
    planners: Mutex<Vec<(Vec<bool>, Arc<CityPlanner<'w>>)>>,
    now_s: f64,
    flights: Vec<Flight>,
    van_queue: Vec<String>,
}

impl<'w> Dispatcher<'w> {
    /// A dispatcher for `mission`'s depots, fleet and policy over `world`. Its planning
    /// area covers the mission's depots and orders; later orders must lie in it.
    pub fn new(mission: &Mission, world: &'w World) -> Dispatcher<'w> {
        let frame = &world.frame;
        let depot_xy: Vec<[f64; 2]> =
            mission.depots.iter().map(|d| frame.to_local(d.lat_deg, d.lon_deg)).collect();
        let nests: Vec<usize> = (0..mission.depots.len())
            .filter(|&i| mission.depots[i].kind == DepotKind::Drone)
            .collect();
        let mut drones: Vec<Drone> = Vec::new();
        let mut types: Vec<DroneSpec> = Vec::new();
        for g in &mission.fleet.drones {
            let (Some(spec), Some(depot)) =
                (mission.drone_spec(g), mission.depots.iter().position(|d| d.id == g.depot))
            else {
                continue;
            };
            if !types.iter().any(|t| t.name == spec.name) {
                types.push(spec.clone());
            }
            for _ in 0..g.count {
                let n = drones.iter().filter(|d| d.depot == depot).count() + 1;
                drones.push(Drone {
                    id: format!("{}/{}#{n}", g.depot, spec.name),
                    spec: spec.clone(),
                    depot,
                    free_at_s: 0.0,
                });
            }
        }
        let mut area = Rect::empty();
        for &n in &nests {
            area.include(depot_xy[n]);
        }
        for o in &mission.orders {
            area.include(frame.to_local(o.lat_deg, o.lon_deg));
        }
        let area = Rect {
            min: [area.min[0] - AREA_PAD_M, area.min[1] - AREA_PAD_M],
            max: [area.max[0] + AREA_PAD_M, area.max[1] + AREA_PAD_M],
        };
        let policy = &mission.policy;
        Dispatcher {
            atm: mission.weather.atmosphere(),
            rules: Clearances {
                cruise_margin_m: mission.airspace.clearance_margin_m,
                delivery_margin_m: policy.delivery_margin_m,
                hover_m: policy.delivery_hover_m,
                drop_radius_m: policy.drop_radius_m,
            },
            mission: mission.clone(),
            world,
            depot_xy,
            nests,
            types,
            drones,
            area,
            planners: Mutex::new(Vec::new()),
            now_s: 0.0,
            flights: Vec::new(),
            van_queue: Vec::new(),
        }
    }

    /// Flights committed so far, in commit order.
    pub fn flights(&self) -> &[Flight] {
        &self.flights
    }

    /// Ids of orders committed to the van waves, in commit order.
    pub fn van_orders(&self) -> &[String] {
        &self.van_queue
    }

    /// The planner for the zones active around `order`, built on first use.
    fn planner_for(&self, order: &Order) -> Arc<CityPlanner<'w>> {
        let span = TimeSpan {
            from_s: order.placed_at.seconds(),
            to_s: order.placed_at.seconds() + ORDER_HORIZON_S,
        };
        let sig: Vec<bool> = self
            .world
            .zones
            .iter()
            .map(|z| z.window_s.is_some() && z.active_during(span))
            .collect();
        let mut cache = self.planners.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, p)) = cache.iter().find(|(s, _)| *s == sig) {
            return p.clone();
        }
        // Zones that are active for this signature: all unwindowed ones plus the flagged.
        let active_span = span;
        let p = Arc::new(CityPlanner::new(
            self.world,
            self.area,
            self.mission.policy.cruise_alt_min_m,
            self.mission.policy.cruise_alt_max_m,
            self.mission.airspace.clearance_margin_m,
            active_span,
            CityPlannerConfig::default(),
        ));
        cache.push((sig, p.clone()));
        p
    }

    /// Every (nest, type) way of flying `order`, or why not.
    /// Every (nest, type) way of flying `order`, or why not. Nests are searched in
    /// parallel and each nest's drone types in parallel (rayon; results are collected
    /// in nest and type order, so the answer does not depend on the thread count).
    fn options(&self, order: &Order) -> Vec<TemplateOption> {
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let planner = self.planner_for(order);
        let too_heavy = |spec: &DroneSpec| {
            format!(
                "too heavy: payload {:.2} kg exceeds the {} limit of {:.2} kg",
                order.payload_kg, spec.name, spec.max_payload_kg
            )
        };
        let per_nest: Vec<Vec<TemplateOption>> = self
            .nests
            .par_iter()
            .map(|&n| {
                let kinds: Vec<&DroneSpec> = self
                    .types
                    .iter()
                    .filter(|t| self.drones.iter().any(|d| d.depot == n && d.spec.name == t.name))
                    .collect();
                let heaviest = kinds.iter().map(|k| k.max_payload_kg).fold(0.0, f64::max);
                if kinds.is_empty() || order.payload_kg > heaviest {
                    return kinds.iter().map(|k| (n, k.name.clone(), Err(too_heavy(k)))).collect();
                }
                let path = planner.plan_delivery(self.depot_xy[n], dest, &self.rules);
                kinds
                    .par_iter()
                    .map(|spec| {
                        let t = match &path {
                            Err(e) => Err(format!("no path: {e}")),
                            Ok(_) if order.payload_kg > spec.max_payload_kg => Err(too_heavy(spec)),
                            Ok(p) => flight_template(
                                spec,
                                &self.mission,
                                &self.atm,
                                self.depot_xy[n],
                                order,
                                p,
                            ),
                        };
                        (n, spec.name.clone(), t)
                    })
                    .collect()
            })
            .collect();
        per_nest.into_iter().flatten().collect()
    }

    /// The best drone for `order` given the drones' current bookings: (delivery time,
    /// drone index, template index, take-off), the runner-up delivery time, and the
    /// reasons of the options that cannot fly.
    fn best_drone(
        &self,
        order: &Order,
        options: &[TemplateOption],
    ) -> (Option<Choice>, f64, Vec<String>) {
        let ready = (order.placed_at.seconds() + self.mission.policy.pick_load_s).max(self.now_s);
        let mut best: Option<Choice> = None;
        let mut second = f64::INFINITY;
        let mut reasons = Vec::new();
        for (ti, (n, type_name, t)) in options.iter().enumerate() {
            match t {
                Err(r) => reasons.push(r.clone()),
                Ok(t) => {
                    for (di, d) in self.drones.iter().enumerate() {
                        if d.depot != *n || d.spec.name != *type_name {
                            continue;
                        }
                        let takeoff = ready.max(d.free_at_s);
                        let delivered = takeoff + t.delivered_s;
                        if delivered > order.due_s() + 1e-9 {
                            reasons.push(format!(
                                "late: earliest drone delivery {} is after the promise {}",
                                ClockTime(delivered),
                                ClockTime(order.due_s())
                            ));
                            continue;
                        }
                        match best {
                            Some(b) if delivered >= b.0 => second = second.min(delivered),
                            _ => {
                                if let Some(b) = best {
                                    second = second.min(b.0);
                                }
                                best = Some((delivered, di, ti, takeoff));
                            }
                        }
                    }
                }
            }
        }
        reasons.sort();
        reasons.dedup();
        // Keep the most informative: a late drone beats "no path" from another nest.
        (best, second, reasons)
    }

    fn quote_with(&self, order: &Order, options: &[TemplateOption]) -> Quote {
        let mode = match self.best_drone(order, options) {
            (Some((eta, di, ti, takeoff)), _, _) => {
                // best_drone only picks options whose template is Ok.
                let t = options[ti].2.as_ref().expect("best option is a flight");
                let d = &self.drones[di];
                QuoteMode::Drone {
                    drone_id: d.id.clone(),
                    depot_id: self.mission.depots[d.depot].id.clone(),
                    takeoff_s: takeoff,
                    eta_s: eta,
                    energy_wh: t.energy_wh,
                    soc_end: t.samples.last().map_or(1.0, |s| s.soc),
                }
            }
            (None, _, reasons) => {
                let reason = if reasons.is_empty() {
                    "no drones: the fleet has no drones".to_string()
                } else {
                    reasons.join("; ")
                };
                if self.mission.fleet.vans.iter().any(|v| v.count > 0) {
                    QuoteMode::Van { reason }
                } else {
                    QuoteMode::Refused { reason }
                }
            }
        };
        Quote { order_id: order.id.clone(), mode }
    }

    /// How `order` would be served now, without booking anything.
    pub fn quote(&self, order: &Order) -> Quote {
        let options = self.options(order);
        self.quote_with(order, &options)
    }

    /// Books `order` the way [`Dispatcher::quote`] answers, and returns that quote.
    pub fn commit(&mut self, order: &Order) -> Quote {
        let options = self.options(order);
        let quote = self.quote_with(order, &options);
        if let (Some((_, di, ti, takeoff)), _, _) = self.best_drone(order, &options) {
            if let Ok(t) = &options[ti].2 {
                self.book(order, di, t, takeoff);
            }
        } else if matches!(quote.mode, QuoteMode::Van { .. }) {
            self.van_queue.push(order.id.clone());
        }
        quote
    }

    /// Moves the dispatcher's clock to `t_s` (seconds since midnight): nothing takes off
    /// before it. Time never goes back.
    pub fn advance_to(&mut self, t_s: f64) {
        self.now_s = self.now_s.max(t_s);
    }

    fn book(&mut self, order: &Order, di: usize, t: &FlightTemplate, takeoff_s: f64) -> Flight {
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let d = &mut self.drones[di];
        d.free_at_s = takeoff_s + t.landed_s + t.energy_wh / d.spec.charge_power_w * 3600.0;
        let depot_id = self.mission.depots[d.depot].id.clone();
        let f = instantiate(
            t,
            takeoff_s,
            order,
            &d.id,
            &d.spec.name,
            &depot_id,
            dest,
            self.depot_xy[d.depot],
        );
        self.flights.push(f.clone());
        f
    }
}

/// Plans every order of `mission` over `world`: drones with look-ahead dispatch, vans in
/// waves for the rest. `progress(done, total)` is called as orders' flights are computed
/// (from worker threads).
pub fn plan_mission(
    mission: &Mission,
    world: &World,
    map: MapRef,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Plan {
    let mut d = Dispatcher::new(mission, world);
    let n = mission.orders.len();
    // Build the planners (one per set of active windowed zones) in parallel, then every
    // order's flight options in parallel; results are collected in order.
    let mut firsts: Vec<&Order> = Vec::new();
    {
        let mut seen: Vec<Vec<bool>> = Vec::new();
        for o in &mission.orders {
            let span = TimeSpan {
                from_s: o.placed_at.seconds(),
                to_s: o.placed_at.seconds() + ORDER_HORIZON_S,
            };
            let sig: Vec<bool> =
                world.zones.iter().map(|z| z.window_s.is_some() && z.active_during(span)).collect();
            if !seen.contains(&sig) {
                seen.push(sig);
                firsts.push(o);
            }
        }
    }
    firsts.par_iter().for_each(|o| {
        d.planner_for(o);
    });
    let done = std::sync::atomic::AtomicUsize::new(0);
    let templates: Vec<Vec<TemplateOption>> = mission
        .orders
        .par_iter()
        .map(|o| {
            let express = matches!(o.service, Service::Express);
            let t = if express { d.options(o) } else { Vec::new() };
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, n);
            t
        })
        .collect();

    // Look-ahead assignment (see the module docs).
    let pick = mission.policy.pick_load_s;
    let mut pending: Vec<usize> =
        (0..n).filter(|&i| matches!(mission.orders[i].service, Service::Express)).collect();
    pending.sort_by(|&a, &b| {
        mission.orders[a]
            .placed_at
            .seconds()
            .total_cmp(&mission.orders[b].placed_at.seconds())
            .then(a.cmp(&b))
    });
    let mut drone_reason: Vec<Option<String>> = vec![None; n];
    let mut flight_of: Vec<Option<usize>> = vec![None; n];
    while let Some(&first) = pending.first() {
        let decide_at = mission.orders[first].placed_at.seconds() + pick;
        let batch: Vec<usize> = pending
            .iter()
            .copied()
            .take_while(|&i| mission.orders[i].placed_at.seconds() <= decide_at)
            .collect();
        let mut chosen: Option<(f64, f64, usize)> = None; // (regret, -due, order)
        for &i in &batch {
            let o = &mission.orders[i];
            let (best, second, reasons) = d.best_drone(o, &templates[i]);
            match best {
                None => {
                    drone_reason[i] = Some(if reasons.is_empty() {
                        "no drones: the fleet has no drones".into()
                    } else {
                        reasons.join("; ")
                    });
                }
                Some((delivered, ..)) => {
                    let regret = second - delivered;
                    let key = (regret, -o.due_s(), i);
                    let better = match chosen {
                        None => true,
                        Some(c) => {
                            key.0 > c.0
                                || (key.0 == c.0 && (key.1 > c.1 || (key.1 == c.1 && key.2 < c.2)))
                        }
                    };
                    if better {
                        chosen = Some(key);
                    }
                }
            }
        }
        pending.retain(|i| drone_reason[*i].is_none());
        if let Some((_, _, i)) = chosen {
            let o = &mission.orders[i];
            if let (Some((_, di, ti, takeoff)), _, _) = d.best_drone(o, &templates[i]) {
                if let Ok(t) = &templates[i][ti].2 {
                    d.book(o, di, t, takeoff);
                    flight_of[i] = Some(d.flights.len() - 1);
                }
            }
            pending.retain(|&p| p != i);
        }
    }

    // Vans for everything else.
    let frame = &world.frame;
    let dests: Vec<[f64; 2]> =
        mission.orders.iter().map(|o| frame.to_local(o.lat_deg, o.lon_deg)).collect();
    let shift_end = mission.fleet.vans.iter().map(|v| v.shift_end.seconds()).fold(0.0, f64::max);
    let van_orders: Vec<vans::VanOrder> = (0..n)
        .filter(|&i| flight_of[i].is_none())
        .map(|i| {
            let o = &mission.orders[i];
            let ready = o.placed_at.seconds() + pick;
            let (from, to) = vans::window(mission, i, ready, shift_end);
            vans::VanOrder {
                order: i,
                ready_s: ready,
                window_from_s: from,
                window_to_s: to,
                demand: [o.payload_kg, o.volume_l / 1000.0],
            }
        })
        .collect();
    let (van_routes, van_outcomes) =
        if mission.fleet.vans.iter().any(|v| v.count > 0) && !van_orders.is_empty() {
            let graph = RoadGraph::from_roads(&world.roads);
            vans::route_vans(mission, &graph, &d.depot_xy, &dests, van_orders)
        } else {
            (Vec::new(), van_orders.iter().map(|v| (v.order, Err(String::new()))).collect())
        };
    let mut van_of: Vec<Option<Result<usize, String>>> = vec![None; n];
    for (i, r) in van_outcomes {
        van_of[i] = Some(r);
    }

    // Flights in the mission order of their orders, so outputs read naturally.
    let mut flown: Vec<(usize, usize)> =
        (0..n).filter_map(|i| flight_of[i].map(|f| (i, f))).collect();
    flown.sort();
    let mut flights = Vec::with_capacity(flown.len());
    let mut outcome: Vec<Option<Outcome>> = vec![None; n];
    for (i, f) in flown {
        outcome[i] = Some(Outcome::Drone { flight: flights.len() });
        flights.push(d.flights[f].clone());
    }
    for i in 0..n {
        if outcome[i].is_some() {
            continue;
        }
        outcome[i] = Some(match van_of[i].take() {
            Some(Ok(route)) => Outcome::Van { route },
            Some(Err(van_reason)) => {
                let mut reason = drone_reason[i].clone().unwrap_or_default();
                if !van_reason.is_empty() {
                    if reason.is_empty() {
                        reason = van_reason;
                    } else {
                        reason = format!("{reason}; {van_reason}");
                    }
                }
                if reason.is_empty() {
                    reason = "no vehicle: no drone or van could serve the order".into();
                }
                Outcome::Rejected { reason }
            }
            None => Outcome::Rejected {
                reason: drone_reason[i].clone().unwrap_or_else(|| "no vehicle: not served".into()),
            },
        });
    }
    let outcomes: Vec<OrderOutcome> = mission
        .orders
        .iter()
        .zip(outcome)
        .map(|(o, out)| OrderOutcome {
            order_id: o.id.clone(),
            placed_s: o.placed_at.seconds(),
            outcome: out.unwrap_or(Outcome::Rejected { reason: "no vehicle: not served".into() }),
        })
        .collect();
    let summary = summarise(mission, &outcomes, &flights, &van_routes);
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

fn summarise(
    mission: &Mission,
    outcomes: &[OrderOutcome],
    flights: &[Flight],
    vans: &[crate::plan::VanRoute],
) -> Summary {
    let mut s = Summary { orders: outcomes.len(), ..Summary::default() };
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for (o, m) in outcomes.iter().zip(&mission.orders) {
        match &o.outcome {
            Outcome::Drone { flight } => {
                s.by_drone += 1;
                if flights[*flight].delivered_s > m.due_s() + 1e-6 {
                    s.late += 1;
                }
            }
            Outcome::Van { route } => {
                s.by_van += 1;
                let stop = vans[*route].stops.iter().find(|st| st.order_id == o.order_id);
                if let (Service::Window(w), Some(st)) = (m.service, stop) {
                    if st.service_start_s > w.to.seconds() + 1e-6 {
                        s.late += 1;
                    }
                }
            }
            Outcome::Rejected { reason } => {
                s.rejected += 1;
                let kind = reason.split(':').next().unwrap_or("other").trim().to_string();
                *by_reason.entry(kind).or_default() += 1;
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
