use std::path::{Path, PathBuf};

use super::time::CivilDate;
use super::*;

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/geozones").join(name)
}

/// A frame in Switzerland and an area covering the whole country.
fn swiss() -> (LocalFrame, Rect) {
    let frame = LocalFrame::new(46.8, 8.2);
    let area = Rect { min: [-200_000.0, -150_000.0], max: [200_000.0, 150_000.0] };
    (frame, area)
}

fn settings() -> ZoneSettings {
    ZoneSettings {
        clock: MissionClock { date: None, utc_offset_s: 0.0 },
        ground_amsl_m: 0.0,
        geoid_height_m: 0.0,
        authorisations: Vec::new(),
    }
}

fn zones_named<'a>(zones: &'a [Zone], name: &str) -> Vec<&'a Zone> {
    zones.iter().filter(|z| z.id.starts_with(name)).collect()
}

#[test]
fn the_interuss_ed269_sample_converts_zone_by_zone() {
    let file = ZoneFile::read(&asset("geo-awareness-che-1.json")).unwrap();
    assert_eq!(file.format, Format::Ed269);
    assert_eq!(file.zone_count(), 6);
    let (frame, area) = swiss();
    let (zones, usage) = world_zones(&[file], &settings(), &frame, area).unwrap();
    assert_eq!(
        usage,
        ZoneUse {
            files: 1,
            read: 6,
            used: 5,
            volumes: 9,
            not_restricting: 1,
            ..ZoneUse::default()
        }
    );
    // Lausanne Airport: three polygons, permanent, floors 0, 30 and 60 m AGL, tops 120.
    let lausanne = zones_named(&zones, "Lausanne Airport");
    let floors: Vec<f64> = lausanne.iter().map(|z| z.floor_m).collect();
    assert_eq!(floors, vec![0.0, 30.0, 60.0]);
    assert!(lausanne.iter().all(|z| z.ceiling_m == 120.0 && z.window_s.is_none()));
    assert_eq!(lausanne[0].id, "Lausanne Airport (volume 1 of 3)");
    // Its first volume is the rectangle 6.609821..6.624755 E, 46.532886..46.558624 N.
    let inside = frame.to_local(46.545, 6.617);
    let outside = frame.to_local(46.545, 6.630);
    assert!(lausanne[0].footprint.contains(inside));
    assert!(!lausanne[0].footprint.contains(outside));
    // Reichenbach: three concentric circles of 1000, 2500 and 3500 m; the polygon
    // stands outside the circle.
    let reichenbach = zones_named(&zones, "Flugplatz Reichenbach");
    assert_eq!(reichenbach.len(), 3);
    let centre = frame.to_local(46.612893, 7.67807);
    for (z, r) in reichenbach.iter().zip([1000.0, 2500.0, 3500.0]) {
        for k in 0..16 {
            let a = k as f64 * 0.39;
            let p = [centre[0] + r * a.cos(), centre[1] + r * a.sin()];
            assert!(z.footprint.contains(p), "{} misses {p:?}", z.id);
        }
        let far = [centre[0] + r * 1.01, centre[1]];
        assert!(!z.footprint.contains(far));
    }
    // Without a mission date the validity period (2022-06-15 to 2023-06-15) cannot be
    // placed, so the zone counts as always active.
    assert!(reichenbach.iter().all(|z| z.window_s.is_none()));
    // Montreux: SAT/SUN 17:00Z-23:59:59Z; without a date the period counts on the
    // mission day; upper limit 6259 m AMSL over ground at sea level.
    let montreux = zones_named(&zones, "Montreux Concert Area");
    assert_eq!(montreux.len(), 1);
    assert_eq!(montreux[0].window_s, Some((17.0 * 3600.0, 23.0 * 3600.0 + 59.0 * 60.0 + 59.0)));
    assert_eq!(montreux[0].ceiling_m, 6259.0);
    // Gantrisch: the NO_RESTRICTION entry is skipped, the REQ_AUTHORISATION one is an
    // obstacle up to 250 ft = 76.2 m.
    let gantrisch = zones_named(&zones, "Gantrisch Nature Park");
    assert_eq!(gantrisch.len(), 1);
    assert!((gantrisch[0].ceiling_m - 76.2).abs() < 1e-9);
}

