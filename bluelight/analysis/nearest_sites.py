"""Each node's K fastest sites in one search: what every coverage page reads, without a search per site.

A coverage model needs, for each demand point, its K fastest sites (turnout
plus drive) and their times. Searching from every site separately costs what
every site's 30-minute reach holds: at county scale, thousands of sites times
a hundred thousand nodes each. A K-nearest-sources Dijkstra (each node
settles up to K labels, one per distinct source, in order of time) gives the
same K lists in one search costing about K single searches: a label from a
site is passed on through a node only while that node has fewer than K
labels, because every site beyond a node's K fastest is beaten, at every node
past it, by all K of them.

The cutoff applies to the drive, as :func:`~bluelight.analysis.traveltime.site_travel_times`
applies it: a site is a candidate where its drive is within ``cutoff_s``. The
search itself runs to the cutoff plus the largest turnout, so that the
passing-on rule above holds exactly; sites found that drive beyond the cutoff
are then dropped, and a node whose list was full says so (``more``), so that
where a scenario closes all its listed sites a model searches backwards from
that point alone (:func:`times_to_points`). The answers equal a search from
each site, node for node.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from bluelight.analysis.network import RoadNetwork
from bluelight.analysis.snapping import Links
from bluelight.foundation.errors import AnalysisError


@njit(cache=True, nogil=True, inline="always")
def _less(ta: float, sa: int, tb: float, sb: int) -> bool:   # pragma: no cover - compiled
    return ta < tb or (ta == tb and sa < sb)


@njit(cache=True, nogil=True, inline="always")
def _sift_up(hk: np.ndarray, hp: np.ndarray, i: int, t: float, payload: int) -> None:   # pragma: no cover
    """(time, payload) into the 4-ary heap at free place ``i``, moved up to where it belongs."""
    while i > 0:
        p = (i - 1) >> 2
        if hk[p] <= t:
            break
        hk[i], hp[i] = hk[p], hp[p]
        i = p
    hk[i], hp[i] = t, payload


@njit(cache=True, nogil=True, inline="always")
def _offer(tent_s: np.ndarray, tent_t: np.ndarray, n_tent: np.ndarray, worst: np.ndarray, k: int, u: int, s: int,
           t: float) -> int:   # pragma: no cover - compiled
    """Offer source ``s`` at time ``t`` to node ``u``'s tentative labels: the slot it now holds, or -1 if dropped.

    A label behind k others of distinct sources can never be among the k fastest, so it is dropped; a label it
    displaces stays in the heap and is skipped when popped (its slot no longer holds it). ``worst`` keeps each
    full node's slowest slot, so most labels are dropped without a scan."""
    m = n_tent[u]
    w = worst[u]
    if m == k and not _less(t, s, tent_t[u, w], tent_s[u, w]):
        return -1
    for j in range(m):
        if tent_s[u, j] == s:
            if tent_t[u, j] <= t:
                return -1
            tent_t[u, j] = t
            if j == w:
                _rescan(tent_s, tent_t, m, worst, u)
            return j
    if m < k:
        tent_s[u, m], tent_t[u, m] = s, t
        n_tent[u] = m + 1
        if m == 0 or _less(tent_t[u, w], tent_s[u, w], t, s):
            worst[u] = m
        return m
    tent_s[u, w], tent_t[u, w] = s, t
    _rescan(tent_s, tent_t, m, worst, u)
    return w


@njit(cache=True, nogil=True, inline="always")
def _rescan(tent_s: np.ndarray, tent_t: np.ndarray, m: int, worst: np.ndarray,
            u: int) -> None:   # pragma: no cover - compiled
    w = 0
    for j in range(1, m):
        if _less(tent_t[u, w], tent_s[u, w], tent_t[u, j], tent_s[u, j]):
            w = j
    worst[u] = w


