"""The distilled-vectors benchmark: its helpers and quick path."""

import numpy as np

from benchmarks import distilled_vectors


def test_file_sizes_shrink_with_the_storage_type_and_int8_reloads_close():
    from gensim_elmo.export import keyed_vectors_from_matrix

    matrix = np.random.default_rng(0).normal(size=(50, 16)).astype(np.float32)
    kv = keyed_vectors_from_matrix([f"w{i}" for i in range(50)], matrix)
    sizes, int8 = distilled_vectors.file_sizes(kv)
    assert sizes["int8"] < sizes["float16"] < sizes["float32"]
    assert int8.index_to_key == kv.index_to_key
    np.testing.assert_allclose(int8.vectors, matrix, atol=np.abs(matrix).max() / 100)


def test_distilled_vectors_quick_path_scores_every_variant_beside_the_static_models(small_corpus,
                                                                                   quick_report_section):
    figures, settings = distilled_vectors.run(quick=True, corpus=small_corpus)
    vectors = figures["vectors"]
    variants = [f"elmo_{name}" for name in distilled_vectors.QUICK_VARIANTS]
    assert set(variants + ["skipgram", "cbow", "nnlm", "elmo_layer0"]) <= set(vectors)
    assert vectors["elmo_pooled_pca8"]["vector_size"] == 8
    for name in variants:
        assert vectors[name]["vocabulary"] == figures["pooling"]["words"]
        assert vectors[name]["npz_bytes"]["int8"] < vectors[name]["npz_bytes"]["float32"]
        assert "wordsim353" in vectors[name]["scores"]
    assert len(figures["classification"]) == 1  # quick: the first data set installed
    for data_set in figures["classification"].values():
        assert "elmo_sif_pca8_int8" in data_set and "elmo_pooled_int8" not in data_set
        assert all(0 <= r["mean"] <= 1 for r in data_set.values())
    section = quick_report_section("distilled_vectors", figures, settings)
    assert "| elmo_sif_pca8 |" in section and "| skipgram |" in section
