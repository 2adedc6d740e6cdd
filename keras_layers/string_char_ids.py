"""The ``StringCharIds`` layer: token strings to ELMo character ids inside a model (TensorFlow)."""

import keras

from keras_layers.char_ids import BOS_TOKEN, EOS_TOKEN, MAX_CHARACTERS_PER_TOKEN
from keras_layers.char_vocabulary import get_char_vocabulary

_MAX_TOKEN_CHARACTERS = MAX_CHARACTERS_PER_TOKEN - 2


@keras.saving.register_keras_serializable(package="keras_layers")
class StringCharIds(keras.layers.Layer):
    """Maps string tokens to ELMo character ids of a character vocabulary; needs TensorFlow's string ops.

    A string tensor of tokens (any shape, typically ``(batch, time)``, padded with ``""``)
    becomes int32 ids of shape ``(..., 50)``, identical to
    ``char_vocabulary.batch_ids(..., add_boundaries=False)`` (for the default UTF-8 bytes,
    ``keras_layers.char_ids.batch_char_ids``): each token is ``[BOW, characters (at most 48)...,
    EOW, PAD...]`` in the vocabulary's ids (bytes, or one id per Unicode character with unknown
    characters at the unknown id), ``<S>``/``</S>`` are the sentence markers, and the empty string
    gives 50 zeros (a padding token). Strings must be valid utf-8 (TensorFlow strings are bytes;
    the Python helpers drop or replace what utf-8 cannot hold, so they agree on valid text).

    This is the one string edge of the ELMo stack: it imports TensorFlow lazily and runs on the
    TensorFlow backend (or in a ``tf.data`` pipeline). Every other layer takes the numeric ids.
    The layer has no weights and produces no mask (use ``token_ids != 0`` downstream).

    Args:
        char_vocabulary: a ``keras_layers.char_vocabulary.CharacterVocabulary`` (or its
            ``get_config()`` dict), or None for the original UTF-8 byte ids. Defaults to None.
        **kwargs: base layer keyword arguments (``name``, ``dtype``...).

    Call arguments:
        inputs: string tensor of tokens, padding tokens ``""``.

    Returns:
        int32 tensor of shape ``inputs.shape + (50,)``.

    Example:

    >>> import numpy as np
    >>> ids = StringCharIds()(np.array([["hi", ""]]))
    >>> tuple(ids.shape), int(ids[0, 0, 1]), int(ids[0, 1].numpy().max())
    ((1, 2, 50), 105, 0)
    >>> from keras_layers.char_vocabulary import UnicodeCharacters
    >>> unicode_ids = StringCharIds(UnicodeCharacters(["中", "国"]))(np.array([["中国人"]]))
    >>> unicode_ids[0, 0, :6].numpy().tolist()       # BOW, 中, 国, unknown, EOW, PAD
    [3, 7, 8, 6, 4, 5]

    Reference:
        Peters et al., "Deep contextualized word representations", NAACL 2018; bilm-tf
        ``UnicodeCharsVocabulary``.
    """

    def __init__(self, char_vocabulary=None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.char_vocabulary = get_char_vocabulary(char_vocabulary)
        self.built = True

    def _character_ids(self, flat_strings):
        """Ragged ``(n, characters)`` int32 ids of the first 48 characters of each string."""
        import tensorflow as tf

        vocabulary = self.char_vocabulary
        if vocabulary.kind == "bytes":
            pieces = tf.strings.bytes_split(tf.strings.substr(flat_strings, 0, _MAX_TOKEN_CHARACTERS))
            byte_values = tf.reshape(tf.io.decode_raw(pieces.flat_values, tf.uint8), [-1])
            return pieces.with_flat_values(tf.cast(byte_values, tf.int32) + 1)
        code_points = tf.strings.unicode_decode(
            tf.strings.substr(flat_strings, 0, _MAX_TOKEN_CHARACTERS, unit="UTF8_CHAR"), "UTF-8", errors="replace"
        )
        # A binary search in the sorted code points (never empty: a -1 sentinel leads them).
        known = tf.constant(vocabulary.sorted_code_points, tf.int32)
        values = code_points.flat_values
        index = tf.minimum(tf.searchsorted(known, values), tf.size(known) - 1)
        found = tf.equal(tf.gather(known, index), values)
        ids = tf.where(found, tf.gather(tf.constant(vocabulary.sorted_ids, tf.int32), index), vocabulary.unknown)
        return code_points.with_flat_values(ids)

    def call(self, inputs):
        import tensorflow as tf

        vocabulary = self.char_vocabulary
        inputs = tf.convert_to_tensor(inputs, dtype=tf.string)
        shape = tf.shape(inputs)
        flat_strings = tf.reshape(inputs, [-1])
        n = tf.size(flat_strings)
        # Ragged (n, characters) ids -> [BOW, characters, EOW] padded with PAD to 50.
        bow = tf.RaggedTensor.from_tensor(tf.fill([n, 1], vocabulary.beginning_of_word))
        eow = tf.RaggedTensor.from_tensor(tf.fill([n, 1], vocabulary.end_of_word))
        words = tf.concat([bow, self._character_ids(flat_strings), eow], axis=1)
        dense = words.to_tensor(default_value=vocabulary.padding, shape=[None, MAX_CHARACTERS_PER_TOKEN])

        is_bos = tf.equal(flat_strings, BOS_TOKEN)[:, None]
        is_eos = tf.equal(flat_strings, EOS_TOKEN)[:, None]
        is_pad = tf.equal(flat_strings, "")[:, None]
        dense = tf.where(is_bos, tf.constant(vocabulary.bos_ids, tf.int32)[None, :], dense)
        dense = tf.where(is_eos, tf.constant(vocabulary.eos_ids, tf.int32)[None, :], dense)
        dense = tf.where(is_pad, tf.zeros_like(dense), dense)
        return tf.reshape(dense, tf.concat([shape, [MAX_CHARACTERS_PER_TOKEN]], axis=0))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (MAX_CHARACTERS_PER_TOKEN,)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(tuple(inputs.shape) + (MAX_CHARACTERS_PER_TOKEN,), dtype="int32")

    def get_config(self):
        config = super().get_config()
        if self.char_vocabulary.kind != "bytes":  # a bytes layer's config stays as it was
            config["char_vocabulary"] = self.char_vocabulary.get_config()
        return config
