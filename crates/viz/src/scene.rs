//! The static scene: ground, roads, buildings, no-fly volumes, depots and delivery
//! points, built once at start-up into a few merged meshes.
//!
//! Buildings are merged per 600 m tile (so the camera frustum can still cull tiles), all
//! roads into one mesh, all zones into one translucent mesh and all delivery points into
//! one mesh. The mesh builders are plain functions of the world and the plan.

use std::collections::BTreeMap;

use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use skylane_planner::mission::{DepotKind, LockerKind, Mission};
use skylane_planner::plan::Plan;
use skylane_planner::world::{Rect, World};

use crate::coords::ground_to_bevy;
use crate::geometry::{
    building_color, push_prism, push_ribbon, regular_polygon, road_width_m, MeshData,
};
use crate::replay::{DepotSite, Replay};

/// Side of the square tiles buildings are merged by, m.
pub const TILE_M: f64 = 600.0;
/// How far above the ceiling unbounded zones are drawn, m.
pub const ZONE_HEADROOM_M: f64 = 30.0;

/// Spawns the static scene.
pub struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<HiddenDropPoints>().add_systems(
            Startup,
            (
                spawn_ground,
                spawn_roads,
                spawn_buildings,
                spawn_zones,
                spawn_depots,
                spawn_lockers,
                spawn_drop_points,
            ),
        );
    }
}

/// Building meshes merged per tile, keyed by tile; buildings that cannot be triangulated
/// are skipped. Also returns how many were skipped.
pub fn building_meshes(world: &World) -> (BTreeMap<(i64, i64), MeshData>, usize) {
    let mut tiles: BTreeMap<(i64, i64), MeshData> = BTreeMap::new();
    let mut skipped = 0;
    for b in &world.buildings {
        let r = b.footprint.bounds();
        let c = [(r.min[0] + r.max[0]) / 2.0, (r.min[1] + r.max[1]) / 2.0];
        if !(c[0].is_finite() && c[1].is_finite()) {
            skipped += 1;
            continue;
        }
        let key = ((c[0] / TILE_M).floor() as i64, (c[1] / TILE_M).floor() as i64);
        let mesh = tiles.entry(key).or_default();
        if !push_prism(mesh, &b.footprint, b.base_m, b.top_m, building_color(b.top_m)) {
            skipped += 1;
        }
    }
    tiles.retain(|_, m| !m.is_empty());
    (tiles, skipped)
}

/// All roads as one mesh of flat ribbons just above the ground.
pub fn road_mesh(world: &World) -> MeshData {
    let mut m = MeshData::default();
    for r in &world.roads {
        let major = road_width_m(&r.class) >= 6.5;
        let color = if major { [0.045, 0.045, 0.055, 1.0] } else { [0.09, 0.09, 0.10, 1.0] };
        // Major roads slightly higher so they draw over minor ones at junctions.
        push_ribbon(
            &mut m,
            &r.points,
            road_width_m(&r.class),
            if major { 0.12 } else { 0.08 },
            color,
        );
    }
    m
}

/// Top drawn for a zone: its ceiling, or the airspace ceiling plus headroom when unbounded.
pub fn zone_top_m(ceiling_m: f64, airspace_ceiling_m: f64) -> f64 {
    if ceiling_m.is_finite() {
        ceiling_m
    } else {
        airspace_ceiling_m + ZONE_HEADROOM_M
    }
}

/// All no-fly volumes as one mesh (time-windowed zones in amber, permanent ones in red).
pub fn zone_mesh(world: &World) -> MeshData {
    let mut m = MeshData::default();
    for z in &world.zones {
        let color =
            if z.window_s.is_some() { [1.0, 0.65, 0.1, 0.22] } else { [0.95, 0.15, 0.15, 0.22] };
        push_prism(
            &mut m,
            &z.footprint,
            z.floor_m,
            zone_top_m(z.ceiling_m, world.ceiling_m),
            color,
        );
    }
    m
}

/// Delivery points whose pads are not drawn (within 0.5 m of one of these points): the
/// proof-of-delivery view draws its own flat marker where the parcel lies.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct HiddenDropPoints(pub Vec<[f64; 2]>);

impl HiddenDropPoints {
    /// Whether the pad at `p` is hidden.
    pub fn hides(&self, p: [f64; 2]) -> bool {
        self.0.iter().any(|h| (h[0] - p[0]).hypot(h[1] - p[1]) < 0.5)
    }
}

