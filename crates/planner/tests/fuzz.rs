//! Mutation fuzzing of the three text inputs: mission files (parse + validation), plan
//! files (parse + `verify`, what `skylane check` does after reading the map) and Solomon
//! files (parse + a short VRPTW solve + the feasibility check).
//!
//! Seeds are the shipped files (`missions/*.ron`, the test missions of
//! `tests/missions/`, valid and broken, `assets/solomon/*.txt` cut to their
//! first 12 customers so a solve stays short) and a plan made here from the smallest
//! test mission. Mutations: byte flips, truncations, a number replaced by NaN, inf,
//! -inf, 1e308, -1, 0, 4294967295 or 1e-308, a line duplicated or deleted.
//!
//! Properties, for every input: no panic; no input takes more than [`SLOW`]; an error
//! is located (mission and plan errors at a line and column); a plan in which a number
//! became NaN, inf, -inf or 1e308 and which still parses never verifies clean.
//!
//! `fuzz_ci` is the fixed-seed pass CI runs. `fuzz_long` is the long run recorded in
//! BENCHMARKS.md (`FUZZ_EXECS`, `FUZZ_SEED`; `--release`, `--ignored`). A failing input
//! is written to `target/fuzz-failures/` for a regression test.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use skylane_planner::dispatch::{plan_mission_with, Deconfliction};
use skylane_planner::ground::vrptw::{check_feasibility, solve, SolomonInstance, SolverOptions};
use skylane_planner::load::load_mission;
use skylane_planner::mission::{Mission, MissionError};
use skylane_planner::plan::{Plan, PlanLoadError};
use skylane_planner::verify::verify;
use skylane_planner::world::World;

