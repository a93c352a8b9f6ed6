//! Per-order tracking with proof of delivery: what a customer following an order sees,
//! derived from the plan (entry point: [`tracking_json`]).
//!
//! Each order gets a time-ordered list of events:
//!
//! | kind | when | fields |
//! |---|---|---|
//! | `placed` | the order time | |
//! | `accepted` | the order time (the plan's quote) | `promised_s`, `mode` |
//! | `eta` | at acceptance | `eta_s` |
//! | `picked` | placed + the policy's pick-and-load time: the parcel is ready at the depot | `depot` |
//! | `loaded` | departure (the plan does not time loading on its own) | `vehicle` |
//! | `departed` | take-off, or the van leaving the depot | `vehicle` |
//! | `position` | every [`POSITION_INTERVAL_S`] while on its way, from departure to delivery | `lat_deg`, `lon_deg`, `alt_m` (of the vehicle that departed) |
//! | `delivered` | end of the lowering (drone) or start of service at the door (van) | `vehicle`, `late` |
//! | `rejected` | the order time | `reason` |
//!
//! Every order ends with exactly one final event, `delivered` or `rejected`, and its
//! event times never decrease. A drone delivery also has a `proof_of_delivery`: where
//! the package was released (latitude, longitude of the drop point), the release height
//! above the ground, the time, the address and the drop point's offset from it. A plan
//! is deterministic, so the ETA does not change on the way: one `eta` event announces the
//! planned delivery time at acceptance.
//!
//! Times are seconds since midnight of the mission day; positions are WGS84 degrees
//! from the mission's own frame (the same conversion as `flights.geojson`).
//!
//! [`tracking_html`] wraps the tracking, the flights and the world's buildings, roads and
//! no-fly zones into one self-contained page (`tracking_page.html` beside this file, no
//! network): a map with a clock slider and play button, every drone and van moving, and
//! a search box that shows an order's status, package position, events and proof of
//! delivery.

use serde_json::{json, Value};

use super::writers::{geojson_value, json_line, LazyArray};
use super::{promised_s, Flight, OrderOutcome, Outcome, Plan, Sample, VanRoute};
use crate::geo::LocalFrame;
use crate::mission::Order;
use crate::world::World;

/// The page template; [`tracking_html`] fills in its data.
const PAGE_TEMPLATE: &str = include_str!("tracking_page.html");
/// The placeholder the page's data replaces.
const PAGE_DATA_MARK: &str = "/*SKYLANE_DATA*/";

/// Format tag of `tracking.json`.
pub const TRACKING_FORMAT: &str = "skylane-tracking/1";
/// Interval of `position` events while an order is on its way, s.
pub const POSITION_INTERVAL_S: f64 = 5.0;

fn round(v: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (v * k).round() / k
}

/// Position on a timed polyline at time `t` (linear between points; clamped).
fn at_time(points: &[[f64; 3]], times: &[f64], t: f64) -> [f64; 3] {
    let k = times.partition_point(|x| *x <= t);
    if k == 0 {
        return points[0];
    }
    if k >= times.len() {
        return points[points.len() - 1];
    }
    let (t0, t1) = (times[k - 1], times[k]);
    let u = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
    let (a, b) = (points[k - 1], points[k]);
    [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u]
}

/// A served order's journey: who carries it, from where, when, along which track.
struct Journey<'a> {
    mode: &'static str,
    vehicle: String,
    depot: String,
    depart_s: f64,
    deliver_s: f64,
    track_m: Vec<[f64; 3]>,
    times_s: Vec<f64>,
    order: &'a Order,
}

/// The orders' tracking, as JSON text (`{"format", "mission", "position_interval_s",
/// "orders": [...]}`, one object per order in mission order; see the module docs for
/// the events). Like `flights.geojson`, positions are converted with the frame of the
/// plan's own mission origin.
pub fn tracking_json(plan: &Plan) -> String {
    let m = &plan.mission;
    let frame = plan.frame();
    let doc = TrackingDocument {
        format: TRACKING_FORMAT,
        mission: &m.name,
        orders: LazyArray {
            len: plan.outcomes.len(),
            make: |i| order_tracking(plan, &frame, &plan.outcomes[i]),
        },
        position_interval_s: POSITION_INTERVAL_S,
    };
    json_line(&doc)
}

/// The document [`tracking_json`] writes, one order at a time; fields in alphabetical
/// order as in a `serde_json` object (so the text is that of [`tracking_value`]).
#[derive(serde::Serialize)]
struct TrackingDocument<'a, A> {
    format: &'static str,
    mission: &'a str,
    orders: A,
    position_interval_s: f64,
}

