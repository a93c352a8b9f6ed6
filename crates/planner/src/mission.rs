//! The mission file: schema, loading with line/column errors, and validation.
//!
//! Entry points: [`Mission::load`] reads and validates a `.ron` file, returning every
//! problem at once as a [`MissionError`]; [`Mission::from_ron_str`] does the same from
//! text. A mission names its city map (an `.osm.pbf`, relative to the mission file),
//! airspace, weather, depots, fleet, orders and policy. Positions are WGS84 degrees here;
//! the rest of the engine sees local metres through [`crate::geo::LocalFrame`].
//!
//! ```
//! use skylane_planner::mission::Mission;
//! let text = r#"Mission(
//!     name: "demo",
//!     origin: (lat_deg: 43.73, lon_deg: 7.42),
//!     map: "city.osm.pbf",
//!     depots: [(id: "nest", lat_deg: 43.73, lon_deg: 7.42, kind: Drone, pads: 2)],
//!     fleet: (drones: [(model: Preset("dji-m100"), depot: "nest", count: 1)]),
//!     orders: [(id: "o1", placed_at: "09:00", lat_deg: 43.731, lon_deg: 7.421, payload_kg: 0.5)],
//! )"#;
//! let mission = Mission::from_ron_str(text, "demo.ron").unwrap();
//! assert_eq!(mission.orders[0].placed_at.seconds(), 9.0 * 3600.0);
//! assert_eq!(mission.airspace.ceiling_agl_m, 120.0);
//! ```

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::energy::spec::shown;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::airspace::time::CivilDate;
use crate::energy::presets;
use crate::energy::DroneSpec;

/// A whole mission: one city, one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mission {
    /// Mission name, shown in summaries.
    pub name: String,
    /// Origin of the local metric frame.
    pub origin: LatLon,
    /// Path to the `.osm.pbf` city extract, relative to the mission file.
    pub map: String,
    /// Restricted airspace and limits.
    #[serde(default)]
    pub airspace: Airspace,
    /// Weather for the whole day.
    #[serde(default)]
    pub weather: Weather,
    /// Drone nests and van depots.
    pub depots: Vec<Depot>,
    /// Vehicles.
    pub fleet: Fleet,
    /// The day's orders.
    pub orders: Vec<Order>,
    /// Operating policy.
    #[serde(default)]
    pub policy: Policy,
}

/// A WGS84 position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatLon {
    /// Latitude in degrees, -90..=90.
    pub lat_deg: f64,
    /// Longitude in degrees, -180..=180.
    pub lon_deg: f64,
}

/// Airspace limits and no-fly zones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Airspace {
    /// Highest altitude a drone may fly, metres above ground.
    #[serde(default = "default_ceiling")]
    pub ceiling_agl_m: f64,
    /// Minimum distance kept from buildings and zones in cruise, metres.
    #[serde(default = "default_margin")]
    pub clearance_margin_m: f64,
    /// Separation minima between the mission's own drones.
    #[serde(default)]
    pub separation: Separation,
    /// Mission no-fly zones (OSM heliports and helipads are added automatically).
    #[serde(default)]
    pub no_fly: Vec<NoFlyZoneSpec>,
    /// Whether `aeroway=heliport|helipad` areas of the map become no-fly volumes.
    #[serde(default = "default_true")]
    pub osm_helipads_no_fly: bool,
    /// Published UAS geographical zone files (ED-269 JSON or GeoJSON), relative to the
    /// mission file, read with the map: see [`crate::airspace`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones_files: Vec<String>,
    /// Authorisations the operation holds: zone identifiers or restriction condition
    /// codes that open the files' `REQ_AUTHORISATION` and `CONDITIONAL` zones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorisations: Vec<String>,
    /// Elevation of the (flat) ground above mean sea level, m: converts the files' AMSL
    /// limits into heights above ground. Default 0 (a city at sea level).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ground_amsl_m: f64,
    /// Height of the geoid above the WGS84 ellipsoid at the mission, m: converts the
    /// files' WGS84 limits. Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub geoid_height_m: f64,
    /// The mission's date, `"YYYY-MM-DD"`, for the files' schedules and validity periods.
    /// Without it a zone counts as active whenever some day of its schedule would make it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::airspace::time::opt_date"
    )]
    pub date: Option<CivilDate>,
    /// Offset of the mission clock from UTC, hours (1 for CET, 2 for CEST). Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub utc_offset_h: f64,
}

