"""Run the reproductions, keep their figures in one JSON file, and write the README's results table from it.

    python scripts/reproduce.py                       # every entry but the long ones, each on its seeds (hours)
    python scripts/reproduce.py --only sine-simplernn toy-50     # some entries (--list shows them all)
    python scripts/reproduce.py --only lm-dlfs2 --long --seeds 1   # a long entry, one seed
    python scripts/reproduce.py --quick --json /tmp/quick.json     # each script's --quick once: that it all runs
    python scripts/reproduce.py --readme              # README.md's table from scripts/results/reproductions.json
    python scripts/reproduce.py --list                # the entries, their seeds and what the JSON holds for each

Why: a figure from one seed of one run is not a property of the code. It moves with the seed, and with anything that
changes the order of floating-point sums (another NumPy, another CPU's BLAS kernels, a rewrite of a loop), and a long
or chaotic run can move far. So every figure here is the mean over several seeds, stated with its lowest and highest
value, and a run on another machine should land within that range, not on the same digits.

How:
- ``ENTRIES`` below is the registry, one entry per row of the table: an id, the script and its arguments, the seeds,
  the figure taken from what the script's ``main(argv)`` returns, the published figure and where it comes from.
- Each seed is one call of the script's ``main(argv + ["--seed", S])`` in this process (numpy_rnn sets its own BLAS
  threads, so a run here is a run from the command line). Entries that read the same run (the twelve forecasting
  figures come from one ``forecasting.py`` run) share it: each run is made once. A seed seeds what the script's
  ``--seed`` seeds: in forecasting.py and on the built-in reviews the data as well as the models, so the spread
  includes the data's draw (the README's forecasting figures before this script varied the models only).
- The figures go to ``scripts/results/reproductions.json`` (``--json``): per entry every seed's value, their mean,
  lowest and highest, each run's seconds, and where they were measured (CPU, NumPy and the SIMD extensions it uses,
  its BLAS and that BLAS's kernel, Python), from which commit, on which date. Running some entries updates theirs
  and leaves the others as they were; the file is written after every entry, so an interrupted run keeps what it
  finished.
- ``--readme`` writes the table between ``<!-- reproductions:begin -->`` and ``<!-- reproductions:end -->`` in
  README.md from that file and nothing else, and ``tests/test_reproduce.py`` checks that the committed README and
  JSON agree, so a new figure cannot reach one without the other.
- Entries that need a data set (IMDB, Penn Treebank, tinyshakespeare) read it from ``--data-dir`` (by default
  ``../shared/data`` next to the repository) and are skipped, with a message, where it is absent. The IMDB archive
  is extracted into a temporary folder first. Entries that take hours (the language models) are marked ``long`` and
  run only with ``--long``.
- An entry never run by this script says "not run yet" in the table, with the command that runs it; where the README
  stated a figure before this script existed, the JSON keeps it as ``earlier``, with its source.
- ``--quick`` runs each entry's script once with its ``--quick`` settings (seconds each; those reading IMDB still
  read all of it): the machinery, not the figures. Its results go only to the file ``--json`` names, marked quick.
- A run that fails is reported with its traceback and made only once; its entries keep what the file held for them,
  the other entries go on, and the exit status is 1.

Bad arguments (an unknown id, fewer than one seed, ``--readme`` without a results file) stop with a message naming
them, and a README without the two markers raises ValueError, before anything is run or written.
"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
RESULTS = os.path.join(SCRIPTS, "results", "reproductions.json")
README = os.path.join(ROOT, "README.md")
DATA_DIR = os.path.join(ROOT, os.pardir, "shared", "data")
BEGIN, END = "<!-- reproductions:begin -->", "<!-- reproductions:end -->"


def load_script(name):
    """A script in scripts/ as a module (each script is a file to run, not a package to import)."""
    spec = importlib.util.spec_from_file_location(f"reproduce_{name}", os.path.join(SCRIPTS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Entry:
    id: str
    example: str  # the table's description of the row
    measured: str  # what the figure is
    script: str  # a file in scripts/, without .py
    figure: Callable  # main()'s return value -> the figure
    args: Tuple[str, ...] = ()  # "{data}" stands for the data set's path
    first_seed: int = 0
    seeds: int = 3
    seed_flag: str = "--seed"
    published: str = ""
    source: str = ""  # of the published figure
    data: Optional[str] = None  # a file or folder in --data-dir the entry needs
    extract: Optional[str] = None  # when ``data`` is a .tar.gz: the folder in it that "{data}" names
    long: bool = False  # hours: runs only with --long
    quick_args: Tuple[str, ...] = ()  # added to --quick where the script's own --quick is not enough for seconds
    digits: int = 4  # decimals shown in the table

    def seed_list(self, n=None):
        return list(range(self.first_seed, self.first_seed + (n or self.seeds)))

    def command(self):
        """What a reader types for one seed S, with the data set where ``--data-dir`` points by default."""
        data = (f"DIR/{self.extract}" if self.extract else f"../shared/data/{self.data}") if self.data else ""
        shown = f" {' '.join(a.replace('{data}', data) for a in self.args)} "
        for quiet in ("--no-plot", "--verbose 0"):  # they keep a run's output short, and change no figure
            shown = shown.replace(f" {quiet} ", " ")
        return " ".join(["python", f"scripts/{self.script}.py", *shown.split(), self.seed_flag, "S"])

    def describe(self):
        """The fields the JSON keeps next to the figures, so that the file can be read on its own."""
        return dict(id=self.id, example=self.example, measured=self.measured, command=self.command(),
                    published=self.published, source=self.source, data=self.data, long=self.long,
                    digits=self.digits)


def _registry():
    imdb, forecasting, lm = (load_script(name) for name in ("imdb_four_ways", "forecasting", "language_model"))
    book = "the textbook's IMDB chapter"
    entries = [
        Entry("main-job", "0. the main job: RecurrentNetwork on the built-in reviews, 30 epochs", "validation accuracy",
              "train_text", lambda rn: rn.val_scores[-1], ("--verbose", "0", "--no-plot"), seeds=10),
        Entry("sine-simplernn", "1. sine wave, SimpleRNN(100), an update every 30 steps, 100 epochs",
              "final average training loss", "sine_wave", lambda r: r["losses"][-1], ("--no-plot",),
              published="0.002 to 0.005", source="the original example", digits=5),
        Entry("sine-simplernn-cosine", "1. the same model, next-step prediction of a cosine", "MSE", "sine_wave",
              lambda r: r["cosine_mse"], ("--no-plot",), digits=5),
        Entry("sine-lstm", "1. the same with LSTM(100), 30 streams", "final average training loss", "sine_wave",
              lambda r: r["losses"][-1], ("--lstm", "--no-plot"), published="0.002 to 0.005",
              source="the original example", digits=5),
        Entry("sine-lstm-cosine", "1. the LSTM, next-step prediction of a cosine", "MSE", "sine_wave",
              lambda r: r["cosine_mse"], ("--lstm", "--no-plot"), digits=5),
        Entry("toy-50", "2. toy sequence, SimpleRNN(10) + Dense(1), 50 epochs", "training loss", "toy_sequence",
              lambda r: r["loss_early"], ("--no-plot",), seeds=8, published="0.78, one run",
              source="the original example"),
        Entry("toy-3000", "2. the same, 3,000 epochs", "training loss", "toy_sequence", lambda r: r["loss"],
              ("--no-plot",), seeds=8, digits=6),
    ]
    four = (("RecurrentNetwork", "rn", "RecurrentNetwork, 100-word one-hot"),
            ("SimpleRNN(32)", "simplernn", "SimpleRNN(32), SGD"),
            ("Embedding + SimpleRNN(8)", "embedding-simplernn", "Embedding + SimpleRNN(8), Adam"),
            ("Embedding + LSTM(8)", "embedding-lstm", "Embedding + LSTM(8), Adam"))
    for key, slug, name in four:
        entries.append(Entry(f"imdb-{slug}", f"3. IMDB: {name}", "validation accuracy", "imdb_four_ways",
                             lambda r, key=key: r[key], ("--data", "{data}", "--no-plot"), first_seed=42,
                             published=f"{imdb.PUBLISHED[key]:.4f}" + " (0.63 to 0.69)" * (slug == "rn"),
                             source=book, data="aclImdb_train.tar.gz", extract="aclImdb"))
    for key, slug, name in four:  # how far the last epoch's figure is from the run's best: SGD's epoch-to-epoch noise
        entries.append(Entry(f"imdb-{slug}-best", f"3. IMDB: {name}", "best epoch's validation accuracy",
                             "imdb_four_ways", lambda r, key=key: r[f"{key}, best"], ("--data", "{data}", "--no-plot"),
                             first_seed=42, data="aclImdb_train.tar.gz", extract="aclImdb"))
        entries.append(Entry(f"imdb-{slug}-best-epoch", f"3. IMDB: {name}", "the best epoch", "imdb_four_ways",
                             lambda r, key=key: r[f"{key}, best epoch"], ("--data", "{data}", "--no-plot"),
                             first_seed=42, data="aclImdb_train.tar.gz", extract="aclImdb", digits=1))
    for key, slug, name in four:
        entries.append(Entry(f"reviews-{slug}", f"3. built-in reviews (25,000): {name}", "validation accuracy",
                             "imdb_four_ways", lambda r, key=key: r[key], ("--no-plot",), first_seed=42))
    entries += [
        Entry("cosine-first", "4. stateful LSTM -> LSTM -> Dense, decaying cosine, 25 epochs",
              "training loss, first epoch", "stateful_cosine", lambda r: r["losses"][0], ("--no-plot",),
              published="334", source="the original example", digits=1),
        Entry("cosine-last", "4. the same", "training loss, last epoch", "stateful_cosine", lambda r: r["losses"][-1],
              ("--no-plot",), published="about 5", source="the original example", digits=2),
    ]
    forecasts = (("forecast-naive", "naive", "5. naive forecast (last value)", "validation MSE, next step"),
                 ("forecast-linear", "linear", "5. linear: Flatten + Dense(1)", "validation MSE"),
                 ("forecast-simplernn1", "SimpleRNN(1)", "5. SimpleRNN(1)", "validation MSE"),
                 ("forecast-deep", "deep 20-20-1", "5. deep SimpleRNN 20-20-1", "validation MSE"),
                 ("forecast-deep-dense", "deep 20-20 + Dense(1)", "5. deep SimpleRNN 20-20 + Dense(1)",
                  "validation MSE"),
                 ("ahead-naive", "10 ahead: naive", "5. ten ahead: naive", "validation MSE, ten steps"),
                 ("ahead-iterated", "10 ahead: one-step model x 10", "5. ten ahead: the one-step model applied ten "
                  "times", "validation MSE"),
                 ("ahead-dense10", "10 ahead: 20-20 + Dense(10)", "5. ten ahead: 20-20 + Dense(10)",
                  "validation MSE"),
                 ("seq2seq-simplernn", "seq2seq SimpleRNN", "5. sequence to sequence, SimpleRNN 20-20",
                  "last-step MSE"),
                 ("seq2seq-layernorm", "seq2seq LN-SimpleRNN", "5. sequence to sequence, layer-normalized SimpleRNN",
                  "last-step MSE"),
                 ("seq2seq-lstm", "seq2seq LSTM", "5. sequence to sequence, LSTM 20-20", "last-step MSE"),
                 ("seq2seq-gru", "seq2seq GRU", "5. sequence to sequence, GRU 20-20", "last-step MSE"))
    for entry_id, key, example, measured in forecasts:
        published = forecasting.PUBLISHED[key]
        entries.append(Entry(entry_id, example, measured, "forecasting", lambda r, key=key: r[key], ("--no-plot",),
                             first_seed=42, published=f"{published:.4f}" if published < 0.1 else f"{published:.3f}",
                             source="the original example"))
    for steps, epochs in ((40, 15), (100, 15)):
        for key, slug, name in (("front", "front", "front"), ("end", "end", "end"),
                                ("front, mask_zero", "mask", "front or end, mask_zero=True (the same run)")):
            prefix = "padding" if steps == 40 else f"padding-{steps}"
            entries.append(Entry(f"{prefix}-{slug}", f"padding to {steps} steps, {epochs} epochs: {name}",
                                 "validation accuracy", "padding", lambda r, key=key: r[key],
                                 ("--maxlen", str(steps), "--epochs", str(epochs)), digits=3))
    addition = load_script("seq2seq_addition")
    for key, name in (("plain", "plain"), ("reversed", "reversed input"), ("peeky", "reversed input, peeky decoder")):
        entries.append(Entry(f"addition-{key}", f"6. seq2seq addition, {name}, 25 epochs",
                             "exact-match accuracy, 5,000 held-out questions", "seq2seq_addition",
                             lambda r, key=key: r["accuracy"][key][-1], ("--data", "{data}", "--no-plot"),
                             published=f"{addition.PUBLISHED[key][-1]:.3f}",
                             source='"Deep Learning from Scratch 2"\'s own code, run here', data="addition.txt",
                             digits=3))
    dates = load_script("seq2seq_dates")
    for key, name in (("attention", "attention"), ("peeky", "peeky decoder"), ("plain", "plain")):
        last = max(dates.PUBLISHED[key])  # the book's code was run until it had learned, or for 5 epochs
        entries.append(Entry(f"dates-{key}", f"6. seq2seq dates, reversed input, {name}, 10 epochs",
                             "exact-match accuracy, 5,000 held-out dates", "seq2seq_dates",
                             lambda r, key=key: r["accuracy"][key][-1],
                             ("--data", "{data}", "--models", key, "--no-plot"),
                             published=f"{dates.PUBLISHED[key][last]:.3f} after epoch {last}",
                             source='"Deep Learning from Scratch 2"\'s own code, run here', data="date.txt",
                             long=True, digits=3))
    dlfs2, small = lm.RECIPES["dlfs2"]["published"], lm.RECIPES["zaremba-small"]["published"]
    ptb_quick = ("--max-windows", "20")  # --quick's tiny model would still read all of PTB's 23,000 windows
    entries += [
        Entry("lm-dlfs2", "Penn Treebank: DLFS2's Rnnlm, LSTM(100), 4 epochs", "test perplexity", "language_model",
              lambda r: r["test_perplexity"], ("--data", "{data}", "--recipe", "dlfs2", "--no-plot"),
              published=f"about {dlfs2['test']:.0f}; its own code: {dlfs2['peer_test']}",
              source='"Deep Learning from Scratch 2", ch. 6', data="ptb", long=True, digits=1,
              quick_args=ptb_quick),
        Entry("lm-zaremba-small-valid", "Penn Treebank: Zaremba et al.'s small LSTM, 2 x LSTM(200), 13 epochs",
              "validation perplexity", "language_model", lambda r: r["val_perplexity"][-1],
              ("--data", "{data}", "--recipe", "zaremba-small", "--no-plot"), published=f"{small['valid']}",
              source="Zaremba, Sutskever & Vinyals 2014", data="ptb", long=True, digits=1,
              quick_args=ptb_quick),
        Entry("lm-zaremba-small-test", "Penn Treebank: the same", "test perplexity", "language_model",
              lambda r: r["test_perplexity"], ("--data", "{data}", "--recipe", "zaremba-small", "--no-plot"),
              published=f"{small['test']}", source="Zaremba, Sutskever & Vinyals 2014", data="ptb", long=True,
              digits=1, quick_args=ptb_quick),
        Entry("char-rnn", "tinyshakespeare: char-rnn, 2 x LSTM(128), 3 epochs", "validation loss, nats per character",
              "char_rnn", lambda r: r["final"][0], ("--data", "{data}", "--torch", "--no-plot"), seed_flag="--seeds",
              published="none: PyTorch is the reference, next row",
              data="tinyshakespeare.txt", long=True),
        Entry("char-rnn-torch", "tinyshakespeare: the same model in PyTorch (torch 2, nn.LSTM)",
              "validation loss, nats per character", "char_rnn", lambda r: r["torch_final"][0],
              ("--data", "{data}", "--torch", "--no-plot"), seed_flag="--seeds", data="tinyshakespeare.txt",
              long=True),
    ]
    return entries


ENTRIES = _registry()
BY_ID = {entry.id: entry for entry in ENTRIES}


# -- where and from what the figures were measured -------------------------------------------------------------------
def blas_libraries():
    """Each BLAS loaded in the process, its version and the kernel it chose for this CPU (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl is not installed)"
    return [{k: lib.get(k) for k in ("internal_api", "version", "architecture", "threading_layer")}
            for lib in threadpool_info() if lib.get("user_api") == "blas"]


