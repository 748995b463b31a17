"""The committed Iris files: their split, their format, and that the script remakes them."""

import subprocess
import sys
from collections import Counter

import numpy as np
from conftest import ROOT

import make_iris_split
import nn_backprop as nb

TRAIN = ROOT / "irisTrainData.txt"
TEST = ROOT / "irisTestData.txt"


def embedded_rows():
    """Return the 150 embedded rows as (features, species index) tuples."""
    rows = []
    for line in make_iris_split.IRIS.splitlines():
        *features, species = line.split(",")
        rows.append((",".join(features), make_iris_split.SPECIES.index(species)))
    return rows


def file_rows(path):
    """Return the rows of a data file as (features, species index) tuples."""
    rows = []
    for line in path.read_text().splitlines():
        values = line.split(",")
        rows.append((",".join(values[:4]), values[4:].index("1")))
    return rows


def test_split_is_40_and_10_of_each_species_in_order():
    train, test = file_rows(TRAIN), file_rows(TEST)
    assert len(train) == 120 and len(test) == 30
    assert [s for _, s in train] == [0] * 40 + [1] * 40 + [2] * 40
    assert [s for _, s in test] == [0] * 10 + [1] * 10 + [2] * 10


def test_train_and_test_are_the_150_rows_first_40_then_last_10():
    rows = embedded_rows()
    assert len(rows) == 150
    by_species = [[r for r in rows if r[1] == s] for s in range(3)]
    assert file_rows(TRAIN) == [r for group in by_species for r in group[:40]]
    assert file_rows(TEST) == [r for group in by_species for r in group[40:]]
    # disjoint as rows and together all 150; Fisher's data does repeat some measurements
    # (5.8,2.7,5.1,1.9 is virginica rows 102 and 143), so compare as multisets, not sets
    assert Counter(file_rows(TRAIN)) + Counter(file_rows(TEST)) == Counter(rows)


def test_corrected_rows_35_and_38():
    features = [f for f, _ in embedded_rows()]
    assert features[34] == "4.9,3.1,1.5,0.2" and features[37] == "4.9,3.6,1.4,0.1"


def test_line_format_matches_the_articles_files():
    for path in (TRAIN, TEST):
        data = path.read_bytes()
        assert data.endswith(b"\n") and b"\r" not in data
        for line in data.decode().splitlines():
            *features, a, b, c = line.split(",")
            assert all(len(f.split(".")[1]) == 1 for f in features)  # one decimal
            assert sorted([a, b, c]) == ["0", "0", "1"]  # integer one-hot


def test_script_reproduces_the_committed_files_byte_for_byte(tmp_path):
    script = ROOT / "make_iris_split.py"
    result = subprocess.run([sys.executable, str(script), "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "irisTrainData.txt").read_bytes() == TRAIN.read_bytes()
    assert (tmp_path / "irisTestData.txt").read_bytes() == TEST.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["irisTestData.txt", "irisTrainData.txt"]


def test_load_file_reads_the_training_file_as_float32():
    m = nb.loadFile(TRAIN)
    assert m.dtype == np.float32 and m.shape == (120, 7)
    np.testing.assert_array_equal(m[0], np.float32([5.1, 3.5, 1.4, 0.2, 1, 0, 0]))


def test_script_refuses_a_missing_output_folder(tmp_path):
    script = ROOT / "make_iris_split.py"
    result = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "nope")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--out" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "nope").exists()
