"""benchmarks/zipf_corpus.py: the synthetic corpus for measuring corpora larger than
memory is exact in length, deterministic, and follows its Zipf-Mandelbrot law."""

import importlib.util
import io
import pathlib

import numpy as np
import pytest

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "zipf_corpus.py"
if not SCRIPT.exists():  # tests run from an installed copy without the benchmarks
    pytest.skip("benchmarks/zipf_corpus.py not present", allow_module_level=True)
spec = importlib.util.spec_from_file_location("zipf_corpus", SCRIPT)
zc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zc)


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
