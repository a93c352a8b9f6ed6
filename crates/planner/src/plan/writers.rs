//! Plan writers: RON, GeoJSON, CSV and JSON texts, written as one output set.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::output_set::SetFile;
use super::{DiversionEnd, Outcome, Plan};
use crate::geo::LocalFrame;

/// Why outputs could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot write: {message}")]
pub struct OutputError {
    /// The file or folder.
    pub path: PathBuf,
    /// OS error.
    pub message: String,
}

/// Writes `plan.ron`, `flights.geojson`, `timeline.csv`, `tracking.json`, when the
/// mission's airspace has a `date` `intents.json`, and last `manifest.json` (their sizes
/// and SHA-256) into `dir` as one set: the previous set is replaced as a whole or, on
/// error, not at all (see [`super::output_set`]).
pub fn write_outputs(plan: &Plan, dir: &Path) -> Result<(), OutputError> {
    let (ron, geojson) = (|| plan.to_ron(), || geojson_string(plan));
    let (csv, tracking) = (|| timeline_csv(plan), || super::tracking_json(plan));
    let mut files: Vec<SetFile> = vec![
        ("plan.ron", &ron),
        ("flights.geojson", &geojson),
        ("timeline.csv", &csv),
        ("tracking.json", &tracking),
    ];
    // The date decides whether there are intents; the text is made when written.
    let intents = || super::intents_json(plan).unwrap_or_default();
    if plan.mission.airspace.date.is_some() {
        files.push(("intents.json", &intents));
    }
    super::output_set::write_set_from(dir, &files)
}

fn round(v: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (v * k).round() / k
}

/// The plan as a GeoJSON `FeatureCollection`: one `LineString` per flight and per van
/// route, coordinates `[lon_deg, lat_deg, alt_m]`, with `times_s` per coordinate.
pub fn geojson_string(plan: &Plan) -> String {
    let frame = plan.frame();
    let doc = FeatureCollection {
        features: LazyArray {
            len: plan.flights.len() + plan.van_routes.len(),
            make: |i| match plan.flights.get(i) {
                Some(f) => flight_feature(plan, &frame, f),
                None => van_feature(plan, &frame, &plan.van_routes[i - plan.flights.len()]),
            },
        },
        kind: "FeatureCollection",
    };
    json_line(&doc)
}

/// `doc` as one line of JSON text. The documents written this way hold JSON values,
/// strings and numbers only, which always serialise (no maps with non-string keys, no
/// failing `Serialize`), so the empty text is never what is written.
pub(super) fn json_line(doc: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string(doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The document [`geojson_string`] writes, fields in alphabetical order as in a
/// `serde_json` object (so the text is that of [`geojson_value`]).
#[derive(serde::Serialize)]
struct FeatureCollection<A> {
    features: A,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A JSON array of `len` elements, element `i` made by `make(i)` while it is written: a
/// day's elements held as one value take several times the memory of the plan itself.
/// They are made and turned into text [`LAZY_ARRAY_CHUNK`] at a time, in parallel, and
/// the texts written in order: the same bytes as writing the elements one by one.
pub(super) struct LazyArray<F> {
    /// Number of elements.
    pub len: usize,
    /// Element `i`.
    pub make: F,
}

/// Elements of a [`LazyArray`] made at once: enough to keep every core busy, few enough
/// that their texts stay small beside the document's.
const LAZY_ARRAY_CHUNK: usize = 256;

impl<F> serde::Serialize for LazyArray<F>
where
    F: Fn(usize) -> Value + Sync,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use rayon::prelude::*;
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for from in (0..self.len).step_by(LAZY_ARRAY_CHUNK) {
            let texts: Vec<_> = (from..(from + LAZY_ARRAY_CHUNK).min(self.len))
                .into_par_iter()
                .map(|i| serde_json::value::to_raw_value(&(self.make)(i)))
                .collect();
            for text in texts {
                seq.serialize_element(&text.map_err(S::Error::custom)?)?;
            }
        }
        seq.end()
    }
}

/// (longitude, latitude) of local `(x, y)`, rounded to 7 decimals.
fn lonlat(frame: &LocalFrame, x: f64, y: f64) -> (f64, f64) {
    let (lat, lon) = frame.to_geodetic([x, y]);
    (round(lon, 7), round(lat, 7))
}

/// The document [`geojson_string`] writes, as one value (the tracking page inlines it).
pub(super) fn geojson_value(plan: &Plan) -> Value {
    let frame = plan.frame();
    let mut features: Vec<Value> =
        plan.flights.iter().map(|f| flight_feature(plan, &frame, f)).collect();
    features.extend(plan.van_routes.iter().map(|r| van_feature(plan, &frame, r)));
    json!({"type": "FeatureCollection", "features": features})
}

/// One flight's GeoJSON feature.
fn flight_feature(plan: &Plan, frame: &LocalFrame, f: &super::Flight) -> Value {
    let coords: Vec<Value> = f
        .samples
        .iter()
        .map(|s| {
            let (lon, lat) = lonlat(frame, s.pos_m[0], s.pos_m[1]);
            json!([lon, lat, round(s.pos_m[2], 2)])
        })
        .collect();
    let times: Vec<f64> = f.samples.iter().map(|s| round(s.t_s, 3)).collect();
    let mut feature = json!({
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "kind": "drone",
            "order_id": f.order_id,
            "drone_id": f.drone_id,
            "times_s": times,
            "energy_wh": round(f.energy_wh, 3),
            "soc_end": round(f.soc_end, 4),
        }
    });
    if let Some(locker) = locker_of(plan, &f.order_id).filter(|_| f.delivers()) {
        feature["properties"]["locker"] = json!(locker);
    }
    if let Some(d) = &f.diversion {
        let ending = match d.ending {
            DiversionEnd::Pad => json!("pad"),
            DiversionEnd::Spot { pos_m } => {
                let (lon, lat) = lonlat(frame, pos_m[0], pos_m[1]);
                json!({"spot": [lon, lat]})
            }
        };
        feature["properties"]["diversion"] = json!({
            "at_s": round(d.at_s, 3),
            "cause": d.cause,
            "delivered": d.delivered,
            "ending": ending,
        });
    }
    feature
}

