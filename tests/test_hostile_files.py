"""Hostile model files: each one is refused with ModelFileError (and nothing else), fast and in little memory.

Every case starts from a real small saved model and edits it: its JSON header, its members (extra, missing, renamed,
not .npy at all, .npy headers that lie about their size), or the zip archive itself (encrypted flag, unknown
compression, corrupt deflate and LZMA streams). Refusing each must take well under a second and little memory, since
a model file may come from anywhere: measured here with ``time.perf_counter`` and ``tracemalloc``.

The end of the module is about saving: temporary files, file modes, symlinks, NumPy scalars in the configuration, and
``fit(checkpoint=...)`` refusing, before the first epoch, what it could not save.
"""
import io
import json
import os
import stat
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from numpy_rnn import LSTM, Adam, Dense, Embedding, RecurrentNetwork, Sequential, SimpleRNN
from numpy_rnn.persistence import ModelFileError

META = "__numpy_rnn__"
MAX_SECONDS = 1.0
MAX_PEAK_BYTES = 50 * 2**20


# -- a real small model of each kind, and ways to edit its file -----------------------------------------------------
@pytest.fixture(scope="module")
def sequential_file(tmp_path_factory):
    """An Embedding, a stateful LSTM and a Dense, trained with Adam: weights, states, slots and history."""
    model = Sequential([Embedding(15, 3), LSTM(4, stateful=True), Dense(1)], random_state=0)
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    ids, y = rng.integers(0, 15, size=(8, 5)), rng.normal(size=(8, 1))
    model.fit(ids, y, epochs=2, batch_size=4, verbose=0)
    path = tmp_path_factory.mktemp("seq") / "seq.npz"
    model.save(path)
    return path, *unpack(path)


@pytest.fixture(scope="module")
def network_file(tmp_path_factory):
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 15, size=(40, 6))
    rn = RecurrentNetwork(n_cells=4, random_state=0, verbose=0).fit(ids, (ids[:, -1] < 7).astype(int), epochs=1)
    path = tmp_path_factory.mktemp("rn") / "rn.npz"
    rn.save(path)
    return path, *unpack(path)


def unpack(path):
    """``(meta, members)``: the JSON header as a dict, and each member's raw .npy bytes by array name."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename[:-len(".npy")]: archive.read(info) for info in archive.infolist()}
    with np.load(path) as f:
        meta = json.loads(str(f[META]))
    return meta, members


def npy(array):
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asarray(array), allow_pickle=False)
    return out.getvalue()


def npy_header(shape, dtype="<f8"):
    """The .npy header of an array of ``shape``, without its data: what a file may claim."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": dtype, "fortran_order": False, "shape": shape})
    return out.getvalue()


def build(path, meta_text, members, method=zipfile.ZIP_STORED):
    """A zip archive of ``members`` (name -> .npy bytes) and the header text, as np.savez would write it."""
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr(META + ".npy", npy(np.array(meta_text)))
        for name, data in members.items():
            archive.writestr(name + ".npy", data)
    return path


def patch_member(path, name, offset_local, offset_central, value):
    """Overwrite a 2-byte field of member ``name`` in its local header and in the central directory."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<H", data, info.header_offset + offset_local, value)
    start = data.index(b"PK\x01\x02")
    while start != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46:start + 46 + name_length] == name.encode():
            struct.pack_into("<H", data, start + offset_central, value)
        start = data.find(b"PK\x01\x02", start + 4)
    path.write_bytes(bytes(data))
    return path


def refuse(load, path, match=None):
    """``load(path)`` raises ModelFileError (nothing else), within MAX_SECONDS and MAX_PEAK_BYTES of traced memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ModelFileError, match=match):
            load(path)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < MAX_SECONDS, f"refusing took {elapsed:.2f} s"
    assert peak < MAX_PEAK_BYTES, f"refusing took {peak / 2**20:.0f} MB"


