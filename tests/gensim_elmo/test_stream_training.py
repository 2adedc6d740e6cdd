"""ELMo trained on a stream of text (``unroll_steps``): the windows, the carried states, stream perplexity."""

import os

import keras
import numpy as np
import pytest

import gensim_elmo.elmo as elmo_module
from gensim_elmo import ELMo
from gensim_elmo.encoded_corpus import EncodedCorpus
from gensim_elmo.stream_batches import StreamBatches, sentence_stream, stream_batch
from gensim_elmo.vocabulary import Vocabulary
from keras_layers.bilm_language_model import BiLMLanguageModel

CORPUS = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "home"], ["birds", "fly"],
          ["i", "ate", "an", "apple", "today"]] * 6
TINY = dict(preset="tiny", batch_size=4, seed=2, progress=False, optimizer="adam", learning_rate=0.01, num_sampled=None)


def _stream_batches(tmp_path, batch_size=3, unroll_steps=4, vocab_chars=None):
    vocabulary, _ = Vocabulary.build(CORPUS)
    corpus = EncodedCorpus.write(CORPUS, vocabulary, str(tmp_path))
    return StreamBatches(corpus, batch_size, unroll_steps, bos_id=0, eos_id=1, vocab_chars=vocab_chars)


def test_stream_batches_read_each_row_forward_from_its_start_and_backward_from_its_end(tmp_path):
    batches = _stream_batches(tmp_path)
    stream, rows, steps = batches.stream, batches.batch_size, batches.unroll_steps
    assert len(stream) == sum(len(s) + 2 for s in CORPUS)
    assert len(batches) == (len(stream) // rows) // steps
    forward = np.concatenate([batches[k][0]["token_ids"] for k in range(len(batches))], axis=1) - 1
    backward = np.concatenate([batches[k][0]["backward_token_ids"] for k in reversed(range(len(batches)))], axis=1) - 1
    covered = len(batches) * steps
    for r in range(rows):
        start, end = r * batches.row_length, (r + 1) * batches.row_length
        np.testing.assert_array_equal(forward[r], stream[start : start + covered])  # consecutive windows
        np.testing.assert_array_equal(backward[r], stream[end - covered : end])  # the row's end first
    assert [float(batches[k][0]["reset"][0]) for k in range(3)] == [1.0, 0.0, 0.0]
    batches.on_epoch_end()
    np.testing.assert_array_equal(batches[1][0]["token_ids"], forward[:, steps : 2 * steps] + 1)  # same every epoch


def test_stream_targets_are_the_neighbours_and_skip_the_step_between_sentences():
    stream = sentence_stream([np.array([5, 6]), np.array([7])], bos_id=0, eos_id=1)  # <S> 5 6 </S> <S> 7 </S>
    batch = stream_batch([(stream, 2, 2), (stream, 5, -2)], 4, bos_id=0, eos_id=1)
    # Row 0 forward reads 6 </S> <S> 7: the prediction of the next sentence's <S> is not scored.
    assert batch["token_ids"][0].tolist() == [7, 2, 1, 8]
    assert batch["forward_targets"][0].tolist() == [1, 0, 7, 1]
    assert batch["forward_mask"][0].tolist() == [1, 0, 1, 1]
    # Row 1 forward runs past the stream's end, backward before its start: the real positions come first.
    assert batch["token_ids"][1].tolist() == [8, 2, 0, 0]
    assert batch["forward_mask"][1].tolist() == [1, 0, 0, 0]
    assert batch["backward_token_ids"][1].tolist() == [1, 6, 0, 0]
    assert batch["backward_targets"][1].tolist() == [0, 0, 0, 0] and batch["backward_mask"][1].tolist() == [0, 1, 0, 0]
    # Row 0 backward reads the same positions: 6 -> 5, </S> -> 6, <S> -> the previous </S> (not scored), 7 -> <S>.
    assert batch["backward_targets"][0].tolist() == [5, 6, 0, 0]
    assert batch["backward_mask"][0].tolist() == [1, 1, 0, 1]


def test_stream_batch_tables_hold_the_tokens_of_both_directions():
    chars = np.arange(9 * 50, dtype=np.int32).reshape(9, 50)
    stream = sentence_stream([np.array([3, 4]), np.array([5, 6, 7, 8])], bos_id=0, eos_id=1)
    batch = stream_batch([(stream, 0, 6)], 3, bos_id=0, eos_id=1, vocab_chars=chars)
    table = batch["token_chars"]
    for key, start in (("token_ids", 0), ("backward_token_ids", 6)):
        np.testing.assert_array_equal(table[batch[key][0]], chars[stream[start : start + 3]])
    assert not table[0].any()  # row 0 stays the padding token


def test_sentence_resets_mark_sentence_starts_of_each_direction_at_random(tmp_path):
    vocabulary, _ = Vocabulary.build(CORPUS, specials=("<S>", "</S>", "<unk>"))  # ids 0 and 1: the boundaries
    corpus = EncodedCorpus.write(CORPUS, vocabulary, str(tmp_path))
    never = StreamBatches(corpus, 3, 4, bos_id=0, eos_id=1)
    assert "forward_resets" not in never[0][0]  # states carry across every sentence
    always = StreamBatches(corpus, 3, 4, bos_id=0, eos_id=1, sentence_resets=1.0)
    half = StreamBatches(corpus, 3, 4, bos_id=0, eos_id=1, sentence_resets=0.5, seed=7)
    counts = {"forward_resets": [0, 0], "backward_resets": [0, 0]}
    for k in range(len(always)):
        (every,), (some,) = always[k], half[k]
        for key, ids, marker in (("forward_resets", "token_ids", 0), ("backward_resets", "backward_token_ids", 1)):
            starts = every[ids] - 1 == marker  # the token variant's ids: vocabulary id + 1; no word is a boundary
            np.testing.assert_array_equal(every[key], starts)  # every <S> forward, every </S> backward
            assert not (some[key] > starts).any()
            counts[key][0] += some[key].sum()
            counts[key][1] += starts.sum()
    for chosen, possible in counts.values():
        assert 0.3 * possible < chosen < 0.7 * possible
    again = StreamBatches(corpus, 3, 4, bos_id=0, eos_id=1, sentence_resets=0.5, seed=7)
    np.testing.assert_array_equal(again[2][0]["forward_resets"], half[2][0]["forward_resets"])  # seeded
    half.on_epoch_end()
    assert any((half[k][0]["forward_resets"] != again[k][0]["forward_resets"]).any() for k in range(len(half)))
    with pytest.raises(ValueError, match="sentence_resets"):
        StreamBatches(corpus, 3, 4, bos_id=0, eos_id=1, sentence_resets=1.5)


def test_too_small_a_corpus_for_the_stream_says_what_to_change(tmp_path):
    with pytest.raises(ValueError, match="smaller `batch_size` or `unroll_steps`"):
        _stream_batches(tmp_path, batch_size=64, unroll_steps=20)


def test_each_batch_starts_from_the_states_the_previous_one_ended_in(tmp_path):
    model = ELMo(unroll_steps=4, **TINY)
    model.build_vocab(CORPUS)
    lm = model.language_model
    assert lm.stream_batch_size == 4 and len(lm.stream_states) == 4 * model.network.num_layers
    batches = StreamBatches(EncodedCorpus.write(CORPUS, model.vocabulary, str(tmp_path)), 4, 4, 0, 1,
                            vocab_chars=model._vocab_chars)
    (first,), (second,) = batches[0], batches[1]
    for state in lm.stream_states:  # whatever was kept, the epoch's first batch starts from zeros
        state.assign(np.ones(state.shape, "float32"))
    loss_first = float(lm(first, training=False))
    zeros = [np.zeros(s.shape, "float32") for s in lm.stream_states]
    forward, backward, ends = lm.token_nll(dict(first, initial_states=zeros), return_states=True)
    for kept, end in zip(lm.stream_states, ends):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(kept), keras.ops.convert_to_numpy(end), atol=1e-6)
    expected = 0.5 * (lm._mean(forward, first, "forward") + lm._mean(backward, first, "backward"))
    assert loss_first == pytest.approx(float(expected), rel=1e-5)
    loss_second = float(lm(second, training=False))
    forward, backward = lm.token_nll(dict(second, initial_states=ends))
    expected = 0.5 * (lm._mean(forward, second, "forward") + lm._mean(backward, second, "backward"))
    assert loss_second == pytest.approx(float(expected), rel=1e-5)
    forward, backward = lm.token_nll(second)  # from zeros instead: another loss
    assert float(0.5 * (lm._mean(forward, second, "forward") + lm._mean(backward, second, "backward"))) != \
        pytest.approx(loss_second, rel=1e-4)


