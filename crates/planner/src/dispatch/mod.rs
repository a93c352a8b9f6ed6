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
//!
//! **Fleet separation.** Every drone has a home pad of its nest (the nest's drones take
//! the pads in turn, see `world::pads`): it climbs over the pad, hops to the nest point at
//! cruise altitude and flies its path, and comes back the same way. Every committed
//! flight reserves its 4D space ([`crate::volumes`]); a new flight takes off at the
//! earliest moment at which it meets no reservation, and if that moment makes it miss
//! the promise the next drone is tried, and then the van. Both [`plan_mission`] and the
//! live [`Dispatcher`] go through the same [`Dispatcher::quote`] logic, so a quote
//! accounts for every committed flight.

mod day;
mod faults;
mod flight;
pub mod vans;

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::energy::model::Atmosphere;
use crate::energy::DroneSpec;
use crate::mission::{ClockTime, DepotKind, Mission, Order, Service};
use crate::plan::Flight;
use crate::search::city::{CityPlanner, CityPlannerConfig, Clearances};
use crate::volumes::{flight_volumes, ReservationIndex, Volume4};
use crate::world::pads::pad_layout;
use crate::world::{Rect, TimeSpan, World};
pub(crate) use day::summarise;
pub use day::{plan_mission, plan_mission_with, Deconfliction};
pub use faults::FleetDrone;
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
    /// Index of its home pad in its nest's pads.
    pad: usize,
    free_at_s: f64,
}

/// (option index, depot index, pad index) of a flight re-flown from a pad.
type PadFlightKey = (usize, usize, usize);

