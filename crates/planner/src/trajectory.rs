//! Timed trajectories: a delivery geometry becomes samples with time, position and
//! velocity that respect the drone's speed, climb and acceleration limits.
//!
//! Entry point: [`delivery_trajectory`]. A flight is: vertical take-off to cruise
//! altitude, cruise along the path, vertical descent to hover height above the drop
//! point, hover while the package is lowered, climb, cruise back along the same path,
//! vertical landing. Every leg starts and ends at rest. Samples are at most
//! [`MAX_SAMPLE_INTERVAL_S`] apart, and every path vertex is a sample, so straight-line
//! interpolation between samples stays on the planned (collision-free) path.
//!
//! Speed model: each straight piece has a trapezoidal speed profile (acceleration
//! limited). At a corner turning by angle `theta` the speed is at most
//! `a_max * turn_time_s / (2 sin(theta / 2))`: the autopilot turns the velocity vector
//! within the type's [`DroneSpec::turn_time_s`] without exceeding the acceleration limit. In wind, the ground
//! speed on each piece is capped so that the airspeed stays within the type's maximum.
//! Jerk is not limited (the autopilot smooths it); this is a stated simplification.

use nalgebra::Vector3;

use crate::energy::DroneSpec;
use crate::plan::{Phase, Sample};

/// Longest gap between two samples, s.
pub const MAX_SAMPLE_INTERVAL_S: f64 = 1.0;

/// Why a trajectory cannot be flown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrajectoryError {
    /// The wind is too strong to make headway on some leg.
    #[error("wind of {wind_mps:.1} m/s exceeds what the drone can fly against (max airspeed {max_airspeed_mps:.1} m/s)")]
    WindTooStrong {
        /// Wind speed, m/s.
        wind_mps: f64,
        /// Type's maximum airspeed, m/s.
        max_airspeed_mps: f64,
    },
}

/// What limits a drone's changes of velocity: its acceleration and the time its autopilot
/// takes to turn at a corner (both from its [`DroneSpec`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Agility {
    pub accel_mps2: f64,
    pub turn_time_s: f64,
}

impl Agility {
    /// The agility of a drone type.
    pub fn of(spec: &DroneSpec) -> Agility {
        Agility { accel_mps2: spec.max_accel_mps2, turn_time_s: spec.turn_time_s }
    }
}

/// Maximum speed at a corner turning by `turn_rad`, for acceleration limit `accel_mps2`
/// and a turn that takes `turn_time_s`.
pub fn corner_speed_limit_mps(turn_rad: f64, accel_mps2: f64, turn_time_s: f64) -> f64 {
    let s = (turn_rad / 2.0).sin();
    if s <= 1e-9 {
        f64::INFINITY
    } else {
        accel_mps2 * turn_time_s / (2.0 * s)
    }
}

/// Fastest ground speed along unit direction `dir` (horizontal) such that the airspeed
/// `|v dir - wind|` stays within `max_air_mps`.
pub(crate) fn max_ground_speed(
    dir: Vector3<f64>,
    wind: Vector3<f64>,
    max_air_mps: f64,
) -> Option<f64> {
    let dw = dir.dot(&wind);
    let disc = dw * dw - wind.norm_squared() + max_air_mps * max_air_mps;
    if disc < 0.0 {
        return None;
    }
    let v = dw + disc.sqrt();
    (v > 0.1).then_some(v)
}

