"""The time loop shared by SimpleRNN, LSTM, GRU and the layer-normalized RNN.

A recurrent layer is a *cell* (the math of one time step, in the layer's own file) run over time by this class. The
cell's pre-activations always have the same two parts:

    a_t = X_t + R_t,   X_t = x_t W_x + b      (from the input: no dependence on the previous step)
                       R_t = h_{t-1} W_h       (from the previous hidden state)

so the loop is split accordingly (see "Speed without obscurity" in the design notes):

- before the loop, ``X`` for *all* steps is one matrix product (one row gather for token ids);
- inside the loop, only ``R_t = h_{t-1} W_h`` and the cell's elementwise math, which need the previous step;
- after the loop, the weight gradients are one product each over all steps at once:
      dW_x = sum_t x_t^T dX_t,   dW_h = sum_t h_{t-1}^T dR_t,   db = sum_t dX_t.

Shapes (B batch, T steps, F input features, H units, G = gates * H):

    x            (B, T, F) floats, or (B, T) integer token ids (read as one-hot rows of width F = input_dim)
    W_x (F, G)   W_h (H, G)   b (G,)
    X, dX, dR    (T, B, G)    time-major, so each step's block is contiguous
    states       one (T + 1, B, H) buffer per state (h, and c for the LSTM); index 0 is the initial state
    output       (B, T, H) with return_sequences, else (B, H) = h_T;  with return_state, [output, h_T (, c_T)]

Truncated backpropagation through time (``bptt_steps = k``): the gradient does not cross from step T-k into step
T-k+1. That is the exact gradient of the loss in which the state h_{T-k} (and c_{T-k}) is held constant. When only the
last output is used, the steps before T-k get no gradient at all, so the backward loop stops there. With ``k >= T``
or ``None`` this is full BPTT, and the gradient also reaches an ``initial_state`` that was passed in.

Stateful layers keep their final states and start the next call from them, as constants (no gradient crosses the
call boundary): consecutive windows of long streams are then trained with truncated BPTT, as in the textbooks.
"""
import numpy as np

from ..checks import check_gradient, check_positive_int
from .base import Layer
from .projection import bias_gradient, project, project_backward


