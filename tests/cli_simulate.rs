//! `skylane simulate`: the same seed writes byte-identical files, the written plan passes
//! `skylane check`, the summary has a row per fault kind, bad seeds are refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn skylane(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("skylane runs")
}

fn simulate(seed: &str, threads: &str, dir: &Path) -> String {
    let out = skylane(&[
        "simulate",
        "missions/monaco.ron",
        "--faults",
        seed,
        "--threads",
        threads,
        "-o",
        dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names.into_iter().map(|p| (p.file_name().unwrap().into(), std::fs::read(&p).unwrap())).collect()
}

#[test]
fn the_same_seed_writes_the_same_files_on_any_thread_count_and_the_plan_checks() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let summary = simulate("5", "1", a.path());
    simulate("5", "2", b.path());
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert!(fa.iter().any(|(n, _)| n == Path::new("events.log")));
    assert!(fa.iter().any(|(n, _)| n == Path::new("plan.ron")));
    assert_eq!(fa, fb, "seed 5 wrote different files on 1 and 2 threads");
    let kinds = [
        "grounded-drone",
        "cancelled-order",
        "pad-out",
        "wind-limit",
        "van-breakdown",
        "drone-failure",
        "zone-activated",
    ];
    for kind in kinds {
        assert!(summary.lines().any(|l| l.starts_with(kind)), "no row for {kind}:\n{summary}");
    }
    assert!(summary.contains("lost 0, duplicated 0, verifier violations 0"), "{summary}");
    let plan = a.path().join("plan.ron");
    let check = skylane(&["check", plan.to_str().unwrap()]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

#[test]
fn a_bad_seed_range_is_refused() {
    let out = skylane(&["simulate", "missions/monaco.ron", "--seeds", "5..2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--seeds \"5..2\": need A < B"), "{err}");
}
