//! Where a new drone nest can go, and where it serves the most addresses.
//!
//! Entry points: [`site_at`] (can a nest with its pads stand here, on open ground or on
//! a roof?), [`sites_near`] (such spots near a point) and [`propose`] (K new nests that
//! cover the most of the map's addresses not yet covered within the promise).
//!
//! A ground site lies outside every building, within [`ROAD_REACH_M`] of a car road (the
//! map has no water: this keeps sites on land), its pads fit
//! ([`crate::world::pads::pad_layout`]) and the column over the nest point keeps the
//! clearance margin up to the lowest cruise altitude. A roof site is a point inside a
//! building: the building's roof becomes a rooftop nest's deck
//! ([`World::rooftops`]); the roof must leave a cruise altitude with the margin above it,
//! the pads must fit on it, and the column from the roof up must be clear.
//!
//! [`propose`] is greedy maximum coverage with lazy evaluation (CELF, Leskovec et al.
//! 2007): candidate sites on a grid; a candidate's coverage is the set of addresses its
//! nest delivers to within the promise, quoted exactly as `skylane coverage` quotes the
//! mission's nests ([`crate::coverage::nest_minutes`]: same grid, same dispatcher), for
//! the addresses no nest covers yet. Each round takes the candidate
//! with the largest gain; a candidate's stored gain is an upper bound of its current
//! one (coverage gains only shrink as nests are added), so only candidates whose bound
//! tops the queue are re-counted.

use std::collections::{BTreeSet, BinaryHeap};

use rayon::prelude::*;

use crate::coverage::{self, Coverage, CoverageConfig};
use crate::mission::{Depot, DepotKind, DroneGroup, Mission};
use crate::world::pads::pad_layout;
use crate::world::{Rooftop, TimeSpan, World};

/// A ground site must lie this close to a car road, m.
pub const ROAD_REACH_M: f64 = 60.0;
/// Step of the search for a site around a point, m.
pub const SEARCH_STEP_M: f64 = 5.0;

/// A spot where a nest with its pads fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The nest point, local metres.
    pub pos_m: [f64; 2],
    /// On a roof (`on_roof: true`) or on open ground.
    pub on_roof: bool,
    /// Height of the pads' deck, m (0 on the ground).
    pub deck_m: f64,
    /// The OSM id of the building whose roof it is.
    pub building_osm_id: Option<i64>,
    /// The pads, local metres.
    pub pads: Vec<[f64; 2]>,
}

/// Whether a nest with `pads` pads fits at `p` (see the module docs); `world` is
/// left as it was.
pub fn site_at(world: &mut World, mission: &Mission, p: [f64; 2], pads: u32) -> Option<Site> {
    let roads = road_segments(world, p, f64::INFINITY);
    site_with_roads(world, mission, p, pads, &roads)
}

/// The road segments of `world` within `reach_m` (plus [`ROAD_REACH_M`]) of `p`.
fn road_segments(world: &World, p: [f64; 2], reach_m: f64) -> Vec<[[f64; 2]; 2]> {
    let limit = reach_m + ROAD_REACH_M;
    world
        .roads
        .iter()
        .flat_map(|r| r.points.windows(2).map(|w| [w[0], w[1]]))
        .filter(|s| crate::world::polygon::segment_point_distance(s[0], s[1], p) <= limit)
        .collect()
}

