"""The engine on damaged run directories: one error line, a documented exit code, never a crash or a hang.

Every case starts from a small valid run directory written by hand: a Gaussian model with two fixed effects, a
besag term with labels and a generic0 term. It damages one file and runs ``pyinla-engine --check`` on it. Then
it checks the promise of docs/engine-format.md: the documented exit code, and exactly one line on stderr that
starts with ``pyinla-engine: error:`` and names the file and the line or key at fault. The inputs that the
fuzzers under cpp/fuzz/ kept as regressions run through the real engine too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
REGRESSIONS = REPOSITORY / "cpp" / "fuzz" / "regressions"

ERROR_PREFIX = "pyinla-engine: error: "

# Exit codes of docs/engine-format.md.
EXIT_MODEL_FILE = 2
EXIT_DATA_FILE = 3
# Exit codes that reading a run directory with --check may give: success, model file, data file, numerical.
CHECK_EXIT_CODES = {0, 2, 3, 4}

# An error line quotes at most a short excerpt of the input, so even a huge line gives a short message.
MAX_ERROR_LINE = 1200

MODEL = """\
[run]
num_threads = 1:1

[data]
n = 6
response = data/response.dat

[family]
name = gaussian

[fixed.0]
name = (Intercept)
prec = 0

[fixed.1]
name = x
values = data/x.dat

[random.0]
name = area
model = besag
n = 4
index = data/area.index.dat
labels = data/area.labels.txt
graph = data/graph.txt

[random.1]
name = g
model = generic0
n = 3
index = data/g.index.dat
cmatrix = data/cmatrix.dat
"""

DATA_FILES = {
    "data/response.dat": "1.2\n0.4\nnan\n2.1\n1.7\n0.9\n",
    "data/x.dat": "0.5\n-1\n0.25\n2\n0\n1.5\n",
    "data/area.index.dat": "0\n1\n2\n3\n0\n2\n",
    "data/area.labels.txt": "north\neast\nsouth\nwest\n",
    # A ring of four areas, 1-based.
    "data/graph.txt": "4\n1 2 2 4\n2 2 1 3\n3 2 2 4\n4 2 3 1\n",
    "data/g.index.dat": "0\n1\n2\n0\n1\n2\n",
    "data/cmatrix.dat": "0 0 2\n1 1 2\n2 2 2\n0 1 -1\n1 2 -1\n",
}


def write_run_directory(folder: Path, model: str | bytes = MODEL,
                        files: dict[str, str | bytes] | None = None) -> Path:
    """Write the valid run directory into `folder`, with `files` (path: content) replacing or adding files."""
    contents: dict[str, str | bytes] = {"model.ini": model, **DATA_FILES, **(files or {})}
    for name, content in contents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, newline="")
    return folder


def edit(text: str, old: str, new: str) -> str:
    """Replace `old`, which must occur exactly once, so that a change of MODEL cannot make a case pass."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def run_engine(engine, folder: Path, *arguments: str, model: str = "model.ini"):
    executable, env = engine
    # check=False: a failing exit code is what most cases expect. The timeout turns a hang into a test failure.
    return subprocess.run([str(executable), *arguments, model], cwd=folder, env=env, capture_output=True,
                          timeout=30, check=False)


def error_line(result) -> str:
    """Check the failure promise and return the one error line without its prefix."""
    assert result.returncode >= 0, f"the engine was killed by signal {-result.returncode}"
    stderr = result.stderr.decode("utf-8")
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {stderr[:2000]!r}"
    assert stderr.endswith("\n")
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), line
    assert len(line) <= MAX_ERROR_LINE, f"error line of {len(line)} characters: {line[:300]!r}..."
    assert line.isprintable(), repr(line)
    return line[len(ERROR_PREFIX):]


def check_failure(result, code: int, *fragments: str) -> str:
    message = error_line(result)
    assert result.returncode == code, f"exit code {result.returncode}, expected {code}: {message}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def check_success(result) -> None:
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert result.stderr == b""


# --- the valid run directory ---------------------------------------------------------------------------------