/// Builds samples along a polyline, from rest to rest, appending to `out` starting at
/// time `t0_s`; returns the end time. `speed_cap` gives the speed limit of each piece.
pub(crate) fn fly_polyline(
    pts: &[Vector3<f64>],
    speed_caps: &[f64],
    agility: Agility,
    phase: Phase,
    payload_kg: f64,
    t0_s: f64,
    out: &mut Vec<Sample>,
) -> f64 {
    let n = pts.len();
    if n < 2 {
        return t0_s;
    }
    let accel = agility.accel_mps2;
    let lens: Vec<f64> = pts.windows(2).map(|w| (w[1] - w[0]).norm()).collect();
    // Speed limits at vertices: 0 at the ends, corner limits inside.
    let mut v = vec![0.0; n];
    for i in 1..n - 1 {
        let a = (pts[i] - pts[i - 1]).normalize();
        let b = (pts[i + 1] - pts[i]).normalize();
        let turn = a.dot(&b).clamp(-1.0, 1.0).acos();
        v[i] = corner_speed_limit_mps(turn, accel, agility.turn_time_s)
            .min(speed_caps[i - 1])
            .min(speed_caps[i]);
    }
    for i in 1..n {
        v[i] = v[i].min((v[i - 1] * v[i - 1] + 2.0 * accel * lens[i - 1]).sqrt());
    }
    for i in (0..n - 1).rev() {
        v[i] = v[i].min((v[i + 1] * v[i + 1] + 2.0 * accel * lens[i]).sqrt());
    }
    let mut t = t0_s;
    for i in 0..n - 1 {
        let (len, v0, v1, cap) = (lens[i], v[i], v[i + 1], speed_caps[i]);
        if len <= 1e-9 {
            continue;
        }
        let dir = (pts[i + 1] - pts[i]) / len;
        let peak = cap.min(((2.0 * accel * len + v0 * v0 + v1 * v1) / 2.0).sqrt()).max(v0.max(v1));
        let d1 = ((peak * peak - v0 * v0) / (2.0 * accel)).max(0.0);
        let d3 = ((peak * peak - v1 * v1) / (2.0 * accel)).max(0.0);
        let d2 = (len - d1 - d3).max(0.0);
        let t1 = (peak - v0) / accel;
        let t2 = if peak > 0.0 { d2 / peak } else { 0.0 };
        let t3 = (peak - v1) / accel;
        let total = t1 + t2 + t3;
        // s(tau), speed(tau) on this piece.
        let state = |tau: f64| -> (f64, f64) {
            if tau <= t1 {
                (v0 * tau + 0.5 * accel * tau * tau, v0 + accel * tau)
            } else if tau <= t1 + t2 {
                (d1 + peak * (tau - t1), peak)
            } else {
                let u = (tau - t1 - t2).min(t3);
                (d1 + d2 + peak * u - 0.5 * accel * u * u, peak - accel * u)
            }
        };
        let steps = (total / MAX_SAMPLE_INTERVAL_S).ceil().max(1.0) as usize;
        for k in 0..steps {
            let tau = total * k as f64 / steps as f64;
            let (s, speed) = state(tau);
            let p = pts[i] + dir * s.min(len);
            let vel = dir * speed;
            out.push(sample(t + tau, p, vel, phase, payload_kg));
        }
        t += total;
    }
    t
}

fn sample(t_s: f64, p: Vector3<f64>, v: Vector3<f64>, phase: Phase, payload_kg: f64) -> Sample {
    Sample { t_s, pos_m: [p.x, p.y, p.z], vel_mps: [v.x, v.y, v.z], phase, payload_kg, soc: 1.0 }
}

/// Inputs of one delivery trajectory.
#[derive(Debug, Clone)]
pub struct DeliveryLegs<'a> {
    /// Depot pad, local metres.
    pub depot_m: [f64; 2],
    /// Height of the pad's deck: 0 on the ground, the roof on a rooftop nest, m.
    pub deck_m: f64,
    /// Cruise polyline from above the depot to above the drop point.
    pub cruise_path_m: &'a [[f64; 2]],
    /// Cruise altitude, m.
    pub cruise_alt_m: f64,
    /// Hover height while lowering, m.
    pub hover_m: f64,
    /// Lowering time, s.
    pub lowering_s: f64,
    /// Package mass, kg.
    pub payload_kg: f64,
    /// Wind velocity, m/s (east, north, up).
    pub wind_mps: Vector3<f64>,
}

