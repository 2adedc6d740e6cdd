"""Regenerate ``benchmarks/RESULTS.md`` (tables) and the plots from every ``results/*.json``, and
the documentation's results page ``docs/benchmark_results.md`` (headline tables, the plots copied
to ``docs/img/benchmarks/``).

``python -m benchmarks.report`` rebuilds them; the runner calls it after each run. Quick-run
results (``*.quick.json``) are reported only when no full result exists, and are marked.
"""

import glob
import json
import os
import shutil

import numpy as np

from benchmarks.jax_precision import PRECISIONS as _JAX_PRECISIONS
from benchmarks.results_io import RESULTS_DIR
from benchmarks.speedups import BILM_TF as _BILM_TF
from benchmarks.speedups import OPTIMISED as _OPTIMISED

#: RESULTS.md sits next to the results directory (``benchmarks/RESULTS.md`` in a checkout).
RESULTS_MD = os.path.join(os.path.dirname(RESULTS_DIR), "RESULTS.md")


def load_results(results_dir=RESULTS_DIR):
    """name -> result dict, preferring full runs over quick ones."""
    results = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
        name = result["benchmark"]
        if name not in results or (results[name]["quick"] and not result["quick"]):
            results[name] = result
    return results


#: Benchmarks that measure in worker processes: their own peak memory is in their tables.
WORKER_BENCHMARKS = {"roofline", "roofline_gpu", "memory_scaling", "speedups"}


def _header(result):
    m = result["machine"]
    kind = "QUICK run (reduced data)" if result["quick"] else "full run"
    memory = result.get("memory")
    if memory and result["benchmark"] in WORKER_BENCHMARKS:
        kind += f", runner's peak RSS {memory['peak_rss_mib']:.0f} MiB (the workers' are in the table)"
    elif memory:
        kind += f", peak RSS {memory['peak_rss_mib']:.0f} MiB"
    return (f"_{kind}, {result['date']}, {result['wall_time_s'] / 60:.1f} min; {m.get('cores')} cores "
            f"({m.get('cpu')}), Keras backend {m.get('keras_backend')}, gensim {m.get('gensim')}, "
            f"keras {m.get('keras')}_\n")


def _word2vec_speed(result, plots_dir):
    rows = ["| corpus / mode | gensim words/s | gensim_elmo words/s | ratio |", "| --- | ---: | ---: | ---: |"]
    for key, f in result["figures"].items():
        rows.append(f"| {key} | {f['gensim_words_per_s'] / 1e6:.2f}M | {f['gensim_elmo_words_per_s'] / 1e6:.2f}M | "
                    f"{f['ratio']:.3f} |")
    anchors = result["settings"].get("anchors", {})
    if anchors:
        rows.append("\nReference speeds on the same CPU type (raw words/s; gensim, the original C word2vec of "
                    "Mikolov et al. 2013, fastText without subwords of Bojanowski et al. 2017; see "
                    "benchmarks/word2vec_speed.py): " + "; ".join(
            f"{name}: CBOW {a['cbow'] / 1e6:.2f}M, skip-gram {a['skipgram'] / 1e6:.2f}M" for name, a in anchors.items()))
    return "\n".join(rows), _plot_word2vec(result, plots_dir)


def _plot_word2vec(result, plots_dir):
    plt = _pyplot()
    keys = list(result["figures"])
    gensim = [result["figures"][k]["gensim_words_per_s"] / 1e6 for k in keys]
    ours = [result["figures"][k]["gensim_elmo_words_per_s"] / 1e6 for k in keys]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    _grouped_bars(ax, keys, {"gensim": gensim, "gensim_elmo": ours}, rotation=15)
    ax.set_ylabel("million words / s")
    ax.set_title("Word2Vec training speed (same run, interleaved)")
    ax.legend()
    return _save(plt, fig, plots_dir, "word2vec_speed.png")


def _nnlm_ptb(result, plots_dir):
    f = result["figures"]
    rows = ["| model | PTB test perplexity |", "| --- | ---: |"]
    for name, value in f["anchors"].items():
        rows.append(f"| {name} (published) | {value} |")
    rows.append(f"| **gensim_elmo NNLM** (this run) | **{f['test_perplexity']:.1f}** |")
    rows.append(f"\nValid perplexity {f['valid_perplexity']:.1f} (best epoch {f['best_epoch']} of {f['epochs_run']}, "
                f"{f.get('kept_weights', 'raw')} weights); "
                f"{f['training_tokens_per_s']:.0f} training tokens/s; trained in {f['train_wall_time_s'] / 60:.1f} min; "
                f"backend {f['backend']}. Settings: `{json.dumps(result['settings'])}`")
    return "\n".join(rows), _plot_curve(result, plots_dir, "NNLM", "nnlm_ptb_learning_curve.png")


def _plot_curve(result, plots_dir, model_name, file_name):
    plt = _pyplot()
    f = result["figures"]
    epochs = range(1, len(f["valid_perplexity_curve"]) + 1)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(list(epochs), f["valid_perplexity_curve"], marker="o", label=f"valid perplexity (gensim_elmo {model_name})")
    averaged = f.get("averaged_valid_perplexity_curve")
    if averaged:
        first = f["sampled_softmax_epochs"] + 1
        ax.plot(list(range(first, first + len(averaged))), averaged, marker="s",
                label="valid perplexity, weights averaged over the epoch")
    for name, value in f["anchors"].items():
        ax.axhline(value, linestyle="--", linewidth=0.8, color="grey")
        ax.text(len(epochs), value, f" {name}: {value}", fontsize=7, va="bottom", ha="right")
    ax.set_xlabel("epoch")
    ax.set_ylabel("perplexity")
    test = f["test_perplexity"]
    test = test["average"] if isinstance(test, dict) else test
    ax.set_title(f"{model_name} on Penn Treebank (test {test:.1f})")
    ax.legend(fontsize=8)
    return _save(plt, fig, plots_dir, file_name)


def _elmo_ptb(result, plots_dir):
    f = result["figures"]
    settings = result["settings"]
    preset = settings.get("settings", settings).get("preset")  # results before the recipe held flat settings
    test, valid = f["test_perplexity"], f["valid_perplexity"]
    rows = ["| model | PTB test perplexity |", "| --- | ---: |"]
    for name, value in f["anchors"].items():
        rows.append(f"| {name} (published, left-to-right) | {value} |")
    stream = f.get("test_perplexity_stream")  # a model trained on a stream of text: test read the same way too
    if stream:
        rows.append(f"| **gensim_elmo ELMo {preset}**, test read as a stream (as the published models), forward "
                    f"(this run) | **{stream['forward']:.1f}** |")
        rows.append(f"| gensim_elmo ELMo {preset}, read as a stream, backward | {stream['backward']:.1f} |")
        rows.append(f"| gensim_elmo ELMo {preset}, read as a stream, average of both | {stream['average']:.1f} |")
        rows.append(f"| gensim_elmo ELMo {preset}, one sentence at a time, forward | {test['forward']:.1f} |")
        rows.append(f"| gensim_elmo ELMo {preset}, one sentence at a time, backward | {test['backward']:.1f} |")
        rows.append(f"| gensim_elmo ELMo {preset}, one sentence at a time, average of both | {test['average']:.1f} |")
    else:
        rows.append(f"| **gensim_elmo ELMo {preset}**, forward (this run) | **{test['forward']:.1f}** |")
        rows.append(f"| gensim_elmo ELMo {preset}, backward | {test['backward']:.1f} |")
        rows.append(f"| gensim_elmo ELMo {preset}, average of both | {test['average']:.1f} |")
    if isinstance(valid, dict):
        valid_text = (f"forward {valid['forward']:.1f} / backward {valid['backward']:.1f} / average "
                      f"{valid['average']:.1f} after {f['epochs_run']} epoch(s)")
    else:
        valid_text = (f"{valid:.1f} (average of both directions{', read as a stream' if stream else ''}; "
                      f"{f.get('kept_weights')} weights) over {f['epochs_run']} epochs, "
                      f"{f.get('sampled_softmax_epochs')} with the sampled softmax")
    speed = f"{f['training_tokens_per_s']:.0f} training tokens/s; " if f.get("training_tokens_per_s") else ""
    rows.append(f"\nValid perplexity {valid_text}; {speed}trained in {f['train_wall_time_s'] / 60:.1f} min"
                f"{' (in the last resumed run)' if f.get('resumed_from_checkpoint') else ''}; "
                f"{f['parameters'] / 1e6:.1f}M parameters; backend {f['backend']}. "
                f"Settings: `{json.dumps(settings)}`")
    plot = _plot_curve(result, plots_dir, "ELMo", "elmo_ptb_learning_curve.png") if len(
        f["valid_perplexity_curve"]) > 1 else None
    return "\n".join(rows), plot


def _score(r):
    if "spearman" in r:
        return r["spearman"], r["oov_pairs"], r["pairs"]
    return r["accuracy"], r["oov_questions"], r["questions"]


def _word_similarity(result, plots_dir):
    models = result["figures"]["models"]
    names = list(models)
    sets = list(dict.fromkeys(s for n in names for s in models[n]["scores"]))
    rows = ["| set (metric) | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names),
            "| vocabulary / dimensions | " + " | ".join(f"{models[n]['vocabulary']} / {models[n]['vector_size']}"
                                                   for n in names) + " |"]
    for name in sets:
        metric = "accuracy" if name.endswith("analogy") else "Spearman"
        cells = []
        for n in names:
            if name not in models[n]["scores"]:
                cells.append("not run")
                continue
            value, oov, total = _score(models[n]["scores"][name])
            cells.append(f"{value:.3f} ({total - oov}/{total})")
        rows.append(f"| {name} ({metric}) | " + " | ".join(cells) + " |")
    rows.append(f"\nIn brackets: pairs or questions whose words are all in the model's vocabulary (the others are "
                f"skipped). Corpus: {result['settings']['corpus']}. Settings: `{json.dumps(result['settings']['models'])}`")
    return "\n".join(rows), _plot_word_similarity(models, names, sets, plots_dir)


def _plot_word_similarity(models, names, sets, plots_dir):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, len(sets) * 0.9), 3.8))
    _grouped_bars(ax, sets, {n: [_score(models[n]["scores"][s])[0] if s in models[n]["scores"] else 0.0
                                 for s in sets] for n in names}, rotation=30, ha="right")
    ax.set_ylabel("Spearman / analogy accuracy")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title("Word similarity and analogy, all models trained on the same corpus")
    ax.legend(fontsize=7)
    return _save(plt, fig, plots_dir, "word_similarity.png")


