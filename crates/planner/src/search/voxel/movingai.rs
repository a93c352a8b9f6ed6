//! Readers for the Moving AI Lab 3D voxel benchmark files (`.3dmap`, `.3dmap.3dscen`).
//!
//! Map: first line `voxel X Y Z`, then one blocked voxel `x y z` per line. Scenarios:
//! `version 1`, the map file name, then `sx sy sz gx gy gz cost ratio` per line. Every
//! error names the file and the 1-based line.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::grid::{GridError, Voxel, VoxelGrid};

/// Errors reading benchmark files.
#[derive(Debug, Error)]
pub enum MovingAiError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file content is malformed or inconsistent with the map.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// One benchmark query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scenario {
    /// Start voxel.
    pub start: Voxel,
    /// Goal voxel.
    pub goal: Voxel,
    /// Optimal 26-connected, no-corner-cutting path length from the file.
    pub optimal_cost: f64,
    /// 1-based line in the scenario file, for messages.
    pub line: usize,
}

fn read(path: &Path) -> Result<String, MovingAiError> {
    std::fs::read_to_string(path).map_err(|source| MovingAiError::Io { path: path.into(), source })
}

fn parse_err(path: &Path, line: usize, message: impl Into<String>) -> MovingAiError {
    MovingAiError::Parse { path: path.into(), line, message: message.into() }
}

fn parse_voxel(
    fields: &[&str],
    path: &Path,
    line: usize,
    what: &str,
) -> Result<Voxel, MovingAiError> {
    let mut v = [0u32; 3];
    for (c, f) in v.iter_mut().zip(fields) {
        *c = f.parse().map_err(|_| {
            parse_err(path, line, format!("{what}: expected a non-negative integer, found {f:?}"))
        })?;
    }
    Ok(v)
}

/// Reads only the header of a `.3dmap` file (at most its first 4 KiB), so a caller can
/// check the grid size against a memory budget before anything is allocated.
pub fn read_map_size(path: &Path) -> Result<[u32; 3], MovingAiError> {
    use std::io::Read;
    let io = |source| MovingAiError::Io { path: path.into(), source };
    let mut head = Vec::new();
    std::fs::File::open(path).map_err(io)?.take(4096).read_to_end(&mut head).map_err(io)?;
    let text = String::from_utf8_lossy(&head);
    let (n, header) = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .find(|(_, l)| !l.is_empty())
        .ok_or_else(|| parse_err(path, 1, "expected header `voxel X Y Z` in the first 4 KiB"))?;
    let fields: Vec<&str> = header.split_whitespace().collect();
    if fields.len() != 4 || fields[0] != "voxel" {
        return Err(parse_err(path, n, format!("expected header `voxel X Y Z`, found {header:?}")));
    }
    parse_voxel(&fields[1..], path, n, "grid size")
}

/// Reads a `.3dmap` file.
pub fn load_map(path: &Path) -> Result<VoxelGrid, MovingAiError> {
    parse_map(&read(path)?, path)
}

/// Parses `.3dmap` text; `path` is only used in error messages.
pub fn parse_map(text: &str, path: &Path) -> Result<VoxelGrid, MovingAiError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let (n, header) = lines
        .by_ref()
        .find(|(_, l)| !l.is_empty())
        .ok_or_else(|| parse_err(path, 1, "empty file, expected header `voxel X Y Z`"))?;
    let fields: Vec<&str> = header.split_whitespace().collect();
    if fields.len() != 4 || fields[0] != "voxel" {
        return Err(parse_err(path, n, format!("expected header `voxel X Y Z`, found {header:?}")));
    }
    let size = parse_voxel(&fields[1..], path, n, "grid size")?;
    let mut grid = VoxelGrid::new(size).map_err(|e| parse_err(path, n, e.to_string()))?;
    for (n, l) in lines {
        if l.is_empty() {
            continue;
        }
        let fields: Vec<&str> = l.split_whitespace().collect();
        if fields.len() != 3 {
            return Err(parse_err(path, n, format!("expected `x y z`, found {l:?}")));
        }
        let v = parse_voxel(&fields, path, n, "blocked voxel")?;
        grid.set_blocked(v, true).map_err(|e: GridError| parse_err(path, n, e.to_string()))?;
    }
    Ok(grid)
}

/// Reads a `.3dscen` file and checks every query against `grid`: coordinates inside
/// the grid, start and goal free, cost a finite non-negative number.
pub fn load_scenarios(path: &Path, grid: &VoxelGrid) -> Result<Vec<Scenario>, MovingAiError> {
    parse_scenarios(&read(path)?, path, grid)
}

