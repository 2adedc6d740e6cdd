"""Read and write ELMo models in the original bilm-tf format (``options.json`` + ``weights.hdf5``).

Every published ELMo model (and AllenNLP) uses this format, so reading it gives access to them and
writing it hands our models to other tools. The layout is the one bilm-tf writes (``bin/dump_weights.py``
and ``bilm/model.py`` of https://github.com/allenai/bilm-tf, the code of Peters et al. 2018) and AllenNLP
reads (``allennlp/modules/elmo.py``, ``allennlp/modules/elmo_lstm.py``).

In memory, weights are a dict keyed by the HDF5 dataset names (``"char_embed"``,
``"CNN/W_cnn_0"``, ``"RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0"``...). As the original readers
do, ``char_embed`` (and ``embedding`` of the token variant) get a zero row prepended on reading
(row 0 is the padding token) and lose it again on writing.

Example:

>>> import os, tempfile
>>> from keras_layers.elmo_network import ELMoNetwork
>>> options = {"lstm": {"dim": 8, "projection_dim": 4, "n_layers": 1, "cell_clip": 3,
...                     "proj_clip": 3, "use_skip_connections": True},
...            "char_cnn": {"activation": "relu", "embedding": {"dim": 4}, "filters": [[1, 4], [2, 4]],
...                         "n_highway": 1, "n_characters": 262, "max_characters_per_token": 50}}
>>> network = ELMoNetwork(options)
>>> folder = tempfile.mkdtemp()
>>> options_file, weight_file = os.path.join(folder, "options.json"), os.path.join(folder, "weights.hdf5")
>>> write_bilm_hdf5(options, get_network_weights(network), options_file, weight_file)
>>> weights = read_bilm_weights(weight_file, read_bilm_options(options_file))
>>> weights["char_embed"].shape
(262, 4)
>>> set_network_weights(ELMoNetwork(options), weights)
"""

import json
import os

import h5py
import numpy as np

from gensim_elmo.atomic_files import atomic_path

__all__ = [
    "read_bilm_vocabulary",
    "write_bilm_vocabulary",
    "validate_bilm_options",
    "expected_weight_shapes",
    "read_bilm_options",
    "read_bilm_weights",
    "write_bilm_hdf5",
    "set_network_weights",
    "get_network_weights",
]

_ACTIVATIONS = ("relu", "tanh")
_PREPENDED = ("char_embed", "embedding")


def _check_int(value, key, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"ELMo option `{key}` must be an int >= {minimum}. Received: {value!r}")


def _get(section, key, where):
    if not isinstance(section, dict):
        raise ValueError(f"ELMo option `{where.rstrip('.') or 'options'}` must be a JSON object. Received: {section!r}")
    if key not in section:
        raise ValueError(f"ELMo options lack the required key `{where}{key}`.")
    return section[key]


def _uses_characters(options):
    return bool(options.get("use_character_inputs", True)) and "char_cnn" in options


def validate_bilm_options(options):
    """Check an options dict in the original format; raise ``ValueError`` naming the bad key.

    Args:
        options: dict as in ``options.json``.

    Returns:
        ``options`` itself, unchanged.

    Raises:
        ValueError: a required key is missing or a value has the wrong type or range.

    Example:

    >>> validate_bilm_options({"lstm": {"dim": 8}})
    Traceback (most recent call last):
    ...
    ValueError: ELMo options lack the required key `lstm.projection_dim`.
    """
    if not isinstance(options, dict):
        raise ValueError(f"ELMo options must be a JSON object (dict). Received: {type(options).__name__}")
    lstm = _get(options, "lstm", "")
    for key in ("dim", "projection_dim", "n_layers"):
        _check_int(_get(lstm, key, "lstm."), f"lstm.{key}")
    if not isinstance(_get(lstm, "use_skip_connections", "lstm."), (bool, int)):
        raise ValueError(
            f"ELMo option `lstm.use_skip_connections` must be a boolean. Received: {lstm['use_skip_connections']!r}"
        )
    for key in ("cell_clip", "proj_clip"):
        value = lstm.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
            raise ValueError(f"ELMo option `lstm.{key}` must be a positive number or null. Received: {value!r}")
    if _uses_characters(options):
        cnn = options["char_cnn"]
        filters = _get(cnn, "filters", "char_cnn.")
        if not isinstance(filters, list) or not filters or not all(
            isinstance(f, (list, tuple))
            and len(f) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in f)
            for f in filters
        ):
            raise ValueError(
                f"ELMo option `char_cnn.filters` must be a non-empty list of [width, num_filters] pairs of positive "
                f"ints. Received: {filters!r}"
            )
        _check_int(_get(_get(cnn, "embedding", "char_cnn."), "dim", "char_cnn.embedding."), "char_cnn.embedding.dim")
        _check_int(_get(cnn, "n_highway", "char_cnn."), "char_cnn.n_highway", minimum=0)
        n_characters = cnn.get("n_characters", 262)
        if n_characters not in (261, 262) or isinstance(n_characters, bool):
            raise ValueError(
                f"ELMo option `char_cnn.n_characters` must be 261 (training) or 262 (inference). Received: {n_characters!r}"
            )
        max_chars = cnn.get("max_characters_per_token", 50)
        if max_chars != 50 or isinstance(max_chars, bool):
            raise ValueError(
                f"ELMo option `char_cnn.max_characters_per_token` must be 50 (the character ids are 50 per token). "
                f"Received: {max_chars!r}"
            )
        activation = cnn.get("activation", "relu")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"ELMo option `char_cnn.activation` must be one of {_ACTIVATIONS}. Received: {activation!r}")
    else:
        _check_int(_get(options, "n_tokens_vocab", ""), "n_tokens_vocab")
    return options


