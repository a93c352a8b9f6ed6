//! The power model against published measurements of airframes it was not tuned on
//! (`assets/energy-validation/`, sources in its SOURCE.md): the global fit, the error
//! on every airframe, the leave-one-airframe-out error, and the shape of the power
//! curve. Thresholds are the figures recorded in BENCHMARKS.md ("Energy model"),
//! rounded up to the next percent; run with `--nocapture` to print the table.

use approx::assert_relative_eq;
use nalgebra::Vector3;
use skylane_planner::energy::model::{self, ModelConstants};
use skylane_planner::energy::validation::{self, ValidationCurve};
use skylane_planner::energy::{presets, DroneSpec};

/// Per-airframe mean absolute error with the fitted constants must stay below these
/// (BENCHMARKS.md, column "fitted").
const FITTED_LIMIT: [(&str, f64); 4] = [
    ("dji-mavic-2-pro", 0.11),
    ("dji-mavic-3", 0.07),
    ("dji-m600-pro", 0.07),
    ("freefly-alta-8", 0.01),
];
/// ... and with the constants fitted on the other airframes (column "leave one out").
const LOO_LIMIT: [(&str, f64); 4] = [
    ("dji-mavic-2-pro", 0.11),
    ("dji-mavic-3", 0.07),
    ("dji-m600-pro", 0.08),
    ("freefly-alta-8", 0.05),
];

fn limit(table: &[(&str, f64)], name: &str) -> f64 {
    table.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no limit for {name}")).1
}

fn pct(x: f64) -> String {
    format!("{:+.1} %", 100.0 * x)
}

#[test]
fn fitted_constants_are_the_fit_of_the_whole_set() {
    let curves = validation::curves();
    let fit = validation::fit_constants(&curves);
    println!("fit on all airframes: {fit:?}");
    assert_relative_eq!(
        fit.motor_esc_efficiency,
        model::MOTOR_ESC_EFFICIENCY,
        max_relative = 0.005
    );
    assert_relative_eq!(
        fit.body_drag_coefficient,
        model::BODY_DRAG_COEFFICIENT,
        max_relative = 0.01
    );
}

#[test]
fn every_airframe_within_its_recorded_error() {
    let constants = ModelConstants::FITTED;
    for curve in validation::curves() {
        let errors = validation::curve_errors(&curve, &constants).unwrap();
        let mean = validation::mean_abs_error(&curve, &constants).unwrap();
        println!("{:<16} fitted mean {:5.1} %", curve.name, 100.0 * mean);
        for (p, e) in curve.points.iter().zip(&errors) {
            println!(
                "    payload {:5.2} kg  airspeed {:6.3} m/s  measured {:7.1} W  model {:7.1} W  {}",
                p.payload_kg,
                p.airspeed_mps,
                p.measured_power_w(&curve.spec),
                p.measured_power_w(&curve.spec) * (1.0 + e),
                pct(*e)
            );
        }
        assert!(mean < limit(&FITTED_LIMIT, &curve.name), "{}: {:.1} %", curve.name, 100.0 * mean);
    }
}

#[test]
fn leave_one_airframe_out_within_recorded_error() {
    let curves = validation::curves();
    // The band a plan must add so that every point, predicted by constants fitted
    // without its airframe, costs no more than model x (1 + band): measured = model /
    // (1 + e), so the band must reach -e / (1 + e) for the most negative error e.
    let mut needed_band = 0.0_f64;
    for loo in validation::leave_one_out(&curves).unwrap() {
        for e in &loo.errors {
            needed_band = needed_band.max(-e / (1.0 + e));
        }
        println!(
            "{:<16} LOO mean {:5.1} %  (eta {:.3}, C_D {:.3})  points {:?}",
            loo.name,
            100.0 * loo.mean_abs_error,
            loo.constants.motor_esc_efficiency,
            loo.constants.body_drag_coefficient,
            loo.errors.iter().map(|e| pct(*e)).collect::<Vec<_>>()
        );
        assert!(
            loo.mean_abs_error < limit(&LOO_LIMIT, &loo.name),
            "{}: {:.1} %",
            loo.name,
            100.0 * loo.mean_abs_error
        );
    }
    println!("error band needed to cover every left-out point: {:.1} %", 100.0 * needed_band);
    assert!(
        model::MODEL_ERROR_BAND >= needed_band,
        "band {} < {needed_band}",
        model::MODEL_ERROR_BAND
    );
    assert!(model::MODEL_ERROR_BAND < needed_band + 0.01, "band is the needed one, rounded up");
}

