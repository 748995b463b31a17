"""--diagram draws the network: an edge per weight, and only the numbers the run computed."""

import re

import numpy as np
import pytest
from conftest import run_script
from test_explain import traced_arrays

import nn_backprop as nb

pytest.importorskip("matplotlib", reason="--diagram needs matplotlib")

NUMBER = re.compile(r"-?\d+\.\d{4}")


def svg_texts(path):
    """Return the texts of an SVG that matplotlib wrote with svg.fonttype 'none'."""
    return re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text())


def edges(path):
    """Return the ids of the edges drawn: ih[i, j] and ho[j, k]."""
    return re.findall(r'<g id="((?:ih|ho)\[\d+, \d+\])">', path.read_text())


@pytest.mark.parametrize("options", [[], ["--batch-size", "4"], ["--engine", "matrix"]],
                         ids=" ".join)
def test_the_traced_step_is_drawn_with_the_traces_numbers(options, tmp_path):
    picture = tmp_path / "step.svg"
    result = run_script("--trace", "1", "--epochs", "1", "--diagram", picture, *options,
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    arrays = traced_arrays(result.stdout.splitlines())
    first = (lambda a: a) if "--batch-size" not in options else (lambda a: a[0])
    drawn = [float(v) for text in svg_texts(picture) for v in NUMBER.findall(text)]
    for name in ("iNodes", "hNodes", "hSignals", "oNodes", "oSignals"):  # every node's
        for value in np.atleast_1d(first(arrays[name])):
            assert value in drawn, (name, value)
    before = nb.NeuralNetwork(4, 5, 3, seed=3).getWeights()  # the weights step 1 starts from
    allowed = {float("%.4f" % v) for v in before}
    allowed |= {v for a in arrays.values() for v in np.ravel(a)}
    assert set(drawn) <= allowed  # nothing the run did not compute
    biases = [t[2:] for t in svg_texts(picture) if t.startswith("b ")]
    grads = np.concatenate([np.atleast_1d(arrays["hbGrads"]), np.atleast_1d(arrays["obGrads"])])
    assert biases == ["%.4f" % b for b in np.concatenate([before[20:25], before[40:]])] + [
        "%.4f" % g for g in grads]  # the step's own: the biases before it, then its gradients
    assert len(edges(picture)) == 2 * (4 * 5 + 5 * 3)  # the weights, then the gradients


def test_without_trace_the_trained_weights_are_drawn(tmp_path):
    picture, weights = tmp_path / "net.svg", tmp_path / "w.txt"
    result = run_script("--diagram", picture, "--save-weights", weights, cwd=tmp_path)
    assert result.returncode == 0 and "Diagram written to " in result.stdout
    nn = nb.NeuralNetwork(4, 5, 3, seed=3)
    nn.setWeights(nb.load_weights(weights, (4, 5, 3)))
    biases = {"%.4f" % b for b in np.concatenate([nn.hBiases, nn.oBiases])}
    shown = {t[2:] for t in svg_texts(picture) if t.startswith("b ")}
    assert shown == biases
    assert len(edges(picture)) == 4 * 5 + 5 * 3


def test_a_diagram_of_another_format_is_refused_before_training(tmp_path):
    result = run_script("--diagram", tmp_path / "net.jpg", cwd=tmp_path)
    assert result.returncode == 2 and "--diagram" in result.stderr
    assert "name a .png, .pdf or .svg file" in result.stderr and "Starting" not in result.stdout


def drawn(arrays, largest=3):
    """Return the matplotlib axes on which draw_layers drew a 4-5-3 network with arrays."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    _, ax = plt.subplots()
    nb.draw_layers(ax, nb.NeuralNetwork(4, 5, 3, seed=3), arrays, None, "test", largest)
    return ax


def test_each_edge_joins_its_two_nodes_in_the_colour_of_its_sign():
    arrays = nb.views(nb.NeuralNetwork(4, 5, 3, seed=3),
                      np.random.default_rng(1).uniform(-1, 1, 43))  # both signs
    ax = drawn(arrays)
    place = [[(column, (size - 1) / 2 - i) for i in range(size)]
             for column, size in enumerate((4, 5, 3))]
    lines = {line.get_gid(): line for line in ax.lines}
    for name, layer, weights in (("ih", 0, arrays[0]), ("ho", 1, arrays[2])):
        for a, b in np.ndindex(weights.shape):
            line = lines["%s[%d, %d]" % (name, a, b)]
            (x0, y0), (x1, y1) = place[layer][a], place[layer + 1][b]
            assert list(line.get_xdata()) == [x0, x1] and list(line.get_ydata()) == [y0, y1]
            assert line.get_color() == ("tab:blue" if weights[a, b] >= 0 else "tab:red")


def test_the_labelled_edges_are_the_largest_gradients():
    arrays = nb.views(nb.NeuralNetwork(4, 5, 3, seed=3),
                      np.random.default_rng(2).uniform(-1, 1, 43))
    every = np.concatenate([arrays[0].ravel(), arrays[2].ravel()])
    labels = sorted(float(t.get_text()) for t in drawn(arrays).texts
                    if re.fullmatch(r"-?\d\.\d{4}", t.get_text()))
    largest = sorted(float("%.4f" % v) for v in every[np.argsort(-np.abs(every))[:3]])
    assert labels == largest


def test_the_legend_says_what_colour_and_width_mean(monkeypatch):
    monkeypatch.setattr(nb, "image_bytes", lambda fig, file_format: fig)  # the figure itself
    fig = nb.draw_network(nb.NeuralNetwork(4, 5, 3, seed=3), "svg", "title")
    legend = fig.legends[0]
    assert {t.get_text(): line.get_color() for t, line in zip(
        legend.get_texts(), legend.get_lines(), strict=True)} == {
        "positive": "tab:blue", "negative": "tab:red"}
    assert legend.get_title().get_text() == "an edge's colour: its sign; its width: its size"
