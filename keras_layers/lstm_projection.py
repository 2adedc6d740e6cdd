"""The ``LSTMProjection`` layer: an LSTM with a projected, clipped state (ELMo's biLM cell)."""

import keras
from keras import ops


def _transposed_kernels_are_faster():
    """Whether per-step products run faster against a transposed kernel: JAX on CPU.

    XLA's CPU matrix product of a few rows, ``(batch, k) x (k, n)``, runs at about a third of
    numpy's rate; with the kernel transposed once before the recurrence and contracted on its last
    axis, ``(batch, k) x (n, k)^T``, it runs 2x faster (ELMo ``original`` embedding on JAX: 106 ->
    184 tokens/s, outputs within 2e-6). Measured in one process against the plain form: TensorFlow
    runs the transposed form 1.8x slower, and JAX's training step (forward and backward) 3% slower,
    so both keep the plain one, as do GPUs, where it was not measured.
    """
    return keras.backend.backend() == "jax" and _on_cpu()


#: Below these batch sizes, TensorFlow's CPU recurrence runs faster with the input gates hoisted.
_PER_STEP_MIN_BATCH = 16
_PER_STEP_MIN_TRAINING_BATCH = 32


def _input_gates_per_step(batch, training=False):
    """Whether to compute the input half of the gates inside the recurrence (one ``[x_t; h]``
    product per step) rather than hoisted out of it: TensorFlow on CPU, at batch 16 or more in
    inference and 32 or more in training.

    Returns a bool, or, when the batch size is known only at run time (TensorFlow traces a relaxed
    shape once batch shapes vary), a boolean scalar tensor: the layer then puts every form in the
    graph and picks one per call, which costs nothing measurable when embedding. In training it
    does: the gradient through the ``cond`` made ``small`` training (batch 64) 1.38x slower than
    the per-step form alone, so training with an unknown batch size takes the per-step form
    (training batches are large; ``gensim_elmo`` feeds them with a static batch size anyway).

    Measured in one process, interleaved, median of 3-5 rounds (2-core CPU, ``original``
    embedding): per step is 1.39x as fast at batch 32 and 1.44x at batch 64, and ``small``
    training (batch 64) 1.19x. On TensorFlow the hoisted form carries the ``4 * units`` wide gate
    inputs (with the mask column) through the scan, which its while loop slices and copies at
    every step. Below 32 the fused per-step product is slow (``_gates_fused``); with four
    products per step, per step is 1.05x as fast as hoisted at batch 16 and 1.19x at 24, but
    1.10x slower at batch 8 (each step reads the whole kernel for few rows). JAX keeps the
    hoisted form (it is 1.21x as fast at batch 32), as do GPUs (not measured).
    """
    if keras.backend.backend() != "tensorflow" or not _on_cpu():
        return False
    threshold = _PER_STEP_MIN_TRAINING_BATCH if training else _PER_STEP_MIN_BATCH
    if isinstance(batch, int):
        return batch >= threshold
    if training:
        return True
    return ops.greater_equal(batch, threshold)


#: Batch sizes at which TensorFlow's CPU multiplies ``(batch, k) x (k, 4 * units)`` fast (below).
_FUSED_FAST_BATCHES = (32, 64, 96)
#: Below this batch size four products per step are no faster than one.
_SPLIT_MIN_BATCH = 8


def _gates_fused(batch, training=False):
    """Whether each step computes the four gates in one product, ``(batch, k) x (k, 4 * units)``
    (True), rather than in four, one per gate block of ``units`` columns, concatenated.

    One everywhere but in inference on TensorFlow's CPU at batch 8 or more other than 32, 64 or
    96. There TensorFlow's (Eigen's) product with 16,384 columns (``original``) runs at 95-120
    GFLOP/s at those three batch sizes but at 18-62 at the others measured (8, 16, 20, 33, 40,
    48, 128), where four products of 4,096 columns run at 35-70 (at 31 both ran at about 90;
    2-core CPU, 2026-11-27). ``original`` embedding, interleaved, median of 3 rounds: four
    products per step are 0.99x as fast as one at batch 32, 0.92x at 64 and 0.99x at 96, and
    with the input half hoisted 1.06x at batch 4. Against the rule before (one product; per step
    from batch 32), the layer is 1.28x as fast at batch 8, 1.31x at 16, 1.32x at 24, 1.13x at
    48 and 1.11x at 128. Training keeps one product (four made ``small`` training 1.23x
    slower). Returns a bool, or a boolean scalar tensor when the batch size is known only at
    run time.
    """
    if training or keras.backend.backend() != "tensorflow" or not _on_cpu():
        return True
    if isinstance(batch, int):
        return batch < _SPLIT_MIN_BATCH or batch in _FUSED_FAST_BATCHES
    batch = ops.cast(batch, "int32")
    fast = ops.any(ops.equal(batch, ops.convert_to_tensor(_FUSED_FAST_BATCHES, "int32")))
    return ops.logical_or(ops.less(batch, _SPLIT_MIN_BATCH), fast)