# -- the cases: each edits the saved file -----------------------------------------------------------------------------
def header_edit(change):
    """A case that rewrites the JSON header: ``change(meta)`` returns the new header's text."""
    def make(path, meta, members):
        return build(path, change(json.loads(json.dumps(meta))), {k: v for k, v in members.items() if k != META})
    return make


def with_meta(**updates):
    return header_edit(lambda meta: json.dumps({**meta, **updates}))


def nested(meta, *keys, value):
    """``meta`` with ``meta[k1][k2]... = value``, as JSON text (which may hold Infinity)."""
    inner = meta
    for key in keys[:-1]:
        inner = inner[key]
    inner[keys[-1]] = value
    return json.dumps(meta)


def members_edit(change):
    """A case that changes the members: ``change(members)`` edits the dict of name -> .npy bytes in place."""
    def make(path, meta, members):
        members = dict(members)
        meta_text = members.pop(META)
        change(members)
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(META + ".npy", meta_text)
            for name, data in members.items():
                archive.writestr(name + ".npy", data)
        return path
    return make


def add(name, data):
    return members_edit(lambda members: members.__setitem__(name, data))


def drop(name):
    return members_edit(lambda members: members.pop(name))


def rename(old, new):
    return members_edit(lambda members: members.__setitem__(new, members.pop(old)))


def archive_edit(change):
    """A case that rewrites the archive byte by byte: ``change(path)`` edits the saved file's copy."""
    def make(path, meta, members):
        members_edit(lambda members: None)(path, meta, members)
        return change(path)
    return make


def set_flag(name, flag):  # general-purpose bit flag: 6 bytes into a local header, 8 into a central directory entry
    return archive_edit(lambda path: patch_member(path, name, 6, 8, flag))


def set_method(name, method):  # compression method: 8 bytes into a local header, 10 into a central directory entry
    return archive_edit(lambda path: patch_member(path, name, 8, 10, method))


def compressed(name, method, corrupt):
    """The member ``name`` compressed with ``method``, its compressed stream overwritten in the middle."""
    def change(path):
        _, members = unpack(path)
        with zipfile.ZipFile(path, "w") as archive:
            for member, data in members.items():
                archive.writestr(member + ".npy", data,
                                 compress_type=method if member == name else zipfile.ZIP_STORED)
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(name + ".npy")
        data = bytearray(path.read_bytes())
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        if corrupt:
            data[start + 2:start + info.compress_size - 2] = bytes([0xA5]) * (info.compress_size - 4)
        path.write_bytes(bytes(data))
        return path
    return archive_edit(change)


def deep_json(depth):
    return header_edit(lambda meta: "[" * depth + "]" * depth)


LARGE = 2**40  # elements an .npy header may declare: 8 TiB of float64

