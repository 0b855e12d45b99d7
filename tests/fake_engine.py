"""Stand-in for pyinla-engine in tests: it copies canned results instead of fitting.

It takes the engine's command line. FAKE_ENGINE_MODE selects the behaviour:

    ok          print the command line, write the canned results and engine.log, exit 0
    fail        print 30 numbered lines and an error line on stderr, exit FAKE_ENGINE_EXIT (2)
    abort       die by SIGABRT
    handshake   print a line, then wait up to 10 s for the file FAKE_ENGINE_GO; exit 9 if it
                never appears, otherwise succeed as in ok
    hang        print its process id and sleep for 60 s; with FAKE_ENGINE_IGNORE_TERM=1 it
                also ignores SIGTERM, so only SIGKILL stops it
    no-results  exit 0 without writing results
    extra-file  succeed as in ok and also write a file the engine format does not list
"""

import configparser
import os
import shutil
import signal
import sys
import time
from pathlib import Path

CANNED_RESULTS = Path(__file__).resolve().parent / "data" / "canned_run" / "results"


def main(argv):
    if "--version" in argv:
        print("pyinla-engine 0.0.0-fake")
        return 0

    model_file = Path(argv[-1])
    print(f"fake engine: argv={argv!r} cwd={os.getcwd()}", flush=True)
    if not model_file.is_file():
        print(f"pyinla-engine: error: {model_file}: model file not found", file=sys.stderr)
        return 2
    if "--check" in argv:
        return 0

    mode = os.environ.get("FAKE_ENGINE_MODE", "ok")
    if mode == "fail":
        for number in range(1, 31):
            print(f"progress line {number}")
        sys.stdout.flush()
        print("pyinla-engine: error: model.ini: [random.0] model: bad value", file=sys.stderr)
        return int(os.environ.get("FAKE_ENGINE_EXIT", "2"))
    if mode == "abort":
        sys.stdout.flush()
        os.abort()
    if mode == "handshake" and not _wait_for_go_file():
        print("fake engine: no reader answered within 10 s", flush=True)
        return 9
    if mode == "hang":
        if os.environ.get("FAKE_ENGINE_IGNORE_TERM") == "1":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print(f"fake engine pid {os.getpid()} hanging", flush=True)
        time.sleep(60)
        return 0
    if mode == "no-results":
        return 0

    _write_results(model_file)
    if mode == "extra-file":
        Path("unlisted-engine-file.txt").write_text("not in the engine format\n")
    return 0


def _wait_for_go_file():
    print("fake engine: waiting for the reader", flush=True)
    go_file = Path(os.environ["FAKE_ENGINE_GO"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if go_file.exists():
            return True
        time.sleep(0.02)
    return False


def _write_results(model_file):
    parser = configparser.ConfigParser(interpolation=None, default_section="\0")
    parser.optionxform = str
    parser.read(model_file)
    results_dir = Path(parser.get("run", "results", fallback="results"))
    results_dir.mkdir(exist_ok=True)
    for canned in CANNED_RESULTS.iterdir():
        shutil.copyfile(canned, results_dir / canned.name)
    Path(parser.get("run", "log", fallback="engine.log")).write_text("pyinla-engine 0.0.0-fake\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
