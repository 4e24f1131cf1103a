"""Packed token ids (csrc/packed.h): the byte code the trainer reads, its round trip,
its errors, and the thread chunks cut on it."""

import numpy as np
import pytest

from pyw2v import Word2Vec, _core
from pyw2v.corpus import pack_ids

# The code's ranges, as csrc/packed.h describes them: lead bytes 0x00-0xBF are 1-byte
# ids, 48 leads 0xC0-0xEF take one more byte, 14 leads 0xF0-0xFD two more, 0xFE four.
LIMIT1 = 0xC0
LIMIT2 = LIMIT1 + 48 * 256
LIMIT3 = LIMIT2 + 14 * 65536
EDGES = [0, 1, LIMIT1 - 1, LIMIT1, LIMIT2 - 1, LIMIT2, LIMIT3 - 1, LIMIT3, 2**31 - 1]


def width(i):
    return 1 if i < LIMIT1 else 2 if i < LIMIT2 else 3 if i < LIMIT3 else 5


def pack_raw(ids):
    ids = np.asarray(ids, dtype=np.int32)
    out = np.empty(5 * len(ids), dtype=np.uint8)
    return out[: _core.pack_ids(ids, out, 0)]


def test_widths_follow_the_ranges():
    n = LIMIT3 + 10
    expected = np.array([width(i) for i in range(0, n, 97)])
    np.testing.assert_array_equal(_core.packed_widths(n)[::97], expected)
    for i in EDGES:
        assert len(pack_raw([i])) == width(i)
    assert pack_raw([-1]).tolist() == [0xFF]


def test_codes_at_the_range_edges():
    """The byte layout of packed.h: lead byte, then the low bytes little-endian."""
    assert pack_raw([LIMIT1 - 1]).tolist() == [0xBF]
    assert pack_raw([LIMIT1]).tolist() == [0xC0, 0x00]
    assert pack_raw([LIMIT2 - 1]).tolist() == [0xEF, 0xFF]
    assert pack_raw([LIMIT2]).tolist() == [0xF0, 0x00, 0x00]
    assert pack_raw([LIMIT2 + 0x10203]).tolist() == [0xF1, 0x03, 0x02]
    assert pack_raw([LIMIT3 - 1]).tolist() == [0xFD, 0xFF, 0xFF]
    assert pack_raw([0x12345678]).tolist() == [0xFE, 0x78, 0x56, 0x34, 0x12]


def test_round_trip_of_random_ids_of_every_width():
    rng = np.random.default_rng(5)
    ids = np.concatenate(
        [
            EDGES,
            rng.integers(0, LIMIT1, 300),
            rng.integers(LIMIT1, LIMIT2, 300),
            rng.integers(LIMIT2, LIMIT3, 300),
            rng.integers(LIMIT3, 2**31, 300),
            np.full(50, -1),
        ]
    ).astype(np.int32)
    rng.shuffle(ids)
    packed = pack_raw(ids)
    assert len(packed) == sum(width(i) if i >= 0 else 1 for i in ids)
    np.testing.assert_array_equal(_core.unpack_ids(packed), ids)
    with pytest.raises(ValueError, match="out of range"):  # the id 2**31-1 is in it
        _core.packed_stats(packed, 2**31 - 1)
    below = ids[ids < 2**31 - 1]
    assert _core.packed_stats(pack_raw(below), 2**31 - 1) == (len(below) - 50, 50)


def test_pack_ids_sizes_its_output_exactly_and_checks_the_range():
    ids = np.array([0, 300, -1, 20000, 5, -1], dtype=np.int32)
    packed = pack_ids(ids, 20001)
    assert len(packed) == 1 + 2 + 1 + 3 + 1 + 1
    np.testing.assert_array_equal(_core.unpack_ids(packed), ids)
    with pytest.raises(ValueError, match=r"-1\.\.19999"):
        pack_ids(ids, 20000)
    with pytest.raises(ValueError, match=r"-1\.\.20000"):
        pack_ids(np.array([-2], dtype=np.int32), 20001)


def test_pack_reports_a_full_buffer_and_a_bad_id():
    out = np.empty(2, dtype=np.uint8)
    assert _core.pack_ids(np.array([LIMIT1, 0], dtype=np.int32), out, 0) == -1
    assert _core.pack_ids(np.array([LIMIT1], dtype=np.int32), out, 0) == 2
    with pytest.raises(ValueError, match=">= -1"):
        _core.pack_ids(np.array([-5], dtype=np.int32), out, 0)
    with pytest.raises(ValueError, match="n_out"):
        _core.pack_ids(np.array([0], dtype=np.int32), out, 3)


@pytest.mark.parametrize(
    "corrupt",
    [[0xC0], [0xEF], [0xF0, 0x01], [0xFD], [0xFE, 1, 2, 3], [0xFE, 0, 0, 0, 0x80]],
    ids=["2-byte cut", "2-byte cut b", "3-byte cut", "3-byte cut b", "5-byte cut", "above int32"],
)
def test_corrupt_bytes_are_a_value_error(corrupt):
    data = np.array([1, 0xFF] + corrupt, dtype=np.uint8)
    with pytest.raises(ValueError, match="corrupt"):
        _core.unpack_ids(data)
    with pytest.raises(ValueError, match="corrupt"):
        _core.packed_stats(data, 10)


def trainer(vocab_size, workers=1):
    d = 8
    rng = np.random.default_rng(0)
    in_vecs = rng.uniform(-0.1, 0.1, (vocab_size, d)).astype(np.float32)
    out_vecs = np.zeros((vocab_size, d), dtype=np.float32)
    keep = np.ones(vocab_size, dtype=np.float32)
    counts = np.arange(vocab_size, 0, -1, dtype=np.int64)
    return _core.Trainer(in_vecs, out_vecs, keep, counts, 0.75, 2, 3, True, False, workers, 1)


