import json

import numpy as np
import pytest

from gensim_elmo import NNLM
from gensim_elmo.nnlm_batches import ngram_examples
from tests.helpers import check_load_refuses_bad_saves, run_in_fresh_process

CORPUS = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["the", "dog", "sat", "on", "the", "log"],
    ["a", "bird", "flew", "over", "the", "house"],
] * 30
SMALL = dict(vector_size=8, window=2, hidden_size=16, batch_size=32, learning_rate=0.02, seed=3, progress=False)


@pytest.fixture(scope="module")
def trained():
    return NNLM(CORPUS, epochs=8, **SMALL)


def test_ngram_examples_pad_and_end_each_sentence():
    x, y = ngram_examples(np.array([10, 11, 12, 13]), np.array([3, 1]), window=2, bos_id=0, eos_id=1)
    assert y.tolist() == [10, 11, 12, 1, 13, 1]
    assert x.tolist() == [[0, 0], [0, 10], [10, 11], [11, 12], [0, 0], [0, 13]]


def test_perplexity_finite_below_vocab_and_falls_during_training():
    model = NNLM(epochs=1, **SMALL)
    model.build_vocab(CORPUS)
    before = model.perplexity(CORPUS[:3])
    assert before == pytest.approx(len(model.vocabulary), rel=0.3)  # untrained: about uniform
    model.train(CORPUS, epochs=6)
    after = model.perplexity(CORPUS[:3])
    assert np.isfinite(after) and after < before / 2 and after < len(model.vocabulary)
    losses = model.history["loss"]
    assert len(losses) == 6 and losses[-1] < losses[0]


def test_predict_next_ranks_memorised_continuation_first(trained):
    pairs = trained.predict_next(["a", "bird"], topn=5)
    assert pairs[0][0] == "flew"
    probabilities = [p for _, p in pairs]
    assert probabilities == sorted(probabilities, reverse=True)
    full = trained.predict_next(["a", "bird"], topn=len(trained.vocabulary))
    assert sum(p for _, p in full) <= 1.0 + 1e-6
    assert "<s>" not in [w for w, _ in full]
    # sentence start: the context is padded with <s>
    assert trained.predict_next([], topn=2)[0][0] in {"the", "a"}
    # unknown words are read as <unk> rather than failing
    assert len(trained.predict_next(["zebra", "quux"], topn=3)) == 3


def test_wv_is_gensim_keyed_vectors(trained):
    from gensim.models import KeyedVectors

    wv = trained.wv
    assert isinstance(wv, KeyedVectors)
    assert wv.vector_size == 8 and "cat" in wv.key_to_index and "<unk>" in wv.key_to_index
    similar = wv.most_similar("cat", topn=3)
    assert len(similar) == 3 and all(isinstance(w, str) for w, _ in similar)
    layer = trained.to_keras()
    assert layer.input_dim == len(trained.vocabulary) + 2


def test_validation_perplexity_and_early_stopping():
    model = NNLM(CORPUS, epochs=4, validation_sentences=CORPUS[:3], early_stopping=1, **SMALL)
    assert len(model.history["val_perplexity"]) == len(model.history["loss"]) <= 4
    assert model.perplexity(CORPUS[:3]) == pytest.approx(min(model.history["val_perplexity"]), rel=1e-4)


def test_gensim_style_callbacks_and_determinism():
    calls = []

    class Recorder:
        def on_epoch_end(self, model):
            calls.append(("epoch", model.epochs_trained))

        def on_train_end(self, model):
            calls.append(("end", len(model.history.get("loss", []))))

    a = NNLM(CORPUS, epochs=2, callbacks=[Recorder()], **SMALL)
    b = NNLM(CORPUS, epochs=2, **SMALL)
    assert [c[0] for c in calls] == ["epoch", "epoch", "end"]
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    assert a.history["loss"] == b.history["loss"]