def test_valid_run_directory_checks(needs_engine, tmp_path):
    check_success(run_engine(needs_engine, write_run_directory(tmp_path), "--check"))


# --- the model file ------------------------------------------------------------------------------------------

MODEL_FILE_CASES = [
    # (id, model file content, fragments of the error line)
    ("empty", "", ["model.ini: missing section [data]"]),
    ("only_comments", "# nothing\n; here\n\n", ["model.ini: missing section [data]"]),
    ("binary_with_nul", bytes(range(256)) * 4, ["model.ini:1: binary data"]),
    ("binary_without_nul", bytes(range(1, 256)), ["model.ini:1:"]),
    ("invalid_utf8", b"[data]\n\xff\xfe = 1\n", ["model.ini:2:", "not printable ASCII"]),
    ("truncated_in_key", MODEL[:MODEL.index("response") + 5], ["model.ini:6:", "expected 'key = value'"]),
    ("truncated_in_header", MODEL[:MODEL.index("[random.1]") + 5], ["model.ini:27: malformed section header"]),
    ("truncated_in_value", MODEL[:MODEL.index("gaussian") + 4],
     ["model.ini:9: [family] name: unknown family 'gaus'"]),
    ("duplicated_key", edit(MODEL, "n = 6\n", "n = 6\nn = 6\n"),
     ["model.ini:6:", "key 'n' in section [data] is repeated (first set on line 5)"]),
    ("duplicated_section", MODEL + "\n[data]\nn = 6\n", ["model.ini:34: section [data] is repeated (first on line 4)"]),
    ("unknown_section", MODEL + "\n[priors]\n", ["model.ini:34: unknown section [priors]"]),
    ("unknown_key", edit(MODEL, "n = 6\n", "n = 6\nnn = 6\n"), ["model.ini:6: [data] nn: unknown key"]),
    ("key_before_section", "n = 6\n" + MODEL, ["model.ini:1: key before the first [section]"]),
    ("header_without_bracket", edit(MODEL, "[family]", "[family"),
     ["model.ini:8: malformed section header '[family'"]),
    ("empty_section_name", edit(MODEL, "[family]", "[ ]"), ["model.ini:8: malformed section header"]),
    ("line_without_equals", edit(MODEL, "n = 6\n", "n 6\n"), ["model.ini:5: expected 'key = value'"]),
    ("empty_key", edit(MODEL, "n = 6\n", "n = 6\n= 6\n"), ["model.ini:6: empty key"]),
    ("control_character_in_key", edit(MODEL, "n = 6\n", "n\x01 = 6\n"),
     ["model.ini:5: key 'n\\x01' contains a character that is not printable ASCII"]),
    ("non_numeric_integer", edit(MODEL, "n = 6\n", "n = six\n"),
     ["model.ini:5: [data] n: expected an integer, got 'six'"]),
    ("non_numeric_number", edit(MODEL, "prec = 0\n", "prec = zero\n"),
     ["model.ini:13: [fixed.0] prec: expected a number, got 'zero'"]),
    ("fractional_integer", edit(MODEL, "n = 6\n", "n = 6.0\n"), ["model.ini:5: [data] n: expected an integer"]),
    ("huge_number", edit(MODEL, "prec = 0\n", "prec = 1e999\n"),
     ["model.ini:13: [fixed.0] prec: the number '1e999' is out of range"]),
    ("huge_integer", edit(MODEL, "n = 6\n", "n = 99999999999999999999\n"),
     ["model.ini:5: [data] n: the integer '99999999999999999999' is out of range"]),
    ("integer_beyond_int", edit(MODEL, "n = 6\n", "n = 4294967302\n"),
     ["model.ini:5: [data] n: the integer '4294967302' is out of range"]),
    ("nan_number", edit(MODEL, "prec = 0\n", "prec = nan\n"),
     ["model.ini:13: [fixed.0] prec: expected a finite number, got 'nan'"]),
    ("infinite_number", edit(MODEL, "prec = 0\n", "prec = inf\n"), ["model.ini:13: [fixed.0] prec:"]),
    ("nan_in_list", edit(MODEL, "name = gaussian\n", "name = gaussian\nhyper.prec.param = 1 nan\n"),
     ["model.ini:10: [family] hyper.prec.param: expected a finite number, got 'nan'"]),
    ("bad_boolean", edit(MODEL, "num_threads = 1:1\n", "num_threads = 1:1\nverbose = yes\n"),
     ["model.ini:3: [run] verbose: expected true or false, got 'yes'"]),
    ("missing_key", edit(MODEL, "n = 6\n", ""), ["model.ini:4: [data] n: missing key"]),
    ("negative_n", edit(MODEL, "n = 6\n", "n = -6\n"), ["model.ini:5: [data] n:"]),
    ("long_value", edit(MODEL, "name = gaussian", "name = " + "g" * 1_000_000),
     ["model.ini:9: [family] name: unknown family"]),
    ("long_key", edit(MODEL, "n = 6\n", "n = 6\n" + "k" * 1_000_000 + " = 1\n"), ["model.ini:6: [data] kkk"]),
    ("long_section_name", MODEL + "[" + "s" * 1_000_000 + "]\n", ["model.ini:33: unknown section [sss"]),
    ("long_garbage_line", MODEL + "x" * 1_000_000 + "\n", ["model.ini:33: expected 'key = value'"]),
]


