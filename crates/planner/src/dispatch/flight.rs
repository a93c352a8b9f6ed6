//! One delivery flight, computed from take-off time 0: trajectory, energy, reserve and
//! the abort contingency. Geometry and energy do not depend on the take-off time, so a
//! template is shifted in time when a drone is assigned.

use nalgebra::Vector3;

use crate::energy::model::{self, Atmosphere, EnergySample, PowerCache};
use crate::energy::DroneSpec;
use crate::mission::{Mission, Order};
use crate::plan::{Flight, Phase, Reason, ReasonKind, Sample};
use crate::search::city::DeliveryPath;
use crate::trajectory::{
    abort_trajectory, delivery_trajectory, fly_polyline, max_ground_speed, Agility, DeliveryLegs,
};

/// A flight from take-off time 0.
#[derive(Debug, Clone)]
pub(crate) struct FlightTemplate {
    pub path: DeliveryPath,
    pub samples: Vec<Sample>,
    pub delivered_s: f64,
    pub landed_s: f64,
    pub energy_wh: f64,
    pub usable_wh: f64,
    pub point_of_no_return_s: Option<f64>,
    pub hover_m: f64,
}

fn energy_samples(samples: &[Sample]) -> Vec<EnergySample> {
    samples.iter().map(Sample::energy_sample).collect()
}

/// An energy model error as a reason not to fly.
fn energy_error(e: impl std::fmt::Display) -> Reason {
    Reason::new(ReasonKind::Energy, e.to_string())
}

/// A trajectory error (the wind beats the drone) as a reason not to fly.
fn wind_error(e: impl std::fmt::Display) -> Reason {
    Reason::new(ReasonKind::Wind, e.to_string())
}

fn total_wh(powers: &mut PowerCache, samples: &[Sample]) -> Result<f64, Reason> {
    let cum = powers.integrate_energy_wh(&energy_samples(samples)).map_err(energy_error)?;
    Ok(cum.last().copied().unwrap_or(0.0))
}

/// Height at which `order`'s parcel is released: the policy's hover height over an
/// address; on the pad (0 m: landed) at a locker.
fn delivery_hover_m(mission: &Mission, order: &Order) -> f64 {
    if order.locker.is_some() {
        0.0
    } else {
        mission.policy.delivery_hover_m
    }
}

/// Trajectory + energy + reserve + abort contingency of one delivery.
pub(crate) fn flight_template(
    spec: &DroneSpec,
    mission: &Mission,
    atm: &Atmosphere,
    depot_m: [f64; 2],
    order: &Order,
    path: &DeliveryPath,
) -> Result<FlightTemplate, Reason> {
    let policy = &mission.policy;
    let legs = DeliveryLegs {
        depot_m,
        deck_m: path.deck_m,
        cruise_path_m: &path.cruise_path_m,
        cruise_alt_m: path.cruise_alt_m,
        hover_m: delivery_hover_m(mission, order),
        lowering_s: policy.lowering_s,
        payload_kg: order.payload_kg,
        wind_mps: atm.wind_mps,
    };
    let (mut samples, delivered_s, landed_s) =
        delivery_trajectory(spec, &legs, 0.0).map_err(wind_error)?;
    let cum =
        model::integrate_energy_wh(spec, atm, &energy_samples(&samples)).map_err(energy_error)?;
    let usable =
        model::usable_energy_wh(spec, mission.weather.temperature_c).map_err(energy_error)?;
    // The reserve is kept even if the model under-predicts by its validated error band.
    let budget = model::spendable_energy_wh(
        spec,
        mission.weather.temperature_c,
        policy.battery_reserve_fraction,
    )
    .map_err(energy_error)?;
    let total = *cum.last().unwrap_or(&0.0);
    if total > budget {
        return Err(Reason::new(ReasonKind::Energy, format!(
            "the flight needs {total:.1} Wh but only {budget:.1} Wh of the {usable:.1} Wh usable may be spent (reserve {:.0} % + model error band {:.0} %)",
            policy.battery_reserve_fraction * 100.0,
            model::MODEL_ERROR_BAND * 100.0
        )));
    }
    for (s, e) in samples.iter_mut().zip(&cum) {
        s.soc = 1.0 - e / usable;
    }
    let pnr = contingency(spec, atm, path, order.payload_kg, &samples, &cum, budget)?;
    Ok(FlightTemplate {
        path: path.clone(),
        samples,
        delivered_s,
        landed_s,
        energy_wh: total,
        usable_wh: usable,
        point_of_no_return_s: pnr,
        hover_m: legs.hover_m,
    })
}

