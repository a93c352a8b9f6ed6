//! `skylane export`: every drone flight of a plan as an autopilot mission. The files are
//! read back with a parser of their own (JSON for `.plan`, tab-separated text for
//! `QGC WPL 110`), the 3D route is rebuilt from the position items alone and flown
//! through the verifier's clearance test (buildings and zones active at that time) with
//! the mission's margins, and checked against the ceiling: the flown waypoints must be as
//! safe as the verified plan, and must trace its path.
//!
//! The plan is the first orders of `missions/monaco.ron`, planned once per test binary.
//! The whole `missions/monaco-day.ron` is checked the same way by an ignored test (about
//! a minute in release: `cargo test --release -p skylane --test cli_export -- --ignored`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;
use skylane_planner::dispatch::plan_mission;
use skylane_planner::geo::LocalFrame;
use skylane_planner::load::{load_mission, Loaded};
use skylane_planner::plan::{Flight, Outcome, Phase, Plan};
use skylane_planner::verify::{closest_approach, verify};

/// Orders of the Monaco morning planned for these tests (enough for several flights from
/// both nests, rejections included; small enough to keep the test short).
const ORDERS: usize = 16;

const NAV_WAYPOINT: u64 = 16;
const NAV_LOITER_TIME: u64 = 19;
const NAV_LAND: u64 = 21;
const NAV_TAKEOFF: u64 = 22;
const DO_CHANGE_SPEED: u64 = 178;
const DO_GRIPPER: u64 = 211;
const DO_WINCH: u64 = 42600;
const FRAME_RELATIVE_ALT: u64 = 3;

struct Fixture {
    loaded: Loaded,
    plan: Plan,
    _dir: tempfile::TempDir,
    plan_path: PathBuf,
}

/// Plans `mission` (its first `orders` orders, or all), checks the plan passes the
/// verifier, and writes it to a temporary `plan.ron`.
fn planned(mission: &str, orders: Option<usize>) -> Fixture {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut loaded = load_mission(&root.join(mission)).expect("mission loads");
    if let Some(n) = orders {
        loaded.mission.orders.truncate(n);
    }
    let plan = plan_mission(&loaded.mission, &loaded.world, loaded.map.clone(), &|_, _| {});
    let violations = verify(&plan, &loaded.world);
    assert!(violations.is_empty(), "the plan itself must pass: {violations:#?}");
    assert!(plan.flights.len() >= 4, "want several flights, got {}", plan.flights.len());
    let dir = tempfile::tempdir().unwrap();
    let plan_path = dir.path().join("plan.ron");
    std::fs::write(&plan_path, plan.to_ron()).unwrap();
    Fixture { loaded, plan, _dir: dir, plan_path }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| planned("missions/monaco.ron", Some(ORDERS)))
}

