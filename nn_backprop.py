"""nn_backprop.py: a neural network trained by back-propagation, in Python and NumPy.

A companion to James McCaffrey's article "Neural Network Back-Propagation Using Python"
(Visual Studio Magazine, June 2017) that keeps its names, order and float32 arithmetic, so
that the two read side by side and `python nn_backprop.py` prints its accuracies (0.9333,
0.9667). The README lists the differences. What lives where, in the order of the file:
- The article's program: its helpers, the NeuralNetwork class (Listing 2's methods in order,
  its train split into train, batch_gradients, compute_gradients for steps 1-6 and
  update_weights for update steps 1-4), main. Each variation is a keyword argument with the
  article's choice as its default, reached by one named call in the step it changes.
- Beyond the article, a ruled section each: activations, errors, the optimizers, the matrix
  engine, learning aids, many seeds.
- The boundary: number limits and API checks, files in, weights files, the options table,
  files out. Each method of the network calls into it once at most.
Names: the article's keep its mixedCase (loadFile, hoWeights, learnRate), so they can be found
in it; every other name is PEP 8 snake_case (batch_size). Test with python -m pytest.
"""

import argparse
import contextlib
import errno
import math
import os
import random
import re
import shutil
import signal
import stat
import sys
from pathlib import Path
from typing import Callable, NamedTuple

try:
    import numpy as np
except ImportError as e:  # run as a script: one line and status 2, as for any bad input
    if __name__ == "__main__":
        sys.exit(print("nn_backprop.py: error: NumPy cannot be imported (%s); in the clone, with "
                       "Python 3.10+, run python3 -m pip install -e ." % e, file=sys.stderr) or 2)
    raise

HERE = Path(__file__).resolve().parent  # the Iris files live beside this script


# ----------------------------------------------------------------------------------------
# Helper functions: load a data file, show vectors and matrices
# ----------------------------------------------------------------------------------------

def loadFile(df):
    """Return the comma-separated numbers in file df as a float32 matrix, one row a line;
    anything else raises DataError naming the file and line (see read_matrix)."""
    return read_matrix(df)


def format_values(v, dec):
    """Return the values of v as one line, each with dec decimals and room for a sign."""
    fmt = "%." + str(dec) + "f"  # like %.4f
    return "".join((" " if x >= 0.0 else "") + fmt % x + "  " for x in v).rstrip()


def showVector(v, dec):
    """Print vector v on one line with dec decimals."""
    print(format_values(v, dec))


def showMatrix(m, dec):
    """Print matrix m row by row with dec decimals."""
    for row in m:
        print(format_values(row, dec))


def showMatrixPartial(m, numRows, dec, indices):
    """Print the first numRows rows of m and its last row, with row indices if asked."""
    lastRow = len(m) - 1
    width = len(str(lastRow))
    numRows = min(numRows, lastRow)  # a short matrix: each row once

    def show(i):
        label = "[" + str(i).rjust(width) + "] " if indices else ""
        print(label + format_values(m[i], dec))

    for i in range(numRows):
        show(i)
    if numRows < lastRow:
        print(" . . .")
    show(lastRow)


# ----------------------------------------------------------------------------------------
# The neural network: 1 hidden layer, tanh hidden nodes, softmax output nodes
# ----------------------------------------------------------------------------------------

class NeuralNetwork:
    """A fully connected numInput-numHidden-numOutput network trained by back-propagation."""

    def __init__(self, numInput, numHidden, numOutput, seed, hidden_activation="tanh",
                 init_range=0.01, dtype=np.float32):
        """Create the network; draw its weights from random.Random(seed) in [-init_range,
        init_range). hidden_activation: "tanh", "sigmoid" or "relu"; dtype: float32 or float64."""
        check_arguments(self, locals())  # the boundary: what each argument accepts
        self.ni = numInput
        self.nh = numHidden
        self.no = numOutput
        self.dtype = dtype
        self.init_range = init_range
        self.iNodes = np.zeros(shape=[self.ni], dtype=self.dtype)
        self.hNodes = np.zeros(shape=[self.nh], dtype=self.dtype)
        self.oNodes = np.zeros(shape=[self.no], dtype=self.dtype)
        self.ihWeights = np.zeros(shape=[self.ni, self.nh], dtype=self.dtype)  # (ni, nh)
        self.hoWeights = np.zeros(shape=[self.nh, self.no], dtype=self.dtype)  # (nh, no)
        self.hBiases = np.zeros(shape=[self.nh], dtype=self.dtype)
        self.oBiases = np.zeros(shape=[self.no], dtype=self.dtype)

        self.hidden = HIDDEN_ACTIVATIONS[hidden_activation]  # the article's: tanh
        self.optimizer = None  # the memory of momentum or Adam, made new by each train call

        self.rnd = random.Random(seed)  # one generator per network: weights, then shuffles
        self.initializeWeights()

    def setWeights(self, weights):
        """Copy a flat list of weights into the network, in getWeights order."""
        weights = check_weights(self, weights)  # the article only warned of a wrong count
        idx = 0
        for i in range(self.ni):
            for j in range(self.nh):
                self.ihWeights[i, j] = weights[idx]
                idx += 1
        for j in range(self.nh):
            self.hBiases[j] = weights[idx]
            idx += 1
        for j in range(self.nh):
            for k in range(self.no):
                self.hoWeights[j, k] = weights[idx]
                idx += 1
        for k in range(self.no):
            self.oBiases[k] = weights[idx]
            idx += 1

    def getWeights(self):
        """Return all weights and biases as one vector: input-to-hidden weights row by row,
        hidden biases, hidden-to-output weights row by row, output biases."""
        tw = self.totalWeights(self.ni, self.nh, self.no)
        result = np.zeros(shape=[tw], dtype=self.dtype)
        idx = 0  # points into result
        for i in range(self.ni):
            for j in range(self.nh):
                result[idx] = self.ihWeights[i, j]
                idx += 1
        for j in range(self.nh):
            result[idx] = self.hBiases[j]
            idx += 1
        for j in range(self.nh):
            for k in range(self.no):
                result[idx] = self.hoWeights[j, k]
                idx += 1
        for k in range(self.no):
            result[idx] = self.oBiases[k]
            idx += 1
        return result

    def initializeWeights(self):
        """Set every weight and bias to a random value in [-init_range, init_range)."""
        numWts = self.totalWeights(self.ni, self.nh, self.no)
        wts = np.zeros(shape=[numWts], dtype=np.float32)
        lo = -self.init_range  # the article: lo = -0.01
        hi = self.init_range  # the article: hi = 0.01
        for idx in range(len(wts)):
            wts[idx] = (hi - lo) * self.rnd.random() + lo
        self.setWeights(wts)

    def computeOutputs(self, xValues):
        """Feed xValues forward; store the node values and return a copy of the outputs."""
        hSums = np.zeros(shape=[self.nh], dtype=self.dtype)
        oSums = np.zeros(shape=[self.no], dtype=self.dtype)
        for i in range(self.ni):
            self.iNodes[i] = xValues[i]
        for j in range(self.nh):
            for i in range(self.ni):
                hSums[j] += self.iNodes[i] * self.ihWeights[i, j]
        for j in range(self.nh):
            hSums[j] += self.hBiases[j]
        for j in range(self.nh):
            self.hNodes[j] = self.hidden.of_sum(hSums[j])  # tanh: self.hypertan(hSums[j])
        for k in range(self.no):
            for j in range(self.nh):
                oSums[k] += self.hNodes[j] * self.hoWeights[j, k]
        for k in range(self.no):
            oSums[k] += self.oBiases[k]
        softOut = self.softmax(oSums)
        for k in range(self.no):
            self.oNodes[k] = softOut[k]

        self.hSums, self.oSums = hSums, oSums  # kept for --trace
        return self.oNodes.copy()

    def train(self, trainData, maxEpochs, learnRate, *, momentum=0.0, batch_size=1,
              error_function="mse", optimizer="sgd", momentum_rule="classical", shuffle=True,
              print_every=10, on_epoch=None, on_step=None):
        """Train on the rows of trainData by back-propagation; return the final weights. The
        options default to the article's choices; on_epoch(epoch) and on_step(batch, step)
        observe the training. Momentum and Adam start from zero in each call."""
        check_arguments(self, locals())  # the boundary: what each argument accepts
        error = ERROR_FUNCTIONS[error_function]
        self.optimizer = new_optimizer(self, optimizer, momentum, momentum_rule)  # or None
        numTrainItems = len(trainData)
        indices = list(range(numTrainItems))  # 0, 1, .. n-1, shuffled in place every epoch
        epoch = 0
        while epoch < maxEpochs:
            if shuffle:  # the article always shuffles: the files are sorted by species
                self.rnd.shuffle(indices)  # scramble the order of the training items
            for ii in range(0, numTrainItems, batch_size):
                batch = indices[ii:ii + batch_size]  # the article: idx = indices[ii]
                step = self.batch_gradients(trainData, batch, error)  # steps 1-6
                self.update_weights(step.grads, learnRate)  # update steps 1-4
                if on_step:
                    on_step(batch, step)  # --trace prints what this step computed
            epoch += 1
            if not np.isfinite(self.getWeights()).all():  # a NaN or an infinity
                raise DivergenceError(epoch)
            if on_epoch:
                on_epoch(epoch)  # --plot records the error and the accuracies here

            if print_every > 0 and epoch % print_every == 0:
                err = error.of_data(self, trainData)  # mse: self.meanSquaredError(trainData)
                print("epoch = " + str(epoch) + " " + error.label + " = %0.4f" % err)
        result = self.getWeights()
        return result

    def batch_gradients(self, trainData, batch, error):
        """Return the Step of the rows of trainData in batch: steps 1-6, mean gradients."""
        steps = [self.compute_gradients(trainData[idx, :self.ni], trainData[idx, self.ni:],
                                        error) for idx in batch]
        return steps[0] if len(steps) == 1 else mean_step(steps)

    def compute_gradients(self, x_values, t_values, error):
        """Return the Step of one item: its node values, signals and gradients (steps 1-6)."""
        hoGrads = np.zeros(shape=[self.nh, self.no], dtype=self.dtype)  # (nh, no)
        obGrads = np.zeros(shape=[self.no], dtype=self.dtype)
        ihGrads = np.zeros(shape=[self.ni, self.nh], dtype=self.dtype)  # (ni, nh)
        hbGrads = np.zeros(shape=[self.nh], dtype=self.dtype)
        hSignals = np.zeros(shape=[self.nh], dtype=self.dtype)  # gradients without inputs

        oNodes = self.computeOutputs(x_values)  # also stored in iNodes, hNodes, oNodes

        # 1. compute output node signals
        oSignals = error.output_signal(self.oNodes, t_values)  # mse: (1 - o) * o * (o - t)

        # 2. compute hidden-to-output weight gradients using output signals
        for j in range(self.nh):
            for k in range(self.no):
                hoGrads[j, k] = oSignals[k] * self.hNodes[j]

        # 3. compute output node bias gradients using output signals
        for k in range(self.no):
            obGrads[k] = oSignals[k] * 1.0  # a bias is a weight on a constant input of 1

        # 4. compute hidden node signals
        for j in range(self.nh):
            sum = 0.0
            for k in range(self.no):
                sum += oSignals[k] * self.hoWeights[j, k]
            derivative = self.hidden.derivative(self.hNodes[j])  # tanh: (1 - h) * (1 + h)
            hSignals[j] = derivative * sum

        # 5. compute input-to-hidden weight gradients using hidden signals
        for i in range(self.ni):
            for j in range(self.nh):
                ihGrads[i, j] = hSignals[j] * self.iNodes[i]

        # 6. compute hidden node bias gradients using hidden signals
        for j in range(self.nh):
            hbGrads[j] = hSignals[j] * 1.0

        return Step(x_values, self.hSums, self.hNodes.copy(), self.oSums, oNodes, t_values,
                    oSignals, hSignals, (ihGrads, hbGrads, hoGrads, obGrads))

    def update_weights(self, grads, learnRate):
        """Move every weight and bias a step of learnRate against its gradient."""
        if self.optimizer:  # momentum or Adam: each weight's step also uses its past
            return self.optimizer.update(self, grads, learnRate)
        ihGrads, hbGrads, hoGrads, obGrads = grads
        # 1. update input-to-hidden weights
        for i in range(self.ni):
            for j in range(self.nh):
                delta = -1.0 * learnRate * ihGrads[i, j]  # gradient has (o - t): step against it
                self.ihWeights[i, j] += delta

        # 2. update hidden node biases
        for j in range(self.nh):
            delta = -1.0 * learnRate * hbGrads[j]
            self.hBiases[j] += delta

        # 3. update hidden-to-output weights
        for j in range(self.nh):
            for k in range(self.no):
                delta = -1.0 * learnRate * hoGrads[j, k]
                self.hoWeights[j, k] += delta

        # 4. update output node biases
        for k in range(self.no):
            delta = -1.0 * learnRate * obGrads[k]
            self.oBiases[k] += delta

    def outputs(self, tdata):
        """Return the outputs for the inputs of every row of tdata, a row each: (n, no)."""
        return np.array([self.computeOutputs(row[:self.ni]) for row in tdata])

    def accuracy(self, tdata):
        """Return the fraction of rows of tdata whose largest output is the target's 1."""
        check_arguments(self, locals())  # the boundary: a matrix of the network's columns
        num_correct = 0
        num_wrong = 0
        for i in range(len(tdata)):
            x_values = tdata[i, :self.ni]
            t_values = tdata[i, self.ni:]
            y_values = self.computeOutputs(x_values)
            max_index = np.argmax(y_values)  # index of the largest output value
            if abs(t_values[max_index] - 1.0) < 1.0e-5:
                num_correct += 1
            else:
                num_wrong += 1
        return (num_correct * 1.0) / (num_correct + num_wrong)

    def meanSquaredError(self, tdata):
        """Return the sum over rows and outputs of (t - o)^2, divided by the number of rows."""
        check_arguments(self, locals())  # the boundary: a matrix of the network's columns
        sumSquaredError = 0.0
        for ii in range(len(tdata)):
            t_values = tdata[ii, self.ni:]
            y_values = self.computeOutputs(tdata[ii, :self.ni])
            for j in range(self.no):
                err = t_values[j] - y_values[j]
                sumSquaredError += err * err  # (t - o)^2
        return sumSquaredError / len(tdata)

    @staticmethod
    def hypertan(x):
        """Return tanh(x), saturated to -1 or 1 beyond |x| = 20."""
        if x < -20.0:
            return -1.0
        elif x > 20.0:
            return 1.0
        else:
            return math.tanh(x)

    @staticmethod
    def softmax(oSums):
        """Return the softmax of oSums, shifted by their maximum so exp cannot overflow."""
        result = np.zeros(shape=[len(oSums)], dtype=oSums.dtype)
        m = max(oSums)
        divisor = 0.0
        for k in range(len(oSums)):
            divisor += math.exp(oSums[k] - m)
        for k in range(len(result)):
            result[k] = math.exp(oSums[k] - m) / divisor
        return result

    @staticmethod
    def totalWeights(nInput, nHidden, nOutput):
        """Return the number of weights and biases of an nInput-nHidden-nOutput network."""
        tw = (nInput * nHidden) + (nHidden * nOutput) + nHidden + nOutput
        return tw



