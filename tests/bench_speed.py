"""Speed and memory benchmarks (pytest-benchmark); not part of the plain test run.

    python -m pytest tests/bench_speed.py      # pytest-benchmark's own tables
    python tests/bench_speed.py                # the same run, summarized as the README's table

Everything is measured side by side in one run, and the targets are checked on medians,
because these machines are noisy:
- the article's demo with --engine matrix within 2x of `python -c "import numpy"`;
- online training of a 64-100-10 network: the matrix engine >= 200x faster per item;
- mini-batches of 32 on a 784-128-10 network: >= 80,000 items/s, and peak memory that does
  not grow with the number of epochs. A plain NumPy loop runs beside it as a baseline: this
  machine's speed varies from hour to hour, the ratio between the two much less.
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]
import nn_backprop as nb  # noqa: E402
from conftest import SCRIPT  # noqa: E402

ROUNDS = 11


def synthetic(items, inputs, outputs, seed=0):
    """Return random inputs in [0, 1) and one-hot targets as one float32 data matrix."""
    rng = np.random.default_rng(seed)
    targets = np.eye(outputs, dtype=np.float32)[rng.integers(0, outputs, items)]
    return np.hstack([rng.random((items, inputs), dtype=np.float32), targets])


def run(args):
    subprocess.run([sys.executable, *args], check=True, capture_output=True)


class SideBySide:
    """Time several callables in turn, round after round, keeping each one's times."""

    def __init__(self, calls):
        self.calls, self.times = calls, {name: [] for name in calls}

    def round(self):
        for name, call in self.calls.items():
            start = time.perf_counter()
            call()
            self.times[name].append(time.perf_counter() - start)

    def medians(self):
        return {name: statistics.median(t) for name, t in self.times.items()}


