"""Speed and memory benchmarks (pytest-benchmark). The plain test command does not run them.

    python tests/bench_speed.py                # all of them, summed up in one table (~3 min)
    python -m pytest tests/bench_speed.py      # pytest-benchmark's own statistics

The contenders of a group take turns, round after round, and the table gives each one's
median and their ratios: the speed of a shared machine changes from minute to minute, and
what runs side by side changes together. Each timing runs in a process of its own, which
ends before the next one starts, so that no contender's worker threads (NumPy's BLAS spins
its threads for a moment after a product) can slow the next; the table says how many
threads each ran with.
- The article's demo, end to end, with each engine, beside `python -c "import numpy"` (the
  cost of starting Python and NumPy) and beside the same training written with the fewest
  NumPy calls per item (biases folded into the weights, results in preallocated arrays):
  about as fast as a per-item NumPy loop gets, at the cost of reading like the article.
- Online training of a 64-100-10 network: the loops and the matrix engine, per item.
- Mini-batches of 32 on a 784-128-10 network, with the default threads and with one: the
  matrix engine beside a plain NumPy loop, a careful one (results in place, the learning rate
  folded into the signals) and, where installed, PyTorch and scikit-learn's MLPClassifier.
  PyTorch is timed first and last in every round: the two medians agree when the order of
  the contenders does not matter. And the peak memory after 2 and after 6 epochs.
"""

import json
import os
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
DEMO_ROUNDS = 21  # starting Python and NumPy varies most from run to run: more rounds


def synthetic(items, inputs, outputs, seed=0):
    """Return random inputs in [0, 1) and one-hot targets as one float32 data matrix."""
    rng = np.random.default_rng(seed)
    targets = np.eye(outputs, dtype=np.float32)[rng.integers(0, outputs, items)]
    return np.hstack([rng.random((items, inputs), dtype=np.float32), targets])


def run_alone(args):
    """Run Python with args in a process of its own; return its wall-clock seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True)
    return time.perf_counter() - start, "default"


ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                     "MKL_NUM_THREADS")}  # read by NumPy's BLAS and PyTorch


def time_alone(contender, threads="default"):
    """Time one contender in a process of its own; return its seconds and its thread count."""
    env = dict(os.environ, **(ONE_THREAD if threads == 1 else {}))
    out = subprocess.run([sys.executable, __file__, "--time", contender], env=env, check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out)
    return result["seconds"], result["threads"]


class SideBySide:
    """Time several contenders in turn, round after round, keeping each one's times.

    Each call returns the seconds it measured and the threads it ran with.
    """

    def __init__(self, calls):
        self.calls, self.times = calls, {name: [] for name in calls}
        self.threads = {}

    def round(self):
        for name, call in self.calls.items():
            seconds, self.threads[name] = call()
            self.times[name].append(seconds)

    def medians(self):
        return {name: statistics.median(t) for name, t in self.times.items()}


FEWEST_CALLS = """
import random, sys
import numpy as np
train, test = (np.loadtxt(p, delimiter=",", dtype=np.float32) for p in sys.argv[1:3])
ni, nh, no = 4, 5, 3
rnd = random.Random(3)
w = np.array([0.02 * rnd.random() - 0.01 for _ in range(ni * nh + nh + nh * no + no)],
             dtype=np.float32)  # getWeights order, drawn as initializeWeights does
g = np.zeros_like(w)
cut = (ni + 1) * nh  # a bias is a weight on an input fixed at 1: one more row per matrix
w1, w2 = w[:cut].reshape(ni + 1, nh), w[cut:].reshape(nh + 1, no)
g1, g2 = g[:cut].reshape(ni + 1, nh), g[cut:].reshape(nh + 1, no)
x1, h1 = np.ones(ni + 1, np.float32), np.ones(nh + 1, np.float32)
x, h, x1col, h1col = x1[:ni], h1[:nh], x1[:, None], h1[:, None]
one, rate = np.array(1, np.float32), np.array(-0.05, np.float32)  # 0-d: no scalar casts
order = list(range(len(train)))
for epoch in range(int(sys.argv[3])):
    rnd.shuffle(order)
    for i in order:
        row = train[i]
        x[:] = row[:ni]
        np.tanh(x1.dot(w1), out=h)
        s = h1.dot(w2)
        e = np.exp(s - s.max())
        o = e / e.sum()
        os_ = (one - o) * o * (o - row[ni:])
        np.dot(h1col, os_[None, :], out=g2)
        hs = (one - h) * (one + h) * w2[:nh].dot(os_)
        np.dot(x1col, hs[None, :], out=g1)
        g *= rate
        w += g
