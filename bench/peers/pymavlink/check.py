"""Peer check of `skylane export`: load every mission file with pymavlink.

`.waypoints` files (QGC WPL 110) go through pymavlink's own waypoint loader
(`mavwp.MAVWPLoader.load`). pymavlink has no `.plan` reader, so each `.plan` item is
built as a MAVLink 2 `MISSION_ITEM_INT` message (lat/lon scaled by 1e7) and packed with
pymavlink's generated `common` dialect, which checks every field against its wire type;
the items must also match the `.waypoints` file of the same flight, item for item.

Usage: python check.py WAYPOINTS_DIR [PLAN_DIR]
Last line: `files N items M commands {CMD: count, ...}`.
"""

import collections
import importlib.metadata
import json
import math
import os
import sys

os.environ.setdefault("MAVLINK20", "1")
from pymavlink import mavutil, mavwp  # noqa: E402
from pymavlink.dialects.v20 import common  # noqa: E402


def load_waypoints(path):
    loader = mavwp.MAVWPLoader()
    n = loader.load(path)
    return [loader.wp(i) for i in range(n)]


def load_plan(path):
    with open(path) as f:
        plan = json.load(f)
    assert plan["fileType"] == "Plan" and plan["version"] == 1, path
    mission = plan["mission"]
    assert mission["version"] == 2, path
    mav = common.MAVLink(None, srcSystem=255, srcComponent=190)
    home = mission["plannedHomePosition"]
    rows = [(0, 16, [0, 0, 0, 0, home[0], home[1], home[2]])]
    for i, item in enumerate(mission["items"]):
        assert item["type"] == "SimpleItem", path
        assert item["doJumpId"] == i + 1, path
        p = [math.nan if x is None else float(x) for x in item["params"]]
        msg = common.MAVLink_mission_item_int_message(
            1, 1, i + 1, item["frame"], item["command"], 0, int(item["autoContinue"]),
            p[0], p[1], p[2], p[3], round(p[4] * 1e7), round(p[5] * 1e7), p[6],
            common.MAV_MISSION_TYPE_MISSION,
        )
        msg.pack(mav)  # raises on a value that does not fit its wire type
        rows.append((item["frame"], item["command"], p))
    return rows


def same(a, b, tol):
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol


def main():
    wpl_dir = sys.argv[1]
    plan_dir = sys.argv[2] if len(sys.argv) > 2 else None
    files = items = 0
    commands = collections.Counter()
    for name in sorted(os.listdir(wpl_dir)):
        if not name.endswith(".waypoints"):
            continue
        wps = load_waypoints(os.path.join(wpl_dir, name))
        assert wps[0].seq == 0 and wps[0].current == 1, name
        assert wps[1].command == mavutil.mavlink.MAV_CMD_NAV_TAKEOFF, name
        assert wps[-1].command == mavutil.mavlink.MAV_CMD_NAV_LAND, name
        for w in wps[1:]:
            commands[w.command] += 1
        files += 1
        items += len(wps) - 1
        if plan_dir:
            rows = load_plan(os.path.join(plan_dir, name[: -len(".waypoints")] + ".plan"))
            assert len(rows) == len(wps), name
            for (frame, cmd, p), w in zip(rows, wps):
                assert cmd == w.command and (w.seq == 0 or frame == w.frame), name
                q = [w.param1, w.param2, w.param3, w.param4, w.x, w.y, w.z]
                assert all(same(a, b, 1e-6) for a, b in zip(p[:4] + p[6:], q[:4] + q[6:])), name
                assert all(same(a, b, 1e-9) for a, b in zip(p[4:6], q[4:6])), name
    print("pymavlink %s, MAVLink %s, dialect common" % (
        importlib.metadata.version("pymavlink"), mavutil.mavlink.WIRE_PROTOCOL_VERSION))
    print("files %d items %d commands %s" % (files, items, dict(sorted(commands.items()))))


if __name__ == "__main__":
    main()