SEQUENTIAL_CASES = {
    # the JSON header
    "deeply nested JSON header": deep_json(100_000),
    "deeply nested value in a valid header": header_edit(lambda meta: nested(meta, "history", "history", "loss",
                                                                             value=[[[[[[[[[[1.0]]]]]]]]]] * 2)),
    "JSON header nested just over the depth limit": header_edit(
        lambda meta: json.dumps({**meta, "extra": json.loads("[" * 200 + "]" * 200)})),
    "JSON header of 8 MB": header_edit(lambda meta: json.dumps({**meta, "name": "x" * 8_000_000})),
    "history is a list": with_meta(history=[0, 1]),
    "history holds strings": with_meta(history={"epoch": [0, 1], "history": {"loss": ["a", "b"]}}),
    "history lacks epoch": with_meta(history={"history": {"loss": [1.0, 2.0]}}),
    "iterations: Infinity": header_edit(lambda meta: nested(meta, "compile", "iterations", value=float("inf"))),
    "learning_rate: NaN": header_edit(lambda meta: nested(meta, "compile", "optimizer_config", "learning_rate",
                                                          value=float("nan"))),
    "iterations: 1e400": header_edit(lambda meta: nested(meta, "compile", "iterations", value=1).replace(
        '"iterations": 1', '"iterations": 1e400')),
    "generator state of 2**300": header_edit(lambda meta: nested(meta, "rng", "state", "state", value=2**300)),
    "generator state of 5000 digits": header_edit(lambda meta: nested(meta, "rng", "state", "state", value=1).replace(
        '"state": 1', '"state": ' + "9" * 5000)),
    "generator is not PCG64": header_edit(lambda meta: nested(meta, "rng", "bit_generator", value="MT19937")),
    "layers is a string": with_meta(layers="LSTM"),
    "a layer config is a list": header_edit(lambda meta: nested(meta, "layers", 2, "config", value=[1])),
    "compile is a list": with_meta(compile=[1]),
    "unknown loss": header_edit(lambda meta: nested(meta, "compile", "loss", value="hinge_of_doom")),
    "unknown optimizer": header_edit(lambda meta: nested(meta, "compile", "optimizer", value="__import__")),
    "header is a JSON string": header_edit(lambda meta: json.dumps("numpy_rnn")),
    "header is not JSON": header_edit(lambda meta: "{'format': 'numpy_rnn'}"),
    "Embedding(10**9, 1000)": header_edit(lambda meta: nested(nested_obj(meta, "layers", 0, "config", "input_dim",
                                                                         10**9), "layers", 0, "config", "output_dim",
                                                              value=1000)),
    "Embedding(200000, 1000)": header_edit(lambda meta: nested(nested_obj(meta, "layers", 0, "config", "input_dim",
                                                                          200_000), "layers", 0, "config",
                                                               "output_dim", value=1000)),
    "LSTM(3000)": header_edit(lambda meta: nested(meta, "layers", 1, "config", "units", value=3000)),
    "LSTM(10**7)": header_edit(lambda meta: nested(meta, "layers", 1, "config", "units", value=10**7)),
    "Dense(10**12)": header_edit(lambda meta: nested(meta, "layers", 2, "config", "units", value=10**12)),
    # the members
    "extra array optimizer/0": add("optimizer/0", npy(np.zeros(3))),
    "extra array states/9/0": add("states/9/0", npy(np.zeros((4, 4)))),
    "extra array optimizer/9/W/m": add("optimizer/9/W/m", npy(np.zeros((4, 1)))),
    "states/-2/0": add("states/-2/0", npy(np.zeros((4, 4)))),
    "states/01/0 (a second name for states/1/0)": rename("states/1/0", "states/01/0"),
    "states for a non-stateful layer": add("states/2/0", npy(np.zeros((4, 1)))),
    "a third state for the LSTM": add("states/1/2", npy(np.zeros((4, 4)))),
    "a state of 3 dimensions": members_edit(lambda m: m.update({"states/1/0": npy(np.zeros((4, 4, 1)))})),
    "missing optimizer slot optimizer/1/b/v": drop("optimizer/1/b/v"),
    "missing weight": drop("layers/1/W_h"),
    "weight renamed": rename("layers/2/W", "layers/2/kernel"),
    "member that is not an .npy": members_edit(lambda m: m.update({"layers/2/b": b"hello, world"})),
    "member with a truncated .npy header": members_edit(lambda m: m.update({"layers/2/b": m["layers/2/b"][:20]})),
    "member with a truncated body": members_edit(lambda m: m.update({"layers/2/b": m["layers/2/b"][:-3]})),
    "an .npy with a zip appended": None,  # built in the test from the file itself
    "an .npy header declaring 2**40 elements": members_edit(
        lambda m: m.update({"layers/2/b": npy_header((LARGE,)) + b"\0" * 64})),
    "an extra member declaring 2**28 elements": add("extra", npy_header((2**28,)) + b"\0" * 64),
    "a weight declaring 2**28 x 1 elements": members_edit(
        lambda m: m.update({"layers/2/W": npy_header((2**28, 1)) + b"\0" * 64})),
    "object dtype": members_edit(lambda m: m.update({"layers/2/b": npy_header((1,), "|O") + b"\0" * 8})),
    "string dtype": members_edit(lambda m: m.update({"layers/2/b": npy(np.array(["a"]))})),
    "complex dtype": members_edit(lambda m: m.update({"layers/2/b": npy(np.zeros(1, complex))})),
    "structured dtype": members_edit(lambda m: m.update({"layers/2/b": npy(np.zeros(1, "i4,i4"))})),
    "header of an unknown .npy version": members_edit(lambda m: m.update({"layers/2/b": b"\x93NUMPY\x09\x00" +
                                                                          m["layers/2/b"][8:]})),
    "a weight holding Infinity": members_edit(lambda m: m.update({"layers/2/b": npy(np.full(1, np.inf))})),
    "header member is a number": None,  # built in the test
    "header member missing": None,  # built in the test
    "member name without .npy": None,  # built in the test
    "duplicate member names": None,  # built in the test
    # the archive
    "encrypted member": set_flag("layers/2/b.npy", 1),
    "encrypted header member": set_flag(META + ".npy", 1),
    "unknown compression method": set_method("layers/2/b.npy", 99),
    "bzip2 member": set_method("layers/2/b.npy", zipfile.ZIP_BZIP2),
    "corrupt deflate stream": compressed("layers/1/W_x", zipfile.ZIP_DEFLATED, corrupt=True),
    "corrupt LZMA stream": compressed("layers/1/W_x", zipfile.ZIP_LZMA, corrupt=True),
    "intact LZMA stream": compressed("layers/1/W_x", zipfile.ZIP_LZMA, corrupt=False),
}


