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
  ``_from_file_description(meta, placeholders)`` (the model rebuilt from those, its layers unbuilt or built with
  ``placeholders`` as their generator: zeros, replaced by the file's weights) and
  ``_file_layers()`` (its layers in order, and its optimizer or None).

Nothing in it is a Python object, so it is never unpickled: a model file can carry numbers and text, never code.

Writing (``write_model_file``) turns NumPy scalars in the description into Python numbers (``np.int64(3)`` is 3), and
refuses, before any file is touched, what JSON cannot hold (a Python object: TypeError). It writes to a temporary
file in the target's folder, flushed to disk, then renamed over the target: a rename within one folder is atomic, so
a crash mid-save leaves the previous file as it was. The temporary is named
``.numpy_rnn-<hash of the target's name>-<process id>-<random>.tmp``, so that the next save of the same target can
safely remove those a killed process left behind: only that target's, and only those whose process is no longer
running (on this machine; not on Windows, where no such check is safe). The file gets the mode ``np.savez`` would give
it: ``0o666`` less the umask for a new file, the old file's mode when overwriting. Saving to a symbolic link writes to
the file it points to, as ``np.savez`` does, and leaves the link in place.

Reading (``load_model``) checks everything before using anything, in this order, and raises ``ModelFileError`` (a
ValueError, and nothing else) for the first thing wrong:

1. the archive (``check_archive``, ``open_members``): a zip archive from its first byte, whose directory declares at
   most ``MAX_BYTES`` unpacked, with members named ``<array>.npy``, each once, stored or deflated (what ``np.savez``
   and ``np.savez_compressed`` write) and not encrypted;
2. the description (``read_description``): the JSON document, at most ``MAX_META_BYTES``, nested at most
   ``MAX_JSON_DEPTH`` deep; a numpy_rnn model of this version and of the expected kind (its settings are checked by
   what takes them, in step 4);
3. every other member's ``.npy`` header (``read_header``), without its data: a known header version, a plain numeric
   dtype, and a declared size that is exactly what the member holds (so it cannot claim 2**40 numbers, or hide more);
4. the configuration (``build_placeholders``): the model rebuilt from its description, its layers built with zeros in
   place of their weights (no initializer runs, TensorFlow is never imported), and never more numbers than the file's
   arrays hold, so an edited size (``Embedding(10**9, 1000)``) is refused before it is allocated;
5. the names (``expected_arrays``, ``check_headers``): every weight, every optimizer slot (all of them once the
   optimizer holds any, or has stepped), carried states only for stateful layers and only as many as they carry; each
   with its shape, and nothing else;
6. the data (``read_arrays``): each member read and decompressed, and finite;
7. the parts: carried states and optimizer slots checked by the layers and the optimizer that take them, then the
   weights and the random generator's state.

The model is built complete before it is returned, so a bad file never leaves a half-loaded model behind, and loading a
bad file of any size takes well under a second and little memory.
"""
import hashlib
import json
import lzma
import math
import os
import re
import secrets
import stat
import tokenize
import zipfile
import zlib

import numpy as np

from .layers import LAYER_CLASSES, Layer
from .optimizers import OPTIMIZERS

FORMAT = "numpy_rnn"
VERSION = 1
META_KEY = "__numpy_rnn__"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first local header, or an empty archive
MAX_BYTES = 4 * 2**30  # what the arrays of a file may unpack to; far above any model this library trains
MAX_META_BYTES = 16 * 2**20  # the description's .npy member (4 bytes a character): a history of ~100,000 epochs
MAX_JSON_DEPTH = 32  # a description nests about 8 deep (a Bidirectional's layer's cell's config)
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what np.savez and np.savez_compressed write
# Everything reading an untrusted archive, .npy header, JSON document or configuration can raise: each stage turns
# these into ModelFileError, so that nothing else ever escapes from load.
FILE_PROBLEMS = (OSError, EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
                 RecursionError, MemoryError, NotImplementedError, RuntimeError, zlib.error, lzma.LZMAError,
                 zipfile.BadZipFile, SyntaxError, tokenize.TokenError)  # the last two: an .npy header's dict


class ModelFileError(ValueError):
    """A model file that cannot be loaded: not a numpy_rnn file, another version, or arrays that do not fit."""


# -- writing ----------------------------------------------------------------------------------------------------------
def _plain(value):
    """``json.dumps``'s fallback: NumPy scalars as the Python numbers they are; TypeError for anything else."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"a {type(value).__name__} ({value!r}) cannot be written into a model file, which holds only "
                    "numbers, text, lists and dicts")


