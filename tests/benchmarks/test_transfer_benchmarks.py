"""The fine-tuning and distilled-vectors benchmarks: their helpers and quick paths."""

import itertools

import numpy as np
import pytest

from benchmarks import distilled_vectors, fine_tuning


def tiny_domain():
    """Penn Treebank valid sentences as raw texts, with two made-up classes."""
    from gensim_elmo.datasets import ptb

    texts = [" ".join(s) for s in itertools.islice(ptb("valid"), 100)]
    return texts, ["even" if i % 2 else "odd" for i in range(len(texts))]


def test_domain_splits_keep_the_test_texts_away_from_the_language_models():
    texts, labels = tiny_domain()
    lm_train, lm_valid, test, train_index, test_index = fine_tuning.domain_splits(texts, labels, held_out=0.1)
    assert not set(train_index) & set(test_index) and len(test_index) == 20
    seen = {tuple(s) for s in lm_train + lm_valid}
    assert seen.isdisjoint(tuple(s) for s in test)
    assert len(lm_valid) == 8 and len(lm_train) + len(lm_valid) == len(train_index)
    assert fine_tuning.domain_splits(texts, labels, held_out=0.1)[1] == lm_valid  # fixed


def _report(name, figures, settings, tmp_path):
    """RESULTS.md's section and the results page's text for one quick result."""
    from benchmarks.report import docs_page, write_report
    from benchmarks.results_io import write_result

    write_result(name, figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert f"## {name}" in text and (tmp_path / "plots" / f"{name}.png").exists()
    page, summary, plots = docs_page(str(tmp_path))
    assert f"{name}.png" in plots and name in summary
    return text[text.index(f"## {name}"):]


def test_fine_tuning_quick_path_trains_both_models_on_the_domain_only(tmp_path):
    from gensim_elmo.datasets import ptb
    from gensim_elmo.elmo import ELMo

    base = ELMo(ptb("train", limit=300), preset="tiny", epochs=1, batch_size=16, num_sampled=64, optimizer="adam",
                learning_rate=2e-3, progress=False)
    weights = base.network.get_weights()
    figures, settings = fine_tuning.run(quick=True, domain=tiny_domain, base=base)
    for before, after in zip(weights, base.network.get_weights()):
        np.testing.assert_array_equal(before, after)  # the base model was copied, not fine-tuned
    domain = figures["domain"]
    assert len(base.vocabulary) < domain["vocabulary"] < len(base.vocabulary) + domain["domain_words"]
    for name in ("fine_tuned", "from_scratch"):
        r = figures[name]
        assert 1 <= r["epochs_trained"] == len(r["valid_perplexity_curve"]) <= settings["epochs"]
        assert np.isfinite(r["test_perplexity"]["average"]) and r["test_perplexity"]["average"] > 1
        assert r["test_perplexity"]["average"] == pytest.approx(
            np.mean([r["test_perplexity"]["forward"], r["test_perplexity"]["backward"]]), rel=0.2)
        assert set(r["accuracy"]) == {"elmo", "random+elmo"}
    wins = figures["fine_tuning_wins"]
    assert wins["perplexity"] == (figures["fine_tuned"]["test_perplexity"]["average"]
                                  < figures["from_scratch"]["test_perplexity"]["average"])
    section = _report("fine_tuning", figures, settings, tmp_path)
    assert f"{figures['fine_tuned']['test_perplexity']['average']:.1f}" in section


def test_the_model_from_scratch_predicts_over_the_fine_tuned_vocabulary():
    from gensim_elmo.elmo import ELMo

    base = ELMo([["the", "cat", "sat"], ["a", "dog", "ran"]] * 4, preset="tiny", epochs=1, batch_size=4,
                num_sampled=None, progress=False)
    domain = [["the", "film", "was", "good"], ["a", "good", "film"]] * 3
    base.min_count = 2
    base.build_vocab(domain, update=True)
    scratch = fine_tuning.same_vocabulary_from_scratch(base, domain, min_count=2, batch_size=4, progress=False)
    assert scratch.vocabulary.index_to_word[:7] == base.vocabulary.index_to_word[:7]  # specials, then the domain's
    assert set(scratch.vocabulary.index_to_word) == set(base.vocabulary.index_to_word)
    assert scratch.preset is None and scratch.options == base.options


def test_file_sizes_shrink_with_the_storage_type_and_int8_reloads_close():
    from gensim_elmo.export import keyed_vectors_from_matrix

    matrix = np.random.default_rng(0).normal(size=(50, 16)).astype(np.float32)
    kv = keyed_vectors_from_matrix([f"w{i}" for i in range(50)], matrix)
    sizes, int8 = distilled_vectors.file_sizes(kv)
    assert sizes["int8"] < sizes["float16"] < sizes["float32"]
    assert int8.index_to_key == kv.index_to_key
    np.testing.assert_allclose(int8.vectors, matrix, atol=np.abs(matrix).max() / 100)


def test_distilled_vectors_quick_path_scores_every_variant_beside_the_static_models(small_corpus, tmp_path):
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
    section = _report("distilled_vectors", figures, settings, tmp_path)
    assert "| elmo_sif_pca8 |" in section and "| skipgram |" in section
