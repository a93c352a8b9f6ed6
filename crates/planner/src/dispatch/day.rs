//! The whole day at once: flight options for every order in parallel, look-ahead regret
//! assignment of drones (see the parent module's docs), then van waves for the rest.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{vans, Dispatcher, PadFlights, TemplateOption, SERVICE_BY_VAN};
use crate::ground::roads::RoadGraph;
use crate::mission::{Mission, Service};
use crate::plan::{Flight, MapRef, OrderOutcome, Outcome, Plan, Summary, PLAN_FORMAT};
use crate::world::World;

/// Whether flights are kept clear of each other (see the parent module's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deconfliction {
    /// Every flight keeps the separation minima from every committed flight (always,
    /// outside a measurement of what it costs).
    On,
    /// Flights ignore each other: only to measure what deconfliction costs. The plans
    /// this makes fail the verifier wherever two flights meet.
    Off,
}

/// Plans every order of `mission` over `world`: drones with look-ahead dispatch, vans in
/// waves for the rest. `progress(done, total)` is called as orders' flights are computed
/// (from worker threads).
pub fn plan_mission(
    mission: &Mission,
    world: &World,
    map: MapRef,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Plan {
    plan_mission_with(mission, world, map, progress, Deconfliction::On)
}

/// [`plan_mission`] with deconfliction switched as given.
pub fn plan_mission_with(
    mission: &Mission,
    world: &World,
    map: MapRef,
    progress: &(dyn Fn(usize, usize) + Sync),
    deconflict: Deconfliction,
) -> Plan {
    let mut d = Dispatcher::new(mission, world).with_deconfliction(deconflict);
    let n = mission.orders.len();
    // Build the planners (one per set of active windowed zones) in parallel, then every
    // order's flight options in parallel; results are collected in order.
    d.zone_sets().par_iter().for_each(|o| {
        d.planner_for(o);
    });
    let done = std::sync::atomic::AtomicUsize::new(0);
    let templates: Vec<Vec<TemplateOption>> = mission
        .orders
        .par_iter()
        .map(|o| {
            let express = matches!(o.service, Service::Express);
            let t = if express { d.options(o) } else { Vec::new() };
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, n);
            t
        })
        .collect();

    // Look-ahead assignment (see the module docs).
    let pick = mission.policy.pick_load_s;
    let mut pending: Vec<usize> =
        (0..n).filter(|&i| matches!(mission.orders[i].service, Service::Express)).collect();
    pending.sort_by(|&a, &b| {
        mission.orders[a]
            .placed_at
            .seconds()
            .total_cmp(&mission.orders[b].placed_at.seconds())
            .then(a.cmp(&b))
    });
    let mut drone_reason: Vec<Option<String>> = vec![None; n];
    let mut flight_of: Vec<Option<usize>> = vec![None; n];
    while let Some(&first) = pending.first() {
        let decide_at = mission.orders[first].placed_at.seconds() + pick;
        let batch: Vec<usize> = pending
            .iter()
            .copied()
            .take_while(|&i| mission.orders[i].placed_at.seconds() <= decide_at)
            .collect();
        let mut chosen: Option<(f64, f64, usize)> = None; // (regret, -due, order)
        for &i in &batch {
            let o = &mission.orders[i];
            let (best, second, reasons) = d.best_drone(o, &templates[i]);
            match best {
                None => {
                    drone_reason[i] = Some(if reasons.is_empty() {
                        "no drones: the fleet has no drones".into()
                    } else {
                        reasons.join("; ")
                    });
                }
                Some((delivered, ..)) => {
                    let regret = second - delivered;
                    let key = (regret, -o.due_s(), i);
                    let better = match chosen {
                        None => true,
                        Some(c) => {
                            key.0 > c.0
                                || (key.0 == c.0 && (key.1 > c.1 || (key.1 == c.1 && key.2 < c.2)))
                        }
                    };
                    if better {
                        chosen = Some(key);
                    }
                }
            }
        }
        pending.retain(|i| drone_reason[*i].is_none());
        if let Some((_, _, i)) = chosen {
            let o = &mission.orders[i];
            match d.deconflicted(o, &templates[i], &mut PadFlights::default()) {
                Ok(b) => {
                    d.book(o, b);
                    flight_of[i] = Some(d.flights.len() - 1);
                }
                Err(reason) => drone_reason[i] = Some(reason),
            }
            pending.retain(|&p| p != i);
        }
    }

    // Vans for everything else.
    let frame = &world.frame;
    let dests: Vec<[f64; 2]> =
        mission.orders.iter().map(|o| frame.to_local(o.lat_deg, o.lon_deg)).collect();
    let shift_end = mission.fleet.vans.iter().map(|v| v.shift_end.seconds()).fold(0.0, f64::max);
    let van_orders: Vec<vans::VanOrder> = (0..n)
        .filter(|&i| flight_of[i].is_none())
        .map(|i| {
            let o = &mission.orders[i];
            let ready = o.placed_at.seconds() + pick;
            let (from, to) = vans::window(mission, i, ready, shift_end);
            vans::VanOrder {
                order: i,
                ready_s: ready,
                window_from_s: from,
                window_to_s: to,
                demand: [o.payload_kg, o.volume_l / 1000.0],
            }
        })
        .collect();
    let (van_routes, van_outcomes) =
        if mission.fleet.vans.iter().any(|v| v.count > 0) && !van_orders.is_empty() {
            let graph = RoadGraph::from_roads(&world.roads);
            vans::route_vans(mission, &graph, &d.depot_xy, &dests, van_orders)
        } else {
            (Vec::new(), van_orders.iter().map(|v| (v.order, Err(String::new()))).collect())
        };
    let mut van_of: Vec<Option<Result<usize, String>>> = vec![None; n];
    for (i, r) in van_outcomes {
        van_of[i] = Some(r);
    }

    // Flights in the mission order of their orders, so outputs read naturally.
    let mut flown: Vec<(usize, usize)> =
        (0..n).filter_map(|i| flight_of[i].map(|f| (i, f))).collect();
    flown.sort();
    let mut flights = Vec::with_capacity(flown.len());
    let mut outcome: Vec<Option<Outcome>> = vec![None; n];
    for (i, f) in flown {
        outcome[i] = Some(Outcome::Drone { flight: flights.len() });
        flights.push(d.flights[f].clone());
    }
    for i in 0..n {
        if outcome[i].is_some() {
            continue;
        }
        outcome[i] = Some(match van_of[i].take() {
            Some(Ok(route)) => Outcome::Van {
                route,
                reason: drone_reason[i].clone().unwrap_or_else(|| SERVICE_BY_VAN.into()),
            },
            Some(Err(van_reason)) => {
                let mut reason = drone_reason[i].clone().unwrap_or_default();
                if !van_reason.is_empty() {
                    if reason.is_empty() {
                        reason = van_reason;
                    } else {
                        reason = format!("{reason}; {van_reason}");
                    }
                }
                if reason.is_empty() {
                    reason = "no vehicle: no drone or van could serve the order".into();
                }
                Outcome::Rejected { reason }
            }
            None => Outcome::Rejected {
                reason: drone_reason[i].clone().unwrap_or_else(|| "no vehicle: not served".into()),
            },
        });
    }
    let outcomes: Vec<OrderOutcome> = mission
        .orders
        .iter()
        .zip(outcome)
        .map(|(o, out)| OrderOutcome {
            order_id: o.id.clone(),
            placed_s: o.placed_at.seconds(),
            outcome: out.unwrap_or(Outcome::Rejected { reason: "no vehicle: not served".into() }),
        })
        .collect();
    let mut summary = summarise(mission, &outcomes, &flights, &van_routes);
    let sep = d.separation();
    summary.separation_delays = sep.delayed;
    summary.separation_delay_s = sep.delay_s;
    summary.separation_other_layer = sep.other_layer;
    Plan {
        format: PLAN_FORMAT.to_string(),
        mission: mission.clone(),
        map,
        outcomes,
        flights,
        van_routes,
        summary,
    }
}

