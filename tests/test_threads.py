"""The num_threads parser: accepted spellings and rejected values."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from pyinla.threads import format_num_threads, parse_num_threads

CPUS = os.cpu_count()

ACCEPTED = [
    (None, (16, 1, None)),
    ("", (16, 1, None)),
    (":", (16, 1, None)),
    ("  ", (16, 1, None)),
    (4, (4, 1, None)),
    (1, (1, 1, None)),
    ("4", (4, 1, None)),
    ("4:", (4, 1, None)),
    ("4:2", (4, 2, None)),
    ("4:2:1", (4, 2, 1)),
    ("4, 2, 1", (4, 2, 1)),
    ("4 2 1", (4, 2, 1)),
    ("4\t2\t1", (4, 2, 1)),
    ("4,2", (4, 2, None)),
    (" 4 : 2 ", (4, 2, None)),
    (":2", (CPUS, 2, None)),
    (":2:3", (CPUS, 2, 3)),
    ("16:1", (16, 1, None)),
]

REJECTED = [
    0,
    -1,
    "0",
    "0:1",
    "4:0",
    "-4:1",
    "4:-2",
    "abc",
    "4:x",
    "four",
    "4:2:1:1",
    "4.0",
    "4.5:1",
    4.0,
    2.5,
    True,
    False,
    [4, 2],
    (4, 2),
    b"4:2",
]


@pytest.mark.parametrize("value, expected", ACCEPTED)
def test_parse_accepted(value, expected):
    assert parse_num_threads(value) == expected


@pytest.mark.parametrize("value", REJECTED)
def test_parse_rejected(value):
    with pytest.raises(ValueError) as raised:
        parse_num_threads(value)
    message = str(raised.value)
    assert "num_threads" in message
    assert repr(value) in message
    assert "'A:B'" in message


def test_format_two_and_three_fields():
    assert format_num_threads((4, 2, None)) == "4:2"
    assert format_num_threads((4, 2, 1)) == "4:2:1"


def test_equal_spellings_equal_results():
    spellings = ["4, 2, 1", "4 2 1", "4:2:1", "4,2,1", "4\t2 1"]
    assert {parse_num_threads(spelling) for spelling in spellings} == {(4, 2, 1)}


SHARED_CASES = json.loads((Path(__file__).resolve().parent / "data" / "num_threads_cases.json").read_text())["cases"]


def expected_spec(text):
    return None if text is None else text.replace("CPUS", str(CPUS))


@pytest.mark.parametrize("case", SHARED_CASES, ids=[repr(c["value"]) for c in SHARED_CASES])
def test_shared_table_python_parser(case):
    expected = expected_spec(case["expected"])
    if expected is None:
        with pytest.raises(ValueError, match="num_threads"):
            parse_num_threads(case["value"])
    else:
        assert format_num_threads(parse_num_threads(case["value"])) == expected


@pytest.mark.usefixtures("needs_engine")
@pytest.mark.parametrize("case", SHARED_CASES, ids=[repr(c["value"]) for c in SHARED_CASES])
def test_shared_table_engine_parser(case):
    from pyinla._engine_path import engine_env, engine_path

    completed = subprocess.run([str(engine_path()), "--show-threads", "-t", case["value"]], capture_output=True,
                               text=True, env=engine_env(), timeout=30)
    expected = expected_spec(case["expected"])
    if expected is None:
        assert completed.returncode == 1
        assert "invalid thread specification" in completed.stderr
    else:
        assert completed.returncode == 0, completed.stderr
        assert completed.stdout.strip() == expected
