//! `skylane export-scene MISSION -o SCENE.json`: the city benchmark's queries, the world
//! as obstacle prisms and skylane's own results, for peer planners (`bench/peers/ompl`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use skylane_planner::scene::{export_scene, CITY_QUERY_COUNT, CITY_QUERY_SEED};

use super::EXIT_BAD_INPUT;

/// Arguments of `skylane export-scene`.
#[derive(clap::Args)]
pub struct ExportSceneArgs {
    /// Mission file (.ron).
    pub mission: PathBuf,
    /// Output scene file (JSON), written atomically.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Number of queries (the first N of the benchmark's sequence).
    #[arg(long, default_value_t = CITY_QUERY_COUNT)]
    pub queries: usize,
    /// Seed of the query set (the default is the `city_queries` benchmark's).
    #[arg(long, default_value_t = CITY_QUERY_SEED)]
    pub seed: u64,
    /// World cache.
    #[command(flatten)]
    pub cache: super::CacheArgs,
}

/// Runs `skylane export-scene`.
pub fn run(args: ExportSceneArgs) -> ExitCode {
    let loaded = match super::load_or_exit(&args.mission, &args.cache) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let scene = export_scene(&loaded.mission, &loaded.world, args.queries, args.seed);
    let json = match serde_json::to_string(&scene) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: cannot serialise the scene: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Err(e) = write_atomically(&args.out, json.as_bytes()) {
        eprintln!("error: {}: {e}", args.out.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let solved = scene.queries.iter().filter(|q| q.skylane.solved).count();
    println!("obstacles {}", scene.obstacles.len());
    println!("queries   {} ({solved} solved by skylane)", scene.queries.len());
    println!("written   {}", args.out.display());
    ExitCode::SUCCESS
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`
/// (creating the parent folder if missing).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
