//! The corner graph: shortest paths in a cruise layer between the corners of the
//! obstacles, inflated by the clearance ([`CityPlanner::corner_path`]).
//!
//! Among polygonal obstacles a shortest path in the plane bends only at obstacle
//! corners, and only where it wraps them (the visibility graph). Here the obstacles are
//! the footprints reaching the layer, kept at the string pulling clearance: a path
//! wraps the arc that clearance draws round a corner, which the graph replaces by nodes
//! on a polygon circumscribed about the arc (one node, the mitre point, for corners of
//! up to [`MAX_ARC_STEP_RAD`]). An edge joins two nodes in exact line of sight
//! ([`CityPlanner::level_segment_clear`]) and tangent to the corner at both ends (the
//! corner's two edges on one side of its line; no other edge can be on a shortest path).
//!
//! One graph per layer (built on first use, about 700 nodes in Monaco), one Dijkstra
//! search over it per (layer, depot), and per query a scan of the depot's nodes by their
//! distance plus the straight line to the goal: the first node in line of sight of the
//! goal ends a shortest path. The grid's shortest-path trees then answer only what the
//! graph cannot (a goal no node sees), and the grid path's smoothing
//! ([`CityPlanner::tighten`]) pulls the path onto the arcs.
//!
//! Every pair of nodes is a candidate edge, however far apart: a long line of sight
//! over open water or a park is the shortest way across it. Most pairs fail the
//! tangency test, and most of the rest a walk over the cells inside the obstacles
//! (`Solid`); the exact test decides what is left.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::raster::Layer;
use super::{dist, CityPlanner};

/// The longest arc of a corner's clearance one node stands for, rad: a right angle,
/// the corner of most buildings, is one node.
const MAX_ARC_STEP_RAD: f64 = std::f64::consts::FRAC_PI_2 + 1e-9;
/// Nodes stand this much further out than the clearance, m, so that the segments
/// tangent to the arc at them keep it after rounding.
const NODE_SLACK_M: f64 = 0.05;
/// See [`Wedge::tangent`].
const TANGENT_TOLERANCE: f64 = 1e-6;
/// Nodes closer than this to a kept one are dropped, m (buildings and their parts
/// share corners).
const SAME_NODE_M: f64 = 0.01;

/// The convex corner a node wraps, by the unit vectors from the corner to its two
/// neighbours along the obstacle's boundary.
#[derive(Debug, Clone, Copy)]
struct Wedge {
    to_prev: [f64; 2],
    to_next: [f64; 2],
}

impl Wedge {
    fn new(prev: [f64; 2], corner: [f64; 2], next: [f64; 2]) -> Wedge {
        Wedge { to_prev: unit(sub(prev, corner)), to_next: unit(sub(next, corner)) }
    }

    /// Whether the line through the corner in the unit direction `u` keeps both of the
    /// corner's edges on one side: only such lines can carry a shortest path round it.
    /// Sines of the edges' angles to the line below [`TANGENT_TOLERANCE`] count as on
    /// it: a line along one of the edges (to the next corner along a façade) is
    /// tangent, whatever the rounding of its direction.
    fn tangent(&self, u: [f64; 2]) -> bool {
        let side = |e: [f64; 2]| {
            let sine = cross(u, e);
            if sine > TANGENT_TOLERANCE {
                1
            } else if sine < -TANGENT_TOLERANCE {
                -1
            } else {
                0
            }
        };
        side(self.to_prev) * side(self.to_next) >= 0
    }
}

/// The corner graph of one layer: nodes and their edges (compressed rows).
pub(super) struct CornerGraph {
    nodes: Vec<[f64; 2]>,
    wedges: Vec<Wedge>,
    /// Edges of node `i`: `first[i]..first[i + 1]` in `to` and `len_m`.
    first: Vec<u32>,
    to: Vec<u32>,
    len_m: Vec<f64>,
    /// The layer's solid cells: the first test of every line of sight.
    solid: Solid,
}

/// Shortest distances over a [`CornerGraph`] from one depot.
pub(super) struct CornerTree {
    /// Distance from the depot to each node, m (infinite when not reached).
    dist_m: Vec<f64>,
    /// Previous node on the shortest path, [`FROM_DEPOT`] when the depot sees it.
    parent: Vec<u32>,
}

const FROM_DEPOT: u32 = u32::MAX;

/// The corner graphs of a planner, per layer, built on first use.
pub(super) type CornerGraphs = Vec<std::sync::Mutex<Option<Arc<CornerGraph>>>>;

