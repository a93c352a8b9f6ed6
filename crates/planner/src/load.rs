//! Loading a mission together with its world, with every input problem located.
//!
//! Entry points: [`load_mission`], and [`load_mission_with`] to keep the parsed map in a
//! cache folder between runs ([`crate::world::cache`]).
//!
//! ```no_run
//! let loaded = skylane_planner::load::load_mission("missions/monaco.ron".as_ref()).unwrap();
//! println!("{} buildings", loaded.world.buildings.len());
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::airspace::{ZoneFile, ZoneUse};
use crate::geo::LocalFrame;
use crate::mission::{locate_all, Mission, MissionError, Problem};
use crate::plan::MapRef;
use crate::world::cache::{MapCache, MapKey, Miss};
use crate::world::{OsmMap, World, WorldError};

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
    /// Where the parsed map came from.
    pub cache: CacheUse,
}

/// How [`load_mission_with`] loads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Folder of the map cache; `None` parses the map on every load and writes nothing.
    pub cache_dir: Option<PathBuf>,
}

/// What the map cache did for one load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheUse {
    /// No cache was asked for: the map was parsed.
    Off,
    /// The map was read from this cache file.
    Hit(PathBuf),
    /// The map was parsed because the cache could not serve it, and saved to `file`.
    Rebuilt {
        /// The cache file for this map.
        file: PathBuf,
        /// Why the cache could not serve it.
        miss: Miss,
        /// Whether saving it worked (the plan goes on either way).
        written: Result<(), String>,
    },
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
    load_mission_with(path, &LoadOptions::default())
}

/// [`load_mission`], with the parsed map taken from (and saved to) the cache folder of
/// `options` when it has one. The world is the same either way.
pub fn load_mission_with(path: &Path, options: &LoadOptions) -> Result<Loaded, LoadError> {
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
    let mut map_read = None;
    if map_checkable {
        match read_map(&mission, base, options) {
            Ok((map, sha256, cache)) => {
                map_read = Some((sha256, cache));
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
    let (world, (sha256, cache)) = match (world, map_read) {
        (Some(w), Some(read)) if problems.is_empty() => (w, read),
        _ => {
            locate_all(&text, &mut problems);
            return Err(MissionError::Invalid { path: path.to_path_buf(), problems }.into());
        }
    };
    let map_path = base.join(&mission.map);
    let map_path = std::fs::canonicalize(&map_path).unwrap_or(map_path);
    for f in &mut mission.airspace.zones_files {
        let p = base.join(&*f);
        *f = std::fs::canonicalize(&p).unwrap_or(p).display().to_string();
    }
    Ok(Loaded { mission, world, map: MapRef { path: map_path, sha256 }, zones, cache })
}

/// The mission's map, its file's SHA-256 (of the same bytes that were parsed, so the key
/// and the content cannot disagree) and what the cache did.
fn read_map(
    mission: &Mission,
    base: &Path,
    options: &LoadOptions,
) -> Result<(OsmMap, String, CacheUse), WorldError> {
    let path = base.join(&mission.map);
    let bytes = std::fs::read(&path)
        .map_err(|e| WorldError::Map { path: path.clone(), message: e.to_string() })?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let frame = LocalFrame::new(mission.origin.lat_deg, mission.origin.lon_deg);
    let Some(dir) = &options.cache_dir else {
        return Ok((World::map_from_bytes(&path, &bytes, &frame)?, sha256, CacheUse::Off));
    };
    let cache = MapCache::new(dir);
    let key = MapKey::new(&sha256, &frame);
    let file = cache.path(&key);
    let miss = match cache.read(&key) {
        Ok(map) if map.bounds.is_some() => return Ok((map, sha256, CacheUse::Hit(file))),
        Ok(_) => Miss::Corrupt("the cached map has no nodes".into()),
        Err(miss) => miss,
    };
    let map = World::map_from_bytes(&path, &bytes, &frame)?;
    let written = cache.write(&key, &map).map(|_| ()).map_err(|e| e.to_string());
    Ok((map, sha256, CacheUse::Rebuilt { file, miss, written }))
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
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
