"""Launch the engine executable on a run directory and record what happened.

The engine runs as a child process with ``cwd`` set to the run directory and its own copy of
the environment, so this process's directory and ``os.environ`` never change. stderr is merged
into stdout, so the engine cannot block on a second pipe that is not being read. Every line is
written to a transcript file as it arrives and, when verbose, echoed to the user's stdout at once.
"""

from __future__ import annotations

import collections
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from pyinla.errors import EngineError
from pyinla.model_file import MODEL_FILE

TRANSCRIPT_FILE = "engine-output.txt"
OUTPUT_TAIL_LINES = 20
# After terminate(), the engine gets this long to exit before it is killed.
TERMINATE_GRACE_SECONDS = 1.0

# Exit codes of pyinla-engine (docs/engine-format.md).
EXIT_CODES = {
    0: "success",
    1: "bad command line",
    2: "malformed model file: unknown section or key, bad value, or duplicated key",
    3: "unreadable or malformed data file",
    4: "numerical failure: the optimiser did not converge or a matrix is not positive definite",
    5: "the result files could not be written",
    70: "internal error in the engine: please report it with the run directory",
    130: "interrupted by SIGINT or SIGTERM",
}


@dataclass
class EngineRun:
    """Record of one engine run: command, directory, exit status, time and last output lines.

    It is the only thing passed from running the engine to reading its results.
    """

    command: List[str]
    run_directory: Path
    transcript: Path
    returncode: int
    seconds: float
    output_tail: List[str]


def build_command(engine: Path, num_threads: str, verbose: bool) -> List[str]:
    """Return the engine command line; the model file is named relative to the run directory."""
    command = [str(engine), "-t", num_threads]
    if verbose:
        command.append("-v")
    command.append(MODEL_FILE)
    return command


def run_engine(
    command: List[str], run_directory: Path, env: Dict[str, str], verbose: bool
) -> EngineRun:
    """Run the engine to completion, streaming its output, and return the run record.

    On KeyboardInterrupt or any other exception while the engine runs, the engine is
    terminated (and killed if it has not exited within a second) before the exception
    propagates.
    """
    transcript = run_directory / TRANSCRIPT_FILE
    tail: collections.deque = collections.deque(maxlen=OUTPUT_TAIL_LINES)
    started = time.monotonic()

    with open(transcript, "w", encoding="utf-8") as transcript_file:
        process = subprocess.Popen(
            command,
            cwd=run_directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        try:
            for line in iter(process.stdout.readline, ""):
                transcript_file.write(line)
                tail.append(line.rstrip("\n"))
                if verbose:
                    # Looked up per line, so that a replaced sys.stdout (e.g. in notebooks) is used.
                    sys.stdout.write(line)
                    sys.stdout.flush()
            returncode = process.wait()
        except BaseException:
            stop_process(process)
            raise
        finally:
            process.stdout.close()

    return EngineRun(
        command=command,
        run_directory=run_directory,
        transcript=transcript,
        returncode=returncode,
        seconds=time.monotonic() - started,
        output_tail=list(tail),
    )


def stop_process(process: subprocess.Popen) -> None:
    """Terminate the process, wait up to TERMINATE_GRACE_SECONDS, then kill it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=TERMINATE_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def describe_exit(returncode: int) -> str:
    """Describe an exit status: the engine's exit code meaning, or the signal that ended it."""
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "an unknown signal"
        return f"killed by signal {name} ({number})"
    meaning = EXIT_CODES.get(returncode, "not one of the engine's documented exit codes")
    return f"exit code {returncode} ({meaning})"


def engine_error(run: EngineRun) -> EngineError:
    """Build the EngineError for a failed run, with the engine's last lines of output."""
    if run.output_tail:
        output = "\n".join(f"    {line}" for line in run.output_tail)
        output_text = f"Last {len(run.output_tail)} lines of engine output:\n{output}"
    else:
        output_text = "The engine printed nothing."
    rerun_hint = (
        "" if "-v" in run.command else " Rerun with verbose=True to watch the engine's progress."
    )
    message = (
        f"pyinla-engine failed: {describe_exit(run.returncode)}.\n"
        f"Command, run in {run.run_directory}: {shlex.join(run.command)}\n"
        f"{output_text}\n"
        f"The run directory {run.run_directory} was kept for inspection, as it is after every "
        f"failure even with keep=False. The full output is in {run.transcript.name} there."
        f"{rerun_hint}"
    )
    return EngineError(
        message,
        returncode=run.returncode,
        command=run.command,
        run_directory=run.run_directory,
        output_tail=run.output_tail,
    )


def engine_version(engine: Path, env: Dict[str, str]) -> Optional[str]:
    """Return the first line that ``pyinla-engine --version`` prints, or None if it fails."""
    try:
        completed = subprocess.run(
            [str(engine), "--version"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        return None
    return lines[0]
