//! Operational intents, the way UTM systems exchange flight plans: one intent per
//! flight, each a list of 4D volumes that together contain the flight with half the
//! separation minima around it. Field names follow ASTM F3548-21 as used by the InterUSS
//! DSS and USS-to-USS OpenAPI (`OperationalIntent` = `reference` + `details`;
//! `details.volumes` is a list of `Volume4D` with `volume.outline_polygon.vertices`
//! `{lat, lng}`, `altitude_lower`/`altitude_upper` `{value, reference: "W84", units: "M"}`
//! and `time_start`/`time_end` `{value, format: "RFC3339"}`).
//!
//! Entry point: [`intents_json`]. The volumes are the planner's own reservations
//! ([`crate::volumes`]) grown by half the minima: horizontally a 16-sided stadium
//! polygon around the volume's segment (it contains the disc of radius `horizontal_m / 2
//! + bulge`), vertically `vertical_m / 2` less 5 cm above and below (so flights exactly
//! the vertical minimum apart do not touch), in time `time_buffer_s / 2` before and after. Two flights the planner kept apart therefore have intents that do
//! not intersect, except the volumes of the vertical pad corridors of one nest (listed per
//! intent in the `skylane.terminal_volumes` extension), which belong to the nest.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::writers::LazyArray;
use super::Plan;
use crate::geo::LocalFrame;
use crate::mission::Separation;
use crate::volumes::{cap_cos, flight_volumes, Volume4, CAP_SIDES, POLYGON_GAP_M};

/// The intents of every flight of `plan` as JSON text, or `None` when the mission's
/// airspace has no `date` (absolute times need it). Heights above the WGS84 ellipsoid are
/// the mission's heights plus `ground_amsl_m + geoid_height_m`.
pub fn intents_json(plan: &Plan) -> Option<String> {
    let a = &plan.mission.airspace;
    let date = a.date?;
    let sep = &plan.mission.airspace.separation;
    let ground_w84_m = a.ground_amsl_m + a.geoid_height_m;
    let intents = Intents {
        plan,
        midnight_utc_s: date.days_since_epoch() as f64 * 86_400.0 - a.utc_offset_h * 3600.0,
        ground_w84_m,
        frame: plan.frame(),
    };
    let doc = IntentsDocument {
        altitude_datum: format!(
            "WGS84 ellipsoid: mission heights + {ground_w84_m} m (airspace.ground_amsl_m + airspace.geoid_height_m)"
        ),
        format: "skylane-intents/1",
        mission: &plan.mission.name,
        operational_intents: intents,
        separation: json!({
            "horizontal_m": sep.horizontal_m,
            "vertical_m": sep.vertical_m,
            "time_buffer_s": sep.time_buffer_s,
        }),
        standard: "ASTM F3548-21 OperationalIntent, InterUSS DSS / USS API field names",
    };
    serde_json::to_string(&doc).ok()
}

/// The document [`intents_json`] writes. Its fields are in alphabetical order, the order
/// of a `serde_json` object, as are the keys of every intent.
#[derive(serde::Serialize)]
struct IntentsDocument<'a> {
    altitude_datum: String,
    format: &'static str,
    mission: &'a str,
    operational_intents: Intents<'a>,
    separation: Value,
    standard: &'static str,
}

/// The intents of a plan's flights, serialised a few flights at a time ([`LazyArray`]): a
/// day's intents as one JSON value took several times the memory of the whole plan
/// (700 MB at 2,000 orders), while one flight's is small.
struct Intents<'a> {
    plan: &'a Plan,
    midnight_utc_s: f64,
    ground_w84_m: f64,
    frame: LocalFrame,
}

impl serde::Serialize for Intents<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let flights = &self.plan.flights;
        let intents = LazyArray { len: flights.len(), make: |i| self.intent(&flights[i]) };
        serde::Serialize::serialize(&intents, serializer)
    }
}

impl Intents<'_> {
    /// One flight's operational intent.
    fn intent(&self, f: &super::Flight) -> Value {
        let plan = self.plan;
        let sep = &plan.mission.airspace.separation;
        let nest =
            plan.mission.depots.iter().position(|x| x.id == f.depot_id).unwrap_or(usize::MAX);
        let volumes = flight_volumes(&f.samples, Some((nest, f.pad)));
        let terminal: Vec<usize> =
            (0..volumes.len()).filter(|&i| volumes[i].corridor.is_some()).collect();
        let rfc = |t: f64| rfc3339(self.midnight_utc_s + t);
        let v4: Vec<Value> = volumes
            .iter()
            .map(|v| volume4d(v, sep, self.ground_w84_m, &self.frame, self.midnight_utc_s))
            .collect();
        let (t0, t1) = (
            f.samples.first().map_or(0.0, |s| s.t_s) - sep.time_buffer_s / 2.0,
            f.samples.last().map_or(0.0, |s| s.t_s) + sep.time_buffer_s / 2.0,
        );
        json!({
            "reference": {
                "id": uuid_for(&plan.mission.name, &f.order_id),
                "manager": "skylane",
                "version": 1,
                "state": "Accepted",
                "time_start": {"value": rfc(t0), "format": "RFC3339"},
                "time_end": {"value": rfc(t1), "format": "RFC3339"},
            },
            "details": {
                "volumes": v4,
                "off_nominal_volumes": [],
                "priority": 0,
            },
            "skylane": {
                "order_id": f.order_id,
                "drone_id": f.drone_id,
                "depot_id": f.depot_id,
                "pad": f.pad,
                "terminal_volumes": terminal,
            },
        })
    }
}

