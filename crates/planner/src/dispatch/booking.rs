//! Choosing the drone, pad flight, cruise layer and take-off for one order so that it
//! keeps clear of every committed flight: [`Dispatcher::best_drone`] (the day plan's
//! regret look-ahead), [`Dispatcher::deconflicted`] (the booking itself) and
//! [`Dispatcher::nearest_first`] (a quote, trying nests nearest first).

use rayon::prelude::*;

use super::flight::{dist, flight_template, FlightTemplate};
use super::options::TemplateOption;
use super::{Deconfliction, Dispatcher, Drone, ORDER_HORIZON_S};
use crate::mission::{ClockTime, Order};
use crate::plan::{Reason, ReasonKind, Reasons};
use crate::search::city::DeliveryPath;
use crate::volumes::{flight_volumes, Volume4};
use crate::world::TimeSpan;

/// (option index, depot index, pad index, other cruise layer) of a flight re-flown from
/// a pad; the layer is `None` for the option's own.
type PadFlightKey = (usize, usize, usize, Option<usize>);

/// A path planned for an order on one layer, or why there is none.
type PathResult = Result<DeliveryPath, String>;
/// A pad flight flown for an order, or why it cannot be.
type FlightResult = Result<FlightTemplate, Reason>;

/// Pad flights already computed for one order (a candidate's drones share pads), and its
/// paths from each nest on other cruise layers, by (depot index, layer index).
#[derive(Default)]
pub(super) struct PadFlights {
    flights: Vec<(PadFlightKey, Result<FlightTemplate, Reason>)>,
    paths: Vec<((usize, usize), Result<DeliveryPath, String>)>,
}

/// How many candidates (distinct pad flights, earliest first) a booking that needs a
/// long delay also tries on the other cruise layers.
const LAYER_CANDIDATES: usize = 2;
/// A ground delay up to this long is taken as it is, s: another layer costs a longer
/// climb and its own search, and most waits for the airspace are a few seconds.
const LAYER_CHANGE_DELAY_S: f64 = 60.0;

impl PadFlights {
    /// The path under `key`, if already planned.
    fn path(&self, key: (usize, usize)) -> Option<Result<DeliveryPath, String>> {
        self.paths.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }

    /// The flight under `key`, if already flown.
    fn flight(&self, key: PadFlightKey) -> Option<Result<FlightTemplate, Reason>> {
        self.flights.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }

    /// Keeps the path planned under `key` (a no-op when it is kept already).
    fn keep_path(&mut self, key: (usize, usize), path: Result<DeliveryPath, String>) {
        if !self.paths.iter().any(|(k, _)| *k == key) {
            self.paths.push((key, path));
        }
    }

    /// Keeps the flight flown under `key` (a no-op when it is kept already).
    fn keep_flight(&mut self, key: PadFlightKey, flight: Result<FlightTemplate, Reason>) {
        if !self.flights.iter().any(|(k, _)| *k == key) {
            self.flights.push((key, flight));
        }
    }

    /// The flight under `key`, computed by `fly` on first use.
    fn get_or(
        &mut self,
        key: PadFlightKey,
        fly: impl FnOnce() -> Result<FlightTemplate, Reason>,
    ) -> Result<FlightTemplate, Reason> {
        memo(&mut self.flights, key, fly)
    }
}

/// The value under `key` in `entries`, computed by `make` and kept on first use. A few
/// entries per quote: a linear scan beats hashing here.
fn memo<K: PartialEq, V: Clone>(entries: &mut Vec<(K, V)>, key: K, make: impl FnOnce() -> V) -> V {
    if let Some((_, v)) = entries.iter().find(|(k, _)| *k == key) {
        return v.clone();
    }
    let v = make();
    entries.push((key, v.clone()));
    v
}

/// A drone that could fly one of an order's options within the promise if the
/// airspace were empty.
pub(super) struct Candidate {
    /// Delivery time ignoring the airspace, s.
    pub nominal_s: f64,
    /// Drone index.
    pub drone: usize,
    /// Option index.
    pub option: usize,
}