def description_text(meta):
    """``meta`` as the file's JSON text; TypeError for values JSON cannot hold. NaN stays NaN (a history may hold
    it: an epoch that logged no learning rate), which the settings that cannot take it refuse on load."""
    return json.dumps({"format": FORMAT, "version": VERSION, **meta}, default=_plain)


def temporary_name(path, pid):
    """The name of a temporary file for saving to ``path`` by process ``pid``: hidden, short whatever the target's
    name, and telling which target and which process it belongs to (see the module docstring)."""
    return f"{_temporary_prefix(path)}{pid}-{secrets.token_hex(4)}.tmp"


def _temporary_prefix(path):
    name = os.path.basename(path).encode("utf-8", "surrogateescape")
    return f".numpy_rnn-{hashlib.sha256(name).hexdigest()[:16]}-"


def _running(pid):
    """Whether process ``pid`` exists on this machine (signal 0 checks without sending anything)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:  # a number no process can have
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_temporaries(path):
    """Remove the temporaries that saves of ``path`` by processes no longer running left behind (a save killed
    mid-write cannot remove its own). Those of other targets, and of running processes, are left alone."""
    if os.name == "nt":  # there os.kill(pid, 0) would end the process: keep everything
        return
    folder, prefix = os.path.dirname(path), _temporary_prefix(path)
    for name in os.listdir(folder):
        pid = name[len(prefix):].split("-")[0]
        if name.startswith(prefix) and name.endswith(".tmp") and pid.isdigit() and not _running(int(pid)):
            try:
                os.unlink(os.path.join(folder, name))
            except FileNotFoundError:  # another save removed it first
                pass


def write_model_file(path, meta, arrays):
    """Write ``meta`` (JSON-able dict) and ``arrays`` (name -> array) to ``path`` atomically; see the module
    docstring for the temporary file, the mode and symbolic links. TypeError/ValueError, before anything is
    written, for a description that JSON cannot hold."""
    payload = {META_KEY: np.array(description_text(meta))}
    payload.update(arrays)
    return write_atomically(path, lambda f: np.savez(f, **payload))


def write_atomically(path, write, binary=True):
    """Call ``write(f)`` on a temporary file in ``path``'s folder, flush it to disk, then rename it over ``path``: a
    crash mid-write leaves the previous file whole. Symbolic links are followed (the file they point to is replaced)
    and an overwritten file keeps its mode. ``binary=False`` opens the file as ASCII text. Returns ``path``."""
    path = os.fspath(path)
    target = os.path.realpath(path)  # through symbolic links, as np.savez's open() writes
    remove_stale_temporaries(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)  # overwriting keeps the file's mode
    except FileNotFoundError:
        mode = None
    tmp = os.path.join(os.path.dirname(target), temporary_name(target, os.getpid()))
    # Created as open() creates np.savez's file, 0o666 less the umask (tempfile.mkstemp would give 0o600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="ascii")) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


# -- reading: the archive, the description, the .npy headers, the arrays ---------------------------------------------
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
    except FILE_PROBLEMS as problem:  # a directory that lies (an unsupported zip version, bad offsets, ...)
        raise error(f"{path!r} could not be read as {what}: {problem}") from None
    if unpacked > MAX_BYTES:
        raise error(f"{path!r} would unpack to {unpacked / 2**30:.3g} GiB, more than {what} may hold "
                    f"({MAX_BYTES / 2**30:.3g} GiB)")


def open_members(path, archive):
    """``{array name: ZipInfo}`` of the archive's members, from its directory alone. ModelFileError for a member
    that np.savez would not have written: not named ``<name>.npy``, named twice, encrypted, or compressed otherwise
    than stored or deflated."""
    members = {}
    for info in archive.infolist():
        name = info.filename[:-len(".npy")]
        if not info.filename.endswith(".npy") or not name:
            raise ModelFileError(f"{path!r}: its member {info.filename!r} is not an .npy array")
        if name in members:
            raise ModelFileError(f"{path!r}: the member {info.filename!r} appears twice")
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{path!r}: the member {info.filename!r} is encrypted")
        if info.compress_type not in READABLE_METHODS:
            raise ModelFileError(f"{path!r}: the member {info.filename!r} is compressed with method "
                                 f"{info.compress_type}; a model file's members are stored or deflated")
        members[name] = info
    return members


def read_header(archive, info, kinds="fiu"):
    """``(shape, dtype)`` of a member, from its .npy header alone. ValueError unless the header is a known version,
    the dtype a plain one of ``kinds`` (never objects, which only a pickle could hold), and the declared data exactly
    what the member holds after the header."""
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"its .npy header is of version {version}, not 1.0 or 2.0")
        data_start = f.tell()
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in kinds:
        raise ValueError(f"it holds {dtype} values, not {'numbers' if kinds == 'fiu' else 'text'} "
                         "(object arrays need allow_pickle, which a model file never uses)")
    declared = math.prod(shape) * dtype.itemsize
    if info.file_size != data_start + declared:
        raise ValueError(f"its header declares shape {shape} of {dtype} ({declared} bytes), but it holds "
                         f"{info.file_size - data_start} bytes")
    return tuple(shape), dtype


def read_array(archive, info):
    """The member's array; its header was checked by ``read_header`` first."""
    with archive.open(info) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def nests_deeper_than(text, limit):
    """Whether ``[`` and ``{`` nest more than ``limit`` deep in JSON text, strings skipped: checked before parsing,
    whose recursion a deep enough document would exhaust. Stops at the first bracket too deep."""
    depth = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        elif bracket in "]}":
            depth -= 1
    return False


