"""Shared fixtures: the seeds model, a fake engine, and a skip for tests that need the real one."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import pyinla
from pyinla.model_file import write_model_files
from pyinla.validation import validate_call

TESTS_DIR = Path(__file__).resolve().parent
CANNED_RUN = TESTS_DIR / "data" / "canned_run"

SEEDS_MODEL = {
    "response": "r",
    "fixed": ["1", "x1", "x2", "x1:x2"],
    "random": [{"id": "plate", "model": "iid"}],
}


@pytest.fixture
def seeds():
    return pyinla.datasets.load("seeds")


@pytest.fixture
def seeds_call(seeds):
    """Keyword arguments of pyinla() for the seeds model."""
    return {"model": SEEDS_MODEL, "family": "binomial", "data": seeds, "Ntrials": "n"}


def _engine_not_built():
    raise FileNotFoundError("pyinla-engine is not built")


def _engine_path_module():
    """Return pyinla._engine_path, or a stand-in module if the build has not written it yet."""
    try:
        return importlib.import_module("pyinla._engine_path")
    except ImportError:
        module = types.ModuleType("pyinla._engine_path")
        module.engine_path = _engine_not_built
        module.engine_env = lambda: dict(os.environ)
        sys.modules["pyinla._engine_path"] = module
        pyinla._engine_path = module
        return module


class FakeEngine:
    """Handle on the fake engine: ``env`` contains the variables that select its behaviour."""

    def __init__(self, executable: Path):
        self.executable = executable
        self.env = {}

    def set_mode(self, mode: str, **variables: str) -> None:
        self.env = {"FAKE_ENGINE_MODE": mode, **variables}


@pytest.fixture
def fake_engine(tmp_path_factory, monkeypatch):
    """Point engine_path() at tests/fake_engine.py, which copies canned results."""
    folder = tmp_path_factory.mktemp("fake-engine")
    executable = folder / "pyinla-engine"
    # exec, so the engine's process id is the Python process that receives the signals.
    executable.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" "{TESTS_DIR / "fake_engine.py"}" "$@"\n'
    )
    executable.chmod(0o755)

    engine = FakeEngine(executable)
    module = _engine_path_module()
    monkeypatch.setattr(module, "engine_path", lambda: executable)
    monkeypatch.setattr(module, "engine_env", lambda: {**os.environ, **engine.env})
    return engine


def _real_engine_or_reason(tmp_path: Path):
    """Return (engine, env) if a real engine is built and checks models, else (None, reason)."""
    module = _engine_path_module()
    try:
        engine, env = module.engine_path(), module.engine_env()
    except FileNotFoundError as error:
        return None, str(error)

    data = pyinla.datasets.load("seeds")
    spec = validate_call({"response": "r"}, "binomial", data, Ntrials="n")
    valid = tmp_path / "valid"
    valid.mkdir()
    write_model_files(spec, valid, "1:1", False, [])
    checked = subprocess.run([str(engine), "--check", "model.ini"], cwd=valid, env=env,
                             capture_output=True, text=True)
    if checked.returncode != 0:
        output = checked.stdout + checked.stderr
        return None, f"pyinla-engine --check rejects a valid model: {output}"

    # A placeholder build accepts anything, so a malformed model file must be rejected too.
    malformed = tmp_path / "malformed"
    malformed.mkdir()
    (malformed / "model.ini").write_text("[no_such_section]\nkey = value\n")
    rejected = subprocess.run([str(engine), "--check", "model.ini"], cwd=malformed, env=env,
                              capture_output=True, text=True)
    if rejected.returncode != 2:
        return None, "pyinla-engine --check accepts a malformed model file (a placeholder build?)"
    return (engine, env), None


@pytest.fixture
def needs_engine(tmp_path):
    """Skip the test unless the real engine is built and its --check works."""
    engine, reason = _real_engine_or_reason(tmp_path)
    if engine is None:
        pytest.skip(f"needs the built engine: {reason}")
    return engine