/// The corner trees of a planner, per (layer, depot position bits).
pub(super) type CornerTrees = std::sync::Mutex<HashMap<(usize, [u64; 2]), Arc<CornerTree>>>;

/// What the corner graph found between a depot and a goal.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum CornerPath {
    /// Depot, nodes, goal.
    Found(Vec<[f64; 2]>),
    /// Every path the graph has is longer than the limit.
    BeyondLimit,
    /// The graph has none.
    None,
}

impl CityPlanner<'_> {
    /// Clearance every edge and node keeps, m: [`CityPlanner::level_segment_clear`]'s.
    fn corner_clearance_m(&self) -> f64 {
        self.cruise_margin_m + self.config.buffer_m * 0.5 + 0.01
    }

    /// The corner graph of `layer`, built on first use. Built outside the slot's lock:
    /// the build runs in parallel, and a thread of the pool waiting on that lock could
    /// be handed work that asks for the same graph. Two threads that both find the slot
    /// empty both build it, and the same graph (the build does not depend on threads).
    pub(super) fn corner_graph(&self, layer: &Layer) -> Arc<CornerGraph> {
        let slot = &self.corner_graphs[layer.index];
        if let Some(graph) = slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return graph.clone();
        }
        let graph = Arc::new(self.build_corner_graph(layer.alt_m));
        slot.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(graph).clone()
    }

    fn build_corner_graph(&self, alt: f64) -> CornerGraph {
        let clear = self.corner_clearance_m();
        let reaches = |base: f64, top: f64| alt + clear > base && alt - clear < top;
        let buildings = self.world.buildings.iter().filter(|b| reaches(b.base_m, b.top_m));
        let zones = self
            .world
            .zones
            .iter()
            .filter(|z| z.active_during(self.span) && reaches(z.floor_m, z.ceiling_m));
        let footprints: Vec<_> =
            buildings.map(|b| &b.footprint).chain(zones.map(|z| &z.footprint)).collect();
        let solid = Solid::new(self, &footprints);
        let mut candidates = Vec::new();
        for footprint in footprints {
            corner_nodes(&footprint.outer, true, clear + NODE_SLACK_M, &mut candidates);
            for hole in &footprint.holes {
                corner_nodes(hole, false, clear + NODE_SLACK_M, &mut candidates);
            }
        }
        let area = self.area;
        let in_area = |p: [f64; 2]| {
            p[0] > area.min[0] && p[1] > area.min[1] && p[0] < area.max[0] && p[1] < area.max[1]
        };
        let keep: Vec<bool> = candidates
            .par_iter()
            .map(|(p, _)| {
                in_area(*p)
                    && self.world.clearance([p[0], p[1], alt], self.span, clear + 1.0).distance_m
                        >= clear
            })
            .collect();
        let mut seen = HashSet::new();
        let (mut nodes, mut wedges) = (Vec::new(), Vec::new());
        for ((p, w), keep) in candidates.into_iter().zip(keep) {
            let key = [(p[0] / SAME_NODE_M).round() as i64, (p[1] / SAME_NODE_M).round() as i64];
            if keep && seen.insert(key) {
                nodes.push(p);
                wedges.push(w);
            }
        }
        if nodes.len() > self.config.max_corner_nodes {
            // No graph: every query of the layer goes to the grid.
            nodes.clear();
            wedges.clear();
        }
        let edges: Vec<Vec<(u32, f64)>> = (0..nodes.len())
            .into_par_iter()
            .map(|i| {
                let mut out = Vec::new();
                for j in i + 1..nodes.len() {
                    let d = sub(nodes[j], nodes[i]);
                    let len = norm(d);
                    let u = [d[0] / len, d[1] / len];
                    if wedges[i].tangent(u)
                        && wedges[j].tangent(u)
                        && !solid.crossed(nodes[i], nodes[j])
                        && self.level_segment_clear(nodes[i], nodes[j], alt)
                    {
                        out.push((j as u32, len));
                    }
                }
                out
            })
            .collect();
        CornerGraph::from_edges(nodes, wedges, &edges, solid)
    }

    /// The shortest distances over `layer`'s corner graph from `depot_m`, made on first
    /// use.
    pub(super) fn corner_tree(&self, layer: &Layer, depot_m: [f64; 2]) -> Arc<CornerTree> {
        let key = (layer.index, [depot_m[0].to_bits(), depot_m[1].to_bits()]);
        if let Some(tree) = self.corner_trees.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return tree.clone();
        }
        let graph = self.corner_graph(layer);
        let seen: Vec<bool> = (0..graph.nodes.len())
            .into_par_iter()
            .map(|i| {
                let node = graph.nodes[i];
                graph.wedges[i].tangent(unit(sub(node, depot_m)))
                    && !graph.solid.crossed(depot_m, node)
                    && self.level_segment_clear(depot_m, node, layer.alt_m)
            })
            .collect();
        let tree = Arc::new(graph.dijkstra(depot_m, &seen));
        let mut trees = self.corner_trees.lock().unwrap_or_else(|p| p.into_inner());
        trees.entry(key).or_insert(tree).clone()
    }

    /// A shortest path over `layer`'s corner graph from `depot_m` to `goal_m` no longer
    /// than `limit_m`: the depot's nodes in the order of their distance plus the straight
    /// line to the goal, a lower bound of every path through them, and the first that
    /// sees the goal (tangent at it) ends the shortest.
    pub(super) fn corner_path(
        &self,
        layer: &Layer,
        depot_m: [f64; 2],
        goal_m: [f64; 2],
        limit_m: f64,
    ) -> CornerPath {
        let graph = self.corner_graph(layer);
        if graph.is_empty() {
            return CornerPath::None;
        }
        let tree = self.corner_tree(layer, depot_m);
        // A heap, not a sort: the first few nodes usually end the scan.
        let mut order: BinaryHeap<Open> = (0..graph.nodes.len())
            .filter(|&i| tree.dist_m[i].is_finite())
            .map(|i| Open(tree.dist_m[i] + dist(graph.nodes[i], goal_m), i as u32))
            .collect();
        while let Some(Open(bound, i)) = order.pop() {
            if bound > limit_m {
                return CornerPath::BeyondLimit;
            }
            let node = graph.nodes[i as usize];
            if graph.wedges[i as usize].tangent(unit(sub(goal_m, node)))
                && !graph.solid.crossed(node, goal_m)
                && self.level_segment_clear(node, goal_m, layer.alt_m)
            {
                let mut path = vec![goal_m];
                let mut n = i;
                while n != FROM_DEPOT {
                    path.push(graph.nodes[n as usize]);
                    n = tree.parent[n as usize];
                }
                path.push(depot_m);
                path.reverse();
                return CornerPath::Found(path);
            }
        }
        CornerPath::None
    }
}

