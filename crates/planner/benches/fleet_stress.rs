//! Deconfliction under load: a thousand drones of forty nests flying a thousand real
//! deliveries over one city in one hour, every one committed live through the
//! `Dispatcher` with every earlier flight's reservations in place.
//!
//! `cargo bench -p skylane-planner --bench fleet_stress [-- MISSION.ron] [--nests N]`
//!
//! The city, airspace, weather, drone types and order addresses are those of a real
//! mission (by default `missions/monaco-fleet.ron`); this bench replaces its depots and
//! fleet by N nests (default 40) of 25 drones each (13 DJI M350 RTK, 12 DJI M100, 8 pads)
//! on open ground spread over the order area (the farthest-apart grid points, 50 m
//! apart, whose eight pads fit and whose column is clear to the highest cruise layer),
//! and its orders by 1,000 express orders at the mission's addresses, placed uniformly
//! (seeded) between 09:00 and 10:00. The `Dispatcher` warms up (planners and every
//! nest's trees), then takes the orders in time order: advance the clock, commit.
//!
//! Figures: the share delivered by drone within the promise, flights held on the ground
//! and flights moved to another cruise layer, the time per committed order (one core:
//! run with `RAYON_NUM_THREADS=1`), and the independent verifier's separation and pad
//! check over the committed flights (it must find nothing).
//!
//! Baseline in the same process: loading the mission and building its world.

use std::path::PathBuf;
use std::time::Instant;

use skylane_planner::dispatch::{Dispatcher, QuoteMode};
use skylane_planner::load::load_mission;
use skylane_planner::mission::{
    ClockTime, Depot, DepotKind, DroneGroup, DroneModel, Mission, Order, Service,
};
use skylane_planner::plan::{OrderOutcome, Outcome, Plan, Summary, PLAN_FORMAT};
use skylane_planner::stats::percentile;
use skylane_planner::verify::{verify, Rule};
use skylane_planner::volumes::{flight_volumes, ReservationIndex, Volume4};
use skylane_planner::world::pads::pad_layout;
use skylane_planner::world::{TimeSpan, World};

/// Drones per nest and their types.
const FLEET_PER_NEST: [(&str, u32); 2] = [("dji-m350-rtk", 13), ("dji-m100", 12)];
const PADS_PER_NEST: u32 = 8;
const ORDERS: usize = 1000;
const SITE_GRID_M: f64 = 50.0;

/// SplitMix64: a fixed-seed generator for the order times.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// `n` nest sites on open ground, as far apart as possible (farthest-point order from
/// the site nearest the orders' centre).
fn nest_sites(mission: &Mission, world: &World, n: usize) -> Vec<[f64; 2]> {
    let dests: Vec<[f64; 2]> =
        mission.orders.iter().map(|o| world.frame.to_local(o.lat_deg, o.lon_deg)).collect();
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for d in &dests {
        for k in 0..2 {
            lo[k] = lo[k].min(d[k]);
            hi[k] = hi[k].max(d[k]);
        }
    }
    let all_day = TimeSpan { from_s: 0.0, to_s: 48.0 * 3600.0 };
    let margin = mission.airspace.clearance_margin_m;
    let top = mission.policy.cruise_alt_max_m.min(mission.airspace.ceiling_agl_m);
    let mut sites = Vec::new();
    let mut y = lo[1];
    while y <= hi[1] {
        let mut x = lo[0];
        while x <= hi[0] {
            let p = [x, y];
            let column = world.segment_clear([x, y, 0.0], [x, y, top], all_day, margin);
            if column && pad_layout(world, p, PADS_PER_NEST, margin).is_ok() {
                sites.push(p);
            }
            x += SITE_GRID_M;
        }
        y += SITE_GRID_M;
    }
    let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    let d2 = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
    let mut chosen: Vec<[f64; 2]> = Vec::new();
    let first = sites.iter().copied().min_by(|a, b| d2(*a, centre).total_cmp(&d2(*b, centre)));
    chosen.extend(first);
    while chosen.len() < n.min(sites.len()) {
        let gap = |s: &[f64; 2]| chosen.iter().map(|c| d2(*s, *c)).fold(f64::INFINITY, f64::min);
        let next = sites.iter().copied().max_by(|a, b| gap(a).total_cmp(&gap(b)));
        chosen.extend(next);
    }
    chosen
}