@pytest.mark.parametrize("content, fragments", [case[1:] for case in MODEL_FILE_CASES],
                         ids=[case[0] for case in MODEL_FILE_CASES])
def test_damaged_model_file(needs_engine, tmp_path, content, fragments):
    folder = write_run_directory(tmp_path, model=content)
    check_failure(run_engine(needs_engine, folder, "--check"), EXIT_MODEL_FILE, *fragments)


def test_missing_model_file(needs_engine, tmp_path):
    result = run_engine(needs_engine, tmp_path, "--check", model="missing.ini")
    check_failure(result, EXIT_MODEL_FILE, "missing.ini: cannot open the model file: No such file or directory")


def test_model_file_is_directory(needs_engine, tmp_path):
    (tmp_path / "model.ini").mkdir()
    result = run_engine(needs_engine, tmp_path, "--check")
    check_failure(result, EXIT_MODEL_FILE, "model.ini: cannot open the model file: is a directory")


def test_model_error_fails_full_run(needs_engine, tmp_path):
    """Without --check the same error line and code, and no results folder."""
    folder = write_run_directory(tmp_path, model=edit(MODEL, "n = 6\n", "n = six\n"))
    check_failure(run_engine(needs_engine, folder), EXIT_MODEL_FILE, "model.ini:5: [data] n:")
    assert not (folder / "results").exists()


# --- the data files ------------------------------------------------------------------------------------------

GARBAGE_WITH_NUL = bytes(range(256)) * 4
GARBAGE_WITHOUT_NUL = bytes(range(1, 256)) * 4

