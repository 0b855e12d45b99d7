"""Working directory choice, numbering, keep and clean-up, run with the fake engine."""

import json
import logging
import os
import shutil

import pytest

import pyinla
from pyinla import read_results

KEPT_FILES = {"model.ini", "data", "results", "engine.log", "engine-output.txt", "call.json"}


def names_in(folder):
    return {path.name for path in folder.iterdir()}


@pytest.fixture
def recorded_mkdtemp(monkeypatch):
    """Record every temporary directory that pyinla creates."""
    created = []
    original = pyinla.workdir.tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        path = original(*args, **kwargs)
        created.append(path)
        return path

    monkeypatch.setattr(pyinla.workdir.tempfile, "mkdtemp", mkdtemp)
    return created


def test_default_temporary_directory_removed(fake_engine, seeds_call, recorded_mkdtemp):
    result = pyinla.pyinla(**seeds_call)
    assert len(recorded_mkdtemp) == 1
    assert not os.path.exists(recorded_mkdtemp[0])
    assert result.working_directory is None
    assert list(result.summary_fixed.index) == ["(Intercept)", "x1", "x2", "x1:x2"]


def test_default_temporary_directory_kept(fake_engine, seeds_call, recorded_mkdtemp):
    result = pyinla.pyinla(**seeds_call, keep=True)
    try:
        assert str(result.working_directory) == recorded_mkdtemp[0]
        assert names_in(result.working_directory) == KEPT_FILES
    finally:
        shutil.rmtree(result.working_directory)


def test_new_directory_created_and_removed(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    pyinla.pyinla(**seeds_call, working_directory=target)
    assert not target.exists()


def test_new_directory_kept(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    result = pyinla.pyinla(**seeds_call, working_directory=str(target), keep=True)
    assert result.working_directory == target
    assert names_in(target) == KEPT_FILES
    data_files = names_in(target / "data")
    assert "response.dat" in data_files
    assert "random.0.index.dat" in data_files


def test_empty_directory_used_and_emptied(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    pyinla.pyinla(**seeds_call, working_directory=target)
    assert target.is_dir()
    assert list(target.iterdir()) == []


def test_non_empty_directory_numbered_sibling(fake_engine, seeds_call, tmp_path, caplog):
    target = tmp_path / "run"
    target.mkdir()
    (target / "notes.txt").write_text("user file\n")

    with caplog.at_level(logging.INFO, logger="pyinla"), pytest.warns(UserWarning, match="run-1"):
        first = pyinla.pyinla(**seeds_call, working_directory=target, keep=True)
    with pytest.warns(UserWarning, match="run-2"):
        second = pyinla.pyinla(**seeds_call, working_directory=target, keep=True)

    assert first.working_directory == tmp_path / "run-1"
    assert second.working_directory == tmp_path / "run-2"
    assert names_in(target) == {"notes.txt"}
    assert (target / "notes.txt").read_text() == "user file\n"
    assert str(tmp_path / "run-1") in caplog.text


def test_non_empty_directory_sibling_removed(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    (target / "notes.txt").write_text("user file\n")
    with pytest.warns(UserWarning, match="not empty"):
        result = pyinla.pyinla(**seeds_call, working_directory=target)
    assert result.working_directory is None
    assert not (tmp_path / "run-1").exists()
    assert names_in(target) == {"notes.txt"}


def test_existing_sibling_skipped(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    (target / "notes.txt").write_text("user file\n")
    (tmp_path / "run-1").mkdir()
    with pytest.warns(UserWarning, match="run-2"):
        result = pyinla.pyinla(**seeds_call, working_directory=target, keep=True)
    assert result.working_directory == tmp_path / "run-2"
    assert list((tmp_path / "run-1").iterdir()) == []


def test_unlisted_engine_file_left_in_user_directory(fake_engine, seeds_call, tmp_path):
    fake_engine.set_mode("extra-file")
    target = tmp_path / "run"
    target.mkdir()
    pyinla.pyinla(**seeds_call, working_directory=target)
    assert names_in(target) == {"unlisted-engine-file.txt"}


def test_missing_parent_rejected(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "no-such-parent" / "run"
    with pytest.raises(ValueError) as raised:
        pyinla.pyinla(**seeds_call, working_directory=target)
    assert "working_directory" in str(raised.value)
    assert "does not exist" in str(raised.value)
    assert not (tmp_path / "no-such-parent").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root can write to read-only directories")
def test_read_only_parent_rejected(fake_engine, seeds_call, tmp_path):
    parent = tmp_path / "read-only"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(ValueError, match="not writable"):
            pyinla.pyinla(**seeds_call, working_directory=parent / "run")
    finally:
        parent.chmod(0o700)


def test_file_path_rejected(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run.txt"
    target.write_text("user file\n")
    with pytest.raises(ValueError, match="working_directory.*is a file"):
        pyinla.pyinla(**seeds_call, working_directory=target)
    assert target.read_text() == "user file\n"


def test_engine_not_found_writes_nothing(fake_engine, seeds_call, tmp_path, monkeypatch):
    def not_built():
        raise FileNotFoundError("pyinla-engine executable not found")

    monkeypatch.setattr(pyinla._engine_path, "engine_path", not_built)
    target = tmp_path / "run"
    with pytest.raises(FileNotFoundError):
        pyinla.pyinla(**seeds_call, working_directory=target)
    assert not target.exists()


def test_call_record(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    result = pyinla.pyinla(**seeds_call, working_directory=target, keep=True, num_threads="4 2")
    record = json.loads((target / "call.json").read_text())

    assert record["pyinla_version"] == pyinla.__version__
    assert record["engine_version"] == "pyinla-engine 0.0.0-fake"
    assert record["command"] == ["pyinla-engine", "-t", "4:2", "model.ini"]
    assert record["num_threads"] == "4:2"
    assert record["arguments"]["num_threads"] == "4 2"
    assert record["arguments"]["family"] == "binomial"
    assert record["arguments"]["Ntrials"] == "n"
    assert record["arguments"]["data"] == {"DataFrame": {"shape": [21, 5], "columns": {
        "r": "int64", "n": "int64", "x1": "int64", "x2": "int64", "plate": "int64"}}}
    assert record["arguments"]["model"]["random"] == [{"id": "plate", "model": "iid"}]
    assert result.call == record


def test_threads_reach_engine(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    pyinla.pyinla(**seeds_call, working_directory=target, keep=True, num_threads="3:2:1")
    transcript = (target / "engine-output.txt").read_text()
    assert "'-t', '3:2:1'" in transcript
    assert "num_threads = 3:2:1" in (target / "model.ini").read_text()


def test_no_absolute_run_paths(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    pyinla.pyinla(**seeds_call, working_directory=target, keep=True)
    for name in ["model.ini", "call.json"]:
        text = (target / name).read_text()
        assert str(target) not in text.replace(f'"working_directory": "{target}"', "")


def test_kept_directory_can_be_moved(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    first = pyinla.pyinla(**seeds_call, working_directory=target, keep=True)
    moved = tmp_path / "elsewhere"
    shutil.move(str(target), str(moved))
    reread = read_results(moved)
    assert reread.summary_fixed.equals(first.summary_fixed)
    assert reread.call == first.call


def test_process_state_unchanged(fake_engine, seeds_call):
    environment = dict(os.environ)
    directory = os.getcwd()
    pyinla.pyinla(**seeds_call)
    assert dict(os.environ) == environment
    assert os.getcwd() == directory
