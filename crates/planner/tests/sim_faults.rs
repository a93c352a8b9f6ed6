//! A live day under faults on the Monaco morning: one test per fault kind asserting its
//! rule, the invariants, and the same-seed determinism.

mod common_monaco;

use std::sync::OnceLock;

use common_monaco::monaco;
use skylane_planner::dispatch::{Dispatcher, QuoteMode};
use skylane_planner::mission::{ClockTime, Depot, DepotKind, Mission, VanGroup};
use skylane_planner::plan::{Flight, Outcome, Plan};
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
        Outcome::Rejected { reason } => assert!(reason.starts_with("cancelled:"), "{reason}"),
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
            OrderState::Rejected { reason } => assert!(reason.starts_with("van:"), "{reason}"),
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