/// Delivery points (drone drops and van stops) as low cyan hexagonal pads, except the
/// `hidden` ones.
pub fn drop_point_mesh(plan: &Plan, hidden: &HiddenDropPoints) -> MeshData {
    let mut m = MeshData::default();
    let color = [0.0, 0.85, 0.9, 1.0];
    let points = plan
        .flights
        .iter()
        .map(|f| f.drop_point_m)
        .chain(plan.van_routes.iter().flat_map(|r| r.stops.iter().map(|s| s.pos_m)));
    for p in points.filter(|p| !hidden.hides(*p)) {
        push_prism(&mut m, &regular_polygon(p, 4.0, 6), 0.0, 1.5, color);
    }
    m
}

/// Depot pads: a wide low octagon, orange for drone nests and blue for van depots.
pub fn depot_mesh(depots: &[DepotSite]) -> MeshData {
    let mut m = MeshData::default();
    for d in depots {
        let color = match d.kind {
            DepotKind::Drone => [1.0, 0.45, 0.05, 1.0],
            DepotKind::Van => [0.1, 0.3, 0.95, 1.0],
        };
        push_prism(&mut m, &regular_polygon(d.pos_m, 12.0, 8), 0.0, 3.0, color);
    }
    m
}

/// Footprint half-width of a drawn parcel locker, m (a bank of compartments with its pad).
pub const LOCKER_HALF_WIDTH_M: f64 = 1.5;
/// Height of a drawn parcel locker, m.
pub const LOCKER_HEIGHT_M: f64 = 2.2;

/// The colour of a locker by the vehicles it takes: green for drones, sky blue for vans,
/// teal for both (apart from the depots' orange and blue and the drop points' cyan).
pub fn locker_color(kind: LockerKind) -> [f32; 4] {
    match kind {
        LockerKind::Drone => [0.15, 0.8, 0.2, 1.0],
        LockerKind::Van => [0.35, 0.6, 1.0, 1.0],
        LockerKind::Both => [0.0, 0.65, 0.6, 1.0],
    }
}

/// One square kiosk per parcel locker of the mission, at its position.
pub fn locker_mesh(mission: &Mission, world: &World) -> MeshData {
    let mut m = MeshData::default();
    for l in &mission.lockers {
        let p = world.frame.to_local(l.lat_deg, l.lon_deg);
        let square = regular_polygon(p, LOCKER_HALF_WIDTH_M * std::f64::consts::SQRT_2, 4);
        push_prism(&mut m, &square, 0.0, LOCKER_HEIGHT_M, locker_color(l.kind));
    }
    m
}

/// The ground rectangle: the map extent with a margin.
pub fn ground_rect(bounds: Rect) -> Rect {
    let ok = bounds.min.iter().chain(bounds.max.iter()).all(|x| x.is_finite());
    let b = if ok && bounds.max[0] > bounds.min[0] && bounds.max[1] > bounds.min[1] {
        bounds
    } else {
        Rect { min: [-1000.0; 2], max: [1000.0; 2] }
    };
    let m = 500.0;
    Rect { min: [b.min[0] - m, b.min[1] - m], max: [b.max[0] + m, b.max[1] + m] }
}

fn vertex_color_material(materials: &mut Assets<StandardMaterial>) -> Handle<StandardMaterial> {
    materials.add(StandardMaterial {
        base_color: Color::WHITE,
        perceptual_roughness: 0.9,
        ..default()
    })
}

fn spawn_ground(
    mut commands: Commands,
    replay: Res<Replay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let r = ground_rect(replay.world.bounds);
    let size = Vec2::new((r.max[0] - r.min[0]) as f32, (r.max[1] - r.min[1]) as f32);
    let centre = ground_to_bevy([(r.min[0] + r.max[0]) / 2.0, (r.min[1] + r.max[1]) / 2.0], 0.0);
    commands.spawn((
        Name::new("ground"),
        Mesh3d(meshes.add(Plane3d::default().mesh().size(size.x, size.y))),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::srgb(0.42, 0.50, 0.38),
            perceptual_roughness: 1.0,
            ..default()
        })),
        Transform::from_translation(centre),
        NotShadowCaster,
    ));
}

