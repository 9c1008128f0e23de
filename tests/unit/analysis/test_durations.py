"""Time-on-scene durations: a log-normal, fitted with the durations known only to be at most a bound."""

import numpy as np
import pytest

from bluelight.analysis.durations import LogNormal, fit_censored_lognormal
from bluelight.foundation.errors import AnalysisError


def test_with_nothing_censored_the_fit_is_the_mean_and_spread_of_the_logs():
    x = np.exp([1.0, 2.0, 3.0, 4.0, 5.0])                     # logs 1..5: mean 3, population sd sqrt(2)
    fit = fit_censored_lognormal(x, np.full(5, np.nan))
    assert fit.median_s == pytest.approx(np.exp(3.0), rel=1e-4)
    assert fit.sigma == pytest.approx(np.sqrt(2.0), rel=1e-4)


def test_durations_known_only_to_be_short_pull_the_median_down():
    x = np.exp([1.0, 2.0, 3.0, 4.0, 5.0])
    exact = fit_censored_lognormal(x, np.full(5, np.nan))
    with_short = fit_censored_lognormal(np.r_[x, np.full(5, np.nan)], np.r_[np.full(5, np.nan), np.full(5, np.e)])
    assert with_short.median_s < exact.median_s                # five more at most e seconds


def test_too_few_exact_durations_or_mismatched_lengths_are_refused():
    with pytest.raises(AnalysisError, match="only 4 durations are known exactly"):
        fit_censored_lognormal([1.0, 2.0, 3.0, 4.0], [np.nan] * 4)
    with pytest.raises(AnalysisError, match="same length"):
        fit_censored_lognormal([1.0, 2.0], [np.nan])


def test_the_mean_and_truncated_draws():
    d = LogNormal(600.0, 0.5)
    assert d.mean_s == pytest.approx(600.0 * np.exp(0.125))
    draws = d.draw(np.random.default_rng(1), 2000, upper_s=np.full(2000, 700.0))
    assert draws.max() <= 700.0 + 1e-6 and np.median(draws) < 600.0      # truncated at 700 s
    with pytest.raises(AnalysisError, match="positive median"):
        LogNormal(0.0, 0.5)
