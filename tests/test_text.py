"""Corpus reading and vocabulary: tokenizing, counting, encoding, file formats, limits.

Everything here runs on small hand-made texts whose counts are known, plus one
text8-like single 3 MB line; the expected values are computed independently in
Python (str.split, collections.Counter).
"""

from __future__ import annotations

import bz2
import collections
import gzip
import lzma
import os
import tempfile

import numpy as np
import pytest

from pyw2v import _core, corpus
from pyw2v.corpus import FileCorpus, IterableCorpus, as_corpus, read_chunks
from pyw2v.vocab import Vocab

MAX_SENTENCE = corpus.MAX_SENTENCE

SMALL = "the cat sat on the mat\nthe dog\n"
# multi-byte words, CRLF, tabs, repeated blank lines, no final newline
MIXED = "the café\tsat\r\n\n\n日本 the   dog\r\ncafé naïve the\n" * 7 + "end of text"


def write(path, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


def py_counts(text):
    """First-seen order and counts, computed independently of pyw2v."""
    counter = collections.Counter()
    for line in text.splitlines():
        counter.update(line.split())
    return list(counter), [counter[w] for w in counter]


def py_ids(text, vocab):
    """Expected encoding: known words of each line, -1 after each line that kept one."""
    out = []
    for line in text.splitlines():
        ids = [vocab.key_to_index[w] for w in line.split() if w in vocab.key_to_index]
        for start in range(0, len(ids), MAX_SENTENCE):
            out.extend(ids[start : start + MAX_SENTENCE])
            out.append(-1)
    return np.array(out, dtype=np.int32)


def counter_feed(data: bytes, chunk: int, max_size: int = 0):
    counter = _core.Counter(max_size)
    for start in range(0, len(data), chunk):
        counter.feed(data[start : start + chunk])
    counter.feed(b"", True)
    return counter


def encoder_feed(words, data: bytes, chunk: int):
    encoder = _core.Encoder(list(words))
    out = np.empty(len(data) + 2, dtype=np.int32)
    n = 0
    for start in range(0, len(data), chunk):
        n = encoder.feed(data[start : start + chunk], False, out, n)
    n = encoder.feed(b"", True, out, n)
    return out[:n]


# --------------------------------------------------------------------------- counting


def test_counts_and_first_seen_order(tmp_path):
    counted = FileCorpus([write(tmp_path / "a.txt", SMALL)]).count()
    assert counted.words == ["the", "cat", "sat", "on", "mat", "dog"]
    assert counted.counts.dtype == np.int64
    assert counted.counts.tolist() == [3, 1, 1, 1, 1, 1]
    assert counted.tokens == 8
    assert counted.sentences == 2
    assert counted.invalid_tokens == 0
    assert counted.truncated_tokens == 0


def test_counts_match_python_on_mixed_text(tmp_path):
    counted = FileCorpus([write(tmp_path / "m.txt", MIXED)]).count()
    words, counts = py_counts(MIXED)
    assert counted.words == words
    assert counted.counts.tolist() == counts
    assert counted.tokens == sum(counts)
    assert counted.sentences == sum(1 for line in MIXED.splitlines() if line.split())


def test_crlf_line_ends(tmp_path):
    path = write(tmp_path / "crlf.txt", "a b\r\nc a\r\n\r\nb\r\n")
    fc = FileCorpus([path])
    counted = fc.count()
    assert counted.words == ["a", "b", "c"]
    assert counted.counts.tolist() == [2, 2, 1]
    assert counted.sentences == 3
    assert not any("\r" in w for w in counted.words)
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=1)
    assert fc.encode(vocab).ids.tolist() == [0, 1, -1, 2, 0, -1, 1, -1]


@pytest.mark.parametrize(
    "compress", [gzip.compress, bz2.compress, lzma.compress], ids=["gz", "bz2", "xz"]
)
def test_compressed_files_equal_plain(tmp_path, compress):
    plain = write(tmp_path / "c.txt", MIXED)
    packed = write(tmp_path / ("c.txt." + compress.__module__), compress(MIXED.encode("utf-8")))
    a, b = FileCorpus([plain]), FileCorpus([packed])
    ca, cb = a.count(), b.count()
    assert ca.words == cb.words
    np.testing.assert_array_equal(ca.counts, cb.counts)
    assert (ca.tokens, ca.sentences) == (cb.tokens, cb.sentences)
    vocab = Vocab.from_counts(ca.words, ca.counts, min_count=1)
    ids_a, ids_b = a.encode(vocab).ids, b.encode(vocab).ids
    np.testing.assert_array_equal(ids_a, ids_b)
    np.testing.assert_array_equal(ids_a, py_ids(MIXED, vocab))
    # read_chunks decompresses by magic bytes, whatever the suffix, in bounded chunks
    chunks = list(read_chunks(packed, chunk_bytes=7))
    assert max(len(c) for c in chunks) <= 7
    assert b"".join(chunks) == MIXED.encode("utf-8")


