//! Van routing for the orders drones do not take, in departure waves.
//!
//! Vans leave their depot in waves every [`WAVE_S`] seconds from the start of the shift
//! and are back before the next wave (the last wave by the end of the shift). An order
//! joins the first wave that departs after it is picked and loaded and that can reach it
//! inside its window; each (wave, depot) is a VRPTW over the road network's travel-time
//! matrix, with two capacity dimensions (kg, m^3), solved by [`crate::ground::vrptw`]
//! with a fixed iteration budget (so plans are reproducible) and checked by its
//! independent checker.
//!
//! When a wave area holds more customers than its vans can serve, the vans take as many
//! as fit and the rest move to the next wave: cheapest feasible insertion
//! ([`vrptw::insert_cheapest`]) picks them, those whose window closes in this wave first,
//! and the search then shortens the routes of those picked, its local search alone once
//! more after the customers left out are offered again (`route_what_fits`). An area
//! that insertion nearly fits is first searched for routes that serve everyone.
//!
//! A wave of more than [`MAX_AREA_CUSTOMERS`] customers is cut into sectors by bearing
//! from the depot, each solved on its own with a share of the vans in proportion to its
//! customers, because the solver's cost grows faster than its size (the measurements
//! are in BENCHMARKS.md, "Any city, fast"). A wave's solves share one wall-clock budget
//! that grows with the wave, at most 30 s. Warm-starting a wave from the previous wave's
//! routes does not apply: consecutive waves serve disjoint customers.
//!
//! Solves run in parallel: a wave's areas, and the next waves (one per thread) as they
//! are when no wave before them defers a customer, which is the usual case; a wave that
//! defers someone has the waves after it planned again with them. Every solve has fixed
//! inputs and seed and ends on its iteration budget, so the routes are the same on any
//! number of threads (unless a wave's wall-clock budget binds, see `wave_budget_s`).

use std::f64::consts::TAU;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::ground::roads::{NodeId, RoadGraph};
use crate::ground::vrptw::{self, check_feasibility, Matrix, Node, SolverOptions, VrptwProblem};
use crate::mission::{Mission, Order, Service};
use crate::plan::{Reason, ReasonKind, VanRoute, VanStop, VanWave};

/// Time between van departures, s.
pub const WAVE_S: f64 = 3600.0;
/// Time to hand over one parcel at the door, s.
pub const VAN_SERVICE_S: f64 = 180.0;
/// Furthest an address may be from a drivable road, m.
pub const MAX_SNAP_M: f64 = 250.0;
/// Solver iterations per wave (deterministic budget).
const SOLVER_ITERATIONS: u64 = 400;
/// Most customers one VRPTW solve takes; a larger wave is split by area.
pub const MAX_AREA_CUSTOMERS: usize = 60;
/// Wall-clock budget of a wave's solves per customer, s (see `wave_budget`).
const WAVE_S_PER_CUSTOMER: f64 = 0.5;
/// Rounds of an overfull wave area, each shortening its routes and then inserting
/// customers left out (see `route_what_fits`): the full search in the first, the
/// local search alone after.
const ROUNDS_AFTER_INSERTION: usize = 2;
/// A wave area is searched for routes that serve every customer when insertion leaves
/// out at most this fraction (numerator, denominator) of them: the search finds routes
/// insertion misses, but not for an area that far over its vans.
const FULL_SEARCH_LEFT_OUT: (usize, usize) = (1, 10);
/// Least and most wall-clock budget of one wave's solves, s.
const WAVE_BUDGET_S: (f64, f64) = (5.0, 30.0);

/// An order waiting for a van.
#[derive(Debug, Clone)]
pub(crate) struct VanOrder {
    pub order: usize,
    pub ready_s: f64,
    pub window_to_s: f64,
    pub window_from_s: f64,
    pub demand: [f64; 2],
}

/// What happened to each van order: route index, or the reason it could not go.
pub(crate) type VanOutcome = (usize, Result<usize, Reason>);

/// Every van order's routes and outcome, and each wave's search as the summary reports
/// it.
#[derive(Default)]
pub(crate) struct VanPlan {
    /// The routes, in the order of their waves.
    pub routes: Vec<VanRoute>,
    /// One outcome per van order, by order: its route index, or why it has none.
    pub outcomes: Vec<VanOutcome>,
    /// The waves that had orders to route, in departure order per depot.
    pub waves: Vec<VanWave>,
}

