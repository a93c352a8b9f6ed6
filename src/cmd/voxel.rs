//! `skylane voxel`: run a Moving AI 3D voxel benchmark (map + scenarios) through one of
//! the voxel planners, check every answer and print timing statistics.
//!
//! Exact planners (`astar`, `reference`) must reproduce the file's optimal cost within
//! 1e-3 and return a legal move sequence. `anyangle` paths are re-checked by the
//! independent segment validator and must not exceed the grid optimum (+1e-6).
//! Exit codes: 0 all matched, 1 some mismatched, 2 bad input.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use super::{EXIT_BAD_INPUT, EXIT_NOT_ALL_GOOD};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use skylane_planner::search::voxel::movingai::Scenario;
use skylane_planner::search::voxel::{
    move_allowed, movingai, reference_astar, validate_polyline, AStar, Landmarks, LazyThetaStar,
    VoxelGrid, MOVE_COST,
};
use skylane_planner::stats;

/// Which planner answers the queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Planner {
    /// Exact A* (fast implementation).
    Astar,
    /// Any-angle Lazy Theta* (with re-expansion).
    Anyangle,
    /// Textbook A* with hash maps, the same-process speed baseline.
    Reference,
}

/// Arguments of `skylane voxel`.
#[derive(Args, Debug)]
pub struct VoxelArgs {
    /// The `.3dmap` file.
    pub map: PathBuf,
    /// The `.3dmap.3dscen` scenario file.
    pub scenarios: PathBuf,
    /// Planner to run.
    #[arg(long, value_enum, default_value_t = Planner::Astar)]
    pub planner: Planner,
    /// Run only every N-th scenario (1 = all).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub every: u64,
    /// Stop after this many scenarios (after `--every`).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Heuristic of `--planner astar`: `landmarks` precomputes a differential heuristic
    /// once per map (reported separately) and adds it to the octile distance.
    #[arg(long, value_enum, default_value_t = Heuristic::Octile)]
    pub heuristic: Heuristic,
}

/// Heuristic of the exact A*.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Heuristic {
    /// The 3D octile distance alone.
    Octile,
    /// The larger of the octile distance and a landmark (differential) bound.
    Landmarks,
}

/// Most memory one run may take for the grid and the planner's per-voxel state. The
/// MovingAI maps need at most about 2 GiB (DA1 with landmarks); a bigger header is a
/// mistake or a hostile file, refused before anything is allocated.
pub const MEMORY_BUDGET_BYTES: u64 = 8 << 30;

/// Checks the map header's grid size against [`MEMORY_BUDGET_BYTES`] for the chosen
/// planner (the reference A* keeps hash maps of the voxels it reaches, bounded by the
/// same per-voxel figure as the fast A*).
fn check_memory(args: &VoxelArgs) -> Result<(), String> {
    let size = movingai::read_map_size(&args.map).map_err(|e| e.to_string())?;
    let per_voxel = match args.planner {
        Planner::Astar if args.heuristic == Heuristic::Landmarks => {
            AStar::bytes_per_voxel() + Landmarks::bytes_per_voxel()
        }
        Planner::Astar | Planner::Reference => AStar::bytes_per_voxel(),
        Planner::Anyangle => LazyThetaStar::bytes_per_voxel(),
    };
    let voxels = VoxelGrid::padded_voxels(size);
    let bytes = VoxelGrid::bytes_for(size).saturating_add(voxels.saturating_mul(per_voxel as u64));
    if bytes > MEMORY_BUDGET_BYTES {
        return Err(format!(
            "{}:1: header `voxel {} {} {}`: this planner needs {:.1} GiB for it, above the \
             memory budget of {} GiB",
            args.map.display(),
            size[0],
            size[1],
            size[2],
            bytes as f64 / (1u64 << 30) as f64,
            MEMORY_BUDGET_BYTES >> 30
        ));
    }
    Ok(())
}

/// Largest gap between a returned cost and the file's optimal cost still counted as
/// a match; the file rounds costs to 8 decimals.
const COST_TOLERANCE: f64 = 1e-3;
/// Slack for an any-angle path against the grid optimum (float summation only).
const LENGTH_SLACK: f64 = 1e-6;

/// Outcome of one query.
struct Outcome {
    solved: bool,
    problem: Option<String>,
    /// Any-angle length divided by the grid optimum.
    ratio: Option<f64>,
}

impl Outcome {
    /// No path was found, or the planner failed.
    fn unsolved(problem: String) -> Outcome {
        Outcome { solved: false, problem: Some(problem), ratio: None }
    }
}

