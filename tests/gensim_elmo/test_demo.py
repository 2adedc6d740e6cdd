from gensim_elmo.datasets import ptb
from gensim_elmo.demo import NEAREST_USE_QUERIES, SENSES, elmo_section


def test_every_demo_sentence_is_in_the_vocabulary_of_ptb_and_uses_its_word():
    vocabulary = {w for s in ptb("train") for w in s}
    for word, _, uses_a, _, uses_b in SENSES:
        assert len(uses_a) == 2 and uses_b
        for sentence in uses_a + uses_b:
            assert word in sentence and set(sentence) <= vocabulary, sentence
    for word, query in NEAREST_USE_QUERIES:
        assert word in query and set(query) <= vocabulary


def test_elmo_section_prints_same_and_different_sense_per_layer_and_nearest_uses():
    lines = []
    model = elmo_section(ptb("train", limit=300), quick=True, out=lines.append)
    text = "\n".join(lines)
    for word, *_ in SENSES:
        assert f"{word!r} (" in text
    assert text.count("layer 2: same") == len(SENSES)
    assert "Nearest uses in the training corpus" in text
    assert model.epochs_trained == 1


def test_every_chinese_demo_sentence_is_segmented_as_people_s_daily_and_uses_its_word():
    from gensim_elmo.datasets import peoples_daily
    from gensim_elmo.demo import ZH

    vocabulary = {w for s in peoples_daily("train") for w in s}
    word, fruit, brand = ZH["founding"]
    assert (word, "".join(fruit), "".join(brand)) == ("苹果", "我吃了一个苹果", "我在用苹果手机")
    for word, _, uses_a, _, uses_b in ZH["senses"]:
        assert len(uses_a) == 2 and uses_b
        for sentence in uses_a + uses_b:
            assert word in sentence and set(sentence) <= vocabulary, sentence
    for word, query in ZH["nearest_use_queries"] + tuple((w, q) for w in ZH["probe_words"] for q in [[w]]):
        assert word in query and set(query) <= vocabulary
    for context in ZH["next_word_contexts"]:
        assert set(context) <= vocabulary


def test_chinese_elmo_section_opens_with_the_founding_pair_and_says_what_the_model_is():
    from gensim_elmo.datasets import peoples_daily
    from gensim_elmo.demo import ZH

    lines = []
    elmo_section(peoples_daily("train", limit=150), quick=True, out=lines.append, lang="zh")
    text = "\n".join(lines)
    assert "What this model is" in text and "trained for 1 epoch" in text
    assert "The founding pair: 苹果 in '我吃了一个苹果'" in text and "predates Apple's phones" in text
    assert text.count("layer 2: same") == len(ZH["senses"])
    assert "[种]" in text  # nearest uses, the word marked in its unspaced snippet


def test_elmo_section_shows_a_saved_model_without_training_it(tmp_path):
    """`gensim-elmo demo --elmo-model DIR`: the senses and nearest uses of a model trained elsewhere."""
    import numpy as np
    import pytest

    from gensim_elmo import ELMo
    from gensim_elmo.cli import build_parser
    from gensim_elmo.demo import run_demo

    train = ptb("train", limit=100)
    saved = ELMo(train, preset="tiny", epochs=2, num_sampled=None, seed=4, progress=False)
    saved.save(tmp_path / "elmo")
    lines = []
    model = elmo_section(train, quick=True, out=lines.append, elmo_model=str(tmp_path / "elmo"))
    text = "\n".join(lines)
    assert f"ELMo loaded from {tmp_path / 'elmo'}" in text and "trained for 2 epochs" in text
    assert "PTB valid perplexity forward" in text
    assert text.count("layer 2: same") == len(SENSES) and "Nearest uses in the training corpus" in text
    assert model.epochs_trained == 2  # loaded, not trained further
    for a, b in zip(model.network.get_weights(), saved.network.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert build_parser().parse_args(["demo", "--elmo-model", "m"]).elmo_model == "m"
    with pytest.raises(ValueError, match="add 'elmo' to the sections"):
        run_demo(quick=True, sections=["word2vec"], elmo_model=str(tmp_path / "elmo"))
    with pytest.raises(FileNotFoundError):
        elmo_section(train, quick=True, out=lines.append, elmo_model=str(tmp_path / "missing"))