def test_stream_training_learns_keeps_its_setting_and_validates_on_the_stream(tmp_path):
    model = ELMo(CORPUS, epochs=2, unroll_steps=5, sentence_resets=0.5, validation_sentences=CORPUS[:8], **TINY)
    losses = model.history["loss"]
    assert losses[-1] < losses[0]
    assert model.history["val_perplexity"][-1] == pytest.approx(model.perplexity(CORPUS[:8], stream=True)["average"])
    path = str(tmp_path / "elmo")
    model.save(path)
    loaded = ELMo.load(path, progress=False)
    assert loaded.unroll_steps == 5 and loaded.sentence_resets == 0.5 and loaded.language_model.stream_batch_size == 4
    loaded.train(CORPUS, epochs=1)  # and trains on
    assert loaded.epochs_trained == 3
    loaded.unroll_steps = None  # back to batches of sentences: the next `train` builds a head without stream states
    assert loaded._training_head_outdated() and loaded._stream_rows() is None


def test_stream_perplexity_of_one_sentence_per_part_is_the_per_sentence_perplexity(monkeypatch):
    model = ELMo(**TINY)
    model.build_vocab(CORPUS)
    sentences = CORPUS[:6]
    per_sentence = model.perplexity(sentences)
    assert model.perplexity(sentences, stream=True, batch_size=6) == pytest.approx(per_sentence, rel=1e-5)
    carried = model.perplexity(sentences, stream=True, batch_size=2)
    assert carried["average"] != pytest.approx(per_sentence["average"], rel=1e-4)  # context across sentences
    monkeypatch.setattr(elmo_module, "_STREAM_WINDOW", 3)  # windows cut anywhere: the states carry exactly
    assert model.perplexity(sentences, stream=True, batch_size=2) == pytest.approx(carried, rel=1e-5)