def expected_weight_shapes(options):
    """Return ``{dataset name: shape}`` of the weight file that ``options`` imply (file shapes).

    ``char_embed`` is ``(261, d_char)`` and ``embedding`` ``(n_tokens_vocab, projection_dim)``
    here, as stored (without the zero row that readers prepend).

    Example:

    >>> shapes = expected_weight_shapes({"lstm": {"dim": 8, "projection_dim": 4, "n_layers": 1,
    ...                                           "use_skip_connections": True}, "n_tokens_vocab": 5})
    >>> shapes["embedding"], shapes["RNN_1/RNN/MultiRNNCell/Cell0/LSTMCell/W_0"]
    ((5, 4), (8, 32))
    """
    validate_bilm_options(options)
    lstm = options["lstm"]
    proj, dim = lstm["projection_dim"], lstm["dim"]
    shapes = {}
    if _uses_characters(options):
        cnn = options["char_cnn"]
        d_char = cnn["embedding"]["dim"]
        shapes["char_embed"] = (261, d_char)
        total = 0
        for i, (width, num) in enumerate(cnn["filters"]):
            shapes[f"CNN/W_cnn_{i}"] = (1, width, d_char, num)
            shapes[f"CNN/b_cnn_{i}"] = (num,)
            total += num
        for k in range(cnn["n_highway"]):
            shapes[f"CNN_high_{k}/W_carry"] = (total, total)
            shapes[f"CNN_high_{k}/b_carry"] = (total,)
            shapes[f"CNN_high_{k}/W_transform"] = (total, total)
            shapes[f"CNN_high_{k}/b_transform"] = (total,)
        shapes["CNN_proj/W_proj"] = (total, proj)
        shapes["CNN_proj/b_proj"] = (proj,)
    else:
        shapes["embedding"] = (options["n_tokens_vocab"], proj)
    for d in range(2):
        for l in range(lstm["n_layers"]):
            prefix = f"RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/"
            shapes[prefix + "W_0"] = (proj + proj, 4 * dim)
            shapes[prefix + "B"] = (4 * dim,)
            shapes[prefix + "W_P_0"] = (dim, proj)
    return shapes


def read_bilm_options(options_file):
    """Read and validate an original ``options.json``.

    Args:
        options_file: path of the JSON file.

    Returns:
        The options dict.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not JSON or the options are invalid (the message names the key).
    """
    with open(options_file, encoding="utf-8") as handle:
        try:
            options = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{os.fspath(options_file)!r} is not a valid ELMo options file (not JSON: {error}).") from None
    return validate_bilm_options(options)


