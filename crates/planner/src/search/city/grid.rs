//! The grid's moves: the 80 directions ([`grid_moves`]), the clearance a move's ends
//! need to skip checking the cells it crosses ([`endpoint_clearances`]), and whether a
//! move is legal on a layer ([`CityPlanner::step`]).

use std::sync::OnceLock;

use super::raster::Layer;
use super::{CityPlanner, CityPlannerConfig};

/// Per grid move (the order of [`grid_moves`]): the centre clearance both ends need for
/// the move to keep the string pulling margin, m; infinite for moves too long for the
/// rule to say more than the cells do.
pub(super) fn endpoint_clearances(
    cruise_margin_m: f64,
    config: &CityPlannerConfig,
    inflate: f64,
) -> Vec<f32> {
    let cell = config.cell_m;
    // A segment whose two ends are at least c from every obstacle point keeps
    // sqrt(c² − L²/4) along its length (the closest a point can be to a segment of
    // length L while c from both ends). So a move of length L keeps the string
    // pulling margin when both centres keep sqrt(margin² + L²/4), plus a
    // centimetre against rounding.
    let pull_margin = cruise_margin_m + config.buffer_m * 0.5;
    grid_moves()
        .iter()
        .map(|mv| {
            let len = mv.cost * cell;
            let need = (pull_margin * pull_margin + len * len / 4.0).sqrt() + 0.01;
            // Free cells record only that their clearance is at least `inflate`, so
            // the rule can only vouch for moves needing no more than that.
            if need <= inflate {
                need as f32
            } else {
                f32::INFINITY
            }
        })
        .collect()
}

impl CityPlanner<'_> {
    /// The cell a legal move from `(x, y)` reaches, `None` if it leaves the grid or
    /// is not clear. A move is clear when every cell it touches is free (any point of
    /// a free cell keeps the margin plus the buffer), or when both end centres are clear
    /// enough that the segment between them keeps the string pulling margin (moves up
    /// to about four cells long). The second rule opens passages the cells alone close:
    /// narrower than about 15 m but wide enough for the margin (10.25 m).
    #[inline(always)]
    pub(super) fn step(&self, layer: &Layer, x: isize, y: isize, mv: &GridMove) -> Option<usize> {
        let (nx, ny) = (self.nx as isize, self.ny as isize);
        let (x2, y2) = (x + mv.dx, y + mv.dy);
        if x2 < 0 || y2 < 0 || x2 >= nx || y2 >= ny {
            return None;
        }
        let (from, to) = ((y * nx + x) as usize, (y2 * nx + x2) as usize);
        if layer.free_reach[from] >= mv.reach {
            return Some(to);
        }
        self.step_near_obstacles(layer, mv, from, to)
    }

    /// [`Self::step`] for a move that leaves its start cell's free square.
    fn step_near_obstacles(
        &self,
        layer: &Layer,
        mv: &GridMove,
        from: usize,
        to: usize,
    ) -> Option<usize> {
        let need = self.endpoint_clearance_m[mv.index];
        if layer.centre_clearance[from] >= need && layer.centre_clearance[to] >= need {
            return Some(to);
        }
        if layer.blocked[from] {
            // From a narrow cell only the rule above: a move's first stretch runs inside
            // the start cell, whose corners may lack the margin.
            return None;
        }
        // Every touched cell lies in the bounding box of start and target, in the grid.
        let cells = &self.move_cell_offsets[mv.index];
        let free = cells.iter().all(|&offset| !layer.blocked[from.wrapping_add_signed(offset)]);
        free.then_some(to)
    }
}

/// Largest coordinate step of a grid move, in cells.
pub(super) const MOVE_REACH: isize = 5;

/// One grid move: offset, length in cells, and every cell its centre-to-centre segment
/// touches besides the start (the target last).
#[derive(Debug)]
pub(super) struct GridMove {
    /// Position in [`grid_moves`].
    pub index: usize,
    /// Step in x, cells.
    pub dx: isize,
    /// Step in y, cells.
    pub dy: isize,
    /// Length, cells.
    pub cost: f64,
    /// The cells the segment touches, relative to the start (the target last).
    pub cells: Vec<(isize, isize)>,
    /// Chebyshev length, cells: a move is legal without checks from a cell whose free
    /// square ([`Layer::free_reach`]) reaches this far.
    pub reach: u8,
}

