"""What a user reads: progress lines in logs, the messages of refused input, and help() of every public class."""
import io
import sys

import numpy as np
import pytest

from numpy_rnn import Dense, RecurrentNetwork, Sequential, SimpleRNN


def text_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 6, size=(n, 5))
    return ids, (ids[:, -1] < 3).astype(int)


def sequential():
    model = Sequential([SimpleRNN(3, input_dim=6), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


# -- progress in logs that are not a terminal ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_a_log_that_is_not_a_terminal_gets_one_clean_line_per_epoch(kind, capsys):
    """capsys's stdout is not a terminal, as a CI log or ``> file`` is not: a progress bar's redraws, joined by
    carriage returns, would all stay in it. verbose=1 writes one plain line per epoch there instead."""
    x, y = text_data()
    if kind == "sequential":
        sequential().fit(x, y, epochs=3, batch_size=8, validation_data=text_data(16, seed=1), verbose=1)
    else:
        RecurrentNetwork(n_cells=3, batch_size=8, random_state=0, verbose=1).fit(x, y, epochs=3, x_val=x[:10],
                                                                                y_val=y[:10])
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"], out
    assert all("loss: " in line and "val_loss: " in line for line in lines)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_still_gets_the_progress_bar(monkeypatch):
    pytest.importorskip("tqdm")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    x, y = text_data()
    sequential().fit(x, y, epochs=2, batch_size=8, verbose=1)
    out = terminal.getvalue()
    assert "\r" in out and "batch" in out and out.count("epoch 2/2") > 1  # redrawn in place
