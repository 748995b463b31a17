"""nn_backprop.py: a neural network trained by back-propagation, in Python and NumPy.

A companion to James McCaffrey's article "Neural Network Back-Propagation Using Python"
(Visual Studio Magazine, 2017). The first part of this file is the article's program:
the same names, the same order and the same arithmetic, so that `python nn_backprop.py`
prints the article's figures (train accuracy 0.9333, test accuracy 0.9667). The parts
after it go where the article stops; each is in its own ruled section.

The code favours readability over speed and generality: plain loops over nodes, one
training item at a time, the article's numbered steps as comments.

Run:   python nn_backprop.py
Test:  python -m pytest
"""

import math
import random
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent  # the Iris files live beside this script


# ----------------------------------------------------------------------------------------
# Helper functions: load a data file, show vectors and matrices
# ----------------------------------------------------------------------------------------

def loadFile(df):
    """Return the comma-separated numbers in file df as a float32 matrix, one row a line."""
    with open(df) as f:
        rows = [line.rstrip("\n").split(",") for line in f]
    return np.asarray(rows, dtype=np.float32)


def formatValues(v, dec):
    """Return the values of v as one line, each with dec decimals and room for a sign."""
    fmt = "%." + str(dec) + "f"  # like %.4f
    return "".join((" " if x >= 0.0 else "") + fmt % x + "  " for x in v).rstrip()


def showVector(v, dec):
    """Print vector v on one line with dec decimals."""
    print(formatValues(v, dec))


def showMatrix(m, dec):
    """Print matrix m row by row with dec decimals."""
    for row in m:
        print(formatValues(row, dec))


def showMatrixPartial(m, numRows, dec, indices):
    """Print the first numRows rows of m and its last row, with row indices if asked."""
    lastRow = len(m) - 1
    width = len(str(lastRow))

    def show(i):
        label = "[" + str(i).rjust(width) + "] " if indices else ""
        print(label + formatValues(m[i], dec))

    for i in range(numRows):
        show(i)
    print(" . . .")
    show(lastRow)


# ----------------------------------------------------------------------------------------
# The neural network: 1 hidden layer, tanh hidden nodes, softmax output nodes
# ----------------------------------------------------------------------------------------

