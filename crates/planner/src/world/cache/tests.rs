use super::*;
use crate::world::osm::MapHelipad;
use crate::world::{HeightSource, MapBuilding, MapRoad, OneWay, Polygon, Rect};

fn frame() -> LocalFrame {
    LocalFrame::new(43.7384, 7.4246)
}

fn sample_map() -> OsmMap {
    let square = |x: f64| Polygon::new(vec![[x, 0.0], [x + 10.0, 0.0], [x + 10.0, 8.0], [x, 8.0]]);
    OsmMap {
        buildings: (0..50)
            .map(|i| MapBuilding {
                osm_id: 1000 + i,
                footprint: square(i as f64 * 12.5),
                base_m: 0.0,
                top_m: 12.0 + i as f64 * 0.1,
                height_source: HeightSource::Levels,
            })
            .collect(),
        helipads: vec![MapHelipad {
            osm_id: -3,
            kind: "helipad".into(),
            footprint: Polygon {
                outer: vec![[0.0, 20.0], [40.0, 20.0], [40.0, 60.0], [0.0, 60.0]],
                holes: vec![vec![[10.0, 30.0], [20.0, 30.0], [20.0, 40.0]]],
            },
        }],
        addresses: vec![crate::world::osm::MapAddress {
            osm_id: 42,
            label: "Rue Basse 31".into(),
            pos_m: [5.0, -3.0],
        }],
        roads: vec![MapRoad {
            osm_id: 7,
            class: "residential".into(),
            node_ids: vec![1, 2, 3],
            points: vec![[0.0, -5.0], [100.0, -5.0], [200.0, -5.0 / 3.0]],
            oneway: OneWay::Backward,
            maxspeed_kmh: Some(30.0),
        }],
        bounds: Some(Rect { min: [-1.0, -6.0], max: [700.0, 9.0] }),
    }
}

/// A cache in a fresh temporary folder, the key of the sample map and the written file.
fn written() -> (tempfile::TempDir, MapCache, MapKey, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cache = MapCache::new(dir.path().join("nested"));
    let key = MapKey::new(&"ab".repeat(32), &frame());
    let path = cache.write(&key, &sample_map()).unwrap();
    (dir, cache, key, path)
}

#[test]
fn folder_precedence_and_empty_values() {
    let s = |v: &str| Some(OsString::from(v));
    assert_eq!(dir_from(s("/a"), s("/x"), s("/h")), Some(PathBuf::from("/a")));
    assert_eq!(dir_from(s(""), s("/x"), s("/h")), Some(PathBuf::from("/x/skylane")));
    assert_eq!(dir_from(None, None, s("/h")), Some(PathBuf::from("/h/.cache/skylane")));
    assert_eq!(dir_from(None, s(""), s("")), None);
}

#[test]
fn round_trip_is_exact_and_atomic() {
    let (_dir, cache, key, path) = written();
    assert_eq!(path, cache.path(&key));
    assert_eq!(cache.read(&key), Ok(sample_map()));
    // Only the renamed file is left: no temporary files.
    let names: Vec<_> =
        std::fs::read_dir(cache.dir()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(names, vec![path]);
}

#[test]
fn absent_file_is_a_plain_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = MapCache::new(dir.path());
    assert_eq!(cache.read(&MapKey::new("00", &frame())), Err(Miss::Absent));
}

#[test]
fn truncated_files_are_corrupt() {
    let (_dir, cache, key, path) = written();
    let bytes = std::fs::read(&path).unwrap();
    for len in [0, 7, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 1, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..len]).unwrap();
        assert!(matches!(cache.read(&key), Err(Miss::Corrupt(_))), "truncated to {len} bytes");
    }
}

#[test]
fn every_flipped_byte_is_caught() {
    let (_dir, cache, key, path) = written();
    let bytes = std::fs::read(&path).unwrap();
    // Every header byte, and payload bytes spread over the whole payload.
    let positions = (0..HEADER_BYTES).chain((HEADER_BYTES..bytes.len()).step_by(37));
    for i in positions.chain([bytes.len() - 1]) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x5a;
        std::fs::write(&path, &bad).unwrap();
        let read = cache.read(&key);
        let expected_stale = (8..44).contains(&i); // version or key
        match read {
            Err(Miss::Stale(_)) if expected_stale => {}
            Err(Miss::Corrupt(_)) if !expected_stale => {}
            other => panic!("byte {i} flipped: {other:?}"),
        }
    }
}

#[test]
fn a_changed_parameter_changes_the_key() {
    let (_dir, cache, key, path) = written();
    let moved = LocalFrame::new(43.7385, 7.4246);
    let other_origin = MapKey::new(&"ab".repeat(32), &moved);
    let other_map = MapKey::new(&"ac".repeat(32), &frame());
    for other in [other_origin, other_map] {
        assert_ne!(other, key);
        assert_eq!(cache.read(&other), Err(Miss::Absent));
        // A file under the other key's name that was written for this key is not used.
        std::fs::copy(&path, cache.path(&other)).unwrap();
        assert!(matches!(cache.read(&other), Err(Miss::Stale(_))));
    }
}

#[test]
fn payloads_with_a_valid_checksum_must_still_decode_exactly() {
    let key = MapKey::new("00", &frame());
    let good = encode(&key, &sample_map()).unwrap();
    let reseal = |payload: &[u8]| {
        let mut out = good[..44].to_vec();
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(payload));
        out.extend_from_slice(payload);
        out
    };
    let mut longer = good[HEADER_BYTES..].to_vec();
    longer.push(0);
    assert!(matches!(decode(&key, &reseal(&longer)), Err(Miss::Corrupt(m)) if m.contains("after")));
    let shorter = &good[HEADER_BYTES..good.len() - 3];
    assert!(
        matches!(decode(&key, &reseal(shorter)), Err(Miss::Corrupt(m)) if m.contains("decode"))
    );
    assert_eq!(decode(&key, &reseal(&good[HEADER_BYTES..])), Ok(sample_map()));
}

#[test]
fn unwritable_folder_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let cache = MapCache::new(file.join("below"));
    assert!(cache.write(&MapKey::new("00", &frame()), &sample_map()).is_err());
}