DATA_FILE_CASES = [
    # (id, file, content, fragments of the error line)
    ("response_too_few", "data/response.dat", "1\n2\n3\n4\n5\n",
     ["data/response.dat: expected 6 values, found 5"]),
    ("response_too_many", "data/response.dat", "1\n2\n3\n4\n5\n6\n7\n",
     ["data/response.dat:7: more than the expected 6 values"]),
    ("response_not_a_number", "data/response.dat", "1\n2\nthree\n4\n5\n6\n",
     ["data/response.dat:3: expected one number, got 'three'"]),
    ("response_huge", "data/response.dat", "1\n2\n1e999\n4\n5\n6\n",
     ["data/response.dat:3: the number '1e999' is out of range"]),
    ("response_infinite", "data/response.dat", "1\n2\ninf\n4\n5\n6\n", ["data/response.dat:3: infinite value"]),
    ("response_two_numbers", "data/response.dat", "1\n2 3\n4\n5\n6\n7\n", ["data/response.dat:2: expected one number"]),
    ("response_binary_with_nul", "data/response.dat", GARBAGE_WITH_NUL, ["data/response.dat:1: binary data"]),
    ("response_binary_without_nul", "data/response.dat", GARBAGE_WITHOUT_NUL, ["data/response.dat:"]),
    ("response_long_line", "data/response.dat", "1\n" + "9" * 1_000_000 + "x\n3\n4\n5\n6\n",
     ["data/response.dat:2: expected one number, got '999"]),
    ("covariate_nan", "data/x.dat", "0.5\nnan\n0.25\n2\n0\n1.5\n",
     ["data/x.dat:2: missing value (nan) is not allowed here"]),
    ("covariate_na", "data/x.dat", "0.5\n-1\nNA\n2\n0\n1.5\n", ["data/x.dat:3: missing value (nan)"]),
    ("index_out_of_range", "data/area.index.dat", "0\n1\n2\n4\n0\n2\n",
     ["data/area.index.dat:4: level 4 outside 0..3"]),
    ("index_negative", "data/area.index.dat", "0\n1\n-2\n3\n0\n2\n",
     ["data/area.index.dat:3: level -2 outside 0..3 (or -1 for none)"]),
    ("index_not_integer", "data/area.index.dat", "0\n1\n2.5\n3\n0\n2\n",
     ["data/area.index.dat:3: expected one integer, got '2.5'"]),
    ("index_beyond_int", "data/area.index.dat", "0\n1\n2\n4294967296\n0\n2\n",
     ["data/area.index.dat:4: the number '4294967296' is out of range"]),
    ("labels_too_few", "data/area.labels.txt", "north\neast\n", ["data/area.labels.txt: expected 4 labels, found 2"]),
    ("labels_too_many", "data/area.labels.txt", "a\nb\nc\nd\ne\n",
     ["data/area.labels.txt:5: more than the expected 4 labels"]),
    ("graph_empty", "data/graph.txt", "", ["data/graph.txt: empty graph file"]),
    ("graph_bad_count", "data/graph.txt", "0\n", ["data/graph.txt:1: the first number must be the node count n > 0"]),
    ("graph_too_few_nodes", "data/graph.txt", "5\n1 2 2 4\n2 2 1 3\n3 2 2 4\n4 2 3 1\n",
     ["data/graph.txt:5: expected 5 node records, found 4"]),
    ("graph_too_many_nodes", "data/graph.txt", "3\n1 2 2 4\n2 2 1 3\n3 2 2 4\n4 2 3 1\n",
     ["data/graph.txt:5: extra numbers after the 3 node records"]),
    ("graph_asymmetric", "data/graph.txt", "4\n1 2 2 4\n2 2 1 3\n3 1 2\n4 2 3 1\n",
     ["data/graph.txt:", "the graph is not symmetric: node 4 lists 3"]),
    ("graph_self_neighbour", "data/graph.txt", "4\n1 2 2 4\n2 3 1 2 3\n3 2 2 4\n4 2 3 1\n",
     ["data/graph.txt:3: node 2 is its own neighbour"]),
    ("graph_id_out_of_range", "data/graph.txt", "4\n1 2 2 4\n2 2 1 3\n3 2 2 5\n4 2 3 1\n",
     ["data/graph.txt:4: node id 5 is outside 0..n-1 and 1..n with n = 4"]),
    ("graph_negative_id", "data/graph.txt", "4\n1 2 2 4\n-2 2 1 3\n3 2 2 4\n4 2 3 1\n",
     ["data/graph.txt:3: node id -2 is outside 0..n-1 and 1..n with n = 4"]),
    ("graph_mixed_numbering", "data/graph.txt", "4\n0 1 1\n1 1 0\n2 1 4\n4 1 2\n",
     ["data/graph.txt:4: node ids mix the numberings 0..n-1 and 1..n: id 0 on line 2 and id n = 4"]),
    ("graph_node_twice", "data/graph.txt", "4\n1 2 2 4\n2 2 1 3\n2 2 1 3\n4 2 3 1\n",
     ["data/graph.txt:4: node 2 is listed twice (first on line 3)"]),
    ("graph_truncated", "data/graph.txt", "4\n1 2 2 4\n2 2 1 3\n3 2 2 4\n4 2 3",
     ["data/graph.txt:5: node 4: the number of neighbours, 2, is negative or more than the 1 numbers left"]),
    ("graph_count_missing", "data/graph.txt", "4\n1 2 2 4\n2 2 1 3\n3 2 2 4\n4\n",
     ["data/graph.txt:5: node 4: the number of neighbours is missing"]),
    ("graph_huge_count", "data/graph.txt", "4\n1 2147483647 2 4\n",
     ["data/graph.txt:2: node 1: the number of neighbours, 2147483647, is negative or more"]),
    ("graph_negative_count", "data/graph.txt", "4\n1 -1 2 4\n",
     ["data/graph.txt:2: node 1: the number of neighbours, -1"]),
    ("graph_not_integer", "data/graph.txt", "4\n1 2 2 4.0\n", ["data/graph.txt:2: expected integers, got '4.0'"]),
    ("graph_huge_id", "data/graph.txt", "4\n1 2 2 99999999999999999999\n",
     ["data/graph.txt:2: the number '99999999999999999999' is out of range"]),
    ("graph_binary", "data/graph.txt", GARBAGE_WITH_NUL, ["data/graph.txt:1: binary data"]),
    ("cmatrix_index_out_of_range", "data/cmatrix.dat", "0 0 2\n1 1 2\n2 3 2\n",
     ["data/cmatrix.dat:3: index (2, 3) outside 0..2"]),
    ("cmatrix_negative_index", "data/cmatrix.dat", "0 0 2\n-1 1 2\n",
     ["data/cmatrix.dat:2: index (-1, 1) outside 0..2"]),
    ("cmatrix_conflicting_duplicate", "data/cmatrix.dat", "0 0 2\n1 1 2\n2 2 2\n0 1 -1\n1 0 -2\n",
     ["data/cmatrix.dat:5: entry (1, 0) is given twice with different values (first on line 4)"]),
    ("cmatrix_diagonal_twice", "data/cmatrix.dat", "0 0 2\n1 1 2\n2 2 2\n1 1 2\n",
     ["data/cmatrix.dat:4: entry (1, 1) is given twice on the diagonal (first on line 2)"]),
    ("cmatrix_two_fields", "data/cmatrix.dat", "0 0 2\n1 1\n", ["data/cmatrix.dat:2: expected 'i j value', got '1 1'"]),
    ("cmatrix_nan", "data/cmatrix.dat", "0 0 2\n1 1 nan\n", ["data/cmatrix.dat:2:", "a finite value"]),
    ("cmatrix_huge_value", "data/cmatrix.dat", "0 0 1e999\n",
     ["data/cmatrix.dat:1: the number '1e999' is out of range"]),
]


