//! Planar polygons in local metres: containment and distance, the narrow phase of every
//! clearance query.

use serde::{Deserialize, Serialize};

/// A polygon with holes, local `[east_m, north_m]` vertices, rings not repeated at the end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    /// Outer ring.
    pub outer: Vec<[f64; 2]>,
    /// Inner rings (courtyards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holes: Vec<Vec<[f64; 2]>>,
}

/// An axis-aligned rectangle in local metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    /// South-west corner.
    pub min: [f64; 2],
    /// North-east corner.
    pub max: [f64; 2],
}

impl Rect {
    /// The empty rectangle (grows with [`Rect::include`]).
    pub fn empty() -> Rect {
        Rect { min: [f64::INFINITY; 2], max: [f64::NEG_INFINITY; 2] }
    }

    /// Grows to include `p`.
    pub fn include(&mut self, p: [f64; 2]) {
        for (k, v) in p.into_iter().enumerate() {
            self.min[k] = self.min[k].min(v);
            self.max[k] = self.max[k].max(v);
        }
    }

    /// Whether `p` is inside (closed).
    pub fn contains(&self, p: [f64; 2]) -> bool {
        p[0] >= self.min[0] && p[0] <= self.max[0] && p[1] >= self.min[1] && p[1] <= self.max[1]
    }

    /// Distance from `p` to the rectangle: 0 inside.
    pub fn distance(&self, p: [f64; 2]) -> f64 {
        let dx = (self.min[0] - p[0]).max(p[0] - self.max[0]).max(0.0);
        let dy = (self.min[1] - p[1]).max(p[1] - self.max[1]).max(0.0);
        dx.hypot(dy)
    }

    /// Whether the segment `a`-`b` keeps out of the rectangle grown by `r_m` on every
    /// side (slab clipping), which makes it further than `r_m` from the rectangle: a
    /// test of a few products that rules out most of the rectangles a long segment's
    /// bounding box holds before [`Rect::segment_distance`] measures them.
    pub fn segment_misses_grown(&self, a: [f64; 2], b: [f64; 2], r_m: f64) -> bool {
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for axis in 0..2 {
            let (lo, hi) = (self.min[axis] - r_m, self.max[axis] + r_m);
            let d = b[axis] - a[axis];
            if d == 0.0 {
                if a[axis] < lo || a[axis] > hi {
                    return true;
                }
                continue;
            }
            let (mut u0, mut u1) = ((lo - a[axis]) / d, (hi - a[axis]) / d);
            if u0 > u1 {
                std::mem::swap(&mut u0, &mut u1);
            }
            t0 = t0.max(u0);
            t1 = t1.min(u1);
            if t0 > t1 {
                return true;
            }
        }
        false
    }

    /// Distance from the segment `a`-`b` to the rectangle: 0 when it touches or crosses
    /// it. A lower bound, a few times cheaper, of [`Polygon::segment_distance`] for any
    /// polygon inside the rectangle.
    pub fn segment_distance(&self, a: [f64; 2], b: [f64; 2]) -> f64 {
        if self.contains(a) || self.contains(b) {
            return 0.0;
        }
        let corners = [self.min, [self.max[0], self.min[1]], self.max, [self.min[0], self.max[1]]];
        let mut best = self.distance(a).min(self.distance(b));
        for i in 0..4 {
            let (c, d) = (corners[i], corners[(i + 1) % 4]);
            if segments_intersect(a, b, c, d) {
                return 0.0;
            }
            // Two disjoint convex sets are closest at a vertex of one of them.
            best = best.min(segment_point_distance(a, b, c));
        }
        best
    }
}

impl Polygon {
    /// A polygon without holes.
    pub fn new(outer: Vec<[f64; 2]>) -> Polygon {
        Polygon { outer, holes: Vec::new() }
    }

    /// A regular polygon approximating a circle (used for point features like helipads).
    pub fn circle(centre: [f64; 2], radius_m: f64, sides: usize) -> Polygon {
        let outer = (0..sides)
            .map(|i| {
                let a = i as f64 / sides as f64 * std::f64::consts::TAU;
                // Circumscribed so that the polygon contains the circle.
                let r = radius_m / (std::f64::consts::PI / sides as f64).cos();
                [centre[0] + r * a.cos(), centre[1] + r * a.sin()]
            })
            .collect();
        Polygon::new(outer)
    }

    /// Bounding rectangle.
    pub fn bounds(&self) -> Rect {
        let mut r = Rect::empty();
        for p in &self.outer {
            r.include(*p);
        }
        r
    }

    /// Whether `p` is inside the polygon (on the boundary counts as inside).
    pub fn contains(&self, p: [f64; 2]) -> bool {
        ring_contains(&self.outer, p) && !self.holes.iter().any(|h| ring_contains(h, p))
    }

    /// Distance from `p` to the polygon's region: 0 inside, else to the nearest edge.
    pub fn distance(&self, p: [f64; 2]) -> f64 {
        if self.contains(p) {
            return 0.0;
        }
        self.boundary_distance(p)
    }