def nested_obj(meta, *keys_and_value):
    """``meta`` with ``meta[k1]...[kn] = value`` (the last argument), as a dict."""
    *keys, value = keys_and_value
    return json.loads(nested(meta, *keys, value=value))


def special_case(name, path, meta, members, source):
    """The cases that need more than an edit of the members: built from the saved file itself."""
    members = dict(members)
    meta_bytes = members.pop(META)
    if name == "an .npy with a zip appended":
        members["layers/2/b"] = members["layers/2/b"] + source.read_bytes()
    if name == "header member is a number":
        meta_bytes = npy(np.array(3.0))
    with zipfile.ZipFile(path, "w") as archive:
        if name != "header member missing":
            archive.writestr(META + ".npy", meta_bytes)
        for key, data in members.items():
            archive.writestr(key if name == "member name without .npy" and key == "layers/2/b" else key + ".npy", data)
        if name == "duplicate member names":
            with pytest.warns(UserWarning, match="Duplicate name"):
                archive.writestr("layers/2/b.npy", npy(np.ones(1)))
    return path


@pytest.mark.parametrize("name", sorted(SEQUENTIAL_CASES))
def test_hostile_sequential_files_are_refused_fast_and_small(tmp_path, sequential_file, name):
    source, meta, members = sequential_file
    path = tmp_path / "bad.npz"
    make = SEQUENTIAL_CASES[name]
    if make is None:
        special_case(name, path, meta, members, source)
    else:
        make(path, meta, members)
    if name == "intact LZMA stream":  # a readable member, but not what np.savez writes: refused all the same
        refuse(Sequential.load, path, match="compress")
        return
    refuse(Sequential.load, path)


