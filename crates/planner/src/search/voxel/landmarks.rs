//! Differential heuristic: exact shortest-path distances from a few landmark voxels,
//! precomputed once per grid, give every A* query a lower bound that sees walls.
//!
//! For any voxel `n`, goal `g` and landmark `L`, the triangle inequality gives
//! `d(n, g) >= |d(L, g) - d(L, n)|`. The octile distance ignores obstacles; this bound
//! does not, so queries that must go around or out of an enclosure expand far fewer
//! voxels. [`AStar::solve_guided`](super::AStar::solve_guided) uses the larger of the two.
//!
//! Exactness: the distances are computed with every move cost rounded *down* to a
//! multiple of `1/scale` (1, ⌊√2·scale⌋/scale, ⌊√3·scale⌋/scale) in integer
//! arithmetic, so they are exact shortest paths of a graph whose edges are never longer
//! than the real ones. The bound is therefore admissible and consistent with no rounding
//! error at all, and A* stays exact without re-opening closed voxels.
//!
//! Cost: `LANES + 1` Dijkstra passes over the grid (Dial's bucket queue, since costs are
//! small integers) and `16` bytes per voxel. Landmarks are placed farthest-first: each
//! one is the reachable voxel farthest from those already placed, the usual choice for
//! differential heuristics (Sturtevant et al., "Memory-based heuristics for explicit
//! state spaces", IJCAI 2009).

use thiserror::Error;

use super::grid::{moves, Voxel, VoxelGrid};

/// Number of landmarks; eight 16-bit distances fill one 16-byte slot per voxel.
pub const LANES: usize = 8;
/// Most memory [`Landmarks::build`] may take (distance table plus two work arrays).
pub const MAX_LANDMARK_BYTES: u64 = 8 << 30;

/// Why landmarks could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LandmarkError {
    /// The grid is so large that the tables would exceed [`MAX_LANDMARK_BYTES`].
    #[error(
        "the grid has {voxels} voxels: landmarks would need {} MiB (limit {} MiB); \
         use the octile heuristic",
        bytes >> 20,
        MAX_LANDMARK_BYTES >> 20
    )]
    TooLarge {
        /// Voxels including the padding layer.
        voxels: u64,
        /// Memory the build would need.
        bytes: u64,
    },
}

/// Stored distance of a voxel a landmark cannot reach.
const UNREACHED: u16 = u16::MAX;
/// Fixed-point scale tried first: distances in 1/64 voxel.
const FIRST_SCALE: u32 = 64;
/// Connected regions tried when looking for the largest one to place landmarks in.
const SEED_TRIES: usize = 8;

/// Precomputed landmark distances for one grid. Build once with [`Landmarks::build`],
/// then pass to [`AStar::solve_guided`](super::AStar::solve_guided) for every query on
/// that same grid.
///
/// ```
/// use skylane_planner::search::voxel::{AStar, Landmarks, VoxelGrid};
/// let mut grid = VoxelGrid::new([12, 12, 4]).unwrap();
/// for y in 0..11 {
///     for z in 0..4 {
///         grid.set_blocked([6, y, z], true).unwrap();
///     }
/// }
/// let landmarks = Landmarks::build(&grid).unwrap();
/// let mut astar = AStar::new();
/// let plain = astar.solve(&grid, [0, 0, 0], [11, 0, 0]).unwrap().unwrap();
/// let guided = astar.solve_guided(&grid, &landmarks, [0, 0, 0], [11, 0, 0]).unwrap().unwrap();
/// assert_eq!(plain.cost, guided.cost);
/// ```
#[derive(Debug, Clone)]
pub struct Landmarks {
    size: [u32; 3],
    voxels: Vec<Voxel>,
    /// Per landmark: 1 / its fixed-point scale.
    unit: [f64; LANES],
    /// Per padded voxel: distance from each landmark in units of `unit`, or
    /// [`UNREACHED`].
    dist: Vec<[u16; LANES]>,
}

