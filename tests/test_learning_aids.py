"""--trace, --check-gradients and --plot: what they show, and that training is unchanged."""

import os
import random
import re
import struct
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, forward64, run_script

import nn_backprop as nb

NAMES = ["iNodes", "hSums", "hNodes", "oSums", "oNodes", "targets", "oSignals", "hoGrads",
         "obGrads", "hSignals", "ihGrads", "hbGrads", "ihWeights", "hBiases", "hoWeights",
         "oBiases"]


def without_block(stdout, after, before):
    """Return stdout's lines without those between the line `after` and the first line
    starting with `before`: where the learning aids print."""
    lines = stdout.splitlines()
    start = lines.index(after) + 1
    end = next(i for i, line in enumerate(lines) if line.startswith(before))
    return lines[:start] + lines[end:]


def parse_trace(stdout):
    """Return {name: array} for the first traced step."""
    values, name = {}, None
    block = stdout.split("--- training step 1:", 1)[1]
    block = re.split(r"\n(?:epoch =|Training complete|--- training step 2)", block)[0]
    for line in block.splitlines()[1:]:
        if line.endswith(":"):
            name = line.split()[-1][:-1]
            values[name] = []
        elif line.strip() and name and not line.startswith("---"):
            values[name].append([float(v) for v in line.split()])
    return {k: np.array(v).squeeze() for k, v in values.items()}


def first_step_by_hand():
    """Return the first step of the default run, computed independently in float64."""
    rnd = random.Random(3)
    w = np.array([0.02 * rnd.random() - 0.01 for _ in range(43)], dtype=np.float32)
    order = np.arange(120)
    rnd.shuffle(order)
    row = np.float64(nb.loadFile(ROOT / "irisTrainData.txt")[order[0]])
    x, t = row[:4], row[4:]
    h_sums, h, o_sums, o = forward64(w, x, 4, 5, 3)
    ih, hb, ho, ob = (np.float64(a) for a in nb.views(nb.NeuralNetwork(4, 5, 3, 0), w))
    o_signals = (1 - o) * o * (o - t)
    h_signals = (1 - h) * (1 + h) * (ho @ o_signals)
    grads = {"hoGrads": np.outer(h, o_signals), "obGrads": o_signals,
             "ihGrads": np.outer(x, h_signals), "hbGrads": h_signals}
    after = {"ihWeights": ih - 0.05 * grads["ihGrads"], "hBiases": hb - 0.05 * h_signals,
             "hoWeights": ho - 0.05 * grads["hoGrads"], "oBiases": ob - 0.05 * o_signals}
    return order[0], {"iNodes": x, "hSums": h_sums, "hNodes": h, "oSums": o_sums, "oNodes": o,
                      "targets": t, "oSignals": o_signals, "hSignals": h_signals, **grads,
                      **after}


