//! The heads-up display (Bevy UI): mission clock and order counts top left, the selected
//! vehicle top right, the controls bottom left, and a time slider along the bottom edge
//! (click or drag to scrub).

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use skylane_planner::plan::{Phase, Plan};

use crate::clock::ReplayClock;
use crate::coords::clock_text;
use crate::replay::{Replay, Selection};
use crate::state::{
    add_replay_sets, DroneMarker, DroneNow, PointerOnUi, ReplaySet, VanMarker, VanNow,
};
use crate::timeline::Stats;

/// Height of the time slider along the bottom edge, logical pixels.
pub const SLIDER_HEIGHT_PX: f32 = 18.0;

/// The key list shown in the HUD and the README.
pub const CONTROLS: &str = "Space play/pause | +/- speed | Left/Right scrub (Shift x10) | \
N/P next/previous order event | click a vehicle to select | F follow | left drag orbit | \
right drag pan | wheel or Z/X zoom | W/A/S/D pan | Q/E turn | R/T tilt | Home overview";

/// The clock and counts text.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockText;

/// The selected vehicle's text.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectionText;

/// The elapsed part of the time slider.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliderFill;

/// HUD panels and their updates.
pub struct HudPlugin;

impl Plugin for HudPlugin {
    fn build(&self, app: &mut App) {
        add_replay_sets(app);
        app.init_resource::<Selection>().add_systems(Startup, spawn_hud).add_systems(
            Update,
            (
                (track_pointer_on_ui, scrub_with_slider).chain().in_set(ReplaySet::Input),
                (update_clock_text, update_selection_text, update_slider)
                    .in_set(ReplaySet::Display),
            ),
        );
    }
}

fn panel(node: Node) -> impl Bundle {
    (
        Node { padding: UiRect::all(px(8)), ..node },
        BackgroundColor(Color::srgba(0.05, 0.07, 0.1, 0.72)),
    )
}

fn text(value: &str, size: f32) -> impl Bundle {
    (Text::new(value), TextFont::from_font_size(size), TextColor(Color::srgb(0.95, 0.96, 0.98)))
}

/// Spawns the panels and the slider.
fn spawn_hud(mut commands: Commands) {
    commands
        .spawn(panel(Node {
            position_type: PositionType::Absolute,
            top: px(10),
            left: px(10),
            ..default()
        }))
        .with_child((ClockText, text("", 16.0)));
    commands
        .spawn(panel(Node {
            position_type: PositionType::Absolute,
            top: px(10),
            right: px(10),
            max_width: px(380),
            ..default()
        }))
        .with_child((SelectionText, text("", 15.0)));
    commands
        .spawn(panel(Node {
            position_type: PositionType::Absolute,
            bottom: px(SLIDER_HEIGHT_PX + 6.0),
            left: px(10),
            max_width: percent(70),
            ..default()
        }))
        .with_child(text(CONTROLS, 12.0));
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                bottom: px(0),
                left: px(0),
                width: percent(100),
                height: px(SLIDER_HEIGHT_PX),
                ..default()
            },
            BackgroundColor(Color::srgba(0.05, 0.07, 0.1, 0.8)),
        ))
        .with_child((
            SliderFill,
            Node { width: percent(0), height: percent(100), ..default() },
            BackgroundColor(Color::srgb(0.98, 0.75, 0.15)),
        ));
}

/// The clock line and the order counts.
pub fn clock_panel_text(plan: &Plan, clock: &ReplayClock, s: &Stats) -> String {
    let state = if clock.playing { "playing" } else { "paused" };
    format!(
        "{}\n{}  {} x{}\n\
         orders placed {}  |  in flight {}  |  delivered {}\n\
         late {}  |  rejected {}\n\
         drones airborne {}  |  vans driving {}",
        plan.mission.name,
        clock_text(clock.t_s),
        state,
        clock.speed(),
        s.placed,
        s.in_flight,
        s.delivered,
        s.late,
        s.rejected,
        s.drones_airborne,
        s.vans_driving,
    )
}

fn update_clock_text(
    replay: Res<Replay>,
    clock: Res<ReplayClock>,
    mut text: Query<&mut Text, With<ClockText>>,
) {
    let stats = replay.timeline.stats(&replay.plan, clock.t_s);
    let value = clock_panel_text(&replay.plan, &clock, &stats);
    for mut t in &mut text {
        if t.0 != value {
            t.0 = value.clone();
        }
    }
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::TakeOff => "take-off",
        Phase::Outbound => "outbound",
        Phase::DeliveryDescent => "descending to drop",
        Phase::Lowering => "lowering package",
        Phase::DeliveryClimb => "climbing after drop",
        Phase::Inbound => "inbound",
        Phase::Landing => "landing",
    }
}

