//! Line of sight between voxel centres, as used by the any-angle search.
//!
//! Voxels are closed unit cubes `[x, x+1] × [y, y+1] × [z, z+1]`; a segment between two
//! centres is clear when it touches no blocked cube, so grazing an edge or corner of a
//! blocked voxel blocks it. The walk is an integer 3D DDA: in doubled coordinates the
//! centres are odd and the cell boundaries even, so the parameter of the k-th boundary
//! crossing on an axis with `n` cells to cross is exactly `(2k + 1) / (2n)` and
//! simultaneous crossings (through an edge or corner) are detected by exact integer
//! comparison. At such a crossing every cube sharing that edge or corner is checked.

use super::grid::{Voxel, VoxelGrid};

/// Whether the segment between the centres of `a` and `b` (both inside the grid)
/// touches only free voxels.
pub fn line_of_sight(grid: &VoxelGrid, a: Voxel, b: Voxel) -> bool {
    let (sy, sz) = grid.strides();
    let stride = [1isize, sy, sz];
    let mut n = [0i64; 3];
    let mut step = [0isize; 3];
    for i in 0..3 {
        n[i] = i64::from(a[i].abs_diff(b[i]));
        step[i] = if b[i] > a[i] { stride[i] } else { -stride[i] };
    }
    let mut cur = grid.index(a) as isize;
    if grid.blocked_at(cur as u32) {
        return false;
    }
    // Crossings done per axis; the next crossing on axis i is at (2k_i + 1) / (2 n_i).
    let mut k = [0i64; 3];
    loop {
        // Axes with crossings left, and the earliest next crossing among them.
        let mut tied = [false; 3];
        let mut best: Option<usize> = None;
        for i in 0..3 {
            if k[i] >= n[i] {
                continue;
            }
            match best {
                None => {
                    best = Some(i);
                    tied = [false; 3];
                    tied[i] = true;
                }
                Some(j) => {
                    // Compare (2k_i+1)/n_i with (2k_j+1)/n_j exactly.
                    let lhs = (2 * k[i] + 1) * n[j];
                    let rhs = (2 * k[j] + 1) * n[i];
                    if lhs < rhs {
                        best = Some(i);
                        tied = [false; 3];
                        tied[i] = true;
                    } else if lhs == rhs {
                        tied[i] = true;
                    }
                }
            }
        }
        if best.is_none() {
            return true;
        }
        // Every cube sharing the crossed face, edge or corner: all non-empty subsets
        // of the tied axes' steps.
        let mut axes_buf = [0usize; 3];
        let mut count = 0;
        for (i, &t) in tied.iter().enumerate() {
            if t {
                axes_buf[count] = i;
                count += 1;
            }
        }
        let axes = &axes_buf[..count];
        for mask in 1u32..(1 << count) {
            let mut c = cur;
            for (bit, &i) in axes.iter().enumerate() {
                if mask >> bit & 1 == 1 {
                    c += step[i];
                }
            }
            if grid.blocked_at(c as u32) {
                return false;
            }
        }
        for &i in axes {
            cur += step[i];
            k[i] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_and_diagonal_lines() {
        let mut g = VoxelGrid::new([5, 5, 5]).unwrap();
        assert!(line_of_sight(&g, [0, 0, 0], [4, 4, 4]));
        g.set_blocked([2, 2, 2], true).unwrap();
        assert!(!line_of_sight(&g, [0, 0, 0], [4, 4, 4]));
        assert!(line_of_sight(&g, [0, 0, 0], [4, 0, 0]));
        assert!(!line_of_sight(&g, [2, 0, 2], [2, 4, 2]));
    }

    #[test]
    fn grazing_an_edge_or_corner_is_blocked() {
        let mut g = VoxelGrid::new([3, 3, 3]).unwrap();
        // (0,0,0)->(1,1,0) passes the z-parallel edge shared with (1,0,0).
        g.set_blocked([1, 0, 0], true).unwrap();
        assert!(!line_of_sight(&g, [0, 0, 0], [1, 1, 0]));
        assert!(!line_of_sight(&g, [1, 1, 0], [0, 0, 0]));
        // (0,0,0)->(2,2,2) passes the corner (1,1,1) shared with (0,1,1).
        let mut g = VoxelGrid::new([3, 3, 3]).unwrap();
        g.set_blocked([0, 1, 1], true).unwrap();
        assert!(!line_of_sight(&g, [0, 0, 0], [2, 2, 2]));
        // (0,0,0)->(2,1,0) crosses x=1 at y=0.75: no edge, (0,1,0) is not touched.
        let mut g = VoxelGrid::new([3, 3, 3]).unwrap();
        g.set_blocked([0, 1, 0], true).unwrap();
        assert!(line_of_sight(&g, [0, 0, 0], [2, 1, 0]));
    }
}
