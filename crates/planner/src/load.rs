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

use crate::mission::{locate_all, Mission, MissionError};
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
/// the map (positions on the map, depots on open ground).
pub fn load_mission(path: &Path) -> Result<Loaded, LoadError> {
    let mission = Mission::load(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let world = World::load(&mission, base)?;
    let mut problems = world.mission_problems(&mission);
    if !problems.is_empty() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        locate_all(&text, &mut problems);
        return Err(MissionError::Invalid { path: path.to_path_buf(), problems }.into());
    }
    let map_path = base.join(&mission.map);
    let map_path = std::fs::canonicalize(&map_path).unwrap_or(map_path);
    let sha256 = file_sha256(&map_path)
        .map_err(|e| WorldError::Map { path: map_path.clone(), message: e.to_string() })?;
    Ok(Loaded { mission, world, map: MapRef { path: map_path, sha256 } })
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
