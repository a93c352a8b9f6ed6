//! `skylane vrptw`: solve a Solomon VRPTW benchmark file.
//!
//! Prints one line per route (`Route #k: c1 c2 ...`) and, last, `vehicles V distance D`.
//! The solution is verified by the independent checker before anything is printed.
//! Exit status: 0 on success, 2 on unreadable or invalid input, 1 when the search
//! found no feasible solution.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::EXIT_BAD_INPUT;
use clap::Args;
use skylane_planner::ground::vrptw::{check_feasibility, solve, SolomonInstance, SolverOptions};

/// Arguments of `skylane vrptw`.
#[derive(Args, Debug)]
pub struct VrptwArgs {
    /// Solomon instance file (e.g. assets/solomon/C101.txt).
    pub file: PathBuf,
    /// Wall-clock time limit in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also stop after this many search iterations (makes runs reproducible).
    #[arg(long)]
    pub iterations: Option<u64>,
}

/// Runs the subcommand.
pub fn run(args: VrptwArgs) -> ExitCode {
    if !args.seconds.is_finite() || args.seconds <= 0.0 || args.seconds > 1e9 {
        eprintln!("error: --seconds must be a positive number, got {}", args.seconds);
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let instance = match SolomonInstance::load(&args.file) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let options = SolverOptions {
        time_limit: Duration::from_secs_f64(args.seconds),
        seed: args.seed,
        max_iterations: args.iterations,
    };
    let problem = &instance.problem;
    let started = std::time::Instant::now();
    let solution = solve(problem, &options);
    // Search effort goes to stderr so stdout stays the plain solution.
    eprintln!(
        "{}: {} iterations in {:.1} s (seed {})",
        instance.name,
        solution.iterations,
        started.elapsed().as_secs_f64(),
        args.seed
    );
    match check_feasibility(problem, &solution) {
        Ok(stats) => {
            for (k, route) in solution.routes.iter().filter(|r| !r.is_empty()).enumerate() {
                let customers: Vec<String> = route.iter().map(|c| c.to_string()).collect();
                println!("Route #{}: {}", k + 1, customers.join(" "));
            }
            println!("vehicles {} distance {:.2}", stats.routes, stats.distance);
            ExitCode::SUCCESS
        }
        Err(violations) => {
            eprintln!(
                "error: no feasible solution found for {} in {} iterations:",
                args.file.display(),
                solution.iterations
            );
            for v in violations.iter().take(10) {
                eprintln!("  {v}");
            }
            ExitCode::FAILURE
        }
    }
}