#[test]
fn authorisations_open_only_the_zones_they_name() {
    let file = ZoneFile::read(&asset("geo-awareness-che-1.json")).unwrap();
    let (frame, area) = swiss();
    let s = ZoneSettings {
        authorisations: vec!["Gantrisch Nature Park".into(), "Lausanne Airport".into()],
        ..settings()
    };
    let (zones, usage) = world_zones(&[file], &s, &frame, area).unwrap();
    // Gantrisch needs an authorisation and has one; Lausanne Airport is PROHIBITED, so
    // an authorisation does not open it.
    assert_eq!(usage.authorised, 1);
    assert!(zones_named(&zones, "Gantrisch").is_empty());
    assert_eq!(zones_named(&zones, "Lausanne Airport").len(), 3);
    assert_eq!(zones_named(&zones, "MONTREUX Wildlife Preserve").len(), 1);
}

#[test]
fn the_mission_date_places_schedules_and_validity() {
    let file = ZoneFile::read(&asset("geo-awareness-che-1.json")).unwrap();
    let (frame, area) = swiss();
    let on = |date: &str, offset_h: f64| {
        let s = ZoneSettings {
            clock: MissionClock {
                date: Some(CivilDate::parse(date).unwrap()),
                utc_offset_s: offset_h * 3600.0,
            },
            ..settings()
        };
        world_zones(std::slice::from_ref(&file), &s, &frame, area).unwrap()
    };
    // Saturday 2022-06-18 at UTC+2: Saturday's period is 19:00 to 01:59:59 local and
    // Sunday's starts at 43:00 on the mission clock.
    let (zones, _) = on("2022-06-18", 2.0);
    let windows: Vec<_> =
        zones_named(&zones, "Montreux Concert Area").iter().map(|z| z.window_s).collect();
    assert_eq!(
        windows,
        vec![
            Some((19.0 * 3600.0, 25.0 * 3600.0 + 3599.0)),
            Some((43.0 * 3600.0, 49.0 * 3600.0 + 3599.0))
        ]
    );
    // Wednesday 2022-06-22: no period that day, nor spilling into it from Tuesday.
    let (zones, usage) = on("2022-06-22", 2.0);
    assert!(zones_named(&zones, "Montreux Concert Area").is_empty());
    assert_eq!(usage.inactive, 1);
    // A Saturday after the validity period (it ended 2023-06-15): Montreux and
    // Reichenbach are both inactive.
    let (zones, usage) = on("2024-01-06", 1.0);
    assert_eq!(usage.inactive, 2);
    assert!(zones_named(&zones, "Flugplatz Reichenbach").is_empty());
    // On the first day of validity, Reichenbach starts at 09:00Z = 11:00 local.
    let (zones, _) = on("2022-06-15", 2.0);
    let r = zones_named(&zones, "Flugplatz Reichenbach");
    let (from, to) = r[0].window_s.unwrap();
    assert_eq!(from, 11.0 * 3600.0);
    assert!(to > 365.0 * 86_400.0, "valid until 2023-06-15, got {to}");
}

#[test]
fn amsl_wgs84_and_flight_level_limits_become_heights_above_ground() {
    let s = ZoneSettings { ground_amsl_m: 400.0, geoid_height_m: 50.0, ..settings() };
    let limit = |v: f64, uom: &str, reference: &str| RawLimit {
        value: Some(v),
        uom: uom.into(),
        reference: reference.into(),
        field: "f".into(),
    };
    assert_eq!(height_agl(&limit(120.0, "M", "AGL"), true, &s).unwrap(), 120.0);
    assert_eq!(height_agl(&limit(6259.0, "M", "AMSL"), true, &s).unwrap(), 5859.0);
    assert_eq!(height_agl(&limit(1000.0, "FT", "AMSL"), true, &s).unwrap(), 304.8 - 400.0);
    assert_eq!(height_agl(&limit(600.0, "m", "WGS84"), true, &s).unwrap(), 150.0);
    assert!((height_agl(&limit(45.0, "FL", "STD"), true, &s).unwrap() - 971.6).abs() < 1e-9);
    let none = RawLimit { value: None, ..limit(0.0, "M", "AGL") };
    assert_eq!(height_agl(&none, true, &s).unwrap(), f64::INFINITY);
    assert_eq!(height_agl(&none, false, &s).unwrap(), 0.0);
    assert!(height_agl(&limit(1.0, "YD", "AGL"), true, &s).unwrap_err().contains("unit"));
    assert!(height_agl(&limit(1.0, "M", "QFE"), true, &s).unwrap_err().contains("reference"));
}