/// [`site_at`] with the road segments that may lie within [`ROAD_REACH_M`] of `p`.
fn site_with_roads(
    world: &mut World,
    mission: &Mission,
    p: [f64; 2],
    pads: u32,
    roads: &[[[f64; 2]; 2]],
) -> Option<Site> {
    let margin = mission.airspace.clearance_margin_m;
    let lowest_m = mission.policy.cruise_alt_min_m;
    let always = TimeSpan::always();
    let Some(b) = world.roof_under(p) else {
        let near_road = roads
            .iter()
            .any(|s| crate::world::polygon::segment_point_distance(s[0], s[1], p) <= ROAD_REACH_M);
        if !near_road || !world.pad_column_clear(p, 0.0, lowest_m, always, margin) {
            return None;
        }
        let pads = pad_layout(world, p, pads, margin).ok()?;
        return Some(Site { pos_m: p, on_roof: false, deck_m: 0.0, building_osm_id: None, pads });
    };
    let deck_m = world.buildings[b].top_m;
    let top_layer_m = mission.policy.cruise_alt_max_m.min(world.ceiling_m);
    if deck_m + margin > top_layer_m {
        return None;
    }
    let had = world.rooftops.len();
    if !world.rooftops.iter().any(|r| r.building == b) {
        world.rooftops.push(Rooftop { building: b, deck_m });
    }
    let climb_to_m = lowest_m.max(deck_m + margin + 1.0);
    let fits =
        world.pad_column_clear(p, deck_m, climb_to_m, always, margin) && world.deck_m(p) == deck_m;
    let layout = if fits { pad_layout(world, p, pads, margin).ok() } else { None };
    world.rooftops.truncate(had);
    Some(Site {
        pos_m: p,
        on_roof: true,
        deck_m,
        building_osm_id: Some(world.buildings[b].osm_id),
        pads: layout?,
    })
}

/// Up to `limit` sites within `radius_m` of `centre_m`, nearest first, each at least
/// `spread_m` from the ones before it (points every [`SEARCH_STEP_M`]).
pub fn sites_near(
    world: &mut World,
    mission: &Mission,
    centre_m: [f64; 2],
    radius_m: f64,
    pads: u32,
    limit: usize,
    spread_m: f64,
) -> Vec<Site> {
    let reach = (radius_m / SEARCH_STEP_M).floor() as i64;
    let mut spots: Vec<(i64, i64)> = (-reach..=reach)
        .flat_map(|i| (-reach..=reach).map(move |j| (i, j)))
        .filter(|(i, j)| ((i * i + j * j) as f64).sqrt() * SEARCH_STEP_M <= radius_m)
        .collect();
    spots.sort_by(|a, b| {
        let key = |(i, j): &(i64, i64)| (i * i + j * j, (*j as f64).atan2(*i as f64));
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    let roads = road_segments(world, centre_m, radius_m);
    if roads.is_empty() {
        return Vec::new(); // open sea or countryside off the map's roads
    }
    let mut out: Vec<Site> = Vec::new();
    for (i, j) in spots {
        if out.len() >= limit {
            break;
        }
        let p = [centre_m[0] + i as f64 * SEARCH_STEP_M, centre_m[1] + j as f64 * SEARCH_STEP_M];
        if out.iter().any(|s| (s.pos_m[0] - p[0]).hypot(s.pos_m[1] - p[1]) < spread_m) {
            continue;
        }
        if let Some(site) = site_with_roads(world, mission, p, pads, &roads) {
            out.push(site);
        }
    }
    out
}

/// What to propose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProposeConfig {
    /// New nests.
    pub add: usize,
    /// Candidate sites are searched around the points of a square grid this far apart, m.
    pub spacing_m: f64,
    /// Pads of each new nest.
    pub pads: u32,
    /// The service area's settings (cell size, order time, package, promise).
    pub coverage: CoverageConfig,
}

/// One proposed nest.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The site.
    pub site: Site,
    /// The depot to add to the mission.
    pub depot: Depot,
    /// Addresses it newly covers (after the nests proposed before it).
    pub gain: usize,
}

/// The outcome of [`propose`].
#[derive(Debug, Clone, PartialEq)]
pub struct Proposals {
    /// The mission's addresses (after de-duplication).
    pub addresses: usize,
    /// Addresses covered by the mission's nests.
    pub covered_before: usize,
    /// Addresses covered once the proposed nests are added.
    pub covered_after: usize,
    /// Candidate sites considered.
    pub candidates: usize,
    /// Candidates whose coverage was computed (every one, once) and gains re-counted.
    pub evaluations: usize,
    /// The new nests, in the order chosen.
    pub chosen: Vec<Proposal>,
    /// The mission's own addresses' coverage ([`coverage::address_coverage`]).
    pub before: Coverage,
}

