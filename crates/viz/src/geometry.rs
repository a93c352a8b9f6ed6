//! Mesh building from the plan's map, without a GPU: extruded building and zone prisms,
//! road ribbons and small markers, all merged into a few [`MeshData`] buffers.
//!
//! Everything here works on plain vectors in Bevy world space (see [`crate::coords`]);
//! [`MeshData::into_mesh`] turns a buffer into a Bevy [`Mesh`] at the end. Footprints
//! from OpenStreetMap can be degenerate (repeated points, zero area, self-touching
//! rings): such rings are cleaned or skipped, never a panic.

use bevy::asset::RenderAssetUsages;
use bevy::math::Vec3;
use bevy::mesh::{Indices, Mesh};
use bevy::render::render_resource::PrimitiveTopology;
use skylane_planner::world::Polygon;

use crate::coords::ground_to_bevy;

/// Vertex and index buffers of one merged, flat-shaded, vertex-coloured triangle mesh.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeshData {
    /// Vertex positions, Bevy world space.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals (unit length).
    pub normals: Vec<[f32; 3]>,
    /// Linear RGBA vertex colours.
    pub colors: Vec<[f32; 4]>,
    /// Triangle list, counter-clockwise seen from the side the normal points to.
    pub indices: Vec<u32>,
}

impl MeshData {
    /// Number of triangles.
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    /// Whether the buffer holds no triangle.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Adds one triangle facing `normal`; the winding is fixed up to match it.
    pub fn push_triangle(&mut self, tri: [Vec3; 3], normal: Vec3, color: [f32; 4]) {
        let geometric = (tri[1] - tri[0]).cross(tri[2] - tri[0]);
        let order = if geometric.dot(normal) < 0.0 { [0, 2, 1] } else { [0, 1, 2] };
        let base = self.positions.len() as u32;
        for k in order {
            self.positions.push(tri[k].to_array());
            self.normals.push(normal.to_array());
            self.colors.push(color);
        }
        self.indices.extend([base, base + 1, base + 2]);
    }

    /// Adds a planar quad `a b c d` (in order around its edge) facing `normal`.
    pub fn push_quad(&mut self, quad: [Vec3; 4], normal: Vec3, color: [f32; 4]) {
        self.push_triangle([quad[0], quad[1], quad[2]], normal, color);
        self.push_triangle([quad[0], quad[2], quad[3]], normal, color);
    }

    /// Appends another buffer.
    pub fn append(&mut self, other: &MeshData) {
        let base = self.positions.len() as u32;
        self.positions.extend_from_slice(&other.positions);
        self.normals.extend_from_slice(&other.normals);
        self.colors.extend_from_slice(&other.colors);
        self.indices.extend(other.indices.iter().map(|i| i + base));
    }

    /// The Bevy mesh (kept in the render world only: it never changes).
    pub fn into_mesh(self) -> Mesh {
        Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::RENDER_WORLD)
            .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, self.positions)
            .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, self.normals)
            .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, self.colors)
            .with_inserted_indices(Indices::U32(self.indices))
    }
}

/// Twice the signed area of a ring (positive when counter-clockwise seen from above).
fn doubled_area(ring: &[[f64; 2]]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

/// A ring without non-finite points, repeated consecutive points or a closing repeat,
/// oriented counter-clockwise (`ccw`) or clockwise; `None` when fewer than 3 points or
/// (almost) no area remain.
pub fn clean_ring(ring: &[[f64; 2]], ccw: bool) -> Option<Vec<[f64; 2]>> {
    const EPS_M: f64 = 1e-3;
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(ring.len());
    for p in ring.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
        if out.last().is_none_or(|q| (p[0] - q[0]).hypot(p[1] - q[1]) > EPS_M) {
            out.push(*p);
        }
    }
    while out.len() > 1 {
        let (f, l) = (out[0], out[out.len() - 1]);
        if (f[0] - l[0]).hypot(f[1] - l[1]) > EPS_M {
            break;
        }
        out.pop();
    }
    if out.len() < 3 {
        return None;
    }
    let area2 = doubled_area(&out);
    if area2.abs() < 1e-4 {
        return None;
    }
    if (area2 > 0.0) != ccw {
        out.reverse();
    }
    Some(out)
}

