"""What several test files share: how the gradient tests draw weights, and a small text classifier for the tests of
the training loop and of what it prints.

How the gradient tests draw weights.

Every weight is random, biases included: zero biases would hide a bug in the bias gradients. Two are drawn the way
they start in training rather than small and random, because finite differences can only confirm a gradient that
is well above their own noise (~1e-12 of the loss):

- the recurrent matrix W_h is orthogonal (Keras's initializer). A random W_h with small entries makes the gradient
  reaching early steps vanish (0.06^5 ~ 1e-7 of the loss five steps back with one unit);
- the layer-norm gain gamma lies around 1, not around 0, for the same reason.
"""

import numpy as np

from numpy_rnn import Dense, Sequential, SimpleRNN, gradcheck
from numpy_rnn.initializers import orthogonal
from numpy_rnn.losses import mask_weights


def random_weight(name, shape, rng, scale=0.6):
    if name in ("W_h", "w1h"):
        return orthogonal(shape, rng)
    if name == "gamma":
        return rng.uniform(0.5, 1.5, size=shape)
    return rng.normal(0.0, scale, size=shape)


def randomize(layer, rng):
    for name, p in layer.params.items():
        p[...] = random_weight(name, p.shape, rng)


def text_data(n=40, seed=0):
    """``n`` sequences of 5 token ids from 6 words, labelled by whether the last id is below 3."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 6, size=(n, 5))
    return ids, (ids[:, -1] < 3).astype(int)


def sequential():
    """SimpleRNN(3) reading the ids as one-hot rows, Dense(1, sigmoid): compiled with Adam and accuracy."""
    model = Sequential([SimpleRNN(3, input_dim=6), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


# -- end-to-end gradient checks of whole models (a Model subclass, a graph) -------------------------------------------
def built(model, x, seed=1):
    """``model`` run once on ``x`` (which builds it), with random weights, biases included."""
    model.predict(x)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        randomize(layer, rng)
    return model


def parameters(model):
    return {f"{layer.name}.{k}": p for layer in model.layers for k, p in layer.params.items()}


def gradients(model):
    return {f"{layer.name}.{k}": g.copy() for layer in model.layers for k, g in layer.grads.items()}


def check_vector_jacobian(model, x, seed=2):
    """Every parameter's gradient of L = sum(R * output) for a random R, against finite differences; returns what
    ``backward`` returned (the input gradients of a graph model)."""
    rng = np.random.default_rng(seed)
    R = rng.normal(size=model.forward(x).shape)
    returned = model.backward(R)
    report = gradcheck(lambda: np.sum(R * model.forward(x)), parameters(model), gradients(model))
    assert report.ok, report
    return returned


def check_loss_gradients(model, x, y, loss="sparse_categorical_crossentropy"):
    """Every parameter's gradient of the compiled loss (what fit differentiates), against finite differences."""
    model.compile("sgd", loss)
    model.loss_and_gradients(x, y, training=False)

    def loss_value():  # the forward pass and the loss, as loss_and_gradients computes them, without the backward
        out, mask = model._forward(x)
        return model._loss(y, out, None if mask is None else mask_weights(mask))[0]

    report = gradcheck(loss_value, parameters(model), gradients(model))
    assert report.ok, report