/// A drone, a flight and a take-off time that keep every separation rule.
struct Booking {
    drone: usize,
    template: FlightTemplate,
    volumes: Vec<Volume4>,
    takeoff_s: f64,
    delivered_s: f64,
    /// Seconds the take-off waits for the airspace to clear.
    delay_s: f64,
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
    /// Pads per depot (empty for van depots, and for nests whose pads do not fit).
    pads: Vec<Vec<[f64; 2]>>,
    nests: Vec<usize>,
    types: Vec<DroneSpec>,
    drones: Vec<Drone>,
    area: Rect,
    planners: Mutex<Vec<(Vec<bool>, Arc<CityPlanner<'w>>)>>,
    now_s: f64,
    flights: Vec<Flight>,
    van_queue: Vec<String>,
    reservations: ReservationIndex,
    deconflict: Deconfliction,
    /// Flights whose take-off waited for the airspace, and the seconds waited in all.
    delayed: (usize, f64),
    /// Drones held on the ground by faults (see `faults`).
    holds: faults::Holds,
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
            let pad_count = mission.depots[depot].pads.max(1) as usize;
            for _ in 0..g.count {
                let n = drones.iter().filter(|d| d.depot == depot).count();
                drones.push(Drone {
                    id: format!("{}/{}#{}", g.depot, spec.name, n + 1),
                    spec: spec.clone(),
                    depot,
                    pad: n % pad_count,
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
        let margin = mission.airspace.clearance_margin_m;
        let pads = mission
            .depots
            .iter()
            .zip(&depot_xy)
            .map(|(d, &xy)| match d.kind {
                DepotKind::Drone => pad_layout(world, xy, d.pads, margin).unwrap_or_default(),
                DepotKind::Van => Vec::new(),
            })
            .collect();
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
            pads,
            nests,
            types,
            drones,
            area,
            planners: Mutex::new(Vec::new()),
            now_s: 0.0,
            flights: Vec::new(),
            van_queue: Vec::new(),
            reservations: ReservationIndex::new(mission.airspace.separation),
            deconflict: Deconfliction::On,
            delayed: (0, 0.0),
            holds: faults::Holds::default(),
        }
    }

    /// The same dispatcher with deconfliction switched as given. `Off` exists only to
    /// measure what deconfliction costs: its plans fail the verifier's separation check.
    pub fn with_deconfliction(mut self, deconflict: Deconfliction) -> Self {
        self.deconflict = deconflict;
        self
    }

    /// The pads of each depot, local metres (empty for van depots).
    pub fn pads(&self) -> &[Vec<[f64; 2]>] {
        &self.pads
    }

    /// Flights whose take-off waited for the airspace to clear, and the total wait, s.
    pub fn separation_delays(&self) -> (usize, f64) {
        self.delayed
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

    /// The drone, pad flight and take-off that deliver `order` earliest while keeping
    /// clear of every reservation, or why no drone can.
    ///
    /// Candidates are (drone, option) pairs in order of their delivery time ignoring the
    /// airspace; each is re-flown from its drone's pad and delayed until its volumes meet
    /// no reservation. A delay never makes a delivery earlier, so the search stops at the
    /// first candidate whose undelayed delivery is already later than the best found.
    fn deconflicted(&self, order: &Order, options: &[TemplateOption]) -> Result<Booking, String> {
        let ready = (order.placed_at.seconds() + self.mission.policy.pick_load_s).max(self.now_s);
        let due = order.due_s();
        let mut reasons: Vec<String> = Vec::new();
        let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
        for (ti, (n, type_name, t)) in options.iter().enumerate() {
            let t = match t {
                Err(r) => {
                    reasons.push(r.clone());
                    continue;
                }
                Ok(t) => t,
            };
            for (di, d) in self.drones.iter().enumerate() {
                if d.depot != *n || d.spec.name != *type_name {
                    continue;
                }
                let delivered = ready.max(d.free_at_s) + t.delivered_s;
                if delivered > due + 1e-9 {
                    reasons.push(format!(
                        "late: earliest drone delivery {} is after the promise {}",
                        ClockTime(delivered),
                        ClockTime(due)
                    ));
                } else {
                    candidates.push((delivered, di, ti));
                }
            }
        }
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut best: Option<Booking> = None;
        let mut blocked = 0usize;
        // Pad flights already computed for this order.
        let mut flown: Vec<(PadFlightKey, Result<FlightTemplate, String>)> = Vec::new();
        for (nominal, di, ti) in candidates {
            if best.as_ref().is_some_and(|b| nominal >= b.delivered_s) {
                break;
            }
            let d = &self.drones[di];
            let key = (ti, d.depot, d.pad);
            if !flown.iter().any(|(k, _)| *k == key) {
                let Ok(t) = &options[ti].2 else { continue };
                flown.push((key, self.pad_flight(order, t, d)));
            }
            let template = match flown.iter().find(|(k, _)| *k == key).map(|(_, r)| r) {
                Some(Ok(t)) => t,
                Some(Err(e)) => {
                    reasons.push(e.clone());
                    continue;
                }
                None => continue,
            };
            let earliest = ready.max(d.free_at_s);
            let latest = due - template.delivered_s;
            let volumes = flight_volumes(&template.samples, Some((d.depot, d.pad)));
            let takeoff = match self.deconflict {
                Deconfliction::Off => Some(earliest).filter(|&t| t <= latest + 1e-9),
                Deconfliction::On => self.reservations.earliest_takeoff(&volumes, earliest, latest),
            };
            let Some(takeoff) = takeoff else {
                blocked += 1;
                continue;
            };
            let delivered = takeoff + template.delivered_s;
            if best.as_ref().is_none_or(|b| delivered < b.delivered_s) {
                best = Some(Booking {
                    drone: di,
                    template: template.clone(),
                    volumes,
                    takeoff_s: takeoff,
                    delivered_s: delivered,
                    delay_s: takeoff - earliest,
                });
            }
        }
        if let Some(b) = best {
            return Ok(b);
        }
        if blocked > 0 {
            let sep = &self.mission.airspace.separation;
            reasons.push(format!(
                "airspace: no take-off before the promise keeps {} m / {} m from the fleet's other flights ({blocked} drone(s) tried)",
                sep.horizontal_m, sep.vertical_m
            ));
        }
        reasons.sort();
        reasons.dedup();
        Err(if reasons.is_empty() {
            "no drones: the fleet has no drones".to_string()
        } else {
            reasons.join("; ")
        })
    }

    /// `t` (flown from the nest point) flown instead from `drone`'s home pad: climb over
    /// the pad, hop to the nest point at cruise altitude, then the same path.
    fn pad_flight(
        &self,
        order: &Order,
        t: &FlightTemplate,
        drone: &Drone,
    ) -> Result<FlightTemplate, String> {
        let nest = self.depot_xy[drone.depot];
        let depot_id = &self.mission.depots[drone.depot].id;
        let Some(&pad) = self.pads[drone.depot].get(drone.pad) else {
            return Err(format!("pads: the pads of nest {depot_id} do not fit on open ground"));
        };
        if pad == nest {
            return Ok(t.clone());
        }
        let alt = t.path.cruise_alt_m;
        let span = TimeSpan {
            from_s: order.placed_at.seconds(),
            to_s: order.placed_at.seconds() + ORDER_HORIZON_S,
        };
        let margin = self.mission.airspace.clearance_margin_m;
        let climb =
            self.world.segment_clear([pad[0], pad[1], 0.0], [pad[0], pad[1], alt], span, margin);
        let hop =
            self.world.segment_clear([pad[0], pad[1], alt], [nest[0], nest[1], alt], span, margin);
        if !(climb && hop) {
            return Err(format!(
                "pads: pad {} of nest {depot_id} has no clear climb and hop to the nest at {alt:.0} m",
                drone.pad
            ));
        }
        let mut path = t.path.clone();
        path.cruise_path_m.insert(0, pad);
        path.cruise_length_m += (pad[0] - nest[0]).hypot(pad[1] - nest[1]);
        flight_template(&drone.spec, &self.mission, &self.atm, pad, order, &path)
    }

    fn quote_with(&self, order: &Order, options: &[TemplateOption]) -> (Quote, Option<Booking>) {
        let (mode, booking) = if !matches!(order.service, Service::Express) {
            // One engine, one answer: the day plan flies express orders only.
            (self.not_by_drone("service: same-day and windowed orders go by van".into()), None)
        } else {
            match self.deconflicted(order, options) {
                Ok(b) => {
                    let d = &self.drones[b.drone];
                    let mode = QuoteMode::Drone {
                        drone_id: d.id.clone(),
                        depot_id: self.mission.depots[d.depot].id.clone(),
                        takeoff_s: b.takeoff_s,
                        eta_s: b.delivered_s,
                        energy_wh: b.template.energy_wh,
                        soc_end: b.template.samples.last().map_or(1.0, |s| s.soc),
                    };
                    (mode, Some(b))
                }
                Err(reason) => (self.not_by_drone(reason), None),
            }
        };
        (Quote { order_id: order.id.clone(), mode }, booking)
    }

    fn not_by_drone(&self, reason: String) -> QuoteMode {
        if self.mission.fleet.vans.iter().any(|v| v.count > 0) {
            QuoteMode::Van { reason }
        } else {
            QuoteMode::Refused { reason }
        }
    }

    /// How `order` would be served now, without booking anything. A drone quote keeps
    /// clear of every flight committed so far.
    pub fn quote(&self, order: &Order) -> Quote {
        let options = self.options_if_express(order);
        self.quote_with(order, &options).0
    }

    /// The flight options of an express order; none for the others, which go by van.
    fn options_if_express(&self, order: &Order) -> Vec<TemplateOption> {
        match order.service {
            Service::Express => self.options(order),
            _ => Vec::new(),
        }
    }

    /// Books `order` the way [`Dispatcher::quote`] answers, and returns that quote.
    pub fn commit(&mut self, order: &Order) -> Quote {
        let options = self.options_if_express(order);
        let (quote, booking) = self.quote_with(order, &options);
        match booking {
            Some(b) => {
                self.book(order, b);
            }
            None if matches!(quote.mode, QuoteMode::Van { .. }) => {
                self.van_queue.push(order.id.clone());
            }
            None => {}
        }
        quote
    }

    /// Moves the dispatcher's clock to `t_s` (seconds since midnight): nothing takes off
    /// before it. Time never goes back.
    pub fn advance_to(&mut self, t_s: f64) {
        self.now_s = self.now_s.max(t_s);
    }

    fn book(&mut self, order: &Order, b: Booking) -> Flight {
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let d = &mut self.drones[b.drone];
        let t = &b.template;
        d.free_at_s = b.takeoff_s + t.landed_s + t.energy_wh / d.spec.charge_power_w * 3600.0;
        let depot_id = self.mission.depots[d.depot].id.clone();
        let pad = self.pads[d.depot].get(d.pad).copied().unwrap_or(self.depot_xy[d.depot]);
        let f =
            instantiate(t, b.takeoff_s, order, &d.id, &d.spec.name, &depot_id, d.pad, dest, pad);
        let shifted: Vec<Volume4> = b.volumes.iter().map(|v| v.shifted(b.takeoff_s)).collect();
        self.reservations.insert(&shifted);
        if b.delay_s > 1e-6 {
            self.delayed.0 += 1;
            self.delayed.1 += b.delay_s;
        }
        self.flights.push(f.clone());
        f
    }
}
