import os

import numpy as np
import pytest

from gensim_elmo.cli import main
from gensim_elmo.distillation import distill_keyed_vectors, pca, remove_principal_components, sif_weights
from gensim_elmo.elmo import ELMo
from gensim_elmo.export import keyed_vectors_from_matrix, load_keyed_vectors, quantize, save_keyed_vectors

CORPUS = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"], ["a", "cat", "and", "a", "dog"]]


@pytest.fixture(scope="module")
def model():
    return ELMo(preset="tiny", progress=False)


def test_pooling_is_the_mean_of_embed_sentences(model):
    kv = distill_keyed_vectors(model, CORPUS, layer=1, chunk_sentences=2, progress=False)
    vectors = model.embed_sentences(CORPUS)
    occurrences = [v[1, i] for s, v in zip(CORPUS, vectors) for i, t in enumerate(s) if t == "the"]
    assert len(occurrences) == 3 and kv.get_vecattr("the", "count") == 3
    np.testing.assert_allclose(kv["the"], np.mean(occurrences, axis=0), rtol=1e-5, atol=1e-6)
    assert kv.index_to_key[0] == "the"
    average = distill_keyed_vectors(model, CORPUS, progress=False)
    expected = np.mean([v.mean(axis=0)[i] for s, v in zip(CORPUS, vectors) for i, t in enumerate(s) if t == "dog"],
                       axis=0)
    np.testing.assert_allclose(average["dog"], expected, rtol=1e-5, atol=1e-6)
    # the same as ELMo.keyed_vectors(embed_corpus=...)
    np.testing.assert_allclose(average["dog"], model.keyed_vectors(embed_corpus=CORPUS)["dog"], rtol=1e-5, atol=1e-6)
    assert set(distill_keyed_vectors(model, CORPUS, min_count=2, progress=False).index_to_key) == {
        "the", "cat", "sat", "a", "dog"}


def test_pca_dims_and_variance_order(model):
    kv = distill_keyed_vectors(model, CORPUS, pca_dim=4, progress=False)
    assert kv.vector_size == 4 and len(kv) == 8
    variances = kv.vectors.var(axis=0)
    assert np.all(np.diff(variances) <= 1e-7)
    np.testing.assert_allclose(kv.vectors.mean(axis=0), 0, atol=1e-5)
    projected, ratio = pca(np.random.default_rng(0).normal(size=(20, 5)) * [5, 4, 3, 2, 1], 5)
    assert projected.shape == (20, 5) and np.all(np.diff(ratio) <= 0) and abs(ratio.sum() - 1) < 1e-9


def test_sif_weights_and_component_removal(model):
    np.testing.assert_allclose(sif_weights([1, 3], total=4, a=0.25), [0.5, 0.25])
    plain = distill_keyed_vectors(model, CORPUS, progress=False)
    total = sum(map(len, CORPUS))
    weighted = distill_keyed_vectors(model, CORPUS, sif=1e-2, progress=False)
    for word in ("the", "mat"):
        p = plain.get_vecattr(word, "count") / total
        np.testing.assert_allclose(weighted[word], plain[word] * 1e-2 / (1e-2 + p), rtol=1e-5, atol=1e-7)
    removed = distill_keyed_vectors(model, CORPUS, sif=1e-2, remove_components=1, progress=False)
    _, _, vt = np.linalg.svd(weighted.vectors.astype(np.float64), full_matrices=False)
    np.testing.assert_allclose(removed.vectors @ vt[0], 0, atol=1e-5)
    assert remove_principal_components(np.eye(3), 0).tolist() == np.eye(3).tolist()