/// Checks that from every sample of the outbound leg the drone can abort — stop, fly
/// back along its outbound path with the package, land — and keep the reserve. Returns
/// the last outbound sample time (the point of no return is past the outbound leg when
/// every sample passes), or the reason it fails.
///
/// The abort considered is: brake to a stop (costed at the current power for `v / a`
/// seconds, with the braking distance added to the way back), fly straight back to the
/// previous path vertex and stop there, then fly the rest of the path back from rest
/// and land. Stopping at the vertex makes this a feasible, slightly pessimistic abort,
/// and it lets the energy from each vertex home (`tail_wh`) be computed once per vertex
/// instead of once per sample.
fn contingency(
    spec: &DroneSpec,
    atm: &Atmosphere,
    path: &DeliveryPath,
    payload_kg: f64,
    samples: &[Sample],
    cum_wh: &[f64],
    budget_wh: f64,
) -> Result<Option<f64>, Reason> {
    let route = &path.cruise_path_m;
    let alt = path.cruise_alt_m;
    let a = spec.max_accel_mps2;
    let agility = Agility::of(spec);
    // The legs home from each vertex share most of their samples: one cache for all.
    let mut powers = PowerCache::new(spec, atm).map_err(energy_error)?;
    // Energy from vertex j (at rest, cruise altitude) back along the route and down.
    let mut tail_wh = Vec::with_capacity(route.len());
    for j in 0..route.len() {
        let back: Vec<[f64; 2]> = route[..=j].iter().rev().copied().collect();
        let s = abort_trajectory(spec, &back, alt, alt, path.deck_m, payload_kg, atm.wind_mps, 0.0)
            .map_err(wind_error)?;
        tail_wh.push(total_wh(&mut powers, &s)?);
    }
    // Per outbound segment j -> j+1, the way back is along -dir; precompute the energy of
    // a rest-to-rest straight leg just long enough to reach cruise speed (accelerate,
    // brake) and the power at cruise speed.
    let mut seg_model = Vec::with_capacity(route.len().saturating_sub(1));
    for j in 0..route.len().saturating_sub(1) {
        let (from, to) = (route[j + 1], route[j]);
        let d = Vector3::new(to[0] - from[0], to[1] - from[1], 0.0);
        let dir = if d.norm() > 1e-9 { d.normalize() } else { Vector3::x() };
        let cap = max_ground_speed(dir, atm.wind_mps, spec.max_speed_mps)
            .ok_or_else(|| Reason::new(ReasonKind::Wind, "too strong to fly back"))?
            .min(spec.cruise_speed_mps);
        let ramp_m = cap * cap / a; // accelerate + brake distance
        let p_cap = powers.electrical_w(payload_kg, dir * cap, alt).map_err(energy_error)?;
        seg_model.push((dir, cap, ramp_m, p_cap));
    }
    // Energy of a rest-to-rest straight leg of `len` metres back along segment j.
    let leg_wh = |powers: &mut PowerCache, j: usize, len: f64| -> Result<f64, Reason> {
        let (dir, cap, ..) = seg_model[j];
        let p0 = Vector3::new(0.0, 0.0, alt);
        let mut s = Vec::new();
        let end_t = fly_polyline(
            &[p0, p0 + dir * len],
            &[cap],
            agility,
            Phase::Inbound,
            payload_kg,
            0.0,
            &mut s,
        );
        s.push(Sample {
            t_s: end_t,
            pos_m: [0.0, 0.0, alt],
            vel_mps: [0.0; 3],
            phase: Phase::Inbound,
            payload_kg,
            soc: 1.0,
        });
        total_wh(powers, &s)
    };
    // The leg that just reaches cruise speed and brakes again is the same for every
    // sample of a segment: compute it once per segment.
    let ramp_wh: Vec<f64> = (0..seg_model.len())
        .map(|j| leg_wh(&mut powers, j, seg_model[j].2))
        .collect::<Result<_, _>>()?;
    let straight_wh = |powers: &mut PowerCache, j: usize, dist_m: f64| -> Result<f64, Reason> {
        let (_, cap, ramp_m, p_cap) = seg_model[j];
        if dist_m <= ramp_m {
            leg_wh(powers, j, dist_m)
        } else {
            Ok(ramp_wh[j] + p_cap * (dist_m - ramp_m) / cap / 3600.0)
        }
    };
    let mut seg = 0usize;
    let mut last_ok = None;
    for (i, s) in samples.iter().enumerate() {
        let need = match s.phase {
            // Climbing at the nest: landing from cruise altitude bounds the abort.
            Phase::TakeOff => cum_wh[i] + tail_wh[0],
            Phase::Outbound => {
                let here = [s.pos_m[0], s.pos_m[1]];
                while seg + 2 < route.len() && !on_segment(route[seg], route[seg + 1], here) {
                    seg += 1;
                }
                let v = Vector3::from(s.vel_mps).norm();
                let brake_s = v / a;
                let p_now = powers
                    .electrical_w(payload_kg, Vector3::from(s.vel_mps), alt)
                    .map_err(energy_error)?;
                let back_m = dist(here, route[seg]) + v * v / (2.0 * a);
                let first =
                    if back_m > 1e-6 { straight_wh(&mut powers, seg, back_m)? } else { 0.0 };
                cum_wh[i] + p_now * brake_s / 3600.0 + first + tail_wh[seg]
            }
            _ => break,
        };
        if need > budget_wh {
            return Err(Reason::new(ReasonKind::Contingency, format!(
                "turning back {:.0} s after take-off with the package needs {need:.1} Wh, only {budget_wh:.1} Wh may be spent",
                s.t_s
            )));
        }
        last_ok = Some(s.t_s);
    }
    Ok(last_ok)
}

