//! Shared fixtures: the Monaco mission loaded and planned once per test binary.

#![allow(
    dead_code,
    reason = "each test crate that includes this module uses a different part of it"
)]

use std::path::PathBuf;
use std::sync::OnceLock;

use skylane_planner::dispatch::plan_mission;
use skylane_planner::load::{load_mission, Loaded};
use skylane_planner::plan::Plan;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn monaco() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        load_mission(&repo_root().join("missions/monaco.ron")).expect("monaco mission loads")
    })
}

pub fn monaco_plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let l = monaco();
        plan_mission(&l.mission, &l.world, l.map.clone(), &|_, _| {})
    })
}
