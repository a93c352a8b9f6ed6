//! Occupancy layers: the world rasterised at one cruise altitude ([`Layer::rasterise`]),
//! with each cell's centre clearance and free square ([`free_reach`]).

use super::grid::MOVE_REACH;
use crate::world::{Rect, TimeSpan, World, Zone};

/// The grid every layer of a planner shares.
pub(super) struct Grid {
    pub area: Rect,
    pub nx: usize,
    pub ny: usize,
    pub cell_m: f64,
}

pub(super) struct Layer {
    pub index: usize,
    pub alt_m: f64,
    pub blocked: Vec<bool>,
    /// Per cell, the clearance of its centre (m) where that is below the blocking
    /// distance, the blocking distance elsewhere (a lower bound): blocked cells, closed
    /// to moves that cross them, may still be joined by short moves whose ends are clear
    /// enough (see [`super::CityPlanner::step`]). 0 where it is below the least
    /// clearance any move asks for: no move can use that centre, and so the layer is
    /// the same whatever the order its obstacles are marked in.
    pub centre_clearance: Vec<f32>,
    /// Per cell, the largest r up to [`MOVE_REACH`] (no test asks for more) such that the
    /// (2r + 1)² square around it is free and in the grid: a move reaching no further
    /// than that from the cell is legal without checking the cells it crosses (most of
    /// the sky).
    pub free_reach: Vec<u8>,
}

impl Layer {
    /// Whether this layer blocks at least what `other` blocks, cell by cell (same
    /// grid): every cell `other` blocks is blocked here, and no centre is clearer or
    /// free square wider here. Then every move legal here is legal in `other`.
    pub fn covers(&self, other: &Layer) -> bool {
        self.blocked.len() == other.blocked.len()
            && self.blocked.iter().zip(&other.blocked).all(|(&mine, &theirs)| mine || !theirs)
            && self.centre_clearance.iter().zip(&other.centre_clearance).all(|(a, b)| a <= b)
            && self.free_reach.iter().zip(&other.free_reach).all(|(a, b)| a <= b)
    }

    /// Layer `index` at `alt_m`: a cell is blocked when its centre is closer than
    /// `inflate` to a building or to a zone active during `span`. Centre clearances are
    /// recorded down to `narrowest` (the least any move's endpoint rule asks for).
    pub fn rasterise(
        world: &World,
        span: TimeSpan,
        grid: &Grid,
        index: usize,
        alt_m: f64,
        inflate: f64,
        narrowest: f32,
    ) -> Layer {
        let cells = grid.nx * grid.ny;
        // Free cells keep at least the blocking distance: their lower bound.
        let mut marks = Marks {
            grid,
            alt_m,
            inflate,
            narrowest,
            blocked: vec![false; cells],
            centre_clearance: vec![inflate as f32; cells],
        };
        for b in &world.buildings {
            marks.mark(&b.footprint, b.base_m, b.top_m);
        }
        for z in world.zones.iter().filter(|z| z.active_during(span)) {
            marks.mark(&z.footprint, z.floor_m, z.ceiling_m);
        }
        marks.finish(index)
    }

    /// This layer (of `grid`, rasterised with `inflate` and `narrowest`) with `zones`
    /// marked too: the very layer [`Layer::rasterise`] makes with them active as well,
    /// since a layer does not depend on the order of its marks.
    pub fn with_zones(&self, zones: &[&Zone], grid: &Grid, inflate: f64, narrowest: f32) -> Layer {
        let mut marks = Marks {
            grid,
            alt_m: self.alt_m,
            inflate,
            narrowest,
            blocked: self.blocked.clone(),
            centre_clearance: self.centre_clearance.clone(),
        };
        for z in zones {
            marks.mark(&z.footprint, z.floor_m, z.ceiling_m);
        }
        marks.finish(self.index)
    }
}

/// A layer being rasterised: obstacles marked one after the other.
struct Marks<'g> {
    grid: &'g Grid,
    alt_m: f64,
    inflate: f64,
    narrowest: f32,
    blocked: Vec<bool>,
    centre_clearance: Vec<f32>,
}