def machine():
    benchmark = load_script("benchmark")  # the CPU and NumPy's SIMD extensions: described there, for both scripts
    return {"cpu": benchmark.cpu_model(), "cores": os.cpu_count(), "system": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__, "simd": benchmark.simd_extensions(),
            "blas": blas_libraries()}


def git_commit():
    """The commit the figures come from; "+ uncommitted changes" when the code differs from it (the results file and
    the README, which this script writes, do not count)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--", ".", ":!scripts/results", ":!README.md")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" + uncommitted changes" if changed else "")


# -- running ---------------------------------------------------------------------------------------------------------
class Runner:
    """Makes each (script, arguments) run once and remembers its return value and seconds."""

    def __init__(self, data_dir, workdir):
        self.data_dir, self.workdir = data_dir, workdir
        self.runs, self.modules, self.extracted = {}, {}, {}

    def data_path(self, entry):
        """The path "{data}" stands for, or None when the data set is absent."""
        if not entry.data:
            return ""
        path = os.path.join(self.data_dir, entry.data)
        if not os.path.exists(path):
            return None
        if not entry.extract:
            return path
        if path not in self.extracted:
            folder = tempfile.mkdtemp(dir=self.workdir)
            print(f"extracting {path} into {folder} ...", flush=True)
            with tarfile.open(path) as archive:
                # "data": refuse links and paths leading out of the folder (Python 3.12; earlier ones extract as is)
                archive.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
            self.extracted[path] = folder
        return os.path.join(self.extracted[path], entry.extract)

    def run(self, entry, seed, quick):
        argv = [a.replace("{data}", self.data_path(entry)) for a in entry.args] + [entry.seed_flag, str(seed)]
        argv += ["--quick", *entry.quick_args] if quick else []
        key = (entry.script, tuple(argv))
        if key not in self.runs:
            if entry.script not in self.modules:
                self.modules[entry.script] = load_script(entry.script)
            print(f"\n=== python scripts/{entry.script}.py {' '.join(argv)}", flush=True)
            start = time.perf_counter()
            try:
                self.runs[key] = (self.modules[entry.script].main(argv), time.perf_counter() - start)
            except (Exception, SystemExit) as error:  # remembered: the entries sharing the run do not repeat it
                self.runs[key] = error
                raise
        if isinstance(self.runs[key], BaseException):
            raise RuntimeError(f"the run of scripts/{entry.script}.py {' '.join(argv)} failed (above)")
        return self.runs[key]


def measure(entry, runner, seeds, quick):
    """Run ``entry`` on each seed: its record for the JSON file."""
    values, seconds = [], []
    for seed in seeds:
        result, elapsed = runner.run(entry, seed, quick)
        values.append(float(entry.figure(result)))
        seconds.append(round(elapsed, 2))
    return dict(entry.describe(), status="quick" if quick else "measured", seeds=seeds, values=values,
                mean=float(np.mean(values)), min=min(values), max=max(values), seconds=seconds, machine=machine(),
                commit=git_commit(), date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def read_results(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {record["id"]: record for record in json.load(f)["entries"]}


def results_document(records):
    """Every registry entry in the registry's order: its record if it has one, else "not run yet". The descriptions
    are refreshed from the registry; the figures and an entry's ``earlier`` ones are kept."""
    entries = []
    for entry in ENTRIES:
        description = entry.describe()
        record = {"status": "not run yet", **(records.get(entry.id) or {})}
        entries.append({**description, **{k: v for k, v in record.items() if k not in description}})
    return {"about": "Figures of the reproductions, written by scripts/reproduce.py (see its docstring); "
                     "README.md's table is generated from this file with `python scripts/reproduce.py --readme`.",
            "entries": entries}


