"""scripts/reproduce.py: the README's results table is what the committed results file generates, and the machinery
that regenerates both works (on --quick settings: that it runs and records, not the figures)."""
import importlib.util
import io
import json
import os
import shutil
import tarfile
from dataclasses import replace

import numpy as np
import pytest

SCRIPTS = os.path.join(os.path.dirname(__file__), os.pardir, "scripts")
README = os.path.join(SCRIPTS, os.pardir, "README.md")


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(SCRIPTS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reproduce():
    return load_script("reproduce")


def committed(reproduce):
    with open(reproduce.RESULTS) as f:
        return json.load(f)


def test_the_readme_table_is_what_the_committed_results_generate(reproduce):
    """A figure changed in the JSON without `--readme`, or a table edited by hand, fails here."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    assert reproduce.table_in(text) == reproduce.render(committed(reproduce))


def test_the_committed_results_hold_every_entry_as_the_registry_describes_it(reproduce):
    records = committed(reproduce)["entries"]
    assert [r["id"] for r in records] == [e.id for e in reproduce.ENTRIES]
    for record, entry in zip(records, reproduce.ENTRIES):
        assert {k: record[k] for k in entry.describe()} == entry.describe(), entry.id
        assert record["status"] in ("measured", "not run yet"), entry.id  # never --quick figures
        if record["status"] == "measured":
            values = record["values"]
            assert len(values) == len(record["seeds"]) == len(record["seconds"])
            assert record["mean"] == pytest.approx(np.mean(values), rel=1e-12)
            assert (record["min"], record["max"]) == (min(values), max(values))
            assert record["machine"]["numpy"] and record["commit"] and record["date"]
        if "earlier" in record:
            assert record["earlier"]["figure"] and record["earlier"]["source"]  # where the figure came from


def test_every_entry_names_a_script_and_its_figure(reproduce):
    ids = [e.id for e in reproduce.ENTRIES]
    assert len(ids) == len(set(ids))
    for entry in reproduce.ENTRIES:
        assert os.path.exists(os.path.join(SCRIPTS, f"{entry.script}.py")), entry.id
        assert ("{data}" in entry.args) == bool(entry.data), entry.id
    long = {e.id for e in reproduce.ENTRIES if e.long}
    assert long == {"lm-dlfs2", "lm-zaremba-small-valid", "lm-zaremba-small-test", "char-rnn", "char-rnn-torch",
                    "dates-attention", "dates-peeky", "dates-plain"}


def test_a_figure_is_shown_as_its_mean_and_range_over_the_seeds(reproduce):
    record = dict(id="x", status="measured", digits=4, seeds=[0, 1, 2], values=[0.015, 0.005, 0.010], mean=0.01,
                  min=0.005, max=0.015)
    assert reproduce.figure_text(record) == "0.0100 (0.0050 to 0.0150, seeds 0-2)"
    one = dict(record, seeds=[42], values=[0.5], mean=0.5, min=0.5, max=0.5, digits=3)
    assert reproduce.figure_text(one) == "0.500 (seed 42)"
    quick = dict(one, status="quick")
    assert reproduce.figure_text(quick) == "0.500 (seed 42) (--quick settings: not the figure)"
    waiting = dict(id="lm-x", status="not run yet", long=True, data="ptb",
                   earlier={"figure": "1.5 (seed 0)", "source": "README before reproduce.py, one seed"})
    assert reproduce.figure_text(waiting) == ("not run yet: `python scripts/reproduce.py --only lm-x --long` (needs "
                                              "../shared/data/ptb). Earlier: 1.5 (seed 0), from the README before "
                                              "reproduce.py, one seed")
    assert reproduce.seeds_text([42, 43]) == "seeds 42, 43" and reproduce.seeds_text([3, 1, 2]) == "seeds 3, 1, 2"


def test_quick_runs_each_run_once_records_the_figures_and_writes_the_readme(reproduce, tmp_path, capsys):
    """--quick on a copy of the committed results: the entries run record their figures per seed (with the machine,
    commit and date), keep their earlier figures, and share one run where they read the same one; --readme then
    writes that file's table into a copy of the README and leaves the rest of it as it was."""
    results = tmp_path / "results.json"
    shutil.copy(reproduce.RESULTS, results)
    chosen = ["sine-simplernn", "sine-simplernn-cosine", "sine-lstm", "toy-50", "toy-3000"]
    code = reproduce.main(["--quick", "--seeds", "2", "--only", *chosen, "--json", str(results), "--data-dir",
                           str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("=== python scripts/sine_wave.py --no-plot --seed 0 --quick") == 1  # two entries, one run
    assert out.count("=== python scripts/toy_sequence.py --no-plot --seed 1 --quick") == 1
    records = {r["id"]: r for r in json.loads(results.read_text())["entries"]}
    for entry_id in chosen:
        r = records[entry_id]
        assert r["status"] == "quick" and r["seeds"] == [0, 1] and len(r["values"]) == 2, entry_id
        assert r["mean"] == pytest.approx(np.mean(r["values"]), rel=1e-12)
        assert (r["min"], r["max"]) == (min(r["values"]), max(r["values"]))
        assert r["machine"]["python"] and r["machine"]["numpy"] == np.__version__ and "simd" in r["machine"]
        assert r["commit"] and r["date"].endswith("UTC")
    assert records["toy-50"]["earlier"]["figure"].startswith("0.0081")  # kept from before the run
    before = {r["id"]: r for r in json.loads(open(reproduce.RESULTS).read())["entries"]}
    assert records["main-job"] == before["main-job"]  # not chosen: as it was
    assert records["toy-50"]["values"][0] != records["toy-50"]["values"][1]  # each seed its own model
    # The figure is the one named: the sine wave's last epoch loss and cosine MSE, from main() run as a reader runs it.
    direct = load_script("sine_wave").main(["--no-plot", "--seed", "1", "--quick"])
    assert records["sine-simplernn"]["values"][1] == direct["losses"][-1]
    assert records["sine-simplernn-cosine"]["values"][1] == direct["cosine_mse"]
    assert records["sine-lstm"]["values"][1] != direct["losses"][-1]

    readme = tmp_path / "README.md"
    shutil.copy(README, readme)
    before = readme.read_text(encoding="utf-8")
    assert reproduce.main(["--readme", str(readme), "--json", str(results)]) == 0
    after = readme.read_text(encoding="utf-8")
    table = reproduce.table_in(after)
    assert table == reproduce.render(json.loads(results.read_text()))
    row = next(line for line in table if line.startswith("| `toy-50` |"))
    toy = records["toy-50"]
    assert f"{toy['mean']:.4f} ({toy['min']:.4f} to {toy['max']:.4f}, seeds 0, 1) (--quick settings" in row
    assert any(line.startswith("Measured on ") and "NumPy " + np.__version__ in line for line in table)
    begin, end = before.index(reproduce.BEGIN), before.index(reproduce.END) + len(reproduce.END)
    assert after.startswith(before[:begin + len(reproduce.BEGIN)]) and after.endswith(before[end - len(
        reproduce.END):])


def test_entries_without_their_data_or_long_ones_are_skipped_and_kept(reproduce, tmp_path, capsys):
    results = tmp_path / "results.json"
    shutil.copy(reproduce.RESULTS, results)
    before = results.read_text()
    assert reproduce.main(["--quick", "--only", "imdb-rn", "lm-dlfs2", "--json", str(results), "--data-dir",
                           str(tmp_path / "nothing")]) == 0
    out = capsys.readouterr().out
    assert f"skipped: imdb-rn (needs {tmp_path / 'nothing' / 'aclImdb_train.tar.gz'})" in out
    assert "skipped: lm-dlfs2 (long: add --long)" in out
    assert results.read_text() == before


def test_the_imdb_archive_is_extracted_and_its_folder_passed(reproduce, tmp_path):
    archive = tmp_path / "aclImdb_train.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"a fine film"
        info = tarfile.TarInfo("aclImdb/train/pos/0_9.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    work = tmp_path / "work"
    work.mkdir()
    runner = reproduce.Runner(str(tmp_path), str(work))
    path = runner.data_path(reproduce.BY_ID["imdb-rn"])
    assert os.path.basename(path) == "aclImdb" and str(work) in path
    with open(os.path.join(path, "train", "pos", "0_9.txt"), "rb") as f:
        assert f.read() == data
    assert runner.data_path(reproduce.BY_ID["imdb-embedding-lstm"]) == path  # extracted once
    assert runner.data_path(reproduce.BY_ID["lm-dlfs2"]) is None  # no ptb/ there
    assert runner.data_path(reproduce.BY_ID["sine-lstm"]) == ""


def test_a_failing_run_is_reported_once_and_keeps_the_figures_of_its_entries(reproduce, tmp_path, capsys,
                                                                              monkeypatch):
    """Two entries reading one run that raises (asked for no epoch): the run is made once,
    both entries are reported as failed, the exit status is 1, and the file keeps what it held for them."""
    broken = [replace(reproduce.BY_ID[i], args=("--epochs", "0")) for i in ("padding-front", "padding-end")]
    monkeypatch.setattr(reproduce, "ENTRIES", broken)
    monkeypatch.setattr(reproduce, "BY_ID", {e.id: e for e in broken})
    results = tmp_path / "results.json"
    reproduce.write_results(str(results), {"padding-front": {"earlier": {"figure": "0.99", "source": "a test"}}})
    before = results.read_text()
    assert reproduce.main(["--json", str(results), "--seeds", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("=== python scripts/padding.py --epochs 0 --seed 0") == 1
    assert "failed: padding-front, padding-end (their earlier figures are kept)" in captured.out
    assert "Traceback" in captured.err
    assert results.read_text() == before


@pytest.mark.parametrize("argv, message", [
    (["--only", "sine-simplernn", "no-such-entry"], "--only: no entry no-such-entry"),
    (["--seeds", "0"], "--seeds must be 1 or more, got 0"),
    (["--readme", README], "--readme: no results file"),  # a table of nothing but "not run yet" is refused
])
def test_bad_arguments_stop_before_anything_runs(reproduce, tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        reproduce.main(argv + ["--json", str(tmp_path / "results.json")])
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()


def test_a_readme_without_the_markers_is_refused_and_nothing_is_written(reproduce, tmp_path):
    readme, results = tmp_path / "README.md", tmp_path / "results.json"
    readme.write_text("# a README\n\n| a | table |\n", encoding="utf-8")
    reproduce.write_results(str(results), {})
    before = results.read_text()
    with open(results, "w") as f:  # descriptions out of date: --readme would refresh them, had it gone on
        f.write(before.replace("final average training loss", "a stale description"))
    with pytest.raises(ValueError, match="reproductions:begin"):
        reproduce.main(["--readme", str(readme), "--json", str(results)])
    assert readme.read_text(encoding="utf-8") == "# a README\n\n| a | table |\n"
    assert results.read_text() == before.replace("final average training loss", "a stale description")
