"""The variations: every error and activation, momentum, Adam, mini-batches, weights files."""

import random

import numpy as np
import pytest
from conftest import ACTIVATIONS64, central_gradient, forward64, relative_error, run_script

import nn_backprop as nb

NI, NH, NO = 4, 5, 3
LR = 0.1
ROWS = np.float32([[5.1, 3.5, 1.4, 0.2, 1, 0, 0],
                   [6.4, 3.2, 4.5, 1.5, 0, 1, 0],
                   [6.3, 3.3, 6.0, 2.5, 0, 0, 1],
                   [4.9, 3.0, 1.4, 0.2, 1, 0, 0],
                   [5.9, 3.0, 5.1, 1.8, 0, 0, 1]])
# The weights are float32 (relative precision 6e-8), so a step w1 - w0 of size ~1e-2 carries
# an absolute error near |w| * 6e-8 ~ 5e-8, i.e. ~1e-5 of the largest step, plus the float32
# rounding of the gradient itself. 2e-4 leaves margin; a wrong signal or derivative is O(0.1).
BOUND = 2e-4


def make_network(activation, seed=7):
    """Return a network with moderate random weights and the given hidden activation."""
    nn = nb.NeuralNetwork(NI, NH, NO, seed=seed, hidden_activation=activation)
    nn.setWeights(np.random.default_rng(seed).uniform(-0.6, 0.6, 43))
    return nn


def error64(error_function, activation, row):
    """Return the float64 error of one row as a function of the flat weights."""
    def error(w):
        o = forward64(w, row[:NI], NI, NH, NO, activation)[3]
        t = np.float64(row[NI:])
        if error_function == "cross-entropy":
            return -np.sum(t * np.log(o))
        return 0.5 * np.sum((t - o) ** 2)
    return error


def one_step(nn, rows, **options):
    """Return the weight change made by training nn for one epoch on rows."""
    before = nn.getWeights().astype(np.float64)
    nn.train(rows, 1, LR, print_every=0, **options)
    return nn.getWeights().astype(np.float64) - before


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("error_function", ["mse-exact", "cross-entropy"])
def test_one_step_is_minus_lr_times_the_true_gradient(error_function, activation):
    nn = make_network(activation)
    w0 = nn.getWeights().astype(np.float64)
    expected = -LR * central_gradient(error64(error_function, activation, ROWS[0]), w0)
    assert relative_error(one_step(nn, ROWS[:1], error_function=error_function), expected) < BOUND


def article_formula64(w, row, activation):
    """Return the gradients of the article's mse rule in float64, written out from scratch."""
    x, t = np.float64(row[:NI]), np.float64(row[NI:])
    ih, hb, ho, ob = (np.asarray(a) for a in np.split(w, [20, 25, 40]))
    _, h, _, o = forward64(w, x, NI, NH, NO, activation)
    o_signals = (1 - o) * o * (o - t)
    slope = {"tanh": 1 - h ** 2, "sigmoid": h * (1 - h), "relu": np.float64(h > 0)}[activation]
    h_signals = slope * (ho.reshape(NH, NO) @ o_signals)
    return np.concatenate([np.outer(x, h_signals).ravel(), h_signals,
                           np.outer(h, o_signals).ravel(), o_signals])


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_mse_step_is_the_articles_formula(activation):
    nn = make_network(activation)
    w0 = nn.getWeights().astype(np.float64)
    expected = -LR * article_formula64(w0, ROWS[1], activation)
    assert relative_error(one_step(nn, ROWS[1:2]), expected) < BOUND


def test_relu_derivative_is_zero_at_zero_and_the_activations_match_float64():
    assert nb.relu_derivative(np.float32(0.0)) == 0.0
    assert nb.relu_derivative(np.float32(0.5)) == 1.0
    z = np.linspace(-30, 30, 61)
    for name, activation in nb.HIDDEN_ACTIVATIONS.items():
        got = np.array([activation.of_sum(np.float32(v)) for v in z], dtype=np.float64)
        np.testing.assert_allclose(got, ACTIVATIONS64[name](z), rtol=1e-6, atol=1e-7)
        got = activation.of_sums(np.float32(z)).astype(np.float64)  # the matrix engine's form
        np.testing.assert_allclose(got, ACTIVATIONS64[name](z), rtol=1e-6, atol=1e-7)


def reference_gradient(w, row):
    """Return the float64 gradient of the cross-entropy error of row, tanh hidden nodes."""
    return central_gradient(error64("cross-entropy", "tanh", row), w)


