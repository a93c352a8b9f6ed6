//! Fleet separation in the replay: the selected drone's reserved 4D space, and a marker
//! on every loss of separation or pad conflict in the plan.
//!
//! Entry points: [`FleetPlugin`] (the systems), [`Conflicts`] (the plan's losses, found
//! once at start by the independent verifier's fleet rules), [`reserved_outline`] (the
//! wireframe of one reserved piece, a plain function with tests).
//!
//! The reserved space drawn is the planner's own (`skylane_planner::volumes`): pieces of
//! the flight of at most 10 s, each its swept segment grown by half the separation minima
//! (two flights whose grown pieces never meet in the same seconds keep the minima). The
//! piece being flown now is orange, the ones still ahead faint cyan. Our own plans have no
//! losses; a hand-edited plan that has one shows a red sphere of half the horizontal
//! minimum and a beacon from the ground to 60 m above it for a minute either side of the loss, and a red
//! banner counts them.

use bevy::prelude::*;
use skylane_planner::verify::{fleet_conflicts, Rule, Violation};
use skylane_planner::volumes::{flight_volumes, Volume4};

use crate::clock::ReplayClock;
use crate::coords::map_to_bevy;
use crate::replay::{Replay, Selection};
use crate::state::{add_replay_sets, DroneNow, ReplaySet};

/// How long before and after a loss of separation its marker shows, s.
const MARKER_WINDOW_S: f64 = 60.0;
/// Segments of a half circle in a reserved piece's outline.
const ARC_SEGMENTS: usize = 8;

/// The plan's losses of separation and pad conflicts.
#[derive(Resource, Debug, Clone, Default)]
pub struct Conflicts(pub Vec<Violation>);

/// The banner counting [`Conflicts`].
#[derive(Component)]
struct ConflictBanner;

/// Reserved volume of the selected drone, loss markers and their banner.
pub struct FleetPlugin;

impl Plugin for FleetPlugin {
    fn build(&self, app: &mut App) {
        add_replay_sets(app);
        app.init_resource::<Conflicts>()
            .init_resource::<Selection>()
            .add_systems(Startup, (find_conflicts, spawn_banner).chain())
            .add_systems(
                Update,
                (draw_reserved_volume, draw_conflict_markers).in_set(ReplaySet::Display),
            );
    }
}

/// Runs the verifier's fleet rules over the replayed plan once.
fn find_conflicts(replay: Res<Replay>, mut conflicts: ResMut<Conflicts>) {
    conflicts.0 = fleet_conflicts(&replay.plan, &replay.world);
}

/// A red banner at the top when the plan has conflicts; nothing otherwise.
fn spawn_banner(mut commands: Commands, conflicts: Res<Conflicts>) {
    let losses = conflicts.0.iter().filter(|v| v.rule == Rule::Separation).count();
    let pads = conflicts.0.iter().filter(|v| v.rule == Rule::Pad).count();
    if losses + pads == 0 {
        return;
    }
    let mut message = format!("{losses} loss(es) of separation, {pads} pad conflict(s)");
    if let Some(first) = conflicts.0.first() {
        message.push_str(&format!("\nfirst: {first}"));
    }
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                // Below the clock panel, clear of the selection panel on the right.
                top: px(140),
                left: px(10),
                max_width: percent(45),
                padding: UiRect::all(px(8)),
                ..default()
            },
            BackgroundColor(Color::srgba(0.55, 0.02, 0.02, 0.85)),
        ))
        .with_child((
            ConflictBanner,
            Text::new(message),
            TextFont::from_font_size(14.0),
            TextColor(Color::WHITE),
        ));
}

/// The pieces of the selected drone's flight that are still ahead, as wireframes.
fn draw_reserved_volume(
    mut gizmos: Gizmos,
    clock: Res<ReplayClock>,
    replay: Res<Replay>,
    selection: Res<Selection>,
    drones: Query<&DroneNow>,
) {
    let Some(Ok(now)) = selection.entity.map(|e| drones.get(e)) else { return };
    let Some(f) = now.flight else { return };
    let sep = replay.plan.mission.airspace.separation;
    let t = clock.t_s;
    for piece in flight_volumes(&replay.plan.flights[f].samples, None) {
        if piece.t_to_s < t {
            continue;
        }
        let colour = if piece.t_from_s <= t {
            Color::srgba(1.0, 0.55, 0.1, 0.9)
        } else {
            Color::srgba(0.3, 0.85, 1.0, 0.35)
        };
        for [a, b] in reserved_outline(&piece, sep.horizontal_m, sep.vertical_m) {
            gizmos.line(map_to_bevy(a), map_to_bevy(b), colour);
        }
    }
}

/// A red sphere and a beacon at every conflict within [`MARKER_WINDOW_S`] of now.
fn draw_conflict_markers(
    mut gizmos: Gizmos,
    clock: Res<ReplayClock>,
    replay: Res<Replay>,
    conflicts: Res<Conflicts>,
) {
    let radius = (replay.plan.mission.airspace.separation.horizontal_m / 2.0) as f32;
    let red = Color::srgb(1.0, 0.1, 0.1);
    for c in &conflicts.0 {
        let (Some(t), Some(p)) = (c.t_s, c.pos_m) else { continue };
        if (t - clock.t_s).abs() > MARKER_WINDOW_S {
            continue;
        }
        let at = map_to_bevy(p);
        gizmos.sphere(Isometry3d::from_translation(at), radius, red);
        gizmos.line(map_to_bevy([p[0], p[1], 0.0]), map_to_bevy([p[0], p[1], p[2] + 60.0]), red);
    }
}

