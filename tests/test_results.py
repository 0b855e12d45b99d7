"""The result reader on canned engine output in tests/data/canned_run."""

import shutil

import pandas as pd
import pytest
from conftest import CANNED_RUN

from pyinla import ResultError, read_results
from pyinla.results import HYPERPAR_COLUMNS, SUMMARY_COLUMNS


@pytest.fixture
def result():
    return read_results(CANNED_RUN)


@pytest.fixture
def canned_copy(tmp_path):
    target = tmp_path / "run"
    shutil.copytree(CANNED_RUN, target)
    return target


def test_summary_fixed(result):
    table = result.summary_fixed
    assert list(table.index) == ["(Intercept)", "x1", "x2", "x1:x2"]
    assert list(table.columns) == SUMMARY_COLUMNS
    assert table.loc["(Intercept)", "mean"] == pytest.approx(-0.56015150632, rel=1e-15)
    assert table.loc["x1:x2", "sd"] == pytest.approx(0.30685492094, rel=1e-15)


def test_summary_random(result):
    assert list(result.summary_random) == ["plate"]
    table = result.summary_random["plate"]
    assert list(table.columns) == ["ID", *SUMMARY_COLUMNS]
    assert list(table["ID"]) == list(range(1, 22))
    assert table.loc[0, "mean"] == pytest.approx(0.000841)


def test_summary_hyperpar(result):
    assert list(result.summary_hyperpar.index) == ["Precision for plate"]
    assert list(result.summary_hyperpar.columns) == HYPERPAR_COLUMNS
    assert result.summary_hyperpar.loc["Precision for plate", "0.5quant"] == pytest.approx(
        13604.3693802194)
    assert list(result.internal_summary_hyperpar.index) == ["Log precision for plate"]


def test_mlik(result):
    assert list(result.mlik.index) == ["log marginal-likelihood (integration)",
                                       "log marginal-likelihood (Gaussian)"]
    assert result.mlik["log marginal-likelihood (integration)"] == pytest.approx(-71.6717576277)


def test_marginals(result):
    assert list(result.marginals_fixed) == ["(Intercept)", "x1", "x2", "x1:x2"]
    marginal = result.marginals_fixed["x2"]
    assert list(marginal.columns) == ["x", "density"]
    assert len(marginal) == 5
    assert list(result.marginals_hyperpar) == ["Precision for plate"]
    assert result.marginals_hyperpar["Precision for plate"]["x"].iloc[0] == 500.0


def test_theta_points_and_timing(result):
    assert list(result.theta_points.columns) == ["theta1", "log_density", "weight"]
    assert len(result.theta_points) == 5
    assert result.timing["total"] == pytest.approx(0.056)
    pd.testing.assert_series_equal(result.cpu_used, result.timing)


def test_model_information(result):
    assert result.family == "binomial"
    assert result.n_observations == 21
    assert result.random_models == {"plate": "iid"}
    assert result.working_directory is None
    assert result.call is None


def test_summary_text(result):
    text = str(result)
    for heading in ["Fixed effects:", "Random effects:", "Model hyperparameters:",
                    "Marginal log-likelihood:", "Time used (seconds):"]:
        assert heading in text
    assert "(Intercept)" in text
    assert "Precision for plate" in text
    assert "-71.67" in text
    assert result.summary() == text
    assert repr(result.summary()) == text


def test_without_marginals_and_mlik():
    result = read_results(CANNED_RUN, return_marginals=False, return_mlik=False)
    assert result.marginals_fixed == {}
    assert result.marginals_hyperpar == {}
    assert result.mlik is None
    assert "Marginal log-likelihood" not in str(result)


def test_missing_result_file(canned_copy):
    (canned_copy / "results" / "mlik.csv").unlink()
    with pytest.raises(ResultError, match="mlik.csv"):
        read_results(canned_copy)


def test_wrong_header(canned_copy):
    path = canned_copy / "results" / "summary_fixed.csv"
    path.write_text(path.read_text().replace("0.975quant", "q975"))
    with pytest.raises(ResultError, match="summary_fixed.csv"):
        read_results(canned_copy)


def test_random_row_count_mismatch(canned_copy):
    path = canned_copy / "results" / "summary_random.0.csv"
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(ResultError, match="20 rows"):
        read_results(canned_copy)


def test_missing_model_file(canned_copy):
    (canned_copy / "model.ini").unlink()
    with pytest.raises(ResultError, match="model.ini"):
        read_results(canned_copy)


def test_empty_hyperparameter_tables(canned_copy):
    header = "name,mean,sd,0.025quant,0.5quant,0.975quant,mode\n"
    (canned_copy / "results" / "summary_hyperpar.csv").write_text(header)
    (canned_copy / "results" / "internal_summary_hyperpar.csv").write_text(header)
    result = read_results(canned_copy)
    assert result.summary_hyperpar.empty
    assert "Model hyperparameters:\n   none" in str(result)


def test_call_record_read(canned_copy):
    (canned_copy / "call.json").write_text('{"pyinla_version": "0.1.0"}\n')
    assert read_results(canned_copy).call == {"pyinla_version": "0.1.0"}
