"""Word2Vec: the word2vec family (CBOW or skip-gram, negative sampling and/or hierarchical
softmax), gensim-4 shaped."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import numbers
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Union

import numpy as np

from pyw2v import _core, gensim_convert, io
from pyw2v.callbacks import check_callbacks, notify
from pyw2v.corpus import (
    DEFAULT_MEMORY_BUDGET,
    Corpus,
    EncodedCorpus,
    as_corpus,
    check_memory_budget,
)
from pyw2v.interrupts import deferred_interrupts, raise_interrupt_behind
from pyw2v.keyedvectors import KeyedVectors
from pyw2v.memory import release_free_heap, zeros_matrix
from pyw2v.params import Params, check_flag
from pyw2v.predict import HuffmanPaths, context_hidden, score_sentences, softmax_scores
from pyw2v.progress import ProgressReporter
from pyw2v.training_guard import check_unchanged, held_arrays, one_at_a_time
from pyw2v.vocab import EmptyVocabularyError, TrimRule, Vocab, select_words
from pyw2v.weights import fill_uniform, initial_vectors

logger = logging.getLogger(__name__)


class _class_only:  # noqa: N801 (used as a decorator, like classmethod)
    """A classmethod that refuses to be called on an instance, as gensim's load: loading
    "into" an existing model (``model.load(path)``) would silently return a new one."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, instance: object, owner: type) -> Callable[..., Any]:
        if instance is not None:
            raise AttributeError(
                f"{self.func.__name__}() is called on the class, not on an instance: "
                f"model = {owner.__name__}.{self.func.__name__}(path)"
            )
        return self.func.__get__(owner, type(owner))


class NoVocabularyError(RuntimeError, ValueError):
    """The model has no vocabulary yet (build_vocab was not called): gensim's
    RuntimeError, and a ValueError for a model whose wv was set by hand."""


CorpusArg = Union[str, "os.PathLike[str]", Sequence[Any], Iterable[Sequence[str]], Corpus, None]


