//! The power model against the CMU DJI Matrice 100 delivery flights, and property
//! tests. The `skylane power` command is tested in the CLI package (`tests/cli_power.rs`).
//!
//! Reference figures: Rodrigues et al. (2021), "In-flight positional and energy use
//! data set of a DJI Matrice 100 quadcopter for small package delivery", Scientific
//! Data 8:155, and Rodrigues et al. (2022), "Drone flight data reveal energy and
//! greenhouse gas emissions savings for very small package delivery", Patterns 3(8).
//! The flights were flown near Pittsburgh, where the ground is about 267 m above sea
//! level (landing altitude of the tracks in /work/shared/data/cmu-m100-delivery-
//! trajectories); they span April to October, taken here as 20 degC.

use approx::assert_relative_eq;
use nalgebra::Vector3;
use proptest::prelude::*;
use skylane_planner::energy::{model, presets, DroneSpec, EnergyError, EnergySample};

/// Ground elevation of the CMU test site, m above sea level.
const CMU_GROUND_M: f64 = 267.0;
/// Accepted model error against a measured figure (the brief allows 20 %). The M100's
/// measured motor efficiency is the minimax fit of the three figures (checked in
/// tests/energy_validation.rs), which leaves -12.0 % in hover and +12.0 % at 10 m/s: the
/// rotor-wake interference that makes the model hold on other airframes (BENCHMARKS.md)
/// takes back some of the 26 % translational-lift dip these flights show at 4 m/s.
/// 12.5 % catches regressions without chasing rounding.
const TOLERANCE: f64 = 0.125;

fn m100() -> DroneSpec {
    presets::find("dji-m100").expect("dji-m100 preset")
}

fn cmu_air() -> model::Atmosphere {
    model::Atmosphere::calm(20.0)
}

fn level_power(spec: &DroneSpec, payload_kg: f64, speed_mps: f64, agl_m: f64) -> f64 {
    model::power(
        spec,
        payload_kg,
        Vector3::new(speed_mps, 0.0, 0.0),
        CMU_GROUND_M + agl_m,
        &cmu_air(),
    )
    .unwrap()
    .electrical_w
}

fn assert_within(model: f64, measured: f64, what: &str) {
    let error = model / measured - 1.0;
    assert!(
        error.abs() <= TOLERANCE,
        "{what}: model {model:.1}, measured {measured}, error {:.1} %",
        100.0 * error
    );
}

#[test]
fn m100_hover_no_payload_457_w() {
    assert_within(level_power(&m100(), 0.0, 0.0, 25.0), 457.0, "hover, 0 kg");
}

#[test]
fn m100_4_mps_no_payload_25_m_338_w() {
    assert_within(level_power(&m100(), 0.0, 4.0, 25.0), 338.0, "4 m/s, 0 kg, 25 m");
}

#[test]
fn m100_10_mps_half_kg_50_m_430_w() {
    assert_within(level_power(&m100(), 0.5, 10.0, 50.0), 430.0, "10 m/s, 0.5 kg, 50 m");
}

#[test]
fn m100_translational_lift_reduces_power_below_hover() {
    let spec = m100();
    let hover = level_power(&spec, 0.0, 0.0, 25.0);
    let slow = level_power(&spec, 0.0, 4.0, 25.0);
    assert!(slow < 0.95 * hover, "4 m/s {slow:.0} W vs hover {hover:.0} W");
}

