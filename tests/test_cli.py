"""The pyinla command line, run with the fake engine."""

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
