//! What a live day's faults need from the [`Dispatcher`]: holding drones on the ground
//! until a time (a grounded drone, a pad out of service, wind above a type's limit) and
//! releasing bookings that have not taken off yet (a cancelled order, or a flight a hold
//! forbids), with their airspace reservations.
//!
//! A hold only moves a drone's earliest take-off later, so every quote after it already
//! respects it; bookings made before the hold that take off inside it are released here
//! and returned to the caller to dispatch again. Released reservations are dropped by
//! rebuilding the reservation index from the flights that remain (the index cuts a
//! flight the same way at any take-off time, see [`crate::volumes::flight_volumes`]).

use super::divert::{divert, enters_zone, DivertEnv};
use super::Dispatcher;
use crate::plan::{DiversionEnd, Flight};
use crate::volumes::{flight_volumes, ReservationIndex, Volume4};
use crate::world::{World, Zone};

pub use super::divert::DivertMode;

/// Step between the moments a diversion is tried when an earlier one would not keep
/// the minima, s.
pub const DIVERT_RETRY_S: f64 = 5.0;
/// At most this many moments are tried for one diversion.
const MAX_DIVERT_TRIES: usize = 24;

/// A hold that keeps a drone on the ground for the rest of the day: the latest clock
/// time a mission can name (48:00), s.
pub const REST_OF_DAY_S: f64 = 48.0 * 3600.0;

/// A flight diverted in the air, and the bookings its new way down displaced.
#[derive(Debug, Clone)]
pub struct Diverted {
    /// The flight as it is now flown (its [`Flight::diversion`] says how it ends).
    pub flight: Flight,
    /// Whether the new way down keeps the separation minima from every other flight in
    /// the air (when no ending does, the first one that is otherwise safe is flown).
    pub separated: bool,
    /// Bookings not yet airborne whose airspace the diversion now uses, released for the
    /// caller to dispatch again (in commit order).
    pub released: Vec<Flight>,
}

/// Per-drone holds: the drone takes off no earlier than this, s since midnight.
#[derive(Debug, Clone, Default)]
pub(super) struct Holds {
    until_s: Vec<f64>,
}

/// One drone of the fleet as the faults see it.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetDrone {
    /// Drone id, as in flights.
    pub id: String,
    /// Drone type name.
    pub type_name: String,
    /// Its nest's depot id.
    pub depot_id: String,
    /// Its home pad's index in the nest.
    pub pad: usize,
}

impl<'w> Dispatcher<'w> {
    /// The fleet's drones in the dispatcher's order.
    pub fn fleet(&self) -> Vec<FleetDrone> {
        self.drones
            .iter()
            .map(|d| FleetDrone {
                id: d.id.clone(),
                type_name: d.spec.name.clone(),
                depot_id: self.mission.depots[d.depot].id.clone(),
                pad: d.pad,
            })
            .collect()
    }

    /// The dispatcher's clock, s since midnight.
    pub fn now_s(&self) -> f64 {
        self.now_s
    }

    /// Keeps the drones named in `drone_ids` on the ground until `until_s`: no flight of
    /// theirs takes off before it. Their bookings that have not taken off by the clock
    /// and would take off before `until_s` are released and returned (in commit order),
    /// for the caller to dispatch again.
    pub fn hold_drones(&mut self, drone_ids: &[String], until_s: f64) -> Vec<Flight> {
        let n = self.drones.len();
        self.holds.until_s.resize(n, 0.0);
        for (i, d) in self.drones.iter_mut().enumerate() {
            if drone_ids.contains(&d.id) {
                self.holds.until_s[i] = self.holds.until_s[i].max(until_s);
                d.free_at_s = d.free_at_s.max(until_s);
            }
        }
        let now = self.now_s;
        self.release(|f| {
            drone_ids.contains(&f.drone_id) && f.takeoff_s >= now && f.takeoff_s < until_s
        })
    }

    /// Releases the booking of `order_id` if its flight has not taken off by the clock,
    /// and returns it; `None` if there is no such booking (none, or already airborne).
    pub fn cancel_booking(&mut self, order_id: &str) -> Option<Flight> {
        let now = self.now_s;
        self.release(|f| f.order_id == order_id && f.takeoff_s >= now).pop()
    }

    /// Flights in the air at the clock (taken off, not yet landed).
    pub fn airborne(&self) -> Vec<&Flight> {
        let now = self.now_s;
        self.flights.iter().filter(|f| f.takeoff_s < now && f.landed_s > now).collect()
    }

    /// Changes the world the dispatcher plans over to `world`: the same map with zones
    /// added at short notice (the sim's zone activations). Bookings are kept; the city
    /// planners are built again for the next quotes.
    pub fn switch_world(&mut self, world: &'w World) {
        self.world = world;
        self.planners = std::sync::Mutex::new(Vec::new());
    }

    /// Releases the bookings not yet airborne at the clock that come within their
    /// margin of `zone` while it is active, and returns them (in commit order).
    pub fn release_entering(&mut self, zone: &Zone) -> Vec<Flight> {
        let now = self.now_s;
        let mission = self.mission.clone();
        self.release(|f| f.takeoff_s >= now && enters_zone(f, zone, now, &mission))
    }

    /// The orders of the flights in the air whose way ahead enters `zone` while it is
    /// active.
    pub fn airborne_entering(&self, zone: &Zone) -> Vec<String> {
        let now = self.now_s;
        self.airborne()
            .into_iter()
            .filter(|f| enters_zone(f, zone, now, &self.mission))
            .map(|f| f.order_id.clone())
            .collect()
    }

