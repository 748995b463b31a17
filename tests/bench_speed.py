"""Speed and memory benchmarks. The plain test command does not run them.

    python tests/bench_speed.py                # every group, summed up in one table (~10 min)
    python -m pytest tests/bench_speed.py      # only the checks that the contenders agree

How a contender is timed, so that the figures can be trusted:
- In a process of its own, which ends before the next one starts: NumPy's BLAS and PyTorch
  keep worker threads spinning for a moment after a product, which would slow whatever runs
  next in the same process. Each process builds its contender (the model, its weights, its
  buffers), runs one unit of the work untimed (imports, first allocations, a cold cache, and
  torch.compile's compiling), and then times UNITS units: the same work for every contender,
  and none of the building inside the timing.
- Round after round, the contenders of a group taking turns, each round starting one
  contender further on: a machine's speed drifts from minute to minute, and the contenders of
  one round see the same drift. The table gives each one's median over the rounds, its range,
  and each round's ratio to the group's reference (median and range).
- The machine must be quiet: each process reads the CPU time of the whole machine
  (/proc/stat) before and after its timing, takes away its own (its threads and children),
  and reports the rest, the other processes' CPU time. A timing during which the others used
  more than BUSY of a core is run again, up to TRIES times, and is left out of the figures
  if it never was quiet; the table says how many rounds each row kept.
- The threads column gives the thread pool each library ran with (threadpoolctl for NumPy's
  BLAS, torch.get_num_threads for PyTorch), and "cores busy" how many cores its process kept
  busy on average (its CPU time over the wall-clock time): what ran, not only what was asked.

The groups:
- The article's demo, end to end, each engine beside `python -c "import numpy"` and beside
  the same training written with the fewest NumPy calls per item (biases folded into the
  weights, results in preallocated arrays).
- Online training of a 64-100-10 network, the loops and the matrix engine, per item.
- Mini-batches of 32 on a 784-128-10 network (cross-entropy, tanh, plain SGD at 0.01, 5000
  items), with the libraries' default threads and with one: the matrix engine beside a plain
  NumPy loop, a careful one, PyTorch eager, torch.compile and scikit-learn's MLPClassifier,
  each written as its own documentation writes a training loop. The tests below check that
  all of them train alike: from the same weights, in the same order, the same weights after.
  And the peak memory after 2 and after 6 epochs.
"""

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]
import nn_backprop as nb  # noqa: E402
from conftest import SCRIPT  # noqa: E402

ROUNDS = 5  # per group; each timing lasts about a second or more
BUSY = 0.10  # the share of a core the other processes may use during a timing
TRIES = 3  # timings of a contender in one round, until one is quiet
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                     "MKL_NUM_THREADS")}  # read by NumPy's BLAS and PyTorch
SIZES, BATCH, RATE = (784, 128, 10), 32, 0.01  # the mini-batch groups


def synthetic(items, inputs, outputs, seed=0):
    """Return random inputs in [0, 1) and one-hot targets as one float32 data matrix."""
    rng = np.random.default_rng(seed)
    targets = np.eye(outputs, dtype=np.float32)[rng.integers(0, outputs, items)]
    return np.hstack([rng.random((items, inputs), dtype=np.float32), targets])


# ----------------------------------------------------------------------------------------
# The contenders. Each make_ function builds one and returns work(n), which does n units of
# the work (an epoch, or a run of a program); the mini-batch ones also take the order of
# the items, for the tests, and return the weights.
# ----------------------------------------------------------------------------------------

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


def make_program(*args):
    """Return work(n): run Python with args n times, each in a process of its own."""
    def work(n):
        for _ in range(n):
            subprocess.run([sys.executable, *args], check=True, capture_output=True)
    return work


def make_online(engine, items):
    """Return work(n): n epochs of per-item training of a 64-100-10 network on items."""
    nn = nb.ENGINES[engine](64, 100, 10, seed=1)
    data = synthetic(items, 64, 10)
    return lambda n: nn.train(data, n, 0.01, print_every=0)


