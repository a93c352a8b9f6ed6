//! The world cache: loading a mission with its world (`load_mission_with`) without the
//! cache, on the first run (parse and save) and on later runs (read the saved map), and
//! the map phase alone (decode the `.osm.pbf` vs read the cache file).
//!
//! `cargo bench -p skylane-planner --bench world_cache [-- MISSION.ron ...]`
//!
//! Each figure is the median of `RUNS` loads in one process (the OS file cache is warm
//! for all of them, so the comparison is CPU work only). The cache lives in a temporary
//! folder; "first run" uses a fresh folder each time.

use std::path::{Path, PathBuf};
use std::time::Instant;

use skylane_planner::geo::LocalFrame;
use skylane_planner::load::{load_mission_with, CacheUse, LoadOptions};
use skylane_planner::mission::Mission;
use skylane_planner::world::cache::{MapCache, MapKey};
use skylane_planner::world::World;

const RUNS: usize = 15;

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn load(mission: &Path, cache_dir: Option<PathBuf>) -> CacheUse {
    load_mission_with(mission, &LoadOptions { cache_dir }).expect("mission loads").cache
}

/// Whole loads: no cache, first run, later runs.
fn whole_loads(mission: &Path, tmp: &Path) -> [f64; 3] {
    let off = median_ms(|| assert_eq!(load(mission, None), CacheUse::Off));
    let mut fresh = 0;
    let first = median_ms(|| {
        fresh += 1;
        let cache = load(mission, Some(tmp.join(format!("fresh-{fresh}"))));
        assert!(matches!(cache, CacheUse::Rebuilt { written: Ok(()), .. }));
    });
    let warm = tmp.join("warm");
    load(mission, Some(warm.clone()));
    let later =
        median_ms(|| assert!(matches!(load(mission, Some(warm.clone())), CacheUse::Hit(_))));
    [off, first, later]
}

/// The map phase alone: decode the map's bytes vs read and check the cache file.
fn map_phase(mission: &Path, tmp: &Path) -> (f64, f64, u64) {
    let (m, _) = Mission::read(mission).expect("mission reads");
    let map_path = mission.parent().unwrap_or(Path::new(".")).join(&m.map);
    let bytes = std::fs::read(&map_path).expect("map reads");
    let frame = LocalFrame::new(m.origin.lat_deg, m.origin.lon_deg);
    let parse = median_ms(|| {
        World::map_from_bytes(&map_path, &bytes, &frame).expect("map parses");
    });
    let cache = MapCache::new(tmp.join("map-phase"));
    let sha = skylane_planner::load::file_sha256(&map_path).expect("map hashes");
    let key = MapKey::new(&sha, &frame);
    let file = cache.write(&key, &World::map_from_bytes(&map_path, &bytes, &frame).unwrap());
    let size = std::fs::metadata(file.expect("cache writes")).map(|m| m.len()).unwrap_or(0);
    let read = median_ms(|| {
        cache.read(&key).expect("cache hit");
    });
    (parse, read, size)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../missions");
    let mut missions: Vec<PathBuf> =
        std::env::args().skip(1).filter(|a| a.ends_with(".ron")).map(PathBuf::from).collect();
    if missions.is_empty() {
        missions = vec![root.join("monaco.ron"), root.join("monaco-day.ron")];
    }
    let tmp = tempfile::tempdir().expect("temporary folder");
    println!("median of {RUNS} runs, ms");
    println!("| mission | load, no cache | load, first run | load, later runs | speed-up | map decode | cache read | speed-up | cache file |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (i, mission) in missions.iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        let [off, first, later] = whole_loads(mission, &dir);
        let (parse, read, size) = map_phase(mission, &dir);
        let name = mission.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "| {name} | {off:.1} | {first:.1} | {later:.1} | {:.1}x | {parse:.1} | {read:.2} | {:.0}x | {:.0} KiB |",
            off / later,
            parse / read,
            size as f64 / 1024.0
        );
    }
}