    /// Diverts the flight of `order_id` in the air at the clock (see
    /// [`DivertMode`]): it brakes, flies back along its own way and comes down at a clear
    /// spot or on its pad. The new way down avoids every other flight in the air; the
    /// bookings not yet airborne that it meets are released and returned. A drone that
    /// landed away from its nest flies no more that day. `None` when the order has no
    /// flight in the air or nothing can be diverted (already landing).
    ///
    /// When no way down from the clock keeps the minima, the drone may hold its planned
    /// course (its own reservation) a little longer: the diversion is tried every
    /// [`DIVERT_RETRY_S`] up to `latest_s`; only when none keeps the minima is the first
    /// safe way down from the clock flown, and `separated` is false.
    pub fn divert_airborne(
        &mut self,
        order_id: &str,
        mode: DivertMode,
        cause: &str,
        latest_s: f64,
    ) -> Option<Diverted> {
        let now = self.now_s;
        let i = self.flights.iter().position(|f| {
            f.order_id == order_id && f.takeoff_s < now && f.landed_s > now && f.diversion.is_none()
        })?;
        let old = self.flights[i].clone();
        let d = self.drones.iter().position(|d| d.id == old.drone_id)?;
        let mut in_air = ReservationIndex::new(self.mission.airspace.separation);
        for (k, f) in self.flights.iter().enumerate() {
            if k != i && f.takeoff_s < now && f.landed_s > now {
                in_air.insert(&self.volumes_of(f));
            }
        }
        let env =
            DivertEnv { spec: &self.drones[d].spec, mission: &self.mission, world: self.world };
        let corridor = Some((self.drones[d].depot, self.drones[d].pad));
        let separated = |f: &Flight| free_of(&in_air, &flight_volumes(&f.samples, corridor));
        let tries = (0..).map(|k| now + k as f64 * DIVERT_RETRY_S).take_while(|t| *t <= latest_s);
        let (flight, ok) = match tries
            .take(MAX_DIVERT_TRIES)
            .find_map(|t| divert(&env, &old, t, cause, mode, separated))
        {
            Some(f) => (f, true),
            None => (divert(&env, &old, now, cause, mode, |_| true)?, false),
        };
        self.flights[i] = flight.clone();
        let mine = flight_volumes(&flight.samples, corridor);
        let mut own = ReservationIndex::new(self.mission.airspace.separation);
        own.insert(&mine);
        let volumes: Vec<(String, Vec<Volume4>)> = self
            .flights
            .iter()
            .filter(|f| f.takeoff_s >= now)
            .map(|f| (f.order_id.clone(), self.volumes_of(f)))
            .collect();
        let displaced: Vec<String> =
            volumes.into_iter().filter(|(_, v)| !free_of(&own, v)).map(|(id, _)| id).collect();
        let mut released = self.release(|f| f.takeoff_s >= now && displaced.contains(&f.order_id));
        self.rebuild_reservations();
        let drone = &mut self.drones[d];
        drone.free_at_s = drone
            .free_at_s
            .max(flight.landed_s + flight.energy_wh / drone.spec.charge_power_w * 3600.0);
        if matches!(flight.diversion.as_ref().map(|x| x.ending), Some(DiversionEnd::Spot { .. })) {
            let id = drone.id.clone();
            released.extend(self.hold_drones(&[id], REST_OF_DAY_S));
        }
        Some(Diverted { flight, separated: ok, released })
    }

    /// The reservations of flight `f` (cut the way the dispatcher cuts its own).
    fn volumes_of(&self, f: &Flight) -> Vec<Volume4> {
        let corridor = self.drones.iter().find(|d| d.id == f.drone_id).map(|d| (d.depot, d.pad));
        flight_volumes(&f.samples, corridor)
    }

    /// The reservation index rebuilt from the flights kept.
    fn rebuild_reservations(&mut self) {
        let mut index = ReservationIndex::new(self.mission.airspace.separation);
        for f in &self.flights {
            index.insert(&self.volumes_of(f));
        }
        self.reservations = index;
    }

    /// Removes the flights `release` selects, rebuilds the reservations from the rest and
    /// recomputes the released drones' earliest take-offs.
    fn release(&mut self, release: impl Fn(&Flight) -> bool) -> Vec<Flight> {
        let (gone, kept): (Vec<Flight>, Vec<Flight>) =
            std::mem::take(&mut self.flights).into_iter().partition(|f| release(f));
        self.flights = kept;
        if gone.is_empty() {
            return gone;
        }
        self.rebuild_reservations();
        for (i, d) in self.drones.iter_mut().enumerate() {
            if !gone.iter().any(|f| f.drone_id == d.id) {
                continue;
            }
            let hold = self.holds.until_s.get(i).copied().unwrap_or(0.0);
            // A drone is free once its last remaining flight has landed and recharged.
            d.free_at_s = self
                .flights
                .iter()
                .filter(|f| f.drone_id == d.id)
                .map(|f| f.landed_s + f.energy_wh / d.spec.charge_power_w * 3600.0)
                .fold(hold, f64::max);
        }
        gone
    }
}

/// Whether `volumes` (at their own times) meet none of `index`'s reservations.
fn free_of(index: &ReservationIndex, volumes: &[Volume4]) -> bool {
    index.earliest_takeoff(volumes, 0.0, 0.0).is_some()
}
