//! Headless-style runs: render the scene at a fixed mission time, save a PNG of the
//! primary window and exit ([`ScreenshotPlugin`]), or run a fixed number of frames and
//! print the mean frame time ([`BenchPlugin`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bevy::diagnostic::{DiagnosticsStore, FrameTimeDiagnosticsPlugin};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use skylane_planner::stats;

/// Frames rendered before the capture, so meshes, pipelines and text are ready (pipelines
/// are compiled synchronously in this mode).
pub const SETTLE_FRAMES: u32 = 6;
/// Frames to wait for the capture before giving up.
const CAPTURE_TIMEOUT_FRAMES: u32 = 600;

/// Saves one screenshot of the primary window to `path`, then exits: with success once
/// the file is written, with an error if it cannot be.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct ScreenshotPlugin {
    /// Where the PNG goes.
    pub path: PathBuf,
}

/// Progress of the screenshot run.
#[derive(Resource, Debug, Default)]
struct CaptureState {
    frames: u32,
    requested: bool,
    result: Arc<Mutex<Option<Result<(), String>>>>,
}

impl Plugin for ScreenshotPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.clone())
            .init_resource::<CaptureState>()
            .add_systems(Last, capture_when_settled);
    }
}

/// Writes a captured frame as an RGB PNG (the alpha channel carries no colour).
fn save_png(image: &Image, path: &std::path::Path) -> Result<(), String> {
    let dynamic = image.clone().try_into_dynamic().map_err(|e| format!("unreadable frame: {e}"))?;
    dynamic
        .to_rgb8()
        .save(path)
        .map_err(|e| format!("{}: cannot write screenshot: {e}", path.display()))
}

/// Requests the capture once the scene has settled, then exits when the file is written.
fn capture_when_settled(
    mut commands: Commands,
    request: Res<ScreenshotPlugin>,
    mut state: ResMut<CaptureState>,
    mut exit: MessageWriter<AppExit>,
) {
    state.frames += 1;
    if !state.requested && state.frames >= SETTLE_FRAMES {
        state.requested = true;
        let path = request.path.clone();
        let slot = state.result.clone();
        commands.spawn(Screenshot::primary_window()).observe(
            move |captured: On<ScreenshotCaptured>| {
                let result = save_png(&captured.image, &path);
                if let Ok(mut s) = slot.lock() {
                    *s = Some(result);
                }
            },
        );
    }
    let done = state.result.lock().ok().and_then(|mut s| s.take());
    match done {
        Some(Ok(())) => {
            info!("screenshot saved to {}", request.path.display());
            exit.write(AppExit::Success);
        }
        Some(Err(e)) => {
            error!("{e}");
            exit.write(AppExit::error());
        }
        None if state.frames > SETTLE_FRAMES + CAPTURE_TIMEOUT_FRAMES => {
            error!("no frame was captured after {} frames", state.frames);
            exit.write(AppExit::error());
        }
        None => {}
    }
}

/// Runs `frames` frames after a warm-up, prints frame time statistics and exits.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchPlugin {
    /// Frames to measure.
    pub frames: u32,
    /// Frames run before measuring (pipeline compilation, first uploads).
    pub warmup: u32,
}

#[derive(Resource, Debug, Default)]
struct BenchState {
    seen: u32,
    frame_ms: Vec<f64>,
}

impl Plugin for BenchPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<FrameTimeDiagnosticsPlugin>() {
            app.add_plugins(FrameTimeDiagnosticsPlugin::default());
        }
        app.insert_resource(*self).init_resource::<BenchState>().add_systems(Last, measure_frames);
    }
}

/// Frame time statistics, ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameStats {
    /// Frames measured.
    pub frames: usize,
    /// Mean.
    pub mean_ms: f64,
    /// Median.
    pub median_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

/// Statistics of a list of frame times (ms); `None` when empty.
pub fn frame_stats(frame_ms: &[f64]) -> Option<FrameStats> {
    if frame_ms.is_empty() {
        return None;
    }
    let sorted = stats::sorted(frame_ms);
    let at = |q: f64| stats::percentile(&sorted, q);
    Some(FrameStats {
        frames: sorted.len(),
        mean_ms: stats::mean(&sorted),
        median_ms: at(0.5),
        p95_ms: at(0.95),
        max_ms: sorted[sorted.len() - 1],
    })
}

fn measure_frames(
    bench: Res<BenchPlugin>,
    time: Res<Time<Real>>,
    diagnostics: Res<DiagnosticsStore>,
    mut state: ResMut<BenchState>,
    mut exit: MessageWriter<AppExit>,
) {
    state.seen += 1;
    if state.seen <= bench.warmup {
        return;
    }
    state.frame_ms.push(time.delta_secs_f64() * 1000.0);
    if state.frame_ms.len() < bench.frames as usize {
        return;
    }
    if let Some(s) = frame_stats(&state.frame_ms) {
        let smoothed = diagnostics
            .get(&FrameTimeDiagnosticsPlugin::FRAME_TIME)
            .and_then(|d| d.average())
            .map(|ms| format!("{ms:.2} ms"))
            .unwrap_or_else(|| "n/a".to_string());
        println!(
            "bench: {} frames after {} warm-up: mean frame time {:.2} ms ({:.1} fps), median {:.2} ms, \
             p95 {:.2} ms, max {:.2} ms; FrameTimeDiagnosticsPlugin average {}",
            s.frames,
            bench.warmup,
            s.mean_ms,
            1000.0 / s.mean_ms,
            s.median_ms,
            s.p95_ms,
            s.max_ms,
            smoothed
        );
    }
    exit.write(AppExit::Success);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_statistics() {
        let s = frame_stats(&[10.0, 20.0, 30.0, 40.0, 100.0]).unwrap();
        assert_eq!(s.frames, 5);
        assert_eq!(s.mean_ms, 40.0);
        assert_eq!(s.median_ms, 30.0);
        assert_eq!(s.max_ms, 100.0);
        assert_eq!(s.p95_ms, 100.0);
        assert!(frame_stats(&[]).is_none());
    }
}
