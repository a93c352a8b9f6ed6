//! One module per subcommand.

pub mod voxel;
