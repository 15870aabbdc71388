"""When you outgrow numpy_rnn: a model as a Keras model or a PyTorch module, with the weights it learned, and a Keras
model back as a numpy_rnn one. ``Sequential.to_keras``, ``Sequential.from_keras`` and ``Sequential.to_torch`` call
the three functions at the end of this file.

numpy_rnn's layers already have Keras's names, arguments and weight layouts (``get_weights()`` gives Keras's arrays),
so most of the way to Keras is one Keras layer per layer, built from the same arguments, then ``set_weights``:

    numpy_rnn                         Keras 3 (keras.layers)               PyTorch (export_torch.py)
    Embedding(V, D, mask_zero)        Embedding(V, D, mask_zero)           nn.Embedding(V, D); the mask ids != 0
    SimpleRNN(H, activation)          SimpleRNN(H, activation)             nn.RNN(F, H, nonlinearity): tanh, relu
    LSTM(H)                           LSTM(H)                              nn.LSTM(F, H)
    GRU(H)                            GRU(H, reset_after=True)             nn.GRU(F, H)   (gates r, z, n)
      recurrent arguments: return_sequences, go_backwards, stateful, dropout, recurrent_dropout, the same in Keras;
      PyTorch: a mask and go_backwards as numpy_rnn does them (export_torch.py)
    Dense(U, activation)              Dense(U, activation)                 nn.Linear(F, U) and the activation
    Dropout(rate, noise_shape)        Dropout(rate, noise_shape)           inverted dropout with noise_shape
    Masking(mask_value)               Masking(mask_value)                  the mask any(x != mask_value)
    Flatten(), Activation(a)          Flatten(), Activation(a)             reshape, the activation
    TimeDistributed(layer)            TimeDistributed(layer)               the layer on (B * T, ...) rows
    Bidirectional(layer, merge_mode)  Bidirectional(layer, merge_mode,     both directions, merged
                                        backward_layer)

and the model: ``keras.Sequential`` with an input layer of the model's input shape (a stateful model's batch size
fixed, as Keras needs), compiled with the same loss, optimizer and metrics; or export_torch's ``Sequential``.

What does not go across, and why:

- LayerNormSimpleRNN: Keras 3 and PyTorch have no such layer. Refused, by name.
- ``Dense(tied_to=embedding)``: Keras has no tied kernel (its Dense owns its kernel). Refused for Keras; the PyTorch
  module shares the Embedding's weight, as PyTorch ties (``linear.weight = embedding.weight``).
- ``bptt_steps``: Keras and PyTorch backpropagate through every step of a batch. The outputs are the same, so the
  model is exported, with a warning that the truncation is dropped (cut long sequences into windows instead).
- Token ids read as one-hot rows by a first layer that is not an Embedding: Keras layers read features, so to_keras
  refuses them (put an Embedding first); the PyTorch module reads them (export_torch.py).
- The optimizer's slots (momentum, Adam's moments, its step count): the Keras optimizer starts fresh, with the same
  hyper-parameters and the learning rate the model has reached (a schedule may have lowered it). Keras's optimizers
  keep their slots in private variables, which no public API sets.
- Metrics Keras does not have (last_time_step_mse, perplexity, functions of your own): left out, with a warning.
- dtype: the Keras model and the PyTorch module compute in float32 (Keras's default, and a GPU's); the outputs agree
  with numpy_rnn's to float32 precision.
- Recurrent ``dropout`` / ``recurrent_dropout`` in PyTorch: nn.LSTM has no such masks; the module predicts exactly
  as numpy_rnn does, but trains without them (a warning says so). Keras has them, and keeps them.

``from_keras`` reads a ``keras.Sequential`` back: every layer numpy_rnn has, with the settings numpy_rnn has
(``use_bias=True``, the default gate activations, ``reset_after=True``, no regularizers or constraints); anything
else is refused by name, so that what arrives computes what Keras computed.

Every function checks all of the model before it builds anything, and raises ValueError (TypeError for what is not
a model) naming what cannot go across. Keras and torch are imported only when called: neither is a requirement.
"""
import warnings

