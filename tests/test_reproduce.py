"""pyinla.load and pyinla.rerun on kept run directories, with the real engine."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import pyinla
from pyinla import EngineError
from conftest import CANNED_RUN

from pyinla.compare import compare_runs
from pyinla.reproduce import data_file_keys

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shell"


def assert_same_result(first: pyinla.Result, second: pyinla.Result) -> None:
    """Assert that every table, marginal and field of two results is equal, bit for bit."""
    for name in ["summary_fixed", "summary_hyperpar", "internal_summary_hyperpar",
                 "theta_points"]:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name),
                                      check_exact=True, obj=name)
    assert list(first.summary_random) == list(second.summary_random)
    for term in first.summary_random:
        pd.testing.assert_frame_equal(first.summary_random[term], second.summary_random[term],
                                      check_exact=True, obj=f"summary_random[{term!r}]")
    for name in ["marginals_fixed", "marginals_hyperpar"]:
        first_marginals = getattr(first, name)
        second_marginals = getattr(second, name)
        assert list(first_marginals) == list(second_marginals), name
        for key in first_marginals:
            pd.testing.assert_frame_equal(first_marginals[key], second_marginals[key],
                                          check_exact=True, obj=f"{name}[{key!r}]")
    for name in ["mlik", "dic", "waic"]:
        if getattr(first, name) is None:
            assert getattr(second, name) is None, name
        else:
            pd.testing.assert_series_equal(getattr(first, name), getattr(second, name),
                                           check_exact=True, obj=name)
    for name in ["summary_linear_predictor", "summary_fitted_values", "cpo",
                 "marginals_linear_predictor", "marginals_fitted_values"]:
        if getattr(first, name) is None:
            assert getattr(second, name) is None, name
        else:
            pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name),
                                          check_exact=True, obj=name)
    assert first.family == second.family
    assert first.n_observations == second.n_observations
    assert first.random_models == second.random_models


def snapshot(directory: Path) -> dict:
    """Relative path and bytes of every file under ``directory``."""
    return {str(path.relative_to(directory)): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def result_bytes(directory: Path) -> dict:
    """Bytes of every result file except timing.csv, whose times differ between runs."""
    return {path.name: path.read_bytes() for path in sorted((directory / "results").glob("*.csv"))
            if path.name != "timing.csv"}


@pytest.fixture
def kept(needs_engine, seeds_call, tmp_path):
    """A seeds run kept in tmp_path/run, and its Result."""
    target = tmp_path / "run"
    result = pyinla.pyinla(**seeds_call, working_directory=target, keep=True, num_threads="2:1")
    return target, result


def test_load_equals_original_result(kept):
    target, original = kept
    loaded = pyinla.load(target)
    assert_same_result(loaded, original)
    pd.testing.assert_series_equal(loaded.timing, original.timing, check_exact=True)
    assert loaded.call == original.call
    assert loaded.working_directory == original.working_directory == target


def test_load_sets_working_directory(kept):
    target, _ = kept
    assert pyinla.read_results(target).working_directory is None
    assert pyinla.load(str(target)).working_directory == target


def test_load_and_rerun_optional_outputs(needs_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    control = {"predictor": {"compute": True}, "compute": {"dic": True, "waic": True, "cpo": True}}
    original = pyinla.pyinla(**seeds_call, control=control, working_directory=target, keep=True)
    assert original.summary_linear_predictor is not None
    assert original.dic is not None
    assert_same_result(pyinla.load(target), original)
    again = pyinla.rerun(target, num_threads="1:1")
    assert_same_result(again, original)
    assert result_bytes(again.working_directory) == result_bytes(target)


def test_load_follows_recorded_compute(needs_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    control = {"compute": {"return_marginals": False, "mlik": False}}
    original = pyinla.pyinla(**seeds_call, control=control, working_directory=target, keep=True)
    loaded = pyinla.load(target)
    assert original.marginals_fixed == {}
    assert loaded.marginals_fixed == {}
    assert loaded.marginals_hyperpar == {}
    assert loaded.mlik is None
    # The files are still there, so an explicit request reads them.
    assert "x1" in pyinla.read_results(target, return_marginals=True).marginals_fixed


def test_load_not_a_run_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        pyinla.load(tmp_path / "missing")
    with pytest.raises(pyinla.ResultError, match="is not a run directory"):
        pyinla.load(tmp_path)


def test_load_without_results(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "poisson")
    shutil.rmtree(tmp_path / "poisson" / "results", ignore_errors=True)
    with pytest.raises(pyinla.ResultError, match="result folder .* not found"):
        pyinla.load(tmp_path / "poisson")


def test_rerun_equals_original_bit_for_bit(kept):
    target, original = kept
    before = snapshot(target)
    again = pyinla.rerun(target, num_threads="1:1")

    assert again.working_directory == target.with_name("run-rerun-1")
    assert_same_result(again, original)
    assert result_bytes(again.working_directory) == result_bytes(target)
    assert snapshot(target) == before


def test_rerun_copies_inputs(kept):
    target, _ = kept
    fresh = pyinla.rerun(target).working_directory
    for name in ["model.ini", "data/response.dat", "data/Ntrials.dat", "data/fixed.3.dat",
                 "data/random.0.index.dat", "data/random.0.labels.txt"]:
        assert (fresh / name).read_bytes() == (target / name).read_bytes(), name
    assert (fresh / "engine.log").is_file()
    assert (fresh / "engine-output.txt").is_file()


def test_rerun_call_record(kept):
    target, original = kept
    again = pyinla.rerun(target, num_threads="1:1")
    record = json.loads((again.working_directory / "call.json").read_text())
    assert record == again.call
    assert record["num_threads"] == "1:1"
    assert record["command"] == ["pyinla-engine", "-t", "1:1", "model.ini"]
    assert record["arguments"] == original.call["arguments"]
    assert record["rerun_of"] == {
        "directory": "../run",
        "pyinla_version": pyinla.__version__,
        "engine_version": original.call["engine_version"],
        "command": ["pyinla-engine", "-t", "2:1", "model.ini"],
        "num_threads": "2:1",
    }


def test_rerun_threads_default_to_model_file(kept):
    target, _ = kept
    again = pyinla.rerun(target)
    assert again.call["command"] == ["pyinla-engine", "-t", "2:1", "model.ini"]


def test_rerun_numbers_siblings(kept):
    target, _ = kept
    first = pyinla.rerun(target).working_directory
    second = pyinla.rerun(target).working_directory
    assert first.name == "run-rerun-1"
    assert second.name == "run-rerun-2"
    assert result_bytes(first) == result_bytes(second)


def test_rerun_into_working_directory(kept, tmp_path):
    target, _ = kept
    into = tmp_path / "into"
    assert pyinla.rerun(target, working_directory=into).working_directory == into
    with pytest.warns(UserWarning, match="is not empty"):
        again = pyinla.rerun(target, working_directory=into)
    assert again.working_directory == tmp_path / "into-1"


def test_rerun_never_writes_inside_original(kept):
    target, _ = kept
    before = snapshot(target)
    with pytest.raises(ValueError, match="lies inside the kept directory"):
        pyinla.rerun(target, working_directory=target / "again")
    with pytest.raises(ValueError, match="lies inside the kept directory"):
        pyinla.rerun(target, working_directory=target)
    assert snapshot(target) == before
    assert not target.with_name("run-rerun-1").exists()


def test_rerun_keep_false_removes_fresh_directory(kept, tmp_path):
    target, original = kept
    again = pyinla.rerun(target, keep=False)
    assert again.working_directory is None
    assert not target.with_name("run-rerun-1").exists()
    assert_same_result(again, original)

    empty = tmp_path / "empty"
    empty.mkdir()
    pyinla.rerun(target, working_directory=empty, keep=False)
    assert list(empty.iterdir()) == []


def test_rerun_engine_failure_keeps_directory(kept):
    target, _ = kept
    response = target / "data" / "response.dat"
    response.write_text("".join(response.read_text().splitlines(keepends=True)[:-1]))
    with pytest.raises(EngineError) as raised:
        pyinla.rerun(target)
    assert raised.value.returncode == 3
    fresh = target.with_name("run-rerun-1")
    assert raised.value.run_directory == fresh
    assert (fresh / "model.ini").is_file()


def test_rerun_hand_written_model(needs_engine, tmp_path):
    source = tmp_path / "poisson"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("results", "engine.log"))
    # A data file outside data/ is copied as well.
    (source / "data" / "x.dat").rename(source / "x.dat")
    model = source / "model.ini"
    model.write_text(model.read_text().replace("values = data/x.dat", "values = x.dat"))

    result = pyinla.rerun(source)
    fresh = result.working_directory
    assert (fresh / "x.dat").read_bytes() == (source / "x.dat").read_bytes()
    assert list(result.summary_fixed.index) == ["(Intercept)", "x"]
    assert result.call["rerun_of"] == {"directory": "../poisson"}
    assert not (source / "results").exists()


def test_rerun_rejects_file_outside(tmp_path):
    source = tmp_path / "poisson"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("results", "engine.log"))
    shutil.move(str(source / "data" / "x.dat"), str(tmp_path / "x.dat"))
    model = source / "model.ini"
    model.write_text(model.read_text().replace("values = data/x.dat", "values = ../x.dat"))
    with pytest.raises(ValueError, match=r"\[fixed\.1\] values = \.\./x\.dat is outside"):
        pyinla.rerun(source)
    assert not tmp_path.joinpath("poisson-rerun-1").exists()


def test_rerun_missing_data_file(tmp_path):
    source = tmp_path / "poisson"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("results", "engine.log"))
    (source / "data" / "E.dat").unlink()
    with pytest.raises(FileNotFoundError, match=r"\[data\] E names data/E\.dat"):
        pyinla.rerun(source)
    assert not tmp_path.joinpath("poisson-rerun-1").exists()


def test_rerun_not_a_run_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="it has no model.ini"):
        pyinla.rerun(tmp_path)
    with pytest.raises(FileNotFoundError, match="not found"):
        pyinla.rerun(tmp_path / "missing")
    with pytest.raises(ValueError, match="num_threads"):
        pyinla.rerun(EXAMPLE, num_threads="0:1")


def test_moved_directory_loads_and_reruns(kept, tmp_path):
    target, original = kept
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    shutil.move(str(target), str(moved))

    loaded = pyinla.load(moved)
    assert_same_result(loaded, original)
    assert loaded.call == original.call
    assert loaded.working_directory == moved

    again = pyinla.rerun(moved)
    assert again.working_directory == tmp_path / "elsewhere" / "moved-rerun-1"
    assert_same_result(again, original)
    assert compare_runs(moved, again.working_directory).identical


def test_no_absolute_paths_in_kept_directory(kept, tmp_path):
    target, _ = kept
    for path in sorted(target.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text()
        if path.name == "call.json":
            # The call records the user's own argument working_directory as it was given.
            record = json.loads(text)
            assert record["arguments"]["working_directory"] == str(target)
            record["arguments"]["working_directory"] = None
            text = json.dumps(record)
        assert str(tmp_path) not in text, path.name


def test_compare_reports_changed_value(kept, seeds_call, tmp_path):
    target, _ = kept
    data = seeds_call["data"].copy()
    data.loc[4, "r"] += 3
    other = tmp_path / "other"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pyinla.pyinla(**{**seeds_call, "data": data}, working_directory=other, keep=True,
                      num_threads="2:1")

    comparison = compare_runs(target, other)
    assert not comparison.identical
    assert len(comparison.inputs) == 1
    assert comparison.inputs[0].startswith("data file [data] response = data/response.dat: ")
    assert "1 of 21 values differ, largest absolute difference 3 at value 5" in \
        comparison.inputs[0]
    changed = {line.split(":")[0] for line in comparison.outputs}
    assert "summary_fixed.csv" in changed
    assert "summary_random.0.csv (plate)" in changed
    assert "mlik.csv" in changed


@pytest.fixture
def canned_pair(tmp_path):
    """Two copies of the canned seeds run (result files written by hand, no data files)."""
    first = tmp_path / "a"
    second = tmp_path / "b"
    shutil.copytree(CANNED_RUN, first)
    shutil.copytree(CANNED_RUN, second)
    return first, second


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_compare_identical_copies(canned_pair):
    first, second = canned_pair
    replace_in(second / "results" / "timing.csv", "total,", "total,1")
    replace_in(second / "model.ini", "# Canned run", "# A changed comment: canned run")
    comparison = compare_runs(first, second)
    assert comparison.identical
    assert comparison.compared_result_files == 8
    assert "data file [data] response = data/response.dat: missing in A and B" in \
        comparison.notes
    assert "identical: model.ini, 0 data files and 8 result files" in comparison.report()


def test_compare_one_changed_number(canned_pair):
    first, second = canned_pair
    path = second / "results" / "summary_fixed.csv"
    table = pd.read_csv(path)
    before = float(table.loc[2, "mean"])
    table.loc[2, "mean"] = before + 0.25
    table.to_csv(path, index=False, float_format="%.17g")

    comparison = compare_runs(first, second)
    assert not comparison.identical
    assert comparison.inputs == []
    assert comparison.outputs == [
        f"summary_fixed.csv: 1 of 28 numbers differ, largest absolute change 0.25 at row 'x2', "
        f"column mean ({before!r} in A, {before + 0.25!r} in B)"
    ]


def test_compare_nan_in_one_run(canned_pair):
    first, second = canned_pair
    path = second / "results" / "mlik.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].split(",")[0] + ",nan"
    path.write_text("\n".join(lines) + "\n")
    (output,) = compare_runs(first, second).outputs
    assert output.startswith("mlik.csv: 1 of 2 numbers differ, largest absolute change a NaN in "
                             "one run only at row 'log marginal-likelihood (integration)'")


def test_compare_rows_and_files(canned_pair):
    first, second = canned_pair
    replace_in(second / "results" / "summary_random.0.csv", "\n1,", "\nplate1,")
    (second / "results" / "theta_points.csv").unlink()
    (second / "results" / "extra.csv").write_text("name,value\nx,1\n")
    outputs = compare_runs(first, second).outputs
    assert outputs == [
        "extra.csv: only in B",
        "summary_random.0.csv (plate): row labels differ from row 1 on (1 in A, plate1 in B)",
        "theta_points.csv: only in A",
    ]


def test_compare_model_sections(canned_pair):
    first, second = canned_pair
    replace_in(second / "model.ini", "[fixed.3]", "[fixed.9]")
    replace_in(second / "model.ini", "name = x2\n", "name = x2\nextra = 1\n")
    inputs = compare_runs(first, second).inputs
    assert inputs == [
        "model.ini [fixed.2] extra: only in B (1)",
        "model.ini [fixed.3]: only in A",
        "model.ini [fixed.9]: only in B",
    ]


def test_data_file_keys(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "event.dat").write_text("1\n")
    (tmp_path / "iid").write_text("a file that a model name happens to match\n")
    model = {
        "run": {"results": "results", "log": "engine.log"},
        "data": {"n": "1", "response": "data/y.dat", "event": "data/event.dat",
                 "other": "data/missing.dat"},
        "fixed.0": {"name": "(Intercept)", "values": "ones"},
        "fixed.1": {"name": "x", "values": "data/x.dat"},
        "random.0": {"name": "u", "model": "iid", "index": "data/u.dat", "graph": "../g.graph"},
    }
    assert data_file_keys(model) == [
        ("data", "response", "data/y.dat"),
        ("fixed.1", "values", "data/x.dat"),
        ("random.0", "index", "data/u.dat"),
        ("random.0", "graph", "../g.graph"),
    ]
    assert data_file_keys(model, tmp_path) == [
        ("data", "response", "data/y.dat"),
        ("data", "event", "data/event.dat"),
        ("fixed.1", "values", "data/x.dat"),
        # A value that happens to name a file counts as a data file; copying it is harmless.
        ("random.0", "model", "iid"),
        ("random.0", "index", "data/u.dat"),
        ("random.0", "graph", "../g.graph"),
    ]
