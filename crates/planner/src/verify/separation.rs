//! Pairwise separation of the plan's own drones, exact on the verifier's model of a
//! flight (straight lines at constant velocity between stored samples).
//!
//! Two airborne drones lose separation when, at the same instant, they are closer than
//! both minima: horizontally under `horizontal_m` *and* vertically under `vertical_m`.
//! Between two consecutive breakpoints of either flight both move linearly, so the
//! horizontal distance squared is a quadratic and the vertical distance a linear function
//! of time: the instants of loss are the intersection of two intervals, found exactly.
//! The one exemption is the nest's terminal volume: two drones both in their vertical
//! take-off or landing corridor over *different* pads of one nest (pads are closer than
//! the en-route minima and are separated by being pads; one pad holding two drones is
//! caught by the pad check).

use super::pads::{pad_of, NestPads};
use super::{Rule, Violation};
use crate::mission::ClockTime;
use crate::plan::{Flight, Phase, Plan, Sample};

/// A flight's extent, for skipping pairs that cannot meet.
struct Extent {
    t0: f64,
    t1: f64,
    min: [f64; 3],
    max: [f64; 3],
    /// (nest index, pad index) of the take-off pad and of the landing pad.
    pads: [Option<(usize, usize)>; 2],
}

fn extent(f: &Flight, nests: &[NestPads]) -> Option<Extent> {
    let (first, last) = (f.samples.first()?, f.samples.last()?);
    let mut min = [f64::INFINITY; 3];
    let mut max = [f64::NEG_INFINITY; 3];
    for s in &f.samples {
        for k in 0..3 {
            min[k] = min[k].min(s.pos_m[k]);
            max[k] = max[k].max(s.pos_m[k]);
        }
    }
    let nest = nests.iter().position(|n| n.depot_id == f.depot_id);
    let pad = |p| nest.and_then(|ni| pad_of(&nests[ni], p).map(|pi| (ni, pi)));
    Some(Extent {
        t0: first.t_s,
        t1: last.t_s,
        min,
        max,
        pads: [pad(first.pos_m), pad(last.pos_m)],
    })
}

/// Checks every pair of flights that overlap in time; one violation per pair that loses
/// separation, at the closest approach within the first piece (between two samples of
/// either flight) in which it loses it.
pub(super) fn check_separation(plan: &Plan, nests: &[NestPads], out: &mut Vec<Violation>) {
    let sep = &plan.mission.airspace.separation;
    let (h, v) = (sep.horizontal_m, sep.vertical_m);
    let ext: Vec<Option<Extent>> = plan.flights.iter().map(|f| extent(f, nests)).collect();
    let mut order: Vec<usize> = (0..plan.flights.len()).filter(|&i| ext[i].is_some()).collect();
    let t0 = |i: usize| ext[i].as_ref().map_or(f64::INFINITY, |e| e.t0);
    order.sort_by(|&a, &b| t0(a).total_cmp(&t0(b)));
    for (k, &i) in order.iter().enumerate() {
        let Some(a) = &ext[i] else { continue };
        for &j in &order[k + 1..] {
            let Some(b) = &ext[j] else { continue };
            if b.t0 >= a.t1 {
                break;
            }
            let gap = |d: usize| (a.min[d] - b.max[d]).max(b.min[d] - a.max[d]).max(0.0);
            if gap(0).hypot(gap(1)) >= h || gap(2) >= v {
                continue;
            }
            let (fa, fb) = (&plan.flights[i], &plan.flights[j]);
            if let Some(loss) = first_loss(fa, a, fb, b, h, v) {
                out.push(Violation {
                    rule: Rule::Separation,
                    order_id: fa.order_id.clone(),
                    vehicle: fa.drone_id.clone(),
                    t_s: Some(loss.t_s),
                    pos_m: Some(loss.pos_m),
                    message: format!(
                        "loss of separation with order {} ({}) at ({:.1}, {:.1}, {:.1}) m: {:.1} m horizontal, {:.1} m vertical (minima {h} m / {v} m), at {}",
                        fb.order_id,
                        fb.drone_id,
                        loss.other_m[0],
                        loss.other_m[1],
                        loss.other_m[2],
                        loss.horizontal_m,
                        loss.vertical_m,
                        ClockTime(loss.t_s)
                    ),
                });
            }
        }
    }
}

