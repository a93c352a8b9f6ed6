//! Benchmark scenes: the seeded city query set and the world as plain obstacle prisms,
//! so that a peer planner (OMPL, `bench/peers/ompl`) can solve the same queries as
//! [`CityPlanner`] against the same clearance rule.
//!
//! Entry points: [`CityBenchmark::new`] is the query set of
//! `cargo bench -p skylane-planner --bench city_queries` (the bench uses it, so the two
//! cannot drift apart); [`export_scene`] runs skylane's city planner over that set and
//! packs world, queries and results into a serialisable [`Scene`].
//!
//! The geometric problem of a query, as [`CityPlanner::plan_delivery`] solves it: the
//! drone climbs vertically above the depot to a cruise altitude, flies a polyline at
//! that altitude to the point above the drop point, and descends there. The climb and the
//! descent are vertical and fixed once the altitude and the drop point are chosen, so the
//! part a path planner decides is the cruise leg: from `(depot, cruise altitude)` to
//! `(drop point, cruise altitude)`. A scene states that leg as the query's start and goal
//! (only for queries skylane solved: without a drop point and an altitude there is no
//! goal). Skylane keeps the leg level; a 3D peer may also climb or descend on the way.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::mission::Mission;
use crate::search::city::{CityPlanner, CityPlannerConfig, Clearances};
use crate::world::{Polygon, Rect, TimeSpan, World};

/// Seed of the city benchmark's query set.
pub const CITY_QUERY_SEED: u64 = 20261125;

/// Number of queries of the city benchmark.
pub const CITY_QUERY_COUNT: usize = 1000;

/// The planning area extends this far beyond the depots and orders, m; destinations are
/// drawn from the unpadded box.
pub const CITY_AREA_PAD_M: f64 = 400.0;

/// Top written for obstacles without one (heliport no-fly columns are unbounded), m.
pub const UNBOUNDED_TOP_M: f64 = 1e6;

/// SplitMix64: a seeded generator in a few lines keeps the query set free of extra
/// dependencies and fixed across runs and platforms.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next number in `[0, 1]`.
    pub fn next_f64(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }
}

/// One depot-to-door query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CityQuery {
    /// Position in the query set, from 0.
    pub index: usize,
    /// Index into the mission's depots.
    pub depot: usize,
    /// The depot, local metres.
    pub depot_m: [f64; 2],
    /// The address, local metres.
    pub dest_m: [f64; 2],
}

/// The city benchmark of a mission: every depot, the planning area and the seeded
/// queries (depots in turn, addresses uniform over the box around depots and orders).
#[derive(Debug, Clone, PartialEq)]
pub struct CityBenchmark {
    /// The mission's depots, local metres.
    pub depots_m: Vec<[f64; 2]>,
    /// The planning area: the box around depots and orders, padded by
    /// [`CITY_AREA_PAD_M`].
    pub area: Rect,
    /// The queries.
    pub queries: Vec<CityQuery>,
}

impl CityBenchmark {
    /// `count` queries drawn with `seed` over the mission's depots and orders.
    pub fn new(mission: &Mission, world: &World, count: usize, seed: u64) -> CityBenchmark {
        let depots_m: Vec<[f64; 2]> =
            mission.depots.iter().map(|d| world.frame.to_local(d.lat_deg, d.lon_deg)).collect();
        let mut area = Rect::empty();
        for d in &depots_m {
            area.include(*d);
        }
        for o in &mission.orders {
            area.include(world.frame.to_local(o.lat_deg, o.lon_deg));
        }
        let pad = CITY_AREA_PAD_M;
        let area = Rect {
            min: [area.min[0] - pad, area.min[1] - pad],
            max: [area.max[0] + pad, area.max[1] + pad],
        };
        let mut rng = SplitMix64::new(seed);
        let queries = if depots_m.is_empty() {
            Vec::new()
        } else {
            (0..count)
                .map(|index| {
                    let depot = index % depots_m.len();
                    let dest_m = [
                        area.min[0]
                            + pad
                            + rng.next_f64() * (area.max[0] - area.min[0] - 2.0 * pad),
                        area.min[1]
                            + pad
                            + rng.next_f64() * (area.max[1] - area.min[1] - 2.0 * pad),
                    ];
                    CityQuery { index, depot, depot_m: depots_m[depot], dest_m }
                })
                .collect()
        };
        CityBenchmark { depots_m, area, queries }
    }

