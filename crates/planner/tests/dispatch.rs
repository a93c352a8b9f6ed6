//! Dispatch over the real Monaco world: the quote/commit API, the 30-minute promise under
//! load, vans for what drones cannot carry, and a whole delivery day.

mod common_monaco;

use common_monaco::{monaco, repo_root};
use skylane_planner::dispatch::{plan_mission, Dispatcher, QuoteMode};
use skylane_planner::load::load_mission;
use skylane_planner::mission::{ClockTime, Depot, DepotKind, Mission, Order, VanGroup};
use skylane_planner::plan::{Outcome, ReasonKind, VanWave};
use skylane_planner::verify::{verify, Rule, Violation};

/// The Monaco morning mission cut down to the given orders.
fn mission_with(orders: Vec<Order>) -> Mission {
    let mut m = monaco().mission.clone();
    m.orders = orders;
    m
}

fn order(id: &str, t_s: f64, lat: f64, lon: f64, kg: f64) -> Order {
    Order {
        id: id.into(),
        placed_at: ClockTime(t_s),
        lat_deg: lat,
        lon_deg: lon,
        locker: None,
        payload_kg: kg,
        volume_l: 4.0,
        promise_min: 30.0,
        service: Default::default(),
    }
}

/// An address that the Monaco morning plan serves by drone.
fn served_address() -> (f64, f64) {
    let m = &monaco().mission;
    let plan = common_monaco::monaco_plan();
    let f = &plan.flights[0];
    let o = m.orders.iter().find(|o| o.id == f.order_id).unwrap();
    (o.lat_deg, o.lon_deg)
}

#[test]
fn quote_has_no_side_effects_and_commit_keeps_the_quoted_eta() {
    let (lat, lon) = served_address();
    let a = order("A", 9.0 * 3600.0, lat, lon, 0.5);
    let b = order("B", 9.0 * 3600.0, lat, lon, 0.5);
    let mission = mission_with(vec![a.clone(), b.clone()]);
    let mut d = Dispatcher::new(&mission, &monaco().world);
    let q1 = d.quote(&a);
    let q2 = d.quote(&a);
    assert_eq!(q1, q2, "quoting twice must give the same answer");
    assert!(matches!(q1.mode, QuoteMode::Drone { .. }), "{q1:?}");
    let c = d.commit(&a);
    assert_eq!(c.eta_s(), q1.eta_s());
    assert_eq!(d.flights().len(), 1);
    assert!((d.flights()[0].delivered_s - q1.eta_s().unwrap()).abs() < 1e-9);
    // The booked drone is no longer free: B is served later or by another drone.
    let qb = d.quote(&b);
    match (&q1.mode, &qb.mode) {
        (QuoteMode::Drone { drone_id: da, .. }, QuoteMode::Drone { drone_id: db, eta_s, .. }) => {
            assert!(da != db || *eta_s > q1.eta_s().unwrap());
        }
        _ => panic!("B should still fly: {qb:?}"),
    }
    // Time moves on: nothing takes off before the dispatcher's clock, even for an order
    // placed before it.
    d.advance_to(10.0 * 3600.0);
    let late_placed = order("C", 9.0 * 3600.0 + 55.0 * 60.0, lat, lon, 0.5);
    match d.quote(&late_placed).mode {
        QuoteMode::Drone { takeoff_s, .. } => assert!(takeoff_s >= 10.0 * 3600.0, "{takeoff_s}"),
        other => panic!("C should fly after the clock: {other:?}"),
    }
}

/// An address further than the nest's drones can fly there and back on what a plan may
/// spend is refused without a search, with an energy reason that says so; with more of
/// the battery to spend, the same address is flown.
#[test]
fn an_address_beyond_the_nests_reach_is_refused_without_a_search() {
    // 66a Boulevard d'Italie, about 2.9 km from Fontvieille, the only nest left.
    let far = order("FAR", 9.0 * 3600.0, 43.7493039, 7.4365395, 0.3);
    let mut mission = mission_with(vec![far.clone()]);
    mission.fleet.drones.truncate(1);
    let quote = |reserve: f64| {
        let mut m = mission.clone();
        m.policy.battery_reserve_fraction = reserve;
        Dispatcher::new(&m, &monaco().world).quote(&far).mode
    };
    match quote(0.6) {
        QuoteMode::Refused { reason } | QuoteMode::Van { reason } => {
            assert!(reason.has(ReasonKind::Energy), "{reason}");
            assert!(reason.to_string().contains("beyond reach"), "{reason}");
        }
        drone => panic!("60 % kept back leaves too little for 2.9 km and back: {drone:?}"),
    }
    assert!(matches!(quote(0.2), QuoteMode::Drone { .. }), "20 % kept back: an M100 flies it");
}

