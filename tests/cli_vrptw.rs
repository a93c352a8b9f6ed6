//! `skylane vrptw`: routes and summary on a Solomon instance, and bad files refused
//! with exit code 2 naming the file and line.

use std::path::Path;
use std::process::Command;

fn skylane(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_skylane")).args(args).output().unwrap()
}

#[test]
fn cli_prints_routes_and_a_summary_line() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/solomon/C201.txt");
    let out = skylane(&["vrptw", file.to_str().unwrap(), "--seconds", "30", "--iterations", "110"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let last: Vec<&str> = lines.last().unwrap().split(' ').collect();
    assert_eq!((last.len(), last[0], last[2]), (4, "vehicles", "distance"), "{stdout}");
    let vehicles: usize = last[1].parse().unwrap();
    let distance = last[3];
    assert_eq!(distance.split('.').nth(1).map(str::len), Some(2), "two decimals: {distance}");
    assert_eq!(lines.len(), vehicles + 1);
    let mut served: Vec<usize> = Vec::new();
    for (k, line) in lines[..vehicles].iter().enumerate() {
        let rest = line.strip_prefix(&format!("Route #{}: ", k + 1)).unwrap();
        served.extend(rest.split(' ').map(|c| c.parse::<usize>().unwrap()));
    }
    served.sort();
    assert_eq!(served, (1..=100).collect::<Vec<_>>());
}

#[test]
fn cli_exits_2_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.txt");
    std::fs::write(&path, "BROKEN\r\n\r\nVEHICLE\r\nNUMBER CAPACITY\r\n 25 two\r\n").unwrap();
    let out = skylane(&["vrptw", path.to_str().unwrap(), "--seconds", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.txt:5:"), "{stderr}");
    assert!(out.stdout.is_empty());
    let out = skylane(&["vrptw", "/nonexistent/x.txt", "--seconds", "1"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Runs `skylane vrptw --seconds 1` on `tests/inputs/<name>`: it must refuse the file
/// (exit 2) with a message naming the file, the line and `expected`.
fn refuses(name: &str, line: usize, expected: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inputs").join(name);
    let run = Command::new(env!("CARGO_BIN_EXE_skylane"))
        .arg("vrptw")
        .arg(&path)
        .args(["--seconds", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{name}: {stderr}");
    let prefix = format!("error: {}:{line}: ", path.display());
    assert!(stderr.starts_with(&prefix) && stderr.contains(expected), "{name}: {stderr}");
}

#[test]
fn a_coordinate_of_1e154_is_refused() {
    refuses(
        "solomon-huge-coordinate.txt",
        13,
        "node 3: XCOORD: must be within -1e6..=1e6, got 1e154",
    );
}

#[test]
fn a_service_time_of_1e308_is_refused() {
    refuses("solomon-huge-service-time.txt", 15, "SERVICE TIME: must be within 0..=1e7, got 1e308");
}
