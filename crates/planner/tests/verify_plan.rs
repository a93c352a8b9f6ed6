//! The verifier passes the Monaco plan and catches deliberately broken ones.

mod common_monaco;

use common_monaco::{monaco, monaco_plan};
use skylane_planner::plan::{Outcome, Phase, Plan};
use skylane_planner::verify::{verify, Rule};
use skylane_planner::world::ObstacleRef;

fn rules(plan: &Plan) -> Vec<Rule> {
    verify(plan, &monaco().world).into_iter().map(|v| v.rule).collect()
}

/// Index of a mid-cruise sample of the first flight.
fn cruise_sample(plan: &Plan) -> usize {
    let s = &plan.flights[0].samples;
    let outbound: Vec<usize> = (0..s.len()).filter(|&i| s[i].phase == Phase::Outbound).collect();
    outbound[outbound.len() / 2]
}

#[test]
fn monaco_plan_passes_and_serves_most_orders() {
    let plan = monaco_plan();
    let violations = verify(plan, &monaco().world);
    assert!(violations.is_empty(), "{violations:#?}");
    assert_eq!(plan.outcomes.len(), plan.mission.orders.len());
    assert!(plan.summary.by_drone * 10 >= plan.summary.orders * 6, "{:?}", plan.summary);
    for f in &plan.flights {
        assert!(f.path_length_m >= f.straight_line_m);
        assert!(f.soc_end >= plan.mission.policy.battery_reserve_fraction);
        assert!(f.drop_offset_m <= plan.mission.policy.drop_radius_m);
    }
}

#[test]
fn sample_moved_into_a_building_is_a_clearance_violation() {
    let mut plan = monaco_plan().clone();
    let world = &monaco().world;
    let (bi, inside) = world
        .buildings
        .iter()
        .enumerate()
        .filter(|(_, b)| b.top_m >= 20.0)
        .find_map(|(i, b)| {
            let n = b.footprint.outer.len() as f64;
            let c = b
                .footprint
                .outer
                .iter()
                .fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
            b.footprint.contains(c).then_some((i, c))
        })
        .expect("Monaco has a convex-ish tall building");
    let k = cruise_sample(&plan);
    plan.flights[0].samples[k].pos_m = [inside[0], inside[1], 10.0];
    let violations = verify(&plan, world);
    let name = world.describe(ObstacleRef::Building(bi));
    let hit = violations
        .iter()
        .find(|v| v.rule == Rule::Clearance && v.message.contains(&name))
        .expect("clearance violation naming the building");
    assert_eq!(hit.order_id, plan.flights[0].order_id);
    assert!(hit.message.starts_with("0.00 m"), "{}", hit.message);
}

#[test]
fn sample_above_the_ceiling_is_an_altitude_violation() {
    let mut plan = monaco_plan().clone();
    let k = cruise_sample(&plan);
    plan.flights[0].samples[k].pos_m[2] = plan.mission.airspace.ceiling_agl_m + 10.0;
    assert!(rules(&plan).contains(&Rule::Altitude));
}

#[test]
fn time_going_backwards_is_a_timing_violation() {
    let mut plan = monaco_plan().clone();
    let k = cruise_sample(&plan);
    plan.flights[0].samples[k].t_s = plan.flights[0].samples[k - 1].t_s - 0.5;
    let violations = verify(&plan, &monaco().world);
    assert!(violations
        .iter()
        .any(|v| v.rule == Rule::Timing && v.message.contains("does not increase")));
}

#[test]
fn tampered_energy_is_an_energy_violation() {
    let mut plan = monaco_plan().clone();
    plan.flights[0].energy_wh *= 1.05;
    assert!(rules(&plan).contains(&Rule::Energy));
}

#[test]
fn late_delivery_and_lost_orders_are_caught() {
    let mut plan = monaco_plan().clone();
    let id = plan.flights[0].order_id.clone();
    let order = plan.mission.orders.iter_mut().find(|o| o.id == id).unwrap();
    order.placed_at.0 -= 3600.0;
    assert!(rules(&plan).contains(&Rule::Promise));

    let mut plan = monaco_plan().clone();
    let lost =
        plan.outcomes.iter().position(|o| matches!(o.outcome, Outcome::Rejected { .. })).unwrap();
    plan.outcomes.remove(lost);
    assert!(rules(&plan).contains(&Rule::Accounting));
}

#[test]
fn plan_round_trips_through_ron() {
    let plan = monaco_plan();
    let dir = tempfile::tempdir().unwrap();
    skylane_planner::plan::write_outputs(plan, dir.path()).unwrap();
    let back = Plan::load(&dir.path().join("plan.ron")).unwrap();
    assert_eq!(&back, plan);
}

// Trust nothing: edits that once hid violations or slipped past the checker.

#[test]
fn nan_positions_are_violations_not_a_pass() {
    let mut plan = monaco_plan().clone();
    // Samples moved into a building, then hidden behind NaN: never "ok".
    let k = cruise_sample(&plan);
    for x in &mut plan.flights[0].samples[k..k + 5] {
        x.pos_m[0] = f64::NAN;
    }
    let found = verify(&plan, &monaco().world);
    assert!(found.iter().any(|v| v.rule == Rule::Finite), "{found:#?}");
}

#[test]
fn an_infinite_height_is_a_violation_and_does_not_hang() {
    let mut plan = monaco_plan().clone();
    let k = cruise_sample(&plan);
    plan.flights[0].samples[k].pos_m[2] = f64::INFINITY;
    assert!(rules(&plan).contains(&Rule::Finite));
}

