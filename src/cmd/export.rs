//! `skylane export PLAN --format qgc-plan|waypoints|tracking -o DIR`: every drone flight
//! of a plan as an autopilot mission file (QGroundControl `.plan` or `QGC WPL 110`
//! waypoints), or the orders' tracking with proof of delivery (`tracking.json`) and the
//! tracking page (`tracking.html`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use skylane_planner::plan::autopilot::{
    flight_mission, mission_file_name, mission_text, MissionFormat, Release,
};
use skylane_planner::plan::output_set::{MANIFEST_FILE, SET_FILE_NAMES};
use skylane_planner::plan::{tracking_html, tracking_json, Plan};

use super::export_scene::write_atomically;
use super::EXIT_BAD_INPUT;

/// What `skylane export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One QGroundControl `.plan` file per drone flight.
    QgcPlan,
    /// One `QGC WPL 110` `.waypoints` file per drone flight.
    Waypoints,
    /// `tracking.json` (every order's events, positions and proof of delivery) and
    /// `tracking.html` (a self-contained page: map, clock, order search).
    Tracking,
}

/// How the package is put down (see `skylane_planner::plan::autopilot::Release`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReleaseArg {
    /// Lower on a winch, release the hook, wind in (`MAV_CMD_DO_WINCH`, `MAV_CMD_DO_GRIPPER`).
    Winch,
    /// Open the gripper at hover height (`MAV_CMD_DO_GRIPPER`).
    Gripper,
}

/// Arguments of `skylane export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// A plan.ron written by `skylane plan`.
    pub plan: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Output folder (created if missing); each file is written atomically.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// How the package is put down at the drop point (autopilot formats).
    #[arg(long, value_enum, default_value_t = ReleaseArg::Winch)]
    pub release: ReleaseArg,
}

/// Runs `skylane export`.
pub fn run(args: ExportArgs) -> ExitCode {
    let plan = match Plan::load(&args.plan) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let release = match args.release {
        ReleaseArg::Winch => Release::Winch,
        ReleaseArg::Gripper => Release::Gripper,
    };
    let format = match args.format {
        ExportFormat::QgcPlan => MissionFormat::QgcPlan,
        ExportFormat::Waypoints => MissionFormat::Waypoints,
        ExportFormat::Tracking => {
            // The page draws the plan's city: rebuild its world from the recorded map.
            let world = match plan.world() {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            };
            let files = [
                ("tracking.json", tracking_json(&plan)),
                ("tracking.html", tracking_html(&plan, &world)),
            ];
            for (name, text) in files {
                let path = args.out.join(name);
                if let Err(e) = write_outside_sets(&path, text.as_bytes()) {
                    eprintln!("error: {}: {e}", path.display());
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            }
            println!("orders    {}", plan.outcomes.len());
            println!("written   {}", args.out.display());
            return ExitCode::SUCCESS;
        }
    };
    let mut items = 0;
    for index in 0..plan.flights.len() {
        let mission = flight_mission(&plan, index, release);
        items += mission.items.len();
        let path = args.out.join(mission_file_name(&plan, index, format));
        if let Err(e) = write_outside_sets(&path, mission_text(&mission, format).as_bytes()) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    }
    println!("flights   {}", plan.flights.len());
    println!("items     {items}");
    println!("written   {}", args.out.display());
    ExitCode::SUCCESS
}

/// Writes `path` atomically, except over a file of a `skylane plan` output set (a folder
/// with `manifest.json`): replacing one of those would tear the set, so a file with the
/// same bytes is left as it is and a different one is refused.
fn write_outside_sets(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let in_set = path.parent().is_some_and(|dir| dir.join(MANIFEST_FILE).is_file());
    if in_set && SET_FILE_NAMES.contains(&name) {
        return match std::fs::read(path) {
            Ok(old) if old == bytes => Ok(()),
            Ok(_) => Err(std::io::Error::other(
                "belongs to a plan output set (manifest.json) and differs: export into another folder",
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(std::io::Error::other(
                "would join a plan output set (manifest.json) it is not part of: export into another folder",
            )),
            Err(e) => Err(e),
        };
    }
    write_atomically(path, bytes)
}
