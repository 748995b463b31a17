"""The Python API refuses what it cannot use with a ValueError or TypeError naming the
argument, the same on both engines, instead of failing deep inside NumPy or training on."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn_backprop as nb

ENGINES = [nb.NeuralNetwork, nb.MatrixNeuralNetwork]
ROWS = np.float32([[5.1, 3.5, 1.4, 0.2, 1, 0, 0], [6.4, 3.2, 4.5, 1.5, 0, 1, 0],
                   [6.3, 3.3, 6.0, 2.5, 0, 0, 1]])

with warnings.catch_warnings():  # NumPy advises against np.matrix, as these checks do
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    MATRIX = np.matrix(ROWS)


@pytest.fixture(params=ENGINES, ids=["loops", "matrix"])
def nn(request):
    return request.param(4, 5, 3, seed=3)


@pytest.mark.parametrize("method", ["train", "accuracy", "meanSquaredError"])
@pytest.mark.parametrize("data, error, fragment", [
    (ROWS[:0], ValueError, "holds no rows"),
    (ROWS[:, :6], ValueError, "has 6 columns; a 4-5-3 network needs 7"),
    (np.hstack([ROWS, ROWS[:, :1]]), ValueError, "has 8 columns"),
    (ROWS[0], TypeError, "2-D NumPy array"),
    (ROWS.tolist(), TypeError, "2-D NumPy array"),
    (None, TypeError, "not None"),
    (np.array([["a"] * 7]), TypeError, "of numbers"),
    (MATRIX, TypeError, "not a matrix"),
    (np.where(np.arange(21).reshape(3, 7) == 9, np.nan, ROWS), ValueError,
     r"\[1, 2\] is not a finite number"),
    (np.where(np.arange(21).reshape(3, 7) == 3, np.inf, ROWS), ValueError,
     r"\[0, 3\] is not a finite number"),
])
def test_data_that_does_not_fit_the_network(nn, method, data, error, fragment):
    name = "trainData" if method == "train" else "tdata"
    args = (data, 1, 0.1) if method == "train" else (data,)
    with pytest.raises(error, match=name + ".*" + fragment if error is ValueError else name):
        getattr(nn, method)(*args)


@pytest.mark.parametrize("options, error, fragment", [
    ({"batch_size": 0}, ValueError, "batch_size must be a whole number of at least 1, not 0"),
    ({"batch_size": -1}, ValueError, "batch_size must be a whole number of at least 1, not -1"),
    ({"batch_size": 2.0}, TypeError, "batch_size must be a whole number"),
    ({"learnRate": 0.0}, ValueError, "learnRate must be a positive finite number"),
    ({"learnRate": -0.1}, ValueError, "learnRate must be a positive finite number"),
    ({"learnRate": float("nan")}, ValueError, "learnRate must be a positive finite number"),
    ({"learnRate": float("inf")}, ValueError, "learnRate must be a positive finite number"),
    ({"learnRate": "0.1"}, TypeError, "learnRate must be a positive finite number"),
    ({"learnRate": 10**400}, ValueError, "learnRate must be a positive finite number, not an "
     "int of 401 digits"),
    ({"momentum": 1.5}, ValueError, r"momentum must be a number in \[0, 1\), not 1.5"),
    ({"momentum": 1.0}, ValueError, r"momentum must be a number in \[0, 1\)"),
    ({"momentum": -0.1}, ValueError, r"momentum must be a number in \[0, 1\)"),
    ({"maxEpochs": -1}, ValueError, "maxEpochs must be a whole number of at least 0, not -1"),
    ({"maxEpochs": 1.5}, TypeError, "maxEpochs must be a whole number"),
    ({"print_every": -1}, ValueError, "print_every must be a whole number of at least 0, not -1"),
    ({"error_function": "mae"}, ValueError, "error_function must be one of 'mse'"),
    ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of 'sgd', 'adam'"),
    ({"optimizer": "adam", "momentum": 0.5}, ValueError,
     "momentum: not with optimizer adam, which keeps its own moments"),
    ({"momentum_rule": "one-step"}, ValueError,
     "momentum_rule: give a momentum factor too"),
    ({"on_step": "print"}, TypeError, "on_step must be a function or None"),
])
def test_train_arguments_that_cannot_be_used(nn, options, error, fragment):
    before = nn.getWeights()
    arguments = {"maxEpochs": 1, "learnRate": 0.1, **options}
    with pytest.raises(error, match=fragment):
        nn.train(ROWS, arguments.pop("maxEpochs"), arguments.pop("learnRate"), **arguments)
    np.testing.assert_array_equal(nn.getWeights(), before)  # refused before any step


@pytest.mark.parametrize("weights, error, fragment", [
    ([[0.0] * 43], TypeError, "flat sequence of 43 numbers"),
    ([[0.0] * 20, [0.0] * 23], TypeError, "flat sequence of 43 numbers"),
    (None, TypeError, "flat sequence of 43 numbers, not None"),
    (["0.1"] * 43, TypeError, "flat sequence of 43 numbers"),
    ("0.1", TypeError, "flat sequence of 43 numbers"),
    ([0.0] * 42, ValueError, "got 42 values, a 4-5-3 network has 43"),
    ([1e39] + [0.0] * 42, ValueError, "finite"),
])
def test_set_weights_wants_a_flat_sequence_of_numbers(nn, weights, error, fragment):
    with pytest.raises(error, match=fragment):
        nn.setWeights(weights)


@pytest.mark.parametrize("sizes, error, fragment", [
    ((0, 5, 3), ValueError, "numInput must be a whole number of at least 1, not 0"),
    ((4, -5, 3), ValueError, "numHidden must be a whole number of at least 1, not -5"),
    ((4, 5, 3.0), TypeError, "numOutput must be a whole number of at least 1, not 3.0"),
    (("4", 5, 3), TypeError, "numInput must be a whole number of at least 1, not '4'"),
    ((4, 10**30, 3), ValueError, "numHidden of 31 digits: the network would need about .* "
     "more than the .* free"),
    ((10**12, 5, 3), ValueError, "numInput 1000000000000: the network would need"),
])
@pytest.mark.parametrize("engine", ENGINES)
def test_network_sizes_are_whole_numbers_of_at_least_one(engine, sizes, error, fragment):
    with pytest.raises(error, match=fragment):
        engine(*sizes, seed=3)


def test_numpy_whole_numbers_are_sizes_too():
    nn = nb.NeuralNetwork(np.int64(4), np.int32(5), 3, seed=3)
    np.testing.assert_array_equal(nn.getWeights(), nb.NeuralNetwork(4, 5, 3, seed=3).getWeights())


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=45),
    st.lists(st.integers(-10**40, 10**40), min_size=43, max_size=43),
    st.lists(st.lists(st.floats(-1, 1), max_size=3), max_size=43),
    st.text(max_size=50), st.none(), st.dictionaries(st.text(max_size=3), st.integers())))
def test_set_weights_takes_43_finite_numbers_or_raises_value_or_type_error(weights):
    nn = nb.NeuralNetwork(4, 5, 3, seed=3)
    try:
        nn.setWeights(weights)
    except (TypeError, ValueError) as e:
        assert str(e).startswith("setWeights: ")
        return
    assert len(weights) == 43 and np.all(np.isfinite(nn.getWeights()))
    np.testing.assert_array_equal(nn.getWeights(), np.float32(weights))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_negative_seed_and_a_dtype_that_is_not_a_float_are_refused(engine):
    # random.Random(-1) draws what random.Random(1) draws: a negative seed is no new stream
    with pytest.raises(ValueError, match="seed must be a whole number of at least 0, not -1"):
        engine(4, 5, 3, seed=-1)
    with pytest.raises(TypeError, match="seed must be a whole number"):
        engine(4, 5, 3, seed=1.5)
    for dtype in (np.int32, np.float16, int):  # int weights would all be 0
        with pytest.raises(ValueError, match="dtype must be np.float32 or np.float64"):
            engine(4, 5, 3, seed=3, dtype=dtype)
    assert engine(4, 5, 3, seed=3, dtype=np.float64).getWeights().dtype == np.float64


@pytest.mark.parametrize("engine", ENGINES)
def test_an_init_range_beyond_a_float_is_refused(engine):
    for init_range in (10**400, 1e39):  # 1e39 is a float, but no float32: the weights would be inf
        with pytest.raises(ValueError, match="init_range must be a positive number of at most"):
            engine(4, 5, 3, seed=3, init_range=init_range)
    assert np.all(np.isfinite(engine(4, 5, 3, seed=3, init_range=3.4e38).getWeights()))
