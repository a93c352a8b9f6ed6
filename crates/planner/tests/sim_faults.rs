//! A live day under faults on the Monaco morning: one test per fault kind asserting its
//! rule, the invariants, and the same-seed determinism.

mod common_monaco;

use std::sync::OnceLock;

use common_monaco::monaco;
use skylane_planner::dispatch::{Dispatcher, QuoteMode};
use skylane_planner::mission::{ClockTime, Depot, DepotKind, Mission, VanGroup};
use skylane_planner::plan::{Flight, Outcome, Plan, ReasonKind};
use skylane_planner::sim::events::PAD_NOTICE_S;
use skylane_planner::sim::invariants::check_state;
use skylane_planner::sim::{simulate, simulate_faults, Fault, FaultKind, OrderState, SimDay};

/// The morning with no fault: the flights the faults below aim at.
fn baseline() -> &'static SimDay {
    static DAY: OnceLock<SimDay> = OnceLock::new();
    DAY.get_or_init(|| run(&monaco().mission, Vec::new()))
}

fn run(mission: &Mission, faults: Vec<Fault>) -> SimDay {
    let l = monaco();
    let day = simulate_faults(mission, &l.world, l.map.clone(), faults);
    assert!(day.invariant_violations.is_empty(), "{:#?}", day.invariant_violations);
    assert_eq!((day.report.lost, day.report.duplicated), (0, 0));
    day
}

/// The baseline's drone that flies most, and its flights.
fn busiest_drone() -> (String, Vec<&'static Flight>) {
    let flights = &baseline().plan.flights;
    let mut ids: Vec<&str> = flights.iter().map(|f| f.drone_id.as_str()).collect();
    ids.sort_unstable();
    let id = ids
        .iter()
        .max_by_key(|id| (ids.iter().filter(|x| x == id).count(), std::cmp::Reverse(**id)))
        .expect("the baseline flies")
        .to_string();
    let mine = flights.iter().filter(|f| f.drone_id == id).collect();
    (id, mine)
}

fn affected(day: &SimDay, kind: FaultKind) -> usize {
    day.report.kinds.iter().find(|k| k.kind == Some(kind)).map_or(0, |k| k.orders_affected)
}

fn outcome<'a>(plan: &'a Plan, order_id: &str) -> &'a Outcome {
    &plan.outcomes.iter().find(|o| o.order_id == order_id).expect("order has an outcome").outcome
}

#[test]
fn a_grounded_drone_does_not_take_off_while_grounded() {
    let (drone_id, flights) = busiest_drone();
    let first = flights[0];
    let (from_s, to_s) = (first.takeoff_s - 1.0, first.takeoff_s + 3600.0);
    let grounded = Fault::Grounded { drone_id: drone_id.clone(), from_s, to_s };
    let day = run(&monaco().mission, vec![grounded]);
    assert!(affected(&day, FaultKind::Grounded) >= 1, "the grounding released no booking");
    for f in day.plan.flights.iter().filter(|f| f.drone_id == drone_id) {
        assert!(
            f.takeoff_s < from_s || f.takeoff_s >= to_s,
            "{drone_id} takes off at {} while grounded",
            f.takeoff_s
        );
    }
    // The released order is served by another drone or rejected with a reason.
    match outcome(&day.plan, &first.order_id) {
        Outcome::Drone { flight } => assert_ne!(day.plan.flights[*flight].drone_id, drone_id),
        Outcome::Rejected { reason } => assert!(!reason.is_empty()),
        Outcome::Van { .. } => panic!("the Monaco morning has no vans"),
    }
}

#[test]
fn a_cancelled_order_is_freed_before_take_off_and_delivered_after() {
    let flights = &baseline().plan.flights;
    // The first order's flight is booked before the second's: freeing the second's drone
    // cannot move it.
    let (late, early) = (&flights[0], &flights[1]);
    let faults = vec![
        Fault::Cancelled { order_id: early.order_id.clone(), at_s: early.takeoff_s - 1.0 },
        Fault::Cancelled {
            order_id: late.order_id.clone(),
            at_s: (late.takeoff_s + late.delivered_s) / 2.0,
        },
    ];
    let day = run(&monaco().mission, faults);
    assert_eq!(affected(&day, FaultKind::Cancelled), 2);
    assert!(day.plan.flights.iter().all(|f| f.order_id != early.order_id));
    match outcome(&day.plan, &early.order_id) {
        Outcome::Rejected { reason } => {
            assert_eq!(reason.main_kind(), Some(ReasonKind::Cancelled), "{reason}")
        }
        o => panic!("cancelled before take-off but {o:?}"),
    }
    let rec = day.orders.iter().find(|r| r.order_id == early.order_id).unwrap();
    assert!(matches!(rec.state, OrderState::Cancelled { .. }) && !rec.broken_promise);
    // Cancelled in the air: delivered, as the baseline flew it.
    match outcome(&day.plan, &late.order_id) {
        Outcome::Drone { flight } => {
            assert_eq!(day.plan.flights[*flight].delivered_s, late.delivered_s)
        }
        o => panic!("cancelled in the air but {o:?}"),
    }
}

