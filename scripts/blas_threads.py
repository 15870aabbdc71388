"""How many BLAS threads pay for numpy_rnn's matrix products on this machine: the measurement behind threads.py.

Times ``(batch, features) @ (features, units)`` products, the shape of every per-step product the layers make (the
recurrent ``h_{t-1} W_h``, a Dense, a cell's input projection), at 1 and 2 BLAS threads (threadpoolctl), on an idle
machine and with a helper process spinning on one core (``--busy``), and prints, for each shape, the multiply-adds
(batch x features x units) and the time per product at each thread count.

    python scripts/blas_threads.py           # idle, then busy; float32 and float64; about 20 seconds
    python scripts/blas_threads.py --quick   # a few shapes: that it runs
"""
import argparse
import multiprocessing
import time

import numpy as np


def spin():
    """A CPU-bound loop: another program keeping one core busy."""
    while True:
        pass


def time_product(a, b, repeat):
    """The best of ``repeat`` rounds of the median time of one product ``a @ b``, in microseconds."""
    n = max(3, int(2e7 / (a.shape[0] * a.shape[1] * b.shape[1] + 1e4)))  # enough calls for a round of ~10 ms+
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            a @ b
        best = min(best, (time.perf_counter() - start) / n)
    return 1e6 * best


def shapes(quick):
    if quick:
        return [(32, 32, 32), (256, 256, 1024)]
    found = []
    for batch in (32, 64, 256, 1000):
        for features, units in ((32, 32), (32, 128), (128, 128), (128, 512), (256, 1024), (512, 2048)):
            found.append((batch, features, units))
    return found


def measure(quick, dtype, repeat):
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    rows = []
    for batch, features, units in shapes(quick):
        a = rng.standard_normal((batch, features)).astype(dtype)
        b = rng.standard_normal((features, units)).astype(dtype)
        times = {}
        for threads in (1, 2):
            with threadpool_limits(threads, user_api="blas"):
                a @ b  # warm-up: the threads wake up
                times[threads] = time_product(a, b, repeat)
        rows.append((batch, features, units, batch * features * units, times[1], times[2]))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two shapes, one round: that it runs")
    parser.add_argument("--mode", choices=("idle", "busy", "both"), default="both")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else 5
    results = {}
    for mode in (("idle", "busy") if args.mode == "both" else (args.mode,)):
        helper = None
        if mode == "busy":
            helper = multiprocessing.Process(target=spin, daemon=True)
            helper.start()
        try:
            for dtype in ("float32", "float64"):
                rows = results[mode, dtype] = measure(args.quick, dtype, repeat)
                print(f"{mode}, {dtype}: microseconds per product")
                print(f"{'batch':>6}{'features':>9}{'units':>7}{'mult-adds':>12}{'1 thread':>10}{'2 threads':>11}"
                      f"{'2 / 1':>7}")
                for batch, features, units, macs, t1, t2 in rows:
                    print(f"{batch:>6}{features:>9}{units:>7}{macs:>12,}{t1:>10.1f}{t2:>11.1f}{t2 / t1:>7.2f}")
        finally:
            if helper is not None:
                helper.terminate()
                helper.join()
    return results


if __name__ == "__main__":
    main()
