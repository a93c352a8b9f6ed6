//! Fleet safety end to end: `skylane plan` on the shipped day missions writes flights
//! that no two of our drones ever meet in, `skylane check` agrees, and `intents.json`
//! holds every flight inside its own volumes with no two flights' volumes intersecting.
//!
//! The pairwise check here is independent of the planner and of the verifier: it reads
//! only the written `flights.geojson` (positions and times, no phases), converts
//! longitude and latitude with its own spherical approximation, and compares every pair of
//! flights that overlap in time every 0.1 s. Two drones may be closer than the minima
//! only while both are in the vertical corridors over two different pads (a point within
//! 0.5 m horizontally of its flight's first or last point, the pad).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const EARTH_R_M: f64 = 6_371_008.8;
/// Slack for the outputs' rounding (1e-7 degrees, 1 cm heights) and the spherical
/// approximation's scale error over a city (under 0.5 %), m.
const SLACK_M: f64 = 0.1;

struct Track {
    order: String,
    /// (longitude, latitude) of each point, degrees.
    lonlat: Vec<[f64; 2]>,
    /// (t, x, y, z), local metres around the first flight's start.
    points: Vec<[f64; 4]>,
}

impl Track {
    fn at(&self, t: f64) -> [f64; 3] {
        let i = self.points.partition_point(|p| p[0] <= t).clamp(1, self.points.len() - 1);
        let (a, b) = (self.points[i - 1], self.points[i]);
        let u = if b[0] > a[0] { ((t - a[0]) / (b[0] - a[0])).clamp(0.0, 1.0) } else { 0.0 };
        [1, 2, 3].map(|k| a[k] + (b[k] - a[k]) * u)
    }

    /// Which end of the flight (its pad) `p` is over, if any.
    fn pad_under(&self, p: [f64; 3]) -> Option<[f64; 2]> {
        let (first, last) = (self.points[0], self.points[self.points.len() - 1]);
        [first, last]
            .into_iter()
            .map(|q| [q[1], q[2]])
            .find(|q| (p[0] - q[0]).hypot(p[1] - q[1]) <= 0.5)
    }
}

fn tracks(geojson: &str) -> Vec<Track> {
    let doc: Value = serde_json::from_str(geojson).unwrap();
    let features = doc["features"].as_array().unwrap();
    let drones: Vec<&Value> =
        features.iter().filter(|f| f["properties"]["kind"] == "drone").collect();
    let c0 = &drones[0]["geometry"]["coordinates"][0];
    let (lon0, lat0) = (c0[0].as_f64().unwrap(), c0[1].as_f64().unwrap());
    let (kx, ky) = (
        EARTH_R_M * lat0.to_radians().cos() * std::f64::consts::PI / 180.0,
        EARTH_R_M * std::f64::consts::PI / 180.0,
    );
    drones
        .iter()
        .map(|f| {
            let coords = f["geometry"]["coordinates"].as_array().unwrap();
            let times = f["properties"]["times_s"].as_array().unwrap();
            assert_eq!(coords.len(), times.len());
            let raw: Vec<Vec<f64>> = coords
                .iter()
                .map(|c| c.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
                .collect();
            let points = raw
                .iter()
                .zip(times)
                .map(|(c, t)| [t.as_f64().unwrap(), (c[0] - lon0) * kx, (c[1] - lat0) * ky, c[2]])
                .collect();
            let lonlat = raw.iter().map(|c| [c[0], c[1]]).collect();
            let order = f["properties"]["order_id"].as_str().unwrap().to_string();
            Track { order, lonlat, points }
        })
        .collect()
}

/// Every pair of flights closer than both minima at some 0.1 s instant, outside the
/// pad corridors: (order, order, time, horizontal m, vertical m).
fn losses(tracks: &[Track], h: f64, v: f64) -> Vec<(String, String, f64, f64, f64)> {
    let mut out = Vec::new();
    for (i, a) in tracks.iter().enumerate() {
        for b in &tracks[i + 1..] {
            let t0 = a.points[0][0].max(b.points[0][0]);
            let t1 = a.points[a.points.len() - 1][0].min(b.points[b.points.len() - 1][0]);
            let mut t = t0;
            while t <= t1 {
                let (pa, pb) = (a.at(t), b.at(t));
                let hd = (pa[0] - pb[0]).hypot(pa[1] - pb[1]);
                let vd = (pa[2] - pb[2]).abs();
                if hd < h - SLACK_M && vd < v - SLACK_M {
                    let corridors = match (a.pad_under(pa), b.pad_under(pb)) {
                        (Some(x), Some(y)) => (x[0] - y[0]).hypot(x[1] - y[1]) > 1.0,
                        _ => false,
                    };
                    if !corridors {
                        out.push((a.order.clone(), b.order.clone(), t, hd, vd));
                        break;
                    }
                }
                t += 0.1;
            }
        }
    }
    out
}

/// A point-in-convex-polygon and convex-polygon overlap test in any linear image of the
/// plane (intersection is invariant under linear maps, so degrees scaled by cos(lat) do).
fn overlap(p: &[[f64; 2]], q: &[[f64; 2]]) -> bool {
    for poly in [p, q] {
        for k in 0..poly.len() {
            let (a, b) = (poly[k], poly[(k + 1) % poly.len()]);
            let n = [a[1] - b[1], b[0] - a[0]];
            let proj = |s: &[[f64; 2]]| {
                s.iter()
                    .map(|x| x[0] * n[0] + x[1] * n[1])
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |m, d| (m.0.min(d), m.1.max(d)))
            };
            let (pa, pb) = (proj(p), proj(q));
            if pa.1 <= pb.0 || pb.1 <= pa.0 {
                return false;
            }
        }
    }
    true
}