/// The document [`tracking_json`] writes.
fn tracking_value(plan: &Plan) -> Value {
    let m = &plan.mission;
    let frame = plan.frame();
    let orders: Vec<Value> =
        plan.outcomes.iter().map(|o| order_tracking(plan, &frame, o)).collect();
    json!({
        "format": TRACKING_FORMAT,
        "mission": m.name,
        "position_interval_s": POSITION_INTERVAL_S,
        "orders": orders,
    })
}

/// A position as rounded (latitude, longitude, height) for the page.
fn geodetic(frame: &LocalFrame, p: [f64; 3]) -> (f64, f64, f64) {
    let (lat, lon) = frame.to_geodetic([p[0], p[1]]);
    (round(lat, 7), round(lon, 7), round(p[2], 2))
}

/// One order's record: its address, mode, promise, proof of delivery and events.
fn order_tracking(plan: &Plan, frame: &LocalFrame, o: &OrderOutcome) -> Value {
    let order = plan.mission.orders.iter().find(|x| x.id == o.order_id);
    let placed = o.placed_s;
    let mut events: Vec<Value> = vec![json!({"t_s": round(placed, 3), "kind": "placed"})];
    let mut record = json!({
        "order_id": o.order_id,
        "placed_s": round(placed, 3),
    });
    if let Some(order) = order {
        record["address"] = json!({"lat_deg": order.lat_deg, "lon_deg": order.lon_deg});
    }
    if let Some(locker) = &o.locker {
        record["locker"] = json!(locker);
    }
    let served: Result<Journey, String> = match (&o.outcome, order) {
        (Outcome::Rejected { reason }, _) => Err(reason.to_string()),
        // A plan whose outcome names an order missing from its mission: report it
        // rather than invent a promise.
        (_, None) => Err("order not in the plan's mission".into()),
        (Outcome::Drone { flight }, Some(order)) => {
            let f = &plan.flights[*flight];
            if let Some(proof) = proof_of_delivery(frame, f, order) {
                record["proof_of_delivery"] = proof;
            }
            Ok(drone_journey(f, order))
        }
        (Outcome::Van { route, .. }, Some(order)) => {
            let r = &plan.van_routes[*route];
            van_journey(r, &o.order_id, order)
                .ok_or_else(|| format!("van route {} has no stop for this order", r.van_id))
        }
    };
    match served {
        Err(reason) => {
            events.push(json!({"t_s": round(placed, 3), "kind": "rejected", "reason": reason}));
            record["mode"] = json!("rejected");
        }
        Ok(j) => journey_events(plan, frame, o, &j, &mut record, &mut events),
    }
    finish(record, events)
}

/// Where and when drone flight `f` released `order`'s package, and how far from the
/// address; `None` for a flight without a lowering phase.
fn proof_of_delivery(frame: &LocalFrame, f: &Flight, order: &Order) -> Option<Value> {
    let r = f.samples.iter().find(|s| s.phase == super::Phase::Lowering)?;
    let (lat, lon, _) = geodetic(frame, r.pos_m);
    let address = frame.to_local(order.lat_deg, order.lon_deg);
    let offset = (r.pos_m[0] - address[0]).hypot(r.pos_m[1] - address[1]);
    Some(json!({
        "order_id": order.id,
        "vehicle": f.drone_id,
        "t_s": round(f.delivered_s, 3),
        "release_lat_deg": lat,
        "release_lon_deg": lon,
        "release_height_m": round(r.pos_m[2], 2),
        "address_lat_deg": order.lat_deg,
        "address_lon_deg": order.lon_deg,
        "offset_from_address_m": round(offset, 2),
    }))
}

/// A drone order's journey: from take-off until the package is released.
fn drone_journey<'a>(f: &Flight, order: &'a Order) -> Journey<'a> {
    let track: Vec<&Sample> = f.samples.iter().filter(|s| s.t_s <= f.delivered_s).collect();
    Journey {
        mode: "drone",
        vehicle: f.drone_id.clone(),
        depot: f.depot_id.clone(),
        depart_s: f.takeoff_s,
        deliver_s: f.delivered_s,
        track_m: track.iter().map(|s| s.pos_m).collect(),
        times_s: track.iter().map(|s| s.t_s).collect(),
        order,
    }
}

