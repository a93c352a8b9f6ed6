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
    /// Plan every order of a mission and write plan.ron, flights.geojson, timeline.csv.
    Plan(cmd::plan::PlanArgs),
    /// Verify a plan file against its mission and map.
    Check(cmd::check::CheckArgs),
    /// Electrical power of a drone preset in one flight condition, by component.
    Power(cmd::power::PowerArgs),
    /// Solve a Solomon VRPTW benchmark file (capacities and time windows).
    Vrptw(cmd::vrptw::VrptwArgs),
    /// Run a Moving AI 3D voxel benchmark (map + scenarios) through a voxel planner.
    Voxel(cmd::voxel::VoxelArgs),
    /// Service areas: where each nest and drone type delivers within the promise (GeoJSON).
    Coverage(cmd::coverage::CoverageArgs),
    /// Nest sites: spots near a point where a nest fits (ground or roof), or K new nests
    /// that cover the most addresses not yet covered within the promise.
    Sites(cmd::sites::SitesArgs),
    /// Export the city benchmark (world prisms, queries, skylane's paths) for peer planners.
    ExportScene(cmd::export_scene::ExportSceneArgs),
    /// Export a plan's drone flights as autopilot missions (QGroundControl .plan, QGC WPL)
    /// or its orders' tracking with proof of delivery (tracking.json, tracking.html).
    Export(cmd::export::ExportArgs),
    /// A live day under faults drawn from a seed: the dispatcher through the day with
    /// grounded drones, cancellations, pads out, wind limits, van breakdowns, drones
    /// failing in the air and no-fly zones activated at short notice.
    Simulate(cmd::simulate::SimulateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Plan(args) => cmd::plan::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Power(args) => cmd::power::run(args),
        Command::Vrptw(args) => cmd::vrptw::run(args),
        Command::Voxel(args) => cmd::voxel::run(args),
        Command::ExportScene(args) => cmd::export_scene::run(args),
        Command::Coverage(args) => cmd::coverage::run(args),
        Command::Sites(args) => cmd::sites::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
    }
}
