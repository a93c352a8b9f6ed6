//! Hybrid genetic search (Vidal 2012/2013; Vidal 2022 "HGS-CVRP"): giant-tour
//! individuals, order crossover, split, granular local search with penalised load and
//! time warp, adaptive penalties, and two sub-populations (feasible / infeasible)
//! managed by biased fitness = cost rank + diversity rank.

use std::time::Instant;

use super::local_search::LocalSearch;
use super::problem::{Load, VrptwProblem, DIMS};
use super::rng::Rng;
use super::segment::{excess, Data, Penalties};
use super::{Solution, SolverOptions};

/// Tolerance for the search's own feasibility test (the checker uses the same value).
const FEAS_EPS: f64 = super::check::TOLERANCE;
/// Minimum sub-population size (mu) and generation size (lambda), HGS-CVRP defaults.
const MU: usize = 25;
const LAMBDA: usize = 40;
/// Elite individuals protected by the biased fitness, and neighbours for diversity.
const NB_ELITE: usize = 4;
const NB_CLOSE: usize = 5;
/// Granular neighbourhood size.
const GRANULAR: usize = 40;
/// Target fraction of feasible local-search outputs, and how often penalties adapt.
const TARGET_FEASIBLE: f64 = 0.2;
const PENALTY_PERIOD: usize = 100;
/// Iterations without improving the best feasible solution before a restart.
const RESTART_AFTER: u64 = 20_000;
/// Correlation weights for granular neighbours (Vidal 2013, PyVRP defaults): waiting
/// time is cheap, time warp is as bad as distance.
const WEIGHT_WAIT: f64 = 0.2;
const WEIGHT_WARP: f64 = 1.0;

#[derive(Clone)]
struct Individual {
    routes: Vec<Vec<usize>>,
    tour: Vec<usize>,
    succ: Vec<usize>,
    pred: Vec<usize>,
    distance: f64,
    excess: Load,
    warp: f64,
}

impl Individual {
    /// An individual from routes indexed by vehicle slot (missing trailing ones empty).
    fn new(data: &Data, routes: Vec<Vec<usize>>) -> Self {
        let n = data.customers + 1;
        let (mut succ, mut pred) = (vec![0; n], vec![0; n]);
        let (mut distance, mut over, mut warp) = (0.0, [0.0; DIMS], 0.0);
        for (slot, r) in routes.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
            let s = data.route(slot, r);
            distance += s.dist;
            warp += s.warp;
            for (e, x) in over.iter_mut().zip(excess(&s.load, &data.slots[slot].capacity)) {
                *e += x;
            }
            let mut prev = 0;
            for &c in r {
                pred[c] = prev;
                if prev != 0 {
                    succ[prev] = c;
                }
                prev = c;
            }
            succ[prev] = 0;
        }
        let tour = routes.iter().flatten().copied().collect();
        Individual { routes, tour, succ, pred, distance, excess: over, warp }
    }

    fn load_feasible(&self) -> bool {
        self.excess.iter().all(|&e| e <= FEAS_EPS)
    }

    fn warp_feasible(&self) -> bool {
        self.warp <= FEAS_EPS
    }

    fn feasible(&self) -> bool {
        self.load_feasible() && self.warp_feasible()
    }

    fn cost(&self, pen: &Penalties) -> f64 {
        let mut c = self.distance + pen.warp * self.warp;
        for k in 0..DIMS {
            c += pen.load[k] * self.excess[k];
        }
        c
    }

    /// Broken-pairs distance in [0, 1].
    fn distance_to(&self, other: &Individual) -> f64 {
        let n = self.succ.len() - 1;
        let mut diff = 0;
        for c in 1..=n {
            if self.succ[c] != other.succ[c] && self.succ[c] != other.pred[c] {
                diff += 1;
            }
            if self.pred[c] == 0 && other.pred[c] != 0 && other.succ[c] != 0 {
                diff += 1;
            }
        }
        diff as f64 / n.max(1) as f64
    }
}

/// One sub-population with its pairwise distances and biased fitness.
#[derive(Default)]
struct SubPop {
    inds: Vec<Individual>,
    dist: Vec<Vec<f64>>,
    fitness: Vec<f64>,
    /// Individuals were added since `fitness` was computed ([`SubPop::refresh`]).
    stale: bool,
}

