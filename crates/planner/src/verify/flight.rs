//! One drone flight on its own: identity, pads, timing and dynamics, clearance, the
//! delivery and the promise, energy. Entry point: [`check_flight`].

use nalgebra::Vector3;

use super::clearance::{closest_approach, closest_approach_over_pad, ClearanceBreach};
use super::fleet::FleetDrone;
use super::pads::{pad_of, NestPads};
use super::{Rule, Violation, TOL};
use crate::energy::model;
use crate::energy::DroneSpec;
use crate::mission::{ClockTime, Mission, Order, Service};
use crate::plan::{DiversionEnd, Flight, Phase, Plan, Sample};
use crate::world::World;

/// At most this many clearance violations are reported per flight.
const MAX_CLEARANCE_REPORTS: usize = 20;

/// The flight under check and where its findings go: a violation builder, so each rule
/// names only what differs (rule, time, place, message).
struct FlightCheck<'a> {
    mission: &'a Mission,
    world: &'a World,
    flight: &'a Flight,
    out: &'a mut Vec<Violation>,
}

impl FlightCheck<'_> {
    fn push(&mut self, rule: Rule, t_s: Option<f64>, pos_m: Option<[f64; 3]>, message: String) {
        self.out.push(Violation {
            rule,
            order_id: self.flight.order_id.clone(),
            vehicle: self.flight.drone_id.clone(),
            t_s,
            pos_m,
            message,
        });
    }

    fn at(&mut self, rule: Rule, s: &Sample, message: String) {
        self.push(rule, Some(s.t_s), Some(s.pos_m), message);
    }
}

/// Checks flight `index` of `plan`; `fleet` and `nests` are the drones and pads the
/// verifier derived from the mission itself.
pub(super) fn check_flight(
    plan: &Plan,
    world: &World,
    fleet: &[FleetDrone],
    nests: &[NestPads],
    index: usize,
    out: &mut Vec<Violation>,
) {
    let f = &plan.flights[index];
    let mut c = FlightCheck { mission: &plan.mission, world, flight: f, out };
    if f.samples.len() < 2 {
        c.push(Rule::Timing, None, None, "flight has fewer than 2 samples".into());
        return;
    }
    // A NaN or an infinity hides a sample from every comparison below: it is a violation
    // on its own, and nothing else of the flight can be trusted.
    if !all_finite(f) {
        c.push(Rule::Finite, None, None, non_finite_message(f));
        return;
    }
    let Some(spec) = check_identity(&mut c, fleet) else { return };
    let order = c.mission.orders.iter().find(|o| o.id == f.order_id);
    check_pads(&mut c, nests);
    check_timing_and_dynamics(&mut c, &spec);
    check_records(&mut c);
    check_clearance(&mut c);
    if let Some(order) = order {
        check_payload(&mut c, order);
        if f.delivers() {
            check_delivery(&mut c, order);
        } else {
            check_undelivered(&mut c, order);
        }
    }
    check_energy(&mut c, &spec);
}

/// A diverted flight that did not deliver brings its package down with it: still on
/// board when it lands, never released over the address.
fn check_undelivered(c: &mut FlightCheck, order: &Order) {
    let f = c.flight;
    let last = &f.samples[f.samples.len() - 1];
    if (last.payload_kg - order.payload_kg).abs() > 1e-6 {
        let msg = format!(
            "diverted without delivering, but lands carrying {} kg of the order's {} kg",
            last.payload_kg, order.payload_kg
        );
        c.at(Rule::Accounting, last, msg);
    }
}

fn all_finite(f: &Flight) -> bool {
    let scalars = [
        f.payload_kg,
        f.drop_offset_m,
        f.cruise_alt_m,
        f.path_length_m,
        f.straight_line_m,
        f.takeoff_s,
        f.delivered_s,
        f.landed_s,
        f.energy_wh,
        f.battery_usable_wh,
        f.soc_end,
        f.point_of_no_return_s.unwrap_or(0.0),
    ];
    let diversion_finite = f.diversion.as_ref().is_none_or(|d| {
        d.at_s.is_finite()
            && match d.ending {
                DiversionEnd::Spot { pos_m } => pos_m.iter().all(|x| x.is_finite()),
                DiversionEnd::Pad => true,
            }
    });
    diversion_finite
        && scalars.iter().all(|x| x.is_finite())
        && f.destination_m.iter().chain(&f.drop_point_m).all(|x| x.is_finite())
        && f.samples.iter().all(|s| {
            s.t_s.is_finite()
                && s.payload_kg.is_finite()
                && s.soc.is_finite()
                && s.pos_m.iter().chain(&s.vel_mps).all(|x| x.is_finite())
        })
}

