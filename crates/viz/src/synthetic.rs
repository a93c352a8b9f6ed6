//! Small hand-made plans over a real map, for tests and demos of the replay without
//! running the planner. The flights are straight-line depot -> drop -> depot trajectories
//! with the planner's phases; they are not checked against buildings.
//!
//! Entry points: [`synthetic_plan`] writes nothing and returns a [`Plan`] whose map is the
//! given `.osm.pbf`; [`synthetic_flight`] and [`synthetic_van_route`] build single
//! vehicles.

use std::collections::BTreeMap;
use std::path::Path;

use skylane_planner::geo::LocalFrame;
use skylane_planner::mission::{Mission, MissionError};
use skylane_planner::plan::{
    promised_s, Flight, MapRef, OrderOutcome, Outcome, Phase, Plan, ReasonKind, Reasons, Sample,
    Summary, VanRoute, VanStop, PLAN_FORMAT,
};

/// Cruise speed of synthetic drones, m/s.
const CRUISE_MPS: f64 = 15.0;
/// Climb and descent speed, m/s.
const VERTICAL_MPS: f64 = 4.0;
/// Hover height while lowering, m.
const HOVER_M: f64 = 15.0;
/// Van speed, m/s.
const VAN_MPS: f64 = 8.0;

/// A depot -> `drop` -> depot flight taking off at `takeoff_s`, one sample per second
/// in cruise and at every phase change; the battery drains linearly from full to 55 %.
pub fn synthetic_flight(
    drone_id: &str,
    order_id: &str,
    depot: [f64; 2],
    drop: [f64; 2],
    takeoff_s: f64,
    cruise_alt_m: f64,
) -> Flight {
    let dist = (drop[0] - depot[0]).hypot(drop[1] - depot[1]);
    let climb_s = cruise_alt_m / VERTICAL_MPS;
    let cruise_s = (dist / CRUISE_MPS).max(1.0);
    let descent_s = (cruise_alt_m - HOVER_M) / VERTICAL_MPS;
    let lowering_s = 20.0;
    // Waypoints with the phase that starts at each.
    let legs: [(f64, [f64; 3], Phase); 7] = [
        (climb_s, [depot[0], depot[1], 0.0], Phase::TakeOff),
        (cruise_s, [depot[0], depot[1], cruise_alt_m], Phase::Outbound),
        (descent_s, [drop[0], drop[1], cruise_alt_m], Phase::DeliveryDescent),
        (lowering_s, [drop[0], drop[1], HOVER_M], Phase::Lowering),
        (descent_s, [drop[0], drop[1], HOVER_M], Phase::DeliveryClimb),
        (cruise_s, [drop[0], drop[1], cruise_alt_m], Phase::Inbound),
        (climb_s, [depot[0], depot[1], cruise_alt_m], Phase::Landing),
    ];
    let total_s: f64 = legs.iter().map(|l| l.0).sum();
    let soc_at = |t: f64| 1.0 - 0.45 * ((t - takeoff_s) / total_s).clamp(0.0, 1.0);
    let mut samples = Vec::new();
    let mut t = takeoff_s;
    let mut delivered_s = takeoff_s;
    for (k, (dur, from, phase)) in legs.iter().enumerate() {
        let to = legs.get(k + 1).map(|l| l.1).unwrap_or([depot[0], depot[1], 0.0]);
        let steps = dur.ceil().max(1.0) as usize;
        let vel = [(to[0] - from[0]) / dur, (to[1] - from[1]) / dur, (to[2] - from[2]) / dur];
        let vel = if *phase == Phase::Lowering { [0.0; 3] } else { vel };
        for i in 0..steps {
            let f = i as f64 / steps as f64;
            let pos = [
                from[0] + (to[0] - from[0]) * f,
                from[1] + (to[1] - from[1]) * f,
                from[2] + (to[2] - from[2]) * f,
            ];
            let ts = t + dur * f;
            let payload_kg = if *phase as u8 <= Phase::Lowering as u8 { 1.0 } else { 0.0 };
            samples.push(Sample {
                t_s: ts,
                pos_m: pos,
                vel_mps: vel,
                phase: *phase,
                payload_kg,
                soc: soc_at(ts),
            });
        }
        t += dur;
        if *phase == Phase::Lowering {
            delivered_s = t;
        }
    }
    samples.push(Sample {
        t_s: t,
        pos_m: [depot[0], depot[1], 0.0],
        vel_mps: [0.0; 3],
        phase: Phase::Landing,
        payload_kg: 0.0,
        soc: soc_at(t),
    });
    Flight {
        order_id: order_id.to_string(),
        drone_id: drone_id.to_string(),
        drone_type: "synthetic".to_string(),
        depot_id: "nest".to_string(),
        pad: 0,
        payload_kg: 1.0,
        destination_m: drop,
        drop_point_m: drop,
        drop_offset_m: 0.0,
        cruise_alt_m,
        path_length_m: 2.0 * (dist + cruise_alt_m),
        straight_line_m: 2.0 * dist,
        takeoff_s,
        delivered_s,
        landed_s: t,
        energy_wh: 0.45 * 500.0,
        battery_usable_wh: 500.0,
        soc_end: soc_at(t),
        point_of_no_return_s: None,
        samples,
        diversion: None,
    }
}

