//! The two file formats, read into one description of a zone ([`ZoneDef`]) without
//! converting anything: ED-269 JSON and GeoJSON (including EUROCAE ED-318 feature
//! collections, whose limits sit in `geometry.layer`).
//!
//! Geometry is read first and kept with its longitude/latitude bounding box, so that
//! the caller can drop zones far from the map before it reads anything else about them.

use serde_json::Value;

/// Where a zone sits in its file, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Located {
    /// The zone's identifier, or `None` if it has none.
    pub identifier: Option<String>,
    /// Path of the zone in the file, e.g. `UASZoneList[3]` or `features[0]`.
    pub path: String,
}

/// A horizontal shape in WGS84 degrees.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// Rings of `[lon, lat]` points: the outer ring, then holes. Closing points dropped.
    Polygon(Vec<Vec<[f64; 2]>>),
    /// A circle around `[lon, lat]` with a radius in metres.
    Circle { centre: [f64; 2], radius_m: f64 },
}

impl Shape {
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn lon_lat_bounds(&self) -> [f64; 4] {
        match self {
            Shape::Polygon(rings) => {
                let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                for p in rings.iter().take(1).flatten() {
                    b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
                }
                b
            }
            Shape::Circle { centre, radius_m } => {
                // A degree of latitude is at least 110.5 km; of longitude, that times
                // cos(lat). Generous on purpose: this only decides what to look at.
                let dlat = radius_m / 110_000.0;
                let coslat = centre[1].to_radians().cos().max(0.01);
                let dlon = dlat / coslat;
                [centre[0] - dlon, centre[1] - dlat, centre[0] + dlon, centre[1] + dlat]
            }
        }
    }
}

/// One limit as written: a value, its unit and its vertical reference.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawLimit {
    /// The number, `None` for an absent or `null` limit.
    pub value: Option<f64>,
    /// Unit text (`M`, `FT`, `FL`, any case).
    pub uom: String,
    /// Reference text (`AGL`, `AMSL`, `WGS84`, `STD`, any case).
    pub reference: String,
    /// Field path of the value, for errors.
    pub field: String,
}

/// One volume of a zone: a shape between two limits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawVolume {
    /// Footprint.
    pub shape: Shape,
    /// Lower limit.
    pub lower: RawLimit,
    /// Upper limit.
    pub upper: RawLimit,
}

/// One applicability entry: a validity period and daily periods.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawApplicability {
    /// `permanent: "YES"`.
    pub permanent: bool,
    /// Validity start, ISO 8601 text.
    pub start: Option<String>,
    /// Validity end, ISO 8601 text.
    pub end: Option<String>,
    /// Daily periods.
    pub daily: Vec<RawDaily>,
    /// Field path, for errors.
    pub field: String,
}

/// A daily period: weekday names and clock times as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawDaily {
    /// Weekday names (`MON` ... `SUN`, `ANY`); empty means every day.
    pub days: Vec<String>,
    /// Start time text, `None` for the start of the day.
    pub start: Option<String>,
    /// End time text, `None` for the end of the day.
    pub end: Option<String>,
    /// Field path, for errors.
    pub field: String,
}

/// A zone as read, before any conversion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ZoneDef {
    /// Where it is in the file.
    pub at: Located,
    /// Restriction text (`PROHIBITED`, `REQ_AUTHORISATION`, ...), `None` if absent.
    pub restriction: Option<String>,
    /// Field path of the restriction.
    pub restriction_field: String,
    /// `restrictionConditions` codes.
    pub conditions: Vec<String>,
    /// Volumes.
    pub volumes: Vec<RawVolume>,
    /// Applicability entries; empty means always.
    pub applicability: Vec<RawApplicability>,
}

/// An error inside one zone: field path (relative to the file) and message.
pub(crate) type FieldError = (Option<String>, String, String);

/// The zone values of a document, each with its JSON path.
pub(crate) type ZoneValues<'a> = Vec<(String, &'a Value)>;

