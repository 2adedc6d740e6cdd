"""Where ELMo's embedding time goes: batch preparation, character CNN, biLSTM, unpadding.

``embedding_profile`` runs ``ELMo.embed_sentences``'s stages one by one over the same batches
(sentences sorted by length, as it batches them), after a warm-up pass that compiles: the
Python-side preparation of each batch (character ids, the table of distinct tokens), the
character CNN alone on that table (a Keras model around the network's own ``token_encoder``),
the whole network, and the copy of each sentence's vectors out of the padded batch. The biLSTM's
share is the network's time less the CNN's. It also counts how much of the computed positions
are the user's tokens (the rest: padding to the length bucket and the two boundary tokens).

Example:
>>> from gensim_elmo import ELMo
>>> profile = embedding_profile(ELMo(preset="tiny", progress=False), [["a", "b"], ["c"]])  # doctest: +SKIP
>>> sorted(profile)[:3]  # doctest: +SKIP
['bilstm_and_rest_s', 'char_cnn_s', 'network_s']
"""

import time


def _batches(sentences, batch_size):
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    return [[sentences[i] for i in order[start : start + batch_size]] for start in range(0, len(order), batch_size)]


def embedding_profile(model, sentences, batch_size=32):
    """Seconds per stage of embedding ``sentences`` with the character ELMo ``model`` (a dict).

    Returns:
        dict: ``prepare_s``, ``char_cnn_s``, ``network_s``, ``bilstm_and_rest_s`` (network less
        CNN), ``unpad_s``, ``user_tokens``, ``computed_positions`` (batch x padded length,
        summed), ``user_share`` (their ratio), ``distinct_tokens`` (rows of the CNN tables, summed).
    """
    import keras

    network = model.network
    chars = keras.Input((network.token_encoder.max_characters_per_token,), dtype="int32")
    char_cnn = keras.Model(chars, network.token_encoder(chars))
    chunks = _batches(sentences, batch_size)
    for _ in range(2):  # the first pass compiles; the second is timed
        times = dict(prepare_s=0.0, char_cnn_s=0.0, network_s=0.0, unpad_s=0.0)
        positions = distinct = 0
        for chunk in chunks:
            start = time.perf_counter()
            batch = model._batch(chunk)
            times["prepare_s"] += time.perf_counter() - start
            start = time.perf_counter()
            char_cnn.predict_on_batch(batch["token_chars"])
            times["char_cnn_s"] += time.perf_counter() - start
            start = time.perf_counter()
            outputs = network.predict_on_batch(batch)
            times["network_s"] += time.perf_counter() - start
            start = time.perf_counter()
            for row, sentence in enumerate(chunk):
                model._unpad(outputs, row, len(sentence))
            times["unpad_s"] += time.perf_counter() - start
            positions += batch["token_ids"].size
            distinct += len(batch["token_chars"])
    user_tokens = sum(map(len, sentences))
    return dict(times, bilstm_and_rest_s=times["network_s"] - times["char_cnn_s"], user_tokens=user_tokens,
                computed_positions=int(positions), user_share=user_tokens / positions, distinct_tokens=int(distinct),
                batch_size=batch_size, sentences=len(sentences))
