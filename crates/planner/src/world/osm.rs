//! Reading an OpenStreetMap `.osm.pbf` extract: buildings, helipads and car roads, in
//! local metres.
//!
//! Entry point: [`read_pbf`]. Nothing here knows about any particular city.

use std::collections::HashMap;
use std::path::Path;

use osmpbf::{Element, ElementReader, RelMemberType};

use super::polygon::{Polygon, Rect};
use crate::geo::LocalFrame;

/// Height of a building with neither `height` nor `building:levels`, metres. Four storeys:
/// erring high keeps drones clear of untagged buildings (most city buildings are 2-6
/// storeys; Monaco's tagged median is 12.5 m).
pub const DEFAULT_BUILDING_HEIGHT_M: f64 = 12.0;
/// Storey height used to turn `building:levels` into metres.
pub const METRES_PER_LEVEL: f64 = 3.0;
/// Radius of the no-fly disc around a helipad mapped as a single node, metres.
pub const HELIPAD_NODE_RADIUS_M: f64 = 15.0;

/// Where a building's height came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HeightSource {
    /// The `height` tag.
    HeightTag,
    /// `building:levels` (+ `roof:levels`) x 3 m.
    Levels,
    /// [`DEFAULT_BUILDING_HEIGHT_M`].
    Default,
}

/// A building or building part as read from the map.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MapBuilding {
    /// OSM way or relation id.
    pub osm_id: i64,
    /// Footprint.
    pub footprint: Polygon,
    /// Bottom of the volume (`min_height` / `building:min_level`), m.
    pub base_m: f64,
    /// Top of the volume, m.
    pub top_m: f64,
    /// How `top_m` was found.
    pub height_source: HeightSource,
}

/// Travel direction allowed on a road way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OneWay {
    /// Both directions.
    No,
    /// Only in the order of the way's nodes.
    Forward,
    /// Only against the order of the way's nodes (`oneway=-1`).
    Backward,
}

/// A car-accessible road way.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MapRoad {
    /// OSM way id.
    pub osm_id: i64,
    /// The `highway` class, e.g. `residential`.
    pub class: String,
    /// OSM node ids along the way (shared ids are the junctions).
    pub node_ids: Vec<i64>,
    /// Local positions of the nodes.
    pub points: Vec<[f64; 2]>,
    /// One-way restriction.
    pub oneway: OneWay,
    /// `maxspeed` in km/h when tagged and readable.
    pub maxspeed_kmh: Option<f64>,
}

/// A helicopter landing site from the map.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MapHelipad {
    /// OSM id.
    pub osm_id: i64,
    /// `heliport` or `helipad`.
    pub kind: String,
    /// Area (a disc for point features).
    pub footprint: Polygon,
}

/// A postal address of the map: a node or a way tagged `addr:housenumber`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MapAddress {
    /// OSM node or way id.
    pub osm_id: i64,
    /// `addr:street` (or `addr:place`) and `addr:housenumber`, e.g. `Rue Basse 31`.
    pub label: String,
    /// Position: the node, or the mean of the way's nodes.
    pub pos_m: [f64; 2],
}

/// Everything the planner reads from a map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OsmMap {
    /// Buildings and building parts.
    pub buildings: Vec<MapBuilding>,
    /// Heliports and helipads.
    pub helipads: Vec<MapHelipad>,
    /// Car roads.
    pub roads: Vec<MapRoad>,
    /// Postal addresses, one per street and house number (a node and the building way
    /// carrying the same address count once).
    pub addresses: Vec<MapAddress>,
    /// Extent of all nodes, local metres.
    pub bounds: Option<Rect>,
}

/// Car-accessible `highway` classes.
pub(crate) const CAR_CLASSES: &[&str] = &[
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
];

/// A relation as read: id, tags, and its way members with their roles.
type RawRelation = (i64, Vec<(String, String)>, Vec<(i64, String)>);

/// Reads buildings, helipads and car roads of a `.osm.pbf` file into local metres.
pub fn read_pbf(path: &Path, frame: &LocalFrame) -> Result<OsmMap, String> {
    read_elements(ElementReader::from_path(path).map_err(|e| e.to_string())?, frame)
}

/// [`read_pbf`] of a file's bytes already in memory (so that they are hashed and parsed
/// as one and the same content).
pub fn read_pbf_bytes(bytes: &[u8], frame: &LocalFrame) -> Result<OsmMap, String> {
    read_elements(ElementReader::new(bytes), frame)
}