/// Samples every `dt` (and at both ends) of a phase of `duration_s` whose ground
/// velocity is `velocity(t)` for `t` in `0..=duration_s`; altitude is integrated.
fn push_phase(
    samples: &mut Vec<EnergySample>,
    duration_s: f64,
    payload_kg: f64,
    velocity: impl Fn(f64) -> Vector3<f64>,
) {
    let (t0, z0) = samples.last().map_or((0.0, CMU_GROUND_M), |s| (s.t_s, s.alt_m));
    let steps = duration_s.ceil() as usize;
    let mut z = z0;
    let mut prev_t = 0.0;
    for i in 0..=steps {
        let t = (i as f64).min(duration_s);
        // Trapezoidal altitude, exact for the linear velocity ramps used here.
        z += 0.5 * (velocity(prev_t).z + velocity(t).z) * (t - prev_t);
        prev_t = t;
        samples.push(EnergySample {
            t_s: t0 + t,
            ground_velocity_mps: velocity(t),
            alt_m: z,
            payload_kg,
        });
    }
}

/// A representative CMU-style delivery with 0.5 kg, 1 km from take-off to landing:
/// vertical take-off at 3 m/s to 50 m above ground (the climb rate in the tracks),
/// accelerate at 2 m/s^2 to 10 m/s, cruise, decelerate, vertical descent at 1 m/s (the
/// median of the tracks' sustained descent rates), sampled at 1 s.
fn delivery_samples(payload_kg: f64) -> (Vec<EnergySample>, f64) {
    let (cruise_alt, climb, descent, speed, accel, distance) = (50.0, 3.0, 1.0, 10.0, 2.0, 1000.0);
    let ramp_s = speed / accel;
    let ramp_m = 0.5 * speed * ramp_s;
    let mut s = Vec::new();
    push_phase(&mut s, cruise_alt / climb, payload_kg, |_| Vector3::new(0.0, 0.0, climb));
    push_phase(&mut s, ramp_s, payload_kg, |t| Vector3::new(accel * t, 0.0, 0.0));
    push_phase(&mut s, (distance - 2.0 * ramp_m) / speed, payload_kg, |_| {
        Vector3::new(speed, 0.0, 0.0)
    });
    push_phase(&mut s, ramp_s, payload_kg, |t| Vector3::new(speed - accel * t, 0.0, 0.0));
    push_phase(&mut s, cruise_alt / descent, payload_kg, |_| Vector3::new(0.0, 0.0, -descent));
    (s, distance)
}

#[test]
fn m100_delivery_flight_0_08_mj_per_km() {
    let (samples, distance_m) = delivery_samples(0.5);
    // The profile itself is what it claims: lands where it took off, covers 1 km.
    assert_relative_eq!(samples.last().unwrap().alt_m, CMU_GROUND_M, epsilon = 1e-9);
    let travelled: f64 = samples
        .windows(2)
        .map(|w| {
            0.5 * (w[0].ground_velocity_mps.x + w[1].ground_velocity_mps.x) * (w[1].t_s - w[0].t_s)
        })
        .sum();
    assert_relative_eq!(travelled, distance_m, max_relative = 1e-9);

    let energy_wh = model::integrate_energy_wh(&m100(), &cmu_air(), &samples).unwrap();
    let mj_per_km = energy_wh.last().unwrap() * 3600.0 / 1e6 / (distance_m / 1000.0);
    assert_within(mj_per_km, 0.08, "delivery flight MJ/km, 0.5 kg");
}

#[test]
fn integration_is_trapezoidal_and_cumulative() {
    let spec = m100();
    let atm = cmu_air();
    let (samples, _) = delivery_samples(0.25);
    let e = model::integrate_energy_wh(&spec, &atm, &samples).unwrap();
    assert_eq!(e.len(), samples.len());
    assert_eq!(e[0], 0.0);
    let mut expected = 0.0;
    for i in 1..samples.len() {
        let p = |s: &EnergySample| {
            model::power(&spec, s.payload_kg, s.ground_velocity_mps, s.alt_m, &atm)
                .unwrap()
                .electrical_w
        };
        expected +=
            0.5 * (p(&samples[i - 1]) + p(&samples[i])) * (samples[i].t_s - samples[i - 1].t_s)
                / 3600.0;
        assert_relative_eq!(e[i], expected, max_relative = 1e-12);
    }
}

