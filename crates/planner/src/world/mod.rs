//! The city as the planner sees it: buildings, no-fly volumes, the ceiling and the roads,
//! in local metres, with fast clearance queries.
//!
//! Entry points: [`World::load`] builds the world of a mission from its `.osm.pbf` map;
//! [`World::clearance`] and [`World::segment_clear`] are the validity checker every
//! planner queries (OMPL style: planners never look at geometry themselves).
//!
//! Every obstacle is a vertical prism: a footprint polygon between a bottom and a top
//! height. The distance from a point to a prism is exact: `sqrt(d_xy^2 + d_z^2)` where
//! `d_xy` is the planar distance to the footprint and `d_z` the distance to the height
//! interval (the prism is a Cartesian product of the two sets). A parry3d BVH over the
//! prisms' boxes is the broad phase. The ground is the flat datum `z = 0`: OSM carries
//! no terrain.

pub mod cache;
mod lockers;
pub mod osm;
pub mod pads;
pub mod polygon;
mod quiet_panic;

use std::path::{Path, PathBuf};

use parry3d_f64::bounding_volume::Aabb;
use parry3d_f64::math::Vector;
use parry3d_f64::partitioning::{Bvh, BvhBuildStrategy, BvhNode};
use serde::{Deserialize, Serialize};

use crate::airspace::{ZoneFile, ZoneFileError, ZoneSettings, ZoneUse};
use crate::geo::LocalFrame;
use crate::mission::{Mission, Problem};
pub use osm::{HeightSource, MapAddress, MapBuilding, MapRoad, OneWay, OsmMap};
pub use polygon::{Polygon, Rect};

/// A no-fly volume in local metres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    /// Name used in reports (mission id, or `osm:heliport/<id>`).
    pub id: String,
    /// Footprint.
    pub footprint: Polygon,
    /// Bottom, m above ground.
    pub floor_m: f64,
    /// Top, m above ground.
    pub ceiling_m: f64,
    /// Active window `(from_s, to_s)`, seconds since midnight; always when `None`.
    pub window_s: Option<(f64, f64)>,
}

impl Zone {
    /// Whether the zone is active at any moment of `span`.
    pub fn active_during(&self, span: TimeSpan) -> bool {
        match self.window_s {
            None => true,
            Some((from, to)) => span.from_s <= to && span.to_s >= from,
        }
    }
}

/// A closed interval of mission time, seconds since midnight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeSpan {
    /// Start.
    pub from_s: f64,
    /// End.
    pub to_s: f64,
}

impl TimeSpan {
    /// A single instant.
    pub fn at(t_s: f64) -> TimeSpan {
        TimeSpan { from_s: t_s, to_s: t_s }
    }
    /// The whole day and beyond: every time-windowed zone counts as active.
    pub fn always() -> TimeSpan {
        TimeSpan { from_s: f64::NEG_INFINITY, to_s: f64::INFINITY }
    }
}

/// The roof a rooftop nest stands on (a depot with `on_roof: true`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rooftop {
    /// Index into [`World::buildings`]: the tallest building under the nest point.
    pub building: usize,
    /// Height of the roof, the pads' deck, m above ground.
    pub deck_m: f64,
}

/// Heights closer than this count as the same roof, m.
const ROOF_TOLERANCE_M: f64 = 0.01;

/// Which obstacle a query hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObstacleRef {
    /// Index into [`World::buildings`].
    Building(usize),
    /// Index into [`World::zones`].
    Zone(usize),
}

/// Result of a clearance query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clearance {
    /// Distance to the nearest active obstacle, m, capped at the query radius.
    pub distance_m: f64,
    /// That obstacle, if one was within the radius.
    pub nearest: Option<ObstacleRef>,
}

