//! The plan as a function of mission time, without Bevy: where each drone and van is,
//! what each order is doing, and the order events the clock can jump between.
//!
//! Entry points: [`flight_state`] and [`van_position`] interpolate one vehicle;
//! [`Timeline::new`] indexes a whole [`Plan`] once, then [`Timeline::stats`] counts
//! orders at an instant and [`Timeline::next_event`] / [`Timeline::previous_event`] find
//! the events to jump to.

use skylane_planner::plan::{Flight, Outcome, Phase, Plan, VanRoute};

/// A drone's interpolated state at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DroneState {
    /// Position, local map metres (x east, y north, z up).
    pub pos_m: [f64; 3],
    /// Velocity, m/s.
    pub vel_mps: [f64; 3],
    /// Phase of the current sample interval.
    pub phase: Phase,
    /// State of charge, 1 = full.
    pub soc: f64,
    /// Whether the package is still on board.
    pub carrying: bool,
}

impl DroneState {
    /// Ground speed, m/s.
    pub fn speed_mps(&self) -> f64 {
        let v = self.vel_mps;
        (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
    }
}

/// Index of the last element of `times` that is `<= t` (times sorted ascending), or
/// `None` when `t` is before the first one.
fn segment_index(times: impl Fn(usize) -> f64, len: usize, t: f64) -> Option<usize> {
    // partition_point over indices: first index whose time is > t.
    let (mut lo, mut hi) = (0usize, len);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if times(mid) <= t {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo.checked_sub(1)
}

fn lerp(a: f64, b: f64, f: f64) -> f64 {
    a + (b - a) * f
}

/// The drone's state at `t_s`, linearly interpolated between the two samples around it;
/// `None` before the first or after the last sample.
pub fn flight_state(flight: &Flight, t_s: f64) -> Option<DroneState> {
    let s = &flight.samples;
    let first = s.first()?;
    let last = s.last()?;
    if !(t_s >= first.t_s && t_s <= last.t_s) {
        return None;
    }
    let i = segment_index(|k| s[k].t_s, s.len(), t_s)?;
    let a = &s[i];
    let b = s.get(i + 1).unwrap_or(a);
    let span = b.t_s - a.t_s;
    let f = if span > 0.0 { ((t_s - a.t_s) / span).clamp(0.0, 1.0) } else { 0.0 };
    let mix =
        |p: [f64; 3], q: [f64; 3]| [lerp(p[0], q[0], f), lerp(p[1], q[1], f), lerp(p[2], q[2], f)];
    Some(DroneState {
        pos_m: mix(a.pos_m, b.pos_m),
        vel_mps: mix(a.vel_mps, b.vel_mps),
        phase: a.phase,
        soc: lerp(a.soc, b.soc, f),
        carrying: t_s < flight.delivered_s,
    })
}

/// The van's position at `t_s` along its road polyline; `None` outside the route's time
/// span or when the route has no timed points.
pub fn van_position(route: &VanRoute, t_s: f64) -> Option<[f64; 2]> {
    let n = route.path_m.len().min(route.times_s.len());
    if n == 0 {
        return None;
    }
    let (t0, t1) = (route.times_s[0], route.times_s[n - 1]);
    if !(t_s >= t0 && t_s <= t1) {
        return None;
    }
    let i = segment_index(|k| route.times_s[k], n, t_s)?;
    let a = route.path_m[i];
    if i + 1 >= n {
        return Some(a);
    }
    let b = route.path_m[i + 1];
    let span = route.times_s[i + 1] - route.times_s[i];
    let f = if span > 0.0 { ((t_s - route.times_s[i]) / span).clamp(0.0, 1.0) } else { 0.0 };
    Some([lerp(a[0], b[0], f), lerp(a[1], b[1], f)])
}

/// Heading of a van at `t_s`, radians counter-clockwise from east (map frame), from the
/// polyline segment it is on.
pub fn van_heading(route: &VanRoute, t_s: f64) -> Option<f64> {
    let n = route.path_m.len().min(route.times_s.len());
    if n < 2 {
        return None;
    }
    let i = segment_index(|k| route.times_s[k], n, t_s)?.min(n - 2);
    // Skip zero-length segments (stops) by looking ahead, then back.
    let seg = (i..n - 1).chain((0..i).rev()).find(|&k| {
        let (a, b) = (route.path_m[k], route.path_m[k + 1]);
        (b[0] - a[0]).hypot(b[1] - a[1]) > 1e-6
    })?;
    let (a, b) = (route.path_m[seg], route.path_m[seg + 1]);
    Some((b[1] - a[1]).atan2(b[0] - a[0]))
}

/// What happened to one order, in times.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTimes {
    /// Order id.
    pub order_id: String,
    /// Placed, s.
    pub placed_s: f64,
    /// Package picked up: drone take-off or van departure, s.
    pub pickup_s: Option<f64>,
    /// Package handed over, s.
    pub delivered_s: Option<f64>,
    /// What the order was promised, s (the plan's `promised_s`; infinite when the plan
    /// records none).
    pub due_s: f64,
    /// Whether the order was rejected.
    pub rejected: bool,
    /// Flight index when flown.
    pub flight: Option<usize>,
    /// Van route index when driven.
    pub route: Option<usize>,
}

impl OrderTimes {
    /// Whether the order was handed over after its promise or window.
    pub fn late(&self) -> bool {
        self.delivered_s.is_some_and(|d| d > self.due_s + 1e-6)
    }
}

/// Order counts at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Orders placed so far.
    pub placed: usize,
    /// Packages on a drone or van now.
    pub in_flight: usize,
    /// Delivered so far.
    pub delivered: usize,
    /// Delivered so far, but late.
    pub late: usize,
    /// Placed so far and rejected.
    pub rejected: usize,
    /// Drones in the air now.
    pub drones_airborne: usize,
    /// Vans on the road now.
    pub vans_driving: usize,
}