#[test]
fn integration_rejects_time_going_backwards() {
    let s = |t_s| EnergySample {
        t_s,
        ground_velocity_mps: Vector3::zeros(),
        alt_m: 0.0,
        payload_kg: 0.0,
    };
    let err = model::integrate_energy_wh(&m100(), &cmu_air(), &[s(0.0), s(2.0), s(1.0)]);
    assert!(matches!(err, Err(EnergyError::Time { index: 2, .. })), "{err:?}");
    assert_eq!(model::integrate_energy_wh(&m100(), &cmu_air(), &[]).unwrap(), Vec::<f64>::new());
}

#[test]
fn m600_pro_hover_time_with_6_kg_matches_published_16_min() {
    // Only the no-payload hover time (32 min) set the efficiency; this is a check.
    let spec = presets::find("dji-m600-pro").unwrap();
    let p = model::power(&spec, 6.0, Vector3::zeros(), 0.0, &model::Atmosphere::isa()).unwrap();
    let minutes = spec.battery_capacity_wh / p.electrical_w * 60.0;
    assert_relative_eq!(minutes, 16.0, max_relative = 0.1);
}

#[test]
fn all_presets_give_sane_hover_power() {
    for spec in presets::all() {
        let p = model::power(&spec, 0.0, Vector3::zeros(), 0.0, &model::Atmosphere::isa()).unwrap();
        // Hover power of multirotors is in the 100-250 W/kg range.
        let w_per_kg = p.electrical_w / spec.empty_mass_kg();
        assert!((70.0..250.0).contains(&w_per_kg), "{}: {w_per_kg:.0} W/kg", spec.name);
    }
}

fn any_preset() -> impl Strategy<Value = DroneSpec> {
    (0..presets::all().len()).prop_map(|i| presets::all().swap_remove(i))
}

fn horizontal(speed: f64, heading: f64) -> Vector3<f64> {
    Vector3::new(speed * heading.cos(), speed * heading.sin(), 0.0)
}

