//! The voxel occupancy grid and the 26-connected move set.

use thiserror::Error;

/// A voxel coordinate `[x, y, z]`, 0-based.
pub type Voxel = [u32; 3];

/// Largest accepted size of one grid axis, in voxels. Keeps every padded linear index
/// (and the product of the three padded sizes) comfortably inside `u32`.
pub const MAX_AXIS_VOXELS: u32 = 2048;

/// Largest accepted number of voxels in a grid (padded), so indices fit in `u32`.
const MAX_PADDED_VOXELS: u64 = 1 << 31;

/// Errors building a grid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GridError {
    /// An axis size is 0 or above [`MAX_AXIS_VOXELS`], or the grid is too large.
    #[error(
        "grid size {0:?} is not supported (each axis 1..={MAX_AXIS_VOXELS}, at most 2^31 voxels)"
    )]
    BadSize([u32; 3]),
    /// A voxel coordinate lies outside the grid.
    #[error("voxel {voxel:?} is outside the grid of size {size:?}")]
    OutOfBounds {
        /// The offending voxel.
        voxel: Voxel,
        /// The grid size.
        size: [u32; 3],
    },
}

/// A 3D occupancy grid stored as a bitset (1 = blocked), with a one-voxel blocked
/// border so that the 26 neighbours of any in-grid voxel can be read without bounds
/// checks. `x` is the fastest-varying axis.
///
/// ```
/// use skylane_planner::search::voxel::VoxelGrid;
/// let mut grid = VoxelGrid::new([4, 3, 2]).unwrap();
/// grid.set_blocked([1, 2, 1], true).unwrap();
/// assert!(!grid.is_free(1, 2, 1));
/// assert!(grid.is_free(0, 0, 0));
/// assert!(!grid.is_free(4, 0, 0)); // outside counts as blocked
/// ```
#[derive(Debug, Clone)]
pub struct VoxelGrid {
    size: [u32; 3],
    /// Padded row length (x size + 2).
    stride_y: usize,
    /// Padded plane size ((x+2)(y+2)).
    stride_z: usize,
    /// One bit per padded voxel, plus one spare word so 3-bit row reads never overrun.
    bits: Vec<u64>,
    /// One bit per padded voxel: set when the voxel and its 26 neighbours are all free
    /// ("open air"), kept up to date by [`Self::set_blocked`]. The A* reads this one
    /// bit instead of a whole neighbourhood for most expansions.
    open_air: Vec<u64>,
    blocked_count: u64,
}

impl VoxelGrid {
    /// An all-free grid of `size = [x, y, z]` voxels.
    pub fn new(size: [u32; 3]) -> Result<Self, GridError> {
        if size.iter().any(|&s| s == 0 || s > MAX_AXIS_VOXELS) {
            return Err(GridError::BadSize(size));
        }
        let padded: u64 = size.iter().map(|&s| u64::from(s) + 2).product();
        if padded > MAX_PADDED_VOXELS {
            return Err(GridError::BadSize(size));
        }
        let stride_y = size[0] as usize + 2;
        let stride_z = stride_y * (size[1] as usize + 2);
        let words = (padded as usize).div_ceil(64) + 1;
        let mut grid = VoxelGrid {
            size,
            stride_y,
            stride_z,
            bits: vec![0; words],
            open_air: vec![0; words],
            blocked_count: 0,
        };
        // Block the border layer.
        let [px, py, pz] = [size[0] as usize + 2, size[1] as usize + 2, size[2] as usize + 2];
        for z in 0..pz {
            for y in 0..py {
                for x in 0..px {
                    if x == 0 || y == 0 || z == 0 || x == px - 1 || y == py - 1 || z == pz - 1 {
                        let i = x + y * stride_y + z * stride_z;
                        grid.bits[i >> 6] |= 1 << (i & 63);
                    } else if x > 1 && y > 1 && z > 1 && x < px - 2 && y < py - 2 && z < pz - 2 {
                        // Two layers in from the padding: all 26 neighbours are inside.
                        let i = x + y * stride_y + z * stride_z;
                        grid.open_air[i >> 6] |= 1 << (i & 63);
                    }
                }
            }
        }
        Ok(grid)
    }

