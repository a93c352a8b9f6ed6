//! The `skylane-viz` command line: open a plan in the replay window, or render one
//! screenshot and exit, or render an order's proof-of-delivery photo and exit, or measure
//! frame times.
//!
//! ```text
//! skylane-viz PLAN [--at TIME] [--size WxH] [--coverage COVERAGE.geojson]
//! skylane-viz PLAN --screenshot OUT.png --at TIME [--size WxH]
//! skylane-viz PLAN --proof ORDER_ID -o OUT.png [--size WxH]
//! skylane-viz PLAN --bench-frames N [--at TIME] [--size WxH]
//! ```
//!
//! `TIME` is mission time: seconds since the first take-off or van departure of the plan
//! (`600`, or `+600`), or a clock time of the mission day (`09:10` or `09:10:30`). Exit
//! codes: 0 done, 1 the screenshot failed, 2 bad arguments, an unreadable plan or map, or
//! an order with no drone delivery to photograph.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::window::{PresentMode, WindowResolution};
use clap::Parser;
use skylane_planner::mission::ClockTime;
use skylane_planner::plan::Plan;

use crate::camera::CameraPlugin;
use crate::clock::{ClockPlugin, ClockStart};
use crate::coverage::{load_coverage, CoverageLayerPlugin};
use crate::proof::{proof_shot, ProofPlugin};
use crate::replay::Replay;
use crate::scene::ScenePlugin;
use crate::screenshot::{BenchPlugin, ScreenshotPlugin};
use crate::vehicles::VehiclesPlugin;
use crate::ReplayPlugin;

/// Command-line arguments.
#[derive(Debug, Clone, Parser, PartialEq)]
#[command(
    name = "skylane-viz",
    version,
    about = "3D replay of a skylane plan: drones and vans on one clock"
)]
pub struct Args {
    /// The plan file (`plan.ron` written by `skylane plan`).
    pub plan: PathBuf,
    /// Render one frame to this PNG file and exit.
    #[arg(long, value_name = "OUT.png")]
    pub screenshot: Option<PathBuf>,
    /// Mission time to show: seconds since the plan's first take-off or van departure
    /// (`600` or `+600`), or a clock time `HH:MM[:SS]`.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: Option<MissionTime>,
    /// Window (and screenshot) size in pixels.
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Run this many frames (after a warm-up) with the clock playing, print the frame
    /// time statistics and exit.
    #[arg(long, value_name = "N")]
    pub bench_frames: Option<u32>,
    /// Photo confirmation: render the view from the drone's camera at the moment this
    /// order's package is released (looking down at the drop point) to `-o` and exit.
    #[arg(
        long,
        value_name = "ORDER_ID",
        requires = "output",
        conflicts_with_all = ["screenshot", "at", "bench_frames"]
    )]
    pub proof: Option<String>,
    /// Where `--proof` writes its PNG.
    #[arg(short = 'o', long, value_name = "OUT.png", requires = "proof")]
    pub output: Option<PathBuf>,
    /// Show a service area on the ground: the GeoJSON `skylane coverage` writes, its
    /// cells coloured by the minutes from order to doorstep (green quick, red at 30).
    #[arg(long, value_name = "COVERAGE.geojson")]
    pub coverage: Option<PathBuf>,
}

/// A mission time given on the command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MissionTime {
    /// A clock time of the mission day, in seconds since midnight.
    Absolute(f64),
    /// Seconds after the plan's first take-off or van departure.
    AfterStart(f64),
}

impl MissionTime {
    /// Seconds since midnight, given the time of the plan's first departure.
    pub fn resolve(self, start_s: f64) -> f64 {
        match self {
            MissionTime::Absolute(t) => t,
            MissionTime::AfterStart(d) => start_s + d,
        }
    }
}

