//! The road network for delivery vans: a directed graph of the map's car roads with
//! travel times, shortest paths, travel matrices and a route checker.
//!
//! Entry points:
//! - [`RoadGraph::from_roads`] builds the graph from [`MapRoad`]s (`world.roads`);
//! - [`RoadGraph::nearest_node`] snaps an address or depot to the network;
//! - [`RoadGraph::route`] gives the drivable polyline between two nodes, with the time at
//!   each point; [`RoadGraph::shortest_times_from`] and [`RoadGraph::travel_matrix`] give
//!   travel times for a vehicle routing solver;
//! - [`RoadGraph::check_route`] checks, independently of the search, that a sequence of
//!   OSM node ids only drives along edges of the graph in their legal direction, and
//!   [`RoadGraph::check_route_times`] that its times are not faster than the roads allow.
//!
//! ```
//! use skylane_planner::ground::roads::RoadGraph;
//! use skylane_planner::world::{MapRoad, OneWay};
//!
//! let road = MapRoad {
//!     osm_id: 1,
//!     class: "residential".into(),
//!     node_ids: vec![10, 11, 12],
//!     points: vec![[0.0, 0.0], [100.0, 0.0], [100.0, 50.0]],
//!     oneway: OneWay::No,
//!     maxspeed_kmh: None,
//! };
//! let graph = RoadGraph::from_roads(&[road]);
//! let (from, _) = graph.nearest_node([-3.0, 1.0]).unwrap();
//! let (to, snap_m) = graph.nearest_node([99.0, 49.0]).unwrap();
//! assert!(snap_m < 1.5);
//! let route = graph.route(from, to).unwrap();
//! assert_eq!(route.node_ids, vec![10, 11, 12]);
//! assert!((route.distance_m - 150.0).abs() < 1e-9);
//! // 150 m of residential street at 30 km/h.
//! assert!((route.time_s - 18.0).abs() < 1e-9);
//! graph.check_route(&route.node_ids).unwrap();
//! assert!(graph.check_route(&[12, 10]).is_err());
//! ```
//!
//! # Model
//!
//! Every OSM node of a car road is a graph node (so a route's polyline is made of map
//! nodes and a plan's `VanRoute::node_ids` can be checked edge by edge); every segment
//! between consecutive nodes of a way is an edge in each direction the way allows
//! ([`OneWay::No`]: both, [`OneWay::Forward`]: along the way, [`OneWay::Backward`]:
//! against it). When several ways join the same two nodes, the fastest edge is kept.
//!
//! Edge length is the straight segment length in local metres. Edge time is the length
//! at the way's `maxspeed` when tagged (clamped to
//! [`MIN_SPEED_KMH`]..=[`MAX_SPEED_KMH`]), else at the speed of its class, plus
//! [`JUNCTION_DELAY_S`] when the edge ends at a junction (a node with three or more
//! distinct road neighbours) for braking, yielding and turning. Class speeds, in km/h,
//! chosen for a dense city such as Monaco:
//!
//! | class                 | km/h |
//! |-----------------------|-----:|
//! | motorway              |   90 |
//! | trunk                 |   70 |
//! | motorway_link         |   50 |
//! | primary               |   50 |
//! | secondary             |   45 |
//! | tertiary              |   40 |
//! | trunk_link            |   40 |
//! | primary_link          |   35 |
//! | secondary_link, tertiary_link, unclassified, residential | 30 |
//! | service               |   15 |
//! | living_street         |   10 |
//! | anything else         |   20 |
//!
//! The graph keeps only its largest strongly connected component: a van must be able to
//! drive from any node to any other and back to its depot, so nodes it could enter but
//! never leave (a one-way dead end, a map cut at the extract border) are dropped, and
//! every pair of graph nodes has a route.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::world::{MapRoad, OneWay};

/// Extra time on an edge that ends at a junction, s: slowing down, yielding and turning.
pub const JUNCTION_DELAY_S: f64 = 2.0;
/// Lowest `maxspeed` believed, km/h (lower tags are typos or walking-pace zones that vans
/// still cross at this speed).
pub const MIN_SPEED_KMH: f64 = 5.0;
/// Highest `maxspeed` believed, km/h.
pub const MAX_SPEED_KMH: f64 = 130.0;
/// Speed of a road whose class is not in the table, km/h.
pub const DEFAULT_SPEED_KMH: f64 = 20.0;

