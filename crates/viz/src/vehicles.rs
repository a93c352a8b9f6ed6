//! Drones and vans on the mission clock: one entity per drone and per van, moved along
//! the plan's samples and polylines every frame, with trails coloured by state of
//! charge, packages shown from pick-up to drop, constant on-screen marker size, and
//! click-to-select.

use std::collections::BTreeMap;
use std::f32::consts::FRAC_PI_4;

use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use crate::clock::ReplayClock;
use crate::coords::{ground_to_bevy, map_to_bevy};
use crate::replay::{Replay, Selection};
use crate::state::{
    add_replay_sets, DroneMarker, DroneNow, PointerOnUi, ReplaySet, VanMarker, VanNow,
};
use crate::timeline::{flight_active, flight_state, soc_color, van_heading, van_position};

/// The drones' body colour: a saturated magenta that appears nowhere else in the scene,
/// so a screenshot test can find drones by colour.
pub const DRONE_COLOR: Color = Color::srgb(1.0, 0.0, 1.0);
/// The vans' body colour.
pub const VAN_COLOR: Color = Color::srgb(0.05, 0.35, 1.0);
/// The packages' colour.
pub const PACKAGE_COLOR: Color = Color::srgb(1.0, 0.55, 0.0);

/// Most points drawn per trail (longer trails are thinned out evenly).
const MAX_TRAIL_POINTS: usize = 240;
/// Click radius for picking, logical pixels.
const PICK_RADIUS_PX: f32 = 24.0;

/// The package hanging under a drone or riding on a van (a child entity).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Package;

/// Keeps an entity about `pixels` tall on screen, but never smaller than `min_m`.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct ScreenSize {
    /// Wanted on-screen size, logical pixels.
    pub pixels: f32,
    /// Smallest world size, m (the real vehicle size).
    pub min_m: f32,
}

/// Drones, vans, trails, marker scaling and picking.
pub struct VehiclesPlugin;

impl Plugin for VehiclesPlugin {
    fn build(&self, app: &mut App) {
        add_replay_sets(app);
        app.init_resource::<Selection>()
            .add_systems(Startup, (spawn_drones, spawn_vans))
            .add_systems(
                Update,
                (
                    (move_drones, move_vans, show_packages).chain(),
                    (draw_trails, draw_selection, pick_on_click),
                )
                    .chain()
                    .in_set(ReplaySet::Vehicles),
            );
        app.add_systems(PostUpdate, scale_to_screen.before(TransformSystems::Propagate));
    }
}

/// Groups item indices by a key, each group sorted by `order`.
pub fn group_by<T>(
    items: &[T],
    key: impl Fn(&T) -> &str,
    order: impl Fn(&T) -> f64,
) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        groups.entry(key(it).to_string()).or_default().push(i);
    }
    for v in groups.values_mut() {
        v.sort_by(|&a, &b| order(&items[a]).total_cmp(&order(&items[b])));
    }
    groups
}

/// One entity per drone id (body, rotor ring and package), hidden until it flies.
fn spawn_drones(
    mut commands: Commands,
    replay: Res<Replay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let body = meshes.add(Sphere::new(0.5).mesh().ico(2).expect("small subdivision count"));
    let arms = meshes.add(Cuboid::new(1.6, 0.12, 0.25));
    let package = meshes.add(Cuboid::new(0.45, 0.45, 0.45));
    let unlit = |c: Color| StandardMaterial { base_color: c, unlit: true, ..default() };
    let body_mat = materials.add(unlit(DRONE_COLOR));
    let package_mat = materials.add(unlit(PACKAGE_COLOR));
    let flights = &replay.plan.flights;
    for (id, list) in group_by(flights, |f| f.drone_id.as_str(), |f| f.takeoff_s) {
        commands
            .spawn((
                Name::new(format!("drone {id}")),
                DroneMarker { id, flights: list },
                DroneNow::default(),
                Mesh3d(body.clone()),
                MeshMaterial3d(body_mat.clone()),
                Transform::default(),
                Visibility::Hidden,
                ScreenSize { pixels: 14.0, min_m: 1.2 },
            ))
            .with_children(|c| {
                for angle in [FRAC_PI_4, -FRAC_PI_4] {
                    c.spawn((
                        Mesh3d(arms.clone()),
                        MeshMaterial3d(body_mat.clone()),
                        Transform::from_rotation(Quat::from_rotation_y(angle)),
                    ));
                }
                c.spawn((
                    Package,
                    Mesh3d(package.clone()),
                    MeshMaterial3d(package_mat.clone()),
                    Transform::from_xyz(0.0, -0.75, 0.0),
                    Visibility::Hidden,
                ));
            });
    }
}

