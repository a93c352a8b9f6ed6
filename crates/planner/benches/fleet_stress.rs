//! Deconfliction under load: a thousand real delivery flights over one city in one hour.
//!
//! `cargo bench -p skylane-planner --bench fleet_stress [-- MISSION.ron]`
//!
//! The flights are the real trajectories of a planned day (by default
//! `missions/monaco-fleet.ron`: three nests, pads, paths around Monaco's buildings),
//! re-timed so that every one of them wants to take off inside one hour (a seeded uniform
//! draw), then committed one by one, in order of wanted take-off, through the planner's
//! [`ReservationIndex`]: each takes off at the earliest moment at or after its wanted
//! time that keeps the separation minima from every flight committed before it. The
//! figures: how many flights wait and how long, the time per committed flight (query +
//! insert), and the share that still take off within 10 minutes of their wanted time
//! (a drone delivery has about that much slack in a 30-minute promise).
//!
//! Baseline in the same process: building the volumes of every flight once.

use std::path::PathBuf;
use std::time::Instant;

use skylane_planner::dispatch::plan_mission;
use skylane_planner::load::load_mission;
use skylane_planner::volumes::{flight_volumes, ReservationIndex, Volume4};

/// SplitMix64: a fixed-seed generator for the wanted take-off times.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

fn main() {
    let arg = std::env::args().skip(1).find(|a| a.ends_with(".ron"));
    let path = arg.map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../missions/monaco-fleet.ron")
    });
    let loaded = load_mission(&path).expect("mission loads");
    let plan = plan_mission(&loaded.mission, &loaded.world, loaded.map.clone(), &|_, _| {});
    let sep = loaded.mission.airspace.separation;
    let nest_of = |id: &str| loaded.mission.depots.iter().position(|d| d.id == id).unwrap_or(0);

    // Repeat the day's flights until there are a thousand, each from take-off 0.
    let t = Instant::now();
    let mut flights: Vec<Vec<Volume4>> = Vec::new();
    while flights.len() < 1000 {
        for f in &plan.flights {
            let t0 = f.takeoff_s;
            let v = flight_volumes(&f.samples, Some((nest_of(&f.depot_id), f.pad)));
            flights.push(v.iter().map(|x| x.shifted(-t0)).collect());
            if flights.len() == 1000 {
                break;
            }
        }
    }
    let baseline_ms = t.elapsed().as_secs_f64() * 1e3 / flights.len() as f64;

    let mut seed = 20_261_202u64;
    let mut wanted: Vec<(f64, usize)> =
        (0..flights.len()).map(|i| (9.0 * 3600.0 + 3600.0 * splitmix(&mut seed), i)).collect();
    wanted.sort_by(|a, b| a.0.total_cmp(&b.0));

    let mut index = ReservationIndex::new(sep);
    let (mut ms, mut waits) = (Vec::new(), Vec::new());
    let mut unplaced = 0;
    for (want, i) in &wanted {
        let t = Instant::now();
        match index.earliest_takeoff(&flights[*i], *want, want + 4.0 * 3600.0) {
            Some(takeoff) => {
                let shifted: Vec<Volume4> =
                    flights[*i].iter().map(|v| v.shifted(takeoff)).collect();
                index.insert(&shifted);
                waits.push(takeoff - want);
            }
            None => unplaced += 1,
        }
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    let held = waits.iter().filter(|w| **w > 1e-6).count();
    let within_10_min = waits.iter().filter(|w| **w <= 600.0).count();
    let mean_wait = waits.iter().sum::<f64>() / waits.len().max(1) as f64;
    println!(
        "{} flights from {} nests wanting take-off within one hour ({} real trajectories of {})",
        flights.len(),
        loaded
            .mission
            .depots
            .iter()
            .filter(|d| d.kind == skylane_planner::mission::DepotKind::Drone)
            .count(),
        plan.flights.len(),
        path.display()
    );
    println!("volumes per flight (baseline): {baseline_ms:.3} ms to build");
    println!(
        "per committed flight: median {:.3} ms ({:.1}x baseline), p99 {:.3} ms, max {:.3} ms",
        pct(0.5),
        pct(0.5) / baseline_ms,
        pct(0.99),
        ms[ms.len() - 1]
    );
    println!(
        "held {held} of {} ({:.1} %), mean wait {mean_wait:.0} s, within 10 min of wanted {within_10_min} ({:.1} %), not placed within 4 h {unplaced}",
        waits.len(),
        100.0 * held as f64 / waits.len() as f64,
        100.0 * within_10_min as f64 / waits.len() as f64
    );
    println!("reserved volumes at the end: {}", index.len());
}
