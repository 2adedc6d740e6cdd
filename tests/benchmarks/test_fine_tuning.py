"""The fine-tuning benchmark: its helpers and quick path (the distilled-vectors benchmark is in
test_distilled_vectors.py: one file per slow quick path, so that --dist loadfile gives them to
different workers)."""

import itertools

import numpy as np
import pytest

from benchmarks import fine_tuning


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


def test_fine_tuning_quick_path_trains_both_models_on_the_domain_only(quick_report_section):
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
    section = quick_report_section("fine_tuning", figures, settings)
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
