//! Mission validation through the library: every broken mission of the CLI's fixture set
//! (`tests/missions/bad/`, each a valid mission broken in one place) is refused by
//! [`load_mission`] with every problem located at a line and column of that file, and
//! the shipped missions load. The exact message and position of each problem, and the
//! CLI's exit code, are asserted by the CLI package's `tests/bad_missions.rs`.

use std::path::{Path, PathBuf};

use skylane_planner::load::{load_mission, LoadError};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_bad_mission_is_refused_with_located_problems() {
    let dir = repo().join("tests/missions/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 35, "the fixture set shrank: {} files", files.len());
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let lines = std::fs::read(&path).map(|b| b.split(|c| *c == b'\n').count()).unwrap();
        match load_mission(&path) {
            Ok(_) => panic!("{name}: accepted"),
            Err(LoadError::Mission(e)) => {
                let problems = e.problems();
                assert!(!problems.is_empty(), "{name}: refused without a problem: {e}");
                for p in problems {
                    assert!(
                        (1..=lines).contains(&p.line) && p.column >= 1,
                        "{name}: problem not located in the file: {p:?}"
                    );
                    assert!(!p.message.is_empty(), "{name}: {p:?}");
                }
                assert!(e.to_string().contains(&name), "{name}: the error names the file: {e}");
            }
            Err(other) => panic!("{name}: refused as a world error, not a located one: {other}"),
        }
    }
}

#[test]
fn the_shipped_missions_load() {
    for name in ["monaco.ron", "monaco-day.ron", "monaco-fleet.ron", "monaco-rooftop.ron"] {
        let path = repo().join("missions").join(name);
        if let Err(e) = load_mission(&path) {
            panic!("{name}: {e}");
        }
    }
}
