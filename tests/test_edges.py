"""The newer options at their edges: many seeds, --explain, --diagram, --plot, --confusion and
their Python functions, with odd but fair values; each case either works or is refused in one
line, and the command line and the API accept and refuse the same things."""

import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import ROOT, assert_one_line_error, run_script

import nn_backprop as nb

TRAIN = nb.loadFile(ROOT / "irisTrainData.txt")


def test_explain_explains_a_step_that_diverges_then_stops_cleanly(tmp_path):
    # 1e300 overflows a float32 weight with NumPy 1 and 2 alike (NumPy 1 computes a step of
    # 1e39 * gradient in float64, and such a step can still fit a float32)
    result = run_script("--lr", "1e300", "--trace", "3", "--explain", "--epochs", "1",
                        cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "training stopped being finite in epoch 1" in result.stderr
    # the numbers of a formula may be nan: they are printed, not evaluated as Python
    assert re.search(r"^oBiases\[2\] = .* = nan$", result.stdout, re.M)


def test_explain_refuses_a_batch_larger_than_it_writes_out(tmp_path):
    assert_one_line_error(run_script("--trace", 1, "--explain", "--batch-size",
                                     nb.MOST_EXPLAINED + 1, cwd=tmp_path),
                          "--explain: explains batches of at most %d items" % nb.MOST_EXPLAINED)
    ok = run_script("--trace", 1, "--explain", "--epochs", 1, "--batch-size",
                    nb.MOST_EXPLAINED, cwd=tmp_path)
    assert ok.returncode == 0 and "n = 64 rows" in ok.stdout


@pytest.mark.parametrize("seeds, shown", [("-1", "-1 is not"), ("-3-2", "-3 is not"),
                                          ("1--2", "-2 is not"), ("1-3,2", "names seed 2 twice")])
def test_a_bad_seed_list_names_the_value_at_fault(seeds, shown, tmp_path):
    assert_one_line_error(run_script("--seeds=" + seeds, cwd=tmp_path), "--seeds", shown)


def test_seed_and_seeds_together_are_refused_even_for_seed_3(tmp_path):
    assert_one_line_error(run_script("--seed", 3, "--seeds", "1-2", cwd=tmp_path),
                          "--seeds: not allowed with argument --seed")


def test_many_seeds_that_all_diverge_end_with_an_error_status(tmp_path):
    result = run_script("--seeds", "1-2", "--lr", "1e308", "--epochs", 1, cwd=tmp_path)
    assert result.returncode == 2 and "training stopped being finite" in result.stderr
    assert "Over 0 seeds (2 diverged, left out)" in result.stdout


def test_print_every_is_one_runs_and_not_with_seeds(tmp_path):
    assert_one_line_error(run_script("--seeds", "1-2", "--print-every", 5, cwd=tmp_path),
                          "--seeds: not with --print-every")


def test_a_huge_learning_rate_is_printed_short(tmp_path):
    out = run_script("--lr", "1e308", "--epochs", 0, cwd=tmp_path).stdout
    assert "Setting learning rate = 1e+308\n" in out
    assert "Setting learning rate = 0.050\n" in run_script("--epochs", 0, cwd=tmp_path).stdout


def test_the_diagram_refuses_a_layer_too_tall_to_draw_apart(tmp_path):
    pytest.importorskip("matplotlib")
    assert_one_line_error(run_script("--hidden", nb.MOST_DRAWN + 1, "--diagram",
                                     tmp_path / "d.svg", cwd=tmp_path),
                          "--diagram: draws networks of at most %d nodes a layer" % nb.MOST_DRAWN)
    assert not (tmp_path / "d.svg").exists()
    ok = run_script("--hidden", nb.MOST_DRAWN, "--epochs", 1, "--diagram", tmp_path / "d.svg",
                    cwd=tmp_path)
    assert ok.returncode == 0 and (tmp_path / "d.svg").exists()


@pytest.mark.parametrize("epochs", [0, 1])
def test_the_plot_of_a_short_run_shows_the_starting_point_and_each_epoch(epochs, tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "p.svg"
    assert run_script("--epochs", epochs, "--plot", plot, cwd=tmp_path).returncode == 0
    groups = {g.get("id"): g for g in ET.parse(plot).iter("{http://www.w3.org/2000/svg}g")}
    for line in ("error", "train", "test"):  # a point for the start and for each epoch
        assert len(list(groups[line].iter("{http://www.w3.org/2000/svg}use"))) == epochs + 1


def test_confusion_names_the_species_however_the_iris_files_are_spelled(tmp_path):
    for name in ("irisTrainData.txt", "irisTestData.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    out = run_script("--train", "irisTrainData.txt", "--test", "./irisTestData.txt",
                     "--confusion", cwd=tmp_path).stdout
    assert "setosa" in out and "class 0" not in out
    other = tmp_path / "other.txt"  # three classes, but not the Iris data
    other.write_text("".join(line.replace("5.1", "5.2", 1) + "\n" for line in
                             (ROOT / "irisTrainData.txt").read_text().splitlines()))
    out = run_script("--train", other, "--confusion", cwd=tmp_path).stdout
    assert "class 0" in out and "setosa" not in out


@pytest.mark.parametrize("data, error, fragment", [
    (TRAIN[:, :6], ValueError, "tdata has 6 columns"),
    (np.hstack([TRAIN, TRAIN[:, :1]]), ValueError, "tdata has 8 columns"),
    (np.where(np.arange(7) == 2, np.nan, TRAIN[:3]), ValueError, "not a finite number"),
    (TRAIN.tolist(), TypeError, "tdata must be a 2-D NumPy array"),
    (np.asmatrix(TRAIN), TypeError, "tdata must be a 2-D NumPy array"),
    (TRAIN[0], TypeError, "tdata must be a 2-D NumPy array"),
    (TRAIN[:0], ValueError, "tdata holds no rows"),
])
@pytest.mark.parametrize("engine", [nb.NeuralNetwork, nb.MatrixNeuralNetwork])
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.asmatrix
def test_confusion_matrix_checks_its_data_as_accuracy_does(engine, data, error, fragment):
    with pytest.raises(error, match=fragment):
        nb.confusion_matrix(engine(4, 5, 3, seed=3), data)


def test_the_tracer_checks_what_it_is_asked_to_explain():
    nn = nb.NeuralNetwork(4, 5, 3, seed=3)
    with pytest.raises(ValueError, match="error_function must be one of"):
        nb.tracer(nn, 1, explain=(0.05, "bogus"))
    with pytest.raises(ValueError, match="learnRate must be a positive finite number"):
        nb.tracer(nn, 1, explain=(-1.0, "mse"))


@pytest.mark.parametrize("options, fragment", [
    ({"momentum_rule": "one-step"}, "momentum_rule: give a momentum factor too"),
    ({"momentum_rule": "one-step", "optimizer": "adam"}, "momentum_rule: give a momentum"),
    ({"momentum": 0.5, "optimizer": "adam"}, "momentum: not with optimizer adam"),
])
def test_the_api_refuses_what_the_command_line_refuses(options, fragment, tmp_path):
    with pytest.raises(ValueError, match=fragment):
        nb.NeuralNetwork(4, 5, 3, seed=3).train(TRAIN, 1, 0.05, print_every=0, **options)
    flags = [("--" + k.replace("_", "-"), str(v)) for k, v in options.items()]
    result = run_script(*[part for pair in flags for part in pair], cwd=tmp_path)
    assert result.returncode == 2 and fragment.split(":")[0].replace("_", "-") in result.stderr
