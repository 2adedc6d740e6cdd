"""The plain forms of ``benchmarks.speedups`` compute what the fast layers compute (within 1e-5)."""

import keras
import numpy as np
import pytest

from benchmarks.plain_forms import FORMS, use_plain_forms
from gensim_elmo.elmo_batches import embedding_batch
from keras_layers.elmo_network import ELMoNetwork

OPTIONS = {
    "lstm": {"dim": 12, "projection_dim": 6, "n_layers": 2, "cell_clip": 2.0, "proj_clip": 1.5,
             "use_skip_connections": True},
    "char_cnn": {"activation": "relu", "embedding": {"dim": 4}, "filters": [[1, 4], [2, 3], [3, 5]],
                 "n_highway": 1, "n_characters": 262, "max_characters_per_token": 50},
}
SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["a", "cat"], ["the"]]


def network(forms=()):
    keras.utils.set_random_seed(3)
    net = ELMoNetwork(OPTIONS)
    net.build()
    rng = np.random.default_rng(0)
    for variable in net.weights:  # larger than the initializers' weights, so that every gate matters
        variable.assign(rng.normal(0, 0.6, variable.shape))
    use_plain_forms(net, forms)
    return net


def outputs(net, batch, **kwargs):
    result = net(batch, **kwargs)
    return [keras.ops.convert_to_numpy(t) for t in [result["token_embeddings"]] + result["lstm_outputs"]
            + result["final_states"]]


@pytest.mark.parametrize("forms", [[f] for f in FORMS] + [["plain", "per_position"]], ids=str)
def test_each_plain_form_computes_the_fast_networks_outputs(forms):
    batch = embedding_batch(SENTENCES)
    fast, plain = network(), network(forms)
    expected = outputs(fast, batch)
    assert np.abs(expected[1]).max() > 0.1  # the comparison is not between near-zero outputs
    for got, want in zip(outputs(plain, batch), expected):
        np.testing.assert_allclose(got, want, atol=1e-5)
    # Training mode (the plain matmuls on every backend) and a stateful call from those states.
    states = [keras.ops.convert_to_numpy(s) for s in fast(batch)["final_states"]]
    for got, want in zip(outputs(plain, batch, training=True, initial_states=states),
                         outputs(fast, batch, training=True, initial_states=states)):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_forms_are_switched_in_place_and_bad_requests_are_refused():
    net = network(["unfused"])
    assert type(net.bilm.forward_layers[0]).__name__ == "UnfusedLSTMProjection"
    assert type(net).__name__ == "ELMoNetwork"
    with pytest.raises(ValueError, match="unknown plain forms"):
        use_plain_forms(network(), ["fused"])
    with pytest.raises(ValueError, match="at most one LSTM form"):
        use_plain_forms(network(), ["plain", "unhoisted"])
