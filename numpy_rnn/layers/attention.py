"""Attention and AdditiveAttention: each query step reads a weighted average of the value steps.

Shapes (B batch, Tq query steps, Tv value steps, D features of query and key, Dv features of value):

    query q (B, Tq, D)     value v (B, Tv, Dv)     key k (B, Tv, D), the value itself when not given (Dv = D then)
    scores s (B, Tq, Tv)   weights a (B, Tq, Tv)   output o (B, Tq, Dv)

A seq2seq decoder's states are the queries and the encoder's outputs the values: a[b, i, j] is how much output step i
reads encoder step j, and a heat map of it (numpy_rnn.plotting.plot_attention) shows what the model looks at.

Forward, as Keras's ``Attention`` (Luong's dot product) and ``AdditiveAttention`` (Bahdanau's sum of tanh):

    Attention, "dot":      r = q k^T                          (B, Tq, Tv)   r[b, i, j] = q[b, i] . k[b, j]
                           s = scale * r                      scale: a scalar weight (use_scale=True), else 1
    AdditiveAttention:     z = q[:, :, None] + k[:, None]     (B, Tq, Tv, D)   z[b, i, j] = q[b, i] + k[b, j]
                           h = tanh(z)
                           s = sum over D of scale * h        scale (D,) (use_scale=True), else all ones
    Attention, "concat":   z = q[:, :, None] + k[:, None]     (B, Tq, Tv, D)
                           h = tanh(scale * z)                scale: a scalar (use_scale=True), else 1
                           s = w * sum over D of h            w: the scalar concat_score_weight
    both:                  p = softmax over Tv of s, the masked steps left out (below)
                           a = p * m_drop                     training with dropout > 0 (inverted dropout), else a = p
                           o = a v                            (B, Tq, Dv)   o[b, i] = sum_j a[b, i, j] v[b, j]
                           o = o * query_mask[..., None]      when a query mask is given

Keras's AdditiveAttention has no projections: Bahdanau et al. score v^T tanh(W_q q + W_k k), and Keras leaves W_q
and W_k to Dense layers applied to the query and key before this one. ``scale`` plays the part of Bahdanau's v.

Masks (``mask=[query_mask, value_mask]``, each (B, Tq) / (B, Tv) booleans or None; True at real steps; a third
entry, the key's mask, is ignored, as in Keras: the value's mask marks the padded steps of both):

    keep[b, i, j] = value_mask[b, j]  (and j <= i with use_causal_mask=True: step i sees no later step)
    p[b, i, j] = exp(s[b, i, j] - c) / sum over kept j' of exp(s[b, i, j'] - c)   kept j, exactly 0 elsewhere

with c the largest kept score of the row (so no exp overflows). A padded encoder step thus gets weight exactly 0 and
its value changes nothing. A row with no kept step at all (every value step padded) gets all weights 0 and so
output 0: there is nothing to read. (Keras subtracts 1e9 from masked scores instead, which for such a row gives
roughly the unmasked softmax: it reads the padding. Rows with a kept step agree with Keras exactly.) The query mask
zeroes the output at padded query steps, as Keras does; the weights returned keep those rows.

Backward, given do (B, Tq, Dv) and, when the weights were returned too, da_out (B, Tq, Tv); the same symbols:

    do = do * query_mask[..., None]
    da = do v^T (+ da_out)                      (B, Tq, Tv)    o = a v
    dv = a^T do                                 (B, Tv, Dv)
    dp = da * m_drop                            dropout's mask, a constant of the forward pass (dp = da without)
    ds = p * (dp - sum over Tv of p * dp)       the softmax's Jacobian: ds_j = sum_j' p_j (delta_jj' - p_j') dp_j'
                                                (masked steps have p = 0, so they get ds = 0)
    "dot":              dr = scale * ds,   dscale = sum of ds * r
                        dq = dr k           (B, Tq, D)     dk = dr^T q     (B, Tv, D)
    AdditiveAttention:  dh = ds[..., None] * scale,   dscale = sum over B, Tq, Tv of ds[..., None] * h   (D,)
                        dz = dh * (1 - h^2)
                        dq = sum over Tv of dz         dk = sum over Tq of dz      (z = q[:, :, None] + k[:, None])
    "concat":           dh = w * ds[..., None],   dw = sum of ds * (sum over D of h)
                        du = dh * (1 - h^2)            (u = scale * z, h = tanh(u))
                        dscale = sum of du * z,   dz = scale * du,   then dq, dk as above
    key not given:      dv = dv + dk        (the value is used twice, as value and as key: both uses add up)

The call (these layers take two or three inputs, so the one-input contract of the other layers is widened):

    output = layer.forward([query, value], mask=None, training=False, return_attention_scores=False,
                           use_causal_mask=False)                      or [query, value, key]
    output, weights = layer.forward(..., return_attention_scores=True)          (Keras returns the weights a)
    [dquery, dvalue] = layer.backward(doutput)          [dquery, dvalue, dkey] when a key was given
    layer.backward((doutput, dweights))                 after return_attention_scores=True (either may be None)

Keras weights: Attention [scale ()] with use_scale=True, then [concat_score_weight ()] with score_mode="concat" (both
initialized to 1); AdditiveAttention [scale (D,)] with use_scale=True (Glorot uniform, Keras's default), else none.
"""
import numpy as np