    /// Distance from `p` to the nearest edge of any ring.
    pub fn boundary_distance(&self, p: [f64; 2]) -> f64 {
        let mut best = ring_distance(&self.outer, p);
        for h in &self.holes {
            best = best.min(ring_distance(h, p));
        }
        best
    }

    /// Distance from the segment `a`-`b` to the polygon's region: 0 when the segment
    /// touches or crosses it, else the smallest edge-to-segment distance.
    pub fn segment_distance(&self, a: [f64; 2], b: [f64; 2]) -> f64 {
        if self.contains(a) || self.contains(b) {
            return 0.0;
        }
        // Squared distances throughout: sqrt is monotone, so the root of the least
        // square is the least distance, bit for bit.
        let mut best2 = f64::INFINITY;
        for ring in std::iter::once(&self.outer).chain(self.holes.iter()) {
            let n = ring.len();
            for i in 0..n {
                let (c, d) = (ring[i], ring[(i + 1) % n]);
                if segments_cross(a, b, c, d) {
                    return 0.0;
                }
                let e2 = segment_point_distance2(a, b, c)
                    .min(segment_point_distance2(a, b, d))
                    .min(segment_point_distance2(c, d, a))
                    .min(segment_point_distance2(c, d, b));
                if e2 == 0.0 {
                    return 0.0; // an end on the other segment: touching or overlapping
                }
                best2 = best2.min(e2);
            }
        }
        best2.sqrt()
    }

    /// `within(self.segment_distance(a, b))`, for a `within` that holds for every
    /// distance below one where it holds and for none above `reach_m`, without
    /// measuring every edge: the first edge found within answers, and edges whose box
    /// is further than `reach_m` from the segment's on either axis are not measured.
    /// The line-of-sight test asks only this, for many segments near buildings.
    pub fn segment_within(
        &self,
        a: [f64; 2],
        b: [f64; 2],
        reach_m: f64,
        within: impl Fn(f64) -> bool,
    ) -> bool {
        // Widened so that no rounding makes an edge just within look out of reach.
        let pad = reach_m * (1.0 + 1e-6) + 1e-9;
        let (lo, hi) = (
            [a[0].min(b[0]) - pad, a[1].min(b[1]) - pad],
            [a[0].max(b[0]) + pad, a[1].max(b[1]) + pad],
        );
        for ring in std::iter::once(&self.outer).chain(self.holes.iter()) {
            let n = ring.len();
            for i in 0..n {
                let (c, d) = (ring[i], ring[(i + 1) % n]);
                if c[0].max(d[0]) < lo[0]
                    || c[0].min(d[0]) > hi[0]
                    || c[1].max(d[1]) < lo[1]
                    || c[1].min(d[1]) > hi[1]
                {
                    continue;
                }
                if segments_cross(a, b, c, d) {
                    return within(0.0);
                }
                let e2 = segment_point_distance2(a, b, c)
                    .min(segment_point_distance2(a, b, d))
                    .min(segment_point_distance2(c, d, a))
                    .min(segment_point_distance2(c, d, b));
                // `within` of the least distance is `within` of some edge's: it holds
                // below wherever it holds, and sqrt keeps the order.
                if within(e2.sqrt()) {
                    return true;
                }
            }
        }
        // No edge within: the distance is 0 only with an end inside.
        (self.contains(a) || self.contains(b)) && within(0.0)
    }

    /// Area of the outer ring minus holes, m^2.
    pub fn area_m2(&self) -> f64 {
        ring_area(&self.outer).abs() - self.holes.iter().map(|h| ring_area(h).abs()).sum::<f64>()
    }
}

fn ring_area(ring: &[[f64; 2]]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum::<f64>()
        / 2.0
}

fn ring_contains(ring: &[[f64; 2]], p: [f64; 2]) -> bool {
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        // The edge's box first: a point outside it by more than the tolerance is not on
        // the edge, and the distance costs a division and a root.
        let near_box = p[0] >= a[0].min(b[0]) - BOUNDARY_TOLERANCE_M
            && p[0] <= a[0].max(b[0]) + BOUNDARY_TOLERANCE_M
            && p[1] >= a[1].min(b[1]) - BOUNDARY_TOLERANCE_M
            && p[1] <= a[1].max(b[1]) + BOUNDARY_TOLERANCE_M;
        if near_box && segment_point_distance(a, b, p) < BOUNDARY_TOLERANCE_M {
            return true;
        }
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

fn ring_distance(ring: &[[f64; 2]], p: [f64; 2]) -> f64 {
    let n = ring.len();
    let mut best = f64::INFINITY;
    for i in 0..n {
        best = best.min(segment_point_distance(ring[i], ring[(i + 1) % n], p));
    }
    best
}

/// A point closer than this to a ring's edge is on the ring, m.
const BOUNDARY_TOLERANCE_M: f64 = 1e-9;

/// Whether the segments `a`-`b` and `c`-`d` cross properly (each strictly separates
/// the other's ends); touching and collinear cases are left to the caller.
fn segments_cross(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    };
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
}