# ----------------------------------------------------------------------------------------
# The demo
# ----------------------------------------------------------------------------------------

def main(argv=None):
    """Train a network on the Iris data (or the files given) and print its accuracies."""
    opts = parse_options(argv)  # the article's settings unless told otherwise
    trainDataPath = opts.train  # every file is read and checked before anything is printed
    trainDataMatrix = loadFile(trainDataPath)
    testDataPath = opts.test
    testDataMatrix = loadFile(testDataPath)
    numInput = opts.numInput
    numHidden = opts.numHidden
    numOutput = check_options(opts, trainDataMatrix, testDataMatrix)  # and the files out
    loaded = load_weights(opts.load_weights, (numInput, numHidden, numOutput))

    print("\nBegin NN back-propagation demo\n")
    pv = sys.version
    npv = np.version.version
    print("Using Python version " + str(pv) + "\n and NumPy version " + str(npv))
    print("\nCreating a %d-%d-%d neural network" % (numInput, numHidden, numOutput))
    nn = ENGINES[opts.engine](numInput, numHidden, numOutput, seed=opts.seed,
                              **options_for(opts, NETWORK_OPTIONS))
    if loaded is not None:  # replaces the drawn weights; the shuffles still follow the seed
        nn.setWeights(loaded)

    print("\nLoading " + describe_data(opts) + " training and test data")
    print("\nTraining data:")  # the article's label here says "Test data"
    showMatrixPartial(trainDataMatrix, 4, 1, True)
    maxEpochs = opts.maxEpochs
    learnRate = opts.learnRate
    print("\nSetting maxEpochs = " + str(maxEpochs))
    print("Setting learning rate = " + format_rate(learnRate))
    for line in describe_variations(opts):
        print(line)
    if opts.seeds:  # beyond the article: the same training once per seed, a line each
        return train_seeds(opts, nn, trainDataMatrix, testDataMatrix, loaded)
    aids = LearningAids(opts, nn, trainDataMatrix, testDataMatrix)  # --trace, --plot, ...
    print("\nStarting training")
    nn.train(trainDataMatrix, maxEpochs, learnRate, **options_for(opts, TRAINING_OPTIONS),
             on_epoch=aids.on_epoch, on_step=aids.on_step)
    print("Training complete")

    accTrain = nn.accuracy(trainDataMatrix)
    accTest = nn.accuracy(testDataMatrix)
    labels = ("Accuracy on %d-item train data" % len(trainDataMatrix),
              "Accuracy on %d-item test data" % len(testDataMatrix))
    width = max(map(len, labels))  # the article lines up the two = signs
    print("\n" + labels[0].ljust(width) + " = %0.4f" % accTrain)
    print(labels[1].ljust(width) + " = %0.4f" % accTest)
    if opts.confusion:
        show_confusion(nn, trainDataMatrix, testDataMatrix)
    save_outputs(opts, nn, aids)  # --save-weights, --plot, --diagram: all or none
    print("\nEnd demo\n")


# ========================================================================================
# Beyond the article. Everything below adds to the program above without changing what
# its default run computes or prints.
# ========================================================================================

# ----------------------------------------------------------------------------------------
# Hidden activations, each followed by its derivative. The derivative is written in
# terms of the activation's value h (what step 4 has at hand in hNodes), not its input;
# --explain prints it by running the same function on Terms (ReLU's comparison, written out).
# ----------------------------------------------------------------------------------------

class Activation(NamedTuple):
    """A hidden activation: the function, for one sum and for an array, and its slope."""

    name: str
    of_sum: Callable  # of one hidden sum: the loops engine (computeOutputs)
    of_sums: Callable  # of an array of sums at once: the matrix engine (forward)
    derivative: Callable  # the slope where the activation's value is h: step 4


def tanh_derivative(h):
    """Return the slope of tanh where tanh equals h: (1 - h)(1 + h)."""
    return (1 - h) * (1 + h)


def logistic(x):
    """Return the logistic sigmoid 1 / (1 + e^-x) of a number or array, without overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the same function, written so exp cannot overflow


def logistic_derivative(h):
    """Return the slope of the logistic sigmoid where it equals h: h(1 - h)."""
    return h * (1 - h)


def relu(x):
    """Return max(x, 0) of a number or array."""
    return np.maximum(x, 0.0)


def relu_derivative(h):
    """Return the slope of ReLU where it equals h: 1 where h > 0, else 0 (0 at 0, too)."""
    return (h > 0).astype(np.float32)


HIDDEN_ACTIVATIONS = {a.name: a for a in (
    Activation("tanh", NeuralNetwork.hypertan, np.tanh, tanh_derivative),
    Activation("sigmoid", logistic, logistic, logistic_derivative),
    Activation("relu", relu, relu, relu_derivative),
)}


# ----------------------------------------------------------------------------------------
# Error functions. Each has the error of one item, which the gradient check
# differentiates, and its output signal: the gradient of that error with respect to the
# output sums oSums, which step 1 hands on to steps 2-6. o and t are the outputs and
# targets of one item (no,) or of a batch of items (n, no).
# ----------------------------------------------------------------------------------------

class ErrorFunction(NamedTuple):
    """An error to minimize, with what step 1 and the progress lines need of it."""

    name: str
    label: str  # its name in the progress lines
    of_data: Callable  # (nn, tdata): the error over the rows of tdata, as progress prints it
    of_item: Callable  # (o, t): the error of one item, what the gradient check differentiates
    output_signal: Callable  # (o, t): step 1's signal, the gradient of of_item wrt oSums
    exact: bool  # False if output_signal only approximates that gradient


def half_squared_error(o, t):
    """Return 1/2 sum (t - o)^2 over the last axis: the article's E for one item."""
    return 0.5 * np.sum((t - o) ** 2, axis=-1)


def mse_signal(o, t):
    """Return the article's output signal for E = 1/2 sum (t - o)^2: (1 - o) o (o - t).

    (1 - o) o is only the diagonal of the softmax Jacobian, so this is not the exact
    gradient of E; it still points downhill closely enough to train.
    """
    return (1 - o) * o * (o - t)


def mse_exact_signal(o, t):
    """Return the exact gradient of E = 1/2 sum (t - o)^2 through the full softmax Jacobian.

    d o_m / d z_k = o_m (delta_mk - o_k), so dE/dz_k = o_k ((o_k - t_k) - sum_m o_m (o_m - t_m)).
    """
    e = o - t
    return o * (e - np.sum(o * e, axis=-1, keepdims=True))


def mean_squared_error(nn, tdata):
    """Return nn.meanSquaredError(tdata), as the network's own engine computes it."""
    return nn.meanSquaredError(tdata)


def cross_entropy(o, t):
    """Return -sum t ln o over the last axis, with ln 0 read as ln 1e-30 (not -infinity)."""
    return -np.sum(t * np.log(np.maximum(o, 1e-30)), axis=-1, dtype=np.float64)


def cross_entropy_error(nn, tdata):
    """Return the mean over the rows of tdata of -sum t ln o, outputs from nn's own engine."""
    return float(np.sum(cross_entropy(nn.outputs(tdata), tdata[:, nn.ni:]))) / len(tdata)


def cross_entropy_signal(o, t):
    """Return the exact gradient of -sum t ln(softmax) for one-hot t: o - t."""
    return o - t


ERROR_FUNCTIONS = {e.name: e for e in (
    ErrorFunction("mse", "ms error", mean_squared_error, half_squared_error, mse_signal,
                  exact=False),
    ErrorFunction("mse-exact", "ms error", mean_squared_error, half_squared_error,
                  mse_exact_signal, exact=True),
    ErrorFunction("cross-entropy", "ce error", cross_entropy_error, cross_entropy,
                  cross_entropy_signal, exact=True),
)}


# ----------------------------------------------------------------------------------------
# What a training step computed, and the update rules that remember the past. Each rule is
# written once, for the weights at idx: one weight (the loops engine, in getWeights order)
# or all of them at once (the matrix engine, idx = EVERY).
# ----------------------------------------------------------------------------------------

class Step(NamedTuple):
    """What one training step computed, under the article's names.

    For one item the node values and signals are vectors; for a batch of n items they are
    matrices with a row per item, and the gradients are the means over the items. The
    matrix engine's gradients are views that its next step overwrites.
    """

    iNodes: np.ndarray  # (ni,) or (n, ni): the inputs, x_values
    hSums: np.ndarray  # (nh,) or (n, nh)
    hNodes: np.ndarray  # (nh,) or (n, nh)
    oSums: np.ndarray  # (no,) or (n, no)
    oNodes: np.ndarray  # (no,) or (n, no)
    targets: np.ndarray  # (no,) or (n, no): t_values
    oSignals: np.ndarray  # (no,) or (n, no): step 1
    hSignals: np.ndarray  # (nh,) or (n, nh): step 4
    grads: tuple  # (ihGrads, hbGrads, hoGrads, obGrads): steps 5, 6, 2, 3


class DivergenceError(ArithmeticError):
    """Training produced weights that are not finite numbers."""

    def __init__(self, epoch):
        self.epoch = epoch
        super().__init__("training stopped being finite in epoch %d (a weight became NaN or "
                         "infinite); try a smaller learning rate (--lr)" % epoch)


def mean_step(steps):
    """Return the Step of a batch from its items' Steps: values as rows, mean gradients."""
    rows = [np.array(values) for values in zip(*(step[:-1] for step in steps), strict=True)]
    grads = zip(*(step.grads for step in steps), strict=True)  # ihGrads of each item, ...
    return Step(*rows, tuple(sum(group) / len(steps) for group in grads))


def weight_arrays(nn):
    """Return the weight and bias arrays of nn themselves, in getWeights order."""
    return [nn.ihWeights, nn.hBiases, nn.hoWeights, nn.oBiases]


def views(nn, flat):
    """Return a flat getWeights-ordered vector as four arrays shaped like nn's weights."""
    a = nn.ni * nn.nh
    b = a + nn.nh
    c = b + nn.nh * nn.no
    return [flat[:a].reshape(nn.ni, nn.nh), flat[a:b], flat[b:c].reshape(nn.nh, nn.no), flat[c:]]


EVERY = slice(None)  # idx of all the weights at once


class UpdateRule:
    """What the update rules share: a count of updates and a memory of one value per weight,
    in getWeights order. Each train call makes a new one, so the memory starts at zero; it
    stays in nn.optimizer after the call."""

    def __init__(self, nn, momentum=0.0):
        """Start with a zero memory for every weight of nn."""
        self.momentum = momentum
        self.velocity = np.zeros(nn.totalWeights(nn.ni, nn.nh, nn.no), dtype=nn.dtype)
        self.t = 0  # updates made so far

    def next_update(self):
        """Count one more update."""
        self.t += 1

    def update(self, nn, grads, learnRate):
        """Do update steps 1-4 of nn weight by weight, each delta computed by this rule."""
        self.next_update()
        idx = 0  # the weight's place in getWeights order, where its memory is kept
        for weights, g in zip(weight_arrays(nn), grads, strict=True):  # steps 1, 2, 3, 4
            for index in np.ndindex(weights.shape):
                delta = self.delta(idx, g[index], learnRate)  # not -1.0 * learnRate * g
                weights[index] += delta
                idx += 1


