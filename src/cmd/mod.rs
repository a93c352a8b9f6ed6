//! One module per subcommand.

pub mod check;
pub mod coverage;
pub mod export;
pub mod export_scene;
pub mod plan;

use skylane_planner::load::{load_mission_with, CacheUse, LoadOptions};
use skylane_planner::world::cache::Miss;

/// Exit code: the plan was written but some order was not served or a check failed.
pub const EXIT_NOT_ALL_GOOD: u8 = 1;
/// Exit code: bad input, nothing written.
pub const EXIT_BAD_INPUT: u8 = 2;

/// The world cache flags of every command that loads a mission.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CacheArgs {
    /// Folder of the world cache: the parsed map, keyed by its SHA-256 and the mission
    /// origin (default: $SKYLANE_CACHE_DIR, else $XDG_CACHE_HOME/skylane, else
    /// ~/.cache/skylane).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<std::path::PathBuf>,
    /// Parse the map afresh; neither read nor write the world cache.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The load options these flags ask for.
    pub fn options(&self) -> LoadOptions {
        let cache_dir = if self.no_cache {
            None
        } else {
            self.cache_dir.clone().or_else(skylane_planner::world::cache::default_dir)
        };
        LoadOptions { cache_dir }
    }
}

/// The mission at `path` with its world, or the located error printed and the exit code
/// for bad input. A damaged or unwritable world cache is noted on stderr and costs only
/// time: the map is parsed again.
pub fn load_or_exit(
    path: &std::path::Path,
    cache: &CacheArgs,
) -> Result<skylane_planner::load::Loaded, std::process::ExitCode> {
    let loaded = load_mission_with(path, &cache.options()).map_err(|e| {
        eprintln!("error: {e}");
        std::process::ExitCode::from(EXIT_BAD_INPUT)
    })?;
    if let CacheUse::Rebuilt { file, miss, written } = &loaded.cache {
        if !matches!(miss, Miss::Absent) {
            eprintln!("note: world cache {}: {miss}; parsed the map again", file.display());
        }
        if let Err(e) = written {
            eprintln!("warning: cannot write the world cache {}: {e}", file.display());
        }
    }
    Ok(loaded)
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
