"""Saving and loading models: one ``.npz`` file that can never run code, written so that a crash cannot corrupt it.

Every model is saved and loaded here (``save_model``, ``load_model``); the models only say what they keep.

File layout: an ordinary NumPy ``.npz`` archive holding

- ``__numpy_rnn__``: a JSON document stored as a plain string array: the format name and version, the model's kind,
  its configuration, its training history, the optimizer's settings and step count, and the state of its random
  generator (so that shuffling resumes exactly where it stopped);
- one array per weight (and per optimizer slot, and per carried state of stateful layers), under names like
  ``layers/0/W_x``, ``optimizer/0/W_x/m`` (slot m of that weight) or ``states/2/0`` (layer 2's first state).

What goes in, each part says for itself:

- a layer: ``get_config()`` (its constructor's arguments; with its class name it rebuilds the layer), ``params``
  (its weights), ``get_carried_states()`` / ``set_carried_states(states)`` (what a stateful layer carries);
- an optimizer: ``get_config()`` (its settings), ``iterations`` (its step count, which Adam's bias correction uses),
  ``get_slots()`` / ``set_slots(slots, params)`` (the arrays it keeps per weight: momenta, moments);
- a model class: ``file_kind`` (the kind written into the file and required when reading), ``file_param_names`` (the
  file's names for some weights, where the model has its own: the textbook's ``w1h``, ...),
  ``_file_description()`` (JSON: its configuration, compile settings and history, under its kind's keys),
  ``_from_file_description(meta)`` (the model rebuilt from those, its layers not necessarily built) and
  ``_file_layers()`` (its layers in order, and its optimizer or None).

Nothing in it is a Python object, so it is read with ``allow_pickle=False``: a model file can carry numbers and text,
never code. Writing goes to a temporary file in the same folder, flushed to disk, then renamed over the target: a
rename within one folder is atomic, so a crash mid-save leaves the previous file as it was.

Reading checks everything before anything is used: that the file is a zip archive of sane size, that it is a
numpy_rnn model of a known version and the expected kind, and that every expected array is present, has the shape the
configuration implies and holds finite numbers, and that there are no others. The model is built complete before it
is returned, so a bad file never leaves a half-loaded model behind.
"""
import json
import os
import tempfile
import zipfile

import numpy as np

from .layers import LAYER_CLASSES
from .optimizers import OPTIMIZERS

FORMAT = "numpy_rnn"
VERSION = 1
META_KEY = "__numpy_rnn__"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first local header, or an empty archive
MAX_BYTES = 4 * 2**30  # what the arrays of a file may unpack to; far above any model this library trains


class ModelFileError(ValueError):
    """A model file that cannot be loaded: not a numpy_rnn file, another version, or arrays that do not fit."""


