"""Bad input ends with one clear line on stderr, exit status 2, no traceback, nothing lost."""

import os
import re
import shutil

import numpy as np
import pytest
from conftest import ROOT, run_script
from hypothesis import given, settings
from hypothesis import strategies as st

import nn_backprop as nb

GOOD = (ROOT / "irisTrainData.txt").read_text()
FIRST = GOOD.splitlines()[:3]


def assert_one_line_error(result, *fragments):
    """Check the run failed with status 2 and one stderr line holding every fragment."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    message = re.sub(r"/\S*pytest-of-\S*", "<path>", lines[0])  # tmp names hold test names
    for fragment in fragments:
        assert fragment in (lines[0] if fragment.startswith("/") else message), (fragment, lines[0])
    assert "Accuracy" not in result.stdout


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


@pytest.mark.parametrize("garbage, why", [(bytes(range(256)) * 4, "not UTF-8"),
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
    (["--epochs", "0"], "--epochs"), (["--hidden", "0"], "--hidden"),
    (["--inputs", "0"], "--inputs"), (["--batch-size", "0"], "--batch-size"),
    (["--lr", "0"], "--lr"), (["--lr", "-1"], "--lr"), (["--lr", "nan"], "--lr"),
    (["--lr", "inf"], "--lr"), (["--lr", "fast"], "--lr"),
    (["--momentum", "1"], "--momentum"), (["--momentum", "-0.1"], "--momentum"),
    (["--print-every", "-1"], "--print-every"), (["--error", "mae"], "--error"),
    (["--activation", "gelu"], "--activation"), (["--epochs", "ten"], "--epochs"),
    (["--optimizer", "rmsprop"], "--optimizer"),
    (["--optimizer", "adam", "--momentum", "0.5"], "--momentum: not with --optimizer adam"),
    (["--inputs", "7"], "--inputs 7"), (["--inputs", "9"], "--inputs 9"),
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
])
def test_bad_weights_file(edit, fragments, tmp_path):
    path = save_initial(tmp_path)
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    assert_one_line_error(run_script("--load-weights", path, cwd=tmp_path), str(path), *fragments)


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


def test_save_weights_is_atomic_and_never_touches_data(tmp_path):
    existing = tmp_path / "w.txt"
    existing.write_text("precious\n")
    missing_folder = tmp_path / "nope" / "w.txt"
    assert_one_line_error(run_script("--save-weights", missing_folder, cwd=tmp_path),
                          "does not exist")
    assert_one_line_error(run_script("--save-weights", tmp_path, cwd=tmp_path), "folder")
    data = tmp_path / "train.txt"
    shutil.copy(ROOT / "irisTrainData.txt", data)
    assert_one_line_error(run_script("--train", data, "--save-weights", data, cwd=tmp_path),
                          "data file")
    assert data.read_text() == GOOD
    # a failing run (bad data) leaves the existing output untouched and no temporary file
    assert_one_line_error(run_script("--train", missing_folder, "--save-weights", existing,
                                     cwd=tmp_path), "No such file")
    assert existing.read_text() == "precious\n"
    assert sorted(os.listdir(tmp_path)) == ["train.txt", "w.txt"]


def test_write_atomically_leaves_no_partial_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old\n")

    def interrupted_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(nb.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        nb.write_atomically(target, lambda f: f.write(b"new\n"))
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["out.txt"]


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