@pytest.mark.parametrize("name, content, fragments", [case[1:] for case in DATA_FILE_CASES],
                         ids=[case[0] for case in DATA_FILE_CASES])
def test_damaged_data_file(needs_engine, tmp_path, name, content, fragments):
    assert name in DATA_FILES
    folder = write_run_directory(tmp_path, files={name: content})
    check_failure(run_engine(needs_engine, folder, "--check"), EXIT_DATA_FILE, *fragments)


@pytest.mark.parametrize("key, value, fragments", [
    ("response", "data/missing.dat", ["data/missing.dat: cannot open the data file: No such file or directory"]),
    ("response", "data", ["data: cannot open the data file: is a directory"]),
    ("response", "/dev/zero", ["/dev/zero: cannot open the data file: is not a regular file"]),
    ("graph", "data/missing.txt", ["data/missing.txt: cannot open the data file"]),
], ids=["missing", "directory", "device", "missing_graph"])
def test_unreadable_data_file(needs_engine, tmp_path, key, value, fragments):
    old = {"response": "response = data/response.dat", "graph": "graph = data/graph.txt",
           "cmatrix": "cmatrix = data/cmatrix.dat"}[key]
    folder = write_run_directory(tmp_path, model=edit(MODEL, old, f"{key} = {value}"))
    check_failure(run_engine(needs_engine, folder, "--check"), EXIT_DATA_FILE, *fragments)