/// Routes every van order: the routes, one outcome per van order, and the waves.
pub(crate) fn route_vans(
    mission: &Mission,
    graph: &RoadGraph,
    depot_xy: &[[f64; 2]],
    dests: &[[f64; 2]],
    orders: Vec<VanOrder>,
) -> VanPlan {
    let mut routes = Vec::new();
    let mut outcomes = Vec::new();
    let mut waves = Vec::new();
    let groups: Vec<(usize, &crate::mission::VanGroup, NodeId)> = mission
        .fleet
        .vans
        .iter()
        .filter_map(|g| {
            let d = mission.depots.iter().position(|d| d.id == g.depot)?;
            let (node, snap) = graph.nearest_node(depot_xy[d])?;
            (snap <= MAX_SNAP_M).then_some((d, g, node))
        })
        .filter(|(_, g, _)| g.count > 0)
        .collect();
    if groups.is_empty() {
        for o in orders {
            outcomes.push((
                o.order,
                Err(Reason::new(
                    ReasonKind::NoVans,
                    "the fleet has no van that can reach the road network",
                )),
            ));
        }
        return VanPlan { routes, outcomes, waves };
    }
    // Each order goes to the group whose depot reaches it soonest.
    let reach: Vec<Vec<f64>> =
        groups.iter().map(|(_, _, n)| graph.shortest_times_from(*n)).collect();
    let mut per_group: Vec<Vec<(VanOrder, NodeId)>> = vec![Vec::new(); groups.len()];
    for o in orders {
        let cap_ok = |g: &crate::mission::VanGroup| {
            o.demand[0] <= g.capacity_kg && o.demand[1] <= g.capacity_m3
        };
        match graph.nearest_node(dests[o.order]) {
            Some((node, snap)) if snap <= MAX_SNAP_M => {
                let best = (0..groups.len())
                    .filter(|&k| cap_ok(groups[k].1) && reach[k][node.index()].is_finite())
                    .min_by(|&a, &b| reach[a][node.index()].total_cmp(&reach[b][node.index()]));
                match best {
                    Some(k) => per_group[k].push((o, node)),
                    None => outcomes.push((o.order, Err(Reason::new(ReasonKind::TooBigForVan, format!(
                        "{:.1} kg, {:.3} m^3 exceeds every van's capacity or no van depot reaches the address",
                        o.demand[0], o.demand[1]
                    ))))),
                }
            }
            Some((_, snap)) => outcomes.push((
                o.order,
                Err(Reason::new(
                    ReasonKind::NoRoad,
                    format!("the address is {snap:.0} m from the nearest drivable road"),
                )),
            )),
            None => outcomes.push((
                o.order,
                Err(Reason::new(ReasonKind::NoRoad, "the map has no drivable roads")),
            )),
        }
    }

    for (k, (depot, group, depot_node)) in groups.iter().enumerate() {
        let fleet = Fleet { mission, graph, depot: *depot, group, depot_node: *depot_node };
        let mut waiting = std::mem::take(&mut per_group[k]);
        let (start, end) = (group.shift_start.seconds(), group.shift_end.seconds());
        let mut wave_start = start;
        let threads = rayon::current_num_threads();
        let mut ahead = threads;
        while wave_start < end && !waiting.is_empty() {
            // The next waves as they are when none of them defers a customer (the usual
            // case), one per thread, solved together; recorded in order up to the first
            // wave that defers someone, after which the waves are planned again. Each
            // solve has fixed inputs and seed, so the routes do not depend on threads.
            // After a wave that deferred, only one: on a day whose waves all overflow,
            // every wave solved ahead would be solved in vain.
            let mut plans = plan_waves(std::mem::take(&mut waiting), wave_start, end, ahead);
            ahead = threads;
            let offered: Vec<usize> = plans.iter().map(|p| p.now.len()).collect();
            let solved: Vec<Vec<AreaSolve>> = plans
                .par_iter_mut()
                .map(|plan| fleet.solve_wave(plan, depot_xy[*depot], dests))
                .collect();
            for ((plan, areas), offered) in plans.into_iter().zip(solved).zip(offered) {
                let mut report = VanWave {
                    depot_id: mission.depots[*depot].id.clone(),
                    departs_s: plan.start_s,
                    orders: offered,
                    routed: 0,
                    deferred: 0,
                    areas: areas.len(),
                    budget_s: wave_budget_s(offered),
                    budget_ran_out: false,
                };
                let mut deferred = Vec::new();
                for area in areas {
                    report.routed += area.routed.as_ref().map_or(0, |r| r.now.len());
                    report.budget_ran_out |= area.budget_ran_out;
                    deferred.extend(fleet.record_area(
                        plan.start_s,
                        area,
                        &mut routes,
                        &mut outcomes,
                    ));
                }
                report.deferred = deferred.len();
                if offered > 0 {
                    waves.push(report);
                }
                wave_start = plan.end_s;
                waiting = plan.later;
                if !deferred.is_empty() {
                    waiting.extend(deferred);
                    waiting.sort_by_key(|(o, _)| o.order);
                    ahead = 1;
                    break;
                }
            }
        }
        for (o, _) in waiting {
            outcomes.push((o.order, Err(Reason::new(ReasonKind::Van, format!(
                "no van wave before the end of the shift could deliver it inside its window (ready {}, window ends {})",
                crate::mission::ClockTime(o.ready_s),
                crate::mission::ClockTime(o.window_to_s)
            )))));
        }
    }
    outcomes.sort_by_key(|(o, _)| *o);
    VanPlan { routes, outcomes, waves }
}

