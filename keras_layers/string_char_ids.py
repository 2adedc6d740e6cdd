"""The ``StringCharIds`` layer: token strings to ELMo character ids inside a model (TensorFlow)."""

import keras

from keras_layers.char_ids import (
    BEGINNING_OF_SENTENCE_CHARACTER,
    BEGINNING_OF_WORD_CHARACTER,
    BOS_TOKEN,
    END_OF_SENTENCE_CHARACTER,
    END_OF_WORD_CHARACTER,
    EOS_TOKEN,
    MAX_CHARACTERS_PER_TOKEN,
    MAX_TOKEN_BYTES,
    PADDING_CHARACTER,
)


@keras.saving.register_keras_serializable(package="keras_layers")
class StringCharIds(keras.layers.Layer):
    """Maps string tokens to shifted ELMo character ids; needs TensorFlow's string ops.

    A string tensor of tokens (any shape, typically ``(batch, time)``, padded with ``""``)
    becomes int32 ids of shape ``(..., 50)``, identical to
    ``keras_layers.char_ids.batch_char_ids(..., add_boundaries=False)``: each token is
    ``[BOW, utf-8 bytes (at most 48)..., EOW, PAD...]`` plus 1, ``<S>``/``</S>`` are the
    sentence markers, and the empty string gives 50 zeros (a padding token). Strings must be
    valid utf-8 (TensorFlow strings are bytes; the Python helper drops unencodable characters
    before encoding, which yields valid utf-8).

    This is the one string edge of the ELMo stack: it imports TensorFlow lazily and runs on the
    TensorFlow backend (or in a ``tf.data`` pipeline). Every other layer takes the numeric ids.
    The layer has no weights and produces no mask (use ``token_ids != 0`` downstream).

    Args:
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

    Reference:
        Peters et al., "Deep contextualized word representations", NAACL 2018; bilm-tf
        ``UnicodeCharsVocabulary``.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.built = True

    def call(self, inputs):
        import tensorflow as tf

        inputs = tf.convert_to_tensor(inputs, dtype=tf.string)
        shape = tf.shape(inputs)
        flat_strings = tf.reshape(inputs, [-1])
        n = tf.size(flat_strings)
        # Ragged (n, n_bytes) byte values 0..255 -> [BOW, bytes, EOW] padded with PAD to 50.
        pieces = tf.strings.bytes_split(tf.strings.substr(flat_strings, 0, MAX_TOKEN_BYTES))
        byte_values = tf.reshape(tf.io.decode_raw(pieces.flat_values, tf.uint8), [-1])
        byte_ids = pieces.with_flat_values(tf.cast(byte_values, tf.int32))
        bow = tf.RaggedTensor.from_tensor(tf.fill([n, 1], BEGINNING_OF_WORD_CHARACTER))
        eow = tf.RaggedTensor.from_tensor(tf.fill([n, 1], END_OF_WORD_CHARACTER))
        words = tf.concat([bow, byte_ids, eow], axis=1)
        dense = words.to_tensor(default_value=PADDING_CHARACTER, shape=[None, MAX_CHARACTERS_PER_TOKEN])

        bos = tf.constant([BEGINNING_OF_WORD_CHARACTER, BEGINNING_OF_SENTENCE_CHARACTER, END_OF_WORD_CHARACTER]
                          + [PADDING_CHARACTER] * (MAX_CHARACTERS_PER_TOKEN - 3), tf.int32)
        eos = tf.constant([BEGINNING_OF_WORD_CHARACTER, END_OF_SENTENCE_CHARACTER, END_OF_WORD_CHARACTER]
                          + [PADDING_CHARACTER] * (MAX_CHARACTERS_PER_TOKEN - 3), tf.int32)
        is_bos = tf.equal(flat_strings, BOS_TOKEN)[:, None]
        is_eos = tf.equal(flat_strings, EOS_TOKEN)[:, None]
        is_pad = tf.equal(flat_strings, "")[:, None]
        dense = tf.where(is_bos, bos[None, :], dense)
        dense = tf.where(is_eos, eos[None, :], dense)
        dense = tf.where(is_pad, tf.zeros_like(dense), dense + 1)
        return tf.reshape(dense, tf.concat([shape, [MAX_CHARACTERS_PER_TOKEN]], axis=0))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (MAX_CHARACTERS_PER_TOKEN,)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(tuple(inputs.shape) + (MAX_CHARACTERS_PER_TOKEN,), dtype="int32")
