//! Where a nest's landing pads are: part of the mission's definition, like the nest's
//! position, so the planner, the verifier and the replay all read it from here.
//!
//! Entry point: [`pad_layout`]. A nest with `pads: N` has N pads on open ground near the
//! nest point: the points of a square grid of [`PAD_SPACING_M`] centred on the nest,
//! taken nearest first (ties by bearing, so the layout is deterministic), keeping those
//! whose ground position keeps the cruise clearance margin from every building and
//! no-fly zone (at any hour) and whose straight hop to the nest point keeps it too.
//! Pads further than [`PAD_SEARCH_RADIUS_M`] from the nest are not considered.
//!
//! A pad is a vertical corridor: drones climb and land straight up and down over it, one
//! at a time. Pads [`PAD_SPACING_M`] apart are closer than the en-route horizontal
//! separation, which is why a nest's terminal volume is separated by pads and corridors
//! rather than by the en-route minima (see `crate::dispatch::deconflict`).

use super::{TimeSpan, World};

/// Distance between neighbouring pads, m (a 1.5 m delivery drone with its rotor wash and
/// a person's walkway between pads).
pub const PAD_SPACING_M: f64 = 6.0;
/// Pads are searched no further than this from the nest point, m.
pub const PAD_SEARCH_RADIUS_M: f64 = 60.0;

/// Why a nest's pads do not fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "only {found} of {wanted} pads fit on open ground within {PAD_SEARCH_RADIUS_M} m of the nest \
     (pads {PAD_SPACING_M} m apart, each {margin_m} m from buildings and zones); lower `pads` \
     or move the nest to a more open spot"
)]
pub struct PadLayoutError {
    /// Pads asked for.
    pub wanted: u32,
    /// Pads that fit.
    pub found: usize,
    /// Clearance each pad keeps, m.
    pub margin_m: f64,
}

/// The `pads` pad positions of the nest at `nest_m` (local metres), each keeping
/// `margin_m` from every obstacle at ground level and on the hop to the nest point.
pub fn pad_layout(
    world: &World,
    nest_m: [f64; 2],
    pads: u32,
    margin_m: f64,
) -> Result<Vec<[f64; 2]>, PadLayoutError> {
    let reach = (PAD_SEARCH_RADIUS_M / PAD_SPACING_M).floor() as i32;
    let mut grid: Vec<(i32, i32)> = Vec::new();
    for i in -reach..=reach {
        for j in -reach..=reach {
            if (i * i + j * j) as f64 * PAD_SPACING_M * PAD_SPACING_M
                <= PAD_SEARCH_RADIUS_M * PAD_SEARCH_RADIUS_M
            {
                grid.push((i, j));
            }
        }
    }
    // Nearest first; among equals, by bearing from east counter-clockwise.
    grid.sort_by(|a, b| {
        let key = |(i, j): &(i32, i32)| (i * i + j * j, (*j as f64).atan2(*i as f64));
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    // Never more pads than grid spots: a huge `pads` is an error below, not an allocation.
    let mut out = Vec::with_capacity((pads as usize).min(grid.len()));
    for (i, j) in grid {
        if out.len() == pads as usize {
            break;
        }
        let p = [nest_m[0] + i as f64 * PAD_SPACING_M, nest_m[1] + j as f64 * PAD_SPACING_M];
        let ground = world.clearance([p[0], p[1], 0.0], TimeSpan::always(), margin_m + 1.0);
        if ground.distance_m < margin_m + 0.01 {
            continue;
        }
        let hop_clear = (i, j) == (0, 0)
            || world.segment_clear(
                [p[0], p[1], 0.0],
                [nest_m[0], nest_m[1], 0.0],
                TimeSpan::always(),
                margin_m,
            );
        if hop_clear {
            out.push(p);
        }
    }
    if out.len() < pads as usize {
        return Err(PadLayoutError { wanted: pads, found: out.len(), margin_m });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::LocalFrame;
    use crate::world::{HeightSource, MapBuilding, Polygon, Rect};

    fn world_with_wall() -> World {
        // A building filling x in [8, 30]: pads east of the nest must stay 5 m from it.
        let b = MapBuilding {
            osm_id: 1,
            footprint: Polygon::new(vec![[8.0, -50.0], [30.0, -50.0], [30.0, 50.0], [8.0, 50.0]]),
            base_m: 0.0,
            top_m: 20.0,
            height_source: HeightSource::HeightTag,
        };
        let bounds = Rect { min: [-200.0; 2], max: [200.0; 2] };
        World::new(LocalFrame::new(0.0, 0.0), vec![b], vec![], vec![], 120.0, bounds)
    }

    #[test]
    fn pads_are_spaced_clear_and_deterministic() {
        let w = world_with_wall();
        let pads = pad_layout(&w, [0.0, 0.0], 6, 5.0).unwrap();
        assert_eq!(pads.len(), 6);
        assert_eq!(pads[0], [0.0, 0.0], "the nest point itself is the first pad when clear");
        for (k, p) in pads.iter().enumerate() {
            assert!(p[0] <= 3.0 + 1e-9, "pad {k} at {p:?} is within 5 m of the wall");
            for q in &pads[..k] {
                assert!((p[0] - q[0]).hypot(p[1] - q[1]) >= PAD_SPACING_M - 1e-9);
            }
        }
        assert_eq!(pads, pad_layout(&w, [0.0, 0.0], 6, 5.0).unwrap());
    }

    #[test]
    fn too_many_pads_is_an_error_naming_the_count() {
        let w = world_with_wall();
        let e = pad_layout(&w, [4.0, 0.0], 500, 5.0).unwrap_err();
        assert_eq!(e.wanted, 500);
        assert!(e.found < 500);
        assert!(e.to_string().contains("lower `pads`"), "{e}");
    }
}