/// Where two flights first lose separation.
struct Loss {
    t_s: f64,
    pos_m: [f64; 3],
    other_m: [f64; 3],
    horizontal_m: f64,
    vertical_m: f64,
}

/// Position of the flight at `t` (inside sample `i`'s piece), and that piece's phase.
fn at(s: &[Sample], i: usize, t: f64) -> [f64; 3] {
    let (a, b) = (&s[i], &s[(i + 1).min(s.len() - 1)]);
    let u = if b.t_s > a.t_s { ((t - a.t_s) / (b.t_s - a.t_s)).clamp(0.0, 1.0) } else { 0.0 };
    [0, 1, 2].map(|k| a.pos_m[k] + (b.pos_m[k] - a.pos_m[k]) * u)
}

fn in_corridor(phase: Phase) -> bool {
    matches!(phase, Phase::TakeOff | Phase::Landing)
}

/// The pad whose corridor the flight is in during a piece of `phase`.
fn corridor_pad(e: &Extent, phase: Phase) -> Option<(usize, usize)> {
    match phase {
        Phase::TakeOff => e.pads[0],
        Phase::Landing => e.pads[1],
        _ => None,
    }
}

fn first_loss(fa: &Flight, ea: &Extent, fb: &Flight, eb: &Extent, h: f64, v: f64) -> Option<Loss> {
    let (sa, sb) = (&fa.samples, &fb.samples);
    let t_end = ea.t1.min(eb.t1);
    let mut t = ea.t0.max(eb.t0);
    // Index of the piece each flight is on at time t.
    let piece = |s: &[Sample], t: f64| s.partition_point(|x| x.t_s <= t).saturating_sub(1);
    let (mut ia, mut ib) = (piece(sa, t), piece(sb, t));
    while t < t_end {
        let next = |s: &[Sample], i: usize| s.get(i + 1).map_or(f64::INFINITY, |x| x.t_s);
        let t2 = next(sa, ia).min(next(sb, ib)).min(t_end);
        let (pa, pb) = (sa[ia].phase, sb[ib].phase);
        let exempt = in_corridor(pa)
            && in_corridor(pb)
            && matches!((corridor_pad(ea, pa), corridor_pad(eb, pb)),
                (Some((na, pa_)), Some((nb, pb_))) if na == nb && pa_ != pb_);
        if t2 > t && !exempt {
            let (a0, a1, b0, b1) = (at(sa, ia, t), at(sa, ia, t2), at(sb, ib, t), at(sb, ib, t2));
            if let Some(u) = loss_in_piece(a0, a1, b0, b1, t2 - t, h, v) {
                let tt = t + u;
                let (pa, pb) = (at(sa, ia, tt), at(sb, ib, tt));
                return Some(Loss {
                    t_s: tt,
                    pos_m: pa,
                    other_m: pb,
                    horizontal_m: (pa[0] - pb[0]).hypot(pa[1] - pb[1]),
                    vertical_m: (pa[2] - pb[2]).abs(),
                });
            }
        }
        t = t2;
        if next(sa, ia) <= t && ia + 1 < sa.len() {
            ia += 1;
        }
        if next(sb, ib) <= t && ib + 1 < sb.len() {
            ib += 1;
        }
    }
    None
}

