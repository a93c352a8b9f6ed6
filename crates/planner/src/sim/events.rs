//! The faults of a simulated day, drawn from a seed: the same seed always draws the same
//! faults (a xorshift generator, [`rand_xorshift`], seeded with the seed).

use std::fmt;

use rand_core::{Rng, SeedableRng};
use rand_xorshift::XorShiftRng;

use crate::dispatch::FleetDrone;
use crate::geo::LocalFrame;
use crate::mission::{ClockTime, DepotKind, Mission};
use crate::world::{Polygon, Zone};

/// Grounded drones drawn per day.
pub const GROUNDINGS_PER_DAY: usize = 2;
/// Cancelled orders drawn per day.
pub const CANCELLATIONS_PER_DAY: usize = 6;
/// How long before a pad goes out of service the dispatcher is told, s. Longer than any
/// flight of the shipped missions, so that no drone airborne at the notice lands on the
/// pad while it is out (the invariants check it).
pub const PAD_NOTICE_S: f64 = 3600.0;
/// How long wind above a type's limit lasts, s.
pub const WIND_S: f64 = 3600.0;
/// Drones failing in the air per day.
pub const FAILURES_PER_DAY: usize = 1;
/// Time between a zone's notice and its activation, s: flights in the air may still
/// cross it until then, none may after.
pub const ZONE_REACTION_S: f64 = 60.0;
/// Radius of a zone activated at short notice, m.
pub const ZONE_RADIUS_M: f64 = 250.0;
/// How long a zone activated at short notice stays active, s.
pub const ZONE_ACTIVE_S: f64 = 3600.0;
/// Least distance from a zone activated at short notice to any nest, m (beyond its
/// radius): nests stay open, so flights can come home.
pub const ZONE_NEST_CLEARANCE_M: f64 = 200.0;

/// The kinds of fault, in the order the summary lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// A drone grounded at its nest for an interval.
    Grounded,
    /// An order cancelled by the customer.
    Cancelled,
    /// A nest pad out of service for an interval.
    PadOut,
    /// Wind above a drone type's limit for an hour.
    Wind,
    /// A van breaking down on its route.
    VanBreakdown,
    /// A drone failing in the air: it comes down at the nearest safe spot.
    DroneFailure,
    /// A no-fly zone activated at short notice.
    ZoneActivated,
}

impl FaultKind {
    /// Every kind, in summary order.
    pub const ALL: [FaultKind; 7] = [
        FaultKind::Grounded,
        FaultKind::Cancelled,
        FaultKind::PadOut,
        FaultKind::Wind,
        FaultKind::VanBreakdown,
        FaultKind::DroneFailure,
        FaultKind::ZoneActivated,
    ];

    /// The kind's name in the summary and the log.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Grounded => "grounded-drone",
            FaultKind::Cancelled => "cancelled-order",
            FaultKind::PadOut => "pad-out",
            FaultKind::Wind => "wind-limit",
            FaultKind::VanBreakdown => "van-breakdown",
            FaultKind::DroneFailure => "drone-failure",
            FaultKind::ZoneActivated => "zone-activated",
        }
    }
}