proptest! {
    #[test]
    fn power_rises_with_payload(
        spec in any_preset(),
        a in 0.0..1.0f64, b in 0.0..1.0f64,
        speed_frac in 0.0..1.0f64, heading in 0.0..6.3f64,
        vz_frac in 0.0..1.0f64, alt in 0.0..4000.0f64, temp in -40.0..55.0f64,
    ) {
        // Level flight and climb up to cruise speed. (In a fast descent a heavier drone
        // can draw less: gravity's work m g |v_z| grows with mass faster than induced
        // power. Near top speed a lighter drone pitches further and shows more of its top
        // to the air, so in the model's bounding-box drag it can draw more than a heavier
        // one: a known limit of that drag model, see BENCHMARKS.md.)
        prop_assume!((a - b).abs() > 1e-3);
        let (lo, hi) = (a.min(b) * spec.max_payload_kg, a.max(b) * spec.max_payload_kg);
        let vz = vz_frac * spec.max_climb_mps;
        let v = horizontal(speed_frac * spec.cruise_speed_mps, heading) + Vector3::new(0.0, 0.0, vz);
        let atm = model::Atmosphere::calm(temp);
        let p_lo = model::power(&spec, lo, v, alt, &atm).unwrap().electrical_w;
        let p_hi = model::power(&spec, hi, v, alt, &atm).unwrap().electrical_w;
        prop_assert!(p_hi > p_lo, "{}: {lo} kg {p_lo} W, {hi} kg {p_hi} W", spec.name);
    }

    #[test]
    fn out_and_back_costs_more_in_steady_wind(
        spec in any_preset(),
        wind_frac in 0.05..0.6f64, wind_dir in 0.0..6.3f64, path_dir in 0.0..6.3f64,
        payload_frac in 0.0..1.0f64, length_m in 100.0..5000.0f64,
    ) {
        // The drone holds its cruise airspeed and crabs into the wind to stay on the
        // path, so each leg's ground speed is `g = w.d + sqrt(V^2 - |w x d|^2)`; the
        // energy is integrated over the sampled legs with the model.
        let airspeed = spec.cruise_speed_mps;
        let payload = payload_frac * spec.max_payload_kg;
        let wind = horizontal(wind_frac * airspeed, wind_dir);
        let flight_wh = |wind: Vector3<f64>| {
            let mut samples = Vec::new();
            let mut t = 0.0;
            for dir in [path_dir, path_dir + std::f64::consts::PI] {
                let d = horizontal(1.0, dir);
                let along = wind.dot(&d);
                let cross = (wind - d * along).norm();
                let ground = d * (along + (airspeed * airspeed - cross * cross).sqrt());
                let leg_s = length_m / ground.norm();
                for t_leg in [0.0, leg_s] {
                    samples.push(EnergySample { t_s: t + t_leg, ground_velocity_mps: ground, alt_m: 100.0, payload_kg: payload });
                }
                t += leg_s;
            }
            let atm = model::Atmosphere { temperature_c: 15.0, wind_mps: wind };
            *model::integrate_energy_wh(&spec, &atm, &samples).unwrap().last().unwrap()
        };
        let calm = flight_wh(Vector3::zeros());
        let windy = flight_wh(wind);
        prop_assert!(windy > calm, "calm {calm} Wh, windy {windy} Wh");
    }

    #[test]
    fn descent_never_costs_more_than_level_flight(
        spec in any_preset(),
        speed_frac in 0.0..1.0f64, heading in 0.0..6.3f64, descent_frac in 0.0..1.0f64,
        payload_frac in 0.0..1.0f64, alt in 0.0..4000.0f64,
    ) {
        let payload = payload_frac * spec.max_payload_kg;
        let level = horizontal(speed_frac * spec.max_speed_mps, heading);
        let down = level - Vector3::new(0.0, 0.0, descent_frac * spec.max_descent_mps);
        let atm = model::Atmosphere::isa();
        let p_level = model::power(&spec, payload, level, alt, &atm).unwrap().electrical_w;
        let p_down = model::power(&spec, payload, down, alt, &atm).unwrap().electrical_w;
        prop_assert!(p_down <= p_level + 1e-9, "level {p_level} W, descending {p_down} W");
    }

    #[test]
    fn no_nan_anywhere_in_range(
        spec in any_preset(),
        payload_frac in 0.0..=1.0f64,
        gx in -30.0..30.0f64, gy in -30.0..30.0f64, gz in -30.0..30.0f64,
        wx in -17.0..17.0f64, wy in -17.0..17.0f64, wz in -17.0..17.0f64,
        alt in -500.0..=9000.0f64, temp in -40.0..=55.0f64,
    ) {
        let ground = Vector3::new(gx, gy, gz);
        let atm = model::Atmosphere { temperature_c: temp, wind_mps: Vector3::new(wx, wy, wz) };
        // Every input in range, airspeed included.
        prop_assume!(
            ground.norm() <= model::MAX_GROUND_SPEED_MPS
                && atm.wind_mps.norm() <= model::MAX_WIND_MPS
                && (ground - atm.wind_mps).norm() <= model::MAX_AIRSPEED_MPS
        );
        let p = model::power(&spec, payload_frac * spec.max_payload_kg, ground, alt, &atm).unwrap();
        for (name, v) in [
            ("induced", p.induced_w), ("profile", p.profile_w), ("parasite", p.parasite_w),
            ("climb", p.climb_w), ("electrical", p.electrical_w), ("thrust", p.thrust_n),
        ] {
            prop_assert!(v.is_finite(), "{name} = {v}");
        }
        prop_assert!(p.electrical_w >= p.avionics_w);
        prop_assert!(p.induced_w >= 0.0 && p.profile_w >= 0.0 && p.parasite_w >= 0.0);
    }

    #[test]
    fn out_of_range_inputs_are_errors(
        spec in any_preset(),
        excess in 1e-3..1e3f64,
        which in 0usize..7,
    ) {
        let atm = model::Atmosphere::isa();
        let v0 = Vector3::zeros();
        let result = match which {
            0 => model::power(&spec, spec.max_payload_kg + excess, v0, 0.0, &atm),
            1 => model::power(&spec, -excess, v0, 0.0, &atm),
            2 => model::power(&spec, f64::NAN, v0, 0.0, &atm),
            3 => model::power(&spec, 0.0, Vector3::new(model::MAX_GROUND_SPEED_MPS + excess, 0.0, 0.0), 0.0, &atm),
            4 => model::power(&spec, 0.0, v0, 9000.0 + excess, &atm),
            5 => model::power(&spec, 0.0, v0, 0.0, &model::Atmosphere::calm(55.0 + excess)),
            _ => model::power(&spec, 0.0, v0, 0.0, &model::Atmosphere::calm(-40.0 - excess)),
        };
        let err = result.expect_err("out-of-range input accepted");
        // The message names the quantity, so a user can act on it.
        let text = err.to_string();
        let named = ["payload", "ground speed", "altitude", "temperature"].iter().any(|w| text.contains(w));
        prop_assert!(named, "{text}");
    }
}

