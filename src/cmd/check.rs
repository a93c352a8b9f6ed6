//! `skylane check PLAN`: re-verify a plan file against its mission and map (and, when
//! its folder has a `manifest.json`, the output set against the manifest).

use std::path::PathBuf;
use std::process::ExitCode;

use skylane_planner::load::file_sha256;
use skylane_planner::plan::{check_manifest, Plan};
use skylane_planner::verify::verify;

use super::{EXIT_BAD_INPUT, EXIT_NOT_ALL_GOOD};

/// Arguments of `skylane check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// A plan.ron written by `skylane plan`.
    pub plan: PathBuf,
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
    let violations = verify(&plan, &world);
    if violations.is_empty() {
        println!(
            "ok: {} flights, {} van routes, {} orders: no violations",
            plan.flights.len(),
            plan.van_routes.len(),
            plan.outcomes.len()
        );
        ExitCode::SUCCESS
    } else {
        for v in &violations {
            println!("{v}");
        }
        println!("{} violation(s)", violations.len());
        ExitCode::from(EXIT_NOT_ALL_GOOD)
    }
}
