"""The ``gensim-elmo`` command line: train, export, embed, convert, tokenize, demo.

Examples (shell)::

    gensim-elmo demo
    gensim-elmo train word2vec --corpus ptb --output vectors.txt --sg 1 --epochs 5
    gensim-elmo train word2vec --corpus my_corpus.txt --output model.model --format model
    gensim-elmo train word2vec --corpus peoples_daily --output zh_vectors.txt
    gensim-elmo tokenize chinese_raw.txt chinese_words.txt --tokenizer jieba
    gensim-elmo export model.model --to projector --output projector_dir
    gensim-elmo export elmo_model --from elmo --to saved_model --output elmo_serving
    gensim-elmo train nnlm --corpus ptb --validation ptb:valid --output nnlm_model --epochs 5
    gensim-elmo train elmo --corpus ptb --preset small --output elmo_model
    gensim-elmo embed sentences.txt vectors.hdf5 --model elmo_model
    gensim-elmo convert elmo_model --to-bilm options.json weights.hdf5
"""

import argparse
import logging
import os
import sys

logger = logging.getLogger(__name__)


def _dataset(spec):
    """(name, split) of a data set spec ("ptb", "ptb:valid", "peoples_daily:test"), or None for a path."""
    from gensim_elmo.datasets import PEOPLES_DAILY_SPLITS, PTB_SPLITS

    name, _, split = spec.partition(":")
    splits = {"ptb": PTB_SPLITS, "peoples_daily": tuple(PEOPLES_DAILY_SPLITS)}.get(name)
    if splits is None:
        return None
    if not split or split in splits:
        return name, split or "train"
    if os.path.exists(spec):
        return None
    raise ValueError(f"{spec!r}: {name} has the splits {', '.join(splits)} (e.g. {name}:{splits[-1]}); "
                     "to read a file, give its path.")


def _corpus(spec, limit=None, tokenizer=None):
    """A corpus from a command-line spec: "ptb", "ptb:valid", "peoples_daily[:split]", a file or a directory."""
    from gensim_elmo.corpus import as_sentences
    from gensim_elmo.datasets import peoples_daily, ptb
    from gensim_elmo.tokenizers import is_whitespace

    dataset = _dataset(spec)
    if dataset is not None:
        if not is_whitespace(tokenizer):
            raise ValueError(f"--tokenizer {tokenizer} cuts raw text files into tokens; {spec!r} is a data set that is "
                             "segmented already: leave --tokenizer out.")
        name, split = dataset
        return (ptb if name == "ptb" else peoples_daily)(split, limit=limit)
    corpus = as_sentences(corpus_file=spec, tokenizer=tokenizer)
    if limit is not None:
        import itertools

        class _Limited:
            def __iter__(self):
                return itertools.islice(iter(corpus), limit)

        return _Limited()
    return corpus


#: The --corpus help of the train commands.
CORPUS_HELP = ('"ptb" (Penn Treebank train), "ptb:valid", "peoples_daily" (People\'s Daily 1998, Chinese, train '
               'split), "peoples_daily:valid", a text file (one sentence per line) or a directory of such files')


def _add_tokenizer_argument(parser):
    from gensim_elmo.tokenizers import TOKENIZERS

    parser.add_argument("--tokenizer", choices=TOKENIZERS, default="whitespace",
                        help="how a line of a text file becomes tokens: whitespace (default), jieba (Chinese words) "
                             "or chars (every character but whitespace)")


def _add_run_arguments(parser):
    """The arguments every `train` command shares: seed, corpus slice, tokenizer, progress."""
    _add_tokenizer_argument(parser)
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N sentences")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def _add_schedule_arguments(parser):
    """Validation-driven schedule of the language models' `train` commands (``LanguageModel.train``)."""
    parser.add_argument("--early-stopping", type=int, default=None, metavar="PATIENCE",
                        help="stop after this many epochs without a better validation perplexity and keep the best "
                             "epoch's weights (needs --validation)")
    parser.add_argument("--lr-decay", type=float, default=None, metavar="FACTOR",
                        help="multiply the learning rate by this after every epoch whose validation perplexity is "
                             "not the best so far, e.g. 0.5 (needs --validation)")


