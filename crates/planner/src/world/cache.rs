//! The parsed map kept between runs: reading a city's `.osm.pbf` extract costs far more
//! than the rest of loading a mission, and the result depends only on the file and the
//! mission's origin.
//!
//! Entry points: [`MapCache::read`] and [`MapCache::write`], under a [`MapKey`];
//! [`default_dir`] for the folder. [`crate::load::load_mission_with`] uses them.
//!
//! What is cached is the [`OsmMap`] (buildings, helipads, roads and extent in the
//! mission's local metres), not the [`super::World`]: zones, the ceiling and the BVH
//! depend on the rest of the mission and take about a millisecond to rebuild, and one
//! cached map then serves every mission on the same city and origin.
//!
//! One file per key, `map-<key>.bin`:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `SKYMAP\r\n` |
//! | 4 | [`FORMAT_VERSION`], little-endian |
//! | 32 | the key (SHA-256 of everything that shapes the map, see [`MapKey::new`]) |
//! | 8 | payload length, little-endian |
//! | 32 | SHA-256 of the payload |
//! | n | the payload: the map, serialised with `postcard` |
//!
//! Nothing in a file is trusted: a wrong magic, version or key, a length that does not
//! match, a checksum that does not match or a payload that does not decode to exactly
//! one map is a [`Miss`], and the caller parses the map again and replaces the file.
//! Files are written to a temporary name in the same folder and renamed into place, so a
//! reader never sees half a file written by another run.

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::osm::{
    HeightSource, MapAddress, MapBuilding, MapHelipad, MapRoad, OsmMap, CAR_CLASSES,
    DEFAULT_BUILDING_HEIGHT_M, HELIPAD_NODE_RADIUS_M, METRES_PER_LEVEL,
};
use super::polygon::{Polygon, Rect};
use crate::geo::LocalFrame;

/// Version of the file layout and of the map reader's rules. Bump it whenever
/// `world::osm` reads a map differently (new tags, new element kinds) or [`OsmMap`]'s
/// fields change: files of another version are never read.
pub const FORMAT_VERSION: u32 = 2;

const MAGIC: &[u8; 8] = b"SKYMAP\r\n";
const HEADER_BYTES: usize = 8 + 4 + 32 + 8 + 32;

/// The folder the CLI caches maps in unless told otherwise: `$SKYLANE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/skylane`, else `$HOME/.cache/skylane`; `None` when none of these is
/// set (empty values count as unset).
pub fn default_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name);
    dir_from(var("SKYLANE_CACHE_DIR"), var("XDG_CACHE_HOME"), var("HOME"))
}

fn dir_from(
    skylane: Option<OsString>,
    xdg_cache: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let set = |v: Option<OsString>| v.filter(|v| !v.is_empty()).map(PathBuf::from);
    set(skylane)
        .or_else(|| set(xdg_cache).map(|d| d.join("skylane")))
        .or_else(|| set(home).map(|h| h.join(".cache").join("skylane")))
}

/// Identity of a parsed map: the SHA-256 of the format version, the map file's SHA-256,
/// the mission origin (the local frame every coordinate is in) and the reader's
/// constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapKey([u8; 32]);

impl MapKey {
    /// The key of the map whose file has lower-case hex SHA-256 `map_sha256`, read in
    /// `frame`.
    pub fn new(map_sha256: &str, frame: &LocalFrame) -> MapKey {
        let mut h = Sha256::new();
        h.update(MAGIC);
        h.update(FORMAT_VERSION.to_le_bytes());
        h.update(map_sha256.as_bytes());
        h.update(frame.origin_lat_deg.to_le_bytes());
        h.update(frame.origin_lon_deg.to_le_bytes());
        for c in [DEFAULT_BUILDING_HEIGHT_M, METRES_PER_LEVEL, HELIPAD_NODE_RADIUS_M] {
            h.update(c.to_le_bytes());
        }
        for class in CAR_CLASSES {
            h.update(class.as_bytes());
            h.update([0]);
        }
        MapKey(h.finalize().into())
    }

    /// Lower-case hex.
    pub fn hex(&self) -> String {
        hex(&self.0)
    }
}

/// Why a cached map was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// No file for this key (a new map, a changed map or parameter, or a cleared cache).
    Absent,
    /// A readable file of another format version or key.
    Stale(String),
    /// A damaged file: truncated, wrong length, checksum mismatch, undecodable.
    Corrupt(String),
    /// The file exists but cannot be read.
    Unreadable(String),
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::Absent => write!(f, "not cached yet"),
            Miss::Stale(why) => write!(f, "stale ({why})"),
            Miss::Corrupt(why) => write!(f, "corrupt ({why})"),
            Miss::Unreadable(why) => write!(f, "unreadable ({why})"),
        }
    }
}

/// A folder of cached maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapCache {
    dir: PathBuf,
}