    /// The city planner the benchmark measures: the mission's cruise altitudes and
    /// clearance margin over the benchmark area, every zone active (time windows
    /// ignored), default configuration.
    pub fn planner<'w>(&self, mission: &Mission, world: &'w World) -> CityPlanner<'w> {
        CityPlanner::new(
            world,
            self.area,
            mission.policy.cruise_alt_min_m,
            mission.policy.cruise_alt_max_m,
            mission.airspace.clearance_margin_m,
            TimeSpan::always(),
            CityPlannerConfig::default(),
        )
    }
}

/// The clearance rules of a mission's deliveries.
pub fn clearances(mission: &Mission) -> Clearances {
    Clearances {
        cruise_margin_m: mission.airspace.clearance_margin_m,
        delivery_margin_m: mission.policy.delivery_margin_m,
        hover_m: mission.policy.delivery_hover_m,
        drop_radius_m: mission.policy.drop_radius_m,
    }
}

/// What an obstacle prism is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObstacleKind {
    /// A building or building part.
    Building,
    /// A no-fly volume.
    Zone,
}

/// An obstacle as a vertical prism: footprint (local metres) × `[z_min_m, z_max_m]`
/// (m above ground), not inflated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObstaclePrism {
    /// Building or zone.
    pub kind: ObstacleKind,
    /// `osm:<id>` for buildings, the zone id for zones.
    pub id: String,
    /// Footprint, local metres.
    pub footprint: Polygon,
    /// Bottom, m above ground.
    pub z_min_m: f64,
    /// Top, m above ground ([`UNBOUNDED_TOP_M`] where unbounded).
    pub z_max_m: f64,
}

/// Every obstacle of `world` active during `span`, as plain prisms: buildings, then
/// zones. These are exactly the prisms [`World::clearance`] measures against.
pub fn obstacle_prisms(world: &World, span: TimeSpan) -> Vec<ObstaclePrism> {
    let buildings = world.buildings.iter().map(|b| ObstaclePrism {
        kind: ObstacleKind::Building,
        id: format!("osm:{}", b.osm_id),
        footprint: b.footprint.clone(),
        z_min_m: b.base_m,
        z_max_m: b.top_m.min(UNBOUNDED_TOP_M),
    });
    let zones = world.zones.iter().filter(|z| z.active_during(span)).map(|z| ObstaclePrism {
        kind: ObstacleKind::Zone,
        id: z.id.clone(),
        footprint: z.footprint.clone(),
        z_min_m: z.floor_m,
        z_max_m: z.ceiling_m.min(UNBOUNDED_TOP_M),
    });
    buildings.chain(zones).collect()
}

/// The local frame's origin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SceneFrame {
    /// Origin latitude, degrees.
    pub origin_lat_deg: f64,
    /// Origin longitude, degrees.
    pub origin_lon_deg: f64,
}

/// Skylane's answer to one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkylaneResult {
    /// Whether a path was found.
    pub solved: bool,
    /// Why not, when not solved.
    pub reason: Option<String>,
    /// Cruise altitude, m.
    pub cruise_alt_m: Option<f64>,
    /// Where the package is lowered, local metres.
    pub drop_point_m: Option<[f64; 2]>,
    /// The cruise leg, from the query's start to its goal (empty when not solved).
    pub path_m: Vec<[f64; 3]>,
    /// Length of `path_m`, m.
    pub length_m: Option<f64>,
    /// Wall-clock time of [`CityPlanner::plan_delivery`], ms (the whole query: drop
    /// point, layers, search; the first queries also build the corner graphs and the
    /// depot's distances over them).
    pub time_ms: f64,
}

/// One query of a scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneQuery {
    /// Position in the query set, from 0.
    pub index: usize,
    /// Depot id.
    pub depot: String,
    /// The depot, local metres.
    pub depot_m: [f64; 2],
    /// The address, local metres.
    pub address_m: [f64; 2],
    /// Start of the cruise leg: above the depot at skylane's cruise altitude (`None` when
    /// skylane found no path).
    pub start_m: Option<[f64; 3]>,
    /// End of the cruise leg: above the drop point at the cruise altitude (`None` when
    /// skylane found no path).
    pub goal_m: Option<[f64; 3]>,
    /// Skylane's result.
    pub skylane: SkylaneResult,
}

