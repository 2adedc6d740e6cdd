"""Streaming ELMo embeddings to HDF5: layout, reloading, resuming after an interruption, refusals."""

import h5py
import numpy as np
import pytest

from gensim_elmo.elmo import ELMo
from gensim_elmo.elmo_embed_file import embed_file, read_sentence

SENTENCES = [f"w{i % 5} the cat number {i} sat".split()[: 2 + i % 5] for i in range(23)]


@pytest.fixture(scope="module")
def model():
    return ELMo(preset="tiny", progress=False, seed=3)


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("".join(" ".join(s) + "\n" * (1 + (i == 4)) for i, s in enumerate(SENTENCES)), encoding="utf-8")
    return str(path)


def _contents(path):
    with h5py.File(path, "r") as f:
        return {name: f[name][...] for name in ("vectors", "tokens", "offsets")}, dict(f.attrs)


@pytest.mark.parametrize("layer", ["all", "mix", 2])
def test_output_reloads_as_the_vectors_of_embed_sentences(model, corpus, tmp_path, layer):
    out = str(tmp_path / "v.hdf5")
    assert embed_file(model, corpus, out, layer=layer, batch_size=4, chunk_sentences=5, progress=False) == 23
    expected = model.embed_sentences(SENTENCES)
    for i in (0, 7, 22):
        tokens, vectors = read_sentence(out, i)
        assert tokens == SENTENCES[i]
        want = {"all": np.moveaxis(expected[i], 0, 1), "mix": expected[i].mean(axis=0), 2: expected[i][2]}[layer]
        np.testing.assert_allclose(vectors, want, atol=1e-5)
    data, attrs = _contents(out)
    assert attrs["complete"] and attrs["layer"] == str(layer)
    assert data["offsets"][-1] == len(data["tokens"]) == len(data["vectors"]) == sum(map(len, SENTENCES))


def test_an_interrupted_run_resumed_writes_the_same_file(model, corpus, tmp_path, monkeypatch):
    reference = str(tmp_path / "reference.hdf5")
    embed_file(model, corpus, reference, batch_size=4, chunk_sentences=5, progress=False)

    out = str(tmp_path / "interrupted.hdf5")
    real, calls = model.embed_sentences, []

    def interrupted(sentences, **kwargs):
        calls.append(len(sentences))
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C during the third chunk
        return real(sentences, **kwargs)

    monkeypatch.setattr(model, "embed_sentences", interrupted)
    with pytest.raises(KeyboardInterrupt):
        embed_file(model, corpus, out, batch_size=4, chunk_sentences=5, progress=False)
    monkeypatch.setattr(model, "embed_sentences", real)
    partial, attrs = _contents(out)
    assert len(partial["offsets"]) - 1 == 10 and not attrs["complete"]
    with h5py.File(out, "a") as f:  # rows written after the last commit, as a kill mid-chunk leaves them
        f["vectors"].resize(len(f["vectors"]) + 3, axis=0)
    assert embed_file(model, corpus, out, batch_size=4, chunk_sentences=5, progress=False) == 23
    resumed, attrs = _contents(out)
    assert attrs["complete"]
    for name in ("vectors", "tokens", "offsets"):
        np.testing.assert_array_equal(resumed[name], _contents(reference)[0][name])
    assert embed_file(model, corpus, out, batch_size=4, chunk_sentences=5, progress=False) == 23  # nothing to do


def test_resuming_with_other_settings_or_a_foreign_file_is_refused(model, corpus, tmp_path):
    out = str(tmp_path / "v.hdf5")
    embed_file(model, corpus, out, layer="mix", chunk_sentences=5, progress=False)
    with pytest.raises(ValueError, match="begun with layer='mix'"):
        embed_file(model, corpus, out, layer="all", chunk_sentences=5, progress=False)
    with pytest.raises(ValueError, match="model_fingerprint"):
        embed_file(ELMo(preset="tiny", progress=False, seed=4), corpus, out, layer="mix", chunk_sentences=5,
                   progress=False)
    foreign = tmp_path / "foreign.hdf5"
    foreign.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match="not a readable HDF5 file"):
        embed_file(model, corpus, str(foreign), progress=False)
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = 1
    with pytest.raises(ValueError, match="not a gensim-elmo embeddings file"):
        embed_file(model, corpus, str(tmp_path / "other.h5"), progress=False)
    with pytest.raises(ValueError, match="`layer` must be"):
        embed_file(model, corpus, str(tmp_path / "x.h5"), layer=7, progress=False)
