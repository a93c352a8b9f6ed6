//! Service areas on a small synthetic scene: one nest, two drone types, a prohibited
//! block east of the nest. Coverage must agree with what the dispatcher actually plans.

use skylane_planner::coverage::{coverage, CoverageConfig};
use skylane_planner::dispatch::plan_mission;
use skylane_planner::geo::LocalFrame;
use skylane_planner::mission::Mission;
use skylane_planner::plan::{MapRef, Outcome};
use skylane_planner::world::{Polygon, Rect, World, Zone};

fn scene() -> (Mission, World) {
    let text = r#"Mission(
        name: "coverage scene",
        origin: (lat_deg: 46.5, lon_deg: 6.6),
        map: "none.osm.pbf",
        depots: [(id: "nest", lat_deg: 46.5, lon_deg: 6.6, kind: Drone, pads: 1)],
        fleet: (drones: [
            (model: Preset("dji-m100"), depot: "nest", count: 2),
            (model: Preset("dji-m350-rtk"), depot: "nest", count: 1),
        ]),
        orders: [(id: "o", placed_at: "10:00", lat_deg: 46.5, lon_deg: 6.601, payload_kg: 1.0)],
    )"#;
    let mission = Mission::from_ron_str(text, "scene.ron").unwrap();
    let frame = LocalFrame::new(46.5, 6.6);
    // A block 200 m wide from x = 300 to 500, ground to 300 m: drones go around it.
    let block = Zone {
        id: "block".into(),
        footprint: Polygon::new(vec![
            [300.0, -100.0],
            [500.0, -100.0],
            [500.0, 100.0],
            [300.0, 100.0],
        ]),
        floor_m: 0.0,
        ceiling_m: 300.0,
        window_s: None,
    };
    let bounds = Rect { min: [-1500.0, -1500.0], max: [1500.0, 1500.0] };
    (mission, World::new(frame, Vec::new(), vec![block], Vec::new(), 120.0, bounds))
}

fn minutes_at(cov: &skylane_planner::coverage::Coverage, group: usize, p: [f64; 2]) -> Option<f64> {
    cov.groups[group]
        .cells
        .iter()
        .find(|c| {
            let m = cov.centre_m(c.index);
            (m[0] - p[0]).abs() < 1e-6 && (m[1] - p[1]).abs() < 1e-6
        })
        .map(|c| c.minutes)
}

#[test]
fn coverage_detours_zones_and_matches_the_dispatcher() {
    let (mission, world) = scene();
    let config =
        CoverageConfig { cell_m: 100.0, placed_at_s: 36_000.0, payload_kg: 1.0, promise_min: 5.0 };
    let cov = coverage(&mission, &world, &config);
    assert_eq!(cov.size, (30, 30));
    assert_eq!(cov.groups.len(), 2);
    assert_eq!(
        (cov.groups[0].drone_type.as_str(), cov.groups[1].drone_type.as_str()),
        ("dji-m100", "dji-m350-rtk")
    );
    // Cell centres sit at odd multiples of 50 m. Inside the block nothing is covered.
    assert!(!cov.covers([350.0, 50.0]) && !cov.covers([450.0, -50.0]));
    // Behind the block (650 m east) takes longer than as far west in open air.
    let east = minutes_at(&cov, 0, [650.0, 50.0]).expect("east of the block is covered");
    let west = minutes_at(&cov, 0, [-650.0, 50.0]).expect("west is covered");
    // Around the block's corner is about 26 m longer each way: over 2 s at 10 m/s.
    assert!(east > west + 2.0 / 60.0, "east {east} min vs west {west} min");
    // The 5-minute promise (2 of them picking and loading) bounds the area.
    assert!(cov.union.len() < 900, "{} cells", cov.union.len());
    // The union is, per cell, the fastest group.
    for c in &cov.union {
        let best = (0..2)
            .filter_map(|g| minutes_at(&cov, g, cov.centre_m(c.index)))
            .fold(f64::INFINITY, f64::min);
        assert_eq!(c.minutes, best);
    }
    assert!(cov.union.len() >= cov.groups[0].cells.len().max(cov.groups[1].cells.len()));

    // The dispatcher agrees: an order to a covered cell is flown with the package down
    // at the minutes coverage gave; an order to an uncovered cell in open air is not
    // flown within the promise.
    let one_order = |p: [f64; 2]| {
        let (lat, lon) = world.frame.to_geodetic(p);
        let mut m = mission.clone();
        m.orders[0].lat_deg = lat;
        m.orders[0].lon_deg = lon;
        m.orders[0].promise_min = config.promise_min;
        let map = MapRef { path: "none.osm.pbf".into(), sha256: String::new() };
        plan_mission(&m, &world, map, &|_, _| {})
    };
    let plan = one_order([650.0, 50.0]);
    let Outcome::Drone { flight } = plan.outcomes[0].outcome else {
        panic!("{:?}", plan.outcomes[0])
    };
    let got = (plan.flights[flight].delivered_s - config.placed_at_s) / 60.0;
    let best =
        (0..2).filter_map(|g| minutes_at(&cov, g, [650.0, 50.0])).fold(f64::INFINITY, f64::min);
    assert!((got - best).abs() < 1e-6, "plan {got} min vs coverage {best} min");
    let far = cov
        .union
        .iter()
        .map(|c| cov.centre_m(c.index))
        .fold(0.0f64, |d, c| d.max(c[0].hypot(c[1])));
    let outside = (0..30 * 30)
        .map(|k| cov.centre_m((k % 30, k / 30)))
        .find(|c| c[0] < 0.0 && !cov.covers(*c) && c[0].hypot(c[1]) > far - 1.0)
        .expect("an uncovered open-air cell");
    let plan = one_order(outside);
    assert!(!matches!(plan.outcomes[0].outcome, Outcome::Drone { .. }), "{:?}", plan.outcomes[0]);
}