fn non_finite_message(f: &Flight) -> String {
    match f.samples.iter().position(|s| {
        !(s.t_s.is_finite() && s.pos_m.iter().chain(&s.vel_mps).all(|x| x.is_finite()))
    }) {
        Some(i) => format!("sample {i} has a non-finite time, position or velocity"),
        None => "a number of the flight is NaN or infinite".into(),
    }
}

/// The drone is one of the fleet's, of the stated type and nest; returns its type.
fn check_identity(c: &mut FlightCheck, fleet: &[FleetDrone]) -> Option<DroneSpec> {
    let f = c.flight;
    match fleet.iter().find(|d| d.id == f.drone_id) {
        None => {
            c.push(
                Rule::Vehicle,
                None,
                None,
                format!("drone {} is not in the mission's fleet", f.drone_id),
            );
            None
        }
        Some(d) if d.spec.name != f.drone_type || d.depot != f.depot_id => {
            c.push(
                Rule::Vehicle,
                None,
                None,
                format!(
                    "drone {} is a {} of {}, the flight says a {} of {}",
                    f.drone_id, d.spec.name, d.depot, f.drone_type, f.depot_id
                ),
            );
            None
        }
        Some(d) => Some(d.spec.clone()),
    }
}

/// A diverted flight that lands away from its nest ends on the ground at the spot it
/// records, and its diversion falls within the flight.
fn check_spot_landing(c: &mut FlightCheck, spot: [f64; 2]) {
    let f = c.flight;
    let last = &f.samples[f.samples.len() - 1];
    let off = (last.pos_m[0] - spot[0]).hypot(last.pos_m[1] - spot[1]);
    if off > 0.5 || last.pos_m[2].abs() > 0.01 {
        let msg = format!(
            "diverted flight ends {off:.1} m from the spot it records, at height {:.1} m",
            last.pos_m[2]
        );
        c.at(Rule::Depot, last, msg);
    }
}

/// Starts and ends on the ground on a pad of its nest (a diverted flight may end at a
/// spot away from it, see [`check_spot_landing`]), climbs and lands straight up and down
/// over that pad.
fn check_pads(c: &mut FlightCheck, nests: &[NestPads]) {
    let f = c.flight;
    let s = &f.samples;
    let Some(nest) = nests.iter().find(|n| n.depot_id == f.depot_id) else {
        c.push(Rule::Depot, None, None, format!("unknown drone nest {}", f.depot_id));
        return;
    };
    let spot = match f.diversion.as_ref().map(|d| d.ending) {
        Some(DiversionEnd::Spot { pos_m }) => Some(pos_m),
        _ => None,
    };
    if let Some(spot) = spot {
        check_spot_landing(c, spot);
    }
    let ends = if spot.is_some() { &s[..1] } else { &s[..] };
    for (name, smp) in [("starts", &ends[0]), ("ends", &ends[ends.len() - 1])] {
        match pad_of(nest, smp.pos_m) {
            Some(_) if on_deck(nest, smp) => {}
            _ => {
                let off = nest.distance_to_nearest_pad(smp.pos_m);
                c.at(
                    Rule::Depot,
                    smp,
                    format!(
                        "flight {name} {off:.1} m from the nearest pad of {} at height {:.1} m (pads at {:.1} m)",
                        nest.depot_id, smp.pos_m[2], nest.deck_m
                    ),
                );
            }
        }
    }
    for (i, x) in s.iter().enumerate() {
        if !matches!(x.phase, Phase::TakeOff | Phase::Landing) {
            continue;
        }
        let end = s.get(i + 1).unwrap_or(x);
        let pad_xy = if x.phase == Phase::TakeOff { s[0].pos_m } else { s[s.len() - 1].pos_m };
        let off = |p: [f64; 3]| (p[0] - pad_xy[0]).hypot(p[1] - pad_xy[1]);
        if off(x.pos_m).max(off(end.pos_m)) > 0.5 {
            c.at(
                Rule::Depot,
                x,
                format!(
                    "{:?} leaves the pad's vertical corridor ({:.1} m off)",
                    x.phase,
                    off(x.pos_m).max(off(end.pos_m))
                ),
            );
            return;
        }
    }
}

