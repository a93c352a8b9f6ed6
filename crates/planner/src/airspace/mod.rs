//! Published airspace: UAS geographical zone files (EUROCAE ED-269 JSON and GeoJSON)
//! turned into the world's no-fly volumes.
//!
//! Entry points: [`ZoneFile::read`] reads and parses a file; [`world_zones`] converts the
//! zones of some files into [`crate::world::Zone`]s for one mission. A mission lists its
//! files in `airspace.zones_files` (paths relative to the mission file) and
//! [`crate::world::World::load`] / [`crate::load::load_mission`] read them with the map.
//!
//! ## What is read
//!
//! * **ED-269**: a JSON object with a `UASZoneList` (or the same zones under `features`,
//!   as some publishers write it). Each zone has an `identifier`, a `restriction`,
//!   `restrictionConditions`, `applicability` and a list of `geometry` entries, each with
//!   `uomDimensions`, `lowerLimit`/`upperLimit`, `lowerVerticalReference`/
//!   `upperVerticalReference` and a `horizontalProjection` (`Polygon`, or `Circle` with
//!   `center` `[lon, lat]` and `radius` in `uomDimensions`).
//! * **GeoJSON**: a `FeatureCollection` of `Polygon`, `MultiPolygon` or `Point` features
//!   (a point needs a `radius` property, in the zone's unit). Limits come from
//!   `geometry.layer` (`lower`, `upper`, `lowerReference`, `upperReference`, `uom`: the
//!   EUROCAE ED-318 layout) or else from the properties under the ED-269 names. The
//!   restriction is `properties.restriction`, else `properties.type` (ED-318's name);
//!   a feature with neither is `PROHIBITED`.
//!
//! ## Conversion
//!
//! * **Heights.** The planner's heights are metres above the flat ground datum (OSM has
//!   no terrain). A limit of `h` in feet is `h × 0.3048` m; a flight level `FL n` is the
//!   pressure altitude `n × 100 ft` in the standard atmosphere, taken as AMSL (QNH
//!   1013.25 hPa assumed). Then `AGL` heights are used as they are, `AMSL` heights
//!   become `h − ground_amsl_m` and `WGS84` (ellipsoid) heights
//!   `h − geoid_height_m − ground_amsl_m`, with `ground_amsl_m` and `geoid_height_m`
//!   from the mission's airspace (both default 0). A missing lower limit is the ground,
//!   a missing upper limit unlimited; a volume whose top is at or below the ground is
//!   not an obstacle.
//! * **Restrictions.** `PROHIBITED` zones are obstacles. `REQ_AUTHORISATION` (or the US
//!   spelling) and `CONDITIONAL` zones are obstacles unless the mission's
//!   `authorisations` lists the zone's identifier or one of its
//!   `restrictionConditions`; the planner cannot check conditions, so it avoids the zone
//!   unless told the operation may enter it. `NO_RESTRICTION` zones are read and
//!   ignored.
//! * **Time.** See [`time`]. Each applicability entry is active always when
//!   `permanent` is `YES`, else within its `startDateTime`..`endDateTime` and, if it has
//!   daily periods (`schedule` or `dailyPeriod`), on their weekdays between their
//!   `startTime` and `endTime`. Times carry their time zone (`Z`, `+02:00`); a time
//!   without one is read on the mission clock. The mission clock is the local time of
//!   `airspace.date`, `airspace.utc_offset_h` hours ahead of UTC. Without a date the
//!   weekday and the validity period are unknown, so every listed weekday's period
//!   counts on the mission day and every validity period is assumed to include it: the
//!   planner then avoids a zone whenever it might be active. The resulting windows
//!   become zone windows (one world zone per window and volume).
//! * **Extent.** A zone whose bounding box (longitude/latitude) misses the area of
//!   interest (the map's buildings and roads, the depots and the orders, plus
//!   [`ZONE_AREA_PAD_M`]) is dropped before anything else about it is read, so national
//!   files with hundreds of zones cost little.
//!
//! Errors name the file, the zone's identifier and the field (a JSON path inside the
//! file).

