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
mod divert;
mod faults;
mod flight;
pub mod vans;

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::energy::model::Atmosphere;
use crate::energy::DroneSpec;
use crate::mission::{ClockTime, DepotKind, Mission, Order, Service};
use crate::plan::Flight;
use crate::search::city::{CityPlanner, CityPlannerConfig, Clearances, DeliveryPath};
use crate::volumes::{flight_volumes, ReservationIndex, Volume4};
use crate::world::pads::{pad_layout, PAD_SEARCH_RADIUS_M};
use crate::world::{Rect, TimeSpan, World};
pub(crate) use day::summarise;
pub use day::{plan_mission, plan_mission_with, Deconfliction};
pub(crate) use divert::enters_zone;
pub use faults::{DivertMode, Diverted, FleetDrone, DIVERT_RETRY_S, REST_OF_DAY_S};

use flight::{dist, flight_template, instantiate, FlightTemplate};

/// Why a same-day or windowed order is not flown (the day plan and the quotes alike).
pub(crate) const SERVICE_BY_VAN: &str = "service: same-day and windowed orders go by van";
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

/// (option index, depot index, pad index, other cruise layer) of a flight re-flown from
/// a pad; the layer is `None` for the option's own.
type PadFlightKey = (usize, usize, usize, Option<usize>);

/// Pad flights already computed for one order (a candidate's drones share pads), and its
/// paths from each nest on other cruise layers, by (depot index, layer index).
#[derive(Default)]
struct PadFlights {
    flights: Vec<(PadFlightKey, Result<FlightTemplate, String>)>,
    paths: Vec<((usize, usize), Result<DeliveryPath, String>)>,
}

/// How many candidates (distinct pad flights, earliest first) a booking that needs a
/// long delay also tries on the other cruise layers.
const LAYER_CANDIDATES: usize = 2;
/// A ground delay up to this long is taken as it is, s: another layer costs a longer
/// climb and its own search, and most waits for the airspace are a few seconds.
const LAYER_CHANGE_DELAY_S: f64 = 60.0;

impl PadFlights {
    /// The path under `key`, planned by `plan` on first use.
    fn path_or(
        &mut self,
        key: (usize, usize),
        plan: impl FnOnce() -> Result<DeliveryPath, String>,
    ) -> Result<DeliveryPath, String> {
        memo(&mut self.paths, key, plan)
    }

    /// The flight under `key`, computed by `fly` on first use.
    fn get_or(
        &mut self,
        key: PadFlightKey,
        fly: impl FnOnce() -> Result<FlightTemplate, String>,
    ) -> Result<FlightTemplate, String> {
        memo(&mut self.flights, key, fly)
    }
}

/// The value under `key` in `entries`, computed by `make` and kept on first use. A few
/// entries per quote: a linear scan beats hashing here.
fn memo<K: PartialEq, V: Clone>(entries: &mut Vec<(K, V)>, key: K, make: impl FnOnce() -> V) -> V {
    if let Some((_, v)) = entries.iter().find(|(k, _)| *k == key) {
        return v.clone();
    }
    let v = make();
    entries.push((key, v.clone()));
    v
}

/// A drone that could fly one of an order's options within the promise if the
/// airspace were empty.
struct Candidate {
    /// Delivery time ignoring the airspace, s.
    nominal_s: f64,
    /// Drone index.
    drone: usize,
    /// Option index.
    option: usize,
}

/// A drone, a flight and a take-off time that keep every separation rule.
struct Booking {
    drone: usize,
    template: FlightTemplate,
    volumes: Vec<Volume4>,
    takeoff_s: f64,
    delivered_s: f64,
    /// Seconds the take-off waits for the airspace to clear.
    delay_s: f64,
    /// Whether it flies at another cruise layer than its best one, to keep clear.
    other_layer: bool,
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
    /// What keeping the fleet apart changed so far.
    separation: SeparationStats,
    /// Drones held on the ground by faults (see `faults`).
    holds: faults::Holds,
}

/// City planners shared between dispatchers over one world (see
/// [`Dispatcher::planners`]).
#[derive(Clone)]
pub struct Planners<'w> {
    world: &'w World,
    area: Rect,
    shape: [f64; 3],
    list: Vec<(Vec<bool>, Arc<CityPlanner<'w>>)>,
}