/// For two points moving linearly from `a0`/`b0` to `a1`/`b1` over `dt` seconds, the
/// time into the piece of the closest horizontal approach among the instants at which
/// they are closer than both minima, if there is any such instant.
fn loss_in_piece(
    a0: [f64; 3],
    a1: [f64; 3],
    b0: [f64; 3],
    b1: [f64; 3],
    dt: f64,
    h: f64,
    v: f64,
) -> Option<f64> {
    let r0 = [0, 1, 2].map(|k| a0[k] - b0[k]);
    let w = [0, 1, 2].map(|k| ((a1[k] - b1[k]) - r0[k]) / dt);
    // Horizontal: |r0 + w u|^2 < h^2, a quadratic q(u) = qa u^2 + qb u + qc < 0.
    let qa = w[0] * w[0] + w[1] * w[1];
    let qb = 2.0 * (r0[0] * w[0] + r0[1] * w[1]);
    let qc = r0[0] * r0[0] + r0[1] * r0[1] - h * h;
    let (h_lo, h_hi) = if qa < 1e-12 {
        if qc < 0.0 {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            return None;
        }
    } else {
        let disc = qb * qb - 4.0 * qa * qc;
        if disc <= 0.0 {
            return None;
        }
        let sq = disc.sqrt();
        ((-qb - sq) / (2.0 * qa), (-qb + sq) / (2.0 * qa))
    };
    // Vertical: |r0z + wz u| < v.
    let (v_lo, v_hi) = if w[2].abs() < 1e-12 {
        if r0[2].abs() < v {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            return None;
        }
    } else {
        let (x, y) = ((-v - r0[2]) / w[2], (v - r0[2]) / w[2]);
        (x.min(y), x.max(y))
    };
    let lo = h_lo.max(v_lo).max(0.0);
    let hi = h_hi.min(v_hi).min(dt);
    if lo < hi {
        let closest = if qa < 1e-12 { lo } else { (-qb / (2.0 * qa)).clamp(lo, hi) };
        Some(closest)
    } else {
        None
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::pads::{check_pad_occupancy, NestPads};
    use super::{check_separation, loss_in_piece};
    use crate::mission::Mission;
    use crate::plan::{Flight, MapRef, Phase, Plan, Sample, Summary, PLAN_FORMAT};

    /// A plan holding `flights` for the doc example's one-nest mission.
    pub fn plan_of(flights: Vec<Flight>) -> Plan {
        let text = r#"Mission(name: "t", origin: (lat_deg: 43.73, lon_deg: 7.42), map: "m.osm.pbf",
            depots: [(id: "nest", lat_deg: 43.73, lon_deg: 7.42, kind: Drone, pads: 2)],
            fleet: (drones: [(model: Preset("dji-m100"), depot: "nest", count: 2)]),
            orders: [(id: "a", placed_at: "09:00", lat_deg: 43.731, lon_deg: 7.421, payload_kg: 0.5),
                     (id: "b", placed_at: "09:00", lat_deg: 43.731, lon_deg: 7.421, payload_kg: 0.5)])"#;
        let mission = Mission::from_ron_str(text, "t.ron").unwrap();
        Plan {
            format: PLAN_FORMAT.into(),
            mission,
            map: MapRef { path: "m.osm.pbf".into(), sha256: String::new() },
            outcomes: Vec::new(),
            flights,
            van_routes: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// A hand-made flight: straight and level from `from` to `to` at 10 m/s, taking off
    /// at `t0` (1 s samples), with `phase` on every sample.
    pub fn straight(order: &str, from: [f64; 3], to: [f64; 3], t0: f64, phase: Phase) -> Flight {
        let len =
            ((to[0] - from[0]).powi(2) + (to[1] - from[1]).powi(2) + (to[2] - from[2]).powi(2))
                .sqrt();
        let n = (len / 10.0).ceil().max(1.0) as usize;
        let samples: Vec<Sample> = (0..=n)
            .map(|k| {
                let u = k as f64 / n as f64;
                Sample {
                    t_s: t0 + u * len / 10.0,
                    pos_m: [0, 1, 2].map(|d| from[d] + (to[d] - from[d]) * u),
                    vel_mps: [0.0; 3],
                    phase,
                    payload_kg: 0.5,
                    soc: 1.0,
                }
            })
            .collect();
        Flight {
            order_id: order.into(),
            drone_id: format!("nest/dji-m100#{order}"),
            drone_type: "dji-m100".into(),
            depot_id: "nest".into(),
            pad: 0,
            payload_kg: 0.5,
            destination_m: [to[0], to[1]],
            drop_point_m: [to[0], to[1]],
            drop_offset_m: 0.0,
            cruise_alt_m: from[2],
            path_length_m: len,
            straight_line_m: len,
            takeoff_s: t0,
            delivered_s: t0,
            landed_s: samples.last().unwrap().t_s,
            energy_wh: 0.0,
            battery_usable_wh: 1.0,
            soc_end: 1.0,
            point_of_no_return_s: None,
            samples,
            diversion: None,
        }
    }

    #[test]
    fn crossing_flights_at_the_same_time_are_caught_with_both_orders() {
        let a = straight("a", [-300.0, 0.0, 50.0], [300.0, 0.0, 50.0], 32_400.0, Phase::Outbound);
        let b = straight("b", [0.0, -300.0, 52.0], [0.0, 300.0, 52.0], 32_400.0, Phase::Outbound);
        let mut out = Vec::new();
        check_separation(&plan_of(vec![a, b]), &[], &mut out);
        assert_eq!(out.len(), 1, "{out:#?}");
        let v = &out[0];
        assert_eq!(v.order_id, "a");
        assert!(v.message.contains("order b"), "{}", v.message);
        // They meet at the origin 30 s after take-off; the loss starts 15 m / (10 m/s x
        // sqrt 2) = 1.06 s earlier, inside the piece from 28 to 29 s, whose closest
        // approach (29 s) is reported.
        let t = v.t_s.unwrap() - 32_400.0;
        assert!((t - 29.0).abs() < 1e-9, "{t}");
        assert!(v.message.contains("14.1 m horizontal, 2.0 m vertical"), "{}", v.message);
    }

    #[test]
    fn the_same_crossing_flights_60_s_apart_pass() {
        let a = straight("a", [-300.0, 0.0, 50.0], [300.0, 0.0, 50.0], 32_400.0, Phase::Outbound);
        let b = straight("b", [0.0, -300.0, 52.0], [0.0, 300.0, 52.0], 32_460.0, Phase::Outbound);
        let mut out = Vec::new();
        check_separation(&plan_of(vec![a, b]), &[], &mut out);
        assert!(out.is_empty(), "{out:#?}");
    }

    #[test]
    fn two_drones_on_one_pad_at_once_are_caught() {
        let nest =
            NestPads { depot_id: "nest".into(), pads: vec![[0.0, 0.0], [6.0, 0.0]], deck_m: 0.0 };
        let climb = |o: &str, x: f64, t0: f64| {
            straight(o, [x, 0.0, 0.0], [x, 0.0, 40.0], t0, Phase::TakeOff)
        };
        // Both on pad 0, 0.5 s (5 m of climb) apart: double-booked, and too close in the
        // air too.
        let plan = plan_of(vec![climb("a", 0.0, 100.0), climb("b", 0.0, 100.5)]);
        let mut out = Vec::new();
        check_pad_occupancy(&plan, std::slice::from_ref(&nest), &mut out);
        assert_eq!(out.len(), 1, "{out:#?}");
        assert!(out[0].message.contains("pad 0 of nest double-booked"), "{}", out[0].message);
        check_separation(&plan, std::slice::from_ref(&nest), &mut out);
        assert_eq!(out.len(), 2);
        // On neighbouring pads the same climbs are separated by the pads.
        let plan = plan_of(vec![climb("a", 0.0, 100.0), climb("b", 6.0, 100.5)]);
        let mut out = Vec::new();
        check_pad_occupancy(&plan, std::slice::from_ref(&nest), &mut out);
        check_separation(&plan, std::slice::from_ref(&nest), &mut out);
        assert!(out.is_empty(), "{out:#?}");
    }

    #[test]
    fn head_on_pass_is_a_loss_at_the_meeting_point() {
        // Two drones 100 m apart closing at 10 m/s each, same height: meet at 5 s.
        let u = loss_in_piece(
            [0.0, 0.0, 50.0],
            [100.0, 0.0, 50.0],
            [100.0, 0.0, 50.0],
            [0.0, 0.0, 50.0],
            10.0,
            15.0,
            10.0,
        );
        assert!((u.unwrap() - 5.0).abs() < 1e-9);
    }

    #[test]
    fn vertical_minimum_alone_separates() {
        let u = loss_in_piece(
            [0.0, 0.0, 50.0],
            [100.0, 0.0, 50.0],
            [100.0, 0.0, 60.5],
            [0.0, 0.0, 60.5],
            10.0,
            15.0,
            10.0,
        );
        assert!(u.is_none());
    }

    #[test]
    fn parallel_tracks_just_outside_the_horizontal_minimum_pass() {
        let u = loss_in_piece(
            [0.0, 0.0, 50.0],
            [100.0, 0.0, 50.0],
            [0.0, 15.01, 50.0],
            [100.0, 15.01, 50.0],
            10.0,
            15.0,
            10.0,
        );
        assert!(u.is_none());
        let u = loss_in_piece(
            [0.0, 0.0, 50.0],
            [100.0, 0.0, 50.0],
            [0.0, 14.99, 50.0],
            [100.0, 14.99, 50.0],
            10.0,
            15.0,
            10.0,
        );
        assert!(u.is_some());
    }
}