/// One entity per van id (box body and a package on the roof), hidden until it drives.
fn spawn_vans(
    mut commands: Commands,
    replay: Res<Replay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let body = meshes.add(Cuboid::new(1.0, 0.5, 0.45));
    let package = meshes.add(Cuboid::new(0.3, 0.25, 0.3));
    let unlit = |c: Color| StandardMaterial { base_color: c, unlit: true, ..default() };
    let body_mat = materials.add(unlit(VAN_COLOR));
    let package_mat = materials.add(unlit(PACKAGE_COLOR));
    let routes = &replay.plan.van_routes;
    let first_time =
        |r: &skylane_planner::plan::VanRoute| r.times_s.first().copied().unwrap_or(0.0);
    for (id, list) in group_by(routes, |r| r.van_id.as_str(), first_time) {
        commands
            .spawn((
                Name::new(format!("van {id}")),
                VanMarker { id, routes: list },
                VanNow::default(),
                Mesh3d(body.clone()),
                MeshMaterial3d(body_mat.clone()),
                Transform::default(),
                Visibility::Hidden,
                ScreenSize { pixels: 22.0, min_m: 6.0 },
            ))
            .with_child((
                Package,
                Mesh3d(package.clone()),
                MeshMaterial3d(package_mat.clone()),
                Transform::from_xyz(0.0, 0.38, 0.0),
                Visibility::Hidden,
            ));
    }
}

/// Puts each drone on its current flight (or hides it on the ground).
fn move_drones(
    clock: Res<ReplayClock>,
    replay: Res<Replay>,
    mut drones: Query<(&DroneMarker, &mut DroneNow, &mut Transform, &mut Visibility)>,
) {
    let t = clock.t_s;
    let flights = &replay.plan.flights;
    for (drone, mut now, mut transform, mut vis) in &mut drones {
        let current = drone.flights.iter().copied().find(|&f| flight_active(&flights[f], t));
        let state = current.and_then(|f| flight_state(&flights[f], t));
        let new_now = DroneNow { flight: current, state };
        if *now != new_now {
            *now = new_now;
        }
        match state {
            Some(s) => {
                transform.translation = map_to_bevy(s.pos_m);
                let v = s.vel_mps;
                if v[0].hypot(v[1]) > 0.5 {
                    // Map heading counter-clockwise from east -> rotation about Bevy's y.
                    transform.rotation = Quat::from_rotation_y(v[1].atan2(v[0]) as f32);
                }
                vis.set_if_neq(Visibility::Inherited);
            }
            None => {
                vis.set_if_neq(Visibility::Hidden);
            }
        }
    }
}

/// Puts each van on its current route (or hides it at the depot).
fn move_vans(
    clock: Res<ReplayClock>,
    replay: Res<Replay>,
    mut vans: Query<(&VanMarker, &mut VanNow, &mut Transform, &mut Visibility)>,
) {
    let t = clock.t_s;
    let routes = &replay.plan.van_routes;
    for (van, mut now, mut transform, mut vis) in &mut vans {
        let found = van.routes.iter().find_map(|&r| van_position(&routes[r], t).map(|p| (r, p)));
        let new_now = VanNow { route: found.map(|f| f.0), pos_m: found.map(|f| f.1) };
        if *now != new_now {
            *now = new_now;
        }
        match found {
            Some((r, p)) => {
                // The body is centred on its origin: lift it by half its scaled height.
                transform.translation = ground_to_bevy(p, 0.25 * transform.scale.y as f64);
                if let Some(h) = van_heading(&routes[r], t) {
                    transform.rotation = Quat::from_rotation_y(h as f32);
                }
                vis.set_if_neq(Visibility::Inherited);
            }
            None => {
                vis.set_if_neq(Visibility::Hidden);
            }
        }
    }
}

