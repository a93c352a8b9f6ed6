//! `skylane plan` with zone files: it says how many zones it read and used, and
//! `skylane check` rebuilds the same world from the plan (zone files by absolute path)
//! from another working directory.

use std::path::Path;
use std::process::{Command, Output};

fn skylane(args: &[&std::ffi::OsStr], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skylane")).args(args).current_dir(dir).output().unwrap()
}

#[test]
fn plan_reports_zone_files_and_check_rereads_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let mission = tmp.path().join("zones.ron");
    let map = root.join("assets/monaco/monaco-latest.osm.pbf");
    let zones = root.join("assets/geozones");
    std::fs::write(
        &mission,
        format!(
            r#"Mission(
    name: "Monaco, Swiss sample zones",
    origin: (lat_deg: 43.7384, lon_deg: 7.4246),
    map: {map:?},
    airspace: (zones_files: [{:?}, {:?}], date: "2026-12-05", utc_offset_h: 1),
    depots: [(id: "nest", lat_deg: 43.74585, lon_deg: 7.43465, kind: Drone, pads: 1)],
    fleet: (drones: [(model: Preset("dji-m100"), depot: "nest", count: 1)]),
    orders: [(id: "o1", placed_at: "09:00", lat_deg: 43.7391, lon_deg: 7.4262, payload_kg: 0.5)],
)
"#,
            zones.join("geo-awareness-che-1.json"),
            zones.join("cis_source_sample_ed318.json"),
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = skylane(
        &["plan".as_ref(), mission.as_os_str(), "-o".as_ref(), out.as_os_str(), "-q".as_ref()],
        root,
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        stdout.contains(
            "zones     9 read from 2 file(s), 0 used (0 volume(s)); skipped: 9 outside the map"
        ),
        "{stdout}"
    );
    let check = skylane(&["check".as_ref(), out.join("plan.ron").as_os_str()], tmp.path());
    let text = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&check.stderr));
}
