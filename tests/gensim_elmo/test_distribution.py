"""Data-parallel training on two simulated devices (JAX, TensorFlow) equals training on one device."""

import pytest

from tests.helpers import run_in_fresh_process

JAX_TWO_DEVICES = {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
                   "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}

#: The corpora both engines train on: a tiny one (a few words again and again) and one with a
#: vocabulary of thousands (2,400 words, each seen once), like users'.
CORPORA = """
import numpy as np

tiny = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "to", "the", "cat"], ["birds", "fly"]] * 12
words = ["w%d" % i for i in np.random.default_rng(0).permutation(2400)]
large = [words[i:i + 12] for i in range(0, len(words), 12)]
"""

SCRIPT = CORPORA + """
import json
import jax, keras
from gensim_elmo import ELMo, NNLM
from gensim_elmo.distribution import host_sync_callbacks

assert len(jax.devices()) == 2
NNLM_LARGE = dict(vector_size=8, window=2, hidden_size=16, batch_size=64, epochs=1)
CASES = {  # name: (model, corpus, settings); full and sampled softmax, vocabularies of 14 to 2,400 words
    "nnlm": (NNLM, tiny, dict(vector_size=6, window=2, hidden_size=8, batch_size=16, num_sampled=4, epochs=2)),
    "nnlm_large_full": (NNLM, large, dict(NNLM_LARGE, num_sampled=None)),
    "nnlm_large_sampled": (NNLM, large, dict(NNLM_LARGE, num_sampled=64)),
    "elmo_large_full": (ELMo, large, dict(preset="tiny", batch_size=16, num_sampled=None, epochs=1)),
    "elmo_large_sampled": (ELMo, large, dict(preset="tiny", batch_size=16, num_sampled=64, epochs=2)),
}


class StepsAhead(keras.callbacks.Callback):
    \"\"\"How many steps the host dispatched before the last finished one's logs reached the callbacks.\"\"\"
    async_safe = True  # on its own, it leaves Keras free to run ahead

    def __init__(self):
        super().__init__()
        self.finished, self.most = -1, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.finished = -1

    def on_train_batch_begin(self, batch, logs=None):
        self.most = max(self.most, batch - 1 - self.finished)

    def on_train_batch_end(self, batch, logs=None):
        self.finished = max(self.finished, batch)


results = {}
for name, (model_class, corpus, settings) in CASES.items():
    for distribution in (None, "auto"):
        ahead = StepsAhead()
        model = model_class(corpus, seed=3, progress=False, distribution=distribution, callbacks=[ahead], **settings)
        weights = [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]
        placement = len(model.network.weights[0].value.sharding.device_set)
        results[f"{name}/{distribution}"] = {
            "loss": model.history["loss"], "weights": weights, "devices": placement,
            "vocabulary": len(model.vocabulary), "steps_ahead": ahead.most,
            "sync_callbacks": len(host_sync_callbacks(model.distribution))}
# Fine-tuning (issue 27): a saved model loaded onto both devices trains its domain epoch as on one.
import os, tempfile
saved = os.path.join(tempfile.mkdtemp(), "general")
ELMo(tiny, preset="tiny", batch_size=16, num_sampled=None, epochs=1, seed=3, progress=False).save(saved)
for distribution in (None, "auto"):
    model = ELMo.load(saved, progress=False, distribution=distribution)
    model.build_vocab(large[:48], update=True)
    model.train(large[:48], epochs=1)
    results[f"fine_tune/{distribution}"] = {
        "loss": model.history["loss"], "vocabulary": len(model.vocabulary),
        "weights": [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights],
        "devices": len(model.network.weights[0].value.sharding.device_set),
        "softmax_devices": len(model.language_model.softmax_kernel.value.sharding.device_set)}
saved_nnlm = os.path.join(tempfile.mkdtemp(), "nnlm")
NNLM(tiny, vector_size=6, window=2, hidden_size=8, batch_size=16, epochs=1, seed=3, progress=False).save(saved_nnlm)
for distribution in (None, "auto"):
    model = NNLM.load(saved_nnlm, progress=False, distribution=distribution)
    model.train(tiny, epochs=1)
    results[f"nnlm_again/{distribution}"] = {
        "loss": model.history["loss"], "devices": len(model.network.weights[0].value.sharding.device_set),
        "weights": [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]}
try:
    NNLM(tiny, vector_size=6, window=2, hidden_size=8, batch_size=15, epochs=1, progress=False,
         distribution="auto")
except ValueError as exc:
    results["odd_batch_error"] = str(exc)
print(json.dumps(results))
"""
JAX_CASES = ["nnlm", "nnlm_large_full", "nnlm_large_sampled", "elmo_large_full", "elmo_large_sampled"]


@pytest.fixture(scope="module")
def results():
    import json

    return json.loads(run_in_fresh_process(SCRIPT, timeout=590, env=JAX_TWO_DEVICES).strip().splitlines()[-1])


@pytest.mark.parametrize("case", JAX_CASES)
def test_two_devices_match_one_device(results, case):
    import numpy as np

    one, two = results[f"{case}/None"], results[f"{case}/auto"]
    assert one["devices"] == 1 and two["devices"] == 2  # the variables really live on both devices
    if "large" in case:
        assert one["vocabulary"] > 2000
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-4, atol=1e-4)
    for a, b in zip(one["weights"], two["weights"]):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", ["fine_tune", "nnlm_again"])
