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
