//! 3D voxel path search: an occupancy grid, exact A*, Lazy Theta* any-angle search, and
//! readers for the Moving AI Lab voxel benchmark.
//!
//! Entry points: build a [`VoxelGrid`] (or read one with [`movingai::load_map`]), then
//! keep one [`AStar`] (exact shortest 26-connected path) or [`LazyThetaStar`]
//! (any-angle polyline) context per thread and call `solve` for each query; contexts
//! reuse their memory across queries and grids. Movement model: 26 neighbours, move
//! costs 1, √2 and √3, and a move is legal only if every voxel of the unit cube it
//! spans is free (no corner cutting). Any-angle segments must touch no blocked voxel
//! (voxels are closed cubes): [`line_of_sight`] is the search's test and
//! [`validate_polyline`] an independent checker.
//!
//! ```
//! use skylane_planner::search::voxel::{validate_polyline, AStar, LazyThetaStar, VoxelGrid};
//!
//! // A 20 x 20 x 10 block of airspace with a tower in the middle.
//! let mut grid = VoxelGrid::new([20, 20, 10]).unwrap();
//! for x in 8..12 {
//!     for y in 8..12 {
//!         for z in 0..8 {
//!             grid.set_blocked([x, y, z], true).unwrap();
//!         }
//!     }
//! }
//! let mut astar = AStar::new();
//! let exact = astar.solve(&grid, [2, 10, 1], [18, 10, 1]).unwrap().expect("reachable");
//! assert!(exact.cost > 16.0);
//!
//! let mut theta = LazyThetaStar::new();
//! let smooth = theta.solve(&grid, [2, 10, 1], [18, 10, 1]).unwrap().expect("reachable");
//! assert!(smooth.length <= exact.cost);
//! assert!(validate_polyline(&grid, &smooth.vertices).is_ok());
//! ```

mod anyangle;
mod astar;
mod grid;
mod landmarks;
mod los;
pub mod movingai;
mod prune;
mod reference;
mod validate;

pub use anyangle::{distance, AnyAnglePath, LazyThetaStar};
pub use astar::{AStar, SearchError, VoxelPath, MAX_PATH_COST};
pub use grid::{
    counts_cost, move_allowed, octile_counts, octile_distance, GridError, Voxel, VoxelGrid,
    MAX_AXIS_VOXELS, MOVE_COST,
};
pub use landmarks::{LandmarkError, Landmarks, LANES as LANDMARK_COUNT, MAX_LANDMARK_BYTES};
pub use los::line_of_sight;
pub use reference::reference_astar;
pub use validate::{segment_is_clear, validate_polyline};
