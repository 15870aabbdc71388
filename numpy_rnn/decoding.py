"""Decoding: an encoder-decoder writes its answer one token at a time (teacher forcing, greedy decoding, beam search).

An encoder reads the question and hands its final states to a decoder, which writes the answer token by token, each
token read back as the next step's input. The answer's first input is a start symbol (``_`` in "Deep Learning from
Scratch 2"'s data, data/seq2seq.py):

    answer ids    y = [_, 9, 1, ' ', ' ']                (Ta,)   the start symbol, then the Ta - 1 tokens to write
    decoder       reads y[t], predicts y[t + 1]           log p(y[t + 1] | y[0] ... y[t], the encoder's states)

Teacher forcing (training). The whole answer is known, so the decoder reads the true previous token at every step,
not its own guess, and all steps run at once, as any sequence model trains: the decoder's input is the answer without
its last token, its target the answer without the start symbol,

    decoder_input = y[:, :-1]   (B, Ta - 1)    starts with the start symbol
    target        = y[:, 1:]    (B, Ta - 1)    y shifted left by one: each step's target is the next input

``teacher_forcing(y)`` returns the two. Nothing else about training changes: the decoder's layers run forward on
``decoder_input`` from the encoder's states (``initial_state=``), the loss compares with ``target``.

Prediction. Without the answer the decoder must read its own outputs, so it runs one step at a time. Both decoders
here work through one small protocol, a *step function*:

    step(ids, states) -> (log_p, new_states)
        ids        (R,)      the token each of R rows reads now
        states     list of arrays, each (R, ...), batch first: one row per sequence
        log_p      (R, V)    log p of the next token, for each row
        new_states list of arrays like ``states``, after reading ``ids``

``decoder_step(layers)`` makes one from layers (an Embedding, recurrent layers, a Dense giving the distribution), each
recurrent layer stepped with its cell's ``forward_step``: it is ``generation.Stepper(layers).advance``, whose states
are each recurrent layer's states in order (``[h, c]`` for one LSTM: what ``LSTM(return_state=True)`` gives the
encoder). A decoder the layers cannot express is a step function written by hand, whatever it reads besides the
token kept among the states and handed back unchanged: the encoder's final state for a "peeky" decoder, which reads
it at every step, or the encoder's outputs (B, Tq, H) for an attention decoder. Beam search reorders their rows
with the others'.

Greedy decoding (``greedy_decode``): at every step the most likely token, read back as the next input,

    y_1 = argmax log p(. | y_0, s_0),   y_t = argmax log p(. | y_0 ... y_{t-1}),   score = sum_t log p(y_t | ...)

B sequences side by side, (B,) rows. Locally best is not globally best: a first token a little less likely may lead to
a much more likely answer.

Beam search (``beam_search``, ``beam_width`` K): keeps the K most likely partial answers (beams) of every sequence.
Each step extends each beam by each of the V tokens, scores each of the K * V extensions by its total log-probability

    score(beam + v) = score(beam) + log p(v | beam)                          the log of a product of probabilities

and keeps the K best as the next beams. K = 1 is greedy decoding; K >= V^(length - 1) keeps every partial answer and
finds the K most likely answers of all. Batched: B sequences times K beams are B * K rows of the step function, row
b * K + k for beam k of sequence b. When beam k of the next step extends parent beam j, it takes over j's states: the
rows of the new states are reordered (and repeated, when a beam has several children) to the parents' rows. At the
start, the states of each sequence are repeated K times and only beam 0 counts (the others score -inf), so that the K
beams do not all start with the same token.

End symbol (``end_id``, optional). A sequence that writes ``end_id`` stops: its later tokens are ``pad_id`` (by
default ``end_id`` itself) and add nothing to its score. In beam search a finished beam stays as one candidate, the
same answer with padding, at the same score, and competes with the unfinished ones. Without ``end_id`` every
answer is ``length`` tokens long (the book's answers are padded with spaces to one width).

Shapes: ``start_ids`` (B,) integer ids; ``states`` a list of (B, ...) arrays. ``greedy_decode`` returns ids (B, length)
and scores (B,); ``beam_search`` ids (B, K, length) and scores (B, K), each sequence's beams best first. The start
symbol is not among the returned ids (compare them with ``y[:, 1:]``, e.g. with ``metrics.exact_match``).
"""
import numpy as np

