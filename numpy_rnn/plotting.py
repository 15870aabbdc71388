"""Figures with matplotlib, imported only when a figure is drawn (``import numpy_rnn`` needs NumPy alone).

The scripts draw their figures last, through ``save_figure``: without matplotlib they have still trained and printed
their results, and end normally with a line that says how to get the figure.
"""
import os

# numpy_rnn is installed from a clone, not from the package index: "pip install numpy_rnn[plot]" would find nothing.
INSTALL_HINT = 'pip install matplotlib (or, in a clone of numpy_rnn, pip install -e ".[plot]")'


class MatplotlibMissing(ImportError):
    """A figure was asked for, but matplotlib is not installed. An ImportError, so existing handlers still work."""


def pyplot():
    """``matplotlib.pyplot``, drawing into files (the Agg backend). Raises MatplotlibMissing without matplotlib."""
    try:
        import matplotlib
    except ImportError as error:
        raise MatplotlibMissing(f"figures need matplotlib: {INSTALL_HINT}") from error
    matplotlib.use("Agg")  # write files; never try to open a window
    import matplotlib.pyplot as plt
    return plt


def save_figure(plot, data, path, what="figure", **options):
    """``plot(data, path, **options)`` (``plot_curves``, ``plot_panels`` or a script's own), then print where the
    figure went as an absolute path (a relative one lands in whatever folder the script was started from). Without
    matplotlib, print how to get it instead and return None: a script that has trained and printed its results
    should not end in a traceback for want of a figure. Returns the absolute path otherwise."""
    try:
        plot(data, path, **options)
    except MatplotlibMissing:
        print(f"no {what}: matplotlib is not installed; for figures: {INSTALL_HINT}, or pass --no-plot to skip them")
        return None
    path = os.path.abspath(path)
    print(f"{what} written to {path}")
    return path


def plot_curves(curves, path, title="", xlabel="epoch", ylabel="loss"):
    """Save a line chart of named curves, ``{"train loss": [...], "val loss": [...]}``, to ``path`` (PNG).

    A curve is a list of values (plotted against 1, 2, ...: epochs) or an ``(x, y)`` pair.
    """
    return plot_panels([dict(curves=curves, title=title, xlabel=xlabel, ylabel=ylabel)], path)


def plot_panels(panels, path, title="", columns=None):
    """Save several charts side by side (wrapping after ``columns``) to ``path`` (PNG).

    Each panel is a dict with ``curves`` (as in ``plot_curves``) and optional ``title``, ``xlabel``, ``ylabel``,
    ``styles`` (curve label -> matplotlib format string such as ``"k."``) and ``logy`` (a log-scale y axis).
    """
    plt = pyplot()
    columns = columns or len(panels)
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.6 * rows), dpi=100, squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        styles = panel.get("styles", {})
        for label, values in panel["curves"].items():
            if values is None or not len(values):
                continue
            x, y = values if isinstance(values, tuple) else (range(1, len(values) + 1), values)
            ax.plot(x, y, styles.get(label, "-"), label=label)
        if panel.get("logy"):
            ax.set_yscale("log")
        ax.set_xlabel(panel.get("xlabel", ""))
        ax.set_ylabel(panel.get("ylabel", ""))
        ax.set_title(panel.get("title", ""))
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_attention(weights, input_tokens, output_tokens, path, title="", cmap="viridis"):
    """Save the attention weights of one sequence, (Tq, Tv) as ``Attention(...)(..., return_attention_scores=True)``
    gives them for one sample, as a heat map to ``path`` (PNG): one row per output token (the queries: what the
    decoder wrote), one column per input token (the values: what the encoder read), brighter where it read more.

    ``input_tokens`` and ``output_tokens`` label the columns and rows: sequences of Tv and Tq strings (a string of
    Tv characters works too, one character a column; a space is shown as \u2423). Raises ValueError, drawing
    nothing, when ``weights`` is not a finite (Tq, Tv) array or the labels do not match its shape; TypeError for
    labels that are not a sequence; MatplotlibMissing without matplotlib.
    """
    import numpy as np
    weights = np.asarray(weights)
    if weights.dtype.kind not in "iuf" or weights.ndim != 2 or weights.size == 0:
        raise ValueError(f"weights must be a (Tq, Tv) array of numbers (one sample's attention weights: "
                         f"take weights[b] from a batch), got shape {weights.shape} and dtype {weights.dtype}")
    if not np.all(np.isfinite(weights)):
        raise ValueError("weights contains NaN or infinite values")
    labels = {}
    for name, tokens, n, axis in (("input_tokens", input_tokens, weights.shape[1], "columns (Tv)"),
                                  ("output_tokens", output_tokens, weights.shape[0], "rows (Tq)")):
        try:
            tokens = ["\u2423" if str(t) == " " else str(t) for t in tokens]  # a space shown as a visible mark
        except TypeError:
            raise TypeError(f"{name} must be a sequence of tokens, got {type(tokens).__name__}") from None
        if len(tokens) != n:
            raise ValueError(f"{name} has {len(tokens)} tokens, but weights has {n} {axis}")
        labels[name] = tokens
    plt = pyplot()
    Tq, Tv = weights.shape
    fig, ax = plt.subplots(figsize=(1.2 + 0.4 * Tv, 1.0 + 0.4 * Tq), dpi=100)
    image = ax.imshow(weights, cmap=cmap, vmin=0.0, vmax=max(1e-12, float(weights.max())), aspect="auto")
    ax.set_xticks(range(Tv), labels["input_tokens"])
    ax.set_yticks(range(Tq), labels["output_tokens"])
    ax.set_xlabel("input (encoder steps)")
    ax.set_ylabel("output (decoder steps)")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    fig.colorbar(image, ax=ax, label="attention weight")
    if title:
        ax.set_title(title, pad=24)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