fn spawn_roads(
    mut commands: Commands,
    replay: Res<Replay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let m = road_mesh(&replay.world);
    if m.is_empty() {
        return;
    }
    commands.spawn((
        Name::new("roads"),
        Mesh3d(meshes.add(m.into_mesh())),
        MeshMaterial3d(vertex_color_material(&mut materials)),
        NotShadowCaster,
    ));
}

fn spawn_buildings(
    mut commands: Commands,
    replay: Res<Replay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let (tiles, skipped) = building_meshes(&replay.world);
    let material = vertex_color_material(&mut materials);
    let triangles: usize = tiles.values().map(|m| m.triangle_count()).sum();
    info!(
        "buildings: {} drawn in {} merged meshes ({} triangles), {} skipped (degenerate footprints)",
        replay.world.buildings.len() - skipped,
        tiles.len(),
        triangles,
        skipped
    );
    for ((x, y), m) in tiles {
        commands.spawn((
            Name::new(format!("buildings tile {x},{y}")),
            Mesh3d(meshes.add(m.into_mesh())),
            MeshMaterial3d(material.clone()),
        ));
    }
}

fn spawn_zones(
    mut commands: Commands,
    replay: Res<Replay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let m = zone_mesh(&replay.world);
    if m.is_empty() {
        return;
    }
    commands.spawn((
        Name::new("no-fly zones"),
        Mesh3d(meshes.add(m.into_mesh())),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::WHITE,
            alpha_mode: AlphaMode::Blend,
            cull_mode: None,
            double_sided: true,
            unlit: true,
            ..default()
        })),
        NotShadowCaster,
        NotShadowReceiver,
    ));
}

fn spawn_depots(
    mut commands: Commands,
    replay: Res<Replay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let m = depot_mesh(&replay.depots);
    if m.is_empty() {
        return;
    }
    commands.spawn((
        Name::new("depots"),
        Mesh3d(meshes.add(m.into_mesh())),
        MeshMaterial3d(vertex_color_material(&mut materials)),
    ));
}

fn spawn_lockers(
    mut commands: Commands,
    replay: Res<Replay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let m = locker_mesh(&replay.plan.mission, &replay.world);
    if m.is_empty() {
        return;
    }
    commands.spawn((
        Name::new("parcel lockers"),
        Mesh3d(meshes.add(m.into_mesh())),
        MeshMaterial3d(vertex_color_material(&mut materials)),
    ));
}