fn read_elements<R: std::io::Read + Send>(
    reader: ElementReader<R>,
    frame: &LocalFrame,
) -> Result<OsmMap, String> {
    let raw = RawElements::read(reader, frame)?;
    let mut map = OsmMap::default();
    if raw.bounds.min[0].is_finite() {
        map.bounds = Some(raw.bounds);
    }
    for (id, tags) in &raw.tagged_ways {
        raw.add_way(&mut map, *id, &Tags(tags));
    }
    for (id, tags, members) in &raw.relations {
        raw.add_multipolygon(&mut map, *id, &Tags(tags), members);
    }
    map.addresses.extend(raw.addresses);
    map.addresses.sort_by(|a, b| a.label.cmp(&b.label).then(a.osm_id.cmp(&b.osm_id)));
    map.addresses.dedup_by(|a, b| a.label == b.label);
    for (id, kind, p) in raw.helipad_nodes {
        map.helipads.push(MapHelipad {
            osm_id: id,
            kind,
            footprint: Polygon::circle(p, HELIPAD_NODE_RADIUS_M, 12),
        });
    }
    Ok(map)
}

/// The elements of a file as read, before they become buildings, roads and the rest:
/// node positions (local metres), way node lists, and the tagged ways and relations.
struct RawElements {
    nodes: HashMap<i64, [f64; 2]>,
    ways: HashMap<i64, Vec<i64>>,
    tagged_ways: Vec<(i64, Vec<(String, String)>)>,
    relations: Vec<RawRelation>,
    helipad_nodes: Vec<(i64, String, [f64; 2])>,
    addresses: Vec<MapAddress>,
    bounds: Rect,
}

