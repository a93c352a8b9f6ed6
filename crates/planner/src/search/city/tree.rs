//! Grid search: a shortest-path tree per (layer, depot cell), cached and grown only as
//! far as the queries need ([`CityPlanner::grid_path`] walks it), and A* per query when
//! the cache is full.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

use super::grid::{grid_moves, straight_on_moves, GridMove, MOVE_REACH};
use super::raster::Layer;
use super::CityPlanner;
use crate::search::buckets::BucketQueue;

/// Memory the cached trees may take together, bytes (a growing tree takes
/// [`TREE_BYTES_PER_CELL`]): a city with many nests keeps every nest's trees on every
/// layer, a huge map fewer.
const TREE_BUDGET_BYTES: usize = 3 << 30;
/// Memory of a tree per grid cell while it grows, bytes: distance (8) and last move (1);
/// a complete tree keeps only the last moves.
const TREE_BYTES_PER_CELL: usize = 9;
/// Trees kept whatever the grid size.
const MIN_TREES: usize = 8;
/// [`Tree::via`] of a cell the tree does not reach (and of the start).
const UNREACHED: u8 = u8::MAX;

/// Shortest-path trees kept per (layer, start cell): depots are few and fixed, so every
/// query from a depot walks up its tree, which grows only as far as the queries need.
pub(super) type TreeCache = Mutex<HashMap<(usize, usize), Arc<Mutex<Tree>>>>;

/// A shortest-path tree over [`grid_moves`] from one start cell, grown on demand: a
/// Dijkstra search that stops once a query's goal is settled and resumes from where it
/// stopped for the next goal. The pops and relaxations are those of one uninterrupted
/// search, in the same order, so a goal's path is the same as in the complete tree,
/// whatever the order of the queries.
pub(super) struct Tree {
    start: usize,
    /// Index in [`grid_moves`] of the move from each cell's parent on its shortest path
    /// from `start` (its last move), [`UNREACHED`] where none is known yet (or, once
    /// complete, none exists). The move gives the parent: a parent per cell would take
    /// four times the memory.
    via: Vec<u8>,
    /// The search state while cells remain to settle; `None` once the tree is complete.
    growth: Option<Growth>,
}

/// The resumable part of a [`Tree`]'s Dijkstra search.
struct Growth {
    /// Best distance found so far, cells; negated once the cell is settled (popped with
    /// its final distance). Distances are never negative, and no relaxation can lower a
    /// negated one, so the sign is the settled flag: kept in the distance's own cache
    /// line, which settling a cell reads anyway (a separate bit array cost a second line
    /// per pop).
    g: Vec<f64>,
    /// Open cells by g, in buckets of [`TREE_BUCKETS_PER_CELL`].
    open: BucketQueue,
}

impl Growth {
    /// Dijkstra's relaxation of the move from `cell` (settled at `g_cell`) to `n`.
    /// A function the compiler inlines: a closure called from the two move loops was
    /// not, and the call cost a third of the tree's time.
    #[inline(always)]
    fn relax(&mut self, via: &mut [u8], g_cell: f64, n: usize, mv: &GridMove) {
        let g2 = g_cell + mv.cost;
        if g2 < self.g[n] {
            self.g[n] = g2;
            via[n] = mv.index as u8;
            self.open.push(g2, n as u32);
        }
    }

    fn is_settled(&self, cell: usize) -> bool {
        self.g[cell].is_sign_negative()
    }
}

impl Tree {
    fn new(start: usize, cells: usize) -> Tree {
        let mut g = vec![f64::INFINITY; cells];
        let longest = grid_moves().iter().map(|mv| mv.cost).fold(0.0, f64::max);
        let mut open = BucketQueue::new(TREE_BUCKETS_PER_CELL, longest);
        g[start] = 0.0;
        open.push(0.0, start as u32);
        let via = vec![UNREACHED; cells];
        Tree { start, via, growth: Some(Growth { g, open }) }
    }

