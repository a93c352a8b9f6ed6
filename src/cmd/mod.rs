//! One module per subcommand.

pub mod check;
pub mod coverage;
pub mod export;
pub mod export_scene;
pub mod plan;

/// Exit code: the plan was written but some order was not served or a check failed.
pub const EXIT_NOT_ALL_GOOD: u8 = 1;
/// Exit code: bad input, nothing written.
pub const EXIT_BAD_INPUT: u8 = 2;

/// The mission at `path` with its world, or the located error printed and the exit code
/// for bad input.
pub fn load_or_exit(
    path: &std::path::Path,
) -> Result<skylane_planner::load::Loaded, std::process::ExitCode> {
    skylane_planner::load::load_mission(path).map_err(|e| {
        eprintln!("error: {e}");
        std::process::ExitCode::from(EXIT_BAD_INPUT)
    })
}

/// A worker pool of `threads` threads (rayon's default when `None`), or the error printed
/// and the exit code for bad input.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, std::process::ExitCode> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n.max(1));
    }
    pool.build().map_err(|e| {
        eprintln!("error: cannot start worker threads: {e}");
        std::process::ExitCode::from(EXIT_BAD_INPUT)
    })
}
pub mod power;
pub mod simulate;
pub mod sites;
pub mod voxel;
pub mod vrptw;
