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

/// A vehicle routing problem with time windows: one depot, a homogeneous fleet.
///
/// Node 0 is the depot; its window `[ready, due]` is every vehicle's shift: vehicles
/// leave no earlier than `ready` and must be back by `due`. Nodes `1..n` are customers,
/// each visited exactly once. The objective is total `distance`; feasibility uses
/// `travel_time`. Both matrices may be asymmetric.
#[derive(Debug, Clone, PartialEq)]
pub struct VrptwProblem {
    nodes: Vec<Node>,
    distance: Matrix,
    travel_time: Matrix,
    vehicles: usize,
    capacity: Load,
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
    /// Builds and validates a problem.
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
        if vehicles == 0 {
            return err("no vehicles".into());
        }
        if capacity.iter().any(|c| !c.is_finite() || *c < 0.0) {
            return err(format!("capacity {capacity:?} must be finite and non-negative"));
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
        Ok(VrptwProblem { nodes, distance, travel_time, vehicles, capacity })
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

    /// Maximum number of routes.
    pub fn vehicles(&self) -> usize {
        self.vehicles
    }

    /// Capacity of every vehicle, per dimension.
    pub fn capacity(&self) -> Load {
        self.capacity
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
