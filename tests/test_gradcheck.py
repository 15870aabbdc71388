"""The gradient checker itself: it must pass right gradients, fail wrong ones, and leave the parameters as they were."""
import numpy as np
import pytest

from numpy_rnn import gradcheck, numerical_gradient, relative_error


def test_relative_error_is_zero_for_equal_and_about_one_for_unrelated():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    # Entries that are zero in both do not divide by zero.
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_numerical_gradient_of_a_known_function_and_restores_the_array():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 4))
    before = w.copy()
    # d/dw sum(w^3) = 3 w^2
    numeric = numerical_gradient(lambda: np.sum(w ** 3), w)
    assert relative_error(3 * w ** 2, numeric) < 1e-9
    np.testing.assert_array_equal(w, before)


def test_gradcheck_passes_a_right_gradient_and_fails_a_wrong_one():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 3))
    params = {"w": rng.normal(size=(3, 2))}
    f = lambda: np.sum(np.tanh(x @ params["w"]))  # noqa: E731
    right = {"w": x.T @ (1 - np.tanh(x @ params["w"]) ** 2)}
    wrong = {"w": x.T @ (1 - np.tanh(x @ params["w"]))}  # the derivative of tanh written wrongly
    assert gradcheck(f, params, right).ok
    report = gradcheck(f, params, wrong)
    assert not report.ok
    assert "FAIL" in str(report)


def test_one_wrong_parameter_fails_the_whole_report():
    """A backward pass is right only when every gradient is: a right one must not hide a wrong one beside it."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3))
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    f = lambda: np.sum(np.tanh(x @ params["w"] + params["b"]))  # noqa: E731
    dz = 1 - np.tanh(x @ params["w"] + params["b"]) ** 2
    grads = {"w": x.T @ dz, "b": dz.mean(axis=0)}  # the bias gradient averaged over the rows instead of summed
    report = gradcheck(f, params, grads)
    assert report.errors["w"] <= report.tol < report.errors["b"]
    assert not report.ok and not report


def test_gradcheck_rejects_mismatched_arguments():
    w = np.zeros((2, 2))
    with pytest.raises(ValueError, match="same keys"):
        gradcheck(lambda: 0.0, {"w": w}, {"v": w})
    with pytest.raises(ValueError, match="shape"):
        gradcheck(lambda: 0.0, {"w": w}, {"w": np.zeros(3)})
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda: 0.0, {"w": w.astype(np.float32)}, {"w": w})