def _add_checkpoint_arguments(parser):
    """Checkpoint arguments of the Keras models' `train` commands."""
    parser.add_argument("--checkpoint-dir", default=None,
                        help="write checkpoints here and resume from the one already there: run the same command "
                             "again after a crash to continue where it stopped")
    parser.add_argument("--checkpoint-steps", type=int, default=None,
                        help="batches between two checkpoints within an epoch (default: only at epoch ends)")
    parser.add_argument("--distribution", choices=["none", "auto"], default="none",
                        help='"auto": data parallelism over every local device (JAX: keras.distribution; '
                             "TensorFlow: MirroredStrategy); --batch-size is the global batch "
                             "(default: none, one device)")


# --- train word2vec ------------------------------------------------------------------------------
def _add_word2vec_parser(subparsers):
    p = subparsers.add_parser(
        "word2vec",
        help="train Word2Vec (CBOW or skip-gram) with gensim's C routines",
        description="Train Word2Vec with gensim and save the vectors (or the whole gensim model).",
    )
    p.add_argument("--corpus", required=True, help=CORPUS_HELP)
    p.add_argument("--output", required=True, help="where to save")
    p.add_argument("--format", default="word2vec", choices=["word2vec", "word2vec-binary", "gensim", "projector", "model"],
                   help='vector format, or "model" for the whole gensim model (a pickle) (default: word2vec)')
    p.add_argument("--sg", type=int, default=0, choices=[0, 1], help="1 = skip-gram, 0 = CBOW (default: 0)")
    p.add_argument("--vector-size", type=int, default=100, help="dimensions (default: 100)")
    p.add_argument("--window", type=int, default=5, help="context window (default: 5)")
    p.add_argument("--min-count", type=int, default=5, help="ignore rarer words (default: 5)")
    p.add_argument("--negative", type=int, default=5, help="negative samples, 0 = none (default: 5)")
    p.add_argument("--hs", type=int, default=0, choices=[0, 1], help="1 = hierarchical softmax (default: 0)")
    p.add_argument("--sample", type=float, default=1e-3, help="down-sampling threshold (default: 1e-3)")
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default: 5)")
    p.add_argument("--workers", type=int, default=2, help="worker threads (default: 2)")
    p.add_argument("--checkpoint-dir", default=None,
                   help="write a checkpoint after every epoch and resume from the one already there (run the same "
                        "command again after a crash)")
    _add_run_arguments(p)
    p.set_defaults(func=_train_word2vec)


def _train_word2vec(args):
    from gensim_elmo.export import save_keyed_vectors
    from gensim_elmo.word2vec import Word2Vec

    corpus = _corpus(args.corpus, args.limit, args.tokenizer)
    model = Word2Vec(corpus, vector_size=args.vector_size, window=args.window, min_count=args.min_count,
                     sg=args.sg, hs=args.hs, negative=args.negative, sample=args.sample, epochs=args.epochs,
                     workers=args.workers, seed=args.seed, progress=not args.no_progress,
                     checkpoint_dir=args.checkpoint_dir)
    if args.format == "model":
        model.save(args.output)
    else:
        save_keyed_vectors(model.wv, args.output, format=args.format)
    print(f"trained {len(model.wv)} vectors of size {model.vector_size}; "
          f"loss per epoch: {', '.join(f'{x:.4g}' for x in model.loss_history)}; saved to {args.output}")
    return 0


