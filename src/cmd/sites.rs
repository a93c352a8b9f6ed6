//! `skylane sites MISSION --near LAT,LON [--radius-m 200]`: spots near a point where a
//! drone nest with its pads fits, on open ground or on a roof.
//!
//! `skylane sites MISSION --add K [--addresses osm|FILE] -o DIR`: K new nests that cover
//! the most addresses not yet covered within the promise, with the coverage before and
//! after; writes `sites.geojson`, `snippet.ron` (the depots and drones to paste into the
//! mission) and `mission.ron` (the mission with them, map and zone files by absolute
//! path).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;
use skylane_planner::mission::{DroneGroup, Mission};
use skylane_planner::sites::{propose, sites_near, Proposals, ProposeConfig, Site};
use skylane_planner::world::{MapAddress, World};

use super::EXIT_BAD_INPUT;

/// Arguments of `skylane sites`.
#[derive(clap::Args)]
pub struct SitesArgs {
    /// Mission file (.ron).
    pub mission: PathBuf,
    /// Suggest nest sites near this point, "LAT,LON" in degrees.
    #[arg(long, conflicts_with = "add")]
    pub near: Option<String>,
    /// How far from `--near` to look, m.
    #[arg(long, default_value_t = 200.0)]
    pub radius_m: f64,
    /// Propose this many new nests.
    #[arg(long)]
    pub add: Option<usize>,
    /// The addresses to cover: `osm` (the map's addr:housenumber) or a CSV file of
    /// `lat,lon` lines (a header line is allowed).
    #[arg(long, default_value = "osm")]
    pub addresses: String,
    /// Output folder of `--add`.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Pads of each suggested nest.
    #[arg(long, default_value_t = 4)]
    pub pads: u32,
    /// Candidate sites of `--add` are searched around a grid this far apart, m.
    #[arg(long, default_value_t = 250.0)]
    pub spacing_m: f64,
    /// The orders quoted to find what each site covers.
    #[command(flatten)]
    pub quote: super::coverage::QuoteArgs,
    /// World cache.
    #[command(flatten)]
    pub cache: super::CacheArgs,
}

fn bad(msg: String) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_BAD_INPUT)
}

