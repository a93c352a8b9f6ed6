//! Property: random missions over the real Monaco world never panic, every order gets
//! exactly one outcome, and every plan passes the independent verifier.

mod common_monaco;

use common_monaco::monaco;
use proptest::prelude::*;
use skylane_planner::dispatch::plan_mission;
use skylane_planner::mission::{ClockTime, Order};
use skylane_planner::verify::verify;

fn order_strategy() -> impl Strategy<Value = (f64, f64, f64, f64)> {
    // Lat/lon over the built-up part of Monaco, payloads from light to too heavy.
    (43.727f64..43.750, 7.410f64..7.439, 0.05f64..3.0, 8.0f64 * 3600.0..13.0 * 3600.0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn random_missions_plan_verify_and_account(
        orders in prop::collection::vec(order_strategy(), 1..6),
        wind_east in -6.0f64..6.0,
        wind_north in -6.0f64..6.0,
        reserve in 0.1f64..0.35,
    ) {
        let base = monaco();
        let mut mission = base.mission.clone();
        mission.weather.wind_east_mps = wind_east;
        mission.weather.wind_north_mps = wind_north;
        mission.policy.battery_reserve_fraction = reserve;
        mission.orders = orders
            .iter()
            .enumerate()
            .map(|(i, &(lat, lon, payload, t))| Order {
                id: format!("R{i}"),
                placed_at: ClockTime(t.round()),
                lat_deg: lat,
                lon_deg: lon,
                locker: None,
                payload_kg: (payload * 100.0).round() / 100.0 + 0.01,
                volume_l: 3.0,
                promise_min: 30.0,
                service: Default::default(),
            })
            .collect();
        prop_assert!(mission.problems(None).is_empty());
        let plan = plan_mission(&mission, &base.world, base.map.clone(), &|_, _| {});
        prop_assert_eq!(plan.outcomes.len(), mission.orders.len());
        for (o, m) in plan.outcomes.iter().zip(&mission.orders) {
            prop_assert_eq!(&o.order_id, &m.id);
        }
        let violations = verify(&plan, &base.world);
        prop_assert!(violations.is_empty(), "{:#?}", violations);
    }
}