#[test]
fn an_invalid_embedded_mission_fails_verification() {
    for edit in [
        |p: &mut Plan| p.mission.airspace.clearance_margin_m = f64::NAN,
        |p: &mut Plan| p.mission.policy.battery_reserve_fraction = f64::NAN,
        |p: &mut Plan| p.mission.depots[0].pads = 0,
        |p: &mut Plan| p.mission.fleet.drones[0].count = 0,
        |p: &mut Plan| p.mission.airspace.separation.horizontal_m = f64::NAN,
        |p: &mut Plan| {
            let z = &mut p.mission.airspace.no_fly[0];
            z.polygon.truncate(2);
        },
    ] {
        let mut plan = monaco_plan().clone();
        edit(&mut plan);
        let found = verify(&plan, &monaco().world);
        assert!(!found.is_empty() && found.iter().all(|v| v.rule == Rule::Mission), "{found:#?}");
    }
}

#[test]
fn a_drone_outside_the_fleet_is_a_vehicle_violation() {
    let mut plan = monaco_plan().clone();
    let f = &mut plan.flights[0];
    f.drone_id = format!("{}/{}#99", f.depot_id, f.drone_type);
    assert!(rules(&plan).contains(&Rule::Vehicle));
}

#[test]
fn a_payload_other_than_the_orders_is_caught() {
    let mut plan = monaco_plan().clone();
    plan.flights[0].payload_kg = 0.9 * plan.flights[0].payload_kg + 0.01;
    assert!(rules(&plan).contains(&Rule::Accounting));
}

#[test]
fn a_drone_delivery_outside_the_orders_window_is_caught() {
    use skylane_planner::mission::{ClockTime, Service, TimeWindow};
    let mut plan = monaco_plan().clone();
    let id = plan.flights[0].order_id.clone();
    let order = plan.mission.orders.iter_mut().find(|o| o.id == id).unwrap();
    let placed = order.placed_at.seconds();
    order.service = Service::Window(TimeWindow {
        from: ClockTime(placed + 3.0 * 3600.0),
        to: ClockTime(placed + 5.0 * 3600.0),
    });
    assert!(rules(&plan).contains(&Rule::Promise));
}

#[test]
fn more_flights_on_another_layer_than_flights_is_an_accounting_violation() {
    let mut plan = monaco_plan().clone();
    plan.summary.separation_other_layer = plan.flights.len() + 1;
    let violations = verify(&plan, &monaco().world);
    assert!(
        violations
            .iter()
            .any(|v| v.rule == Rule::Accounting && v.message.contains("separation_other_layer")),
        "{violations:#?}"
    );
}

#[test]
fn turning_back_with_the_package_must_keep_the_reserve() {
    // The longest flight, edited so that it comes home the instant the parcel is down:
    // its way out now costs far more than the rest. As the reserve asked of the plan
    // grows, the first energy rule it breaks is the turn-back contingency (flying back
    // with the parcel from late on the way out), while it would still land with the
    // reserve.
    let mut plan = monaco_plan().clone();
    let k = (0..plan.flights.len())
        .max_by(|&a, &b| plan.flights[a].path_length_m.total_cmp(&plan.flights[b].path_length_m))
        .expect("flights");
    let f = &mut plan.flights[k];
    let home = f.samples[0];
    let climbed = f.samples.iter().rposition(|x| x.phase == Phase::DeliveryClimb).unwrap();
    f.samples.truncate(climbed + 1);
    let t = f.samples[climbed].t_s + 1.0;
    f.samples.push(skylane_planner::plan::Sample { t_s: t, phase: Phase::Landing, ..home });
    let order = f.order_id.clone();
    let first_energy_violation = (10..95).find_map(|pct| {
        let mut p = plan.clone();
        p.mission.policy.battery_reserve_fraction = pct as f64 / 100.0;
        verify(&p, &monaco().world)
            .into_iter()
            .find(|v| {
                v.rule == Rule::Energy && v.order_id == order && !v.message.contains("stored")
            })
            .map(|v| (pct, v.message))
    });
    let (pct, message) = first_energy_violation.expect("some reserve is too high for it");
    assert!(message.contains("turning back here with the package"), "at {pct} %: {message}");
}

#[test]
fn edited_promises_and_late_counts_are_caught() {
    let served = |p: &Plan| p.outcomes.iter().position(|o| o.promised_s.is_some()).unwrap();
    // A promise moved later (to hide a late delivery), a NaN and a missing one.
    for edit in [Some(3600.0), Some(f64::NAN), None] {
        let mut plan = monaco_plan().clone();
        let i = served(&plan);
        plan.outcomes[i].promised_s = edit.map(|d| plan.outcomes[i].promised_s.unwrap() + d);
        let violations = verify(&plan, &monaco().world);
        assert!(
            violations.iter().any(|v| v.rule == Rule::Promise && v.message.contains("promised_s")),
            "{edit:?}: {violations:#?}"
        );
    }
    // A promise on a rejected order, where there is none to keep.
    let mut plan = monaco_plan().clone();
    if let Some(r) =
        plan.outcomes.iter_mut().find(|o| matches!(o.outcome, Outcome::Rejected { .. }))
    {
        r.promised_s = Some(r.placed_s + 1800.0);
        assert!(rules(&plan).contains(&Rule::Promise));
    }
    // A summary that hides a late order.
    let mut plan = monaco_plan().clone();
    plan.summary.late += 1;
    let violations = verify(&plan, &monaco().world);
    assert!(violations.iter().any(|v| v.rule == Rule::Accounting && v.message.contains("late")));
}