mod formats;
pub mod time;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use formats::Format;
use formats::{FieldError, RawLimit, Shape, ZoneDef};
use time::{merge_windows, parse_date_time, parse_weekday, parse_zoned_time, MissionClock};

use crate::geo::LocalFrame;
use crate::mission::{Airspace, Mission};
use crate::world::{Polygon, Rect, Zone};

/// How far beyond the mapped area (buildings, roads, depots, orders) zones are kept, m.
pub const ZONE_AREA_PAD_M: f64 = 2_000.0;

/// Sides of the polygon that stands for a circular zone (circumscribed, so it contains
/// the circle).
pub const CIRCLE_SIDES: usize = 48;

/// Metres per foot.
const FT_M: f64 = 0.3048;

/// A parsed zone file, not yet converted.
#[derive(Debug, Clone)]
pub struct ZoneFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    doc: Value,
}

/// A problem in a zone file: the file, the zone (when the problem is inside one) and
/// the field.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneFileError {
    /// The file.
    pub path: PathBuf,
    /// The zone's identifier, when the problem is inside a zone that has one.
    pub zone: Option<String>,
    /// JSON path of the field, e.g. `UASZoneList[2].geometry[0].lowerLimit`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ZoneFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path.display())?;
        if let Some(z) = &self.zone {
            write!(f, "zone {z:?}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ZoneFileError {}

impl ZoneFile {
    /// Reads and parses a zone file (format detected from its content).
    pub fn read(path: &Path) -> Result<ZoneFile, ZoneFileError> {
        let text = std::fs::read_to_string(path).map_err(|e| ZoneFileError {
            path: path.to_path_buf(),
            zone: None,
            field: String::new(),
            message: format!("cannot read zone file: {e}"),
        })?;
        ZoneFile::parse(path, &text)
    }

    /// Parses zone file text; `path` is only used in errors.
    pub fn parse(path: &Path, text: &str) -> Result<ZoneFile, ZoneFileError> {
        let err = |message: String| ZoneFileError {
            path: path.to_path_buf(),
            zone: None,
            field: String::new(),
            message,
        };
        let doc: Value = serde_json::from_str(text).map_err(|e| {
            err(format!("not JSON (line {}, column {}): {e}", e.line(), e.column()))
        })?;
        let (format, _) = formats::zone_values(&doc).map_err(err)?;
        Ok(ZoneFile { path: path.to_path_buf(), format, doc })
    }

    /// Number of zones in the file.
    pub fn zone_count(&self) -> usize {
        formats::zone_values(&self.doc).map(|(_, z)| z.len()).unwrap_or(0)
    }
}

/// What a mission says about reading its zone files.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneSettings {
    /// The mission day and its time zone.
    pub clock: MissionClock,
    /// Ground elevation above mean sea level, m.
    pub ground_amsl_m: f64,
    /// Height of the geoid above the WGS84 ellipsoid at the mission, m.
    pub geoid_height_m: f64,
    /// Authorisations the operation holds (zone identifiers or restriction condition
    /// codes).
    pub authorisations: Vec<String>,
}

impl ZoneSettings {
    /// The settings of a mission's airspace.
    pub fn from_mission(mission: &Mission) -> ZoneSettings {
        let a = &mission.airspace;
        ZoneSettings {
            clock: MissionClock { date: a.date, utc_offset_s: a.utc_offset_h * 3600.0 },
            ground_amsl_m: a.ground_amsl_m,
            geoid_height_m: a.geoid_height_m,
            authorisations: a.authorisations.clone(),
        }
    }
}

/// What happened to the zones of the files: how many were read and used, and why the
/// others were not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneUse {
    /// Files read.
    pub files: usize,
    /// Zones in those files.
    pub read: usize,
    /// Zones that became obstacles.
    pub used: usize,
    /// World zones made from them (one per volume and time window).
    pub volumes: usize,
    /// Zones whose bounding box misses the mission's area.
    pub outside_map: usize,
    /// Zones the mission's authorisations open.
    pub authorised: usize,
    /// `NO_RESTRICTION` zones.
    pub not_restricting: usize,
    /// Zones not active at any time of the mission day.
    pub inactive: usize,
    /// Zones whose every volume lies at or below the ground.
    pub below_ground: usize,
}

