//! Calendar arithmetic for zone schedules: civil dates, ISO 8601 date-times and clock
//! times with a UTC designator, weekdays, and their mapping onto the mission clock.
//!
//! The mission clock counts seconds from local midnight of the mission's date; local time
//! is UTC plus the mission's `utc_offset_h`. An instant `u` (seconds since 1970-01-01T00:00Z)
//! is at mission time `u + offset - days(date) * 86400`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;

/// A calendar date of the proleptic Gregorian calendar, written `"YYYY-MM-DD"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, 1..=31.
    pub day: u32,
}

/// Days of the week, Monday first (ISO 8601 order).
pub const WEEKDAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

impl CivilDate {
    /// Parses `"YYYY-MM-DD"`, checking the day exists in that month.
    pub fn parse(text: &str) -> Result<CivilDate, String> {
        let bad = || format!("expected a date \"YYYY-MM-DD\", got {text:?}");
        let parts: Vec<&str> = text.trim().split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return Err(bad());
        }
        let year: i32 = parts[0].parse().map_err(|_| bad())?;
        let month: u32 = parts[1].parse().map_err(|_| bad())?;
        let day: u32 = parts[2].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(format!("date {text:?} does not exist"));
        }
        Ok(CivilDate { year, month, day })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Day of the week, 0 = Monday ... 6 = Sunday.
    pub fn weekday(self) -> usize {
        // 1970-01-01 was a Thursday (3).
        (self.days_since_epoch() + 3).rem_euclid(7) as usize
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if leap => 29,
        _ => 28,
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for CivilDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for CivilDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CivilDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde helpers for an optional date written as a bare `"YYYY-MM-DD"` (RON's
/// `Some("...")` and `None` are read too): `#[serde(with = "opt_date")]`.
pub mod opt_date {
    use super::CivilDate;
    use serde::{Deserializer, Serializer};

    /// Writes the date as a bare string (callers skip `None`).
    pub fn serialize<S: Serializer>(d: &Option<CivilDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Reads `"YYYY-MM-DD"`, `Some("YYYY-MM-DD")` or `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CivilDate>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Option<CivilDate>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date \"YYYY-MM-DD\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                CivilDate::parse(v).map(Some).map_err(E::custom)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_any(V)
    }
}

/// A clock time of day with an optional UTC offset: `"HH:MM[:SS[.fff]]"` followed by
/// nothing (local time of whoever reads it), `Z` (UTC) or `+hh:mm` / `-hh:mm`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZonedTime {
    /// Seconds since midnight in the stated time zone.
    pub seconds: f64,
    /// Offset of that time zone from UTC, s; `None` when the text had no designator.
    pub utc_offset_s: Option<f64>,
}

/// Parses a clock time with an optional designator (see [`ZonedTime`]).
pub fn parse_zoned_time(text: &str) -> Result<ZonedTime, String> {
    let t = text.trim();
    let (clock, offset) = split_designator(t)?;
    let parts: Vec<&str> = clock.split(':').collect();
    let bad = || format!("expected a time \"HH:MM[:SS][Z|+hh:mm]\", got {text:?}");
    if parts.len() < 2 || parts.len() > 3 {
        return Err(bad());
    }
    let mut seconds = 0.0;
    for (i, p) in parts.iter().enumerate() {
        let v: f64 = p.parse().map_err(|_| bad())?;
        let limit = [24.0, 60.0, 61.0][i];
        if !v.is_finite() || v < 0.0 || v >= limit || (i < 2 && v.fract() != 0.0) {
            return Err(format!("time {text:?} has a field out of range"));
        }
        seconds += v * [3600.0, 60.0, 1.0][i];
    }
    Ok(ZonedTime { seconds, utc_offset_s: offset })
}

/// Splits a trailing `Z` or `±hh:mm` / `±hhmm` designator off a clock time.
fn split_designator(t: &str) -> Result<(&str, Option<f64>), String> {
    if let Some(clock) = t.strip_suffix('Z').or_else(|| t.strip_suffix('z')) {
        return Ok((clock, Some(0.0)));
    }
    if let Some(pos) = t.rfind(['+', '-']) {
        let (clock, off) = t.split_at(pos);
        let sign = if off.starts_with('-') { -1.0 } else { 1.0 };
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("bad UTC offset {off:?} in {t:?}"));
        }
        let h: f64 = digits[..2].parse().map_err(|_| format!("bad UTC offset in {t:?}"))?;
        let m: f64 = digits[2..].parse().map_err(|_| format!("bad UTC offset in {t:?}"))?;
        if h > 14.0 || m >= 60.0 {
            return Err(format!("UTC offset {off:?} out of range in {t:?}"));
        }
        return Ok((clock, Some(sign * (h * 3600.0 + m * 60.0))));
    }
    Ok((t, None))
}

/// Parses an ISO 8601 date-time `"YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±hh:mm]"` (a bare date
/// means its midnight) into seconds since 1970-01-01T00:00Z. A time without designator
/// is read in the time zone `default_offset_s` (seconds east of UTC).
pub fn parse_date_time(text: &str, default_offset_s: f64) -> Result<f64, String> {
    let t = text.trim();
    let (date, time) = match t.split_once(['T', 't', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let date = CivilDate::parse(date)
        .map_err(|_| format!("expected a date-time \"YYYY-MM-DDTHH:MM:SSZ\", got {text:?}"))?;
    let (seconds, offset) = match time {
        Some(tm) => {
            let z = parse_zoned_time(tm)?;
            (z.seconds, z.utc_offset_s.unwrap_or(default_offset_s))
        }
        None => (0.0, default_offset_s),
    };
    Ok(date.days_since_epoch() as f64 * DAY_S + seconds - offset)
}

/// Where the mission day sits in absolute time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MissionClock {
    /// The mission's date, if known.
    pub date: Option<CivilDate>,
    /// Offset of the mission clock from UTC, s.
    pub utc_offset_s: f64,
}

impl MissionClock {
    /// Mission time (s since local midnight of the date) of an instant given in seconds
    /// since the Unix epoch. `None` without a date.
    pub fn mission_time_of(&self, unix_s: f64) -> Option<f64> {
        let d = self.date?;
        Some(unix_s + self.utc_offset_s - d.days_since_epoch() as f64 * DAY_S)
    }

    /// The windows, in mission time, during which a daily period is active: the period
    /// runs from `start` to `end` (each with its own time zone, or the mission's when
    /// undesignated; an end not after the start runs past midnight) on the listed
    /// weekdays (`None`: every day).
    ///
    /// With a date, the period is placed on the day before, the day of and the day after
    /// the mission date, wherever that day's weekday is listed, so that a period in UTC
    /// crossing local midnight lands right. Without a date the weekday is unknown: every
    /// listed weekday counts as the mission day, so a zone that is active on some day of
    /// its schedule is avoided at those times (the safe reading).
    pub fn daily_windows(
        &self,
        days: Option<&[usize]>,
        start: ZonedTime,
        end: ZonedTime,
    ) -> Vec<(f64, f64)> {
        let shift = |z: ZonedTime| self.utc_offset_s - z.utc_offset_s.unwrap_or(self.utc_offset_s);
        let from = start.seconds + shift(start);
        let mut to = end.seconds + shift(end);
        if to <= from {
            to += DAY_S;
        }
        let mut out = Vec::new();
        match self.date {
            Some(date) => {
                for k in -1i64..=1 {
                    let weekday = (date.weekday() as i64 + k).rem_euclid(7) as usize;
                    if days.is_none_or(|d| d.contains(&weekday)) {
                        let base = k as f64 * DAY_S;
                        out.push((base + from, base + to));
                    }
                }
            }
            None => {
                if days.is_none_or(|d| !d.is_empty()) {
                    out.push((from, to));
                }
            }
        }
        out
    }
}

/// Parses a weekday name: `MON` ... `SUN` (any case, full English names accepted).
pub fn parse_weekday(text: &str) -> Option<usize> {
    let t = text.trim().to_ascii_uppercase();
    let short = t.get(..3)?;
    WEEKDAYS.iter().position(|d| *d == short).filter(|&i| {
        let full = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
        t.len() == 3 || t == full[i]
    })
}

/// Sorts windows and merges those that overlap or touch.
pub fn merge_windows(mut w: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    w.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(w.len());
    for (a, b) in w {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_of_known_dates() {
        // 2026-12-02 is a Wednesday, 2000-02-29 a Tuesday, 1970-01-01 a Thursday.
        assert_eq!(CivilDate::parse("2026-12-02").unwrap().weekday(), 2);
        assert_eq!(CivilDate::parse("2000-02-29").unwrap().weekday(), 1);
        assert_eq!(CivilDate::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert!(CivilDate::parse("2023-02-29").is_err());
        assert!(CivilDate::parse("2023-2-28").is_err());
    }

    #[test]
    fn date_times_and_designators() {
        assert_eq!(parse_date_time("1970-01-02T00:00:00Z", 0.0).unwrap(), DAY_S);
        assert_eq!(parse_date_time("1970-01-01T02:00:00+02:00", 0.0).unwrap(), 0.0);
        assert_eq!(parse_date_time("2022-06-15T09:00:00.00Z", 0.0).unwrap(), 1_655_283_600.0);
        assert_eq!(parse_date_time("1970-01-01", 3600.0).unwrap(), -3600.0);
        let t = parse_zoned_time("17:00:00.00Z").unwrap();
        assert_eq!((t.seconds, t.utc_offset_s), (17.0 * 3600.0, Some(0.0)));
        assert_eq!(parse_zoned_time("08:30").unwrap().utc_offset_s, None);
        assert!(parse_zoned_time("25:00").is_err());
    }

    #[test]
    fn a_utc_evening_period_moves_to_the_mission_clock() {
        // Saturday 2022-06-18, mission clock UTC+2: SAT/SUN 17:00Z-23:59:59Z is 19:00 to
        // 01:59:59 local, so on Saturday the zone is active from 19:00 on, and the
        // Friday period does not exist (Friday is not listed).
        let clock = MissionClock {
            date: Some(CivilDate::parse("2022-06-18").unwrap()),
            utc_offset_s: 7200.0,
        };
        let start = parse_zoned_time("17:00:00Z").unwrap();
        let end = parse_zoned_time("23:59:59Z").unwrap();
        let w = clock.daily_windows(Some(&[5, 6]), start, end);
        assert_eq!(
            w,
            vec![(19.0 * 3600.0, 25.0 * 3600.0 + 3599.0), (43.0 * 3600.0, 49.0 * 3600.0 + 3599.0)]
        );
        // On a Monday only Sunday's period reaches into the small hours.
        let monday = MissionClock { date: Some(CivilDate::parse("2022-06-20").unwrap()), ..clock };
        assert_eq!(
            monday.daily_windows(Some(&[5, 6]), start, end),
            vec![(-5.0 * 3600.0, 3599.0 + 3600.0)]
        );
    }

    #[test]
    fn merging() {
        assert_eq!(
            merge_windows(vec![(5.0, 6.0), (0.0, 2.0), (1.0, 3.0)]),
            vec![(0.0, 3.0), (5.0, 6.0)]
        );
    }
}
