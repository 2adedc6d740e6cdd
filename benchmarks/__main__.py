"""``python -m benchmarks [NAME ...] [--quick]``: run benchmarks and write their results."""

import argparse
import importlib
import sys
import time

from benchmarks.results_io import RESULTS_DIR, MissingData, write_result

#: Benchmark modules in the order they run.
BENCHMARKS = [
    "word2vec_speed",
    "nnlm_ptb",
    "elmo_ptb",
    "word_similarity",
    "polysemy",
    "chinese_lm",
    "chinese_polysemy",
    "downstream",
    "fine_tuning",
    "distilled_vectors",
    "tagging",
    "tagging_zh",
    "chinese_characters",
    "roofline",
    "speedups",
    "memory_scaling",
]


def add_arguments(parser):
    """Add the benchmark runner's arguments to ``parser`` (an ``argparse.ArgumentParser``) and return it."""
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {BENCHMARKS})")
    parser.add_argument("--quick", action="store_true", help="reduced data and epochs: a few minutes in all")
    parser.add_argument("--corpus", default=None,
                        help="a text file (one sentence per line) to train the compared models on, for the "
                             "benchmarks that take one (word_similarity...); default: Penn Treebank train")
    parser.add_argument("--results-dir", default=None,
                        help=f"where to write <name>.json and plots (default: {RESULTS_DIR}); RESULTS.md goes "
                             "next to it")
    return parser


def run_benchmarks(args):
    """Run the benchmarks named in ``args`` (parsed with ``add_arguments``), then rewrite the report.

    Example (about a minute):
    >>> import argparse, tempfile
    >>> args = add_arguments(argparse.ArgumentParser()).parse_args(
    ...     ["word2vec_speed", "--quick", "--results-dir", tempfile.mkdtemp()])
    >>> run_benchmarks(args)  # doctest: +SKIP
    0
    """
    names = args.names or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise ValueError(f"unknown benchmark(s) {unknown}; choose from {BENCHMARKS}")
    from benchmarks.peak_memory import PeakMemory  # psutil: the benchmarks extra, needed only to run them

    results_dir = args.results_dir or RESULTS_DIR
    modules = [importlib.import_module(f"benchmarks.{name}") for name in names]
    if not args.quick:
        total = sum(m.EXPECTED_MINUTES for m in modules)
        print(f"Full run of {len(modules)} benchmark(s): expect about {total} minutes on a 2-core CPU "
              "(use --quick for a few minutes).")
    skipped = []
    for module in modules:
        print(f"\n### {module.NAME}: {module.DESCRIPTION}")
        start = time.perf_counter()
        extra = {"corpus": args.corpus} if getattr(module, "CORPUS_OPTION", False) else {}
        try:
            with PeakMemory() as memory:
                figures, settings = module.run(quick=args.quick, **extra)
        except MissingData as exc:  # data that must be installed separately (WordNet...)
            skipped.append(f"{module.NAME}: {exc}")
            print(f"SKIPPED {module.NAME}: {exc}")
            continue
        # A benchmark may name its result by where it ran (roofline on a GPU: roofline_gpu).
        name = module.result_name() if hasattr(module, "result_name") else module.NAME
        path = write_result(name, figures, settings, time.perf_counter() - start, quick=args.quick,
                            results_dir=results_dir, memory=memory.as_dict())
        print(f"-> {path} (peak RSS {memory.peak_mib:.0f} MiB)")
    from benchmarks.report import write_report

    print(f"-> {write_report(results_dir=results_dir)}")
    if skipped:
        print("\nSkipped for missing data (see the README's benchmark section):\n  " + "\n  ".join(skipped))
    return 0


def main(argv=None):
    parser = add_arguments(argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__))
    args = parser.parse_args(argv)
    try:
        return run_benchmarks(args)
    except ValueError as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    sys.exit(main())
