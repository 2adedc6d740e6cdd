"""The Chinese benchmarks: People's Daily in sentences, the POS-contrast WiC pairs, chance for static
vectors, and the quick paths of chinese_lm and chinese_polysemy with their report sections."""

import argparse
import collections
import json

import numpy as np
import pytest

from benchmarks import chinese_models, chinese_polysemy
from benchmarks.__main__ import add_arguments, run_benchmarks
from benchmarks.wordnet_pairs import Context
from gensim_elmo.export import keyed_vectors_from_matrix


def test_sentences_end_after_stops_with_their_closing_quotes_and_keep_tags():
    tagged = [("他", "r"), ("说", "v"), ("：", "w"), ("“", "w"), ("好", "a"), ("！", "w"), ("”", "w"),
              ("走", "v"), ("。", "w"), ("再见", "v")]
    assert chinese_models.split_sentences(tagged) == [tagged[:7], tagged[7:9], tagged[9:]]
    assert chinese_models.split_sentences(["一", "。", "。", "二"]) == [["一", "。"], ["。"], ["二"]]
    paragraph = next(iter(chinese_models.PeoplesDailySentences("train", limit=1)))
    assert paragraph[0] == "迈向"
    assert sum(1 for _ in chinese_models.sentences("valid", quick=True)) > chinese_models.QUICK_PARAGRAPHS["valid"]


@pytest.fixture(scope="module")
def quick_pairs():
    return chinese_polysemy.build_pairs(quick=True)


def test_pairs_are_balanced_within_every_word_and_no_word_is_in_both_splits(quick_pairs):
    dev, test, table, _ = quick_pairs
    assert dev and test
    words = {split: {p.first.lemma for p in pairs} for split, pairs in (("dev", dev), ("test", test))}
    assert not words["dev"] & words["test"]
    labels = collections.defaultdict(collections.Counter)
    for pair in dev + test:
        word = pair.first.lemma
        assert pair.second.lemma == word
        assert {pair.first.pos, pair.second.pos} <= set(table[word]["tags"])
        assert pair.same_sense == (pair.first.pos == pair.second.pos)
        assert pair.first.tokens != pair.second.tokens
        for use in (pair.first, pair.second):
            assert use.tokens[use.index] == word
        labels[word][pair.same_sense] += 1
    assert all(c[True] == c[False] for c in labels.values())
    assert {w for w, r in table.items() if r["split"] == "dev"} == words["dev"]


def test_word_pairs_are_seeded_and_take_half_the_same_sense_pairs_from_the_rarer_sense():
    def use(tag, n):
        return Context("花", tag, tag, tag, ("句", str(n), "花"), 2)

    uses = {"v": [use("v", i) for i in range(10)], "n": [use("n", 100 + i) for i in range(4)]}
    pairs = chinese_polysemy.word_pairs("花", uses, per_label=6)
    assert pairs == chinese_polysemy.word_pairs("花", uses, per_label=6)
    same = [p for p in pairs if p.same_sense]
    assert len(same) == 6 and sum(p.first.pos == "n" for p in same) == 3
    assert len(chinese_polysemy.word_pairs("花", {"v": uses["v"], "n": uses["n"][:1]}, per_label=20)) == 20


def test_a_static_vector_is_exactly_at_chance_on_identical_forms(quick_pairs):
    dev, test, table, _ = quick_pairs
    words = sorted(table)
    wv = keyed_vectors_from_matrix(words[1:], np.random.default_rng(0).normal(size=(len(words) - 1, 8)))
    labels = {"dev": np.array([p.same_sense for p in dev]), "test": np.array([p.same_sense for p in test])}
    sims = {"dev": chinese_polysemy._static_similarities(wv, dev), "test": chinese_polysemy._static_similarities(wv, test)}
    assert set(np.concatenate(list(sims.values()))) == {1.0}  # out of the vocabulary counts as one vector too
    scores, _ = chinese_polysemy._score("static", sims, labels)
    assert scores["test_accuracy"] == 0.5


def test_quick_runs_write_results_and_their_report_sections(tmp_path):
    args = add_arguments(argparse.ArgumentParser()).parse_args(
        ["chinese_lm", "chinese_polysemy", "--quick", "--results-dir", str(tmp_path / "results")])
    assert run_benchmarks(args) == 0
    lm = json.loads((tmp_path / "results" / "chinese_lm.quick.json").read_text(encoding="utf-8"))["figures"]
    assert lm["vocabulary"]["size"] == lm["models"]["nnlm"]["vocabulary_size"] == lm["models"]["elmo"]["vocabulary_size"]
    assert lm["models"]["nnlm"]["test_perplexity"] > 1 and lm["models"]["elmo"]["test_perplexity"]["forward"] > 1
    wic = json.loads((tmp_path / "results" / "chinese_polysemy.quick.json").read_text(encoding="utf-8"))["figures"]
    models = wic["models"]
    assert {"cbow", "skipgram", "nnlm", "elmo_layer_0", "elmo_layer_1", "elmo_layer_2", "elmo_mix", "elmo_layer_1_centred",
            "elmo_layer_2_centred", "elmo_mix_centred"} == set(models)
    assert wic["best_elmo_layer_on_dev"] in models and set(wic["uncentred_words"]) <= set(wic["sense_words"])
    # A threshold per word chosen on test beats any one threshold chosen on dev.
    assert 0.5 <= models[wic["best_elmo_layer_on_dev"]]["test_accuracy"] <= wic["best_layer_per_word_threshold_ceiling"] <= 1
    for name in ("cbow", "skipgram", "nnlm", "elmo_layer_0"):
        assert models[name]["test_accuracy"] == 0.5, name
    assert wic["pairs"]["test"] == sum(r["pairs"] for r in wic["sense_words"].values() if r["split"] == "test")
    assert "经济" in wic["neighbours"]["skipgram"]
    report = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## chinese_lm" in report and "## chinese_polysemy" in report and "花" in report