/// The day plan's view of one order before the airspace is considered: its earliest
/// drone, the runner-up's delivery time, and why the other options cannot fly.
pub(super) struct BestDrone {
    /// The drone that delivers earliest within the promise, if any.
    pub best: Option<Candidate>,
    /// The next earliest delivery by another drone, s (infinite when none).
    pub second_s: f64,
    /// Why the options that cannot fly within the promise cannot.
    pub reasons: Vec<Reason>,
}

/// A drone, a flight and a take-off time that keep every separation rule.
pub(super) struct Booking {
    pub drone: usize,
    pub template: FlightTemplate,
    pub volumes: Vec<Volume4>,
    pub takeoff_s: f64,
    pub delivered_s: f64,
    /// Seconds the take-off waits for the airspace to clear.
    pub delay_s: f64,
    /// Whether it flies at another cruise layer than its best one, to keep clear.
    pub other_layer: bool,
}

/// A quote works out the next nest's options while it works out a nest's when the next
/// nest's lower bound on delivery is within this of that nest's, s: the next nest is
/// then likely to be needed (a booking delivers a minute or more after its nest's
/// bound: climb, descent, detours, pads), and when it is, the quote waits for the
/// slower of the two instead of both. A nest further behind is needed less often, and
/// computing it anyway would make more quotes wait for it. On the Chicago day, the
/// quotes that needed the second nest had it within 30 s (median) to 127 s (max); 60 s
/// gave the lowest p99 of 60, 180 and no look-ahead (BENCHMARKS.md).
const SPECULATE_WITHIN_S: f64 = 60.0;

/// Why no drone at all could be tried.
pub(super) fn no_drones() -> Reason {
    Reason::new(ReasonKind::NoDrones, "the fleet has no drones")
}

impl<'w> Dispatcher<'w> {
    /// The booking a quote gives `order`: nests are tried nearest first (by
    /// [`Dispatcher::nest_lower_bound_s`]), and the search stops when the next nest could
    /// not deliver before the best booking found. The answer is the one every nest's
    /// options would give; only the nests that cannot matter are skipped.
    ///
    /// A nest's options (its path and flights, a slow quote's main cost) are worked out
    /// while the nest before it is, when its lower bound is within
    /// [`SPECULATE_WITHIN_S`] of that nest's: options depend on nothing booked, so this
    /// changes only when they are ready, and a quote that needs two nests waits for the
    /// slower one instead of both. Those of a nest the search then skips are dropped.
    pub(super) fn nearest_first(&self, order: &Order) -> Result<Booking, Reasons> {
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let planner = self.planner_for(order);
        let mut nests: Vec<(f64, usize)> =
            self.nests.iter().map(|&n| (self.nest_lower_bound_s(order, n, dest), n)).collect();
        nests.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let nest_options =
            |k: usize| nests.get(k).map(|&(_, n)| self.nest_options(order, n, &planner, dest));
        let mut options: Vec<TemplateOption> = Vec::new();
        let mut flown = PadFlights::default();
        let mut result = Err(Reasons::from(no_drones()));
        let mut ahead: Option<Vec<TemplateOption>> = None;
        for (k, &(bound_s, _)) in nests.iter().enumerate() {
            if result.as_ref().is_ok_and(|b: &Booking| bound_s >= b.delivered_s) {
                break;
            }
            let mine = match ahead.take() {
                Some(mine) => mine,
                None => {
                    let close =
                        nests.get(k + 1).is_some_and(|n| n.0 - bound_s <= SPECULATE_WITHIN_S);
                    let (mine, next) = if close {
                        rayon::join(|| nest_options(k), || nest_options(k + 1))
                    } else {
                        (nest_options(k), None)
                    };
                    ahead = next;
                    mine.unwrap_or_default()
                }
            };
            options.extend(mine);
            result = self.deconflicted(order, &options, &mut flown);
        }
        result
    }