class Momentum(UpdateRule):
    """Classical momentum: the memory is a velocity, a decaying sum of past steps.

    A weight's step is v = momentum * v - learnRate * g.
    """

    def delta(self, idx, g, learnRate):
        """Return the step of the weights at idx for their gradient g."""
        self.velocity[idx] *= self.momentum  # v = momentum * v - learnRate * g, in place:
        self.velocity[idx] -= learnRate * g  # for every weight at once, no copy of v is made
        return self.velocity[idx]


class OneStepMomentum(Momentum):
    """The momentum of the author's follow-up article ("Neural Network Momentum Using
    Python", Visual Studio Magazine, August 2017): each weight remembers its last step only.

    A weight's step is delta = -learnRate * g, and it moves by delta + momentum *
    previous delta. Classical momentum (Momentum) remembers a decaying sum of all past
    steps instead. The memory sits where Momentum keeps its velocity, and starts at zero
    in each train call; here it holds each weight's previous delta.
    """

    def delta(self, idx, g, learnRate):
        """Return the move of the weights at idx for their gradient g."""
        delta = -1.0 * learnRate * g  # the article's delta
        move = delta + self.momentum * self.velocity[idx]  # velocity[idx]: the previous delta
        self.velocity[idx] = delta  # remembered for the next update
        return move


class Adam(UpdateRule):
    """Adam's memory (Kingma & Ba, 2015): two running means per weight, in getWeights order.

    m follows the gradient and v its square. Both start at zero, so early on they are too
    small; dividing by 1 - beta^t, where t counts the updates, undoes that. beta1, beta2
    and eps are the paper's values, which torch.optim.Adam uses too.
    """

    beta1 = 0.9  # how much of m each update keeps
    beta2 = 0.999  # how much of v each update keeps
    eps = 1e-8  # keeps the step finite where v is 0

    def __init__(self, nn):
        """Start with zero moments for every weight of nn."""
        super().__init__(nn)
        self.m, self.v = np.zeros_like(self.velocity), np.zeros_like(self.velocity)
        self.last_deltas = self.velocity  # here: the steps of the last update, for --trace

    def delta(self, idx, g, learnRate):
        """Return the step of the weights at idx for their gradient g."""
        self.m[idx] = self.beta1 * self.m[idx] + (1 - self.beta1) * g
        self.v[idx] = self.beta2 * self.v[idx] + (1 - self.beta2) * g * g
        m_hat = self.m[idx] / (1 - self.beta1 ** self.t)  # undo the start at zero
        v_hat = self.v[idx] / (1 - self.beta2 ** self.t)
        self.last_deltas[idx] = -learnRate * m_hat / (np.sqrt(v_hat) + self.eps)  # float32
        return self.last_deltas[idx]


OPTIMIZERS = {  # name: what the update does, for --help
    "sgd": "the article's update, delta = -learnRate * gradient (plus momentum, if given)",
    "adam": "Adam (beta1 0.9, beta2 0.999, eps 1e-8, as in the paper and torch.optim.Adam)",
}
MOMENTUM_RULES = {"classical": Momentum, "one-step": OneStepMomentum}


def new_optimizer(nn, optimizer, momentum, momentum_rule="classical"):
    """Return a new memory for the update rule of one train call: None for the article's."""
    if optimizer == "adam":
        return Adam(nn)
    return MOMENTUM_RULES[momentum_rule](nn, momentum) if momentum else None


# ----------------------------------------------------------------------------------------
# The matrix engine: the same network, weights, random stream and float32 arithmetic,
# with NumPy array operations in place of the element loops. A batch of n items is a
# matrix of n rows; one item (online training) is a vector.
# ----------------------------------------------------------------------------------------

class MatrixNeuralNetwork(NeuralNetwork):
    """NeuralNetwork with each loop over nodes replaced by one array operation."""

    def __init__(self, *args, **kwargs):
        """Create the network as NeuralNetwork does, then keep its weights in one vector."""
        super().__init__(*args, **kwargs)
        # the weights live in one vector in getWeights order, and the four arrays are
        # views of it, so one array operation updates every weight and bias
        self.flat = np.concatenate([w.ravel() for w in weight_arrays(self)])  # (tw,)
        self.ihWeights, self.hBiases, self.hoWeights, self.oBiases = views(self, self.flat)
        self.grads_flat = np.zeros_like(self.flat)  # (tw,): the gradients, the same way
        self.grads = views(self, self.grads_flat)  # the gradient methods write into these
        self.scratch = np.zeros_like(self.flat)  # (tw,): the update's steps, see update_weights

    def getWeights(self):
        """Return all weights and biases as one vector, in the documented order."""
        return self.flat.copy()  # it is already in that order

    def computeOutputs(self, xValues):
        """Feed xValues forward; store the node values and return a copy of the outputs."""
        self.iNodes[:] = xValues
        _, self.hNodes[:], _, self.oNodes[:] = self.forward(self.iNodes)
        return self.oNodes.copy()

    def forward(self, x_values):
        """Return hSums, hNodes, oSums and oNodes for inputs of shape (ni,) or (n, ni)."""
        hSums = x_values.dot(self.ihWeights) + self.hBiases  # (n, nh): the hSums[j] += loops
        hNodes = self.hidden.of_sums(hSums)  # (n, nh)
        oSums = hNodes.dot(self.hoWeights) + self.oBiases  # (n, no): the oSums[k] += loops
        oNodes = self.softmax(oSums)  # (n, no)
        return hSums, hNodes, oSums, oNodes

    def compute_gradients(self, x_values, t_values, error):
        """Return the Step of one item: steps 1-6 with vectors and outer products."""
        ihGrads, hbGrads, hoGrads, obGrads = self.grads  # views of self.grads_flat
        hSums, hNodes, oSums, oNodes = self.forward(x_values)  # (nh,), (nh,), (no,), (no,)
        # 1. compute output node signals
        oSignals = error.output_signal(oNodes, t_values)  # (no,)
        # 2. compute hidden-to-output weight gradients using output signals
        np.multiply.outer(hNodes, oSignals, out=hoGrads)  # (nh, no): oSignals[k] * hNodes[j]
        # 3. compute output node bias gradients using output signals
        obGrads[:] = oSignals  # (no,)
        # 4. compute hidden node signals
        sums = self.hoWeights.dot(oSignals)  # (nh,): sum over k of oSignals[k] * hoWeights[j, k]
        hSignals = self.hidden.derivative(hNodes) * sums  # (nh,)
        # 5. compute input-to-hidden weight gradients using hidden signals
        np.multiply.outer(x_values, hSignals, out=ihGrads)  # (ni, nh): hSignals[j] * iNodes[i]
        # 6. compute hidden node bias gradients using hidden signals
        hbGrads[:] = hSignals  # (nh,)
        return Step(x_values, hSums, hNodes, oSums, oNodes, t_values, oSignals, hSignals,
                    self.grads)

    def batch_gradients(self, trainData, batch, error):
        """Return the Step of the rows of trainData listed in batch: steps 1-6 with a row
        per item, and the mean gradients. One item goes through compute_gradients."""
        if len(batch) == 1:  # online training: vectors
            row = trainData[batch[0]]  # (ni + no,)
            return self.compute_gradients(row[:self.ni], row[self.ni:], error)
        ihGrads, hbGrads, hoGrads, obGrads = self.grads  # views of self.grads_flat
        n = len(batch)
        x_values = trainData[batch, :self.ni]  # (n, ni)
        t_values = trainData[batch, self.ni:]  # (n, no)
        hSums, hNodes, oSums, oNodes = self.forward(x_values)  # (n, nh), .., (n, no)
        # 1. compute output node signals
        oSignals = error.output_signal(oNodes, t_values)  # (n, no)
        shares = oSignals / n  # (n, no): a mean is the sum of these shares
        # 2. compute hidden-to-output weight gradients using output signals
        np.matmul(hNodes.T, shares, out=hoGrads)  # (nh, no): the mean outer product
        # 3. compute output node bias gradients using output signals
        shares.sum(axis=0, out=obGrads)  # (no,)
        # 4. compute hidden node signals
        sums = oSignals.dot(self.hoWeights.T)  # (n, nh): each item's sum over k
        hSignals = self.hidden.derivative(hNodes) * sums  # (n, nh)
        shares = hSignals / n  # (n, nh)
        # 5. compute input-to-hidden weight gradients using hidden signals
        np.matmul(x_values.T, shares, out=ihGrads)  # (ni, nh)
        # 6. compute hidden node bias gradients using hidden signals
        shares.sum(axis=0, out=hbGrads)  # (nh,)
        return Step(x_values, hSums, hNodes, oSums, oNodes, t_values, oSignals, hSignals,
                    self.grads)

    def update_weights(self, grads, learnRate):
        """Move every weight and bias against its gradient: steps 1-4 in one operation.

        grads are the views of self.grads_flat that the gradient methods return.
        """
        if self.optimizer:  # momentum or Adam: the same rule, for every weight at once
            self.optimizer.next_update()
            self.flat += self.optimizer.delta(EVERY, self.grads_flat, learnRate)
        else:
            # delta = -1.0 * learnRate * grads, computed into a buffer kept for it: a new
            # array of the weights' size at every update made batches of 32 on a
            # 784-128-10 network about 25% slower (tests/bench_speed.py)
            self.flat -= np.multiply(learnRate, self.grads_flat, out=self.scratch)

    def outputs(self, tdata):
        """Return the outputs for the inputs of every row of tdata, in one pass: (n, no)."""
        return self.forward(tdata[:, :self.ni])[3]

    def accuracy(self, tdata):
        """Return the fraction of rows of tdata whose largest output is the target's 1."""
        check_arguments(self, locals())  # the boundary: a matrix of the network's columns
        oNodes = self.outputs(tdata)  # (n, no)
        hits = tdata[np.arange(len(tdata)), self.ni + np.argmax(oNodes, axis=1)] == 1.0
        return float(np.mean(hits))

    def meanSquaredError(self, tdata):
        """Return the sum over rows and outputs of (t - o)^2, divided by the number of rows."""
        check_arguments(self, locals())  # the boundary: a matrix of the network's columns
        oNodes = self.outputs(tdata)  # (n, no)
        return float(np.sum((tdata[:, self.ni:] - oNodes) ** 2)) / len(tdata)

    @staticmethod
    def softmax(oSums):
        """Return the softmax of each row of oSums, shifted by the row's maximum."""
        e = np.exp(oSums - oSums.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------------------
# Learning aids: watch a step, explain it as formulas, check the gradient, plot the error,
# draw the network, count the mistakes. None of them draws from the network's random
# stream or changes a weight, so training is the same with them.
# ----------------------------------------------------------------------------------------

WEIGHT_NAMES = ("ihWeights", "hBiases", "hoWeights", "oBiases")  # getWeights order
GRAD_NAMES = ("ihGrads", "hbGrads", "hoGrads", "obGrads")
DELTA_NAMES = ("ihDeltas", "hbDeltas", "hoDeltas", "obDeltas")


class LearningAids:
    """The aids that watch one run: --check-gradients before training, --trace (and
    --explain) at each step, --plot after each epoch; they keep what --diagram draws."""

    def __init__(self, opts, nn, trainData, testData):
        """Check the gradients if asked; make the observers the options ask for."""
        if opts.check_gradients:
            check_gradients(nn, trainData[0], opts.error_function)
        self.history = History(nn, trainData, testData, opts.error_function) if opts.plot else None
        self.on_epoch = self.history.record if self.history else None
        self.traced = []  # the first traced step and the weights before it
        explain = (opts.learnRate, opts.error_function) if opts.explain else None
        self.on_step = tracer(nn, opts.trace, explain, self.traced) if opts.trace else None


def tracer(nn, steps, explain=None, first=None):
    """Return an on_step observer for train that prints its first steps steps of nn.

    explain, the learning rate and error name of the run, adds under each step every value
    it computed as its formula with the numbers in (see explain_step). A list first gets
    a copy of the first step and the weights before it (for --diagram).
    """
    if explain:  # the boundary: a learning rate and an error's name
        check_arguments(nn, {"learnRate": explain[0], "error_function": explain[1]})
    done = []  # the steps printed so far
    before = [nn.getWeights(), None]  # the weights and the optimizer's memory before a step

    def show(batch, step):
        if len(done) < steps:
            done.append(batch)
            show_step(nn, batch, step, len(done))
            if explain:
                explain_step(nn, step, *before, *explain)
            if first is not None and not first:  # the matrix engine reuses its arrays
                first.append((Step(*map(np.array, step[:-1]), tuple(map(np.array, step.grads))),
                              before[0]))
            before[:] = nn.getWeights(), memory_of(nn.optimizer)

    return show


def show_step(nn, batch, step, number):
    """Print what one training step computed, then the weights after its update."""
    one = len(batch) == 1  # one item: vectors; a batch: a row per item
    print("\n--- training step %d: %s %s%s ---" % (
        number, "item" if one else "items", ", ".join(str(i) for i in batch),
        "" if one else " (the gradients are means)"))
    grads = dict(zip(GRAD_NAMES, step.grads, strict=True))
    for name in ("iNodes", "hSums", "hNodes", "oSums", "oNodes", "targets", "oSignals"):
        show_named(name, getattr(step, name))
    show_named("hoGrads", grads["hoGrads"])
    show_named("obGrads", grads["obGrads"])
    show_named("hSignals", step.hSignals)
    show_named("ihGrads", grads["ihGrads"])
    show_named("hbGrads", grads["hbGrads"])
    if isinstance(nn.optimizer, Adam):
        print("--- Adam update %d: delta = -learnRate * m_hat / (sqrt(v_hat) + eps) ---"
              % nn.optimizer.t)
        for name, deltas in zip(DELTA_NAMES, views(nn, nn.optimizer.last_deltas), strict=True):
            show_named(name, deltas)
    print("--- weights after the update ---")
    for name, w in zip(WEIGHT_NAMES, weight_arrays(nn), strict=True):
        show_named(name, w)


def show_named(name, values):
    """Print a name, then values as a vector or matrix with 4 decimals."""
    print(name + ":")
    (showMatrix if np.ndim(values) == 2 else showVector)(values, 4)


def memory_of(optimizer):
    """Return a copy of what an optimizer remembers between updates (None: nothing)."""
    if isinstance(optimizer, Adam):
        return optimizer.m.copy(), optimizer.v.copy()
    return None if optimizer is None else optimizer.velocity.copy()


def num(value):
    """Return a value as a number in a formula: 6 significant digits."""
    return "%.6g" % value


class Term:
    """A formula --explain prints twice, in symbols and with the numbers in, with the value
    that the numbers shown compute to. Each formula is written once, in Python: Terms
    combine with + - * / ** like numbers, and print with the parentheses they need."""

    PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 3}
    COMPUTE = {"+": float.__add__, "-": float.__sub__, "*": float.__mul__,
               "/": float.__truediv__, "**": float.__pow__}

    def __init__(self, symbols, value=None, numbers=None, ranks=(4, 4)):
        """A name (symbols) standing for value, or a formula already put together."""
        if numbers is None and value is not None:  # a name: its number has 6 digits
            numbers = num(value)
            value = float(numbers)
            ranks = (4, 2.5 if numbers.startswith("-") else 4)  # -2 ** 2 needs (-2)
        self.symbols, self.value, self.numbers, self.ranks = symbols, value, numbers, ranks

    def combine(self, op, left, right):
        """Return left op right, each side in parentheses where Python needs them."""
        p = self.PRECEDENCE[op]
        left, right = (t if isinstance(t, Term) else constant(t) for t in (left, right))

        def side(text, rank, on_right):
            tight = rank < p or (on_right and rank == p and op in "-/") or (
                not on_right and p == 3 and rank <= 3)
            return "(%s)" % text if tight else text

        texts = ["%s %s %s" % (side(a, ra, False), op, side(b, rb, True)) for a, b, ra, rb in (
            (left.symbols, right.symbols, left.ranks[0], right.ranks[0]),
            (left.numbers, right.numbers, left.ranks[1], right.ranks[1]))]
        value = None
        if left.value is not None and right.value is not None:
            try:
                value = self.COMPUTE[op](float(left.value), float(right.value))
            except ArithmeticError:  # 0 / 0, or beyond a float
                value = math.nan
        return Term(texts[0], value, texts[1], (p, p))

    def group(self):
        """Return the formula in parentheses, for a reader's eye."""
        return Term("(%s)" % self.symbols, self.value, "(%s)" % self.numbers)

    __add__ = lambda a, b: a.combine("+", a, b)  # noqa: E731
    __radd__ = lambda a, b: a.combine("+", b, a)  # noqa: E731
    __sub__ = lambda a, b: a.combine("-", a, b)  # noqa: E731
    __rsub__ = lambda a, b: a.combine("-", b, a)  # noqa: E731
    __mul__ = lambda a, b: a.combine("*", a, b)  # noqa: E731
    __rmul__ = lambda a, b: a.combine("*", b, a)  # noqa: E731
    __truediv__ = lambda a, b: a.combine("/", a, b)  # noqa: E731
    __pow__ = lambda a, b: a.combine("**", a, b)  # noqa: E731


