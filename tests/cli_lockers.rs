//! Lockers end to end: `skylane plan missions/monaco-lockers.ron` lands a drone on one
//! locker's pad and brings three parcels by van, two of them to one locker at one stop;
//! `skylane check` passes it, and hand-edited copies that overfill a locker, release a
//! locker parcel off the pad, stop the van away from the locker or fly to a vans-only
//! locker are caught.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use skylane_planner::plan::{Outcome, Phase, Plan, ReasonKind};

fn skylane(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// `skylane check` on `plan` written to `dir/name`: its exit code and report.
fn check(plan: &Plan, dir: &Path, name: &str) -> (Option<i32>, String) {
    let path = dir.join(name);
    std::fs::write(&path, plan.to_ron()).unwrap();
    let run = skylane(&["check".as_ref(), path.as_os_str()]);
    (run.status.code(), String::from_utf8_lossy(&run.stdout).into_owned())
}

fn outcome<'p>(plan: &'p Plan, id: &str) -> &'p Outcome {
    &plan.outcomes.iter().find(|o| o.order_id == id).unwrap().outcome
}

/// Plans `missions/monaco-lockers.ron` into `tmp/<threads>` with `threads` workers.
fn plan_lockers(tmp: &Path, threads: &str) -> PathBuf {
    let out = tmp.join(threads);
    let mission = Path::new("missions/monaco-lockers.ron");
    let run = skylane(&[
        "plan".as_ref(),
        mission.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--threads".as_ref(),
        threads.as_ref(),
        "-q".as_ref(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    out
}

#[test]
fn locker_orders_go_by_drone_and_van_and_edits_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let out = plan_lockers(tmp.path(), "1");
    let again = plan_lockers(tmp.path(), "2");
    for name in ["plan.ron", "timeline.csv", "flights.geojson", "tracking.json"] {
        let read = |dir: &Path| std::fs::read(dir.join(name)).unwrap();
        assert!(read(&out) == read(&again), "{name} differs between --threads 1 and 2");
    }
    let plan_path = out.join("plan.ron");
    let run = skylane(&["check".as_ref(), plan_path.as_os_str()]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{text}");
    let plan = Plan::load(&plan_path).unwrap();
    let world = plan.world().unwrap();
    let locker_xy = |id: &str| {
        let l = plan.mission.locker(id).unwrap();
        world.frame.to_local(l.lat_deg, l.lon_deg)
    };

    // L01 by drone: it lands on the pad of locker-place-d-armes and releases the parcel there.
    let Outcome::Drone { flight } = outcome(&plan, "L01") else { panic!("L01 not by drone") };
    let f = &plan.flights[*flight];
    let pad = locker_xy("locker-place-d-armes");
    let release: Vec<_> = f.samples.iter().filter(|s| s.phase == Phase::Lowering).collect();
    assert!(release.len() >= 2);
    for s in release {
        assert!(s.pos_m[2].abs() < 1e-9, "not landed: {:?}", s.pos_m);
        assert!((s.pos_m[0] - pad[0]).hypot(s.pos_m[1] - pad[1]) < 1e-6, "{:?}", s.pos_m);
    }
    let recorded =
        |id: &str| plan.outcomes.iter().find(|o| o.order_id == id).unwrap().locker.clone();
    assert_eq!(recorded("L01").as_deref(), Some("locker-place-d-armes"));
    assert_eq!(recorded("M0007"), None);

    // L02 by van to the same locker; L03 and L04 to the vans-only locker-port, one stop.
    assert!(matches!(outcome(&plan, "L02"), Outcome::Van { .. }));
    let Outcome::Van { route, reason } = outcome(&plan, "L04") else { panic!("L04 not by van") };
    assert_eq!(reason.main_kind(), Some(ReasonKind::Locker), "{reason}");
    let stops = &plan.van_routes[*route].stops;
    let k = stops.iter().position(|s| s.order_id == "L03").unwrap();
    let (a, b) = (&stops[k], &stops[k + 1]);
    assert_eq!(b.order_id, "L04", "the locker's parcels are one stop");
    assert_eq!(
        (a.arrive_s, a.service_start_s, a.depart_s),
        (b.arrive_s, b.service_start_s, b.depart_s)
    );
    assert_eq!(a.pos_m, b.pos_m);
    let served_once = stops.iter().filter(|s| s.arrive_s == a.arrive_s).count();
    assert_eq!(served_once, 2, "one service time for both parcels");

    // The timeline and the GeoJSON say locker deliveries as such.
    let timeline = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    assert!(timeline.lines().next().unwrap().ends_with(",reason,locker"));
    let row = timeline.lines().find(|l| l.starts_with("L01,")).unwrap();
    assert!(row.contains(",drone,") && row.ends_with(",locker-place-d-armes"), "{row}");
    let geojson: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("flights.geojson")).unwrap())
            .unwrap();
    let features = geojson["features"].as_array().unwrap();
    let flown = features.iter().find(|x| x["properties"]["order_id"] == "L01").unwrap();
    assert_eq!(flown["properties"]["locker"], "locker-place-d-armes");
    let van = features.iter().find(|x| x["properties"]["kind"] == "van").unwrap();
    assert_eq!(van["properties"]["lockers"]["L03"], "locker-port");
    let tracking: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tracking.json")).unwrap()).unwrap();
    let l04 = tracking["orders"].as_array().unwrap().iter().find(|o| o["order_id"] == "L04");
    assert_eq!(l04.unwrap()["locker"], "locker-port");

    // Hand-edited: locker-port has one compartment, but two parcels arrive for the day.
    let mut edited = plan.clone();
    edited.mission.lockers.iter_mut().find(|l| l.id == "locker-port").unwrap().compartments = 1;
    let (code, text) = check(&edited, tmp.path(), "overfilled.ron");
    assert_ne!(code, Some(0), "{text}");
    assert!(
        text.contains("[Locker]")
            && text.contains("locker locker-port holds 2 parcels, it has 1 compartments"),
        "{text}"
    );

    // Hand-edited: the drone releases L01's parcel hovering 3 m to the side of the pad.
    let mut edited = plan.clone();
    for s in edited.flights[*flight].samples.iter_mut().filter(|s| s.phase == Phase::Lowering) {
        s.pos_m[0] += 3.0;
    }
    let (code, text) = check(&edited, tmp.path(), "off-pad.ron");
    assert_ne!(code, Some(0), "{text}");
    assert!(
        text.contains("releases the parcel 3.0 m from locker locker-place-d-armes's pad"),
        "{text}"
    );

    // Hand-edited: the van stops for L03 where it stops for another order.
    let mut edited = plan.clone();
    let other = stops.iter().find(|s| !s.order_id.starts_with('L')).unwrap().pos_m;
    edited.van_routes[*route].stops[k].pos_m = other;
    let (code, text) = check(&edited, tmp.path(), "van-elsewhere.ron");
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("from the road point nearest locker locker-port"), "{text}");

    // Hand-edited: locker-place-d-armes takes vans only, but a drone delivered L01 there.
    let mut edited = plan.clone();
    let l = edited.mission.lockers.iter_mut().find(|l| l.id == "locker-place-d-armes").unwrap();
    l.kind = skylane_planner::mission::LockerKind::Van;
    let (code, text) = check(&edited, tmp.path(), "wrong-kind.ron");
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("locker locker-place-d-armes takes no drone deliveries"), "{text}");
}