    /// The best drone for `order` given the drones' current bookings, ignoring the
    /// airspace (see [`BestDrone`]).
    pub(super) fn best_drone(&self, order: &Order, options: &[TemplateOption]) -> BestDrone {
        let (candidates, reasons) = self.candidates(order, options);
        let second_s = candidates.get(1).map_or(f64::INFINITY, |c| c.nominal_s);
        BestDrone { best: candidates.into_iter().next(), second_s, reasons }
    }

    /// The drone, pad flight, cruise layer and take-off that deliver `order` earliest
    /// while keeping clear of every reservation, or why no drone can.
    ///
    /// Candidates are (drone, option) pairs in order of their delivery time ignoring the
    /// airspace; each is re-flown from its drone's pad on its best cruise layer and
    /// delayed until its volumes meet no reservation. A delay never makes a delivery
    /// earlier, so the search stops at the first candidate whose undelayed delivery is
    /// already later than the best found. When the best needs a delay longer than
    /// [`LAYER_CHANGE_DELAY_S`] (or none keeps clear), the first [`LAYER_CANDIDATES`]
    /// candidates are also tried on the other cruise layers (see
    /// [`Dispatcher::other_layer_booking`]); bounding that keeps a quote's work bounded.
    pub(super) fn deconflicted(
        &self,
        order: &Order,
        options: &[TemplateOption],
        flown: &mut PadFlights,
    ) -> Result<Booking, Reasons> {
        let (candidates, mut reasons) = self.candidates(order, options);
        let mut best: Option<Booking> = None;
        let mut blocked = 0usize;
        let mut flyable: Vec<&Candidate> = Vec::new();
        for c in &candidates {
            if best.as_ref().is_some_and(|b| c.nominal_s >= b.delivered_s) {
                break;
            }
            match self.base_booking(order, options, c, flown) {
                Ok(b) => {
                    flyable.push(c);
                    match b {
                        Some(b) if best.as_ref().is_none_or(|x| b.delivered_s < x.delivered_s) => {
                            best = Some(b)
                        }
                        Some(_) => {}
                        None => blocked += 1,
                    }
                }
                Err(reason) => reasons.push(reason),
            }
        }
        let long_wait = best.as_ref().is_none_or(|b| b.delay_s > LAYER_CHANGE_DELAY_S);
        if self.deconflict == Deconfliction::On && long_wait {
            let mut pads_tried: Vec<(usize, usize, usize)> = Vec::new();
            for c in flyable {
                let d = &self.drones[c.drone];
                let key = (c.option, d.depot, d.pad);
                if pads_tried.contains(&key) {
                    continue;
                }
                if pads_tried.len() == LAYER_CANDIDATES
                    || best.as_ref().is_some_and(|b| c.nominal_s >= b.delivered_s)
                {
                    break;
                }
                pads_tried.push(key);
                let bound = best.as_ref().map_or(f64::INFINITY, |b| b.delivered_s);
                if let Some(b) = self.other_layer_booking(order, options, c, bound, flown) {
                    best = Some(b);
                }
            }
        }
        if let Some(b) = best {
            match self.lockers.room(&self.mission, order, b.delivered_s, b.delivered_s) {
                Ok(_) => return Ok(b),
                Err(full) => reasons.push(full),
            }
        }
        if blocked > 0 {
            let sep = &self.mission.airspace.separation;
            reasons.push(Reason::new(
                ReasonKind::Airspace,
                format!(
                    "no take-off before the promise keeps {} m / {} m from the fleet's other flights ({blocked} drone(s) tried)",
                    sep.horizontal_m, sep.vertical_m
                ),
            ));
        }
        if reasons.is_empty() {
            reasons.push(no_drones());
        }
        Err(Reasons::ranked(reasons))
    }