# --- train nnlm ---------------------------------------------------------------------------------
def _add_nnlm_parser(subparsers):
    p = subparsers.add_parser(
        "nnlm",
        help="train Bengio's neural probabilistic language model (Keras)",
        description="Train an NNLM, report perplexity, and save the model directory (and optionally vectors).",
    )
    p.add_argument("--corpus", required=True, help=CORPUS_HELP)
    p.add_argument("--output", required=True, help="directory to save the model to (NNLM.load reads it)")
    p.add_argument("--validation", default=None, help='corpus for per-epoch validation perplexity, e.g. "ptb:valid"')
    p.add_argument("--vectors", default=None, help="also write the word vectors here (word2vec text format)")
    p.add_argument("--vector-size", type=int, default=100, help="word vector size (default: 100)")
    p.add_argument("--window", type=int, default=4, help="context words (default: 4)")
    p.add_argument("--hidden-size", type=int, default=256, help="tanh hidden units (default: 256)")
    p.add_argument("--direct-connections", action="store_true", help="add Bengio's direct connections")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout rate (default: 0)")
    p.add_argument("--min-count", type=int, default=1, help="rarer words become <unk> (default: 1)")
    p.add_argument("--max-vocab-size", type=int, default=None, help="keep only the most frequent words")
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default: 5)")
    p.add_argument("--batch-size", type=int, default=512, help="examples per step (default: 512)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="Adam learning rate (default: 1e-3)")
    _add_schedule_arguments(p)
    _add_run_arguments(p)
    _add_checkpoint_arguments(p)
    p.set_defaults(func=_train_nnlm)


def _validation(args):
    """The validation sentences of a `train` command (its --tokenizer applies to a validation text file too)."""
    if not args.validation:
        return None
    return list(_corpus(args.validation, tokenizer=None if _dataset(args.validation) else args.tokenizer))


def _distribution(args):
    """The models' ``distribution`` argument from --distribution ("none": one device)."""
    return None if args.distribution == "none" else args.distribution


def _start_processes(args):
    """Join the other training processes when ``KERAS_DISTRIBUTION_NUM_PROCESSES`` asks for several (JAX)."""
    import os

    import keras

    if args.distribution != "none" and int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1") or 1) > 1:
        if keras.backend.backend() != "jax":
            raise ValueError("training with several processes needs the JAX backend (KERAS_BACKEND=jax).")
        keras.distribution.initialize()  # reads KERAS_DISTRIBUTION_JOB_ADDRESSES and _PROCESS_ID


def _train_nnlm(args):
    from gensim_elmo.distribution import is_writer
    from gensim_elmo.export import save_keyed_vectors
    from gensim_elmo.nnlm import NNLM

    _start_processes(args)
    corpus = _corpus(args.corpus, args.limit, args.tokenizer)
    validation = _validation(args)
    model = NNLM(corpus, vector_size=args.vector_size, window=args.window, hidden_size=args.hidden_size,
                 direct_connections=args.direct_connections, dropout=args.dropout, min_count=args.min_count,
                 max_vocab_size=args.max_vocab_size, epochs=args.epochs, batch_size=args.batch_size,
                 learning_rate=args.learning_rate, seed=args.seed, progress=not args.no_progress,
                 validation_sentences=validation, early_stopping=args.early_stopping, lr_decay=args.lr_decay,
                 checkpoint_dir=args.checkpoint_dir, checkpoint_steps=args.checkpoint_steps,
                 distribution=_distribution(args))
    model.save(args.output)  # process 0 of several writes; the others skip
    if args.vectors and is_writer():
        save_keyed_vectors(model.wv, args.vectors, format="word2vec")
    _print_training(model, f"NNLM ({len(model.vocabulary)} words)", validation, args.output)
    return 0


def _print_training(model, description, validation, output):
    """What a training command prints: the loss (and validation perplexity) per epoch, and where it saved."""
    losses = ", ".join(f"{x:.4f}" for x in model.history.get("loss", []))
    print(f"trained {description} for {model.epochs_trained} epochs; loss per epoch: {losses}")
    if validation:
        print("validation perplexity per epoch: " + ", ".join(f"{x:.1f}" for x in model.history["val_perplexity"]))
    print(f"saved to {output}")


# --- train elmo ---------------------------------------------------------------------------------
def _add_elmo_parser(subparsers):
    p = subparsers.add_parser(
        "elmo",
        help="train an ELMo biLM (character CNN + 2-layer biLSTM) on a corpus",
        description="Train ELMo's forward and backward language models and save the model directory "
        "(ELMo.load reads it; `gensim-elmo convert` turns it into the original hdf5 format).",
    )
    p.add_argument("--corpus", required=True, help=CORPUS_HELP)
    p.add_argument("--output", required=True, help="directory to save the model to")
    p.add_argument("--preset", default="small", choices=["tiny", "compact", "small", "medium", "original"],
                   help="architecture (default: small = 1024/128, 1 highway)")
    p.add_argument("--validation", default=None, help='corpus for per-epoch validation perplexity, e.g. "ptb:valid"')
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default: 5)")
    p.add_argument("--batch-size", type=int, default=64, help="sentences per step (default: 64)")
    p.add_argument("--max-vocab-size", type=int, default=None, help="softmax vocabulary size")
    p.add_argument("--min-count", type=int, default=1, help="rarer words are predicted as <unk> (default: 1)")
    p.add_argument("--optimizer", default="adagrad", help="Keras optimizer (default: adagrad, as the original)")
    p.add_argument("--learning-rate", type=float, default=0.2, help="learning rate (default: 0.2)")
    p.add_argument("--num-sampled", type=int, default=8192, help="sampled-softmax negatives (default: 8192)")
    p.add_argument("--dropout", type=float, default=None,
                   help="dropout on every LSTM layer's input and on the top layer (default: 0.1, as the original; "
                        "with --init-from, the model's own)")
    p.add_argument("--dim", type=int, default=None, help="override the LSTM size")
    p.add_argument("--projection-dim", type=int, default=None, help="override the projection size")
    p.add_argument("--characters", choices=("bytes", "unicode"), default="bytes",
                   help="how the character CNN reads a word: bytes (UTF-8 bytes, the original ELMo's ids; default) "
                        "or unicode (one id per character of the corpus, for Chinese: see the Chinese guide)")
    p.add_argument("--min-char-count", type=int, default=2,
                   help="with --characters unicode, rarer characters read as the unknown character (default: 2)")
    p.add_argument("--init-from", default=None, metavar="MODEL",
                   help="fine-tune: start from this trained model (a directory saved by ELMo.save, or the original "
                        "weights.hdf5 with --init-options); its vocabulary is extended by the corpus's words and "
                        "keeps the softmax rows it learnt (and, for a unicode model, the character rows); "
                        "--preset/--dim/--projection-dim/--characters are then the model's own")
    p.add_argument("--init-options", default=None, metavar="OPTIONS_JSON",
                   help="the original options.json of the --init-from weights file")
    p.add_argument("--freeze", nargs="+", default=(), metavar="PART",
                   help="parts left as they are in training: token_layer, lstm_1, lstm_2")
    p.add_argument("--unroll-steps", type=int, default=None, metavar="N",
                   help="train on the corpus as one stream of text in windows of N tokens, the LSTM states carried "
                        "from batch to batch (as the original bilm-tf, N=20); --batch-size is then the stream's rows "
                        "(default: batches of whole sentences)")
    p.add_argument("--sentence-resets", type=float, default=0.0, metavar="P",
                   help="with --unroll-steps, the probability that a sentence of the stream starts from zero LSTM "
                        "states, so that the model also reads single sentences well, as it embeds them (default: 0)")
    _add_schedule_arguments(p)
    _add_run_arguments(p)
    _add_checkpoint_arguments(p)
    p.set_defaults(func=_train_elmo)


