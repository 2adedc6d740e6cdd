"""Data-parallel training on two simulated devices (JAX, TensorFlow) equals training on one device."""

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


def test_keras_distribution_on_tensorflow_is_refused():
    import keras

    from gensim_elmo import NNLM

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the refusal is for the TensorFlow backend")
    with pytest.raises(ValueError, match="does nothing on the TensorFlow backend"):
        NNLM(vector_size=4, window=2, hidden_size=4, distribution=object())
    with pytest.raises(ValueError, match="must be None, 'auto'"):
        NNLM(vector_size=4, window=2, hidden_size=4, distribution="everything")


TF_SCRIPT = """
import json
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
from gensim_elmo import ELMo, NNLM

corpus = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "to", "the", "cat"], ["birds", "fly"]] * 12
results = {}
for distribution in (None, "auto"):
    model = NNLM(corpus, vector_size=6, window=2, hidden_size=8, batch_size=16, num_sampled=None, dropout=0.0,
                 epochs=2, seed=3, progress=False, distribution=distribution)
    weights = [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]
    replicas = len(getattr(model.network.weights[0].value, "values", [None]))
    results[str(distribution)] = {"loss": model.history["loss"], "weights": weights, "replicas": replicas}
    # ELMo: each replica gets its own rows' table of distinct tokens; the loss is the global batch's mean.
    model = ELMo(corpus + [["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]] * 12,
                 preset="tiny", batch_size=4, num_sampled=None, dropout=0.0, epochs=2, seed=3, progress=False,
                 distribution=distribution)
    weights = [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]
    results["elmo/" + str(distribution)] = {"loss": model.history["loss"], "weights": weights}
sampled = NNLM(corpus, vector_size=6, window=2, hidden_size=8, batch_size=16, num_sampled=4, epochs=1, seed=3,
               progress=False, distribution="auto")
results["sampled_loss"] = sampled.history["loss"]
try:
    NNLM(corpus, epochs=1, progress=False, distribution=object())
except ValueError as exc:
    results["not_a_strategy_error"] = str(exc)
print(json.dumps(results))
"""


def test_tensorflow_mirrored_strategy_on_two_devices_matches_one_device():
    import json

    import numpy as np

    results = json.loads(run_in_fresh_process(TF_SCRIPT, timeout=590, env={"KERAS_BACKEND": "tensorflow"})
                         .strip().splitlines()[-1])
    assert results["None"]["replicas"] == 1 and results["auto"]["replicas"] == 2  # MirroredStrategy on both
    for kind in ("", "elmo/"):
        one, two = results[kind + "None"], results[kind + "auto"]
        np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-4, atol=1e-4)
        for a, b in zip(one["weights"], two["weights"]):
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4)
    assert np.isfinite(results["sampled_loss"]).all()  # sampled softmax trains too (its draws differ per replica)
    assert "does nothing on the TensorFlow backend" in results["not_a_strategy_error"]


def _tiny_elmo_and_sentences():
    from gensim_elmo import ELMo

    sentences = [["the", "cat", "sat"], ["a", "dog", "ran", "to", "the", "cat"], ["birds", "fly"], ["the", "end"]]
    model = ELMo(preset="tiny", num_sampled=None, dropout=0.0, progress=False, seed=2)
    model.build_vocab(sentences)
    return model, [model.vocabulary.encode(s) for s in sentences]


def test_per_replica_tables_hold_each_part_its_own_distinct_tokens():
    import numpy as np

    from gensim_elmo.elmo_batches import language_model_batch

    model, ids = _tiny_elmo_and_sentences()
    bos, eos = model.vocabulary["<S>"], model.vocabulary["</S>"]
    whole = language_model_batch(ids, 8, bos, eos, model._vocab_chars)
    parts = language_model_batch(ids, 8, bos, eos, model._vocab_chars, shards=2)
    rows = len(parts["token_chars"]) // 2
    for shard in range(2):  # each replica's rows, looked up in its own part of the table
        table = parts["token_chars"][shard * rows : (shard + 1) * rows]
        own = table[parts["token_ids"][2 * shard : 2 * shard + 2]]
        np.testing.assert_array_equal(own, whole["token_chars"][whole["token_ids"][2 * shard : 2 * shard + 2]])
    assert (parts["forward_count"] == whole["forward_mask"].sum()).all()  # the global batch's count, per row


def test_process_batches_side_by_side_give_the_mean_of_the_processes_means():
    """What several JAX processes feed one global step: each batch padded to the agreed length, its
    table to a size fixed by that length and its ids shifted to its own part of the global table."""
    import numpy as np

    from gensim_elmo.elmo_batches import language_model_batch, pad_batch

    model, ids = _tiny_elmo_and_sentences()
    bos, eos = model.vocabulary["<S>"], model.vocabulary["</S>"]
    local = [ids[:2], ids[2:]]  # the second process's sentences are shorter: a smaller bucket of its own

    def loss(batch):
        return float(model.language_model(batch, training=False))

    alone = [loss(language_model_batch(part, 8 + 8 * (i == 0), bos, eos, model._vocab_chars)) for i, part in
             enumerate(local)]
    rows = 128
    padded = [pad_batch(language_model_batch(part, 8 + 8 * (i == 0), bos, eos, model._vocab_chars, processes=2), 16,
                        rows, id_offset=i * rows) for i, part in enumerate(local)]
    together = {key: np.concatenate([p[key] for p in padded]) for key in padded[0]}
    np.testing.assert_allclose(loss(together), np.mean(alone), rtol=1e-5)


def test_batch_shapes_planned_ahead_are_the_batches_shapes(tmp_path):
    import numpy as np

    from gensim_elmo.elmo_batches import SentenceBatches, table_bucket, vocabulary_char_ids
    from gensim_elmo.encoded_corpus import EncodedCorpus
    from gensim_elmo.vocabulary import Vocabulary

    rng = np.random.default_rng(0)
    sentences = [["w%d" % i for i in rng.integers(0, 300, n)] for n in rng.integers(1, 70, 300)]
    vocabulary, _ = Vocabulary.build(sentences)
    corpus = EncodedCorpus.write(sentences, vocabulary, tmp_path)
    batches = SentenceBatches(corpus, 8, 0, 1, vocab_chars=vocabulary_char_ids(vocabulary.index_to_word),
                              max_length=40, seed=5, block_sentences=64)
    for epoch in (0, 1):
        planned = batches.epoch_shapes(epoch)
        assert planned.shape == (len(batches), 2) and len(set(planned[:, 0].tolist())) > 2
        built = [(batches[i][0]["token_ids"].shape[1], len(batches[i][0]["token_chars"])) for i in range(len(batches))]
        assert built == [tuple(row) for row in planned.tolist()]
        assert len(set(planned[:, 1].tolist())) > 2 and planned[:, 1].min() >= table_bucket(1)
        batches.on_epoch_end()