@njit(cache=True, nogil=True)
def _k_nearest(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, src_node: np.ndarray,
               src_start: np.ndarray, src_owner: np.ndarray, k: int,
               limit: float) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    n = len(indptr) - 1
    # per node: up to k tentative labels (source, best time so far), the slowest of them, and the settled list
    tent_s = np.full((n, k), -1, dtype=np.int32)
    tent_t = np.full((n, k), np.inf)
    n_tent = np.zeros(n, dtype=np.int32)
    worst = np.zeros(n, dtype=np.int32)
    n_lab = np.zeros(n, dtype=np.int32)
    lab_src = np.full((n, k), -1, dtype=np.int32)
    lab_t = np.full((n, k), np.inf)
    # a 4-ary heap of times, each with its label packed as source << 32 | node * k + slot (the heap's few
    # levels and two arrays keep it in cache: it is most of the work)
    hk = np.empty(max(1024, 4 * len(src_node)))
    hp = np.empty(len(hk), dtype=np.int64)
    size = 0
    for e in range(len(src_node)):
        t, s, v = src_start[e], src_owner[e], src_node[e]
        j = _offer(tent_s, tent_t, n_tent, worst, k, v, s, t)
        if j >= 0:                                   # the heap has room for every source
            _sift_up(hk, hp, size, t, (np.int64(s) << 32) | (v * k + j))
            size += 1
    while size > 0:
        t, packed = hk[0], hp[0]
        size -= 1
        if size > 0:                                 # the last to the root, sifted down
            lt, lp = hk[size], hp[size]
            i = 0
            while True:
                c = 4 * i + 1
                if c >= size:
                    break
                best = c
                for d in range(c + 1, min(c + 4, size)):
                    if hk[d] < hk[best]:
                        best = d
                if hk[best] >= lt:
                    break
                hk[i], hp[i] = hk[best], hp[best]
                i = best
            hk[i], hp[i] = lt, lp
        s = int(packed >> 32)
        vj = packed & 0xFFFFFFFF
        v, j = vj // k, vj % k
        if tent_s[v, j] != s or tent_t[v, j] != t:   # displaced or bettered since it was pushed
            continue
        m = n_lab[v]
        lab_src[v, m] = s
        lab_t[v, m] = t
        n_lab[v] = m + 1
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            if n_lab[u] >= k:
                continue
            nt = t + weights[e]
            if nt > limit:
                continue
            j = _offer(tent_s, tent_t, n_tent, worst, k, u, s, nt)
            if j < 0:
                continue
            if size == len(hk):                      # the heap grows by doubling
                hk = np.concatenate((hk, np.empty(size)))
                hp = np.concatenate((hp, np.empty(size, dtype=np.int64)))
            _sift_up(hk, hp, size, nt, (np.int64(s) << 32) | (u * k + j))
            size += 1
    return lab_src, lab_t


@njit(cache=True, nogil=True)
def _merge_rows(site_a: np.ndarray, time_a: np.ndarray, site_b: np.ndarray, time_b: np.ndarray,
                k: int) -> tuple[np.ndarray, np.ndarray]:   # pragma: no cover - compiled
    n, ka, kb = site_a.shape[0], site_a.shape[1], site_b.shape[1]
    out_s = np.full((n, k), -1, dtype=np.int32)
    out_t = np.full((n, k), np.inf)
    cs = np.empty(ka + kb, dtype=np.int32)
    ct = np.empty(ka + kb)
    for r in range(n):
        m = 0
        for q in range(ka + kb):                     # each site once, at its better time
            s = site_a[r, q] if q < ka else site_b[r, q - ka]
            if s < 0:
                continue
            t = time_a[r, q] if q < ka else time_b[r, q - ka]
            found = False
            for x in range(m):
                if cs[x] == s:
                    found = True
                    if t < ct[x]:
                        ct[x] = t
                    break
            if not found:
                cs[m], ct[m] = s, t
                m += 1
        for x in range(1, m):                        # by time, then site: fastest first, ties in site order
            s, t = cs[x], ct[x]
            y = x - 1
            while y >= 0 and (ct[y] > t or (ct[y] == t and cs[y] > s)):
                cs[y + 1], ct[y + 1] = cs[y], ct[y]
                y -= 1
            cs[y + 1], ct[y + 1] = s, t
        for x in range(min(m, k)):
            out_s[r, x], out_t[r, x] = cs[x], ct[x]
    return out_s, out_t