def constant(c):
    """Return a number written in a formula (1, -1.0, 0.5) as a Term."""
    rank = 2.5 if c < 0 else 4
    return Term(repr(c), c, repr(c), (rank, rank))


def total(index, term, *vectors):
    """Return sum_index term(...) in symbols, and every term in parentheses in numbers.

    vectors are (symbol, values) pairs: term gets the symbols for the formula, and the
    values one index at a time for the numbers.
    """
    terms = [term(*(Term("", v[i]) for _, v in vectors)) for i in range(len(vectors[0][1]))]
    return Term("sum_%s %s" % (index, term(*(Term(s) for s, _ in vectors)).symbols),
                sum(t.value for t in terms), "(%s)" % " + ".join(t.numbers for t in terms))


def explained(name, formula, value):
    """Print name = formula = its numbers = value; value, the engine's, to as many digits
    (at most 6) as the formula's numbers compute to."""
    value = float(value) + 0.0  # -0.0 prints as 0
    again = formula.value + 0.0
    digits = next((d for d in range(6, 0, -1) if "%.*g" % (d, value) == "%.*g" % (d, again)), 1)
    print("%s = %s = %s = %.*g" % (name, formula.symbols, formula.numbers, digits, value))


def shown_indices(shape):
    """Return the elements of an array explained: its first two and its last."""
    every = list(np.ndindex(shape))
    return list(dict.fromkeys(every[:2] + every[-1:]))


def index(*idx):
    """Return an index as the trace writes it: [2] or [0, 3]."""
    return "[%s]" % ", ".join(map(str, idx))


def slope_term(nn, h):
    """Return the activation's slope where it equals h, as a Term: the engine's own function."""
    if nn.hidden.name == "relu":  # a comparison, not arithmetic
        return Term("(1 if h > 0 else 0)", 1.0 if h > 0 else 0.0)
    return nn.hidden.derivative(Term("h", h))  # e.g. tanh_derivative: (1 - h) * (1 + h)


def signal_term(error_name, o, t, k):
    """Return step 1 for output k of one row as a Term: the error's own signal function,
    or for mse-exact its sum over the outputs m written out."""
    ok, tk = Term("o", o[k]), Term("t", t[k])
    if error_name == "mse-exact":  # with the term of the softmax's other outputs
        return ok * ((ok - tk).group() - total("m", lambda om, tm: om * (om - tm),
                                                ("o_m", o), ("t_m", t)))
    return ERROR_FUNCTIONS[error_name].output_signal(ok, tk)  # mse: (1 - o) * o * (o - t)


def explain_step(nn, step, weights, memory, learnRate, error_name):
    """Print steps 1-6 and update steps 1-4 of one traced step as formulas with numbers.

    weights and memory are nn's weights and its optimizer's memory before the step. Every
    oSignals and hSignals value is shown, and of each gradient and weight array its first
    two elements and its last. For a batch, r numbers its rows and n counts them.
    """
    rows = np.atleast_2d(step.oNodes).shape[0]
    one = np.ndim(step.oNodes) == 1
    at = (lambda r: ()) if one else (lambda r: (r,))  # a row's part of an index
    x, h, o, t, os_, hs = (np.atleast_2d(a) for a in (step.iNodes, step.hNodes, step.oNodes,
                                                      step.targets, step.oSignals,
                                                      step.hSignals))
    hoW = views(nn, weights)[2]  # before the update
    print("--- the step as formulas: x = iNodes, h = hNodes, o = oNodes, t = targets%s ---"
          % ("" if one else "; r is a row of the batch, n = %d rows" % rows))
    print("1. output signals (error %s)" % error_name)
    for r, k in np.ndindex(rows, nn.no):
        explained("oSignals" + index(*at(r), k), signal_term(error_name, o[r], t[r], k),
                  os_[r, k])
    print("2-3. hidden-to-output and output bias gradients (of each array, its first two "
          "elements and its last)")
    explain_gradients(("hoGrads", "obGrads", "oSignals", "h"), os_, h, step.grads[2:], one)
    print("4. hidden signals: the activation's slope times the output signals, summed over "
          "the paths k (hoWeights before the update)")
    for r, j in np.ndindex(rows, nn.nh):
        paths = total("k", lambda s, w: s * w, ("oSignals" + index(*at(r), "k"), os_[r]),
                      ("hoWeights" + index(j, "k"), hoW[j]))
        explained("hSignals" + index(*at(r), j), slope_term(nn, h[r, j]) * paths, hs[r, j])
    print("5-6. input-to-hidden and hidden bias gradients (of each array, its first two "
          "elements and its last)")
    explain_gradients(("ihGrads", "hbGrads", "hSignals", "x"), hs, x, step.grads[:2], one)
    explain_update(nn, step.grads, views(nn, weights), memory, learnRate)


def explain_gradients(names, signals, nodes, grads, one):
    """Print the shown elements of a weight gradient array and of its bias gradients.

    A weight's gradient is the signal of the node it leads to times the value of the node
    it comes from (1.0 for a bias); of a batch, the mean over its rows. names are those of
    the two gradient arrays, the signals and the nodes; signals and nodes have a row per item.
    """
    weight_name, bias_name, signal, node = names
    weight_grads, bias_grads = grads

    def mean(term, *vectors):  # one item: the term itself; a batch: sum_r term / n
        if one:
            return term(*(Term(name % "", v[0]) for name, v in vectors))
        return total("r", term, *((name % "r, ", v) for name, v in vectors)) / Term(
            "n", len(signals))

    for a, b in shown_indices(weight_grads.shape):
        explained(weight_name + index(a, b), mean(lambda s, v: s * v, (
            signal + "[%%s%d]" % b, signals[:, b]), (node + "[%%s%d]" % a, nodes[:, a])),
            weight_grads[a, b])
    for (b,) in shown_indices(bias_grads.shape):
        explained(bias_name + index(b), mean(lambda s: s * 1.0, (
            signal + "[%%s%d]" % b, signals[:, b])), bias_grads[b])


def explain_update(nn, grads, before, memory, learnRate):
    """Print update steps 1-4 for the elements shown: the rule the run uses, with numbers."""
    optimizer, rate = nn.optimizer, Term("learnRate", learnRate)
    print("update steps 1-4 (learnRate %s%s; of each array, its first two elements and its "
          "last)" % (num(learnRate), describe_update(optimizer)))
    for number, (name, g_name, g, w, new) in enumerate(zip(
            WEIGHT_NAMES, GRAD_NAMES, grads, before, weight_arrays(nn), strict=True)):
        for idx in shown_indices(w.shape):
            at = index(*idx)
            weight, grad = Term(name + at, w[idx]), Term(g_name + at, g[idx])
            if optimizer is None:  # the article's: delta = -1.0 * learnRate * grad
                explained(name + at, weight + -1.0 * rate * grad, new[idx])
                continue
            if isinstance(optimizer, Adam):
                explain_adam(nn, number, idx, name + at, weight, grad, memory, rate, new[idx])
                continue
            factor = Term("momentum", optimizer.momentum)
            previous = 0.0 if memory is None else views(nn, memory)[number][idx]
            if isinstance(optimizer, OneStepMomentum):  # the previous delta, remembered
                d_name = DELTA_NAMES[number] + at
                delta = np.float32(-1.0 * learnRate * g[idx])
                explained(d_name, -1.0 * rate * grad, delta)
                explained(name + at, weight + Term(d_name, delta) + factor * Term(
                    "previous " + d_name, previous), new[idx])
            else:  # classical: the velocity, a decaying sum of past steps
                v_name = "v_" + name + at
                velocity = views(nn, optimizer.velocity)[number][idx]
                explained(v_name, factor * Term(v_name, previous) - rate * grad, velocity)
                explained(name + at, weight + Term(v_name, velocity), new[idx])


def describe_update(optimizer):
    """Return the update rule of a traced step, for the line above its formulas."""
    if optimizer is None:
        return ", the article's update"
    if isinstance(optimizer, Adam):
        return ", Adam update %d: beta1 %s, beta2 %s, eps %s" % (
            optimizer.t, num(optimizer.beta1), num(optimizer.beta2), num(optimizer.eps))
    rule = "one-step" if isinstance(optimizer, OneStepMomentum) else "classical"
    return ", %s momentum %s" % (rule, num(optimizer.momentum))


def explain_adam(nn, number, idx, name, weight, grad, memory, rate, new):
    """Print Adam's m, v, m_hat, v_hat and the new weight for one element."""
    adam = nn.optimizer
    m0, v0 = ((views(nn, part)[number][idx] for part in memory) if memory is not None
              else (0.0, 0.0))
    m, v = views(nn, adam.m)[number][idx], views(nn, adam.v)[number][idx]
    b1, b2, t = Term("beta1", adam.beta1), Term("beta2", adam.beta2), Term("t", adam.t)
    explained("m_" + name, b1 * Term("m_" + name, m0) + (1 - b1) * grad, m)
    explained("v_" + name, b2 * Term("v_" + name, v0) + (1 - b2) * grad * grad, v)
    m_hat = np.float32(m / (1 - adam.beta1 ** adam.t))
    v_hat = np.float32(v / (1 - adam.beta2 ** adam.t))
    explained("m_hat_" + name, Term("m_" + name, m) / (1 - b1 ** t), m_hat)
    explained("v_hat_" + name, Term("v_" + name, v) / (1 - b2 ** t), v_hat)
    explained(name, weight - rate * Term("m_hat_" + name, m_hat) / (
        Term("v_hat_" + name, v_hat) ** 0.5 + Term("eps", adam.eps)), new)