def test_list_of_files_equals_concatenation_with_sentence_ends(tmp_path):
    # neither file ends in a newline: the file end must still end the sentence
    # (and must not glue "b" of the first file to "c" of the second)
    first = write(tmp_path / "1.txt", "a b\nb a b")
    second = write(tmp_path / "2.txt", "c a\nd")
    joined = write(tmp_path / "j.txt", "a b\nb a b\nc a\nd\n")
    two, one = FileCorpus([first, second]), FileCorpus([joined])
    c2, c1 = two.count(), one.count()
    assert c2.words == c1.words == ["a", "b", "c", "d"]
    assert c2.counts.tolist() == c1.counts.tolist() == [3, 3, 1, 1]
    assert c2.sentences == c1.sentences == 4
    vocab = Vocab.from_counts(c1.words, c1.counts, min_count=1)
    e2, e1 = two.encode(vocab), one.encode(vocab)
    assert e2.ids.tolist() == e1.ids.tolist() == [0, 1, -1, 1, 0, 1, -1, 2, 0, -1, 3, -1]
    assert (e2.n_words, e2.n_sentences) == (8, 4)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 10**6])
def test_chunk_boundaries_do_not_change_counts_or_ids(chunk):
    data = MIXED.encode("utf-8") + b"\n" + ("x" * 300 + " ").encode() * 3
    whole = counter_feed(data, len(data))
    split = counter_feed(data, chunk)
    w_words, w_counts = whole.export()
    s_words, s_counts = split.export()
    assert s_words == w_words
    np.testing.assert_array_equal(s_counts, w_counts)
    assert split.stats == whole.stats
    assert w_words == py_counts(data.decode("utf-8"))[0]
    np.testing.assert_array_equal(
        encoder_feed(w_words, data, chunk), encoder_feed(w_words, data, len(data))
    )


def test_read_chunks_bounds_chunk_size(tmp_path):
    data = MIXED.encode("utf-8")
    path = write(tmp_path / "r.txt", data)
    chunks = list(read_chunks(path, chunk_bytes=10))
    assert all(0 < len(c) <= 10 for c in chunks)
    assert b"".join(chunks) == data


def test_monkeypatched_chunk_bytes_is_honoured(tmp_path, monkeypatch):
    path = write(tmp_path / "a.txt", SMALL * 20)
    fc = FileCorpus([path])
    counted = fc.count()
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=1)
    expected = fc.encode(vocab).ids
    monkeypatch.setattr(corpus, "CHUNK_BYTES", 16)
    ids = FileCorpus([path]).encode(vocab).ids  # not counted: the streaming path
    np.testing.assert_array_equal(ids, expected)


# ------------------------------------------------------------------- long lines


def test_long_line_split_every_max_sentence_tokens(tmp_path):
    n = 2 * MAX_SENTENCE + 1234
    assert MAX_SENTENCE == 10_000
    words = [f"w{i % 7}" for i in range(n)]
    text = " ".join(words) + "\nw1 w2\n"
    fc = FileCorpus([write(tmp_path / "long.txt", text)])
    counted = fc.count()
    assert counted.tokens == n + 2
    assert counted.sentences == 3 + 1
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=1)
    ids = fc.encode(vocab).ids
    ends = np.flatnonzero(ids == -1)
    # a -1 after every 10,000 tokens of the long line, then its end, then the short line
    assert ends.tolist() == [MAX_SENTENCE, 2 * MAX_SENTENCE + 1, n + 2, n + 5]
    assert np.diff(np.concatenate([[-1], ends])).max() - 1 <= MAX_SENTENCE
    expected = [vocab.key_to_index[w] for w in words]
    np.testing.assert_array_equal(ids[ids >= 0][:n], expected)
    # the iterable path splits the same way
    it = IterableCorpus([text.split("\n")[0].split(), ["w1", "w2"]])
    assert it.count().sentences == counted.sentences
    np.testing.assert_array_equal(it.encode(vocab).ids, ids)


def test_one_huge_line_text8_like(tmp_path):
    rng = np.random.default_rng(8)
    lexicon = np.array([f"t{i}" for i in range(1000)])
    # Zipf-ish frequencies, ~3 MB, one line with no newline at all
    ranks = np.minimum(rng.zipf(1.3, size=900_000), 1000) - 1
    tokens = lexicon[ranks]
    text = " " + " ".join(tokens.tolist())
    assert len(text) > 3_000_000
    data = text.encode("ascii")
    path = write(tmp_path / "text8", data)
    counted = FileCorpus([path]).count()
    expected = collections.Counter(tokens.tolist())
    assert counted.tokens == len(tokens)
    assert counted.sentences == -(-len(tokens) // MAX_SENTENCE)
    assert counted.words == list(dict.fromkeys(tokens.tolist()))
    assert counted.counts.tolist() == [expected[w] for w in counted.words]
    # tokens cut by 64 KiB chunk ends are glued back together
    chunked = counter_feed(data, 1 << 16)
    assert chunked.export()[0] == counted.words
    np.testing.assert_array_equal(chunked.export()[1], counted.counts)


def test_overlong_token_is_truncated_and_counted(tmp_path):
    max_bytes = _core.MAX_TOKEN_BYTES
    long_word = "x" * (max_bytes + 100)
    counted = FileCorpus([write(tmp_path / "t.txt", f"a {long_word} b\n")]).count()
    assert counted.words == ["a", "x" * max_bytes, "b"]
    assert counted.truncated_tokens == 1


# ------------------------------------------------------------------------ UTF-8


def test_invalid_utf8_replaced_and_counted(tmp_path):
    data = b"caf\xe9 na\xefve caf\xc3\xa9 \xff ok \xe6\x97\xa5\xe6\x9c\xac\ncaf\xe9 \xff\n"
    fc = FileCorpus([write(tmp_path / "u.txt", data)])
    counted = fc.count()
    # invalid bytes become U+FFFD, the tokens are kept; valid non-ASCII words survive
    assert counted.words == ["caf\ufffd", "na\ufffdve", "café", "\ufffd", "ok", "日本"]
    assert counted.counts.tolist() == [2, 1, 1, 2, 1, 1]
    assert counted.tokens == 8
    assert counted.invalid_tokens == 5
    # each single invalid byte here maps as Python's decoder maps it
    assert counted.words[:2] == [
        b"caf\xe9".decode("utf-8", "replace"),
        b"na\xefve".decode("utf-8", "replace"),
    ]
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=1)
    ids = fc.encode(vocab).ids
    k = vocab.key_to_index
    assert ids.tolist() == [
        k["caf\ufffd"],
        k["na\ufffdve"],
        k["café"],
        k["\ufffd"],
        k["ok"],
        k["日本"],
        -1,
        k["caf\ufffd"],
        k["\ufffd"],
        -1,
    ]


