//! The orbit camera: overview of the service area at start, orbit (left drag or Q/E),
//! pan (right or middle drag, W/A/S/D), zoom (wheel, Z/X), back to the overview (Home or
//! O), and following the selected vehicle (F toggles).
//!
//! [`OrbitCamera`] holds the orbit parameters and turns them into a [`Transform`] with
//! pure functions; the systems only feed input into it.

use std::f32::consts::FRAC_PI_4;

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::light::CascadeShadowConfigBuilder;
use bevy::prelude::*;
use skylane_planner::world::Rect;

use crate::coords::ground_to_bevy;
use crate::replay::{Replay, Selection};
use crate::state::{add_replay_sets, PointerOnUi, ReplaySet};

/// Vertical field of view of the camera, radians.
pub const FOV_Y: f32 = FRAC_PI_4;

/// Lowest and highest camera pitch above the horizon, radians.
const PITCH_RANGE: (f32, f32) = (0.08, 1.54);
/// Closest and farthest zoom, m.
const DISTANCE_RANGE: (f32, f32) = (15.0, 30_000.0);

/// Orbit parameters of the camera: it looks at `focus` from `distance` metres away, from
/// the direction given by `yaw` (0 = from the south, looking north; a quarter turn puts
/// the camera in the east, looking west) and `pitch` above the horizon.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct OrbitCamera {
    /// Point looked at, Bevy world space.
    pub focus: Vec3,
    /// Rotation about the vertical axis, radians.
    pub yaw: f32,
    /// Elevation above the horizon, radians.
    pub pitch: f32,
    /// Distance from the focus, m.
    pub distance: f32,
}

impl OrbitCamera {
    /// Unit vector from the focus towards the camera.
    pub fn offset_direction(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        Vec3::new(cp * sy, sp, cp * cy)
    }

    /// The camera transform for these parameters.
    pub fn transform(&self) -> Transform {
        let eye = self.focus + self.offset_direction() * self.distance;
        Transform::from_translation(eye).looking_at(self.focus, Vec3::Y)
    }

    /// Rotates by mouse/key deltas, keeping the pitch in range.
    pub fn rotate(&mut self, d_yaw: f32, d_pitch: f32) {
        self.yaw = (self.yaw + d_yaw).rem_euclid(std::f32::consts::TAU);
        self.pitch = (self.pitch + d_pitch).clamp(PITCH_RANGE.0, PITCH_RANGE.1);
    }

    /// Multiplies the distance by `factor`, within range.
    pub fn zoom(&mut self, factor: f32) {
        if factor.is_finite() && factor > 0.0 {
            self.distance = (self.distance * factor).clamp(DISTANCE_RANGE.0, DISTANCE_RANGE.1);
        }
    }

    /// Moves the focus on the ground: `right` and `forward` in screen terms, as shares of
    /// the distance (so panning feels the same at every zoom).
    pub fn pan(&mut self, right: f32, forward: f32) {
        let (sy, cy) = self.yaw.sin_cos();
        // Camera's right and forward directions projected on the ground.
        let right_dir = Vec3::new(cy, 0.0, -sy);
        let forward_dir = Vec3::new(-sy, 0.0, -cy);
        self.focus += (right_dir * right + forward_dir * forward) * self.distance;
    }
}

/// The overview of `area` (local map metres) for a viewport of `aspect` (width/height):
/// looking north from the south at 55° so the whole area fits.
pub fn overview(area: Rect, aspect: f32) -> OrbitCamera {
    let centre = [(area.min[0] + area.max[0]) / 2.0, (area.min[1] + area.max[1]) / 2.0];
    let width = (area.max[0] - area.min[0]).max(100.0) as f32;
    let depth = (area.max[1] - area.min[1]).max(100.0) as f32;
    let pitch = 55f32.to_radians();
    let half_v = (FOV_Y / 2.0).tan();
    let half_h = half_v * aspect.max(0.1);
    // Fit the width horizontally and the depth (foreshortened by the pitch) vertically.
    let fit_w = width / 2.0 / half_h;
    let fit_d = depth * pitch.sin() / 2.0 / half_v;
    let mut orbit = OrbitCamera {
        focus: ground_to_bevy(centre, 0.0),
        yaw: 0.0,
        pitch,
        distance: fit_w.max(fit_d).clamp(DISTANCE_RANGE.0, DISTANCE_RANGE.1),
    };
    // The near edge looks wider than the estimate assumes: back off until every corner
    // is in view, with a 12 % margin for the HUD.
    let corners = [area.min, [area.max[0], area.min[1]], area.max, [area.min[0], area.max[1]]];
    let inside = |o: &OrbitCamera| {
        let view = o.transform().to_matrix().inverse();
        corners.iter().all(|c| {
            let p = view.transform_point3(ground_to_bevy(*c, 0.0));
            p.z < 0.0 && (p.x / -p.z).abs() <= half_h / 1.12 && (p.y / -p.z).abs() <= half_v / 1.12
        })
    };
    for _ in 0..100 {
        if inside(&orbit) || orbit.distance >= DISTANCE_RANGE.1 {
            break;
        }
        orbit.zoom(1.05);
    }
    orbit
}

