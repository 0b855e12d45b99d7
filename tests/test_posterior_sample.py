"""Joint posterior samples: consistent with the fitted marginals, reproducible by seed, and for a Gaussian model
with fixed hyperparameters drawn from the exact posterior."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import pyinla
from pyinla import datasets

pytestmark = pytest.mark.usefixtures("needs_engine")


@pytest.fixture(scope="module")
def kept_seeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kept") / "seeds"
    return pyinla.pyinla(model={"response": "r", "fixed": ["1", "x1", "x2", "x1:x2"],
                                "random": [{"id": "plate", "model": "iid"}]},
                         family="binomial", data=datasets.load("seeds"), Ntrials="n", keep=True,
                         working_directory=folder)


def test_samples_match_marginals(kept_seeds):
    samples = pyinla.posterior_sample(4000, kept_seeds, seed=7)
    assert len(samples) == 4000
    assert list(samples.columns[:3]) == ["sample", "point", "Precision for plate"]
    for term, row in kept_seeds.summary_fixed.iterrows():
        # Monte Carlo error of a mean of 4000 draws is about 0.016 sd.
        assert abs(samples[term].mean() - row["mean"]) < 0.08 * row["sd"], term
        assert samples[term].std() == pytest.approx(row["sd"], rel=0.08), term


def test_same_seed_same_samples(kept_seeds):
    first = pyinla.posterior_sample(50, kept_seeds, seed=3)
    second = pyinla.posterior_sample(50, kept_seeds, seed=3, num_threads="2:1")
    other = pyinla.posterior_sample(50, kept_seeds, seed=4)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert not first.equals(other)


def test_gaussian_samples_follow_exact_posterior(tmp_path):
    # Fixed hyperparameters: the latent field is exactly Gaussian, with the sum-to-zero constraint of rw1.
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"y": rng.normal(size=30), "t": np.repeat(np.arange(1, 11), 3)})
    result = pyinla.pyinla(model={"response": "y", "fixed": ["1"],
                                  "random": [{"id": "t", "model": "rw1",
                                              "hyper": {"prec": {"initial": math.log(3.0), "fixed": True}}}]},
                           family="gaussian", data=df, keep=True, working_directory=tmp_path / "run",
                           control={"family": {"hyper": {"prec": {"initial": 0.0, "fixed": True}}}})
    samples = pyinla.posterior_sample(6000, result, seed=11)
    levels = [f"t:{k}" for k in range(1, 11)]
    # Every draw satisfies the constraint exactly.
    assert np.abs(samples[levels].sum(axis=1)).max() < 1e-8
    table = result.summary_random["t"]
    np.testing.assert_allclose(samples[levels].mean().to_numpy(), table["mean"].to_numpy(),
                               atol=0.06 * table["sd"].max())
    np.testing.assert_allclose(samples[levels].std().to_numpy(), table["sd"].to_numpy(), rtol=0.06)


def test_unkept_result_is_rejected():
    result = pyinla.pyinla(model={"response": "r", "fixed": ["1"]}, family="binomial",
                           data=datasets.load("seeds"), Ntrials="n")
    with pytest.raises(ValueError, match="keep=True"):
        pyinla.posterior_sample(10, result)