/// Whether a sample over a pad stands on the pad's deck: the ground, or the roof of a
/// rooftop nest.
fn on_deck(nest: &NestPads, s: &Sample) -> bool {
    (s.pos_m[2] - nest.deck_m).abs() <= 0.01
}

fn check_timing_and_dynamics(c: &mut FlightCheck, spec: &DroneSpec) {
    let s = &c.flight.samples;
    for (i, w) in s.windows(2).enumerate() {
        check_step(c, spec, i, &w[0], &w[1]);
    }
    let ceiling = c.world.ceiling_m;
    for x in s {
        let horiz = x.vel_mps[0].hypot(x.vel_mps[1]);
        if horiz > spec.max_speed_mps + TOL {
            let msg = format!("ground speed {horiz:.1} m/s over max {}", spec.max_speed_mps);
            c.at(Rule::Dynamics, x, msg);
        }
        let vz = x.vel_mps[2];
        if vz > spec.max_climb_mps + TOL || -vz > spec.max_descent_mps + TOL {
            c.at(Rule::Dynamics, x, format!("vertical speed {vz:.1} m/s out of limits"));
        }
        if x.pos_m[2] > ceiling + TOL || x.pos_m[2] < -TOL {
            let msg = format!("altitude {:.1} m outside 0..{ceiling} m", x.pos_m[2]);
            c.at(Rule::Altitude, x, msg);
        }
    }
}

/// Time, continuity, acceleration and corner speed between two consecutive samples.
fn check_step(c: &mut FlightCheck, spec: &DroneSpec, i: usize, a: &Sample, b: &Sample) {
    let dt = b.t_s - a.t_s;
    if dt <= 0.0 {
        let msg = format!(
            "time does not increase between samples {i} and {} ({} -> {} s)",
            i + 1,
            a.t_s,
            b.t_s
        );
        c.at(Rule::Timing, b, msg);
        return;
    }
    if dt > 1.0 + TOL {
        c.at(Rule::Timing, a, format!("{dt:.2} s between samples (max 1 s)"));
    }
    let d = Vector3::from(b.pos_m) - Vector3::from(a.pos_m);
    let vmax = spec.max_speed_mps.max(spec.max_climb_mps).max(spec.max_descent_mps);
    if d.norm() > vmax * dt * 1.01 + 0.01 {
        c.at(Rule::Timing, a, format!("jumps {:.1} m in {dt:.2} s", d.norm()));
    }
    let (va, vb) = (Vector3::from(a.vel_mps), Vector3::from(b.vel_mps));
    let accel = (vb.norm() - va.norm()).abs() / dt;
    if accel > spec.max_accel_mps2 + TOL {
        let msg = format!("speed changes by {accel:.2} m/s^2 (max {})", spec.max_accel_mps2);
        c.at(Rule::Dynamics, b, msg);
    }
    if va.norm() > 1e-6 && vb.norm() > 1e-6 {
        let turn = (va.dot(&vb) / (va.norm() * vb.norm())).clamp(-1.0, 1.0).acos();
        if turn > 1f64.to_radians() {
            let limit = spec.max_accel_mps2 * spec.turn_time_s / (2.0 * (turn / 2.0).sin());
            let speed = va.norm().min(vb.norm());
            if speed > limit + TOL {
                let msg = format!(
                    "turns {:.0} deg at {speed:.1} m/s (corner limit {limit:.1} m/s)",
                    turn.to_degrees()
                );
                c.at(Rule::Dynamics, b, msg);
            }
        }
    }
}

/// Clearance densely along every piece; one violation per piece, at its closest approach.
fn check_clearance(c: &mut FlightCheck) {
    let cruise = c.mission.airspace.clearance_margin_m;
    let delivery = c.mission.policy.delivery_margin_m;
    let mut reported = 0;
    for w in c.flight.samples.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        // A sample's phase is that of the motion to the next sample.
        let margin = if a.phase.is_delivery() { delivery } else { cruise };
        let piece = ((a.pos_m, a.t_s), (b.pos_m, b.t_s));
        let worst = if matches!(a.phase, Phase::TakeOff | Phase::Landing) {
            closest_approach_over_pad(c.world, piece.0, piece.1, margin)
        } else {
            closest_approach(c.world, piece.0, piece.1, margin)
        };
        if let Some(ClearanceBreach { distance_m, t_s, pos_m, obstacle }) = worst {
            if reported < MAX_CLEARANCE_REPORTS {
                reported += 1;
                let msg = format!("{distance_m:.2} m from {obstacle} (margin {margin} m)");
                c.push(Rule::Clearance, Some(t_s), Some(pos_m), msg);
            }
        }
    }
}

