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

use super::Dispatcher;
use crate::plan::Flight;
use crate::volumes::{flight_volumes, ReservationIndex};

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

impl Dispatcher<'_> {
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

    /// Removes the flights `release` selects, rebuilds the reservations from the rest and
    /// recomputes the released drones' earliest take-offs.
    fn release(&mut self, release: impl Fn(&Flight) -> bool) -> Vec<Flight> {
        let (gone, kept): (Vec<Flight>, Vec<Flight>) =
            std::mem::take(&mut self.flights).into_iter().partition(|f| release(f));
        self.flights = kept;
        if gone.is_empty() {
            return gone;
        }
        let mut index = ReservationIndex::new(self.mission.airspace.separation);
        for f in &self.flights {
            let Some(d) = self.drones.iter().find(|d| d.id == f.drone_id) else { continue };
            index.insert(&flight_volumes(&f.samples, Some((d.depot, d.pad))));
        }
        self.reservations = index;
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
