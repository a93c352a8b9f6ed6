//! Why an order did not go by drone, or did not go at all.
//!
//! Entry points: [`Reason`] (one kind and its numbers), [`Reasons`] (what an outcome
//! records: the reasons in priority order, written as one line of text), and
//! [`ReasonKind`] (the kinds, in priority order, each with its label).
//!
//! In files a reason is its label, a colon and the detail (`late: earliest drone
//! delivery 10:41:07 is after the promise 10:30:00`); several are joined with `"; "`.
//! Reading one back recognises the labels, so a file with an unknown kind is refused.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kinds of reason, in priority order: when an order has several, the first is the
/// one that counts in the summary (`rejected_by_reason`). The order puts first what
/// was nearest to flying: a drone that could fly but found the airspace full says more
/// than a drone that would be late, which says more than no path or too heavy a parcel.
/// The labels sort alphabetically in the same order, which keeps the reason text of
/// plans written before the kinds were typed unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReasonKind {
    /// Every drone that could fly would meet the fleet's other flights before the promise.
    Airspace,
    /// Cancelled by the customer (simulation).
    Cancelled,
    /// Turning back with the package from some point of the way out needs more energy
    /// than may be spent.
    Contingency,
    /// The flight needs more energy than may be spent, or the battery model refuses it.
    Energy,
    /// A drone could fly it, but would put it down after the promise.
    Late,
    /// The order's locker takes no delivery by this vehicle, or has no free compartment
    /// when the parcel would arrive.
    Locker,
    /// Lost by the simulation's bookkeeping (an invariant names it).
    Lost,
    /// The fleet has no drones.
    NoDrones,
    /// No collision-free path to a drop point.
    NoPath,
    /// The address is too far from any drivable road.
    NoRoad,
    /// The fleet has no van that can reach the road network.
    NoVans,
    /// Neither a drone nor a van could serve it.
    NoVehicle,
    /// A nest's pads do not fit, or have no clear way up.
    Pads,
    /// The service asked for (same-day, windowed) goes by van.
    Service,
    /// No van can take the parcel, or no van depot reaches the address.
    TooBigForVan,
    /// The parcel is heavier than the drone types can carry.
    TooHeavy,
    /// No van wave could deliver it in its window or before the shift ends.
    Van,
    /// The wind is too strong to fly the route.
    Wind,
}

impl ReasonKind {
    /// Every kind, in priority order.
    pub const ALL: [ReasonKind; 18] = [
        ReasonKind::Airspace,
        ReasonKind::Cancelled,
        ReasonKind::Contingency,
        ReasonKind::Energy,
        ReasonKind::Late,
        ReasonKind::Locker,
        ReasonKind::Lost,
        ReasonKind::NoDrones,
        ReasonKind::NoPath,
        ReasonKind::NoRoad,
        ReasonKind::NoVans,
        ReasonKind::NoVehicle,
        ReasonKind::Pads,
        ReasonKind::Service,
        ReasonKind::TooBigForVan,
        ReasonKind::TooHeavy,
        ReasonKind::Van,
        ReasonKind::Wind,
    ];

    /// The kind's label in files and summaries.
    pub fn label(self) -> &'static str {
        match self {
            ReasonKind::Airspace => "airspace",
            ReasonKind::Cancelled => "cancelled",
            ReasonKind::Contingency => "contingency",
            ReasonKind::Energy => "energy",
            ReasonKind::Late => "late",
            ReasonKind::Locker => "locker",
            ReasonKind::Lost => "lost",
            ReasonKind::NoDrones => "no drones",
            ReasonKind::NoPath => "no path",
            ReasonKind::NoRoad => "no road",
            ReasonKind::NoVans => "no vans",
            ReasonKind::NoVehicle => "no vehicle",
            ReasonKind::Pads => "pads",
            ReasonKind::Service => "service",
            ReasonKind::TooBigForVan => "too big for a van",
            ReasonKind::TooHeavy => "too heavy",
            ReasonKind::Van => "van",
            ReasonKind::Wind => "wind",
        }
    }

    /// The kind whose label `text` starts with, followed by a colon.
    fn prefix_of(text: &str) -> Option<(ReasonKind, &str)> {
        ReasonKind::ALL.into_iter().find_map(|k| {
            let rest = text.strip_prefix(k.label())?.strip_prefix(':')?;
            Some((k, rest.strip_prefix(' ').unwrap_or(rest)))
        })
    }
}

impl fmt::Display for ReasonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One reason: its kind and the numbers that decided it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reason {
    /// What kind of reason.
    pub kind: ReasonKind,
    /// The detail, with the numbers ("payload 3.20 kg exceeds the ... limit of 2.50 kg").
    pub detail: String,
}

