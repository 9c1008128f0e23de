"""The bounded Dijkstra kernels: every node within a limit of each source, and the many-to-many table."""

import numpy as np
from scipy import sparse

from bluelight.analysis.bounded_search import bounded_searches, bounded_table


def _line():
    """0 -60- 1 -70- 2 -80- 3, both ways, and a one-way shortcut 0 -> 3 of 250 s."""
    m = np.zeros((4, 4))
    for a, b, t in ((0, 1, 60.0), (1, 2, 70.0), (2, 3, 80.0)):
        m[a, b] = m[b, a] = t
    m[0, 3] = 250.0
    g = sparse.csr_matrix(m)
    return g.indptr, g.indices, g.data


def test_each_search_settles_its_nodes_nearest_first_and_stops_at_the_limit():
    row, node, t = bounded_searches(*_line(), np.array([0, 3]), 150.0)
    assert list(zip(row.tolist(), node.tolist(), t.tolist())) == [
        (0, 0, 0.0), (0, 1, 60.0), (0, 2, 130.0),          # 3 is 210 s away (or 250 by the shortcut): beyond
        (1, 3, 0.0), (1, 2, 80.0), (1, 1, 150.0)]          # 1 is 150 s from 3: exactly at the limit, reached
    row, node, t = bounded_searches(*_line(), np.array([3]), 150.0 - 1e-9)
    assert node.tolist() == [3, 2]                           # and not a moment sooner


def test_the_table_holds_each_target_within_the_limit_and_inf_beyond():
    table = bounded_table(*_line(), np.array([0, 3]), np.array([3, 1, 0]), 220.0)
    assert table.tolist() == [[210.0, 60.0, 0.0],            # 0 -> 3 along the line (210) beats the shortcut
                              [0.0, 150.0, 210.0]]           # 3 -> 0 is 210 s (no shortcut back): within 220
    short = bounded_table(*_line(), np.array([3]), np.array([0]), 200.0)
    assert short.tolist() == [[np.inf]]