class Word2Vec:
    """word2vec (CBOW or skip-gram; negative sampling, hierarchical softmax or both),
    trained by the C core on native threads.

    Parameters mirror gensim 4's ``Word2Vec`` where they exist:

    Parameters
    ----------
    sentences : path, list of paths or iterable of token lists, optional
        If given, the vocabulary is built and the model trained at once. A path may
        be plain text, .gz, .bz2 or .xz; a line is a sentence, tokens are separated
        by whitespace.
    corpus_file : path, optional
        gensim's name for a corpus given as a file.
    vector_size : int
        Dimension d of the word vectors.
    alpha, min_alpha : float
        The learning rate decays linearly from ``alpha`` to ``min_alpha`` over all
        epochs of a ``train`` call. The default, 0.025, is gensim's, for both modes
        (word2vec.c and pyw2v's command line use 0.05 for CBOW).
    window : int
        Maximal distance m between the center and a context word; each center word
        uses a window drawn uniformly from 1..m.
    min_count : int
        Words rarer than this are dropped.
    max_vocab_size : int, optional
        Bound on distinct words held while counting (rare words are pruned on the way).
    max_final_vocab : int, optional
        Raise min_count until at most this many words remain.
    sample : float
        Frequent-word subsampling threshold t (0 disables it).
    seed : int
        Seeds the initial vectors and the per-thread random streams. With
        ``workers=1`` training is bit-for-bit reproducible.
    workers : int
        Worker threads for training, and for counting plain text files in build_vocab;
        0 means all usable cores.
    negative : int
        Noise words per positive example (negative sampling); 0 turns negative
        sampling off, which needs ``hs=1``.
    ns_exponent : float
        The noise distribution is count^ns_exponent.
    cbow_mean : bool
        Average the context vectors (True) or sum them.
    cbow_exact_grad : bool
        With the average, give each context vector the exact gradient dJ/dh / |C|
        instead of word2vec.c's dJ/dh (default False, word2vec.c's convention). Its
        input steps are |C| times smaller, so it needs a larger alpha (about 0.2; see
        ``pyw2v.preset("similarity")`` and docs/theory.md, Section 3.5): it then trades
        analogy accuracy for word similarity.
    epochs : int
        Passes over the corpus.
    negative_reuse : int
        CBOW only: consecutive center words that share one set of noise draws (default
        1: fresh draws for each, as word2vec.c). 2 trains about 5-7% faster but costs quality:
        on W1, 2 lowered the analogy accuracy by about 2 points over 5 seeds
        (benchmarks/RESULTS.md).
    progress : bool
        Report progress on stderr during training.
    memory_budget : int
        Encoded corpora larger than this many bytes live in a temporary memory-mapped file;
        counting a file keeps its text as ids for encoding up to this many bytes (both
        exist while encoding, so the peak can reach twice the budget).
    callbacks : iterable of callbacks
        Objects with on_train_begin / on_epoch_begin / on_epoch_end / on_train_end
        methods (see pyw2v.callbacks); used by every train() call not given its own.
    sg : int
        0: CBOW (the context predicts the center word), 1: skip-gram (each context word
        predicts it, one positive example per (center, context) pair).
    hs : int
        1: hierarchical softmax over the Huffman tree of the vocabulary (inner-node
        vectors in ``syn1``), alone (``negative=0``) or beside negative sampling.
    shrink_windows : bool
        Each center word draws its window uniformly from 1..window (True, word2vec.c
        and gensim's default), or always uses the whole window.
    sg_batch : bool or None
        Skip-gram only (``sg=1``; True with ``sg=0`` is a ValueError): train each window
        as one block (Ji et al.'s HogBatch), its context words scored against what
        predicts the center word (its Huffman path with ``hs=1``; its row and one set of
        ``negative`` noise words shared by the window with negative sampling), all
        updated at once (True), or one (center, context) pair at a time with fresh noise
        words for each, word2vec.c's and gensim's algorithm (False; docs/theory.md,
        Section 10.1). The default, None, batches skip-gram with negative sampling alone
        (``sg=1, hs=0``): on the reference corpus it trained 1.5x to 2x faster than
        the per-pair form with higher analogy and WordSim-353 scores over 5 seeds, and
        at least those of gensim's skip-gram with the same learning-rate schedule
        (benchmarks/RESULTS.md, ninth and twelfth sessions);
        pass False for vectors of the reference algorithm. With ``hs=1`` it stays per
        pair (faster there). ``params.batched`` tells which form trains.
    compute_loss : bool
        Whether training computes the loss (``get_latest_training_loss``,
        ``epoch_losses``). Default True, unlike gensim; False skips its table lookups
        (a few per cent of the time, benchmarks/RESULTS.md): the running loss then stays
        0, as gensim's does, and ``epoch_losses`` gets NaN for the epochs trained so.
    batch_words : int
        Accepted for gensim compatibility (gensim's words per job): pyw2v's workers take
        chunks of about 16k words of the encoded corpus instead, so it has no effect.

    Attributes
    ----------
    corpus_count : int
        Sentences counted by ``build_vocab`` (gensim's meaning: non-empty lines of a file,
        after splitting lines of more than 10,000 tokens).
    corpus_total_words : int
        Tokens counted by ``build_vocab``, before ``min_count`` (gensim's meaning).
    """

    def __init__(
        self,
        sentences: CorpusArg = None,
        corpus_file: str | os.PathLike[str] | None = None,
        vector_size: int = 100,
        alpha: float = 0.025,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        sample: float = 1e-3,
        seed: int = 1,
        workers: int = 0,
        min_alpha: float = 0.0001,
        sg: int = 0,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: int | bool = 1,
        epochs: int = 5,
        max_final_vocab: int | None = None,
        cbow_exact_grad: bool = False,
        progress: bool = True,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        simd: str = "auto",
        negative_reuse: int = 1,
        callbacks: Iterable[Any] = (),
        compute_loss: bool = True,
        shrink_windows: bool = True,
        sg_batch: bool | None = None,
        batch_words: int = 10_000,
        trim_rule: TrimRule | None = None,
        sorted_vocab: int | bool = 1,
        hashfxn: Callable[[str], int] = hash,
        null_word: int = 0,
        comment: str | None = None,
    ) -> None:
        self.batch_words = _positive_count("batch_words", batch_words)
        if null_word:
            raise ValueError(
                "null_word is not supported: it pads gensim's concatenated-context mode, "
                "which neither gensim 4 nor pyw2v trains"
            )
        if trim_rule is not None and not callable(trim_rule):
            raise TypeError(
                f"trim_rule must be callable(word, count, min_count), got {trim_rule!r}"
            )
        self.trim_rule = trim_rule  # used by build_vocab; not saved (as in gensim)
        self.sorted_vocab = bool(sorted_vocab)
        self.hashfxn = hashfxn  # accepted: pyw2v draws initial vectors from `seed` alone
        self.null_word = 0
        self.comment = comment
        self.params = Params(
            vector_size=vector_size,
            alpha=alpha,
            min_alpha=min_alpha,
            window=window,
            min_count=min_count,
            max_vocab_size=max_vocab_size,
            max_final_vocab=max_final_vocab,
            sample=sample,
            seed=seed,
            workers=workers,
            negative=negative,
            ns_exponent=ns_exponent,
            cbow_mean=bool(cbow_mean),
            cbow_exact_grad=bool(cbow_exact_grad),
            epochs=epochs,
            simd=simd,
            negative_reuse=negative_reuse,
            sg=sg,
            hs=hs,
            shrink_windows=bool(shrink_windows),
            sg_batch=sg_batch,
        )
        if hs and negative:
            logger.warning(
                "Both hierarchical softmax and negative sampling are activated. pyw2v trains "
                "both losses on the same input vectors (gensim's behaviour); set hs=0 or "
                "negative=0 to train one."
            )
        self.progress = progress
        self.compute_loss = check_flag("compute_loss", compute_loss)
        self.memory_budget = check_memory_budget(memory_budget)
        self.callbacks = check_callbacks(callbacks)
        self.vocab: Vocab | None = None
        self.wv = KeyedVectors(np.zeros((0, vector_size), dtype=np.float32), [])
        for name in self._output_names():
            setattr(self, name, np.zeros((0, vector_size), dtype=np.float32))
        self.epochs_trained = 0
        self.epoch_losses: list[float] = []
        self.epoch_words: list[int] = []  # words read in each epoch (not saved)
        self.running_training_loss = 0.0
        self.min_alpha_yet_reached = self.params.alpha
        self.effective_min_count = self.params.min_count
        self.corpus_stats: dict[str, int] = {}
        self._raw_counts: tuple[list[str], np.ndarray] | None = None
        self._pending_vocab: tuple[Vocab, bool] | None = None
        self._empty_reason = ""
        self._encoded: tuple[tuple[Any, ...], EncodedCorpus] | None = None
        self._corpus: Corpus | None = None
        corpus = _pick_corpus(sentences, corpus_file)
        if corpus is not None:
            self.build_vocab(corpus, trim_rule=trim_rule)
            self.train(corpus)

    # gensim exposes these as attributes of the model; setting one replaces params. In
    # gensim's manual decay loop (`model.alpha -= 0.002; model.min_alpha = model.alpha`)
    # alpha passes below min_alpha for a moment: min_alpha then follows it down.
    def __setattr__(self, name: str, value: Any) -> None:
        if name in Params.__dataclass_fields__ and "params" in self.__dict__:
            changes = {name: value}
            if name == "alpha" and _is_number(value) and value < self.params.min_alpha:
                changes["min_alpha"] = value
            self.params = dataclasses.replace(self.params, **changes)  # validates
        else:
            super().__setattr__(name, value)

    def __getattr__(self, name: str) -> Any:
        if name != "params" and "params" in self.__dict__ and name in Params.__dataclass_fields__:
            return getattr(self.params, name)
        if isinstance(type(self).__dict__.get(name), _class_only):
            type(self).__dict__[name].__get__(self, type(self))  # raises its AttributeError
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def corpus_count(self) -> int:
        return int(self.corpus_stats.get("sentences", 0))

    @property
    def corpus_total_words(self) -> int:
        return int(self.corpus_stats.get("tokens", 0))

    def build_vocab(
        self,
        corpus_iterable: CorpusArg = None,
        corpus_file: Any = None,
        update: bool = False,
        progress_per: int = 10_000,
        keep_raw_vocab: bool = False,
        trim_rule: TrimRule | None = None,
    ) -> Word2Vec:
        """Counts the corpus (scan_vocab), keeps words with count >= min_count sorted by
        descending count (prepare_vocab) and initialises the vectors (prepare_weights):
        input vectors uniform in [-0.5/d, 0.5/d], output vectors zero (word2vec.c). Then
        encodes the corpus to word ids, which train() on the same corpus reuses.

        With ``update=True`` (gensim's online training) the model keeps its vocabulary
        and trained vectors: the new corpus's counts are added to known words, new words
        that pass min_count on their new counts get new rows (random input vectors, zero
        output vectors) after the old ones, and the noise table, subsampling and the
        Huffman tree follow the merged counts. corpus_count and corpus_total_words then
        describe the new corpus. ``trim_rule(word, count, min_count)`` may keep
        (RULE_KEEP) or discard (RULE_DISCARD) a word whatever its count (gensim's
        rule; it is not saved with the model). ``progress_per`` is accepted for gensim
        compatibility.
        """
        if update and self.vocab is None:
            raise NoVocabularyError(
                "build_vocab(update=True) adds to an existing vocabulary: build one first "
                "(build_vocab without update, or load a trained model)"
            )
        source = _require_corpus(corpus_iterable, corpus_file)
        self._scan(source)
        if self.corpus_stats["tokens"] == 0 and not update:
            raise EmptyVocabularyError("the corpus is empty: it holds no tokens")
        rule = self.trim_rule if trim_rule is None else trim_rule
        self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=rule)
        # encoded before the weights exist, so that the text's ids (the counter's
        # recording and the packed ids made from it) are not held alongside them
        self._encoded = None
        pending = self._pending_vocab
        assert pending is not None
        encoded = source.encode(pending[0], self.memory_budget) if len(pending[0]) else None
        release_free_heap()
        self.prepare_weights(update=update)
        release_free_heap()  # and the blocks of random draws the weights were made from
        self._corpus = source
        self._encoded = None if encoded is None else (source.key(), encoded)
        return self

    def scan_vocab(
        self,
        corpus_iterable: CorpusArg = None,
        corpus_file: Any = None,
        progress_per: int = 10_000,
        workers: int | None = None,
        trim_rule: TrimRule | None = None,
    ) -> tuple[int, int]:
        """Counts the words of a corpus (gensim's first step of build_vocab) and returns
        (total_words, corpus_count): tokens and sentences read. The counts wait in
        ``raw_vocab`` for prepare_vocab. ``progress_per``, ``workers`` and
        ``trim_rule`` are accepted for gensim compatibility (the rule applies in
        prepare_vocab)."""
        del progress_per, workers, trim_rule
        self._scan(_require_corpus(corpus_iterable, corpus_file))
        return self.corpus_total_words, self.corpus_count

    def _scan(self, source: Corpus) -> None:
        p = self.params
        counted = source.count(p.max_vocab_size, self.memory_budget, p.n_threads)
        self.corpus_stats = {
            "tokens": counted.tokens,
            "sentences": counted.sentences,
            "invalid_tokens": counted.invalid_tokens,
            "truncated_tokens": counted.truncated_tokens,
            "distinct_words": len(counted.words),
        }
        self._raw_counts = (counted.words, counted.counts)

    @property
    def raw_vocab(self) -> dict[str, int]:
        """Counts of the words the latest scan found (a new dict on each access; empty
        once prepare_vocab has used them, unless it was told to keep them)."""
        if self._raw_counts is None:
            return {}
        words, counts = self._raw_counts
        return dict(zip(words, counts.tolist(), strict=True))

    def prepare_vocab(
        self,
        update: bool = False,
        keep_raw_vocab: bool = False,
        trim_rule: TrimRule | None = None,
        min_count: int | None = None,
        sample: float | None = None,
        dry_run: bool = False,
    ) -> dict[str, int]:
        """Chooses the vocabulary from the scanned counts (gensim's second step of
        build_vocab): min_count (raised by max_final_vocab, see effective_min_count),
        trim_rule, and with ``update`` the merge into the current vocabulary. Returns
        gensim's report: drop_unique, retain_total, downsample_unique, downsample_total,
        num_retained_words. ``dry_run`` only reports; otherwise min_count and sample,
        when given, replace the model's, and prepare_weights (called by build_vocab)
        makes the vectors."""
        if self._raw_counts is None:
            raise RuntimeError("prepare_vocab() needs counts: call scan_vocab() first")
        if update and self.vocab is None:
            raise NoVocabularyError("prepare_vocab(update=True) needs an existing vocabulary")
        words, counts = self._raw_counts
        p = self.params
        min_count = p.min_count if min_count is None else min_count
        sample = p.sample if sample is None else sample
        Params(min_count=min_count, sample=sample)  # validates
        rule = self.trim_rule if trim_rule is None else trim_rule
        final = None if update else p.max_final_vocab
        chosen = select_words(words, counts, min_count, final, rule)
        if update:
            assert self.vocab is not None
            vocab = self.vocab.merged(words, counts, chosen.effective_min_count, rule)
            new = vocab.counts[len(self.vocab) :]
            known = np.array([w in self.vocab.key_to_index for w in words], dtype=bool)
            retained = int(known.sum()) + len(new)
            report = {
                "drop_unique": len(words) - retained,
                "retain_total": int(counts[known].sum() + new.sum()),
            }
        else:
            vocab = Vocab.from_counts(
                words, counts, min_count, final, rule, sorted_vocab=bool(self.sorted_vocab)
            )
            if len(vocab) == 0 and not dry_run:
                # as gensim: no error yet (a vocabulary may be built in steps), but
                # train() raises this
                self._empty_reason = _empty_vocab_message(counts, min_count, rule)
                logger.warning(self._empty_reason)
            retained = len(vocab)
            report = {"drop_unique": chosen.drop_unique, "retain_total": chosen.retain_total}
        keep = _core.keep_probs(vocab.counts, sample) if len(vocab) else np.ones(0)
        report["downsample_unique"] = int((keep < 1).sum())
        report["downsample_total"] = int((keep * vocab.counts).sum())
        report["num_retained_words"] = retained
        if not dry_run:
            self.effective_min_count = chosen.effective_min_count
            self.params = dataclasses.replace(p, min_count=min_count, sample=sample)
            self._pending_vocab = (vocab, update)
            if not keep_raw_vocab:
                self._raw_counts = None
        return report

    def prepare_weights(self, update: bool = False) -> None:
        """Takes the vocabulary prepare_vocab chose and makes the weights (gensim's last
        step of build_vocab): fresh ones, or with ``update`` new rows for the new words
        after the trained ones."""
        if self._pending_vocab is None:
            raise RuntimeError("prepare_weights() needs a vocabulary: call prepare_vocab() first")
        vocab, grow = self._pending_vocab
        self._pending_vocab = None
        if grow or update:
            self._grow(vocab)
        else:
            self._start(vocab, self._corpus)

    def build_vocab_from_freq(
        self,
        word_freq: Mapping[str, int],
        keep_raw_vocab: bool = False,
        corpus_count: int | None = None,
        trim_rule: TrimRule | None = None,
        update: bool = False,
    ) -> Word2Vec:
        """Builds the vocabulary from word counts instead of counting a corpus (gensim's
        name; word2vec.c's -read-vocab). min_count, max_final_vocab, trim_rule and
        ``update`` apply as in build_vocab, and the counts drive subsampling and the
        noise distribution. train() must then be given the corpus, which is only
        encoded, not counted.

        Parameters
        ----------
        word_freq : mapping of str to int
            Count of each word, e.g. from pyw2v.io.load_vocab.
        corpus_count : int, optional
            Number of sentences, kept as corpus_count.
        """
        if update and self.vocab is None:
            raise NoVocabularyError(
                "build_vocab_from_freq(update=True) adds to an existing vocabulary: build one first"
            )
        if not isinstance(word_freq, Mapping):
            raise TypeError(f"word_freq must be a mapping of word to count, got {word_freq!r}")
        words = list(word_freq)
        for word in words:
            count = word_freq[word]
            if not isinstance(word, str) or not word:
                raise TypeError(f"words must be non-empty str, got {word!r}")
            if (
                isinstance(count, bool)
                or not isinstance(count, numbers.Integral)
                or not 0 <= count < 2**63
            ):
                raise ValueError(
                    f"the count of {word!r} must be an integer in 0..2**63-1, got {count!r}"
                )
        counts = np.array([int(word_freq[w]) for w in words], dtype=np.int64)
        self.corpus_stats = {
            "tokens": int(counts.sum(dtype=np.uint64)) if len(counts) else 0,
            "sentences": int(corpus_count or 0),
            "invalid_tokens": 0,
            "truncated_tokens": 0,
            "distinct_words": len(words),
        }
        self._raw_counts = (words, counts)
        rule = self.trim_rule if trim_rule is None else trim_rule
        self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=rule)
        self.prepare_weights(update=update)
        if not update:
            self._corpus = None
        return self

    def reset_from(self, other_model: Word2Vec) -> None:
        """gensim's reset_from: takes other_model's vocabulary (words and counts), corpus
        statistics and corpus, with fresh weights drawn from this model's seed."""
        if not isinstance(other_model, Word2Vec) or other_model.vocab is None:
            raise TypeError("reset_from() needs a Word2Vec with a vocabulary")
        vocab = Vocab(list(other_model.vocab.index_to_key), other_model.vocab.counts.copy())
        self.corpus_stats = dict(other_model.corpus_stats)
        self._start(vocab, other_model._corpus)

    def _start(self, vocab: Vocab, source: Corpus | None) -> None:
        """Takes `vocab` and initialises the weights for a fresh training run."""
        p = self.params
        self.vocab = vocab
        d = p.vector_size
        self.wv = KeyedVectors(initial_vectors(len(vocab), p), vocab.index_to_key)
        self._set_vecattrs()
        for name in self._output_names():  # output vectors start at zero (word2vec.c)
            setattr(self, name, zeros_matrix(len(vocab), d))
        self.epochs_trained = 0
        self.epoch_losses = []
        self.epoch_words = []
        self._corpus = source
        self._encoded = None

    def _grow(self, vocab: Vocab) -> None:
        """Takes `vocab`, which extends the current one: trained rows stay, new words get
        input vectors uniform in [-0.5/d, 0.5/d] (their own random stream: the seed and
        the old vocabulary size) and zero output vectors."""
        assert self.vocab is not None
        self._check_weights()
        old, d = len(self.vocab), self.params.vector_size
        vectors = zeros_matrix(len(vocab), d)
        vectors[:old] = self.wv.vectors
        fill_uniform(vectors[old:], np.random.default_rng([self.params.seed, old]), 0.5 / d)
        extra = {k: v for k, v in self.wv.expandos.items() if k not in ("count", "code", "point")}
        lockf = getattr(self.wv, "vectors_lockf", None)
        self.vocab = vocab
        self.wv = KeyedVectors(vectors, vocab.index_to_key)
        self._set_vecattrs()
        for key, values in extra.items():  # other per-word attributes: zero for new words
            grown = np.zeros(len(vocab), dtype=values.dtype)
            grown[:old] = values
            self.wv.expandos[key] = grown
        if isinstance(lockf, np.ndarray) and lockf.shape == (old,):
            self.wv.vectors_lockf = np.concatenate([lockf, np.ones(len(vocab) - old, lockf.dtype)])
        for name, matrix in self._outputs().items():
            grown = zeros_matrix(len(vocab), d)
            grown[:old] = matrix
            setattr(self, name, grown)
        self._encoded = None

    def _encode(self, corpus: Corpus) -> EncodedCorpus:
        assert self.vocab is not None
        key = corpus.key()
        once = key[0] == "iterable"  # may change in place: its encoding serves one train()
        if self._encoded is not None and self._encoded[0] == key:
            encoded = self._encoded[1]
            if once:
                self._encoded = None
            return encoded
        self._encoded = None  # not held while another corpus is encoded
        encoded = corpus.encode(self.vocab, self.memory_budget)
        release_free_heap()
        if not once:
            self._encoded = (key, encoded)
        return encoded

    @one_at_a_time
    def train(
        self,
        corpus_iterable: CorpusArg = None,
        corpus_file: Any = None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        progress: bool | None = None,
        callbacks: Iterable[Any] | None = None,
        compute_loss: bool | None = None,
        word_count: int = 0,
        queue_factor: int = 2,
        report_delay: float = 1.0,
    ) -> tuple[int, int]:
        """Trains `epochs` more epochs (default: the model's) on the corpus (default:
        the one given to build_vocab). The learning rate decays linearly from
        start_alpha (default alpha) to end_alpha (default min_alpha) over these epochs.
        Calling it again continues training.

        `callbacks` (default: those given to the constructor) are called at the start
        and end of training and of each epoch (see pyw2v.callbacks); an exception one
        raises stops training, with no thread left running, and propagates here.
        `compute_loss`, when given, sets the model's ``compute_loss`` (as gensim's
        train() does) before training. `total_examples`, `total_words`, `word_count`,
        `queue_factor` and `report_delay`: pyw2v encodes the corpus before training, so
        it knows its exact length and needs no estimate for the learning-rate schedule.
        Unlike gensim, train() does not require them, nor `epochs`.

        Returns (words read, positive examples trained), summed over the epochs.
        """
        del total_examples, total_words, word_count, queue_factor, report_delay
        if self._pending_vocab is not None:  # prepare_vocab() called by hand
            self.prepare_weights(update=self._pending_vocab[1])
        if self.vocab is None:
            raise NoVocabularyError("call build_vocab() before train()")
        if len(self.vocab) == 0:
            raise EmptyVocabularyError(
                self._empty_reason or "the vocabulary is empty: build_vocab kept no word"
            )
        given = _pick_corpus(corpus_iterable, corpus_file)
        source = given if given is not None else self._corpus
        if source is None:
            raise ValueError(
                "train() needs a corpus: this model's vocabulary came from a file or a "
                "frequency table, so pass the corpus (a path, paths or an iterable of token "
                "lists)"
            )
        if compute_loss is not None:
            self.compute_loss = check_flag("compute_loss", compute_loss)
        p = self.params
        n_epochs = p.epochs if epochs is None else epochs
        Params(epochs=n_epochs)  # validates
        alpha_start = p.alpha if start_alpha is None else start_alpha
        alpha_end = p.min_alpha if end_alpha is None else end_alpha
        Params(alpha=alpha_start, min_alpha=alpha_end)  # validates the pair
        if alpha_start > self.min_alpha_yet_reached:
            logger.warning(
                "Effective 'alpha' higher than previous training cycles: this train() starts "
                "at alpha=%g, the previous one reached %g",
                alpha_start,
                self.min_alpha_yet_reached,
            )

        self._check_weights()
        _check_noise_exponent(self.vocab.counts, p.ns_exponent, p.negative)
        encoded = self._encode(source)
        if encoded.n_words == 0:
            raise ValueError(
                "the corpus holds no word of the vocabulary (an iterator can only be read "
                "once: pass a list or a restartable iterable)"
            )
        outputs = self._outputs()
        held = held_arrays(self)  # a callback must not replace them (training_guard)
        trainer = _core.Trainer(
            self.wv.vectors,
            outputs.get("syn1neg"),
            self.vocab.keep_probs(p.sample),
            self.vocab.counts,
            p.ns_exponent,
            p.window,
            p.negative,
            p.cbow_mean,
            p.cbow_exact_grad,
            p.n_threads,
            p.seed,
            p.simd,
            p.negative_reuse,
            node_vecs=outputs.get("syn1"),
            sg=bool(p.sg),
            shrink_windows=p.shrink_windows,
            lockf=_lock_factors(getattr(self.wv, "vectors_lockf", None), len(self.vocab)),
            sg_batch=p.batched,
            compute_loss=self.compute_loss,
        )
        n_targets = self._targets_per_example()
        words_total = n_epochs * encoded.n_words
        show = self.progress if progress is None else progress
        hooks = self.callbacks if callbacks is None else check_callbacks(callbacks)
        reporter = ProgressReporter(words_total, enabled=show)
        words_done = examples_done = 0
        stopped = False
        self.running_training_loss = 0.0
        try:
            notify(hooks, "on_train_begin", self)
            for epoch in range(n_epochs):
                notify(hooks, "on_epoch_begin", self)
                check_unchanged(self, held)
                stopped, words, examples, loss_sum = _run_epoch(
                    trainer,
                    encoded.packed,
                    self.epochs_trained,
                    alpha_start,
                    alpha_end,
                    words_done,
                    words_total,
                    reporter,
                    epoch,
                    n_epochs,
                    self.compute_loss,
                )
                words_done += words
                examples_done += examples
                self.epochs_trained += 1
                self.running_training_loss += loss_sum
                self.min_alpha_yet_reached = alpha_start - (alpha_start - alpha_end) * (
                    words_done / words_total
                )
                mean_loss = None  # compute_loss=False: not measured
                if self.compute_loss:
                    mean_loss = loss_sum / examples if examples else 0.0
                self.epoch_losses.append(math.nan if mean_loss is None else mean_loss)
                self.epoch_words.append(words)
                reason = _divergence(mean_loss, n_targets, self.wv.vectors, *outputs.values())
                if reason:
                    raise FloatingPointError(
                        f"training diverged in epoch {self.epochs_trained}: {reason}; "
                        f"lower alpha (now {alpha_start})"
                    )
                self.wv.reset_norms()  # queries from callbacks see this epoch's vectors
                notify(hooks, "on_epoch_end", self)
                if stopped:
                    break
        finally:
            reporter.close()
            self.wv.reset_norms()
        if not stopped:
            notify(hooks, "on_train_end", self)
        return words_done, examples_done

    def get_latest_training_loss(self) -> float:
        """gensim's running loss: the loss J summed over the positive examples (CBOW: a
        center word; skip-gram: a (center, context) pair) of the epochs the latest
        train() call has finished (so a callback's on_epoch_end sees it grow). Summed in
        double precision per thread and after the join. With both losses J is the sum
        of the two; 0 when ``compute_loss`` is False. ``epoch_losses`` holds each epoch's
        mean per example."""
        return self.running_training_loss

    def predict_output_word(
        self, context_words_list: Sequence[str | int], topn: int = 10
    ) -> list[tuple[str, float]] | None:
        """The topn most probable center words given the context words (or their
        indices), with their probabilities, as gensim computes them: h is the mean
        (cbow_mean) or sum of the known context words' vectors and P(w | h) the softmax
        of the syn1neg scores o_w.h; so the model needs negative sampling. None (as
        gensim) when no context word is known."""
        if self.vocab is None:
            raise RuntimeError("call build_vocab() and train() before predict_output_word()")
        if not self.params.negative:
            raise RuntimeError(
                "predict_output_word needs negative sampling's output vectors (syn1neg): "
                "train with negative > 0 (as in gensim)"
            )
        if isinstance(context_words_list, str):
            raise TypeError("context_words_list must be a list of words, not a str")
        topn = _positive_count("topn", topn)
        index, size = self.vocab.key_to_index, len(self.vocab)
        ids = [
            int(w) if _is_index(w) else index[w]
            for w in context_words_list
            if (_is_index(w) and 0 <= w < size) or (isinstance(w, str) and w in index)
        ]
        if not ids:
            return None
        probs = softmax_scores(
            context_hidden(self.wv.vectors, ids, self.params.cbow_mean), self.syn1neg
        )
        best = np.argsort(-probs, kind="stable")[:topn]
        return [(self.vocab.index_to_key[i], float(probs[i])) for i in best]

    def score(
        self,
        sentences: Iterable[Sequence[str]],
        total_sentences: int = 1_000_000,
        chunksize: int = 100,
        queue_factor: int = 2,
        report_delay: float = 1,
    ) -> np.ndarray:
        """Log-likelihood of each sentence under the hierarchical-softmax output layer
        (gensim's score; needs hs=1): a float32 array, one entry per sentence read, at
        most total_sentences. chunksize, queue_factor and report_delay are accepted for
        gensim compatibility (the scoring runs in numpy on the calling thread)."""
        if self.vocab is None:
            raise RuntimeError("call build_vocab() and train() before score()")
        if not self.params.hs:
            raise RuntimeError(
                "score() needs hierarchical softmax: train with hs=1 (it scores sentences "
                "by the Huffman-path probabilities)"
            )
        limit = _positive_count("total_sentences", total_sentences)
        p = self.params
        return score_sentences(
            sentences,
            self.vocab.key_to_index,
            self.wv.vectors,
            self.syn1,
            HuffmanPaths(self.vocab.counts),
            bool(p.sg),
            p.window,
            p.cbow_mean,
            limit,
        )

    def _set_vecattrs(self) -> None:
        """gensim's per-word attributes on wv: count, and the Huffman code and point
        (inner nodes, root first) of each word with hierarchical softmax."""
        assert self.vocab is not None
        self.wv.expandos["count"] = self.vocab.counts.copy()
        if self.params.hs and len(self.vocab):
            paths = HuffmanPaths(self.vocab.counts)
            codes = np.empty(len(self.vocab), dtype=object)
            points = np.empty(len(self.vocab), dtype=object)
            for i, (lo, hi) in enumerate(zip(paths.offsets[:-1], paths.offsets[1:], strict=True)):
                codes[i] = paths.codes[lo:hi]
                points[i] = paths.points[lo:hi]
            self.wv.expandos["code"] = codes
            self.wv.expandos["point"] = points

    def _output_names(self) -> list[str]:
        """The output matrices this mode trains: syn1 (hierarchical softmax's inner
        nodes) and syn1neg (negative sampling's word rows), gensim's names."""
        p = self.params
        return (["syn1"] if p.hs else []) + (["syn1neg"] if p.negative else [])

    def _outputs(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self._output_names()}

    def _targets_per_example(self) -> int:
        """Output rows per positive example at most: K + 1 and the longest Huffman path."""
        assert self.vocab is not None
        p = self.params
        longest = 0
        if p.hs:
            offsets = _core.huffman_tree(self.vocab.counts)[0]
            longest = int(np.diff(offsets).max())
        return (p.negative + 1 if p.negative else 0) + longest

    def _check_weights(self) -> None:
        """wv.vectors and the output matrices as training and load() need them: float32,
        one row per word of vector_size floats. A replaced wv.vectors (e.g. a copy) that
        holds them but is laid out differently from the output matrices is copied into
        their layout."""
        assert self.vocab is not None
        shape = (len(self.vocab), self.params.vector_size)
        for name in self._output_names():
            if not hasattr(self, name):
                raise ValueError(
                    f"this model has no {name} (it was trained in another mode): "
                    f"{'hs=1' if name == 'syn1' else 'negative >= 1'} needs it"
                )
        named = [("wv.vectors", self.wv.vectors), *self._outputs().items()]
        for name, weights in named:
            if not isinstance(weights, np.ndarray) or weights.dtype != np.float32:
                kind = getattr(weights, "dtype", type(weights).__name__)
                raise ValueError(f"{name} must be a float32 numpy array, got {kind}")
            if weights.shape != shape:
                raise ValueError(
                    f"{name} must have shape {shape} (vocabulary x vector_size), got "
                    f"{weights.shape}"
                )
            if not weights.flags.writeable:
                raise ValueError(f"{name} is read-only: training writes it")
        outputs = self._outputs()
        if any(self.wv.vectors.strides != m.strides or m.strides[1] != 4 for m in outputs.values()):
            self.wv.vectors = _on_huge_pages(self.wv.vectors)
            for name, matrix in outputs.items():
                setattr(self, name, _on_huge_pages(matrix))

    def save(
        self,
        path: str | os.PathLike[str],
        separately: Any = None,
        sep_limit: int = 10 * 1024**2,
        ignore: Any = frozenset(),
        pickle_protocol: int = 4,
    ) -> None:
        """Writes the model (vectors, output weights, vocabulary, parameters) atomically,
        in pyw2v's native format (one file). gensim's `separately`, `sep_limit`, `ignore`
        and `pickle_protocol` are accepted and have no effect: the arrays are always
        stored raw inside the file, and nothing is pickled."""
        del separately, sep_limit, ignore, pickle_protocol
        if self.vocab is None:
            raise RuntimeError("nothing to save: the model has no vocabulary yet")
        self._check_weights()  # what load() will require
        for name, weights in [("vectors", self.wv.vectors), *self._outputs().items()]:
            if not np.isfinite(weights).all():
                raise ValueError(
                    f"not saved: the model's {name} hold NaN or infinite values (training "
                    "diverged: lower alpha and train again)"
                )
        header = {
            "kind": "word2vec",
            "params": self.params.to_dict(),
            "index_to_key": self.vocab.index_to_key,
            "epochs_trained": self.epochs_trained,
            "epoch_losses": self.epoch_losses,
            "corpus_stats": self.corpus_stats,
            "compute_loss": self.compute_loss,
        }
        io.save_native(
            path,
            header,
            {"vectors": self.wv.vectors, **self._outputs(), "counts": self.vocab.counts},
        )

    @_class_only
    def load(cls, path: str | os.PathLike[str], mmap: str | None = None) -> Word2Vec:
        """Reads a model written by save(), or by gensim 4's Word2Vec.save (see
        pyw2v.gensim_convert). Called on the class, as in gensim: on an instance it
        raises AttributeError. ``mmap`` is accepted for gensim compatibility (None or
        'r'); a native model's arrays are read into memory, since training writes them
        (a gensim file's arrays stored beside it are memory-mapped)."""
        if mmap not in (None, "r", "r+", "c"):
            raise ValueError(f"mmap must be None, 'r', 'r+' or 'c', got {mmap!r}")
        if gensim_convert.is_gensim_file(path):
            return gensim_convert.load_word2vec(cls, path, mmap)
        header, arrays = io.load_native(path, "word2vec")
        try:
            words = header["index_to_key"]
            params = Params(**header["params"])
            counts = arrays["counts"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"{os.fspath(path)!r}: incomplete or invalid model file: {exc}"
            ) from exc
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError(f"{os.fspath(path)!r}: invalid vocabulary")
        if counts.dtype != np.int64 or counts.shape != (len(words),):
            raise ValueError(f"{os.fspath(path)!r}: counts do not match the vocabulary")
        if len(counts) and counts.min() < 1:
            raise ValueError(f"{os.fspath(path)!r}: invalid model file: a word count below 1")
        vectors = io.check_matrix(path, "vectors", arrays.get("vectors", np.empty(0)), len(words))
        model = cls(**{k: v for k, v in params.to_dict().items()}, progress=False)
        outputs = {}
        for name in model._output_names():
            if name not in arrays:
                raise ValueError(
                    f"{os.fspath(path)!r}: incomplete model file: no {name} for "
                    f"hs={params.hs}, negative={params.negative}"
                )
            outputs[name] = io.check_matrix(path, name, arrays[name], len(words))
        if vectors.shape[1] != params.vector_size or any(
            m.shape != vectors.shape for m in outputs.values()
        ):
            raise ValueError(f"{os.fspath(path)!r}: matrices do not match vector_size")
        model.vocab = Vocab(words, counts)
        model.wv = KeyedVectors(_on_huge_pages(vectors), words)
        model._set_vecattrs()
        for name, matrix in outputs.items():
            setattr(model, name, _on_huge_pages(matrix))
        trained = header.get("epochs_trained", 0)
        losses = header.get("epoch_losses", [])
        if (
            not isinstance(trained, int)
            or isinstance(trained, bool)
            or trained < 0
            or not isinstance(losses, list)
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in losses)
        ):
            raise ValueError(f"{os.fspath(path)!r}: invalid training history in the header")
        model.epochs_trained = trained
        model.epoch_losses = [float(x) for x in losses]
        compute_loss = header.get("compute_loss", True)  # absent from earlier files
        if not isinstance(compute_loss, bool):
            raise ValueError(f"{os.fspath(path)!r}: invalid compute_loss in the header")
        model.compute_loss = compute_loss
        stats = header.get("corpus_stats", {})  # absent from files of earlier versions
        if not isinstance(stats, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in stats.items()
        ):
            raise ValueError(f"{os.fspath(path)!r}: invalid corpus statistics in the header")
        model.corpus_stats = stats
        return model


