#!/usr/bin/env python3
"""Cuts an OpenStreetMap extract down to what skylane reads, inside a bounding box.

Usage: scripts/cut_osm.py IN.osm.pbf OUT.osm.pbf --bbox SOUTH WEST NORTH EAST
(needs `pip install osmium`)

Kept, unchanged (ids, tags, node lists, member lists):
- ways tagged `building`, `building:part`, `aeroway`, or `highway` of a car class
  (the classes `world::osm` reads), with at least one node inside the box; each keeps
  all its nodes, inside the box or not, so no footprint or road is clipped;
- multipolygon relations tagged `building`, `building:part` or `aeroway` with at least
  one member way inside the box, with all their member ways and those ways' nodes;
- nodes inside the box tagged with an address (`addr:housenumber`) or a helipad.

Everything else is dropped: other ways (footways, water, land use), other relations
(boundaries, routes), untagged nodes no kept way uses. Nothing is moved or simplified, so
the result is a subset of the input's OSM data (ODbL, (c) OpenStreetMap contributors).
"""
import argparse
import sys

import osmium

CAR_CLASSES = {
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "service",
}
AREA_KEYS = ("building", "building:part", "aeroway")


def wanted_way(tags):
    return any(k in tags for k in AREA_KEYS) or tags.get("highway") in CAR_CLASSES


def wanted_node(tags):
    return "addr:housenumber" in tags or tags.get("aeroway") in ("helipad", "heliport")


class Scan(osmium.SimpleHandler):
    """First pass: which ways touch the box, and which relations and nodes to keep."""

    def __init__(self, bbox):
        super().__init__()
        self.bbox = bbox
        self.way_nodes = {}
        self.way_inside = set()
        self.tagged_ways = set()
        self.relations = set()
        self.relation_ways = set()
        self.nodes = set()

    def inside(self, loc):
        s, w, n, e = self.bbox
        return loc.valid() and s <= loc.lat <= n and w <= loc.lon <= e

    def node(self, n):
        if wanted_node(n.tags) and self.inside(n.location):
            self.nodes.add(n.id)

    def way(self, w):
        self.way_nodes[w.id] = [n.ref for n in w.nodes]
        if any(self.inside(n.location) for n in w.nodes):
            self.way_inside.add(w.id)
        if wanted_way(w.tags):
            self.tagged_ways.add(w.id)

    def relation(self, r):
        tags = r.tags
        if tags.get("type") != "multipolygon" or not any(k in tags for k in AREA_KEYS):
            return
        ways = [m.ref for m in r.members if m.type == "w"]
        if any(w in self.way_inside for w in ways):
            self.relations.add(r.id)
            self.relation_ways.update(w for w in ways if w in self.way_nodes)

    def kept_ways(self):
        return (self.tagged_ways & self.way_inside) | self.relation_ways


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--bbox", nargs=4, type=float, required=True,
                    metavar=("SOUTH", "WEST", "NORTH", "EAST"))
    args = ap.parse_args()
    scan = Scan(args.bbox)
    scan.apply_file(args.input, locations=True)
    ways = scan.kept_ways()
    nodes = set(scan.nodes)
    for w in ways:
        nodes.update(scan.way_nodes[w])
    writer = osmium.SimpleWriter(args.output)
    counts = [0, 0, 0]
    try:
        for obj in osmium.FileProcessor(args.input):
            if obj.is_node() and obj.id in nodes:
                writer.add_node(obj)
                counts[0] += 1
            elif obj.is_way() and obj.id in ways:
                writer.add_way(obj)
                counts[1] += 1
            elif obj.is_relation() and obj.id in scan.relations:
                writer.add_relation(obj)
                counts[2] += 1
    finally:
        writer.close()
    print(f"{args.output}: {counts[0]} nodes, {counts[1]} ways, {counts[2]} relations",
          file=sys.stderr)


if __name__ == "__main__":
    main()