impl SubPop {
    fn add(&mut self, ind: Individual, pen: &Penalties) {
        let row: Vec<f64> = self.inds.iter().map(|o| ind.distance_to(o)).collect();
        for (r, &d) in self.dist.iter_mut().zip(&row) {
            r.push(d);
        }
        let mut row = row;
        row.push(0.0);
        self.dist.push(row);
        self.inds.push(ind);
        if self.inds.len() > MU + LAMBDA {
            while self.inds.len() > MU {
                self.remove_worst(pen);
            }
        }
        // Only a selection reads the fitness: it is computed then, once for the
        // individuals added since (most are added in a row while the population starts).
        self.stale = true;
    }

    /// Computes the biased fitness if individuals were added since it last was. The
    /// penalties change only in `Search::adapt_penalties`, which recomputes the
    /// infeasible sub-population's fitness, and a feasible individual's cost does not
    /// depend on them: so the values are those an update after every addition gives.
    fn refresh(&mut self, pen: &Penalties) {
        if self.stale {
            self.update_fitness(pen);
        }
    }

    /// Mean distance to the [`NB_CLOSE`] closest others. They are kept in ascending
    /// order as they are found, so the sum adds the same values in the same order as a
    /// full sort would, without one (this runs for every individual on every update).
    fn avg_close(&self, i: usize) -> f64 {
        let mut close = [0.0; NB_CLOSE];
        let mut k = 0;
        for (j, &d) in self.dist[i].iter().enumerate() {
            if j == i || k == NB_CLOSE && d >= close[NB_CLOSE - 1] {
                continue;
            }
            // Insert `d` after the equal and smaller values, dropping the largest if full.
            let mut at = k.min(NB_CLOSE - 1);
            while at > 0 && close[at - 1] > d {
                close[at] = close[at - 1];
                at -= 1;
            }
            close[at] = d;
            k = (k + 1).min(NB_CLOSE);
        }
        if k == 0 {
            return 0.0;
        }
        close[..k].iter().sum::<f64>() / k as f64
    }

    fn update_fitness(&mut self, pen: &Penalties) {
        let n = self.inds.len();
        self.stale = false;
        self.fitness = vec![0.0; n];
        if n <= 1 {
            return;
        }
        let cost: Vec<f64> = self.inds.iter().map(|ind| ind.cost(pen)).collect();
        let mut by_cost: Vec<usize> = (0..n).collect();
        by_cost.sort_by(|&a, &b| cost[a].total_cmp(&cost[b]));
        let div: Vec<f64> = (0..n).map(|i| self.avg_close(i)).collect();
        let mut by_div: Vec<usize> = (0..n).collect();
        by_div.sort_by(|&a, &b| div[b].total_cmp(&div[a]));
        let elite_weight = 1.0 - NB_ELITE.min(n) as f64 / n as f64;
        let scale = (n - 1) as f64;
        for (rank, &i) in by_cost.iter().enumerate() {
            self.fitness[i] += rank as f64 / scale;
        }
        for (rank, &i) in by_div.iter().enumerate() {
            self.fitness[i] += elite_weight * rank as f64 / scale;
        }
    }

    /// Removes a clone if any, else the individual of worst biased fitness; never the
    /// cheapest one.
    fn remove_worst(&mut self, pen: &Penalties) {
        self.update_fitness(pen);
        let n = self.inds.len();
        let best = (0..n)
            .min_by(|&a, &b| self.inds[a].cost(pen).total_cmp(&self.inds[b].cost(pen)))
            .unwrap_or(0);
        let mut worst = None;
        let mut worst_key = (false, f64::NEG_INFINITY);
        for i in (0..n).filter(|&i| i != best) {
            let clone = self.dist[i].iter().enumerate().any(|(j, &d)| j != i && d < 1e-12);
            let key = (clone, self.fitness[i]);
            if key.0 && !worst_key.0 || key.0 == worst_key.0 && key.1 > worst_key.1 {
                worst_key = key;
                worst = Some(i);
            }
        }
        if let Some(w) = worst {
            self.inds.swap_remove(w);
            self.dist.swap_remove(w);
            for r in &mut self.dist {
                r.swap_remove(w);
            }
        }
    }
}