/// Whether the closed segments `a`-`b` and `c`-`d` share a point.
fn segments_intersect(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    // Touching and collinear cases: an end on the other segment.
    segments_cross(a, b, c, d)
        || segment_point_distance2(c, d, a) == 0.0
        || segment_point_distance2(c, d, b) == 0.0
        || segment_point_distance2(a, b, c) == 0.0
        || segment_point_distance2(a, b, d) == 0.0
}

/// Distance from `p` to the segment `a`-`b`.
pub fn segment_point_distance(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> f64 {
    segment_point_distance2(a, b, p).sqrt()
}

/// Squared distance from `p` to the segment `a`-`b`, m^2.
fn segment_point_distance2(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    cx * cx + cy * cy
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn square_with_hole() {
        let mut sq = Polygon::new(vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]);
        sq.holes.push(vec![[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0]]);
        assert!(sq.contains([1.0, 1.0]));
        assert!(!sq.contains([5.0, 5.0]));
        assert_relative_eq!(sq.distance([5.0, 5.0]), 1.0);
        assert_relative_eq!(sq.distance([13.0, 14.0]), 5.0);
        assert_relative_eq!(sq.distance([2.0, 2.0]), 0.0);
        assert_relative_eq!(sq.area_m2(), 96.0);
    }

    #[test]
    fn segment_distance_is_exact() {
        let sq = Polygon::new(vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]);
        assert_relative_eq!(sq.segment_distance([-5.0, 12.0], [15.0, 12.0]), 2.0);
        assert_relative_eq!(sq.segment_distance([-5.0, 5.0], [15.0, 5.0]), 0.0);
        assert_relative_eq!(sq.segment_distance([13.0, 14.0], [20.0, 20.0]), 5.0);
        assert_relative_eq!(sq.segment_distance([2.0, 2.0], [3.0, 3.0]), 0.0);
    }

    #[test]
    fn rect_segment_distance_is_exact_for_the_rect() {
        let r = Rect { min: [0.0, 0.0], max: [10.0, 10.0] };
        let sq = Polygon::new(vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]);
        for (a, b) in [
            ([-5.0, 12.0], [15.0, 12.0]),
            ([-5.0, 5.0], [15.0, 5.0]),
            ([13.0, 14.0], [20.0, 20.0]),
            ([2.0, 2.0], [3.0, 3.0]),
            ([-3.0, 8.0], [8.0, 19.0]),
            ([12.0, 12.0], [12.0, 12.0]),
        ] {
            assert_relative_eq!(r.segment_distance(a, b), sq.segment_distance(a, b));
        }
    }

    proptest::proptest! {
        /// The box bound the world's clearance test prunes with never exceeds the
        /// polygon's own distance, for any polygon inside the box and any segment.
        #[test]
        fn rect_segment_distance_bounds_the_polygon_from_below(
            pts in proptest::collection::vec((-50.0..50.0f64, -50.0..50.0f64), 3..9),
            a in (-120.0..120.0f64, -120.0..120.0f64),
            b in (-120.0..120.0f64, -120.0..120.0f64),
        ) {
            let poly = Polygon::new(pts.iter().map(|&(x, y)| [x, y]).collect());
            let (a, b) = ([a.0, a.1], [b.0, b.1]);
            let lower = poly.bounds().segment_distance(a, b);
            proptest::prop_assert!(lower <= poly.segment_distance(a, b) + 1e-9);
            proptest::prop_assert!(poly.bounds().distance(a) <= poly.distance(a) + 1e-9);
        }

        /// `segment_within` answers what the threshold says of `segment_distance`, bit
        /// for bit, for thresholds of every size (the line of sight's among them).
        #[test]
        fn segment_within_is_the_threshold_of_the_distance(
            pts in proptest::collection::vec((-50.0..50.0f64, -50.0..50.0f64), 3..9),
            a in (-120.0..120.0f64, -120.0..120.0f64),
            b in (-120.0..120.0f64, -120.0..120.0f64),
            clear in 0.0..40.0f64,
            dz in 0.0..40.0f64,
        ) {
            let poly = Polygon::new(pts.iter().map(|&(x, y)| [x, y]).collect());
            let (a, b) = ([a.0, a.1], [b.0, b.1]);
            let near = |d: f64| (d * d + dz * dz).sqrt() < clear;
            proptest::prop_assert_eq!(
                poly.segment_within(a, b, clear, near),
                near(poly.segment_distance(a, b))
            );
            // At the distance itself, where rounding decides.
            let d = poly.segment_distance(a, b);
            let at = |x: f64| x < d.next_up();
            proptest::prop_assert_eq!(poly.segment_within(a, b, d, at), at(d));
        }
    }

    #[test]
    fn circle_contains_its_disc() {
        let c = Polygon::circle([0.0, 0.0], 10.0, 12);
        for k in 0..36 {
            let a = k as f64 * 10f64.to_radians();
            assert!(c.contains([9.99 * a.cos(), 9.99 * a.sin()]));
        }
    }
}
