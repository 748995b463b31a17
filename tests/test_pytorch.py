"""The same network written with PyTorch: autograd and torch.optim compute what we do by hand.

These tests need PyTorch, its CPU build (see the README's Tests section). Without it they are
skipped, unless the environment variable NN_BACKPROP_REQUIRE_TORCH is set (.ci/run sets it),
in which case they fail.
"""

import os
import random
import re

import numpy as np
import pytest
from conftest import ROOT

import nn_backprop as nb

try:
    import torch
except ImportError:
    if os.environ.get("NN_BACKPROP_REQUIRE_TORCH"):
        raise
    pytest.skip("PyTorch is not installed (its CPU build, all these tests need: pip install "
                "torch --index-url https://download.pytorch.org/whl/cpu)", allow_module_level=True)

# float32 keeps 7 digits; a weight of size ~0.5 after 3 to 12 updates, each rounded in a
# different order here and in PyTorch, is good to a few 1e-7. A wrong term is O(1e-2).
ATOL = 2e-5
TRAIN = nb.loadFile(ROOT / "irisTrainData.txt")
ROWS = TRAIN[::10]  # 12 items, 4 of each species
ACTIVATIONS = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}
ERRORS = {  # the errors whose gradient step 1 computes exactly, as autograd does
    "mse-exact": lambda o, t: 0.5 * ((t - o) ** 2).sum(dim=-1),
    "cross-entropy": lambda o, t: -(t * torch.log(o)).sum(dim=-1),
}
UPDATES = {  # our train() options, the torch.optim optimizer, and a rate that suits it
    "sgd": ({}, lambda p, lr: torch.optim.SGD(p, lr=lr), 0.1),
    "momentum": ({"momentum": 0.9}, lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9), 0.1),
    "adam": ({"optimizer": "adam"}, lambda p, lr: torch.optim.Adam(p, lr=lr), 0.01),
}


def network(engine, activation, seed=5):
    """Return a 4-5-3 network with weights large enough to give sizeable gradients."""
    nn = engine(4, 5, 3, seed=seed, hidden_activation=activation)
    nn.setWeights(np.random.default_rng(seed).uniform(-0.5, 0.5, 43))
    return nn


def torch_twin(nn):
    """Return nn as a torch.nn.Sequential holding nn's weights."""
    model = torch.nn.Sequential(torch.nn.Linear(nn.ni, nn.nh), ACTIVATIONS[nn.hidden.name](),
                                torch.nn.Linear(nn.nh, nn.no), torch.nn.Softmax(dim=-1))
    ours = (nn.ihWeights.T, nn.hBiases, nn.hoWeights.T, nn.oBiases)  # Linear keeps W.T
    with torch.no_grad():
        for param, w in zip(model.parameters(), ours, strict=True):
            param.copy_(torch.from_numpy(np.ascontiguousarray(w)))
    return model


def weights_of(model):
    """Return the weights of a torch twin as one vector in getWeights order."""
    ih, hb, ho, ob = (p.detach().numpy() for p in model.parameters())
    return np.concatenate([ih.T.ravel(), hb, ho.T.ravel(), ob])


def first_epoch_order(nn, n):
    """Return the order in which nn.train visits n items in its first epoch."""
    rnd = random.Random()
    rnd.setstate(nn.rnd.getstate())  # a copy: nn's own stream is not touched
    indices = list(range(n))
    rnd.shuffle(indices)
    return indices


def torch_epoch(model, rows, order, batch_size, error, optimizer):
    """Train model for one epoch on rows, visiting them in order, batch_size at a time."""
    for start in range(0, len(order), batch_size):
        batch = torch.from_numpy(rows[order[start:start + batch_size]])
        o_nodes = model(batch[:, :4])  # computeOutputs
        loss = ERRORS[error](o_nodes, batch[:, 4:]).mean()  # the mean over the batch
        optimizer.zero_grad()
        loss.backward()  # steps 1-6
        optimizer.step()  # update steps 1-4


@pytest.mark.parametrize("engine", [nb.NeuralNetwork, nb.MatrixNeuralNetwork])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("error", list(ERRORS))
@pytest.mark.parametrize("update", list(UPDATES))
@pytest.mark.parametrize("batch_size", [1, 4])
def test_training_gives_the_weights_pytorch_gives(engine, activation, error, update,
                                                   batch_size):
    options, make_optimizer, lr = UPDATES[update]
    nn = network(engine, activation)
    model = torch_twin(nn)
    order = first_epoch_order(nn, len(ROWS))
    torch_epoch(model, ROWS, order, batch_size, error, make_optimizer(model.parameters(), lr))
    ours = nn.train(ROWS, 1, lr, batch_size=batch_size, error_function=error, print_every=0,
                    **options)
    moved = np.max(np.abs(ours - network(engine, activation).getWeights()))
    assert moved > 50 * ATOL  # the weights moved far more than the tolerance
    np.testing.assert_allclose(ours, weights_of(model), rtol=0, atol=ATOL)


def test_for_the_articles_mse_pytorch_adds_the_off_diagonal_softmax_terms():
    """Autograd's dE/d oSums for E = 1/2 sum (t - o)^2 is the article's signal plus
    -o_k sum over m != k of o_m (o_m - t_m): the terms of the softmax Jacobian off its
    diagonal, which the article's (1 - o) o (o - t) leaves out."""
    nn = network(nb.MatrixNeuralNetwork, "tanh")
    o_sums = torch.tensor(nn.forward(ROWS[:, :4])[2], requires_grad=True)  # (12, 3)
    t = torch.from_numpy(ROWS[:, 4:])
    ERRORS["mse-exact"](torch.softmax(o_sums, dim=-1), t).sum().backward()
    autograd = o_sums.grad.numpy()
    o = torch.softmax(o_sums, dim=-1).detach().numpy()
    e = o - ROWS[:, 4:]
    off_diagonal = -o * (np.sum(o * e, axis=-1, keepdims=True) - o * e)
    np.testing.assert_allclose(autograd - nb.mse_signal(o, ROWS[:, 4:]), off_diagonal,
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(autograd, nb.mse_exact_signal(o, ROWS[:, 4:]), rtol=0, atol=1e-6)
    assert np.max(np.abs(off_diagonal)) > 0.1 * np.max(np.abs(autograd))  # not a rounding


def readme_pytorch_block():
    """Return the Python block of the README's section on PyTorch."""
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^## [^\n]*PyTorch[^\n]*\n(.*?)(?=^## )", text, re.S | re.M).group(1)
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readmes_pytorch_code_trains_to_the_weights_of_mse_exact(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    namespace = {}
    exec(readme_pytorch_block(), namespace)
    printed = re.fullmatch(r"largest difference from --error mse-exact: (\S+)\n",
                           capsys.readouterr().out).group(1)
    assert float(printed) < 1e-4
    nn = nb.NeuralNetwork(4, 5, 3, seed=3)
    ours = nn.train(TRAIN, 50, 0.05, error_function="mse-exact", print_every=0)
    # 6000 online steps: float32 rounding in a different order adds up to a little
    np.testing.assert_allclose(weights_of(namespace["model"]), ours, rtol=0, atol=1e-4)