impl Default for Airspace {
    fn default() -> Self {
        Airspace {
            ceiling_agl_m: default_ceiling(),
            separation: Separation::default(),
            clearance_margin_m: default_margin(),
            no_fly: Vec::new(),
            osm_helipads_no_fly: true,
            zones_files: Vec::new(),
            authorisations: Vec::new(),
            ground_amsl_m: 0.0,
            geoid_height_m: 0.0,
            date: None,
            utc_offset_h: 0.0,
        }
    }
}

/// Separation minima between two of the mission's airborne drones: they lose separation
/// when, at the same instant, they are closer than `horizontal_m` horizontally *and*
/// closer than `vertical_m` vertically. Inside a nest's terminal volume (the vertical
/// take-off and landing corridors over its pads) drones are separated by their pads
/// instead.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Separation {
    /// Horizontal minimum, m (1..=1000).
    #[serde(default = "default_sep_horizontal")]
    pub horizontal_m: f64,
    /// Vertical minimum, m (1..=300).
    #[serde(default = "default_sep_vertical")]
    pub vertical_m: f64,
    /// Timing error the planner allows for when it reserves airspace: a flight keeps the
    /// minima from every other flight shifted by up to this much earlier or later, s
    /// (0..=600).
    #[serde(default = "default_sep_buffer")]
    pub time_buffer_s: f64,
}

impl Default for Separation {
    fn default() -> Self {
        Separation {
            horizontal_m: default_sep_horizontal(),
            vertical_m: default_sep_vertical(),
            time_buffer_s: default_sep_buffer(),
        }
    }
}

fn default_sep_horizontal() -> f64 {
    15.0
}
fn default_sep_vertical() -> f64 {
    10.0
}
fn default_sep_buffer() -> f64 {
    5.0
}

/// A no-fly volume: polygon prism between a floor and a ceiling, optionally only in a
/// time window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFlyZoneSpec {
    /// Zone name, used in reports.
    pub id: String,
    /// Outline, at least 3 points, not self-crossing.
    pub polygon: Vec<LatLon>,
    /// Bottom of the volume, metres above ground.
    #[serde(default)]
    pub floor_m: f64,
    /// Top of the volume, metres above ground.
    #[serde(default = "default_zone_ceiling")]
    pub ceiling_m: f64,
    /// When the zone is active; always when absent.
    #[serde(default)]
    pub window: Option<TimeWindow>,
}

/// A closed time interval of the mission day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// Start time.
    pub from: ClockTime,
    /// End time.
    pub to: ClockTime,
}

impl TimeWindow {
    /// Whether `t_s` (seconds since midnight) lies inside the window.
    pub fn contains(&self, t_s: f64) -> bool {
        t_s >= self.from.seconds() && t_s <= self.to.seconds()
    }
}

/// Weather, constant over the mission.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weather {
    /// Wind velocity towards east, m/s (the direction the air moves).
    #[serde(default)]
    pub wind_east_mps: f64,
    /// Wind velocity towards north, m/s.
    #[serde(default)]
    pub wind_north_mps: f64,
    /// Air temperature at ground, degrees Celsius.
    #[serde(default = "default_temperature")]
    pub temperature_c: f64,
}

impl Weather {
    /// The air of the mission for the energy model.
    pub fn atmosphere(&self) -> crate::energy::Atmosphere {
        crate::energy::Atmosphere {
            temperature_c: self.temperature_c,
            wind_mps: nalgebra::Vector3::new(self.wind_east_mps, self.wind_north_mps, 0.0),
        }
    }
}

impl Default for Weather {
    fn default() -> Self {
        Weather { wind_east_mps: 0.0, wind_north_mps: 0.0, temperature_c: default_temperature() }
    }
}

/// What a depot hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepotKind {
    /// A drone nest with landing pads and chargers.
    Drone,
    /// A van depot on the road network.
    Van,
}

/// A drone nest or van depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Depot {
    /// Unique depot id.
    pub id: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Drone nest or van depot.
    pub kind: DepotKind,
    /// Landing pads (drone nests) or loading bays (van depots).
    #[serde(default = "default_pads")]
    pub pads: u32,
    /// The nest sits on the roof of the building under its position: its pads go on
    /// that roof, at the building's height (see [`crate::world::pads`]). Drone nests
    /// only; off by default.
    #[serde(default, skip_serializing_if = "is_false")]
    pub on_roof: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Drone type: a preset from `assets/drones.ron` or full parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DroneModel {
    /// A named preset, e.g. `Preset("dji-m100")`.
    Preset(String),
    /// Full parameters (boxed: a `DroneSpec` is some 230 bytes, a preset name 24).
    Custom(Box<DroneSpec>),
}

/// Drones of one type stationed at one depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DroneGroup {
    /// Drone type.
    pub model: DroneModel,
    /// Depot id (a `Drone` depot).
    pub depot: String,
    /// How many.
    pub count: u32,
}