/// A timed delivery flight starting at `t0_s` (take-off). Returns the samples, the time
/// the package is released and the landing time.
pub fn delivery_trajectory(
    spec: &DroneSpec,
    legs: &DeliveryLegs,
    t0_s: f64,
) -> Result<(Vec<Sample>, f64, f64), TrajectoryError> {
    let alt = legs.cruise_alt_m;
    let at = |p: [f64; 2], z: f64| Vector3::new(p[0], p[1], z);
    let drop = *legs.cruise_path_m.last().unwrap_or(&legs.depot_m);
    let mut out = Vec::new();
    let a = Agility::of(spec);
    let pay = legs.payload_kg;

    let outbound: Vec<Vector3<f64>> = legs.cruise_path_m.iter().map(|p| at(*p, alt)).collect();
    let inbound: Vec<Vector3<f64>> = outbound.iter().rev().copied().collect();
    let caps = |pts: &[Vector3<f64>]| -> Result<Vec<f64>, TrajectoryError> {
        pts.windows(2)
            .map(|w| {
                let d = w[1] - w[0];
                if d.norm() <= 1e-9 {
                    return Ok(spec.cruise_speed_mps);
                }
                max_ground_speed(d.normalize(), legs.wind_mps, spec.max_speed_mps)
                    .map(|v| v.min(spec.cruise_speed_mps))
                    .ok_or(TrajectoryError::WindTooStrong {
                        wind_mps: legs.wind_mps.norm(),
                        max_airspeed_mps: spec.max_speed_mps,
                    })
            })
            .collect()
    };
    let out_caps = caps(&outbound)?;
    let in_caps = caps(&inbound)?;

    let mut t = t0_s;
    t = fly_polyline(
        &[at(legs.depot_m, legs.deck_m), at(legs.depot_m, alt)],
        &[spec.max_climb_mps],
        a,
        Phase::TakeOff,
        pay,
        t,
        &mut out,
    );
    t = fly_polyline(&outbound, &out_caps, a, Phase::Outbound, pay, t, &mut out);
    t = fly_polyline(
        &[at(drop, alt), at(drop, legs.hover_m)],
        &[spec.max_descent_mps],
        a,
        Phase::DeliveryDescent,
        pay,
        t,
        &mut out,
    );
    let hover_steps = (legs.lowering_s / MAX_SAMPLE_INTERVAL_S).ceil().max(1.0) as usize;
    for k in 0..hover_steps {
        let tau = legs.lowering_s * k as f64 / hover_steps as f64;
        out.push(sample(t + tau, at(drop, legs.hover_m), Vector3::zeros(), Phase::Lowering, pay));
    }
    t += legs.lowering_s;
    let delivered = t;
    t = fly_polyline(
        &[at(drop, legs.hover_m), at(drop, alt)],
        &[spec.max_climb_mps],
        a,
        Phase::DeliveryClimb,
        0.0,
        t,
        &mut out,
    );
    t = fly_polyline(&inbound, &in_caps, a, Phase::Inbound, 0.0, t, &mut out);
    t = fly_polyline(
        &[at(legs.depot_m, alt), at(legs.depot_m, legs.deck_m)],
        &[spec.max_descent_mps],
        a,
        Phase::Landing,
        0.0,
        t,
        &mut out,
    );
    out.push(sample(t, at(legs.depot_m, legs.deck_m), Vector3::zeros(), Phase::Landing, 0.0));
    Ok((out, delivered, t))
}

