//! Photo confirmation of a drone delivery: the view from the drone's camera at the moment
//! of release, looking down at the drop point with the package on the ground
//! (`skylane-viz PLAN --proof ORDER_ID -o pod.png`).
//!
//! [`proof_shot`] finds the order's flight, its release time (the end of its
//! `Lowering` samples) and the drone's position then; it is a plain function with unit
//! tests. [`ProofPlugin`] turns a [`ProofShot`] into the scene changes: the camera on the
//! drone looking at the drop point through a wide lens, the drone itself hidden (the
//! camera is under it), the package and a flat drop marker on the ground, and a caption.
//! The capture itself is [`crate::screenshot::ScreenshotPlugin`]'s.

use bevy::prelude::*;
use skylane_planner::plan::{Flight, Outcome, Phase, Plan};

use crate::coords::{clock_text, ground_to_bevy, map_to_bevy};
use crate::scene::HiddenDropPoints;
use crate::state::{add_replay_sets, DroneMarker, ReplaySet};
use crate::timeline::flight_state;
use crate::vehicles::PACKAGE_COLOR;

/// Vertical field of view of the drone's camera, radians (75°: a wide-angle lens, so that
/// from hover height the picture shows the buildings around the drop point).
pub const PROOF_FOV_Y: f32 = 75.0 * std::f32::consts::PI / 180.0;
/// The parcel drawn on the ground: east-west, height and north-south sides, m.
pub const PARCEL_SIZE_M: [f32; 3] = [0.45, 0.3, 0.35];
/// Radius of the flat drop marker the parcel lies on, m.
pub const DROP_MARKER_RADIUS_M: f32 = 1.0;
/// Colour of the drop marker (the replay's delivery-point cyan).
pub const DROP_MARKER_COLOR: Color = Color::srgb(0.0, 0.85, 0.9);
/// Height of the marker's top above the ground, m: above the road ribbons (0.12 m), so a
/// drop on a street still shows it.
const MARKER_TOP_M: f32 = 0.16;
/// Lowest camera height above the drop point that makes a picture, m.
const MIN_CAMERA_HEIGHT_M: f64 = 1.0;

/// What the proof-of-delivery picture shows, resolved from the plan.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct ProofShot {
    /// Order delivered.
    pub order_id: String,
    /// Index of its flight in the plan.
    pub flight: usize,
    /// Drone that released it.
    pub drone_id: String,
    /// Release time: end of the flight's `Lowering` phase, s since midnight.
    pub release_s: f64,
    /// Drone (and camera) position at release, local map metres.
    pub camera_m: [f64; 3],
    /// Where the package lies, local map metres.
    pub drop_point_m: [f64; 2],
    /// Distance from the customer's address to the drop point, m.
    pub drop_offset_m: f64,
}

impl ProofShot {
    /// Camera height above the drop point, m.
    pub fn height_m(&self) -> f64 {
        self.camera_m[2]
    }

    /// The camera transform: at the drone, looking at the drop point, with north at the
    /// top of the picture.
    pub fn camera_transform(&self) -> Transform {
        let eye = map_to_bevy(self.camera_m);
        let target = ground_to_bevy(self.drop_point_m, 0.0);
        // North is -z in Bevy; it is never parallel to a view that looks down.
        Transform::from_translation(eye).looking_at(target, Vec3::NEG_Z)
    }

    /// The caption printed on the picture (ASCII: the default font has no other glyphs).
    pub fn caption(&self) -> String {
        format!(
            "Proof of delivery  |  order {}\nreleased {} by drone {}, camera {:.0} m above the \
             drop point\ndrop point {:.1} m from the address  |  north up",
            self.order_id,
            clock_text(self.release_s),
            self.drone_id,
            self.height_m(),
            self.drop_offset_m
        )
    }
}

/// When the package is released: the end of the flight's `Lowering` samples (the first
/// sample after the last `Lowering` one), or `delivered_s` when the flight has none.
pub fn release_time(flight: &Flight) -> f64 {
    let s = &flight.samples;
    match s.iter().rposition(|x| x.phase == Phase::Lowering) {
        Some(i) => s.get(i + 1).unwrap_or(&s[i]).t_s,
        None => flight.delivered_s,
    }
}