def test_a_loaded_model_trains_on_two_devices_as_on_one(results, case):
    """Issue 27: a saved ELMo fine-tuned on a domain, a saved NNLM trained further."""
    import numpy as np

    one, two = results[f"{case}/None"], results[f"{case}/auto"]
    assert one["devices"] == 1 and two["devices"] == 2
    if case == "fine_tune":
        assert one["softmax_devices"] == 1 and two["softmax_devices"] == 2
        assert one["vocabulary"] == two["vocabulary"] > 48  # the domain's words, then the general model's
    assert len(one["loss"]) == 2  # the saved model's epoch, then the new one
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-4, atol=1e-4)
    for a, b in zip(one["weights"], two["weights"]):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4)


def test_two_cpu_devices_train_one_step_at_a_time(results):
    """Issue 28: a host more than 32 steps ahead of two CPU devices deadlocks XLA:CPU (an abort after
    40 s); fit waits for each step there, and only there (benchmarks.multi_device_soak runs it often)."""
    for case in JAX_CASES:
        assert results[f"{case}/auto"]["sync_callbacks"] == 1 and results[f"{case}/auto"]["steps_ahead"] == 0, case
        assert results[f"{case}/None"]["sync_callbacks"] == 0, case


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
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
""" + CORPORA + """
import json
import keras
from gensim_elmo import ELMo, NNLM

results = {}
for distribution in (None, "auto"):
    model = NNLM(tiny, vector_size=6, window=2, hidden_size=8, batch_size=16, num_sampled=None, dropout=0.0,
                 epochs=2, seed=3, progress=False, distribution=distribution)
    weights = [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]
    replicas = len(getattr(model.network.weights[0].value, "values", [None]))
    results[str(distribution)] = {"loss": model.history["loss"], "weights": weights, "replicas": replicas}
    model = NNLM(large, vector_size=8, window=2, hidden_size=16, batch_size=64, num_sampled=None, epochs=1, seed=3,
                 progress=False, distribution=distribution)
    weights = [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]
    results["large/" + str(distribution)] = {"loss": model.history["loss"], "weights": weights}
    # ELMo: each replica gets its own rows' table of distinct tokens; the loss is the global batch's mean.
    model = ELMo(tiny + [["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]] * 12 + large,
                 preset="tiny", batch_size=8, num_sampled=None, dropout=0.0, epochs=2, seed=3, progress=False,
                 distribution=distribution)
    weights = [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]
    results["elmo/" + str(distribution)] = {"loss": model.history["loss"], "weights": weights,
                                            "vocabulary": len(model.vocabulary)}
# Fine-tuning from the original files (issue 27): built under the strategy, it trains as on one device.
import os, tempfile
files = tempfile.mkdtemp()
options, weight_file = os.path.join(files, "options.json"), os.path.join(files, "weights.hdf5")
ELMo(tiny, preset="tiny", batch_size=4, num_sampled=None, dropout=0.0, epochs=1, seed=3,
     progress=False).save_bilm_hdf5(options, weight_file)
for distribution in (None, "auto"):
    model = ELMo.from_bilm_hdf5(options, weight_file, progress=False, distribution=distribution)
    model.batch_size, model.num_sampled, model.dropout, model.seed = 4, None, 0.0, 3
    model.build_vocab(large[:24])
    model.train(large[:24], epochs=1)
    results["fine_tune/" + str(distribution)] = {
        "loss": model.history["loss"], "replicas": len(getattr(model.network.weights[0].value, "values", [None])),
        "weights": [np.asarray(keras.ops.convert_to_numpy(w)).ravel().tolist() for w in model.network.weights]}
sampled = NNLM(tiny, vector_size=6, window=2, hidden_size=8, batch_size=16, num_sampled=4, epochs=1, seed=3,
               progress=False, distribution="auto")
results["sampled_loss"] = sampled.history["loss"]
try:
    NNLM(tiny, epochs=1, progress=False, distribution=object())
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
    assert results["fine_tune/None"]["replicas"] == 1 and results["fine_tune/auto"]["replicas"] == 2
    assert results["elmo/None"]["vocabulary"] > 2000
    # NNLM on 14 and 2,400 words, ELMo on 2,400 words, and ELMo fine-tuned from the original files
    for kind in ("", "large/", "elmo/", "fine_tune/"):
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
