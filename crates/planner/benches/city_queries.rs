//! 1,000 random depot-to-door path queries over Monaco.
//!
//! `cargo bench -p skylane-planner --bench city_queries`
//!
//! Prints per-query time (median, p99, max), the path length over the straight-line
//! length, and as the in-process baseline the time of one straight-line clearance check
//! of the same depot-to-door segment (the cheapest possible "query").

use std::path::PathBuf;
use std::time::Instant;

use skylane_planner::load::load_mission;
use skylane_planner::search::city::{CityPlanner, CityPlannerConfig, Clearances};
use skylane_planner::world::{Rect, TimeSpan};

/// SplitMix64: a seeded generator in five lines keeps the benchmark free of extra
/// dependencies and its query set fixed across runs.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loaded = load_mission(&root.join("missions/monaco.ron")).expect("monaco loads");
    let (m, w) = (&loaded.mission, &loaded.world);
    let depots: Vec<[f64; 2]> =
        m.depots.iter().map(|d| w.frame.to_local(d.lat_deg, d.lon_deg)).collect();
    let mut area = Rect::empty();
    for d in &depots {
        area.include(*d);
    }
    for o in &m.orders {
        area.include(w.frame.to_local(o.lat_deg, o.lon_deg));
    }
    let area = Rect {
        min: [area.min[0] - 400.0, area.min[1] - 400.0],
        max: [area.max[0] + 400.0, area.max[1] + 400.0],
    };
    let t0 = Instant::now();
    let span = TimeSpan::always();
    let planner = CityPlanner::new(
        w,
        area,
        m.policy.cruise_alt_min_m,
        m.policy.cruise_alt_max_m,
        m.airspace.clearance_margin_m,
        span,
        CityPlannerConfig::default(),
    );
    let build_ms = t0.elapsed().as_secs_f64() * 1e3;
    let rules = Clearances {
        cruise_margin_m: m.airspace.clearance_margin_m,
        delivery_margin_m: m.policy.delivery_margin_m,
        hover_m: m.policy.delivery_hover_m,
        drop_radius_m: m.policy.drop_radius_m,
    };
    let mut rng = 20261125u64;
    let (mut times, mut base_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut failures = 0;
    for q in 0..1000 {
        let depot = depots[q % depots.len()];
        let dest = [
            area.min[0] + 400.0 + splitmix(&mut rng) * (area.max[0] - area.min[0] - 800.0),
            area.min[1] + 400.0 + splitmix(&mut rng) * (area.max[1] - area.min[1] - 800.0),
        ];
        let t = Instant::now();
        let r = planner.plan_delivery(depot, dest, &rules);
        times.push(t.elapsed().as_secs_f64() * 1e3);
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
    println!("queries 1000, with path {}, no path {failures}", 1000 - failures);
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
}