    /// Whether `goal`'s path from the start is final (or known not to exist).
    fn knows(&self, goal: usize) -> bool {
        self.growth.as_ref().is_none_or(|s| s.is_settled(goal))
    }

    /// The cells from the start to `goal` (both included), `None` when the complete
    /// tree does not reach it, with `move_offsets` the index steps of [`grid_moves`].
    /// Call only when [`Tree::knows`] `goal`.
    fn path_to(&self, goal: usize, move_offsets: &[isize]) -> Option<Vec<usize>> {
        if goal != self.start && self.via[goal] == UNREACHED {
            return None;
        }
        let mut out = vec![goal];
        let mut c = goal;
        while c != self.start {
            c = c.wrapping_add_signed(-move_offsets[usize::from(self.via[c])]);
            out.push(c);
        }
        out.reverse();
        Some(out)
    }
}

/// What a grid search from a start cell to a goal found.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum GridPath {
    /// The cells of a shortest path, start and goal included.
    Found(Vec<usize>),
    /// No path exists.
    None,
    /// Every path is longer than the search's limit (whether one exists is not known).
    BeyondLimit,
}

impl CityPlanner<'_> {
    /// Shortest grid path from `start` to `goal` no longer than `limit` cells of
    /// distance: the base planner's when it has one that is legal here, else from the
    /// cached shortest-path tree of `start` (grown as far as `goal`, or `limit`, first)
    /// when there is, or there is room for, one; else by A*.
    pub(super) fn grid_path(
        &self,
        layer: &Layer,
        start: usize,
        goal: usize,
        limit: f64,
    ) -> GridPath {
        if let Some(base) = &self.base {
            // The base blocks less: its distances are no longer than ours, so no path
            // there (or none within the limit) means the same here; its path, if legal
            // here, is a shortest one here too (see `CityPlanner::with_base`).
            match base.grid_path(&base.layers[layer.index], start, goal, limit) {
                GridPath::Found(path) if self.path_is_legal(layer, &path) => {
                    return GridPath::Found(path)
                }
                GridPath::Found(_) => {}
                nothing => return nothing,
            }
        }
        let Some(slot) = self.tree_slot(layer, start) else {
            return self.astar(layer, start, goal, limit);
        };
        let mut tree = slot.lock().unwrap_or_else(|p| p.into_inner());
        if !self.grow(&mut tree, layer, Some(goal), limit) {
            return GridPath::BeyondLimit;
        }
        tree.path_to(goal, &self.move_offsets).map_or(GridPath::None, GridPath::Found)
    }

    /// Whether every step of the cell path `path` is a legal grid move on `layer`.
    fn path_is_legal(&self, layer: &Layer, path: &[usize]) -> bool {
        let moves = grid_moves();
        path.windows(2).all(|w| {
            let (x, y) = ((w[0] % self.nx) as isize, (w[0] / self.nx) as isize);
            let (dx, dy) = ((w[1] % self.nx) as isize - x, (w[1] / self.nx) as isize - y);
            moves
                .iter()
                .find(|mv| mv.dx == dx && mv.dy == dy)
                .is_some_and(|mv| self.step(layer, x, y, mv) == Some(w[1]))
        })
    }

    /// Grows the tree from `start` on `layer` to completion, or as far as `limit` cells
    /// of distance; nothing when the cache is full.
    #[cfg(test)]
    pub(super) fn complete_tree(&self, layer: &Layer, start: usize, limit: f64) {
        if let Some(slot) = self.tree_slot(layer, start) {
            let mut tree = slot.lock().unwrap_or_else(|p| p.into_inner());
            self.grow(&mut tree, layer, None, limit);
        }
    }

    /// The cache slot of the tree from `start` on `layer`, made on first use; `None`
    /// when the cache is full.
    fn tree_slot(&self, layer: &Layer, start: usize) -> Option<Arc<Mutex<Tree>>> {
        let mut trees = self.trees.lock().unwrap_or_else(|p| p.into_inner());
        let key = (layer.index, start);
        let cells = self.nx * self.ny;
        if let Some(slot) = trees.get(&key) {
            Some(slot.clone())
        } else if trees.len()
            < (TREE_BUDGET_BYTES / (TREE_BYTES_PER_CELL * cells).max(1)).max(MIN_TREES)
        {
            let slot = Arc::new(Mutex::new(Tree::new(start, cells)));
            trees.insert(key, slot.clone());
            Some(slot)
        } else {
            None
        }
    }

    /// Runs `tree`'s Dijkstra search until `goal` is settled (to the end for `None`, or
    /// when no cell is left to reach), then frees the search state of a complete tree.
    /// Stops before settling a cell further than `limit` cells of distance, and then
    /// returns false: the search resumes there for a later call with a larger limit, so
    /// the tree is the one an uninterrupted search would grow.
    fn grow(&self, tree: &mut Tree, layer: &Layer, goal: Option<usize>, limit: f64) -> bool {
        if goal.is_some_and(|goal| tree.knows(goal)) {
            return true;
        }
        let Some(s) = tree.growth.as_mut() else { return true };
        let via = &mut tree.via;
        let moves = grid_moves();
        let fans = straight_on_moves();
        loop {
            let Some(cell) = s.open.pop() else {
                tree.growth = None;
                return true;
            };
            let cell = cell as usize;
            let gc = s.g[cell];
            if gc.is_sign_negative() {
                continue; // a stale entry: the cell was reached more cheaply since
            }
            if gc > limit {
                // Back on top of the bucket it came from: the next pop takes it again.
                s.open.push(gc, cell as u32);
                return false;
            }
            s.g[cell] = -gc;
            let open_air = isize::from(layer.free_reach[cell]) >= MOVE_REACH;
            if open_air && cell != tree.start {
                // Open air, reached by a move: a shortest path goes straight on or turns
                // by one direction step (`straight_on_moves`), so the other 77 moves
                // cannot improve any distance.
                for &k in &fans[usize::from(via[cell])] {
                    let n = cell.wrapping_add_signed(self.move_offsets[k]);
                    s.relax(via, gc, n, &moves[k]);
                }
            } else if open_air {
                // Every move stays in the free square, so all are legal.
                for (mv, &offset) in moves.iter().zip(&self.move_offsets) {
                    s.relax(via, gc, cell.wrapping_add_signed(offset), mv);
                }
            } else {
                // Near obstacles: the moves within the cell's free square need no check
                // (`step` would say so after its bounds test), the others do.
                let (x, y) = ((cell % self.nx) as isize, (cell / self.nx) as isize);
                let free = layer.free_reach[cell];
                for (mv, &offset) in moves.iter().zip(&self.move_offsets) {
                    let n = if mv.reach <= free {
                        Some(cell.wrapping_add_signed(offset))
                    } else {
                        self.step(layer, x, y, mv)
                    };
                    if let Some(n) = n {
                        s.relax(via, gc, n, mv);
                    }
                }
            }
            if goal == Some(cell) {
                return true;
            }
        }
    }

    fn astar(&self, layer: &Layer, start: usize, goal: usize, limit: f64) -> GridPath {
        thread_local! {
            static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.reset(self.nx * self.ny);
            self.astar_with(layer, start, goal, limit, &mut s)
        })
    }

    /// A* from `start` to `goal` over cells no further than `limit` from the start.
    fn astar_with(
        &self,
        layer: &Layer,
        start: usize,
        goal: usize,
        limit: f64,
        s: &mut Scratch,
    ) -> GridPath {
        let (gx, gy) = ((goal % self.nx) as isize, (goal / self.nx) as isize);
        // Straight-line distance: admissible for moves that cost their Euclidean length.
        let h = |c: usize| {
            let dx = ((c % self.nx) as isize - gx) as f64;
            let dy = ((c / self.nx) as isize - gy) as f64;
            dx.hypot(dy)
        };
        s.set_g(start, 0.0, u32::MAX);
        s.open.push(Node { f: h(start), g: 0.0, cell: start as u32 });
        // Whether a cell was left out for being beyond the limit on every path through it.
        let mut cut = false;
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
                return GridPath::Found(out);
            }
            let (x, y) = ((cell % self.nx) as isize, (cell / self.nx) as isize);
            for mv in grid_moves() {
                let Some(n) = self.step(layer, x, y, mv) else { continue };
                let g2 = g + mv.cost;
                if g2 + h(n) > limit {
                    cut = true; // no way to the goal through here is within the limit
                    continue;
                }
                if g2 < s.g(n) {
                    s.set_g(n, g2, cell as u32);
                    s.open.push(Node { f: g2 + h(n) * 1.0001, g: g2, cell: n as u32 });
                }
            }
        }
        if cut {
            GridPath::BeyondLimit
        } else {
            GridPath::None
        }
    }
}