from ..activations import tanh
from ..checks import check_gradient, check_input_array
from .base import Layer, documented
from .dropout import check_rate, dropout_mask, keep_generator, seed_or_random_state


def softmax_kept(s, keep):
    """Softmax over the last axis of ``s`` among the entries where ``keep`` is True; 0 elsewhere, and a row with no
    kept entry is all 0."""
    s = np.where(keep, s, -np.inf)  # exp(-inf) is exactly 0: masked steps get no weight at all
    c = s.max(axis=-1, keepdims=True)
    c = np.where(np.isfinite(c), c, 0.0)  # a row with nothing kept: any c works, its exps are all 0
    e = np.exp(s - c)
    total = e.sum(axis=-1, keepdims=True)
    return e / np.where(total > 0, total, 1.0)


def pairwise_sum(q, k):
    """z[b, i, j] = q[b, i] + k[b, j], (B, Tq, Tv, D): every query step next to every key step."""
    return q[:, :, None, :] + k[:, None, :, :]


def pairwise_sum_backward(dz):
    """(dq, dk) for dz (B, Tq, Tv, D): q[b, i] is in every z[b, i, j], so its gradient sums over j (Tv), and k[b, j]'s
    over i (Tq)."""
    return dz.sum(axis=2), dz.sum(axis=1)


