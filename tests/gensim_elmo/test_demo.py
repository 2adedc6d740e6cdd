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
