//! Exact A* on the 26-connected, no-corner-cutting voxel grid.
//!
//! Why it is fast: the grid is a padded bitset with a second "open air" bit per voxel,
//! so most expansions read one bit and the rest one 27-bit neighbourhood; each voxel
//! tries only a few moves (pruning, below); the open list is a radix heap on fixed-point
//! f with ties broken last-in first-out (open-space queries run almost straight to the
//! goal), and the voxel that would pop next skips the heap; per-voxel state is one
//! 16-byte record in a dense array stamped with a query generation, so a query
//! allocates nothing and never clears memory. Path lengths are summed in `f64` during
//! the search (errors near 1e-13, far below the gap between distinct path lengths that
//! matters here); the returned cost is recomputed from exact move counts.
//!
//! **Pruning.** A voxel tries only the moves that can continue a shortest path after
//! the moves that reached it at its g (the local pruning rules of jump point search,
//! without the jumps; rules and proof in the `prune` module). In open air that is 7
//! moves after a cube diagonal, 3 after a planar one and 1 after a straight move, and
//! beside a flat wall or floor just as few; only obstacle corners force more. A voxel
//! can be reached at the same g by several moves, each allowing other continuations: the
//! search keeps all of them (`arrivals`), and if one arrives after the voxel was
//! expanded, it tries the moves that arrival adds (`late`). The start tries every legal
//! move.

use thiserror::Error;

use super::grid::{
    counts_cost, moves, octile_counts, zeroed_state, Move, Voxel, VoxelGrid, MOVE_COST,
};
use super::landmarks::{Landmarks, LANES};
use super::prune::Pruning;
use crate::search::radix::RadixHeap;

/// Errors from a voxel search.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SearchError {
    /// The start or goal voxel is outside the grid.
    #[error("voxel {0:?} is outside the grid")]
    Outside(Voxel),
    /// The start or goal voxel is blocked.
    #[error("voxel {0:?} is blocked")]
    Blocked(Voxel),
    /// A cost estimate reached [`MAX_PATH_COST`]; the open-list keys cannot hold it.
    #[error("path too long for the open-list key representation")]
    TooLong,
}

/// An optimal grid path.
#[derive(Debug, Clone, PartialEq)]
pub struct VoxelPath {
    /// Path length (moves cost 1, √2, √3).
    pub cost: f64,
    /// Number of moves of each kind: `[straight, planar diagonal, cube diagonal]`.
    pub move_counts: [u32; 3],
    /// Every voxel from start to goal inclusive.
    pub voxels: Vec<Voxel>,
}

/// Checks that `voxel` can be a search endpoint.
pub(crate) fn check_endpoint(grid: &VoxelGrid, voxel: Voxel) -> Result<(), SearchError> {
    if !grid.contains(voxel) {
        return Err(SearchError::Outside(voxel));
    }
    if grid.blocked_at(grid.index(voxel)) {
        return Err(SearchError::Blocked(voxel));
    }
    Ok(())
}

/// Largest path cost (f = g + h) the A* open-list keys can represent.
pub const MAX_PATH_COST: f64 = 16384.0;
/// Open-list key: f in fixed point (2^-30 units). Truncating f also merges
/// mathematically equal f values that float summation left a few ulps apart. Equal keys
/// pop last-in first-out, which breaks ties toward the voxel generated last (usually the
/// deepest, so open-space queries run almost straight to the goal), and a voxel pushed
/// with the key just popped lands in the radix heap's bottom bucket and never moves
/// again. (A g tie-break inside the key made every push land higher up: 1.3x slower.)
#[inline]
fn key(f: f64) -> u64 {
    (f * (1u64 << 30) as f64) as u64
}

/// A voxel packed into an open-list value: 21 bits per axis, so popping a voxel needs
/// no division to recover its coordinates.
#[inline]
fn pack(v: Voxel) -> u64 {
    u64::from(v[0]) | u64::from(v[1]) << 21 | u64::from(v[2]) << 42
}

/// Inverse of [`pack`].
#[inline]
fn unpack(p: u64) -> Voxel {
    const AXIS: u64 = (1 << 21) - 1;
    [(p & AXIS) as u32, (p >> 21 & AXIS) as u32, (p >> 42) as u32]
}