def test_empty_data_file_name(needs_engine, tmp_path):
    # An empty file name is a fault of the model file, named by its section and key.
    folder = write_run_directory(tmp_path, model=edit(MODEL, "cmatrix = data/cmatrix.dat", "cmatrix ="))
    check_failure(run_engine(needs_engine, folder, "--check"), EXIT_MODEL_FILE, "cmatrix: the file name is empty")


def test_graph_size_differs_from_n(needs_engine, tmp_path):
    folder = write_run_directory(tmp_path, files={"data/graph.txt": "3\n1 1 2\n2 2 1 3\n3 1 2\n"})
    check_failure(run_engine(needs_engine, folder, "--check"), EXIT_MODEL_FILE,
                  "model.ini:25: [random.0] graph: the graph has 3 nodes but n = 4")


# --- accepted variants ---------------------------------------------------------------------------------------


def write_crlf_run_directory(folder: Path) -> Path:
    return write_run_directory(folder, model=MODEL.replace("\n", "\r\n"),
                               files={name: text.replace("\n", "\r\n") for name, text in DATA_FILES.items()})


def test_crlf_line_endings_accepted(needs_engine, tmp_path):
    folder = write_crlf_run_directory(tmp_path)
    assert b"\r\n" in (folder / "data" / "graph.txt").read_bytes()
    check_success(run_engine(needs_engine, folder, "--check"))


def test_crlf_fit_equals_lf_fit(needs_engine, tmp_path):
    """CRLF files give the very same results as LF files, labels included."""
    lf = write_run_directory(tmp_path / "lf")
    crlf = write_crlf_run_directory(tmp_path / "crlf")
    check_success(run_engine(needs_engine, lf))
    check_success(run_engine(needs_engine, crlf))
    for name in ["summary_fixed.csv", "summary_random.0.csv", "summary_random.1.csv", "summary_hyperpar.csv"]:
        lf_text = (lf / "results" / name).read_text()
        assert (crlf / "results" / name).read_text() == lf_text, name
    assert "north," in (crlf / "results" / "summary_random.0.csv").read_text()


def test_byte_order_mark_accepted(needs_engine, tmp_path):
    response = b"\xef\xbb\xbf" + DATA_FILES["data/response.dat"].encode()
    folder = write_run_directory(tmp_path, model=b"\xef\xbb\xbf" + MODEL.encode(),
                                 files={"data/response.dat": response})
    check_success(run_engine(needs_engine, folder, "--check"))


def test_long_lines_accepted(needs_engine, tmp_path):
    """A long comment, long white space and a number with many digits are valid."""
    model = "# " + "c" * 1_000_000 + "\n" + edit(MODEL, "prec = 0\n", "prec = " + "0" * 100_000 + "\n")
    response = "#" + "c" * 1_000_000 + "\n" + " " * 100_000 + "1.2\n0.4\nnan\n2.1\n1.7\n0.9\n"
    folder = write_run_directory(tmp_path, model=model, files={"data/response.dat": response})
    check_success(run_engine(needs_engine, folder, "--check"))


def test_tiny_number_accepted(needs_engine, tmp_path):
    """A number that underflows to a subnormal or to zero is a valid number, not an error."""
    folder = write_run_directory(tmp_path, model=edit(MODEL, "prec = 0\n", "prec = 1e-400\n"),
                                 files={"data/x.dat": "0.5\n-1\n4e-320\n2\n0\n1.5\n"})
    check_success(run_engine(needs_engine, folder, "--check"))


# --- the fuzzers' regression inputs --------------------------------------------------------------------------

# The run directory of the read_model fuzzer (cpp/fuzz/fuzz_read_model.cpp), which its inputs refer to.
FUZZ_RUN_FILES = {
    "response.dat": "1\n0\nnan\n2\n",
    "x.dat": "0.5\n-1\n2\n0\n",
    "ntrials.dat": "3\n3\n3\n3\n",
    "index.dat": "0\n1\n2\n0\n",
    "labels.txt": "a\nb\nc\n",
    "graph.txt": "3\n1 1 2\n2 2 1 3\n3 1 2\n",
    "cmatrix.dat": "0 0 2\n1 1 2\n2 2 2\n0 1 -1\n1 0 -1\n",
}
FUZZ_DATA_SEPARATOR = b"\n#fuzz.dat\n"

