"""How many BLAS threads numpy_rnn's own matrix products use: one, unless a product is large enough to gain from more.

Why: NumPy hands every ``@`` to its BLAS (usually OpenBLAS), which by default splits a product over every core. The
products of a small recurrent network are small, ``(batch, features) @ (features, units)`` once per time step, and a
split product waits for its slowest thread. When another program keeps one core busy, the thread that lands on that
core waits for the scheduler, and every step waits with it. On this project's 2-core machine with one core busy,
OpenBLAS's default of 2 threads made the benchmark's W1 (SimpleRNN(32)) and W4 (LSTM(8)) epochs 2.8x and 2.4x as
long as one thread (scripts/benchmark.py --out-of-the-box --busy, before this module), and earlier measurements there
found 18x for a SimpleRNN(32) epoch, 6-24x for an LSTM(64) and 50x for a character model. On an idle machine the
second thread gains nothing on the smallest products (OpenBLAS runs them on one thread) and at most 2x on larger ones.

The policy, for each ``fit``, ``evaluate`` and ``predict`` (and the RecurrentNetwork's ``fit``, ``predict``,
``predict_proba`` and ``score``):

    product  = the largest per-step product the model makes: rows x features x units multiply-adds, over every weight
               matrix W (features, units) of its layers (an Embedding's table is looked up, not multiplied), with
               rows = the batch size
    threads  = 1                               if product < LARGE_PRODUCT (2e8 multiply-adds)
               the process's setting, as is     otherwise

and, while a call runs on one thread by this policy, each of its once-per-batch products (the matrix products over
all the steps of a batch, in layers/projection.py: a layer's input projection, its input and weight gradients, a
Dense layer on a whole sequence) of LARGE_PRODUCT multiply-adds or more runs on as many threads as the machine has
cores free *now*, up to the process's setting (``FreeCores``, below). A language model's output layer is the case:
DLFS2's Rnnlm maps 20 x 35 states of 100 features to 10,000 words, 7e8 multiply-adds three times a batch, while its
per-step products are 8e5.

So numpy_rnn never raises the thread count above the process's setting, and lowers it only for its own calls: the
user's setting is restored when the call returns, or raises. ``with numpy_rnn.threads.limit(n):`` overrides the
policy for numpy_rnn's calls inside the block (``n`` threads for all their products; ``limit(None)``: the policy),
and still leaves every other product alone.

How LARGE_PRODUCT was found (scripts/blas_threads.py, on the 2-core machine of the README's benchmark, OpenBLAS
0.3.31): ``(batch, features) @ (features, units)`` products timed at 1 and 2 threads, idle and with a helper process
spinning on one core, for batch 32-1000, features 32-512, units 32-2048, float32 and float64.

- Below about 3e5 multiply-adds OpenBLAS runs one thread anyway: the setting changes nothing.
- Idle, 2 threads take 0.5-0.8 of the time of 1 from 5e5 multiply-adds up: a gain, at most 2x.
- Busy, 2 threads cost anything from 0.4x to 750x the time of 1 between 5e5 and 7e7 multiply-adds (a 1,000 x 32
  @ 32 x 32 product: 64 us with one thread, 11 ms with two), because a thread on the busy core waits a scheduler
  slice (milliseconds) for a product that takes microseconds. From about 2.6e8 up (256 x 512 @ 512 x 2048, 1000 x
  256 @ 256 x 1024) the product outlasts the wait: 0.9-2x busy (two runs), 0.5x idle.

So below 2e8, one thread loses at most 2x (idle) where it loses and saves up to two or three orders of magnitude
(busy) where it wins; from 2e8 up, the extra threads gain up to 2x idle and lose about as much busy, so numpy_rnn
leaves the choice to the process's setting.

The once-per-batch products of that size cannot simply be given the process's setting: measured on W6 and W7 of
scripts/benchmark.py (out of the box, numpy_rnn alone, two rounds each, against one thread for everything in the
same run), the process's 2 threads made W6 0.83x-1.0x and W7 0.88x-0.90x as long on an idle machine, but 1.3x and
1.5x-1.6x with one core busy. Timing each product on both counts and keeping the faster did not help enough (W6
1.14x-1.41x, W7 1.08x-1.14x busy): after a product, OpenBLAS's worker thread keeps spinning for a while, waiting for
more work, and on a busy machine it takes the cycles the rest of the batch needs, a cost the product's own time does
not show. So numpy_rnn looks at the machine instead. At every training batch, once a quarter of a second has passed
since it last looked, it reads how much CPU time the machine has spent (Linux's /proc/stat) and subtracts its own
(``os.times``, its BLAS threads' spinning included): the rest is other programs' load, in cores. The large products then run on 1 + the free cores beyond
numpy_rnn's own thread (rounded), at most the process's setting, and on one thread until the first look, in
``evaluate`` and ``predict``, and wherever /proc/stat cannot be read. Switching the count for one product costs
about 7 us (threadpoolctl's ``limit`` and its restore) against some 5 ms for a product of 2e8 multiply-adds. Measured
the same way: W6 0.74x-0.77x and W7 0.86x-0.89x as long idle, 0.92x-1.00x and 1.04x-1.05x busy.

threadpoolctl (a small pure-Python package) does the setting. It is imported on first use, so ``import numpy_rnn``
needs only NumPy; without it numpy_rnn leaves the thread count alone and warns once.
"""
import contextlib
import contextvars
import os
import warnings
from time import perf_counter

