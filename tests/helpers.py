"""Layer test helpers in the spirit of keras_hub's ``TestCase.run_layer_test``.

``run_layer_test`` builds a layer from its config, checks the config round trip, the weight
count, symbolic and eager output shapes, one ``fit`` step and (optionally) a ``.keras`` round
trip that gives identical outputs. Also: ``raised`` (compare our errors with gensim's),
``check_load_refuses_bad_saves`` (the load errors NNLM and ELMo share), and helpers that run code
in fresh processes.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

#: Skips a test where PyTorch, which ``setup.py`` does not install, is missing (as in CI).
requires_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                    reason="PyTorch is not installed (not a dependency)")


def raised(call):
    """The exception ``call()`` raises, or None."""
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - any class is compared
        return exc
    return None


def check_load_refuses_bad_saves(model, path, other_model_type):
    """Save ``model`` (an NNLM or an ELMo) to ``path`` and check that its class's ``load`` refuses a
    missing directory, a save whose weights are truncated and one marked ``other_model_type``, each
    with a ``FileNotFoundError`` or a ``ValueError`` that says what is wrong. Leaves the last save,
    marked ``other_model_type``, at ``path``."""
    cls = type(model)
    with pytest.raises(FileNotFoundError):
        cls.load(os.path.join(os.fspath(path), "missing"))
    model.save(path)
    weights = os.path.join(path, "model.weights.h5")
    with open(weights, "rb") as handle:
        head = handle.read(200)
    with open(weights, "wb") as handle:
        handle.write(head)  # truncated
    with pytest.raises(ValueError, match="could not be loaded"):
        cls.load(path)
    model.save(path)
    config_file = os.path.join(path, "config.json")
    with open(config_file, encoding="utf-8") as handle:
        config = json.load(handle)
    config["model_type"] = other_model_type
    with open(config_file, "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    with pytest.raises(ValueError, match=f"not an {cls.NAME}"):
        cls.load(path)


def _as_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_data,
    expected_output_shape,
    expected_num_trainable_weights=None,
    expected_num_non_trainable_weights=None,
    run_training_check=True,
    run_saving_check=False,
    tmp_path=None,
    atol=1e-6,
):
    """Run the standard battery of checks on a Keras layer.

    Args:
        layer_cls: the layer class.
        init_kwargs: dict of constructor arguments.
        input_data: a numpy array (or list of arrays) fed to the layer.
        expected_output_shape: the output shape for ``input_data``.
        expected_num_trainable_weights: number of trainable weights after build, or None.
        expected_num_non_trainable_weights: number of non-trainable weights after build, or None.
        run_training_check: fit one step of a model around the layer.
        run_saving_check: save the model as ``.keras`` and reload it; needs ``tmp_path``.
        tmp_path: a directory for the saving check.
        atol: tolerance of the saving check.

    Returns:
        The layer's eager output.
    """
    # Config round trip.
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    revived = layer_cls.from_config(config)
    assert revived.get_config() == config, (revived.get_config(), config)

    # Eager call.
    output = layer(*_as_list(input_data)) if isinstance(input_data, list) else layer(input_data)
    out_shape = tuple(keras.ops.shape(output))
    assert out_shape == tuple(expected_output_shape), (out_shape, expected_output_shape)
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, len(layer.trainable_weights)
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

    # Symbolic call.
    inputs = [keras.Input(shape=np.shape(x)[1:], dtype=str(np.asarray(x).dtype)) for x in _as_list(input_data)]
    sym_layer = layer_cls.from_config(config)
    sym_out = sym_layer(*inputs) if isinstance(input_data, list) else sym_layer(inputs[0])
    expected_sym = (None,) + tuple(expected_output_shape[1:])
    sym_shape = tuple(sym_out.shape)
    assert len(sym_shape) == len(expected_sym), (sym_shape, expected_sym)
    for got, want in zip(sym_shape[1:], expected_sym[1:]):
        assert got is None or got == want, (sym_shape, expected_sym)

    model = keras.Model(inputs, sym_out)
    if run_training_check and sym_layer.trainable_weights:
        model.compile(optimizer="sgd", loss="mse")
        target = np.zeros(out_shape, dtype="float32")
        model.fit(_as_list(input_data) if len(inputs) > 1 else input_data, target, epochs=1, verbose=0)

    if run_saving_check:
        path = os.path.join(str(tmp_path), "layer_model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(reloaded(input_data)),
            keras.ops.convert_to_numpy(model(input_data)),
            atol=atol,
        )
    return output


def gradients_of(fn, values):
    """The gradients of the scalar ``fn(*values)`` with respect to each of ``values`` (numpy arrays),
    by the active Keras backend's automatic differentiation, as numpy arrays.

    Example: ``gradients_of(lambda x: keras.ops.sum(x * x), [np.ones(3)])`` is ``[2, 2, 2]``.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.constant(v) for v in values]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            loss = fn(*tensors)
        return [g.numpy() for g in tape.gradient(loss, tensors)]
    if backend == "jax":
        import jax

        return [np.asarray(g) for g in jax.grad(fn, argnums=tuple(range(len(values))))(*values)]
    if backend == "torch":
        import torch

        tensors = [torch.tensor(v, requires_grad=True) for v in values]
        fn(*tensors).backward()
        return [t.grad.numpy() for t in tensors]
    raise NotImplementedError(f"no gradients for the {backend} backend")