fn skylane(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// Runs `skylane export` into a fresh folder; returns the folder's files, sorted.
fn export(f: &Fixture, format: &str, release: &str, out: &Path) -> Vec<PathBuf> {
    let run = skylane(&[
        "export".as_ref(),
        f.plan_path.as_os_str(),
        "--format".as_ref(),
        format.as_ref(),
        "--release".as_ref(),
        release.as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains(&format!("flights   {}", f.plan.flights.len())), "{stdout}");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(out).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// One mission item as read back from a file.
#[derive(Debug, Clone)]
struct Item {
    command: u64,
    frame: u64,
    params: [f64; 7],
}

/// A mission file read back: home `[lat, lon, alt]` and the items after it.
struct ReadMission {
    home: [f64; 3],
    items: Vec<Item>,
}

fn read_qgc_plan(text: &str) -> ReadMission {
    let v: Value = serde_json::from_str(text).expect(".plan is JSON");
    assert_eq!(v["fileType"], "Plan");
    assert_eq!(v["version"], 1);
    assert_eq!(v["groundStation"], "QGroundControl");
    assert_eq!(v["geoFence"]["version"], 2);
    assert_eq!(v["rallyPoints"]["version"], 2);
    let m = &v["mission"];
    assert_eq!(m["version"], 2);
    assert_eq!(m["globalPlanAltitudeMode"], 1, "altitudes relative to launch");
    for key in ["firmwareType", "vehicleType", "cruiseSpeed", "hoverSpeed"] {
        assert!(m[key].is_number(), "mission.{key} missing");
    }
    let home: Vec<f64> =
        m["plannedHomePosition"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert_eq!(home.len(), 3);
    let items = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, it)| {
            assert_eq!(it["type"], "SimpleItem");
            assert_eq!(it["doJumpId"], i as u64 + 1, "doJumpId numbers items from 1");
            assert_eq!(it["autoContinue"], true);
            let p = it["params"].as_array().unwrap();
            assert_eq!(p.len(), 7);
            let mut params = [0.0; 7];
            for (k, x) in p.iter().enumerate() {
                params[k] = x.as_f64().unwrap_or(f64::NAN);
            }
            let frame = it["frame"].as_u64().unwrap();
            if frame == FRAME_RELATIVE_ALT {
                assert_eq!(it["AltitudeMode"], 1);
                assert_eq!(it["Altitude"].as_f64(), Some(params[6]));
            }
            Item { command: it["command"].as_u64().unwrap(), frame, params }
        })
        .collect();
    ReadMission { home: [home[0], home[1], home[2]], items }
}

fn read_wpl(text: &str) -> ReadMission {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("QGC WPL 110"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    let num = |s: &str| -> f64 { s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}")) };
    let mut home = None;
    let mut items = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), 12, "line {i}: {r:?}");
        assert_eq!(r[0], i.to_string(), "indices count from 0");
        assert_eq!(r[1], if i == 0 { "1" } else { "0" }, "only home is current");
        assert_eq!(r[11], "1", "autocontinue");
        let mut params = [0.0; 7];
        for k in 0..7 {
            params[k] = num(r[4 + k]);
        }
        let (frame, command) = (num(r[2]) as u64, num(r[3]) as u64);
        if i == 0 {
            assert_eq!((frame, command), (0, NAV_WAYPOINT), "home: MAV_FRAME_GLOBAL waypoint");
            home = Some([params[4], params[5], params[6]]);
        } else {
            items.push(Item { command, frame, params });
        }
    }
    ReadMission { home: home.expect("home line"), items }
}

fn flight_for<'a>(plan: &'a Plan, file: &Path) -> &'a Flight {
    let name = file.file_name().unwrap().to_string_lossy();
    let index: usize = name[..4].parse().expect("file names start with the flight index");
    let f = &plan.flights[index];
    assert!(name.contains(&f.order_id), "{name} is not the file of order {}", f.order_id);
    f
}

