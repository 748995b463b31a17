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


def boxes(ax):
    """Return the node boxes drawn on ax, by name (x0, h0, ...), as (left, bottom, right, top)."""
    return {p.get_gid(): (p.get_x(), p.get_y(), p.get_x() + p.get_width(),
                          p.get_y() + p.get_height()) for p in ax.patches}


def test_each_edge_joins_its_two_nodes_in_the_colour_of_its_sign():
    arrays = nb.views(nb.NeuralNetwork(4, 5, 3, seed=3),
                      np.random.default_rng(1).uniform(-1, 1, 43))  # both signs
    ax = drawn(arrays)
    lines, box = {line.get_gid(): line for line in ax.lines}, boxes(ax)
    for name, (start, end), weights in (("ih", "xh", arrays[0]), ("ho", "ho", arrays[2])):
        for a, b in np.ndindex(weights.shape):
            line = lines["%s[%d, %d]" % (name, a, b)]
            (_, b0, r0, t0), (l1, b1, _, t1) = box[start + str(a)], box[end + str(b)]
            assert line.get_xdata() == pytest.approx([r0, l1])  # from side to side
            assert line.get_ydata() == pytest.approx([(b0 + t0) / 2, (b1 + t1) / 2])
            assert line.get_color() == ("tab:blue" if weights[a, b] >= 0 else "tab:red")


def test_the_named_edges_are_the_largest_gradients():
    arrays = nb.views(nb.NeuralNetwork(4, 5, 3, seed=3),
                      np.random.default_rng(2).uniform(-1, 1, 43))
    every = np.concatenate([arrays[0].ravel(), arrays[2].ravel()])
    named = [float(v) for v in NUMBER.findall(drawn(arrays).get_xlabel())]
    largest = [float("%.4f" % v) for v in every[np.argsort(-np.abs(every))[:3]]]
    assert named == largest


def first_step(nn, data):
    """Return nn's first training step on data and the weights before it, as --trace keeps them."""
    first = []
    nn.train(data, 1, 0.05, print_every=0, on_step=nb.tracer(nn, 1, first=first))
    return first[0]


def ragged(nn, scale):
    """Return random training rows for nn, with inputs up to scale, one-hot targets."""
    rng = np.random.default_rng(4)
    targets = np.eye(nn.no, dtype=np.float32)[rng.integers(0, nn.no, 20)]
    return np.hstack([rng.uniform(-scale, scale, (20, nn.ni)).astype(np.float32), targets])


@pytest.mark.parametrize("shape, scale, init_range", [
    ((4, 5, 3), 8.0, 0.01),      # the default network, as the README's picture draws it
    ((16, 16, 16), 99.0, 3.0),   # the largest --diagram draws, with long numbers
    ((1, 16, 2), 3e38, 0.01)], ids=str)   # inputs of 44 characters: the text shrinks
@pytest.mark.parametrize("traced", [True, False], ids=["a step", "trained weights"])
def test_no_edge_or_text_crosses_a_text_or_another_box(shape, scale, init_range, traced,
                                                       monkeypatch, capsys):
    from matplotlib.text import Text
    monkeypatch.setattr(nb, "image_bytes", lambda fig, file_format: fig)  # the figure itself
    nn = nb.NeuralNetwork(*shape, seed=3, init_range=init_range)
    step = first_step(nn, ragged(nn, scale))
    fig = nb.draw_network(nn, "svg", "a title\nof two lines", step if traced else None)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    texts = [t for t in dict.fromkeys(fig.findobj(Text))  # each once: every text drawn
             if t.get_visible() and t.get_text().strip()]
    extents = [t.get_window_extent(renderer) for t in texts]
    for n, (a, b) in enumerate(zip(texts, extents, strict=True)):
        for c, d in zip(texts[n + 1:], extents[n + 1:], strict=True):
            assert not b.overlaps(d), (a.get_text(), c.get_text())
    for ax in fig.axes:
        boxes = [p.get_window_extent(renderer) for p in ax.patches]
        for text in ax.texts:  # each node's text inside its box
            extent = text.get_window_extent(renderer)
            assert any(box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0
                       and extent.y1 <= box.y1 for box in boxes), text.get_text()
        for line in ax.lines:  # each edge's points between its ends, outside every box
            (x0, y0), (x1, y1) = ax.transData.transform(line.get_xydata())
            for f in np.linspace(0.01, 0.99, 99):
                x, y = x0 + f * (x1 - x0), y0 + f * (y1 - y0)
                assert not any(box.x0 < x < box.x1 and box.y0 < y < box.y1
                               for box in boxes + extents), line.get_gid()


def test_the_legend_says_what_colour_and_width_mean(monkeypatch):
    monkeypatch.setattr(nb, "image_bytes", lambda fig, file_format: fig)  # the figure itself
    fig = nb.draw_network(nb.NeuralNetwork(4, 5, 3, seed=3), "svg", "title")
    legend = fig.legends[0]
    assert {t.get_text(): line.get_color() for t, line in zip(
        legend.get_texts(), legend.get_lines(), strict=True)} == {
        "positive": "tab:blue", "negative": "tab:red"}
    assert legend.get_title().get_text() == "an edge's colour: its sign; its width: its size"
