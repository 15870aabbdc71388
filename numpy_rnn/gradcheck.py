"""Finite-difference gradient checking, for numpy_rnn's own tests and for learners' code.

A backward pass claims ``dL/dp`` for every parameter ``p``. A central difference needs only the forward pass, so it is
an independent witness. The familiar two-point form

    dL/dp_i ~ (L(p + h e_i) - L(p - h e_i)) / (2 h)

has a truncation error of order h^2 and a rounding error of about machine_eps * |L| / h: at best ~1e-10 in float64.
That is not always small enough. Recurrent networks have *vanishing gradients*: the gradient reaching a state ten
steps back can be 1e-5 while L is 1, and then 1e-10 of noise is a 1e-5 relative error on a right gradient. So the
checker uses the fourth-order central difference

    dL/dp_i ~ (L(p - 2h e_i) - 8 L(p - h e_i) + 8 L(p + h e_i) - L(p + 2h e_i)) / (12 h),   h = 1e-4

whose truncation error is of order h^4 times the fifth derivative and whose rounding error is ~1e-16 |L| / h: about
a hundred times more accurate than the two-point form, for twice the forward passes. The best h depends on the
function (rounding grows as h shrinks, truncation as h grows, and saturating tanh chains have large high derivatives),
so ``gradcheck`` tries h = 1e-4 and, for a parameter that does not pass, 1e-3 and 1e-2, and reports the smallest
error. A right gradient agrees to about 1e-9 or better at the step that suits it; one with any real mistake (a
missing transpose, a dropped term: errors of 1e-3 to 1) disagrees at every step and fails the 1e-7 bound. Use
float64: in float32 the rounding error alone is about 1e-4.

The comparison is one number per parameter array,

    relative_error(a, n) = max|a - n| / max(1e-12, max(|a| + |n|))

which is 0 for a perfect match, about 1 when the two are unrelated, and does not blow up on entries that are
(almost) zero in both.

Example, checking a hand-written gradient of ``L(w) = sum(tanh(x @ w))``::

    params = {"w": w}
    grads = {"w": x.T @ (1 - np.tanh(x @ w) ** 2)}
    report = gradcheck(lambda: np.sum(np.tanh(x @ params["w"])), params, grads)
    assert report.ok, report
"""
import numpy as np


def relative_error(analytic, numeric):
    """``max|a - n| / max(1e-12, max(|a| + |n|))``, as a float."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic gradient has shape {a.shape} but numeric gradient has shape {n.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n)) / max(1e-12, float(np.max(np.abs(a) + np.abs(n)))))


def numerical_gradient(f, p, h=1e-4):
    """Fourth-order central-difference gradient of the scalar ``f()`` w.r.t. the array ``p``, which ``f`` reads.

    ``p`` is perturbed in place, one entry at a time, and restored exactly afterwards.
    """
    if not isinstance(p, np.ndarray):
        raise TypeError(f"p must be a NumPy array that f reads, got {type(p).__name__}")
    if not p.flags.c_contiguous:
        raise ValueError("p must be C-contiguous so that it can be perturbed in place")
    grad = np.zeros(p.shape, dtype=np.float64)
    flat = p.reshape(-1)  # a view of a contiguous array: writing to it writes to p

    def f_at(i, value):
        flat[i] = value
        return float(f())

    for i in range(flat.size):
        original = flat[i]
        f_minus2, f_minus1 = f_at(i, original - 2 * h), f_at(i, original - h)
        f_plus1, f_plus2 = f_at(i, original + h), f_at(i, original + 2 * h)
        flat[i] = original
        # Differences first: equal values then cancel exactly, and no large partial sum is rounded.
        grad.reshape(-1)[i] = (8 * (f_plus1 - f_minus1) - (f_plus2 - f_minus2)) / (12 * h)
    return grad


class GradcheckReport:
    """The relative error per parameter; ``ok`` when every one is within ``tol``. Prints as a small table."""

    def __init__(self, errors, tol):
        self.errors = errors
        self.tol = tol

    @property
    def ok(self):
        return all(err <= self.tol for err in self.errors.values())

    def __bool__(self):
        return self.ok

    def __str__(self):
        lines = [f"{'parameter':<16}{'relative error':>16}  (bound {self.tol:.0e})"]
        for name, err in self.errors.items():
            lines.append(f"{name:<16}{err:>16.2e}  {'ok' if err <= self.tol else 'FAIL'}")
        return "\n".join(lines)

    __repr__ = __str__


def gradcheck(f, params, grads, h=(1e-4, 1e-3, 1e-2), tol=1e-7):
    """Compare analytic ``grads`` with central differences of the scalar ``f()`` for every array in ``params``.

    ``params`` and ``grads`` are dicts with the same keys; ``f`` must read the arrays in ``params`` (they are perturbed
    in place). ``h`` is a step or a sequence of steps tried in turn until one passes (see the module docstring).
    Returns a ``GradcheckReport``. Raises ValueError when the keys or shapes differ.
    """
    if set(params) != set(grads):
        raise ValueError(f"params and grads must have the same keys, got {sorted(params)} and {sorted(grads)}")
    errors = {}
    for name, p in params.items():
        if np.shape(grads[name]) != np.shape(p):
            raise ValueError(f"grads[{name!r}] has shape {np.shape(grads[name])}, params[{name!r}] has {np.shape(p)}")
        if p.dtype != np.float64:
            raise TypeError(f"params[{name!r}] is {p.dtype}; gradient checks need float64 to be meaningful")
        errors[name] = np.inf
        for step in ((h,) if np.isscalar(h) else h):
            errors[name] = min(errors[name], relative_error(grads[name], numerical_gradient(f, p, step)))
            if errors[name] <= tol:
                break
    return GradcheckReport(errors, tol)
