//! `skylane check PLAN`: re-verify a plan file against its mission and map (and, when
//! its folder has a `manifest.json`, the output set against the manifest).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use skylane_planner::load::file_sha256;
use skylane_planner::plan::{check_manifest, Plan};
use skylane_planner::verify::{verify, Violation};
use skylane_planner::world::World;

use super::{EXIT_BAD_INPUT, EXIT_NOT_ALL_GOOD};

/// Arguments of `skylane check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// A plan.ron written by `skylane plan`.
    pub plan: PathBuf,
    /// Time budget of the check, s (default: proportional to the plan's size, see
    /// `time_budget_s`). A check that runs past it fails (exit 1), never passes.
    #[arg(long, value_parser = parse_budget)]
    pub time_budget_s: Option<f64>,
}

/// Fixed part of the default time budget, s (loading the map and the world).
const BUDGET_BASE_S: f64 = 60.0;
/// Budget per flight sample and per van polyline point, s: about 50 times what the
/// verifier needs per sample on a 2-core machine (the Monaco fleet day's 1,200 orders
/// check in about 10 s), so only a hostile or broken plan runs out of it.
const BUDGET_PER_POINT_S: f64 = 2e-3;

/// The default time budget of checking `plan`, s.
fn time_budget_s(plan: &Plan) -> f64 {
    let samples: usize = plan.flights.iter().map(|f| f.samples.len()).sum();
    let points: usize = plan.van_routes.iter().map(|r| r.path_m.len()).sum();
    BUDGET_BASE_S + BUDGET_PER_POINT_S * (samples + points) as f64
}

fn parse_budget(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.001..=86_400.0).contains(&s) => Ok(s),
        _ => Err(format!("{text:?}: expected seconds between 0.001 and 86400")),
    }
}

/// Runs `skylane check`.
pub fn run(args: CheckArgs) -> ExitCode {
    // A plan inside an output set is only as good as the set: refuse a torn or edited one.
    if let Err(e) = check_manifest(&args.plan) {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let plan = match Plan::load(&args.plan) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    match file_sha256(&plan.map.path) {
        Ok(h) if h == plan.map.sha256 => {}
        Ok(_) => {
            eprintln!(
                "error: {}: the map file changed since the plan was made (SHA-256 differs)",
                plan.map.path.display()
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        Err(e) => {
            eprintln!("error: {}: cannot read the plan's map: {e}", plan.map.path.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    }
    let world = match plan.world() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let budget_s = args.time_budget_s.unwrap_or_else(|| time_budget_s(&plan));
    let (flights, routes, orders) =
        (plan.flights.len(), plan.van_routes.len(), plan.outcomes.len());
    let Some(violations) = verify_within(plan, world, budget_s) else {
        eprintln!(
            "error: the check did not finish within its time budget of {budget_s:.3} s for {flights} flights and {routes} van routes; the plan is not verified (raise it with --time-budget-s)"
        );
        return ExitCode::from(EXIT_NOT_ALL_GOOD);
    };
    if violations.is_empty() {
        println!("ok: {flights} flights, {routes} van routes, {orders} orders: no violations");
        ExitCode::SUCCESS
    } else {
        for v in &violations {
            println!("{v}");
        }
        println!("{} violation(s)", violations.len());
        ExitCode::from(EXIT_NOT_ALL_GOOD)
    }
}

/// The verifier's findings, or `None` when it does not finish within `budget_s` (the
/// check runs on its own thread; the process exits without waiting for it).
fn verify_within(plan: Plan, world: World, budget_s: f64) -> Option<Vec<Violation>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // The receiver is gone only when the budget ran out: nothing left to tell.
        let _ = tx.send(verify(&plan, &world));
    });
    rx.recv_timeout(Duration::from_secs_f64(budget_s)).ok()
}
