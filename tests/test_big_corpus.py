"""Corpora larger than memory: encoded ids above memory_budget go to a memory-mapped
temporary file, train to the same vectors as in memory, and the readers of such a file
release the pages they have read, so that resident memory follows the model and not the
corpus."""

import mmap
import os

import numpy as np
import pytest

from pyw2v import Word2Vec, _core
from pyw2v.corpus import FileCorpus, pack_ids, pack_within_budget
from pyw2v.vocab import Vocab

MiB = 1 << 20
RELEASE_BYTES = 2 * MiB  # W2V_RELEASE_BYTES (csrc/packed.h)
KW = dict(vector_size=16, window=3, negative=3, min_count=2, epochs=2, workers=1, seed=7)
KW.update(progress=False)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    from corpora import zipf_corpus

    path = tmp_path_factory.mktemp("big") / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in zipf_corpus(1500, vocab=400, length=15)))
    return str(path)


def test_tiny_budget_maps_the_ids_and_trains_the_same_vectors(corpus_file):
    """One thread, one seed: the ids in a mapped file train exactly as in memory (the
    released pages are read again from the file, unchanged)."""
    in_memory = Word2Vec(corpus_file=corpus_file, **KW)
    mapped = Word2Vec(corpus_file=corpus_file, memory_budget=1024, **KW)
    assert not isinstance(in_memory._encoded[1].packed, np.memmap)
    packed = mapped._encoded[1].packed
    assert isinstance(packed, np.memmap) and packed.nbytes > 1024
    np.testing.assert_array_equal(packed, in_memory._encoded[1].packed)
    np.testing.assert_array_equal(mapped.wv.vectors, in_memory.wv.vectors)
    np.testing.assert_array_equal(mapped.syn1neg, in_memory.syn1neg)
    assert mapped.epoch_losses == in_memory.epoch_losses


def test_pack_within_budget_keeps_small_ids_in_memory_and_maps_large_ones():
    rng = np.random.default_rng(0)
    ids = rng.integers(-1, 20_000, size=50_000).astype(np.int32)
    chunks = np.array_split(ids, 7)
    expected = pack_ids(ids, 20_000)
    small = pack_within_budget(iter(chunks), len(expected))
    large = pack_within_budget(iter(chunks), len(expected) - 1)
    assert type(small) is np.ndarray and isinstance(large, np.memmap)
    np.testing.assert_array_equal(small, expected)
    np.testing.assert_array_equal(large, expected)
    assert len(pack_within_budget(iter([]), 0)) == 0


def _resident_bytes(array: np.ndarray) -> int:
    """Rss of the mapping holding `array`, from /proc/self/smaps."""
    start = array.__array_interface__["data"][0]
    with open("/proc/self/smaps") as f:
        inside = False
        for line in f:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                inside = lo <= start < hi
            elif inside and head == "Rss:":
                return int(line.split()[1]) * 1024
    raise AssertionError("mapping not found")


needs_smaps = pytest.mark.skipif(
    not os.path.exists("/proc/self/smaps") or not hasattr(mmap, "MADV_DONTNEED"),
    reason="needs Linux's /proc/self/smaps",
)


@pytest.fixture
def mapped_zeros(tmp_path):
    """16 x RELEASE_BYTES of packed ids (id 0, and a sentence end every 1000 bytes) in a
    file, memory-mapped read-only."""
    data = np.zeros(16 * RELEASE_BYTES, dtype=np.uint8)
    data[999::1000] = 0xFF
    data[-1] = 0xFF
    path = tmp_path / "ids.bin"
    data.tofile(path)
    return np.memmap(path, dtype=np.uint8, mode="r"), data