/// Triangulates a polygon with holes; indices into the concatenation of `outer` and the
/// holes. `None` when the ring set cannot be triangulated.
fn triangulate(outer: &[[f64; 2]], holes: &[Vec<[f64; 2]>]) -> Option<Vec<usize>> {
    let mut flat: Vec<f64> = Vec::with_capacity(2 * (outer.len() + holes.len() * 4));
    let mut hole_starts = Vec::with_capacity(holes.len());
    for p in outer {
        flat.extend_from_slice(p);
    }
    for h in holes {
        hole_starts.push(flat.len() / 2);
        for p in h {
            flat.extend_from_slice(p);
        }
    }
    let n = flat.len() / 2;
    // earcut guards its inputs, but a panic on an odd OSM ring must only skip that ring.
    let result = std::panic::catch_unwind(|| earcutr::earcut(&flat, &hole_starts, 2)).ok()?;
    let tris = result.ok()?;
    (!tris.is_empty() && tris.len() % 3 == 0 && tris.iter().all(|&i| i < n)).then_some(tris)
}

/// Adds a vertical prism (walls and roof; a floor too when it floats above the ground)
/// over `footprint` between `base_m` and `top_m`. Returns `false`, adding nothing, when
/// the footprint cannot be triangulated or the heights are not a proper interval.
pub fn push_prism(
    out: &mut MeshData,
    footprint: &Polygon,
    base_m: f64,
    top_m: f64,
    color: [f32; 4],
) -> bool {
    if !(base_m.is_finite() && top_m.is_finite() && top_m > base_m) {
        return false;
    }
    let Some(outer) = clean_ring(&footprint.outer, true) else {
        return false;
    };
    let holes: Vec<Vec<[f64; 2]>> =
        footprint.holes.iter().filter_map(|h| clean_ring(h, false)).collect();
    let Some(tris) = triangulate(&outer, &holes) else {
        return false;
    };
    let all: Vec<[f64; 2]> = outer.iter().chain(holes.iter().flatten()).copied().collect();

    // Roof (and floor for raised volumes), one normal each.
    for t in tris.chunks_exact(3) {
        let roof = [
            ground_to_bevy(all[t[0]], top_m),
            ground_to_bevy(all[t[1]], top_m),
            ground_to_bevy(all[t[2]], top_m),
        ];
        if (roof[1] - roof[0]).cross(roof[2] - roof[0]).length_squared() < 1e-12 {
            continue;
        }
        out.push_triangle(roof, Vec3::Y, color);
        if base_m > 0.0 {
            let floor = roof.map(|v| Vec3::new(v.x, base_m as f32, v.z));
            out.push_triangle(floor, Vec3::NEG_Y, color);
        }
    }

    // Walls: rings are outer counter-clockwise and holes clockwise, so the solid is on
    // the left of every edge and the outward normal is the right-hand perpendicular.
    let wall_color = shade(color, 0.82);
    for ring in std::iter::once(&outer).chain(holes.iter()) {
        for i in 0..ring.len() {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len = dx.hypot(dy);
            if len < 1e-6 {
                continue;
            }
            let normal = ground_to_bevy([dy / len, -dx / len], 0.0);
            let quad = [
                ground_to_bevy(a, base_m),
                ground_to_bevy(b, base_m),
                ground_to_bevy(b, top_m),
                ground_to_bevy(a, top_m),
            ];
            out.push_quad(quad, normal, wall_color);
        }
    }
    true
}

/// Multiplies the RGB part of a colour by `k`.
pub fn shade(color: [f32; 4], k: f32) -> [f32; 4] {
    [color[0] * k, color[1] * k, color[2] * k, color[3]]
}

/// Adds a flat ribbon of `width_m` along a polyline, `height_m` above the ground, facing
/// up. Consecutive segments overlap at the joints (no mitre), which reads fine from above.
pub fn push_ribbon(
    out: &mut MeshData,
    points: &[[f64; 2]],
    width_m: f64,
    height_m: f64,
    color: [f32; 4],
) {
    let half = width_m / 2.0;
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = dx.hypot(dy);
        if !(len > 1e-6 && len.is_finite()) {
            continue;
        }
        // Extend each segment by half a width so joints close.
        let (ux, uy) = (dx / len, dy / len);
        let (a, b) = ([a[0] - ux * half, a[1] - uy * half], [b[0] + ux * half, b[1] + uy * half]);
        let (nx, ny) = (-uy * half, ux * half);
        let quad = [
            ground_to_bevy([a[0] - nx, a[1] - ny], height_m),
            ground_to_bevy([b[0] - nx, b[1] - ny], height_m),
            ground_to_bevy([b[0] + nx, b[1] + ny], height_m),
            ground_to_bevy([a[0] + nx, a[1] + ny], height_m),
        ];
        out.push_quad(quad, Vec3::Y, color);
    }
}