def baseline_weights(seed=1):
    """Return the mini-batch contenders' first w1, b1, w2, b2 (getWeights' shapes)."""
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(-0.01, 0.01, SIZES[:2]).astype(np.float32)
    w2 = rng.uniform(-0.01, 0.01, SIZES[1:]).astype(np.float32)
    return w1, np.zeros(SIZES[1], np.float32), w2, np.zeros(SIZES[2], np.float32)


def make_matrix_engine(data):
    """The matrix engine, from the baselines' weights, trained as the README shows."""
    nn = nb.MatrixNeuralNetwork(*SIZES, seed=1)
    nn.setWeights(np.concatenate([w.ravel() for w in baseline_weights()]))

    def work(n, order=None):
        rows = data if order is None else data[order]  # the tests' order: shuffle off
        return nb.views(nn, nn.train(rows, n, RATE, batch_size=BATCH, print_every=0,
                                     error_function="cross-entropy", shuffle=order is None))
    return work


def numpy_batches(data):
    """Return batches(n, order=None), which yields the inputs and targets of each batch of n
    epochs over data, in order or else in a new random order each epoch (the NumPy loops')."""
    x_all, t_all = data[:, :784], data[:, 784:]
    rng = np.random.default_rng(1)

    def batches(n, order=None):
        for _ in range(n):
            rows_order = rng.permutation(len(data)) if order is None else order
            for start in range(0, len(data), BATCH):
                rows = rows_order[start:start + BATCH]
                yield x_all[rows], t_all[rows]
    return batches


def make_plain_numpy(data):
    """A NumPy loop as one would write it first: new arrays for every result."""
    weights = baseline_weights()  # arrays changed in place
    batches = numpy_batches(data)

    def work(n, order=None):
        w1, b1, w2, b2 = weights
        for x, t in batches(n, order):
            h = np.tanh(x @ w1 + b1)
            z = h @ w2 + b2
            e = np.exp(z - z.max(axis=1, keepdims=True))
            d2 = (e / e.sum(axis=1, keepdims=True) - t) / len(x)
            d1 = (1 - h * h) * (d2 @ w2.T)
            w2 -= RATE * (h.T @ d2)
            b2 -= RATE * d2.sum(axis=0)
            w1 -= RATE * (x.T @ d1)
            b1 -= RATE * d1.sum(axis=0)
        return w1, b1, w2, b2
    return work


def make_careful_numpy(data):
    """The same loop written carefully: results in preallocated arrays, and -rate / n
    multiplying the small signal matrices, so that each big product is the step itself and
    each weight matrix is passed over once."""
    weights = baseline_weights()  # arrays changed in place
    batches = numpy_batches(data)
    hb, zb, db = (np.empty((BATCH, n), np.float32) for n in (128, 10, 128))
    g1, g2 = (np.empty_like(w) for w in weights[::2])

    def work(n, order=None):
        w1, b1, w2, b2 = weights
        for x, t in batches(n, order):
            h, z, d1 = hb[:len(x)], zb[:len(x)], db[:len(x)]
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
            scale = np.float32(-RATE / len(x))
            z *= scale
            d1 *= scale
            w2 += np.matmul(h.T, z, out=g2)
            b2 += z.sum(axis=0)
            w1 += np.matmul(x.T, d1, out=g1)
            b1 += d1.sum(axis=0)
        return w1, b1, w2, b2
    return work


