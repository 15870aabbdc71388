"""tanh and sigmoid from activations.py: table_tanh against np.tanh in units in the last place, and the layers on it.

``table_tanh`` (the fast float64 tanh for CPUs without a vectorized one) must stay within 3 ulp of ``np.tanh`` on a
dense grid that includes what breaks such formulas: tiny and subnormal inputs (the relative error of tanh(b)), the
points halfway between table rows (where the nearest row changes), the saturation point 20 and the region where tanh
rounds to 1, huge values, +-0 (the sign of zero), +-inf and NaN. float32 keeps ``np.tanh`` itself (0 ulp). With the
table forced on for every size, the recurrent layers still pass their finite-difference checks and match PyTorch to
1e-10, as with ``np.tanh``.
"""
from fractions import Fraction

import numpy as np
import pytest

from numpy_rnn import GRU, LSTM, AdditiveAttention, Attention, LayerNormSimpleRNN, SimpleRNN, activations, gradcheck
from numpy_rnn.activations import (
    TABLE_TANH_MIN_SIZE,
    TANH_SATURATION,
    TANH_TABLE_STEP,
    sigmoid,
    table_tanh,
    tanh,
    tanh_series,
)

ULP_BOUND = 3  # table_tanh against np.tanh, float64
# the floating-point errors NumPy warns about by default (it ignores underflow: tanh(1e-300) underflows in b^3)
WARNINGS_RAISE = {"over": "raise", "divide": "raise", "invalid": "raise"}


def ulps(ours, reference):
    """|ours - reference| in units of the reference's last place (its spacing; the smallest subnormal at 0)."""
    ours, reference = np.asarray(ours, np.float64), np.asarray(reference, np.float64)
    return np.abs(ours - reference) / np.spacing(np.abs(reference))


def dense_grid():
    rng = np.random.default_rng(0)
    h = TANH_TABLE_STEP
    halfway = (np.arange(round(TANH_SATURATION / h)) + 0.5) * h  # where rint moves to the next table row
    near_halfway = np.concatenate([np.nextafter(halfway, 0), halfway, np.nextafter(halfway, 30)])
    positive = np.concatenate([
        np.linspace(0, 25, 1_000_001),
        rng.uniform(0, 6, 500_000),
        np.geomspace(5e-324, 1e-2, 20_000),  # subnormal and tiny: tanh(x) = x, to the last bit
        np.linspace(19.0, 19.2, 20_001),  # where tanh(x) reaches 1 in float64
        np.linspace(TANH_SATURATION - 1e-6, TANH_SATURATION + 1e-6, 2_001),  # the clip
        near_halfway,
        [1e10, 1e300, np.finfo(np.float64).max, np.inf],
    ])
    return np.concatenate([positive, -positive, [np.nan]])


def test_tanh_series_is_tanh_s_taylor_series():
    assert tanh_series(5) == [1, Fraction(-1, 3), Fraction(2, 15), Fraction(-17, 315), Fraction(62, 2835)]


def test_table_tanh_is_within_3_ulp_of_numpy_s_on_a_dense_grid():
    x = dense_grid()
    with np.errstate(**WARNINGS_RAISE):
        ours = table_tanh(x)
    assert ours.dtype == np.float64 and ours.shape == x.shape
    reference = np.tanh(x)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))  # NaN exactly where NumPy has NaN
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(reference))  # -0 included
    err = np.nan_to_num(ulps(ours, reference))
    worst = int(np.argmax(err))
    assert err[worst] <= ULP_BOUND, f"{err[worst]} ulp at x = {x[worst]!r}"


def test_table_tanh_pins_the_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-300, 20.0, -20.0, 1e308, -1e308])
    with np.errstate(**WARNINGS_RAISE):
        ours = table_tanh(x)
    np.testing.assert_array_equal(ours, [0.0, -0.0, 1.0, -1.0, np.nan, 5e-324, -5e-324, 1e-300, 1.0, -1.0, 1.0,
                                         -1.0])
    np.testing.assert_array_equal(np.signbit(ours[:2]), [False, True])  # tanh(-0) = -0
    assert np.isnan(table_tanh(np.full((64, 64), np.nan))).all()


