"""Files from strangers: pickles and Lambda layers are refused, and the code in them never runs.

Each payload writes a marker file when executed; the tests first prove the payload is live (it
does run when loaded the unsafe way) and then that our loaders refuse it with the marker absent.
"""

import builtins
import os
import pickle

import keras
import numpy as np
import pytest

from gensim_elmo import ELMo, NNLM
from gensim_elmo.export import keyed_vectors_from_matrix, load_keyed_vectors, save_keyed_vectors
from gensim_elmo.safe_loading import load_keras_model, unsafe_keras_objects
from keras_layers import KeyedVectorsEmbedding

CORPUS = [["the", "cat", "sat"], ["the", "dog", "ran"]] * 8


class _Payload:
    """Unpickling this calls ``open(marker, "w")``: code from the file runs and leaves a marker."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return builtins.open, (self.marker, "w")


def _pickle_file(path, marker):
    with open(path, "wb") as handle:
        pickle.dump(_Payload(marker), handle)


def test_payload_is_live(tmp_path):
    marker = tmp_path / "ran"
    _pickle_file(tmp_path / "p.pkl", marker)
    with open(tmp_path / "p.pkl", "rb") as handle:
        pickle.load(handle).close()
    assert marker.exists()


def test_gensim_pickle_refused_unless_allowed(tmp_path):
    marker, path = tmp_path / "ran", tmp_path / "vectors.kv"
    _pickle_file(path, marker)
    with pytest.raises(ValueError, match="pickle.*allow_pickle=True.*word2vec format"):
        load_keyed_vectors(path, format="gensim")
    assert not marker.exists()
    kv = keyed_vectors_from_matrix(["a", "b"], np.eye(2, dtype="float32"))
    good = save_keyed_vectors(kv, tmp_path / "good.kv", format="gensim")
    assert load_keyed_vectors(good, format="gensim", allow_pickle=True).index_to_key == ["a", "b"]


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("saved")
    nnlm = NNLM(CORPUS, vector_size=4, window=2, hidden_size=4, epochs=1, batch_size=8, progress=False)
    nnlm.save(root / "nnlm")
    elmo = ELMo(CORPUS, preset="tiny", epochs=1, batch_size=4, progress=False)
    elmo.save(root / "elmo")
    return root


@pytest.mark.parametrize("model_class, directory, filename", [
    (NNLM, "nnlm", "config.json"), (NNLM, "nnlm", "model.weights.h5"), (NNLM, "nnlm", "vocab.tsv"),
    (ELMo, "elmo", "config.json"), (ELMo, "elmo", "model.weights.h5"), (ELMo, "elmo", "softmax.npz"),
])
def test_pickle_in_our_save_formats_is_refused(saved_models, tmp_path, model_class, directory, filename):
    import shutil

    copy = tmp_path / directory
    shutil.copytree(saved_models / directory, copy)
    marker = tmp_path / "ran"
    if filename.endswith(".npz"):  # an npz whose array is a pickled object
        np.savez(copy / filename, kernel=np.array([_Payload(marker)], dtype=object), bias=np.zeros(1))
    else:
        _pickle_file(copy / filename, marker)
    assert not marker.exists()
    with pytest.raises(ValueError):
        model_class.load(copy, progress=False)
    assert not marker.exists()


def _lambda_model(marker):
    # a Python lambda: Keras stores its bytecode in the archive
    touch_and_double = lambda x: (open(marker, "w").close(), x * 2)[1]  # noqa: E731
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Lambda(touch_and_double, name="double")(inputs))


def test_keras_archive_with_lambda_refused_before_anything_runs(tmp_path):
    marker = str(tmp_path / "ran")
    path = str(tmp_path / "evil.keras")
    _lambda_model(marker).save(path)
    os.remove(marker)  # building the model ran the function once
    with pytest.raises(ValueError, match="Lambda 'double'.*nothing in it ran"):
        load_keras_model(path)
    assert not os.path.exists(marker)
    keras.saving.load_model(path, safe_mode=False)  # the unsafe way runs it: the payload is live
    assert os.path.exists(marker)


def test_keras_archive_of_our_layers_loads_safely(tmp_path):
    kv = keyed_vectors_from_matrix(["a", "b"], np.arange(6, dtype="float32").reshape(2, 3))
    inputs = keras.Input((2,), dtype="int32")
    model = keras.Model(inputs, KeyedVectorsEmbedding(kv)(inputs))
    path = str(tmp_path / "ok.keras")
    model.save(path)
    loaded = load_keras_model(path)
    ids = np.array([[0, 1]])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(ids)), keras.ops.convert_to_numpy(model(ids)))
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable .keras archive"):
        load_keras_model(tmp_path / "broken.keras")
    with pytest.raises(FileNotFoundError):
        load_keras_model(tmp_path / "missing.keras")


def test_unsafe_keras_objects_finds_nested_lambdas():
    config = {"class_name": "Functional", "config": {"layers": [
        {"class_name": "Dense", "config": {"name": "d"}},
        {"class_name": "TimeDistributed", "config": {"layer": {"class_name": "Lambda", "config": {"name": "x"}}}},
        {"class_name": "Dense", "config": {"activation": {"class_name": "__lambda__", "config": {}}}},
    ]}}
    assert unsafe_keras_objects(config) == ["Lambda 'x'", "__lambda__"]
