import gensim
import numpy as np
import pytest

from gensim_elmo import Word2Vec
from gensim_elmo.corpus import LineSentences
from gensim_elmo.corpus_errors import CorpusFileNotFoundError, EmptyCorpusError, EmptyVocabularyError
from gensim_elmo.datasets import ptb
from tests.helpers import raised

PTB_SLICE = list(ptb("train", limit=3000))


@pytest.mark.parametrize("sg", [0, 1])
def test_identical_to_plain_gensim_with_one_worker(sg):
    params = dict(vector_size=24, window=4, min_count=2, sg=sg, negative=5, epochs=2, seed=7, workers=1)
    ours = Word2Vec(PTB_SLICE, progress=False, **params)
    plain = gensim.models.Word2Vec(PTB_SLICE, **params)
    assert ours.wv.index_to_key == plain.wv.index_to_key
    np.testing.assert_array_equal(ours.wv.vectors, plain.wv.vectors)


def test_identical_with_corpus_file(tmp_path):
    path = tmp_path / "ptb.txt"
    path.write_text("\n".join(" ".join(s) for s in PTB_SLICE) + "\n", encoding="utf-8")
    params = dict(vector_size=16, min_count=2, epochs=1, seed=3, workers=1)
    ours = Word2Vec(corpus_file=str(path), progress=False, **params)
    plain = gensim.models.Word2Vec(corpus_file=str(path), **params)
    np.testing.assert_array_equal(ours.wv.vectors, plain.wv.vectors)


def test_loss_recorded_per_epoch_and_falls():
    model = Word2Vec(PTB_SLICE, vector_size=16, min_count=2, epochs=4, seed=1, workers=1, progress=False)
    assert len(model.loss_history) == 4
    assert all(loss > 0 for loss in model.loss_history)
    assert model.loss_history[-1] < model.loss_history[0]
    quiet = Word2Vec(PTB_SLICE, vector_size=16, min_count=2, epochs=2, compute_loss=False, workers=1, progress=False)
    assert quiet.loss_history == []


def test_progress_bar_reaches_the_total(capsys):
    Word2Vec(PTB_SLICE, vector_size=8, min_count=2, epochs=2, workers=1, progress=True)
    err = capsys.readouterr().err
    total_words = sum(len(s) for s in PTB_SLICE) * 2
    assert "Word2Vec CBOW" in err and "100%" in err
    assert f"{total_words / 1000:.0f}k/{total_words / 1000:.0f}k" in err.replace(".0k", "k")


def test_no_progress_output(capsys):
    Word2Vec(PTB_SLICE[:200], vector_size=8, min_count=1, epochs=1, workers=1, progress=False)
    assert "Word2Vec" not in capsys.readouterr().err


def test_vectors_change_with_training_and_build_then_train():
    model = Word2Vec(vector_size=8, min_count=1, seed=2, workers=1, progress=False)
    model.build_vocab(PTB_SLICE[:500])
    before = model.wv.vectors.copy()
    model.train(PTB_SLICE[:500], total_examples=model.corpus_count, epochs=2)
    assert not np.allclose(before, model.wv.vectors)
    assert len(model.loss_history) == 2
    assert all(loss > 0 for loss in model.loss_history)  # gensim's train() defaults compute_loss to False
    assert model.compute_loss