def read_description(path, archive, members, kind):
    """The file's JSON description, checked: its size, depth and numbers, its format, version and kind."""
    info = members.get(META_KEY)
    if info is None:
        raise ModelFileError(f"{path!r} is an .npz file but not a numpy_rnn model (no {META_KEY!r} entry)")
    if info.file_size > MAX_META_BYTES:
        raise ModelFileError(f"{path!r}: its description takes {info.file_size} bytes, more than a model file's "
                             f"may ({MAX_META_BYTES})")
    try:
        shape, _ = read_header(archive, info, kinds="U")
        if shape != ():
            raise ValueError(f"it has shape {shape}, not one string")
        text = str(read_array(archive, info)[()])
        if nests_deeper_than(text, MAX_JSON_DEPTH):
            raise ValueError(f"it nests deeper than {MAX_JSON_DEPTH} levels")
        meta = json.loads(text)
    except FILE_PROBLEMS as error:
        raise ModelFileError(f"{path!r} could not be read as a numpy_rnn model file: its description: "
                             f"{error}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path!r} is not a numpy_rnn model file")
    if meta.get("version") != VERSION:
        raise ModelFileError(f"{path!r} has format version {meta.get('version')!r}; this numpy_rnn reads version "
                             f"{VERSION}")
    if meta.get("kind") != kind:
        raise ModelFileError(f"{path!r} holds a {meta.get('kind')!r}, not a {kind}")
    return meta


def read_headers(path, archive, members):
    """``{name: (shape, dtype)}`` of every array but the description, from the headers alone."""
    headers = {}
    for name, info in members.items():
        if name == META_KEY:
            continue
        try:
            headers[name] = read_header(archive, info)
        except FILE_PROBLEMS as error:
            raise ModelFileError(f"{path!r}: its array {name!r} is not a valid .npy array: {error}") from None
    return headers


def check_headers(path, headers, expected):
    """Every name in ``expected`` (name -> shape) in ``headers`` with that shape, and no other names; ModelFileError
    listing what is wrong. Only headers are looked at: nothing has been read yet."""
    problems = []
    missing = sorted(set(expected) - set(headers))
    extra = sorted(set(headers) - set(expected))
    if missing:
        problems.append(f"missing arrays {missing}")
    if extra:
        problems.append(f"unexpected arrays {extra}")
    for name in sorted(set(expected) & set(headers)):
        shape = headers[name][0]
        if expected[name] is not None and shape != tuple(expected[name]):
            problems.append(f"{name} has shape {shape}, the configuration needs {tuple(expected[name])}")
    if problems:
        raise ModelFileError(f"{path!r} does not fit its configuration: " + "; ".join(problems))