/// Kinds of order events the clock can jump to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The customer placed the order.
    Placed,
    /// The planner rejected it (at placement).
    Rejected,
    /// A drone took off or a van left with the package.
    PickedUp,
    /// The package was handed over.
    Delivered,
    /// The drone landed back at its depot.
    Landed,
}

/// One order event.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderEvent {
    /// When, s.
    pub t_s: f64,
    /// Index into [`Timeline::orders`].
    pub order: usize,
    /// What happened.
    pub kind: EventKind,
}

/// The plan indexed by time: order records, events and the mission's time span.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// One record per order outcome, in plan order.
    pub orders: Vec<OrderTimes>,
    /// All order events, sorted by time.
    pub events: Vec<OrderEvent>,
    /// Earliest interesting time (first order placed or first departure), s.
    pub start_s: f64,
    /// Latest interesting time (last landing, arrival or placement), s.
    pub end_s: f64,
    /// When the first drone takes off or van leaves (`start_s` when nothing moves): the
    /// zero of mission time on the command line (`--at 600`).
    pub first_departure_s: f64,
}

impl Timeline {
    /// Indexes a plan. Tolerates dangling flight or route indices (they count as not
    /// served) so that a hand-edited plan still replays.
    pub fn new(plan: &Plan) -> Timeline {
        let mut orders = Vec::with_capacity(plan.outcomes.len());
        let mut events = Vec::new();
        for (k, o) in plan.outcomes.iter().enumerate() {
            let mut rec = OrderTimes {
                order_id: o.order_id.clone(),
                placed_s: o.placed_s,
                pickup_s: None,
                delivered_s: None,
                // The plan's own promise, the one its summary counts late against.
                due_s: o.promised_s.unwrap_or(f64::INFINITY),
                rejected: false,
                flight: None,
                route: None,
            };
            events.push(OrderEvent { t_s: o.placed_s, order: k, kind: EventKind::Placed });
            match &o.outcome {
                Outcome::Drone { flight } => {
                    if let Some(f) = plan.flights.get(*flight) {
                        rec.flight = Some(*flight);
                        rec.pickup_s = Some(f.takeoff_s);
                        rec.delivered_s = Some(f.delivered_s);
                        events.push(OrderEvent {
                            t_s: f.takeoff_s,
                            order: k,
                            kind: EventKind::PickedUp,
                        });
                        events.push(OrderEvent {
                            t_s: f.delivered_s,
                            order: k,
                            kind: EventKind::Delivered,
                        });
                        events.push(OrderEvent {
                            t_s: f.landed_s,
                            order: k,
                            kind: EventKind::Landed,
                        });
                    }
                }
                Outcome::Van { route, .. } => {
                    if let Some(r) = plan.van_routes.get(*route) {
                        rec.route = Some(*route);
                        let depart = r.times_s.first().copied();
                        let stop = r.stops.iter().find(|s| s.order_id == o.order_id);
                        if let (Some(d), Some(s)) = (depart, stop) {
                            rec.pickup_s = Some(d);
                            rec.delivered_s = Some(s.service_start_s);
                            events.push(OrderEvent { t_s: d, order: k, kind: EventKind::PickedUp });
                            events.push(OrderEvent {
                                t_s: s.service_start_s,
                                order: k,
                                kind: EventKind::Delivered,
                            });
                        }
                    }
                }
                Outcome::Rejected { .. } => {
                    rec.rejected = true;
                    events.push(OrderEvent {
                        t_s: o.placed_s,
                        order: k,
                        kind: EventKind::Rejected,
                    });
                }
            }
            orders.push(rec);
        }
        events.retain(|e| e.t_s.is_finite());
        events.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));

        let mut start_s = f64::INFINITY;
        let mut end_s = f64::NEG_INFINITY;
        let mut include = |t: f64| {
            if t.is_finite() {
                start_s = start_s.min(t);
                end_s = end_s.max(t);
            }
        };
        for e in &events {
            include(e.t_s);
        }
        for f in &plan.flights {
            if let (Some(a), Some(b)) = (f.samples.first(), f.samples.last()) {
                include(a.t_s);
                include(b.t_s);
            }
        }
        for r in &plan.van_routes {
            if let (Some(a), Some(b)) = (r.times_s.first(), r.times_s.last()) {
                include(*a);
                include(*b);
            }
        }
        if start_s > end_s {
            (start_s, end_s) = (0.0, 24.0 * 3600.0);
        }
        let departures = plan
            .flights
            .iter()
            .filter_map(|f| f.samples.first().map(|s| s.t_s))
            .chain(plan.van_routes.iter().filter_map(|r| r.times_s.first().copied()));
        let first_departure_s =
            departures.filter(|t| t.is_finite()).min_by(f64::total_cmp).unwrap_or(start_s);
        Timeline { orders, events, start_s, end_s, first_departure_s }
    }

    /// Order counts at `t_s`; drones and vans are counted from the plan's flights and
    /// routes.
    pub fn stats(&self, plan: &Plan, t_s: f64) -> Stats {
        let mut s = Stats::default();
        for o in &self.orders {
            if o.placed_s > t_s {
                continue;
            }
            s.placed += 1;
            if o.rejected {
                s.rejected += 1;
            }
            match (o.pickup_s, o.delivered_s) {
                (_, Some(d)) if d <= t_s => {
                    s.delivered += 1;
                    if o.late() {
                        s.late += 1;
                    }
                }
                (Some(p), _) if p <= t_s => s.in_flight += 1,
                _ => {}
            }
        }
        s.drones_airborne = plan.flights.iter().filter(|f| flight_active(f, t_s)).count();
        s.vans_driving = plan
            .van_routes
            .iter()
            .filter(|r| match (r.times_s.first(), r.times_s.last()) {
                (Some(a), Some(b)) => *a <= t_s && t_s <= *b,
                _ => false,
            })
            .count();
        s
    }

    /// The first event strictly after `t_s` (by more than half a second) that `keep`
    /// accepts.
    pub fn next_event(&self, t_s: f64, keep: impl Fn(&OrderEvent) -> bool) -> Option<&OrderEvent> {
        let from = self.events.partition_point(|e| e.t_s <= t_s + 0.5);
        self.events[from..].iter().find(|e| keep(e))
    }

    /// The last event strictly before `t_s` (by more than half a second) that `keep`
    /// accepts.
    pub fn previous_event(
        &self,
        t_s: f64,
        keep: impl Fn(&OrderEvent) -> bool,
    ) -> Option<&OrderEvent> {
        let to = self.events.partition_point(|e| e.t_s < t_s - 0.5);
        self.events[..to].iter().rev().find(|e| keep(e))
    }
}