def make_pytorch(data, compiled=False):
    """PyTorch as its tutorial writes a training loop (nn.Sequential, nn.CrossEntropyLoss on
    the raw outputs, optimizer.step and zero_grad), the batches drawn by torch.randperm from
    tensors in memory; with compiled, the model wrapped in torch.compile."""
    import torch
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.Tanh(),
                                torch.nn.Linear(128, 10))
    w1, b1, w2, b2 = baseline_weights()
    with torch.no_grad():
        for param, w in zip(model.parameters(), (w1.T, b1, w2.T, b2), strict=True):
            param.copy_(torch.from_numpy(np.ascontiguousarray(w)))
    forward = torch.compile(model) if compiled else model
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=RATE)
    inputs = torch.from_numpy(np.ascontiguousarray(data[:, :784]))
    labels = torch.from_numpy(data[:, 784:].argmax(axis=1))  # class indices

    def work(n, order=None):
        model.train()
        for _ in range(n):
            perm = torch.randperm(len(inputs)) if order is None else torch.from_numpy(order)
            for start in range(0, len(inputs), BATCH):
                idx = perm[start:start + BATCH]
                loss = loss_fn(forward(inputs[idx]), labels[idx])
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
        w1, b1, w2, b2 = (p.detach().numpy() for p in model.parameters())
        return w1.T, b1, w2.T, b2
    return work


def make_sklearn(data):
    """scikit-learn's MLPClassifier: tanh, softmax and its log-loss, plain SGD at the same
    rate (momentum 0, alpha 0), batches of 32, one epoch per partial_fit, shuffled its own
    way. It starts from the baselines' weights (through its _init_coef, a private method).
    What it cannot leave out: it checks its input, turns the labels into one-hot rows and
    computes the loss of every batch."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    w1, b1, w2, b2 = baseline_weights()
    start = iter([(w1, b1), (w2, b2)])

    class FromBaselineWeights(MLPClassifier):
        def _init_coef(self, fan_in, fan_out, dtype):
            return next(start)

    model = FromBaselineWeights(
        hidden_layer_sizes=(128,), activation="tanh", solver="sgd", alpha=0.0,
        batch_size=BATCH, learning_rate="constant", learning_rate_init=RATE, momentum=0.0,
        nesterovs_momentum=False, random_state=1)
    inputs, labels = np.ascontiguousarray(data[:, :784]), data[:, 784:].argmax(axis=1)

    def work(n, order=None):
        model.shuffle = order is None  # the tests' order: the rows put in it, shuffle off
        rows, targets = (inputs, labels) if order is None else (inputs[order], labels[order])
        with warnings.catch_warnings():  # an epoch is not convergence, and it says so
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(n):
                model.partial_fit(rows, targets, classes=np.arange(10))
        return model.coefs_[0], model.intercepts_[0], model.coefs_[1], model.intercepts_[1]
    return work


class Contender(NamedTuple):
    """How to build a contender, how many units a timing runs, and the items per unit."""

    make: Callable  # () -> work(n)
    units: int
    items: int  # 0: not counted (starting Python)


MINIBATCH_DATA = (5000, 784, 10)
MINIBATCH = {  # name: its make_ function, and whether it needs a package
    "matrix engine": (make_matrix_engine, None),
    "plain NumPy loop": (make_plain_numpy, None),
    "careful NumPy loop": (make_careful_numpy, None),
    "PyTorch eager": (make_pytorch, "torch"),
    "torch.compile": (lambda data: make_pytorch(data, compiled=True), "torch"),
    "scikit-learn MLPClassifier": (make_sklearn, "sklearn")}
EPOCHS = 20  # per mini-batch timing: about a second for the matrix engine


def installed(module):
    """Return whether a module is installed, without importing it: a contender's process
    holds only the libraries it uses (PyTorch's own OpenMP threads could slow NumPy's)."""
    return importlib.util.find_spec(module) is not None


def minibatch_group():
    """Return the mini-batch group's contenders whose packages are installed."""
    return {name: Contender(lambda make=make: make(synthetic(*MINIBATCH_DATA)), EPOCHS, 5000)
            for name, (make, package) in MINIBATCH.items() if package is None
            or installed(package)}


class Group(NamedTuple):
    """Contenders timed side by side, the one the others are compared with, and threads."""

    network: str
    batch: int
    contenders: dict
    reference: str
    threads: str = "default"  # or "1"


