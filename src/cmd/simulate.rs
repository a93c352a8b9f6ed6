//! `skylane simulate MISSION --faults SEED [-o DIR]`: a live day under faults drawn from
//! a seed; `--seeds A..B` runs one day per seed and sums the counts.

use std::path::PathBuf;
use std::process::ExitCode;

use skylane_planner::dispatch::Dispatcher;
use skylane_planner::plan::write_outputs;
use skylane_planner::sim::{simulate_with, SimReport};

use super::{EXIT_BAD_INPUT, EXIT_NOT_ALL_GOOD};

/// Arguments of `skylane simulate`.
#[derive(clap::Args)]
pub struct SimulateArgs {
    /// Mission file (.ron).
    pub mission: PathBuf,
    /// Seed of the day's faults (the same seed gives the same day).
    #[arg(long = "faults", conflicts_with = "seeds")]
    pub faults: Option<u64>,
    /// A range of seeds `A..B` (B excluded): one day per seed, counts summed.
    #[arg(long, value_parser = parse_seeds)]
    pub seeds: Option<(u64, u64)>,
    /// Output folder for the plan files and events.log (single seed only).
    #[arg(short = 'o', long = "out", conflicts_with = "seeds")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Outputs are identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// World cache.
    #[command(flatten)]
    pub cache: super::CacheArgs,
}

/// `A..B` with A < B, at most 100,000 seeds.
fn parse_seeds(s: &str) -> Result<(u64, u64), String> {
    let (a, b) = s.split_once("..").ok_or_else(|| format!("--seeds {s:?}: expected A..B"))?;
    let parse = |x: &str| {
        x.trim().parse::<u64>().map_err(|e| format!("--seeds {s:?}: {x:?} is not a seed: {e}"))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if b <= a || b - a > 100_000 {
        return Err(format!("--seeds {s:?}: need A < B and at most 100000 seeds"));
    }
    Ok((a, b))
}

/// Runs `skylane simulate`.
pub fn run(args: SimulateArgs) -> ExitCode {
    let (from, to) = match (args.faults, args.seeds) {
        (Some(s), None) => (s, s + 1),
        (None, Some(r)) => r,
        _ => {
            eprintln!("error: give --faults SEED or --seeds A..B");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let loaded = match super::load_or_exit(&args.mission, &args.cache) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let pool = match super::thread_pool(args.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // Every seed flies the same city: the planners and their trees are searched once.
    let planners = pool.install(|| {
        let d = Dispatcher::new(&loaded.mission, &loaded.world);
        d.warm_up();
        d.planners()
    });
    let mut total: Option<SimReport> = None;
    for seed in from..to {
        let day = pool.install(|| {
            let (m, w) = (&loaded.mission, &loaded.world);
            simulate_with(m, w, loaded.map.clone(), seed, planners.clone())
        });
        if let Some(dir) = &args.out {
            if let Err(e) = write_outputs(&day.plan, dir) {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            let log = dir.join("events.log");
            let text = day.log.join("\n") + "\n";
            if let Err(e) = std::fs::write(&log, text) {
                eprintln!("error: {}: {e}", log.display());
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        }
        if to - from == 1 {
            println!("mission   {}  seed {seed}", loaded.mission.name);
            for v in day.invariant_violations.iter().take(20) {
                println!("  broken: {v}");
            }
            for line in day.log.iter().filter(|l| l.contains("broken promise")) {
                println!("{line}");
            }
        } else {
            let r = &day.report;
            println!(
                "seed {seed}: lost {} duplicated {} verifier {} broken invariants {} broken promises {}",
                r.lost,
                r.duplicated,
                r.verifier_violations,
                r.invariant_violations,
                r.kinds.iter().map(|k| k.broken_promises).sum::<usize>()
            );
            for v in day.invariant_violations.iter().take(5) {
                println!("  broken: {v}");
            }
        }
        total = Some(match total {
            None => day.report,
            Some(t) => add(t, &day.report),
        });
    }
    let Some(total) = total else { return ExitCode::from(EXIT_BAD_INPUT) };
    if to - from > 1 {
        println!("{} seeds ({from}..{to}), counts summed:", to - from);
    }
    print!("{}", total.to_text());
    if let Some(dir) = &args.out {
        println!("written   {}", dir.display());
    }
    if total.invariant_violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_ALL_GOOD)
    }
}

/// Sums two days' counts.
fn add(mut a: SimReport, b: &SimReport) -> SimReport {
    for (x, y) in a.kinds.iter_mut().zip(&b.kinds) {
        x.events += y.events;
        x.orders_affected += y.orders_affected;
        x.broken_promises += y.broken_promises;
    }
    a.orders += b.orders;
    a.by_drone += b.by_drone;
    a.by_van += b.by_van;
    a.cancelled += b.cancelled;
    a.rejected += b.rejected;
    a.lost += b.lost;
    a.duplicated += b.duplicated;
    a.verifier_violations += b.verifier_violations;
    a.invariant_violations += b.invariant_violations;
    a
}