/// The flight carries the order's package, all of it, until it is released.
fn check_payload(c: &mut FlightCheck, order: &Order) {
    let f = c.flight;
    if (f.payload_kg - order.payload_kg).abs() > 1e-6 {
        let msg =
            format!("carries {} kg, order {} is {} kg", f.payload_kg, order.id, order.payload_kg);
        c.push(Rule::Accounting, None, None, msg);
    }
    let carrying =
        f.samples.iter().take_while(|x| !matches!(x.phase, Phase::DeliveryClimb | Phase::Inbound));
    if let Some(x) = carrying
        .filter(|x| x.phase != Phase::Lowering)
        .find(|x| (x.payload_kg - order.payload_kg).abs() > 1e-6)
    {
        let msg = format!(
            "sample carries {} kg before release, order is {} kg",
            x.payload_kg, order.payload_kg
        );
        c.at(Rule::Accounting, x, msg);
    }
}

/// The flight's recorded figures (what the summary, tracking and exports show) against
/// its samples: take-off and landing times and the final charge exactly, lengths no
/// longer than the flown path, altitude no higher than flown, the point of no return
/// inside the flight, the usable energy within the largest battery a spec allows.
fn check_records(c: &mut FlightCheck) {
    let f = c.flight;
    let (first, last) = (&f.samples[0], &f.samples[f.samples.len() - 1]);
    let flown_m: f64 = f
        .samples
        .windows(2)
        .map(|w| (Vector3::from(w[1].pos_m) - Vector3::from(w[0].pos_m)).norm())
        .sum();
    let top_m = f.samples.iter().map(|s| s.pos_m[2]).fold(0.0, f64::max);
    let pnr = f.point_of_no_return_s.unwrap_or(f.takeoff_s);
    let checks = [
        ("takeoff_s", (f.takeoff_s - first.t_s).abs() <= 1e-3),
        ("landed_s", (f.landed_s - last.t_s).abs() <= 1e-3),
        ("soc_end", (f.soc_end - last.soc).abs() <= 1e-6),
        ("path_length_m", (0.0..=flown_m + 0.01).contains(&f.path_length_m)),
        ("straight_line_m", (0.0..=flown_m + 0.01).contains(&f.straight_line_m)),
        ("cruise_alt_m", (0.0..=top_m + 0.01).contains(&f.cruise_alt_m)),
        ("point_of_no_return_s", (first.t_s..=last.t_s).contains(&pnr)),
        ("battery_usable_wh", f.battery_usable_wh > 0.0 && f.battery_usable_wh <= 100_000.0),
    ];
    for (field, ok) in checks {
        if !ok {
            let msg = format!("recorded {field} does not match the flight's samples");
            c.push(Rule::Accounting, None, None, msg);
        }
    }
}

/// The flight's recorded address, drop point and offset (what tracking and the proof of
/// delivery show) against the order and the samples, to 1 cm.
fn check_drop_record(c: &mut FlightCheck, dest: [f64; 2], lowered: [f64; 2]) {
    let f = c.flight;
    let apart = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
    let records = [
        ("destination_m", apart(f.destination_m, dest), "the order's address"),
        ("drop_point_m", apart(f.drop_point_m, lowered), "where the samples lower the package"),
        (
            "drop_offset_m",
            (f.drop_offset_m - apart(dest, lowered)).abs(),
            "the distance from the address to where the package is lowered",
        ),
    ];
    for (field, error_m, truth) in records {
        // A NaN is not within 1 cm: a violation.
        let agrees = error_m <= 0.01;
        if !agrees {
            let error_m = if error_m < 1e6 {
                format!("{error_m:.2}")
            } else {
                crate::energy::spec::shown(error_m)
            };
            c.push(Rule::Drop, None, None, format!("{field} is {error_m} m off {truth}"));
        }
    }
}

