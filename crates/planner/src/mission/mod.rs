//! The mission file: schema (this module), reading with line/column errors
//! ([`read`](self::Mission::read)), and validation ([`Mission::problems`]).
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

mod clock;
mod lockers;
mod read;
mod validate;

use serde::{Deserialize, Serialize};

use crate::airspace::time::CivilDate;
use crate::energy::presets;
use crate::energy::DroneSpec;
pub use clock::{ClockTime, MAX_CLOCK_S};
pub use lockers::{Locker, LockerKind, MAX_COMPARTMENTS, MAX_HOLD_H};
pub use read::{locate_all, MissionError, Problem};

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
    /// Self-service parcel lockers that orders may name instead of an address (see
    /// [`Locker`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lockers: Vec<Locker>,
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

/// One customer order. In the file it names either its address (`lat_deg`, `lon_deg`)
/// or a locker of the mission (`locker: "id"`), never both; a locker order's position is
/// the locker's, filled in when the mission is read ([`Mission::resolve_lockers`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "lockers::OrderFile", into = "lockers::OrderFile")]
pub struct Order {
    /// Unique order id.
    pub id: String,
    /// When the customer placed the order.
    pub placed_at: ClockTime,
    /// Destination latitude, degrees (a locker order's: its locker's; NaN until
    /// resolved).
    pub lat_deg: f64,
    /// Destination longitude, degrees (as `lat_deg`).
    pub lon_deg: f64,
    /// The locker the parcel is delivered to, instead of an address.
    pub locker: Option<String>,
    /// Package mass, kg.
    pub payload_kg: f64,
    /// Package volume, litres.
    pub volume_l: f64,
    /// Delivery promise from `placed_at`, minutes (express orders).
    pub promise_min: f64,
    /// Requested service.
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

impl Mission {
    /// When the delivery day ends, s since midnight: the end of the last van shift, or
    /// midnight when the fleet has no vans. Same-day orders are due by then.
    pub fn day_end_s(&self) -> f64 {
        let shifts = self.fleet.vans.iter().map(|v| v.shift_end.seconds());
        shifts.reduce(f64::max).unwrap_or(24.0 * 3600.0)
    }

    /// The resolved drone type of a fleet group (preset looked up by name).
    pub fn drone_spec(&self, group: &DroneGroup) -> Option<DroneSpec> {
        match &group.model {
            DroneModel::Custom(spec) => Some(spec.as_ref().clone()),
            DroneModel::Preset(name) => presets::find(name),
        }
    }
}

/// A mission of one nest with one DJI M100 and one order 140 m away carrying
/// `payload_kg`, no map: for unit tests of the rules that read a mission.
#[cfg(test)]
pub(crate) fn one_drone_mission(payload_kg: f64) -> Mission {
    let text = format!(
        r#"Mission(
            name: "one drone",
            origin: (lat_deg: 43.73, lon_deg: 7.42),
            map: "none.osm.pbf",
            depots: [(id: "nest", lat_deg: 43.73, lon_deg: 7.42, kind: Drone, pads: 1)],
            fleet: (drones: [(model: Preset("dji-m100"), depot: "nest", count: 1)]),
            orders: [(id: "o1", placed_at: "10:00", lat_deg: 43.731, lon_deg: 7.421, payload_kg: {payload_kg})],
        )"#
    );
    Mission::from_ron_str(&text, "unit.ron").expect("a valid mission")
}