/// Which format a parsed JSON document is in, and its zone values with their paths.
pub(crate) fn zone_values(doc: &Value) -> Result<(Format, ZoneValues<'_>), String> {
    fn list<'a>(key: &str, v: &'a Value) -> Result<ZoneValues<'a>, String> {
        match v {
            Value::Array(items) => {
                Ok(items.iter().enumerate().map(|(i, z)| (format!("{key}[{i}]"), z)).collect())
            }
            _ => Err(format!("{key}: expected a list of zones")),
        }
    }
    match doc {
        Value::Object(o) => {
            if let Some(v) = o.get("UASZoneList") {
                return Ok((Format::Ed269, list("UASZoneList", v)?));
            }
            let Some(features) = o.get("features") else {
                return Err(
                    "neither an ED-269 file (no \"UASZoneList\") nor GeoJSON (no \"features\")"
                        .into(),
                );
            };
            let items = list("features", features)?;
            // GeoJSON features carry a geometry object; the ED-269 zone lists that some
            // publishers wrap in "features" carry a list of geometries.
            let ed269 = o.get("type").and_then(Value::as_str) != Some("FeatureCollection")
                && items.iter().any(|(_, z)| z.get("geometry").is_some_and(Value::is_array));
            Ok((if ed269 { Format::Ed269 } else { Format::GeoJson }, items))
        }
        Value::Array(_) => Ok((Format::Ed269, list("", doc)?)),
        _ => Err("expected a JSON object".into()),
    }
}

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// EUROCAE ED-269 JSON (`UASZoneList`).
    Ed269,
    /// GeoJSON `FeatureCollection` (plain, or EUROCAE ED-318).
    GeoJson,
}

impl Format {
    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ed269 => "ED-269",
            Format::GeoJson => "GeoJSON",
        }
    }
}

/// The identifier of a zone value and where it is, read before anything else.
pub(crate) fn locate(format: Format, path: &str, z: &Value) -> Located {
    let props = match format {
        Format::Ed269 => Some(z),
        Format::GeoJson => z.get("properties"),
    };
    let identifier =
        props.and_then(|p| p.get("identifier").or_else(|| p.get("id"))).and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    Located { identifier, path: path.to_string() }
}

/// The volumes of a zone (geometry and raw limits).
pub(crate) fn volumes(
    format: Format,
    at: &Located,
    z: &Value,
) -> Result<Vec<RawVolume>, FieldError> {
    let err = |field: String, msg: String| (at.identifier.clone(), field, msg);
    match format {
        Format::Ed269 => {
            let f = format!("{}.geometry", at.path);
            let geoms = z
                .get("geometry")
                .and_then(Value::as_array)
                .ok_or_else(|| err(f.clone(), "expected a list of geometries".into()))?;
            if geoms.is_empty() {
                return Err(err(f, "the zone has no geometry".into()));
            }
            let mut out = Vec::new();
            for (i, g) in geoms.iter().enumerate() {
                let gf = format!("{f}[{i}]");
                let uom = text_field(g, "uomDimensions").unwrap_or_else(|| "M".into());
                let hp = g
                    .get("horizontalProjection")
                    .ok_or_else(|| err(format!("{gf}.horizontalProjection"), "missing".into()))?;
                let shapes = geometry_shapes(hp, &format!("{gf}.horizontalProjection"), &uom, None)
                    .map_err(|(field, msg)| err(field, msg))?;
                let limit = |key: &str, rkey: &str| -> Result<RawLimit, FieldError> {
                    Ok(RawLimit {
                        value: number_field(g, key).map_err(|m| err(format!("{gf}.{key}"), m))?,
                        uom: uom.clone(),
                        reference: text_field(g, rkey).unwrap_or_else(|| "AGL".into()),
                        field: format!("{gf}.{key}"),
                    })
                };
                let (lower, upper) = (
                    limit("lowerLimit", "lowerVerticalReference")?,
                    limit("upperLimit", "upperVerticalReference")?,
                );
                for shape in shapes {
                    out.push(RawVolume { shape, lower: lower.clone(), upper: upper.clone() });
                }
            }
            Ok(out)
        }
        Format::GeoJson => {
            let f = format!("{}.geometry", at.path);
            let g = z
                .get("geometry")
                .filter(|g| g.is_object())
                .ok_or_else(|| err(f.clone(), "expected a GeoJSON geometry object".into()))?;
            let props = z.get("properties").cloned().unwrap_or(Value::Null);
            let pf = format!("{}.properties", at.path);
            // Limits: ED-318 puts them in geometry.layer; plain GeoJSON in properties
            // under the ED-269 names.
            let (lower, upper, uom) = if let Some(layer) = g.get("layer") {
                let lf = format!("{f}.layer");
                let uom = text_field(layer, "uom").unwrap_or_else(|| "M".into());
                let limit = |key: &str, rkey: &str| -> Result<RawLimit, FieldError> {
                    Ok(RawLimit {
                        value: number_field(layer, key)
                            .map_err(|m| err(format!("{lf}.{key}"), m))?,
                        uom: uom.clone(),
                        reference: text_field(layer, rkey).unwrap_or_else(|| "AGL".into()),
                        field: format!("{lf}.{key}"),
                    })
                };
                (limit("lower", "lowerReference")?, limit("upper", "upperReference")?, uom)
            } else {
                let uom = text_field(&props, "uomDimensions")
                    .or_else(|| text_field(&props, "uom"))
                    .unwrap_or_else(|| "M".into());
                let limit = |key: &str, rkey: &str| -> Result<RawLimit, FieldError> {
                    Ok(RawLimit {
                        value: number_field(&props, key)
                            .map_err(|m| err(format!("{pf}.{key}"), m))?,
                        uom: uom.clone(),
                        reference: text_field(&props, rkey).unwrap_or_else(|| "AGL".into()),
                        field: format!("{pf}.{key}"),
                    })
                };
                (
                    limit("lowerLimit", "lowerVerticalReference")?,
                    limit("upperLimit", "upperVerticalReference")?,
                    uom,
                )
            };
            let radius = match number_field(&props, "radius") {
                Ok(Some(r)) => Some((r, format!("{pf}.radius"))),
                Ok(None) => None,
                Err(m) => return Err(err(format!("{pf}.radius"), m)),
            };
            let shapes =
                geometry_shapes(g, &f, &uom, radius).map_err(|(field, msg)| err(field, msg))?;
            Ok(shapes
                .into_iter()
                .map(|shape| RawVolume { shape, lower: lower.clone(), upper: upper.clone() })
                .collect())
        }
    }
}