NETWORK_CASES = {
    "n_cells=10**7": header_edit(lambda meta: nested(meta, "config", "n_cells", value=10**7)),
    "n_cells=3000": header_edit(lambda meta: nested(meta, "config", "n_cells", value=3000)),
    "n_features=10**9": header_edit(lambda meta: nested(meta, "shapes", "n_features", value=10**9)),
    "n_classes=10**12": header_edit(lambda meta: nested(meta, "shapes", "n_classes", value=10**12)),
    "history is a list": with_meta(history=[1, 2]),
    "history holds strings": header_edit(lambda meta: nested(meta, "history", "losses", value=["a"])),
    "config is a list": with_meta(config=[1]),
    "learning_rate: Infinity": header_edit(lambda meta: nested(meta, "config", "learning_rate", value=float("inf"))),
    "generator state of 2**300": header_edit(lambda meta: nested(meta, "rng", "state", "inc", value=2**300)),
    "states for the book's network": add("states/0/0", npy(np.zeros((4, 4)))),
    "optimizer slots for the book's network": add("optimizer/0/W_h/m", npy(np.zeros((4, 4)))),
}


@pytest.mark.parametrize("name", sorted(NETWORK_CASES))
def test_hostile_network_files_are_refused_fast_and_small(tmp_path, network_file, name):
    _, meta, members = network_file
    refuse(RecurrentNetwork.load, NETWORK_CASES[name](tmp_path / "bad.npz", meta, members))


@pytest.mark.parametrize("seed", range(4))
def test_damaged_files_either_load_or_raise_model_file_error(tmp_path, sequential_file, seed):
    """Bytes overwritten, cut out or inserted anywhere in a saved file: the file loads (a changed weight may still be
    a number) or is refused with ModelFileError, never anything else; pinned seeds, 60 damaged files each."""
    source = sequential_file[0].read_bytes()
    rng = np.random.default_rng(seed)
    path = tmp_path / "damaged.npz"
    for _ in range(60):
        data = bytearray(source)
        at = int(rng.integers(len(data)))
        damage = ["overwrite", "cut", "insert", "truncate"][int(rng.integers(4))]
        junk = bytes(rng.integers(0, 256, size=int(rng.integers(1, 9)), dtype=np.uint8))
        if damage == "overwrite":
            data[at:at + len(junk)] = junk
        elif damage == "cut":
            del data[at:at + len(junk)]
        elif damage == "insert":
            data[at:at] = junk
        else:
            del data[at:]
        path.write_bytes(bytes(data))
        try:
            Sequential.load(path)
        except ModelFileError:
            pass


def test_the_unedited_files_load(sequential_file, network_file):
    """The cases above are refused for their edits: the files they start from are fine."""
    model = Sequential.load(sequential_file[0])
    assert model.optimizer.iterations == 4 and model.layers[1].states is not None
    assert RecurrentNetwork.load(network_file[0]).losses == network_file[1]["history"]["losses"]


def test_a_model_initialized_by_tensorflow_loads_without_it(tmp_path, sequential_file, network_file):
    """Loading never initializes: the file's weights replace whatever a build would draw, so a model whose
    ``initializer`` is "tensorflow" loads (and predicts) where TensorFlow is not installed, and keeps its setting."""
    path, meta, members = sequential_file
    meta["layers"][1]["config"]["initializer"] = "tensorflow"
    edited = build(tmp_path / "tf.npz", json.dumps(meta), {k: v for k, v in members.items() if k != META})
    model, original = Sequential.load(edited), Sequential.load(path)
    assert model.layers[1].initializer == model.layers[1].cell.initializer == "tensorflow"
    assert model.layers[2].initializer == "numpy"
    ids = np.arange(20).reshape(4, 5) % 15
    np.testing.assert_array_equal(model.predict(ids, batch_size=4), original.predict(ids, batch_size=4))

    path, meta, members = network_file
    meta["config"]["initializer"] = "tensorflow"
    edited = build(tmp_path / "tf-rn.npz", json.dumps(meta), {k: v for k, v in members.items() if k != META})
    rn = RecurrentNetwork.load(edited)
    assert rn.initializer == "tensorflow"
    np.testing.assert_array_equal(rn.predict(ids), RecurrentNetwork.load(path).predict(ids))


