"""The checkpoint directory format shared by every model: ``state.npz`` + ``progress.json``.

``state.npz`` holds the arrays (read with ``allow_pickle=False``); ``progress.json`` the position,
history and a fingerprint of what wrote it. A directory is written atomically (a new one replaces
the old in one rename). No Keras here, so Word2Vec checkpoints do not import it.

Example:
>>> import numpy as np, tempfile
>>> d = tempfile.mkdtemp()
>>> write_checkpoint(d, {"w": np.ones(2)}, {"epochs_done": 1, "fingerprint": {"seed": 1}})
>>> progress = read_progress(d)
>>> progress["epochs_done"], read_state(d)["w"].tolist()
(1, [1.0, 1.0])
>>> check_fingerprint(d, progress, {"seed": 1})
"""

import json
import os

import numpy as np

from gensim_elmo.atomic_files import atomic_path

__all__ = ["FORMAT_VERSION", "write_checkpoint", "read_progress", "read_state", "check_fingerprint"]

FORMAT_VERSION = 1
_PROGRESS = "progress.json"
_STATE = "state.npz"


def write_checkpoint(directory, arrays, progress):
    """Write ``arrays`` and ``progress`` (plus the format version) to ``directory``, atomically."""
    progress = dict(progress, format_version=FORMAT_VERSION)
    with atomic_path(directory, directory=True) as tmp:
        with open(os.path.join(tmp, _STATE), "wb") as handle:
            np.savez(handle, **arrays)
        with open(os.path.join(tmp, _PROGRESS), "w", encoding="utf-8") as handle:
            json.dump(progress, handle, indent=1)


def read_progress(directory):
    """The parsed ``progress.json`` of the checkpoint in ``directory``, or None when there is none.

    Raises:
        ValueError: the file exists but is corrupt.
    """
    path = os.path.join(os.fspath(directory), _PROGRESS)
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            progress = json.load(handle)
        if not isinstance(progress, dict) or progress.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unknown format {progress.get('format_version') if isinstance(progress, dict) else None}")
        return progress
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable gensim_elmo checkpoint ({exc}); remove the directory to "
                         "start training from scratch.") from None


def read_state(directory):
    """The arrays of the checkpoint in ``directory`` as a dict.

    Raises:
        ValueError: missing, corrupt or truncated.
    """
    path = os.path.join(os.fspath(directory), _STATE)
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{path} could not be read (corrupt or truncated): {exc}; remove the directory to start "
                         "training from scratch.") from None


def check_fingerprint(directory, progress, fingerprint, written_by="by another configuration or corpus"):
    """Raise ``ValueError`` naming the differing keys when the checkpoint's fingerprint is not ``fingerprint``."""
    saved = progress.get("fingerprint") or {}
    if saved == fingerprint:
        return
    differences = sorted(key for key in set(fingerprint) | set(saved) if saved.get(key) != fingerprint.get(key))
    raise ValueError(f"the checkpoint in {os.fspath(directory)} was written {written_by} (differs in: "
                     f"{', '.join(differences)}); use another checkpoint_dir, or remove it to start from scratch.")