/// Drop point, lowering time, the promise or window, and take-off after pick and load.
fn check_delivery(c: &mut FlightCheck, order: &Order) {
    let (m, f) = (c.mission, c.flight);
    let s = &f.samples;
    let Some(first) = s.iter().find(|x| x.phase == Phase::Lowering) else {
        c.push(Rule::Drop, None, None, "flight never lowers the package".into());
        return;
    };
    let dest = c.world.frame.to_local(order.lat_deg, order.lon_deg);
    let off = (first.pos_m[0] - dest[0]).hypot(first.pos_m[1] - dest[1]);
    if off > m.policy.drop_radius_m + 1e-6 {
        let msg = format!(
            "package lowered {off:.1} m from the address (drop radius {} m)",
            m.policy.drop_radius_m
        );
        c.at(Rule::Drop, first, msg);
    }
    check_drop_record(c, dest, [first.pos_m[0], first.pos_m[1]]);
    let end = s
        .iter()
        .find(|x| x.t_s > first.t_s && x.phase != Phase::Lowering)
        .map_or(first.t_s, |x| x.t_s);
    if end - first.t_s < m.policy.lowering_s - 1e-6 {
        let msg =
            format!("hovered {:.1} s, lowering needs {} s", end - first.t_s, m.policy.lowering_s);
        c.at(Rule::Drop, first, msg);
    }
    let (from, due) = delivery_window(m, order);
    if end > due + 1e-6 || end < from - 1e-6 {
        let msg = format!(
            "delivered at {} outside {}..{}",
            ClockTime(end),
            ClockTime(from),
            ClockTime(due)
        );
        c.push(Rule::Promise, Some(end), None, msg);
    } else if (f.delivered_s - end).abs() > 1e-3 {
        let msg = format!(
            "flight claims delivery at {:.1} s but lowering ends at {end:.1} s",
            f.delivered_s
        );
        c.push(Rule::Promise, Some(end), None, msg);
    }
    if s[0].t_s < order.placed_at.seconds() + m.policy.pick_load_s - 1e-6 {
        let msg = "takes off before the order is picked and loaded".into();
        c.push(Rule::Promise, Some(s[0].t_s), None, msg);
    }
}

/// When a drone may put the order down: the promise for express orders, the window for
/// windowed ones, the end of the delivery day for same-day ones.
fn delivery_window(m: &Mission, order: &Order) -> (f64, f64) {
    let placed = order.placed_at.seconds();
    match order.service {
        Service::Express => (placed, placed + 60.0 * order.promise_min),
        Service::Window(w) => (w.from.seconds(), w.to.seconds()),
        Service::SameDay => (placed, super::promise::day_end_s(m)),
    }
}

/// The energy drawn from the start of the flight to each sample, Wh, integrated by the
/// verifier itself: Simpson's rule on every piece, with the power at the piece's ends and
/// at its midpoint (velocity and altitude halfway, the payload of the piece), from the
/// shared physics model. The planner integrates with the trapezoid rule on the samples
/// alone; two schemes agreeing is the check (a bookkeeping slip in either shows).
fn simpson_energy_wh(
    spec: &DroneSpec,
    atm: &model::Atmosphere,
    s: &[Sample],
) -> Result<Vec<f64>, crate::energy::EnergyError> {
    // The model's power, looked up when a condition repeats (a steady cruise does).
    let mut powers = model::PowerCache::new(spec, atm)?;
    let mut power =
        |v: Vector3<f64>, alt_m: f64, payload_kg: f64| powers.electrical_w(payload_kg, v, alt_m);
    let mut out = Vec::with_capacity(s.len());
    let mut total_wh = 0.0;
    out.push(total_wh);
    for w in s.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (va, vb) = (Vector3::from(a.vel_mps), Vector3::from(b.vel_mps));
        let p_a = power(va, a.pos_m[2], a.payload_kg)?;
        let p_mid = power((va + vb) / 2.0, (a.pos_m[2] + b.pos_m[2]) / 2.0, a.payload_kg)?;
        let p_b = power(vb, b.pos_m[2], a.payload_kg)?;
        total_wh += (p_a + 4.0 * p_mid + p_b) / 6.0 * (b.t_s - a.t_s) / 3600.0;
        out.push(total_wh);
    }
    Ok(out)
}