#[test]
fn a_pad_out_of_service_sees_no_take_off_or_landing() {
    let (_, flights) = busiest_drone();
    let f = flights[0];
    let announced_s = f.takeoff_s - 1.0;
    let (from_s, to_s) = (announced_s + PAD_NOTICE_S, announced_s + PAD_NOTICE_S + 3600.0);
    let pad_out =
        Fault::PadOut { depot_id: f.depot_id.clone(), pad: f.pad, announced_s, from_s, to_s };
    let day = run(&monaco().mission, vec![pad_out]);
    assert!(affected(&day, FaultKind::PadOut) >= 1, "the pad's bookings were not released");
    for g in day.plan.flights.iter().filter(|g| g.depot_id == f.depot_id && g.pad == f.pad) {
        for t in [g.takeoff_s, g.landed_s] {
            assert!(!(from_s..to_s).contains(&t), "{} uses the closed pad at {t}", g.order_id);
        }
    }
}

#[test]
fn wind_over_a_types_limit_stops_its_take_offs_for_the_hour() {
    let f = &baseline().plan.flights[2];
    let (from_s, to_s) = (f.takeoff_s - 1.0, f.takeoff_s - 1.0 + 3600.0);
    let wind = Fault::Wind { type_name: f.drone_type.clone(), from_s, to_s };
    let day = run(&monaco().mission, vec![wind]);
    assert!(affected(&day, FaultKind::Wind) >= 1);
    for g in day.plan.flights.iter().filter(|g| g.drone_type == f.drone_type) {
        assert!(!(from_s..to_s).contains(&g.takeoff_s), "{} takes off in the wind", g.order_id);
    }
    // Orders moved by the wind that were promised and not delivered are broken promises.
    let broken = day.orders.iter().filter(|r| r.broken_promise).count();
    let wind_row = day.report.kinds.iter().find(|k| k.kind == Some(FaultKind::Wind)).unwrap();
    assert!(wind_row.broken_promises <= broken);
    for r in day.orders.iter().filter(|r| r.cause == Some(FaultKind::Wind)) {
        let rejected = matches!(r.state, OrderState::Rejected { .. });
        assert_eq!(r.broken_promise, rejected && r.promised_by_s.is_some(), "{}", r.order_id);
    }
}

/// The Monaco morning with a van depot of two vans beside the Fontvieille nest.
fn with_vans() -> Mission {
    let mut m = monaco().mission.clone();
    m.depots.push(Depot {
        id: "vans-fontvieille".into(),
        lat_deg: 43.728319,
        lon_deg: 7.415019,
        kind: DepotKind::Van,
        pads: 4,
        on_roof: false,
    });
    m.fleet.vans.push(VanGroup {
        depot: "vans-fontvieille".into(),
        count: 2,
        capacity_m3: 8.5,
        capacity_kg: 900.0,
        shift_start: ClockTime(8.0 * 3600.0),
        shift_end: ClockTime(20.0 * 3600.0),
    });
    m
}

