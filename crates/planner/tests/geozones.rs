//! Zone files end to end: a drone detours a zone read from a published ED-269 sample,
//! the verifier catches a plan edited to cross it, and a mission on the Monaco map
//! reads zone files, reports what it used, and locates errors in them.

mod common_monaco;

use std::path::PathBuf;

use common_monaco::repo_root;
use skylane_planner::airspace::{world_zones, ZoneFile, ZoneSettings};
use skylane_planner::dispatch::plan_mission;
use skylane_planner::geo::LocalFrame;
use skylane_planner::load::{load_mission, LoadError};
use skylane_planner::mission::{Mission, MissionError};
use skylane_planner::plan::{MapRef, Outcome, Phase, Plan};
use skylane_planner::verify::{verify, Rule};
use skylane_planner::world::{Rect, World};

fn che1() -> PathBuf {
    repo_root().join("assets/geozones/geo-awareness-che-1.json")
}

/// A nest west of Lausanne Airport's first volume (the rectangle 6.609821..6.624755 E,
/// 46.532886..46.558624 N, ground to 120 m AGL, prohibited) and an order east of it, on
/// a line through its southern part. The triangles of its other two volumes (from 30 and
/// 60 m up) lie north-west of a diagonal that this scene stays south of.
fn lausanne_mission() -> Mission {
    let text = r#"Mission(
        name: "Lausanne detour",
        origin: (lat_deg: 46.5345, lon_deg: 6.6060),
        map: "none.osm.pbf",
        airspace: (zones_files: ["geo-awareness-che-1.json"]),
        depots: [(id: "nest", lat_deg: 46.5345, lon_deg: 6.6060, kind: Drone, pads: 1)],
        fleet: (drones: [(model: Preset("dji-m350-rtk"), depot: "nest", count: 1)]),
        orders: [(id: "east", placed_at: "10:00", lat_deg: 46.5345, lon_deg: 6.6290,
                  payload_kg: 1.0)],
    )"#;
    Mission::from_ron_str(text, "lausanne.ron").unwrap()
}

/// The scene as a world without buildings: the file's zones, or none.
fn lausanne_world(mission: &Mission, with_zones: bool) -> World {
    let frame = LocalFrame::new(mission.origin.lat_deg, mission.origin.lon_deg);
    let area = Rect { min: [-3000.0, -3000.0], max: [5000.0, 5000.0] };
    let zones = if with_zones {
        let file = ZoneFile::read(&che1()).unwrap();
        let (zones, usage) =
            world_zones(&[file], &ZoneSettings::from_mission(mission), &frame, area).unwrap();
        // Lausanne Airport's three volumes; the other zones are far away.
        assert_eq!((usage.read, usage.used, usage.outside_map), (6, 1, 5), "{usage}");
        zones
    } else {
        Vec::new()
    };
    World::new(frame, Vec::new(), zones, Vec::new(), 120.0, area)
}

fn plan(mission: &Mission, world: &World) -> Plan {
    let map = MapRef { path: "none.osm.pbf".into(), sha256: String::new() };
    plan_mission(mission, world, map, &|_, _| {})
}

#[test]
fn a_drone_detours_a_zone_from_the_file_and_the_verifier_catches_a_crossing() {
    let mission = lausanne_mission();
    let world = lausanne_world(&mission, true);
    let zoned = plan(&mission, &world);
    assert!(matches!(zoned.outcomes[0].outcome, Outcome::Drone { .. }), "{:?}", zoned.outcomes[0]);
    assert!(verify(&zoned, &world).is_empty(), "{:?}", verify(&zoned, &world));
    let f = &zoned.flights[0];
    // The straight line (1.76 km each way) crosses the rectangle; the flight goes
    // around its southern side.
    let rectangle = &world.zones[0];
    assert_eq!(rectangle.id, "Lausanne Airport (volume 1 of 3)");
    for s in &f.samples {
        assert!(rectangle.footprint.distance([s.pos_m[0], s.pos_m[1]]) >= 5.0 - 1e-6);
    }
    let south_edge = world.frame.to_local(46.532886, 6.617)[1];
    assert!(f.samples.iter().any(|s| s.pos_m[1] < south_edge - 5.0));

    // Without the file the same order flies straight through the zone.
    let open_world = lausanne_world(&mission, false);
    let open = plan(&mission, &open_world);
    let g = &open.flights[0];
    println!(
        "Lausanne Airport: {:.0} m flown around the zone, {:.0} m straight through it \
         (straight line {:.0} m); delivered {:.1} vs {:.1} min after the order",
        f.path_length_m,
        g.path_length_m,
        f.straight_line_m,
        (f.delivered_s - 36_000.0) / 60.0,
        (g.delivered_s - 36_000.0) / 60.0
    );
    assert!(
        f.path_length_m > g.path_length_m + 100.0,
        "detour {} m vs straight {} m",
        f.path_length_m,
        g.path_length_m
    );

    // Hand-edit the zoned plan: the open plan's straight cruise through the zone.
    let mut edited = zoned.clone();
    let straight_cruise: Vec<_> = g.samples.iter().filter(|s| s.phase == Phase::Outbound).collect();
    let mid = straight_cruise[straight_cruise.len() / 2];
    assert!(rectangle.footprint.contains([mid.pos_m[0], mid.pos_m[1]]));
    let k = edited.flights[0].samples.iter().position(|s| s.phase == Phase::Outbound).unwrap();
    let t = edited.flights[0].samples[k].t_s;
    edited.flights[0].samples[k + 1].pos_m = mid.pos_m;
    assert!(edited.flights[0].samples[k + 1].t_s > t);
    let violations = verify(&edited, &world);
    let crossing = violations
        .iter()
        .find(|v| v.rule == Rule::Clearance)
        .unwrap_or_else(|| panic!("no clearance violation in {violations:?}"));
    assert!(crossing.message.contains("Lausanne Airport"), "{crossing}");
    // The same edited plan in the world without the file has no clearance problem:
    // the violation comes from the file's zone.
    assert!(verify(&edited, &open_world).iter().all(|v| v.rule != Rule::Clearance));
}

