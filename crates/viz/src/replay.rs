//! The loaded replay: the plan, its rebuilt world and the time index, shared by every
//! plugin as Bevy resources.

use bevy::prelude::*;
use skylane_planner::mission::DepotKind;
use skylane_planner::plan::Plan;
use skylane_planner::world::{Rect, World};

use crate::timeline::Timeline;

/// One depot in local metres.
#[derive(Debug, Clone, PartialEq)]
pub struct DepotSite {
    /// Depot id.
    pub id: String,
    /// Drone nest or van depot.
    pub kind: DepotKind,
    /// Position, local `[east_m, north_m]`.
    pub pos_m: [f64; 2],
}

/// The plan being replayed, with its world and time index.
#[derive(Resource, Debug, Clone)]
pub struct Replay {
    /// The plan.
    pub plan: Plan,
    /// The world rebuilt from the plan's map.
    pub world: World,
    /// Orders and events by time.
    pub timeline: Timeline,
    /// Depots in local metres.
    pub depots: Vec<DepotSite>,
    /// Where the service happens: depots, drop points and trajectories (the map extent
    /// when the plan has none of them).
    pub service_area: Rect,
}

impl Replay {
    /// Indexes a plan and its world.
    pub fn new(plan: Plan, world: World) -> Replay {
        let timeline = Timeline::new(&plan);
        let depots: Vec<DepotSite> = plan
            .mission
            .depots
            .iter()
            .map(|d| DepotSite {
                id: d.id.clone(),
                kind: d.kind,
                pos_m: world.frame.to_local(d.lat_deg, d.lon_deg),
            })
            .collect();
        let service_area = service_area(&plan, &depots, world.bounds);
        Replay { plan, world, timeline, depots, service_area }
    }
}

/// The box around depots, drop points, van stops and flight samples, with a 150 m margin;
/// `fallback` when the plan has none or the result is not finite.
pub fn service_area(plan: &Plan, depots: &[DepotSite], fallback: Rect) -> Rect {
    let mut r = Rect::empty();
    for d in depots {
        r.include(d.pos_m);
    }
    for f in &plan.flights {
        r.include(f.drop_point_m);
        for s in &f.samples {
            r.include([s.pos_m[0], s.pos_m[1]]);
        }
    }
    for v in &plan.van_routes {
        for p in &v.path_m {
            r.include(*p);
        }
    }
    let finite = r.min.iter().chain(r.max.iter()).all(|x| x.is_finite());
    if !finite {
        return fallback;
    }
    let margin = 150.0;
    Rect {
        min: [r.min[0] - margin, r.min[1] - margin],
        max: [r.max[0] + margin, r.max[1] + margin],
    }
}

/// What the user has selected (by clicking) and whether the camera follows it.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// The selected vehicle entity.
    pub entity: Option<Entity>,
    /// Whether the camera follows the selection.
    pub follow: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flight, plan_with};

    #[test]
    fn service_area_covers_flights_with_margin() {
        let plan = plan_with(vec![flight("d", "o1", 100.0, 500.0)], vec![]);
        let fallback = Rect { min: [-1.0; 2], max: [1.0; 2] };
        let r = service_area(&plan, &[], fallback);
        assert_eq!(r.min, [-150.0, -150.0]);
        assert_eq!(r.max, [650.0, 150.0]);
        let empty = plan_with(vec![], vec![]);
        assert_eq!(service_area(&empty, &[], fallback), fallback);
    }
}