/// Granular neighbours: for each customer, the `GRANULAR` customers closest by a
/// correlation measure that adds to the distance the waiting and time warp a direct
/// visit would imply (the smaller of both directions, as the matrix may be asymmetric).
fn granular_neighbours(p: &VrptwProblem) -> Vec<Vec<usize>> {
    let (nodes, d, t) = (p.nodes(), p.distance(), p.travel_time());
    let n = p.len();
    let proximity = |i: usize, j: usize| {
        let (a, b) = (&nodes[i], &nodes[j]);
        let wait = (b.ready - t.get(i, j) - a.service - a.due).max(0.0);
        let warp = (a.ready + a.service + t.get(i, j) - b.due).max(0.0);
        d.get(i, j) + WEIGHT_WAIT * wait + WEIGHT_WARP * warp
    };
    let mut out = vec![Vec::new()];
    for i in 1..n {
        let mut others: Vec<(f64, usize)> =
            (1..n).filter(|&j| j != i).map(|j| (proximity(i, j).min(proximity(j, i)), j)).collect();
        others.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        out.push(others.into_iter().take(GRANULAR).map(|(_, j)| j).collect());
    }
    out
}

/// Splits a giant tour into routes for the vehicle slots, minimising the penalised
/// cost (Bellman on the auxiliary DAG, Prins 2004). Returns routes indexed by slot.
fn split(data: &Data, pen: &Penalties, tour: &[usize]) -> Vec<Vec<usize>> {
    if data.homogeneous {
        split_homogeneous(data, pen, tour)
    } else {
        split_by_slot(data, pen, tour)
    }
}

/// True when `load` exceeds 1.5 times `capacity` in a capacitated dimension: such
/// routes are never worth it, and cutting there keeps the split near-linear.
fn far_over(load: &Load, capacity: &Load) -> bool {
    (0..DIMS).any(|k| capacity[k] > 0.0 && load[k] > 1.5 * capacity[k])
}

/// Split for interchangeable vehicles: unlimited fleet first, the layered
/// fleet-limited version only if that uses too many routes.
fn split_homogeneous(data: &Data, pen: &Penalties, tour: &[usize]) -> Vec<Vec<usize>> {
    let n = tour.len();
    let slot = &data.slots[0];
    let route_cost = |s: &super::segment::Seg| pen.cost(&data.merge(s, &slot.end), &slot.capacity);
    let mut pot = vec![f64::INFINITY; n + 1];
    let mut pred = vec![0; n + 1];
    pot[0] = 0.0;
    for i in 0..n {
        let mut s = slot.start;
        for j in i..n {
            s = data.push(&s, tour[j]);
            let c = pot[i] + route_cost(&s);
            if c < pot[j + 1] {
                pot[j + 1] = c;
                pred[j + 1] = i;
            }
            if far_over(&s.load, &slot.capacity) && j > i {
                break;
            }
        }
    }
    let mut cuts = vec![n];
    let mut cut = n;
    while cut > 0 {
        cut = pred[cut];
        cuts.push(cut);
    }
    let m = data.slots.len();
    if cuts.len() - 1 <= m {
        return cuts.windows(2).rev().map(|w| tour[w[1]..w[0]].to_vec()).collect();
    }
    // Limited fleet: layered Bellman over the number of routes, no load cut-off, so a
    // solution with at most `m` routes always exists.
    let mut pot = vec![vec![f64::INFINITY; n + 1]; m + 1];
    let mut pred = vec![vec![0; n + 1]; m + 1];
    pot[0][0] = 0.0;
    for k in 0..m {
        for i in 0..n {
            if !pot[k][i].is_finite() {
                continue;
            }
            let mut s = slot.start;
            for j in i..n {
                s = data.push(&s, tour[j]);
                let c = pot[k][i] + route_cost(&s);
                if c < pot[k + 1][j + 1] {
                    pot[k + 1][j + 1] = c;
                    pred[k + 1][j + 1] = i;
                }
            }
        }
    }
    let best_k = (1..=m).min_by(|&a, &b| pot[a][n].total_cmp(&pot[b][n])).unwrap_or(1);
    let mut routes = Vec::new();
    let (mut k, mut j) = (best_k, n);
    while k > 0 {
        let i = pred[k][j];
        routes.push(tour[i..j].to_vec());
        j = i;
        k -= 1;
    }
    routes.reverse();
    routes
}