def _train_elmo(args):
    if args.unroll_steps is not None and args.unroll_steps < 1:
        raise ValueError(f"--unroll-steps must be a positive number of tokens, got {args.unroll_steps}.")
    if not 0.0 <= args.sentence_resets <= 1.0:
        raise ValueError(f"--sentence-resets must be a probability in [0, 1], got {args.sentence_resets}.")
    given = {k: v for k, v in (("dim", args.dim), ("projection_dim", args.projection_dim),
                               ("dropout", args.dropout)) if v is not None}
    _start_processes(args)
    corpus = _corpus(args.corpus, args.limit, args.tokenizer)
    validation = _validation(args)
    distribution = _distribution(args)
    if args.init_from is not None:
        model = _load_elmo(args.init_from, args.init_options, progress=not args.no_progress, distribution=distribution)
        settings = dict(epochs=args.epochs, batch_size=args.batch_size, max_vocab_size=args.max_vocab_size,
                        min_count=args.min_count, optimizer=args.optimizer, learning_rate=args.learning_rate,
                        num_sampled=args.num_sampled, seed=args.seed, freeze=tuple(args.freeze),
                        min_char_count=args.min_char_count, unroll_steps=args.unroll_steps,
                        sentence_resets=args.sentence_resets)
        if args.dropout is not None:
            settings["dropout"] = args.dropout
        for key, value in settings.items():
            setattr(model, key, value)
        model.build_vocab(corpus, update=True)
        model.train(corpus, validation_sentences=validation, early_stopping=args.early_stopping,
                    lr_decay=args.lr_decay, checkpoint_dir=args.checkpoint_dir, checkpoint_steps=args.checkpoint_steps)
        args.preset = model.preset or "options.json"
    else:
        model = _new_elmo(args, corpus, validation, given, distribution)
    model.save(args.output)  # process 0 of several writes; the others skip
    _print_training(model, f"ELMo ({args.preset}, {len(model.vocabulary)} words)", validation, args.output)
    return 0