/// One van group's depot and vans, and the road graph they drive on.
struct Fleet<'a> {
    mission: &'a Mission,
    graph: &'a RoadGraph,
    depot: usize,
    group: &'a crate::mission::VanGroup,
    depot_node: NodeId,
}

/// One van wave as planned ahead: its departure and end, its customers, and the
/// customers left for later waves (by order).
struct WavePlan {
    start_s: f64,
    end_s: f64,
    now: Vec<(VanOrder, NodeId)>,
    later: Vec<(VanOrder, NodeId)>,
}

/// The waves from `wave_start` up to the `count`-th that has customers (a wave nobody is
/// ready for costs nothing to solve, so it does not count), each taking the orders
/// eligible then of those the waves before it leave, as if no wave deferred a customer.
fn plan_waves(
    mut waiting: Vec<(VanOrder, NodeId)>,
    mut wave_start: f64,
    end: f64,
    count: usize,
) -> Vec<WavePlan> {
    let mut plans: Vec<WavePlan> = Vec::new();
    let mut with_customers = 0;
    while with_customers < count.max(1) && wave_start < end && !waiting.is_empty() {
        let wave_end = (wave_start + WAVE_S).min(end);
        let wave_end = if wave_end + WAVE_S > end { end } else { wave_end };
        // Eligible: ready by departure, window open before the wave ends and not closed
        // before it starts.
        let (now, mut later): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|(o, _)| {
            o.ready_s <= wave_start && o.window_from_s < wave_end && o.window_to_s >= wave_start
        });
        later.sort_by_key(|(o, _)| o.order);
        waiting = later.clone();
        with_customers += usize::from(!now.is_empty());
        plans.push(WavePlan { start_s: wave_start, end_s: wave_end, now, later });
        wave_start = wave_end;
    }
    plans
}

/// One wave area after its solves: the solved problem when its routes hold, the
/// customers moved out to a later wave, and the orders refused outright.
struct AreaSolve {
    /// The orders routed, their problem, stops, customers and solution.
    routed: Option<RoutedArea>,
    deferred: Vec<(VanOrder, NodeId)>,
    refused: Vec<VanOutcome>,
    /// Whether one of its searches stopped on the wave's wall-clock budget.
    budget_ran_out: bool,
}

/// A feasible solve of one wave area.
struct RoutedArea {
    now: Vec<(VanOrder, NodeId)>,
    problem: VrptwProblem,
    stops: Vec<NodeId>,
    customers: Vec<Customer>,
    solution: vrptw::Solution,
}