/// Split for a mixed fleet: consecutive pieces of the tour go to the slots in order,
/// a slot may stay empty. Layered Bellman over slots; the last slot has no load
/// cut-off, so every tour has a split.
fn split_by_slot(data: &Data, pen: &Penalties, tour: &[usize]) -> Vec<Vec<usize>> {
    let (n, m) = (tour.len(), data.slots.len());
    let mut pot = vec![vec![f64::INFINITY; n + 1]; m + 1];
    // pred[k + 1][j] = i: slot k serves tour[i..j] (i == j: slot k unused).
    let mut pred = vec![vec![0; n + 1]; m + 1];
    pot[0][0] = 0.0;
    for k in 0..m {
        let slot = &data.slots[k];
        for i in 0..=n {
            if !pot[k][i].is_finite() {
                continue;
            }
            if pot[k][i] < pot[k + 1][i] {
                pot[k + 1][i] = pot[k][i];
                pred[k + 1][i] = i;
            }
            let mut s = slot.start;
            for j in i..n {
                s = data.push(&s, tour[j]);
                let c = pot[k][i] + pen.cost(&data.merge(&s, &slot.end), &slot.capacity);
                if c < pot[k + 1][j + 1] {
                    pot[k + 1][j + 1] = c;
                    pred[k + 1][j + 1] = i;
                }
                if k + 1 < m && far_over(&s.load, &slot.capacity) && j > i {
                    break;
                }
            }
        }
    }
    let mut routes = vec![Vec::new(); m];
    let mut j = n;
    for k in (0..m).rev() {
        let i = pred[k + 1][j];
        routes[k] = tour[i..j].to_vec();
        j = i;
    }
    routes
}

/// Order crossover (OX) on giant tours.
fn crossover(a: &[usize], b: &[usize], rng: &mut Rng, n_nodes: usize) -> Vec<usize> {
    let n = a.len();
    let (mut start, mut end) = (rng.below(n), rng.below(n));
    while end == start && n > 1 {
        end = rng.below(n);
    }
    if start > end {
        std::mem::swap(&mut start, &mut end);
    }
    let mut taken = vec![false; n_nodes];
    let mut child = vec![0; n];
    for k in start..=end {
        child[k] = a[k];
        taken[a[k]] = true;
    }
    let mut pos = (end + 1) % n;
    for k in 0..n {
        let c = b[(end + 1 + k) % n];
        if !taken[c] {
            child[pos] = c;
            pos = (pos + 1) % n;
        }
    }
    child
}

/// Runs the search; see [`super::solve`].
pub(crate) fn solve(p: &VrptwProblem, opts: &SolverOptions) -> Solution {
    let start = Instant::now();
    let data = Data::new(p);
    let n = p.customers();
    if n == 0 {
        return Solution { routes: vec![], distance: 0.0, iterations: 0, feasible: true };
    }
    let mut search = Search {
        data: &data,
        ls: LocalSearch::new(&data, granular_neighbours(p)),
        rng: Rng::new(opts.seed),
        pen: initial_penalties(p),
        feas: SubPop::default(),
        infeas: SubPop::default(),
        best: None,
        best_infeasible: None,
        load_hist: Vec::new(),
        warp_hist: Vec::new(),
    };
    let mut iterations: u64 = 0;
    let out_of_budget = |it: u64| {
        opts.max_iterations.is_some_and(|m| it >= m) || start.elapsed() >= opts.time_limit
    };
    'outer: loop {
        // (Re)initialise the population with random giant tours.
        for _ in 0..4 * MU {
            if out_of_budget(iterations) {
                break 'outer;
            }
            let mut tour: Vec<usize> = (1..=n).collect();
            search.rng.shuffle(&mut tour);
            iterations += 1;
            search.educate(tour);
        }
        let mut since_improvement: u64 = 0;
        while !out_of_budget(iterations) {
            iterations += 1;
            since_improvement += 1;
            search.feas.refresh(&search.pen);
            search.infeas.refresh(&search.pen);
            let pa = select(&search.feas, &search.infeas, &mut search.rng);
            let pb = select(&search.feas, &search.infeas, &mut search.rng);
            let child = crossover(&pa.tour, &pb.tour, &mut search.rng, n + 1);
            if search.educate(child) {
                since_improvement = 0;
            }
            if search.load_hist.len() >= PENALTY_PERIOD {
                search.adapt_penalties();
            }
            if since_improvement >= RESTART_AFTER {
                search.feas = SubPop::default();
                search.infeas = SubPop::default();
                continue 'outer;
            }
        }
        break;
    }
    search.into_solution(p, iterations)
}

