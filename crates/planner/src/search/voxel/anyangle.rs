//! Lazy Theta* any-angle search over the same 26-connected grid, with re-expansion.
//!
//! Nodes are expanded like A*, but a node's parent may be any earlier node it can see,
//! so paths bend only at obstacle corners. Lazy Theta* assumes sight from the
//! expanding node's parent and checks it once, when the child is expanded; if the
//! check fails the child falls back to its best expanded grid neighbour, whose grid
//! move is itself a clear segment. Every parent link was therefore checked with
//! [`line_of_sight`] when it was set.
//!
//! Plain Lazy Theta* closes nodes for good and can return paths longer than the grid
//! optimum (a node closed early with a fallback parent is never improved). Here a node
//! is reopened whenever a cheaper tentative g reaches it, and the search stops only
//! when the smallest f in the open list is no less than the goal's checked g. With the
//! Euclidean heuristic (admissible for grid distances) the usual A* argument then
//! bounds the result by the 26-connected grid optimum: some node of the optimal grid
//! path is always open with g no larger than its grid distance. Checked parent links
//! (`parent_checked`, `g_checked`) are kept apart from tentative ones so the returned
//! chain never contains an unchecked segment; a node's checked g only decreases, so
//! the chain is acyclic and its length is at most the goal's checked g.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::astar::{check_endpoint, SearchError};
use super::grid::{moves, Move, Voxel, VoxelGrid, MOVE_COST};
use super::los::line_of_sight;

