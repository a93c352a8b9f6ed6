//! How far a nest's drones can fly out and back on a charge: the bound on how far its
//! searches go (issue "Any city, fast": search only where a drone can go).
//!
//! Entry point: [`reach_m`]. The bound must never cut a flight the energy check would
//! accept, so it is built from lower bounds on every part of a flight's cost:
//!
//! - a flight spends at most [`model::spendable_energy_wh`] (the reserve and the model's
//!   error band kept back), whatever its payload;
//! - a drone never flies faster over the ground than its cruise speed (the trajectory's
//!   rule), and never draws less than the least power in level flight at any airspeed
//!   up to its top speed and any payload it lifts, whatever the wind: so no metre of
//!   ground track costs less than that least power over the cruise speed. Climbs,
//!   descents, hovering at the drop and accelerations only add to the cost;
//! - the ground track out and back is at least twice the straight line from the pad to
//!   the drop point.

use nalgebra::Vector3;

use crate::energy::model::{self, Atmosphere};
use crate::energy::DroneSpec;
use crate::mission::Mission;

/// Airspeed steps at which the least power is looked for, per m/s of top speed.
const STEPS_PER_MPS: f64 = 4.0;

/// The most ground track, m, a drone of type `spec` can fly in `mission`'s weather on
/// what a plan may spend of one charge; infinite when the energy model refuses the type
/// (then the energy check says why, flight by flight).
pub(super) fn reach_m(spec: &DroneSpec, mission: &Mission) -> f64 {
    let policy = &mission.policy;
    let temperature_c = mission.weather.temperature_c;
    let Ok(spendable_wh) =
        model::spendable_energy_wh(spec, temperature_c, policy.battery_reserve_fraction)
    else {
        return f64::INFINITY;
    };
    let calm = Atmosphere::calm(temperature_c);
    let steps = (spec.max_speed_mps * STEPS_PER_MPS).ceil().max(1.0) as usize;
    let mut least_w = f64::INFINITY;
    // Air density changes the power a little over the cruise band: try its ends and
    // the ground. Payload raises the power, except near top speed where it tilts the
    // drone less: try the empty and the full drone too.
    let altitudes = [0.0, policy.cruise_alt_min_m, policy.cruise_alt_max_m];
    for alt_m in altitudes {
        for payload_kg in [0.0, spec.max_payload_kg] {
            for k in 0..=steps {
                let airspeed = spec.max_speed_mps * k as f64 / steps as f64;
                let velocity = Vector3::new(airspeed, 0.0, 0.0);
                match model::power(spec, payload_kg, velocity, alt_m, &calm) {
                    Ok(p) => least_w = least_w.min(p.electrical_w),
                    Err(_) => return f64::INFINITY,
                }
            }
        }
    }
    let least_j_per_m = least_w / spec.cruise_speed_mps;
    if least_j_per_m.is_finite() && least_j_per_m > 0.0 {
        spendable_wh * 3600.0 / least_j_per_m
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::flight::flight_template;
    use crate::energy::presets;
    use crate::search::city::DeliveryPath;

    fn mission(wind_east_mps: f64) -> Mission {
        let mut m = crate::mission::one_drone_mission(0.5);
        m.weather.wind_east_mps = wind_east_mps;
        m
    }

    /// Whether the energy check accepts a straight delivery `d_m` downwind and back.
    fn flies(spec: &DroneSpec, m: &Mission, d_m: f64) -> bool {
        let alt = m.policy.cruise_alt_min_m;
        let path = DeliveryPath {
            cruise_alt_m: alt,
            drop_point_m: [d_m, 0.0],
            drop_offset_m: 0.0,
            cruise_path_m: vec![[0.0, 0.0], [d_m, 0.0]],
            cruise_length_m: d_m,
            deck_m: 0.0,
        };
        let atm = m.weather.atmosphere();
        flight_template(spec, m, &atm, [0.0, 0.0], &m.orders[0], &path).is_ok()
    }

    /// The reach bounds every flight the energy check accepts (out and back at least
    /// twice the furthest distance flown), in calm air and in wind, and is not so loose
    /// as to bound nothing.
    #[test]
    fn reach_bounds_the_longest_flight_the_energy_check_accepts() {
        let m100 = presets::find("dji-m100").unwrap();
        for wind in [0.0, 6.0] {
            let m = mission(wind);
            let reach = reach_m(&m100, &m);
            let (mut ok, mut too_far) = (100.0, 50_000.0);
            assert!(flies(&m100, &m, ok) && !flies(&m100, &m, too_far));
            while too_far - ok > 10.0 {
                let mid = 0.5 * (ok + too_far);
                if flies(&m100, &m, mid) {
                    ok = mid;
                } else {
                    too_far = mid;
                }
            }
            assert!(2.0 * ok <= reach, "wind {wind}: flies {ok} m out, reach {reach} m");
            // In calm air the bound is within 2x of the longest flight; in wind it is
            // looser, as it does not depend on the wind.
            if wind == 0.0 {
                assert!(reach <= 2.0 * 2.0 * ok, "calm: reach {reach} m, flies {ok} m out");
            }
        }
    }

    #[test]
    fn a_larger_reserve_shortens_the_reach() {
        let m100 = presets::find("dji-m100").unwrap();
        let mut m = mission(0.0);
        let reach = reach_m(&m100, &m);
        m.policy.battery_reserve_fraction = 0.5;
        assert!(reach_m(&m100, &m) < reach);
    }
}