/// Restriction, conditions and applicability of a zone.
pub(crate) fn attributes(format: Format, at: &Located, z: &Value) -> Result<ZoneDef, FieldError> {
    let err = |field: String, msg: String| (at.identifier.clone(), field, msg);
    let (props, pf) = match format {
        Format::Ed269 => (z.clone(), at.path.clone()),
        Format::GeoJson => {
            (z.get("properties").cloned().unwrap_or(Value::Null), format!("{}.properties", at.path))
        }
    };
    let join = |key: &str| if pf.is_empty() { key.to_string() } else { format!("{pf}.{key}") };
    // ED-269 names it "restriction"; ED-318 "type" (where ED-269's "type" is the
    // variant, COMMON or CUSTOMIZED, which says nothing about flying).
    let (restriction, restriction_field) = match text_field(&props, "restriction") {
        Some(r) => (Some(r), join("restriction")),
        None => match format {
            Format::GeoJson => (text_field(&props, "type"), join("type")),
            Format::Ed269 => (None, join("restriction")),
        },
    };
    let conditions = match props.get("restrictionConditions") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
        _ => Vec::new(),
    };
    let mut applicability = Vec::new();
    let key =
        if props.get("applicability").is_some() { "applicability" } else { "limitedApplicability" };
    match props.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Array(entries)) => {
            for (i, a) in entries.iter().enumerate() {
                applicability.push(
                    read_applicability(a, &format!("{}[{i}]", join(key)))
                        .map_err(|(field, msg)| err(field, msg))?,
                );
            }
        }
        Some(a @ Value::Object(_)) => applicability
            .push(read_applicability(a, &join(key)).map_err(|(field, msg)| err(field, msg))?),
        Some(_) => return Err(err(join(key), "expected a list of applicability entries".into())),
    }
    Ok(ZoneDef {
        at: at.clone(),
        restriction,
        restriction_field,
        conditions,
        volumes: Vec::new(),
        applicability,
    })
}