/// A city benchmark for peer planners: world, clearance rule, queries and skylane's
/// results. Serialises to JSON (`skylane export-scene`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    /// Format tag, `skylane-scene/1`.
    pub format: String,
    /// Mission name.
    pub mission: String,
    /// Local frame: x east, y north, metres from this origin; z above ground.
    pub frame: SceneFrame,
    /// The planning area (service area padded by [`CITY_AREA_PAD_M`]), local metres.
    pub bounds: Rect,
    /// Lowest altitude (the flat ground datum), m.
    pub z_min_m: f64,
    /// Airspace ceiling, m above ground.
    pub ceiling_m: f64,
    /// Clearance margin, m.
    pub clearance_margin_m: f64,
    /// The validity rule in words.
    pub clearance_rule: String,
    /// What each query's start and goal mean.
    pub problem: String,
    /// Seed of the query set.
    pub seed: u64,
    /// Cruise altitudes skylane considers, m.
    pub cruise_layers_m: Vec<f64>,
    /// Every obstacle, not inflated (apply `clearance_rule`).
    pub obstacles: Vec<ObstaclePrism>,
    /// The queries, in benchmark order.
    pub queries: Vec<SceneQuery>,
}

/// Runs skylane's city planner over `count` benchmark queries drawn with `seed` (in
/// order, one thread, as the benchmark does) and returns the scene.
pub fn export_scene(mission: &Mission, world: &World, count: usize, seed: u64) -> Scene {
    let bench = CityBenchmark::new(mission, world, count, seed);
    let planner = bench.planner(mission, world);
    let rules = clearances(mission);
    let queries = bench
        .queries
        .iter()
        .map(|q| {
            let t = Instant::now();
            let result = planner.plan_delivery(q.depot_m, q.dest_m, &rules);
            let time_ms = t.elapsed().as_secs_f64() * 1e3;
            let (start_m, goal_m, skylane) = match result {
                Ok(p) => {
                    let alt = p.cruise_alt_m;
                    let path_m: Vec<[f64; 3]> =
                        p.cruise_path_m.iter().map(|v| [v[0], v[1], alt]).collect();
                    (
                        path_m.first().copied(),
                        path_m.last().copied(),
                        SkylaneResult {
                            solved: true,
                            reason: None,
                            cruise_alt_m: Some(alt),
                            drop_point_m: Some(p.drop_point_m),
                            path_m,
                            length_m: Some(p.cruise_length_m),
                            time_ms,
                        },
                    )
                }
                Err(e) => (
                    None,
                    None,
                    SkylaneResult {
                        solved: false,
                        reason: Some(e.to_string()),
                        cruise_alt_m: None,
                        drop_point_m: None,
                        path_m: Vec::new(),
                        length_m: None,
                        time_ms,
                    },
                ),
            };
            SceneQuery {
                index: q.index,
                depot: mission.depots[q.depot].id.clone(),
                depot_m: q.depot_m,
                address_m: q.dest_m,
                start_m,
                goal_m,
                skylane,
            }
        })
        .collect();
    let margin = mission.airspace.clearance_margin_m;
    Scene {
        format: "skylane-scene/1".to_string(),
        mission: mission.name.clone(),
        frame: SceneFrame {
            origin_lat_deg: world.frame.origin_lat_deg,
            origin_lon_deg: world.frame.origin_lon_deg,
        },
        bounds: bench.area,
        z_min_m: 0.0,
        ceiling_m: world.ceiling_m,
        clearance_margin_m: margin,
        clearance_rule: format!(
            "a point (x, y, z) is valid iff z_min_m <= z <= ceiling_m and its Euclidean \
             distance to every obstacle prism is at least clearance_margin_m = {margin} m; \
             the distance to a prism is sqrt(d_xy^2 + d_z^2), d_xy the planar distance to \
             the footprint (0 inside it), d_z the distance from z to [z_min_m, z_max_m] \
             (the verifier's rule; skylane's own search keeps 0.125 m more)"
        ),
        problem: "start_m -> goal_m is the cruise leg: start above the depot at skylane's \
                  cruise altitude, goal above skylane's drop point at the same altitude; \
                  skylane flies it level, a 3D planner may change altitude; the vertical \
                  climb and descent are the same for any planner and not part of it"
            .to_string(),
        seed,
        cruise_layers_m: planner.layer_altitudes_m(),
        obstacles: obstacle_prisms(world, TimeSpan::always()),
        queries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_the_reference_sequence() {
        // SplitMix64 reference outputs for seed 0 (Vigna), scaled to [0, 1].
        let mut r = SplitMix64::new(0);
        let first = r.next_f64();
        assert!((first - 0xE220_A839_7B1D_CDAF_u64 as f64 / u64::MAX as f64).abs() < 1e-15);
        let second = r.next_f64();
        assert!((second - 0x6E78_9E6A_A1B9_65F4_u64 as f64 / u64::MAX as f64).abs() < 1e-15);
    }
}
