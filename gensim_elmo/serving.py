"""Serving export: TensorFlow SavedModel (strings in) and ONNX (ids in) for ELMo, word vectors and NNLM.

The exported artefacts run without this package: a SavedModel needs TensorFlow only
(``loaded = tf.saved_model.load(path)``, then ``loaded.serve(tokens)``), an ONNX file needs onnxruntime only
(``onnxruntime.InferenceSession(path).run(None, {name: ids})``).

- ``tf_saved_model_*`` builders and ``export_tf_saved_model``: strings in. ELMo takes tokens
  ``(batch, time)`` padded with ``""``; word vectors (any model's ``.wv``) take tokens
  ``(batch, time)`` padded with ``""``; the NNLM sentence model takes sentences ``(batch,)``
  (split on whitespace). These use TensorFlow's string ops, so they need the TensorFlow backend
  (``KERAS_BACKEND=tensorflow``) and are named so.
- ``onnx_*`` builders and ``export_onnx``: ids in (``KeyedVectorsEmbedding`` layout: 0 padding,
  1 unknown word, ``i + 2`` the word ``index_to_key[i]``); the caller maps tokens to ids (for
  example with ``keras_layers.token_indices``). Word vectors and the NNLM sentence vector export;
  ELMo does not (see ``export_onnx``). Needs ``pip install gensim-elmo[onnx]`` (tf2onnx, onnx;
  onnxruntime to serve) on the TensorFlow backend.

Every export writes atomically: into a temporary path beside the target, then one rename.

Example:
>>> import os, tempfile
>>> import numpy as np
>>> from gensim_elmo.export import keyed_vectors_from_matrix
>>> kv = keyed_vectors_from_matrix(["cat", "dog"], np.array([[1.0, 2.0], [3.0, 4.0]]))
>>> path = export_tf_saved_model(tf_saved_model_keyed_vectors(kv), os.path.join(tempfile.mkdtemp(), "wv"))
>>> import tensorflow as tf
>>> loaded = tf.saved_model.load(path)  # keep it referenced: it owns the variables
>>> loaded.serve(tf.constant([["dog", ""]])).numpy().tolist()
[[[3.0, 4.0], [0.0, 0.0]]]
"""

import os

import keras

from gensim_elmo.atomic_files import atomic_path

__all__ = [
    "tf_saved_model_elmo",
    "tf_saved_model_keyed_vectors",
    "tf_saved_model_nnlm_sentences",
    "onnx_keyed_vectors",
    "onnx_nnlm_sentences",
    "export_tf_saved_model",
    "export_onnx",
    "export_model",
    "ONNX_UNSUPPORTED",
]

#: Why ELMo has no ONNX export (the message of the error ``export_model`` raises).
ONNX_UNSUPPORTED = (
    "ELMo has no ONNX export: its biLSTM runs as a TensorFlow while-loop scan over time "
    "(keras.ops.scan) and the string-to-character step uses TensorFlow string ops; tf2onnx does not "
    "convert this model into a graph onnxruntime runs. Export a TensorFlow SavedModel instead "
    "(format='saved_model'), which TensorFlow serves without this package."
)


def _require_tensorflow(what):
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"{what} needs the TensorFlow backend (set KERAS_BACKEND=tensorflow before importing keras); "
            f"the current backend is {backend!r}."
        )


def _keyed_vectors(model):
    """The KeyedVectors of a model (``.wv``) or the object itself."""
    if hasattr(model, "vectors") and hasattr(model, "index_to_key"):
        return model
    wv = getattr(model, "wv", None)
    if wv is not None and hasattr(wv, "vectors") and hasattr(wv, "index_to_key"):
        return wv
    raise TypeError(
        "Expected gensim KeyedVectors (an object with .vectors and .index_to_key) or a model with such a .wv. "
        f"Received: {type(model).__name__}"
    )


def _called(model, example, dtype):
    """Run ``model`` once: Keras's exporter reads the input signature of a model that has been called."""
    import numpy as np

    model(np.array(example) if dtype == "string" else np.array(example, dtype=dtype))
    return model