#[test]
fn a_broken_van_is_towed_back_and_its_orders_go_on_a_later_van_or_are_reported() {
    let m = with_vans();
    let breakdown = Fault::VanBreakdown { at_s: 0.0, route: 0, stop: 1 };
    let day = run(&m, vec![breakdown]);
    let broken =
        day.log.iter().find(|l| l.contains("broke down")).expect("a van broke down").clone();
    let van_id = broken.split_whitespace().nth(2).unwrap().to_string();
    let routes: Vec<_> = day.plan.van_routes.iter().filter(|r| r.van_id == van_id).collect();
    let first_out = routes[0].times_s[0];
    assert_eq!(routes.len(), 1, "{van_id} drove again after breaking down");
    assert_eq!(routes[0].stops.len(), 1, "it broke down after its first stop");
    assert!(affected(&day, FaultKind::VanBreakdown) >= 1, "{broken}");
    for r in day.orders.iter().filter(|r| r.cause == Some(FaultKind::VanBreakdown)) {
        match &r.state {
            OrderState::Van { route } => {
                let rt = &day.plan.van_routes[*route];
                assert!(rt.van_id != van_id && rt.times_s[0] > first_out, "{}", r.order_id);
            }
            OrderState::Rejected { reason } => {
                assert_eq!(reason.main_kind(), Some(ReasonKind::Van), "{reason}")
            }
            s => panic!("{}: {s:?} after a breakdown", r.order_id),
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_another() {
    let l = monaco();
    let a = simulate(&l.mission, &l.world, l.map.clone(), 11);
    let b = simulate(&l.mission, &l.world, l.map.clone(), 11);
    assert_eq!(a.plan.to_ron(), b.plan.to_ron());
    assert_eq!(a.log, b.log);
    assert_eq!(a.report, b.report);
    assert!(a.invariant_violations.is_empty(), "{:#?}", a.invariant_violations);
    let c = simulate(&l.mission, &l.world, l.map.clone(), 12);
    assert_ne!(a.faults, c.faults);
}

#[test]
fn the_state_check_catches_a_lost_and_a_duplicated_order() {
    let day = baseline();
    let routes = Vec::new();
    assert!(check_state(&day.orders, &day.plan.flights, &routes).is_empty());
    let mut lost = day.plan.flights.clone();
    let gone = lost.remove(0);
    let found = check_state(&day.orders, &lost, &routes);
    assert_eq!(found.len(), 1);
    assert!(found[0].contains(&gone.order_id), "{found:?}");
    let mut twice = day.plan.flights.clone();
    twice.push(twice[3].clone());
    let found = check_state(&day.orders, &twice, &routes);
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("2 flight(s)"), "{found:?}");
}

#[test]
fn cancelling_a_booking_releases_its_drone_and_airspace() {
    let l = monaco();
    let mut d = Dispatcher::new(&l.mission, &l.world);
    let order = l
        .mission
        .orders
        .iter()
        .find(|o| matches!(d.quote(o).mode, QuoteMode::Drone { .. }))
        .expect("some order flies");
    let before = d.quote(order);
    d.commit(order);
    d.advance_to(order.placed_at.seconds());
    let released = d.cancel_booking(&order.id).expect("not airborne yet");
    assert_eq!(released.order_id, order.id);
    assert!(d.flights().is_empty());
    // The same drone and take-off again: nothing of the booking is left.
    assert_eq!(d.quote(order), before);
    d.commit(order);
    let held = vec![d.flights()[0].drone_id.clone()];
    let until_s = d.flights()[0].takeoff_s + 600.0;
    assert_eq!(d.hold_drones(&held, until_s).len(), 1);
    d.commit(order);
    assert!(d.flights().iter().all(|f| f.drone_id != held[0] || f.takeoff_s >= until_s));
}

/// The failure, at `at_s`, of the drone flying `f` (picked among the baseline's flights
/// in the air then, in commit order).
fn failure_of(f: &Flight, at_s: f64) -> Fault {
    let in_air: Vec<&Flight> = baseline()
        .plan
        .flights
        .iter()
        .filter(|g| g.takeoff_s < at_s && g.landed_s > at_s)
        .collect();
    let pick = in_air.iter().position(|g| g.order_id == f.order_id).expect("airborne") as u64;
    Fault::DroneFailure { at_s, pick }
}

/// The baseline's first flight with an outbound leg of at least `min_s`, and a time a
/// third of the way from take-off to the package's release.
fn outbound_flight(min_s: f64) -> (&'static Flight, f64) {
    let f = baseline()
        .plan
        .flights
        .iter()
        .find(|f| f.delivered_s - f.takeoff_s > min_s)
        .expect("a long enough flight");
    (f, f.takeoff_s + (f.delivered_s - f.takeoff_s) / 3.0)
}

#[test]
fn a_drone_failing_in_the_air_comes_down_and_its_order_is_served_again() {
    let (f, at_s) = outbound_flight(120.0);
    let day = run(&monaco().mission, vec![failure_of(f, at_s)]);
    let diverted: Vec<&Flight> =
        day.plan.flights.iter().filter(|g| g.diversion.is_some()).collect();
    assert_eq!(diverted.len(), 1, "one flight diverted");
    let g = diverted[0];
    let d = g.diversion.as_ref().unwrap();
    assert!(!d.delivered && !g.delivers(), "failed before its release: nothing delivered");
    assert!(g.landed_s < f.landed_s, "comes down sooner than planned");
    let last = g.samples.last().unwrap();
    assert!(last.pos_m[2].abs() < 1e-6 && last.payload_kg > 0.0, "on the ground, with the package");
    // The drone flies no more; the order is served again or rejected with a reason.
    assert!(day.plan.flights.iter().all(|h| h.drone_id != g.drone_id || h.takeoff_s <= at_s));
    match outcome(&day.plan, &g.order_id) {
        Outcome::Drone { flight } => {
            let h = &day.plan.flights[*flight];
            assert!(h.delivers() && h.takeoff_s > at_s && h.drone_id != g.drone_id);
        }
        Outcome::Rejected { reason } => assert!(!reason.is_empty()),
        Outcome::Van { .. } => panic!("the Monaco morning has no vans"),
    }
    assert!(affected(&day, FaultKind::DroneFailure) >= 1);
}

#[test]
fn a_zone_activated_at_short_notice_turns_back_the_flights_heading_into_it() {
    let l = monaco();
    let nests: Vec<[f64; 2]> =
        l.mission.depots.iter().map(|d| l.world.frame.to_local(d.lat_deg, d.lon_deg)).collect();
    let far = |p: [f64; 2]| nests.iter().all(|n| (n[0] - p[0]).hypot(n[1] - p[1]) > 400.0);
    let f = baseline()
        .plan
        .flights
        .iter()
        .find(|f| f.delivered_s - f.takeoff_s > 240.0 && far(f.drop_point_m))
        .expect("a long flight to an address far from the nests");
    // Announced early in the flight: the drone cannot reach the zone and leave it again
    // before it is active.
    let announced_s = f.takeoff_s + 20.0;
    let zone = Fault::ZoneActivated {
        id: "police".into(),
        centre_m: f.drop_point_m,
        radius_m: 150.0,
        announced_s,
        from_s: announced_s + 120.0,
        to_s: announced_s + 3720.0,
    };
    let day = run(&monaco().mission, vec![zone]);
    let g = day
        .plan
        .flights
        .iter()
        .find(|g| g.order_id == f.order_id && g.diversion.is_some())
        .unwrap_or_else(|| {
            let log: Vec<&String> =
                day.log.iter().filter(|x| x.contains("zone") || x.contains(&f.order_id)).collect();
            panic!("the flight of {} heading into the zone is not diverted: {log:#?}", f.order_id)
        });
    let d = g.diversion.as_ref().unwrap();
    assert!(!d.delivered, "turned back before its drop point");
    assert_eq!(d.ending, skylane_planner::plan::DiversionEnd::Pad, "home with the package");
    assert!(g.landed_s < f.landed_s + 60.0);
    // The zone's address cannot be served by drone while it is active.
    assert!(!matches!(outcome(&day.plan, &f.order_id), Outcome::Drone { .. }));
    // The written plan carries the zone, so a checker of the file sees it.
    assert!(day.plan.mission.airspace.no_fly.iter().any(|z| z.id == "police"));
    assert!(affected(&day, FaultKind::ZoneActivated) >= 1);
}

#[test]
fn the_verifier_catches_edited_diversions() {
    use skylane_planner::plan::DiversionEnd;
    use skylane_planner::verify::{verify, Rule};
    let (f, at_s) = outbound_flight(120.0);
    let day = run(&monaco().mission, vec![failure_of(f, at_s)]);
    let world = &monaco().world;
    let k = day.plan.flights.iter().position(|g| g.diversion.is_some()).expect("diverted");
    let rules = |plan: &Plan| -> Vec<Rule> { verify(plan, world).iter().map(|v| v.rule).collect() };
    assert!(rules(&day.plan).is_empty());

    // Claiming the package was delivered: the flight never lowered it, and no outcome
    // points at it.
    let mut claimed = day.plan.clone();
    claimed.flights[k].diversion.as_mut().unwrap().delivered = true;
    let found = rules(&claimed);
    assert!(found.contains(&Rule::Drop) && found.contains(&Rule::Accounting), "{found:?}");

    // A landing spot the samples do not end at.
    let mut moved = day.plan.clone();
    if let Some(d) = moved.flights[k].diversion.as_mut() {
        d.ending = DiversionEnd::Spot { pos_m: [0.0, 0.0] };
    }
    assert!(rules(&moved).contains(&Rule::Depot), "{:?}", rules(&moved));

    // The same drone taking off again after landing away from its nest.
    let mut again = day.plan.clone();
    let later = again.flights.iter().position(|g| g.takeoff_s > at_s).expect("a later flight");
    again.flights[later].drone_id = again.flights[k].drone_id.clone();
    assert!(rules(&again).contains(&Rule::Vehicle), "{:?}", rules(&again));

    // The package dropped on the way down while the record says it is on board.
    let mut dropped = day.plan.clone();
    dropped.flights[k].samples.last_mut().unwrap().payload_kg = 0.0;
    assert!(rules(&dropped).contains(&Rule::Accounting), "{:?}", rules(&dropped));
}
