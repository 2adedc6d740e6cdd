"""The directory save format shared by NNLM and ELMo: reading and checking ``config.json``.

A saved model is a directory holding ``config.json`` (``model_type``, ``format_version``, the
configuration and training state) beside its weights and vocabulary files. No pickle anywhere.
"""

import json
import os

__all__ = ["read_saved_config", "write_saved_config", "check_vocabulary_size", "load_keras_weights"]


def write_saved_config(directory, payload):
    """Write ``payload`` as ``directory/config.json``.

    Example:
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> write_saved_config(d, {"model_type": "x", "format_version": 1})
    >>> read_saved_config(d, "x", 1, "X", "config.json")["format_version"]
    1
    """
    with open(os.path.join(directory, "config.json"), "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)


def read_saved_config(path, model_type, format_version, name, expected_files):
    """Read ``path/config.json`` and check it belongs to ``model_type`` at ``format_version``.

    Args:
        path: the saved model's directory.
        model_type: str expected in the file's "model_type".
        format_version: int expected in "format_version".
        name: the class name, for messages ("NNLM").
        expected_files: a phrase listing the directory's files, for messages.

    Returns:
        The parsed dict.

    Raises:
        FileNotFoundError: nothing at ``path``.
        ValueError: not a directory with config.json, corrupt JSON, another model type or version.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no saved model at {path!r}.")
    config_path = os.path.join(path, "config.json")
    if not os.path.isdir(path) or not os.path.exists(config_path):
        raise ValueError(f"{path!r} is not a saved {name}: expected a directory with {expected_files} "
                         f"(written by {name}.save).")
    try:
        with open(config_path, encoding="utf-8") as handle:
            saved = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{config_path} is corrupt: {exc}") from None
    if not isinstance(saved, dict) or saved.get("model_type") != model_type:
        found = saved.get("model_type") if isinstance(saved, dict) else type(saved).__name__
        raise ValueError(f"{path!r} holds a {found!r} save, not an {name}; load it with its own class.")
    if saved.get("format_version") != format_version:
        raise ValueError(f"{path!r} has format version {saved.get('format_version')!r}; this version of "
                         f"gensim_elmo reads version {format_version}.")
    return saved


def check_vocabulary_size(vocabulary, state):
    """Raise ``ValueError`` when vocab.tsv and config.json disagree on the vocabulary size."""
    if len(vocabulary) != state.get("vocabulary_size"):
        raise ValueError(f"vocab.tsv holds {len(vocabulary)} words but config.json says "
                         f"{state.get('vocabulary_size')}: the save is inconsistent.")


def load_keras_weights(layer, weights_path):
    """``layer.load_weights(weights_path)``, any failure reported as one clear ``ValueError``."""
    try:
        layer.load_weights(weights_path)
    except Exception as exc:  # keras/h5py raise many types for truncated or mismatched files
        raise ValueError(f"{weights_path} could not be loaded (corrupt, truncated or from another "
                         f"configuration): {exc}") from None
