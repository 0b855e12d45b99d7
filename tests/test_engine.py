"""Fits with the real engine; skipped unless pyinla-engine is built and checks model files."""

import pandas as pd
import pytest

import pyinla

SEEDS_MODEL = {
    "response": "r",
    "fixed": ["1", "x1", "x2", "x1:x2"],
    "random": [{"id": "plate", "model": "iid"}],
}

# R-INLA's posterior means and sds for the seeds model (default settings, 1:1 threads).
RINLA_SEEDS_FIXED = {
    "(Intercept)": (-0.56015150632, 0.1262568908),
    "x1": (0.14421031293, 0.22345586519),
    "x2": (1.3231031007, 0.17780695581),
    "x1:x2": (-0.77875010139, 0.30685492094),
}


def fit_seeds(**runtime):
    return pyinla.pyinla(model=SEEDS_MODEL, family="binomial", data=pyinla.datasets.load("seeds"),
                         Ntrials="n", **runtime)


def test_seeds_fit_shapes(needs_engine):
    result = fit_seeds()
    assert list(result.summary_fixed.index) == list(RINLA_SEEDS_FIXED)
    assert len(result.summary_random["plate"]) == 21
    assert list(result.summary_hyperpar.index) == ["Precision for plate"]
    assert set(result.mlik.index) == {"log marginal-likelihood (integration)",
                                      "log marginal-likelihood (Gaussian)"}


def test_seeds_fixed_effects_match_rinla(needs_engine):
    result = fit_seeds()
    for name, (mean, sd) in RINLA_SEEDS_FIXED.items():
        assert abs(result.summary_fixed.loc[name, "mean"] - mean) < 0.1 * sd, name
        assert result.summary_fixed.loc[name, "sd"] == pytest.approx(sd, rel=0.1), name


@pytest.mark.parametrize("runtime", [
    {"num_threads": "2:1"},
    {"num_threads": "1:2"},
    {"num_threads": 2},
    {"verbose": True},
    {"keep": True},
])
def test_runtime_arguments_do_not_change_fit(needs_engine, runtime, tmp_path, capsys):
    """The promise of the runtime arguments: the posterior summaries are identical."""
    baseline = fit_seeds(num_threads=1)
    result = fit_seeds(working_directory=tmp_path / "run", **runtime)
    pd.testing.assert_frame_equal(result.summary_fixed, baseline.summary_fixed, check_exact=True)
    pd.testing.assert_frame_equal(result.summary_hyperpar, baseline.summary_hyperpar,
                                  check_exact=True)
    pd.testing.assert_frame_equal(result.summary_random["plate"],
                                  baseline.summary_random["plate"], check_exact=True)
    pd.testing.assert_series_equal(result.mlik, baseline.mlik, check_exact=True)