#[test]
fn nan_velocity_and_bad_spec_are_errors() {
    let atm = model::Atmosphere::isa();
    let nan = Vector3::new(f64::NAN, 0.0, 0.0);
    assert!(matches!(model::power(&m100(), 0.0, nan, 0.0, &atm), Err(EnergyError::Speed { .. })));
    let windy = model::Atmosphere { temperature_c: 15.0, wind_mps: Vector3::new(0.0, 31.0, 0.0) };
    assert!(matches!(
        model::power(&m100(), 0.0, Vector3::zeros(), 0.0, &windy),
        Err(EnergyError::Speed { what: "wind", .. })
    ));
    let mut bad = m100();
    bad.airframe_mass_kg = -1.0;
    assert!(matches!(
        model::power(&bad, 0.0, Vector3::zeros(), 0.0, &atm),
        Err(EnergyError::InvalidSpec { field: "airframe_mass_kg", .. })
    ));
}

proptest! {
    /// The power cache gives the plain integration's energies bit for bit, whatever the
    /// samples repeat: a flight condition seen before is looked up, never approximated.
    #[test]
    fn power_cache_integrates_exactly_as_the_model(
        speeds in proptest::collection::vec((0usize..4, 0usize..3), 2..40),
    ) {
        let spec = m100();
        let atm = model::Atmosphere::isa();
        // Few distinct conditions, so that most samples repeat an earlier one.
        let velocity = [0.0, 4.0, 10.0, 15.0];
        let altitude = [80.0, 120.0, 300.0];
        let samples: Vec<EnergySample> = speeds
            .iter()
            .enumerate()
            .map(|(i, &(v, a))| EnergySample {
                t_s: i as f64 * 0.7,
                ground_velocity_mps: Vector3::new(velocity[v], 0.5 * velocity[v], 0.0),
                alt_m: altitude[a],
                payload_kg: 0.5,
            })
            .collect();
        let plain = model::integrate_energy_wh(&spec, &atm, &samples).unwrap();
        let mut cache = model::PowerCache::new(&spec, &atm).unwrap();
        prop_assert_eq!(&cache.integrate_energy_wh(&samples).unwrap(), &plain);
        // Twice through the same cache: every power now comes from it.
        prop_assert_eq!(&cache.integrate_energy_wh(&samples).unwrap(), &plain);
        let p = cache.electrical_w(0.5, samples[0].ground_velocity_mps, samples[0].alt_m).unwrap();
        let direct = model::power(&spec, 0.5, samples[0].ground_velocity_mps, samples[0].alt_m, &atm)
            .unwrap()
            .electrical_w;
        prop_assert_eq!(p.to_bits(), direct.to_bits());
    }
}