def test_momentum_three_steps_on_one_item_follow_the_hand_computed_sequence():
    mu = 0.9
    w = make_network("tanh").getWeights().astype(np.float64)
    v = np.zeros_like(w)
    expected = []
    for _ in range(3):  # v = mu * v - lr * g(w); w = w + v
        v = mu * v - LR * reference_gradient(w, ROWS[0])
        w = w + v
        expected.append(w)
    # the velocity lives for one train call: three copies of the item make three steps
    nn = make_network("tanh")
    nn.train(ROWS[:1].repeat(3, axis=0), 1, LR, momentum=mu, error_function="cross-entropy",
             print_every=0)
    np.testing.assert_allclose(nn.getWeights(), expected[2], rtol=0, atol=1e-5)
    plain_third_step = expected[1] - LR * reference_gradient(expected[1], ROWS[0])
    assert np.max(np.abs(plain_third_step - expected[2])) > 1e-3  # momentum does matter here
    # a new train call starts from zero velocity: its first step is a plain gradient step
    w3 = nn.getWeights().astype(np.float64)
    nn.train(ROWS[:1], 1, LR, momentum=mu, error_function="cross-entropy", print_every=0)
    np.testing.assert_allclose(nn.getWeights(), w3 - LR * reference_gradient(w3, ROWS[0]),
                               rtol=0, atol=1e-5)