/// Parses `.3dscen` text; see [`load_scenarios`].
pub fn parse_scenarios(
    text: &str,
    path: &Path,
    grid: &VoxelGrid,
) -> Result<Vec<Scenario>, MovingAiError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    match lines.next() {
        Some((_, "version 1")) => {}
        Some((n, l)) => {
            return Err(parse_err(path, n, format!("expected `version 1`, found {l:?}")))
        }
        None => return Err(parse_err(path, 1, "empty file, expected `version 1`")),
    }
    match lines.next() {
        Some((_, l)) if !l.is_empty() => {}
        _ => return Err(parse_err(path, 2, "expected the map file name")),
    }
    let mut out = Vec::new();
    for (n, l) in lines {
        if l.is_empty() {
            continue;
        }
        let fields: Vec<&str> = l.split_whitespace().collect();
        if fields.len() != 8 {
            return Err(parse_err(
                path,
                n,
                format!("expected `sx sy sz gx gy gz cost ratio`, found {} fields", fields.len()),
            ));
        }
        let start = parse_voxel(&fields[0..3], path, n, "start")?;
        let goal = parse_voxel(&fields[3..6], path, n, "goal")?;
        for (what, v) in [("start", start), ("goal", goal)] {
            if !grid.contains(v) {
                return Err(parse_err(
                    path,
                    n,
                    format!("{what} {v:?} is outside the map of size {:?}", grid.size()),
                ));
            }
            if !grid.is_free(v[0].into(), v[1].into(), v[2].into()) {
                return Err(parse_err(path, n, format!("{what} {v:?} is a blocked voxel")));
            }
        }
        let optimal_cost: f64 = fields[6]
            .parse()
            .ok()
            .filter(|c: &f64| c.is_finite() && *c >= 0.0)
            .ok_or_else(|| parse_err(path, n, format!("bad cost {:?}", fields[6])))?;
        out.push(Scenario { start, goal, optimal_cost, line: n });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_err(text: &str) -> String {
        parse_map(text, Path::new("m.3dmap")).unwrap_err().to_string()
    }

    fn scen_err(text: &str) -> String {
        let grid = parse_map("voxel 4 4 4\n1 1 1\n", Path::new("m.3dmap")).unwrap();
        parse_scenarios(text, Path::new("s.3dscen"), &grid).unwrap_err().to_string()
    }

    #[test]
    fn parses_map_and_scenarios() {
        let grid = parse_map("voxel 4 5 6\n1 2 3\n0 0 0\n\n", Path::new("m")).unwrap();
        assert_eq!(grid.size(), [4, 5, 6]);
        assert_eq!(grid.blocked_count(), 2);
        assert!(!grid.is_free(1, 2, 3));
        let s = parse_scenarios("version 1\nm.3dmap\n0 0 1 3 4 5 7.5 1.0\n", Path::new("s"), &grid)
            .unwrap();
        assert_eq!(
            s,
            vec![Scenario { start: [0, 0, 1], goal: [3, 4, 5], optimal_cost: 7.5, line: 3 }]
        );
    }

    #[test]
    fn map_errors_name_file_and_line() {
        assert_eq!(map_err(""), "m.3dmap:1: empty file, expected header `voxel X Y Z`");
        assert!(map_err("type octile\n").starts_with("m.3dmap:1: expected header"));
        assert!(map_err("voxel 4 4\n").starts_with("m.3dmap:1: expected header"));
        assert!(map_err("voxel 0 4 4\n").starts_with("m.3dmap:1: grid size"));
        assert!(map_err("voxel 4 4 4\n1 1 1\n1 x 1\n").starts_with("m.3dmap:3: blocked voxel"));
        assert!(map_err("voxel 4 4 4\n1 1\n").starts_with("m.3dmap:2: expected `x y z`"));
        assert!(
            map_err("voxel 4 4 4\n1 4 1\n").starts_with("m.3dmap:2: voxel [1, 4, 1] is outside")
        );
        assert!(map_err("voxel 4 4 4\n-1 0 1\n").starts_with("m.3dmap:2: blocked voxel"));
    }

    #[test]
    fn scenario_errors_name_file_and_line() {
        assert!(scen_err("").starts_with("s.3dscen:1: empty file"));
        assert!(scen_err("version 2\n").starts_with("s.3dscen:1: expected `version 1`"));
        assert!(scen_err("version 1\n").starts_with("s.3dscen:2: expected the map"));
        assert!(scen_err("version 1\nm\n0 0 0 1 1\n").starts_with("s.3dscen:3: expected `sx"));
        assert!(scen_err("version 1\nm\n0 0 0 3 3 3 1 1\n0 0 9 1 1 0 1 1\n")
            .starts_with("s.3dscen:4: start [0, 0, 9] is outside"));
        assert!(scen_err("version 1\nm\n0 0 0 1 1 1 1 1\n")
            .starts_with("s.3dscen:3: goal [1, 1, 1] is a blocked"));
        assert!(scen_err("version 1\nm\n0 0 0 1 1 0 NaN 1\n").starts_with("s.3dscen:3: bad cost"));
        assert!(
            scen_err("version 1\nm\n0 0 a 1 1 0 1 1\n").starts_with("s.3dscen:3: start: expected")
        );
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let e = load_map(Path::new("/nonexistent/x.3dmap")).unwrap_err();
        assert!(matches!(e, MovingAiError::Io { .. }));
        assert!(e.to_string().starts_with("/nonexistent/x.3dmap: cannot read"));
    }
}