GROUPS = {
    "Iris demo, end to end": Group("4-5-3", 1, {
        "python -c 'import numpy'": Contender(lambda: make_program("-c", "import numpy"), 5, 0),
        "loops engine": Contender(lambda: make_program(str(SCRIPT)), 3, 6000),
        "matrix engine": Contender(lambda: make_program(str(SCRIPT), "--engine", "matrix"), 3,
                                   6000),
        "fewest NumPy calls": Contender(lambda: make_program(*fewest_calls_args()), 5, 6000)},
        "python -c 'import numpy'"),
    "online, 64-100-10": Group("64-100-10", 1, {
        "loops engine": Contender(lambda: make_online("loops", 200), 1, 200),
        "matrix engine": Contender(lambda: make_online("matrix", 2000), 10, 2000)},
        "loops engine"),
    "mini-batch 32, 784-128-10": Group("784-128-10", BATCH, minibatch_group(), "matrix engine"),
    "mini-batch 32, 784-128-10, one thread": Group("784-128-10", BATCH, minibatch_group(),
                                                   "matrix engine", "1")}


# ----------------------------------------------------------------------------------------
# Timing one contender, in its own process
# ----------------------------------------------------------------------------------------

def machine_busy_seconds():
    """Return the CPU seconds all cores have been busy since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            user, nice, system, idle, iowait, irq, softirq, steal = map(
                int, f.readline().split()[1:9])
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_seconds():
    """Return the CPU seconds of this process's threads and of its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def threads_in_use(group):
    """Return the threads of the pool the contender's library ran with, as text."""
    if "torch" in sys.modules:
        return str(sys.modules["torch"].get_num_threads())
    if group.startswith("Iris"):  # its own processes: what was asked for
        return group_threads(group)
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return group_threads(group) + " (asked)"
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return str(max(blas)) if blas else "none"


def group_threads(group):
    """Return the threads the group asks for: "default" or "1"."""
    return GROUPS[group].threads


def time_here(group, name):
    """Build the contender, run one unit untimed, time its units; print the result as JSON:
    seconds per unit, cores busy, the other processes' share of a core, threads."""
    contender = GROUPS[group].contenders[name]
    work = contender.make()
    work(1)
    busy, own, start = machine_busy_seconds(), own_seconds(), time.perf_counter()
    work(contender.units)
    wall, own = time.perf_counter() - start, own_seconds() - own
    others = None if busy is None else max(machine_busy_seconds() - busy - own, 0.0) / wall
    print(json.dumps({"seconds": wall / contender.units, "cores": own / wall,
                      "others": others, "threads": threads_in_use(group)}))


def time_alone(group, name):
    """Time one contender in a process of its own, with its group's threads; return the
    result of time_here, with "quiet" added: whether the others kept under BUSY."""
    env = dict(os.environ, **(ONE_THREAD if group_threads(group) == "1" else {}))
    out = subprocess.run([sys.executable, __file__, "--time", group, name], env=env,
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out.splitlines()[-1])
    result["quiet"] = result["others"] is None or result["others"] <= BUSY
    return result


def time_group(group, rounds=ROUNDS, say=lambda text: None):
    """Return each contender's results over rounds, the contenders taking turns, each round
    starting one further on; a timing that is not quiet is tried again, TRIES times at most."""
    names = list(GROUPS[group].contenders)
    results = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            for _ in range(TRIES):
                result = time_alone(group, name)
                if result["quiet"]:
                    break
                say("  busy machine (%.0f%% of a core) while timing %s: again"
                    % (100 * result["others"], name))
            results[name].append(result)
    return results


# ----------------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------------

def kept(results):
    """Return the rounds whose timing was quiet, as a list of (round, seconds)."""
    return [(r, result["seconds"]) for r, result in enumerate(results) if result["quiet"]]


def ratio_cell(group, name, results):
    """Return how a contender compares with its group's reference: the median of the
    rounds' ratios, and their range. Time over the reference's time for the demo; else
    items per second over the reference's."""
    g = GROUPS[group]
    mine, theirs = dict(kept(results[name])), dict(kept(results[g.reference]))
    by_time = g.contenders[g.reference].items == 0
    ratios = [mine[r] / theirs[r] if by_time else (theirs[r] / g.contenders[g.reference].items)
              / (mine[r] / g.contenders[name].items) for r in mine if r in theirs]
    if not ratios:
        return "no quiet round"
    return "%.2f (%.2f-%.2f)" % (statistics.median(ratios), min(ratios), max(ratios))


