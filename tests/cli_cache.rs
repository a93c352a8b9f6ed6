//! End to end: the world cache changes nothing in a plan. A small Monaco mission is
//! planned without the cache, with a cold and a warm cache, with `--cache-dir` and with
//! a damaged cache file; every output file is byte-identical across the five runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Monaco's morning cut to its first `orders` orders, with the map's absolute path.
fn small_mission(dir: &Path, orders: usize) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("missions/monaco.ron")).unwrap();
    let map = std::fs::canonicalize(root.join("assets/monaco/monaco-latest.osm.pbf")).unwrap();
    let mut kept = 0;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            let order = l.trim_start().starts_with("(id: \"M");
            kept += usize::from(order);
            !order || kept <= orders
        })
        .collect();
    let text = lines
        .join("\n")
        .replace("../assets/monaco/monaco-latest.osm.pbf", &map.display().to_string());
    let path = dir.join("small.ron");
    std::fs::write(&path, text).unwrap();
    path
}

/// `skylane plan` with `SKYLANE_CACHE_DIR=env_cache` (and no other cache location);
/// returns the run and every output file's bytes.
fn plan(
    mission: &Path,
    out: &Path,
    env_cache: &Path,
    extra: &[&str],
) -> (Output, BTreeMap<String, Vec<u8>>) {
    let run = Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(["plan".as_ref(), mission.as_os_str(), "-o".as_ref(), out.as_os_str(), "-q".as_ref()])
        .args(extra)
        .env("SKYLANE_CACHE_DIR", env_cache)
        .env_remove("XDG_CACHE_HOME")
        .env("HOME", env_cache.join("home"))
        .output()
        .unwrap();
    let code = run.status.code();
    assert!(matches!(code, Some(0 | 1)), "{code:?}: {}", String::from_utf8_lossy(&run.stderr));
    let files = std::fs::read_dir(out)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    (run, files)
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(d) => d.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn plans_are_byte_identical_with_and_without_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let mission = small_mission(tmp.path(), 6);
    let env_cache = tmp.path().join("env-cache");
    let out = |name: &str| tmp.path().join(name);

    let (_, uncached) = plan(&mission, &out("a"), &env_cache, &["--no-cache"]);
    assert!(entries(&env_cache).is_empty(), "--no-cache wrote to the cache");
    assert!(uncached.contains_key("plan.ron") && uncached.contains_key("timeline.csv"));

    let (cold_run, cold) = plan(&mission, &out("b"), &env_cache, &[]);
    let files = entries(&env_cache);
    assert_eq!(files.len(), 1, "one cache file for one map: {files:?}");
    let cached = std::fs::read(&files[0]).unwrap();
    assert!(cold_run.stderr.is_empty(), "{}", String::from_utf8_lossy(&cold_run.stderr));

    let (warm_run, warm) = plan(&mission, &out("c"), &env_cache, &[]);
    assert!(warm_run.stderr.is_empty(), "{}", String::from_utf8_lossy(&warm_run.stderr));
    assert_eq!(std::fs::read(&files[0]).unwrap(), cached);

    let flag_dir = tmp.path().join("flag-cache");
    let (_, flagged) =
        plan(&mission, &out("d"), &env_cache, &["--cache-dir", flag_dir.to_str().unwrap()]);
    assert_eq!(entries(&flag_dir).len(), 1, "--cache-dir is where the cache goes");

    let mut damaged = cached.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x10;
    std::fs::write(&files[0], &damaged).unwrap();
    let (damaged_run, rebuilt) = plan(&mission, &out("e"), &env_cache, &[]);
    let note = String::from_utf8_lossy(&damaged_run.stderr);
    assert!(note.contains("corrupt") && note.contains("parsed the map again"), "{note}");
    assert_eq!(std::fs::read(&files[0]).unwrap(), cached, "the damaged file is replaced");

    for (name, other) in
        [("cold", &cold), ("warm", &warm), ("--cache-dir", &flagged), ("damaged", &rebuilt)]
    {
        assert_eq!(other.keys().collect::<Vec<_>>(), uncached.keys().collect::<Vec<_>>(), "{name}");
        for (file, bytes) in &uncached {
            assert!(other[file] == *bytes, "{file} differs between --no-cache and {name}");
        }
    }
}

#[test]
fn every_mission_command_takes_the_cache_flags() {
    for cmd in ["plan", "simulate", "coverage", "export-scene"] {
        let help =
            Command::new(env!("CARGO_BIN_EXE_skylane")).args([cmd, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(text.contains("--no-cache") && text.contains("--cache-dir"), "{cmd}:\n{text}");
    }
}