def tf_saved_model_elmo(elmo, output="elmo"):
    """A Keras model for serving ELMo: token strings ``(batch, time)`` padded with ``""`` in.

    Args:
        elmo: a ``gensim_elmo.ELMo`` model, a ``keras_layers.ELMoNetwork`` or the path of a
            directory saved by ``ELMo.save``.
        output: str, as ``keras_layers.ELMoEmbedding``'s ``output``: "elmo", "default",
            "word_emb", "lstm_outputs1", ... Defaults to "elmo".

    Returns:
        keras.Model, strings ``(batch, time)`` to floats ``(batch, time, dim)`` (``(batch, dim)``
        for "default").

    Raises:
        RuntimeError: the Keras backend is not TensorFlow.

    Example:
    >>> from gensim_elmo import ELMo
    >>> model = tf_saved_model_elmo(ELMo(preset="tiny", progress=False), output="default")
    >>> tuple(model.output.shape)[:1]
    (None,)
    """
    _require_tensorflow("tf_saved_model_elmo (string inputs)")
    from keras_layers.elmo_embedding import ELMoEmbedding

    inputs = keras.Input(shape=(None,), dtype="string", name="tokens")
    vectors = ELMoEmbedding(elmo, output=output, name="elmo_embedding")(inputs)
    return _called(keras.Model(inputs, vectors, name="elmo_serving"), [["a"]], "string")


def tf_saved_model_keyed_vectors(keyed_vectors):
    """A Keras model for serving word vectors: token strings ``(batch, time)`` padded with ``""`` in.

    Unknown words and padding give zero vectors (``keras_layers.string_embedding_model``).

    Args:
        keyed_vectors: gensim ``KeyedVectors`` or any model with ``.wv``.

    Returns:
        keras.Model, strings ``(batch, time)`` to floats ``(batch, time, dim)``.

    Raises:
        RuntimeError: the Keras backend is not TensorFlow.
    """
    _require_tensorflow("tf_saved_model_keyed_vectors (string inputs)")
    from keras_layers.token_lookup import string_embedding_model

    model = string_embedding_model(_keyed_vectors(keyed_vectors), mask_zero=False, name="word_vectors_serving")
    return _called(model, [["a"]], "string")


def tf_saved_model_nnlm_sentences(keyed_vectors):
    """A Keras model for serving NNLM sentence vectors: sentences ``(batch,)`` as strings in.

    Each sentence is split on whitespace and its word vectors combined by ``sum / sqrt(n)``
    (``keras_layers.sentence_embedding_model``, as TF-Hub's NNLM modules).

    Args:
        keyed_vectors: gensim ``KeyedVectors`` or a model with ``.wv`` (a ``gensim_elmo.NNLM``).

    Returns:
        keras.Model, strings ``(batch,)`` to floats ``(batch, dim)``.

    Raises:
        RuntimeError: the Keras backend is not TensorFlow.
    """
    _require_tensorflow("tf_saved_model_nnlm_sentences (string inputs)")
    from keras_layers.nnlm_sentence_embedding import sentence_embedding_model

    model = sentence_embedding_model(_keyed_vectors(keyed_vectors), name="nnlm_sentences_serving")
    return _called(model, ["a"], "string")


def onnx_keyed_vectors(keyed_vectors):
    """A Keras model for ONNX: token ids ``(batch, time)`` in, word vectors out.

    Ids as ``keras_layers.token_indices`` gives them: 0 padding, 1 unknown word, ``i + 2`` the
    word ``index_to_key[i]``; padding and unknown words give zero vectors.

    Args:
        keyed_vectors: gensim ``KeyedVectors`` or any model with ``.wv``.

    Returns:
        keras.Model, int32 ``(batch, time)`` to floats ``(batch, time, dim)``.
    """
    from keras_layers.keyed_vectors_embedding import KeyedVectorsEmbedding

    inputs = keras.Input(shape=(None,), dtype="int32", name="ids")
    vectors = KeyedVectorsEmbedding(_keyed_vectors(keyed_vectors), mask_zero=False, name="embedding")(inputs)
    return _called(keras.Model(inputs, vectors, name="word_vectors_ids"), [[0]], "int32")


def onnx_nnlm_sentences(keyed_vectors):
    """A Keras model for ONNX: token ids ``(batch, time)`` in, one NNLM sentence vector per row out.

    Args:
        keyed_vectors: gensim ``KeyedVectors`` or a model with ``.wv``; ids as in
            ``onnx_keyed_vectors`` (0 padding).

    Returns:
        keras.Model, int32 ``(batch, time)`` to floats ``(batch, dim)``.
    """
    from keras_layers.nnlm_sentence_embedding import NNLMSentenceEmbedding

    inputs = keras.Input(shape=(None,), dtype="int32", name="ids")
    vectors = NNLMSentenceEmbedding(_keyed_vectors(keyed_vectors), name="nnlm_sentence_embedding")(inputs)
    return _called(keras.Model(inputs, vectors, name="nnlm_sentences_ids"), [[0]], "int32")