#: The tests run TensorFlow with most of its graph optimiser's (grappler's) rewrites off. It rewrites
#: every traced function before its first run, and the tests trace tiny models for a handful of
#: steps each: those rewrites cost more than they save there (tests/gensim_elmo/test_elmo.py: 85.0
#: -> 71.3 CPU s). The function and memory optimisers stay on: with the whole optimiser off
#: (``disable_meta_optimizer``) the CPU time is about the same but the processes need twice the
#: memory (test_elmo.py 1.39 -> 2.58 GB, the whole suite 3.4 -> 8.3 GB). The rewrites left out
#: (fused kernels, reordered arithmetic) change float rounding, not what is computed. The tests' own
#: processes run so (tests/conftest.py), and so do the children of ``run_in_fresh_process`` on
#: TensorFlow, so that bit-exact comparisons across processes compare like with like; other children
#: (the command line, kill-and-resume runs) keep TensorFlow's defaults.
TENSORFLOW_TEST_OPTIONS = {name: False for name in (
    "constant_folding", "arithmetic_optimization", "layout_optimizer", "remapping", "loop_optimization",
    "dependency_optimization", "shape_optimization")}
_CHILD_SETUP = f"import tensorflow as _tf\n_tf.config.optimizer.set_experimental_options({TENSORFLOW_TEST_OPTIONS!r})\n"


def set_tensorflow_test_options():
    """Apply ``TENSORFLOW_TEST_OPTIONS`` to this process's TensorFlow."""
    import tensorflow as tf

    tf.config.optimizer.set_experimental_options(TENSORFLOW_TEST_OPTIONS)


def _child_env(env):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = root + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env = dict(env or {})
    if "XLA_FLAGS" in env:  # added to the tests' own (tests/conftest.py), not instead of them
        env["XLA_FLAGS"] = f"{full_env.get('XLA_FLAGS', '')} {env['XLA_FLAGS']}".strip()
    full_env.update(env)
    return full_env


def run_in_fresh_process(code, timeout=300, env=None):
    """Run ``code`` in a new Python interpreter and return its standard output.

    The code runs with the project root on ``sys.path``; a non-zero exit raises
    ``AssertionError`` carrying the child's standard error.
    """
    return run_in_fresh_processes(code, [env], timeout=timeout)[0]


def run_in_fresh_processes(code, envs, timeout=300):
    """Run ``code`` in one new interpreter per entry of ``envs`` (extra environment variables), all at
    once, and return their standard outputs; any failure or time-out kills them all (a peer that
    died can leave the others waiting) and raises ``AssertionError`` with the standard errors."""
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as tmp:
        procs, files = [], []
        for i, env in enumerate(envs):
            out, err = open(os.path.join(tmp, f"{i}.out"), "w+"), open(os.path.join(tmp, f"{i}.err"), "w+")
            files.append((out, err))
            child_env = _child_env(env)
            setup = _CHILD_SETUP if child_env.get("KERAS_BACKEND", "tensorflow") == "tensorflow" else ""
            procs.append(subprocess.Popen([sys.executable, "-c", setup + textwrap.dedent(code)], stdout=out,
                                          stderr=err, text=True, env=child_env))
        deadline = time.monotonic() + timeout
        try:
            while any(p.poll() is None for p in procs):
                if time.monotonic() > deadline or any(p.returncode not in (None, 0) for p in procs):
                    break
                time.sleep(0.2)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        outputs = []
        for p, (out, err) in zip(procs, files):
            out.seek(0)
            err.seek(0)
            stderr = err.read()
            assert p.returncode == 0, f"child failed ({p.returncode}):\n{stderr[-4000:]}"
            outputs.append(out.read())
            out.close()
            err.close()
        return outputs
