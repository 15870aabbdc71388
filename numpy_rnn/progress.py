"""Per-epoch progress lines with a batch progress bar (tqdm, imported only when something is shown).

verbose=0: silent.  verbose=1: a progress bar over the batches of each epoch, left on screen with the epoch's
metrics.  verbose=2: one plain line per epoch.

A progress bar redraws its line with a carriage return ("\r"), which only a terminal turns into one line. Where the
output is not a terminal (a CI log, ``python train.py > log.txt``) each redraw would stay in the file, several to an
epoch, so there verbose=1 writes the plain line of verbose=2 instead, as Keras does. A Jupyter notebook is not a
terminal either, but draws tqdm's bars as widgets: it keeps them.
"""
import sys


def format_metrics(metrics):
    return " - ".join(f"{name}: {value:.4f}" for name, value in metrics.items())


def draws_bars(stream):
    """True when a progress bar written to ``stream`` shows as one line that updates in place: a terminal, or a
    Jupyter kernel's output (tqdm.auto then draws a widget)."""
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # a closed stream
        return False
    return "ipykernel" in sys.modules


class EpochProgress:
    """Wraps one epoch's batches; ``finish(metrics)`` writes the epoch's line."""

    def __init__(self, epoch, epochs, n_batches, verbose):
        self.desc = f"epoch {epoch + 1}/{epochs}"
        self.bar = None
        self.verbose = verbose
        if verbose == 1 and draws_bars(sys.stdout):
            try:
                from tqdm.auto import tqdm
            except ImportError:  # tqdm is a dependency, but a missing bar is no reason to stop training
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=n_batches, desc=self.desc, unit="batch", leave=True, file=sys.stdout,
                                dynamic_ncols=True)

    def update(self):
        if self.bar is not None:
            self.bar.update(1)

    def finish(self, metrics):
        if self.bar is not None:
            self.bar.set_postfix_str(format_metrics(metrics), refresh=True)
            self.bar.close()
        elif self.verbose:
            print(f"{self.desc} - {format_metrics(metrics)}", flush=True)