/// Spawns the camera, the sun and the ambient light; adds the camera controls.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        add_replay_sets(app);
        app.init_resource::<Selection>()
            .insert_resource(ClearColor(Color::srgb(0.62, 0.75, 0.88)))
            .insert_resource(GlobalAmbientLight {
                color: Color::srgb(0.85, 0.9, 1.0),
                brightness: 400.0,
                ..default()
            })
            .add_systems(Startup, (spawn_camera, spawn_sun))
            .add_systems(
                Update,
                (
                    orbit_with_mouse,
                    pan_with_mouse,
                    zoom_with_wheel,
                    move_with_keys,
                    back_to_overview,
                    toggle_follow,
                    follow_selection,
                    apply_orbit,
                )
                    .chain()
                    .in_set(ReplaySet::View),
            );
    }
}

/// The perspective camera at the overview of the service area.
fn spawn_camera(mut commands: Commands, replay: Res<Replay>, window: Query<&Window>) {
    let aspect =
        window.iter().next().map(|w| w.width() / w.height().max(1.0)).unwrap_or(16.0 / 9.0);
    let orbit = overview(replay.service_area, aspect);
    let far = (orbit.distance * 4.0).max(20_000.0);
    commands.spawn((
        Camera3d::default(),
        Projection::Perspective(PerspectiveProjection { fov: FOV_Y, near: 1.0, far, ..default() }),
        orbit.transform(),
        orbit,
    ));
}

/// A low afternoon sun from the south-west with cascaded shadows over the whole area.
fn spawn_sun(mut commands: Commands, replay: Res<Replay>) {
    let a = replay.world.bounds;
    let extent = ((a.max[0] - a.min[0]).max(a.max[1] - a.min[1]) as f32).clamp(500.0, 20_000.0);
    commands.spawn((
        DirectionalLight { illuminance: 9_000.0, shadow_maps_enabled: true, ..default() },
        Transform::from_xyz(-0.6, 1.0, 0.7).looking_at(Vec3::ZERO, Vec3::Y),
        CascadeShadowConfigBuilder {
            num_cascades: 3,
            minimum_distance: 1.0,
            first_cascade_far_bound: 600.0,
            maximum_distance: extent * 1.5,
            ..default()
        }
        .build(),
    ));
}

/// Left drag orbits, unless the drag is the HUD's (the time slider).
fn orbit_with_mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    on_ui: Res<PointerOnUi>,
    mut orbit: Single<&mut OrbitCamera>,
) {
    if buttons.pressed(MouseButton::Left) && motion.delta != Vec2::ZERO && !on_ui.0 {
        orbit.rotate(-motion.delta.x * 0.005, motion.delta.y * 0.005);
    }
}

/// Right or middle drag pans.
fn pan_with_mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    window: Query<&Window>,
    mut orbit: Single<&mut OrbitCamera>,
) {
    if !buttons.any_pressed([MouseButton::Right, MouseButton::Middle]) || motion.delta == Vec2::ZERO
    {
        return;
    }
    let h = window.iter().next().map(|w| w.height()).unwrap_or(720.0).max(1.0);
    // One window height of drag moves the focus by about the visible ground depth.
    let k = 2.0 * (FOV_Y / 2.0).tan() / h;
    orbit.pan(-motion.delta.x * k, motion.delta.y * k);
}

/// The wheel zooms.
fn zoom_with_wheel(scroll: Res<AccumulatedMouseScroll>, mut orbit: Single<&mut OrbitCamera>) {
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
    };
    if lines != 0.0 {
        orbit.zoom(0.88f32.powf(lines));
    }
}