#[test]
fn a_queue_at_one_nest_with_one_drone_is_not_promised_by_drone() {
    let (lat, lon) = served_address();
    let orders: Vec<Order> =
        (0..5).map(|i| order(&format!("Q{i}"), 9.0 * 3600.0 + i as f64, lat, lon, 0.4)).collect();
    let mut mission = mission_with(orders);
    mission.fleet.drones.truncate(1);
    mission.fleet.drones[0].count = 1;
    let plan = plan_mission(&mission, &monaco().world, monaco().map.clone(), &|_, _| {});
    assert!(verify(&plan, &monaco().world).is_empty());
    let by_drone =
        plan.outcomes.iter().filter(|o| matches!(o.outcome, Outcome::Drone { .. })).count();
    assert!(
        (1..5).contains(&by_drone),
        "one drone cannot serve five simultaneous orders in 30 minutes"
    );
    for f in &plan.flights {
        let o = mission.orders.iter().find(|o| o.id == f.order_id).unwrap();
        assert!(f.delivered_s <= o.due_s());
    }
    assert!(plan.outcomes.iter().any(
        |o| matches!(&o.outcome, Outcome::Rejected { reason } if reason.has(ReasonKind::Late))
    ));
}

/// A van depot in Fontvieille with one van working the shift `(from, to)`, hours.
fn add_one_van(mission: &mut Mission, (from_h, to_h): (f64, f64)) {
    mission.depots.push(Depot {
        id: "vans".into(),
        lat_deg: 43.728319,
        lon_deg: 7.415019,
        kind: DepotKind::Van,
        pads: 2,
        on_roof: false,
    });
    mission.fleet.vans.push(VanGroup {
        depot: "vans".into(),
        count: 1,
        capacity_m3: 8.5,
        capacity_kg: 900.0,
        shift_start: ClockTime(from_h * 3600.0),
        shift_end: ClockTime(to_h * 3600.0),
    });
}

#[test]
fn an_order_too_heavy_for_every_drone_goes_by_van() {
    let (lat, lon) = served_address();
    let mut mission = mission_with(vec![
        order("HEAVY", 9.0 * 3600.0, lat, lon, 9.5),
        order("LIGHT", 9.0 * 3600.0, lat, lon, 0.3),
    ]);
    add_one_van(&mut mission, (8.0, 20.0));
    let plan = plan_mission(&mission, &monaco().world, monaco().map.clone(), &|_, _| {});
    assert!(verify(&plan, &monaco().world).is_empty(), "{:#?}", verify(&plan, &monaco().world));
    match &plan.outcomes[0].outcome {
        Outcome::Van { reason, .. } => {
            assert_eq!(reason.main_kind(), Some(ReasonKind::TooHeavy), "{reason}")
        }
        other => panic!("the heavy order goes by van, not {other:?}"),
    }
    assert!(matches!(plan.outcomes[1].outcome, Outcome::Drone { .. }), "{:?}", plan.outcomes[1]);
    // The timeline says why the heavy order went by van.
    let timeline = skylane_planner::plan::timeline_csv(&plan);
    let row = timeline.lines().find(|l| l.starts_with("HEAVY,")).expect("a row for HEAVY");
    assert!(row.contains(",van,") && row.contains("too heavy:"), "{row}");
    let route = &plan.van_routes[0];
    assert_eq!(route.stops[0].order_id, "HEAVY");
    assert!(route.distance_m > 0.0 && route.times_s.windows(2).all(|w| w[1] >= w[0]));
}

/// One van, one hour and sixty parcels too heavy for a drone: the van's wave is far over
/// what it can serve. It still takes as many as fit (at least 8, and at most 20: each
/// hand-over takes 3 minutes), the routes pass the verifier, and every other order is
/// rejected with the van's reason, none dropped.
#[test]
fn a_wave_far_over_its_van_takes_what_fits_and_rejects_the_rest() {
    let day = load_mission(&repo_root().join("missions/monaco-day.ron")).expect("day loads");
    let orders: Vec<Order> = day
        .mission
        .orders
        .iter()
        .take(60)
        .enumerate()
        .map(|(k, o)| order(&format!("H{k:02}"), 8.5 * 3600.0, o.lat_deg, o.lon_deg, 9.5))
        .collect();
    let mut mission = mission_with(orders);
    add_one_van(&mut mission, (9.0, 10.0));
    let plan = plan_mission(&mission, &monaco().world, monaco().map.clone(), &|_, _| {});
    let violations = verify(&plan, &monaco().world);
    assert!(violations.is_empty(), "{violations:#?}");
    assert_eq!(plan.outcomes.len(), 60);
    let by_van = plan.outcomes.iter().filter(|o| matches!(o.outcome, Outcome::Van { .. })).count();
    assert!((8..=20).contains(&by_van), "{by_van} orders by van in one van-hour");
    assert_eq!(plan.van_routes.len(), 1);
    assert_eq!(plan.van_routes[0].stops.len(), by_van);
    // The summary reports the one wave: all 60 offered, those routed, the rest moved on
    // (and then rejected: the shift has no later wave), and its search budget.
    let [wave] = &plan.summary.van_waves[..] else {
        panic!("one wave, not {:#?}", plan.summary.van_waves)
    };
    assert_eq!((wave.depot_id.as_str(), wave.departs_s), ("vans", 9.0 * 3600.0));
    assert_eq!((wave.orders, wave.routed, wave.deferred), (60, by_van, 60 - by_van));
    assert!((5.0..=30.0).contains(&wave.budget_s), "{wave:?}");
    // Tampered wave reports are the verifier's business too.
    let tamper = |edit: &dyn Fn(&mut VanWave)| {
        let mut bad = plan.clone();
        edit(&mut bad.summary.van_waves[0]);
        verify(&bad, &monaco().world)
    };
    let caught = |v: Vec<Violation>| {
        v.iter().any(|v| v.rule == Rule::Accounting && v.message.contains("van_waves"))
    };
    assert!(caught(tamper(&|w| w.budget_s = f64::NAN)));
    assert!(caught(tamper(&|w| w.routed = 61)));
    assert!(caught(tamper(&|w| w.routed = 0)), "fewer routed than go by van");
    assert!(caught(tamper(&|w| w.depot_id = "nest-larvotto".into())));
    // A plan written before waves were reported has none: nothing to check.
    let mut older = plan.clone();
    older.summary.van_waves.clear();
    assert!(verify(&older, &monaco().world).is_empty());
    for o in &plan.outcomes {
        match &o.outcome {
            Outcome::Van { .. } => {}
            Outcome::Rejected { reason } => {
                assert!(reason.has(ReasonKind::Van), "{}: {reason}", o.order_id)
            }
            other => {
                panic!("{}: a 9.5 kg parcel goes by van or not at all, not {other:?}", o.order_id)
            }
        }
    }
}