/// Packages show while on board: drones until the drop, vans while a stop is still ahead.
fn show_packages(
    clock: Res<ReplayClock>,
    replay: Res<Replay>,
    drones: Query<(&DroneNow, &Children)>,
    vans: Query<(&VanNow, &Children)>,
    mut packages: Query<&mut Visibility, With<Package>>,
) {
    let t = clock.t_s;
    let mut set = |children: &Children, on: bool| {
        for c in children.iter() {
            if let Ok(mut v) = packages.get_mut(c) {
                v.set_if_neq(if on { Visibility::Inherited } else { Visibility::Hidden });
            }
        }
    };
    for (now, children) in &drones {
        set(children, now.state.is_some_and(|s| s.carrying));
    }
    for (now, children) in &vans {
        let loaded = now
            .route
            .is_some_and(|r| replay.plan.van_routes[r].stops.iter().any(|s| s.service_start_s > t));
        set(children, loaded);
    }
}

/// Trails of the drones in the air, from take-off to now, coloured by state of charge;
/// the selected drone also shows the rest of its path, faintly.
fn draw_trails(
    mut gizmos: Gizmos,
    clock: Res<ReplayClock>,
    replay: Res<Replay>,
    selection: Res<Selection>,
    drones: Query<(Entity, &DroneNow)>,
) {
    let t = clock.t_s;
    for (entity, now) in &drones {
        let (Some(f), Some(state)) = (now.flight, now.state) else {
            continue;
        };
        let samples = &replay.plan.flights[f].samples;
        let done = samples.partition_point(|s| s.t_s <= t);
        let stride = done.div_ceil(MAX_TRAIL_POINTS).max(1);
        let mut points: Vec<(Vec3, Color)> = samples[..done]
            .iter()
            .step_by(stride)
            .map(|s| (map_to_bevy(s.pos_m), soc_linear(s.soc)))
            .collect();
        points.push((map_to_bevy(state.pos_m), soc_linear(state.soc)));
        gizmos.linestrip_gradient(points);
        if selection.entity == Some(entity) {
            let rest = &samples[done..];
            let stride = rest.len().div_ceil(MAX_TRAIL_POINTS).max(1);
            let ahead = std::iter::once(map_to_bevy(state.pos_m))
                .chain(rest.iter().step_by(stride).map(|s| map_to_bevy(s.pos_m)))
                .chain(rest.last().map(|s| map_to_bevy(s.pos_m)));
            gizmos.linestrip(ahead, Color::srgba(1.0, 1.0, 1.0, 0.45));
        }
    }
}

fn soc_linear(soc: f64) -> Color {
    let [r, g, b] = soc_color(soc);
    Color::srgb(r, g, b)
}

/// A yellow ring around the selected vehicle.
fn draw_selection(
    mut gizmos: Gizmos,
    selection: Res<Selection>,
    vehicles: Query<(&GlobalTransform, &Visibility)>,
) {
    let Some(Ok((t, vis))) = selection.entity.map(|e| vehicles.get(e)) else {
        return;
    };
    if *vis == Visibility::Hidden {
        return;
    }
    let radius = t.scale().x * 1.6;
    let iso = Isometry3d::new(t.translation(), Quat::from_rotation_x(std::f32::consts::FRAC_PI_2));
    gizmos.circle(iso, radius, Color::srgb(1.0, 0.95, 0.1));
}

/// World size that shows as `pixels` on a viewport `viewport_h` pixels tall, at
/// `distance` metres from a camera with the vertical field of view `fov_y`.
pub fn world_size_for_pixels(pixels: f32, distance: f32, viewport_h: f32, fov_y: f32) -> f32 {
    pixels * 2.0 * distance * (fov_y / 2.0).tan() / viewport_h.max(1.0)
}