/// Proposes `config.add` new nests for `mission` (see the module docs). The new nests
/// get drones of the type of the mission's first drone group. `world` gains the
/// chosen roofs as rooftop nests.
pub fn propose(
    mission: &Mission,
    world: &mut World,
    config: &ProposeConfig,
) -> Result<Proposals, String> {
    let group = mission
        .fleet
        .drones
        .first()
        .ok_or("the mission has no drones: the new nests take the type of its first group")?
        .clone();
    let before = coverage::address_coverage(mission, world, &config.coverage);
    let addresses: Vec<[f64; 2]> = world.addresses.iter().map(|a| a.pos_m).collect();
    let open: Vec<usize> =
        (0..addresses.len()).filter(|&k| before.address_minutes[k].is_none()).collect();
    let covered_before = addresses.len() - open.len();
    let open_points: Vec<[f64; 2]> = open.iter().map(|&k| addresses[k]).collect();
    let candidates = candidate_sites(world, mission, &before, config);
    let rooftops_before = world.rooftops.clone();
    // Every candidate's roof is a rooftop nest while it is evaluated.
    for site in candidates.iter().filter(|s| s.on_roof) {
        if let Some(b) = world.roof_under(site.pos_m) {
            if !world.rooftops.iter().any(|r| r.building == b) {
                world.rooftops.push(Rooftop { building: b, deck_m: site.deck_m });
            }
        }
    }
    let world_ref: &World = world;
    let depots: Vec<Depot> = candidates
        .iter()
        .enumerate()
        .map(|(i, s)| candidate_depot(world_ref, s, i, config.pads))
        .collect();
    // Addresses (indices into `open`) each candidate covers.
    let covers: Vec<BTreeSet<usize>> = depots
        .par_iter()
        .map(|d| {
            let minutes = coverage::nest_minutes(
                mission,
                world_ref,
                &before,
                d,
                &DroneGroup { depot: d.id.clone(), ..group.clone() },
                &open_points,
                &config.coverage,
            );
            (0..open.len()).filter(|&k| minutes[k].is_some()).collect()
        })
        .collect();
    let (picked, evaluations) = celf(&covers, config.add);
    let mut taken: BTreeSet<usize> = BTreeSet::new();
    let mut chosen = Vec::new();
    for (n, &c) in picked.iter().enumerate() {
        let gain = covers[c].difference(&taken).count();
        taken.extend(covers[c].iter().copied());
        let mut depot = depots[c].clone();
        depot.id = format!("nest-new-{}", n + 1);
        chosen.push(Proposal { site: candidates[c].clone(), depot, gain });
    }
    // Only the mission's and the chosen roofs stay rooftop nests.
    let chosen_roofs: Vec<Rooftop> =
        world.rooftops.iter().filter(|r| chosen.iter().any(|p| on(world, p, r))).copied().collect();
    world.rooftops = rooftops_before;
    for r in chosen_roofs {
        if !world.rooftops.contains(&r) {
            world.rooftops.push(r);
        }
    }
    Ok(Proposals {
        addresses: addresses.len(),
        covered_before,
        covered_after: covered_before + taken.len(),
        candidates: candidates.len(),
        evaluations: candidates.len() + evaluations,
        chosen,
        before,
    })
}

/// Whether proposal `p` stands on roof `r`.
fn on(world: &World, p: &Proposal, r: &Rooftop) -> bool {
    p.site.on_roof && world.roof_under(p.site.pos_m) == Some(r.building)
}

/// The depot of candidate `i`.
fn candidate_depot(world: &World, s: &Site, i: usize, pads: u32) -> Depot {
    let (lat_deg, lon_deg) = world.frame.to_geodetic(s.pos_m);
    Depot {
        id: format!("candidate-{i}"),
        lat_deg,
        lon_deg,
        kind: DepotKind::Drone,
        pads,
        on_roof: s.on_roof,
    }
}