/// Speed of a road of `class` without a `maxspeed` tag, km/h (see the module table).
pub fn class_speed_kmh(class: &str) -> f64 {
    match class {
        "motorway" => 90.0,
        "trunk" => 70.0,
        "motorway_link" | "primary" => 50.0,
        "secondary" => 45.0,
        "tertiary" | "trunk_link" => 40.0,
        "primary_link" => 35.0,
        "secondary_link" | "tertiary_link" | "unclassified" | "residential" => 30.0,
        "service" => 15.0,
        "living_street" => 10.0,
        _ => DEFAULT_SPEED_KMH,
    }
}

/// Speed used for every edge of `road`, km/h: its `maxspeed` when tagged and sensible,
/// else its class speed.
pub fn road_speed_kmh(road: &MapRoad) -> f64 {
    match road.maxspeed_kmh {
        Some(v) if v.is_finite() && v > 0.0 => v.clamp(MIN_SPEED_KMH, MAX_SPEED_KMH),
        _ => class_speed_kmh(&road.class),
    }
}

/// Index of a node of one [`RoadGraph`] (dense, `0..node_count()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The index as `usize`, for indexing per-node vectors such as
    /// [`RoadGraph::shortest_times_from`]'s result.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A directed road segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Head node.
    pub to: NodeId,
    /// Segment length, m.
    pub length_m: f64,
    /// Driving time including any junction delay at the head, s.
    pub time_s: f64,
    /// OSM id of the way the segment belongs to.
    pub way_osm_id: i64,
}

/// Travel times and distances between stops, row-major: entry `i * n + j` is from stop
/// `i` to stop `j`. Distances are those of the fastest route. Unreachable pairs (only
/// possible for stops outside the graph, which [`NodeId`]s of the graph never are) would
/// be `f64::INFINITY`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of stops.
    pub n: usize,
    /// Fastest travel time, s, row-major `n * n`.
    pub time_s: Vec<f64>,
    /// Driven distance of that fastest route, m, row-major `n * n`.
    pub distance_m: Vec<f64>,
}

impl Matrix {
    /// Travel time from stop `i` to stop `j`, s.
    pub fn time(&self, i: usize, j: usize) -> f64 {
        self.time_s[i * self.n + j]
    }

    /// Driven distance from stop `i` to stop `j`, m.
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        self.distance_m[i * self.n + j]
    }
}

/// A drivable route: the polyline to draw and replay, with the time at each point.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutePath {
    /// Graph nodes in driving order, first the origin, last the destination.
    pub nodes: Vec<NodeId>,
    /// OSM node ids of `nodes`.
    pub node_ids: Vec<i64>,
    /// Local positions of `nodes`, m.
    pub points: Vec<[f64; 2]>,
    /// Time since departure at each point, s (starts at 0, ends at `time_s`).
    pub cumulative_time_s: Vec<f64>,
    /// Driven distance, m.
    pub distance_m: f64,
    /// Travel time, s.
    pub time_s: f64,
}

/// Directed road graph restricted to its largest strongly connected component. See the
/// module documentation for the model.
#[derive(Debug, Clone)]
pub struct RoadGraph {
    osm_ids: Vec<i64>,
    points: Vec<[f64; 2]>,
    by_osm_id: HashMap<i64, NodeId>,
    /// Compressed sparse rows: the out-edges of node `v` are
    /// `edges[first_out[v]..first_out[v + 1]]`, sorted by head.
    first_out: Vec<u32>,
    edges: Vec<Edge>,
    index: RTree<GeomWithData<[f64; 2], u32>>,
    dropped_node_count: usize,
    max_speed_mps: f64,
}

/// A directed edge before the graph is compacted (indices into the full node list).
#[derive(Debug, Clone, Copy)]
struct RawEdge {
    from: u32,
    to: u32,
    length_m: f64,
    time_s: f64,
    way_osm_id: i64,
}

/// The road network as read, before it is compacted to its largest strongly
/// connected component: every node of the car roads and their directed edges.
struct RawNetwork {
    osm_ids: Vec<i64>,
    points: Vec<[f64; 2]>,
    edges: Vec<RawEdge>,
    max_speed_kmh: f64,
}