impl fmt::Display for ZoneUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} read from {} file(s), {} used ({} volume(s))",
            self.read, self.files, self.used, self.volumes
        )?;
        let skipped: Vec<String> = [
            (self.outside_map, "outside the map"),
            (self.authorised, "authorised"),
            (self.not_restricting, "no restriction"),
            (self.inactive, "not active that day"),
            (self.below_ground, "below ground"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| format!("{n} {why}"))
        .collect();
        if !skipped.is_empty() {
            write!(f, "; skipped: {}", skipped.join(", "))?;
        }
        Ok(())
    }
}

/// Checks the zone-file fields of a mission's airspace (the files exist when `base_dir`
/// is given, authorisations are not blank, the height and time settings are sane),
/// reporting each problem with its field path through `push`.
pub fn airspace_problems(
    a: &Airspace,
    base_dir: Option<&Path>,
    push: &mut impl FnMut(String, String),
) {
    for (i, f) in a.zones_files.iter().enumerate() {
        if let Some(base) = base_dir {
            let p = base.join(f);
            if !p.is_file() {
                push(
                    format!("airspace.zones_files[{i}]"),
                    format!(
                        "zone file {} not found (the path is relative to the mission file)",
                        p.display()
                    ),
                );
            }
        }
    }
    for (i, s) in a.authorisations.iter().enumerate() {
        if s.trim().is_empty() {
            push(format!("airspace.authorisations[{i}]"), "must not be empty".into());
        }
    }
    for (name, v, lo, hi) in [
        ("ground_amsl_m", a.ground_amsl_m, -500.0, 9000.0),
        ("geoid_height_m", a.geoid_height_m, -150.0, 150.0),
        ("utc_offset_h", a.utc_offset_h, -12.0, 14.0),
    ] {
        if !(v.is_finite() && (lo..=hi).contains(&v)) {
            push(format!("airspace.{name}"), format!("must be in {lo}..={hi}, got {v}"));
        }
    }
}

/// Converts the zones of `files` into world zones in `frame` (see the module docs),
/// keeping only those whose bounding box meets `area` (local metres).
pub fn world_zones(
    files: &[ZoneFile],
    settings: &ZoneSettings,
    frame: &LocalFrame,
    area: Rect,
) -> Result<(Vec<Zone>, ZoneUse), ZoneFileError> {
    // The area's longitude/latitude box: the cheap first test.
    let (lat0, lon0) = frame.to_geodetic(area.min);
    let (lat1, lon1) = frame.to_geodetic(area.max);
    let area_box = [lon0.min(lon1), lat0.min(lat1), lon0.max(lon1), lat0.max(lat1)];
    let meets = |b: [f64; 4]| {
        b[0] <= area_box[2] && b[2] >= area_box[0] && b[1] <= area_box[3] && b[3] >= area_box[1]
    };
    let mut out = Vec::new();
    let mut usage = ZoneUse { files: files.len(), ..ZoneUse::default() };
    for file in files {
        let fail = |(zone, field, message): FieldError| ZoneFileError {
            path: file.path.clone(),
            zone,
            field,
            message,
        };
        let (format, zones) =
            formats::zone_values(&file.doc).map_err(|m| fail((None, String::new(), m)))?;
        for (path, z) in zones {
            usage.read += 1;
            let at = formats::locate(format, &path, z);
            let volumes = formats::volumes(format, &at, z).map_err(fail)?;
            if !volumes.iter().any(|v| meets(v.shape.lon_lat_bounds())) {
                usage.outside_map += 1;
                continue;
            }
            let mut def = formats::attributes(format, &at, z).map_err(fail)?;
            def.volumes = volumes;
            let made = convert(&def, format, settings, frame).map_err(fail)?;
            match made {
                Converted::Zones(zs) => {
                    usage.used += 1;
                    usage.volumes += zs.len();
                    out.extend(zs);
                }
                Converted::NotRestricting => usage.not_restricting += 1,
                Converted::Authorised => usage.authorised += 1,
                Converted::Inactive => usage.inactive += 1,
                Converted::BelowGround => usage.below_ground += 1,
            }
        }
    }
    Ok((out, usage))
}

