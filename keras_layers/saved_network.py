"""The files of a saved model directory (written by ``gensim_elmo``'s ``save``), defined once.

``gensim_elmo.NNLM.save`` and ``gensim_elmo.ELMo.save`` write a directory holding ``config.json``
(a JSON object; for ELMo its ``"options"`` is the original options.json dict) and
``model.weights.h5`` (the network's Keras weights), beside their vocabulary and softmax files.
An ELMo whose character CNN reads one id per Unicode character also holds ``characters.json``,
its character vocabulary (``keras_layers.char_vocabulary``); without that file (every save of
the original UTF-8 byte ids, and those written before the file existed) the ids are bytes.
ELMo directories saved before this layout name the weights ``network.weights.h5``; they still load.
``keras_layers.ELMoEmbedding(path)`` reads such a directory with Keras and json only.

Example:
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> open(os.path.join(folder, "network.weights.h5"), "w").close()
>>> os.path.basename(weights_file_in(folder))
'network.weights.h5'
"""

import json
import os

from keras_layers.char_vocabulary import ByteCharacters, CharacterVocabulary

__all__ = ["CONFIG_FILE", "WEIGHTS_FILE", "LEGACY_WEIGHTS_FILES", "CHARACTERS_FILE", "weights_file_in",
           "read_config_file", "read_char_vocabulary"]

#: A saved model's configuration: a JSON object.
CONFIG_FILE = "config.json"
#: A saved model's network weights (``keras.Model.save_weights``).
WEIGHTS_FILE = "model.weights.h5"
#: Names the weights had in earlier saves (ELMo before the two models shared one layout).
LEGACY_WEIGHTS_FILES = ("network.weights.h5",)
#: An ELMo's character vocabulary when it is not the original UTF-8 bytes (``CharacterVocabulary.save``).
CHARACTERS_FILE = "characters.json"


def weights_file_in(folder):
    """The weights file of the saved directory ``folder``: ``WEIGHTS_FILE``, or an earlier name when
    only that exists (``WEIGHTS_FILE``'s path when neither does)."""
    for name in (WEIGHTS_FILE,) + LEGACY_WEIGHTS_FILES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return os.path.join(folder, WEIGHTS_FILE)


def read_config_file(folder):
    """The parsed ``CONFIG_FILE`` of ``folder``.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: it is not a JSON object.
    """
    path = os.path.join(os.fspath(folder), CONFIG_FILE)
    with open(path, encoding="utf-8") as handle:
        try:
            config = json.load(handle)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{path!r} is not valid JSON ({error}).") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path!r} must hold a JSON object, not {type(config).__name__}.")
    return config


def read_char_vocabulary(folder):
    """The character vocabulary of the saved directory ``folder``: its ``CHARACTERS_FILE``, or the
    original UTF-8 byte ids when it has none.

    Raises:
        ValueError: the file is not a character vocabulary.

    Example:
    >>> import tempfile
    >>> read_char_vocabulary(tempfile.mkdtemp())
    ByteCharacters()
    """
    path = os.path.join(os.fspath(folder), CHARACTERS_FILE)
    if not os.path.isfile(path):
        return ByteCharacters()
    return CharacterVocabulary.load(path)