impl RawNetwork {
    /// Nodes (first position of each OSM node id) and the edges of every way, in the
    /// directions its `oneway` allows.
    fn from_roads(roads: &[MapRoad]) -> RawNetwork {
        let mut net = RawNetwork {
            osm_ids: Vec::new(),
            points: Vec::new(),
            edges: Vec::new(),
            max_speed_kmh: 0.0,
        };
        let mut by_osm_id: HashMap<i64, u32> = HashMap::new();
        for road in roads {
            let speed_kmh = road_speed_kmh(road);
            let speed_mps = speed_kmh / 3.6;
            let nodes: Vec<u32> = road
                .node_ids
                .iter()
                .zip(&road.points)
                .map(|(&id, &p)| {
                    *by_osm_id.entry(id).or_insert_with(|| {
                        net.osm_ids.push(id);
                        net.points.push(p);
                        (net.osm_ids.len() - 1) as u32
                    })
                })
                .collect();
            for pair in nodes.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if a == b {
                    continue;
                }
                net.max_speed_kmh = net.max_speed_kmh.max(speed_kmh);
                let length_m = dist(net.points[a as usize], net.points[b as usize]);
                let time_s = length_m / speed_mps;
                let edge =
                    |from, to| RawEdge { from, to, length_m, time_s, way_osm_id: road.osm_id };
                if road.oneway != OneWay::Backward {
                    net.edges.push(edge(a, b));
                }
                if road.oneway != OneWay::Forward {
                    net.edges.push(edge(b, a));
                }
            }
        }
        net
    }

    /// Adds [`JUNCTION_DELAY_S`] to every edge into a junction (three or more
    /// neighbours). Junctions are counted on the undirected map, before the component
    /// restriction, because a dropped one-way spur still makes drivers slow down where
    /// it branches.
    fn add_junction_delays(&mut self) {
        let mut pairs: Vec<(u32, u32)> =
            self.edges.iter().map(|e| (e.from.min(e.to), e.from.max(e.to))).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut neighbours = vec![0u32; self.osm_ids.len()];
        for &(a, b) in &pairs {
            neighbours[a as usize] += 1;
            neighbours[b as usize] += 1;
        }
        for e in &mut self.edges {
            if neighbours[e.to as usize] >= 3 {
                e.time_s += JUNCTION_DELAY_S;
            }
        }
    }

    /// One edge per ordered node pair, the fastest; ties broken by way id so the result
    /// does not depend on the order of the input ways. Leaves the edges sorted by
    /// (from, to).
    fn keep_fastest_edges(&mut self) {
        self.edges.sort_unstable_by(|x, y| {
            (x.from, x.to)
                .cmp(&(y.from, y.to))
                .then(x.time_s.total_cmp(&y.time_s))
                .then(x.way_osm_id.cmp(&y.way_osm_id))
        });
        self.edges.dedup_by(|later, first| later.from == first.from && later.to == first.to);
    }

    /// The graph of the largest strongly connected component, nodes renumbered in
    /// their order, edges in compressed sparse rows. Needs the edges sorted by
    /// (from, to) ([`RawNetwork::keep_fastest_edges`]).
    fn largest_component(self) -> RoadGraph {
        let n = self.osm_ids.len();
        let (first_out, heads) = csr(n, self.edges.iter().map(|e| (e.from, e.to)));
        let component = strongly_connected_components(&first_out, &heads);
        let keep_component = largest_component(&component);
        let mut new_index = vec![u32::MAX; n];
        let mut kept_osm_ids = Vec::new();
        let mut kept_points = Vec::new();
        for v in 0..n {
            if Some(component[v]) == keep_component {
                new_index[v] = kept_osm_ids.len() as u32;
                kept_osm_ids.push(self.osm_ids[v]);
                kept_points.push(self.points[v]);
            }
        }
        let kept_n = kept_osm_ids.len();
        // Renumbering keeps the order of nodes, so the kept edges stay sorted by
        // (from, to).
        let kept_edges: Vec<(u32, Edge)> = self
            .edges
            .iter()
            .filter(|e| {
                new_index[e.from as usize] != u32::MAX && new_index[e.to as usize] != u32::MAX
            })
            .map(|e| {
                let edge = Edge {
                    to: NodeId(new_index[e.to as usize]),
                    length_m: e.length_m,
                    time_s: e.time_s,
                    way_osm_id: e.way_osm_id,
                };
                (new_index[e.from as usize], edge)
            })
            .collect();
        let mut first_out = vec![0u32; kept_n + 1];
        for &(from, _) in &kept_edges {
            first_out[from as usize + 1] += 1;
        }
        for v in 0..kept_n {
            first_out[v + 1] += first_out[v];
        }
        let edges: Vec<Edge> = kept_edges.into_iter().map(|(_, e)| e).collect();
        let by_osm_id =
            kept_osm_ids.iter().enumerate().map(|(i, &id)| (id, NodeId(i as u32))).collect();
        let index = RTree::bulk_load(
            kept_points.iter().enumerate().map(|(i, &p)| GeomWithData::new(p, i as u32)).collect(),
        );
        RoadGraph {
            osm_ids: kept_osm_ids,
            points: kept_points,
            by_osm_id,
            first_out,
            edges,
            index,
            dropped_node_count: n - kept_n,
            max_speed_mps: self.max_speed_kmh / 3.6,
        }
    }
}