def units_timed(group):
    """Return what each process of a group times, for the line above the table."""
    unit, said = ("run" if group.startswith("Iris") else "epoch"), {}
    for name, c in GROUPS[group].contenders.items():
        what = "%d %s%s" % (c.units, unit, "s" if c.units > 1 else "") + (
            " of %d items" % c.items if unit == "epoch" else "")
        said.setdefault(what, []).append(name)
    return "%s: %s" % (group, "; ".join(what + (" (%s)" % ", ".join(names) if len(said) > 1
                                                 else "") for what, names in said.items()))


def table(all_results):
    """Return the benchmark's table, as the README shows it: a row per contender, its group
    named on its first row, and the rounds kept only where a timing was never quiet."""
    lines = ["| group | contender | threads | cores busy | s per run or epoch: median (range) "
             "| items/s | ratio: median (range) |", "|" + " --- |" * 7]
    for group, results in all_results.items():
        for n, (name, contender) in enumerate(GROUPS[group].contenders.items()):
            seconds = [s for _, s in kept(results[name])] or [float("nan")]
            median = statistics.median(seconds)
            rate = "{:,.0f}".format(contender.items / median) if contender.items else ""
            rounds = len(kept(results[name]))
            lines.append("| %s | %s | %s | %.1f | %.4f (%.4f-%.4f) | %s | %s |" % (
                "" if n else group, name, results[name][0]["threads"],
                statistics.median(r["cores"] for r in results[name]), median, min(seconds),
                max(seconds), rate, ratio_cell(group, name, results)
                + ("" if rounds == ROUNDS else "; %d rounds kept" % rounds)))
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# Memory, and the machine
# ----------------------------------------------------------------------------------------

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


# ----------------------------------------------------------------------------------------
# The checks (python -m pytest tests/bench_speed.py): the contenders do the same work
# ----------------------------------------------------------------------------------------

