//! End-to-end tests of `skylane voxel` on samples of the Moving AI 3D benchmark and on
//! malformed inputs.

use std::path::PathBuf;
use std::process::{Command, Output};

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/movingai").join(name)
}

fn skylane(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skylane")).args(args).output().expect("run skylane")
}

/// Runs every 100th scenario of `map` with `planner`; returns (solved, mismatched, stdout).
fn sample(map: &str, planner: &str) -> (usize, usize, String) {
    sample_with(map, &["--planner", planner])
}

/// Like [`sample`], with any `skylane voxel` options.
fn sample_with(map: &str, options: &[&str]) -> (usize, usize, String) {
    let map_path = asset(&format!("{map}.3dmap"));
    let scen_path = asset(&format!("{map}.3dmap.3dscen"));
    let mut args = vec!["voxel", map_path.to_str().unwrap(), scen_path.to_str().unwrap()];
    args.extend_from_slice(options);
    args.extend_from_slice(&["--every", "100"]);
    let out = skylane(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stdout.lines().last().unwrap_or_default();
    // "solved N, mismatched M, median_ms X"
    let fields: Vec<&str> = last.split([',', ' ']).filter(|s| !s.is_empty()).collect();
    assert_eq!(fields.first(), Some(&"solved"), "stdout: {stdout}\nstderr: {stderr}");
    let solved = fields[1].parse().unwrap();
    let mismatched = fields[3].parse().unwrap();
    assert_eq!(out.status.code(), Some(if mismatched == 0 { 0 } else { 1 }), "{stderr}");
    (solved, mismatched, stdout)
}

#[test]
fn astar_matches_optimal_costs_on_sampled_scenarios() {
    for map in ["Simple", "Complex", "DA1"] {
        let (solved, mismatched, stdout) = sample(map, "astar");
        assert_eq!((solved, mismatched), (100, 0), "{map}: {stdout}");
    }
}

#[test]
fn landmark_heuristic_keeps_costs_optimal_and_expands_less() {
    // Simple only: building the landmarks of the larger maps takes minutes in a debug build.
    let expanded = |stdout: &str| -> f64 {
        let line = stdout.lines().find(|l| l.contains("mean expanded")).unwrap();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let (solved, mismatched, guided) =
        sample_with("Simple", &["--planner", "astar", "--heuristic", "landmarks"]);
    assert_eq!((solved, mismatched), (100, 0), "{guided}");
    assert!(guided.contains("landmarks: 8 placed"), "{guided}");
    let (_, _, octile) = sample_with("Simple", &["--planner", "astar", "--heuristic", "octile"]);
    assert!(expanded(&guided) < expanded(&octile), "guided:\n{guided}\noctile:\n{octile}");
}

#[test]
fn anyangle_paths_are_valid_and_shorter_on_sampled_scenarios() {
    for map in ["Simple", "Complex", "DA1"] {
        let (solved, mismatched, stdout) = sample(map, "anyangle");
        assert_eq!((solved, mismatched), (100, 0), "{map}: {stdout}");
        // "anyangle length / grid optimum: mean R, max M"
        let ratio_line = stdout.lines().find(|l| l.starts_with("anyangle length")).unwrap();
        let mean: f64 =
            ratio_line.split_whitespace().nth(6).unwrap().trim_end_matches(',').parse().unwrap();
        assert!(mean < 1.0, "{map}: {ratio_line}");
    }
}

#[test]
fn reference_planner_matches_on_a_few_scenarios() {
    let map = asset("Simple.3dmap");
    let scen = asset("Simple.3dmap.3dscen");
    let out = skylane(&[
        "voxel",
        map.to_str().unwrap(),
        scen.to_str().unwrap(),
        "--planner",
        "reference",
        "--limit",
        "20",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("solved 20, mismatched 0,"), "{stdout}");
    assert_eq!(out.status.code(), Some(0));
}

/// Runs with the given map and scenario text; returns (exit code, stderr).
fn bad_input(map_text: Option<&str>, scen_text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("m.3dmap");
    if let Some(t) = map_text {
        std::fs::write(&map, t).unwrap();
    }
    let scen = dir.path().join("m.3dmap.3dscen");
    std::fs::write(&scen, scen_text).unwrap();
    let out = skylane(&["voxel", map.to_str().unwrap(), scen.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code(), stderr)
}

#[test]
fn bad_inputs_exit_2_naming_file_and_line() {
    let good_scen = "version 1\nm.3dmap\n0 0 0 3 3 3 5.196 1.0\n";
    let (code, err) = bad_input(None, good_scen);
    assert_eq!(code, Some(2));
    assert!(err.contains("m.3dmap: cannot read"), "{err}");

    let (code, err) = bad_input(Some("\u{0}\u{1}garbage\n"), good_scen);
    assert_eq!(code, Some(2));
    assert!(err.contains("m.3dmap:1: expected header"), "{err}");

    let (code, err) = bad_input(Some("voxel 4 4 4\n1 1 1\n9 0 0\n"), good_scen);
    assert_eq!(code, Some(2));
    assert!(err.contains("m.3dmap:3: voxel [9, 0, 0] is outside"), "{err}");

    let (code, err) =
        bad_input(Some("voxel 4 4 4\n1 1 1\n"), "version 1\nm\n0 0 0 3 3 3 1 1\n1 1 1 0 0 0 1 1\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("m.3dmap.3dscen:4: start [1, 1, 1] is a blocked voxel"), "{err}");

    let (code, err) = bad_input(Some("voxel 4 4 4\n"), "version 1\nm\n0 0 0 3 3 4 1 1\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("m.3dmap.3dscen:3: goal [3, 3, 4] is outside"), "{err}");
}

#[test]
fn wrong_optimal_cost_is_reported_as_mismatch() {
    // The true optimum from (0,0,0) to (3,3,3) in an empty grid is 3√3 ≈ 5.196.
    let (code, err) = bad_input(Some("voxel 4 4 4\n"), "version 1\nm\n0 0 0 3 3 3 6.0 1.0\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("m.3dmap.3dscen:3: cost 5.19615242, optimal 6.00000000"), "{err}");
}

#[test]
fn a_1000_cubed_header_is_refused_before_allocating() {
    let map = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/inputs/voxel-1000-cubed.3dmap");
    let scen = map.with_extension("3dmap.3dscen");
    let run = skylane(&["voxel", map.to_str().unwrap(), scen.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("voxel-1000-cubed.3dmap:1: header `voxel 1000 1000 1000`"), "{stderr}");
    assert!(stderr.contains("above the memory budget of 8 GiB"), "{stderr}");
}