impl CornerGraph {
    /// Whether the graph has no node (a layer without obstacles' corners, or over
    /// [`super::CityPlannerConfig::max_corner_nodes`]).
    pub(super) fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The graph of `nodes` with the edges `edges[i]` lists to later nodes, both ways.
    fn from_edges(
        nodes: Vec<[f64; 2]>,
        wedges: Vec<Wedge>,
        edges: &[Vec<(u32, f64)>],
        solid: Solid,
    ) -> Self {
        let n = nodes.len();
        let mut degree = vec![0u32; n + 1];
        for (i, out) in edges.iter().enumerate() {
            degree[i] += out.len() as u32;
            for &(j, _) in out {
                degree[j as usize] += 1;
            }
        }
        let mut first = vec![0u32; n + 1];
        for i in 0..n {
            first[i + 1] = first[i] + degree[i];
        }
        let total = first[n] as usize;
        let (mut to, mut len_m) = (vec![0u32; total], vec![0.0; total]);
        let mut fill = first.clone();
        for (i, out) in edges.iter().enumerate() {
            for &(j, len) in out {
                for (a, b) in [(i, j as usize), (j as usize, i)] {
                    let slot = fill[a] as usize;
                    to[slot] = b as u32;
                    len_m[slot] = len;
                    fill[a] += 1;
                }
            }
        }
        CornerGraph { nodes, wedges, first, to, len_m, solid }
    }

    /// Dijkstra's search from a depot that sees the nodes `seen` marks.
    fn dijkstra(&self, depot_m: [f64; 2], seen: &[bool]) -> CornerTree {
        let n = self.nodes.len();
        let mut dist_m = vec![f64::INFINITY; n];
        let mut parent = vec![FROM_DEPOT; n];
        let mut open = BinaryHeap::new();
        for i in (0..n).filter(|&i| seen[i]) {
            dist_m[i] = dist(depot_m, self.nodes[i]);
            open.push(Open(dist_m[i], i as u32));
        }
        let mut done = vec![false; n];
        while let Some(Open(d, i)) = open.pop() {
            let i = i as usize;
            if std::mem::replace(&mut done[i], true) {
                continue;
            }
            let (from, to) = (self.first[i] as usize, self.first[i + 1] as usize);
            for (&j, &len) in self.to[from..to].iter().zip(&self.len_m[from..to]) {
                let j = j as usize;
                let d2 = d + len;
                if d2 < dist_m[j] {
                    dist_m[j] = d2;
                    parent[j] = i as u32;
                    open.push(Open(d2, j as u32));
                }
            }
        }
        CornerTree { dist_m, parent }
    }
}

