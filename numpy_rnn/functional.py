"""Keras's functional API: ``Input``, layers called on symbolic tensors, and ``Model(inputs, outputs)``: a small graph
of layers, each keeping its own hand-written forward and backward. This is not an autodiff engine: the graph only
says which layer's output goes into which layer's input, and the backward pass hands gradients along those edges.

Building a graph (nothing is computed, only shapes)::

    question = Input(shape=(7,), dtype="int32")                  # (B, 7) token ids
    answer_in = Input(shape=(5,), dtype="int32")
    _, h, c = LSTM(128, return_state=True)(Embedding(13, 16)(question))
    y = LSTM(128, return_sequences=True)(Embedding(13, 16)(answer_in), initial_state=[h, c])
    probabilities = Dense(13, activation="softmax")(y)
    model = Model(inputs=[question, answer_in], outputs=probabilities, random_state=0)

``Input`` returns a ``KerasTensor``: a placeholder with a shape (None for the batch axis) and no values. Calling a
layer on KerasTensors records a ``Node`` (this layer, called on those tensors, with those arguments) and returns new
KerasTensors, one per output of the call (``LSTM(return_state=True)`` gives three: [output, h, c];
``Attention()([q, v], return_attention_scores=True)`` two). ``Model(inputs, outputs)`` walks back from the outputs
to the inputs and keeps the nodes in *topological order*: every node after the nodes whose outputs it reads. A layer
may be called more than once (a shared layer: one set of weights, several nodes).

Forward: the nodes in topological order, each layer's ``forward`` on the values of its input tensors (and its
``initial_state``); every tensor's value is then known before a node reads it. Masks pass along implicitly, as in
Keras: a layer hands on ``compute_mask`` of its input's mask (an ``Embedding(mask_zero=True)`` starts one), and the
loss leaves the padded positions of the output out.

Backward: backpropagation through a graph is the chain rule applied once per node. Write g(t) = dL/dt for a tensor t.

- At the outputs, g(output) is the loss's gradient.
- A node computes its outputs from its inputs; given g of each of its outputs, the layer's own ``backward`` gives g of
  each of its inputs (and its parameters' gradients). An RNN called with ``initial_state=[h, c]`` gives the states'
  gradients in ``initial_state_grads``: that is g(h) and g(c) for the encoder that produced them.
- Fan-out: when a tensor t feeds several nodes, L depends on t through each of them, and the multivariate chain rule
  adds the contributions: g(t) = sum over the nodes n reading t of (the part of g that n's backward gives t). So
  gradients arriving at a tensor are *summed*, never overwritten.
- Order: a node's backward needs the complete g of its outputs, that is every contribution from every node that
  reads them. Those nodes all come after it in topological order, so walking the nodes in *reverse* topological order
  finishes every tensor's sum before the node that produced it runs.
- A shared layer is one set of parameters used by several nodes: its gradient is the sum of each use's, for the
  same reason as at fan-out.

Shared layers and caches: a layer keeps one ``cache`` (what its last forward needs for backward) and reuses work
arrays from call to call (``Layer._scratch``). Called twice in one forward pass, its second call would overwrite
what the first call's backward needs. So each node keeps its own: after a node's forward, the graph takes the layer's
cache into the node, and a shared layer gets the node's own work arrays before each call; before a node's backward,
the node's cache (and work arrays) are put back into the layer. The layer's parameter gradients of each call are added
up after its backwards. (A shared layer cannot be stateful: its two calls would carry one state. A Dense tied to an
Embedding needs the Embedding called once: the tie already sums two uses of one table.)

Left out: losses per output (a model with several outputs can predict, not train: compile takes one loss, for one
output), masks given explicitly to a layer call (they pass implicitly), and layers called with ``training=``.
"""
import numpy as np

from .checks import all_finite
from .guards import diverged, first_non_finite, largest_weight
from .layers.base import Layer
from .model import Model
from .persistence import layer_config, layer_from_config

# Arguments of a layer call besides its inputs and initial_state that a graph keeps and passes to forward each time.
CALL_ARGUMENTS = ("return_attention_scores", "use_causal_mask")