impl RawElements {
    /// Reads every element of `reader`. osmpbf reports malformed blobs as errors; a
    /// panic inside a decoder would be a bug in that crate, and is turned into an error
    /// by the caller.
    fn read<R: std::io::Read + Send>(
        reader: ElementReader<R>,
        frame: &LocalFrame,
    ) -> Result<RawElements, String> {
        let mut raw = RawElements {
            nodes: HashMap::new(),
            ways: HashMap::new(),
            tagged_ways: Vec::new(),
            relations: Vec::new(),
            helipad_nodes: Vec::new(),
            addresses: Vec::new(),
            bounds: Rect::empty(),
        };
        reader
            .for_each(|element| match element {
                Element::DenseNode(n) => raw.add_node(frame, n.id(), n.lat(), n.lon(), n.tags()),
                Element::Node(n) => raw.add_node(frame, n.id(), n.lat(), n.lon(), n.tags()),
                Element::Way(w) => {
                    let tags: Vec<(String, String)> =
                        w.tags().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                    if !tags.is_empty() {
                        raw.tagged_ways.push((w.id(), tags));
                    }
                    raw.ways.insert(w.id(), w.refs().collect());
                }
                Element::Relation(r) => {
                    let tags: Vec<(String, String)> =
                        r.tags().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                    let members = r
                        .members()
                        .filter(|m| m.member_type == RelMemberType::Way)
                        .map(|m| (m.member_id, m.role().unwrap_or("").to_string()))
                        .collect();
                    raw.relations.push((r.id(), tags, members));
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(raw)
    }

    /// One node: its position, and the helipad or address it may stand for.
    fn add_node<'t>(
        &mut self,
        frame: &LocalFrame,
        id: i64,
        lat: f64,
        lon: f64,
        tags: impl Iterator<Item = (&'t str, &'t str)>,
    ) {
        let p = frame.to_local(lat, lon);
        self.nodes.insert(id, p);
        self.bounds.include(p);
        // Most nodes have no tags, and few of the rest matter: look without copying.
        let mut addr: Vec<(String, String)> = Vec::new();
        for (k, v) in tags {
            if k == "aeroway" && (v == "helipad" || v == "heliport") {
                self.helipad_nodes.push((id, v.to_string(), p));
            }
            if matches!(k, "addr:housenumber" | "addr:street" | "addr:place") {
                addr.push((k.to_string(), v.to_string()));
            }
        }
        if let Some(label) = address_label(id, &Tags(&addr)) {
            self.addresses.push(MapAddress { osm_id: id, label, pos_m: p });
        }
    }

    /// The closed ring of node ids `refs` as points (the repeated last node dropped),
    /// if every node is known and it has at least three.
    fn ring_of(&self, refs: &[i64]) -> Option<Vec<[f64; 2]>> {
        let mut pts: Vec<[f64; 2]> = Vec::with_capacity(refs.len());
        for r in refs {
            pts.push(*self.nodes.get(r)?);
        }
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        (pts.len() >= 3).then_some(pts)
    }

    /// What one tagged way stands for: an address, a building, a helipad, a road.
    fn add_way(&self, map: &mut OsmMap, id: i64, tags: &Tags) {
        let tag = |k: &str| tags.get(k);
        let refs = &self.ways[&id];
        let closed = refs.len() >= 4 && refs.first() == refs.last();
        if let Some(label) = address_label(id, tags) {
            let pts: Vec<[f64; 2]> =
                refs.iter().filter_map(|r| self.nodes.get(r).copied()).collect();
            // A closed ring repeats its first node: leave it out of the mean.
            let pts = if closed { &pts[..pts.len().saturating_sub(1)] } else { &pts[..] };
            if !pts.is_empty() {
                let n = pts.len() as f64;
                let pos_m = pts.iter().fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
                map.addresses.push(MapAddress { osm_id: id, label, pos_m });
            }
        }
        if closed && is_building(tags) {
            if let Some(ring) = self.ring_of(refs) {
                map.buildings.push(building(id, Polygon::new(ring), tags));
            }
        }
        if closed {
            if let Some(kind @ ("heliport" | "helipad")) = tag("aeroway") {
                if let Some(ring) = self.ring_of(refs) {
                    let footprint = Polygon::new(ring);
                    map.helipads.push(MapHelipad { osm_id: id, kind: kind.to_string(), footprint });
                }
            }
        }
        if let Some(class) = tag("highway") {
            if CAR_CLASSES.contains(&class) && car_allowed(tags) {
                let pts: Option<Vec<[f64; 2]>> =
                    refs.iter().map(|r| self.nodes.get(r).copied()).collect();
                if let Some(points) = pts.filter(|p| p.len() >= 2) {
                    map.roads.push(MapRoad {
                        osm_id: id,
                        class: class.to_string(),
                        node_ids: refs.clone(),
                        points,
                        oneway: oneway(tags, class),
                        maxspeed_kmh: tag("maxspeed").and_then(parse_speed_kmh),
                    });
                }
            }
        }
    }

    /// A multipolygon relation that is a building or a helipad: its outer rings, each
    /// with the inner rings inside it as holes.
    fn add_multipolygon(&self, map: &mut OsmMap, id: i64, tags: &Tags, members: &[(i64, String)]) {
        let tag = |k: &str| tags.get(k);
        if tag("type") != Some("multipolygon") {
            return;
        }
        let want_building = is_building(tags);
        let helipad = matches!(tag("aeroway"), Some("heliport" | "helipad"));
        if !want_building && !helipad {
            return;
        }
        let pick = |role: &str| -> Vec<Vec<i64>> {
            members
                .iter()
                .filter(|(_, r)| r == role || (role == "outer" && r.is_empty()))
                .filter_map(|(w, _)| self.ways.get(w).cloned())
                .collect()
        };
        let outers: Vec<Vec<[f64; 2]>> =
            assemble_rings(pick("outer")).iter().filter_map(|r| self.ring_of(r)).collect();
        let inners: Vec<Vec<[f64; 2]>> =
            assemble_rings(pick("inner")).iter().filter_map(|r| self.ring_of(r)).collect();
        for outer in outers {
            let mut poly = Polygon::new(outer);
            let holes = inners.iter().filter(|h| poly.contains(h[0])).cloned().collect();
            poly.holes = holes;
            if want_building {
                map.buildings.push(building(id, poly.clone(), tags));
            }
            if helipad {
                let kind = tag("aeroway").unwrap_or("helipad").to_string();
                map.helipads.push(MapHelipad { osm_id: id, kind, footprint: poly });
            }
        }
    }
}

/// `street housenumber` of element `id` tagged `addr:housenumber` (with the element's
/// id in place of a missing street or place: such an address is its own).
fn address_label(id: i64, tags: &Tags) -> Option<String> {
    let number = tags.get("addr:housenumber")?;
    match tags.get("addr:street").or_else(|| tags.get("addr:place")) {
        Some(street) => Some(format!("{street} {number}")),
        None => Some(format!("osm {id} {number}")),
    }
}

fn is_building(tags: &Tags) -> bool {
    let tag = |k: &str| tags.get(k);
    let yes = |k: &str| tag(k).is_some_and(|v| v != "no");
    yes("building") || yes("building:part")
}

fn car_allowed(tags: &Tags) -> bool {
    let tag = |k: &str| tags.get(k);
    let no = |k: &str| matches!(tag(k), Some("no" | "private"));
    !(no("access") || no("motor_vehicle") || no("motorcar") || tag("area") == Some("yes"))
}

fn oneway(tags: &Tags, class: &str) -> OneWay {
    let tag = |k: &str| tags.get(k);
    match tag("oneway") {
        Some("yes" | "true" | "1") => OneWay::Forward,
        Some("-1" | "reverse") => OneWay::Backward,
        Some(_) => OneWay::No,
        None if tag("junction") == Some("roundabout") || class == "motorway" => OneWay::Forward,
        None => OneWay::No,
    }
}

fn building(id: i64, footprint: Polygon, tags: &Tags) -> MapBuilding {
    let tag = |k: &str| tags.get(k);
    let levels = tag("building:levels").and_then(parse_number);
    let roof_levels = tag("roof:levels").and_then(parse_number).unwrap_or(0.0);
    let (top_m, height_source) = if let Some(h) = tag("height").and_then(parse_length_m) {
        (h, HeightSource::HeightTag)
    } else if let Some(l) = levels {
        ((l + roof_levels).max(1.0) * METRES_PER_LEVEL, HeightSource::Levels)
    } else {
        (DEFAULT_BUILDING_HEIGHT_M, HeightSource::Default)
    };
    let base_m = tag("min_height")
        .and_then(parse_length_m)
        .or_else(|| tag("building:min_level").and_then(parse_number).map(|l| l * METRES_PER_LEVEL))
        .unwrap_or(0.0)
        .clamp(0.0, top_m);
    MapBuilding { osm_id: id, footprint, base_m, top_m: top_m.max(base_m), height_source }
}

/// Tag list of one OSM element.
struct Tags<'a>(&'a [(String, String)]);

impl Tags<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

fn parse_number(s: &str) -> Option<f64> {
    let v: f64 = s.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// Parses OSM lengths: `12`, `12.5 m`, `12m`, `40 ft`, `40'`.
fn parse_length_m(s: &str) -> Option<f64> {
    let s = s.trim().replace(',', ".");
    let num_end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let v: f64 = s[..num_end].parse().ok()?;
    let unit = s[num_end..].trim();
    let metres = match unit {
        "" | "m" | "meter" | "metre" | "meters" | "metres" => v,
        "ft" | "'" | "feet" => v * 0.3048,
        _ => return None,
    };
    (0.0..1000.0).contains(&metres).then_some(metres)
}

fn parse_speed_kmh(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(mph) = s.strip_suffix("mph") {
        return parse_number(mph).map(|v| v * 1.609_344);
    }
    parse_number(s.trim_end_matches("km/h").trim()).filter(|v| *v > 0.0)
}

/// Joins way node lists that share end nodes into closed rings (multipolygon members are
/// often split into several ways).
fn assemble_rings(mut parts: Vec<Vec<i64>>) -> Vec<Vec<i64>> {
    let mut rings = Vec::new();
    while let Some(mut ring) = parts.pop() {
        loop {
            if ring.len() >= 4 && ring.first() == ring.last() {
                rings.push(ring);
                break;
            }
            let end = *ring.last().unwrap_or(&0);
            let Some(pos) =
                parts.iter().position(|p| p.first() == Some(&end) || p.last() == Some(&end))
            else {
                break; // an open ring: the relation is broken in the extract; skip it
            };
            let mut next = parts.swap_remove(pos);
            if next.first() != Some(&end) {
                next.reverse();
            }
            ring.extend_from_slice(&next[1..]);
        }
    }
    rings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_speeds() {
        assert_eq!(parse_length_m("12"), Some(12.0));
        assert_eq!(parse_length_m("12.5 m"), Some(12.5));
        assert!((parse_length_m("100 ft").unwrap() - 30.48).abs() < 1e-9);
        assert_eq!(parse_length_m("tall"), None);
        assert_eq!(parse_speed_kmh("50"), Some(50.0));
        assert!((parse_speed_kmh("30 mph").unwrap() - 48.28).abs() < 0.01);
    }

    #[test]
    fn rings_join_split_ways() {
        let rings = assemble_rings(vec![vec![1, 2, 3], vec![3, 4, 1]]);
        assert_eq!(rings.len(), 1);
        assert_eq!(rings[0].first(), rings[0].last());
        assert_eq!(rings[0].len(), 5);
    }
}