/// The 80 moves with coordinate steps up to [`MOVE_REACH`] in lowest terms (8 straight
/// and diagonal, 72 in between). Eight directions alone make grid lengths up to 8 %
/// longer than straight lines in some headings (1/cos 22.5°), enough to route a path
/// around the wrong side of a block; with 80 the widest gap between directions is 11.3°
/// and the error under 0.5 % (1/cos 5.7°), and string pulling does the rest. Measured
/// against OMPL's BIT* (BENCHMARKS.md): 32 directions (reach 3) still left paths 0.03 %
/// longer than BIT*'s in the plane on average; 80 closes that gap.
/// A move is legal only if every cell its segment touches is free; a segment through a
/// cell corner touches all cells at that corner (no corner cutting).
pub(super) fn grid_moves() -> &'static [GridMove] {
    static MOVES: OnceLock<Vec<GridMove>> = OnceLock::new();
    MOVES.get_or_init(|| {
        let gcd = |mut a: isize, mut b: isize| {
            (a, b) = (a.abs(), b.abs());
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let mut out = Vec::new();
        for dy in -MOVE_REACH..=MOVE_REACH {
            for dx in -MOVE_REACH..=MOVE_REACH {
                if (dx, dy) == (0, 0) || gcd(dx, dy) != 1 {
                    continue;
                }
                let (fx, fy) = (dx as f64, dy as f64);
                let len = fx.hypot(fy);
                // Sample the segment, nudged a hair to either side so that passing
                // exactly through a cell corner collects the cells on both sides.
                let (nx, ny) = (-fy / len * 1e-6, fx / len * 1e-6);
                let mut cells = Vec::new();
                const SAMPLES: usize = 512;
                for k in 0..=SAMPLES {
                    let t = k as f64 / SAMPLES as f64;
                    for side in [-1.0, 1.0] {
                        let c = (
                            (fx * t + side * nx + 0.5).floor() as isize,
                            (fy * t + side * ny + 0.5).floor() as isize,
                        );
                        if c != (0, 0) && !cells.contains(&c) {
                            cells.push(c);
                        }
                    }
                }
                // Target last: callers rely on it for the bounds check.
                cells.retain(|&c| c != (dx, dy));
                cells.push((dx, dy));
                let reach = dx.abs().max(dy.abs()) as u8;
                out.push(GridMove { index: out.len(), dx, dy, cost: len, cells, reach });
            }
        }
        out
    })
}

/// Per grid move (the order of [`grid_moves`]): the move itself and its two neighbours in
/// direction, the only moves a shortest path continues with from a cell in open air
/// (free square of radius [`MOVE_REACH`], [`Layer::free_reach`]) that this move reached.
/// A path that turns there by more than one direction step has a strictly shorter way
/// through the free square: the moves' length is a norm whose unit ball has the 80
/// directions as corners, so two moves that are not neighbours in direction always cost
/// more than the neighbouring pair bracketing their sum (Farey neighbours, so that pair
/// reaches every lattice point of its cone). `open_air_turns_have_shorter_ways` checks
/// every pair of moves, with the margin.
pub(super) fn straight_on_moves() -> &'static [[usize; 3]] {
    static FANS: OnceLock<Vec<[usize; 3]>> = OnceLock::new();
    FANS.get_or_init(|| {
        let moves = grid_moves();
        let mut by_angle: Vec<usize> = (0..moves.len()).collect();
        let angle = |i: usize| (moves[i].dy as f64).atan2(moves[i].dx as f64);
        by_angle.sort_by(|&a, &b| angle(a).total_cmp(&angle(b)));
        let n = by_angle.len();
        let mut fans = vec![[0; 3]; n];
        for (k, &i) in by_angle.iter().enumerate() {
            fans[i] = [i, by_angle[(k + n - 1) % n], by_angle[(k + 1) % n]];
        }
        fans
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shortest distances from `from` over an all-free square of radius `r` round the
    /// origin, with every move whose touched cells stay in the square.
    fn distances_in_square(r: isize, from: (isize, isize)) -> Vec<f64> {
        let side = 2 * r + 1;
        let idx = |x: isize, y: isize| ((y + r) * side + x + r) as usize;
        let inside = |x: isize, y: isize| x.abs() <= r && y.abs() <= r;
        let mut g = vec![f64::INFINITY; (side * side) as usize];
        let mut done = vec![false; g.len()];
        g[idx(from.0, from.1)] = 0.0;
        // The square is small: pick the nearest unsettled cell by a scan.
        let nearest = |g: &[f64], done: &[bool]| {
            (0..g.len())
                .filter(|&c| !done[c] && g[c].is_finite())
                .min_by(|&a, &b| g[a].total_cmp(&g[b]))
        };
        while let Some(c) = nearest(&g, &done) {
            done[c] = true;
            let (x, y) = (c as isize % side - r, c as isize / side - r);
            for mv in grid_moves() {
                if mv.cells.iter().all(|&(cx, cy)| inside(x + cx, y + cy)) {
                    let n = idx(x + mv.dx, y + mv.dy);
                    g[n] = g[n].min(g[c] + mv.cost);
                }
            }
        }
        g
    }

    #[test]
    fn open_air_turns_have_shorter_ways() {
        let r = MOVE_REACH;
        let side = 2 * r + 1;
        let moves = grid_moves();
        let fans = straight_on_moves();
        let mut smallest_gain = f64::INFINITY;
        for m in moves {
            let g = distances_in_square(r, (-m.dx, -m.dy));
            for next in moves.iter().filter(|n| !fans[m.index].contains(&n.index)) {
                let via = m.cost + next.cost;
                let direct = g[((next.dy + r) * side + next.dx + r) as usize];
                smallest_gain = smallest_gain.min(via - direct);
            }
        }
        // 0.0087 cells: far above the rounding of distances summed over thousands of moves.
        assert!(smallest_gain > 5e-3, "smallest gain {smallest_gain} cells");
    }

    #[test]
    fn fans_hold_neighbours_in_direction() {
        let moves = grid_moves();
        for (i, fan) in straight_on_moves().iter().enumerate() {
            assert_eq!(fan[0], i);
            for &j in &fan[1..] {
                let (a, b) = (&moves[i], &moves[j]);
                // Neighbouring lattice directions of a Farey sequence: determinant ±1.
                assert_eq!((a.dx * b.dy - a.dy * b.dx).abs(), 1, "{i} {j}");
            }
        }
    }
}