/// One `Volume4D`: the volume `v` grown by half the minima.
fn volume4d(
    v: &Volume4,
    sep: &Separation,
    ground_w84_m: f64,
    frame: &LocalFrame,
    midnight_utc_s: f64,
) -> Value {
    let (h_m, v_m, buffer_s) = (sep.horizontal_m, sep.vertical_m, sep.time_buffer_s);
    let radius = (h_m / 2.0 + v.bulge_m) / cap_cos();
    // Two flights exactly the vertical minimum apart (cruise layers are spaced by it)
    // keep a gap between their intents instead of touching.
    let half_v = (v_m - POLYGON_GAP_M) / 2.0;
    let vertices: Vec<Value> = stadium(v.a_m, v.b_m, radius)
        .into_iter()
        .map(|p| {
            let (lat, lng) = frame.to_geodetic(p);
            json!({"lat": lat, "lng": lng})
        })
        .collect();
    let alt = |z: f64| json!({"value": z + ground_w84_m, "reference": "W84", "units": "M"});
    // Times widen outwards to the millisecond so that rounding never shrinks a volume.
    let start = ((midnight_utc_s + v.t_from_s - buffer_s / 2.0) * 1000.0).floor() / 1000.0;
    let end = ((midnight_utc_s + v.t_to_s + buffer_s / 2.0) * 1000.0).ceil() / 1000.0;
    json!({
        "volume": {
            "outline_polygon": {"vertices": vertices},
            "altitude_lower": alt(v.z_min_m - half_v),
            "altitude_upper": alt(v.z_max_m + half_v),
        },
        "time_start": {"value": rfc3339(start), "format": "RFC3339"},
        "time_end": {"value": rfc3339(end), "format": "RFC3339"},
    })
}

/// A polygon containing every point within `r * cap_cos()` of the segment `a`-`b` and
/// none further than `r`: two half-circle caps of [`CAP_SIDES`] edges with vertices at
/// radius `r`, so every edge is tangent to or outside the radius `r * cap_cos()`;
/// counter-clockwise.
pub fn stadium(a: [f64; 2], b: [f64; 2], r: f64) -> Vec<[f64; 2]> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let heading = if dx.hypot(dy) > 1e-9 { dy.atan2(dx) } else { 0.0 };
    let step = std::f64::consts::PI / CAP_SIDES as f64;
    let mut out = Vec::with_capacity(2 * CAP_SIDES + 2);
    for (centre, from) in
        [(b, heading - std::f64::consts::FRAC_PI_2), (a, heading + std::f64::consts::FRAC_PI_2)]
    {
        for k in 0..=CAP_SIDES {
            let ang = from + step * k as f64;
            out.push([centre[0] + r * ang.cos(), centre[1] + r * ang.sin()]);
        }
    }
    out
}

/// `unix_s` (seconds since 1970-01-01T00:00Z) as RFC 3339 UTC with milliseconds.
pub fn rfc3339(unix_s: f64) -> String {
    let ms = (unix_s * 1000.0).round() as i64;
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // H. Hinnant's civil_from_days (the inverse of `CivilDate::days_since_epoch`): one
    // conversion, not worth a date-time crate.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let s = ms_of_day / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        ms_of_day % 1000
    )
}

/// A stable RFC 4122-shaped id (name-based, SHA-256) for a mission's flight.
fn uuid_for(mission: &str, order_id: &str) -> String {
    let h = Sha256::digest(format!("skylane:{mission}:{order_id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_rfc3339() {
        use crate::airspace::time::CivilDate;
        let day = |s: &str| CivilDate::parse(s).unwrap().days_since_epoch() as f64 * 86_400.0;
        assert_eq!(rfc3339(day("2026-06-01") + 9.0 * 3600.0 + 0.25), "2026-06-01T09:00:00.250Z");
        assert_eq!(rfc3339(day("2024-02-29")), "2024-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn stadium_contains_the_swept_disc() {
        let (a, b, r) = ([0.0, 0.0], [30.0, 40.0], 8.0 / cap_cos());
        let poly = stadium(a, b, r);
        // Every vertex is at distance r from the segment, every edge midpoint at >= r cos.
        for w in poly.windows(2) {
            let mid = [(w[0][0] + w[1][0]) / 2.0, (w[0][1] + w[1][1]) / 2.0];
            let d = crate::world::polygon::segment_point_distance(a, b, mid);
            assert!(d >= 8.0 - 1e-9, "{d}");
        }
    }
}