impl Landmarks {
    /// Bytes per padded voxel while building: the distance table, two `u32` work fields
    /// and one flag.
    pub const fn bytes_per_voxel() -> usize {
        std::mem::size_of::<[u16; LANES]>() + 2 * std::mem::size_of::<u32>() + 1
    }

    /// Places [`LANES`] landmarks farthest-first and computes their distance fields.
    /// A grid with no free voxel gets no landmarks (the bound is then zero).
    pub fn build(grid: &VoxelGrid) -> Result<Landmarks, LandmarkError> {
        check_size(grid.bits_len_voxels())?;
        Ok(Self::build_unchecked(grid))
    }

    fn build_unchecked(grid: &VoxelGrid) -> Landmarks {
        let cells = grid.bits_len_voxels();
        let mut out = Landmarks {
            size: grid.size(),
            voxels: Vec::new(),
            unit: [0.0; LANES],
            dist: vec![[UNREACHED; LANES]; cells],
        };
        let mut dial = Dial::new(grid);
        let mut field = vec![u32::MAX; cells];
        // Landmarks go in the largest connected region of free voxels: try the first
        // free voxel, then the first one each earlier try left unreached.
        let free = cells as u64 - grid.blocked_count() - grid.border_voxels();
        let mut covered = vec![false; cells];
        let mut best: Option<(u64, u32)> = None;
        // The seed whose distances `field` holds now.
        let mut in_field = None;
        for _ in 0..SEED_TRIES {
            let Some(seed) =
                (0..cells as u32).find(|&i| !grid.blocked_at(i) && !covered[i as usize])
            else {
                break;
            };
            dial.run(grid, seed, FIRST_SCALE, &mut field);
            in_field = Some(seed);
            let mut reached = 0u64;
            for (c, &f) in covered.iter_mut().zip(&field) {
                if f != u32::MAX {
                    *c = true;
                    reached += 1;
                }
            }
            if best.is_none_or(|(n, _)| reached > n) {
                best = Some((reached, seed));
            }
            if 2 * reached >= free {
                break;
            }
        }
        let Some((_, seed)) = best else {
            return out;
        };
        // Farthest from that seed: the first landmark.
        if in_field != Some(seed) {
            dial.run(grid, seed, FIRST_SCALE, &mut field);
        }
        let mut next = farthest(&field, &field).unwrap_or(seed);
        // Distance (at FIRST_SCALE) to the nearest landmark placed so far.
        let mut nearest = vec![u32::MAX; cells];
        for lane in 0..LANES {
            out.voxels.push(grid.voxel(next));
            dial.run(grid, next, FIRST_SCALE, &mut field);
            for (n, &f) in nearest.iter_mut().zip(&field) {
                *n = (*n).min(f);
            }
            let following = farthest(&nearest, &field);
            // Store with the finest scale whose largest distance fits in 16 bits.
            let mut scale = FIRST_SCALE;
            let mut max = max_finite(&field);
            while max >= u32::from(UNREACHED) && scale > 1 {
                scale /= 2;
                dial.run(grid, next, scale, &mut field);
                max = max_finite(&field);
            }
            out.unit[lane] = 1.0 / f64::from(scale);
            for (slot, &f) in out.dist.iter_mut().zip(&field) {
                slot[lane] = if f >= u32::from(UNREACHED) { UNREACHED } else { f as u16 };
            }
            next = following.unwrap_or(next);
        }
        out
    }

    /// The landmark voxels, in placement order.
    pub fn voxels(&self) -> &[Voxel] {
        &self.voxels
    }

    /// Whether these landmarks were built for a grid of this size.
    pub(crate) fn fits(&self, grid: &VoxelGrid) -> bool {
        self.size == grid.size() && self.dist.len() == grid.bits_len_voxels()
    }

    /// Distances of one padded voxel from every landmark.
    #[inline]
    pub(crate) fn at(&self, index: u32) -> &[u16; LANES] {
        &self.dist[index as usize]
    }