impl Fleet<'_> {
    /// Solves the wave `plan` (its customers taken out of it), split by area around
    /// the depot at `depot_xy`; the areas in parallel, each with its share of the
    /// wave's budget.
    fn solve_wave(
        &self,
        plan: &mut WavePlan,
        depot_xy: [f64; 2],
        dests: &[[f64; 2]],
    ) -> Vec<AreaSolve> {
        let wave = (plan.start_s, plan.end_s);
        let now = std::mem::take(&mut plan.now);
        let budget_s = wave_budget_s(now.len());
        let customers = now.len().max(1) as f64;
        split_by_area(now, depot_xy, dests, self.group.count as usize)
            .into_par_iter()
            .map(|(part, vans)| {
                let share = Duration::from_secs_f64(budget_s * part.len() as f64 / customers);
                self.solve_area(wave, part, vans, share)
            })
            .collect()
    }

    /// Solves `now` (one area of one wave) with `vans` vans, the search stopped after
    /// `budget` if its iterations are not done by then. When the vans cannot serve every
    /// customer, [`route_what_fits`] chooses the ones they can.
    fn solve_area(
        &self,
        wave: (f64, f64),
        now: Vec<(VanOrder, NodeId)>,
        vans: usize,
        budget: Duration,
    ) -> AreaSolve {
        let mut out = AreaSolve {
            routed: None,
            deferred: Vec::new(),
            refused: Vec::new(),
            budget_ran_out: false,
        };
        if now.is_empty() {
            return out;
        }
        let customers = customers(self.mission, &now, wave);
        let mut stops = vec![self.depot_node];
        stops.extend(customers.iter().map(|c| now[c.members[0]].1));
        let problem = match self.area_problem(&stops, &customers, wave, vans) {
            Ok(p) => p,
            Err(e) => {
                for (o, _) in now {
                    out.refused.push((o.order, Err(Reason::new(ReasonKind::Van, e.to_string()))));
                }
                return out;
            }
        };
        // The area's solves share its budget.
        let deadline = Instant::now() + budget;
        // Insertion first: cheap, and it tells how far over its vans the area is.
        let mut routes = Vec::new();
        let left = insert_by_urgency(&problem, &mut routes, wave.1);
        if left.len() * FULL_SEARCH_LEFT_OUT.1 <= FULL_SEARCH_LEFT_OUT.0 * problem.customers() {
            let solution = search(&problem, deadline, &mut out.budget_ran_out);
            if check_feasibility(&problem, &solution).is_ok() {
                out.routed = Some(RoutedArea { now, problem, stops, customers, solution });
                return out;
            }
        }
        let area = Unsolved { now, problem, stops, customers };
        let mut fitted = route_what_fits(area, routes, left, deadline);
        fitted.budget_ran_out |= out.budget_ran_out;
        fitted
    }

    /// The VRPTW of one wave area: the depot's window is the wave, the customers' nodes
    /// as [`customers`] made them, travel over the roads between `stops` (depot first).
    fn area_problem(
        &self,
        stops: &[NodeId],
        customers: &[Customer],
        (wave_start, wave_end): (f64, f64),
        vans: usize,
    ) -> Result<VrptwProblem, vrptw::ProblemError> {
        let m = self.graph.travel_matrix(stops);
        let n = stops.len();
        let mut nodes =
            vec![Node { demand: [0.0; 2], ready: wave_start, due: wave_end, service: 0.0 }];
        nodes.extend(customers.iter().map(|c| c.node.clone()));
        let dist = Matrix::from_fn(n, |i, j| m.distance(i, j));
        let time = Matrix::from_fn(n, |i, j| m.time(i, j));
        let capacity = [self.group.capacity_kg, self.group.capacity_m3];
        VrptwProblem::new(nodes, dist, time, vans, capacity)
    }

    /// Adds a solved area's routes (numbered after the wave's routes so far) and
    /// outcomes; returns the customers left for a later wave.
    fn record_area(
        &self,
        wave_start: f64,
        area: AreaSolve,
        routes: &mut Vec<VanRoute>,
        outcomes: &mut Vec<VanOutcome>,
    ) -> Vec<(VanOrder, NodeId)> {
        outcomes.extend(area.refused);
        let Some(RoutedArea { now, problem, stops, customers, solution }) = area.routed else {
            return area.deferred;
        };
        let depot_id = &self.mission.depots[self.depot].id;
        let ids: Vec<&str> =
            now.iter().map(|(o, _)| self.mission.orders[o.order].id.as_str()).collect();
        let solved = Solved { problem: &problem, stops: &stops, customers: &customers };
        for r in &solution.routes {
            let k = routes_in_wave(routes, wave_start, depot_id) + 1;
            let van_id = format!("{depot_id}/van#{k}");
            let route =
                build_route(self.graph, &solved, r, &now, &ids, van_id, depot_id, wave_start);
            for &c in r {
                for &k in &customers[c - 1].members {
                    outcomes.push((now[k].0.order, Ok(routes.len())));
                }
            }
            routes.push(route);
        }
        area.deferred
    }
}

/// One wave area's problem before its routes: its orders, the VRPTW, the stops' road
/// nodes (depot first) and the customers, as in [`RoutedArea`].
struct Unsolved {
    now: Vec<(VanOrder, NodeId)>,
    problem: VrptwProblem,
    stops: Vec<NodeId>,
    customers: Vec<Customer>,
}

/// The area's customers inserted into `routes` ([`vrptw::insert_cheapest`]: feasible by
/// construction), those whose window closes inside this wave (before `wave_end`) first,
/// as they cannot wait for the next one; returns those left out, the same way ordered.
fn insert_by_urgency(
    problem: &VrptwProblem,
    routes: &mut Vec<Vec<usize>>,
    wave_end: f64,
) -> Vec<usize> {
    let expiring = |c: &usize| problem.nodes()[*c].due < wave_end;
    let (first, then): (Vec<usize>, Vec<usize>) = (1..=problem.customers()).partition(expiring);
    let mut left = vrptw::insert_cheapest(problem, routes, &first);
    left.extend(vrptw::insert_cheapest(problem, routes, &then));
    left
}

