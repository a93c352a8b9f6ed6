//! `skylane power`: the electrical power of a drone type (a preset or a `DroneSpec` RON
//! file) in one flight condition, by component; optionally a plot of power against
//! airspeed, and plots of the model against every validation airframe.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{EXIT_BAD_INPUT, EXIT_NOT_ALL_GOOD};
use clap::Args;
use nalgebra::Vector3;
use plotters::prelude::*;
use skylane_planner::energy::model::ModelConstants;
use skylane_planner::energy::{model, presets, validation, DroneSpec};

/// Arguments of `skylane power`.
#[derive(Debug, Args)]
pub struct PowerArgs {
    /// Drone preset name (see assets/drones.ron), e.g. dji-m100, or the path of a RON
    /// file holding one `DroneSpec` (the fields of an entry of assets/drones.ron).
    #[arg(long, value_name = "PRESET|FILE.ron")]
    pub vehicle: String,
    /// Payload carried, kg.
    #[arg(long)]
    pub payload_kg: f64,
    /// Horizontal ground speed, m/s.
    #[arg(long)]
    pub speed_mps: f64,
    /// Vertical speed, m/s (positive climbs, negative descends).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub climb_mps: f64,
    /// Headwind along the flight direction, m/s (negative for a tailwind).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub wind_mps: f64,
    /// Altitude above mean sea level, m (sets air density).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub alt_m: f64,
    /// Sea-level air temperature, degC.
    #[arg(long, default_value_t = 15.0, allow_negative_numbers = true)]
    pub temperature_c: f64,
    /// Also draw electrical power against airspeed (0..max speed, level flight, calm)
    /// for no, half and full payload into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Also write, into this directory, one SVG per airframe of the validation set
    /// (assets/energy-validation/): its measured points and the model's line.
    #[arg(long, value_name = "DIR")]
    pub plot_validation: Option<PathBuf>,
}