for data in (train, test):
    out = np.tanh(data[:, :ni].dot(w1[:ni]) + w1[ni]).dot(w2[:nh]) + w2[nh]
    print("%.4f" % np.mean(data[np.arange(len(data)), ni + out.argmax(axis=1)] == 1))
print(" ".join("%.9g" % v for v in w))
"""


def fewest_calls_args(epochs=50):
    """Return the arguments that run the fewest-calls loop on the Iris files."""
    return ["-c", FEWEST_CALLS, str(HERE.parent / "irisTrainData.txt"),
            str(HERE.parent / "irisTestData.txt"), str(epochs)]


def test_the_fewest_calls_loop_trains_as_the_article_does():
    """Its weights after the demo's 50 epochs are the loops' within 1e-5."""
    out = subprocess.run([sys.executable, *fewest_calls_args()], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    nn = nb.NeuralNetwork(4, 5, 3, seed=3)
    expected = nn.train(nb.loadFile(HERE.parent / "irisTrainData.txt"), 50, 0.05, print_every=0)
    assert np.abs(np.array(out[2].split(), dtype=np.float32) - expected).max() < 1e-5


@pytest.mark.benchmark(group="Iris demo, end to end")
def test_demo_side_by_side(benchmark):
    """Starting Python and NumPy, the article's demo with each engine, and the same training
    with the fewest NumPy calls."""
    commands = {"import numpy": ["-c", "import numpy"], "loops": [str(SCRIPT)],
                "matrix": [str(SCRIPT), "--engine", "matrix"],
                "fewest NumPy calls": fewest_calls_args()}
    side = SideBySide({name: partial(run_alone, args) for name, args in commands.items()})
    benchmark.pedantic(side.round, rounds=DEMO_ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(items=120 * 50, batch=1, medians=side.medians(),
                                threads=side.threads)


ONLINE_ITEMS = {"loops": 20, "matrix": 2000}  # the loops get fewer items, being far slower


def online_epoch(engine):
    """Return a call that trains a 64-100-10 network for one epoch, item by item."""
    network = {"loops": nb.NeuralNetwork, "matrix": nb.MatrixNeuralNetwork}[engine]
    nn = network(64, 100, 10, seed=1)
    return partial(nn.train, synthetic(ONLINE_ITEMS[engine], 64, 10), 1, 0.01, print_every=0)


@pytest.mark.benchmark(group="online, 64-100-10")
def test_online_side_by_side(benchmark):
    """One epoch of per-item training with each engine."""
    side = SideBySide({name: partial(time_alone, "online " + name) for name in ONLINE_ITEMS})
    benchmark.pedantic(side.round, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(items=ONLINE_ITEMS, batch=1, medians=side.medians(),
                                threads=side.threads)


def baseline_weights(seed=1):
    """Return the baselines' initial w1, b1, w2, b2 and their random generator."""
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(-0.01, 0.01, (784, 128)).astype(np.float32)
    w2 = rng.uniform(-0.01, 0.01, (128, 10)).astype(np.float32)
    return (w1, np.zeros(128, np.float32), w2, np.zeros(10, np.float32)), rng


def plain_numpy_epoch(data, batch=32, lr=0.01, seed=1):
    """Return the weights after one epoch of mini-batch training written the plain NumPy way.

    Cross-entropy, tanh, new arrays for every result: what one would write first.
    """
    (w1, b1, w2, b2), rng = baseline_weights(seed)
    x_all, t_all = data[:, :784], data[:, 784:]
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
    return w1, b1, w2, b2


def careful_numpy_epoch(data, batch=32, lr=0.01, seed=1):
    """Return the weights after the same epoch written carefully: a second baseline.

    Results go into preallocated arrays, and -lr / n multiplies the small signal matrices,
    so each big product is the step itself and each weight matrix is passed over once.
    """
    (w1, b1, w2, b2), rng = baseline_weights(seed)
    x_all, t_all = data[:, :784], data[:, 784:]
    order = rng.permutation(len(data))
    hb, zb, db = (np.empty((batch, n), np.float32) for n in (128, 10, 128))
    g1, g2 = np.empty_like(w1), np.empty_like(w2)
    for start in range(0, len(data), batch):
        rows = order[start:start + batch]
        x, t = x_all[rows], t_all[rows]
        h, z, d1 = hb[:len(rows)], zb[:len(rows)], db[:len(rows)]
        np.matmul(x, w1, out=h)
        h += b1
        np.tanh(h, out=h)
        np.matmul(h, w2, out=z)
        z += b2
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        z -= t  # the cross-entropy signal
        np.matmul(z, w2.T, out=d1)
        d1 *= 1 - h * h
        scale = np.float32(-lr / len(rows))
        z *= scale
        d1 *= scale
        w2 += np.matmul(h.T, z, out=g2)
        b2 += z.sum(axis=0)
        w1 += np.matmul(x.T, d1, out=g1)
        b1 += d1.sum(axis=0)
    return w1, b1, w2, b2


