#!/usr/bin/env python3
"""atheris harness: pyw2v's native model files (Word2Vec.load, io.native_kind).

The first byte picks what the rest is: 0, a whole file (zip archive; its members are
CRC-checked, so this mostly reaches the zip and npy headers); 1, the JSON header,
packed with the arrays of a real model (this reaches the header checks). A loader
may only raise ValueError, and what it loads must be sane.

    python tests/fuzz/fuzz_native.py -max_total_time=60 [CORPUS_DIR]
"""

from __future__ import annotations

import contextlib
import io
import json
import sys

import atheris
import numpy as np

with atheris.instrument_imports(include=["pyw2v"]):
    from pyw2v import Word2Vec
    from pyw2v import io as w2v_io

import _common

SEEDS = _common.make_seeds()
PATH = _common.scratch_path("native")
with np.load(io.BytesIO(SEEDS["native"])) as _npz:
    ARRAYS = {k: _npz[k] for k in _npz.files if k != "header"}
    HEADER = _npz["header"].tobytes()


def test_one_input(data: bytes) -> None:
    if not data:
        return
    if data[0] % 2 == 0:
        PATH.write_bytes(data[1:])
    else:
        buf = io.BytesIO()
        np.savez(buf, header=np.frombuffer(data[1:], dtype=np.uint8), **ARRAYS)
        PATH.write_bytes(buf.getvalue())
    try:
        model = Word2Vec.load(PATH)
    except ValueError:
        pass
    except RecursionError:
        # known bug: test_native_deeply_nested_header_value_error
        if _common.SHOW_KNOWN_BUGS:
            raise
    else:
        vectors = model.wv.vectors
        assert vectors.dtype == np.float32 and np.isfinite(vectors).all()
        assert model.syn1neg.shape == vectors.shape == (len(model.vocab), vectors.shape[1])
        assert len(set(model.wv.index_to_key)) == len(model.wv)
        json.dumps(model.params.to_dict())  # the model can be saved again
    if w2v_io.is_native(PATH):
        with contextlib.suppress(ValueError):
            assert isinstance(w2v_io.native_kind(PATH), str)


if __name__ == "__main__":
    _common.main("native", test_one_input, [b"\0" + SEEDS["native"], b"\1" + HEADER])
    sys.exit(0)
