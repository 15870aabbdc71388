"""numpy_rnn's BLAS threads (threads.py): the policy's count inside fit, evaluate and predict, the user's own setting
untouched outside them (also after an error), the ``limit(n)`` override, and numpy_rnn without threadpoolctl.

The thread count is read with threadpoolctl where the work happens (a callback during a training step, a layer's
forward during predict), never inferred from timings. The user's setting is made 3 first, a count neither the policy
(1) nor the test run's OPENBLAS_NUM_THREADS=1 would give by accident.
"""
import contextlib
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from helpers import text_data as data
from numpy_rnn import LSTM, Callback, Dense, Embedding, RecurrentNetwork, Sequential, SimpleRNN, threads
from numpy_rnn.layers import projection

threadpoolctl = pytest.importorskip("threadpoolctl")

USER = 3  # the user's own BLAS thread count in these tests


def blas_threads():
    """NumPy's BLAS thread count now (every BLAS library threadpoolctl finds is set alike)."""
    counts = {lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"}
    assert len(counts) == 1, counts
    return counts.pop()


@pytest.fixture
def user_threads():
    """The user has set USER threads (as a program might with threadpoolctl) before calling numpy_rnn."""
    if not any(lib["user_api"] == "blas" for lib in threadpoolctl.threadpool_info()):
        pytest.skip("threadpoolctl finds no BLAS library to control")
    with threadpoolctl.threadpool_limits(USER, user_api="blas"):
        assert blas_threads() == USER
        yield USER


class ThreadsSeen(Callback):
    """Records the BLAS thread count during every training step."""

    def __init__(self, fail_at=None):
        super().__init__()
        self.seen, self.fail_at = [], fail_at

    def on_batch_end(self, batch, logs=None):
        self.seen.append(blas_threads())
        if batch == self.fail_at:
            raise RuntimeError("a callback's error")


def sequential():
    """Four units: the thresholds below are set from its W_x (6, 4)."""
    model = Sequential([SimpleRNN(4, input_dim=6), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def fit(kind, callback, epochs=2):
    x, y = data()
    if kind == "sequential":
        model = sequential()
        model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, callbacks=[callback], validation_data=(x, y))
    else:
        model = RecurrentNetwork(n_cells=4, batch_size=16, random_state=0, verbose=0)
        model.fit(x, y, epochs=epochs, x_val=x, y_val=y, callbacks=[callback])
    return model


class ForwardSpy:
    """Wraps a layer's forward to record the BLAS thread count while the layer computes."""

    def __init__(self, monkeypatch, layer):
        self.seen, self.forward = [], layer.forward
        monkeypatch.setattr(layer, "forward", self)

    def __call__(self, *args, **kwargs):
        self.seen.append(blas_threads())
        return self.forward(*args, **kwargs)


# -- the policy ----------------------------------------------------------------------------------------------------
def test_the_largest_per_step_product_skips_lookup_tables():
    """Embedding(1000, 32) + LSTM(8) + Dense(1) at batch 32: the largest product is x_t W_x, 32 x 32 @ 32 x 32; the
    embedding's 1000 x 32 table is looked up, never multiplied, so it does not count."""
    model = Sequential([Embedding(1000, 32), LSTM(8), Dense(1)], random_state=0)
    model.build((10,))
    assert threads.largest_product(model, 32) == 32 * 32 * (4 * 8)
    rn = RecurrentNetwork(n_cells=5, random_state=0)
    rn.init_weights(7, 1)
    assert threads.largest_product(rn, 10) == 10 * 7 * 5  # W_1x (7, 5) beats W_1h (5, 5) and W_2 (5, 1)
    assert threads.largest_product(Sequential([Dense(3)]), 32) == 0  # nothing built yet: nothing to multiply


def test_the_policy_is_one_thread_below_the_threshold_and_the_process_s_setting_from_it(monkeypatch):
    model = Sequential([Dense(4, input_dim=5)], random_state=0)
    model.build((5,))
    monkeypatch.setattr(threads, "LARGE_PRODUCT", 2 * 5 * 4)
    assert threads.choose(model, 1) == 1  # 20 multiply-adds: below
    assert threads.choose(model, 2) is None  # exactly at the threshold: large, leave it
    assert threads.choose(model, 3) is None


@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_a_training_step_runs_on_the_policy_s_one_thread_and_the_user_s_setting_is_back_after_fit(kind,
                                                                                                 user_threads):
    seen = ThreadsSeen()
    fit(kind, seen)
    assert seen.seen == [1] * 6  # 2 epochs of 3 batches (40 samples in batches of 16)
    assert blas_threads() == user_threads


@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_a_large_model_keeps_the_user_s_setting_inside_fit(kind, user_threads, monkeypatch):
    monkeypatch.setattr(threads, "LARGE_PRODUCT", 1)  # every product is large
    seen = ThreadsSeen()
    fit(kind, seen)
    assert seen.seen == [user_threads] * 6
    assert blas_threads() == user_threads


@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_the_user_s_setting_is_back_after_an_error_inside_fit(kind, user_threads):
    seen = ThreadsSeen(fail_at=1)
    with pytest.raises(RuntimeError, match="a callback's error"):
        fit(kind, seen)
    assert seen.seen == [1, 1]
    assert blas_threads() == user_threads


class ProductsSeen:
    """Wraps projection.py's ``for_product`` to record each once-per-batch product: its multiply-adds and the BLAS
    thread count inside its block, where BLAS computes it."""

    def __init__(self, monkeypatch):
        self.seen, self.real = [], projection.for_product
        monkeypatch.setattr(projection, "for_product", self)

    @contextlib.contextmanager
    def __call__(self, macs):
        self.seen.append((macs, None))  # the size first: the fake clock below reads it
        with self.real(macs):
            self.seen[-1] = (macs, blas_threads())
            yield


class PredictEachBatch(Callback):
    """Calls ``model.predict`` after every training batch, as a callback that samples text does."""

    def __init__(self, model, x):
        super().__init__()
        self.model_, self.x = model, x

    def on_batch_end(self, batch, logs=None):
        self.model_.predict(self.x, batch_size=len(self.x))


def fake_machine(monkeypatch, others):
    """A machine of 4 cores on which other programs keep ``others`` cores busy: threads.py's look at the CPU time
    spent, replaced. Each look finds 1 s more on the clock, 1 s more spent by numpy_rnn and 1 + ``others`` s more
    by the whole machine. No real load decides anything in these tests."""
    looks = [0]

    def cpu_seconds():
        looks[0] += 1
        return float(looks[0]), looks[0] * (1.0 + others), float(looks[0])
    monkeypatch.setattr(threads, "cpu_seconds", cpu_seconds)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: set(range(4)), raising=False)


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="the machine's CPU time is read from Linux's /proc/stat")
def test_cpu_seconds_counts_this_process_s_work_in_the_machine_s():
    """Two real looks around a fifth of a second of spinning: numpy_rnn's own CPU time grows by about that much, and
    the machine's, which includes it, by at least nearly as much."""
    before = threads.cpu_seconds()
    start = time.perf_counter()
    while time.perf_counter() - start < 0.2:
        pass
    after = threads.cpu_seconds()
    wall, machine, own = (b - a for a, b in zip(before, after))
    assert wall >= 0.2 and 0.1 < own < wall + 0.1 and machine > own - 0.1  # both count in ticks of 10 ms


