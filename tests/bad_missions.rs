//! Broken mission files (`tests/missions/bad/`): `skylane plan` must refuse each one with
//! exit code 2, write nothing, and print one located error per problem, in file order:
//! `<file>:<line>:<col>: <field>: <message>`.
//!
//! Every file is the same valid two-order Monaco mission ([`BASE`]) broken in one place
//! (except `several-problems.ron`), with the real Monaco map, so the map-level checks run
//! too. Each expectation also names the text found at the reported line and column, so a
//! position that drifts off the field or value fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The valid mission every bad file starts from (map path relative to `bad/`).
const BASE: &str = r#"// A valid two-order Monaco mission; every file in this folder breaks it in one place.
Mission(
    name: "bad input",
    origin: (lat_deg: 43.7384, lon_deg: 7.4246),
    map: "../../../assets/monaco/monaco-latest.osm.pbf",
    airspace: (
        ceiling_agl_m: 120,
        no_fly: [
            (id: "palais", polygon: [
                (lat_deg: 43.7318, lon_deg: 7.4190), (lat_deg: 43.7318, lon_deg: 7.4212),
                (lat_deg: 43.7303, lon_deg: 7.4212), (lat_deg: 43.7303, lon_deg: 7.4190),
            ], ceiling_m: 300),
        ],
    ),
    depots: [
        (id: "nest", lat_deg: 43.728929, lon_deg: 7.416826, kind: Drone, pads: 2),
        (id: "garage", lat_deg: 43.74585, lon_deg: 7.43465, kind: Van),
    ],
    fleet: (
        drones: [(model: Preset("dji-m100"), depot: "nest", count: 2)],
        vans: [(depot: "garage", count: 1)],
    ),
    orders: [
        (id: "A1", placed_at: "09:00", lat_deg: 43.7408958, lon_deg: 7.4236191, payload_kg: 0.4),
        (id: "A2", placed_at: "09:05", lat_deg: 43.7323914, lon_deg: 7.4216832, payload_kg: 1.2),
    ],
)
"#;

/// One expected error line.
struct Expected {
    line: usize,
    column: usize,
    /// Field path; empty for syntax errors.
    field: &'static str,
    /// A distinctive part of the message.
    message: &'static str,
    /// The text of the mission file at `line:column`.
    at: &'static str,
}

const fn at(
    line: usize,
    column: usize,
    field: &'static str,
    message: &'static str,
    at: &'static str,
) -> Expected {
    Expected { line, column, field, message, at }
}

/// One reported error line, parsed.
#[derive(Debug)]
struct Reported {
    line: usize,
    column: usize,
    field: String,
    message: String,
}

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/missions/bad")
}

/// Parses `[error: ]<file>:<line>:<col>: [<field>: ]<message>`.
fn parse_line(file: &str, text: &str) -> Reported {
    let rest = text.strip_prefix("error: ").unwrap_or(text);
    let rest = rest
        .strip_prefix(file)
        .and_then(|r| r.strip_prefix(':'))
        .unwrap_or_else(|| panic!("error line does not start with the file name: {text:?}"));
    let mut parts = rest.splitn(3, ':');
    let mut number = || -> usize {
        parts
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no line:col in {text:?}"))
    };
    let (line, column) = (number(), number());
    let tail = parts.next().and_then(|t| t.strip_prefix(' ')).expect("message");
    // A field path is one word of identifiers, dots and indices, followed by ": ".
    let is_path = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
    };
    let (field, message) = match tail.split_once(": ") {
        Some((f, m)) if is_path(f) => (f.to_string(), m.to_string()),
        _ => (String::new(), tail.to_string()),
    };
    Reported { line, column, field, message }
}

/// The text of `source` from 1-based `line:column` to the end of that line.
fn text_at(source: &str, line: usize, column: usize) -> String {
    let l = source.lines().nth(line - 1).unwrap_or_else(|| panic!("no line {line}"));
    l.chars().skip(column - 1).collect()
}

