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
//! A rooftop nest (`on_roof: true`, see [`World::rooftops`]) has its pads on its roof,
//! at the roof's height ([`World::deck_m`]): each pad lies on that roof at least the
//! margin in from its edge, keeps the margin from every other obstacle at deck height
//! (taller neighbours, taller parts of the building, zones), and its hop to the nest
//! point stays on the roof.
//!
//! A pad is a vertical corridor: drones climb and land straight up and down over it, one
//! at a time. Pads [`PAD_SPACING_M`] apart are closer than the en-route horizontal
//! separation, which is why a nest's terminal volume is separated by pads and corridors
//! rather than by the en-route minima (see `crate::dispatch::deconflict`).

use super::{Rooftop, TimeSpan, World};

/// Distance between neighbouring pads, m (a 1.5 m delivery drone with its rotor wash and
/// a person's walkway between pads).
pub const PAD_SPACING_M: f64 = 6.0;
/// Pads are searched no further than this from the nest point, m.
pub const PAD_SEARCH_RADIUS_M: f64 = 60.0;

/// Why a nest's pads do not fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "only {found} of {wanted} pads fit {} within {PAD_SEARCH_RADIUS_M} m of the nest \
     (pads {PAD_SPACING_M} m apart, each {margin_m} m from buildings{} and zones); lower `pads` \
     or move the nest to a more open spot",
    if *on_roof { "on its roof" } else { "on open ground" },
    if *on_roof { ", the roof's edge" } else { "" }
)]
pub struct PadLayoutError {
    /// Pads asked for.
    pub wanted: u32,
    /// Pads that fit.
    pub found: usize,
    /// Clearance each pad keeps, m.
    pub margin_m: f64,
    /// Whether the pads were looked for on a roof.
    pub on_roof: bool,
}

/// The `pads` pad positions of the nest at `nest_m` (local metres), each keeping
/// `margin_m` from every obstacle at deck level and on the hop to the nest point: on
/// the ground, or on the roof of a rooftop nest (see the module docs). The pads stand
/// at [`World::deck_m`] of their position.
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
    let roof = world.rooftop_at(nest_m);
    // Never more pads than grid spots: a huge `pads` is an error below, not an allocation.
    let mut out = Vec::with_capacity((pads as usize).min(grid.len()));
    for (i, j) in grid {
        if out.len() == pads as usize {
            break;
        }
        let p = [nest_m[0] + i as f64 * PAD_SPACING_M, nest_m[1] + j as f64 * PAD_SPACING_M];
        if let Some(roof) = roof {
            if roof_pad_fits(world, roof, p, nest_m, margin_m) {
                out.push(p);
            }
            continue;
        }
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
        let on_roof = roof.is_some();
        return Err(PadLayoutError { wanted: pads, found: out.len(), margin_m, on_roof });
    }
    Ok(out)
}

/// Whether a pad at `p` fits on `roof`: on the roof, `margin_m` in from its edge, clear
/// of every other obstacle at deck height, and joined to the nest point over the roof.
fn roof_pad_fits(
    world: &World,
    roof: Rooftop,
    p: [f64; 2],
    nest_m: [f64; 2],
    margin_m: f64,
) -> bool {
    let host = &world.buildings[roof.building].footprint;
    if !host.contains(p) || host.boundary_distance(p) < margin_m + 0.01 {
        return false;
    }
    // A taller part of the building under the pad makes the pad's roof another one.
    if world.deck_m(p) != roof.deck_m {
        return false;
    }
    let deck = world.pad_clearance([p[0], p[1], roof.deck_m], TimeSpan::always(), margin_m + 1.0);
    if deck.distance_m < margin_m + 0.01 {
        return false;
    }
    // The hop to the nest point stays on the roof (sampled every metre).
    let steps = (p[0] - nest_m[0]).hypot(p[1] - nest_m[1]).ceil() as usize;
    (0..=steps).all(|k| {
        let u = if steps == 0 { 0.0 } else { k as f64 / steps as f64 };
        host.contains([p[0] + (nest_m[0] - p[0]) * u, p[1] + (nest_m[1] - p[1]) * u])
    })
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

    /// A 40 m x 40 m roof at 20 m with a 35 m tower beside it to the east.
    fn world_with_roof() -> World {
        let block = |id, x0: f64, x1: f64, top_m| MapBuilding {
            osm_id: id,
            footprint: Polygon::new(vec![[x0, -20.0], [x1, -20.0], [x1, 20.0], [x0, 20.0]]),
            base_m: 0.0,
            top_m,
            height_source: HeightSource::HeightTag,
        };
        let bounds = Rect { min: [-200.0; 2], max: [200.0; 2] };
        let buildings = vec![block(1, -20.0, 20.0, 20.0), block(2, 22.0, 40.0, 35.0)];
        let mut w = World::new(LocalFrame::new(0.0, 0.0), buildings, vec![], vec![], 120.0, bounds);
        w.rooftops.push(Rooftop { building: 0, deck_m: 20.0 });
        w
    }

    #[test]
    fn rooftop_pads_stay_on_the_roof_away_from_edge_and_tower() {
        let w = world_with_roof();
        let pads = pad_layout(&w, [0.0, 0.0], 9, 5.0).unwrap();
        assert_eq!(pads.len(), 9);
        for p in &pads {
            // 5 m in from the roof's edges, and 5 m from the tower at x = 22.
            assert!(p[0].abs() <= 15.0 && p[1].abs() <= 15.0, "pad {p:?} near the edge");
            assert!(22.0 - p[0] >= 5.0 + 2.0, "pad {p:?} near the tower");
            assert_eq!(w.deck_m(*p), 20.0);
        }
        // The roof holds no more than its interior grid: multiples of 6 m within
        // [-15, 15] are -12..=12, 5 x 5 = 25 spots.
        let e = pad_layout(&w, [0.0, 0.0], 26, 5.0).unwrap_err();
        assert!(e.on_roof && e.found == 25, "{e:?}");
        assert!(e.to_string().contains("on its roof"), "{e}");
    }

    #[test]
    fn a_roof_is_ground_only_over_its_own_pads() {
        let w = world_with_roof();
        // On the roof the roof is the drone's ground: clearance is to the tower.
        let c = w.pad_clearance([10.0, 0.0, 20.0], TimeSpan::always(), 50.0);
        assert!((c.distance_m - 12.0).abs() < 1e-9, "{c:?}");
        // Cruising, the same roof is an obstacle.
        assert_eq!(w.clearance([10.0, 0.0, 20.0], TimeSpan::always(), 50.0).distance_m, 0.0);
        // Below the roof (a flight from the ground inside the building) it is too.
        assert_eq!(w.pad_clearance([10.0, 0.0, 0.0], TimeSpan::always(), 50.0).distance_m, 0.0);
        assert!(w.pad_column_clear([0.0, 0.0], 20.0, 60.0, TimeSpan::always(), 5.0));
        assert!(!w.pad_column_clear([0.0, 0.0], 0.0, 60.0, TimeSpan::always(), 5.0));
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
