//! The mission clock every vehicle reads: play/pause, speed ×1 to ×600, scrubbing and
//! jumps between order events.
//!
//! [`ReplayClock`] is plain data with pure stepping methods (unit-tested);
//! [`ClockPlugin`] adds it as a resource with the systems that advance it and map the
//! keys: Space play/pause, `+`/`-` speed, `←`/`→` scrub (Shift: ten times further),
//! `N`/`P` next/previous order event (of the selected vehicle's orders when one is
//! selected).

use bevy::prelude::*;

use crate::replay::{Replay, Selection};
use crate::state::{add_replay_sets, DroneMarker, ReplaySet, VanMarker};
use crate::timeline::OrderEvent;

/// Replay speeds, mission seconds per real second.
pub const SPEEDS: [f64; 9] = [1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0];

/// Index of ×60 in [`SPEEDS`], the starting speed.
const DEFAULT_SPEED_INDEX: usize = 5;

/// The mission clock.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct ReplayClock {
    /// Mission time, seconds since midnight.
    pub t_s: f64,
    /// Whether time runs.
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed_index: usize,
    /// Earliest time the clock shows, s.
    pub start_s: f64,
    /// Latest time the clock shows, s.
    pub end_s: f64,
}

impl ReplayClock {
    /// A playing clock at `start_s` running at ×60 over `[start_s, end_s]`.
    pub fn new(start_s: f64, end_s: f64) -> ReplayClock {
        let end_s = if end_s > start_s { end_s } else { start_s + 1.0 };
        ReplayClock {
            t_s: start_s,
            playing: true,
            speed_index: DEFAULT_SPEED_INDEX,
            start_s,
            end_s,
        }
    }

    /// Mission seconds per real second.
    pub fn speed(&self) -> f64 {
        SPEEDS[self.speed_index.min(SPEEDS.len() - 1)]
    }

    /// Advances by `real_dt_s` real seconds when playing; pauses at the end.
    pub fn advance(&mut self, real_dt_s: f64) {
        if !self.playing || !real_dt_s.is_finite() || real_dt_s <= 0.0 {
            return;
        }
        self.set_time(self.t_s + real_dt_s * self.speed());
        if self.t_s >= self.end_s {
            self.playing = false;
        }
    }

    /// Next faster speed (stays at the fastest).
    pub fn faster(&mut self) {
        self.speed_index = (self.speed_index + 1).min(SPEEDS.len() - 1);
    }

    /// Next slower speed (stays at ×1).
    pub fn slower(&mut self) {
        self.speed_index = self.speed_index.saturating_sub(1);
    }

    /// Play/pause; playing from the end restarts at the beginning.
    pub fn toggle(&mut self) {
        self.playing = !self.playing;
        if self.playing && self.t_s >= self.end_s {
            self.t_s = self.start_s;
        }
    }

    /// Jumps to `t_s`, clamped to the clock's span.
    pub fn set_time(&mut self, t_s: f64) {
        if t_s.is_finite() {
            self.t_s = t_s.clamp(self.start_s, self.end_s);
        }
    }

    /// Moves by `delta_s` mission seconds.
    pub fn scrub(&mut self, delta_s: f64) {
        self.set_time(self.t_s + delta_s);
    }

    /// How far scrubbing moves at the current speed: one real second's worth, at least
    /// 10 s.
    pub fn scrub_step_s(&self) -> f64 {
        self.speed().max(10.0)
    }

    /// Share of the span elapsed, 0..=1.
    pub fn progress(&self) -> f64 {
        ((self.t_s - self.start_s) / (self.end_s - self.start_s)).clamp(0.0, 1.0)
    }

    /// Jumps to a share of the span.
    pub fn set_progress(&mut self, f: f64) {
        self.set_time(self.start_s + f.clamp(0.0, 1.0) * (self.end_s - self.start_s));
    }
}

/// Where the clock starts: set by the CLI (`--at`, screenshots) before the app runs.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct ClockStart {
    /// Start time, s; the plan's first event when `None`.
    pub at_s: Option<f64>,
    /// Whether the clock runs from the start.
    pub playing: bool,
}

impl Default for ClockStart {
    fn default() -> Self {
        ClockStart { at_s: None, playing: true }
    }
}

/// The clock resource and its keyboard controls.
pub struct ClockPlugin;

impl Plugin for ClockPlugin {
    fn build(&self, app: &mut App) {
        add_replay_sets(app);
        app.init_resource::<ClockStart>().add_systems(PreStartup, init_clock).add_systems(
            Update,
            (play_pause, change_speed, scrub_keys, jump_to_order_events, advance_clock)
                .chain()
                .in_set(ReplaySet::Clock),
        );
    }
}

/// Creates the clock over the plan's span, a minute either side.
fn init_clock(mut commands: Commands, replay: Res<Replay>, start: Res<ClockStart>) {
    let tl = &replay.timeline;
    let mut clock = ReplayClock::new(tl.start_s - 60.0, tl.end_s + 60.0);
    if let Some(at) = start.at_s {
        // An explicit time may lie outside the plan's span: widen the span to show it.
        clock.start_s = clock.start_s.min(at);
        clock.end_s = clock.end_s.max(at);
        clock.set_time(at);
    }
    clock.playing = start.playing;
    commands.insert_resource(clock);
}

