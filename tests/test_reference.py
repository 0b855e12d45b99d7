"""Accuracy against gold-standard posteriors computed without INLA.

`tests/data/reference/<case>/reference.json` contains, for each case, posteriors from exact quadrature (the two
Gaussian models) or from long NUTS runs (seeds, scotland); `rinla.json` beside it contains R-INLA's result for
comparison and `model.json` describes the model in words. The tolerances are the project's accuracy targets:
fixed-effect and random-effect means within 0.05 posterior sd, posterior sds within 5%, hyperparameter
posterior medians within 10%.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pyinla import datasets, pyinla

pytestmark = pytest.mark.usefixtures("needs_engine")

REFERENCE_DIR = Path(__file__).resolve().parent / "data" / "reference"

MEAN_TOLERANCE_SD = 0.05
SD_TOLERANCE = 0.05
MEDIAN_TOLERANCE = 0.10


def load_reference(case):
    return json.loads((REFERENCE_DIR / case / "reference.json").read_text())


def fit_synth_gauss_iid(**options):
    # y ~ gaussian, 1 + x + iid(g) on 200 simulated rows, default priors.
    data = pd.read_csv(REFERENCE_DIR / "synth_gauss_iid" / "data.csv")
    return pyinla(model={"response": "y", "fixed": ["1", "x"], "random": [{"id": "g", "model": "iid"}]},
                  family="gaussian", data=data, **options)


def fit_drivers_gauss(**options):
    # y/1000 ~ gaussian, 1 + belt + rw1(trend); the 12 rows with a missing y enter only through the rw1 nodes.
    data = datasets.load("drivers")
    data["y1000"] = data["y"] / 1000
    return pyinla(model={"response": "y1000", "fixed": ["1", "belt"], "random": [{"id": "trend", "model": "rw1"}]},
                  family="gaussian", data=data, **options)


def fit_seeds_iid(**options):
    # r ~ binomial(n), 1 + x1 + x2 + x1:x2 + iid(plate).
    return pyinla(model={"response": "r", "fixed": ["1", "x1", "x2", "x1:x2"],
                         "random": [{"id": "plate", "model": "iid"}]},
                  family="binomial", data=datasets.load("seeds"), Ntrials="n", **options)


def fit_scotland_besag(**options):
    # Counts ~ poisson(E exp(eta)), 1 + X + besag(Region) on the 56 districts' graph (sum to zero).
    return pyinla(model={"response": "Counts", "fixed": ["1", "X"],
                         "random": [{"id": "Region", "model": "besag", "graph": datasets.graph_path("scotland")}]},
                  family="poisson", data=datasets.load("scotland"), E="E", **options)


CASES = {
    "synth_gauss_iid": fit_synth_gauss_iid,
    "drivers_gauss": fit_drivers_gauss,
    "seeds_iid": fit_seeds_iid,
    "scotland_besag": fit_scotland_besag,
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    return request.param, CASES[request.param](), load_reference(request.param)


def test_fixed_means_within_tolerance(case):
    name, result, reference = case
    for term, gold in reference["fixed"].items():
        deviation = abs(result.summary_fixed.loc[term, "mean"] - gold["mean"]) / gold["sd"]
        assert deviation < MEAN_TOLERANCE_SD, f"{name} {term}: mean off by {deviation:.3f} sd"


def test_fixed_sds_within_tolerance(case):
    name, result, reference = case
    for term, gold in reference["fixed"].items():
        assert result.summary_fixed.loc[term, "sd"] == pytest.approx(gold["sd"], rel=SD_TOLERANCE), f"{name} {term}"


def test_hyperparameter_medians_within_tolerance(case):
    name, result, reference = case
    for label, gold in reference["hyperpar"].items():
        if not label.startswith("Precision"):
            continue  # the log-precision entries restate the same posterior
        assert result.summary_hyperpar.loc[label, "0.5quant"] == pytest.approx(gold["q0.5"], rel=MEDIAN_TOLERANCE), \
            f"{name} {label}"


def test_random_effects_within_tolerance(case):
    name, result, reference = case
    for term, levels in reference["random"].items():
        table = result.summary_random[term].set_index("ID")
        for gold in levels:
            row = table.loc[table.index.astype(str) == str(gold["level"])].iloc[0]
            deviation = abs(row["mean"] - gold["mean"]) / gold["sd"]
            assert deviation < MEAN_TOLERANCE_SD, f"{name} {term}[{gold['level']}]: mean off by {deviation:.3f} sd"
            assert row["sd"] == pytest.approx(gold["sd"], rel=SD_TOLERANCE), f"{name} {term}[{gold['level']}]"


def test_drivers_observation_precision_tail():
    # A coarse hyperparameter marginal puts the 2.5% quantile of the observation precision far too high
    # (R-INLA: 1280 against 173 exact). The widened integration grid must get within 5%.
    result = fit_drivers_gauss()
    gold = load_reference("drivers_gauss")["hyperpar"]["Precision for the Gaussian observations"]
    assert result.summary_hyperpar.loc["Precision for the Gaussian observations", "0.025quant"] == \
        pytest.approx(gold["q0.025"], rel=0.05)


def largest_mean_deviation(result, reference):
    return max(abs(result.summary_fixed.loc[term, "mean"] - gold["mean"]) / gold["sd"]
               for term, gold in reference["fixed"].items())


@pytest.mark.parametrize("case", ["seeds_iid", "scotland_besag"])
def test_laplace_beats_gaussian_strategy(case):
    # Binomial with few trials per plate and Poisson with small counts: the Gaussian strategy is biased, the full
    # Laplace approximation (and adaptive, which uses it for the fixed effects) is not.
    reference = load_reference(case)
    deviations = {strategy: largest_mean_deviation(CASES[case](control={"inla": {"strategy": strategy}}), reference)
                  for strategy in ("gaussian", "laplace", "adaptive")}
    assert deviations["laplace"] < deviations["gaussian"]
    assert deviations["laplace"] < 0.05
    assert deviations["adaptive"] < 0.05