def test_trainer_rejects_corrupt_or_out_of_range_bytes_without_training():
    t = trainer(300)
    with pytest.raises(ValueError, match="corrupt"):
        t.train_epoch(np.array([1, 2, 0xC0], dtype=np.uint8), 0, 0.05, 0.0001, 0, 10)
    with pytest.raises(ValueError, match="out of range"):
        t.train_epoch(pack_raw([1, 2, 300, -1]), 0, 0.05, 0.0001, 0, 10)
    stopped, words, examples, _ = t.train_epoch(pack_raw([1, 299, -1]), 0, 0.05, 0.0001, 0, 3)
    assert (stopped, words, examples) == (False, 2, 2)


@pytest.mark.parametrize(
    ("workers", "n_sentences"), [(1, 400), (2, 400), (3, 400), (5, 400), (2, 8000)]
)
def test_thread_chunks_cover_every_sentence_once(workers, n_sentences):
    """The corpus is cut at sentence ends, by word count, into chunks the threads take
    in turn (4 per thread, or one per 16384 words when that is more: the last case):
    every word is read once (no sentence lost or read twice at a cut) and every
    sentence of n >= 2 words gives n positive examples (no sentence split at a cut).
    Sentence lengths vary, and ids use every code width."""
    rng = np.random.default_rng(workers)
    lengths = rng.integers(1, 40, size=n_sentences)
    vocab_size = LIMIT2 + 50
    ids = []
    for n in lengths:
        ids.extend(rng.integers(0, vocab_size, size=n).tolist() + [-1])
    t = trainer(vocab_size, workers)
    stopped, words, examples, _ = t.train_epoch(
        pack_raw(ids), 0, 0.05, 0.0001, 0, int(lengths.sum())
    )
    assert not stopped
    assert words == lengths.sum()
    assert examples == lengths[lengths >= 2].sum()


def test_more_threads_than_sentences():
    sentences = [["a", "b", "c"], ["c", "b"]]
    model = Word2Vec(vector_size=8, min_count=1, sample=0, workers=4, seed=1, progress=False)
    model.build_vocab(sentences)
    assert model.train(sentences, epochs=2) == (10, 10)


def test_checked_once_for_a_read_only_array_and_every_epoch_for_a_writeable_one():
    """The trainer reuses its check and cuts of a read-only array across epochs; a
    writeable array could change between epochs, so it is checked again each time."""
    t = trainer(300, workers=2)
    ids = [1, 2, 3, -1, 4, 5, -1, 6, 7, 8, -1]
    writeable = pack_raw(ids)
    assert t.train_epoch(writeable, 0, 0.05, 0.0001, 0, 8)[1] == 8
    writeable[-1] = 0xC0  # the last code is now a cut-off 2-byte one
    with pytest.raises(ValueError, match="corrupt"):
        t.train_epoch(writeable, 1, 0.05, 0.0001, 0, 8)

    frozen = pack_raw(ids)
    frozen.flags.writeable = False
    other = pack_raw([9, 9, -1] * 3 + [9, -1])  # another array of the same length
    other.flags.writeable = False
    assert len(other) == len(frozen)
    for epoch in range(3):
        assert t.train_epoch(frozen, epoch, 0.05, 0.0001, 0, 8)[1:3] == (8, 8)
        assert t.train_epoch(other, epoch, 0.05, 0.0001, 0, 7)[1:3] == (7, 6)
    assert t.train_epoch(pack_raw([1, 2, -1]), 9, 0.05, 0.0001, 0, 2)[1:3] == (2, 2)


def test_encoded_corpus_is_read_only(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c\nb c\n")
    model = Word2Vec(vector_size=8, min_count=1, workers=2, seed=1, progress=False)
    model.build_vocab(str(path))
    model.train(str(path))
    assert not model._encoded[1].packed.flags.writeable


def test_remap_matches_a_numpy_reference():
    """remap_ids decodes, maps (new id of each old id, -1 drops it), re-encodes, and
    keeps a sentence end only after a sentence that kept a word: checked against the
    same done on int32 arrays, with ids of every code width on both sides."""
    rng = np.random.default_rng(5)
    n_old = LIMIT3 + 20
    old = rng.choice(np.array(EDGES[:-1] + [LIMIT3 + 5]), size=3000).astype(np.int32)
    old[rng.random(3000) < 0.15] = -1
    id_map = rng.integers(-1, LIMIT3 + 100, size=n_old).astype(np.int32)
    id_map[rng.random(n_old) < 0.3] = -1
    want, open_sentence = [], False
    for i in old.tolist():
        if i >= 0 and id_map[i] >= 0:
            want.append(int(id_map[i]))
            open_sentence = True
        elif i < 0 and open_sentence:
            want.append(-1)
            open_sentence = False
    src = pack_raw(old)
    out = np.empty(5 * len(old), dtype=np.uint8)
    n = _core.remap_ids(src, id_map, out, 0)
    assert out[:n].tobytes() == pack_raw(want).tobytes()
    assert _core.remap_ids(src, id_map, out[: n - 1], 0) == -1  # does not fit
    with pytest.raises(ValueError, match="outside the map"):
        _core.remap_ids(src, id_map[:LIMIT1], out, 0)
    with pytest.raises(ValueError, match="corrupt"):
        _core.remap_ids(np.array([1, 0xC0], np.uint8), id_map, out, 0)
