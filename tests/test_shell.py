"""pyinla-engine run from a shell on the hand-written model in examples/shell/.

Every test runs the engine as a subprocess from a current directory other than the model's,
with the model file named by a relative path, as a shell user would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import pyinla

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shell"
RESULT_FILES = [
    "internal_summary_hyperpar.csv",
    "marginals_fixed.csv",
    "marginals_hyperpar.csv",
    "marginals_random.0.csv",
    "mlik.csv",
    "summary_fixed.csv",
    "summary_hyperpar.csv",
    "summary_random.0.csv",
    "theta_points.csv",
    "timing.csv",
]
OPTIONS = ["-t", "--threads", "-v", "--verbose", "--check", "--show-threads", "--samples", "--seed", "--version",
           "-h", "--help"]


@pytest.fixture
def shell(needs_engine, tmp_path):
    """A copy of examples/shell in tmp_path/poisson, and a separate current directory."""
    engine, env = needs_engine
    model_dir = tmp_path / "poisson"
    shutil.copytree(EXAMPLE, model_dir, ignore=shutil.ignore_patterns("results", "engine.log"))
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()

    def run(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(engine), *arguments], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=120)

    run.model_dir = model_dir
    run.cwd = cwd
    # The model file as a shell user in `cwd` names it.
    run.model = "../poisson/model.ini"
    return run


def result_bytes(folder: Path) -> dict:
    """Contents of every result file except timing.csv, whose times differ between runs."""
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.csv"))
            if path.name != "timing.csv"}


def test_example_runs_from_other_directory(shell):
    completed = shell(shell.model)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert completed.stderr == ""

    results = shell.model_dir / "results"
    assert sorted(path.name for path in results.iterdir()) == RESULT_FILES
    assert (shell.model_dir / "engine.log").is_file()
    assert list(shell.cwd.iterdir()) == []


def test_example_results(shell):
    assert shell(shell.model).returncode == 0
    result = pyinla.load(shell.model_dir)
    assert list(result.summary_fixed.index) == ["(Intercept)", "x"]
    assert result.summary_random["area"]["ID"].tolist() == [
        "north", "east", "south", "west", "centre", "coast"]
    assert list(result.summary_hyperpar.index) == ["Precision for area"]
    assert result.family == "poisson"
    assert result.n_observations == 12
    # The counts rise with x (Poisson regression on 12 rows, so a wide interval).
    assert 0.2 < result.summary_fixed.loc["x", "mean"] < 0.5
    assert result.summary_fixed.loc["x", "0.975quant"] > 0.5


def test_threads_option_overrides_run_section(shell):
    assert shell(shell.model).returncode == 0
    default_log = (shell.model_dir / "engine.log").read_text()
    default_results = result_bytes(shell.model_dir / "results")
    # [run] num_threads = 2:1, so the log line contains "2:1", alone or as "2:1 requested".
    assert "2:1" in re.search(r"^threads: .*$", default_log, re.MULTILINE).group(0)

    assert shell("-t", "1:1", shell.model).returncode == 0
    log = (shell.model_dir / "engine.log").read_text()
    assert re.search(r"^threads: .*$", log, re.MULTILINE).group(0) == "threads: 1:1"
    assert result_bytes(shell.model_dir / "results") == default_results


def test_verbose_option_prints_progress(shell):
    completed = shell("-v", shell.model)
    assert completed.returncode == 0
    assert "maxld=" in completed.stdout
    assert "Integrate over theta" in completed.stdout


def test_results_key_of_run_section(shell):
    model = shell.model_dir / "model.ini"
    model.write_text(model.read_text().replace("results = results", "results = out"))
    assert shell("-t", "1:1", shell.model).returncode == 0
    assert (shell.model_dir / "out" / "summary_fixed.csv").is_file()
    assert not (shell.model_dir / "results").exists()


def test_check_writes_nothing(shell):
    before = sorted(shell.model_dir.rglob("*"))
    completed = shell("--check", shell.model)
    assert completed.returncode == 0
    assert completed.stdout == f"{shell.model}: model and data files are valid\n"
    assert sorted(shell.model_dir.rglob("*")) == before
    assert not (shell.model_dir / "results").exists()


def test_help_lists_every_option(shell):
    completed = shell("--help")
    assert completed.returncode == 0
    assert completed.stdout.startswith("usage: pyinla-engine [options] MODEL.ini")
    listed = []
    for line in completed.stdout.splitlines():
        names = re.match(r"\s+(-[\w-]+(?:, -[\w-]+)?)", line)
        if names:
            listed += names.group(1).split(", ")
    assert sorted(listed) == sorted(OPTIONS)


def test_help_one_line_per_option(shell):
    lines = shell("--help").stdout.split("options:\n", 1)[1].splitlines()
    # -t/--threads, -v/--verbose and -h/--help share a line, so 11 spellings make 8 lines.
    assert len(lines) == 8


def test_version(shell):
    completed = shell("--version")
    assert completed.returncode == 0
    assert completed.stdout == f"pyinla-engine {pyinla.__version__}\n"


def _rename_key(model_dir: Path) -> None:
    model = model_dir / "model.ini"
    model.write_text(model.read_text().replace("prec = 0.001", "precision = 0.001"))


def _add_section(model_dir: Path) -> None:
    with open(model_dir / "model.ini", "a") as model:
        model.write("\n[priors]\nx = 1\n")


def _drop_value(model_dir: Path) -> None:
    data = model_dir / "data" / "x.dat"
    data.write_text("".join(data.read_text().splitlines(keepends=True)[:-1]))


def _unchanged(model_dir: Path) -> None:
    pass


# (case, change to the model folder, arguments before the model file, model file, exit code,
#  pattern that the one line on stderr matches from its start). Each pattern requires the file
#  and the section and key, or the line, and leaves the wording after them free.
FAILURES = [
    ("missing model file", _unchanged, [], "../nothere/model.ini", 2,
     r"pyinla-engine: error: \.\./nothere/model\.ini: cannot open the model file"),
    ("unknown key", _rename_key, [], "../poisson/model.ini", 2,
     r"pyinla-engine: error: \.\./poisson/model\.ini:48: \[fixed\.1\] precision: unknown key"),
    ("unknown section", _add_section, [], "../poisson/model.ini", 2,
     r"pyinla-engine: error: \.\./poisson/model\.ini(:65)?: unknown section \[priors\]"),
    ("too few values", _drop_value, [], "../poisson/model.ini", 3,
     r"pyinla-engine: error: \.\./poisson/data/x\.dat: expected 12 values, found 11"),
    ("unknown option", _unchanged, ["--fast"], "../poisson/model.ini", 1,
     r"pyinla-engine: error: unknown option '--fast'"),
    ("bad threads", _unchanged, ["-t", "0:1"], "../poisson/model.ini", 1,
     r"pyinla-engine: error: invalid thread specification '0:1'"),
]


@pytest.mark.parametrize("case, change, options, model, code, pattern", FAILURES,
                         ids=[case[0] for case in FAILURES])
def test_failure_exit_code_and_message(shell, case, change, options, model, code, pattern):
    change(shell.model_dir)
    completed = shell(*options, model)
    assert completed.returncode == code
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert re.match(pattern, lines[0]), lines[0]
    assert not (shell.model_dir / "results").exists()


def test_invalid_threads_in_model_file(shell):
    model = shell.model_dir / "model.ini"
    model.write_text(model.read_text().replace("num_threads = 2:1", "num_threads = 0:1"))
    completed = shell(shell.model)
    assert completed.returncode == 2
    assert "[run] num_threads" in completed.stderr


@pytest.mark.parametrize("results_path", ["file", "/dev/full"], ids=["results-is-a-file", "full-device"])
def test_unwritable_results_exit_5_and_keep_inputs(shell, results_path):
    # A results path that cannot be written (a file in the way, or a device that is always full) stops the run
    # with exit code 5 and one line naming the path; the model file and data files are untouched.
    model = shell.model_dir / "model.ini"
    if results_path == "file":
        (shell.model_dir / "blocked").write_text("not a folder\n")
        results_path = "blocked"
    text = model.read_text()
    assert "results = results" in text
    model.write_text(text.replace("results = results", f"results = {results_path}", 1))
    inputs = {path: path.read_bytes() for path in (shell.model_dir / "data").iterdir()}

    completed = shell(shell.model)
    assert completed.returncode == 5
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pyinla-engine: error:")
    assert results_path in lines[0]
    assert {path: path.read_bytes() for path in (shell.model_dir / "data").iterdir()} == inputs
