//! Road graph for vans: one-way streets, component restriction, shortest paths and the
//! real Monaco network.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;

use skylane_planner::ground::roads::{NodeId, RoadGraph, RoutePath};
use skylane_planner::world::{MapRoad, OneWay};

fn road(id: i64, nodes: &[(i64, [f64; 2])], oneway: OneWay) -> MapRoad {
    MapRoad {
        osm_id: id,
        class: "residential".into(),
        node_ids: nodes.iter().map(|n| n.0).collect(),
        points: nodes.iter().map(|n| n.1).collect(),
        oneway,
        maxspeed_kmh: None,
    }
}

/// A 100 m square A(1) B(2) D(4) C(3) whose bottom side A-B is one-way from B to A
/// (mapped backwards, `oneway=-1`, to exercise that direction too).
fn square_with_one_way_side() -> RoadGraph {
    let (a, b, c, d) = ((1, [0.0, 0.0]), (2, [100.0, 0.0]), (3, [0.0, 100.0]), (4, [100.0, 100.0]));
    RoadGraph::from_roads(&[
        road(10, &[a, b], OneWay::Backward),
        road(11, &[a, c, d], OneWay::No),
        road(12, &[d, b], OneWay::No),
    ])
}

/// Every point's time is the previous one's plus the edge time, and the route is legal.
fn assert_consistent(graph: &RoadGraph, route: &RoutePath) {
    graph.check_route(&route.node_ids).unwrap();
    graph.check_route_times(&route.node_ids, &route.cumulative_time_s, 1e-9).unwrap();
    assert_eq!(route.points.len(), route.node_ids.len());
    assert_eq!(route.cumulative_time_s.len(), route.node_ids.len());
    assert_eq!(route.cumulative_time_s[0], 0.0);
    let mut distance_m = 0.0;
    for (i, pair) in route.nodes.windows(2).enumerate() {
        let edge = graph.edge(pair[0], pair[1]).unwrap();
        let dt = route.cumulative_time_s[i + 1] - route.cumulative_time_s[i];
        assert!((dt - edge.time_s).abs() < 1e-9);
        distance_m += edge.length_m;
    }
    assert!((distance_m - route.distance_m).abs() < 1e-6);
    assert!((route.cumulative_time_s.last().unwrap() - route.time_s).abs() < 1e-9);
}

#[test]
fn route_goes_around_a_one_way_street() {
    let g = square_with_one_way_side();
    let n = |id| g.node_by_osm_id(id).unwrap();
    assert_eq!(g.node_count(), 4);

    // A -> B may not use the 100 m one-way side: it drives the other three sides.
    let legal = g.route(n(1), n(2)).unwrap();
    assert_eq!(legal.node_ids, vec![1, 3, 4, 2]);
    assert!((legal.distance_m - 300.0).abs() < 1e-9);
    assert!(legal.distance_m > 100.0);
    assert_consistent(&g, &legal);
    let err = g.check_route(&[1, 2]).unwrap_err();
    assert!(err.contains("wrong way"), "{err}");

    // B -> A takes the one-way street.
    let back = g.route(n(2), n(1)).unwrap();
    assert_eq!(back.node_ids, vec![2, 1]);
    assert!(back.time_s < legal.time_s);
    assert_consistent(&g, &back);
}

#[test]
fn check_route_rejects_jumps_and_unknown_nodes_and_allows_waiting() {
    let g = square_with_one_way_side();
    assert!(g.check_route(&[1, 3, 3, 4, 2, 1]).is_ok());
    let jump = g.check_route(&[1, 4]).unwrap_err();
    assert!(jump.contains("not joined"), "{jump}");
    let unknown = g.check_route(&[1, 99]).unwrap_err();
    assert!(unknown.contains("99"), "{unknown}");
}

#[test]
fn check_route_times_rejects_speeding_and_accepts_waiting() {
    let g = square_with_one_way_side();
    let n = |id| g.node_by_osm_id(id).unwrap();
    let r = g.route(n(1), n(2)).unwrap();
    g.check_route_times(&r.node_ids, &r.cumulative_time_s, 1e-6).unwrap();

    // Waiting 30 s at the second point, then driving on at legal speed.
    let mut ids = r.node_ids.clone();
    ids.insert(1, ids[1]);
    let mut times = r.cumulative_time_s.clone();
    times.insert(1, times[1]);
    for t in &mut times[2..] {
        *t += 30.0;
    }
    g.check_route_times(&ids, &times, 1e-6).unwrap();

    // Arriving one second early is speeding.
    let mut fast = r.cumulative_time_s.clone();
    *fast.last_mut().unwrap() -= 1.0;
    let err = g.check_route_times(&r.node_ids, &fast, 1e-6).unwrap_err();
    assert!(err.contains("the road needs"), "{err}");
    assert!(g.check_route_times(&r.node_ids, &fast[1..], 1e-6).is_err());
}

