#!/usr/bin/env python3
"""OMPL peer benchmark for skylane's city path queries.

Reads a scene written by `skylane export-scene` (obstacle prisms, clearance margin,
bounds, ceiling, queries with skylane's own results), solves each query's cruise leg
with OMPL planners in a RealVectorStateSpace(3), writes one CSV row per query and planner
and prints a summary side by side with skylane's results from the scene.

Validity (the scene's clearance rule): a state is valid iff z_min <= z <= ceiling and its
Euclidean distance to every prism (footprint x [z_min, z_max]) is at least the checker
margin. Motions are checked every STEP m; the distance to an obstacle set is 1-Lipschitz,
so with a checker margin of (scene margin + STEP / 2) every point of an accepted motion
keeps the scene margin. With STEP = 0.25 m the checker margin is 5.125 m for a 5 m scene
margin, which is also the margin skylane's own search keeps.

Checker method (exact, accelerated): a 2D raster (1 m cells) stores per cell a
conservative blocked height interval (union hull over every prism within reach, using the
distance lower bound d_centre - half diagonal) and a sure-blocked interval (one prism,
upper bound d_centre + half diagonal). A state above or below the conservative interval
is valid, inside the sure interval invalid; only the remaining states (the 1.4 m band
around each inflated obstacle) are decided by the exact distance (shapely, per candidate
prism from a 16 m tile index). So the checker is exact up to float32 rounding of the
interval ends (rounded outwards/inwards so that it errs towards "invalid" by at most
about 1e-5 m); `selftest` compares it with the plain exact rule on random points.

Usage:
  city.py solve SCENE.json --planner rrtconnect|bitstar|informedrrtstar [--time 1.0]
          [--first N] [--csv OUT.csv] [--check]
  city.py summary SCENE.json OUT1.csv [OUT2.csv ...]
  city.py selftest SCENE.json [--points N]
"""

import argparse
import csv
import json
import math
import os
import random
import statistics
import sys
import time

import numpy as np
import shapely

STEP_M = 0.25  # motion validity resolution, m
CELL_M = 1.0  # raster cell, m
TILE_M = 16.0  # candidate tile, m