    /// Lower bound on the path length between two voxels given their landmark
    /// distances; `None` when one landmark reaches exactly one of them (different
    /// components: no path).
    #[inline]
    pub(crate) fn bound(&self, a: &[u16; LANES], b: &[u16; LANES]) -> Option<f64> {
        let mut best = 0.0f64;
        for lane in 0..LANES {
            let (x, y) = (a[lane], b[lane]);
            if (x == UNREACHED) != (y == UNREACHED) {
                return None;
            }
            if x != UNREACHED {
                best = best.max(f64::from(x.abs_diff(y)) * self.unit[lane]);
            }
        }
        Some(best)
    }
}

/// Refuses grids whose tables would exceed [`MAX_LANDMARK_BYTES`]: the distance table,
/// two `u32` work fields and one flag per voxel.
fn check_size(cells: usize) -> Result<(), LandmarkError> {
    let bytes = cells as u64 * Landmarks::bytes_per_voxel() as u64;
    if bytes > MAX_LANDMARK_BYTES {
        return Err(LandmarkError::TooLarge { voxels: cells as u64, bytes });
    }
    Ok(())
}

/// Among the voxels `field` reaches, the one with the largest `key` (`None` if that is 0).
fn farthest(key: &[u32], field: &[u32]) -> Option<u32> {
    let (i, &d) = key
        .iter()
        .zip(field)
        .enumerate()
        .filter(|(_, (_, &f))| f != u32::MAX)
        .map(|(i, (k, _))| (i, k))
        .max_by_key(|(_, &d)| d)?;
    (d > 0).then_some(i as u32)
}

fn max_finite(field: &[u32]) -> u32 {
    field.iter().copied().filter(|&d| d != u32::MAX).max().unwrap_or(0)
}

/// Dijkstra with a circular bucket queue (Dial's algorithm): edge costs are the small
/// integers `scale`, ⌊√2·scale⌋, ⌊√3·scale⌋, so a bucket per distance value needs no heap.
/// Hand-written because no crate offers a bucket queue over a bitset grid's implicit
/// 26-neighbourhood, and this pass runs over every voxel of maps with 60 M of them.
struct Dial {
    buckets: Vec<Vec<u32>>,
    offsets: [isize; 26],
    needs: [u32; 26],
    kinds: [usize; 26],
}

impl Dial {
    fn new(grid: &VoxelGrid) -> Dial {
        let (sy, sz) = grid.strides();
        let mv = moves();
        Dial {
            buckets: Vec::new(),
            offsets: std::array::from_fn(|d| {
                mv[d].delta[0] as isize
                    + mv[d].delta[1] as isize * sy
                    + mv[d].delta[2] as isize * sz
            }),
            needs: std::array::from_fn(|d| mv[d].need_mask),
            kinds: std::array::from_fn(|d| mv[d].kind),
        }
    }