impl RoadGraph {
    /// Builds the graph of `roads` (see the module documentation) and keeps its largest
    /// strongly connected component. Ways whose `node_ids` and `points` differ in length
    /// are read up to the shorter; a node id seen again at another position keeps its
    /// first position.
    pub fn from_roads(roads: &[MapRoad]) -> RoadGraph {
        let mut net = RawNetwork::from_roads(roads);
        net.add_junction_delays();
        net.keep_fastest_edges();
        net.largest_component()
    }

    /// Number of nodes (after the component restriction).
    pub fn node_count(&self) -> usize {
        self.osm_ids.len()
    }

    /// `count` node ids drawn from `seed` with a SplitMix64 sequence: the same nodes for
    /// the same seed (tests and benchmarks use it for reproducible stops). Empty when the
    /// graph has no node.
    pub fn sample_nodes(&self, count: usize, seed: u64) -> Vec<NodeId> {
        if self.node_count() == 0 {
            return Vec::new();
        }
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                NodeId((z % self.node_count() as u64) as u32)
            })
            .collect()
    }

    /// Number of directed edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Number of road nodes of the input left out because they are outside the largest
    /// strongly connected component.
    pub fn dropped_node_count(&self) -> usize {
        self.dropped_node_count
    }

    /// Highest speed of any input road segment, m/s: no route can be faster, so
    /// `time_s >= distance_m / max_speed_mps()` for every route.
    pub fn max_speed_mps(&self) -> f64 {
        self.max_speed_mps
    }

    /// All nodes, in index order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = NodeId> {
        (0..self.node_count() as u32).map(NodeId)
    }

    /// OSM id of a node.
    pub fn osm_id(&self, v: NodeId) -> i64 {
        self.osm_ids[v.index()]
    }

    /// Local position of a node, m.
    pub fn point(&self, v: NodeId) -> [f64; 2] {
        self.points[v.index()]
    }

    /// The node of an OSM node id, if it is in the graph.
    pub fn node_by_osm_id(&self, osm_id: i64) -> Option<NodeId> {
        self.by_osm_id.get(&osm_id).copied()
    }

    /// Out-edges of a node, sorted by head.
    pub fn out_edges(&self, v: NodeId) -> &[Edge] {
        &self.edges[self.first_out[v.index()] as usize..self.first_out[v.index() + 1] as usize]
    }

    /// The edge from `a` to `b`, if any.
    pub fn edge(&self, a: NodeId, b: NodeId) -> Option<&Edge> {
        let out = self.out_edges(a);
        out.binary_search_by(|e| e.to.cmp(&b)).ok().map(|i| &out[i])
    }

    /// The node nearest to `p` (local metres) and its distance, m; `None` for an empty
    /// graph. Snapping is to nodes, not to points along segments: road nodes in a city
    /// are a few metres to a few tens of metres apart.
    pub fn nearest_node(&self, p: [f64; 2]) -> Option<(NodeId, f64)> {
        self.index.nearest_neighbor(&p).map(|g| (NodeId(g.data), dist(*g.geom(), p)))
    }

    /// Fastest travel time from `source` to every node, s, indexed by [`NodeId::index`]
    /// (every entry is finite: the graph is strongly connected).
    pub fn shortest_times_from(&self, source: NodeId) -> Vec<f64> {
        self.search(source, |_| false).time_s
    }

    /// Travel times and distances between every ordered pair of `stops` (one Dijkstra per
    /// stop, run in parallel; each stops once all stops are settled). The result does not
    /// depend on the number of threads. Stops may repeat.
    pub fn travel_matrix(&self, stops: &[NodeId]) -> Matrix {
        let n = stops.len();
        let rows: Vec<(Vec<f64>, Vec<f64>)> = stops
            .par_iter()
            .map(|&source| {
                let mut is_stop = vec![false; self.node_count()];
                let mut left = 0usize;
                for s in stops {
                    if !is_stop[s.index()] {
                        is_stop[s.index()] = true;
                        left += 1;
                    }
                }
                let tree = self.search(source, |v| {
                    if is_stop[v.index()] {
                        left -= 1;
                    }
                    left == 0
                });
                (
                    stops.iter().map(|s| tree.time_s[s.index()]).collect(),
                    stops.iter().map(|s| tree.distance_m[s.index()]).collect(),
                )
            })
            .collect();
        let mut time_s = Vec::with_capacity(n * n);
        let mut distance_m = Vec::with_capacity(n * n);
        for (t, d) in rows {
            time_s.extend(t);
            distance_m.extend(d);
        }
        Matrix { n, time_s, distance_m }
    }

    /// The fastest route from `from` to `to`; `None` only if `to` is unreachable (never
    /// for nodes of this graph). A route from a node to itself is that one point.
    pub fn route(&self, from: NodeId, to: NodeId) -> Option<RoutePath> {
        let tree = self.search(from, |v| v == to);
        let time_s = tree.time_s[to.index()];
        if !time_s.is_finite() {
            return None;
        }
        let mut nodes = vec![to];
        let mut v = to;
        while v != from {
            v = NodeId(tree.pred[v.index()]);
            nodes.push(v);
        }
        nodes.reverse();
        Some(RoutePath {
            node_ids: nodes.iter().map(|&v| self.osm_id(v)).collect(),
            points: nodes.iter().map(|&v| self.point(v)).collect(),
            cumulative_time_s: nodes.iter().map(|&v| tree.time_s[v.index()]).collect(),
            distance_m: tree.distance_m[to.index()],
            time_s,
            nodes,
        })
    }

    /// Checks that a van may drive `node_ids` (OSM node ids) in order: every id is a
    /// node of the graph and every consecutive pair is a directed edge, so the route
    /// never drives a one-way street the wrong way nor jumps between roads. A repeated
    /// id (the van waiting at a stop) is allowed; an empty route is valid. This looks
    /// only at the graph, not at how routes are searched, so a verifier can use it on
    /// routes from anywhere.
    pub fn check_route(&self, node_ids: &[i64]) -> Result<(), String> {
        let nodes: Vec<NodeId> = node_ids
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                self.node_by_osm_id(id)
                    .ok_or_else(|| format!("point {i}: OSM node {id} is not on the road graph"))
            })
            .collect::<Result<_, _>>()?;
        for (i, pair) in nodes.windows(2).enumerate() {
            let (a, b) = (pair[0], pair[1]);
            if a == b || self.edge(a, b).is_some() {
                continue;
            }
            let (ida, idb) = (self.osm_id(a), self.osm_id(b));
            return Err(if self.edge(b, a).is_some() {
                format!(
                    "points {i}-{}: OSM nodes {ida} -> {idb} drive a one-way street the wrong way",
                    i + 1
                )
            } else {
                format!("points {i}-{}: OSM nodes {ida} -> {idb} are not joined by a road", i + 1)
            });
        }
        Ok(())
    }

    /// Checks a timed route, as stored in a plan (`VanRoute::node_ids` and `times_s`):
    /// [`check_route`](Self::check_route) holds, there is one time per point, times never
    /// decrease, and no edge is driven faster than its travel time (waiting is allowed).
    /// `tolerance_s` absorbs rounding in stored times.
    pub fn check_route_times(
        &self,
        node_ids: &[i64],
        times_s: &[f64],
        tolerance_s: f64,
    ) -> Result<(), String> {
        self.check_route(node_ids)?;
        if times_s.len() != node_ids.len() {
            return Err(format!("{} times for {} points", times_s.len(), node_ids.len()));
        }
        if let Some(i) = times_s.iter().position(|t| !t.is_finite()) {
            return Err(format!("point {i}: time {} is not finite", times_s[i]));
        }
        for i in 1..node_ids.len() {
            let dt_s = times_s[i] - times_s[i - 1];
            let min_s =
                match (self.node_by_osm_id(node_ids[i - 1]), self.node_by_osm_id(node_ids[i])) {
                    (Some(a), Some(b)) if a != b => self.edge(a, b).map_or(0.0, |e| e.time_s),
                    _ => 0.0,
                };
            if dt_s < min_s - tolerance_s {
                return Err(format!(
                    "points {}-{i}: OSM nodes {} -> {} in {dt_s:.3} s, the road needs {min_s:.3} s",
                    i - 1,
                    node_ids[i - 1],
                    node_ids[i]
                ));
            }
        }
        Ok(())
    }

    /// Dijkstra on travel time from `source`. `settled` is told each node as its time
    /// becomes final and returns `true` to stop the search early. Ties are broken by node
    /// index, so the tree is deterministic.
    fn search(&self, source: NodeId, mut settled: impl FnMut(NodeId) -> bool) -> Tree {
        let n = self.node_count();
        let mut tree = Tree {
            time_s: vec![f64::INFINITY; n],
            distance_m: vec![f64::INFINITY; n],
            pred: vec![u32::MAX; n],
        };
        let mut done = vec![false; n];
        let mut heap = BinaryHeap::new();
        tree.time_s[source.index()] = 0.0;
        tree.distance_m[source.index()] = 0.0;
        heap.push(Queued { time_s: 0.0, node: source.0 });
        while let Some(Queued { time_s, node }) = heap.pop() {
            let v = node as usize;
            if done[v] {
                continue;
            }
            done[v] = true;
            if settled(NodeId(node)) {
                break;
            }
            for e in self.out_edges(NodeId(node)) {
                let w = e.to.index();
                let t = time_s + e.time_s;
                if t < tree.time_s[w] {
                    tree.time_s[w] = t;
                    tree.distance_m[w] = tree.distance_m[v] + e.length_m;
                    tree.pred[w] = node;
                    heap.push(Queued { time_s: t, node: e.to.0 });
                }
            }
        }
        tree
    }
}

