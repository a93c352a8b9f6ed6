//! `skylane coverage MISSION -o coverage.geojson [--cell-m 50]`: where each nest and drone
//! type can put a package down within the promise.

use std::path::PathBuf;
use std::process::ExitCode;

use skylane_planner::coverage::{coverage, CoverageConfig};
use skylane_planner::mission::ClockTime;

use super::EXIT_BAD_INPUT;

mod svg;

/// Arguments of `skylane coverage`.
#[derive(clap::Args)]
pub struct CoverageArgs {
    /// Mission file (.ron).
    pub mission: PathBuf,
    /// Output GeoJSON file: a square per covered cell and group, then the union.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Cell size, m.
    #[arg(long, default_value_t = 50.0)]
    pub cell_m: f64,
    /// Time the orders are placed ("HH:MM"); zones active then count.
    #[arg(long, default_value = "10:00")]
    pub at: String,
    /// Package mass, kg.
    #[arg(long, default_value_t = 1.0)]
    pub payload_kg: f64,
    /// The promise, minutes.
    #[arg(long, default_value_t = 30.0)]
    pub promise_min: f64,
    /// World cache.
    #[command(flatten)]
    pub cache: super::CacheArgs,
    /// Also draw the union as a picture: buildings grey, covered cells coloured by
    /// minutes, nests and addresses marked (SVG).
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

/// Runs `skylane coverage`.
pub fn run(args: CoverageArgs) -> ExitCode {
    let at = match ClockTime::parse(&args.at) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: --at: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if !(args.cell_m.is_finite() && args.cell_m >= 5.0) {
        eprintln!("error: --cell-m must be at least 5 m, got {}", args.cell_m);
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let loaded = match super::load_or_exit(&args.mission, &args.cache) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let config = CoverageConfig {
        cell_m: args.cell_m,
        placed_at_s: at.seconds(),
        payload_kg: args.payload_kg,
        promise_min: args.promise_min,
    };
    let started = std::time::Instant::now();
    let cov = coverage(&loaded.mission, &loaded.world, &config);
    let secs = started.elapsed().as_secs_f64();
    let json = cov.to_geojson(&loaded.world).to_string();
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: {}: {e}", dir.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    }
    if let Err(e) = std::fs::write(&args.out, json) {
        eprintln!("error: {}: {e}", args.out.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let km2 = |n: usize| n as f64 * args.cell_m * args.cell_m / 1e6;
    println!("grid      {} x {} cells of {} m", cov.size.0, cov.size.1, args.cell_m);
    for g in &cov.groups {
        println!(
            "{:<24} {:>6} cells  {:>6.2} km2",
            format!("{}/{}", g.depot_id, g.drone_type),
            g.cells.len(),
            km2(g.cells.len())
        );
    }
    println!("{:<24} {:>6} cells  {:>6.2} km2", "all", cov.union.len(), km2(cov.union.len()));
    // The mission's own order addresses as a sample of where customers are.
    let orders = &loaded.mission.orders;
    let covered = orders
        .iter()
        .filter(|o| cov.covers(loaded.world.frame.to_local(o.lat_deg, o.lon_deg)))
        .count();
    println!(
        "orders    {covered} of {} order addresses in the union ({:.0} %)",
        orders.len(),
        if orders.is_empty() { 0.0 } else { 100.0 * covered as f64 / orders.len() as f64 }
    );
    let addresses = loaded.world.addresses.len();
    let covered = cov.addresses_covered();
    println!(
        "addresses {covered} of the map's {addresses} addresses (addr:housenumber) served within {} min ({:.1} %)",
        args.promise_min,
        if addresses == 0 { 0.0 } else { 100.0 * covered as f64 / addresses as f64 }
    );
    println!("quotes    {} in {secs:.2} s", cov.quotes);
    if let Some(path) = &args.svg {
        let picture = svg::render(&cov, &loaded.world, &loaded.mission, args.promise_min);
        if let Err(e) = std::fs::write(path, picture) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        println!("drawn     {}", path.display());
    }
    println!("written   {}", args.out.display());
    ExitCode::SUCCESS
}
