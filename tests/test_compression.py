"""One table of magic bytes for every reader: files are decompressed by content, not by
their name (an evaluation file was once read raw because it was chosen by extension)."""

from __future__ import annotations

import bz2
import gzip
import lzma

import numpy as np
import pytest

from pyw2v import KeyedVectors
from pyw2v.compression import is_compressed, open_binary, open_text

TEXT = "first line é\nsecond line\n"
COMPRESSORS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress, "plain": None}


@pytest.mark.parametrize("kind", COMPRESSORS)
@pytest.mark.parametrize("name", ["data.txt", "data.gz", "data.xz"])  # names that lie
def test_content_decides_not_the_name(tmp_path, kind, name):
    raw = TEXT.encode()
    compress = COMPRESSORS[kind]
    path = tmp_path / name
    path.write_bytes(compress(raw) if compress else raw)
    assert is_compressed(path) == (compress is not None)
    with open_binary(path) as f:
        assert f.read() == raw
    with open_text(path) as f:
        assert f.read() == TEXT


def test_a_gzipped_analogy_file_without_gz_in_its_name(tmp_path):
    words = ["king", "queen", "man", "woman"]
    vectors = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    kv = KeyedVectors(vectors, words)
    plain = tmp_path / "plain.txt"
    plain.write_text(": family\nman woman king queen\n")
    packed = tmp_path / "questions.txt"  # gzip inside, .txt outside
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert kv.evaluate_word_analogies(str(packed))[0] == kv.evaluate_word_analogies(str(plain))[0]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_bytes(gzip.compress(b"king\tqueen\t5\nman\twoman\t4\nking\tman\t1\n"))
    assert kv.evaluate_word_pairs(str(pairs))[2] == 0.0  # read, no pair out of vocabulary
