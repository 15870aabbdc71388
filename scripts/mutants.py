"""The planted mistakes that scripts/mutation.py runs against the test suite, grouped by source file.

Each mutant replaces one exact piece of source text (it must occur exactly once in its file) with a wrong version:
a mistake a learner could plausibly make when writing the code by hand. The tests named for it must then fail.
A mutant marked ``equivalent="why"`` provably cannot change any result; it is listed to show the reasoning, but it
is not run and never counts as a survivor.

The recurrent cells (simple_rnn.py, lstm.py, gru.py, layer_norm_rnn.py, recurrent.py) get their own section later.
"""
from dataclasses import dataclass, replace
from typing import Optional, Tuple


@dataclass(frozen=True)
class Mutant:
    original: str
    replacement: str
    description: str
    tests: Tuple[str, ...] = ()  # test files or node ids; empty: the tests of its file's group
    equivalent: Optional[str] = None  # why the change cannot alter any result
    file: str = ""  # filled in by in_file


def in_file(file, tests, *mutants):
    """The mutants of one source file, each given ``file`` and, unless it names its own, the group's ``tests``."""
    return [replace(m, file=file, tests=tuple(m.tests or tests)) for m in mutants]


LOSSES_AND_OPTIMIZERS = ["tests/test_losses_optimizers.py"]
LAYERS = ["tests/test_layers.py"]
NETWORK = ["tests/test_network.py"]

