//! Drone type parameters: what the energy model, the trajectory generator and the
//! dispatcher need to know about an airframe.

use serde::{Deserialize, Serialize};

/// Physical and operational parameters of one drone type. All SI units.
///
/// Presets live in `assets/drones.ron` (see [`crate::energy::presets`]); a mission can
/// name a preset or give a full `DroneSpec` inline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DroneSpec {
    /// Human-readable type name, e.g. `"dji-m100"`.
    pub name: String,
    /// Airframe mass without battery and payload, kg.
    pub airframe_mass_kg: f64,
    /// Battery mass, kg.
    pub battery_mass_kg: f64,
    /// Maximum take-off mass (airframe + battery + payload), kg.
    pub max_takeoff_mass_kg: f64,
    /// Largest payload the type may carry, kg.
    pub max_payload_kg: f64,
    /// Number of rotors.
    pub rotor_count: u32,
    /// Rotor diameter, m.
    pub rotor_diameter_m: f64,
    /// Blades per rotor.
    #[serde(default = "default_blades")]
    pub blades_per_rotor: u32,
    /// Mean blade chord, m (for blade profile power). Rarely published; the estimation
    /// rule used for the presets and the validation set is 0.075 x the rotor diameter
    /// (a chord of 15 % of the radius: an engineering estimate, not a published figure).
    pub blade_chord_m: f64,
    /// Mean blade section profile drag coefficient `C_d0` at a blade Reynolds number of
    /// 100,000 (blade element theory); the model scales it with the Reynolds number the
    /// blades actually fly at (see [`crate::energy::model`]).
    #[serde(default = "default_profile_cd")]
    pub blade_profile_drag_coefficient: f64,
    /// Rotor thrust coefficient in the helicopter convention,
    /// `C_T = T / (rho A (Omega R)^2)`; sets the tip speed a fixed-pitch rotor needs for
    /// a given thrust. Multiply a propeller-convention `C_T = T / (rho n^2 D^4)` by
    /// `4 / pi^3` (about 0.129) to convert.
    #[serde(default = "default_thrust_coefficient")]
    pub rotor_thrust_coefficient: f64,
    /// Induced power factor `kappa` (>= 1): induced power over ideal momentum-theory
    /// power, for non-uniform inflow and tip losses.
    #[serde(default = "default_induced_factor")]
    pub induced_power_factor: f64,
    /// Length of the airframe's bounding box with the arms unfolded, propellers
    /// excluded, along the direction of flight, m (manufacturers publish it as the
    /// unfolded "L x W x H" dimensions). With the width it gives the top (planform)
    /// area the air meets when the craft tilts in cruise; see [`crate::energy::model`].
    pub body_length_m: f64,
    /// Width of the same bounding box, across the direction of flight, m.
    pub body_width_m: f64,
    /// Height of the same bounding box, m. Width x height is the frontal area.
    pub body_height_m: f64,
    /// Diagonal motor-to-motor distance ("diagonal wheelbase"), m. Sets how far behind
    /// the front rotors the rear rotors sit, and so when they start to fly in the front
    /// rotors' wake.
    pub wheelbase_m: f64,
    /// Nominal battery energy, Wh.
    pub battery_capacity_wh: f64,
    /// Nominal battery voltage, V.
    pub battery_voltage_v: f64,
    /// Share of the nominal capacity that is usable (0..1].
    #[serde(default = "default_usable")]
    pub usable_capacity_fraction: f64,
    /// Motor and ESC efficiency (0..1] of this particular aircraft, measured, or `None`
    /// (the default) for the validated rule [`crate::energy::model::MOTOR_ESC_EFFICIENCY`]
    /// that holds across the airframes in `assets/energy-validation/`. Only set it from
    /// battery-power measurements of the aircraft itself (as the `dji-m100` preset is,
    /// from the CMU flights); the rotor aerodynamics stay physical either way.
    #[serde(default)]
    pub propulsion_efficiency: Option<f64>,
    /// Constant avionics / payload electronics draw, W.
    #[serde(default)]
    pub avionics_power_w: f64,
    /// Cruise speed the planner uses by default, m/s (ground-relative when calm).
    pub cruise_speed_mps: f64,
    /// Maximum horizontal speed, m/s.
    pub max_speed_mps: f64,
    /// Maximum climb rate, m/s.
    pub max_climb_mps: f64,
    /// Maximum descent rate, m/s.
    pub max_descent_mps: f64,
    /// Maximum acceleration, m/s^2.
    pub max_accel_mps2: f64,
    /// Time the autopilot takes to turn its velocity at a path corner, s: the corner
    /// speed limit is `max_accel_mps2 * turn_time_s / (2 sin(theta / 2))` for a turn by
    /// `theta`. The trajectory planner and the verifier both read it from here.
    #[serde(default = "default_turn_time")]
    pub turn_time_s: f64,
    /// Charger power at the depot, W (time to recharge = energy / this).
    pub charge_power_w: f64,
}

/// The turn time of a drone type that does not state one, s.
pub const DEFAULT_TURN_TIME_S: f64 = 1.0;