/// A van order's journey along route `r`, if the route stops for `order_id`.
fn van_journey<'a>(r: &VanRoute, order_id: &str, order: &'a Order) -> Option<Journey<'a>> {
    let stop = r.stops.iter().find(|s| s.order_id == order_id)?;
    Some(Journey {
        mode: "van",
        vehicle: r.van_id.clone(),
        depot: r.depot_id.clone(),
        depart_s: r.times_s.first().copied().unwrap_or(stop.arrive_s),
        deliver_s: stop.service_start_s,
        track_m: r.path_m.iter().map(|p| [p[0], p[1], 0.0]).collect(),
        times_s: r.times_s.clone(),
        order,
    })
}

/// A served order's mode, vehicle and promise in `record`, and its events from
/// acceptance to delivery (positions every [`POSITION_INTERVAL_S`] on the way).
fn journey_events(
    plan: &Plan,
    frame: &LocalFrame,
    o: &OrderOutcome,
    j: &Journey,
    record: &mut Value,
    events: &mut Vec<Value>,
) {
    let m = &plan.mission;
    let (placed, depart, deliver) = (o.placed_s, j.depart_s, j.deliver_s);
    // Plans written before the promise was recorded get it by the same rule.
    let promised = o.promised_s.or_else(|| promised_s(m, j.order, &o.outcome)).unwrap_or(f64::NAN);
    let ready = placed + m.policy.pick_load_s;
    record["mode"] = json!(j.mode);
    record["vehicle"] = json!(j.vehicle);
    record["promised_s"] = json!(round(promised, 3));
    events.push(json!({
        "t_s": round(placed, 3),
        "kind": "accepted",
        "mode": j.mode,
        "promised_s": round(promised, 3),
    }));
    events.push(json!({"t_s": round(placed, 3), "kind": "eta", "eta_s": round(deliver, 3)}));
    events.push(json!({"t_s": round(ready, 3), "kind": "picked", "depot": j.depot}));
    events.push(json!({"t_s": round(depart, 3), "kind": "loaded", "vehicle": j.vehicle}));
    events.push(json!({"t_s": round(depart, 3), "kind": "departed", "vehicle": j.vehicle}));
    let mut t = depart;
    while t < deliver {
        let (lat, lon, alt) = geodetic(frame, at_time(&j.track_m, &j.times_s, t));
        events.push(json!({
            "t_s": round(t, 3),
            "kind": "position",
            "lat_deg": lat,
            "lon_deg": lon,
            "alt_m": alt,
        }));
        t += POSITION_INTERVAL_S;
    }
    events.push(json!({
        "t_s": round(deliver, 3),
        "kind": "delivered",
        "vehicle": j.vehicle,
        "late": deliver > promised + 1e-6,
    }));
}

fn finish(mut record: Value, events: Vec<Value>) -> Value {
    record["events"] = Value::Array(events);
    record
}

fn local_ring(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    points.iter().map(|p| [round(p[0], 1), round(p[1], 1)]).collect()
}

/// The tracking page: [`tracking_json`], the plan's flights (as in `flights.geojson`) and
/// `world`'s buildings, roads and no-fly zones (local metres, 0.1 m) inlined into
/// `tracking_page.html`. The page opens from disk with no network. `world` is the
/// plan's world ([`Plan::world`]).
pub fn tracking_html(plan: &Plan, world: &World) -> String {
    let m = &plan.mission;
    let frame = plan.frame();
    // The frame is linear in latitude and longitude: metres per degree from one step.
    let one = frame.to_local(m.origin.lat_deg + 1.0, m.origin.lon_deg + 1.0);
    let tracking = tracking_value(plan);
    let flights = geojson_value(plan);
    let buildings: Vec<Value> = world
        .buildings
        .iter()
        .map(|b| json!({"outer": local_ring(&b.footprint.outer), "top_m": round(b.top_m, 1)}))
        .collect();
    let roads: Vec<Vec<[f64; 2]>> = world.roads.iter().map(|r| local_ring(&r.points)).collect();
    let zones: Vec<Value> = world
        .zones
        .iter()
        .map(|z| json!({"id": z.id, "outer": local_ring(&z.footprint.outer)}))
        .collect();
    let data = json!({
        "frame": {
            "lat0": m.origin.lat_deg,
            "lon0": m.origin.lon_deg,
            "m_per_deg_lat": one[1],
            "m_per_deg_lon": one[0],
        },
        "tracking": tracking,
        "flights": flights,
        "world": {"buildings": buildings, "roads": roads, "zones": zones},
    });
    // Inside a <script> element nothing may close it: escape every "</".
    let text = data.to_string().replace("</", "<\\/");
    PAGE_TEMPLATE.replacen(PAGE_DATA_MARK, &text, 1)
}