import numpy as np

from .activations import ACTIVATIONS, ELEMENTWISE
from .cells import GRUCell, LSTMCell, SimpleRNNCell
from .checks import check_dtype, check_positive_int
from .layers import (GRU, LSTM, RNN, Activation, Bidirectional, Dense, Dropout, Embedding, Flatten, LayerNormSimpleRNN,
                     Masking, SimpleRNN, TimeDistributed)
from .metrics import METRICS
from .optimizers import SGD, Adagrad, Adam, RMSprop

OPTIMIZERS = (SGD, RMSprop, Adam, Adagrad)  # the same class names, arguments and formulas in Keras
KERAS_LOSSES = {"mse": "mse", "mean_squared_error": "mse", "binary_crossentropy": "binary_crossentropy",
                "categorical_crossentropy": "categorical_crossentropy",
                "sparse_categorical_crossentropy": "sparse_categorical_crossentropy"}
KERAS_METRICS = {"accuracy": "accuracy", "acc": "accuracy", "mse": "mse", "mean_squared_error": "mse"}
RECURRENT = {SimpleRNNCell: "SimpleRNN", LSTMCell: "LSTM", GRUCell: "GRU"}  # a layer's class name in Keras, by cell
SUPPORTED = ("Embedding", "SimpleRNN", "LSTM", "GRU", "Dense", "Dropout", "Masking", "Flatten", "Activation",
             "TimeDistributed", "Bidirectional")


# -- what cannot go across, checked before anything is built ------------------------------------------------------------
def _recurrent_kind(layer):
    """"SimpleRNN", "LSTM" or "GRU" for a recurrent layer of those cells, else None."""
    return RECURRENT.get(type(layer.cell)) if isinstance(layer, RNN) else None


def _check_exportable(layer, target, first=False, ids=False):
    """ValueError naming ``layer`` when ``target`` ("Keras" or "PyTorch") has no counterpart for it; warnings for
    what is dropped. ``first``/``ids``: the layer is the model's first and reads token ids."""
    inner = [layer.forward_layer, layer.backward_layer] if isinstance(layer, Bidirectional) else (
        [layer.layer] if isinstance(layer, TimeDistributed) else [])
    for sub in inner:
        _check_exportable(sub, target, first, ids)
    if inner:
        return
    if isinstance(layer, LayerNormSimpleRNN):
        raise ValueError(f"{layer.name}: {target} has no layer-normalized SimpleRNN layer (LayerNormSimpleRNN); "
                         "use a SimpleRNN, LSTM or GRU to export the model")
    if isinstance(layer, RNN) and _recurrent_kind(layer) is None:
        raise ValueError(f"{layer.name}: an RNN of the cell {type(layer.cell).__name__} has no {target} counterpart; "
                         "only SimpleRNN, LSTM and GRU cells go across")
    if isinstance(layer, Dense) and layer.tied_to is not None and target == "Keras":
        raise ValueError(f"{layer.name}: Keras has no Dense tied to an Embedding (tied_to=); a Keras Dense owns its "
                         "kernel. Export to PyTorch (to_torch shares the table), or train an untied model")
    if not isinstance(layer, (RNN, Dense, Embedding, Dropout, Masking, Flatten, Activation)):
        raise ValueError(f"{layer.name}: {type(layer).__name__} has no {target} counterpart here; the layers that go "
                         f"across are {', '.join(SUPPORTED)}")
    if ids and first and not isinstance(layer, Embedding) and target == "Keras":
        raise ValueError(f"{layer.name} reads token ids as one-hot rows, and Keras layers read features: put an "
                         "Embedding first, or give to_keras(input_shape=(steps, vocabulary)) and one-hot the ids")
    if isinstance(layer, RNN):
        if layer.bptt_steps is not None:
            warnings.warn(f"{layer.name}: bptt_steps={layer.bptt_steps} is dropped: {target} backpropagates through "
                          "every step of a batch (cut long sequences into windows of that length instead)",
                          stacklevel=4)
        if target == "PyTorch" and getattr(layer, "activation", "tanh") not in ("tanh", "relu"):
            raise ValueError(f"{layer.name}: PyTorch's nn.RNN has the activations tanh and relu, not "
                             f"{layer.activation!r}")
        if target == "PyTorch" and (layer.dropout or layer.recurrent_dropout):
            warnings.warn(f"{layer.name}: PyTorch's recurrent modules have no dropout or recurrent_dropout masks; the "
                          "module predicts as numpy_rnn does but trains without them", stacklevel=4)