pub(crate) fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn on_segment(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> bool {
    crate::world::polygon::segment_point_distance(a, b, p) < 1e-6
}

/// Who flies a flight, and from which pad.
pub(crate) struct FlownBy<'a> {
    pub drone_id: &'a str,
    pub drone_type: &'a str,
    pub depot_id: &'a str,
    /// Pad index in the nest's pads.
    pub pad: usize,
    /// The pad's position, local metres.
    pub pad_m: [f64; 2],
}

/// The template shifted to take off at `takeoff_s` towards `order`'s address `dest_m`,
/// flown as `by` says.
pub(crate) fn instantiate(
    t: &FlightTemplate,
    takeoff_s: f64,
    order: &Order,
    dest_m: [f64; 2],
    by: &FlownBy,
) -> Flight {
    let p = &t.path;
    let vertical_m = 2.0 * (p.cruise_alt_m - p.deck_m) + 2.0 * (p.cruise_alt_m - t.hover_m);
    let samples: Vec<Sample> =
        t.samples.iter().map(|s| Sample { t_s: s.t_s + takeoff_s, ..*s }).collect();
    Flight {
        order_id: order.id.clone(),
        drone_id: by.drone_id.to_string(),
        drone_type: by.drone_type.to_string(),
        depot_id: by.depot_id.to_string(),
        pad: by.pad,
        payload_kg: order.payload_kg,
        destination_m: dest_m,
        drop_point_m: p.drop_point_m,
        drop_offset_m: p.drop_offset_m,
        cruise_alt_m: p.cruise_alt_m,
        path_length_m: 2.0 * p.cruise_length_m + vertical_m,
        straight_line_m: 2.0 * dist(p.drop_point_m, by.pad_m),
        takeoff_s,
        delivered_s: t.delivered_s + takeoff_s,
        landed_s: t.landed_s + takeoff_s,
        energy_wh: t.energy_wh,
        battery_usable_wh: t.usable_wh,
        soc_end: samples.last().map_or(1.0, |s| s.soc),
        point_of_no_return_s: t.point_of_no_return_s.map(|x| x + takeoff_s),
        samples,
        diversion: None,
    }
}
