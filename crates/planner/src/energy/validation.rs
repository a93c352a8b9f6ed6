//! The power model against published measurements of airframes it was not built on.
//!
//! `assets/energy-validation/` holds one RON file per airframe: a full [`DroneSpec`]
//! built from the manufacturer's published data with the same estimation rules as
//! `assets/drones.ron`, and the measured points (battery power, or endurance on the full
//! nominal pack, against airspeed and payload). `assets/energy-validation/SOURCE.md`
//! says where each number comes from. The files are compiled in, like the presets.
//!
//! [`fit_constants`] fits the model's two global constants ([`ModelConstants`]) on any
//! subset of the curves; [`leave_one_out`] refits them without each airframe in turn and
//! scores that airframe with them: the error on an airframe the model was not tuned on.
//!
//! ```
//! use skylane_planner::energy::{model::ModelConstants, validation};
//! let curves = validation::curves();
//! assert!(curves.len() >= 4);
//! let err = validation::mean_abs_error(&curves[0], &ModelConstants::FITTED).unwrap();
//! assert!(err < 0.5);
//! ```

use nalgebra::Vector3;
use serde::{Deserialize, Serialize};

use super::model::{self, Atmosphere, EnergyError, ModelConstants};
use super::DroneSpec;

/// The validation set, compiled in: (file name, contents). The model's constants are
/// fitted on these and its error band is measured on them.
const FILES: [(&str, &str); 4] = [
    (
        "dji-mavic-2-pro.ron",
        include_str!("../../../../assets/energy-validation/dji-mavic-2-pro.ron"),
    ),
    ("dji-mavic-3.ron", include_str!("../../../../assets/energy-validation/dji-mavic-3.ron")),
    ("dji-m600-pro.ron", include_str!("../../../../assets/energy-validation/dji-m600-pro.ron")),
    ("freefly-alta-8.ron", include_str!("../../../../assets/energy-validation/freefly-alta-8.ron")),
];

/// Published data kept beside the set but left out of the fit and the error band, for a
/// reason stated in SOURCE.md: the Freefly Alta X brochure table, whose power per
/// kilogram is not physical for any rotor model (its own-efficiency floor is 17 %).
const EXCLUDED_FILES: [(&str, &str); 1] = [(
    "freefly-alta-x.ron",
    include_str!("../../../../assets/energy-validation/freefly-alta-x.ron"),
)];

/// What was measured at a point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Measured {
    /// Endurance on the full nominal battery energy, min; the mean power is
    /// `battery_capacity_wh * 60 / min` (manufacturers state their times from 100 % to 0 %).
    EnduranceMin(f64),
    /// Battery power, W.
    PowerW(f64),
}

/// One measured flight condition: level flight at constant airspeed in calm air.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationPoint {
    /// Payload carried, kg.
    pub payload_kg: f64,
    /// Airspeed (level flight, calm air), m/s; 0 is hover.
    pub airspeed_mps: f64,
    /// The measurement.
    pub measured: Measured,
}

/// One airframe's published measurements and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationCurve {
    /// Airframe name (file stem).
    pub name: String,
    /// What the points are, in a line.
    pub description: String,
    /// Altitude above sea level of the measurements, m.
    pub alt_m: f64,
    /// Sea-level air temperature of the measurements, degC.
    pub temperature_c: f64,
    /// The airframe, from published data and the estimation rules.
    pub spec: DroneSpec,
    /// The measured points.
    pub points: Vec<ValidationPoint>,
}

impl ValidationPoint {
    /// Measured battery power of this point for an airframe of `spec`, W.
    pub fn measured_power_w(&self, spec: &DroneSpec) -> f64 {
        match self.measured {
            Measured::EnduranceMin(min) => spec.battery_capacity_wh * 60.0 / min,
            Measured::PowerW(w) => w,
        }
    }
}

impl ValidationCurve {
    /// True if the curve sweeps airspeed (more than one distinct airspeed).
    pub fn is_speed_sweep(&self) -> bool {
        self.points.iter().any(|p| p.airspeed_mps != self.points[0].airspeed_mps)
    }

    /// The model's battery power at `payload_kg` and level `airspeed_mps` in this
    /// curve's conditions, W.
    pub fn model_power_w(
        &self,
        payload_kg: f64,
        airspeed_mps: f64,
        constants: &ModelConstants,
    ) -> Result<f64, EnergyError> {
        let atm = Atmosphere::calm(self.temperature_c);
        let ground = Vector3::new(airspeed_mps, 0.0, 0.0);
        Ok(model::power_with(&self.spec, payload_kg, ground, self.alt_m, &atm, constants)?
            .electrical_w)
    }
}

/// Every curve of the validation set, in file order.
pub fn curves() -> Vec<ValidationCurve> {
    parse(&FILES)
}

/// The published curves left out of the validation set (see SOURCE.md for why), in file
/// order: scored with the fitted constants for the record, never fitted on.
pub fn excluded_curves() -> Vec<ValidationCurve> {
    parse(&EXCLUDED_FILES)
}

fn parse(files: &[(&str, &str)]) -> Vec<ValidationCurve> {
    files
        .iter()
        .map(|(file, text)| {
            // Part of the source tree and checked by the tests: a parse failure is a
            // build defect, not user input.
            ron::from_str(text).unwrap_or_else(|e| panic!("assets/energy-validation/{file}: {e}"))
        })
        .collect()
}

/// Relative error `model / measured - 1` at each point of `curve`.
pub fn curve_errors(
    curve: &ValidationCurve,
    constants: &ModelConstants,
) -> Result<Vec<f64>, EnergyError> {
    curve
        .points
        .iter()
        .map(|p| {
            let model = curve.model_power_w(p.payload_kg, p.airspeed_mps, constants)?;
            Ok(model / p.measured_power_w(&curve.spec) - 1.0)
        })
        .collect()
}