def merge_lists(site_a: np.ndarray, time_a: np.ndarray, site_b: np.ndarray, time_b: np.ndarray,
                k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``k`` fastest distinct sites of two candidate lists: a point on a road segment is reached
    through either end, so its list merges its two entry nodes' (each site once, at its better time).

    Parameters
    ----------
    site_a, time_a, site_b, time_b
        ``(points, K)`` each: the two lists' sites (-1 pads) and times (the leg along the segment added).
    k
        How many to keep.

    Returns
    -------
    tuple of numpy.ndarray
        ``(site, time_s)``, ``(points, k)``: fastest first, ties in site order; -1 / ``inf`` pad.

    Examples
    --------
    >>> s, t = merge_lists(np.array([[3, 1]]), np.array([[10.0, 30.0]]), np.array([[1, 2]]),
    ...                    np.array([[20.0, 25.0]]), 3)
    >>> s.tolist(), t.tolist()
    ([[3, 1, 2]], [[10.0, 20.0, 25.0]])
    """
    return _merge_rows(np.ascontiguousarray(site_a, dtype=np.int32), np.ascontiguousarray(time_a, dtype=float),
                         np.ascontiguousarray(site_b, dtype=np.int32), np.ascontiguousarray(time_b, dtype=float),
                         int(k))


def nearest_sites(network: RoadNetwork, sites: Links, turnout_s: ArrayLike, *, k: int,
                  cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every node's ``k`` fastest sites (turnout plus drive) and their times, in one search.

    Parameters
    ----------
    network
        The road network (its CSR graph of drive times, seconds).
    sites
        Where each site joins the road (:class:`~bluelight.analysis.snapping.Links`, as placed with
        ``source=True``: leaving by either end of its segment; ``Links.at_nodes`` for sites on nodes). Sites off
        the network (``node_a`` -1) reach nothing.
    turnout_s
        Each site's time before driving.
    k
        How many sites to keep per node (at least 1).
    cutoff_s
        The longest drive from a site (its turnout not counted, the leg along its own segment counted).

    Returns
    -------
    tuple of numpy.ndarray
        ``(site, time_s, more)``: ``site`` and ``time_s``, each ``(nodes, k)``, the index of each node's i-th
        fastest site (-1 where fewer reach it) and its turnout plus drive (``inf`` there); of sites tied at the
        k-th place the lower index is kept, and tied sites may come in either order (:func:`merge_lists` puts
        them in site order); ``more`` per node, True where further sites may reach it than its list holds (its
        list was full before sites driving beyond the cutoff were dropped).

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> from bluelight.analysis.snapping import Links
    >>> site, t, more = nearest_sites(example_network(), Links.at_nodes([0, 8]), [0.0, 30.0], k=2, cutoff_s=600)
    >>> site[4].tolist(), t[4].round().tolist(), bool(more[4])
    ([0, 1], [120.0, 150.0], True)
    """
    turnout = np.asarray(turnout_s, dtype=float)
    node_a, node_b = np.asarray(sites.node_a, dtype=np.int64), np.asarray(sites.node_b, dtype=np.int64)
    if turnout.shape != node_a.shape or not np.isfinite(turnout).all() or (turnout < 0).any():
        raise AnalysisError(f"turnout_s must be one finite, non-negative value per site ({len(node_a)}), "
                            f"got shape {turnout.shape}")
    if max(node_a.max(initial=-1), node_b.max(initial=-1)) >= network.n_nodes:
        raise AnalysisError("a site's node index is outside the network")
    if k < 1:
        raise AnalysisError(f"k must be at least 1, got {k}")
    if not cutoff_s > 0:
        raise AnalysisError(f"cutoff_s must be positive, got {cutoff_s}")
    on = np.flatnonzero(node_a >= 0)
    two = on[node_b[on] >= 0]
    src_node = np.concatenate([node_a[on], node_b[two]])
    src_start = np.concatenate([turnout[on] + np.asarray(sites.extra_a_s, float)[on],
                                turnout[two] + np.asarray(sites.extra_b_s, float)[two]])
    src_owner = np.concatenate([on, two]).astype(np.int32)
    keep = np.isfinite(src_start) & (src_start - turnout[src_owner] <= cutoff_s)
    bound = float(cutoff_s) + float(turnout.max(initial=0.0))   # no site's drive within the cutoff is beyond
    g = network.graph
    site, time_s = _k_nearest(np.asarray(g.indptr, dtype=np.int64), np.asarray(g.indices, dtype=np.int64),
                              np.asarray(g.data, dtype=np.float64), src_node[keep], src_start[keep],
                              src_owner[keep], int(k), bound)
    more = site[:, -1] >= 0                        # k found: further sites may reach the node
    beyond = (site >= 0) & (time_s - turnout[np.maximum(site, 0)] > cutoff_s)   # reached, but driving too far
    if beyond.any():                               # drop them, keeping the order of the rest
        order = np.argsort(beyond, axis=1, kind="stable")
        site = np.where(np.take_along_axis(beyond, order, axis=1), -1, np.take_along_axis(site, order, axis=1))
        time_s = np.where(site >= 0, np.take_along_axis(time_s, order, axis=1), np.inf)
    return site, time_s, more


def fingerprint(network: RoadNetwork, sites: Links, turnout_s: ArrayLike, cutoff_s: float) -> str:
    """What K-fastest-site lists depend on, as a short digest: the network's drive times and shape, where the
    sites join it, their turnouts and the cutoff (stored lists are trusted only when it matches).

    Parameters
    ----------
    network
        The road network under the speed profile used.
    sites
        Where each site joins the road.
    turnout_s
        Each site's turnout.
    cutoff_s
        The longest drive searched.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> net = example_network()
    >>> a = fingerprint(net, Links.at_nodes([0]), [60.0], 1800.0)
    >>> a == fingerprint(net, Links.at_nodes([0]), [60.0], 1800.0), a == fingerprint(net, Links.at_nodes([0]),
    ...                                                                                [90.0], 1800.0)
    (True, False)
    """
    h = hashlib.sha256(network.key.encode())
    for arr in (network.travel_time_s, network.graph.indptr, network.graph.indices, sites.node_a, sites.node_b,
                sites.extra_a_s, sites.extra_b_s, np.asarray(turnout_s, dtype=float), np.array([float(cutoff_s)])):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:32]


