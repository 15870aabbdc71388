"""Flatten, Activation and TimeDistributed: forward against what they mean, backward against finite differences,
their place in a model (the contract a model asks of them), and saving and loading.

Each backward pass is checked as the other layers' are (test_layers.py): float64, random weights and biases, and a
random upstream gradient ``g`` for the vector-Jacobian product ``L = sum(output * g)``.
"""
import numpy as np
import pytest
from helpers import randomize
from test_model import check_model_gradients

from numpy_rnn import (
    GRU,
    LSTM,
    Activation,
    Dense,
    Embedding,
    Flatten,
    Sequential,
    SimpleRNN,
    TimeDistributed,
    gradcheck,
)
from numpy_rnn.activations import sigmoid


def vjp_report(layer, x, rng):
    """Finite differences of ``sum(layer(x) * g)`` against the layer's backward pass, for its input and weights."""
    g = rng.normal(size=layer.forward(x).shape)
    params = {"x": x, **layer.params}
    grads = {"x": layer.backward(g), **{k: v.copy() for k, v in layer.grads.items()}}
    return gradcheck(lambda: np.sum(layer.forward(params["x"]) * g), params, grads)


# -- Flatten --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 2, 2, 3), (4, 5)])
def test_flatten_puts_each_step_s_features_side_by_side_and_back(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    y = Flatten().forward(x)
    assert y.shape == (shape[0], int(np.prod(shape[1:])))
    if len(shape) == 3:  # row-major, as Keras: y[b, t * F + f] = x[b, t, f]
        B, T, F = shape
        for t in range(T):
            np.testing.assert_array_equal(y[:, t * F:(t + 1) * F], x[:, t])
    report = vjp_report(Flatten(), x, rng)
    assert report.ok, report


def test_flatten_refuses_token_ids_and_gradients_of_the_wrong_shape():
    with pytest.raises(TypeError, match="flatten: x must be features"):
        Flatten().forward(np.array([[1, 2, 3]]))
    layer = Flatten()
    layer.forward(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(2, 12\)"):
        layer.backward(np.ones((2, 3, 4)))


# -- Activation -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softmax", "linear", None])
def test_activation_derivatives_against_finite_differences(name):
    rng = np.random.default_rng(1)
    x = rng.choice([-1.0, 1.0], size=(3, 4, 5)) * rng.uniform(0.1, 2.0, size=(3, 4, 5))  # relu: away from its kink
    report = vjp_report(Activation(name), x, rng)
    assert report.ok, report


def test_activation_after_dense_is_dense_with_that_activation():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 2))
    fused = Dense(3, activation="tanh", input_dim=2)
    fused.build(2, np.random.default_rng(0))
    split = Sequential([Dense(3, input_dim=2), Activation("tanh")])
    split.build((4, 2))
    split.layers[0].set_weights(fused.get_weights())
    np.testing.assert_array_equal(split.forward(x), fused.forward(x))


def test_a_final_activation_is_fused_with_its_cross_entropy_as_dense_s_is():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 4, 2)), rng.integers(0, 2, size=5)
    one = Sequential([SimpleRNN(3, input_shape=(4, 2)), Dense(1, activation="sigmoid")], random_state=0)
    two = Sequential([SimpleRNN(3, input_shape=(4, 2)), Dense(1), Activation("sigmoid")], random_state=0)
    for model in (one, two):
        model.compile("sgd", "binary_crossentropy")
    assert one.train_on_batch(x, y) == two.train_on_batch(x, y)
    for a, b in zip(one.layers[:2], two.layers[:2]):
        for w_a, w_b in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(w_a, w_b)
    # from the logit: a logit of 800 gives the exact loss 800 where sigmoid(800) rounds to 1
    two.layers[1].set_weights([np.zeros((3, 1)), np.array([-800.0])])
    assert two.evaluate(x, np.ones(5)) == pytest.approx(800.0)
    assert sigmoid(np.array([800.0]))[0] == 1.0


def test_activation_refuses_unknown_names_and_token_ids():
    with pytest.raises(ValueError, match="activation must be one of"):
        Activation("swish")
    with pytest.raises(TypeError, match="activation: x must be a float array"):
        Activation("tanh").forward(np.array([[1, 2]]))


# -- TimeDistributed ------------------------------------------------------------------------------------------------
def built_time_distributed(inner, features, rng):
    layer = TimeDistributed(inner)
    layer.build(features, np.random.default_rng(0))
    randomize(layer.layer, rng)
    return layer


def test_time_distributed_applies_its_layer_to_every_step_alone():
    rng = np.random.default_rng(4)
    layer = built_time_distributed(Dense(3, activation="tanh"), 2, rng)
    x = rng.normal(size=(2, 5, 2))
    y = layer.forward(x)
    assert y.shape == (2, 5, 3)
    for t in range(5):
        np.testing.assert_allclose(y[:, t], layer.layer.forward(x[:, t]), rtol=1e-15)


@pytest.mark.parametrize("inner, shape", [
    (lambda: Dense(3, activation="sigmoid"), (2, 4, 3)),
    (lambda: Dense(4, activation="softmax"), (3, 2, 2)),
    (lambda: Flatten(), (2, 3, 2, 2)),
    (lambda: SimpleRNN(3), (2, 3, 4, 2)),  # a sequence per step: B * T sequences of 4 steps
])
def test_time_distributed_gradients_against_finite_differences(inner, shape):
    rng = np.random.default_rng(5)
    layer = built_time_distributed(inner(), shape[-1], rng)
    report = vjp_report(layer, rng.normal(size=shape), rng)
    assert report.ok, report
    assert layer.grads is layer.layer.grads and layer.params is layer.layer.params