def test_the_two_baselines_train_alike():
    """The careful baseline does the plain one's training: the same weights within 1e-6."""
    data = synthetic(500, 784, 10)  # 15 batches of 32 and one of 20
    for plain, careful in zip(plain_numpy_epoch(data), careful_numpy_epoch(data), strict=True):
        assert np.abs(plain - careful).max() < 1e-6


def torch_epoch(data, batch=32, lr=0.01, seed=1):
    """Return the weights after the same epoch written with PyTorch (eager mode, CPU).

    The same network, error and update: Linear-Tanh-Linear-Softmax, the mean over the
    batch of -sum t ln o, torch.optim.SGD; PyTorch's default number of threads.
    """
    import torch
    (w1, b1, w2, b2), rng = baseline_weights(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.Tanh(),
                                torch.nn.Linear(128, 10), torch.nn.Softmax(dim=-1))
    with torch.no_grad():
        for param, w in zip(model.parameters(), (w1.T, b1, w2.T, b2), strict=True):
            param.copy_(torch.from_numpy(np.ascontiguousarray(w)))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    x_all, t_all = torch.from_numpy(data[:, :784]), torch.from_numpy(data[:, 784:])
    order = torch.from_numpy(rng.permutation(len(data)))
    for start in range(0, len(data), batch):
        rows = order[start:start + batch]
        x, t = x_all[rows], t_all[rows]
        loss = -(t * torch.log(model(x))).sum(dim=1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    w1, b1, w2, b2 = (p.detach().numpy() for p in model.parameters())
    return w1.T, b1, w2.T, b2


def test_the_pytorch_epoch_trains_as_the_numpy_baseline():
    """The PyTorch loop does the plain NumPy loop's training: the same weights within 1e-6."""
    pytest.importorskip("torch", reason="PyTorch is not installed: no PyTorch row")
    data = synthetic(500, 784, 10)
    for plain, torch_weights in zip(plain_numpy_epoch(data), torch_epoch(data), strict=True):
        assert np.abs(plain - torch_weights).max() < 1e-6


def sklearn_epoch(data, batch=32, lr=0.01, seed=1):
    """Return the weights after the same epoch with scikit-learn's MLPClassifier.

    tanh, softmax and its log-loss, plain SGD at the same rate (momentum 0, alpha 0), one
    pass over the items in the baselines' order (the rows put in that order, its shuffling
    off), from the baselines' weights (given through its _init_coef, a private method). What
    it cannot leave out: it checks its input, turns the labels into one-hot rows again and
    computes the loss of every batch.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    (w1, b1, w2, b2), rng = baseline_weights(seed)
    start = iter([(w1, b1), (w2, b2)])

    class FromBaselineWeights(MLPClassifier):
        def _init_coef(self, fan_in, fan_out, dtype):
            return next(start)

    model = FromBaselineWeights(
        hidden_layer_sizes=(128,), activation="tanh", solver="sgd", alpha=0.0,
        batch_size=batch, learning_rate="constant", learning_rate_init=lr, momentum=0.0,
        nesterovs_momentum=False, max_iter=1, shuffle=False)
    rows = data[rng.permutation(len(data))]
    with warnings.catch_warnings():  # one epoch is not convergence, and it says so
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(rows[:, :784], rows[:, 784:].argmax(axis=1))
    return model.coefs_[0], model.intercepts_[0], model.coefs_[1], model.intercepts_[1]


def test_the_sklearn_epoch_trains_as_the_numpy_baseline():
    """MLPClassifier does the plain NumPy loop's training: the same weights within 1e-6."""
    pytest.importorskip("sklearn", reason="scikit-learn is not installed: no scikit-learn row")
    data = synthetic(500, 784, 10)
    for plain, sklearn_weights in zip(plain_numpy_epoch(data), sklearn_epoch(data), strict=True):
        assert sklearn_weights.dtype == np.float32
        assert np.abs(plain - sklearn_weights).max() < 1e-6


def installed(module):
    """Return whether a module can be imported."""
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def have_torch():
    """Return whether PyTorch can be imported."""
    return installed("torch")


def minibatch_epoch(name):
    """Return a call that trains a 784-128-10 network for one epoch of 5000 items."""
    data = synthetic(5000, 784, 10)
    if name == "matrix":
        nn = nb.MatrixNeuralNetwork(784, 128, 10, seed=1)
        return partial(nn.train, data, 1, 0.01, batch_size=32, error_function="cross-entropy",
                       print_every=0)
    return partial(MINIBATCH_LOOPS[name], data)


MINIBATCH_LOOPS = {"plain NumPy (baseline)": plain_numpy_epoch,
                   "careful NumPy (baseline)": careful_numpy_epoch,
                   "PyTorch (eager, CPU)": torch_epoch,
                   "scikit-learn MLPClassifier": sklearn_epoch}

CONTENDERS = {"online " + engine: partial(online_epoch, engine) for engine in ONLINE_ITEMS}
CONTENDERS.update({name: partial(minibatch_epoch, name)
                   for name in ["matrix", *MINIBATCH_LOOPS]})


def threads_in_use(contender):
    """Return how many threads the contender's library ran with, as text."""
    if contender.startswith("PyTorch"):
        import torch
        return str(torch.get_num_threads())
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # then only what was asked for is known
        return os.environ.get("OPENBLAS_NUM_THREADS", "default")
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return str(max(blas)) if blas else "none"


def time_here(contender):
    """Print, as JSON, the seconds of one call of the contender after one untimed call."""
    call = CONTENDERS[contender]()
    call()  # not timed: imports, first allocations and a cold cache are not its speed
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "threads": threads_in_use(contender)}))


