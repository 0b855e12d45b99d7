"""Several fits at once: one working directory is locked while a fit uses it, different ones run side by side."""

from __future__ import annotations

import concurrent.futures
import time

import pandas as pd
import pytest

import pyinla


def test_second_fit_in_same_directory_is_locked(fake_engine, seeds_call, tmp_path):
    target = tmp_path / "run"
    go = tmp_path / "go"
    fake_engine.set_mode("handshake", FAKE_ENGINE_GO=str(go))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(pyinla.pyinla, **seeds_call, working_directory=target, keep=True)
        lock = tmp_path / ".run.pyinla-lock"
        deadline = time.monotonic() + 10
        while not (target / "model.ini").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert lock.exists()

        with pytest.raises(RuntimeError, match="in use by another fit"):
            pyinla.pyinla(**seeds_call, working_directory=target, keep=True)

        go.write_text("go\n")
        result = first.result(timeout=30)
    # The first fit is unharmed, and its lock is gone once it returned.
    assert result.working_directory == target
    assert (target / "results" / "summary_fixed.csv").exists()
    assert not lock.exists()
    assert not (tmp_path / "run-1").exists()


def test_stale_lock_is_taken_over(fake_engine, seeds_call, tmp_path):
    # A lock whose process has ended (a crash) does not block the next fit.
    (tmp_path / ".run.pyinla-lock").write_text("999999999\n")
    result = pyinla.pyinla(**seeds_call, working_directory=tmp_path / "run", keep=True)
    assert result.working_directory == tmp_path / "run"
    assert not (tmp_path / ".run.pyinla-lock").exists()


@pytest.mark.usefixtures("needs_engine")
def test_fits_in_different_directories_run_side_by_side(seeds_call, tmp_path):
    folder = tmp_path / "fits"
    folder.mkdir()

    def fit(k):
        return pyinla.pyinla(**seeds_call, working_directory=folder / f"run{k}", keep=True, num_threads=1)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(fit, range(4)))
    for result in results[1:]:
        pd.testing.assert_frame_equal(result.summary_fixed, results[0].summary_fixed, check_exact=True)
    assert sorted(p.name for p in folder.iterdir()) == ["run0", "run1", "run2", "run3"]