# A model file for each reader of a data file, with the data file to test as fuzz.dat.
DATA_FILE_ROLES = {
    "vector": "[data]\nn = 4\nresponse = fuzz.dat\n[family]\nname = gaussian\n[fixed.0]\nname = a\n",
    "covariate": "[data]\nn = 4\nresponse = response.dat\n[family]\nname = gaussian\n"
                 "[fixed.0]\nname = a\nvalues = fuzz.dat\n",
    "index": "[data]\nn = 4\nresponse = response.dat\n[family]\nname = gaussian\n"
             "[random.0]\nname = a\nmodel = iid\nn = 3\nindex = fuzz.dat\n",
    "labels": "[data]\nn = 4\nresponse = response.dat\n[family]\nname = gaussian\n"
              "[random.0]\nname = a\nmodel = iid\nn = 3\nindex = index.dat\nlabels = fuzz.dat\n",
    "graph": "[data]\nn = 4\nresponse = response.dat\n[family]\nname = gaussian\n"
             "[random.0]\nname = a\nmodel = besag\nn = 3\nindex = index.dat\ngraph = fuzz.dat\n",
    "cmatrix": "[data]\nn = 4\nresponse = response.dat\n[family]\nname = gaussian\n"
               "[random.0]\nname = a\nmodel = generic0\nn = 3\nindex = index.dat\ncmatrix = fuzz.dat\n",
}


def regression_inputs(reader: str) -> list[Path]:
    return sorted(path for path in (REGRESSIONS / reader).glob("*") if path.is_file())


def check_promise(result) -> None:
    """Success with a silent stderr, or a documented exit code with one error line."""
    assert result.returncode >= 0, f"the engine was killed by signal {-result.returncode}"
    assert result.returncode in CHECK_EXIT_CODES, f"exit code {result.returncode}"
    if result.returncode == 0:
        assert result.stderr == b""
    else:
        message = error_line(result)
        assert message.startswith(("model.ini", "fuzz.dat", "/", "response.dat", "x.dat", "index.dat",
                                   "labels.txt", "graph.txt", "cmatrix.dat")) or result.returncode == 4, message


def write_fuzz_run(folder: Path, model: bytes, data: bytes = b"") -> None:
    for name, content in FUZZ_RUN_FILES.items():
        (folder / name).write_text(content)
    (folder / "model.ini").write_bytes(model)
    (folder / "fuzz.dat").write_bytes(data)


@pytest.mark.parametrize("reader", ["ini_reader", "data_readers", "read_model"])
def test_regression_folders_not_empty(reader):
    assert regression_inputs(reader), f"no regression inputs in {REGRESSIONS / reader}"


@pytest.mark.parametrize("path", regression_inputs("ini_reader") + regression_inputs("read_model"),
                         ids=lambda path: f"{path.parent.name}/{path.name}")
def test_model_regression_input(needs_engine, tmp_path, path):
    # Only the read_model fuzzer splits its input into a model file and fuzz.dat.
    content = path.read_bytes()
    model, _, data = content.partition(FUZZ_DATA_SEPARATOR) if path.parent.name == "read_model" else (content, b"", b"")
    write_fuzz_run(tmp_path, model, data)
    check_promise(run_engine(needs_engine, tmp_path, "--check"))


@pytest.mark.parametrize("role", list(DATA_FILE_ROLES))
@pytest.mark.parametrize("path", regression_inputs("data_readers"), ids=lambda path: path.name)
def test_data_regression_input(needs_engine, tmp_path, path, role):
    write_fuzz_run(tmp_path, DATA_FILE_ROLES[role].encode(), path.read_bytes())
    check_promise(run_engine(needs_engine, tmp_path, "--check"))


