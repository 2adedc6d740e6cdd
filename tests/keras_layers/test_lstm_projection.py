"""Tests of LSTMProjection: numerics against the per-step reference, masking, direction, state."""

import json

import keras
import numpy as np
import pytest

from keras_layers.lstm_projection import LSTMProjection
from tests import reference_elmo
from tests.helpers import gradients_of, requires_torch, run_in_fresh_process, run_layer_test

RNG = np.random.default_rng(0)


def random_layer(units=7, proj=3, dim=4, go_backwards=False, cell_clip=0.8, proj_clip=0.5, seed=0):
    rng = np.random.default_rng(seed)
    layer = LSTMProjection(units, proj, cell_clip=cell_clip, proj_clip=proj_clip, go_backwards=go_backwards)
    layer.build((None, None, dim))
    w0 = rng.standard_normal((dim + proj, 4 * units)).astype("float32")
    b = rng.standard_normal((4 * units,)).astype("float32")
    wp = rng.standard_normal((units, proj)).astype("float32")
    layer.kernel.assign(w0)
    layer.bias.assign(b)
    layer.projection_kernel.assign(wp)
    return layer, (w0, b, wp)


def numpy_of(*tensors):
    return [keras.ops.convert_to_numpy(t) for t in tensors]


def test_layer_battery(tmp_path):
    run_layer_test(
        LSTMProjection,
        {"units": 5, "projection_dim": 3, "cell_clip": 3.0, "proj_clip": 3.0, "return_state": False},
        RNG.standard_normal((2, 4, 3)).astype("float32"),
        (2, 4, 3),
        expected_num_trainable_weights=3,
        expected_num_non_trainable_weights=0,
        run_saving_check=True,
        tmp_path=tmp_path,
    )


def test_weight_shapes_match_file_layout():
    layer = LSTMProjection(8, 3)
    layer.build((None, None, 5))
    assert tuple(layer.kernel.shape) == (5 + 3, 32)
    assert tuple(layer.bias.shape) == (32,)
    assert tuple(layer.projection_kernel.shape) == (8, 3)
    assert [w.name for w in layer.weights] == ["kernel", "bias", "projection_kernel"]


def test_hand_computed_single_step():
    layer = LSTMProjection(
        1,
        1,
        cell_clip=0.1,
        kernel_initializer=keras.initializers.Constant(0.5),
        projection_initializer=keras.initializers.Constant(2.0),
    )
    outputs, h, c = numpy_of(*layer(np.ones((1, 1, 1), "float32")))
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    # z = 0.5 for every gate (h0 = 0); the forget bias 1 only multiplies c0 = 0.
    expected_c = min(sig(0.5) * np.tanh(0.5), 0.1)
    expected_h = 2.0 * sig(0.5) * np.tanh(expected_c)
    np.testing.assert_allclose(c, [[expected_c]], rtol=1e-6)
    np.testing.assert_allclose(h, [[expected_h]], rtol=1e-6)
    np.testing.assert_allclose(outputs, [[[expected_h]]], rtol=1e-6)