/// Runs `skylane sites`.
pub fn run(args: SitesArgs) -> ExitCode {
    if !(1..=skylane_planner::mission::MAX_PADS).contains(&args.pads) {
        let max = skylane_planner::mission::MAX_PADS;
        return bad(format!("--pads must be within 1..={max}, got {}", args.pads));
    }
    let loaded = match super::load_or_exit(&args.mission, &args.cache) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (mut mission, mut world) = (loaded.mission, loaded.world);
    if let Some(near) = &args.near {
        return run_near(&mut world, &mission, near, &args);
    }
    let Some(add) = args.add else {
        return bad("say --near LAT,LON or --add K".into());
    };
    if !(1..=50).contains(&add) {
        return bad(format!("--add must be within 1..=50, got {add}"));
    }
    let Some(out) = args.out.clone() else {
        return bad("--add needs -o DIR for the proposal".into());
    };
    let coverage = match args.quote.config() {
        Ok(c) => c,
        Err(e) => return bad(e),
    };
    if !(args.spacing_m.is_finite() && (20.0..=5000.0).contains(&args.spacing_m)) {
        return bad(format!("--spacing-m must be within 20..=5000 m, got {}", args.spacing_m));
    }
    if args.addresses != "osm" {
        match read_addresses(Path::new(&args.addresses), &world) {
            Ok(a) => world.addresses = a,
            Err(e) => return bad(e),
        }
    }
    let config = ProposeConfig { add, spacing_m: args.spacing_m, pads: args.pads, coverage };
    let started = std::time::Instant::now();
    let p = match propose(&mission, &mut world, &config) {
        Ok(p) => p,
        Err(e) => return bad(e),
    };
    let secs = started.elapsed().as_secs_f64();
    print_proposals(&p, &world, &args.addresses, secs);
    mission.map = loaded.map.path.display().to_string();
    match write_proposal(&out, &p, &mut mission, &world) {
        Ok(()) => {
            println!("written   {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => bad(e),
    }
}

fn run_near(world: &mut World, mission: &Mission, near: &str, args: &SitesArgs) -> ExitCode {
    let (lat, lon) = match parse_lat_lon(near) {
        Some(p) => p,
        None => return bad(format!("--near must be \"LAT,LON\" in degrees, got {near:?}")),
    };
    if !(args.radius_m.is_finite() && (1.0..=2000.0).contains(&args.radius_m)) {
        return bad(format!("--radius-m must be within 1..=2000 m, got {}", args.radius_m));
    }
    let centre = world.frame.to_local(lat, lon);
    let found = sites_near(world, mission, centre, args.radius_m, args.pads, 5, 30.0);
    if found.is_empty() {
        println!("no site for a nest with {} pads within {} m", args.pads, args.radius_m);
        return ExitCode::from(super::EXIT_NOT_ALL_GOOD);
    }
    for s in &found {
        let (la, lo) = world.frame.to_geodetic(s.pos_m);
        let away = (s.pos_m[0] - centre[0]).hypot(s.pos_m[1] - centre[1]);
        println!("{away:>5.0} m away  {}", site_line(s, la, lo));
    }
    ExitCode::SUCCESS
}

fn site_line(s: &Site, lat: f64, lon: f64) -> String {
    let what = match s.building_osm_id {
        Some(id) => format!("roof of building osm {id} at {:.1} m (on_roof: true)", s.deck_m),
        None => "ground".to_string(),
    };
    format!("{lat:.6} {lon:.6}  {what}")
}

fn parse_lat_lon(s: &str) -> Option<(f64, f64)> {
    let (a, b) = s.split_once(',')?;
    let (lat, lon): (f64, f64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// Addresses from a CSV file of `lat,lon` lines; the first line may be a header.
fn read_addresses(path: &Path, world: &World) -> Result<Vec<MapAddress>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (i == 0 && parse_lat_lon(line).is_none() && line.contains("lat")) {
            continue;
        }
        let Some((lat, lon)) = parse_lat_lon(line) else {
            return Err(format!(
                "{}:{}:1: expected \"lat,lon\" in degrees (lat -90..=90, lon -180..=180), got {line:?}",
                path.display(),
                i + 1
            ));
        };
        out.push(MapAddress {
            osm_id: 0,
            label: format!("{}:{}", path.display(), i + 1),
            pos_m: world.frame.to_local(lat, lon),
        });
    }
    Ok(out)
}

fn print_proposals(p: &Proposals, world: &World, source: &str, secs: f64) {
    let share =
        |n: usize| if p.addresses == 0 { 0.0 } else { 100.0 * n as f64 / p.addresses as f64 };
    println!("addresses {} ({source})", p.addresses);
    println!("before    {} covered ({:.1} %)", p.covered_before, share(p.covered_before));
    for c in &p.chosen {
        let (la, lo) = world.frame.to_geodetic(c.site.pos_m);
        println!("{:<10} +{} addresses  {}", c.depot.id, c.gain, site_line(&c.site, la, lo));
    }
    println!("after     {} covered ({:.1} %)", p.covered_after, share(p.covered_after));
    println!(
        "searched  {} candidate sites, {} evaluations in {secs:.2} s",
        p.candidates, p.evaluations
    );
}

/// `sites.geojson`, `snippet.ron` and `mission.ron` in `out`.
fn write_proposal(
    out: &Path,
    p: &Proposals,
    mission: &mut Mission,
    world: &World,
) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let write = |name: &str, text: String| {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let features: Vec<_> = p
        .chosen
        .iter()
        .map(|c| {
            let (lat, lon) = world.frame.to_geodetic(c.site.pos_m);
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"id": c.depot.id, "on_roof": c.site.on_roof, "deck_m": c.site.deck_m,
                               "building_osm_id": c.site.building_osm_id, "new_addresses": c.gain},
            })
        })
        .collect();
    let geojson = json!({"type": "FeatureCollection", "features": features,
                         "addresses": p.addresses, "covered_before": p.covered_before,
                         "covered_after": p.covered_after});
    write("sites.geojson", geojson.to_string())?;
    let group = mission.fleet.drones.first().cloned().ok_or("the mission has no drones")?;
    let mut snippet = String::from("// depots:\n");
    for c in &p.chosen {
        let d = &c.depot;
        snippet += &format!(
            "(id: {:?}, lat_deg: {:.6}, lon_deg: {:.6}, kind: Drone, pads: {}{}),\n",
            d.id,
            d.lat_deg,
            d.lon_deg,
            d.pads,
            if d.on_roof { ", on_roof: true" } else { "" }
        );
        mission.depots.push(d.clone());
        mission.fleet.drones.push(DroneGroup { depot: d.id.clone(), ..group.clone() });
    }
    snippet += "// fleet.drones:\n";
    for c in &p.chosen {
        let model = ron::to_string(&group.model).map_err(|e| e.to_string())?;
        snippet += &format!("(model: {model}, depot: {:?}, count: {}),\n", c.depot.id, group.count);
    }
    write("snippet.ron", snippet)?;
    let pretty = ron::ser::PrettyConfig::default();
    write("mission.ron", ron::ser::to_string_pretty(mission, pretty).map_err(|e| e.to_string())?)
}
