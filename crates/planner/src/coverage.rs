//! Service areas: where each nest and drone type can put a package down within the
//! promise.
//!
//! Entry point: [`coverage`]. The mission's mapped area is cut into square cells of
//! [`CoverageConfig::cell_m`]; the centre of each cell is an address. For every (nest,
//! drone type) of the fleet, a [`Dispatcher`] with one drone of that type at that nest,
//! free, quotes an order to every cell placed at [`CoverageConfig::placed_at_s`]: pick
//! and load, the real path around buildings and active zones (the city planner and its
//! per-nest shortest-path trees, built once per dispatcher), the timed trajectory, the
//! energy with the reserve and the abort contingency, and the lowering. A cell is
//! covered when the package is down within the promise; its minutes are the time from
//! the order to the package on the ground. The union keeps, per cell, the fastest group.
//!
//! Cells whose straight-line distance from a nest cannot be flown within the promise even
//! at the type's top speed plus the wind are not quoted (a lower bound, so nothing
//! covered is missed).

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::dispatch::Dispatcher;
use crate::mission::{ClockTime, DepotKind, Mission, Order, Service};
use crate::world::{Rect, World};

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverageConfig {
    /// Cell size, m.
    pub cell_m: f64,
    /// When the orders are placed, s since midnight (zones active then count).
    pub placed_at_s: f64,
    /// Package mass, kg.
    pub payload_kg: f64,
    /// The promise, minutes.
    pub promise_min: f64,
}

impl Default for CoverageConfig {
    fn default() -> Self {
        CoverageConfig {
            cell_m: 50.0,
            placed_at_s: 10.0 * 3600.0,
            payload_kg: 1.0,
            promise_min: 30.0,
        }
    }
}

/// One covered cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoveredCell {
    /// Column and row in the grid.
    pub index: (usize, usize),
    /// Minutes from the order to the package on the ground.
    pub minutes: f64,
}

/// The cells one nest and drone type covers.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCoverage {
    /// Nest id.
    pub depot_id: String,
    /// Drone type name.
    pub drone_type: String,
    /// Covered cells, in grid order.
    pub cells: Vec<CoveredCell>,
}

/// Service areas of a mission.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The grid: south-west corner of cell (0, 0), local metres.
    pub origin_m: [f64; 2],
    /// Cell size, m.
    pub cell_m: f64,
    /// Columns and rows.
    pub size: (usize, usize),
    /// Per nest and drone type, in fleet order.
    pub groups: Vec<GroupCoverage>,
    /// Per cell, the fastest group's minutes (cells no group covers are absent).
    pub union: Vec<CoveredCell>,
    /// Quotes computed (cells not cut by the distance bound, over all groups).
    pub quotes: usize,
}

impl Coverage {
    /// Centre of a cell, local metres.
    pub fn centre_m(&self, (i, j): (usize, usize)) -> [f64; 2] {
        [
            self.origin_m[0] + (i as f64 + 0.5) * self.cell_m,
            self.origin_m[1] + (j as f64 + 0.5) * self.cell_m,
        ]
    }

    /// Whether the union covers the point (local metres).
    pub fn covers(&self, p: [f64; 2]) -> bool {
        let i = ((p[0] - self.origin_m[0]) / self.cell_m).floor();
        let j = ((p[1] - self.origin_m[1]) / self.cell_m).floor();
        if i < 0.0 || j < 0.0 {
            return false;
        }
        let idx = (i as usize, j as usize);
        self.union.binary_search_by(|c| (c.index.1, c.index.0).cmp(&(idx.1, idx.0))).is_ok()
    }

