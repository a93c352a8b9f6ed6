//! `skylane export-scene`: the city benchmark exported for peer planners.
//!
//! Round trip on Monaco with 20 queries (parse the JSON, check counts, that skylane's
//! paths run from each query's start to its goal and keep the clearance), bad input
//! (exit 2, nothing written), and that the shared query generator still draws the
//! benchmark's original query set.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use skylane_planner::load::load_mission;
use skylane_planner::scene::{CityBenchmark, CITY_QUERY_SEED};
use skylane_planner::world::TimeSpan;

fn skylane(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn monaco() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("missions/monaco.ron")
}

fn point(v: &Value) -> [f64; 3] {
    let a = v.as_array().expect("a point is an array");
    assert_eq!(a.len(), 3, "3D point expected, got {v}");
    [a[0].as_f64().unwrap(), a[1].as_f64().unwrap(), a[2].as_f64().unwrap()]
}

#[test]
fn exports_monaco_queries_with_skylane_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sub/scene.json");
    let run = skylane(&[
        "export-scene".as_ref(),
        "missions/monaco.ron".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
        "--queries".as_ref(),
        "20".as_ref(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "export-scene failed:\n{stderr}");
    let scene: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    // No temporary file left next to the output.
    let names: Vec<String> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["scene.json"]);

    assert_eq!(scene["format"], "skylane-scene/1");
    assert_eq!(scene["seed"], CITY_QUERY_SEED);
    assert_eq!(scene["ceiling_m"], 120.0);
    assert_eq!(scene["clearance_margin_m"], 5.0);
    // Same world as the planner: every building and every zone (windows ignored).
    let loaded = load_mission(&monaco()).unwrap();
    let world = &loaded.world;
    let obstacles = scene["obstacles"].as_array().unwrap();
    assert_eq!(obstacles.len(), world.buildings.len() + world.zones.len());
    let zones = obstacles.iter().filter(|o| o["kind"] == "zone").count();
    assert_eq!(zones, world.zones.len());
    for o in obstacles {
        assert!(o["z_min_m"].as_f64().unwrap() < o["z_max_m"].as_f64().unwrap(), "{o}");
        assert!(o["footprint"]["outer"].as_array().unwrap().len() >= 3);
    }

    let queries = scene["queries"].as_array().unwrap();
    assert_eq!(queries.len(), 20);
    let mut solved = 0;
    for (i, q) in queries.iter().enumerate() {
        assert_eq!(q["index"], i);
        let sky = &q["skylane"];
        assert!(sky["time_ms"].as_f64().unwrap() >= 0.0);
        if sky["solved"] != true {
            assert!(q["start_m"].is_null() && q["goal_m"].is_null());
            assert!(sky["reason"].is_string());
            continue;
        }
        solved += 1;
        let (start, goal) = (point(&q["start_m"]), point(&q["goal_m"]));
        let path: Vec<[f64; 3]> = sky["path_m"].as_array().unwrap().iter().map(point).collect();
        assert!(path.len() >= 2);
        assert_eq!(path[0], start, "query {i}: the path starts at the query's start");
        assert_eq!(*path.last().unwrap(), goal, "query {i}: the path ends at the goal");
        let depot = &q["depot_m"];
        assert_eq!([start[0], start[1]], [depot[0].as_f64().unwrap(), depot[1].as_f64().unwrap()]);
        let alt = sky["cruise_alt_m"].as_f64().unwrap();
        assert!(start[2] == alt && goal[2] == alt);
        let length: f64 = path
            .windows(2)
            .map(|w| {
                ((w[1][0] - w[0][0]).powi(2)
                    + (w[1][1] - w[0][1]).powi(2)
                    + (w[1][2] - w[0][2]).powi(2))
                .sqrt()
            })
            .sum();
        assert!((length - sky["length_m"].as_f64().unwrap()).abs() < 1e-6);
        for w in path.windows(2) {
            assert!(world.segment_clear(w[0], w[1], TimeSpan::always(), 5.0), "query {i}");
        }
    }
    assert!(solved >= 15, "most Monaco queries have a path, got {solved}/20");
}

#[test]
fn bad_mission_path_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("scene.json");
    let run = skylane(&[
        "export-scene".as_ref(),
        "missions/no-such-mission.ron".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("no-such-mission.ron"), "the error names the file: {stderr}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "nothing written");
}

/// The benchmark's query generator before it moved into `skylane_planner::scene`,
/// verbatim: the shared generator must draw exactly the same queries.
#[test]
fn shared_generator_draws_the_original_benchmark_queries() {
    fn splitmix(state: &mut u64) -> f64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }
    let loaded = load_mission(&monaco()).unwrap();
    let (m, w) = (&loaded.mission, &loaded.world);
    let depots: Vec<[f64; 2]> =
        m.depots.iter().map(|d| w.frame.to_local(d.lat_deg, d.lon_deg)).collect();
    let mut area = skylane_planner::world::Rect::empty();
    for d in &depots {
        area.include(*d);
    }
    for o in &m.orders {
        area.include(w.frame.to_local(o.lat_deg, o.lon_deg));
    }
    let area = skylane_planner::world::Rect {
        min: [area.min[0] - 400.0, area.min[1] - 400.0],
        max: [area.max[0] + 400.0, area.max[1] + 400.0],
    };
    let bench = CityBenchmark::new(m, w, 1000, 20261125);
    assert_eq!(bench.area, area);
    assert_eq!(bench.queries.len(), 1000);
    let mut rng = 20261125u64;
    for q in 0..1000 {
        let depot = depots[q % depots.len()];
        let dest = [
            area.min[0] + 400.0 + splitmix(&mut rng) * (area.max[0] - area.min[0] - 800.0),
            area.min[1] + 400.0 + splitmix(&mut rng) * (area.max[1] - area.min[1] - 800.0),
        ];
        assert_eq!(bench.queries[q].depot_m, depot);
        assert_eq!(bench.queries[q].dest_m, dest, "query {q}");
    }
}