/// One injected fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// `drone_id` may not take off from `from_s` to `to_s`; the dispatcher learns it at
    /// `from_s`.
    Grounded {
        /// Drone id.
        drone_id: String,
        /// Start, s since midnight.
        from_s: f64,
        /// End, s.
        to_s: f64,
    },
    /// The customer cancels `order_id` at `at_s`.
    Cancelled {
        /// Order id.
        order_id: String,
        /// When, s.
        at_s: f64,
    },
    /// Pad `pad` of nest `depot_id` takes no take-off and no landing from `from_s` to
    /// `to_s`; the dispatcher learns it at `announced_s` ([`PAD_NOTICE_S`] before).
    PadOut {
        /// Nest id.
        depot_id: String,
        /// Pad index in the nest.
        pad: usize,
        /// Notice, s.
        announced_s: f64,
        /// Start, s.
        from_s: f64,
        /// End, s.
        to_s: f64,
    },
    /// No drone of `type_name` takes off from `from_s` to `to_s` (wind over its limit);
    /// the dispatcher learns it at `from_s`.
    Wind {
        /// Drone type name.
        type_name: String,
        /// Start, s.
        from_s: f64,
        /// End, s.
        to_s: f64,
    },
    /// A van of the wave that leaves at or after `at_s` breaks down: the `route`-th route
    /// of that wave (modulo the wave's routes), after its `stop`-th stop (modulo its
    /// stops plus one; 0 breaks down on leaving the depot).
    VanBreakdown {
        /// Earliest wave departure it applies to, s.
        at_s: f64,
        /// Route pick.
        route: u64,
        /// Stop pick.
        stop: u64,
    },
    /// At `at_s` one of the drones in the air fails (the `pick`-th, modulo their number,
    /// in commit order) and comes down at the nearest safe spot; it flies no more that
    /// day.
    DroneFailure {
        /// When, s.
        at_s: f64,
        /// Drone pick.
        pick: u64,
    },
    /// A circular no-fly zone of `radius_m` round `centre_m` (local metres), from the
    /// ground to the airspace ceiling, announced at `announced_s` and active from
    /// `from_s` ([`ZONE_REACTION_S`] later) to `to_s`.
    ZoneActivated {
        /// Zone id.
        id: String,
        /// Centre, local metres.
        centre_m: [f64; 2],
        /// Radius, m.
        radius_m: f64,
        /// Notice, s.
        announced_s: f64,
        /// Active from, s.
        from_s: f64,
        /// Active until, s.
        to_s: f64,
    },
}

impl Fault {
    /// Its kind.
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Grounded { .. } => FaultKind::Grounded,
            Fault::Cancelled { .. } => FaultKind::Cancelled,
            Fault::PadOut { .. } => FaultKind::PadOut,
            Fault::Wind { .. } => FaultKind::Wind,
            Fault::VanBreakdown { .. } => FaultKind::VanBreakdown,
            Fault::DroneFailure { .. } => FaultKind::DroneFailure,
            Fault::ZoneActivated { .. } => FaultKind::ZoneActivated,
        }
    }

    /// When the dispatcher learns of it, s since midnight.
    pub fn known_at_s(&self) -> f64 {
        match self {
            Fault::Grounded { from_s, .. } | Fault::Wind { from_s, .. } => *from_s,
            Fault::Cancelled { at_s, .. }
            | Fault::VanBreakdown { at_s, .. }
            | Fault::DroneFailure { at_s, .. } => *at_s,
            Fault::PadOut { announced_s, .. } | Fault::ZoneActivated { announced_s, .. } => {
                *announced_s
            }
        }
    }

    /// The no-fly zone a [`Fault::ZoneActivated`] activates (a 32-sided polygon round
    /// the circle, from the ground to the ceiling `ceiling_m`).
    pub fn zone(&self, ceiling_m: f64) -> Option<Zone> {
        let Fault::ZoneActivated { id, centre_m, radius_m, from_s, to_s, .. } = self else {
            return None;
        };
        Some(Zone {
            id: id.clone(),
            footprint: Polygon::circle(*centre_m, *radius_m, ZONE_SIDES),
            floor_m: 0.0,
            ceiling_m,
            window_s: Some((*from_s, *to_s)),
        })
    }
}