/// A van route leaving `depot` at `depart_s`, visiting `stops` in order along straight
/// lines (an L-shaped path per leg, like a street grid) and returning; 60 s per stop.
pub fn synthetic_van_route(
    van_id: &str,
    depot: [f64; 2],
    stops: &[(&str, [f64; 2])],
    depart_s: f64,
) -> VanRoute {
    let mut path_m = vec![depot];
    let mut times_s = vec![depart_s];
    let mut out_stops = Vec::new();
    let mut distance_m = 0.0;
    let mut go = |to: [f64; 2], path_m: &mut Vec<[f64; 2]>, times_s: &mut Vec<f64>| {
        let from = *path_m.last().expect("the path starts at the depot");
        for p in [[to[0], from[1]], to] {
            let last = *path_m.last().expect("non-empty");
            let d = (p[0] - last[0]).hypot(p[1] - last[1]);
            distance_m += d;
            let t = times_s.last().expect("non-empty") + d / VAN_MPS;
            path_m.push(p);
            times_s.push(t);
        }
    };
    for (order_id, pos) in stops {
        go(*pos, &mut path_m, &mut times_s);
        let arrive_s = *times_s.last().expect("non-empty");
        let depart = arrive_s + 60.0;
        path_m.push(*pos);
        times_s.push(depart);
        out_stops.push(VanStop {
            order_id: order_id.to_string(),
            pos_m: *pos,
            arrive_s,
            service_start_s: arrive_s,
            depart_s: depart,
        });
    }
    go(depot, &mut path_m, &mut times_s);
    let node_ids = (0..path_m.len() as i64).collect();
    VanRoute {
        van_id: van_id.to_string(),
        depot_id: "vans".to_string(),
        stops: out_stops,
        path_m,
        times_s,
        node_ids,
        distance_m,
        load_kg: stops.len() as f64,
        load_m3: 0.01 * stops.len() as f64,
    }
}

/// Orders of the synthetic Monaco day: id, minutes after 09:00, latitude, longitude.
const ORDERS: &[(&str, f64, f64, f64)] = &[
    ("casino", 0.0, 43.7393, 7.4277),
    ("fontvieille", 1.0, 43.7296, 7.4160),
    ("larvotto", 2.0, 43.7445, 7.4350),
    ("palais", 3.0, 43.7311, 7.4197),
    ("jardin", 4.0, 43.7316, 7.4130),
    ("condamine", 5.0, 43.7360, 7.4200),
    ("moneghetti", 6.0, 43.7350, 7.4150),
    ("far-away", 7.0, 43.7500, 7.4400),
];