/// Vans stationed at one depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VanGroup {
    /// Depot id (a `Van` depot).
    pub depot: String,
    /// How many.
    pub count: u32,
    /// Load volume per van, cubic metres (a 300 cu ft van is about 8.5 m^3).
    #[serde(default = "default_van_volume")]
    pub capacity_m3: f64,
    /// Payload per van, kg.
    #[serde(default = "default_van_payload")]
    pub capacity_kg: f64,
    /// Start of the van shift.
    #[serde(default = "default_shift_start")]
    pub shift_start: ClockTime,
    /// End of the van shift (back at the depot).
    #[serde(default = "default_shift_end")]
    pub shift_end: ClockTime,
}

/// The fleet.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    /// Drone groups.
    #[serde(default)]
    pub drones: Vec<DroneGroup>,
    /// Van groups.
    #[serde(default)]
    pub vans: Vec<VanGroup>,
}

/// The service an order asks for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub enum Service {
    /// Delivered within the promise (30 minutes by default) — by drone, or by van if a
    /// van can still make it.
    #[default]
    Express,
    /// Any time before the end of the van shift on the same day.
    SameDay,
    /// Delivered inside the given window (e.g. a 2-hour slot).
    Window(TimeWindow),
}

/// One customer order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Unique order id.
    pub id: String,
    /// When the customer placed the order.
    pub placed_at: ClockTime,
    /// Destination latitude, degrees.
    pub lat_deg: f64,
    /// Destination longitude, degrees.
    pub lon_deg: f64,
    /// Package mass, kg.
    pub payload_kg: f64,
    /// Package volume, litres.
    #[serde(default = "default_volume_l")]
    pub volume_l: f64,
    /// Delivery promise from `placed_at`, minutes (express orders).
    #[serde(default = "default_promise_min")]
    pub promise_min: f64,
    /// Requested service.
    #[serde(default)]
    pub service: Service,
}

impl Order {
    /// Latest delivery time for the promise, seconds since midnight.
    pub fn due_s(&self) -> f64 {
        self.placed_at.seconds() + self.promise_min * 60.0
    }
}

/// Operating policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Picking, packing and loading time before take-off, s.
    #[serde(default = "default_pick_load")]
    pub pick_load_s: f64,
    /// Hover height above the drop point while lowering, m.
    #[serde(default = "default_hover_height")]
    pub delivery_hover_m: f64,
    /// Time to lower the package and release it, s.
    #[serde(default = "default_lowering")]
    pub lowering_s: f64,
    /// Lowest cruise altitude, m above ground.
    #[serde(default = "default_cruise_min")]
    pub cruise_alt_min_m: f64,
    /// Highest cruise altitude, m above ground.
    #[serde(default = "default_cruise_max")]
    pub cruise_alt_max_m: f64,
    /// Clearance kept during the vertical delivery descent, hover, lowering and climb, m.
    #[serde(default = "default_delivery_margin")]
    pub delivery_margin_m: f64,
    /// The package may be lowered anywhere within this distance of the address, m.
    #[serde(default = "default_drop_radius")]
    pub drop_radius_m: f64,
    /// Share of usable battery energy that must remain on landing.
    #[serde(default = "default_reserve")]
    pub battery_reserve_fraction: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            pick_load_s: default_pick_load(),
            delivery_hover_m: default_hover_height(),
            lowering_s: default_lowering(),
            cruise_alt_min_m: default_cruise_min(),
            cruise_alt_max_m: default_cruise_max(),
            delivery_margin_m: default_delivery_margin(),
            drop_radius_m: default_drop_radius(),
            battery_reserve_fraction: default_reserve(),
        }
    }
}

fn default_ceiling() -> f64 {
    120.0
}
fn default_margin() -> f64 {
    5.0
}
fn default_true() -> bool {
    true
}
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}
fn default_zone_ceiling() -> f64 {
    10_000.0
}
fn default_temperature() -> f64 {
    15.0
}
fn default_pads() -> u32 {
    1
}
fn default_van_volume() -> f64 {
    8.5
}
fn default_van_payload() -> f64 {
    1000.0
}
fn default_shift_start() -> ClockTime {
    ClockTime(8.0 * 3600.0)
}
fn default_shift_end() -> ClockTime {
    ClockTime(20.0 * 3600.0)
}
fn default_volume_l() -> f64 {
    5.0
}
fn default_promise_min() -> f64 {
    30.0
}
fn default_pick_load() -> f64 {
    120.0
}
fn default_hover_height() -> f64 {
    8.0
}
fn default_lowering() -> f64 {
    30.0
}
fn default_cruise_min() -> f64 {
    40.0
}
fn default_cruise_max() -> f64 {
    100.0
}
fn default_delivery_margin() -> f64 {
    2.0
}
fn default_drop_radius() -> f64 {
    10.0
}
fn default_reserve() -> f64 {
    0.2
}