/// Two path lengths closer than this are the same length: float summation leaves
/// mathematically equal sums a few ulps apart (errors near 1e-13), while distinct
/// lengths on grids up to 2048 voxels a side lie much further apart.
const TIE: f64 = 1e-9;

/// Search state of one voxel, valid only when the generation in `meta` matches.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(16))]
struct NodeState {
    /// Length of the best known path.
    g: f64,
    /// Generation (high bits), closed flag, direction of the move that reached it.
    meta: u32,
    /// The moves (bit per move index) that reach it at length `g`.
    arrivals: u32,
}

/// What [`AStar::relax_all`] needs about the query besides the search state.
struct Query<'a> {
    grid: &'a VoxelGrid,
    landmarks: Option<&'a Landmarks>,
    goal: Voxel,
    goal_marks: Option<[u16; LANES]>,
    offsets: [isize; 26],
    gen: u32,
}

const DIR_MASK: u32 = 31;
/// Direction value of the start node (no parent).
const DIR_START: u32 = 31;
const CLOSED: u32 = 1 << 5;
const GEN_SHIFT: u32 = 6;
const GEN_LIMIT: u32 = 1 << (32 - GEN_SHIFT);

/// Reusable exact A* search context. Create once, call [`AStar::solve`] many times,
/// on one grid or several (arrays grow to the largest grid seen).
///
/// ```
/// use skylane_planner::search::voxel::{AStar, VoxelGrid};
/// let mut grid = VoxelGrid::new([8, 8, 3]).unwrap();
/// for y in 0..7 {
///     for z in 0..3 {
///         grid.set_blocked([4, y, z], true).unwrap(); // a wall with a gap at y = 7
///     }
/// }
/// let mut astar = AStar::new();
/// let path = astar.solve(&grid, [0, 0, 1], [7, 0, 1]).unwrap().expect("reachable");
/// assert_eq!(path.voxels.first(), Some(&[0, 0, 1]));
/// assert_eq!(path.voxels.last(), Some(&[7, 0, 1]));
/// assert!(path.cost > 7.0);
/// ```
#[derive(Debug)]
pub struct AStar {
    /// Per padded voxel search state, one 16-byte record so a relaxation touches one
    /// cache line.
    state: Vec<NodeState>,
    /// Open list keyed by [`key`]; stale entries are skipped when popped (lazy
    /// deletion).
    open: RadixHeap<u64>,
    /// The voxel pushed last with the current key: the next to pop, held outside
    /// the heap.
    top: Option<u64>,
    /// Key of the voxel being expanded (the open list's minimum).
    current: u64,
    /// Closed voxels and the moves still to try from them, see [`Self::tie`].
    late: Vec<(u32, u32)>,
    generation: u32,
    moves: [Move; 26],
    /// Which moves follow which arrival, by neighbourhood.
    pruning: &'static Pruning,
    expanded: u64,
}

impl Default for AStar {
    fn default() -> Self {
        Self::new()
    }
}

impl AStar {
    /// Bytes of search state per padded voxel (allocated once per grid size).
    pub const fn bytes_per_voxel() -> usize {
        std::mem::size_of::<NodeState>()
    }

    /// An empty context; memory is allocated on the first query.
    pub fn new() -> Self {
        AStar {
            state: Vec::new(),
            open: RadixHeap::new(),
            late: Vec::new(),
            top: None,
            current: 0,
            generation: 0,
            moves: moves(),
            pruning: Pruning::get(),
            expanded: 0,
        }
    }

    /// Nodes expanded by the last query.
    pub fn last_expanded(&self) -> u64 {
        self.expanded
    }

    /// Allocates and initialises the per-voxel state for `grid` now, so that the first
    /// query on it does not pay for it (hundreds of MB on large maps). Optional: a
    /// query does the same when its grid is larger than any seen before.
    pub fn prepare(&mut self, grid: &VoxelGrid) {
        self.grow(grid.bits_len_voxels());
    }

    fn grow(&mut self, cells: usize) {
        if self.state.len() < cells {
            // Fresh zeroed memory: generation 0 is never used by a query.
            self.state = zeroed_state(cells);
            self.generation = 0;
        }
    }