/// Scales markers so they keep their on-screen size at every zoom, with the field of
/// view the camera's projection has (the proof view uses a wider lens).
fn scale_to_screen(
    camera: Query<(&GlobalTransform, &Projection), With<Camera3d>>,
    window: Query<&Window, With<PrimaryWindow>>,
    mut markers: Query<(&ScreenSize, &mut Transform)>,
) {
    let Some((cam, projection)) = camera.iter().next() else {
        return;
    };
    let fov_y = match projection {
        Projection::Perspective(p) => p.fov,
        _ => PerspectiveProjection::default().fov,
    };
    let h = window.iter().next().map(|w| w.height()).unwrap_or(720.0);
    let eye = cam.translation();
    for (size, mut t) in &mut markers {
        let d = t.translation.distance(eye);
        let s = world_size_for_pixels(size.pixels, d, h, fov_y).max(size.min_m);
        if (t.scale.x - s).abs() > 1e-3 * s {
            t.scale = Vec3::splat(s);
        }
    }
}

/// What picking reads of a drone or van.
type PickableVehicle = (Entity, &'static GlobalTransform, &'static Visibility);
/// Drones and vans.
type VehicleFilter = Or<(With<DroneMarker>, With<VanMarker>)>;

/// A left click (press and release without dragging, not on the HUD) selects the
/// visible vehicle nearest to the cursor on screen, within a small radius, or clears the
/// selection.
fn pick_on_click(
    on_ui: Res<PointerOnUi>,
    buttons: Res<ButtonInput<MouseButton>>,
    window: Query<&Window, With<PrimaryWindow>>,
    camera: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    vehicles: Query<PickableVehicle, VehicleFilter>,
    mut pressed_at: Local<Option<Vec2>>,
    mut selection: ResMut<Selection>,
) {
    let Some(window) = window.iter().next() else {
        return;
    };
    let cursor = window.cursor_position();
    if buttons.just_pressed(MouseButton::Left) {
        *pressed_at = cursor;
    }
    if !buttons.just_released(MouseButton::Left) {
        return;
    }
    let (Some(start), Some(cursor)) = (pressed_at.take(), cursor) else {
        return;
    };
    if start.distance(cursor) > 5.0 || on_ui.0 {
        return;
    }
    let Some((cam, cam_t)) = camera.iter().next() else {
        return;
    };
    let candidates =
        vehicles.iter().filter(|(_, _, v)| **v != Visibility::Hidden).filter_map(|(e, t, _)| {
            cam.world_to_viewport(cam_t, t.translation()).ok().map(|p| (e, p.distance(cursor)))
        });
    let hit = nearest_within(candidates, PICK_RADIUS_PX);
    if hit != selection.entity {
        selection.entity = hit;
        if hit.is_none() {
            selection.follow = false;
        }
    }
}

/// The candidate with the smallest distance, if within `radius`.
pub fn nearest_within<T>(candidates: impl Iterator<Item = (T, f32)>, radius: f32) -> Option<T> {
    candidates.filter(|(_, d)| *d <= radius).min_by(|a, b| a.1.total_cmp(&b.1)).map(|(t, _)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOV_Y: f32 = FRAC_PI_4;

    #[test]
    fn groups_sorted_by_time() {
        let items = [("b", 3.0), ("a", 2.0), ("b", 1.0)];
        let g = group_by(&items, |i| i.0, |i| i.1);
        assert_eq!(g["a"], vec![1]);
        assert_eq!(g["b"], vec![2, 0]);
    }

    #[test]
    fn marker_size_grows_with_distance() {
        let near = world_size_for_pixels(10.0, 100.0, 720.0, FOV_Y);
        let far = world_size_for_pixels(10.0, 1000.0, 720.0, FOV_Y);
        assert!((far / near - 10.0).abs() < 1e-4);
        // 720 px span the full view height 2 d tan(fov/2).
        let full = world_size_for_pixels(720.0, 100.0, 720.0, FOV_Y);
        assert!((full - 200.0 * (FOV_Y / 2.0).tan()).abs() < 1e-3);
    }

    #[test]
    fn picking_takes_the_nearest_in_radius() {
        let c = vec![("a", 30.0), ("b", 12.0), ("c", 5.0)];
        assert_eq!(nearest_within(c.clone().into_iter(), 24.0), Some("c"));
        assert_eq!(nearest_within(c.into_iter().take(1), 24.0), None);
    }
}