def export_tf_saved_model(model, path):
    """Write ``model`` as a TensorFlow SavedModel directory at ``path``, atomically.

    Served by TensorFlow alone: ``loaded = tf.saved_model.load(path)``, then ``loaded.serve(inputs)`` or
    ``.signatures["serving_default"]``.

    Args:
        model: a Keras model (from the ``tf_saved_model_*`` builders, or any).
        path: str or os.PathLike, the directory to write (replaced when it exists).

    Returns:
        str, the absolute path written.

    Raises:
        RuntimeError: the Keras backend is not TensorFlow.
    """
    _require_tensorflow("export_tf_saved_model")
    path = os.path.abspath(os.fspath(path))
    with atomic_path(path, directory=True) as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False)
    return path


def export_onnx(model, path, opset_version=None):
    """Write ``model`` as an ONNX file at ``path``, atomically.

    Works for the ids-in models (``onnx_keyed_vectors``, ``onnx_nnlm_sentences``); ELMo does not
    convert (``ONNX_UNSUPPORTED``). Needs tf2onnx and onnx (``pip install gensim-elmo[onnx]``) and
    the TensorFlow backend.

    Args:
        model: a Keras model with int inputs.
        path: str or os.PathLike, the file to write.
        opset_version: int or None, the ONNX opset (None: tf2onnx's default).

    Returns:
        str, the absolute path written.

    Raises:
        RuntimeError: the Keras backend is not TensorFlow.
        ImportError: tf2onnx or onnx is not installed.
    """
    _require_tensorflow("export_onnx")
    for package in ("tf2onnx", "onnx"):
        try:
            __import__(package)
        except ImportError as error:
            raise ImportError(
                f"ONNX export needs the {package!r} package: pip install 'gensim-elmo[onnx]' "
                "(tf2onnx, onnx and onnxruntime)."
            ) from error
    path = os.path.abspath(os.fspath(path))
    with atomic_path(path) as tmp:
        model.export(tmp, format="onnx", verbose=False, opset_version=opset_version)
        # tf2onnx logs the ops it cannot convert and still writes a file; refuse such a file.
        import onnx

        try:
            onnx.checker.check_model(onnx.load(tmp), full_check=True)
        except Exception as error:
            raise ValueError(
                f"The ONNX conversion of {model.name!r} is not a valid ONNX model (an op tf2onnx cannot convert?): "
                f"{error}"
            ) from error
    return path


def export_model(model, path, format="saved_model", output="elmo", sentences=False):
    """Export a model for serving: the ``gensim-elmo export --to saved_model|onnx`` entry point.

    Args:
        model: a ``gensim_elmo.ELMo`` model, any model with ``.wv`` (Word2Vec, NNLM) or
            KeyedVectors.
        path: where to write (a directory for "saved_model", a file for "onnx").
        format: "saved_model" (strings in, TensorFlow) or "onnx" (ids in). Defaults to
            "saved_model".
        output: str, ELMo's output ("elmo", "default", "word_emb", "lstm_outputs1", ...);
            ELMo only. Defaults to "elmo".
        sentences: bool, export sentence vectors (NNLM's ``sum / sqrt(n)``) rather than word
            vectors; not for ELMo (use ``output="default"``). Defaults to False.

    Returns:
        str, the absolute path written.

    Raises:
        ValueError: unknown format, or ELMo to ONNX (see ``ONNX_UNSUPPORTED``).
    """
    from gensim_elmo.elmo import ELMo

    if format not in ("saved_model", "onnx"):
        raise ValueError(f"`format` must be 'saved_model' or 'onnx'. Received: format={format!r}")
    if isinstance(model, ELMo):
        if format == "onnx":
            raise ValueError(ONNX_UNSUPPORTED)
        if sentences:
            raise ValueError("For ELMo sentence vectors use output='default', not sentences=True.")
        return export_tf_saved_model(tf_saved_model_elmo(model, output=output), path)
    if format == "onnx":
        builder = onnx_nnlm_sentences if sentences else onnx_keyed_vectors
        return export_onnx(builder(model), path)
    builder = tf_saved_model_nnlm_sentences if sentences else tf_saved_model_keyed_vectors
    return export_tf_saved_model(builder(model), path)