/// Routes as many of an area's customers as its vans can serve in the wave, starting
/// from `routes` that [`insert_by_urgency`] built, and defers the rest (`left`) to a
/// later wave. The search shortens the chosen customers' routes (its routes are kept
/// only if feasible and shorter), which can leave room for more, so the customers left
/// out are offered again; when some of them fit, the routes are shortened once more by
/// the local search alone ([`vrptw::polish`]; at most [`ROUNDS_AFTER_INSERTION`]
/// rounds).
///
/// This replaces searching for routes that serve everyone and moving out whoever breaks
/// them, one solve per round: on a day far over its vans' capacity that took most of the
/// day's time (BENCHMARKS.md, "Any city, fast").
fn route_what_fits(
    area: Unsolved,
    mut routes: Vec<Vec<usize>>,
    mut left: Vec<usize>,
    deadline: Instant,
) -> AreaSolve {
    let problem = &area.problem;
    let mut budget_ran_out = false;
    for round in 0..ROUNDS_AFTER_INSERTION {
        let chosen: Vec<usize> = routes.iter().flatten().copied().collect();
        if chosen.is_empty() {
            break;
        }
        let sub = problem.restricted_to(&chosen);
        // The full search once; after that only its local search, from the routes as
        // insertion left them: a second full search cost a third of a 5,000-order
        // day's van time for about 1 % of its van km (BENCHMARKS.md, "Any city, fast").
        let solution = if round == 0 {
            Some(search(&sub, deadline, &mut budget_ran_out))
        } else {
            vrptw::polish(&sub, &numbered_in_route_order(&routes), 1)
        };
        let better = solution.filter(|s| {
            s.distance < problem.routes_distance(&routes) && check_feasibility(&sub, s).is_ok()
        });
        if let Some(solution) = better {
            routes = solution
                .routes
                .iter()
                .map(|r| r.iter().map(|&c| chosen[c - 1]).collect())
                .collect();
        }
        let before = left.len();
        left = vrptw::insert_cheapest(problem, &mut routes, &left);
        if left.len() == before {
            break;
        }
    }
    routes.retain(|r| !r.is_empty());
    AreaSolve { budget_ran_out, ..keep_served(area, &routes) }
}

/// `routes`, the empty ones left out, with their customers numbered 1, 2, ... in route
/// order, as [`VrptwProblem::restricted_to`] numbers them when given the routes'
/// customers in that order.
fn numbered_in_route_order(routes: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut last = 0;
    routes
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            let first = last + 1;
            last += r.len();
            (first..=last).collect()
        })
        .collect()
}

/// The area's problem cut down to the customers `routes` serve (renumbered in route
/// order), with those routes as its solution, checked; the other orders deferred.
fn keep_served(area: Unsolved, routes: &[Vec<usize>]) -> AreaSolve {
    let Unsolved { now, problem, stops, customers } = area;
    let served: Vec<usize> = routes.iter().flatten().copied().collect();
    let mut orders: Vec<Option<(VanOrder, NodeId)>> = now.into_iter().map(Some).collect();
    let mut kept = RoutedArea {
        now: Vec::new(),
        problem: problem.restricted_to(&served),
        stops: vec![stops[0]],
        customers: Vec::new(),
        solution: vrptw::Solution {
            routes: Vec::new(),
            distance: 0.0,
            iterations: 0,
            feasible: true,
        },
    };
    for &c in &served {
        let mut members = Vec::new();
        for &m in &customers[c - 1].members {
            if let Some(order) = orders[m].take() {
                members.push(kept.now.len());
                kept.now.push(order);
            }
        }
        kept.customers.push(Customer { members, node: customers[c - 1].node.clone() });
        kept.stops.push(stops[c]);
    }
    kept.solution.routes = numbered_in_route_order(routes);
    kept.solution.distance = kept.problem.routes_distance(&kept.solution.routes);
    let mut deferred: Vec<(VanOrder, NodeId)> = orders.into_iter().flatten().collect();
    let routed = if served.is_empty() {
        None
    } else if check_feasibility(&kept.problem, &kept.solution).is_ok() {
        Some(kept)
    } else {
        // Insertion keeps every rule the checker tests; should it ever not, nothing of
        // this area goes out in this wave rather than a route that breaks a window.
        deferred.extend(kept.now);
        None
    };
    AreaSolve { routed, deferred, refused: Vec::new(), budget_ran_out: false }
}

/// One VRPTW customer of a wave: one order at its address, or every order of the wave
/// to one locker whose windows overlap, served at one stop with one service time.
struct Customer {
    /// Indices of its orders in the wave's list.
    members: Vec<usize>,
    /// The stop as the solver sees it.
    node: Node,
}

