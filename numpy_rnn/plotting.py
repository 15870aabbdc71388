"""Figures with matplotlib, imported only when a figure is drawn (``import numpy_rnn`` needs NumPy alone)."""


def _pyplot():
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError("figures need matplotlib: pip install numpy_rnn[plot]") from error
    matplotlib.use("Agg")  # write files; never try to open a window
    import matplotlib.pyplot as plt
    return plt


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
    plt = _pyplot()
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