/// Buckets of a tree's open list per cell of distance: at least one, so that no bucket
/// is wider than the shortest move, which keeps the search exact ([`BucketQueue`]).
const TREE_BUCKETS_PER_CELL: f64 = 16.0;

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

#[cfg(test)]
mod tests {
    use super::super::tests::{tall_box, tower_planner, world_of};
    use super::*;
    use crate::world::World;

    /// Dijkstra over every legal move of `layer` from `start`: grid distances, cells.
    fn distances_over_every_move(planner: &CityPlanner, layer: &Layer, start: usize) -> Vec<f64> {
        let mut g = vec![f64::INFINITY; planner.nx * planner.ny];
        let mut open = BinaryHeap::new();
        g[start] = 0.0;
        open.push(Node { f: 0.0, g: 0.0, cell: start as u32 });
        while let Some(Node { g: gc, cell, .. }) = open.pop() {
            let cell = cell as usize;
            if gc > g[cell] {
                continue;
            }
            let (x, y) = ((cell % planner.nx) as isize, (cell / planner.nx) as isize);
            for mv in grid_moves() {
                if let Some(n) = planner.step(layer, x, y, mv) {
                    if gc + mv.cost < g[n] {
                        g[n] = gc + mv.cost;
                        open.push(Node { f: g[n], g: g[n], cell: n as u32 });
                    }
                }
            }
        }
        g
    }

