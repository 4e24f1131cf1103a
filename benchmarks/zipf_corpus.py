"""Writes a synthetic text corpus of exactly N tokens whose words follow a
Zipf-Mandelbrot law, for measuring training on corpora larger than memory.

    python benchmarks/zipf_corpus.py OUT.txt --tokens 100000000 [--vocab 66000]
        [--exponent 1.05] [--shift 1.0] [--seed 1]

Word of rank r (0-based) has probability proportional to 1 / (r + 1 + shift) ** exponent
over a vocabulary of --vocab words (Mandelbrot's correction to Zipf's law). The
defaults follow the reference corpus W1 where training speed depends on it: its 66,235
words of count >= 5 (the model's size), its most frequent word (6.0 % of the tokens
here, 6.4 % there) and the share of tokens sample=1e-3 keeps (78 % here, 77 % there).
Every word has count >= 5 from about 30M tokens on, so the model is the same for any
larger N. A word is a string of syllables (a consonant, a vowel and sometimes a closing
consonant), the frequent words the shortest; ranks map one-to-one to words, so every
rank is a distinct token. Sentences, one per line, have log-normal lengths (median 20
tokens, mean 24; W1's lines average 25), at least one token.

The output is a pure function of the arguments: the same seed gives the same bytes.
It is written in chunks of CHUNK_SENTENCES sentences with numpy (memory bounded by the
chunk, not by N); 1B tokens (about 4.6 GB) take a few minutes.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

CONSONANTS = "tnsrhldmcfwgpbvk"  # 16, about in English's order of frequency
VOWELS = "eaoiu"
CODAS = "nrstl"  # closing consonants (a syllable may also end with its vowel)
WIDTH = 16  # bytes per word slot: the longest word (4 syllables, 12 bytes) + separator
CHUNK_SENTENCES = 1 << 16
SENTENCE_MEDIAN = 20.0
SENTENCE_SIGMA = 0.6
MAX_SENTENCE_TOKENS = 400


def syllables() -> list[str]:
    """The syllables, open ones (consonant + vowel) first: they make the shortest words."""
    open_ = [c + v for c in CONSONANTS for v in VOWELS]
    closed = [c + v + k for c in CONSONANTS for v in VOWELS for k in CODAS]
    return open_ + closed


def word_strings(vocab: int) -> list[str]:
    """The words of ranks 0..vocab-1: rank r is r written in bijective base S (S the
    number of syllables), each digit a syllable. A syllable starts with a consonant
    followed by a vowel, so a word parses back into its syllables in one way only, and
    distinct ranks give distinct words."""
    table = syllables()
    base = len(table)
    if not 1 <= vocab <= base + base**2 + base**3 + base**4:
        raise ValueError(f"vocab must be in 1..{base + base**2 + base**3 + base**4}")
    words = []
    for r in range(vocab):
        n = r + 1  # bijective numeration: digits 1..base
        parts = []
        while n:
            n, d = divmod(n - 1, base)
            parts.append(table[d])
        words.append("".join(reversed(parts)))
    return words


def probabilities(vocab: int, exponent: float, shift: float) -> np.ndarray:
    """Zipf-Mandelbrot probabilities of ranks 0..vocab-1."""
    weights = (np.arange(1, vocab + 1, dtype=np.float64) + shift) ** -exponent
    return weights / weights.sum()


def alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias method (Vose's construction): draw i uniformly, keep it with
    probability accept[i], else take alias[i]; O(1) per draw instead of a binary search."""
    n = len(p)
    scaled = p * n
    accept = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        accept[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return accept, alias  # the leftovers keep accept 1 (rounding)


def write_corpus(
    out: object,
    tokens: int,
    vocab: int = 66_000,
    exponent: float = 1.05,
    shift: float = 1.0,
    seed: int = 1,
    chunk_sentences: int = CHUNK_SENTENCES,
) -> tuple[int, int, int]:
    """Writes the corpus to the binary file object `out`; returns (tokens, sentences,
    bytes) written."""
    if tokens < 0:
        raise ValueError("tokens must be >= 0")
    words = word_strings(vocab)
    slots = np.zeros((vocab, WIDTH), dtype=np.uint8)
    lengths = np.empty(vocab, dtype=np.int64)
    for i, w in enumerate(words):
        b = w.encode("ascii")
        slots[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
        lengths[i] = len(b)
    accept, alias = alias_table(probabilities(vocab, exponent, shift))
    sentence_rng, word_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)
    )
    columns = np.arange(WIDTH)
    written = sentences = n_bytes = 0
    while written < tokens:
        sizes = np.rint(
            sentence_rng.lognormal(np.log(SENTENCE_MEDIAN), SENTENCE_SIGMA, chunk_sentences)
        ).astype(np.int64)
        np.clip(sizes, 1, MAX_SENTENCE_TOKENS, out=sizes)
        ends = np.cumsum(sizes)
        if written + ends[-1] >= tokens:  # the last chunk: cut the sentence that passes N
            last = int(np.searchsorted(ends, tokens - written))
            sizes = sizes[: last + 1]
            sizes[-1] -= written + ends[last] - tokens
            ends = np.cumsum(sizes)
        k = int(ends[-1])
        pick = word_rng.integers(0, vocab, k, dtype=np.int32)
        ids = np.where(word_rng.random(k) < accept[pick], pick, alias[pick])
        rows = slots[ids]  # (k, WIDTH): the word's bytes, then zeros
        lens = lengths[ids]
        rows[np.arange(k), lens] = ord(" ")
        rows[ends - 1, lens[ends - 1]] = ord("\n")
        data = rows[columns < (lens + 1)[:, None]]
        out.write(data.tobytes())  # type: ignore[attr-defined]
        written += k
        sentences += len(sizes)
        n_bytes += len(data)
    return written, sentences, n_bytes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", help="the text file to write")
    ap.add_argument("--tokens", type=float, required=True, help="tokens to write (1e9 allowed)")
    ap.add_argument("--vocab", type=int, default=66_000, help="distinct words (default 66000)")
    ap.add_argument("--exponent", type=float, default=1.05, help="Zipf exponent (default 1.05)")
    ap.add_argument("--shift", type=float, default=1.0, help="Mandelbrot shift (default 1.0)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    start = time.perf_counter()
    with open(args.out, "wb") as f:
        n, s, b = write_corpus(
            f, int(args.tokens), args.vocab, args.exponent, args.shift, args.seed
        )
    took = time.perf_counter() - start
    print(
        f"{args.out}: {n} tokens, {s} sentences, {b} bytes ({b / max(n, 1):.2f} per token) "
        f"in {took:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