/// Longest any one input may take (debug builds on a loaded CI machine included).
const SLOW: Duration = Duration::from_secs(20);
/// Numbers substituted for a number of the seed.
const HOSTILE: [&str; 8] = ["NaN", "inf", "-inf", "1e308", "-1", "0", "4294967295", "1e-308"];
/// The substitutions no valid plan can hold.
const NEVER_VALID: [&str; 4] = ["NaN", "inf", "-inf", "1e308"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte ranges of the decimal numbers in `text`, outside string literals (a digit in
/// a map path or a hash is text, not a number of the plan).
fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'"' && (i == 0 || text[i - 1] != b'\\') {
            in_string = !in_string;
        }
        let starts = !in_string
            && text[i].is_ascii_digit()
            && (i == 0 || !text[i - 1].is_ascii_alphanumeric());
        if starts {
            let mut j = i;
            while j < text.len() && (text[j].is_ascii_digit() || text[j] == b'.') {
                j += 1;
            }
            let start = if i > 0 && text[i - 1] == b'-' { i - 1 } else { i };
            out.push((start, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// One mutation of `seed`; also says which hostile number went in, if any.
fn mutate(
    seed: &[u8],
    numbers_of_seed: &[(usize, usize)],
    rng: &mut Rng,
) -> (Vec<u8>, Option<&'static str>) {
    let mut b = seed.to_vec();
    match rng.below(6) {
        0 => {
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
        }
        1 => b.truncate(rng.below(b.len())),
        2 | 3 if !numbers_of_seed.is_empty() => {
            let (s, e) = numbers_of_seed[rng.below(numbers_of_seed.len())];
            let value = HOSTILE[rng.below(HOSTILE.len())];
            b.splice(s..e, value.bytes());
            return (b, Some(value));
        }
        4 => {
            let lines: Vec<&[u8]> = seed.split(|c| *c == b'\n').collect();
            let k = rng.below(lines.len());
            let mut out = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                out.extend_from_slice(l);
                out.push(b'\n');
                if i == k {
                    out.extend_from_slice(l);
                    out.push(b'\n');
                }
            }
            b = out;
        }
        _ => {
            let lines: Vec<&[u8]> = seed.split(|c| *c == b'\n').collect();
            let k = rng.below(lines.len());
            b = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != k)
                .flat_map(|(_, l)| [*l, b"\n"].concat())
                .collect();
        }
    }
    (b, None)
}

/// What the targets need besides the input.
struct Seeds {
    missions: Vec<Vec<u8>>,
    plan: Vec<u8>,
    world: World,
    solomon: Vec<Vec<u8>>,
}

fn seeds() -> Seeds {
    let root = root();
    let mut missions = Vec::new();
    for dir in ["missions", "tests/missions/bad", "tests/missions/outputs"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ron") {
                missions.push(std::fs::read(path).unwrap());
            }
        }
    }
    missions.sort();
    let loaded = load_mission(&root.join("tests/missions/outputs/one-order.ron")).unwrap();
    let plan = plan_mission_with(
        &loaded.mission,
        &loaded.world,
        loaded.map.clone(),
        &|_, _| {},
        Deconfliction::On,
    );
    assert!(verify(&plan, &loaded.world).is_empty(), "the seed plan verifies");
    let mut solomon = Vec::new();
    for name in ["C101", "R201", "RC101"] {
        let text =
            std::fs::read_to_string(root.join(format!("assets/solomon/{name}.txt"))).unwrap();
        // Header (9 lines), depot and 12 customers.
        let cut: Vec<&str> = text.lines().take(9 + 13).collect();
        solomon.push(cut.join("\n").into_bytes());
    }
    Seeds { missions, plan: plan.to_ron().into_bytes(), world: loaded.world, solomon }
}

fn mission_target(text: &str) -> Result<(), String> {
    match Mission::from_ron_str(text, "fuzz.ron") {
        Ok(_) => Ok(()),
        Err(MissionError::Invalid { problems, .. }) => {
            match problems.iter().find(|p| p.line == 0 || p.column == 0) {
                Some(p) => Err(format!("unlocated mission problem: {p:?}")),
                None => Ok(()),
            }
        }
        Err(e) => Err(format!("unexpected mission error: {e}")),
    }
}

fn plan_target(text: &str, world: &World, hostile: Option<&str>) -> Result<(), String> {
    match Plan::from_ron_str(text, Path::new("fuzz-plan.ron")) {
        Ok(plan) => {
            let violations = verify(&plan, world);
            if violations.is_empty() && hostile.is_some_and(|h| NEVER_VALID.contains(&h)) {
                return Err(format!("a plan holding {} verified clean", hostile.unwrap_or("")));
            }
            Ok(())
        }
        Err(PlanLoadError::Parse { line, column, .. }) if line == 0 || column == 0 => {
            Err("unlocated plan parse error".into())
        }
        Err(_) => Ok(()),
    }
}

fn solomon_target(text: &str) -> Result<(), String> {
    // Errors carry a line, or 0 for whole-file problems (e.g. no customers).
    let Ok(instance) = SolomonInstance::parse(text, "fuzz.txt") else { return Ok(()) };
    let options =
        SolverOptions { time_limit: Duration::from_millis(200), seed: 1, max_iterations: Some(20) };
    let solution = solve(&instance.problem, &options);
    let _ = check_feasibility(&instance.problem, &solution);
    Ok(())
}

/// Runs `execs` mutations from `seed`, round-robin over the three targets (plans
/// every fourth turn: one verification costs as much as many parses). Returns the
/// executions per target.
fn fuzz(execs: u64, seed: u64) -> ([u64; 3], [Duration; 3]) {
    let seeds = seeds();
    let mission_numbers: Vec<_> = seeds.missions.iter().map(|m| numbers(m)).collect();
    let plan_numbers = numbers(&seeds.plan);
    let solomon_numbers: Vec<_> = seeds.solomon.iter().map(|s| numbers(s)).collect();
    let mut rng = Rng(seed);
    let mut counts = [0u64; 3];
    let mut spent = [Duration::ZERO; 3];
    for exec in 0..execs {
        let target = match exec % 8 {
            0 => 1,
            1 | 3 | 5 | 7 => 0,
            _ => 2,
        };
        let (input, hostile) = match target {
            0 => {
                let k = rng.below(seeds.missions.len());
                mutate(&seeds.missions[k], &mission_numbers[k], &mut rng)
            }
            1 => mutate(&seeds.plan, &plan_numbers, &mut rng),
            _ => {
                let k = rng.below(seeds.solomon.len());
                mutate(&seeds.solomon[k], &solomon_numbers[k], &mut rng)
            }
        };
        counts[target] += 1;
        let text = String::from_utf8_lossy(&input);
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| match target {
            0 => mission_target(&text),
            1 => plan_target(&text, &seeds.world, hostile),
            _ => solomon_target(&text),
        }));
        spent[target] += started.elapsed();
        let failure = match outcome {
            Err(_) => Some("panic".to_string()),
            Ok(Err(e)) => Some(e),
            Ok(Ok(())) if started.elapsed() > SLOW => Some(format!("took {:?}", started.elapsed())),
            Ok(Ok(())) => None,
        };
        if let Some(why) = failure {
            let dir = root().join("target/fuzz-failures");
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(format!("seed{seed}-exec{exec}-target{target}.txt"));
            std::fs::write(&file, &input).unwrap();
            panic!("exec {exec} (target {target}): {why}; input in {}", file.display());
        }
    }
    (counts, spent)
}