    /// Every (drone, option) pair that could deliver `order` within its promise if the
    /// airspace were empty, earliest first; and why the others cannot.
    pub(super) fn candidates(
        &self,
        order: &Order,
        options: &[TemplateOption],
    ) -> (Vec<Candidate>, Vec<Reason>) {
        let ready = self.ready_s(order);
        let due = order.due_s();
        let mut reasons: Vec<Reason> = Vec::new();
        let mut candidates: Vec<Candidate> = Vec::new();
        for (ti, option) in options.iter().enumerate() {
            let t = match &option.flight {
                Err(r) => {
                    reasons.push(r.clone());
                    continue;
                }
                Ok(t) => t,
            };
            for (di, d) in self.drones.iter().enumerate() {
                if !option.flown_by(d.depot, &d.spec.name) {
                    continue;
                }
                let delivered = ready.max(d.free_at_s) + t.delivered_s;
                if delivered > due + 1e-9 {
                    reasons.push(Reason::new(
                        ReasonKind::Late,
                        format!(
                            "earliest drone delivery {} is after the promise {}",
                            ClockTime(delivered),
                            ClockTime(due)
                        ),
                    ));
                } else {
                    candidates.push(Candidate { nominal_s: delivered, drone: di, option: ti });
                }
            }
        }
        candidates.sort_by(|a, b| a.nominal_s.total_cmp(&b.nominal_s).then(a.drone.cmp(&b.drone)));
        (candidates, reasons)
    }

    /// Candidate `c` flown from its drone's pad on its option's own cruise layer at the
    /// earliest take-off that keeps clear of every reservation: `Ok(None)` when none does
    /// before the promise, `Err` when the pad flight itself cannot be flown.
    pub(super) fn base_booking(
        &self,
        order: &Order,
        options: &[TemplateOption],
        c: &Candidate,
        flown: &mut PadFlights,
    ) -> Result<Option<Booking>, Reason> {
        let d = &self.drones[c.drone];
        let Ok(nest_t) = &options[c.option].flight else { return Ok(None) };
        let t = flown
            .get_or((c.option, d.depot, d.pad, None), || self.pad_flight(order, &nest_t.path, d))?;
        Ok(self.earliest_booking(order, c.drone, t, false))
    }

    /// Candidate `c` on another cruise layer than its option's, the one that delivers
    /// earliest and before `bound_s` (another layer is often free at once: the layers are
    /// further apart than the vertical minimum); `None` when no other layer does.
    pub(super) fn other_layer_booking(
        &self,
        order: &Order,
        options: &[TemplateOption],
        c: &Candidate,
        bound_s: f64,
        flown: &mut PadFlights,
    ) -> Option<Booking> {
        let d = &self.drones[c.drone];
        let Ok(nest_t) = &options[c.option].flight else { return None };
        let planner = self.planner_for(order);
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let earliest = self.ready_s(order).max(d.free_at_s);
        // Each other layer's path and pad flight depend on nothing booked: they are
        // worked out in parallel (a quote's slowest part), then tried in layer order.
        let rules = self.rules_for(order);
        let layers: Vec<usize> = (planner.layer_altitudes_m().into_iter().enumerate())
            .filter(|(_, alt)| (alt - nest_t.path.cruise_alt_m).abs() >= 1e-6)
            .map(|(layer, _)| layer)
            .collect();
        let known_paths: Vec<Option<PathResult>> =
            layers.iter().map(|&layer| flown.path((d.depot, layer))).collect();
        let known_flights: Vec<Option<FlightResult>> = layers
            .iter()
            .map(|&layer| flown.flight((c.option, d.depot, d.pad, Some(layer))))
            .collect();
        let worked: Vec<(PathResult, Option<FlightResult>)> =
            (layers.par_iter().zip(known_paths).zip(known_flights))
                .map(|((&layer, path), flight)| {
                    let path = path.unwrap_or_else(|| {
                        planner
                            .plan_delivery_in_layer(self.depot_xy[d.depot], dest, &rules, layer)
                            .map_err(|e| e.to_string())
                    });
                    let flight = match (&path, flight) {
                        (_, Some(known)) => Some(known),
                        (Ok(p), None) => Some(self.pad_flight(order, p, d)),
                        (Err(_), None) => None,
                    };
                    (path, flight)
                })
                .collect();
        let mut best: Option<Booking> = None;
        for (&layer, (path, flight)) in layers.iter().zip(worked) {
            flown.keep_path((d.depot, layer), path);
            let Some(flight) = flight else { continue };
            let key = (c.option, d.depot, d.pad, Some(layer));
            flown.keep_flight(key, flight.clone());
            let Ok(t) = flight else { continue };
            let bound = best.as_ref().map_or(bound_s, |b| b.delivered_s);
            if earliest + t.delivered_s >= bound {
                continue;
            }
            if let Some(b) = self.earliest_booking(order, c.drone, t, true) {
                if b.delivered_s < bound {
                    best = Some(b);
                }
            }
        }
        best
    }

