//! Autopilot missions: one drone flight of a plan as a MAVLink mission, written as a
//! QGroundControl `.plan` file or as a `QGC WPL 110` waypoint list.
//!
//! Entry points: [`flight_mission`] (the mission items of one flight), then
//! [`qgc_plan_json`] or [`waypoints_text`] to serialise it, and [`mission_file_name`] for
//! the file name `skylane export` uses.
//!
//! # What a mission contains
//!
//! The items are derived from the flight's timed samples; nothing is re-planned:
//!
//! 1. home: the pad, the flight's first sample;
//! 2. `MAV_CMD_NAV_TAKEOFF` to the cruise altitude;
//! 3. `MAV_CMD_DO_CHANGE_SPEED` (ground speed) before every cruise leg whose planned
//!    top speed differs from the speed set before it by more than [`SPEED_STEP_MPS`];
//! 4. `MAV_CMD_NAV_WAYPOINT` at every corner of the horizontal path (a sample where the
//!    straight line through its neighbours is left by more than [`CORNER_TOLERANCE_M`])
//!    and at every phase boundary (top of the delivery descent, hover point, top of the
//!    climb, above the pad);
//! 5. the delivery at hover height (see [`Release`]), its hold time taken from the
//!    samples as `MAV_CMD_NAV_LOITER_TIME` at the hover point; at a locker, where the
//!    drone lands on the locker's pad instead of hovering, one
//!    `MAV_CMD_NAV_PAYLOAD_PLACE` over the pad replaces the descent and the release
//!    (the autopilot descends until it touches the pad, releases, and climbs back; how
//!    long it waits on the pad is its own payload-place setting, the plan's hold is the
//!    samples' `Lowering` time);
//! 6. the climb, the return along the path's corners, and `MAV_CMD_NAV_LAND` on the pad.
//!
//! Every position item uses `MAV_FRAME_GLOBAL_RELATIVE_ALT` (altitudes in metres above
//! home, which is the pad); the frame is written in each item (`frame: 3`) and, in
//! the `.plan` file, also as the QGroundControl altitude mode "relative to launch"
//! (`globalPlanAltitudeMode` and `AltitudeMode` = 1). Commands without a position use
//! `MAV_FRAME_MISSION`. Straight lines between consecutive position items reproduce the
//! flight's path exactly (to [`CORNER_TOLERANCE_M`] and the written precision), so the
//! flown route is as clear of buildings and zones as the verified plan.
//!
//! # Sources
//!
//! - Command numbers, parameters and enum values: MAVLink `common.xml` as shipped in
//!   pymavlink 2.4.50 (`pymavlink.dialects.v20.common`): `MAV_CMD_NAV_WAYPOINT` = 16,
//!   `MAV_CMD_NAV_LOITER_TIME` = 19, `MAV_CMD_NAV_LAND` = 21, `MAV_CMD_NAV_TAKEOFF` = 22,
//!   `MAV_CMD_NAV_PAYLOAD_PLACE` = 94 (param1: maximum descent, m),
//!   `MAV_CMD_DO_CHANGE_SPEED` = 178 (`SPEED_TYPE_GROUNDSPEED` = 1),
//!   `MAV_CMD_DO_GRIPPER` = 211 (`GRIPPER_ACTION_RELEASE` = 0), `MAV_CMD_DO_WINCH` =
//!   42600 (`WINCH_RELATIVE_LENGTH_CONTROL` = 1), `MAV_FRAME_GLOBAL` = 0,
//!   `MAV_FRAME_MISSION` = 2, `MAV_FRAME_GLOBAL_RELATIVE_ALT` = 3, `MAV_AUTOPILOT_GENERIC`
//!   = 0, `MAV_TYPE_QUADROTOR` = 2 (hexa 13, octo 14, tri 15, generic multirotor 43).
//! - The `.plan` schema: QGroundControl developer guide v4.4, "Plan File Format"
//!   (<https://docs.qgroundcontrol.com/v4.4.3/en/qgc-dev-guide/file_formats/plan.html>):
//!   file `version` 1, mission `version` 2, geofence and rally points `version` 2,
//!   `SimpleItem` fields; QGroundControl's `AltMode` enum (`AltitudeModeRelative` = 1).
//! - The waypoint list: MAVLink "File Formats", mission plain-text format
//!   (<https://mavlink.io/en/file_formats/>): header `QGC WPL 110`, then tab-separated
//!   `INDEX CURRENT_WP COORD_FRAME COMMAND PARAM1..4 LAT LON ALT AUTOCONTINUE`, line 0
//!   being home.
//! - Order of execution: "Do" commands run as soon as the navigation command before
//!   them completes (ArduPilot Copter mission command list), so each delivery command
//!   follows the waypoint at hover height.

