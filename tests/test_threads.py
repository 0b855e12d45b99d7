"""The num_threads parser: accepted spellings and rejected values."""

import os

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