def _polysemy(result, plots_dir):
    f = result["figures"]
    rows = ["| model | dev accuracy | test accuracy | test, identical word form |", "| --- | ---: | ---: | ---: |"]
    for name, r in f["models"].items():
        oov = f" ({r['out_of_vocabulary_targets']} targets out of vocabulary)" if r.get("out_of_vocabulary_targets") else ""
        form = f"{r['identical_form_test_accuracy']:.3f}" if "identical_form_test_accuracy" in r else "n/a"
        rows.append(f"| {name}{oov} | {r['dev_accuracy']:.3f} | **{r['test_accuracy']:.3f}** | {form} |")
    for name, value in f["anchors"].items():
        rows.append(f"| {name} (published, on WiC itself) | | {value} | |")
    rows.append(f"\n{f['pairs']['dev']} dev and {f['pairs']['test']} test pairs, half of them same-sense, from "
                f"{f['contexts']} WordNet example contexts; threshold on cosine similarity chosen on dev. Models "
                f"trained on {result['settings']['corpus']}."
                + (f" Identical word form: the {f['identical_form_pairs']['test']} balanced test pairs whose two "
                   "sentences use the same word form (a static vector and ELMo's layer 0 are at chance there by "
                   "construction; threshold chosen on dev's identical-form pairs)." if "identical_form_pairs" in f
                   else ""))
    plot = _plot_sense_map(f["sense_map"], f["best_elmo_layer_on_dev"], plots_dir) if f.get("sense_map") else None
    return "\n".join(rows), plot


def _plot_sense_map(points, layer, plots_dir):
    plt = _pyplot()
    words = list(points)
    fig, axes = plt.subplots(1, len(words), figsize=(4.2 * len(words), 4.2), squeeze=False)
    for ax, word in zip(axes[0], words):
        senses = sorted({p["sense"] for p in points[word]})
        colours = plt.get_cmap("tab10")
        for k, sense in enumerate(senses[:10]):
            chosen = [p for p in points[word] if p["sense"] == sense]
            ax.scatter([p["x"] for p in chosen], [p["y"] for p in chosen], s=22, color=colours(k), label=sense)
        ax.set_title(f'"{word}": {len(points[word])} contexts, {len(senses)} senses')
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=5.5, loc="best")
    fig.suptitle(f"WordNet example sentences projected to 2-D (PCA of the target word's ELMo vector, {layer}), "
                 "coloured by WordNet sense")
    return _save(plt, fig, plots_dir, "polysemy_sense_map.png")


def _chinese_lm(result, plots_dir):
    f, s = result["figures"], result["settings"]
    nnlm, elmo, vocabulary = f["models"]["nnlm"], f["models"]["elmo"], f["vocabulary"]
    rows = ["| model | valid perplexity | test perplexity |", "| --- | ---: | ---: |",
            f"| NNLM | {nnlm['valid_perplexity']:.1f} | **{nnlm['test_perplexity']:.1f}** |"]
    test, valid = elmo["test_perplexity"], elmo.get("valid_perplexity")
    rows.append(f"| ELMo, forward (left to right, as the NNLM) | | **{test['forward']:.1f}** |")
    rows.append(f"| ELMo, backward | | {test['backward']:.1f} |")
    rows.append(f"| ELMo, average of both | {valid:.1f} | {test['average']:.1f} |")
    notes = []
    for name, m in (("NNLM", nnlm), ("ELMo", elmo)):
        notes.append(f"{name}: {_epochs(m['epochs_run'])} ({m['phase_one_epochs']} with the sampled softmax), "
                     f"{m.get('kept_weights')} weights kept, {m['parameters'] / 1e6:.1f}M parameters, trained "
                     + (f"{m['train_wall_time_all_runs_s'] / 60:.0f} min (all runs)" if "train_wall_time_all_runs_s" in m
                        else f"{m['train_wall_time_s'] / 60:.0f} min{_resumed(m)}"))
    rows.append(f"\nOne vocabulary for both: {vocabulary['size']:,} entries, the words seen "
                f"{vocabulary['min_count']}+ times in train and `<s>`, `</s>`, `<unk>`; `<unk>` stands for "
                f"{vocabulary['test_unk_rate']:.1%} of the {vocabulary['test_tokens']:,} test words "
                f"({vocabulary['valid_unk_rate']:.1%} of valid's). Perplexity counts every word and each sentence's "
                f"end; valid chose the schedule and the kept weights, test was scored once. {'; '.join(notes)}. "
                f"Corpus: {s['corpus']}. Recipes: `{json.dumps(s['recipes'])}`")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, m in (("NNLM", nnlm), ("ELMo (average of both directions)", elmo)):
        curve = m.get("valid_perplexity_curve") or []
        ax.plot(list(range(1, len(curve) + 1)), curve, marker="o", label=f"{name}, valid")
    ax.set_xlabel("epoch")
    ax.set_ylabel("perplexity")
    ax.set_title(f"People's Daily (test: NNLM {nnlm['test_perplexity']:.0f}, ELMo forward {test['forward']:.0f})")
    ax.legend(fontsize=8)
    return "\n".join(rows), _save(plt, fig, plots_dir, "chinese_lm_learning_curves.png")


def _chinese_polysemy_models(f):
    rows = ["| model | dev accuracy | test accuracy |", "| --- | ---: | ---: |"]
    for name, r in f["models"].items():
        best = " (best layer on dev)" if name == f["best_elmo_layer_on_dev"] else ""
        rows.append(f"| {name}{best} | {r['dev_accuracy']:.3f} | **{r['test_accuracy']:.3f}** |")
    return rows


def _ceiling_sentence(f):
    if "best_layer_per_word_threshold_ceiling" not in f:
        return ""
    return (f"A threshold per word, chosen on the test pairs themselves (an oracle: no calibration of the "
            f"similarities beats it), would give {f['best_elmo_layer_on_dev']} "
            f"{f['best_layer_per_word_threshold_ceiling']:.3f}. ")


def _chinese_polysemy(result, plots_dir):
    f, s = result["figures"], result["settings"]
    rows = _chinese_polysemy_models(f)
    rows.append(f"\n{f['pairs']['dev']:,} dev and {f['pairs']['test']:,} test pairs, half of them same-sense within "
                f"every word, of {f['words']['dev']} dev and {f['words']['test']} test words (no word in both), from "
                f"{s['pair_sentences']}; threshold on cosine similarity chosen on dev. Both uses of a pair are the same "
                "word form, so static vectors (Word2Vec, NNLM) and ELMo's layer 0 are at 0.5 by construction. "
                + (f"`_centred` rows: each vector {s['centred_rows']}. " if "centred_rows" in s else "")
                + _ceiling_sentence(f) + f"Models trained on {s['corpus']}.")
    rows += ["\nThe words (PKU tags; uses in the held-out sentences; the best ELMo layer's test accuracy on the "
             "word's pairs):\n", "| word | sense 1 | sense 2 | uses | pairs | split | best layer |",
             "| --- | --- | --- | ---: | ---: | --- | ---: |"]
    for word, r in f["sense_words"].items():
        accuracy = r.get("best_layer_test_accuracy")
        rows.append(f"| {word} | {r['tags'][0]}: {r['senses'][0]} | {r['tags'][1]}: {r['senses'][1]} | "
                    f"{r['uses'][0]} + {r['uses'][1]} | {r['pairs']} | {r['split']} | "
                    f"{'' if accuracy is None else f'{accuracy:.2f}'} |")
    if f.get("left_out_for_few_uses"):
        rows.append("\nLeft out for fewer than " f"{s['min_uses_per_sense']} uses of a sense: "
                    + ", ".join(f"{w} ({' + '.join(map(str, n))})" for w, n in f["left_out_for_few_uses"].items()) + ".")
    rows.append("\nLeft out as one sense with two analyses: "
                + "; ".join(f"{w} {why}" for w, why in f["not_two_senses"].items()) + ".")
    rows += ["\nNearest neighbours of the static vectors:\n", "| model | word | nearest words |", "| --- | --- | --- |"]
    for model, words in f["neighbours"].items():
        rows += [f"| {model} | {w} | {', '.join(f'{n} {c:.2f}' for n, c in near)} |" for w, near in words.items()]
    plt = _pyplot()
    names = list(f["models"])
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    ax.bar(names, [f["models"][n]["test_accuracy"] for n in names],
           color=["tab:blue" if n.startswith("elmo") else "tab:gray" for n in names])
    ax.axhline(0.5, linestyle="--", color="black", linewidth=0.8, label="chance")
    ax.set_ylim(0, 1)
    ax.set_ylabel("test accuracy")
    ax.set_title("Same sense or not, People's Daily (POS contrasts)")
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=8)
    return "\n".join(rows), _save(plt, fig, plots_dir, "chinese_polysemy.png")


def _as_list(value):
    """``value`` as a list: [] for None, [value] for one item.

    Example:
    >>> _as_list(None), _as_list({"a": 1}), _as_list([1, 2])
    ([], [{'a': 1}], [1, 2])
    """
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _failure_notes(backend, b):
    """One note per workload that failed in a backend worker's result."""
    return [f"{backend} {name} FAILED: {error}" for name, error in b.get("errors", {}).items()]


def _later_run_notes(backend, b):
    """A note for each later run that measured some of a backend worker's workloads (``later_run``:
    one ``{"measured": [...], "why": "..."}`` or a list of them)."""
    return [f"{backend} {', '.join(run['measured'])}: {run['why']}" for run in _as_list(b.get("later_run"))]


def _matmul_rates(backends):
    """The matmul GFLOP/s each backend worker measured, as one line."""
    return "; ".join(f"{backend}: " + ", ".join(f"{k} {v:.0f}" for k, v in b["matmul_gflops"].items())
                     for backend, b in backends.items())