/// The return-with-package contingency: from every sample of the way out (the climb and
/// the outbound cruise, package on board) the drone could fly back the way it came and
/// land with the reserve after the model's error band. The way back is the flight's own
/// pieces so far flown in reverse (each piece's velocity reversed, so the wind counts
/// the other way; Simpson's rule as in [`simpson_energy_wh`]); the energy used so far
/// plus that must fit what may be spent, to 1 % (the planner's own check is stricter:
/// it also brakes and stops at each path vertex). One violation, at the first sample
/// that fails.
fn check_turn_back(
    c: &mut FlightCheck,
    spec: &DroneSpec,
    atm: &model::Atmosphere,
    cum_wh: &[f64],
    usable_wh: f64,
) {
    let m = c.mission;
    let s = &c.flight.samples;
    let may_spend =
        usable_wh * (1.0 - m.policy.battery_reserve_fraction) / (1.0 + model::MODEL_ERROR_BAND);
    let mut powers = model::PowerCache::new(spec, atm).ok();
    let mut power = |v: Vector3<f64>, alt_m: f64, payload_kg: f64| {
        let p = powers.as_mut().map(|c| c.electrical_w(payload_kg, v, alt_m));
        p.and_then(Result::ok).unwrap_or(f64::NAN)
    };
    let mut back_wh = 0.0;
    for (i, w) in s.windows(2).enumerate() {
        let (a, b) = (&w[0], &w[1]);
        if !matches!(a.phase, Phase::TakeOff | Phase::Outbound) {
            break;
        }
        let (va, vb) = (-Vector3::from(a.vel_mps), -Vector3::from(b.vel_mps));
        let p_a = power(va, a.pos_m[2], a.payload_kg);
        let p_mid = power((va + vb) / 2.0, (a.pos_m[2] + b.pos_m[2]) / 2.0, a.payload_kg);
        let p_b = power(vb, b.pos_m[2], a.payload_kg);
        back_wh += (p_a + 4.0 * p_mid + p_b) / 6.0 * (b.t_s - a.t_s) / 3600.0;
        let need_wh = cum_wh[i + 1] + back_wh;
        // Written so that a NaN fails too.
        if need_wh.partial_cmp(&(may_spend * 1.01)).is_none_or(|o| o.is_gt()) {
            let msg = format!(
                "turning back here with the package needs {need_wh:.1} Wh, only {may_spend:.1} Wh may be spent (reserve {:.0} % + model error band {:.0} %)",
                m.policy.battery_reserve_fraction * 100.0,
                model::MODEL_ERROR_BAND * 100.0
            );
            c.at(Rule::Energy, b, msg);
            return;
        }
    }
}

/// Energy re-integrated from the samples: the stored total and state of charge agree,
/// and the flight lands with the reserve.
fn check_energy(c: &mut FlightCheck, spec: &DroneSpec) {
    let (m, f) = (c.mission, c.flight);
    let s = &f.samples;
    let atm = m.weather.atmosphere();
    let (cum, usable) = match (
        simpson_energy_wh(spec, &atm, s),
        model::usable_energy_wh(spec, m.weather.temperature_c),
    ) {
        (Ok(cum), Ok(usable)) => (cum, usable),
        (Err(e), _) | (_, Err(e)) => {
            c.push(Rule::Energy, None, None, format!("energy cannot be computed: {e}"));
            return;
        }
    };
    if f.diversion.is_none() {
        check_turn_back(c, spec, &atm, &cum, usable);
    }
    let (m, f) = (c.mission, c.flight);
    let s = &f.samples;
    let total = *cum.last().unwrap_or(&0.0);
    if (total - f.energy_wh).abs() > 0.01 * total.max(1e-9) {
        let msg =
            format!("stored energy {:.2} Wh, re-integrated {total:.2} Wh (over 1 %)", f.energy_wh);
        c.push(Rule::Energy, None, None, msg);
    }
    if let Some((i, x)) =
        s.iter().enumerate().find(|(i, x)| (x.soc - (1.0 - cum[*i] / usable)).abs() > 0.01)
    {
        let msg = format!(
            "stored SoC {:.3} at sample {i}, re-integrated {:.3}",
            x.soc,
            1.0 - cum[i] / usable
        );
        c.at(Rule::Energy, x, msg);
    }
    // The reserve must hold even if the flight costs the model's validated error band
    // more than predicted.
    let band = model::MODEL_ERROR_BAND;
    let soc_end_worst = 1.0 - total * (1.0 + band) / usable;
    let reserve = m.policy.battery_reserve_fraction;
    // Written so that a NaN fails too.
    if soc_end_worst.partial_cmp(&(reserve - 1e-9)).is_none_or(|o| o.is_lt()) {
        let msg = format!(
            "lands with {:.1} % of usable energy after the model error band ({:.0} %), reserve is {:.0} %",
            soc_end_worst * 100.0,
            band * 100.0,
            reserve * 100.0
        );
        c.push(Rule::Energy, s.last().map(|x| x.t_s), None, msg);
    }
}