/// Most points in one no-fly zone outline (validation checks every pair of edges).
pub const MAX_ZONE_POINTS: usize = 2_000;
/// Most pads at one depot.
pub const MAX_PADS: u32 = 64;
/// Most vehicles in one fleet group.
pub const MAX_GROUP_COUNT: u32 = 10_000;

/// Latest clock time a mission may name (two days, for overnight missions), s.
pub const MAX_CLOCK_S: f64 = 48.0 * 3600.0;

/// A time of the mission day, stored as seconds since midnight and written in files as
/// `"HH:MM"` or `"HH:MM:SS"` (a plain number of seconds is accepted too).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct ClockTime(pub f64);

impl ClockTime {
    /// Seconds since midnight.
    pub fn seconds(self) -> f64 {
        self.0
    }

    /// Parses `"HH:MM"` or `"HH:MM:SS"` (hours may exceed 23 for overnight missions).
    pub fn parse(text: &str) -> Result<ClockTime, String> {
        let parts: Vec<&str> = text.trim().split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(format!("expected a time \"HH:MM\" or \"HH:MM:SS\", got {text:?}"));
        }
        let mut secs = 0.0;
        for (i, p) in parts.iter().enumerate() {
            let v: f64 = p
                .parse()
                .map_err(|_| format!("expected a time \"HH:MM\" or \"HH:MM:SS\", got {text:?}"))?;
            if !v.is_finite() || v < 0.0 || (i > 0 && v >= 60.0) {
                return Err(format!("time {text:?} has a field out of range"));
            }
            secs += v * [3600.0, 60.0, 1.0][i];
        }
        if secs > MAX_CLOCK_S {
            return Err(format!(
                "time {text:?} is past 48:00, the latest time a mission day may use"
            ));
        }
        Ok(ClockTime(secs))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.max(0.0);
        let h = (total / 3600.0).floor();
        let m = ((total - h * 3600.0) / 60.0).floor();
        let s = total - h * 3600.0 - m * 60.0;
        if s.fract().abs() < 1e-9 {
            write!(f, "{:02}:{:02}:{:02}", h as u64, m as u64, s as u64)
        } else {
            write!(f, "{:02}:{:02}:{:06.3}", h as u64, m as u64, s)
        }
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ClockTime;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a time \"HH:MM[:SS]\" or seconds since midnight")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ClockTime, E> {
                ClockTime::parse(v).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ClockTime, E> {
                if v.is_finite() && v >= 0.0 {
                    Ok(ClockTime(v))
                } else {
                    Err(E::custom(format!("time must be >= 0 seconds, got {v}")))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ClockTime, E> {
                Ok(ClockTime(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ClockTime, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

/// One problem found in a mission file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Field path, e.g. `orders[3].payload_kg` (empty for syntax errors).
    pub field: String,
    /// 1-based line, when known.
    pub line: usize,
    /// 1-based column, when known.
    pub column: usize,
    /// What is wrong and what to do about it.
    pub message: String,
}

/// Everything wrong with a mission file.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MissionError {
    /// The file could not be read.
    #[error("{path}: cannot read mission file: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// The file is not a valid mission: one entry per problem.
    #[error("{}", render_problems(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem, in file order.
        problems: Vec<Problem>,
    },
}

impl MissionError {
    /// The problems, empty for I/O errors.
    pub fn problems(&self) -> &[Problem] {
        match self {
            MissionError::Io { .. } => &[],
            MissionError::Invalid { problems, .. } => problems,
        }
    }
}

/// The file's bytes as text, or an error at the line and column (in characters) of the
/// first byte that is not UTF-8.
fn utf8_text(bytes: Vec<u8>, path: &Path) -> Result<String, MissionError> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = &bytes[..e.utf8_error().valid_up_to()];
        let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let before = std::str::from_utf8(&valid[line_start..]).unwrap_or_default();
        MissionError::Invalid {
            path: path.to_path_buf(),
            problems: vec![Problem {
                field: String::new(),
                line: valid.iter().filter(|b| **b == b'\n').count() + 1,
                column: before.chars().count() + 1,
                message: format!(
                    "byte 0x{:02X} is not UTF-8: a mission file must be UTF-8 text",
                    bytes[valid.len()]
                ),
            }],
        }
    })
}