def _roofline(result, plots_dir):
    backends = result["figures"]["backends"]
    rows = ["| backend | workload | tokens/s | GFLOP/token | achieved GFLOP/s | efficiency | peak RSS MiB |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    notes = []
    for backend, b in backends.items():
        for name, w in b["workloads"].items():
            rows.append(f"| {backend} | {name} | {w['tokens_per_s']:.0f} | {w['flops_per_token'] / 1e9:.4f} | "
                        f"{w['achieved_gflops']:.1f} | **{w['efficiency']:.3f}** | {w['peak_rss_mib']:.0f} |")
        if "device" in b:
            notes.append(f"{backend} computed on {b['device']} ({b['device_name']})")
        if "lstm_stack_ratio" in b:
            notes.append(f"{backend}: LSTMProjection / keras.layers.LSTM training tokens/s = "
                         f"**{b['lstm_stack_ratio']:.2f}**")
        notes += _failure_notes(backend, b)
        if "curve_run" in b:
            notes.append(f"{backend} batch-size curve: {b['curve_run']['why']}")
        before = dict(b["workloads"])
        for after in _as_list(b.get("after")):  # changes in the order they were made, each on the last
            notes.append(f"{backend} after \"{after['change']}\": " + "; ".join(
                f"{name} {w['tokens_per_s']:.0f} tokens/s, efficiency **{w['efficiency']:.3f}** (before "
                f"{before[name]['efficiency']:.3f})" for name, w in after["workloads"].items() if name in before)
                + (f"; user tokens {after['embed_profile']['user_share']:.0%} of the positions computed"
                   if "embed_profile" in after else "") + (f". {after['note']}" if "note" in after else ""))
            before.update(after["workloads"])
        notes += _later_run_notes(backend, b)
        if "embed_profile" in b:
            prof = b["embed_profile"]
            stages = ("prepare_s", "char_cnn_s", "bilstm_and_rest_s", "unpad_s")
            total = sum(prof[k] for k in stages)
            notes.append(f"{backend} where `{prof['preset']}` embedding time goes (batch {prof['batch_size']}, "
                         f"{prof['sentences']} sentences): " + ", ".join(
                             f"{k[:-2].replace('_', ' ')} {prof[k] / total:.0%}" for k in stages)
                         + f"; user tokens are {prof['user_share']:.0%} of the positions computed")
        if "torch_compile" in b:
            tc = b["torch_compile"]
            rates = tc["tokens_per_s"]
            notes.append(f"{backend} with `jit_compile=True` (torch.compile, {tc['device_name']}, {tc['date']}): "
                         f"LSTM stack {rates['projection_compiled']:.0f} tokens/s vs eager "
                         f"{rates['projection_eager']:.0f} and cuDNN {rates['keras_lstm_cudnn']:.0f}: ratio "
                         f"**{tc['ratio_compiled_vs_cudnn']:.2f}** (eager {tc['ratio_eager_vs_cudnn']:.2f}); "
                         f"{tc['compile_warmup_s']:.0f} s to compile; weights within "
                         f"{tc['max_weight_difference_compiled_vs_eager']:.0e} of eager. Whole `small` ELMo "
                         f"training: eager {tc['elmo_train_small']['eager_tokens_per_s']:.0f} tokens/s, compiled "
                         f"{tc['elmo_train_small']['compiled']}")
        if "profile" in b:
            prof = b["profile"]
            notes.append(f"{backend} profile ({prof['workload']}): " + "; ".join(
                f"{kind} {p['wall_s']:.2f} s wall, GPU busy {p['gpu_busy_s']:.2f} s, {p['kernel_launches']} kernel "
                f"launches" for kind, p in prof.items() if isinstance(p, dict)) + f". {prof['reading']}")
    rates = _matmul_rates(backends)
    rows.append(f"\nfloat32 matmul {tuple(result['settings']['matmul_shape'])} GFLOP/s (median): {rates}. Efficiency = "
                "achieved GFLOP/s / the best matmul rate of that run. Targets and anchor: "
                + "; ".join(f"{k} {v}" for k, v in result["figures"]["anchors"].items()))
    rows += [""] + [f"- {note}" for note in notes]
    return "\n".join(rows), _plot_roofline(backends, plots_dir, f"{result['benchmark']}.png")


def _plot_roofline(backends, plots_dir, filename):
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for backend, b in backends.items():
        curve = sorted((int(k.split("/")[1]), w["tokens_per_s"]) for k, w in b["workloads"].items()
                       if k.startswith("elmo_embed_batch/"))
        left.plot([c[0] for c in curve], [c[1] for c in curve], marker="o", label=backend)
    left.set_xscale("log", base=2)
    left.set_xlabel("batch size (sentences)")
    left.set_ylabel("tokens / s")
    left.set_title("ELMo embedding speed by batch size")
    left.legend(fontsize=8)
    names = list(dict.fromkeys(n for b in backends.values() for n in b["workloads"]))
    names = [n for n in names if not n.startswith("elmo_embed_batch/")]
    # A workload that failed on one backend is a missing bar (0), not a missing group.
    _grouped_bars(right, names, {backend: [b["workloads"].get(n, {"efficiency": 0.0})["efficiency"] for n in names]
                                 for backend, b in backends.items()}, rotation=25, ha="right", fontsize=7)
    right.set_ylabel("efficiency (of best matmul FLOP/s)")
    right.set_title("Efficiency per workload")
    right.legend(fontsize=8)
    return _save(plt, fig, plots_dir, filename)


def _downstream(result, plots_dir):
    f = result["figures"]
    datasets = list(f)
    embeddings = list(f[datasets[0]]["accuracy"])
    rows = ["| embedding | " + " | ".join(f"{d} ({f[d]['texts']} texts, {len(f[d]['classes'])} classes)"
                                         for d in datasets) + " |", "| --- |" + " ---: |" * len(datasets)]
    for e in embeddings:
        rows.append(f"| {e} | " + " | ".join(
            f"{f[d]['accuracy'][e]['mean']:.3f} (±{np.std(f[d]['accuracy'][e]['per_seed']):.3f})"
            for d in datasets) + " |")
    s = result["settings"]
    rows.append(f"\nTest accuracy, mean (and standard deviation) over seeds {s['seeds']}; {s['split']}; texts cut to "
                f"{s['max_tokens']} tokens; {s['epochs']} epochs. Embeddings trained on {s['embeddings_trained_on']}.")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    _grouped_bars(ax, datasets, {e: [f[d]["accuracy"][e]["mean"] for d in datasets] for e in embeddings})
    ax.set_ylabel("test accuracy")
    ax.set_title("The same classifier, its embedding layer swapped")
    ax.legend(fontsize=8)
    path = _save(plt, fig, plots_dir, "downstream.png")
    return "\n".join(rows), path


def _fine_tuning(result, plots_dir):
    f = result["figures"]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for name, label in (("fine_tuned", "fine-tuned from PTB"), ("from_scratch", "from scratch")):
        curve = f[name]["valid_perplexity_curve"]
        ax.plot(range(1, len(curve) + 1), curve, marker="o", label=label)
    ax.set_xlabel("epoch on the domain")
    ax.set_ylabel("held-out perplexity")
    ax.set_yscale("log")
    ax.set_title("ELMo on Rotten Tomatoes: fine-tuned vs from scratch")
    ax.legend(fontsize=8)
    return _fine_tuning_table(result), _save(plt, fig, plots_dir, "fine_tuning.png")


def _fine_tuning_table(result):
    f, s = result["figures"], result["settings"]
    d = f["domain"]
    rows = ["| model | epochs on the domain | minutes | test perplexity (forward / backward) | accuracy: frozen ELMo "
            "| accuracy: trainable + ELMo |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    base = f["ptb_model"]
    base_state = (f" (the PTB model: {base['epochs_trained']} epochs, best PTB valid perplexity "
                  f"{base['best_valid_perplexity']:.1f})" if base.get("best_valid_perplexity") else "")
    for name, label in (("ptb_model", "PTB model, not fine-tuned"), ("fine_tuned", "fine-tuned from PTB"),
                        ("from_scratch", "trained on the domain from scratch")):
        r = f[name]
        p = r.get("test_perplexity")
        acc = r["accuracy"]
        trained = name != "ptb_model"
        rows.append(f"| {label} | {r['epochs_trained'] if trained else 0} | "
                    + (f"{r['train_seconds'] / 60:.1f}" if trained else "–") + " | "
                    + (f"{p['average']:.1f} ({p['forward']:.1f} / {p['backward']:.1f})" if p else "–") + " | "
                    + " | ".join(f"{acc[k]['mean']:.3f} (±{np.std(acc[k]['per_seed']):.3f})"
                                 for k in ("elmo", "random+elmo")) + " |")
    wins = f["fine_tuning_wins"]
    rows.append(
        f"\nDomain: {s['domain']}; the language models read {d['training_texts']} training texts "
        f"({_thousands(d['training_tokens'])} tokens; {d['held_out_texts']} more held out to keep the best epoch); "
        f"test: {d['test_texts']} texts ({_thousands(d['test_tokens'])} tokens){base_state}. Both models predict "
        "over the same "
        f"{_thousands(d['vocabulary'])} words: the domain's {_thousands(d['domain_words'])} (min count "
        f"{s['min_count']}) and the PTB model's others. Up to {s['epochs']} epochs each, learning rate "
        f"{s['fine_tune_learning_rate']} (fine-tuning) and {s['scratch_learning_rate']} (from scratch), sampled "
        f"softmax {s['num_sampled']}, dropout {s['dropout']}. Accuracy: mean (standard deviation) over seeds "
        f"{list(s['classifier']['seeds'])}. Fine-tuning wins on perplexity: {'yes' if wins['perplexity'] else 'no'}; "
        f"on accuracy: {'yes' if wins['accuracy'] else 'no'}.")
    return "\n".join(rows)


#: The scores ``distilled_vectors`` shows (the result file has every set).
_DISTILLED_SETS = ("wordsim353", "simlex999", "men", "google_analogy")


def _distilled_vectors(result, plots_dir):
    vectors, classification = result["figures"]["vectors"], result["figures"]["classification"]
    names, datasets = list(vectors), list(classification)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, len(names) * 0.8), 3.8))
    shown = [k for k in _DISTILLED_SETS if any(k in vectors[n]["scores"] for n in names)] + datasets
    _grouped_bars(ax, shown, {n: [(_score(vectors[n]["scores"][k])[0] if k in vectors[n]["scores"] else 0.0)
                                  if k in _DISTILLED_SETS else classification[k].get(n, {}).get("mean", 0.0)
                                  for k in shown] for n in names}, rotation=30, ha="right")
    ax.set_ylabel("Spearman / accuracy")
    ax.set_title("Static vectors distilled from ELMo vs trained static vectors")
    ax.legend(fontsize=6)
    return _distilled_vectors_table(result), _save(plt, fig, plots_dir, "distilled_vectors.png")


def _distilled_vectors_table(result):
    f, s = result["figures"], result["settings"]
    vectors, classification = f["vectors"], f["classification"]
    datasets = list(classification)
    names = list(vectors)
    rows = ["| vectors | words / dimensions | npz KB: float32 / float16 / int8 | "
            + " | ".join(_DISTILLED_SETS) + " | " + " | ".join(datasets) + " |",
            "| --- | --- | --- |" + " ---: |" * (len(_DISTILLED_SETS) + len(datasets))]
    for n in names:
        v = vectors[n]
        sizes = v.get("npz_bytes")
        size = " / ".join(f"{sizes[t] / 1024:.0f}" for t in ("float32", "float16", "int8")) if sizes else "(the int8 file)"
        scores = [f"{_score(v['scores'][k])[0]:.3f}" if k in v["scores"] else "–" for k in _DISTILLED_SETS]
        accuracy = [f"{classification[d][n]['mean']:.3f}" if n in classification[d] else "–" for d in datasets]
        rows.append(f"| {n} | {v['vocabulary']} / {v['vector_size']} | {size} | " + " | ".join(scores + accuracy) + " |")
    pooling = f["pooling"]
    rows.append(
        f"\nELMo's vectors (mean of the layers) pooled over {_thousands(pooling['tokens'])} tokens of "
        f"{s['corpus']} in {pooling['seconds'] / 60:.1f} minutes ({_thousands(pooling['tokens_per_second'])} tokens/s); "
        "each variant then takes " + ", ".join(f"{n} {vectors[n]['distil_seconds']:.1f} s" for n in names
                                                 if "distil_seconds" in vectors[n]) +
        ". Similarity: Spearman; analogy: accuracy over the questions whose words the vectors hold; classifiers: "
        "`downstream`'s, the vectors frozen, mean test accuracy over its seeds. `_int8` rows: the int8 file reloaded.")
    return "\n".join(rows)