    /// Fills `field` with the distance of every voxel from `source` in units of
    /// `1/scale` (`u32::MAX` where unreachable), with move costs rounded down.
    fn run(&mut self, grid: &VoxelGrid, source: u32, scale: u32, field: &mut [u32]) {
        let cost = [
            scale,
            (std::f64::consts::SQRT_2 * f64::from(scale)).floor() as u32,
            (3f64.sqrt() * f64::from(scale)).floor() as u32,
        ];
        let width = cost[2] as usize + 1;
        self.buckets.resize_with(width, Vec::new);
        for b in &mut self.buckets {
            b.clear();
        }
        field.fill(u32::MAX);
        field[source as usize] = 0;
        self.buckets[0].push(source);
        let mut pending = 1usize;
        let mut d = 0u32;
        while pending > 0 {
            let slot = d as usize % width;
            let mut bucket = std::mem::take(&mut self.buckets[slot]);
            pending -= bucket.len();
            for &node in &bucket {
                if field[node as usize] != d {
                    continue; // improved after it was queued
                }
                let blocked = grid.neighbourhood(node);
                for m in 0..26 {
                    if blocked & self.needs[m] != 0 {
                        continue;
                    }
                    let next = (node as isize + self.offsets[m]) as usize;
                    let nd = d + cost[self.kinds[m]];
                    if nd < field[next] {
                        field[next] = nd;
                        self.buckets[nd as usize % width].push(next as u32);
                        pending += 1;
                    }
                }
            }
            bucket.clear();
            self.buckets[slot] = bucket;
            d += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::AStar;
    use super::*;

    /// A 10 x 10 x 3 grid split by a wall at x = 5 with one gap, plus a sealed pocket.
    fn walled() -> VoxelGrid {
        let mut grid = VoxelGrid::new([10, 10, 3]).unwrap();
        for y in 0..9 {
            for z in 0..3 {
                grid.set_blocked([5, y, z], true).unwrap();
            }
        }
        // Seal voxel (9, 0, 0) in on its three in-grid sides.
        for v in [[8, 0, 0], [9, 1, 0], [9, 0, 1], [8, 1, 0], [8, 0, 1], [9, 1, 1], [8, 1, 1]] {
            grid.set_blocked(v, true).unwrap();
        }
        grid
    }

    #[test]
    fn bound_never_exceeds_the_true_distance() {
        let grid = walled();
        let marks = Landmarks::build(&grid).unwrap();
        assert_eq!(marks.voxels().len(), LANES);
        let mut astar = AStar::new();
        let free: Vec<Voxel> = (0..10)
            .flat_map(|x| (0..10).flat_map(move |y| (0..3).map(move |z| [x, y, z])))
            .filter(|&v| grid.is_free(v[0].into(), v[1].into(), v[2].into()))
            .collect();
        let mut informative = 0;
        for (i, &a) in free.iter().enumerate().step_by(7) {
            for &b in free.iter().skip(i % 5).step_by(11) {
                let bound = marks.bound(marks.at(grid.index(a)), marks.at(grid.index(b)));
                match astar.solve(&grid, a, b).unwrap() {
                    Some(p) => {
                        let bound = bound.expect("reachable pairs have a bound");
                        assert!(bound <= p.cost + 1e-12, "{a:?}->{b:?}: {bound} > {}", p.cost);
                        informative += usize::from(bound > super::super::octile_distance(a, b));
                    }
                    // The landmarks all lie in the big region, so a pair split between it
                    // and the pocket is recognised as unreachable.
                    None => assert_eq!(bound, None, "{a:?}->{b:?}"),
                }
            }
        }
        // The wall makes the landmark bound beat the octile distance somewhere.
        assert!(informative > 0);
    }

    #[test]
    fn sealed_pocket_is_unreachable_without_search() {
        let grid = walled();
        let marks = Landmarks::build(&grid).unwrap();
        let mut astar = AStar::new();
        assert_eq!(astar.solve_guided(&grid, &marks, [0, 0, 0], [9, 0, 0]), Ok(None));
        assert_eq!(astar.last_expanded(), 0);
    }

    #[test]
    fn oversized_grid_is_refused_before_allocating() {
        // The largest grid `VoxelGrid` accepts (2^31 padded voxels) needs about 50 GiB.
        match check_size(1 << 31) {
            Err(e @ LandmarkError::TooLarge { bytes, .. }) => {
                assert!(bytes > MAX_LANDMARK_BYTES);
                assert!(e.to_string().contains("octile"), "{e}");
            }
            Ok(()) => panic!("2^31 voxels accepted"),
        }
        // DA1 (389 x 313 x 511, 62 M voxels, 1.6 GiB) is within the limit.
        assert_eq!(check_size(391 * 315 * 513), Ok(()));
    }

    #[test]
    fn grid_without_free_voxels_gives_zero_bounds() {
        let mut grid = VoxelGrid::new([1, 1, 1]).unwrap();
        grid.set_blocked([0, 0, 0], true).unwrap();
        let marks = Landmarks::build(&grid).unwrap();
        assert!(marks.voxels().is_empty());
    }
}