fn render_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let field = if p.field.is_empty() { String::new() } else { format!(" {}:", p.field) };
        out.push_str(&format!(
            "{}:{}:{}:{} {}",
            path.display(),
            p.line,
            p.column,
            field,
            p.message
        ));
    }
    out
}

impl Mission {
    /// Reads, parses and validates a mission file. The map file itself is opened later
    /// by [`crate::world::World::load`]; here it is only checked to exist.
    pub fn load(path: &Path) -> Result<Mission, MissionError> {
        let (mission, text) = Self::read(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut problems = mission.problems(Some(base));
        if problems.is_empty() {
            return Ok(mission);
        }
        locate_all(&text, &mut problems);
        Err(MissionError::Invalid { path: path.to_path_buf(), problems })
    }

    /// Reads and parses a mission file without validating it, returning the mission
    /// and its text (for [`locate_all`]). Syntax and type errors are located here; the
    /// caller collects [`Mission::problems`] itself, e.g. to report them together with
    /// the problems found against the map.
    pub fn read(path: &Path) -> Result<(Mission, String), MissionError> {
        let bytes = std::fs::read(path)
            .map_err(|e| MissionError::Io { path: path.to_path_buf(), message: e.to_string() })?;
        let text = utf8_text(bytes, path)?;
        let mission = Self::parse(&text, path)?;
        Ok((mission, text))
    }

    /// Parses and validates mission text; `name` is used in error messages. The map
    /// path is not checked.
    pub fn from_ron_str(text: &str, name: &str) -> Result<Mission, MissionError> {
        let path = PathBuf::from(name);
        let mission = Self::parse(text, &path)?;
        let mut problems = mission.problems(None);
        if problems.is_empty() {
            return Ok(mission);
        }
        locate_all(text, &mut problems);
        Err(MissionError::Invalid { path, problems })
    }

    fn parse(text: &str, path: &Path) -> Result<Mission, MissionError> {
        let invalid = |problem: Problem| MissionError::Invalid {
            path: path.to_path_buf(),
            problems: vec![problem],
        };
        let mut de = ron::Deserializer::from_str(text).map_err(|e| {
            invalid(Problem {
                field: String::new(),
                line: e.span.start.line,
                column: e.span.start.col,
                message: e.code.to_string(),
            })
        })?;
        let result: Result<Mission, _> = serde_path_to_error::deserialize(&mut de);
        match result {
            Ok(m) => {
                if let Err(code) = de.end() {
                    // The span starts where the top-level value ended, one past its `)`;
                    // it ends at the stray text, after the whitespace ron skipped.
                    let e = de.span_error(code);
                    return Err(invalid(Problem {
                        field: String::new(),
                        line: e.span.end.line,
                        column: e.span.end.col,
                        message: e.code.to_string(),
                    }));
                }
                Ok(m)
            }
            Err(err) => {
                let field = clean_serde_path(&err.path().to_string());
                let inner = err.into_inner();
                // ron reports where its parser stopped: after the value, inside a string,
                // or at the closing `)` of a struct missing a field. For errors about a
                // well-formed value, point at the field (or the struct) instead, as
                // validation problems do; syntax errors keep the parser's position.
                let (line, column) = if is_value_error(&inner) {
                    crate::ron_locate::FieldIndex::build(text).locate(&field)
                } else {
                    let start = de.span_error(inner.clone()).span.start;
                    (start.line, start.col)
                };
                Err(invalid(Problem { field, line, column, message: inner.to_string() }))
            }
        }
    }

    /// The resolved drone type of a fleet group (preset looked up by name).
    pub fn drone_spec(&self, group: &DroneGroup) -> Option<DroneSpec> {
        match &group.model {
            DroneModel::Custom(spec) => Some(spec.as_ref().clone()),
            DroneModel::Preset(name) => presets::find(name),
        }
    }

    /// Every semantic problem, without line/column (see [`Mission::load`] for located
    /// problems). `base_dir`, when given, is where the map path is resolved and checked.
    pub fn problems(&self, base_dir: Option<&Path>) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut push = |field: String, message: String| {
            out.push(Problem { field, line: 0, column: 0, message });
        };
        check_latlon(&mut push, "origin", self.origin);
        if self.name.trim().is_empty() {
            push("name".into(), "must not be empty".into());
        }
        if let Some(base) = base_dir {
            let p = base.join(&self.map);
            if !p.exists() {
                push(
                    "map".into(),
                    format!(
                        "map file {} not found (the path is relative to the mission file)",
                        p.display()
                    ),
                );
            } else if !p.is_file() {
                push(
                    "map".into(),
                    format!(
                        "{} is not a regular file (a folder, device or pipe); give the path of an .osm.pbf file",
                        p.display()
                    ),
                );
            }
        }
        let a = &self.airspace;
        if !(a.ceiling_agl_m.is_finite() && a.ceiling_agl_m > 0.0 && a.ceiling_agl_m <= 1000.0) {
            push(
                "airspace.ceiling_agl_m".into(),
                format!("must be within 0 < x <= 1000 m, got {}", shown(a.ceiling_agl_m)),
            );
        }
        if !(a.clearance_margin_m.is_finite() && (0.0..=100.0).contains(&a.clearance_margin_m)) {
            push(
                "airspace.clearance_margin_m".into(),
                format!("must be within 0..=100 m, got {}", shown(a.clearance_margin_m)),
            );
        }
        let sep = &a.separation;
        for (field, value, lo, hi) in [
            ("horizontal_m", sep.horizontal_m, 1.0, 1000.0),
            ("vertical_m", sep.vertical_m, 1.0, 300.0),
            ("time_buffer_s", sep.time_buffer_s, 0.0, 600.0),
        ] {
            if !(value.is_finite() && (lo..=hi).contains(&value)) {
                push(
                    format!("airspace.separation.{field}"),
                    format!("must be within {lo}..={hi}, got {}", shown(value)),
                );
            }
        }
        let mut zone_ids = HashSet::new();
        for (i, z) in a.no_fly.iter().enumerate() {
            let f = format!("airspace.no_fly[{i}]");
            if !zone_ids.insert(z.id.as_str()) {
                push(format!("{f}.id"), format!("duplicate zone id {:?}", z.id));
            }
            if z.polygon.len() < 3 || z.polygon.len() > MAX_ZONE_POINTS {
                push(
                    format!("{f}.polygon"),
                    format!("a zone needs 3..={MAX_ZONE_POINTS} points, got {}", z.polygon.len()),
                );
            } else {
                for (j, p) in z.polygon.iter().enumerate() {
                    check_latlon(&mut push, &format!("{f}.polygon[{j}]"), *p);
                }
                if polygon_self_crosses(&z.polygon) {
                    push(format!("{f}.polygon"), "the outline crosses itself".into());
                }
            }
            if !(z.floor_m.is_finite()
                && z.ceiling_m.is_finite()
                && z.floor_m >= 0.0
                && z.ceiling_m > z.floor_m
                && z.ceiling_m <= 100_000.0)
            {
                push(
                    format!("{f}.ceiling_m"),
                    format!(
                        "need 0 <= floor_m < ceiling_m <= 100000 m, got {} and {}",
                        shown(z.floor_m),
                        shown(z.ceiling_m)
                    ),
                );
            }
            if let Some(w) = z.window {
                if w.to.seconds() <= w.from.seconds() {
                    push(format!("{f}.window"), "window ends before it starts".into());
                }
            }
        }
        crate::airspace::airspace_problems(a, base_dir, &mut push);
        let w = &self.weather;
        for (name, v, lim) in
            [("wind_east_mps", w.wind_east_mps, 40.0), ("wind_north_mps", w.wind_north_mps, 40.0)]
        {
            if !(v.is_finite() && v.abs() <= lim) {
                push(
                    format!("weather.{name}"),
                    format!("must be within +/-{lim} m/s, got {}", shown(v)),
                );
            }
        }
        if !(w.temperature_c.is_finite() && (-40.0..=55.0).contains(&w.temperature_c)) {
            push(
                "weather.temperature_c".into(),
                format!("must be in -40..=55 degC, got {}", shown(w.temperature_c)),
            );
        }

        let mut depot_ids = HashSet::new();
        for (i, d) in self.depots.iter().enumerate() {
            let f = format!("depots[{i}]");
            if !depot_ids.insert(d.id.as_str()) {
                push(format!("{f}.id"), format!("duplicate depot id {:?}", d.id));
            }
            check_latlon(&mut push, &f, LatLon { lat_deg: d.lat_deg, lon_deg: d.lon_deg });
            if !(1..=MAX_PADS).contains(&d.pads) {
                push(format!("{f}.pads"), format!("must be within 1..={MAX_PADS}, got {}", d.pads));
            }
            if d.on_roof && d.kind == DepotKind::Van {
                push(format!("{f}.on_roof"), "only a drone nest can sit on a roof".into());
            }
        }
        let depot_kind = |id: &str| self.depots.iter().find(|d| d.id == id).map(|d| d.kind);
        for (i, g) in self.fleet.drones.iter().enumerate() {
            let f = format!("fleet.drones[{i}]");
            match depot_kind(&g.depot) {
                None => push(format!("{f}.depot"), format!("unknown depot {:?}", g.depot)),
                Some(DepotKind::Van) => push(
                    format!("{f}.depot"),
                    format!("depot {:?} is a van depot, not a drone nest", g.depot),
                ),
                Some(DepotKind::Drone) => {}
            }
            if !(1..=MAX_GROUP_COUNT).contains(&g.count) {
                push(
                    format!("{f}.count"),
                    format!("must be within 1..={MAX_GROUP_COUNT}, got {}", g.count),
                );
            }
            match &g.model {
                DroneModel::Preset(name) => {
                    if presets::find(name).is_none() {
                        push(
                            format!("{f}.model"),
                            format!(
                                "unknown drone preset {name:?}; known: {}",
                                presets::names().join(", ")
                            ),
                        );
                    }
                }
                DroneModel::Custom(spec) => {
                    for (field, msg) in spec.problems() {
                        push(format!("{f}.model.{field}"), msg);
                    }
                }
            }
        }
        for (i, g) in self.fleet.vans.iter().enumerate() {
            let f = format!("fleet.vans[{i}]");
            match depot_kind(&g.depot) {
                None => push(format!("{f}.depot"), format!("unknown depot {:?}", g.depot)),
                Some(DepotKind::Drone) => push(
                    format!("{f}.depot"),
                    format!("depot {:?} is a drone nest, not a van depot", g.depot),
                ),
                Some(DepotKind::Van) => {}
            }
            if !(1..=MAX_GROUP_COUNT).contains(&g.count) {
                push(
                    format!("{f}.count"),
                    format!("must be within 1..={MAX_GROUP_COUNT}, got {}", g.count),
                );
            }
            if !(g.capacity_m3 > 0.0 && g.capacity_m3.is_finite()) {
                push(
                    format!("{f}.capacity_m3"),
                    format!("must be > 0, got {}", shown(g.capacity_m3)),
                );
            }
            if !(g.capacity_kg > 0.0 && g.capacity_kg.is_finite()) {
                push(
                    format!("{f}.capacity_kg"),
                    format!("must be > 0, got {}", shown(g.capacity_kg)),
                );
            }
            if g.shift_end.seconds() <= g.shift_start.seconds() {
                push(format!("{f}.shift_end"), "shift ends before it starts".into());
            }
        }
        if self.fleet.drones.is_empty() && self.fleet.vans.is_empty() {
            push("fleet".into(), "the fleet has no drones and no vans".into());
        }

        if self.orders.is_empty() {
            push("orders".into(), "the mission has no orders; add at least one".into());
        }
        let mut order_ids = HashSet::new();
        for (i, o) in self.orders.iter().enumerate() {
            let f = format!("orders[{i}]");
            if !order_ids.insert(o.id.as_str()) {
                push(format!("{f}.id"), format!("duplicate order id {:?}", o.id));
            }
            if o.id.trim().is_empty() {
                push(format!("{f}.id"), "must not be empty".into());
            }
            check_latlon(&mut push, &f, LatLon { lat_deg: o.lat_deg, lon_deg: o.lon_deg });
            if !(o.payload_kg.is_finite() && o.payload_kg > 0.0 && o.payload_kg <= 10_000.0) {
                push(
                    format!("{f}.payload_kg"),
                    format!("must be within 0 < x <= 10000 kg, got {}", shown(o.payload_kg)),
                );
            }
            if !(o.volume_l.is_finite() && o.volume_l > 0.0 && o.volume_l <= 100_000.0) {
                push(
                    format!("{f}.volume_l"),
                    format!("must be within 0 < x <= 100000 litres, got {}", shown(o.volume_l)),
                );
            }
            if !(o.promise_min.is_finite() && o.promise_min > 0.0 && o.promise_min <= 1440.0) {
                push(
                    format!("{f}.promise_min"),
                    format!("must be within 0 < x <= 1440 minutes, got {}", shown(o.promise_min)),
                );
            }
            if let Service::Window(w) = o.service {
                if w.to.seconds() <= w.from.seconds() {
                    push(format!("{f}.service"), "window ends before it starts".into());
                }
            }
        }

        let p = &self.policy;
        // (field, value, lowest, highest, whether the lowest itself is allowed)
        for (name, v, lo, hi, lo_ok) in [
            ("pick_load_s", p.pick_load_s, 0.0, 86_400.0, true),
            // A package takes time to lower: 0 s would put delivery and climb at one
            // instant, a flight the verifier rightly rejects.
            ("lowering_s", p.lowering_s, 1.0, 3600.0, true),
            ("delivery_margin_m", p.delivery_margin_m, 0.0, 100.0, true),
            ("delivery_hover_m", p.delivery_hover_m, 0.0, 1000.0, false),
            ("drop_radius_m", p.drop_radius_m, 0.0, 1000.0, false),
            ("cruise_alt_min_m", p.cruise_alt_min_m, 0.0, 1000.0, false),
            ("cruise_alt_max_m", p.cruise_alt_max_m, 0.0, 1000.0, false),
        ] {
            let above_lo = if lo_ok { v >= lo } else { v > lo };
            if !(v.is_finite() && above_lo && v <= hi) {
                let op = if lo_ok { "<=" } else { "<" };
                push(
                    format!("policy.{name}"),
                    format!("must be within {lo} {op} x <= {hi}, got {}", shown(v)),
                );
            }
        }
        // Written so that NaN fails too.
        if p.cruise_alt_max_m.partial_cmp(&p.cruise_alt_min_m).is_none_or(|o| o.is_lt()) {
            push("policy.cruise_alt_max_m".into(), "must be >= cruise_alt_min_m".into());
        }
        if p.cruise_alt_min_m <= p.delivery_hover_m {
            push("policy.cruise_alt_min_m".into(), "must be above delivery_hover_m".into());
        }
        // Against a ceiling that is itself invalid this would only repeat that problem.
        let ceiling_ok = a.ceiling_agl_m.is_finite() && a.ceiling_agl_m > 0.0;
        if ceiling_ok && p.cruise_alt_min_m > self.airspace.ceiling_agl_m {
            push(
                "policy.cruise_alt_min_m".into(),
                format!("is above the airspace ceiling ({} m)", self.airspace.ceiling_agl_m),
            );
        }
        if !(0.0..1.0).contains(&p.battery_reserve_fraction) {
            push(
                "policy.battery_reserve_fraction".into(),
                format!("must be in [0, 1), got {}", shown(p.battery_reserve_fraction)),
            );
        }
        out
    }
}