/// Moves the clock by the real time elapsed (not virtual time: a slow frame under
/// software rendering must not slow the mission down).
fn advance_clock(mut clock: ResMut<ReplayClock>, time: Res<Time<Real>>) {
    clock.advance(time.delta_secs_f64());
}

/// Space toggles play/pause.
fn play_pause(keys: Res<ButtonInput<KeyCode>>, mut clock: ResMut<ReplayClock>) {
    if keys.just_pressed(KeyCode::Space) {
        clock.toggle();
    }
}

/// `+`/`-` (main keyboard or keypad) change the speed.
fn change_speed(keys: Res<ButtonInput<KeyCode>>, mut clock: ResMut<ReplayClock>) {
    if keys.any_just_pressed([KeyCode::Equal, KeyCode::NumpadAdd]) {
        clock.faster();
    }
    if keys.any_just_pressed([KeyCode::Minus, KeyCode::NumpadSubtract]) {
        clock.slower();
    }
}

/// Arrow keys scrub; Shift scrubs ten times further.
fn scrub_keys(keys: Res<ButtonInput<KeyCode>>, mut clock: ResMut<ReplayClock>) {
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    let step = clock.scrub_step_s() * if shift { 10.0 } else { 1.0 };
    if keys.just_pressed(KeyCode::ArrowRight) {
        clock.scrub(step);
    }
    if keys.just_pressed(KeyCode::ArrowLeft) {
        clock.scrub(-step);
    }
}

/// `N`/`P` jump to the next/previous order event: of the selected vehicle's orders when
/// one is selected, of all orders otherwise.
fn jump_to_order_events(
    keys: Res<ButtonInput<KeyCode>>,
    replay: Res<Replay>,
    selection: Res<Selection>,
    drones: Query<&DroneMarker>,
    vans: Query<&VanMarker>,
    mut clock: ResMut<ReplayClock>,
) {
    let next = keys.just_pressed(KeyCode::KeyN);
    let previous = keys.just_pressed(KeyCode::KeyP);
    if !next && !previous {
        return;
    }
    let plan = &replay.plan;
    let tl = &replay.timeline;
    // Orders of the selected vehicle, as indices into the timeline.
    let selected: Option<Vec<usize>> = selection.entity.and_then(|e| {
        let ids: Vec<&str> = if let Ok(d) = drones.get(e) {
            d.flights.iter().map(|&f| plan.flights[f].order_id.as_str()).collect()
        } else if let Ok(v) = vans.get(e) {
            v.routes
                .iter()
                .flat_map(|&r| plan.van_routes[r].stops.iter().map(|s| s.order_id.as_str()))
                .collect()
        } else {
            return None;
        };
        Some(
            tl.orders
                .iter()
                .enumerate()
                .filter(|(_, o)| ids.contains(&o.order_id.as_str()))
                .map(|(k, _)| k)
                .collect(),
        )
    });
    let keep = |e: &OrderEvent| selected.as_ref().is_none_or(|s| s.contains(&e.order));
    let target =
        if next { tl.next_event(clock.t_s, keep) } else { tl.previous_event(clock.t_s, keep) };
    if let Some(e) = target {
        let t = e.t_s;
        clock.set_time(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_by_speed_and_stops_at_the_end() {
        let mut c = ReplayClock::new(100.0, 1000.0);
        assert_eq!(c.speed(), 60.0);
        c.advance(1.0);
        assert_eq!(c.t_s, 160.0);
        c.advance(100.0);
        assert_eq!(c.t_s, 1000.0);
        assert!(!c.playing);
        c.advance(1.0);
        assert_eq!(c.t_s, 1000.0);
        // Playing again from the end restarts.
        c.toggle();
        assert!(c.playing);
        assert_eq!(c.t_s, 100.0);
    }

    #[test]
    fn paused_clock_does_not_move() {
        let mut c = ReplayClock::new(0.0, 100.0);
        c.toggle();
        c.advance(5.0);
        assert_eq!(c.t_s, 0.0);
        c.advance(f64::NAN);
        assert_eq!(c.t_s, 0.0);
    }

    #[test]
    fn speeds_are_bounded() {
        let mut c = ReplayClock::new(0.0, 100.0);
        for _ in 0..20 {
            c.faster();
        }
        assert_eq!(c.speed(), 600.0);
        for _ in 0..20 {
            c.slower();
        }
        assert_eq!(c.speed(), 1.0);
        assert_eq!(c.scrub_step_s(), 10.0);
    }

    #[test]
    fn scrub_and_progress_clamp() {
        let mut c = ReplayClock::new(100.0, 300.0);
        c.scrub(-50.0);
        assert_eq!(c.t_s, 100.0);
        c.scrub(150.0);
        assert_eq!(c.t_s, 250.0);
        assert_eq!(c.progress(), 0.75);
        c.set_progress(0.5);
        assert_eq!(c.t_s, 200.0);
        c.set_progress(7.0);
        assert_eq!(c.t_s, 300.0);
        c.set_time(f64::INFINITY);
        assert_eq!(c.t_s, 300.0);
    }

    #[test]
    fn empty_span_is_widened() {
        let c = ReplayClock::new(5.0, 5.0);
        assert!(c.end_s > c.start_s);
        assert_eq!(c.progress(), 0.0);
    }
}
