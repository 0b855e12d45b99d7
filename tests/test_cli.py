"""The pyinla command line: in-process with the fake engine, and by subprocess with the real one."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pyinla
from pyinla.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.strip() == f"pyinla {pyinla.__version__}"


def test_demo_prints_summary(fake_engine, capsys):
    assert main(["demo"]) == 0
    output = capsys.readouterr().out
    assert "Fixed effects:" in output
    assert "x1:x2" in output
    assert "Precision for plate" in output


def test_demo_keeps_given_directory(fake_engine, capsys, tmp_path):
    target = tmp_path / "demo"
    assert main(["demo", "--working-directory", str(target), "--num-threads", "2:1"]) == 0
    assert f"Run files kept in {target}" in capsys.readouterr().out
    assert "num_threads = 2:1" in (target / "model.ini").read_text()


def test_demo_engine_failure(fake_engine, capsys, tmp_path):
    fake_engine.set_mode("fail", FAKE_ENGINE_EXIT="4")
    assert main(["demo", "--working-directory", str(tmp_path / "demo")]) == 1
    assert "numerical failure" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


# The commands below run as a shell user runs them: `python -m pyinla ...` in a subprocess, from
# a current directory other than the run directory's, with the real engine.

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def shell_pyinla(needs_engine, tmp_path):
    """Run `python -m pyinla ARGUMENTS` from tmp_path/cwd with this source tree importable."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])

    def run(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pyinla", *arguments], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=120)

    run.cwd = cwd
    return run


@pytest.fixture
def kept_run(needs_engine, seeds_call, tmp_path):
    """A seeds run kept in tmp_path/run, and its Result."""
    target = tmp_path / "run"
    result = pyinla.pyinla(**seeds_call, working_directory=target, keep=True, num_threads="2:1")
    return target, result


def test_summary_of_kept_run(shell_pyinla, kept_run):
    target, result = kept_run
    completed = shell_pyinla("summary", "../run")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == str(result.summary())
    assert "x1:x2" in completed.stdout
    assert completed.stderr == ""


@pytest.mark.parametrize("name", ["missing", "empty"])
def test_summary_not_a_run(shell_pyinla, tmp_path, name):
    (tmp_path / "empty").mkdir()
    completed = shell_pyinla("summary", f"../{name}")
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pyinla summary: error: ")
    assert name in lines[0]


def test_rerun_command(shell_pyinla, kept_run, tmp_path):
    target, result = kept_run
    completed = shell_pyinla("rerun", "../run", "-t", "1:1")
    assert completed.returncode == 0, completed.stderr
    fresh = tmp_path / "run-rerun-1"
    assert f"Rerun of ../run written to {fresh}\n" in completed.stdout
    assert "The results equal those of ../run, bit for bit (timing.csv not compared)." in \
        completed.stdout
    assert str(result.summary()).split("Time used")[0] in completed.stdout
    assert json.loads((fresh / "call.json").read_text())["num_threads"] == "1:1"


def test_rerun_command_into_and_verbose(shell_pyinla, kept_run, tmp_path):
    completed = shell_pyinla("rerun", "../run", "-v", "--into", "../again")
    assert completed.returncode == 0, completed.stderr
    assert "maxld=" in completed.stdout
    assert (tmp_path / "again" / "results" / "summary_fixed.csv").is_file()
    assert not (tmp_path / "run-rerun-1").exists()

    completed = shell_pyinla("rerun", "../run", "--into", "../again")
    assert completed.returncode == 0
    assert "pyinla rerun: warning: working_directory" in completed.stderr
    assert (tmp_path / "again-1" / "results" / "summary_fixed.csv").is_file()


@pytest.mark.parametrize("arguments, code, message", [
    (["rerun", "../run", "-t", "0:1"], 2, "pyinla rerun: error: num_threads='0:1' is invalid."),
    (["rerun", "../run", "--into", "../run/inside"], 2, "lies inside the kept directory"),
    (["rerun", "../missing"], 2, "pyinla rerun: error: run directory '../missing' not found."),
    (["rerun"], 2, "the following arguments are required: DIR"),
    (["rerun", "../run", "--fast"], 2, "unrecognized arguments: --fast"),
])
def test_rerun_command_errors(shell_pyinla, kept_run, tmp_path, arguments, code, message):
    completed = shell_pyinla(*arguments)
    assert completed.returncode == code
    assert message in completed.stderr
    assert not (tmp_path / "run-rerun-1").exists()


def test_rerun_command_engine_failure(shell_pyinla, kept_run, tmp_path):
    target, _ = kept_run
    (target / "data" / "response.dat").write_text("1\n")
    completed = shell_pyinla("rerun", "../run")
    assert completed.returncode == 1
    assert completed.stderr.startswith("pyinla rerun: error: pyinla-engine failed: exit code 3")


def test_diff_identical(shell_pyinla, kept_run, tmp_path):
    assert shell_pyinla("rerun", "../run", "-t", "1:1").returncode == 0
    completed = shell_pyinla("diff", "../run", "../run-rerun-1")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == (
        "A: ../run\n"
        "B: ../run-rerun-1\n"
        "identical: model.ini, 7 data files and 9 result files (timing.csv not compared)\n"
    )


def test_diff_different(shell_pyinla, kept_run, seeds_call, tmp_path):
    data = seeds_call["data"].copy()
    data.loc[4, "r"] += 3
    pyinla.pyinla(**{**seeds_call, "data": data}, working_directory=tmp_path / "other",
                  keep=True, num_threads="1:1", control={"fixed": {"prec": 0.01}})

    completed = shell_pyinla("diff", "../run", "../other")
    assert completed.returncode == 1, completed.stderr
    output = completed.stdout
    assert "Inputs that differ:\n" in output
    assert ("model.ini [run] num_threads: 2:1 in A, 1:1 in B (a run setting: it does not change "
            "the results)") in output
    assert "model.ini [fixed.1] prec: 0.001 in A, 0.01 in B" in output
    assert ("data file [data] response = data/response.dat: contents differ (SHA-256 ") in output
    assert "1 of 21 values differ, largest absolute difference 3 at value 5 (17.0 in A, 20.0 in B)" in \
        output
    assert "Outputs that differ:\n" in output
    fixed_line = next(line for line in output.splitlines() if "summary_fixed.csv" in line)
    assert "numbers differ, largest absolute change" in fixed_line
    assert "identical" not in output


def test_diff_errors(shell_pyinla, kept_run, tmp_path):
    completed = shell_pyinla("diff", "../run", "../missing")
    assert completed.returncode == 2
    assert completed.stderr == "pyinla diff: error: run directory '../missing' not found.\n"
    completed = shell_pyinla("diff", "../run")
    assert completed.returncode == 2
    assert "the following arguments are required: DIR2" in completed.stderr


def test_moved_run_from_shell(shell_pyinla, kept_run, tmp_path):
    target, result = kept_run
    moved = tmp_path / "archive" / "seeds"
    moved.parent.mkdir()
    shutil.move(str(target), str(moved))

    completed = shell_pyinla("summary", "../archive/seeds")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == str(result.summary())

    completed = shell_pyinla("rerun", "../archive/seeds")
    assert completed.returncode == 0, completed.stderr
    assert "bit for bit" in completed.stdout
    assert (tmp_path / "archive" / "seeds-rerun-1" / "results" / "summary_fixed.csv").is_file()

    completed = shell_pyinla("diff", "../archive/seeds", "../archive/seeds-rerun-1")
    assert completed.returncode == 0
    assert "identical" in completed.stdout
