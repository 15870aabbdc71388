"""Dropout: while training, each input value is zeroed with probability ``rate`` and the kept ones are scaled up.

Forward (x any shape (B, ...), as Keras's ``Dropout(rate, noise_shape=None, seed=None)``):

    training:      m = keep / (1 - rate),   keep ~ Bernoulli(1 - rate)      m has ``noise_shape`` (default x's shape)
                   y = x * m                                                 (m broadcast over the axes of size 1)
    predicting:    y = x

This is *inverted* dropout: the scaling by 1 / (1 - rate) happens while training, so that every value's expectation is
the same in both modes, E[y] = x, and predicting needs no correction (and does no work).

Backward, given dy (the mask is a constant of the forward pass):

    dx = dy * m         training
    dx = dy             predicting

``noise_shape``: the mask's shape, with the batch axis; an axis of size 1 shares one draw along that axis, e.g.
``(B, 1, F)`` drops the same features at every step of a sequence. None entries take the input's size, as in Keras.

Randomness: the mask is drawn from the generator of the model the layer is in (Sequential passes its generator to
``build``), so that a model's ``random_state`` fixes every run bit for bit and a saved model resumes exactly. A layer
used on its own draws from a generator made from ``seed`` (Keras's name; ``random_state``, the other layers' name, is
accepted too). Unlike Keras, a seeded layer in a model still draws from the model's generator: one seed, the model's,
decides a run, and the model file keeps that generator's state.

``dropout_mask`` below is the one home of the mask's formula; the recurrent layers draw theirs with it too.
"""
import numpy as np

from ..checks import check_gradient, check_random_state
from .base import Layer, documented


def check_rate(rate, name="rate"):
    """``rate`` as a float in [0, 1); ValueError (TypeError for a non-number) naming ``name`` otherwise."""
    if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1), got {rate!r}")
    if not 0 <= rate < 1:
        raise ValueError(f"{name} must be in [0, 1) (the fraction of values dropped), got {rate!r}")
    return float(rate)


def dropout_mask(rng, shape, rate, dtype):
    """A mask of ``shape`` whose entries are 0 with probability ``rate`` and 1 / (1 - rate) otherwise."""
    keep = rng.random(shape) >= rate
    return keep.astype(dtype) / dtype.type(1 - rate)


@documented()
class Dropout(Layer):
    """``Dropout(rate, noise_shape=None, seed=None, ...)``: while training, zero a fraction ``rate`` of the values.

    Arguments:
        rate                    the fraction of the values dropped while training, in [0, 1)
        noise_shape=None        the shape of the mask, broadcast over the input's axes of size 1 (None: the input's
                                shape; (None, 1, F): the same features dropped at every step); None entries take
                                the input's size
        seed=None               seed of the masks when the layer is not in a model (in a model, the model's
                                generator draws them)

    Raises ValueError/TypeError for a rate outside [0, 1), a noise_shape that does not fit the input, and for input
    that is not a finite float array.
    """

    config_keys = Layer.config_keys + ("rate", "noise_shape", "seed")

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        self.rate = check_rate(rate)
        if noise_shape is not None:
            try:
                noise_shape = tuple(noise_shape)
            except TypeError:
                raise TypeError(f"noise_shape must be a tuple of positive integers or None, got {noise_shape!r}") \
                    from None
            for n in noise_shape:
                if n is not None and (isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer))
                                      or n < 1):
                    raise ValueError(f"noise_shape must hold positive integers or None, got {noise_shape!r}")
            noise_shape = tuple(None if n is None else int(n) for n in noise_shape)
        self.noise_shape = noise_shape
        super().__init__(random_state=seed_or_random_state(seed, kwargs), **kwargs)
        self.seed = self.random_state
        self.rng = None  # the generator the masks come from: set by build

    def build(self, input_dim, rng=None):
        super().build(input_dim, rng)
        keep_generator(self, rng)

    def get_config(self):
        config = super().get_config()
        if self.noise_shape is not None:
            config["noise_shape"] = list(self.noise_shape)
        return config

    def input_ndim(self, x):
        return max(np.ndim(x), 2)  # any rank from (B, F) up: dropout is elementwise

    def _check_input(self, x, ndim, name="x"):
        x = np.asarray(x)
        if x.dtype.kind in "iu":
            raise TypeError(f"{self.name}: {name} must be a float array (dropout scales values; token ids go to an "
                            f"Embedding first), got dtype {x.dtype}")
        return super()._check_input(x, ndim, name)

    def _mask_shape(self, shape):
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape):
            raise ValueError(f"{self.name}: noise_shape {self.noise_shape} must have one entry per axis of the input, "
                             f"shape {shape}")
        mask_shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        if any(n not in (1, s) for n, s in zip(mask_shape, shape)):
            raise ValueError(f"{self.name}: noise_shape {self.noise_shape} must have, on each axis, 1 or the input's "
                             f"size, shape {shape}")
        return mask_shape

    # -- forward and backward ----------------------------------------------------------------------------------------
    def forward(self, x, training=False, mask=None):
        """``x * m`` while training, ``x`` itself otherwise; ``mask`` (padded steps) passes through unchanged."""
        x = self.check_input(x)
        mask_shape = self._mask_shape(x.shape)
        if not self.built:
            self.build(x.shape[-1])
        if not training or self.rate == 0:
            self.cache = (None, x.shape)
            return x
        m = dropout_mask(self.rng, mask_shape, self.rate, x.dtype)
        self.cache = (m, x.shape)
        return x * m

    def backward(self, dout):
        """``dout * m`` (``dout`` itself when the forward pass dropped nothing); never modifies ``dout``."""
        m, shape = self._require_cache()
        dout = check_gradient(dout, shape, self.dtype)
        if not self.input_grad:
            return None
        return dout if m is None else dout * m


def seed_or_random_state(seed, kwargs):
    """Keras's ``seed=`` of a layer that draws masks is numpy_rnn's ``random_state=``: the one given, taken out of
    ``kwargs``. TypeError/ValueError for a seed that is not one, or for both given."""
    check_random_state(seed, "seed")
    if seed is not None and kwargs.get("random_state") is not None:
        raise ValueError("give seed or random_state, not both (they are the same thing)")
    random_state = kwargs.pop("random_state", None)
    return seed if seed is not None else random_state


def keep_generator(layer, rng=None):
    """At build: ``layer.rng``, the generator its masks come from, becomes the model's ``rng`` when one is given, or
    one of its own from its ``random_state`` (kept if it already has one)."""
    if rng is not None or layer.rng is None:
        layer.rng = check_random_state(layer.random_state) if rng is None else rng