    fn begin(&mut self, cells: usize) {
        self.grow(cells);
        self.generation += 1;
        if self.generation == GEN_LIMIT {
            self.state.fill(NodeState::default());
            self.generation = 1;
        }
        self.open.clear();
        self.late.clear();
        self.top = None;
        self.current = 0;
        self.expanded = 0;
    }

    /// Shortest path from `start` to `goal`, `Ok(None)` when the goal is unreachable.
    /// Guided by the octile distance alone; see [`Self::solve_guided`] for the faster
    /// search with precomputed [`Landmarks`].
    pub fn solve(
        &mut self,
        grid: &VoxelGrid,
        start: Voxel,
        goal: Voxel,
    ) -> Result<Option<VoxelPath>, SearchError> {
        self.search(grid, None, start, goal)
    }

    /// Shortest path from `start` to `goal` like [`Self::solve`], with the larger of the
    /// octile distance and the landmarks' differential bound as heuristic. Same costs,
    /// far fewer expansions where walls stand between start and goal.
    ///
    /// # Panics
    /// If `landmarks` were built for a grid of another size.
    pub fn solve_guided(
        &mut self,
        grid: &VoxelGrid,
        landmarks: &Landmarks,
        start: Voxel,
        goal: Voxel,
    ) -> Result<Option<VoxelPath>, SearchError> {
        assert!(landmarks.fits(grid), "landmarks were built for another grid");
        self.search(grid, Some(landmarks), start, goal)
    }

    fn search(
        &mut self,
        grid: &VoxelGrid,
        landmarks: Option<&Landmarks>,
        start: Voxel,
        goal: Voxel,
    ) -> Result<Option<VoxelPath>, SearchError> {
        check_endpoint(grid, start)?;
        check_endpoint(grid, goal)?;
        let (sy, sz) = grid.strides();
        let offsets: [isize; 26] = std::array::from_fn(|d| {
            let m = self.moves[d].delta;
            m[0] as isize + m[1] as isize * sy + m[2] as isize * sz
        });
        let cells = grid.bits_len_voxels();
        self.begin(cells);
        let gen = self.generation << GEN_SHIFT;
        let s = grid.index(start);
        let goal_index = grid.index(goal);
        let goal_marks = landmarks.map(|l| *l.at(goal_index));
        let mut h0 = counts_cost(octile_counts(start, goal));
        if let (Some(l), Some(gm)) = (landmarks, &goal_marks) {
            match l.bound(l.at(s), gm) {
                Some(b) => h0 = h0.max(b),
                None => return Ok(None),
            }
        }
        self.state[s as usize].meta = gen | DIR_START;
        self.state[s as usize].g = 0.0;
        self.state[s as usize].arrivals = 0;
        if h0 >= MAX_PATH_COST {
            return Err(SearchError::TooLong);
        }
        self.open.push(key(h0), pack(start));
        let query = Query { grid, landmarks, goal, goal_marks, offsets, gen };

        loop {
            let packed = match self.top.take() {
                Some(p) => p,
                None => match self.open.pop() {
                    Some((k, p)) => {
                        self.current = k;
                        p
                    }
                    None => break,
                },
            };
            let v = unpack(packed);
            let node = grid.index(v);
            let n = node as usize;
            let m = self.state[n].meta;
            if m & CLOSED != 0 {
                continue;
            }
            self.state[n].meta = m | CLOSED;
            self.expanded += 1;
            if node == goal_index {
                return Ok(Some(self.path(grid, node, &offsets)));
            }
            let arrivals = self.state[n].arrivals;
            let successors = if arrivals == 0 {
                // The start: every legal move.
                self.pruning.legal(grid.neighbourhood(node))
            } else {
                let blocked = if grid.open_air(node) { 0 } else { grid.neighbourhood(node) };
                self.successors(blocked, arrivals)
            };
            self.relax_all(&query, node, v, successors)?;
            // Voxels closed earlier that a move of this expansion reached again at the
            // same g, by a move whose continuations they had not tried.
            while let Some((late, extra)) = self.late.pop() {
                self.relax_all(&query, late, grid.voxel(late), extra)?;
            }
        }
        Ok(None)
    }

