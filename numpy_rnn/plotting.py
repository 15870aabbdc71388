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
    """Save a line chart of named curves, ``{"train loss": [...], "val loss": [...]}``, to ``path`` (PNG)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for label, values in curves.items():
        if values is not None and len(values):
            ax.plot(range(1, len(values) + 1), values, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
