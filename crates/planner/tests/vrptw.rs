//! Integration tests for `ground::vrptw`: the independent checker, the solver against
//! brute force and best-known Solomon solutions, and Solomon file errors. The
//! `skylane vrptw` command is tested in the CLI package (`tests/cli_vrptw.rs`).

use std::path::Path;
use std::time::Duration;

use approx::assert_relative_eq;
use skylane_planner::ground::vrptw::{
    check_feasibility, insert_cheapest, polish, solve, Matrix, Node, SolomonInstance, Solution,
    SolverOptions, VehicleType, Violation, VrptwProblem,
};

fn solomon(name: &str) -> SolomonInstance {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/solomon").join(name);
    SolomonInstance::load(&path).unwrap()
}

fn options(seed: u64, iterations: u64) -> SolverOptions {
    SolverOptions { time_limit: Duration::from_secs(600), seed, max_iterations: Some(iterations) }
}

/// Depot at the origin, four customers on the axes at distance 10; capacity 20 kg / 2 m³.
fn square() -> VrptwProblem {
    let pos = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (-10.0, 0.0), (0.0, -10.0)];
    let d = Matrix::from_fn(5, |i, j| {
        let (a, b) = (pos[i], pos[j]);
        f64::hypot(a.0 - b.0, a.1 - b.1)
    });
    let c = |ready, due| Node { demand: [10.0, 1.0], ready, due, service: 1.0 };
    let nodes = vec![
        Node { demand: [0.0; 2], ready: 0.0, due: 100.0, service: 0.0 },
        c(0.0, 15.0),
        c(0.0, 40.0),
        c(0.0, 60.0),
        c(0.0, 80.0),
    ];
    VrptwProblem::new(nodes, d.clone(), d, 2, [20.0, 2.0]).unwrap()
}

/// `p` with other node data, same matrices and fleet.
fn with_nodes(p: &VrptwProblem, nodes: Vec<Node>) -> VrptwProblem {
    let (d, t) = (p.distance().clone(), p.travel_time().clone());
    VrptwProblem::with_fleet(nodes, d, t, p.fleet().to_vec()).unwrap()
}

fn sol(p: &VrptwProblem, routes: Vec<Vec<usize>>) -> Solution {
    let distance = p.routes_distance(&routes);
    Solution { routes, distance, iterations: 0, feasible: true }
}

#[test]
fn checker_accepts_a_feasible_solution() {
    let p = square();
    let stats = check_feasibility(&p, &sol(&p, vec![vec![1, 2], vec![3, 4]])).unwrap();
    assert_eq!(stats.routes, 2);
    assert_relative_eq!(stats.distance, 4.0 * (10.0 + 200f64.sqrt() / 2.0), epsilon = 1e-9);
}

#[test]
fn checker_rejects_capacity_excess() {
    let p = square();
    let errs = check_feasibility(&p, &sol(&p, vec![vec![1, 2, 3], vec![4]])).unwrap_err();
    assert!(
        errs.iter().any(|v| matches!(v, Violation::Capacity { route: 0, dimension: 0, .. })),
        "{errs:?}"
    );
}

#[test]
fn checker_rejects_late_arrival_and_late_return() {
    let p = square();
    // Customer 1 (due 15) after customer 2: arrival 10 + 1 + 14.14 > 15.
    let errs = check_feasibility(&p, &sol(&p, vec![vec![2, 1], vec![3, 4]])).unwrap_err();
    assert!(errs.iter().any(|v| matches!(v, Violation::Late { customer: 1, .. })), "{errs:?}");
    // A tight depot due time makes the return late.
    let mut nodes = p.nodes().to_vec();
    nodes[0].due = 30.0;
    let tight = with_nodes(&p, nodes);
    let errs = check_feasibility(&tight, &sol(&tight, vec![vec![1, 2], vec![3, 4]])).unwrap_err();
    assert!(errs.iter().any(|v| matches!(v, Violation::LateReturn { .. })), "{errs:?}");
}

