//! A drone leaving its planned trajectory in the air: what a live day does when a drone
//! fails mid-flight or a no-fly zone is activated at short notice. Entry point:
//! [`divert`].
//!
//! The manoeuvre is built only from geometry the flight has already proven clear: the
//! drone brakes to a stop along its current motion, then flies back along the straight
//! lines between its own past samples (each was clear of buildings and zones when it
//! was flown out), and either lands straight down at a spot under that way back or
//! follows it all the way down onto its own pad. Every piece of the result is checked
//! again against the world as it is now (a zone activated since take-off counts), and
//! the energy is integrated again: a candidate ending that breaks either is skipped.
//!
//! Candidate endings, in order of preference:
//! - [`DivertMode::Land`] (a failing drone): the nearest spot along the way back whose
//!   column down to the ground is clear; its pad at the end of the way back is the last
//!   such spot.
//! - [`DivertMode::Return`] (the airspace ahead is closed): back to its pad with the
//!   package when it still carries one, otherwise (or when the way home is closed too)
//!   the nearest clear spot.

use nalgebra::Vector3;

use crate::energy::model::{self, Atmosphere};
use crate::energy::DroneSpec;
use crate::mission::Mission;
use crate::plan::{Diversion, DiversionEnd, Flight, Phase, Sample};
use crate::trajectory::{fly_polyline, max_ground_speed, Agility, MAX_SAMPLE_INTERVAL_S};
use crate::world::{TimeSpan, World, Zone};

/// What a diversion aims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DivertMode {
    /// Come down as soon as it is safe (a failing drone).
    Land,
    /// Go home with the package if it can, else come down (the airspace ahead closed).
    Return,
}

/// The column under a spot must stay clear this long after the descent is planned to
/// end, s: an hour and half a minute, so a zone activated at short notice within the
/// next hour already counts.
const COLUMN_SLACK_S: f64 = 3630.0;

/// What a diversion is checked against: the drone's type, the mission's margins,
/// weather and reserve, and the world as it is now.
pub(crate) struct DivertEnv<'a> {
    pub spec: &'a DroneSpec,
    pub mission: &'a Mission,
    pub world: &'a World,
}

/// The flight `f` diverted at `at_s` (the first sample at or after it), or `None` when
/// there is nothing to divert (not airborne yet, already landing, or no candidate ending
/// passes the checks and `accept`). `accept` is the caller's last word on a candidate
/// (the airspace reservations of the other flights).
pub(crate) fn divert(
    env: &DivertEnv,
    f: &Flight,
    at_s: f64,
    cause: &str,
    mode: DivertMode,
    mut accept: impl FnMut(&Flight) -> bool,
) -> Option<Flight> {
    let DivertEnv { spec, mission, world } = *env;
    let s = &f.samples;
    let c = s.iter().position(|x| x.t_s >= at_s)?;
    if c == 0 || c + 1 >= s.len() || s[c].phase == Phase::Landing {
        return None;
    }
    let delivered = f.delivered_s <= s[c].t_s && s[..=c].iter().any(|x| x.phase == Phase::Lowering);
    let payload_kg = if delivered { 0.0 } else { f.payload_kg };
    let mut kept: Vec<Sample> = s[..=c].to_vec();
    let stop = brake(spec, &s[c], payload_kg, &mut kept);
    let back = way_back(stop, &s[..=c]);
    let carrying = !delivered;
    let mut endings: Vec<Option<usize>> = Vec::new();
    if mode == DivertMode::Return && carrying {
        endings.push(None);
    }
    endings.extend((0..back.len().saturating_sub(1)).map(Some));
    if !(mode == DivertMode::Return && carrying) {
        endings.push(None);
    }
    let ctx = Ctx { f, spec, mission, world, atm: mission.weather.atmosphere(), payload_kg };
    for spot in endings {
        if let Some(j) = spot {
            if !ctx.column_clear(back[j].0, kept.last().map_or(at_s, |x| x.t_s)) {
                continue;
            }
        }
        let Some(samples) = ctx.fly_back(&kept, &back, spot) else { continue };
        let Some(flight) = ctx.finish(samples, at_s, cause, delivered, spot.map(|j| back[j].0))
        else {
            continue;
        };
        if accept(&flight) {
            return Some(flight);
        }
    }
    None
}

/// Appends the stop from `from` (decelerating at the drone's limit along its current
/// velocity) to `out`; returns the point where it stands still.
fn brake(spec: &DroneSpec, from: &Sample, payload_kg: f64, out: &mut Vec<Sample>) -> Vector3<f64> {
    let p0 = Vector3::from(from.pos_m);
    let v0 = Vector3::from(from.vel_mps);
    let speed = v0.norm();
    if speed < 1e-9 {
        return p0;
    }
    let dir = v0 / speed;
    let a = spec.max_accel_mps2;
    let total = speed / a;
    let steps = (total / MAX_SAMPLE_INTERVAL_S).ceil().max(1.0) as usize;
    for k in 1..=steps {
        let tau = total * k as f64 / steps as f64;
        let p = p0 + dir * (speed * tau - 0.5 * a * tau * tau);
        let v = dir * (speed - a * tau).max(0.0);
        out.push(Sample {
            t_s: from.t_s + tau,
            pos_m: [p.x, p.y, p.z],
            vel_mps: [v.x, v.y, v.z],
            phase: from.phase,
            payload_kg,
            soc: 1.0,
        });
    }
    p0 + dir * (speed * total * 0.5)
}

