"""The scripts run and write their figures (small settings: that they work, not how well or how fast)."""
import importlib.util
import os

import pytest

SCRIPTS = os.path.join(os.path.dirname(__file__), os.pardir, "scripts")


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(SCRIPTS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_text_on_the_built_in_data_writes_its_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "loss.png"
    rn = load_script("train_text").main(["--samples", "400", "--epochs", "3", "--verbose", "0", "--plot", str(plot)])
    assert plot.stat().st_size > 1000
    assert len(rn.losses) == 3
    assert "validation accuracy" in capsys.readouterr().out
