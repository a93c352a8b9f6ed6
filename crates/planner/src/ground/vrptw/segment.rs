//! Route segments with O(1) concatenation (Vidal et al. 2013, "A hybrid genetic
//! algorithm with adaptive diversity management for a large class of vehicle routing
//! problems with time-windows").
//!
//! A segment summarises a node sequence by its distance, load, duration, time warp and
//! the window of feasible start times; two summaries merge in constant time. Time warp
//! measures lateness as "travelling back in time" to the due time, so a route with zero
//! warp is feasible and the warp is a smooth penalty for an infeasible one.

use super::problem::{Load, Matrix, VrptwProblem, DIMS};

/// Summary of a node sequence.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seg {
    pub first: usize,
    pub last: usize,
    pub dist: f64,
    pub load: Load,
    /// Travel + service + waiting time from the first start of service to the end.
    pub duration: f64,
    pub warp: f64,
    /// Earliest start at `first` that does not wait more than necessary.
    pub earliest: f64,
    /// Latest start at `first` that adds no time warp.
    pub latest: f64,
}

/// One vehicle the search may use: its capacity and its depot segments (departure and
/// return windows from its shift).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub vtype: usize,
    pub capacity: Load,
    pub start: Seg,
    pub end: Seg,
}

/// Data the search reads on every move: matrices, per-node singleton segments and the
/// vehicle slots.
pub(crate) struct Data<'a> {
    pub dist: &'a Matrix,
    pub tt: &'a Matrix,
    pub single: Vec<Seg>,
    pub slots: Vec<Slot>,
    /// True when all slots are interchangeable (one vehicle type).
    pub homogeneous: bool,
    pub customers: usize,
}

impl<'a> Data<'a> {
    pub(crate) fn new(p: &'a VrptwProblem) -> Self {
        let single: Vec<Seg> = p
            .nodes()
            .iter()
            .enumerate()
            .map(|(i, n)| Seg {
                first: i,
                last: i,
                dist: 0.0,
                load: n.demand,
                duration: n.service,
                warp: 0.0,
                earliest: n.ready,
                latest: n.due,
            })
            .collect();
        let mut slots = Vec::new();
        for (vtype, t) in p.fleet().iter().enumerate() {
            let (earliest, latest) = p.shift_window(t);
            let depot = Seg { earliest, latest, duration: 0.0, load: [0.0; DIMS], ..single[0] };
            // More vehicles of a type than customers can never be used; capping keeps
            // memory bounded when the input states an absurd fleet size.
            for _ in 0..t.count.min(p.customers().max(1)) {
                slots.push(Slot { vtype, capacity: t.capacity, start: depot, end: depot });
            }
        }
        let homogeneous = p.fleet().iter().filter(|t| t.count > 0).count() == 1;
        Data {
            dist: p.distance(),
            tt: p.travel_time(),
            single,
            slots,
            homogeneous,
            customers: p.customers(),
        }
    }

    /// Segment of `a` followed by `b`.
    #[inline]
    pub(crate) fn merge(&self, a: &Seg, b: &Seg) -> Seg {
        let t = self.tt.get(a.last, b.first);
        let delta = a.duration - a.warp + t;
        let wait = (b.earliest - delta - a.latest).max(0.0);
        let warp = (a.earliest + delta - b.latest).max(0.0);
        let mut load = a.load;
        for (l, x) in load.iter_mut().zip(b.load) {
            *l += x;
        }
        Seg {
            first: a.first,
            last: b.last,
            dist: a.dist + self.dist.get(a.last, b.first) + b.dist,
            load,
            duration: a.duration + b.duration + t + wait,
            warp: a.warp + b.warp + warp,
            earliest: (b.earliest - delta).max(a.earliest) - wait,
            latest: (b.latest - delta).min(a.latest) + warp,
        }
    }

    /// Segment of `seg` followed by node `c`.
    #[inline]
    pub(crate) fn push(&self, seg: &Seg, c: usize) -> Seg {
        self.merge(seg, &self.single[c])
    }