/// The stress mission: `base`'s city, airspace, policy and addresses with `nests` nests
/// of 25 drones and [`ORDERS`] express orders placed between 09:00 and 10:00.
fn stress_mission(base: &Mission, world: &World, nests: usize) -> Mission {
    let mut m = base.clone();
    m.depots = nest_sites(base, world, nests)
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let (lat_deg, lon_deg) = world.frame.to_geodetic(p);
            Depot {
                id: format!("nest-{i:02}"),
                lat_deg,
                lon_deg,
                kind: DepotKind::Drone,
                pads: PADS_PER_NEST,
                on_roof: false,
            }
        })
        .collect();
    m.fleet.drones = m
        .depots
        .iter()
        .flat_map(|d| {
            FLEET_PER_NEST.iter().map(|(model, count)| DroneGroup {
                model: DroneModel::Preset(model.to_string()),
                depot: d.id.clone(),
                count: *count,
            })
        })
        .collect();
    m.fleet.vans.clear();
    let heaviest = FLEET_PER_NEST
        .iter()
        .filter_map(|(name, _)| {
            base.drone_spec(&DroneGroup {
                model: DroneModel::Preset(name.to_string()),
                depot: String::new(),
                count: 1,
            })
        })
        .map(|s| s.max_payload_kg)
        .fold(0.0, f64::max);
    let addresses: Vec<&Order> = base.orders.iter().filter(|o| o.payload_kg <= heaviest).collect();
    let mut seed = 20_261_202u64;
    m.orders = (0..ORDERS)
        .map(|i| {
            let a = addresses[i % addresses.len()];
            Order {
                id: format!("s{i:04}"),
                placed_at: ClockTime(9.0 * 3600.0 + 3600.0 * splitmix(&mut seed)),
                service: Service::Express,
                ..a.clone()
            }
        })
        .collect();
    m.orders.sort_by(|a, b| a.placed_at.seconds().total_cmp(&b.placed_at.seconds()));
    m
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.iter().find(|a| a.ends_with(".ron")).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../missions/monaco-fleet.ron")
    });
    let nests = args
        .iter()
        .position(|a| a == "--nests")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let t = Instant::now();
    let loaded = load_mission(&path).expect("mission loads");
    let load_s = t.elapsed().as_secs_f64();
    let mission = stress_mission(&loaded.mission, &loaded.world, nests);
    let drones: u32 = mission.fleet.drones.iter().map(|g| g.count).sum();
    println!(
        "{}: {} nests, {drones} drones, {} express orders 09:00-10:00; load mission + world {load_s:.2} s (baseline), {} threads",
        path.display(),
        mission.depots.len(),
        mission.orders.len(),
        rayon::current_num_threads()
    );

    let mut dispatcher = Dispatcher::new(&mission, &loaded.world);
    let t = Instant::now();
    dispatcher.warm_up();
    let warm_s = t.elapsed().as_secs_f64();
    println!(
        "warm-up (planners, every nest's trees) {warm_s:.1} s ({:.0}x baseline)",
        warm_s / load_s
    );

    let mut ms = Vec::with_capacity(mission.orders.len());
    let mut outcomes = Vec::with_capacity(mission.orders.len());
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for o in &mission.orders {
        dispatcher.advance_to(o.placed_at.seconds());
        let t = Instant::now();
        let q = dispatcher.commit(o);
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        let outcome = match q.mode {
            QuoteMode::Drone { .. } => Outcome::Drone { flight: dispatcher.flights().len() - 1 },
            QuoteMode::Van { reason } | QuoteMode::Refused { reason } => {
                let kind = reason.main_kind().map_or("none", |k| k.label());
                *reasons.entry(kind.to_string()).or_default() += 1;
                Outcome::Rejected { reason }
            }
        };
        outcomes.push(OrderOutcome {
            order_id: o.id.clone(),
            placed_s: o.placed_at.seconds(),
            promised_s: skylane_planner::plan::promised_s(&mission, o, &outcome),
            locker: skylane_planner::plan::delivered_locker(o, &outcome),
            outcome,
        });
    }
    ms.sort_by(f64::total_cmp);
    let flights = dispatcher.flights().to_vec();
    let sep = dispatcher.separation();
    let due: std::collections::HashMap<&str, f64> =
        mission.orders.iter().map(|o| (o.id.as_str(), o.due_s())).collect();
    let late = flights.iter().filter(|f| f.delivered_s > due[f.order_id.as_str()] + 1e-6).count();
    println!(
        "per committed order (path, trajectory, energy, deconfliction): median {:.2} ms ({:.4}x baseline), p99 {:.2} ms, max {:.2} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.5) / (load_s * 1e3),
        percentile(&ms, 0.99),
        ms[ms.len() - 1]
    );
    println!(
        "by drone within the promise: {} of {} ({:.1} %), late {late}; not by drone: {reasons:?}",
        flights.len(),
        mission.orders.len(),
        100.0 * flights.len() as f64 / mission.orders.len() as f64
    );
    println!(
        "deconfliction: {} held on the ground ({:.0} s in all, mean {:.0} s), {} on another cruise layer",
        sep.delayed,
        sep.delay_s,
        sep.delay_s / sep.delayed.max(1) as f64,
        sep.other_layer
    );

    let plan = Plan {
        format: PLAN_FORMAT.to_string(),
        mission: mission.clone(),
        map: loaded.map.clone(),
        outcomes,
        flights,
        van_routes: Vec::new(),
        summary: Summary::default(),
    };
    let t = Instant::now();
    let violations = verify(&plan, &loaded.world);
    let count = |r: Rule| violations.iter().filter(|v| v.rule == r).count();
    println!(
        "verifier ({:.1} s): {} losses of separation, {} pad conflicts, {} violations in all",
        t.elapsed().as_secs_f64(),
        count(Rule::Separation),
        count(Rule::Pad),
        violations.len()
    );
    for v in violations.iter().take(5) {
        println!("  {v:?}");
    }
    index_replay(&plan);
}