fn read_applicability(a: &Value, f: &str) -> Result<RawApplicability, (String, String)> {
    let permanent = match a.get("permanent") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => match s.to_ascii_uppercase().as_str() {
            "YES" | "TRUE" => true,
            "NO" | "FALSE" => false,
            _ => return Err((format!("{f}.permanent"), format!("expected YES or NO, got {s:?}"))),
        },
        Some(v) => return Err((format!("{f}.permanent"), format!("expected YES or NO, got {v}"))),
    };
    let mut daily = Vec::new();
    let key = if a.get("schedule").is_some() { "schedule" } else { "dailyPeriod" };
    if let Some(list) = a.get(key).filter(|v| !v.is_null()) {
        let list = list.as_array().ok_or_else(|| {
            (format!("{f}.{key}"), "expected a list of daily periods".to_string())
        })?;
        for (i, d) in list.iter().enumerate() {
            let df = format!("{f}.{key}[{i}]");
            let days = match d.get("day") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| {
                        v.as_str().map(String::from).ok_or_else(|| {
                            (format!("{df}.day"), format!("expected a weekday, got {v}"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Some(v) => {
                    return Err((format!("{df}.day"), format!("expected weekdays, got {v}")))
                }
            };
            daily.push(RawDaily {
                days,
                start: text_field(d, "startTime"),
                end: text_field(d, "endTime"),
                field: df,
            });
        }
    }
    Ok(RawApplicability {
        permanent,
        start: text_field(a, "startDateTime"),
        end: text_field(a, "endDateTime"),
        daily,
        field: f.to_string(),
    })
}

/// Shapes of a GeoJSON-style geometry (`Polygon`, `MultiPolygon`, `Point` with a radius,
/// ED-269 `Circle` with `center` and `radius`). Radii are in `uom` (metres or feet).
fn geometry_shapes(
    g: &Value,
    f: &str,
    uom: &str,
    radius_prop: Option<(f64, String)>,
) -> Result<Vec<Shape>, (String, String)> {
    let kind = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| (format!("{f}.type"), "missing geometry type".to_string()))?;
    let scale = if uom.eq_ignore_ascii_case("FT") { 0.3048 } else { 1.0 };
    let coords = g.get("coordinates");
    match kind {
        "Polygon" => {
            let c = coords.ok_or_else(|| (format!("{f}.coordinates"), "missing".to_string()))?;
            Ok(vec![Shape::Polygon(rings(c, &format!("{f}.coordinates"))?)])
        }
        "MultiPolygon" => {
            let c = coords.and_then(Value::as_array).ok_or_else(|| {
                (format!("{f}.coordinates"), "expected a list of polygons".to_string())
            })?;
            c.iter()
                .enumerate()
                .map(|(i, p)| Ok(Shape::Polygon(rings(p, &format!("{f}.coordinates[{i}]"))?)))
                .collect()
        }
        "Circle" | "Point" => {
            let (centre_key, centre) = match (g.get("center"), coords) {
                (Some(c), _) => ("center", c),
                (None, Some(c)) => ("coordinates", c),
                (None, None) => {
                    return Err((format!("{f}.center"), "missing circle centre".to_string()))
                }
            };
            let centre = position(centre, &format!("{f}.{centre_key}"))?;
            let (radius, rfield) =
                match (number_field(g, "radius"), radius_prop) {
                    (Ok(Some(r)), _) => (r, format!("{f}.radius")),
                    (Ok(None), Some((r, field))) => (r, field),
                    (Err(m), _) => return Err((format!("{f}.radius"), m)),
                    (Ok(None), None) => return Err((
                        format!("{f}.radius"),
                        "a point zone needs a radius (a \"radius\" property, in the zone's unit)"
                            .to_string(),
                    )),
                };
            if !(radius.is_finite() && radius > 0.0) {
                return Err((rfield, format!("radius must be > 0, got {radius}")));
            }
            Ok(vec![Shape::Circle { centre, radius_m: radius * scale }])
        }
        other => Err((
            format!("{f}.type"),
            format!(
                "unsupported geometry {other:?} (expected Polygon, MultiPolygon, Circle or Point)"
            ),
        )),
    }
}

fn rings(c: &Value, f: &str) -> Result<Vec<Vec<[f64; 2]>>, (String, String)> {
    let list = c
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| (f.to_string(), "expected a list of rings".to_string()))?;
    let mut out = Vec::new();
    for (r, ring) in list.iter().enumerate() {
        let rf = format!("{f}[{r}]");
        let pts =
            ring.as_array().ok_or_else(|| (rf.clone(), "expected a list of points".to_string()))?;
        let mut ring_pts: Vec<[f64; 2]> = Vec::with_capacity(pts.len());
        for (i, p) in pts.iter().enumerate() {
            let q = position(p, &format!("{rf}[{i}]"))?;
            // Repeated points (and the closing point) add nothing.
            if ring_pts.last() != Some(&q) {
                ring_pts.push(q);
            }
        }
        if ring_pts.len() > 1 && ring_pts.first() == ring_pts.last() {
            ring_pts.pop();
        }
        if ring_pts.len() < 3 {
            return Err((
                rf,
                format!("a ring needs at least 3 distinct points, got {}", ring_pts.len()),
            ));
        }
        out.push(ring_pts);
    }
    Ok(out)
}

fn position(p: &Value, f: &str) -> Result<[f64; 2], (String, String)> {
    let a = p.as_array().filter(|a| a.len() >= 2);
    let lon = a.and_then(|a| a[0].as_f64());
    let lat = a.and_then(|a| a[1].as_f64());
    match (lon, lat) {
        (Some(lon), Some(lat))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Ok([lon, lat])
        }
        _ => Err((
            f.to_string(),
            format!("expected a position [longitude, latitude] in degrees, got {p}"),
        )),
    }
}

/// A string field (`null` and absent are `None`).
fn text_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A number field, also accepted as a numeric string (`"120"`); `null` and absent are
/// `None`.
fn number_field(v: &Value, key: &str) -> Result<Option<f64>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or_else(|| format!("bad number {n}")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| format!("expected a number, got {s:?}")),
        Some(other) => Err(format!("expected a number, got {other}")),
    }
}
