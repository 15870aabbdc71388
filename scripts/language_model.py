"""Word-level language models on Penn Treebank: "Deep Learning from Scratch 2"'s Rnnlm and Zaremba et al.'s LSTMs.

    python scripts/language_model.py --data ../shared/data/ptb                       # DLFS2 ch. 6, 4 epochs
    python scripts/language_model.py --data ../shared/data/ptb --recipe zaremba-small  # 13 epochs
    python scripts/language_model.py --data ../shared/data/ptb --recipe zaremba-medium --epochs 2 --max-windows 300
    python scripts/language_model.py                 # the built-in corpus (data.make_corpus): runs offline
    python scripts/language_model.py --quick         # tiny settings: that it runs, in seconds
    python scripts/language_model.py --save lm.npz   # then Sequential.load("lm.npz"), WordVocab.load("lm.npz.vocab.json")

A language model reads a text one word at a time and predicts the next word: Embedding -> LSTM(s) -> Dense(V,
softmax), trained with the cross-entropy of every step (sparse_categorical_crossentropy). The corpus is one long
stream, cut by ``data.lm_windows`` into B parallel streams read in windows of T words: the LSTMs are stateful, so each
window starts from the state the previous one ended in, and the gradient stops at the window's start (truncated
BPTT). Perplexity, exp(mean cross-entropy per word), is the score: a model that guesses uniformly among PTB's 10,000
words has perplexity 10,000.

The recipes (``--recipe``), with the figures their authors published (test perplexity):

  dlfs2           DLFS2 ch. 6's Rnnlm: Embedding(10000, 100) -> LSTM(100) -> Dense(10000); SGD, learning rate 20,
                  gradients clipped to a global norm of 0.25; windows of 35, batch 20, 4 epochs; the book's weights
                  (normal, scaled by 1/100 for the embedding and 1/sqrt(fan-in) elsewhere; biases 0); the state is
                  never reset during training. The book: test perplexity about 136; its own code on these files 135.5.
  zaremba-small   Zaremba, Sutskever & Vinyals 2014, "small" (non-regularized): 2 x LSTM(200), windows of 20, batch
                  20, SGD 1.0 halved every epoch after the 4th, clipping 5, every weight uniform in [-0.1, 0.1], 13
                  epochs, states reset at each epoch. Published: validation 120.7, test 114.5.
  zaremba-medium  2 x LSTM(650), dropout 0.5 on every non-recurrent connection, windows of 35, SGD 1.0 times 0.8 every
                  epoch after the 6th, clipping 5, weights uniform in [-0.05, 0.05], 39 epochs. Published: validation
                  86.2, test 82.7. Hours on a CPU: run a few epochs (--epochs, --max-windows) to see the trend.

Zaremba et al.'s loss is the *sum* over a window's T steps of the batch's mean cross-entropy; numpy_rnn's (and DLFS2's)
is the mean over steps too, so its gradients are T times smaller. The same updates then need a learning rate T times
larger and a clipping norm T times smaller: the recipes below are written that way (e.g. 20 and 0.25 for "small").

Prints the validation perplexity after every epoch with the epoch's time, the test perplexity at the end (each split
read statefully from zero states, in windows like training's), and sentences the model writes at temperatures 1.0 and
0.7. Writes the perplexity curves to ``--plot`` (default language_model.png) and, with ``--json``, the figures.
"""
import argparse
import json
import time

import numpy as np

from numpy_rnn import (
    LSTM,
    SGD,
    Dense,
    Dropout,
    Embedding,
    LambdaCallback,
    LearningRateScheduler,
    ResetStates,
    Sequential,
    generate,
)
from numpy_rnn.data import WordVocab, lm_windows, load_ptb, make_corpus
from numpy_rnn.plotting import plot_curves, save_figure

RECIPES = {
    "dlfs2": dict(embedding=100, layers=1, units=100, dropout=0.0, steps=35, batch=20, learning_rate=20.0,
                  clipnorm=0.25, epochs=4, decay=1.0, decay_after=None, init="dlfs2", reset_each_epoch=False,
                  published={"test": 136.0, "peer_test": 135.5}),
    "zaremba-small": dict(embedding=200, layers=2, units=200, dropout=0.0, steps=20, batch=20,
                          learning_rate=1.0 * 20, clipnorm=5.0 / 20, epochs=13, decay=0.5, decay_after=4,
                          init=0.1, reset_each_epoch=True, published={"valid": 120.7, "test": 114.5}),
    "zaremba-medium": dict(embedding=650, layers=2, units=650, dropout=0.5, steps=35, batch=20,
                           learning_rate=1.0 * 35, clipnorm=5.0 / 35, epochs=39, decay=0.8, decay_after=6,
                           init=0.05, reset_each_epoch=True, published={"valid": 86.2, "test": 82.7}),
}


def build_model(recipe, vocabulary_size, seed):
    """The recipe's model, with its authors' initial weights, compiled with SGD and the perplexity metric."""
    r = recipe
    stack = [Embedding(vocabulary_size, r["embedding"])]
    for _ in range(r["layers"]):
        if r["dropout"]:
            stack.append(Dropout(r["dropout"]))
        stack.append(LSTM(r["units"], return_sequences=True, stateful=True))
    if r["dropout"]:
        stack.append(Dropout(r["dropout"]))
    stack.append(Dense(vocabulary_size, activation="softmax"))
    model = Sequential(stack, random_state=seed, dtype="float32")
    model.build((r["steps"],))
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for name, p in layer.params.items():
            if r["init"] == "dlfs2":  # normal / sqrt(fan-in), the embedding / 100, biases 0 (DLFS2's Rnnlm)
                scale = 0.0 if p.ndim == 1 else 0.01 if isinstance(layer, Embedding) else 1 / np.sqrt(p.shape[0])
                p[...] = rng.standard_normal(p.shape) * scale
            else:  # every weight, biases included, uniform in [-init, init] (Zaremba et al.)
                p[...] = rng.uniform(-r["init"], r["init"], p.shape)
    model.compile(SGD(r["learning_rate"], global_clipnorm=r["clipnorm"]), "sparse_categorical_crossentropy",
                  metrics=["perplexity"])
    return model


