//! `skylane power`: the electrical power of a drone type in one flight condition, by
//! component, and optionally a plot of power against airspeed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use nalgebra::Vector3;
use plotters::prelude::*;
use skylane_planner::energy::{model, presets, DroneSpec};

/// Arguments of `skylane power`.
#[derive(Debug, Args)]
pub struct PowerArgs {
    /// Drone preset name (see assets/drones.ron), e.g. dji-m100.
    #[arg(long)]
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
}

/// Runs the command: prints the breakdown with `power_w X` as the last line. Exit 2
/// for an unknown vehicle or out-of-range input, 1 if the plot cannot be written.
pub fn run(args: PowerArgs) -> ExitCode {
    let Some(spec) = presets::find(&args.vehicle) else {
        eprintln!(
            "error: unknown vehicle {:?}; presets: {}",
            args.vehicle,
            presets::names().join(", ")
        );
        return ExitCode::from(2);
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
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &args.plot {
        if let Err(e) = plot(&spec, &args, path) {
            eprintln!("error: cannot write plot {}: {e}", path.display());
            return ExitCode::from(1);
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
        ("profile", p.profile_w),
        ("parasite", p.parasite_w),
        ("climb", p.climb_w),
    ] {
        println!("{name:<10} {w:9.1} W  (shaft)");
    }
    println!("{:<10} {:9.1} W", "avionics", p.avionics_w);
    println!(
        "{:<10} {:9.1} W  (shaft / efficiency {} + avionics)",
        "electrical", p.electrical_w, spec.propulsion_efficiency
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
