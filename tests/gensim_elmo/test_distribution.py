"""Data-parallel training on two simulated JAX CPU devices equals training on one device."""

import pytest

from tests.helpers import run_in_fresh_process

JAX_TWO_DEVICES = {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
                   "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}

SCRIPT = """
import json
import jax, keras, numpy as np
from gensim_elmo import ELMo, NNLM

assert len(jax.devices()) == 2
corpus = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "to", "the", "cat"],  # one length bucket
          ["birds", "fly"]] * 12
results = {}
for kind in ("nnlm", "elmo"):
    for distribution in (None, "auto"):
        if kind == "nnlm":
            model = NNLM(corpus, vector_size=6, window=2, hidden_size=8, batch_size=16, num_sampled=4, epochs=2,
                         seed=3, progress=False, distribution=distribution)
        else:
            model = ELMo(corpus, preset="tiny", batch_size=4, num_sampled=8, epochs=2, seed=3, progress=False,
                         distribution=distribution)
        weights = [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]
        placement = len(model.network.weights[0].value.sharding.device_set)
        results[f"{kind}/{distribution}"] = {"loss": model.history["loss"], "weights": weights, "devices": placement}
try:
    NNLM(corpus, vector_size=6, window=2, hidden_size=8, batch_size=15, epochs=1, progress=False,
         distribution="auto")
except ValueError as exc:
    results["odd_batch_error"] = str(exc)
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def results():
    import json

    return json.loads(run_in_fresh_process(SCRIPT, timeout=590, env=JAX_TWO_DEVICES).strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["nnlm", "elmo"])
def test_two_devices_match_one_device(results, kind):
    import numpy as np

    one, two = results[f"{kind}/None"], results[f"{kind}/auto"]
    assert one["devices"] == 1 and two["devices"] == 2  # the variables really live on both devices
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-4, atol=1e-4)
    for a, b in zip(one["weights"], two["weights"]):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4)


def test_batch_not_divisible_by_devices_is_a_clear_error(results):
    assert "cannot be split evenly over 2 devices" in results["odd_batch_error"]


def test_distribution_on_tensorflow_is_refused():
    import keras

    from gensim_elmo import NNLM

    if keras.backend.backend() == "jax":
        pytest.skip("the refusal is for the other backends")
    with pytest.raises(ValueError, match="needs the JAX backend"):
        NNLM(vector_size=4, window=2, hidden_size=4, distribution="auto")
