//! Outputs land as one set: `skylane plan` killed at random moments leaves the complete
//! old set or the complete new set, never a mix; the next run cleans up; `check` and
//! `export` respect the set's manifest.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MISSIONS: [&str; 2] =
    ["tests/missions/outputs/one-order.ron", "tests/missions/outputs/two-orders.ron"];
const SET_NAMES: [&str; 6] = [
    "plan.ron",
    "flights.geojson",
    "timeline.csv",
    "tracking.json",
    "intents.json",
    "manifest.json",
];

fn skylane() -> Command {
    Command::new(env!("CARGO_BIN_EXE_skylane"))
}

fn plan_command(mission: &str, out: &Path) -> Command {
    let mut cmd = skylane();
    cmd.args(["plan", mission, "-q", "--threads", "1", "-o"]).arg(out);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// The set files in `dir`, name → bytes (the sets are small enough to compare whole).
fn set_state(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut state = BTreeMap::new();
    for name in SET_NAMES {
        if let Ok(bytes) = fs::read(dir.join(name)) {
            state.insert(name.to_string(), bytes);
        }
    }
    state
}

/// Staging folders of `out` beside it.
fn leftovers(out: &Path) -> Vec<PathBuf> {
    let prefix = format!(".{}.skylane-tmp-", out.file_name().unwrap().to_string_lossy());
    fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

/// splitmix64: a fixed-seed sequence, so a failing kill schedule can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The complete set each mission produces, and how long a whole run takes (the
/// shortest of a few, so that kills land inside runs).
fn reference_sets(tmp: &Path) -> (Vec<BTreeMap<String, Vec<u8>>>, Duration) {
    let mut sets = Vec::new();
    let mut shortest = Duration::MAX;
    for (i, mission) in MISSIONS.iter().enumerate() {
        let dir = tmp.join(format!("reference-{i}"));
        for _ in 0..3 {
            let started = Instant::now();
            let status = plan_command(mission, &dir).status().unwrap();
            shortest = shortest.min(started.elapsed());
            assert!(status.success(), "{mission}: reference run failed");
        }
        let set = set_state(&dir);
        assert_eq!(set.len(), SET_NAMES.len(), "{mission}: every set file written");
        sets.push(set);
    }
    assert_ne!(sets[0], sets[1], "the two missions must give different sets");
    (sets, shortest)
}

#[test]
fn kills_at_random_moments_leave_the_old_or_the_new_set() {
    let tmp = tempfile::tempdir().unwrap();
    let (sets, run_time) = reference_sets(tmp.path());
    let out = tmp.path().join("out");
    assert!(plan_command(MISSIONS[0], &out).status().unwrap().success());
    // Entries of the user's in the output folder survive every run.
    fs::write(out.join("notes.txt"), "not ours").unwrap();
    fs::create_dir(out.join("exports")).unwrap();
    let mut current = 0;
    let mut rng = Rng(0x5eed_0018);
    let (mut killed, mut killed_after_swap) = (0, 0);
    let mut round = 0;
    while killed < 60 {
        round += 1;
        assert!(round <= 400, "only {killed} of {round} runs were killed before they finished");
        let next = (rng.next() % 2) as usize;
        // Half the kills anywhere in a run, half in its second half, where the files
        // are written and swapped.
        let fraction = if round % 2 == 0 { rng.unit() } else { 0.5 + rng.unit() * 0.5 };
        let mut child = plan_command(MISSIONS[next], &out).spawn().unwrap();
        std::thread::sleep(run_time.mul_f64(fraction));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let status = child.wait().unwrap();
        let state = set_state(&out);
        if finished {
            assert!(status.success(), "round {round}: an unkilled run must succeed");
            assert!(state == sets[next], "round {round}: a finished run leaves its set");
        } else {
            killed += 1;
            assert!(
                state == sets[current] || state == sets[next],
                "round {round}: killed at {fraction:.2} of a run, the folder holds neither \
                 complete set: {:?}",
                state.keys().collect::<Vec<_>>()
            );
            killed_after_swap += usize::from(state == sets[next] && next != current);
        }
        if state == sets[next] {
            current = next;
        }
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "not ours");
    }
    println!("{round} runs, {killed} killed, {killed_after_swap} of them after their swap");
    assert!(plan_command(MISSIONS[1], &out).status().unwrap().success());
    assert!(leftovers(&out).is_empty(), "temporaries left: {:?}", leftovers(&out));
    assert!(out.join("exports").is_dir(), "the user's folder is back after a clean run");
    assert_eq!(set_state(&out), sets[1]);
}

#[test]
fn check_refuses_a_set_that_does_not_match_its_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(plan_command(MISSIONS[0], &out).status().unwrap().success());
    let check = || skylane().arg("check").arg(out.join("plan.ron")).output().unwrap();
    let ok = check();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    fs::write(out.join("timeline.csv"), "order_id\n").unwrap();
    let torn = check();
    let stderr = String::from_utf8_lossy(&torn.stderr);
    assert_eq!(torn.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("manifest.json") && stderr.contains("timeline.csv"), "{stderr}");
}

#[test]
fn a_failed_run_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(plan_command(MISSIONS[0], &out).status().unwrap().success());
    let before = set_state(&out);
    fs::remove_file(out.join("flights.geojson")).unwrap();
    fs::create_dir(out.join("flights.geojson")).unwrap();
    let before_plan = before["plan.ron"].clone();
    let run = plan_command(MISSIONS[1], &out).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("flights.geojson"), "{stderr}");
    assert_eq!(fs::read(out.join("plan.ron")).unwrap(), before_plan, "plan.ron unchanged");
    assert!(out.join("flights.geojson").is_dir());
    assert!(leftovers(&out).is_empty());
}

#[test]
fn export_does_not_tear_a_set() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(plan_command(MISSIONS[0], &a).status().unwrap().success());
    assert!(plan_command(MISSIONS[1], &b).status().unwrap().success());
    let export = |plan: &Path, out: &Path| {
        skylane()
            .args(["export", "--format", "tracking", "-o"])
            .arg(out)
            .arg(plan)
            .output()
            .unwrap()
    };
    // The set's own tracking.json is left as it is; another plan's is refused.
    assert!(export(&a.join("plan.ron"), &a).status.success());
    let other = export(&b.join("plan.ron"), &a);
    assert_eq!(other.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("output set"));
    let check = skylane().arg("check").arg(a.join("plan.ron")).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}