#[test]
fn the_ed318_geojson_sample_reads_layers_and_us_spelling() {
    let file = ZoneFile::read(&asset("cis_source_sample_ed318.json")).unwrap();
    assert_eq!(file.format, Format::GeoJson);
    let (frame, area) = swiss();
    let (zones, usage) =
        world_zones(std::slice::from_ref(&file), &settings(), &frame, area).unwrap();
    assert_eq!((usage.read, usage.used), (3, 3));
    let bern = zones_named(&zones, "LSZB003");
    assert_eq!((bern[0].floor_m, bern[0].ceiling_m), (60.0, 99999.0));
    // REQ_AUTHORIZATION opens with the zone's identifier or its condition text.
    let s = ZoneSettings {
        authorisations: vec![
            "LSZB003".into(),
            "The operation of unmanned aircraft is only allowed with exemption permit.".into(),
        ],
        ..settings()
    };
    let (zones, usage) = world_zones(&[file], &s, &frame, area).unwrap();
    assert_eq!((usage.authorised, usage.used), (3, 0));
    assert!(zones.is_empty());
}

#[test]
fn zones_outside_the_area_are_dropped_first() {
    let file = ZoneFile::read(&asset("geo-awareness-che-1.json")).unwrap();
    // Monaco: every Swiss zone is far away.
    let frame = LocalFrame::new(43.7384, 7.4246);
    let area = Rect { min: [-3000.0; 2], max: [3000.0; 2] };
    let (zones, usage) = world_zones(&[file], &settings(), &frame, area).unwrap();
    assert!(zones.is_empty());
    assert_eq!((usage.read, usage.outside_map, usage.used), (6, 6, 0));
}

fn parse(text: &str) -> ZoneFile {
    ZoneFile::parse(Path::new("test.geojson"), text).unwrap()
}

#[test]
fn geojson_points_with_radius_and_multipolygons() {
    let file = parse(
        r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [7.4246, 43.7384]},
         "properties": {"identifier": "P1", "radius": 100, "upperLimit": 400,
                        "upperVerticalReference": "AGL", "uomDimensions": "FT"}},
        {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [
            [[[7.420, 43.730], [7.421, 43.730], [7.421, 43.731], [7.420, 43.730]]],
            [[[7.430, 43.740], [7.431, 43.740], [7.431, 43.741], [7.430, 43.740]]]]},
         "properties": {"identifier": "M1", "restriction": "PROHIBITED"}}]}"#,
    );
    let frame = LocalFrame::new(43.7384, 7.4246);
    let area = Rect { min: [-3000.0; 2], max: [3000.0; 2] };
    let (zones, usage) = world_zones(&[file], &settings(), &frame, area).unwrap();
    assert_eq!((usage.used, usage.volumes), (2, 3));
    // The point: a 100 ft circle (30.48 m), ground to 400 ft.
    let p = &zones_named(&zones, "P1")[0];
    assert!(p.footprint.contains([30.0, 0.0]) && !p.footprint.contains([31.5, 0.0]));
    assert!((p.ceiling_m - 121.92).abs() < 1e-9 && p.floor_m == 0.0);
    // The multipolygon: two volumes, unlimited upwards.
    let m = zones_named(&zones, "M1");
    assert_eq!(m.len(), 2);
    assert!(m.iter().all(|z| z.ceiling_m == f64::INFINITY));
}