@pytest.mark.parametrize("block", [7, 4096], ids=["blocks of 7", "one block"])
def test_table_tanh_writes_into_out_even_in_place(block, monkeypatch):
    monkeypatch.setattr(activations, "TABLE_TANH_BLOCK", block)  # 7: many blocks and a last, shorter one
    rng = np.random.default_rng(1)
    z = rng.normal(0, 3, size=(40, 60))
    expected = np.tanh(z)
    assert ulps(table_tanh(z), expected).max() <= ULP_BOUND
    out = np.full_like(z, np.nan)
    assert table_tanh(z, out=out) is out
    assert ulps(out, expected).max() <= ULP_BOUND
    strided = z[:, ::2]  # a view, as an LSTM's gate blocks are
    assert ulps(table_tanh(strided), expected[:, ::2]).max() <= ULP_BOUND
    strided_out = np.full((40, 60), np.nan)[:, 1::2]
    assert table_tanh(strided, out=strided_out) is strided_out
    assert ulps(strided_out, expected[:, ::2]).max() <= ULP_BOUND
    assert table_tanh(z, out=z) is z
    assert ulps(z, expected).max() <= ULP_BOUND


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_keeps_the_dtype_and_is_numpy_s_or_the_table_s(dtype):
    rng = np.random.default_rng(2)
    for shape in [(3, 4), (TABLE_TANH_MIN_SIZE,), (64, 128)]:
        z = rng.normal(0, 3, size=shape).astype(dtype)
        ours = tanh(z)
        assert ours.dtype == dtype
        if dtype == np.float32:
            np.testing.assert_array_equal(ours, np.tanh(z))  # float32 is always NumPy's (vectorized on AVX2 too)
        else:
            assert ulps(ours, np.tanh(z)).max() <= ULP_BOUND


def test_tanh_uses_the_table_for_large_float64_arrays_only(monkeypatch):
    monkeypatch.setattr(activations, "_TABLE_TANH_DTYPES", (np.dtype(np.float64),))  # as on a CPU without AVX-512
    rng = np.random.default_rng(3)
    large = rng.normal(0, 3, size=TABLE_TANH_MIN_SIZE)
    np.testing.assert_array_equal(tanh(large), table_tanh(large))
    small = large[:TABLE_TANH_MIN_SIZE - 1]
    np.testing.assert_array_equal(tanh(small), np.tanh(small))
    large32 = large.astype(np.float32)
    np.testing.assert_array_equal(tanh(large32), np.tanh(large32))
    out = np.empty_like(large)
    assert tanh(large, out=out) is out


def test_sigmoid_on_the_table_tanh_is_the_logistic_function(monkeypatch):
    monkeypatch.setattr(activations, "TABLE_TANH_MIN_SIZE", 0)
    monkeypatch.setattr(activations, "_TABLE_TANH_DTYPES", (np.dtype(np.float64),))
    z = np.concatenate([np.linspace(-40, 40, 100_001), [0.0, 1e-300, np.inf, -np.inf, 1e308, -1e308]])
    with np.errstate(**WARNINGS_RAISE):
        ours = sigmoid(z)
    with np.errstate(over="ignore"):
        reference = 1 / (1 + np.exp(-z))
    # within 4 ulp of numbers just below 1 (2^-53 each): tanh's 3 ulp halved, plus the rounding of both forms
    assert np.max(np.abs(ours - reference)) <= 4 * 2.0 ** -53


@pytest.fixture
def table_everywhere(monkeypatch):
    """table_tanh for every float64 array, however small (the layers' tests use a few units)."""
    monkeypatch.setattr(activations, "TABLE_TANH_MIN_SIZE", 0)
    monkeypatch.setattr(activations, "_TABLE_TANH_DTYPES", (np.dtype(np.float64),))


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU, LayerNormSimpleRNN])
def test_recurrent_layers_on_the_table_tanh_pass_their_gradient_checks(cls, table_everywhere):
    rng = np.random.default_rng(4)
    B, T, F, H = 3, 5, 4, 6
    layer = cls(H, return_sequences=True)
    layer.build(F, rng)
    for p in layer.params.values():
        p[...] = rng.normal(0, 0.6, size=p.shape)
    x, upstream = rng.normal(size=(B, T, F)), rng.normal(size=(B, T, H))
    layer.forward(x)
    dx = layer.backward(upstream)
    params = dict(layer.params, x=x)
    grads = dict(layer.grads, x=dx)
    report = gradcheck(lambda: np.sum(layer.forward(x) * upstream), params, grads)
    assert report.ok, report


@pytest.mark.parametrize("layer", [AdditiveAttention(), Attention(use_scale=True, score_mode="concat")],
                         ids=["additive", "concat"])
def test_attention_on_the_table_tanh_passes_its_gradient_check(layer, table_everywhere):
    rng = np.random.default_rng(5)
    layer.build(4, rng)
    for p in layer.params.values():
        p[...] = rng.normal(0.5, 0.8, size=p.shape)
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    upstream = rng.normal(size=(2, 3, 4))
    layer.forward([q, v])
    dq, dv = layer.backward(upstream)
    report = gradcheck(lambda: np.sum(layer.forward([q, v]) * upstream), dict(layer.params, q=q, v=v),
                       dict(layer.grads, q=dq, v=dv))
    assert report.ok, report


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_layers_on_the_table_tanh_match_pytorch(name, seed, table_everywhere):
    pytest.importorskip("torch")
    from test_torch_parity import parity_errors
    errors = parity_errors({"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}[name], seed)
    worst = max(errors, key=errors.get)
    assert errors[worst] < 1e-10, f"{worst}: {errors[worst]:.2e}"
