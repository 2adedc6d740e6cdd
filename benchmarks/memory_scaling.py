"""Memory flat with corpus size: peak RSS over Penn Treebank train and over it repeated 10 times.

Three jobs stream their corpus from a file: NNLM training, ELMo training and ``gensim-elmo
embed`` (``ELMo.embed_file``). Each runs in a fresh process (so that its peak resident set size
is its own: ``peak_rss_mib``) once on PTB train and once on PTB train x10 (9.3M words), one epoch,
with small models: the corpus-dependent memory is what is measured, not the model's. The ratio
peak(x10) / peak(x1) should stay under 1.2: vocabulary counts, the encoded corpus (a memory-mapped
file) and the embedding output all stream.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

NAME = "memory_scaling"
DESCRIPTION = "Peak RSS of NNLM training, ELMo training and embedding over PTB train vs PTB train x10"
EXPECTED_MINUTES = 60
JOBS = ("nnlm_train", "elmo_train", "elmo_embed")
TARGET_RATIO = 1.2
NNLM_SETTINGS = dict(vector_size=32, window=3, hidden_size=64, batch_size=512, learning_rate=2e-3, num_sampled=256, epochs=1,
            seed=1)
ELMO_SETTINGS = dict(preset="tiny", batch_size=64, learning_rate=0.2, num_sampled=512, epochs=1, seed=1)
QUICK_SENTENCES = 100


def peak_rss_mib():
    """This process's peak resident set size in MiB, since it started its program.

    Linux's ``VmHWM`` (``/proc/self/status``) belongs to the process's own memory map, which
    ``exec`` replaces; ``getrusage``'s ``ru_maxrss`` (the fallback elsewhere) is kept across
    ``exec``, so a child started by a process of 2 GiB reports at least 2 GiB there, whatever
    it uses itself.

    Example:
    >>> peak_rss_mib() > 1
    True
    """
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def job(kind, corpus_file, workdir):
    """Run one job over ``corpus_file``; returns its figures (peak RSS from ``peak_rss_mib``)."""
    from gensim_elmo.elmo import ELMo
    from gensim_elmo.nnlm import NNLM

    start = time.perf_counter()
    sentences = None
    if kind == "nnlm_train":
        model = NNLM(corpus_file=corpus_file, progress=False, **NNLM_SETTINGS)
        tokens = model.corpus_stats["tokens"]
    elif kind == "elmo_train":
        model = ELMo(corpus_file=corpus_file, progress=False, **ELMO_SETTINGS)
        tokens = model.corpus_stats["tokens"]
    elif kind == "elmo_embed":
        model = ELMo(preset="tiny", progress=False, seed=1)
        output = os.path.join(workdir, "vectors.hdf5")
        sentences = model.embed_file(corpus_file, output, layer="mix", progress=False)
        tokens = None
        os.remove(output)
    else:
        raise ValueError(f"unknown job {kind!r}; choose from {JOBS}")
    return {"peak_rss_mib": peak_rss_mib(), "tokens": tokens,
            "sentences": sentences, "seconds": time.perf_counter() - start}


def _write_corpus(path, sentences, copies):
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(copies):
            for sentence in sentences:
                handle.write(" ".join(sentence) + "\n")
    return path


def run(quick=False, jobs=JOBS):
    """Each job on PTB x1 and x10, each in its own process; return (figures, settings)."""
    from gensim_elmo.datasets import ptb

    sentences = list(ptb("train", limit=QUICK_SENTENCES if quick else None))
    figures = {}
    with tempfile.TemporaryDirectory() as workdir:
        corpora = {copies: _write_corpus(os.path.join(workdir, f"ptb_x{copies}.txt"), sentences, copies)
                   for copies in (1, 10)}
        for kind in jobs:
            runs = {}
            for copies, path in corpora.items():
                out = os.path.join(workdir, "result.json")
                subprocess.run([sys.executable, "-m", "benchmarks.memory_scaling", "--worker", kind, path, out],
                               check=True)
                with open(out, encoding="utf-8") as handle:
                    runs[f"x{copies}"] = json.load(handle)
            ratio = runs["x10"]["peak_rss_mib"] / runs["x1"]["peak_rss_mib"]
            figures[kind] = dict(runs, ratio=ratio, flat=ratio < TARGET_RATIO)
            print(f"{kind}: peak RSS {runs['x1']['peak_rss_mib']:.0f} MiB (x1) vs {runs['x10']['peak_rss_mib']:.0f} "
                  f"MiB (x10): ratio {ratio:.3f}")
    settings = {"corpus": f"PTB train{' first %d sentences' % QUICK_SENTENCES if quick else ''}, x1 and x10",
                "nnlm": NNLM_SETTINGS, "elmo": ELMO_SETTINGS, "embed": "tiny preset, layer mix, HDF5", "target_ratio": TARGET_RATIO, "jobs": list(jobs)}
    return figures, settings


def _main(argv):
    import argparse

    parser = argparse.ArgumentParser(description="one memory measurement (used by run())")
    parser.add_argument("--worker", nargs=3, metavar=("JOB", "CORPUS", "OUT"), required=True)
    args = parser.parse_args(argv)
    kind, corpus_file, out = args.worker
    result = job(kind, corpus_file, os.path.dirname(out))
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    _main(sys.argv[1:])
