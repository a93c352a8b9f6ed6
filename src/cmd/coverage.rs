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
    /// The orders quoted.
    #[command(flatten)]
    pub quote: QuoteArgs,
    /// World cache.
    #[command(flatten)]
    pub cache: super::CacheArgs,
    /// Also draw the union as a picture: buildings grey, covered cells coloured by
    /// minutes, nests and addresses marked (SVG).
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

/// The orders `coverage` and `sites` quote to every cell and address.
#[derive(clap::Args)]
pub struct QuoteArgs {
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
}

impl QuoteArgs {
    /// The coverage settings these flags ask for, or what is wrong with them.
    pub fn config(&self) -> Result<CoverageConfig, String> {
        let at = ClockTime::parse(&self.at).map_err(|e| format!("--at: {e}"))?;
        let within = |x: f64, lo: f64, hi: f64| x.is_finite() && x >= lo && x <= hi;
        if !within(self.cell_m, 5.0, 5000.0) {
            return Err(format!("--cell-m must be within 5..=5000 m, got {}", self.cell_m));
        }
        if !(within(self.payload_kg, 0.0, 10_000.0) && self.payload_kg > 0.0) {
            let got = self.payload_kg;
            return Err(format!("--payload-kg must be within 0 < x <= 10000 kg, got {got}"));
        }
        if !(within(self.promise_min, 0.0, 1440.0) && self.promise_min > 0.0) {
            let got = self.promise_min;
            return Err(format!("--promise-min must be within 0 < x <= 1440 minutes, got {got}"));
        }
        Ok(CoverageConfig {
            cell_m: self.cell_m,
            placed_at_s: at.seconds(),
            payload_kg: self.payload_kg,
            promise_min: self.promise_min,
        })
    }
}

/// Runs `skylane coverage`.
pub fn run(args: CoverageArgs) -> ExitCode {
    let config = match args.quote.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let loaded = match super::load_or_exit(&args.mission, &args.cache) {
        Ok(l) => l,
        Err(code) => return code,
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
    let km2 = |n: usize| n as f64 * args.quote.cell_m * args.quote.cell_m / 1e6;
    println!("grid      {} x {} cells of {} m", cov.size.0, cov.size.1, args.quote.cell_m);
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
        args.quote.promise_min,
        if addresses == 0 { 0.0 } else { 100.0 * covered as f64 / addresses as f64 }
    );
    println!("quotes    {} in {secs:.2} s", cov.quotes);
    if let Some(path) = &args.svg {
        let picture = svg::render(&cov, &loaded.world, &loaded.mission, args.quote.promise_min);
        if let Err(e) = std::fs::write(path, picture) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        println!("drawn     {}", path.display());
    }
    println!("written   {}", args.out.display());
    ExitCode::SUCCESS
}
