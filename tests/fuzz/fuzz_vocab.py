#!/usr/bin/env python3
"""atheris harness: word2vec.c vocabulary files (io.load_vocab, then
Word2Vec.build_vocab_from_freq as -read-vocab does). Only ValueError may come out.

    python tests/fuzz/fuzz_vocab.py -max_total_time=60 [CORPUS_DIR]
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["pyw2v"]):
    from pyw2v import Word2Vec
    from pyw2v import io as w2v_io

import _common

SEEDS = _common.make_seeds()
PATH = _common.scratch_path("vocab")


def test_one_input(data: bytes) -> None:
    PATH.write_bytes(data)
    try:
        vocab = w2v_io.load_vocab(PATH, keep_eos=data[:1] == b"<")
    except ValueError:
        return
    assert all(isinstance(w, str) and w for w in vocab)
    assert all(isinstance(c, int) and c >= 0 for c in vocab.values())
    # known bug: test_huge_vocab_count
    if vocab and (_common.SHOW_KNOWN_BUGS or max(vocab.values()) < 2**63):
        model = Word2Vec(vector_size=4, min_count=1, progress=False)
        try:
            model.build_vocab_from_freq(vocab)
        except ValueError:
            assert not any(vocab.values())  # only an all-zero table is refused
            return
        assert len(model.wv) == sum(c >= 1 for c in vocab.values())


if __name__ == "__main__":
    _common.main("vocab", test_one_input, [SEEDS["vocab"]])
    sys.exit(0)
