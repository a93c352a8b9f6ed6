//! Loading a mission together with its world, with every input problem located.
//!
//! Entry point: [`load_mission`].
//!
//! ```no_run
//! let loaded = skylane_planner::load::load_mission("missions/monaco.ron".as_ref()).unwrap();
//! println!("{} buildings", loaded.world.buildings.len());
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::airspace::{ZoneFile, ZoneUse};
use crate::mission::{locate_all, Mission, MissionError, Problem};
use crate::plan::MapRef;
use crate::world::{World, WorldError};

/// A mission with its world, ready to plan.
#[derive(Debug)]
pub struct Loaded {
    /// The validated mission.
    pub mission: Mission,
    /// Its world.
    pub world: World,
    /// Where its map is, with its hash.
    pub map: MapRef,
    /// How many zones the mission's zone files held and how many became obstacles.
    pub zones: ZoneUse,
}

/// Anything wrong with the inputs of a plan.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The mission file is unreadable or invalid.
    #[error(transparent)]
    Mission(#[from] MissionError),
    /// The map cannot be read.
    #[error(transparent)]
    World(#[from] WorldError),
}

/// Reads and validates a mission file, reads its map and checks the mission against
/// the map (positions on the map, depots on open ground). Every problem, in the file
/// or against the map, is reported at once, located in the mission file; an unreadable
/// map is a problem of the `map` field.
///
/// The zone files are read here too; a problem in one is a problem of its
/// `airspace.zones_files[i]` entry. In the returned mission their paths are absolute,
/// so that a plan made from it rebuilds the same world wherever it is checked.
pub fn load_mission(path: &Path) -> Result<Loaded, LoadError> {
    let (mut mission, text) = Mission::read(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut problems = mission.problems(Some(base));
    let mut zone_files = Vec::new();
    for (i, f) in mission.airspace.zones_files.iter().enumerate() {
        let field = format!("airspace.zones_files[{i}]");
        if problems.iter().any(|p| p.field == field) {
            continue;
        }
        match ZoneFile::read(&base.join(f)) {
            Ok(z) => zone_files.push(z),
            Err(e) => problems.push(Problem { field, line: 0, column: 0, message: e.to_string() }),
        }
    }
    let mut zones = ZoneUse::default();
    // The map checks need the file and a sane origin for the local frame.
    let map_checkable = !problems.iter().any(|p| p.field == "map" || p.field.starts_with("origin"));
    let mut world = None;
    if map_checkable {
        match World::read_map(&mission, base) {
            Ok(map) => {
                let w = if problems.is_empty() {
                    match World::from_map_with_zone_files(map, &mission, &zone_files) {
                        Ok((w, usage)) => {
                            zones = usage;
                            w
                        }
                        Err(e) => {
                            let i = zone_files.iter().position(|z| z.path == e.path).unwrap_or(0);
                            problems.push(Problem {
                                field: format!("airspace.zones_files[{i}]"),
                                line: 0,
                                column: 0,
                                message: e.to_string(),
                            });
                            locate_all(&text, &mut problems);
                            return Err(MissionError::Invalid {
                                path: path.to_path_buf(),
                                problems,
                            }
                            .into());
                        }
                    }
                } else {
                    // Invalid zones (two points, floor above ceiling) must not reach the
                    // geometry; the map checks only need buildings and roads.
                    let mut bare = mission.clone();
                    bare.airspace.no_fly.clear();
                    World::from_map(map, &bare)
                };
                // A position that is already out of range is reported once, as such.
                let bad_position = |field: &str| {
                    problems.iter().any(|p| {
                        p.field == format!("{field}.lat_deg")
                            || p.field == format!("{field}.lon_deg")
                    })
                };
                // Pads are laid out with the clearance margin: an invalid margin is
                // reported once, as such, not again as pads that do not fit.
                let bad_margin = problems.iter().any(|p| p.field == "airspace.clearance_margin_m");
                let map_problems: Vec<Problem> = w
                    .mission_problems(&mission)
                    .into_iter()
                    .filter(|p| !bad_position(&p.field))
                    .filter(|p| !(bad_margin && p.field.ends_with(".pads")))
                    .collect();
                problems.extend(map_problems);
                world = Some(w);
            }
            Err(e) => problems.push(Problem {
                field: "map".into(),
                line: 0,
                column: 0,
                message: e.to_string(),
            }),
        }
    }
    let world = match world {
        Some(w) if problems.is_empty() => w,
        _ => {
            locate_all(&text, &mut problems);
            return Err(MissionError::Invalid { path: path.to_path_buf(), problems }.into());
        }
    };
    let map_path = base.join(&mission.map);
    let map_path = std::fs::canonicalize(&map_path).unwrap_or(map_path);
    let sha256 = file_sha256(&map_path)
        .map_err(|e| WorldError::Map { path: map_path.clone(), message: e.to_string() })?;
    for f in &mut mission.airspace.zones_files {
        let p = base.join(&*f);
        *f = std::fs::canonicalize(&p).unwrap_or(p).display().to_string();
    }
    Ok(Loaded { mission, world, map: MapRef { path: map_path, sha256 }, zones })
}

/// Lower-case hex SHA-256 of a file.
pub fn file_sha256(path: &PathBuf) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