#[test]
fn fuzz_ci() {
    let started = Instant::now();
    let (counts, spent) = fuzz(20_000, 0x18);
    println!("executions {counts:?}, time per target {spent:?}, in all {:?}", started.elapsed());
}

#[test]
#[ignore = "long run, see BENCHMARKS.md"]
fn fuzz_long() {
    let execs = std::env::var("FUZZ_EXECS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let seed = std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let started = Instant::now();
    let (counts, spent) = fuzz(execs, seed);
    println!(
        "seed {seed}: {execs} executions (missions, plans, Solomon: {counts:?}, time {spent:?}) \
         in {:.0} s, no failure",
        started.elapsed().as_secs_f64()
    );
}

/// `verify` of a plan file from `tests/fuzz-regressions/`, in the world of the mission
/// the fuzzer's seed plan was made from.
fn verify_regression(name: &str, edit: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(edit), "{name} holds {edit:?}");
    let plan = Plan::from_ron_str(&text, &path).unwrap();
    let loaded = load_mission(&root().join("tests/missions/outputs/one-order.ron")).unwrap();
    verify(&plan, &loaded.world).iter().map(|v| v.to_string()).collect()
}

/// Found by `fuzz_long` (seed 99): `summary.separation_delay_s: inf` verified clean,
/// because the verifier never read the summary. It now re-adds every figure of it.
#[test]
fn regression_summary_delay_inf() {
    let found = verify_regression("summary-delay-inf.plan.ron", "separation_delay_s: inf");
    assert!(found.iter().any(|v| v.contains("summary.separation_delay_s is inf")), "{found:#?}");
}

/// Found by `fuzz_long` (seed 99): a flight's recorded drop point 10^308 m away verified
/// clean (the verifier read the lowering samples only; tracking shows the record).
#[test]
fn regression_drop_point_1e308() {
    let found = verify_regression("drop-point-1e308.plan.ron", "-234.97087659581058, 1e308");
    assert!(found.iter().any(|v| v.contains("drop_point_m is 1e308 m off")), "{found:#?}");
}

/// Found by `fuzz_long` (seed 2): `soc_end: 1e308` verified clean (the verifier
/// re-integrated the energy but never compared the record).
#[test]
fn regression_soc_end_1e308() {
    let found = verify_regression("soc-end-1e308.plan.ron", "soc_end: 1e308");
    assert!(found.iter().any(|v| v.contains("recorded soc_end does not match")), "{found:#?}");
}

/// Found by `fuzz_long` (seed 1): an outcome's `placed_s: 1e308` verified clean.
#[test]
fn regression_placed_s_1e308() {
    let found = verify_regression("placed-s-1e308.plan.ron", "placed_s: 1e308");
    assert!(found.iter().any(|v| v.contains("records placed_s 1e308")), "{found:#?}");
}

/// Found by `fuzz_long` (seed 3): the embedded mission's `cruise_alt_max_m: inf` passed
/// validation (only `>= cruise_alt_min_m` was checked); now bounded like the minimum.
#[test]
fn regression_cruise_alt_max_inf() {
    let found = verify_regression("cruise-alt-max-inf.plan.ron", "cruise_alt_max_m: inf");
    assert!(found.iter().any(|v| v.contains("policy.cruise_alt_max_m")), "{found:#?}");
}
