//! Locker compartments as a capacity over time, planned on the real Monaco map
//! (`missions/monaco-lockers.ron`): a full locker turns the next parcel away with a
//! `locker` reason, a collected parcel frees its compartment, and every plan verifies.

mod common_monaco;

use common_monaco::repo_root;
use skylane_planner::dispatch::plan_mission;
use skylane_planner::load::{load_mission, Loaded};
use skylane_planner::mission::Mission;
use skylane_planner::plan::{Outcome, Plan, ReasonKind};
use skylane_planner::verify::verify;

fn lockers() -> Loaded {
    load_mission(&repo_root().join("missions/monaco-lockers.ron")).expect("lockers mission loads")
}

/// `mission` planned over the lockers mission's world, checked by the verifier.
fn planned(loaded: &Loaded, mission: &Mission) -> Plan {
    let plan = plan_mission(mission, &loaded.world, loaded.map.clone(), &|_, _| {});
    let violations = verify(&plan, &loaded.world);
    assert!(violations.is_empty(), "{violations:#?}");
    plan
}

fn outcome<'p>(plan: &'p Plan, id: &str) -> &'p Outcome {
    &plan.outcomes.iter().find(|o| o.order_id == id).unwrap().outcome
}

fn set_locker(m: &mut Mission, id: &str, compartments: u32, hold_h: f64) {
    let l = m.lockers.iter_mut().find(|l| l.id == id).unwrap();
    (l.compartments, l.hold_h) = (compartments, hold_h);
}

#[test]
fn a_full_locker_turns_the_next_parcel_away() {
    let loaded = lockers();
    let mut m = loaded.mission.clone();
    set_locker(&mut m, "locker-port", 1, 24.0);
    let plan = planned(&loaded, &m);
    // L03 and L04 both go to locker-port: the first takes its one compartment.
    assert!(matches!(outcome(&plan, "L03"), Outcome::Van { .. }), "{:?}", outcome(&plan, "L03"));
    let Outcome::Rejected { reason } = outcome(&plan, "L04") else { panic!("L04 served") };
    assert!(
        reason.to_string().contains("locker-port has no free compartment of its 1"),
        "{reason}"
    );
    assert!(reason.iter().any(|r| r.kind == ReasonKind::Locker), "{reason}");
    assert_eq!(plan.summary.rejected, 1);
}

#[test]
fn a_collected_parcel_frees_its_compartment() {
    let loaded = lockers();
    let mut m = loaded.mission.clone();
    // One compartment at Place d'Armes: the drone's parcel (L01, about 09:15) fills it
    // for the day, so the van's (L02) is turned away...
    set_locker(&mut m, "locker-place-d-armes", 1, 24.0);
    let plan = planned(&loaded, &m);
    assert!(matches!(outcome(&plan, "L01"), Outcome::Drone { .. }));
    let Outcome::Rejected { reason } = outcome(&plan, "L02") else { panic!("L02 served") };
    assert_eq!(reason.main_kind(), Some(ReasonKind::Locker), "{reason}");
    // ...unless it is collected within 6 minutes, before L02 could be loaded (09:22).
    set_locker(&mut m, "locker-place-d-armes", 1, 0.1);
    let plan = planned(&loaded, &m);
    assert!(matches!(outcome(&plan, "L01"), Outcome::Drone { .. }));
    assert!(matches!(outcome(&plan, "L02"), Outcome::Van { .. }), "{:?}", outcome(&plan, "L02"));
}

#[test]
fn a_vans_only_locker_is_never_flown_to_and_a_drones_only_one_never_driven_to() {
    let loaded = lockers();
    let mut m = loaded.mission.clone();
    let l = m.lockers.iter_mut().find(|l| l.id == "locker-place-d-armes").unwrap();
    l.kind = skylane_planner::mission::LockerKind::Drone;
    let plan = planned(&loaded, &m);
    assert!(matches!(outcome(&plan, "L01"), Outcome::Drone { .. }));
    // L02 is a same-day order: vans only, and this locker takes no van.
    let Outcome::Rejected { reason } = outcome(&plan, "L02") else { panic!("L02 served") };
    assert!(reason.to_string().contains("takes no delivery by vans"), "{reason}");
}

#[test]
fn a_locker_against_a_wall_is_refused_for_drones() {
    let loaded = lockers();
    let world = &loaded.world;
    let mut m = loaded.mission.clone();
    // Step east out of the building at 1 Rue des Genêts: the first spot outside it is
    // under 0.25 m from its wall, well inside the 2 m delivery margin.
    let inside = world.frame.to_local(43.7408958, 7.4236191);
    assert!(world.building_at(inside).is_some());
    let outside = (1..4000)
        .map(|k| [inside[0] + 0.25 * k as f64, inside[1]])
        .find(|&p| world.building_at(p).is_none())
        .unwrap();
    let (lat, lon) = world.frame.to_geodetic(outside);
    let l = m.lockers.iter_mut().find(|l| l.id == "locker-place-d-armes").unwrap();
    (l.lat_deg, l.lon_deg) = (lat, lon);
    m.resolve_lockers();
    let problems = world.mission_problems(&m);
    let p = problems.iter().find(|p| p.field == "lockers[0]").expect("the locker is refused");
    assert!(p.message.contains("a drone cannot land on its pad"), "{}", p.message);
    // A vans-only locker there is fine: no drone lands on it.
    m.lockers[0].kind = skylane_planner::mission::LockerKind::Van;
    assert!(world.mission_problems(&m).iter().all(|p| p.field != "lockers[0]"));
}