@pytest.mark.benchmark(group="Iris demo, end to end")
def test_demo_side_by_side(benchmark):
    """The floor (start Python, import NumPy) and the article's demo with each engine."""
    commands = {"import numpy": ["-c", "import numpy"], "loops": [str(SCRIPT)],
                "matrix": [str(SCRIPT), "--engine", "matrix"]}
    side = SideBySide({name: partial(run, args) for name, args in commands.items()})
    benchmark.pedantic(side.round, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(items=120 * 50, batch=1, medians=side.medians())


@pytest.mark.benchmark(group="online, 64-100-10")
def test_online_side_by_side(benchmark):
    """One epoch of per-item training; the loops get fewer items, being far slower."""
    items = {"loops": 20, "matrix": 2000}
    data = synthetic(2000, 64, 10)
    networks = {"loops": nb.NeuralNetwork(64, 100, 10, seed=1),
                "matrix": nb.MatrixNeuralNetwork(64, 100, 10, seed=1)}
    side = SideBySide({name: partial(nn.train, data[:items[name]], 1, 0.01, printEvery=0)
                       for name, nn in networks.items()})
    benchmark.pedantic(side.round, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(items=items, batch=1, medians=side.medians())


def plain_numpy_epoch(data, batch=32, lr=0.01, seed=1):
    """One epoch of the same mini-batch training written the plain NumPy way: a baseline.

    Cross-entropy, tanh, new arrays for every result: what one would write first.
    """
    rng = np.random.default_rng(seed)
    x_all, t_all = data[:, :784], data[:, 784:]
    w1 = rng.uniform(-0.01, 0.01, (784, 128)).astype(np.float32)
    w2 = rng.uniform(-0.01, 0.01, (128, 10)).astype(np.float32)
    b1, b2 = np.zeros(128, np.float32), np.zeros(10, np.float32)
    order = rng.permutation(len(data))
    for start in range(0, len(data), batch):
        rows = order[start:start + batch]
        x, t = x_all[rows], t_all[rows]
        h = np.tanh(x @ w1 + b1)
        z = h @ w2 + b2
        e = np.exp(z - z.max(axis=1, keepdims=True))
        d2 = (e / e.sum(axis=1, keepdims=True) - t) / len(rows)
        d1 = (1 - h * h) * (d2 @ w2.T)
        w2 -= lr * (h.T @ d2)
        b2 -= lr * d2.sum(axis=0)
        w1 -= lr * (x.T @ d1)
        b1 -= lr * d1.sum(axis=0)


@pytest.mark.benchmark(group="mini-batch 32, 784-128-10")
def test_minibatch_side_by_side(benchmark):
    """One epoch of 5000 items in batches of 32: the matrix engine and a plain NumPy loop."""
    data = synthetic(5000, 784, 10)
    nn = nb.MatrixNeuralNetwork(784, 128, 10, seed=1)
    side = SideBySide({
        "matrix": partial(nn.train, data, 1, 0.01, batchSize=32, errorFunction="cross-entropy",
                          printEvery=0),
        "plain NumPy (baseline)": partial(plain_numpy_epoch, data)})
    benchmark.pedantic(side.round, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(items=5000, batch=32, medians=side.medians())


MEMORY_PROBE = """
import resource, sys
sys.path[:0] = sys.argv[1:3]
import nn_backprop as nb
from bench_speed import synthetic
data = synthetic(5000, 784, 10)
nn = nb.MatrixNeuralNetwork(784, 128, 10, seed=1)
peaks = []
for epochs in (1, 1, 4):
    nn.train(data, epochs, 0.01, batchSize=32, momentum=0.9, printEvery=0)
    peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(peaks[1], peaks[2], data.nbytes, nn.flat.nbytes)
"""


def memory_probe():
    """Return peak RSS (KB) after 2 and after 6 epochs, and the data and weight sizes (bytes)."""
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(HERE.parent), str(HERE)],
                         check=True, capture_output=True, text=True).stdout.split()
    return tuple(map(int, out))


def describe_memory(after_2, after_6, data_bytes, weight_bytes):
    return ("peak RSS %.1f MB after 2 epochs and %.1f MB after 6 (data %.1f MB, weights %.2f MB)"
            % (after_2 / 1024, after_6 / 1024, data_bytes / 2**20, weight_bytes / 2**20))


def test_minibatch_memory_does_not_grow_with_epochs():
    """Peak RSS after 2 epochs and after 6: the same, within a megabyte of noise."""
    after_2, after_6, data_bytes, weight_bytes = memory_probe()
    print("\n" + describe_memory(after_2, after_6, data_bytes, weight_bytes))
    assert after_6 - after_2 < 1024  # ru_maxrss is in kilobytes on Linux


def summarize(report):
    """Return the README's table from a pytest-benchmark JSON report, with each target."""
    lines = ["| benchmark | network | items | batch | engine | median s | items/s | ratio |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for b in report["benchmarks"]:
        info = b["extra_info"]
        medians = info["medians"]
        for engine, seconds in medians.items():
            items = info["items"] if isinstance(info["items"], int) else info["items"][engine]
            rate = "" if engine == "import numpy" else "{:,.0f}".format(items / seconds)
            lines.append("| %s | %s | %s | %d | %s | %.4f | %s | %s |" % (
                b["group"], NETWORKS[b["group"]], "" if engine == "import numpy" else items,
                info["batch"], engine, seconds, rate, ratio(b["group"], engine, medians, info)))
    return "\n".join(lines)


NETWORKS = {"Iris demo, end to end": "4-5-3", "online, 64-100-10": "64-100-10",
            "mini-batch 32, 784-128-10": "784-128-10"}


def ratio(group, engine, medians, info):
    """Return the ratio the target is about, and whether the target is met."""
    if group.startswith("Iris"):
        r = medians[engine] / medians["import numpy"]
        met = "met" if r <= 2 else "NOT met"
        verdict = " (target <= 2: %s)" % met if engine == "matrix" else ""
        return "%.2fx import numpy%s" % (r, verdict)
    if engine == "matrix" and "loops" in medians:
        per_item = {name: medians[name] / info["items"][name] for name in medians}
        r = per_item["loops"] / per_item["matrix"]
        return "%.0fx faster per item (target >= 200: %s)" % (r, "met" if r >= 200 else "NOT met")
    if group.startswith("mini") and engine == "matrix":
        rate = info["items"] / medians["matrix"]
        return "%.2fx the baseline's rate (target >= 80,000/s: %s)" % (
            medians["plain NumPy (baseline)"] / medians["matrix"],
            "met" if rate >= 80000 else "NOT met")
    return ""


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "bench.json"
        subprocess.run([sys.executable, "-m", "pytest", "-q", __file__, "-p", "no:cacheprovider",
                        "--benchmark-json", str(report)], check=True, capture_output=True)
        print(summarize(json.loads(report.read_text())))
    print("\nmini-batch 32, 784-128-10, momentum 0.9: " + describe_memory(*memory_probe()))
