//! 3D path search over the world.
//!
//! Entry points: [`city::CityPlanner`] for depot-to-door queries over a city.

pub mod city;