from .checks import check_positive_int
from .generation import Stepper


def teacher_forcing(answers):
    """The decoder's input and target for training on ``answers`` (N, Ta), ids starting with the start symbol:
    ``(answers[:, :-1], answers[:, 1:])``, both (N, Ta - 1). TypeError/ValueError naming ``answers`` if they are not
    integer ids of at least two steps."""
    answers = np.asarray(answers)
    if answers.dtype.kind not in "iu" or answers.ndim != 2:
        raise TypeError(f"answers must be 2-D integer ids (samples, steps), got dtype {answers.dtype} and shape "
                        f"{answers.shape}")
    if answers.shape[1] < 2:
        raise ValueError(f"answers must have at least 2 steps (the start symbol, then a token to predict), got shape "
                         f"{answers.shape}")
    return answers[:, :-1], answers[:, 1:]


def decoder_step(layers):
    """The step function of ``layers``: a list of built layers (or a built Sequential) that reads token ids and ends
    in a Dense with a softmax or no activation, run one step at a time with the cells' ``forward_step``. Its states
    are the recurrent layers' states, layer after layer (``[h, c]`` for an LSTM). Raises what ``generation.Stepper``
    raises for layers that cannot run step by step."""
    return Stepper(layers).advance


def greedy_decode(step, states, start_ids, length, end_id=None, pad_id=None):
    """The most likely token at every step, read back as the next input (module docstring).

    ``step`` a step function, ``states`` its states for B sequences (a list of (B, ...) arrays), ``start_ids`` (B,)
    the first input of each (the start symbol), ``length`` the number of tokens to write; ``end_id``: stop a
    sequence when it writes this id, ``pad_id`` (default ``end_id``) after it. Returns ``(ids, scores)``: (B, length)
    integer ids, the start symbol not included, and (B,) their summed log-probabilities.

    Raises TypeError/ValueError naming the argument: a step that is not callable or returns what does not fit,
    ``start_ids`` not 1-D integers, ``states`` with a number of rows other than B, ``length`` < 1, ids outside the
    vocabulary.
    """
    start_ids, states = _check_arguments(step, states, start_ids, length, end_id, pad_id)
    pad_id = end_id if pad_id is None else pad_id
    B = len(start_ids)
    ids, scores = np.zeros((B, length), dtype=np.int64), np.zeros(B)
    done = np.zeros(B, dtype=bool)  # the sequences that have written end_id
    last = start_ids
    for t in range(length):
        log_p, states = _call(step, last, states, B, end_id, pad_id)
        best = np.argmax(log_p, axis=1)
        gain = log_p[np.arange(B), best]
        if end_id is not None:
            best, gain = np.where(done, pad_id, best), np.where(done, 0.0, gain)
            done |= best == end_id
        ids[:, t], scores = best, scores + gain
        last = best
        if done.all():
            ids[:, t + 1:] = pad_id
            break
    return ids, scores


