//! Cheapest feasible insertion: routes grown one customer at a time, never breaking a
//! time window, a capacity or a vehicle's return time.
//!
//! Entry point: [`insert_cheapest`]. The search ([`super::solve`]) must serve every
//! customer; when a problem has more customers than its vehicles can reach in time,
//! insertion is how a caller picks the ones that fit (feasible by construction), so
//! that the search runs once on those instead of failing on all of them.

use super::problem::{VehicleType, VrptwProblem, DIMS};

/// Inserts `candidates` (customer indices) into `routes`, always the candidate and place
/// that add the least distance over every route and position where it fits, until no
/// candidate fits anywhere; returns the candidates left out, in their given order.
///
/// `routes` must be feasible (see [`super::check_feasibility`]); they stay feasible. It is
/// padded with empty routes, up to [`VrptwProblem::vehicles`] and at most one per
/// candidate, so that unused vehicles can take customers; routes past the fleet take
/// none. Ties go to the earlier candidate,
/// then the lower route, then the earlier position, so the result is deterministic.
pub fn insert_cheapest(
    problem: &VrptwProblem,
    routes: &mut Vec<Vec<usize>>,
    candidates: &[usize],
) -> Vec<usize> {
    // Each candidate opens at most one new route: more empty ones could never be used,
    // and a fleet size stated absurdly large must not cost memory.
    let open = problem.vehicles().min(routes.len() + candidates.len());
    if routes.len() < open {
        routes.resize(open, Vec::new());
    }
    // Route `r` is driven by vehicle `r`, numbered type by type; routes past the fleet
    // get none and take no customer.
    let vehicle: Vec<&VehicleType> = (problem.fleet().iter())
        .flat_map(|t| std::iter::repeat_n(t, t.count))
        .take(routes.len())
        .collect();
    let slots = vehicle.len();
    let mut left: Vec<usize> = candidates.to_vec();
    let mut timing: Vec<RouteTiming> =
        (0..slots).map(|r| RouteTiming::new(problem, vehicle[r], &routes[r])).collect();
    // best[i][r]: the cheapest feasible place of `left[i]` in route `r`.
    let mut best: Vec<Vec<Option<Place>>> = left
        .iter()
        .map(|&c| (0..slots).map(|r| timing[r].cheapest_place(problem, &routes[r], c)).collect())
        .collect();
    loop {
        let mut pick: Option<(usize, usize, Place)> = None;
        for (i, row) in best.iter().enumerate() {
            for (r, place) in row.iter().enumerate() {
                if let Some(p) = place {
                    if pick.as_ref().is_none_or(|(_, _, q)| p.added_distance < q.added_distance) {
                        pick = Some((i, r, *p));
                    }
                }
            }
        }
        let Some((i, r, place)) = pick else { break };
        let c = left.remove(i);
        best.remove(i);
        routes[r].insert(place.position, c);
        timing[r] = RouteTiming::new(problem, vehicle[r], &routes[r]);
        for (k, row) in best.iter_mut().enumerate() {
            row[r] = timing[r].cheapest_place(problem, &routes[r], left[k]);
        }
    }
    left
}

/// Where a customer goes in a route, and what it adds.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// Index in the route the customer takes (the later ones move up one).
    position: usize,
    added_distance: f64,
}

/// One route's schedule, for O(1) insertion tests: when each stop is left at the
/// earliest, and the latest each stop may be reached with the rest still on time.
struct RouteTiming {
    /// `depart[k]`: the earliest the vehicle leaves stop `k` (0 = the depot).
    depart: Vec<f64>,
    /// `latest[k]`: the latest arrival at route stop `k` (`k` = the route's length: the
    /// depot, on return) that keeps it and every later stop inside its window.
    latest: Vec<f64>,
    load: [f64; DIMS],
    capacity: [f64; DIMS],
}

impl RouteTiming {
    fn new(problem: &VrptwProblem, vehicle: &VehicleType, route: &[usize]) -> RouteTiming {
        let nodes = problem.nodes();
        let tt = problem.travel_time();
        let (leave, back) = problem.shift_window(vehicle);
        let mut depart = Vec::with_capacity(route.len() + 1);
        depart.push(leave);
        let mut load = [0.0; DIMS];
        let mut prev = 0;
        for &c in route {
            let node = &nodes[c];
            let arrival = depart[depart.len() - 1] + tt.get(prev, c);
            depart.push(arrival.max(node.ready) + node.service);
            for (l, d) in load.iter_mut().zip(node.demand) {
                *l += d;
            }
            prev = c;
        }
        // Backwards: the latest arrival at each stop after the depot, then the return.
        let mut latest = vec![back; route.len() + 1];
        let mut next_latest = back;
        let mut next = 0;
        for (k, &c) in route.iter().enumerate().rev() {
            let node = &nodes[c];
            next_latest = node.due.min(next_latest - tt.get(c, next) - node.service);
            latest[k] = next_latest;
            next = c;
        }
        RouteTiming { depart, latest, load, capacity: vehicle.capacity }
    }

