//! 3D path search over the world.
//!
//! Entry points: [`city::CityPlanner`] answers depot-to-door queries over a city (the
//! planner `dispatch` uses); [`voxel`] searches 3D occupancy grids ([`voxel::AStar`],
//! exact 26-connected A*; [`voxel::LazyThetaStar`], any-angle) and runs the Moving AI
//! voxel benchmark.

mod buckets;
pub mod city;
mod radix;
pub mod voxel;