    /// Union of the moves to try after each move in `arrivals`, from a voxel with
    /// blocked-neighbour mask `blocked`.
    #[inline]
    fn successors(&self, blocked: u32, mut arrivals: u32) -> u32 {
        let mut mask = 0;
        while arrivals != 0 {
            mask |= self.pruning.successors(blocked, arrivals.trailing_zeros() as usize);
            arrivals &= arrivals - 1;
        }
        mask
    }

    /// Relaxes the moves in `successors` (all legal) out of the closed voxel `v`, whose
    /// index is `node`.
    #[inline]
    fn relax_all(
        &mut self,
        q: &Query,
        node: u32,
        v: Voxel,
        mut successors: u32,
    ) -> Result<(), SearchError> {
        let n = node as usize;
        let g = self.state[n].g;
        while successors != 0 {
            let d = successors.trailing_zeros() as usize;
            successors &= successors - 1;
            let mv = &self.moves[d];
            let next = (n as isize + q.offsets[d]) as usize;
            let ng = g + MOVE_COST[mv.kind];
            let mn = self.state[next].meta;
            if mn >> GEN_SHIFT == self.generation {
                let old = self.state[next].g;
                if ng > old + TIE {
                    continue;
                }
                if ng >= old - TIE {
                    // The same length by another move: remember it, so the voxel's
                    // expansion also tries that move's continuations.
                    self.tie(q.grid, next, d);
                    continue;
                }
                if mn & CLOSED != 0 {
                    // Shorter than a closed voxel's g: impossible with a consistent
                    // heuristic, up to float noise far below TIE.
                    continue;
                }
            }
            let nv = [
                v[0].wrapping_add_signed(mv.delta[0]),
                v[1].wrapping_add_signed(mv.delta[1]),
                v[2].wrapping_add_signed(mv.delta[2]),
            ];
            let mut h = counts_cost(octile_counts(nv, q.goal));
            if let (Some(l), Some(gm)) = (q.landmarks, &q.goal_marks) {
                match l.bound(l.at(next as u32), gm) {
                    Some(b) => h = h.max(b),
                    None => {
                        // The goal lies in another connected region: never expand.
                        self.state[next].meta = q.gen | CLOSED | d as u32;
                        self.state[next].g = ng;
                        self.state[next].arrivals = 0;
                        continue;
                    }
                }
            }
            self.state[next].meta = q.gen | d as u32;
            self.state[next].g = ng;
            self.state[next].arrivals = 1 << d;
            let f = ng + h;
            if f >= MAX_PATH_COST {
                return Err(SearchError::TooLong);
            }
            let k = key(f);
            if k <= self.current {
                // Would pop next anyway (last in, first out among equal keys): keep it
                // out of the heap.
                if let Some(older) = self.top.replace(pack(nv)) {
                    self.open.push(self.current, older);
                }
            } else {
                self.open.push(k, pack(nv));
            }
        }
        Ok(())
    }

    /// Records that move `d` reaches voxel `next` at its current g.
    #[inline]
    fn tie(&mut self, grid: &VoxelGrid, next: usize, d: usize) {
        let arrivals = self.state[next].arrivals;
        if arrivals & 1 << d != 0 {
            return;
        }
        if self.state[next].meta & CLOSED != 0 && arrivals == 0 {
            // The start, or a voxel of another region: nothing to add.
            return;
        }
        self.state[next].arrivals = arrivals | 1 << d;
        if self.state[next].meta & CLOSED == 0 {
            // Open: its expansion will use the new arrival.
            return;
        }
        // Closed: try what the new arrival adds to the moves already tried.
        let blocked = if grid.open_air(next as u32) { 0 } else { grid.neighbourhood(next as u32) };
        let extra = self.successors(blocked, 1 << d) & !self.successors(blocked, arrivals);
        if extra != 0 {
            self.late.push((next as u32, extra));
        }
    }

