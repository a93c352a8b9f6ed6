//! `skylane plan MISSION -o DIR`: plan every order, verify, write the outputs.

use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use skylane_planner::dispatch::{plan_mission_with, Deconfliction};
use skylane_planner::mission::ClockTime;
use skylane_planner::plan::{write_outputs, VanWave};
use skylane_planner::verify::verify;

use super::{EXIT_BAD_INPUT, EXIT_NOT_ALL_GOOD};

/// Arguments of `skylane plan`.
#[derive(clap::Args)]
pub struct PlanArgs {
    /// Mission file (.ron).
    pub mission: PathBuf,
    /// Output folder for plan.ron, flights.geojson and timeline.csv.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Worker threads (default: all cores). Outputs are identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Plan flights as if the fleet's other flights were not there. Only for measuring
    /// what deconfliction costs: the verifier reports every loss of separation.
    #[arg(long)]
    pub no_deconfliction: bool,
    /// World cache.
    #[command(flatten)]
    pub cache: super::CacheArgs,
}

/// Runs `skylane plan`.
pub fn run(args: PlanArgs) -> ExitCode {
    let loaded = match super::load_or_exit(&args.mission, &args.cache) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let pool = match super::thread_pool(args.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(loaded.mission.orders.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} planning {pos}/{len} orders [{bar:30}] {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let plan = pool.install(|| {
        let deconflict = if args.no_deconfliction { Deconfliction::Off } else { Deconfliction::On };
        let progress = |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        };
        plan_mission_with(&loaded.mission, &loaded.world, loaded.map.clone(), &progress, deconflict)
    });
    bar.finish_and_clear();
    let planned_s = started.elapsed().as_secs_f64();
    // Verifying and writing both only read the plan: the files are written while the
    // verifier runs (the exit code still says whether it passed).
    let (violations, written) = pool.install(|| {
        rayon::join(|| verify(&plan, &loaded.world), || write_outputs(&plan, &args.out))
    });
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let s = &plan.summary;
    println!("mission   {}", plan.mission.name);
    if !plan.mission.airspace.zones_files.is_empty() {
        println!("zones     {}", loaded.zones);
    }
    println!("orders    {}", s.orders);
    println!("drone     {} ({:.0} %)", s.by_drone, pct(s.by_drone, s.orders));
    println!("van       {} ({:.0} %)", s.by_van, pct(s.by_van, s.orders));
    println!("rejected  {} ({:.0} %)", s.rejected, pct(s.rejected, s.orders));
    for (reason, n) in &s.rejected_by_reason {
        println!("  {reason:<12} {n}");
    }
    println!("late      {}", s.late);
    println!(
        "separated {} flight(s) held for the airspace, {:.0} s in all; {} on another cruise layer",
        s.separation_delays, s.separation_delay_s, s.separation_other_layer
    );
    if let Some(line) = van_waves_line(&s.van_waves) {
        println!("{line}");
    }
    println!("drone km  {:.1}", s.drone_km);
    println!("van km    {:.1}", s.van_km);
    println!("energy    {:.0} Wh", s.energy_wh);
    println!("planned   in {planned_s:.2} s");
    println!("written   {}", args.out.display());
    if violations.is_empty() {
        println!("verifier  ok: every flight and route passes");
    } else {
        println!("verifier  {} violation(s):", violations.len());
        for v in violations.iter().take(20) {
            println!("  {v}");
        }
    }
    if violations.is_empty() && s.rejected == 0 && s.late == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_ALL_GOOD)
    }
}

/// The summary's line on the van waves' searches: how many, what they routed, their
/// wall-clock budgets and which ran out of it (their routes depend on the machine).
fn van_waves_line(waves: &[VanWave]) -> Option<String> {
    if waves.is_empty() {
        return None;
    }
    let routed: usize = waves.iter().map(|w| w.routed).sum();
    let deferred: usize = waves.iter().map(|w| w.deferred).sum();
    let least = waves.iter().map(|w| w.budget_s).fold(f64::INFINITY, f64::min);
    let most = waves.iter().map(|w| w.budget_s).fold(0.0, f64::max);
    let budget = if most - least < 0.05 {
        format!("{most:.1} s")
    } else {
        format!("{least:.1}-{most:.1} s")
    };
    let ran_out: Vec<String> = waves
        .iter()
        .filter(|w| w.budget_ran_out)
        .map(|w| format!("{} {}", w.depot_id, ClockTime(w.departs_s)))
        .collect();
    let verdict = if ran_out.is_empty() {
        "none ran out".to_string()
    } else {
        format!(
            "{} ran out, so their routes depend on this machine's speed: {}",
            ran_out.len(),
            ran_out.join(", ")
        )
    };
    Some(format!(
        "van waves {}: {routed} order(s) routed, {deferred} moved on to a later wave; search budget {budget} per wave, {verdict}",
        waves.len()
    ))
}

fn pct(n: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * n as f64 / total as f64
    }
}