# Trained weights stay within a few units (the demo corpus, every mode, alpha 0.025 and
# 0.1: at most 5.3 in absolute value); a weight past this bound puts every score it takes
# part in far outside the sigmoid table, where only a diverging model goes.
_MAX_WEIGHT = 1e4


def _divergence(mean_loss: float | None, n_targets: int, *weights: np.ndarray) -> str | None:
    """Why an epoch diverged, or None: a non-finite loss, or a mean loss per example beyond
    10 n_targets MAX_EXP (n_targets: output rows per example at most); a weight that is
    not finite or beyond _MAX_WEIGHT in absolute value. The loss starts near n_targets
    log 2 or below and falls; past that bound the average dot product lies far outside
    the sigmoid table (-log sigma grows linearly there, so the loss can stay finite while
    the vectors blow up). mean_loss None (compute_loss=False): the weights alone."""
    if mean_loss is not None and not mean_loss <= 10 * n_targets * _core.MAX_EXP:
        return f"the loss is {mean_loss:.4g} (about {n_targets * math.log(2):.2f} at the start)"
    for w in weights:
        if w.size == 0:
            continue
        low, high = float(w.min()), float(w.max())
        if not (low >= -_MAX_WEIGHT and high <= _MAX_WEIGHT):  # NaN fails both
            worst = low if math.isnan(low) or abs(low) > abs(high) else high
            return f"a weight reached {worst:.4g}"
    return None