/// Penalty weight scale of [`polish`]: a move that trades any measurable excess or time
/// warp for distance never pays, so feasible routes stay feasible.
const POLISH_PENALTY_SCALE: f64 = 1e6;

/// Runs the local search once on `routes` (customer sequences by vehicle slot); see
/// [`super::polish`]. `None` unless the routes hold every customer exactly once in
/// the problem's vehicle slots: the local search keeps its own positions of every
/// customer and must start from a complete, consistent set.
pub(crate) fn polish(p: &VrptwProblem, routes: &[Vec<usize>], seed: u64) -> Option<Solution> {
    let data = Data::new(p);
    let mut seen = vec![false; p.customers() + 1];
    for (slot, route) in routes.iter().enumerate() {
        if !route.is_empty() && slot >= data.slots.len() {
            return None;
        }
        for &c in route {
            if c == 0 || c > p.customers() || std::mem::replace(&mut seen[c], true) {
                return None;
            }
        }
    }
    if seen.iter().skip(1).any(|&s| !s) {
        return None;
    }
    let mut ls = LocalSearch::new(&data, granular_neighbours(p));
    let pen = initial_penalties(p).scaled(POLISH_PENALTY_SCALE);
    let ind = Individual::new(&data, ls.run(routes, pen, &mut Rng::new(seed)));
    let feasible = ind.feasible();
    let routes = listed(&data, ind.routes);
    let distance = p.routes_distance(&routes);
    Some(Solution { routes, distance, iterations: 1, feasible })
}

/// Routes by vehicle slot as a [`Solution`] lists them: interchangeable vehicles, the
/// used ones only; a mixed fleet, route `k` for vehicle `k`, trailing unused ones dropped.
fn listed(data: &Data, mut routes: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    if data.homogeneous {
        routes.retain(|r| !r.is_empty());
    } else {
        while routes.last().is_some_and(|r| r.is_empty()) {
            routes.pop();
        }
    }
    routes
}

/// Initial penalties: a unit of excess load costs about the longest edge per unit of
/// the largest demand, so penalties start on the scale of the objective.
fn initial_penalties(p: &VrptwProblem) -> Penalties {
    let max_dist = (0..p.len())
        .flat_map(|i| (0..p.len()).map(move |j| (i, j)))
        .map(|(i, j)| p.distance().get(i, j))
        .fold(0.0, f64::max);
    let mut pen = Penalties { load: [0.0; DIMS], warp: 1.0 };
    for k in 0..DIMS {
        let max_dem = p.nodes().iter().map(|c| c.demand[k]).fold(0.0, f64::max);
        pen.load[k] = if max_dem > 0.0 { (max_dist / max_dem).clamp(0.1, 1e5) } else { 1.0 };
    }
    pen
}

/// The state of one genetic search: the two sub-populations, the best solutions so far
/// and the penalty weights with their recent feasibility history.
struct Search<'d, 'a> {
    data: &'d Data<'a>,
    ls: LocalSearch<'d, 'a>,
    rng: Rng,
    pen: Penalties,
    feas: SubPop,
    infeas: SubPop,
    best: Option<Individual>,
    best_infeasible: Option<(f64, Individual)>,
    load_hist: Vec<bool>,
    warp_hist: Vec<bool>,
}

