//! The 4D space a flight reserves: its trajectory cut into short pieces, each a swept
//! horizontal segment with a height range and a time range.
//!
//! Entry points: [`flight_volumes`] cuts a trajectory into [`Volume4`]s;
//! [`Volume4::conflicts`] is the planner's strategic separation test between two of them;
//! [`ReservationIndex`] is an R-tree over committed volumes answering "when may this
//! flight take off at the earliest without meeting any of them?". The exported
//! operational intents (`plan::intents`) are these same volumes grown by half the minima,
//! so two flights the planner deconflicted have intents that do not intersect.
//!
//! A volume covers samples `i..=j` of a flight: every point the drone passes between them
//! (straight lines between samples) lies within `bulge_m` of the segment from the first
//! to the last sample's horizontal position, between the lowest and highest sample, and
//! inside the first and last sample's times. Pieces end at a change between the vertical
//! corridor over a pad (take-off, landing) and the rest of the flight, after
//! [`VOLUME_MAX_S`] seconds, or when the bulge would pass [`VOLUME_MAX_BULGE_M`].
//!
//! Two volumes conflict when their times, widened by the time buffer, overlap and they
//! are closer than both minima: vertical gap under `vertical_m` and horizontal segment
//! distance under `(horizontal_m + bulges) / cos(pi/16)` (the factor keeps the intents'
//! 16-sided polygon caps disjoint too). The one exemption is two volumes of vertical
//! corridors over *different* pads of one nest (see `world::pads`).

use rstar::{RTree, RTreeObject, AABB};

use crate::mission::Separation;
use crate::plan::{Phase, Sample};
use crate::world::polygon::segment_point_distance;

/// Longest time one volume covers, s: longer volumes claim more of the sky than the
/// drone uses (a drone at 15 m/s covers 150 m in 10 s).
pub const VOLUME_MAX_S: f64 = 10.0;
/// Largest distance of a volume's points from its segment, m.
pub const VOLUME_MAX_BULGE_M: f64 = 1.0;
/// Sides of a half-circle cap in the intents' polygons; the planner's horizontal test is
/// widened by `1 / cos(pi / (2 CAP_SIDES))` so the polygons stay disjoint.
pub const CAP_SIDES: usize = 8;

/// How far past a conflicting reservation's end a delayed flight starts, s.
pub const TIME_NUDGE_S: f64 = 0.01;

/// Gap kept between two flights' intent polygons, m, so that rounding in the exported
/// coordinates never makes them touch.
pub const POLYGON_GAP_M: f64 = 0.1;

/// A vertical take-off or landing corridor: (nest index in mission depots, pad index).
pub type Corridor = (usize, usize);

/// One piece of a flight's reserved space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Volume4 {
    /// Horizontal segment start, local metres.
    pub a_m: [f64; 2],
    /// Horizontal segment end, local metres.
    pub b_m: [f64; 2],
    /// Every point of the piece lies within this distance of the segment, m.
    pub bulge_m: f64,
    /// Lowest height, m.
    pub z_min_m: f64,
    /// Highest height, m.
    pub z_max_m: f64,
    /// First instant, s.
    pub t_from_s: f64,
    /// Last instant, s.
    pub t_to_s: f64,
    /// The pad corridor the piece climbs or descends in, if it is one.
    pub corridor: Option<Corridor>,
}

impl Volume4 {
    /// The same volume `dt_s` seconds later.
    pub fn shifted(&self, dt_s: f64) -> Volume4 {
        Volume4 { t_from_s: self.t_from_s + dt_s, t_to_s: self.t_to_s + dt_s, ..*self }
    }

    /// Horizontal distance below which two volumes are too close, m.
    pub fn horizontal_limit_m(&self, other: &Volume4, sep: &Separation) -> f64 {
        (sep.horizontal_m + self.bulge_m + other.bulge_m) / cap_cos() + POLYGON_GAP_M
    }

    /// Whether `self` and `other` (each at its own times) break the separation minima,
    /// allowing for `sep.time_buffer_s` of timing error.
    pub fn conflicts(&self, other: &Volume4, sep: &Separation) -> bool {
        let buf = sep.time_buffer_s;
        if self.t_from_s >= other.t_to_s + buf || other.t_from_s >= self.t_to_s + buf {
            return false;
        }
        if let (Some((na, pa)), Some((nb, pb))) = (self.corridor, other.corridor) {
            if na == nb {
                // Different pads of one nest are separated by being pads; one pad holds
                // one drone at a time, so its climbs and descents never overlap in time,
                // however far apart in height (a drone high over an occupied pad is
                // still waiting for it).
                return pa == pb;
            }
        }
        let z_gap = (self.z_min_m - other.z_max_m).max(other.z_min_m - self.z_max_m);
        if z_gap >= sep.vertical_m {
            return false;
        }
        segment_distance(self.a_m, self.b_m, other.a_m, other.b_m)
            < self.horizontal_limit_m(other, sep)
    }