/// The plan's summary of `outcomes`, `flights` and `vans` (separation delays left at 0).
pub(crate) fn summarise(
    mission: &Mission,
    outcomes: &[OrderOutcome],
    flights: &[Flight],
    vans: &[crate::plan::VanRoute],
) -> Summary {
    let mut s = Summary { orders: outcomes.len(), ..Summary::default() };
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for (o, m) in outcomes.iter().zip(&mission.orders) {
        match &o.outcome {
            Outcome::Drone { flight } => {
                s.by_drone += 1;
                if flights[*flight].delivered_s > m.due_s() + 1e-6 {
                    s.late += 1;
                }
            }
            Outcome::Van { route, .. } => {
                s.by_van += 1;
                let stop = vans[*route].stops.iter().find(|st| st.order_id == o.order_id);
                if let (Service::Window(w), Some(st)) = (m.service, stop) {
                    if st.service_start_s > w.to.seconds() + 1e-6 {
                        s.late += 1;
                    }
                }
            }
            Outcome::Rejected { reason } => {
                s.rejected += 1;
                let kind = reason.split(':').next().unwrap_or("other").trim().to_string();
                *by_reason.entry(kind).or_default() += 1;
            }
        }
    }
    s.rejected_by_reason = by_reason;
    // Sums start from +0.0: an empty f64 sum is -0.0.
    s.drone_km = 0.0 + flights.iter().map(|f| f.path_length_m).sum::<f64>() / 1000.0;
    s.van_km = 0.0 + vans.iter().map(|r| r.distance_m).sum::<f64>() / 1000.0;
    s.energy_wh = 0.0 + flights.iter().map(|f| f.energy_wh).sum::<f64>();
    s
}