/// Runs `skylane plan` on `tests/missions/bad/<name>` and checks everything: exit code
/// 2, nothing on stdout, nothing written, and exactly the expected error lines.
fn check(name: &str, expected: &[Expected]) {
    let mission = bad_dir().join(name);
    let source = std::fs::read_to_string(&mission).expect("fixture exists");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_skylane"))
        .arg("plan")
        .arg(&mission)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(2), "{name}: exit code; stderr:\n{stderr}");
    assert!(stdout.is_empty(), "{name}: nothing but errors expected, got stdout:\n{stdout}");
    assert!(!out.exists(), "{name}: the output folder was written");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "{name}: files left next to the output: {leftovers:?}");

    let file = mission.display().to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].starts_with("error: "), "{name}: {stderr}");
    let reported: Vec<Reported> = lines.iter().map(|l| parse_line(&file, l)).collect();
    assert_eq!(
        reported.len(),
        expected.len(),
        "{name}: expected {} problem(s), got:\n{stderr}",
        expected.len()
    );
    for (r, e) in reported.iter().zip(expected) {
        let context = format!("{name}: {r:?}");
        assert_eq!(r.field, e.field, "{context}");
        assert!(r.message.contains(e.message), "{context}: message lacks {:?}", e.message);
        assert_eq!((r.line, r.column), (e.line, e.column), "{context}");
        let found = text_at(&source, r.line, r.column);
        assert!(found.starts_with(e.at), "{context}: position points at {found:?}, not {:?}", e.at);
    }
}

#[test]
fn base_mission_is_valid() {
    // The control: without its one change each bad file would load, so the errors below
    // come from that change alone.
    let tmp = tempfile::tempdir().unwrap();
    let map = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/monaco/monaco-latest.osm.pbf");
    let text = BASE.replace("../../../assets/monaco/monaco-latest.osm.pbf", &map.to_string_lossy());
    assert_ne!(text, BASE, "the base names the Monaco map");
    let path = tmp.path().join("base.ron");
    std::fs::write(&path, text).unwrap();
    let loaded = skylane_planner::load::load_mission(&path).expect("the base mission is valid");
    assert_eq!(loaded.mission.orders.len(), 2);
}

#[test]
fn syntax_error() {
    check("syntax-error.ron", &[at(25, 9, "orders", "Expected comma", "(id: \"A2\"")]);
}

#[test]
fn trailing_text() {
    check("trailing-text.ron", &[at(28, 1, "", "trailing characters", "Mission()")]);
}

#[test]
fn unknown_field() {
    check(
        "unknown-field.ron",
        &[at(25, 98, "orders[1].colour", "Unexpected field named `colour`", "colour: \"red\"")],
    );
}

#[test]
fn missing_field() {
    // Reported at the order that lacks it, not at its closing parenthesis.
    check(
        "missing-field.ron",
        &[at(25, 9, "orders[1]", "missing field named `payload_kg`", "(id: \"A2\"")],
    );
}

#[test]
fn wrong_type() {
    check(
        "wrong-type.ron",
        &[at(25, 81, "orders[1].payload_kg", "Expected float", "payload_kg: \"heavy\"")],
    );
}

#[test]
fn unknown_depot_kind() {
    check(
        "unknown-depot-kind.ron",
        &[at(17, 61, "depots[1].kind", "variant named `Helipad`", "kind: Helipad")],
    );
}

#[test]
fn bad_time() {
    check(
        "bad-time.ron",
        &[at(
            25,
            20,
            "orders[1].placed_at",
            "time \"25:99\" has a field out of range",
            "placed_at",
        )],
    );
}

#[test]
fn negative_payload() {
    check(
        "negative-payload.ron",
        &[at(
            25,
            81,
            "orders[1].payload_kg",
            "must be within 0 < x <= 10000 kg, got -1.2",
            "payload_kg: -1.2",
        )],
    );
}

#[test]
fn latitude_91() {
    // Reported once as out of range, not again as off the map.
    check(
        "latitude-91.ron",
        &[at(24, 40, "orders[0].lat_deg", "latitude must be in -90..=90, got 91", "lat_deg: 91.0")],
    );
}

#[test]
fn destination_off_the_map() {
    // Nice is inside the extent of the Monaco extract's nodes, but not of its buildings
    // and roads.
    check(
        "destination-off-map.ron",
        &[at(25, 9, "orders[1]", "destination of order \"A2\" is outside the map", "(id: \"A2\"")],
    );
}

#[test]
fn unknown_depot() {
    check(
        "unknown-depot.ron",
        &[at(20, 46, "fleet.drones[0].depot", "unknown depot \"nets\"", "depot: \"nets\"")],
    );
}

#[test]
fn drones_at_van_depot() {
    check(
        "drones-at-van-depot.ron",
        &[at(
            20,
            46,
            "fleet.drones[0].depot",
            "is a van depot, not a drone nest",
            "depot: \"garage\"",
        )],
    );
}

