"""Shared helpers for the tests: paths, a float64 reference network, central differences."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "nn_backprop.py"
NUMPY_1 = int(np.__version__.split(".")[0]) < 2  # many-seed figures are NumPy 2's


def run_script(*args, cwd=None, timeout=120):
    """Run nn_backprop.py with args from the folder cwd; return the completed process."""
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def unpack(w, ni, nh, no):
    """Split a flat getWeights-ordered vector into (ihWeights, hBiases, hoWeights, oBiases)."""
    sizes = [ni * nh, nh, nh * no, no]
    parts = np.split(np.asarray(w, dtype=np.float64), np.cumsum(sizes)[:-1])
    return parts[0].reshape(ni, nh), parts[1], parts[2].reshape(nh, no), parts[3]


ACTIVATIONS64 = {  # an independent float64 version of each hidden activation
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
}


def forward64(w, x, ni, nh, no, activation="tanh"):
    """Return (h_sums, hNodes, o_sums, oNodes) of the network with flat weights w, in float64."""
    ih, hb, ho, ob = unpack(w, ni, nh, no)
    h_sums = np.asarray(x, dtype=np.float64) @ ih + hb
    h = ACTIVATIONS64[activation](h_sums)
    o_sums = h @ ho + ob
    e = np.exp(o_sums - o_sums.max())
    return h_sums, h, o_sums, e / e.sum()


def central_gradient(f, w, step=1e-6):
    """Return the central-difference gradient of scalar f at the float64 vector w."""
    w = np.array(w, dtype=np.float64)
    grad = np.zeros_like(w)
    for i in range(len(w)):
        old = w[i]
        w[i] = old + step
        fp = f(w)
        w[i] = old - step
        fm = f(w)
        w[i] = old  # restore the value before moving on
        grad[i] = (fp - fm) / (2 * step)
    return grad


def relative_error(a, b):
    """Return max|a - b| / max(max|a|, max|b|): the error relative to the gradient's scale."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-30)


def assert_one_line_error(result, *fragments):
    """Check the run failed with status 2 and one stderr line holding every fragment."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    message = re.sub(r"/\S*pytest-of-\S*", "<path>", lines[0])  # tmp names hold test names
    for fragment in fragments:
        assert fragment in (lines[0] if fragment.startswith("/") else message), (fragment, lines[0])
    assert "Accuracy" not in result.stdout