def test_trace_1_shows_every_quantity_of_the_first_step(tmp_path):
    result = run_script("--trace", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    item, expected = first_step_by_hand()
    assert "--- training step 1: item %d ---" % item in result.stdout
    assert "--- training step 2" not in result.stdout
    shown = parse_trace(result.stdout)
    assert list(shown) == NAMES
    for name in NAMES:
        np.testing.assert_allclose(shown[name], expected[name], rtol=0, atol=6e-5, err_msg=name)


def test_trace_does_not_change_the_rest_of_the_output(tmp_path):
    plain = run_script(cwd=tmp_path).stdout
    traced = run_script("--trace", 3, cwd=tmp_path).stdout
    assert traced.count("--- training step") == 3
    assert traced.count("--- weights after the update ---") == 3
    assert without_block(traced, "Starting training", "epoch = ") == plain.splitlines()


def test_trace_of_a_batch_with_the_matrix_engine_shows_means(tmp_path):
    result = run_script("--trace", 1, "--batch-size", 4, "--momentum", 0.5, "--engine", "matrix",
                        "--error", "cross-entropy", "--activation", "relu", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header = re.search(r"--- training step 1: items ([\d, ]+) \(the gradients are means\)",
                       result.stdout)
    assert header and len(header.group(1).split(", ")) == 4
    shown = parse_trace(result.stdout)
    assert shown["iNodes"].shape == (4, 4) and shown["hoGrads"].shape == (5, 3)
    # o - t for cross-entropy; the bias gradients are the means of the rows' signals
    np.testing.assert_allclose(shown["oSignals"], shown["oNodes"] - shown["targets"], atol=2e-4)
    np.testing.assert_allclose(shown["obGrads"], shown["oSignals"].mean(axis=0), atol=2e-4)
    # ReLU's derivative is 0 where its sum is negative: no signal flows back through it
    off = shown["hSums"] < -1e-4  # (printed to 4 decimals: a 0.0000 node may be a tiny 1e-5)
    assert off.any() and np.all(shown["hSignals"][off] == 0) and np.any(shown["hSignals"] != 0)


@pytest.mark.parametrize("error", ["mse-exact", "cross-entropy"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("engine", ["loops", "matrix"])
def test_check_gradients_is_small_for_the_exact_errors(error, activation, engine, tmp_path):
    result = run_script("--check-gradients", "--error", error, "--activation", activation,
                        "--engine", engine, "--epochs", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    groups = re.findall(r"^  (\w+) +largest relative difference (\S+)$", result.stdout, re.M)
    assert [name for name, _ in groups] == ["ihWeights", "hBiases", "hoWeights", "oBiases"]
    worst = float(re.search(r"^max relative difference: (\S+)$", result.stdout, re.M).group(1))
    assert worst == max(float(v) for _, v in groups) and worst < 1e-3
    assert "mse-exact for the exact gradient" not in result.stdout


def test_check_gradients_is_large_for_the_articles_signal_and_says_why(tmp_path):
    plain = run_script(cwd=tmp_path).stdout
    result = run_script("--check-gradients", cwd=tmp_path)
    worst = float(re.search(r"^max relative difference: (\S+)$", result.stdout, re.M).group(1))
    assert worst > 1e-3
    assert "off-diagonal" in result.stdout and "--error mse-exact" in result.stdout
    # it draws nothing from the random stream: the rest of the run is unchanged
    block = ("Setting learning rate = 0.050", "Starting training")
    assert without_block(result.stdout, *block) == without_block(plain, *block)


def png_size(path):
    """Return (width, height) of a PNG file, checking its signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_png_and_leaves_the_run_unchanged(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "run.png"
    plain = run_script("--engine", "matrix", cwd=tmp_path).stdout.splitlines()
    result = run_script("--plot", path, "--engine", "matrix", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert png_size(path) == (700, 600)
    assert result.stdout.splitlines() == plain[:-3] + ["", "Plot written to %s" % path] + plain[-3:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.png"]  # no temporary file left


def test_plot_without_matplotlib_stops_before_training(tmp_path):
    fake = tmp_path / "fake" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no matplotlib here')\n")
    env = dict(os.environ, PYTHONPATH=str(fake.parent))
    result = subprocess.run([sys.executable, str(ROOT / "nn_backprop.py"), "--plot",
                             str(tmp_path / "p.png")], capture_output=True, text=True, env=env,
                            cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "nn_backprop.py: error: --plot needs matplotlib: pip install -e '.[plot]' in the clone "
        "(or pip install matplotlib)"]
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("engine", ["NeuralNetwork", "MatrixNeuralNetwork"])
@pytest.mark.parametrize("batch_size", [1, 4])
def test_trace_prints_the_values_the_running_engine_computed(engine, batch_size, capsys):
    """A network whose step 4 doubles the derivative: its trace shows the doubled values.

    A trace that worked the step out again on its own would show the honest values.
    """
    data = nb.loadFile(ROOT / "irisTrainData.txt")
    traces = []
    for factor in (1, 2):
        nn = getattr(nb, engine)(4, 5, 3, seed=3)
        nn.setWeights(np.random.default_rng(2).uniform(-1, 1, 43))  # sizeable signals
        slope = nn.hidden.derivative
        nn.hidden = nn.hidden._replace(derivative=lambda h, s=slope, f=factor: f * s(h))
        nn.train(data, 1, 0.05, batch_size=batch_size, print_every=0,
                 on_step=nb.tracer(nn, 1))
        assert not {"batch_gradients", "compute_gradients", "update_weights"} & set(vars(nn))
        traces.append(parse_trace(capsys.readouterr().out))
    honest, doubled = traces
    for name in ("hSignals", "ihGrads", "hbGrads"):  # step 4 and what follows from it
        assert np.abs(honest[name]).max() > 0.01, name
        np.testing.assert_allclose(doubled[name], 2 * honest[name], atol=2e-4, err_msg=name)
    for name in ("hSums", "oNodes", "oSignals", "hoGrads", "obGrads"):  # before step 4
        np.testing.assert_array_equal(doubled[name], honest[name], err_msg=name)


@pytest.mark.parametrize("engine, forward", [("NeuralNetwork", "computeOutputs"),
                                             ("MatrixNeuralNetwork", "forward")])
def test_check_gradients_evaluates_the_error_with_the_engines_own_forward_pass(
        engine, forward, monkeypatch, capsys):
    cls = getattr(nb, engine)
    real = getattr(cls, forward)
    dtypes = []

    def counted(self, x_values):
        dtypes.append(self.dtype)
        return real(self, x_values)

    monkeypatch.setattr(cls, forward, counted)
    row = nb.loadFile(ROOT / "irisTrainData.txt")[0]
    nb.check_gradients(cls(4, 5, 3, seed=3), row, "cross-entropy")
    # two float64 evaluations per weight, and the float32 forward pass of the step itself
    assert dtypes.count(np.float64) == 2 * 43 and dtypes.count(np.float32) == 1
    assert "max relative difference" in capsys.readouterr().out


@pytest.mark.parametrize("engine", ["loops", "matrix"])
def test_trace_of_adam_shows_its_step(engine, tmp_path):
    result = run_script("--trace", 1, "--optimizer", "adam", "--lr", 0.01, "--engine", engine,
                        "--epochs", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--- Adam update 1: delta = -learnRate * m_hat / (sqrt(v_hat) + eps) ---" in (
        result.stdout)
    shown = parse_trace(result.stdout)
    # the first update: m_hat = g and v_hat = g * g, so each step is -0.01 * g / |g|
    for grads, deltas in (("ihGrads", "ihDeltas"), ("hoGrads", "hoDeltas"),
                          ("obGrads", "obDeltas")):
        np.testing.assert_allclose(shown[deltas], -0.01 * np.sign(shown[grads]), atol=1e-4)


def test_check_gradients_prints_the_cosine_and_length_ratio_the_readme_quotes(tmp_path):
    out = run_script("--check-gradients", "--epochs", 0, cwd=tmp_path).stdout
    cosine, ratio = re.search(r"cosine (\S+), length ratio (\S+)$", out, re.M).groups()
    readme = (ROOT / "README.md").read_text()
    assert "cosine is %s, and it is %s times as long" % (cosine, ratio) in readme
    exact = run_script("--check-gradients", "--epochs", 0, "--error", "mse-exact", cwd=tmp_path)
    assert "cosine 1.000000, length ratio 1.00" in exact.stdout