fn check_latlon(push: &mut impl FnMut(String, String), field: &str, p: LatLon) {
    if !(p.lat_deg.is_finite() && (-90.0..=90.0).contains(&p.lat_deg)) {
        push(
            format!("{field}.lat_deg"),
            format!("latitude must be in -90..=90, got {}", shown(p.lat_deg)),
        );
    }
    if !(p.lon_deg.is_finite() && (-180.0..=180.0).contains(&p.lon_deg)) {
        push(
            format!("{field}.lon_deg"),
            format!("longitude must be in -180..=180, got {}", shown(p.lon_deg)),
        );
    }
}

/// Whether two non-adjacent edges of the closed polygon cross.
fn polygon_self_crosses(poly: &[LatLon]) -> bool {
    let pts: Vec<[f64; 2]> = poly.iter().map(|p| [p.lon_deg, p.lat_deg]).collect();
    let n = pts.len();
    for i in 0..n {
        for j in i + 1..n {
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            if segments_cross(pts[i], pts[(i + 1) % n], pts[j], pts[(j + 1) % n]) {
                return true;
            }
        }
    }
    false
}

fn segments_cross(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    };
    let (d1, d2, d3, d4) = (orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d));
    ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
}

/// Whether a ron error is about a value that parsed but does not fit the schema (wrong
/// type, unknown field or variant, missing field, custom check), as opposed to a syntax
/// error, whose position only the parser knows.
fn is_value_error(e: &ron::Error) -> bool {
    use ron::Error as E;
    matches!(
        e,
        E::Message(_)
            | E::InvalidValueForType { .. }
            | E::ExpectedDifferentLength { .. }
            | E::NoSuchEnumVariant { .. }
            | E::NoSuchStructField { .. }
            | E::MissingStructField { .. }
            | E::ExpectedDifferentStructName { .. }
            | E::ExpectedFloat
            | E::ExpectedInteger
            | E::IntegerOutOfBounds
            | E::ExpectedBoolean
            | E::ExpectedString
            | E::ExpectedArray
            | E::ExpectedMap
            | E::ExpectedOption
            | E::ExpectedUnit
            | E::ExpectedStructLike
            | E::ExpectedNamedStructLike(_)
    )
}

/// serde_path_to_error prints enum variants and maps in its own way; keep the dotted
/// field path with `[i]` indices that users see in the file.
fn clean_serde_path(p: &str) -> String {
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

/// Fills in line and column of `problems` (found by [`Mission::problems`] or
/// [`crate::world::World::mission_problems`]) from the mission text, and sorts them.
pub fn locate_all(text: &str, problems: &mut [Problem]) {
    let index = crate::ron_locate::FieldIndex::build(text);
    for p in problems.iter_mut() {
        let (line, col) = index.locate(&p.field);
        p.line = line;
        p.column = col;
    }
    problems.sort_by_key(|p| (p.line, p.column));
}