    /// The cheapest position of customer `c` in `route` that keeps it feasible, if any.
    fn cheapest_place(&self, problem: &VrptwProblem, route: &[usize], c: usize) -> Option<Place> {
        let node = &problem.nodes()[c];
        let fits = (0..DIMS).all(|d| self.load[d] + node.demand[d] <= self.capacity[d]);
        if !fits {
            return None;
        }
        let (dist, tt) = (problem.distance(), problem.travel_time());
        let mut best: Option<Place> = None;
        for position in 0..=route.len() {
            let prev = if position == 0 { 0 } else { route[position - 1] };
            let next = route.get(position).copied().unwrap_or(0);
            let start = (self.depart[position] + tt.get(prev, c)).max(node.ready);
            if start > node.due {
                continue;
            }
            // Waiting is allowed, so arriving before the next stop's latest is enough.
            if start + node.service + tt.get(c, next) > self.latest[position] {
                continue;
            }
            let added = dist.get(prev, c) + dist.get(c, next) - dist.get(prev, next);
            if best.is_none_or(|b| added < b.added_distance) {
                best = Some(Place { position, added_distance: added });
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ground::vrptw::{check_feasibility, Matrix, Node, Solution};

    /// Depot at 0 and customers on a line at `x`, unit speed, service `service` each.
    fn line(x: &[f64], windows: &[(f64, f64)], service: f64, vehicles: usize) -> VrptwProblem {
        let mut pos = vec![0.0];
        pos.extend_from_slice(x);
        let n = pos.len();
        let m = || Matrix::from_fn(n, |i, j| (pos[i] - pos[j]).abs());
        let mut nodes = vec![Node { demand: [0.0; 2], ready: 0.0, due: 100.0, service: 0.0 }];
        nodes.extend(windows.iter().map(|&(ready, due)| Node {
            demand: [1.0, 0.0],
            ready,
            due,
            service,
        }));
        VrptwProblem::new(nodes, m(), m(), vehicles, [3.0, 1.0]).unwrap()
    }

    /// The checker's verdict on `routes`, over the problem cut down to the customers
    /// they serve (the checker wants every customer of its problem served).
    fn checked(problem: &VrptwProblem, routes: &[Vec<usize>]) -> Result<(), String> {
        let served: Vec<usize> = routes.iter().flatten().copied().collect();
        let sub = problem.restricted_to(&served);
        let mut next = 0;
        let routes: Vec<Vec<usize>> = routes
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| {
                r.iter()
                    .map(|_| {
                        next += 1;
                        next
                    })
                    .collect()
            })
            .collect();
        let distance = sub.routes_distance(&routes);
        let solution = Solution { routes, distance, iterations: 0, feasible: true };
        check_feasibility(&sub, &solution).map(|_| ()).map_err(|v| format!("{v:?}"))
    }

    #[test]
    fn insertion_keeps_every_rule_and_leaves_out_what_cannot_fit() {
        // Five customers, one vehicle of capacity 3 and a depot closing at 100: at most
        // three fit; the one at 60 with a window closed at 10 never fits.
        let p = line(
            &[10.0, 20.0, 30.0, 60.0, 5.0],
            &[(0.0, 100.0), (0.0, 100.0), (0.0, 100.0), (0.0, 10.0), (0.0, 100.0)],
            1.0,
            1,
        );
        let mut routes = Vec::new();
        let left = insert_cheapest(&p, &mut routes, &[1, 2, 3, 4, 5]);
        checked(&p, &routes).unwrap();
        assert_eq!(routes.iter().map(Vec::len).sum::<usize>(), 3);
        assert!(left.contains(&4));
        assert_eq!(left.len(), 2);
    }

    #[test]
    fn an_absurd_fleet_size_opens_no_more_routes_than_candidates() {
        let p = line(&[10.0, 20.0], &[(0.0, 100.0), (0.0, 100.0)], 1.0, 1_000_000_000_000);
        let mut routes = Vec::new();
        let left = insert_cheapest(&p, &mut routes, &[1, 2]);
        assert!(left.is_empty());
        assert!(routes.len() <= 2, "{} routes", routes.len());
        checked(&p, &routes).unwrap();
    }

    #[test]
    fn insertion_waits_for_windows_and_respects_the_return() {
        // Customer 1 opens at 50; customer 2 must be served by 20. The vehicle must serve
        // 2 first, wait at 1, and still be back by 100.
        let p = line(&[10.0, 15.0], &[(50.0, 60.0), (0.0, 20.0)], 5.0, 1);
        let mut routes = Vec::new();
        let left = insert_cheapest(&p, &mut routes, &[1, 2]);
        assert!(left.is_empty());
        assert_eq!(routes[0], vec![2, 1]);
        checked(&p, &routes).unwrap();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Whatever the customers, the routes insertion builds pass the independent
        /// checker, and every candidate is either routed once or left out.
        #[test]
        fn inserted_routes_always_pass_the_checker(
            xs in proptest::collection::vec((-50.0f64..50.0, 0.0f64..90.0, 0.0f64..40.0), 1..25),
            vehicles in 1usize..4,
        ) {
            let x: Vec<f64> = xs.iter().map(|t| t.0).collect();
            let windows: Vec<(f64, f64)> = xs.iter().map(|t| (t.1, t.1 + t.2)).collect();
            let p = line(&x, &windows, 2.0, vehicles);
            let candidates: Vec<usize> = (1..=x.len()).collect();
            let mut routes = Vec::new();
            let left = insert_cheapest(&p, &mut routes, &candidates);
            proptest::prop_assert!(checked(&p, &routes).is_ok(), "{:?}", checked(&p, &routes));
            let mut seen: Vec<usize> = routes.iter().flatten().copied().chain(left).collect();
            seen.sort_unstable();
            proptest::prop_assert_eq!(seen, candidates);
        }
    }
}
