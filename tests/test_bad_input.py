"""Bad input ends with one clear line on stderr, exit status 2, no traceback, nothing lost."""


import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SCRIPT, assert_one_line_error, run_script
from hypothesis import given, settings
from hypothesis import strategies as st

import nn_backprop as nb

GOOD = (ROOT / "irisTrainData.txt").read_text()
FIRST = GOOD.splitlines()[:3]


DATA_CASES = {  # name: (file content, what the message must say)
    "empty": ("", ["holds no data"]),
    "only blank lines": ("\n\n  \n", ["holds no data"]),
    "header line": ("sepal_length,sepal_width,a,b,c,d,e\n" + GOOD, ["line 1", "a header line?"]),
    "blank line inside": ("\n".join(FIRST[:2] + [""] + FIRST[2:]) + "\n", ["line 3", "blank"]),
    "more columns": ("\n".join(FIRST[:2] + [FIRST[2] + ",0"]) + "\n", ["line 3", "8 values"]),
    "fewer columns": ("\n".join(FIRST[:1] + ["5.1,3.5,1.4,1,0,0"]) + "\n", ["line 2", "6 values"]),
    "non-numeric": ("5.1,3.5,1.4,0.2,1,0,0\n4.9,x3.0,1.4,0.2,1,0,0\n",
                    ["line 2, column 2", "'x3.0'"]),
    "nan": ("5.1,3.5,1.4,0.2,1,0,0\n4.9,nan,1.4,0.2,1,0,0\n", ["line 2, column 2", "finite"]),
    "infinity": ("5.1,3.5,1.4,inf,1,0,0\n", ["line 1, column 4", "finite"]),
    "beyond float32": ("5.1,3.5,1.4,1e39,1,0,0\n", ["line 1, column 4", "finite"]),
    "not one-hot": ("5.1,3.5,1.4,0.2,1,0,0\n4.9,3.0,1.4,0.2,0.5,0.5,0\n", ["line 2", "one 1"]),
    "two ones": ("5.1,3.5,1.4,0.2,1,1,0\n", ["line 1", "5-7"]),
    "another delimiter": ("5.1;3.5;1.4;0.2;1;0;0\n", ["line 1", "commas"]),
    "tabs": ("5.1\t3.5\t1.4\t0.2\t1\t0\t0\n", ["line 1", "commas"]),
}


@pytest.mark.parametrize("case", list(DATA_CASES))
def test_bad_training_file(case, tmp_path):
    content, fragments = DATA_CASES[case]
    path = tmp_path / "train.txt"
    path.write_text(content)
    assert_one_line_error(run_script("--train", path, cwd=tmp_path), str(path), *fragments)


FAULTY_LINE = "x,0,0,0,1,0,0"  # sends a file to the slower parser, which names the line


@pytest.mark.parametrize("value", ["6_9", "\u0665"])
def test_a_value_is_a_plain_decimal_number_whichever_parser_reads_the_file(value, tmp_path):
    """Python's float takes 6_9 as 69 and the Arabic-Indic digit five as 5; NumPy's parser
    takes neither. Refused alone, and with a faulty line after it."""
    rows = GOOD.splitlines()
    rows[2] = value + rows[2][rows[2].index(","):]
    for extra in ([], [FAULTY_LINE]):
        path = tmp_path / "train.txt"
        path.write_text("\n".join(rows + extra) + "\n")
        with pytest.raises(nb.DataError, match="line 3, column 1: .* is not a number"):
            nb.loadFile(path)


@pytest.mark.parametrize("blank", ["\x1c", "\x1f", "\x0b", "\u3000"])
def test_a_blank_is_a_blank_whichever_parser_reads_the_file(blank, tmp_path):
    """NumPy's parser takes \\x1c-\\x1f as blanks and Python's float does not: the fault
    named is the file's real one, wherever the blanks are."""
    rows = GOOD.splitlines()
    rows[2] = blank + rows[2].replace(",", blank + ",", 1)
    path = tmp_path / "train.txt"
    path.write_text("\n".join(rows) + "\n")
    np.testing.assert_array_equal(nb.loadFile(path), nb.loadFile(ROOT / "irisTrainData.txt"))
    path.write_text("\n".join(rows + [FAULTY_LINE]) + "\n")
    with pytest.raises(nb.DataError, match="line 121, column 1: 'x' is not a number"):
        nb.loadFile(path)


