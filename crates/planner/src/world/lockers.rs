//! Where a mission's lockers stand on the map: on open ground, with a clear landing
//! column for drones and a drivable road near enough for vans
//! ([`World::locker_problems`]).

use super::{TimeSpan, World};
use crate::dispatch::vans::MAX_SNAP_M;
use crate::ground::roads::RoadGraph;
use crate::mission::Mission;

impl World {
    /// Every locker of `mission` that no vehicle of its kind can reach: inside a
    /// building, off the map (`on_map` false), a drone locker whose landing column (the
    /// ground up to the lowest cruise altitude) lacks the delivery margin from buildings
    /// and all-day zones, or a van locker further than [`MAX_SNAP_M`] from a drivable
    /// road. Problems are named `lockers[i]`.
    pub(super) fn locker_problems(
        &self,
        mission: &Mission,
        on_map: &dyn Fn([f64; 2]) -> bool,
        push: &mut impl FnMut(String, String),
    ) {
        let needs_roads = mission.lockers.iter().any(|l| l.kind.admits_vans());
        let graph = needs_roads.then(|| RoadGraph::from_roads(&self.roads));
        for (i, l) in mission.lockers.iter().enumerate() {
            let p = self.frame.to_local(l.lat_deg, l.lon_deg);
            let message = if !on_map(p) {
                Some(format!("locker {:?} lies outside the map", l.id))
            } else if let Some(b) = self.building_at(p) {
                Some(format!(
                    "locker {:?} lies inside {}; move it to open ground in front of it",
                    l.id,
                    self.describe(b)
                ))
            } else if l.kind.admits_drones() {
                self.landing_problem(mission, &l.id, p)
            } else {
                None
            };
            let message = message.or_else(|| {
                let graph = graph.as_ref().filter(|_| l.kind.admits_vans())?;
                let snap = graph.nearest_node(p).map_or(f64::INFINITY, |(_, d)| d);
                (snap > MAX_SNAP_M).then(|| {
                    format!(
                        "locker {:?} is {snap:.0} m from the nearest drivable road; vans stop at most {MAX_SNAP_M} m away (make it kind: Drone, or move it)",
                        l.id
                    )
                })
            });
            if let Some(message) = message {
                push(format!("lockers[{i}]"), message);
            }
        }
    }

    /// Why a drone cannot land on the pad of locker `id` at `p`, if it cannot.
    fn landing_problem(&self, mission: &Mission, id: &str, p: [f64; 2]) -> Option<String> {
        let top_m = mission.policy.cruise_alt_min_m.min(self.ceiling_m);
        let margin = mission.policy.delivery_margin_m;
        // Zones with a time window are left to the planner, which knows the time.
        let all_day = TimeSpan::at(-1.0);
        if self.segment_clear([p[0], p[1], 0.0], [p[0], p[1], top_m], all_day, margin) {
            return None;
        }
        let nearest = self.clearance([p[0], p[1], 0.0], all_day, 50.0).nearest;
        let what = nearest.map_or_else(|| "an obstacle".to_string(), |o| self.describe(o));
        Some(format!(
            "locker {id:?}: a drone cannot land on its pad: the column up to {top_m} m comes within the delivery margin of {margin} m of {what}"
        ))
    }
}