/// Mean absolute relative error over the points of `curve` (0.1 = 10 %).
pub fn mean_abs_error(
    curve: &ValidationCurve,
    constants: &ModelConstants,
) -> Result<f64, EnergyError> {
    let errors = curve_errors(curve, constants)?;
    Ok(errors.iter().map(|e| e.abs()).sum::<f64>() / errors.len().max(1) as f64)
}

/// The fit's objective: the mean over `curves` of each curve's mean absolute error, so
/// that every airframe weighs the same whatever its number of points.
pub fn objective(curves: &[ValidationCurve], constants: &ModelConstants) -> f64 {
    let total: f64 =
        curves.iter().map(|c| mean_abs_error(c, constants).unwrap_or(f64::INFINITY)).sum();
    total / curves.len().max(1) as f64
}

/// Golden-section minimum of `f` on `[lo, hi]`, to a bracket 1e-6 of the interval wide.
fn golden_min(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    const INV_PHI: f64 = 0.618_033_988_749_895;
    let tol = 1e-6 * (hi - lo);
    let mut a = hi - INV_PHI * (hi - lo);
    let mut b = lo + INV_PHI * (hi - lo);
    let (mut fa, mut fb) = (f(a), f(b));
    while hi - lo > tol {
        if fa <= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - INV_PHI * (hi - lo);
            fa = f(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + INV_PHI * (hi - lo);
            fb = f(b);
        }
    }
    0.5 * (lo + hi)
}

/// Motor efficiency and body drag coefficient minimising [`objective`] on `curves`:
/// a golden-section search on the drag coefficient (0.2..2) with, for each, one on the
/// efficiency (0.3..1). Airframes with a measured [`DroneSpec::propulsion_efficiency`]
/// do not depend on the efficiency and only inform the drag coefficient.
pub fn fit_constants(curves: &[ValidationCurve]) -> ModelConstants {
    let best_eta = |cd: f64| {
        golden_min(0.3, 1.0, |eta| {
            objective(
                curves,
                &ModelConstants { motor_esc_efficiency: eta, body_drag_coefficient: cd },
            )
        })
    };
    let cd = golden_min(0.2, 2.0, |cd| {
        let eta = best_eta(cd);
        objective(curves, &ModelConstants { motor_esc_efficiency: eta, body_drag_coefficient: cd })
    });
    ModelConstants { motor_esc_efficiency: best_eta(cd), body_drag_coefficient: cd }
}

/// One airframe scored with constants fitted without it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveOneOut {
    /// The airframe left out.
    pub name: String,
    /// The constants fitted on the other airframes.
    pub constants: ModelConstants,
    /// Its mean absolute error with those constants.
    pub mean_abs_error: f64,
    /// Its per-point errors with those constants.
    pub errors: Vec<f64>,
}

/// Leave-one-airframe-out: for each curve, [`fit_constants`] on the others and the
/// curve's error with the result.
pub fn leave_one_out(curves: &[ValidationCurve]) -> Result<Vec<LeaveOneOut>, EnergyError> {
    (0..curves.len())
        .map(|i| {
            let others: Vec<ValidationCurve> = curves
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, c)| c.clone())
                .collect();
            let constants = fit_constants(&others);
            Ok(LeaveOneOut {
                name: curves[i].name.clone(),
                constants,
                mean_abs_error: mean_abs_error(&curves[i], &constants)?,
                errors: curve_errors(&curves[i], &constants)?,
            })
        })
        .collect()
}

/// Airspeed of least battery power in level flight, calm air, m/s, to 0.05 m/s, over
/// `0..=max_mps`, for `spec` carrying `payload_kg` at `alt_m` on a day of
/// `temperature_c` (the bottom of the power curve: best endurance speed).
pub fn minimum_power_speed_mps(
    spec: &DroneSpec,
    payload_kg: f64,
    alt_m: f64,
    temperature_c: f64,
    max_mps: f64,
    constants: &ModelConstants,
) -> Result<f64, EnergyError> {
    let atm = Atmosphere::calm(temperature_c);
    let steps = (max_mps / 0.05).ceil() as usize;
    let mut best = (f64::INFINITY, 0.0);
    for i in 0..=steps {
        let v = (i as f64 * 0.05).min(max_mps);
        let p =
            model::power_with(spec, payload_kg, Vector3::new(v, 0.0, 0.0), alt_m, &atm, constants)?
                .electrical_w;
        if p < best.0 {
            best = (p, v);
        }
    }
    Ok(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse_and_specs_are_valid() {
        for (files, curves) in [(&FILES[..], curves()), (&EXCLUDED_FILES[..], excluded_curves())] {
            assert_eq!(curves.len(), files.len());
            for (c, (file, _)) in curves.iter().zip(files) {
                assert_eq!(format!("{}.ron", c.name), *file);
                assert_eq!(c.spec.name, c.name);
                assert!(c.spec.problems().is_empty(), "{}: {:?}", c.name, c.spec.problems());
                assert!(c.points.len() >= 2, "{}", c.name);
                for p in &c.points {
                    assert!(p.measured_power_w(&c.spec) > 0.0);
                }
            }
        }
    }

    #[test]
    fn golden_section_finds_a_parabola_minimum() {
        let x = golden_min(-3.0, 5.0, |x| (x - 1.25) * (x - 1.25) + 2.0);
        approx::assert_abs_diff_eq!(x, 1.25, epsilon = 1e-5);
    }
}