def check_gradients(nn, row, error_function, step=1e-6):
    """Print how far the engine's gradients for row are from central differences."""
    error = choose(ERROR_FUNCTIONS, error_function, "error_function")
    x_values, t_values = row[:nn.ni], row[nn.ni:]
    grads = nn.compute_gradients(x_values, t_values, error).grads  # what training uses
    # a float64 twin of nn runs the engine's own forward pass for the error
    twin = type(nn)(nn.ni, nn.nh, nn.no, seed=0, hidden_activation=nn.hidden.name,
                    dtype=np.float64)
    twin.setWeights(np.float64(nn.getWeights()))
    x64, t64 = np.float64(x_values), np.float64(t_values)
    print("\nGradient check on training row 0 (error %s, activation %s):"
          % (error.name, nn.hidden.name))
    worst, every = 0.0, []  # every: (the engine's, the numeric) gradient of each array
    for name, g, weights in zip(WEIGHT_NAMES, grads, weight_arrays(twin), strict=True):
        numeric = np.zeros_like(weights)
        for idx in np.ndindex(weights.shape):  # central differences, one weight at a time
            old = weights[idx]
            weights[idx] = old + step
            plus = error.of_item(twin.computeOutputs(x64), t64)
            weights[idx] = old - step
            minus = error.of_item(twin.computeOutputs(x64), t64)
            weights[idx] = old  # restore it before moving on
            numeric[idx] = (plus - minus) / (2 * step)
        difference = relative_difference(np.float64(g), numeric)
        worst = max(worst, difference)
        every.append((np.float64(g).ravel(), numeric.ravel()))
        print("  %-9s largest relative difference %.2e" % (name, difference))
    print("max relative difference: %.2e" % worst)
    ours, numeric = (np.concatenate(part) for part in zip(*every, strict=True))
    lengths = np.linalg.norm(ours) * np.linalg.norm(numeric)
    print("all %d gradients as one vector against the central differences: cosine %.6f, "
          "length ratio %.2f" % (len(ours), ours @ numeric / lengths if lengths else 1.0,
                                 np.linalg.norm(ours) / np.linalg.norm(numeric)
                                 if lengths else 1.0))
    if not error.exact:
        print("The article's output signal (1 - o) o (o - t) keeps only the diagonal of the "
              "softmax derivative and leaves out its off-diagonal terms -o_m o_k (m not k), so "
              "it is not the gradient of its own error.\nUse --error mse-exact for the exact "
              "gradient of the same squared error (or --error cross-entropy).")


def relative_difference(a, b):
    """Return max|a - b| / max(max|a|, max|b|): the difference relative to the scale."""
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else 0.0


class History:
    """The error and the train and test accuracy after each epoch, for --plot."""

    def __init__(self, nn, trainData, testData, error_function):
        """Remember what to measure after each epoch."""
        self.nn, self.trainData, self.testData = nn, trainData, testData
        self.error = choose(ERROR_FUNCTIONS, error_function, "error_function")
        self.epochs, self.errors, self.train_accuracy, self.test_accuracy = [], [], [], []
        self.record(0)  # the starting weights: a plot of --epochs 0 or 1 still shows a line

    def record(self, epoch):
        """Measure the network after this epoch (0: before training)."""
        self.epochs.append(epoch)
        self.errors.append(self.error.of_data(self.nn, self.trainData))
        self.train_accuracy.append(self.nn.accuracy(self.trainData))
        self.test_accuracy.append(self.nn.accuracy(self.testData))

    def plot(self, file_format, title):
        """Return the history drawn as an image file: "png", "pdf" or "svg" bytes."""
        import matplotlib
        matplotlib.use("Agg")  # files only, no window
        import matplotlib.pyplot as plt
        fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 6))
        top.plot(self.epochs, self.errors, color="tab:red", marker=".", gid="error")
        top.set_ylabel(self.error.label + " (training data)")
        top.set_title(title, fontsize=9)
        bottom.plot(self.epochs, self.train_accuracy, label="train", marker=".", gid="train")
        bottom.plot(self.epochs, self.test_accuracy, label="test", marker=".", gid="test")
        bottom.set_xlabel("epoch")
        bottom.set_ylabel("accuracy")
        bottom.legend()
        fig.tight_layout()
        return image_bytes(fig, file_format)


def image_bytes(fig, file_format):
    """Return a matplotlib figure as the bytes of a png, pdf or svg file, and close it.

    An SVG keeps its text as text (svg.fonttype "none"), so its numbers can be searched.
    """
    import io

    import matplotlib
    import matplotlib.pyplot as plt
    image = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "nn_backprop"}):
        fig.savefig(image, format=file_format, dpi=100)
    plt.close(fig)
    return image.getvalue()


def draw_network(nn, file_format, title, traced=None):
    """Return nn drawn as an image file: the input, hidden and output nodes in three columns,
    each node a box with its name and bias, each weight an edge (width: its size, blue:
    positive, red: negative, as a legend says); the figure grows with the tallest layer.
    traced, a Step and the weights before it, draws that step instead: each node with its
    value and signal (of a batch, its first item's), and a second panel with the step's
    gradients, the three largest named under it."""
    import matplotlib
    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt
    if traced is None:  # (title, edges, the step whose nodes to label, edges named)
        panels = [("weights after training", weight_arrays(nn), None, 0)]
    else:
        step, weights = traced
        panels = [("weights before the step, nodes: value (signal)", views(nn, weights), step, 0),
                  ("the step's gradients", step.grads, None, 3)]
    width, height = 6.5 * len(panels), max(5.5, 0.8 * max(nn.ni, nn.nh, nn.no) + 1.5)
    margins = {"left": 0.2 / width, "right": 1 - 0.2 / width, "wspace": 0.1,
               "top": 1 - 0.85 / height, "bottom": 1.0 / height}  # in inches, as the boxes are
    fig, axes = plt.subplots(1, len(panels), figsize=(width, height), squeeze=False,
                             gridspec_kw=margins)
    for ax, (label, arrays, values, largest) in zip(axes[0], panels, strict=True):
        draw_layers(ax, nn, arrays, values, label, largest)
    fig.suptitle(title, fontsize=9, y=1 - 0.1 / height, va="top")
    fig.legend(handles=[plt.Line2D([], [], color=color, label=sign) for color, sign in (
        ("tab:blue", "positive"), ("tab:red", "negative"))], loc="lower center", ncol=2,
        fontsize=7, title="an edge's colour: its sign; its width: its size", title_fontsize=7)
    return image_bytes(fig, file_format)


def node_lines(nn, biases, step):
    """Return the lines of text in each node's box, layer by layer: its name, with step its
    value and signal (of a batch, its first item's), and its bias."""
    layers = [[["%s%d" % (name, i)] for i in range(size)]
              for name, size in zip("xho", (nn.ni, nn.nh, nn.no), strict=True)]
    if step is not None:
        first = (lambda a: a) if np.ndim(step.oNodes) == 1 else (lambda a: a[0])
        for layer, nodes, signals in zip(layers, (step.iNodes, step.hNodes, step.oNodes),
                                         (None, step.hSignals, step.oSignals), strict=True):
            for i, lines in enumerate(layer):
                lines.append("%.4f" % first(nodes)[i]
                             + ("" if signals is None else " (%.4f)" % first(signals)[i]))
    for layer, bias in zip(layers[1:], biases, strict=True):
        for lines, b in zip(layer, bias, strict=True):
            lines.append("b %.4f" % b)
    return layers


def draw_layers(ax, nn, arrays, step, label, largest=0):
    """Draw nn on ax: a box per node, holding node_lines, and an edge per value of the weight
    arrays (ihWeights, hBiases, hoWeights, oBiases, or their gradients) from the side of one
    box to the side of the next, so that no edge crosses a box or a text. The boxes of a
    column are alike; the text shrinks when the boxes would not fit side by side (the
    figure's height grows with the layers, so they fit one above the other). The largest edges
    are named under the panel."""
    from matplotlib.patches import Rectangle
    ih, hb, ho, ob = arrays
    layers, sizes = node_lines(nn, (hb, ob), step), (nn.ni, nn.nh, nn.no)
    ax.set_xlim(-0.45, 2.45)
    ax.set_ylim(-max(sizes) / 2, max(sizes) / 2)
    fig = ax.figure  # data units per inch, across and up:
    per_inch = (2.9, max(sizes)) / (ax.get_position().size * fig.get_size_inches())
    longest = [max(sum(layer, []), key=len) for layer in layers]  # monospace: the widest

    def box_widths(points):  # in data units, as drawn (small text is drawn to whole pixels)
        return np.array([fig.canvas.get_renderer().get_text_width_height_descent(
            text, matplotlib_font(points), ismath=False)[0] / fig.dpi + 0.1 * points / 7
            for text in longest]) * per_inch[0]

    points, widths = 7.0, box_widths(7.0)  # the text's size
    for _ in range(3):  # gaps of 0.3 or more between the columns, all inside the axes
        shrink = min(1.4 / (widths[0] + widths[1]), 1.4 / (widths[1] + widths[2]),
                     0.8 / widths[0], 0.8 / widths[2])
        if shrink >= 1:
            break
        points, widths = points * shrink, box_widths(points * shrink)
    line = points * 1.3 / 72 * per_inch[1]
    heights = [len(layer[0]) * line + 0.1 * points / 7 * per_inch[1] for layer in layers]
    place = [[(column, (size - 1) / 2 - i) for i in range(size)]
             for column, size in enumerate(sizes)]  # (x, y) of each node, layer by layer
    for layer, nodes in enumerate(layers):
        for (x, y), lines in zip(place[layer], nodes, strict=True):
            ax.add_patch(Rectangle((x - widths[layer] / 2, y - heights[layer] / 2),
                                   widths[layer], heights[layer], facecolor="white",
                                   edgecolor="black", linewidth=0.8, zorder=2, gid=lines[0]))
            for n, text in enumerate(lines):
                color = "black" if not text.startswith("b ") else (
                    "tab:red" if text.startswith("b -") else "tab:blue")
                ax.text(x, y + ((len(lines) - 1) / 2 - n) * line, text, ha="center",
                        va="center", fontproperties=matplotlib_font(points), color=color,
                        zorder=3)
    biggest = max(float(np.max(np.abs(ih))), float(np.max(np.abs(ho)))) or 1.0
    edges = [("ih", 0, i, j, ih[i, j]) for i, j in np.ndindex(ih.shape)]
    edges += [("ho", 1, j, k, ho[j, k]) for j, k in np.ndindex(ho.shape)]
    for name, layer, a, b, value in edges:  # from box side to box side
        (x0, y0), (x1, y1) = place[layer][a], place[layer + 1][b]
        ax.plot([x0 + widths[layer] / 2, x1 - widths[layer + 1] / 2], [y0, y1],
                color="tab:blue" if value >= 0 else "tab:red", solid_capstyle="butt",
                linewidth=0.3 + 4 * abs(value) / biggest, zorder=1,
                gid="%s[%d, %d]" % (name, a, b))
    named = sorted(edges, key=lambda e: -abs(e[4]))[:largest]
    if named:
        ax.set_xlabel("largest: " + ", ".join("%s\u2192%s %.4f" % (
            layers[layer][a][0], layers[layer + 1][b][0], value)
            for _, layer, a, b, value in named), fontsize=7)
    ax.set_title(label, fontsize=9)
    ax.set_xticks(range(3), ["inputs", "hidden", "outputs"])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def matplotlib_font(size):
    """Return the monospace font of the diagram's boxes, at size points."""
    from matplotlib.font_manager import FontProperties
    return FontProperties(family="monospace", size=size)


IRIS_SPECIES = ("setosa", "versicolor", "virginica")  # the order of the one-hot targets


def class_names(trainData, testData, numOutput):
    """Return the names of the classes: the species for the Iris data (whatever the files'
    names), else class numbers."""
    iris = all(path.exists() for path in IRIS_FILES) and all(
        np.array_equal(data, loadFile(path)) for data, path in zip(
            (trainData, testData), IRIS_FILES, strict=True))
    return IRIS_SPECIES if iris else tuple("class %d" % k for k in range(numOutput))


def confusion_matrix(nn, tdata):
    """Return counts[target, predicted] over the rows of tdata: (no, no) whole numbers.

    The diagonal counts the rows that accuracy counts as correct.
    """
    check_arguments(nn, {"tdata": tdata})  # the boundary: a matrix of the network's columns
    counts = np.zeros((nn.no, nn.no), dtype=int)  # (no, no)
    predicted = np.argmax(nn.outputs(tdata), axis=1)  # (n,): the largest output
    np.add.at(counts, (np.argmax(tdata[:, nn.ni:], axis=1), predicted), 1)
    return counts


