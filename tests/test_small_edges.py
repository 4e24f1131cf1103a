"""Smaller edges that used to mislead: pruning that empties the vocabulary, a list and a
file pruned alike, token totals past 2**63, memory_budget of the wrong type, sentences
that are not lists, a query command piped into `head`, and Unicode normalisation."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

import numpy as np
import pytest

from pyw2v import Word2Vec
from pyw2v import io as w2v_io
from pyw2v.corpus import as_corpus

DATA = os.path.join(os.path.dirname(__file__), "data")


def zipf_sentences(seed=0, n=300, vocab=500):
    rng = np.random.default_rng(seed)
    return [[f"w{r}" for r in np.minimum(rng.zipf(1.3, size=12), vocab)] for _ in range(n)]


def write(path, sentences):
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    return str(path)


@pytest.mark.parametrize("max_vocab_size", [1, 5, 50, 120])
def test_a_list_and_a_file_prune_alike(tmp_path, max_vocab_size):
    sentences = zipf_sentences()
    from_file = as_corpus(write(tmp_path / "c.txt", sentences)).count(max_vocab_size)
    from_list = as_corpus(sentences).count(max_vocab_size)
    assert from_list.words == from_file.words
    np.testing.assert_array_equal(from_list.counts, from_file.counts)
    assert len(from_file.words) <= max_vocab_size


@pytest.mark.parametrize("kind", ["file", "list"])
def test_pruning_that_empties_the_vocabulary_is_explained(tmp_path, kind):
    sentences = [[f"u{i}" for i in range(20)]]  # every word once
    corpus = write(tmp_path / "c.txt", sentences) if kind == "file" else sentences
    model = Word2Vec(max_vocab_size=1, min_count=1, progress=False)
    with pytest.raises(ValueError, match="max_vocab_size=1 pruned every word .*raise max_vocab"):
        model.build_vocab(corpus)


def test_counts_summing_past_2_63_are_refused():
    model = Word2Vec(min_count=1, progress=False)
    with pytest.raises(ValueError, match=r"sum to 9223372036854775808 tokens, more than 2\*\*63"):
        model.build_vocab_from_freq({"a": 2**62, "b": 2**62})
    model.build_vocab_from_freq({"a": 2**62, "b": 2**62 - 1})  # the largest total
    assert model.corpus_total_words == 2**63 - 1 and model.vocab.total_words == 2**63 - 1


@pytest.mark.parametrize(
    "value, error", [("1G", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError)]
)
def test_memory_budget_is_checked(value, error):
    with pytest.raises(error, match="memory_budget"):
        Word2Vec(memory_budget=value)


def test_memory_budget_accepts_integers():
    assert Word2Vec(memory_budget=np.int64(1 << 20), progress=False).memory_budget == 1 << 20
    assert type(Word2Vec(memory_budget=np.int64(5)).memory_budget) is int


@pytest.mark.parametrize(
    "bad, what",
    [
        ((t for t in ["a", "b"]), "generator .*a generator can be read only once"),
        (None, "NoneType"),
        ({"a": 3, "b": 1}, "dict"),
        (7, "int"),
    ],
)
def test_a_sentence_that_is_not_a_list_is_named(bad, what):
    corpus = [["a", "b"], ["b", "c"], bad]
    with pytest.raises(TypeError, match=f"sentence 2: each sentence must be a list .*{what}"):
        Word2Vec(corpus, min_count=1, progress=False)


def test_query_piped_into_head_exits_quietly(tmp_path):
    """`pyw2v similar ... | head -1`: no "Broken pipe" message, the status of a Unix tool
    (0 if everything fit in the pipe before head left, else 141, SIGPIPE's)."""
    words = w2v_io.load_word2vec_format(os.path.join(DATA, "w2v-gensim.bin"), binary=True)
    many = " ".join(words.index_to_key[:80])  # about 300 kB of answers: more than a pipe holds
    command = (
        f"{sys.executable} -m pyw2v similar {os.path.join(DATA, 'w2v-gensim.bin')} {many} "
        "--topn 200 | head -1; echo status ${PIPESTATUS[0]} >&2"
    )
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.stdout.count("\n") == 1
    lines = done.stderr.strip().splitlines()
    assert lines in (["status 141"], ["status 0"]), done.stderr


def test_unicode_forms_are_not_normalised():
    """As gensim and word2vec.c: text is bytes, so "café" in NFC (é one code point) and
    in NFD (e + combining accent) are two words. Normalise the corpus first if needed."""
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    model = Word2Vec([[nfc, "x"], [nfd, "x"]] * 3, min_count=1, vector_size=4, progress=False)
    assert nfc in model.wv.key_to_index and nfd in model.wv.key_to_index