/// The customers of one wave's orders `now`: a locker's orders share one stop (their
/// demands add up, their windows intersect, one service time), others have their own.
fn customers(
    mission: &Mission,
    now: &[(VanOrder, NodeId)],
    (wave_start, wave_end): (f64, f64),
) -> Vec<Customer> {
    let mut out: Vec<Customer> = Vec::new();
    for (k, (o, _)) in now.iter().enumerate() {
        let ready = o.window_from_s.max(wave_start);
        let due = o.window_to_s.min(wave_end).max(ready);
        let locker = mission.orders[o.order].locker.as_deref();
        let shared = locker.and_then(|id| {
            out.iter_mut().find(|c| {
                let first = &mission.orders[now[c.members[0]].0.order];
                first.locker.as_deref() == Some(id)
                    && ready.max(c.node.ready) <= due.min(c.node.due)
            })
        });
        match shared {
            Some(c) => {
                c.members.push(k);
                c.node.demand = [c.node.demand[0] + o.demand[0], c.node.demand[1] + o.demand[1]];
                c.node.ready = c.node.ready.max(ready);
                c.node.due = c.node.due.min(due);
            }
            None => out.push(Customer {
                members: vec![k],
                node: Node { demand: o.demand, ready, due, service: VAN_SERVICE_S },
            }),
        }
    }
    out
}

/// A solved wave area: the problem, its stops' road nodes (depot first) and customers.
struct Solved<'a> {
    problem: &'a VrptwProblem,
    stops: &'a [NodeId],
    customers: &'a [Customer],
}

/// A wave area's search of `problem` with the fixed seed and iteration budget, stopped
/// at `deadline` if its iterations are not done by then (which sets `ran_out`).
fn search(problem: &VrptwProblem, deadline: Instant, ran_out: &mut bool) -> vrptw::Solution {
    let time_limit = deadline.saturating_duration_since(Instant::now());
    let options = SolverOptions { time_limit, seed: 1, max_iterations: Some(SOLVER_ITERATIONS) };
    let solution = vrptw::solve(problem, &options);
    *ran_out |= problem.customers() > 0 && solution.iterations < SOLVER_ITERATIONS;
    solution
}

/// The wall-clock budget of one wave of `customers` customers, s, shared by its areas
/// in proportion to their customers: in proportion to the wave's size, at most 30 s (the
/// cap one solve had before waves were split). The iteration budget ends every solve of
/// the shipped days long before it (their plans are reproducible); on a day whose waves
/// hold hundreds of customers the budget binds, and the routes depend on the machine.
fn wave_budget_s(customers: usize) -> f64 {
    (WAVE_S_PER_CUSTOMER * customers as f64).clamp(WAVE_BUDGET_S.0, WAVE_BUDGET_S.1)
}

/// A wave's customers cut into areas of at most [`MAX_AREA_CUSTOMERS`] (sectors of
/// equal count around the depot, in bearing order), each with its share of the `vans`
/// vans (proportional to its customers, at least one). A small wave is one area with
/// every van. Solving areas apart keeps each VRPTW small, so a wave's time grows with
/// its size instead of faster.
fn split_by_area(
    customers: Vec<(VanOrder, NodeId)>,
    depot_xy: [f64; 2],
    dests: &[[f64; 2]],
    vans: usize,
) -> Vec<(Vec<(VanOrder, NodeId)>, usize)> {
    let n = customers.len();
    let areas = n.div_ceil(MAX_AREA_CUSTOMERS).min(vans).max(1);
    if areas == 1 {
        return vec![(customers, vans)];
    }
    let bearing = |o: &VanOrder| {
        let p = dests[o.order];
        (p[1] - depot_xy[1]).atan2(p[0] - depot_xy[0])
    };
    let mut sorted = customers;
    sorted.sort_by(|(a, _), (b, _)| bearing(a).total_cmp(&bearing(b)).then(a.order.cmp(&b.order)));
    // Start the sweep after the widest empty bearing gap, so no area straddles it.
    let gap_after = (0..n)
        .max_by(|&i, &j| {
            let gap = |k: usize| {
                let next =
                    if k + 1 < n { bearing(&sorted[k + 1].0) } else { bearing(&sorted[0].0) + TAU };
                next - bearing(&sorted[k].0)
            };
            gap(i).total_cmp(&gap(j))
        })
        .unwrap_or(n - 1);
    sorted.rotate_left((gap_after + 1) % n);
    let shares = van_shares(n, areas, vans);
    let mut out = Vec::with_capacity(areas);
    let mut rest = sorted.into_iter();
    for (a, vans) in shares.into_iter().enumerate() {
        let size = n / areas + usize::from(a < n % areas);
        out.push((rest.by_ref().take(size).collect(), vans));
    }
    out
}

