//! The plan: what the planner decided, self-contained for the checker and the replay.
//!
//! Entry points: [`Plan`] (read with [`Plan::load`]), [`Plan::world`] to rebuild the
//! mission's world, and [`write_outputs`] which writes `plan.ron`, `flights.geojson`,
//! `timeline.csv`, `tracking.json`, `intents.json` and `manifest.json` into a folder as
//! one set ([`output_set`]).
//!
//! Times are seconds since midnight of the mission day; positions are local metres
//! (x east, y north, z up above the ground datum) in the mission's frame.

pub mod autopilot;
mod intents;
pub mod output_set;
pub mod reason;
pub mod tracking;
mod writers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::mission::{Mission, Order, Service};
use crate::world::{World, WorldError};
pub use intents::intents_json;
pub use output_set::{check_manifest, MANIFEST_FILE};
pub use reason::{Reason, ReasonKind, Reasons};
pub use tracking::{tracking_html, tracking_json};
pub use writers::{geojson_string, timeline_csv, write_outputs, OutputError};

/// Format tag written into every plan file.
pub const PLAN_FORMAT: &str = "skylane-plan/1";

/// A complete plan for one mission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    /// The mission as planned.
    pub mission: Mission,
    /// The map the world was built from.
    pub map: MapRef,
    /// One outcome per order, in mission order.
    pub outcomes: Vec<OrderOutcome>,
    /// Drone flights.
    pub flights: Vec<Flight>,
    /// Van routes.
    pub van_routes: Vec<VanRoute>,
    /// Totals.
    pub summary: Summary,
}

/// Where the map is, and its SHA-256 so a checker knows it sees the same city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapRef {
    /// Absolute path of the `.osm.pbf` file at planning time.
    pub path: PathBuf,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
}

/// What happened to one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderOutcome {
    /// Order id.
    pub order_id: String,
    /// When it was placed, s.
    pub placed_s: f64,
    /// The latest delivery it was promised when it was decided, s (see [`promised_s`]);
    /// absent for rejected orders and in plans written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_s: Option<f64>,
    /// Drone, van or rejected.
    pub outcome: Outcome,
    /// The locker the parcel was delivered to (see [`delivered_locker`]); absent for
    /// deliveries to an address, rejected orders and plans written before lockers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locker: Option<String>,
}

/// The locker an order served as `outcome` is delivered to: the one it names, unless
/// it was rejected.
pub fn delivered_locker(order: &Order, outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Rejected { .. } => None,
        _ => order.locker.clone(),
    }
}

/// What an order served as `outcome` is promised, s since midnight: the one definition
/// of "late" that the summary, the timeline, the tracking page and the replay count
/// against (the verifier checks it with its own rule).
///
/// - a time window: its end, whoever delivers;
/// - an express order by drone: placed + its promise (30 minutes by default);
/// - an express order that fell back to a van, and a same-day order: the end of the
///   day's van shifts (midnight when the fleet has no vans);
/// - a rejected order: nothing.
pub fn promised_s(mission: &Mission, order: &Order, outcome: &Outcome) -> Option<f64> {
    match (outcome, order.service) {
        (Outcome::Rejected { .. }, _) => None,
        (_, Service::Window(w)) => Some(w.to.seconds()),
        (Outcome::Drone { .. }, Service::Express) => Some(order.due_s()),
        _ => Some(mission.day_end_s()),
    }
}

/// The three possible outcomes of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// Flown: index into [`Plan::flights`].
    Drone {
        /// Flight index.
        flight: usize,
    },
    /// Driven: index into [`Plan::van_routes`].
    Van {
        /// Route index.
        route: usize,
        /// Why not by drone (service, too heavy, no path, late, ...); empty in plans
        /// written before it was recorded.
        #[serde(default, skip_serializing_if = "Reasons::is_empty")]
        reason: Reasons,
    },
    /// Not served, and why.
    Rejected {
        /// Why, with the numbers that decided it.
        reason: Reasons,
    },
}

/// Flight phases; the clearance rule differs between cruise and delivery phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Vertical climb from the depot pad to cruise altitude.
    TakeOff,
    /// Cruise towards the customer.
    Outbound,
    /// Vertical descent above the drop point to hover height.
    DeliveryDescent,
    /// Hover while the package is lowered.
    Lowering,
    /// Vertical climb back to cruise altitude.
    DeliveryClimb,
    /// Cruise back to the depot.
    Inbound,
    /// Vertical descent onto the depot pad.
    Landing,
}

impl Phase {
    /// Whether the delivery clearance margin (not the cruise margin) applies.
    pub fn is_delivery(self) -> bool {
        matches!(self, Phase::DeliveryDescent | Phase::Lowering | Phase::DeliveryClimb)
    }
}