impl Search<'_, '_> {
    /// Educates one giant tour (split, local search, optional repair) and inserts the
    /// result; whether it improved the best feasible solution.
    fn educate(&mut self, tour: Vec<usize>) -> bool {
        let routes = split(self.data, &self.pen, &tour);
        let ind = Individual::new(self.data, self.ls.run(&routes, self.pen, &mut self.rng));
        self.load_hist.push(ind.load_feasible());
        self.warp_hist.push(ind.warp_feasible());
        let mut improved = self.consider(&ind);
        if ind.feasible() {
            self.feas.add(ind, &self.pen);
        } else {
            // Repair half the infeasible offspring with ten times the penalties.
            let repair = self.rng.unit() < 0.5;
            let routes = ind.routes.clone();
            self.infeas.add(ind, &self.pen);
            if repair {
                let scaled = self.pen.scaled(10.0);
                let fixed = Individual::new(self.data, self.ls.run(&routes, scaled, &mut self.rng));
                if fixed.feasible() {
                    improved |= self.consider(&fixed);
                    self.feas.add(fixed, &self.pen);
                }
            }
        }
        improved
    }

    /// Keeps `ind` if it is the best feasible solution so far (returns true), or, while
    /// none is feasible, the cheapest infeasible one.
    fn consider(&mut self, ind: &Individual) -> bool {
        if ind.feasible() {
            if self.best.as_ref().is_none_or(|b| ind.distance < b.distance - 1e-9) {
                self.best = Some(ind.clone());
                return true;
            }
        } else if self.best.is_none() {
            let c = ind.cost(&self.pen);
            if self.best_infeasible.as_ref().is_none_or(|(bc, _)| c < *bc) {
                self.best_infeasible = Some((c, ind.clone()));
            }
        }
        false
    }

    /// Moves each penalty weight towards [`TARGET_FEASIBLE`] offspring feasible in its
    /// dimension, and re-ranks the infeasible sub-population.
    fn adapt_penalties(&mut self) {
        let adapt = |w: f64, hist: &[bool]| {
            let frac = hist.iter().filter(|&&f| f).count() as f64 / hist.len() as f64;
            if frac < TARGET_FEASIBLE - 0.05 {
                (w * 1.2).min(1e5)
            } else if frac > TARGET_FEASIBLE + 0.05 {
                (w * 0.85).max(0.1)
            } else {
                w
            }
        };
        self.pen.warp = adapt(self.pen.warp, &self.warp_hist);
        self.pen.load = self.pen.load.map(|w| adapt(w, &self.load_hist));
        self.load_hist.clear();
        self.warp_hist.clear();
        self.infeas.update_fitness(&self.pen);
    }

    /// The best solution found: feasible if any was, else the cheapest infeasible one,
    /// else (no individual built within the budget) the identity tour split, the
    /// plainest answer (feasibility left to the checker).
    fn into_solution(self, p: &VrptwProblem, iterations: u64) -> Solution {
        let (ind, feasible) = match (self.best, self.best_infeasible) {
            (Some(b), _) => (b, true),
            (None, Some((_, b))) => (b, false),
            (None, None) => {
                let tour: Vec<usize> = (1..=p.customers()).collect();
                let routes = split(self.data, &self.pen, &tour);
                (Individual::new(self.data, routes), false)
            }
        };
        let routes = listed(self.data, ind.routes);
        let distance = p.routes_distance(&routes);
        Solution { routes, distance, iterations, feasible }
    }
}