/// The way back: the stop point, then the flight's past sample positions newest first,
/// ending on the pad; each point with the phase of the piece that reaches it.
fn way_back(stop: Vector3<f64>, flown: &[Sample]) -> Vec<(Vector3<f64>, Phase)> {
    let mut back = vec![(stop, Phase::Inbound)];
    for x in flown.iter().rev() {
        let p = Vector3::from(x.pos_m);
        if (p - back[back.len() - 1].0).norm() < 1e-6 {
            continue;
        }
        back.push((p, reversed(x.phase)));
    }
    back
}

/// The phase of flying a piece backwards.
fn reversed(p: Phase) -> Phase {
    match p {
        Phase::TakeOff | Phase::Landing => Phase::Landing,
        Phase::Outbound | Phase::Inbound => Phase::Inbound,
        Phase::DeliveryDescent => Phase::DeliveryClimb,
        Phase::DeliveryClimb => Phase::DeliveryDescent,
        Phase::Lowering => Phase::Lowering,
    }
}

/// What every candidate of one diversion shares.
struct Ctx<'a> {
    f: &'a Flight,
    spec: &'a DroneSpec,
    mission: &'a Mission,
    world: &'a World,
    atm: Atmosphere,
    payload_kg: f64,
}

impl Ctx<'_> {
    /// Whether a descent from `top` straight down to the ground, starting about `t_s`,
    /// keeps the cruise margin from every building and zone.
    fn column_clear(&self, top: Vector3<f64>, t_s: f64) -> bool {
        let descent_s = top.z / self.spec.max_descent_mps;
        let span = TimeSpan { from_s: t_s, to_s: t_s + 2.0 * descent_s + COLUMN_SLACK_S };
        let ground = [top.x, top.y, 0.0];
        let margin = self.mission.airspace.clearance_margin_m;
        top.z > 1.0 && self.world.segment_clear([top.x, top.y, top.z], ground, span, margin)
    }

    /// The diverted samples: `kept` (up to the stop), then the way back up to point
    /// `spot` and straight down, or all of it (onto the pad) when `spot` is `None`. Each
    /// run of pieces of one phase is flown from rest to rest.
    fn fly_back(
        &self,
        kept: &[Sample],
        back: &[(Vector3<f64>, Phase)],
        spot: Option<usize>,
    ) -> Option<Vec<Sample>> {
        let mut out = kept.to_vec();
        let mut t = out.last()?.t_s;
        let end = spot.unwrap_or(back.len() - 1);
        let mut pts: Vec<(Vector3<f64>, Phase)> = back[..=end].to_vec();
        if let Some(j) = spot {
            let p = back[j].0;
            pts.push((Vector3::new(p.x, p.y, 0.0), Phase::Landing));
        }
        let mut i = 0;
        while i + 1 < pts.len() {
            let phase = pts[i + 1].1;
            let mut k = i + 1;
            while k + 1 < pts.len() && pts[k + 1].1 == phase {
                k += 1;
            }
            let run: Vec<Vector3<f64>> = pts[i..=k].iter().map(|p| p.0).collect();
            let caps = run
                .windows(2)
                .map(|w| self.speed_cap(w[1] - w[0]))
                .collect::<Option<Vec<f64>>>()?;
            // The first sample of a run repeats the previous run's last point at rest.
            out.pop();
            t = fly_polyline(
                &run,
                &caps,
                Agility::of(self.spec),
                phase,
                self.payload_kg,
                t,
                &mut out,
            );
            let last = run[run.len() - 1];
            out.push(Sample {
                t_s: t,
                pos_m: [last.x, last.y, last.z],
                vel_mps: [0.0; 3],
                phase,
                payload_kg: self.payload_kg,
                soc: 1.0,
            });
            i = k;
        }
        Some(out)
    }

    /// The speed limit of a straight piece `d`: cruise speed in the air (and what the
    /// wind leaves of the top airspeed), the climb or descent limit on its vertical part.
    fn speed_cap(&self, d: Vector3<f64>) -> Option<f64> {
        let len = d.norm();
        if len < 1e-9 {
            return Some(self.spec.cruise_speed_mps);
        }
        let mut cap = f64::INFINITY;
        let horiz = Vector3::new(d.x, d.y, 0.0);
        if horiz.norm() > 1e-9 {
            let ground =
                max_ground_speed(horiz.normalize(), self.atm.wind_mps, self.spec.max_speed_mps)?
                    .min(self.spec.cruise_speed_mps);
            cap = cap.min(ground * len / horiz.norm());
        }
        if d.z.abs() > 1e-9 {
            let vertical =
                if d.z > 0.0 { self.spec.max_climb_mps } else { self.spec.max_descent_mps };
            cap = cap.min(vertical * len / d.z.abs());
        }
        Some(cap)
    }

    /// The diverted flight's records from its samples, if every new piece is clear of
    /// the world as it is now and the energy keeps the reserve.
    fn finish(
        &self,
        mut samples: Vec<Sample>,
        at_s: f64,
        cause: &str,
        delivered: bool,
        spot: Option<Vector3<f64>>,
    ) -> Option<Flight> {
        let f = self.f;
        let first_new = f.samples.iter().position(|x| x.t_s >= at_s)?;
        let margin = |p: Phase| {
            if p.is_delivery() {
                self.mission.policy.delivery_margin_m
            } else {
                self.mission.airspace.clearance_margin_m
            }
        };
        for w in samples[first_new..].windows(2) {
            let span = TimeSpan { from_s: w[0].t_s, to_s: w[1].t_s };
            if !self.world.segment_clear(w[0].pos_m, w[1].pos_m, span, margin(w[0].phase)) {
                return None;
            }
        }
        let energy: Vec<_> = samples.iter().map(Sample::energy_sample).collect();
        let cum = model::integrate_energy_wh(self.spec, &self.atm, &energy).ok()?;
        let t = self.mission.weather.temperature_c;
        let usable = model::usable_energy_wh(self.spec, t).ok()?;
        let budget =
            model::spendable_energy_wh(self.spec, t, self.mission.policy.battery_reserve_fraction)
                .ok()?;
        let total = *cum.last()?;
        if total > budget {
            return None;
        }
        for (x, e) in samples.iter_mut().zip(&cum) {
            x.soc = 1.0 - e / usable;
        }
        let (first, last) = (samples[0], samples[samples.len() - 1]);
        let flown_m: f64 = samples
            .windows(2)
            .map(|w| (Vector3::from(w[1].pos_m) - Vector3::from(w[0].pos_m)).norm())
            .sum();
        let top_m = samples.iter().map(|x| x.pos_m[2]).fold(0.0, f64::max);
        Some(Flight {
            path_length_m: flown_m,
            straight_line_m: f.straight_line_m.min(flown_m),
            cruise_alt_m: f.cruise_alt_m.min(top_m),
            takeoff_s: first.t_s,
            // Undelivered: the package comes back down with the drone.
            delivered_s: if delivered { f.delivered_s } else { last.t_s },
            landed_s: last.t_s,
            energy_wh: total,
            soc_end: last.soc,
            point_of_no_return_s: f.point_of_no_return_s.map(|p| p.min(last.t_s)),
            diversion: Some(Diversion {
                at_s,
                cause: cause.to_string(),
                delivered,
                ending: match spot {
                    Some(p) => DiversionEnd::Spot { pos_m: [p.x, p.y] },
                    None => DiversionEnd::Pad,
                },
            }),
            samples,
            ..f.clone()
        })
    }
}