def beam_search(step, states, start_ids, length, beam_width=3, end_id=None, pad_id=None):
    """The ``beam_width`` (K) most likely answers a beam search finds for each of B sequences (module docstring).

    Arguments as ``greedy_decode``'s. Returns ``(ids, scores)``: (B, K, length) integer ids and (B, K) summed
    log-probabilities, each sequence's beams sorted best first (ties: the earlier beam, then the smaller id).
    ``ids[:, 0]`` is the answer. Should fewer than K distinct answers exist (K > V at length 1, say), the beams left
    over score -inf. Raises as ``greedy_decode`` does, and ValueError for ``beam_width`` < 1.
    """
    K = check_positive_int(beam_width, "beam_width")
    start_ids, states = _check_arguments(step, states, start_ids, length, end_id, pad_id)
    pad_id = end_id if pad_id is None else pad_id
    B = len(start_ids)
    # row b * K + k is beam k of sequence b; every beam starts as a copy of its sequence, and only beam 0 counts
    last = np.repeat(start_ids, K)
    states = [np.repeat(s, K, axis=0) for s in states]
    scores = np.full((B, K), -np.inf)
    scores[:, 0] = 0.0
    ids = np.zeros((B, K, length), dtype=np.int64)
    done = np.zeros((B, K), dtype=bool)
    sequences = np.arange(B)[:, None]
    for t in range(length):
        log_p, new_states = _call(step, last, states, B * K, end_id, pad_id)
        V = log_p.shape[1]
        log_p = log_p.reshape(B, K, V)
        if end_id is not None:
            # a finished beam has one continuation, the padding, which adds nothing to its score
            finished = np.full(V, -np.inf)
            finished[pad_id] = 0.0
            log_p = np.where(done[..., None], finished, log_p)
        candidates = (scores[..., None] + log_p).reshape(B, K * V)  # extension v of beam j is column j * V + v
        # the K best of each sequence; a stable sort keeps ties in order (K = 1 takes argmax's choice)
        best = np.argsort(-candidates, axis=1, kind="stable")[:, :K]
        parent, token = best // V, best % V  # (B, K): which beam each new beam extends, and by which token
        scores = np.take_along_axis(candidates, best, axis=1)
        ids = ids[sequences, parent]  # each new beam's answer so far is its parent's
        ids[:, :, t] = token
        if end_id is not None:
            done = done[sequences, parent] | (token == end_id)
        rows = (sequences * K + parent).ravel()  # the parents' rows of the step function
        states = [s[rows] for s in new_states]
        last = token.ravel()
        if done.all():
            ids[:, :, t + 1:] = pad_id
            break
    return ids, scores


def _check_arguments(step, states, start_ids, length, end_id, pad_id):
    """The arguments both decoders share, checked before the first step: ``(start_ids, states)`` as arrays."""
    if not callable(step):
        raise TypeError(f"step must be a function step(ids, states) -> (log_p, new_states), got "
                        f"{type(step).__name__}")
    check_positive_int(length, "length")
    start_ids = np.asarray(start_ids)
    if start_ids.dtype.kind not in "iu" or start_ids.ndim != 1 or len(start_ids) == 0:
        raise TypeError(f"start_ids must be a non-empty 1-D array of integer ids, one per sequence (batch,), got dtype "
                        f"{start_ids.dtype} and shape {start_ids.shape}")
    if not isinstance(states, (list, tuple)):
        raise TypeError(f"states must be a list of arrays, each (batch, ...), got {type(states).__name__}")
    states = [np.asarray(s) for s in states]
    for i, s in enumerate(states):
        if s.ndim < 1 or len(s) != len(start_ids):
            raise ValueError(f"states[{i}] must have one row per sequence of start_ids ({len(start_ids)}), batch "
                             f"first, got shape {s.shape}")
    for name, value in (("end_id", end_id), ("pad_id", pad_id)):
        if value is not None and (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))
                                  or value < 0):
            raise ValueError(f"{name} must be None or a token id (an integer >= 0), got {value!r}")
    if pad_id is not None and end_id is None:
        raise ValueError("pad_id is what follows end_id: give end_id too (without it every answer is written out)")
    return start_ids, states


def _call(step, ids, states, rows, end_id, pad_id):
    """``step(ids, states)``, its results checked: log_p (rows, V) and as many new states, each with ``rows`` rows."""
    result = step(ids, states)
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError("step must return a pair (log_p, new_states)")
    log_p, new_states = result
    log_p = np.asarray(log_p)
    if log_p.ndim != 2 or len(log_p) != rows or log_p.shape[1] == 0:
        raise ValueError(f"step must return log_p of shape (rows, V) = ({rows}, V), got {log_p.shape}")
    if not isinstance(new_states, (list, tuple)) or len(new_states) != len(states) or any(
            np.ndim(s) < 1 or len(s) != rows for s in new_states):
        raise ValueError(f"step must return new_states like its states: {len(states)} arrays of {rows} rows")
    for name, value in (("end_id", end_id), ("pad_id", pad_id)):
        if value is not None and value >= log_p.shape[1]:
            raise ValueError(f"{name} must be a token id below the vocabulary size {log_p.shape[1]}, got {value}")
    return log_p, [np.asarray(s) for s in new_states]