enum Converted {
    Zones(Vec<Zone>),
    NotRestricting,
    Authorised,
    Inactive,
    BelowGround,
}

fn convert(
    def: &ZoneDef,
    format: Format,
    s: &ZoneSettings,
    frame: &LocalFrame,
) -> Result<Converted, FieldError> {
    let id = def.at.identifier.clone();
    let err = |field: &str, message: String| (id.clone(), field.to_string(), message);
    let restriction = match &def.restriction {
        Some(r) => r.to_ascii_uppercase().replace("AUTHORIZATION", "AUTHORISATION"),
        None if format == Format::GeoJson => "PROHIBITED".to_string(),
        None => return Err(err(&def.restriction_field, "missing restriction".into())),
    };
    match restriction.as_str() {
        "PROHIBITED" => {}
        "REQ_AUTHORISATION" | "CONDITIONAL" => {
            let opens = |a: &String| {
                def.at.identifier.as_ref() == Some(a) || def.conditions.iter().any(|c| c == a)
            };
            if s.authorisations.iter().any(opens) {
                return Ok(Converted::Authorised);
            }
        }
        "NO_RESTRICTION" => return Ok(Converted::NotRestricting),
        other => {
            return Err(err(
                &def.restriction_field,
                format!(
                    "unknown restriction {other:?} (expected PROHIBITED, REQ_AUTHORISATION, \
                     CONDITIONAL or NO_RESTRICTION)"
                ),
            ))
        }
    }
    let windows: Vec<Option<(f64, f64)>> = match windows(def, &s.clock)? {
        None => vec![None],
        Some(w) if w.is_empty() => return Ok(Converted::Inactive),
        Some(w) => w.into_iter().map(Some).collect(),
    };
    let name = def.at.identifier.clone().unwrap_or_else(|| def.at.path.clone());
    let mut zones = Vec::new();
    let n = def.volumes.len();
    for (k, v) in def.volumes.iter().enumerate() {
        let floor = height_agl(&v.lower, false, s).map_err(|m| err(&v.lower.field, m))?;
        let top = height_agl(&v.upper, true, s).map_err(|m| err(&v.upper.field, m))?;
        if top <= floor {
            return Err(err(
                &v.upper.field,
                format!(
                    "upper limit ({top:.1} m above ground) is not above the lower limit \
                     ({floor:.1} m above ground)"
                ),
            ));
        }
        if top <= 0.0 {
            continue;
        }
        let footprint = match &v.shape {
            Shape::Polygon(rings) => {
                let local = |ring: &Vec<[f64; 2]>| -> Vec<[f64; 2]> {
                    ring.iter().map(|p| frame.to_local(p[1], p[0])).collect()
                };
                let mut poly = Polygon::new(local(&rings[0]));
                poly.holes = rings[1..].iter().map(local).collect();
                poly
            }
            Shape::Circle { centre, radius_m } => {
                Polygon::circle(frame.to_local(centre[1], centre[0]), *radius_m, CIRCLE_SIDES)
            }
        };
        let id = if n > 1 { format!("{name} (volume {} of {n})", k + 1) } else { name.clone() };
        for w in &windows {
            zones.push(Zone {
                id: id.clone(),
                footprint: footprint.clone(),
                floor_m: floor.max(0.0),
                ceiling_m: top,
                window_s: *w,
            });
        }
    }
    if zones.is_empty() {
        return Ok(Converted::BelowGround);
    }
    Ok(Converted::Zones(zones))
}

