"""Bad arguments end in a ValueError or TypeError that names the argument, before anything changes (issue 13).

Each case here was a crash from deep inside (AttributeError, IndexError, KeyError, OverflowError, RuntimeError), a
hang, or a silent acceptance of a value outside its range. The aclImdb loader's cases build the hostile files (a
FIFO, links to devices, dangling links, link loops, folders) in tmp_path.
"""
import os

import numpy as np
import pytest

from numpy_rnn import (
    GRU,
    LSTM,
    SGD,
    Adagrad,
    Adam,
    Bidirectional,
    Dense,
    Embedding,
    RMSprop,
    Sequential,
    SimpleRNN,
)
from numpy_rnn.checks import NoForwardPassError
from numpy_rnn.data import DataError, load_aclimdb, pad_sequences, texts_to_sequences
from numpy_rnn.data.imdb import split_train_val
from numpy_rnn.layers import Activation

RNG = np.random.default_rng(13)


def weights_of(layer):
    return [w.copy() for w in layer.get_weights()]


def assert_unchanged(before, layer):
    assert len(before) == len(layer.get_weights())
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- optimizers: Keras's ranges ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, name", [
    (lambda: Adam(beta_1=5), "beta_1"), (lambda: Adam(beta_1=1.0), "beta_1"), (lambda: Adam(beta_2=-3), "beta_2"),
    (lambda: Adam(epsilon=-1), "epsilon"), (lambda: RMSprop(rho=2), "rho"), (lambda: RMSprop(rho=1), "rho"),
    (lambda: RMSprop(epsilon=np.inf), "epsilon"), (lambda: Adagrad(initial_accumulator_value=-0.1),
                                                   "initial_accumulator_value"),
    (lambda: Adam(learning_rate=-1e-3), "learning_rate"), (lambda: SGD(momentum=1.5), "momentum"),
    (lambda: SGD(momentum=-0.1), "momentum"), (lambda: SGD(global_clipnorm=0), "global_clipnorm"),
    (lambda: Adam(learning_rate=np.nan), "learning_rate"),
])
def test_optimizer_values_outside_keras_ranges_are_refused(make, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        make()


@pytest.mark.parametrize("make, name", [
    (lambda: Adam(learning_rate=True), "learning_rate"), (lambda: SGD(momentum="a"), "momentum"),
    (lambda: SGD(learning_rate="0.1"), "learning_rate"), (lambda: Adam(beta_1=None), "beta_1"),
    (lambda: RMSprop(rho=[0.9]), "rho"), (lambda: SGD(nesterov="yes"), "nesterov"),
    (lambda: Adam(global_clipnorm="1"), "global_clipnorm"), (lambda: Adam(epsilon=1j), "epsilon"),
])
def test_optimizer_arguments_of_the_wrong_type_are_named(make, name):
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        make()


def test_optimizer_edges_of_the_ranges_and_numpy_scalars_are_accepted():
    SGD(momentum=1.0)  # Keras accepts momentum in [0, 1]
    Adam(beta_1=0.0, beta_2=0.0, epsilon=0.0)
    opt = Adam(learning_rate=np.float32(0.01), global_clipnorm=np.float32(1))
    assert type(opt.learning_rate) is float and type(opt.global_clipnorm) is float  # plain floats: JSON can save them


# -- compile and build ---------------------------------------------------------------------------------------------
def model():
    return Sequential([SimpleRNN(3), Dense(1)])


@pytest.mark.parametrize("kwargs, error, name", [
    ({"metrics": [5]}, TypeError, "metrics"), ({"metrics": "mae"}, TypeError, "metrics"),
    ({"weighted_metrics": [None]}, TypeError, "weighted_metrics"), ({"metrics": 3}, TypeError, "metrics"),
])
def test_compile_names_bad_metrics_and_changes_nothing(kwargs, error, name):
    m = model()
    m.compile("sgd", "mse", metrics=["mse"])
    before = (m.optimizer, m.loss, m.metrics)
    with pytest.raises(error, match=rf"\b{name}\b"):
        m.compile("adam", "mse", **kwargs)
    assert (m.optimizer, m.loss, m.metrics) == before


def test_compile_logs_a_callable_metric_without_a_name_under_its_class():
    class Zero:
        def __call__(self, y, out):
            return 0.0

    m = model()
    m.compile("sgd", "mse", metrics=[Zero()])
    assert m.metrics[0][0] == "Zero"


@pytest.mark.parametrize("shape, error", [((), ValueError), ((0, 3), ValueError), ((4, -1), ValueError),
                                          ((4, 2.5), TypeError), (5, TypeError), ("ab", TypeError),
                                          ((4, None), ValueError)])
def test_build_names_a_bad_input_shape_and_builds_nothing(shape, error):
    m = model()
    with pytest.raises(error, match="input_shape"):
        m.build(shape)
    assert not any(layer.built for layer in m.layers)
    assert m.build((np.int64(4), 2)) == (1,)  # NumPy integers are fine


# -- before forward: a documented ValueError subclass --------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: Dense(2, input_dim=3), lambda: Activation("sigmoid")])
def test_logits_and_backward_before_forward_raise_no_forward_pass_error(make):
    layer = make()
    with pytest.raises(NoForwardPassError, match="logits called before forward"):
        layer.logits
    with pytest.raises(NoForwardPassError, match="backward called before forward"):
        layer.backward(np.zeros((2, 2)))
    assert issubclass(NoForwardPassError, ValueError)


# -- weights in: from_torch and set_weights ------------------------------------------------------------------------
def built(layer, features=3):
    layer.build(features, np.random.default_rng(0))
    return layer


@pytest.mark.parametrize("make", [lambda: built(Dense(2)), lambda: built(Embedding(5, 2), 5),
                                  lambda: built(SimpleRNN(2)), lambda: built(LSTM(2)), lambda: built(GRU(2)),
                                  lambda: built(Bidirectional(GRU(2)))])
def test_from_torch_names_missing_and_unexpected_keys_and_changes_nothing(make):
    layer = make()
    good = layer.to_torch()
    before = weights_of(layer)
    broken = [{}, {**good, "extra": np.zeros(1)}, {k: v for k, v in list(good.items())[:-1]}]
    for state in broken:
        with pytest.raises(ValueError, match="state"):
            layer.from_torch(state)
        assert_unchanged(before, layer)
    with pytest.raises(TypeError, match="state"):
        layer.from_torch([1, 2])
    layer.from_torch({k: v * 0.5 for k, v in good.items()})  # the good path still loads
    assert not all(np.array_equal(a, b) for a, b in zip(before, layer.get_weights()))


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_from_torch_refuses_torch_shapes_that_do_not_fit_by_name(cls):
    layer = built(cls(2))
    state = layer.to_torch()
    state["bias_ih_l0"] = np.zeros(())  # a 0-d array: the GRU's block swap used to fail inside np.split
    with pytest.raises(ValueError, match="bias_ih_l0"):
        layer.from_torch(state)


def test_bidirectional_from_torch_is_all_or_nothing():
    layer = built(Bidirectional(LSTM(2)))
    state, before = layer.to_torch(), weights_of(layer)
    state = {k: v + 1 for k, v in state.items()}
    state["bias_hh_l0_reverse"] = np.zeros(3)  # only the backward direction is wrong
    with pytest.raises(ValueError, match="bias_hh_l0"):
        layer.from_torch(state)
    assert_unchanged(before, layer)  # the forward direction was not loaded either


@pytest.mark.parametrize("bad, error", [(1j, TypeError), ("a", TypeError), (None, TypeError), (np.nan, ValueError)])
def test_set_weights_refuses_complex_text_and_nan_values(bad, error):
    layer = built(Dense(2))
    before = weights_of(layer)
    weights = layer.get_weights()
    weights[0] = np.full(weights[0].shape, bad)
    with pytest.raises(error, match="weight 'W'"):
        layer.set_weights(weights)
    assert_unchanged(before, layer)


# -- initial_state ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_initial_state_with_nan_or_non_numbers_is_refused_before_building(cls):
    x = RNG.normal(size=(2, 4, 3))
    layer = cls(2)
    n = len(layer.state_names)
    for bad, error in [([np.full((2, 2), np.nan)] * n, ValueError), ([np.full((2, 2), np.inf)] * n, ValueError),
                       ([np.full((2, 2), "a")] * n, TypeError), ([np.full((2, 2), 1j)] * n, TypeError),
                       (5, TypeError)]:
        with pytest.raises(error, match="initial_state"):
            layer.forward(x, initial_state=bad)
        assert not layer.built
    layer.forward(x, initial_state=[np.ones((2, 2))] * n)


def test_bidirectional_checks_both_directions_initial_state_before_running_either():
    x = RNG.normal(size=(2, 4, 3))
    layer = Bidirectional(SimpleRNN(2))
    with pytest.raises(ValueError, match="initial_state"):
        layer.forward(x, initial_state=[np.zeros((2, 2)), np.full((2, 2), np.nan)])
    assert not layer.built and layer.forward_layer.cache is None


# -- data utilities -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("word_index, error", [(5, TypeError), (["a"], TypeError), ({"a": "1"}, TypeError),
                                               ({1: 1}, TypeError)])
