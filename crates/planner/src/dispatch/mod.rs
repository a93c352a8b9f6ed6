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

mod booking;
mod day;
mod divert;
mod faults;
mod flight;
mod lockers;
mod options;
mod planners;
mod reach;
pub mod vans;

use std::sync::{Arc, Mutex};

use crate::energy::model::Atmosphere;
use crate::energy::DroneSpec;
use crate::mission::{DepotKind, Mission, Order, Service};
use crate::plan::{Flight, ReasonKind, Reasons};
use crate::search::city::{CityPlanner, Clearances};
use crate::volumes::{ReservationIndex, Volume4};
use crate::world::pads::pad_layout;
use crate::world::{Rect, World};
use booking::Booking;
pub(crate) use day::summarise;
pub use day::{plan_mission, plan_mission_with, Deconfliction};
pub(crate) use divert::enters_zone;
pub use faults::{DivertMode, Diverted, FleetDrone, DIVERT_RETRY_S, REST_OF_DAY_S};
pub use planners::Planners;

use flight::{instantiate, FlownBy};
use options::PathsAhead;

/// Why a same-day or windowed order is not flown (the day plan and the quotes alike).
fn service_by_van() -> Reasons {
    Reasons::one(ReasonKind::Service, "same-day and windowed orders go by van")
}
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
        reason: Reasons,
    },
    /// Neither drone nor van can take it.
    Refused {
        /// Why, with the numbers.
        reason: Reasons,
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
    /// Per depot, the most ground track its drones can fly out and back on a charge, m
    /// (the longest of its types' [`reach::reach_m`]; 0 for van depots): its searches go
    /// no further.
    reach_m: Vec<f64>,
    types: Vec<DroneSpec>,
    drones: Vec<Drone>,
    area: Rect,
    planners: Mutex<Vec<(Vec<bool>, Arc<CityPlanner<'w>>)>>,
    /// Paths worked out ahead ([`Dispatcher::work_out_paths_for`]), taken
    /// by the options that need them.
    paths_ahead: PathsAhead,
    now_s: f64,
    flights: Vec<Flight>,
    van_queue: Vec<String>,
    reservations: ReservationIndex,
    deconflict: Deconfliction,
    /// What keeping the fleet apart changed so far.
    separation: SeparationStats,
    /// Drones held on the ground by faults (see `faults`).
    holds: faults::Holds,
    /// Locker compartments booked by the flights so far.
    lockers: lockers::LockerLedger,
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
        let type_reach: Vec<f64> = types.iter().map(|t| reach::reach_m(t, mission)).collect();
        let reach_m = (0..mission.depots.len())
            .map(|n| {
                let at_n = |k: &usize| {
                    drones.iter().any(|d| d.depot == n && d.spec.name == types[*k].name)
                };
                (0..types.len()).filter(at_n).map(|k| type_reach[k]).fold(0.0, f64::max)
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
            reach_m,
            types,
            drones,
            area,
            planners: Mutex::new(Vec::new()),
            paths_ahead: PathsAhead::default(),
            now_s: 0.0,
            flights: Vec::new(),
            van_queue: Vec::new(),
            reservations: ReservationIndex::new(mission.airspace.separation),
            deconflict: Deconfliction::On,
            separation: SeparationStats::default(),
            holds: faults::Holds::default(),
            lockers: lockers::LockerLedger::new(mission),
        }
    }

    /// The clearance rules of `order`'s delivery: a locker order lands on its locker's
    /// pad (no drop radius, no hover: the parcel goes into the locker on the ground).
    fn rules_for(&self, order: &Order) -> Clearances {
        match order.locker {
            Some(_) => Clearances { drop_radius_m: 0.0, hover_m: 0.0, ..self.rules },
            None => self.rules,
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

    /// When `order`'s package can be loaded: its pick-and-load time, never before now.
    pub(super) fn ready_s(&self, order: &Order) -> f64 {
        (order.placed_at.seconds() + self.mission.policy.pick_load_s).max(self.now_s)
    }

    fn quote_with(&self, order: &Order) -> (Quote, Option<Booking>) {
        let (mode, booking) = if !matches!(order.service, Service::Express) {
            // One engine, one answer: the day plan flies express orders only.
            (self.not_by_drone(order, service_by_van()), None)
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
                Err(reason) => (self.not_by_drone(order, reason), None),
            }
        };
        (Quote { order_id: order.id.clone(), mode }, booking)
    }

    /// The answer for an order no drone takes (`reason`): a van, unless there are none
    /// or the order's locker refuses vans or has no compartment over the van's window,
    /// as the day plan's van stage decides.
    fn not_by_drone(&self, order: &Order, reason: Reasons) -> QuoteMode {
        if !self.mission.fleet.vans.iter().any(|v| v.count > 0) {
            return QuoteMode::Refused { reason };
        }
        let (from, to) = self.van_window(order);
        match self.lockers.van_refusal(&self.mission, order, from, to) {
            Some(why) => QuoteMode::Refused { reason: reason.then(Reasons::from(why)) },
            None => QuoteMode::Van { reason },
        }
    }

    /// When a van could bring `order`: from its pick-and-load time to its window's end
    /// (the end of the van shifts without a window), as the day plan's van stage counts.
    fn van_window(&self, order: &Order) -> (f64, f64) {
        let ready = order.placed_at.seconds() + self.mission.policy.pick_load_s;
        vans::window_of(order, ready, vans::last_shift_end_s(&self.mission))
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
                // The quote found the locker's room over the van's window: hold it.
                let (from, to) = self.van_window(order);
                let held = self.lockers.book_van(&self.mission, order, from, to);
                debug_assert!(held.is_ok(), "a van quote checked the locker's room");
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
        let by = FlownBy {
            drone_id: &d.id,
            drone_type: &d.spec.name,
            depot_id: &depot_id,
            pad: d.pad,
            pad_m: pad,
        };
        let f = instantiate(t, b.takeoff_s, order, dest, &by);
        // `deconflicted` checked the room.
        self.lockers.record(&self.mission, order, f.delivered_s);
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
