"""Solve a Solomon VRPTW file with PyVRP and print `vehicles V distance D`.

PyVRP works on integers, so distances and times are scaled by SCALE = 1000 before
solving: edge distance = round(1000 * euclidean), edge duration = ceil(1000 *
euclidean) (rounding travel times up means an integer-feasible schedule is also
feasible with exact times), windows and service times x1000 (exact: they are
integers in the files). The printed distance is recomputed here in double precision
from PyVRP's routes, and the routes are re-checked with exact float times, so the
number is comparable with `skylane vrptw` (objective: total distance only).

Usage: solve.py FILE SECONDS [SEED]
       solve.py --verify FILE ROUTES_OUTPUT   (re-check another solver's printed routes)
"""

import math
import sys

from pyvrp import Model
from pyvrp.stop import MaxRuntime

SCALE = 1000


def read_solomon(path):
    lines = [ln.split() for ln in open(path) if ln.split()]
    vehicles, capacity = map(int, lines[3])
    rows = [list(map(float, ln)) for ln in lines[6:]]
    return vehicles, capacity, rows


def evaluate(rows, capacity, routes):
    """Exact double-precision distance of `routes`, asserting feasibility."""
    n = len(rows)

    def dist(a, b):
        return math.hypot(rows[a][1] - rows[b][1], rows[a][2] - rows[b][2])

    total = 0.0
    seen = []
    for r in routes:
        t, prev, load = rows[0][4], 0, 0.0
        for c in r + [0]:
            t = max(t + dist(prev, c), rows[c][4])
            assert t <= rows[c][5] + 1e-6, f"late at {c}: {t} > {rows[c][5]} route {r}"
            t += rows[c][6]
            total += dist(prev, c)
            load += rows[c][3]
            prev = c
        assert load <= capacity, f"route {r} carries {load} > {capacity}"
        seen += r
    assert sorted(seen) == list(range(1, n)), "not every customer exactly once"
    return total


def verify(path, output):
    """Re-checks `Route #k: ...` lines printed by any solver (e.g. skylane vrptw)."""
    vehicles, capacity, rows = read_solomon(path)
    routes = [
        list(map(int, ln.split(":", 1)[1].split()))
        for ln in open(output)
        if ln.startswith("Route #")
    ]
    assert len(routes) <= vehicles, f"{len(routes)} routes > {vehicles} vehicles"
    print(f"verified: vehicles {len(routes)} distance {evaluate(rows, capacity, routes):.2f}")


def main():
    if sys.argv[1] == "--verify":
        verify(sys.argv[2], sys.argv[3])
        return
    path, seconds = sys.argv[1], float(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    vehicles, capacity, rows = read_solomon(path)
    n = len(rows)

    def dist(a, b):
        return math.hypot(rows[a][1] - rows[b][1], rows[a][2] - rows[b][2])

    m = Model()
    locs = [m.add_location(x=r[1], y=r[2]) for r in rows]
    depot = m.add_depot(locs[0])
    m.add_vehicle_type(
        num_available=vehicles,
        capacity=capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=int(rows[0][4] * SCALE),
        tw_late=int(rows[0][5] * SCALE),
    )
    for r, loc in zip(rows[1:], locs[1:]):
        m.add_client(
            loc,
            delivery=int(r[3]),
            service_duration=int(r[6] * SCALE),
            tw_early=int(r[4] * SCALE),
            tw_late=int(r[5] * SCALE),
        )
    for a in range(n):
        for b in range(n):
            d = dist(a, b) * SCALE
            m.add_edge(locs[a], locs[b], distance=round(d), duration=math.ceil(d))
    res = m.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    if not res.is_feasible():
        print(f"PyVRP found no feasible solution for {path}", file=sys.stderr)
        sys.exit(1)
    # Client activity idx is 0-based over clients; location index = idx + 1.
    routes = [[a.idx + 1 for a in r if a.is_client()] for r in res.best.routes()]
    total = evaluate(rows, capacity, routes)
    for k, r in enumerate(routes):
        print(f"Route #{k + 1}: " + " ".join(map(str, r)))
    print(f"vehicles {len(routes)} distance {total:.2f}")


if __name__ == "__main__":
    main()
