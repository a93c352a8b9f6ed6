//! Self-service parcel lockers: the schema ([`Locker`], [`LockerKind`]), orders that
//! name a locker instead of an address (the file form of an [`Order`]), and the
//! resolution of a locker order's position ([`Mission::resolve_lockers`]).
//!
//! A parcel occupies one compartment of its locker from its delivery until it is
//! collected, which is [`Locker::hold_h`] hours later (24 h by default: for the rest of
//! the mission's day). Planner and verifier both count occupancy with this rule.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ClockTime, Mission, Order, Service};

/// Most compartments in one locker.
pub const MAX_COMPARTMENTS: u32 = 10_000;
/// Longest a parcel may wait in a locker, hours (a week).
pub const MAX_HOLD_H: f64 = 168.0;

/// Which vehicles can deliver to a locker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockerKind {
    /// A drone lands on the locker's pad (on its roof or beside it).
    Drone,
    /// A van stops at the locker (on the road nearest to it).
    Van,
    /// Both.
    Both,
}

impl LockerKind {
    /// Whether drones deliver here.
    pub fn admits_drones(self) -> bool {
        matches!(self, LockerKind::Drone | LockerKind::Both)
    }

    /// Whether vans deliver here.
    pub fn admits_vans(self) -> bool {
        matches!(self, LockerKind::Van | LockerKind::Both)
    }
}

/// A bank of self-service parcel compartments at one place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locker {
    /// Unique locker id, named by orders.
    pub id: String,
    /// Latitude of the locker's landing pad / front, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Compartments, each holding one parcel (1..=[`MAX_COMPARTMENTS`]).
    pub compartments: u32,
    /// Which vehicles deliver here.
    pub kind: LockerKind,
    /// How long a parcel occupies its compartment after delivery, hours (until the
    /// customer collects it): 0 < x <= [`MAX_HOLD_H`], default 24 (the rest of the day).
    #[serde(default = "default_hold_h")]
    pub hold_h: f64,
}

fn default_hold_h() -> f64 {
    24.0
}

impl Locker {
    /// How long a parcel occupies a compartment, s.
    pub fn hold_s(&self) -> f64 {
        self.hold_h * 3600.0
    }
}

impl Mission {
    /// The locker named `id`, if the mission has one.
    pub fn locker(&self, id: &str) -> Option<&Locker> {
        self.lockers.iter().find(|l| l.id == id)
    }

    /// The locker `order` is delivered to, if it names one the mission has.
    pub fn locker_of(&self, order: &Order) -> Option<&Locker> {
        order.locker.as_deref().and_then(|id| self.locker(id))
    }

    /// Gives every locker order its locker's position. An order naming an unknown locker
    /// keeps NaN coordinates (validation reports it). Called whenever a mission is read
    /// (a mission file, a plan's embedded mission); call it again after editing lockers
    /// or orders in code.
    pub fn resolve_lockers(&mut self) {
        let Mission { lockers, orders, .. } = self;
        for o in orders.iter_mut() {
            let Some(id) = &o.locker else { continue };
            let at = lockers.iter().find(|l| &l.id == id);
            (o.lat_deg, o.lon_deg) = at.map_or((f64::NAN, f64::NAN), |l| (l.lat_deg, l.lon_deg));
        }
    }
}

/// An order as written in a file: coordinates or a locker.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OrderFile {
    id: String,
    placed_at: ClockTime,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bare_f64",
        serialize_with = "plain_f64"
    )]
    lat_deg: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bare_f64",
        serialize_with = "plain_f64"
    )]
    lon_deg: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bare_string",
        serialize_with = "plain_string"
    )]
    locker: Option<String>,
    payload_kg: f64,
    #[serde(default = "super::default_volume_l")]
    volume_l: f64,
    #[serde(default = "super::default_promise_min")]
    promise_min: f64,
    #[serde(default)]
    service: Service,
}

/// An optional number written bare (`lat_deg: 43.7`), as the rest of the file writes
/// numbers, not `Some(43.7)`.
fn bare_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    f64::deserialize(d).map(Some)
}

