"""SimpleRNN: the Elman recurrent layer, h_t = tanh(x_t W_x + h_{t-1} W_h + b).

Forward, one step (B batch, F features, H units):

    a_t = X_t + R_t                    X_t = x_t W_x + b    (B, H)    R_t = h_{t-1} W_h    (B, H)
    h_t = tanh(a_t)                                                   (B, H)

Backward, the same step in reverse, given dh_t (the gradient arriving at h_t from the output and from step t+1):

    da_t = dh_t * (1 - h_t^2)          tanh'(a) = 1 - tanh(a)^2, so the cached h_t is all we need
    dX_t = dR_t = da_t
    dh_{t-1} = da_t W_h^T              (added by the time loop in recurrent.py)

The transpose in the last line is the one the textbook's listing leaves out (it writes ``err @ w1h``); the gradient
checks in tests/ show that the omission is caught.

Parameters, in Keras's order and shapes: ``W_x`` = kernel (F, H), ``W_h`` = recurrent_kernel (H, H), ``b`` = bias (H,).
PyTorch's ``nn.RNN`` stores the transposes and two biases: weight_ih_l0 = W_x^T, weight_hh_l0 = W_h^T,
bias_ih_l0 + bias_hh_l0 = b (``to_torch`` / ``from_torch`` in recurrent.py).
"""
import numpy as np

from .recurrent import Recurrent


class SimpleRNN(Recurrent):
    """Fully connected tanh recurrent layer. See the module docstring for the equations and shapes.

    Arguments: ``units``; ``return_sequences`` (output every h_t, (B, T, H)) or only h_T (B, H); ``return_state``
    (also return h_T); ``stateful`` (carry h_T into the next call; ``reset_states()`` forgets it); ``bptt_steps``
    (truncate backpropagation to the last k steps, None for full BPTT); ``input_dim`` / ``input_shape``;
    ``dtype``; ``random_state``; ``initializer`` ("numpy" or "tensorflow").
    Raises ValueError/TypeError for invalid arguments and for input of the wrong rank, size or values.
    """

    gates = 1
    state_names = ("h",)

    def _init_params(self, input_dim, rng):
        H = self.units
        return {"W_x": self._init("glorot_uniform")((input_dim, H), rng, self.dtype),
                "W_h": self._init("orthogonal")((H, H), rng, self.dtype),
                "b": np.zeros(H, dtype=self.dtype)}

    def step_forward(self, t, a_t, R_t, states):
        np.tanh(a_t, out=states[0][t + 1])  # h_t = tanh(a_t); the loop has formed a_t = X_t + R_t
        return None  # the backward pass needs only h_t, which the state buffer keeps

    def prepare_backward(self, caches, states, X, steps):
        # tanh'(a_t) = 1 - h_t^2 does not depend on the gradient: one operation for all steps, before the loop.
        h = states[0][1:]
        dtanh = self._scratch("dtanh", h.shape)
        np.multiply(h[steps], h[steps], out=dtanh[steps])
        np.subtract(1.0, dtanh[steps], out=dtanh[steps])
        return list(dtanh)

    def step_backward(self, dstates, dtanh_t, dX_t, dR_t):
        np.multiply(dstates[0], dtanh_t, out=dX_t)  # da_t = dh_t * (1 - h_t^2), which is dX_t and dR_t alike
        return None
