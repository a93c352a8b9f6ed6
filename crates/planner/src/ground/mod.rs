//! Ground logistics: delivery vans on the real road network.
//!
//! Entry points: [`roads::RoadGraph`] (car roads from OSM, one-way streets, travel
//! times, shortest paths) and [`vrptw`], a vehicle routing solver with capacities and
//! time windows ([`vrptw::solve`], checked by [`vrptw::check_feasibility`]).

pub mod roads;
pub mod vrptw;