from .checks import check_positive_int
from .layers.base import Layer

LARGE_PRODUCT = 2e8  # multiply-adds of a per-step product from which numpy_rnn leaves BLAS its own thread count

# The user's override from ``limit(n)``: None for the policy. A context variable, so that a block's override ends
# with the block (and belongs to the thread or task that set it).
_override = contextvars.ContextVar("numpy_rnn_blas_threads", default=None)
# While a numpy_rnn call runs on one thread by the policy and the process's setting is more: the call's
# FreeCores, which gives the thread count of its large once-per-batch products (``for_product``). None
# otherwise: no call under way, the policy left the process's setting, or the user's ``limit(n)`` decides.
_large_products = contextvars.ContextVar("numpy_rnn_large_products", default=None)
_blas = {}  # "controller": threadpoolctl's handle on NumPy's BLAS, made once (finding the libraries takes ~0.3 ms)


@contextlib.contextmanager
def limit(n):
    """``with numpy_rnn.threads.limit(n):`` numpy_rnn's own calls inside the block (fit, evaluate, predict, ...) use
    ``n`` BLAS threads instead of the policy's choice; ``limit(None)`` restores the policy. Nothing else in the process
    changes. Raises TypeError/ValueError unless ``n`` is a positive integer or None."""
    n = check_positive_int(n, "n", allow_none=True)
    token = _override.set(n)
    try:
        yield n
    finally:
        _override.reset(token)


def largest_product(model, rows):
    """The multiply-adds of ``model``'s largest per-step product, ``rows x features x units`` over its layers'
    weight matrices (a Sequential's ``layers``, or any Layer the model holds, as RecurrentNetwork does)."""
    layers = [value for value in vars(model).values() if isinstance(value, Layer)]
    layers += [layer for layer in getattr(model, "layers", []) if isinstance(layer, Layer)]
    sizes = [w.shape[0] * w.shape[1] for layer in layers if not layer.reads_token_ids_only
             for w in layer.params.values() if w.ndim == 2]
    return rows * max(sizes, default=0)


def choose(model, rows):
    """The thread count for a call of ``model`` on batches of ``rows`` samples: the user's ``limit(n)``, else 1 for
    products below LARGE_PRODUCT, else None (leave the process's setting as it is)."""
    if _override.get() is not None:
        return _override.get()
    return 1 if largest_product(model, rows) < LARGE_PRODUCT else None


def for_product(macs):
    """``with for_product(rows * inner * columns):`` around one of numpy_rnn's once-per-batch matrix products
    (layers/projection.py): a product of LARGE_PRODUCT multiply-adds or more, made while the call runs on one thread
    by the policy, runs on the thread count its call's ``FreeCores`` gives. Anything else runs as it is."""
    large = _large_products.get()
    if large is None or macs < LARGE_PRODUCT or _override.get() is not None:
        return contextlib.nullcontext()
    return large.product()