def _new_elmo(args, corpus, validation, given, distribution):
    from gensim_elmo.elmo import ELMo

    return ELMo(corpus, preset=args.preset, freeze=tuple(args.freeze), epochs=args.epochs, batch_size=args.batch_size,
                 max_vocab_size=args.max_vocab_size, min_count=args.min_count, optimizer=args.optimizer,
                 learning_rate=args.learning_rate, num_sampled=args.num_sampled, seed=args.seed,
                 characters=args.characters, min_char_count=args.min_char_count, unroll_steps=args.unroll_steps,
                 sentence_resets=args.sentence_resets,
                 progress=not args.no_progress, validation_sentences=validation,
                 early_stopping=args.early_stopping, lr_decay=args.lr_decay,
                 checkpoint_dir=args.checkpoint_dir, checkpoint_steps=args.checkpoint_steps,
                 distribution=distribution, **given)


# --- embed / convert -----------------------------------------------------------------------------
def _load_elmo(path, options_file=None, progress=False, distribution=None):
    from gensim_elmo.elmo import ELMo

    if options_file is not None:
        return ELMo.from_bilm_hdf5(options_file, path, progress=progress, distribution=distribution)
    return ELMo.load(path, progress=progress, distribution=distribution)


def _add_embed_parser(subparsers):
    p = subparsers.add_parser(
        "embed",
        help="ELMo vectors of every sentence of a file, to .npy or .hdf5",
        description="Embed each line of INPUT (whitespace-separated tokens, or raw text cut by --tokenizer) with an "
        "ELMo model. HDF5 output is "
        "streamed: any corpus size in bounded memory, a progress bar in tokens/s, and running the same command "
        "again after an interruption resumes it (gensim_elmo.elmo_embed_file: datasets vectors (total_tokens, "
        "layers, dim) or (total_tokens, dim), tokens, offsets). .npy output (small corpora, held in memory) "
        "holds every sentence's tokens concatenated: (layers, total_tokens, dim) with --layer all, "
        "(total_tokens, dim) otherwise, plus a companion .lengths.npy (tokens per sentence) to split it.",
    )
    p.add_argument("input", help="text file, one sentence per line")
    p.add_argument("output", help="output path ending in .hdf5/.h5 or .npy")
    p.add_argument("--model", required=True, help="a saved ELMo directory, or the weights.hdf5 of the original "
                   "format (with --options)")
    p.add_argument("--options", default=None, help="options.json of an original-format model")
    p.add_argument("--layer", default="all", help='"all" (every layer), "mix" (mean of the layers) or 0/1/2')
    p.add_argument("--batch-size", type=int, default=64, help="sentences per forward pass (default: 64)")
    p.add_argument("--stateful", action="store_true", help="carry LSTM state between batches (original behaviour; "
                   ".npy output only)")
    p.add_argument("--chunk-sentences", type=int, default=1024,
                   help="HDF5 output: sentences embedded and committed together (default: 1024)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_tokenizer_argument(p)
    p.set_defaults(func=_embed)


def _embed(args):
    import numpy as np

    from gensim_elmo.atomic_files import atomic_path
    from gensim_elmo.corpus import LineSentences

    model = _load_elmo(args.model, args.options)
    if args.output.endswith((".hdf5", ".h5")):
        if args.stateful:
            raise ValueError("--stateful works with .npy output only: streamed HDF5 output embeds each sentence "
                             "on its own, so that an interrupted run can resume.")
        if args.tokenizer == "whitespace":
            count = model.embed_file(args.input, args.output, layer=args.layer, batch_size=args.batch_size,
                                     chunk_sentences=args.chunk_sentences, progress=not args.no_progress)
        else:
            from gensim_elmo.elmo_embed_file import embed_file

            count = embed_file(model, args.input, args.output, layer=args.layer, batch_size=args.batch_size,
                               chunk_sentences=args.chunk_sentences, progress=not args.no_progress,
                               tokenizer=args.tokenizer)
        print(f"{count} sentences embedded in {args.output}")
        return 0
    sentences = list(LineSentences(args.input, tokenizer=args.tokenizer))
    vectors = model.embed_sentences(sentences, batch_size=args.batch_size, stateful=args.stateful)
    if args.layer == "mix":
        vectors = [v.mean(axis=0) for v in vectors]
    elif args.layer != "all":
        vectors = [v[int(args.layer)] for v in vectors]
    if args.output.endswith(".npy"):
        axis = -2
        stacked = np.concatenate(vectors, axis=axis) if vectors else np.zeros((0,))
        with atomic_path(args.output) as tmp, open(tmp, "wb") as handle:
            np.save(handle, stacked)
        with atomic_path(args.output[:-4] + ".lengths.npy") as tmp, open(tmp, "wb") as handle:
            np.save(handle, np.array([len(s) for s in sentences]))
    else:
        raise ValueError(f"output {args.output!r} must end in .hdf5, .h5 or .npy.")
    print(f"embedded {len(sentences)} sentences ({sum(map(len, sentences))} tokens) to {args.output}")
    return 0


def _add_convert_parser(subparsers):
    p = subparsers.add_parser(
        "convert",
        help="convert an ELMo model between our directory format and the original options.json + hdf5",
        description="To the original format: `gensim-elmo convert MODEL_DIR --to-bilm OPTIONS.json WEIGHTS.hdf5`. "
        "From it: `gensim-elmo convert WEIGHTS.hdf5 --options OPTIONS.json --to-dir MODEL_DIR`.",
    )
    p.add_argument("input", help="a saved ELMo directory, or an original weights.hdf5 (with --options)")
    p.add_argument("--options", default=None, help="options.json of an original-format input")
    p.add_argument("--vocab", default=None, help="vocabulary file of an original-format input (token variant)")
    p.add_argument("--to-bilm", nargs=2, metavar=("OPTIONS_JSON", "WEIGHTS_HDF5"), default=None)
    p.add_argument("--to-dir", default=None, help="write our directory format here")
    p.set_defaults(func=_convert)


def _convert(args):
    from gensim_elmo.elmo import ELMo

    if bool(args.to_bilm) == bool(args.to_dir):
        raise ValueError("give exactly one of --to-bilm OPTIONS WEIGHTS or --to-dir DIR.")
    if args.options:
        model = ELMo.from_bilm_hdf5(args.options, args.input, vocab_file=args.vocab, progress=False)
    else:
        model = ELMo.load(args.input, progress=False)
    if args.to_bilm:
        model.save_bilm_hdf5(*args.to_bilm)
        print(f"wrote {args.to_bilm[0]} and {args.to_bilm[1]}")
    else:
        model.save(args.to_dir)
        print(f"wrote {args.to_dir}")
    return 0


# --- tokenize ------------------------------------------------------------------------------------
def _add_tokenize_parser(subparsers):
    p = subparsers.add_parser(
        "tokenize",
        help="write raw text (Chinese) as whitespace-separated tokens, for every corpus reader",
        description="Tokenize INPUT (a text file, .gz/.bz2 too, or a directory of them; one sentence or paragraph "
        "per line) once and write OUTPUT: one line per non-blank line, tokens separated by spaces. Every --corpus "
        "reads it as it is, and the tokenizer does not run again on every epoch (jieba: about 1 MB of text, 300,000 "
        "characters, per CPU second).",
    )
    p.add_argument("input", help="text file or directory")
    p.add_argument("output", help="the file to write (UTF-8)")
    p.add_argument("--tokenizer", choices=("jieba", "chars", "whitespace"), default="jieba",
                   help="jieba (Chinese words, default), chars (every character but whitespace) or whitespace")
    p.set_defaults(func=_tokenize)


def _tokenize(args):
    from gensim_elmo.tokenizers import tokenize_file

    sentences, tokens = tokenize_file(args.input, args.output, args.tokenizer)
    print(f"wrote {sentences} lines, {tokens} tokens ({args.tokenizer}) to {args.output}")
    return 0


# --- export --------------------------------------------------------------------------------------
def _load_vectors(path, fmt, allow_pickle=False):
    from gensim_elmo.export import load_keyed_vectors

    if fmt == "model":
        from gensim.models import Word2Vec as GensimWord2Vec

        from gensim_elmo.safe_loading import refuse_pickle

        refuse_pickle(path, allow_pickle, what="gensim's Word2Vec model format")
        return GensimWord2Vec.load(path).wv
    if fmt == "nnlm":
        from gensim_elmo.nnlm import NNLM

        return NNLM.load(path, progress=False).wv
    if fmt == "elmo":
        from gensim_elmo.elmo import ELMo

        return ELMo.load(path, progress=False).wv
    return load_keyed_vectors(path, format=fmt, allow_pickle=allow_pickle)


def _add_export_parser(subparsers):
    p = subparsers.add_parser(
        "export",
        help="convert saved vectors between formats (word2vec text/binary, projector files) or export a "
        "model for serving (TensorFlow SavedModel, ONNX)",
        description="Load vectors and write them in another format, or export a model for serving: "
        '"saved_model" (strings in; served by TensorFlow alone) or "onnx" (token ids in; served by onnxruntime; '
        "word vectors and NNLM sentence vectors only, not ELMo). Gensim .model files are pickles: "
        "only load files you trust.",
    )
    p.add_argument("input", help="the saved vectors or model")
    p.add_argument("--from", dest="source_format", default="word2vec",
                   choices=["word2vec", "word2vec-binary", "gensim", "model", "nnlm", "elmo"],
                   help='format of INPUT; "model" = a saved Word2Vec model, "nnlm" = a saved NNLM directory, '
                   '"elmo" = a saved ELMo directory (default: word2vec)')
    p.add_argument("--to", dest="target_format", required=True,
                   choices=["word2vec", "word2vec-binary", "gensim", "projector", "saved_model", "onnx"],
                   help='format to write; "saved_model" and "onnx" export a model for serving (see docs/serving.md)')
    p.add_argument("--output", required=True,
                   help="output file (a directory for projector and saved_model)")
    p.add_argument("--elmo-output", default="elmo",
                   help='with --from elmo --to saved_model: the ELMo output to serve, "elmo", "default", '
                   '"word_emb", "lstm_outputs1", ... (default: elmo)')
    p.add_argument("--sentences", action="store_true",
                   help="with --to saved_model/onnx: serve one vector per sentence (NNLM's sum / sqrt(n) of the "
                   "word vectors) rather than one per token; not for ELMo (use --elmo-output default)")
    p.add_argument("--allow-pickle", action="store_true",
                   help='needed to read "gensim" and "model" inputs: they are pickles, and loading a pickle runs '
                        "code stored in the file; use only for files you trust")
    p.set_defaults(func=_export)


def _export(args):
    from gensim_elmo.export import save_keyed_vectors

    if args.target_format in ("saved_model", "onnx"):
        return _export_serving(args)
    kv = _load_vectors(args.input, args.source_format, allow_pickle=args.allow_pickle)
    save_keyed_vectors(kv, args.output, format=args.target_format)
    print(f"wrote {len(kv)} vectors to {args.output} ({args.target_format})")
    return 0


# --- distill -------------------------------------------------------------------------------------
def _add_distill_parser(subparsers):
    p = subparsers.add_parser(
        "distill",
        help="static word vectors from an ELMo model's contextual vectors over a corpus",
        description="Average each word's ELMo vectors over a corpus (streamed, bounded memory), then optionally "
        "SIF-weight them (a / (a + p(w))), remove principal components and reduce them by PCA, and save them "
        "(gensim_elmo.distillation). --dtype float16/int8 stores them in a .npz archive (no pickle) that "
        "load_keyed_vectors(path, format='npz') reads back as float32.",
    )
    p.add_argument("model", help="a saved ELMo directory, or the weights.hdf5 of the original format (with --options)")
    p.add_argument("--options", default=None, help="options.json of an original-format model")
    p.add_argument("--corpus", required=True, help=CORPUS_HELP)
    p.add_argument("--output", required=True, help="the vectors file to write")
    p.add_argument("--format", default=None, choices=["word2vec", "word2vec-binary", "npz"],
                   help="file format (default: npz for an output ending in .npz or a --dtype other than float32, "
                        "word2vec text otherwise)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float16", "int8"],
                   help="stored numbers (float16/int8: npz format; int8 with a scale per vector) (default: float32)")
    p.add_argument("--layer", default="average", help='"average" (mean of the layers, default) or 0/1/2')
    p.add_argument("--pca", type=int, default=None, metavar="N", help="reduce to N dimensions by PCA")
    p.add_argument("--sif", type=float, default=None, metavar="A",
                   help="SIF weighting: multiply each vector by A / (A + p(w)), e.g. 1e-3")
    p.add_argument("--remove-components", type=int, default=0, metavar="K",
                   help="remove the first K principal components after weighting (SIF uses 1) (default: 0)")
    p.add_argument("--min-count", type=int, default=1, help="drop words seen fewer times (default: 1)")
    p.add_argument("--batch-size", type=int, default=64, help="sentences per forward pass (default: 64)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N sentences")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_tokenizer_argument(p)
    p.set_defaults(func=_distill)


