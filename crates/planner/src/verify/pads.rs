//! Nest pads: which pad a flight uses, and no pad holding two drones at once.

use super::{Rule, Violation};
use crate::mission::DepotKind;
use crate::plan::{Phase, Plan};
use crate::world::pads::pad_layout;
use crate::world::World;

/// How far from a pad's centre a drone may touch down and still be on it, m.
pub(super) const PAD_TOLERANCE_M: f64 = 0.5;

/// One nest's pads, local metres.
pub(super) struct NestPads {
    /// The nest.
    pub depot_id: String,
    /// Pad centres.
    pub pads: Vec<[f64; 2]>,
    /// Height the pads stand at: 0 on the ground, the roof of a rooftop nest, m.
    pub deck_m: f64,
}

impl NestPads {
    /// Horizontal distance from `p` to the nearest pad, m.
    pub fn distance_to_nearest_pad(&self, p: [f64; 3]) -> f64 {
        self.pads.iter().map(|q| (p[0] - q[0]).hypot(p[1] - q[1])).fold(f64::INFINITY, f64::min)
    }
}

/// The pad under `p`, if any.
pub(super) fn pad_of(nest: &NestPads, p: [f64; 3]) -> Option<usize> {
    nest.pads.iter().position(|q| (p[0] - q[0]).hypot(p[1] - q[1]) <= PAD_TOLERANCE_M)
}

/// Every nest's pads, laid out from the mission and the map; a nest whose pads do not
/// fit is a violation.
pub(super) fn nest_pads(plan: &Plan, world: &World, out: &mut Vec<Violation>) -> Vec<NestPads> {
    let m = &plan.mission;
    let mut nests = Vec::new();
    for d in m.depots.iter().filter(|d| d.kind == DepotKind::Drone) {
        let centre = world.frame.to_local(d.lat_deg, d.lon_deg);
        match pad_layout(world, centre, d.pads, m.airspace.clearance_margin_m) {
            Ok(pads) => {
                let deck_m = world.deck_m(centre);
                nests.push(NestPads { depot_id: d.id.clone(), pads, deck_m });
            }
            Err(e) => out.push(Violation {
                rule: Rule::Pad,
                order_id: String::new(),
                vehicle: d.id.clone(),
                t_s: None,
                pos_m: None,
                message: e.to_string(),
            }),
        }
    }
    nests
}

/// One use of a pad: a take-off climb or a landing, from its first sample to its last.
#[derive(Clone)]
struct PadUse<'a> {
    from_s: f64,
    to_s: f64,
    order_id: &'a str,
    drone_id: &'a str,
    what: &'static str,
}

/// A pad holds one drone at a time: take-off climbs and landings on one pad never
/// overlap in time.
pub(super) fn check_pad_occupancy(plan: &Plan, nests: &[NestPads], out: &mut Vec<Violation>) {
    let mut uses: Vec<Vec<Vec<PadUse>>> =
        nests.iter().map(|n| vec![vec![]; n.pads.len()]).collect();
    for f in &plan.flights {
        let Some(ni) = nests.iter().position(|n| n.depot_id == f.depot_id) else { continue };
        let s = &f.samples;
        let (Some(first), Some(last)) = (s.first(), s.last()) else { continue };
        // End of the climb: the first sample after the take-off phase.
        let climb_end = s.iter().find(|x| x.phase != Phase::TakeOff).map_or(last.t_s, |x| x.t_s);
        let landing = s.iter().rev().take_while(|x| x.phase == Phase::Landing).last();
        let mut pad_uses = Vec::with_capacity(2);
        if first.phase == Phase::TakeOff {
            pad_uses.push((first.pos_m, first.t_s, climb_end, "take-off"));
        }
        if let Some(l) = landing {
            pad_uses.push((last.pos_m, l.t_s, last.t_s, "landing"));
        }
        for (p, from, to, what) in pad_uses {
            if let Some(pi) = pad_of(&nests[ni], p) {
                uses[ni][pi].push(PadUse {
                    from_s: from,
                    to_s: to,
                    order_id: &f.order_id,
                    drone_id: &f.drone_id,
                    what,
                });
            }
        }
    }
    for (ni, pads) in uses.iter_mut().enumerate() {
        for (pi, list) in pads.iter_mut().enumerate() {
            list.sort_by(|a, b| a.from_s.total_cmp(&b.from_s));
            // Sweep keeping the use that ends last: any later use starting before it
            // ends overlaps it.
            let mut holder: Option<usize> = None;
            for k in 0..list.len() {
                if let Some(h) = holder {
                    if list[k].from_s < list[h].to_s - 1e-6 {
                        let pad = nests[ni].pads[pi];
                        out.push(Violation {
                            rule: Rule::Pad,
                            order_id: list[k].order_id.to_string(),
                            vehicle: list[k].drone_id.to_string(),
                            t_s: Some(list[k].from_s),
                            pos_m: Some([pad[0], pad[1], 0.0]),
                            message: format!(
                                "pad {pi} of {} double-booked: {} of {} (order {}) overlaps {} of {} (order {}) until {}",
                                nests[ni].depot_id,
                                list[k].what,
                                list[k].drone_id,
                                list[k].order_id,
                                list[h].what,
                                list[h].drone_id,
                                list[h].order_id,
                                crate::mission::ClockTime(list[h].to_s)
                            ),
                        });
                    }
                }
                if holder.is_none_or(|h| list[k].to_s > list[h].to_s) {
                    holder = Some(k);
                }
            }
        }
    }
}
