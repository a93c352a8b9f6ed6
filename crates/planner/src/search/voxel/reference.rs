//! Textbook A*, kept as a same-process speed baseline and as an independent check:
//! `BinaryHeap` of `f64` keys, `HashMap` scores and parents, `HashSet` closed set,
//! bounds-checked neighbour tests, fresh allocations on every query.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use super::astar::{check_endpoint, SearchError, VoxelPath};
use super::grid::{move_allowed, octile_distance, Voxel, VoxelGrid, MOVE_COST};

#[derive(PartialEq)]
struct Open {
    f: f64,
    g: f64,
    voxel: Voxel,
}

impl Eq for Open {}

impl Ord for Open {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on f.
        other.f.total_cmp(&self.f)
    }
}

impl PartialOrd for Open {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Shortest path by textbook A* with the 3D octile heuristic; `Ok(None)` when the
/// goal is unreachable.
///
/// ```
/// use skylane_planner::search::voxel::{reference_astar, VoxelGrid};
/// let grid = VoxelGrid::new([4, 4, 4]).unwrap();
/// let p = reference_astar(&grid, [0, 0, 0], [3, 3, 3]).unwrap().unwrap();
/// assert!((p.cost - 3.0 * 3f64.sqrt()).abs() < 1e-12);
/// ```
pub fn reference_astar(
    grid: &VoxelGrid,
    start: Voxel,
    goal: Voxel,
) -> Result<Option<VoxelPath>, SearchError> {
    check_endpoint(grid, start)?;
    check_endpoint(grid, goal)?;
    let mut open = BinaryHeap::new();
    let mut g_score: HashMap<Voxel, f64> = HashMap::new();
    let mut came_from: HashMap<Voxel, Voxel> = HashMap::new();
    let mut closed: HashSet<Voxel> = HashSet::new();
    g_score.insert(start, 0.0);
    open.push(Open { f: octile_distance(start, goal), g: 0.0, voxel: start });
    while let Some(Open { g, voxel, .. }) = open.pop() {
        if !closed.insert(voxel) {
            continue;
        }
        if voxel == goal {
            let mut voxels = vec![goal];
            let mut v = goal;
            while let Some(&p) = came_from.get(&v) {
                voxels.push(p);
                v = p;
            }
            voxels.reverse();
            let mut move_counts = [0u32; 3];
            for w in voxels.windows(2) {
                let k = (0..3).filter(|&i| w[0][i] != w[1][i]).count();
                move_counts[k - 1] += 1;
            }
            return Ok(Some(VoxelPath { cost: g, move_counts, voxels }));
        }
        for dz in -1..=1i32 {
            for dy in -1..=1i32 {
                for dx in -1..=1i32 {
                    if !move_allowed(grid, voxel, [dx, dy, dz]) {
                        continue;
                    }
                    let next = [
                        voxel[0].wrapping_add_signed(dx),
                        voxel[1].wrapping_add_signed(dy),
                        voxel[2].wrapping_add_signed(dz),
                    ];
                    if closed.contains(&next) {
                        continue;
                    }
                    let k = (dx != 0) as usize + (dy != 0) as usize + (dz != 0) as usize;
                    let ng = g + MOVE_COST[k - 1];
                    if g_score.get(&next).is_none_or(|&old| ng < old) {
                        g_score.insert(next, ng);
                        came_from.insert(next, voxel);
                        open.push(Open { f: ng + octile_distance(next, goal), g: ng, voxel: next });
                    }
                }
            }
        }
    }
    Ok(None)
}
