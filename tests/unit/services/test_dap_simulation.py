"""The compliance table's simulation: the same fleet, with n of its vehicles based at the posts."""

import numpy as np

from bluelight.services.dap_simulation import moved_fleet


def test_each_post_takes_a_vehicle_from_the_station_with_the_most():
    # stations hold 3 and 1; posts 0 and 1 of two candidates: both vehicles leave station 0 (3 -> 2 -> 1)
    assert moved_fleet(np.array([3, 1]), [0, 1], 4).tolist() == [1, 1, 1, 1]
    # two vehicles on one post (a site may hold several): the ties go to the first station
    assert moved_fleet(np.array([2, 2]), [1, 1], 4).tolist() == [1, 1, 0, 2]
    assert moved_fleet(np.array([1, 1]), [0, 1], 4) is None            # every vehicle posted: no fleet left at home
    assert moved_fleet(np.array([2]), [], 2) is None