def test_a_loaded_model_draws_dropout_masks_from_its_own_generator(tmp_path):
    """The layers are built with placeholders on load; afterwards they draw from the model's generator, as a model
    built by ``fit`` does, so a loaded model's training continues exactly."""
    model = Sequential([LSTM(3, dropout=0.5, input_shape=(4, 2)), Dense(1)], random_state=0)
    model.compile("sgd", "mse")
    x, y = np.random.default_rng(0).normal(size=(8, 4, 2)), np.zeros((8, 1))
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = Sequential.load(tmp_path / "m.npz")
    assert loaded.layers[0].rng is loaded._rng
    model.fit(x, y, epochs=1, verbose=0)
    loaded.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], loaded.layers[0].get_weights()[0])


# -- saving ----------------------------------------------------------------------------------------------------------
def squared_error(y, output):
    """A loss given as a function (value, gradient): it works, but only named losses can be saved."""
    return float(np.mean((output - y) ** 2)), 2 * (output - y) / output.size


def small_model(**kwargs):
    model = Sequential([SimpleRNN(2, input_shape=(3, 2)), Dense(1)], **{"random_state": 0, **kwargs})
    model.compile("sgd", "mse")
    model.build()
    return model


def temporaries(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_stale_temporaries_of_the_same_target_are_removed_on_the_next_save(tmp_path):
    import numpy_rnn.persistence as persistence
    model = small_model()
    dead = 2**22 + 12345  # above Linux's default pid_max: no process can have it
    stale = tmp_path / persistence.temporary_name(str(tmp_path / "m.npz"), dead)
    other_target = tmp_path / persistence.temporary_name(str(tmp_path / "other.npz"), dead)
    running = tmp_path / persistence.temporary_name(str(tmp_path / "m.npz"), os.getpid())
    unrelated = tmp_path / "notes.tmp"
    for path in (stale, other_target, running, unrelated):
        path.write_bytes(b"half a file")
    model.save(tmp_path / "m.npz")
    assert not stale.exists()  # its writer is gone: nothing will ever finish it
    assert other_target.exists() and running.exists() and unrelated.exists()  # another target's, a live writer's
    Sequential.load(tmp_path / "m.npz")


def test_temporary_names_are_short_and_hidden_whatever_the_target(tmp_path):
    import numpy_rnn.persistence as persistence
    name = persistence.temporary_name(str(tmp_path / ("x" * 250 + ".npz")), 123)
    assert name.startswith(".") and name.endswith(".tmp") and len(name) < 80 and os.sep not in name
    assert persistence.temporary_name(str(tmp_path / "a.npz"), 1) != persistence.temporary_name(
        str(tmp_path / "b.npz"), 1)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_saved_files_get_the_mode_np_savez_gives(tmp_path, umask):
    model = small_model()
    old = os.umask(umask)
    try:
        np.savez(tmp_path / "numpy.npz", a=np.zeros(1))
        model.save(tmp_path / "m.npz")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "m.npz").st_mode)
    assert mode == stat.S_IMODE(os.stat(tmp_path / "numpy.npz").st_mode) == 0o666 & ~umask


def test_overwriting_keeps_the_file_s_mode(tmp_path):
    model = small_model()
    path = tmp_path / "m.npz"
    model.save(path)
    os.chmod(path, 0o640)
    model.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_saving_to_a_symlink_writes_through_to_its_target(tmp_path):
    model = small_model()
    (tmp_path / "real").mkdir()
    target, link = tmp_path / "real" / "m.npz", tmp_path / "link.npz"
    link.symlink_to(target)  # dangling until the first save, as np.savez would create it
    model.save(link)
    assert link.is_symlink() and target.is_file()
    model.save(link)
    assert link.is_symlink() and os.listdir(tmp_path / "real") == ["m.npz"]
    np.testing.assert_array_equal(Sequential.load(target).layers[1].get_weights()[0], model.layers[1].get_weights()[0])


