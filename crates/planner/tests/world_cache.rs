//! The world cache through `load_mission_with`: a second load reads the map from the
//! cache, gives the same world, and a damaged file or a changed parameter is never used.

use std::path::{Path, PathBuf};

use skylane_planner::load::{load_mission, load_mission_with, CacheUse, LoadOptions, Loaded};
use skylane_planner::world::cache::Miss;

fn monaco() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../missions/monaco.ron")
}

fn load(mission: &Path, cache: &Path) -> Loaded {
    load_mission_with(mission, &LoadOptions { cache_dir: Some(cache.to_path_buf()) }).unwrap()
}

fn assert_same_world(a: &Loaded, b: &Loaded) {
    assert_eq!(a.world.buildings, b.world.buildings);
    assert_eq!(a.world.zones, b.world.zones);
    assert_eq!(a.world.roads, b.world.roads);
    assert_eq!(a.world.bounds, b.world.bounds);
    assert_eq!(a.world.frame, b.world.frame);
    assert_eq!(a.map, b.map);
    assert_eq!(a.mission, b.mission);
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn second_load_hits_and_matches_an_uncached_load() {
    let dir = tempfile::tempdir().unwrap();
    let plain = load_mission(&monaco()).unwrap();
    assert_eq!(plain.cache, CacheUse::Off);
    let first = load(&monaco(), dir.path());
    let CacheUse::Rebuilt { file, miss: Miss::Absent, written: Ok(()) } = &first.cache else {
        panic!("first load: {:?}", first.cache);
    };
    assert_eq!(cache_files(dir.path()), vec![file.clone()]);
    let second = load(&monaco(), dir.path());
    assert_eq!(second.cache, CacheUse::Hit(file.clone()));
    assert_same_world(&plain, &first);
    assert_same_world(&plain, &second);
    // The world's queries agree too (the BVH is rebuilt from the same prisms).
    let span = skylane_planner::world::TimeSpan::at(36_000.0);
    for p in [[0.0, 0.0, 30.0], [-250.0, -400.0, 45.0], [800.0, 900.0, 60.0]] {
        let a = plain.world.clearance(p, span, 50.0);
        assert_eq!(a, second.world.clearance(p, span, 50.0));
    }
}

#[test]
fn damaged_files_are_rebuilt_never_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let plain = load_mission(&monaco()).unwrap();
    let CacheUse::Rebuilt { file, .. } = load(&monaco(), dir.path()).cache else {
        panic!("first load must build the cache");
    };
    let good = std::fs::read(&file).unwrap();
    let truncated = good[..good.len() / 2].to_vec();
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    for (what, bytes) in [("truncated", truncated), ("flipped", flipped)] {
        std::fs::write(&file, &bytes).unwrap();
        let again = load(&monaco(), dir.path());
        assert!(
            matches!(
                &again.cache,
                CacheUse::Rebuilt { miss: Miss::Corrupt(_), written: Ok(()), .. }
            ),
            "{what}: {:?}",
            again.cache
        );
        assert_same_world(&plain, &again);
        assert_eq!(std::fs::read(&file).unwrap(), good, "{what}: the file is written anew");
        assert!(matches!(load(&monaco(), dir.path()).cache, CacheUse::Hit(_)));
    }
}

#[test]
fn a_changed_origin_gets_its_own_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    load(&monaco(), &cache);
    let text = std::fs::read_to_string(monaco()).unwrap();
    let map = std::fs::canonicalize(monaco().parent().unwrap().join("../assets/monaco"))
        .unwrap()
        .join("monaco-latest.osm.pbf");
    let moved = text
        .replace("origin: (lat_deg: 43.7384,", "origin: (lat_deg: 43.7390,")
        .replace("../assets/monaco/monaco-latest.osm.pbf", &map.display().to_string());
    assert_ne!(moved, text);
    let other = dir.path().join("moved.ron");
    std::fs::write(&other, moved).unwrap();
    let first = load(&other, &cache);
    assert!(
        matches!(first.cache, CacheUse::Rebuilt { miss: Miss::Absent, .. }),
        "{:?}",
        first.cache
    );
    assert_eq!(cache_files(&cache).len(), 2);
    assert_same_world(&load_mission(&other).unwrap(), &load(&other, &cache));
}
