//! What the replay's plugins share, so that none imports another: the vehicles'
//! markers and current state ([`DroneMarker`], [`DroneNow`], [`VanMarker`],
//! [`VanNow`]), the order of the frame's work ([`ReplaySet`], chained once by
//! [`ReplaySetsPlugin`]), and whether the pointer is on the HUD ([`PointerOnUi`]).

use bevy::prelude::*;

use crate::timeline::DroneState;

/// A drone and the flights it flies, sorted by take-off.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct DroneMarker {
    /// Drone id.
    pub id: String,
    /// Indices into the plan's flights.
    pub flights: Vec<usize>,
}

/// A van and its routes, sorted by departure.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct VanMarker {
    /// Van id.
    pub id: String,
    /// Indices into the plan's van routes.
    pub routes: Vec<usize>,
}

/// What a drone is doing now.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct DroneNow {
    /// The flight in the air, if any.
    pub flight: Option<usize>,
    /// Its interpolated state.
    pub state: Option<DroneState>,
}

/// What a van is doing now.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct VanNow {
    /// The route being driven, if any.
    pub route: Option<usize>,
    /// Position, local map metres.
    pub pos_m: Option<[f64; 2]>,
}

/// The stages of a frame, in order: pointer input on the HUD, the clock, the vehicles,
/// the camera, then everything drawn from the vehicles' new state.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplaySet {
    /// Pointer input on the HUD (the time slider), before the clock moves.
    Input,
    /// The systems that change the clock.
    Clock,
    /// The systems that move vehicles.
    Vehicles,
    /// The camera (it may follow a vehicle).
    View,
    /// Panels and overlays drawn from the vehicles' state.
    Display,
}

/// Whether the pointer belongs to the HUD this frame: over the time slider, or holding a
/// press that began there. The camera and picking leave such input alone, so dragging
/// the time slider does not orbit the view.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointerOnUi(pub bool);

/// Chains the [`ReplaySet`]s in `Update` and provides [`PointerOnUi`]. Every replay
/// plugin adds it (once), so any subset of them runs in the same order.
pub struct ReplaySetsPlugin;

impl Plugin for ReplaySetsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PointerOnUi>().configure_sets(
            Update,
            (
                ReplaySet::Input,
                ReplaySet::Clock,
                ReplaySet::Vehicles,
                ReplaySet::View,
                ReplaySet::Display,
            )
                .chain(),
        );
    }
}

/// Adds [`ReplaySetsPlugin`] unless the app has it.
pub fn add_replay_sets(app: &mut App) {
    if !app.is_plugin_added::<ReplaySetsPlugin>() {
        app.add_plugins(ReplaySetsPlugin);
    }
}
