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
    /// Run a Moving AI 3D voxel benchmark (map + scenarios) through a voxel planner.
    Voxel(cmd::voxel::VoxelArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Voxel(args) => cmd::voxel::run(args),
    }
}