/// Minutes and seconds until `t_s`, e.g. `4:05`.
fn countdown(now_s: f64, t_s: f64) -> String {
    let d = (t_s - now_s).max(0.0).round() as u64;
    format!("{}:{:02}", d / 60, d % 60)
}

/// The selection panel for a drone.
pub fn drone_panel_text(plan: &Plan, marker: &DroneMarker, now: &DroneNow, t_s: f64) -> String {
    let mut out = format!("Drone {}", marker.id);
    match (now.flight, now.state) {
        (Some(f), Some(s)) => {
            let flight = &plan.flights[f];
            let to_locker = plan
                .outcomes
                .iter()
                .find(|o| o.order_id == flight.order_id)
                .and_then(|o| o.locker.as_deref())
                .map_or(String::new(), |l| format!(" to locker {l}"));
            out.push_str(&format!(
                "\norder {} ({} kg) from {}{}\n{}\naltitude {:.0} m  |  speed {:.1} m/s  |  SoC {:.0} %",
                flight.order_id,
                flight.payload_kg,
                flight.depot_id,
                to_locker,
                phase_name(s.phase),
                s.pos_m[2],
                s.speed_mps(),
                s.soc * 100.0,
            ));
            if t_s < flight.delivered_s {
                out.push_str(&format!(
                    "\nETA drop {} (in {})",
                    clock_text(flight.delivered_s),
                    countdown(t_s, flight.delivered_s)
                ));
            } else {
                out.push_str(&format!(
                    "\ndelivered {}  |  landing {} (in {})",
                    clock_text(flight.delivered_s),
                    clock_text(flight.landed_s),
                    countdown(t_s, flight.landed_s)
                ));
            }
        }
        _ => {
            let next = marker.flights.iter().map(|&f| &plan.flights[f]).find(|f| f.takeoff_s > t_s);
            match next {
                Some(f) => out.push_str(&format!(
                    "\non the ground | next take-off {} for order {}",
                    clock_text(f.takeoff_s),
                    f.order_id
                )),
                None => out.push_str("\non the ground | no more flights"),
            }
        }
    }
    out
}

/// The selection panel for a van.
pub fn van_panel_text(plan: &Plan, marker: &VanMarker, now: &VanNow, t_s: f64) -> String {
    let mut out = format!("Van {}", marker.id);
    match now.route {
        Some(r) => {
            let route = &plan.van_routes[r];
            let left = route.stops.iter().filter(|s| s.service_start_s > t_s).count();
            out.push_str(&format!(
                "\nfrom {} | {} of {} stops to go",
                route.depot_id,
                left,
                route.stops.len()
            ));
            match route.stops.iter().find(|s| s.depart_s > t_s) {
                Some(s) if s.arrive_s > t_s => out.push_str(&format!(
                    "\nnext: order {} | ETA {} (in {})",
                    s.order_id,
                    clock_text(s.arrive_s),
                    countdown(t_s, s.arrive_s)
                )),
                Some(s) => out.push_str(&format!(
                    "\nat stop: order {} | leaves {}",
                    s.order_id,
                    clock_text(s.depart_s)
                )),
                None => {
                    let back = route.times_s.last().copied().unwrap_or(t_s);
                    out.push_str(&format!("\nreturning | back {}", clock_text(back)))
                }
            }
        }
        None => out.push_str("\nat the depot"),
    }
    out
}

fn update_selection_text(
    replay: Res<Replay>,
    clock: Res<ReplayClock>,
    selection: Res<Selection>,
    drones: Query<(&DroneMarker, &DroneNow)>,
    vans: Query<(&VanMarker, &VanNow)>,
    mut text: Query<(&mut Text, &ChildOf), With<SelectionText>>,
    mut panels: Query<&mut Visibility>,
) {
    let plan = &replay.plan;
    let value = selection.entity.and_then(|e| {
        if let Ok((m, now)) = drones.get(e) {
            Some(drone_panel_text(plan, m, now, clock.t_s))
        } else {
            vans.get(e).ok().map(|(m, now)| van_panel_text(plan, m, now, clock.t_s))
        }
    });
    for (mut t, parent) in &mut text {
        let shown = value.is_some();
        let mut v = value.clone().unwrap_or_default();
        if shown && selection.follow {
            v.push_str("\n[following | F to stop]");
        }
        if t.0 != v {
            t.0 = v;
        }
        if let Ok(mut vis) = panels.get_mut(parent.parent()) {
            vis.set_if_neq(if shown { Visibility::Inherited } else { Visibility::Hidden });
        }
    }
}

fn update_slider(clock: Res<ReplayClock>, mut fill: Query<&mut Node, With<SliderFill>>) {
    let w = percent((clock.progress() * 100.0) as f32);
    for mut n in &mut fill {
        if n.width != w {
            n.width = w;
        }
    }
}

/// Whether a pointer at `cursor_y` (logical pixels from the top) in a window
/// `window_h` tall is on the time slider band.
pub fn on_slider(cursor_y: f32, window_h: f32) -> bool {
    cursor_y >= window_h - SLIDER_HEIGHT_PX
}