class Recurrent(Layer):
    """Base class for recurrent layers. Subclasses set ``gates`` and ``state_names`` and write the cell:

    - ``_init_params(input_dim, rng)`` -> dict with at least ``W_x``, ``W_h``, ``b``;
    - ``step_forward(t, a_t, R_t, states)`` -> ``cache_t``: computes step t. ``states[k][t]`` is state k (in
      ``state_names`` order) before the step, a ``(B, H)`` view, and the step writes the new state into
      ``states[k][t + 1]``. In most cells the input part and the recurrent part enter as one sum, and the loop hands
      over ``a_t = X_t + R_t``, already added, in step t's row of the input-projection buffer; a cell with
      ``joined = False`` (the GRU) gets ``X_t`` there and ``R_t`` on its own. That row is not needed again until the
      next forward pass, so the step may overwrite it with values its backward pass needs (the LSTM keeps its gates
      there). ``R_t`` is a scratch buffer the next step overwrites: nothing the cache keeps may point into it;
    - ``step_backward(dstates, cache_t, dX_t, dR_t)`` -> ``dh_direct``: ``dstates`` holds the gradients arriving at
      the states after step t. The step writes the gradient of its input part ``X_t`` into the ``(B, G)`` view
      ``dX_t`` and that of ``R_t`` into ``dR_t`` (for joined cells the two are the same array, written once),
      replaces ``dstates[1:]`` in place by the gradients of the previous states (the LSTM's cell state), and
      returns the gradient of h_{t-1} along paths that do not go through ``R_t`` (the GRU's update gate), or None.
      The loop then sets ``dstates[0]`` to ``dR_t W_h^T`` (plus ``dh_direct``), so the step must not keep it.

    Steps write into preallocated buffers (``out=``) instead of returning new arrays: in a loop of a hundred small
    steps, allocating and copying costs as much as the arithmetic.

    A cell may also override ``prepare_backward(caches, states, X, steps)``, which runs once before the backward
    loop and returns the per-step caches that loop will use: the place for work that does not depend on the previous
    step's gradient, done for all the steps in ``steps`` (a slice) at once (SimpleRNN's tanh derivatives). ``X`` is
    the (T, B, G) input-projection buffer as the forward steps left it (the LSTM's gates).

    A cell whose recurrent bias is separate (the GRU) has a parameter ``b_h`` added to ``R_t``.
    """

    gates = 1
    state_names = ("h",)
    joined = True  # a_t = X_t + R_t: the loop adds the two parts before the step
    config_keys = Layer.config_keys + ("units", "return_sequences", "return_state", "stateful", "bptt_steps")

    def __init__(self, units, return_sequences=False, return_state=False, stateful=False, bptt_steps=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.stateful = bool(stateful)
        self.bptt_steps = check_positive_int(bptt_steps, "bptt_steps", allow_none=True)
        self.states = None  # the carried state of a stateful layer
        self.hidden_states = None  # (T + 1, B, H) after a forward pass: h_0 ... h_T
        self.initial_state_grads = None

    def output_shape(self, input_shape):
        steps = input_shape[0] if len(input_shape) else None
        out = (steps, self.units) if self.return_sequences else (self.units,)
        return out

    def input_ndim(self, x):
        return 3  # (B, T, F); token ids (B, T)

    def prepare_backward(self, caches, states, X, steps):
        return caches

    def reset_states(self):
        """Forget the carried state of a stateful layer: the next call starts from zeros."""
        self.states = None

    # -- forward ----------------------------------------------------------------------------------------------------
    def forward(self, x, initial_state=None, training=False, mask=None):
        """Run the layer over ``x`` (B, T, F) or token ids (B, T). See the module docstring for shapes."""
        x = self.check_input(x)
        if not self.built:
            self.build(x.shape[-1])
        B, T = x.shape[:2]
        prev0 = self._initial_states(B, initial_state)
        W_h, b_h = self.params["W_h"], self.params.get("b_h")

        # Time-major copy of the inputs, so that x_t is a contiguous (B, F) block; ids stay ids.
        x_tm = np.ascontiguousarray(x.swapaxes(0, 1))
        G = self.gates * self.units
        X = project(x_tm, self.params["W_x"], self.params["b"], out=self._scratch("X", (T, B, G)))  # all steps at once
        states = [np.empty((T + 1, B, self.units), dtype=self.dtype) for _ in self.state_names]
        for buffer, s0 in zip(states, prev0):
            buffer[0] = s0
        # The loop indexes each step's rows several times; a Python list of the (B, H) views is cheaper to index
        # than the array (about 20 ns against 100 ns, in a loop where a whole step takes a few microseconds).
        views = [list(buffer) for buffer in states]
        h, X_steps = views[0], list(X)
        caches = [None] * T
        R_t = self._scratch("R_t", (B, G))  # reused at every step
        step, joined = self.step_forward, self.joined
        for t in range(T):
            np.dot(h[t], W_h, out=R_t)  # R_t = h_{t-1} W_h (np.dot: less overhead per call than np.matmul)
            if b_h is not None:
                R_t += b_h
            if joined:
                X_steps[t] += R_t  # a_t = X_t + R_t, in place of X_t
            caches[t] = step(t, X_steps[t], R_t, views)

        self.cache = (x_tm, X, states, caches, B)
        self.hidden_states = states[0]
        if self.stateful:
            self.states = [buffer[T].copy() for buffer in states]
        out = states[0][1:].swapaxes(0, 1) if self.return_sequences else states[0][T]
        if self.return_state:
            return [out] + [buffer[T] for buffer in states]
        return out

    def _initial_states(self, B, initial_state):
        shape = (B, self.units)
        if initial_state is not None:
            given = [initial_state] if isinstance(initial_state, np.ndarray) else list(initial_state)
            if len(given) != len(self.state_names):
                raise ValueError(f"{self.name}: initial_state must hold {len(self.state_names)} array(s) "
                                 f"({', '.join(self.state_names)}), got {len(given)}")
            checked = []
            for name, s in zip(self.state_names, given):
                s = np.asarray(s, dtype=self.dtype)
                if s.shape != shape:
                    raise ValueError(f"{self.name}: initial state {name} must have shape {shape}, got {s.shape}")
                checked.append(s)
            return checked
        if self.stateful and self.states is not None:
            if self.states[0].shape[0] != B:
                raise ValueError(f"{self.name}: a stateful layer keeps the batch size it started with "
                                 f"({self.states[0].shape[0]}), got a batch of {B}; call reset_states() first")
            return self.states
        return [np.zeros(shape, dtype=self.dtype) for _ in self.state_names]

    # -- backward ---------------------------------------------------------------------------------------------------
    def backward(self, dout):
        """Gradients of the loss w.r.t. the input (B, T, F), or None for token ids.

        ``dout`` has the output's shape; with ``return_state`` it is a list ``[doutput, dh_T (, dc_T)]`` whose entries
        may be None. Parameter gradients go to ``self.grads``, initial-state gradients to ``initial_state_grads``
        (None when truncation cut them off).
        """
        x_tm, X, states, caches, B = self._require_cache()
        T = len(caches)
        H = self.units
        if self.return_state:
            if not isinstance(dout, (list, tuple)) or len(dout) != 1 + len(self.state_names):
                raise TypeError(f"{self.name}: with return_state, dout must be a list [doutput, "
                                f"{', '.join('d' + n for n in self.state_names)}] (entries may be None)")
            dout, *dfinal = dout
        else:
            dfinal = [None] * len(self.state_names)
        dh_seq = None
        # Copies: the loop accumulates into these in place, and the caller's arrays must stay as they were.
        dstates = [np.zeros((B, H), dtype=self.dtype) if d is None
                   else check_gradient(d, (B, H), self.dtype, "dout").copy() for d in dfinal]
        if dout is not None:
            out_shape = (B, T, H) if self.return_sequences else (B, H)
            dout = check_gradient(dout, out_shape, self.dtype)
            if self.return_sequences:
                dh_seq = dout.swapaxes(0, 1)  # (T, B, H), a view: never written to
            else:
                dstates[0] += dout

        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        dX = self._scratch("dX", (T, B, self.gates * H))
        dR = dX if self.joined else self._scratch("dR", dX.shape)
        cut = T - self.bptt_steps if self.bptt_steps is not None and self.bptt_steps < T else -1
        # The steps the gradient reaches: all of them, except that with truncation and only the last output used,
        # nothing reaches the steps before the cut. Only those rows of dX and dR are written, and only they are read.
        reached = slice(cut if cut >= 0 and dh_seq is None else 0, T)
        caches = self.prepare_backward(caches, states, X, reached)
        W_hT = np.ascontiguousarray(self.params["W_h"].T)
        dX_steps = list(dX)
        dR_steps = dX_steps if dR is dX else list(dR)
        dh, step = dstates[0], self.step_backward
        for t in range(T - 1, reached.start - 1, -1):
            if dh_seq is not None:
                dh += dh_seq[t]
            dh_direct = step(dstates, caches[t], dX_steps[t], dR_steps[t])
            if t == cut:  # h_{T-k} is held constant: nothing flows into step T-k from here
                for d in dstates:
                    d.fill(0)
            else:
                np.dot(dR_steps[t], W_hT, out=dh)  # dh_{t-1}; the step has read dh_t already
                if dh_direct is not None:
                    dh += dh_direct

        # Weight gradients for all the reached steps at once: sums over time and batch are one matrix product.
        n = T - reached.start
        h_prev = states[0][reached.start:T].reshape(n * B, H)  # h_{t-1} for each reached step
        dR_flat = dR[reached].reshape(n * B, -1)
        self.grads["W_h"] += h_prev.T @ dR_flat
        if "b_h" in self.params:
            self.grads["b_h"] += bias_gradient(dR_flat)
        self.grads["b"] += bias_gradient(dX[reached])
        dW_x, dx_reached = project_backward(x_tm[reached], dX[reached], self.params["W_x"], self.input_grad)
        self.grads["W_x"] += dW_x
        # The initial state gets a gradient when the loop ran down to step 0.
        self.initial_state_grads = None if reached.start > 0 else dstates
        if dx_reached is None:  # token ids, or not wanted
            return None
        if reached.start == 0:
            dx_tm = dx_reached
        else:  # the steps the gradient did not reach get zeros
            dx_tm = np.zeros(x_tm.shape, dtype=self.dtype)
            dx_tm[reached] = dx_reached
        return dx_tm.swapaxes(0, 1)  # (B, T, F), a view of the time-major array

    # -- PyTorch's layout -------------------------------------------------------------------------------------------
    # nn.RNN and nn.LSTM keep the same gate blocks as here, as (G, F) and (G, H) matrices, and split the bias in two
    # (bias_ih + bias_hh). Layers whose gates differ (the GRU) override these two methods.
    def to_torch(self, arrays=None):
        """``self.params`` (or another dict with the same keys, e.g. ``self.grads``) under PyTorch's names and
        layouts, as NumPy arrays: ``module.load_state_dict({k: torch.from_numpy(v) ...})`` loads them. The bias goes
        to ``bias_ih_l0``; ``bias_hh_l0`` is zero."""
        p = self.params if arrays is None else arrays
        return {"weight_ih_l0": p["W_x"].T.copy(), "weight_hh_l0": p["W_h"].T.copy(),
                "bias_ih_l0": p["b"].copy(), "bias_hh_l0": np.zeros_like(p["b"])}

    def from_torch(self, state):
        """Load PyTorch parameters (a dict of arrays under its names); the two biases are summed."""
        self._assign({"W_x": np.asarray(state["weight_ih_l0"]).T, "W_h": np.asarray(state["weight_hh_l0"]).T,
                      "b": np.asarray(state["bias_ih_l0"]) + np.asarray(state["bias_hh_l0"])})

    # -- model contract (training/persistence) ----------------------------------------------------------------------
    # What a model asks of a layer (layers/base.py has the defaults), kept in this one block so that it moves with
    # the layer. ``reset_states`` above, and ``training`` and ``mask`` in ``forward``, belong to the same contract:
    # nothing differs between training and predicting here, and no mask is produced yet (a mask given is not used).
    needs_sequences = True  # input (batch, steps, features), or token ids (batch, steps)

    def output_kind(self, input_kind):
        return "sequence" if self.return_sequences else "vector"

    def compute_mask(self, mask):
        """The input's mask while every step is output; None once the steps are reduced to h_T."""
        return mask if self.return_sequences else None

    def get_carried_states(self):
        """The states a stateful layer carries into its next call, in ``state_names`` order ([] when none)."""
        return [] if self.states is None else list(self.states)

    def set_carried_states(self, states):
        """Carry ``states`` (one (B, units) array per name in ``state_names``) into the next call, as a stateful
        layer's own would be. Raises ValueError, and changes nothing, for a layer that is not stateful, the wrong
        number of arrays, shapes that differ, or values that are not finite numbers."""
        states = [np.asarray(s) for s in states]
        if not states:
            self.states = None
            return
        if not self.stateful:
            raise ValueError(f"{self.name} is not stateful: it carries no state, got {len(states)} array(s)")
        if len(states) != len(self.state_names):
            raise ValueError(f"{self.name} carries {len(self.state_names)} state(s) ({', '.join(self.state_names)}), "
                             f"got {len(states)}")
        shape = (len(states[0]), self.units) if states[0].ndim else None
        for name, s in zip(self.state_names, states):
            if s.shape != shape:
                raise ValueError(f"{self.name}: state {name} must have shape (batch, {self.units}), the same batch "
                                 f"for every state, got {s.shape}")
            if s.dtype.kind not in "fiu" or not np.all(np.isfinite(s)):
                raise ValueError(f"{self.name}: state {name} must hold finite numbers")
        self.states = [s.astype(self.dtype) for s in states]