def test_stream_training_settings_are_checked():
    with pytest.raises(ValueError, match="unroll_steps"):
        ELMo(unroll_steps=0, **TINY)
    with pytest.raises(ValueError, match="sentence_resets"):
        ELMo(unroll_steps=4, sentence_resets=-0.1, **TINY)
    lm = BiLMLanguageModel({"lstm": {"dim": 8, "projection_dim": 4, "n_layers": 1, "use_skip_connections": True},
                            "use_character_inputs": False, "n_tokens_vocab": 6}, vocabulary_size=6)
    stream = sentence_stream([np.array([3, 4, 5])], bos_id=0, eos_id=1)
    batch = dict(stream_batch([(stream, 0, 0)], 4, bos_id=0, eos_id=1), reset=np.ones(1, "float32"))
    with pytest.raises(ValueError, match="stream_batch_size"):
        lm(batch)
    with pytest.raises(ValueError, match="stream_batch_size"):
        BiLMLanguageModel(lm.network, vocabulary_size=6, stream_batch_size=0)


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow", reason="one device")
def test_stream_training_refuses_a_distribution():
    import tensorflow as tf

    model = ELMo(unroll_steps=4, distribution=tf.distribute.MirroredStrategy(["/cpu:0"]), **TINY)
    with pytest.raises(ValueError, match="one device"):
        model.build_vocab(CORPUS)
        model.train(CORPUS, epochs=1)


def test_cli_refuses_a_stream_window_of_no_tokens(tmp_path, capsys):
    from gensim_elmo.cli import main

    assert main(["train", "elmo", "--corpus", "ptb", "--output", str(tmp_path / "m"), "--unroll-steps", "0"]) != 0
    assert "--unroll-steps must be a positive number" in capsys.readouterr().err
