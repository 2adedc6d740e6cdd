"""Several JAX processes (on 127.0.0.1) train one NNLM and one ELMo, each from its own shard of the corpus."""

import pytest

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
elmo_settings = dict(corpus_file=corpus_file, preset="tiny", batch_size=4, num_sampled=None, epochs=2, seed=3,
                     progress=False, distribution="auto", checkpoint_dir=out + ".elmo_checkpoint")
elmo = ELMo(**elmo_settings)
elmo.save(out + ".elmo")
elmo_again = ELMo(**elmo_settings)
result.update(elmo_loss=elmo.history["loss"], elmo_weights=weights(elmo), elmo_vocabulary=elmo.vocabulary.index_to_word,
              elmo_restored_weights=weights(elmo_again))
print(json.dumps(result))
"""


def test_two_jax_processes_train_one_nnlm_and_one_elmo_from_their_own_shards(tmp_path):
    import json
    import socket

    from gensim_elmo.corpus import LineSentences
    from gensim_elmo.nnlm import BOS, EOS, UNK
    from gensim_elmo.vocabulary import Vocabulary
    from tests.helpers import run_in_fresh_processes

    lines = ["the cat sat on the mat", "a dog ran to the cat", "birds fly over the old hill", "the end",
             "one two three four five six seven eight nine ten eleven"] * 8
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
    # ELMo: one model from both shards (each process feeds its own table of distinct tokens).
    from gensim_elmo import ELMo

    assert first["elmo_loss"] == second["elmo_loss"] and first["elmo_loss"][1] < first["elmo_loss"][0]
    assert first["elmo_weights"] == second["elmo_weights"]
    assert first["elmo_restored_weights"] == first["elmo_weights"] == second["elmo_restored_weights"]
    loaded = ELMo.load(str(tmp_path / "model.elmo"), progress=False)
    assert loaded.vocabulary.index_to_word == first["elmo_vocabulary"] == second["elmo_vocabulary"]
    assert sorted(loaded.vocabulary.index_to_word[3:]) == sorted(whole.index_to_word[3:])


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
