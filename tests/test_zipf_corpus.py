"""The tools for measuring corpora larger than memory: benchmarks/zipf_corpus.py's
synthetic corpus is exact in length, deterministic, and follows its Zipf-Mandelbrot law;
benchmarks/big_corpus.py measures a run in a child process."""

import collections
import importlib.util
import io
import json
import pathlib

import numpy as np
import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"
if not (BENCHMARKS / "zipf_corpus.py").exists():  # an installed copy without them
    pytest.skip("benchmarks/ not present", allow_module_level=True)


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


zc = _load("zipf_corpus")


def write(tokens, **kwargs):
    out = io.BytesIO()
    stats = zc.write_corpus(out, tokens, **kwargs)
    return out.getvalue(), stats


@pytest.mark.parametrize("tokens", [0, 1, 19, 20_000, 150_001])
def test_token_count_is_exact_and_sentences_are_lines(tokens):
    data, (n, sentences, n_bytes) = write(tokens, vocab=1000, chunk_sentences=500)
    lines = data.split(b"\n")
    assert lines[-1] == b""  # the last sentence ends with a newline too
    assert n == tokens == sum(len(line.split()) for line in lines)
    assert sentences == len(lines) - 1 and n_bytes == len(data)
    assert all(line and not line.startswith(b" ") and b"  " not in line for line in lines[:-1])


def test_same_seed_same_bytes_other_seed_other_bytes():
    a, _ = write(30_000, vocab=2000, seed=3, chunk_sentences=300)
    b, _ = write(30_000, vocab=2000, seed=3, chunk_sentences=300)
    c, _ = write(30_000, vocab=2000, seed=4, chunk_sentences=300)
    assert a == b and a != c


def test_words_are_distinct_and_frequent_ones_short():
    words = zc.word_strings(200_000)
    assert len(set(words)) == len(words)
    assert all(w.isascii() and w.isalpha() and w.islower() for w in words)
    lengths = np.array([len(w) for w in words])
    n_syllables = len(zc.syllables())  # ranks below it are one syllable, then two, ...
    assert lengths[:80].max() == 2 and lengths[:n_syllables].max() == 3
    assert lengths[n_syllables:].min() == 4 and lengths.max() <= 9
    with pytest.raises(ValueError, match="vocab must be in 1.."):
        zc.word_strings(0)


def test_alias_table_gives_the_probabilities_exactly():
    """The alias method's probability of i: (accept[i] + sum over j aliased to i of
    1 - accept[j]) / n, computed independently of the construction."""
    p = zc.probabilities(5000, 1.1, 2.7)
    accept, alias = zc.alias_table(p)
    got = accept.copy()
    np.add.at(got, alias, 1.0 - accept)
    np.testing.assert_allclose(got / len(p), p, rtol=1e-9, atol=1e-15)


def test_rank_frequency_follows_zipf_mandelbrot():
    """Each of the 100 most frequent ranks within 5 standard deviations of its expected
    count (binomial; at 5 sigma a correct sampler fails one rank in 1.7 million), and
    the whole distribution within a total variation distance of 0.02 of the law (the
    sampling noise of 400k tokens over 1000 words is about 0.01)."""
    vocab, n = 1000, 400_000
    data, _ = write(n, vocab=vocab, exponent=1.0, shift=2.7, seed=11)
    index = {w.encode(): i for i, w in enumerate(zc.word_strings(vocab))}
    counts = np.zeros(vocab)
    for token in data.split():
        counts[index[token]] += 1
    p = zc.probabilities(vocab, 1.0, 2.7)
    expected = n * p
    sigma = np.sqrt(n * p * (1 - p))
    assert (np.abs(counts[:100] - expected[:100]) <= 5 * sigma[:100]).all()
    assert 0.5 * np.abs(counts / n - p).sum() < 0.02
    # and the law itself: frequency ratio of ranks 1 and 10 is (10 + q) / (1 + q)
    assert counts[0] / counts[9] == pytest.approx((10 + 2.7) / (1 + 2.7), rel=0.05)


def test_big_corpus_measures_a_run_in_a_child_process(tmp_path, capsys):
    """One run end to end: the child's record reaches the table, with the exact token
    count, the ids in a mapped file under a 1 KiB budget, and a peak RSS above the
    model's size (the child holds the model; the parent measured the child)."""
    bc = _load("big_corpus")
    assert bc._size("64M") == 64 << 20 and bc._size("1GiB") == 1 << 30
    assert bc._size("4096") == 4096
    path = tmp_path / "zipf.txt"
    with open(path, "wb") as f:
        zc.write_corpus(f, 30_000, vocab=500)
    out = tmp_path / "records.json"
    assert bc.main([str(path), "--threads", "1", "--memory-budget", "1K", "--json", str(out)]) == 0
    (record,) = json.loads(out.read_text())
    assert record["tokens"] == 30_000 and record["ids_mapped"] is True
    counts = collections.Counter(path.read_bytes().split())
    vocab = sum(c >= 5 for c in counts.values())  # min_count 5
    assert record["vocab"] == vocab and record["model_bytes"] == vocab * 100 * 4 * 2
    assert record["maxrss_bytes"] > record["model_bytes"]
    assert record["words_trained"] == sum(c for c in counts.values() if c >= 5)
    assert record["words_per_s"] > 0
    table = capsys.readouterr().out
    assert f"| zipf.txt | 30,000 | {vocab} |" in table and "mapped file" in table


rc = _load("resample_corpus")


@pytest.mark.parametrize("tokens", [0, 1, 7, 1_000, 25_003])
def test_resampled_corpus_is_exact_deterministic_and_made_of_source_lines(tokens):
    source = b"a b c\n\nd e\nf\ng h i j k\n"
    lines, counts = rc.read_lines(io.BytesIO(source))
    assert lines == [b"a b c", b"d e", b"f", b"g h i j k"] and counts.tolist() == [3, 2, 1, 5]
    out = io.BytesIO()
    n, n_lines = rc.write_resampled(out, lines, counts, tokens, seed=3, chunk_lines=64)
    data = out.getvalue()
    written = data.split(b"\n")
    assert written[-1] == b""  # every line ends with a newline
    assert n == tokens == sum(len(line.split()) for line in written)
    assert n_lines == len(written) - 1
    whole = written[:-2] if tokens else []
    assert all(line in lines for line in whole)  # only the last line may be cut
    if tokens:
        cut = written[-2]
        assert any(line.startswith(cut) for line in lines)
    again = io.BytesIO()
    rc.write_resampled(again, lines, counts, tokens, seed=3, chunk_lines=64)
    assert again.getvalue() == data


def test_resampled_lines_are_drawn_uniformly():
    """Each of 4 source lines is drawn with probability 1/4: over 40,000 lines the counts
    stay within 5 standard deviations of 10,000 (sd = sqrt(40000 * 1/4 * 3/4))."""
    lines = [b"w0", b"w1", b"w2", b"w3"]
    out = io.BytesIO()
    rc.write_resampled(out, lines, np.ones(4, dtype=np.int64), 40_000, seed=5)
    seen = collections.Counter(out.getvalue().split())
    sd = (40_000 * 0.25 * 0.75) ** 0.5
    assert all(abs(seen[w] - 10_000) < 5 * sd for w in lines)


def test_resampling_an_empty_source_is_refused():
    with pytest.raises(ValueError, match="no tokens"):
        rc.read_lines(io.BytesIO(b"\n \n"))