@pytest.mark.parametrize(
    ("token", "word", "invalid"),
    [
        # 2000 invalid bytes would repair to 6000 bytes: cut at whole U+FFFDs
        (b"\xff" * 2000, "\ufffd" * 1365, 2),
        # truncation at 4096 bytes must not split the 2-byte "é" into an invalid byte
        (("a" + "é" * 3000).encode("utf-8"), "a" + "é" * 2047, 0),
    ],
    ids=["invalid-bytes", "cut-inside-char"],
)
def test_repaired_or_truncated_words_fit_the_encoder(tmp_path, token, word, invalid):
    fc = FileCorpus([write(tmp_path / "x.txt", token + b" ok\n" + token + b"\n")])
    counted = fc.count()
    assert counted.words == [word, "ok"]
    assert len(word.encode("utf-8")) <= _core.MAX_TOKEN_BYTES
    assert counted.truncated_tokens == 2
    assert counted.invalid_tokens == invalid
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=1)
    ids = fc.encode(vocab).ids
    assert ids.tolist() == [0, 1, -1, 0, -1]
    # the same across chunk boundaries (the token goes through the carry buffer)
    chunked = counter_feed(token + b" ok\n", 100)
    assert chunked.export()[0] == [word, "ok"]


# ------------------------------------------------------------------- vocabulary


def test_vocab_min_count_and_order():
    words = ["a", "b", "c", "d", "e", "f"]
    counts = np.array([2, 5, 1, 5, 3, 2])
    v = Vocab.from_counts(words, counts, min_count=2)
    # descending count, ties in first-seen order (b before d, a before f)
    assert v.index_to_key == ["b", "d", "e", "a", "f"]
    assert v.counts.tolist() == [5, 5, 3, 2, 2]
    assert v.counts.dtype == np.int64
    assert v.key_to_index == {"b": 0, "d": 1, "e": 2, "a": 3, "f": 4}
    assert v.total_words == 17
    assert len(Vocab.from_counts(words, counts, min_count=1)) == 6
    assert len(Vocab.from_counts(words, counts, min_count=0)) == 6
    assert Vocab.from_counts(words, counts, min_count=5).index_to_key == ["b", "d"]
    assert len(Vocab.from_counts(words, counts, min_count=6)) == 0


@pytest.mark.parametrize(
    ("max_final", "expected"),
    [
        (None, ["b", "d", "e", "a", "f", "c"]),
        (10, ["b", "d", "e", "a", "f", "c"]),
        (6, ["b", "d", "e", "a", "f", "c"]),
        (5, ["b", "d", "e", "a", "f"]),  # c (count 1) dropped
        (4, ["b", "d", "e"]),  # a and f tie at the cut: dropped together
        (3, ["b", "d", "e"]),
        (2, ["b", "d"]),
        (1, []),  # b and d tie: neither fits alone
    ],
)
def test_vocab_max_final_vocab(max_final, expected):
    words = ["a", "b", "c", "d", "e", "f"]
    counts = np.array([2, 5, 1, 5, 3, 2])
    v = Vocab.from_counts(words, counts, min_count=1, max_final_vocab=max_final)
    assert v.index_to_key == expected
    assert max_final is None or len(v) <= max_final


def test_vocab_max_final_vocab_never_lowers_min_count():
    v = Vocab.from_counts(["a", "b", "c"], np.array([1, 4, 2]), min_count=3, max_final_vocab=3)
    assert v.index_to_key == ["b"]


def test_vocab_rejects_bad_tables():
    with pytest.raises(ValueError, match="length"):
        Vocab(["a", "b"], np.array([1]))
    with pytest.raises(ValueError, match="twice"):
        Vocab(["a", "a"], np.array([1, 1]))


def _pruning_text(n_rare=500):
    # "the" occurs on every line; every other word occurs once
    return "".join(f"the r{i}\n" for i in range(n_rare))