def _docs_fine_tuning(result):
    f = result["figures"]
    tuned, scratch = f["fine_tuned"], f["from_scratch"]
    summary = (f"test perplexity fine-tuned {tuned['test_perplexity']['average']:.1f} vs from scratch "
               f"{scratch['test_perplexity']['average']:.1f}; accuracy (frozen ELMo) {tuned['accuracy']['elmo']['mean']:.3f} "
               f"vs {scratch['accuracy']['elmo']['mean']:.3f}")
    return summary, _fine_tuning_table(result), "fine_tuning.png"


def _docs_distilled_vectors(result):
    f = result["figures"]
    best = max((n for n in f["vectors"] if n.startswith("elmo_") and n != "elmo_layer0"
                and "wordsim353" in f["vectors"][n]["scores"]),
               key=lambda n: _score(f["vectors"][n]["scores"]["wordsim353"])[0])
    summary = "WordSim-353 Spearman: " + ", ".join(
        f"{n} {_score(f['vectors'][n]['scores']['wordsim353'])[0]:.3f}" for n in (best, "skipgram", "nnlm")
        if n in f["vectors"] and "wordsim353" in f["vectors"][n]["scores"])
    return summary, _distilled_vectors_table(result), "distilled_vectors.png"


def _tagging_note(language, r, settings):
    """The lines under a tagging table: data, the two comparisons against the seeds' spread, the models."""
    t, n = r["tokens"], r["sentences"]
    lines = [f"{language}: {n['train']:,} train / {n['valid']:,} valid / {n['test']:,} test sentences "
             f"({t['train']:,} / {t['valid']:,} / {t['test']:,} tokens), {r['tags']} tags; "
             f"{r['unseen_test_tokens']:,} test tokens are words the tagger's training sentences lack."]
    for key, what in (("elmo_gain", "random+elmo over random"), ("elmo_vs_word2vec", "frozen elmo over frozen word2vec")):
        if key in r:
            g = r[key]
            lines.append(f"{what}: {g['gain']:+.4f} (seeds' spread {g['spread']:.4f}: "
                         f"{'beyond' if g['beyond_spread'] else 'within'} the spread).")
    models = r.get("models", {})
    if models:
        lines.append("Models: " + "; ".join(
            f"{kind} {m['epochs_trained']} epoch(s)" + (f", valid perplexity {m['valid_perplexity']:.1f}"
                                                         if "valid_perplexity" in m else "")
            for kind, m in models.items()) + f", trained on {settings['embeddings_trained_on']}.")
    return lines


def _tagging(result, plots_dir):
    f, s = result["figures"], result["settings"]
    rows = ["| language | row | test accuracy | unseen words | best epochs |", "| --- | --- | ---: | ---: | --- |"]
    notes = []
    for language, r in f.items():
        for row, a in r["accuracy"].items():
            u = r["unseen_accuracy"][row]
            epochs = ", ".join(str(run["best_epoch"]) for run in r["runs"][row])
            rows.append(f"| {language} | {row} | **{a['mean']:.4f}** (±{a['std']:.4f}) | {u['mean']:.3f} "
                        f"(±{u['std']:.3f}) | {epochs} |")
        notes += _tagging_note(language, r, s)
    rows.append("\nToken accuracy on test at the epoch with the best valid accuracy; mean (standard deviation) over "
                f"seeds {s['seeds']}; {s['epochs']} epochs, BiLSTM of {s['hidden']} per direction. "
                + " ".join(notes) + f" Settings: `{json.dumps({k: v for k, v in s.items() if k != 'models'})}`")
    return "\n".join(rows), _plot_tagging(result, plots_dir)


def _plot_tagging(result, plots_dir):
    plt = _pyplot()
    f = result["figures"]
    fig, axes = plt.subplots(len(f), 2, figsize=(10, 3.4 * len(f)), squeeze=False)
    for (language, r), pair in zip(f.items(), axes):
        for ax, key, title in zip(pair, ("accuracy", "unseen_accuracy"), ("all test tokens", "unseen words")):
            names = list(r[key])
            means = [r[key][n]["mean"] for n in names]
            ax.bar(range(len(names)), means, yerr=[r[key][n]["std"] for n in names], capsize=4,
                   color=[plt.get_cmap("tab10")(k) for k in range(len(names))])
            ax.set_xticks(range(len(names)), names, rotation=15)
            ax.set_ylim(max(0.0, min(means) - 0.05), min(1.0, max(means) + 0.03))
            ax.set_ylabel("test accuracy")
            ax.set_title(f"{language.capitalize()} part-of-speech tagging, {title}", fontsize=10)
    fig.suptitle("One BiLSTM tagger, its token vectors swapped (mean and standard deviation over seeds)")
    return _save(plt, fig, plots_dir, f"{result['benchmark']}.png")