fn default_turn_time() -> f64 {
    DEFAULT_TURN_TIME_S
}
fn default_blades() -> u32 {
    2
}
fn default_profile_cd() -> f64 {
    0.012
}
fn default_thrust_coefficient() -> f64 {
    // A typical fixed-pitch multirotor propeller has a propeller-convention static
    // C_T near 0.09-0.11, i.e. 0.012-0.014 in the helicopter convention.
    0.012
}
fn default_induced_factor() -> f64 {
    // Leishman (2006), Principles of Helicopter Aerodynamics, sec. 3.3: 1.15 typical.
    1.15
}
fn default_usable() -> f64 {
    0.9
}

/// A number as a person reads it: `1e-308`, not 308 zeros.
pub(crate) fn shown(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

impl DroneSpec {
    /// Empty mass (airframe + battery), kg.
    pub fn empty_mass_kg(&self) -> f64 {
        self.airframe_mass_kg + self.battery_mass_kg
    }

    /// Usable battery energy at 20 degC or warmer, Wh (see
    /// [`crate::energy::model::usable_energy_wh`] for the temperature derating).
    pub fn usable_energy_wh(&self) -> f64 {
        self.battery_capacity_wh * self.usable_capacity_fraction
    }

    /// Every problem with the parameters, as `(field, message)` pairs. Each number must
    /// be finite and within a physical range (see [`DroneSpec::ranges`]), wide enough for
    /// anything from a 100 g quadcopter to a 1 t cargo multirotor, so the planner's
    /// arithmetic (trajectory sample counts, energy integration) stays bounded.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (field, v, lo, hi, unit) in self.ranges() {
            if !(v.is_finite() && (lo..=hi).contains(&v)) {
                out.push((field, format!("must be within {lo}..={hi}{unit}, got {}", shown(v))));
            }
        }
        for (field, v, hi) in
            [("rotor_count", self.rotor_count, 32), ("blades_per_rotor", self.blades_per_rotor, 12)]
        {
            if !(1..=hi).contains(&v) {
                out.push((field, format!("must be within 1..={hi}, got {v}")));
            }
        }
        let fractions = [
            Some(("usable_capacity_fraction", self.usable_capacity_fraction)),
            self.propulsion_efficiency.map(|v| ("propulsion_efficiency", v)),
        ];
        for (field, v) in fractions.into_iter().flatten() {
            if !(v > 0.0 && v <= 1.0) {
                out.push((field, format!("must be in (0, 1], got {v}")));
            }
        }
        if self.cruise_speed_mps > self.max_speed_mps {
            out.push(("cruise_speed_mps", "must not exceed max_speed_mps".to_string()));
        }
        if self.empty_mass_kg() + self.max_payload_kg > self.max_takeoff_mass_kg + 1e-9 {
            out.push((
                "max_payload_kg",
                "airframe + battery + max payload exceeds max_takeoff_mass_kg".to_string(),
            ));
        }
        out
    }

    /// The ranged numbers: `(field, value, lowest, highest, unit)`.
    pub fn ranges(&self) -> [(&'static str, f64, f64, f64, &'static str); 23] {
        [
            ("airframe_mass_kg", self.airframe_mass_kg, 0.05, 500.0, " kg"),
            ("battery_mass_kg", self.battery_mass_kg, 0.01, 300.0, " kg"),
            ("max_takeoff_mass_kg", self.max_takeoff_mass_kg, 0.05, 1000.0, " kg"),
            ("max_payload_kg", self.max_payload_kg, 0.0, 500.0, " kg"),
            ("rotor_diameter_m", self.rotor_diameter_m, 0.02, 10.0, " m"),
            ("blade_chord_m", self.blade_chord_m, 0.001, 2.0, " m"),
            ("blade_profile_drag_coefficient", self.blade_profile_drag_coefficient, 0.001, 0.2, ""),
            ("rotor_thrust_coefficient", self.rotor_thrust_coefficient, 0.001, 0.1, ""),
            ("induced_power_factor", self.induced_power_factor, 1.0, 3.0, ""),
            ("body_length_m", self.body_length_m, 0.01, 20.0, " m"),
            ("body_width_m", self.body_width_m, 0.01, 20.0, " m"),
            ("body_height_m", self.body_height_m, 0.01, 20.0, " m"),
            ("wheelbase_m", self.wheelbase_m, 0.02, 30.0, " m"),
            ("battery_capacity_wh", self.battery_capacity_wh, 1.0, 100_000.0, " Wh"),
            ("battery_voltage_v", self.battery_voltage_v, 1.0, 1000.0, " V"),
            ("avionics_power_w", self.avionics_power_w, 0.0, 10_000.0, " W"),
            ("cruise_speed_mps", self.cruise_speed_mps, 0.5, 100.0, " m/s"),
            ("max_speed_mps", self.max_speed_mps, 0.5, 100.0, " m/s"),
            ("max_climb_mps", self.max_climb_mps, 0.1, 50.0, " m/s"),
            ("max_descent_mps", self.max_descent_mps, 0.1, 50.0, " m/s"),
            ("max_accel_mps2", self.max_accel_mps2, 0.1, 50.0, " m/s^2"),
            ("turn_time_s", self.turn_time_s, 0.1, 10.0, " s"),
            ("charge_power_w", self.charge_power_w, 1.0, 1_000_000.0, " W"),
        ]
    }
}