    fn bounds(&self) -> ([f64; 2], [f64; 2]) {
        let lo = [self.a_m[0].min(self.b_m[0]), self.a_m[1].min(self.b_m[1])];
        let hi = [self.a_m[0].max(self.b_m[0]), self.a_m[1].max(self.b_m[1])];
        (lo, hi)
    }
}

/// `cos(pi / (2 CAP_SIDES))`.
pub fn cap_cos() -> f64 {
    (std::f64::consts::PI / (2.0 * CAP_SIDES as f64)).cos()
}

/// Distance between the segments `a`-`b` and `c`-`d` in the plane.
pub fn segment_distance(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> f64 {
    let cross = |o: [f64; 2], p: [f64; 2], q: [f64; 2]| {
        (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])
    };
    let (d1, d2, d3, d4) = (cross(c, d, a), cross(c, d, b), cross(a, b, c), cross(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return 0.0;
    }
    segment_point_distance(a, b, c)
        .min(segment_point_distance(a, b, d))
        .min(segment_point_distance(c, d, a))
        .min(segment_point_distance(c, d, b))
}

fn in_corridor(phase: Phase) -> bool {
    matches!(phase, Phase::TakeOff | Phase::Landing)
}

/// Cuts a flight's samples into volumes (see the module docs). `pad` is the corridor of
/// its take-off and landing (a flight takes off from and lands on one pad).
pub fn flight_volumes(samples: &[Sample], pad: Option<Corridor>) -> Vec<Volume4> {
    let mut out = Vec::new();
    if samples.len() < 2 {
        return out;
    }
    let xy = |s: &Sample| [s.pos_m[0], s.pos_m[1]];
    let mut i = 0;
    while i + 1 < samples.len() {
        let corridor = in_corridor(samples[i].phase);
        let mut j = i + 1;
        let mut bulge = 0.0;
        // Grow the piece while the next sample keeps it of one kind, short and thin.
        while j + 1 < samples.len() {
            let next = j + 1;
            // The slack makes the cut independent of the flight's take-off time: the
            // planner cuts a flight at take-off 0, the intents at its real times, and a
            // sum rounded differently must not move a cut (or the two would differ).
            if in_corridor(samples[j].phase) != corridor
                || samples[next].t_s - samples[i].t_s > VOLUME_MAX_S + 1e-6
            {
                break;
            }
            let (a, b) = (xy(&samples[i]), xy(&samples[next]));
            let b2 = samples[i..=next]
                .iter()
                .map(|s| segment_point_distance(a, b, xy(s)))
                .fold(0.0, f64::max);
            if b2 > VOLUME_MAX_BULGE_M {
                break;
            }
            bulge = b2;
            j = next;
        }
        let piece = &samples[i..=j];
        let z_min = piece.iter().map(|s| s.pos_m[2]).fold(f64::INFINITY, f64::min);
        let z_max = piece.iter().map(|s| s.pos_m[2]).fold(f64::NEG_INFINITY, f64::max);
        out.push(Volume4 {
            a_m: xy(&samples[i]),
            b_m: xy(&samples[j]),
            bulge_m: bulge,
            z_min_m: z_min,
            z_max_m: z_max,
            t_from_s: samples[i].t_s,
            t_to_s: samples[j].t_s,
            corridor: if corridor { pad } else { None },
        });
        i = j;
    }
    out
}

/// A committed volume in the index.
#[derive(Debug, Clone)]
struct Reserved {
    volume: Volume4,
    envelope: AABB<[f64; 4]>,
}

impl RTreeObject for Reserved {
    type Envelope = AABB<[f64; 4]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// The volumes of every committed flight, indexed in space and time (an R-tree over 4D
/// boxes: x, y, z, t).
#[derive(Debug, Clone)]
pub struct ReservationIndex {
    sep: Separation,
    tree: RTree<Reserved>,
}

impl ReservationIndex {
    /// An empty index for the minima `sep`.
    pub fn new(sep: Separation) -> ReservationIndex {
        ReservationIndex { sep, tree: RTree::new() }
    }

    /// Number of volumes held.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether nothing is reserved.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Reserves `volumes` (already at their flight's times).
    pub fn insert(&mut self, volumes: &[Volume4]) {
        for v in volumes {
            let (lo, hi) = v.bounds();
            let envelope = AABB::from_corners(
                [lo[0] - v.bulge_m, lo[1] - v.bulge_m, v.z_min_m, v.t_from_s],
                [hi[0] + v.bulge_m, hi[1] + v.bulge_m, v.z_max_m, v.t_to_s],
            );
            self.tree.insert(Reserved { volume: *v, envelope });
        }
    }

    /// The latest end among the reserved volumes `candidate` conflicts with, if any.
    fn latest_conflict_end(&self, candidate: &Volume4) -> Option<f64> {
        let s = &self.sep;
        let (lo, hi) = candidate.bounds();
        // Widest horizontal limit: the reserved bulge is at most VOLUME_MAX_BULGE_M.
        let reach =
            (s.horizontal_m + candidate.bulge_m + VOLUME_MAX_BULGE_M) / cap_cos() + POLYGON_GAP_M;
        // A pad corridor meets every use of its pad, whatever the heights.
        let (z_lo, z_hi) = match candidate.corridor {
            Some(_) => (f64::MIN, f64::MAX),
            None => (candidate.z_min_m - s.vertical_m, candidate.z_max_m + s.vertical_m),
        };
        let query = AABB::from_corners(
            [lo[0] - reach, lo[1] - reach, z_lo, candidate.t_from_s - s.time_buffer_s],
            [hi[0] + reach, hi[1] + reach, z_hi, candidate.t_to_s + s.time_buffer_s],
        );
        self.tree
            .locate_in_envelope_intersecting(&query)
            .filter(|r| candidate.conflicts(&r.volume, s))
            .map(|r| r.volume.t_to_s)
            .reduce(f64::max)
    }

    /// The earliest take-off in `from_s..=latest_s` at which a flight whose volumes are
    /// `volumes` (computed for take-off at 0 s) meets no reserved volume, if there is one.
    ///
    /// A conflict between a candidate volume and a reserved one depends only on their
    /// times once the geometry is fixed, and only later take-offs are tried: the least
    /// delay that clears a conflicting pair moves the candidate's start past the reserved
    /// volume's end plus the buffer, so the search jumps straight there.
    pub fn earliest_takeoff(&self, volumes: &[Volume4], from_s: f64, latest_s: f64) -> Option<f64> {
        let mut t = from_s;
        'search: while t <= latest_s {
            for v in volumes {
                let shifted = v.shifted(t);
                if let Some(end) = self.latest_conflict_end(&shifted) {
                    let needed = end + self.sep.time_buffer_s - v.t_from_s;
                    // The nudge keeps the intents' millisecond times disjoint.
                    t = needed.max(t) + TIME_NUDGE_S;
                    continue 'search;
                }
            }
            return Some(t);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, p: [f64; 3], phase: Phase) -> Sample {
        Sample { t_s: t, pos_m: p, vel_mps: [0.0; 3], phase, payload_kg: 0.0, soc: 1.0 }
    }

    /// A straight level flight from x0 to x1 at height z, 1 s samples at `speed`.
    fn level(x0: f64, x1: f64, y: f64, z: f64, speed: f64) -> Vec<Sample> {
        let n = ((x1 - x0).abs() / speed).ceil() as usize;
        (0..=n)
            .map(|k| {
                let u = k as f64 / n as f64;
                sample(
                    k as f64 * (x1 - x0).abs() / speed / n as f64,
                    [x0 + (x1 - x0) * u, y, z],
                    Phase::Outbound,
                )
            })
            .collect()
    }

    #[test]
    fn volumes_cover_every_sample_and_stay_short() {
        let s = level(0.0, 300.0, 0.0, 50.0, 10.0);
        let v = flight_volumes(&s, None);
        assert!(v.len() >= 3);
        for x in &s {
            let inside = v.iter().any(|v| {
                v.t_from_s <= x.t_s
                    && x.t_s <= v.t_to_s
                    && segment_point_distance(v.a_m, v.b_m, [x.pos_m[0], x.pos_m[1]])
                        <= v.bulge_m + 1e-9
            });
            assert!(inside, "sample at {} s not covered", x.t_s);
        }
        assert!(v.iter().all(|v| v.t_to_s - v.t_from_s <= VOLUME_MAX_S + 1e-9));
    }

    #[test]
    fn the_cut_does_not_depend_on_the_take_off_time() {
        let s = level(0.0, 900.0, 0.0, 50.0, 10.0);
        let at_zero = flight_volumes(&s, None);
        for shift in [0.1, 37_777.123, 86_399.9] {
            let moved: Vec<Sample> =
                s.iter().map(|x| Sample { t_s: x.t_s + shift, ..*x }).collect();
            let v = flight_volumes(&moved, None);
            assert_eq!(v.len(), at_zero.len());
            for (a, b) in v.iter().zip(&at_zero) {
                assert_eq!((a.a_m, a.b_m), (b.a_m, b.b_m), "shift {shift}");
            }
        }
    }

    #[test]
    fn crossing_flights_are_delayed_until_clear() {
        let sep = Separation::default();
        let a = level(-150.0, 150.0, 0.0, 50.0, 10.0);
        // b crosses a's track at right angles, through (0, 0), at the same time.
        let b: Vec<Sample> = level(-150.0, 150.0, 0.0, 50.0, 10.0)
            .into_iter()
            .map(|s| Sample { pos_m: [0.0, s.pos_m[0], 50.0], ..s })
            .collect();
        let mut idx = ReservationIndex::new(sep);
        idx.insert(&flight_volumes(&a, None));
        let vb = flight_volumes(&b, None);
        let t = idx.earliest_takeoff(&vb, 0.0, 600.0).unwrap();
        assert!(t > 0.0, "a simultaneous crossing must be delayed");
        // At the found take-off no volume conflicts, and b passes the crossing after a.
        let shifted: Vec<Volume4> = vb.iter().map(|v| v.shifted(t)).collect();
        for x in &flight_volumes(&a, None) {
            assert!(shifted.iter().all(|y| !x.conflicts(y, &sep)));
        }
        // Flown 60 s apart the same flights need no delay.
        assert_eq!(idx.earliest_takeoff(&vb, 60.0, 600.0), Some(60.0));
        // With no room before the latest take-off there is no answer.
        assert_eq!(idx.earliest_takeoff(&vb, 0.0, 1.0), None);
    }

    #[test]
    fn pad_corridors_of_one_nest_are_exempt_only_on_different_pads() {
        let sep = Separation::default();
        let climb = |x: f64| -> Vec<Sample> {
            (0..=10).map(|k| sample(k as f64, [x, 0.0, 5.0 * k as f64], Phase::TakeOff)).collect()
        };
        let a = flight_volumes(&climb(0.0), Some((0, 0)));
        let b = flight_volumes(&climb(6.0), Some((0, 1)));
        let same_pad = flight_volumes(&climb(0.0), Some((0, 0)));
        assert!(a.iter().all(|x| b.iter().all(|y| !x.conflicts(y, &sep))));
        assert!(a.iter().any(|x| same_pad.iter().any(|y| x.conflicts(y, &sep))));
        let other_nest = flight_volumes(&climb(6.0), Some((1, 1)));
        assert!(a.iter().any(|x| other_nest.iter().any(|y| x.conflicts(y, &sep))));
    }

    #[test]
    fn one_pad_takes_one_drone_at_a_time_whatever_the_heights() {
        // A drone still high over the pad (100 m down to 80 m) while another finishes
        // its landing on it (20 m to 0 m): far apart in height, but both use the pad.
        let sep = Separation::default();
        let descent = |z0: f64, t0: f64| -> Vec<Sample> {
            (0..=5)
                .map(|k| sample(t0 + k as f64, [0.0, 0.0, z0 - 4.0 * k as f64], Phase::Landing))
                .collect()
        };
        let high = flight_volumes(&descent(100.0, 0.0), Some((0, 3)));
        let low = flight_volumes(&descent(20.0, 0.0), Some((0, 3)));
        assert!(high.iter().any(|x| low.iter().any(|y| x.conflicts(y, &sep))));
        // The same pair on two pads of the nest is fine, and so is one pad in turn.
        let low_other_pad = flight_volumes(&descent(20.0, 0.0), Some((0, 4)));
        assert!(high.iter().all(|x| low_other_pad.iter().all(|y| !x.conflicts(y, &sep))));
        let later = flight_volumes(&descent(20.0, 60.0), Some((0, 3)));
        assert!(high.iter().all(|x| later.iter().all(|y| !x.conflicts(y, &sep))));
        // The index finds the conflict too (its search box spans every height).
        let mut idx = ReservationIndex::new(sep);
        idx.insert(&low);
        let high_at_0 = flight_volumes(&descent(100.0, 0.0), Some((0, 3)));
        assert!(idx.earliest_takeoff(&high_at_0, 0.0, 0.0).is_none());
        assert!(idx.earliest_takeoff(&high_at_0, 0.0, 60.0).is_some_and(|t| t >= 5.0));
    }
}