/// Parses `600` or `+600` (seconds into the mission), `09:10` or `09:10:30` (clock time).
pub fn parse_time(text: &str) -> Result<MissionTime, String> {
    let text = text.trim();
    let seconds = text.strip_prefix('+').unwrap_or(text);
    if let Ok(d) = seconds.parse::<f64>() {
        return if d.is_finite() && d >= 0.0 {
            Ok(MissionTime::AfterStart(d))
        } else {
            Err(format!("{text:?}: time must be a non-negative number of seconds"))
        };
    }
    ClockTime::parse(text)
        .map(|c| MissionTime::Absolute(c.seconds()))
        .map_err(|e| format!("{text:?}: expected seconds into the mission or HH:MM[:SS] ({e})"))
}

/// Parses `1280x720`.
pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let err = || format!("{text:?}: expected WIDTHxHEIGHT, e.g. 1280x720");
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(err)?;
    let (w, h): (u32, u32) = (w.parse().map_err(|_| err())?, h.parse().map_err(|_| err())?);
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        return Err(format!("{text:?}: each side must be between 16 and 8192 pixels"));
    }
    Ok((w, h))
}

/// Loads the plan and its world; the error text is what the user sees. A plan whose
/// folder holds a `manifest.json` it does not match (a torn or edited output set) is
/// refused, as `skylane check` refuses it.
pub fn load_replay(path: &Path) -> Result<Replay, String> {
    skylane_planner::plan::check_manifest(path).map_err(|e| e.to_string())?;
    let plan = Plan::load(path).map_err(|e| e.to_string())?;
    let world = plan.world().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Replay::new(plan, world))
}

