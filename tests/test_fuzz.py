"""Every public entry point, driven with random valid and invalid arguments.

The contract: a call either works, or raises ValueError / TypeError (or a documented subclass: NotFittedError,
ModelFileError, DataError; TrainingDivergedError while training) whose message names the offending argument, and a
model is unchanged by a call it rejected. No NumPy traceback from deep inside a layer, no hang, no crash.
"""
import os
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numpy_rnn import (
    GRU,
    LSTM,
    SGD,
    Activation,
    Adagrad,
    Adam,
    AdditiveAttention,
    Attention,
    Concatenate,
    RepeatVector,
    Bidirectional,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    LayerNormSimpleRNN,
    Masking,
    RecurrentNetwork,
    RMSprop,
    Sequential,
    SimpleRNN,
    TimeDistributed,
)
from numpy_rnn.data import (
    DataError,
    build_word_index,
    encode_ranks,
    load_aclimdb,
    load_imdb_npz,
    make_reviews,
    pad_sequences,
    texts_to_sequences,
    to_one_hot,
    tokenize,
)
from numpy_rnn.data.imdb import split_train_val
from numpy_rnn.guards import TrainingDivergedError
from numpy_rnn.persistence import ModelFileError

# 150 cases per entry point by default; FUZZ_EXAMPLES=2000 for a longer search.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 150)), deadline=None,
                suppress_health_check=list(HealthCheck))
DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint8, np.bool_, np.complex128, np.str_, object]
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 40),
                    st.sampled_from([1e300, -1e300, 1e-300, 0.0, 1.0]))


@st.composite
def junk(draw, max_dims=4):
    """Anything a user might pass where an array is expected."""
    kind = draw(st.sampled_from(["array", "array", "array", "list", "scalar", "none", "text"]))
    if kind == "none":
        return None
    if kind == "text":
        return draw(st.text(max_size=5))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=4))
    base = draw(hnp.arrays(np.float64, shape, elements=NUMBERS))
    dtype = draw(st.sampled_from(DTYPES))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        value = base.astype(dtype)
    if kind == "scalar":
        return value.reshape(-1)[0] if value.size else 0.5
    return value.tolist() if kind == "list" else value


@st.composite
def plausible_ids(draw, vocabulary=12, steps=5):
    """Token ids that are mostly valid, so that the success paths run too."""
    n = draw(st.integers(1, 6))
    return draw(hnp.arrays(np.int64, (n, steps), elements=st.integers(-1, vocabulary)))


def arrays_or_junk(**kwargs):
    return st.one_of(plausible_ids(**kwargs), junk())


ALLOWED = (ValueError, TypeError, TrainingDivergedError)