impl Marks<'_> {
    /// Blocks the cells whose centre is closer than the blocking distance to the prism
    /// of `footprint` from `base` to `top` (m), and records their centre clearance.
    fn mark(&mut self, footprint: &crate::world::Polygon, base: f64, top: f64) {
        let Grid { area, nx, ny, cell_m: cell } = *self.grid;
        let (alt_m, inflate) = (self.alt_m, self.inflate);
        let dz = if alt_m < base {
            base - alt_m
        } else if alt_m > top {
            alt_m - top
        } else {
            0.0
        };
        if dz >= inflate {
            return;
        }
        let reach = (inflate * inflate - dz * dz).sqrt();
        let b = footprint.bounds();
        let i0 = (((b.min[0] - reach - area.min[0]) / cell).floor().max(0.0)) as usize;
        let j0 = (((b.min[1] - reach - area.min[1]) / cell).floor().max(0.0)) as usize;
        let i1 = ((((b.max[0] + reach - area.min[0]) / cell).ceil()) as isize).clamp(0, nx as isize)
            as usize;
        let j1 = ((((b.max[1] + reach - area.min[1]) / cell).ceil()) as isize).clamp(0, ny as isize)
            as usize;
        for j in j0..j1 {
            for i in i0..i1 {
                let k = j * nx + i;
                if self.centre_clearance[k] < self.narrowest {
                    continue; // no use for any move already
                }
                let c =
                    [area.min[0] + (i as f64 + 0.5) * cell, area.min[1] + (j as f64 + 0.5) * cell];
                let d = footprint.distance(c);
                if d < reach {
                    self.blocked[k] = true;
                    let clearance = d.hypot(dz) as f32;
                    self.centre_clearance[k] = self.centre_clearance[k].min(clearance);
                }
            }
        }
    }

    /// The layer marked so far. Blocking is an "or" and a centre's clearance a
    /// minimum of the marks, both independent of their order, except that
    /// [`Marks::mark`] stops lowering a clearance once it is below `narrowest`: those
    /// are all set to 0 here.
    fn finish(mut self, index: usize) -> Layer {
        let narrowest = self.narrowest;
        self.centre_clearance.iter_mut().filter(|c| **c < narrowest).for_each(|c| *c = 0.0);
        let free_reach = free_reach(&self.blocked, self.grid.nx, self.grid.ny);
        Layer {
            index,
            alt_m: self.alt_m,
            blocked: self.blocked,
            centre_clearance: self.centre_clearance,
            free_reach,
        }
    }
}

/// [`Layer::free_reach`] of every cell: the largest r up to [`MOVE_REACH`] such that the
/// (2r + 1)² square round the cell is free and in the grid; 0 for a blocked cell.
///
/// By erosion: a cell's square of radius k is free when the squares of radius k − 1 of
/// it and its eight neighbours are, so [`MOVE_REACH`] rounds of a 3 × 3 erosion (a row
/// pass, then a column pass) mark the cells of every radius. Each round is a few
/// element-wise passes over whole rows, which the compiler vectorises, where a distance
/// transform's passes wait on each cell before the next: this runs over millions of
/// cells for every layer of every planner.
pub(super) fn free_reach(blocked: &[bool], nx: usize, ny: usize) -> Vec<u8> {
    let mut square: Vec<u8> = blocked.iter().map(|&b| u8::from(!b)).collect();
    let mut reach = vec![0u8; nx * ny];
    let mut rows = vec![0u8; nx * ny];
    for _ in 0..MOVE_REACH {
        // Row pass: a cell and its left and right neighbours (outside counts as blocked).
        for (out, row) in rows.chunks_exact_mut(nx).zip(square.chunks_exact(nx)) {
            out.fill(0);
            if nx > 2 {
                for (o, w) in out[1..nx - 1].iter_mut().zip(row.windows(3)) {
                    *o = w[0] & w[1] & w[2];
                }
            }
        }
        // Column pass on the row pass: the rows above and below too.
        square.fill(0);
        if ny > 2 {
            for y in 1..ny - 1 {
                let (above, rest) = rows[(y - 1) * nx..].split_at(nx);
                let (here, below) = rest.split_at(nx);
                let out = &mut square[y * nx..(y + 1) * nx];
                for (((o, a), h), b) in out.iter_mut().zip(above).zip(here).zip(&below[..nx]) {
                    *o = a & h & b;
                }
            }
        }
        for (r, s) in reach.iter_mut().zip(&square) {
            *r += s;
        }
    }
    reach
}