def _first_reads_ids(model, input_shape):
    """Whether the model's first layer reads token ids: an Embedding, or a layer that needs sequences given an input
    shape of one axis, (steps,)."""
    first = model.layers[0]
    return first.reads_token_ids_only or (len(input_shape) == 1 and first.needs_sequences)


def _input_shape(model, input_shape):
    """The input shape without the batch axis: ``input_shape``, or the one the first layer declared, or else what the
    layers tell: (steps, F) when a layer needs sequences before any layer reduces them, (F,) otherwise."""
    from .model import _check_input_shape

    if input_shape is not None:
        return _check_input_shape(input_shape)
    declared = model._declared_input_shape()
    if declared is not None:
        return tuple(declared)
    first = model.layers[0]
    if first.reads_token_ids_only:
        return (None,)
    for layer in model.layers:
        if layer.needs_sequences:
            return (None, first.input_dim)
        if layer.output_kind("sequence") != "sequence":
            break  # a Flatten: what it had is not told by what comes after
    return (first.input_dim,)


# -- to Keras -------------------------------------------------------------------------------------------------------------
def _import_keras():
    try:
        import keras
    except ImportError:
        raise ImportError("to_keras and from_keras need Keras 3 (pip install tensorflow, or keras with a backend)") \
            from None
    return keras


def _keras_layer(layer, keras):
    """The Keras layer with ``layer``'s arguments (its weights are set once the Keras model is built)."""
    L, name = keras.layers, layer.name
    if isinstance(layer, Embedding):
        return L.Embedding(layer.input_dim, layer.output_dim, mask_zero=layer.mask_zero, name=name)
    if isinstance(layer, RNN):
        kind = _recurrent_kind(layer)
        extra = {"activation": layer.cell.activation} if kind == "SimpleRNN" else (
            {"reset_after": True} if kind == "GRU" else {})
        return getattr(L, kind)(layer.units, return_sequences=layer.return_sequences, go_backwards=layer.go_backwards,
                                stateful=layer.stateful, dropout=layer.dropout,
                                recurrent_dropout=layer.recurrent_dropout, name=name, **extra)
    if isinstance(layer, Dense):
        return L.Dense(layer.units, activation=layer.activation, name=name)
    if isinstance(layer, Dropout):
        return L.Dropout(layer.rate, noise_shape=layer.noise_shape, name=name)
    if isinstance(layer, Masking):
        return L.Masking(layer.mask_value, name=name)
    if isinstance(layer, Flatten):
        return L.Flatten(name=name)
    if isinstance(layer, Activation):
        return L.Activation(layer.activation, name=name)
    if isinstance(layer, TimeDistributed):
        return L.TimeDistributed(_keras_layer(layer.layer, keras), name=name)
    return L.Bidirectional(_keras_layer(layer.forward_layer, keras), merge_mode=layer.merge_mode,
                           backward_layer=_keras_layer(layer.backward_layer, keras), name=name)