def test_memory_streaming_vocab_limits():
    model = NNLM(CORPUS, epochs=1, max_vocab_size=6, **SMALL)
    assert len(model.vocabulary) == 6
    assert model.vocabulary.index_to_word[:3] == ["<s>", "</s>", "<unk>"]
    assert model.vocabulary["bird"] == model.vocabulary.unk_index


def test_save_load_identical_predictions_in_fresh_process(trained, tmp_path):
    path = tmp_path / "nnlm"
    trained.save(path)
    expected = trained.predict_next(["the", "cat"], topn=5)
    ppl = trained.perplexity(CORPUS[:3])
    out = run_in_fresh_process(
        f"""
        import json
        from gensim_elmo import NNLM
        model = NNLM.load({str(path)!r}, progress=False)
        print(json.dumps({{"next": model.predict_next(["the", "cat"], topn=5),
                           "ppl": model.perplexity({CORPUS[:3]!r})}}))
        """
    )
    got = json.loads(out.strip().splitlines()[-1])
    assert [w for w, _ in got["next"]] == [w for w, _ in expected]
    np.testing.assert_allclose([p for _, p in got["next"]], [p for _, p in expected], rtol=1e-6)
    assert got["ppl"] == pytest.approx(ppl, rel=1e-6)


def test_save_is_atomic_and_overwrites(trained, tmp_path):
    path = tmp_path / "nnlm"
    trained.save(path)
    trained.save(path)  # replacing an existing save works
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nnlm"]


def test_loading_bad_files_fails_clearly(trained, tmp_path):
    path = tmp_path / "nnlm"
    check_load_refuses_bad_saves(trained, path, "gensim_elmo.ELMo")
    (path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt"):
        NNLM.load(path)
    trained.save(path)
    (path / "vocab.tsv").write_text('{"unk_token": "<unk>", "num_specials": 3}\n<s>\t0\n')
    with pytest.raises(ValueError, match="inconsistent|vocab"):
        NNLM.load(path)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValueError, match="not a saved NNLM"):
        NNLM.load(tmp_path / "file.txt")


def test_bad_inputs_give_clear_errors(trained):
    with pytest.raises(TypeError, match="single string"):
        NNLM("the cat sat", **SMALL)
    with pytest.raises(TypeError, match="is a string"):
        NNLM(["the cat sat", "a dog"], **SMALL)
    with pytest.raises(ValueError, match="empty"):
        NNLM([[], []], **SMALL)
    with pytest.raises(ValueError, match="window"):
        NNLM(window=0)
    with pytest.raises(ValueError, match="validation_sentences"):
        NNLM(early_stopping=2)
    with pytest.raises(RuntimeError, match="build_vocab"):
        NNLM(**SMALL).predict_next(["a"])
    with pytest.raises(TypeError, match="split it first"):
        trained.predict_next("the cat")
    with pytest.raises(ValueError, match="topn"):
        trained.predict_next(["the"], topn=0)
    with pytest.raises(ValueError, match="no tokens"):
        trained.perplexity([[]])


def test_sampled_softmax_training_lowers_full_perplexity():
    model = NNLM(epochs=1, num_sampled=5, **SMALL)
    model.build_vocab(CORPUS)
    assert model.language_model.num_sampled == 5
    before = model.perplexity(CORPUS[:3])
    model.train(CORPUS, epochs=6)
    assert model.perplexity(CORPUS[:3]) < before / 2
    with pytest.raises(ValueError, match="num_sampled"):
        NNLM(num_sampled=0)


def test_switching_from_sampled_to_full_softmax_between_train_calls():
    model = NNLM(CORPUS, epochs=2, num_sampled=5, **SMALL)
    sampled_head = model.language_model
    model.num_sampled = None
    model.train(CORPUS, epochs=1)
    assert model.language_model is not sampled_head and model.language_model.num_sampled is None
    assert len(model.history["loss"]) == 3 and model.epochs_trained == 3
