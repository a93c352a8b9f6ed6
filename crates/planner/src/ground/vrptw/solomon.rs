//! Reader for Solomon's VRPTW text format.
//!
//! Layout: a name line, a `VEHICLE` block with `NUMBER CAPACITY` and one row of two
//! integers, a `CUSTOMER` block with a header line and one row per node
//! (`id x y demand ready due service`), node 0 being the depot. Blank lines, CRLF
//! endings and trailing spaces are accepted. Distances are Euclidean in full double
//! precision and travel time equals distance, the convention of the best-known
//! distance-objective results.

use std::fmt;
use std::path::Path;

use super::problem::{Matrix, Node, VrptwProblem};
use crate::energy::spec::shown;

/// Largest coordinate magnitude accepted, in the file's distance unit. Solomon and
/// Gehring-Homberger instances stay below 1,000; the bound keeps distances, sums of
/// distances and their differences exact enough for the search's comparisons.
pub const MAX_COORD: f64 = 1e6;
/// Largest time (ready, due, service) accepted, in the file's time unit.
pub const MAX_TIME: f64 = 1e7;
/// Largest demand or vehicle capacity accepted.
pub const MAX_QUANTITY: f64 = 1e7;
/// Most nodes (depot included): the two dense matrices of 2,001^2 doubles take 64 MB.
pub const MAX_NODES: usize = 2001;
/// Most vehicles.
pub const MAX_VEHICLES: f64 = 10_000.0;

/// A parsed Solomon instance.
#[derive(Debug, Clone)]
pub struct SolomonInstance {
    /// Instance name (first line of the file).
    pub name: String,
    /// Node coordinates, depot first.
    pub coords: Vec<(f64, f64)>,
    /// The routing problem: Euclidean distance = travel time, capacity in dimension 0.
    pub problem: VrptwProblem,
}

/// A Solomon file that could not be read, with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct SolomonError {
    /// File name as given by the caller.
    pub file: String,
    /// 1-based line number, or 0 when the error concerns the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SolomonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for SolomonError {}

impl SolomonInstance {
    /// Reads and parses a Solomon file.
    pub fn load(path: &Path) -> Result<Self, SolomonError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SolomonError {
            file: file.clone(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &file)
    }

    /// Parses Solomon text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, SolomonError> {
        let err = |line: usize, message: String| SolomonError { file: file.into(), line, message };
        // (1-based line number, trimmed content) of non-blank lines.
        let mut lines =
            text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty());
        let last_line = text.lines().count();
        let mut next = |what: &str| {
            lines.next().ok_or_else(|| err(last_line, format!("file ends before {what}")))
        };
        let (_, name) = next("the instance name")?;
        let name = name.to_string();
        let (ln, l) = next("the VEHICLE section")?;
        if !l.eq_ignore_ascii_case("VEHICLE") {
            return Err(err(ln, format!("expected `VEHICLE`, found `{l}`")));
        }
        let (ln, l) = next("the vehicle header")?;
        if !l.to_ascii_uppercase().starts_with("NUMBER") {
            return Err(err(ln, format!("expected `NUMBER CAPACITY`, found `{l}`")));
        }
        let (ln, l) = next("the vehicle number and capacity")?;
        let fleet = numbers(l).map_err(|m| err(ln, m))?;
        let [vehicles, capacity] = fleet[..] else {
            return Err(err(
                ln,
                format!("expected 2 numbers (vehicles, capacity), found {}", fleet.len()),
            ));
        };
        if !(1.0..=MAX_VEHICLES).contains(&vehicles) || vehicles.fract() != 0.0 {
            return Err(err(
                ln,
                format!("NUMBER: must be an integer within 1..={MAX_VEHICLES}, got {vehicles}"),
            ));
        }
        check_range(capacity, 0.0, MAX_QUANTITY, "CAPACITY").map_err(|m| err(ln, m))?;
        let (ln, l) = next("the CUSTOMER section")?;
        if !l.eq_ignore_ascii_case("CUSTOMER") {
            return Err(err(ln, format!("expected `CUSTOMER`, found `{l}`")));
        }
        let (ln, l) = next("the customer header")?;
        if !l.to_ascii_uppercase().starts_with("CUST") {
            return Err(err(ln, format!("expected the customer column header, found `{l}`")));
        }
        let mut coords = Vec::new();
        let mut nodes = Vec::new();
        for (ln, l) in lines {
            let row = numbers(l).map_err(|m| err(ln, m))?;
            let [id, x, y, demand, ready, due, service] = row[..] else {
                return Err(err(ln, format!("expected 7 numbers, found {}", row.len())));
            };
            if id != nodes.len() as f64 {
                return Err(err(ln, format!("expected node id {}, found {id}", nodes.len())));
            }
            if nodes.len() == MAX_NODES {
                return Err(err(ln, format!("more than {MAX_NODES} nodes (depot included)")));
            }
            let fields = [
                (x, -MAX_COORD, MAX_COORD, "XCOORD"),
                (y, -MAX_COORD, MAX_COORD, "YCOORD"),
                (demand, 0.0, MAX_QUANTITY, "DEMAND"),
                (ready, 0.0, MAX_TIME, "READY TIME"),
                (due, 0.0, MAX_TIME, "DUE DATE"),
                (service, 0.0, MAX_TIME, "SERVICE TIME"),
            ];
            for (v, lo, hi, column) in fields {
                check_range(v, lo, hi, column).map_err(|m| err(ln, format!("node {id}: {m}")))?;
            }
            if demand < 0.0 || ready < 0.0 || service < 0.0 || ready > due {
                return Err(err(
                    ln,
                    format!(
                        "node {id}: demand {demand}, window [{ready}, {due}], service {service} \
                     must be non-negative with ready <= due"
                    ),
                ));
            }
            coords.push((x, y));
            nodes.push(Node { demand: [demand, 0.0], ready, due, service });
        }
        if nodes.len() < 2 {
            return Err(err(last_line, "no customers after the depot row".into()));
        }
        let euclid = |i: usize, j: usize| {
            let (a, b) = (coords[i], coords[j]);
            (a.0 - b.0).hypot(a.1 - b.1)
        };
        let distance = Matrix::from_fn(nodes.len(), euclid);
        let problem = VrptwProblem::new(
            nodes,
            distance.clone(),
            distance,
            vehicles as usize,
            [capacity, 0.0],
        )
        .map_err(|e| err(0, e.to_string()))?;
        Ok(SolomonInstance { name, coords, problem })
    }
}