@pytest.mark.parametrize("dtype, tolerance", [("float32", 0.0), ("float16", 2 ** -11), ("int8", 0.5 / 127)])
def test_dtype_round_trips(tmp_path, dtype, tolerance):
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(50, 16)).astype(np.float32)
    matrix[3] = 0
    words = [f"w{i}" for i in range(49)] + ["naïve wörd"]
    kv = keyed_vectors_from_matrix(words, matrix, counts=range(50, 0, -1))
    path = save_keyed_vectors(kv, tmp_path / f"v.{dtype}.npz", format="npz", dtype=dtype)
    back = load_keyed_vectors(path, format="npz")
    assert back.index_to_key == words and back.vectors.dtype == np.float32
    assert back.get_vecattr("naïve wörd", "count") == 1
    error = np.abs(back.vectors - matrix)
    # float16: relative error; int8: at most half a step of each vector's own scale max|v| / 127.
    bound = np.abs(matrix) * tolerance if dtype == "float16" else np.abs(matrix).max(axis=1, keepdims=True) * tolerance
    assert np.all(error <= bound + 1e-7)
    with np.load(path, allow_pickle=False) as data:
        assert data["vectors"].dtype == np.dtype(dtype)


def test_sizes_shrink_with_the_dtype(tmp_path):
    kv = keyed_vectors_from_matrix([f"w{i}" for i in range(200)], np.ones((200, 64)))
    sizes = {d: os.path.getsize(save_keyed_vectors(kv, tmp_path / f"{d}.npz", format="npz", dtype=d))
             for d in ("float32", "float16", "int8")}
    assert sizes["int8"] < sizes["float16"] < sizes["float32"]
    assert sizes["float32"] - sizes["float16"] >= 200 * 64 * 2


def test_clear_errors(model, tmp_path):
    with pytest.raises(ValueError, match="no tokens"):
        distill_keyed_vectors(model, [], progress=False)
    with pytest.raises(ValueError, match="no tokens"):
        distill_keyed_vectors(model, [[], []], progress=False)
    with pytest.raises(ValueError, match="larger than the vector size 32"):
        distill_keyed_vectors(model, CORPUS, pca_dim=33, progress=False)
    with pytest.raises(ValueError, match="larger than the number of words 8"):
        distill_keyed_vectors(model, CORPUS, pca_dim=9, progress=False)
    with pytest.raises(ValueError, match="min_count=5"):
        distill_keyed_vectors(model, CORPUS, min_count=5, progress=False)
    with pytest.raises(ValueError, match="SIF"):
        distill_keyed_vectors(model, CORPUS, sif=0, progress=False)
    with pytest.raises(ValueError, match="layer"):
        distill_keyed_vectors(model, CORPUS, layer=3, progress=False)
    kv = keyed_vectors_from_matrix(["a"], [[1.0]])
    with pytest.raises(ValueError, match="dtype"):
        save_keyed_vectors(kv, tmp_path / "v.npz", format="npz", dtype="int4")
    with pytest.raises(ValueError, match="needs format='npz'"):
        save_keyed_vectors(kv, tmp_path / "v.txt", dtype="int8")
    with pytest.raises(ValueError, match="float16"):
        quantize([[1e6]], "float16")
    np.save(tmp_path / "x.npy", np.zeros(2))
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match="not a gensim_elmo vectors"):
        load_keyed_vectors(tmp_path / "other.npz", format="npz")


def test_cli_distill(model, tmp_path, capsys):
    model.save(tmp_path / "model")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in CORPUS) + "\n", encoding="utf-8")
    out = tmp_path / "v.npz"
    assert main(["distill", str(tmp_path / "model"), "--corpus", str(corpus), "--output", str(out), "--pca", "4",
                 "--sif", "1e-3", "--dtype", "int8", "--no-progress"]) == 0
    assert "wrote 8 vectors of size 4" in capsys.readouterr().out
    kv = load_keyed_vectors(out, format="npz")
    assert kv.vector_size == 4 and kv.index_to_key[0] == "the"
    text = tmp_path / "v.txt"
    assert main(["distill", str(tmp_path / "model"), "--corpus", str(corpus), "--output", str(text), "--layer", "0",
                 "--no-progress"]) == 0
    assert load_keyed_vectors(text).vector_size == 32
    assert main(["distill", str(tmp_path / "model"), "--corpus", str(corpus), "--output", str(out), "--pca", "64",
                 "--no-progress"]) == 2
    assert "larger than the vector size" in capsys.readouterr().err