/// Sides of the polygon of a zone activated at short notice.
const ZONE_SIDES: usize = 32;

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = |t: f64| ClockTime(t);
        match self {
            Fault::Grounded { drone_id, from_s, to_s } => {
                write!(f, "drone {drone_id} grounded {}-{}", c(*from_s), c(*to_s))
            }
            Fault::Cancelled { order_id, at_s } => {
                write!(f, "order {order_id} cancelled at {}", c(*at_s))
            }
            Fault::PadOut { depot_id, pad, announced_s, from_s, to_s } => write!(
                f,
                "pad {pad} of {depot_id} out of service {}-{} (notice at {})",
                c(*from_s),
                c(*to_s),
                c(*announced_s)
            ),
            Fault::Wind { type_name, from_s, to_s } => {
                write!(f, "wind over the {type_name} limit {}-{}", c(*from_s), c(*to_s))
            }
            Fault::VanBreakdown { at_s, route, stop } => write!(
                f,
                "van breakdown in the first wave from {} (route pick {route}, stop pick {stop})",
                c(*at_s)
            ),
            Fault::DroneFailure { at_s, pick } => {
                write!(f, "a drone in the air fails at {} (pick {pick})", c(*at_s))
            }
            Fault::ZoneActivated { id, centre_m, radius_m, announced_s, from_s, to_s } => write!(
                f,
                "no-fly zone {id} ({radius_m:.0} m round ({:.0}, {:.0}) m) active {}-{} (notice at {})",
                centre_m[0],
                centre_m[1],
                c(*from_s),
                c(*to_s),
                c(*announced_s)
            ),
        }
    }
}

