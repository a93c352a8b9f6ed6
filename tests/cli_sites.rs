//! `skylane sites`: a rooftop spot near the Grimaldi Forum, and `--add 1` on the Monaco
//! rooftop mission, whose claimed coverage `skylane coverage` confirms on the mission it
//! writes.

use std::path::Path;
use std::process::{Command, Output};

fn skylane(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// The number after `prefix` at the start of a line of `text`.
fn number_after(text: &str, prefix: &str) -> usize {
    let line = text.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{text}"));
    line[prefix.len()..].split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn near_the_grimaldi_forum_its_roof_is_suggested() {
    let run = skylane(&[
        "sites".as_ref(),
        "missions/monaco.ron".as_ref(),
        "--near".as_ref(),
        "43.743937,7.431819".as_ref(),
    ]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&run.stderr));
    let first = text.lines().next().unwrap();
    assert!(
        first.contains("0 m away") && first.contains("roof of building osm 94452775 at 13.0 m")
    );
}

#[test]
fn add_one_nest_and_coverage_confirms_the_gain() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sites");
    let run = skylane(&[
        "sites".as_ref(),
        "missions/monaco-rooftop.ron".as_ref(),
        "--add".as_ref(),
        "1".as_ref(),
        "--spacing-m".as_ref(),
        "1000".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&run.stderr));
    let before = number_after(&text, "before");
    let after = number_after(&text, "after");
    assert!(after > before, "the new nest gains addresses: {text}");
    let snippet = std::fs::read_to_string(out.join("snippet.ron")).unwrap();
    assert!(snippet.contains("id: \"nest-new-1\""), "{snippet}");

    let mission = out.join("mission.ron");
    let cov = skylane(&[
        "coverage".as_ref(),
        mission.as_os_str(),
        "-o".as_ref(),
        tmp.path().join("coverage.geojson").as_os_str(),
    ]);
    let report = String::from_utf8_lossy(&cov.stdout);
    assert_eq!(cov.status.code(), Some(0), "{report}{}", String::from_utf8_lossy(&cov.stderr));
    assert!(report.contains("nest-new-1/dji-m100"), "{report}");
    assert_eq!(number_after(&report, "addresses"), after, "{report}\n---\n{text}");
    assert!(Path::new(&out.join("sites.geojson")).exists());

    // The file reads back (as the replay's coverage layer reads it): 50 m squares in the
    // mission's frame, every one within the promise.
    let m = skylane_planner::mission::Mission::load(&mission).unwrap();
    let frame = skylane_planner::geo::LocalFrame::new(m.origin.lat_deg, m.origin.lon_deg);
    let text = std::fs::read_to_string(tmp.path().join("coverage.geojson")).unwrap();
    let areas = skylane_planner::coverage::read_union_geojson(&text, &frame).unwrap();
    assert!(!areas.is_empty());
    for a in &areas {
        assert!(a.minutes > 0.0 && a.minutes <= 30.0, "{}", a.minutes);
        let side = ((a.ring_m[1][0] - a.ring_m[0][0]).powi(2)
            + (a.ring_m[1][1] - a.ring_m[0][1]).powi(2))
        .sqrt();
        approx::assert_abs_diff_eq!(side, 50.0, epsilon = 0.05);
    }
}