#[test]
fn drones_take_the_locker_pad_one_at_a_time() {
    let loaded = lockers();
    let mut m = loaded.mission.clone();
    // Both drones of the nest are free and four parcels for one locker come in at once.
    let template = m.orders.iter().find(|o| o.id == "L01").unwrap().clone();
    m.orders = (0..4)
        .map(|k| skylane_planner::mission::Order { id: format!("P{k}"), ..template.clone() })
        .collect();
    let plan = planned(&loaded, &m);
    let mut on_pad: Vec<(f64, f64)> = plan
        .flights
        .iter()
        .map(|f| {
            let release: Vec<f64> = f
                .samples
                .iter()
                .filter(|s| s.phase == skylane_planner::plan::Phase::Lowering)
                .map(|s| s.t_s)
                .collect();
            (release[0], release[release.len() - 1])
        })
        .collect();
    assert!(on_pad.len() >= 2, "{} flights", on_pad.len());
    on_pad.sort_by(|a, b| a.0.total_cmp(&b.0));
    for w in on_pad.windows(2) {
        assert!(w[0].1 < w[1].0, "two drones on the pad at once: {w:?}");
    }
}

/// The live dispatcher answers locker orders as the day plan does: an order no drone
/// takes is refused, not promised a van, when its locker takes no van or has no
/// compartment left over the van's window, and a van it does promise holds one.
#[test]
fn the_dispatcher_never_promises_a_van_the_locker_refuses() {
    use skylane_planner::dispatch::{Dispatcher, QuoteMode};
    let loaded = lockers();
    let mut m = loaded.mission.clone();
    let l = m.lockers.iter_mut().find(|l| l.id == "locker-place-d-armes").unwrap();
    l.kind = skylane_planner::mission::LockerKind::Drone;
    set_locker(&mut m, "locker-port", 1, 24.0);
    let order = |id: &str| m.orders.iter().find(|o| o.id == id).unwrap().clone();
    let mut d = Dispatcher::new(&m, &loaded.world);
    // L02 is same-day (vans only) to a drones-only locker.
    let QuoteMode::Refused { reason } = d.quote(&order("L02")).mode else {
        panic!("L02 promised a vehicle")
    };
    assert!(reason.to_string().contains("takes no delivery by vans"), "{reason}");
    // L03 (same-day) takes locker-port's one compartment by van; L04 (express, vans-only
    // locker) then finds none, as in the day plan.
    assert!(matches!(d.commit(&order("L03")).mode, QuoteMode::Van { .. }));
    let QuoteMode::Refused { reason } = d.quote(&order("L04")).mode else {
        panic!("L04 promised a vehicle")
    };
    assert!(
        reason.to_string().contains("locker-port has no free compartment of its 1"),
        "{reason}"
    );
    let plan = planned(&loaded, &m);
    assert!(matches!(outcome(&plan, "L02"), Outcome::Rejected { .. }));
    assert!(matches!(outcome(&plan, "L03"), Outcome::Van { .. }));
    assert!(matches!(outcome(&plan, "L04"), Outcome::Rejected { .. }));
}

/// A locker vans must reach but no drivable road comes within 250 m of is refused at
/// load with the distance; the same spot is fine for a drones-only locker.
#[test]
fn a_van_locker_far_from_any_road_is_refused() {
    use skylane_planner::dispatch::vans::MAX_SNAP_M;
    use skylane_planner::ground::roads::RoadGraph;
    let loaded = lockers();
    let world = &loaded.world;
    let graph = RoadGraph::from_roads(&world.roads);
    let mut m = loaded.mission.clone();
    let port = m.lockers.iter().position(|l| l.id == "locker-port").unwrap();
    // Out to sea from the port, 25 m at a time, until the nearest road is 300 m away.
    let start = world.frame.to_local(m.lockers[port].lat_deg, m.lockers[port].lon_deg);
    let far = (1..400)
        .map(|k| [start[0] + 25.0 * k as f64, start[1]])
        .find(|&p| graph.nearest_node(p).is_some_and(|(_, d)| d > MAX_SNAP_M + 50.0))
        .expect("open water east of the port");
    assert!(world.building_at(far).is_none());
    let (lat, lon) = world.frame.to_geodetic(far);
    (m.lockers[port].lat_deg, m.lockers[port].lon_deg) = (lat, lon);
    m.resolve_lockers();
    let field = format!("lockers[{port}]");
    let problems = world.mission_problems(&m);
    let p = problems.iter().find(|p| p.field == field).expect("the van locker is refused");
    assert!(p.message.contains("m from the nearest drivable road"), "{}", p.message);
    assert!(p.message.contains("at most 250 m away"), "{}", p.message);
    // A drones-only locker there needs no road.
    m.lockers[port].kind = skylane_planner::mission::LockerKind::Drone;
    let problems = world.mission_problems(&m);
    assert!(problems.iter().all(|p| p.field != field), "{problems:?}");
}
