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
/// separation, at its first instant of loss.
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
mod tests {
    use super::loss_in_piece;

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
