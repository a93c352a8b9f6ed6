//! One module per subcommand.

pub mod vrptw;
