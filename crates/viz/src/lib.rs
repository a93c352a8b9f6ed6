//! # skylane-viz
//!
//! A Bevy 3D replay of a skylane plan: the city from the plan's map (roads, extruded
//! buildings, translucent no-fly volumes, depots, delivery points) with every drone and
//! van moving on one mission clock, a HUD, an orbit camera, picking, a headless
//! screenshot mode, and proof-of-delivery photos (the drone camera's view at release). It never plans: it reads a `plan.ron` and uses `skylane-planner` only
//! for the plan, mission and world types.
//!
//! Map coordinates (x east, y north, z up) become Bevy coordinates (x, z, -y); see
//! [`coords`]. The pure parts — interpolation along samples ([`timeline`]), mesh building
//! from footprints ([`geometry`]), clock stepping ([`clock::ReplayClock`]) and camera
//! maths ([`camera::OrbitCamera`]) — are plain functions with unit tests that need no
//! GPU. The plugins group the systems:
//!
//! - [`scene::ScenePlugin`]: ground, roads, buildings, zones, depots, delivery points;
//! - [`clock::ClockPlugin`]: the mission clock and its keys;
//! - [`vehicles::VehiclesPlugin`]: drones, vans, trails, packages, picking;
//! - [`hud::HudPlugin`]: clock, counts, selection panel, time slider;
//! - [`camera::CameraPlugin`]: overview, orbit, pan, zoom, follow, lights;
//! - [`fleet::FleetPlugin`]: the selected drone's reserved 4D space, markers on any loss
//!   of separation or pad conflict;
//! - [`screenshot::ScreenshotPlugin`] and [`screenshot::BenchPlugin`]: one-shot runs;
//! - [`proof::ProofPlugin`]: the drone camera's view of a drop, in place of the HUD and
//!   the orbit view ([`proof::proof_shot`] resolves the order);
//! - [`coverage::CoverageLayerPlugin`]: a service area from `skylane coverage` as a
//!   translucent layer on the ground (`--coverage`).
//!
//! [`ReplayPlugin`] adds the first six; [`cli::build_app`] assembles the whole app.
//!
//! No plugin imports another: what they share — the vehicles' markers and current
//! state, the frame's stages ([`state::ReplaySet`], chained once by
//! [`state::ReplaySetsPlugin`]) and whether the pointer is on the HUD
//! ([`state::PointerOnUi`]) — lives in [`state`].

#![warn(missing_docs)]

pub mod camera;
pub mod cli;
pub mod clock;
pub mod coords;
pub mod coverage;
pub mod fleet;
pub mod geometry;
pub mod hud;
pub mod proof;
pub mod replay;
pub mod scene;
pub mod screenshot;
pub mod state;
pub mod synthetic;
pub mod timeline;
pub mod vehicles;

use bevy::prelude::*;

/// Everything of the interactive replay except the window setup: scene, clock,
/// vehicles, HUD, camera and fleet separation. Needs a [`replay::Replay`] resource.
pub struct ReplayPlugin;

impl Plugin for ReplayPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((
            scene::ScenePlugin,
            clock::ClockPlugin,
            vehicles::VehiclesPlugin,
            hud::HudPlugin,
            camera::CameraPlugin,
            fleet::FleetPlugin,
        ));
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Tiny plans for unit tests: orders `o1` (flown), `o2` (driven) and `o3` (rejected),
    //! placed at 50, 60 and 70 s.

    use std::collections::BTreeMap;

    use skylane_planner::mission::Mission;
    use skylane_planner::plan::{
        promised_s, Flight, MapRef, OrderOutcome, Outcome, Plan, ReasonKind, Reasons, Summary,
        VanRoute, PLAN_FORMAT,
    };

    use crate::synthetic::{synthetic_flight, synthetic_van_route};

    /// A flight from (0, 0) to (`distance_m`, 0) at 60 m.
    pub fn flight(drone: &str, order: &str, takeoff_s: f64, distance_m: f64) -> Flight {
        synthetic_flight(drone, order, [0.0, 0.0], [distance_m, 0.0], takeoff_s, 60.0)
    }

    /// A van route from (0, 0) with one stop per order at (100 k, 50).
    pub fn van_route(van: &str, orders: &[&str], depart_s: f64) -> VanRoute {
        let stops: Vec<(&str, [f64; 2])> =
            orders.iter().enumerate().map(|(k, o)| (*o, [100.0 * (k + 1) as f64, 50.0])).collect();
        synthetic_van_route(van, [0.0, 0.0], &stops, depart_s)
    }

    /// A plan with the given vehicles and the three orders.
    pub fn plan_with(flights: Vec<Flight>, van_routes: Vec<VanRoute>) -> Plan {
        let text = r#"Mission(
            name: "unit",
            origin: (lat_deg: 43.73, lon_deg: 7.42),
            map: "none.osm.pbf",
            depots: [(id: "nest", lat_deg: 43.73, lon_deg: 7.42, kind: Drone, pads: 2)],
            fleet: (drones: [(model: Preset("dji-m100"), depot: "nest", count: 1)]),
            orders: [
                (id: "o1", placed_at: "00:00:50", lat_deg: 43.731, lon_deg: 7.421, payload_kg: 1.0),
                (id: "o2", placed_at: "00:01:00", lat_deg: 43.731, lon_deg: 7.422, payload_kg: 1.0),
                (id: "o3", placed_at: "00:01:10", lat_deg: 43.731, lon_deg: 7.423, payload_kg: 1.0),
            ],
        )"#;
        let mission = Mission::from_ron_str(text, "unit.ron").expect("valid test mission");
        let outcome = |k: usize| match k {
            0 => Outcome::Drone { flight: 0 },
            1 => Outcome::Van { route: 0, reason: Reasons::none() },
            _ => Outcome::Rejected { reason: Reasons::one(ReasonKind::NoPath, "test") },
        };
        let outcomes = mission
            .orders
            .iter()
            .enumerate()
            .map(|(k, o)| OrderOutcome {
                order_id: o.id.clone(),
                placed_s: o.placed_at.seconds(),
                promised_s: promised_s(&mission, o, &outcome(k)),
                outcome: outcome(k),
                locker: None,
            })
            .collect();
        Plan {
            format: PLAN_FORMAT.to_string(),
            mission,
            map: MapRef { path: "none.osm.pbf".into(), sha256: String::new() },
            outcomes,
            flights,
            van_routes,
            summary: Summary { rejected_by_reason: BTreeMap::new(), ..Summary::default() },
        }
    }
}
