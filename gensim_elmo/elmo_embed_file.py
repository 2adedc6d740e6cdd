"""Embed a corpus of any size with ELMo into one HDF5 file, in bounded memory, resumably.

``embed_file(model, corpus_file, output)`` reads the corpus (one sentence per line) as a stream,
embeds it ``chunk_sentences`` sentences at a time and appends each chunk to ``output``, so memory
holds one chunk whatever the corpus size. After each chunk the file is flushed and its sentence
count committed; if the run is interrupted (Ctrl-C, a crash, a kill between two writes), running
the same call again skips the sentences already written and continues. Since chunks always start
at the same sentences and stateless embedding does not depend on the rest of the batch, the
resumed file holds exactly what an uninterrupted run writes.

File layout (``format = "gensim-elmo-embeddings"``, ``version = 1``):

- ``vectors``: float32, (total_tokens, layers, dim) with ``layer="all"``, else (total_tokens, dim);
- ``tokens``: UTF-8 strings, (total_tokens,);
- ``offsets``: int64, (sentences + 1,): sentence ``i`` is rows ``offsets[i]:offsets[i + 1]``;
- attributes: ``layer``, ``chunk_sentences``, ``model_fingerprint`` (a hash of the options and
  weights), ``source``, ``tokenizer`` (its name, ``gensim_elmo.tokenizers.tokenizer_name``; a file
  without it was tokenized on whitespace) and ``complete`` (True once the whole corpus is in).

Example:
>>> import h5py, os, tempfile
>>> from gensim_elmo.elmo import ELMo
>>> directory = tempfile.mkdtemp()
>>> corpus = os.path.join(directory, "corpus.txt")
>>> _ = open(corpus, "w").write("the cat sat\\nit purred\\n")
>>> embed_file(ELMo(preset="tiny", progress=False), corpus, os.path.join(directory, "v.hdf5"), progress=False)
2
>>> with h5py.File(os.path.join(directory, "v.hdf5")) as f:
...     f["vectors"].shape, f["offsets"][:].tolist()
((5, 3, 32), [0, 3, 5])
"""

import hashlib
import itertools
import json
import os

import numpy as np

FORMAT = "gensim-elmo-embeddings"
VERSION = 1

__all__ = ["embed_file", "read_sentence", "FORMAT", "VERSION"]


def model_fingerprint(model):
    """A hash of the model's options and weights: a file is only resumed with the model that began it."""
    digest = hashlib.sha1(json.dumps(model.options, sort_keys=True).encode())
    for weight in model.network.get_weights():
        digest.update(np.ascontiguousarray(weight).tobytes())
    return digest.hexdigest()


def _select(vectors, layer):
    if layer == "all":
        return np.moveaxis(vectors, 0, 1)  # (tokens, layers, dim): sentences concatenate along the first axis
    if layer == "mix":
        return vectors.mean(axis=0)
    return vectors[layer]


def _check_layer(layer, num_layers):
    if layer in ("all", "mix"):
        return layer
    try:
        index = int(layer)
    except (TypeError, ValueError):
        index = -1
    if not 0 <= index <= num_layers:
        raise ValueError(f"`layer` must be 'all', 'mix' or an int in [0, {num_layers}], got {layer!r}.")
    return index


def _create(handle, layer, num_layers, dim, chunk_sentences, fingerprint, source, tokenizer="whitespace"):
    import h5py

    shape = (num_layers + 1, dim) if layer == "all" else (dim,)
    handle.create_dataset("vectors", shape=(0,) + shape, maxshape=(None,) + shape, dtype="float32",
                          chunks=(256,) + shape)
    handle.create_dataset("tokens", shape=(0,), maxshape=(None,), dtype=h5py.string_dtype(), chunks=(4096,))
    handle.create_dataset("offsets", data=np.zeros(1, dtype=np.int64), maxshape=(None,), chunks=(4096,))
    handle.attrs.update(format=FORMAT, version=VERSION, layer=str(layer), chunk_sentences=chunk_sentences,
                        model_fingerprint=fingerprint, source=source, tokenizer=tokenizer, complete=False)


def _check_resumable(handle, output, layer, chunk_sentences, fingerprint, tokenizer="whitespace"):
    attrs = handle.attrs
    if attrs.get("format") != FORMAT:
        raise ValueError(f"{output} exists and is not a gensim-elmo embeddings file; choose another output path.")
    wanted = {"layer": str(layer), "chunk_sentences": chunk_sentences, "model_fingerprint": fingerprint,
              "tokenizer": tokenizer}
    for key, value in wanted.items():
        if attrs.get(key, "whitespace" if key == "tokenizer" else None) != value:
            raise ValueError(f"{output} was begun with {key}={attrs.get(key)!r}, this call has {value!r}: it cannot "
                             "be resumed with other settings or another model. Delete it or choose another output.")


