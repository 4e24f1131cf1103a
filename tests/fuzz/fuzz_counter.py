#!/usr/bin/env python3
"""atheris harness: the C tokenizer behind corpus counting and encoding
(pyw2v._core.Counter.feed and Encoder.feed) on arbitrary bytes in arbitrary chunks.
No exception may come out; statistics, words and ids must agree with a plain Python
reference (runs of non-separator bytes, invalid UTF-8 replaced by U+FFFD).

The C code is not instrumented (gcc has no -fsanitize=fuzzer), so libFuzzer sees the
coverage of the Python side only; README.md says how to build an instrumented core.

    python tests/fuzz/fuzz_counter.py -max_total_time=60 [CORPUS_DIR]
"""

from __future__ import annotations

import collections
import re
import sys

import _common
import atheris
import numpy as np

from pyw2v import _core

SEPARATORS = re.compile(rb"[ \t\n\v\f\r\0]+")
# text-like input: in "pieces" mode each input byte picks one of these
PIECES = [
    *(bytes([c]) for c in b" \t\n\v\f\r\0"),
    *(bytes([c]) for c in b"abcxyz"),
    b"the",
    b"caf\xc3\xa9",
    b"\xe6\x97\xa5",
    b"\xf0\x9f\x98\x80",
    b"\xef\xbb\xbf",
    *(bytes([c]) for c in (0x80, 0xBF, 0xC0, 0xC2, 0xC3, 0xE0, 0xE6, 0xED, 0xF0, 0xF4, 0xF5, 0xFF)),
    b"\xe0\xa0",
    b"\xed\xa0\x80",
    b"\xf0\x9f\x98",
    b"\xc0\xaf",
    b"\r\n",
]


@atheris.instrument_func
def fix(word: str) -> str:
    # known bug: test_truncated_utf8_sequence_is_one_u_fffd (one U+FFFD per byte of a
    # UTF-8 sequence cut short, where Python's decoder puts one for the whole)
    return word if _common.SHOW_KNOWN_BUGS else re.sub("\ufffd+", "\ufffd", word)


@atheris.instrument_func
def core_word(token: bytes) -> str:
    """The word the core makes of one token."""
    counter = _core.Counter()
    counter.feed(token, True)
    return counter.export()[0][0]


@atheris.instrument_func
def chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@atheris.instrument_func
def test_one_input(raw: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(raw)
    max_size = fdp.ConsumeIntInRange(0, 8) if fdp.ConsumeBool() else 0
    repeat = fdp.ConsumeIntInRange(1, 64)
    cuts = [fdp.ConsumeIntInRange(0, 1 << 20) for _ in range(fdp.ConsumeIntInRange(0, 6))]
    pieces_mode = fdp.ConsumeBool()
    data = fdp.ConsumeBytes(fdp.remaining_bytes())
    if pieces_mode:
        data = b"".join(PIECES[b % len(PIECES)] for b in data)
    data *= repeat

    counter = _core.Counter(max_size)
    for chunk in chunks(data, cuts):
        counter.feed(chunk)
    counter.feed(b"", True)
    words, counts = counter.export()
    stats = counter.stats
    parts = [SEPARATORS.split(line) for line in data.split(b"\n")]
    parts = [[p for p in line if p] for line in parts]
    n_tokens = sum(map(len, parts))
    assert stats["tokens"] == n_tokens
    assert stats["sentences"] == sum(-(-len(line) // _core.MAX_SENTENCE) for line in parts)
    assert len(words) == len(set(words)) == len(counts)
    for word in words:
        assert 0 < len(word.encode("utf-8")) <= _core.MAX_TOKEN_BYTES
        assert not SEPARATORS.search(word.encode("utf-8"))
    if max_size:
        assert len(words) <= max_size
        return
    assert int(counts.sum()) == n_tokens
    if any(len(p) > _core.MAX_TOKEN_BYTES // 3 for line in parts for p in line):
        return  # tokens may be cut: the reference below does not cut
    expected: collections.Counter[str] = collections.Counter()
    invalid = 0
    for line in parts:
        for p in line:
            word = p.decode("utf-8", "replace")
            invalid += word != p.decode("utf-8", "surrogateescape")
            expected[fix(word)] += 1
    seen: collections.Counter[str] = collections.Counter()
    for word, count in zip(words, counts.tolist(), strict=True):
        seen[fix(word)] += count
    assert seen == expected
    assert stats["invalid_tokens"] == invalid and stats["truncated_tokens"] == 0

    # encoding with every other word as the vocabulary, chunked the other way
    vocab = words[::2]
    encoder = _core.Encoder(vocab)
    out = np.empty(n_tokens + stats["sentences"], dtype=np.int32)
    n = 0
    for chunk in chunks(data, cuts[::-1]):
        n = encoder.feed(chunk, False, out, n)
    n = encoder.feed(b"", True, out, n)
    # the core's own word for each token (whatever its U+FFFD runs), looked up
    index = {w: i for i, w in enumerate(vocab)}
    ids_expected = []
    for line in parts:
        ids = [index[w] for w in map(core_word, line) if w in index]
        ids_expected += ids + [-1] * bool(ids)
    assert out[:n].tolist() == ids_expected


if __name__ == "__main__":
    seeds = [b"\0\0the cat sat\non the mat\n", b"\1\3\2\x05\x07caf\xc3\xa9 \xff\xe6\x97 x\0y\r\n"]
    _common.main("counter", test_one_input, seeds)
    sys.exit(0)