def test_numpy_scalars_in_the_configuration_save_as_python_numbers(tmp_path):
    model = Sequential([SimpleRNN(2, input_shape=(np.int64(3), np.int32(2))), Dense(np.int64(1))],
                       random_state=np.int64(0))
    model.compile(Adam(learning_rate=np.float64(0.01), global_clipnorm=np.float32(1)), "mse")
    model.fit(np.zeros((4, 3, 2)), np.zeros((4, 1)), epochs=1, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = Sequential.load(tmp_path / "m.npz")
    assert loaded.random_state == 0 and type(loaded.random_state) is int
    assert loaded.optimizer.global_clipnorm == 1.0 and loaded.layers[0].input_shape == (3, 2)

    rn = RecurrentNetwork(n_cells=np.int64(3), batch_size=np.int32(4), random_state=np.int64(2), verbose=0)
    rn.fit(np.zeros((4, 3, 2)), np.array([0, 1, 0, 1]), epochs=1)
    rn.save(tmp_path / "rn.npz")
    assert RecurrentNetwork.load(tmp_path / "rn.npz").n_cells == 3


def test_a_model_that_cannot_be_described_is_refused_before_anything_is_written(tmp_path):
    model = small_model()
    model.compile("sgd", squared_error)
    with pytest.raises(ValueError, match="named losses"):
        model.save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def fit_refused(model, x, y, checkpoint, error, match, **kwargs):
    """``fit(..., checkpoint=checkpoint)`` raises ``error`` naming checkpoint, before any training."""
    before = [w.copy() for layer in model.layers for w in layer.get_weights()]
    with pytest.raises(error, match=match):
        model.fit(x, y, epochs=2, checkpoint=checkpoint, verbose=0, **kwargs)
    assert model.history is None
    for a, b in zip(before, [w for layer in model.layers for w in layer.get_weights()]):
        np.testing.assert_array_equal(a, b)


def test_fit_checks_the_checkpoint_before_the_first_epoch(tmp_path):
    x, y = np.zeros((4, 3, 2)), np.zeros((4, 1))
    model = small_model()
    model.compile("sgd", squared_error)
    fit_refused(model, x, y, tmp_path / "m.npz", ValueError, "checkpoint.*named losses")

    model = small_model()
    model.layers[0].name = np.str_("rnn")  # a name is text: a NumPy string saves as one
    model.fit(x, y, epochs=1, verbose=0, checkpoint=tmp_path / "fine.npz")
    assert Sequential.load(tmp_path / "fine.npz").layers[0].name == "rnn"

    model = small_model()
    model.layers[1].name = object()  # nothing JSON can hold
    fit_refused(model, x, y, tmp_path / "m.npz", TypeError, "checkpoint")
    assert not (tmp_path / "m.npz").exists()


def test_fit_refuses_a_checkpoint_in_a_folder_it_cannot_write(tmp_path, monkeypatch):
    import numpy_rnn.callbacks as callbacks
    folder = tmp_path / "read-only"
    folder.mkdir()
    os.chmod(folder, 0o555)
    real_access = os.access
    if os.geteuid() == 0:  # root may write anywhere: pretend to be someone who may not
        monkeypatch.setattr(callbacks.os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(folder)
                            else real_access(p, mode, **kw))
    try:
        fit_refused(small_model(), np.zeros((4, 3, 2)), np.zeros((4, 1)), folder / "m.npz", ValueError,
                    "checkpoint.*cannot write")
    finally:
        os.chmod(folder, 0o755)


def test_recurrent_network_fit_checks_the_checkpoint_before_training(tmp_path, monkeypatch):
    import numpy_rnn.callbacks as callbacks
    monkeypatch.setattr(callbacks.os, "access", lambda p, mode, **kw: False)
    rn = RecurrentNetwork(n_cells=3, random_state=0, verbose=0)
    with pytest.raises(ValueError, match="checkpoint.*cannot write"):
        rn.fit(np.zeros((4, 3, 2)), np.array([0, 1, 0, 1]), epochs=1, checkpoint=tmp_path / "rn.npz")
    assert rn.losses == [] and rn._rnn is None
