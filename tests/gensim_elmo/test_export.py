import os

import numpy as np
import pytest
from gensim.models import KeyedVectors

from gensim_elmo.export import keyed_vectors_from_matrix, load_keyed_vectors, save_keyed_vectors, save_projector

WORDS = ["the", "cat", "中文", "naïve"]


@pytest.fixture
def kv():
    return keyed_vectors_from_matrix(WORDS, np.arange(12, dtype="float32").reshape(4, 3) / 7, counts=[9, 5, 3, 1])


def test_from_matrix(kv):
    assert kv.index_to_key == WORDS
    np.testing.assert_allclose(kv["中文"], np.arange(6, 9) / 7, rtol=1e-6)
    assert kv.get_vecattr("cat", "count") == 5


def test_from_matrix_errors():
    with pytest.raises(ValueError, match="rows"):
        keyed_vectors_from_matrix(["a"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2-D"):
        keyed_vectors_from_matrix(["a"], np.zeros(3))
    with pytest.raises(ValueError, match="distinct"):
        keyed_vectors_from_matrix(["a", "a"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="str"):
        keyed_vectors_from_matrix(["a", 3], np.zeros((2, 3)))


@pytest.mark.parametrize("fmt, binary", [("word2vec", False), ("word2vec-binary", True)])
def test_word2vec_formats_load_in_gensim(kv, tmp_path, fmt, binary):
    path = save_keyed_vectors(kv, tmp_path / "vectors", format=fmt)
    loaded = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert sorted(loaded.index_to_key) == sorted(WORDS)
    for word in WORDS:
        np.testing.assert_allclose(loaded[word], kv[word], rtol=1e-5)
    assert load_keyed_vectors(path, format=fmt).index_to_key == loaded.index_to_key


def test_gensim_native_format_single_file(kv, tmp_path):
    path = save_keyed_vectors(kv, tmp_path / "vectors.kv", format="gensim")
    assert os.listdir(tmp_path) == ["vectors.kv"]
    loaded = KeyedVectors.load(path)
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


def test_projector_files(kv, tmp_path):
    vectors_path, metadata_path = save_projector(kv, tmp_path / "proj")
    matrix = np.loadtxt(vectors_path, delimiter="\t")
    np.testing.assert_allclose(matrix, kv.vectors, rtol=1e-5)
    assert open(metadata_path, encoding="utf-8").read().splitlines() == WORDS
    assert save_keyed_vectors(kv, tmp_path / "p2", format="projector") == str(tmp_path / "p2")


def test_atomic_save_keeps_the_old_file_on_failure(kv, tmp_path):
    path = tmp_path / "vectors.txt"
    save_keyed_vectors(kv, path)
    good = path.read_bytes()

    class Broken:
        def save_word2vec_format(self, fname, binary=False):
            with open(fname, "w") as handle:
                handle.write("partial")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_keyed_vectors(Broken(), path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["vectors.txt"]  # no temporary left behind


def test_unknown_format(kv, tmp_path):
    with pytest.raises(ValueError, match="format"):
        save_keyed_vectors(kv, tmp_path / "x", format="glove")