/// Binary tournament on biased fitness over both sub-populations.
fn select<'p>(feas: &'p SubPop, infeas: &'p SubPop, rng: &mut Rng) -> &'p Individual {
    let total = feas.inds.len() + infeas.inds.len();
    let pick = |k: usize| {
        if k < feas.inds.len() {
            (&feas.inds[k], feas.fitness[k])
        } else {
            let k = k - feas.inds.len();
            (&infeas.inds[k], infeas.fitness[k])
        }
    };
    let a = pick(rng.below(total));
    let b = pick(rng.below(total));
    if a.1 <= b.1 {
        a.0
    } else {
        b.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::problem::{Matrix, Node};
    use super::*;

    /// `n` customers on a circle, each needing a whole vehicle's capacity.
    fn full_loads(n: usize, vehicles: usize) -> VrptwProblem {
        let pos: Vec<(f64, f64)> =
            (0..=n).map(|i| if i == 0 { (0.0, 0.0) } else { (i as f64).sin_cos() }).collect();
        let d = Matrix::from_fn(n + 1, |i, j| f64::hypot(pos[i].0 - pos[j].0, pos[i].1 - pos[j].1));
        let mut nodes = vec![Node { demand: [0.0; 2], ready: 0.0, due: 100.0, service: 0.0 }];
        nodes.extend((0..n).map(|_| Node {
            demand: [1.0, 0.5],
            ready: 0.0,
            due: 100.0,
            service: 1.0,
        }));
        VrptwProblem::new(nodes, d.clone(), d, vehicles, [1.0, 1.0]).unwrap()
    }

    #[test]
    fn split_respects_the_fleet_and_keeps_the_order() {
        let pen = Penalties { load: [100.0; 2], warp: 1.0 };
        let tour = [3, 1, 5, 2, 6, 4];
        // Enough vehicles: one customer per route (any sharing costs 100 per unit over).
        let p = full_loads(6, 10);
        let data = Data::new(&p);
        let routes = split(&data, &pen, &tour);
        assert_eq!(routes.len(), 6);
        assert_eq!(routes.concat(), tour);
        // Three vehicles: the layered split must still return at most three routes.
        let p = full_loads(6, 3);
        let data = Data::new(&p);
        let routes = split(&data, &pen, &tour);
        assert!(routes.len() <= 3, "{routes:?}");
        assert_eq!(routes.concat(), tour);
    }

    #[test]
    fn crossover_yields_a_permutation_containing_a_slice_of_the_first_parent() {
        let mut rng = Rng::new(3);
        let a: Vec<usize> = (1..=9).collect();
        let b: Vec<usize> = (1..=9).rev().collect();
        for _ in 0..50 {
            let child = crossover(&a, &b, &mut rng, 10);
            let mut sorted = child.clone();
            sorted.sort();
            assert_eq!(sorted, a);
            // At least two consecutive positions are copied from `a` unchanged.
            assert!(child.iter().zip(&a).filter(|(c, x)| c == x).count() >= 2, "{child:?}");
        }
    }

    #[test]
    fn local_search_never_worsens_and_respects_the_fleet() {
        let p = full_loads(8, 4);
        let data = Data::new(&p);
        let pen = Penalties { load: [50.0; 2], warp: 1.0 };
        let mut ls = LocalSearch::new(&data, granular_neighbours(&p));
        let mut rng = Rng::new(5);
        let start = vec![vec![1, 5, 2], vec![8, 3], vec![4, 7, 6]];
        let before = Individual::new(&data, start.clone()).cost(&pen);
        let out = ls.run(&start, pen, &mut rng);
        let after = Individual::new(&data, out.clone());
        assert!(after.cost(&pen) < before, "{} >= {before}", after.cost(&pen));
        assert!(out.len() <= 4);
        let mut all = out.concat();
        all.sort();
        assert_eq!(all, (1..=8).collect::<Vec<_>>());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// The close-neighbour mean is that of a full sort of the distances: the same
        /// value to the bit, ties and small populations included.
        #[test]
        fn avg_close_is_the_mean_of_the_sorted_closest(
            values in proptest::collection::vec(0u8..8, 0..40),
        ) {
            let n = (values.len() as f64).sqrt() as usize;
            let dist: Vec<Vec<f64>> = (0..n)
                .map(|i| (0..n).map(|j| if i == j { 0.0 } else { f64::from(values[i * n + j]) / 7.0 }).collect())
                .collect();
            let pop = SubPop { dist: dist.clone(), ..SubPop::default() };
            for (i, row) in dist.iter().enumerate() {
                let mut others: Vec<f64> =
                    row.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, &d)| d).collect();
                others.sort_by(f64::total_cmp);
                let k = NB_CLOSE.min(others.len());
                let expected =
                    if k == 0 { 0.0 } else { others[..k].iter().sum::<f64>() / k as f64 };
                proptest::prop_assert_eq!(pop.avg_close(i).to_bits(), expected.to_bits());
            }
        }
    }
}