/// Whether flight `f`, from `from_s` on, comes within its margin of `zone` while the zone
/// is active (the cruise margin, or the delivery margin over the drop point).
pub(crate) fn enters_zone(f: &Flight, zone: &Zone, from_s: f64, mission: &Mission) -> bool {
    // Cheap refusals first: this runs for every flight after every event of a live day.
    let span = TimeSpan { from_s: f.takeoff_s.max(from_s), to_s: f.landed_s };
    if span.from_s > span.to_s || !zone.active_during(span) {
        return false;
    }
    let reach = mission.airspace.clearance_margin_m.max(mission.policy.delivery_margin_m);
    let bounds = zone.footprint.bounds();
    let near_piece = |a: &Sample, c: &Sample| {
        let lo = [a.pos_m[0].min(c.pos_m[0]), a.pos_m[1].min(c.pos_m[1])];
        let hi = [a.pos_m[0].max(c.pos_m[0]), a.pos_m[1].max(c.pos_m[1])];
        lo[0] <= bounds.max[0] + reach
            && hi[0] >= bounds.min[0] - reach
            && lo[1] <= bounds.max[1] + reach
            && hi[1] >= bounds.min[1] - reach
    };
    f.samples.windows(2).any(|w| {
        if !near_piece(&w[0], &w[1]) {
            return false;
        }
        let (a, b) = (&w[0], &w[1]);
        if b.t_s < from_s || !zone.active_during(TimeSpan { from_s: a.t_s, to_s: b.t_s }) {
            return false;
        }
        let margin = if a.phase.is_delivery() {
            mission.policy.delivery_margin_m
        } else {
            mission.airspace.clearance_margin_m
        };
        let (z0, z1) = (a.pos_m[2].min(b.pos_m[2]), a.pos_m[2].max(b.pos_m[2]));
        let dz = (zone.floor_m - z1).max(z0 - zone.ceiling_m).max(0.0);
        let dxy =
            zone.footprint.segment_distance([a.pos_m[0], a.pos_m[1]], [b.pos_m[0], b.pos_m[1]]);
        dxy.hypot(dz) < margin
    })
}