/// `vans` split over `areas` areas of about `n / areas` customers each: one each, the
/// rest in proportion (largest remainder first, ties to the first area).
fn van_shares(n: usize, areas: usize, vans: usize) -> Vec<usize> {
    let sizes: Vec<usize> = (0..areas).map(|a| n / areas + usize::from(a < n % areas)).collect();
    let spare = vans - areas;
    let mut shares: Vec<usize> = sizes.iter().map(|s| 1 + spare * s / n).collect();
    let mut left = vans - shares.iter().sum::<usize>();
    let mut by_remainder: Vec<usize> = (0..areas).collect();
    by_remainder.sort_by_key(|&a| std::cmp::Reverse(spare * sizes[a] % n));
    for a in by_remainder {
        if left == 0 {
            break;
        }
        shares[a] += 1;
        left -= 1;
    }
    shares
}

fn routes_in_wave(routes: &[VanRoute], wave_start: f64, depot: &str) -> usize {
    routes.iter().filter(|r| r.depot_id == depot && r.times_s.first() == Some(&wave_start)).count()
}

/// The road polyline and timetable of one solved route. The orders of a shared
/// locker stop are listed as consecutive stops with one and the same timetable.
#[expect(
    clippy::too_many_arguments,
    reason = "one route's solver output, problem and road data, all needed to lay it on the roads"
)]
fn build_route(
    graph: &RoadGraph,
    solved: &Solved,
    route: &[usize],
    orders: &[(VanOrder, NodeId)],
    order_ids: &[&str],
    van_id: String,
    depot_id: &str,
    depart_s: f64,
) -> VanRoute {
    let (problem, stops) = (solved.problem, solved.stops);
    let mut r = VanRoute {
        van_id,
        depot_id: depot_id.to_string(),
        stops: Vec::new(),
        path_m: vec![graph.point(stops[0])],
        times_s: vec![depart_s],
        node_ids: vec![graph.osm_id(stops[0])],
        distance_m: 0.0,
        load_kg: 0.0,
        load_m3: 0.0,
    };
    let mut t = depart_s;
    let mut at = 0usize;
    let sequence: Vec<usize> = route.iter().copied().chain(std::iter::once(0)).collect();
    for &next in &sequence {
        if let Some(leg) = graph.route(stops[at], stops[next]) {
            for i in 1..leg.points.len() {
                r.path_m.push(leg.points[i]);
                r.times_s.push(t + leg.cumulative_time_s[i]);
                r.node_ids.push(leg.node_ids[i]);
            }
            t += leg.time_s;
            r.distance_m += leg.distance_m;
        }
        if next != 0 {
            let node = &problem.nodes()[next];
            let start = t.max(node.ready);
            if start > t {
                r.path_m.push(graph.point(stops[next]));
                r.times_s.push(start);
                r.node_ids.push(graph.osm_id(stops[next]));
            }
            let depart = start + node.service;
            r.path_m.push(graph.point(stops[next]));
            r.times_s.push(depart);
            r.node_ids.push(graph.osm_id(stops[next]));
            for &k in &solved.customers[next - 1].members {
                r.stops.push(VanStop {
                    order_id: order_ids[k].to_string(),
                    pos_m: graph.point(stops[next]),
                    arrive_s: t,
                    service_start_s: start,
                    depart_s: depart,
                });
                r.load_kg += orders[k].0.demand[0];
                r.load_m3 += orders[k].0.demand[1];
            }
            t = depart;
        }
        at = next;
    }
    r
}

/// The delivery window of a van order: (from, to), seconds since midnight.
pub(crate) fn window(
    mission: &Mission,
    order: usize,
    ready_s: f64,
    shift_end_s: f64,
) -> (f64, f64) {
    window_of(&mission.orders[order], ready_s, shift_end_s)
}

/// When the last van shift of `mission` ends, s since midnight (0 without vans): the
/// latest a van without a delivery window may bring a parcel.
pub(crate) fn last_shift_end_s(mission: &Mission) -> f64 {
    mission.fleet.vans.iter().map(|v| v.shift_end.seconds()).fold(0.0, f64::max)
}