#[test]
fn component_restriction_drops_a_one_way_dead_end() {
    // A two-way triangle 1-2-3 with a one-way spur 2 -> 5 that cannot be left.
    let roads = [
        road(
            1,
            &[(1, [0.0, 0.0]), (2, [100.0, 0.0]), (3, [50.0, 80.0]), (1, [0.0, 0.0])],
            OneWay::No,
        ),
        road(2, &[(2, [100.0, 0.0]), (5, [200.0, 0.0])], OneWay::Forward),
    ];
    let g = RoadGraph::from_roads(&roads);
    assert_eq!(g.node_count(), 3);
    assert_eq!(g.dropped_node_count(), 1);
    assert!(g.node_by_osm_id(5).is_none());
    assert!(g.check_route(&[1, 2, 5]).is_err());
    // Snapping near the dropped end lands on the network.
    let (v, d) = g.nearest_node([190.0, 0.0]).unwrap();
    assert_eq!(g.osm_id(v), 2);
    assert!((d - 90.0).abs() < 1e-9);
}

#[test]
fn travel_matrix_matches_single_searches_and_is_deterministic() {
    let g = square_with_one_way_side();
    let stops: Vec<NodeId> = [1, 2, 4, 2].iter().map(|&id| g.node_by_osm_id(id).unwrap()).collect();
    let m = g.travel_matrix(&stops);
    assert_eq!(m.n, 4);
    for (i, &a) in stops.iter().enumerate() {
        let times = g.shortest_times_from(a);
        for (j, &b) in stops.iter().enumerate() {
            assert_eq!(m.time(i, j), times[b.index()]);
            let r = g.route(a, b).unwrap();
            assert_eq!(m.time(i, j), r.time_s);
            assert_eq!(m.distance(i, j), r.distance_m);
        }
        assert_eq!(m.time(i, i), 0.0);
    }
    assert_eq!(g.travel_matrix(&stops), m);
}

/// The Monaco road graph, built once for all tests of this file.
fn monaco() -> &'static RoadGraph {
    static GRAPH: OnceLock<RoadGraph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let mission = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../missions/monaco.ron");
        let loaded = skylane_planner::load::load_mission(&mission).unwrap();
        let start = Instant::now();
        let graph = RoadGraph::from_roads(&loaded.world.roads);
        eprintln!(
            "Monaco: {} roads -> {} nodes, {} edges, {} dropped, built in {:.1} ms",
            loaded.world.roads.len(),
            graph.node_count(),
            graph.edge_count(),
            graph.dropped_node_count(),
            start.elapsed().as_secs_f64() * 1e3
        );
        graph
    })
}

#[test]
fn monaco_graph_is_large_and_mostly_strongly_connected() {
    let g = monaco();
    assert!(g.node_count() > 2000, "{} nodes", g.node_count());
    let total = g.node_count() + g.dropped_node_count();
    assert!(g.node_count() as f64 > 0.8 * total as f64, "kept {} of {total}", g.node_count());
    assert!(g.edge_count() > g.node_count());
}

#[test]
fn monaco_routes_are_legal_and_no_faster_than_the_speed_limit() {
    let g = monaco();
    let nodes = g.sample_nodes(24, 7);
    for pair in nodes.chunks(2) {
        let r = g.route(pair[0], pair[1]).expect("strongly connected graph has every route");
        assert_eq!(r.nodes.first(), Some(&pair[0]));
        assert_eq!(r.nodes.last(), Some(&pair[1]));
        assert_consistent(g, &r);
        assert!(r.time_s >= r.distance_m / g.max_speed_mps() - 1e-9);
        // Roads are never shorter than the straight line.
        let [a, b] = [g.point(pair[0]), g.point(pair[1])];
        assert!(r.distance_m >= (a[0] - b[0]).hypot(a[1] - b[1]) - 1e-6);
    }
}

#[test]
fn monaco_matrix_agrees_with_routes() {
    let g = monaco();
    let stops = g.sample_nodes(8, 11);
    let m = g.travel_matrix(&stops);
    for (i, &a) in stops.iter().enumerate() {
        for (j, &b) in stops.iter().enumerate() {
            let r = g.route(a, b).unwrap();
            assert!((m.time(i, j) - r.time_s).abs() < 1e-9);
            assert!((m.distance(i, j) - r.distance_m).abs() < 1e-9);
            assert!(m.time(i, j).is_finite());
        }
    }
}

#[test]
fn monaco_nearest_node_of_a_node_is_that_node() {
    let g = monaco();
    for v in g.sample_nodes(200, 3) {
        let (found, d) = g.nearest_node(g.point(v)).unwrap();
        assert_eq!(d, 0.0);
        // Two OSM nodes may share a position exactly (e.g. stacked roads); any of them
        // is a correct answer then.
        assert!(found == v || g.point(found) == g.point(v), "{v:?} -> {found:?}");
    }
}
