"""The matrix engine runs the loops' algorithm: same output lines, same weights within 1e-5."""

import itertools

import numpy as np
import pytest
from conftest import ROOT, run_script

import nn_backprop as nb

TRAIN = nb.loadFile(ROOT / "irisTrainData.txt")


def train_both(epochs, learn_rate=0.05, **options):
    """Return the final weights of the loops and the matrix engine after the same training."""
    activation = options.pop("hidden_activation", "tanh")
    return [engine(4, 5, 3, seed=3, hidden_activation=activation).train(
                TRAIN, epochs, learn_rate, print_every=0, **options)
            for engine in (nb.NeuralNetwork, nb.MatrixNeuralNetwork)]


def test_article_demo_prints_the_same_lines_with_either_engine(tmp_path):
    loops = run_script(cwd=tmp_path).stdout.splitlines()
    matrix = run_script("--engine", "matrix", cwd=tmp_path).stdout.splitlines()
    at = loops.index("Setting learning rate = 0.050") + 1
    assert matrix == loops[:at] + ["Setting engine = matrix"] + loops[at:]


def test_article_demo_final_weights_agree_within_1e_5():
    loops, matrix = train_both(50)
    assert np.max(np.abs(loops - matrix)) < 1e-5


# Online training amplifies rounding differences: with cross-entropy and momentum 0.5, a
# 1-ulp change of one initial weight moves the loops' own weights by 0.4 after 5 epochs (see
# the test below). The engines sum in different orders, so online runs are compared over 2
# epochs (240 steps), where a wrong step would show at once and rounding is not yet amplified;
# batches of 16 are calm and are compared over 10 epochs.
# Adam runs at its usual rate, 0.01: each of its steps is about the rate whatever the size
# of the gradient, so at the article's 0.05 the engines' rounding (1e-5 of a gradient whose
# terms cancel) moves the weights further per step than the article's update does.
UPDATES = {"sgd": {}, "momentum": {"momentum": 0.5},
           "one-step": {"momentum": 0.5, "momentum_rule": "one-step"},
           "adam": {"optimizer": "adam", "learn_rate": 0.01}}


@pytest.mark.parametrize("error, activation, update, batch", list(itertools.product(
    ["mse", "mse-exact", "cross-entropy"], ["tanh", "sigmoid", "relu"], UPDATES, [1, 16])))
def test_engines_agree_for_every_option(error, activation, update, batch):
    loops, matrix = train_both(2 if batch == 1 else 10, hidden_activation=activation,
                               error_function=error, batch_size=batch, **UPDATES[update])
    assert np.max(np.abs(loops - matrix)) < 1e-5


def test_online_training_amplifies_one_ulp_which_is_why_the_horizon_above_is_short():
    a = nb.NeuralNetwork(4, 5, 3, seed=3)
    b = nb.NeuralNetwork(4, 5, 3, seed=3)
    w = b.getWeights()
    w[0] = np.nextafter(w[0], np.float32(1))
    b.setWeights(w)
    options = dict(error_function="cross-entropy", momentum=0.5, print_every=0)
    assert np.max(np.abs(a.train(TRAIN, 5, 0.05, **options) -
                         b.train(TRAIN, 5, 0.05, **options))) > 1e-2


def test_matrix_weights_are_views_of_one_vector_in_get_weights_order():
    nn = nb.MatrixNeuralNetwork(4, 5, 3, seed=3)
    np.testing.assert_array_equal(nn.getWeights(), nb.NeuralNetwork(4, 5, 3, seed=3).getWeights())
    nn.setWeights(np.arange(43, dtype=np.float32))
    np.testing.assert_array_equal(nn.flat, np.arange(43))
    np.testing.assert_array_equal(nn.hoWeights, np.arange(25, 40).reshape(5, 3))


def test_matrix_accuracy_error_and_outputs_match_the_loops():
    loops = nb.NeuralNetwork(4, 5, 3, seed=3)
    weights = loops.train(TRAIN, 5, 0.05, print_every=0)
    matrix = nb.MatrixNeuralNetwork(4, 5, 3, seed=3)
    matrix.setWeights(weights)
    assert matrix.accuracy(TRAIN) == loops.accuracy(TRAIN)
    assert matrix.meanSquaredError(TRAIN) == pytest.approx(loops.meanSquaredError(TRAIN), rel=1e-5)
    np.testing.assert_allclose(matrix.computeOutputs(TRAIN[7, :4]),
                               loops.computeOutputs(TRAIN[7, :4]), rtol=1e-5)
    np.testing.assert_allclose(matrix.softmax(np.float32([[1000, 999, -5]])).sum(), 1, rtol=1e-6)


def test_matrix_outputs_and_cross_entropy_take_one_pass_and_match_the_loops(monkeypatch):
    loops = nb.NeuralNetwork(4, 5, 3, seed=3)
    weights = loops.train(TRAIN, 5, 0.05, print_every=0)
    matrix = nb.MatrixNeuralNetwork(4, 5, 3, seed=3)
    matrix.setWeights(weights)
    expected_outputs, expected_error = loops.outputs(TRAIN), nb.cross_entropy_error(loops, TRAIN)

    def row_by_row(x_values):
        raise AssertionError("the matrix engine went row by row")

    monkeypatch.setattr(matrix, "computeOutputs", row_by_row)
    np.testing.assert_allclose(matrix.outputs(TRAIN), expected_outputs, rtol=1e-5)
    assert nb.cross_entropy_error(matrix, TRAIN) == pytest.approx(expected_error, rel=1e-5)


def test_matrix_engine_saves_and_loads_weights(tmp_path):
    path = tmp_path / "w.txt"
    result = run_script("--engine", "matrix", "--epochs", 3, "--save-weights", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = nb.MatrixNeuralNetwork(4, 5, 3, seed=3).train(TRAIN, 3, 0.05, print_every=0)
    np.testing.assert_array_equal(nb.load_weights(path, (4, 5, 3)), expected)


def test_load_file_is_the_same_as_parsing_every_value():
    for path in (ROOT / "irisTrainData.txt", ROOT / "irisTestData.txt"):
        rows = [[np.float32(v) for v in line.split(",")] for line in path.read_text().splitlines()]
        loaded = nb.loadFile(path)
        assert loaded.dtype == np.float32
        np.testing.assert_array_equal(loaded, np.array(rows, dtype=np.float32))