def read_arrays(path, archive, members, names):
    """The arrays ``names``, read (and decompressed) now that their names, shapes and dtypes are known to be right;
    ModelFileError for a corrupt member or values that are not finite."""
    arrays, problems = {}, []
    for name in sorted(names):
        try:
            arrays[name] = read_array(archive, members[name])
        except FILE_PROBLEMS as error:
            raise ModelFileError(f"{path!r}: its array {name!r} could not be read: {error}") from None
        if not np.all(np.isfinite(arrays[name])):
            problems.append(f"{name} holds NaN or infinite values")
    if problems:
        raise ModelFileError(f"{path!r} does not fit its configuration: " + "; ".join(problems))
    return arrays


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
    except FILE_PROBLEMS as error:
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


def describe(model):
    """What ``save_model`` writes as JSON: the model's kind and description, and its generator's state."""
    return {"kind": model.file_kind, **model._file_description(), "rng": generator_state(model._rng)}


def check_can_save(model, name):
    """Raise what saving ``model`` now would (ValueError/TypeError, naming the argument ``name``), without writing
    anything: for ``fit(checkpoint=...)``, before the first epoch rather than after it."""
    try:
        description_text(describe(model))
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name}: this model could not be saved: {error}") from None


def save_model(model, path):
    """Write ``model`` to ``path`` atomically: its description, every layer's weights and carried states, its
    optimizer's slots, and its random generator's state. Returns ``path``. Raises ValueError/TypeError, before
    anything is written, when the model cannot be described (see the model's ``save``)."""
    layers, optimizer = model._file_layers()
    meta = describe(model)
    arrays = _param_names(model, layers)
    for i, layer in enumerate(layers):
        for j, state in enumerate(layer.get_carried_states()):
            arrays[f"states/{i}/{j}"] = state
    if optimizer is not None:
        for (i, name, slot), value in optimizer.get_slots().items():
            arrays[f"optimizer/{i}/{name}/{slot}"] = value
    return write_model_file(path, meta, arrays)


