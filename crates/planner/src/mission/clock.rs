//! Clock times of the mission day: seconds since midnight, written `"HH:MM[:SS]"`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Latest clock time a mission may name (two days, for overnight missions), s.
pub const MAX_CLOCK_S: f64 = 48.0 * 3600.0;

/// A time of the mission day, stored as seconds since midnight and written in files as
/// `"HH:MM"` or `"HH:MM:SS"` (a plain number of seconds is accepted too).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct ClockTime(pub f64);

impl ClockTime {
    /// Seconds since midnight.
    pub fn seconds(self) -> f64 {
        self.0
    }

    /// Parses `"HH:MM"` or `"HH:MM:SS"` (hours may exceed 23 for overnight missions).
    pub fn parse(text: &str) -> Result<ClockTime, String> {
        let parts: Vec<&str> = text.trim().split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(format!("expected a time \"HH:MM\" or \"HH:MM:SS\", got {text:?}"));
        }
        let mut secs = 0.0;
        for (i, p) in parts.iter().enumerate() {
            let v: f64 = p
                .parse()
                .map_err(|_| format!("expected a time \"HH:MM\" or \"HH:MM:SS\", got {text:?}"))?;
            if !v.is_finite() || v < 0.0 || (i > 0 && v >= 60.0) {
                return Err(format!("time {text:?} has a field out of range"));
            }
            secs += v * [3600.0, 60.0, 1.0][i];
        }
        if secs > MAX_CLOCK_S {
            return Err(format!(
                "time {text:?} is past 48:00, the latest time a mission day may use"
            ));
        }
        Ok(ClockTime(secs))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.max(0.0);
        let h = (total / 3600.0).floor();
        let m = ((total - h * 3600.0) / 60.0).floor();
        let s = total - h * 3600.0 - m * 60.0;
        if s.fract().abs() < 1e-9 {
            write!(f, "{:02}:{:02}:{:02}", h as u64, m as u64, s as u64)
        } else {
            write!(f, "{:02}:{:02}:{:06.3}", h as u64, m as u64, s)
        }
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ClockTime;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a time \"HH:MM[:SS]\" or seconds since midnight")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ClockTime, E> {
                ClockTime::parse(v).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ClockTime, E> {
                if v.is_finite() && v >= 0.0 {
                    Ok(ClockTime(v))
                } else {
                    Err(E::custom(format!("time must be >= 0 seconds, got {v}")))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ClockTime, E> {
                Ok(ClockTime(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ClockTime, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}