def adam_by_hand(w, row, steps, lr=LR, beta1=0.9, beta2=0.999, eps=1e-8):
    """Return the weights after steps Adam updates on row, in float64 (Kingma & Ba, 2015)."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = reference_gradient(w, row)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


@pytest.mark.parametrize("engine", [nb.NeuralNetwork, nb.MatrixNeuralNetwork])
def test_adam_three_steps_on_one_item_follow_the_papers_rule(engine):
    nn = engine(NI, NH, NO, seed=7)
    nn.setWeights(make_network("tanh").getWeights())
    w0 = nn.getWeights().astype(np.float64)
    nn.train(ROWS[:1].repeat(3, axis=0), 1, LR, optimizer="adam",
             error_function="cross-entropy", print_every=0)
    np.testing.assert_allclose(nn.getWeights(), adam_by_hand(w0, ROWS[0], 3), rtol=0, atol=1e-5)
    sgd = w0 - LR * reference_gradient(w0, ROWS[0])
    assert np.max(np.abs(adam_by_hand(w0, ROWS[0], 1) - sgd)) > 1e-2  # Adam is not SGD here
    assert nn.optimizer.t == 3
    # a new train call starts Adam afresh: its first step is lr * m_hat / sqrt(v_hat) = lr
    w3 = nn.getWeights().astype(np.float64)
    nn.train(ROWS[:1], 1, LR, optimizer="adam", error_function="cross-entropy", print_every=0)
    np.testing.assert_allclose(nn.getWeights(), adam_by_hand(w3, ROWS[0], 1), rtol=0, atol=1e-5)


def test_adam_with_momentum_is_refused():
    with pytest.raises(ValueError, match="momentum: not with optimizer adam, which keeps its own"):
        make_network("tanh").train(ROWS, 1, LR, momentum=0.5, optimizer="adam")


def test_a_batch_step_is_the_mean_of_the_single_item_steps():
    steps = [one_step(make_network("tanh"), ROWS[i:i + 1], error_function="cross-entropy")
             for i in range(3)]
    batch = one_step(make_network("tanh"), ROWS[:3], batch_size=3, error_function="cross-entropy")
    assert relative_error(batch, np.mean(steps, axis=0)) < BOUND
    assert relative_error(batch, np.sum(steps, axis=0)) > 0.5  # a mean, not a sum


def test_a_short_last_batch_uses_its_own_mean():
    seed = 7
    order = np.arange(5)
    rnd = random.Random(seed)
    [rnd.random() for _ in range(43)]  # the initial weights come first from the stream
    rnd.shuffle(order)
    nn = make_network("tanh", seed=seed)
    w = nn.getWeights().astype(np.float64)
    for batch in (order[:3], order[3:]):  # batch size 3: then the 2 left over
        w = w - LR * np.mean([reference_gradient(w, ROWS[i]) for i in batch], axis=0)
    nn.train(ROWS, 1, LR, batch_size=3, error_function="cross-entropy", print_every=0)
    np.testing.assert_allclose(nn.getWeights(), w, rtol=0, atol=1e-5)


def test_save_then_load_gives_bit_identical_weights(tmp_path):
    nn = make_network("tanh")
    nn.setWeights(np.float32(np.random.default_rng(1).normal(0, 3, 43)) / np.float32(7))
    path = tmp_path / "w.txt"
    nb.save_weights(path, nn)
    loaded = nb.load_weights(path, (NI, NH, NO))
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, nn.getWeights())
    assert len(path.read_text().splitlines()) == 44  # a header line, then one number a line


def test_loaded_weights_replace_the_drawn_ones_without_changing_the_shuffles(tmp_path):
    path = tmp_path / "initial.txt"
    nb.save_weights(path, nb.NeuralNetwork(NI, NH, NO, seed=3))  # the default run's start
    default = run_script(cwd=tmp_path).stdout.splitlines()
    loaded = run_script("--load-weights", path, cwd=tmp_path).stdout.splitlines()
    at = default.index("Setting learning rate = 0.050") + 1
    assert loaded == default[:at] + ["Starting from the weights in %s" % path] + default[at:]


def test_cross_entropy_error_is_the_mean_of_minus_sum_t_ln_o():
    nn = make_network("sigmoid")
    w = nn.getWeights()
    expected = np.mean([error64("cross-entropy", "sigmoid", row)(w) for row in ROWS])
    assert nb.cross_entropy_error(nn, ROWS) == pytest.approx(expected, rel=1e-5)


def test_cli_training_continues_from_loaded_weights(tmp_path):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    run_script("--epochs", 2, "--save-weights", first, cwd=tmp_path)
    result = run_script("--epochs", 1, "--load-weights", first, "--save-weights", second,
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    nn = nb.NeuralNetwork(NI, NH, NO, seed=3)
    nn.setWeights(nb.load_weights(first, (nn.ni, nn.nh, nn.no)))
    expected = nn.train(nb.loadFile(nb.HERE / "irisTrainData.txt"), 1, 0.05, print_every=0)
    np.testing.assert_array_equal(nb.load_weights(second, (nn.ni, nn.nh, nn.no)), expected)


def test_cli_save_weights_writes_the_trained_weights(tmp_path):
    path = tmp_path / "trained.txt"
    result = run_script("--epochs", 2, "--save-weights", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    nn = nb.NeuralNetwork(NI, NH, NO, seed=3)
    data = nb.loadFile(nb.HERE / "irisTrainData.txt")
    expected = nn.train(data, 2, 0.05, print_every=0)
    np.testing.assert_array_equal(nb.load_weights(path, (nn.ni, nn.nh, nn.no)), expected)


def test_help_exits_0_and_shows_each_default(tmp_path):
    result = run_script("--help", cwd=tmp_path)
    assert result.returncode == 0
    options = result.stdout.split("\noptions:\n", 1)[1]
    for option, default in [("--hidden", "5"), ("--epochs", "50"), ("--lr", "0.05"),
                            ("--seed", "3"), ("--print-every", "10"), ("--error", "mse"),
                            ("--activation", "tanh"), ("--momentum", "0.0"),
                            ("--batch-size", "1"), ("--inputs", "4")]:
        block = options.split("  " + option, 1)[1].split("\n  --", 1)[0]
        assert "(default: %s)" % default in " ".join(block.split()), option


def progress_lines(stdout):
    return [line for line in stdout.splitlines() if line.startswith("epoch = ")]


def test_cli_options_reach_the_network_and_the_progress_line(tmp_path):
    result = run_script("--hidden", 7, "--epochs", 6, "--print-every", 3, "--error",
                        "cross-entropy", "--activation", "relu", "--lr", 0.01, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Creating a 4-7-3 neural network" in result.stdout
    lines = progress_lines(result.stdout)
    assert [line.split(" ce error = ")[0] for line in lines] == ["epoch = 3", "epoch = 6"]
    nn = nb.NeuralNetwork(4, 7, 3, seed=3, hidden_activation="relu")
    data = nb.loadFile(nb.HERE / "irisTrainData.txt")
    nn.train(data, 6, 0.01, error_function="cross-entropy", print_every=0)
    assert lines[-1] == "epoch = 6 ce error = %0.4f" % nb.cross_entropy_error(nn, data)


def test_print_every_0_prints_no_progress(tmp_path):
    result = run_script("--print-every", 0, "--epochs", 3, cwd=tmp_path)
    assert result.returncode == 0 and progress_lines(result.stdout) == []
