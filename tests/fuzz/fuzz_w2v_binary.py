#!/usr/bin/env python3
"""atheris harness: word2vec.c binary vectors (io.load_word2vec_format with
binary=True, io.detect_word2vec_binary). Only ValueError may come out; what loads
must be sane.

    python tests/fuzz/fuzz_w2v_binary.py -max_total_time=60 [CORPUS_DIR]
"""

from __future__ import annotations

import contextlib
import sys

import atheris
import numpy as np

with atheris.instrument_imports(include=["pyw2v"]):
    from pyw2v import io as w2v_io

import _common

SEEDS = _common.make_seeds()
PATH = _common.scratch_path("binary")


def check(kv) -> None:
    assert kv.vectors.dtype == np.float32 and kv.vectors.ndim == 2
    assert len(kv.index_to_key) == len(kv.vectors) == len(set(kv.index_to_key))
    assert np.isfinite(kv.vectors).all() and all(kv.index_to_key)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    limit = None if data[0] >= 16 else data[0]
    PATH.write_bytes(data[1:])
    dim = _common.header_dim(data[1:])
    with contextlib.suppress(ValueError):
        check(w2v_io.load_word2vec_format(PATH, binary=True, limit=limit))
    # known bug: test_detect_binary_with_huge_header_dim_allocates_nothing
    if _common.SHOW_KNOWN_BUGS or dim <= 100_000:
        try:
            assert isinstance(w2v_io.detect_word2vec_binary(PATH), bool)
        except ValueError:
            pass
        except (MemoryError, OverflowError):
            # the same known bug, in a compressed file whose header hid it
            if _common.SHOW_KNOWN_BUGS:
                raise


if __name__ == "__main__":
    seeds = [
        b"\xff" + SEEDS["binary"],
        b"\xff" + SEEDS["binary-no-newlines"],
        b"\2" + SEEDS["binary"],
    ]
    _common.main("w2v-binary", test_one_input, seeds)
    sys.exit(0)