/// The vehicle named by `--vehicle`: a preset, else a RON file with a `DroneSpec`.
/// A file that does not parse, or a spec with invalid fields, is an error message.
fn load_vehicle(arg: &str) -> Result<DroneSpec, String> {
    if let Some(spec) = presets::find(arg) {
        return Ok(spec);
    }
    let path = Path::new(arg);
    if !path.is_file() {
        return Err(format!(
            "unknown vehicle {arg:?}: not a preset ({}) and not a file",
            presets::names().join(", ")
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {arg}: {e}"))?;
    let spec: DroneSpec = ron::from_str(&text).map_err(|e| format!("{arg}: {e}"))?;
    if let Some((field, message)) = spec.problems().into_iter().next() {
        return Err(format!("{arg}: {field} {message}"));
    }
    Ok(spec)
}

/// Runs the command: prints the breakdown with `power_w X` as the last line. Exit 2
/// for an unknown vehicle, an invalid vehicle file or out-of-range input, 1 if a plot
/// cannot be written.
pub fn run(args: PowerArgs) -> ExitCode {
    let spec = match load_vehicle(&args.vehicle) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    // The flight direction is +x; a headwind blows towards -x.
    let atmosphere = model::Atmosphere {
        temperature_c: args.temperature_c,
        wind_mps: Vector3::new(-args.wind_mps, 0.0, 0.0),
    };
    let ground = Vector3::new(args.speed_mps, 0.0, args.climb_mps);
    let p = match model::power(&spec, args.payload_kg, ground, args.alt_m, &atmosphere) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Some(path) = &args.plot {
        if let Err(e) = plot(&spec, &args, path) {
            eprintln!("error: cannot write plot {}: {e}", path.display());
            return ExitCode::from(EXIT_NOT_ALL_GOOD);
        }
    }
    if let Some(dir) = &args.plot_validation {
        match plot_validation(dir) {
            Ok(files) => {
                for f in files {
                    eprintln!("wrote {}", f.display());
                }
            }
            Err(e) => {
                eprintln!("error: cannot write validation plots in {}: {e}", dir.display());
                return ExitCode::from(EXIT_NOT_ALL_GOOD);
            }
        }
    }
    let airspeed = (ground - atmosphere.wind_mps).norm();
    println!(
        "{} with {} kg payload, airspeed {:.2} m/s, air density {:.4} kg/m^3, thrust {:.1} N",
        spec.name,
        args.payload_kg,
        airspeed,
        atmosphere.air_density_kg_m3(args.alt_m),
        p.thrust_n
    );
    for (name, w) in [
        ("induced", p.induced_w),
        ("wake", p.interference_w),
        ("profile", p.profile_w),
        ("parasite", p.parasite_w),
        ("climb", p.climb_w),
    ] {
        println!("{name:<10} {w:9.1} W  (shaft)");
    }
    println!("{:<10} {:9.1} W", "avionics", p.avionics_w);
    println!("{:<10} {:9.1} W  (battery internal resistance)", "battery", p.battery_loss_w);
    let eta = spec.propulsion_efficiency.unwrap_or(model::MOTOR_ESC_EFFICIENCY);
    println!(
        "{:<10} {:9.1} W  (shaft / motor efficiency {eta:.3} + avionics + battery; tilt {:.1} deg)",
        "electrical", p.electrical_w, p.tilt_deg
    );
    println!("power_w {:.3}", p.electrical_w);
    ExitCode::SUCCESS
}

/// Electrical power against airspeed for 0, half and full payload, level flight in
/// calm air at the requested altitude and temperature.
fn plot(spec: &DroneSpec, args: &PowerArgs, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let atmosphere = model::Atmosphere::calm(args.temperature_c);
    const STEPS: usize = 200;
    let mut curves = Vec::new();
    for fraction in [0.0, 0.5, 1.0] {
        let payload = fraction * spec.max_payload_kg;
        let mut points = Vec::with_capacity(STEPS + 1);
        for i in 0..=STEPS {
            let v = spec.max_speed_mps * i as f64 / STEPS as f64;
            let p =
                model::power(spec, payload, Vector3::new(v, 0.0, 0.0), args.alt_m, &atmosphere)?;
            points.push((v, p.electrical_w));
        }
        curves.push((payload, points));
    }
    let y_max =
        curves.iter().flat_map(|(_, pts)| pts.iter().map(|p| p.1)).fold(0.0, f64::max) * 1.1;

    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{}: electrical power, level flight, {} m, {} °C",
                spec.name, args.alt_m, args.temperature_c
            ),
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..spec.max_speed_mps, 0.0..y_max)?;
    chart.configure_mesh().x_desc("airspeed (m/s)").y_desc("electrical power (W)").draw()?;
    for ((payload, points), color) in curves.into_iter().zip([BLUE, GREEN, RED]) {
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(format!("payload {payload:.2} kg"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    root.present()?;
    Ok(())
}

/// One SVG per validation airframe in `dir` (created if missing): measured points and
/// the model's line against airspeed (speed sweeps) or payload (hover against payload).
/// The published curves left out of the set are drawn too, their caption saying so.
/// Returns the files written.
fn plot_validation(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let constants = ModelConstants::FITTED;
    let mut written = Vec::new();
    let in_set = validation::curves().into_iter().map(|c| (c, ""));
    let left_out = validation::excluded_curves()
        .into_iter()
        .map(|c| (c, ", left out of the set: see SOURCE.md"));
    for (curve, note) in in_set.chain(left_out) {
        let by_speed = curve.is_speed_sweep();
        // The swept quantity of each point and the model along it.
        let x_of =
            |p: &validation::ValidationPoint| if by_speed { p.airspeed_mps } else { p.payload_kg };
        let payload = curve.points[0].payload_kg;
        let x_max = if by_speed {
            curve.spec.max_speed_mps
        } else {
            curve.points.iter().map(x_of).fold(0.0, f64::max).max(curve.spec.max_payload_kg)
        };
        const STEPS: usize = 200;
        let mut line = Vec::with_capacity(STEPS + 1);
        for i in 0..=STEPS {
            let x = x_max * i as f64 / STEPS as f64;
            let w = if by_speed {
                curve.model_power_w(payload, x, &constants)?
            } else {
                curve.model_power_w(x, 0.0, &constants)?
            };
            line.push((x, w));
        }
        let measured: Vec<(f64, f64)> =
            curve.points.iter().map(|p| (x_of(p), p.measured_power_w(&curve.spec))).collect();
        let y_max = line.iter().chain(&measured).map(|p| p.1).fold(0.0, f64::max) * 1.15;
        let path = dir.join(format!("{}.svg", curve.name));
        {
            let root = SVGBackend::new(&path, (800, 500)).into_drawing_area();
            root.fill(&WHITE)?;
            let error = validation::mean_abs_error(&curve, &constants)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(
                    format!(
                        "{}: model vs measured (mean error {:.1} %{note})",
                        curve.name,
                        100.0 * error
                    ),
                    ("sans-serif", 18),
                )
                .margin(15)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
            chart
                .configure_mesh()
                .x_desc(if by_speed {
                    "airspeed (m/s), level flight"
                } else {
                    "payload (kg), hover"
                })
                .y_desc("battery power (W)")
                .draw()?;
            chart
                .draw_series(LineSeries::new(line, BLUE.stroke_width(2)))?
                .label("model")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
            chart
                .draw_series(measured.iter().map(|&(x, y)| Circle::new((x, y), 5, RED.filled())))?
                .label("published measurement")
                .legend(|(x, y)| Circle::new((x + 10, y), 5, RED.filled()));
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .position(SeriesLabelPosition::LowerRight)
                .draw()?;
            root.present()?;
        }
        written.push(path);
    }
    Ok(written)
}