/// The smallest mean absolute error `curve` allows when its motor efficiency is fitted to
/// its own points alone (drag coefficient kept at the global fit), and that efficiency:
/// a per-airframe fit, more freedom than the global rule has, so no choice of the two
/// global constants can score the airframe better than this.
fn own_efficiency_floor(curve: &ValidationCurve) -> (f64, f64) {
    (0..=1400)
        .map(|i| {
            let eta = 0.3 + 0.0005 * f64::from(i);
            let constants = ModelConstants { motor_esc_efficiency: eta, ..ModelConstants::FITTED };
            (validation::mean_abs_error(curve, &constants).unwrap(), eta)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap()
}

#[test]
fn alta_x_table_is_beyond_any_single_efficiency() {
    // Why the Alta X brochure table is left out of the set (SOURCE.md, BENCHMARKS.md):
    // its power per kilogram rises far faster with mass than rotor physics allows, so
    // even an efficiency fitted to its own eight points leaves more than 15 % mean error.
    // Every airframe of the set is consistent with one efficiency.
    let excluded = validation::excluded_curves();
    for curve in validation::curves().iter().chain(&excluded) {
        let (floor, eta) = own_efficiency_floor(curve);
        println!("{:<16} own-efficiency floor {:5.1} % (eta {eta:.3})", curve.name, 100.0 * floor);
        if curve.name == "freefly-alta-x" {
            assert!(floor > 0.15, "the Alta X floor fell to {floor}: update BENCHMARKS.md");
        } else {
            assert!(floor < 0.08, "{}: {floor}", curve.name);
        }
    }
    assert_eq!(excluded.len(), 1);
    // For the record, the left-out table scored with the fitted constants.
    let alta_x = &excluded[0];
    let errors = validation::curve_errors(alta_x, &ModelConstants::FITTED).unwrap();
    println!(
        "{:<16} with the fitted constants: mean {:.1} %, points {:?}",
        alta_x.name,
        100.0 * validation::mean_abs_error(alta_x, &ModelConstants::FITTED).unwrap(),
        errors.iter().map(|e| pct(*e)).collect::<Vec<_>>()
    );
}

fn level_w(spec: &DroneSpec, v: f64) -> f64 {
    model::power(spec, 0.0, Vector3::new(v, 0.0, 0.0), 0.0, &model::Atmosphere::isa())
        .unwrap()
        .electrical_w
}

/// The measured speed of least power of a sweep with three or more airspeeds: the
/// vertex of the parabola through the lowest measured point and its two neighbours
/// (parabolic interpolation; the sweeps are too coarse for the lowest sample itself to
/// locate the minimum). None if the lowest point is at either end of the sweep.
fn measured_minimum(curve: &ValidationCurve) -> Option<f64> {
    let mut pts: Vec<(f64, f64)> =
        curve.points.iter().map(|p| (p.airspeed_mps, p.measured_power_w(&curve.spec))).collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let i = (0..pts.len()).min_by(|&a, &b| pts[a].1.total_cmp(&pts[b].1))?;
    if i == 0 || i + 1 == pts.len() {
        return None;
    }
    let ((x0, y0), (x1, y1), (x2, y2)) = (pts[i - 1], pts[i], pts[i + 1]);
    let num = (x1 - x0).powi(2) * (y1 - y2) - (x1 - x2).powi(2) * (y1 - y0);
    let den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0);
    Some(x1 - 0.5 * num / den)
}

#[test]
fn parabolic_minimum_of_a_sampled_parabola_is_exact() {
    let spec = validation::curves().remove(0);
    let mut curve = spec.clone();
    // Power 100 + (v - 4.2)^2 sampled at 0, 7, 14 m/s, given as battery power.
    curve.points = [0.0, 7.0, 14.0]
        .iter()
        .map(|&v| validation::ValidationPoint {
            payload_kg: 0.0,
            airspeed_mps: v,
            measured: validation::Measured::PowerW(100.0 + (v - 4.2) * (v - 4.2)),
        })
        .collect();
    assert_relative_eq!(measured_minimum(&curve).unwrap(), 4.2, max_relative = 1e-12);
}

#[test]
fn power_curve_minimum_matches_the_measured_sweeps() {
    let constants = ModelConstants::FITTED;
    for curve in validation::curves().iter().filter(|c| c.is_speed_sweep()) {
        let model_min = validation::minimum_power_speed_mps(
            &curve.spec,
            0.0,
            curve.alt_m,
            curve.temperature_c,
            curve.spec.max_speed_mps,
            &constants,
        )
        .unwrap();
        println!(
            "{:<16} model minimum {model_min:.2} m/s, measured {:?}",
            curve.name,
            measured_minimum(curve)
        );
        if let Some(measured) = measured_minimum(curve) {
            assert!(
                (model_min - measured).abs() <= 2.0,
                "{}: {model_min} vs {measured}",
                curve.name
            );
        }
    }
}

#[test]
fn small_quadrotors_have_a_u_shaped_curve() {
    // Published quadrotor sweeps put the minimum between about 2.5 and 7 m/s and power
    // 50-60 % above it by 11-15 m/s (issue 13); the Mavic 2 Pro's own sweep rises 43 %
    // from 25 to 50 km/h.
    let mut specs: Vec<DroneSpec> = validation::curves()
        .into_iter()
        .filter(|c| c.spec.empty_mass_kg() < 2.0)
        .map(|c| c.spec)
        .collect();
    specs.push(presets::find("dji-m100").unwrap());
    for spec in specs {
        let v_min = validation::minimum_power_speed_mps(
            &spec,
            0.0,
            0.0,
            15.0,
            spec.max_speed_mps,
            &ModelConstants::FITTED,
        )
        .unwrap();
        let p_min = level_w(&spec, v_min);
        let rise = level_w(&spec, 14.0) / p_min - 1.0;
        println!(
            "{:<16} minimum at {v_min:.2} m/s ({p_min:.1} W), +{:.0} % at 14 m/s",
            spec.name,
            100.0 * rise
        );
        assert!((2.5..=7.0).contains(&v_min), "{}: minimum at {v_min} m/s", spec.name);
        assert!(level_w(&spec, 0.0) > p_min * 1.02, "{}: no dip below hover", spec.name);
        assert!(rise > 0.3, "{}: only {:.0} % rise to 14 m/s", spec.name, 100.0 * rise);
    }
}

/// CMU figures: (payload kg, speed m/s, height above the 267 m ground, measured W).
const CMU: [(f64, f64, f64, f64); 3] =
    [(0.0, 0.0, 25.0, 457.0), (0.0, 4.0, 25.0, 338.0), (0.5, 10.0, 50.0, 430.0)];

fn cmu_errors(spec: &DroneSpec) -> Vec<f64> {
    let atm = model::Atmosphere::calm(20.0);
    CMU.iter()
        .map(|&(payload, v, agl, measured)| {
            let p = model::power(spec, payload, Vector3::new(v, 0.0, 0.0), 267.0 + agl, &atm)
                .unwrap()
                .electrical_w;
            p / measured - 1.0
        })
        .collect()
}

#[test]
fn m100_measured_efficiency_is_the_minimax_fit_of_the_cmu_figures() {
    // The preset's propulsion_efficiency is the one value that minimises the largest
    // error over the three CMU figures (the aerodynamics are the global model's).
    let preset = presets::find("dji-m100").unwrap();
    let worst = |eta: f64| {
        let mut spec = preset.clone();
        spec.propulsion_efficiency = Some(eta);
        cmu_errors(&spec).iter().fold(0.0_f64, |m, e| m.max(e.abs()))
    };
    let best = (300..=700)
        .map(|i| i as f64 / 1000.0)
        .min_by(|a, b| worst(*a).total_cmp(&worst(*b)))
        .unwrap();
    println!("M100 minimax efficiency {best:.3}: worst CMU error {:.1} %", 100.0 * worst(best));
    assert_relative_eq!(preset.propulsion_efficiency.unwrap(), best, epsilon = 0.0015);
}

#[test]
fn m100_with_the_global_rule_instead_of_its_measured_efficiency() {
    // Reported, not asserted against the CMU figures: the CMU aircraft carried
    // unpublished extra mass and electronics (see assets/drones.ron).
    let mut spec = presets::find("dji-m100").unwrap();
    spec.propulsion_efficiency = None;
    let atm = model::Atmosphere::calm(20.0);
    let p = |payload: f64, v: f64, agl: f64| {
        model::power(&spec, payload, Vector3::new(v, 0.0, 0.0), 267.0 + agl, &atm)
            .unwrap()
            .electrical_w
    };
    for (what, model_w, measured) in [
        ("hover", p(0.0, 0.0, 25.0), 457.0),
        ("4 m/s", p(0.0, 4.0, 25.0), 338.0),
        ("10 m/s 0.5 kg", p(0.5, 10.0, 50.0), 430.0),
    ] {
        println!(
            "M100 global rule {what:<14} {model_w:6.1} W vs CMU {measured} W ({})",
            pct(model_w / measured - 1.0)
        );
        assert!(
            model_w < measured,
            "the global rule should under-predict the heavier CMU aircraft"
        );
    }
}