def test_cpu_seconds_reads_every_busy_state_of_the_machine(tmp_path):
    """Busy: user, nice, system, irq, softirq and steal; free: idle and iowait; the later columns (guest time, already
    inside user) are not added again. 100 + 20 + 30 + 6 + 7 + 8 = 171 ticks."""
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 20 30 400 50 6 7 8 90 90\ncpu0 50 10 15 200 25 3 3 4 45 45\n")
    assert threads.cpu_seconds(str(stat))[1] == pytest.approx(171 / os.sysconf("SC_CLK_TCK"))
    assert threads.cpu_seconds(str(tmp_path / "missing")) is None


@pytest.mark.parametrize("others, count", [(0.0, USER), (1.0, USER), (1.6, 2), (2.4, 2), (2.6, 1), (3.0, 1)])
def test_large_products_get_the_free_cores(user_threads, monkeypatch, others, count):
    """1 + the cores left free beyond numpy_rnn's own thread, rounded, at most the user's 3: on 4 cores with 1.6 busy
    elsewhere, 1 + round(1.4) = 2."""
    fake_machine(monkeypatch, others)
    free = threads.FreeCores(USER)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):  # inside a call: one thread by the policy
        with free.product():
            assert blas_threads() == 1  # nothing known before the first look
        free.batch()
        with free.product():
            assert blas_threads() == count
        assert blas_threads() == 1  # the call's count again after the product