def write_results(path, records):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".json") as f:
        json.dump(results_document(records), f, indent=1)
        f.write("\n")
    os.chmod(f.name, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
    os.replace(f.name, path)  # never a half-written file, even when interrupted


# -- the README table ------------------------------------------------------------------------------------------------
def seeds_text(seeds):
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}-{seeds[-1]}"
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(map(str, seeds))


def figure_text(record):
    status = record.get("status", "not run yet")
    if status in ("measured", "quick"):
        d = record["digits"]
        if len(record["values"]) == 1:
            text = f"{record['mean']:.{d}f} ({seeds_text(record['seeds'])})"
        else:
            text = (f"{record['mean']:.{d}f} ({record['min']:.{d}f} to {record['max']:.{d}f}, "
                    f"{seeds_text(record['seeds'])})")
        return text + (" (--quick settings: not the figure)" if status == "quick" else "")
    command = f"python scripts/reproduce.py --only {record['id']}" + (" --long" if record.get("long") else "")
    text = f"not run yet: `{command}`"
    if record.get("data"):
        text += f" (needs ../shared/data/{record['data']})"
    if record.get("earlier"):
        text += f". Earlier: {record['earlier']['figure']}, from the {record['earlier']['source']}"
    return text


def machine_text(record):
    m = record["machine"]
    simd = m["simd"]["baseline"] + m["simd"]["found"] if isinstance(m["simd"], dict) else m["simd"]
    blas = ", ".join(f"{b['internal_api']} {b['version']} ({b['architecture']} kernels)" for b in m["blas"]) \
        if isinstance(m["blas"], list) else m["blas"]
    return (f"{m['cpu']} ({m['cores']} cores), Python {m['python']}, NumPy {m['numpy']} (SIMD: "
            f"{' '.join(simd) if isinstance(simd, list) else simd}), {blas}")