impl Reason {
    /// A reason of `kind` with `detail`.
    pub fn new(kind: ReasonKind, detail: impl Into<String>) -> Reason {
        Reason { kind, detail: detail.into() }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

/// The reasons an outcome records, first the one that counts. Empty only for van
/// outcomes of plans written before reasons were recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Reasons(Vec<Reason>);

impl Reasons {
    /// No reason.
    pub fn none() -> Reasons {
        Reasons(Vec::new())
    }

    /// `reasons` in priority order (kind, then detail), each once.
    pub fn ranked(mut reasons: Vec<Reason>) -> Reasons {
        reasons.sort();
        reasons.dedup();
        Reasons(reasons)
    }

    /// One reason.
    pub fn one(kind: ReasonKind, detail: impl Into<String>) -> Reasons {
        Reasons(vec![Reason::new(kind, detail)])
    }

    /// These reasons followed by `later` (a later stage's, e.g. the vans' after the
    /// drones'), kept in that order.
    pub fn then(mut self, later: Reasons) -> Reasons {
        self.0.extend(later.0);
        self
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The reason that counts, if any.
    pub fn main(&self) -> Option<&Reason> {
        self.0.first()
    }

    /// The kind of the reason that counts, if any.
    pub fn main_kind(&self) -> Option<ReasonKind> {
        self.main().map(|r| r.kind)
    }

    /// Every reason, first the one that counts.
    pub fn iter(&self) -> impl Iterator<Item = &Reason> {
        self.0.iter()
    }

    /// Whether any reason is of `kind`.
    pub fn has(&self, kind: ReasonKind) -> bool {
        self.0.iter().any(|r| r.kind == kind)
    }
}

impl From<Reason> for Reasons {
    fn from(r: Reason) -> Reasons {
        Reasons(vec![r])
    }
}

impl fmt::Display for Reasons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// A reason text that does not start with a known kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reason {text:?} does not start with a known kind (one of: {kinds})")]
pub struct UnknownReason {
    /// The text.
    pub text: String,
    /// The labels allowed.
    pub kinds: String,
}

impl FromStr for Reasons {
    type Err = UnknownReason;

    /// Splits at `"; "` followed by a known label and a colon; any other `"; "` belongs
    /// to the detail before it, so details may contain one.
    fn from_str(text: &str) -> Result<Reasons, UnknownReason> {
        let mut out: Vec<Reason> = Vec::new();
        if text.is_empty() {
            return Ok(Reasons(out));
        }
        for piece in text.split("; ") {
            match (ReasonKind::prefix_of(piece), out.last_mut()) {
                (Some((kind, detail)), _) => out.push(Reason::new(kind, detail)),
                (None, Some(last)) => {
                    last.detail.push_str("; ");
                    last.detail.push_str(piece);
                }
                (None, None) => {
                    let kinds: Vec<&str> = ReasonKind::ALL.iter().map(|k| k.label()).collect();
                    return Err(UnknownReason { text: text.to_string(), kinds: kinds.join(", ") });
                }
            }
        }
        Ok(Reasons(out))
    }
}

impl Serialize for Reasons {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reasons {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Reasons, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_sort_in_priority_order() {
        let mut labels: Vec<&str> = ReasonKind::ALL.iter().map(|k| k.label()).collect();
        let in_priority = labels.clone();
        labels.sort();
        assert_eq!(labels, in_priority);
        let mut kinds = ReasonKind::ALL;
        kinds.sort();
        assert_eq!(kinds, ReasonKind::ALL);
    }

    #[test]
    fn ranking_puts_the_nearest_to_flying_first() {
        let r = Reasons::ranked(vec![
            Reason::new(ReasonKind::NoPath, "from nest b"),
            Reason::new(ReasonKind::Late, "at 10:41:07"),
            Reason::new(ReasonKind::NoPath, "from nest b"),
        ]);
        assert_eq!(r.main_kind(), Some(ReasonKind::Late));
        assert_eq!(r.to_string(), "late: at 10:41:07; no path: from nest b");
    }

    #[test]
    fn text_round_trips_including_semicolons_inside_a_detail() {
        let r = Reasons::one(ReasonKind::NoPath, "boxed in; try a larger drop radius")
            .then(Reasons::one(ReasonKind::Van, "no wave"));
        let text = r.to_string();
        assert_eq!(text, "no path: boxed in; try a larger drop radius; van: no wave");
        assert_eq!(text.parse::<Reasons>().unwrap(), r);
        assert_eq!("".parse::<Reasons>().unwrap(), Reasons::none());
    }

    #[test]
    fn unknown_kinds_are_refused() {
        let e = "because: I said so".parse::<Reasons>().unwrap_err();
        assert!(e.to_string().contains("too heavy"), "{e}");
        assert!("latent: x".parse::<Reasons>().is_err());
    }
}