/// The reservation index alone, as the live run used it: the committed flights in
/// commit order, each asking for its earliest conflict-free take-off from its booked
/// one and inserted there. Prints the time per flight and how many got another answer
/// than the live run (none should: the index holds the same flights in the same order).
fn index_replay(plan: &Plan) {
    let sep = plan.mission.airspace.separation;
    let depot = |id: &str| plan.mission.depots.iter().position(|d| d.id == id).unwrap_or(0);
    let mut index = ReservationIndex::new(sep);
    let mut ms = Vec::with_capacity(plan.flights.len());
    let mut differ = 0;
    for f in &plan.flights {
        let t0 = f.takeoff_s;
        let relative: Vec<Volume4> = flight_volumes(&f.samples, Some((depot(&f.depot_id), f.pad)))
            .iter()
            .map(|v| v.shifted(-t0))
            .collect();
        let t = Instant::now();
        let got = index.earliest_takeoff(&relative, t0, t0 + 3600.0);
        let at = got.unwrap_or(t0);
        index.insert(&relative.iter().map(|v| v.shifted(at)).collect::<Vec<_>>());
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        differ += usize::from(got.is_none_or(|g| (g - t0).abs() > 1e-6));
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "reservation index per committed flight (query + insert, {} flights, {} volumes): median {:.3} ms, p99 {:.3} ms, max {:.3} ms; answers differing from the live run: {differ}",
        ms.len(),
        index.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1]
    );
}
