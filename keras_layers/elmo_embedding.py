"""The ``ELMoEmbedding`` layer: contextual ELMo vectors inside any Keras model, as TF-Hub's ELMo."""

import os

import keras
from keras import ops

from keras_layers.char_ids import MAX_CHARACTERS_PER_TOKEN
from keras_layers.elmo_network import ELMoNetwork
from keras_layers.scalar_mix import ScalarMix
from keras_layers.saved_network import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    read_char_vocabulary,
    read_config_file,
    weights_file_in,
)
from keras_layers.string_char_ids import StringCharIds


def _output_names(num_layers):
    return ("elmo", "default", "word_emb") + tuple(f"lstm_outputs{k}" for k in range(1, num_layers + 1))


def _load_network_directory(path):
    """``ELMoNetwork`` from a directory saved by ``gensim_elmo.ELMo.save`` (json + keras only)."""
    folder = os.fspath(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"`elmo` is a path, but {folder!r} is not an existing directory. Pass a directory saved by "
            f"`gensim_elmo.ELMo.save` (holding `{CONFIG_FILE}` and `{WEIGHTS_FILE}`), an `ELMoNetwork` or "
            "an `ELMo` model."
        )
    config_file = os.path.join(folder, CONFIG_FILE)
    weights_file = weights_file_in(folder)
    for needed in (config_file, weights_file):
        if not os.path.isfile(needed):
            raise FileNotFoundError(
                f"`elmo` directory {folder!r} lacks {os.path.basename(needed)!r}; a directory saved by "
                f"`gensim_elmo.ELMo.save` holds {CONFIG_FILE!r} and {WEIGHTS_FILE!r}."
            )
    config = read_config_file(folder)
    if not isinstance(config.get("options"), dict):
        raise ValueError(
            f"{config_file!r} must be a JSON object with an `options` object (the ELMo options.json). "
            f"Received keys: {sorted(config) if isinstance(config, dict) else type(config).__name__}"
        )
    network = ELMoNetwork(config["options"], char_vocabulary=read_char_vocabulary(folder))
    network.build()
    network.load_weights(weights_file)
    return network


def _is_string_tensor(inputs):
    dtype = getattr(inputs, "dtype", None)
    if dtype is None:
        return False
    if getattr(dtype, "kind", None) in ("U", "S", "O"):  # numpy arrays of str/bytes
        return True
    try:
        return keras.backend.standardize_dtype(dtype) == "string"
    except (ValueError, TypeError):
        return False