/// Road width to draw for an OSM `highway` class, m.
pub fn road_width_m(class: &str) -> f64 {
    match class {
        "motorway" | "trunk" | "primary" => 9.0,
        "motorway_link" | "trunk_link" | "primary_link" | "secondary" => 7.5,
        "secondary_link" | "tertiary" | "tertiary_link" => 6.5,
        "unclassified" | "residential" | "living_street" => 5.0,
        _ => 3.5,
    }
}

/// A regular `sides`-gon of radius `radius_m` around `centre` (map metres).
pub fn regular_polygon(centre: [f64; 2], radius_m: f64, sides: usize) -> Polygon {
    let outer = (0..sides.max(3))
        .map(|i| {
            let a = i as f64 / sides.max(3) as f64 * std::f64::consts::TAU;
            [centre[0] + radius_m * a.cos(), centre[1] + radius_m * a.sin()]
        })
        .collect();
    Polygon::new(outer)
}

/// Building colour by height: low buildings warm light stone, towers paler and cooler,
/// so heights read from far away.
pub fn building_color(top_m: f64) -> [f32; 4] {
    let k = ((top_m / 80.0).clamp(0.0, 1.0)) as f32;
    let low = [0.78, 0.70, 0.60];
    let high = [0.80, 0.84, 0.90];
    [
        low[0] + (high[0] - low[0]) * k,
        low[1] + (high[1] - low[1]) * k,
        low[2] + (high[2] - low[2]) * k,
        1.0,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Vec<[f64; 2]> {
        vec![[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s]]
    }

    /// Every triangle's winding agrees with its stored normal.
    fn assert_windings(m: &MeshData) {
        for t in m.indices.chunks_exact(3) {
            let p: Vec<Vec3> = t.iter().map(|&i| Vec3::from(m.positions[i as usize])).collect();
            let n = Vec3::from(m.normals[t[0] as usize]);
            let g = (p[1] - p[0]).cross(p[2] - p[0]);
            assert!(g.dot(n) > 0.0, "triangle {p:?} faces away from {n}");
        }
    }

    #[test]
    fn box_building_has_roof_and_four_walls() {
        let mut m = MeshData::default();
        assert!(push_prism(&mut m, &Polygon::new(square(0.0, 0.0, 10.0)), 0.0, 20.0, [1.0; 4]));
        // 2 roof triangles + 4 walls * 2.
        assert_eq!(m.triangle_count(), 10);
        assert_windings(&m);
        let top = m.positions.iter().map(|p| p[1]).fold(f32::MIN, f32::max);
        assert_eq!(top, 20.0);
        // The roof faces up, walls are horizontal normals pointing away from the centre.
        for (p, n) in m.positions.iter().zip(&m.normals) {
            if n[1] == 0.0 {
                let centre = Vec3::new(5.0, p[1], -5.0);
                assert!((Vec3::from(*p) - centre).dot(Vec3::from(*n)) > 0.0);
            }
        }
    }

    #[test]
    fn clockwise_footprint_still_faces_out() {
        let mut ring = square(0.0, 0.0, 10.0);
        ring.reverse();
        let mut m = MeshData::default();
        assert!(push_prism(&mut m, &Polygon::new(ring), 0.0, 5.0, [1.0; 4]));
        assert_windings(&m);
        let up = m.normals.iter().filter(|n| n[1] > 0.5).count();
        assert_eq!(up, 6);
    }

    #[test]
    fn courtyard_gets_inner_walls_facing_the_hole() {
        let mut p = Polygon::new(square(0.0, 0.0, 30.0));
        p.holes.push(square(10.0, 10.0, 10.0));
        let mut m = MeshData::default();
        assert!(push_prism(&mut m, &p, 0.0, 12.0, [1.0; 4]));
        assert_windings(&m);
        // 8 walls * 2 triangles plus the roof (8 triangles for a square annulus).
        assert_eq!(m.triangle_count(), 16 + 8);
        // Inner wall normals point towards the courtyard centre (15, 15) -> bevy (15, -15).
        let hole_centre = Vec3::new(15.0, 0.0, -15.0);
        for (p, n) in m.positions.iter().zip(&m.normals) {
            let p = Vec3::from(*p);
            let inner = (p.x - 15.0).abs() <= 5.0 && (p.z + 15.0).abs() <= 5.0;
            if n[1] == 0.0 && inner {
                let to_centre = Vec3::new(hole_centre.x - p.x, 0.0, hole_centre.z - p.z);
                assert!(to_centre.dot(Vec3::from(*n)) > 0.0);
            }
        }
    }

    #[test]
    fn degenerate_footprints_are_skipped_without_panic() {
        let mut m = MeshData::default();
        let cases = vec![
            Polygon::new(vec![]),
            Polygon::new(vec![[0.0, 0.0], [1.0, 1.0]]),
            Polygon::new(vec![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]),
            Polygon::new(vec![[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]),
            Polygon::new(vec![[f64::NAN, 0.0], [1.0, 0.0], [1.0, 1.0]]),
        ];
        for p in &cases {
            assert!(!push_prism(&mut m, p, 0.0, 10.0, [1.0; 4]));
        }
        assert!(m.is_empty());
        // Bad heights.
        assert!(!push_prism(&mut m, &Polygon::new(square(0.0, 0.0, 1.0)), 5.0, 5.0, [1.0; 4]));
        assert!(!push_prism(&mut m, &Polygon::new(square(0.0, 0.0, 1.0)), 0.0, f64::NAN, [1.0; 4]));
        assert!(m.is_empty());
    }

    #[test]
    fn self_touching_ring_does_not_panic() {
        // A bow tie and a ring that touches itself at one vertex (common in OSM).
        let bow = Polygon::new(vec![[0.0, 0.0], [10.0, 10.0], [10.0, 0.0], [0.0, 10.0]]);
        let touch = Polygon::new(vec![
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [5.0, 5.0],
            [0.0, 10.0],
            [5.0, 5.0],
        ]);
        let mut hole_outside = Polygon::new(square(0.0, 0.0, 5.0));
        hole_outside.holes.push(square(100.0, 100.0, 1.0));
        let mut m = MeshData::default();
        for p in [bow, touch, hole_outside] {
            let _ = push_prism(&mut m, &p, 0.0, 10.0, [1.0; 4]);
        }
        assert_windings(&m);
    }

    #[test]
    fn closing_point_and_duplicates_are_removed() {
        let ring = vec![[0.0, 0.0], [0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]];
        let r = clean_ring(&ring, true).unwrap();
        assert_eq!(r.len(), 4);
        assert!(doubled_area(&r) > 0.0);
        let r = clean_ring(&ring, false).unwrap();
        assert!(doubled_area(&r) < 0.0);
    }

    #[test]
    fn floating_zone_has_a_floor() {
        let mut m = MeshData::default();
        assert!(push_prism(&mut m, &Polygon::new(square(0.0, 0.0, 10.0)), 30.0, 60.0, [1.0; 4]));
        assert_eq!(m.triangle_count(), 12);
        assert!(m.normals.iter().any(|n| n[1] < -0.5));
        assert_windings(&m);
    }

    #[test]
    fn ribbons_face_up_and_skip_zero_segments() {
        let mut m = MeshData::default();
        push_ribbon(
            &mut m,
            &[[0.0, 0.0], [0.0, 0.0], [10.0, 0.0], [10.0, 10.0]],
            4.0,
            0.1,
            [1.0; 4],
        );
        assert_eq!(m.triangle_count(), 4);
        assert_windings(&m);
        assert!(m.positions.iter().all(|p| (p[1] - 0.1).abs() < 1e-6));
        // Half a width either side of the centre line.
        let zs: Vec<f32> = m.positions[..6].iter().map(|p| p[2]).collect();
        assert!(zs.iter().any(|z| (*z - 2.0).abs() < 1e-5));
        assert!(zs.iter().any(|z| (*z + 2.0).abs() < 1e-5));
    }

    #[test]
    fn append_offsets_indices() {
        let mut a = MeshData::default();
        push_prism(&mut a, &Polygon::new(square(0.0, 0.0, 1.0)), 0.0, 1.0, [1.0; 4]);
        let b = a.clone();
        a.append(&b);
        assert_eq!(a.triangle_count(), 2 * b.triangle_count());
        assert!(a.indices.iter().all(|&i| (i as usize) < a.positions.len()));
        assert_eq!(a.indices[b.indices.len()], b.positions.len() as u32);
    }

    #[test]
    fn markers_are_regular() {
        let p = regular_polygon([10.0, 0.0], 2.0, 6);
        assert_eq!(p.outer.len(), 6);
        for q in &p.outer {
            assert!(((q[0] - 10.0).hypot(q[1]) - 2.0).abs() < 1e-9);
        }
    }
}