class NeuralNetwork:
    """A fully connected numInput-numHidden-numOutput network trained by back-propagation."""

    def __init__(self, numInput, numHidden, numOutput, seed):
        """Create the network and draw its initial weights from random.Random(seed)."""
        self.ni = numInput
        self.nh = numHidden
        self.no = numOutput

        self.iNodes = np.zeros(shape=[self.ni], dtype=np.float32)
        self.hNodes = np.zeros(shape=[self.nh], dtype=np.float32)
        self.oNodes = np.zeros(shape=[self.no], dtype=np.float32)

        self.ihWeights = np.zeros(shape=[self.ni, self.nh], dtype=np.float32)  # (ni, nh)
        self.hoWeights = np.zeros(shape=[self.nh, self.no], dtype=np.float32)  # (nh, no)

        self.hBiases = np.zeros(shape=[self.nh], dtype=np.float32)
        self.oBiases = np.zeros(shape=[self.no], dtype=np.float32)

        self.rnd = random.Random(seed)  # one generator per network: weights, then shuffles
        self.initializeWeights()

    def setWeights(self, weights):
        """Copy a flat list of weights into the network, in getWeights order."""
        tw = self.totalWeights(self.ni, self.nh, self.no)
        if len(weights) != tw:  # the article only printed a warning here
            raise ValueError("setWeights: got %d values, a %d-%d-%d network has %d"
                             % (len(weights), self.ni, self.nh, self.no, tw))
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
        """Return all weights and biases as one float32 vector.

        Order: input-to-hidden weights row by row, hidden biases, hidden-to-output
        weights row by row, output biases.
        """
        tw = self.totalWeights(self.ni, self.nh, self.no)
        result = np.zeros(shape=[tw], dtype=np.float32)
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
        """Set every weight and bias to a random value in [-0.01, 0.01)."""
        numWts = self.totalWeights(self.ni, self.nh, self.no)
        wts = np.zeros(shape=[numWts], dtype=np.float32)
        lo = -0.01
        hi = 0.01
        for idx in range(len(wts)):
            wts[idx] = (hi - lo) * self.rnd.random() + lo
        self.setWeights(wts)

    def computeOutputs(self, xValues):
        """Feed xValues forward; store the node values and return a copy of the outputs."""
        hSums = np.zeros(shape=[self.nh], dtype=np.float32)
        oSums = np.zeros(shape=[self.no], dtype=np.float32)

        for i in range(self.ni):
            self.iNodes[i] = xValues[i]

        for j in range(self.nh):
            for i in range(self.ni):
                hSums[j] += self.iNodes[i] * self.ihWeights[i, j]

        for j in range(self.nh):
            hSums[j] += self.hBiases[j]

        for j in range(self.nh):
            self.hNodes[j] = self.hypertan(hSums[j])

        for k in range(self.no):
            for j in range(self.nh):
                oSums[k] += self.hNodes[j] * self.hoWeights[j, k]

        for k in range(self.no):
            oSums[k] += self.oBiases[k]

        softOut = self.softmax(oSums)
        for k in range(self.no):
            self.oNodes[k] = softOut[k]

        return self.oNodes.copy()

    def train(self, trainData, maxEpochs, learnRate):
        """Train on the rows of trainData by back-propagation; return the final weights."""
        numTrainItems = len(trainData)
        indices = np.arange(numTrainItems)  # 0, 1, .. n-1, shuffled in place every epoch
        epoch = 0
        while epoch < maxEpochs:
            self.rnd.shuffle(indices)  # scramble the order of the training items
            for ii in range(numTrainItems):
                idx = indices[ii]
                x_values = trainData[idx, :self.ni]  # the input values
                t_values = trainData[idx, self.ni:]  # the target values
                grads = self.compute_gradients(x_values, t_values)
                self.update_weights(grads, learnRate)
            epoch += 1

            if epoch % 10 == 0:
                mse = self.meanSquaredError(trainData)
                print("epoch = " + str(epoch) + " ms error = %0.4f" % mse)
        return self.getWeights()

    def compute_gradients(self, x_values, t_values):
        """Return the gradients of one item's error for every weight and bias (steps 1-6)."""
        hoGrads = np.zeros(shape=[self.nh, self.no], dtype=np.float32)  # (nh, no)
        obGrads = np.zeros(shape=[self.no], dtype=np.float32)
        ihGrads = np.zeros(shape=[self.ni, self.nh], dtype=np.float32)  # (ni, nh)
        hbGrads = np.zeros(shape=[self.nh], dtype=np.float32)
        oSignals = np.zeros(shape=[self.no], dtype=np.float32)  # gradients without their inputs
        hSignals = np.zeros(shape=[self.nh], dtype=np.float32)

        self.computeOutputs(x_values)  # results stored in iNodes, hNodes, oNodes

        # 1. compute output node signals
        for k in range(self.no):
            derivative = (1 - self.oNodes[k]) * self.oNodes[k]  # softmax, diagonal term only
            oSignals[k] = derivative * (self.oNodes[k] - t_values[k])  # E = (t - o)^2 / 2

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
            derivative = (1 - self.hNodes[j]) * (1 + self.hNodes[j])  # tanh
            hSignals[j] = derivative * sum

        # 5. compute input-to-hidden weight gradients using hidden signals
        for i in range(self.ni):
            for j in range(self.nh):
                ihGrads[i, j] = hSignals[j] * self.iNodes[i]

        # 6. compute hidden node bias gradients using hidden signals
        for j in range(self.nh):
            hbGrads[j] = hSignals[j] * 1.0

        return ihGrads, hbGrads, hoGrads, obGrads  # getWeights order

    def update_weights(self, grads, learnRate):
        """Move every weight and bias a step of learnRate against its gradient."""
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

    def accuracy(self, tdata):
        """Return the fraction of rows of tdata whose largest output is the target's 1."""
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
        result = np.zeros(shape=[len(oSums)], dtype=np.float32)
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

# end class NeuralNetwork


# ----------------------------------------------------------------------------------------
# The demo
# ----------------------------------------------------------------------------------------

def main():
    """Train a 4-5-3 network on the Iris training data and print its accuracies."""
    print("\nBegin NN back-propagation demo\n")
    pv = sys.version
    npv = np.version.version
    print("Using Python version " + str(pv) + "\n and NumPy version " + str(npv))

    numInput = 4
    numHidden = 5
    numOutput = 3
    print("\nCreating a %d-%d-%d neural network" % (numInput, numHidden, numOutput))
    nn = NeuralNetwork(numInput, numHidden, numOutput, seed=3)

    print("\nLoading Iris training and test data")
    trainDataPath = HERE / "irisTrainData.txt"
    trainDataMatrix = loadFile(trainDataPath)
    print("\nTraining data:")  # the article's label here says "Test data"
    showMatrixPartial(trainDataMatrix, 4, 1, True)
    testDataPath = HERE / "irisTestData.txt"
    testDataMatrix = loadFile(testDataPath)

    maxEpochs = 50
    learnRate = 0.05
    print("\nSetting maxEpochs = " + str(maxEpochs))
    print("Setting learning rate = %0.3f" % learnRate)
    print("\nStarting training")
    nn.train(trainDataMatrix, maxEpochs, learnRate)
    print("Training complete")

    accTrain = nn.accuracy(trainDataMatrix)
    accTest = nn.accuracy(testDataMatrix)
    print("\nAccuracy on %d-item train data = %0.4f" % (len(trainDataMatrix), accTrain))
    print("Accuracy on %d-item test data = %0.4f" % (len(testDataMatrix), accTest))
    print("\nEnd demo")


if __name__ == "__main__":
    main()

# end script