use serde_json::{json, Value};

use super::{Flight, Phase, Plan, Sample};

/// MAVLink `MAV_CMD` values used in exported missions.
pub mod mav_cmd {
    /// `MAV_CMD_NAV_WAYPOINT`: fly to a position (param1: hold time, s).
    pub const NAV_WAYPOINT: u16 = 16;
    /// `MAV_CMD_NAV_LOITER_TIME`: hold at a position (param1: time, s).
    pub const NAV_LOITER_TIME: u16 = 19;
    /// `MAV_CMD_NAV_LAND`: land at a position.
    pub const NAV_LAND: u16 = 21;
    /// `MAV_CMD_NAV_TAKEOFF`: climb vertically to an altitude.
    pub const NAV_TAKEOFF: u16 = 22;
    /// `MAV_CMD_NAV_PAYLOAD_PLACE`: fly to a position, descend until the payload is on
    /// the ground (param1: the most it may descend, m), release it, climb back to the
    /// altitude the descent started from.
    pub const NAV_PAYLOAD_PLACE: u16 = 94;
    /// `MAV_CMD_DO_CHANGE_SPEED`: param1 speed type, param2 speed (m/s), param3 throttle.
    pub const DO_CHANGE_SPEED: u16 = 178;
    /// `MAV_CMD_DO_GRIPPER`: param1 gripper id, param2 action.
    pub const DO_GRIPPER: u16 = 211;
    /// `MAV_CMD_DO_WINCH`: param1 instance, param2 action, param3 length (m, negative
    /// winds in), param4 rate (m/s).
    pub const DO_WINCH: u16 = 42600;
}

/// MAVLink `MAV_FRAME` values used in exported missions.
pub mod mav_frame {
    /// `MAV_FRAME_GLOBAL`: WGS84, altitude above mean sea level (home line only).
    pub const GLOBAL: u8 = 0;
    /// `MAV_FRAME_MISSION`: the item has no position.
    pub const MISSION: u8 = 2;
    /// `MAV_FRAME_GLOBAL_RELATIVE_ALT`: WGS84, altitude in metres above home.
    pub const GLOBAL_RELATIVE_ALT: u8 = 3;
}

/// `SPEED_TYPE_GROUNDSPEED`: the planner's speeds are ground speeds.
pub const SPEED_TYPE_GROUNDSPEED: f64 = 1.0;
/// `GRIPPER_ACTION_RELEASE`.
pub const GRIPPER_ACTION_RELEASE: f64 = 0.0;
/// `WINCH_RELATIVE_LENGTH_CONTROL`: wind or unwind a length of line at a rate.
pub const WINCH_RELATIVE_LENGTH_CONTROL: f64 = 1.0;
/// `MAV_AUTOPILOT_GENERIC`: the missions use only common commands.
pub const MAV_AUTOPILOT_GENERIC: u32 = 0;

/// A sample is a corner when it lies farther than this from the straight line between
/// the kept waypoints around it, m. The trajectory's samples along one straight piece
/// lie on it to rounding error, so only real vertices are kept.
pub const CORNER_TOLERANCE_M: f64 = 1e-4;
/// A cruise leg gets its own `MAV_CMD_DO_CHANGE_SPEED` when its top speed differs from
/// the speed in force by more than this, m/s.
pub const SPEED_STEP_MPS: f64 = 0.5;

/// How the package is put down at the drop point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Lower the package on a winch (`MAV_CMD_DO_WINCH`, relative length = hover
    /// height), hold half the lowering time, open the hook (`MAV_CMD_DO_GRIPPER`
    /// release), wind the line back in while holding the other half.
    Winch,
    /// Open the gripper at hover height (`MAV_CMD_DO_GRIPPER` release), then hold the
    /// lowering time.
    Gripper,
}

/// One MAVLink mission item (`MISSION_ITEM_INT` fields as the files store them).
#[derive(Debug, Clone, PartialEq)]
pub struct MissionItem {
    /// `MAV_CMD` value.
    pub command: u16,
    /// `MAV_FRAME` value.
    pub frame: u8,
    /// param1..param4, then latitude (deg), longitude (deg), altitude (m in `frame`).
    /// NaN means "use the vehicle's default" (written `null` in `.plan` files).
    pub params: [f64; 7],
}