/// A limit in metres above the ground datum (see the module docs).
fn height_agl(l: &RawLimit, upper: bool, s: &ZoneSettings) -> Result<f64, String> {
    let Some(v) = l.value else {
        return Ok(if upper { f64::INFINITY } else { 0.0 });
    };
    let uom = l.uom.to_ascii_uppercase();
    let (metres, pressure) = match uom.as_str() {
        "M" => (v, false),
        "FT" => (v * FT_M, false),
        "FL" => (v * 100.0 * FT_M, true),
        other => return Err(format!("unknown unit {other:?} (expected M, FT or FL)")),
    };
    let reference = l.reference.to_ascii_uppercase();
    if pressure {
        return Ok(metres - s.ground_amsl_m);
    }
    match reference.as_str() {
        "AGL" | "SFC" | "GND" => Ok(metres),
        "AMSL" | "MSL" | "STD" => Ok(metres - s.ground_amsl_m),
        "WGS84" => Ok(metres - s.geoid_height_m - s.ground_amsl_m),
        other => Err(format!("unknown vertical reference {other:?} (expected AGL, AMSL or WGS84)")),
    }
}

/// The zone's active windows in mission time; `None` when always active.
fn windows(def: &ZoneDef, clock: &MissionClock) -> Result<Option<Vec<(f64, f64)>>, FieldError> {
    if def.applicability.is_empty() {
        return Ok(None);
    }
    let id = def.at.identifier.clone();
    let err = |field: String, message: String| (id.clone(), field, message);
    let mut all = Vec::new();
    for a in &def.applicability {
        if a.permanent {
            return Ok(None);
        }
        let bound = |text: &Option<String>, key: &str, none: f64| -> Result<f64, FieldError> {
            match text {
                None => Ok(none),
                Some(t) => {
                    let u = parse_date_time(t, clock.utc_offset_s)
                        .map_err(|m| err(format!("{}.{key}", a.field), m))?;
                    // Without a date the period cannot be placed: assume it covers the day.
                    Ok(clock.mission_time_of(u).unwrap_or(none))
                }
            }
        };
        let lo = bound(&a.start, "startDateTime", f64::NEG_INFINITY)?;
        let hi = bound(&a.end, "endDateTime", f64::INFINITY)?;
        if a.daily.is_empty() {
            if lo == f64::NEG_INFINITY && hi == f64::INFINITY {
                return Ok(None);
            }
            if lo < hi {
                all.push((lo, hi));
            }
            continue;
        }
        for d in &a.daily {
            let mut days = Vec::new();
            let mut any = d.days.is_empty();
            for name in &d.days {
                if name.eq_ignore_ascii_case("ANY") {
                    any = true;
                } else {
                    days.push(parse_weekday(name).ok_or_else(|| {
                        err(format!("{}.day", d.field), format!("unknown weekday {name:?}"))
                    })?);
                }
            }
            let time = |t: &Option<String>, key: &str, default_s: f64| match t {
                None => Ok(time::ZonedTime { seconds: default_s, utc_offset_s: None }),
                Some(t) => parse_zoned_time(t).map_err(|m| err(format!("{}.{key}", d.field), m)),
            };
            let start = time(&d.start, "startTime", 0.0)?;
            let mut end = time(&d.end, "endTime", time::DAY_S)?;
            if d.end.is_none() {
                end.utc_offset_s = start.utc_offset_s;
            }
            let w = clock.daily_windows(if any { None } else { Some(days.as_slice()) }, start, end);
            for (from, to) in w {
                let (from, to) = (from.max(lo), to.min(hi));
                if from < to {
                    all.push((from, to));
                }
            }
        }
    }
    // Windows wholly before the mission day's midnight cannot matter.
    let merged: Vec<(f64, f64)> = merge_windows(all).into_iter().filter(|w| w.1 >= 0.0).collect();
    Ok(Some(merged))
}

#[cfg(test)]
mod tests;
