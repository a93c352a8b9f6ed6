//! The coverage picture: an SVG map of the union, drawn from the world and the coverage
//! alone (no tiles, nothing fetched).

use std::fmt::Write;

use skylane_planner::coverage::Coverage;
use skylane_planner::mission::{DepotKind, Mission};
use skylane_planner::world::World;

/// Picture scale, metres per pixel.
const M_PER_PX: f64 = 4.0;
/// Width of the legend strip, px.
const LEGEND_PX: f64 = 170.0;

/// Colour of `t` in 0..=1 on a blue-green-yellow ramp (viridis' end points and middle).
fn ramp(t: f64) -> String {
    let stops = [(68.0, 1.0, 84.0), (33.0, 145.0, 140.0), (253.0, 231.0, 37.0)];
    let t = t.clamp(0.0, 1.0) * 2.0;
    let (a, b, u) = if t <= 1.0 { (stops[0], stops[1], t) } else { (stops[1], stops[2], t - 1.0) };
    let mix = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The SVG: covered cells coloured by minutes (0 to the slowest covered cell), the
/// buildings grey, addresses as dots (black: served, red: not), nests as white
/// squares (rooftop nests outlined in red), and a legend.
pub fn render(cov: &Coverage, world: &World, mission: &Mission, promise_min: f64) -> String {
    let (w_m, h_m) = (cov.size.0 as f64 * cov.cell_m, cov.size.1 as f64 * cov.cell_m);
    let (w, h) = (w_m / M_PER_PX, h_m / M_PER_PX);
    let x = |p: [f64; 2]| (p[0] - cov.origin_m[0]) / M_PER_PX;
    let y = |p: [f64; 2]| h - (p[1] - cov.origin_m[1]) / M_PER_PX;
    let slowest = cov.union.iter().map(|c| c.minutes).fold(0.0, f64::max).max(1.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{h:.0}" viewBox="0 0 {:.0} {h:.0}" font-family="sans-serif" font-size="12">"#,
        w + LEGEND_PX,
        w + LEGEND_PX
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#f4f4f4"/>"##);
    let px = cov.cell_m / M_PER_PX;
    for c in &cov.union {
        let corner = [
            cov.origin_m[0] + c.index.0 as f64 * cov.cell_m,
            cov.origin_m[1] + (c.index.1 + 1) as f64 * cov.cell_m,
        ];
        let _ = writeln!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{px:.1}" height="{px:.1}" fill="{}" fill-opacity="0.75"/>"#,
            x(corner),
            y(corner),
            ramp(c.minutes / slowest)
        );
    }
    for b in &world.buildings {
        let pts: Vec<String> =
            b.footprint.outer.iter().map(|p| format!("{:.1},{:.1}", x(*p), y(*p))).collect();
        let _ = writeln!(s, r##"<polygon points="{}" fill="#8c8c8c"/>"##, pts.join(" "));
    }
    for (a, m) in world.addresses.iter().zip(&cov.address_minutes) {
        let colour = if m.is_some() { "#000000" } else { "#d62728" };
        let _ = writeln!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="1.6" fill="{colour}"/>"#,
            x(a.pos_m),
            y(a.pos_m)
        );
    }
    for d in mission.depots.iter().filter(|d| d.kind == DepotKind::Drone) {
        let p = world.frame.to_local(d.lat_deg, d.lon_deg);
        let stroke = if d.on_roof { "#d62728" } else { "#000000" };
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="#ffffff" stroke="{stroke}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{}</text>"##,
            x(p) - 5.0,
            y(p) - 5.0,
            x(p) + 8.0,
            y(p) - 8.0,
            d.id
        );
    }
    legend(&mut s, w, slowest, promise_min, cov);
    s.push_str("</svg>\n");
    s
}

fn legend(s: &mut String, left: f64, slowest: f64, promise_min: f64, cov: &Coverage) {
    let x0 = left + 15.0;
    let _ = writeln!(s, r#"<text x="{x0}" y="24" font-weight="bold">minutes to the door</text>"#);
    for k in 0..=4 {
        let m = slowest * k as f64 / 4.0;
        let y = 40.0 + k as f64 * 22.0;
        let _ = writeln!(
            s,
            r#"<rect x="{x0}" y="{y}" width="18" height="18" fill="{}" fill-opacity="0.75"/><text x="{:.0}" y="{:.0}">{m:.1}</text>"#,
            ramp(m / slowest),
            x0 + 26.0,
            y + 14.0
        );
    }
    let served = cov.addresses_covered();
    let all = cov.address_minutes.len();
    let lines = [
        format!("cells of {} m, promise {promise_min} min", cov.cell_m),
        format!("{served} of {all} addresses served"),
        "● served  ● not (red)".to_string(),
        "□ nest (red edge: rooftop)".to_string(),
        "grey: buildings".to_string(),
    ];
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(s, r#"<text x="{x0}" y="{:.0}">{line}</text>"#, 170.0 + i as f64 * 18.0);
    }
}
