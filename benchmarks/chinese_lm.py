"""Chinese language models: NNLM and ELMo perplexity on People's Daily, one vocabulary for both.

Both models train on People's Daily's train split (January 1998, 909,807 words, read in
sentences, ``benchmarks.chinese_models``) with the words seen at least
``chinese_models.VOCAB_MIN_COUNT`` times in train as their vocabulary, the same for both; every
other word is ``<unk>`` (predicted as one word, as the Penn Treebank's ``<unk>``). Each follows
``benchmarks.lm_recipes``' two-phase recipe sized for this corpus (``chinese_models.CHINESE_RECIPES``):
the valid split chooses the learning-rate schedule, when to stop and which weights to keep; the
test split is scored once, at the end. Perplexity counts every word and each sentence's end (the
NNLM, and ELMo's forward direction, left to right; ELMo's backward direction predicts each word
and the sentence's start, right to left; "average" is the mean of the two, the ELMo paper's
figure). The trained models are saved for ``chinese_polysemy`` (and loaded, when it ran first).

There is no published perplexity for this split to compare with: the figures compare the two
models on one vocabulary.
"""

from benchmarks import chinese_models

NAME = "chinese_lm"
DESCRIPTION = "NNLM and ELMo perplexity on People's Daily (Chinese), one vocabulary"
EXPECTED_MINUTES = 110  # training both models (NNLM 25 minutes, ELMo up to 85); the test alone when cached


def _vocabulary_figures(model, quick):
    """The vocabulary's size and the share of valid and test words out of it."""
    figures = {"size": len(model.vocabulary), "min_count": model.min_count}
    for split in ("valid", "test"):
        words = [w for s in chinese_models.sentences(split, quick) for w in s]
        figures[f"{split}_tokens"] = len(words)
        figures[f"{split}_unk_rate"] = round(sum(w not in model.vocabulary for w in words) / len(words), 4)
    return figures


def run(quick=False):
    """Train (or load) both models, score test once, and return (figures, settings)."""
    test = list(chinese_models.sentences("test", quick))
    figures = {"models": {}}
    for kind in ("nnlm", "elmo"):
        model = chinese_models.trained_model(kind, quick=quick)
        info = chinese_models.training_info(kind, quick) or {}
        test_ppl = model.perplexity(test)
        entry = {"test_perplexity": test_ppl, "parameters": int(model.language_model.count_params()),
                 "vocabulary_size": len(model.vocabulary)}
        entry.update({k: info[k] for k in ("valid_perplexity", "kept_weights", "phase_one_epochs", "epochs_run",
                                           "valid_perplexity_curve", "averaged_valid_perplexity_curve", "train_loss",
                                           "train_wall_time_s", "train_wall_time_all_runs_s", "resumed_from_checkpoint",
                                           "backend") if k in info})
        figures["models"][kind] = entry
        shown = test_ppl if kind == "nnlm" else test_ppl["forward"]
        print(f"{kind}: test perplexity {shown:.1f}" + ("" if kind == "nnlm" else
              f" forward, {test_ppl['backward']:.1f} backward, {test_ppl['average']:.1f} average"))
        if "vocabulary" not in figures:
            figures["vocabulary"] = _vocabulary_figures(model, quick)
    nnlm, elmo = (figures["models"][k]["test_perplexity"] for k in ("nnlm", "elmo"))
    figures["elmo_forward_below_nnlm"] = elmo["forward"] < nnlm
    settings = {"corpus": chinese_models.corpus_name(quick) + "; valid for the schedule and the kept weights, "
                          "test scored once",
                "vocabulary": f"words seen at least {chinese_models.VOCAB_MIN_COUNT} times in train, <unk> for the rest",
                "recipes": {k: chinese_models.settings_for(k, quick) for k in ("nnlm", "elmo")}}
    return figures, settings