    /// A GeoJSON `FeatureCollection`: one square polygon per covered cell and group
    /// (properties `depot`, `drone_type`, `minutes`), then the union's cells (property
    /// `depot: "all"`).
    pub fn to_geojson(&self, world: &World) -> Value {
        let square = |idx: (usize, usize)| {
            let c = self.centre_m(idx);
            let h = self.cell_m / 2.0;
            let ring: Vec<[f64; 2]> = [[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]]
                .iter()
                .map(|d| {
                    let (lat, lon) = world.frame.to_geodetic([c[0] + d[0], c[1] + d[1]]);
                    [round7(lon), round7(lat)]
                })
                .collect();
            json!({"type": "Polygon", "coordinates": [ring]})
        };
        let mut features = Vec::new();
        for g in &self.groups {
            for c in &g.cells {
                features.push(json!({
                    "type": "Feature",
                    "geometry": square(c.index),
                    "properties": {"depot": g.depot_id, "drone_type": g.drone_type,
                                   "minutes": round2(c.minutes)},
                }));
            }
        }
        for c in &self.union {
            features.push(json!({
                "type": "Feature",
                "geometry": square(c.index),
                "properties": {"depot": "all", "drone_type": "all", "minutes": round2(c.minutes)},
            }));
        }
        json!({"type": "FeatureCollection", "cell_m": self.cell_m, "features": features})
    }
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The service areas of every (nest, drone type) of `mission` over `world` (see the
/// module docs). Quotes run in parallel on the current rayon pool; the result does not
/// depend on the thread count.
pub fn coverage(mission: &Mission, world: &World, config: &CoverageConfig) -> Coverage {
    // The mapped area: buildings and roads.
    let mut area = Rect::empty();
    for b in &world.buildings {
        b.footprint.outer.iter().for_each(|p| area.include(*p));
    }
    for r in &world.roads {
        r.points.iter().for_each(|p| area.include(*p));
    }
    if !area.min[0].is_finite() {
        area = world.bounds;
    }
    let cell = config.cell_m;
    let nx = ((area.max[0] - area.min[0]) / cell).ceil().max(1.0) as usize;
    let ny = ((area.max[1] - area.min[1]) / cell).ceil().max(1.0) as usize;
    let mut cov = Coverage {
        origin_m: area.min,
        cell_m: cell,
        size: (nx, ny),
        groups: Vec::new(),
        union: Vec::new(),
        quotes: 0,
    };
    let cells: Vec<(usize, usize)> = (0..ny).flat_map(|j| (0..nx).map(move |i| (i, j))).collect();
    let orders: Vec<Order> = cells
        .iter()
        .map(|&idx| {
            let (lat_deg, lon_deg) = world.frame.to_geodetic(cov.centre_m(idx));
            Order {
                id: format!("cell-{}-{}", idx.0, idx.1),
                placed_at: ClockTime(config.placed_at_s),
                lat_deg,
                lon_deg,
                payload_kg: config.payload_kg,
                volume_l: 1.0,
                promise_min: config.promise_min,
                service: Service::Express,
            }
        })
        .collect();
    let wind = mission.weather.wind_east_mps.hypot(mission.weather.wind_north_mps);
    let budget_s = config.promise_min * 60.0 - mission.policy.pick_load_s;
    let mut best: Vec<Option<f64>> = vec![None; cells.len()];
    for g in &mission.fleet.drones {
        let Some(spec) = mission.drone_spec(g) else { continue };
        let Some(nest) =
            mission.depots.iter().find(|d| d.id == g.depot && d.kind == DepotKind::Drone)
        else {
            continue;
        };
        // One free drone of this type at this nest; the orders span the grid so the
        // dispatcher's planning area covers every cell.
        let mut one = mission.clone();
        one.depots = vec![nest.clone()];
        one.fleet.drones = vec![crate::mission::DroneGroup { count: 1, ..g.clone() }];
        one.fleet.vans.clear();
        one.orders = orders.clone();
        let nest_m = world.frame.to_local(nest.lat_deg, nest.lon_deg);
        let reach_m = budget_s.max(0.0) * (spec.max_speed_mps + wind);
        let dispatcher = Dispatcher::new(&one, world);
        let todo: Vec<usize> = (0..cells.len())
            .filter(|&k| {
                let c = cov.centre_m(cells[k]);
                (c[0] - nest_m[0]).hypot(c[1] - nest_m[1]) <= reach_m
            })
            .collect();
        cov.quotes += todo.len();
        let minutes: Vec<Option<f64>> = todo
            .par_iter()
            .map(|&k| {
                let q = dispatcher.quote(&orders[k]);
                q.eta_s()
                    .map(|eta| (eta - config.placed_at_s) / 60.0)
                    .filter(|m| *m <= config.promise_min + 1e-9)
            })
            .collect();
        let mut group = GroupCoverage {
            depot_id: nest.id.clone(),
            drone_type: spec.name.clone(),
            cells: Vec::new(),
        };
        for (&k, m) in todo.iter().zip(minutes) {
            if let Some(m) = m {
                group.cells.push(CoveredCell { index: cells[k], minutes: m });
                best[k] = Some(best[k].map_or(m, |b: f64| b.min(m)));
            }
        }
        cov.groups.push(group);
    }
    cov.union = cells
        .iter()
        .zip(best)
        .filter_map(|(&index, m)| m.map(|minutes| CoveredCell { index, minutes }))
        .collect();
    cov
}