def _distill(args):
    from gensim_elmo.distillation import distill_keyed_vectors
    from gensim_elmo.export import save_keyed_vectors

    layer = args.layer if args.layer == "average" else int(args.layer)
    fmt = args.format
    if fmt is None:
        fmt = "npz" if args.output.endswith(".npz") or args.dtype != "float32" else "word2vec"
    model = _load_elmo(args.model, args.options)
    corpus = _corpus(args.corpus, args.limit, args.tokenizer)
    kv = distill_keyed_vectors(model, corpus, layer=layer, pca_dim=args.pca, sif=args.sif,
                               remove_components=args.remove_components, min_count=args.min_count,
                               batch_size=args.batch_size, progress=not args.no_progress)
    save_keyed_vectors(kv, args.output, format=fmt, dtype=args.dtype)
    print(f"wrote {len(kv)} vectors of size {kv.vector_size} to {args.output} ({fmt}, {args.dtype}, "
          f"{os.path.getsize(args.output)} bytes)")
    return 0


def _export_serving(args):
    from gensim_elmo.serving import export_model

    if args.source_format == "elmo":
        from gensim_elmo.elmo import ELMo

        model = ELMo.load(args.input, progress=False)
    else:
        model = _load_vectors(args.input, args.source_format, allow_pickle=args.allow_pickle)
    path = export_model(model, args.output, format=args.target_format, output=args.elmo_output,
                        sentences=args.sentences)
    print(f"wrote {path} ({args.target_format})")
    return 0


