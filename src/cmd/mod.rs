//! One module per subcommand.

pub mod power;
