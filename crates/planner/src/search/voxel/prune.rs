//! Which moves the exact A* tries after arriving at a voxel by a given move: the
//! local pruning rules of jump point search, derived for any 3x3x3 occupancy.
//!
//! Entry point: [`Pruning::successors`], for a voxel's blocked-neighbour mask (see
//! [`VoxelGrid::neighbourhood`](super::VoxelGrid::neighbourhood)) and the move that
//! reached it. In open air the answer is the move's canonical continuations
//! ([`canonical_successors`]); beside obstacles it is the legal moves less those that
//! rules (a) and (b) below prune, read from tables built once per process.
//!
//! A move `e` after the move `d` into voxel `n` (coming from `p = n - d`, going to
//! `m = n + e`) is pruned when
//!
//! - (a) some legal path from `p` to `m` inside `n`'s 3x3x3 block is strictly shorter
//!   than `d` then `e` — then no shortest path takes `d, e` here; or
//! - (b) `e`'s non-zero components strictly contain `d`'s, with the same signs, and the
//!   swapped pair `e` then `d` is legal — an equally short path that orders the larger
//!   move first.
//!
//! Why this keeps an optimal path to every voxel: among the optimal paths to a voxel,
//! take one with the fewest pairs of moves ordered "smaller support first". A move
//! pruned by (a) would make it not optimal; one pruned by (b) could be swapped with
//! the move before it, leaving an optimal path with fewer such pairs. So it uses no
//! pruned move. (The A* keeps every move that reaches a voxel at its g, so whichever of
//! them this path uses is among the arrivals it expands; see the `astar` module.)
//!
//! In open air, (a) and (b) prune exactly the moves outside `d`'s canonical
//! continuations; a unit test checks this for every move.

use std::sync::OnceLock;

use super::grid::{block_index, cube_bits, moves, Move, MOVE_COST};

/// The successor rules: open-air continuations and, per arriving move, the pruning
/// conditions that apply beside obstacles.
#[derive(Debug)]
pub(crate) struct Pruning {
    /// Per move: its canonical continuations.
    canonical: [u32; 26],
    /// Per move: the block bits each move's cube needs free (its legality).
    need: [u32; 26],
    /// Per arriving move `d`: `(block bits, e)` pairs, each meaning "if these block
    /// voxels are all free, move `e` is pruned" (one entry per minimal way to satisfy
    /// rule (a) or (b)).
    rules: [Vec<(u32, u8)>; 26],
}

impl Pruning {
    /// The shared rule tables (built once per process, in about a millisecond).
    pub(crate) fn get() -> &'static Pruning {
        static RULES: OnceLock<Pruning> = OnceLock::new();
        RULES.get_or_init(Pruning::build)
    }

    fn build() -> Pruning {
        let moves = moves();
        let canonical = canonical_successors(&moves);
        let need = moves.map(|m| m.need_mask);
        // Every simple path inside the block from each position next to the centre
        // that is short enough to matter (below 2√3, the longest pair of moves),
        // as (end, length, block bits it needs free).
        let longest = 2.0 * MOVE_COST[2];
        let mut rules: [Vec<(u32, u8)>; 26] = std::array::from_fn(|_| Vec::new());
        for d in 0..26 {
            let from = moves[d].delta.map(|c| -c);
            let mut paths = Vec::new();
            walk(&moves, from, 1 << block_index(from), 0.0, 0, longest, &mut paths);
            for e in 0..26 {
                let to = moves[e].delta;
                let via = MOVE_COST[moves[d].kind] + MOVE_COST[moves[e].kind];
                // (a): strictly shorter paths from p to m.
                let mut needs: Vec<u32> = paths
                    .iter()
                    .filter(|(end, len, _)| *end == to && *len < via - 1e-9)
                    .map(|&(_, _, bits)| bits)
                    .collect();
                // (b): the swapped pair, when e strictly contains d.
                if e != d && canonical[e] & 1 << d != 0 {
                    let mid: [i32; 3] = std::array::from_fn(|i| from[i] + moves[e].delta[i]);
                    needs.push(cube_bits(from, moves[e].delta) | cube_bits(mid, moves[d].delta));
                }
                // Keep only minimal conditions: a superset is implied by its subset.
                needs.sort_by_key(|b| b.count_ones());
                let mut minimal: Vec<u32> = Vec::new();
                for b in needs {
                    if !minimal.iter().any(|&m| m & !b == 0) {
                        minimal.push(b);
                    }
                }
                rules[d].extend(minimal.into_iter().map(|b| (b, e as u8)));
            }
        }
        Pruning { canonical, need, rules }
    }

    /// Moves to try from a voxel with blocked-neighbour mask `blocked` (0 = open air,
    /// see [`VoxelGrid::neighbourhood`](super::VoxelGrid::neighbourhood)) reached by
    /// move `d`. Every returned move is legal.
    #[inline]
    pub(crate) fn successors(&self, blocked: u32, d: usize) -> u32 {
        if blocked == 0 {
            return self.canonical[d];
        }
        let mut pruned = 0;
        for &(bits, e) in &self.rules[d] {
            // Branch-free: whether a rule fires is close to random.
            pruned |= u32::from(blocked & bits == 0) << e;
        }
        self.legal(blocked) & !pruned
    }

    /// Every legal move from a voxel with blocked-neighbour mask `blocked`.
    #[inline]
    pub(crate) fn legal(&self, blocked: u32) -> u32 {
        let mut mask = 0;
        for (e, &bits) in self.need.iter().enumerate() {
            mask |= u32::from(blocked & bits == 0) << e;
        }
        mask
    }
}