/// A plan over `map` (a Monaco extract gives a meaningful scene): one drone nest at the
/// port with six flights taking off from 09:01, one van serving one order, one rejected
/// order. At 09:10 (33 000 s) several drones are in the air.
pub fn synthetic_plan(map: &Path) -> Result<Plan, MissionError> {
    let origin = (43.7384, 7.4246);
    let nest = (43.7350, 7.4232);
    let mut text = format!(
        "Mission(name: \"synthetic monaco\", origin: (lat_deg: {}, lon_deg: {}), map: {:?},\n\
         depots: [(id: \"nest\", lat_deg: {}, lon_deg: {}, kind: Drone, pads: 4),\n\
         (id: \"vans\", lat_deg: {}, lon_deg: {}, kind: Van, pads: 2)],\n\
         fleet: (drones: [(model: Preset(\"dji-m100\"), depot: \"nest\", count: 6)],\n\
         vans: [(depot: \"vans\", count: 1)]),\norders: [\n",
        origin.0,
        origin.1,
        map.display().to_string(),
        nest.0,
        nest.1,
        nest.0 + 0.0004,
        nest.1 - 0.0012,
    );
    for (id, min, lat, lon) in ORDERS {
        let t = 9.0 * 3600.0 + min * 60.0;
        let (h, m, s) = ((t / 3600.0) as u32, (t / 60.0) as u32 % 60, t as u32 % 60);
        text.push_str(&format!(
            "(id: {id:?}, placed_at: \"{h:02}:{m:02}:{s:02}\", lat_deg: {lat}, lon_deg: {lon}, payload_kg: 1.0),\n"
        ));
    }
    text.push_str("])");
    let mission = Mission::from_ron_str(&text, "synthetic.ron")?;
    let frame = LocalFrame::new(origin.0, origin.1);
    let depot = frame.to_local(nest.0, nest.1);
    let van_depot = frame.to_local(nest.0 + 0.0004, nest.1 - 0.0012);

    let mut flights = Vec::new();
    let mut outcomes = Vec::new();
    let mut van_stops = Vec::new();
    for (k, o) in mission.orders.iter().enumerate() {
        let drop = frame.to_local(o.lat_deg, o.lon_deg);
        let placed_s = o.placed_at.seconds();
        let outcome = match k {
            0..=5 => {
                let drone = format!("drone-{}", k + 1);
                let alt = 90.0 + 10.0 * (k % 3) as f64;
                flights.push(synthetic_flight(&drone, &o.id, depot, drop, placed_s + 60.0, alt));
                Outcome::Drone { flight: flights.len() - 1 }
            }
            6 => {
                van_stops.push((o.id.as_str(), drop));
                Outcome::Van {
                    route: 0,
                    reason: Reasons::one(ReasonKind::Service, "synthetic van order"),
                }
            }
            _ => Outcome::Rejected {
                reason: Reasons::one(
                    ReasonKind::Energy,
                    "destination 2.1 km beyond the drone range of 1.8 km (synthetic)",
                ),
            },
        };
        let promised_s = promised_s(&mission, o, &outcome);
        outcomes.push(OrderOutcome {
            order_id: o.id.clone(),
            placed_s,
            promised_s,
            outcome,
            locker: None,
        });
    }
    let van_routes =
        vec![synthetic_van_route("van-1", van_depot, &van_stops, 9.0 * 3600.0 + 420.0)];
    let summary = Summary {
        orders: mission.orders.len(),
        by_drone: flights.len(),
        by_van: van_stops.len(),
        late: 0,
        rejected: 1,
        rejected_by_reason: BTreeMap::from([("energy".to_string(), 1)]),
        drone_km: flights.iter().map(|f| f.path_length_m).sum::<f64>() / 1000.0,
        van_km: van_routes.iter().map(|r| r.distance_m).sum::<f64>() / 1000.0,
        energy_wh: flights.iter().map(|f| f.energy_wh).sum(),
        ..Summary::default()
    };
    Ok(Plan {
        format: PLAN_FORMAT.to_string(),
        mission,
        map: MapRef { path: map.to_path_buf(), sha256: String::new() },
        outcomes,
        flights,
        van_routes,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flight_phases_and_times_are_consistent() {
        let f = synthetic_flight("d", "o", [0.0, 0.0], [600.0, 800.0], 100.0, 90.0);
        assert!(f.samples.windows(2).all(|w| w[0].t_s <= w[1].t_s));
        assert_eq!(f.samples[0].t_s, 100.0);
        assert_eq!(f.samples.last().unwrap().t_s, f.landed_s);
        assert!(f.takeoff_s < f.delivered_s && f.delivered_s < f.landed_s);
        let top = f.samples.iter().map(|s| s.pos_m[2]).fold(0.0, f64::max);
        assert_eq!(top, 90.0);
        assert_eq!(f.samples.last().unwrap().pos_m, [0.0, 0.0, 0.0]);
        assert!(f.samples.iter().any(|s| s.pos_m == [600.0, 800.0, HOVER_M]));
    }

    #[test]
    fn van_route_reaches_its_stops() {
        let r = synthetic_van_route("v", [0.0, 0.0], &[("a", [100.0, 50.0])], 10.0);
        assert_eq!(r.path_m.len(), r.times_s.len());
        assert!(r.times_s.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(r.stops[0].arrive_s, 10.0 + 150.0 / VAN_MPS);
        assert_eq!(*r.path_m.last().unwrap(), [0.0, 0.0]);
        assert_eq!(r.distance_m, 300.0);
    }

    #[test]
    fn plan_round_trips_through_ron() {
        let plan = synthetic_plan(Path::new("/nonexistent/monaco.osm.pbf")).unwrap();
        assert_eq!(plan.outcomes.len(), ORDERS.len());
        let text = plan.to_ron();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.ron");
        std::fs::write(&path, text).unwrap();
        let back = Plan::load(&path).unwrap();
        assert_eq!(back.flights.len(), 6);
        assert_eq!(back.van_routes[0].stops.len(), 1);
    }
}