#[test]
fn depot_inside_a_building() {
    check(
        "depot-in-building.ron",
        &[at(17, 9, "depots[1]", "lies inside building osm", "(id: \"garage\"")],
    );
}

#[test]
fn unknown_drone_preset() {
    check(
        "unknown-preset.ron",
        &[at(20, 19, "fleet.drones[0].model", "unknown drone preset \"dji-m1000\"", "model:")],
    );
}

#[test]
fn duplicate_order_id() {
    check(
        "duplicate-order-id.ron",
        &[at(25, 10, "orders[1].id", "duplicate order id \"A1\"", "id: \"A1\"")],
    );
}

#[test]
fn empty_order_list() {
    check("empty-orders.ron", &[at(23, 5, "orders", "the mission has no orders", "orders: []")]);
}

#[test]
fn missing_map_file() {
    check(
        "missing-map-file.ron",
        &[at(5, 5, "map", "monaco-missing.osm.pbf not found", "map: \"../../../assets/monaco/")],
    );
}

#[test]
fn truncated_map() {
    // truncated.osm.pbf is the first 4 KiB of the Monaco extract.
    check(
        "truncated-pbf.ron",
        &[at(5, 5, "map", "cannot read OpenStreetMap extract", "map: \"truncated.osm.pbf\"")],
    );
}

#[test]
fn garbage_map() {
    check(
        "garbage-pbf.ron",
        &[at(5, 5, "map", "cannot read OpenStreetMap extract", "map: \"garbage.osm.pbf\"")],
    );
}

#[test]
fn decoder_panic_is_a_quiet_located_error() {
    // osmpbf panics on a relation member of unknown type; `check` also asserts that
    // stderr holds nothing but the located error (no "panicked at").
    check(
        "decoder-panic.ron",
        &[at(6, 5, "map", "the decoder stopped", "map: \"relation-member-type.osm.pbf\"")],
    );
}

