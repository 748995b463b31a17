"""--explain: every value of a traced step as name = formula = numbers = result, where the
numbers recompute to the result and the result is what the trace above it shows."""

import re

import numpy as np
import pytest

import nn_backprop as nb

OPTIONS = [[], ["--error", "mse-exact"], ["--error", "cross-entropy"], ["--activation", "relu"],
           ["--activation", "sigmoid"], ["--batch-size", "4"], ["--momentum", "0.9"],
           ["--momentum", "0.5", "--momentum-rule", "one-step"], ["--optimizer", "adam"],
           ["--batch-size", "4", "--error", "cross-entropy", "--momentum", "0.9"]]
EXPLAINED = re.compile(r"^(\w+)\[([\d, ]+)\] = (.+) = ([-+*/().\de ]+) = (\S+)$")


def explain(capsys, engine, options, steps=1):
    """Return the lines of a run with --trace steps --explain, and its status."""
    status = nb.cli(["--trace", str(steps), "--explain", "--epochs", "1", "--print-every", "0",
                     "--engine", engine, *options])
    return status, capsys.readouterr().out.splitlines()


def traced_arrays(lines):
    """Return the arrays the trace prints (name: rows of numbers), the weights after the update
    under their own names; only the first traced step."""
    arrays, name = {}, None
    start = next(i for i, line in enumerate(lines) if line.startswith("--- training step"))
    for line in lines[start:]:
        if line.startswith("--- the step as formulas") or line.startswith("Training complete"):
            break
        if re.fullmatch(r"\w+:", line):
            name = line[:-1]
            arrays[name] = []
        elif name and line.strip() and not line.startswith("---"):
            arrays[name].append([float(v) for v in line.split()])
    return {name: np.array(rows if len(rows) > 1 else rows[0]) for name, rows in arrays.items()}


def agrees(result, recomputed):
    """Return whether result is recomputed to 3 to 6 significant digits."""
    return any("%.*g" % (d, recomputed) == result for d in range(3, 7)) or (
        float(result) == recomputed)


@pytest.mark.parametrize("engine", ["loops", "matrix"])
@pytest.mark.parametrize("options", OPTIONS, ids=" ".join)
def test_every_explained_value_recomputes_from_its_numbers_to_what_the_trace_shows(
        engine, options, capsys):
    status, lines = explain(capsys, engine, options)
    assert status == 0
    arrays = traced_arrays(lines)
    found = {}
    for line in lines:
        match = EXPLAINED.match(line)
        if not match:
            continue
        name, idx, _, numbers, result = match.groups()
        assert agrees(result, eval(numbers, {"__builtins__": {}})), line
        if name in arrays:
            traced = arrays[name][tuple(int(i) for i in idx.split(","))]
            assert abs(float(result) - traced) <= 0.5e-4 + 1e-9, (line, traced)
            found.setdefault(name, []).append(idx)
    batch = "--batch-size" in options
    assert len(found["oSignals"]) == 3 * (4 if batch else 1)  # every output signal
    assert len(found["hSignals"]) == 5 * (4 if batch else 1)  # every hidden signal
    for name in ("hoGrads", "obGrads", "ihGrads", "hbGrads", "ihWeights", "hBiases",
                 "hoWeights", "oBiases"):
        assert len(found[name]) == 3  # the first two elements and the last


def test_the_default_run_explains_the_hidden_signal_as_the_worked_example(capsys):
    """hSignals[0]: the slope of tanh, then the sum over the three paths to the outputs."""
    _, lines = explain(capsys, "loops", [])
    line = next(line for line in lines if line.startswith("hSignals[0] = "))
    assert line.startswith("hSignals[0] = (1 - h) * (1 + h) * sum_k oSignals[k] * hoWeights[0, k]"
                           " = (1 - -0.0241276) * (1 + -0.0241276) * (0.0747718 * -0.00937977")
    assert line.endswith(" = -0.00182362")


def test_later_steps_use_the_weights_and_memory_the_step_before_left(capsys):
    """Step 2's numbers are step 1's results: the weights after it and momentum's velocity."""
    _, lines = explain(capsys, "loops", ["--momentum", "0.9"], steps=2)
    first, second = (i for i, line in enumerate(lines) if line.startswith("--- the step as"))
    results = {m.group(1) + "[" + m.group(2) + "]": m.group(5) for m in
               map(EXPLAINED.match, lines[first:second]) if m}
    line = next(line for line in lines[second:] if line.startswith("v_ihWeights[0, 0] = "))
    used = float(re.match(r"0\.9 \* (\S+) - ", line.split(" = ")[2]).group(1))
    assert used == pytest.approx(float(results["v_ihWeights[0, 0]"]), rel=1e-3)
    line = next(line for line in lines[second:] if line.startswith("hSignals[0] = "))
    used = float(re.search(r"\(\S+ \* (\S+) \+", line.split(" = ")[2]).group(1))
    assert used == pytest.approx(float(results["hoWeights[0, 0]"]), rel=1e-3)


def test_explain_needs_trace(capsys):
    assert nb.cli(["--explain"]) == 2
    assert "--explain: give --trace N too" in capsys.readouterr().err


def test_without_explain_the_trace_is_unchanged(capsys):
    nb.cli(["--trace", "1", "--epochs", "1"])
    plain = capsys.readouterr().out
    nb.cli(["--trace", "1", "--epochs", "1", "--explain"])
    explained = capsys.readouterr().out
    kept = [line for line in explained.splitlines() if not EXPLAINED.match(line)
            and not re.match(r"(--- the step as|\d|update steps)", line)]
    assert kept == plain.splitlines()


def test_one_step_momentum_adds_the_delta_the_step_before_made(capsys):
    """Step 2's 'previous ihDeltas[0, 0]' is the ihDeltas[0, 0] that step 1 printed."""
    _, lines = explain(capsys, "loops", ["--momentum", "0.5", "--momentum-rule", "one-step"],
                       steps=2)
    first, second = (i for i, line in enumerate(lines) if line.startswith("--- the step as"))
    delta = next(m.group(5) for m in map(EXPLAINED.match, lines[first:second])
                 if m and m.group(1) == "ihDeltas" and m.group(2) == "0, 0")
    line = next(line for line in lines[second:] if line.startswith("ihWeights[0, 0] = "))
    used = float(line.split(" = ")[2].split(" * ")[-1])  # w + delta + 0.5 * previous delta
    assert float(delta) != 0 and used == pytest.approx(float(delta), rel=1e-3)