def test_max_vocab_size_bounds_c_counter():
    data = _pruning_text().encode()
    free = counter_feed(data, len(data))
    assert len(free.export()[0]) == 501 and free.min_reduce == 0
    for chunk in (len(data), 13):
        bounded = counter_feed(data, chunk, max_size=50)
        words, counts = bounded.export()
        assert len(words) <= 50
        assert bounded.min_reduce >= 1
        assert words[0] == "the" and counts[0] == 500
        assert bounded.stats["tokens"] == 1000  # statistics still see every token


@pytest.mark.parametrize("kind", ["file", "iterable"])
def test_max_vocab_size_bounds_corpus_count(tmp_path, kind):
    text = _pruning_text()
    if kind == "file":
        source = FileCorpus([write(tmp_path / "p.txt", text)])
    else:
        source = IterableCorpus([line.split() for line in text.splitlines()])
    counted = source.count(max_vocab_size=50)
    assert 1 <= len(counted.words) <= 50
    assert counted.words[0] == "the" and counted.counts[0] == 500
    assert counted.tokens == 1000
    assert len(source.count().words) == 501  # no bound without max_vocab_size


# ------------------------------------------------------------------- iterables


def test_iterable_corpus_equals_file_corpus(tmp_path):
    fc = FileCorpus([write(tmp_path / "m.txt", MIXED)])
    sentences = [line.split() for line in MIXED.splitlines()]
    ic = IterableCorpus(sentences)
    cf, ci = fc.count(), ic.count()
    assert ci.words == cf.words
    np.testing.assert_array_equal(ci.counts, cf.counts)
    assert (ci.tokens, ci.sentences) == (cf.tokens, cf.sentences)
    vocab = Vocab.from_counts(cf.words, cf.counts, min_count=7)
    assert 0 < len(vocab) < len(cf.words)  # some words are out of the vocabulary
    ef, ei = fc.encode(vocab), ic.encode(vocab)
    np.testing.assert_array_equal(ei.ids, ef.ids)
    assert (ei.n_words, ei.n_sentences) == (ef.n_words, ef.n_sentences)
    np.testing.assert_array_equal(ef.ids, py_ids(MIXED, vocab))


def test_iterable_tuples_and_generators_accepted():
    ic = IterableCorpus(tuple(s) for s in [("a", "b"), ("b",)])
    counted = ic.count()
    assert counted.words == ["a", "b"] and counted.counts.tolist() == [1, 2]


def test_bytes_as_sentence_raises_type_error():
    with pytest.raises(TypeError, match="list of str tokens, got a bytes"):
        IterableCorpus([["ok"], b"a b c"]).count()
    vocab = Vocab(["a"], np.array([1]))
    with pytest.raises(TypeError, match="list of str tokens, got a bytes"):
        IterableCorpus([b"a b c"]).encode(vocab)


def test_string_as_sentence_is_its_characters_with_gensims_warning(caplog):
    with caplog.at_level("WARNING", logger="pyw2v.corpus"):
        counted = IterableCorpus([["ok"], "abca"]).count()
    assert "Each 'sentences' item should be a list of words" in caplog.text
    assert caplog.text.count("Each 'sentences' item") == 1  # once per pass
    assert dict(zip(counted.words, counted.counts.tolist(), strict=True)) == {
        "ok": 1,
        "a": 2,
        "b": 1,
        "c": 1,
    }
    vocab = Vocab(["a", "b"], np.array([2, 1]))
    np.testing.assert_array_equal(IterableCorpus(["abx"]).encode(vocab).ids, [0, 1, -1])


@pytest.mark.parametrize("token", [1, 2.5, None, b"a"])
def test_non_str_tokens_raise_type_error(token):
    with pytest.raises(TypeError, match="tokens must be str"):
        IterableCorpus([["a", token]]).count()


def test_as_corpus_variants(tmp_path):
    a = write(tmp_path / "a.txt", SMALL)
    b = write(tmp_path / "b.txt", SMALL)
    single = as_corpus(a)
    assert isinstance(single, FileCorpus) and single.paths == [a]
    path_obj = as_corpus(tmp_path / "a.txt")
    assert isinstance(path_obj, FileCorpus) and path_obj.paths == [a]
    many = as_corpus([a, tmp_path / "b.txt"], files=True)  # corpus_file=[...]
    assert isinstance(many, FileCorpus) and many.paths == [a, b]
    assert many.count().counts[0] == 6
    objects = as_corpus([tmp_path / "a.txt", tmp_path / "b.txt"])  # os.PathLike: files
    assert isinstance(objects, FileCorpus) and objects.paths == [a, b]
    assert isinstance(as_corpus([a, b]), IterableCorpus)  # str: sentences, as in gensim
    with pytest.raises(TypeError, match="corpus_file must be a path or a list of paths"):
        as_corpus([["a", "b"]], files=True)
    sentences = [["a", "b"], ["c"]]
    it = as_corpus(sentences)
    assert isinstance(it, IterableCorpus) and it.count().words == ["a", "b", "c"]
    assert as_corpus(it) is it and as_corpus(single) is single
    with pytest.raises(TypeError, match="corpus must be"):
        as_corpus(42)


