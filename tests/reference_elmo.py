"""A plain, per-step numpy reference of ELMo, written directly from the original's description and code.

The sources: Peters et al. 2018, "Deep contextualized word representations" (NAACL), and its
TensorFlow code, bilm-tf (https://github.com/allenai/bilm-tf: the character CNN, highway layers and
LSTM with projection and clipping in ``bilm/model.py``, the character ids in ``bilm/data.py``).

Deliberately naive (loops over tokens, filters, positions, rows and time steps, float64) so that
it is easy to check by eye; the fast Keras layers are tested against it. Weights are dicts keyed
by the original HDF5 dataset names, as ``gensim_elmo.bilm_hdf5.read_bilm_weights`` returns them
(``char_embed`` with the zero row prepended, 262 rows).
"""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def relu(x):
    return np.maximum(x, 0.0)


ACTIVATIONS = {"relu": relu, "tanh": np.tanh}


def highway(x, layers):
    """``layers``: list of (W_carry, b_carry, W_transform, b_transform); x: (dim,)."""
    for w_carry, b_carry, w_transform, b_transform in layers:
        gate = sigmoid(x @ w_carry + b_carry)
        x = gate * relu(x @ w_transform + b_transform) + (1.0 - gate) * x
    return x


def char_cnn_token(char_ids, weights, options):
    """One token: 50 shifted ids -> projection_dim vector."""
    cnn = options["char_cnn"]
    activation = ACTIVATIONS[cnn.get("activation", "relu")]
    emb = weights["char_embed"][np.asarray(char_ids)].astype(np.float64)  # (50, d)
    n_chars = emb.shape[0]
    pieces = []
    for i, (width, num) in enumerate(cnn["filters"]):
        kernel = weights[f"CNN/W_cnn_{i}"][0].astype(np.float64)  # (width, d, num)
        bias = weights[f"CNN/b_cnn_{i}"].astype(np.float64)
        best = np.full((num,), -np.inf)
        for p in range(n_chars - width + 1):
            value = bias.copy()
            for k in range(width):
                value = value + emb[p + k] @ kernel[k]
            best = np.maximum(best, value)
        pieces.append(activation(best))
    x = np.concatenate(pieces)
    layers = [
        tuple(weights[f"CNN_high_{k}/{n}"].astype(np.float64) for n in ("W_carry", "b_carry", "W_transform", "b_transform"))
        for k in range(cnn["n_highway"])
    ]
    x = highway(x, layers)
    return x @ weights["CNN_proj/W_proj"].astype(np.float64) + weights["CNN_proj/b_proj"]


def char_cnn(char_ids, weights, options):
    """(..., 50) shifted ids -> (..., projection_dim)."""
    char_ids = np.asarray(char_ids)
    flat = char_ids.reshape(-1, char_ids.shape[-1])
    out = np.stack([char_cnn_token(row, weights, options) for row in flat])
    return out.reshape(char_ids.shape[:-1] + (out.shape[-1],))


def lstm_step(x, h, c, w0, b, wp, cell_clip=None, proj_clip=None):
    """One LSTMCell step with projection, TensorFlow gate order i, j, f, o, forget bias 1."""
    z = np.concatenate([x, h]) @ w0 + b
    i, j, f, o = np.split(z, 4)
    c = sigmoid(f + 1.0) * c + sigmoid(i) * np.tanh(j)
    if cell_clip is not None:
        c = np.clip(c, -cell_clip, cell_clip)
    m = sigmoid(o) * np.tanh(c)
    h = m @ wp
    if proj_clip is not None:
        h = np.clip(h, -proj_clip, proj_clip)
    return h, c


