"""The documentation site builds without warnings (``mkdocs build --strict``) and its API reference
has one page per module, with constructor signatures and readable sections."""

import html
import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("gensim_elmo", "keras_layers")


def _modules(package):
    """The modules of ``package`` that the API reference documents (all but ``__init__`` and ``version``)."""
    return sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, package))
                  if name.endswith(".py") and name not in ("__init__.py", "version.py"))


def _read(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as handle:
        return handle.read()


def _text(page):
    """The visible text of a built HTML page's article, one line per block."""
    article = page[page.index("<article"):]
    article = re.sub(r"<(script|style)\b.*?</\1>", "", article, flags=re.S)
    return html.unescape(re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n", re.sub(r"<[^>]+>", "", article))))


def _load_extension(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "docs", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_has_an_api_page_listed_in_the_nav(package):
    nav = _read(ROOT, "mkdocs.yml")
    index = _read(ROOT, "docs", "api", package, "index.md")
    for module in _modules(package):
        page = os.path.join(ROOT, "docs", "api", package, f"{module}.md")
        assert os.path.isfile(page), f"no API page for {package}.{module}: add {page} and list it in mkdocs.yml"
        assert f"::: {package}.{module}" in _read(page)
        assert f"- {module}: api/{package}/{module}.md" in nav, f"{package}.{module} is not in mkdocs.yml's nav"
        assert f"]({module}.md)" in index, f"docs/api/{package}/index.md does not link {module}"


def test_docstring_sections_extension():
    rewrite = _load_extension("griffe_docstring_sections").rewrite_sections
    assert rewrite("Call arguments:\n    x: a tensor.") == "Other Parameters: Call arguments:\n    x: a tensor."
    assert rewrite("One step::\n\n    z = x @ w\n\nMore.") == "One step:\n\n    z = x @ w\n\nMore."
    assert rewrite("Text.\n\n::\n\n    code") == "Text.\n\n\n    code"
    assert rewrite("Example:\n    >>> d = {'a::': 1}\n    >>> 2") == "Example:\n    >>> d = {'a::': 1}\n    >>> 2"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = tmp_path_factory.mktemp("docs") / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return site


def test_mkdocs_build_strict(site):
    assert (site / "index.html").is_file()
    nnlm = (site / "api" / "gensim_elmo" / "nnlm" / "index.html").read_text(encoding="utf-8")
    assert 'id="gensim_elmo.nnlm.NNLM"' in nnlm and 'id="gensim_elmo.nnlm.NNLM.save"' in nnlm  # inherited
    keras_api = (site / "api" / "keras_layers" / "keyed_vectors_embedding" / "index.html").read_text(encoding="utf-8")
    assert 'id="keras_layers.keyed_vectors_embedding.KeyedVectorsEmbedding"' in keras_api


def test_api_pages_show_signatures_and_readable_sections(site):
    lstm = _text((site / "api" / "keras_layers" / "lstm_projection" / "index.html").read_text(encoding="utf-8"))
    # the constructor's signature, merged into the class (mkdocstrings lays long signatures out one
    # argument per line when ruff or black is installed, so compare without the white space)
    flat = re.sub(r"\s+", "", lstm)
    assert "LSTMProjection(units,projection_dim,cell_clip=None" in flat
    # "Call arguments" is a list of named arguments, not one paragraph
    assert re.search(r"Call arguments:\n inputs\n –\n float tensor", lstm), lstm[lstm.find("Call arguments"):][:300]
    word2vec = _text((site / "api" / "gensim_elmo" / "word2vec" / "index.html").read_text(encoding="utf-8"))
    assert "Word2Vec(*args,progress=True,compute_loss=True,checkpoint_dir=None,tokenizer=None,**kwargs" in re.sub(
        r"\s+", "", word2vec)
    for package in PACKAGES:
        for module in _modules(package):
            text = _text((site / "api" / package / module / "index.html").read_text(encoding="utf-8"))
            assert not re.search(r"(Returns|Yields):\n –", text), f"a dangling dash in {package}.{module}"
            assert not re.search(r"::\s*$", text, flags=re.M), f"a reST '::' in {package}.{module}"
            assert "Call arguments\n" not in text, f"'Call arguments' rendered as a paragraph in {package}.{module}"


# --- the code blocks of README.md and docs/*.md run as written -----------------------------------
#: Written in a fence line (```python {.no-run}), keeps a block from running: only for a block that
#: needs files no test can have (a multi-host run, a shared filesystem). Markdown renders the block
#: as usual (GitHub reads the language only; pymdownx.superfences adds a CSS class).
NO_RUN = "{.no-run}"
DOC_PAGES = ["README.md", *sorted(os.path.join("docs", name) for name in os.listdir(os.path.join(ROOT, "docs"))
                                  if name.endswith(".md"))]
_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<code>.*?)^```[ \t]*$", flags=re.S | re.M)


def python_blocks(text):
    """The ```python blocks of a Markdown ``text``: (line number, fence info, code) in page order.

    Example:
        >>> python_blocks("Text.\\n\\n```python\\nx = 1\\n```\\n\\n```bash\\nls\\n```\\n")
        [(3, 'python', 'x = 1\\n')]
    """
    return [(text[:match.start()].count("\n") + 1, match["info"].strip(), match["code"])
            for match in _FENCE.finditer(text) if match["info"].split()[:1] == ["python"]]


def _stand_ins(directory):
    """Files the pages read as the reader's own: a corpus (plain, gzipped, a directory) and a .keras file."""
    import gzip

    import keras

    from gensim_elmo.datasets import ptb

    lines = "".join(" ".join(sentence) + "\n" for sentence in ptb("train", limit=2000))
    (directory / "corpus.txt").write_text(lines, encoding="utf-8")
    with gzip.open(directory / "corpus.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write(lines)
    (directory / "corpus_dir").mkdir()
    (directory / "corpus_dir" / "part1.txt").write_text(lines, encoding="utf-8")
    inputs = keras.Input(shape=(3,))
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(directory / "downloaded.keras")


def test_python_blocks_are_found_and_marked_only_where_documented():
    blocks = {page: python_blocks(_read(ROOT, page)) for page in DOC_PAGES}
    assert sum(map(len, blocks.values())) >= 40
    for page, found in blocks.items():
        for line, info, _ in found:
            assert info in ("python", f"python {NO_RUN}"), f"{page}:{line}: unknown fence line ```{info}"


def undefined_names(code):
    """The names ``code`` reads but neither imports nor assigns, nor finds among the builtins.

    Example:
        >>> undefined_names("import os\\nx = os.sep + y\\nprint(x)")
        ['y']
    """
    import ast
    import builtins

    tree = ast.parse(code)
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            defined.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    return sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
                   and isinstance(node.ctx, ast.Load) and node.id not in defined})


def test_readme_blocks_stand_alone():
    """A README section is read on its own: each of its blocks imports and builds every name it uses."""
    for line, _, code in python_blocks(_read(ROOT, "README.md")):
        assert not undefined_names(code), f"README.md:{line} uses {undefined_names(code)} without defining them"


@pytest.mark.parametrize("page", DOC_PAGES)
def test_python_blocks_run(page, tmp_path, monkeypatch):
    """Every ```python block runs as written, in a fresh working directory.

    A page is read top to bottom: its blocks run in order in one namespace (a later block of a
    guide uses the ``model`` an earlier one trained; a later README block reads a directory an
    earlier one saved).
    """
    blocks = [block for block in python_blocks(_read(ROOT, page)) if NO_RUN not in block[1]]
    if not blocks:
        pytest.skip(f"{page} has no Python block to run")
    monkeypatch.chdir(tmp_path)
    _stand_ins(tmp_path)
    namespace = {"__name__": "__main__"}
    for line, _, code in blocks:
        exec(compile(code, f"{page}:{line}", "exec"), namespace)  # noqa: S102 - our own documentation


# --- the benchmark figures the pages show come from the result files -----------------------------
def test_benchmark_results_page_is_up_to_date(tmp_path):
    """docs/benchmark_results.md, its plots and the summary in docs/benchmarks.md are what
    ``benchmarks.report`` makes of the result files now: run ``python -m benchmarks.report`` after
    changing a result file or the report."""
    import shutil

    from benchmarks.report import BENCHMARKS_PAGE, DOCS_PAGE, DOCS_PLOTS_DIR, SUMMARY_END, SUMMARY_START, write_docs_page

    assert SUMMARY_START in _read(BENCHMARKS_PAGE) and SUMMARY_END in _read(BENCHMARKS_PAGE)
    benchmarks_page = shutil.copy(BENCHMARKS_PAGE, tmp_path / "benchmarks.md")
    page = write_docs_page(output=str(tmp_path / "benchmark_results.md"), plots_dir=str(tmp_path / "img" / "benchmarks"),
                           benchmarks_page=str(benchmarks_page))
    fix = "out of date: run `python -m benchmarks.report`"
    assert _read(page) == _read(DOCS_PAGE), f"docs/benchmark_results.md is {fix}"
    assert _read(benchmarks_page) == _read(BENCHMARKS_PAGE), f"the summary in docs/benchmarks.md is {fix}"
    written = sorted(os.listdir(tmp_path / "img" / "benchmarks"))
    assert written and sorted(os.listdir(DOCS_PLOTS_DIR)) == written, f"docs/img/benchmarks/ is {fix}"
    for name in written:
        with open(tmp_path / "img" / "benchmarks" / name, "rb") as new, open(os.path.join(DOCS_PLOTS_DIR, name), "rb") as old:
            assert new.read() == old.read(), f"docs/img/benchmarks/{name} is {fix}"


def _choosing_figures():
    """The figures docs/choosing.md quotes, as it writes them, computed from the result files."""
    from benchmarks.report import latest_workloads, load_results

    r = {name: result["figures"] for name, result in load_results().items()}

    def latest(benchmark, backend, workload):
        return latest_workloads(r[benchmark]["backends"][backend])[workload][0]["tokens_per_s"]

    def n(value):
        return f"{value:,.0f}"

    def span(values, spec):
        low, high = format(min(values), spec), format(max(values), spec)
        return low if low == high else f"{low}-{high}"

    w2v = r["word2vec_speed"]
    ours = [x["gensim_elmo_words_per_s"] / 1e6 for x in w2v.values()]
    backends = ("tensorflow", "jax", "torch")
    nnlm_cpu = [latest("roofline", b, "nnlm_train") for b in backends]
    elmo_cpu = [latest("roofline", b, "elmo_train/small") for b in backends]
    embed_cpu = [latest("roofline", b, "elmo_embed/original") for b in backends]
    nnlm = r["nnlm_ptb"]
    sampled = nnlm["sampled_softmax_epochs"]
    timed = nnlm["epoch_seconds"]  # the epochs of the last resumed run: its full-softmax epochs come last
    full = timed[len(timed) - (nnlm["epochs_run"] - sampled):]
    similarity = r["word_similarity"]["models"]
    polysemy = r["polysemy"]["models"]
    downstream = r["downstream"]
    figures = [
        f"{min(ours):.2f}M words/s (skip-gram) to {max(ours):.2f}M (CBOW)",
        f"skip-gram at {n(w2v['iterable/skipgram']['gensim_elmo_words_per_s'])} words/s against gensim's "
        f"{n(w2v['iterable/skipgram']['gensim_words_per_s'])}",
        f"CBOW at {n(w2v['iterable/cbow']['gensim_elmo_words_per_s'])} against {n(w2v['iterable/cbow']['gensim_words_per_s'])}",
        span(nnlm_cpu, ",.0f") + " tokens/s", span(elmo_cpu, ",.0f") + " tokens/s (`small` preset)",
        "| NNLM (`nnlm_train`) | " + " | ".join(map(n, nnlm_cpu)) + " |",
        "| ELMo, `small` preset (`elmo_train/small`) | " + " | ".join(map(n, elmo_cpu)) + " |",
        f"{span(embed_cpu, ',.0f')} tokens/s on the CPU",
        f"the latest figures are {n(embed_cpu[0])} tokens/s on TensorFlow, {n(embed_cpu[1])} on JAX and "
        f"{n(embed_cpu[2])} on PyTorch",
        f"preset embeds {n(latest('roofline', 'tensorflow', 'elmo_embed/small'))} (TensorFlow) to "
        f"{n(latest('roofline', 'jax', 'elmo_embed/small'))} (JAX)",
        f"at batch 1 the `original` preset embedded {n(latest('roofline', 'tensorflow', 'elmo_embed_batch/1'))} tokens/s",
        f"{r['roofline']['backends']['tensorflow']['workloads']['elmo_embed/original']['flops_per_token'] / 1e6:.0f} "
        "MFLOP per token",
        f"JAX trains the `small` ELMo at {n(latest('roofline_gpu', 'jax', 'elmo_train/small'))} tokens/s and the NNLM "
        f"at {n(latest('roofline_gpu', 'jax', 'nnlm_train'))}",
        f"preset at {n(latest('roofline_gpu', 'jax', 'elmo_embed/original'))} tokens/s. PyTorch trains the `small` "
        f"ELMo at {n(latest('roofline_gpu', 'torch', 'elmo_train/small'))} tokens/s",
        f"({r['torch_compile_gpu']['lstm_stack']['ratio_to_keras_lstm']['compiled (ieee vs keras_lstm ieee)']:.2f} "
        "times its speed in IEEE float32)",
        "LSTM stack trains at {:.2f} times cuDNN's LSTM speed at JAX's default precision and {:.2f} times at "
        "`highest`".format(*(r["jax_precision_gpu"]["ratio_to_keras_lstm"][f"projection {p} vs keras_lstm {p}"]
                             for p in ("default", "highest"))),
        f"{nnlm['epochs_run']} epochs to a test perplexity of {nnlm['test_perplexity']:.1f}, at "
        f"{n(nnlm['training_tokens_per_s'])} tokens/s",
        f"{span(timed[:len(timed) - len(full)], '.0f')} seconds with the sampled softmax and "
        f"{span(full, '.0f')} seconds with the full softmax",
        f"{r['elmo_ptb']['epochs_run']} epochs ({r['elmo_ptb']['sampled_softmax_epochs']} with the sampled softmax",
        f"({n(r['memory_scaling']['nnlm_train']['x1']['tokens'])} words)",
        f"took {r['memory_scaling']['nnlm_train']['x1']['seconds']:.0f} seconds, and one epoch of the `tiny` ELMo "
        f"{r['memory_scaling']['elmo_train']['x1']['seconds']:.0f} seconds",
        f"The NNLM reaches {nnlm['test_perplexity']:.1f}, better than the Kneser-Ney 5-gram's published "
        f"{nnlm['anchors']['Kneser-Ney 5-gram']}",
        f"the small LSTM's {nnlm['anchors']['LSTM small (Zaremba 2014)']}",
        f"The `compact` ELMo reaches {r['elmo_ptb']['test_perplexity']['forward']:.1f} (forward; "
        f"{r['elmo_ptb']['test_perplexity']['backward']:.1f} backward) after {r['elmo_ptb']['epochs_run']} epochs",
        f"({similarity['nnlm']['scores']['wordsim353']['pairs'] - similarity['nnlm']['scores']['wordsim353']['oov_pairs']}"
        f" of WordSim-353's {similarity['nnlm']['scores']['wordsim353']['pairs']} pairs",
        f"vectors score {span([m['test_accuracy'] for k, m in polysemy.items() if k.startswith('elmo')], '.3f')} "
        f"test accuracy, against {span([m['test_accuracy'] for k, m in polysemy.items() if not k.startswith('elmo')], '.3f')}",
        "its best contextual layer reaches {:.3f}".format(max(
            m["identical_form_test_accuracy"] for k, m in polysemy.items() if k in ("elmo_layer_1", "elmo_layer_2"))),
        f"the original ELMo scored {r['polysemy']['anchors']['ELMo on WiC (Pilehvar and Camacho-Collados 2019)']}",
    ]
    for row, name in (("WordSim-353", "wordsim353"), ("SimLex-999", "simlex999"), ("Google analogies", "google_analogy"),
                      ("MSR analogies", "msr_analogy")):
        figures.append(f"| {row} | " + " | ".join(
            f"{_score(similarity[model]['scores'][name]):.3f}" for model in ("cbow", "skipgram", "nnlm", "elmo")) + " |")
    for row, name in (("trained with the classifier", "random"), ("Word2Vec skip-gram, frozen", "word2vec"),
                      ("NNLM, frozen", "nnlm"), ("ELMo, frozen (scalar mix trained)", "elmo"),
                      ("trained with the classifier + ELMo", "random+elmo")):
        figures.append(f"| {row} | " + " | ".join(
            f"{downstream[d]['accuracy'][name]['mean']:.3f}" for d in ("bbc_news", "rotten_tomatoes")) + " |")
    return figures


def _score(scores):
    return scores["spearman"] if "spearman" in scores else scores["accuracy"]


def test_choosing_page_quotes_the_result_files():
    """Every figure docs/choosing.md quotes is the result files' figure now: when a result changes,
    this test names the sentence to update."""
    from benchmarks.report import load_results

    text = re.sub(r"\s+", " ", _read(ROOT, "docs", "choosing.md"))
    stale = [figure for figure in _choosing_figures() if re.sub(r"\s+", " ", figure) not in text]
    assert not stale, "docs/choosing.md does not say (update it from benchmarks/results/):\n" + "\n".join(stale)
    # the page says which models the quality results come from
    results = load_results()
    assert results["elmo_ptb"]["settings"]["settings"]["preset"] == "compact", "choosing.md describes the `compact` ELMo"
    names = ("word_similarity", "polysemy", "downstream", "tagging")
    # a result's ELMo is the recipe of elmo_ptb (a dict with "settings") or the one-epoch `small` model
    compact = [n for n in names if "settings" in results[n]["settings"]["models"]["elmo"]]
    for name in set(names) - set(compact):
        assert (results[name]["settings"]["models"]["elmo"]["preset"], results[name]["settings"]["models"]["elmo"]
                ["epochs"]) == ("small", 1), name
    for name in names[:3]:  # "The NNLM in `word_similarity`, `polysemy` and `downstream` was trained for 3 epochs"
        assert results[name]["settings"]["models"]["nnlm"]["epochs"] == 3, name

    def listed(items):
        items = [f"`{n}`" for n in items]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    ptb = results["elmo_ptb"]["figures"]
    said = (f"The ELMo is the `compact` model of `elmo_ptb` ({ptb['epochs_run']} epochs, test perplexity "
            f"{ptb['test_perplexity']['average']:.1f}) in {listed(compact)}")
    small = [n for n in names if n not in compact]
    if small:
        said += f"; {listed(small)} still show{'s' if len(small) == 1 else ''} the one-epoch `small` ELMo"
    assert said in text, f"docs/choosing.md does not say which ELMo the results use: {said!r}"


def _cli_commands(parser, path=()):
    """(command path, parser) of every leaf command of the ``gensim-elmo`` parser."""
    import argparse

    subcommands = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subcommands:
        yield " ".join(path), parser
    for action in subcommands:
        for name, child in action.choices.items():
            yield from _cli_commands(child, path + (name,))


def test_cli_page_documents_every_option_of_every_command():
    """docs/cli.md's section of each command documents each of its options (the `train` commands'
    shared ones in "Corpora"), with every choice an option accepts, and no option it lacks."""
    from gensim_elmo.cli import build_parser

    page = _read(ROOT, "docs", "cli.md")
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", page, flags=re.M | re.S))
    problems = []
    for command, parser in _cli_commands(build_parser()):
        if command not in sections:
            problems.append(f"no '## {command}' section")
            continue
        section = sections[command]
        shared = sections["Corpora"] if command.startswith("train ") else ""
        rows = {}
        for line in section.splitlines():
            cells = line.split("|")
            if line.startswith("| `-") and len(cells) > 2:
                options = re.findall(r"`(--[a-z0-9-]+)", cells[1])
                for option in options:
                    rows[option] = line if len(options) == 1 else ""  # a shared row: "as elsewhere"
        for action in parser._actions:
            for option in (o for o in action.option_strings if o.startswith("--") and o != "--help"):
                if option not in rows and f"`{option}" not in shared:
                    problems.append(f"{command}: {option} is not documented")
                elif rows.get(option) and action.choices:
                    missing = [c for c in action.choices if isinstance(c, str) and f"`{c}`" not in rows[option]]
                    if missing:
                        problems.append(f"{command}: the {option} row lacks the choices {missing}")
        known = {o for action in parser._actions for o in action.option_strings}
        problems += [f"{command}: documents {o}, which it does not take" for o in rows if o not in known]
    assert not problems, "docs/cli.md is out of step with gensim_elmo/cli.py:\n" + "\n".join(problems)