def write_model_file(path, meta, arrays):
    """Write ``meta`` (JSON-able dict) and ``arrays`` (name -> array) to ``path`` atomically."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    payload = {META_KEY: np.array(json.dumps({"format": FORMAT, "version": VERSION, **meta}))}
    payload.update(arrays)
    fd, tmp = tempfile.mkstemp(prefix=".numpy_rnn-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def check_archive(path, error, what):
    """Raise ``error`` unless ``path`` is a readable zip archive (an .npz) whose members unpack to at most
    ``MAX_BYTES``, judged from the sizes the archive declares, before anything is unpacked."""
    if not os.path.isfile(path):
        raise error(f"{path!r}: no such file")
    # np.load decides what a file is from its first bytes, and reads anything that does not start like a zip archive
    # or an .npy file as a pickle (when pickles are allowed). zipfile looks for the archive's directory at the *end*,
    # so a pickle with a zip archive appended passes is_zipfile; the signature at offset 0 must be checked too.
    with open(path, "rb") as f:
        head = f.read(4)
    if head not in ZIP_SIGNATURES or not zipfile.is_zipfile(path):
        raise error(f"{path!r} is not {what}: not an .npz (zip) archive, or truncated")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile, ValueError) as problem:
        raise error(f"{path!r} could not be read as {what}: {problem}") from None
    if unpacked > MAX_BYTES:
        raise error(f"{path!r} would unpack to {unpacked / 2**30:.3g} GiB, more than {what} may hold "
                    f"({MAX_BYTES / 2**30:.3g} GiB)")


def read_model_file(path, kind):
    """Read a file written by ``write_model_file`` for a model of ``kind``; returns ``(meta, arrays)``.

    Raises ModelFileError for anything but a readable numpy_rnn file of this version and kind.
    """
    path = os.fspath(path)
    check_archive(path, ModelFileError, "a numpy_rnn model file")
    try:
        with np.load(path, allow_pickle=False) as f:
            if META_KEY not in f.files:
                raise ModelFileError(f"{path!r} is an .npz file but not a numpy_rnn model (no {META_KEY!r} entry)")
            meta = json.loads(str(f[META_KEY]))
            arrays = {name: f[name] for name in f.files if name != META_KEY}
    except ModelFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path!r} could not be read as a numpy_rnn model file: {error}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path!r} is not a numpy_rnn model file")
    if meta.get("version") != VERSION:
        raise ModelFileError(f"{path!r} has format version {meta.get('version')!r}; this numpy_rnn reads version "
                             f"{VERSION}")
    if meta.get("kind") != kind:
        raise ModelFileError(f"{path!r} holds a {meta.get('kind')!r}, not a {kind}")
    return meta, arrays


def check_arrays(path, arrays, expected):
    """Every name in ``expected`` (name -> shape) present in ``arrays`` with that shape and finite values, and no
    other names. Raises ModelFileError listing what is wrong."""
    problems = []
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing:
        problems.append(f"missing arrays {missing}")
    if extra:
        problems.append(f"unexpected arrays {extra}")
    for name in sorted(set(expected) & set(arrays)):
        a = arrays[name]
        if a.shape != tuple(expected[name]):
            problems.append(f"{name} has shape {a.shape}, the configuration needs {tuple(expected[name])}")
        elif a.dtype.kind not in "fiu":
            problems.append(f"{name} holds {a.dtype} values, not numbers")
        elif not np.all(np.isfinite(a)):
            problems.append(f"{name} holds NaN or infinite values")
    if problems:
        raise ModelFileError(f"{path!r} does not fit its configuration: " + "; ".join(problems))


def config_value(meta, path, *keys):
    """``meta[k1][k2]...``, or a ModelFileError naming what is missing."""
    value = meta
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise ModelFileError(f"{path!r} is missing {'.'.join(keys)} in its description")
        value = value[key]
    return value


def generator_state(rng):
    return rng.bit_generator.state


def restore_generator(state, path):
    """A ``np.random.Generator`` in the saved state (PCG64, NumPy's default)."""
    try:
        rng = np.random.default_rng()
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as error:
        raise ModelFileError(f"{path!r}: the saved random generator state is not valid: {error}") from None
    return rng


# -- layers and optimizers as JSON ----------------------------------------------------------------------------------
def layer_config(layer):
    """``{"class": ..., "config": ...}``: what ``layer_from_config`` rebuilds the (unbuilt) layer from."""
    return {"class": type(layer).__name__, "config": layer.get_config()}


def layer_from_config(entry):
    """The layer ``layer_config`` described; ValueError for an unknown class (TypeError/ValueError for bad args)."""
    if not isinstance(entry, dict) or entry.get("class") not in LAYER_CLASSES:
        raise ValueError(f"unknown layer class {entry.get('class') if isinstance(entry, dict) else entry!r}")
    return LAYER_CLASSES[entry["class"]](**entry["config"])


def optimizer_config(optimizer):
    """The optimizer's name, settings and step count (its per-weight arrays are saved as arrays)."""
    return {"optimizer": type(optimizer).__name__.lower(), "optimizer_config": optimizer.get_config(),
            "iterations": optimizer.iterations}


def optimizer_from_config(config):
    """The optimizer ``optimizer_config`` described, at its step count; ValueError/KeyError/TypeError otherwise."""
    optimizer = OPTIMIZERS[config["optimizer"]](**config["optimizer_config"])
    iterations = config["iterations"]
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"the optimizer's iterations must be a non-negative integer, got {iterations!r}")
    optimizer.iterations = iterations
    return optimizer