def test_missing_path_raises_file_not_found(tmp_path):
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        as_corpus(missing)
    good = write(tmp_path / "ok.txt", SMALL)
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        as_corpus([good, missing], files=True)


def test_directory_raises_is_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError, match=str(tmp_path.name)):
        FileCorpus([tmp_path])


def test_truncated_gz_raises_value_error_naming_file(tmp_path):
    raw = gzip.compress(SMALL.encode() * 500)
    path = write(tmp_path / "trunc.gz", raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="trunc.gz"):
        FileCorpus([path]).count()


@pytest.mark.parametrize("compress", [bz2.compress, lzma.compress], ids=["bz2", "xz"])
def test_corrupt_bz2_xz_raise_value_error_naming_file(tmp_path, compress):
    raw = bytearray(compress(SMALL.encode() * 500))
    for i in range(12, min(len(raw), 60)):
        raw[i] ^= 0x55
    path = write(tmp_path / "bad.z", bytes(raw))
    with pytest.raises(ValueError, match="bad.z"):
        FileCorpus([path]).count()


def test_corrupt_gz_raises_value_error_naming_file(tmp_path):
    raw = bytearray(gzip.compress(SMALL.encode() * 500))
    for i in range(20, 60):  # inside the deflate stream, header intact
        raw[i] ^= 0x55
    path = write(tmp_path / "corrupt.gz", bytes(raw))
    with pytest.raises(ValueError, match="corrupt.gz"):
        FileCorpus([path]).count()


# ---------------------------------------------------------- memory-mapped encoding


def test_encode_to_memory_mapped_file_matches_in_memory(tmp_path, monkeypatch):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    created = []
    real = tempfile.NamedTemporaryFile

    def spy(*args, **kwargs):
        f = real(*args, **kwargs)
        created.append(f.name)
        return f

    monkeypatch.setattr(corpus.tempfile, "NamedTemporaryFile", spy)
    path = write(tmp_path / "m.txt", MIXED * 20)
    fc = FileCorpus([path])
    counted = fc.count()
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=1)
    in_memory = fc.encode(vocab)
    assert not created  # counted and within the default budget: no temporary file
    assert not isinstance(in_memory.packed, np.memmap)

    mapped = fc.encode(vocab, memory_budget=64)
    assert isinstance(mapped.packed, np.memmap)
    np.testing.assert_array_equal(mapped.ids, in_memory.ids)
    assert (mapped.n_words, mapped.n_sentences) == (in_memory.n_words, in_memory.n_sentences)
    np.testing.assert_array_equal(in_memory.ids, py_ids(MIXED * 20, vocab))
    assert len(created) == 1
    assert os.path.dirname(created[0]) == str(tmpdir)
    assert os.path.basename(created[0]).startswith("pyw2v-ids-")
    # the file is unlinked at once, even while the map is alive
    assert not os.path.exists(created[0])
    assert [n for n in os.listdir(tmpdir) if n.startswith("pyw2v-ids-")] == []
    del mapped

    # not counted first: streamed through a temporary file, then read into memory
    streamed = FileCorpus([path]).encode(vocab)
    assert not isinstance(streamed.packed, np.memmap)
    np.testing.assert_array_equal(streamed.ids, in_memory.ids)
    assert len(created) == 2
    assert os.listdir(tmpdir) == []


def test_batched_lookups_keep_order_counts_and_ids():
    """Counter and encoder look tokens up in batches of 32 (csrc/strtab.c), with tokens
    over 64 bytes taken alone: a word repeated inside one batch, long tokens between
    short ones, and sentence ends anywhere in a batch must give exactly the counts,
    first-seen order and ids of one-at-a-time processing (Python's, here)."""
    rng = np.random.default_rng(11)
    pool = [f"w{i}" for i in range(50)] + ["x" * n for n in (63, 64, 65, 200)]
    lines = []
    for _ in range(300):
        n = int(rng.integers(0, 80))
        lines.append(" ".join(pool[int(k)] for k in rng.integers(0, len(pool), size=n)))
    text = "\n".join(lines) + "\n"
    data = text.encode()
    words, counts = py_counts(text)
    for chunk in (7, 100, len(data)):
        counter = counter_feed(data, chunk)
        got_words, got_counts = counter.export()
        assert list(got_words) == words
        assert list(got_counts) == counts
        vocab = words[::2]  # every other word: the rest are out of vocabulary
        index = {w: i for i, w in enumerate(vocab)}
        want = []
        for line in lines:
            ids = [index[w] for w in line.split() if w in index]
            want += ids + [-1] if ids else []
        assert encoder_feed(vocab, data, chunk).tolist() == want


def test_batched_counting_with_pruning_matches_word2vec_reduce_vocab():
    """Pruning (max_vocab_size) in the middle of a batch invalidates the batch's looked-up
    entries; the counts must still equal word2vec.c's ReduceVocab applied token by token."""
    rng = np.random.default_rng(12)
    tokens = [f"t{int(k)}" for k in rng.zipf(1.3, size=5000) % 3000]
    max_size = 200
    table, min_reduce = {}, 1
    for tok in tokens:  # word2vec.c: ReduceVocab when the table exceeds its bound
        table[tok] = table.get(tok, 0) + 1
        while len(table) > max_size:
            table = {w: c for w, c in table.items() if c > min_reduce}
            min_reduce += 1
    counter = _core.Counter(max_size)
    counter.feed(" ".join(tokens).encode(), True)
    words, counts = counter.export()
    assert dict(zip(words, counts.tolist(), strict=True)) == table
    assert list(words) == list(table)  # insertion order survives pruning