def test_empty_file_name_names_the_key(needs_engine, tmp_path):
    engine, env = needs_engine
    run = tmp_path / "run"
    run.mkdir()
    (run / "y.dat").write_text("1\n2\n3\n")
    (run / "model.ini").write_text("[data]\nn = 3\nresponse = y.dat\nE =\n[family]\nname = poisson\n"
                                   "[fixed.0]\nname = (Intercept)\nprec = 0\n")
    completed = subprocess.run([str(engine), str(run / "model.ini")], capture_output=True, text=True, env=env,
                               timeout=30)
    assert completed.returncode == 2
    assert "[data] E: the file name is empty" in completed.stderr


def extra_term(body: str) -> str:
    """MODEL with a third random term, [random.2], on the generic0 term's index file (levels 0..2)."""
    return MODEL + "\n[random.2]\nname = extra\nindex = data/g.index.dat\n" + body


@pytest.mark.parametrize("body, fragments", [
    ("model = ar\nn = 5\norder = 11\n", ["[random.2] order: the order of an ar model must be in 1..10"]),
    ("model = ar\nn = 3\norder = 3\n", ["[random.2] n: an ar model of order p needs more than p levels"]),
    ("model = ar\nn = 5\n", ["[random.2] order: missing key"]),
    ("model = copy\nn = 3\ncopy = nothing\n", ["[random.2] copy: no other random term is named 'nothing'"]),
    ("model = copy\nn = 4\ncopy = g\n", ["[random.2] n: the copy has 4 levels but 'g' has 3"]),
    ("model = copy\nn = 3\ncopy = g\nprecision = 0\n", ["[random.2] precision: must be positive"]),
    ("model = z\nn = 3\nzmatrix = data/z.dat\n", ["[random.2] zcols: missing key"]),
    ("model = copy\nn = 3\ncopy = g\nreplicates = 2\nreplicate = data/g.index.dat\n",
     ["[random.2] replicates: a copy takes the levels of the term it copies"]),
], ids=["ar_order", "ar_too_short", "ar_no_order", "copy_unknown", "copy_size", "copy_precision", "z_no_columns",
        "copy_replicated"])
def test_ar_copy_z_settings_are_checked(needs_engine, tmp_path, body, fragments):
    folder = write_run_directory(tmp_path, model=extra_term(body), files={"data/z.dat": "0 0 1\n"})
    check_failure(run_engine(needs_engine, folder, "--check"), EXIT_MODEL_FILE, "model.ini:", *fragments)


@pytest.mark.parametrize("content, fragments", [
    ("0 0 1\n3 1 2\n", ["data/z.dat:2: index (3, 1) outside the 3 x 2 matrix (0-based)"]),
    ("0 0 1\n0 0 2\n", ["data/z.dat:2: entry (0, 0) is given twice (first on line 1)"]),
    ("0 0 1\n1 1\n", ["data/z.dat:2: expected 'i j value', got '1 1'"]),
], ids=["outside", "twice", "two_fields"])
def test_damaged_z_matrix(needs_engine, tmp_path, content, fragments):
    model = extra_term("model = z\nn = 3\nzcols = 2\nzmatrix = data/z.dat\n")
    folder = write_run_directory(tmp_path, model=model, files={"data/z.dat": content})
    check_failure(run_engine(needs_engine, folder, "--check"), EXIT_DATA_FILE, *fragments)


def test_structure_not_positive_definite_names_the_section(needs_engine, tmp_path):
    engine, env = needs_engine
    run = tmp_path / "run"
    run.mkdir()
    (run / "y.dat").write_text("1\n2\n3\n")
    (run / "i.dat").write_text("0\n1\n2\n")
    (run / "c.dat").write_text("0 0 1\n1 1 -1\n2 2 1\n")  # an indefinite Cmatrix
    (run / "model.ini").write_text("[data]\nn = 3\nresponse = y.dat\n[family]\nname = gaussian\n"
                                   "[fixed.0]\nname = (Intercept)\nprec = 0\n"
                                   "[random.0]\nname = u\nmodel = generic0\nn = 3\nindex = i.dat\ncmatrix = c.dat\n")
    completed = subprocess.run([str(engine), str(run / "model.ini")], capture_output=True, text=True, env=env,
                               timeout=30)
    assert completed.returncode == 4
    assert "[random.0]" in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