def render(document):
    """The README lines between the markers, from the results file's contents."""
    records = document["entries"]
    about = ("Each figure is the mean over the seeds shown, with the lowest and highest value in brackets (the "
             "command in the last column, run with `--seed S` for each seed S). Runs on another machine, or after a "
             "change that reorders floating-point sums, differ from these within about that range, not to the digit. "
             "`python scripts/reproduce.py --only ID` regenerates a row, then `python scripts/reproduce.py --readme` "
             "this table.")
    lines = ["<!-- generated by `python scripts/reproduce.py --readme` from scripts/results/reproductions.json: "
             "edit those, not this table -->", ""]
    lines += textwrap.wrap(about, 120, break_on_hyphens=False, break_long_words=False)
    lines += ["", "| id | example | measured | published | numpy_rnn: mean (lowest to highest) | command |",
              "|---|---|---|---|---|---|"]
    for r in records:
        published = r["published"] + (f" ({r['source']})" if r["source"] else "")
        lines.append(f"| `{r['id']}` | {r['example']} | {r['measured']} | {published} | {figure_text(r)} | "
                     f"`{r['command']}` |")
    measured = [r for r in records if r.get("status") in ("measured", "quick")]
    lines.append("")
    if not measured:
        lines.append("No row has been measured by `scripts/reproduce.py` yet.")
    else:
        where = {}
        for r in measured:
            where.setdefault(machine_text(r), []).append(r)
        for text, rows in where.items():
            commits = sorted({r["commit"][:12] for r in rows})
            dates = sorted(r["date"][:10] for r in rows)
            span = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
            lines.append(f"Measured on {text}; commit {', '.join(commits)}; {span} "
                         f"({len(rows)} row{'s' if len(rows) > 1 else ''}).")
    return lines