    /// `count` towers of `min_m` to `min_m + span_m` a side at seeded places over the
    /// planner's area.
    fn scattered_towers(count: i64, min_m: f64, span_m: f64) -> World {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let towers = (0..count)
            .map(|i| {
                let (x, y) = (-280.0 + 560.0 * next(), -280.0 + 560.0 * next());
                let (w, h) = (min_m + span_m * next(), min_m + span_m * next());
                tall_box(i, [x, y], [x + w, y + h])
            })
            .collect();
        world_of(towers)
    }

    /// Grows `planner`'s complete tree on its first layer from its first free cell and
    /// checks the path to every `step`-th cell against a search over every move. Returns
    /// the start, the exact grid distances, and how many cells were compared and how many
    /// are unreachable.
    fn check_tree_against_every_move(
        planner: &CityPlanner,
        step: usize,
    ) -> (usize, Vec<f64>, usize, usize) {
        let layer = &planner.layers[0];
        let start = (0..planner.nx * planner.ny).find(|&c| !layer.blocked[c]).unwrap();
        let exact = distances_over_every_move(planner, layer, start);
        planner.complete_tree(layer, start, f64::INFINITY);
        let cost = |path: &[usize]| -> f64 {
            path.windows(2)
                .map(|w| {
                    let (a, b) = (planner.centre(w[0]), planner.centre(w[1]));
                    (a[0] - b[0]).hypot(a[1] - b[1]) / planner.config.cell_m
                })
                .sum()
        };
        let (mut compared, mut unreachable) = (0, 0);
        for goal in (0..planner.nx * planner.ny).step_by(step) {
            match planner.grid_path(layer, start, goal, f64::INFINITY) {
                GridPath::Found(path) => {
                    let got = cost(&path);
                    assert!(
                        (got - exact[goal]).abs() < 1e-9,
                        "goal {goal}: tree {got}, exact {}",
                        exact[goal]
                    );
                    compared += 1;
                }
                GridPath::None => {
                    assert!(exact[goal].is_infinite(), "goal {goal}: no tree path");
                    unreachable += 1;
                }
                GridPath::BeyondLimit => panic!("goal {goal}: no limit was set"),
            }
        }
        (start, exact, compared, unreachable)
    }

