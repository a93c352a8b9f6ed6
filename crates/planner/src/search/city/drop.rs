//! The drop point: where near the address the package can be lowered
//! ([`CityPlanner::find_drop_point`]).

use super::raster::Layer;
use super::{CityPlanner, Clearances, NoPath};

impl CityPlanner<'_> {
    /// The nearest spot within the drop radius whose column keeps the delivery margin
    /// from hover height to the cruise layer, whose package drop line stays outside
    /// buildings, and whose cell at the cruise layer is free.
    pub(super) fn find_drop_point(
        &self,
        layer: &Layer,
        dest_m: [f64; 2],
        rules: &Clearances,
    ) -> Result<([f64; 2], usize), NoPath> {
        let mut nearest_obstacle = None;
        let step = 1.0;
        let rings = (rules.drop_radius_m / step).floor() as usize;
        for ring in 0..=rings {
            let r = ring as f64 * step;
            let n = if ring == 0 { 1 } else { (8 * ring).max(8) };
            for k in 0..n {
                let a = k as f64 / n as f64 * std::f64::consts::TAU;
                let p = [dest_m[0] + r * a.cos(), dest_m[1] + r * a.sin()];
                let Some(cell) = self.cell_of(p) else { continue };
                if layer.blocked[cell] {
                    if nearest_obstacle.is_none() {
                        let top = [p[0], p[1], layer.alt_m];
                        nearest_obstacle = self.world.clearance(top, self.span, 50.0).nearest;
                    }
                    continue;
                }
                let column_ok = self.world.segment_clear(
                    [p[0], p[1], rules.hover_m],
                    [p[0], p[1], layer.alt_m],
                    self.span,
                    rules.delivery_margin_m,
                );
                // The package hangs below the drone: its line must not touch a building.
                let tether_ok = column_ok
                    && self.world.segment_clear(
                        [p[0], p[1], 0.0],
                        [p[0], p[1], rules.hover_m],
                        self.span,
                        0.1,
                    );
                if tether_ok {
                    return Ok((p, cell));
                }
                if nearest_obstacle.is_none() {
                    nearest_obstacle =
                        self.world.clearance([p[0], p[1], rules.hover_m], self.span, 50.0).nearest;
                }
            }
        }
        Err(NoPath::NoDropPoint {
            radius_m: rules.drop_radius_m,
            margin_m: rules.delivery_margin_m,
            obstacle: self.name(nearest_obstacle),
        })
    }
}