/// One van route's GeoJSON feature.
fn van_feature(plan: &Plan, frame: &LocalFrame, r: &super::VanRoute) -> Value {
    let coords: Vec<Value> = r
        .path_m
        .iter()
        .map(|p| {
            let (lon, lat) = lonlat(frame, p[0], p[1]);
            json!([lon, lat, 0.0])
        })
        .collect();
    let times: Vec<f64> = r.times_s.iter().map(|t| round(*t, 3)).collect();
    let orders: Vec<&str> = r.stops.iter().map(|s| s.order_id.as_str()).collect();
    let lockers: serde_json::Map<String, Value> =
        orders.iter().filter_map(|o| Some((o.to_string(), json!(locker_of(plan, o)?)))).collect();
    let mut feature = json!({
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "kind": "van",
            "van_id": r.van_id,
            "order_ids": orders,
            "times_s": times,
            "distance_m": round(r.distance_m, 1),
        }
    });
    if !lockers.is_empty() {
        feature["properties"]["lockers"] = Value::Object(lockers);
    }
    feature
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The locker order `order_id` names in the plan's mission, if any.
fn locker_of<'p>(plan: &'p Plan, order_id: &str) -> Option<&'p str> {
    plan.mission.orders.iter().find(|o| o.id == order_id)?.locker.as_deref()
}

/// One row per order:
/// `order_id,placed_s,dispatched_s,delivered_s,promised_s,mode,vehicle,reason,locker`
/// (times in seconds since midnight; empty where not applicable). `promised_s` is the
/// delivery the order was promised (see [`super::promised_s`]): a row is late when
/// `delivered_s` is after it. The reason says why a van order is not flown and why a
/// rejected order is not served. `locker` is the locker id of a delivery to a locker
/// (the outcome's `locker`).
pub fn timeline_csv(plan: &Plan) -> String {
    let mut out = String::from(
        "order_id,placed_s,dispatched_s,delivered_s,promised_s,mode,vehicle,reason,locker\n",
    );
    for o in &plan.outcomes {
        let (dispatched, delivered, mode, vehicle, reason) = match &o.outcome {
            Outcome::Drone { flight } => {
                let f = &plan.flights[*flight];
                (
                    format!("{:.1}", f.takeoff_s),
                    format!("{:.1}", f.delivered_s),
                    "drone",
                    f.drone_id.clone(),
                    String::new(),
                )
            }
            Outcome::Van { route, reason } => {
                let r = &plan.van_routes[*route];
                let stop = r.stops.iter().find(|s| s.order_id == o.order_id);
                let start = r.times_s.first().copied().unwrap_or(0.0);
                let delivered =
                    stop.map(|s| format!("{:.1}", s.service_start_s)).unwrap_or_default();
                (format!("{start:.1}"), delivered, "van", r.van_id.clone(), reason.to_string())
            }
            Outcome::Rejected { reason } => {
                (String::new(), String::new(), "rejected", String::new(), reason.to_string())
            }
        };
        let reason = match turned_back(plan, &o.order_id) {
            Some(note) if reason.is_empty() => note,
            Some(note) => format!("{note}; {reason}"),
            None => reason,
        };
        let promised = o.promised_s.map(|p| format!("{p:.1}")).unwrap_or_default();
        out.push_str(&format!(
            "{},{:.1},{},{},{},{},{},{},{}\n",
            csv_field(&o.order_id),
            o.placed_s,
            dispatched,
            delivered,
            promised,
            mode,
            csv_field(&vehicle),
            csv_field(&reason),
            csv_field(o.locker.as_deref().unwrap_or_default())
        ));
    }
    out
}

/// "turned back: CAUSE" for an order one of whose flights was diverted before it
/// delivered (the order's outcome is then its next attempt).
fn turned_back(plan: &Plan, order_id: &str) -> Option<String> {
    let causes: Vec<&str> = plan
        .flights
        .iter()
        .filter(|f| f.order_id == order_id && !f.delivers())
        .filter_map(|f| f.diversion.as_ref().map(|d| d.cause.as_str()))
        .collect();
    (!causes.is_empty()).then(|| format!("turned back: {}", causes.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made in parallel chunks, the array's text is that of the elements written one by
    /// one, in order, across chunk boundaries and for the empty array.
    #[test]
    fn a_lazy_array_writes_what_the_elements_write_in_order() {
        #[derive(serde::Serialize)]
        struct Doc<A> {
            a: A,
            z: u8,
        }
        let element = |i: usize| json!({"i": i, "half": i as f64 / 2.0, "name": format!("n{i}")});
        for len in [0, 1, LAZY_ARRAY_CHUNK - 1, LAZY_ARRAY_CHUNK, 2 * LAZY_ARRAY_CHUNK + 7] {
            let lazy = json_line(&Doc { a: LazyArray { len, make: element }, z: 1 });
            let whole: Vec<Value> = (0..len).map(element).collect();
            assert_eq!(lazy, json_line(&json!({"a": whole, "z": 1})), "len {len}");
        }
    }
}
