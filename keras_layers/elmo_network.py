"""The ``ELMoNetwork`` model: ELMo's token encoder plus biLM, built from an original options dict."""

import copy

import keras
from keras import ops

from keras_layers.bilm import BiLM
from keras_layers.char_cnn import CharCNN
from keras_layers.char_ids import N_CHARACTERS
from keras_layers.char_vocabulary import get_char_vocabulary


def _require(section, key, where):
    if key not in section:
        raise ValueError(f"ELMo `options` lack the key `{where}{key}`; it is required (see options.json of bilm-tf).")
    return section[key]


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"ELMo option `{name}` must be a positive int. Received: {value!r}")
    return value


def uses_character_inputs(options):
    """Return whether an ELMo options dict describes the character variant (True) or token variant.

    The token variant is selected by ``"use_character_inputs": false`` (top level, as bilm-tf's
    ``BidirectionalLanguageModel`` argument may be recorded) or by the absence of ``char_cnn``.

    Example:

    >>> uses_character_inputs({"lstm": {}, "char_cnn": {}})
    True
    >>> uses_character_inputs({"lstm": {}})
    False
    """
    if not options.get("use_character_inputs", True):
        return False
    return "char_cnn" in options


@keras.saving.register_keras_serializable(package="keras_layers")
class ELMoNetwork(keras.Model):
    """ELMo's network (token encoder + bidirectional LM), configured by an original options dict.

    The token encoder is ``CharCNN`` (``char_cnn`` section present) or, for the token variant
    (``use_character_inputs: false`` or no ``char_cnn``), a ``keras.layers.Embedding`` of size
    ``(n_tokens_vocab + 1, projection_dim)`` whose row 0 is the padding token. The biLM is
    ``BiLM`` built from the ``lstm`` section. Weights come from ``gensim_elmo.bilm_hdf5``
    (``set_network_weights``), never from ``__init__``.

    Inputs are designed for speed: the character CNN runs once per DISTINCT token of the batch.
    ``token_ids`` ``(batch, time)`` int32 index the rows of ``token_chars`` ``(U, 50)``, the
    shifted character ids of the batch's distinct tokens, row 0 being the padding token (all
    zeros); ``token_ids == 0`` marks padding. ``network.char_vocabulary.batch_ids`` (for the
    default byte ids, ``keras_layers.char_ids.batch_char_ids``) and
    ``keras_layers.char_ids.deduplicate_char_ids`` prepare them from token lists. Sentence markers ``<S>``/``</S>``
    must be part of the input (they are tokens like any other) and removed from the outputs by
    the caller. For the token variant ``token_ids`` are vocabulary ids (0 padding) and there is
    no ``token_chars``.

    Stateful runs: pass the previous call's ``final_states`` as ``initial_states`` (order as
    in ``BiLM``: ``[fwd_0_h, fwd_0_c, bwd_0_h, bwd_0_c, fwd_1_h, ...]``, h ``(batch,
    projection_dim)``, c ``(batch, dim)``). Stateless when ``initial_states`` is None.

    A stream of text read in windows (``gensim_elmo.stream_batches``) gives the backward LSTMs
    their own positions: ``backward_token_ids`` ``(batch, time)``, indexing the same
    ``token_chars``; each ``lstm_outputs`` layer then holds the forward half at ``token_ids``'
    positions and the backward half at ``backward_token_ids``'.

    Args:
        options: dict in the original ``options.json`` format (``lstm`` section with ``dim``,
            ``projection_dim``, ``n_layers``, ``use_skip_connections``, optional ``cell_clip`` and
            ``proj_clip``; ``char_cnn`` section with ``filters``, ``embedding.dim``,
            ``n_highway``, optional ``n_characters`` (261 or 262 for the original byte ids; the
            character vocabulary's size otherwise), ``max_characters_per_token`` (50),
            ``activation`` (``"relu"``); ``n_tokens_vocab`` for the token variant).
        dropout: float, dropout on every LSTM layer's input in training (``BiLM``'s ``dropout``);
            a training setting, not part of ``options``. Defaults to 0.
        char_vocabulary: how tokens become the character ids the network reads: a
            ``keras_layers.char_vocabulary.CharacterVocabulary`` (or its ``get_config()`` dict), or
            None for the original UTF-8 byte ids. Its ``n_characters`` sizes the character
            embedding (and is written into ``options``). Kept as ``network.char_vocabulary`` for
            whatever turns tokens into the network's inputs. Defaults to None.
        **kwargs: base model keyword arguments (``name``, ``dtype``, ``trainable``...).

    Call arguments:
        inputs: a dict ``{"token_ids": (B, T) int, "token_chars": (U, 50) int}`` (character
            variant) or ``{"token_ids": ...}`` (token variant), optionally with
            ``"initial_states"`` (so that ``predict_on_batch`` can run statefully) and
            ``"backward_token_ids"`` (the backward LSTMs' own positions), ``"forward_resets"`` and
            ``"backward_resets"`` ``(B, T)`` (where each direction's LSTMs start from zero
            states: ``BiLM``'s ``resets``); a list/tuple
            ``[token_ids, token_chars]`` or a bare ``token_ids`` tensor are accepted too.
        initial_states: optional flat list of ``4 * n_layers`` state tensors; zeros if None.
            Takes precedence over ``inputs["initial_states"]``.
        training: unused; accepted for the Keras call convention.

    Returns:
        A dict: ``"token_embeddings"`` ``(B, T, projection_dim)`` (zeros at padding),
        ``"lstm_outputs"`` a list of ``n_layers`` tensors ``(B, T, 2 * projection_dim)``
        (``[forward; backward]``), ``"final_states"`` the flat state list, ``"mask"`` ``(B, T)``
        bool. ``ELMoNetwork.stack_layers(outputs)`` turns it into the ``(n_layers + 1, B, T,
        2 * projection_dim)`` representation with layer 0 ``[token; token]``.

    Example:

    >>> from keras_layers.char_ids import batch_char_ids, deduplicate_char_ids
    >>> options = {"lstm": {"dim": 8, "projection_dim": 4, "n_layers": 2, "cell_clip": 3,
    ...                     "proj_clip": 3, "use_skip_connections": True},
    ...            "char_cnn": {"activation": "relu", "embedding": {"dim": 4},
    ...                         "filters": [[1, 4], [2, 4]], "n_highway": 1,
    ...                         "n_characters": 262, "max_characters_per_token": 50}}
    >>> network = ELMoNetwork(options)
    >>> token_chars, token_ids = deduplicate_char_ids(batch_char_ids([["the", "cat"], ["hi"]]))
    >>> outputs = network({"token_ids": token_ids, "token_chars": token_chars})
    >>> tuple(ELMoNetwork.stack_layers(outputs).shape)
    (3, 2, 4, 8)
    >>> again = network({"token_ids": token_ids, "token_chars": token_chars},
    ...                 initial_states=outputs["final_states"])

    Reference:
        Peters et al., "Deep contextualized word representations", NAACL 2018; bilm-tf
        ``BidirectionalLanguageModel``.
    """

    def __init__(self, options, dropout=0.0, char_vocabulary=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(options, dict):
            raise TypeError(f"`options` must be a dict (options.json). Received: {type(options).__name__}")
        self.options = copy.deepcopy(options)
        self.char_vocabulary = get_char_vocabulary(char_vocabulary)
        lstm = _require(options, "lstm", "")
        if not isinstance(lstm, dict):
            raise ValueError(f"ELMo option `lstm` must be a dict. Received: {lstm!r}")
        self.projection_dim = _positive_int(_require(lstm, "projection_dim", "lstm."), "lstm.projection_dim")
        self.units = _positive_int(_require(lstm, "dim", "lstm."), "lstm.dim")
        self.num_layers = _positive_int(_require(lstm, "n_layers", "lstm."), "lstm.n_layers")
        self.use_character_inputs = uses_character_inputs(options)
        if self.use_character_inputs:
            cnn = options["char_cnn"]
            n_characters = cnn.get("n_characters", N_CHARACTERS)
            if self.char_vocabulary.kind == "bytes":
                if n_characters not in (N_CHARACTERS - 1, N_CHARACTERS):
                    raise ValueError(
                        "ELMo option `char_cnn.n_characters` must be 261 (training files) or 262 (inference) for "
                        f"the original byte ids. Received: {n_characters!r}. A network of another character "
                        "vocabulary needs it: pass `char_vocabulary=` (saved beside the model as characters.json)."
                    )
            elif "n_characters" in cnn and n_characters != self.char_vocabulary.n_characters:
                raise ValueError(
                    f"ELMo option `char_cnn.n_characters` is {n_characters!r}, but the {self.char_vocabulary.kind} "
                    f"character vocabulary has {self.char_vocabulary.n_characters} ids; they must match."
                )
            else:
                self.options["char_cnn"]["n_characters"] = self.char_vocabulary.n_characters
            self.token_encoder = CharCNN(
                filters=_require(cnn, "filters", "char_cnn."),
                char_embedding_dim=_require(_require(cnn, "embedding", "char_cnn."), "dim", "char_cnn.embedding."),
                n_characters=self.char_vocabulary.n_characters,
                max_characters_per_token=cnn.get("max_characters_per_token", 50),
                n_highway=_require(cnn, "n_highway", "char_cnn."),
                projection_dim=self.projection_dim,
                activation=cnn.get("activation", "relu"),
                dtype=self.dtype_policy,
                name="char_cnn",
            )
        else:
            if self.char_vocabulary.kind != "bytes":
                raise ValueError(
                    f"A {self.char_vocabulary.kind} `char_vocabulary` needs the character network; the token variant "
                    "(`use_character_inputs: false` or no `char_cnn`) reads vocabulary ids, not characters."
                )
            vocab_size = _positive_int(_require(options, "n_tokens_vocab", ""), "n_tokens_vocab")
            self.token_encoder = keras.layers.Embedding(
                vocab_size + 1, self.projection_dim, dtype=self.dtype_policy, name="token_embedding"
            )
        self.bilm = BiLM(
            num_layers=self.num_layers,
            units=self.units,
            projection_dim=self.projection_dim,
            cell_clip=lstm.get("cell_clip"),
            proj_clip=lstm.get("proj_clip"),
            use_skip_connections=bool(_require(lstm, "use_skip_connections", "lstm.")),
            dropout=dropout,
            dtype=self.dtype_policy,
            name="bilm",
        )

    def build(self, inputs_shape=None):
        if self.built:
            return
        if self.use_character_inputs:
            self.token_encoder.build((None, self.token_encoder.max_characters_per_token))
        else:
            self.token_encoder.build((None, None))
        self.bilm.build((None, None, self.projection_dim))
        self.built = True

    def _split_inputs(self, inputs):
        if isinstance(inputs, dict):
            token_ids = inputs.get("token_ids")
            if token_ids is None:
                raise ValueError(f"`inputs` must hold `token_ids`. Received keys: {sorted(inputs)}")
            token_chars = inputs.get("token_chars")
            unknown = set(inputs) - {"token_ids", "token_chars", "initial_states", "backward_token_ids",
                                     "forward_resets", "backward_resets"}
            if unknown:
                raise ValueError(
                    f"Unknown `inputs` keys {sorted(unknown)}; expected `token_ids`, `token_chars`, `initial_states`, "
                    "`backward_token_ids`, `forward_resets`, `backward_resets`."
                )
        elif isinstance(inputs, (list, tuple)):
            token_ids = inputs[0]
            token_chars = inputs[1] if len(inputs) > 1 else None
        else:
            token_ids, token_chars = inputs, None
        if self.use_character_inputs and token_chars is None:
            raise ValueError(
                "The character ELMo network needs `token_chars` (U, 50) with `token_ids` indexing its rows; "
                "see keras_layers.char_ids.deduplicate_char_ids."
            )
        return token_ids, token_chars

    @property
    def num_states(self):
        """Length of the flat state list: ``4 * n_layers``."""
        return 4 * self.num_layers

    def call(self, inputs, initial_states=None, training=None):
        token_ids, token_chars = self._split_inputs(inputs)
        if initial_states is None and isinstance(inputs, dict):
            initial_states = inputs.get("initial_states")
        extra = inputs if isinstance(inputs, dict) else {}
        backward_token_ids = extra.get("backward_token_ids")
        backward_embeddings = backward_mask = None
        if backward_token_ids is None:
            token_embeddings, mask = self._masked_embeddings(token_ids, token_chars)
        else:  # both directions' positions in one call: the character CNN runs once over the table they share
            both, masks = self._masked_embeddings(ops.concatenate([token_ids, backward_token_ids], axis=0), token_chars)
            token_embeddings, backward_embeddings = ops.split(both, 2, axis=0)
            mask, backward_mask = ops.split(masks, 2, axis=0)
        lstm_outputs, final_states = self.bilm(
            token_embeddings, mask=mask, initial_states=initial_states, backward_inputs=backward_embeddings,
            backward_mask=backward_mask, resets=extra.get("forward_resets"), backward_resets=extra.get("backward_resets"),
            training=training
        )
        return {
            "token_embeddings": token_embeddings,
            "lstm_outputs": list(lstm_outputs),
            "final_states": list(final_states),
            "mask": mask,
        }

    def _masked_embeddings(self, token_ids, token_chars):
        """Token vectors ``(B, T, projection_dim)``, zeros at padding, and the mask ``(B, T)``."""
        token_ids = ops.cast(token_ids, "int32")
        mask = ops.not_equal(token_ids, 0)
        embeddings = self._token_embeddings(token_ids, token_chars)
        return embeddings * ops.cast(mask, embeddings.dtype)[..., None], mask

    def _token_embeddings(self, token_ids, token_chars):
        """``(B, T, projection_dim)`` token vectors (padding rows not yet zeroed): for the character
        variant, the CNN once per distinct token ``(U, P)``, gathered to the positions."""
        if not self.use_character_inputs:
            return self.token_encoder(token_ids)
        distinct = self.token_encoder(token_chars)
        return ops.take(distinct, token_ids, axis=0)

    @staticmethod
    def stack_layers(outputs):
        """Stack a call's outputs as ``(n_layers + 1, B, T, 2 * projection_dim)``.

        Layer 0 is ``[token_embeddings; token_embeddings]``, layer ``k`` the ``k``-th biLSTM
        layer ``[forward_k; backward_k]``.

        Args:
            outputs: the dict returned by ``ELMoNetwork.__call__``.

        Returns:
            The stacked tensor.
        """
        token = outputs["token_embeddings"]
        layers = [ops.concatenate([token, token], axis=-1)] + list(outputs["lstm_outputs"])
        return ops.stack(layers, axis=0)

    def get_config(self):
        config = super().get_config()
        config.update({"options": copy.deepcopy(self.options), "dropout": self.bilm.dropout})
        if self.char_vocabulary.kind != "bytes":  # a byte network's config stays as it was
            config["char_vocabulary"] = self.char_vocabulary.get_config()
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "dtype" in config and isinstance(config["dtype"], dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