    /// Segment of a whole route of vehicle `slot`: depot, `customers`, depot.
    pub(crate) fn route(&self, slot: usize, customers: &[usize]) -> Seg {
        let sl = &self.slots[slot];
        let s = customers.iter().fold(sl.start, |s, &c| self.push(&s, c));
        self.merge(&s, &sl.end)
    }
}

/// Load over `capacity`, per dimension.
#[inline]
pub(crate) fn excess(load: &Load, capacity: &Load) -> Load {
    let mut e = [0.0; DIMS];
    for k in 0..DIMS {
        e[k] = (load[k] - capacity[k]).max(0.0);
    }
    e
}

/// Penalty weights for infeasibility, adapted during the search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Penalties {
    pub load: Load,
    pub warp: f64,
}

impl Penalties {
    /// Penalised cost of a complete route segment for a vehicle of `capacity`.
    #[inline]
    pub(crate) fn cost(&self, s: &Seg, capacity: &Load) -> f64 {
        let e = excess(&s.load, capacity);
        s.dist + self.warp * s.warp + self.load.iter().zip(e).map(|(w, x)| w * x).sum::<f64>()
    }

    /// The same weights multiplied by `f` (used for repair).
    pub(crate) fn scaled(&self, f: f64) -> Self {
        Penalties { load: self.load.map(|w| w * f), warp: self.warp * f }
    }
}

#[cfg(test)]
mod tests {
    use super::super::problem::Node;
    use super::*;
    use approx::assert_relative_eq;

    /// Forward simulation, for comparison with the O(1) merge.
    fn simulate(p: &VrptwProblem, route: &[usize]) -> (f64, f64) {
        let (n, tt) = (p.nodes(), p.travel_time());
        let mut t = n[0].ready;
        let mut warp = 0.0;
        let mut prev = 0;
        for &c in route.iter().chain(&[0]) {
            t = (t + tt.get(prev, c)).max(n[c].ready);
            if t > n[c].due {
                warp += t - n[c].due;
                t = n[c].due;
            }
            t += n[c].service;
            prev = c;
        }
        (t, warp)
    }

    #[test]
    fn merged_warp_matches_forward_simulation() {
        // Asymmetric times and windows chosen so that waits and lateness both occur.
        let nodes = vec![
            Node { demand: [0.0; 2], ready: 0.0, due: 60.0, service: 0.0 },
            Node { demand: [1.0, 2.0], ready: 10.0, due: 12.0, service: 2.0 },
            Node { demand: [1.0, 0.0], ready: 0.0, due: 5.0, service: 1.0 },
            Node { demand: [2.0, 1.0], ready: 30.0, due: 40.0, service: 3.0 },
        ];
        let tt = Matrix::from_fn(4, |i, j| if i == j { 0.0 } else { 3.0 + (2 * i + j) as f64 });
        let p = VrptwProblem::new(nodes, tt.clone(), tt, 2, [3.0, 2.0]).unwrap();
        let data = Data::new(&p);
        for route in [vec![1, 2, 3], vec![2, 1, 3], vec![3, 2, 1], vec![2, 3], vec![1]] {
            let s = data.route(0, &route);
            let (_, warp) = simulate(&p, &route);
            assert_relative_eq!(s.warp, warp, epsilon = 1e-9);
            assert_relative_eq!(
                s.dist,
                p.routes_distance(std::slice::from_ref(&route)),
                epsilon = 1e-9
            );
            // Merging right-to-left (another association order) gives the same summary.
            let tail =
                route.iter().rev().fold(data.single[0], |s, &c| data.merge(&data.single[c], &s));
            let alt = data.merge(&data.slots[0].start, &tail);
            assert_relative_eq!(alt.warp, s.warp, epsilon = 1e-9);
            assert_relative_eq!(alt.dist, s.dist, epsilon = 1e-9);
            assert_relative_eq!(alt.duration, s.duration, epsilon = 1e-9);
        }
    }
}