/// Checks one mission read back from a file against its flight.
fn check_mission(fx: &Fixture, m: &ReadMission, flight: &Flight, release: &str) {
    let (mission, world) = (&fx.loaded.mission, &fx.loaded.world);
    let frame = LocalFrame::new(mission.origin.lat_deg, mission.origin.lon_deg);
    let s = &flight.samples;
    let who = format!("order {} ({})", flight.order_id, flight.drone_id);

    // Home is the pad: the flight's first sample.
    let home = frame.to_local(m.home[0], m.home[1]);
    assert!((home[0] - s[0].pos_m[0]).hypot(home[1] - s[0].pos_m[1]) < 0.01, "{who}: home");

    // Take-off first, landing last, the winch or gripper in between.
    let cmds: Vec<u64> = m.items.iter().map(|i| i.command).collect();
    assert_eq!(cmds.first(), Some(&NAV_TAKEOFF), "{who}: {cmds:?}");
    assert_eq!(cmds.last(), Some(&NAV_LAND), "{who}: {cmds:?}");
    assert!(cmds.contains(&DO_CHANGE_SPEED), "{who}: no speed set: {cmds:?}");
    match release {
        "winch" => assert_eq!(
            cmds.iter().filter(|c| **c == DO_WINCH).count(),
            2,
            "{who}: lower and wind in: {cmds:?}"
        ),
        _ => assert!(!cmds.contains(&DO_WINCH), "{who}: {cmds:?}"),
    }
    assert_eq!(cmds.iter().filter(|c| **c == DO_GRIPPER).count(), 1, "{who}: one release");

    // The release happens at hover height above the drop point, after the descent, and
    // the holds there add up to the planned lowering time.
    let hover_z = s.iter().find(|x| x.phase == Phase::Lowering).expect("lowering").pos_m[2];
    let first_do = cmds.iter().position(|c| *c == DO_WINCH || *c == DO_GRIPPER).unwrap();
    let before = &m.items[first_do - 1];
    assert!(before.frame == FRAME_RELATIVE_ALT, "{who}: the release follows a position item");
    let p = frame.to_local(before.params[4], before.params[5]);
    let off = (p[0] - flight.drop_point_m[0]).hypot(p[1] - flight.drop_point_m[1]);
    assert!(off < 0.01, "{who}: released {off:.3} m from the drop point");
    assert!((before.params[6] - hover_z).abs() < 1e-6, "{who}: released at {}", before.params[6]);
    let hold: f64 =
        m.items.iter().filter(|i| i.command == NAV_LOITER_TIME).map(|i| i.params[0]).sum();
    let lowering = s.iter().filter(|x| x.phase == Phase::Lowering).count();
    assert!(lowering > 0);
    assert!(
        (hold - mission.policy.lowering_s).abs() < 1e-6,
        "{who}: holds {hold} s, lowering takes {} s",
        mission.policy.lowering_s
    );

    // Speeds are ground speeds within the type's limit, and never above what the plan
    // flies anywhere on the flight.
    let top = s.iter().map(|x| x.vel_mps[0].hypot(x.vel_mps[1])).fold(0.0, f64::max);
    for it in m.items.iter().filter(|i| i.command == DO_CHANGE_SPEED) {
        assert_eq!(it.params[0], 1.0, "{who}: SPEED_TYPE_GROUNDSPEED");
        assert!(it.params[1] > 0.0 && it.params[1] <= top + 1e-9, "{who}: speed {}", it.params[1]);
    }

    // Rebuild the route: home, then every position item in order.
    let mut route: Vec<[f64; 3]> = vec![[home[0], home[1], 0.0]];
    for it in m.items.iter().filter(|i| i.frame == FRAME_RELATIVE_ALT) {
        let [x, y] = frame.to_local(it.params[4], it.params[5]);
        route.push([x, y, it.params[6]]);
    }
    // Each route point is a point of the flight, in the flight's order; it takes the
    // time and the phase (hence the margin) of that sample.
    let mut cursor = 0;
    let mut timed: Vec<([f64; 3], f64, Phase)> = Vec::new();
    for p in &route {
        let k = (cursor..s.len())
            .find(|&k| {
                let q = s[k].pos_m;
                (p[0] - q[0]).hypot(p[1] - q[1]).hypot(p[2] - q[2]) < 0.01
            })
            .unwrap_or_else(|| {
                panic!("{who}: route point {p:?} is not on the flight after sample {cursor}")
            });
        timed.push((*p, s[k].t_s, s[k].phase));
        cursor = k;
    }
    assert_eq!(cursor, s.len() - 1, "{who}: the route ends where the flight lands");
    // Same length as the flight's path: no corner was cut.
    let length = |pts: &mut dyn Iterator<Item = [f64; 3]>| {
        let pts: Vec<[f64; 3]> = pts.collect();
        pts.windows(2)
            .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]).hypot(w[1][2] - w[0][2]))
            .sum::<f64>()
    };
    let flown = length(&mut route.iter().copied());
    let planned = length(&mut s.iter().map(|x| x.pos_m));
    assert!((flown - planned).abs() < 0.05, "{who}: route {flown:.3} m, plan {planned:.3} m");

    // Ceiling and ground.
    for p in &route {
        assert!(p[2] >= -1e-9 && p[2] <= world.ceiling_m + 1e-9, "{who}: altitude {}", p[2]);
    }
    // Clearance from buildings and active zones, every 0.5 m, with the mission's margins.
    for w in timed.windows(2) {
        let ((a, ta, phase), (b, tb, _)) = (w[0], w[1]);
        let margin = if phase.is_delivery() {
            mission.policy.delivery_margin_m
        } else {
            mission.airspace.clearance_margin_m
        };
        let breach = closest_approach(world, (a, ta), (b, tb), margin);
        assert!(breach.is_none(), "{who}: {breach:?}");
    }
}

/// Exports `f`'s plan in both formats and checks every file.
fn check_exports(f: &Fixture) {
    let tmp = tempfile::tempdir().unwrap();
    for (format, release, ext) in
        [("qgc-plan", "winch", "plan"), ("waypoints", "gripper", "waypoints")]
    {
        let files = export(f, format, release, &tmp.path().join(format));
        assert_eq!(files.len(), f.plan.flights.len(), "{format}: one file per flight");
        for file in &files {
            assert_eq!(file.extension().unwrap(), ext);
            let text = std::fs::read_to_string(file).unwrap();
            let m = if ext == "plan" { read_qgc_plan(&text) } else { read_wpl(&text) };
            check_mission(f, &m, flight_for(&f.plan, file), release);
        }
    }
}

