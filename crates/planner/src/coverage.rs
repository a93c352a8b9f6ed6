//! Service areas: where each nest and drone type can put a package down within the
//! promise.
//!
//! Entry point: [`coverage`]. The mission's mapped area is cut into square cells of
//! [`CoverageConfig::cell_m`]; the centre of each cell is an address. For every (nest,
//! drone type) of the fleet, a [`Dispatcher`] with one drone of that type at that nest,
//! free, quotes an order to every cell placed at [`CoverageConfig::placed_at_s`]: pick
//! and load, the real path around buildings and active zones (the city planners, shared
//! by all the groups, and their per-nest shortest-path trees, grown as far as the quotes
//! need), the timed trajectory, the energy with the reserve and the abort contingency,
//! and the lowering. A cell is covered when the package is down within the promise; its
//! minutes are the time from the order to the package on the ground. The union keeps,
//! per cell, the fastest group.
//!
//! Cells whose straight-line distance from a nest cannot be flown within the promise even
//! at the type's top speed plus the wind are not quoted (a lower bound, so nothing
//! covered is missed).

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::dispatch::Dispatcher;
use crate::geo::LocalFrame;
use crate::mission::{ClockTime, Depot, DepotKind, DroneGroup, Mission, Order, Service};
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
    /// Per address of the map ([`World::addresses`], same order), the fastest group's
    /// minutes to that address itself, `None` where no group delivers within the
    /// promise.
    pub address_minutes: Vec<Option<f64>>,
    /// Quotes computed (cells and addresses not cut by the distance bound, over all
    /// groups).
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

    /// The cell holding the point (local metres), if it is on the grid.
    pub fn cell_of(&self, p: [f64; 2]) -> Option<(usize, usize)> {
        let i = ((p[0] - self.origin_m[0]) / self.cell_m).floor();
        let j = ((p[1] - self.origin_m[1]) / self.cell_m).floor();
        let inside = i >= 0.0 && j >= 0.0 && i < self.size.0 as f64 && j < self.size.1 as f64;
        inside.then_some((i as usize, j as usize))
    }

    /// Whether the union covers the point (local metres): a point counts as covered
    /// when its cell's centre is.
    pub fn covers(&self, p: [f64; 2]) -> bool {
        self.cell_of(p).is_some_and(|idx| {
            self.union.binary_search_by(|c| (c.index.1, c.index.0).cmp(&(idx.1, idx.0))).is_ok()
        })
    }

    /// How many of `points` (local metres) the union covers.
    pub fn covered_count(&self, points: impl IntoIterator<Item = [f64; 2]>) -> usize {
        points.into_iter().filter(|p| self.covers(*p)).count()
    }

    /// How many of the map's addresses some nest delivers to within the promise.
    pub fn addresses_covered(&self) -> usize {
        self.address_minutes.iter().filter(|m| m.is_some()).count()
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

/// One covered cell read back from a coverage file: its outline and its minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageArea {
    /// The cell's outline in local metres `[east_m, north_m]`, closed (last = first).
    pub ring_m: Vec<[f64; 2]>,
    /// Minutes from the order to the package on the ground.
    pub minutes: f64,
}

/// The union's cells (`depot: "all"`) of a coverage GeoJSON written by
/// [`Coverage::to_geojson`], in the local metres of `frame`; for the replay's coverage
/// layer. The error names the feature and the field that is wrong.
pub fn read_union_geojson(text: &str, frame: &LocalFrame) -> Result<Vec<CoverageArea>, String> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| format!("not JSON ({e}); expected the GeoJSON `skylane coverage` writes"))?;
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or("no `features` array: expected the GeoJSON `skylane coverage` writes")?;
    let mut areas = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let props = &f["properties"];
        if props["depot"] != "all" {
            continue;
        }
        let minutes =
            props["minutes"].as_f64().filter(|m| m.is_finite() && *m >= 0.0).ok_or_else(|| {
                format!(
                    "feature {i}: properties.minutes: expected a number >= 0, got {}",
                    props["minutes"]
                )
            })?;
        let ring_m = polygon_ring(&f["geometry"], frame)
            .map_err(|e| format!("feature {i}: geometry: {e}"))?;
        areas.push(CoverageArea { ring_m, minutes });
    }
    if areas.is_empty() {
        return Err("no covered cell (no feature with properties.depot \"all\")".into());
    }
    Ok(areas)
}

