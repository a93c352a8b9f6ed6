//! Battery and power model of multirotor drones.
//!
//! Entry points: [`DroneSpec`] (a drone type's parameters) and [`presets`] (the named
//! types shipped in `assets/drones.ron`).

pub mod presets;
pub mod spec;

pub use spec::DroneSpec;