/// `v` within `lo..=hi`, else a message naming the column and the range.
fn check_range(v: f64, lo: f64, hi: f64, column: &str) -> Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        let [lo, hi, v] = [lo, hi, v].map(shown);
        Err(format!("{column}: must be within {lo}..={hi}, got {v}"))
    }
}

/// Whitespace-separated finite numbers.
fn numbers(line: &str) -> Result<Vec<f64>, String> {
    line.split_whitespace()
        .map(|t| match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("`{t}` is not a number")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "TINY\r\n\r\nVEHICLE\r\nNUMBER     CAPACITY\r\n  2         10   \r\n\r\n\
        CUSTOMER\r\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\r\n \r\n\
            0      0         0          0          0       100          0   \r\n\
            1      3         4          5          0        50         10   \r\n\
            2      0         1          5         20        60          5   \r\n";

    #[test]
    fn parses_crlf_and_trailing_spaces() {
        let inst = SolomonInstance::parse(SMALL, "tiny.txt").unwrap();
        assert_eq!(inst.name, "TINY");
        let p = &inst.problem;
        assert_eq!(p.customers(), 2);
        assert_eq!(p.vehicles(), 2);
        assert_eq!(p.fleet()[0].capacity, [10.0, 0.0]);
        assert_eq!((p.fleet()[0].shift_start, p.fleet()[0].shift_end), (0.0, 100.0));
        assert_eq!(p.nodes()[2].ready, 20.0);
        assert_eq!(p.distance().get(0, 1), 5.0);
        assert_eq!(p.travel_time().get(1, 0), 5.0);
    }

    #[test]
    fn errors_name_file_and_line() {
        let bad = SMALL.replace("20        60", "20        xx");
        let e = SolomonInstance::parse(&bad, "tiny.txt").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("tiny.txt", 12));
        assert!(e.to_string().starts_with("tiny.txt:12: `xx`"), "{e}");

        let bad = SMALL.replace("2      0         1", "3      0         1");
        let e = SolomonInstance::parse(&bad, "tiny.txt").unwrap_err();
        assert_eq!(e.line, 12);
        assert!(e.message.contains("expected node id 2"), "{e}");

        let short = SMALL.replace("10   \r\n", "\r\n");
        let e = SolomonInstance::parse(&short, "t").unwrap_err();
        assert_eq!(e.line, 5);

        let e = SolomonInstance::parse("X\r\nVEHICLE\r\n", "t").unwrap_err();
        assert!(e.message.contains("file ends"), "{e}");
    }

    #[test]
    fn numbers_outside_their_ranges_are_errors() {
        let cases = [
            (
                "1      3         4",
                "1      1e154     4",
                "XCOORD: must be within -1e6..=1e6, got 1e154",
            ),
            (
                "50         10   ",
                "50         1e308",
                "SERVICE TIME: must be within 0..=1e7, got 1e308",
            ),
            ("20        60", "20        1e8", "DUE DATE: must be within 0..=1e7, got 1e8"),
            ("  2         10   ", "  2         -1", "CAPACITY: must be within 0..=1e7, got -1"),
            ("  2         10   ", "  4294967295 10", "NUMBER: must be an integer within 1..=10000"),
        ];
        for (from, to, message) in cases {
            let bad = SMALL.replacen(from, to, 1);
            assert_ne!(bad, SMALL, "{from:?} not in the sample");
            let e = SolomonInstance::parse(&bad, "t").unwrap_err();
            assert!(e.message.contains(message), "{to:?}: {e}");
        }
    }
}
