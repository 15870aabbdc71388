"""The scripts run and write their figures (small settings: that they work, not how well or how fast)."""
import importlib.util
import json
import os

import numpy as np
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


def test_train_text_reads_an_aclimdb_folder(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    for split in ("train", "test"):
        for polarity, marker in (("pos", "fine"), ("neg", "poor")):
            folder = tmp_path / "aclImdb" / split / polarity
            folder.mkdir(parents=True)
            for i in range(20):
                text = " ".join(list(rng.choice(words, size=30)) + [marker] * 3)
                (folder / f"{i}_1.txt").write_text(text, encoding="utf-8")
    plot = tmp_path / "imdb.png"
    rn = load_script("train_text").main(["--data", str(tmp_path / "aclImdb"), "--val-samples", "10", "--epochs", "2",
                                         "--verbose", "0", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert "IMDB: 30 training and 10 validation sequences of 100 token ids" in out
    assert rn.n_cells == 32 and rn.lr == 0.01 and plot.exists()


def test_benchmark_quick_runs_every_workload(tmp_path):
    """The benchmark's --quick mode: every workload runs for numpy_rnn, and every framework is either measured or
    reported as not installed (that it works, not how fast: speed is for the printed figures)."""
    benchmark = load_script("benchmark")
    rows = benchmark.main(["--quick", "--json", str(tmp_path / "bench.json")])
    assert {r["workload"] for r in rows} == set(benchmark.WORKLOADS)
    for row in rows:
        assert row["status"] in ("ok", "not installed"), row
        if row["impl"].startswith("numpy_rnn") or row["impl"] in ("textbook original", "Time layers"):
            assert row["status"] == "ok" and row["seconds"] > 0
    assert (tmp_path / "bench.json").stat().st_size > 100
    assert benchmark.main(["--markdown", str(tmp_path / "bench.json")]) == json.loads(
        (tmp_path / "bench.json").read_text())["rows"]  # the saved run, printed again without measuring
    table = benchmark.markdown_table(rows).splitlines()
    assert len(table) == 2 + len(benchmark.WORKLOADS)  # a line per workload
    assert all(line.count("|") == 6 for line in table)



def test_benchmark_timeout_stops_a_measurement_and_says_so():
    """--timeout: a measurement process that outlasts the limit is stopped and its row says so (a process cannot even
    import NumPy in a millisecond)."""
    rows = load_script("benchmark").main(["--quick", "--only", "W2", "--impls", "numpy_rnn", "--timeout", "0.001"])
    measured = [r for r in rows if r["status"] != "skipped (--impls)"]
    assert measured and all(r["status"] == "stopped after 0.001 s (--timeout)" for r in measured), rows


def test_benchmark_time_layers_reference_trains_as_numpy_rnn_does():
    """W6's Time-layers reference does numpy_rnn's work: from the same weights (float64, small shapes, ids repeating
    within a window), the same loss window after window with the states carried, and the same weights after three
    clipped SGD steps (every gradient, the scatter-add and the clipping enter them)."""
    from numpy_rnn import LSTM, SGD, Dense, Embedding, Sequential
    benchmark = load_script("benchmark")
    B, T, V, D, H = 4, 6, 7, 5, 3
    model = Sequential([Embedding(V, D), LSTM(H, return_sequences=True, stateful=True),
                        Dense(V, activation="softmax")], random_state=1, dtype="float64")
    model.compile(SGD(20.0, global_clipnorm=0.25), "sparse_categorical_crossentropy")
    model.build((T,))
    rng = np.random.default_rng(2)
    for layer in model.layers[1:]:  # non-zero biases: zero ones hide bias mistakes
        layer.params["b"][...] = rng.uniform(-0.5, 0.5, layer.params["b"].shape)
    weights = [w for layer in model.layers for w in layer.get_weights()]
    reference = benchmark.TimeLayersRnnlm(weights)
    ids = rng.integers(0, V, size=(3 * B, T + 1))  # 7 words: ids repeat in every window
    x, y = ids[:, :-1], ids[:, 1:]
    for i in range(0, len(x), B):
        ours = model.train_on_batch(x[i:i + B], y[i:i + B])
        theirs = reference.train_window(x[i:i + B], y[i:i + B])
        assert theirs == pytest.approx(ours, rel=1e-12, abs=0)  # the first within the clipping norm, the next above
    trained = [w for layer in model.layers for w in layer.get_weights()]
    params = [p for layer in reference.layers for p in layer.params]
    assert all(np.allclose(p, w, rtol=0, atol=1e-12) for p, w in zip(params, trained))
    assert not np.allclose(params[0], weights[0])  # the steps moved the weights


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM"])
def test_speed_floor_bare_loops_compute_what_numpy_rnn_computes(cell):
    """scripts/speed_floor.py's floor is only a floor of numpy_rnn's work if its bare loops do that work: from the same
    weights (float64, non-zero biases), their forward gives the layer's h_1 ... h_T, and their backward, given
    dL/dh_T, gives the gradient of every pre-activation, hence the layer's dW_h = sum_t h_{t-1}^T dX_t and db."""
    import numpy_rnn
    floor = load_script("speed_floor")
    B, T, F, H = 3, 7, 4, 5
    rng = np.random.default_rng(0)
    layer = getattr(numpy_rnn, cell)(H, dtype="float64")
    layer.build(F, rng)
    layer.params["b"][...] = rng.uniform(-0.5, 0.5, layer.params["b"].shape)
    x = rng.standard_normal((B, T, F))
    h_T = layer.forward(x)
    dh_T = rng.standard_normal((B, H))
    layer.backward(dh_T)
    X = np.einsum("btf,fg->tbg", x, layer.params["W_x"]) + layer.params["b"]  # every step's x_t W_x + b
    bare = getattr(floor, "Bare" + cell)(layer.params["W_h"], X)
    bare.forward()
    np.testing.assert_allclose(bare.h, layer.hidden_states, rtol=0, atol=1e-14)
    np.testing.assert_allclose(bare.h[-1], h_T, rtol=0, atol=1e-14)
    bare.backward(dh_T)
    np.testing.assert_allclose(np.einsum("tbh,tbg->hg", bare.h[:-1], bare.dX), layer.grads["W_h"], rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(bare.dX.sum(axis=(0, 1)), layer.grads["b"], rtol=0, atol=1e-12)


def test_speed_floor_runs_and_reports_the_floor(capsys):
    figures = load_script("speed_floor").main(["--batches", "2", "--rounds", "1"])  # W1, W4, W5
    out = capsys.readouterr().out
    assert out.count("numpy_rnn takes") == 3 and all(f"{w} per batch" in out for w in ("W1", "W4", "W5"))
    for workload in ("W1", "W4", "W5"):
        assert figures[workload]["bare forward"] > 0 and figures[workload]["whole"] > figures[workload]["forward"] > 0
    assert figures["W5"]["backward"] == figures["W5"]["bare backward"] == 0  # W5 predicts: no backward pass


def test_benchmark_w8_torch_seq2seq_computes_numpy_rnns_loss_and_gradients():
    """W8's PyTorch model does numpy_rnn's work: from the same weights (float64, PyTorch's second LSTM bias frozen at
    zero, non-zero biases elsewhere), the same first-batch loss and every parameter's gradient, then the same losses
    over three Adam steps with the global norm clipped (small enough to clip)."""
    torch = pytest.importorskip("torch")
    from numpy_rnn import Adam
    benchmark = load_script("benchmark")
    B, Tq, Ta, V, E, H = 5, 7, 4, 13, 6, 8
    rng = np.random.default_rng(3)
    x = [rng.integers(0, V, size=(3 * B, Tq)), rng.integers(0, V, size=(3 * B, Ta))]
    y = rng.integers(0, V, size=(3 * B, Ta))
    model = benchmark.seq2seq_class()(V, wordvec_size=E, hidden_size=H, random_state=1, dtype="float64")
    model.compile(Adam(1e-3, global_clipnorm=0.1), "sparse_categorical_crossentropy")
    model.predict([x[0][:B], x[1][:B]], batch_size=B)  # builds the layers
    for layer in (model.encoder, model.decoder, model.output_layer):
        layer.params["b"][...] = rng.uniform(-0.5, 0.5, layer.params["b"].shape)
    net = benchmark.torch_seq2seq(V, E, H).double()
    pairs = [("encoder_embedding", model.encoder_embedding), ("encoder", model.encoder),
             ("decoder_embedding", model.decoder_embedding), ("decoder", model.decoder), ("out", model.output_layer)]
    for name, layer in pairs:
        getattr(net, name).load_state_dict({k: torch.from_numpy(v) for k, v in layer.to_torch().items()})
    for rnn in (net.encoder, net.decoder):
        rnn.bias_hh_l0.requires_grad_(False)  # numpy_rnn's one bias is PyTorch's b_ih + b_hh
    trained = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(trained, 1e-3, eps=1e-7)

    def torch_loss(i):
        logits = net(*(torch.from_numpy(a[i:i + B]) for a in x))
        return torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.from_numpy(y[i:i + B]).reshape(-1))

    ours, _ = model.loss_and_gradients([x[0][:B], x[1][:B]], y[:B])
    theirs = torch_loss(0)
    theirs.backward()
    assert theirs.item() == pytest.approx(ours, rel=1e-12, abs=0)
    for name, layer in pairs:
        grads = layer.to_torch(layer.grads)
        for key, param in getattr(net, name).named_parameters():
            if param.requires_grad:
                np.testing.assert_allclose(param.grad.numpy(), grads[key], rtol=1e-9, atol=1e-12, err_msg=key)
    norm = torch.nn.utils.clip_grad_norm_(trained, 0.1)
    assert norm > 0.1  # the clipping acts
    opt.step()
    model.optimizer.step([(layer.params, layer.grads) for layer in model.layers])
    for i in range(B, 3 * B, B):
        ours = model.train_on_batch([x[0][i:i + B], x[1][i:i + B]], y[i:i + B])
        opt.zero_grad()
        theirs = torch_loss(i)
        theirs.backward()
        torch.nn.utils.clip_grad_norm_(trained, 0.1)
        opt.step()
        assert theirs.item() == pytest.approx(ours, rel=1e-6)  # Adam's epsilon and the clipping's 1e-6 differ

# The reproductions of the textbook examples: each --quick run trains a little and writes its figure.
def test_sine_wave_quick(tmp_path):
    pytest.importorskip("matplotlib")
    for flags in ([], ["--lstm"]):
        plot = tmp_path / "sine.png"
        result = load_script("sine_wave").main(["--quick", "--plot", str(plot)] + flags)
        assert plot.stat().st_size > 1000
        assert result["losses"][-1] < result["losses"][0] and np.isfinite(result["cosine_mse"])


def test_toy_sequence_quick_shows_the_summaries(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "toy.png"
    result = load_script("toy_sequence").main(["--quick", "--seeds", "2", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert "(None, 5, 10)" in out and "(None, 10)" in out and "Total params: 120" in out
    assert plot.stat().st_size > 1000 and result["loss"] < result["loss_early"]


def test_imdb_four_ways_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "imdb.png"
    figures = load_script("imdb_four_ways").main(["--quick", "--plot", str(plot)])
    models = ["RecurrentNetwork", "SimpleRNN(32)", "Embedding + SimpleRNN(8)", "Embedding + LSTM(8)"]
    assert set(figures) == {f"{m}{what}" for m in models for what in ("", ", best", ", best epoch")}
    # --quick trains one epoch: the best epoch is the last
    assert all(figures[f"{m}, best"] == figures[m] and figures[f"{m}, best epoch"] == 1 for m in models)
    assert all(0 <= figures[m] <= 1 for m in models) and plot.stat().st_size > 1000
    assert "s per epoch" in capsys.readouterr().out


def test_imdb_twin_quick_trains_numpy_rnn_and_pytorch_in_step():
    # The same weights and batches in two implementations: numpy_rnn's hand-written SGD training of SimpleRNN + Dense
    # is PyTorch autograd's to rounding, epoch after epoch (a wrong gradient or update would part them at once).
    pytest.importorskip("torch")
    curves = load_script("imdb_twin").main(["--quick"])
    assert len(curves["numpy_rnn"]) == 2 and curves["numpy_rnn"] == curves["torch"]
    assert max(curves["gap"]) < 1e-12


def test_seq2seq_addition_quick(tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "addition.png"
    result = load_script("seq2seq_addition").main(["--quick", "--plot", str(plot)])
    assert set(result["accuracy"]) == {"plain", "reversed", "peeky"}
    assert all(len(curve) == 2 and all(0 <= a <= 1 for a in curve) for curve in result["accuracy"].values())
    assert plot.stat().st_size > 1000


def test_seq2seq_dates_quick(tmp_path):
    pytest.importorskip("matplotlib")
    plot, maps = tmp_path / "dates.png", tmp_path / "attention.png"
    result = load_script("seq2seq_dates").main(["--quick", "--plot", str(plot), "--attention-plot", str(maps),
                                                "--attention-dates", "2"])
    assert set(result["accuracy"]) == {"attention", "peeky", "plain"}
    assert all(len(curve) == 2 and all(0 <= a <= 1 for a in curve) for curve in result["accuracy"].values())
    assert plot.stat().st_size > 1000
    assert [os.path.basename(p) for p in result["attention_plots"]] == ["attention-1.png", "attention-2.png"]
    assert all(os.path.getsize(p) > 1000 for p in result["attention_plots"])


def test_stateful_cosine_quick(tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "cosine.png"
    result = load_script("stateful_cosine").main(["--quick", "--plot", str(plot)])
    assert len(result["losses"]) == 2 and result["losses"][1] < result["losses"][0]
    assert plot.stat().st_size > 1000


def test_forecasting_quick(tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "forecast.png"
    mses = load_script("forecasting").main(["--quick", "--plot", str(plot)])
    assert set(mses) == set(load_script("forecasting").PUBLISHED)
    assert all(np.isfinite(v) and v > 0 for v in mses.values()) and plot.stat().st_size > 1000


def test_language_model_quick_learns_the_built_in_corpus_and_writes(tmp_path, capsys):
    results = load_script("language_model").main(["--quick", "--no-plot", "--json", str(tmp_path / "lm.json")])
    # 31 words: guessing uniformly gives perplexity 31; two tiny epochs already do far better
    assert results["val_perplexity"][-1] < 10 and results["test_perplexity"] < 10
    # SGD at the recipe's rate 20 on batches of 4 is noisy: the training perplexity falls, validation may wobble
    assert results["train_perplexity"][-1] < results["train_perplexity"][0]
    assert all(text.startswith("the ") for text in results["samples"].values())
    out = capsys.readouterr().out
    assert "validation perplexity" in out and "test perplexity" in out and "sampled at temperature 0.7" in out
    assert (tmp_path / "lm.json").stat().st_size > 100


def test_a_language_model_saved_with_its_vocabulary_writes_the_same_text_after_loading(tmp_path):
    from numpy_rnn import Sequential, generate
    from numpy_rnn.data import WordVocab
    path = str(tmp_path / "lm.npz")
    results = load_script("language_model").main(["--quick", "--no-plot", "--save", path])
    model, vocab = Sequential.load(path), WordVocab.load(path + ".vocab.json")
    # the script's own sample at temperature 0.7 (seed 0), written again by the loaded model and vocabulary
    assert "the " + generate(model, "the", 40, temperature=0.7, random_state=0, vocab=vocab) == results["samples"]["0.7"]


def test_char_rnn_quick_trains_the_same_model_as_pytorch(tmp_path):
    """From the same initial weights and on the same windows, PyTorch's model ends close to numpy_rnn's (float32
    rounding and the two Adams' epsilon placement make them drift apart slowly, not differ)."""
    pytest.importorskip("torch")
    results = load_script("char_rnn").main(["--quick", "--torch", "--no-plot"])
    run = results["runs"][0]
    assert len(run["val_loss"]) == len(run["torch_val_loss"]) == 2
    assert abs(run["val_loss"][0] - run["torch_val_loss"][0]) < 0.02
    assert run["val_loss"][-1] < np.log(22)  # better than a uniform guess among the corpus's 22 characters


def test_min_char_rnn_quick(tmp_path):
    results = load_script("char_rnn").main(["--quick", "--min-char-rnn", "--no-plot"])
    assert results["final"][0] < np.log(22)


def test_every_mutant_still_applies(capsys):
    """scripts/mutation.py plants each listed mistake by replacing an exact piece of source text. When the library
    changes, that text may disappear or appear twice and the mutant would test nothing; this notices it at once
    (the --list check reads the files and runs no tests)."""
    assert load_script("mutation").main(["--list"]) == 0, capsys.readouterr().out


def test_gradient_flow_quick_shows_what_its_docstring_claims(tmp_path, capsys):
    """The figure's claims, on the --quick settings: the gradients are the layer's own (to 1e-10, the input gradient
    step by step and the initial states'), W_h's singular values are the s of each label, the s = 0.5 norm stays
    under 0.5^k and falls by orders of magnitude, the s = 2 norm rises, and the library's LSTM (b_f = 1) keeps far
    more of the gradient 34 steps back than b_f = 0 and than the shrinking SimpleRNN."""
    pytest.importorskip("matplotlib")
    plot = tmp_path / "flow.png"
    result = load_script("gradient_flow").main(["--quick", "--plot", str(plot)])
    assert plot.stat().st_size > 1000
    out = capsys.readouterr().out
    assert "k = 34" in out and "LSTM, b_f = 1 (as initialized)" in out
    k, h = result["steps_back"], result["h_norms"]
    assert list(k) == list(range(35))
    for label, norms in h.items():
        assert result["layer_difference"][label] <= 1e-10, label
        assert norms[0] == pytest.approx(1.0, rel=1e-12), label  # dL/dh_T is g, of norm 1
    singular_values = result["singular_values"]
    for label, s in (("SimpleRNN, s = 0.5", 0.5), ("SimpleRNN, s = 1 (as initialized)", 1.0),
                     ("SimpleRNN, s = 2", 2.0)):
        np.testing.assert_allclose(singular_values[label], s, rtol=1e-12)
    shrinking, growing = h["SimpleRNN, s = 0.5"], h["SimpleRNN, s = 2"]
    assert np.all(shrinking <= 0.5 ** k * (1 + 1e-12))
    assert shrinking[-1] < 1e-8  # eight orders of magnitude in 34 steps
    assert growing[-1] > 10 and growing[-1] > growing[0]
    lstm_0, lstm_1 = h["LSTM, b_f = 0"][-1], h["LSTM, b_f = 1 (as initialized)"][-1]
    assert lstm_1 > 100 * lstm_0 and lstm_1 > 1e4 * shrinking[-1]
    assert result["c_norms"]["LSTM, b_f = 1 (as initialized)"][0] == 0  # the loss reads c_T only through h_T


@pytest.mark.parametrize("layer_name", ["SimpleRNN", "LSTM"])
def test_gradient_flow_steps_back_to_the_derivatives_of_the_states(layer_name):
    """What the figure plots is dL/d(state)_t at the right t: finite differences of L = sum(g * h_T) with respect to
    h_t (and c_t), the steps after t run forward from the perturbed state, at every t from T down to the initial
    state. Random non-zero biases, a random g, float64."""
    from helpers import randomize

    import numpy_rnn
    from numpy_rnn import numerical_gradient, relative_error

    flow = load_script("gradient_flow")
    rng = np.random.default_rng(5)
    B, T, F, H = 2, 6, 3, 3
    layer = flow.build_layer(getattr(numpy_rnn, layer_name), H, F, rng)
    randomize(layer, rng)
    cell = layer.cell
    x, g = rng.normal(size=(B, T, F)), rng.normal(size=(B, H))
    dstates, _ = flow.gradient_through_time(cell, x, g)

    states, history = [np.zeros((B, H)) for _ in cell.state_names], []
    for t in range(T):
        history.append([s.copy() for s in states])  # the states before step t + 1 (after step t): state_t
        states, _ = cell.forward_step(x[:, t], states)
    history.append(states)
    for t in range(T + 1):
        start = [s.copy() for s in history[t]]

        def loss(t=t, start=start):
            run = start
            for step in range(t, T):
                run, _ = cell.forward_step(x[:, step], run)
            return np.sum(g * run[0])

        for n in range(len(start)):
            numeric = numerical_gradient(loss, start[n])
            assert relative_error(dstates[n][t], numeric) < 1e-8, (t, cell.state_names[n])


# -- without matplotlib: every script that draws trains, prints, says how to get the figure, and ends normally -------
DRAWING_SCRIPTS = [("train_text", ["--verbose", "0"]), ("sine_wave", []), ("toy_sequence", []), ("imdb_four_ways", []),
                   ("stateful_cosine", []), ("forecasting", []), ("gradient_flow", []), ("language_model", []),
                   ("char_rnn", ["--min-char-rnn"])]


def block_matplotlib(monkeypatch):
    """Make ``import matplotlib`` fail, as on a machine without it (None in sys.modules stops an import)."""
    import sys
    for name in [name for name in sys.modules if name == "matplotlib" or name.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


@pytest.mark.parametrize("name, flags", DRAWING_SCRIPTS, ids=[name for name, _ in DRAWING_SCRIPTS])
def test_without_matplotlib_a_script_still_finishes_and_says_how_to_get_the_figure(name, flags, tmp_path, capsys,
                                                                                   monkeypatch):
    block_matplotlib(monkeypatch)
    plot = tmp_path / "figure.png"
    load_script(name).main(["--quick", "--plot", str(plot)] + flags)
    out = capsys.readouterr().out
    assert "matplotlib is not installed" in out and 'pip install -e ".[plot]"' in out and "--no-plot" in out
    assert "numpy_rnn[plot]" not in out  # not on the package index: that command would find nothing
    assert not plot.exists()


@pytest.mark.parametrize("name, flags", DRAWING_SCRIPTS, ids=[name for name, _ in DRAWING_SCRIPTS])
def test_no_plot_draws_nothing_and_says_nothing_about_figures(name, flags, tmp_path, capsys, monkeypatch):
    block_matplotlib(monkeypatch)  # --no-plot must not even try
    monkeypatch.chdir(tmp_path)
    load_script(name).main(["--quick", "--no-plot"] + flags)
    out = capsys.readouterr().out
    assert "matplotlib" not in out and "written to" not in out and list(tmp_path.iterdir()) == []


def test_the_main_job_without_matplotlib_exits_0(tmp_path):
    """``python scripts/train_text.py --quick`` as a user runs it, on a machine without matplotlib: exit status 0."""
    import subprocess
    import sys
    script = os.path.abspath(os.path.join(SCRIPTS, "train_text.py"))
    code = ("import runpy, sys; sys.modules['matplotlib'] = None; "
            f"sys.argv = [{script!r}, '--quick']; runpy.run_path({script!r}, run_name='__main__')")
    root = os.path.abspath(os.path.join(SCRIPTS, os.pardir))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "validation accuracy" in done.stdout and "no loss curves: matplotlib is not installed" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_train_text_quick_says_where_its_figure_went(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    rn = load_script("train_text").main(["--quick", "--verbose", "0"])
    assert len(rn.losses) == 3  # --quick: three epochs on 400 built-in reviews
    out = capsys.readouterr().out
    assert "320 training and 80 validation sequences" in out
    where = tmp_path / "train_text_loss.png"  # by default in the current folder, and the line says so in full
    assert where.stat().st_size > 1000 and f"loss curves written to {where}\n" in out
    elsewhere = tmp_path / "figures" / "loss.png"
    elsewhere.parent.mkdir()
    load_script("train_text").main(["--quick", "--verbose", "0", "--plot", str(elsewhere)])
    assert elsewhere.stat().st_size > 1000 and f"loss curves written to {elsewhere}\n" in capsys.readouterr().out


def test_padding_quick_returns_each_set_up_and_the_mask_makes_the_two_paddings_one_run(capsys):
    accuracies = load_script("padding").main(["--quick"])
    assert set(accuracies) == {"front", "end", "front, mask_zero", "end, mask_zero"}
    assert all(0 <= a <= 1 for a in accuracies.values())
    assert accuracies["front, mask_zero"] == accuracies["end, mask_zero"]  # docstring: "the same model"
    assert capsys.readouterr().out.count("\n") == 5  # the header and one line per set-up