def _keras_compile_arguments(model, keras):
    """``compile``'s arguments for the Keras model: the same loss, optimizer (its hyper-parameters and the learning
    rate reached) and the metrics Keras has. ValueError for a loss or optimizer Keras does not have."""
    optimizer = model.optimizer
    if type(optimizer) not in OPTIMIZERS:
        raise ValueError(f"compile: Keras has no optimizer {type(optimizer).__name__}; to_keras(compile=False) "
                         "exports the model uncompiled")
    if not isinstance(model.loss, str):
        raise ValueError("compile: the model's loss is a function of your own, which Keras cannot run; "
                         "to_keras(compile=False) exports the model uncompiled, to compile with a Keras loss")
    metrics, weighted, dropped = [], [], []
    for into, pairs in ((metrics, model.metrics), (weighted, model.weighted_metrics)):
        for name, fn in pairs:
            known = [n for n, f in METRICS.items() if f is fn and n in KERAS_METRICS]
            if known:
                into.append(KERAS_METRICS[known[0]])
            else:
                dropped.append(name)
    if dropped:
        warnings.warn(f"to_keras: Keras has no metric {', '.join(dropped)}; the Keras model is compiled without it",
                      stacklevel=3)
    # get_config() gives the constructor's arguments under Keras's names: learning_rate (the current one),
    # momentum/nesterov, rho, beta_1/beta_2, initial_accumulator_value, epsilon, global_clipnorm
    keras_optimizer = getattr(keras.optimizers, type(optimizer).__name__)(**optimizer.get_config())
    return {"optimizer": keras_optimizer, "loss": KERAS_LOSSES[model.loss], "metrics": metrics or None,
            "weighted_metrics": weighted or None}


def _carried_states(layer):
    """``[(keras-side layer path, states)]``: the states a stateful layer carries (both directions of a
    Bidirectional)."""
    if isinstance(layer, Bidirectional):
        return [("forward_layer", layer.forward_layer.get_carried_states()),
                ("backward_layer", layer.backward_layer.get_carried_states())]
    return [(None, layer.get_carried_states())]


def to_keras(model, batch_size=None, input_shape=None, compile=True):
    """``model`` (a built Sequential) as a ``keras.Sequential`` with the same layers and weights; see the module
    docstring for what goes across. ``batch_size``: the fixed batch size a stateful model needs in Keras (required
    then; a stateful layer's carried states of that batch size go across too). ``input_shape``: the input shape
    without the batch axis, if the first layer was not given one. ``compile``: compile the Keras model as the model
    is compiled (if it is). Raises ValueError naming what cannot go across, ImportError without Keras."""
    model._require_built()
    batch_size = check_positive_int(batch_size, "batch_size", allow_none=True)
    stateful = [layer.name for layer in model.layers if layer.stateful]
    if stateful and batch_size is None:
        raise ValueError(f"batch_size: {', '.join(stateful)} is stateful, and a stateful Keras model needs a fixed "
                         "batch size: give to_keras(batch_size=...), the number of streams")
    shape = _input_shape(model, input_shape)
    ids = _first_reads_ids(model, shape)
    for i, layer in enumerate(model.layers):
        _check_exportable(layer, "Keras", first=i == 0, ids=ids)
    keras = _import_keras()
    arguments = _keras_compile_arguments(model, keras) if compile and model.optimizer is not None else None

    inputs = keras.layers.InputLayer(shape=shape, batch_size=batch_size, dtype="int32" if ids else "float32")
    keras_model = keras.Sequential([inputs] + [_keras_layer(layer, keras) for layer in model.layers],
                                   name=model.name)
    for layer, keras_layer in zip(model.layers, keras_model.layers):
        keras_layer.set_weights(layer.get_weights())
        for path, states in _carried_states(layer) if layer.stateful else []:
            target = keras_layer if path is None else getattr(keras_layer, path)
            if states and len(states[0]) == batch_size:
                for variable, value in zip(target.states, states):
                    variable.assign(value.astype(np.float32))
    if arguments is not None:
        keras_model.compile(**arguments)
    return keras_model


# -- from Keras -----------------------------------------------------------------------------------------------------------
def _refuse(keras_layer, what):
    raise ValueError(f"from_keras: {keras_layer.name} ({type(keras_layer).__name__}) {what}")