def test_a_contender_timed_with_one_thread_runs_with_one():
    """The thread setting reaches the child process, for NumPy's BLAS and for PyTorch."""
    pytest.importorskip("threadpoolctl", reason="threadpoolctl is not installed")
    contenders = ["matrix"] + (["PyTorch (eager, CPU)"] if have_torch() else [])
    for contender in contenders:
        assert time_alone(contender, 1)[1] == "1"
        if (os.cpu_count() or 1) > 1 and "OMP_NUM_THREADS" not in os.environ:
            assert time_alone(contender)[1] != "1"


def minibatch_contenders(threads):
    """Return the mini-batch group's timed calls; PyTorch, where installed, first and last."""
    names = ["matrix", "plain NumPy (baseline)", "careful NumPy (baseline)"]
    if installed("sklearn"):
        names.append("scikit-learn MLPClassifier")
    calls = {name: partial(time_alone, name, threads) for name in names}
    if have_torch():
        torch_call = partial(time_alone, "PyTorch (eager, CPU)", threads)
        calls = {"PyTorch (eager, CPU), timed first": torch_call, **calls,
                 "PyTorch (eager, CPU), timed last": torch_call}
    return calls


def minibatch_side_by_side(benchmark, threads):
    side = SideBySide(minibatch_contenders(threads))
    benchmark.pedantic(side.round, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(items=5000, batch=32, medians=side.medians(),
                                threads=side.threads)


@pytest.mark.benchmark(group="mini-batch 32, 784-128-10")
def test_minibatch_side_by_side(benchmark):
    """One epoch of 5000 items in batches of 32, with each library's default threads."""
    minibatch_side_by_side(benchmark, "default")


@pytest.mark.benchmark(group="mini-batch 32, 784-128-10, one thread")
def test_minibatch_one_thread(benchmark):
    """The same epoch, each contender restricted to one thread."""
    minibatch_side_by_side(benchmark, 1)


MEMORY_PROBE = """
import resource, sys
sys.path[:0] = sys.argv[1:3]
import nn_backprop as nb
from bench_speed import synthetic
data = synthetic(5000, 784, 10)
nn = nb.MatrixNeuralNetwork(784, 128, 10, seed=1)
peaks = []
for epochs in (1, 1, 4):
    nn.train(data, epochs, 0.01, batch_size=32, momentum=0.9, print_every=0)
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


def summarize(benchmarks):
    """Return the table of a pytest-benchmark JSON report's benchmarks, as the README shows it."""
    lines = ["| benchmark | network | items | batch | engine | threads | median s | items/s "
             "| ratio |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for b in benchmarks:
        info = b["extra_info"]
        medians = info["medians"]
        for engine, seconds in medians.items():
            items = info["items"] if isinstance(info["items"], int) else info["items"][engine]
            rate = "" if engine == "import numpy" else "{:,.0f}".format(items / seconds)
            lines.append("| %s | %s | %s | %d | %s | %s | %.4f | %s | %s |" % (
                b["group"], NETWORKS[b["group"]], "" if engine == "import numpy" else items,
                info["batch"], engine, info["threads"][engine], seconds, rate,
                ratio(b["group"], engine, medians, info)))
    return "\n".join(lines)


def order_checks(benchmarks):
    """Return a line per group that timed one contender first and last: the two medians."""
    lines = []
    for b in benchmarks:
        medians = b["extra_info"]["medians"]
        first = next((name for name in medians if name.endswith(", timed first")), None)
        if first:
            last = first.replace("first", "last")
            lines.append("order check, %s: %s took %.2fx as long timed last as timed first"
                         % (b["group"], first[:-len(", timed first")],
                            medians[last] / medians[first]))
    return lines


NETWORKS = {"Iris demo, end to end": "4-5-3", "online, 64-100-10": "64-100-10",
            "mini-batch 32, 784-128-10": "784-128-10",
            "mini-batch 32, 784-128-10, one thread": "784-128-10"}


def ratio(group, engine, medians, info):
    """Return how a row compares with the others of its group."""
    if group.startswith("Iris"):
        return "%.2fx import numpy" % (medians[engine] / medians["import numpy"])
    if group.startswith("online"):
        per_item = {name: medians[name] / info["items"][name] for name in medians}
        return "%.0fx the loops' items/s" % (per_item["loops"] / per_item[engine])
    return "%.2fx the matrix engine's items/s" % (medians["matrix"] / medians[engine])


def versions():
    """Return the versions and the machine the benchmarks ran on, for the table's caption."""
    import platform
    found = ["Python " + platform.python_version(), "NumPy " + np.__version__]
    for module, name in (("torch", "PyTorch"), ("sklearn", "scikit-learn"),
                         ("threadpoolctl", "threadpoolctl")):
        if installed(module):
            found.append(name + " " + __import__(module).__version__)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor()) \
        if Path("/proc/cpuinfo").exists() else platform.processor()
    return ", ".join(found) + "; %d CPUs (%s), %s" % (os.cpu_count(), cpu, platform.system())


RUNS = [("test_demo_side_by_side", "the Iris demo, end to end (%d rounds)" % DEMO_ROUNDS),
        ("test_online_side_by_side", "online training, 64-100-10 (%d rounds)" % ROUNDS),
        ("test_minibatch_side_by_side", "mini-batches of 32, 784-128-10 (%d rounds)" % ROUNDS),
        ("test_minibatch_one_thread", "the same, one thread each (%d rounds)" % ROUNDS)]


if __name__ == "__main__" and sys.argv[1:2] == ["--time"]:
    time_here(sys.argv[2])  # one contender's timing, in a process of its own
elif __name__ == "__main__":
    benchmarks = []
    with tempfile.TemporaryDirectory() as tmp:
        for number, (test, what) in enumerate(RUNS, 1):
            print("[%d/%d] %s ..." % (number, len(RUNS) + 1, what), file=sys.stderr, flush=True)
            report = Path(tmp) / (test + ".json")
            subprocess.run([sys.executable, "-m", "pytest", "-q", "%s::%s" % (__file__, test),
                            "-p", "no:cacheprovider", "--benchmark-json", str(report)],
                           check=True, capture_output=True)
            benchmarks += json.loads(report.read_text())["benchmarks"]
    print("[%d/%d] peak memory ..." % (len(RUNS) + 1, len(RUNS) + 1), file=sys.stderr,
          flush=True)
    memory = describe_memory(*memory_probe())
    print(versions() + "\n")
    print(summarize(benchmarks) + "\n")
    print("\n".join(order_checks(benchmarks)))
    if not have_torch():
        print("skipped: the PyTorch rows and the order check, as PyTorch is not installed "
              "(pip install torch --index-url https://download.pytorch.org/whl/cpu)")
    if not installed("sklearn"):
        print("skipped: the scikit-learn rows, as scikit-learn is not installed "
              '(pip install -e ".[bench]")')
    print("\nmini-batch 32, 784-128-10, momentum 0.9: " + memory)