/// The Bevy app for a loaded replay and the arguments; the error (for the user) when
/// `--proof` names an order with no drone delivery.
pub fn build_app(replay: Replay, args: &Args) -> Result<App, String> {
    let proof = args.proof.as_deref().map(|id| proof_shot(&replay.plan, id)).transpose()?;
    let coverage =
        args.coverage.as_deref().map(|p| load_coverage(p, &replay.world.frame)).transpose()?;
    // The PNG to write: the proof photo's, or the screenshot's.
    let capture = match &proof {
        Some(_) => args.output.clone(),
        None => args.screenshot.clone(),
    };
    let at_s = match &proof {
        Some(shot) => Some(shot.release_s),
        None => args.at.map(|t| t.resolve(replay.timeline.first_departure_s)),
    };
    let headless_run = capture.is_some() || args.bench_frames.is_some();
    let start = ClockStart {
        at_s,
        // A screenshot shows one instant; a benchmark and the window play.
        playing: capture.is_none(),
    };
    let (w, h) = args.size;
    let title = match &proof {
        Some(shot) => format!("skylane proof of delivery · order {}", shot.order_id),
        None => format!("skylane replay · {}", replay.plan.mission.name),
    };
    let window = Window {
        title,
        resolution: WindowResolution::new(w, h).with_scale_factor_override(1.0),
        present_mode: if headless_run { PresentMode::AutoNoVsync } else { PresentMode::AutoVsync },
        ..default()
    };
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins.set(WindowPlugin { primary_window: Some(window), ..default() }).set(
            RenderPlugin {
                // A screenshot must not catch meshes whose pipelines are still compiling.
                synchronous_pipeline_compilation: capture.is_some(),
                ..default()
            },
        ),
    )
    .insert_resource(replay)
    .insert_resource(start)
    .add_plugins(CoverageLayerPlugin);
    if let Some(layer) = coverage {
        app.insert_resource(layer);
    }
    match proof {
        // The drone's camera view: no HUD, a caption instead.
        Some(shot) => app.add_plugins((
            ScenePlugin,
            ClockPlugin,
            VehiclesPlugin,
            CameraPlugin,
            ProofPlugin { shot },
        )),
        None => app.add_plugins(ReplayPlugin),
    };
    if let Some(path) = capture {
        app.add_plugins(ScreenshotPlugin { path });
    }
    if let Some(frames) = args.bench_frames {
        app.add_plugins(BenchPlugin { frames: frames.max(1), warmup: 30 });
    }
    Ok(app)
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let replay = match load_replay(&args.plan) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut app = match build_app(replay, &args) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_three_forms() {
        assert_eq!(parse_time("600"), Ok(MissionTime::AfterStart(600.0)));
        assert_eq!(parse_time("09:10"), Ok(MissionTime::Absolute(33000.0)));
        assert_eq!(parse_time("09:10:30"), Ok(MissionTime::Absolute(33030.0)));
        assert_eq!(parse_time("+600"), Ok(MissionTime::AfterStart(600.0)));
        assert_eq!(MissionTime::AfterStart(600.0).resolve(32400.0), 33000.0);
        assert!(parse_time("-5").is_err());
        assert!(parse_time("soon").is_err());
        assert!(parse_time("+x").is_err());
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1280x720"), Ok((1280, 720)));
        assert_eq!(parse_size("640X480"), Ok((640, 480)));
        assert!(parse_size("1280").is_err());
        assert!(parse_size("0x720").is_err());
        assert!(parse_size("axb").is_err());
    }

    #[test]
    fn arguments() {
        let a = Args::try_parse_from([
            "skylane-viz",
            "plan.ron",
            "--screenshot",
            "out.png",
            "--at",
            "600",
            "--size",
            "800x600",
        ])
        .unwrap();
        assert_eq!(a.plan, PathBuf::from("plan.ron"));
        assert_eq!(a.screenshot, Some(PathBuf::from("out.png")));
        assert_eq!(a.at, Some(MissionTime::AfterStart(600.0)));
        assert_eq!(a.size, (800, 600));
        assert!(Args::try_parse_from(["skylane-viz"]).is_err());
    }

    #[test]
    fn coverage_argument() {
        let a =
            Args::try_parse_from(["skylane-viz", "plan.ron", "--coverage", "cov.geojson"]).unwrap();
        assert_eq!(a.coverage, Some(PathBuf::from("cov.geojson")));
        assert_eq!(Args::try_parse_from(["skylane-viz", "plan.ron"]).unwrap().coverage, None);
    }

    #[test]
    fn proof_arguments() {
        let a =
            Args::try_parse_from(["skylane-viz", "plan.ron", "--proof", "M0142", "-o", "pod.png"])
                .unwrap();
        assert_eq!(a.proof.as_deref(), Some("M0142"));
        assert_eq!(a.output, Some(PathBuf::from("pod.png")));
        // The photo needs a file, the file needs the photo, and the time is the release's.
        assert!(Args::try_parse_from(["skylane-viz", "p.ron", "--proof", "M1"]).is_err());
        assert!(Args::try_parse_from(["skylane-viz", "p.ron", "-o", "x.png"]).is_err());
        let at = ["skylane-viz", "p.ron", "--proof", "M1", "-o", "x.png", "--at", "600"];
        assert!(Args::try_parse_from(at).is_err());
    }

    #[test]
    fn unreadable_plan_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.ron");
        let e = load_replay(&missing).unwrap_err();
        assert!(e.contains("nope.ron") && e.contains("cannot read plan file"), "{e}");
        let bad = dir.path().join("bad.ron");
        std::fs::write(&bad, "Plan(format: 3").unwrap();
        let e = load_replay(&bad).unwrap_err();
        assert!(e.contains("not a skylane plan"), "{e}");
    }

    #[test]
    fn a_torn_output_set_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let files = [("plan.ron", "Plan(format: 3".to_string()), ("timeline.csv", "a\n".into())];
        let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (*n, t.clone())).collect();
        skylane_planner::plan::output_set::write_set(&out, &files).unwrap();
        std::fs::write(out.join("timeline.csv"), "b\n").unwrap();
        let e = load_replay(&out.join("plan.ron")).unwrap_err();
        assert!(e.contains("manifest.json") && e.contains("timeline.csv"), "{e}");
    }
}