def call(fn, names, *args, **kwargs):
    """Run ``fn``; a raised error must be an allowed kind and name one of ``names``. Returns True on success."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow of huge inputs is reported, not hidden
            fn(*args, **kwargs)
        return True
    except TrainingDivergedError as error:  # not an argument's fault: it names where training diverged instead
        assert re.search(r"epoch \d+, batch \d+|train_on_batch", str(error)), str(error)
        return False
    except ALLOWED as error:
        message = str(error)
        assert any(re.search(rf"\b{re.escape(name)}\b", message) for name in names), \
            f"{type(error).__name__} does not name any of {names}: {message}"
        return False


def weights_of(model):
    layers = [model._rnn, model._dense] if isinstance(model, RecurrentNetwork) else model.layers
    return [w.copy() for layer in layers for w in layer.get_weights()]


def assert_same(before, after):
    assert len(before) == len(after)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def text():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 12, size=(24, 5))
    return ids, (ids[:, -1] < 6).astype(int)


# -- RecurrentNetwork ---------------------------------------------------------------------------------------------
HYPER = {"n_cells": st.one_of(st.integers(-2, 5), junk(0)), "batch_size": st.one_of(st.integers(-2, 40), junk(0)),
         "learning_rate": st.one_of(st.floats(-1, 2), junk(0)), "bptt_steps": st.one_of(st.none(), junk(0)),
         "n_features": st.one_of(st.none(), st.integers(-1, 20), junk(0)), "random_state": junk(0),
         "initializer": st.one_of(st.just("numpy"), junk(0)), "dtype": st.one_of(st.sampled_from(DTYPES), junk(0)),
         "verbose": st.one_of(st.integers(-1, 3), junk(0)), "clipnorm": st.one_of(st.none(), junk(0)),
         "gradient_warnings": st.one_of(st.none(), junk(1))}


@FUZZ
@given(kwargs=st.fixed_dictionaries({}, optional=HYPER))
def test_recurrent_network_constructor(kwargs):
    call(RecurrentNetwork, list(kwargs), **kwargs)


@FUZZ
@given(x=arrays_or_junk(), y=junk(2), epochs=st.one_of(st.integers(0, 2), junk(0)), with_val=st.booleans(),
       x_val=arrays_or_junk(), y_val=junk(2))
def test_recurrent_network_fit(text, x, y, epochs, with_val, x_val, y_val):
    rn = RecurrentNetwork(n_cells=3, verbose=0, random_state=0).fit(*text, epochs=1)
    before, losses = weights_of(rn), list(rn.losses)
    val = dict(x_val=x_val, y_val=y_val) if with_val else {}
    numeric_y = isinstance(y, np.ndarray) and y.dtype.kind in "fiub"
    if isinstance(x, np.ndarray) and x.ndim == 2 and x.dtype == np.int64 and numeric_y and y.size == len(x):
        y = (np.abs(np.nan_to_num(y.astype(float).reshape(len(x)))) > 0.5).astype(int)  # valid labels, sometimes
    if not call(rn.fit, ["x", "y", "epochs", "x_val", "y_val"], x, y, epochs=epochs, **val):
        assert_same(before, weights_of(rn))
        assert rn.losses == losses


@FUZZ
@given(x=arrays_or_junk(), y=junk(2), method=st.sampled_from(["predict", "predict_proba", "score"]))
def test_recurrent_network_predict_and_score(text, x, y, method):
    rn = RecurrentNetwork(n_cells=3, verbose=0, random_state=0).fit(*text, epochs=1)
    before = weights_of(rn)
    args = (x, y) if method == "score" else (x,)
    call(getattr(rn, method), ["x", "y"], *args)
    assert_same(before, weights_of(rn))


# -- Sequential -----------------------------------------------------------------------------------------------------
def small_model(dropout=False):
    if dropout:
        layers = [SimpleRNN(3, activation="relu", dropout=0.3, recurrent_dropout=0.2, input_shape=(5, 2)),
                  Dropout(0.5), Dense(1)]
    else:
        layers = [SimpleRNN(3, input_shape=(5, 2)), Dense(1)]
    model = Sequential(layers, random_state=0)
    model.compile("adam", "mse", metrics=["mse"])
    model.build()
    return model


@FUZZ
@given(x=st.one_of(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
                              elements=NUMBERS), junk()),
       y=junk(3), method=st.sampled_from(["fit", "evaluate", "predict"]),
       batch_size=st.one_of(st.integers(-1, 8), junk(0)), dropout=st.booleans())
def test_sequential_fit_evaluate_predict(x, y, method, batch_size, dropout):
    model = small_model(dropout)
    before = weights_of(model)
    if method == "predict":
        ok = call(model.predict, ["x", "batch_size"], x, batch_size=batch_size)
    elif method == "evaluate":
        ok = call(model.evaluate, ["x", "y", "batch_size"], x, y, batch_size=batch_size)
    else:
        ok = call(model.fit, ["x", "y", "batch_size"], x, y, batch_size=batch_size, epochs=1, verbose=0)
    if not ok or method != "fit":
        assert_same(before, weights_of(model))


def whole_state(model):
    """Everything a refused call must leave as it was: built or not, weights, optimizer slots and step count, the
    generator, carried states."""
    slots = model.optimizer.get_slots()
    return ([layer.built for layer in model.layers], weights_of(model) if all(l.built for l in model.layers) else [],
            model.optimizer.iterations, sorted(slots), [slots[k].copy() for k in sorted(slots)],
            model._rng.bit_generator.state, [[s.copy() for s in layer.get_carried_states()] for layer in model.layers])


def assert_same_state(before, after):
    assert before[0] == after[0] and before[2:4] == after[2:4] and before[5] == after[5]
    for a, b in zip(before[1] + before[4] + sum(before[6], []), after[1] + after[4] + sum(after[6], [])):
        np.testing.assert_array_equal(a, b)


@FUZZ
@given(x=st.one_of(hnp.arrays(np.float64, st.sampled_from([(4, 5, 2), (6, 5, 2), (2, 5, 2), (4, 5, 3)]),
                              elements=st.one_of(st.floats(-2, 2), NUMBERS)), junk()),
       y=st.one_of(hnp.arrays(np.float64, st.sampled_from([(4,), (6,), (4, 1), (2,)]),
                              elements=st.sampled_from([-1, 0, 1, 2, 3, 0.5, 1e300])), junk(2)),
       method=st.sampled_from(["fit", "evaluate", "predict", "train_on_batch"]),
       batch_size=st.one_of(st.integers(0, 6), junk(0)), stateful=st.booleans(), sparse=st.booleans(),
       validation=st.one_of(st.none(), junk(1), st.integers(1, 6).map(lambda n: ("pair", n))))
def test_a_rejected_call_changes_nothing_in_the_model(x, y, method, batch_size, stateful, sparse, validation):
    """Unbuilt models and stateful models carrying states: a refused call leaves every part of them as it was (a
    diverged train_on_batch too: one step is all or nothing)."""
    last = Dense(3, activation="softmax") if sparse else Dense(1)
    if stateful:
        model = Sequential([SimpleRNN(3, stateful=True, input_shape=(5, 2)), last], random_state=0)
    else:
        model = Sequential([LSTM(3), last], random_state=0)
    model.compile(SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy" if sparse else "mse",
                  metrics=["accuracy"] if sparse else ["mse"])
    if stateful:
        model.fit(np.ones((4, 5, 2)), np.array([0, 1, 2, 1]) if sparse else np.ones(4), batch_size=4, verbose=0)
    before = whole_state(model)
    if isinstance(validation, tuple) and validation[0] == "pair":  # a well-formed pair, of the size drawn
        validation = (np.zeros((validation[1], 5, 2)), np.zeros(validation[1]))
    calls = {"fit": lambda: model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, validation_data=validation),
             "evaluate": lambda: model.evaluate(x, y, batch_size=batch_size),
             "predict": lambda: model.predict(x, batch_size=batch_size),
             "train_on_batch": lambda: model.train_on_batch(x, y)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            calls[method]()
    except TrainingDivergedError:
        if method == "train_on_batch" and all(before[0]):  # (valid data may build an unbuilt model, then diverge)
            assert_same_state(before, whole_state(model))
    except (ValueError, TypeError) as error:
        assert re.search(r"\b(x|y|batch_size|validation_data|x_val|y_val|metrics)\b", str(error)), str(error)
        assert_same_state(before, whole_state(model))


WEIGHTS = st.one_of(st.none(), junk(3), hnp.arrays(np.float64, st.sampled_from([(4,), (3,), (4, 1)]),
                                                   elements=st.floats(-1, 3)))
CLASS_WEIGHTS = st.one_of(st.none(), junk(1), st.dictionaries(st.one_of(st.integers(-1, 3), st.text(max_size=1)),
                                                            st.one_of(st.floats(-1, 3), NUMBERS, junk(0)),
                                                            max_size=3))


@FUZZ
@given(sample_weight=WEIGHTS, class_weight=CLASS_WEIGHTS,
       validation_split=st.one_of(st.floats(-0.5, 1.5), NUMBERS, junk(0)),
       with_val=st.booleans(), val_weight=WEIGHTS)
def test_sequential_fit_weights_and_validation_split(sample_weight, class_weight, validation_split, with_val,
                                                     val_weight):
    model = Sequential([SimpleRNN(3, input_shape=(5, 2)), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy")
    model.build()
    before = weights_of(model)
    x, y = np.random.default_rng(0).normal(size=(4, 5, 2)), np.array([0, 1, 1, 0])
    val = dict(validation_data=(x, y, val_weight)) if with_val else {}
    if not call(model.fit, ["sample_weight", "class_weight", "validation_split", "val_sample_weight", "y"], x, y,
                epochs=1, verbose=0, sample_weight=sample_weight, class_weight=class_weight,
                validation_split=validation_split, **val):
        assert_same(before, weights_of(model))
        assert model.history is None


@FUZZ
@given(layers=st.lists(st.sampled_from(["simple", "lstm", "gru", "ln", "dense", "embedding", "seq", "dropout",
                                       "flatten", "activation", "td", "tied", "repeat", "concat"]), max_size=4),
       loss=st.one_of(st.sampled_from(["mse", "binary_crossentropy", "sparse_categorical_crossentropy"]), junk(0)),
       optimizer=st.one_of(st.sampled_from(["adam", "sgd", "rmsprop", "adagrad"]), junk(0)))
def test_sequential_construction_and_compile(layers, loss, optimizer):
    model = Sequential()
    make = {"simple": lambda: SimpleRNN(2), "lstm": lambda: LSTM(2), "gru": lambda: GRU(2),
            "ln": lambda: LayerNormSimpleRNN(2), "dense": lambda: Dense(2), "embedding": lambda: Embedding(5, 2),
            "seq": lambda: SimpleRNN(2, return_sequences=True), "dropout": lambda: Dropout(0.5),
            "flatten": Flatten, "activation": lambda: Activation("tanh"), "td": lambda: TimeDistributed(Dense(2)),
            "repeat": lambda: RepeatVector(3), "concat": Concatenate,
            # tied to the model's first layer when it is an Embedding, else to one outside the model
            "tied": lambda: Dense(5, tied_to=next((layer for layer in model.layers[:1] if isinstance(layer, Embedding)),
                                                  Embedding(5, 2)))}
    for name in layers:
        if not call(model.add, ["layer", "Embedding", "return_sequences"], make[name]()):
            break
    call(model.compile, ["optimizer", "loss"], optimizer=optimizer, loss=loss)


METRIC = st.one_of(st.sampled_from(["mse", "accuracy", "mae", len]), junk(0))


@FUZZ
@given(metrics=st.one_of(st.none(), st.lists(METRIC, max_size=3), METRIC),
       weighted_metrics=st.one_of(st.none(), st.lists(METRIC, max_size=2), METRIC),
       input_shape=st.one_of(st.lists(st.one_of(st.integers(-1, 5), st.none(), junk(0)), max_size=3).map(tuple),
                             junk(1)))
def test_sequential_compile_metrics_and_build_shapes(metrics, weighted_metrics, input_shape):
    model = Sequential([SimpleRNN(2), Dense(1)])
    model.compile("sgd", "mse")
    before = (model.optimizer, model.metrics, model.weighted_metrics)
    if not call(model.compile, ["metric", "metrics", "weighted_metrics"], "adam", "mse", metrics=metrics,
                weighted_metrics=weighted_metrics):
        assert (model.optimizer, model.metrics, model.weighted_metrics) == before
    if not call(model.build, ["input_shape", "input_dim"], input_shape):
        assert not any(layer.built for layer in model.layers)


OPTIMIZER_ARGS = {"learning_rate": st.one_of(st.floats(-1, 2), NUMBERS, junk(0)),
                  "global_clipnorm": st.one_of(st.none(), NUMBERS, junk(0))}


@FUZZ
@given(cls=st.sampled_from([SGD, RMSprop, Adam, Adagrad]), values=st.fixed_dictionaries({}, optional={
    "momentum": st.one_of(st.floats(-1, 2), NUMBERS, junk(0)), "nesterov": st.one_of(st.booleans(), junk(0)),
    "rho": st.one_of(st.floats(-1, 2), junk(0)), "beta_1": st.one_of(st.floats(-1, 2), junk(0)),
    "beta_2": st.one_of(st.floats(-1, 2), junk(0)), "epsilon": st.one_of(NUMBERS, junk(0)),
    "initial_accumulator_value": st.one_of(NUMBERS, junk(0)), **OPTIMIZER_ARGS}))
def test_optimizer_constructors(cls, values):
    import inspect
    kwargs = {k: v for k, v in values.items() if k in inspect.signature(cls).parameters}
    try:
        opt = cls(**kwargs)
    except (ValueError, TypeError) as error:
        assert any(re.search(rf"\b{re.escape(k)}\b", str(error)) for k in kwargs), str(error)
        return
    for name, value in opt.get_config().items():  # what was accepted is a plain value, in Keras's range
        assert type(value) in (float, bool) or value is None, (name, value)
    for name in ("rho", "beta_1", "beta_2"):
        assert 0 <= getattr(opt, name, 0) < 1
    assert 0 <= getattr(opt, "momentum", 0) <= 1 and opt.learning_rate > 0 and getattr(opt, "epsilon", 0) >= 0


# -- layers ---------------------------------------------------------------------------------------------------------
def tied_dense():
    """A Dense tied to a built Embedding of 3 words and vectors of 4 features, the width the layers below are built
    for."""
    embedding = Embedding(3, 4)
    embedding.build(3, np.random.default_rng(1))
    return Dense(3, activation="softmax", tied_to=embedding)


LAYERS = [lambda: SimpleRNN(3, input_dim=4), lambda: LSTM(3, input_dim=4), lambda: GRU(3, input_dim=4),
          lambda: LayerNormSimpleRNN(3, input_dim=4), lambda: Dense(3, input_dim=4), lambda: Embedding(4, 3),
          lambda: SimpleRNN(3, activation="relu", dropout=0.5, recurrent_dropout=0.5, input_dim=4),
          lambda: LSTM(3, dropout=0.5, recurrent_dropout=0.5, input_dim=4),
          lambda: GRU(3, dropout=0.5, recurrent_dropout=0.5, input_dim=4),
          lambda: LayerNormSimpleRNN(3, dropout=0.5, recurrent_dropout=0.5, input_dim=4),
          lambda: Dropout(0.5, input_dim=4), lambda: Dropout(0.5, noise_shape=(None, 1, 4), input_dim=4),
          lambda: Embedding(4, 3, mask_zero=True), lambda: Masking(input_dim=4), lambda: GRU(3, input_dim=4,
          go_backwards=True), lambda: Bidirectional(LSTM(3, return_sequences=True), input_dim=4),
          lambda: Bidirectional(SimpleRNN(3), merge_mode="mul", input_dim=4),
          lambda: Flatten(input_dim=4), lambda: Activation("softmax", input_dim=4),
          lambda: TimeDistributed(Dense(3, input_dim=4)), tied_dense, lambda: RepeatVector(3, input_dim=4)]


@FUZZ
@given(which=st.integers(0, len(LAYERS) - 1), x=st.one_of(plausible_ids(vocabulary=4), junk()), dout=junk(),
       training=st.booleans())
def test_layer_forward_and_backward(which, x, dout, training):
    layer = LAYERS[which]()
    layer.build(4, np.random.default_rng(0))
    before = layer.get_weights()
    if call(layer.forward, ["x", "noise_shape"], x, training=training):
        call(layer.backward, ["dout"], dout)
    assert_same(before, layer.get_weights())


TORCH_LAYERS = [lambda: Dense(3), lambda: Embedding(4, 3), lambda: SimpleRNN(3), lambda: LSTM(3), lambda: GRU(3),
                lambda: Bidirectional(GRU(3)), lambda: Bidirectional(LSTM(3)), tied_dense]


@FUZZ
@given(which=st.integers(0, len(TORCH_LAYERS) - 1), keep=st.lists(st.booleans(), min_size=8, max_size=8),
       replace=st.dictionaries(st.one_of(st.text(max_size=12), st.integers()), junk(), max_size=2),
       weights=st.lists(junk(), max_size=4), as_dict=st.booleans())
def test_from_torch_and_set_weights(which, keep, replace, weights, as_dict):
    layer = TORCH_LAYERS[which]()
    layer.build(4, np.random.default_rng(0))
    before = layer.get_weights()
    good = layer.to_torch()
    state = {k: v for (k, v), kept in zip(good.items(), keep) if kept}
    state.update(replace)
    call(layer.from_torch, ["state"], state if as_dict else list(state.values()))
    if set(state) != set(good):
        assert_same(before, layer.get_weights())
    before = layer.get_weights()
    if not call(layer.set_weights, ["weights", "set_weights", "weight"], weights):
        assert_same(before, layer.get_weights())
    assert all(np.all(np.isfinite(w)) and w.dtype.kind == "f" for w in layer.get_weights())


@FUZZ
@given(cls=st.sampled_from([SimpleRNN, LSTM, GRU, LayerNormSimpleRNN, lambda u: Bidirectional(LSTM(u))]),
       initial_state=st.one_of(junk(), st.lists(junk(2), max_size=4),
                               st.lists(hnp.arrays(np.float64, (2, 3), elements=NUMBERS), min_size=1, max_size=4)))
def test_recurrent_initial_state(cls, initial_state):
    layer = cls(3)
    x = np.random.default_rng(0).normal(size=(2, 4, 4))
    if not call(layer.forward, ["initial_state"], x, initial_state=initial_state):
        assert not layer.built


RATE = st.one_of(st.floats(-1, 2), st.sampled_from([0.0, 0.5, 0.999]), junk(0))


@FUZZ
@given(cls=st.sampled_from([SimpleRNN, LSTM, GRU, LayerNormSimpleRNN]), kwargs=st.fixed_dictionaries({}, optional={
    "dropout": RATE, "recurrent_dropout": RATE, "units": st.one_of(st.integers(-1, 4), junk(0))}),
    activation=st.one_of(st.sampled_from(["tanh", "relu", "sigmoid", "linear", None, "softmax", "swish"]), junk(0)))
def test_recurrent_layer_arguments(cls, kwargs, activation):
    units = kwargs.pop("units", 2)
    if cls is SimpleRNN:
        kwargs["activation"] = activation
    call(cls, ["units", *kwargs], units, **kwargs)


@FUZZ
@given(rate=RATE, kwargs=st.fixed_dictionaries({}, optional={
    "noise_shape": st.one_of(st.none(), st.lists(st.one_of(st.none(), st.integers(-1, 5)), max_size=4), junk(1)),
    "seed": st.one_of(st.none(), st.integers(-1, 5), junk(0))}))
def test_dropout_arguments(rate, kwargs):
    call(Dropout, ["rate", *kwargs], rate, **kwargs)


MASKED = [lambda: LSTM(3, input_dim=4, return_sequences=True), lambda: SimpleRNN(3, input_dim=4, go_backwards=True),
          lambda: Bidirectional(GRU(3), input_dim=4)]


@FUZZ
@given(which=st.integers(0, len(MASKED) - 1), x=st.one_of(plausible_ids(vocabulary=4), junk()),
       mask=st.one_of(st.none(), hnp.arrays(np.bool_, st.tuples(st.integers(1, 4), st.integers(1, 6))), junk()))
def test_recurrent_layers_with_masks(which, x, mask):
    layer = MASKED[which]()
    layer.build(4, np.random.default_rng(0))
    before = layer.get_weights()
    if call(layer.forward, ["x", "mask"], x, mask=mask):
        out = layer.forward(x, mask=mask)
        assert np.all(np.isfinite(out))
        call(layer.backward, ["dout"], np.ones_like(out))
    assert_same(before, layer.get_weights())


ATTENTION = [lambda: Attention(), lambda: Attention(use_scale=True, dropout=0.5), lambda: AdditiveAttention(),
             lambda: Attention(score_mode="concat", use_scale=True),
             lambda: AdditiveAttention(use_scale=False)]


@st.composite
def plausible_attention_inputs(draw):
    """[query, value(, key)] of (B, T, 4) floats, mostly fitting together, so that the success paths run too."""
    B, Tq, Tv = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    floats = hnp.arrays(np.float64, st.tuples(st.just(B), st.integers(Tv, Tv + 1), st.sampled_from([4, 4, 3])),
                        elements=st.floats(-5, 5))
    query = draw(hnp.arrays(np.float64, (B, Tq, 4), elements=st.floats(-5, 5)))
    return [query] + draw(st.lists(floats, min_size=1, max_size=3))


@FUZZ
@given(which=st.integers(0, len(ATTENTION) - 1), inputs=st.one_of(plausible_attention_inputs(), junk(),
                                                                    st.lists(junk(), max_size=4)),
       mask=st.one_of(st.none(), st.lists(st.one_of(st.none(), hnp.arrays(np.bool_, st.tuples(
           st.integers(1, 3), st.integers(1, 4))), junk(2)), max_size=3), junk()),
       scores=st.booleans(), causal=st.booleans(), training=st.booleans())
def test_attention_forward_and_backward(which, inputs, mask, scores, causal, training):
    layer = ATTENTION[which]()
    layer.build(4, np.random.default_rng(0))
    before = layer.get_weights()
    if call(layer.forward, ["inputs", "query", "value", "key", "mask", "query_mask", "value_mask"], inputs,
            mask=mask, training=training, return_attention_scores=scores, use_causal_mask=causal):
        out = layer.forward(inputs, mask=mask, training=training, return_attention_scores=scores,
                            use_causal_mask=causal)
        assert all(np.all(np.isfinite(o)) for o in (out if scores else [out]))
        grads = layer.backward(tuple(np.ones_like(o) for o in out) if scores else np.ones_like(out))
        assert len(grads) == len(inputs) and all(np.all(np.isfinite(d)) for d in grads)
    assert_same(before, layer.get_weights())


@FUZZ
@given(inputs=st.one_of(st.lists(hnp.arrays(np.float64, st.tuples(st.integers(1, 2), st.integers(2, 3),
                                                                     st.integers(1, 3)), elements=st.floats(-5, 5)),
                                  max_size=3), junk(), st.lists(junk(), max_size=3)),
       mask=st.one_of(st.none(), st.lists(st.one_of(st.none(), hnp.arrays(np.bool_, st.tuples(
           st.integers(1, 2), st.integers(2, 3)))), max_size=3)), axis=st.one_of(st.integers(-2, 2), junk(0)))
def test_concatenate_forward_and_backward(inputs, mask, axis):
    if not call(Concatenate, ["axis"], axis=axis):
        return
    layer = Concatenate()
    if call(layer.forward, ["inputs"], inputs):
        out = layer.forward(inputs)
        grads = layer.backward(np.ones_like(out))
        assert [g.shape for g in grads] == [np.shape(x) for x in inputs]
        call(layer.compute_mask, ["mask"], mask)


@FUZZ
@given(kwargs=st.fixed_dictionaries({}, optional={
    "use_scale": st.one_of(st.booleans(), junk(0)), "dropout": RATE, "seed": st.one_of(st.none(), st.integers(-1, 5)),
    "score_mode": st.one_of(st.sampled_from(["dot", "concat", "general"]), junk(0))}), additive=st.booleans())
def test_attention_arguments(kwargs, additive):
    if additive:
        kwargs.pop("score_mode", None)
    call(AdditiveAttention if additive else Attention, list(kwargs), **kwargs)


# -- data utilities ------------------------------------------------------------------------------------------------
@FUZZ
@given(sequences=st.one_of(st.lists(st.lists(st.integers(-5, 50), max_size=6), max_size=4), junk()),
       maxlen=st.one_of(st.none(), st.integers(-1, 8), junk(0)),
       padding=st.one_of(st.sampled_from(["pre", "post"]), junk(0)),
       truncating=st.one_of(st.sampled_from(["pre", "post"]), junk(0)))
def test_pad_sequences(sequences, maxlen, padding, truncating):
    call(pad_sequences, ["sequences", "maxlen", "padding", "truncating"], sequences, maxlen=maxlen, padding=padding,
         truncating=truncating)


@FUZZ
@given(value=st.one_of(NUMBERS, st.integers(-2**70, 2**70), junk(0)),
       dtype=st.one_of(st.sampled_from([np.int8, np.uint8, np.int32, np.int64, np.float16, np.float32, "U2", object,
                                        None]), junk(0)),
       maxlen=st.one_of(st.none(), st.integers(0, 8), st.sampled_from([10**12, 2**62])))
def test_pad_sequences_value_and_dtype(value, dtype, maxlen):
    call(pad_sequences, ["value", "dtype", "maxlen"], [[1, 2], [3]], maxlen=maxlen, value=value, dtype=dtype)


@FUZZ
@given(texts=st.one_of(st.lists(st.text(max_size=10), max_size=3), junk()),
       word_index=st.one_of(st.dictionaries(st.one_of(st.text(max_size=3), st.integers(), st.none()),
                                            st.one_of(st.integers(-2, 9), junk(0)), max_size=3),
                            junk()),
       n_val=st.one_of(st.integers(-1, 6), junk(0)), rng=st.one_of(st.just(np.random.default_rng(0)), junk(0)),
       y=st.one_of(st.lists(st.integers(0, 2), max_size=6), junk(2)))
def test_texts_to_sequences_and_split_train_val(texts, word_index, n_val, rng, y):
    call(texts_to_sequences, ["texts", "word_index"], texts, word_index)
    call(split_train_val, ["x", "y", "n_val", "rng"], list(range(5)), y, n_val, rng)


@FUZZ
@given(ids=st.one_of(plausible_ids(), junk()), num_classes=st.one_of(st.none(), st.integers(-1, 15), junk(0)))
def test_to_one_hot(ids, num_classes):
    call(to_one_hot, ["ids", "num_classes"], ids, num_classes)


@FUZZ
@given(ranks=st.one_of(st.lists(st.lists(st.integers(-5, 50), max_size=5), max_size=3), junk()),
       num_words=st.one_of(st.none(), st.integers(-1, 60), junk(0)), skip_top=st.one_of(st.integers(-1, 30), junk(0)))
def test_encode_ranks(ranks, num_words, skip_top):
    call(encode_ranks, ["rank_sequences", "num_words", "skip_top"], ranks, num_words=num_words, skip_top=skip_top)


@FUZZ
@given(texts=st.one_of(st.lists(st.text(max_size=20), max_size=3), junk()), text_value=st.one_of(st.text(), junk()))
def test_text_utilities(texts, text_value):
    call(build_word_index, ["texts"], texts)
    call(tokenize, ["text"], text_value)


@FUZZ
@given(kwargs=st.fixed_dictionaries({}, optional={
    "n_samples": st.one_of(st.integers(-1, 30), junk(0)), "min_length": st.one_of(st.integers(-1, 12), junk(0)),
    "max_length": st.one_of(st.integers(-1, 14), junk(0)), "negation_rate": st.one_of(st.floats(-1, 2), junk(0)),
    "random_state": st.one_of(st.integers(0, 5), junk(0))}))
def test_make_reviews(kwargs):
    call(make_reviews, list(kwargs), **kwargs)


# -- files: truncated, empty, random, oversized -------------------------------------------------------------------
@FUZZ
@given(content=st.one_of(st.binary(max_size=300), st.just(b"")), cut=st.integers(0, 2000))
def test_loaders_on_random_and_truncated_files(tmp_path_factory, content, cut):
    folder = tmp_path_factory.mktemp("files")
    rn = RecurrentNetwork(n_cells=2, verbose=0, random_state=0).fit(np.array([[1, 2], [2, 1]]), [0, 1], epochs=1)
    good = folder / "good.npz"
    rn.save(good)
    truncated = folder / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:cut])
    random_file = folder / "random.npz"
    random_file.write_bytes(content)
    broken = [random_file] + ([truncated] if cut < good.stat().st_size else [])  # a cut past the end is whole
    for path in broken:
        for load in (RecurrentNetwork.load, Sequential.load):
            with pytest.raises(ModelFileError):
                load(path)
        with pytest.raises(DataError):
            load_imdb_npz(str(path), allow_pickle=True)


@FUZZ
@given(content=st.binary(max_size=200))
def test_aclimdb_loader_on_random_review_files(tmp_path_factory, content):
    root = tmp_path_factory.mktemp("acl")
    for split in ("train", "test"):
        for polarity in ("pos", "neg"):
            (root / split / polarity).mkdir(parents=True)
            (root / split / polarity / "0_1.txt").write_bytes(content)
    try:
        load_aclimdb(str(root))
    except DataError as error:
        assert "UTF-8" in str(error)


HOSTILE_ENTRIES = ["fifo", "/dev/zero", "/dev/urandom", "dangling", "loop", "folder", "file", "link to file"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and symlinks")
@FUZZ
@given(kinds=st.lists(st.sampled_from(HOSTILE_ENTRIES), min_size=1, max_size=3),
       content=st.binary(max_size=40))
def test_aclimdb_loader_on_hostile_entries(tmp_path_factory, kinds, content):
    root = tmp_path_factory.mktemp("acl")
    for split in ("train", "test"):
        for polarity in ("pos", "neg"):
            (root / split / polarity).mkdir(parents=True)
    folder = root / "train" / "neg"
    for i, kind in enumerate(kinds):
        path = folder / f"{i}_1.txt"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind.startswith("/dev/"):
            os.symlink(kind, path)
        elif kind == "dangling":
            os.symlink(folder / "nothing", path)
        elif kind == "loop":
            os.symlink(path, path)
        elif kind == "folder":
            path.mkdir()
        else:
            (root / f"{i}.data").write_bytes(content)
            if kind == "file":
                path.write_bytes(content)
            else:
                os.symlink(root / f"{i}.data", path)
    try:
        load_aclimdb(str(root))
    except DataError as error:
        assert re.search(r"UTF-8|not a regular file|cannot be read", str(error)), str(error)


def test_oversized_files_are_refused_without_reading_them(tmp_path, monkeypatch):
    import numpy_rnn.data.imdb as imdb
    import numpy_rnn.persistence as persistence
    monkeypatch.setattr(persistence, "MAX_BYTES", 100)
    monkeypatch.setattr(imdb, "MAX_REVIEW_BYTES", 100)
    np.savez(tmp_path / "big.npz", x_train=np.zeros(100))
    with pytest.raises(DataError, match="would unpack to"):
        load_imdb_npz(str(tmp_path / "big.npz"), allow_pickle=True)
    for split in ("train", "test"):
        for polarity in ("pos", "neg"):
            (tmp_path / "acl" / split / polarity).mkdir(parents=True)
            (tmp_path / "acl" / split / polarity / "0_1.txt").write_text("word " * 50)
    with pytest.raises(DataError, match="larger than"):
        load_aclimdb(str(tmp_path / "acl"))