def lstm(x, lengths, w0, b, wp, cell_clip=None, proj_clip=None, backward=False, h0=None, c0=None):
    """Run one LSTM layer row by row over (B, T, D) inputs with right padding.

    Forward rows run over steps 0..len-1, backward rows over len-1..0; padded steps output zeros.
    Returns (outputs (B, T, P), h (B, P), c (B, U)), the states after each row's last real step.
    """
    x = np.asarray(x, np.float64)
    batch, time, _ = x.shape
    units, proj = wp.shape
    w0, b, wp = (np.asarray(a, np.float64) for a in (w0, b, wp))
    outputs = np.zeros((batch, time, proj))
    hs = np.zeros((batch, proj)) if h0 is None else np.array(h0, np.float64)
    cs = np.zeros((batch, units)) if c0 is None else np.array(c0, np.float64)
    for r in range(batch):
        h, c = hs[r], cs[r]
        steps = range(lengths[r] - 1, -1, -1) if backward else range(lengths[r])
        for t in steps:
            h, c = lstm_step(x[r, t], h, c, w0, b, wp, cell_clip, proj_clip)
            outputs[r, t] = h
        hs[r], cs[r] = h, c
    return outputs, hs, cs


def bilm(token_embeddings, lengths, weights, options, initial_states=None):
    """The biLM; states in BiLM order [fwd_0_h, fwd_0_c, bwd_0_h, bwd_0_c, fwd_1_h, ...].

    Returns (layers: list of (B, T, 2P), final_states).
    """
    opts = options["lstm"]
    n_layers = opts["n_layers"]
    inputs = [np.asarray(token_embeddings, np.float64)] * 2
    layers, states = [], []
    for l in range(n_layers):
        outs = []
        for d in range(2):
            prefix = f"RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/"
            h0 = c0 = None
            if initial_states is not None:
                h0, c0 = initial_states[4 * l + 2 * d], initial_states[4 * l + 2 * d + 1]
            out, h, c = lstm(
                inputs[d],
                lengths,
                weights[prefix + "W_0"],
                weights[prefix + "B"],
                weights[prefix + "W_P_0"],
                opts.get("cell_clip"),
                opts.get("proj_clip"),
                backward=d == 1,
                h0=h0,
                c0=c0,
            )
            if opts["use_skip_connections"] and l > 0:
                out = out + inputs[d]
            outs.append(out)
            states += [h, c]
        layers.append(np.concatenate(outs, axis=-1))
        inputs = outs
    return layers, states


def random_weights(options, seed=0, scale=0.5):
    """Random weights for ``options`` keyed by file dataset names (char_embed row 0 zero)."""
    rng = np.random.default_rng(seed)

    def draw(*shape):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    lstm_opts = options["lstm"]
    proj, dim = lstm_opts["projection_dim"], lstm_opts["dim"]
    weights = {}
    cnn = options.get("char_cnn")
    if cnn is not None and options.get("use_character_inputs", True):
        d_char = cnn["embedding"]["dim"]
        embed = draw(262, d_char)
        embed[0] = 0.0
        weights["char_embed"] = embed
        total = 0
        for i, (width, num) in enumerate(cnn["filters"]):
            weights[f"CNN/W_cnn_{i}"] = draw(1, width, d_char, num)
            weights[f"CNN/b_cnn_{i}"] = draw(num)
            total += num
        for k in range(cnn["n_highway"]):
            weights[f"CNN_high_{k}/W_carry"] = draw(total, total) / np.sqrt(total)
            weights[f"CNN_high_{k}/b_carry"] = draw(total)
            weights[f"CNN_high_{k}/W_transform"] = draw(total, total) / np.sqrt(total)
            weights[f"CNN_high_{k}/b_transform"] = draw(total)
        weights["CNN_proj/W_proj"] = draw(total, proj) / np.sqrt(total)
        weights["CNN_proj/b_proj"] = draw(proj)
    else:
        embed = draw(options["n_tokens_vocab"] + 1, proj)
        embed[0] = 0.0
        weights["embedding"] = embed
    for d in range(2):
        for l in range(lstm_opts["n_layers"]):
            prefix = f"RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/"
            weights[prefix + "W_0"] = draw(proj + proj, 4 * dim)
            weights[prefix + "B"] = draw(4 * dim)
            weights[prefix + "W_P_0"] = draw(dim, proj)
    return {name: value.astype(np.float32) for name, value in weights.items()}