    /// The tree relaxes only the moves a shortest path can take from each cell
    /// (`straight_on_moves` in open air); a plain Dijkstra relaxes every legal move. Both
    /// must find the same grid distance to every cell, among towers of every size and
    /// spacing.
    #[test]
    fn trees_find_the_distances_of_a_search_over_every_move() {
        let world = scattered_towers(70, 2.0, 40.0);
        let planner = tower_planner(&world);
        let (start, exact, compared, unreachable) = check_tree_against_every_move(&planner, 37);
        assert!(
            compared > 1000 && unreachable > 0,
            "{compared} compared, {unreachable} unreachable"
        );
        limited_searches_agree_with_the_complete_tree(&world, &planner, start, &exact);
    }

    /// As above among many small towers: most cells are near an obstacle, with small
    /// free squares, and are reached by moves longer than their square: the cells where
    /// a rule for skipping moves is easiest to get wrong.
    #[test]
    fn trees_find_exact_distances_among_small_towers() {
        let world = scattered_towers(600, 1.0, 6.0);
        let planner = tower_planner(&world);
        let (_, _, compared, unreachable) = check_tree_against_every_move(&planner, 3);
        assert!(compared > 10_000, "{compared} compared, {unreachable} unreachable");
    }

    /// A tree stopped at a limit answers the goals within it with the complete tree's
    /// paths and the others with `BeyondLimit`, and once resumed without a limit it is
    /// the complete tree; A* (the full cache's fallback) keeps the same limit.
    fn limited_searches_agree_with_the_complete_tree(
        world: &World,
        complete: &CityPlanner,
        start: usize,
        exact: &[f64],
    ) {
        let limit = 120.0;
        let bounded = tower_planner(world);
        let layer = &bounded.layers[0];
        bounded.complete_tree(layer, start, limit);
        let (mut within, mut beyond) = (0, 0);
        for goal in (0..bounded.nx * bounded.ny).step_by(37) {
            let got = bounded.grid_path(layer, start, goal, limit);
            let by_astar = bounded.astar(layer, start, goal, limit);
            if exact[goal] <= limit {
                let want = complete.grid_path(&complete.layers[0], start, goal, f64::INFINITY);
                assert_eq!(got, want, "goal {goal}");
                assert!(matches!(by_astar, GridPath::Found(_)), "goal {goal}: {by_astar:?}");
                within += 1;
            } else if exact[goal].is_finite() {
                assert_eq!(got, GridPath::BeyondLimit, "goal {goal} at {}", exact[goal]);
                assert_eq!(by_astar, GridPath::BeyondLimit, "goal {goal} at {}", exact[goal]);
                beyond += 1;
            }
        }
        assert!(within > 100 && beyond > 100, "{within} within, {beyond} beyond");
        for goal in (0..bounded.nx * bounded.ny).step_by(37) {
            let resumed = bounded.grid_path(layer, start, goal, f64::INFINITY);
            let want = complete.grid_path(&complete.layers[0], start, goal, f64::INFINITY);
            assert_eq!(resumed, want, "goal {goal}");
        }
    }
}
