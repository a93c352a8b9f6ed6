//! Finds the nearest spot to a position whose vertical column up to a height keeps a
//! clearance margin from every building: where a drone nest can go.
//!
//! `cargo run -p skylane-planner --example open_ground -- MISSION.ron LAT LON [MARGIN_M] [HEIGHT_M]`

use skylane_planner::mission::Mission;
use skylane_planner::world::{TimeSpan, World};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: open_ground MISSION.ron LAT LON [MARGIN_M] [HEIGHT_M]");
        std::process::exit(2);
    }
    let fail = |msg: String| -> ! {
        eprintln!("error: {msg}");
        std::process::exit(2)
    };
    let path = std::path::Path::new(&args[1]);
    // Parse without full validation: the point of the tool is to fix invalid depots.
    let (mission, _) = Mission::read(path).unwrap_or_else(|e| fail(e.to_string()));
    let base = path.parent().unwrap_or(std::path::Path::new("."));
    let world = World::load(&mission, base).unwrap_or_else(|e| fail(e.to_string()));
    let number = |s: &str, what: &str| -> f64 {
        s.parse().unwrap_or_else(|_| fail(format!("{what} must be a number, got {s:?}")))
    };
    let lat = number(&args[2], "LAT");
    let lon = number(&args[3], "LON");
    let margin: f64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(6.0);
    let height: f64 = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(100.0);
    let c = world.frame.to_local(lat, lon);
    for r in 0..300 {
        let n = (r * 8).max(1);
        for k in 0..n {
            let a = k as f64 / n as f64 * std::f64::consts::TAU;
            let p = [c[0] + r as f64 * a.cos(), c[1] + r as f64 * a.sin()];
            if world.segment_clear(
                [p[0], p[1], 0.0],
                [p[0], p[1], height],
                TimeSpan::always(),
                margin,
            ) {
                let (la, lo) = world.frame.to_geodetic(p);
                println!("{la:.6} {lo:.6} ({r} m away)");
                return;
            }
        }
    }
    println!("nothing within 300 m");
}
