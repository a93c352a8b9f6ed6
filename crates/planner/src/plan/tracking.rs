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

use super::writers::geojson_value;
use super::{Outcome, Plan, Sample};
use crate::geo::LocalFrame;
use crate::mission::{Order, Service};
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

/// The promise a customer is given when an order is accepted, s.
fn promised_s(plan: &Plan, order: &Order, outcome: &Outcome) -> f64 {
    match (outcome, order.service) {
        (_, Service::Window(w)) => w.to.seconds().max(order.due_s()),
        (Outcome::Van { route, .. }, _) => {
            let depot = &plan.van_routes[*route].depot_id;
            plan.mission
                .fleet
                .vans
                .iter()
                .find(|g| &g.depot == depot)
                .map_or(order.due_s(), |g| g.shift_end.seconds())
        }
        _ => order.due_s(),
    }
}

/// The orders' tracking, as JSON text (`{"format", "mission", "position_interval_s",
/// "orders": [...]}`, one object per order in mission order; see the module docs for
/// the events). Like `flights.geojson`, positions are converted with the frame of the
/// plan's own mission origin.
pub fn tracking_json(plan: &Plan) -> String {
    // A `Value` displays as JSON text; unlike `to_string`, this cannot fail.
    format!("{}\n", tracking_value(plan))
}

/// The document [`tracking_json`] writes.
fn tracking_value(plan: &Plan) -> Value {
    let m = &plan.mission;
    let frame = LocalFrame::new(m.origin.lat_deg, m.origin.lon_deg);
    let geo = |p: [f64; 3]| {
        let (lat, lon) = frame.to_geodetic([p[0], p[1]]);
        (round(lat, 7), round(lon, 7), round(p[2], 2))
    };
    let mut orders = Vec::with_capacity(plan.outcomes.len());
    for o in &plan.outcomes {
        let order = m.orders.iter().find(|x| x.id == o.order_id);
        let placed = o.placed_s;
        let mut events: Vec<Value> = vec![json!({"t_s": round(placed, 3), "kind": "placed"})];
        let mut record = json!({
            "order_id": o.order_id,
            "placed_s": round(placed, 3),
        });
        if let Some(order) = order {
            record["address"] = json!({"lat_deg": order.lat_deg, "lon_deg": order.lon_deg});
        }
        let served = match (&o.outcome, order) {
            (Outcome::Rejected { reason }, _) => {
                events.push(json!({"t_s": round(placed, 3), "kind": "rejected", "reason": reason}));
                record["mode"] = json!("rejected");
                None
            }
            (_, None) => {
                // A plan whose outcome names an order missing from its mission: report
                // it rather than invent a promise.
                events.push(json!({
                    "t_s": round(placed, 3),
                    "kind": "rejected",
                    "reason": "order not in the plan's mission",
                }));
                record["mode"] = json!("rejected");
                None
            }
            (Outcome::Drone { flight }, Some(order)) => {
                let f = &plan.flights[*flight];
                // On its way: from take-off until the package is released.
                let track: Vec<&Sample> =
                    f.samples.iter().filter(|s| s.t_s <= f.delivered_s).collect();
                let pts: Vec<[f64; 3]> = track.iter().map(|s| s.pos_m).collect();
                let times: Vec<f64> = track.iter().map(|s| s.t_s).collect();
                let release = f.samples.iter().find(|s| s.phase == super::Phase::Lowering);
                if let Some(r) = release {
                    let (lat, lon, _) = geo(r.pos_m);
                    let address = frame.to_local(order.lat_deg, order.lon_deg);
                    let offset = (r.pos_m[0] - address[0]).hypot(r.pos_m[1] - address[1]);
                    record["proof_of_delivery"] = json!({
                        "order_id": o.order_id,
                        "vehicle": f.drone_id,
                        "t_s": round(f.delivered_s, 3),
                        "release_lat_deg": lat,
                        "release_lon_deg": lon,
                        "release_height_m": round(r.pos_m[2], 2),
                        "address_lat_deg": order.lat_deg,
                        "address_lon_deg": order.lon_deg,
                        "offset_from_address_m": round(offset, 2),
                    });
                }
                Some(Journey {
                    mode: "drone",
                    vehicle: f.drone_id.clone(),
                    depot: f.depot_id.clone(),
                    depart_s: f.takeoff_s,
                    deliver_s: f.delivered_s,
                    track_m: pts,
                    times_s: times,
                    order,
                })
            }
            (Outcome::Van { route, .. }, Some(order)) => {
                let r = &plan.van_routes[*route];
                let Some(stop) = r.stops.iter().find(|s| s.order_id == o.order_id) else {
                    events.push(json!({
                        "t_s": round(placed, 3),
                        "kind": "rejected",
                        "reason": format!("van route {} has no stop for this order", r.van_id),
                    }));
                    record["mode"] = json!("rejected");
                    orders.push(finish(record, events));
                    continue;
                };
                let pts: Vec<[f64; 3]> = r.path_m.iter().map(|p| [p[0], p[1], 0.0]).collect();
                let start = r.times_s.first().copied().unwrap_or(stop.arrive_s);
                Some(Journey {
                    mode: "van",
                    vehicle: r.van_id.clone(),
                    depot: r.depot_id.clone(),
                    depart_s: start,
                    deliver_s: stop.service_start_s,
                    track_m: pts,
                    times_s: r.times_s.clone(),
                    order,
                })
            }
        };
        if let Some(j) = served {
            let (mode, vehicle, depart, deliver) = (j.mode, j.vehicle, j.depart_s, j.deliver_s);
            let promised = promised_s(plan, j.order, &o.outcome);
            let ready = placed + m.policy.pick_load_s;
            record["mode"] = json!(mode);
            record["vehicle"] = json!(vehicle);
            record["promised_s"] = json!(round(promised, 3));
            events.push(json!({
                "t_s": round(placed, 3),
                "kind": "accepted",
                "mode": mode,
                "promised_s": round(promised, 3),
            }));
            events
                .push(json!({"t_s": round(placed, 3), "kind": "eta", "eta_s": round(deliver, 3)}));
            events.push(json!({"t_s": round(ready, 3), "kind": "picked", "depot": j.depot}));
            events.push(json!({"t_s": round(depart, 3), "kind": "loaded", "vehicle": vehicle}));
            events.push(json!({"t_s": round(depart, 3), "kind": "departed", "vehicle": vehicle}));
            let mut t = depart;
            while t < deliver {
                let (lat, lon, alt) = geo(at_time(&j.track_m, &j.times_s, t));
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
                "vehicle": vehicle,
                "late": deliver > promised + 1e-6,
            }));
        }
        orders.push(finish(record, events));
    }
    json!({
        "format": TRACKING_FORMAT,
        "mission": m.name,
        "position_interval_s": POSITION_INTERVAL_S,
        "orders": orders,
    })
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
    let frame = LocalFrame::new(m.origin.lat_deg, m.origin.lon_deg);
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
