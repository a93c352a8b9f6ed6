//! Orders to drones over the day.
//!
//! Entry point: [`plan_mission`]. Policy (the foundation dispatcher): orders are taken
//! in order of `placed_at`; for each, every drone of every nest is considered, and the
//! order goes to the drone that delivers it earliest, provided that is within the
//! promise. A drone takes off no earlier than `placed_at + pick_load_s` and once it is
//! recharged from its previous flight (energy used / charger power). Flight geometry
//! and energy do not depend on the take-off time, so they are computed once per
//! (order, nest, drone type), in parallel, and shifted in time when assigned.
//!
//! Every order ends in exactly one outcome; an order no drone can serve is
//! `Rejected` with the reason and the numbers that decided it.

use std::collections::BTreeMap;

use nalgebra::Vector3;
use rayon::prelude::*;

use crate::energy::model::{self, Atmosphere, EnergySample};
use crate::energy::DroneSpec;
use crate::mission::{ClockTime, DepotKind, Mission, Order};
use crate::plan::{
    Flight, MapRef, OrderOutcome, Outcome, Phase, Plan, Sample, Summary, PLAN_FORMAT,
};
use crate::search::city::{CityPlanner, CityPlannerConfig, Clearances, DeliveryPath};
use crate::trajectory::{abort_trajectory, delivery_trajectory, DeliveryLegs};
use crate::world::{Rect, TimeSpan, World};

/// A drone of the fleet.
#[derive(Debug, Clone)]
struct Drone {
    id: String,
    spec: DroneSpec,
    depot: usize,
    free_at_s: f64,
}

/// A flight computed from take-off time 0.
#[derive(Debug, Clone)]
struct FlightTemplate {
    path: DeliveryPath,
    samples: Vec<Sample>,
    delivered_s: f64,
    landed_s: f64,
    energy_wh: f64,
    usable_wh: f64,
    point_of_no_return_s: Option<f64>,
    hover_m: f64,
}

/// One way to fly an order: (nest index, drone type name, flight or reason).
type TemplateOption = (usize, String, Result<FlightTemplate, String>);

/// How long the planner keeps a zone's time window in mind around an order: from the
/// order time to this long after it (the flight is over by then), s.
const ORDER_HORIZON_S: f64 = 3.0 * 3600.0;

