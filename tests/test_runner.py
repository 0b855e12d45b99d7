"""Engine launch: failures, signals, live streaming with verbose, and stopping on Ctrl-C."""

import io
import os
import re
import sys
import time

import pytest

import pyinla
from pyinla import EngineError, ResultError
from pyinla.runner import describe_exit


class LineWatcher(io.StringIO):
    """A stdout replacement that calls ``on_line`` with each complete line written to it."""

    def __init__(self, on_line):
        super().__init__()
        self.on_line = on_line
        self.pending = ""

    def write(self, text):
        super().write(text)
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            self.on_line(line)
        return len(text)


def test_failure_message(fake_engine, seeds_call, tmp_path):
    fake_engine.set_mode("fail", FAKE_ENGINE_EXIT="2")
    target = tmp_path / "run"
    with pytest.raises(EngineError) as raised:
        pyinla.pyinla(**seeds_call, working_directory=target)

    error = raised.value
    message = str(error)
    assert "exit code 2 (malformed model file" in message
    assert "pyinla-engine: error: model.ini: [random.0] model: bad value" in message
    assert "progress line 30" in message
    # Only the last 20 lines: progress lines 12 to 30 and the error line.
    assert "progress line 12\n" in message
    assert "progress line 11\n" not in message
    assert str(target) in message
    assert "kept" in message
    assert error.returncode == 2
    assert error.run_directory == target
    assert len(error.output_tail) == 20


def test_failure_keeps_directory(fake_engine, seeds_call, tmp_path):
    fake_engine.set_mode("fail", FAKE_ENGINE_EXIT="4")
    target = tmp_path / "run"
    with pytest.raises(EngineError, match="numerical failure"):
        pyinla.pyinla(**seeds_call, working_directory=target, keep=False)
    assert (target / "model.ini").is_file()
    assert "progress line 1\n" in (target / "engine-output.txt").read_text()


def test_undocumented_exit_code(fake_engine, seeds_call, tmp_path):
    fake_engine.set_mode("fail", FAKE_ENGINE_EXIT="17")
    with pytest.raises(EngineError, match="exit code 17 \\(not one of the engine's documented"):
        pyinla.pyinla(**seeds_call, working_directory=tmp_path / "run")


def test_signal_named(fake_engine, seeds_call, tmp_path):
    fake_engine.set_mode("abort")
    with pytest.raises(EngineError, match="killed by signal SIGABRT"):
        pyinla.pyinla(**seeds_call, working_directory=tmp_path / "run")


def test_missing_results_keeps_directory(fake_engine, seeds_call, tmp_path):
    fake_engine.set_mode("no-results")
    target = tmp_path / "run"
    with pytest.raises(ResultError) as raised:
        pyinla.pyinla(**seeds_call, working_directory=target)
    assert "summary_" in str(raised.value) or "marginals_" in str(raised.value)
    assert "kept" in str(raised.value)
    assert (target / "model.ini").is_file()


@pytest.mark.parametrize("code, meaning", [
    (0, "success"), (1, "bad command line"), (2, "malformed model file"),
    (3, "data file"), (4, "numerical failure"), (5, "could not be written"),
    (70, "internal error"), (130, "interrupted"),
])
def test_describe_exit_codes(code, meaning):
    assert meaning in describe_exit(code)


def test_describe_signal():
    assert describe_exit(-9) == "killed by signal SIGKILL (9)"


def test_verbose_streams_while_engine_runs(fake_engine, seeds_call, tmp_path, monkeypatch):
    """The fake engine waits for a file that the test creates only when the first line arrives.

    Had the output been buffered until the engine exited, the engine would give up after 10 s
    and fail, so success shows that the line reached stdout while the engine was running.
    """
    go_file = tmp_path / "go"
    fake_engine.set_mode("handshake", FAKE_ENGINE_GO=str(go_file))
    arrivals = []

    def on_line(line):
        arrivals.append(line)
        if "waiting for the reader" in line:
            go_file.touch()

    monkeypatch.setattr(sys, "stdout", LineWatcher(on_line))
    pyinla.pyinla(**seeds_call, verbose=True, working_directory=tmp_path / "run")
    assert any("waiting for the reader" in line for line in arrivals)
    assert "-v" in arrivals[0]


def test_quiet_run_prints_nothing(fake_engine, seeds_call, tmp_path, capsys):
    target = tmp_path / "run"
    pyinla.pyinla(**seeds_call, working_directory=target, keep=True, verbose=False)
    assert capsys.readouterr().out == ""
    transcript = (target / "engine-output.txt").read_text()
    assert "fake engine: argv=" in transcript
    assert "'-v'" not in transcript


def test_interrupt_stops_engine(fake_engine, seeds_call, monkeypatch, tmp_path):
    _check_interrupt_stops_engine(fake_engine, seeds_call, monkeypatch, tmp_path, ignore_term=False)


def test_interrupt_kills_engine_ignoring_sigterm(fake_engine, seeds_call, monkeypatch, tmp_path):
    _check_interrupt_stops_engine(fake_engine, seeds_call, monkeypatch, tmp_path, ignore_term=True)


def _check_interrupt_stops_engine(fake_engine, seeds_call, monkeypatch, tmp_path, ignore_term):
    fake_engine.set_mode("hang", FAKE_ENGINE_IGNORE_TERM="1" if ignore_term else "0")
    engine_ids = []

    def on_line(line):
        match = re.search(r"fake engine pid (\d+) hanging", line)
        if match:
            engine_ids.append(int(match.group(1)))
            # Stands in for Ctrl-C, which raises KeyboardInterrupt in the reading loop.
            raise KeyboardInterrupt

    monkeypatch.setattr(sys, "stdout", LineWatcher(on_line))
    started = time.monotonic()
    target = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        pyinla.pyinla(**seeds_call, verbose=True, working_directory=target)
    elapsed = time.monotonic() - started

    assert len(engine_ids) == 1
    assert elapsed < 10
    with pytest.raises(ProcessLookupError):
        os.kill(engine_ids[0], 0)
    # An interrupt is not an engine failure, so keep=False still removes the directory.
    assert not target.exists()
