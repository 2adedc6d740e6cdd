"""Soak test of multi-device training on JAX CPU devices (issue 28): each case, many times, in fresh processes.

``python -m benchmarks.multi_device_soak [--runs 10] [--cases NAME ...] [--without-fix]``

Issue 28: NNLM training on two JAX CPU devices (``XLA_FLAGS=--xla_force_host_platform_device_count=2``,
``distribution="auto"``, ``progress=False``) died with SIGABRT now and then, after XLA's 40 s
"Termination timeout for `all reduce` ... only 1 of them arrived on time". The cause is XLA's CPU
client, not the model: when the host runs 32 steps ahead of the devices, a thread of its
small pool (two threads on two cores) waits for a device's queue to free up, the other runs one
device's part of an early step that waits in the all-reduce for the other device's part, which is
queued in the pool behind them. Since the fix, ``fit`` waits for each step on several CPU devices
(``gensim_elmo.distribution.host_sync_callbacks``); ``--without-fix`` removes that wait to show the
failure.

Each case is trained ``--runs`` times on two devices, each run in its own interpreter, and once on
one device; the report counts the runs that aborted (SIGABRT, the rendezvous timeout), timed out,
failed otherwise, and whether each finished run's losses match the one-device run's (1e-4, as
``tests/gensim_elmo/test_distribution.py``). The two-process cases start two JAX processes on
127.0.0.1, each reading its shard of the corpus; they match when both processes end with the
same losses. Cases (the issue's reproductions, then ELMo and the other paths):

- ``nnlm_full``: NNLM, full softmax, batch 64, the first 1,200 Penn Treebank training sentences
  (vocabulary 3,864); reported before the fix: 3 of 5 runs aborted.
- ``nnlm_sampled1024``: NNLM, 1,024 sampled classes, batch 16; reported: 3 of 3 aborted.
- ``nnlm_sampled64``: NNLM, 64 sampled classes, batch 64; reported: 0 of 3 (the devices mostly
  keep up with the host, which then seldom gets 32 steps ahead).
- ``elmo_sampled1024``, ``elmo_full``: ELMo "tiny", batch 16, on the first ``--elmo-sentences``
  sentences (default 300: ELMo on 1,200 takes minutes a run on two cores); reported: 0 of 1.
- ``jax_only``: no Keras, no gensim_elmo: a data-parallel softmax step (20,000 classes, batch 64)
  in a plain JAX loop, 1,000 steps; without the fix the loop never waits, with it the loop waits
  for each step's loss, as ``fit`` now does.
- ``nnlm_full_two_processes``: ``nnlm_full`` on two JAX processes of one CPU device each (the
  multi-process path as ``tests/gensim_elmo/test_multi_process.py`` runs it), and
  ``nnlm_full_two_processes_two_devices`` on two processes of two CPU devices each.

Example (minutes; ``--runs 10`` for the soak itself):
>>> from benchmarks.multi_device_soak import main
>>> main(["--runs", "1", "--cases", "nnlm_sampled64"])  # doctest: +SKIP
0
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_NNLM = dict(vector_size=16, window=3, hidden_size=32)
#: name: the model, its constructor's settings, the Penn Treebank sentences it trains on (None: ``--elmo-sentences``),
#: the JAX processes and the CPU devices of each.
CASES = {
    "nnlm_full": dict(model="NNLM", settings=dict(_NNLM, batch_size=64, num_sampled=None), sentences=1200),
    "nnlm_sampled1024": dict(model="NNLM", settings=dict(_NNLM, batch_size=16, num_sampled=1024), sentences=1200),
    "nnlm_sampled64": dict(model="NNLM", settings=dict(_NNLM, batch_size=64, num_sampled=64), sentences=1200),
    "elmo_sampled1024": dict(model="ELMo", settings=dict(preset="tiny", batch_size=16, num_sampled=1024)),
    "elmo_full": dict(model="ELMo", settings=dict(preset="tiny", batch_size=16, num_sampled=None)),
    "jax_only": dict(model="jax", settings=dict(vocabulary=20000, batch_size=64, steps=1000)),
    "nnlm_full_two_processes": dict(model="NNLM", settings=dict(_NNLM, batch_size=64, num_sampled=None), sentences=1200,
                                    processes=2, devices=1),
    "nnlm_full_two_processes_two_devices": dict(model="NNLM", settings=dict(_NNLM, batch_size=64, num_sampled=None),
                                                sentences=1200, processes=2, devices=2),
}


#: One training run: the case comes in SOAK_CASE (JSON), the result goes to stdout's last line.
CHILD = """
import json, os, time
case = json.loads(os.environ["SOAK_CASE"])
import keras
if case["processes"] > 1:
    keras.distribution.initialize()  # from the KERAS_DISTRIBUTION_* variables