/// One timed sample of a flight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Time, s since midnight.
    pub t_s: f64,
    /// Position, local metres.
    pub pos_m: [f64; 3],
    /// Ground velocity, m/s.
    pub vel_mps: [f64; 3],
    /// Phase of the motion from this sample to the next.
    pub phase: Phase,
    /// Payload on board, kg.
    pub payload_kg: f64,
    /// State of charge, share of usable energy (1 = full).
    pub soc: f64,
}

impl Sample {
    /// The flight condition the energy model needs at this sample.
    pub fn energy_sample(&self) -> crate::energy::EnergySample {
        crate::energy::EnergySample {
            t_s: self.t_s,
            ground_velocity_mps: nalgebra::Vector3::from(self.vel_mps),
            alt_m: self.pos_m[2],
            payload_kg: self.payload_kg,
        }
    }
}

/// One drone flight: depot -> customer -> depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flight {
    /// Order served.
    pub order_id: String,
    /// Drone that flies it.
    pub drone_id: String,
    /// Drone type name.
    pub drone_type: String,
    /// Depot of departure and return.
    pub depot_id: String,
    /// Index of the nest pad it takes off from and lands on (the planner's record; the
    /// verifier finds the pad from the positions itself).
    #[serde(default)]
    pub pad: usize,
    /// Package mass, kg.
    pub payload_kg: f64,
    /// The customer's address, local metres.
    pub destination_m: [f64; 2],
    /// Where the package is lowered, local metres (ground).
    pub drop_point_m: [f64; 2],
    /// Distance from the address to the drop point, m.
    pub drop_offset_m: f64,
    /// Cruise altitude, m.
    pub cruise_alt_m: f64,
    /// Length of the flown path, m.
    pub path_length_m: f64,
    /// Straight-line depot -> drop -> depot distance, m (lower bound for the path).
    pub straight_line_m: f64,
    /// Take-off time, s.
    pub takeoff_s: f64,
    /// Package released, s.
    pub delivered_s: f64,
    /// Touch-down back at the depot, s.
    pub landed_s: f64,
    /// Energy drawn from the battery over the flight, Wh.
    pub energy_wh: f64,
    /// Usable battery energy at take-off, Wh.
    pub battery_usable_wh: f64,
    /// State of charge on landing.
    pub soc_end: f64,
    /// Last time on the outbound leg from which the drone could still turn back to its
    /// depot with the package and land with the reserve.
    pub point_of_no_return_s: Option<f64>,
    /// The trajectory.
    pub samples: Vec<Sample>,
    /// Set when the drone left its planned trajectory in the air (a live day's drone
    /// failure or a no-fly zone activated at short notice): the samples are then the
    /// flight as flown, up to the diversion and then back to its pad or down to a safe
    /// spot. Absent for a flight flown as planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diversion: Option<Diversion>,
}

/// How and why a flight left its planned trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diversion {
    /// When the drone left its planned trajectory, s since midnight.
    pub at_s: f64,
    /// Why, for people ("drone failure", "zone Z active from 10:30").
    pub cause: String,
    /// Whether the package had been released before the diversion (the order is then
    /// delivered by this flight; otherwise the package comes down with the drone and the
    /// order has its outcome elsewhere).
    pub delivered: bool,
    /// Where the flight ended.
    pub ending: DiversionEnd,
}

/// Where a diverted flight ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum DiversionEnd {
    /// Back on its own pad, flying its outbound path in reverse.
    Pad,
    /// Landed away from its nest at this spot (local metres, on the ground); the drone
    /// flies no more that day.
    Spot {
        /// Where it landed, local metres.
        pos_m: [f64; 2],
    },
}

impl Flight {
    /// Whether this flight released its order's package (every flight flown as planned
    /// does; a diverted one only if it had released it before the diversion).
    pub fn delivers(&self) -> bool {
        self.diversion.as_ref().is_none_or(|d| d.delivered)
    }
}

/// One stop of a van route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VanStop {
    /// Order delivered here.
    pub order_id: String,
    /// Position, local metres (on the road network).
    pub pos_m: [f64; 2],
    /// Arrival, s.
    pub arrive_s: f64,
    /// Service start (after any wait for the window), s.
    pub service_start_s: f64,
    /// Departure, s.
    pub depart_s: f64,
}

