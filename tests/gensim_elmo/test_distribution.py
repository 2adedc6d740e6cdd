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
sampled = NNLM(corpus, vector_size=6, window=2, hidden_size=8, batch_size=16, num_sampled=4, epochs=1, seed=3,
               progress=False, distribution="auto")
results["sampled_loss"] = sampled.history["loss"]
for name, make in [("elmo", lambda: ELMo(corpus, preset="tiny", batch_size=4, epochs=1, progress=False,
                                         distribution="auto")),
                   ("not_a_strategy", lambda: NNLM(corpus, epochs=1, progress=False, distribution=object()))]:
    try:
        make()
    except ValueError as exc:
        results[name + "_error"] = str(exc)
print(json.dumps(results))
"""


def test_tensorflow_mirrored_strategy_on_two_devices_matches_one_device():
    import json

    import numpy as np

    results = json.loads(run_in_fresh_process(TF_SCRIPT, timeout=590, env={"KERAS_BACKEND": "tensorflow"})
                         .strip().splitlines()[-1])
    one, two = results["None"], results["auto"]
    assert one["replicas"] == 1 and two["replicas"] == 2  # MirroredStrategy over both logical devices
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-4, atol=1e-4)
    for a, b in zip(one["weights"], two["weights"]):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4)
    assert np.isfinite(results["sampled_loss"]).all()  # sampled softmax trains too (its draws differ per replica)
    assert "does nothing on the TensorFlow backend" in results["not_a_strategy_error"]
    assert "distinct tokens" in results["elmo_error"]


MULTI_PROCESS_SCRIPT = """
import json, os
import keras

keras.distribution.initialize()  # from the KERAS_DISTRIBUTION_* variables
import jax, numpy as np
from gensim_elmo import ELMo, NNLM

corpus_file, out = os.environ["CORPUS"], os.environ["OUT"]
settings = dict(corpus_file=corpus_file, vector_size=6, window=2, hidden_size=8, batch_size=16, num_sampled=None,
                epochs=2, seed=3, progress=False, distribution="auto", checkpoint_dir=out + ".checkpoint")
model = NNLM(**settings)
model.save(out)


def weights(m):
    return [float(np.asarray(keras.ops.convert_to_numpy(w)).sum()) for w in m.network.weights]


# The same command again finds process 0's checkpoint of the finished run: every process restores it.
again = NNLM(**settings)
result = {"process": jax.process_index(), "processes": jax.process_count(), "loss": model.history["loss"],
          "weights": weights(model), "vocabulary": model.vocabulary.index_to_word, "stats": model.corpus_stats,
          "restored_weights": weights(again), "restored_loss": again.history["loss"]}
try:
    ELMo(corpus_file=corpus_file, preset="tiny", batch_size=4, epochs=1, progress=False, distribution="auto")
except ValueError as exc:
    result["elmo_error"] = str(exc)
print(json.dumps(result))
"""


def test_two_jax_processes_train_one_nnlm_from_their_own_shards(tmp_path):
    import json
    import socket

    from gensim_elmo.corpus import LineSentences
    from gensim_elmo.nnlm import BOS, EOS, UNK
    from gensim_elmo.vocabulary import Vocabulary
    from tests.helpers import run_in_fresh_processes

    lines = ["the cat sat on the mat", "a dog ran to the cat", "birds fly over the old hill", "the end"] * 10
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    common = {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
              "KERAS_DISTRIBUTION_JOB_ADDRESSES": f"127.0.0.1:{port}", "CORPUS": str(corpus),
              "OUT": str(tmp_path / "model")}
    outputs = run_in_fresh_processes(MULTI_PROCESS_SCRIPT, [dict(common, KERAS_DISTRIBUTION_PROCESS_ID=str(i))
                                                            for i in range(2)], timeout=300)
    first, second = (json.loads(o.strip().splitlines()[-1]) for o in outputs)
    assert (first["process"], second["process"], first["processes"]) == (0, 1, 2)
    # One vocabulary from the summed counts of both shards: the one the whole corpus gives.
    whole, stats = Vocabulary.build(LineSentences(corpus), specials=(BOS, EOS, UNK), unk_token=UNK)
    assert first["vocabulary"] == second["vocabulary"] == whole.index_to_word
    assert first["stats"] == second["stats"] == stats
    # One model: the same global losses and weights in both processes, and a loss that falls.
    assert first["loss"] == second["loss"] and first["loss"][1] < first["loss"][0]
    assert first["weights"] == second["weights"]
    # Process 0's checkpoint (of both shards) restored in both processes, nothing left to train.
    for result in (first, second):
        assert result["restored_weights"] == result["weights"] and result["restored_loss"] == result["loss"]
    from gensim_elmo.checkpoints import read_progress

    progress = read_progress(str(tmp_path / "model.checkpoint"))
    assert progress["epochs_done"] == 2 and progress["fingerprint"]["corpus"]["shards"] == 2
    # Process 0 wrote the model; it loads on one process.
    from gensim_elmo import NNLM

    assert NNLM.load(str(tmp_path / "model"), progress=False).vocabulary.index_to_word == whole.index_to_word
    assert "several processes" in first["elmo_error"]


def test_shards_partition_a_file_a_directory_and_an_iterable(tmp_path):
    from gensim_elmo.corpus import DirectorySentences, IterableSentences, LineSentences, shard_sentences

    (tmp_path / "c.txt").write_text("a\nb\nc\nd\ne\n", encoding="utf-8")
    directory = tmp_path / "dir"
    directory.mkdir()
    for name in "123":
        (directory / f"{name}.txt").write_text(f"w{name}\n", encoding="utf-8")
    for corpus in (LineSentences(tmp_path / "c.txt"), DirectorySentences(directory),
                   IterableSentences([["a"], ["b"], ["c"], ["d"], ["e"]])):
        shards = [list(shard_sentences(corpus, i, 2)) for i in range(2)]
        assert sorted(shards[0] + shards[1]) == sorted(corpus) and len(shards[0]) >= len(shards[1]) > 0
        assert not any(s in shards[1] for s in shards[0])
    with pytest.raises(ValueError, match="fewer than the 4 shards"):
        shard_sentences(DirectorySentences(directory), 0, 4)