import jax
import gensim_elmo.language_model
from gensim_elmo import ELMo, NNLM
from gensim_elmo.datasets import ptb

if case["without_fix"]:
    gensim_elmo.language_model.host_sync_callbacks = lambda distribution: []  # what fit did before issue 28
start = time.perf_counter()
model_class = {"NNLM": NNLM, "ELMo": ELMo}[case["model"]]
if case["corpus_file"]:
    data = dict(corpus_file=case["corpus_file"])
else:
    data = dict(sentences=list(ptb("train"))[:case["sentences"]])
model = model_class(**data, epochs=1, seed=0, progress=False, distribution=case["distribution"], **case["settings"])
print(json.dumps({"loss": model.history["loss"], "vocabulary": len(model.vocabulary), "devices": jax.device_count(),
                  "seconds": time.perf_counter() - start}))
"""

#: The same failure without Keras or gensim_elmo: a data-parallel softmax step on plain JAX, dispatched in a loop
#: that never waits (``without_fix``) or waits for each step's loss.
JAX_CHILD = """
import json, os, time
case = json.loads(os.environ["SOAK_CASE"])
import jax, jax.numpy as jnp, numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

settings = case["settings"]
vocabulary, batch, steps = settings["vocabulary"], settings["batch_size"], settings["steps"]
devices = jax.devices() if case["distribution"] else jax.devices()[:1]
mesh = Mesh(np.array(devices), ("batch",))
replicated, sharded = NamedSharding(mesh, PartitionSpec()), NamedSharding(mesh, PartitionSpec("batch"))


def step(w, x, y):
    def loss(w):
        logits = x @ w
        return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - jnp.take_along_axis(logits, y[:, None], axis=-1)[:, 0])
    value, gradient = jax.value_and_grad(loss)(w)
    return w - 0.1 * gradient, value


step = jax.jit(step, out_shardings=(replicated, replicated))
rng = np.random.default_rng(0)
w = jax.device_put(rng.normal(size=(32, vocabulary)).astype("float32") * 0.01, replicated)
start, losses = time.perf_counter(), []
for _ in range(steps):
    x = jax.device_put(rng.normal(size=(batch, 32)).astype("float32"), sharded)
    y = jax.device_put(rng.integers(0, vocabulary, batch).astype("int32"), sharded)
    w, value = step(w, x, y)
    losses.append(value)
    if not case["without_fix"]:
        value.block_until_ready()
