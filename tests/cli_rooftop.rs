//! A rooftop nest end to end: `skylane plan missions/monaco-rooftop.ron` flies from pads
//! on the Grimaldi Forum's roof, `skylane check` passes it, and a hand-edited copy whose
//! flight starts on the ground under the roof is caught.

use std::path::Path;
use std::process::{Command, Output};

use skylane_planner::plan::{Phase, Plan};

/// The Grimaldi Forum's roof in the Monaco map (`height=13`).
const ROOF_M: f64 = 13.0;
const GRIMALDI_OSM_ID: i64 = 94452775;

fn skylane(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skylane"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn rooftop_nest_is_planned_verified_and_a_ground_start_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mission = Path::new("missions/monaco-rooftop.ron");
    let run = skylane(&[
        "plan".as_ref(),
        mission.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let plan_path = out.join("plan.ron");
    let check = skylane(&["check".as_ref(), plan_path.as_os_str()]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&check.stderr));

    let mut plan = Plan::load(&plan_path).unwrap();
    assert!(plan.flights.len() >= 10, "{} flights", plan.flights.len());
    let world = plan.world().unwrap();
    let roof = &world.rooftops[0];
    assert_eq!(world.buildings[roof.building].osm_id, GRIMALDI_OSM_ID);
    for f in &plan.flights {
        let (first, last) = (&f.samples[0], &f.samples[f.samples.len() - 1]);
        for s in [first, last] {
            assert!((s.pos_m[2] - ROOF_M).abs() < 1e-9, "{} at {:?}", f.order_id, s.pos_m);
            assert!(world.buildings[roof.building].footprint.contains([s.pos_m[0], s.pos_m[1]]));
        }
        // Take-off and landing never go below the roof.
        let at_nest =
            f.samples.iter().filter(|s| matches!(s.phase, Phase::TakeOff | Phase::Landing));
        assert!(at_nest.clone().count() > 2);
        assert!(at_nest.into_iter().all(|s| s.pos_m[2] >= ROOF_M - 1e-9), "{}", f.order_id);
    }

    // Hand-edited: the first flight now starts on the ground under its pad.
    plan.flights[0].samples[0].pos_m[2] = 0.0;
    let edited = tmp.path().join("edited.ron");
    std::fs::write(&edited, plan.to_ron()).unwrap();
    let check = skylane(&["check".as_ref(), edited.as_os_str()]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert_ne!(check.status.code(), Some(0), "{text}");
    assert!(text.contains("at height 0.0 m (pads at 13.0 m)"), "{text}");
    assert!(text.contains(&format!("building osm {GRIMALDI_OSM_ID}")), "{text}");
}