    /// Voxels of a grid of `size` with its one-voxel padding layer: what per-voxel search
    /// state is allocated for.
    pub fn padded_voxels(size: [u32; 3]) -> u64 {
        size.iter().map(|&s| u64::from(s) + 2).product()
    }

    /// Bytes of a grid of `size` (the occupancy and open-air bitsets).
    pub fn bytes_for(size: [u32; 3]) -> u64 {
        2 * 8 * (Self::padded_voxels(size).div_ceil(64) + 1)
    }

    /// Grid size `[x, y, z]` in voxels.
    pub fn size(&self) -> [u32; 3] {
        self.size
    }

    /// Number of blocked voxels inside the grid.
    pub fn blocked_count(&self) -> u64 {
        self.blocked_count
    }

    /// Number of voxels of the blocked padding layer around the grid.
    pub(crate) fn border_voxels(&self) -> u64 {
        let padded: u64 = self.size.iter().map(|&s| u64::from(s) + 2).product();
        padded - self.size.iter().map(|&s| u64::from(s)).product::<u64>()
    }

    /// Whether `voxel` lies inside the grid.
    pub fn contains(&self, voxel: Voxel) -> bool {
        voxel.iter().zip(self.size).all(|(&c, s)| c < s)
    }

    /// Marks one voxel blocked (`true`) or free (`false`).
    pub fn set_blocked(&mut self, voxel: Voxel, blocked: bool) -> Result<(), GridError> {
        if !self.contains(voxel) {
            return Err(GridError::OutOfBounds { voxel, size: self.size });
        }
        let i = self.index(voxel) as usize;
        let was = self.bits[i >> 6] >> (i & 63) & 1 == 1;
        if blocked {
            self.bits[i >> 6] |= 1 << (i & 63);
        } else {
            self.bits[i >> 6] &= !(1 << (i & 63));
        }
        self.blocked_count = self.blocked_count + u64::from(blocked) - u64::from(was);
        if blocked != was {
            // The voxel and its 26 neighbours may have entered or left open air.
            for dz in -1..=1i64 {
                for dy in -1..=1i64 {
                    for dx in -1..=1i64 {
                        let w = [
                            i64::from(voxel[0]) + dx,
                            i64::from(voxel[1]) + dy,
                            i64::from(voxel[2]) + dz,
                        ];
                        if self.is_free(w[0], w[1], w[2]) {
                            let j = self.index([w[0] as u32, w[1] as u32, w[2] as u32]);
                            let open = self.neighbourhood(j) == 0;
                            let (word, b) = (j as usize >> 6, j & 63);
                            self.open_air[word] =
                                self.open_air[word] & !(1 << b) | u64::from(open) << b;
                        } else if let Some(j) = self.checked_index(w) {
                            self.open_air[j as usize >> 6] &= !(1 << (j & 63));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Padded index of `w` when it lies inside the grid.
    fn checked_index(&self, w: [i64; 3]) -> Option<u32> {
        let inside = w.iter().zip(self.size).all(|(&c, s)| c >= 0 && c < i64::from(s));
        inside.then(|| self.index([w[0] as u32, w[1] as u32, w[2] as u32]))
    }

    /// Whether voxel `(x, y, z)` is inside the grid and free. Signed so callers can
    /// probe neighbours of border voxels directly.
    pub fn is_free(&self, x: i64, y: i64, z: i64) -> bool {
        let in_grid = x >= 0
            && y >= 0
            && z >= 0
            && x < i64::from(self.size[0])
            && y < i64::from(self.size[1])
            && z < i64::from(self.size[2]);
        in_grid && !self.blocked_at(self.index([x as u32, y as u32, z as u32]))
    }

    /// Padded linear index of an in-grid voxel.
    #[inline]
    pub(crate) fn index(&self, v: Voxel) -> u32 {
        (v[0] as usize
            + 1
            + (v[1] as usize + 1) * self.stride_y
            + (v[2] as usize + 1) * self.stride_z) as u32
    }

    /// Voxel of a padded linear index (inverse of [`Self::index`]).
    #[inline]
    pub(crate) fn voxel(&self, index: u32) -> Voxel {
        let i = index as usize;
        let z = i / self.stride_z;
        let rem = i - z * self.stride_z;
        let y = rem / self.stride_y;
        let x = rem - y * self.stride_y;
        [x as u32 - 1, y as u32 - 1, z as u32 - 1]
    }

    /// Whether a padded index is blocked (border voxels are).
    #[inline]
    pub(crate) fn blocked_at(&self, index: u32) -> bool {
        let i = index as usize;
        self.bits[i >> 6] >> (i & 63) & 1 == 1
    }

    /// Whether an in-grid voxel and all 26 of its neighbours are free.
    #[inline]
    pub(crate) fn open_air(&self, index: u32) -> bool {
        let i = index as usize;
        self.open_air[i >> 6] >> (i & 63) & 1 == 1
    }

    /// Number of padded voxels: the length of per-voxel arrays indexed by
    /// [`Self::index`].
    #[inline]
    pub(crate) fn bits_len_voxels(&self) -> usize {
        self.stride_z * (self.size[2] as usize + 2)
    }

    /// Index deltas of the y and z axes.
    #[inline]
    pub(crate) fn strides(&self) -> (isize, isize) {
        (self.stride_y as isize, self.stride_z as isize)
    }

    /// Occupancy of the 3x3x3 block centred on an in-grid voxel as a 27-bit mask, bit
    /// `(dx+1) + 3(dy+1) + 9(dz+1)` set when that voxel is blocked. Nine 3-bit row
    /// reads instead of 27 single-bit reads; the padding makes them all in range.
    #[inline]
    pub(crate) fn neighbourhood(&self, index: u32) -> u32 {
        let mut mask = 0u32;
        let (sy, sz) = (self.stride_y, self.stride_z);
        let mut shift = 0;
        for dz in 0..3usize {
            for dy in 0..3usize {
                let b = index as usize - 1 - sy - sz + dy * sy + dz * sz;
                let (w, o) = (b >> 6, b & 63);
                // SAFETY-free: the spare trailing word keeps w + 1 in range.
                let lo = self.bits[w] >> o;
                let row = if o > 61 { lo | (self.bits[w + 1] << (64 - o)) } else { lo };
                mask |= ((row & 7) as u32) << shift;
                shift += 3;
            }
        }
        mask
    }
}

/// A zeroed vector of `len` elements for per-voxel search state, backed by transparent
/// huge pages where the OS allows it. Search state of large maps spans hundreds of MB and
/// is touched at random, so 4 KiB pages spend much of a query in TLB misses.
pub(crate) fn zeroed_state<T: Copy + Default>(len: usize) -> Vec<T> {
    let v = vec![T::default(); len];
    advise_huge_pages(&v);
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(v: &[T]) {
    const HUGE: usize = 2 << 20;
    let start = v.as_ptr() as usize;
    let end = start + std::mem::size_of_val(v);
    let aligned = start.next_multiple_of(HUGE);
    if end > aligned + HUGE {
        // SAFETY: the range lies inside the vector's live allocation; MADV_HUGEPAGE only
        // changes how the kernel backs those pages, never their contents, and an error
        // (e.g. THP disabled) leaves the memory as it was.
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, end - aligned, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_: &[T]) {}

/// One of the 26 moves: its offset, cost class and the voxels its cube spans.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Move {
    /// `(dx, dy, dz)`, each in -1..=1.
    pub delta: [i32; 3],
    /// Number of non-zero components minus one: 0 straight, 1 planar, 2 cube diagonal.
    pub kind: usize,
    /// Neighbourhood bits (see [`VoxelGrid::neighbourhood`]) that must all be free: every
    /// voxel of the unit cube the move spans, i.e. every sub-offset of `delta`.
    pub need_mask: u32,
}

/// Length of a move of each kind: 1, √2, √3.
pub const MOVE_COST: [f64; 3] = [1.0, std::f64::consts::SQRT_2, 1.732_050_807_568_877_2];

/// Position `(x+1) + 3(y+1) + 9(z+1)` of an offset in -1..=1 within a 3x3x3 block:
/// the bit order of [`VoxelGrid::neighbourhood`].
pub(crate) fn block_index(o: [i32; 3]) -> usize {
    ((o[0] + 1) + 3 * (o[1] + 1) + 9 * (o[2] + 1)) as usize
}

/// Block bits of the unit cube a move `delta` from block position `at` spans, its
/// target included and `at` excluded: what must be free for the move to be legal.
pub(crate) fn cube_bits(at: [i32; 3], delta: [i32; 3]) -> u32 {
    let mut bits = 0;
    for sx in [0, delta[0]] {
        for sy in [0, delta[1]] {
            for sz in [0, delta[2]] {
                if [sx, sy, sz] != [0, 0, 0] {
                    bits |= 1 << block_index([at[0] + sx, at[1] + sy, at[2] + sz]);
                }
            }
        }
    }
    bits
}

/// The 26 moves, straight ones first so equal-cost expansions prefer them.
pub(crate) fn moves() -> [Move; 26] {
    let mut out = [Move { delta: [0; 3], kind: 0, need_mask: 0 }; 26];
    let mut n = 0;
    for kind in 0..3 {
        for dz in -1..=1i32 {
            for dy in -1..=1i32 {
                for dx in -1..=1i32 {
                    let nz = (dx != 0) as usize + (dy != 0) as usize + (dz != 0) as usize;
                    if nz != kind + 1 {
                        continue;
                    }
                    let delta = [dx, dy, dz];
                    out[n] = Move { delta, kind, need_mask: cube_bits([0, 0, 0], delta) };
                    n += 1;
                }
            }
        }
    }
    out
}

/// Whether the move `delta` from `from` is legal: the target and every other voxel of
/// the cube the move spans are free (no corner cutting). Plain, bounds-checked version
/// for reference code and tests.
pub fn move_allowed(grid: &VoxelGrid, from: Voxel, delta: [i32; 3]) -> bool {
    if delta == [0, 0, 0] || delta.iter().any(|d| d.abs() > 1) {
        return false;
    }
    for sx in [0, delta[0]] {
        for sy in [0, delta[1]] {
            for sz in [0, delta[2]] {
                if !grid.is_free(
                    i64::from(from[0]) + i64::from(sx),
                    i64::from(from[1]) + i64::from(sy),
                    i64::from(from[2]) + i64::from(sz),
                ) {
                    return false;
                }
            }
        }
    }
    true
}

/// The exact 3D octile distance between two voxels as move counts
/// `[straight, planar, cube]`: the grid distance when nothing is blocked.
#[inline]
pub fn octile_counts(a: Voxel, b: Voxel) -> [u32; 3] {
    let d = [a[0].abs_diff(b[0]), a[1].abs_diff(b[1]), a[2].abs_diff(b[2])];
    // min/max instead of a sort: no branches to mispredict in the search's inner loop.
    let hi = d[0].max(d[1]).max(d[2]);
    let lo = d[0].min(d[1]).min(d[2]);
    let mid = d[0] + d[1] + d[2] - hi - lo;
    [hi - mid, mid - lo, lo]
}

/// Length of a path with `counts = [straight, planar, cube]` moves. The same counts
/// always give bit-identical results, which makes equal-cost ties exact.
#[inline]
pub fn counts_cost(counts: [u32; 3]) -> f64 {
    f64::from(counts[0]) + f64::from(counts[1]) * MOVE_COST[1] + f64::from(counts[2]) * MOVE_COST[2]
}

/// The 3D octile distance between two voxels.
pub fn octile_distance(a: Voxel, b: Voxel) -> f64 {
    counts_cost(octile_counts(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips_and_border_is_blocked() {
        let g = VoxelGrid::new([5, 4, 3]).unwrap();
        for v in [[0, 0, 0], [4, 3, 2], [2, 1, 1]] {
            assert_eq!(g.voxel(g.index(v)), v);
            assert!(!g.blocked_at(g.index(v)));
        }
        assert!(!g.is_free(-1, 0, 0));
        assert!(!g.is_free(0, 4, 0));
        assert!(g.blocked_at(0));
    }

    #[test]
    fn neighbourhood_matches_single_reads() {
        let mut g = VoxelGrid::new([70, 3, 3]).unwrap();
        for v in [[62, 1, 1], [63, 0, 2], [64, 2, 0], [1, 1, 1]] {
            g.set_blocked(v, true).unwrap();
        }
        for x in 0..70u32 {
            let c = [x, 1, 1];
            let m = g.neighbourhood(g.index(c));
            for dz in -1..=1i64 {
                for dy in -1..=1i64 {
                    for dx in -1..=1i64 {
                        let b = (dx + 1) + 3 * (dy + 1) + 9 * (dz + 1);
                        let blocked = !g.is_free(i64::from(x) + dx, 1 + dy, 1 + dz);
                        assert_eq!(m >> b & 1 == 1, blocked, "x={x} d=({dx},{dy},{dz})");
                    }
                }
            }
        }
    }

    #[test]
    fn open_air_follows_every_change() {
        let mut g = VoxelGrid::new([6, 5, 4]).unwrap();
        let mut seed = 7u32;
        for step in 0..300 {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let v = [seed % 6, seed / 6 % 5, seed / 30 % 4];
            g.set_blocked(v, step % 3 != 0).unwrap();
            for z in 0..4 {
                for y in 0..5 {
                    for x in 0..6 {
                        let i = g.index([x, y, z]);
                        let want = !g.blocked_at(i) && g.neighbourhood(i) == 0;
                        assert_eq!(g.open_air(i), want, "step {step} voxel {:?}", [x, y, z]);
                    }
                }
            }
        }
        // A fresh grid: only voxels two layers in from the border are open air.
        let g = VoxelGrid::new([5, 5, 5]).unwrap();
        let open: Vec<_> = (0..125u32)
            .map(|i| [i % 5, i / 5 % 5, i / 25])
            .filter(|&v| g.open_air(g.index(v)))
            .collect();
        assert_eq!(open.len(), 27);
        assert!(open.iter().all(|v| v.iter().all(|&c| (1..=3).contains(&c))));
    }

    #[test]
    fn no_corner_cutting_rule() {
        let mut g = VoxelGrid::new([3, 3, 3]).unwrap();
        // Block (1,0,0): the planar move (0,0,0)->(1,1,0) spans it, so it is illegal,
        // while (0,0,0)->(0,1,1) does not touch it.
        g.set_blocked([1, 0, 0], true).unwrap();
        assert!(!move_allowed(&g, [0, 0, 0], [1, 1, 0]));
        assert!(!move_allowed(&g, [0, 0, 0], [1, 1, 1]));
        assert!(move_allowed(&g, [0, 0, 0], [0, 1, 1]));
        assert!(move_allowed(&g, [0, 0, 0], [0, 1, 0]));
        // A cube diagonal needs all 7 other voxels of its cube free: block only (0,1,1).
        g.set_blocked([1, 0, 0], false).unwrap();
        g.set_blocked([0, 1, 1], true).unwrap();
        assert!(!move_allowed(&g, [0, 0, 0], [1, 1, 1]));
        assert!(move_allowed(&g, [0, 0, 0], [1, 1, 0]));
        // The fast neighbourhood masks agree with the plain rule for every move.
        let n = g.neighbourhood(g.index([0, 0, 0]));
        for m in moves() {
            assert_eq!(n & m.need_mask == 0, move_allowed(&g, [0, 0, 0], m.delta), "{m:?}");
        }
        // Leaving the grid is never allowed.
        assert!(!move_allowed(&g, [0, 0, 0], [-1, 0, 0]));
    }

    #[test]
    fn octile_counts_are_sorted_differences() {
        assert_eq!(octile_counts([0, 0, 0], [3, 1, 5]), [2, 2, 1]);
        assert!((octile_distance([0, 0, 0], [1, 1, 1]) - 3f64.sqrt()).abs() < 1e-15);
    }
}