/// An open node of [`CornerGraph::dijkstra`] (or of a query's scan), ordered for a
/// min-heap by distance, then node (so the order does not depend on the heap's ties).
struct Open(f64, u32);

impl PartialEq for Open {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Open {}
impl PartialOrd for Open {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Open {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

/// Appends the nodes of `ring`'s convex corners (the obstacle inside an outer ring,
/// outside a hole) with their wedges: on the polygon circumscribed about the arc of
/// radius `clear_m` round each corner, one node per arc step.
fn corner_nodes(ring: &[[f64; 2]], outer: bool, clear_m: f64, out: &mut Vec<([f64; 2], Wedge)>) {
    let n = ring.len();
    if n < 3 {
        return;
    }
    // Walk the ring with the obstacle on the left: an outer ring counter-clockwise, a
    // hole clockwise.
    let ccw = ring_area2(ring) > 0.0;
    let forward = ccw == outer;
    let at = |k: usize| if forward { ring[k % n] } else { ring[(n - k % n) % n] };
    for k in 0..n {
        let (prev, corner, next) = (at(k + n - 1), at(k), at(k + 1));
        let (e1, e2) = (sub(corner, prev), sub(next, corner));
        let (l1, l2) = (norm(e1), norm(e2));
        if l1 == 0.0 || l2 == 0.0 || cross(e1, e2) <= 0.0 {
            continue; // a repeated point or a corner the obstacle does not stick out at
        }
        // Outward normals of the two edges (the free side is on the right).
        let a1 = (-e1[0]).atan2(e1[1]);
        let turn = cross(e1, e2).atan2(e1[0] * e2[0] + e1[1] * e2[1]);
        let steps = (turn / MAX_ARC_STEP_RAD).ceil().max(1.0);
        let step = turn / steps;
        let r = clear_m / (step / 2.0).cos();
        let wedge = Wedge::new(prev, corner, next);
        for s in 0..steps as usize {
            let a = a1 + (s as f64 + 0.5) * step;
            out.push(([corner[0] + r * a.cos(), corner[1] + r * a.sin()], wedge));
        }
    }
}

/// The cells of the planner's grid that lie inside an obstacle reaching the layer:
/// a segment that crosses one is not clear. A cheap first test of the line of sight
/// between two corners, most of whose pairs a building separates; the exact test
/// ([`CityPlanner::level_segment_clear`]) decides the rest.
struct Solid {
    min: [f64; 2],
    cell_m: f64,
    nx: usize,
    ny: usize,
    /// Per cell, how many cells away the nearest solid cell is on either axis (0 for a
    /// solid cell), up to 255: a walk along a segment skips that far less one.
    reach: Vec<u8>,
}

impl Solid {
    /// Cells whose centre and eight neighbours' centres are inside one of
    /// `footprints` (even-odd over its rings): the cell itself is then inside but for
    /// a notch narrower than a cell, which at worst drops an edge, never admits one.
    fn new(planner: &CityPlanner, footprints: &[&crate::world::Polygon]) -> Solid {
        let (nx, ny, cell_m) = (planner.nx, planner.ny, planner.config.cell_m);
        let min = planner.area.min;
        let mut inside = vec![false; nx * ny];
        let mut crossings = Vec::new();
        for footprint in footprints {
            let b = footprint.bounds();
            let row = |y: f64| ((y - min[1]) / cell_m - 0.5).ceil().clamp(0.0, ny as f64) as usize;
            for j in row(b.min[1])..row(b.max[1]).max(row(b.min[1])) {
                let y = min[1] + (j as f64 + 0.5) * cell_m;
                crossings.clear();
                for ring in std::iter::once(&footprint.outer).chain(&footprint.holes) {
                    let n = ring.len();
                    for k in 0..n {
                        let (p, q) = (ring[k], ring[(k + 1) % n]);
                        if (p[1] <= y) != (q[1] <= y) {
                            crossings.push(p[0] + (y - p[1]) / (q[1] - p[1]) * (q[0] - p[0]));
                        }
                    }
                }
                crossings.sort_by(f64::total_cmp);
                for pair in crossings.chunks_exact(2) {
                    let col = |x: f64| {
                        ((x - min[0]) / cell_m - 0.5).ceil().clamp(0.0, nx as f64) as usize
                    };
                    for i in col(pair[0])..col(pair[1]).max(col(pair[0])) {
                        inside[j * nx + i] = true;
                    }
                }
            }
        }
        let mut reach = vec![u8::MAX; nx * ny];
        for j in 1..ny.saturating_sub(1) {
            for i in 1..nx - 1 {
                if (j - 1..=j + 1).all(|jj| (i - 1..=i + 1).all(|ii| inside[jj * nx + ii])) {
                    reach[j * nx + i] = 0;
                }
            }
        }
        chebyshev_reach(&mut reach, nx, ny);
        Solid { min, cell_m, nx, ny, reach }
    }

