"""Losses: value and gradient checked by finite differences. Optimizers: update rules, clipping, and PyTorch parity."""
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from numpy_rnn import SGD, Adagrad, Adam, RMSprop, gradcheck
from numpy_rnn.activations import sigmoid, softmax
from numpy_rnn.losses import (
    binary_crossentropy,
    binary_crossentropy_from_logits,
    categorical_crossentropy,
    get_loss,
    mask_weights,
    mean_squared_error,
    softmax_crossentropy_from_logits,
)
from numpy_rnn.optimizers import get_optimizer

SHAPES = st.sampled_from([(4,), (3, 1), (2, 5), (2, 3, 4)])


def check_loss_gradient(loss, y, out, **kwargs):
    params = {"out": out}
    _, grad = loss(y, out, **kwargs)
    return gradcheck(lambda: loss(y, params["out"], **kwargs)[0], params, {"out": grad})


@settings(deadline=None)
@given(shape=SHAPES, seed=st.integers(0, 2**32 - 1))
def test_binary_and_squared_losses(shape, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=shape).astype(float)
    z = rng.normal(0, 2, size=shape)
    assert check_loss_gradient(binary_crossentropy_from_logits, y, z).ok
    # The probability forms are steep near 0 (-log a has derivatives ~1/a^k): they are checked on probabilities
    # away from 0, where a finite difference can follow them. The logit forms take any value.
    assert check_loss_gradient(binary_crossentropy, y, sigmoid(z / 4)).ok
    assert check_loss_gradient(mean_squared_error, rng.normal(size=shape), z).ok
    # The logit form and the probability form are the same loss where neither clips.
    assert binary_crossentropy_from_logits(y, z)[0] == pytest.approx(binary_crossentropy(y, sigmoid(z))[0])


@settings(deadline=None)
@given(lead=st.sampled_from([(3,), (2, 4)]), classes=st.integers(2, 5), masked=st.booleans(),
       one_hot=st.booleans(), seed=st.integers(0, 2**32 - 1))
# pinned, whatever the draw: integer and one-hot targets, with and without per-position weights, vectors and sequences
@example(lead=(3,), classes=4, masked=False, one_hot=False, seed=1)
@example(lead=(3,), classes=4, masked=True, one_hot=True, seed=2)
@example(lead=(2, 4), classes=5, masked=True, one_hot=False, seed=3)
@example(lead=(2, 4), classes=3, masked=False, one_hot=True, seed=4)
def test_softmax_crossentropy_with_optional_mask(lead, classes, masked, one_hot, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=lead)
    y = np.eye(classes)[labels] if one_hot else labels
    z = rng.normal(0, 2, size=lead + (classes,))
    mask = (rng.random(lead) < 0.6).astype(float) if masked else None
    if mask is not None:
        mask.reshape(-1)[0] = 1.0
    w = None if mask is None else mask_weights(mask)
    assert check_loss_gradient(softmax_crossentropy_from_logits, y, z, sample_weight=w).ok
    assert check_loss_gradient(categorical_crossentropy, y, softmax(z / 4), sample_weight=w).ok  # steep near 0: above
    assert (softmax_crossentropy_from_logits(y, z, sample_weight=w)[0]
            == pytest.approx(categorical_crossentropy(y, softmax(z), sample_weight=w)[0]))


@pytest.mark.parametrize("dtype, subnormal", [(np.float64, -740.0), (np.float32, -100.0)])
def test_softmax_crossentropy_of_a_class_ruled_out_is_exact(dtype, subnormal):
    """The loss is -log p_c, from the picked probability alone. Where the model rules the true class out so firmly
    that p_c underflows, to 0 (a logit 1000 below the others) or to a subnormal float with only a few digits left
    (740 below in float64, 100 in float32), -log p_c would be inf or off in its third digit: those rows take the
    loss from the logits, log(sum_j exp(z_j - m)) - (z_c - m). Each row's expected loss is computed here in float64
    from that formula, so a row that went through -log p_c or a wrong fallback misses it."""
    z = np.array([[0.0, -1000.0, 1.0], [0.0, subnormal, 1.0], [2.0, 1.0, 0.0]], dtype)
    y = np.array([1, 1, 0])
    z64 = z.astype(np.float64)
    m = z64.max(axis=-1)
    expected = np.log(np.exp(z64 - m[:, None]).sum(axis=-1)) - (z64[np.arange(3), y] - m)  # ~1001.3, 741.3, 0.41
    tolerance = 1e-14 if dtype == np.float64 else 1e-6
    for row in range(3):  # one row at a time, through the sample weights: each row's own loss, times 3
        weights = np.eye(3)[row]
        value, _ = softmax_crossentropy_from_logits(y, z, sample_weight=weights)
        assert value * 3 == pytest.approx(expected[row], rel=tolerance)
    # The gradient is (softmax - onehot) / n everywhere, the rows ruled out included (their p_c - 1 is -1).
    value, grad = softmax_crossentropy_from_logits(y, z)
    assert np.isfinite(value) and grad.dtype == dtype
    np.testing.assert_allclose(grad, (softmax(z64) - np.eye(3)[y]) / 3, rtol=tolerance, atol=1e-300)


def test_masked_positions_do_not_count():
    z = np.array([[[5.0, 0.0], [0.0, 5.0]]])
    y = np.array([[0, 0]])
    full = softmax_crossentropy_from_logits(y, z)[0]
    first_only, grad = softmax_crossentropy_from_logits(y, z, sample_weight=mask_weights([[1.0, 0.0]]))
    assert first_only < full and not grad[0, 1].any()


def test_unknown_loss_name():
    with pytest.raises(ValueError, match="loss must be one of"):
        get_loss("hinge")