    /// Drone `drone` flying `template` at its earliest take-off that keeps clear of every
    /// reservation and still delivers `order` within its promise.
    pub(super) fn earliest_booking(
        &self,
        order: &Order,
        drone: usize,
        template: FlightTemplate,
        other_layer: bool,
    ) -> Option<Booking> {
        let d = &self.drones[drone];
        let earliest = self.ready_s(order).max(d.free_at_s);
        let latest = order.due_s() - template.delivered_s;
        let volumes = flight_volumes(&template.samples, Some((d.depot, d.pad)));
        let takeoff = match self.deconflict {
            Deconfliction::Off => Some(earliest).filter(|&t| t <= latest + 1e-9),
            Deconfliction::On => self.reservations.earliest_takeoff(&volumes, earliest, latest),
        }?;
        Some(Booking {
            drone,
            delivered_s: takeoff + template.delivered_s,
            template,
            volumes,
            takeoff_s: takeoff,
            delay_s: takeoff - earliest,
            other_layer,
        })
    }

    /// A flight along `path` (planned from the nest point) flown instead from `drone`'s
    /// home pad: climb over the pad, then straight for the path's first waypoint when
    /// that leg is clear (flights from one nest's pads part at once), else over the nest
    /// point first.
    pub(super) fn pad_flight(
        &self,
        order: &Order,
        path: &DeliveryPath,
        drone: &Drone,
    ) -> Result<FlightTemplate, Reason> {
        let nest = self.depot_xy[drone.depot];
        let depot_id = &self.mission.depots[drone.depot].id;
        let Some(&pad) = self.pads[drone.depot].get(drone.pad) else {
            let why = format!("the pads of nest {depot_id} do not fit on open ground");
            return Err(Reason::new(ReasonKind::Pads, why));
        };
        let alt = path.cruise_alt_m;
        let span = TimeSpan {
            from_s: order.placed_at.seconds(),
            to_s: order.placed_at.seconds() + ORDER_HORIZON_S,
        };
        let margin = self.mission.airspace.clearance_margin_m;
        let clear = |a: [f64; 2], za: f64, b: [f64; 2], zb: f64| {
            self.world.segment_clear([a[0], a[1], za], [b[0], b[1], zb], span, margin)
        };
        let mut path = path.clone();
        if pad != nest {
            let first = path.cruise_path_m.get(1).copied().unwrap_or(nest);
            if !self.world.pad_column_clear(pad, path.deck_m, alt, span, margin) {
                let why = format!(
                    "pad {} of nest {depot_id} has no clear climb to {alt:.0} m",
                    drone.pad
                );
                return Err(Reason::new(ReasonKind::Pads, why));
            }
            if clear(pad, alt, first, alt) {
                path.cruise_length_m += dist(pad, first) - dist(nest, first);
                path.cruise_path_m[0] = pad;
            } else if clear(pad, alt, nest, alt) {
                path.cruise_length_m += dist(pad, nest);
                path.cruise_path_m.insert(0, pad);
            } else {
                let why = format!(
                    "pad {} of nest {depot_id} has no clear way to the nest at {alt:.0} m",
                    drone.pad
                );
                return Err(Reason::new(ReasonKind::Pads, why));
            }
        }
        flight_template(&drone.spec, &self.mission, &self.atm, pad, order, &path)
    }
}