print(json.dumps({"loss": [float(losses[-1])], "devices": len(devices), "seconds": time.perf_counter() - start}))
"""

ABORT_MARK = "Termination timeout"


def _environment(extra):
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", PYTHONPATH=ROOT,
               TF_CPP_MIN_LOG_LEVEL="2", **extra)
    return env


def run_once(case, timeout):
    """Train ``case`` (a dict: model, settings, sentences, processes, devices...) once, in fresh processes.

    Returns:
        dict: ``outcome`` ("ok", "aborted", "timed out" or "failed"), ``losses`` (one list per
        process, when it finished), ``seconds`` and ``error`` (the end of standard error).
    """
    processes, devices = case["processes"], case["devices"]
    envs = [{"XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"} if devices > 1 else {}
            for _ in range(processes)]
    if processes > 1:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        for index, env in enumerate(envs):
            env.update(KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
                       KERAS_DISTRIBUTION_NUM_PROCESSES=str(processes), KERAS_DISTRIBUTION_PROCESS_ID=str(index))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for index, env in enumerate(envs):
            out, err = (open(os.path.join(tmp, f"{index}.{kind}"), "w+") for kind in ("out", "err"))
            code = JAX_CHILD if case["model"] == "jax" else CHILD
            procs.append((subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=err, text=True,
                                           env=_environment(dict(env, SOAK_CASE=json.dumps(case)))), out, err))
        timed_out = False
        try:
            while any(p.poll() is None for p, _, _ in procs):
                if time.perf_counter() - start > timeout or any(p.returncode not in (None, 0) for p, _, _ in procs):
                    timed_out = all(p.returncode in (None, 0) for p, _, _ in procs)
                    break
                time.sleep(0.5)
        finally:
            for p, _, _ in procs:
                if p.poll() is None:  # a peer that died leaves the others waiting
                    p.kill()
                    p.wait()
        stdouts, stderrs, codes = [], [], []
        for p, out, err in procs:
            out.seek(0)
            err.seek(0)
            stdouts.append(out.read())
            stderrs.append(err.read())
            codes.append(p.returncode)
            out.close()
            err.close()
    seconds = time.perf_counter() - start
    error = "\n".join(e.strip()[-2000:] for e in stderrs if e.strip())
    if any(ABORT_MARK in e for e in stderrs) or any(c == -6 for c in codes):  # SIGABRT
        outcome = "aborted"
    elif timed_out:
        outcome = "timed out"
    elif any(c != 0 for c in codes):
        outcome = "failed"
    else:
        outcome = "ok"
    losses = [json.loads(o.strip().splitlines()[-1])["loss"] for o in stdouts] if outcome == "ok" else None
    return {"outcome": outcome, "losses": losses, "seconds": round(seconds, 1), "codes": codes,
            "error": "" if outcome == "ok" else error}


def _matches(losses, reference, rtol=1e-4, atol=1e-4):
    import numpy as np

    return all(np.allclose(each, reference, rtol=rtol, atol=atol) for each in losses)


def soak(name, runs, timeout, without_fix=False, elmo_sentences=300, log=None):
    """Run case ``name`` once on one device and ``runs`` times on several; return its counts.

    Returns:
        dict: ``runs``, the counts of each outcome, ``matched`` (finished runs whose losses match
        one device's, or, on two processes, each other's), ``seconds`` (of each run) and ``errors``.
    """
    log = log or (lambda line: print(line, flush=True))
    spec = dict(dict(sentences=None, processes=1, devices=2), **CASES[name])
    corpus_file = None
    with tempfile.TemporaryDirectory() as tmp:
        if spec["processes"] > 1:
            from gensim_elmo.datasets import ptb

            corpus_file = os.path.join(tmp, "corpus.txt")
            with open(corpus_file, "w", encoding="utf-8") as f:
                f.writelines(" ".join(s) + "\n" for s in list(ptb("train"))[:spec["sentences"]])
        case = dict(spec, sentences=spec["sentences"] or elmo_sentences, corpus_file=corpus_file,
                    without_fix=without_fix)
        reference = None
        if case["processes"] == 1:
            one = run_once(dict(case, distribution=None), timeout)
            if one["outcome"] != "ok":
                raise RuntimeError(f"{name} on one device: {one['outcome']}\n{one['error']}")
            reference = one["losses"][0]
        counts = {"runs": runs, "ok": 0, "aborted": 0, "timed out": 0, "failed": 0, "matched": 0, "seconds": [],
                  "errors": []}
        for number in range(runs):
            result = run_once(dict(case, distribution="auto"), timeout)
            counts[result["outcome"]] += 1
            counts["seconds"].append(result["seconds"])
            if result["outcome"] == "ok":
                counts["matched"] += _matches(result["losses"], reference if reference is not None else
                                              result["losses"][0])
            else:
                counts["errors"].append(result["error"][-600:])
            log(f"{name} run {number + 1}/{runs}: {result['outcome']} in {result['seconds']} s"
                + (f", losses {result['losses']}" if result["losses"] else ""))
    return counts


def main(argv=None):
    """Parse ``argv``, soak the chosen cases, print a table (and write JSON with ``--json``); 0 when no run failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="two-device runs per case (default 10)")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES), help="default: all")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run counts as hung")
    parser.add_argument("--elmo-sentences", type=int, default=300, help="Penn Treebank sentences of the ELMo cases")
    parser.add_argument("--without-fix", action="store_true",
                        help="let the host run ahead of the devices, as before issue 28's fix")
    parser.add_argument("--json", default=None, help="also write the counts to this file")
    args = parser.parse_args(argv)
    table = {}
    for name in args.cases:
        table[name] = soak(name, args.runs, args.timeout, without_fix=args.without_fix,
                           elmo_sentences=args.elmo_sentences)
    print(f"\n{'case':36} {'runs':>4} {'ok':>3} {'aborted':>7} {'timed out':>9} {'failed':>6} {'matched':>7} "
          f"{'median s':>8}" + ("   (without the fix)" if args.without_fix else ""))
    for name, counts in table.items():
        median = sorted(counts["seconds"])[len(counts["seconds"]) // 2] if counts["seconds"] else float("nan")
        print(f"{name:36} {counts['runs']:4d} {counts['ok']:3d} {counts['aborted']:7d} {counts['timed out']:9d} "
              f"{counts['failed']:6d} {counts['matched']:7d} {median:8.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"without_fix": args.without_fix, "cases": table}, f, indent=1)
    return 0 if all(c["ok"] == c["matched"] == c["runs"] for c in table.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