/// The reasons the van side gives (no road, no vans, too big, no wave, nothing at all):
/// never why an order is not flown.
const VAN_SIDE: [ReasonKind; 5] = [
    ReasonKind::NoRoad,
    ReasonKind::NoVans,
    ReasonKind::NoVehicle,
    ReasonKind::TooBigForVan,
    ReasonKind::Van,
];

#[test]
fn a_whole_monaco_day_is_accounted_for_and_verified() {
    let day =
        load_mission(&repo_root().join("missions/monaco-day.ron")).expect("day mission loads");
    assert!(day.mission.orders.len() >= 500);
    let plan = plan_mission(&day.mission, &day.world, day.map.clone(), &|_, _| {});
    let violations = verify(&plan, &day.world);
    assert!(violations.is_empty(), "{:#?}", &violations[..violations.len().min(5)]);
    assert_eq!(plan.outcomes.len(), day.mission.orders.len());
    let s = &plan.summary;
    assert_eq!(s.by_drone + s.by_van + s.rejected, s.orders);
    assert!(s.by_drone > 0 && s.by_van > 0);
    assert_eq!(s.late, 0);
    assert_one_answer(&day.mission, &day.world, &plan);
    // Every van order says why it is not flown, with a reason on the drone side (the
    // van side's kinds would mean a van order that no van took).
    for o in &plan.outcomes {
        if let Outcome::Van { reason, .. } = &o.outcome {
            let kind = reason.main_kind();
            assert!(
                kind.is_some_and(|k| !VAN_SIDE.contains(&k)),
                "order {}: van reason {reason:?}",
                o.order_id
            );
        }
    }
}

/// One engine, one answer: the live `Dispatcher`, quoting each order of the day alone
/// (nothing booked, so no other flight competes), applies the day plan's rules. An order
/// the plan flies is a drone quote. An order the plan does not fly for a reason of its own
/// (its service, weight, path, energy, wind, the nest's pads) gets that same reason. Only
/// the reasons that come from other flights (late behind the queue, airspace held) may
/// turn into a drone quote when the order is alone.
fn assert_one_answer(
    mission: &Mission,
    world: &skylane_planner::world::World,
    plan: &skylane_planner::plan::Plan,
) {
    let contention = [ReasonKind::Late, ReasonKind::Airspace];
    let d = Dispatcher::new(mission, world);
    let (mut same, mut freed) = (0, 0);
    for o in &mission.orders {
        let outcome = &plan.outcomes.iter().find(|x| x.order_id == o.id).unwrap().outcome;
        let quote = d.quote(o).mode;
        let quoted_kind = match &quote {
            QuoteMode::Drone { .. } => None,
            QuoteMode::Van { reason } | QuoteMode::Refused { reason } => reason.main_kind(),
        };
        // The plan's drone-side reason: a rejected order's reasons may hold only the
        // vans' (a windowed order no wave could take), whose drone side is its service.
        let planned_kind = match outcome {
            Outcome::Drone { .. } => None,
            Outcome::Van { reason, .. } | Outcome::Rejected { reason } => Some(
                reason
                    .iter()
                    .map(|r| r.kind)
                    .find(|k| !VAN_SIDE.contains(k))
                    .unwrap_or(ReasonKind::Service),
            ),
        };
        match planned_kind {
            Some(k) if contention.contains(&k) && quoted_kind.is_none() => freed += 1,
            _ => {
                assert_eq!(
                    quoted_kind, planned_kind,
                    "order {}: quote {quote:?}, plan {outcome:?}",
                    o.id
                );
                same += 1;
            }
        }
    }
    eprintln!("one answer: {same} orders decided alike, {freed} flyable alone but not in the day");
    assert_eq!(same + freed, mission.orders.len());
}