def _append(handle, sentences, vectors):
    offsets = handle["offsets"]
    start = int(offsets[-1])
    count = sum(len(s) for s in sentences)
    for name, rows in (("vectors", np.concatenate(vectors, axis=0)),
                       ("tokens", np.array([t for s in sentences for t in s], dtype=object))):
        handle[name].resize(start + count, axis=0)
        handle[name][start:] = rows
    ends = start + np.cumsum([len(s) for s in sentences])
    offsets.resize(len(offsets) + len(sentences), axis=0)
    offsets[-len(sentences):] = ends  # the commit point: the sentence count is len(offsets) - 1
    handle.flush()


def embed_file(model, corpus_file, output, layer="all", batch_size=64, chunk_sentences=1024, progress=True,
               tokenizer=None):
    """Embed every line of ``corpus_file`` into the HDF5 file ``output``, resuming a file left unfinished.

    Args:
        model: a ``gensim_elmo.ELMo``.
        corpus_file: str, a text file, one sentence of whitespace-separated tokens per line
            (``.gz``/``.bz2`` too; blank lines are skipped).
        output: str, the HDF5 file to write (or to resume).
        layer: "all" (every layer), "mix" (the mean of the layers) or a layer index. Defaults to "all".
        batch_size: int, sentences per forward pass. Defaults to 64.
        chunk_sentences: int, sentences embedded and committed together. Defaults to 1024.
        progress: bool, a tqdm bar in tokens/s. Defaults to True.
        tokenizer: how a line becomes tokens: "whitespace", "jieba", "chars" or a callable (see
            ``gensim_elmo.tokenizers``); a file is resumed only with the tokenizer (by name) that
            began it. Defaults to None ("whitespace").

    Returns:
        int, the number of sentences in ``output``.

    Raises:
        ValueError: ``output`` exists but was begun with another model, layer, chunk size or
            tokenizer, or is not an embeddings file.
    """
    import h5py
    from tqdm.auto import tqdm

    from gensim_elmo.corpus import LineSentences
    from gensim_elmo.tokenizers import tokenizer_name

    layer = _check_layer(layer, model.network.num_layers)
    if not isinstance(chunk_sentences, int) or chunk_sentences < 1:
        raise ValueError(f"`chunk_sentences` must be a positive int, got {chunk_sentences!r}.")
    sentences = LineSentences(corpus_file, tokenizer=tokenizer)  # checks the file exists, streams it
    tokenizer = tokenizer_name(tokenizer)
    fingerprint = model_fingerprint(model)
    exists = os.path.exists(output)
    try:
        handle = h5py.File(output, "a" if exists else "w")
    except OSError as exc:
        raise ValueError(f"{output} exists and is not a readable HDF5 file ({exc}); delete it or choose another "
                         "output path.") from exc
    with handle:
        if exists:
            _check_resumable(handle, output, layer, chunk_sentences, fingerprint, tokenizer)
            done = len(handle["offsets"]) - 1
            end = int(handle["offsets"][-1])
            for name in ("vectors", "tokens"):  # drop rows written after the last commit
                handle[name].resize(end, axis=0)
            if handle.attrs["complete"]:
                return done
        else:
            _create(handle, layer, model.network.num_layers, 2 * model.projection_dim, chunk_sentences, fingerprint,
                    os.path.abspath(corpus_file), tokenizer)
            done = 0
        stream = itertools.islice(iter(sentences), done, None)
        bar = tqdm(desc="ELMo embed", unit=" tokens", unit_scale=True, disable=not progress)
        if done:
            bar.set_postfix(resumed_at_sentence=done)
        while True:
            chunk = list(itertools.islice(stream, chunk_sentences))
            if not chunk:
                break
            vectors = [_select(v, layer) for v in model.embed_sentences(chunk, batch_size=batch_size)]
            _append(handle, chunk, vectors)
            done += len(chunk)
            bar.update(sum(map(len, chunk)))
        bar.close()
        handle.attrs["complete"] = True
        handle.flush()
    return done


def read_sentence(path, index):
    """The tokens and vectors of sentence ``index`` of an ``embed_file`` output.

    Example:
    >>> import os, tempfile
    >>> from gensim_elmo.elmo import ELMo
    >>> directory = tempfile.mkdtemp()
    >>> corpus, output = os.path.join(directory, "corpus.txt"), os.path.join(directory, "v.hdf5")
    >>> _ = open(corpus, "w").write("the cat sat\\nit purred\\n")
    >>> embed_file(ELMo(preset="tiny", progress=False), corpus, output, progress=False)
    2
    >>> tokens, vectors = read_sentence(output, 1)
    >>> tokens, vectors.shape
    (['it', 'purred'], (2, 3, 32))
    """
    import h5py

    with h5py.File(path, "r") as handle:
        start, end = handle["offsets"][index], handle["offsets"][index + 1]
        tokens = [t.decode("utf-8") if isinstance(t, bytes) else t for t in handle["tokens"][start:end]]
        return tokens, handle["vectors"][start:end]
