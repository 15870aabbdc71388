"""The README's examples run as printed."""
import os
import re

README = os.path.join(os.path.dirname(__file__), os.pardir, "README.md")


def test_the_readme_toolkit_example_runs(capsys):
    text = open(README, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    example = next(b for b in blocks if "Sequential" in b)
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Total params: 5,061" in out
    mse = float(re.search(r"validation MSE ([0-9.]+)", out).group(1))
    assert mse < 0.01


def test_the_readme_cell_example_runs(capsys):
    text = open(README, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    example = next(b for b in blocks if "LSTMCell" in b)
    exec(compile(example, "README.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "True"