/// Says in [`PointerOnUi`] whether the pointer is the HUD's this frame: over the slider,
/// or holding (or just releasing) a left press that began on it.
pub(crate) fn track_pointer_on_ui(
    buttons: Res<ButtonInput<MouseButton>>,
    window: Query<&Window, With<PrimaryWindow>>,
    mut pressed_on_slider: Local<bool>,
    mut on_ui: ResMut<PointerOnUi>,
) {
    let over = window
        .iter()
        .next()
        .and_then(|w| w.cursor_position().map(|c| on_slider(c.y, w.height())))
        .unwrap_or(false);
    if buttons.just_pressed(MouseButton::Left) {
        *pressed_on_slider = over;
    }
    let holding = buttons.pressed(MouseButton::Left) || buttons.just_released(MouseButton::Left);
    if !holding {
        *pressed_on_slider = false;
    }
    let now = over || *pressed_on_slider;
    if on_ui.0 != now {
        on_ui.0 = now;
    }
}

/// Pressing or dragging on the slider band sets the clock (a drag that began on the
/// band keeps scrubbing wherever the pointer goes).
fn scrub_with_slider(
    buttons: Res<ButtonInput<MouseButton>>,
    window: Query<&Window, With<PrimaryWindow>>,
    on_ui: Res<PointerOnUi>,
    mut clock: ResMut<ReplayClock>,
) {
    let Some(window) = window.iter().next() else {
        return;
    };
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    if on_ui.0 && buttons.pressed(MouseButton::Left) {
        clock.set_progress((cursor.x / window.width().max(1.0)) as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flight, plan_with, van_route};
    use crate::timeline::{flight_state, Timeline};

    #[test]
    fn clock_panel_shows_time_speed_and_counts() {
        let plan = plan_with(vec![flight("d1", "o1", 100.0, 200.0)], vec![]);
        let tl = Timeline::new(&plan);
        let mut clock = ReplayClock::new(0.0, 1000.0);
        clock.set_time(150.0);
        let s = tl.stats(&plan, 150.0);
        let text = clock_panel_text(&plan, &clock, &s);
        assert!(text.contains("00:02:30"), "{text}");
        assert!(text.contains("x60"), "{text}");
        assert!(text.contains("in flight 1"), "{text}");
        assert!(text.contains("rejected 1"), "{text}");
    }

    #[test]
    fn drone_panel_shows_altitude_speed_soc_and_eta() {
        let plan = plan_with(vec![flight("d1", "o1", 100.0, 300.0)], vec![]);
        let f = &plan.flights[0];
        let t = f.takeoff_s + 30.0;
        let marker = DroneMarker { id: "d1".into(), flights: vec![0] };
        let now = DroneNow { flight: Some(0), state: flight_state(f, t) };
        let text = drone_panel_text(&plan, &marker, &now, t);
        assert!(text.contains("order o1"), "{text}");
        assert!(text.contains("altitude"), "{text}");
        assert!(text.contains("SoC"), "{text}");
        assert!(text.contains(&format!("ETA drop {}", clock_text(f.delivered_s))), "{text}");
        let idle = DroneNow::default();
        let text = drone_panel_text(&plan, &marker, &idle, 0.0);
        assert!(text.contains("next take-off 00:01:40"), "{text}");
        assert!(!text.contains("locker"), "{text}");
    }

    #[test]
    fn drone_panel_names_the_locker_of_a_locker_order() {
        let mut plan = plan_with(vec![flight("d1", "o1", 100.0, 300.0)], vec![]);
        let o = plan.outcomes.iter_mut().find(|o| o.order_id == "o1").unwrap();
        o.locker = Some("L7".into());
        let f = &plan.flights[0];
        let t = f.takeoff_s + 30.0;
        let marker = DroneMarker { id: "d1".into(), flights: vec![0] };
        let now = DroneNow { flight: Some(0), state: flight_state(f, t) };
        let text = drone_panel_text(&plan, &marker, &now, t);
        assert!(text.contains("order o1 (") && text.contains("to locker L7"), "{text}");
    }

    #[test]
    fn van_panel_shows_next_stop() {
        let plan = plan_with(vec![], vec![van_route("v1", &["o2"], 1000.0)]);
        let marker = VanMarker { id: "v1".into(), routes: vec![0] };
        let now = VanNow { route: Some(0), pos_m: Some([0.0, 0.0]) };
        let text = van_panel_text(&plan, &marker, &now, 1001.0);
        assert!(text.contains("next: order o2"), "{text}");
        assert!(text.contains("1 of 1 stops"), "{text}");
        let text = van_panel_text(&plan, &marker, &VanNow::default(), 0.0);
        assert!(text.contains("depot"), "{text}");
    }
}