class Checker:
    """Exact clearance rule over the scene's prisms, accelerated by a raster."""

    def __init__(self, scene, margin):
        self.margin = margin
        self.ceiling = scene["ceiling_m"]
        self.zlo = scene["z_min_m"]
        b = scene["bounds"]
        self.x0, self.y0 = b["min"]
        self.x1, self.y1 = b["max"]
        self.nx = int(math.ceil((self.x1 - self.x0) / CELL_M))
        self.ny = int(math.ceil((self.y1 - self.y0) / CELL_M))
        self.tnx = int(math.ceil((self.x1 - self.x0) / TILE_M))
        self.tny = int(math.ceil((self.y1 - self.y0) / TILE_M))
        self.polys, self.zmin, self.zmax, self.bbox = [], [], [], []
        for o in scene["obstacles"]:
            fp = o["footprint"]
            poly = shapely.Polygon(fp["outer"], fp.get("holes", []))
            shapely.prepare(poly)
            self.polys.append(poly)
            self.zmin.append(o["z_min_m"])
            self.zmax.append(o["z_max_m"])
            self.bbox.append(poly.bounds)
        self._build()

    def _build(self):
        n = self.nx * self.ny
        out_lo = np.full(n, np.inf)
        out_hi = np.full(n, -np.inf)
        in_lo = np.full(n, np.inf)
        in_hi = np.full(n, -np.inf)
        half = CELL_M * math.sqrt(2.0) / 2.0
        m = self.margin
        self.tiles = {}
        for k, poly in enumerate(self.polys):
            bx0, by0, bx1, by1 = self.bbox[k]
            reach = m + half
            i0 = max(int(math.floor((bx0 - reach - self.x0) / CELL_M)), 0)
            j0 = max(int(math.floor((by0 - reach - self.y0) / CELL_M)), 0)
            i1 = min(int(math.ceil((bx1 + reach - self.x0) / CELL_M)), self.nx)
            j1 = min(int(math.ceil((by1 + reach - self.y0) / CELL_M)), self.ny)
            if i0 < i1 and j0 < j1:
                ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1))
                cx = self.x0 + (ii + 0.5) * CELL_M
                cy = self.y0 + (jj + 0.5) * CELL_M
                d = shapely.distance(poly, shapely.points(cx.ravel(), cy.ravel()))
                idx = (jj * self.nx + ii).ravel()
                # Conservative (may block): lower bound of the distance in the cell.
                dl = np.maximum(d - half, 0.0)
                sel = dl < m
                r = np.sqrt(m * m - dl[sel] ** 2)
                c = idx[sel]
                np.minimum.at(out_lo, c, self.zmin[k] - r)
                np.maximum.at(out_hi, c, self.zmax[k] + r)
                # Sure (must block): upper bound of the distance in the cell.
                du = d + half
                sel = du < m
                r = np.sqrt(m * m - du[sel] ** 2)
                c = idx[sel]
                lo, hi = self.zmin[k] - r, self.zmax[k] + r
                better = (hi - lo) > (in_hi[c] - in_lo[c])
                in_lo[c[better]] = lo[better]
                in_hi[c[better]] = hi[better]
            # Candidate tiles: every prism whose footprint box is within the margin.
            t0 = max(int((bx0 - m - self.x0) // TILE_M), 0)
            u0 = max(int((by0 - m - self.y0) // TILE_M), 0)
            t1 = min(int((bx1 + m - self.x0) // TILE_M), self.tnx - 1)
            u1 = min(int((by1 + m - self.y0) // TILE_M), self.tny - 1)
            for u in range(u0, u1 + 1):
                for t in range(t0, t1 + 1):
                    self.tiles.setdefault(u * self.tnx + t, []).append(k)
        f32 = np.float32
        # float32 rounding outwards for the conservative interval, inwards for the sure one.
        out_lo = np.nextafter(out_lo.astype(f32), f32(-np.inf))
        out_hi = np.nextafter(out_hi.astype(f32), f32(np.inf))
        in_lo = np.nextafter(in_lo.astype(f32), f32(np.inf))
        in_hi = np.nextafter(in_hi.astype(f32), f32(-np.inf))
        # memoryviews index to plain Python floats (much faster than numpy scalars).
        self._arrays = (out_lo, out_hi, in_lo, in_hi)
        self.out_lo, self.out_hi = memoryview(out_lo), memoryview(out_hi)
        self.in_lo, self.in_hi = memoryview(in_lo), memoryview(in_hi)

    def distance(self, x, y, z, cap):
        """Exact distance from (x, y, z) to the nearest prism, capped at `cap`."""
        t = int((x - self.x0) // TILE_M)
        u = int((y - self.y0) // TILE_M)
        t = min(max(t, 0), self.tnx - 1)
        u = min(max(u, 0), self.tny - 1)
        best = cap
        point = None
        for k in self.tiles.get(u * self.tnx + t, ()):
            zmin, zmax = self.zmin[k], self.zmax[k]
            dz = zmin - z if z < zmin else (z - zmax if z > zmax else 0.0)
            if dz >= best:
                continue
            bx0, by0, bx1, by1 = self.bbox[k]
            dx = bx0 - x if x < bx0 else (x - bx1 if x > bx1 else 0.0)
            dy = by0 - y if y < by0 else (y - by1 if y > by1 else 0.0)
            if dx * dx + dy * dy + dz * dz >= best * best:
                continue
            if point is None:
                point = shapely.Point(x, y)
            dxy = self.polys[k].distance(point)
            d = math.sqrt(dxy * dxy + dz * dz)
            if d < best:
                best = d
        return best

    def exact_valid(self, x, y, z, margin):
        """The clearance rule without the raster."""
        if not (self.zlo <= z <= self.ceiling):
            return False
        if not (self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1):
            return False
        return self.distance(x, y, z, margin) >= margin

    def valid(self, x, y, z):
        """The clearance rule at the checker margin (raster first, exact in the band)."""
        if not (self.zlo <= z <= self.ceiling):
            return False
        if not (self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1):
            return False
        i = min(int((x - self.x0) / CELL_M), self.nx - 1)
        j = min(int((y - self.y0) / CELL_M), self.ny - 1)
        c = j * self.nx + i
        if z < self.out_lo[c] or z > self.out_hi[c]:
            return True
        if self.in_lo[c] <= z <= self.in_hi[c]:
            return False
        return self.distance(x, y, z, self.margin) >= self.margin

    def min_clearance(self, pts, step, cap):
        """Smallest distance to any prism along a polyline sampled every `step` m, and
        whether every sample is within the bounds and below the ceiling."""
        worst, inside = cap, True
        for a, b in zip(pts, pts[1:]):
            seg = math.dist(a, b)
            n = max(int(math.ceil(seg / step)), 1)
            for s in range(n + 1):
                f = s / n
                x = a[0] + (b[0] - a[0]) * f
                y = a[1] + (b[1] - a[1]) * f
                z = a[2] + (b[2] - a[2]) * f
                if not (self.zlo <= z <= self.ceiling and self.x0 <= x <= self.x1
                        and self.y0 <= y <= self.y1):
                    inside = False
                i = min(max(int((x - self.x0) / CELL_M), 0), self.nx - 1)
                j = min(max(int((y - self.y0) / CELL_M), 0), self.ny - 1)
                c = j * self.nx + i
                # Outside the conservative interval the distance is >= the raster margin.
                if z < self.out_lo[c] or z > self.out_hi[c]:
                    continue
                worst = min(worst, self.distance(x, y, z, worst))
        return worst, inside


def load_scene(path):
    with open(path) as f:
        scene = json.load(f)
    if scene.get("format") != "skylane-scene/1":
        sys.exit(f"error: {path}: not a skylane scene (format {scene.get('format')!r})")
    return scene


def make_planner(name, si):
    from ompl import geometric as og

    if name == "rrtconnect":
        return og.RRTConnect(si)
    if name == "bitstar":
        return og.BITstar(si)
    if name == "informedrrtstar":
        return og.InformedRRTstar(si)
    sys.exit(f"error: unknown planner {name}")


def cmd_solve(args):
    from ompl import base as ob
    from ompl import geometric as og
    from ompl import util as ou

    ou.setLogLevel(ou.LogLevel.LOG_ERROR)
    scene = load_scene(args.scene)
    t = time.perf_counter()
    margin = scene["clearance_margin_m"]
    chk = Checker(scene, margin + STEP_M / 2.0)
    print(f"checker built in {time.perf_counter() - t:.1f} s "
          f"({chk.nx}x{chk.ny} cells of {CELL_M} m, margin {chk.margin} m)", flush=True)

    # --level: plan in the horizontal plane at the query's cruise altitude (skylane's own
    # path model: level cruise between vertical climb and descent).
    dims = 2 if args.level else 3
    level_z = [0.0]

    def setup():
        space = ob.RealVectorStateSpace(dims)
        bounds = ob.RealVectorBounds(dims)
        b = scene["bounds"]
        ranges = [(b["min"][0], b["max"][0]), (b["min"][1], b["max"][1]),
                  (scene["z_min_m"], scene["ceiling_m"])]
        for i, (lo, hi) in enumerate(ranges[:dims]):
            bounds.setLow(i, lo)
            bounds.setHigh(i, hi)
        space.setBounds(bounds)
        ss = og.SimpleSetup(space)
        valid = chk.valid
        if args.level:
            ss.setStateValidityChecker(lambda s: valid(s[0], s[1], level_z[0]))
        else:
            ss.setStateValidityChecker(lambda s: valid(s[0], s[1], s[2]))
        si = ss.getSpaceInformation()
        si.setStateValidityCheckingResolution(STEP_M / space.getMaximumExtent())
        ss.setOptimizationObjective(ob.PathLengthOptimizationObjective(si))
        return space, ss, si

    space, ss, si = setup()
    saved_paths = {}

    queries = [q for q in scene["queries"] if q["start_m"] is not None]
    if args.first is not None:
        queries = [q for q in scene["queries"][: args.first] if q["start_m"] is not None]
    out = open(args.csv, "w", newline="") if args.csv else sys.stdout
    w = csv.writer(out)
    w.writerow(["query", "planner", "solved", "time_s", "plan_s", "simplify_s",
                "raw_length_m", "length_m", "straight_m",
                "skylane_length_m", "states", "checked_valid", "min_clearance_m"])
    t_all = time.perf_counter()
    for n, q in enumerate(queries):
        level_z[0] = q["start_m"][2]
        start, goal = space.allocState(), space.allocState()
        for i in range(dims):
            start[i] = q["start_m"][i]
            goal[i] = q["goal_m"][i]
        ss.clear()
        ss.setStartAndGoalStates(start, goal)
        ss.setPlanner(make_planner(args.planner, si))
        t0 = time.perf_counter()
        ss.solve(args.time)
        plan_s = time.perf_counter() - t0
        solved = ss.haveExactSolutionPath()
        raw = length = float("nan")
        simplify_s = 0.0
        states = 0
        pts = []
        if solved:
            raw = ss.getSolutionPath().length()
            t1 = time.perf_counter()
            ss.simplifySolution()
            simplify_s = time.perf_counter() - t1
            path = ss.getSolutionPath()
            length = path.length()
            if args.level:
                pts = [(s[0], s[1], level_z[0]) for s in path.getStates()]
            else:
                pts = [(s[0], s[1], s[2]) for s in path.getStates()]
            saved_paths[q["index"]] = pts
            states = len(pts)
        checked, clear = "", ""
        if solved and args.check:
            worst, inside = chk.min_clearance(pts, 0.05, margin + 1.0)
            checked = int(inside and worst >= margin)
            clear = f"{worst:.4f}"
        w.writerow([q["index"], args.planner, int(solved), f"{plan_s + simplify_s:.6f}",
                    f"{plan_s:.6f}", f"{simplify_s:.6f}", f"{raw:.4f}",
                    f"{length:.4f}", f"{math.dist(q['start_m'], q['goal_m']):.4f}",
                    f"{q['skylane']['length_m']:.4f}", states, checked, clear])
        out.flush()
        if args.csv and (n + 1) % 50 == 0:
            print(f"{args.planner}: {n + 1}/{len(queries)} queries, "
                  f"{time.perf_counter() - t_all:.0f} s", flush=True)
    if args.csv:
        out.close()
    if args.save_paths:
        with open(args.save_paths, "w") as f:
            json.dump({str(k): v for k, v in saved_paths.items()}, f)
    sys.stdout.flush()
    # Skip interpreter teardown: the nanobind bindings report spurious leaks at exit.
    os._exit(0)


def pct(sorted_vals, p):
    return sorted_vals[round((len(sorted_vals) - 1) * p)]


def cmd_summary(args):
    scene = load_scene(args.scene)
    by_index = {q["index"]: q for q in scene["queries"]}
    runs = {}
    for path in args.csv:
        with open(path) as f:
            for r in csv.DictReader(f):
                runs.setdefault(r["planner"], {})[int(r["query"])] = r
    indices = sorted(set.intersection(*(set(v) for v in runs.values())))
    print(f"queries compared: {len(indices)} (skylane-solved queries present in every CSV)")
    rows = []
    sky_t = sorted(by_index[i]["skylane"]["time_ms"] for i in indices)
    sky_len = [by_index[i]["skylane"]["length_m"] for i in indices]
    sky_ratio = [by_index[i]["skylane"]["length_m"] / math.dist(by_index[i]["start_m"],
                 by_index[i]["goal_m"]) for i in indices
                 if math.dist(by_index[i]["start_m"], by_index[i]["goal_m"]) > 1.0]
    rows.append(("skylane city planner", len(indices), statistics.mean(sky_t),
                 statistics.median(sky_t), pct(sky_t, 0.99), statistics.mean(sky_len),
                 statistics.mean(sky_ratio), ""))
    for name, rs in runs.items():
        sel = [rs[i] for i in indices]
        ok = [r for r in sel if r["solved"] == "1"]
        t = sorted(float(r["time_s"]) * 1e3 for r in sel)
        lens = [float(r["length_m"]) for r in ok]
        ratios = [float(r["length_m"]) / float(r["straight_m"]) for r in ok
                  if float(r["straight_m"]) > 1.0]
        checked = [r for r in ok if r["checked_valid"] != ""]
        invalid = sum(1 for r in checked if r["checked_valid"] == "0")
        note = f"checked {len(checked)}, invalid {invalid}" if checked else "not checked"
        if checked:
            note += f", min clearance {min(float(r['min_clearance_m']) for r in checked):.3f} m"
        rows.append((name, len(ok), statistics.mean(t), statistics.median(t), pct(t, 0.99),
                     statistics.mean(lens) if lens else float("nan"),
                     statistics.mean(ratios) if ratios else float("nan"), note))
        # Per-query comparison with skylane on the queries both solved.
        both = [(by_index[int(r["query"])]["skylane"]["length_m"], float(r["length_m"]),
                 float(r["raw_length_m"]), int(r["query"])) for r in ok]
        if both:
            ratio = statistics.mean(s / o for s, o, _, _ in both)
            longer = [(s - o, i) for s, o, _, i in both if s > o + 0.1]
            shorter = sum(1 for s, o, _, _ in both if o > s + 0.1)
            raw_ratio = statistics.mean(s / r for s, _, r, _ in both)
            print(f"{name}: solved {len(ok)}/{len(sel)}; skylane/{name} length ratio "
                  f"mean {ratio:.4f} (vs unsimplified {raw_ratio:.4f}); skylane longer by "
                  f"> 0.1 m on {len(longer)}"
                  + (f" (max {max(longer)[0]:.2f} m at query {max(longer)[1]}, "
                     f"mean excess {statistics.mean(d for d, _ in longer):.2f} m)"
                     if longer else "")
                  + f"; {name} longer by > 0.1 m on {shorter}")
    print()
    print("| planner | solved | mean ms | median ms | p99 ms | mean length m "
          "| mean length / straight | path check |")
    print("|---|---|---|---|---|---|---|---|")
    for name, solved, mean, med, p99, ml, mr, note in rows:
        print(f"| {name} | {solved} / {len(indices)} | {mean:.2f} | {med:.3f} | {p99:.1f} "
              f"| {ml:.1f} | {mr:.4f} | {note} |")


def cmd_selftest(args):
    scene = load_scene(args.scene)
    margin = scene["clearance_margin_m"] + STEP_M / 2.0
    chk = Checker(scene, margin)
    rng = random.Random(1)
    bad = 0
    near = 0
    for n in range(args.points):
        if n % 2 == 0:
            x = rng.uniform(chk.x0, chk.x1)
            y = rng.uniform(chk.y0, chk.y1)
        else:  # near an obstacle, where the raster is undecided
            k = rng.randrange(len(chk.polys))
            bx0, by0, bx1, by1 = chk.bbox[k]
            x = rng.uniform(bx0 - 8, bx1 + 8)
            y = rng.uniform(by0 - 8, by1 + 8)
            near += 1
        z = rng.uniform(scene["z_min_m"], scene["ceiling_m"])
        if chk.valid(x, y, z) != chk.exact_valid(x, y, z, margin):
            bad += 1
    print(f"selftest: {args.points} points ({near} near obstacles), "
          f"raster+exact vs exact disagree on {bad}")
    t = time.perf_counter()
    for _ in range(100000):
        chk.valid(rng.uniform(chk.x0, chk.x1), rng.uniform(chk.y0, chk.y1),
                  rng.uniform(0, scene["ceiling_m"]))
    print(f"uniform state check: {(time.perf_counter() - t) / 100000 * 1e6:.2f} us each")
    sys.exit(1 if bad else 0)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("solve")
    s.add_argument("scene")
    s.add_argument("--planner", required=True,
                   choices=["rrtconnect", "bitstar", "informedrrtstar"])
    s.add_argument("--time", type=float, default=1.0, help="time limit per query, s")
    s.add_argument("--first", type=int, help="only the first N queries of the scene")
    s.add_argument("--csv", help="output CSV (default stdout)")
    s.add_argument("--level", action="store_true",
                   help="plan in the horizontal plane at the query's cruise altitude")
    s.add_argument("--save-paths", help="write the simplified paths as JSON")
    s.add_argument("--check", action="store_true",
                   help="re-check every path every 0.05 m against the exact rule")
    s = sub.add_parser("summary")
    s.add_argument("scene")
    s.add_argument("csv", nargs="+")
    s = sub.add_parser("selftest")
    s.add_argument("scene")
    s.add_argument("--points", type=int, default=20000)
    args = p.parse_args()
    {"solve": cmd_solve, "summary": cmd_summary, "selftest": cmd_selftest}[args.cmd](args)


if __name__ == "__main__":
    main()