#[test]
fn exported_missions_fly_the_verified_path() {
    check_exports(fixture());
}

#[test]
#[ignore = "plans the whole 520-order day: run in release"]
fn exported_day_missions_fly_the_verified_path() {
    check_exports(&planned("missions/monaco-day.ron", None));
}

#[test]
fn export_of_a_missing_plan_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let run = skylane(&[
        "export".as_ref(),
        tmp.path().join("nope.ron").as_os_str(),
        "--format".as_ref(),
        "waypoints".as_ref(),
        "-o".as_ref(),
        tmp.path().join("out").as_os_str(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!tmp.path().join("out").exists(), "nothing written");
}

/// The first orders of the Monaco day: drones and vans.
fn day_fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| planned("missions/monaco-day.ron", Some(ORDERS)))
}

/// Runs `skylane export --format tracking` on `f`'s plan; returns `tracking.json`.
fn export_tracking(f: &Fixture) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let run = skylane(&[
        "export".as_ref(),
        f.plan_path.as_os_str(),
        "--format".as_ref(),
        "tracking".as_ref(),
        "-o".as_ref(),
        tmp.path().as_os_str(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::fs::read_to_string(tmp.path().join("tracking.json")).unwrap();
    serde_json::from_str(&text).expect("tracking.json is JSON")
}

/// Every order once, in mission order; event times never decrease; exactly one final
/// outcome, last, agreeing with the plan; positions every few seconds on the way; proof
/// of delivery at the drop point for drone deliveries.
fn check_tracking(f: &Fixture, doc: &Value) {
    let (plan, mission) = (&f.plan, &f.loaded.mission);
    let frame = LocalFrame::new(mission.origin.lat_deg, mission.origin.lon_deg);
    assert_eq!(doc["format"], "skylane-tracking/1");
    let interval = doc["position_interval_s"].as_f64().unwrap();
    assert!(interval > 0.0 && interval <= 10.0, "every few seconds: {interval}");
    let orders = doc["orders"].as_array().unwrap();
    let ids: Vec<&str> = orders.iter().map(|o| o["order_id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = mission.orders.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, expected, "every order accounted for, once, in mission order");
    for (o, outcome) in orders.iter().zip(&plan.outcomes) {
        let id = outcome.order_id.as_str();
        let events = o["events"].as_array().unwrap();
        let t: Vec<f64> = events.iter().map(|e| e["t_s"].as_f64().unwrap()).collect();
        let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds[0], "placed", "{id}");
        assert!((t[0] - outcome.placed_s).abs() < 1e-3, "{id}");
        assert!(t.windows(2).all(|w| w[0] <= w[1]), "{id}: times go back: {t:?}");
        let finals: Vec<usize> = (0..kinds.len())
            .filter(|&i| kinds[i] == "delivered" || kinds[i] == "rejected")
            .collect();
        assert_eq!(finals, vec![kinds.len() - 1], "{id}: one final outcome, last: {kinds:?}");
        let last = &events[kinds.len() - 1];
        let delivered_s = match &outcome.outcome {
            Outcome::Rejected { reason } => {
                assert_eq!(o["mode"], "rejected", "{id}");
                assert_eq!(last["reason"], reason.to_string().as_str(), "{id}");
                assert_eq!(kinds, ["placed", "rejected"], "{id}");
                assert!(o.get("proof_of_delivery").is_none(), "{id}");
                continue;
            }
            Outcome::Drone { flight } => {
                let fl = &plan.flights[*flight];
                assert_eq!(o["mode"], "drone", "{id}");
                assert_eq!(o["vehicle"], fl.drone_id.as_str(), "{id}");
                let pod = &o["proof_of_delivery"];
                let p = frame.to_local(
                    pod["release_lat_deg"].as_f64().unwrap(),
                    pod["release_lon_deg"].as_f64().unwrap(),
                );
                let miss = (p[0] - fl.drop_point_m[0]).hypot(p[1] - fl.drop_point_m[1]);
                assert!(miss < 0.05, "{id}: released {miss:.3} m from the drop point");
                let offset = pod["offset_from_address_m"].as_f64().unwrap();
                assert!((offset - fl.drop_offset_m).abs() < 0.01, "{id}: offset {offset}");
                assert!(offset <= mission.policy.drop_radius_m + 1e-6, "{id}");
                let height = pod["release_height_m"].as_f64().unwrap();
                assert!((height - mission.policy.delivery_hover_m).abs() < 0.01, "{id}");
                assert!((pod["t_s"].as_f64().unwrap() - fl.delivered_s).abs() < 1e-3, "{id}");
                (fl.takeoff_s, fl.delivered_s)
            }
            Outcome::Van { route, .. } => {
                let r = &plan.van_routes[*route];
                assert_eq!(o["mode"], "van", "{id}");
                assert_eq!(o["vehicle"], r.van_id.as_str(), "{id}");
                assert!(o.get("proof_of_delivery").is_none(), "{id}: vans have no drop record");
                let stop = r.stops.iter().find(|s| s.order_id == id).expect("stop");
                (r.times_s[0], stop.service_start_s)
            }
        };
        let (departed, delivered) = delivered_s;
        assert_eq!(last["kind"], "delivered", "{id}");
        assert!((t[t.len() - 1] - delivered).abs() < 1e-3, "{id}");
        for kind in ["accepted", "eta", "picked", "loaded", "departed"] {
            assert_eq!(kinds.iter().filter(|k| **k == kind).count(), 1, "{id}: {kind} once");
        }
        let accepted = &events[kinds.iter().position(|k| *k == "accepted").unwrap()];
        let promised = accepted["promised_s"].as_f64().unwrap();
        assert_eq!(last["late"], delivered > promised + 1e-6, "{id}");
        let dep = kinds.iter().position(|k| *k == "departed").unwrap();
        assert!((t[dep] - departed).abs() < 1e-3, "{id}");
        // Positions: from departure to delivery, never more than the interval apart.
        let pos: Vec<usize> = (0..kinds.len()).filter(|&i| kinds[i] == "position").collect();
        assert!(!pos.is_empty(), "{id}: no positions on the way");
        assert!(pos.iter().all(|&i| i > dep), "{id}: positions after departure");
        let mut prev = departed;
        for &i in &pos {
            assert!(t[i] - prev <= interval + 1e-3, "{id}: gap before {}", t[i]);
            assert!(t[i] < delivered, "{id}");
            prev = t[i];
            let e = &events[i];
            let alt = e["alt_m"].as_f64().unwrap();
            assert!(alt >= 0.0 && alt <= f.loaded.world.ceiling_m, "{id}: altitude {alt}");
            if o["mode"] == "van" {
                assert_eq!(alt, 0.0, "{id}: vans drive on the ground");
            }
        }
        assert!(delivered - prev <= interval + 1e-3, "{id}: gap before delivery");
    }
}

#[test]
fn tracking_accounts_for_every_order_with_drones_and_rejections() {
    let f = fixture();
    assert!(f.plan.summary.rejected > 0 && f.plan.summary.by_drone > 0, "{:?}", f.plan.summary);
    check_tracking(f, &export_tracking(f));
}

#[test]
fn tracking_accounts_for_every_order_with_drones_and_vans() {
    let f = day_fixture();
    assert!(f.plan.summary.by_van > 0 && f.plan.summary.by_drone > 0, "{:?}", f.plan.summary);
    check_tracking(f, &export_tracking(f));
}

/// Headless Chromium, if installed (Debian's `chromium`). Without it the browser test
/// skips with a message, unless `SKYLANE_REQUIRE_BROWSER` is set (CI sets it).
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = std::env::var_os("SKYLANE_REQUIRE_BROWSER").is_some_and(|v| !v.is_empty());
        assert!(!required, "SKYLANE_REQUIRE_BROWSER is set but chromium is not installed");
        eprintln!("skipping: no chromium on PATH (apt-get install chromium)");
    }
    found
}

/// Runs headless Chromium on `url` with `args`; returns stdout. Killed after 120 s.
fn run_chromium(browser: &Path, args: &[&str], url: &str) -> String {
    // stdout goes to a file: a dumped page is larger than a pipe's buffer.
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        .args(["--window-size=1400,900", "--virtual-time-budget=10000"])
        .args(args)
        .arg(url)
        .stdout(out.reopen().unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed().as_secs() > 120 {
            child.kill().unwrap();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed on {url}");
    std::fs::read_to_string(out.path()).unwrap()
}

/// The value of attribute `name` on the element with id `id` in serialised HTML.
fn attr(dom: &str, id: &str, name: &str) -> Option<String> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let start = dom[..at].rfind('<')?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let key = format!(" {name}=\"");
    let v = tag.find(&key)? + key.len();
    Some(tag[v..v + tag[v..].find('"')?].to_string())
}

/// The page in a real browser: load it from disk, set the clock, look an order up and
/// check what the page shows against the plan; then take a screenshot.
#[test]
fn tracking_page_shows_moving_vehicles_and_an_order() {
    let Some(browser) = chromium() else { return };
    let f = day_fixture();
    let plan = &f.plan;
    let frame = LocalFrame::new(plan.mission.origin.lat_deg, plan.mission.origin.lon_deg);
    let tmp = tempfile::tempdir().unwrap();
    let run = skylane(&[
        "export".as_ref(),
        f.plan_path.as_os_str(),
        "--format".as_ref(),
        "tracking".as_ref(),
        "-o".as_ref(),
        tmp.path().as_os_str(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let page = tmp.path().join("tracking.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("/*SKYLANE_DATA*/"), "data inlined");
    assert!(!html.contains("http://") && !html.contains("https://"), "no network");
    let url = |t: f64, order: &str| format!("file://{}#t={t}&order={order}", page.display());

    // Mid-flight of the first drone flight: the package is in the air, on the drone.
    let fl = &plan.flights[0];
    let t = ((fl.takeoff_s + fl.delivered_s) / 2.0).round();
    let dom = run_chromium(&browser, &["--dump-dom"], &url(t, &fl.order_id));
    assert_eq!(attr(&dom, "order-panel", "data-order").as_deref(), Some(fl.order_id.as_str()));
    assert_eq!(attr(&dom, "order-panel", "data-status").as_deref(), Some("on-its-way"));
    let flying = |times: &[f64]| times[0] <= t && t <= times[times.len() - 1];
    let drones = plan
        .flights
        .iter()
        .filter(|x| flying(&x.samples.iter().map(|s| s.t_s).collect::<Vec<_>>()))
        .count();
    let vans = plan.van_routes.iter().filter(|r| flying(&r.times_s)).count();
    assert_eq!(attr(&dom, "stats", "data-drones-moving"), Some(drones.to_string()));
    assert_eq!(attr(&dom, "stats", "data-vans-moving"), Some(vans.to_string()));
    let k = fl.samples.partition_point(|s| s.t_s <= t);
    let (a, b) = (&fl.samples[k - 1], &fl.samples[k]);
    let u = (t - a.t_s) / (b.t_s - a.t_s);
    let want =
        [a.pos_m[0] + (b.pos_m[0] - a.pos_m[0]) * u, a.pos_m[1] + (b.pos_m[1] - a.pos_m[1]) * u];
    let lat: f64 =
        attr(&dom, "order-location", "data-lat").expect("package position").parse().unwrap();
    let lon: f64 = attr(&dom, "order-location", "data-lon").unwrap().parse().unwrap();
    let got = frame.to_local(lat, lon);
    let miss = (got[0] - want[0]).hypot(got[1] - want[1]);
    assert!(miss < 1.0, "the page puts the package {miss:.2} m from the drone");

    // After delivery: proof of delivery with the drop point's offset.
    let dom =
        run_chromium(&browser, &["--dump-dom"], &url(fl.delivered_s.ceil() + 60.0, &fl.order_id));
    assert_eq!(attr(&dom, "order-panel", "data-status").as_deref(), Some("delivered"));
    let offset: f64 =
        attr(&dom, "pod", "data-offset-m").expect("proof of delivery").parse().unwrap();
    assert!((offset - fl.drop_offset_m).abs() < 0.01, "offset {offset} vs {}", fl.drop_offset_m);

    // A van order, and an id that is no order.
    if let Some(o) = plan.outcomes.iter().find(|o| matches!(o.outcome, Outcome::Van { .. })) {
        let dom = run_chromium(&browser, &["--dump-dom"], &url(o.placed_s + 1.0, &o.order_id));
        assert_eq!(attr(&dom, "order-panel", "data-status").as_deref(), Some("accepted"));
    }
    let dom = run_chromium(&browser, &["--dump-dom"], &url(t, "NO-SUCH-ORDER"));
    assert_eq!(attr(&dom, "order-panel", "data-status").as_deref(), Some("unknown"));

    // A screenshot of the page at that moment.
    let shot = tmp.path().join("tracking.png");
    let arg = format!("--screenshot={}", shot.display());
    run_chromium(&browser, &[&arg], &url(t, &fl.order_id));
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{} bytes", png.len());
}
