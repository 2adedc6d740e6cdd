import pytest

from tests.helpers import run_in_fresh_process

SCRIPT = """
import keras, numpy as np
from benchmarks.weight_average import WeightAverage

keras.utils.set_random_seed(0)
net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
net.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
seen = []

class Record(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if hasattr(self.model, "jax_state_sync"):
            self.model.jax_state_sync()
        seen.append([w.copy() for w in net.get_weights()])

average = WeightAverage(net, score=lambda: 1.0, every=2)
x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
net.fit(x, x.sum(axis=1, keepdims=True), batch_size=2, epochs=1, verbose=0, shuffle=False,
        callbacks=[Record(), average])
expected = [np.mean([s[i] for s in seen[1::2]], axis=0) for i in range(2)]
for got, want in zip(average.best_weights, expected):
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)

# the way nnlm_ptb uses it: averaging an NNLM's network while NNLM.train fits its language model
from gensim_elmo import NNLM

corpus = [["the", "cat", "sat"], ["a", "dog", "ran"]] * 20
model = NNLM(corpus, vector_size=4, window=2, hidden_size=4, batch_size=8, epochs=1, progress=False)
average = WeightAverage(model.network, score=lambda: model.perplexity(corpus[:4]), every=2)
model.train(corpus, epochs=2, callbacks=[average])
assert len(average.curve) == 2 and all(np.isfinite(average.curve))
print("ok", keras.backend.backend())
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_weight_average_is_the_mean_of_the_sampled_weights(backend):
    # On JAX the variables lag behind the training state during fit: the average must sync first.
    assert run_in_fresh_process(SCRIPT, env={"KERAS_BACKEND": backend}).split() == ["ok", backend]
