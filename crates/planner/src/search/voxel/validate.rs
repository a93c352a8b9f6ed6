//! An independent checker for any-angle paths, deliberately sharing no code with the
//! search's [`super::line_of_sight`]: instead of walking cells it enumerates every
//! point where the segment meets a cell boundary plane, computes that point exactly as
//! a rational, and checks every closed cube containing it. A segment between two free
//! centres touches a blocked cube iff one of those boundary points lies on it, so this
//! is exact.

use super::grid::{Voxel, VoxelGrid};

/// Whether the segment between the centres of `a` and `b` touches only free voxels
/// (voxels are closed unit cubes; outside the grid counts as blocked).
pub fn segment_is_clear(grid: &VoxelGrid, a: Voxel, b: Voxel) -> bool {
    let free = |v: [i64; 3]| grid.is_free(v[0], v[1], v[2]);
    let ai = a.map(i64::from);
    let d: [i64; 3] = std::array::from_fn(|i| i64::from(b[i]) - ai[i]);
    if !free(ai) || !free(b.map(i64::from)) {
        return false;
    }
    for axis in 0..3 {
        let n = d[axis].abs();
        for k in 0..n {
            // Parameter t = (2k+1) / (2n). In units of 1/(2n), coordinate j of the point
            // is q_j = (2 a_j + 1) n + (2k + 1) d_j.
            let den = 2 * n;
            let mut cells = [[0i64; 2]; 3];
            let mut counts = [1usize; 3];
            for j in 0..3 {
                let q = (2 * ai[j] + 1) * n + (2 * k + 1) * d[j];
                if q.rem_euclid(den) == 0 {
                    // On a boundary plane: both neighbouring cubes contain the point.
                    let c = q / den;
                    cells[j] = [c - 1, c];
                    counts[j] = 2;
                } else {
                    cells[j] = [q.div_euclid(den), 0];
                }
            }
            for &x in &cells[0][..counts[0]] {
                for &y in &cells[1][..counts[1]] {
                    for &z in &cells[2][..counts[2]] {
                        if !free([x, y, z]) {
                            return false;
                        }
                    }
                }
            }
        }
    }
    true
}

/// Length of a polyline through voxel centres if every segment is clear, else the
/// index of the first blocked segment.
pub fn validate_polyline(grid: &VoxelGrid, vertices: &[Voxel]) -> Result<f64, usize> {
    let mut length = 0.0;
    for (i, w) in vertices.windows(2).enumerate() {
        if !segment_is_clear(grid, w[0], w[1]) {
            return Err(i);
        }
        length += super::anyangle::distance(w[0], w[1]);
    }
    if vertices.len() == 1 && !segment_is_clear(grid, vertices[0], vertices[0]) {
        return Err(0);
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::voxel::line_of_sight;

    #[test]
    fn edge_and_corner_contacts_block() {
        let mut g = VoxelGrid::new([3, 3, 3]).unwrap();
        g.set_blocked([1, 0, 0], true).unwrap();
        assert!(!segment_is_clear(&g, [0, 0, 0], [1, 1, 0]));
        assert!(segment_is_clear(&g, [0, 0, 0], [0, 2, 2]));
        let mut g = VoxelGrid::new([3, 3, 3]).unwrap();
        g.set_blocked([0, 1, 1], true).unwrap();
        assert!(!segment_is_clear(&g, [0, 0, 0], [2, 2, 2]));
        assert!(segment_is_clear(&g, [0, 0, 0], [2, 1, 0]));
    }

    #[test]
    fn agrees_with_search_line_of_sight_on_random_segments() {
        // Deterministic pseudo-random grid and segments (xorshift).
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move |m: u32| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % u64::from(m)) as u32
        };
        let mut g = VoxelGrid::new([9, 8, 7]).unwrap();
        for _ in 0..40 {
            let v = [rnd(9), rnd(8), rnd(7)];
            g.set_blocked(v, true).unwrap();
        }
        let (mut clear, mut blocked) = (0, 0);
        for _ in 0..5000 {
            let a = [rnd(9), rnd(8), rnd(7)];
            let b = [rnd(9), rnd(8), rnd(7)];
            let want = segment_is_clear(&g, a, b);
            assert_eq!(line_of_sight(&g, a, b), want, "{a:?} -> {b:?}");
            if want {
                clear += 1;
            } else {
                blocked += 1;
            }
        }
        // Both outcomes must be exercised for the comparison to mean anything.
        assert!(clear > 100 && blocked > 100, "clear {clear} blocked {blocked}");
    }
}