@needs_smaps
def test_scans_of_a_mapped_file_release_the_pages_they_read(mapped_zeros):
    mapped, data = mapped_zeros
    np.asarray(mapped).sum()  # numpy's read keeps every page resident
    assert _resident_bytes(mapped) >= len(data) - MiB
    _core.packed_stats(mapped, 1)  # reads everything once more, releasing
    assert _resident_bytes(mapped) <= 2 * MiB
    mapped.sum()
    n_words, n_sentences = _core.packed_stats(mapped, 1)
    cuts, words = _core.packed_cuts(mapped, n_words, 3)
    assert _resident_bytes(mapped) <= 2 * MiB
    assert (n_words, n_sentences) == (len(data) - (data == 0xFF).sum(), (data == 0xFF).sum())
    assert words.sum() == n_words and cuts[-1] == len(data)


def _status_bytes(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(key)


def _reset_peak():
    """Resets VmHWM to the current RSS (Linux >= 4.0); False where that is refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return _status_bytes("VmHWM") <= _status_bytes("VmRSS") + MiB


@needs_smaps
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_training_on_a_mapped_file_releases_the_pages_it_read(mapped_zeros, workers):
    """The peak, not only the end: with several threads on small neighbouring chunks,
    pages released by one thread come back when another faults next to them (the kernel
    maps pages around a fault), so release must trail the slowest thread. The peak
    resident memory while training on 32 MiB of mapped ids stays within a few release
    steps (it was the whole file before pages were released; when each thread released
    its own chunks, half of a 100M-token corpus's ids stayed resident)."""
    mapped, data = mapped_zeros
    keep = np.array([0.001, 1.0], dtype=np.float32)  # id 0 nearly always subsampled away
    vecs = np.full((2, 8), 0.01, dtype=np.float32)
    trainer = _core.Trainer(
        vecs, np.zeros((2, 8), np.float32), keep, np.array([10, 1]), 0.75, 2, 2, True, False,
        workers, 1,
    )  # fmt: skip
    n_words = int((data == 0).sum())
    _core.packed_stats(mapped, 1)  # nothing of the file resident
    if not _reset_peak():
        pytest.skip("cannot reset the peak resident memory (/proc/self/clear_refs)")
    before = _status_bytes("VmRSS")
    _, words, _, _ = trainer.train_epoch(mapped, 0, 0.05, 0.0001, 0, 1)
    peak = _status_bytes("VmHWM") - before
    assert words == n_words
    assert peak <= (2 * workers + 3) * RELEASE_BYTES
    assert _resident_bytes(mapped) <= 2 * MiB


def test_memory_other_than_a_read_only_file_mapping_is_never_released(tmp_path):
    """Releasing pages zeroes anonymous memory and drops the changes of a copy-on-write
    mapping: neither may be released, whatever it holds."""
    data = np.full(6 * RELEASE_BYTES, 5, dtype=np.uint8)
    data[::100] = 0xFF
    path = tmp_path / "ids.bin"
    data.tofile(path)
    private = np.memmap(path, dtype=np.uint8, mode="c")
    private[1::100] = 7  # changes only this process sees
    expected = np.array(private)
    for array in (data, private):
        n_words, _ = _core.packed_stats(array, 10)
        _core.packed_cuts(array, n_words, 4)
        np.testing.assert_array_equal(array, expected if array is private else data)
    assert (np.asarray(private)[1::100] == 7).all()


def test_packed_cuts_refuses_bad_slice_counts():
    packed = np.array([1, 0xFF], dtype=np.uint8)
    with pytest.raises(ValueError, match="n_slices must be in 1.."):
        _core.packed_cuts(packed, 1, 0)
    with pytest.raises(ValueError, match="n_words must be in 0.."):
        _core.packed_cuts(packed, -1, 2)
    with pytest.raises(ValueError, match="corrupt"):
        _core.packed_cuts(np.array([1, 0xC0], dtype=np.uint8), 1, 2)


def test_encode_with_tiny_budget_equals_in_memory(corpus_file):
    corpus = FileCorpus([corpus_file])
    counted = corpus.count()
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=2)
    whole = corpus.encode(vocab)
    mapped = FileCorpus([corpus_file]).encode(vocab, memory_budget=100)
    assert isinstance(mapped.packed, np.memmap)
    np.testing.assert_array_equal(mapped.packed, whole.packed)
    assert (mapped.n_words, mapped.n_sentences) == (whole.n_words, whole.n_sentences)