/// [`window`] of an order that need not be one of the mission's (a live quote).
pub(crate) fn window_of(order: &Order, ready_s: f64, shift_end_s: f64) -> (f64, f64) {
    match order.service {
        Service::Window(w) => (w.from.seconds().max(ready_s), w.to.seconds()),
        Service::SameDay | Service::Express => (ready_s, shift_end_s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customers(n: usize) -> (Vec<(VanOrder, NodeId)>, Vec<[f64; 2]>) {
        // Points on a spiral round the origin: every bearing, several distances.
        let dests: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let a = i as f64 * 2.399_963; // the golden angle spreads bearings evenly
                let r = 100.0 + 7.0 * i as f64;
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        let orders = (0..n)
            .map(|i| {
                let o = VanOrder {
                    order: i,
                    ready_s: 0.0,
                    window_to_s: 1e5,
                    window_from_s: 0.0,
                    demand: [1.0, 0.01],
                };
                (o, NodeId(i as u32))
            })
            .collect();
        (orders, dests)
    }

    #[test]
    fn a_search_says_when_its_budget_ran_out() {
        let mut nodes = vec![Node { demand: [0.0; 2], ready: 0.0, due: 1e5, service: 0.0 }];
        let points: Vec<[f64; 2]> = (0..12).map(|i| [i as f64 * 300.0, (i % 3) as f64]).collect();
        nodes.extend(points.iter().map(|_| Node {
            demand: [1.0, 0.01],
            ready: 0.0,
            due: 1e5,
            service: VAN_SERVICE_S,
        }));
        let at = |i: usize| if i == 0 { [0.0, 0.0] } else { points[i - 1] };
        let metres = |i: usize, j: usize| (at(i)[0] - at(j)[0]).hypot(at(i)[1] - at(j)[1]);
        let dist = Matrix::from_fn(13, metres);
        let time = Matrix::from_fn(13, |i, j| metres(i, j) / 10.0);
        let problem = VrptwProblem::new(nodes, dist, time, 3, [100.0, 1.0]).unwrap();
        let mut ran_out = false;
        let done = search(&problem, Instant::now() + Duration::from_secs(600), &mut ran_out);
        assert_eq!((done.iterations, ran_out), (SOLVER_ITERATIONS, false));
        let cut = search(&problem, Instant::now(), &mut ran_out);
        assert!(cut.iterations < SOLVER_ITERATIONS && ran_out);
    }

    #[test]
    fn small_waves_stay_whole_with_every_van() {
        let (c, dests) = customers(MAX_AREA_CUSTOMERS);
        let parts = split_by_area(c, [0.0, 0.0], &dests, 7);
        assert_eq!(parts.len(), 1);
        assert_eq!((parts[0].0.len(), parts[0].1), (MAX_AREA_CUSTOMERS, 7));
    }

    #[test]
    fn large_waves_split_into_bearing_sectors_sharing_the_vans() {
        for (n, vans) in [(61, 4), (250, 16), (250, 3), (1000, 40), (121, 2)] {
            let (c, dests) = customers(n);
            let parts = split_by_area(c, [0.0, 0.0], &dests, vans);
            let areas = n.div_ceil(MAX_AREA_CUSTOMERS).min(vans);
            assert_eq!(parts.len(), areas, "{n} customers, {vans} vans");
            assert_eq!(parts.iter().map(|p| p.1).sum::<usize>(), vans);
            assert!(parts.iter().all(|p| p.1 >= 1));
            let mut seen: Vec<usize> =
                parts.iter().flat_map(|p| p.0.iter().map(|c| c.0.order)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "every customer exactly once");
            let sizes: Vec<usize> = parts.iter().map(|p| p.0.len()).collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "{sizes:?}");
            if vans * MAX_AREA_CUSTOMERS >= n {
                assert!(*hi <= MAX_AREA_CUSTOMERS, "{sizes:?}");
            }
            // Each area is a contiguous bearing sector: its bearings span less than the
            // whole circle's share of the others' (sorted order, no interleaving).
            let bearing = |o: usize| dests[o][1].atan2(dests[o][0]);
            let spans: Vec<(f64, f64)> = parts
                .iter()
                .map(|p| {
                    let mut b: Vec<f64> = p.0.iter().map(|c| bearing(c.0.order)).collect();
                    b.sort_by(f64::total_cmp);
                    // The sector may wrap round ±π: measure its extent as 2π minus its widest gap.
                    let widest = b
                        .windows(2)
                        .map(|w| w[1] - w[0])
                        .chain([b[0] + TAU - b[b.len() - 1]])
                        .fold(0.0, f64::max);
                    (TAU - widest, widest)
                })
                .collect();
            let total: f64 = spans.iter().map(|s| s.0).sum();
            assert!(total <= TAU + 1e-9, "sectors overlap: {spans:?}");
        }
    }

    #[test]
    fn wave_budget_grows_with_the_wave_within_bounds() {
        assert_eq!(wave_budget_s(0), WAVE_BUDGET_S.0);
        assert_eq!(wave_budget_s(20), 10.0);
        assert_eq!(wave_budget_s(60), WAVE_BUDGET_S.1);
        assert_eq!(wave_budget_s(600), WAVE_BUDGET_S.1);
    }

    #[test]
    fn van_shares_follow_area_sizes() {
        assert_eq!(van_shares(120, 2, 10), vec![5, 5]);
        assert_eq!(van_shares(130, 3, 3), vec![1, 1, 1]);
        let s = van_shares(1000, 17, 40);
        assert_eq!(s.iter().sum::<usize>(), 40);
        assert!(s.iter().all(|&v| (2..=3).contains(&v)), "{s:?}");
    }
}
