//! The Monaco delivery day: whole-day planning time and `Dispatcher::quote` latency.
//!
//! `cargo bench -p skylane-planner --bench dispatch_day`
//!
//! In-process baseline: reading the mission and building its world (OSM decode,
//! obstacle index), the fixed cost any plan pays before planning starts.

use std::path::PathBuf;
use std::time::Instant;

use skylane_planner::dispatch::{plan_mission, Dispatcher};
use skylane_planner::load::load_mission;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../missions/monaco-day.ron");
    let t = Instant::now();
    let loaded = load_mission(&path).expect("day mission loads");
    let load_s = t.elapsed().as_secs_f64();
    let threads = rayon::current_num_threads();
    let t = Instant::now();
    let plan = plan_mission(&loaded.mission, &loaded.world, loaded.map.clone(), &|_, _| {});
    let plan_s = t.elapsed().as_secs_f64();
    println!(
        "orders {}: drone {}, van {}, rejected {}",
        plan.summary.orders, plan.summary.by_drone, plan.summary.by_van, plan.summary.rejected
    );
    println!("load mission + world: {load_s:.3} s (baseline)");
    println!(
        "plan the day on {threads} threads: {plan_s:.3} s ({:.1}x the baseline)",
        plan_s / load_s
    );

    let dispatcher = Dispatcher::new(&loaded.mission, &loaded.world);
    // Warm the planner cache (rasterising the occupancy layers happens once per set of
    // active time-windowed zones) so the timings below are per-order quotes.
    for o in &loaded.mission.orders {
        let _ = dispatcher.quote(o);
    }
    let mut ms = Vec::new();
    for o in &loaded.mission.orders {
        let t = Instant::now();
        std::hint::black_box(dispatcher.quote(o));
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "quote ms over {} orders: median {:.2}, p99 {:.2}, max {:.2}",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1]
    );
}
