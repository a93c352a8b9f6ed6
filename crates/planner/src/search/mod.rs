//! Path search.
//!
//! Entry point: [`voxel`], search on 3D occupancy grids ([`voxel::AStar`],
//! [`voxel::LazyThetaStar`]); see its module docs for an example.

pub mod voxel;
