//! `skylane power`: the breakdown printed, climb and wind, bad vehicles and ranges
//! refused with exit code 2, the SVG plots and custom vehicle files.

use std::process::Command;

use approx::assert_relative_eq;
use nalgebra::Vector3;
use skylane_planner::energy::{model, presets, DroneSpec};

/// Ground elevation of the CMU test site, m above sea level (as in the planner's
/// `tests/power.rs`, whose figures the command must print).
const CMU_GROUND_M: f64 = 267.0;

fn m100() -> DroneSpec {
    presets::find("dji-m100").expect("dji-m100 preset")
}

/// The model's level-flight power at the CMU site (20 degC, calm).
fn level_power(spec: &DroneSpec, payload_kg: f64, speed_mps: f64, agl_m: f64) -> f64 {
    let atm = model::Atmosphere::calm(20.0);
    let v = Vector3::new(speed_mps, 0.0, 0.0);
    model::power(spec, payload_kg, v, CMU_GROUND_M + agl_m, &atm).unwrap().electrical_w
}

fn skylane(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_skylane")).args(args).output().expect("run skylane")
}

#[test]
fn cli_prints_breakdown_and_power_last() {
    let out = skylane(&[
        "power",
        "--vehicle",
        "dji-m100",
        "--payload-kg",
        "0.5",
        "--speed-mps",
        "10",
        "--alt-m",
        "317",
        "--temperature-c",
        "20",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for word in ["induced", "profile", "parasite", "climb", "avionics", "electrical"] {
        assert!(text.contains(word), "missing {word} in\n{text}");
    }
    let last = text.lines().last().unwrap();
    let value: f64 = last.strip_prefix("power_w ").expect("last line is power_w").parse().unwrap();
    assert_relative_eq!(value, level_power(&m100(), 0.5, 10.0, 50.0), max_relative = 1e-3);
}

#[test]
fn cli_climb_and_wind_change_power() {
    let run = |extra: &[&str]| {
        let mut args =
            vec!["power", "--vehicle", "dji-m100", "--payload-kg", "0", "--speed-mps", "8"];
        args.extend_from_slice(extra);
        let out = skylane(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines().last().unwrap()["power_w ".len()..].parse::<f64>().unwrap()
    };
    let base = run(&[]);
    assert!(run(&["--climb-mps", "2"]) > base);
    assert!(run(&["--wind-mps", "6"]) > base, "headwind raises airspeed");
}

#[test]
fn cli_unknown_vehicle_lists_presets_and_exits_2() {
    let out = skylane(&["power", "--vehicle", "nope", "--payload-kg", "0", "--speed-mps", "5"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    for name in presets::names() {
        assert!(err.contains(&name), "{name} not listed in: {err}");
    }
}

#[test]
fn cli_out_of_range_payload_exits_2() {
    let out = skylane(&["power", "--vehicle", "dji-m100", "--payload-kg", "5", "--speed-mps", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("payload"));
}

#[test]
fn cli_writes_svg_plot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.svg");
    let out = skylane(&[
        "power",
        "--vehicle",
        "dji-m100",
        "--payload-kg",
        "0",
        "--speed-mps",
        "5",
        "--plot",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("polyline"), "not an SVG plot");
}

#[test]
fn cli_takes_a_vehicle_file() {
    // A validation airframe written out as a standalone DroneSpec file gives the same
    // power as the model called directly.
    let dir = tempfile::tempdir().unwrap();
    let curve = skylane_planner::energy::validation::curves().remove(0);
    let path = dir.path().join("craft.ron");
    std::fs::write(&path, ron::ser::to_string_pretty(&curve.spec, Default::default()).unwrap())
        .unwrap();
    let out = skylane(&[
        "power",
        "--vehicle",
        path.to_str().unwrap(),
        "--payload-kg",
        "0",
        "--speed-mps",
        "8",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let value: f64 = text.lines().last().unwrap()["power_w ".len()..].parse().unwrap();
    let expected =
        model::power(&curve.spec, 0.0, Vector3::new(8.0, 0.0, 0.0), 0.0, &model::Atmosphere::isa())
            .unwrap()
            .electrical_w;
    assert_relative_eq!(value, expected, max_relative = 1e-4);

    // An invalid file names the problem and exits 2.
    let mut bad = curve.spec.clone();
    bad.rotor_diameter_m = -1.0;
    std::fs::write(&path, ron::ser::to_string(&bad).unwrap()).unwrap();
    let out = skylane(&[
        "power",
        "--vehicle",
        path.to_str().unwrap(),
        "--payload-kg",
        "0",
        "--speed-mps",
        "8",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("rotor_diameter_m"));
}

#[test]
fn cli_plots_every_validation_airframe() {
    let dir = tempfile::tempdir().unwrap();
    let out = skylane(&[
        "power",
        "--vehicle",
        "dji-m100",
        "--payload-kg",
        "0",
        "--speed-mps",
        "5",
        "--plot-validation",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let validation = skylane_planner::energy::validation::curves();
    let left_out = skylane_planner::energy::validation::excluded_curves();
    for curve in validation.iter().chain(&left_out) {
        let svg = std::fs::read_to_string(dir.path().join(format!("{}.svg", curve.name))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("polyline"),
            "{}: no model line",
            curve.name
        );
        // One marker per measured point.
        assert!(
            svg.matches("<circle").count() >= curve.points.len(),
            "{}: points missing",
            curve.name
        );
    }
}