def _check_keras_config(keras_layer, config, required):
    """ValueError unless every ``required`` setting has its value in ``config`` and no regularizer or constraint is
    set (numpy_rnn has none: the model would train otherwise)."""
    for key, value in required.items():
        if key in config and config[key] != value:
            _refuse(keras_layer, f"has {key}={config[key]!r}; numpy_rnn's layer has {key}={value!r} only")
    for key, value in config.items():
        if key.endswith(("_regularizer", "_constraint")) and value is not None:
            _refuse(keras_layer, f"has {key}; numpy_rnn has no regularizers or constraints")


def _activation_name(keras_layer, config, allowed):
    name = config.get("activation")
    if not isinstance(name, str) or name not in allowed:
        _refuse(keras_layer, f"has the activation {name!r}; numpy_rnn has {', '.join(sorted(allowed))}")
    return name


def _from_keras_layer(keras_layer, kwargs):
    """The numpy_rnn layer computing what ``keras_layer`` computes (unbuilt), ``kwargs`` added to its arguments."""
    kind, config = type(keras_layer).__name__, keras_layer.get_config()
    name = {"name": keras_layer.name, **kwargs}
    recurrent = {"return_sequences": config.get("return_sequences"), "go_backwards": config.get("go_backwards"),
                 "stateful": config.get("stateful"), "dropout": config.get("dropout"),
                 "recurrent_dropout": config.get("recurrent_dropout")}
    if kind not in SUPPORTED:
        _refuse(keras_layer, f"has no numpy_rnn counterpart; numpy_rnn has {', '.join(SUPPORTED)}")
    if kind in ("SimpleRNN", "LSTM", "GRU") and config.get("return_state"):
        _refuse(keras_layer, "returns its states, which no layer after it can take in a Sequential model")
    if kind == "Embedding":
        _check_keras_config(keras_layer, config, {})
        return Embedding(config["input_dim"], config["output_dim"], mask_zero=config["mask_zero"], **name)
    if kind == "SimpleRNN":
        _check_keras_config(keras_layer, config, {"use_bias": True})
        activation = _activation_name(keras_layer, config, ELEMENTWISE)
        return SimpleRNN(config["units"], activation=activation, **recurrent, **name)
    if kind in ("LSTM", "GRU"):
        required = {"use_bias": True, "activation": "tanh", "recurrent_activation": "sigmoid"}
        _check_keras_config(keras_layer, config, {**required, **({"reset_after": True} if kind == "GRU" else {})})
        return (LSTM if kind == "LSTM" else GRU)(config["units"], **recurrent, **name)
    if kind == "Dense":
        _check_keras_config(keras_layer, config, {"use_bias": True})
        return Dense(config["units"], activation=_activation_name(keras_layer, config, ACTIVATIONS), **name)
    if kind == "Dropout":
        return Dropout(config["rate"], noise_shape=config.get("noise_shape"), **name)
    if kind == "Masking":
        return Masking(config["mask_value"], **name)
    if kind == "Flatten":
        if config.get("data_format") not in (None, "channels_last"):
            _refuse(keras_layer, "flattens channels first; numpy_rnn's Flatten keeps the row-major order")
        return Flatten(**name)
    if kind == "Activation":
        return Activation(_activation_name(keras_layer, config, ACTIVATIONS), **name)
    if kind == "TimeDistributed":
        return TimeDistributed(_from_keras_layer(keras_layer.layer, {}), **name)
    forward, backward = (_from_keras_layer(sub, {}) for sub in (keras_layer.forward_layer, keras_layer.backward_layer))
    return Bidirectional(forward, merge_mode=keras_layer.merge_mode, backward_layer=backward, **name)