/// Resolves `order_id` to its proof-of-delivery view; the error says why there is no
/// picture (unknown order, delivered by van, rejected, or a flight without a release).
pub fn proof_shot(plan: &Plan, order_id: &str) -> Result<ProofShot, String> {
    let Some(outcome) = plan.outcomes.iter().find(|o| o.order_id == order_id) else {
        let known: Vec<&str> = plan
            .outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Drone { .. }))
            .take(5)
            .map(|o| o.order_id.as_str())
            .collect();
        let hint = if known.is_empty() {
            "the plan has no drone deliveries".to_string()
        } else {
            format!("drone deliveries include {}", known.join(", "))
        };
        return Err(format!(
            "--proof {order_id:?}: no such order in the plan ({} orders; {hint})",
            plan.outcomes.len()
        ));
    };
    let index = match &outcome.outcome {
        Outcome::Drone { flight } => *flight,
        Outcome::Van { route, .. } => {
            let van = plan.van_routes.get(*route).map(|r| r.van_id.as_str()).unwrap_or("?");
            return Err(format!(
                "--proof {order_id:?}: delivered by van {van}, not by drone; the photo \
                 confirmation is a drone camera view"
            ));
        }
        Outcome::Rejected { reason } => {
            return Err(format!("--proof {order_id:?}: the order was rejected ({reason})"));
        }
    };
    let flight = plan.flights.get(index).ok_or_else(|| {
        format!("--proof {order_id:?}: the plan names flight {index}, which it does not hold")
    })?;
    let release_s = release_time(flight);
    let state = flight_state(flight, release_s).ok_or_else(|| {
        format!(
            "--proof {order_id:?}: flight of drone {} has no sample at its release time {}",
            flight.drone_id,
            clock_text(release_s)
        )
    })?;
    let height_m = state.pos_m[2];
    if height_m.is_nan() || height_m < MIN_CAMERA_HEIGHT_M {
        return Err(format!(
            "--proof {order_id:?}: drone {} is {:.1} m above the ground at release; no view \
             down",
            flight.drone_id, height_m
        ));
    }
    Ok(ProofShot {
        order_id: order_id.to_string(),
        flight: index,
        drone_id: flight.drone_id.clone(),
        release_s,
        camera_m: state.pos_m,
        drop_point_m: flight.drop_point_m,
        drop_offset_m: flight.drop_offset_m,
    })
}

/// The caption panel.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofCaption;

/// The parcel lying at the drop point.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DroppedParcel;

/// The proof-of-delivery view for the [`ProofShot`] it carries: replaces the orbit camera's
/// view by the drone's, draws the parcel on the ground and the caption. Used with the
/// scene, clock, vehicles and camera plugins (not the HUD) and the screenshot plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct ProofPlugin {
    /// What to show.
    pub shot: ProofShot,
}

impl Plugin for ProofPlugin {
    fn build(&self, app: &mut App) {
        add_replay_sets(app);
        app.insert_resource(self.shot.clone())
            // The flat marker replaces the tall delivery-point pad, which would hide the
            // parcel from above.
            .insert_resource(HiddenDropPoints(vec![self.shot.drop_point_m]))
            .add_systems(Startup, (spawn_parcel, spawn_caption))
            .add_systems(PostStartup, use_drone_lens)
            .add_systems(Update, hide_camera_drone.in_set(ReplaySet::Display))
            .add_systems(PostUpdate, place_camera.before(TransformSystems::Propagate));
    }
}

/// The parcel on a flat cyan marker at the drop point.
fn spawn_parcel(
    mut commands: Commands,
    shot: Res<ProofShot>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let thickness = 0.04;
    commands.spawn((
        Name::new("drop marker"),
        Mesh3d(meshes.add(Cylinder::new(DROP_MARKER_RADIUS_M, thickness).mesh().resolution(48))),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: DROP_MARKER_COLOR,
            perceptual_roughness: 0.9,
            ..default()
        })),
        Transform::from_translation(ground_to_bevy(
            shot.drop_point_m,
            (MARKER_TOP_M - thickness / 2.0) as f64,
        )),
    ));
    let [w, h, d] = PARCEL_SIZE_M;
    commands.spawn((
        Name::new("parcel"),
        DroppedParcel,
        Mesh3d(meshes.add(Cuboid::new(w, h, d))),
        // Unlit like the replay's packages: the same orange in sun or shade.
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: PACKAGE_COLOR,
            unlit: true,
            ..default()
        })),
        Transform::from_translation(ground_to_bevy(
            shot.drop_point_m,
            (MARKER_TOP_M + h / 2.0) as f64,
        ))
        .with_rotation(Quat::from_rotation_y(0.35)),
    ));
}

