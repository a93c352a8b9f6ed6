//! Ground logistics: routing delivery vans.
//!
//! Entry point: [`vrptw`], a vehicle routing solver with capacities and time windows
//! ([`vrptw::solve`], checked by [`vrptw::check_feasibility`]). The road network that
//! produces its travel-time matrices will live beside it.

pub mod vrptw;