class FreeCores:
    """The thread count of one call's large once-per-batch products: 1 at first, then, at each ``batch()`` once
    WINDOW seconds have passed since the last look, 1 + the cores other programs left free in that time (beyond
    numpy_rnn's own thread), at most ``threads``, the process's setting."""

    WINDOW = 0.25  # seconds between looks: /proc/stat counts in ticks of 10 ms, 25 per core in a window

    def __init__(self, threads):
        self.threads, self.count = threads, 1
        self.last = cpu_seconds()

    def batch(self):
        now = cpu_seconds()
        if now is None or self.last is None or now[0] - self.last[0] < self.WINDOW:
            return
        wall, machine, own = (b - a for a, b in zip(self.last, now))
        others = max(0.0, machine - own) / wall  # cores' worth of CPU time other programs used
        self.count = max(1, min(self.threads, 1 + round(len(os.sched_getaffinity(0)) - 1 - others)))
        self.last = now

    def product(self):
        """The context of one large product: its thread count set, and the call's one thread back after it."""
        if self.count == 1:
            return contextlib.nullcontext()
        return _controller().limit(limits=self.count, user_api="blas")


def cpu_seconds(stat_file="/proc/stat"):
    """``(wall clock, CPU seconds the whole machine has spent, CPU seconds this process has spent)``, all in seconds,
    to be differenced between two looks; None where the machine's count cannot be read (no /proc/stat: not Linux).
    The first line of /proc/stat is "cpu" and the ticks every core has spent in each state since boot: user, nice,
    system, idle, iowait, irq, softirq, steal (time a virtual machine waited for its host), and more."""
    try:
        with open(stat_file) as stat:
            ticks = [int(value) for value in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = ticks + [0] * (8 - len(ticks))
    busy = user + nice + system + irq + softirq + steal  # the "cpu" line sums every core; idle and iowait are free
    own = os.times()
    return perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


class BlasThreads:
    """``with BlasThreads(model, rows):`` numpy_rnn's BLAS threads for one call, set on entering (or, with
    ``rows=None``, at the first ``at_batch(rows)``, when the batch size is known) and restored on leaving."""

    def __init__(self, model, rows=None):
        self.model, self.rows, self._limits, self._token = model, rows, None, None

    def __enter__(self):
        if self.rows is not None:
            self._set(choose(self.model, self.rows))
        return self

    def at_batch(self, rows):
        """At every training batch, of ``rows`` samples: the first sets the threads from its size; each lets the
        large products' count follow the machine's load (``FreeCores.batch``)."""
        if self.rows is None:
            self.rows = rows
            self._set(choose(self.model, self.rows))
        if self._token is not None:
            _large_products.get().batch()

    def _set(self, n):
        controller = _controller() if n is not None else None
        if controller is None:
            return
        if n == 1:
            # one thread: the large once-per-batch products are tuned (for_product; not under the user's limit(n)).
            # A call inside another (a callback's predict inside fit) finds the count at 1 and keeps the outer's.
            process = max((lib["num_threads"] for lib in controller.select(user_api="blas").info()), default=1)
            if process > 1:
                self._token = _large_products.set(FreeCores(process))
        self._limits = controller.limit(limits=n, user_api="blas")

    def __exit__(self, *exc):
        if self._limits is not None:
            self._limits.restore_original_limits()
            self._limits = None
        if self._token is not None:
            _large_products.reset(self._token)
            self._token = None
        return False


def _controller():
    """threadpoolctl's controller of the BLAS libraries loaded now (NumPy's), or None without threadpoolctl (which
    is then reported once)."""
    if "controller" not in _blas:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            warnings.warn("threadpoolctl is not installed, so numpy_rnn cannot limit NumPy's BLAS threads: small "
                          "recurrent models can run many times slower on a busy machine. pip install threadpoolctl, "
                          "or set OPENBLAS_NUM_THREADS=1 before starting Python.", RuntimeWarning, stacklevel=4)
            _blas["controller"] = None
        else:
            _blas["controller"] = ThreadpoolController()
    return _blas["controller"]