/// Plans every order of `mission` over `world`. `progress(done, total)` is called as
/// orders' flights are computed (from worker threads).
pub fn plan_mission(
    mission: &Mission,
    world: &World,
    map: MapRef,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Plan {
    let frame = &world.frame;
    let policy = &mission.policy;
    let atm = Atmosphere {
        temperature_c: mission.weather.temperature_c,
        wind_mps: Vector3::new(mission.weather.wind_east_mps, mission.weather.wind_north_mps, 0.0),
    };
    let nests: Vec<usize> =
        (0..mission.depots.len()).filter(|&i| mission.depots[i].kind == DepotKind::Drone).collect();
    let depot_xy: Vec<[f64; 2]> =
        mission.depots.iter().map(|d| frame.to_local(d.lat_deg, d.lon_deg)).collect();
    let mut drones = Vec::new();
    let mut types: Vec<DroneSpec> = Vec::new();
    for g in &mission.fleet.drones {
        let Some(spec) = mission.drone_spec(g) else { continue };
        let Some(depot) = mission.depots.iter().position(|d| d.id == g.depot) else { continue };
        if !types.iter().any(|t| t.name == spec.name) {
            types.push(spec.clone());
        }
        for _ in 0..g.count {
            let n = drones.iter().filter(|d: &&Drone| d.depot == depot).count() + 1;
            let id = format!("{}/{}#{n}", g.depot, spec.name);
            drones.push(Drone { id, spec: spec.clone(), depot, free_at_s: 0.0 });
        }
    }

    // Planning area: everything the mission touches, plus room to go around.
    let mut area = Rect::empty();
    for &n in &nests {
        area.include(depot_xy[n]);
    }
    let dests: Vec<[f64; 2]> =
        mission.orders.iter().map(|o| frame.to_local(o.lat_deg, o.lon_deg)).collect();
    for d in &dests {
        area.include(*d);
    }
    let pad = 400.0;
    area = Rect {
        min: [area.min[0] - pad, area.min[1] - pad],
        max: [area.max[0] + pad, area.max[1] + pad],
    };

    // One occupancy set per distinct set of active time-windowed zones.
    let order_span = |o: &Order| TimeSpan {
        from_s: o.placed_at.seconds(),
        to_s: o.placed_at.seconds() + ORDER_HORIZON_S,
    };
    let signature = |span: TimeSpan| -> Vec<bool> {
        world.zones.iter().map(|z| z.window_s.is_some() && z.active_during(span)).collect()
    };
    let mut signatures: Vec<(Vec<bool>, TimeSpan)> = Vec::new();
    let mut order_sig = Vec::with_capacity(mission.orders.len());
    for o in &mission.orders {
        let span = order_span(o);
        let sig = signature(span);
        let idx = match signatures.iter().position(|(s, _)| *s == sig) {
            Some(i) => {
                let s = &mut signatures[i].1;
                s.from_s = s.from_s.min(span.from_s);
                s.to_s = s.to_s.max(span.to_s);
                i
            }
            None => {
                signatures.push((sig, span));
                signatures.len() - 1
            }
        };
        order_sig.push(idx);
    }
    let planners: Vec<CityPlanner> = signatures
        .par_iter()
        .map(|(_, span)| {
            CityPlanner::new(
                world,
                area,
                policy.cruise_alt_min_m,
                policy.cruise_alt_max_m,
                mission.airspace.clearance_margin_m,
                *span,
                CityPlannerConfig::default(),
            )
        })
        .collect();
    let rules = Clearances {
        cruise_margin_m: mission.airspace.clearance_margin_m,
        delivery_margin_m: policy.delivery_margin_m,
        hover_m: policy.delivery_hover_m,
        drop_radius_m: policy.drop_radius_m,
    };

    // Flight templates per (order, nest, type), in parallel, collected in order.
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = mission.orders.len();
    let templates: Vec<Vec<TemplateOption>> = mission
        .orders
        .par_iter()
        .enumerate()
        .map(|(oi, order)| {
            let mut out = Vec::new();
            for &n in &nests {
                let kinds: Vec<&DroneSpec> = types
                    .iter()
                    .filter(|t| drones.iter().any(|d| d.depot == n && d.spec.name == t.name))
                    .collect();
                if kinds.is_empty() {
                    continue;
                }
                let path = planners[order_sig[oi]].plan_delivery(depot_xy[n], dests[oi], &rules);
                for spec in kinds {
                    let t = match &path {
                        Err(e) => Err(format!("no path: {e}")),
                        Ok(_) if order.payload_kg > spec.max_payload_kg => Err(format!(
                            "too heavy: payload {:.2} kg exceeds the {} limit of {:.2} kg",
                            order.payload_kg, spec.name, spec.max_payload_kg
                        )),
                        Ok(p) => flight_template(spec, mission, &atm, depot_xy[n], order, p),
                    };
                    out.push((n, spec.name.clone(), t));
                }
            }
            let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(k, total);
            out
        })
        .collect();

    // Greedy assignment in order of placement time (stable: ties keep mission order).
    let mut order_idx: Vec<usize> = (0..mission.orders.len()).collect();
    order_idx.sort_by(|&a, &b| {
        mission.orders[a].placed_at.seconds().total_cmp(&mission.orders[b].placed_at.seconds())
    });
    let mut outcome: Vec<Option<Outcome>> = vec![None; mission.orders.len()];
    let mut flights: Vec<(usize, Flight)> = Vec::new();
    for &oi in &order_idx {
        let order = &mission.orders[oi];
        if drones.is_empty() {
            outcome[oi] =
                Some(Outcome::Rejected { reason: "no drones: the fleet has no drones".into() });
            continue;
        }
        let ready = order.placed_at.seconds() + policy.pick_load_s;
        let mut best: Option<(f64, usize, &FlightTemplate, f64)> = None;
        let mut reasons: Vec<String> = Vec::new();
        for (n, type_name, t) in &templates[oi] {
            match t {
                Err(r) => reasons.push(r.clone()),
                Ok(t) => {
                    for (di, d) in drones.iter().enumerate() {
                        if d.depot != *n || d.spec.name != *type_name {
                            continue;
                        }
                        let takeoff = ready.max(d.free_at_s);
                        let delivered = takeoff + t.delivered_s;
                        if best.as_ref().is_none_or(|b| delivered < b.0) {
                            best = Some((delivered, di, t, takeoff));
                        }
                    }
                }
            }
        }
        match best {
            Some((delivered, di, t, takeoff)) if delivered <= order.due_s() + 1e-9 => {
                let d = &mut drones[di];
                let recharge_s = t.energy_wh / d.spec.charge_power_w * 3600.0;
                d.free_at_s = takeoff + t.landed_s + recharge_s;
                let flight = instantiate(
                    t,
                    takeoff,
                    order,
                    d,
                    &mission.depots[d.depot].id,
                    dests[oi],
                    depot_xy[d.depot],
                );
                flights.push((oi, flight));
            }
            Some((delivered, ..)) => {
                outcome[oi] = Some(Outcome::Rejected {
                    reason: format!(
                        "late: earliest drone delivery {} is after the promise {}",
                        ClockTime(delivered),
                        ClockTime(order.due_s())
                    ),
                });
            }
            None => {
                reasons.dedup();
                outcome[oi] = Some(Outcome::Rejected { reason: reasons.join("; ") });
            }
        }
    }
    // Flights in mission order of their orders, so outputs read naturally.
    flights.sort_by_key(|(oi, _)| *oi);
    let mut plan_flights = Vec::with_capacity(flights.len());
    for (oi, f) in flights {
        outcome[oi] = Some(Outcome::Drone { flight: plan_flights.len() });
        plan_flights.push(f);
    }
    let outcomes: Vec<OrderOutcome> = mission
        .orders
        .iter()
        .zip(outcome)
        .map(|(o, out)| OrderOutcome {
            order_id: o.id.clone(),
            placed_s: o.placed_at.seconds(),
            outcome: out.unwrap_or(Outcome::Rejected {
                reason: "internal: order was not considered".into(),
            }),
        })
        .collect();
    let summary = summarise(&outcomes, &plan_flights);
    Plan {
        format: PLAN_FORMAT.to_string(),
        mission: mission.clone(),
        map,
        outcomes,
        flights: plan_flights,
        van_routes: Vec::new(),
        summary,
    }
}

fn summarise(outcomes: &[OrderOutcome], flights: &[Flight]) -> Summary {
    let mut s = Summary { orders: outcomes.len(), ..Summary::default() };
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for o in outcomes {
        match &o.outcome {
            Outcome::Drone { .. } => s.by_drone += 1,
            Outcome::Van { .. } => s.by_van += 1,
            Outcome::Rejected { reason } => {
                s.rejected += 1;
                let kind = reason.split(':').next().unwrap_or("other").trim().to_string();
                *by_reason.entry(kind).or_default() += 1;
            }
        }
    }
    s.rejected_by_reason = by_reason;
    s.drone_km = flights.iter().map(|f| f.path_length_m).sum::<f64>() / 1000.0;
    s.energy_wh = flights.iter().map(|f| f.energy_wh).sum();
    s
}

fn instantiate(
    t: &FlightTemplate,
    takeoff_s: f64,
    order: &Order,
    drone: &Drone,
    depot_id: &str,
    dest_m: [f64; 2],
    depot_m: [f64; 2],
) -> Flight {
    let p = &t.path;
    let vertical_m = 2.0 * p.cruise_alt_m + 2.0 * (p.cruise_alt_m - t.hover_m);
    let samples: Vec<Sample> =
        t.samples.iter().map(|s| Sample { t_s: s.t_s + takeoff_s, ..*s }).collect();
    Flight {
        order_id: order.id.clone(),
        drone_id: drone.id.clone(),
        drone_type: drone.spec.name.clone(),
        depot_id: depot_id.to_string(),
        payload_kg: order.payload_kg,
        destination_m: dest_m,
        drop_point_m: t.path.drop_point_m,
        drop_offset_m: t.path.drop_offset_m,
        cruise_alt_m: t.path.cruise_alt_m,
        path_length_m: 2.0 * p.cruise_length_m + vertical_m,
        straight_line_m: 2.0
            * ((p.drop_point_m[0] - depot_m[0]).hypot(p.drop_point_m[1] - depot_m[1])),
        takeoff_s,
        delivered_s: t.delivered_s + takeoff_s,
        landed_s: t.landed_s + takeoff_s,
        energy_wh: t.energy_wh,
        battery_usable_wh: t.usable_wh,
        soc_end: samples.last().map_or(1.0, |s| s.soc),
        point_of_no_return_s: t.point_of_no_return_s.map(|p| p + takeoff_s),
        samples,
    }
}

fn energy_samples(samples: &[Sample]) -> Vec<EnergySample> {
    samples
        .iter()
        .map(|x| EnergySample {
            t_s: x.t_s,
            ground_velocity_mps: Vector3::from(x.vel_mps),
            alt_m: x.pos_m[2],
            payload_kg: x.payload_kg,
        })
        .collect()
}

/// Trajectory + energy + reserve + abort contingency of one delivery, from time 0.
fn flight_template(
    spec: &DroneSpec,
    mission: &Mission,
    atm: &Atmosphere,
    depot_m: [f64; 2],
    order: &Order,
    path: &DeliveryPath,
) -> Result<FlightTemplate, String> {
    let policy = &mission.policy;
    let legs = DeliveryLegs {
        depot_m,
        cruise_path_m: &path.cruise_path_m,
        cruise_alt_m: path.cruise_alt_m,
        hover_m: policy.delivery_hover_m,
        lowering_s: policy.lowering_s,
        payload_kg: order.payload_kg,
        wind_mps: atm.wind_mps,
    };
    let (mut samples, delivered_s, landed_s) =
        delivery_trajectory(spec, &legs, 0.0).map_err(|e| format!("wind: {e}"))?;
    let cum = model::integrate_energy_wh(spec, atm, &energy_samples(&samples))
        .map_err(|e| format!("energy: {e}"))?;
    let usable = model::usable_energy_wh(spec, mission.weather.temperature_c)
        .map_err(|e| format!("energy: {e}"))?;
    let budget = usable * (1.0 - policy.battery_reserve_fraction);
    let total = *cum.last().unwrap_or(&0.0);
    if total > budget {
        return Err(format!(
            "energy: the flight needs {total:.1} Wh to land with the {:.0} % reserve but {budget:.1} Wh of {usable:.1} Wh usable are available",
            policy.battery_reserve_fraction * 100.0
        ));
    }
    for (s, e) in samples.iter_mut().zip(&cum) {
        s.soc = 1.0 - e / usable;
    }

    // Abort contingency at every sample of the outbound leg.
    let route = &path.cruise_path_m;
    let mut seg = 0usize;
    let mut pnr = None;
    for (i, s) in samples.iter().enumerate() {
        if !matches!(s.phase, Phase::TakeOff | Phase::Outbound) {
            break;
        }
        let here = [s.pos_m[0], s.pos_m[1]];
        if s.phase == Phase::Outbound {
            while seg + 1 < route.len() - 1 && !on_segment(route[seg], route[seg + 1], here) {
                seg += 1;
            }
        }
        let mut back = vec![here];
        if s.phase == Phase::Outbound {
            back.extend(route[..=seg].iter().rev().copied());
        }
        back.dedup();
        let abort = abort_trajectory(
            spec,
            &back,
            path.cruise_alt_m,
            s.pos_m[2],
            order.payload_kg,
            atm.wind_mps,
            s.t_s,
        )
        .map_err(|e| format!("wind: {e}"))?;
        let abort_cum = model::integrate_energy_wh(spec, atm, &energy_samples(&abort))
            .map_err(|e| format!("energy: {e}"))?;
        let need = cum[i] + abort_cum.last().copied().unwrap_or(0.0);
        if need > budget {
            return Err(format!(
                "contingency: aborting {:.0} s into the flight and returning with the package needs {need:.1} Wh, {budget:.1} Wh are available above the reserve",
                s.t_s
            ));
        }
        pnr = Some(s.t_s);
    }
    Ok(FlightTemplate {
        path: path.clone(),
        samples,
        delivered_s,
        landed_s,
        energy_wh: total,
        usable_wh: usable,
        point_of_no_return_s: pnr,
        hover_m: policy.delivery_hover_m,
    })
}

fn on_segment(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> bool {
    crate::world::polygon::segment_point_distance(a, b, p) < 1e-6
}