/// Whether a flight is in the air (between its first and last sample) at `t_s`.
pub fn flight_active(f: &Flight, t_s: f64) -> bool {
    match (f.samples.first(), f.samples.last()) {
        (Some(a), Some(b)) => a.t_s <= t_s && t_s <= b.t_s,
        _ => false,
    }
}

/// Colour of a state of charge: green when full, yellow at half, red when empty
/// (linear RGB components, 0..1).
pub fn soc_color(soc: f64) -> [f32; 3] {
    let s = soc.clamp(0.0, 1.0) as f32;
    if s >= 0.5 {
        let k = (s - 0.5) * 2.0;
        [1.0 - k * 0.85, 0.85, 0.1]
    } else {
        let k = s * 2.0;
        [1.0, 0.1 + 0.75 * k, 0.1]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testutil::{flight, plan_with, van_route};

    #[test]
    fn interpolates_between_samples() {
        let f = flight("d1", "o1", 100.0, 200.0);
        let s = flight_state(&f, 100.0).unwrap();
        assert_eq!(s.pos_m, f.samples[0].pos_m);
        assert!(s.carrying);
        // Halfway through the 2nd interval.
        let (a, b) = (&f.samples[1], &f.samples[2]);
        let t = (a.t_s + b.t_s) / 2.0;
        let s = flight_state(&f, t).unwrap();
        for k in 0..3 {
            assert!((s.pos_m[k] - (a.pos_m[k] + b.pos_m[k]) / 2.0).abs() < 1e-9);
        }
        assert!((s.soc - (a.soc + b.soc) / 2.0).abs() < 1e-12);
        assert_eq!(s.phase, a.phase);
        // Exactly on the last sample, and outside.
        let last = f.samples.last().unwrap();
        assert_eq!(flight_state(&f, last.t_s).unwrap().pos_m, last.pos_m);
        assert!(flight_state(&f, 99.9).is_none());
        assert!(flight_state(&f, last.t_s + 0.1).is_none());
        assert!(!flight_state(&f, f.delivered_s + 1.0).unwrap().carrying);
    }

    #[test]
    fn empty_flight_has_no_state() {
        let mut f = flight("d1", "o1", 100.0, 200.0);
        f.samples.clear();
        assert!(flight_state(&f, 150.0).is_none());
        assert!(!flight_active(&f, 150.0));
    }

    #[test]
    fn duplicate_sample_times_do_not_divide_by_zero() {
        let mut f = flight("d1", "o1", 100.0, 200.0);
        let dup = f.samples[1];
        f.samples.insert(1, dup);
        let s = flight_state(&f, dup.t_s).unwrap();
        assert!(s.pos_m.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn van_moves_along_its_polyline() {
        let r = van_route("v1", &["o2"], 1000.0);
        assert_eq!(van_position(&r, 1000.0), Some(r.path_m[0]));
        let mid = (r.times_s[0] + r.times_s[1]) / 2.0;
        let p = van_position(&r, mid).unwrap();
        assert!((p[0] - (r.path_m[0][0] + r.path_m[1][0]) / 2.0).abs() < 1e-9);
        assert!(van_position(&r, 999.0).is_none());
        assert_eq!(van_position(&r, *r.times_s.last().unwrap()), r.path_m.last().copied());
        let h = van_heading(&r, mid).unwrap();
        let (a, b) = (r.path_m[0], r.path_m[1]);
        assert!((h - (b[1] - a[1]).atan2(b[0] - a[0])).abs() < 1e-12);
    }

    #[test]
    fn stats_follow_the_day() {
        let plan = plan_with(
            vec![flight("d1", "o1", 100.0, 200.0)],
            vec![van_route("v1", &["o2"], 1000.0)],
        );
        let tl = Timeline::new(&plan);
        assert_eq!(tl.orders.len(), 3);
        let s = tl.stats(&plan, 0.0);
        assert_eq!(s, Stats::default());
        let f = &plan.flights[0];
        let s = tl.stats(&plan, f.takeoff_s + 1.0);
        assert_eq!((s.placed, s.in_flight, s.delivered, s.drones_airborne), (3, 1, 0, 1));
        assert_eq!(s.rejected, 1);
        let s = tl.stats(&plan, f.delivered_s + 1.0);
        assert_eq!((s.in_flight, s.delivered), (0, 1));
        let r = &plan.van_routes[0];
        let s = tl.stats(&plan, r.times_s[0] + 1.0);
        assert_eq!((s.in_flight, s.vans_driving), (1, 1));
        let s = tl.stats(&plan, tl.end_s);
        assert_eq!((s.placed, s.delivered, s.in_flight, s.rejected), (3, 2, 0, 1));
        assert!(tl.start_s <= 50.0 && tl.end_s >= *r.times_s.last().unwrap());
        // Mission time zero: the first thing that moves, not the first order placed.
        let first = f.samples[0].t_s.min(r.times_s[0]);
        assert_eq!(tl.first_departure_s, first);
        assert!(tl.first_departure_s >= tl.start_s);
    }

    #[test]
    fn late_orders_are_counted_against_the_plans_promise() {
        let mut plan = plan_with(vec![flight("d1", "o1", 100.0, 200.0)], vec![]);
        // The promise the plan records for o1 ends before the drop.
        plan.outcomes[0].promised_s = Some(plan.flights[0].delivered_s - 1.0);
        let tl = Timeline::new(&plan);
        assert!(tl.orders[0].late());
        assert_eq!(tl.stats(&plan, tl.end_s).late, 1);
    }

    #[test]
    fn an_express_order_gone_by_van_is_due_when_the_plan_says() {
        // o2 is an express order the van delivers long after placed + 30 min; the plan
        // promised it by the end of the van shifts, so it is not late.
        let plan = plan_with(
            vec![flight("d1", "o1", 100.0, 200.0)],
            vec![van_route("v1", &["o2"], 5000.0)],
        );
        let o2 = &plan.outcomes[1];
        assert!(o2.promised_s.is_some_and(|p| p > o2.placed_s + 30.0 * 60.0));
        let tl = Timeline::new(&plan);
        assert!(tl.orders[1].delivered_s.is_some_and(|d| d > o2.placed_s + 30.0 * 60.0));
        assert!(!tl.orders[1].late());
        assert_eq!(tl.stats(&plan, tl.end_s).late, 0);
    }

    #[test]
    fn events_jump_forward_and_back() {
        let plan = plan_with(
            vec![flight("d1", "o1", 100.0, 200.0)],
            vec![van_route("v1", &["o2"], 1000.0)],
        );
        let tl = Timeline::new(&plan);
        assert!(tl.events.windows(2).all(|w| w[0].t_s <= w[1].t_s));
        let first = tl.next_event(f64::NEG_INFINITY, |_| true).unwrap().t_s;
        assert_eq!(first, tl.events[0].t_s);
        // Next from an event's own time skips to a later one.
        let e = tl.next_event(first, |_| true).unwrap();
        assert!(e.t_s > first);
        let back = tl.previous_event(e.t_s, |_| true).unwrap();
        assert!(back.t_s < e.t_s);
        // Filtered to one order.
        let o1 = tl.orders.iter().position(|o| o.order_id == "o1").unwrap();
        let kinds: Vec<EventKind> = {
            let mut t = f64::NEG_INFINITY;
            let mut v = Vec::new();
            while let Some(e) = tl.next_event(t, |e| e.order == o1) {
                v.push(e.kind);
                t = e.t_s;
            }
            v
        };
        assert_eq!(
            kinds,
            vec![EventKind::Placed, EventKind::PickedUp, EventKind::Delivered, EventKind::Landed]
        );
        assert!(tl.next_event(tl.end_s, |_| true).is_none());
    }

    #[test]
    fn soc_colours_go_green_to_red() {
        let full = soc_color(1.0);
        let empty = soc_color(0.0);
        assert!(full[1] > full[0]);
        assert!(empty[0] > empty[1]);
        assert_eq!(soc_color(2.0), full);
    }
}