/// The outer ring of a GeoJSON `Polygon` in local metres.
fn polygon_ring(geometry: &Value, frame: &LocalFrame) -> Result<Vec<[f64; 2]>, String> {
    if geometry["type"] != "Polygon" {
        return Err(format!("type: expected \"Polygon\", got {}", geometry["type"]));
    }
    let ring =
        geometry["coordinates"][0].as_array().ok_or("coordinates: expected a list of rings")?;
    let points = ring
        .iter()
        .map(|p| match (p[0].as_f64(), p[1].as_f64()) {
            (Some(lon), Some(lat))
                if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
            {
                Ok(frame.to_local(lat, lon))
            }
            _ => Err(format!("coordinates: expected [lon, lat] in degrees, got {p}")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if points.len() < 4 {
        return Err(format!("coordinates: a ring needs at least 4 points, got {}", points.len()));
    }
    Ok(points)
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The coverage grid of `world`: its mapped area (buildings and roads, else the map's
/// bounds) cut into cells of `cell_m`. Returns the south-west corner and the size.
pub fn grid(world: &World, cell_m: f64) -> ([f64; 2], (usize, usize)) {
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
    let nx = ((area.max[0] - area.min[0]) / cell_m).ceil().max(1.0) as usize;
    let ny = ((area.max[1] - area.min[1]) / cell_m).ceil().max(1.0) as usize;
    (area.min, (nx, ny))
}

/// The service areas of every (nest, drone type) of `mission` over `world` (see the
/// module docs). Quotes run in parallel on the current rayon pool; the result does not
/// depend on the thread count.
pub fn coverage(mission: &Mission, world: &World, config: &CoverageConfig) -> Coverage {
    coverage_of(mission, world, config, true)
}

/// [`coverage`] of the map's addresses only: the same grid and groups, no cells quoted
/// (`groups` and `union` are empty), `address_minutes` as [`coverage`] finds them.
pub fn address_coverage(mission: &Mission, world: &World, config: &CoverageConfig) -> Coverage {
    coverage_of(mission, world, config, false)
}

fn coverage_of(
    mission: &Mission,
    world: &World,
    config: &CoverageConfig,
    with_cells: bool,
) -> Coverage {
    let (origin_m, size) = grid(world, config.cell_m);
    let mut cov = Coverage {
        origin_m,
        cell_m: config.cell_m,
        size,
        groups: Vec::new(),
        union: Vec::new(),
        address_minutes: vec![None; world.addresses.len()],
        quotes: 0,
    };
    let addresses: Vec<[f64; 2]> = world.addresses.iter().map(|a| a.pos_m).collect();
    let cells: Vec<(usize, usize)> = if with_cells {
        (0..size.1).flat_map(|j| (0..size.0).map(move |i| (i, j))).collect()
    } else {
        Vec::new()
    };
    let groups: Vec<(&Depot, &DroneGroup)> = mission
        .fleet
        .drones
        .iter()
        .filter_map(|g| {
            let nest =
                mission.depots.iter().find(|d| d.id == g.depot && d.kind == DepotKind::Drone);
            nest.filter(|_| mission.drone_spec(g).is_some()).map(|n| (n, g))
        })
        .collect();
    let group_missions: Vec<Mission> = groups
        .iter()
        .map(|(nest, g)| group_mission(mission, world, &cov, nest, g, config))
        .collect();
    // Every group's planning area is the whole grid (see `group_mission`), so all share
    // the first dispatcher's planners: the layers are rasterised and their corner graphs
    // built once, and groups at the same nest share its distances over them.
    let dispatchers: Vec<Dispatcher> = match group_missions.split_first() {
        Some((first, rest)) => {
            let lead = Dispatcher::new(first, world);
            lead.build_planners();
            let shared = lead.planners();
            std::iter::once(lead)
                .chain(rest.iter().map(|m| Dispatcher::new(m, world).with_planners(shared.clone())))
                .collect()
        }
        None => Vec::new(),
    };
    let centres: Vec<[f64; 2]> = cells.iter().map(|&c| cov.centre_m(c)).collect();
    // Groups run in parallel, each growing its nest's trees only as far as its quotes
    // need (the paths are those of the complete trees either way): higher cruise layers
    // are searched only where the lower ones detour, so their trees stay partial.
    let results: Vec<GroupResult> = groups
        .par_iter()
        .zip(&group_missions)
        .zip(&dispatchers)
        .map(|(((_, g), one), dispatcher)| {
            let (cell_minutes, cell_quotes) =
                quote_points(world, one, dispatcher, &centres, config);
            let (door_minutes, door_quotes) =
                quote_points(world, one, dispatcher, &addresses, config);
            let drone_type = one.drone_spec(g).map(|s| s.name.clone());
            GroupResult {
                drone_type,
                cell_minutes,
                door_minutes,
                quotes: cell_quotes + door_quotes,
            }
        })
        .collect();
    let mut best: Vec<Option<f64>> = vec![None; cells.len()];
    for ((nest, _), r) in groups.iter().zip(results) {
        let Some(drone_type) = r.drone_type else { continue };
        cov.quotes += r.quotes;
        for (b, m) in best.iter_mut().zip(&r.cell_minutes) {
            *b = faster(*b, *m);
        }
        for (b, m) in cov.address_minutes.iter_mut().zip(r.door_minutes) {
            *b = faster(*b, m);
        }
        if !with_cells {
            continue;
        }
        let covered: Vec<CoveredCell> = cells
            .iter()
            .zip(&r.cell_minutes)
            .filter_map(|(&index, m)| m.map(|minutes| CoveredCell { index, minutes }))
            .collect();
        cov.groups.push(GroupCoverage { depot_id: nest.id.clone(), drone_type, cells: covered });
    }
    cov.union = cells
        .iter()
        .zip(best)
        .filter_map(|(&index, m)| m.map(|minutes| CoveredCell { index, minutes }))
        .collect();
    cov
}

/// The minutes from the order to the package on the ground at each of `points` (local
/// metres) from a nest at `nest` with drones of `group`'s type, `None` where it does
/// not deliver within the promise: exactly as [`coverage`] finds them for a nest of the
/// mission (same grid, same dispatcher).
pub fn nest_minutes(
    mission: &Mission,
    world: &World,
    cov: &Coverage,
    nest: &Depot,
    group: &DroneGroup,
    points: &[[f64; 2]],
    config: &CoverageConfig,
) -> Vec<Option<f64>> {
    let one = group_mission(mission, world, cov, nest, group, config);
    let dispatcher = Dispatcher::new(&one, world);
    quote_points(world, &one, &dispatcher, points, config).0
}

/// One group's quotes: its drone type's name (`None` when the mission does not know the
/// type), the minutes to each cell centre and to each address, and how many were quoted.
struct GroupResult {
    drone_type: Option<String>,
    cell_minutes: Vec<Option<f64>>,
    door_minutes: Vec<Option<f64>>,
    quotes: usize,
}

fn faster(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The mission of one (nest, drone type): the nest, one free drone of the type, and
/// orders at the grid's corner cells, so that the dispatcher's planning area (and so
/// its planner's grid) spans the whole coverage grid whatever cells are quoted.
fn group_mission(
    mission: &Mission,
    world: &World,
    cov: &Coverage,
    nest: &Depot,
    g: &DroneGroup,
    config: &CoverageConfig,
) -> Mission {
    let mut one = mission.clone();
    one.depots = vec![nest.clone()];
    one.fleet.drones = vec![DroneGroup { count: 1, depot: nest.id.clone(), ..g.clone() }];
    one.fleet.vans.clear();
    let corners = [(0, 0), (cov.size.0 - 1, cov.size.1 - 1)];
    one.orders = corners
        .iter()
        .enumerate()
        .map(|(k, &idx)| point_order(world, k, cov.centre_m(idx), config))
        .collect();
    one
}

/// An order to the point `p` (local metres).
fn point_order(world: &World, k: usize, p: [f64; 2], config: &CoverageConfig) -> Order {
    let (lat_deg, lon_deg) = world.frame.to_geodetic(p);
    Order {
        id: format!("point-{k}"),
        placed_at: ClockTime(config.placed_at_s),
        lat_deg,
        lon_deg,
        locker: None,
        payload_kg: config.payload_kg,
        volume_l: 1.0,
        promise_min: config.promise_min,
        service: Service::Express,
    }
}

/// Quotes an order to each of `points` within straight-line reach of `one`'s nest;
/// returns the minutes to each (`None`: not within the promise) and the number of
/// quotes.
fn quote_points(
    world: &World,
    one: &Mission,
    dispatcher: &Dispatcher,
    points: &[[f64; 2]],
    config: &CoverageConfig,
) -> (Vec<Option<f64>>, usize) {
    let (Some(g), Some(nest)) = (one.fleet.drones.first(), one.depots.first()) else {
        return (vec![None; points.len()], 0);
    };
    let Some(spec) = one.drone_spec(g) else { return (vec![None; points.len()], 0) };
    let wind = one.weather.wind_east_mps.hypot(one.weather.wind_north_mps);
    let budget_s = config.promise_min * 60.0 - one.policy.pick_load_s;
    let reach_m = budget_s.max(0.0) * (spec.max_speed_mps + wind);
    let nest_m = world.frame.to_local(nest.lat_deg, nest.lon_deg);
    // (distance from the nest, point index) of the points within reach, farthest first:
    // the first quotes grow the nest's trees almost as far as they will go, so the later
    // ones mostly find their goals settled instead of waiting for a tree another thread
    // is growing. The answers do not depend on the order.
    let mut far_first: Vec<(f64, usize)> = points
        .iter()
        .map(|p| (p[0] - nest_m[0]).hypot(p[1] - nest_m[1]))
        .enumerate()
        .filter(|&(_, d)| d <= reach_m)
        .map(|(k, d)| (d, k))
        .collect();
    far_first.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let quoted: Vec<(usize, Option<f64>)> = far_first
        .par_iter()
        .map(|&(_, k)| {
            let q = dispatcher.quote(&point_order(world, k, points[k], config));
            let minutes = q
                .eta_s()
                .map(|eta| (eta - config.placed_at_s) / 60.0)
                .filter(|m| *m <= config.promise_min + 1e-9);
            (k, minutes)
        })
        .collect();
    let mut minutes = vec![None; points.len()];
    for (k, m) in quoted {
        minutes[k] = m;
    }
    (minutes, far_first.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> LocalFrame {
        LocalFrame::new(43.73, 7.42)
    }

    fn file(features: Value) -> String {
        json!({"type": "FeatureCollection", "cell_m": 50.0, "features": features}).to_string()
    }

    fn square(frame: &LocalFrame, c: [f64; 2], h: f64) -> Value {
        let ring: Vec<[f64; 2]> = [[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]]
            .iter()
            .map(|d| {
                let (lat, lon) = frame.to_geodetic([c[0] + d[0], c[1] + d[1]]);
                [lon, lat]
            })
            .collect();
        json!({"type": "Polygon", "coordinates": [ring]})
    }

    #[test]
    fn union_cells_read_back_in_local_metres() {
        let f = frame();
        let text = file(json!([
            {"type": "Feature", "geometry": square(&f, [100.0, -50.0], 25.0),
             "properties": {"depot": "N1", "drone_type": "m", "minutes": 9.0}},
            {"type": "Feature", "geometry": square(&f, [100.0, -50.0], 25.0),
             "properties": {"depot": "all", "drone_type": "all", "minutes": 7.5}},
        ]));
        let areas = read_union_geojson(&text, &f).unwrap();
        assert_eq!(areas.len(), 1, "only the union's cells");
        assert_eq!(areas[0].minutes, 7.5);
        assert_eq!(areas[0].ring_m.len(), 5);
        approx::assert_abs_diff_eq!(areas[0].ring_m[0][0], 75.0, epsilon = 1e-6);
        approx::assert_abs_diff_eq!(areas[0].ring_m[2][1], -25.0, epsilon = 1e-6);
    }

    #[test]
    fn bad_files_name_the_feature_and_field() {
        let f = frame();
        let all = |geometry: Value, minutes: Value| {
            file(json!([{"type": "Feature", "geometry": geometry,
                         "properties": {"depot": "all", "minutes": minutes}}]))
        };
        let e = read_union_geojson("{", &f).unwrap_err();
        assert!(e.contains("not JSON"), "{e}");
        let e = read_union_geojson(&file(json!([])), &f).unwrap_err();
        assert!(e.contains("no covered cell"), "{e}");
        let e =
            read_union_geojson(&all(square(&f, [0.0, 0.0], 25.0), json!(-1.0)), &f).unwrap_err();
        assert!(e.contains("feature 0: properties.minutes"), "{e}");
        let e = read_union_geojson(&all(square(&f, [0.0, 0.0], 25.0), json!("x")), &f).unwrap_err();
        assert!(e.contains("properties.minutes"), "{e}");
        let point = json!({"type": "Point", "coordinates": [7.42, 43.73]});
        let e = read_union_geojson(&all(point, json!(3.0)), &f).unwrap_err();
        assert!(e.contains("feature 0: geometry: type"), "{e}");
        let bad = json!({"type": "Polygon", "coordinates": [[[7.42, 43.73], [7.42, 95.0], [7.43, 43.73], [7.42, 43.73]]]});
        let e = read_union_geojson(&all(bad, json!(3.0)), &f).unwrap_err();
        assert!(e.contains("[lon, lat]"), "{e}");
        let short = json!({"type": "Polygon", "coordinates": [[[7.42, 43.73], [7.43, 43.73]]]});
        let e = read_union_geojson(&all(short, json!(3.0)), &f).unwrap_err();
        assert!(e.contains("at least 4 points"), "{e}");
    }
}