def readme_with_table(text, document):
    """``text`` (README.md) with the lines between the markers replaced by ``render(document)``."""
    lines = text.split("\n")
    if lines.count(BEGIN) != 1 or lines.count(END) != 1 or lines.index(BEGIN) > lines.index(END):
        raise ValueError(f"the README must hold one line {BEGIN} and, after it, one line {END}; found "
                         f"{lines.count(BEGIN)} and {lines.count(END)}")
    begin, end = lines.index(BEGIN), lines.index(END)
    return "\n".join(lines[:begin + 1] + render(document) + lines[end:])


def table_in(text):
    """The generated lines of a README, between the markers."""
    lines = text.split("\n")
    return lines[lines.index(BEGIN) + 1:lines.index(END)]


# -- the command line ------------------------------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="run these entries only (default: all; --list)")
    parser.add_argument("--seeds", type=int, help="seeds per entry, from the entry's first (default: the entry's)")
    parser.add_argument("--quick", action="store_true", help="each script's --quick, one seed: the machinery")
    parser.add_argument("--long", action="store_true", help="also run the entries that take hours")
    parser.add_argument("--json", help=f"the results file (default {os.path.relpath(RESULTS, ROOT)}; with --quick: "
                                       "none unless given)")
    parser.add_argument("--data-dir", default=DATA_DIR, help="where the data sets are (default ../shared/data)")
    parser.add_argument("--readme", nargs="?", const=README, metavar="PATH",
                        help="run nothing: write the table in README.md (or PATH) from the results file")
    parser.add_argument("--list", action="store_true", help="run nothing: list the entries and their status")
    args = parser.parse_args(argv)
    unknown = [i for i in args.only or [] if i not in BY_ID]
    if unknown:
        parser.error(f"--only: no entry {', '.join(unknown)}; the entries are {', '.join(BY_ID)}")
    if args.seeds is not None and args.seeds < 1:
        parser.error(f"--seeds must be 1 or more, got {args.seeds}")
    json_path = args.json or (None if args.quick else RESULTS)
    if args.readme and not os.path.exists(json_path or RESULTS):
        parser.error(f"--readme: no results file {json_path or RESULTS} to write the table from")

    if args.readme or args.list:
        records = read_results(json_path or RESULTS)
        if args.list:
            for entry in ENTRIES:
                r = records.get(entry.id, {"id": entry.id, **entry.describe()})
                print(f"{entry.id:<28} {seeds_text(entry.seed_list(args.seeds)):<13} {figure_text(r)}")
        if args.readme:
            with open(args.readme, encoding="utf-8") as f:
                text = f.read()
            new = readme_with_table(text, results_document(records))  # refuses a README without the markers
            write_results(json_path or RESULTS, records)  # with the descriptions as the registry has them now
            with open(args.readme, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"{args.readme}: table {'rewritten' if new != text else 'already up to date'}")
        return 0

    chosen = [BY_ID[i] for i in args.only] if args.only else [e for e in ENTRIES if args.long or not e.long]
    records = read_results(json_path) if json_path else {}
    failed, skipped = [], []
    with tempfile.TemporaryDirectory() as workdir:
        runner = Runner(args.data_dir, workdir)
        for entry in chosen:
            if entry.long and not args.long:
                skipped.append(f"{entry.id} (long: add --long)")
                continue
            if runner.data_path(entry) is None:
                skipped.append(f"{entry.id} (needs {os.path.join(args.data_dir, entry.data)})")
                continue
            seeds = entry.seed_list(1 if args.quick and not args.seeds else args.seeds)
            try:
                record = measure(entry, runner, seeds, args.quick)
            except (Exception, SystemExit):  # one broken entry (argparse exits) must not lose the others' hours
                traceback.print_exc()
                failed.append(entry.id)
                continue
            if "earlier" in records.get(entry.id, {}):
                record["earlier"] = records[entry.id]["earlier"]
            records[entry.id] = record
            print(f"--- {entry.id}: {figure_text(record)}", flush=True)
            if json_path:
                write_results(json_path, records)
    if json_path:
        print(f"\nfigures written to {json_path}" + ("" if args.quick else
                                                     "; `python scripts/reproduce.py --readme` puts them in README.md"))
    else:
        print("\n--quick: figures not recorded (--json PATH keeps them)")
    for line in skipped:
        print(f"skipped: {line}")
    if failed:
        print(f"failed: {', '.join(failed)} (their earlier figures are kept)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