def show_confusion(nn, trainData, testData):
    """Print the confusion matrices of the training and test data, then each test item the
    network gets wrong: its row, inputs, target and outputs."""
    names = class_names(trainData, testData, nn.no)
    width = max(len(name) for name in names) + 2
    for label, tdata in (("training", trainData), ("test", testData)):
        print("\nConfusion matrix of the %s data (a row per target, a column per output):"
              % label)
        print(" " * width + "".join(name.rjust(width) for name in names))
        for name, counts in zip(names, confusion_matrix(nn, tdata), strict=True):
            print(name.ljust(width) + "".join(str(c).rjust(width) for c in counts))
    wrong = [(i, o) for i, o in enumerate(nn.outputs(testData))
             if np.argmax(o) != np.argmax(testData[i, nn.ni:])]
    print("\nMisclassified test items: %d of %d" % (len(wrong), len(testData)))
    for i, o in wrong:
        print("[%d] (line %d) %s  target %s, outputs %s: %s"
              % (i, i + 1, format_values(testData[i, :nn.ni], 1),
                 names[np.argmax(testData[i, nn.ni:])], format_values(o, 4),
                 names[np.argmax(o)]))


# ----------------------------------------------------------------------------------------
# Many seeds: one seed is one sample, so a lesson drawn from a run needs many runs
# ----------------------------------------------------------------------------------------

def train_seeds(opts, nn, trainData, testData, loaded):
    """Train a network like nn once per seed of --seeds, with the other options; print a
    line per seed as it finishes, then the mean, min, median and max of each figure."""
    error = ERROR_FUNCTIONS[opts.error_function]
    print("\nTraining one network per seed. After the last epoch: the error, the accuracies, "
          "and\nthe mean slope of the hidden activation on the training items (step 4's factor)")
    print(seed_row("seed", (error.label, "train acc", "test acc", "mean slope")))
    figures = []  # (error, train and test accuracy, mean slope) of each seed that finished
    for seed in opts.seeds:
        net = type(nn)(nn.ni, nn.nh, nn.no, seed=seed, **options_for(opts, NETWORK_OPTIONS))
        if loaded is not None:  # each seed starts there, and shuffles its own way
            net.setWeights(loaded)
        try:
            net.train(trainData, opts.maxEpochs, opts.learnRate,
                      **dict(options_for(opts, TRAINING_OPTIONS), print_every=0))
        except DivergenceError as e:
            print(seed_row(seed, ["diverged in epoch %d" % e.epoch]), flush=True)
            diverged = e
            continue
        figures.append((error.of_data(net, trainData), net.accuracy(trainData),
                        net.accuracy(testData), mean_slope(net, trainData)))
        print(seed_row(seed, ["%0.4f" % f for f in figures[-1]]), flush=True)
    left_out = len(opts.seeds) - len(figures)
    print("\nOver %d seeds%s:" % (len(figures), " (%d diverged, left out)" % left_out
                                  if left_out else ""))
    if not figures:  # as one run that diverges: an error status
        raise diverged
    for name, statistic in (("mean", np.mean), ("min", np.min), ("median", np.median),
                            ("max", np.max)):
        print(seed_row(name, ["%0.4f" % statistic(f) for f in zip(*figures, strict=True)]))
    print("\nEnd demo\n")


def mean_slope(nn, tdata):
    """Return the mean, over the rows of tdata and the hidden nodes, of the activation's slope
    at the node's value (tanh: (1 - h)(1 + h)): the factor by which step 4 passes the output
    signals back. Near 0 the hidden layer is saturated, and passes little back."""
    slopes = []
    for row in tdata:
        nn.computeOutputs(row[:nn.ni])  # keeps the hidden values in hNodes
        slopes.append(nn.hidden.derivative(nn.hNodes))
    return float(np.mean(slopes))


def seed_row(first, cells):
    """Return one line of the seeds table: first, then cells, in columns 11 wide."""
    return "%6s" % first + "".join(" %10s" % c for c in cells)


# ========================================================================================
# The boundary: what comes in (options, files, the API's arguments) is checked here, each
# limit once, and what goes out is written here, all or none. A problem ends the run with
# one line on stderr and exit status 2 (see cli), so the algorithm above never sees it.
# ========================================================================================

class DataError(ValueError):
    """A data or weights file, or an option, that cannot be used; the message says where."""


# ----------------------------------------------------------------------------------------
# Numbers and their limits: one rule for what a number is, in files and options alike, and
# one table of what each argument accepts, for the command line and the API alike
# ----------------------------------------------------------------------------------------

NUMBER = (r"\s*[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
          r"|(?i:nan|inf|infinity))\s*")  # a plain decimal number, blanks around it
IS_NUMBER, IS_WHOLE = re.compile(NUMBER), re.compile(r"\s*[+-]?[0-9]+\s*")  # blanks: \s
IS_ROW = re.compile(NUMBER + "(?:," + NUMBER + ")*")  # a line of a data file


class Limit(NamedTuple):
    """What a number argument accepts: whole numbers or any, a test of its value, in words."""

    whole: bool
    accepts: Callable
    words: str


def at_least(lowest):
    """Return the Limit of the whole numbers from lowest up."""
    return Limit(True, lambda v: v >= lowest, "a whole number of at least %d" % lowest)


LIMITS = {  # each number argument of the API; the option that sets it has the same limit
    "numInput": at_least(1), "numHidden": at_least(1), "numOutput": at_least(1),
    "seed": at_least(0),  # random.Random(-1) would give the stream of seed 1
    "maxEpochs": at_least(0), "batch_size": at_least(1), "print_every": at_least(0),
    "trace": at_least(0),
    "learnRate": Limit(False, lambda v: 0 < v <= sys.float_info.max, "a positive finite number"),
    "momentum": Limit(False, lambda v: 0 <= v < 1, "a number in [0, 1)"),
    "init_range": Limit(False, lambda v: 0 < v <= float(np.finfo(np.float32).max),
                        "a positive number of at most 3.4e38 (float32's largest)")}
COMBINATIONS = [  # (fault, the argument at fault, why), for the command line and the API
    (lambda a: a["optimizer"] == "adam" and a["momentum"], "momentum",
     "not with {optimizer} adam, which keeps its own moments"),
    (lambda a: a["momentum_rule"] != "classical" and not a["momentum"], "momentum_rule",
     "give a {momentum} factor too (0 means no momentum)")]
CHOICES = {"hidden_activation": HIDDEN_ACTIVATIONS, "error_function": ERROR_FUNCTIONS,
           "optimizer": OPTIMIZERS, "momentum_rule": MOMENTUM_RULES}  # the names each takes
KINDS = {  # the other arguments: (what they accept, in words; the test; the error)
    "on_epoch": ("a function or None", lambda v: v is None or callable(v), TypeError),
    "on_step": ("a function or None", lambda v: v is None or callable(v), TypeError),
    "shuffle": ("True or False", lambda v: isinstance(v, (bool, np.bool_)), TypeError),
    "dtype": ("np.float32 or np.float64", lambda v: v in (np.float32, np.float64), ValueError)}


def check_arguments(nn, arguments):
    """Raise TypeError or ValueError naming the first of the arguments of a NeuralNetwork
    method (its locals()) it cannot use: by the tables above, data by check_data, and a new
    network by the memory it would need."""
    for name, value in arguments.items():
        if name in LIMITS:
            limit = LIMITS[name]
            kind = is_number(value, limit.whole)
            if not (kind and limit.accepts(value)):
                raise (ValueError if kind else TypeError)(
                    "%s must be %s, not %s" % (name, limit.words, describe(value)))
        elif name in CHOICES:
            choose(CHOICES[name], value, name)
        elif name in KINDS and not KINDS[name][1](value):
            raise KINDS[name][2]("%s must be %s, not %s" % (name, KINDS[name][0], describe(value)))
        elif name in ("trainData", "tdata"):
            check_data(nn, value, name)
    for fault, name, why in COMBINATIONS if "optimizer" in arguments else ():
        if fault(arguments):
            raise ValueError("%s: %s" % (name, why.format(**{n: n for n in arguments})))
    sizes = [arguments.get(n) for n in ("numInput", "numHidden", "numOutput")]
    needed = sizes[0] and memory_needed(*sizes, itemsize=np.dtype(arguments["dtype"]).itemsize)
    if needed and needed > available_memory():
        value, name = max(zip(sizes, ("numInput", "numHidden", "numOutput"), strict=True))
        raise ValueError("%s %s: the network would need about %s of memory, more than the %s "
                         "free" % (name, value if value < 10**15 else "of %d digits" % len(
                             str(value)), megabytes(needed), megabytes(available_memory())))


def choose(table, name, argument):
    """Return table[name]; raise ValueError naming argument and the valid names if none."""
    if isinstance(name, str) and name in table:
        return table[name]
    raise ValueError("%s must be one of %s, not %s"
                     % (argument, ", ".join(repr(n) for n in table), shorten(repr(name))))


def check_data(nn, data, name):
    """Raise TypeError or ValueError unless data is a non-empty 2-D array of finite numbers
    whose columns are nn's inputs and then its targets."""
    if (not isinstance(data, np.ndarray) or isinstance(data, np.matrix) or data.ndim != 2
            or data.dtype.kind not in "biuf"):
        raise TypeError("%s must be a 2-D NumPy array of numbers (a row per item: inputs, then "
                        "targets), not %s" % (name, describe(data)))
    if len(data) == 0:
        raise ValueError("%s holds no rows" % name)
    if data.shape[1] != nn.ni + nn.no:
        raise ValueError("%s has %d columns; a %d-%d-%d network needs %d: %d inputs, then %d "
                         "targets" % (name, data.shape[1], nn.ni, nn.nh, nn.no, nn.ni + nn.no,
                                      nn.ni, nn.no))
    bad = [] if np.isfinite(data.sum(dtype=np.float64)) else np.argwhere(~np.isfinite(data))
    if len(bad):  # (a NaN or an infinity shows in the sum, which a float64 holds: one pass)
        raise ValueError("%s[%d, %d] is not a finite number (NaN or infinity)"
                         % (name, bad[0][0], bad[0][1]))


def check_weights(nn, weights):
    """Return weights as a vector of nn's dtype; raise TypeError or ValueError unless they
    are a flat sequence of the right number of finite numbers."""
    tw = nn.totalWeights(nn.ni, nn.nh, nn.no)
    try:
        values = np.asarray(weights)
    except ValueError:  # a ragged nested list
        values = np.zeros((0, 0))
    if values.ndim != 1 or values.dtype.kind not in "biuf":
        raise TypeError("setWeights: weights must be a flat sequence of %d numbers, not %s"
                        % (tw, "a nested sequence" if values.ndim > 1 else describe(weights)))
    if len(values) != tw:  # the article only printed a warning here
        raise ValueError("setWeights: got %d values, a %d-%d-%d network has %d"
                         % (len(values), nn.ni, nn.nh, nn.no, tw))
    with np.errstate(over="ignore"):  # beyond float32's range becomes infinite: refused
        values = values.astype(nn.dtype)
    if not np.all(np.isfinite(values)):
        raise ValueError("setWeights: the weights must be finite numbers")
    return values


def memory_needed(numInput, numHidden, numOutput, batch=1, loops=True, itemsize=4):
    """Return the bytes a network and its training need, the one estimate: 8 copies of its
    weights (the drawn ones, the weights, a step's gradients, getWeights, the update's buffer,
    momentum or Adam's two), a step's node values, and on the loops engine each item's
    gradients until a batch is averaged."""
    return itemsize * ((8 + (batch if loops else 0)) * NeuralNetwork.totalWeights(
        numInput, numHidden, numOutput) + 6 * batch * (numInput + numHidden + numOutput))


def available_memory():
    """Return the bytes of memory free for this run (MemAvailable on Linux, else 16 GB)."""
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f
                        if line.startswith("MemAvailable:"))
    except (OSError, ValueError, IndexError, StopIteration):
        return 1 << 34


def megabytes(size):
    """Return a size in bytes as '12.3 MB' (or '4.5 GB'), for a message."""
    if size >= 1e9:
        return ("%.1f GB" if size < 1e12 else "%.3g GB") % (size / 1e9)
    return "%.1f MB" % (size / 1e6)


def is_number(value, whole=False):
    """Return whether value is a number (an int; a float too unless whole), not a bool."""
    kinds = (int, np.integer) if whole else (int, np.integer, float, np.floating)
    return isinstance(value, kinds) and not isinstance(value, (bool, np.bool_))


def describe(value):
    """Return a short description of value for a message: its repr, or its type."""
    text = repr(value)
    if len(text) <= 40:
        return text
    return "an int of %d digits" % len(text) if is_number(value, True) else "a %s" % type(
        value).__name__


def shorten(text, most=30):
    """Return text cut to at most characters, for an error message."""
    return text if len(text) <= most else text[:most] + "..."


# ----------------------------------------------------------------------------------------
# Files in: a text file of comma-separated numbers, checked line by line before NumPy's
# parser reads it, so that a fault is named by its file, line and column
# ----------------------------------------------------------------------------------------

LINE_END = re.compile(r"\r\n|\r|\n")  # what ends a line in an editor; nothing else does


