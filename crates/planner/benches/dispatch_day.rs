//! The Monaco delivery day: whole-day planning time with and without fleet
//! deconfliction, and `Dispatcher` quote latency on a live day with every committed
//! flight's reservations in place.
//!
//! `cargo bench -p skylane-planner --bench dispatch_day [-- MISSION.ron]`
//!
//! In-process baseline: reading the mission and building its world (OSM decode,
//! obstacle index), the fixed cost any plan pays before planning starts.

use std::path::PathBuf;
use std::time::Instant;

use skylane_planner::dispatch::{plan_mission_with, Deconfliction, Dispatcher, QuoteMode};
use skylane_planner::load::load_mission;
use skylane_planner::plan::{Outcome, Plan};
use skylane_planner::stats::percentile;

/// Mean minutes from order to package down over the drone deliveries.
fn mean_drone_minutes(plan: &Plan) -> f64 {
    let times: Vec<f64> = plan
        .outcomes
        .iter()
        .filter_map(|o| match o.outcome {
            Outcome::Drone { flight } => {
                Some((plan.flights[flight].delivered_s - o.placed_s) / 60.0)
            }
            _ => None,
        })
        .collect();
    times.iter().sum::<f64>() / times.len().max(1) as f64
}

fn main() {
    let arg = std::env::args().skip(1).find(|a| a.ends_with(".ron"));
    let path = arg.map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../missions/monaco-day.ron")
    });
    let t = Instant::now();
    // The mission is the user's argument: a bad one is an error message, not a panic.
    let loaded = load_mission(&path).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let load_s = t.elapsed().as_secs_f64();
    let threads = rayon::current_num_threads();
    println!(
        "{}: load mission + world {load_s:.3} s (baseline), {threads} threads",
        path.display()
    );
    println!("| deconfliction | plan s (x baseline) | drone % | late | rejected | mean drone min | flights held / s | other layer |");
    for mode in [Deconfliction::Off, Deconfliction::On] {
        let t = Instant::now();
        let plan =
            plan_mission_with(&loaded.mission, &loaded.world, loaded.map.clone(), &|_, _| {}, mode);
        let plan_s = t.elapsed().as_secs_f64();
        let s = &plan.summary;
        println!(
            "| {mode:?} | {plan_s:.2} ({:.1}x) | {:.1} | {} | {} | {:.2} | {} / {:.0} | {} |",
            plan_s / load_s,
            100.0 * s.by_drone as f64 / s.orders as f64,
            s.late,
            s.rejected,
            mean_drone_minutes(&plan),
            s.separation_delays,
            s.separation_delay_s,
            s.separation_other_layer
        );
    }

    // A live day: the clock follows the orders; every order is quoted, then committed.
    let mut dispatcher = Dispatcher::new(&loaded.mission, &loaded.world);
    // Warm up as a live dispatcher does before its first quote (occupancy layers per set
    // of time-windowed zones, each nest's trees on every layer): the timings below are
    // per-order quotes.
    let t = Instant::now();
    dispatcher.warm_up();
    println!("warm-up {:.2} s", t.elapsed().as_secs_f64());
    let mut orders: Vec<_> = loaded.mission.orders.iter().collect();
    orders.sort_by(|a, b| a.placed_at.seconds().total_cmp(&b.placed_at.seconds()));
    let (mut quote_ms, mut commit_ms) = (Vec::new(), Vec::new());
    let mut by_drone = 0;
    for o in orders {
        dispatcher.advance_to(o.placed_at.seconds());
        let t = Instant::now();
        let q = std::hint::black_box(dispatcher.quote(o));
        quote_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let c = dispatcher.commit(o);
        commit_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(q, c, "a commit books what the quote said");
        by_drone += usize::from(matches!(c.mode, QuoteMode::Drone { .. }));
    }
    for (name, ms) in [("quote", &mut quote_ms), ("commit", &mut commit_ms)] {
        ms.sort_by(f64::total_cmp);
        println!(
            "live {name} ms over {} orders with reservations: median {:.2}, p99 {:.2}, max {:.2}",
            ms.len(),
            percentile(ms, 0.5),
            percentile(ms, 0.99),
            ms[ms.len() - 1]
        );
    }
    let sep = dispatcher.separation();
    println!(
        "live day: {by_drone} by drone, {} flights held {:.0} s for the airspace, {} on another cruise layer",
        sep.delayed, sep.delay_s, sep.other_layer
    );
}