impl MissionItem {
    fn at(command: u16, p: [f64; 4], lat: f64, lon: f64, alt: f64) -> MissionItem {
        MissionItem {
            command,
            frame: mav_frame::GLOBAL_RELATIVE_ALT,
            params: [p[0], p[1], p[2], p[3], lat, lon, alt],
        }
    }

    fn command_only(command: u16, p: [f64; 4]) -> MissionItem {
        MissionItem {
            command,
            frame: mav_frame::MISSION,
            params: [p[0], p[1], p[2], p[3], 0.0, 0.0, 0.0],
        }
    }

    /// Whether the item carries a position (latitude, longitude, relative altitude).
    pub fn has_position(&self) -> bool {
        self.frame == mav_frame::GLOBAL_RELATIVE_ALT
    }
}

/// One flight as an autopilot mission.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightMission {
    /// Order the flight serves.
    pub order_id: String,
    /// Drone that flies it.
    pub drone_id: String,
    /// Home (the pad): latitude, longitude (deg) and altitude above mean sea level (m).
    /// OpenStreetMap has no terrain, so the planner's ground datum is written as 0 m;
    /// every item's altitude is relative to home and does not depend on it.
    pub home: [f64; 3],
    /// `MAV_TYPE` of the airframe (from the drone type's rotor count).
    pub vehicle_type: u32,
    /// The drone type's cruise speed, m/s (the `.plan` file's default speeds).
    pub cruise_speed_mps: f64,
    /// Mission items after home, in order.
    pub items: Vec<MissionItem>,
}

/// Output formats of `skylane export` for autopilot missions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissionFormat {
    /// QGroundControl `.plan` JSON.
    QgcPlan,
    /// `QGC WPL 110` plain-text waypoint list (`.waypoints`).
    Waypoints,
}

impl MissionFormat {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            MissionFormat::QgcPlan => "plan",
            MissionFormat::Waypoints => "waypoints",
        }
    }
}

/// `MAV_TYPE` for a multirotor with `rotors` rotors.
pub fn mav_type_for_rotors(rotors: u32) -> u32 {
    match rotors {
        3 => 15,
        4 => 2,
        6 => 13,
        8 => 14,
        10 => 35,
        12 => 29,
        _ => 43,
    }
}

/// The file name of flight `index`'s mission: `NNNN-ORDER-DRONE.EXT`, with characters
/// other than ASCII letters, digits, `-` and `_` replaced by `_`.
pub fn mission_file_name(plan: &Plan, index: usize, format: MissionFormat) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
            .collect()
    };
    let f = &plan.flights[index];
    format!("{index:04}-{}-{}.{}", clean(&f.order_id), clean(&f.drone_id), format.extension())
}

fn horizontal_speed(s: &Sample) -> f64 {
    s.vel_mps[0].hypot(s.vel_mps[1])
}