class _ScoredAttention(Layer):
    """What both layers share: inputs and masks, the softmax and the weighted sum, forward and backward. A subclass
    gives the scores: ``_scores(q, k)`` returning (s, what its backward needs) and ``_scores_backward(ds, kept)``
    returning (dq, dk) and setting ``self.grads``."""

    needs_sequences = True
    config_keys = Layer.config_keys + ("use_scale", "dropout", "seed")

    def __init__(self, use_scale, dropout=0.0, seed=None, **kwargs):
        if not isinstance(use_scale, (bool, np.bool_)):
            raise TypeError(f"use_scale must be True or False, got {use_scale!r}")
        self.use_scale = bool(use_scale)
        self.dropout = check_rate(dropout, "dropout")
        super().__init__(random_state=seed_or_random_state(seed, kwargs), **kwargs)
        self.seed = self.random_state
        self.rng = None  # dropout's masks come from it: set by build

    def build(self, input_dim, rng=None):
        super().build(input_dim, rng)
        keep_generator(self, rng)

    # -- checking the call ----------------------------------------------------------------------------------------
    def _check_array(self, x, name, width=None):
        x = np.asarray(x)
        if x.dtype.kind in "iu":  # numbers, not token ids: attention reads vectors
            x = x.astype(self.dtype)
        return check_input_array(x, 3, width, self.dtype, name=f"{self.name}: {name}")

    def _check_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise TypeError(f"{self.name}: inputs must be a list [query, value] or [query, value, key] of "
                            f"(batch, steps, features) arrays, got {type(inputs).__name__}"
                            + (f" of length {len(inputs)}" if isinstance(inputs, (list, tuple)) else ""))
        q = self._check_array(inputs[0], "query", self.input_dim)
        v = self._check_array(inputs[1], "value")
        k = v if len(inputs) == 2 else self._check_array(inputs[2], "key")
        if k.shape[-1] != q.shape[-1]:
            raise ValueError(f"{self.name}: query and key must have the same number of features, got query "
                             f"{q.shape} and {'value (the key when none is given)' if len(inputs) == 2 else 'key'} "
                             f"{k.shape}")
        if v.shape[0] != q.shape[0] or k.shape[:2] != v.shape[:2]:
            raise ValueError(f"{self.name}: query (B, Tq, D), value (B, Tv, Dv) and key (B, Tv, D) must agree on B "
                             f"and Tv, got query {q.shape}, value {v.shape}, key {k.shape}")
        return q, v, k, len(inputs) == 3

    def _check_mask(self, mask, B, Tq, Tv):
        if mask is None:
            return None, None
        if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
            raise TypeError(f"{self.name}: mask must be a list [query_mask, value_mask] (either may be None), got "
                            f"{type(mask).__name__}" + (f" of length {len(mask)}" if isinstance(mask, (list, tuple))
                                                        else ""))
        checked = []
        for m, what, shape in ((mask[0], "query_mask", (B, Tq)), (mask[1], "value_mask", (B, Tv))):
            if m is not None:
                m = np.asarray(m)
                if m.dtype.kind not in "biuf":
                    raise TypeError(f"{self.name}: mask's {what} must be booleans, got dtype {m.dtype}")
                if m.shape != shape:
                    raise ValueError(f"{self.name}: mask's {what} must have shape {shape}, got {m.shape}")
                if m.dtype.kind != "b" and not np.all((m == 0) | (m == 1)):
                    raise ValueError(f"{self.name}: mask's {what} must hold booleans (or 0 and 1)")
                m = m.astype(bool)
            checked.append(m)
        return checked

    # -- forward and backward ---------------------------------------------------------------------------------------
    def forward(self, inputs, training=False, mask=None, return_attention_scores=False, use_causal_mask=False):
        """The output (B, Tq, Dv), or (output, weights) with ``return_attention_scores=True``; see the module
        docstring. Raises TypeError/ValueError, changing nothing, for inputs or masks that do not fit."""
        q, v, k, key_given = self._check_inputs(inputs)
        B, Tq, Tv = q.shape[0], q.shape[1], v.shape[1]
        query_mask, value_mask = self._check_mask(mask, B, Tq, Tv)
        if not self.built:
            self.build(q.shape[-1])
        keep = np.ones((B, Tq, Tv), dtype=bool)
        if value_mask is not None:
            keep &= value_mask[:, None, :]
        if use_causal_mask:
            keep &= np.tri(Tq, Tv, dtype=bool)  # j <= i
        s, kept = self._scores(q, k)
        p = softmax_kept(s, keep)
        m_drop = None
        if training and self.dropout > 0:
            m_drop = dropout_mask(self.rng, p.shape, self.dropout, p.dtype)
            a = p * m_drop
        else:
            a = p
        o = a @ v
        if query_mask is not None:
            o = o * query_mask[..., None]
        self.cache = (v, p, a, m_drop, query_mask, kept, key_given, return_attention_scores, o.shape)
        return (o, a) if return_attention_scores else o

    def backward(self, dout):
        """[dquery, dvalue] ([dquery, dvalue, dkey] when a key was given) for ``dout`` = dL/doutput, or for
        ``(dL/doutput, dL/dweights)`` after ``return_attention_scores=True`` (an array alone there: the weights
        did not reach the loss); the scale's gradient goes to ``self.grads``. Never modifies ``dout``."""
        v, p, a, m_drop, query_mask, kept, key_given, returned_weights, o_shape = self._require_cache()
        da_out = None
        if returned_weights and isinstance(dout, (list, tuple)):
            if len(dout) != 2:
                raise TypeError(f"{self.name}: dout must be a pair (doutput, dweights) after a forward pass with "
                                f"return_attention_scores=True (either may be None), got {len(dout)} items")
            dout, da_out = dout
            if da_out is not None:
                da_out = check_gradient(da_out, a.shape, self.dtype, name="dout's dweights")
        do = np.zeros(o_shape, self.dtype) if dout is None and returned_weights else \
            check_gradient(dout, o_shape, self.dtype)
        if query_mask is not None:
            do = do * query_mask[..., None]
        da = do @ v.transpose(0, 2, 1)
        if da_out is not None:
            da = da + da_out
        dv = a.transpose(0, 2, 1) @ do
        dp = da if m_drop is None else da * m_drop
        ds = p * (dp - np.sum(p * dp, axis=-1, keepdims=True))
        dq, dk = self._scores_backward(ds, kept)
        if key_given:
            return [dq, dv, dk]
        return [dq, dv + dk]

    def output_shape(self, input_shape):
        """(Tq, Dv) for input shapes [query (Tq, D), value (Tv, Dv)(, key)], without the batch axis."""
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def compute_mask(self, mask):
        """The output's mask: the query's (Keras's Attention does the same)."""
        return None if mask is None else mask[0]

    def resolve_ties(self, layers):
        """Refuse to join a Sequential model, whose layers each take one input: this one takes two or three."""
        raise ValueError(f"{self.name} takes a list of inputs [query, value] or [query, value, key], and a "
                         "Sequential model passes each layer one array; call it on its own: "
                         "layer.forward([query, value])")


