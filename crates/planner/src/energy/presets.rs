//! Named drone types shipped with skylane in `assets/drones.ron`.
//!
//! ```
//! let m100 = skylane_planner::energy::presets::find("dji-m100").unwrap();
//! assert_eq!(m100.rotor_count, 4);
//! ```

use super::DroneSpec;

/// The preset file, compiled in so the crate needs no files at run time.
const PRESETS_RON: &str = include_str!("../../../../assets/drones.ron");

/// All built-in presets, in file order.
pub fn all() -> Vec<DroneSpec> {
    // The file is part of the source tree and checked by a unit test, so a parse
    // failure here is a build defect, not user input.
    ron::from_str(PRESETS_RON).expect("assets/drones.ron is valid (checked by tests)")
}

/// The preset called `name`, if any.
pub fn find(name: &str) -> Option<DroneSpec> {
    all().into_iter().find(|s| s.name == name)
}

/// Names of all presets.
pub fn names() -> Vec<String> {
    all().into_iter().map(|s| s.name).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn presets_parse_and_are_valid() {
        let all = super::all();
        assert!(!all.is_empty());
        for s in all {
            assert!(s.problems().is_empty(), "{}: {:?}", s.name, s.problems());
        }
    }
}