    /// Whether the segment `a`-`b` passes through a solid cell, looked at every cell
    /// length along it from `a` (a point between two looks may cross the corner of a
    /// solid cell unseen: the exact test decides those). Buildings are several cells
    /// wide, so most blocked segments are caught in the first building they cross.
    fn crossed(&self, a: [f64; 2], b: [f64; 2]) -> bool {
        let to_grid =
            |p: [f64; 2]| [(p[0] - self.min[0]) / self.cell_m, (p[1] - self.min[1]) / self.cell_m];
        let (ga, gb) = (to_grid(a), to_grid(b));
        let (nx, ny) = (self.nx as f64, self.ny as f64);
        let inside = |g: [f64; 2]| g[0] >= 0.0 && g[1] >= 0.0 && g[0] < nx && g[1] < ny;
        if !inside(ga) || !inside(gb) {
            return false; // nodes and goals lie in the grid; say nothing of the rest
        }
        let d = [gb[0] - ga[0], gb[1] - ga[1]];
        let steps = d[0].abs().max(d[1].abs()).ceil().max(1.0);
        let step = [d[0] / steps, d[1] / steps];
        let mut left = steps as usize;
        let mut g = ga;
        loop {
            // Both ends are in the grid, and so is every point between: the casts
            // truncate non-negative values, which is `floor` (and a look, rounded, may
            // land on the grid's far edge).
            let (x, y) = ((g[0] as usize).min(self.nx - 1), (g[1] as usize).min(self.ny - 1));
            let reach = self.reach[y * self.nx + x];
            if reach == 0 {
                return true;
            }
            if left == 0 {
                return false;
            }
            // k steps move a point at most k cells on either axis, so its cell stays
            // within `reach` - 1 of this one: none of those is solid.
            let skip = usize::from(reach).saturating_sub(1).clamp(1, left);
            left -= skip;
            let done = steps - left as f64;
            g = [ga[0] + step[0] * done, ga[1] + step[1] * done];
        }
    }
}

/// Sets each cell of `reach` (0 where solid, 255 elsewhere) to its distance in cells to
/// the nearest solid cell on either axis (the Chebyshev distance), up to 255: two
/// passes over the 8 neighbours, exact for that distance.
fn chebyshev_reach(reach: &mut [u8], nx: usize, ny: usize) {
    // Each pass takes, per cell, the row already passed (three neighbours, independent
    // of each other, so the loop vectorises), then the neighbour before it in the row
    // (one dependent step per cell). A loop over the four neighbours, cell by cell,
    // gives the same values at about 15 times the cost.
    let rows = 0..ny;
    for j in rows.clone() {
        let (done, rest) = reach.split_at_mut(j * nx);
        let row = &mut rest[..nx];
        if j > 0 {
            relax_from_row(row, &done[(j - 1) * nx..]);
        }
        scan_row(row.iter_mut());
    }
    for j in rows.rev() {
        let (row, done) = reach[j * nx..].split_at_mut(nx);
        if j + 1 < ny {
            relax_from_row(row, &done[..nx]);
        }
        scan_row(row.iter_mut().rev());
    }
}

/// Lowers each cell to one more than the cell before it, in the order given. The value
/// passed on stays in a register: reading back the cell just written made each step
/// wait for the store.
fn scan_row<'a>(cells: impl Iterator<Item = &'a mut u8>) {
    let mut before = u8::MAX;
    for cell in cells {
        before = (*cell).min(before.saturating_add(1));
        *cell = before;
    }
}

/// Lowers each cell of `row` to one more than the least of its three neighbours in the
/// adjacent row `other` (the same length).
fn relax_from_row(row: &mut [u8], other: &[u8]) {
    let lower = |cell: &mut u8, near: u8| *cell = (*cell).min(near.saturating_add(1));
    let n = row.len();
    if n < 3 {
        let near = other.iter().copied().min().unwrap_or(u8::MAX);
        row.iter_mut().for_each(|cell| lower(cell, near));
        return;
    }
    lower(&mut row[0], other[0].min(other[1]));
    lower(&mut row[n - 1], other[n - 2].min(other[n - 1]));
    // Three shifted views of `other`, zipped: no index to check, so the loop vectorises.
    let inner = row[1..n - 1].iter_mut();
    for (cell, ((a, b), c)) in inner.zip(other.iter().zip(&other[1..]).zip(&other[2..])) {
        lower(cell, (*a).min(*b).min(*c));
    }
}

fn sub(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

fn cross(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[1] - a[1] * b[0]
}

fn norm(a: [f64; 2]) -> f64 {
    (a[0] * a[0] + a[1] * a[1]).sqrt()
}

/// `a` scaled to length 1 (0 stays 0: any line through the corner then).
fn unit(a: [f64; 2]) -> [f64; 2] {
    let l = norm(a);
    if l > 0.0 {
        [a[0] / l, a[1] / l]
    } else {
        [0.0; 2]
    }
}

/// Twice the signed area of a ring (positive counter-clockwise).
fn ring_area2(ring: &[[f64; 2]]) -> f64 {
    let n = ring.len();
    (0..n).map(|i| cross(ring[i], ring[(i + 1) % n])).sum()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{rotated_towers, tower_planner, xorshift};
    use super::*;

    #[test]
    fn chebyshev_reach_is_the_distance_to_the_nearest_solid_cell() {
        let scattered = |k: usize| (k as u64).wrapping_mul(2_654_435_761).is_multiple_of(97);
        // Scattered cells; a single column and a single row; one solid cell in a row
        // too long for a byte (the distance caps at 255); no solid cell at all.
        let grid = |nx: usize, ny: usize, solid: &dyn Fn(usize) -> bool| {
            (nx, ny, (0..nx * ny).map(solid).collect::<Vec<bool>>())
        };
        let grids = [
            grid(37, 23, &scattered),
            grid(1, 40, &|k| k == 7),
            grid(40, 1, &|k| k == 33),
            grid(300, 2, &|k| k == 1),
            grid(5, 4, &|_| false),
        ];
        for (nx, ny, solid) in grids {
            let mut reach: Vec<u8> = solid.iter().map(|&s| if s { 0 } else { 255 }).collect();
            chebyshev_reach(&mut reach, nx, ny);
            for (k, &r) in reach.iter().enumerate() {
                let (x, y) = ((k % nx) as isize, (k / nx) as isize);
                let nearest = (0..nx * ny)
                    .filter(|&q| solid[q])
                    .map(|q| {
                        let (qx, qy) = ((q % nx) as isize, (q / nx) as isize);
                        (qx - x).abs().max((qy - y).abs())
                    })
                    .min()
                    .unwrap_or(255);
                assert_eq!(isize::from(r), nearest.min(255), "{nx} x {ny}, cell ({x}, {y})");
            }
        }
    }

    /// The solid cells only ever turn away segments that the exact test turns away too
    /// (boxes have no notches), and they turn away most segments that cross a tower.
    #[test]
    fn solid_cells_turn_away_only_blocked_segments() {
        let mut next = xorshift(7);
        let world = rotated_towers(40, &mut next);
        let planner = tower_planner(&world);
        let alt = planner.layers[0].alt_m;
        let footprints: Vec<_> = world.buildings.iter().map(|b| &b.footprint).collect();
        let solid = Solid::new(&planner, &footprints);
        let (mut crossed, mut blocked) = (0, 0);
        for _ in 0..3000 {
            let mut point = || [-290.0 + 580.0 * next(), -290.0 + 580.0 * next()];
            let (a, b) = (point(), point());
            let clear = planner.level_segment_clear(a, b, alt);
            if solid.crossed(a, b) {
                assert!(!clear, "{a:?} -> {b:?} is clear but crosses a solid cell");
                crossed += 1;
            }
            blocked += usize::from(!clear);
        }
        assert!(crossed * 10 >= blocked * 8, "{crossed} of {blocked} blocked segments caught");
    }
}