/// `skylane export` writes a locker delivery as a payload place onto the locker's pad
/// (`MAV_CMD_NAV_PAYLOAD_PLACE`, descending at most the planned descent plus 1 m), not
/// as a winch lowered from hover height.
#[test]
fn a_locker_flight_exports_as_a_payload_place_on_the_pad() {
    let tmp = tempfile::tempdir().unwrap();
    let out = plan_lockers(tmp.path(), "2");
    let plan_path = out.join("plan.ron");
    let plan =
        Plan::from_ron_str(&std::fs::read_to_string(&plan_path).unwrap(), &plan_path).unwrap();
    let Outcome::Drone { flight } = *outcome(&plan, "L01") else { panic!("L01 not flown") };
    let f = &plan.flights[flight];
    // The descent starts at cruise altitude and ends on the pad, where the parcel is
    // released.
    let top = f.samples.iter().map(|s| s.pos_m[2]).fold(f64::MIN, f64::max);
    let pad = f.samples.iter().find(|s| s.phase == Phase::Lowering).unwrap().pos_m[2];
    let home = f.samples[0].pos_m[2];
    let missions = tmp.path().join("missions");
    let run = skylane(&[
        "export".as_ref(),
        plan_path.as_os_str(),
        "-o".as_ref(),
        missions.as_os_str(),
        "--format".as_ref(),
        "qgc-plan".as_ref(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let file = std::fs::read_dir(&missions)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("L01"))
        .expect("L01's mission file");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let items = doc["mission"]["items"].as_array().unwrap();
    let commands: Vec<u64> = items.iter().map(|i| i["command"].as_u64().unwrap()).collect();
    assert!(!commands.contains(&42600), "no winch at a locker: {commands:?}");
    let place: Vec<&serde_json::Value> = items.iter().filter(|i| i["command"] == 94).collect();
    assert_eq!(place.len(), 1, "{commands:?}");
    let params = place[0]["params"].as_array().unwrap();
    let max_descent = params[0].as_f64().unwrap();
    approx::assert_abs_diff_eq!(max_descent, top - pad + 1.0, epsilon = 1e-3);
    approx::assert_abs_diff_eq!(params[6].as_f64().unwrap(), top - home, epsilon = 1e-3);
    assert!(!commands.contains(&211), "payload place releases by itself: {commands:?}");
}