/// Why a world could not be built.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The map file could not be read or decoded.
    #[error(
        "{path}: cannot read OpenStreetMap extract: {message} (is it a complete .osm.pbf file?)"
    )]
    Map {
        /// The map file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The map holds no nodes at all.
    #[error("{path}: the map has no nodes; point the mission at a city extract")]
    EmptyMap {
        /// The map file.
        path: PathBuf,
    },
    /// A zone file (`airspace.zones_files`) cannot be read or converted.
    #[error(transparent)]
    Zones(#[from] ZoneFileError),
}

/// The static world of a mission.
#[derive(Debug, Clone)]
pub struct World {
    /// Local frame (mission origin).
    pub frame: LocalFrame,
    /// Buildings and building parts.
    pub buildings: Vec<MapBuilding>,
    /// No-fly volumes: mission zones, then map heliports/helipads, then the zones of the
    /// mission's zone files.
    pub zones: Vec<Zone>,
    /// Car roads (for vans and the replay).
    pub roads: Vec<MapRoad>,
    /// Postal addresses of the map (`addr:housenumber`), for service areas.
    pub addresses: Vec<MapAddress>,
    /// Altitude ceiling, m above ground.
    pub ceiling_m: f64,
    /// Extent of the map, local metres.
    pub bounds: Rect,
    /// Roofs of the mission's rooftop nests, one per building.
    pub rooftops: Vec<Rooftop>,
    prisms: Vec<Prism>,
    bvh: Bvh,
}

#[derive(Debug, Clone)]
struct Prism {
    obstacle: ObstacleRef,
    bounds: Rect,
    base_m: f64,
    top_m: f64,
}

impl World {
    /// Reads the mission's map and zone files (relative to `base_dir`) and builds the
    /// world.
    pub fn load(mission: &Mission, base_dir: &Path) -> Result<World, WorldError> {
        let map = World::read_map(mission, base_dir)?;
        let files = mission
            .airspace
            .zones_files
            .iter()
            .map(|f| ZoneFile::read(&base_dir.join(f)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(World::from_map_with_zone_files(map, mission, &files)?.0)
    }

    /// Reads the mission's map (relative to `base_dir`), failing on an unreadable,
    /// corrupt or empty file.
    pub fn read_map(mission: &Mission, base_dir: &Path) -> Result<OsmMap, WorldError> {
        let path = base_dir.join(&mission.map);
        let frame = LocalFrame::new(mission.origin.lat_deg, mission.origin.lon_deg);
        decoded(path.clone(), || osm::read_pbf(&path, &frame))
    }

    /// Decodes the map whose file `path` holds `bytes` (see [`World::read_map`]).
    pub fn map_from_bytes(
        path: &Path,
        bytes: &[u8],
        frame: &LocalFrame,
    ) -> Result<OsmMap, WorldError> {
        decoded(path.to_path_buf(), || osm::read_pbf_bytes(bytes, frame))
    }

    /// Builds the world from an already read map and already read zone files (see
    /// [`crate::airspace`]); also says how many of the files' zones were used. Zones
    /// whose bounding box misses the mission's area (the map's buildings and roads, the
    /// depots and orders, plus [`crate::airspace::ZONE_AREA_PAD_M`]) are dropped first.
    pub fn from_map_with_zone_files(
        map: OsmMap,
        mission: &Mission,
        files: &[ZoneFile],
    ) -> Result<(World, ZoneUse), ZoneFileError> {
        let frame = LocalFrame::new(mission.origin.lat_deg, mission.origin.lon_deg);
        let mut area = mapped_area(&map.buildings, &map.roads, map.bounds);
        for d in &mission.depots {
            area.include(frame.to_local(d.lat_deg, d.lon_deg));
        }
        for o in &mission.orders {
            area.include(frame.to_local(o.lat_deg, o.lon_deg));
        }
        let pad = crate::airspace::ZONE_AREA_PAD_M;
        let area = Rect {
            min: [area.min[0] - pad, area.min[1] - pad],
            max: [area.max[0] + pad, area.max[1] + pad],
        };
        let (extra, usage) = crate::airspace::world_zones(
            files,
            &ZoneSettings::from_mission(mission),
            &frame,
            area,
        )?;
        Ok((World::build(map, mission, extra), usage))
    }

    /// Builds the world from an already read map, with the mission's own zones and the
    /// map's helipads but without its zone files (see
    /// [`World::from_map_with_zone_files`]).
    pub fn from_map(map: OsmMap, mission: &Mission) -> World {
        World::build(map, mission, Vec::new())
    }

    /// The world of a map and a mission, with `extra` zones after the mission's and the
    /// map's.
    fn build(map: OsmMap, mission: &Mission, extra: Vec<Zone>) -> World {
        let frame = LocalFrame::new(mission.origin.lat_deg, mission.origin.lon_deg);
        let mut zones: Vec<Zone> = mission
            .airspace
            .no_fly
            .iter()
            .map(|z| Zone {
                id: z.id.clone(),
                footprint: Polygon::new(
                    z.polygon.iter().map(|p| frame.to_local(p.lat_deg, p.lon_deg)).collect(),
                ),
                floor_m: z.floor_m,
                ceiling_m: z.ceiling_m,
                window_s: z.window.map(|w| (w.from.seconds(), w.to.seconds())),
            })
            .collect();
        if mission.airspace.osm_helipads_no_fly {
            for h in &map.helipads {
                zones.push(Zone {
                    id: format!("osm:{}/{}", h.kind, h.osm_id),
                    footprint: h.footprint.clone(),
                    floor_m: 0.0,
                    ceiling_m: f64::INFINITY,
                    window_s: None,
                });
            }
        }
        zones.extend(extra);
        let bounds = map.bounds.unwrap_or(Rect { min: [0.0; 2], max: [0.0; 2] });
        let addresses = map.addresses;
        let mut world = World::new(
            frame,
            map.buildings,
            zones,
            map.roads,
            mission.airspace.ceiling_agl_m,
            bounds,
        );
        world.set_rooftop_nests(mission);
        world.addresses = addresses;
        world
    }

    /// Records the roofs of `mission`'s rooftop nests (`on_roof: true` drone depots
    /// standing on a building; one standing on open ground is a mission problem, see
    /// [`World::mission_problems`]).
    pub fn set_rooftop_nests(&mut self, mission: &Mission) {
        self.rooftops.clear();
        for d in &mission.depots {
            if !(d.on_roof && d.kind == crate::mission::DepotKind::Drone) {
                continue;
            }
            let p = self.frame.to_local(d.lat_deg, d.lon_deg);
            if let Some(b) = self.roof_under(p) {
                if !self.rooftops.iter().any(|r| r.building == b) {
                    self.rooftops.push(Rooftop { building: b, deck_m: self.buildings[b].top_m });
                }
            }
        }
    }

    /// The tallest building whose footprint contains `p` (the lowest index among equals).
    pub fn roof_under(&self, p: [f64; 2]) -> Option<usize> {
        let query = Aabb::new(Vector::new(p[0], p[1], -1.0), Vector::new(p[0], p[1], 1e6));
        let mut best: Option<usize> = None;
        for leaf in self.bvh.intersect_aabb(&query) {
            let ObstacleRef::Building(b) = self.prisms[leaf as usize].obstacle else { continue };
            if !self.buildings[b].footprint.contains(p) {
                continue;
            }
            let top = self.buildings[b].top_m;
            if best.is_none_or(|c| {
                top > self.buildings[c].top_m || (top == self.buildings[c].top_m && b < c)
            }) {
                best = Some(b);
            }
        }
        best
    }

    /// The rooftop nest roof under `p`, if any.
    pub fn rooftop_at(&self, p: [f64; 2]) -> Option<Rooftop> {
        self.rooftops
            .iter()
            .filter(|r| self.buildings[r.building].footprint.contains(p))
            .max_by(|a, b| a.deck_m.total_cmp(&b.deck_m))
            .copied()
    }

    /// Height a pad at `p` stands at: the roof of a rooftop nest under `p`, else the
    /// ground (0).
    pub fn deck_m(&self, p: [f64; 2]) -> f64 {
        self.rooftop_at(p).map_or(0.0, |r| r.deck_m)
    }

    /// Whether obstacle `o` is what a drone at `p` over a rooftop nest's roof stands
    /// on: a building under `p` whose top is at or below that roof, with `p` at or
    /// above the roof. Over a pad the roof is the ground.
    fn is_pad_support(&self, o: ObstacleRef, p: [f64; 3]) -> bool {
        let ObstacleRef::Building(b) = o else { return false };
        let Some(roof) = self.rooftop_at([p[0], p[1]]) else { return false };
        let building = &self.buildings[b];
        p[2] >= roof.deck_m - ROOF_TOLERANCE_M
            && building.top_m <= roof.deck_m + ROOF_TOLERANCE_M
            && building.footprint.contains([p[0], p[1]])
    }

    /// [`World::clearance`] for a drone in a pad's vertical corridor: over a rooftop
    /// nest the roof it stands on (and the building parts below that roof) are its
    /// ground, not obstacles; every other obstacle counts. Elsewhere the same as
    /// [`World::clearance`].
    pub fn pad_clearance(&self, p: [f64; 3], span: TimeSpan, radius_m: f64) -> Clearance {
        self.clearance_skipping(p, span, radius_m, &|o| self.is_pad_support(o, p))
    }

    /// Whether the vertical column over `xy` from `from_z_m` up to `to_z_m` keeps
    /// `margin_m` from every obstacle active during `span`, the roof of a rooftop nest
    /// under `xy` counting as ground (see [`World::pad_clearance`]).
    pub fn pad_column_clear(
        &self,
        xy: [f64; 2],
        from_z_m: f64,
        to_z_m: f64,
        span: TimeSpan,
        margin_m: f64,
    ) -> bool {
        let (a, b) = ([xy[0], xy[1], from_z_m], [xy[0], xy[1], to_z_m]);
        let low = if from_z_m <= to_z_m { a } else { b };
        let skip = |o: ObstacleRef| self.is_pad_support(o, low);
        self.axis_segment_clear(a, b, span, margin_m + 0.01, &skip)
    }

    /// Builds a world from parts (tests, synthetic scenes).
    pub fn new(
        frame: LocalFrame,
        buildings: Vec<MapBuilding>,
        zones: Vec<Zone>,
        roads: Vec<MapRoad>,
        ceiling_m: f64,
        bounds: Rect,
    ) -> World {
        let mut prisms = Vec::with_capacity(buildings.len() + zones.len());
        for (i, b) in buildings.iter().enumerate() {
            prisms.push(Prism {
                obstacle: ObstacleRef::Building(i),
                bounds: b.footprint.bounds(),
                base_m: b.base_m,
                top_m: b.top_m,
            });
        }
        for (i, z) in zones.iter().enumerate() {
            prisms.push(Prism {
                obstacle: ObstacleRef::Zone(i),
                bounds: z.footprint.bounds(),
                base_m: z.floor_m,
                top_m: z.ceiling_m,
            });
        }
        let boxes: Vec<Aabb> = prisms
            .iter()
            .map(|p| {
                Aabb::new(
                    Vector::new(p.bounds.min[0], p.bounds.min[1], p.base_m),
                    Vector::new(p.bounds.max[0], p.bounds.max[1], p.top_m.min(1e6)),
                )
            })
            .collect();
        let bvh = Bvh::from_leaves(BvhBuildStrategy::Binned, &boxes);
        let (rooftops, addresses) = (Vec::new(), Vec::new());
        World {
            frame,
            buildings,
            zones,
            roads,
            addresses,
            ceiling_m,
            bounds,
            rooftops,
            prisms,
            bvh,
        }
    }

    /// Footprint of an obstacle.
    pub fn footprint(&self, o: ObstacleRef) -> &Polygon {
        match o {
            ObstacleRef::Building(i) => &self.buildings[i].footprint,
            ObstacleRef::Zone(i) => &self.zones[i].footprint,
        }
    }

    /// Human-readable name of an obstacle, e.g. `building osm 1234 (45 m)`.
    pub fn describe(&self, o: ObstacleRef) -> String {
        match o {
            ObstacleRef::Building(i) => {
                let b = &self.buildings[i];
                format!("building osm {} ({:.0} m tall)", b.osm_id, b.top_m)
            }
            ObstacleRef::Zone(i) => format!("no-fly zone {}", self.zones[i].id),
        }
    }

    /// Distance from `p` (local metres, z above ground) to the nearest obstacle active
    /// during `span`, looking no further than `radius_m`.
    pub fn clearance(&self, p: [f64; 3], span: TimeSpan, radius_m: f64) -> Clearance {
        self.clearance_skipping(p, span, radius_m, &|_| false)
    }

    /// [`World::clearance`] ignoring the obstacles `skip` names.
    fn clearance_skipping(
        &self,
        p: [f64; 3],
        span: TimeSpan,
        radius_m: f64,
        skip: &dyn Fn(ObstacleRef) -> bool,
    ) -> Clearance {
        let query = Aabb::new(
            Vector::new(p[0] - radius_m, p[1] - radius_m, p[2] - radius_m),
            Vector::new(p[0] + radius_m, p[1] + radius_m, p[2] + radius_m),
        );
        let mut best = Clearance { distance_m: radius_m, nearest: None };
        for leaf in self.bvh.intersect_aabb(&query) {
            let prism = &self.prisms[leaf as usize];
            if let ObstacleRef::Zone(z) = prism.obstacle {
                if !self.zones[z].active_during(span) {
                    continue;
                }
            }
            if skip(prism.obstacle) {
                continue;
            }
            let dz = if p[2] < prism.base_m {
                prism.base_m - p[2]
            } else if p[2] > prism.top_m {
                p[2] - prism.top_m
            } else {
                0.0
            };
            if dz >= best.distance_m {
                continue;
            }
            let dxy = self.footprint(prism.obstacle).distance([p[0], p[1]]);
            let d = (dxy * dxy + dz * dz).sqrt();
            if d < best.distance_m {
                best = Clearance { distance_m: d, nearest: Some(prism.obstacle) };
            }
        }
        best
    }

    /// Whether every point of the segment `a`-`b` keeps at least `margin_m` from every
    /// obstacle active during `span`.
    ///
    /// Sphere tracing: from a point with clearance `c`, every point within `c - margin`
    /// still has clearance of at least `margin`, so the walk may jump that far. Points
    /// closer than 1 cm to the margin count as blocked (a conservative cut-off that keeps
    /// the walk finite).
    pub fn segment_clear(&self, a: [f64; 3], b: [f64; 3], span: TimeSpan, margin_m: f64) -> bool {
        // Level and vertical segments (all the planner flies) have an exact closed form.
        if a[2] == b[2] || (a[0] == b[0] && a[1] == b[1]) {
            let no_skip = |_| false;
            return self.axis_segment_clear(a, b, span, margin_m + 0.01, &no_skip);
        }
        let d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
        let len = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        let radius = margin_m + 25.0;
        let mut s = 0.0;
        loop {
            let f = if len > 0.0 { (s / len).min(1.0) } else { 0.0 };
            let p = [a[0] + d[0] * f, a[1] + d[1] * f, a[2] + d[2] * f];
            let c = self.clearance(p, span, radius).distance_m;
            let slack = c - margin_m;
            if slack < 0.01 {
                return false;
            }
            if s >= len {
                return true;
            }
            s = (s + slack).min(len);
        }
    }

    /// Whether a level or vertical segment keeps `clear_m` from every obstacle active
    /// during `span` (exact). For a prism (footprint x height interval) and a level
    /// segment the distance is `sqrt(d_xy^2 + d_z^2)` with `d_xy` the planar
    /// segment-to-footprint distance; for a vertical segment, `d_xy` is the point's
    /// distance and `d_z` the gap between the two height intervals. Obstacles `skip`
    /// names are ignored. Each footprint is first measured by its bounding rectangle,
    /// a lower bound: on a long segment the query box holds many buildings, and most
    /// are ruled out by it without their polygon.
    fn axis_segment_clear(
        &self,
        a: [f64; 3],
        b: [f64; 3],
        span: TimeSpan,
        clear_m: f64,
        skip: &dyn Fn(ObstacleRef) -> bool,
    ) -> bool {
        let query = Aabb::new(
            Vector::new(
                a[0].min(b[0]) - clear_m,
                a[1].min(b[1]) - clear_m,
                a[2].min(b[2]) - clear_m,
            ),
            Vector::new(
                a[0].max(b[0]) + clear_m,
                a[1].max(b[1]) + clear_m,
                a[2].max(b[2]) + clear_m,
            ),
        );
        let (z0, z1) = (a[2].min(b[2]), a[2].max(b[2]));
        let vertical = a[2] != b[2];
        let (a2, b2) = ([a[0], a[1]], [b[0], b[1]]);
        // A node of the hierarchy whose box the segment misses by `clear_m` on either axis
        // holds only prisms that the box test below skips: a long diagonal segment's
        // query box holds most of a city, its neighbourhood a small part.
        let query_node = BvhNode::leaf(query, 0);
        let near_segment = |node: &BvhNode| {
            if !node.intersects(&query_node) {
                return false;
            }
            let (lo, hi) = (node.mins(), node.maxs());
            let rect = Rect { min: [lo[0], lo[1]], max: [hi[0], hi[1]] };
            vertical || !rect.segment_misses_grown(a2, b2, clear_m * (1.0 + 1e-6) + 1e-6)
        };
        for leaf in self.bvh.leaves(near_segment) {
            let prism = &self.prisms[leaf as usize];
            if let ObstacleRef::Zone(z) = prism.obstacle {
                if !self.zones[z].active_during(span) {
                    continue;
                }
            }
            if skip(prism.obstacle) {
                continue;
            }
            let dz = if z1 < prism.base_m {
                prism.base_m - z1
            } else if z0 > prism.top_m {
                z0 - prism.top_m
            } else {
                0.0
            };
            if dz >= clear_m {
                continue;
            }
            let near = |dxy: f64| (dxy * dxy + dz * dz).sqrt() < clear_m;
            if !vertical && prism.bounds.segment_misses_grown(a2, b2, clear_m * (1.0 + 1e-6) + 1e-6)
            {
                continue;
            }
            let box_dxy = if vertical {
                prism.bounds.distance(a2)
            } else {
                prism.bounds.segment_distance(a2, b2)
            };
            // The footprint lies inside its box, so it is at least as far (less a
            // nanometre for rounding): no nearer than the box, no nearer at all.
            if !near((box_dxy - 1e-9).max(0.0)) {
                continue;
            }
            let footprint = self.footprint(prism.obstacle);
            let too_near = if vertical {
                near(footprint.distance(a2))
            } else {
                footprint.segment_within(a2, b2, clear_m, near)
            };
            if too_near {
                return false;
            }
        }
        true
    }

    /// Problems with a mission that need the map to see: positions off the map, depots
    /// and drop points inside buildings. Field paths as in [`Mission::problems`].
    pub fn mission_problems(&self, mission: &Mission) -> Vec<Problem> {
        let mut out = Vec::new();
        // The area the map describes is where its buildings and roads are. The extent of
        // all nodes is far larger: extracts keep whole boundary relations and ways that
        // cross the cut (the Monaco extract's nodes reach Nice and 50 km out to sea), and
        // a destination there has no obstacle data at all.
        let covered = mapped_area(&self.buildings, &self.roads, Some(self.bounds));
        let slack = 200.0; // a destination just outside the mapped area is still served
        let on_map = |p: [f64; 2]| {
            p[0] >= covered.min[0] - slack
                && p[0] <= covered.max[0] + slack
                && p[1] >= covered.min[1] - slack
                && p[1] <= covered.max[1] + slack
        };
        let mut push = |field: String, message: String| {
            out.push(Problem { field, line: 0, column: 0, message });
        };
        for (i, d) in mission.depots.iter().enumerate() {
            let p = self.frame.to_local(d.lat_deg, d.lon_deg);
            if !on_map(p) {
                push(format!("depots[{i}]"), format!("depot {:?} lies outside the map", d.id));
            } else if let Some(message) = self.roof_problem(mission, d, p) {
                push(format!("depots[{i}]"), message);
            } else if d.kind == crate::mission::DepotKind::Drone
                && (1..=crate::mission::MAX_PADS).contains(&d.pads)
            {
                let margin = mission.airspace.clearance_margin_m;
                if let Err(e) = pads::pad_layout(self, p, d.pads, margin) {
                    push(format!("depots[{i}].pads"), format!("nest {:?}: {e}", d.id));
                }
            }
        }
        self.locker_problems(mission, &on_map, &mut push);
        for (i, o) in mission.orders.iter().enumerate() {
            let p = self.frame.to_local(o.lat_deg, o.lon_deg);
            // A locker order is where its locker is, checked above.
            if o.locker.is_none() && !on_map(p) {
                let (la, lo) = self.frame.to_geodetic(covered.min);
                let (ha, ho) = self.frame.to_geodetic(covered.max);
                push(
                    format!("orders[{i}]"),
                    format!(
                        "destination of order {:?} is outside the map (lat {la:.4}..{ha:.4}, lon {lo:.4}..{ho:.4})",
                        o.id
                    ),
                );
            }
        }
        out
    }

    /// What is wrong with where depot `d` (at `p`) stands: a ground depot inside a
    /// building, a rooftop nest with no building under it or with no cruise layer above
    /// its roof.
    fn roof_problem(
        &self,
        mission: &Mission,
        d: &crate::mission::Depot,
        p: [f64; 2],
    ) -> Option<String> {
        let building = self.building_at(p);
        if !d.on_roof {
            return building.map(|b| {
                format!(
                    "depot {:?} lies inside {}; move it to open ground, or for a drone nest on \
                     that building's roof set `on_roof: true`",
                    d.id,
                    self.describe(b)
                )
            });
        }
        let Some(roof) = self.rooftop_at(p) else {
            return Some(format!(
                "depot {:?} has `on_roof: true` but no building under it; move it onto a \
                 roof or drop `on_roof`",
                d.id
            ));
        };
        let top_layer_m = mission.policy.cruise_alt_max_m.min(self.ceiling_m);
        let margin = mission.airspace.clearance_margin_m;
        (roof.deck_m + margin > top_layer_m).then(|| {
            format!(
                "depot {:?} is on the roof of {} at {:.1} m: no cruise altitude up to {top_layer_m} m \
                 keeps the {margin} m margin above it (roof must be at most {:.1} m)",
                d.id,
                self.describe(ObstacleRef::Building(roof.building)),
                roof.deck_m,
                top_layer_m - margin
            )
        })
    }

    /// A building whose footprint contains `p` at ground level, if any.
    pub fn building_at(&self, p: [f64; 2]) -> Option<ObstacleRef> {
        let c = self.clearance([p[0], p[1], 0.0], TimeSpan::always(), 0.5);
        c.nearest.filter(|o| matches!(o, ObstacleRef::Building(_)) && c.distance_m <= 0.0)
    }
}

/// The area a map describes: the extent of its buildings and roads, else its bounds (or
/// the empty rectangle).
fn mapped_area(buildings: &[MapBuilding], roads: &[MapRoad], bounds: Option<Rect>) -> Rect {
    let mut covered = Rect::empty();
    for b in buildings {
        b.footprint.outer.iter().for_each(|p| covered.include(*p));
    }
    for r in roads {
        r.points.iter().for_each(|p| covered.include(*p));
    }
    if !covered.min[0].is_finite() {
        covered = bounds.unwrap_or_else(Rect::empty);
    }
    covered
}

/// The map `decode` reads from `path`, failing on a corrupt or empty file. A decoder
/// panic on a corrupt file must still end as an error for the user, and print nothing
/// else.
fn decoded(
    path: PathBuf,
    decode: impl FnOnce() -> Result<OsmMap, String> + std::panic::UnwindSafe,
) -> Result<OsmMap, WorldError> {
    let map = match quiet_panic::catch_quietly(decode) {
        Ok(Ok(map)) => map,
        Ok(Err(message)) => return Err(WorldError::Map { path, message }),
        Err(panic) => {
            let message = format!("the file is corrupt (the decoder stopped: {panic})");
            return Err(WorldError::Map { path, message });
        }
    };
    if map.bounds.is_none() {
        return Err(WorldError::EmptyMap { path });
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn block_world() -> World {
        let b = MapBuilding {
            osm_id: 1,
            footprint: Polygon::new(vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]),
            base_m: 0.0,
            top_m: 30.0,
            height_source: HeightSource::HeightTag,
        };
        let z = Zone {
            id: "z".into(),
            footprint: Polygon::new(vec![[50.0, 0.0], [60.0, 0.0], [60.0, 10.0], [50.0, 10.0]]),
            floor_m: 0.0,
            ceiling_m: 100.0,
            window_s: Some((100.0, 200.0)),
        };
        let frame = LocalFrame::new(0.0, 0.0);
        let bounds = Rect { min: [-100.0; 2], max: [100.0; 2] };
        World::new(frame, vec![b], vec![z], vec![], 120.0, bounds)
    }

    #[test]
    fn prism_distance_is_exact() {
        let w = block_world();
        let c = w.clearance([15.0, 5.0, 10.0], TimeSpan::at(0.0), 50.0);
        assert_relative_eq!(c.distance_m, 5.0);
        let c = w.clearance([15.0, 5.0, 34.0], TimeSpan::at(0.0), 50.0);
        assert_relative_eq!(c.distance_m, (25.0f64 + 16.0).sqrt());
        let c = w.clearance([5.0, 5.0, 5.0], TimeSpan::at(0.0), 50.0);
        assert_relative_eq!(c.distance_m, 0.0);
        assert_eq!(c.nearest, Some(ObstacleRef::Building(0)));
    }

    #[test]
    fn zones_only_in_their_window() {
        let w = block_world();
        let p = [55.0, 5.0, 50.0];
        assert_relative_eq!(w.clearance(p, TimeSpan::at(50.0), 10.0).distance_m, 10.0);
        assert_relative_eq!(w.clearance(p, TimeSpan::at(150.0), 10.0).distance_m, 0.0);
    }

    #[test]
    fn segments_blocked_and_clear() {
        let w = block_world();
        let t = TimeSpan::at(0.0);
        assert!(!w.segment_clear([-10.0, 5.0, 10.0], [20.0, 5.0, 10.0], t, 5.0));
        assert!(w.segment_clear([-10.0, 20.0, 10.0], [20.0, 20.0, 10.0], t, 5.0));
        assert!(!w.segment_clear([-10.0, 14.0, 10.0], [20.0, 14.0, 10.0], t, 5.0));
        assert!(w.segment_clear([-10.0, 5.0, 40.0], [20.0, 5.0, 40.0], t, 5.0));
    }
}