/// A uniform draw in `[0, 1)` (the top 53 bits of one 64-bit output).
fn unit(rng: &mut XorShiftRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A uniform index below `n` (`n > 0`).
fn index(rng: &mut XorShiftRng, n: usize) -> usize {
    ((unit(rng) * n as f64) as usize).min(n - 1)
}

/// The day's faults for `seed`, in the order drawn: [`GROUNDINGS_PER_DAY`] grounded
/// drones (30 to 120 min), [`CANCELLATIONS_PER_DAY`] cancellations (1 to 31 min after
/// the order), one pad out of service (30 to 90 min), one hour of wind over one drone
/// type's limit, [`FAILURES_PER_DAY`] drones failing in the air, one no-fly zone
/// activated at short notice (round a drawn order's address, see [`ZONE_RADIUS_M`]), and one van breakdown when the fleet
/// has vans. Times fall within the day's orders (first to last placement).
pub fn draw_faults(mission: &Mission, fleet: &[FleetDrone], seed: u64) -> Vec<Fault> {
    let mut rng = XorShiftRng::seed_from_u64(seed);
    let placed: Vec<f64> = mission.orders.iter().map(|o| o.placed_at.seconds()).collect();
    let t0 = placed.iter().copied().fold(f64::INFINITY, f64::min);
    let t1 = placed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut faults = Vec::new();
    if !t0.is_finite() {
        return faults;
    }
    let when = |rng: &mut XorShiftRng| t0 + unit(rng) * (t1 - t0);
    if !fleet.is_empty() {
        for _ in 0..GROUNDINGS_PER_DAY {
            let drone_id = fleet[index(&mut rng, fleet.len())].id.clone();
            let from_s = when(&mut rng).round();
            let to_s = from_s + (30.0 + 90.0 * unit(&mut rng)).round() * 60.0;
            faults.push(Fault::Grounded { drone_id, from_s, to_s });
        }
    }
    for _ in 0..CANCELLATIONS_PER_DAY {
        let o = &mission.orders[index(&mut rng, mission.orders.len())];
        let at_s = (o.placed_at.seconds() + 60.0 + 1800.0 * unit(&mut rng)).round();
        faults.push(Fault::Cancelled { order_id: o.id.clone(), at_s });
    }
    if !fleet.is_empty() {
        let d = &fleet[index(&mut rng, fleet.len())];
        let from_s = when(&mut rng).round();
        let to_s = from_s + (30.0 + 60.0 * unit(&mut rng)).round() * 60.0;
        faults.push(Fault::PadOut {
            depot_id: d.depot_id.clone(),
            pad: d.pad,
            announced_s: (from_s - PAD_NOTICE_S).max(0.0),
            from_s,
            to_s,
        });
        let mut types: Vec<&str> = fleet.iter().map(|d| d.type_name.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        let type_name = types[index(&mut rng, types.len())].to_string();
        let from_s = when(&mut rng).round();
        faults.push(Fault::Wind { type_name, from_s, to_s: from_s + WIND_S });
    }
    if !fleet.is_empty() {
        for _ in 0..FAILURES_PER_DAY {
            let at_s = when(&mut rng).round();
            faults.push(Fault::DroneFailure { at_s, pick: rng.next_u64() });
        }
        faults.extend(draw_zone(mission, &mut rng));
    }
    let vans = mission.fleet.vans.iter().filter(|g| g.count > 0);
    let start = vans.clone().map(|g| g.shift_start.seconds()).fold(f64::INFINITY, f64::min);
    let end = vans.map(|g| g.shift_end.seconds()).fold(f64::NEG_INFINITY, f64::max);
    if start < end {
        let at_s = (start + unit(&mut rng) * (end - start)).round();
        faults.push(Fault::VanBreakdown { at_s, route: rng.next_u64(), stop: rng.next_u64() });
    }
    faults
}

/// One zone activated at short notice: round the address of an order drawn at random,
/// announced within a minute after that order was picked and loaded (when its flight, if
/// any, has just taken off for it), at least [`ZONE_NEST_CLEARANCE_M`] beyond its radius from every
/// nest (up to 20 draws; none if every draw is too close).
fn draw_zone(mission: &Mission, rng: &mut XorShiftRng) -> Option<Fault> {
    let frame = LocalFrame::new(mission.origin.lat_deg, mission.origin.lon_deg);
    let nests: Vec<[f64; 2]> = mission
        .depots
        .iter()
        .filter(|d| d.kind == DepotKind::Drone)
        .map(|d| frame.to_local(d.lat_deg, d.lon_deg))
        .collect();
    for _ in 0..20 {
        let o = &mission.orders[index(rng, mission.orders.len())];
        let centre_m = frame.to_local(o.lat_deg, o.lon_deg);
        let ready_s = o.placed_at.seconds() + mission.policy.pick_load_s;
        let announced_s = (ready_s + 60.0 * unit(rng)).round();
        let far = nests.iter().all(|n| {
            (n[0] - centre_m[0]).hypot(n[1] - centre_m[1]) >= ZONE_RADIUS_M + ZONE_NEST_CLEARANCE_M
        });
        if far {
            let from_s = announced_s + ZONE_REACTION_S;
            return Some(Fault::ZoneActivated {
                id: format!("short-notice-{}", o.id),
                centre_m,
                radius_m: ZONE_RADIUS_M,
                announced_s,
                from_s,
                to_s: from_s + ZONE_ACTIVE_S,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> Vec<FleetDrone> {
        (0..4)
            .map(|i| FleetDrone {
                id: format!("n/t#{i}"),
                type_name: if i % 2 == 0 { "a".into() } else { "b".into() },
                depot_id: "n".into(),
                pad: i,
            })
            .collect()
    }

    #[test]
    fn same_seed_same_faults_and_other_seeds_differ() {
        let m = crate::mission::Mission::from_ron_str(
            include_str!("../../../../missions/monaco.ron"),
            "monaco.ron",
        )
        .unwrap();
        let a = draw_faults(&m, &fleet(), 7);
        assert_eq!(a, draw_faults(&m, &fleet(), 7));
        assert_ne!(a, draw_faults(&m, &fleet(), 8));
        assert_eq!(a.len(), GROUNDINGS_PER_DAY + CANCELLATIONS_PER_DAY + FAILURES_PER_DAY + 3);
        let t0 = m.orders.iter().map(|o| o.placed_at.seconds()).fold(f64::INFINITY, f64::min);
        for f in &a {
            assert!(f.known_at_s() >= t0 - PAD_NOTICE_S, "{f}");
            if let Fault::Grounded { from_s, to_s, .. } = f {
                assert!(to_s - from_s >= 1800.0 && to_s - from_s <= 7200.0);
            }
        }
    }
}
