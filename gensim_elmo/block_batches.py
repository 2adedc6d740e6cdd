"""``BlockBatches``: deterministic training batches streamed from an ``EncodedCorpus``.

Each epoch visits the corpus's blocks in an order drawn from ``(seed, epoch)`` and shuffles inside
each block with ``(seed, epoch, block)``, so batch ``i`` of epoch ``e`` is a pure function of the
seed: training is reproducible and can restart at any batch (``gensim_elmo.checkpoints``). NNLM's
``NgramBatches`` and ELMo's ``SentenceBatches`` are its subclasses.
"""

import threading

import keras
import numpy as np

__all__ = ["BlockBatches"]


class BlockBatches(keras.utils.PyDataset):
    """Fixed-size batches streamed from an ``EncodedCorpus``, block by block, deterministically.

    The corpus is cut into blocks of ``block_sentences`` sentences. An epoch visits the blocks in
    an order drawn from ``(seed, epoch)``; a subclass turns one block into a list of batches
    (shuffled with ``(seed, epoch, block)``) and says how many batches a block gives without
    building it. Examples that do not fill a last batch of a block are left out of that epoch
    (a different few each epoch), so every batch has the same shape.

    Subclasses implement ``block_num_batches(lengths)`` and ``block_batches(tokens, lengths, rng)``.

    Args:
        corpus: EncodedCorpus.
        batch_size: int, examples per batch.
        seed: int, the data-order seed.
        block_sentences: int, sentences per block. Defaults to 4096.
        shuffle: bool, shuffle block order and examples. Defaults to True.
        epoch: int, the epoch the first pass counts as (for resuming). Defaults to 0.
        **kwargs: ``keras.utils.PyDataset`` arguments (``workers``, ``max_queue_size``).
    """

    #: Names of the inputs whose first axis is not the batch (every other array's is).
    unbatched_inputs = ()

    def __init__(self, corpus, batch_size, seed=0, block_sentences=4096, shuffle=True, epoch=0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int, got {batch_size!r}.")
        self.corpus = corpus
        self.batch_size = batch_size
        self.seed = int(seed)
        self.shuffle = shuffle
        self.epoch = int(epoch)
        starts = np.arange(0, corpus.num_sentences, block_sentences)
        self._blocks = [(int(s), int(min(s + block_sentences, corpus.num_sentences))) for s in starts]
        self._block_sizes = np.array([self.block_num_batches(corpus.lengths(s, e)) for s, e in self._blocks])
        self._num_batches = int(self._block_sizes.sum())
        if self._num_batches == 0:
            raise ValueError(
                f"The corpus gives no full batch of {batch_size} examples; use a smaller `batch_size` "
                "or a larger corpus."
            )
        self._lock = threading.Lock()
        self._cache = {}
        self._plan_epoch = None

    # --- to implement -----------------------------------------------------------------------
    def block_num_batches(self, lengths):
        """How many batches a block with these sentence lengths yields."""
        raise NotImplementedError

    def block_batches(self, tokens, lengths, rng):
        """The list of batches of one block (``rng`` shuffles; None means keep corpus order)."""
        raise NotImplementedError

    # --- PyDataset -----------------------------------------------------------------------------
    @property
    def num_batches(self):
        return self._num_batches

    def __len__(self):
        return self._num_batches

    def limit(self, num_batches):
        """Keep only the first ``num_batches`` batches of every epoch (processes that train together
        must take the same number of steps; the ones that fall off differ from epoch to epoch)."""
        if not 0 < num_batches <= self._num_batches:
            raise ValueError(f"`num_batches` must be in [1, {self._num_batches}], got {num_batches!r}.")
        self._num_batches = int(num_batches)

    def block_order(self, epoch):
        """The order in which ``epoch`` visits the blocks (drawn from ``(seed, epoch)``)."""
        if self.shuffle:
            return np.random.default_rng([self.seed, epoch]).permutation(len(self._blocks))
        return np.arange(len(self._blocks))

    def block_rng(self, epoch, block):
        """The generator that shuffles ``block`` in ``epoch`` (None without shuffling)."""
        return np.random.default_rng([self.seed, epoch, block]) if self.shuffle else None

    def _plan(self):
        if self._plan_epoch != self.epoch:
            order = self.block_order(self.epoch)
            self._order = order
            self._cumulative = np.cumsum(self._block_sizes[order])
            self._plan_epoch = self.epoch
            self._cache = {}
        return self._order, self._cumulative

    def __getitem__(self, index):
        if not 0 <= index < self._num_batches:
            raise IndexError(f"batch {index} out of range [0, {self._num_batches}).")
        with self._lock:
            order, cumulative = self._plan()
            position = int(np.searchsorted(cumulative, index, side="right"))
            block = int(order[position])
            within = index - (int(cumulative[position - 1]) if position else 0)
            batches = self._cache.get(block)
            if batches is None:
                start, end = self._blocks[block]
                tokens, lengths = self.corpus.read(start, end)
                batches = self.block_batches(tokens, lengths, self.block_rng(self.epoch, block))
                if len(self._cache) >= 2:  # blocks are visited in order: keep the current and next
                    self._cache.pop(next(iter(self._cache)))
                self._cache[block] = batches
            return batches[within]

    def on_epoch_end(self):
        self.epoch += 1