# -- optimizers ---------------------------------------------------------------------------------------------------
def run(optimizer, p0, gradients):
    p = {"w": p0.copy()}
    for g in gradients:
        optimizer.step([(p, {"w": g})])
    return p["w"]


def test_plain_sgd_and_first_steps_of_the_adaptive_optimizers():
    p0, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, -4.0, 0.0])
    np.testing.assert_allclose(run(SGD(0.1), p0, [g]), p0 - 0.1 * g)
    # Adam's first step moves every parameter with a non-zero gradient by almost exactly lr, whatever its size.
    np.testing.assert_allclose(run(Adam(0.01), p0, [g]), p0 - 0.01 * np.sign(g), atol=1e-6)
    # RMSprop's first step divides by sqrt((1 - rho) g^2): lr / sqrt(0.1) per non-zero entry.
    np.testing.assert_allclose(run(RMSprop(0.01), p0, [g]), p0 - 0.01 / np.sqrt(0.1) * np.sign(g), atol=1e-6)
    np.testing.assert_allclose(run(Adagrad(0.01), p0, [g]), p0 - 0.01 * g / np.sqrt(0.1 + g * g), atol=1e-9)


def test_epsilon_sits_where_keras_puts_it():
    """RMSprop and Adagrad add epsilon inside the square root, Adam adds it to sqrt(v). Putting it on the wrong side
    is invisible for ordinary gradients (epsilon is 1e-7); it shows when the accumulated g^2 is as small as epsilon,
    here g = 1e-4, so g^2 = 1e-8, and each side of the mistake gives a step about ten times different."""
    p0, g, eps = np.array([0.0]), np.array([1e-4]), 1e-7
    # RMSprop's first step: s = (1 - rho) g^2 = 0.1 g^2, then p -= lr g / sqrt(s + eps).
    np.testing.assert_allclose(run(RMSprop(0.01, epsilon=eps), p0, [g]),
                               p0 - 0.01 * g / np.sqrt(0.1 * g * g + eps), rtol=1e-12)
    # Adagrad's, starting from an empty accumulator: s = g^2.
    np.testing.assert_allclose(run(Adagrad(0.01, initial_accumulator_value=0.0, epsilon=eps), p0, [g]),
                               p0 - 0.01 * g / np.sqrt(g * g + eps), rtol=1e-12)
    # Adam's: m = 0.1 g, v = 0.001 g^2, p -= lr sqrt(1 - 0.999) / (1 - 0.9) m / (sqrt(v) + eps).
    m, v = 0.1 * g, 0.001 * g * g
    np.testing.assert_allclose(run(Adam(0.01, epsilon=eps), p0, [g]),
                               p0 - 0.01 * np.sqrt(0.001) / 0.1 * m / (np.sqrt(v) + eps), rtol=1e-12)


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: SGD(0.05, momentum=0.9),
                                  lambda: SGD(0.05, momentum=0.9, nesterov=True), lambda: RMSprop(0.05),
                                  lambda: Adam(0.1), lambda: Adagrad(0.5)])
def test_every_optimizer_minimizes_a_quadratic(make):
    optimizer, p = make(), {"w": np.array([3.0, -2.0])}
    for _ in range(300):
        optimizer.step([(p, {"w": 2 * p["w"]})])  # gradient of |w|^2
    assert np.abs(p["w"]).max() < 0.05


def test_global_norm_clipping_keeps_the_direction():
    p = {"a": np.zeros(2), "b": np.zeros(1)}
    g = {"a": np.array([3.0, 0.0]), "b": np.array([4.0])}  # global norm 5
    norm = SGD(1.0, global_clipnorm=1.0).step([(p, g)])
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([p["a"], p["b"]]), [-0.6, 0, -0.8])
    np.testing.assert_array_equal(g["a"], [3.0, 0.0])  # the caller's gradients are not modified


def test_optimizer_names_and_arguments():
    assert isinstance(get_optimizer("Adam"), Adam) and get_optimizer("sgd").learning_rate == 0.01
    assert get_optimizer("rmsprop").learning_rate == 0.001
    with pytest.raises(ValueError, match="optimizer must be one of"):
        get_optimizer("adamw")
    with pytest.raises(TypeError, match="optimizer"):
        get_optimizer(3)
    with pytest.raises(ValueError, match="learning_rate"):
        Adam(learning_rate=-1)
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=1.5)


def test_optimizers_match_pytorch_with_epsilon_zero():
    """With epsilon 0, Keras's and PyTorch's update formulas are the same algebra written differently, so the
    trajectories must agree to rounding. (With epsilon > 0 they differ on purpose: the two libraries put it in
    different places.)"""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=(3, 4))
    grads = [rng.normal(size=(3, 4)) for _ in range(6)]
    pairs = [
        (SGD(0.1, momentum=0.9), lambda w: torch.optim.SGD([w], lr=0.1, momentum=0.9)),
        (SGD(0.1, momentum=0.9, nesterov=True), lambda w: torch.optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True)),
        (RMSprop(0.01, epsilon=0.0), lambda w: torch.optim.RMSprop([w], lr=0.01, alpha=0.9, eps=0.0)),
        (Adam(0.01, epsilon=0.0), lambda w: torch.optim.Adam([w], lr=0.01, eps=0.0)),
        (Adagrad(0.1, epsilon=0.0), lambda w: torch.optim.Adagrad([w], lr=0.1, initial_accumulator_value=0.1,
                                                                  eps=0.0)),
    ]
    for ours, make_theirs in pairs:
        w = torch.tensor(p0.copy(), requires_grad=True)
        theirs = make_theirs(w)
        for g in grads:
            w.grad = torch.tensor(g)
            theirs.step()
        np.testing.assert_allclose(run(ours, p0, grads), w.detach().numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=type(ours).__name__)