@documented()
class Attention(_ScoredAttention):
    """``Attention(use_scale=False, score_mode="dot", dropout=0.0, seed=None, ...)``: Luong's dot-product attention.

    Arguments:
        use_scale=False         True: the scores are multiplied by a learned scalar ``scale`` (starting at 1)
        score_mode="dot"        "dot" (q . k) or "concat" (a sum of tanh(scale (q + k)), weighted by a learned
                                concat_score_weight)
        dropout=0.0             the fraction of the attention weights dropped while training, in [0, 1)
        seed=None               seed of dropout's masks when the layer is not in a model

    Call: ``forward([query, value(, key)], training=False, mask=None, return_attention_scores=False,
    use_causal_mask=False)``; ``backward(dout)`` returns a list, [dquery, dvalue(, dkey)] (see below).
    Raises ValueError/TypeError for invalid arguments, and, changing nothing, for inputs or masks that do not fit.
    """

    config_keys = _ScoredAttention.config_keys + ("score_mode",)

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        if not isinstance(score_mode, str) or score_mode not in ("dot", "concat"):
            raise ValueError(f'score_mode must be "dot" or "concat", got {score_mode!r}')
        self.score_mode = score_mode
        super().__init__(use_scale, dropout, seed, **kwargs)

    def _init_params(self, input_dim, rng):
        params = {"scale": np.ones(())} if self.use_scale else {}
        if self.score_mode == "concat":
            params["concat_score_weight"] = np.ones(())
        return params

    def build(self, input_dim, rng=None):
        super().build(input_dim, rng)
        for name in self.params:  # scalars of shape (), as in Keras (the base class's ascontiguousarray adds an axis)
            self.params[name] = self.params[name].reshape(())
            self.grads[name] = self.grads[name].reshape(())

    def _scores(self, q, k):
        scale = self.params["scale"] if self.use_scale else 1.0
        if self.score_mode == "dot":
            r = q @ k.transpose(0, 2, 1)
            return scale * r, (q, k, r)
        z = pairwise_sum(q, k)
        h = tanh(scale * z)
        return self.params["concat_score_weight"] * h.sum(axis=-1), (z, h)

    def _scores_backward(self, ds, kept):
        scale = self.params["scale"] if self.use_scale else 1.0
        grads = {}
        if self.score_mode == "dot":
            q, k, r = kept
            dr = scale * ds
            if self.use_scale:
                grads["scale"] = np.asarray(np.sum(ds * r))
            dq = dr @ k
            dk = dr.transpose(0, 2, 1) @ q
        else:
            z, h = kept
            w = self.params["concat_score_weight"]
            dh = w * ds[..., None]
            du = dh * (1 - h ** 2)
            if self.use_scale:
                grads["scale"] = np.asarray(np.sum(du * z))
            grads["concat_score_weight"] = np.asarray(np.sum(ds * h.sum(axis=-1)))
            dq, dk = pairwise_sum_backward(scale * du)
        self.grads = grads
        return dq, dk


@documented()
class AdditiveAttention(_ScoredAttention):
    """``AdditiveAttention(use_scale=True, dropout=0.0, seed=None, ...)``: Bahdanau's additive attention, as Keras
    has it (no projections of its own: see the equations).

    Arguments:
        use_scale=True          True: each feature's tanh is weighted by a learned ``scale`` (D,) (Bahdanau's v)
        dropout=0.0             the fraction of the attention weights dropped while training, in [0, 1)
        seed=None               seed of dropout's masks (and of scale's initial values) when the layer is not in a model

    Call: ``forward([query, value(, key)], training=False, mask=None, return_attention_scores=False,
    use_causal_mask=False)``; ``backward(dout)`` returns a list, [dquery, dvalue(, dkey)] (see below).
    Raises ValueError/TypeError for invalid arguments, and, changing nothing, for inputs or masks that do not fit.
    """

    def __init__(self, use_scale=True, dropout=0.0, seed=None, **kwargs):
        super().__init__(use_scale, dropout, seed, **kwargs)

    def _init_params(self, input_dim, rng):
        return {"scale": self._init("glorot_uniform")((input_dim,), rng, self.dtype)} if self.use_scale else {}

    def _scores(self, q, k):
        h = tanh(pairwise_sum(q, k))
        s = h @ self.params["scale"] if self.use_scale else h.sum(axis=-1)
        return s, h

    def _scores_backward(self, ds, kept):
        h = kept
        if self.use_scale:
            dh = ds[..., None] * self.params["scale"]
            self.grads = {"scale": np.einsum("bij,bijd->d", ds, h)}
        else:
            dh = np.repeat(ds[..., None], h.shape[-1], axis=-1)
        dz = dh * (1 - h ** 2)
        return pairwise_sum_backward(dz)
