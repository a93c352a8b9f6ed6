//! A live day under faults: the mission's orders are placed one by one, in time order,
//! with the live [`Dispatcher`](crate::dispatch::Dispatcher), while faults drawn from a
//! seed ([`events`]) hit the fleet: grounded drones, cancelled orders, pads out of
//! service, wind above a drone type's limit, van breakdowns, drones failing in the air
//! and no-fly zones activated at short notice. Vans leave in hourly waves
//! (see [`crate::dispatch::vans`]); each wave is routed when it leaves, from the van
//! orders waiting then.
//!
//! Entry points: [`simulate`] (faults drawn from a seed) and [`simulate_faults`] (given
//! faults). The result is the day's [`Plan`] (written by the usual plan writers and
//! checked by the independent verifier), each order's history and final outcome, an
//! events log and a summary per fault kind.
//!
//! **Rules.** A fault known at time `t` changes nothing that happened before `t`:
//! - a *grounded drone*, *pad out of service* (its drones) or *wind over a type's limit*
//!   (every drone of the type) holds drones on the ground: no flight of theirs takes off
//!   in the interval; their bookings that would take off in it and have not yet taken
//!   off are released and their orders dispatched again (another drone, a van, or
//!   rejected with the reason). A pad's drones are held from the notice, so none of
//!   them lands on it while it is out.
//! - a *cancelled order* before take-off (or before its van wave leaves) frees its drone,
//!   its reservation or its van place. After take-off it is delivered: the parcel is
//!   already in the air, and turning back would fly a return that holds no airspace
//!   reservation through the other flights; a departed van delivers it too (the parcel
//!   is on board). The log says which rule applied.
//! - a *van breakdown* stops the van after one of its stops; it is towed back to its
//!   depot along the roads (the tow drives at the roads' speeds), is out of service for
//!   the rest of the day, and its undelivered orders wait for the next wave.
//!
//! - a *drone failure in the air* diverts one airborne flight (see
//!   [`crate::dispatch::DivertMode::Land`]): it comes down at the nearest spot whose
//!   column to the ground is clear, or back on its pad; its way down avoids the flights
//!   in the air and displaces the bookings it meets; the drone is held for the rest of
//!   the day; an undelivered order is dispatched again.
//! - a *zone activated at short notice* ([`events::ZONE_REACTION_S`] after its notice):
//!   the dispatcher moves to a world with the zone at the notice; bookings not in the air
//!   that would enter it are released and dispatched again; flights in the air whose way
//!   ahead enters it go back to their pad with the parcel (or come down at a clear spot);
//!   the day's plan carries the zone in its mission, so the verifier checks it.
//!
//! **Invariants** ([`invariants`]), checked after every event and at the end: every
//! placed order is in exactly one state, which agrees with the dispatcher's flights and
//! the van routes (nothing lost, nothing delivered twice); no fault's rule is broken by a
//! flight; at the end every order has a final outcome and the plan passes
//! [`crate::verify::verify`]. A **broken promise** is an order that was promised a
//! delivery (by the express promise if a drone took it, by its window or the end of the
//! van shift if a van did) and is then rejected or delivered later; each is reported with
//! the fault that caused it.

mod driver;
pub mod events;
pub mod invariants;
mod report;
mod waves;

pub use driver::{simulate, simulate_faults, simulate_with};
pub use events::{draw_faults, Fault, FaultKind};
pub use report::{KindSummary, SimReport};

use crate::plan::{Plan, Reasons};

/// Where an order stands.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderState {
    /// Not placed yet.
    Unplaced,
    /// Booked on a drone flight (in the dispatcher's flights).
    Drone,
    /// Waiting for a van wave, ready from `ready_s`.
    VanWaiting {
        /// Earliest wave departure, s since midnight.
        ready_s: f64,
    },
    /// On a van route.
    Van {
        /// Route index in [`SimDay::plan`]'s routes while simulating (final indices in
        /// the plan).
        route: usize,
    },
    /// Cancelled by the customer before it left.
    Cancelled {
        /// When, s.
        at_s: f64,
    },
    /// Not served, and why.
    Rejected {
        /// Reason with numbers.
        reason: Reasons,
    },
}

/// One order's day.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRecord {
    /// Order id.
    pub order_id: String,
    /// Where it stands (at the end: its final outcome).
    pub state: OrderState,
    /// Deadline promised when it was first dispatched, s (none if it was refused).
    pub promised_by_s: Option<f64>,
    /// The fault that last moved it.
    pub cause: Option<FaultKind>,
    /// Times it was dispatched again after a fault.
    pub redispatched: usize,
    /// Whether its promise was broken (set at the end).
    pub broken_promise: bool,
}

/// The outcome of a simulated day.
#[derive(Debug, Clone)]
pub struct SimDay {
    /// The day as flown and driven: every delivered order's flight or van stop; cancelled
    /// orders are `Rejected` with a reason starting with "cancelled:".
    pub plan: Plan,
    /// The faults injected.
    pub faults: Vec<Fault>,
    /// Every order's record, in mission order.
    pub orders: Vec<OrderRecord>,
    /// One line per event, in time order.
    pub log: Vec<String>,
    /// Broken invariants, with the event after which each was found (empty when sound).
    pub invariant_violations: Vec<String>,
    /// Counts per fault kind.
    pub report: SimReport,
}