/// One van's route: depot -> stops -> depot along the roads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VanRoute {
    /// Van id.
    pub van_id: String,
    /// Depot.
    pub depot_id: String,
    /// Stops in visiting order.
    pub stops: Vec<VanStop>,
    /// Road polyline, local metres.
    pub path_m: Vec<[f64; 2]>,
    /// Time at each polyline point, s.
    pub times_s: Vec<f64>,
    /// OSM node ids of the polyline points (road graph continuity check).
    pub node_ids: Vec<i64>,
    /// Driven distance, m.
    pub distance_m: f64,
    /// Load at departure, kg.
    pub load_kg: f64,
    /// Load at departure, m^3.
    pub load_m3: f64,
}

/// Totals of a plan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Orders in the mission.
    pub orders: usize,
    /// Delivered by drone.
    pub by_drone: usize,
    /// Delivered by van.
    pub by_van: usize,
    /// Delivered after their promise or window.
    pub late: usize,
    /// Not served.
    pub rejected: usize,
    /// Rejections grouped by reason kind.
    pub rejected_by_reason: BTreeMap<String, usize>,
    /// Total drone flight distance, km.
    pub drone_km: f64,
    /// Total van distance, km.
    pub van_km: f64,
    /// Total drone battery energy, Wh.
    pub energy_wh: f64,
    /// Flights whose take-off waited for the airspace to clear of the fleet's other
    /// flights.
    #[serde(default)]
    pub separation_delays: usize,
    /// Total wait of those flights, s.
    #[serde(default)]
    pub separation_delay_s: f64,
    /// Flights flown at another cruise layer than their best one, to keep clear of the
    /// fleet's other flights without a wait.
    #[serde(default)]
    pub separation_other_layer: usize,
    /// The van waves' route searches, in the order they were recorded: how many orders
    /// each wave was offered and took, and its wall-clock search budget.
    #[serde(default)]
    pub van_waves: Vec<VanWave>,
}

/// One van wave's route search, as the summary reports it. Each search stops after a
/// fixed number of iterations, so the routes are reproducible, unless the wave's
/// wall-clock budget runs out first: then they are as good as this machine found in
/// the time, and `budget_ran_out` says so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VanWave {
    /// The vans' depot.
    pub depot_id: String,
    /// Departure, s.
    pub departs_s: f64,
    /// Orders offered to the wave.
    pub orders: usize,
    /// Of those, orders put on the wave's routes.
    pub routed: usize,
    /// Of those, orders moved on to a later wave (the vans were full).
    pub deferred: usize,
    /// Areas the wave was cut into, each searched on its own (a share of the budget
    /// each).
    pub areas: usize,
    /// The wall-clock budget the wave's searches shared, s.
    pub budget_s: f64,
    /// Whether a search stopped on the budget before its iterations were done.
    pub budget_ran_out: bool,
}

/// Why a plan file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanLoadError {
    /// Unreadable file.
    #[error("{path}: cannot read plan file: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// OS error.
        message: String,
    },
    /// Not a plan.
    #[error("{path}:{line}:{column}: not a skylane plan: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Newer or foreign format.
    #[error("{path}: unsupported plan format {found:?} (expected {PLAN_FORMAT:?})")]
    Format {
        /// The file.
        path: PathBuf,
        /// The format tag found.
        found: String,
    },
}

impl Plan {
    /// The local frame of the plan's own mission origin: every output converts
    /// positions with it.
    pub fn frame(&self) -> crate::geo::LocalFrame {
        crate::geo::LocalFrame::new(self.mission.origin.lat_deg, self.mission.origin.lon_deg)
    }

    /// Reads a `plan.ron` file.
    pub fn load(path: &Path) -> Result<Plan, PlanLoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PlanLoadError::Io { path: path.into(), message: e.to_string() })?;
        Self::from_ron_str(&text, path)
    }

    /// Parses plan text; `path` names it in errors.
    pub fn from_ron_str(text: &str, path: &Path) -> Result<Plan, PlanLoadError> {
        let mut plan: Plan = ron::from_str(text).map_err(|e| PlanLoadError::Parse {
            path: path.into(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: e.code.to_string(),
        })?;
        if plan.format != PLAN_FORMAT {
            return Err(PlanLoadError::Format { path: path.into(), found: plan.format });
        }
        plan.mission.resolve_lockers();
        Ok(plan)
    }

    /// Rebuilds the world the plan was made in, from the recorded map path.
    pub fn world(&self) -> Result<World, WorldError> {
        let mission = Mission { map: self.map.path.display().to_string(), ..self.mission.clone() };
        World::load(&mission, Path::new("."))
    }

    /// Serialises to RON text (one sample per line).
    pub fn to_ron(&self) -> String {
        let cfg = ron::ser::PrettyConfig::new().depth_limit(4).indentor(" ".to_string());
        ron::ser::to_string_pretty(self, cfg).expect("plans contain only serialisable data")
    }
}