#[test]
fn invalid_utf8_is_located_at_its_first_bad_byte() {
    let mission = bad_dir().join("invalid-utf8.ron");
    let run = Command::new(env!("CARGO_BIN_EXE_skylane"))
        .arg("plan")
        .arg(&mission)
        .args(["-q", "-o"])
        .arg(tempfile::tempdir().unwrap().path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    let expected = format!("error: {}:3:22: byte 0xFF is not UTF-8", mission.display());
    assert!(stderr.starts_with(&expected), "expected {expected:?}, got {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn custom_drone_cruising_at_1e_minus_308() {
    check(
        "tiny-cruise-speed.ron",
        &[at(
            26,
            38,
            "fleet.drones[0].model.cruise_speed_mps",
            "must be within 0.5..=100 m/s, got 1e-308",
            "cruise_speed_mps: 1e-308",
        )],
    );
}

#[test]
fn two_point_zone() {
    check(
        "two-point-zone.ron",
        &[at(9, 28, "airspace.no_fly[0].polygon", "needs 3..=2000 points, got 2", "polygon: [")],
    );
}

#[test]
fn self_crossing_zone() {
    check(
        "self-crossing-zone.ron",
        &[at(9, 28, "airspace.no_fly[0].polygon", "the outline crosses itself", "polygon: [")],
    );
}

#[test]
fn zero_ceiling() {
    // One problem: the cruise band is not also reported as above a 0 m ceiling.
    check(
        "zero-ceiling.ron",
        &[at(
            7,
            9,
            "airspace.ceiling_agl_m",
            "must be within 0 < x <= 1000 m, got 0",
            "ceiling_agl_m: 0",
        )],
    );
}

#[test]
fn cruise_band_above_ceiling() {
    check(
        "cruise-above-ceiling.ron",
        &[at(
            23,
            14,
            "policy.cruise_alt_min_m",
            "above the airspace ceiling (120 m)",
            "cruise_alt_min_m: 130",
        )],
    );
}

#[test]
fn ceiling_below_default_cruise_band() {
    // The mission has no `policy` section: the problem is reported at the top-level
    // `Mission(`, not at line 1 (a comment).
    check(
        "low-ceiling.ron",
        &[at(2, 1, "policy.cruise_alt_min_m", "above the airspace ceiling (30 m)", "Mission(")],
    );
}

#[test]
fn several_problems_are_reported_at_once() {
    // Problems in the file and against the map come together, sorted by position.
    check(
        "several-problems.ron",
        &[
            at(
                7,
                9,
                "airspace.ceiling_agl_m",
                "must be within 0 < x <= 1000 m, got -5",
                "ceiling_agl_m: -5",
            ),
            at(21, 17, "fleet.vans[0].depot", "unknown depot \"depot-9\"", "depot: \"depot-9\""),
            at(24, 40, "orders[0].lat_deg", "latitude must be in -90..=90", "lat_deg: 91.0"),
            at(25, 9, "orders[1]", "destination of order \"A2\" is outside the map", "(id: \"A2\""),
            at(
                25,
                75,
                "orders[1].payload_kg",
                "must be within 0 < x <= 10000 kg, got 0",
                "payload_kg: 0",
            ),
        ],
    );
}

// The hostile numbers of issue #18: each one once hung, aborted on an allocation or was
// accepted; each is now refused at the boundary with the allowed range.

#[test]
fn ceiling_of_1e308() {
    let msg = "must be within 0 < x <= 1000 m, got 1e308";
    check("huge-ceiling.ron", &[at(7, 9, "airspace.ceiling_agl_m", msg, "ceiling_agl_m: 1e308")]);
}

#[test]
fn clearance_margin_of_1e308() {
    // One problem: the pads are not also reported as not fitting with that margin.
    let msg = "must be within 0..=100 m, got 1e308";
    let field = "airspace.clearance_margin_m";
    check("huge-margin.ron", &[at(8, 9, field, msg, "clearance_margin_m: 1e308")]);
}

#[test]
fn fleet_of_4294967295_drones() {
    let msg = "must be within 1..=10000, got 4294967295";
    let field = "fleet.drones[0].count";
    check("huge-drone-count.ron", &[at(20, 61, field, msg, "count: 4294967295")]);
}

#[test]
fn lowering_for_9e15_seconds() {
    let msg = "must be within 1 <= x <= 3600, got 9e15";
    check("huge-lowering.ron", &[at(23, 14, "policy.lowering_s", msg, "lowering_s: 9e15")]);
}

#[test]
fn lowering_in_no_time() {
    // Once accepted, and the plan it made failed its own verifier.
    let msg = "must be within 1 <= x <= 3600, got 0";
    check("zero-lowering.ron", &[at(23, 14, "policy.lowering_s", msg, "lowering_s: 0")]);
}

#[test]
fn map_path_naming_an_endless_device() {
    let msg = "/dev/zero is not a regular file";
    check("endless-map.ron", &[at(5, 5, "map", msg, "map: \"/dev/zero\"")]);
}

#[test]
fn order_placed_at_1e308_hours() {
    let msg = "time \"1e308:00\" is past 48:00";
    check("time-1e308.ron", &[at(25, 20, "orders[1].placed_at", msg, "placed_at")]);
}

#[test]
fn zone_of_2001_points() {
    let msg = "a zone needs 3..=2000 points, got 2001";
    let field = "airspace.no_fly[0].polygon";
    check("zone-2001-points.ron", &[at(9, 28, field, msg, "polygon: [")]);
}

#[test]
fn locker_problems_are_located() {
    check(
        "locker-problems.ron",
        &[
            at(21, 10, "lockers[1].id", "duplicate locker id \"port\"", "id: \"port\""),
            at(
                21,
                59,
                "lockers[1].compartments",
                "must be within 1..=10000, got 0",
                "compartments: 0",
            ),
            at(
                21,
                89,
                "lockers[1].hold_h",
                "must be within 0 < x <= 168 hours, got 0",
                "hold_h: 0",
            ),
            at(29, 40, "orders[1].locker", "unknown locker \"harbour\"", "locker: \"harbour\""),
        ],
    );
}

#[test]
fn locker_inside_a_building() {
    check(
        "locker-in-building.ron",
        &[at(20, 9, "lockers[0]", "lies inside building osm 94399978", "(id: \"port\"")],
    );
}

#[test]
fn order_to_a_locker_and_coordinates() {
    check(
        "locker-and-coordinates.ron",
        &[at(28, 9, "orders[1]", "give exactly one of the two", "(id: \"A2\"")],
    );
}

#[test]
fn every_bad_file_has_a_test() {
    // A fixture added without an expectation would silently test nothing.
    let tested = include_str!("bad_missions.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(bad_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".ron") && !tested.contains(&format!("\"{name}\"")) {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "bad missions without a test: {missing:?}");
}