def times_to_points(network: RoadNetwork, sites: Links, points: Links, *, cutoff_s: float) -> np.ndarray:
    """Drive times (sites x points) from sites on road segments to a few points, by one search backwards from
    each point's entry nodes: what routing forwards from every site gives, for the cost of the points.

    A site's drive to a node is the better of leaving by either end of its segment, kept within ``cutoff_s``
    (as :func:`~bluelight.analysis.traveltime.times_from_links` keeps it); a point adds the leg from its entry
    node (as :func:`~bluelight.analysis.traveltime.point_times` does). This is how a model built from stored
    lists answers the rare point whose listed sites a scenario has all closed.

    Parameters
    ----------
    network
        The road network.
    sites
        Where each site joins the road (placed with ``source=True``).
    points
        Where each point joins the road (as demand is placed).
    cutoff_s
        The longest drive from a site.

    Returns
    -------
    numpy.ndarray
        ``(sites, points)`` seconds; ``inf`` where a site does not reach a point within the cutoff, and for
        points or sites off the network.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> times_to_points(example_network(), Links.at_nodes([0, 8]), Links.at_nodes([4, 2, 6]), cutoff_s=150).round()
    array([[120., 120., 120.],
           [120., 120., 120.]])
    >>> times_to_points(example_network(), Links.at_nodes([0]), Links.at_nodes([8]), cutoff_s=150).tolist()
    [[inf]]
    """
    from bluelight.analysis.bounded_search import bounded_searches

    n_sites, n_points = len(sites.node_a), len(points.node_a)
    out = np.full((n_sites, n_points), np.inf)
    ends_p, ends_node, ends_extra = [], [], []
    for node, extra in ((points.node_a, points.extra_a_s), (points.node_b, points.extra_b_s)):
        ok = (np.asarray(points.node_a) >= 0) & (np.asarray(node) >= 0) & np.isfinite(extra)
        ends_p.append(np.flatnonzero(ok))
        ends_node.append(np.asarray(node)[ok])
        ends_extra.append(np.asarray(extra, float)[ok])
    p_of, node_of, extra_of = (np.concatenate(x) for x in (ends_p, ends_node, ends_extra))
    if not len(node_of) or not n_sites:
        return out
    targets, row_of = np.unique(node_of, return_inverse=True)
    rev = network.reverse_graph
    row, node, t = bounded_searches(rev.indptr, rev.indices, rev.data, targets, float(cutoff_s))
    key = row.astype(np.int64) * network.n_nodes + node          # (entry, node) -> time, looked up by key
    order = np.argsort(key)
    key, t = key[order], t[order]
    drive = np.full((len(targets), n_sites), np.inf)            # each site to each entry node, its better exit
    for exit_node, exit_extra in ((sites.node_a, sites.extra_a_s), (sites.node_b, sites.extra_b_s)):
        ok = (np.asarray(sites.node_a) >= 0) & (np.asarray(exit_node) >= 0) & np.isfinite(exit_extra)
        cols = np.flatnonzero(ok)
        if not len(cols) or not len(key):
            continue
        want = np.arange(len(targets), dtype=np.int64)[:, None] * network.n_nodes + np.asarray(exit_node)[cols][None, :]
        at = np.minimum(np.searchsorted(key, want), len(key) - 1)
        d = np.where(key[at] == want, t[at], np.inf) + np.asarray(exit_extra, float)[cols][None, :]
        drive[:, cols] = np.minimum(drive[:, cols], d)
    drive[drive > cutoff_s] = np.inf
    via = drive[row_of] + extra_of[:, None]                     # (entries, sites)
    np.minimum.at(out.T, p_of, via)
    return out