def _check_noise_exponent(counts: np.ndarray, ns_exponent: float, negative: int) -> None:
    """The noise distribution count**ns_exponent must have a positive finite mass: a
    large exponent overflows, a very negative one underflows to zero for every word."""
    if not negative:
        return
    with np.errstate(over="ignore", under="ignore"):
        mass = np.power(counts.astype(np.float64), ns_exponent).sum()
    if not np.isfinite(mass):
        raise ValueError(
            f"ns_exponent={ns_exponent} is too large for this vocabulary: "
            "count**ns_exponent overflows (word2vec uses 0.75)"
        )
    if not mass > 0:
        raise ValueError(
            f"ns_exponent={ns_exponent} is too small for this vocabulary: "
            "count**ns_exponent underflows to 0 for every word (word2vec uses 0.75)"
        )


def _lock_factors(lockf: Any, n_words: int) -> np.ndarray | None:
    """gensim's wv.vectors_lockf as the trainer takes it: None when every factor is 1
    (the fast kernels run), else one float32 factor per word (a single value applies to
    every word, as in gensim)."""
    if lockf is None:
        return None
    factors = np.asarray(lockf, dtype=np.float32)
    if factors.ndim != 1 or len(factors) not in (1, n_words):
        raise ValueError(
            f"wv.vectors_lockf must hold 1 or {n_words} (one per word) factors, got shape "
            f"{factors.shape}"
        )
    if not np.isfinite(factors).all():
        raise ValueError("wv.vectors_lockf holds NaN or infinite factors")
    if (factors == 1).all():
        return None
    out = np.empty(n_words, dtype=np.float32)  # a copy: training reads it, nobody writes it
    out[:] = factors
    return out