def test_the_count_follows_the_load_and_waits_for_a_full_window(user_threads, monkeypatch):
    looks = iter([(0.0, 0.0, 0.0), (0.1, 0.1, 0.1), (1.0, 1.0, 1.0), (2.0, 4.0, 2.0), (3.0, 5.0, 3.0), None])
    monkeypatch.setattr(threads, "cpu_seconds", lambda: next(looks))
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: set(range(4)), raising=False)
    free = threads.FreeCores(USER)  # looks at (0, 0, 0)
    free.batch()  # 0.1 s later: too soon, nothing changes
    assert free.count == 1 and free.last == (0.0, 0.0, 0.0)
    free.batch()  # a second of a free machine: the user's 3
    assert free.count == USER
    free.batch()  # then 2 cores busy elsewhere: 1 + round(4 - 1 - 2) = 2
    assert free.count == 2
    free.batch()  # then 0 elsewhere again
    assert free.count == USER
    free.batch()  # no /proc/stat this time: the count stays
    assert free.count == USER


@pytest.fixture
def word_model():
    """A word model in miniature, Embedding(50, 4) -> LSTM(3) -> Dense(50) on batches of 8 sequences x 5 steps, with
    the threshold set to 1,500 multiply-adds (see the test below)."""
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 50, size=(16, 5)), rng.integers(0, 50, size=(16, 5))
    model = Sequential([Embedding(50, 4), LSTM(3, return_sequences=True), Dense(50, activation="softmax")],
                       random_state=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model, x, y


def test_large_once_per_batch_products_get_the_free_cores_and_the_rest_one_thread(user_threads, monkeypatch,
                                                                                  word_model):
    """The word model's largest per-step product is the output layer's for one step, 8 x 3 @ 3 x 50 = 1,200
    multiply-adds: below the threshold of 1,500, so the call runs on one thread. Over a batch's 40 positions its
    products are: the output layer forward and its two gradients, 40 x 3 x 50 = 6,000 each; the LSTM's input
    projection, its weight and input gradients, 40 x 4 x 12 = 1,920; the LSTM's recurrent weight gradient, 40 x 3 x 12
    = 1,440. The first two sizes are large, and run on the free cores (here the user's 3
    threads, on a machine whose other cores are free); the last runs on the call's one thread, as the steps do."""
    monkeypatch.setattr(threads, "LARGE_PRODUCT", 1500)
    model, x, y = word_model
    products, steps = ProductsSeen(monkeypatch), ThreadsSeen()
    fake_machine(monkeypatch, others=0.0)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[steps, PredictEachBatch(model, x[:8])],
              validation_data=(x, y))
    assert steps.seen == [1] * 4
    assert blas_threads() == user_threads
    small = [count for macs, count in products.seen if macs < 1500]
    large = [count for macs, count in products.seen if macs >= 1500]
    assert small == [1] * 4  # one per batch
    # 4 batches of 6 large products, 4 predictions inside fit (2 each: one call, the callback's inside fit's), and
    # 2 validations of 2 batches (2 each): all of them one call's products
    assert len(large) == 4 * 6 + 4 * 2 + 2 * 2 * 2
    assert large == [USER] * len(large)  # a free machine: the user's 3 threads from the first batch's look on
    products.seen.clear()
    model.predict(x, batch_size=8)  # a call of its own, with no training batches: one thread
    assert products.seen == [(1920, 1), (6000, 1)] * 2
    fake_machine(monkeypatch, others=3.0)  # a busy machine: one thread for everything
    products.seen.clear()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert {count for _, count in products.seen} == {1}
    products.seen.clear()
    with threads.limit(1):  # the user's override holds for every product
        model.predict(x, batch_size=8)
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert {count for _, count in products.seen} == {1}
    assert blas_threads() == user_threads


