//! Problem data: nodes, matrices, fleet, and their validation.

use std::fmt;

/// Number of capacity dimensions (for vans: kilograms and cubic metres). Solomon files
/// use only the first; an unused dimension has zero demand.
pub const DIMS: usize = 2;

/// A quantity in every capacity dimension.
pub type Load = [f64; DIMS];

/// A dense square matrix indexed by node (row = from, column = to). It may be
/// asymmetric, as travel times on a road network are.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A matrix from row-major data of length `n * n`.
    ///
    /// Returns `None` when the length is not `n * n`.
    pub fn from_row_major(n: usize, data: Vec<f64>) -> Option<Self> {
        (data.len() == n * n).then_some(Matrix { n, data })
    }

    /// A matrix whose entry `(i, j)` is `f(i, j)`.
    pub fn from_fn(n: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        let mut data = Vec::with_capacity(n * n);
        for i in 0..n {
            for j in 0..n {
                data.push(f(i, j));
            }
        }
        Matrix { n, data }
    }

    /// Number of rows (= columns).
    pub fn size(&self) -> usize {
        self.n
    }

    /// Entry from `i` to `j`.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.n + j]
    }
}

/// A place a vehicle visits: the depot (node 0) or a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Quantity delivered here, per capacity dimension (zero for the depot).
    pub demand: Load,
    /// Earliest start of service; a vehicle arriving earlier waits.
    pub ready: f64,
    /// Latest start of service. For the depot: the latest return time (end of shift).
    pub due: f64,
    /// Time spent serving, added after the start of service.
    pub service: f64,
}

/// A kind of vehicle: how many there are, what each carries, when each works.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleType {
    /// Number of vehicles of this type.
    pub count: usize,
    /// Capacity per dimension.
    pub capacity: Load,
    /// Earliest departure from the depot (also bounded by the depot's `ready`).
    pub shift_start: f64,
    /// Latest return to the depot (also bounded by the depot's `due`).
    pub shift_end: f64,
}

/// A vehicle routing problem with time windows: one depot, a fleet of one or more
/// vehicle types.
///
/// Node 0 is the depot; its window `[ready, due]` bounds every shift: a vehicle leaves
/// no earlier than `max(ready, shift_start)` and is back by `min(due, shift_end)`.
/// Nodes `1..n` are customers, each visited exactly once. The objective is total
/// `distance`; feasibility uses `travel_time`. Both matrices may be asymmetric.
///
/// Vehicles are numbered type by type: vehicles `0..fleet[0].count` are of type 0, the
/// next `fleet[1].count` of type 1, and so on ([`VrptwProblem::vehicle`]);
/// `Solution::routes[k]` is driven by vehicle `k`.
#[derive(Debug, Clone, PartialEq)]
pub struct VrptwProblem {
    nodes: Vec<Node>,
    distance: Matrix,
    travel_time: Matrix,
    fleet: Vec<VehicleType>,
}

/// Why a [`VrptwProblem`] could not be built.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemError(pub String);

impl fmt::Display for ProblemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid VRPTW problem: {}", self.0)
    }
}

impl std::error::Error for ProblemError {}

impl VrptwProblem {
    /// Builds and validates a problem with `vehicles` identical vehicles of the given
    /// `capacity`, whose shift is the depot's window.
    ///
    /// `nodes[0]` is the depot. Both matrices must be `nodes.len()` square with finite,
    /// non-negative entries; times, demands and capacities must be finite and
    /// non-negative with `ready <= due`; there must be at least one vehicle.
    pub fn new(
        nodes: Vec<Node>,
        distance: Matrix,
        travel_time: Matrix,
        vehicles: usize,
        capacity: Load,
    ) -> Result<Self, ProblemError> {
        let (start, end) = nodes.first().map_or((0.0, 0.0), |d| (d.ready, d.due));
        let fleet =
            vec![VehicleType { count: vehicles, capacity, shift_start: start, shift_end: end }];
        Self::with_fleet(nodes, distance, travel_time, fleet)
    }