def _clip(bound, dtype):
    """``x -> clip(x, -bound, bound)`` with the bounds made on the device once, or None when
    ``bound`` is None.

    ``keras.ops.clip`` given Python numbers converts them at every call, and on PyTorch that is a
    copy from the host; to a GPU such a copy waits for the device to finish its queued work, so
    one inside the recurrence (four per step: two clips, two bounds) keeps PyTorch's eager GPU
    recurrence from ever running ahead of Python. ``ones * bound`` is made on the device, equal
    to the bound in ``dtype``.
    """
    if bound is None:
        return None
    upper = ops.ones((), dtype) * bound
    lower = -upper
    return lambda x: ops.clip(x, lower, upper)


def _scan(step, init, xs, reverse=False):
    """``keras.ops.scan`` of ``step(carry, x) -> (carry, y)`` over a tuple ``xs`` of time-major
    tensors (``x``: the tuple of their rows at one step), with ``carry`` the pair ``(h, c)`` and
    ``y`` of the shape of ``h``. Returns ``(carry, ys)``, ``ys`` stacked in time order.

    Two backends take another form of the same loop:

    - PyTorch runs ``ops.scan`` as a Python loop that indexes ``xs[t]`` at each step, and the
      gradient of each index is a zero tensor the size of the whole of ``xs``: training filled T of
      them per layer and direction (``small`` stack, 20 steps: 41% of its CPU time went to
      ``fill_``). Unstacking once has one gradient, a stack.
    - TensorFlow's scan cannot check several scanned tensors of unknown length, so they ride as
      columns of one, and its per-step outputs must mirror the carry's structure.
    """
    backend = keras.backend.backend()
    if backend == "torch":
        rows = list(zip(*(ops.unstack(x, axis=0) for x in xs)))
        carry, ys = init, [None] * len(rows)
        for t in reversed(range(len(rows))) if reverse else range(len(rows)):
            carry, ys[t] = step(carry, rows[t])
        return carry, ops.stack(ys, axis=0)
    if backend == "tensorflow":
        edges = [0]
        for x in xs:
            edges.append(edges[-1] + x.shape[-1])

        def columns_step(carry, x):
            parts = (x,) if len(xs) == 1 else tuple(x[:, a:b] for a, b in zip(edges, edges[1:]))
            carry, y = step(carry, parts)
            return carry, (y, carry[1])

        joined = xs[0] if len(xs) == 1 else ops.concatenate(list(xs), axis=-1)
        carry, (ys, _) = ops.scan(columns_step, init, joined, reverse=reverse)
        return carry, ys
    return ops.scan(step, init, xs, reverse=reverse)


def _on_cpu():
    return all(device.lower().startswith("cpu") for device in keras.distribution.list_devices())


def _step_product(kernel, training):
    """``x -> x @ kernel`` for the recurrence, in the form the backend and device run fastest.

    The plain form is the ``@`` operator on backend tensors: PyTorch runs the recurrence eagerly,
    one Python call per operation, and ``keras.ops.matmul``'s dtype checks cost it 36 us per call
    against 4 us for ``@`` (2-core CPU); the product is the same.
    """
    if training or not _transposed_kernels_are_faster():
        kernel = ops.convert_to_tensor(kernel)  # a variable's value, autocast like ops.matmul's
        return lambda x: x @ kernel
    transposed = ops.transpose(kernel)  # once per call, outside the recurrence
    return lambda x: ops.einsum("bk,nk->bn", x, transposed)