@pytest.mark.parametrize("per_step", [False, True], ids=["hoisted_input_gates", "input_gates_per_step"])
@pytest.mark.parametrize(("transposed", "fused"), [(False, True), (True, True), (False, False)],
                         ids=["plain_products", "transposed_kernels", "four_gate_products"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_reference(go_backwards, with_state, transposed, fused, per_step, monkeypatch):
    """Every form of the recurrence: the input gates hoisted or per step (TensorFlow's CPU form
    at batch >= 16), and per step one plain product for the four gates, one against the kernel
    transposed (JAX's CPU inference form) or four (TensorFlow's CPU inference form at most batch
    sizes)."""
    from keras_layers import lstm_projection

    monkeypatch.setattr(lstm_projection, "_transposed_kernels_are_faster", lambda: transposed)
    monkeypatch.setattr(lstm_projection, "_input_gates_per_step", lambda batch, training=False: per_step)
    monkeypatch.setattr(lstm_projection, "_gates_fused", lambda batch, training=False: fused)
    layer, (w0, b, wp) = random_layer(go_backwards=go_backwards)
    x = RNG.standard_normal((3, 6, 4)).astype("float32")
    lengths = [6, 2, 4]
    mask = np.arange(6)[None, :] < np.array(lengths)[:, None]
    state = None
    if with_state:
        state = [RNG.standard_normal((3, 3)).astype("float32"), RNG.standard_normal((3, 7)).astype("float32")]
    outputs, h, c = numpy_of(*layer(x, mask=mask, initial_state=state))
    ref_out, ref_h, ref_c = reference_elmo.lstm(
        x, lengths, w0, b, wp, 0.8, 0.5, backward=go_backwards,
        h0=None if state is None else state[0], c0=None if state is None else state[1],
    )
    np.testing.assert_allclose(outputs, ref_out, atol=1e-5)
    np.testing.assert_allclose(h, ref_h, atol=1e-5)
    np.testing.assert_allclose(c, ref_c, atol=1e-5)
    assert (outputs[1, 2:] == 0).all() and (outputs[2, 4:] == 0).all()


@pytest.mark.parametrize("go_backwards", [False, True])
def test_padding_does_not_change_results(go_backwards):
    layer, _ = random_layer(go_backwards=go_backwards, cell_clip=None, proj_clip=None)
    x = RNG.standard_normal((1, 3, 4)).astype("float32")
    short = numpy_of(*layer(x))
    padded_x = np.concatenate([x, RNG.standard_normal((1, 4, 4)).astype("float32")], axis=1)
    mask = np.array([[1, 1, 1, 0, 0, 0, 0]], bool)
    long = numpy_of(*layer(padded_x, mask=mask))
    np.testing.assert_allclose(long[0][:, :3], short[0], atol=1e-6)
    assert (long[0][:, 3:] == 0).all()
    np.testing.assert_allclose(long[1], short[1], atol=1e-6)
    np.testing.assert_allclose(long[2], short[2], atol=1e-6)


@pytest.mark.parametrize("per_step", [False, True], ids=["hoisted_input_gates", "input_gates_per_step"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_a_reset_starts_the_rest_of_the_row_from_zero_states(go_backwards, per_step, monkeypatch):
    """A reset at step t: from t on (for go_backwards, from t back to 0) the row runs as if it began
    there, from zeros; other rows and the steps before it are untouched."""
    from keras_layers import lstm_projection

    monkeypatch.setattr(lstm_projection, "_input_gates_per_step", lambda batch, training=False: per_step)
    layer, _ = random_layer(go_backwards=go_backwards)
    x = RNG.standard_normal((2, 6, 4)).astype("float32")
    state = [RNG.standard_normal((2, 3)).astype("float32"), RNG.standard_normal((2, 7)).astype("float32")]
    resets = np.zeros((2, 6), bool)
    resets[0, 2] = True
    outputs, h, c = numpy_of(*layer(x, initial_state=state, resets=resets))
    plain = numpy_of(*layer(x, initial_state=state))
    np.testing.assert_allclose(outputs[1], plain[0][1], atol=1e-6)  # the other row
    if go_backwards:  # steps 5..3 as before; 2..0 as a row of its own
        np.testing.assert_allclose(outputs[0, 3:], plain[0][0, 3:], atol=1e-6)
        fresh = numpy_of(*layer(x[:1, :3]))
        np.testing.assert_allclose(outputs[0, :3], fresh[0][0], atol=1e-5)
    else:  # steps 0, 1 as before; 2..5 as a row of its own
        np.testing.assert_allclose(outputs[0, :2], plain[0][0, :2], atol=1e-6)
        fresh = numpy_of(*layer(x[:1, 2:]))
        np.testing.assert_allclose(outputs[0, 2:], fresh[0][0], atol=1e-5)
    np.testing.assert_allclose(h[0], fresh[1][0], atol=1e-5)
    np.testing.assert_allclose(c[0], fresh[2][0], atol=1e-5)
    # A reset at a masked step (padding) still zeroes the state the row keeps.
    last = 0 if go_backwards else 5
    mask = np.ones((2, 6), bool)
    mask[0, last] = False
    resets = np.zeros((2, 6), bool)
    resets[0, last] = True
    _, h, c = numpy_of(*layer(x, mask=mask, initial_state=state, resets=resets))
    assert not h[0].any() and not c[0].any()


def test_backwards_is_forward_on_reversed_rows():
    fwd, weights = random_layer()
    bwd, _ = random_layer(go_backwards=True)
    x = RNG.standard_normal((1, 5, 4)).astype("float32")
    out_b, h_b, c_b = numpy_of(*bwd(x))
    out_f, h_f, c_f = numpy_of(*fwd(x[:, ::-1]))
    np.testing.assert_allclose(out_b, out_f[:, ::-1], atol=1e-6)
    np.testing.assert_allclose(h_b, h_f, atol=1e-6)
    np.testing.assert_allclose(c_b, c_f, atol=1e-6)


def test_mask_from_keras_masking_and_compiled_predict():
    layer, (w0, b, wp) = random_layer()
    layer.return_state = False
    inputs = keras.Input((None, 4))
    model = keras.Model(inputs, layer(keras.layers.Masking(0.0)(inputs)))
    x = RNG.standard_normal((2, 5, 4)).astype("float32")
    x[1, 3:] = 0.0
    got = model.predict_on_batch(x)
    ref, _, _ = reference_elmo.lstm(x, [5, 3], w0, b, wp, 0.8, 0.5)
    np.testing.assert_allclose(got, ref, atol=1e-5)


def test_symbolic_state_shapes():
    inputs = keras.Input((None, 4))
    outputs, h, c = LSTMProjection(7, 3)(inputs)
    assert tuple(outputs.shape) == (None, None, 3)
    assert tuple(h.shape) == (None, 3) and tuple(c.shape) == (None, 7)


def test_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        LSTMProjection(0, 3)
    with pytest.raises(ValueError, match="projection_dim"):
        LSTMProjection(4, "3")
    with pytest.raises(ValueError, match="cell_clip"):
        LSTMProjection(4, 3, cell_clip=-1)
    layer = LSTMProjection(4, 3)
    with pytest.raises(ValueError, match="initial_state"):
        layer(np.zeros((1, 2, 3), "float32"), initial_state=[np.zeros((1, 3), "float32")])


def test_transposed_kernels_only_for_jax_on_cpu():
    from keras_layers.lstm_projection import _transposed_kernels_are_faster

    assert _transposed_kernels_are_faster() == (keras.backend.backend() == "jax" and _on_cpu())


def _on_cpu():
    return all(d.startswith("cpu") for d in keras.distribution.list_devices())


def _tensorflow_on_cpu():
    return keras.backend.backend() == "tensorflow" and _on_cpu()


def test_input_gates_per_step_only_for_tensorflow_on_cpu_at_batch_16_or_more_in_inference():
    from keras_layers.lstm_projection import _input_gates_per_step

    tf_on_cpu = _tensorflow_on_cpu()
    assert _input_gates_per_step(64) is tf_on_cpu and _input_gates_per_step(16) is tf_on_cpu
    assert _input_gates_per_step(15) is False and _input_gates_per_step(8) is False
    # In training from batch 32.
    assert _input_gates_per_step(32, training=True) is tf_on_cpu
    assert _input_gates_per_step(31, training=True) is False and _input_gates_per_step(16, training=True) is False


def test_four_gate_products_only_in_inference_on_tensorflow_cpu_where_its_fused_product_is_slow():
    from keras_layers.lstm_projection import _gates_fused

    tf_on_cpu = _tensorflow_on_cpu()
    for batch in (8, 16, 24, 33, 48, 128):
        assert _gates_fused(batch) is not tf_on_cpu
        assert _gates_fused(batch, training=True) is True
    for batch in (1, 4, 7, 32, 64, 96):
        assert _gates_fused(batch) is True
    if tf_on_cpu:  # a batch size known only at run time: the same rule, computed in the graph
        from keras_layers.lstm_projection import _input_gates_per_step

        for batch in (4, 12, 16, 32, 48, 64, 96, 128):
            size = keras.ops.convert_to_tensor(batch, "int32")
            assert bool(_gates_fused(size)) is _gates_fused(batch)
            assert bool(_input_gates_per_step(size)) is _input_gates_per_step(batch)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's run-time choice of gate form")
@pytest.mark.parametrize("batch", [2, 12, 32, 40],
                         ids=["hoisted_fused", "hoisted_four_products", "per_step_fused", "per_step_four_products"])
def test_batch_size_known_only_at_run_time_picks_the_form_in_the_graph(batch):
    import tensorflow as tf

    layer, (w0, b, wp) = random_layer()
    x = RNG.standard_normal((batch, 5, 4)).astype("float32")
    lengths = RNG.integers(1, 6, batch)
    mask = np.arange(5)[None, :] < lengths[:, None]
    run = tf.function(lambda x, mask: layer(x, mask=mask),
                      input_signature=[tf.TensorSpec((None, None, 4)), tf.TensorSpec((None, None), tf.bool)])
    graph = run.get_concrete_function().graph
    cases = [op for op in graph.get_operations() if op.type in ("Case", "StatelessCase")]
    assert len(cases) == 1 and len(cases[0].get_attr("branches")) == 4  # every form, one chosen per call
    outputs, h, c = numpy_of(*run(x, mask))
    ref_out, ref_h, ref_c = reference_elmo.lstm(x, lengths, w0, b, wp, 0.8, 0.5)
    np.testing.assert_allclose(outputs, ref_out, atol=1e-5)
    np.testing.assert_allclose(h, ref_h, atol=1e-5)
    np.testing.assert_allclose(c, ref_c, atol=1e-5)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's run-time choice of gate form")
def test_training_with_batch_size_known_only_at_run_time_takes_the_per_step_form():
    """In training a ``cond`` between the forms costs (its gradient ran 1.38x slower than the
    per-step form alone), so an unknown batch size gives the per-step fused form, without a
    ``cond`` or ``switch``."""
    import tensorflow as tf

    layer, (w0, b, wp) = random_layer()
    x = RNG.standard_normal((2, 5, 4)).astype("float32")
    run = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec((None, None, 4))])
    graph = run.get_concrete_function().graph
    assert not any(op.type in ("If", "StatelessIf", "Case", "StatelessCase") for op in graph.get_operations())
    outputs, h, c = numpy_of(*run(x))
    ref_out, ref_h, ref_c = reference_elmo.lstm(x, [5, 5], w0, b, wp, 0.8, 0.5)
    np.testing.assert_allclose(outputs, ref_out, atol=1e-5)
    np.testing.assert_allclose(c, ref_c, atol=1e-5)


@pytest.mark.parametrize("per_step", [False, True], ids=["hoisted_input_gates", "input_gates_per_step"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_gradients_match_finite_differences(go_backwards, per_step, monkeypatch):
    """The backend's gradient of a masked, clipped recurrence (with respect to the inputs and every
    weight), in training as ``fit`` runs it, against central differences. Float32 (Keras computes
    float64 products in float32 on JAX and PyTorch), so the tolerance is that of the differences,
    far below the error of a missing or misrouted gradient."""
    from keras_layers import lstm_projection

    monkeypatch.setattr(lstm_projection, "_input_gates_per_step", lambda batch, training=False: per_step)
    rng = np.random.default_rng(3)
    layer = LSTMProjection(4, 3, cell_clip=0.9, proj_clip=0.7, go_backwards=go_backwards)
    layer.build((None, None, 2))
    for weight in layer.trainable_weights:
        weight.assign(rng.standard_normal(weight.shape).astype("float32"))
    x = rng.standard_normal((2, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], bool)
    outputs_weight = rng.standard_normal((2, 5, 3)).astype("float32")

    def loss(x, kernel, bias, projection_kernel):
        (outputs, h, c), _ = layer.stateless_call([kernel, bias, projection_kernel], [], x, mask=mask, training=True)
        return keras.ops.sum(keras.ops.multiply(outputs, outputs_weight)) + keras.ops.sum(h) + 0.5 * keras.ops.sum(c)

    values = [x] + [w.numpy() for w in layer.trainable_weights]
    gradients = gradients_of(loss, values)
    checked = 0
    for k, (value, gradient) in enumerate(zip(values, gradients)):
        assert gradient.shape == value.shape
        for flat in rng.choice(value.size, size=min(value.size, 6), replace=False):
            index = np.unravel_index(flat, value.shape)
            shifted = []
            for step in (1e-3, -1e-3):
                moved = [v.copy() for v in values]
                moved[k][index] += step
                shifted.append(float(keras.ops.convert_to_numpy(loss(*moved))))
            numeric = (shifted[0] - shifted[1]) / 2e-3
            np.testing.assert_allclose(gradient[index], numeric, rtol=1e-2, atol=1e-3)
            checked += abs(numeric) > 1e-3
    assert checked > 10  # most coordinates checked have a gradient worth checking
    assert not gradients[0][1, 3:].any()  # padding does not reach the loss


@requires_torch
def test_torch_recurrence_costs_per_step_do_not_grow_with_the_sequence():
    """On PyTorch (eager, one Python call per operation) a step copies nothing from the host (a
    Python number that ``keras.ops`` converts is such a copy, and to a GPU it waits for the
    device's queue) and the gradient of the scanned inputs is one stack, not one zero-filled
    tensor of the whole sequence per step (``select_backward``/``slice_backward``)."""
    out = run_in_fresh_process(
        """
        import collections, json, torch
        from torch.utils._python_dispatch import TorchDispatchMode
        from keras_layers.lstm_projection import LSTMProjection

        class Count(TorchDispatchMode):
            def __init__(self):
                super().__init__()
                self.calls = collections.Counter()

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                self.calls[func.__name__.split(".")[0]] += 1
                return func(*args, **(kwargs or {}))

        counts = {}
        for steps in (3, 9):
            layer = LSTMProjection(5, 3, cell_clip=3.0, proj_clip=3.0, go_backwards=True)
            x = torch.randn(2, steps, 4, requires_grad=True)
            mask = torch.ones(2, steps, dtype=torch.bool)
            mask[0, 2:] = False
            layer(x, mask=mask)
            with Count() as count:
                outputs, h, c = layer(x, mask=mask, training=True)
                (outputs.sum() + h.sum()).backward()
            counts[steps] = {k: count.calls[k] for k in ("lift_fresh", "select_backward", "slice_backward", "sigmoid")}
        print(json.dumps(counts))
        """,
        env={"KERAS_BACKEND": "torch"},
    )
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts["3"]["sigmoid"] == 9 and counts["9"]["sigmoid"] == 27  # the count is per step
    for name in ("lift_fresh", "select_backward", "slice_backward"):
        assert counts["3"][name] == counts["9"][name], (name, counts)
    assert counts["9"]["lift_fresh"] == 0
