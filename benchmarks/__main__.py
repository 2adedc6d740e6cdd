"""``python -m benchmarks [NAME ...] [--quick]``: run benchmarks and write their results."""

import argparse
import importlib
import sys
import time

from benchmarks.results_io import write_result

#: Benchmark modules in the order they run.
BENCHMARKS = ["word2vec_speed", "nnlm_ptb", "elmo_ptb"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {BENCHMARKS})")
    parser.add_argument("--quick", action="store_true", help="reduced data and epochs: a few minutes in all")
    args = parser.parse_args(argv)
    names = args.names or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {BENCHMARKS}")
    modules = [importlib.import_module(f"benchmarks.{name}") for name in names]
    if not args.quick:
        total = sum(m.EXPECTED_MINUTES for m in modules)
        print(f"Full run of {len(modules)} benchmark(s): expect about {total} minutes on a 2-core CPU "
              "(use --quick for a few minutes).")
    for module in modules:
        print(f"\n### {module.NAME}: {module.DESCRIPTION}")
        start = time.perf_counter()
        figures, settings = module.run(quick=args.quick)
        path = write_result(module.NAME, figures, settings, time.perf_counter() - start, quick=args.quick)
        print(f"-> {path}")
    from benchmarks.report import write_report

    print(f"-> {write_report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