class KerasTensor:
    """A symbolic tensor: the shape (``None`` for the batch axis and any length left open) and kind of a value the
    graph will compute, and where it comes from: ``node`` (None for an ``Input``) and which of its outputs it is."""

    def __init__(self, shape, dtype, node=None, index=0, name=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.node = node
        self.index = index
        self.name = name

    def __repr__(self):
        made_by = "Input" if self.node is None else self.node.layer.name
        named = "" if self.name is None else f" {self.name!r}"
        return f"<KerasTensor{named} shape={self.shape}, dtype={self.dtype}, from {made_by}>"


def Input(shape, dtype=None, name=None):  # noqa: N802  (Keras's name)
    """A model's input: ``shape`` without the batch axis, ``(steps, features)`` for sequences, ``(steps,)`` for token
    ids (then ``dtype="int32"``), ``(features,)`` for vectors; None for a length left open. ``dtype``: None or a float
    dtype for numbers, an integer dtype for token ids. Raises TypeError/ValueError naming the argument."""
    if not isinstance(shape, (list, tuple)) or not shape:
        raise TypeError(f"shape must be a non-empty tuple such as (steps, features) or (steps,), got {shape!r}")
    for n in shape:
        if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1):
            raise ValueError(f"shape must hold positive integers (or None for a length left open), got {shape!r}")
    if dtype is None:
        kind = "float"
    else:
        try:
            kind = np.dtype(dtype).kind
        except TypeError:
            raise TypeError(f"dtype must be a NumPy dtype such as 'int32' or 'float32', got {dtype!r}") from None
        if kind not in "iuf":
            raise TypeError(f"dtype must be an integer dtype (token ids) or a float one, got {dtype!r}")
        kind = "int" if kind in "iu" else "float"
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")
    tensor = KerasTensor((None,) + tuple(None if n is None else int(n) for n in shape), kind, name=name)
    tensor.config = {"shape": list(tensor.shape[1:]), "dtype": None if dtype is None else np.dtype(dtype).name,
                     "name": name}
    return tensor


class Node:
    """One call of a layer in a graph: ``layer``, its input tensors ``inputs`` (the main input or inputs first, then
    the ``initial_state`` tensors), how they were passed (``list_input``: a list, as Attention takes; ``n_states``),
    the other call arguments, and the ``outputs`` it made. ``cache`` and ``buffers``: the layer's cache and work arrays
    of this call (see "Shared layers and caches" in the module docstring)."""

    def __init__(self, layer, main, list_input, states, call_kwargs):
        self.layer = layer
        self.inputs = list(main) + list(states)
        self.n_main = len(main)
        self.list_input = list_input
        self.n_states = len(states)
        self.call_kwargs = call_kwargs
        self.outputs = []
        self.cache = None
        self.buffers = {}

    @property
    def several_outputs(self):
        return len(self.outputs) > 1 or self.layer.return_state or self.call_kwargs.get("return_attention_scores")


def is_symbolic(value):
    """Whether ``value`` is a KerasTensor or a list (tuple) holding at least one."""
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, KerasTensor) for v in value)
    return isinstance(value, KerasTensor)