def test_the_fewest_calls_loop_trains_as_the_article_does():
    """Its weights after the demo's 50 epochs are the loops' within 1e-5."""
    out = subprocess.run([sys.executable, *fewest_calls_args()], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    nn = nb.NeuralNetwork(4, 5, 3, seed=3)
    expected = nn.train(nb.loadFile(HERE.parent / "irisTrainData.txt"), 50, 0.05, print_every=0)
    assert np.abs(np.array(out[2].split(), dtype=np.float32) - expected).max() < 1e-5


@pytest.mark.parametrize("name", [name for name in MINIBATCH if name != "plain NumPy loop"])
def test_each_minibatch_contender_trains_as_the_plain_numpy_loop(name):
    """From the same weights, an epoch over 500 items (15 batches of 32 and one of 20) in the
    same order gives the same weights within 1e-6."""
    make, package = MINIBATCH[name]
    if package:
        pytest.importorskip(package, reason="%s is not installed: no %s row" % (package, name))
    data = synthetic(500, 784, 10)
    order = np.random.default_rng(7).permutation(500)
    for plain, theirs in zip(make_plain_numpy(data)(1, order), make(data)(1, order),
                             strict=True):
        assert theirs.dtype == np.float32 and theirs.shape == plain.shape
        assert np.abs(plain - theirs).max() < 1e-6


def test_the_minibatch_contenders_start_from_the_same_weights():
    """Zero epochs leave each contender at the baselines' weights: nothing trained yet."""
    data = synthetic(64, 784, 10)
    for make in (make_matrix_engine, make_careful_numpy):
        for first, theirs in zip(baseline_weights(), make(data)(0), strict=True):
            assert np.array_equal(first, theirs)


def test_a_contender_timed_with_one_thread_runs_with_one():
    """The thread setting reaches the child process, for NumPy's BLAS and for PyTorch; its
    cores busy stay near one."""
    pytest.importorskip("threadpoolctl", reason="threadpoolctl is not installed")
    names = ["careful NumPy loop"] + (["PyTorch eager"] if installed("torch") else [])
    for name in names:
        result = time_alone("mini-batch 32, 784-128-10, one thread", name)
        assert result["threads"] == "1" and result["cores"] < 1.3


def test_a_busy_machine_is_seen():
    """While another process spins on a core, a timing reports it as not quiet."""
    if machine_busy_seconds() is None:
        pytest.skip("no /proc/stat here: the machine's business is not measured")
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        result = time_alone("online, 64-100-10", "matrix engine")
    finally:
        spinner.kill()
    assert not result["quiet"] and result["others"] > 0.5
    after = time_alone("online, 64-100-10", "matrix engine")["others"]  # the spinner is gone:
    assert after < result["others"] - 0.5  # about a core less, whatever else runs here


def test_the_ratio_is_each_rounds_ratio_to_the_reference():
    """Quiet rounds only, paired by round: the median and the range of the ratios."""
    def run(*seconds):
        return [{"seconds": s, "quiet": s is not None} for s in seconds]
    group = "online, 64-100-10"
    results = {"loops engine": run(2.0, 4.0, 1.0), "matrix engine": run(0.1, 0.1, None)}
    # items per unit: loops 200, matrix 2000; a ratio is (its items/s) / (the loops' items/s)
    assert ratio_cell(group, "matrix engine", results) == \
        "300.00 (200.00-400.00)"
    assert ratio_cell(group, "loops engine", results).startswith("1.00 ")


def test_the_table_names_each_group_once_and_the_rounds_left_out():
    """A group is named on its first row only; a contender whose timing was never quiet in a
    round says how many rounds were kept, in its ratio cell."""
    def run(quiet_rounds):
        return [{"seconds": 1.0, "quiet": r < quiet_rounds, "cores": 1.0, "threads": "1"}
                for r in range(ROUNDS)]
    group = "online, 64-100-10"
    rows = table({group: {"loops engine": run(ROUNDS), "matrix engine": run(ROUNDS - 1)}})
    first, second = rows.splitlines()[2:]
    assert first.startswith("| %s | loops engine |" % group) and second.startswith("|  | matrix")
    assert first.endswith("(1.00-1.00) |")
    assert second.endswith("(10.00-10.00); %d rounds kept |" % (ROUNDS - 1))


if __name__ == "__main__" and sys.argv[1:2] == ["--time"]:
    time_here(*sys.argv[2:4])  # one contender's timing, in a process of its own
elif __name__ == "__main__":
    all_results = {}
    for number, group in enumerate(GROUPS, 1):
        print("[%d/%d] %s ..." % (number, len(GROUPS) + 1, group), file=sys.stderr, flush=True)
        all_results[group] = time_group(group, say=lambda text: print(text, file=sys.stderr))
    print("[%d/%d] peak memory ..." % (len(GROUPS) + 1, len(GROUPS) + 1), file=sys.stderr)
    memory = describe_memory(*memory_probe())  # before versions() imports PyTorch here: a
    print(versions())  # child's peak RSS counts the parent's memory it was forked with
    print("%d rounds; each timing in its own process; a timing is kept when the other "
          "processes used at most %d%% of a core (every round is kept unless the ratio says "
          "otherwise). The ratio is to the group's first row: of "
          "the time for the demo, of the items/s for the others. Timed in each process:\n%s\n"
          % (ROUNDS, 100 * BUSY, "\n".join("- " + units_timed(group) for group in GROUPS)))
    print(table(all_results) + "\n")
    for module, rows in (("torch", "PyTorch eager and torch.compile"),
                         ("sklearn", "scikit-learn MLPClassifier")):
        if not installed(module):
            print("skipped: the %s rows, as %s is not installed (see the README)"
                  % (rows, module))
    print("\nmini-batch 32, 784-128-10, momentum 0.9: " + memory)