# -- whole models ---------------------------------------------------------------------------------------------------
def _param_names(model, layers):
    """``{file name: weight array}`` for every parameter of every layer."""
    names = {}
    for i, layer in enumerate(layers):
        for key, value in layer.params.items():
            generic = f"layers/{i}/{key}"
            names[model.file_param_names.get(generic, generic)] = value
    return names


def save_model(model, path):
    """Write ``model`` to ``path`` atomically: its description, every layer's weights and carried states, its
    optimizer's slots, and its random generator's state. Returns ``path``. Raises ValueError when the model cannot
    be described (see the model's ``save``)."""
    layers, optimizer = model._file_layers()
    meta = {"kind": model.file_kind, **model._file_description(), "rng": generator_state(model._rng)}
    arrays = _param_names(model, layers)
    for i, layer in enumerate(layers):
        for j, state in enumerate(layer.get_carried_states()):
            arrays[f"states/{i}/{j}"] = state
    if optimizer is not None:
        for (i, name, slot), value in optimizer.get_slots().items():
            arrays[f"optimizer/{i}/{name}/{slot}"] = value
    return write_model_file(path, meta, arrays)


def _index(text, count):
    """``int(text)`` when it is the number of one of ``count`` things, else None."""
    return int(text) if text.isdigit() and int(text) < count else None


def load_model(cls, path):
    """The model of class ``cls`` saved at ``path``, complete: weights, carried states, optimizer slots and step
    count, history and random generator, so that training continues exactly.

    Everything is checked before it is used (see the module docstring); the model is only returned whole. Raises
    ModelFileError (a ValueError) for a file that is not such a model or does not fit its own description.
    """
    meta, arrays = read_model_file(path, cls.file_kind)
    try:
        model = cls._from_file_description(meta)
        layers, optimizer = model._file_layers()
        for layer in layers:
            if not layer.built:
                layer.build(layer.input_dim, model._rng)  # placeholder values, replaced below
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise ModelFileError(f"{path!r} holds an invalid configuration: {error}") from None

    # What the file must hold: the weights, with the shapes the description gives them. Carried states and optimizer
    # slots are there only for the layers and weights that have them; the layer and the optimizer check their shapes.
    params = _param_names(model, layers)
    expected = {name: value.shape for name, value in params.items()}
    states, slots = {}, {}
    for name, value in arrays.items():
        kind, *where = name.split("/")
        i = _index(where[0], len(layers)) if where else None
        if i is None:
            continue  # not a name of this model: check_arrays reports it
        if kind == "states" and len(where) == 2 and where[1].isdigit():
            states.setdefault(i, {})[int(where[1])] = value
            expected[name] = value.shape
        elif kind == "optimizer" and optimizer is not None and len(where) == 3:
            slots[(i, where[1], where[2])] = value
            expected[name] = value.shape
    check_arrays(path, arrays, expected)

    try:
        for i, carried in states.items():
            if sorted(carried) != list(range(len(carried))):
                raise ValueError(f"the states of layer {i} are numbered {sorted(carried)}, not 0, 1, ...")
            layers[i].set_carried_states([carried[j] for j in range(len(carried))])
        if optimizer is not None:
            optimizer.set_slots(slots, [layer.params for layer in layers])
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path!r} does not fit its configuration: {error}") from None
    for name, value in params.items():
        value[...] = arrays[name]
    restored = restore_generator(config_value(meta, path, "rng"), path)
    # Into the model's own generator, the one its layers were built with and draw their dropout masks from.
    model._rng.bit_generator.state = restored.bit_generator.state
    return model