/// What keeping the fleet's flights apart changed: take-offs held on the ground, and
/// flights moved to another cruise layer than their best one.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SeparationStats {
    /// Flights whose take-off waited for the airspace to clear.
    pub delayed: usize,
    /// Seconds waited, all flights together.
    pub delay_s: f64,
    /// Flights flown at another cruise layer than their best one.
    pub other_layer: usize,
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
            separation: SeparationStats::default(),
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

    /// What keeping the fleet apart changed so far: held take-offs, other cruise layers.
    pub fn separation(&self) -> SeparationStats {
        self.separation
    }

    /// Flights committed so far, in commit order.
    pub fn flights(&self) -> &[Flight] {
        &self.flights
    }

    /// Ids of orders committed to the van waves, in commit order.
    pub fn van_orders(&self) -> &[String] {
        &self.van_queue
    }

    /// The zones that matter to `order`'s flight: which time-windowed zones are active
    /// from its placing to [`ORDER_HORIZON_S`] later.
    fn zone_signature(&self, order: &Order) -> Vec<bool> {
        let span = TimeSpan {
            from_s: order.placed_at.seconds(),
            to_s: order.placed_at.seconds() + ORDER_HORIZON_S,
        };
        self.world.zones.iter().map(|z| z.window_s.is_some() && z.active_during(span)).collect()
    }

    /// One order of the mission per distinct [`Dispatcher::zone_signature`]: the orders
    /// whose planners, together, serve the whole day.
    fn zone_sets(&self) -> Vec<&Order> {
        let mut seen: Vec<Vec<bool>> = Vec::new();
        let mut firsts = Vec::new();
        for o in &self.mission.orders {
            let sig = self.zone_signature(o);
            if !seen.contains(&sig) {
                seen.push(sig);
                firsts.push(o);
            }
        }
        firsts
    }

    /// Builds now what the first quotes would otherwise build: the planner of every set
    /// of time-windowed zones the mission's orders meet, and each nest's shortest-path
    /// trees on every cruise layer of each. A live dispatcher calls it once before its
    /// first quote, so that quotes pay for searches only.
    pub fn warm_up(&self) {
        let planners: Vec<Arc<CityPlanner<'w>>> =
            self.zone_sets().par_iter().map(|o| self.planner_for(o)).collect();
        let jobs: Vec<(&Arc<CityPlanner<'w>>, [f64; 2])> = planners
            .iter()
            .flat_map(|p| self.nests.iter().map(move |&n| (p, self.depot_xy[n])))
            .collect();
        jobs.par_iter().for_each(|(p, xy)| p.prepare_depot(*xy));
    }

    /// The city planners built so far (one per set of active zones, each with the trees
    /// it has grown), to share with another dispatcher over the same world and mission
    /// (see [`Dispatcher::with_planners`]): a day simulated again with other faults need
    /// not search the same trees again.
    pub fn planners(&self) -> Planners<'w> {
        let cache = self.planners.lock().unwrap_or_else(|p| p.into_inner());
        Planners {
            world: self.world,
            area: self.area,
            shape: self.planner_shape(),
            list: cache.clone(),
        }
    }

    /// This dispatcher, using `planners` (from [`Dispatcher::planners`]) instead of
    /// building its own; ignored unless they were built over the same world and area.
    /// Planners are pure functions of the world, the area, the mission's altitudes and
    /// margin and the active zones, so the answers are the same either way.
    pub fn with_planners(self, planners: Planners<'w>) -> Self {
        let same = std::ptr::eq(planners.world, self.world)
            && planners.area == self.area
            && planners.shape == self.planner_shape();
        if same {
            *self.planners.lock().unwrap_or_else(|p| p.into_inner()) = planners.list;
        }
        self
    }

    /// What shapes a planner besides the world, the area and the zones: the cruise
    /// altitudes and the clearance margin, m.
    fn planner_shape(&self) -> [f64; 3] {
        let m = &self.mission;
        [m.policy.cruise_alt_min_m, m.policy.cruise_alt_max_m, m.airspace.clearance_margin_m]
    }

    /// The planner for the zones active around `order`, built on first use.
    fn planner_for(&self, order: &Order) -> Arc<CityPlanner<'w>> {
        let span = TimeSpan {
            from_s: order.placed_at.seconds(),
            to_s: order.placed_at.seconds() + ORDER_HORIZON_S,
        };
        let sig = self.zone_signature(order);
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

    /// Every (nest, type) way of flying `order`, or why not. Nests are searched in
    /// parallel (rayon; results are collected in nest order, so the answer does not
    /// depend on the thread count).
    fn options(&self, order: &Order) -> Vec<TemplateOption> {
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let planner = self.planner_for(order);
        let per_nest: Vec<Vec<TemplateOption>> =
            self.nests.par_iter().map(|&n| self.nest_options(order, n, &planner, dest)).collect();
        per_nest.into_iter().flatten().collect()
    }

    /// The ways of flying `order` from nest `n`, one per drone type based there (types in
    /// parallel, collected in type order).
    fn nest_options(
        &self,
        order: &Order,
        n: usize,
        planner: &CityPlanner<'w>,
        dest: [f64; 2],
    ) -> Vec<TemplateOption> {
        let too_heavy = |spec: &DroneSpec| {
            format!(
                "too heavy: payload {:.2} kg exceeds the {} limit of {:.2} kg",
                order.payload_kg, spec.name, spec.max_payload_kg
            )
        };
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
                    Ok(p) => {
                        flight_template(spec, &self.mission, &self.atm, self.depot_xy[n], order, p)
                    }
                };
                (n, spec.name.clone(), t)
            })
            .collect()
    }

    /// A lower bound on when a drone of nest `n` could put `order`'s package down: its
    /// earliest free drone takes off at once and flies the straight line, less the pad
    /// and drop-point offsets, at the fastest cruise speed of the nest's types (the
    /// trajectory never exceeds a type's cruise speed over the ground).
    fn nest_lower_bound_s(&self, order: &Order, n: usize, dest: [f64; 2]) -> f64 {
        let here = self.drones.iter().filter(|d| d.depot == n);
        let free = here.clone().map(|d| d.free_at_s).fold(f64::INFINITY, f64::min);
        let speed = here.map(|d| d.spec.cruise_speed_mps).fold(0.0, f64::max);
        let slack = PAD_SEARCH_RADIUS_M + self.rules.drop_radius_m;
        let reach_m = (dist(self.depot_xy[n], dest) - slack).max(0.0);
        self.ready_s(order).max(free) + reach_m / speed.max(1e-9)
    }

    /// The booking a quote gives `order`: nests are tried nearest first (by
    /// [`Dispatcher::nest_lower_bound_s`]), and the search stops when the next nest could
    /// not deliver before the best booking found. The answer is the one every nest's
    /// options would give; only the nests that cannot matter are skipped.
    fn nearest_first(&self, order: &Order) -> Result<Booking, String> {
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let planner = self.planner_for(order);
        let mut nests: Vec<(f64, usize)> =
            self.nests.iter().map(|&n| (self.nest_lower_bound_s(order, n, dest), n)).collect();
        nests.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut options: Vec<TemplateOption> = Vec::new();
        let mut flown = PadFlights::default();
        let mut result = Err("no drones: the fleet has no drones".to_string());
        for (bound_s, n) in nests {
            if result.as_ref().is_ok_and(|b: &Booking| bound_s >= b.delivered_s) {
                break;
            }
            options.extend(self.nest_options(order, n, &planner, dest));
            result = self.deconflicted(order, &options, &mut flown);
        }
        result
    }

    /// The best drone for `order` given the drones' current bookings: (delivery time,
    /// drone index, template index, take-off), the runner-up delivery time, and the
    /// reasons of the options that cannot fly.
    fn best_drone(
        &self,
        order: &Order,
        options: &[TemplateOption],
    ) -> (Option<Choice>, f64, Vec<String>) {
        let ready = self.ready_s(order);
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

    /// The drone, pad flight, cruise layer and take-off that deliver `order` earliest
    /// while keeping clear of every reservation, or why no drone can.
    ///
    /// Candidates are (drone, option) pairs in order of their delivery time ignoring the
    /// airspace; each is re-flown from its drone's pad on its best cruise layer and
    /// delayed until its volumes meet no reservation. A delay never makes a delivery
    /// earlier, so the search stops at the first candidate whose undelayed delivery is
    /// already later than the best found. When the best needs a delay longer than
    /// [`LAYER_CHANGE_DELAY_S`] (or none keeps clear), the first [`LAYER_CANDIDATES`]
    /// candidates are also tried on the other cruise layers (see
    /// [`Dispatcher::other_layer_booking`]); bounding that keeps a quote's work bounded.
    fn deconflicted(
        &self,
        order: &Order,
        options: &[TemplateOption],
        flown: &mut PadFlights,
    ) -> Result<Booking, String> {
        let (candidates, mut reasons) = self.candidates(order, options);
        let mut best: Option<Booking> = None;
        let mut blocked = 0usize;
        let mut flyable: Vec<&Candidate> = Vec::new();
        for c in &candidates {
            if best.as_ref().is_some_and(|b| c.nominal_s >= b.delivered_s) {
                break;
            }
            match self.base_booking(order, options, c, flown) {
                Ok(b) => {
                    flyable.push(c);
                    match b {
                        Some(b) if best.as_ref().is_none_or(|x| b.delivered_s < x.delivered_s) => {
                            best = Some(b)
                        }
                        Some(_) => {}
                        None => blocked += 1,
                    }
                }
                Err(reason) => reasons.push(reason),
            }
        }
        let long_wait = best.as_ref().is_none_or(|b| b.delay_s > LAYER_CHANGE_DELAY_S);
        if self.deconflict == Deconfliction::On && long_wait {
            let mut pads_tried: Vec<(usize, usize, usize)> = Vec::new();
            for c in flyable {
                let d = &self.drones[c.drone];
                let key = (c.option, d.depot, d.pad);
                if pads_tried.contains(&key) {
                    continue;
                }
                if pads_tried.len() == LAYER_CANDIDATES
                    || best.as_ref().is_some_and(|b| c.nominal_s >= b.delivered_s)
                {
                    break;
                }
                pads_tried.push(key);
                let bound = best.as_ref().map_or(f64::INFINITY, |b| b.delivered_s);
                if let Some(b) = self.other_layer_booking(order, options, c, bound, flown) {
                    best = Some(b);
                }
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

    /// Every (drone, option) pair that could deliver `order` within its promise if the
    /// airspace were empty, earliest first; and why the others cannot.
    fn candidates(
        &self,
        order: &Order,
        options: &[TemplateOption],
    ) -> (Vec<Candidate>, Vec<String>) {
        let ready = self.ready_s(order);
        let due = order.due_s();
        let mut reasons: Vec<String> = Vec::new();
        let mut candidates: Vec<Candidate> = Vec::new();
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
                    candidates.push(Candidate { nominal_s: delivered, drone: di, option: ti });
                }
            }
        }
        candidates.sort_by(|a, b| a.nominal_s.total_cmp(&b.nominal_s).then(a.drone.cmp(&b.drone)));
        (candidates, reasons)
    }

    /// When `order`'s package can be loaded: its pick-and-load time, never before now.
    fn ready_s(&self, order: &Order) -> f64 {
        (order.placed_at.seconds() + self.mission.policy.pick_load_s).max(self.now_s)
    }

    /// Candidate `c` flown from its drone's pad on its option's own cruise layer at the
    /// earliest take-off that keeps clear of every reservation: `Ok(None)` when none does
    /// before the promise, `Err` when the pad flight itself cannot be flown.
    fn base_booking(
        &self,
        order: &Order,
        options: &[TemplateOption],
        c: &Candidate,
        flown: &mut PadFlights,
    ) -> Result<Option<Booking>, String> {
        let d = &self.drones[c.drone];
        let Ok(nest_t) = &options[c.option].2 else { return Ok(None) };
        let t = flown
            .get_or((c.option, d.depot, d.pad, None), || self.pad_flight(order, &nest_t.path, d))?;
        Ok(self.earliest_booking(order, c.drone, t, false))
    }

    /// Candidate `c` on another cruise layer than its option's, the one that delivers
    /// earliest and before `bound_s` (another layer is often free at once: the layers are
    /// further apart than the vertical minimum); `None` when no other layer does.
    fn other_layer_booking(
        &self,
        order: &Order,
        options: &[TemplateOption],
        c: &Candidate,
        bound_s: f64,
        flown: &mut PadFlights,
    ) -> Option<Booking> {
        let d = &self.drones[c.drone];
        let Ok(nest_t) = &options[c.option].2 else { return None };
        let planner = self.planner_for(order);
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let earliest = self.ready_s(order).max(d.free_at_s);
        let mut best: Option<Booking> = None;
        for (layer, alt) in planner.layer_altitudes_m().into_iter().enumerate() {
            if (alt - nest_t.path.cruise_alt_m).abs() < 1e-6 {
                continue;
            }
            let path = flown.path_or((d.depot, layer), || {
                planner
                    .plan_delivery_in_layer(self.depot_xy[d.depot], dest, &self.rules, layer)
                    .map_err(|e| e.to_string())
            });
            let Ok(path) = path else { continue };
            let key = (c.option, d.depot, d.pad, Some(layer));
            let Ok(t) = flown.get_or(key, || self.pad_flight(order, &path, d)) else { continue };
            let bound = best.as_ref().map_or(bound_s, |b| b.delivered_s);
            if earliest + t.delivered_s >= bound {
                continue;
            }
            if let Some(b) = self.earliest_booking(order, c.drone, t, true) {
                if b.delivered_s < bound {
                    best = Some(b);
                }
            }
        }
        best
    }

    /// Drone `drone` flying `template` at its earliest take-off that keeps clear of every
    /// reservation and still delivers `order` within its promise.
    fn earliest_booking(
        &self,
        order: &Order,
        drone: usize,
        template: FlightTemplate,
        other_layer: bool,
    ) -> Option<Booking> {
        let d = &self.drones[drone];
        let earliest = self.ready_s(order).max(d.free_at_s);
        let latest = order.due_s() - template.delivered_s;
        let volumes = flight_volumes(&template.samples, Some((d.depot, d.pad)));
        let takeoff = match self.deconflict {
            Deconfliction::Off => Some(earliest).filter(|&t| t <= latest + 1e-9),
            Deconfliction::On => self.reservations.earliest_takeoff(&volumes, earliest, latest),
        }?;
        Some(Booking {
            drone,
            delivered_s: takeoff + template.delivered_s,
            template,
            volumes,
            takeoff_s: takeoff,
            delay_s: takeoff - earliest,
            other_layer,
        })
    }

    /// A flight along `path` (planned from the nest point) flown instead from `drone`'s
    /// home pad: climb over the pad, then straight for the path's first waypoint when
    /// that leg is clear (flights from one nest's pads part at once), else over the nest
    /// point first.
    fn pad_flight(
        &self,
        order: &Order,
        path: &DeliveryPath,
        drone: &Drone,
    ) -> Result<FlightTemplate, String> {
        let nest = self.depot_xy[drone.depot];
        let depot_id = &self.mission.depots[drone.depot].id;
        let Some(&pad) = self.pads[drone.depot].get(drone.pad) else {
            return Err(format!("pads: the pads of nest {depot_id} do not fit on open ground"));
        };
        let alt = path.cruise_alt_m;
        let span = TimeSpan {
            from_s: order.placed_at.seconds(),
            to_s: order.placed_at.seconds() + ORDER_HORIZON_S,
        };
        let margin = self.mission.airspace.clearance_margin_m;
        let clear = |a: [f64; 2], za: f64, b: [f64; 2], zb: f64| {
            self.world.segment_clear([a[0], a[1], za], [b[0], b[1], zb], span, margin)
        };
        let mut path = path.clone();
        if pad != nest {
            let first = path.cruise_path_m.get(1).copied().unwrap_or(nest);
            if !self.world.pad_column_clear(pad, path.deck_m, alt, span, margin) {
                return Err(format!(
                    "pads: pad {} of nest {depot_id} has no clear climb to {alt:.0} m",
                    drone.pad
                ));
            }
            if clear(pad, alt, first, alt) {
                path.cruise_length_m += dist(pad, first) - dist(nest, first);
                path.cruise_path_m[0] = pad;
            } else if clear(pad, alt, nest, alt) {
                path.cruise_length_m += dist(pad, nest);
                path.cruise_path_m.insert(0, pad);
            } else {
                return Err(format!(
                    "pads: pad {} of nest {depot_id} has no clear way to the nest at {alt:.0} m",
                    drone.pad
                ));
            }
        }
        flight_template(&drone.spec, &self.mission, &self.atm, pad, order, &path)
    }

    fn quote_with(&self, order: &Order) -> (Quote, Option<Booking>) {
        let (mode, booking) = if !matches!(order.service, Service::Express) {
            // One engine, one answer: the day plan flies express orders only.
            (self.not_by_drone(SERVICE_BY_VAN.into()), None)
        } else {
            match self.nearest_first(order) {
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
        self.quote_with(order).0
    }

    /// Books `order` the way [`Dispatcher::quote`] answers, and returns that quote.
    pub fn commit(&mut self, order: &Order) -> Quote {
        let (quote, booking) = self.quote_with(order);
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
            self.separation.delayed += 1;
            self.separation.delay_s += b.delay_s;
        }
        if b.other_layer {
            self.separation.other_layer += 1;
        }
        self.flights.push(f.clone());
        f
    }
}
