//! `skylane`: the command-line interface over the `skylane-planner` crate.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Drone delivery flight planner.
#[derive(Parser)]
#[command(name = "skylane", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Solve a Solomon VRPTW benchmark file (capacities and time windows).
    Vrptw(cmd::vrptw::VrptwArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Vrptw(args) => cmd::vrptw::run(args),
    }
}
