//! The coverage layer: where a package can be down within the promise, drawn as
//! translucent cells on the ground coloured by the minutes from order to doorstep
//! (`skylane-viz PLAN --coverage coverage.geojson`, the file `skylane coverage` writes).
//!
//! Entry points: [`load_coverage`] reads the file into a [`CoverageLayer`] resource,
//! [`coverage_mesh`] builds its mesh, [`CoverageLayerPlugin`] spawns it when the resource
//! is present.

use std::path::Path;

use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use skylane_planner::coverage::{read_union_geojson, CoverageArea};
use skylane_planner::geo::LocalFrame;

use crate::coords::ground_to_bevy;
use crate::geometry::MeshData;

/// Height of the layer above the ground, m: over the ground and road meshes, under any
/// roof.
pub const LAYER_HEIGHT_M: f64 = 0.6;
/// Opacity of the layer's cells: translucent, so streets and roofs show through.
pub const LAYER_ALPHA: f32 = 0.4;
const _: () = assert!(LAYER_ALPHA > 0.0 && LAYER_ALPHA < 1.0);
/// Minutes at the red end of the colour ramp, unless a cell takes longer: the standard
/// delivery promise.
pub const RAMP_MINUTES: f64 = 30.0;

/// The union of a coverage file's cells, in map metres.
#[derive(Resource, Debug, Clone, Default)]
pub struct CoverageLayer {
    /// The covered cells with their minutes.
    pub areas: Vec<CoverageArea>,
}

/// Reads a coverage GeoJSON into the layer, in the map's `frame`; the error names the
/// file, the feature and the field.
pub fn load_coverage(path: &Path, frame: &LocalFrame) -> Result<CoverageLayer, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read coverage file: {e}", path.display()))?;
    let areas = read_union_geojson(&text, frame).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(CoverageLayer { areas })
}

/// The ramp's colour for `minutes` of `full_minutes`: green when quick, yellow at half,
/// red at the end; linear RGBA with the layer's opacity.
pub fn minutes_color(minutes: f64, full_minutes: f64) -> [f32; 4] {
    let t = (minutes / full_minutes).clamp(0.0, 1.0) as f32;
    let (r, g) = if t < 0.5 { (2.0 * t, 0.8) } else { (1.0, 0.8 * (2.0 - 2.0 * t)) };
    [r, g, 0.1, LAYER_ALPHA]
}

/// One flat mesh of every cell, each a fan over its ring (the cells `skylane coverage`
/// writes are squares, so convex), facing up.
pub fn coverage_mesh(layer: &CoverageLayer) -> MeshData {
    let full = layer.areas.iter().map(|a| a.minutes).fold(RAMP_MINUTES, f64::max);
    let mut mesh = MeshData::default();
    for area in &layer.areas {
        // The ring is closed: its last point repeats the first.
        let ring = &area.ring_m[..area.ring_m.len().saturating_sub(1)];
        if ring.len() < 3 {
            continue;
        }
        let color = minutes_color(area.minutes, full);
        let corner = |p: [f64; 2]| ground_to_bevy(p, LAYER_HEIGHT_M);
        for pair in ring[1..].windows(2) {
            mesh.push_triangle([corner(ring[0]), corner(pair[0]), corner(pair[1])], Vec3::Y, color);
        }
    }
    mesh
}

/// Spawns the coverage layer when a [`CoverageLayer`] resource was inserted.
pub struct CoverageLayerPlugin;

impl Plugin for CoverageLayerPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, spawn_coverage.run_if(resource_exists::<CoverageLayer>));
    }
}

fn spawn_coverage(
    mut commands: Commands,
    layer: Res<CoverageLayer>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let mesh = coverage_mesh(&layer);
    if mesh.is_empty() {
        return;
    }
    commands.spawn((
        Name::new("coverage"),
        Mesh3d(meshes.add(mesh.into_mesh())),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::WHITE,
            alpha_mode: AlphaMode::Blend,
            unlit: true,
            ..default()
        })),
        NotShadowCaster,
        NotShadowReceiver,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(c: [f64; 2], minutes: f64) -> CoverageArea {
        let h = 25.0;
        let ring_m =
            [[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]].map(|d| [c[0] + d[0], c[1] + d[1]]);
        CoverageArea { ring_m: ring_m.to_vec(), minutes }
    }

    #[test]
    fn each_square_is_two_upward_triangles_above_the_ground() {
        let layer =
            CoverageLayer { areas: vec![square([0.0, 0.0], 5.0), square([50.0, 0.0], 25.0)] };
        let mesh = coverage_mesh(&layer);
        assert_eq!(mesh.triangle_count(), 4);
        // A degenerate outline (not from the reader, which refuses it) draws nothing.
        let mut with_degenerate = layer.clone();
        let line = CoverageArea { ring_m: vec![[0.0, 0.0], [1.0, 1.0]], minutes: 1.0 };
        with_degenerate.areas.push(line);
        assert_eq!(coverage_mesh(&with_degenerate).triangle_count(), 4);
        assert!(mesh.positions.iter().all(|p| (p[1] - LAYER_HEIGHT_M as f32).abs() < 1e-5));
        assert!(mesh.normals.iter().all(|n| *n == [0.0, 1.0, 0.0]));
        // Counter-clockwise seen from above: every triangle's geometric normal is up.
        for t in mesh.indices.chunks(3) {
            let p: Vec<Vec3> = t.iter().map(|&i| Vec3::from(mesh.positions[i as usize])).collect();
            assert!((p[1] - p[0]).cross(p[2] - p[0]).y > 0.0);
        }
        // The quick cell is greener than the slow one.
        let quick = mesh.colors[0];
        let slow = mesh.colors[mesh.colors.len() - 1];
        assert!(quick[1] > slow[1] && quick[0] < slow[0], "{quick:?} {slow:?}");
    }

    #[test]
    fn the_ramp_runs_green_yellow_red_and_stays_translucent() {
        assert_eq!(minutes_color(0.0, 30.0), [0.0, 0.8, 0.1, LAYER_ALPHA]);
        assert_eq!(minutes_color(15.0, 30.0), [1.0, 0.8, 0.1, LAYER_ALPHA]);
        assert_eq!(minutes_color(30.0, 30.0), [1.0, 0.0, 0.1, LAYER_ALPHA]);
        assert_eq!(minutes_color(45.0, 30.0), minutes_color(30.0, 30.0));
    }

    #[test]
    fn an_unreadable_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let frame = LocalFrame::new(43.73, 7.42);
        let e = load_coverage(&dir.path().join("nope.geojson"), &frame).unwrap_err();
        assert!(e.contains("nope.geojson") && e.contains("cannot read"), "{e}");
        let bad = dir.path().join("bad.geojson");
        std::fs::write(&bad, r#"{"features": []}"#).unwrap();
        let e = load_coverage(&bad, &frame).unwrap_err();
        assert!(e.contains("bad.geojson") && e.contains("no covered cell"), "{e}");
    }
}