def _tensors(value, layer, what):
    """``value`` as a list of KerasTensors; TypeError naming ``layer`` and ``what`` for anything else."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    for v in values:
        if not isinstance(v, KerasTensor):
            raise TypeError(f"{layer.name}: {what} must be the output of Input() or of a layer called on one while "
                            f"building a graph, got {type(v).__name__}; a graph mixes no arrays with tensors")
    return values


def call_symbolic(layer, inputs, initial_state=None, mask=None, training=None, **call_kwargs):
    """``layer(inputs, ...)`` on KerasTensors (``Layer.__call__`` comes here): record a Node and return its output
    tensor, or the list of them. Raises TypeError/ValueError naming the layer for a call the graph cannot run."""
    if mask is not None:
        raise ValueError(f"{layer.name}: masks pass along a graph implicitly (from an Embedding(mask_zero=True) or a "
                         "Masking layer); mask= is not taken in a graph")
    if training is not None:
        raise ValueError(f"{layer.name}: training= is decided by fit and predict for the whole graph; leave it out")
    unknown = sorted(set(call_kwargs) - set(CALL_ARGUMENTS))
    if unknown:
        raise TypeError(f"{layer.name}: unexpected argument(s) {unknown} in a graph call")
    list_input = isinstance(inputs, (list, tuple))
    main = _tensors(inputs, layer, "its inputs")
    if list_input != _takes_list(layer):
        if not list_input:
            raise TypeError(f"{layer.name} takes a list of input tensors (e.g. [query, value]), got one tensor")
        raise TypeError(f"{layer.name} takes one input tensor, got a list of {len(main)}")
    states = []
    if initial_state is not None:
        if not hasattr(layer, "state_names"):
            raise TypeError(f"{layer.name} has no state: initial_state= is for recurrent layers")
        states = _tensors(initial_state, layer, "initial_state")
        if len(states) != len(layer.state_names):
            raise ValueError(f"{layer.name}: initial_state must hold {len(layer.state_names)} tensor(s) "
                             f"({', '.join(layer.state_names)}), got {len(states)}")
        for name, state in zip(layer.state_names, states):
            if state.shape[1:] != (layer.units,):
                raise ValueError(f"{layer.name}: initial_state {name} must have shape (None, {layer.units}), got "
                                 f"{state.shape}")
    if call_kwargs.get("return_attention_scores") and not hasattr(layer, "_check_inputs"):
        raise TypeError(f"{layer.name}: return_attention_scores is an attention layer's argument")
    for key, value in call_kwargs.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{layer.name}: {key} must be True or False, got {value!r}")
    call_kwargs = {key: bool(value) for key, value in call_kwargs.items() if value}
    shapes = [t.shape[1:] for t in main]
    try:
        out_shape = layer.output_shape(shapes if list_input else shapes[0])
    except (TypeError, ValueError, IndexError) as error:
        raise ValueError(f"{layer.name} cannot take inputs of shape {[t.shape for t in main]}: {error}") from None
    out_shapes = [tuple(out_shape)]
    if layer.return_state:
        out_shapes += [(layer.units,)] * len(layer.state_names)
    if call_kwargs.get("return_attention_scores"):
        out_shapes.append((shapes[0][0], shapes[1][0]))  # the weights (Tq, Tv)
    node = Node(layer, main, list_input, states, call_kwargs)
    node.outputs = [KerasTensor((None,) + shape, "float", node, i) for i, shape in enumerate(out_shapes)]
    return node.outputs if len(node.outputs) > 1 else node.outputs[0]


class Functional(Model):
    """``Model(inputs, outputs, name=None, random_state=None, dtype=None)``: the graph of layers between ``inputs``
    (an ``Input`` tensor or a list of them) and ``outputs`` (a tensor or a list); see the module docstring. The
    layers are built here, in topological order, from the model's generator (``random_state``), in ``dtype`` when
    given. It trains, evaluates, predicts and saves as every Model does (numpy_rnn/model.py); ``x`` is then one array
    per input, in the order of ``inputs`` (a list when there are several).

    Raises TypeError/ValueError, naming what to change, for inputs that are not Input tensors, an input the outputs do
    not depend on, an output that depends on an Input not among ``inputs``, a shared layer that is stateful, a layer
    that cannot be built for its input, or a Dense tied to an Embedding that is missing or shared.
    """

    layers = None  # the graph's layers, each once, in the order the nodes first call them

    def __init__(self, inputs, outputs, name=None, random_state=None, dtype=None, _build=True):
        ins = _tensors(inputs, _Named("Model"), "inputs")
        outs = _tensors(outputs, _Named("Model"), "outputs")
        for i, tensor in enumerate(ins):
            if tensor.node is not None:
                raise ValueError(f"inputs[{i}] is the output of {tensor.node.layer.name}, not an Input(): a model's "
                                 "inputs are the Input tensors its graph starts from")
            if any(tensor is other for other in ins[:i]):
                raise ValueError(f"inputs[{i}] is given twice")
        nodes = _topological_order(outs, ins)
        used = {id(t) for node in nodes for t in node.inputs} | {id(t) for t in outs}
        for i, tensor in enumerate(ins):
            if id(tensor) not in used:
                raise ValueError(f"inputs[{i}] ({tensor.name or 'Input ' + str(tensor.shape)}) is not connected to the "
                                 "outputs: no output depends on it; leave it out of inputs")
        super().__init__(name=name or "functional", random_state=random_state, dtype=dtype)
        self.inputs, self.outputs, self.nodes = ins, outs, nodes
        layers = []
        for node in nodes:
            if not any(node.layer is layer for layer in layers):
                layers.append(node.layer)
        for node in nodes:
            node.shared = sum(other.layer is node.layer for other in nodes) > 1
            if node.shared and node.layer.stateful:
                raise ValueError(f"{node.layer.name} is stateful and called more than once: its calls would carry "
                                 "one state; use a layer per call")
        _unique_names(layers)
        for i, layer in enumerate(layers):
            if not _takes_list(layer):  # those refuse ties (and Sequential models) in resolve_ties
                layer.resolve_ties(layers[:i])  # a tied Dense finds its Embedding among the layers before it
            tie = getattr(layer, "tied_to", None)
            if isinstance(tie, Layer) and sum(node.layer is tie for node in nodes) > 1:
                raise ValueError(f"{layer.name} is tied to {tie.name}, which is called more than once; a tie needs "
                                 "its Embedding called once")
        self.layers = layers
        if _build:
            self._build_layers()

    def _build_layers(self):
        """Build every layer not built yet for the width of what it reads, in topological order, from the model's
        generator. ValueError naming the layer when a width is unknown or does not fit."""
        for node in self.nodes:
            layer = node.layer
            if layer.built:
                continue
            first = node.inputs[0]
            width = layer.input_dim if first.dtype == "int" else first.shape[-1]
            if width is None:
                raise ValueError(f"{layer.name}: the width of its input {first.shape} is not known; give the Input "
                                 "its number of features")
            if self.dtype is not None:
                layer.dtype = self.dtype
            layer.build(width, self._rng)

    # -- running the graph ------------------------------------------------------------------------------------------
    def forward(self, inputs, training=False):
        """The outputs for ``inputs`` (one array per Input, a list when there are several): one array, or a list
        when the model has several outputs."""
        return self._run(inputs, training)[0]

    def _forward(self, x, training=False):
        out, mask = self._run(x, training)
        if mask is not None and np.shape(mask) != np.shape(out)[:2]:
            mask = None  # a mask of steps, but the output has none
        return out, mask

    def _run(self, x, training):
        """``(output(s), the first output's mask)``: the nodes in topological order (module docstring)."""
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        values = dict(zip(map(id, self.inputs), xs))
        masks = dict.fromkeys(values)
        for node in self.nodes:
            layer = node.layer
            given = [values[id(t)] for t in node.inputs]
            in_masks = [masks[id(t)] for t in node.inputs[:node.n_main]]
            if node.list_input:
                main, mask = given[:node.n_main], (in_masks if any(m is not None for m in in_masks) else None)
            else:
                main, mask = given[0], in_masks[0]
            kwargs = dict(node.call_kwargs)
            if node.n_states:
                kwargs["initial_state"] = given[node.n_main:]
            if node.shared:
                layer._buffers = node.buffers  # this call's own work arrays: another call's cache points into its own
            out = layer.forward(main, training=training, mask=mask, **kwargs)
            node.cache = layer.cache
            out_mask = layer.compute_mask(mask)
            outs = list(out) if node.several_outputs else [out]
            for i, (tensor, value) in enumerate(zip(node.outputs, outs)):
                if training and not all_finite(value):
                    raise diverged(f"the output of {layer.name} holds NaN or infinite values (the weights have grown "
                                   f"too large: {largest_weight(self._named('params'))}); no update was made.")
                values[id(tensor)] = value
                masks[id(tensor)] = out_mask if i == 0 else None  # states and attention weights have no steps
        result = [values[id(t)] for t in self.outputs]
        return (result if len(result) > 1 else result[0]), masks[id(self.outputs[0])]

    def backward(self, dout):
        """Every layer's gradients for ``dout`` = dL/doutput (a list, one per output, when there are several; None
        for an output the loss does not use), through the graph in reverse; returns dL/dinput for each input (a
        list when there are several; None for token ids)."""
        douts = list(dout) if len(self.outputs) > 1 else [dout]
        grads = self._backward_graph(douts)
        found = [grads.get(id(t)) for t in self.inputs]
        return found if len(found) > 1 else found[0]

    def _backward(self, d, fused):
        self._backward_graph([d], fused)

    def _backward_graph(self, douts, fused=False):
        """``{id(tensor): dL/dtensor}`` for every tensor the gradient reaches, from ``douts`` (one per output; the
        first w.r.t. its layer's logit when ``fused``); fills every layer's ``grads`` on the way."""
        grads = {}  # id(tensor) -> the sum of the gradients arriving at it

        def arrive(tensor, g):
            if g is None:  # token ids, or a state truncation cut off: nothing arrives
                return
            if not all_finite(g):
                raise diverged(f"the gradient of a tensor of shape {tensor.shape} holds NaN or infinite values; no "
                               "update was made.")
            key = id(tensor)
            grads[key] = g if key not in grads else grads[key] + g  # fan-out: the contributions add up

        for tensor, g in zip(self.outputs, douts):
            arrive(tensor, g)
        totals = {}  # id(layer) -> its parameters' gradients summed over its calls (a shared layer has several)
        fused_node = self.outputs[0].node if fused else None
        for node in reversed(self.nodes):  # every tensor's sum is complete before the node that made it runs
            layer = node.layer
            d = [grads.get(id(t)) for t in node.outputs]
            if all(g is None for g in d):
                continue  # nothing of the loss flows through this call
            layer.cache = node.cache
            if node.shared:
                layer._buffers = node.buffers
            d = d if node.several_outputs else d[0]
            if node is fused_node:
                d_in = layer.backward(d, through_activation=False)
            else:
                d_in = layer.backward(d)
            bad = first_non_finite(layer.grads.items())
            if bad is not None:
                raise diverged(f"the gradient of {layer.name}'s {bad} holds NaN or infinite values; no update was "
                               "made.")
            if node.shared:
                calls = totals.get(id(layer))
                totals[id(layer)] = ({k: np.array(v) for k, v in layer.grads.items()} if calls is None else
                                     {k: calls[k] + v for k, v in layer.grads.items()})
            for tensor, g in zip(node.inputs[:node.n_main], d_in if node.list_input else [d_in]):
                arrive(tensor, g)
            if node.n_states and layer.initial_state_grads is not None:
                for tensor, g in zip(node.inputs[node.n_main:], layer.initial_state_grads):
                    arrive(tensor, g)  # the gradient of the states handed over, for the layer that made them
        for layer in self.layers:
            if id(layer) in totals:
                layer.grads = totals[id(layer)]
            elif not any(node.layer is layer and any(id(t) in grads for t in node.outputs) for node in self.nodes):
                layer.grads = {k: np.zeros_like(v) for k, v in layer.params.items()}  # no gradient reached it
        return grads

    def _output_layer(self):
        """The output's layer when the loss may take over its activation: one output, made by a layer called once."""
        node = self.outputs[0].node
        if len(self.outputs) > 1 or node is None or node.shared or node.several_outputs:
            return None
        return node.layer

    def _output_name(self):
        node = self.outputs[0].node
        return self.name if node is None else node.layer.name

    def _output_dtype(self):
        node = self.outputs[0].node
        return node.layer.dtype if node is not None else super()._output_dtype()

    def _check_x(self, x, name):
        """``x``: one array per Input (a list when there are several), each of the Input's rank and known sizes,
        token ids for an Input of an integer dtype. TypeError/ValueError naming ``name``."""
        k = len(self.inputs)
        if k > 1 and (not isinstance(x, (list, tuple)) or len(x) != k):
            got = f"a list of {len(x)}" if isinstance(x, (list, tuple)) else "one array"
            raise ValueError(f"{name} must be a list of {k} arrays, one per input ({self._input_names()}), got {got}")
        if k == 1 and isinstance(x, (list, tuple)):
            if len(x) != 1:
                raise ValueError(f"{name} must be one array (the model has one input), got a list of {len(x)}")
            x = x[0]
        checked = super()._check_x(x, name)
        arrays = checked if k > 1 else [checked]
        for i, (tensor, array) in enumerate(zip(self.inputs, arrays)):
            what = f"{name}[{i}]" if k > 1 else name
            if array.ndim != len(tensor.shape):
                raise ValueError(f"{what} must have {len(tensor.shape)} dimensions, (batch,) + {tensor.shape[1:]}, "
                                 f"got shape {array.shape}")
            for axis, (want, got) in enumerate(zip(tensor.shape[1:], array.shape[1:]), start=1):
                if want is not None and want != got:
                    raise ValueError(f"{what} must have shape (batch,) + {tensor.shape[1:]}, got {array.shape}")
            if tensor.dtype == "int" and array.dtype.kind not in "iu":
                raise TypeError(f"{what} must be integer token ids (its Input has an integer dtype), got {array.dtype}")
        return checked

    def _input_names(self):
        return ", ".join(t.name or f"Input{t.shape}" for t in self.inputs)

    def _summary_rows(self):
        rows = []
        for layer in self.layers:
            node = next(node for node in self.nodes if node.layer is layer)
            shapes = [t.shape for t in node.outputs]
            rows.append((f"{layer.name} ({type(layer).__name__})", str(shapes[0] if len(shapes) == 1 else shapes),
                         layer.count_params()))
        return rows

    # -- in a model file: the layers' configurations and the graph's edges ------------------------------------------
    def _description(self):
        where = {}  # id(tensor) -> ["input", i] or ["node", j, k]
        for i, tensor in enumerate(self.inputs):
            where[id(tensor)] = ["input", i]
        nodes = []
        for j, node in enumerate(self.nodes):
            nodes.append({"layer": next(i for i, layer in enumerate(self.layers) if layer is node.layer),
                          "inputs": [where[id(t)] for t in node.inputs], "n_main": node.n_main,
                          "list_input": node.list_input, "kwargs": node.call_kwargs})
            for k, tensor in enumerate(node.outputs):
                where[id(tensor)] = ["node", j, k]
        return {"name": self.name, "random_state": self.random_state,
                "dtype": None if self.dtype is None else self.dtype.name,
                "layers": [layer_config(layer) for layer in self.layers],
                "graph": {"inputs": [t.config for t in self.inputs], "nodes": nodes,
                          "outputs": [where[id(t)] for t in self.outputs]}}

    @classmethod
    def _from_description(cls, meta):
        """The graph model ``_description`` wrote, its layers unbuilt (persistence builds them). ValueError/TypeError/
        KeyError/IndexError for a description that does not hold together."""
        layers = [layer_from_config(entry) for entry in meta["layers"]]
        graph = meta["graph"]
        inputs = [Input(tuple(c["shape"]), c["dtype"], c["name"]) for c in graph["inputs"]]
        made = []  # each node's output tensors, in order

        def tensor(ref):
            if ref[0] == "input":
                return inputs[ref[1]]
            if ref[0] != "node" or not 0 <= ref[1] < len(made):
                raise ValueError(f"a node reads {ref!r}, which is not an input or an earlier node's output")
            outs = made[ref[1]]
            return outs[ref[2]] if isinstance(outs, list) else [outs][ref[2]]

        for entry in graph["nodes"]:
            args = [tensor(ref) for ref in entry["inputs"]]
            n_main = entry["n_main"]
            main = args[:n_main] if entry["list_input"] else args[0]
            states = args[n_main:] or None
            kwargs = {k: v for k, v in entry["kwargs"].items()}
            made.append(call_symbolic(layers[entry["layer"]], main, initial_state=states, **kwargs))
        outputs = [tensor(ref) for ref in graph["outputs"]]
        model = cls(inputs, outputs if len(outputs) > 1 else outputs[0], name=meta.get("name"),
                    random_state=meta.get("random_state"), dtype=meta.get("dtype"), _build=False)
        if len(model.layers) != len(layers) or any(a is not b for a, b in zip(model.layers, layers)):
            raise ValueError("the graph does not use its layers in the order they are listed")
        return model


class _Named:
    """Something with a name, for the messages of ``_tensors`` about a model's own arguments."""

    def __init__(self, name):
        self.name = name


def _unique_names(layers):
    """Rename the layers whose name an earlier one has, ``lstm`` -> ``lstm_1``, as Keras names them: a model's
    layers have unique names (a file finds a tie by name; messages name layers)."""
    names = set()
    for layer in layers:
        base, k = layer.name, 1
        while layer.name in names:
            layer.name, k = f"{base}_{k}", k + 1
        names.add(layer.name)


def _takes_list(layer):
    """Whether ``layer`` takes a list of inputs (Attention's [query, value], Concatenate's)."""
    return getattr(layer, "takes_list", False) or hasattr(layer, "_check_inputs")


def _topological_order(outputs, inputs):
    """The nodes the ``outputs`` depend on, each after every node whose outputs it reads (a depth-first search from
    the outputs, each node listed once all its inputs' nodes are). ValueError when an output depends on an Input not
    among ``inputs``."""
    order, done = [], set()
    known = {id(t) for t in inputs}

    def visit(tensor):
        node = tensor.node
        if node is None:
            if id(tensor) not in known:
                raise ValueError(f"the outputs depend on an Input ({tensor.name or tensor.shape}) that is not among "
                                 "the model's inputs; add it to inputs")
            return
        if id(node) in done:
            return
        for t in node.inputs:  # a graph built from tensors has no cycles: a layer's outputs are new tensors
            visit(t)
        done.add(id(node))
        order.append(node)

    for tensor in outputs:
        visit(tensor)
    return order


__all__ = ["Input", "KerasTensor", "Functional"]
