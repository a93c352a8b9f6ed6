//! Mission validation: every semantic problem at once ([`Mission::problems`]), one step
//! per part of the file. Each step reports through `push(field path, message)`, and a
//! message names the allowed range and the value found.

use std::collections::HashSet;
use std::path::Path;

use super::{
    DepotKind, DroneModel, LatLon, Mission, Problem, Service, MAX_COMPARTMENTS, MAX_GROUP_COUNT,
    MAX_HOLD_H, MAX_PADS, MAX_ZONE_POINTS,
};
use crate::energy::presets;
use crate::energy::spec::shown;

impl Mission {
    /// Every semantic problem, without line/column (see [`Mission::load`] for located
    /// problems). `base_dir`, when given, is where the map path is resolved and checked.
    pub fn problems(&self, base_dir: Option<&Path>) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut push = |field: String, message: String| {
            out.push(Problem { field, line: 0, column: 0, message });
        };
        self.check_identity(base_dir, &mut push);
        self.check_airspace(&mut push);
        self.check_zones(&mut push);
        crate::airspace::airspace_problems(&self.airspace, base_dir, &mut push);
        self.check_weather(&mut push);
        self.check_depots(&mut push);
        self.check_lockers(&mut push);
        self.check_drone_groups(&mut push);
        self.check_van_groups(&mut push);
        if self.fleet.drones.is_empty() && self.fleet.vans.is_empty() {
            push("fleet".into(), "the fleet has no drones and no vans".into());
        }
        self.check_orders(&mut push);
        self.check_policy(&mut push);
        out
    }

    /// The kind of the depot named `id`, if there is one.
    fn depot_kind(&self, id: &str) -> Option<DepotKind> {
        self.depots.iter().find(|d| d.id == id).map(|d| d.kind)
    }

    /// The origin, the name, and the map file (when `base_dir` is given).
    fn check_identity(&self, base_dir: Option<&Path>, push: &mut impl FnMut(String, String)) {
        check_latlon(push, "origin", self.origin);
        if self.name.trim().is_empty() {
            push("name".into(), "must not be empty".into());
        }
        if let Some(base) = base_dir {
            let p = base.join(&self.map);
            if !p.exists() {
                push(
                    "map".into(),
                    format!(
                        "map file {} not found (the path is relative to the mission file)",
                        p.display()
                    ),
                );
            } else if !p.is_file() {
                push(
                    "map".into(),
                    format!(
                        "{} is not a regular file (a folder, device or pipe); give the path of an .osm.pbf file",
                        p.display()
                    ),
                );
            }
        }
    }

    /// The ceiling, the clearance margin and the separation minima.
    fn check_airspace(&self, push: &mut impl FnMut(String, String)) {
        let a = &self.airspace;
        if !(a.ceiling_agl_m.is_finite() && a.ceiling_agl_m > 0.0 && a.ceiling_agl_m <= 1000.0) {
            push(
                "airspace.ceiling_agl_m".into(),
                format!("must be within 0 < x <= 1000 m, got {}", shown(a.ceiling_agl_m)),
            );
        }
        if !(a.clearance_margin_m.is_finite() && (0.0..=100.0).contains(&a.clearance_margin_m)) {
            push(
                "airspace.clearance_margin_m".into(),
                format!("must be within 0..=100 m, got {}", shown(a.clearance_margin_m)),
            );
        }
        let sep = &a.separation;
        for (field, value, lo, hi) in [
            ("horizontal_m", sep.horizontal_m, 1.0, 1000.0),
            ("vertical_m", sep.vertical_m, 1.0, 300.0),
            ("time_buffer_s", sep.time_buffer_s, 0.0, 600.0),
        ] {
            if !(value.is_finite() && (lo..=hi).contains(&value)) {
                push(
                    format!("airspace.separation.{field}"),
                    format!("must be within {lo}..={hi}, got {}", shown(value)),
                );
            }
        }
    }

    /// The mission's own no-fly zones: ids, outlines, heights and windows.
    fn check_zones(&self, push: &mut impl FnMut(String, String)) {
        let a = &self.airspace;
        let mut zone_ids = HashSet::new();
        for (i, z) in a.no_fly.iter().enumerate() {
            let f = format!("airspace.no_fly[{i}]");
            if !zone_ids.insert(z.id.as_str()) {
                push(format!("{f}.id"), format!("duplicate zone id {:?}", z.id));
            }
            if z.polygon.len() < 3 || z.polygon.len() > MAX_ZONE_POINTS {
                push(
                    format!("{f}.polygon"),
                    format!("a zone needs 3..={MAX_ZONE_POINTS} points, got {}", z.polygon.len()),
                );
            } else {
                for (j, p) in z.polygon.iter().enumerate() {
                    check_latlon(push, &format!("{f}.polygon[{j}]"), *p);
                }
                if polygon_self_crosses(&z.polygon) {
                    push(format!("{f}.polygon"), "the outline crosses itself".into());
                }
            }
            if !(z.floor_m.is_finite()
                && z.ceiling_m.is_finite()
                && z.floor_m >= 0.0
                && z.ceiling_m > z.floor_m
                && z.ceiling_m <= 100_000.0)
            {
                push(
                    format!("{f}.ceiling_m"),
                    format!(
                        "need 0 <= floor_m < ceiling_m <= 100000 m, got {} and {}",
                        shown(z.floor_m),
                        shown(z.ceiling_m)
                    ),
                );
            }
            if let Some(w) = z.window {
                if w.to.seconds() <= w.from.seconds() {
                    push(format!("{f}.window"), "window ends before it starts".into());
                }
            }
        }
    }

    /// Wind and temperature.
    fn check_weather(&self, push: &mut impl FnMut(String, String)) {
        let w = &self.weather;
        for (name, v, lim) in
            [("wind_east_mps", w.wind_east_mps, 40.0), ("wind_north_mps", w.wind_north_mps, 40.0)]
        {
            if !(v.is_finite() && v.abs() <= lim) {
                push(
                    format!("weather.{name}"),
                    format!("must be within +/-{lim} m/s, got {}", shown(v)),
                );
            }
        }
        if !(w.temperature_c.is_finite() && (-40.0..=55.0).contains(&w.temperature_c)) {
            push(
                "weather.temperature_c".into(),
                format!("must be in -40..=55 degC, got {}", shown(w.temperature_c)),
            );
        }
    }

    /// Depot ids, positions, pads and roofs.
    fn check_depots(&self, push: &mut impl FnMut(String, String)) {
        let mut depot_ids = HashSet::new();
        for (i, d) in self.depots.iter().enumerate() {
            let f = format!("depots[{i}]");
            if !depot_ids.insert(d.id.as_str()) {
                push(format!("{f}.id"), format!("duplicate depot id {:?}", d.id));
            }
            check_latlon(push, &f, LatLon { lat_deg: d.lat_deg, lon_deg: d.lon_deg });
            if !(1..=MAX_PADS).contains(&d.pads) {
                push(format!("{f}.pads"), format!("must be within 1..={MAX_PADS}, got {}", d.pads));
            }
            if d.on_roof && d.kind == DepotKind::Van {
                push(format!("{f}.on_roof"), "only a drone nest can sit on a roof".into());
            }
        }
    }

    /// Locker ids, positions, compartments and hold times.
    fn check_lockers(&self, push: &mut impl FnMut(String, String)) {
        let mut ids = HashSet::new();
        for (i, l) in self.lockers.iter().enumerate() {
            let f = format!("lockers[{i}]");
            if !ids.insert(l.id.as_str()) {
                push(format!("{f}.id"), format!("duplicate locker id {:?}", l.id));
            }
            if l.id.trim().is_empty() {
                push(format!("{f}.id"), "must not be empty".into());
            }
            check_latlon(push, &f, LatLon { lat_deg: l.lat_deg, lon_deg: l.lon_deg });
            if !(1..=MAX_COMPARTMENTS).contains(&l.compartments) {
                push(
                    format!("{f}.compartments"),
                    format!("must be within 1..={MAX_COMPARTMENTS}, got {}", l.compartments),
                );
            }
            if !(l.hold_h.is_finite() && l.hold_h > 0.0 && l.hold_h <= MAX_HOLD_H) {
                push(
                    format!("{f}.hold_h"),
                    format!("must be within 0 < x <= {MAX_HOLD_H} hours, got {}", shown(l.hold_h)),
                );
            }
        }
    }

    /// Drone groups: their nest, count and drone type.
    fn check_drone_groups(&self, push: &mut impl FnMut(String, String)) {
        for (i, g) in self.fleet.drones.iter().enumerate() {
            let f = format!("fleet.drones[{i}]");
            match self.depot_kind(&g.depot) {
                None => push(format!("{f}.depot"), format!("unknown depot {:?}", g.depot)),
                Some(DepotKind::Van) => push(
                    format!("{f}.depot"),
                    format!("depot {:?} is a van depot, not a drone nest", g.depot),
                ),
                Some(DepotKind::Drone) => {}
            }
            if !(1..=MAX_GROUP_COUNT).contains(&g.count) {
                push(
                    format!("{f}.count"),
                    format!("must be within 1..={MAX_GROUP_COUNT}, got {}", g.count),
                );
            }
            match &g.model {
                DroneModel::Preset(name) => {
                    if presets::find(name).is_none() {
                        push(
                            format!("{f}.model"),
                            format!(
                                "unknown drone preset {name:?}; known: {}",
                                presets::names().join(", ")
                            ),
                        );
                    }
                }
                DroneModel::Custom(spec) => {
                    for (field, msg) in spec.problems() {
                        push(format!("{f}.model.{field}"), msg);
                    }
                }
            }
        }
    }

    /// Van groups: their depot, count, capacities and shift.
    fn check_van_groups(&self, push: &mut impl FnMut(String, String)) {
        for (i, g) in self.fleet.vans.iter().enumerate() {
            let f = format!("fleet.vans[{i}]");
            match self.depot_kind(&g.depot) {
                None => push(format!("{f}.depot"), format!("unknown depot {:?}", g.depot)),
                Some(DepotKind::Drone) => push(
                    format!("{f}.depot"),
                    format!("depot {:?} is a drone nest, not a van depot", g.depot),
                ),
                Some(DepotKind::Van) => {}
            }
            if !(1..=MAX_GROUP_COUNT).contains(&g.count) {
                push(
                    format!("{f}.count"),
                    format!("must be within 1..={MAX_GROUP_COUNT}, got {}", g.count),
                );
            }
            if !(g.capacity_m3 > 0.0 && g.capacity_m3.is_finite()) {
                push(
                    format!("{f}.capacity_m3"),
                    format!("must be > 0, got {}", shown(g.capacity_m3)),
                );
            }
            if !(g.capacity_kg > 0.0 && g.capacity_kg.is_finite()) {
                push(
                    format!("{f}.capacity_kg"),
                    format!("must be > 0, got {}", shown(g.capacity_kg)),
                );
            }
            if g.shift_end.seconds() <= g.shift_start.seconds() {
                push(format!("{f}.shift_end"), "shift ends before it starts".into());
            }
        }
    }

    /// Orders: ids, positions, parcels, promises and windows.
    fn check_orders(&self, push: &mut impl FnMut(String, String)) {
        if self.orders.is_empty() {
            push("orders".into(), "the mission has no orders; add at least one".into());
        }
        let mut order_ids = HashSet::new();
        for (i, o) in self.orders.iter().enumerate() {
            let f = format!("orders[{i}]");
            if !order_ids.insert(o.id.as_str()) {
                push(format!("{f}.id"), format!("duplicate order id {:?}", o.id));
            }
            if o.id.trim().is_empty() {
                push(format!("{f}.id"), "must not be empty".into());
            }
            match &o.locker {
                None => check_latlon(push, &f, LatLon { lat_deg: o.lat_deg, lon_deg: o.lon_deg }),
                Some(id) if self.locker(id).is_none() => {
                    let known: Vec<&str> = self.lockers.iter().map(|l| l.id.as_str()).collect();
                    push(
                        format!("{f}.locker"),
                        format!(
                            "unknown locker {id:?}; the mission's lockers: [{}]",
                            known.join(", ")
                        ),
                    );
                }
                Some(_) => {}
            }
            if !(o.payload_kg.is_finite() && o.payload_kg > 0.0 && o.payload_kg <= 10_000.0) {
                push(
                    format!("{f}.payload_kg"),
                    format!("must be within 0 < x <= 10000 kg, got {}", shown(o.payload_kg)),
                );
            }
            if !(o.volume_l.is_finite() && o.volume_l > 0.0 && o.volume_l <= 100_000.0) {
                push(
                    format!("{f}.volume_l"),
                    format!("must be within 0 < x <= 100000 litres, got {}", shown(o.volume_l)),
                );
            }
            if !(o.promise_min.is_finite() && o.promise_min > 0.0 && o.promise_min <= 1440.0) {
                push(
                    format!("{f}.promise_min"),
                    format!("must be within 0 < x <= 1440 minutes, got {}", shown(o.promise_min)),
                );
            }
            if let Service::Window(w) = o.service {
                if w.to.seconds() <= w.from.seconds() {
                    push(format!("{f}.service"), "window ends before it starts".into());
                }
            }
        }
    }

    /// The operating policy, and its altitudes against the airspace.
    fn check_policy(&self, push: &mut impl FnMut(String, String)) {
        let a = &self.airspace;
        let p = &self.policy;
        // (field, value, lowest, highest, whether the lowest itself is allowed)
        for (name, v, lo, hi, lo_ok) in [
            ("pick_load_s", p.pick_load_s, 0.0, 86_400.0, true),
            // A package takes time to lower: 0 s would put delivery and climb at one
            // instant, a flight the verifier rightly rejects.
            ("lowering_s", p.lowering_s, 1.0, 3600.0, true),
            ("delivery_margin_m", p.delivery_margin_m, 0.0, 100.0, true),
            ("delivery_hover_m", p.delivery_hover_m, 0.0, 1000.0, false),
            ("drop_radius_m", p.drop_radius_m, 0.0, 1000.0, false),
            ("cruise_alt_min_m", p.cruise_alt_min_m, 0.0, 1000.0, false),
            ("cruise_alt_max_m", p.cruise_alt_max_m, 0.0, 1000.0, false),
        ] {
            let above_lo = if lo_ok { v >= lo } else { v > lo };
            if !(v.is_finite() && above_lo && v <= hi) {
                let op = if lo_ok { "<=" } else { "<" };
                push(
                    format!("policy.{name}"),
                    format!("must be within {lo} {op} x <= {hi}, got {}", shown(v)),
                );
            }
        }
        // Written so that NaN fails too.
        if p.cruise_alt_max_m.partial_cmp(&p.cruise_alt_min_m).is_none_or(|o| o.is_lt()) {
            push("policy.cruise_alt_max_m".into(), "must be >= cruise_alt_min_m".into());
        }
        if p.cruise_alt_min_m <= p.delivery_hover_m {
            push("policy.cruise_alt_min_m".into(), "must be above delivery_hover_m".into());
        }
        // Against a ceiling that is itself invalid this would only repeat that problem.
        let ceiling_ok = a.ceiling_agl_m.is_finite() && a.ceiling_agl_m > 0.0;
        if ceiling_ok && p.cruise_alt_min_m > self.airspace.ceiling_agl_m {
            push(
                "policy.cruise_alt_min_m".into(),
                format!("is above the airspace ceiling ({} m)", self.airspace.ceiling_agl_m),
            );
        }
        if !(0.0..1.0).contains(&p.battery_reserve_fraction) {
            push(
                "policy.battery_reserve_fraction".into(),
                format!("must be in [0, 1), got {}", shown(p.battery_reserve_fraction)),
            );
        }
    }
}

fn check_latlon(push: &mut impl FnMut(String, String), field: &str, p: LatLon) {
    if !(p.lat_deg.is_finite() && (-90.0..=90.0).contains(&p.lat_deg)) {
        push(
            format!("{field}.lat_deg"),
            format!("latitude must be in -90..=90, got {}", shown(p.lat_deg)),
        );
    }
    if !(p.lon_deg.is_finite() && (-180.0..=180.0).contains(&p.lon_deg)) {
        push(
            format!("{field}.lon_deg"),
            format!("longitude must be in -180..=180, got {}", shown(p.lon_deg)),
        );
    }
}

/// Whether two non-adjacent edges of the closed polygon cross.
fn polygon_self_crosses(poly: &[LatLon]) -> bool {
    let pts: Vec<[f64; 2]> = poly.iter().map(|p| [p.lon_deg, p.lat_deg]).collect();
    let n = pts.len();
    for i in 0..n {
        for j in i + 1..n {
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            if segments_cross(pts[i], pts[(i + 1) % n], pts[j], pts[(j + 1) % n]) {
                return true;
            }
        }
    }
    false
}

fn segments_cross(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    };
    let (d1, d2, d3, d4) = (orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d));
    ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
}