def read_bilm_weights(weight_file, options):
    """Read the weights of an original ELMo HDF5 file, checking every dataset's shape.

    Args:
        weight_file: path of the HDF5 file.
        options: the model's options dict (``read_bilm_options``).

    Returns:
        dict dataset name -> float32 ``np.ndarray``; ``char_embed`` (262, d) and ``embedding``
        (V + 1, P) with the zero padding row prepended. Extra datasets (e.g. a softmax) are ignored.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not a readable HDF5 file, a dataset is missing, or a shape differs
            from what ``options`` imply (the message names the dataset, expected and found shapes).
    """
    shapes = expected_weight_shapes(options)
    path = os.fspath(weight_file)
    if not os.path.exists(path):
        raise FileNotFoundError(f"ELMo weight file {path!r} does not exist.")
    weights = {}
    try:
        with h5py.File(path, "r") as handle:
            for name, shape in shapes.items():
                dataset = handle.get(name)
                if dataset is None or not isinstance(dataset, h5py.Dataset):
                    raise ValueError(
                        f"ELMo weight file {path!r} lacks the dataset `{name}` (expected shape {shape}); "
                        "the file does not match the options."
                    )
                if tuple(dataset.shape) != shape:
                    raise ValueError(
                        f"ELMo weight file {path!r}: dataset `{name}` has shape {tuple(dataset.shape)}, "
                        f"expected {shape} from the options."
                    )
                value = np.asarray(dataset[...], dtype=np.float32)
                if name in _PREPENDED:
                    value = np.concatenate([np.zeros((1, shape[1]), np.float32), value])
                weights[name] = value
    except (OSError, RuntimeError, KeyError, TypeError) as error:
        raise ValueError(f"{path!r} is not a valid bilm weight file (HDF5 error: {error}).") from None
    return weights


def write_bilm_hdf5(options, weights, options_file, weight_file):
    """Write a model in the original layout: ``options.json`` and the HDF5 weight file.

    Both files are written atomically (a temporary file beside the target, then a rename).

    Args:
        options: the options dict (validated).
        weights: dict dataset name -> array, as ``read_bilm_weights`` or ``get_network_weights``
            return (``char_embed``/``embedding`` with or without the zero row 0; it is not
            stored).
        options_file: path of the JSON file to write.
        weight_file: path of the HDF5 file to write.

    Raises:
        ValueError: a weight is missing or has the wrong shape.
    """
    shapes = expected_weight_shapes(options)
    arrays = {}
    for name, shape in shapes.items():
        if name not in weights:
            raise ValueError(f"`weights` lack `{name}` (shape {shape}), which the options require.")
        value = np.asarray(weights[name], dtype=np.float32)
        if name in _PREPENDED and value.shape == (shape[0] + 1,) + shape[1:]:
            value = value[1:]
        if value.shape != shape:
            raise ValueError(f"`weights[{name!r}]` has shape {value.shape}, expected {shape} from the options.")
        arrays[name] = value
    with atomic_path(weight_file) as tmp:
        with h5py.File(tmp, "w") as handle:
            for name, value in arrays.items():
                handle.create_dataset(name, data=value)
    with atomic_path(options_file) as tmp:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(options, handle, indent=2)


def _weight_map(network):
    """dataset name -> (keras variable, file-shape -> variable-shape reshape or None)."""
    if not network.built:
        network.build()
    mapping = {}
    if network.use_character_inputs:
        cnn = network.token_encoder
        mapping["char_embed"] = cnn.char_embedding
        for i in range(len(cnn.filters)):
            mapping[f"CNN/W_cnn_{i}"] = cnn.conv_kernels[i]
            mapping[f"CNN/b_cnn_{i}"] = cnn.conv_biases[i]
        highway = cnn.highway
        for k in range(cnn.n_highway):
            mapping[f"CNN_high_{k}/W_carry"] = highway.carry_kernels[k]
            mapping[f"CNN_high_{k}/b_carry"] = highway.carry_biases[k]
            mapping[f"CNN_high_{k}/W_transform"] = highway.transform_kernels[k]
            mapping[f"CNN_high_{k}/b_transform"] = highway.transform_biases[k]
        mapping["CNN_proj/W_proj"] = cnn.projection_kernel
        mapping["CNN_proj/b_proj"] = cnn.projection_bias
    else:
        mapping["embedding"] = network.token_encoder.embeddings
    for d, stack in enumerate((network.bilm.forward_layers, network.bilm.backward_layers)):
        for l, lstm in enumerate(stack):
            prefix = f"RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/"
            mapping[prefix + "W_0"] = lstm.kernel
            mapping[prefix + "B"] = lstm.bias
            mapping[prefix + "W_P_0"] = lstm.projection_kernel
    return mapping


