"""Time numpy_rnn's training epochs on the textbook's IMDB shapes.

Workload "book": RecurrentNetwork on 20,000 sequences x 100 token ids over a 100-word vocabulary, 32 cells, batch 32,
learning rate 0.01, truncated BPTT over the last 10 steps (the textbook's configuration), with the data given as ids
and, for comparison, as the one-hot array the textbook builds. The data are random ids of the right shape: the time of
an epoch depends on the shapes, not on the words.

    python scripts/benchmark.py                 # 3 repetitions of one epoch each
    python scripts/benchmark.py --quick         # a tiny version, to check that it runs

Each measurement runs in its own process with the BLAS thread count pinned (default 1), and prints the median epoch
time, the per-batch time and the peak resident memory of that process.
"""
import argparse
import json
import os
import subprocess
import sys

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def measure(config):
    """Run one epoch in this process and return its figures (called in a child process)."""
    import resource
    import time

    import numpy as np

    from numpy_rnn import RecurrentNetwork

    rng = np.random.default_rng(0)
    ids = rng.integers(0, config["vocabulary"], size=(config["samples"], config["steps"]))
    y = rng.integers(0, 2, size=config["samples"])
    x = ids if config["input"] == "ids" else np.eye(config["vocabulary"], dtype=np.float64)[ids]
    rn = RecurrentNetwork(n_cells=32, batch_size=32, learning_rate=0.01, bptt_steps=config["bptt_steps"],
                          n_features=config["vocabulary"], random_state=0, verbose=0)
    start = time.perf_counter()
    rn.fit(x, y, epochs=1)
    seconds = time.perf_counter() - start
    batches = -(-config["samples"] // 32)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"epoch_s": seconds, "batch_ms": 1000 * seconds / batches, "peak_mb": peak_mb,
            "data_mb": x.nbytes / 2**20}


def run_child(config, threads):
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(config)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny shapes, one repetition")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(json.loads(args.child))))
        return None

    samples, steps, repeat = (200, 20, 1) if args.quick else (20000, 100, args.repeat)
    rows = []
    for input_form in ("ids", "one-hot"):
        config = dict(samples=samples, steps=steps, vocabulary=100, bptt_steps=10, input=input_form)
        runs = [run_child(config, args.threads) for _ in range(repeat)]
        epoch = sorted(r["epoch_s"] for r in runs)[len(runs) // 2]
        run = next(r for r in runs if r["epoch_s"] == epoch)
        rows.append(dict(workload=f"RecurrentNetwork, {samples} x {steps}, {input_form}", **run))
    print(f"threads={args.threads}, repetitions={repeat}, numpy_rnn RecurrentNetwork(32 cells, batch 32, "
          f"bptt_steps=10), one epoch")
    print(f"{'workload':<44}{'epoch (s)':>10}{'batch (ms)':>12}{'peak MB':>10}{'data MB':>10}")
    for r in rows:
        print(f"{r['workload']:<44}{r['epoch_s']:>10.2f}{r['batch_ms']:>12.3f}{r['peak_mb']:>10.0f}"
              f"{r['data_mb']:>10.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return rows


if __name__ == "__main__":
    main()
