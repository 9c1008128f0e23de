"""Incidents read for calibration (services.calibration_inputs): when each call was made."""

import numpy as np
import pandas as pd

from bluelight.services.calibration_inputs import call_times


def test_hour_weekday_and_iso_week_of_each_call_or_missing():
    inc = pd.DataFrame({"call_time": ["2023-01-02 08:15:00", None, "2023-12-31 23:59:00"],
                        "hour_of_day": [8, 14, np.nan]})
    hour, weekday, week = call_times(inc)
    assert hour.tolist() == [8.0, 14.0, 23.0]                 # a call with no time keeps its recorded hour
    assert weekday[0] == 0.0 and np.isnan(weekday[1]) and weekday[2] == 6.0     # a Monday; a Sunday
    assert week.tolist() == [202301, -1, 202352]              # 31 December 2023 is in ISO week 52 of 2023