def learning_rate_schedule(recipe):
    """Constant for the first ``decay_after`` epochs, then multiplied by ``decay`` every epoch (Zaremba et al.)."""
    base, decay, after = recipe["learning_rate"], recipe["decay"], recipe["decay_after"]
    return lambda epoch, lr: base * decay ** max(epoch + 1 - after, 0) if after else base


def stateful_perplexity(model, x, y, batch_size):
    """Perplexity of a whole split, read in order from zero states (as the split's own streams)."""
    model.reset_states()
    loss, ppl = model.evaluate(x, y, batch_size=batch_size)
    model.reset_states()
    return ppl


def load_data(args):
    if args.data:
        train, valid, test, vocab = load_ptb(args.data)
        return train, valid, test, vocab, "Penn Treebank"
    text = make_corpus(600 if args.quick else 20000, random_state=0)
    vocab = WordVocab.from_text(text)
    ids = vocab.encode(text)
    n = len(ids)
    return ids[:int(0.8 * n)], ids[int(0.8 * n):int(0.9 * n)], ids[int(0.9 * n):], vocab, "the built-in corpus"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the folder of ptb.train.txt, ptb.valid.txt, ptb.test.txt (default: the "
                                       "built-in corpus)")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="dlfs2")
    parser.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    parser.add_argument("--max-windows", type=int, help="train on the first N windows of each epoch only")
    parser.add_argument("--seed", type=int, default=0, help="initial weights, dropout and samples")
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", default="language_model.png", help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--save", help="save the trained model to this file and its vocabulary beside it "
                                       "(FILE.vocab.json): Sequential.load and WordVocab.load read them back")
    args = parser.parse_args(argv)

    recipe = dict(RECIPES[args.recipe])
    if args.quick:
        recipe.update(embedding=16, units=16, steps=10, batch=4, epochs=2, decay_after=min(recipe["decay_after"] or 1, 1))
    if args.epochs:
        recipe["epochs"] = args.epochs
    train, valid, test, vocab, source = load_data(args)
    B, T = recipe["batch"], recipe["steps"]
    (x, y), (x_val, y_val), (x_test, y_test) = (lm_windows(split, B, T) for split in (train, valid, test))
    if args.max_windows:
        x, y = x[:args.max_windows * B], y[:args.max_windows * B]
    print(f"{args.recipe} on {source}: {len(vocab):,} words, {len(train):,} / {len(valid):,} / {len(test):,} tokens; "
          f"{len(x) // B:,} windows of {T} x {B} streams an epoch")

    model = build_model(recipe, len(vocab), args.seed)
    times = []
    started = {}

    def begin(epoch, logs):
        started["t"] = time.perf_counter()

    def end(epoch, logs):
        times.append(time.perf_counter() - started["t"])
        print(f"epoch {epoch + 1:>2}: learning rate {logs['learning_rate']:.4g}, train perplexity "
              f"{logs['perplexity']:8.2f}, validation perplexity {logs['val_perplexity']:8.2f}  ({times[-1]:.0f} s)",
              flush=True)

    callbacks = [LearningRateScheduler(learning_rate_schedule(recipe)), LambdaCallback(on_epoch_begin=begin,
                                                                                        on_epoch_end=end)]
    if recipe["reset_each_epoch"]:
        callbacks.insert(0, ResetStates())
    history = model.fit(x, y, batch_size=B, epochs=recipe["epochs"], shuffle=False, verbose=0,
                        validation_data=(x_val, y_val), callbacks=callbacks)
    test_ppl = stateful_perplexity(model, x_test, y_test, B)
    print(f"test perplexity {test_ppl:.2f}" + "".join(f"; published {k.replace('_', ' ')} {v}"
                                                       for k, v in recipe["published"].items() if args.data))

    samples = {}
    for temperature in (1.0, 0.7):
        words = generate(model, "the", 40, temperature=temperature, random_state=args.seed,
                         vocab=vocab)
        samples[temperature] = "the " + words
        print(f"\nsampled at temperature {temperature}:\n{samples[temperature].strip()}")

    results = {"recipe": args.recipe, "data": source, "seed": args.seed, "epochs": recipe["epochs"],
               "val_perplexity": history.history["val_perplexity"][-len(times):],
               "train_perplexity": history.history["perplexity"][-len(times):], "test_perplexity": test_ppl,
               "seconds_per_epoch": times, "windows_per_epoch": len(x) // B, "published": recipe["published"],
               "samples": {str(k): v for k, v in samples.items()}}
    if args.save:  # the model and the vocabulary its ids mean: generating later needs both
        model.save(args.save)
        vocab.save(args.save + ".vocab.json")
        print(f"model saved to {args.save}, its vocabulary to {args.save}.vocab.json")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if not args.no_plot:
        print()
        save_figure(plot_curves, {"train": results["train_perplexity"], "validation": results["val_perplexity"]},
                    args.plot, title=f"{args.recipe} on {source}", ylabel="perplexity")
    return results


if __name__ == "__main__":
    main()