def test_a_limit_inside_fit_holds_for_its_products(user_threads, monkeypatch, word_model):
    """A callback that predicts under ``limit(1)`` inside a fit whose large products get the free cores: the limit
    wins."""
    monkeypatch.setattr(threads, "LARGE_PRODUCT", 1500)
    model, x, y = word_model
    products = ProductsSeen(monkeypatch)
    fake_machine(monkeypatch, others=0.0)

    class LimitedPredict(Callback):
        def on_batch_end(self, batch, logs=None):
            products.seen.clear()
            with threads.limit(1):
                model.predict(x[:8], batch_size=8)
            assert {count for _, count in products.seen} == {1}
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[LimitedPredict()])
    assert blas_threads() == user_threads


def test_sequential_evaluate_and_predict_run_on_the_policy_s_threads(user_threads, monkeypatch):
    model = sequential()
    x, y = data()
    model.build(x.shape[1:])
    spy = ForwardSpy(monkeypatch, model.layers[0])
    model.predict(x, batch_size=16)
    model.evaluate(x, y, batch_size=16)
    assert spy.seen == [1] * 6 and blas_threads() == user_threads
    monkeypatch.setattr(threads, "LARGE_PRODUCT", 16 * 6 * 4)  # batch 16 x W_x (6, 4): large from here on
    model.predict(x, batch_size=16)
    model.predict(x, batch_size=15)
    assert spy.seen[6:] == [user_threads] * 3 + [1] * 3
    assert blas_threads() == user_threads


def test_recurrent_network_predict_and_score_run_on_the_policy_s_threads(user_threads, monkeypatch):
    x, y = data()
    rn = RecurrentNetwork(n_cells=4, batch_size=16, random_state=0, verbose=0).fit(x, y, epochs=1)
    spy = ForwardSpy(monkeypatch, rn._rnn)
    rn.predict(x)
    rn.predict_proba(x)
    rn.score(x, y)
    assert spy.seen == [1] * 3 and blas_threads() == user_threads


def test_bad_input_to_evaluate_or_predict_leaves_the_user_s_setting(user_threads):
    model = sequential()
    x, y = data()
    for call in (lambda: model.predict(x, batch_size=0), lambda: model.evaluate(x, y, batch_size=0),
                 lambda: model.predict(x[..., None].astype(float))):
        with pytest.raises(ValueError):
            call()
        assert blas_threads() == user_threads


# -- the override ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_limit_overrides_the_policy_for_numpy_rnn_s_calls_only(kind, user_threads):
    seen = ThreadsSeen()
    with threads.limit(2):
        assert blas_threads() == user_threads  # the block alone changes nothing: only numpy_rnn's calls in it
        model = fit(kind, seen, epochs=1)
        assert blas_threads() == user_threads
        with threads.limit(None):  # the policy again
            fit(kind, seen, epochs=1)
        model.predict(data()[0])
    assert seen.seen == [2] * 3 + [1] * 3
    assert blas_threads() == user_threads
    assert threads.choose(model, 16) == 1  # the block is over: the policy


def test_limit_ends_with_its_block_even_on_an_error():
    model = sequential()
    model.build((5,))
    with threads.limit(2):
        assert threads.choose(model, 16) == 2
    assert threads.choose(model, 16) == 1
    with pytest.raises(KeyError):
        with threads.limit(3):
            raise KeyError("inside the block")
    assert threads.choose(model, 16) == 1


