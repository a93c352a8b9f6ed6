//! 1,000 random depot-to-door path queries over a city: Monaco, or the mission given.
//!
//! `cargo bench -p skylane-planner --bench city_queries [-- MISSION.ron]`
//! (e.g. `$PWD/missions/chicago-day.ron`, the dense Chicago Loop; default
//! `missions/monaco.ron`)
//!
//! Prints per-query time (median, p99, max), the path length over the straight-line
//! length, and as the in-process baseline the time of one straight-line clearance check
//! of the same depot-to-door segment (the cheapest possible "query").
//!
//! Then the prepared baseline: a second planner builds what every depot's queries search
//! before its first query (`CityPlanner::prepare_depot`, on one thread: the corner graph
//! of each layer with the first depot, then each depot's shortest distances over them),
//! answers the same queries, and must give the same answers as the planner that built
//! them on first use.

use std::path::PathBuf;
use std::time::Instant;

use skylane_planner::load::load_mission;
use skylane_planner::mission::Mission;
use skylane_planner::scene::{clearances, CityBenchmark, CITY_QUERY_COUNT, CITY_QUERY_SEED};
use skylane_planner::search::city::{DeliveryPath, NoPath};
use skylane_planner::stats::percentile;
use skylane_planner::verify::closest_approach;
use skylane_planner::world::{TimeSpan, World};

fn main() {
    let arg = std::env::args().skip(1).find(|a| a.ends_with(".ron"));
    let path = arg.map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../missions/monaco.ron")
    });
    // The mission is the user's argument: a bad one is an error message, not a panic.
    let loaded = load_mission(&path).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    println!("{}", path.display());
    let (m, w) = (&loaded.mission, &loaded.world);
    // The same query set as `skylane export-scene` (peer comparisons).
    let bench = CityBenchmark::new(m, w, CITY_QUERY_COUNT, CITY_QUERY_SEED);
    let t0 = Instant::now();
    let span = TimeSpan::always();
    let planner = bench.planner(m, w);
    let build_ms = t0.elapsed().as_secs_f64() * 1e3;
    let rules = clearances(m);
    let (mut times, mut base_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut failures, mut violations) = (0, 0);
    let mut answers = Vec::new();
    for q in &bench.queries {
        let (depot, dest) = (q.depot_m, q.dest_m);
        let t = Instant::now();
        let r = planner.plan_delivery(depot, dest, &rules);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        answers.push(r.clone());
        let t = Instant::now();
        let alt = m.policy.cruise_alt_min_m;
        std::hint::black_box(w.segment_clear(
            [depot[0], depot[1], alt],
            [dest[0], dest[1], alt],
            span,
            m.airspace.clearance_margin_m,
        ));
        base_times.push(t.elapsed().as_secs_f64() * 1e3);
        match r {
            Ok(p) => {
                // Every path goes through the verifier's own clearance test, every 0.5 m,
                // at t = 0: buildings and all-day zones (the planner also avoided the
                // windowed zones, which this check does not see at that time).
                let z = p.cruise_alt_m;
                let breach = p.cruise_path_m.windows(2).find_map(|s| {
                    closest_approach(
                        w,
                        ([s[0][0], s[0][1], z], 0.0),
                        ([s[1][0], s[1][1], z], 0.0),
                        m.airspace.clearance_margin_m,
                    )
                });
                if let Some(b) = breach {
                    violations += 1;
                    eprintln!("path too close: {b:?}");
                }
                let straight = ((p.drop_point_m[0] - depot[0]).powi(2)
                    + (p.drop_point_m[1] - depot[1]).powi(2))
                .sqrt();
                if straight > 1.0 {
                    ratios.push(p.cruise_length_m / straight);
                }
            }
            Err(_) => failures += 1,
        }
    }
    times.sort_by(f64::total_cmp);
    base_times.sort_by(f64::total_cmp);
    ratios.sort_by(f64::total_cmp);
    let median = percentile(&times, 0.5);
    let base_median = percentile(&base_times, 0.5);
    println!(
        "planner build (rasterise {} layers): {build_ms:.0} ms",
        planner.layer_altitudes_m().len()
    );
    let n = bench.queries.len();
    println!("queries {n}, with path {}, no path {failures}", n - failures);
    println!(
        "paths checked by the verifier's clearance test: {}, too close: {violations}",
        n - failures
    );
    println!(
        "query ms: median {median:.3}, p99 {:.3}, max {:.3}, mean {:.3}",
        percentile(&times, 0.99),
        times[times.len() - 1],
        times.iter().sum::<f64>() / times.len() as f64
    );
    println!("baseline straight-line check ms: median {base_median:.4}; query/baseline median ratio {:.1}", median / base_median.max(1e-9));
    println!(
        "path length / straight line: median {:.3}, p99 {:.3}, max {:.3}, mean {:.3}",
        percentile(&ratios, 0.5),
        percentile(&ratios, 0.99),
        ratios[ratios.len() - 1],
        ratios.iter().sum::<f64>() / ratios.len() as f64
    );
    complete_trees_baseline(&bench, m, w, &answers, times.iter().sum());
}

/// Times every depot's preparation (one thread) and the queries after it; checks that
/// they answer as `on_demand` did, in `on_demand_ms` of query time in all.
fn complete_trees_baseline(
    bench: &CityBenchmark,
    m: &Mission,
    w: &World,
    on_demand: &[Result<DeliveryPath, NoPath>],
    on_demand_ms: f64,
) {
    let rules = clearances(m);
    let full = bench.planner(m, w);
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool");
    let layers = full.layer_altitudes_m().len();
    let mut build_ms = 0.0;
    for (d, depot) in bench.depots_m.iter().enumerate() {
        let t = Instant::now();
        one_thread.install(|| full.prepare_depot(*depot));
        let ms = t.elapsed().as_secs_f64() * 1e3;
        build_ms += ms;
        println!(
            "prepare depot {d} ({layers} layers, 1 thread{}): {ms:.0} ms, {:.0} ms per layer",
            if d == 0 { ", with the corner graphs" } else { "" },
            ms / layers as f64
        );
    }
    let t = Instant::now();
    let answers: Vec<_> =
        bench.queries.iter().map(|q| full.plan_delivery(q.depot_m, q.dest_m, &rules)).collect();
    let query_ms = t.elapsed().as_secs_f64() * 1e3;
    let same = answers.iter().zip(on_demand).filter(|(a, b)| a == b).count();
    println!("answers equal to those built on first use: {same} of {}", answers.len());
    assert_eq!(same, answers.len(), "a prepared planner must answer as one built on first use");
    let baseline_ms = build_ms + query_ms;
    println!(
        "all queries: built on first use {on_demand_ms:.0} ms; prepared first {baseline_ms:.0} ms (build {build_ms:.0} + queries {query_ms:.0}); ratio {:.2}",
        on_demand_ms / baseline_ms
    );
}