/// W/A/S/D pan, Q/E orbit, R/T tilt, Z/X zoom.
fn move_with_keys(
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time<Real>>,
    mut orbit: Single<&mut OrbitCamera>,
) {
    let dt = time.delta_secs().min(0.1);
    let axis = |plus: KeyCode, minus: KeyCode| {
        (keys.pressed(plus) as i32 - keys.pressed(minus) as i32) as f32 * dt
    };
    let right = axis(KeyCode::KeyD, KeyCode::KeyA);
    let forward = axis(KeyCode::KeyW, KeyCode::KeyS);
    if right != 0.0 || forward != 0.0 {
        orbit.pan(right * 0.6, forward * 0.6);
    }
    let yaw = axis(KeyCode::KeyQ, KeyCode::KeyE);
    let pitch = axis(KeyCode::KeyR, KeyCode::KeyT);
    if yaw != 0.0 || pitch != 0.0 {
        orbit.rotate(yaw * 1.2, pitch * 0.8);
    }
    let zoom = axis(KeyCode::KeyX, KeyCode::KeyZ);
    if zoom != 0.0 {
        orbit.zoom((zoom * 1.5).exp());
    }
}

/// Home or O goes back to the overview and stops following.
fn back_to_overview(
    keys: Res<ButtonInput<KeyCode>>,
    replay: Res<Replay>,
    window: Query<&Window>,
    mut selection: ResMut<Selection>,
    mut orbit: Single<&mut OrbitCamera>,
) {
    if keys.any_just_pressed([KeyCode::Home, KeyCode::KeyO]) {
        let aspect =
            window.iter().next().map(|w| w.width() / w.height().max(1.0)).unwrap_or(16.0 / 9.0);
        **orbit = overview(replay.service_area, aspect);
        selection.follow = false;
    }
}

/// F toggles following the selected vehicle.
fn toggle_follow(keys: Res<ButtonInput<KeyCode>>, mut selection: ResMut<Selection>) {
    if keys.just_pressed(KeyCode::KeyF) {
        selection.follow = !selection.follow && selection.entity.is_some();
    }
}

/// While following, the focus glides to the selected vehicle, and the view zooms in
/// when it is far.
fn follow_selection(
    selection: Res<Selection>,
    vehicles: Query<(&GlobalTransform, &Visibility)>,
    time: Res<Time<Real>>,
    mut orbit: Single<&mut OrbitCamera>,
) {
    if !selection.follow {
        return;
    }
    let Some(Ok((t, vis))) = selection.entity.map(|e| vehicles.get(e)) else {
        return;
    };
    if *vis == Visibility::Hidden {
        return;
    }
    let k = (time.delta_secs() * 6.0).min(1.0);
    orbit.focus = orbit.focus.lerp(t.translation(), k);
    if orbit.distance > 1500.0 {
        let d = orbit.distance;
        orbit.distance = d + (1500.0 - d) * k;
    }
}

