"""The runtime arguments never change the fit: every summary and marginal is bit-for-bit identical.

num_threads, verbose, keep and working_directory affect only speed and bookkeeping. The engine makes this hold
by evaluating theta configurations in a fixed order with per-item results, and by combining per-observation
and per-column work in index order, so these tests compare with exact equality.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pyinla import datasets, pyinla

pytestmark = pytest.mark.usefixtures("needs_engine")

THREAD_SPECS = [1, "2:1", "1:2", "2:2", "4:2", "16:1", "1:1:2", "2:1:2"]


def gaussian_drivers(**runtime):
    data = datasets.load("drivers")
    data["y1000"] = data["y"] / 1000
    return pyinla(model={"response": "y1000", "fixed": ["1", "belt"],
                         "random": [{"id": "trend", "model": "rw1"}]}, family="gaussian", data=data, **runtime)


def poisson_iid_epil(**runtime):
    data = datasets.load("epil")
    return pyinla(model={"response": "y", "fixed": ["1", "Trt", "V4"],
                         "random": [{"id": "Ind", "model": "iid"}, {"id": "rand", "model": "iid"}]},
                  family="poisson", data=data, **runtime)


def binomial_rw2_tokyo(**runtime):
    return pyinla(model={"response": "y", "fixed": ["1"], "random": [{"id": "time", "model": "rw2", "cyclic": True}]},
                  family="binomial", data=datasets.load("tokyo"), Ntrials="n", **runtime)


def poisson_besag_scotland(**runtime):
    return pyinla(model={"response": "Counts", "fixed": ["1", "X"],
                         "random": [{"id": "Region", "model": "besag", "graph": datasets.graph_path("scotland")}]},
                  family="poisson", data=datasets.load("scotland"), E="E", **runtime)


def poisson_ar_copy_epil(**runtime):
    # ar(2) over the observation number, and a copy of the patient effect with beta estimated, with the fitted values,
    # DIC and WAIC: the cross-term entries of copy and the criteria must not depend on the threads either.
    data = datasets.load("epil")
    data["Ind2"] = data["Ind"]
    return pyinla(model={"response": "y", "fixed": ["1", "Trt"],
                         "random": [{"id": "Ind", "model": "iid"}, {"id": "rand", "model": "ar", "order": 2},
                                    {"id": "Ind2", "model": "copy", "copy": "Ind",
                                     "hyper": {"beta": {"fixed": False}}}]},
                  family="poisson", data=data,
                  control={"predictor": {"compute": True}, "compute": {"dic": True, "waic": True}}, **runtime)


MODELS = [gaussian_drivers, poisson_iid_epil, binomial_rw2_tokyo, poisson_besag_scotland, poisson_ar_copy_epil]


def assert_identical(result, reference):
    pd.testing.assert_frame_equal(result.summary_fixed, reference.summary_fixed, check_exact=True)
    pd.testing.assert_frame_equal(result.summary_hyperpar, reference.summary_hyperpar, check_exact=True)
    pd.testing.assert_frame_equal(result.internal_summary_hyperpar, reference.internal_summary_hyperpar,
                                  check_exact=True)
    pd.testing.assert_frame_equal(result.theta_points, reference.theta_points, check_exact=True)
    pd.testing.assert_series_equal(result.mlik, reference.mlik, check_exact=True)
    assert result.summary_random.keys() == reference.summary_random.keys()
    for name in reference.summary_random:
        pd.testing.assert_frame_equal(result.summary_random[name], reference.summary_random[name], check_exact=True)
    for name in ("summary_fitted_values", "dic_local", "waic_local"):
        if getattr(reference, name) is not None:
            pd.testing.assert_frame_equal(getattr(result, name), getattr(reference, name), check_exact=True)
    for marginals, expected in ((result.marginals_fixed, reference.marginals_fixed),
                                (result.marginals_hyperpar, reference.marginals_hyperpar)):
        assert marginals.keys() == expected.keys()
        for name in expected:
            pd.testing.assert_frame_equal(marginals[name], expected[name], check_exact=True)


@pytest.fixture(scope="module", params=MODELS, ids=[m.__name__ for m in MODELS])
def model_and_reference(request):
    return request.param, request.param(num_threads="1:1")


@pytest.mark.parametrize("num_threads", THREAD_SPECS, ids=[str(t) for t in THREAD_SPECS])
def test_thread_count_has_no_effect(model_and_reference, num_threads):
    fit, reference = model_and_reference
    assert_identical(fit(num_threads=num_threads), reference)


def test_verbose_keep_and_directory_have_no_effect(model_and_reference, tmp_path, capsys):
    fit, reference = model_and_reference
    assert_identical(fit(verbose=True), reference)
    assert "maxld=" in capsys.readouterr().out  # the progress lines did reach stdout
    kept = fit(keep=True, working_directory=tmp_path / "kept")
    assert kept.working_directory is not None
    assert_identical(kept, reference)
    assert_identical(fit(working_directory=tmp_path / "dropped"), reference)