def _compile_from_keras(keras_model):
    """``(optimizer, loss, metrics, weighted_metrics)`` for numpy_rnn's compile from a compiled Keras model's, or
    ValueError naming what numpy_rnn does not have."""
    optimizer = keras_model.optimizer
    kind = type(optimizer).__name__
    by_name = {cls.__name__: cls for cls in OPTIMIZERS}
    if kind not in by_name:
        raise ValueError(f"from_keras: numpy_rnn has no optimizer {kind}; it has {', '.join(by_name)} "
                         "(from_keras(compile=False) reads the model uncompiled)")
    config = optimizer.get_config()
    # settings numpy_rnn's optimizers do not have, with the values that mean "not used"
    absent = {"clipnorm": None, "clipvalue": None, "weight_decay": None, "use_ema": False, "amsgrad": False,
              "centered": False, **({"momentum": 0.0} if kind == "RMSprop" else {})}
    for key, default in absent.items():
        if config.get(key, default) != default:
            raise ValueError(f"from_keras: the optimizer has {key}={config[key]!r}, which numpy_rnn's {kind} does "
                             "not have (from_keras(compile=False) reads the model uncompiled)")
    if not isinstance(config["learning_rate"], (int, float)):
        raise ValueError("from_keras: the optimizer's learning rate is a schedule; numpy_rnn's schedules are "
                         "callbacks (LearningRateScheduler): from_keras(compile=False), then compile and add one")
    names = ("learning_rate", "momentum", "nesterov", "rho", "beta_1", "beta_2", "epsilon", "initial_accumulator_value",
             "global_clipnorm")
    # Keras's config holds the learning rate reached (a callback may have lowered it), not the first one
    arguments = {k: config[k] for k in names if k in config and k in by_name[kind]().get_config()}

    loss = keras_model.loss
    loss_name = getattr(loss, "name", None) if not isinstance(loss, str) else loss
    if not isinstance(loss, str):  # a Loss object: keras.losses.MeanSquaredError() is named mean_squared_error
        loss_config = loss.get_config() if hasattr(loss, "get_config") else {}
        if loss_config.get("from_logits") or loss_config.get("label_smoothing"):
            loss_name = None
    if loss_name not in KERAS_LOSSES:
        raise ValueError(f"from_keras: numpy_rnn has no loss {loss!r}; it has {', '.join(KERAS_LOSSES)} "
                         "(from probabilities: no from_logits or label_smoothing)")
    compile_config = keras_model.get_compile_config() or {}
    metrics = []
    for group in ("metrics", "weighted_metrics"):
        names = compile_config.get(group) or []
        if any(not isinstance(n, str) or n not in KERAS_METRICS for n in names):
            raise ValueError(f"from_keras: {group} {names!r}: numpy_rnn reads {', '.join(KERAS_METRICS)} by name")
        metrics.append([KERAS_METRICS[n] for n in names] or None)
    return by_name[kind](**arguments), loss_name, metrics[0], metrics[1]


def from_keras(cls, keras_model, dtype=None, compile=True):
    """A ``cls`` (Sequential) model with the layers and weights of ``keras_model``, a ``keras.Sequential``; compiled
    as it is (if it is and ``compile``). ``dtype``: the one the model computes in, by default Keras's
    (float32 unless the Keras model says otherwise). Raises TypeError for anything but a Keras Sequential and
    ValueError naming a layer or setting numpy_rnn does not have."""
    keras = _import_keras()
    if not isinstance(keras_model, keras.Sequential):
        raise TypeError(f"keras_model must be a keras.Sequential, got {type(keras_model).__name__}")
    if not keras_model.built:
        raise ValueError("keras_model must be built (give it a keras.Input, or call it once) to have weights")
    dtype = check_dtype(keras_model.layers[0].compute_dtype if dtype is None else dtype)
    shape = tuple(keras_model.input_shape[1:])
    layers = [_from_keras_layer(layer, {"input_shape": shape} if i == 0 else {})
              for i, layer in enumerate(keras_model.layers)]
    compiled = compile and getattr(keras_model, "compiled", False) and keras_model.optimizer is not None
    arguments = _compile_from_keras(keras_model) if compiled else None
    model = cls(layers, dtype=dtype.name, name=keras_model.name)
    model.build(shape)
    for layer, keras_layer in zip(model.layers, keras_model.layers):
        layer.set_weights(keras_layer.get_weights())
    if arguments is not None:
        model.compile(*arguments)
    return model