# --- demo ----------------------------------------------------------------------------------------
def _add_demo_parser(subparsers):
    from gensim_elmo.demo import LANGUAGES, SECTIONS

    p = subparsers.add_parser(
        "demo",
        help="train every model on the Penn Treebank and show what they learnt",
        description="Trains Word2Vec CBOW and skip-gram (and the other models) on Penn Treebank train, "
        "prints nearest neighbours and WordSim-353 / SimLex-999 / Google-analogy scores. With --lang zh, "
        "on People's Daily (Chinese): neighbours, and ELMo's vectors of words with two senses.",
    )
    p.add_argument("--quick", action="store_true", help="a 3,000-sentence slice and fewer epochs (a minute or two)")
    p.add_argument("--sections", nargs="+", choices=list(SECTIONS), default=None, help="run only these parts")
    p.add_argument("--lang", choices=list(LANGUAGES), default="en",
                   help="en: the Penn Treebank (default); zh: People's Daily, Chinese, from 苹果 in 我吃了一个苹果 "
                        "and 我在用苹果手机")
    p.add_argument("--elmo-model", default=None, metavar="DIR",
                   help="load this saved ELMo (a directory written by ELMo.save or `gensim-elmo train elmo`) "
                        "instead of training one in the demo")
    p.set_defaults(func=_demo)


def _demo(args):
    from gensim_elmo.demo import run_demo

    run_demo(quick=args.quick, sections=args.sections, lang=args.lang, elmo_model=args.elmo_model)
    return 0


def build_parser():
    """The argument parser of ``gensim-elmo`` (exposed for the docs and tests).

    Example:
    >>> build_parser().parse_args(["demo", "--quick"]).quick
    True
    """
    parser = argparse.ArgumentParser(
        prog="gensim-elmo",
        description="Word2Vec, NNLM and ELMo word embeddings for gensim and Keras.",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    train = sub.add_parser("train", help="train a model", description="Train a model on a corpus.")
    train_sub = train.add_subparsers(dest="model", metavar="MODEL")
    train_sub.required = True
    _add_word2vec_parser(train_sub)
    _add_nnlm_parser(train_sub)
    _add_elmo_parser(train_sub)
    _add_export_parser(sub)
    _add_embed_parser(sub)
    _add_convert_parser(sub)
    _add_tokenize_parser(sub)
    _add_distill_parser(sub)
    _add_demo_parser(sub)
    return parser


def main(argv=None):
    """Entry point of the ``gensim-elmo`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError, NotADirectoryError, KeyError, ImportError) as exc:
        print(f"gensim-elmo: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