/// The wireframe of `piece` grown by half the minima (`horizontal_m`, `vertical_m`): a
/// stadium (its segment's horizontal buffer) at the bottom and at the top, joined by
/// vertical edges. Lines in local map metres.
pub fn reserved_outline(piece: &Volume4, horizontal_m: f64, vertical_m: f64) -> Vec<[[f64; 3]; 2]> {
    let r = piece.bulge_m + horizontal_m / 2.0;
    let (z0, z1) = (piece.z_min_m - vertical_m / 2.0, piece.z_max_m + vertical_m / 2.0);
    let ring = stadium(piece.a_m, piece.b_m, r);
    let mut lines = Vec::with_capacity(3 * ring.len());
    for z in [z0, z1] {
        for k in 0..ring.len() {
            let (p, q) = (ring[k], ring[(k + 1) % ring.len()]);
            lines.push([[p[0], p[1], z], [q[0], q[1], z]]);
        }
    }
    // Four vertical edges, a quarter of the outline apart.
    for k in (0..ring.len()).step_by(ring.len().div_ceil(4).max(1)) {
        let p = ring[k];
        lines.push([[p[0], p[1], z0], [p[0], p[1], z1]]);
    }
    lines
}

/// Closed outline of the points within `r` of the segment `a`–`b`: two half circles
/// joined by straight sides (a circle when `a` = `b`).
fn stadium(a: [f64; 2], b: [f64; 2], r: f64) -> Vec<[f64; 2]> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let heading = if dx.hypot(dy) > 1e-9 { dy.atan2(dx) } else { 0.0 };
    let half = |c: [f64; 2], from: f64| {
        (0..=ARC_SEGMENTS).map(move |k| {
            let ang = from + std::f64::consts::PI * k as f64 / ARC_SEGMENTS as f64;
            [c[0] + r * ang.cos(), c[1] + r * ang.sin()]
        })
    };
    let right = heading - std::f64::consts::FRAC_PI_2;
    half(b, right).chain(half(a, right + std::f64::consts::PI)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use skylane_planner::geo::LocalFrame;
    use skylane_planner::world::{Rect, World};

    use crate::synthetic::synthetic_flight;
    use crate::testutil::plan_with;

    /// The conflicts the plugin finds for `flights` (an empty world, no pads laid out).
    fn conflicts_of(flights: Vec<skylane_planner::plan::Flight>) -> Vec<Violation> {
        let bounds = Rect { min: [-500.0; 2], max: [500.0; 2] };
        let world = World::new(LocalFrame::new(43.73, 7.42), vec![], vec![], vec![], 120.0, bounds);
        let mut app = App::new();
        app.insert_resource(Replay::new(plan_with(flights, vec![]), world))
            .init_resource::<Conflicts>()
            .add_systems(Update, find_conflicts);
        app.update();
        app.world().resource::<Conflicts>().0.clone()
    }

    #[test]
    fn a_hand_edited_crossing_is_marked_and_the_same_flights_apart_are_not() {
        let east = |t0| synthetic_flight("nest/a#1", "o1", [-300.0, 0.0], [300.0, 0.0], t0, 60.0);
        let north = |t0| synthetic_flight("nest/b#1", "o2", [0.0, -300.0], [0.0, 300.0], t0, 60.0);
        let crossing = conflicts_of(vec![east(100.0), north(100.0)]);
        let losses: Vec<_> = crossing.iter().filter(|v| v.rule == Rule::Separation).collect();
        assert!(!losses.is_empty(), "crossing flights at once: {crossing:?}");
        assert!(losses.iter().all(|v| v.t_s.is_some() && v.pos_m.is_some()));
        let apart = conflicts_of(vec![east(100.0), north(900.0)]);
        assert!(apart.iter().all(|v| v.rule != Rule::Separation), "{apart:?}");
    }

    fn piece(a: [f64; 2], b: [f64; 2]) -> Volume4 {
        Volume4 {
            a_m: a,
            b_m: b,
            bulge_m: 1.0,
            z_min_m: 40.0,
            z_max_m: 42.0,
            t_from_s: 0.0,
            t_to_s: 10.0,
            corridor: None,
        }
    }

    /// Horizontal distance from `p` to the segment `a`–`b`.
    fn to_segment(p: [f64; 3], a: [f64; 2], b: [f64; 2]) -> f64 {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let u = if len2 > 0.0 {
            (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (p[0] - a[0] - u * dx).hypot(p[1] - a[1] - u * dy)
    }

    #[test]
    fn outline_is_the_segment_grown_by_half_the_minima() {
        for (a, b) in [([0.0, 0.0], [30.0, 40.0]), ([5.0, 5.0], [5.0, 5.0])] {
            let lines = reserved_outline(&piece(a, b), 15.0, 10.0);
            assert!(lines.len() > 2 * ARC_SEGMENTS);
            for p in lines.iter().flatten() {
                // 1 m bulge + 7.5 m: every corner of the outline is that far out.
                let d = to_segment(*p, a, b);
                assert!((d - 8.5).abs() < 1e-9, "outline point {d} m from the segment");
                assert!(p[2] == 35.0 || p[2] == 47.0, "z {} is neither floor nor top", p[2]);
            }
        }
    }

    #[test]
    fn outline_rings_are_closed_around_the_segment() {
        let lines = reserved_outline(&piece([0.0, 0.0], [100.0, 0.0]), 15.0, 10.0);
        let floor: Vec<_> = lines.iter().filter(|l| l[0][2] == 35.0 && l[1][2] == 35.0).collect();
        // Each ring ends where it starts, and reaches both ends of the segment.
        assert_eq!(floor.first().map(|l| l[0]), floor.last().map(|l| l[1]));
        let xs: Vec<f64> = floor.iter().map(|l| l[0][0]).collect();
        assert!(xs.iter().any(|&x| x > 108.0) && xs.iter().any(|&x| x < -8.0));
    }
}
