//! Locker compartments booked over the day: a parcel occupies one compartment from its
//! delivery until it is collected (its locker's `hold_h` later). The planner never
//! delivers to a full locker; the verifier recounts occupancy from the plan on its own.

use crate::mission::{Locker, Mission, Order};
use crate::plan::{Reason, ReasonKind};

/// The compartments taken at each of a mission's lockers, as time intervals.
#[derive(Debug, Clone, Default)]
pub(crate) struct LockerLedger {
    /// Per locker (mission order): the intervals its parcels occupy a compartment, s.
    occupied: Vec<Vec<(f64, f64)>>,
}

impl LockerLedger {
    /// An empty ledger for `mission`'s lockers.
    pub fn new(mission: &Mission) -> LockerLedger {
        LockerLedger { occupied: vec![Vec::new(); mission.lockers.len()] }
    }

    /// Whether locker `index` (of capacity `locker`) keeps a compartment free over the
    /// whole of `[from_s, to_s)`: the most parcels it holds at once in that interval is
    /// below its compartments.
    fn has_room(&self, index: usize, locker: &Locker, from_s: f64, to_s: f64) -> bool {
        let held = &self.occupied[index];
        // Occupancy only rises at an interval's start: the peak inside [from, to) is at
        // `from` or at a start within it.
        let peaks = std::iter::once(from_s)
            .chain(held.iter().map(|h| h.0).filter(|&s| s > from_s && s < to_s));
        let most =
            peaks.map(|t| held.iter().filter(|h| h.0 <= t && t < h.1).count()).max().unwrap_or(0);
        most < locker.compartments as usize
    }

    /// Checks that `order`'s locker (if it names one) has a compartment for a parcel
    /// delivered at some time in `[earliest_s, latest_s]`, and books it: the compartment
    /// is held from `earliest_s` until `latest_s` plus the locker's hold time, which
    /// covers every delivery time in between. An order without a locker always passes.
    pub fn book(
        &mut self,
        mission: &Mission,
        order: &Order,
        earliest_s: f64,
        latest_s: f64,
    ) -> Result<(), Reason> {
        let room = self.room(mission, order, earliest_s, latest_s)?;
        if let Some((index, from, to)) = room {
            self.occupied[index].push((from, to));
        }
        Ok(())
    }

    /// Why a van may not bring `order`'s parcel to its locker at some time in
    /// `[earliest_s, latest_s]`: the locker takes no vans, or has no compartment over that
    /// window and the hold ([`LockerLedger::room`]). `None` for an order without a locker.
    pub fn van_refusal(
        &self,
        mission: &Mission,
        order: &Order,
        earliest_s: f64,
        latest_s: f64,
    ) -> Option<Reason> {
        kind_refuses(mission, order, false)
            .or_else(|| self.room(mission, order, earliest_s, latest_s).err())
    }

    /// [`LockerLedger::book`] for a van parcel: refused as [`LockerLedger::van_refusal`]
    /// says, else its compartment is held over the whole window.
    pub fn book_van(
        &mut self,
        mission: &Mission,
        order: &Order,
        earliest_s: f64,
        latest_s: f64,
    ) -> Result<(), Reason> {
        match kind_refuses(mission, order, false) {
            Some(why) => Err(why),
            None => self.book(mission, order, earliest_s, latest_s),
        }
    }

    /// Records a parcel delivered into `order`'s locker (if it names one) at
    /// `delivered_s`, room or not: the ledger holds what was delivered.
    pub fn record(&mut self, mission: &Mission, order: &Order, delivered_s: f64) {
        let Some(index) = mission.lockers.iter().position(|l| Some(&l.id) == order.locker.as_ref())
        else {
            return;
        };
        let hold = mission.lockers[index].hold_s();
        self.occupied[index].push((delivered_s, delivered_s + hold));
    }

