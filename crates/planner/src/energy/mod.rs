//! Battery and power model of multirotor drones.
//!
//! Entry points:
//! - [`model::power`]: electrical power of one flight condition, by component;
//! - [`model::integrate_energy_wh`]: cumulative energy along a sampled flight (what the
//!   trajectory generator and the verifier call);
//! - [`model::usable_energy_wh`]: battery energy available at a temperature;
//! - [`DroneSpec`] (a drone type's parameters) and [`presets`] (the named types shipped
//!   in `assets/drones.ron`);
//! - [`validation`]: the model against published measurements of other airframes
//!   (`assets/energy-validation/`), the global fit and the leave-one-airframe-out error;
//! - [`model::MODEL_ERROR_BAND`] and [`model::spendable_energy_wh`]: the validated error
//!   band and the energy a plan may spend once reserve and band are set aside.
//!
//! ```
//! use nalgebra::Vector3;
//! use skylane_planner::energy::{model, presets};
//!
//! let m100 = presets::find("dji-m100").unwrap();
//! let atm = model::Atmosphere { temperature_c: 10.0, wind_mps: Vector3::new(3.0, 0.0, 0.0) };
//! // 10 m/s east over the ground with 0.5 kg, 300 m above sea level, 3 m/s tailwind.
//! let p = model::power(&m100, 0.5, Vector3::new(10.0, 0.0, 0.0), 300.0, &atm).unwrap();
//! assert!(p.electrical_w > p.induced_w);
//! let wh = model::usable_energy_wh(&m100, atm.temperature_c).unwrap();
//! let endurance_min = wh / p.electrical_w * 60.0;
//! assert!(endurance_min > 10.0 && endurance_min < 30.0);
//! ```
//!
//! Units are SI (kg, m, s, W), energy in Wh, vectors east-north-up. The equations and
//! their sources are in [`model`].

pub mod model;
pub mod presets;
pub mod spec;
pub mod validation;

pub use model::{
    integrate_energy_wh, power, power_with, usable_energy_wh, Atmosphere, EnergyError,
    EnergySample, ModelConstants, PowerBreakdown,
};
pub use spec::DroneSpec;
