"""Serving exports, each reloaded by its runtime alone in a fresh process (no gensim_elmo, no keras_layers)."""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap

import keras
import numpy as np
import pytest

from gensim_elmo import serving
from gensim_elmo.export import keyed_vectors_from_matrix

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="serving export needs TensorFlow")

WORDS = ["the", "cat", "sat", "中文"]
TOKENS = np.array([["the", "cat", "sat", ""], ["中文", "dog", "", ""], ["", "", "", ""]])
SENTENCES = np.array(["the cat sat", "中文 dog dog", ""])
IDS = np.array([[2, 3, 4, 0], [5, 1, 0, 0], [0, 0, 0, 0]], dtype="int32")
TOLERANCE = 1e-5

# Run in a fresh interpreter: load each artefact with its runtime only, serve the inputs, save the outputs.
SERVE = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    jobs, out = json.loads(sys.argv[1]), sys.argv[2]
    results = {}
    for name, (kind, path, inputs) in jobs.items():
        x = np.load(inputs)
        if kind == "saved_model":
            import tensorflow as tf
            loaded = tf.saved_model.load(path)  # keep a reference: the function needs its variables alive
            results[name] = loaded.serve(tf.constant(x.tolist())).numpy()
        else:
            import onnxruntime
            session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
            results[name] = session.run(None, {session.get_inputs()[0].name: x})[0]
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("gensim_elmo", "keras_layers"))
    assert not leaked, leaked
    np.savez(out, **results)
    """
)


def _serve(jobs, tmp_path):
    """{name: (kind, path, inputs)} -> {name: outputs}, served in a fresh process from an empty directory."""
    spec = {}
    for name, (kind, path, inputs) in jobs.items():
        np.save(tmp_path / f"{name}.npy", inputs)
        spec[name] = (kind, str(path), str(tmp_path / f"{name}.npy"))
    env = dict(os.environ, PYTHONPATH="", TF_CPP_MIN_LOG_LEVEL="3")
    out = tmp_path / "served.npz"
    workdir = tmp_path / "empty"
    workdir.mkdir()
    run = subprocess.run([sys.executable, "-c", SERVE, json.dumps(spec), str(out)], env=env, cwd=workdir,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    with np.load(out) as served:
        return {name: served[name] for name in served.files}


@pytest.fixture(scope="module")
def kv():
    return keyed_vectors_from_matrix(WORDS, np.random.default_rng(0).normal(size=(4, 6)).astype("float32"))


@pytest.fixture(scope="module")
def exported(kv):
    """Every export of the tiny models, served once in one fresh process: {name: (expected, served)}."""
    # Our own temporary directory: pytest's basetemp may be pruned by concurrent pytest runs.
    with tempfile.TemporaryDirectory(prefix="serving_test_") as tmp:
        yield _export_and_serve(kv, pathlib.Path(tmp))


def _export_and_serve(kv, tmp):
    from gensim_elmo import ELMo

    elmo = ELMo(preset="tiny", seed=1, progress=False)
    jobs, expected = {}, {}

    def add(name, kind, model, inputs):
        path = tmp / name
        if kind == "saved_model":
            serving.export_tf_saved_model(model, path)
        else:
            serving.export_onnx(model, path)
        jobs[name] = (kind, path, inputs)
        expected[name] = keras.ops.convert_to_numpy(model(inputs))

    add("elmo", "saved_model", serving.tf_saved_model_elmo(elmo), TOKENS)
    add("words", "saved_model", serving.tf_saved_model_keyed_vectors(kv), TOKENS)
    add("sentences", "saved_model", serving.tf_saved_model_nnlm_sentences(kv), SENTENCES)
    onnx = all(_installed(p) for p in ("tf2onnx", "onnx", "onnxruntime"))
    if onnx:
        add("words_onnx", "onnx", serving.onnx_keyed_vectors(kv), IDS)
        add("sentences_onnx", "onnx", serving.onnx_nnlm_sentences(kv), IDS)
    served = _serve(jobs, tmp)
    return {name: (expected[name], served[name]) for name in jobs}, onnx


def _installed(package):
    import importlib.util

    return importlib.util.find_spec(package) is not None


@pytest.mark.parametrize("name", ["elmo", "words", "sentences"])
def test_saved_model_served_by_tensorflow_alone(exported, name):
    expected, served = exported[0][name]
    assert served.shape == expected.shape
    np.testing.assert_allclose(served, expected, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("name", ["words_onnx", "sentences_onnx"])
def test_onnx_served_by_onnxruntime(exported, name):
    if not exported[1]:
        pytest.skip("tf2onnx, onnx and onnxruntime are needed (pip install 'gensim-elmo[onnx]')")
    expected, served = exported[0][name]
    assert served.shape == expected.shape
    np.testing.assert_allclose(served, expected, atol=TOLERANCE, rtol=0)


def test_outputs_are_the_vectors(kv, exported):
    words, _ = exported[0]["words"]
    np.testing.assert_allclose(words[0, :3], kv.vectors[:3], atol=1e-6)
    assert not words[1, 1:].any() and not words[2].any()  # unknown word and padding: zeros
    sentences, _ = exported[0]["sentences"]
    np.testing.assert_allclose(sentences[0], kv.vectors[:3].sum(0) / np.sqrt(3), atol=1e-5)


def test_other_backend_refused(kv, monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="TensorFlow backend"):
        serving.tf_saved_model_keyed_vectors(kv)
    with pytest.raises(RuntimeError, match="TensorFlow backend"):
        serving.export_onnx(None, "unused.onnx")


def test_export_replaces_atomically(kv, tmp_path):
    path = tmp_path / "wv"
    path.mkdir()
    (path / "old.txt").write_text("old")
    serving.export_model(kv, path)
    assert "saved_model.pb" in os.listdir(path) and "old.txt" not in os.listdir(path)
    assert sorted(os.listdir(tmp_path)) == ["wv"]  # no temporary left behind


def test_cli_export_onnx_and_saved_model(kv, tmp_path):
    from gensim_elmo.cli import main
    from gensim_elmo.export import save_keyed_vectors

    vectors = save_keyed_vectors(kv, tmp_path / "vectors.txt", format="word2vec")
    if all(_installed(p) for p in ("tf2onnx", "onnx", "onnxruntime")):
        import onnxruntime

        assert main(["export", str(vectors), "--to", "onnx", "--sentences", "--output", str(tmp_path / "s.onnx")]) == 0
        session = onnxruntime.InferenceSession(str(tmp_path / "s.onnx"), providers=["CPUExecutionProvider"])
        served = session.run(None, {session.get_inputs()[0].name: IDS})[0]
        expected = keras.ops.convert_to_numpy(serving.onnx_nnlm_sentences(kv)(IDS))
        np.testing.assert_allclose(served, expected, atol=TOLERANCE, rtol=0)
    assert main(["export", str(vectors), "--to", "saved_model", "--output", str(tmp_path / "wv")]) == 0
    assert os.path.exists(tmp_path / "wv" / "saved_model.pb")
    with pytest.raises(ValueError, match="no ONNX export"):
        serving.export_model(_tiny_elmo(), tmp_path / "e.onnx", format="onnx")
    assert not os.path.exists(tmp_path / "e.onnx")


def _tiny_elmo():
    from gensim_elmo import ELMo

    return ELMo(preset="tiny", progress=False)