#[test]
fn errors_name_the_file_the_zone_and_the_field() {
    let text = std::fs::read_to_string(asset("geo-awareness-che-1.json")).unwrap();
    // Lausanne Airport's second volume gets a lower limit that is not a number.
    let bad = text.replacen(r#""lowerLimit": 30,"#, r#""lowerLimit": "thirty","#, 1);
    let file = ZoneFile::parse(Path::new("zones/che.json"), &bad).unwrap();
    let (frame, area) = swiss();
    let e = world_zones(&[file], &settings(), &frame, area).unwrap_err();
    assert_eq!(e.zone.as_deref(), Some("Lausanne Airport"));
    assert_eq!(e.field, "features[2].geometry[1].lowerLimit");
    assert_eq!(
        e.to_string(),
        "zones/che.json: zone \"Lausanne Airport\": features[2].geometry[1].lowerLimit: \
         expected a number, got \"thirty\""
    );
    let e = ZoneFile::parse(Path::new("x.json"), "{\"UASZoneList\": [").unwrap_err();
    assert!(e.to_string().starts_with("x.json: not JSON (line 1"), "{e}");
    let file = parse(
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
        "geometry": {"type": "Point", "coordinates": [8.0, 46.0]},
        "properties": {"identifier": "no-radius"}}]}"#,
    );
    let e = world_zones(&[file], &settings(), &frame, area).unwrap_err();
    assert_eq!(e.field, "features[0].geometry.radius");
    let file = parse(
        r#"{"UASZoneList": [{"identifier": "Z", "restriction": "MAYBE", "geometry": [
        {"horizontalProjection": {"type": "Circle", "center": [8.0, 46.0], "radius": 10}}]}]}"#,
    );
    let e = world_zones(&[file], &settings(), &frame, area).unwrap_err();
    assert_eq!((e.zone.as_deref(), e.field.as_str()), (Some("Z"), "UASZoneList[0].restriction"));
    let file = parse(
        r#"{"UASZoneList": [{"identifier": "Z", "restriction": "PROHIBITED", "geometry": [
        {"lowerLimit": 100, "upperLimit": 50, "horizontalProjection":
         {"type": "Circle", "center": [8.0, 46.0], "radius": 10}}]}]}"#,
    );
    let e = world_zones(&[file], &settings(), &frame, area).unwrap_err();
    assert_eq!(e.field, "UASZoneList[0].geometry[0].upperLimit");
    assert!(e.message.contains("not above the lower limit"), "{e}");
}

#[test]
fn a_volume_under_the_ground_is_not_an_obstacle() {
    // 300 m AMSL over ground 400 m AMSL.
    let file = parse(
        r#"{"UASZoneList": [{"identifier": "low", "restriction": "PROHIBITED", "geometry": [
        {"uomDimensions": "M", "lowerLimit": 0, "lowerVerticalReference": "AMSL",
         "upperLimit": 300, "upperVerticalReference": "AMSL",
         "horizontalProjection": {"type": "Circle", "center": [8.0, 46.0], "radius": 10}}]}]}"#,
    );
    let (frame, area) = swiss();
    let s = ZoneSettings { ground_amsl_m: 400.0, ..settings() };
    let (zones, usage) = world_zones(&[file], &s, &frame, area).unwrap();
    assert!(zones.is_empty());
    assert_eq!(usage.below_ground, 1);
}

#[test]
fn the_mission_date_reads_bare_or_as_some_and_round_trips() {
    let text = |date: &str| {
        format!(
            r#"Mission(
            name: "d", origin: (lat_deg: 46.5, lon_deg: 6.6), map: "m.osm.pbf",
            airspace: (date: {date}, utc_offset_h: 1, zones_files: ["z.json"]),
            depots: [(id: "n", lat_deg: 46.5, lon_deg: 6.6, kind: Drone, pads: 1)],
            fleet: (drones: [(model: Preset("dji-m100"), depot: "n", count: 1)]),
            orders: [(id: "o", placed_at: "09:00", lat_deg: 46.5, lon_deg: 6.601, payload_kg: 1)],
        )"#
        )
    };
    let bare = Mission::from_ron_str(&text("\"2026-12-05\""), "a.ron").unwrap();
    let some = Mission::from_ron_str(&text("Some(\"2026-12-05\")"), "b.ron").unwrap();
    assert_eq!(bare, some);
    assert_eq!(bare.airspace.date, Some(CivilDate { year: 2026, month: 12, day: 5 }));
    let written = ron::to_string(&bare).unwrap();
    assert_eq!(Mission::from_ron_str(&written, "c.ron").unwrap(), bare);
    let e = Mission::from_ron_str(&text("\"2026-02-30\""), "d.ron").unwrap_err().to_string();
    assert!(e.contains("airspace.date") && e.contains("does not exist"), "{e}");
}