@pytest.mark.parametrize("garbage, why", [(bytes(range(1, 256)) * 4, "not UTF-8"),
                                          (GOOD[:40].encode() + b"\0\0\0\n", "NUL bytes")])
def test_binary_garbage(garbage, why, tmp_path):
    path = tmp_path / "train.txt"
    path.write_bytes(garbage)
    assert_one_line_error(run_script("--train", path, cwd=tmp_path), str(path), "not a text file",
                          why)


def test_missing_file_and_folder(tmp_path):
    missing = tmp_path / "nope.txt"
    assert_one_line_error(run_script("--train", missing, cwd=tmp_path), str(missing),
                          "No such file")
    assert_one_line_error(run_script("--test", tmp_path, cwd=tmp_path), str(tmp_path), "folder")


def test_unreadable_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "train.txt"
    path.write_text(GOOD)
    real_open = open

    def refuse(file, *args, **kwargs):  # tests run as root, who can read a chmod 000 file
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    assert nb.cli(["--train", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "Permission denied" in err


def test_trailing_blank_lines_are_fine(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(GOOD + "\n\n")
    np.testing.assert_array_equal(nb.loadFile(path), nb.loadFile(ROOT / "irisTrainData.txt"))


def test_test_file_with_other_columns(tmp_path):
    path = tmp_path / "test.txt"
    path.write_text("5.1,3.5,1.4,1,0,0\n")
    assert_one_line_error(run_script("--test", path, cwd=tmp_path), str(path), "6 columns",
                          "has 7")


@pytest.mark.parametrize("args, fragment", [
    (["--epochs", "-1"], "--epochs"), (["--hidden", "0"], "--hidden"),
    (["--inputs", "0"], "--inputs"), (["--batch-size", "0"], "--batch-size"),
    (["--lr", "0"], "--lr"), (["--lr", "-1"], "--lr"), (["--lr", "nan"], "--lr"),
    (["--lr", "inf"], "--lr"), (["--lr", "fast"], "--lr"),
    (["--momentum", "1"], "--momentum"), (["--momentum", "-0.1"], "--momentum"),
    (["--print-every", "-1"], "--print-every"), (["--error", "mae"], "--error"),
    (["--activation", "gelu"], "--activation"), (["--epochs", "ten"], "--epochs"),
    (["--optimizer", "rmsprop"], "--optimizer"),
    (["--epochs", "1_0"], "--epochs"), (["--hidden", "\uff15"], "--hidden"),
    (["--lr", "0_05"], "--lr"), (["--seeds", "1-1_0"], "--seeds"),
    (["--optimizer", "adam", "--momentum", "0.5"], "--momentum: not with --optimizer adam"),
    (["--inputs", "7"], "--inputs 7"), (["--inputs", "9"], "--inputs 9"),
    (["--init-range", "1e39"], "--init-range: 1e39 is not a positive number of at most 3.4e38"),
    (["--seed", "3", "--seeds", "1-2"], "--seeds: not allowed with argument --seed"),
])
def test_bad_options(args, fragment, tmp_path):
    result = run_script(*args, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert fragment in result.stderr.strip().splitlines()[-1]


def save_initial(tmp_path, shape=(4, 5, 3)):
    path = tmp_path / "w.txt"
    nb.save_weights(path, nb.NeuralNetwork(*shape, seed=1))
    return path


@pytest.mark.parametrize("edit, fragments", [
    (lambda lines: lines[:-1], ["holds 42 weights", "43"]),
    (lambda lines: lines + ["0.5"], ["holds 44 weights"]),
    (lambda lines: lines[:5] + ["abc"] + lines[6:], ["line 6", "'abc'"]),
    (lambda lines: lines[:5] + ["nan"] + lines[6:], ["line 6", "finite"]),
    (lambda lines: lines[:5] + ["0.1,0.2"] + lines[6:], ["line 6", "2 values"]),
    (lambda lines: lines[:1] + [v + ",0" for v in lines[1:]], ["line 2", "one number per line"]),
    (lambda lines: lines[:1] + [lines[1] + "," + lines[2]] + lines[3:],
     ["line 2", "2 values", "one number per line"]),
    (lambda lines: lines[:1], ["holds no weights, only a '#' line"]),
    (lambda lines: ["#"], ["holds no weights, only a '#' line"]),
    (lambda lines: lines[:5] + ["# a note"] + lines[5:], ["line 6", "only the first line"]),
    (lambda lines: lines[:5] + ["1_0"] + lines[6:], ["line 6", "'1_0' is not a number"]),
])
def test_bad_weights_file(edit, fragments, tmp_path):
    path = save_initial(tmp_path)
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    assert_one_line_error(run_script("--load-weights", path, cwd=tmp_path), str(path), *fragments)


@pytest.mark.parametrize("header", [" # nn_backprop weights 4-5-3, in getWeights order",
                                    "# saved 2024-05-01"])
def test_a_first_line_note_is_a_header_whatever_it_says(header, tmp_path):
    """A first '#' line is a note; only save_weights's own names a shape to check."""
    path = save_initial(tmp_path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([header] + lines[1:]) + "\n")
    np.testing.assert_array_equal(nb.load_weights(path, (4, 5, 3)),
                                  nb.NeuralNetwork(4, 5, 3, seed=1).getWeights())


def test_a_batch_larger_than_the_data_is_the_whole_data(tmp_path):
    """--batch-size beyond the 120 rows trains as --batch-size 120 does, whatever the size."""
    runs = [run_script("--batch-size", size, "--epochs", "3", cwd=tmp_path)
            for size in ("120", "1000000000000")]
    assert [r.returncode for r in runs] == [0, 0]
    assert runs[0].stdout.replace("= 120", "") == runs[1].stdout.replace("= 1000000000000", "")


def test_weights_of_another_shape(tmp_path):
    path = save_initial(tmp_path, shape=(4, 6, 3))
    assert_one_line_error(run_script("--load-weights", path, cwd=tmp_path), "4-6-3", "4-5-3")
    path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n")  # no header: count
    assert_one_line_error(run_script("--load-weights", path, cwd=tmp_path), "holds 51 weights")
    assert_one_line_error(run_script("--load-weights", tmp_path / "none", cwd=tmp_path),
                          "No such file")


def test_training_that_stops_being_finite(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("\n".join(["3e38"] * 43) + "\n")
    result = run_script("--load-weights", path, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("nn_backprop.py: error: training stopped being finite in "
                                     "epoch 1 (a weight became NaN or infinite); try a smaller "
                                     "learning rate (--lr)")
    assert "nan" not in result.stdout.lower()


def test_set_weights_rejects_non_finite_values():
    nn = nb.NeuralNetwork(4, 5, 3, seed=0)
    with pytest.raises(ValueError, match="finite"):
        nn.setWeights([np.nan] + [0.0] * 42)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.,-+eEnaifNI \t;\n\r#x_")), max_size=80)
       | st.text(max_size=80))
def test_any_text_loads_a_matrix_or_raises_data_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("prop") / "data.txt"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        m = nb.loadFile(path)
    except nb.DataError as e:
        assert str(e).startswith(str(path))
        return
    assert m.dtype == np.float32 and m.ndim == 2 and m.size > 0 and np.isfinite(m).all()


LINE_ENDS = ["\n", "\r\n", "\r"]
INSIDE = ["\f", "\v", "\u2028", "\u2029", "\x85"]  # blanks to float(), no line ends


@settings(max_examples=80, deadline=None)
@given(ends=st.lists(st.sampled_from(LINE_ENDS), min_size=8, max_size=8),
       inside=st.lists(st.sampled_from(INSIDE), min_size=8, max_size=8),
       bad=st.integers(0, 7), extra=st.one_of(st.none(), st.integers(0, 7)))
def test_line_numbers_are_the_ones_an_editor_shows(tmp_path_factory, ends, inside, bad, extra):
    """Only \\n, \\r\\n and \\r end a line; a form feed, U+2028 and the like do not.

    Each row gets such a character before its first comma (a blank to float()); row `bad`
    starts with 'x'; ending row `extra` with \\r\\r\\n puts a blank line after it.
    """
    rows = [row[:3] + mark + row[3:] for row, mark in
            zip(GOOD.splitlines()[:8], inside, strict=True)]
    rows[bad] = "x" + rows[bad][3:]
    if extra is not None:
        ends[extra] = "\r\r\n"
    path = tmp_path_factory.mktemp("ends") / "data.txt"
    path.write_bytes("".join(r + e for r, e in zip(rows, ends, strict=True)).encode())
    with pytest.raises(nb.DataError) as raised:
        nb.loadFile(path)
    if extra is not None and extra < 7:  # blank lines are found before values are read
        assert "line %d: blank line between rows" % (extra + 2) in str(raised.value)
    else:
        assert "line %d, column 1: 'x" % (bad + 1) in str(raised.value)


def test_a_windows_file_and_an_old_mac_file_load_like_a_unix_file(tmp_path):
    unix = nb.loadFile(ROOT / "irisTrainData.txt")
    for end in ("\r\n", "\r"):
        path = tmp_path / "data.txt"
        path.write_bytes(GOOD.replace("\n", end).encode())
        np.testing.assert_array_equal(nb.loadFile(path), unix)


def test_a_form_feed_inside_a_line_does_not_end_it(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("5.1,3.5,1.4,0.2,1,0,0\n4.9,3.0\f,1.4,0.2,0,1,0\n4.7,3.2,1.3,0.2,0,0,x\n",
                    newline="")
    with pytest.raises(nb.DataError, match=r"line 3, column 7: 'x'"):
        nb.loadFile(path)


@pytest.mark.parametrize("args, fragment", [
    (["--train", ""], "argument --train: the file name is empty"),
    (["--seed", "9" * 5000], "argument --seed: '999"),
    (["--error", "x" * 5000], "argument --error: invalid choice: 'xxx"),
    (["--lr", "1" * 5000 + "x"], "argument --lr: '111"),
    (["--bogus", "y" * 5000], "unrecognized arguments: --bogus yyy"),
])
def test_long_or_empty_option_values_give_one_short_line(args, fragment, tmp_path):
    result = run_script(*args, cwd=tmp_path)
    assert_one_line_error(result, fragment)
    assert len(result.stderr) <= 220


def test_a_non_one_hot_row_of_a_wide_file_gives_a_short_line(tmp_path):
    path = tmp_path / "wide.txt"
    row = ",".join(["0.5"] * 10000 + ["0", "0.5", "0.5"])
    path.write_text(row + "\n")
    result = run_script("--train", "wide.txt", "--test", "wide.txt", "--inputs", 10000,
                        cwd=tmp_path)
    assert_one_line_error(result, "wide.txt, line 1: the target columns")
    assert len(result.stderr) <= 200


def test_a_network_too_large_for_memory_is_refused_before_it_is_made(tmp_path):
    result = run_script("--hidden", 10 ** 9, cwd=tmp_path, timeout=20)
    assert_one_line_error(result, "--hidden 1000000000", "4-1000000000-3",
                          "8,000,000,003 weights", "GB of memory")


def test_an_endless_file_is_refused_before_it_fills_memory(tmp_path, monkeypatch):
    assert_one_line_error(run_script("--train", "/dev/zero", cwd=tmp_path, timeout=20),
                          "/dev/zero: not a text file (it holds NUL bytes)")
    path = tmp_path / "big.txt"
    path.write_text(GOOD * 500)  # 1.3 MB of good rows
    monkeypatch.setattr(nb, "available_memory", lambda: 5_000_000)
    with pytest.raises(nb.DataError, match="big.txt: more than 1.0 MB, a fifth of the free"):
        nb.loadFile(path)


def test_a_full_standard_output_is_one_line_and_status_1(tmp_path):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, str(SCRIPT)], stdout=full,
                                stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "nn_backprop.py: error: cannot write to standard output: No space left on device"]


INTERRUPTING_MODULE = """
# Stands in for a module: sends this process SIGINT, as a Ctrl-C does, then loads the real one.
import importlib, os, signal, sys
os.kill(os.getpid(), signal.SIGINT)
sys.path.remove(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
del sys.modules[__name__]
sys.modules[__name__] = importlib.import_module(__name__)
"""


@pytest.mark.parametrize("module", ["argparse", "numpy"])
def test_ctrl_c_while_the_script_starts_up_writes_nothing(module, tmp_path):
    """Before cli runs, a Ctrl-C ends the run as Python ends it (KeyboardInterrupt), and
    nothing has been written: an output file named is left as it was, with no temporary file."""
    (tmp_path / module).mkdir()
    (tmp_path / module / "__init__.py").write_text(INTERRUPTING_MODULE)
    weights = tmp_path / "w.txt"
    weights.write_text("precious\n")
    result = subprocess.run([sys.executable, str(SCRIPT), "--save-weights", str(weights)],
                            capture_output=True, text=True, cwd=tmp_path,
                            env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert result.returncode != 0 and result.stdout == "" and "KeyboardInterrupt" in result.stderr
    assert weights.read_text() == "precious\n"
    assert sorted(os.listdir(tmp_path)) == sorted([module, "w.txt"])


def test_without_numpy_the_run_says_so_in_one_line(tmp_path):
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "__init__.py").write_text("raise ImportError('No module named numpy')")
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert_one_line_error(result, "NumPy cannot be imported (No module named numpy)",
                          "Python 3.10+, run python3 -m pip install -e .")


def test_a_closed_standard_output_is_one_line_before_anything_is_done(tmp_path):
    weights = tmp_path / "w.txt"
    result = subprocess.run([sys.executable, str(SCRIPT), "--save-weights", str(weights)],
                            capture_output=True, text=True, cwd=tmp_path,
                            preexec_fn=lambda: os.close(1))  # as >&- does
    assert_one_line_error(result, "standard output is closed")
    assert not weights.exists()


@pytest.mark.parametrize("encoding, name, shown", [
    ("cp1252", "\u6570\u636e.txt".encode(), b"\\u6570\\u636e.txt"),
    ("utf-8", b"data-\xff.txt", b"data-\\udcff.txt")])
def test_a_file_name_standard_output_cannot_encode_is_escaped(encoding, name, shown, tmp_path):
    """The name in the 'Loading' line is escaped (\\u6570, \\udcff), not a traceback."""
    shutil.copy(ROOT / "irisTrainData.txt", os.fsencode(tmp_path) + b"/" + name)
    result = subprocess.run([sys.executable, str(SCRIPT), "--train", name], cwd=tmp_path,
                            capture_output=True, env=dict(os.environ, PYTHONIOENCODING=encoding))
    assert (result.returncode, result.stderr) == (0, b"")
    loading = next(line for line in result.stdout.splitlines() if line.startswith(b"Loading"))
    assert shown in loading
    assert result.stdout.endswith(b"End demo\n\n")


@pytest.mark.parametrize("name, shown", [("bad\nname.txt", "bad\\nname.txt"),
                                         ("x" * 3000 + ".txt", "x" * 75 + "...")])
def test_a_file_name_with_a_newline_or_of_3000_characters_gives_one_short_line(name, shown,
                                                                               tmp_path):
    result = run_script("--train", name, cwd=tmp_path)
    assert_one_line_error(result, shown)
    assert len(result.stderr) < 300


def test_a_run_in_a_deleted_folder_says_so(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--save-weights", "w.txt"], capture_output=True,
        text=True, preexec_fn=lambda: (os.chdir(gone), os.rmdir(gone)))
    assert_one_line_error(result, "--save-weights w.txt: the current folder no longer exists")


def test_running_out_of_memory_is_one_line(monkeypatch, capsys):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(nb.NeuralNetwork, "train", no_memory)
    assert nb.cli(["--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of memory" in err


def test_a_copy_of_the_script_without_the_iris_files_says_so(tmp_path):
    # what an install without -e leaves: the script in site-packages, no data beside it
    shutil.copy(ROOT / "nn_backprop.py", tmp_path)
    result = subprocess.run([sys.executable, str(tmp_path / "nn_backprop.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert_one_line_error(result, "the Iris files (irisTrainData.txt, irisTestData.txt) are "
                          "not beside the script",
                          "pip install -e . from a clone")
    assert result.stdout == ""
    given = subprocess.run([sys.executable, str(tmp_path / "nn_backprop.py"), "--train",
                            ROOT / "irisTrainData.txt", "--test", ROOT / "irisTestData.txt"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "Accuracy on 30-item test data   = 0.9667" in given.stdout


def test_a_bad_weights_file_is_refused_before_anything_is_printed(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("0.5\n" * 42)
    result = run_script("--load-weights", path, cwd=tmp_path)
    assert_one_line_error(result, "holds 42 weights")
    assert result.stdout == ""


def test_a_negative_seed_is_refused(tmp_path):
    assert_one_line_error(run_script("--seed", "-1", cwd=tmp_path), "--seed",
                          "-1 is not a whole number of at least 0")


def test_a_name_ending_in_a_slash_names_a_folder_not_a_file(tmp_path):
    result = run_script("--save-weights", "results/", cwd=tmp_path)
    assert_one_line_error(result, "--save-weights", "results/ ends in /, which names a folder")
    assert result.stdout == "" and not list(tmp_path.iterdir())