/// What the runs measured, per query.
#[derive(Default)]
struct Tally {
    times_ms: Vec<f64>,
    cpu_ms: Vec<f64>,
    ratios: Vec<f64>,
    expanded: u64,
    solved: usize,
    mismatched: usize,
}

/// The planners of one run, with their per-map state.
struct Planners {
    kind: Planner,
    astar: AStar,
    landmarks: Option<Landmarks>,
    theta: LazyThetaStar,
}

/// Runs the benchmark; see the module docs for the exit codes.
pub fn run(args: VoxelArgs) -> ExitCode {
    let (grid, selected) = match load_inputs(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let mut planners = match Planners::new(&args, &grid) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let bar = progress_bar(selected.len());
    let mut tally = Tally::default();
    for sc in &selected {
        let outcome = planners.query(&grid, sc, &mut tally);
        tally.solved += usize::from(outcome.solved);
        if let Some(problem) = outcome.problem {
            tally.mismatched += 1;
            if tally.mismatched <= 10 {
                bar.suspend(|| eprintln!("{}:{}: {problem}", args.scenarios.display(), sc.line));
            }
        }
        tally.ratios.extend(outcome.ratio);
        bar.inc(1);
    }
    bar.finish_and_clear();
    report(&args, &tally);
    if tally.mismatched == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_ALL_GOOD)
    }
}

/// The map (after the memory check) and the scenarios `--every` and `--limit` select.
fn load_inputs(args: &VoxelArgs) -> Result<(VoxelGrid, Vec<Scenario>), String> {
    check_memory(args)?;
    let grid = movingai::load_map(&args.map).map_err(|e| e.to_string())?;
    let scenarios = movingai::load_scenarios(&args.scenarios, &grid).map_err(|e| e.to_string())?;
    let selected = scenarios
        .iter()
        .step_by(args.every as usize)
        .take(args.limit.unwrap_or(usize::MAX))
        .copied()
        .collect();
    Ok((grid, selected))
}

/// A progress bar on stderr over `n` scenarios.
fn progress_bar(n: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} scenarios, {per_sec}, eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

impl Planners {
    /// The planner `args` chose, with its per-map setup done (like loading the map, not
    /// part of any query's time): landmarks and the A*'s tables.
    fn new(args: &VoxelArgs, grid: &VoxelGrid) -> Result<Planners, String> {
        let landmarks = if args.planner == Planner::Astar && args.heuristic == Heuristic::Landmarks
        {
            let t0 = Instant::now();
            let l = Landmarks::build(grid).map_err(|e| format!("{}: {e}", args.map.display()))?;
            println!(
                "landmarks: {} placed in {:.2} s (once per map, not in per-query times)",
                l.voxels().len(),
                t0.elapsed().as_secs_f64()
            );
            Some(l)
        } else {
            None
        };
        let mut astar = AStar::new();
        if args.planner == Planner::Astar {
            astar.prepare(grid);
        }
        Ok(Planners { kind: args.planner, astar, landmarks, theta: LazyThetaStar::new() })
    }

    /// Answers one scenario, timing it into `tally`, and checks the answer.
    fn query(&mut self, grid: &VoxelGrid, sc: &Scenario, tally: &mut Tally) -> Outcome {
        let t0 = Instant::now();
        let cpu0 = thread_cpu_ms();
        match self.kind {
            Planner::Astar | Planner::Reference => {
                let result = match (self.kind, &self.landmarks) {
                    (Planner::Reference, _) => reference_astar(grid, sc.start, sc.goal),
                    (_, Some(l)) => self.astar.solve_guided(grid, l, sc.start, sc.goal),
                    (_, None) => self.astar.solve(grid, sc.start, sc.goal),
                };
                tally.times_ms.push(t0.elapsed().as_secs_f64() * 1e3);
                tally.cpu_ms.push(thread_cpu_ms() - cpu0);
                tally.expanded += self.astar.last_expanded();
                match result {
                    Ok(Some(p)) => check_exact(grid, sc, &p.voxels, p.cost),
                    Ok(None) => Outcome::unsolved("no path".into()),
                    Err(e) => Outcome::unsolved(e.to_string()),
                }
            }
            Planner::Anyangle => {
                let result = self.theta.solve(grid, sc.start, sc.goal);
                tally.times_ms.push(t0.elapsed().as_secs_f64() * 1e3);
                tally.cpu_ms.push(thread_cpu_ms() - cpu0);
                tally.expanded += self.theta.last_expanded();
                match result {
                    Ok(Some(p)) => check_anyangle(grid, sc, &p.vertices, p.length),
                    Ok(None) => Outcome::unsolved("no path".into()),
                    Err(e) => Outcome::unsolved(e.to_string()),
                }
            }
        }
    }
}