def _on_huge_pages(matrix: np.ndarray) -> np.ndarray:
    """A copy in the training layout (memory.zeros_matrix: padded rows, huge pages)."""
    copy = zeros_matrix(*matrix.shape)
    copy[:] = matrix
    return copy


def _pick_corpus(corpus: Any, corpus_file: Any) -> Corpus | None:
    if corpus is not None and corpus_file is not None:
        raise ValueError("give either a corpus or corpus_file, not both")
    if corpus_file is not None:
        return as_corpus(corpus_file, files=True)
    return None if corpus is None else as_corpus(corpus)


def _require_corpus(corpus: Any, corpus_file: Any) -> Corpus:
    picked = _pick_corpus(corpus, corpus_file)
    if picked is None:
        raise ValueError("build_vocab needs a corpus (a path, paths or an iterable of token lists)")
    return picked


def _run_epoch(
    trainer: Any,
    packed: np.ndarray,
    epoch_seed: int,
    alpha_start: float,
    alpha_end: float,
    words_before: int,
    words_total: int,
    reporter: ProgressReporter,
    epoch: int,
    epochs: int,
    with_loss: bool,
) -> tuple[bool, int, int, float]:
    """Runs one epoch in a helper thread (the C call releases the GIL) while this thread
    reports progress and stays responsive to Ctrl-C, which stops the workers. The
    progress shows the mean loss when the trainer computes it (`with_loss`)."""
    outcome: dict[str, Any] = {}
    # Waits on an event the thread sets last, not on Thread.join: in CPython 3.11 a join
    # interrupted by Ctrl-C can mark a thread as finished while it still runs.
    # A thread that has not begun when Ctrl-C arrives (e.g. during start()) must not
    # begin afterwards: `began` and `abandoned` are decided under one lock.
    finished = threading.Event()
    lock = threading.Lock()
    state = {"began": False, "abandoned": False}

    def run() -> None:
        try:
            with lock:
                if state["abandoned"]:
                    return
                state["began"] = True
            outcome["result"] = trainer.train_epoch(
                packed, epoch_seed, alpha_start, alpha_end, words_before, words_total
            )
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc
        finally:
            finished.set()

    thread = threading.Thread(target=run, name="pyw2v-epoch", daemon=True)
    try:
        # Ctrl-C asks the workers to stop (within one step: w2v_plan_stopped) and is
        # raised once they are done, not inside the thread's start or the Event's wait,
        # whose locks CPython 3.11 can leave broken
        with deferred_interrupts(on_interrupt=trainer.request_stop):
            thread.start()
            while not finished.wait(timeout=0.2):
                words, loss_sum, examples, alpha = trainer.progress()
                loss = loss_sum / examples if examples and with_loss else None
                reporter.update(words_before + words, epoch, epochs, alpha, loss)
    except BaseException as exc:
        with deferred_interrupts():  # a second Ctrl-C waits for the workers too
            trainer.request_stop()
            with lock:
                state["abandoned"] = not state["began"]
            while state["began"] and not finished.is_set():
                try:
                    finished.wait()
                except KeyboardInterrupt:  # raised by a program's own SIGINT handler
                    continue
            # RuntimeError: Ctrl-C interrupted thread.start() itself, before the thread
            # was marked started; it then returns at once (abandoned) or never ran
            with contextlib.suppress(KeyboardInterrupt, RuntimeError):
                thread.join(timeout=1.0)  # the weights are free already; let it exit
        raise_interrupt_behind(exc)
        raise
    if "error" in outcome:
        raise outcome["error"]
    stopped, words, examples, loss_sum = outcome["result"]
    loss = loss_sum / examples if examples and with_loss else None
    reporter.update(words_before + words, epoch, epochs, trainer.progress()[3], loss, force=True)
    return stopped, words, examples, loss_sum


def _empty_vocab_message(counts: np.ndarray, min_count: int, rule: TrimRule | None) -> str:
    most = f" (the most frequent occurs {int(counts.max())} times)" if len(counts) else ""
    ruled = " or trim_rule keeps" if rule is not None else ""
    return (
        f"the vocabulary is empty: no word occurs min_count={min_count} times{most}{ruled}; "
        "lower min_count or use a larger corpus"
    )


def _positive_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def _is_index(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
