"""Tiny hand-built networks whose answers are known."""

import numpy as np

from bluelight.analysis.network import build_network
from bluelight.analysis.speeds import profile_from_dict

#: 36 km/h everywhere: 10 m/s, so a 100 m edge takes 10 s
FLAT = profile_from_dict({"name": "flat", "version": 1, "highway_kph": {"default": 36.0},
                          "turnout_s": {"default": 60.0}, "use_maxspeed": False})


def line_network():
    """0 -100m- 1 -100m- 2 -100m- 3, two-way, plus a one-way 3 -> 4 (100 m) and an island 5 <-> 6."""
    ids = np.array([10, 11, 12, 13, 14, 15, 16])
    x = np.array([0, 100, 200, 300, 400, 1000, 1100], float)
    y = np.zeros(7)
    pairs = [(10, 11), (11, 12), (12, 13), (15, 16)]
    u = [a for a, b in pairs] + [b for a, b in pairs] + [13]
    v = [b for a, b in pairs] + [a for a, b in pairs] + [14]
    length = np.full(len(u), 100.0)
    return build_network(ids, x, y, u, v, length, ["residential"] * len(u), np.full(len(u), np.nan), FLAT)


def grid_edges(n=5, spacing=100.0, row_class=lambda r: "residential"):
    """Node and edge arrays of an n x n two-way grid (node id = row * n + col); row streets classed by row."""
    ids, xs, ys, u, v, hw = [], [], [], [], [], []
    for r in range(n):
        for c in range(n):
            ids.append(r * n + c)
            xs.append(c * spacing)
            ys.append(r * spacing)
            if c + 1 < n:
                u += [r * n + c, r * n + c + 1]
                v += [r * n + c + 1, r * n + c]
                hw += [row_class(r)] * 2
            if r + 1 < n:
                u += [r * n + c, (r + 1) * n + c]
                v += [(r + 1) * n + c, r * n + c]
                hw += ["residential"] * 2
    return ids, xs, ys, u, v, np.full(len(u), spacing), hw


def grid_network(n=5, spacing=100.0):
    """An n x n two-way grid, 100 m blocks, node id = row * n + col."""
    ids, xs, ys, u, v, length, hw = grid_edges(n, spacing)
    return build_network(ids, xs, ys, u, v, length, hw, np.full(len(u), np.nan), FLAT)