fn spawn_drop_points(
    mut commands: Commands,
    replay: Res<Replay>,
    hidden: Res<HiddenDropPoints>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let m = drop_point_mesh(&replay.plan, &hidden);
    if m.is_empty() {
        return;
    }
    commands.spawn((
        Name::new("delivery points"),
        Mesh3d(meshes.add(m.into_mesh())),
        MeshMaterial3d(vertex_color_material(&mut materials)),
        NotShadowCaster,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use skylane_planner::geo::LocalFrame;
    use skylane_planner::world::{HeightSource, MapBuilding, MapRoad, OneWay, Polygon, Zone};

    fn world() -> World {
        let sq = |x: f64, y: f64, s: f64| {
            Polygon::new(vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s]])
        };
        let b = |id: i64, footprint: Polygon| MapBuilding {
            osm_id: id,
            footprint,
            base_m: 0.0,
            top_m: 20.0,
            height_source: HeightSource::HeightTag,
        };
        let buildings = vec![
            b(1, sq(0.0, 0.0, 10.0)),
            b(2, sq(700.0, 0.0, 10.0)),
            b(3, sq(20.0, 0.0, 10.0)),
            b(4, Polygon::new(vec![[0.0, 0.0], [1.0, 1.0]])),
        ];
        let zones = vec![Zone {
            id: "heli".into(),
            footprint: Polygon::circle([300.0, 300.0], 20.0, 12),
            floor_m: 0.0,
            ceiling_m: f64::INFINITY,
            window_s: None,
        }];
        let roads = vec![MapRoad {
            osm_id: 9,
            class: "residential".into(),
            node_ids: vec![1, 2, 3],
            points: vec![[0.0, -20.0], [100.0, -20.0], [100.0, 50.0]],
            oneway: OneWay::No,
            maxspeed_kmh: None,
        }];
        let bounds = Rect { min: [-50.0; 2], max: [800.0; 2] };
        World::new(LocalFrame::new(43.7, 7.4), buildings, zones, roads, 120.0, bounds)
    }

    #[test]
    fn buildings_are_merged_per_tile_and_bad_ones_skipped() {
        let (tiles, skipped) = building_meshes(&world());
        assert_eq!(skipped, 1);
        assert_eq!(tiles.len(), 2);
        assert_eq!(tiles[&(0, 0)].triangle_count(), 20);
        assert_eq!(tiles[&(1, 0)].triangle_count(), 10);
    }

    #[test]
    fn unbounded_zones_stop_above_the_ceiling() {
        let m = zone_mesh(&world());
        let top = m.positions.iter().map(|p| p[1]).fold(f32::MIN, f32::max);
        assert_eq!(top, 150.0);
        assert_eq!(zone_top_m(80.0, 120.0), 80.0);
        assert!(m.colors.iter().all(|c| c[3] < 0.5));
    }

    #[test]
    fn each_locker_is_a_kiosk_coloured_by_kind() {
        use skylane_planner::mission::Locker;
        let w = world();
        let mut mission = Mission::from_ron_str(
            "Mission(name: \"lockers\", origin: (lat_deg: 43.7, lon_deg: 7.4), map: \"m.osm\",\n\
             depots: [(id: \"nest\", lat_deg: 43.7, lon_deg: 7.4, kind: Drone, pads: 1)],\n\
             fleet: (drones: [(model: Preset(\"dji-m100\"), depot: \"nest\", count: 1)]),\n\
             orders: [(id: \"o1\", placed_at: \"09:00\", lat_deg: 43.7, lon_deg: 7.4, payload_kg: 1.0)])",
            "lockers.ron",
        )
        .unwrap();
        let at = |x: f64, y: f64| w.frame.to_geodetic([x, y]);
        let locker = |id: &str, (lat_deg, lon_deg): (f64, f64), kind| Locker {
            id: id.into(),
            lat_deg,
            lon_deg,
            compartments: 4,
            kind,
            hold_h: 24.0,
        };
        mission.lockers = vec![
            locker("a", at(100.0, 100.0), LockerKind::Drone),
            locker("b", at(200.0, 100.0), LockerKind::Van),
        ];
        let m = locker_mesh(&mission, &w);
        // A square prism standing on the ground: 2 roof + 8 wall triangles each.
        assert_eq!(m.triangle_count(), 20);
        let top = m.positions.iter().map(|p| p[1]).fold(f32::MIN, f32::max);
        assert!((top - LOCKER_HEIGHT_M as f32).abs() < 1e-4);
        assert!(m.colors.contains(&locker_color(LockerKind::Drone)));
        assert!(m.colors.contains(&locker_color(LockerKind::Van)));
        // Centred on the locker: the first kiosk's vertices within its half-diagonal.
        let first = &m.positions[..m.positions.len() / 2];
        for p in first {
            let map = crate::coords::bevy_to_map(Vec3::from(*p));
            assert!((map[0] - 100.0).hypot(map[1] - 100.0) <= LOCKER_HALF_WIDTH_M * 1.5);
        }
        mission.lockers.clear();
        assert!(locker_mesh(&mission, &w).is_empty());
    }

    #[test]
    fn roads_are_one_mesh() {
        let m = road_mesh(&world());
        assert_eq!(m.triangle_count(), 4);
    }

    #[test]
    fn hidden_drop_points_get_no_pad() {
        use crate::testutil::{flight, plan_with};
        let plan = plan_with(
            vec![flight("d1", "o1", 100.0, 500.0), flight("d2", "o2", 200.0, 300.0)],
            vec![],
        );
        let all = drop_point_mesh(&plan, &HiddenDropPoints::default());
        let some = drop_point_mesh(&plan, &HiddenDropPoints(vec![[500.2, 0.1]]));
        assert_eq!(some.triangle_count() * 2, all.triangle_count());
        // The remaining pad is the one at (300, 0).
        assert!(some.positions.iter().all(|p| (p[0] - 300.0).abs() <= 4.0));
    }

    #[test]
    fn ground_covers_the_map() {
        let g = ground_rect(Rect { min: [0.0; 2], max: [100.0; 2] });
        assert_eq!(g.min, [-500.0; 2]);
        let g = ground_rect(Rect::empty());
        assert!(g.min[0].is_finite() && g.max[0] > g.min[0]);
    }
}