/// An exact planner's answer: a legal move sequence whose cost is the file's optimum.
fn check_exact(grid: &VoxelGrid, sc: &Scenario, voxels: &[[u32; 3]], cost: f64) -> Outcome {
    let problem = check_grid_path(grid, voxels, sc.start, sc.goal).err().or_else(|| {
        ((cost - sc.optimal_cost).abs() >= COST_TOLERANCE)
            .then(|| format!("cost {cost:.8}, optimal {:.8}", sc.optimal_cost))
    });
    Outcome { solved: true, problem, ratio: None }
}

/// An any-angle answer: from start to goal, every segment clear by the independent
/// validator, and no longer than the grid optimum.
fn check_anyangle(grid: &VoxelGrid, sc: &Scenario, vertices: &[[u32; 3]], length: f64) -> Outcome {
    let ends_ok = vertices.first() == Some(&sc.start) && vertices.last() == Some(&sc.goal);
    let problem = match validate_polyline(grid, vertices) {
        Err(i) => Some(format!("segment {i} crosses a blocked voxel")),
        Ok(_) if !ends_ok => Some("wrong endpoints".into()),
        Ok(len) if len > sc.optimal_cost + LENGTH_SLACK => {
            Some(format!("length {len:.8} exceeds grid optimum {:.8}", sc.optimal_cost))
        }
        Ok(_) => None,
    };
    let ratio = (sc.optimal_cost > 0.0).then(|| length / sc.optimal_cost);
    Outcome { solved: true, problem, ratio }
}

/// Prints the run's figures: any-angle ratios, CPU and wall time per query.
fn report(args: &VoxelArgs, tally: &Tally) {
    let n = tally.times_ms.len();
    let times = stats::sorted(&tally.times_ms);
    let cpu = stats::sorted(&tally.cpu_ms);
    // The reference planner does not count expansions.
    let expanded = match args.planner {
        Planner::Reference => String::new(),
        _ => format!(", mean expanded {:.0}", tally.expanded as f64 / n.max(1) as f64),
    };
    println!("map {} planner {:?}: {n} scenarios{expanded}", args.map.display(), args.planner);
    if !tally.ratios.is_empty() {
        let worst = tally.ratios.iter().copied().fold(0.0, f64::max);
        println!(
            "anyangle length / grid optimum: mean {:.4}, max {worst:.4}",
            stats::mean(&tally.ratios)
        );
    }
    println!(
        "cpu_ms (this thread's CPU time per query, robust to other load): mean {:.4}, median \
         {:.4}, p99 {:.4}, max {:.4}",
        stats::mean(&cpu),
        stats::percentile(&cpu, 0.5),
        stats::percentile(&cpu, 0.99),
        stats::percentile(&cpu, 1.0)
    );
    let pct = |q| stats::percentile(&times, q);
    println!("mean_ms {:.4}, p99_ms {:.4}, max_ms {:.4}", stats::mean(&times), pct(0.99), pct(1.0));
    println!("solved {}, mismatched {}, median_ms {:.4}", tally.solved, tally.mismatched, pct(0.5));
}

/// Checks that a grid path runs from `start` to `goal` by legal moves and that its
/// recomputed cost is consistent; independent of the search's internal tables.
fn check_grid_path(
    grid: &VoxelGrid,
    voxels: &[[u32; 3]],
    start: [u32; 3],
    goal: [u32; 3],
) -> Result<f64, String> {
    if voxels.first() != Some(&start) || voxels.last() != Some(&goal) {
        return Err("path does not join start and goal".into());
    }
    let mut cost = 0.0;
    for w in voxels.windows(2) {
        let d: [i32; 3] = std::array::from_fn(|i| w[1][i] as i32 - w[0][i] as i32);
        if !move_allowed(grid, w[0], d) {
            return Err(format!("illegal move {:?} -> {:?}", w[0], w[1]));
        }
        cost += MOVE_COST[d.iter().filter(|&&c| c != 0).count() - 1];
    }
    Ok(cost)
}

/// CPU time consumed by the calling thread, in milliseconds. Per-query CPU time is what
/// the benchmark reports next to wall time: on a shared machine the wall clock also
/// counts the time other processes held the core.
#[cfg(target_os = "linux")]
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always
    // available on Linux, and on failure `ts` stays zero (the figure reads 0).
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 * 1e-6
}

/// Wall-clock stand-in where per-thread CPU time is not wired up.
#[cfg(not(target_os = "linux"))]
fn thread_cpu_ms() -> f64 {
    use std::sync::OnceLock;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}
