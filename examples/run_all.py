"""Run every example script in its own Python process and report pass or fail and the time.

Usage: python run_all.py [NAME ...], where NAME is a script name such as seeds or seeds.py
(default: every script in this folder). The exit status is 1 if any script fails.
A failed script's output is printed after the table.
"""

import subprocess
import sys
import time
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent
# Seconds after which a script is stopped and counted as failed.
# Each example takes at most a few seconds.
TIMEOUT = 600


def find_scripts(names):
    available = sorted(
        path for path in EXAMPLES_DIR.glob("*.py") if path.name != Path(__file__).name
    )
    if not names:
        return available
    scripts = []
    for name in names:
        path = EXAMPLES_DIR / (name if name.endswith(".py") else f"{name}.py")
        if path not in available:
            choices = ", ".join(script.stem for script in available)
            sys.exit(f"run_all.py: no example script named {name!r}. Available: {choices}.")
        scripts.append(path)
    return scripts


def run_script(path):
    """Run one script and return (passed, seconds, output)."""
    start = time.perf_counter()
    try:
        completed = subprocess.run(
            [sys.executable, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        output = error.stdout or ""
        if isinstance(output, bytes):
            output = output.decode(errors="replace")
        return False, time.perf_counter() - start, output + f"\ntimed out after {TIMEOUT} s\n"
    return completed.returncode == 0, time.perf_counter() - start, completed.stdout


def main():
    scripts = find_scripts(sys.argv[1:])
    failures = []
    width = max(len(path.name) for path in scripts)
    for path in scripts:
        passed, seconds, output = run_script(path)
        print(f"{path.name:<{width}}  {'pass' if passed else 'FAIL'}  {seconds:6.2f} s", flush=True)
        if not passed:
            failures.append((path.name, output))

    for name, output in failures:
        print(f"\n===== output of {name} =====\n{output}")
    print(f"\n{len(scripts) - len(failures)} of {len(scripts)} examples passed.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