    fn path(&self, grid: &VoxelGrid, goal: u32, offsets: &[isize; 26]) -> VoxelPath {
        let mut voxels = Vec::new();
        let mut move_counts = [0u32; 3];
        let mut node = goal as usize;
        loop {
            voxels.push(grid.voxel(node as u32));
            let d = self.state[node].meta & DIR_MASK;
            if d == DIR_START {
                break;
            }
            move_counts[self.moves[d as usize].kind] += 1;
            node = (node as isize - offsets[d as usize]) as usize;
        }
        voxels.reverse();
        // The cost from exact move counts, not the search's running sum.
        VoxelPath { cost: counts_cost(move_counts), move_counts, voxels }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::super::grid::{move_allowed, MOVE_COST};
    use super::super::reference_astar;
    use super::*;

    /// Plain Dijkstra over all voxels, sharing nothing with the A* above except the
    /// bounds-checked move rule.
    fn dijkstra(grid: &VoxelGrid, start: Voxel, goal: Voxel) -> Option<f64> {
        let size = grid.size();
        let mut dist: BTreeMap<Voxel, f64> = BTreeMap::new();
        let mut done = std::collections::BTreeSet::new();
        dist.insert(start, 0.0);
        loop {
            let (&v, &d) = dist
                .iter()
                .filter(|(v, _)| !done.contains(*v))
                .min_by(|a, b| a.1.total_cmp(b.1))?;
            if v == goal {
                return Some(d);
            }
            done.insert(v);
            for dz in -1..=1i32 {
                for dy in -1..=1i32 {
                    for dx in -1..=1i32 {
                        if !move_allowed(grid, v, [dx, dy, dz]) {
                            continue;
                        }
                        let w = [
                            v[0].wrapping_add_signed(dx),
                            v[1].wrapping_add_signed(dy),
                            v[2].wrapping_add_signed(dz),
                        ];
                        assert!(w.iter().zip(size).all(|(&c, s)| c < s));
                        let k = (dx != 0) as usize + (dy != 0) as usize + (dz != 0) as usize;
                        let nd = d + MOVE_COST[k - 1];
                        let e = dist.entry(w).or_insert(f64::INFINITY);
                        if nd < *e {
                            *e = nd;
                        }
                    }
                }
            }
        }
    }

    fn check_path(grid: &VoxelGrid, p: &VoxelPath) {
        let mut cost = 0.0;
        for w in p.voxels.windows(2) {
            let d: [i32; 3] = std::array::from_fn(|i| w[1][i] as i32 - w[0][i] as i32);
            assert!(move_allowed(grid, w[0], d), "illegal move {w:?}");
            cost += MOVE_COST[d.iter().filter(|&&c| c != 0).count() - 1];
        }
        assert!((cost - p.cost).abs() < 1e-9);
    }

    #[test]
    fn start_equals_goal_and_errors() {
        let mut grid = VoxelGrid::new([3, 3, 3]).unwrap();
        grid.set_blocked([1, 1, 1], true).unwrap();
        let mut a = AStar::new();
        let p = a.solve(&grid, [0, 0, 0], [0, 0, 0]).unwrap().unwrap();
        assert_eq!((p.cost, p.voxels), (0.0, vec![[0, 0, 0]]));
        assert_eq!(a.solve(&grid, [1, 1, 1], [0, 0, 0]), Err(SearchError::Blocked([1, 1, 1])));
        assert_eq!(a.solve(&grid, [0, 0, 0], [3, 0, 0]), Err(SearchError::Outside([3, 0, 0])));
    }

    #[test]
    fn unreachable_goal_gives_none() {
        let mut grid = VoxelGrid::new([5, 5, 5]).unwrap();
        for y in 0..5 {
            for z in 0..5 {
                grid.set_blocked([2, y, z], true).unwrap();
            }
        }
        assert_eq!(AStar::new().solve(&grid, [0, 0, 0], [4, 4, 4]), Ok(None));
    }

    #[test]
    fn corner_cutting_is_not_used() {
        // Only (1,0,0) blocked: without corner cutting the planar diagonal from
        // (0,0,0) to (1,1,0) is illegal, so the path costs 2, not √2.
        let mut grid = VoxelGrid::new([2, 2, 1]).unwrap();
        grid.set_blocked([1, 0, 0], true).unwrap();
        let p = AStar::new().solve(&grid, [0, 0, 0], [1, 1, 0]).unwrap().unwrap();
        assert_eq!(p.cost, 2.0);
        assert_eq!(p.voxels, vec![[0, 0, 0], [0, 1, 0], [1, 1, 0]]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Open grids with a few boxes: most voxels have a free 3x3x3 neighbourhood, so
        /// the canonical pruning and the late re-expansion of tied voxels are exercised.
        #[test]
        fn pruned_search_is_exact_among_boxes(
            size in (6u32..18, 6u32..18, 3u32..12),
            boxes in proptest::collection::vec((0u32..18, 0u32..18, 0u32..12, 1u32..5, 1u32..5, 1u32..5), 0..10),
            ends in proptest::collection::vec((any::<u32>(), any::<u32>()), 4),
        ) {
            let size = [size.0, size.1, size.2];
            let mut grid = VoxelGrid::new(size).unwrap();
            for (x, y, z, w, d, h) in boxes {
                for bz in z..(z + h).min(size[2]) {
                    for by in y..(y + d).min(size[1]) {
                        for bx in x..(x + w).min(size[0]) {
                            grid.set_blocked([bx, by, bz], true).unwrap();
                        }
                    }
                }
            }
            let free: Vec<Voxel> = (0..size[2])
                .flat_map(|z| (0..size[1]).flat_map(move |y| (0..size[0]).map(move |x| [x, y, z])))
                .filter(|v| grid.is_free(v[0].into(), v[1].into(), v[2].into()))
                .collect();
            prop_assume!(!free.is_empty());
            let landmarks = Landmarks::build(&grid).unwrap();
            let mut astar = AStar::new();
            for (a, b) in ends {
                let s = free[a as usize % free.len()];
                let g = free[b as usize % free.len()];
                // The textbook A* (hash maps, every move, no pruning) as the oracle.
                let want = reference_astar(&grid, s, g).unwrap().map(|p| p.cost);
                for got in [astar.solve(&grid, s, g).unwrap(), astar.solve_guided(&grid, &landmarks, s, g).unwrap()] {
                    match (got, want) {
                        (None, None) => {}
                        (Some(p), Some(c)) => {
                            prop_assert!((p.cost - c).abs() < 1e-9, "astar {} dijkstra {} {:?}->{:?}", p.cost, c, s, g);
                            check_path(&grid, &p);
                        }
                        (a, b) => prop_assert!(false, "astar {:?} dijkstra {:?}", a, b),
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn astar_cost_equals_dijkstra(
            size in (2u32..7, 2u32..7, 1u32..6),
            blocked in proptest::collection::vec(any::<bool>(), 216),
            density in 0u32..5,
            ends in (any::<u32>(), any::<u32>()),
        ) {
            let size = [size.0, size.1, size.2];
            let mut grid = VoxelGrid::new(size).unwrap();
            let mut free = Vec::new();
            for z in 0..size[2] { for y in 0..size[1] { for x in 0..size[0] {
                let i = (x + 6 * y + 36 * z) as usize;
                // Block roughly density/8 of the voxels.
                let b = blocked[i] && ((i as u32).wrapping_mul(2_654_435_761) >> 29) < density;
                if b { grid.set_blocked([x, y, z], true).unwrap(); } else { free.push([x, y, z]); }
            }}}
            prop_assume!(!free.is_empty());
            let s = free[ends.0 as usize % free.len()];
            let g = free[ends.1 as usize % free.len()];
            let mut astar = AStar::new();
            // Solve twice with the same context: generation stamping must isolate queries.
            let _ = astar.solve(&grid, g, s).unwrap();
            let got = astar.solve(&grid, s, g).unwrap();
            let want = dijkstra(&grid, s, g);
            let landmarks = Landmarks::build(&grid).unwrap();
            let guided = astar.solve_guided(&grid, &landmarks, s, g).unwrap();
            for got in [got, guided] {
                match (got, want) {
                    (None, None) => {}
                    (Some(p), Some(c)) => {
                        prop_assert!((p.cost - c).abs() < 1e-9, "astar {} dijkstra {}", p.cost, c);
                        check_path(&grid, &p);
                    }
                    (a, b) => prop_assert!(false, "astar {:?} dijkstra {:?}", a, b),
                }
            }
        }
    }
}