/// Candidate sites: around each point of a square grid of `config.spacing_m` over the
/// coverage grid's area, the nearest site within half the spacing; none closer than
/// [`crate::world::pads::PAD_SEARCH_RADIUS_M`] to a nest of the mission.
fn candidate_sites(
    world: &mut World,
    mission: &Mission,
    grid: &Coverage,
    config: &ProposeConfig,
) -> Vec<Site> {
    let extent = [grid.size.0 as f64 * grid.cell_m, grid.size.1 as f64 * grid.cell_m];
    let nx = (extent[0] / config.spacing_m).ceil() as usize;
    let ny = (extent[1] / config.spacing_m).ceil() as usize;
    let nests: Vec<[f64; 2]> =
        mission.depots.iter().map(|d| world.frame.to_local(d.lat_deg, d.lon_deg)).collect();
    let mut out = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            let c = [
                grid.origin_m[0] + (i as f64 + 0.5) * config.spacing_m,
                grid.origin_m[1] + (j as f64 + 0.5) * config.spacing_m,
            ];
            let found = sites_near(world, mission, c, config.spacing_m / 2.0, config.pads, 1, 0.0);
            let far = |s: &Site| {
                nests.iter().all(|n| {
                    (n[0] - s.pos_m[0]).hypot(n[1] - s.pos_m[1])
                        > crate::world::pads::PAD_SEARCH_RADIUS_M
                })
            };
            out.extend(found.into_iter().filter(far));
        }
    }
    out
}

/// Greedy maximum coverage with lazy evaluation: `add` sets from `covers` (indices),
/// each adding the most elements not yet covered (ties to the lowest index); stops
/// early when nothing more is gained. Returns the picks and how many gains were
/// re-counted.
fn celf(covers: &[BTreeSet<usize>], add: usize) -> (Vec<usize>, usize) {
    // Max-heap on (gain bound, lowest index first).
    let mut heap: BinaryHeap<(usize, std::cmp::Reverse<usize>)> =
        covers.iter().enumerate().map(|(i, s)| (s.len(), std::cmp::Reverse(i))).collect();
    let mut taken: BTreeSet<usize> = BTreeSet::new();
    let mut picked = Vec::new();
    let mut recounts = 0;
    // A bound is current when it was counted after the last pick.
    let mut fresh = vec![true; covers.len()];
    while picked.len() < add {
        let Some((bound, std::cmp::Reverse(i))) = heap.pop() else { break };
        if bound == 0 {
            break;
        }
        if fresh[i] {
            picked.push(i);
            taken.extend(covers[i].iter().copied());
            fresh.iter_mut().for_each(|f| *f = false);
            continue;
        }
        recounts += 1;
        let gain = covers[i].difference(&taken).count();
        fresh[i] = true;
        heap.push((gain, std::cmp::Reverse(i)));
    }
    (picked, recounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[usize]) -> BTreeSet<usize> {
        v.iter().copied().collect()
    }

    #[test]
    fn celf_matches_plain_greedy() {
        // Plain greedy takes {0..5} (5), then {5, 6, 7} (3 new), then {8} (1 new).
        let covers =
            vec![set(&[0, 1, 2, 3, 4]), set(&[3, 4, 5, 6]), set(&[5, 6, 7]), set(&[8]), set(&[])];
        let (picked, _) = celf(&covers, 3);
        assert_eq!(picked, vec![0, 2, 3]);
        let (picked, _) = celf(&covers, 10);
        assert_eq!(picked, vec![0, 2, 3], "stops when nothing more is gained");
    }

    #[test]
    fn celf_breaks_ties_by_lowest_index() {
        let covers = vec![set(&[1]), set(&[2]), set(&[1, 2])];
        assert_eq!(celf(&covers, 1).0, vec![2]);
        let covers = vec![set(&[1, 2]), set(&[3, 4])];
        assert_eq!(celf(&covers, 1).0, vec![0]);
    }
}
