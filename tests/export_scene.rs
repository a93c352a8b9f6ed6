//! `skylane export-scene`: the city benchmark exported for peer planners.
//!
//! Round trip on Monaco with 20 queries (parse the JSON, check counts, that skylane's
//! paths run from each query's start to its goal and keep the clearance), bad input
//! (exit 2, nothing written), and the query set's stated properties (seeded, depots in
//! turn, uniform over the area).

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

/// The benchmark's queries, as its documentation states them: the seed alone fixes
/// them, the depots take turns, and the addresses are uniform over the planning area
/// (the box round depots and orders padded by 400 m) less the pad. The generator's
/// numbers themselves are checked against the published SplitMix64 sequence in
/// `skylane_planner::scene`'s unit tests.
#[test]
fn benchmark_queries_are_seeded_uniform_and_take_the_depots_in_turn() {
    let loaded = load_mission(&monaco()).unwrap();
    let (m, w) = (&loaded.mission, &loaded.world);
    let bench = CityBenchmark::new(m, w, 1000, CITY_QUERY_SEED);
    assert_eq!(bench.queries.len(), 1000);
    assert_eq!(CityBenchmark::new(m, w, 1000, CITY_QUERY_SEED), bench, "same seed, same set");
    let other = CityBenchmark::new(m, w, 1000, CITY_QUERY_SEED + 1);
    assert_ne!(other.queries, bench.queries, "another seed draws another set");

    // The area: the box round depots and orders, padded.
    let mut inner = skylane_planner::world::Rect::empty();
    for d in &m.depots {
        inner.include(w.frame.to_local(d.lat_deg, d.lon_deg));
    }
    for o in &m.orders {
        inner.include(w.frame.to_local(o.lat_deg, o.lon_deg));
    }
    let pad = skylane_planner::scene::CITY_AREA_PAD_M;
    assert_eq!(bench.area.min, [inner.min[0] - pad, inner.min[1] - pad]);
    assert_eq!(bench.area.max, [inner.max[0] + pad, inner.max[1] + pad]);

    // Depots in turn; addresses inside the unpadded box, spread evenly over it: each
    // quarter of the box holds 250 of 1000 uniform draws, give or take 4.5 standard
    // deviations (sd = sqrt(1000 * 1/4 * 3/4) = 13.7).
    let mut quarters = [0usize; 4];
    let mid = [(inner.min[0] + inner.max[0]) / 2.0, (inner.min[1] + inner.max[1]) / 2.0];
    for (i, q) in bench.queries.iter().enumerate() {
        assert_eq!(q.index, i);
        assert_eq!(q.depot, i % m.depots.len());
        assert_eq!(q.depot_m, bench.depots_m[q.depot]);
        let [x, y] = q.dest_m;
        assert!((inner.min[0]..=inner.max[0]).contains(&x), "query {i}: x {x}");
        assert!((inner.min[1]..=inner.max[1]).contains(&y), "query {i}: y {y}");
        quarters[usize::from(x > mid[0]) + 2 * usize::from(y > mid[1])] += 1;
    }
    for (k, n) in quarters.iter().enumerate() {
        assert!((188..=312).contains(n), "quarter {k} holds {n} of 1000: {quarters:?}");
    }
}