def test_similarity_is_sensible_on_ptb():
    # One worker: gensim's threads make the result vary from run to run (two once missed every day).
    model = Word2Vec(ptb("train", limit=20000), vector_size=50, min_count=5, epochs=3, seed=1, workers=1,
                     progress=False)
    neighbours = [w for w, _ in model.wv.most_similar("monday", topn=10)]
    days = {"tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    assert days & set(neighbours), neighbours


def test_save_load_round_trip(tmp_path):
    model = Word2Vec(PTB_SLICE[:300], vector_size=8, min_count=1, epochs=1, workers=1, progress=False)
    path = tmp_path / "w2v.model"
    model.save(str(path))
    loaded = Word2Vec.load(str(path))
    assert isinstance(loaded, Word2Vec)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    assert loaded.loss_history == model.loss_history


def _build_then_train(model_class, corpus, **kwargs):
    model = model_class(min_count=1, **kwargs)
    model.build_vocab([["a", "b"]])
    model.train(corpus, total_examples=1, epochs=2)


#: Inputs for which gensim 4.4's Word2Vec raises: ours must raise an instance of the same class.
GENSIM_ERRORS = {
    "empty corpus": lambda W, kw, tmp: W([], min_count=1, **kw),
    "only empty sentences": lambda W, kw, tmp: W([[], []], min_count=1, **kw),
    "no word reaches min_count": lambda W, kw, tmp: W([["a", "b"]], min_count=5, **kw),
    "empty corpus_file": lambda W, kw, tmp: W(corpus_file=str(tmp / "empty.txt"), min_count=1, **kw),
    "missing corpus_file": lambda W, kw, tmp: W(corpus_file=str(tmp / "missing.txt"), **kw),
    "directory as corpus_file": lambda W, kw, tmp: W(corpus_file=str(tmp), **kw),
    "sentences and corpus_file": lambda W, kw, tmp: W([["a"]], corpus_file=str(tmp / "empty.txt"), **kw),
    "bytes corpus": lambda W, kw, tmp: W(b"the cat sat", min_count=1, **kw),
    "sentence of ints": lambda W, kw, tmp: W([1, 2, 3], min_count=1, **kw),
    "None sentence": lambda W, kw, tmp: W([None, ["a"]], min_count=1, **kw),
    "not iterable": lambda W, kw, tmp: W(5, min_count=1, **kw),
    "generator": lambda W, kw, tmp: W((s for s in [["a", "b"]]), min_count=1, **kw),
    "generator to train": lambda W, kw, tmp: _build_then_train(W, (s for s in [["a", "b"]]), **kw),
    "train before build_vocab": lambda W, kw, tmp: W(min_count=1, **kw).train([["a"]], total_examples=1, epochs=1),
    "neither hs nor negative": lambda W, kw, tmp: W([["a"]], min_count=1, hs=0, negative=0, **kw),
}


@pytest.mark.parametrize("case", list(GENSIM_ERRORS))
def test_errors_are_the_classes_gensim_raises(case, tmp_path):
    """Code written for gensim catches our errors: each is an instance of the class gensim raises."""
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    theirs = raised(lambda: GENSIM_ERRORS[case](gensim.models.Word2Vec, {"workers": 1}, tmp_path))
    ours = raised(lambda: GENSIM_ERRORS[case](Word2Vec, {"workers": 1, "progress": False}, tmp_path))
    assert theirs is not None, f"gensim no longer raises for {case}"
    with pytest.raises(type(theirs)):
        raise ours if ours is not None else AssertionError(f"ours raises nothing for {case}")


def test_bad_corpora_raise_clear_errors(tmp_path):
    with pytest.raises(TypeError, match="single string"):
        Word2Vec("the cat sat on the mat", min_count=1, progress=False)
    with pytest.raises(TypeError, match="first sentence .* is a string"):
        Word2Vec(["the cat sat", "the dog"], min_count=1, progress=False)
    with pytest.raises(TypeError, match="one-shot iterator"):
        Word2Vec((s for s in [["a", "b"]]), min_count=1, progress=False)
    with pytest.raises(EmptyCorpusError, match="corpus is empty"):
        Word2Vec([[], []], min_count=1, progress=False)
    with pytest.raises(EmptyVocabularyError, match="min_count"):
        Word2Vec([["a", "b"]], min_count=5, progress=False)
    with pytest.raises(CorpusFileNotFoundError, match="does not exist"):
        Word2Vec(corpus_file=str(tmp_path / "missing.txt"), progress=False)
    # the errors this package raised before stay catchable as they were
    with pytest.raises(ValueError):
        Word2Vec([], min_count=1, progress=False)
    with pytest.raises(FileNotFoundError):
        Word2Vec(corpus_file=str(tmp_path / "missing.txt"), progress=False)


def test_build_vocab_of_an_empty_corpus_raises_what_gensim_raises_at_train():
    """gensim's build_vocab([]) passes and its train raises RuntimeError; ours raises it one call earlier."""
    with pytest.raises(RuntimeError):
        gensim_model = gensim.models.Word2Vec(min_count=1)
        gensim_model.build_vocab([])
        gensim_model.train([], total_examples=0, epochs=1)
    with pytest.raises(RuntimeError, match="corpus is empty"):
        Word2Vec(min_count=1, progress=False).build_vocab([])


def test_gensim_parameters_pass_through(tiny_corpus_file):
    model = Word2Vec(corpus_file=str(tiny_corpus_file), vector_size=12, window=2, min_count=1, sg=1, hs=1,
                     negative=0, epochs=1, workers=1, progress=False)
    assert (model.sg, model.hs, model.negative, model.window, model.vector_size) == (1, 1, 0, 2, 12)
    assert isinstance(LineSentences(tiny_corpus_file), LineSentences)
