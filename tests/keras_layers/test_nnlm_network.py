import keras
import numpy as np
import pytest

from keras_layers.nnlm_network import NNLMNetwork
from keras_layers.sampled_softmax import SampledSoftmax
from tests.helpers import run_in_fresh_process, run_layer_test

SMALL = dict(vocabulary_size=12, vector_size=3, context_size=2, hidden_size=4)
CONTEXT = np.array([[0, 1], [5, 11], [3, 3]], "int32")


def _numpy_logits(weights, ids, direct):
    C, H, d, U, b = weights[:5]
    x = C[ids].reshape(len(ids), -1)
    hidden = np.tanh(x @ H + d)
    logits = b + hidden @ U.T
    if direct:
        logits = logits + x @ weights[5].T
    return logits


def _memorisable_sequence(vocabulary_size=10, context_size=3, length=40):
    sequence = np.arange(length) % vocabulary_size
    context = np.stack([sequence[i : i + context_size] for i in range(length - context_size)]).astype("int32")
    return context, sequence[context_size:].astype("int32")


def _full_loss(network, context, targets):
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return float(keras.ops.convert_to_numpy(loss(targets, network(context))))


@pytest.mark.parametrize("direct, num_weights", [(False, 5), (True, 6)])
def test_layer_battery(direct, num_weights, tmp_path):
    run_layer_test(
        NNLMNetwork,
        dict(SMALL, direct_connections=direct, dropout=0.1, seed=1),
        CONTEXT,
        expected_output_shape=(3, 12),
        expected_num_trainable_weights=num_weights,
        expected_num_non_trainable_weights=0,
        run_saving_check=True,
        tmp_path=tmp_path,
    )


def test_weight_names_and_shapes():
    network = NNLMNetwork(**SMALL, direct_connections=True)
    shapes = {w.name: tuple(w.shape) for w in network.weights}
    assert shapes == {"C": (12, 3), "H": (6, 4), "d": (4,), "U": (12, 4), "b": (12,), "W": (12, 6)}
    assert network.embeddings is network.C
    assert network.count_params() == 12 * 3 + 6 * 4 + 4 + 12 * 4 + 12 + 12 * 6
    frozen = NNLMNetwork(**SMALL, trainable=False)
    assert not frozen.trainable_weights and len(frozen.non_trainable_weights) == 5


def test_hand_computed_with_constant_initializers():
    network = NNLMNetwork(
        vocabulary_size=5,
        vector_size=2,
        context_size=3,
        hidden_size=4,
        embeddings_initializer=keras.initializers.Constant(0.1),
        kernel_initializer=keras.initializers.Constant(0.2),
        bias_initializer=keras.initializers.Constant(0.05),
        direct_connections=True,
    )
    logits = keras.ops.convert_to_numpy(network(np.array([[0, 1, 4]])))
    hidden = np.tanh(6 * 0.1 * 0.2 + 0.05)  # each unit sums 3 * 2 inputs of 0.1 times 0.2
    expected = 0.05 + 4 * hidden * 0.2 + 6 * 0.1 * 0.2
    np.testing.assert_allclose(logits, np.full((1, 5), expected), rtol=1e-6)


@pytest.mark.parametrize("direct", [False, True])
def test_matches_numpy_and_features_identity(direct):
    network = NNLMNetwork(**SMALL, direct_connections=direct)
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=w.shape).astype("float32") for w in network.get_weights()]
    network.set_weights(weights)
    logits = keras.ops.convert_to_numpy(network(CONTEXT))
    np.testing.assert_allclose(logits, _numpy_logits(weights, CONTEXT, direct), rtol=1e-5, atol=1e-5)

    features = keras.ops.convert_to_numpy(network.features(CONTEXT))
    assert features.shape == (3, network.feature_size)
    kernel = keras.ops.convert_to_numpy(network.output_kernel)
    assert kernel.shape == (12, network.feature_size)
    np.testing.assert_allclose(features @ kernel.T + keras.ops.convert_to_numpy(network.output_bias), logits, atol=1e-5)


