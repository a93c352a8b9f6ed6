//! The verifier's own clearance test: a straight piece sampled densely against the world.

use nalgebra::Vector3;

use crate::world::{Clearance, TimeSpan, World};

/// Longest step between two clearance checks along a flight, m.
pub const CHECK_STEP_M: f64 = 0.5;
/// Most clearance checks along one straight piece.
const MAX_STEPS: f64 = 1_000_000.0;

/// The closest approach to an obstacle, where it is closer than the margin.
#[derive(Debug, Clone, PartialEq)]
pub struct ClearanceBreach {
    /// Distance to the nearest obstacle, m.
    pub distance_m: f64,
    /// Mission time of that point, s after midnight.
    pub t_s: f64,
    /// The point, local metres.
    pub pos_m: [f64; 3],
    /// What the obstacle is (building id, zone name).
    pub obstacle: String,
}

/// Checks the straight piece from `a` to `b` (position in local metres, time in s) every
/// [`CHECK_STEP_M`] against the world's obstacles active at each point's time; returns
/// the closest approach if it is nearer than `margin_m`. The verifier's own clearance
/// test, public so that benchmarks and embedders check bare paths the same way.
///
/// ```no_run
/// # fn demo(world: &skylane_planner::world::World) {
/// use skylane_planner::verify::closest_approach;
/// let breach = closest_approach(world, ([0.0, 0.0, 60.0], 0.0), ([500.0, 0.0, 60.0], 0.0), 5.0);
/// assert!(breach.is_none(), "{breach:?}");
/// # }
/// ```
pub fn closest_approach(
    world: &World,
    a: ([f64; 3], f64),
    b: ([f64; 3], f64),
    margin_m: f64,
) -> Option<ClearanceBreach> {
    approach(a, b, margin_m, world, |p, span, r| world.clearance(p, span, r))
}

/// [`closest_approach`] for a piece of a take-off climb or a landing: over a rooftop
/// nest's pad the roof is the drone's ground, so it is measured against every obstacle
/// but the roof it stands on ([`World::pad_clearance`]); elsewhere the same test.
pub(super) fn closest_approach_over_pad(
    world: &World,
    a: ([f64; 3], f64),
    b: ([f64; 3], f64),
    margin_m: f64,
) -> Option<ClearanceBreach> {
    approach(a, b, margin_m, world, |p, span, r| world.pad_clearance(p, span, r))
}

fn approach(
    a: ([f64; 3], f64),
    b: ([f64; 3], f64),
    margin_m: f64,
    world: &World,
    clearance: impl Fn([f64; 3], TimeSpan, f64) -> Clearance,
) -> Option<ClearanceBreach> {
    let finite = a.0.iter().chain(&b.0).chain([&a.1, &b.1]).all(|x| x.is_finite());
    if !finite {
        // A NaN compares false with every margin: it must never read as clear.
        return Some(ClearanceBreach {
            distance_m: f64::NAN,
            t_s: a.1,
            pos_m: a.0,
            obstacle: "a non-finite position or time".into(),
        });
    }
    let d = Vector3::from(b.0) - Vector3::from(a.0);
    // Bounded so that a corrupt piece thousands of kilometres long (a timing violation of
    // its own) cannot stall the check: past the cap the step grows beyond CHECK_STEP_M.
    let steps = (d.norm() / CHECK_STEP_M).ceil().clamp(1.0, MAX_STEPS) as usize;
    let mut worst: Option<ClearanceBreach> = None;
    for k in 0..=steps {
        let u = k as f64 / steps as f64;
        let p = Vector3::from(a.0) + d * u;
        let t = a.1 + (b.1 - a.1) * u;
        let p = [p.x, p.y, p.z];
        let c = clearance(p, TimeSpan::at(t), margin_m + 1.0);
        if c.distance_m < margin_m - 1e-6
            && worst.as_ref().is_none_or(|w| c.distance_m < w.distance_m)
        {
            let obstacle = c.nearest.map(|o| world.describe(o)).unwrap_or_default();
            worst = Some(ClearanceBreach { distance_m: c.distance_m, t_s: t, pos_m: p, obstacle });
        }
    }
    worst
}
