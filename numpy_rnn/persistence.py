"""Saving and loading models: one ``.npz`` file that can never run code, written so that a crash cannot corrupt it.

File layout: an ordinary NumPy ``.npz`` archive holding

- ``__numpy_rnn__``: a JSON document stored as a plain string array: the format name and version, the model's kind,
  its configuration, its training history, the optimizer's settings and step count, and the state of its random
  generator (so that shuffling resumes exactly where it stopped);
- one array per weight (and per optimizer slot, and per carried state of stateful layers), under names like
  ``layers/0/W_x`` or ``optimizer/0/W_x/m``.

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

FORMAT = "numpy_rnn"
VERSION = 1
META_KEY = "__numpy_rnn__"
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
    if not zipfile.is_zipfile(path):
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
