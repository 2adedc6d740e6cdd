"""Checkpoints: a run killed with SIGKILL mid-epoch and started again ends where an uninterrupted run ends."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from gensim_elmo import NNLM
from gensim_elmo.checkpoints import read_progress

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# argv: kind, checkpoint_dir, output .npz, kill after this many batches (0: never), and "reference" to
# also train an uninterrupted twin (no checkpoint) in the same process and save it to reference.npz
# (saves starting one more interpreter per test)
SCRIPT = textwrap.dedent('''
    import os, signal, sys
    import keras, numpy as np
    from gensim_elmo import ELMo, NNLM

    kind, checkpoint_dir, output, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    corpus = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "to", "big", "cat"],
              ["birds", "fly"]] * 12

    class Kill(keras.callbacks.Callback):
        seen = 0

        def on_train_batch_end(self, batch, logs=None):
            Kill.seen += 1
            if Kill.seen == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)


    def train(checkpoint_dir, callbacks):
        common = dict(epochs=2, seed=3, progress=False, callbacks=callbacks, checkpoint_dir=checkpoint_dir,
                      checkpoint_steps=2, distribution=os.environ.get("DISTRIBUTION") or None)
        if kind == "nnlm":
            return NNLM(corpus, vector_size=6, window=2, hidden_size=8, batch_size=16, dropout=0.3, num_sampled=4,
                        **common)
        # "elmo-stream": trained on the corpus as a stream, its LSTM states carried from batch to batch
        # (and reset at random sentence starts)
        unroll = dict(unroll_steps=5, sentence_resets=0.5) if kind == "elmo-stream" else {}
        return ELMo(corpus, preset="tiny", batch_size=4, num_sampled=8, **unroll, **common)

    def save(model, path):
        np.savez(path, *[keras.ops.convert_to_numpy(v) for v in model.language_model.variables])

    model = train(checkpoint_dir, [Kill()] if kill_at else [])
    save(model, output)
    print(model.epochs_trained)
    if sys.argv[5:] == ["reference"]:
        save(train(None, []), os.path.join(os.path.dirname(output), "reference.npz"))
''')


def _run(tmp_path, kind, checkpoint_dir, name, kill_at=0, backend="tensorflow", reference=False):
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    if backend == "jax-2-devices":  # data parallelism over two simulated CPU devices
        env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", DISTRIBUTION="auto",
                   XLA_FLAGS=f"{env.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=2".strip())
    argv = [kind, str(checkpoint_dir), str(tmp_path / name), str(kill_at)] + (["reference"] if reference else [])
    return subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=300, env=env)


# JAX's resume (its training state lives outside the variables) is tried with ELMo on two devices and on a stream.
@pytest.mark.parametrize("kind, backend, kill_at", [("nnlm", "tensorflow", 19), ("elmo", "tensorflow", 13),
                                                    ("elmo", "jax-2-devices", 13), ("elmo-stream", "jax", 17)])
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted_run(tmp_path, kind, backend, kill_at):
    checkpoint_dir = tmp_path / "checkpoint"
    killed = _run(tmp_path, kind, checkpoint_dir, "killed.npz", kill_at=kill_at, backend=backend)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    progress = read_progress(checkpoint_dir)
    assert progress["epochs_done"] == 1 and progress["batches_done"] > 0  # killed in the middle of epoch 2
    resumed = _run(tmp_path, kind, checkpoint_dir, "resumed.npz", backend=backend, reference=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.stdout.strip() == "2"
    with np.load(tmp_path / "reference.npz") as expected, np.load(tmp_path / "resumed.npz") as actual:
        assert len(expected.files) == len(actual.files)
        for key in expected.files:
            np.testing.assert_allclose(actual[key], expected[key], rtol=1e-6, atol=1e-6, err_msg=key)
    assert read_progress(checkpoint_dir)["epochs_done"] == 2


CORPUS = [["the", "cat", "sat"], ["a", "dog", "ran"]] * 10
SMALL = dict(vector_size=4, window=2, hidden_size=4, batch_size=8, progress=False)


def test_checkpoint_of_another_configuration_or_corpus_is_refused(tmp_path):
    NNLM(CORPUS, epochs=1, checkpoint_dir=tmp_path / "c", **SMALL)
    assert read_progress(tmp_path / "c")["epochs_done"] == 1
    with pytest.raises(ValueError, match="another configuration or corpus.*variables"):
        NNLM(CORPUS, epochs=1, checkpoint_dir=tmp_path / "c", **dict(SMALL, hidden_size=5))
    with pytest.raises(ValueError, match="another configuration or corpus.*corpus"):
        NNLM(CORPUS + [["the", "dog", "sat"]] * 4, epochs=1, checkpoint_dir=tmp_path / "c",
             **dict(SMALL, max_vocab_size=None))
    (tmp_path / "c" / "progress.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable gensim_elmo checkpoint"):
        NNLM(CORPUS, epochs=1, checkpoint_dir=tmp_path / "c", **SMALL)


def test_finished_checkpoint_resumes_to_the_same_model_without_training(tmp_path):
    first = NNLM(CORPUS, epochs=2, checkpoint_dir=tmp_path / "c", **SMALL)
    again = NNLM(CORPUS, epochs=2, checkpoint_dir=tmp_path / "c", **SMALL)
    assert again.epochs_trained == 2 and again.history == first.history
    for a, b in zip(first.network.get_weights(), again.network.get_weights()):
        np.testing.assert_array_equal(a, b)
    progress = json.loads((tmp_path / "c" / "progress.json").read_text(encoding="utf-8"))
    assert progress["end_epoch"] == 2 and len(progress["history"]["loss"]) == 2


W2V_SCRIPT = textwrap.dedent('''
    import os, signal, sys
    import numpy as np
    from gensim.models.callbacks import CallbackAny2Vec
    from gensim_elmo import Word2Vec
    from gensim_elmo.datasets import ptb

    checkpoint_dir, output, kill_at_epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])

    class Kill(CallbackAny2Vec):
        epoch = 0

        def on_epoch_begin(self, model):
            Kill.epoch += 1
            if Kill.epoch == kill_at_epoch:
                os.kill(os.getpid(), signal.SIGKILL)

    model = Word2Vec(list(ptb("train", limit=300)), vector_size=16, min_count=2, epochs=4, workers=1, seed=5,
                     negative=5, progress=False, callbacks=[Kill()],
                     checkpoint_dir=None if checkpoint_dir == "-" else checkpoint_dir)
    np.savez(output, vectors=model.wv.vectors, syn1neg=model.syn1neg, loss=np.array(model.loss_history))
''')


def test_word2vec_killed_then_resumed_matches_uninterrupted_run(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)

    def run(checkpoint_dir, name, kill_at_epoch=0):
        return subprocess.run([sys.executable, "-c", W2V_SCRIPT, str(checkpoint_dir), str(tmp_path / name),
                               str(kill_at_epoch)], capture_output=True, text=True, timeout=300, env=env)

    assert run("-", "reference.npz").returncode == 0
    killed = run(tmp_path / "c", "killed.npz", kill_at_epoch=3)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    progress = json.loads((tmp_path / "c" / "progress.json").read_text(encoding="utf-8"))
    assert progress["epochs_done"] == 2 and len(progress["loss_history"]) == 2
    resumed = run(tmp_path / "c", "resumed.npz")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    with np.load(tmp_path / "reference.npz") as expected, np.load(tmp_path / "resumed.npz") as actual:
        for key in ("vectors", "syn1neg"):
            np.testing.assert_allclose(actual[key], expected[key], rtol=1e-5, atol=1e-6, err_msg=key)
        assert len(actual["loss"]) == 4


def test_word2vec_checkpoint_of_other_settings_refused(tmp_path):
    from gensim_elmo import Word2Vec

    sentences = [["a", "b", "c", "d"]] * 30
    Word2Vec(sentences, vector_size=8, min_count=1, epochs=2, workers=1, progress=False, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="other settings or another corpus.*window"):
        Word2Vec(sentences, vector_size=8, window=2, min_count=1, epochs=2, workers=1, progress=False,
                 checkpoint_dir=tmp_path)


def test_second_train_call_checkpoints_and_resumes(tmp_path):
    model = NNLM(CORPUS, epochs=1, **SMALL)
    model.train(CORPUS, epochs=1, checkpoint_dir=tmp_path / "c")
    optimizer_variables = len(model.language_model.optimizer.variables)
    assert read_progress(tmp_path / "c")["epochs_done"] == 2 and model.epochs_trained == 2
    model.train(CORPUS, epochs=1, checkpoint_dir=tmp_path / "c")  # the checkpoint is at epoch 2: resume from it
    assert model.epochs_trained == 3 and len(model.language_model.optimizer.variables) == optimizer_variables
