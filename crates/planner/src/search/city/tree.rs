//! Grid search: a shortest-path tree per (layer, depot cell), cached
//! ([`CityPlanner::grid_path`] walks it), and A* per query when the cache is full.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use super::grid::grid_moves;
use super::raster::Layer;
use super::CityPlanner;
use crate::search::radix::RadixHeap;

/// Memory the cached trees may take together, bytes (a tree is 4 bytes per cell): a
/// city with many nests keeps every nest's trees on every layer, a huge map fewer.
const TREE_BUDGET_BYTES: usize = 3 << 30;
/// Trees kept whatever the grid size.
const MIN_TREES: usize = 8;
/// `parent` value of a cell the tree does not reach.
const UNREACHED: u32 = u32::MAX;

/// Shortest-path trees kept per (layer, start cell): depots are few and fixed, so after
/// one full Dijkstra from a depot every later query from it is a walk up the tree.
pub(super) type TreeCache = Mutex<HashMap<(usize, usize), Arc<OnceLock<Vec<u32>>>>>;

impl CityPlanner<'_> {
    /// Shortest grid path from `start` to `goal`: from the cached shortest-path tree of
    /// `start` when there is (or there is room for) one, else by A*.
    pub(super) fn grid_path(&self, layer: &Layer, start: usize, goal: usize) -> Option<Vec<usize>> {
        let Some(slot) = self.tree_slot(layer, start) else {
            return self.astar(layer, start, goal);
        };
        let parent = slot.get_or_init(|| self.dijkstra_tree(layer, start));
        if parent[goal] == UNREACHED {
            return None;
        }
        let mut out = vec![goal];
        let mut c = goal;
        while c != start {
            c = parent[c] as usize;
            out.push(c);
        }
        out.reverse();
        Some(out)
    }

    /// The cache slot of the tree from `start` on `layer`, made on first use; `None`
    /// when the cache is full.
    pub(super) fn tree_slot(&self, layer: &Layer, start: usize) -> Option<Arc<OnceLock<Vec<u32>>>> {
        let mut trees = self.trees.lock().unwrap_or_else(|p| p.into_inner());
        let key = (layer.index, start);
        if let Some(slot) = trees.get(&key) {
            Some(slot.clone())
        } else if trees.len() < (TREE_BUDGET_BYTES / (4 * self.nx * self.ny).max(1)).max(MIN_TREES)
        {
            let slot = Arc::new(OnceLock::new());
            trees.insert(key, slot.clone());
            Some(slot)
        } else {
            None
        }
    }

    /// Parent of every cell on a shortest path over [`grid_moves`] from `start`,
    /// [`UNREACHED`] where there is none.
    pub(super) fn dijkstra_tree(&self, layer: &Layer, start: usize) -> Vec<u32> {
        let mut g = vec![f64::INFINITY; self.nx * self.ny];
        let mut parent = vec![UNREACHED; self.nx * self.ny];
        // Keys are g in fixed point (2^-20 cells): Dijkstra pops in non-decreasing g, the
        // monotone use a radix heap is made for.
        let key = |g: f64| (g * TREE_KEY_SCALE) as u64;
        let mut open = RadixHeap::new();
        g[start] = 0.0;
        parent[start] = start as u32;
        open.push(0, start as u32);
        while let Some((k, cell)) = open.pop() {
            let cell = cell as usize;
            let gc = g[cell];
            if k > key(gc) {
                continue; // a stale entry: the cell was reached more cheaply since
            }
            let (x, y) = ((cell % self.nx) as isize, (cell / self.nx) as isize);
            for mv in grid_moves() {
                let Some(n) = self.step(layer, x, y, mv) else { continue };
                let g2 = gc + mv.cost;
                if g2 < g[n] {
                    g[n] = g2;
                    parent[n] = cell as u32;
                    open.push(key(g2), n as u32);
                }
            }
        }
        parent
    }

    fn astar(&self, layer: &Layer, start: usize, goal: usize) -> Option<Vec<usize>> {
        thread_local! {
            static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.reset(self.nx * self.ny);
            self.astar_with(layer, start, goal, &mut s)
        })
    }

    fn astar_with(
        &self,
        layer: &Layer,
        start: usize,
        goal: usize,
        s: &mut Scratch,
    ) -> Option<Vec<usize>> {
        let (gx, gy) = ((goal % self.nx) as isize, (goal / self.nx) as isize);
        // Straight-line distance: admissible for moves that cost their Euclidean length.
        let h = |c: usize| {
            let dx = ((c % self.nx) as isize - gx) as f64;
            let dy = ((c / self.nx) as isize - gy) as f64;
            dx.hypot(dy)
        };
        s.set_g(start, 0.0, u32::MAX);
        s.open.push(Node { f: h(start), g: 0.0, cell: start as u32 });

        while let Some(Node { g, cell, .. }) = s.open.pop() {
            let cell = cell as usize;
            if g > s.g(cell) {
                continue;
            }
            if cell == goal {
                let mut out = vec![goal];
                let mut c = goal;
                while s.parent[c] != u32::MAX {
                    c = s.parent[c] as usize;
                    out.push(c);
                }
                out.reverse();
                return Some(out);
            }
            let (x, y) = ((cell % self.nx) as isize, (cell / self.nx) as isize);
            for mv in grid_moves() {
                let Some(n) = self.step(layer, x, y, mv) else { continue };
                let g2 = g + mv.cost;
                if g2 < s.g(n) {
                    s.set_g(n, g2, cell as u32);
                    s.open.push(Node { f: g2 + h(n) * 1.0001, g: g2, cell: n as u32 });
                }
            }
        }
        None
    }
}

/// Fixed-point scale of shortest-path-tree keys (keys are g · 2^20, g in cells).
const TREE_KEY_SCALE: f64 = (1u64 << 20) as f64;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    f: f64,
    g: f64,
    cell: u32,
}

impl Eq for Node {}

impl Ord for Node {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on f, ties broken towards larger g (deeper nodes reach the goal sooner).
        other.f.total_cmp(&self.f).then(self.g.total_cmp(&other.g))
    }
}

impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Per-thread search memory, reused across queries: a generation stamp per cell replaces
/// clearing the arrays.
#[derive(Default)]
struct Scratch {
    g: Vec<f64>,
    parent: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
    open: BinaryHeap<Node>,
}

impl Scratch {
    fn reset(&mut self, cells: usize) {
        if self.g.len() != cells {
            self.g = vec![f64::INFINITY; cells];
            self.parent = vec![u32::MAX; cells];
            self.stamp = vec![0; cells];
            self.generation = 0;
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        self.open.clear();
    }

    fn g(&self, c: usize) -> f64 {
        if self.stamp[c] == self.generation {
            self.g[c]
        } else {
            f64::INFINITY
        }
    }

    fn set_g(&mut self, c: usize, g: f64, parent: u32) {
        self.stamp[c] = self.generation;
        self.g[c] = g;
        self.parent[c] = parent;
    }
}