/// Distance from `p` to the segment `a`-`b` (3D).
fn distance_to_segment(p: [f64; 3], a: [f64; 3], b: [f64; 3]) -> f64 {
    let ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
    let len2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
    let u = if len2 > 0.0 {
        ((ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let d = [ap[0] - u * ab[0], ap[1] - u * ab[1], ap[2] - u * ab[2]];
    (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
}

/// Indices of the samples a mission must pass through: the first and last sample, every
/// phase boundary, and every corner inside a phase (greedy: from the last kept sample,
/// extend while every sample in between stays within [`CORNER_TOLERANCE_M`] of the
/// straight line). Each phase's first sample is kept, so the motion from one kept
/// sample to the next belongs to a single phase: the phase of its first sample.
pub fn waypoint_samples(samples: &[Sample]) -> Vec<usize> {
    let n = samples.len();
    if n == 0 {
        return Vec::new();
    }
    // Phase runs: [start, end] inclusive of the next run's first sample, so that a
    // leg's last point is where the next phase starts.
    let mut breaks = vec![0];
    for i in 1..n {
        if samples[i].phase != samples[i - 1].phase {
            breaks.push(i);
        }
    }
    breaks.push(n - 1);
    breaks.dedup();
    let mut keep = vec![0usize];
    for w in breaks.windows(2) {
        let (start, end) = (w[0], w[1]);
        let mut anchor = start;
        let mut j = start + 1;
        while j <= end {
            // Can the straight line anchor -> j cover every sample in between?
            let straight = (anchor + 1..j).all(|k| {
                distance_to_segment(samples[k].pos_m, samples[anchor].pos_m, samples[j].pos_m)
                    <= CORNER_TOLERANCE_M
            });
            if !straight {
                keep.push(j - 1);
                anchor = j - 1;
                continue;
            }
            j += 1;
        }
        keep.push(end);
    }
    keep.dedup();
    keep
}

/// The mission of flight `index` of `plan`, with the package put down by `release`.
///
/// # Panics
/// If `index` is out of range or the flight has fewer than two samples (plans written
/// by the planner never do).
pub fn flight_mission(plan: &Plan, index: usize, release: Release) -> FlightMission {
    let f: &Flight = &plan.flights[index];
    let s = &f.samples;
    assert!(s.len() >= 2, "flight {index} has fewer than two samples");
    let frame = plan.frame();
    let geo = |p: [f64; 3]| {
        let (lat, lon) = frame.to_geodetic([p[0], p[1]]);
        (lat, lon, p[2] - s[0].pos_m[2])
    };
    let (vehicle_type, cruise_speed_mps) = vehicle_of(plan, f);
    let (home_lat, home_lon, _) = geo(s[0].pos_m);
    let nan = f64::NAN;
    let mut items = Vec::new();
    let wps = waypoint_samples(s);
    let mut speed_set: Option<f64> = None;
    let mut took_off = false;
    let at_locker = plan.outcomes.iter().any(|o| o.order_id == f.order_id && o.locker.is_some());
    for w in wps.windows(2) {
        let (a, b) = (w[0], w[1]);
        let phase = s[a].phase;
        let moved = {
            let (p, q) = (s[a].pos_m, s[b].pos_m);
            (p[0] - q[0]).hypot(p[1] - q[1]).hypot(p[2] - q[2]) > CORNER_TOLERANCE_M
        };
        if !moved && phase != Phase::Lowering {
            continue;
        }
        let (lat, lon, alt) = geo(s[b].pos_m);
        match phase {
            Phase::TakeOff if !took_off => {
                items.push(MissionItem::at(
                    mav_cmd::NAV_TAKEOFF,
                    [0.0, 0.0, 0.0, nan],
                    lat,
                    lon,
                    alt,
                ));
                took_off = true;
            }
            Phase::Outbound | Phase::Inbound => {
                let top = s[a..=b].iter().map(horizontal_speed).fold(0.0, f64::max);
                let top = (top * 10.0).floor() / 10.0;
                if top > 0.0 && speed_set.is_none_or(|v| (v - top).abs() > SPEED_STEP_MPS) {
                    items.push(MissionItem::command_only(
                        mav_cmd::DO_CHANGE_SPEED,
                        [SPEED_TYPE_GROUNDSPEED, top, -1.0, 0.0],
                    ));
                    speed_set = Some(top);
                }
                items.push(MissionItem::at(
                    mav_cmd::NAV_WAYPOINT,
                    [0.0, 0.0, 0.0, nan],
                    lat,
                    lon,
                    alt,
                ));
            }
            Phase::DeliveryDescent if at_locker => {
                // Onto the locker's pad: the autopilot finds the pad itself; 1 m more
                // descent than planned absorbs the pad's height error.
                let (_, _, top) = geo(s[a].pos_m);
                let max_descent_m = s[a].pos_m[2] - s[b].pos_m[2] + 1.0;
                items.push(MissionItem::at(
                    mav_cmd::NAV_PAYLOAD_PLACE,
                    [max_descent_m, 0.0, 0.0, nan],
                    lat,
                    lon,
                    top,
                ));
            }
            // Payload place released the parcel on the pad, and climbs back by itself
            // to where the climb's waypoint is.
            Phase::Lowering if at_locker => {}
            Phase::Lowering => {
                let hold = s[b].t_s - s[a].t_s;
                let height = s[a].pos_m[2] - s[0].pos_m[2];
                items.extend(release_items(release, hold, height, geo(s[a].pos_m)));
                if moved {
                    // The trajectory drifts while hovering (never in planner output):
                    // follow it to where the climb starts.
                    items.push(MissionItem::at(
                        mav_cmd::NAV_WAYPOINT,
                        [0.0, 0.0, 0.0, nan],
                        lat,
                        lon,
                        alt,
                    ));
                }
            }
            Phase::Landing if b == s.len() - 1 => {
                items.push(MissionItem::at(mav_cmd::NAV_LAND, [0.0, 0.0, 0.0, nan], lat, lon, alt));
            }
            _ => {
                items.push(MissionItem::at(
                    mav_cmd::NAV_WAYPOINT,
                    [0.0, 0.0, 0.0, nan],
                    lat,
                    lon,
                    alt,
                ));
            }
        }
    }
    FlightMission {
        order_id: f.order_id.clone(),
        drone_id: f.drone_id.clone(),
        home: [home_lat, home_lon, 0.0],
        vehicle_type,
        cruise_speed_mps,
        items,
    }
}

/// The MAVLink vehicle type and cruise speed of flight `f`'s drone type (a generic
/// rotorcraft at the flight's top speed when the mission does not name the type).
fn vehicle_of(plan: &Plan, f: &Flight) -> (u32, f64) {
    let spec = plan
        .mission
        .fleet
        .drones
        .iter()
        .filter_map(|g| plan.mission.drone_spec(g))
        .find(|spec| spec.name == f.drone_type);
    match &spec {
        Some(spec) => (mav_type_for_rotors(spec.rotor_count), spec.cruise_speed_mps),
        None => (43, f.samples.iter().map(horizontal_speed).fold(0.0, f64::max)),
    }
}

/// The items that put the package down during a hover of `hold_s` seconds at `hover`
/// (latitude, longitude, height above home), `height_m` above the ground: release
/// and wait with a gripper; or lower on the winch, release, wind up, each half the hold.
fn release_items(
    release: Release,
    hold_s: f64,
    height_m: f64,
    hover: (f64, f64, f64),
) -> Vec<MissionItem> {
    let nan = f64::NAN;
    let (hlat, hlon, halt) = hover;
    let loiter =
        |t: f64| MissionItem::at(mav_cmd::NAV_LOITER_TIME, [t, 0.0, 0.0, nan], hlat, hlon, halt);
    let release_item =
        MissionItem::command_only(mav_cmd::DO_GRIPPER, [1.0, GRIPPER_ACTION_RELEASE, 0.0, 0.0]);
    match release {
        Release::Gripper => vec![release_item, loiter(hold_s)],
        Release::Winch => {
            let rate = if hold_s > 0.0 { 2.0 * height_m / hold_s } else { nan };
            let winch = |len: f64| {
                MissionItem::command_only(
                    mav_cmd::DO_WINCH,
                    [1.0, WINCH_RELATIVE_LENGTH_CONTROL, len, rate],
                )
            };
            vec![
                winch(height_m),
                loiter(hold_s / 2.0),
                release_item,
                winch(-height_m),
                loiter(hold_s / 2.0),
            ]
        }
    }
}

fn json_number(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// The mission as a QGroundControl `.plan` file (file version 1, mission version 2),
/// with empty geofence and rally points.
pub fn qgc_plan_json(m: &FlightMission) -> String {
    let items: Vec<Value> = m
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let params: Vec<Value> = it.params.iter().map(|p| json_number(*p)).collect();
            let mut item = json!({
                "autoContinue": true,
                "command": it.command,
                "doJumpId": i + 1,
                "frame": it.frame,
                "params": params,
                "type": "SimpleItem",
            });
            if it.has_position() {
                item["AMSLAltAboveTerrain"] = Value::Null;
                item["Altitude"] = json_number(it.params[6]);
                item["AltitudeMode"] = json!(1);
            }
            item
        })
        .collect();
    let plan = json!({
        "fileType": "Plan",
        "geoFence": {"circles": [], "polygons": [], "version": 2},
        "groundStation": "QGroundControl",
        "mission": {
            "cruiseSpeed": m.cruise_speed_mps,
            "firmwareType": MAV_AUTOPILOT_GENERIC,
            "globalPlanAltitudeMode": 1,
            "hoverSpeed": m.cruise_speed_mps,
            "items": items,
            "plannedHomePosition": [m.home[0], m.home[1], m.home[2]],
            "vehicleType": m.vehicle_type,
            "version": 2,
        },
        "rallyPoints": {"points": [], "version": 2},
        "version": 1,
    });
    // `{:#}` displays a `Value` as pretty JSON text; unlike `to_string_pretty`, it
    // cannot fail.
    format!("{plan:#}\n")
}

fn wpl_number(v: f64, decimals: usize) -> String {
    if v.is_nan() {
        "nan".into()
    } else {
        let s = format!("{v:.decimals$}");
        let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
        if s == "-0" {
            "0".into()
        } else {
            s.to_string()
        }
    }
}

/// The mission as a `QGC WPL 110` waypoint list: line 0 is home (`MAV_FRAME_GLOBAL`,
/// current item), then one tab-separated line per item. Latitudes and longitudes are
/// written with 10 decimals (0.01 mm), other values with 6.
pub fn waypoints_text(m: &FlightMission) -> String {
    let mut out = String::from("QGC WPL 110\n");
    let mut line = |index: usize, current: u8, frame: u8, command: u16, p: &[f64; 7]| {
        out.push_str(&format!(
            "{index}\t{current}\t{frame}\t{command}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t1\n",
            wpl_number(p[0], 6),
            wpl_number(p[1], 6),
            wpl_number(p[2], 6),
            wpl_number(p[3], 6),
            wpl_number(p[4], 10),
            wpl_number(p[5], 10),
            wpl_number(p[6], 6),
        ));
    };
    let home = [0.0, 0.0, 0.0, 0.0, m.home[0], m.home[1], m.home[2]];
    line(0, 1, mav_frame::GLOBAL, mav_cmd::NAV_WAYPOINT, &home);
    for (i, it) in m.items.iter().enumerate() {
        line(i + 1, 0, it.frame, it.command, &it.params);
    }
    out
}

/// The text of a mission file in `format`.
pub fn mission_text(m: &FlightMission, format: MissionFormat) -> String {
    match format {
        MissionFormat::QgcPlan => qgc_plan_json(m),
        MissionFormat::Waypoints => waypoints_text(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::energy::presets;
    use crate::trajectory::{delivery_trajectory, DeliveryLegs};
    use nalgebra::Vector3;

    #[test]
    fn waypoints_are_the_path_vertices_and_phase_boundaries() {
        let spec = presets::find("dji-m100").expect("preset");
        let path = [[0.0, 0.0], [120.0, 0.0], [120.0, 80.0], [200.0, 150.0]];
        let legs = DeliveryLegs {
            depot_m: [0.0, 0.0],
            deck_m: 0.0,
            cruise_path_m: &path,
            cruise_alt_m: 50.0,
            hover_m: 8.0,
            lowering_s: 30.0,
            payload_kg: 1.0,
            wind_mps: Vector3::new(2.0, -1.0, 0.0),
        };
        let (samples, _, _) = delivery_trajectory(&spec, &legs, 1000.0).expect("flyable");
        let got: Vec<[f64; 3]> =
            waypoint_samples(&samples).iter().map(|&i| samples[i].pos_m).collect();
        let want = [
            [0.0, 0.0, 0.0],     // pad
            [0.0, 0.0, 50.0],    // top of the climb
            [120.0, 0.0, 50.0],  // corner
            [120.0, 80.0, 50.0], // corner
            [200.0, 150.0, 50.0],
            [200.0, 150.0, 8.0], // hover: lowering starts
            [200.0, 150.0, 8.0], // lowering ends, climb starts
            [200.0, 150.0, 50.0],
            [120.0, 80.0, 50.0],
            [120.0, 0.0, 50.0],
            [0.0, 0.0, 50.0], // above the pad
            [0.0, 0.0, 0.0],  // landed
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(&want) {
            let d = (g[0] - w[0]).hypot(g[1] - w[1]).hypot(g[2] - w[2]);
            assert!(d < 1e-6, "{g:?} vs {w:?}");
        }
    }

    #[test]
    fn waypoint_list_numbers_are_plain_and_nan_is_written_as_nan() {
        assert_eq!(wpl_number(40.0, 6), "40");
        assert_eq!(wpl_number(-0.0000001, 6), "0");
        assert_eq!(wpl_number(0.5333333333, 6), "0.533333");
        assert_eq!(wpl_number(43.73255591234567, 10), "43.7325559123");
        assert_eq!(wpl_number(f64::NAN, 6), "nan");
    }

    #[test]
    fn rotor_counts_map_to_mav_types() {
        assert_eq!(mav_type_for_rotors(4), 2);
        assert_eq!(mav_type_for_rotors(6), 13);
        assert_eq!(mav_type_for_rotors(8), 14);
        assert_eq!(mav_type_for_rotors(5), 43);
    }
}
