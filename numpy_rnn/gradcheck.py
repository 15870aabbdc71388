"""Finite-difference gradient checking, for numpy_rnn's own tests and for learners' code.

A backward pass claims ``dL/dp`` for every parameter ``p``. The central difference

    dL/dp_i ~ (L(p + eps e_i) - L(p - eps e_i)) / (2 eps)

needs only the forward pass, so it is an independent witness: its error is O(eps^2) from truncation plus about
machine_eps * |L| / eps from rounding. In float64 with eps = 1e-6 both are near 1e-10 relative, so an analytic
gradient that is right agrees to about 1e-9 and one with any real mistake (a missing transpose, a dropped term) is off
by far more than the 1e-7 bound. Use float64: in float32 the rounding term alone is about 1e-2.

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


def numerical_gradient(f, p, eps=1e-6):
    """Central-difference gradient of the scalar ``f()`` w.r.t. the array ``p``, which ``f`` reads.

    ``p`` is perturbed in place, one entry at a time, and restored exactly afterwards.
    """
    if not isinstance(p, np.ndarray):
        raise TypeError(f"p must be a NumPy array that f reads, got {type(p).__name__}")
    if not p.flags.c_contiguous:
        raise ValueError("p must be C-contiguous so that it can be perturbed in place")
    grad = np.zeros(p.shape, dtype=np.float64)
    flat = p.reshape(-1)  # a view of a contiguous array: writing to it writes to p
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        f_plus = float(f())
        flat[i] = original - eps
        f_minus = float(f())
        flat[i] = original
        grad.reshape(-1)[i] = (f_plus - f_minus) / (2 * eps)
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


def gradcheck(f, params, grads, eps=1e-6, tol=1e-7):
    """Compare analytic ``grads`` with central differences of the scalar ``f()`` for every array in ``params``.

    ``params`` and ``grads`` are dicts with the same keys; ``f`` must read the arrays in ``params`` (they are perturbed
    in place). Returns a ``GradcheckReport``. Raises ValueError when the keys or shapes differ.
    """
    if set(params) != set(grads):
        raise ValueError(f"params and grads must have the same keys, got {sorted(params)} and {sorted(grads)}")
    errors = {}
    for name, p in params.items():
        if np.shape(grads[name]) != np.shape(p):
            raise ValueError(f"grads[{name!r}] has shape {np.shape(grads[name])}, params[{name!r}] has {np.shape(p)}")
        if p.dtype != np.float64:
            raise TypeError(f"params[{name!r}] is {p.dtype}; gradient checks need float64 to be meaningful")
        errors[name] = relative_error(grads[name], numerical_gradient(f, p, eps))
    return GradcheckReport(errors, tol)