#[test]
fn checker_rejects_missing_duplicate_and_too_many_routes() {
    let p = square();
    let errs = check_feasibility(&p, &sol(&p, vec![vec![1, 2], vec![3, 2]])).unwrap_err();
    assert!(errs.contains(&Violation::Missing { customer: 4 }), "{errs:?}");
    assert!(errs.contains(&Violation::Duplicate { customer: 2, count: 2 }), "{errs:?}");
    let errs = check_feasibility(&p, &sol(&p, vec![vec![1], vec![2], vec![3, 4]])).unwrap_err();
    assert!(errs.contains(&Violation::TooManyRoutes { routes: 3, vehicles: 2 }), "{errs:?}");
    let errs = check_feasibility(&p, &sol(&p, vec![vec![1, 2, 0], vec![3, 4]])).unwrap_err();
    assert!(errs.contains(&Violation::UnknownNode { route: 0, node: 0 }), "{errs:?}");
    let mut wrong = sol(&p, vec![vec![1, 2], vec![3, 4]]);
    wrong.distance -= 1.0;
    let errs = check_feasibility(&p, &wrong).unwrap_err();
    assert!(matches!(errs[..], [Violation::DistanceMismatch { .. }]), "{errs:?}");
}

#[test]
fn c101_short_budget_is_feasible_and_near_best_known() {
    let inst = solomon("C101.txt");
    let s = solve(&inst.problem, &options(1, 150));
    let stats = check_feasibility(&inst.problem, &s).unwrap();
    assert!(stats.routes <= 25);
    let bks = 828.94;
    assert!(s.distance <= bks * 1.05, "C101 distance {} vs BKS {bks}", s.distance);
}

#[test]
fn same_seed_and_budget_give_the_same_solution() {
    // R101 through the construction phase, the small random instance through many
    // crossover generations.
    let inst = solomon("R101.txt");
    let a = solve(&inst.problem, &options(7, 40));
    let b = solve(&inst.problem, &options(7, 40));
    assert_eq!(a, b);
    let p = random_instance(4, 12, vec![vans(3, 20.0, 1.0, (0.0, 1000.0))]);
    let a = solve(&p, &options(9, 400));
    assert_eq!(a, solve(&p, &options(9, 400)));
    assert_eq!(a.iterations, 400);
}

/// Small deterministic generator for test data.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Exhaustive optimum: every customer order, every cut into consecutive (possibly
/// empty) pieces, piece `k` driven by vehicle `k`.
fn brute_force(p: &VrptwProblem) -> f64 {
    fn perms(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
        if k == items.len() {
            out.push(items.clone());
        }
        for i in k..items.len() {
            items.swap(k, i);
            perms(items, k + 1, out);
            items.swap(k, i);
        }
    }
    /// Every non-decreasing list of `m - 1` cut positions in `from..=n`.
    fn cuts(m: usize, from: usize, n: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() + 1 == m {
            out.push(cur.clone());
            return;
        }
        for c in from..=n {
            cur.push(c);
            cuts(m, c, n, cur, out);
            cur.pop();
        }
    }
    let (n, m) = (p.customers(), p.vehicles());
    let mut orders = Vec::new();
    perms(&mut (1..=n).collect(), 0, &mut orders);
    let mut splits = Vec::new();
    cuts(m, 0, n, &mut Vec::new(), &mut splits);
    let mut best = f64::INFINITY;
    for perm in &orders {
        for cut in &splits {
            let bounds: Vec<usize> =
                std::iter::once(0).chain(cut.iter().copied()).chain([n]).collect();
            let routes: Vec<Vec<usize>> =
                bounds.windows(2).map(|w| perm[w[0]..w[1]].to_vec()).collect();
            let s = sol(p, routes);
            if s.distance < best && check_feasibility(p, &s).is_ok() {
                best = s.distance;
            }
        }
    }
    best
}

/// Random asymmetric instance with two capacity dimensions and time windows.
fn random_instance(seed: u64, n: usize, fleet: Vec<VehicleType>) -> VrptwProblem {
    let mut rng = Lcg(seed);
    let pos: Vec<(f64, f64)> = (0..=n).map(|_| (rng.next() * 100.0, rng.next() * 100.0)).collect();
    // One-way streets: going "up" costs up to 60 % more, in time and distance.
    let skew: Vec<f64> = (0..(n + 1) * (n + 1)).map(|_| 1.0 + 0.6 * rng.next()).collect();
    let base = |i: usize, j: usize| {
        let (a, b) = (pos[i], pos[j]);
        f64::hypot(a.0 - b.0, a.1 - b.1) * if i < j { skew[i * (n + 1) + j] } else { 1.0 }
    };
    let dist = Matrix::from_fn(n + 1, base);
    let time = Matrix::from_fn(n + 1, |i, j| 0.8 * base(i, j));
    let mut nodes = vec![Node { demand: [0.0; 2], ready: 0.0, due: 1000.0, service: 0.0 }];
    for _ in 0..n {
        let ready = rng.next() * 300.0;
        nodes.push(Node {
            demand: [1.0 + (rng.next() * 9.0).floor(), 0.1 + 0.4 * rng.next()],
            ready,
            due: ready + 80.0 + rng.next() * 200.0,
            service: 10.0,
        });
    }
    VrptwProblem::with_fleet(nodes, dist, time, fleet).unwrap()
}