def read_lines(path):
    """Return the lines of a text file, trailing blank lines dropped; raise DataError if none
    are left, for a blank line between them, NUL bytes, bytes that are not UTF-8 or more
    than a fifth of the free memory (read a megabyte at a time: an endless file stops early)."""
    limit, chunks = available_memory() // 5, []
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                if b"\0" in chunk:
                    raise DataError("%s: not a text file (it holds NUL bytes)" % path)
                chunks.append(chunk)
                if len(chunks) << 20 > limit:
                    raise DataError("%s: more than %s, a fifth of the free memory; a data file "
                                    "must be smaller" % (path, megabytes(limit)))
        lines = LINE_END.split(b"".join(chunks).decode("utf-8-sig"))
    except IsADirectoryError:
        raise DataError("%s: is a folder, not a file" % path) from None
    except OSError as e:
        raise DataError("%s: cannot read: %s" % (path, e.strerror or e)) from None
    except UnicodeDecodeError:
        raise DataError("%s: not a text file (it is not UTF-8 text)" % path) from None
    while lines and not lines[-1].strip():  # blank lines at the end are harmless
        lines.pop()
    blank = next((n for n, line in enumerate(lines, 1) if not line.strip()), 0)
    if not lines or blank:
        raise DataError("%s, line %d: blank line between rows of data" % (path, blank) if blank
                        else "%s: holds no data" % path)
    return lines


def read_matrix(path, lines=None, first_line=1, one_column=False):
    """Return the comma-separated numbers of file path (or of its lines, the first of them
    line first_line) as a float32 matrix; raise DataError naming the first fault."""
    lines = read_lines(path) if lines is None else lines
    width = 1 if one_column else lines[0].count(",") + 1
    for n, line in enumerate(lines, first_line):
        if line.count(",") + 1 != width or not IS_ROW.fullmatch(line):
            raise DataError(line_fault(path, n, line, width, first_line, one_column))
    matrix = np.loadtxt(lines, delimiter=",", dtype=np.float32, comments=None, ndmin=2)
    bad = np.argwhere(~np.isfinite(matrix))
    if len(bad):
        raise DataError("%s, line %d, column %d: not a finite float32 number (NaN, infinity or "
                        "beyond 3.4e38)" % (path, first_line + bad[0][0], bad[0][1] + 1))
    return matrix


def line_fault(path, n, line, width, first_line, one_column):
    """Return what is wrong with line n of path, a row of width values, for a DataError."""
    fields, where = line.split(","), "%s, line %d" % (path, n)
    if one_column and line.lstrip().startswith("#"):
        return where + ": a '#' line; only the first line may be one"
    if len(fields) != width:
        return where + (": %d values; a weights file holds one number per line" % len(fields)
                        if one_column else ": %d values, but line %d has %d"
                        % (len(fields), first_line, width))
    column, field = next((c, f) for c, f in enumerate(fields, 1) if not IS_NUMBER.fullmatch(f))
    if one_column:
        return where + ": %r is not a number" % shorten(field.strip(" \t"))
    where += ", column %d: " % column
    if not field.strip():
        return where + "empty value"
    other = [[f for f in line.split(sep) if f.strip()] for sep in ";\t |" if "," not in line]
    if any(len(f) > 1 and all(map(IS_NUMBER.fullmatch, f)) for f in other):
        return where + "%r is not a number; separate values with commas" % shorten(field)
    return where + "%r is not a number%s" % (shorten(field), " (a header line? the file must "
                                             "hold only numbers)" if n == 1 else "")


# ----------------------------------------------------------------------------------------
# Weights files: one number per line in getWeights order, after a '#' line naming the
# network's shape. 9 significant digits are enough to give back every float32 exactly.
# ----------------------------------------------------------------------------------------

def weights_text(nn):
    """Return the weights of nn as the text of a weights file."""
    header = "# nn_backprop weights %d-%d-%d, in getWeights order" % (nn.ni, nn.nh, nn.no)
    return "\n".join([header] + ["%.9g" % w for w in nn.getWeights()]) + "\n"


def save_weights(path, nn):
    """Write the weights of nn to path (through a temporary file and a rename)."""
    write_files({path: weights_text(nn).encode()})


def load_weights(path, shape):
    """Return the weights in file path as float32, checked against shape, the (ni, nh, no)
    of the network they are for; None if path is None."""
    if path is None:
        return None
    lines, name, first_line = read_lines(path), "%d-%d-%d" % tuple(shape), 1
    if lines[0].lstrip().startswith("#"):  # the header weights_text writes, or a note
        saved = re.search(r"nn_backprop weights (\d+-\d+-\d+)", lines[0])
        if saved and saved.group(1) != name:
            raise DataError("%s: weights of a %s network; this one is %s"
                            % (path, saved.group(1), name))
        lines, first_line = lines[1:], 2
    if not lines:
        raise DataError("%s: holds no weights, only a '#' line" % path)
    weights, tw = read_matrix(path, lines, first_line, True)[:, 0], NeuralNetwork.totalWeights(
        *shape)
    if len(weights) != tw:
        raise DataError("%s: holds %d weights; a %s network has %d"
                        % (path, len(weights), name, tw))
    return weights


# ----------------------------------------------------------------------------------------
# Command-line options: one table, from which the parser, the run's "Setting" lines, the
# plots' titles and the keyword arguments of the network and of train are all made
# ----------------------------------------------------------------------------------------

class Option(NamedTuple):
    """A command-line option: its kind (a table of names, "number", "path", "switch", "off"
    or "seeds"), default and help; the API keyword it sets (a number's limit is LIMITS's);
    the line a run prints when it is not the default; whether it shows one run."""

    flag: str
    kind: object
    default: object
    help: str
    keyword: str = None  # also its name in the parsed options
    setting: str = None  # str.format'ed with the value
    one_run: bool = False

    @property
    def dest(self):
        """Return the option's name in the parsed options: its keyword, or its flag's words."""
        return self.keyword or self.flag[2:].replace("-", "_")


ENGINES = {"loops": NeuralNetwork, "matrix": MatrixNeuralNetwork}
IRIS_FILES = (HERE / "irisTrainData.txt", HERE / "irisTestData.txt")  # the defaults
OPTIONS = {  # group: its options, in the order --help lists them
    "data and network": [
        Option("--train", "path", IRIS_FILES[0], "training data: comma-separated, inputs then "
               "one-hot targets"),
        Option("--test", "path", IRIS_FILES[1], "test data, with the training data's columns"),
        Option("--inputs", "number", 4, "number of input columns; the rest are the targets",
               "numInput"),
        Option("--hidden", "number", 5, "number of hidden nodes", "numHidden"),
        Option("--activation", HIDDEN_ACTIVATIONS, "tanh", "hidden-node activation function",
               "hidden_activation", "Setting hidden activation = {}"),
        Option("--init-range", "number", 0.01, "initial weights are drawn from [-F, F)",
               "init_range", "Setting initial weights in [-{0!r}, {0!r})"),
        Option("--engine", ENGINES, "loops", "loops = the article's element loops; matrix = "
               "the same algorithm with NumPy array operations", None, "Setting engine = {}"),
        Option("--seed", "number", None, "seed of the random numbers (initial weights, then "
               "shuffles) (default: 3)", "seed"),
        Option("--seeds", "seeds", None, "train once per seed, e.g. 1-20 or 1,3,8, and print "
               "each seed's figures and their mean, min, median and max", None,
               "Setting seeds = {}")],
    "training": [
        Option("--epochs", "number", 50, "passes over the training data; 0 scores the "
               "starting weights", "maxEpochs"),
        Option("--lr", "number", 0.05, "learning rate", "learnRate"),
        Option("--error", ERROR_FUNCTIONS, "mse", "error to minimize: mse = the article's "
               "output signal, mse-exact = the exact gradient of the squared error, "
               "cross-entropy = -sum t ln o", "error_function", "Setting error function = {}"),
        Option("--optimizer", OPTIMIZERS, "sgd", "the update rule: " + "; ".join(
            "%s = %s" % item for item in OPTIMIZERS.items()), "optimizer",
            "Setting optimizer = {}"),
        Option("--momentum", "number", 0.0, "momentum factor in [0, 1)", "momentum",
               "Setting momentum = {!r}"),
        Option("--momentum-rule", MOMENTUM_RULES, "classical", "classical: v = F*v - lr*g; "
               "w = w + v. one-step (the author's momentum article): d = -lr*g; w = w + d + "
               "F*(previous d)", "momentum_rule", "Setting momentum rule = {}"),
        Option("--batch-size", "number", 1, "items per weight update (the mean of their "
               "gradients); 1 = online", "batch_size", "Setting batch size = {}"),
        Option("--no-shuffle", "off", True, "visit the training items in file order every "
               "epoch (the article shuffles them)", "shuffle",
               "Setting shuffle = off (the items in file order)"),
        Option("--print-every", "number", 10, "print the training error every N epochs; 0 "
               "prints none (one run: not with --seeds)", "print_every", one_run=True)],
    "learning aids (one run)": [
        Option("--trace", "number", 0, "print every intermediate value of the first N "
               "training steps", one_run=True),
        Option("--explain", "switch", False, "with --trace: under each traced step, every "
               "value it computed as its formula, the formula with the numbers in, and the "
               "result"),
        Option("--diagram", "path", None, "draw the network as a .png, .pdf or .svg file "
               "(needs matplotlib): each weight an edge; with --trace, the first traced "
               "step's values, signals and gradients; else the trained weights", one_run=True),
        Option("--check-gradients", "switch", False, "before training, compare the gradients "
               "training uses with central differences of the error on the first training "
               "row", one_run=True),
        Option("--confusion", "switch", False, "after training, print the confusion matrices "
               "and the misclassified test items", one_run=True),
        Option("--plot", "path", None, "write the error and accuracies per epoch as a .png, "
               ".pdf or .svg file (needs matplotlib)", one_run=True)],
    "weights files": [
        Option("--save-weights", "path", None, "after training, write the weights, one number "
               "per line", one_run=True),
        Option("--load-weights", "path", None, "start from these weights instead of the "
               "random ones", None, "Starting from the weights in {}")]}
EVERY_OPTION = [option for group in OPTIONS.values() for option in group]
NETWORK_OPTIONS = ("hidden_activation", "init_range")  # the keywords of NeuralNetwork they set
TRAINING_OPTIONS = tuple(NeuralNetwork.train.__kwdefaults__)  # and of train


class OptionParser(argparse.ArgumentParser):
    """argparse, but a bad option ends in one short line (see cli) instead of the usage."""

    def error(self, message):
        """Raise DataError with argparse's message, long values shortened."""
        raise DataError(shorten(message, 160) + " (--help lists the options)")


def parse_options(argv=None):
    """Return the command-line options, each under its dest; raise DataError for a bad one."""
    p = OptionParser(prog="nn_backprop.py", description="Train a one-hidden-layer network by "
                     "back-propagation; with no options, the article's Iris demo.")
    for title, options in OPTIONS.items():
        group = p.add_argument_group(title)
        for o in options:
            if o.flag == "--seed":  # --seed or --seeds, not both
                group = group.add_mutually_exclusive_group()
            shown = o.default is not None and o.kind not in ("switch", "off")
            group.add_argument(o.flag, dest=o.dest, default=o.default, help=o.help + (
                " (default: %s)" % o.default if shown else ""), **parser_settings(o))
    opts = p.parse_args(argv)
    opts.seed = 3 if opts.seed is None else opts.seed  # the article's seed
    flags = {o.keyword: o.flag for o in EVERY_OPTION if o.keyword}
    for fault, name, why in COMBINATIONS:  # as train checks them
        if fault(vars(opts)):
            p.error("argument %s: %s" % (flags[name], why.format(**flags)))
    if opts.explain and not opts.trace:
        p.error("argument --explain: give --trace N too (the steps to explain)")
    if opts.explain and opts.batch_size > MOST_EXPLAINED:  # a formula per row, and sums over them
        p.error("argument --explain: explains batches of at most %d items, not --batch-size %d"
                % (MOST_EXPLAINED, opts.batch_size))
    one_run = [o.flag for o in EVERY_OPTION if o.one_run and vars(opts)[o.dest] != o.default]
    if opts.seeds and one_run:
        p.error("argument --seeds: not with %s, which shows one run; use --seed N for that"
                % one_run[0])
    if any(path in IRIS_FILES and not path.exists() for path in (opts.train, opts.test)):
        raise DataError("the Iris files (irisTrainData.txt, irisTestData.txt) are not beside "
                        "the script (%s): install it with pip install -e . from a clone, or "
                        "give --train and --test" % shorten(str(HERE), 60))
    return opts


def parser_settings(option):
    """Return the keyword arguments of argparse's add_argument for option's kind."""
    if isinstance(option.kind, dict):
        return dict(choices=list(option.kind))
    if option.kind == "number":
        limit = LIMITS[option.dest]
        return dict(type=number(limit), metavar="N" if limit.whole else "F")
    return {"path": dict(type=file_name, metavar="PATH"), "switch": dict(action="store_true"),
            "off": dict(action="store_false"), "seeds": dict(type=seed_list, metavar="LIST")
            }[option.kind]


def number(limit):
    """Return an argparse type for the plain decimal numbers (see NUMBER) limit accepts."""
    def convert(text):
        try:
            value = (int if limit.whole else float)(text.strip()) if (
                IS_WHOLE if limit.whole else IS_NUMBER).fullmatch(text) else None
        except ValueError:  # int() converts 4300 digits at most
            value = None
        if value is None:
            raise argparse.ArgumentTypeError("%r is not a %snumber" % (
                shorten(text), "whole " if limit.whole else ""))
        if not limit.accepts(value):
            raise argparse.ArgumentTypeError("%s is not %s" % (shorten(text), limit.words))
        return value
    return convert