@keras.saving.register_keras_serializable(package="keras_layers")
class ELMoEmbedding(keras.layers.Layer):
    """Contextual ELMo token vectors (or a sentence vector) inside a Keras model.

    The Keras counterpart of the published TF-Hub ELMo module. Each batch row is a right-padded
    sentence; the layer adds the sentence markers ``<S>``/``</S>`` around each row's real tokens
    (``<S>`` at position 0, tokens at ``1..n``, ``</S>`` at ``n + 1``), runs the ELMo network
    (character CNN + biLM; stateless, every row starts from zero state) and removes the markers
    again, so the outputs line up with the input tokens. Everything after the string step uses
    ``keras.ops`` only.

    Two kinds of input are accepted:

    - a string tensor ``(batch, time)`` of tokens, padded with ``""`` (uses ``StringCharIds``
      with the network's character vocabulary, hence TensorFlow's string ops: TensorFlow backend
      only);
    - int character ids ``(batch, time, 50)`` of the network's character vocabulary, as
      ``network.char_vocabulary.batch_ids(sentences, add_boundaries=False)`` returns them (for the
      original byte ids also ``keras_layers.char_ids.batch_char_ids``; all-zero rows are
      padding). This works on every backend.

    ``output`` selects what the layer returns (the names of TF-Hub's module outputs):
    ``"elmo"`` a trainable scalar mix ``gamma * sum_j softmax(w)_j * h_j`` of the
    ``n_layers + 1`` layers ``(batch, time, 2 * projection_dim)``; ``"word_emb"`` the
    character-based token layer ``(batch, time, projection_dim)``; ``"lstm_outputs1"``,
    ``"lstm_outputs2"`` the biLSTM layers ``[forward; backward]`` ``(batch, time,
    2 * projection_dim)``; ``"default"`` the mean of the ``"elmo"`` vectors over each row's real
    tokens ``(batch, 2 * projection_dim)`` (zeros for an empty row).

    Padding positions are zeros in every per-token output, and these outputs carry the token mask
    ``(batch, time)`` (``True`` at real tokens) to downstream layers; ``"default"`` carries none.
    Padding must be at the end of each row (right padding).

    The network is shared, not copied: an ``ELMoNetwork`` (or a model's ``.network``) passed in
    is tracked as a sublayer, so its weights are saved with the layer, and ``trainable`` sets
    ``network.trainable`` (as Keras's ``base_model.trainable = False`` idiom does). The scalar
    mix weights of ``"elmo"``/``"default"`` always train.

    Args:
        elmo: what holds the network: an ``ELMoNetwork``; an object whose ``.network`` is an
            ``ELMoNetwork`` (a ``gensim_elmo.ELMo`` model); or a path (str or ``os.PathLike``)
            to a directory saved by ``gensim_elmo.ELMo.save`` (``config.json`` with an
            ``"options"`` object, the weights, and ``characters.json`` for a Unicode character
            vocabulary). None only with ``options`` (as when Keras reloads the layer; the
            weights then come from the ``.keras`` archive).
        output: str, one of ``"elmo"``, ``"default"``, ``"word_emb"``, ``"lstm_outputs1"`` ...
            ``"lstm_outputs{n_layers}"``. Defaults to ``"elmo"``.
        trainable: bool, fine-tune the network's weights. Defaults to False.
        options: dict in the original options.json format, to build a fresh (untrained)
            network; only without ``elmo``. Defaults to None.
        char_vocabulary: the character vocabulary of the network built from ``options`` (a
            ``keras_layers.char_vocabulary.CharacterVocabulary`` or its config dict; None: UTF-8
            bytes); only with ``options``, as a network from ``elmo`` brings its own. Defaults to
            None.
        **kwargs: base layer keyword arguments (``name``, ``dtype``...).

    Call arguments:
        inputs: string tensor ``(batch, time)`` (TensorFlow backend) or int tensor
            ``(batch, time, 50)`` of shifted character ids, without sentence markers.
        training: bool, forwarded to the network when it is trainable (a frozen network
            always runs the network in inference mode, without its training dropout).

    Returns:
        Float tensor ``(batch, time, dim)`` (``dim`` as above), or ``(batch, 2 * projection_dim)``
        for ``output="default"``.

    Raises:
        TypeError: ``elmo`` is of an unsupported type.
        FileNotFoundError: ``elmo`` is a path that is not a saved ELMo directory.
        ValueError: ``output`` is unknown, or neither / both of ``elmo`` and ``options`` given.

    Example:

    >>> import numpy as np
    >>> from keras_layers.char_ids import batch_char_ids
    >>> options = {"lstm": {"dim": 8, "projection_dim": 4, "n_layers": 2, "cell_clip": 3,
    ...                     "proj_clip": 3, "use_skip_connections": True},
    ...            "char_cnn": {"activation": "relu", "embedding": {"dim": 4},
    ...                         "filters": [[1, 4], [2, 4]], "n_highway": 1,
    ...                         "n_characters": 262, "max_characters_per_token": 50}}
    >>> network = ELMoNetwork(options)  # weights: gensim_elmo.bilm_hdf5.set_network_weights
    >>> char_ids = batch_char_ids([["the", "apple", "fell"], ["Apple", "phones"]],
    ...                           add_boundaries=False)
    >>> tuple(ELMoEmbedding(network)(char_ids).shape)
    (2, 3, 8)
    >>> tuple(ELMoEmbedding(network, output="default")(char_ids).shape)
    (2, 8)
    >>> inputs = keras.Input((None, 50), dtype="int32")
    >>> model = keras.Model(inputs, ELMoEmbedding(network, output="lstm_outputs2")(inputs))
    >>> tuple(model.output.shape)
    (None, None, 8)

    Reference:
        Peters et al., "Deep contextualized word representations", NAACL 2018; TF-Hub module
        ``google/elmo/3`` (outputs ``elmo``, ``default``, ``word_emb``, ``lstm_outputs1/2``).
    """

    def __init__(self, elmo=None, output="elmo", trainable=False, options=None, char_vocabulary=None, **kwargs):
        # The layer itself stays trainable so that the scalar mix trains; `trainable` goes to the
        # network below.
        super().__init__(**kwargs)
        if elmo is not None and options is not None:
            raise ValueError(
                "Pass either `elmo` (a network, a model or a saved directory) or `options` (to build a fresh "
                "network), not both."
            )
        if elmo is None and options is None:
            raise ValueError(
                "`ELMoEmbedding` needs `elmo` (an `ELMoNetwork`, a `gensim_elmo.ELMo` model or the path of a "
                "directory saved by `ELMo.save`) or `options` (an options.json dict). Received neither."
            )
        if char_vocabulary is not None and options is None:
            raise ValueError(
                "`char_vocabulary` goes with `options` (a fresh network); a network, model or saved directory "
                "passed as `elmo` brings its own character vocabulary."
            )
        if elmo is None:
            network = ELMoNetwork(options, char_vocabulary=char_vocabulary, dtype=self.dtype_policy,
                                  name="elmo_network")
        elif isinstance(elmo, ELMoNetwork):
            network = elmo
        elif isinstance(elmo, (str, os.PathLike)):
            network = _load_network_directory(elmo)
        elif isinstance(getattr(elmo, "network", None), ELMoNetwork):
            network = elmo.network
        else:
            raise TypeError(
                "`elmo` must be an `ELMoNetwork`, an object whose `.network` is an `ELMoNetwork` (a "
                "`gensim_elmo.ELMo` model) or the path of a directory saved by `ELMo.save`. "
                f"Received: elmo of type {type(elmo).__name__}"
            )
        if not network.use_character_inputs:
            raise ValueError(
                "`ELMoEmbedding` needs a character ELMo network (options with a `char_cnn` section); the "
                "token variant (`use_character_inputs: false`) takes vocabulary ids, not characters."
            )
        names = _output_names(network.num_layers)
        if output not in names:
            raise ValueError(f"`output` must be one of {list(names)}. Received: output={output!r}")
        self.output_name = output
        self.network = network
        self.network.trainable = bool(trainable)
        self.string_char_ids = StringCharIds(network.char_vocabulary, name="string_char_ids")
        self.scalar_mix = None
        if output in ("elmo", "default"):
            self.scalar_mix = ScalarMix(network.num_layers + 1, dtype=self.dtype_policy, name="scalar_mix")
        self.supports_masking = True

    @property
    def output_dim(self):
        """Size of the last output axis."""
        if self.output_name == "word_emb":
            return self.network.projection_dim
        return 2 * self.network.projection_dim

    def _check_input_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 2:
            return
        if len(input_shape) == 3 and input_shape[-1] in (None, MAX_CHARACTERS_PER_TOKEN):
            return
        raise ValueError(
            "`ELMoEmbedding` inputs must be strings of shape (batch, time) or int character ids of shape "
            f"(batch, time, {MAX_CHARACTERS_PER_TOKEN}). Received: shape={input_shape}"
        )

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        if not self.network.built:
            self.network.build()
        if self.scalar_mix is not None and not self.scalar_mix.built:
            dim = 2 * self.network.projection_dim
            self.scalar_mix.build([(None, None, dim)] * (self.network.num_layers + 1))

    def _char_ids(self, inputs):
        if _is_string_tensor(inputs):
            inputs = self.string_char_ids(inputs)
        return ops.cast(inputs, "int32")

    def call(self, inputs, training=None):
        chars = self._char_ids(inputs)  # (B, T, 50)
        real = ops.any(ops.not_equal(chars, 0), axis=-1)  # (B, T)
        shape = ops.shape(chars)
        batch, time = shape[0], shape[1]

        # Add <S> before and </S> after each row's real tokens: (B, T + 2, 50).
        # amax: Keras's torch `max` breaks torch.compile's graph (see CharCNN._pool).
        length = ops.amax(ops.where(real, ops.arange(1, time + 1, dtype="int32")[None, :], 0), axis=1)
        zeros = ops.zeros_like(chars[:, :1])
        chars = ops.concatenate([zeros, chars, zeros], axis=1)
        position = ops.arange(time + 2, dtype="int32")[None, :]  # (1, T + 2)
        bos = ops.convert_to_tensor(self.network.char_vocabulary.bos_ids, dtype="int32")
        eos = ops.convert_to_tensor(self.network.char_vocabulary.eos_ids, dtype="int32")
        chars = ops.where(ops.equal(position, 0)[..., None], bos, chars)
        chars = ops.where(ops.equal(position, length[:, None] + 1)[..., None], eos, chars)

        # One row of the character table per position, row 0 the padding token.
        token_chars = ops.concatenate(
            [ops.zeros((1, MAX_CHARACTERS_PER_TOKEN), "int32"), ops.reshape(chars, (-1, MAX_CHARACTERS_PER_TOKEN))],
            axis=0,
        )
        row = ops.arange(batch, dtype="int32")[:, None] * (time + 2)
        token_ids = ops.where(ops.any(ops.not_equal(chars, 0), axis=-1), row + position + 1, 0)
        # A frozen ELMo is a fixed feature extractor: no dropout from its own training setting.
        outputs = self.network({"token_ids": token_ids, "token_chars": token_chars},
                               training=training if self.network.trainable else False)

        # Drop the marker positions; zero what is padding in the input (</S> included).
        mask = ops.cast(real, self.compute_dtype)[..., None]
        if self.output_name == "word_emb":
            return ops.cast(outputs["token_embeddings"][:, 1:-1], self.compute_dtype) * mask
        if self.output_name.startswith("lstm_outputs"):
            layer = outputs["lstm_outputs"][int(self.output_name[len("lstm_outputs"):]) - 1]
            return ops.cast(layer[:, 1:-1], self.compute_dtype) * mask
        token = outputs["token_embeddings"][:, 1:-1]
        layers = [ops.concatenate([token, token], axis=-1)] + [t[:, 1:-1] for t in outputs["lstm_outputs"]]
        layers = [ops.cast(t, self.compute_dtype) * mask for t in layers]
        mixed = self.scalar_mix(layers, mask=real) * mask
        if self.output_name == "elmo":
            return mixed
        count = ops.maximum(ops.sum(mask, axis=1), 1.0)  # (B, 1)
        return ops.sum(mixed, axis=1) / count

    def compute_output_shape(self, input_shape):
        self._check_input_shape(input_shape)
        if self.output_name == "default":
            return (input_shape[0], self.output_dim)
        return (input_shape[0], input_shape[1], self.output_dim)

    def compute_mask(self, inputs, mask=None):
        if self.output_name == "default":
            return None
        return ops.any(ops.not_equal(self._char_ids(inputs), 0), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "output": self.output_name,
                "trainable": bool(self.network.trainable),
                "options": self.network.options,
            }
        )
        if self.network.char_vocabulary.kind != "bytes":  # a byte network's config stays as it was
            config["char_vocabulary"] = self.network.char_vocabulary.get_config()
        return config
