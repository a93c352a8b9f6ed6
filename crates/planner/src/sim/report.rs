//! The day's summary: per fault kind, the events, the orders they moved and the promises
//! broken; the orders' final outcomes; lost and duplicated orders; broken invariants.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::events::{Fault, FaultKind};
use super::invariants::lost_and_duplicated;
use super::{OrderRecord, OrderState};
use crate::plan::Plan;

/// One row of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSummary {
    /// The fault kind; `None` for orders no fault moved (their broken promises are the
    /// fault-free day's, or knock-on effects such as fewer vans after a breakdown).
    pub kind: Option<FaultKind>,
    /// Faults of this kind injected.
    pub events: usize,
    /// Orders a fault of this kind changed (released, re-dispatched, cancelled).
    pub orders_affected: usize,
    /// Promises broken, attributed to the last fault that moved the order.
    pub broken_promises: usize,
}

/// Counts of a simulated day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimReport {
    /// One row per fault kind, then the row of orders no fault moved.
    pub kinds: Vec<KindSummary>,
    /// Orders in the mission.
    pub orders: usize,
    /// Delivered by drone.
    pub by_drone: usize,
    /// Delivered by van.
    pub by_van: usize,
    /// Cancelled before they left.
    pub cancelled: usize,
    /// Rejected (with reasons in the plan).
    pub rejected: usize,
    /// Orders with no final outcome or not carried as their state says.
    pub lost: usize,
    /// Orders carried more than once.
    pub duplicated: usize,
    /// Verifier violations of the final plan.
    pub verifier_violations: usize,
    /// Broken invariants of any kind (including the verifier's).
    pub invariant_violations: usize,
}

/// The summary of a finished day.
pub(super) fn report(
    faults: &[Fault],
    orders: &[OrderRecord],
    affected: &BTreeMap<FaultKind, BTreeSet<usize>>,
    plan: &Plan,
    violations: &[String],
) -> SimReport {
    let mut kinds: Vec<KindSummary> = FaultKind::ALL
        .iter()
        .map(|&k| KindSummary {
            kind: Some(k),
            events: faults.iter().filter(|f| f.kind() == k).count(),
            orders_affected: affected.get(&k).map_or(0, |s| s.len()),
            broken_promises: orders
                .iter()
                .filter(|o| o.broken_promise && o.cause == Some(k))
                .count(),
        })
        .collect();
    kinds.push(KindSummary {
        kind: None,
        events: 0,
        orders_affected: 0,
        broken_promises: orders.iter().filter(|o| o.broken_promise && o.cause.is_none()).count(),
    });
    let count = |f: fn(&OrderState) -> bool| orders.iter().filter(|o| f(&o.state)).count();
    let (lost, duplicated) = lost_and_duplicated(orders, plan);
    SimReport {
        kinds,
        orders: orders.len(),
        by_drone: count(|s| matches!(s, OrderState::Drone)),
        by_van: count(|s| matches!(s, OrderState::Van { .. })),
        cancelled: count(|s| matches!(s, OrderState::Cancelled { .. })),
        rejected: count(|s| matches!(s, OrderState::Rejected { .. })),
        lost,
        duplicated,
        verifier_violations: violations.iter().filter(|v| v.starts_with("verifier:")).count(),
        invariant_violations: violations.len(),
    }
}

impl SimReport {
    /// The summary as text: a table per fault kind, then the totals.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<18} {:>6} {:>16} {:>16}",
            "fault", "events", "orders affected", "broken promises"
        );
        for k in &self.kinds {
            let name = k.kind.map_or("(not moved)", |k| k.name());
            let _ = writeln!(
                s,
                "{name:<18} {:>6} {:>16} {:>16}",
                k.events, k.orders_affected, k.broken_promises
            );
        }
        let _ = writeln!(
            s,
            "orders {}: drone {}, van {}, cancelled {}, rejected {}",
            self.orders, self.by_drone, self.by_van, self.cancelled, self.rejected
        );
        let _ = writeln!(
            s,
            "lost {}, duplicated {}, verifier violations {}, broken invariants {}",
            self.lost, self.duplicated, self.verifier_violations, self.invariant_violations
        );
        s
    }
}
