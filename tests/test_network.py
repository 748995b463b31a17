"""The NeuralNetwork class: weights, their order, the random stream, softmax."""

import ast
import math

import numpy as np
import pytest
from conftest import ROOT

import nn_backprop as nb

NI, NH, NO = 4, 5, 3


def test_total_weights():
    assert nb.NeuralNetwork.totalWeights(4, 5, 3) == 43
    assert nb.NeuralNetwork.totalWeights(2, 3, 4) == 2 * 3 + 3 + 3 * 4 + 4


def test_same_seed_same_weights_different_seed_different_weights():
    a = nb.NeuralNetwork(NI, NH, NO, seed=3).getWeights()
    b = nb.NeuralNetwork(NI, NH, NO, seed=3).getWeights()
    c = nb.NeuralNetwork(NI, NH, NO, seed=4).getWeights()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_initial_weights_are_the_seeds_first_draws_in_get_weights_order():
    import random
    rnd = random.Random(3)
    expected = np.float32([0.02 * rnd.random() - 0.01 for _ in range(43)])
    np.testing.assert_array_equal(nb.NeuralNetwork(NI, NH, NO, seed=3).getWeights(), expected)
    assert np.all(np.abs(expected) <= 0.01)


def test_set_weights_get_weights_round_trip_in_documented_order():
    nn = nb.NeuralNetwork(NI, NH, NO, seed=0)
    w = np.arange(43, dtype=np.float32)
    nn.setWeights(w)
    np.testing.assert_array_equal(nn.getWeights(), w)
    # input-to-hidden row by row, hidden biases, hidden-to-output row by row, output biases
    np.testing.assert_array_equal(nn.ihWeights, w[:20].reshape(4, 5))
    np.testing.assert_array_equal(nn.hBiases, w[20:25])
    np.testing.assert_array_equal(nn.hoWeights, w[25:40].reshape(5, 3))
    np.testing.assert_array_equal(nn.oBiases, w[40:])


@pytest.mark.parametrize("count", [42, 44, 0])
def test_set_weights_with_the_wrong_count_raises_naming_both_counts(count):
    nn = nb.NeuralNetwork(NI, NH, NO, seed=0)
    with pytest.raises(ValueError, match=rf"\b{count}\b.*\b43\b"):
        nn.setWeights(np.zeros(count))


@pytest.mark.parametrize(
    "sums", [[1.0, 2.0, 3.0], [1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -999.0]])
def test_softmax_sums_to_one_and_stays_finite(sums):
    out = nb.NeuralNetwork.softmax(np.float32(sums))
    assert np.all(np.isfinite(out))
    assert out.sum() == pytest.approx(1.0, abs=1e-6)
    e = np.exp(np.float64(sums) - max(sums))
    np.testing.assert_allclose(out, e / e.sum(), rtol=1e-6, atol=1e-30)


def test_hypertan_is_tanh_up_to_20_and_saturates_beyond(monkeypatch):
    """math.tanh(25) is already 1.0, so the branch beyond 20 shows only in what is called."""
    for x in (-19.5, -3.0, 0.0, 0.5, 3.0, 19.5):
        assert nb.NeuralNetwork.hypertan(x) == math.tanh(x)
    monkeypatch.setattr(nb.math, "tanh", lambda x: pytest.fail("tanh(%r) was called" % x))
    assert (nb.NeuralNetwork.hypertan(-20.5), nb.NeuralNetwork.hypertan(25.0)) == (-1.0, 1.0)


def test_compute_outputs_matches_a_float64_forward_pass():
    from conftest import forward64
    nn = nb.NeuralNetwork(NI, NH, NO, seed=5)
    nn.setWeights(np.random.default_rng(5).uniform(-1, 1, 43))
    x = np.float32([5.9, 3.0, 5.1, 1.8])
    np.testing.assert_allclose(nn.computeOutputs(x), forward64(nn.getWeights(), x, NI, NH, NO)[3],
                               rtol=1e-5)


def test_accuracy_counts_argmax_matches():
    nn = nb.NeuralNetwork(NI, NH, NO, seed=0)
    # zero weights and output biases that always favour the second class
    nn.setWeights(np.concatenate([np.zeros(40), [0.0, 1.0, 0.0]]))
    rows = np.float32([[1, 2, 3, 4, 0, 1, 0], [1, 2, 3, 4, 1, 0, 0], [0, 0, 0, 0, 0, 1, 0],
                       [5, 5, 5, 5, 0, 0, 1]])
    assert nn.accuracy(rows) == pytest.approx(0.5)


@pytest.mark.parametrize("call, argument", [
    (lambda: nb.NeuralNetwork(NI, NH, NO, seed=3, hidden_activation="logistic"),
     "hidden_activation"),
    (lambda: nb.MatrixNeuralNetwork(NI, NH, NO, seed=3, hidden_activation=None),
     "hidden_activation"),
    (lambda: nb.NeuralNetwork(NI, NH, NO, seed=3).train(
        np.float32([[1, 2, 3, 4, 1, 0, 0]]), 1, 0.1, error_function="mae"), "error_function"),
])
def test_an_unknown_name_raises_value_error_listing_the_valid_names(call, argument):
    with pytest.raises(ValueError, match=argument) as raised:
        call()
    table = nb.ERROR_FUNCTIONS if argument == "error_function" else nb.HIDDEN_ACTIVATIONS
    assert all(repr(name) in str(raised.value) for name in table)


def test_momentum_memory_lives_for_one_train_call():
    rows = np.float32([[5.1, 3.5, 1.4, 0.2, 1, 0, 0], [6.4, 3.2, 4.5, 1.5, 0, 1, 0]])
    nn = nb.NeuralNetwork(NI, NH, NO, seed=3)
    assert nn.optimizer is None
    nn.train(rows, 1, 0.1, momentum=0.9, print_every=0)
    velocity = nn.optimizer.velocity
    assert velocity.shape == (43,) and np.abs(velocity).max() > 0 and nn.optimizer.t == 2
    nn.train(rows, 1, 0.1, print_every=0)  # without momentum: no memory left over
    assert nn.optimizer is None


def test_each_method_of_the_article_calls_into_the_boundary_at_most_once():
    """The article's class and helpers stay free of checks: at most one call per method into
    the boundary's functions (loadFile's read_matrix, setWeights' check_weights, ...)."""
    source = (ROOT / "nn_backprop.py").read_text()
    boundary = ast.parse(source[source.index("# The boundary:"):])
    names = {node.name for node in boundary.body if isinstance(node, ast.FunctionDef)}
    article = ast.parse(source[:source.index("# Beyond the article")])
    functions = [n for n in ast.walk(article) if isinstance(n, ast.FunctionDef)]
    assert {"loadFile", "setWeights", "train", "accuracy", "main"} <= {f.name for f in functions}
    for function in functions:
        if function.name == "main":  # the demo reads options and files: the boundary's work
            continue
        calls = [c.func.id for c in ast.walk(function) if isinstance(c, ast.Call)
                 and isinstance(c.func, ast.Name) and c.func.id in names]
        assert len(calls) <= 1, (function.name, calls)