MOST_SEEDS = 10000  # what --seeds accepts at most
MOST_EXPLAINED = 64  # the largest batch --explain writes out
MOST_DRAWN = 16  # the most nodes a layer --diagram draws apart (its circles would overlap)


def seed_list(text):
    """Return the seeds of '1-20', '1,3,8' or '1-5,9' as a list (argparse type)."""
    seeds = []
    for part in text.split(","):
        low, dash, high = re.fullmatch(r"(\s*[+-]?[^-]*)(-?)(.*)", part).groups()  # -1 is low
        ends = [number(LIMITS["seed"])(end) for end in ([low, high] if dash else [low])]
        if ends[-1] < ends[0]:
            raise argparse.ArgumentTypeError("%r: a range goes from low to high" % shorten(part))
        if len(seeds) + ends[-1] - ends[0] >= MOST_SEEDS:
            raise argparse.ArgumentTypeError("%s: at most %d seeds" % (shorten(text), MOST_SEEDS))
        seeds += range(ends[0], ends[-1] + 1)
    twice = next((seed for seed in seeds if seeds.count(seed) > 1), None)
    if twice is not None:
        raise argparse.ArgumentTypeError("%s names seed %d twice" % (shorten(text), twice))
    return seeds


def file_name(text):
    """Return text as a Path (argparse type); an empty name, or one naming a folder, is refused."""
    if not text:
        raise argparse.ArgumentTypeError("the file name is empty")
    if text.endswith(("/", os.sep)):  # Path would drop the slash and name a file
        raise argparse.ArgumentTypeError("%s ends in %s, which names a folder; name a file"
                                         % (shorten(text, 60), text[-1]))
    return Path(text)


def options_for(opts, keywords):
    """Return the keyword arguments (of NETWORK_OPTIONS or TRAINING_OPTIONS) the options set."""
    return {name: value for name, value in vars(opts).items() if name in keywords}


def describe_variations(opts):
    """Return a "Setting ..." line for each option that differs from the article."""
    return [o.setting.format("%s (%d networks)" % (describe_seeds(v), len(v))
                             if o.kind == "seeds" else v)
            for o, v in ((o, vars(opts)[o.dest]) for o in EVERY_OPTION)
            if o.setting and v != o.default]


def describe_run(opts, nn):
    """Return the run in two lines, for the titles of --plot and --diagram: the network,
    seed, epochs and learning rate, then what differs from the article's run."""
    changes = [line.replace("Setting ", "").replace(" = ", " ")
               for line in describe_variations(opts)]
    return "nn_backprop.py, %d-%d-%d network, seed %d, %d epochs, learning rate %g\n%s" % (
        nn.ni, nn.nh, nn.no, opts.seed, opts.maxEpochs, opts.learnRate,
        ", ".join(changes) or "the article's other settings")


def describe_data(opts):
    """Return 'Iris' for the article's files, else the two file names."""
    return "Iris" if (opts.train, opts.test) == IRIS_FILES else "%s and %s as" % (
        opts.train, opts.test)


def format_rate(learnRate):
    """Return the learning rate as the article prints it (0.050), else as Python does."""
    exact = 0.001 <= learnRate < 1000 and round(learnRate, 3) == learnRate
    return "%0.3f" % learnRate if exact else repr(learnRate)


def describe_seeds(seeds):
    """Return seeds as '1-20' or '1, 3, 8' ('1-5, 9': runs of neighbours joined)."""
    runs = []  # [first, last] of each run of consecutive seeds
    for seed in seeds:
        if runs and seed == runs[-1][1] + 1:
            runs[-1][1] = seed
        else:
            runs.append([seed, seed])
    return ", ".join("%d" % a if a == b else "%d-%d" % (a, b) for a, b in runs)


# ----------------------------------------------------------------------------------------
# The run's last checks, and the files out: the data against the options, the memory and
# every output are checked before anything is printed; after training, the outputs are
# written to temporary files beside them and renamed into place only when all are written.
# A run that fails leaves every file as it was; Ctrl-C and SIGTERM wait for the renames.
# ----------------------------------------------------------------------------------------

def check_options(opts, trainData, testData):
    """Raise DataError unless the data suit the options, the network fits in memory and
    every output can be written; return the number of outputs (target columns)."""
    columns, ni, nh = trainData.shape[1], opts.numInput, opts.numHidden
    if ni >= columns:
        raise DataError("--inputs %d: %s has %d columns, which leaves no target columns"
                        % (ni, opts.train, columns))
    if testData.shape[1] != columns:
        raise DataError("%s has %d columns, but the training data %s has %d"
                        % (opts.test, testData.shape[1], opts.train, columns))
    for path, targets in ((opts.train, trainData[:, ni:]), (opts.test, testData[:, ni:])):
        one_hot = np.all((targets == 0) | (targets == 1), axis=1) & (targets.sum(axis=1) == 1)
        if not one_hot.all():
            n = int(np.argmin(one_hot))
            raise DataError("%s, line %d: the target columns %d-%d must hold one 1 and 0s, not "
                            "%s" % (path, n + 1, ni + 1, columns, shorten(",".join(
                                "%g" % v for v in targets[n]), 40)))
    no = columns - ni
    needed = memory_needed(ni, nh, no, min(opts.batch_size, len(trainData)),
                           loops=opts.engine == "loops")
    if needed > available_memory():
        raise DataError("--hidden %d with --inputs %d: a %d-%d-%d network has %s weights and "
                        "would need about %s of memory, more than the %s free" % (
                            nh, ni, ni, nh, no, "{:,}".format(NeuralNetwork.totalWeights(
                                ni, nh, no)), megabytes(needed), megabytes(available_memory())))
    reads = [("--train", opts.train), ("--test", opts.test),
             ("--load-weights", opts.load_weights), ("the script", Path(__file__))]
    for option in ("--save-weights", "--plot", "--diagram"):
        path = vars(opts)[option[2:].replace("-", "_")]
        if path is not None:
            check_output(option, path, reads)
            reads.append((option, path))
    if opts.diagram and max(ni, nh, no) > MOST_DRAWN:
        raise DataError("--diagram: draws networks of at most %d nodes a layer, apart and in a "
                        "few seconds; this one is %d-%d-%d" % (MOST_DRAWN, ni, nh, no))
    if opts.plot or opts.diagram:
        try:
            import matplotlib  # noqa: F401  (only --plot and --diagram need it)
        except ImportError:
            raise DataError("%s needs matplotlib: pip install -e '.[plot]' in the clone (or "
                            "pip install matplotlib)" % ("--plot" if opts.plot else "--diagram")
                            ) from None
    return no


STREAMS = {0: "standard input", 1: "standard output", 2: "standard error"}
FILE_KINDS = {stat.S_ISREG: None, stat.S_ISDIR: "folder", stat.S_ISCHR: "character device",
              stat.S_ISBLK: "block device", stat.S_ISFIFO: "FIFO", stat.S_ISSOCK: "socket"}


def check_output(option, path, reads):
    """Raise DataError unless path can be written as a new or replaced regular file that is
    no file the run reads or writes already (reads), nor one behind its own streams."""
    where = "%s %s: " % (option, shorten(str(path), 120))
    if option != "--save-weights" and path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise DataError(where + "name a .png, .pdf or .svg file")
    try:
        os.path.abspath(path)  # a relative name needs the current folder
        info = os.stat(path)  # through symlinks, as writing would go
    except OSError as e:
        if e.filename is None:  # from abspath
            raise DataError(where + "the current folder no longer exists; cd to one that "
                            "does") from None
        if e.errno not in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG):
            raise DataError(where + "cannot use it: %s" % e.strerror) from None
        info = None  # a new file: its folder is checked below
    kind = info and next((k for is_kind, k in FILE_KINDS.items() if is_kind(info.st_mode)),
                         "special file")
    stream = info and next((s for fd, s in STREAMS.items() if same_file(info, fd)), None)
    other = next((name for name, read in reads if read is not None and same_file(path, read)),
                 None)
    folder, name = os.path.split(os.path.realpath(path))  # a new file, or the one replaced
    longest = os.pathconf(folder, "PC_NAME_MAX") if os.path.isdir(folder) else 255
    problem = next((why for fault, why in (
        (kind == "folder", "is a folder; name a file"),
        (kind, "is a %s, not a regular file; the run replaces regular files only" % kind),
        (stream, "is the file behind this run's %s; the run never replaces it" % stream),
        (other, "is also %s; the run never writes a file it reads or writes twice" % other),
        (not os.path.exists(folder), "the folder %s does not exist" % folder),
        (not os.path.isdir(folder), "%s is not a folder" % folder),
        (len(os.fsencode(name)) > longest,
         "the name is longer than the %d bytes this file system allows" % longest),
        (not os.access(folder, os.W_OK), "cannot write in the folder %s" % folder)) if fault),
        None)
    if problem:
        raise DataError(where + problem)


def same_file(a, b):
    """Return whether a and b name one file, through symlinks and hard links: two paths, or
    an os.stat result and an open file descriptor."""
    try:
        if isinstance(b, int):
            return os.path.samestat(a, os.fstat(b))
        return os.path.samefile(a, b)
    except OSError:  # the descriptor is closed, or a path does not exist yet
        return not isinstance(b, int) and os.path.realpath(a) == os.path.realpath(b)


def save_outputs(opts, nn, aids):
    """Write the files --save-weights, --plot and --diagram ask for, all or none, and say so."""
    title, outputs = describe_run(opts, nn), {}
    if opts.save_weights:
        outputs[opts.save_weights] = weights_text(nn).encode(), "Weights saved to "
    if opts.plot:
        outputs[opts.plot] = aids.history.plot(opts.plot.suffix[1:].lower(), title), \
            "Plot written to "
    if opts.diagram:
        outputs[opts.diagram] = draw_network(nn, opts.diagram.suffix[1:].lower(), title,
                                             *aids.traced[:1]), "Diagram written to "
    write_files({path: data for path, (data, _) in outputs.items()})
    for path, (_, said) in outputs.items():
        print("\n" + said + str(path))


def write_files(contents):
    """Write each path's bytes to a temporary file beside it, then rename all into place.

    A new file gets the mode the umask gives, as with open(path, "w"); an existing file
    keeps its mode. Each file replaced is kept (a hard link, or else a copy) until all are
    in place: if anything fails, every file is put back as it was, and no temporary file
    is left. SIGINT and SIGTERM that arrive meanwhile act after it.
    """
    made, done, path = {}, [], None  # target: [its temporary file, the old one kept]
    arrived, held = [], {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with contextlib.suppress(ValueError):  # outside the main thread nothing can be held
        for s in held:
            signal.signal(s, lambda signum, frame: arrived.append(signum))
    try:
        for path, data in contents.items():
            target = os.path.realpath(path)  # through a symlink: replace its target
            name = os.path.join(os.path.dirname(target), ".nn_backprop-" + os.urandom(6).hex())
            fd = os.open(name + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            made[target] = [name + ".tmp", None]
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            if os.path.exists(target):
                os.chmod(name + ".tmp", stat.S_IMODE(os.stat(target).st_mode))
                try:
                    os.link(target, name + ".old")
                except OSError:  # e.g. a bind-mounted file, or no hard links here
                    shutil.copy2(target, name + ".old")
                made[target][1] = name + ".old"
        for target, (temporary, _) in made.items():
            os.replace(temporary, target)
            done.append(target)
    except BaseException as e:
        for target in done:  # put back what was there
            os.replace(made[target][1], target) if made[target][1] else os.unlink(target)
        if isinstance(e, OSError):
            e = DataError("%s: cannot write: %s" % (path, e.strerror or e))
        raise e from None
    finally:
        for name in (name for pair in made.values() for name in pair if name):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
        with contextlib.suppress(ValueError):
            for s, handler in held.items():
                signal.signal(s, handler)
        for s in arrived:
            signal.raise_signal(s)  # as if it came now


def cli(argv=None):
    """Run main; turn bad input into one line on stderr and exit status 2."""
    if sys.stdout is None:  # closed (>&-): nothing could be shown, so nothing is done
        return fail("error: standard output is closed; send it to a file or to /dev/null", 2)
    if hasattr(sys.stdout, "reconfigure"):  # a file name it cannot encode shows as \u6570
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        with np.errstate(all="ignore"):  # a run that diverges is reported once, below
            main(argv)
        sys.stdout.flush()  # a full disk shows here rather than as Python exits
    except (DataError, DivergenceError) as e:
        return fail("error: %s" % e, 2)
    except MemoryError:
        return fail("error: out of memory; try a smaller --hidden, --batch-size or data file", 2)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except OSError as e:  # standard output cannot be written (a closed pipe: quietly)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1 if isinstance(e, BrokenPipeError) else fail(
            "error: cannot write to standard output: %s" % (e.strerror or e), 1)
    return 0


def fail(message, status):
    """Print message on stderr as one line, control characters escaped (a newline as \\n) and
    runs of over 150 characters without a blank cut in the middle; return status."""
    if sys.stderr is not None:  # closed (2>&-): the status is all that is left to say it
        message = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
        print("nn_backprop.py: " + re.sub(r"\S{151,}", lambda m: m.group()[:75] + "..."
                                          + m.group()[-75:], message), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(cli())

# end script