def test_texts_to_sequences_names_a_bad_word_index(word_index, error):
    with pytest.raises(error, match="word_index"):
        texts_to_sequences(["a b"], word_index)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"rng": 5}, TypeError, "rng"), ({"rng": None}, TypeError, "rng"), ({"n_val": True}, ValueError, "n_val"),
    ({"x": [[1]] * 3}, ValueError, "x"), ({"y": np.zeros((4, 1))}, ValueError, "y"),
])
def test_split_train_val_names_a_bad_argument(kwargs, error, name):
    args = {"x": [[1], [2], [3], [4]], "y": [0, 1, 0, 1], "n_val": 2, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=rf"\b{name}\b"):
        split_train_val(**args)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"value": 1000, "dtype": np.int8}, ValueError, "value"), ({"value": -129, "dtype": np.int8}, ValueError, "value"),
    ({"value": np.nan}, ValueError, "value"), ({"value": np.inf}, ValueError, "value"),
    ({"value": 0.5}, ValueError, "value"), ({"value": 10**400}, ValueError, "value"),
    ({"value": 1e39, "dtype": np.float32}, ValueError, "value"), ({"value": "x"}, TypeError, "value"),
    ({"dtype": "U3"}, TypeError, "dtype"), ({"dtype": "no such"}, TypeError, "dtype"),
    ({"maxlen": 10**12}, ValueError, "maxlen"),
])
def test_pad_sequences_names_a_value_or_dtype_that_does_not_fit(kwargs, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        pad_sequences([[1]], **kwargs)


def test_pad_sequences_still_pads_with_any_value_its_dtype_holds():
    np.testing.assert_array_equal(pad_sequences([[1, 2], [3]], value=-1.0), [[1, 2], [-1, 3]])
    np.testing.assert_array_equal(pad_sequences([[5]], maxlen=2, value=127, dtype=np.int8), [[127, 5]])
    out = pad_sequences([[1]], maxlen=2, value=np.nan, dtype=np.float32)  # NaN is a float value: Keras allows it
    assert np.isnan(out[0, 0]) and out[0, 1] == 1


# -- load_aclimdb: only regular files, read with a bound ----------------------------------------------------------
def acl_folder(root):
    for split in ("train", "test"):
        for polarity in ("pos", "neg"):
            (root / split / polarity).mkdir(parents=True)
            (root / split / polarity / "0_7.txt").write_text("a fine film\r\nreally", encoding="utf-8")
    return root


def plant(root, make):
    """Put the hostile entry ``make(path)`` into train/pos as x.txt."""
    make(root / "train" / "pos" / "x.txt")


HOSTILE = {
    "fifo": lambda p: os.mkfifo(p),
    "link to /dev/zero": lambda p: os.symlink("/dev/zero", p),
    "link to /dev/urandom": lambda p: os.symlink("/dev/urandom", p),
    "dangling link": lambda p: os.symlink(p.parent / "missing.txt", p),
    "link loop": lambda p: (os.symlink(p.parent / "y.txt", p), os.symlink(p, p.parent / "y.txt")),
    "folder": lambda p: p.mkdir(),
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and symlinks")
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_load_aclimdb_refuses_what_is_not_a_regular_file_with_data_error(tmp_path, kind):
    root = acl_folder(tmp_path / "acl")
    plant(root, HOSTILE[kind])
    with pytest.raises(DataError, match="x.txt"):  # no hang, no endless read, no raw OSError
        load_aclimdb(str(root))


def test_load_aclimdb_reads_links_to_regular_files_as_before(tmp_path):
    root = acl_folder(tmp_path / "acl")
    (tmp_path / "elsewhere.txt").write_bytes("caf\u00e9\rok".encode())
    os.symlink(tmp_path / "elsewhere.txt", root / "test" / "neg" / "1_2.txt")
    (_, _), (texts, labels) = load_aclimdb(str(root))
    assert texts == ["a fine film\nreally", "a fine film\nreally", "caf\u00e9\nok"]  # universal newlines, as open()
    np.testing.assert_array_equal(labels, [1, 0, 0])


def test_load_aclimdb_never_reads_more_than_the_cap(tmp_path, monkeypatch):
    """A file that grows after its size was taken (here: a size that lies) is cut off by the bounded read."""
    import numpy_rnn.data.imdb as imdb
    monkeypatch.setattr(imdb, "MAX_REVIEW_BYTES", 10)
    root = acl_folder(tmp_path / "acl")
    (root / "train" / "pos" / "0_7.txt").write_text("x" * 5)
    (root / "train" / "neg" / "0_7.txt").write_text("x" * 11)
    with pytest.raises(DataError, match="larger than 10 bytes"):
        load_aclimdb(str(root))
    sizes = []
    real_fstat = os.fstat

    class Small:  # st_size says 0 (as /dev/zero's does), so only the bounded read stands in the way
        def __init__(self, status):
            self.st_mode, self.st_size = status.st_mode, 0

    monkeypatch.setattr(imdb.os, "fstat", lambda fd: Small(real_fstat(fd)))
    real_fdopen = os.fdopen

    class Spy:  # records how much each read asks for
        def __init__(self, file):
            self.file = file

        def read(self, n=-1):
            sizes.append(n)
            return self.file.read(n)

        def fileno(self):
            return self.file.fileno()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    def spying_fdopen(fd, *args):
        return Spy(real_fdopen(fd, *args))

    monkeypatch.setattr(imdb.os, "fdopen", spying_fdopen)
    with pytest.raises(DataError, match="larger than 10 bytes"):
        load_aclimdb(str(root))
    assert sizes and all(0 <= n <= 11 for n in sizes)

