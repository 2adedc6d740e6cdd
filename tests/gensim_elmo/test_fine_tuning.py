"""Fine-tuning a trained ELMo on a new domain: extended vocabulary, kept softmax rows, frozen parts."""

import os

import numpy as np
import pytest

from gensim_elmo import ELMo
from gensim_elmo.cli import main

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "bilm_tf")
GENERAL = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "home"]] * 8
DOMAIN = [["the", "stock", "fell", "on", "news"], ["a", "bond", "rose", "on", "the", "news"]] * 8
TINY = dict(preset="tiny", batch_size=8, seed=2, progress=False, optimizer="adam", learning_rate=0.01)


def _rows(model):
    kernel = np.asarray(model.language_model.softmax_kernel)
    return {w: kernel[i].copy() for i, w in enumerate(model.vocabulary.index_to_word)}


@pytest.fixture(scope="module")
def general(tmp_path_factory):
    model = ELMo(GENERAL, epochs=2, num_sampled=4, **TINY)
    path = str(tmp_path_factory.mktemp("general") / "elmo")
    model.save(path)
    return path


def test_domain_vocabulary_extends_and_keeps_learnt_softmax_rows(general):
    model = ELMo.load(general, progress=False)
    before = _rows(model)
    model.build_vocab(DOMAIN, update=True)
    words = model.vocabulary.index_to_word
    assert {"stock", "bond", "news"} <= set(words) and {"cat", "dog", "mat"} <= set(words)
    assert words.index("news") < words.index("cat")  # the domain's words first, by domain frequency
    after = _rows(model)
    for word in ("the", "on", "cat", "<S>", "</S>"):
        np.testing.assert_array_equal(after[word], before[word])
    assert not np.allclose(after["stock"], 0)  # new words start from a fresh initialisation
    first = model.perplexity(DOMAIN[:2])["average"]
    model.num_sampled = None  # a domain this small fits the full softmax
    model.train(DOMAIN, epochs=3)
    assert model.perplexity(DOMAIN[:2])["average"] < first
    assert model.history["loss"][-1] < model.history["loss"][2]  # the fine-tuning epochs' loss falls


def test_build_vocab_without_update_starts_a_new_softmax(general):
    model = ELMo.load(general, progress=False)
    before = _rows(model)
    model.build_vocab(DOMAIN)
    assert "cat" not in model.vocabulary.index_to_word
    assert not np.allclose(_rows(model)["the"], before["the"])


def test_frozen_parts_stay_as_they_are_then_train_when_unfrozen(general):
    model = ELMo.load(general, progress=False)
    model.freeze = ("token_layer", "lstm_1")
    model.build_vocab(DOMAIN, update=True)
    token = [w.copy() for w in model.network.token_encoder.get_weights()]
    lstm_1 = [w.copy() for w in model.network.bilm.forward_layers[0].get_weights()]
    lstm_2 = [w.copy() for w in model.network.bilm.forward_layers[1].get_weights()]
    model.train(DOMAIN, epochs=1)
    for a, b in zip(model.network.token_encoder.get_weights(), token):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(model.network.bilm.forward_layers[0].get_weights(), lstm_1):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(model.network.bilm.forward_layers[1].get_weights(), lstm_2))
    model.freeze = ()
    model.train(DOMAIN, epochs=1)  # frozen for the first epoch only
    assert any(not np.array_equal(a, b) for a, b in zip(model.network.token_encoder.get_weights(), token))
    with pytest.raises(ValueError, match="unknown parts"):
        ELMo(preset="tiny", freeze=["lstm_3"])


def test_fine_tuning_from_the_original_bilm_files_resumes_exactly(tmp_path):
    def fine_tune(epochs, directory):
        model = ELMo.from_bilm_hdf5(os.path.join(FIXTURE, "options.json"), os.path.join(FIXTURE, "lm_weights.hdf5"),
                                    progress=False)
        model.batch_size, model.optimizer, model.learning_rate, model.num_sampled = 8, "adam", 0.01, 4
        model.build_vocab(DOMAIN, update=True)  # the files hold no softmax: the domain's vocabulary
        model.train(DOMAIN, epochs=epochs, checkpoint_dir=directory)
        return model

    whole = fine_tune(2, None)
    assert whole.history["loss"][1] < whole.history["loss"][0]
    directory = str(tmp_path / "ckpt")
    fine_tune(1, directory)
    resumed = fine_tune(2, directory)
    np.testing.assert_allclose(resumed.history["loss"], whole.history["loss"], rtol=1e-5)
    for a, b in zip(resumed.language_model.get_weights(), whole.language_model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_cli_init_from_fine_tunes_a_saved_model(general, tmp_path):
    corpus = tmp_path / "domain.txt"
    corpus.write_text("".join(" ".join(s) + "\n" for s in DOMAIN), encoding="utf-8")
    output = str(tmp_path / "tuned")
    assert main(["train", "elmo", "--corpus", str(corpus), "--output", output, "--init-from", general,
                 "--epochs", "1", "--batch-size", "8", "--num-sampled", "4", "--optimizer", "adam",
                 "--learning-rate", "0.01", "--freeze", "token_layer", "--no-progress"]) == 0
    tuned = ELMo.load(output, progress=False)
    assert {"stock", "cat"} <= set(tuned.vocabulary.index_to_word) and tuned.freeze == ("token_layer",)
    assert tuned.epochs_trained == 3  # 2 general epochs, then 1 on the domain