def test_dropout_only_in_training():
    network = NNLMNetwork(**SMALL, dropout=0.5, seed=0)
    inference = keras.ops.convert_to_numpy(network(CONTEXT))
    np.testing.assert_array_equal(inference, keras.ops.convert_to_numpy(network(CONTEXT, training=False)))
    assert not np.allclose(inference, keras.ops.convert_to_numpy(network(CONTEXT, training=True)))


def test_fit_full_softmax_memorises_a_sequence():
    context, targets = _memorisable_sequence()
    keras.utils.set_random_seed(0)
    network = NNLMNetwork(vocabulary_size=10, vector_size=8, context_size=3, hidden_size=16)
    before = _full_loss(network, context, targets)
    network.compile(
        optimizer=keras.optimizers.Adam(0.05), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    network.fit(context, targets, epochs=20, batch_size=8, verbose=0)
    after = _full_loss(network, context, targets)
    assert after < 0.1 * before, (before, after)
    predicted = np.argmax(keras.ops.convert_to_numpy(network.predict(context, verbose=0)), axis=-1)
    assert (predicted == targets).mean() == 1.0


class SampledTrainer(keras.Model):
    """The recipe of the report: train an NNLMNetwork with SampledSoftmax in `fit`."""

    def __init__(self, network, num_sampled, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.sampled_softmax = SampledSoftmax(num_sampled, seed=seed)

    def call(self, inputs, training=None):
        context_ids, targets = inputs
        features = self.network.features(context_ids, training=training)
        return self.sampled_softmax(
            features, targets, self.network.output_kernel, self.network.output_bias, training=training
        )


def test_fit_with_sampled_softmax_on_the_network_weights():
    context, targets = _memorisable_sequence()
    keras.utils.set_random_seed(0)
    network = NNLMNetwork(
        vocabulary_size=10, vector_size=8, context_size=3, hidden_size=16, direct_connections=True, dropout=0.1, seed=0
    )
    before = _full_loss(network, context, targets)
    trainer = SampledTrainer(network, num_sampled=4, seed=0)
    trainer.compile(optimizer=keras.optimizers.Adam(0.05), loss=lambda y_true, per_example: per_example)
    trainer.fit((context, targets), targets, epochs=20, batch_size=8, verbose=0)
    after = _full_loss(network, context, targets)
    assert after < 0.1 * before, (before, after)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(vocabulary_size=0), ValueError, "`vocabulary_size`"),
        (dict(vocabulary_size=10.0), TypeError, "`vocabulary_size`"),
        (dict(vocabulary_size=10, vector_size=-1), ValueError, "`vector_size`"),
        (dict(vocabulary_size=10, context_size=True), TypeError, "`context_size`"),
        (dict(vocabulary_size=10, hidden_size=0), ValueError, "`hidden_size`"),
        (dict(vocabulary_size=10, direct_connections=1), TypeError, "`direct_connections`"),
        (dict(vocabulary_size=10, dropout=1.0), ValueError, "`dropout`"),
        (dict(vocabulary_size=10, dropout="0.1"), TypeError, "`dropout`"),
        (dict(vocabulary_size=10, seed=1.5), TypeError, "`seed`"),
    ],
)
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        NNLMNetwork(**kwargs)


def test_wrong_context_length():
    with pytest.raises(ValueError, match="context_size=2"):
        keras.Sequential([keras.Input((3,), dtype="int32"), NNLMNetwork(**SMALL)])


def test_keras_round_trip_in_fresh_process(tmp_path):
    path = str(tmp_path / "nnlm.keras")
    network = NNLMNetwork(**SMALL, direct_connections=True, dropout=0.2)
    expected = keras.ops.convert_to_numpy(network(CONTEXT))
    network.save(path)
    out = run_in_fresh_process(
        f"""
        import keras, numpy as np
        import keras_layers.nnlm_network
        model = keras.saving.load_model({path!r})
        print(type(model).__name__, model.direct_connections)
        np.save({str(tmp_path / "out.npy")!r}, keras.ops.convert_to_numpy(model(np.array({CONTEXT.tolist()}))))
        """
    )
    assert out.split() == ["NNLMNetwork", "True"]
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