fn vans(count: usize, kg: f64, m3: f64, shift: (f64, f64)) -> VehicleType {
    VehicleType { count, capacity: [kg, m3], shift_start: shift.0, shift_end: shift.1 }
}

/// Solves `p` (200 iterations, `seed`) and checks the solution is feasible and as short
/// as the brute-force optimum.
fn assert_solver_reaches_brute_force(p: &VrptwProblem, seed: u64) {
    let optimum = brute_force(p);
    assert!(optimum.is_finite(), "seed {seed}: test instance must be feasible");
    let s = solve(p, &options(seed, 200));
    check_feasibility(p, &s).unwrap();
    assert_relative_eq!(s.distance, optimum, epsilon = 1e-6);
}

#[test]
fn small_asymmetric_two_dimension_instance_reaches_brute_force_optimum() {
    for seed in 1..=3u64 {
        let p = random_instance(seed, 7, vec![vans(3, 20.0, 1.0, (0.0, 1000.0))]);
        assert_solver_reaches_brute_force(&p, seed);
    }
}

#[test]
fn solomon_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/solomon/C101.txt"),
    )
    .unwrap()
    .replace("    5      42         65", "    5      42         six");
    std::fs::write(&path, text).unwrap();
    let e = SolomonInstance::load(&path).unwrap_err();
    assert_eq!(e.line, 15);
    assert!(e.to_string().contains("bad.txt:15:"), "{e}");
    let e = SolomonInstance::load(&dir.path().join("absent.txt")).unwrap_err();
    assert!(e.to_string().contains("absent.txt") && e.message.contains("cannot read"), "{e}");
}

#[test]
fn binding_fleet_limit_is_respected() {
    // C101 needs at least 10 vehicles; with exactly 10 the split and the local search
    // must work within the limit rather than open an 11th route.
    let inst = solomon("C101.txt");
    let p = &inst.problem;
    let ten = VrptwProblem::new(
        p.nodes().to_vec(),
        p.distance().clone(),
        p.travel_time().clone(),
        10,
        p.fleet()[0].capacity,
    )
    .unwrap();
    let s = solve(&ten, &options(2, 150));
    let stats = check_feasibility(&ten, &s).unwrap();
    assert_eq!(stats.routes, 10);
}

#[test]
fn infeasible_problem_is_reported_not_hidden() {
    // Customer 1 is due before anyone can reach it; the solver must say so and the
    // checker must reject its best effort.
    let p = square();
    let mut nodes = p.nodes().to_vec();
    nodes[1].due = 5.0;
    let p = with_nodes(&p, nodes);
    let s = solve(&p, &options(1, 50));
    assert!(!s.feasible);
    let errs = check_feasibility(&p, &s).unwrap_err();
    assert!(errs.iter().any(|v| matches!(v, Violation::Late { customer: 1, .. })), "{errs:?}");
}

#[test]
fn mixed_fleet_with_shifts_reaches_brute_force_optimum() {
    // A big early van, a small late van and a medium van: capacities and shifts
    // differ, so which vehicle drives which route matters.
    for seed in 1..=3u64 {
        let fleet = vec![
            vans(1, 25.0, 1.5, (0.0, 350.0)),
            vans(1, 12.0, 0.6, (150.0, 1000.0)),
            vans(1, 18.0, 1.0, (50.0, 700.0)),
        ];
        let p = random_instance(seed + 10, 7, fleet);
        assert_solver_reaches_brute_force(&p, seed);
    }
}