# -- to PyTorch -----------------------------------------------------------------------------------------------------------
def _tensor(torch, array):
    return torch.tensor(np.ascontiguousarray(array), dtype=torch.float32)


def _torch_layer(layer, nt, torch, ids, shared):
    """The export_torch module (``nt``) computing what ``layer`` does, loaded with its weights (``layer.to_torch()``
    for the state dicts). ``ids``: the layer reads token ids. ``shared``: our Embedding -> its torch module, for a
    tied Dense to share the table."""
    if isinstance(layer, Embedding):
        module = nt.Embedding(_tensor(torch, layer.params["W"]), layer.mask_zero)
        shared[layer] = module
        return module
    if isinstance(layer, RNN):
        kind = _recurrent_kind(layer)
        state = layer.to_torch()
        table = None
        if ids:  # the rows of the input weight, and an identity for nn.LSTM's (export_torch.py)
            table = _tensor(torch, state["weight_ih_l0"].T)
            state["weight_ih_l0"] = np.eye(len(table.T), dtype=np.float32)
        extra = {"nonlinearity": layer.cell.activation} if kind == "SimpleRNN" else {}
        input_size = state["weight_ih_l0"].shape[1]
        rnn = getattr(torch.nn, {"SimpleRNN": "RNN"}.get(kind, kind))(input_size, layer.units, batch_first=True,
                                                                       **extra)
        rnn.load_state_dict({k: _tensor(torch, v) for k, v in state.items()})
        if ids:
            rnn.weight_ih_l0.requires_grad_(False)
        carried = layer.get_carried_states()
        states = [_tensor(torch, s)[None] for s in carried] if carried else None
        return nt.Recurrent(rnn, layer.return_sequences, layer.go_backwards, layer.stateful, table, states)
    if isinstance(layer, Dense):
        linear = torch.nn.Linear(layer.input_dim, layer.units)
        state = layer.to_torch()
        linear.load_state_dict({k: _tensor(torch, v) for k, v in state.items()})
        if layer.tied_to is not None:  # one table for both uses, as PyTorch ties
            linear.weight = shared[layer.tied_to].embedding.weight
        return nt.Dense(linear, layer.activation)
    if isinstance(layer, Dropout):
        return nt.Dropout(layer.rate, layer.noise_shape)
    if isinstance(layer, Masking):
        return nt.Masking(layer.mask_value)
    if isinstance(layer, Flatten):
        return nt.Flatten()
    if isinstance(layer, Activation):
        return nt.Activation(layer.activation)
    if isinstance(layer, TimeDistributed):
        return nt.TimeDistributed(_torch_layer(layer.layer, nt, torch, ids, shared))
    forward, backward = (_torch_layer(sub, nt, torch, ids, shared)
                         for sub in (layer.forward_layer, layer.backward_layer))
    return nt.Bidirectional(forward, backward, layer.merge_mode)


def to_torch(model, input_shape=None):
    """``model`` (a built Sequential) as a torch ``nn.Module`` (export_torch.Sequential) whose ``forward`` gives the
    model's outputs on the same input, in float32. ``input_shape``: as for to_keras; one axis (steps,) means the
    first layer reads token ids. Raises ValueError naming what cannot go across, ImportError without torch."""
    model._require_built()
    shape = _input_shape(model, input_shape)
    ids = _first_reads_ids(model, shape)
    for i, layer in enumerate(model.layers):
        _check_exportable(layer, "PyTorch", first=i == 0, ids=ids)
    try:
        import torch

        from . import export_torch as nt
    except ImportError:
        raise ImportError("to_torch needs PyTorch (pip install torch)") from None
    shared = {}
    modules = [_torch_layer(layer, nt, torch, ids and i == 0, shared) for i, layer in enumerate(model.layers)]
    return nt.Sequential(modules, name=model.name)