    /// Builds and validates a problem with a mixed fleet. Same rules as
    /// [`VrptwProblem::new`]; in addition every shift must be finite, non-negative,
    /// with `shift_start <= shift_end`, and overlap the depot's window.
    pub fn with_fleet(
        nodes: Vec<Node>,
        distance: Matrix,
        travel_time: Matrix,
        fleet: Vec<VehicleType>,
    ) -> Result<Self, ProblemError> {
        let err = |m: String| Err(ProblemError(m));
        if nodes.is_empty() {
            return err("no depot (node 0)".into());
        }
        let n = nodes.len();
        for (name, m) in [("distance", &distance), ("travel time", &travel_time)] {
            if m.size() != n {
                return err(format!("{name} matrix is {0}x{0}, expected {n}x{n}", m.size()));
            }
            if let Some(k) = m.data.iter().position(|v| !v.is_finite() || *v < 0.0) {
                return err(format!("{name} matrix entry ({}, {}) is {}", k / n, k % n, m.data[k]));
            }
        }
        if fleet.iter().map(|t| t.count).sum::<usize>() == 0 {
            return err("no vehicles".into());
        }
        let depot = &nodes[0];
        for (k, t) in fleet.iter().enumerate() {
            if t.capacity.iter().any(|c| !c.is_finite() || *c < 0.0) {
                return err(format!(
                    "vehicle type {k}: capacity {:?} must be finite and non-negative",
                    t.capacity
                ));
            }
            let shift = [t.shift_start, t.shift_end];
            if shift.iter().any(|v| !v.is_finite() || *v < 0.0) || t.shift_start > t.shift_end {
                return err(format!("vehicle type {k}: shift {shift:?} is not a valid interval"));
            }
            if t.shift_start.max(depot.ready) > t.shift_end.min(depot.due) {
                return err(format!(
                    "vehicle type {k}: shift {shift:?} misses the depot window [{}, {}]",
                    depot.ready, depot.due
                ));
            }
        }
        for (i, node) in nodes.iter().enumerate() {
            let values = [node.ready, node.due, node.service];
            if values.iter().chain(&node.demand).any(|v| !v.is_finite() || *v < 0.0) {
                return err(format!("node {i} has a negative or non-finite value: {node:?}"));
            }
            if node.ready > node.due {
                return err(format!("node {i} has ready {} > due {}", node.ready, node.due));
            }
        }
        Ok(VrptwProblem { nodes, distance, travel_time, fleet })
    }

    /// All nodes, depot first.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Number of nodes including the depot.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when there are no customers.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    /// Number of customers (nodes `1..len()`).
    pub fn customers(&self) -> usize {
        self.nodes.len() - 1
    }

    /// Distance matrix (the objective).
    pub fn distance(&self) -> &Matrix {
        &self.distance
    }

    /// Travel-time matrix (for time windows).
    pub fn travel_time(&self) -> &Matrix {
        &self.travel_time
    }

    /// The fleet, by vehicle type.
    pub fn fleet(&self) -> &[VehicleType] {
        &self.fleet
    }

    /// Total number of vehicles (the maximum number of routes).
    pub fn vehicles(&self) -> usize {
        self.fleet.iter().map(|t| t.count).sum()
    }

    /// Type of vehicle `k` (numbered type by type), or `None` past the fleet.
    pub fn vehicle(&self, k: usize) -> Option<&VehicleType> {
        let mut k = k;
        for t in &self.fleet {
            if k < t.count {
                return Some(t);
            }
            k -= t.count;
        }
        None
    }

    /// Departure window `[earliest, latest]` at the depot for vehicles of `t`: the
    /// shift intersected with the depot's window.
    pub fn shift_window(&self, t: &VehicleType) -> (f64, f64) {
        let d = &self.nodes[0];
        (t.shift_start.max(d.ready), t.shift_end.min(d.due))
    }

    /// The same depot and fleet with only `customers` (indices into [`Self::nodes`], each
    /// at least 1), numbered `1..=customers.len()` in the given order. A subset of a
    /// valid problem is valid, so nothing is checked again.
    pub fn restricted_to(&self, customers: &[usize]) -> VrptwProblem {
        let keep: Vec<usize> = std::iter::once(0).chain(customers.iter().copied()).collect();
        let sub = |m: &Matrix| Matrix::from_fn(keep.len(), |i, j| m.get(keep[i], keep[j]));
        VrptwProblem {
            nodes: keep.iter().map(|&k| self.nodes[k].clone()).collect(),
            distance: sub(&self.distance),
            travel_time: sub(&self.travel_time),
            fleet: self.fleet.clone(),
        }
    }

    /// Total distance of `routes` (each a customer sequence, depot implicit at both ends).
    pub fn routes_distance(&self, routes: &[Vec<usize>]) -> f64 {
        routes
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| {
                let mut d = 0.0;
                let mut prev = 0;
                for &c in r {
                    d += self.distance.get(prev, c);
                    prev = c;
                }
                d + self.distance.get(prev, 0)
            })
            .sum()
    }
}