class Placeholders:
    """What a model's layers are built with on load, in place of its generator: every draw is zeros, since the file's
    weights replace them, and the weights may not need more numbers than the file's arrays hold (``budget``, at least
    ``MIN_BUDGET``, so that a small model missing an array is told which), so that an edited configuration is refused
    before it is allocated. Raises ModelFileError past the budget."""

    MIN_BUDGET = 2**18
    # Configuration entries that are the length of some weight's axis: none can exceed the budget. Checked before the
    # layers are made, since some build arrays of such a length before drawing (an LSTM's bias, 4 * units).
    DIMENSIONS = ("units", "input_dim", "output_dim", "n_cells", "n_features", "n_classes")

    def __init__(self, budget):
        self.budget = max(budget, self.MIN_BUDGET)

    def check_dimensions(self, meta):
        """ModelFileError when a dimension anywhere in the description ``meta`` exceeds the budget."""
        todo = [meta]
        while todo:
            value = todo.pop()
            items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
            for key, item in items:
                if key in self.DIMENSIONS and isinstance(item, int) and item > self.budget:
                    raise ModelFileError(f"the configuration's {key}={item} needs more numbers than the file's "
                                         "arrays hold")
                todo.append(item)

    def _zeros(self, size):
        shape = () if size is None else tuple(np.atleast_1d(size).tolist())
        count = math.prod(shape)
        if count > self.budget:
            raise ModelFileError(f"the configuration needs weights of shape {shape}, more numbers than the file's "
                                 "arrays hold")
        self.budget -= count
        return np.zeros(shape)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._zeros(size)

    def standard_normal(self, size=None, dtype=np.float64):
        return self._zeros(size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._zeros(size)

    def random(self, size=None, dtype=np.float64):
        return self._zeros(size)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return self._zeros(size).astype(dtype)


class _StandIn(str):
    """The initializer kind "numpy", set on layers while they build from a file, so that TensorFlow's are never
    imported, remembering what the layer was configured with. A layer that hands its initializer on while building
    (a recurrent layer to its cell) hands on the stand-in, and with it the value to put back."""
    configured = None


def _layers_within(layer):
    """The layer and the layers it holds (a recurrent layer's cell, a Bidirectional's two, a TimeDistributed's one)."""
    found, todo = [], [layer]
    while todo:
        current = todo.pop()
        if not any(current is seen for seen in found):
            found.append(current)
            todo.extend(value for value in vars(current).values() if isinstance(value, Layer))
    return found


def build_placeholders(model, layers, placeholders):
    """Build the unbuilt ``layers`` with ``placeholders`` (zeros) for weights, with stand-in initializers (so no
    initializer runs and TensorFlow is never imported; each layer keeps the one it was configured with). A layer
    that keeps its builder's generator (for dropout masks) gets the model's, as after ``fit``."""
    for layer in layers:
        if layer.built:
            continue
        within = _layers_within(layer)
        for inner in within:
            stand_in = _StandIn("numpy")
            stand_in.configured = inner.initializer
            inner.initializer = stand_in
        try:
            layer.build(layer.input_dim, placeholders)
        finally:
            for inner in _layers_within(layer):
                if isinstance(inner.initializer, _StandIn):
                    inner.initializer = inner.initializer.configured
        for inner in _layers_within(layer):
            for key, value in vars(inner).items():
                if value is placeholders:
                    setattr(inner, key, model._rng)


def _is_index(text, count):
    """Whether ``text`` is the one way of writing the number of one of ``count`` things ("3", never "03" or "-1")."""
    return text.isdigit() and text == str(int(text)) and int(text) < count


def expected_arrays(model, layers, optimizer, names):
    """``{name: shape}`` of the arrays the file must hold, given the ``names`` it does hold: every weight; every slot
    of every weight once the optimizer has stepped or the file holds any; a carried state per name in
    ``state_names`` for stateful layers that the file gives states for (their shape: None, the layer checks it)."""
    params = _param_names(model, layers)
    expected = {name: value.shape for name, value in params.items()}
    if optimizer is not None and (optimizer.iterations or any(name.startswith("optimizer/") for name in names)):
        for i, layer in enumerate(layers):
            for key, value in layer.params.items():
                for slot in optimizer.init_state(value):
                    expected[f"optimizer/{i}/{key}/{slot}"] = value.shape
    for name in names:
        kind, *where = name.split("/")
        if kind == "states" and len(where) == 2 and _is_index(where[0], len(layers)):
            layer = layers[int(where[0])]
            if layer.stateful and _is_index(where[1], len(getattr(layer, "state_names", ()))):
                expected[name] = None
    return expected


def load_model(cls, path):
    """The model of class ``cls`` saved at ``path``, complete: weights, carried states, optimizer slots and step
    count, history and random generator, so that training continues exactly.

    Everything is checked before it is used, in the order the module docstring gives; the model is only returned
    whole. Raises ModelFileError (a ValueError), and nothing else, for a file that is not such a model or does not
    fit its own description.
    """
    path = os.fspath(path)
    check_archive(path, ModelFileError, "a numpy_rnn model file")
    try:
        archive = zipfile.ZipFile(path)
    except FILE_PROBLEMS as error:
        raise ModelFileError(f"{path!r} could not be read as a numpy_rnn model file: {error}") from None
    with archive:
        members = open_members(path, archive)
        meta = read_description(path, archive, members, cls.file_kind)
        headers = read_headers(path, archive, members)
        placeholders = Placeholders(sum(math.prod(shape) for shape, _ in headers.values()))
        try:
            placeholders.check_dimensions(meta)
            model = cls._from_file_description(meta, placeholders)
            layers, optimizer = model._file_layers()
            build_placeholders(model, layers, placeholders)
        except FILE_PROBLEMS as error:
            raise ModelFileError(f"{path!r} holds an invalid configuration: {error}") from None
        params = _param_names(model, layers)
        expected = expected_arrays(model, layers, optimizer, headers)
        check_headers(path, headers, expected)
        arrays = read_arrays(path, archive, members, expected)

    states, slots = {}, {}
    for name, value in arrays.items():
        kind, *where = name.split("/")
        if kind == "states":
            states.setdefault(int(where[0]), {})[int(where[1])] = value
        elif kind == "optimizer":
            slots[(int(where[0]), where[1], where[2])] = value
    try:
        for i, carried in states.items():
            if sorted(carried) != list(range(len(carried))):
                raise ValueError(f"the states of layer {i} are numbered {sorted(carried)}, not 0, 1, ...")
            layers[i].set_carried_states([carried[j] for j in range(len(carried))])
        if optimizer is not None:
            optimizer.set_slots(slots, [layer.params for layer in layers])
    except FILE_PROBLEMS as error:
        raise ModelFileError(f"{path!r} does not fit its configuration: {error}") from None
    for name, value in params.items():
        value[...] = arrays[name]
    restored = restore_generator(config_value(meta, path, "rng"), path)
    # Into the model's own generator, the one its layers were built with and draw their dropout masks from.
    model._rng.bit_generator.state = restored.bit_generator.state
    return model
