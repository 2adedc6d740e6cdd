"""Loading files from strangers without running their code.

Our own save formats (``NNLM.save``, ``ELMo.save``, the original ELMo hdf5 + options.json, word2vec
vector files) hold only JSON, HDF5 arrays, npz arrays (read with ``allow_pickle=False``) and text:
nothing in them can run code. Two common formats can:

- a **pickle** (gensim's own ``.model`` / ``KeyedVectors.save`` files): unpickling runs whatever
  the file says. ``refuse_pickle`` stops such loads unless the caller says the file is trusted.
- a **Keras** ``.keras`` **archive with a** ``Lambda`` **layer** (or any serialized Python lambda):
  deserializing it runs the function's bytecode. ``load_keras_model`` reads the archive's
  ``config.json`` first and refuses such archives before anything is deserialized, then loads the
  rest with ``safe_mode=True``.

Example:
>>> refuse_pickle("vectors.kv", allow_pickle=True)  # the caller vouches for the file: no error
>>> try:
...     refuse_pickle("vectors.kv", allow_pickle=False)
... except ValueError as exc:
...     print(str(exc).split(":")[0])
vectors.kv is in gensim's native format, which is a pickle
"""

import json
import os
import zipfile

__all__ = ["refuse_pickle", "unsafe_keras_objects", "load_keras_model"]

_SAFE_EXCHANGE = ("exchange vectors in word2vec format instead (`save_keyed_vectors(kv, path, "
                  "format='word2vec')`, or `gensim-elmo export ... --to word2vec`)")


def refuse_pickle(path, allow_pickle=False, what="gensim's native format"):
    """Raise ``ValueError`` before a pickle-based file is loaded, unless ``allow_pickle``.

    Args:
        path: the file about to be loaded (for the message).
        allow_pickle: bool, the caller trusts the file's source.
        what: the format's name, for the message.

    Example:
    >>> refuse_pickle("w2v.model", allow_pickle=True) is None
    True
    """
    if not allow_pickle:
        raise ValueError(f"{os.fspath(path)} is in {what}, which is a pickle: loading it runs code stored in "
                         f"the file. Pass allow_pickle=True (CLI: --allow-pickle) only for files you made or "
                         f"trust, or {_SAFE_EXCHANGE}.")


def unsafe_keras_objects(config):
    """Names of the objects in a Keras model config whose loading would run stored Python code.

    These are ``Lambda`` layers and serialized Python lambdas (``"__lambda__"``), at any depth.

    Args:
        config: the parsed ``config.json`` of a ``.keras`` archive (nested dicts and lists).

    Returns:
        list of str, e.g. ``["Lambda 'double'"]``; empty when the config is safe.

    Example:
    >>> unsafe_keras_objects({"class_name": "Sequential", "config": {"layers": [
    ...     {"class_name": "Lambda", "config": {"name": "double"}}]}})
    ["Lambda 'double'"]
    """
    found = []
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            class_name = item.get("class_name")
            if class_name in ("Lambda", "__lambda__"):
                name = item.get("config", {}).get("name") if isinstance(item.get("config"), dict) else None
                found.append(f"{class_name} {name!r}" if name else class_name)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(found)


def load_keras_model(path, custom_objects=None, compile=True):
    """``keras.saving.load_model`` for ``.keras`` files from anyone: no stored code ever runs.

    The archive's ``config.json`` is read as plain JSON first; an archive holding a ``Lambda``
    layer or a serialized Python lambda is refused before any object is built. The rest is loaded
    with ``safe_mode=True``. The ``keras_layers`` layers are registered, so models using them load
    without ``custom_objects``.

    Args:
        path: a ``.keras`` file.
        custom_objects: dict, more classes to deserialize (as in Keras).
        compile: bool, compile the model after loading (as in Keras). Defaults to True.

    Returns:
        keras.Model.

    Raises:
        FileNotFoundError: nothing at ``path``.
        ValueError: not a ``.keras`` archive, corrupt, or holding code.

    Example:
    >>> import keras, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
    >>> keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(path)
    >>> load_keras_model(path).output_shape
    (None, 1)
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no Keras model file at {path!r}.")
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json").decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path!r} is not a readable .keras archive (written by `model.save('x.keras')`): "
                         f"{exc}") from None
    unsafe = unsafe_keras_objects(config)
    if unsafe:
        raise ValueError(f"{path!r} holds Python code ({', '.join(unsafe)}): loading it would run that code, so it "
                         "was refused and nothing in it ran. Rebuild the model without Lambda layers (subclass "
                         "keras.layers.Layer and register it), or load it with keras.saving.load_model(..., "
                         "safe_mode=False) only if you trust its source.")
    import importlib

    import keras

    importlib.import_module("keras_layers")  # registers the library's layers for deserialization
    try:
        return keras.saving.load_model(path, custom_objects=custom_objects, compile=compile, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise ValueError(f"{path!r} could not be loaded: {exc}") from None