/// A shortest-path tree.
struct Tree {
    time_s: Vec<f64>,
    distance_m: Vec<f64>,
    pred: Vec<u32>,
}

/// A Dijkstra queue entry, ordered so that `BinaryHeap` (a max-heap) pops the earliest
/// time first, then the lowest node index.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Queued {
    time_s: f64,
    node: u32,
}

impl Eq for Queued {}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        other.time_s.total_cmp(&self.time_s).then(other.node.cmp(&self.node))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Compressed sparse rows of `n` nodes from `(from, to)` pairs sorted by `from`.
fn csr(n: usize, arcs: impl Iterator<Item = (u32, u32)>) -> (Vec<u32>, Vec<u32>) {
    let mut first_out = vec![0u32; n + 1];
    let mut heads = Vec::new();
    for (from, to) in arcs {
        first_out[from as usize + 1] += 1;
        heads.push(to);
    }
    for v in 0..n {
        first_out[v + 1] += first_out[v];
    }
    (first_out, heads)
}

/// Tarjan's strongly connected components, with an explicit call stack rather than
/// recursion: a road network is a long chain of degree-2 nodes, and a recursive DFS over
/// a large city's hundreds of thousands of nodes would overflow the thread stack.
/// Written here rather than taken from a graph crate because the graph already lives in
/// plain CSR arrays, and this is forty lines. Returns the component number of every node.
fn strongly_connected_components(first_out: &[u32], heads: &[u32]) -> Vec<u32> {
    const UNSEEN: u32 = u32::MAX;
    let n = first_out.len() - 1;
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack: Vec<u32> = Vec::new();
    // (node, position of its next out-edge to explore)
    let mut calls: Vec<(u32, u32)> = Vec::new();
    let mut next_order = 0u32;
    let mut next_component = 0u32;
    for root in 0..n as u32 {
        if order[root as usize] != UNSEEN {
            continue;
        }
        // A macro rather than a closure: a closure would hold the borrows of the
        // per-node arrays that the loop below also reads.
        macro_rules! visit {
            ($v:expr) => {{
                let v: u32 = $v;
                order[v as usize] = next_order;
                low[v as usize] = next_order;
                next_order += 1;
                stack.push(v);
                on_stack[v as usize] = true;
                calls.push((v, first_out[v as usize]));
            }};
        }
        visit!(root);
        while let Some(&(v, next)) = calls.last() {
            let vi = v as usize;
            if next < first_out[vi + 1] {
                if let Some(top) = calls.last_mut() {
                    top.1 += 1;
                }
                let w = heads[next as usize];
                if order[w as usize] == UNSEEN {
                    visit!(w);
                } else if on_stack[w as usize] {
                    low[vi] = low[vi].min(order[w as usize]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[vi]);
            }
            if low[vi] == order[vi] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    component[w as usize] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// The component with the most nodes; on a tie, the lowest-numbered one. `None` when
/// there are no nodes.
fn largest_component(component: &[u32]) -> Option<u32> {
    let mut sizes: Vec<usize> = Vec::new();
    for &c in component {
        let c = c as usize;
        if sizes.len() <= c {
            sizes.resize(c + 1, 0);
        }
        sizes[c] += 1;
    }
    // `max_by_key` returns the last maximum; compare with reversed index to get the first.
    sizes.iter().enumerate().max_by_key(|&(c, &s)| (s, std::cmp::Reverse(c))).map(|(c, _)| c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn tarjan_finds_cycles_and_singletons() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 4 -> 3
        let arcs = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 3)];
        let (first_out, heads) = csr(5, arcs.into_iter());
        let c = strongly_connected_components(&first_out, &heads);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_eq!(c[3], c[4]);
        assert_ne!(c[0], c[3]);
    }

    #[test]
    fn tarjan_handles_a_long_chain_without_recursion() {
        // A 1,000,000-node two-way chain: a recursive DFS would overflow the test thread.
        let n = 1_000_000u32;
        let mut arcs = Vec::new();
        for v in 0..n {
            if v > 0 {
                arcs.push((v, v - 1));
            }
            if v + 1 < n {
                arcs.push((v, v + 1));
            }
        }
        let (first_out, heads) = csr(n as usize, arcs.into_iter());
        let c = strongly_connected_components(&first_out, &heads);
        assert!(c.iter().all(|&x| x == c[0]));
    }

    #[test]
    fn maxspeed_overrides_class_and_is_clamped() {
        let mut r = road(1, &[(1, [0.0, 0.0]), (2, [1.0, 0.0])], OneWay::No);
        assert_eq!(road_speed_kmh(&r), 30.0);
        r.maxspeed_kmh = Some(50.0);
        assert_eq!(road_speed_kmh(&r), 50.0);
        r.maxspeed_kmh = Some(1000.0);
        assert_eq!(road_speed_kmh(&r), MAX_SPEED_KMH);
        r.maxspeed_kmh = Some(0.0);
        assert_eq!(road_speed_kmh(&r), 30.0);
    }

    #[test]
    fn junction_delay_applies_at_three_way_nodes() {
        // A T: 1 - 2 - 3 with 4 branching at 2.
        let roads = [
            road(1, &[(1, [0.0, 0.0]), (2, [100.0, 0.0]), (3, [200.0, 0.0])], OneWay::No),
            road(2, &[(2, [100.0, 0.0]), (4, [100.0, 100.0])], OneWay::No),
        ];
        let g = RoadGraph::from_roads(&roads);
        let n = |id| g.node_by_osm_id(id).unwrap();
        let plain_s = 100.0 / (30.0 / 3.6);
        assert!((g.edge(n(1), n(2)).unwrap().time_s - plain_s - JUNCTION_DELAY_S).abs() < 1e-9);
        assert!((g.edge(n(2), n(3)).unwrap().time_s - plain_s).abs() < 1e-9);
    }

    #[test]
    fn parallel_ways_keep_the_fastest_edge() {
        let mut fast = road(7, &[(1, [0.0, 0.0]), (2, [100.0, 0.0])], OneWay::No);
        fast.maxspeed_kmh = Some(50.0);
        let slow = road(8, &[(1, [0.0, 0.0]), (2, [100.0, 0.0])], OneWay::No);
        let g = RoadGraph::from_roads(&[slow, fast]);
        assert_eq!(g.edge_count(), 2);
        let e = g.edge(NodeId(0), NodeId(1)).unwrap();
        assert_eq!(e.way_osm_id, 7);
    }

    #[test]
    fn empty_graph_has_no_nearest_node() {
        let g = RoadGraph::from_roads(&[]);
        assert_eq!(g.node_count(), 0);
        assert!(g.nearest_node([0.0, 0.0]).is_none());
        assert!(g.check_route(&[]).is_ok());
    }
}