/// Writes a mission on the Monaco map with the given zone files into a temp folder.
fn monaco_mission_with(dir: &std::path::Path, files: &[&str]) -> PathBuf {
    let map = repo_root().join("assets/monaco/monaco-latest.osm.pbf");
    let list: Vec<String> = files.iter().map(|f| format!("{f:?}")).collect();
    let text = format!(
        r#"Mission(
    name: "Monaco with zone files",
    origin: (lat_deg: 43.7384, lon_deg: 7.4246),
    map: {map:?},
    airspace: (
        zones_files: [{}],
        authorisations: ["LSZB003"],
    ),
    depots: [(id: "nest", lat_deg: 43.74585, lon_deg: 7.43465, kind: Drone, pads: 1)],
    fleet: (drones: [(model: Preset("dji-m100"), depot: "nest", count: 1)]),
    orders: [(id: "o1", placed_at: "09:00", lat_deg: 43.7391, lon_deg: 7.4262, payload_kg: 0.5)],
)
"#,
        list.join(", ")
    );
    let path = dir.join("mission.ron");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_monaco_mission_reads_zone_files_and_locates_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let che = dir.path().join("che.json");
    std::fs::copy(che1(), &che).unwrap();
    let ed318 = dir.path().join("ed318.geojson");
    std::fs::copy(repo_root().join("assets/geozones/cis_source_sample_ed318.json"), &ed318)
        .unwrap();
    let path = monaco_mission_with(dir.path(), &["che.json", "ed318.geojson"]);
    let loaded = load_mission(&path).unwrap();
    // Nine Swiss zones, all far from Monaco: read, then dropped by the bounding box.
    let z = &loaded.zones;
    assert_eq!((z.files, z.read, z.outside_map, z.used), (2, 9, 9, 0), "{z}");
    // The plan's mission names the files by absolute path, so a checker elsewhere
    // rebuilds the same world.
    assert!(loaded.mission.airspace.zones_files.iter().all(|f| PathBuf::from(f).is_absolute()));

    // A broken zone: the error names the mission field (located), the file, the zone
    // and the field inside the file.
    let text = std::fs::read_to_string(&che).unwrap();
    std::fs::write(
        &che,
        text.replacen(r#""uomDimensions": "FT""#, r#""uomDimensions": "FATHOM""#, 1),
    )
    .unwrap();
    // The broken zone is in Switzerland: only a mission whose area reaches it reads it
    // further than its geometry, so a Monaco mission still loads.
    assert!(load_mission(&path).is_ok());
    std::fs::write(&che, text.replacen(r#""type": "Circle""#, r#""type": "Ellipse""#, 1)).unwrap();
    let err = load_mission(&path).unwrap_err();
    let LoadError::Mission(MissionError::Invalid { problems, .. }) = &err else { panic!("{err}") };
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p.field, "airspace.zones_files[0]");
    assert_eq!(p.line, 6, "{p:?}");
    assert!(p.message.contains("che.json: zone \"Montreux Concert Area\""), "{}", p.message);
    assert!(
        p.message.contains("features[0].geometry[0].horizontalProjection.type"),
        "{}",
        p.message
    );

    // A missing file is a located problem too.
    let path = monaco_mission_with(dir.path(), &["che.json", "missing.json"]);
    std::fs::copy(che1(), &che).unwrap();
    let err = load_mission(&path).unwrap_err().to_string();
    assert!(err.contains("airspace.zones_files[1]") && err.contains("not found"), "{err}");
}
