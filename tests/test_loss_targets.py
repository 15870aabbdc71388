"""Class targets written two ways, one-hot rows or integer labels, must give the same loss and the same gradient.

Keras has two names for the one loss: ``categorical_crossentropy`` takes one-hot targets (..., C) and
``sparse_categorical_crossentropy`` integer labels (...). numpy_rnn's class losses accept either and turn one-hot rows
into labels first (``_class_targets`` in losses.py). That conversion is easy to get subtly wrong (argmin for argmax,
the wrong axis) in a way that still runs and still returns a plausible number, so every class loss is run on the same
targets in both spellings, and on labels against the cross-entropy written out by hand.
"""
import numpy as np
import pytest

from numpy_rnn import GRU, Dense, Sequential
from numpy_rnn.activations import softmax
from numpy_rnn.losses import (
    categorical_crossentropy,
    get_loss,
    mask_weights,
    softmax_crossentropy_from_logits,
)

C = 5


def targets(rng, lead):
    """Random labels (every class present, so that no conversion can be right by luck) and their one-hot rows."""
    labels = rng.permutation(np.resize(np.arange(C), int(np.prod(lead)))).reshape(lead)
    return labels, np.eye(C)[labels]


# Each loss with the input it takes: probabilities for the plain cross-entropy, logits for the fused softmax form.
LOSSES = {
    "categorical_crossentropy": (categorical_crossentropy, lambda z: softmax(z)),
    "sparse_categorical_crossentropy": (get_loss("sparse_categorical_crossentropy"), lambda z: softmax(z)),
    "softmax_crossentropy_from_logits": (softmax_crossentropy_from_logits, lambda z: z),
}


@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("lead", [(10,), (2, 5)], ids=["vectors", "sequences"])
@pytest.mark.parametrize("name", LOSSES)
def test_one_hot_targets_and_integer_labels_give_the_same_loss_and_gradient(name, lead, masked):
    loss, prepare = LOSSES[name]
    rng = np.random.default_rng(0)
    labels, one_hot = targets(rng, lead)
    z = rng.normal(0, 2, size=lead + (C,))
    out = prepare(z)
    mask = (rng.random(lead) < 0.7).astype(float) if masked else None
    kwargs = {"sample_weight": mask_weights(mask)} if masked else {}

    value_labels, grad_labels = loss(labels, out, **kwargs)
    value_one_hot, grad_one_hot = loss(one_hot, out, **kwargs)
    assert value_one_hot == pytest.approx(value_labels, rel=1e-14)
    np.testing.assert_allclose(grad_one_hot, grad_labels, rtol=1e-14, atol=1e-16)

    # And both are the cross-entropy itself: minus the mean log-probability of the true class over counted positions.
    log_p = np.log(softmax(z))
    picked = np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]
    weights = np.ones(lead) if mask is None else mask
    assert value_labels == pytest.approx(-np.sum(weights * picked) / weights.sum(), rel=1e-12)


def test_a_model_trains_the_same_on_one_hot_targets_and_on_labels():
    """Through the model: the two Keras loss names, each with its own kind of target, are one loss."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 4, 3))
    labels, one_hot = targets(rng, (6,))
    models = {}
    for loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        model = Sequential([GRU(4, input_shape=(4, 3)), Dense(C, activation="softmax")], random_state=2)
        model.compile("sgd", loss)
        models[loss] = model
    dense_loss = models["categorical_crossentropy"].train_on_batch(x, one_hot)
    sparse_loss = models["sparse_categorical_crossentropy"].train_on_batch(x, labels)
    assert dense_loss == pytest.approx(sparse_loss, rel=1e-14)
    for a, b in zip(*(m.layers for m in models.values())):
        for w_a, w_b in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_allclose(w_a, w_b, rtol=1e-14, atol=1e-16)