fn plain_f64<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(v.unwrap_or(f64::NAN))
}

/// An optional string written bare (`locker: "port"`).
fn bare_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

fn plain_string<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_deref().unwrap_or_default())
}

impl TryFrom<OrderFile> for Order {
    type Error = String;

    fn try_from(f: OrderFile) -> Result<Order, String> {
        let (lat_deg, lon_deg) = match (f.lat_deg, f.lon_deg, &f.locker) {
            (Some(lat), Some(lon), None) => (lat, lon),
            (None, None, Some(_)) => (f64::NAN, f64::NAN),
            (None, None, None) => {
                return Err(format!(
                    "order {:?} needs a destination: lat_deg and lon_deg, or locker",
                    f.id
                ))
            }
            (_, _, Some(l)) => {
                return Err(format!(
                    "order {:?} names locker {l:?} and coordinates: give exactly one of the two",
                    f.id
                ))
            }
            _ => {
                return Err(format!("order {:?} needs both lat_deg and lon_deg, or a locker", f.id))
            }
        };
        Ok(Order {
            id: f.id,
            placed_at: f.placed_at,
            lat_deg,
            lon_deg,
            locker: f.locker,
            payload_kg: f.payload_kg,
            volume_l: f.volume_l,
            promise_min: f.promise_min,
            service: f.service,
        })
    }
}

impl From<Order> for OrderFile {
    fn from(o: Order) -> OrderFile {
        // A locker order's position is its locker's: written once, with the locker.
        let at = |v: f64| o.locker.is_none().then_some(v);
        OrderFile {
            lat_deg: at(o.lat_deg),
            lon_deg: at(o.lon_deg),
            id: o.id,
            placed_at: o.placed_at,
            locker: o.locker,
            payload_kg: o.payload_kg,
            volume_l: o.volume_l,
            promise_min: o.promise_min,
            service: o.service,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mission(orders: &str) -> String {
        format!(
            r#"Mission(
    name: "l",
    origin: (lat_deg: 43.73, lon_deg: 7.42),
    map: "m.osm.pbf",
    depots: [(id: "nest", lat_deg: 43.73, lon_deg: 7.42, kind: Drone)],
    lockers: [(id: "port", lat_deg: 43.735, lon_deg: 7.425, compartments: 2, kind: Both)],
    fleet: (drones: [(model: Preset("dji-m100"), depot: "nest", count: 1)]),
    orders: [{orders}],
)"#
        )
    }

    #[test]
    fn a_locker_order_takes_the_lockers_position_and_round_trips() {
        let text = mission(r#"(id: "a", placed_at: "09:00", locker: "port", payload_kg: 0.5)"#);
        let m = Mission::from_ron_str(&text, "l.ron").unwrap();
        let o = &m.orders[0];
        assert_eq!((o.lat_deg, o.lon_deg), (43.735, 7.425));
        assert_eq!(o.locker.as_deref(), Some("port"));
        assert_eq!(m.lockers[0].hold_h, 24.0);
        let written = ron::ser::to_string(&m).unwrap();
        assert!(!written.contains("lat_deg:43.735,lon_deg:7.425,locker"), "{written}");
        assert_eq!(Mission::from_ron_str(&written, "again.ron").unwrap(), m);
    }

    #[test]
    fn an_order_gives_exactly_one_destination() {
        for (order, says) in [
            (
                r#"(id: "a", placed_at: "09:00", locker: "port", lat_deg: 43.7, lon_deg: 7.4, payload_kg: 0.5)"#,
                "give exactly one of the two",
            ),
            (r#"(id: "a", placed_at: "09:00", payload_kg: 0.5)"#, "needs a destination"),
            (r#"(id: "a", placed_at: "09:00", lat_deg: 43.7, payload_kg: 0.5)"#, "both lat_deg"),
        ] {
            let e = Mission::from_ron_str(&mission(order), "l.ron").unwrap_err();
            let p = &e.problems()[0];
            assert_eq!(p.field, "orders[0]", "{e}");
            assert!(p.message.contains(says), "{e}");
            assert_eq!(p.line, 8, "{e}");
        }
    }
}
