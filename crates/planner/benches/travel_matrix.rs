//! A 100 x 100 van travel-time matrix over Monaco's road graph.
//!
//! `cargo bench -p skylane-planner --bench travel_matrix`
//!
//! Prints the matrix time (wall and CPU; the matrix runs its sources in parallel) and,
//! as the in-process baseline, the same matrix computed one full single-source Dijkstra
//! at a time on one thread, with the ratio of the two. Stops are `RoadGraph::sample_nodes`
//! with seed 42 (as in the road tests).

use std::path::PathBuf;
use std::time::Instant;

use skylane_planner::ground::roads::RoadGraph;
use skylane_planner::load::load_mission;

/// User + system CPU time of this process, s, from `/proc/self/stat` (Linux; `None`
/// elsewhere). Clock ticks are taken as the usual 100 per second.
fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loaded = load_mission(&root.join("missions/monaco.ron")).expect("monaco loads");
    let g = RoadGraph::from_roads(&loaded.world.roads);
    let stops = g.sample_nodes(100, 42);
    let _ = g.travel_matrix(&stops[..4]);
    let runs = 10;
    let cpu_start_s = process_cpu_s();
    let start = Instant::now();
    let mut longest_s = 0.0;
    for _ in 0..runs {
        let m = g.travel_matrix(&stops);
        longest_s = m.time_s.iter().copied().fold(0.0, f64::max);
    }
    let matrix_ms = start.elapsed().as_secs_f64() * 1e3 / runs as f64;
    let cpu = match (cpu_start_s, process_cpu_s()) {
        (Some(a), Some(b)) => format!("{:.1} ms CPU", (b - a) * 1e3 / runs as f64),
        _ => "CPU time unknown".to_string(),
    };
    let start = Instant::now();
    for _ in 0..runs {
        for &s in &stops {
            std::hint::black_box(g.shortest_times_from(s));
        }
    }
    let baseline_ms = start.elapsed().as_secs_f64() * 1e3 / runs as f64;
    println!(
        "100x100 travel matrix over {} nodes: {matrix_ms:.1} ms wall, {cpu} ({} threads); longest trip {longest_s:.0} s",
        g.node_count(),
        rayon::current_num_threads()
    );
    println!(
        "baseline, 100 single-source Dijkstras one after another: {baseline_ms:.1} ms; ratio matrix / baseline {:.2}",
        matrix_ms / baseline_ms
    );
}