impl MapCache {
    /// The cache in `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> MapCache {
        MapCache { dir: dir.into() }
    }

    /// The cache's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the map of `key`.
    pub fn path(&self, key: &MapKey) -> PathBuf {
        self.dir.join(format!("map-{}.bin", key.hex()))
    }

    /// The cached map of `key`, or why there is none that can be trusted.
    pub fn read(&self, key: &MapKey) -> Result<OsmMap, Miss> {
        match std::fs::read(self.path(key)) {
            Ok(bytes) => decode(key, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Miss::Absent),
            Err(e) => Err(Miss::Unreadable(e.to_string())),
        }
    }

    /// Saves `map` under `key`, atomically: a temporary file in the same folder, flushed
    /// to disk, then renamed over the old one.
    pub fn write(&self, key: &MapKey, map: &OsmMap) -> std::io::Result<PathBuf> {
        let bytes = encode(key, map)?;
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path(key);
        let mut tmp = tempfile::NamedTempFile::with_prefix_in(".map-", &self.dir)?;
        tmp.write_all(&bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(path)
    }
}

/// The map as stored. Polygons are written as plain rings: their own serde form leaves out
/// empty hole lists, which a format without field names cannot read back.
#[derive(Serialize, Deserialize)]
struct Payload {
    buildings: Vec<(i64, Rings, f64, f64, HeightSource)>,
    helipads: Vec<(i64, String, Rings)>,
    roads: Vec<MapRoad>,
    addresses: Vec<(i64, String, [f64; 2])>,
    bounds: Option<Rect>,
}

/// Outer ring and holes.
type Rings = (Vec<[f64; 2]>, Vec<Vec<[f64; 2]>>);

impl Payload {
    fn of(map: &OsmMap) -> Payload {
        let rings = |p: &Polygon| (p.outer.clone(), p.holes.clone());
        Payload {
            buildings: map
                .buildings
                .iter()
                .map(|b| (b.osm_id, rings(&b.footprint), b.base_m, b.top_m, b.height_source))
                .collect(),
            helipads: map
                .helipads
                .iter()
                .map(|h| (h.osm_id, h.kind.clone(), rings(&h.footprint)))
                .collect(),
            roads: map.roads.clone(),
            addresses: map.addresses.iter().map(|a| (a.osm_id, a.label.clone(), a.pos_m)).collect(),
            bounds: map.bounds,
        }
    }

    fn into_map(self) -> OsmMap {
        let polygon = |(outer, holes): Rings| Polygon { outer, holes };
        OsmMap {
            buildings: self
                .buildings
                .into_iter()
                .map(|(osm_id, r, base_m, top_m, height_source)| MapBuilding {
                    osm_id,
                    footprint: polygon(r),
                    base_m,
                    top_m,
                    height_source,
                })
                .collect(),
            helipads: self
                .helipads
                .into_iter()
                .map(|(osm_id, kind, r)| MapHelipad { osm_id, kind, footprint: polygon(r) })
                .collect(),
            roads: self.roads,
            addresses: self
                .addresses
                .into_iter()
                .map(|(osm_id, label, pos_m)| MapAddress { osm_id, label, pos_m })
                .collect(),
            bounds: self.bounds,
        }
    }
}

/// The file content for `map` under `key`.
fn encode(key: &MapKey, map: &OsmMap) -> std::io::Result<Vec<u8>> {
    let payload = postcard::to_stdvec(&Payload::of(map)).map_err(std::io::Error::other)?;
    let mut out = Vec::with_capacity(HEADER_BYTES + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&key.0);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    Ok(out)
}

/// The map in `bytes` if every header field matches `key` and this build, and the
/// payload is whole and decodes to one map with nothing left over.
fn decode(key: &MapKey, bytes: &[u8]) -> Result<OsmMap, Miss> {
    if bytes.len() < HEADER_BYTES {
        let why = format!("{} bytes, shorter than the {HEADER_BYTES}-byte header", bytes.len());
        return Err(Miss::Corrupt(why));
    }
    let (header, payload) = bytes.split_at(HEADER_BYTES);
    if &header[..8] != MAGIC {
        return Err(Miss::Corrupt("not a skylane map cache file".into()));
    }
    // Fixed-width slices of a header already checked to be HEADER_BYTES long: the
    // conversions to arrays cannot fail.
    let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        let why = format!("format version {version}, this build reads {FORMAT_VERSION}");
        return Err(Miss::Stale(why));
    }
    if header[12..44] != key.0 {
        return Err(Miss::Stale(format!("written for key {}", hex(&header[12..44]))));
    }
    let length = u64::from_le_bytes(header[44..52].try_into().expect("8 bytes"));
    if length != payload.len() as u64 {
        let why = format!("payload of {} bytes, the header says {length}", payload.len());
        return Err(Miss::Corrupt(why));
    }
    if Sha256::digest(payload).as_slice() != &header[52..84] {
        return Err(Miss::Corrupt("payload checksum mismatch".into()));
    }
    match postcard::take_from_bytes::<Payload>(payload) {
        Ok((map, [])) => Ok(map.into_map()),
        Ok((_, rest)) => Err(Miss::Corrupt(format!("{} bytes after the map", rest.len()))),
        Err(e) => Err(Miss::Corrupt(format!("cannot decode the map: {e}"))),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