/// The caption, bottom left.
fn spawn_caption(mut commands: Commands, shot: Res<ProofShot>) {
    commands
        .spawn((
            ProofCaption,
            Node {
                position_type: PositionType::Absolute,
                bottom: px(10),
                left: px(10),
                padding: UiRect::all(px(8)),
                ..default()
            },
            BackgroundColor(Color::srgba(0.05, 0.07, 0.1, 0.72)),
        ))
        .with_child((
            Text::new(shot.caption()),
            TextFont::from_font_size(15.0),
            TextColor(Color::srgb(0.95, 0.96, 0.98)),
        ));
}

/// The drone camera's wide lens, with a near plane close enough for walls beside it.
fn use_drone_lens(mut cameras: Query<&mut Projection, With<Camera3d>>) {
    for mut projection in &mut cameras {
        if let Projection::Perspective(p) = &mut *projection {
            p.fov = PROOF_FOV_Y;
            p.near = 0.1;
        }
    }
}

/// The camera sits under the drone: hide the drone's own body.
fn hide_camera_drone(shot: Res<ProofShot>, mut drones: Query<(&DroneMarker, &mut Visibility)>) {
    for (drone, mut vis) in &mut drones {
        if drone.id == shot.drone_id {
            vis.set_if_neq(Visibility::Hidden);
        }
    }
}

/// Holds the camera at the drone, looking at the drop point (after the orbit controls).
fn place_camera(shot: Res<ProofShot>, mut cameras: Query<&mut Transform, With<Camera3d>>) {
    let pose = shot.camera_transform();
    for mut t in &mut cameras {
        if *t != pose {
            *t = pose;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flight, plan_with, van_route};

    fn plan() -> Plan {
        plan_with(vec![flight("d1", "o1", 100.0, 500.0)], vec![van_route("v1", &["o2"], 120.0)])
    }

    #[test]
    fn release_is_the_end_of_lowering() {
        let f = flight("d1", "o1", 100.0, 500.0);
        let t = release_time(&f);
        assert_eq!(t, f.delivered_s);
        let last_lowering = f.samples.iter().rposition(|s| s.phase == Phase::Lowering).unwrap();
        assert_eq!(f.samples[last_lowering + 1].t_s, t);
        assert!(f.samples[last_lowering].t_s < t);
    }

    #[test]
    fn proof_of_a_drone_delivery_looks_down_at_the_drop_point() {
        let p = plan();
        let shot = proof_shot(&p, "o1").unwrap();
        let f = &p.flights[0];
        assert_eq!(shot.flight, 0);
        assert_eq!(shot.drone_id, "d1");
        assert_eq!(shot.release_s, f.delivered_s);
        assert_eq!(shot.drop_point_m, f.drop_point_m);
        // Hovering straight above the drop point.
        assert!((shot.camera_m[0] - 500.0).abs() < 1e-6 && shot.camera_m[1].abs() < 1e-6);
        assert!(shot.height_m() > 5.0);
        let t = shot.camera_transform();
        assert!((t.translation - map_to_bevy(shot.camera_m)).length() < 1e-4);
        let fwd = t.forward();
        assert!(fwd.y < -0.999, "looks down: {fwd:?}");
        // North (-z) is up in the picture.
        assert!(t.up().z < -0.999, "north up: {:?}", t.up());
        let c = shot.caption();
        assert!(c.contains("order o1") && c.contains("drone d1"), "{c}");
    }

    #[test]
    fn no_proof_for_vans_rejections_or_unknown_orders() {
        let p = plan();
        let e = proof_shot(&p, "o2").unwrap_err();
        assert!(e.contains("van v1") && e.contains("not by drone"), "{e}");
        let e = proof_shot(&p, "o3").unwrap_err();
        assert!(e.contains("rejected"), "{e}");
        let e = proof_shot(&p, "nope").unwrap_err();
        assert!(e.contains("no such order") && e.contains("o1"), "{e}");
    }
}