def test_time_distributed_weights_are_its_layer_s():
    inner = Dense(3)
    layer = TimeDistributed(inner)
    layer.build(2, np.random.default_rng(0))
    assert [w.shape for w in layer.get_weights()] == [(2, 3), (3,)]
    layer.set_weights([np.ones((2, 3)), np.arange(3.0)])
    np.testing.assert_array_equal(inner.params["b"], [0.0, 1.0, 2.0])
    assert layer.count_params() == 9


def test_time_distributed_reads_token_ids_as_its_layer_does():
    rng = np.random.default_rng(6)
    layer = built_time_distributed(Dense(3, input_dim=5), 5, rng)
    ids = rng.integers(0, 5, size=(2, 4))
    np.testing.assert_allclose(layer.forward(ids), layer.forward(np.eye(5)[ids]), rtol=1e-15)


def test_time_distributed_refuses_what_cannot_be_applied_step_by_step():
    with pytest.raises(TypeError, match="layer must be a numpy_rnn layer"):
        TimeDistributed("dense")
    with pytest.raises(ValueError, match="layer: lstm carries or returns states"):
        TimeDistributed(LSTM(2, stateful=True))
    with pytest.raises(ValueError, match="must be a model's first layer"):
        TimeDistributed(Embedding(5, 2))
    with pytest.raises(ValueError, match="x must have a time axis"):
        TimeDistributed(Dense(2)).forward(np.ones((3, 4)))


# -- in a model -----------------------------------------------------------------------------------------------------
def test_the_model_contract_of_the_new_layers():
    assert Flatten().output_kind("sequence") == "vector" and Flatten().compute_mask(np.ones((2, 3))) is None
    assert Activation("relu").output_kind("sequence") == "sequence"
    assert TimeDistributed(Dense(2)).needs_sequences and TimeDistributed(Dense(2)).output_kind(None) == "sequence"
    Sequential([SimpleRNN(8, return_sequences=True), Flatten(), Dense(1)])
    Sequential([LSTM(8, return_sequences=True), TimeDistributed(Dense(3, activation="softmax"))])
    with pytest.raises(ValueError, match="needs sequences"):
        Sequential([SimpleRNN(8, return_sequences=True), Flatten(), GRU(2)])
    with pytest.raises(ValueError, match="needs sequences"):
        Sequential([SimpleRNN(8), TimeDistributed(Dense(2))])


def test_whole_stacks_with_the_new_layers_against_finite_differences():
    rng = np.random.default_rng(7)
    flat = Sequential([SimpleRNN(3, return_sequences=True, input_shape=(4, 2)), Flatten(), Dense(2),
                       Activation("tanh"), Dense(1)], random_state=0)
    flat.compile("sgd", "mse")
    per_step = Sequential([GRU(3, return_sequences=True, input_shape=(4, 2)),
                           TimeDistributed(Dense(3, activation="softmax"))], random_state=0)
    per_step.compile("sgd", "sparse_categorical_crossentropy")
    for model, y in ((flat, rng.normal(size=3)), (per_step, rng.integers(0, 3, size=(3, 4)))):
        model.build()
        for layer in model.layers:
            randomize(layer.layer if isinstance(layer, TimeDistributed) else layer, rng)
        report = check_model_gradients(model, rng.normal(size=(3, 4, 2)), y)
        assert report.ok, report
    assert per_step._loss(y, per_step.forward(rng.normal(size=(3, 4, 2))))[2]  # fused with its softmax


def test_models_with_the_new_layers_save_load_and_continue_exactly(tmp_path):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(6, 4, 2))
    cases = [
        (Sequential([SimpleRNN(3, return_sequences=True, input_shape=(4, 2)), Flatten(), Dense(1),
                     Activation("sigmoid")], random_state=0), "binary_crossentropy", rng.integers(0, 2, size=6)),
        (Sequential([LSTM(3, return_sequences=True, input_shape=(4, 2)),
                     TimeDistributed(Dense(3, activation="softmax"), name="per_step")], random_state=0),
         "sparse_categorical_crossentropy", rng.integers(0, 3, size=(6, 4))),
    ]
    for i, (model, loss, y) in enumerate(cases):
        model.compile("adam", loss)
        model.fit(x, y, epochs=1, batch_size=3, verbose=0)
        path = tmp_path / f"model{i}.npz"
        model.save(path)
        loaded = Sequential.load(path)
        assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
        assert loaded.get_config() == model.get_config()
        np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
        assert (loaded.fit(x, y, epochs=1, batch_size=3, verbose=0).history
                == model.fit(x, y, epochs=1, batch_size=3, verbose=0).history)
    assert cases[1][0].get_config()["layers"][1]["config"]["layer"]["class"] == "Dense"


def test_a_model_dtype_reaches_the_wrapped_layer():
    model = Sequential([LSTM(2, return_sequences=True, input_shape=(3, 2)), TimeDistributed(Dense(2))],
                       dtype="float32")
    model.build()
    assert model.layers[1].layer.dtype == np.float32 and model.layers[1].params["W"].dtype == np.float32
    assert model.predict(np.ones((2, 3, 2))).dtype == np.float32