def _chinese_characters_rows(f):
    """The table of both models of ``chinese_characters``: perplexity, speed, how they read a word."""
    rows = ["| characters | valid perplexity | test perplexity: average (forward / backward) | training tokens/s: "
            "in turns (whole training) | character positions per word | embedding rows | parameters |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind, m in f["models"].items():
        t, r = m["test_perplexity"], m["reading"]
        speed = " ".join([_thousands(m["interleaved_tokens_per_s"]) if m.get("interleaved_tokens_per_s") else "–",
                          f"({_thousands(m['training_tokens_per_s'])})" if m.get("training_tokens_per_s") else ""])
        rows.append(f"| `{kind}` | {m['valid_perplexity']:.1f} | **{t['average']:.1f}** ({t['forward']:.1f} / "
                    f"{t['backward']:.1f}) | {speed} | {r['positions_per_word']:.2f} | {r['embedding_rows']:,} | "
                    f"{m['parameters'] / 1e6:.2f}M |")
    return rows


def _chinese_characters_note(f):
    """What the table's figures are, and the Unicode model's characters."""
    d, u = f["unicode_minus_bytes"], f["models"]["unicode"]
    r = u["reading"]
    ratio = d.get("interleaved_speed_ratio") or d.get("speed_ratio")
    speed = f", training speed unicode / bytes {ratio:.2f}" if ratio else ""
    return (f"Unicode minus bytes: valid perplexity {d['valid_perplexity']:+.1f}, test {d['test_perplexity']:+.1f}"
            f"{speed}. Both models: the same settings, seed and {_epochs(u['epochs_run'])}, valid after every epoch "
            "(the learning rate halves after a worse one), test scored once; perplexity averages both directions. "
            "Speed in turns: both models training on the same train sentences, alternating epochs (the same machine "
            "load); whole training: all the training's batches but each epoch's first, over every sitting, under "
            "whatever else the machine ran then, so compare the figures in turns. "
            f"The unicode model lists {r['characters']:,} characters (seen {r['min_char_count']} times or more in its "
            f"words); {r['unknown_character_rate']:.2%} of the test characters are not among them "
            f"({r['words_with_unknown_characters']:.2%} of the test words hold one).")


def _chinese_characters_polysemy(f):
    """Rows of the polysemy accuracies of both models, where the benchmark scored them."""
    p = f.get("polysemy")
    if not p:
        return []
    layers = list(next(iter(p["models"].values())))
    rows = [f"\nChinese polysemy (`chinese_polysemy`'s pairs: {p['pairs']['test']:,} test, {p['pairs']['dev']:,} dev), "
            "test accuracy:\n", "| characters | " + " | ".join(layers) + " |",
            "| --- | " + " | ".join("---:" for _ in layers) + " |"]
    for kind, scores in p["models"].items():
        rows.append(f"| `{kind}` | " + " | ".join(f"{scores[layer]['test_accuracy']:.3f}" for layer in layers) + " |")
    return rows


def _chinese_characters_tagging(f):
    """Rows of the tagging accuracies of both models, where the benchmark scored them."""
    t = f.get("tagging")
    if not t:
        return []
    n = t["sentences"]
    rows = [f"\nChinese part-of-speech tagging (`tagging_zh`'s tagger on the frozen ELMo, its layers mixed; "
            f"{n['train']:,} train, {n['valid']:,} valid, {n['test']:,} test sentences; mean (standard deviation) over "
            f"seeds {t['seeds']}):\n", "| characters | test accuracy | unseen words |", "| --- | ---: | ---: |"]
    for kind, m in t["models"].items():
        a, u = m["accuracy"], m["unseen_accuracy"]
        rows.append(f"| `{kind}` | {a['mean']:.4f} (±{a['std']:.4f}) | {u['mean']:.3f} (±{u['std']:.3f}) |")
    return rows


def _chinese_characters(result, plots_dir):
    f, s = result["figures"], result["settings"]
    rows = (_chinese_characters_rows(f) + ["", _chinese_characters_note(f)] + _chinese_characters_polysemy(f)
            + _chinese_characters_tagging(f))
    rows.append(f"\nCorpus: {s['corpus']}. Settings: `{json.dumps(s['models'], ensure_ascii=False)}`")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for kind, m in f["models"].items():
        curve = m["valid_perplexity_curve"]
        ax.plot(list(range(1, len(curve) + 1)), curve, marker="o",
                label=f"characters={kind!r} (test {m['test_perplexity']['average']:.0f})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("valid perplexity")
    ax.set_title("ELMo on People's Daily: Unicode characters vs UTF-8 bytes")
    ax.legend(fontsize=8)
    return "\n".join(rows), _save(plt, fig, plots_dir, "chinese_characters.png")


def _memory_scaling(result, plots_dir):
    f = result["figures"]
    rows = ["| job | peak RSS, PTB x1 (MiB) | peak RSS, PTB x10 (MiB) | ratio | under target |",
            "| --- | ---: | ---: | ---: | --- |"]
    for job, r in f.items():
        rows.append(f"| {job} | {r['x1']['peak_rss_mib']:.0f} | {r['x10']['peak_rss_mib']:.0f} | **{r['ratio']:.3f}** | "
                    f"{'yes' if r['flat'] else 'NO'} |")
    missing = [job for job in ("nnlm_train", "elmo_train", "elmo_embed") if job not in f]
    rows.append(f"\nEach job in a fresh process, one epoch or pass; target ratio < {result['settings']['target_ratio']}. "
                f"Corpus: {result['settings']['corpus']}." + (f" Not measured in this run: {', '.join(missing)}."
                                                              if missing else ""))
    return "\n".join(rows), None


def _speedups(result, plots_dir):
    backends = result["figures"]["backends"]
    rows = ["| backend | workload | form | tokens/s | efficiency | optimised is | check |",
            "| --- | --- | --- | ---: | ---: | ---: | --- |"]
    notes = []
    for backend, b in backends.items():
        for workload, w in b["workloads"].items():
            for form, f in w["forms"].items():
                if "max_difference" in f:
                    check = f"outputs within {f['max_difference']:.0e}" if f["max_difference"] else "outputs identical"
                else:
                    check = f"first-epoch loss {f['first_epoch_loss']:.4f}"
                rows.append(f"| {backend} | {workload} | {form} | {f['tokens_per_s']:.0f} | {f['efficiency']:.3f} | "
                            f"**{f['gain']:.2f}x** as fast | {check} |")
        notes += _failure_notes(backend, b) + _later_run_notes(backend, b)
    s = result["settings"]
    rates = _matmul_rates(backends)
    rows.append(f"\nEach form in the same process as the optimised one, interleaved, median of {s['rounds']} rounds. "
                "Efficiency counts the optimised model's FLOPs per user token against the best float32 matmul "
                f"rate of the run (GFLOP/s: {rates}), so it moves with tokens/s. 'optimised is Nx as fast' = "
                "optimised tokens/s / the form's. Training epochs replay one epoch's batches after two warm-up "
                "epochs, so no compilation is timed.")
    rows += [""] + [f"- {note}" for note in notes]
    return "\n".join(rows), _plot_speedups(backends, plots_dir)


def _plot_speedups(backends, plots_dir):
    """One panel per workload measured in every form, then the preset sweep's and the batch-size
    curve's before and after (workloads measured in two forms only)."""
    plt = _pyplot()
    workloads = list(dict.fromkeys(w for b in backends.values() for w in b["workloads"]))
    if not workloads:
        return None

    def forms_of(workload):
        return list(dict.fromkeys(f for b in backends.values() for f in b["workloads"].get(workload, {}).get("forms", {})))

    def flops_of(workload):
        return next(b["workloads"][workload]["flops_per_token"] for b in backends.values() if workload in b["workloads"])

    presets = sorted((w for w in workloads if w.startswith("elmo_embed/")), key=flops_of)
    curve = sorted((w for w in workloads if w.startswith("elmo_embed_batch/")), key=lambda w: int(w.split("/")[1]))
    detailed = [w for w in workloads if w not in curve and (w not in presets or len(forms_of(w)) > 2)]
    panels = len(detailed) + bool(presets) + bool(curve)
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 4.2), squeeze=False)
    axes = list(axes[0])
    for ax, workload in zip(axes, detailed):
        forms = forms_of(workload)
        _grouped_bars(ax, [f.split(" (")[0] for f in forms],
                      {backend: [b["workloads"].get(workload, {}).get("forms", {}).get(f, {"tokens_per_s": 0.0})
                                 ["tokens_per_s"] for f in forms] for backend, b in backends.items()},
                      rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("tokens / s")
        ax.set_title(workload, fontsize=9)
        ax.legend(fontsize=7)
    rest = axes[len(detailed):]
    if presets:
        ax = rest.pop(0)
        _grouped_bars(ax, [w.split("/")[1] for w in presets],
                      {backend: [_before_after_gain(b, w) for w in presets] for backend, b in backends.items()})
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_ylabel("optimised / bilm-tf's structure (tokens/s)")
        ax.set_title("embedding per preset, batch 32", fontsize=9)
        ax.legend(fontsize=7)
    if curve:
        ax = rest.pop(0)
        sizes = [int(w.split("/")[1]) for w in curve]
        for i, (backend, b) in enumerate(backends.items()):
            for form, style in ((_OPTIMISED, "-"), (_BILM_TF, "--")):
                ax.plot(sizes, [b["workloads"].get(w, {}).get("forms", {}).get(form, {}).get("tokens_per_s", np.nan)
                                for w in curve], style, marker="o", color=f"C{i}",
                        label=f"{backend}, {'optimised' if form == _OPTIMISED else 'before'}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size")
        ax.set_ylabel("tokens / s")
        ax.set_title("`original` embedding by batch size", fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Each optimisation against the plain form it replaces", fontsize=10)
    return _save(plt, fig, plots_dir, "speedups.png")


def _before_after_gain(backend_result, workload):
    """Optimised tokens/s / the bilm-tf-structure form's, or 0 where the workload was not measured."""
    forms = backend_result["workloads"].get(workload, {}).get("forms", {})
    return forms[_BILM_TF]["gain"] if _BILM_TF in forms else 0.0


def _grouped_bars(ax, groups, series, **tick_options):
    """Side-by-side bars: one group per entry of ``groups``, one bar per ``series`` name (its values by group)."""
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series.items()):
        ax.bar([x + (i - (len(series) - 1) / 2) * width for x in range(len(groups))], values, width=width, label=label)
    ax.set_xticks(list(range(len(groups))), groups, **tick_options)


def _save(plt, fig, plots_dir, name):
    """Lay out, write ``plots_dir/name`` and close ``fig``; returns the path."""
    fig.tight_layout()
    path = os.path.join(plots_dir, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _torch_compile(result, plots_dir):
    f, s = result["figures"], result["settings"]
    parts = []
    for part, render in (("embedding", _compiled_embedding), ("lstm_stack", _compiled_lstm_stack),
                         ("training", _compiled_training)):
        if part not in f:
            continue
        p = f[part]
        if "error" in p:
            parts.append(f"**{part}**: failed ({p['error']})")
            continue
        stopped = "" if p.get("complete", True) else " *Stopped part-way (a time limit): the figures it reached.*"
        run = {k: p.get(k, f[k]) for k in ("device", "torch", "keras")}  # the part's own run where it says
        where = f"on {run['device']} (PyTorch {run['torch']}, Keras {run['keras']}, {p.get('date', 'undated')})"
        parts.append(render(p, s[part], where) + stopped + (f" {p['how']}" if "how" in p else ""))
    return "\n\n".join(parts), None


def _compiled_embedding(f, s, where):
    graphs = {"eager": None, "compiled": f["graphs_and_breaks"]["optimised"],
              "compiled, max_pooled": f["graphs_and_breaks"]["max_pooled"]}
    rows = ["| network | Dynamo graphs / breaks (inference; training) | first pass (s) | second pass (s) | "
            "tokens/s | vs eager | largest difference from eager |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    speed = f.get("tokens_per_s", {})
    for name, counts in graphs.items():
        traced = f"{counts['inference'][0]} / {counts['inference'][1]}; {counts['training'][0]} / " \
                 f"{counts['training'][1]}" if counts else "not compiled"
        rows.append(f"| {name} | {traced} | {_figure(f.get('first_pass_s', {}), name, '.1f')} | "
                    f"{_figure(f.get('second_pass_s', {}), name, '.2f')} | {_figure(speed, name, '.0f')} | "
                    + (f"{speed[name] / speed['eager']:.2f}x" if name in speed else "–") + " | "
                    + f"{_figure(f.get('max_difference_from_eager', {}), name, '.1e')} |")
    text = (f"\n\n**embedding**: `{s['preset']}` ELMo network embedding {s['sentences']} PTB test sentences cut "
            f"to {s['tokens_per_sentence']} tokens, batch {s['batch_size']}, {where}; tokens/s is the median "
            f"of {s['rounds']} interleaved rounds. `max_pooled` pools the character CNN with `keras.ops.max`.")
    if "compiled_vs_compiled_max_pooled" in f:
        text += (" Compiled, the optimised form is "
                 f"**{f['compiled_vs_compiled_max_pooled']:.2f}x** as fast as it.")
    return "\n".join(rows) + text


def _compiled_lstm_stack(f, s, where):
    speed = f["tokens_per_s"]
    rows = ["| stack | first epoch (s) | IEEE float32 tokens/s | TF32 tokens/s |", "| --- | ---: | ---: | ---: |"]
    for name in ("projection, eager", "projection, compiled", "keras_lstm"):
        rows.append(f"| {name} | {_figure(f['first_pass_s'], f'{name} (ieee)', '.1f')} | "
                    + " | ".join(_figure(speed, f"{name} ({p})", ".0f") for p in ("ieee", "tf32")) + " |")
    ratios = "; ".join(f"{k} **{v:.2f}**" for k, v in f["ratio_to_keras_lstm"].items()) or "none measured"
    text = (f"\n\n**lstm_stack**: ELMo's `LSTMProjection` stack against `keras.layers.LSTM` (cuDNN on a GPU), "
            f"`{s['preset']}` sizes, {s['sequences']} sequences of {s['time_steps']} steps, batch "
            f"{s['batch_size']}, {where}; median of {s['rounds']} interleaved rounds. Ratios to keras_lstm "
            f"(the speed issue's target: ours at least 0.7 of cuDNN's tokens/s): {ratios}. keras_lstm's output in TF32 differs from IEEE by "
            f"{f['keras_lstm_output_difference_tf32_vs_ieee']:.1e}.")
    if "max_weight_difference_compiled_vs_eager" in f:
        text += (" After one epoch from the same weights, compiled and eager weights differ by "
                 f"{f['max_weight_difference_compiled_vs_eager']:.1e}.")
    return "\n".join(rows) + text


def _compiled_training(f, s, where):
    speed, first = f.get("tokens_per_s", {}), f["first_pass_s"]
    text = (f"**training**: ELMo `{s['preset']}` trained on {s['sentences']} PTB sentences cut to "
            f"{s['tokens_per_sentence']} tokens, batch {s['batch_size']}, {s['num_sampled']} sampled words, {where}: ")
    text += f"eager {speed['eager']:.0f} tokens/s" if "eager" in speed else \
        f"eager first epoch {_figure(first, 'eager', '.1f')} s"
    if "compiled_error" in f:
        error = f["compiled_error"]
        lines = error["message"].strip().splitlines()
        message = lines[0][:300].rstrip(": ") if lines else ""
        return text + f"; compiled (`jit_compile=True`) failed: {error['type']}" + (f": {message}" if message else "") + "."
    if "compiled" not in speed:
        return text + ("; compiled (`jit_compile=True`): " + (
            f"first epoch {first['compiled']:.0f} s" if "compiled" in first else "its first epoch (compiling) "
            "did not end") + ".")
    return text + (f", compiled (`jit_compile=True`) {speed['compiled']:.0f} tokens/s, "
                   f"**{f['compiled_vs_eager']:.2f}x** (median of {s['rounds']} interleaved epochs after a warm-up "
                   f"one; the first compiled epoch took {first['compiled']:.0f} s); epoch losses within "
                   f"{f['max_loss_difference']:.1e} of eager.")


def _jax_precision(result, plots_dir):
    f, s = result["figures"], result["settings"]
    speed = f.get("tokens_per_s", {})
    rows = ["| layer | largest output difference from IEEE float32, JAX's default precision | at `highest` | "
            "stack training tokens/s, default | at `highest` |", "| --- | ---: | ---: | ---: | ---: |"]
    differences = f["output_difference"]
    for name, stack in (("keras_lstm, cudnn path", "keras_lstm"), ("keras_lstm, generic path", None),
                        ("projection", "projection")):
        rows.append(f"| {name} | " + " | ".join(_figure(differences, f"{name} ({p})", ".1e") for p in _JAX_PRECISIONS)
                    + " | " + " | ".join(_figure(speed, f"{stack} ({p})", ".0f") if stack else "–"
                                         for p in _JAX_PRECISIONS) + " |")
    ratios = "; ".join(f"{k} **{v:.2f}**" for k, v in f.get("ratio_to_keras_lstm", {}).items()) or "none measured"
    return "\n".join(rows) + (
        f"\n\nOn {f['device']} (JAX {f['jax']}, Keras {f['keras']}): the difference of each layer's output from "
        f"the same layer at `highest` precision (the generic path's, for the cuDNN path), `{s['preset']}` sizes, "
        f"batch {s['batch_size']} x {s['time_steps']} steps; a dash is the reference itself or not measured. Keras "
        f"{'took' if f['cudnn_path_taken'] else 'did not take'} its cuDNN path. Training: "
        f"`benchmarks.lstm_stack`'s two stacks, {s['sequences']} sequences, median of {s['rounds']} interleaved "
        f"rounds. Ratios of ours to keras_lstm (the speed issue's target: at least 0.7): {ratios}."), None


def _figure(figures, name, spec):
    """``figures[name]`` formatted with ``spec``, or a dash where it was not measured."""
    return format(figures[name], spec) if name in figures else "–"


SECTIONS = {"word2vec_speed": _word2vec_speed, "nnlm_ptb": _nnlm_ptb, "elmo_ptb": _elmo_ptb,
            "word_similarity": _word_similarity, "polysemy": _polysemy,
            "chinese_lm": _chinese_lm, "chinese_polysemy": _chinese_polysemy,
            "chinese_characters": _chinese_characters,
            "roofline": _roofline, "roofline_gpu": _roofline, "downstream": _downstream,
            "fine_tuning": _fine_tuning, "distilled_vectors": _distilled_vectors,
            "tagging": _tagging, "tagging_zh": _tagging,
            "memory_scaling": _memory_scaling, "speedups": _speedups, "torch_compile": _torch_compile,
            "torch_compile_gpu": _torch_compile, "jax_precision": _jax_precision,
            "jax_precision_gpu": _jax_precision}


def write_report(results_dir=RESULTS_DIR, output=None, plots_dir=None):
    """Write RESULTS.md (default: next to ``results_dir``) and the plots; returns the markdown path."""
    output = output or (RESULTS_MD if results_dir == RESULTS_DIR
                        else os.path.join(os.path.dirname(os.path.abspath(results_dir)), "RESULTS.md"))
    plots_dir = plots_dir or os.path.join(results_dir, "plots")
    os.makedirs(plots_dir, exist_ok=True)
    parts = ["# Benchmark results\n", "Generated by `python -m benchmarks.report` from `benchmarks/results/*.json`. "
             "Figures come from the machine named in each section; compare ratios, not absolute speeds.\n"]
    for name, result in load_results(results_dir).items():
        section = SECTIONS.get(name)
        if section is None:
            continue
        table, plot = section(result, plots_dir)
        parts.append(f"## {name}\n\n{_header(result)}\n{table}\n")
        if plot:
            parts.append(f"![{name}]({os.path.relpath(plot, os.path.dirname(output))})\n")
    _write_text(output, "\n".join(parts))
    if os.path.abspath(results_dir) == os.path.abspath(RESULTS_DIR) and os.path.isdir(DOCS_DIR):
        write_docs_page(results_dir)
    return output


def _write_text(path, text):
    from gensim_elmo.atomic_files import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)


# --- the documentation's results page ------------------------------------------------------------
#: ``docs/`` of the source checkout: the results page and the copies of the plots it shows.
DOCS_DIR = os.path.join(os.path.dirname(os.path.dirname(RESULTS_DIR)), "docs")
DOCS_PAGE = os.path.join(DOCS_DIR, "benchmark_results.md")
DOCS_PLOTS_DIR = os.path.join(DOCS_DIR, "img", "benchmarks")

#: The workloads the results page shows of ``roofline`` and ``roofline_gpu`` (RESULTS.md has all).
HEADLINE_WORKLOADS = ("elmo_embed/original", "elmo_embed/small", "elmo_train/small", "nnlm_train")
#: The page's sections: (title, what the benchmarks answer, their names in page order).
DOCS_GROUPS = (
    ("Speed", "How fast each model trains and embeds, and what the optimisations gain.",
     ("word2vec_speed", "roofline", "roofline_gpu", "speedups", "memory_scaling")),
    ("Quality", "How good the models and their vectors are: perplexity, word similarity, word senses "
     "and a downstream classifier.", ("nnlm_ptb", "elmo_ptb", "word_similarity", "polysemy", "chinese_lm",
                                      "chinese_polysemy", "chinese_characters", "downstream",
                                      "tagging", "tagging_zh")),
    ("Transfer", "Starting from a trained model: fine-tuning on a new domain, and static vectors distilled from "
     "ELMo's contexts.", ("fine_tuning", "distilled_vectors")),
    ("Compiling and precision", "PyTorch's `torch.compile` and JAX's float32 precision.",
     ("torch_compile", "torch_compile_gpu", "jax_precision_gpu")),
)
_BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
#: The section of docs/benchmarks.md that describes a result measured on a GPU.
_MEASURES = {"tagging_zh": "tagging", "roofline_gpu": "roofline", "torch_compile_gpu": "torch_compile", "jax_precision_gpu": "jax_precision"}


def _thousands(value):
    """``value`` rounded, with thousands separators.

    Example:
    >>> _thousands(118810.02), _thousands(357.4)
    ('118,810', '357')
    """
    return f"{value:,.0f}"


def _run_of(result):
    """Where and when ``result`` was measured, in a few words."""
    m, f = result["machine"], result["figures"]
    device = m.get("gpu") or (f.get("device") if isinstance(f.get("device"), str) and f["device"] != "cpu" else None)
    kind = "quick run (reduced data)" if result["quick"] else "full run"
    backends = f.get("backends", {})
    later = any(b.get("after") or b.get("later_run") for b in backends.values())
    backend = (f"Keras backends {', '.join(_BACKEND_NAMES.get(name, name) for name in backends)}" if backends
               else f"Keras backend {_BACKEND_NAMES.get(m.get('keras_backend'), m.get('keras_backend'))}")
    return (f"{kind} of {result['date'][:10]}" + (" and later runs of some workloads" if later else "")
            + f", {m.get('cores')} CPU cores ({m.get('cpu')})" + (f" and an {device}" if device else "")
            + f", {backend}")


def _epochs(count):
    """``count`` epochs, in words.

    Example:
    >>> _epochs(1), _epochs(15)
    ('1 epoch', '15 epochs')
    """
    return f"{count} epoch{'' if count == 1 else 's'}"


def _earlier_elmo(elmo_settings):
    """A note where ``elmo_settings`` (a result's ELMo) are not the benchmarks' current ELMo recipe."""
    from benchmarks.lm_recipes import recipe

    current = recipe("elmo")["settings"]["preset"]
    preset = elmo_settings.get("preset")
    if not preset or preset == current:
        return ""
    return (f"\n\n**An earlier ELMo.** This result's ELMo is the `{preset}` preset trained for "
            f"{_epochs(elmo_settings.get('epochs'))}; the benchmarks now train the `{current}` recipe of "
            "`benchmarks.lm_recipes`, and their next full run replaces these figures.")


def _docs_word2vec_speed(result):
    f = result["figures"]
    ratios = [x["ratio"] for x in f.values()]
    rows = ["| corpus / mode | gensim words/s | gensim_elmo words/s | gensim_elmo / gensim |",
            "| --- | ---: | ---: | ---: |"]
    rows += [f"| {key} | {_thousands(x['gensim_words_per_s'])} | {_thousands(x['gensim_elmo_words_per_s'])} | "
             f"{x['ratio']:.2f} |" for key, x in f.items()]
    return (f"gensim_elmo's Word2Vec trains at {min(ratios):.2f}-{max(ratios):.2f} times plain gensim's speed",
            "\n".join(rows), "word2vec_speed.png")


def latest_workloads(backend):
    """workload -> (its latest measurement, that run's matmul GFLOP/s, 'full run' or 'later run')."""
    latest = {name: (w, backend["matmul_gflops"], "full run") for name, w in backend["workloads"].items()}
    for later in _as_list(backend.get("later_run")):
        for name in later["measured"]:
            if name in latest and "matmul_gflops" in later:
                latest[name] = (latest[name][0], later["matmul_gflops"], "later run")
    for after in _as_list(backend.get("after")):
        for name, w in after["workloads"].items():
            latest[name] = (w, after["matmul_gflops"], "later run")
    return latest


def _docs_roofline(result):
    backends = result["figures"]["backends"]
    rows = ["| backend | workload | tokens/s | efficiency | run | that run's matmul GFLOP/s |",
            "| --- | --- | ---: | ---: | --- | --- |"]
    for backend, b in backends.items():
        latest = latest_workloads(b)
        for name in HEADLINE_WORKLOADS:
            if name not in latest:
                continue
            w, rates, run = latest[name]
            rows.append(f"| {_BACKEND_NAMES.get(backend, backend)} | {name} | {_thousands(w['tokens_per_s'])} | "
                        f"{w['efficiency']:.2f} | {run} | "
                        + ", ".join(f"{k} {_thousands(v)}" for k, v in rates.items()) + " |")
    ratios = []
    for backend, b in backends.items():
        ratio = next((a["lstm_stack_ratio"] for a in reversed(_as_list(b.get("after"))) if "lstm_stack_ratio" in a),
                     b.get("lstm_stack_ratio"))
        if ratio is not None:
            ratios.append(f"{_BACKEND_NAMES.get(backend, backend)} {ratio:.2f}")
    text = "\n".join(rows) + (
        "\n\nEach workload's latest measurement. Efficiency = achieved FLOP/s / the best float32 matmul rate "
        "of the run that measured it, so it compares within one run only: compare tokens/s on one machine.")
    if any(latest[0]["efficiency"] > 1 for b in backends.values() for latest in latest_workloads(b).values()):
        text += (" An efficiency above 1 is possible in ELMo training: the FLOP count charges the character CNN "
                 "for every token, and the model runs it once per distinct token of a batch.")
    if ratios:
        text += (" Training tokens/s of ELMo's `LSTMProjection` stack / `keras.layers.LSTM`'s (cuDNN on a GPU): "
                 + ", ".join(ratios) + ".")
    if any(b.get("after") for b in backends.values()):
        text += f" The plot shows the full run of {result['date'][:10]} only, without the later runs."
    embed = [f"{_BACKEND_NAMES.get(k, k)} {_thousands(latest_workloads(b)['elmo_embed/original'][0]['tokens_per_s'])}"
             for k, b in backends.items() if "elmo_embed/original" in latest_workloads(b)]
    train = [f"{_BACKEND_NAMES.get(k, k)} {_thousands(latest_workloads(b)['elmo_train/small'][0]['tokens_per_s'])}"
             for k, b in backends.items() if "elmo_train/small" in latest_workloads(b)]
    summary = ("tokens/s of `original` ELMo embedding: " + ", ".join(embed) + "; of `small` ELMo training: "
               + ", ".join(train))
    return summary, text, f"{result['benchmark']}.png"


def _short_form(form):
    """A plain form's row name: without its parenthesised detail, and one row for "all undone".

    Example:
    >>> _short_form("four gate products (not fused)"), _short_form("all undone, full softmax")
    ('four gate products', 'all undone (a textbook cell; in training, full softmax)')
    """
    if form.startswith("all "):
        return "all undone (a textbook cell; in training, full softmax)"
    return form.split(" (")[0]


def _docs_speedups(result):
    backends = result["figures"]["backends"]
    columns = [(backend, workload) for workload in ("elmo_embed/original", "elmo_train/small")
               for backend, b in backends.items() if workload in b["workloads"]]
    forms = list(dict.fromkeys(_short_form(form) for backend, workload in columns
                               for form in backends[backend]["workloads"][workload]["forms"] if form != _OPTIMISED))

    def gain(backend, workload, form):
        found = [f for name, f in backends[backend]["workloads"][workload]["forms"].items() if _short_form(name) == form]
        return f"{found[0]['gain']:.2f}" if found else ""

    labels = {"elmo_embed/original": "embedding", "elmo_train/small": "training"}
    rows = ["| optimised is N times as fast as | " + " | ".join(
        f"{labels[workload]}, {_BACKEND_NAMES.get(backend, backend)}" for backend, workload in columns) + " |",
            "| --- |" + " ---: |" * len(columns)]
    rows += [f"| {form} | " + " | ".join(gain(b, w, form) for b, w in columns) + " |" for form in forms]
    rows.append("| optimised tokens/s | " + " | ".join(
        _thousands(backends[b]["workloads"][w]["forms"][_OPTIMISED]["tokens_per_s"]) for b, w in columns) + " |")
    nnlm = [(_BACKEND_NAMES.get(b, b), backends[b]["workloads"]["nnlm_train"]["forms"]) for b in backends
            if "nnlm_train" in backends[b]["workloads"]]
    text = "\n".join(rows) + (
        "\n\nELMo: `original` embedding at batch 32 and `small` training. Each plain form beside the optimised "
        f"layers in one process, interleaved, median of {result['settings']['rounds']} rounds; differences under "
        "about 10% are noise. Some workloads were measured again in later runs (RESULTS.md says which).")
    if nnlm:
        text += " NNLM training with the sampled softmax is " + ", ".join(
            f"{f[form]['gain']:.2f}x ({name}, {_thousands(f[_OPTIMISED]['tokens_per_s'])} tokens/s)"
            for name, f in nnlm for form in f if form != _OPTIMISED) + " as fast as with the full softmax."
    undone = [f"{_BACKEND_NAMES.get(b, b)} {gain(b, 'elmo_train/small', _short_form('all undone'))}x"
              for b in backends if "elmo_train/small" in backends[b]["workloads"]]
    summary = "`small` ELMo training is " + ", ".join(undone) + " as fast as a textbook cell with a full softmax"
    return summary, text, "speedups.png"


def _docs_memory_scaling(result):
    f = result["figures"]
    rows = ["| job | peak memory, PTB x1 (MiB) | PTB x10 (MiB) | ratio |", "| --- | ---: | ---: | ---: |"]
    rows += [f"| {job} | {_thousands(r['x1']['peak_rss_mib'])} | {_thousands(r['x10']['peak_rss_mib'])} | "
             f"{r['ratio']:.2f} |" for job, r in f.items()]
    target = result["settings"]["target_ratio"]
    summary = (f"peak memory over 10 times the corpus / over the corpus: {max(r['ratio'] for r in f.values()):.2f} "
               f"at most (target: under {target})")
    return summary, "\n".join(rows) + "\n\nOne epoch or pass, each job in a fresh process.", None


def _resumed(figures):
    """Where a run resumed from a checkpoint, its training time is the last process's only."""
    return " (in the last of the resumed runs)" if figures.get("resumed_from_checkpoint") else ""


def _perplexity_rows(anchors, ours, published="published"):
    rows = ["| model | PTB test perplexity |", "| --- | ---: |"]
    rows += [f"| {name} ({published}) | {value} |" for name, value in anchors.items()]
    return rows + [f"| **{name}** | **{value:.1f}** |" for name, value in ours]


def _docs_nnlm_ptb(result):
    f = result["figures"]
    rows = _perplexity_rows(f["anchors"], [("gensim_elmo NNLM (this run)", f["test_perplexity"])])
    text = "\n".join(rows) + (
        f"\n\n{_epochs(f['epochs_run'])} ({f['sampled_softmax_epochs']} with the sampled softmax), "
        f"{_thousands(f['training_tokens_per_s'])} training tokens/s, {f['train_wall_time_s'] / 60:.0f} min "
        f"of training{_resumed(f)} on backend {_BACKEND_NAMES.get(f['backend'], f['backend'])}.")
    anchors = f["anchors"].values()
    summary = (f"test perplexity {f['test_perplexity']:.1f} (published models: {min(anchors)}-{max(anchors)})")
    return summary, text, "nnlm_ptb_learning_curve.png"


def _docs_elmo_ptb(result):
    f, settings = result["figures"], result["settings"]
    preset = settings.get("settings", settings).get("preset")
    test, stream = f["test_perplexity"], f.get("test_perplexity_stream")
    name = f"gensim_elmo ELMo `{preset}`"
    if stream:  # trained on a stream of text: test also read as one, as the published models read it
        ours = [(f"{name}, test read as a stream, forward (this run)", stream["forward"]),
                (f"{name}, test read as a stream, backward", stream["backward"]),
                (f"{name}, one sentence at a time, forward", test["forward"]),
                (f"{name}, one sentence at a time, backward", test["backward"])]
    else:
        ours = [(f"{name}, forward (this run)", test["forward"]), (f"{name}, backward", test["backward"])]
    rows = _perplexity_rows(f["anchors"], ours, published="published, left-to-right")
    speed = f", {_thousands(f['training_tokens_per_s'])} training tokens/s" if f.get("training_tokens_per_s") else ""
    text = "\n".join(rows) + (
        f"\n\n`{preset}` preset, {_epochs(f['epochs_run'])}{speed}, {f['train_wall_time_s'] / 60:.0f} min of "
        f"training{_resumed(f)}, {f['parameters'] / 1e6:.1f}M parameters, backend {_BACKEND_NAMES.get(f['backend'], f['backend'])}. "
        + ("The forward perplexity of test read as a stream is the one comparable with the published left-to-right "
           "models, which read it that way." if stream else
           "The forward perplexity is the one comparable with the published left-to-right models.")
    ) + _earlier_elmo(settings.get("settings", settings))
    headline = (f"{stream['forward']:.1f} read as a stream ({test['forward']:.1f} one sentence at a time)" if stream
                else f"{test['forward']:.1f}")
    summary = (f"`{preset}` preset after {_epochs(f['epochs_run'])}: forward test perplexity {headline} "
               f"(published models: {min(f['anchors'].values())}-{max(f['anchors'].values())})")
    return summary, text, "elmo_ptb_learning_curve.png" if len(f["valid_perplexity_curve"]) > 1 else None


def _docs_word_similarity(result):
    models = result["figures"]["models"]
    names = list(models)
    sets = list(dict.fromkeys(s for n in names for s in models[n]["scores"]))
    rows = ["| set (metric) | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for name in sets:
        cells = []
        for n in names:
            if name not in models[n]["scores"]:
                cells.append("")
                continue
            value, oov, total = _score(models[n]["scores"][name])
            cells.append(f"{value:.3f} ({total - oov}/{total})")
        rows.append(f"| {name} ({'accuracy' if name.endswith('analogy') else 'Spearman'}) | " + " | ".join(cells) + " |")
    text = "\n".join(rows) + (
        f"\n\nEvery model trained on {result['settings']['corpus']}. In brackets: the pairs or questions "
        "scored, those whose words are all in the model's vocabulary (`elmo_open_vocabulary` embeds every word)."
    ) + _earlier_elmo(result["settings"]["models"].get("elmo", {}))
    first = sets[0]
    summary = f"{first} Spearman: " + ", ".join(
        f"{n} {_score(models[n]['scores'][first])[0]:.3f}" for n in names if first in models[n]["scores"])
    return summary, text, "word_similarity.png"


def _docs_polysemy(result):
    f = result["figures"]
    rows = ["| model | test accuracy |", "| --- | ---: |"]
    rows += [f"| {name} | {r['test_accuracy']:.3f} |" for name, r in f["models"].items()]
    rows += [f"| {name} (published, on WiC itself) | {value} |" for name, value in f["anchors"].items()]
    text = "\n".join(rows) + (
        f"\n\n{f['pairs']['test']:,} test pairs, half of them same-sense, from WordNet's example sentences; "
        f"models trained on {result['settings']['corpus']}.") + _earlier_elmo(
        result["settings"]["models"].get("elmo", {}))
    elmo = {n: r["test_accuracy"] for n, r in f["models"].items() if n.startswith("elmo")}
    static = {n: r["test_accuracy"] for n, r in f["models"].items() if not n.startswith("elmo")}
    summary = (f"same sense or not: ELMo's layers {min(elmo.values()):.3f}-{max(elmo.values()):.3f}, static "
               f"vectors {min(static.values()):.3f}-{max(static.values()):.3f} (chance: 0.5)")
    return summary, text, "polysemy_sense_map.png" if f.get("sense_map") else None


def _docs_chinese_lm(result):
    f = result["figures"]
    nnlm, elmo, vocabulary = f["models"]["nnlm"], f["models"]["elmo"], f["vocabulary"]
    test = elmo["test_perplexity"]
    rows = ["| model | People's Daily test perplexity |", "| --- | ---: |",
            f"| NNLM | {nnlm['test_perplexity']:.1f} |", f"| ELMo, forward (left to right, as the NNLM) | "
            f"{test['forward']:.1f} |", f"| ELMo, backward | {test['backward']:.1f} |"]
    text = "\n".join(rows) + (
        f"\n\nOne vocabulary for both models: {vocabulary['size']:,} entries (the words seen at least "
        f"{vocabulary['min_count']} times in train; `<unk>` is {vocabulary['test_unk_rate']:.1%} of the test words). "
        f"NNLM {_epochs(nnlm['epochs_run'])}, ELMo {_epochs(elmo['epochs_run'])}; valid chose the kept weights. "
        "No published figure exists for this split.")
    summary = f"test perplexity: NNLM {nnlm['test_perplexity']:.1f}, ELMo forward {test['forward']:.1f}"
    return summary, text, "chinese_lm_learning_curves.png"


def _docs_chinese_polysemy(result):
    f = result["figures"]
    text = "\n".join(_chinese_polysemy_models(f)) + (
        f"\n\n{f['pairs']['test']:,} test pairs of {f['words']['test']} words ({f['pairs']['dev']:,} dev pairs of "
        f"{f['words']['dev']} other words chose the threshold), half of them same-sense within every word; a pair's "
        "label is whether People's Daily tags the word's two uses alike, for words whose two tags are two senses "
        "(花 v \"spend\" / n \"flower\", 只 d \"only\" / q classifier for animals...). Static vectors are at 0.5 by "
        "construction. " + ("`_centred` rows compare the two vectors after subtracting the word's mean vector over its "
                            "uses in the training text. " if "uncentred_words" in f else "") + _ceiling_sentence(f)
        + "`benchmarks/RESULTS.md` lists every word and the static vectors' neighbours.")
    best = f["best_elmo_layer_on_dev"]
    static = max(r["test_accuracy"] for n, r in f["models"].items() if not n.startswith("elmo"))
    summary = (f"same sense or not: ELMo's best row on dev ({best}) {f['models'][best]['test_accuracy']:.3f}, "
               f"static vectors {static:.3f} (chance: 0.5)")
    return summary, text, "chinese_polysemy.png"


def _docs_downstream(result):
    f = result["figures"]
    datasets = list(f)
    embeddings = list(f[datasets[0]]["accuracy"])
    rows = ["| embedding | " + " | ".join(datasets) + " |", "| --- |" + " ---: |" * len(datasets)]
    rows += [f"| {e} | " + " | ".join(f"{f[d]['accuracy'][e]['mean']:.3f}" for d in datasets) + " |"
             for e in embeddings]
    s = result["settings"]
    text = "\n".join(rows) + (
        f"\n\nTest accuracy, mean over {len(s['seeds'])} seeds; the embeddings trained on "
        f"{s['embeddings_trained_on']}; `random` is a trainable embedding learnt with the classifier."
    ) + _earlier_elmo(s["models"].get("elmo", {}))
    first = datasets[0]
    summary = f"{first} accuracy: " + ", ".join(f"{e} {f[first]['accuracy'][e]['mean']:.3f}" for e in embeddings)
    return summary, text, "downstream.png"


def _docs_tagging(result):
    f, s = result["figures"], result["settings"]
    rows = ["| language | token vectors | test accuracy | unseen words |", "| --- | --- | ---: | ---: |"]
    notes, summary = [], []
    for language, r in f.items():
        rows += [f"| {language} | {row} | {a['mean']:.4f} ±{a['std']:.4f} | {r['unseen_accuracy'][row]['mean']:.3f} |"
                 for row, a in r["accuracy"].items()]
        notes += _tagging_note(language, r, s)
        summary.append(f"{language} accuracy: " + ", ".join(f"{row} {a['mean']:.3f}" for row, a in r["accuracy"].items()))
    text = "\n".join(rows) + (
        f"\n\nToken accuracy on test, mean ± standard deviation over {len(s['seeds'])} seeds, at the epoch with the "
        "best valid accuracy; `unseen words`: the test tokens whose word the tagger's training sentences lack. "
        + " ".join(notes))
    return "; ".join(summary), text, f"{result['benchmark']}.png"

def _docs_chinese_characters(result):
    f = result["figures"]
    text = "\n".join(_chinese_characters_rows(f) + ["", _chinese_characters_note(f)]
                     + _chinese_characters_polysemy(f) + _chinese_characters_tagging(f))
    b, u = (f["models"][k]["test_perplexity"]["average"] for k in ("bytes", "unicode"))
    summary = f"test perplexity: Unicode characters {u:.1f}, UTF-8 bytes {b:.1f} (same size, same epochs)"
    return summary, text, "chinese_characters.png"


def _docs_torch_compile(result):
    f = result["figures"]
    rows = ["| part | eager tokens/s | compiled tokens/s | compiled / eager | first compiled pass (s) |",
            "| --- | ---: | ---: | ---: | ---: |"]
    summaries = []
    for part in ("embedding", "training"):
        p = f.get(part, {})
        speed = p.get("tokens_per_s", {})
        if "eager" not in speed:
            continue
        compiled = speed.get("compiled")
        first = p.get("first_pass_s", {}).get("compiled")
        rows.append(f"| {part} | {_thousands(speed['eager'])} | "
                    + (f"{_thousands(compiled)} | {compiled / speed['eager']:.2f}x" if compiled else
                       "failed | –" if "compiled_error" in p else "– | –")
                    + f" | {_thousands(first) if first else '–'} |")
        summaries.append(f"{part} compiled {compiled / speed['eager']:.2f}x as fast as eager" if compiled
                         else f"{part} did not compile")
    stack = f.get("lstm_stack", {}).get("ratio_to_keras_lstm", {})
    text = "\n".join(rows) if len(rows) > 2 else ""
    if stack:
        text += ("\n\n" if text else "") + ("`LSTMProjection` stack / cuDNN's `keras.layers.LSTM`, training "
                                              "tokens/s: " + "; ".join(f"{k} {v:.2f}" for k, v in stack.items()))
        eager, compiled = (stack.get(f"{k} (ieee vs keras_lstm ieee)") for k in ("eager", "compiled"))
        if eager and compiled:
            summaries.insert(0, f"`LSTMProjection` stack / cuDNN in IEEE float32: eager {eager:.2f}, "
                                f"compiled {compiled:.2f}")
    if "compiled_error" in f.get("training", {}):
        error = f["training"]["compiled_error"]
        text += f"\n\nCompiling the whole `small` ELMo's training failed: {error['type']}."
    return "; ".join(summaries), text, None


def _docs_jax_precision(result):
    f = result["figures"]
    ratios = f.get("ratio_to_keras_lstm", {})
    rows = ["| pairing | `LSTMProjection` stack / cuDNN, training tokens/s |", "| --- | ---: |"]
    rows += [f"| {k} | {v:.2f} |" for k, v in ratios.items()]
    text = "\n".join(rows) + (
        f"\n\nOn {f['device']}: JAX's default float32 precision lets products (and cuDNN) use TF32; `highest` "
        "is IEEE float32.")
    matched = [f"{p} {ratios[f'projection {p} vs keras_lstm {p}']:.2f}" for p in _JAX_PRECISIONS
               if f"projection {p} vs keras_lstm {p}" in ratios]
    return "`LSTMProjection` stack / cuDNN at matched precision: " + ", ".join(matched), text, None


DOCS_SECTIONS = {"word2vec_speed": _docs_word2vec_speed, "roofline": _docs_roofline, "roofline_gpu": _docs_roofline,
                 "speedups": _docs_speedups, "memory_scaling": _docs_memory_scaling, "nnlm_ptb": _docs_nnlm_ptb,
                 "elmo_ptb": _docs_elmo_ptb, "word_similarity": _docs_word_similarity, "polysemy": _docs_polysemy,
                 "chinese_lm": _docs_chinese_lm, "chinese_polysemy": _docs_chinese_polysemy,
                 "chinese_characters": _docs_chinese_characters,
                 "downstream": _docs_downstream, "fine_tuning": _docs_fine_tuning,
                 "distilled_vectors": _docs_distilled_vectors, "tagging": _docs_tagging, "tagging_zh": _docs_tagging,
                 "torch_compile": _docs_torch_compile,
                 "torch_compile_gpu": _docs_torch_compile, "jax_precision_gpu": _docs_jax_precision}


#: docs/benchmarks.md shows the summary table between these two lines.
SUMMARY_START = "<!-- The latest results: written by `python -m benchmarks.report`, not by hand. -->"
SUMMARY_END = "<!-- End of the latest results. -->"
BENCHMARKS_PAGE = os.path.join(DOCS_DIR, "benchmarks.md")


def docs_page(results_dir=RESULTS_DIR, plots_link="img/benchmarks"):
    """The results page's Markdown, its summary table for docs/benchmarks.md, and the plots it
    shows: ``(text, summary, [plot file name, ...])``.

    ``plots_link`` is the plots' directory relative to the page.
    """
    results = load_results(results_dir)
    header = ["| benchmark | headline | run |", "| --- | --- | --- |"]
    summary, elsewhere, body, plots = [], [], [], []
    for title, about, names in DOCS_GROUPS:
        present = [name for name in names if name in results]
        if not present:
            continue
        body.append(f"## {title}\n\n{about}\n")
        for name in present:
            result = results[name]
            headline, table, plot = DOCS_SECTIONS[name](result)
            summary.append(f"| [{name}](#{name}) | {headline} | {_run_of(result)} |")
            elsewhere.append(f"| [{name}](benchmark_results.md#{name}) | {headline} | {_run_of(result)} |")
            body.append(f"### {name}\n\n_{_run_of(result)[0].upper()}{_run_of(result)[1:]}. "
                        f"[What it measures](benchmarks.md#{_MEASURES.get(name, name)})._\n\n{table}\n")
            if plot and os.path.isfile(os.path.join(results_dir, "plots", plot)):
                body.append(f"[![{name}]({plots_link}/{plot})]({plots_link}/{plot})\n")
                plots.append(plot)
    head = ("# Benchmark results\n\n"
            "<!-- Generated by `python -m benchmarks.report` from benchmarks/results/*.json: edit report.py, "
            "not this file. -->\n\n"
            "The latest result of each benchmark, from the result files in the repository's "
            "`benchmarks/results/`. [Benchmarks](benchmarks.md) says what each one measures and how to run "
            "it; `benchmarks/RESULTS.md` in the repository has every figure, setting and note. Speeds depend "
            "on the machine: compare figures measured in one run, not across machines.\n")
    return "\n".join([head, *header, *summary, "", *body]), "\n".join(header + elsewhere), plots


def with_summary(page_text, summary):
    """``page_text`` with the part between ``SUMMARY_START`` and ``SUMMARY_END`` replaced by ``summary``.

    Example:
    >>> with_summary(f"Intro.\\n{SUMMARY_START}\\nold\\n{SUMMARY_END}\\nMore.", "new").splitlines()[3]
    'new'
    """
    before, found, rest = page_text.partition(SUMMARY_START)
    if not found or SUMMARY_END not in rest:
        raise ValueError(f"the page has no {SUMMARY_START!r} ... {SUMMARY_END!r} lines")
    return f"{before}{SUMMARY_START}\n\n{summary}\n\n{SUMMARY_END}{rest.partition(SUMMARY_END)[2]}"


def write_docs_page(results_dir=RESULTS_DIR, output=DOCS_PAGE, plots_dir=DOCS_PLOTS_DIR,
                    benchmarks_page=BENCHMARKS_PAGE):
    """Write the documentation's results page, copy the plots it shows into ``plots_dir`` (the ones it
    no longer shows are removed) and put its summary table into ``benchmarks_page`` (a page without
    the summary's two marker lines is left alone); returns the results page's path."""
    link = os.path.relpath(plots_dir, os.path.dirname(os.path.abspath(output))).replace(os.sep, "/")
    text, summary, plots = docs_page(results_dir, plots_link=link)
    os.makedirs(plots_dir, exist_ok=True)
    for name in os.listdir(plots_dir):
        if name.endswith(".png") and name not in plots:
            os.remove(os.path.join(plots_dir, name))
    for name in plots:
        shutil.copyfile(os.path.join(results_dir, "plots", name), os.path.join(plots_dir, name))
    _write_text(output, text)
    with open(benchmarks_page, encoding="utf-8") as handle:
        page = handle.read()
    if SUMMARY_START in page and SUMMARY_END in page:
        _write_text(benchmarks_page, with_summary(page, summary))
    return output


if __name__ == "__main__":
    print(write_report())