    /// As [`LockerLedger::book`] without booking: the interval a booking would hold
    /// (locker index, from, to), `None` for an order without a locker.
    pub fn room(
        &self,
        mission: &Mission,
        order: &Order,
        earliest_s: f64,
        latest_s: f64,
    ) -> Result<Option<(usize, f64, f64)>, Reason> {
        let Some(id) = &order.locker else { return Ok(None) };
        let Some(index) = mission.lockers.iter().position(|l| &l.id == id) else {
            return Err(Reason::new(ReasonKind::Locker, format!("unknown locker {id:?}")));
        };
        let locker = &mission.lockers[index];
        let to = latest_s + locker.hold_s();
        if self.has_room(index, locker, earliest_s, to) {
            Ok(Some((index, earliest_s, to)))
        } else {
            Err(Reason::new(
                ReasonKind::Locker,
                format!(
                    "locker {id} has no free compartment of its {} from {} (parcels are held {} h)",
                    locker.compartments,
                    crate::mission::ClockTime(earliest_s),
                    locker.hold_h
                ),
            ))
        }
    }
}

/// Why `order`'s locker takes no delivery by this kind of vehicle (`by_drone`: a drone,
/// else a van), if it names one that does not.
pub(crate) fn kind_refuses(mission: &Mission, order: &Order, by_drone: bool) -> Option<Reason> {
    let locker = mission.locker_of(order)?;
    let admits = if by_drone { locker.kind.admits_drones() } else { locker.kind.admits_vans() };
    (!admits).then(|| {
        let (vehicle, other) = if by_drone { ("drones", "vans") } else { ("vans", "drones") };
        Reason::new(
            ReasonKind::Locker,
            format!("{} takes no delivery by {vehicle}, only by {other}", locker.id),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mission::LockerKind;

    fn mission(compartments: u32, hold_h: f64) -> Mission {
        let text = r#"Mission(
    name: "l",
    origin: (lat_deg: 43.73, lon_deg: 7.42),
    map: "m.osm.pbf",
    depots: [(id: "nest", lat_deg: 43.73, lon_deg: 7.42, kind: Drone)],
    lockers: [(id: "port", lat_deg: 43.735, lon_deg: 7.425, compartments: 1, kind: Drone)],
    fleet: (drones: [(model: Preset("dji-m100"), depot: "nest", count: 1)]),
    orders: [(id: "a", placed_at: "09:00", locker: "port", payload_kg: 0.5),
             (id: "b", placed_at: "09:00", lat_deg: 43.731, lon_deg: 7.421, payload_kg: 0.5)],
)"#;
        let mut m = Mission::from_ron_str(text, "l.ron").unwrap();
        m.lockers[0].compartments = compartments;
        m.lockers[0].hold_h = hold_h;
        m
    }

    #[test]
    fn a_full_locker_refuses_until_a_parcel_is_collected() {
        let m = mission(2, 1.0);
        let (a, t) = (&m.orders[0], 9.0 * 3600.0);
        let mut ledger = LockerLedger::new(&m);
        ledger.book(&m, a, t, t).unwrap();
        ledger.book(&m, a, t + 600.0, t + 600.0).unwrap();
        let full = ledger.book(&m, a, t + 1200.0, t + 1200.0).unwrap_err();
        assert_eq!(full.kind, ReasonKind::Locker);
        // The first parcel is collected an hour after delivery: room again from then.
        ledger.book(&m, a, t + 3600.0, t + 3600.0).unwrap();
        // A parcel before the others would still be in when they arrive.
        assert!(ledger.book(&m, a, t - 1800.0, t - 1800.0).is_err());
        // Orders without a locker never touch the ledger.
        ledger.book(&m, &m.orders[1], t, t).unwrap();
        // A recorded delivery counts, room or not.
        let mut ledger = LockerLedger::new(&m);
        ledger.record(&m, a, t);
        ledger.record(&m, a, t);
        assert!(ledger.room(&m, a, t + 60.0, t + 60.0).is_err());
        assert!(ledger.room(&m, a, t + 3600.0, t + 3600.0).is_ok());
    }

    #[test]
    fn a_locker_admits_only_its_kinds() {
        let mut m = mission(1, 24.0);
        assert!(kind_refuses(&m, &m.orders[0], true).is_none());
        assert_eq!(kind_refuses(&m, &m.orders[0], false).unwrap().kind, ReasonKind::Locker);
        m.lockers[0].kind = LockerKind::Both;
        assert!(kind_refuses(&m, &m.orders[0], false).is_none());
        assert!(kind_refuses(&m, &m.orders[1], false).is_none());
    }
}
