"""The back-propagation arithmetic checked against central differences in float64."""

import numpy as np
import pytest
from conftest import ROOT, central_gradient, forward64, relative_error, unpack

import nn_backprop as nb

NI, NH, NO = 4, 5, 3
# float32 keeps about 7 significant digits and each gradient element passes through a few
# roundings, so it should agree with the float64 reference to ~1e-6 of the gradient's scale;
# 1e-4 leaves room for that while any wrong term (a missing factor, a wrong sign) is O(0.1).
BOUND = 1e-4


def make_network(seed=1):
    """Return a 4-5-3 network with weights large enough to give sizeable gradients."""
    nn = nb.NeuralNetwork(NI, NH, NO, seed=seed)
    rng = np.random.default_rng(seed)
    nn.setWeights(rng.uniform(-0.8, 0.8, size=nb.NeuralNetwork.totalWeights(NI, NH, NO)))
    return nn


X = np.array([5.1, 3.5, 1.4, 0.2], dtype=np.float32)
T = np.array([0.0, 1.0, 0.0], dtype=np.float32)


def flat(grads):
    """Return the four gradient groups as one vector in getWeights order."""
    return np.concatenate([np.ravel(g) for g in grads])


def test_steps_2_to_6_are_the_chain_rule_given_the_output_signals():
    """With oSignals held fixed, steps 2-6 give d(sum oSignals * o_sums)/dw for every weight."""
    nn = make_network()
    w = nn.getWeights().astype(np.float64)
    grads = flat(nn.compute_gradients(X, T, nb.ERROR_FUNCTIONS["mse"]).grads)
    o = forward64(w, X, NI, NH, NO)[3]
    o_signals = (1 - o) * o * (o - T)  # what step 1 hands on; fixed while w moves

    def signal_weighted_sums(wv):
        return o_signals @ forward64(wv, X, NI, NH, NO)[2]

    reference = central_gradient(signal_weighted_sums, w)
    for got, want in zip(unpack(grads, NI, NH, NO), unpack(reference, NI, NH, NO), strict=True):
        assert relative_error(got, want) < BOUND


def softmax_jacobian(z, step=1e-6):
    """Return J[k, m] = d softmax(z)_k / d z_m by central differences in float64."""
    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()
    columns = []
    for m in range(len(z)):
        dz = np.zeros_like(z)
        dz[m] = step
        columns.append((softmax(z + dz) - softmax(z - dz)) / (2 * step))
    return np.array(columns).T


def article_output_signals(nn):
    """Return the oSignals of step 1 for X, T, recovered from the output-bias gradients."""
    return nn.compute_gradients(X, T, nb.ERROR_FUNCTIONS["mse"]).grads[3]  # obGrads = oSignals


def test_article_output_signal_is_the_diagonal_term_of_the_softmax_jacobian():
    """oSignals[k] = J[k, k] * (o[k] - t[k]): only the diagonal of the true chain rule."""
    nn = make_network()
    _, _, o_sums, o = forward64(nn.getWeights(), X, NI, NH, NO)
    diagonal = np.diag(softmax_jacobian(o_sums)) * (o - T)
    assert relative_error(article_output_signals(nn), diagonal) < BOUND


def test_article_output_signal_differs_from_the_full_gradient_of_its_error():
    """The true dE/d o_sums of E = 1/2 sum (t - o)^2 also has off-diagonal softmax terms.

    On this concrete example the article's signal and the exact gradient differ by far more
    than float32 rounding: the article's rule is not the gradient of its own error.
    """
    nn = make_network()
    w = nn.getWeights().astype(np.float64)
    o_sums = forward64(w, X, NI, NH, NO)[2]

    def half_squared_error(z):
        e = np.exp(z - z.max())
        return 0.5 * np.sum((T - e / e.sum()) ** 2)

    exact = central_gradient(half_squared_error, o_sums)
    article = article_output_signals(nn)
    o = forward64(w, X, NI, NH, NO)[3]
    assert relative_error(exact, softmax_jacobian(o_sums).T @ (o - T)) < 1e-6  # the full chain rule
    assert relative_error(article, exact) > 0.1


def test_worked_example_squared_error_is_0_07():
    """Outputs (0.70, 0.10, 0.20) against target (1, 0, 0): 1/2 * sum (t - o)^2 = 0.07."""
    nn = nb.NeuralNetwork(NI, NH, NO, seed=0)
    zeros_to_output = np.zeros(NI * NH + NH + NH * NO)
    nn.setWeights(np.concatenate([zeros_to_output, np.log([0.70, 0.10, 0.20])]))
    row = np.array([[5.1, 3.5, 1.4, 0.2, 1, 0, 0]], dtype=np.float32)
    np.testing.assert_allclose(nn.computeOutputs(row[0, :NI]), [0.70, 0.10, 0.20], rtol=1e-6)
    # meanSquaredError sums (t - o)^2 without the 1/2 of the article's equation
    assert nn.meanSquaredError(row) / 2 == pytest.approx(0.07, rel=1e-6)


def start_signals_and_gradients():
    """Return the default network's step-1 signals for item 75 (the first step of the demo)
    and its flat gradients for training row 0, for each error, before any training."""
    nn = nb.NeuralNetwork(4, 5, 3, seed=3)
    train = nb.loadFile(ROOT / "irisTrainData.txt")
    signals, grads = {}, {}
    for name, error in nb.ERROR_FUNCTIONS.items():
        signals[name] = np.float64(nn.compute_gradients(train[75, :4], train[75, 4:],
                                                        error).oSignals)
        step = nn.compute_gradients(train[0, :4], train[0, 4:], error)
        grads[name] = np.concatenate([np.float64(g).ravel() for g in step.grads])
    return signals, grads


def test_at_the_start_the_articles_gradient_points_the_same_way_and_is_two_thirds_as_long():
    _, grads = start_signals_and_gradients()
    article, exact = grads["mse"], grads["mse-exact"]
    cosine = article @ exact / (np.linalg.norm(article) * np.linalg.norm(exact))
    assert round(cosine, 6) == 0.999997  # the README's figures
    assert round(np.linalg.norm(article) / np.linalg.norm(exact), 2) == 0.67


def test_the_worked_steps_signals_compare_as_the_readme_says():
    signals, _ = start_signals_and_gradients()
    exact_over_article = signals["mse-exact"] / signals["mse"]
    np.testing.assert_allclose(exact_over_article, 1.5, atol=0.01)  # about 1 / (1 - 1/3)
    np.testing.assert_allclose(signals["cross-entropy"] / signals["mse-exact"], 3.0, atol=0.02)
    np.testing.assert_allclose(signals["cross-entropy"] / signals["mse"], 4.5, atol=0.05)
