//! Shortening a grid path against the exact geometry: string pulling
//! ([`CityPlanner::string_pull`]), then corner pulling and corner cutting
//! ([`CityPlanner::tighten`]), every step checked with [`World::segment_clear`].
//!
//! [`World::segment_clear`]: crate::world::World::segment_clear

use super::{dist, CityPlanner};

impl CityPlanner<'_> {
    /// Whether the level segment `a`-`b` at `alt` keeps the cruise margin plus half the
    /// grid's buffer: the line-of-sight test of string pulling and tightening.
    pub(super) fn level_segment_clear(&self, a: [f64; 2], b: [f64; 2], alt: f64) -> bool {
        self.world.segment_clear(
            [a[0], a[1], alt],
            [b[0], b[1], alt],
            self.span,
            self.cruise_margin_m + self.config.buffer_m * 0.5,
        )
    }

    /// Shortens a string-pulled path against the exact geometry: pulls each corner
    /// toward the straight line between its neighbours as far as clearance allows
    /// ([`Self::pull_corners`]), then cuts corners into two ([`Self::cut_corners`]) and
    /// pulls again, a few rounds. Every accepted change keeps the segments it touches
    /// clear, so the path stays valid throughout.
    pub(super) fn tighten(&self, path: &mut Vec<[f64; 2]>, alt: f64) {
        self.pull_corners(path, alt);
        for _ in 0..CUT_ROUNDS {
            if !self.cut_corners(path, alt) {
                break;
            }
            self.pull_corners(path, alt);
        }
    }

    /// Pulls each corner toward the straight line between its neighbours as far as
    /// clearance allows, and drops corners that become needless. Grid corners sit at
    /// cell centres up to a cell away from where the taut path would touch the inflated
    /// obstacle; this moves them there.
    fn pull_corners(&self, path: &mut Vec<[f64; 2]>, alt: f64) {
        let los = |a: [f64; 2], b: [f64; 2]| self.level_segment_clear(a, b, alt);
        // `stuck[i]`: corner i stayed put in the last pass and its neighbours have not
        // moved since. The pull is a function of the corner and its neighbours, so it
        // would stay put again: skipped, the result is the same and most passes after
        // the first touch a few corners only.
        let mut stuck = vec![false; path.len()];
        for _ in 0..TIGHTEN_PASSES {
            let mut gained = 0.0;
            let mut i = 1;
            while i + 1 < path.len() {
                if stuck[i] {
                    i += 1;
                    continue;
                }
                let (a, p, b) = (path[i - 1], path[i], path[i + 1]);
                if los(a, b) {
                    gained += dist(a, p) + dist(p, b) - dist(a, b);
                    path.remove(i);
                    stuck.remove(i);
                    stuck[i - 1] = false;
                    stuck[i] = false;
                    continue;
                }
                // Toward the closest point of segment ab: bisection on the fraction of
                // the way that keeps both segments clear.
                let target = closest_on_segment(a, b, p);
                let at = |t: f64| [p[0] + (target[0] - p[0]) * t, p[1] + (target[1] - p[1]) * t];
                let (mut lo, mut hi) = (0.0, 1.0);
                for _ in 0..TIGHTEN_STEPS {
                    let mid = 0.5 * (lo + hi);
                    let q = at(mid);
                    if los(a, q) && los(q, b) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                if lo > 0.0 {
                    let q = at(lo);
                    gained += dist(a, p) + dist(p, b) - dist(a, q) - dist(q, b);
                    path[i] = q;
                    stuck[i - 1] = false;
                    stuck[i + 1] = false;
                } else {
                    stuck[i] = true;
                }
                i += 1;
            }
            if gained < TIGHTEN_MIN_GAIN_M {
                break;
            }
        }
    }

    /// Replaces each corner `p` (neighbours `a`, `b`) by two points, `p1` on `pa` and
    /// `p2` on `pb` at the same fraction of the way, as far out as the cut `p1 p2`
    /// stays clear (the other two pieces lie on clear segments). The free space around
    /// an obstacle's corner is a circular arc of the margin's radius, and one polyline
    /// vertex wrapping it is up to 2 m longer than the arc at a right-angle turn; each
    /// cut round roughly quarters that. Returns whether any corner was cut.
    fn cut_corners(&self, path: &mut Vec<[f64; 2]>, alt: f64) -> bool {
        let los = |a: [f64; 2], b: [f64; 2]| self.level_segment_clear(a, b, alt);
        let mut out = Vec::with_capacity(path.len() * 2);
        out.push(path[0]);
        let mut cut = false;
        for i in 1..path.len() - 1 {
            let (a, p, b) = (path[i - 1], path[i], path[i + 1]);
            // Fractions are of the shorter neighbouring segment, so both cut points
            // lie within half of it and cuts at adjacent corners never cross.
            let reach = 0.5 * dist(a, p).min(dist(p, b));
            if reach < CUT_MIN_GAIN_M {
                out.push(p);
                continue;
            }
            let toward = |q: [f64; 2], t: f64| {
                let d = dist(p, q);
                [p[0] + (q[0] - p[0]) / d * t, p[1] + (q[1] - p[1]) / d * t]
            };
            let (mut lo, mut hi) = (0.0, reach);
            for _ in 0..TIGHTEN_STEPS {
                let mid = 0.5 * (lo + hi);
                if los(toward(a, mid), toward(b, mid)) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let (p1, p2) = (toward(a, lo), toward(b, lo));
            if dist(p1, p) + dist(p, p2) - dist(p1, p2) > CUT_MIN_GAIN_M {
                out.extend([p1, p2]);
                cut = true;
            } else {
                out.push(p);
            }
        }
        out.push(path[path.len() - 1]);
        *path = out;
        cut
    }

    /// Greedy string pulling: from each kept point, jump to the farthest later point
    /// still in exact line of sight.
    pub(super) fn string_pull(&self, pts: &[[f64; 2]], alt: f64) -> Vec<[f64; 2]> {
        let los = |a: [f64; 2], b: [f64; 2]| self.level_segment_clear(a, b, alt);
        let mut out = vec![pts[0]];
        let mut i = 0;
        while i + 1 < pts.len() {
            // Binary search is unsound (visibility is not monotone), so scan down from the
            // far end in halving steps, then linearly.
            let mut best = i + 1;
            let mut j = pts.len() - 1;
            while j > i + 1 {
                if los(pts[i], pts[j]) {
                    best = j;
                    break;
                }
                j = i + 1 + (j - i - 1) / 2;
            }
            // Extend linearly past the found point while still visible.
            while best + 1 < pts.len() && los(pts[i], pts[best + 1]) {
                best += 1;
            }
            out.push(pts[best]);
            i = best;
        }
        out
    }
}

/// Rounds of corner cutting in [`CityPlanner::tighten`].
const CUT_ROUNDS: usize = 3;
/// A corner cut must shorten the path by at least this, m.
const CUT_MIN_GAIN_M: f64 = 0.01;
/// Most passes of [`CityPlanner::pull_corners`] over a path.
const TIGHTEN_PASSES: usize = 12;
/// Bisection steps per corner and pass (2^-7 of the way: centimetres for metre moves).
const TIGHTEN_STEPS: usize = 7;
/// A pass that shortens the path by less than this ends the pulling, m.
const TIGHTEN_MIN_GAIN_M: f64 = 0.05;

/// The point of segment `ab` closest to `p`.
fn closest_on_segment(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> [f64; 2] {
    let ab = [b[0] - a[0], b[1] - a[1]];
    let len2 = ab[0] * ab[0] + ab[1] * ab[1];
    if len2 == 0.0 {
        return a;
    }
    let t = (((p[0] - a[0]) * ab[0] + (p[1] - a[1]) * ab[1]) / len2).clamp(0.0, 1.0);
    [a[0] + ab[0] * t, a[1] + ab[1] * t]
}