/// The abort manoeuvre from a point of the outbound cruise: stop, fly back along the
/// outbound path (`path_back_m`, starting at the current position) with the package,
/// and land at the depot on its deck (`deck_m`: 0 on the ground, the roof on a rooftop
/// nest). Samples start at `t0_s`.
#[expect(
    clippy::too_many_arguments,
    reason = "the abort's geometry, payload and wind are independent inputs, each documented above"
)]
pub fn abort_trajectory(
    spec: &DroneSpec,
    path_back_m: &[[f64; 2]],
    alt_m: f64,
    current_alt_m: f64,
    deck_m: f64,
    payload_kg: f64,
    wind_mps: Vector3<f64>,
    t0_s: f64,
) -> Result<Vec<Sample>, TrajectoryError> {
    let a = Agility::of(spec);
    let mut out = Vec::new();
    let start = path_back_m[0];
    let depot = *path_back_m.last().unwrap_or(&start);
    let at = |p: [f64; 2], z: f64| Vector3::new(p[0], p[1], z);
    let mut t = t0_s;
    if current_alt_m < alt_m - 1e-6 {
        // Still climbing at the depot: finish the climb, the turnaround is immediate.
        t = fly_polyline(
            &[at(start, current_alt_m), at(start, alt_m)],
            &[spec.max_climb_mps],
            a,
            Phase::TakeOff,
            payload_kg,
            t,
            &mut out,
        );
    }
    let pts: Vec<Vector3<f64>> = path_back_m.iter().map(|p| at(*p, alt_m)).collect();
    let mut caps = Vec::new();
    for w in pts.windows(2) {
        let d = w[1] - w[0];
        let cap = if d.norm() <= 1e-9 {
            spec.cruise_speed_mps
        } else {
            max_ground_speed(d.normalize(), wind_mps, spec.max_speed_mps)
                .ok_or(TrajectoryError::WindTooStrong {
                    wind_mps: wind_mps.norm(),
                    max_airspeed_mps: spec.max_speed_mps,
                })?
                .min(spec.cruise_speed_mps)
        };
        caps.push(cap);
    }
    t = fly_polyline(&pts, &caps, a, Phase::Inbound, payload_kg, t, &mut out);
    t = fly_polyline(
        &[at(depot, alt_m), at(depot, deck_m)],
        &[spec.max_descent_mps],
        a,
        Phase::Landing,
        payload_kg,
        t,
        &mut out,
    );
    out.push(sample(t, at(depot, deck_m), Vector3::zeros(), Phase::Landing, payload_kg));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::energy::presets;
    use approx::assert_relative_eq;

    #[test]
    fn trajectory_respects_limits_and_sample_spacing() {
        let spec = presets::find("dji-m100").unwrap();
        let path = [[0.0, 0.0], [300.0, 0.0], [300.0, 200.0]];
        let legs = DeliveryLegs {
            depot_m: [0.0, 0.0],
            deck_m: 0.0,
            cruise_path_m: &path,
            cruise_alt_m: 50.0,
            hover_m: 8.0,
            lowering_s: 30.0,
            payload_kg: 0.5,
            wind_mps: Vector3::new(3.0, 0.0, 0.0),
        };
        let (s, delivered, landed) = delivery_trajectory(&spec, &legs, 100.0).unwrap();
        assert_relative_eq!(s[0].t_s, 100.0);
        assert!(delivered > 100.0 && landed > delivered);
        for w in s.windows(2) {
            let dt = w[1].t_s - w[0].t_s;
            assert!(dt > 0.0 && dt <= MAX_SAMPLE_INTERVAL_S + 1e-9, "dt {dt}");
            let v0 = Vector3::from(w[0].vel_mps).norm();
            let v1 = Vector3::from(w[1].vel_mps).norm();
            assert!((v1 - v0).abs() / dt <= spec.max_accel_mps2 + 1e-6);
        }
        for x in &s {
            let v = Vector3::from(x.vel_mps);
            assert!(v.xy().norm() <= spec.cruise_speed_mps + 1e-9);
            assert!(x.pos_m[2] >= -1e-9 && x.pos_m[2] <= 50.0 + 1e-9);
        }
        let last = s.last().unwrap();
        assert_eq!(last.pos_m, [0.0, 0.0, 0.0]);
        // The 90-degree corner is passed slowly.
        let corner = s
            .iter()
            .find(|x| x.pos_m[0] == 300.0 && x.pos_m[1] == 0.0 && x.phase == Phase::Outbound)
            .unwrap();
        assert!(
            Vector3::from(corner.vel_mps).norm()
                <= corner_speed_limit_mps(
                    std::f64::consts::FRAC_PI_2,
                    spec.max_accel_mps2,
                    spec.turn_time_s
                ) + 1e-9
        );
    }
}