def _gates_product(kernel, training, fused):
    """``x -> x @ kernel`` for the gate pre-activations at one step: one product (``fused``), or
    four, one per gate block (i, j, f, o), concatenated."""
    if fused:
        return _step_product(kernel, training)
    # The kernel is split once per call, outside the recurrence.
    products = [_step_product(block, training) for block in ops.split(kernel, 4, axis=-1)]
    return lambda x: ops.concatenate([product(x) for product in products], axis=-1)


@keras.saving.register_keras_serializable(package="keras_layers")
class LSTMProjection(keras.layers.Layer):
    """An LSTM with projection (Sak et al. 2014) over a masked sequence, as bilm-tf runs it.

    One step, with ``[x; h_prev]`` the input and the previous projected state::

        z = [x; h_prev] @ kernel + bias          # gate blocks i, j, f, o (TensorFlow order)
        c = clip(sigmoid(f + 1) * c_prev + sigmoid(i) * tanh(j), cell_clip)
        m = sigmoid(o) * tanh(c)
        h = clip(m @ projection_kernel, proj_clip)    # the output and the next h_prev

    The forget bias of 1.0 is added at run time, not stored, exactly as in TensorFlow's
    ``LSTMCell``, so ``kernel``, ``bias`` and ``projection_kernel`` are the file's ``W_0``, ``B``
    and ``W_P_0`` unchanged.

    Masking: masked steps leave the state unchanged and output zeros (``tf.nn.dynamic_rnn`` with
    ``sequence_length`` semantics for right-padded rows). With ``go_backwards=True`` each row is
    processed from its last real token back to its first (``tf.reverse_sequence`` semantics for
    right padding) and the outputs are returned in the original time order; the final state is
    the state after position 0.

    The recurrence is ``keras.ops.scan``, so it compiles under ``jax.jit`` and ``tf.function``.
    By default the input half of the gates, ``x @ kernel[:D]``, is one product over all steps
    outside the recurrence, and each step multiplies ``h`` by the rest of the kernel and the cell
    by the projection. Per backend, device and batch size the layer may take another, equivalent
    form of these products, the fastest there (see "How LSTMProjection runs its steps" in
    docs/benchmarks.md); every form gives the same outputs.

    Args:
        units: int, LSTM cell size (``dim`` in options.json).
        projection_dim: int, size of the projected state and of the output.
        cell_clip: float or None, clip the cell state to ``[-cell_clip, cell_clip]``.
            Defaults to None (no clipping).
        proj_clip: float or None, clip the projected state. Defaults to None.
        go_backwards: bool, run each sequence from its last real step back to its first.
            Defaults to False.
        return_state: bool, return ``(outputs, final_h, final_c)``; if False, return the outputs
            only (a plain sequence layer). Defaults to True.
        kernel_initializer: initializer of ``kernel``. Defaults to ``"glorot_uniform"``.
        projection_initializer: initializer of ``projection_kernel``. Defaults to
            ``"glorot_uniform"``.
        bias_initializer: initializer of ``bias``. Defaults to ``"zeros"``.
        **kwargs: base layer keyword arguments (``name``, ``dtype``, ``trainable``...).

    Call arguments:
        inputs: float tensor ``(batch, time, input_dim)``.
        mask: optional bool tensor ``(batch, time)``, True at real steps (right padding).
        initial_state: optional pair ``[h0 (batch, projection_dim), c0 (batch, units)]``;
            zeros when None.
        resets: optional bool tensor ``(batch, time)``, True where the state is set to zeros
            before the step (e.g. where a new sentence starts in a stream of text; for
            ``go_backwards``, a sentence's last position). Defaults to None (no resets).
        training: bool, no dropout; only picks the fastest form of the per-step products.

    Returns:
        With ``return_state=True``: ``(outputs, final_h, final_c)``, outputs
        ``(batch, time, projection_dim)`` (zeros at masked steps), ``final_h``
        ``(batch, projection_dim)`` and ``final_c`` ``(batch, units)`` the state after each
        row's last real step (for ``go_backwards``, after position 0). Otherwise the outputs.

    Example:

    >>> import numpy as np
    >>> lstm = LSTMProjection(units=8, projection_dim=4, cell_clip=3.0, proj_clip=3.0)
    >>> x = np.random.rand(2, 5, 3).astype("float32")
    >>> mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    >>> outputs, h, c = lstm(x, mask=mask)
    >>> tuple(outputs.shape), tuple(h.shape), tuple(c.shape)
    ((2, 5, 4), (2, 4), (2, 8))

    Reference:
        Sak et al., "Long Short-Term Memory Recurrent Neural Network Architectures for Large Scale
        Acoustic Modeling", 2014; TensorFlow ``LSTMCell(num_proj=...)``; bilm-tf.
    """

    def __init__(
        self,
        units,
        projection_dim,
        cell_clip=None,
        proj_clip=None,
        go_backwards=False,
        return_state=True,
        kernel_initializer="glorot_uniform",
        projection_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in [("units", units), ("projection_dim", projection_dim)]:
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
        for name, value in [("cell_clip", cell_clip), ("proj_clip", proj_clip)]:
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                raise ValueError(f"`{name}` must be None or a positive number. Received: {name}={value!r}")
        self.units = units
        self.projection_dim = projection_dim
        self.cell_clip = None if cell_clip is None else float(cell_clip)
        self.proj_clip = None if proj_clip is None else float(proj_clip)
        self.go_backwards = bool(go_backwards)
        self.return_state = bool(return_state)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.projection_initializer = keras.initializers.get(projection_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.supports_masking = True

    def build(self, input_shape, *args, **kwargs):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"The last axis of the input of `LSTMProjection` must be known. Received: shape={input_shape}"
            )
        self.input_dim = input_dim
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim + self.projection_dim, 4 * self.units),
            initializer=self.kernel_initializer,
        )
        self.bias = self.add_weight(name="bias", shape=(4 * self.units,), initializer=self.bias_initializer)
        self.projection_kernel = self.add_weight(
            name="projection_kernel",
            shape=(self.units, self.projection_dim),
            initializer=self.projection_initializer,
        )

    def call(self, inputs, mask=None, initial_state=None, resets=None, training=None):
        dtype = self.compute_dtype
        inputs = ops.cast(inputs, dtype)
        batch = ops.shape(inputs)[0]
        units = self.units
        projection = _step_product(self.projection_kernel, training)
        cell_clip, proj_clip = _clip(self.cell_clip, dtype), _clip(self.proj_clip, dtype)

        if initial_state is None:
            h0 = ops.zeros((batch, self.projection_dim), dtype)
            c0 = ops.zeros((batch, units), dtype)
        else:
            if len(initial_state) != 2:
                raise ValueError(
                    "`initial_state` must be a pair [h (batch, projection_dim), c (batch, units)]. "
                    f"Received {len(initial_state)} tensors."
                )
            h0, c0 = ops.cast(initial_state[0], dtype), ops.cast(initial_state[1], dtype)

        if resets is not None and mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], "bool")
        if mask is not None:
            mask_t = ops.transpose(ops.cast(mask, dtype), (1, 0))[:, :, None]  # (T, B, 1)
        if resets is not None:
            reset_t = ops.transpose(ops.cast(resets, dtype), (1, 0))[:, :, None]  # (T, B, 1)

        def recurrence(per_step, fused):
            if per_step:
                scanned, gates = ops.transpose(inputs, (1, 0, 2)), self._per_step_gates(training, fused)
            else:  # (T, B, width)
                scanned, gates = self._scanned_inputs(inputs), self._step_gates(training, fused)

            def cell(h_prev, c_prev, x_t):
                z = gates(x_t, h_prev)
                i, j, f, o = ops.split(z, 4, axis=-1)
                c = ops.sigmoid(f) * c_prev + ops.sigmoid(i) * ops.tanh(j)
                if cell_clip is not None:
                    c = cell_clip(c)
                h = projection(ops.sigmoid(o) * ops.tanh(c))
                if proj_clip is not None:
                    h = proj_clip(h)
                return h, c

            if mask is None:

                def step(carry, x):
                    h, c = cell(carry[0], carry[1], x[0])
                    return (h, c), h

                xs = (scanned,)
            elif resets is not None:

                def step(carry, x):
                    x_t, m, r = x  # r (batch, 1): 1.0 where the state is zeroed before the step
                    fresh = r > 0
                    h_prev, c_prev = ops.where(fresh, 0.0, carry[0]), ops.where(fresh, 0.0, carry[1])
                    h, c = cell(h_prev, c_prev, x_t)
                    keep = m > 0  # a masked step keeps the state (zeroed, if it is also a reset)
                    return (ops.where(keep, h, h_prev), ops.where(keep, c, c_prev)), h * m

                xs = (scanned, mask_t, reset_t)
            else:

                def step(carry, x):
                    x_t, m = x  # m (batch, 1): 1.0 at real steps, 0.0 at padding
                    h_prev, c_prev = carry
                    h, c = cell(h_prev, c_prev, x_t)
                    keep = m > 0
                    return (ops.where(keep, h, h_prev), ops.where(keep, c, c_prev)), h * m

                xs = (scanned, mask_t)

            (final_h, final_c), outputs = _scan(step, (h0, c0), xs, reverse=self.go_backwards)
            return ops.transpose(outputs, (1, 0, 2)), final_h, final_c

        per_step, fused = self._gates_per_step(batch, training), self._gates_fused(batch, training)
        if isinstance(per_step, bool) and isinstance(fused, bool):
            outputs, final_h, final_c = recurrence(per_step, fused)
        else:  # the batch size is known only at run time: every form in the graph, one run per call
            index = 2 * ops.cast(per_step, "int32") + ops.cast(fused, "int32")
            forms = [lambda p=p, f=f: recurrence(p, f) for p in (False, True) for f in (False, True)]
            outputs, final_h, final_c = ops.switch(index, forms)
        if self.return_state:
            return outputs, final_h, final_c
        return outputs

    def _gate_bias(self):
        """The gates' bias with TensorFlow's forget bias (+1 on the f block) added, ``(4 * units,)``."""
        units = self.units
        dtype = self.compute_dtype
        return self.bias + ops.concatenate(
            [ops.zeros((2 * units,), dtype), ops.ones((units,), dtype), ops.zeros((units,), dtype)]
        )

    def _scanned_inputs(self, inputs):
        """What the recurrence scans over, time major ``(T, B, width)``.

        Hoisted out of the recurrence: the input half of the gates for every step in one matrix
        product, with the bias and the forget bias folded in (``width = 4 * units``).
        """
        x_gates = ops.matmul(inputs, self.kernel[: self.input_dim]) + self._gate_bias()
        return ops.transpose(x_gates, (1, 0, 2))

    def _step_gates(self, training, fused):
        """``(x_t, h_prev) -> z``, the four gates' pre-activations at one step (``x_t`` a row of
        ``_scanned_inputs``): the product of the recurrent half, fused or one per gate."""
        recurrent = _gates_product(self.kernel[self.input_dim :], training, fused)
        return lambda x_t, h_prev: x_t + recurrent(h_prev)

    def _gates_per_step(self, batch, training=None):
        """Whether this call computes the input half of the gates inside the recurrence
        (``_per_step_gates``) instead of hoisted (``_scanned_inputs`` and ``_step_gates``): a bool, or
        a boolean scalar tensor decided at run time. The form the backend and device run fastest."""
        return _input_gates_per_step(batch, training is True)

    def _gates_fused(self, batch, training=None):
        """Whether each step computes the four gates in one product or in four, one per gate (a
        bool, or a boolean scalar tensor decided at run time): the form the backend and device
        run fastest at this batch size."""
        return _gates_fused(batch, training is True)

    def _per_step_gates(self, training, fused):
        """``(x_t, h_prev) -> z`` from the layer's input at one step: ``[x_t; h_prev] @ kernel + bias``,
        one fused product as TensorFlow's ``LSTMCell`` runs it, or one per gate."""
        product, bias = _gates_product(self.kernel, training, fused), self._gate_bias()
        return lambda x_t, h_prev: product(ops.concatenate([x_t, h_prev], axis=-1)) + bias

    def compute_output_shape(self, input_shape, *args, **kwargs):
        output_shape = tuple(input_shape[:-1]) + (self.projection_dim,)
        if self.return_state:
            return output_shape, (input_shape[0], self.projection_dim), (input_shape[0], self.units)
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if self.return_state:
            return [mask, None, None]
        return mask

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "projection_dim": self.projection_dim,
                "cell_clip": self.cell_clip,
                "proj_clip": self.proj_clip,
                "go_backwards": self.go_backwards,
                "return_state": self.return_state,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "projection_initializer": keras.initializers.serialize(self.projection_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config