def set_network_weights(network, weights):
    """Assign weights keyed by dataset names (as ``read_bilm_weights`` returns) to an ``ELMoNetwork``.

    Args:
        network: a ``keras_layers.elmo_network.ELMoNetwork`` (built here if needed).
        weights: dict dataset name -> array; ``char_embed``/``embedding`` with the zero row
            prepended (the file's 261 rows are accepted too and get a zero row). CNN kernels in
            the file shape ``(1, width, d_char, n)``.

    Raises:
        ValueError: a weight is missing or its size does not fit the network.
    """
    mapping = _weight_map(network)
    for name, variable in mapping.items():
        if name not in weights:
            raise ValueError(f"`weights` lack `{name}`, which the network needs.")
        value = np.asarray(weights[name], dtype=np.float32)
        target = tuple(variable.shape)
        if name in _PREPENDED and value.shape == (target[0] - 1,) + target[1:]:
            value = np.concatenate([np.zeros((1,) + target[1:], np.float32), value])
        if value.size != int(np.prod(target)) or (value.shape != target and not name.startswith("CNN/W_cnn_")):
            raise ValueError(f"`weights[{name!r}]` has shape {value.shape}; the network's variable has shape {target}.")
        variable.assign(value.reshape(target))


def get_network_weights(network):
    """Return an ``ELMoNetwork``'s weights keyed by dataset names (as ``read_bilm_weights`` would).

    Args:
        network: a ``keras_layers.elmo_network.ELMoNetwork`` (built here if needed).

    Returns:
        dict dataset name -> float32 ``np.ndarray`` in the file's shapes, except ``char_embed`` /
        ``embedding`` which keep their padding row 0 (``write_bilm_hdf5`` drops it).

    Raises:
        ValueError: the network reads another character vocabulary than the original UTF-8 bytes
            (the format holds byte ids only).
    """
    import keras

    characters = getattr(network, "char_vocabulary", None)
    if network.use_character_inputs and characters is not None and characters.kind != "bytes":
        raise ValueError(
            f"The network reads {characters.kind} character ids ({characters.n_characters} embedding rows), but the "
            "original bilm-tf format has UTF-8 byte ids only (262 rows, no list of characters): other ELMo tools "
            "would read its characters wrongly. Keep it in this library's save format (ELMo.save)."
        )
    shapes = expected_weight_shapes(network.options)
    weights = {}
    for name, variable in _weight_map(network).items():
        value = np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float32)
        if name not in _PREPENDED:
            value = value.reshape(shapes[name])
        weights[name] = value
    return weights


def read_bilm_vocabulary(vocab_file, specials=("<S>", "</S>"), unk_token="<unk>"):
    """The vocabulary file of the original format (one token per line) as a ``Vocabulary``.

    The token ids follow the lines (the token variant's ids). The file's unknown token
    (``<UNK>`` or ``<unk>``) is the vocabulary's; when it has none, ``unk_token`` is appended.

    Args:
        vocab_file: path.
        specials: tokens counted as special entries (with the unknown token) when present.
        unk_token: the unknown token to add when the file has none.

    Returns:
        ``gensim_elmo.vocabulary.Vocabulary``.

    Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    >>> _ = open(path, "w").write(chr(10).join(["<S>", "</S>", "<UNK>", "the"]))
    >>> read_bilm_vocabulary(path).index_to_word
    ['<S>', '</S>', '<UNK>', 'the']
    """
    from gensim_elmo.vocabulary import Vocabulary

    with open(vocab_file, encoding="utf-8") as handle:
        words = [line.rstrip("\n") for line in handle if line.strip()]
    unk = next((w for w in ("<UNK>", "<unk>") if w in words), None)
    if unk is None:
        words.append(unk_token)
        unk = unk_token
    return Vocabulary(words, [0] * len(words), unk_token=unk,
                      num_specials=sum(w in tuple(specials) + (unk,) for w in words))


def write_bilm_vocabulary(vocabulary, vocab_file):
    """Write ``vocabulary`` one token per line (the original format), atomically.

    Example:
    >>> import os, tempfile
    >>> from gensim_elmo.vocabulary import Vocabulary
    >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    >>> write_bilm_vocabulary(Vocabulary(["<unk>", "a"], [0, 1]), path)
    >>> open(path).read().split()
    ['<unk>', 'a']
    """
    with atomic_path(vocab_file) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        handle.write("\n".join(vocabulary.index_to_word) + "\n")
