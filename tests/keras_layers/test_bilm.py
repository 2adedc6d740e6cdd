"""Tests of BiLM: both directions and the residual against the per-step reference, statefully."""

import keras
import numpy as np
import pytest

from keras_layers.bilm import BiLM
from tests import reference_elmo

OPTIONS = {"lstm": {"dim": 6, "projection_dim": 4, "n_layers": 2, "cell_clip": 1.5, "proj_clip": 1.0,
                    "use_skip_connections": True}}


def make_bilm(options, seed=0):
    lstm = options["lstm"]
    bilm = BiLM(lstm["n_layers"], lstm["dim"], lstm["projection_dim"], lstm["cell_clip"], lstm["proj_clip"],
                lstm["use_skip_connections"])
    bilm.build((None, None, lstm["projection_dim"]))
    weights = reference_elmo.random_weights({**options, "n_tokens_vocab": 3}, seed=seed)
    for d, stack in enumerate([bilm.forward_layers, bilm.backward_layers]):
        for l, layer in enumerate(stack):
            prefix = f"RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/"
            layer.kernel.assign(weights[prefix + "W_0"])
            layer.bias.assign(weights[prefix + "B"])
            layer.projection_kernel.assign(weights[prefix + "W_P_0"])
    return bilm, weights


def to_numpy(tensors):
    return [keras.ops.convert_to_numpy(t) for t in tensors]


@pytest.mark.parametrize("skip", [True, False])
def test_stateful_matches_reference(skip):
    options = {"lstm": {**OPTIONS["lstm"], "use_skip_connections": skip}}
    bilm, weights = make_bilm(options)
    rng = np.random.default_rng(1)
    states = ref_states = None
    for lengths in ([5, 2, 3], [1, 4, 4]):
        x = rng.standard_normal((3, max(lengths), 4)).astype("float32")
        mask = np.arange(x.shape[1])[None, :] < np.array(lengths)[:, None]
        x = x * mask[..., None]
        layers, states = bilm(x, mask=mask, initial_states=states)
        ref_layers, ref_states = reference_elmo.bilm(x, lengths, weights, options, ref_states)
        assert len(layers) == 2 and len(states) == 8
        for got, want in zip(to_numpy(layers), ref_layers):
            np.testing.assert_allclose(got, want, atol=1e-5)
        for got, want in zip(to_numpy(states), ref_states):
            np.testing.assert_allclose(got, want, atol=1e-5)


def test_state_order_and_shapes():
    bilm, _ = make_bilm(OPTIONS)
    x = np.random.rand(2, 3, 4).astype("float32")
    layers, states = bilm(x)
    assert [tuple(s.shape) for s in states] == [(2, 4), (2, 6)] * 4
    assert [tuple(t.shape) for t in layers] == [(2, 3, 8)] * 2
    # State 0 (forward layer 0 h) is the forward output at the last step; state 2 (backward
    # layer 0 h) the backward output at step 0.
    fwd0 = keras.ops.convert_to_numpy(bilm.forward_layers[0](x)[0])
    bwd0 = keras.ops.convert_to_numpy(bilm.backward_layers[0](x)[0])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(states[0]), fwd0[:, -1], atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(states[2]), bwd0[:, 0], atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layers[0]), np.concatenate([fwd0, bwd0], -1), atol=1e-6)


def test_config_symbolic_and_fit():
    bilm = BiLM(num_layers=2, units=5, projection_dim=3, cell_clip=None, proj_clip=2.0, name="bilm")
    config = bilm.get_config()
    assert BiLM.from_config(config).get_config() == config
    inputs = keras.Input((None, 3))
    layers, states = BiLM.from_config(config)(inputs)
    assert [tuple(t.shape) for t in layers] == [(None, None, 6)] * 2
    assert [tuple(s.shape) for s in states] == [(None, 3), (None, 5)] * 4
    model = keras.Model(inputs, layers[-1])
    assert len(model.trainable_weights) == 12
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.rand(2, 4, 3).astype("float32")
    before = keras.ops.convert_to_numpy(model.trainable_weights[0]).copy()
    model.fit(x, np.zeros((2, 4, 6), "float32"), epochs=1, verbose=0)
    assert not np.allclose(before, keras.ops.convert_to_numpy(model.trainable_weights[0]))


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_layers"):
        BiLM(num_layers=0, units=4, projection_dim=2)
    bilm = BiLM(num_layers=1, units=4, projection_dim=2)
    with pytest.raises(ValueError, match="initial_states"):
        bilm(np.zeros((1, 2, 2), "float32"), initial_states=[np.zeros((1, 2), "float32")])
    with pytest.raises(ValueError, match="projection_dim"):
        BiLM(num_layers=1, units=4, projection_dim=2)(np.zeros((1, 2, 3), "float32"))
