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
    /// Electrical power of a drone preset in one flight condition, by component.
    Power(cmd::power::PowerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Power(args) => cmd::power::run(args),
    }
}