fn inside_convex(p: [f64; 2], poly: &[[f64; 2]]) -> bool {
    let n = poly.len();
    let sign = |k: usize| {
        let (a, b) = (poly[k], poly[(k + 1) % n]);
        (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
    };
    (0..n).all(|k| sign(k) >= -1e-12) || (0..n).all(|k| sign(k) <= 1e-12)
}

/// RFC 3339 `YYYY-MM-DDTHH:MM:SS.sssZ` of one day as seconds of that day (the test
/// missions do not cross midnight UTC).
fn day_seconds(v: &Value) -> f64 {
    let s = v["value"].as_str().unwrap();
    let (h, m, sec) = (&s[11..13], &s[14..16], &s[17..s.len() - 1]);
    h.parse::<f64>().unwrap() * 3600.0
        + m.parse::<f64>().unwrap() * 60.0
        + sec.parse::<f64>().unwrap()
}

struct Vol {
    flight: usize,
    terminal: Option<(String, u64)>,
    poly: Vec<[f64; 2]>,
    z: (f64, f64),
    t: (f64, f64),
}

fn check_intents(intents: &str, tracks: &[Track], utc_offset_s: f64, ground_w84_m: f64) {
    let doc: Value = serde_json::from_str(intents).unwrap();
    let list = doc["operational_intents"].as_array().unwrap();
    assert_eq!(list.len(), tracks.len(), "one intent per flight");
    let lat0 = list[0]["details"]["volumes"][0]["volume"]["outline_polygon"]["vertices"][0]["lat"]
        .as_f64()
        .unwrap();
    let kx = lat0.to_radians().cos();
    let mut vols: Vec<Vol> = Vec::new();
    for (fi, intent) in list.iter().enumerate() {
        let ext = &intent["skylane"];
        let track = tracks.iter().find(|t| t.order == ext["order_id"].as_str().unwrap()).unwrap();
        let terminal: Vec<u64> = ext["terminal_volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let first = vols.len();
        for (k, v) in intent["details"]["volumes"].as_array().unwrap().iter().enumerate() {
            let poly = v["volume"]["outline_polygon"]["vertices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| [p["lng"].as_f64().unwrap() * kx, p["lat"].as_f64().unwrap()])
                .collect();
            assert_eq!(v["volume"]["altitude_lower"]["reference"], "W84");
            vols.push(Vol {
                flight: fi,
                terminal: terminal.contains(&(k as u64)).then(|| {
                    (ext["depot_id"].as_str().unwrap().to_string(), ext["pad"].as_u64().unwrap())
                }),
                poly,
                z: (
                    v["volume"]["altitude_lower"]["value"].as_f64().unwrap() - ground_w84_m,
                    v["volume"]["altitude_upper"]["value"].as_f64().unwrap() - ground_w84_m,
                ),
                t: (
                    day_seconds(&v["time_start"]) + utc_offset_s,
                    day_seconds(&v["time_end"]) + utc_offset_s,
                ),
            });
        }
        // Every written point of the flight lies in one of its own volumes at its time.
        let own = &vols[first..];
        for (p, ll) in track.points.iter().zip(&track.lonlat) {
            let xy = [ll[0] * kx, ll[1]];
            let ok = own.iter().any(|v| {
                v.t.0 <= p[0] + 1e-3
                    && p[0] <= v.t.1 + 1e-3
                    && v.z.0 <= p[3] + 0.01
                    && p[3] <= v.z.1 + 0.01
                    && inside_convex(xy, &v.poly)
            });
            assert!(
                ok,
                "order {}: point at {} s, {} m high, outside its intent",
                track.order, p[0], p[3]
            );
        }
    }
    // No two flights' volumes intersect in 4D, but for one nest's pad corridors.
    let mut order: Vec<usize> = (0..vols.len()).collect();
    order.sort_by(|&a, &b| vols[a].t.0.total_cmp(&vols[b].t.0));
    let mut hits = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[k + 1..] {
            let (a, b) = (&vols[i], &vols[j]);
            if b.t.0 >= a.t.1 {
                break;
            }
            if a.flight == b.flight || a.z.0 >= b.z.1 || b.z.0 >= a.z.1 {
                continue;
            }
            if let (Some(x), Some(y)) = (&a.terminal, &b.terminal) {
                if x.0 == y.0 && x.1 != y.1 {
                    continue;
                }
            }
            if overlap(&a.poly, &b.poly) {
                hits.push((
                    list[a.flight]["skylane"]["order_id"].clone(),
                    list[b.flight]["skylane"]["order_id"].clone(),
                    a.t.0,
                ));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "{} pairs of intersecting volumes, first {:?}",
        hits.len(),
        hits.first()
    );
}

fn plan_and_check(mission: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(["plan", mission, "-q", "-o"])
        .arg(&out)
        .current_dir(root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("verifier  ok"), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let check = Command::new(env!("CARGO_BIN_EXE_skylane"))
        .arg("check")
        .arg(out.join("plan.ron"))
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));

    let geojson = std::fs::read_to_string(out.join("flights.geojson")).unwrap();
    let tracks = tracks(&geojson);
    assert!(tracks.len() > 100, "{} flights", tracks.len());
    let found = losses(&tracks, 15.0, 10.0);
    assert!(found.is_empty(), "{} losses of separation, first {:?}", found.len(), found.first());

    let plan = skylane_planner::plan::Plan::load(&out.join("plan.ron")).unwrap();
    let a = &plan.mission.airspace;
    assert!(a.date.is_some(), "the shipped missions have a date");
    let intents = std::fs::read_to_string(out.join("intents.json")).unwrap();
    check_intents(&intents, &tracks, a.utc_offset_h * 3600.0, a.ground_amsl_m + a.geoid_height_m);
}

#[test]
fn monaco_day_has_no_loss_of_separation_and_disjoint_intents() {
    plan_and_check("missions/monaco-day.ron");
}

/// The 1,200-order, 22-drone, three-nest day. About four minutes in the test profile:
/// run it with `cargo test --release --test fleet_separation -- --ignored`.
#[test]
#[ignore]
fn monaco_fleet_day_has_no_loss_of_separation_and_disjoint_intents() {
    plan_and_check("missions/monaco-fleet.ron");
}

#[test]
fn the_pairwise_check_sees_a_loss_in_a_plan_flown_without_deconfliction() {
    // The check above must be able to fail: the same day flown without deconfliction.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(["plan", "missions/monaco.ron", "-q", "--no-deconfliction", "-o"])
        .arg(&out)
        .current_dir(root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let tracks = tracks(&std::fs::read_to_string(out.join("flights.geojson")).unwrap());
    let found = losses(&tracks, 15.0, 10.0);
    assert!(!found.is_empty(), "expected losses without deconfliction");
    assert!(stdout.contains("[Separation]"), "the verifier must report them too:\n{stdout}");
    let check = Command::new(env!("CARGO_BIN_EXE_skylane"))
        .arg("check")
        .arg(out.join("plan.ron"))
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
}