#[test]
fn checker_uses_each_vehicles_capacity_and_shift() {
    let p = square();
    let fleet = vec![vans(1, 30.0, 3.0, (0.0, 100.0)), vans(1, 10.0, 1.0, (50.0, 100.0))];
    let (d, t) = (p.distance().clone(), p.travel_time().clone());
    let mixed = VrptwProblem::with_fleet(p.nodes().to_vec(), d, t, fleet).unwrap();
    let stats = check_feasibility(&mixed, &sol(&mixed, vec![vec![1, 2, 3], vec![4]])).unwrap();
    // Vehicle 1 leaves at 50: back at 50 + 10 + 1 + 10.
    assert_relative_eq!(stats.makespan, 71.0, epsilon = 1e-9);
    // Vehicle 1 carries 10 kg / 1 m³: two customers overload it in both dimensions.
    let errs = check_feasibility(&mixed, &sol(&mixed, vec![vec![1], vec![3, 4]])).unwrap_err();
    let over: Vec<usize> = errs
        .iter()
        .filter_map(|v| match v {
            Violation::Capacity { route: 1, dimension, .. } => Some(*dimension),
            _ => None,
        })
        .collect();
    assert_eq!(over, [0, 1], "{errs:?}");
    // Vehicle 1 starts at 50, too late for customer 1 (due 15).
    let errs = check_feasibility(&mixed, &sol(&mixed, vec![vec![2], vec![1]])).unwrap_err();
    assert!(errs.iter().any(|v| matches!(v, Violation::Late { route: 1, customer: 1, .. })));
}

#[test]
fn polish_untangles_a_route_that_doubles_back() {
    // Customers on a line at 10, 20, 30 and 40 from the depot, visited 3, 1, 4, 2: 120
    // units where going out and back once is 80.
    let x: [f64; 5] = [0.0, 10.0, 20.0, 30.0, 40.0];
    let d = Matrix::from_fn(5, |i, j| (x[i] - x[j]).abs());
    let c = Node { demand: [1.0, 0.1], ready: 0.0, due: 1000.0, service: 1.0 };
    let mut nodes = vec![Node { demand: [0.0; 2], ready: 0.0, due: 1000.0, service: 0.0 }];
    nodes.extend([c.clone(), c.clone(), c.clone(), c]);
    let p = VrptwProblem::new(nodes, d.clone(), d, 1, [10.0, 1.0]).unwrap();
    let start = vec![vec![3, 1, 4, 2]];
    assert_relative_eq!(p.routes_distance(&start), 120.0, epsilon = 1e-9);
    let s = polish(&p, &start, 1).expect("every customer once");
    let stats = check_feasibility(&p, &s).unwrap();
    assert_relative_eq!(stats.distance, 80.0, epsilon = 1e-9);
    assert_relative_eq!(s.distance, 80.0, epsilon = 1e-9);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(100))]
    /// Polishing routes that insertion built (so feasible) keeps them feasible, serves the
    /// same customers, and never makes them longer: the promise the van waves rely on
    /// when they polish instead of searching again.
    #[test]
    fn polish_keeps_feasible_routes_feasible_and_no_longer(
        seed in 0u64..1_000_000,
        n in 2usize..16,
        count in 1usize..4,
    ) {
        let p = random_instance(seed, n, vec![vans(count, 20.0, 1.2, (0.0, 1000.0))]);
        let mut routes = Vec::new();
        insert_cheapest(&p, &mut routes, &(1..=n).collect::<Vec<_>>());
        let served: Vec<usize> = routes.iter().flatten().copied().collect();
        proptest::prop_assume!(!served.is_empty());
        // The problem cut down to the customers insertion served, numbered in route order.
        let sub = p.restricted_to(&served);
        let mut next = 0;
        let start: Vec<Vec<usize>> = routes
            .iter()
            .map(|r| r.iter().map(|_| { next += 1; next }).collect())
            .collect();
        let before = sub.routes_distance(&start);
        let s = polish(&sub, &start, seed).expect("insertion routes hold every customer once");
        let checked = check_feasibility(&sub, &s);
        proptest::prop_assert!(checked.is_ok(), "{:?}", checked);
        proptest::prop_assert!(s.distance <= before + 1e-9, "{} > {before}", s.distance);
        let mut seen: Vec<usize> = s.routes.iter().flatten().copied().collect();
        seen.sort_unstable();
        proptest::prop_assert_eq!(seen, (1..=served.len()).collect::<Vec<_>>());
    }
}

#[test]
fn polish_refuses_routes_that_are_not_every_customer_once() {
    let p = square();
    assert!(polish(&p, &[vec![1, 2], vec![3, 4]], 1).is_some());
    // Customer 4 missing; 2 twice; an index past the customers; the depot; three
    // routes for two vans.
    for routes in [
        vec![vec![1, 2], vec![3]],
        vec![vec![1, 2], vec![2, 3, 4]],
        vec![vec![1, 2], vec![3, 4, 5]],
        vec![vec![0, 1, 2], vec![3, 4]],
        vec![vec![1], vec![2], vec![3, 4]],
    ] {
        assert!(polish(&p, &routes, 1).is_none(), "{routes:?}");
    }
}