/// Euclidean distance between two voxel centres.
#[inline]
pub fn distance(a: Voxel, b: Voxel) -> f64 {
    let d: [f64; 3] = std::array::from_fn(|i| f64::from(a[i]) - f64::from(b[i]));
    (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
}

/// An any-angle path: a polyline through voxel centres.
#[derive(Debug, Clone, PartialEq)]
pub struct AnyAnglePath {
    /// Euclidean length.
    pub length: f64,
    /// Corner voxels from start to goal inclusive.
    pub vertices: Vec<Voxel>,
}

/// Meta bits: the node has a live open-list entry.
const OPEN: u32 = 1;
/// Meta bits: the node has been expanded (its checked g and parent are valid).
const EXPANDED: u32 = 2;
const GEN_SHIFT: u32 = 2;

/// Reusable any-angle search context (see the module docs).
///
/// ```
/// use skylane_planner::search::voxel::{AStar, LazyThetaStar, VoxelGrid};
/// let mut grid = VoxelGrid::new([10, 10, 1]).unwrap();
/// grid.set_blocked([5, 5, 0], true).unwrap();
/// let mut theta = LazyThetaStar::new();
/// let p = theta.solve(&grid, [0, 0, 0], [9, 3, 0]).unwrap().unwrap();
/// // A straight segment: shorter than the grid optimum 6 + 3√2.
/// assert_eq!(p.vertices, vec![[0, 0, 0], [9, 3, 0]]);
/// let grid_cost = AStar::new().solve(&grid, [0, 0, 0], [9, 3, 0]).unwrap().unwrap().cost;
/// assert!(p.length < grid_cost);
/// ```
#[derive(Debug)]
pub struct LazyThetaStar {
    /// Per padded voxel: generation << 2 | EXPANDED | OPEN.
    meta: Vec<u32>,
    /// Tentative g and parent of the live open entry (sight not yet checked).
    g_open: Vec<f64>,
    parent_open: Vec<u32>,
    /// g and parent as of the last expansion (sight checked).
    g_checked: Vec<f64>,
    parent_checked: Vec<u32>,
    open: BinaryHeap<Reverse<(u64, u32, u32)>>,
    generation: u32,
    moves: [Move; 26],
    expanded: u64,
}

impl Default for LazyThetaStar {
    fn default() -> Self {
        Self::new()
    }
}

impl LazyThetaStar {
    /// Bytes of search state per padded voxel (`meta`, two g values, two parents).
    pub const fn bytes_per_voxel() -> usize {
        3 * std::mem::size_of::<u32>() + 2 * std::mem::size_of::<f64>()
    }

    /// An empty context; memory is allocated on the first query.
    pub fn new() -> Self {
        LazyThetaStar {
            meta: Vec::new(),
            g_open: Vec::new(),
            parent_open: Vec::new(),
            g_checked: Vec::new(),
            parent_checked: Vec::new(),
            open: BinaryHeap::new(),
            generation: 0,
            moves: moves(),
            expanded: 0,
        }
    }

    /// Nodes expanded by the last query (re-expansions included).
    pub fn last_expanded(&self) -> u64 {
        self.expanded
    }

    /// An any-angle path from `start` to `goal`, `Ok(None)` when unreachable. Its
    /// length is at most the 26-connected grid optimum.
    pub fn solve(
        &mut self,
        grid: &VoxelGrid,
        start: Voxel,
        goal: Voxel,
    ) -> Result<Option<AnyAnglePath>, SearchError> {
        check_endpoint(grid, start)?;
        check_endpoint(grid, goal)?;
        let cells = grid.bits_len_voxels();
        if self.meta.len() < cells {
            self.meta = vec![0; cells];
            self.g_open = vec![0.0; cells];
            self.parent_open = vec![0; cells];
            self.g_checked = vec![0.0; cells];
            self.parent_checked = vec![0; cells];
            self.generation = 0;
        }
        self.generation += 1;
        if self.generation == 1 << (32 - GEN_SHIFT) {
            self.meta.fill(0);
            self.generation = 1;
        }
        let gen = self.generation << GEN_SHIFT;
        self.open.clear();
        self.expanded = 0;
        let (sy, sz) = grid.strides();
        let offsets: [isize; 26] = std::array::from_fn(|d| {
            let m = self.moves[d].delta;
            m[0] as isize + m[1] as isize * sy + m[2] as isize * sz
        });
        let s = grid.index(start) as usize;
        let goal_index = grid.index(goal) as usize;
        self.meta[s] = gen | OPEN;
        self.parent_open[s] = s as u32;
        self.g_open[s] = 0.0;
        self.open.push(Reverse((distance(start, goal).to_bits(), !0, s as u32)));
        let goal_done = |meta: &[u32]| meta[goal_index] & (EXPANDED | !3) == gen | EXPANDED;
        while let Some(Reverse((f_bits, _, node))) = self.open.pop() {
            let n = node as usize;
            let m = self.meta[n];
            if m & OPEN == 0 || m >> GEN_SHIFT != self.generation {
                continue; // superseded entry
            }
            if goal_done(&self.meta) && f64::from_bits(f_bits) >= self.g_checked[goal_index] {
                break;
            }
            self.meta[n] = m & !OPEN;
            let v = grid.voxel(node);
            let blocked = grid.neighbourhood(node);
            let (mut g, mut p) = (self.g_open[n], self.parent_open[n] as usize);
            // Lazy check of the assumed sight line from the parent.
            if p != n && !line_of_sight(grid, grid.voxel(p as u32), v) {
                (g, p) = (f64::INFINITY, n);
                for (d, mv) in self.moves.iter().enumerate() {
                    // Moves are symmetric: the cube spanned from here is the same.
                    if blocked & mv.need_mask != 0 {
                        continue;
                    }
                    let w = (n as isize + offsets[d]) as usize;
                    if self.meta[w] & (EXPANDED | !3) == gen | EXPANDED {
                        let c = self.g_checked[w] + MOVE_COST[mv.kind];
                        if c < g {
                            (g, p) = (c, w);
                        }
                    }
                }
                // The entry came from an expanded grid neighbour, so one exists.
                debug_assert!(p != n);
            }
            if m & EXPANDED != 0 && g >= self.g_checked[n] {
                continue; // the checked value is no better than what we had
            }
            self.meta[n] |= EXPANDED;
            self.g_checked[n] = g;
            self.parent_checked[n] = p as u32;
            self.expanded += 1;
            if n == goal_index {
                continue; // stop once nothing open can beat it (checked at pop)
            }
            let pv = grid.voxel(p as u32);
            let gp = self.g_checked[p];
            for (d, mv) in self.moves.iter().enumerate() {
                if blocked & mv.need_mask != 0 {
                    continue;
                }
                let w = (n as isize + offsets[d]) as usize;
                let wv = [
                    v[0].wrapping_add_signed(mv.delta[0]),
                    v[1].wrapping_add_signed(mv.delta[1]),
                    v[2].wrapping_add_signed(mv.delta[2]),
                ];
                // Path 2 of Theta*: straight from n's parent, sight assumed for now.
                let cand = gp + distance(pv, wv);
                let mw = self.meta[w];
                if mw >> GEN_SHIFT == self.generation {
                    let best = if mw & OPEN != 0 {
                        self.g_open[w]
                    } else if mw & EXPANDED != 0 {
                        self.g_checked[w]
                    } else {
                        f64::INFINITY
                    };
                    if cand >= best {
                        continue;
                    }
                    self.meta[w] = mw | OPEN;
                } else {
                    self.meta[w] = gen | OPEN;
                }
                self.g_open[w] = cand;
                self.parent_open[w] = p as u32;
                let f = cand + distance(wv, goal);
                self.open.push(Reverse((f.to_bits(), !(cand as f32).to_bits(), w as u32)));
            }
        }
        if goal_done(&self.meta) {
            Ok(Some(self.path(grid, goal_index)))
        } else {
            Ok(None)
        }
    }

    fn path(&self, grid: &VoxelGrid, goal: usize) -> AnyAnglePath {
        let mut vertices = vec![grid.voxel(goal as u32)];
        let mut n = goal;
        while self.parent_checked[n] as usize != n {
            n = self.parent_checked[n] as usize;
            vertices.push(grid.voxel(n as u32));
        }
        vertices.reverse();
        let length = vertices.windows(2).map(|w| distance(w[0], w[1])).sum();
        AnyAnglePath { length, vertices }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{validate_polyline, AStar};
    use super::*;

    #[test]
    fn paths_are_valid_and_not_longer_than_grid_optimum() {
        // Deterministic pseudo-random obstacle fields.
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = move |m: u32| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % u64::from(m)) as u32
        };
        let mut theta = LazyThetaStar::new();
        let mut astar = AStar::new();
        let mut compared = 0;
        for _ in 0..30 {
            let mut g = VoxelGrid::new([12, 11, 6]).unwrap();
            for _ in 0..150 {
                g.set_blocked([rnd(12), rnd(11), rnd(6)], true).unwrap();
            }
            for _ in 0..20 {
                let a = [rnd(12), rnd(11), rnd(6)];
                let b = [rnd(12), rnd(11), rnd(6)];
                let (Ok(t), Ok(o)) = (theta.solve(&g, a, b), astar.solve(&g, a, b)) else {
                    continue;
                };
                assert_eq!(t.is_some(), o.is_some());
                if let (Some(t), Some(o)) = (t, o) {
                    let len = validate_polyline(&g, &t.vertices).expect("clear segments");
                    assert!((len - t.length).abs() < 1e-9);
                    assert!(t.length <= o.cost + 1e-6, "{} > {}", t.length, o.cost);
                    assert_eq!((t.vertices[0], *t.vertices.last().unwrap()), (a, b));
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "only {compared} reachable pairs");
    }
}