MUTANTS = [
    *in_file(
        "numpy_rnn/losses.py", LOSSES_AND_OPTIMIZERS,
        Mutant("(sigmoid(z) - y) / n", "(sigmoid(z) - y)",
               "BCE from logits: the gradient of the mean is not divided by the number of elements"),
        Mutant("np.log1p(np.exp(-np.abs(z)))", "np.log1p(np.exp(-z))",
               "BCE from logits: log(1 + exp(-|z|)) written with -z, right only for z >= 0"),
        Mutant("return float(value), (a - y) / (a * (1 - a)) / n", "return float(value), (a - y) / n",
               "BCE on probabilities returns the logit gradient a - y instead of dL/da"),
        Mutant("def binary_crossentropy(y, a, epsilon=1e-7)", "def binary_crossentropy(y, a, epsilon=1e-3)",
               "BCE clips probabilities at 1e-3 instead of Keras's 1e-7"),
        Mutant("2 * diff / diff.size", "diff / diff.size",
               "MSE gradient without the 2 from the derivative of the square"),
        Mutant("return np.argmax(y, axis=-1)", "return np.argmin(y, axis=-1)",
               "one-hot targets read with argmin instead of argmax"),
        Mutant("count = max(float(weights.sum()), 1.0)\n    shifted", "count = float(weights.size)\n    shifted",
               "softmax cross-entropy: the mean counts the masked (padding) positions too"),
        Mutant("np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))",
               "np.log(np.sum(np.exp(z), axis=-1, keepdims=True))",
               "log-softmax: the row maximum is subtracted outside the log-sum-exp but not inside it"),
        Mutant("axis=-1) - 1, axis=-1)", "axis=-1), axis=-1)",
               "softmax cross-entropy gradient: softmax(z) without subtracting the one-hot target"),
        Mutant("return float(value), dz * (weights / count)[..., None]", "return float(value), dz / count",
               "softmax cross-entropy gradient ignores the mask: padding positions get a gradient"),
        Mutant("(-weights / count / picked)", "(weights / count / picked)",
               "categorical cross-entropy: d(-log a)/da written as +1/a"),
    ),
    *in_file(
        "numpy_rnn/optimizers.py", LOSSES_AND_OPTIMIZERS,
        Mutant("            p -= self.learning_rate * g\n            return",
               "            p += self.learning_rate * g\n            return",
               "plain SGD climbs the gradient (+= instead of -=)"),
        Mutant("v -= self.learning_rate * g", "v += self.learning_rate * g",
               "momentum: the gradient enters the velocity with the wrong sign"),
        Mutant("p += self.momentum * v - self.learning_rate * g", "p += self.momentum * v",
               "Nesterov: the look-ahead step leaves out the current gradient"),
        Mutant("work *= 1 - self.rho", "work *= self.rho",
               "RMSprop: rho and 1 - rho swapped, the newest g^2 gets weight 0.9"),
        Mutant("np.add(s, self.epsilon, out=work)\n        np.sqrt(work, out=work)",
               "np.sqrt(s, out=work)\n        work += self.epsilon",
               "RMSprop: epsilon added after the square root instead of inside it"),
        Mutant("np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)", "1 / (1 - self.beta_1 ** t)",
               "Adam: only the first moment is bias-corrected"),
        Mutant("np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)",
               "np.sqrt(1 - self.beta_2) / (1 - self.beta_1)",
               "Adam: bias correction with beta instead of beta ** t (right on the first step only)"),
        Mutant("np.sqrt(v, out=work)\n        work += self.epsilon",
               "np.add(v, self.epsilon, out=work)\n        np.sqrt(work, out=work)",
               "Adam: epsilon inside the square root instead of added to sqrt(v)"),
        Mutant("s += g * g", "s = s + g * g",
               "Adagrad: s = s + g * g makes a new array, so the stored accumulator never grows"),
        Mutant("np.sqrt(s + self.epsilon)", "(np.sqrt(s) + self.epsilon)",
               "Adagrad: epsilon added after the square root instead of inside it"),
        Mutant("initial_accumulator_value=0.1, epsilon", "initial_accumulator_value=0.0, epsilon",
               "Adagrad's accumulator starts at 0 instead of Keras's 0.1"),
        Mutant("def __init__(self, learning_rate=0.001, beta_1", "def __init__(self, learning_rate=0.01, beta_1",
               "Adam's default learning rate 0.01 instead of 0.001"),
        Mutant("beta_2=0.999, epsilon=1e-7", "beta_2=0.999, epsilon=1e-8",
               "Adam's default epsilon 1e-8 (PyTorch's) instead of Keras's 1e-7"),
        Mutant("def __init__(self, learning_rate=0.001, initial_accumulator_value",
               "def __init__(self, learning_rate=0.01, initial_accumulator_value",
               "Adagrad's default learning rate 0.01 instead of 0.001"),
        Mutant("return clipnorm / norm if", "return norm / clipnorm if",
               "gradient clipping factor inverted: norm / clipnorm lengthens the step"),
        Mutant("float(np.sqrt(sum(np.vdot(g, g) for g in grads)))", "float(sum(np.vdot(g, g) for g in grads))",
               "global norm without the square root (the squared norm)"),
        Mutant("g = grads[name] * scale if scale != 1.0 else grads[name]", "g = grads[name]",
               "the clipping factor is computed but never applied"),
    ),
    *in_file(
        "numpy_rnn/initializers.py", NETWORK + LAYERS,
        Mutant("np.sqrt(6.0 / (shape[0] + shape[-1]))", "np.sqrt(6.0 / (shape[0] + shape[0]))",
               "Glorot limit from fan_in twice, fan_out ignored"),
        Mutant("rng.uniform(-limit, limit, size=shape)", "rng.uniform(0, limit, size=shape)",
               "Glorot draws from [0, limit]: every weight positive"),
        Mutant("q *= np.sign(np.diag(r))", "pass",
               "orthogonal: the sign fix from diag(R) deleted"),
        Mutant("    if rows < cols:\n        q = q.T\n", "",
               "orthogonal: a wide matrix (H, 4H) is not transposed back and comes out (4H, H)"),
    ),
    *in_file(
        "numpy_rnn/layers/projection.py", LAYERS,
        Mutant("return np.ones(len(rows), dtype=rows.dtype) @ rows",
               "return np.ones(len(rows), dtype=rows.dtype) @ rows / len(rows)",
               "bias gradient averaged over the rows instead of summed"),
        Mutant("np.add.reduceat(np.take(dY, order, axis=0, out=work, mode=\"clip\"), first, axis=0)",
               "np.take(dY, order, axis=0, out=work, mode=\"clip\")[first]",
               "grouped scatter-add keeps only the first row of each id: repeats are not accumulated"),
        Mutant("np.add.at(flat_dW, flat.reshape(-1), dY[start:start + rows].reshape(-1))",
               "flat_dW[flat.reshape(-1)] = dY[start:start + rows].reshape(-1)",
               "scatter-add written as an assignment: a repeated id keeps only its last row"),
        Mutant("flat = ids[start:start + rows].astype(np.intp)[:, None] * G", "flat = ids[start:start + rows][:, None] * G",
               "scatter index id * G computed in the ids' own type: overflows for uint8 ids"),
        Mutant("dW = x.reshape(-1, F).T @ dY.reshape(-1, G)", "dW = dY.reshape(-1, G).T @ x.reshape(-1, F)",
               "weight gradient transposed: dY^T x instead of x^T dY"),
        Mutant("if b is not None and len(W) <= x.size:", "if b is not None:",
               "the bias always added to the table before the gather",
               equivalent="(W + b)[ids] and W[ids] + b add the same two numbers for every entry; only speed differs"),
        Mutant("    if N == 0:\n        return dW\n", "",
               "the shortcut for no positions removed",
               equivalent="with N = 0 the np.add.at branch runs on empty arrays and adds nothing: dW stays zeros"),
    ),
    *in_file(
        "numpy_rnn/layers/dense.py", LAYERS,
        Mutant("dz = self._act_backward(y, dout) if through_activation else dout", "dz = dout",
               "Dense backward skips the activation's derivative"),
        Mutant('"b": bias_gradient(dz)', '"b": bias_gradient(dout)',
               "Dense bias gradient from dL/dy instead of dL/dz"),
        Mutant("dz = self._act_backward(y, dout) if through_activation else dout",
               "dz = self._act_backward(y, dout)",
               "Dense applies the activation's derivative even when the loss already gave dL/dz",
               tests=LAYERS + ["tests/test_model.py::test_softmax_classifier_on_sequences_gradients"]),
    ),
    *in_file(
        "numpy_rnn/layers/embedding.py", LAYERS,
        Mutant("rng.uniform(-0.05, 0.05, size=", "rng.uniform(-0.5, 0.5, size=",
               "Embedding table starts in [-0.5, 0.5], ten times Keras's range"),
        Mutant("ids, dout = ids.swapaxes(0, 1), dout.swapaxes(0, 1)", "ids = ids.swapaxes(0, 1)",
               "Embedding backward reorders the ids time-major but not the gradient: the pairs no longer match"),
    ),
    *in_file(
        "numpy_rnn/activations.py", LAYERS,
        Mutant("lambda a, da: da * a * (1 - a)", "lambda a, da: da * (1 - a)",
               "sigmoid derivative written as 1 - a instead of a (1 - a)"),
        Mutant("lambda a, da: da * (1 - a * a)", "lambda a, da: da * (1 - a)",
               "tanh derivative written as 1 - a instead of 1 - a^2"),
        Mutant("da * (a > 0)", "da * (a >= 0)",
               "ReLU derivative 1 at the zero outputs too, so negative inputs pass their gradient"),
        Mutant("return a * (da - np.sum(da * a, axis=-1, keepdims=True))", "return a * (1 - a) * da",
               "softmax backward with only the diagonal of its Jacobian (the sigmoid formula)"),
    ),
    *in_file(
        "numpy_rnn/gradcheck.py", ["tests/test_gradcheck.py"],
        Mutant("/ (12 * h)", "/ (6 * h)",
               "fourth-order central difference divided by 6h instead of 12h"),
        Mutant("(8 * (f_plus1 - f_minus1) - (f_plus2 - f_minus2)) / (12 * h)", "(f_plus1 - f_minus1) / h",
               "two-point central difference divided by h instead of 2h"),
        Mutant("max(1e-12, float(np.max(np.abs(a) + np.abs(n))))", "max(1e-12, float(np.max(np.abs(a))))",
               "relative error divided by |analytic| only, not |analytic| + |numeric|"),
        Mutant("max(1e-12, float(np.max(np.abs(a) + np.abs(n))))", "float(np.max(np.abs(a) + np.abs(n)))",
               "relative error without the 1e-12 floor: 0 / 0 when both gradients are zero"),
        Mutant("return all(err <= self.tol", "return any(err <= self.tol",
               "the report passes when any one parameter passes"),
        Mutant("        flat[i] = original\n        # Differences", "        # Differences",
               "the nudged entry is not restored after its differences"),
    ),
    *in_file(
        "numpy_rnn/network.py", NETWORK,
        Mutant("def __init__(self, n_cells=10, batch_size=32, learning_rate=0.1, bptt_steps=10",
               "def __init__(self, n_cells=10, batch_size=32, learning_rate=0.1, bptt_steps=None",
               "RecurrentNetwork: full BPTT by default instead of the book's 10 steps"),
        Mutant("def __init__(self, n_cells=10, batch_size=32, learning_rate=0.1,",
               "def __init__(self, n_cells=10, batch_size=32, learning_rate=0.01,",
               "RecurrentNetwork: default learning rate 0.01 instead of the book's 0.1"),
        Mutant("np.asarray(err) / m", "np.asarray(err)",
               "backprop does not divide the batch's error by its size m: the gradient of the sum, not the mean"),
        Mutant("        self.w1h -= lr * w1h_grad\n", "        self.w1h -= lr * w1h_grad.T\n",
               "the recurrent weight is updated with its gradient transposed"),
        Mutant("a = self.sigmoid(z)\n        err = -(y - a)", "a = self.sigmoid(z)\n        err = y - a",
               "err with the wrong sign: training climbs the loss"),
        Mutant("lr = self.lr * clip_scale(self._last_grad_norm, self.clipnorm)", "lr = self.lr",
               "clipnorm is ignored by the training step",
               tests=["tests/test_reliability.py::test_clipnorm_caps_each_step"]),
        Mutant("through_activation=False)", "through_activation=True)",
               "the output layer's error also sent through its activation's derivative",
               equivalent="the output Dense is linear: its derivative is 1 and its backward returns dout unchanged"),
    ),
]