# ------------------------------------------------------- counting that also encodes


def recorded_ids(counter, id_map):
    """The counter's recording remapped through id_map, as int32 ids."""
    out = np.empty(5 * max(counter.recorded_bytes, 1), dtype=np.uint8)
    n = counter.remap_recording(np.asarray(id_map, dtype=np.int32), out, 0)
    return _core.unpack_ids(out[:n])


@pytest.mark.parametrize("chunk", [1, 7, 100, 10**6])
def test_recording_remapped_equals_the_encoder(chunk):
    """A counter made with record_bytes keeps the text as first-seen ids (word i of
    export() is id i): remapped through a vocabulary it gives exactly the encoder's ids,
    with sentence ends only after sentences that kept a word. The text has blank lines,
    CRLF, a line split at MAX_SENTENCE, multi-byte words, long tokens and no final
    newline."""
    data = (
        MIXED.encode("utf-8")
        + b"\n"
        + ("x" * 300 + " ").encode() * 3
        + b"\n"
        + b" ".join([b"a", b"b", b"c"] * (MAX_SENTENCE // 2))
        + b"\nc d"
    )
    counter = _core.Counter(0, 1 << 30)
    for start in range(0, len(data), chunk):
        counter.feed(data[start : start + chunk])
    counter.feed(b"", True)
    words, counts = counter.export()
    assert counter.recorded_bytes > 0
    identity = recorded_ids(counter, np.arange(len(words)))
    np.testing.assert_array_equal(identity, encoder_feed(words, data, len(data)))
    vocab = Vocab.from_counts(words, counts, min_count=2)  # rare words are dropped
    id_map = [vocab.key_to_index.get(w, -1) for w in words]
    np.testing.assert_array_equal(counter.map_words(vocab.index_to_key), id_map)
    # a word twice keeps its first index; words never counted are ignored
    twice = counter.map_words([words[1], "never seen", words[0], words[1]])
    assert twice[:2].tolist() == [2, 0] and (twice[2:] == -1).all()
    np.testing.assert_array_equal(
        recorded_ids(counter, id_map), encoder_feed(vocab.index_to_key, data, len(data))
    )


def test_file_corpus_encodes_from_its_recording_as_from_the_files(tmp_path):
    """FileCorpus.count() records the text (within memory_budget) and the next encode()
    remaps it: byte for byte the packed ids of reading the files again, over two files
    and min_count dropping words. The recording is used once, then freed."""
    first = write(tmp_path / "1.txt", MIXED)
    second = write(tmp_path / "2.txt", SMALL * 5 + "rare words here\n\n")
    recorded = FileCorpus([first, second])
    c = recorded.count()
    assert recorded._recording is not None
    vocab = Vocab.from_counts(c.words, c.counts, min_count=3)
    from_recording = recorded.encode(vocab)
    assert recorded._recording is None
    reread = FileCorpus([first, second])
    reread.count(memory_budget=0)  # a budget of 0 keeps no recording
    assert reread._recording is None
    from_files = reread.encode(vocab)
    assert from_recording.packed.tobytes() == from_files.packed.tobytes()
    assert (from_recording.n_words, from_recording.n_sentences) == (
        from_files.n_words,
        from_files.n_sentences,
    )
    expected = np.concatenate([py_ids(MIXED, vocab), py_ids(SMALL * 5 + "rare words here", vocab)])
    np.testing.assert_array_equal(from_recording.ids, expected)
    # a second encode (another vocabulary) reads the files again
    small = Vocab.from_counts(c.words, c.counts, min_count=10)
    np.testing.assert_array_equal(
        recorded.encode(small).ids,
        np.concatenate([py_ids(MIXED, small), py_ids(SMALL * 5, small)]),
    )


def test_recording_dropped_past_its_budget_or_with_pruning():
    """A recording that would outgrow record_bytes is dropped (counting goes on, the
    counts are unchanged); pruning (max_size) and recording exclude each other."""
    data = ("w1 w2 w3 w4\n" * 1000).encode()
    small = counter_feed(data, 64)
    bounded = _core.Counter(0, 100)
    bounded.feed(data, True)
    assert bounded.recorded_bytes == -1
    assert bounded.export()[1].tolist() == small.export()[1].tolist()
    with pytest.raises(ValueError, match="no recording"):
        bounded.remap_recording(np.zeros(4, np.int32), np.empty(10, np.uint8), 0)
    with pytest.raises(ValueError, match="no recording"):
        small.remap_recording(np.zeros(4, np.int32), np.empty(10, np.uint8), 0)
    with pytest.raises(ValueError, match="max_size"):
        _core.Counter(10, 1 << 20)
    whole = _core.Counter(0, 5 * 1000)  # 4 one-byte ids and an end per line fit exactly
    whole.feed(data, True)
    assert whole.recorded_bytes == 5 * 1000


# ------------------------------------------------------------- counting on threads


def _corpus_files(tmp_path):
    rng = np.random.default_rng(3)
    pool = [f"w{i}" for i in range(300)] + ["café", "日本", "x" * 70]
    lines = [
        " ".join(pool[int(k)] for k in rng.integers(0, len(pool), size=int(rng.integers(0, 30))))
        for _ in range(400)
    ]
    first = write(tmp_path / "a.txt", "\r\n".join(lines[:200]) + "\n\n")
    # a line longer than a piece: cuts inside it move to the next newline
    long_line = " ".join(pool[i % len(pool)] for i in range(3000))
    second = write(tmp_path / "b.txt", "\n".join(lines[200:300] + [long_line] + lines[300:]))
    third = write(tmp_path / "c.gz", gzip.compress("\n".join(lines[::3]).encode()))
    return first, second, third


@pytest.mark.parametrize("workers", [2, 3, 8])
def test_count_on_threads_equals_one_pass(tmp_path, monkeypatch, workers):
    """Plain files cut after newlines into pieces (here of a few hundred bytes, read 7
    bytes at a time), counted by one counter each and merged in order: the same words,
    first-seen order, counts and statistics as one pass, and the same packed ids from
    the merged recordings as from reading the files again. A compressed file among them
    makes the count one pass."""
    from pyw2v import counting

    monkeypatch.setattr(counting, "PARALLEL_MIN_BYTES", 256)
    monkeypatch.setattr(corpus, "CHUNK_BYTES", 7)
    first, second, third = _corpus_files(tmp_path)
    pieces = counting._pieces([first, second], workers, corpus.is_compressed)
    assert 2 <= len(pieces) <= workers
    segments = [segment for piece in pieces for segment in piece]
    assert [s.path for s in segments] == sorted(s.path for s in segments)  # text order
    _assert_cut_after_newlines(segments)
    assert counting._pieces([first, third], workers, corpus.is_compressed) is None
    if os.path.exists(os.devnull):  # not a regular file: read as one stream
        assert counting._pieces([first, os.devnull], workers, corpus.is_compressed) is None
    for paths in ([first, second], [first, second, third]):
        one, many = FileCorpus(paths), FileCorpus(paths)
        c1, cn = one.count(workers=1), many.count(workers=workers)
        assert cn.words == c1.words
        np.testing.assert_array_equal(cn.counts, c1.counts)
        assert (cn.tokens, cn.sentences, cn.invalid_tokens, cn.truncated_tokens) == (
            c1.tokens,
            c1.sentences,
            c1.invalid_tokens,
            c1.truncated_tokens,
        )
        assert many._recording is not None
        vocab = Vocab.from_counts(c1.words, c1.counts, min_count=2)
        from_recordings = many.encode(vocab).packed.tobytes()
        reread = FileCorpus(paths)
        reread.count(memory_budget=0)
        assert from_recordings == reread.encode(vocab).packed.tobytes()


def _assert_cut_after_newlines(segments):
    """Each file's segments cover it once, in order, cut just after newlines."""
    by_path = {}
    for segment in segments:
        by_path.setdefault(segment.path, []).append(segment)
    for path, parts in by_path.items():
        with open(path, "rb") as f:
            raw = f.read()
        assert parts[0].start == 0 and parts[-1].end is None
        for before, after in zip(parts[:-1], parts[1:], strict=True):
            assert before.end == after.start and raw[after.start - 1 : after.start] == b"\n"


def _assert_same_count(paths, workers):
    one, many = FileCorpus(paths), FileCorpus(paths)
    c1, cn = one.count(workers=1), many.count(workers=workers)
    assert cn.words == c1.words
    np.testing.assert_array_equal(cn.counts, c1.counts)
    assert (cn.tokens, cn.sentences) == (c1.tokens, c1.sentences)
    return one, many, c1


def test_count_on_threads_many_small_files(tmp_path, monkeypatch):
    """Hundreds of files make at most `workers` pieces, never cutting a small file (the
    pieces' buffers and counters scale with the threads, not the files), and count as
    one pass does."""
    from pyw2v import counting

    monkeypatch.setattr(counting, "PARALLEL_MIN_BYTES", 256)
    rng = np.random.default_rng(5)
    paths = []
    for i in range(300):
        words = rng.integers(0, 40, size=rng.integers(0, 30))
        text = " ".join(f"w{w}" for w in words) + ("\n" if i % 3 else "")
        paths.append(write(tmp_path / f"f{i:03d}.txt", text))
    big = write(tmp_path / "zz.txt", "\n".join(f"a{i} b{i % 7}" for i in range(400)))
    for files, workers in ((paths, 2), (paths, 3), (paths[:150] + [big] + paths[150:], 3)):
        pieces = counting._pieces(files, workers, corpus.is_compressed)
        assert 2 <= len(pieces) <= workers
        segments = [segment for piece in pieces for segment in piece]
        assert [s.path for s in segments if s.path != big] == [p for p in files if p != big]
        assert all(s.start == 0 and s.end is None for s in segments if s.path != big)
        _assert_cut_after_newlines(segments)
        one, many, c1 = _assert_same_count(files, workers)
        vocab = Vocab.from_counts(c1.words, c1.counts, min_count=1)
        assert many._recording is not None
        assert many.encode(vocab).packed.tobytes() == one.encode(vocab).packed.tobytes()


def test_count_on_threads_file_changed_after_cut(tmp_path, monkeypatch):
    """A file that no longer matches its cut (shorter, or another newline layout) raises
    a ValueError naming it instead of counting words that were never in it."""
    from pyw2v import counting

    monkeypatch.setattr(counting, "PARALLEL_MIN_BYTES", 256)
    path = write(tmp_path / "a.txt", "\n".join(f"alpha{i} beta gamma" for i in range(200)))
    pieces = counting._pieces([path], 2, corpus.is_compressed)
    buf = np.empty(64, np.uint8)
    for shorter in (b"alpha beta\n", b"x" * 5000):
        with open(path, "wb") as f:
            f.write(shorter)
        with pytest.raises(ValueError, match="changed while it was counted"):
            for piece in pieces:
                for segment in piece:
                    list(counting._read_segment(segment, buf))


def test_count_on_threads_reads_files_whose_size_is_unknown(tmp_path, monkeypatch):
    """A file whose reported size is wrong (/proc files report 0) is read to its end."""
    from pyw2v import counting

    if not os.path.exists("/proc/version"):
        pytest.skip("needs /proc")
    monkeypatch.setattr(counting, "PARALLEL_MIN_BYTES", 256)
    first, second, _ = _corpus_files(tmp_path)
    assert os.path.getsize("/proc/version") == 0
    _, _, c1 = _assert_same_count([first, "/proc/version", second], 2)
    assert "Linux" in c1.words


def test_count_piece_stops_when_told(tmp_path):
    """A piece stops at its next chunk once another piece failed or the count was
    interrupted, instead of counting to its end."""
    import queue

    from pyw2v import counting

    path = write(tmp_path / "a.txt", "x y z\n" * 1000)
    buffers = queue.SimpleQueue()
    buffers.put(np.empty(16, np.uint8))
    stop = counting.StopFlag()
    assert not stop.is_set()
    stop.set()
    assert stop.is_set()
    segment = counting._Segment(path, 0, None, os.path.getsize(path))
    with pytest.raises(counting._Cancelled):
        counting._count_piece([segment], 1 << 20, buffers, stop)
    assert buffers.qsize() == 1  # its buffer is back for the next piece


def test_count_with_huge_memory_budget(tmp_path, monkeypatch):
    """A budget beyond int64 means no limit, as before the counter recorded."""
    from pyw2v import counting

    monkeypatch.setattr(counting, "PARALLEL_MIN_BYTES", 256)
    first, second, _ = _corpus_files(tmp_path)
    for workers in (1, 2):
        c = FileCorpus([first, second])
        c.count(memory_budget=1 << 70, workers=workers)
        assert c._recording is not None


def test_count_on_threads_over_budget_reads_again(tmp_path, monkeypatch):
    """With a budget smaller than the text's ids, the pieces drop their recordings and
    encode() reads the files again: the same ids."""
    from pyw2v import counting

    monkeypatch.setattr(counting, "PARALLEL_MIN_BYTES", 256)
    first, second, _ = _corpus_files(tmp_path)
    small = FileCorpus([first, second])
    c = small.count(memory_budget=64, workers=2)
    assert small._recording is None
    vocab = Vocab.from_counts(c.words, c.counts, min_count=2)
    reference = FileCorpus([first, second])
    reference.count()
    assert small.encode(vocab).packed.tobytes() == reference.encode(vocab).packed.tobytes()


def test_counter_merge_rules():
    a, b = counter_feed(b"x y\nz x\n", 3), counter_feed(b"z w\nw\n", 3)
    with pytest.raises(TypeError):
        a.merge(None)
    assert a.merge(b).tolist() == [2, 3]
    words, counts = a.export()
    assert (words, counts.tolist()) == (["x", "y", "z", "w"], [2, 1, 2, 2])
    assert a.stats["tokens"] == 7 and a.stats["sentences"] == 4
    with pytest.raises(ValueError, match="itself"):
        a.merge(a)
    with pytest.raises(ValueError, match="prune"):
        a.merge(counter_feed(b"x\n", 3, max_size=10))


def test_build_vocab_counts_on_the_training_threads(tmp_path, monkeypatch):
    """build_vocab counts a plain file on as many threads as training uses: `workers`,
    or all usable cores for the default workers=0."""
    from pyw2v import Word2Vec, counting, params

    seen = []
    real = counting.count_files

    def spy(paths, max_vocab_size, memory_budget, workers, *rest):
        seen.append(workers)
        return real(paths, max_vocab_size, memory_budget, workers, *rest)

    monkeypatch.setattr(corpus, "count_files", spy)
    monkeypatch.setattr(params, "cpu_count", lambda: 3)
    path = write(tmp_path / "c.txt", SMALL * 20)
    for workers in (0, 1, 2):
        Word2Vec(vector_size=8, min_count=1, workers=workers, progress=False).build_vocab(path)
    assert seen == [3, 1, 2]
