"""Speed benchmarks (pytest-benchmark). Not part of the plain test run; run them with

    python -m pytest tests/bench_speed.py

Each benchmark times one thing; compare their medians in the table pytest-benchmark prints
(all measured side by side in one run, as these machines are noisy).
"""

import subprocess
import sys

import pytest
from conftest import SCRIPT


def run(args, cwd):
    subprocess.run([sys.executable, *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.benchmark(group="demo end to end")
def test_python_import_numpy_floor(benchmark, tmp_path):
    """The floor: starting Python and importing NumPy."""
    benchmark.pedantic(run, args=(["-c", "import numpy"], tmp_path), rounds=7, iterations=1)


@pytest.mark.benchmark(group="demo end to end")
def test_default_demo_loops(benchmark, tmp_path):
    """The article's demo, as `python nn_backprop.py` runs it."""
    benchmark.pedantic(run, args=([str(SCRIPT)], tmp_path), rounds=7, iterations=1)
