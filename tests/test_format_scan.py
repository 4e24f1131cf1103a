"""The C row scanner of word2vec.c's binary format (csrc/w2v_format.c) and the loader
built on it: newline layouts, non-ASCII words, cut files, bad rows, `limit=`, and
agreement with a plain-Python reader on random files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyw2v import KeyedVectors, _core, formats
from pyw2v import io as w2v_io

WORDS = ["the", "café", "日本", "x", "naïve", "Ω", "</s>", "a\u00a0b"]


def binary_file(words, vectors, newlines):
    """word2vec binary bytes: `newlines(i)` is the bytes put after row i."""
    vectors = np.asarray(vectors, dtype="<f4")
    out = [b"%d %d\n" % vectors.shape]
    for i, word in enumerate(words):
        raw = word.encode("utf-8") if isinstance(word, str) else word
        out.append(raw + b" " + vectors[i].tobytes() + newlines(i))
    return b"".join(out)


def reference_read(raw, n_rows=None):
    """Plain-Python reader: (words as bytes, vectors, end offset in the body), or the
    index of the first row that does not fit in the file. As word2vec.c and gensim,
    newlines before a word are skipped and a word ends at the first space."""
    header, _, body = raw.partition(b"\n")
    n_words, dim = map(int, header.split())
    words, vectors, pos = [], [], 0
    for row in range(n_words if n_rows is None else n_rows):
        while body[pos : pos + 1] == b"\n":
            pos += 1
        space = body.find(b" ", pos)
        if space < 0 or space + 1 + 4 * dim > len(body):
            return row
        words.append(body[pos:space])
        vectors.append(np.frombuffer(body, dtype="<f4", count=dim, offset=space + 1))
        pos = space + 1 + 4 * dim
    return words, np.array(vectors, dtype=np.float32).reshape(len(words), dim), pos


def scan(raw, n_rows=None):
    """_core.scan_word2vec_binary on a whole file: (words, vectors, end in the body)."""
    header, _, body = raw.partition(b"\n")
    n_words, dim = map(int, header.split())
    n = n_words if n_rows is None else n_rows
    out = np.full((n, dim), -7.0, dtype=np.float32)
    starts, lengths, end = _core.scan_word2vec_binary(body, n, dim, out)
    joined = _core.join_words(body, starts, lengths)
    words = joined.split(b"\n") if n else []
    assert words == [body[s : s + k] for s, k in zip(starts, lengths, strict=True)]
    return words, out, end


def random_vectors(rng, n, dim):
    scale = 10.0 ** rng.integers(-30, 30)
    vectors = (rng.standard_normal((n, dim)) * scale).astype(np.float32)
    specials = np.array([0.0, -0.0, 1e-45, -3.4028235e38, 3.4028235e38], dtype=np.float32)
    mask = rng.random((n, dim)) < 0.1
    vectors[mask] = rng.choice(specials, size=int(mask.sum()))
    return vectors


LAYOUTS = {
    "word2vec.c": lambda i: b"\n",
    "gensim": lambda i: b"",
    "mixed": lambda i: b"\n" if i % 3 else b"",
    "runs": lambda i: b"\n" * (i % 4),
}


# ------------------------------------------------------------------- layouts


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts_read_alike(tmp_path, layout):
    rng = np.random.default_rng(1)
    vectors = random_vectors(rng, len(WORDS), 5)
    raw = binary_file(WORDS, vectors, LAYOUTS[layout])
    words, out, end = scan(raw)
    assert words == [w.encode() for w in WORDS]
    np.testing.assert_array_equal(out, vectors)
    assert (words, end) == reference_read(raw)[::2]
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    kv = w2v_io.load_word2vec_format(path, binary=True)
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, vectors)


def test_vector_bytes_that_look_like_separators(tmp_path):
    # 0x20 (space) and 0x0a (newline) bytes inside vectors are data, not separators
    bits = np.array([[0x20202020, 0x0A0A0A0A, 0x0A200A20]], dtype="<u4")
    vectors = np.repeat(bits.view("<f4"), 3, axis=0)
    for layout in LAYOUTS.values():
        raw = binary_file(["a", "b", "c"], vectors, layout)
        words, out, _ = scan(raw)
        assert words == [b"a", b"b", b"c"]
        np.testing.assert_array_equal(out.view("<u4"), np.repeat(bits, 3, axis=0))


def test_words_with_any_other_bytes(tmp_path):
    words = [b"\t", b"\r", b"\x00\x01", b"\xff\xfe", b"a\rb", "日本".encode()]
    raw = binary_file(words, np.ones((len(words), 2)), LAYOUTS["mixed"])
    assert scan(raw)[0] == words
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    kv = w2v_io.load_word2vec_format(path, binary=True, encoding="latin-1")
    assert kv.index_to_key == [w.decode("latin-1") for w in words]


def test_end_offset_and_what_follows(tmp_path):
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    raw = binary_file(["a", "b", "c"], vectors, LAYOUTS["word2vec.c"])
    body = raw.partition(b"\n")[2]
    assert scan(raw)[2] == len(body) - 1  # the last newline is not part of the rows
    assert scan(raw, n_rows=2)[2] == 2 * (2 + 8 + 1) - 1
    path = tmp_path / "v.bin"
    path.write_bytes(raw + b"\n\n")
    assert len(w2v_io.load_word2vec_format(path, binary=True)) == 3
    path.write_bytes(raw + b"d ")
    with pytest.raises(ValueError, match="follow the 3 rows"):
        w2v_io.load_word2vec_format(path, binary=True)


def test_empty_file_of_rows():
    out = np.empty((0, 4), dtype=np.float32)
    starts, lengths, end = _core.scan_word2vec_binary(b"", 0, 4, out)
    assert (len(starts), len(lengths), end) == (0, 0, 0)
    assert _core.join_words(b"", starts, lengths) == b""


# ------------------------------------------------------------------- bad rows


@pytest.mark.parametrize("layout", ["word2vec.c", "gensim", "runs"])
def test_cut_at_every_byte_names_the_row(tmp_path, layout):
    rng = np.random.default_rng(2)
    words = ["the", "日本", "x", "longer_word"]
    raw = binary_file(words, random_vectors(rng, len(words), 3), LAYOUTS[layout])
    start = raw.index(b"\n") + 1
    path = tmp_path / "v.bin"
    for cut in range(start, len(raw)):
        piece = raw[:cut]
        expected = reference_read(piece)
        if not isinstance(expected, int):  # only the newlines after the last row are gone
            assert scan(piece)[0] == [w.encode() for w in words]
            continue
        with pytest.raises(_core.BinaryRowError) as excinfo:
            scan(piece)
        assert (excinfo.value.row, excinfo.value.problem) == (expected, "truncated"), cut
        assert excinfo.value.scan is None
        assert f"row {expected + 1} of 4 runs past the end" in str(excinfo.value)
        path.write_bytes(piece)
        with pytest.raises(ValueError, match="truncated") as excinfo:
            w2v_io.load_word2vec_format(path, binary=True)
        message = str(excinfo.value)
        assert f"row {expected + 1} of the 4" in message or "can hold (truncated?)" in message


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_rows(tmp_path, value):
    vectors = np.ones((4, 3), dtype=np.float32)
    vectors[2, 1] = value
    vectors[3, 0] = value
    raw = binary_file(["a", "b", "日本", "d"], vectors, LAYOUTS["gensim"])
    with pytest.raises(_core.BinaryRowError, match="row 3 of 4 holds NaN") as excinfo:
        scan(raw)
    error = excinfo.value
    assert (error.row, error.problem) == (2, "non-finite")
    starts, lengths, end = error.scan  # the scan went on to the end
    body = raw.partition(b"\n")[2]
    assert (body[starts[3] : starts[3] + lengths[3]], end) == (b"d", len(body))
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=r"'日本' \(row 3\) holds NaN or infinite"):
        w2v_io.load_word2vec_format(path, binary=True)
    assert len(w2v_io.load_word2vec_format(path, binary=True, limit=2)) == 2
    # a malformed row after a non-finite one is the error reported
    path.write_bytes(raw[:-2])
    with pytest.raises(ValueError, match="truncated: row 4 of the 4"):
        w2v_io.load_word2vec_format(path, binary=True)


def test_huge_finite_values_are_kept(tmp_path):
    vectors = np.array([[3.4028235e38, -3.4028235e38], [1e-45, 0.0]], dtype=np.float32)
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(["a", "b"], vectors, LAYOUTS["word2vec.c"]))
    np.testing.assert_array_equal(w2v_io.load_word2vec_format(path, binary=True).vectors, vectors)


@pytest.mark.parametrize("layout", ["word2vec.c", "gensim"])
def test_empty_word(tmp_path, layout):
    raw = binary_file([b"a", b"", b"ccc"], np.ones((3, 2)), LAYOUTS[layout])
    with pytest.raises(_core.BinaryRowError, match="row 2 of 3 has an empty word") as excinfo:
        scan(raw)
    assert (excinfo.value.row, excinfo.value.problem) == (1, "empty word")
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match="row 2 has an empty word"):
        w2v_io.load_word2vec_format(path, binary=True)
    assert w2v_io.load_word2vec_format(path, binary=True, limit=1).index_to_key == ["a"]


def test_word_decoding_to_nothing_is_empty(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file([b"a", b"\xff"], np.ones((2, 2)), LAYOUTS["gensim"]))
    with pytest.raises(ValueError, match="row 2 has an empty word"):
        w2v_io.load_word2vec_format(path, binary=True, unicode_errors="ignore")


def test_newline_inside_a_word(tmp_path):
    raw = binary_file([b"a", b"b\nc"], np.ones((2, 2)), LAYOUTS["word2vec.c"])
    with pytest.raises(_core.BinaryRowError, match="holding a newline") as excinfo:
        scan(raw)
    assert (excinfo.value.row, excinfo.value.problem) == (1, "newline in word")
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match="row 2 has a word holding a newline"):
        w2v_io.load_word2vec_format(path, binary=True)


def test_word_length_bound(tmp_path):
    longest = _core.MAX_WORD_BYTES
    raw = binary_file([b"a", b"w" * longest], np.ones((2, 2)), LAYOUTS["gensim"])
    assert scan(raw)[0][1] == b"w" * longest
    raw = binary_file([b"a", b"w" * (longest + 1)], np.ones((2, 2)), LAYOUTS["gensim"])
    with pytest.raises(_core.BinaryRowError, match="longer than") as excinfo:
        scan(raw)
    assert (excinfo.value.row, excinfo.value.problem) == (1, "long word")
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=f"row 2 has a word longer than {longest} bytes"):
        w2v_io.load_word2vec_format(path, binary=True)
    # without a space in reach, a long run of bytes is a long word, a short one a cut row
    out = np.empty((1, 1), dtype=np.float32)
    with pytest.raises(_core.BinaryRowError, match="longer than"):
        _core.scan_word2vec_binary(b"x" * (longest + 1), 1, 1, out)
    with pytest.raises(_core.BinaryRowError, match="runs past the end"):
        _core.scan_word2vec_binary(b"x" * longest, 1, 1, out)


def test_header_vector_size_too_small(tmp_path):
    raw = binary_file(WORDS, np.ones((len(WORDS), 6)), LAYOUTS["word2vec.c"])
    path = tmp_path / "v.bin"
    path.write_bytes(b"%d 2" % len(WORDS) + raw[raw.index(b"\n") :])
    with pytest.raises(ValueError, match="v.bin"):
        w2v_io.load_word2vec_format(path, binary=True)


def test_bad_arguments():
    out = np.empty((2, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="shape"):
        _core.scan_word2vec_binary(b"a " + bytes(12), 1, 3, out)
    with pytest.raises(ValueError, match="dim"):
        _core.scan_word2vec_binary(b"", 0, 0, np.empty((0, 0), dtype=np.float32))
    with pytest.raises(ValueError):  # not float32
        _core.scan_word2vec_binary(b"", 0, 3, np.empty((0, 3), dtype=np.float64))
    with pytest.raises(ValueError, match="outside"):
        _core.join_words(b"abc", np.array([2]), np.array([2]))
    with pytest.raises(ValueError, match="differ"):
        _core.join_words(b"abc", np.array([0]), np.array([1, 1]))


# ------------------------------------------------------------------- the loader


def test_limit_reads_only_the_first_rows(tmp_path):
    rng = np.random.default_rng(3)
    vectors = random_vectors(rng, len(WORDS), 4)
    raw = binary_file(WORDS, vectors, LAYOUTS["mixed"])
    path = tmp_path / "v.bin"
    path.write_bytes(raw[: len(raw) // 2] + b"garbage")
    for limit in (0, 1, 3):
        kv = w2v_io.load_word2vec_format(path, binary=True, limit=limit)
        assert kv.index_to_key == WORDS[:limit]
        np.testing.assert_array_equal(kv.vectors, vectors[:limit])
        assert kv.vectors.shape == (limit, 4)
    with pytest.raises(ValueError, match="truncated"):
        w2v_io.load_word2vec_format(path, binary=True)


def test_words_in_an_encoding_without_ascii_newlines(tmp_path):
    words = ["ab", "日本", "é"]
    path = tmp_path / "v.bin"
    encoded = [w.encode("utf-16-le") for w in words]
    path.write_bytes(binary_file(encoded, np.ones((3, 2)), LAYOUTS["gensim"]))
    kv = w2v_io.load_word2vec_format(path, binary=True, encoding="utf-16-le")
    assert kv.index_to_key == words
    path.write_bytes(binary_file([b"a\x00", b"\x00\xd8"], np.ones((2, 2)), LAYOUTS["gensim"]))
    with pytest.raises(ValueError, match="row 2 is not valid utf-16-le"):
        w2v_io.load_word2vec_format(
            path, binary=True, encoding="utf-16-le", unicode_errors="strict"
        )


def test_invalid_utf8_policy_and_repeated_words(tmp_path):
    path = tmp_path / "v.bin"
    words = [b"ok", b"caf\xe9", b"b", b"caf\xff", b"ok"]
    path.write_bytes(binary_file(words, np.arange(10).reshape(5, 2), LAYOUTS["mixed"]))
    with pytest.warns(UserWarning, match="2 rows repeat an earlier word"):
        kv = w2v_io.load_word2vec_format(path, binary=True)
    assert kv.index_to_key == ["ok", "caf\ufffd", "b"]
    np.testing.assert_array_equal(kv.vectors, [[0, 1], [2, 3], [4, 5]])
    assert kv.key_to_index == {"ok": 0, "caf\ufffd": 1, "b": 2}
    with pytest.raises(ValueError, match="row 2 is not valid utf-8"):
        w2v_io.load_word2vec_format(path, binary=True, unicode_errors="strict")


def test_loaded_key_to_index_is_a_plain_dict(tmp_path):
    kv = KeyedVectors(np.eye(3, dtype=np.float32), ["a", "b", "日本"])
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    loaded = w2v_io.load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert "日本" in loaded and "z" not in loaded
    assert type(loaded.key_to_index) is dict
    assert loaded.key_to_index == kv.key_to_index
    assert loaded.key_to_index is loaded.key_to_index  # built once
    loaded.key_to_index = {"a": 0}
    assert "b" not in loaded
    with pytest.raises(ValueError, match="twice"):
        KeyedVectors(np.eye(2, dtype=np.float32), ["a", "a"])


# ------------------------------------------------------------ random files


@st.composite
def random_files(draw):
    words = draw(
        st.lists(
            st.text(
                st.characters(blacklist_characters=" \n", blacklist_categories=["Cs"]),
                min_size=1,
                max_size=12,
            ),
            max_size=30,
            unique=True,
        )
    )
    dim = draw(st.integers(1, 9))
    seed = draw(st.integers(0, 2**32 - 1))
    gaps = draw(st.lists(st.integers(0, 2), min_size=len(words), max_size=len(words)))
    vectors = random_vectors(np.random.default_rng(seed), len(words), dim)
    raw = binary_file(words, vectors, lambda i: b"\n" * gaps[i])
    return words, vectors, raw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_files())
def test_random_files_match_the_reference(tmp_path_factory, case):
    words, vectors, raw = case
    ref_words, ref_vectors, ref_end = reference_read(raw)
    got_words, got_vectors, got_end = scan(raw)
    assert (got_words, got_end) == (ref_words, ref_end)
    np.testing.assert_array_equal(got_vectors, ref_vectors)
    path = tmp_path_factory.mktemp("random") / "v.bin"
    path.write_bytes(raw)
    kv = w2v_io.load_word2vec_format(path, binary=True)
    assert kv.index_to_key == [w.decode("utf-8", "replace") for w in ref_words] == words
    np.testing.assert_array_equal(kv.vectors, ref_vectors)
    assert kv.vectors.shape == (len(words), vectors.shape[1])


@pytest.mark.parametrize("threads", [False, True], ids=["one-pass", "threads"])
def test_bigger_random_file_matches_the_reference(tmp_path, monkeypatch, threads):
    # big files are scanned first, then copied by helper threads while words are decoded
    monkeypatch.setattr(formats, "_PARALLEL_BYTES", 0 if threads else 1 << 62)
    monkeypatch.setattr(formats, "cpu_count", lambda: 4)
    rng = np.random.default_rng(4)
    n, dim = 3001, 50
    words = [f"w{i}{'é' * (i % 3)}" for i in range(n)]
    vectors = random_vectors(rng, n, dim)
    gaps = rng.integers(0, 2, size=n)
    raw = binary_file(words, vectors, lambda i: b"\n" * gaps[i])
    ref_words, ref_vectors, _ = reference_read(raw)
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    kv = w2v_io.load_word2vec_format(path, binary=True)
    assert kv.index_to_key == [w.decode() for w in ref_words] == words
    np.testing.assert_array_equal(kv.vectors, ref_vectors)
    for bad_rows in ([2999], [1500, 2999], [7, 2500]):
        broken = vectors.copy()
        broken[bad_rows, 3] = np.nan
        path.write_bytes(binary_file(words, broken, lambda i: b"\n" * gaps[i]))
        row = bad_rows[0]
        with pytest.raises(ValueError, match=rf"'{words[row]}' \(row {row + 1}\) holds NaN"):
            w2v_io.load_word2vec_format(path, binary=True)


def test_copy_after_finding_the_rows():
    rng = np.random.default_rng(5)
    vectors = random_vectors(rng, 6, 4)
    vectors[4, 0] = np.inf
    body = binary_file(WORDS[:6], vectors, LAYOUTS["runs"]).partition(b"\n")[2]
    starts, lengths, end = _core.scan_word2vec_binary(body, 6, 4)
    assert end == len(body) - 1
    out = np.zeros((6, 4), dtype=np.float32)
    assert _core.copy_word2vec_vectors(body, starts[:3], lengths[:3], out[:3]) == -1
    assert _core.copy_word2vec_vectors(body, starts[3:], lengths[3:], out[3:]) == 1
    np.testing.assert_array_equal(out, vectors)
    with pytest.raises(ValueError, match="outside"):
        _core.copy_word2vec_vectors(body[: end - 1], starts, lengths, out)
    with pytest.raises(ValueError, match="one entry per row"):
        _core.copy_word2vec_vectors(body, starts, lengths, out[:2])