/// Depth-first enumeration of simple paths inside the block from `at` (visited block
/// bits `seen`, length `len` so far, cube bits `bits` needed so far), recording every
/// path shorter than `limit` as (end, length, bits).
fn walk(
    moves: &[Move; 26],
    at: [i32; 3],
    seen: u32,
    len: f64,
    bits: u32,
    limit: f64,
    out: &mut Vec<([i32; 3], f64, u32)>,
) {
    out.push((at, len, bits));
    for m in moves {
        let to: [i32; 3] = std::array::from_fn(|i| at[i] + m.delta[i]);
        let next_len = len + MOVE_COST[m.kind];
        if to.iter().any(|c| c.abs() > 1) || seen & 1 << block_index(to) != 0 || next_len >= limit {
            continue;
        }
        let b = bits | cube_bits(at, m.delta);
        walk(moves, to, seen | 1 << block_index(to), next_len, b, limit, out);
    }
}

/// Per move `d`: the moves whose non-zero components are a subset of `d`'s, with the
/// same signs (7 after a cube diagonal, 3 after a planar one, 1 after a straight move).
pub(crate) fn canonical_successors(moves: &[Move; 26]) -> [u32; 26] {
    std::array::from_fn(|d| {
        let a = moves[d].delta;
        moves.iter().enumerate().fold(0, |mask, (e, m)| {
            let inside = (0..3).all(|i| m.delta[i] == 0 || m.delta[i] == a[i]);
            if inside {
                mask | 1 << e
            } else {
                mask
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(delta: [i32; 3]) -> usize {
        moves().iter().position(|m| m.delta == delta).unwrap()
    }

    /// The rules applied to an all-free block: must equal the canonical continuations.
    #[test]
    fn open_air_rules_are_the_canonical_continuations() {
        let p = Pruning::get();
        for d in 0..26 {
            let mut keep = (1 << 26) - 1;
            for &(_, e) in &p.rules[d] {
                keep &= !(1 << e);
            }
            assert_eq!(keep, p.canonical[d], "move {:?}", moves()[d].delta);
        }
        assert_eq!(p.canonical.map(u32::count_ones).iter().filter(|&&c| c == 7).count(), 8);
    }

    #[test]
    fn a_floor_prunes_like_open_air_and_a_pillar_forces_moves() {
        let p = Pruning::get();
        // A floor: the whole z = -1 layer blocked. Moving along it by (1,1,0), the
        // floor removes nothing that open air would allow.
        let floor: u32 = (0..9).map(|b| 1 << b).sum();
        let d = find([1, 1, 0]);
        assert_eq!(p.successors(floor, d), p.canonical[d]);
        // A pillar: only (-1,1,0) blocked, arriving by (1,0,0) from p = (-1,0,0). Open
        // air would allow (1,0,0) alone; the pillar blocks the diagonals from p towards
        // y = 1, which forces the moves that reach y = 1 through the centre.
        let pillar = 1 << block_index([-1, 1, 0]);
        let d = find([1, 0, 0]);
        let want = [[1, 0, 0], [0, 1, 0], [0, 1, -1], [1, 1, 0], [0, 1, 1], [1, 1, -1], [1, 1, 1]];
        assert_eq!(p.successors(pillar, d), want.map(find).iter().fold(0, |m, &e| m | 1 << e));
    }
}
