import keras
import numpy as np
import pytest

from keras_layers.sampled_softmax import SampledSoftmax, log_uniform_probabilities
from tests.helpers import run_layer_test

V, D, N = 20, 5, 6


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(N, D)).astype("float32")
    kernel = rng.normal(size=(V, D)).astype("float32")
    bias = rng.normal(size=V).astype("float32")
    targets = np.array([0, 1, 3, 7, 19, 0], "int32")
    return inputs, targets, kernel, bias


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _full_reference(inputs, targets, kernel, bias):
    logits = inputs @ kernel.T + bias
    return _np(keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True))


def test_layer_battery(problem):
    output = run_layer_test(
        SampledSoftmax,
        dict(num_sampled=4, seed=0),
        list(problem),
        expected_output_shape=(N,),
        expected_num_trainable_weights=0,
    )
    assert _np(output).dtype == np.float32


def test_full_mode_equals_sparse_categorical_crossentropy(problem):
    expected = _full_reference(*problem)
    layer = SampledSoftmax(num_sampled=3)
    np.testing.assert_array_equal(_np(layer(*problem)), expected)
    np.testing.assert_array_equal(_np(layer(*problem, training=False)), expected)
    np.testing.assert_array_equal(_np(layer(*problem, training=True, full=True)), expected)


def test_sampled_loss_matches_numpy_with_the_same_candidates(problem):
    inputs, targets, kernel, bias = problem
    ids, log_counts = SampledSoftmax(num_sampled=30, seed=3).sample_candidates(V)
    ids, log_counts = _np(ids), _np(log_counts)
    loss = _np(SampledSoftmax(num_sampled=30, seed=3)(*problem, training=True))

    q = (np.log(ids + 2.0) - np.log(ids + 1.0)) / np.log(V + 1.0)
    np.testing.assert_allclose(log_counts, np.log(30 * q), rtol=1e-5)
    true_logits = np.sum(inputs * kernel[targets], axis=1) + bias[targets]
    sampled_logits = inputs @ kernel[ids].T + bias[ids] - log_counts
    sampled_logits[targets[:, None] == ids[None, :]] = -np.inf  # accidental hits
    assert (targets[:, None] == ids[None, :]).any()  # the case is exercised
    all_logits = np.concatenate([true_logits[:, None], sampled_logits], axis=1)
    expected = np.log(np.exp(all_logits).sum(axis=1)) - true_logits
    np.testing.assert_allclose(loss, expected, rtol=1e-5, atol=1e-5)


def test_sampled_loss_is_close_to_full_loss_in_expectation(problem):
    full = _full_reference(*problem)
    estimates = [_np(SampledSoftmax(num_sampled=2000, seed=s)(*problem, training=True)) for s in range(4)]
    np.testing.assert_allclose(np.mean(estimates, axis=0), full, rtol=0.03)


def test_candidates_follow_the_log_uniform_distribution():
    ids, _ = SampledSoftmax(num_sampled=20000, seed=0).sample_candidates(10)
    frequencies = np.bincount(_np(ids), minlength=10) / 20000
    expected = _np(log_uniform_probabilities(np.arange(10), 10))
    np.testing.assert_allclose(expected.sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(frequencies, expected, atol=0.01)


def test_deterministic_given_a_seed(problem):
    first, second = SampledSoftmax(num_sampled=4, seed=7), SampledSoftmax(num_sampled=4, seed=7)
    a1, a2 = _np(first(*problem, training=True)), _np(first(*problem, training=True))
    b1, b2 = _np(second(*problem, training=True)), _np(second(*problem, training=True))
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # the generator advances between steps
    other = _np(SampledSoftmax(num_sampled=4, seed=8)(*problem, training=True))
    assert not np.array_equal(a1, other)


class SoftmaxModel(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.kernel = self.add_weight(name="kernel", shape=(V, D), initializer="zeros")
        self.bias = self.add_weight(name="bias", shape=(V,), initializer="zeros")
        self.sampled_softmax = SampledSoftmax(num_sampled=5, seed=0)

    def call(self, inputs, training=None):
        features, targets = inputs
        return self.sampled_softmax(features, targets, self.kernel, self.bias, training=training)


def test_training_with_sampled_loss_lowers_the_full_loss(problem):
    inputs, targets, _, _ = problem
    model = SoftmaxModel()
    before = float(np.mean(_np(model((inputs, targets)))))  # not training: the full loss
    assert np.isclose(before, np.log(V))
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss=lambda y_true, per_example: per_example)
    model.fit((inputs, targets), targets, epochs=10, batch_size=N, verbose=0)
    after = float(np.mean(_np(model((inputs, targets)))))
    assert after < 0.5 * before, (before, after)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(num_sampled=0), ValueError, "`num_sampled`"),
        (dict(num_sampled="8"), TypeError, "`num_sampled`"),
        (dict(num_sampled=8, remove_accidental_hits=1), TypeError, "`remove_accidental_hits`"),
        (dict(num_sampled=8, seed="a"), TypeError, "`seed`"),
    ],
)
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        SampledSoftmax(**kwargs)


def test_dense_style_kernel_is_rejected(problem):
    inputs, targets, kernel, bias = problem
    with pytest.raises(ValueError, match="transposed"):
        SampledSoftmax(num_sampled=4)(inputs, targets, kernel.T, bias)