def test_limit_checks_its_argument():
    for bad, error in ((0, ValueError), (-1, ValueError), (2.0, TypeError), ("2", TypeError), (True, TypeError)):
        with pytest.raises(error, match="n must be a positive integer"):
            with threads.limit(bad):
                pass
    with threads.limit(np.int64(2)) as n:
        assert n == 2 and type(n) is int


# -- without threadpoolctl -------------------------------------------------------------------------------------------
def test_without_threadpoolctl_numpy_rnn_trains_and_warns_once(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # `import threadpoolctl` now raises ImportError
    monkeypatch.setattr(threads, "_blas", {})  # as if numpy_rnn had not looked for it yet
    model = sequential()
    x, y = data()
    with pytest.warns(RuntimeWarning, match="threadpoolctl is not installed") as record:
        model.fit(x, y, epochs=1, batch_size=16, verbose=0)
        model.predict(x)
        with threads.limit(2):
            model.evaluate(x, y)
    assert len([w for w in record if "threadpoolctl" in str(w.message)]) == 1
    assert np.isfinite(model.history.history["loss"]).all()


def test_import_numpy_rnn_needs_only_numpy():
    """In a fresh interpreter where importing threadpoolctl fails: numpy_rnn imports, and did not try to import it."""
    code = ("import sys\n"
            "class Refuse:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'threadpoolctl':\n"
            "            raise ImportError('threadpoolctl refused by the test')\n"
            "sys.meta_path.insert(0, Refuse())\n"
            "import numpy_rnn\n"
            "assert 'threadpoolctl' not in sys.modules\n"
            "print(numpy_rnn.threads.choose(numpy_rnn.Sequential(), 32))\n")
    root = os.path.join(os.path.dirname(__file__), os.pardir)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=os.path.abspath(root)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


# -- the benchmark's modes -----------------------------------------------------------------------------------------
def test_benchmark_out_of_the_box_on_a_busy_machine_runs(tmp_path):
    """scripts/benchmark.py --out-of-the-box --busy in its quick shapes: numpy_rnn's rows, as the user gets it and
    pinned to one thread, are measured, the frameworks skipped as asked, and the busy helper is gone afterwards."""
    import importlib.util
    path = os.path.join(os.path.dirname(__file__), os.pardir, "scripts", "benchmark.py")
    if not os.path.exists(path):  # scripts/mutation.py runs these tests on a copy of numpy_rnn and tests only
        pytest.skip("scripts/benchmark.py is not beside the tests")
    spec = importlib.util.spec_from_file_location("benchmark", path)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    helpers = []
    busy_core = benchmark.BusyCore

    class RecordedBusyCore(busy_core):
        def __enter__(self):
            helpers.append(super().__enter__().process)
            return self

    benchmark.BusyCore = RecordedBusyCore
    rows = benchmark.main(["--quick", "--only", "W1", "--out-of-the-box", "--busy", "--impls", "numpy_rnn",
                           "--json", str(tmp_path / "bench.json")])
    status = {row["impl"]: row["status"] for row in rows}
    assert status == {"numpy_rnn": "ok", "numpy_rnn 1 thread": "ok", "numpy_rnn float64": "ok",
                      "numpy_rnn one-hot": "ok", "torch": "skipped (--impls)", "keras": "skipped (--impls)"}
    assert len(helpers) == 1 and helpers[0].poll() is not None  # the helper ran, and was stopped


def test_a_layer_called_directly_after_fit_runs_on_the_user_s_threads(user_threads, monkeypatch, word_model):
    """The count belongs to the call: after fit (whose large products ran on the user's 3 threads, the machine's other
    cores being free), the user sets 2 threads, and a layer's forward called on its own, outside any numpy_rnn call, makes its
    large product on those 2, untouched by the finished call's count."""
    monkeypatch.setattr(threads, "LARGE_PRODUCT", 1500)
    model, x, y = word_model
    products = ProductsSeen(monkeypatch)
    fake_machine(monkeypatch, others=0.0)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert (6000, USER) in products.seen
    products.seen.clear()
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        model.layers[-1].forward(np.ones((8, 5, 3), dtype=model.layers[-1].dtype))
    assert products.seen == [(6000, 2)]
