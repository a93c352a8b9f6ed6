//! One module per subcommand.

pub mod check;
pub mod coverage;
pub mod export;
pub mod export_scene;
pub mod plan;

/// Exit code: the plan was written but some order was not served or a check failed.
pub const EXIT_NOT_ALL_GOOD: u8 = 1;
/// Exit code: bad input, nothing written.
pub const EXIT_BAD_INPUT: u8 = 2;
pub mod power;
pub mod simulate;
pub mod voxel;
pub mod vrptw;