/// Writes the orbit parameters into the camera transform.
fn apply_orbit(mut cameras: Query<(&OrbitCamera, &mut Transform), Changed<OrbitCamera>>) {
    for (orbit, mut transform) in &mut cameras {
        *transform = orbit.transform();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hud::track_pointer_on_ui;
    use crate::state::ReplaySetsPlugin;
    use bevy::window::{PrimaryWindow, WindowResolution};

    /// An app with the pointer tracking and the orbit, a 800x600 window and a camera.
    fn orbit_app() -> App {
        let mut app = App::new();
        app.add_plugins(ReplaySetsPlugin)
            .init_resource::<ButtonInput<MouseButton>>()
            .init_resource::<AccumulatedMouseMotion>()
            .add_systems(
                Update,
                (
                    track_pointer_on_ui.in_set(ReplaySet::Input),
                    orbit_with_mouse.in_set(ReplaySet::View),
                ),
            );
        let window = Window { resolution: WindowResolution::new(800, 600), ..default() };
        app.world_mut().spawn((window, PrimaryWindow));
        let orbit = OrbitCamera { focus: Vec3::ZERO, yaw: 0.0, pitch: 0.5, distance: 100.0 };
        app.world_mut().spawn(orbit);
        app
    }

    /// Presses the left button at `cursor`, then drags it 40 px right for a frame;
    /// returns the camera's yaw after.
    fn drag_from(app: &mut App, cursor: Vec2) -> f32 {
        let world = app.world_mut();
        let mut windows = world.query::<&mut Window>();
        windows.single_mut(world).unwrap().set_cursor_position(Some(cursor));
        world.resource_mut::<ButtonInput<MouseButton>>().press(MouseButton::Left);
        app.update();
        let world = app.world_mut();
        world.resource_mut::<ButtonInput<MouseButton>>().clear();
        world.resource_mut::<AccumulatedMouseMotion>().delta = Vec2::new(40.0, 0.0);
        let mut windows = world.query::<&mut Window>();
        windows.single_mut(world).unwrap().set_cursor_position(Some(cursor - Vec2::Y * 100.0));
        app.update();
        let world = app.world_mut();
        world.query::<&OrbitCamera>().single(world).unwrap().yaw
    }

    #[test]
    fn dragging_the_time_slider_does_not_orbit_the_camera() {
        // Pressed on the slider band (the bottom 18 px), then dragged up into the view.
        let mut app = orbit_app();
        assert_eq!(drag_from(&mut app, Vec2::new(400.0, 595.0)), 0.0);
        // The same drag begun in the view orbits.
        let mut app = orbit_app();
        assert!(drag_from(&mut app, Vec2::new(400.0, 300.0)).abs() > 0.1);
    }

    #[test]
    fn default_view_looks_north() {
        let o = OrbitCamera { focus: Vec3::ZERO, yaw: 0.0, pitch: 0.5, distance: 100.0 };
        let t = o.transform();
        // The camera is south of the focus (+z in Bevy) and above it.
        assert!(t.translation.z > 0.0 && t.translation.y > 0.0);
        assert!((t.translation.length() - 100.0).abs() < 1e-3);
        let fwd = t.forward();
        assert!(fwd.z < 0.0, "looks north (-z): {fwd:?}");
        assert!((t.translation + *fwd * 100.0).length() < 1e-3);
    }

    #[test]
    fn pitch_and_zoom_are_clamped() {
        let mut o = OrbitCamera { focus: Vec3::ZERO, yaw: 0.0, pitch: 0.5, distance: 100.0 };
        o.rotate(0.0, 10.0);
        assert_eq!(o.pitch, PITCH_RANGE.1);
        o.rotate(0.0, -10.0);
        assert_eq!(o.pitch, PITCH_RANGE.0);
        o.zoom(1e-9);
        assert_eq!(o.distance, DISTANCE_RANGE.0);
        o.zoom(f32::NAN);
        assert_eq!(o.distance, DISTANCE_RANGE.0);
    }

    #[test]
    fn pan_moves_on_the_ground_in_view_terms() {
        let mut o = OrbitCamera { focus: Vec3::ZERO, yaw: 0.0, pitch: 0.7, distance: 200.0 };
        o.pan(0.0, 0.1);
        // Forward is north: -z, by a tenth of the distance.
        assert!((o.focus - Vec3::new(0.0, 0.0, -20.0)).length() < 1e-4);
        o.pan(0.1, 0.0);
        assert!((o.focus - Vec3::new(20.0, 0.0, -20.0)).length() < 1e-4);
        // Turned a quarter: the camera looks west; forward is -x.
        let mut o = OrbitCamera { focus: Vec3::ZERO, yaw: std::f32::consts::FRAC_PI_2, ..o };
        o.pan(0.0, 0.1);
        assert!((o.focus - Vec3::new(-20.0, 0.0, 0.0)).length() < 1e-4);
        assert!(o.transform().forward().x < 0.0);
    }

    #[test]
    fn overview_fits_the_area() {
        let area = Rect { min: [-1000.0, -500.0], max: [1000.0, 500.0] };
        let o = overview(area, 16.0 / 9.0);
        assert_eq!(o.focus, Vec3::ZERO);
        // Every corner projects inside the view frustum.
        let t = o.transform();
        let view = t.to_matrix().inverse();
        let half_v = (FOV_Y / 2.0).tan();
        for c in [[-1000.0, -500.0], [1000.0, -500.0], [1000.0, 500.0], [-1000.0, 500.0]] {
            let p = view.transform_point3(ground_to_bevy(c, 0.0));
            assert!(p.z < 0.0);
            assert!((p.x / -p.z).abs() <= half_v * 16.0 / 9.0 * 1.001, "{c:?} -> {p:?}");
            assert!((p.y / -p.z).abs() <= half_v * 1.001, "{c:?} -> {p:?}");
        }
    }
}
