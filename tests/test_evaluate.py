"""Analogy and word-pair evaluation, and the richer KeyedVectors queries: hand-made files and
vectors whose answers are known by construction, the batched analogy solver against the
per-question definition, the statistics against closed forms / scipy, and (marked interop)
the same numbers as gensim 4.4 on the same vectors."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pyw2v import KeyedVectors, evaluate

try:
    from scipy import special as scipy_special
    from scipy import stats as scipy_stats
except ImportError:
    scipy_special = scipy_stats = None
needs_scipy = pytest.mark.skipif(scipy_stats is None, reason="needs scipy")

DATA = Path(__file__).parent / "data"
ANALOGIES = DATA / "eval-analogies.txt"
PAIRS = DATA / "eval-word-pairs.txt"
SHARED_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"

# ------------------------------------------------------------------ hand-made vectors

# Axes 0-3: which city / country; 4: a city; 5: a country; 6-8: man / king / boy; 9: male;
# 10: female; 11: "the". Every vector has two unit components, so b^ + c^ - a^ of each
# analogy in eval-analogies.txt lands exactly on one word (cosine 1) -- except the last
# family question, whose expected answer is wrong on purpose.
AXES = {
    "the": [11],
    "Athens": [0, 4],
    "Greece": [0, 5],
    "Paris": [1, 4],
    "France": [1, 5],
    "Berlin": [2, 4],
    "Germany": [2, 5],
    "man": [6, 9],
    "woman": [6, 10],
    "king": [7, 9],
    "queen": [7, 10],
    "boy": [8, 9],
    "girl": [8, 10],
    "athens": [11, 4],  # another spelling, less frequent than "Athens"
    "Rome": [3, 4],
    "Italy": [3, 5],
}


def hand_kv() -> KeyedVectors:
    vectors = np.zeros((len(AXES), 12), dtype=np.float32)
    for row, axes in enumerate(AXES.values()):
        vectors[row, axes] = 1.0
    return KeyedVectors(vectors, list(AXES))


def quads(section):
    return [" ".join(q) for q in section["correct"]], [" ".join(q) for q in section["incorrect"]]


def test_analogies_sections_and_accuracy():
    score, sections = hand_kv().evaluate_word_analogies(ANALOGIES)
    names = [s["section"] for s in sections]
    assert names == [
        "capital-common-countries",
        "family",
        "empty-section",
        "gram-unknown",
        "Total accuracy",
    ]
    assert all(set(s) == {"section", "correct", "incorrect", "skipped"} for s in sections)
    capital, family, empty, unknown, total = sections
    assert quads(capital) == (
        [
            "ATHENS GREECE PARIS FRANCE",
            "PARIS FRANCE BERLIN GERMANY",
            "BERLIN GERMANY ATHENS GREECE",
            "ATHENS GREECE BERLIN GERMANY",  # the lower-case line, folded
            "ATHENS GREECE ROME ITALY",
        ],
        [],
    )
    assert capital["skipped"] == 1  # Atlantis; the five-word line is not a question
    assert quads(family) == (
        ["MAN WOMAN KING QUEEN", "MAN WOMAN BOY GIRL", "KING QUEEN MAN WOMAN"],
        ["MAN WOMAN KING GIRL"],
    )
    assert family["skipped"] == 0
    assert (empty["correct"], empty["incorrect"], empty["skipped"]) == ([], [], 0)
    assert (unknown["correct"], unknown["incorrect"], unknown["skipped"]) == ([], [], 1)
    assert len(total["correct"]) == 8 and len(total["incorrect"]) == 1
    assert total["skipped"] == 2
    assert total["correct"] == capital["correct"] + family["correct"]
    assert score == pytest.approx(8 / 9)
    assert isinstance(score, float)
    assert all(isinstance(q, tuple) and len(q) == 4 for q in total["correct"])


def test_analogies_restrict_vocab_skips_rare_words():
    kv = hand_kv()
    score, sections = kv.evaluate_word_analogies(ANALOGIES, restrict_vocab=14)  # no Rome, Italy
    assert sections[0]["skipped"] == 2
    assert "ATHENS GREECE ROME ITALY" not in quads(sections[-1])[0]
    assert sections[-1]["skipped"] == 3
    assert score == pytest.approx(7 / 8)
    # a restricted vocabulary too small for the first section: everything there skipped
    _, sections = kv.evaluate_word_analogies(ANALOGIES, restrict_vocab=4)  # no France
    assert sections[0]["skipped"] == 6 and not sections[0]["correct"]
    # None means the whole vocabulary
    assert kv.evaluate_word_analogies(ANALOGIES, restrict_vocab=None)[0] == pytest.approx(8 / 9)


def test_analogies_dummy4unknown_counts_unknown_as_wrong():
    score, sections = hand_kv().evaluate_word_analogies(ANALOGIES, dummy4unknown=True)
    total = sections[-1]
    assert total["skipped"] == 0
    assert len(total["correct"]) == 8 and len(total["incorrect"]) == 3
    assert ("ATLANTIS", "NOWHERE", "LEMURIA", "MU") in total["incorrect"]
    assert score == pytest.approx(8 / 11)


def test_analogies_case_sensitive():
    score, sections = hand_kv().evaluate_word_analogies(ANALOGIES, case_insensitive=False)
    capital = sections[0]
    # "athens greece berlin germany": only "athens" is spelled so in the vocabulary
    assert capital["skipped"] == 2
    assert ("Athens", "Greece", "Paris", "France") in capital["correct"]
    assert score == pytest.approx(7 / 8)


def crowded_kv(fifth: str) -> KeyedVectors:
    """Athens : Greece :: Paris : ? with France moved away, and five spellings of question
    words lying closer to b^ + c^ - a^ than any other word, `fifth` the furthest of them."""
    base = hand_kv()
    normed = base.get_normed_vectors()
    query = normed[2] + normed[3] - normed[1]
    spellings = ["paris", "PARIS", "GREECE", "greece", fifth]
    rows = np.zeros((len(base) + 5, 17), dtype=np.float32)
    rows[: len(base), :12] = normed
    rows[base.get_index("France"), :12] = normed[0]  # France becomes "the"
    for i in range(5):
        rows[len(base) + i, :12] = query / np.linalg.norm(query)
        rows[len(base) + i, 12 + i] = 0.05 * (i + 1)  # the later, the further
    return KeyedVectors(rows, base.index_to_key + spellings)


def test_analogy_answer_when_the_best_are_spellings_of_question_words(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": s\nAthens Greece Paris France\nAthens Greece Paris athens\n")
    _, sections = hand_kv().evaluate_word_analogies(path)
    assert quads(sections[0]) == (["ATHENS GREECE PARIS FRANCE"], ["ATHENS GREECE PARIS ATHENS"])
    # gensim reads the five best only: if all are spellings of question words, the fifth is
    # the answer -- right when the expected word is that fifth spelling
    _, sections = crowded_kv("ATHENS").evaluate_word_analogies(path)
    assert quads(sections[0]) == (["ATHENS GREECE PARIS ATHENS"], ["ATHENS GREECE PARIS FRANCE"])
    _, sections = crowded_kv("Rome2").evaluate_word_analogies(path)
    assert quads(sections[0]) == ([], ["ATHENS GREECE PARIS FRANCE", "ATHENS GREECE PARIS ATHENS"])


def test_analogy_spelling_of_a_question_word_is_passed_over(tmp_path):
    # "athens" placed on b^ + c^ - a^ of "Greece Athens Germany Berlin": case-insensitively it
    # is ATHENS, a question word, so the next best (Berlin) answers
    kv = hand_kv()
    normed = kv.get_normed_vectors()
    ideal = normed[1] - normed[2] + normed[6]
    rows = kv.vectors.copy()
    rows[kv.get_index("athens")] = ideal / np.linalg.norm(ideal)
    rows[kv.get_index("Berlin"), 11] = 0.3  # Berlin a little off the ideal
    kv = KeyedVectors(rows, kv.index_to_key)
    assert kv.most_similar(["Athens", "Germany"], ["Greece"], topn=1)[0][0] == "athens"
    path = tmp_path / "q.txt"
    path.write_text(": s\nGreece Athens Germany Berlin\n")
    assert kv.evaluate_word_analogies(path)[0] == 1.0
    assert kv.evaluate_word_analogies(path, case_insensitive=False)[0] == 0.0


def test_analogies_3cosmul_on_hand_vectors():
    score, sections = hand_kv().evaluate_word_analogies(ANALOGIES, method="3cosmul")
    assert score == pytest.approx(8 / 9)
    assert quads(sections[1])[1] == ["MAN WOMAN KING GIRL"]


def test_analogies_file_errors(tmp_path):
    kv = hand_kv()
    with pytest.raises(ValueError, match="method"):
        kv.evaluate_word_analogies(ANALOGIES, method="3cosavg")
    path = tmp_path / "q.txt"
    path.write_text("Athens Greece Paris France\n: s\n")
    with pytest.raises(ValueError, match="before the first"):
        kv.evaluate_word_analogies(path)
    path.write_text("")
    score, sections = kv.evaluate_word_analogies(path)
    assert score == 0.0 and [s["section"] for s in sections] == ["Total accuracy"]
    with pytest.raises(FileNotFoundError):
        kv.evaluate_word_analogies(tmp_path / "missing.txt")


def test_analogies_read_compressed(tmp_path):
    import gzip

    path = tmp_path / "q.txt.gz"
    with gzip.open(path, "wt", encoding="utf8") as out:
        out.write(ANALOGIES.read_text())
    assert hand_kv().evaluate_word_analogies(path)[0] == pytest.approx(8 / 9)


# ------------------------------------------------------------------ batched == per question


def per_question(kv, path, restrict, case_insensitive, method):
    """gensim's definition, one most_similar call per question (pyw2v's own most_similar):
    [(section name, [(quad, predicted), ...]), ...]."""
    fold = str.upper if case_insensitive else str
    ok_vocab: dict[str, int] = {}
    for row, key in enumerate(kv.index_to_key[:restrict]):
        ok_vocab.setdefault(fold(key), row)
    search = kv.most_similar if method == "3cosadd" else kv.most_similar_cosmul
    result: list = []
    original, kv.key_to_index = kv.key_to_index, ok_vocab
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(": "):
                result.append((line[2:], []))
                continue
            words = [fold(w) for w in line.split()]
            if len(words) != 4 or not all(w in ok_vocab for w in words):
                continue
            a, b, c, _ = words
            predicted = None
            for word, _ in search(positive=[b, c], negative=[a], topn=5, restrict_vocab=restrict):
                predicted = fold(word)
                if predicted not in (a, b, c):
                    break
            result[-1][1].append((tuple(words), predicted))
    finally:
        kv.key_to_index = original
    return result


def random_setup(tmp_path, seed=5, n_words=120, dim=16):
    """Random vectors over words with case variants, and a random questions file that uses
    known, rare and unknown words, with repeats (a == c, ...)."""
    rng = np.random.default_rng(seed)
    base = [f"w{i}" for i in range(n_words)]
    variants = [w.upper() for w in base[::7]] + [w.capitalize() for w in base[3::11]]
    keys = list(dict.fromkeys(base + variants))
    keys = [keys[i] for i in rng.permutation(len(keys))]
    vectors = rng.standard_normal((len(keys), dim)).astype(np.float32)
    pool = base + ["unknown1", "W5", "w17"]
    lines = []
    for section in range(3):
        lines.append(f": section-{section}")
        for _ in range(150):
            lines.append(" ".join(rng.choice(pool, size=4)))
        lines.append("w1 w2 w1 w3")
    path = tmp_path / "random-questions.txt"
    path.write_text("\n".join(lines) + "\n")
    return KeyedVectors(vectors, keys), path


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("restrict", [None, 90, 6])
def test_batched_equals_per_question(tmp_path, method, case_insensitive, restrict):
    kv, path = random_setup(tmp_path)
    reference = per_question(kv, path, restrict, case_insensitive, method)
    _, sections = kv.evaluate_word_analogies(
        path, restrict_vocab=restrict, case_insensitive=case_insensitive, method=method
    )
    for (name, answers), section in zip(reference, sections, strict=False):
        assert section["section"] == name
        assert section["correct"] == [q for q, p in answers if p == q[3]]
        assert section["incorrect"] == [q for q, p in answers if p != q[3]]
    # and the predicted words themselves, whatever the block size
    vocab = evaluate.restricted_vocab(kv, restrict, case_insensitive)
    limit = len(kv) if restrict is None else restrict
    fold = str.upper if case_insensitive else str
    canonical = np.array([vocab[fold(k)] for k in kv.index_to_key[:limit]])
    questions = [(q, p) for _, answers in reference for q, p in answers]
    rows = np.array([[vocab[w] for w in q[:3]] for q, _ in questions], dtype=np.int64)
    want = [vocab[p] if p is not None else -1 for _, p in questions]
    normed = kv.get_normed_vectors()[:limit]
    for block in (1, 7, 1024):
        got = evaluate.solve_analogies(normed, canonical, rows.reshape(-1, 3), method, block)
        assert got.tolist() == want


# ------------------------------------------------------------------ word pairs

# 2-d unit vectors: cosines are 0.8, 0.6, 0, -0.8 between the pairs of eval-word-pairs.txt
PAIR_VECTORS = {
    "sun": [1.0, 0.0],
    "moon": [0.8, 0.6],
    "star": [0.6, 0.8],
    "sky": [0.0, 1.0],
    "sea": [-1.0, 0.0],
    "Sun": [0.28, 0.96],  # a rarer spelling: case-insensitively, SUN is "sun"
}
# the scorable pairs of the file, in order, with the cosine case-insensitively
GOLD = [9.0, 6.5, 6.5, 1.0, 7.0, 4.0]
MODEL = [0.8, 0.6, 0.0, -0.8, 0.6, 0.8]
GOLD_RANKS = [6, 3.5, 3.5, 1, 5, 2]
MODEL_RANKS = [5.5, 3.5, 2, 1, 3.5, 5.5]


def pair_kv() -> KeyedVectors:
    return KeyedVectors(np.array(list(PAIR_VECTORS.values()), np.float32), list(PAIR_VECTORS))


def test_word_pairs_known_values():
    pearson, spearman, oov = pair_kv().evaluate_word_pairs(PAIRS)
    assert pearson[0] == pytest.approx(np.corrcoef(GOLD, MODEL)[0, 1], abs=1e-7)
    assert spearman.statistic == pytest.approx(np.corrcoef(GOLD_RANKS, MODEL_RANKS)[0, 1])
    assert oov == pytest.approx(100 / 7)  # sky-comet of 7 well-formed pairs
    r, p = pearson  # unpacks like scipy's result
    assert 0 < p < 1 and isinstance(r, float)
    assert spearman.pvalue == pytest.approx(evaluate.correlation_pvalue(spearman.statistic, 6))


def test_word_pairs_case_restrict_dummy():
    kv = pair_kv()
    # case-sensitive: "Sun" is its own (rarer) vector
    pearson, _, _ = kv.evaluate_word_pairs(PAIRS, case_insensitive=False)
    model = MODEL.copy()
    model[4] = 0.28 * 0.6 + 0.96 * 0.8
    assert pearson[0] == pytest.approx(np.corrcoef(GOLD, model)[0, 1], abs=1e-6)
    # restrict_vocab 4: "sea" (and "Sun") are out -> moon-sea is unknown too
    pearson, spearman, oov = kv.evaluate_word_pairs(PAIRS, restrict_vocab=4)
    keep = [0, 1, 2, 4, 5]
    gold, cos = np.array(GOLD)[keep], np.array(MODEL)[keep]
    assert pearson[0] == pytest.approx(np.corrcoef(gold, cos)[0, 1], abs=1e-6)
    assert oov == pytest.approx(200 / 7)
    # dummy4unknown: unknown pairs score 0 and stay in
    pearson, _, oov = kv.evaluate_word_pairs(PAIRS, dummy4unknown=True)
    assert pearson[0] == pytest.approx(np.corrcoef(GOLD + [5.0], MODEL + [0.0])[0, 1], abs=1e-6)
    assert oov == pytest.approx(100 / 7)


def test_word_pairs_delimiter_and_errors(tmp_path):
    kv = pair_kv()
    path = tmp_path / "pairs.csv"
    path.write_text("sun,moon,3\nsun,sea,1\nmoon,star,2\n")
    pearson, _, oov = kv.evaluate_word_pairs(path, delimiter=",")
    assert pearson[0] == pytest.approx(np.corrcoef([3, 1, 2], [0.8, -1, 0.96])[0, 1], abs=1e-6)
    assert oov == 0.0
    path.write_text("comet\tmeteor\t3\n# nothing else\n")
    with pytest.raises(ValueError, match="no word pair"):
        kv.evaluate_word_pairs(path)


# ------------------------------------------------------------------ statistics


def test_rank_average_ties():
    np.testing.assert_array_equal(evaluate.rank_average([3, 1, 2]), [3, 1, 2])
    np.testing.assert_array_equal(evaluate.rank_average([5, 5, 1, 5]), [3, 3, 1, 3])
    np.testing.assert_array_equal(evaluate.rank_average(GOLD), GOLD_RANKS)
    np.testing.assert_array_equal(evaluate.rank_average(MODEL), MODEL_RANKS)
    np.testing.assert_array_equal(evaluate.rank_average([2.0, 2.0]), [1.5, 1.5])


def test_pearson_spearman_against_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(50)
    y = 0.3 * x + rng.standard_normal(50)
    assert evaluate.pearson(x, y).statistic == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)
    rho = evaluate.spearman(x, y).statistic
    ranks = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))  # no ties here
    assert rho == pytest.approx(np.corrcoef(*ranks)[0, 1], abs=1e-12)
    assert evaluate.spearman(x, np.exp(x)).statistic == pytest.approx(1.0)  # monotone
    r, p = evaluate.pearson(x, -2 * x + 1)
    assert r == pytest.approx(-1.0) and p == pytest.approx(0.0, abs=1e-100)
    assert evaluate.pearson([1.0, 2.0], [3.0, 1.0]) == (-1.0, 1.0)  # two points: p = 1
    assert all(math.isnan(v) for v in evaluate.pearson([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))
    with pytest.raises(ValueError):
        evaluate.pearson([1.0], [2.0])


def t_sf_closed_form(t, df):
    """Student's t survival function where it has a closed form (df = 1, 2, 3)."""
    if df == 1:
        return 0.5 - math.atan(t) / math.pi
    if df == 2:
        return 0.5 - t / (2 * math.sqrt(2 + t * t))
    u = t / math.sqrt(3)
    return 0.5 - (math.atan(u) + u / (1 + u * u)) / math.pi


@pytest.mark.parametrize("df", [1, 2, 3])
@pytest.mark.parametrize("t", [-30.0, -2.5, -0.3, 0.0, 0.7, 1.0, 4.2, 12.706, 1e3])
def test_student_t_sf_closed_forms(t, df):
    got = evaluate.student_t_sf(t, df)
    want = t_sf_closed_form(t, df)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_student_t_sf_table_values():
    # two-sided 5% and 1% points of Student's t (standard tables)
    assert 2 * evaluate.student_t_sf(2.228138852, 10) == pytest.approx(0.05, rel=1e-8)
    assert 2 * evaluate.student_t_sf(2.845339710, 20) == pytest.approx(0.01, rel=1e-8)
    assert 2 * evaluate.student_t_sf(1.983971519, 100) == pytest.approx(0.05, rel=1e-8)
    # large df tends to the normal: P(Z > 1.959963985) = 0.025
    assert evaluate.student_t_sf(1.959963985, 1e8) == pytest.approx(0.025, rel=1e-6)
    assert evaluate.student_t_sf(math.inf, 5) == 0.0
    assert evaluate.student_t_sf(-math.inf, 5) == 1.0
    assert math.isnan(evaluate.student_t_sf(math.nan, 5))


# Computed with mpmath at 40 digits (scipy.special.betainc gives 0.0 for the first).
BETAINC_REFERENCE = [
    (7113.5, 19.9, 0.9, 2.9801260043312807e-289),
    (175.5, 0.5, 0.3, 8.7233374111047728e-94),
    (0.2, 3000.0, 1e-05, 0.53744210756490097),
    (40.0, 60.0, 0.4, 0.50543700111559486),
]
T_SF_REFERENCE = [
    (2.0, 100000, 0.022751481728753232),
    (1.96, 353, 0.025391077391726606),
    (0.5, 7, 0.31620356784464211),
    (-3.0, 30, 0.99730501796717403),
    (25.0, 351, 2.9991611047608508e-80),
    (6.0, 2.5, 0.0076408649427614503),
]


@pytest.mark.parametrize(("a", "b", "x", "want"), BETAINC_REFERENCE)
def test_incomplete_beta_reference_values(a, b, x, want):
    assert evaluate.regularized_incomplete_beta(a, b, x) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize(("t", "df", "want"), T_SF_REFERENCE)
def test_student_t_sf_reference_values(t, df, want):
    assert evaluate.student_t_sf(t, df) == pytest.approx(want, rel=1e-12)


def test_incomplete_beta_identities():
    betainc = evaluate.regularized_incomplete_beta
    for x in (0.0, 1e-9, 0.2, 0.5, 0.97, 1.0):
        assert betainc(3.5, 1.0, x) == pytest.approx(x**3.5, rel=1e-12, abs=1e-300)
        assert betainc(1.0, 2.5, x) == pytest.approx(1 - (1 - x) ** 2.5, rel=1e-12, abs=1e-15)
        assert betainc(2.0, 7.0, x) + betainc(7.0, 2.0, 1 - x) == pytest.approx(1.0)
    for a, rel in ((0.5, 1e-14), (4.0, 1e-14), (175.5, 1e-13), (5000.0, 1e-10)):
        assert betainc(a, a, 0.5) == pytest.approx(0.5, rel=rel)  # lgamma's rounding grows
    with pytest.raises(ValueError):
        betainc(0.0, 1.0, 0.5)
    with pytest.raises(ValueError):
        betainc(1.0, 1.0, 1.5)


def test_correlation_pvalue_is_the_t_test():
    for r, n in [(0.3, 10), (-0.05, 353), (0.9, 5), (0.999, 40)]:
        t = r * math.sqrt((n - 2) / (1 - r * r))
        want = 2 * evaluate.student_t_sf(abs(t), n - 2)
        assert evaluate.correlation_pvalue(r, n) == pytest.approx(want, rel=1e-10)


def test_statistics_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    for n, slope in [(3, 1.0), (10, 0.5), (353, 0.1), (353, 2.0), (1000, 0.0)]:
        x = rng.standard_normal(n)
        y = np.round(slope * x + rng.standard_normal(n), 1)  # rounding makes ties
        got, want = evaluate.pearson(x, y), stats.pearsonr(x, y)
        assert got.statistic == pytest.approx(want.statistic, abs=1e-12)
        assert got.pvalue == pytest.approx(want.pvalue, rel=1e-9, abs=1e-300)
        got, want = evaluate.spearman(x, y), stats.spearmanr(x, y)
        assert got.statistic == pytest.approx(want.statistic, abs=1e-12)
        assert got.pvalue == pytest.approx(want.pvalue, rel=1e-9, abs=1e-300)
        np.testing.assert_array_equal(evaluate.rank_average(y), stats.rankdata(y))


@needs_scipy
@settings(max_examples=300, deadline=None)
@given(t=st.floats(-1e4, 1e4), df=st.floats(0.5, 1e5))
def test_student_t_sf_against_scipy(t, df):
    want = float(scipy_stats.t.sf(t, df))
    assert evaluate.student_t_sf(t, df) == pytest.approx(want, rel=1e-9, abs=1e-300)


@needs_scipy
@settings(max_examples=300, deadline=None)
@given(a=st.floats(0.05, 1e4), b=st.floats(0.05, 1e4), x=st.floats(0.0, 1.0))
def test_incomplete_beta_against_scipy(a, b, x):
    # scipy loses digits for subnormal x and for results near underflow (see the reference
    # values above)
    assume(x == 0.0 or x >= 1e-300)
    want = float(scipy_special.betainc(a, b, x))
    assume(want > 1e-250)
    assert evaluate.regularized_incomplete_beta(a, b, x) == pytest.approx(
        want, rel=1e-9, abs=1e-300
    )


# ------------------------------------------------------------------ richer queries


@pytest.fixture
def random_kv():
    rng = np.random.default_rng(99)
    words = [f"w{i}" for i in range(80)]
    return KeyedVectors(rng.standard_normal((80, 10)).astype(np.float32), words)


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def test_most_similar_cosmul_by_hand():
    kv = pair_kv()
    # sun : moon :: star : ?  score(w) = s(w,moon) s(w,star) / (s(w,sun) + 1e-6)
    result = kv.most_similar_cosmul(positive=["moon", "star"], negative=["sun"], topn=3)
    cos = {
        w: {v: float(unit(PAIR_VECTORS[w]) @ unit(x)) for v, x in PAIR_VECTORS.items()}
        for w in PAIR_VECTORS
    }
    scores = {
        w: (1 + cos[w]["moon"]) / 2 * (1 + cos[w]["star"]) / 2 / ((1 + cos[w]["sun"]) / 2 + 1e-6)
        for w in ("sky", "sea", "Sun")
    }
    want = sorted(scores.items(), key=lambda t: -t[1])
    assert [w for w, _ in result] == [w for w, _ in want]
    np.testing.assert_allclose([v for _, v in result], [v for _, v in want], rtol=1e-5)
    # one positive word ranks as most_similar does
    assert [w for w, _ in kv.most_similar_cosmul("sun", topn=5)] == [
        w for w, _ in kv.most_similar("sun", topn=5)
    ]
    with pytest.raises(ValueError, match="positive"):
        kv.most_similar_cosmul(negative=["sun"])
    with pytest.raises(KeyError, match="comet"):
        kv.most_similar_cosmul(["comet"])


def test_most_similar_cosmul_restrict_and_vectors(random_kv):
    got = random_kv.most_similar_cosmul(["w1", "w2"], ["w3"], topn=5, restrict_vocab=30)
    assert all(random_kv.get_index(w) < 30 for w, _ in got)
    assert not {"w1", "w2", "w3"} & {w for w, _ in got}
    full = random_kv.most_similar_cosmul(["w1", "w2"], ["w3"], topn=77)
    assert [w for w, _ in got] == [w for w, _ in full if random_kv.get_index(w) < 30][:5]
    # a vector query is scaled to unit length and not excluded
    by_vector = random_kv.most_similar_cosmul([3 * random_kv["w1"]], topn=1)
    assert by_vector[0][0] == "w1"
    assert by_vector[0][1] == pytest.approx(1 / (1 + 1e-6), rel=1e-5)


def test_most_similar_batch_equals_single_queries(random_kv):
    words = ["w0", "w5", "w79", "w5"]
    batch = random_kv.most_similar_batch(words, topn=7)
    assert len(batch) == 4
    for word, got in zip(words, batch, strict=True):
        want = random_kv.most_similar(word, topn=7)
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-6)
    matrix = random_kv[["w2", "w3"]]
    by_matrix = random_kv.most_similar_batch(matrix, topn=3, restrict_vocab=40)
    for row, got in zip(matrix, by_matrix, strict=True):
        want = random_kv.similar_by_vector(row, topn=3, restrict_vocab=40)
        assert [w for w, _ in got] == [w for w, _ in want]
    assert by_matrix[0][0][0] == "w2"  # vectors are not excluded
    assert random_kv.most_similar_batch([], topn=3) == []
    assert random_kv.most_similar_batch("w9", topn=2) == [random_kv.most_similar("w9", topn=2)]


def test_most_similar_batch_blocks_and_small_vocab(random_kv, monkeypatch):
    from pyw2v import ranking

    whole = random_kv.most_similar_batch(random_kv.index_to_key, topn=4)
    monkeypatch.setattr(ranking, "SCORE_BUDGET", 3 * 80)  # blocks of 3 queries
    blocked = random_kv.most_similar_batch(random_kv.index_to_key, topn=4)
    # BLAS may pick a different kernel for another block shape, so scores agree to
    # float32 rounding of a dot product of unit vectors, not bit for bit
    assert [[w for w, _ in row] for row in blocked] == [[w for w, _ in row] for row in whole]
    np.testing.assert_allclose(
        [[s for _, s in row] for row in blocked], [[s for _, s in row] for row in whole], atol=1e-6
    )
    # fewer candidates than topn: the query word is still left out
    tiny = random_kv.most_similar_batch(["w0", "w1", "w50"], topn=10, restrict_vocab=3)
    single = random_kv.most_similar("w0", topn=10, restrict_vocab=3)
    assert [w for w, _ in tiny[0]] == [w for w, _ in single]
    assert {w for w, _ in tiny[0]} == {"w1", "w2"}
    assert len(tiny[2]) == 3
    with pytest.raises(KeyError, match="nope"):
        random_kv.most_similar_batch(["w1", "nope"])
    with pytest.raises(ValueError, match="topn"):
        random_kv.most_similar_batch(["w1"], topn=0)


def test_top_k_rows_ties_and_infinities():
    from pyw2v.ranking import top_k_rows

    scores = np.array([[1, 3, 3, 0, 3], [-np.inf, 2, -np.inf, -np.inf, -np.inf]], np.float32)
    top = top_k_rows(scores, 4)
    assert top[0].tolist() == [1, 2, 4, 0]  # equal scores in column order
    assert top[1, 0] == 1 and sorted(top[1].tolist()) == sorted(set(top[1].tolist()))
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((20, 50)).astype(np.float32)
    for k in (1, 5, 16, 17, 50, 60):
        want = np.argsort(-scores, axis=1, kind="stable")[:, : min(k, 50)]
        np.testing.assert_array_equal(top_k_rows(scores, k), want)


def test_doesnt_match(caplog):
    kv = hand_kv()
    assert kv.doesnt_match(["man", "woman", "boy", "Paris"]) == "Paris"
    assert kv.doesnt_match(["Athens", "Paris", "Berlin", "queen"]) == "queen"
    with caplog.at_level("WARNING"):
        assert kv.doesnt_match(["Athens", "Paris", "Berlin", "castle", "girl"]) == "girl"
    assert "castle" in caplog.text
    assert kv.doesnt_match(["king"]) == "king"
    with pytest.raises(ValueError, match="at least one"):
        kv.doesnt_match(["castle"])


def test_n_similarity_distance_distances_rank(random_kv):
    kv = hand_kv()
    assert kv.n_similarity(["king", "queen"], ["man", "woman"]) == pytest.approx(1 / 3)
    assert kv.n_similarity(["Paris"], ["France"]) == pytest.approx(kv.similarity("Paris", "France"))
    with pytest.raises(ValueError, match="non-empty"):
        kv.n_similarity([], ["king"])
    with pytest.raises(KeyError, match="castle"):
        kv.n_similarity(["castle"], ["king"])
    assert kv.distance("king", "queen") == pytest.approx(0.5)
    assert kv.distance("king", "Paris") == pytest.approx(1.0)
    dists = kv.distances("king")
    assert dists.shape == (len(kv),) and dists.dtype == np.float32
    assert dists[kv.get_index("king")] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(kv.distances("king", ["queen", "Paris"]), [0.5, 1.0], atol=1e-6)
    np.testing.assert_allclose(kv.distances(kv["king"] * 5, ["man"]), [0.5], atol=1e-6)
    # rank: 1 + how many other words are strictly closer
    dists = random_kv.distances("w0")
    for word in ("w3", "w40"):
        # w0 itself (distance 0) is among the closer ones but does not count
        assert random_kv.rank("w0", word) == np.sum(dists < dists[random_kv.get_index(word)])
    nearest = random_kv.most_similar("w0", topn=1)[0][0]
    assert random_kv.rank("w0", nearest) == 1
    assert random_kv.closer_than("w0", nearest) == []
    assert set(random_kv.closer_than("w0", random_kv.most_similar("w0", topn=3)[2][0])) == {
        w for w, _ in random_kv.most_similar("w0", topn=2)
    }


def test_similar_by_vector_and_word(random_kv):
    vec = random_kv["w10"]
    assert random_kv.similar_by_vector(vec, topn=1)[0][0] == "w10"
    assert random_kv.similar_by_vector(vec, topn=4, restrict_vocab=10)[0][0] != "w10"
    assert random_kv.similar_by_word("w10", topn=3, restrict_vocab=20) == random_kv.most_similar(
        "w10", topn=3, restrict_vocab=20
    )
    with pytest.raises(ValueError, match="1-d"):
        random_kv.similar_by_vector(random_kv[["w1", "w2"]])


# ------------------------------------------------------------------ gensim interop


def planted_vectors(question_lines, pair_lines, rng, dim=32):
    """Random vectors where each analogy section has a shared offset (b = a + offset +
    noise), so that a good share of the analogies hold; words of the pair file get random
    vectors. The vocabulary mixes spellings (lower, original, some upper-case variants) and
    fillers, in random order."""
    vectors: dict[str, np.ndarray] = {}

    def vector(word):
        return vectors.setdefault(word, rng.standard_normal(dim))

    offset = None
    for line in question_lines:
        if line.startswith(": "):
            offset = rng.standard_normal(dim) * 1.5
            continue
        a, b, c, d = line.split()
        for x, y in ((a, b), (c, d)):
            if y not in vectors:
                vectors[y] = vector(x) + offset + rng.standard_normal(dim) * 0.8
    for line in pair_lines:
        if not line.startswith("#"):
            for word in line.split("\t")[:2]:
                vector(word)
    keys, rows = [], []
    for word, vec in vectors.items():
        if word.lower() == "unknown":  # left out on purpose
            continue
        spelling = word.lower() if rng.random() < 0.5 else word
        variant = (word.upper(), vec + rng.standard_normal(dim) * 0.5)
        for key, row in [(spelling, vec)] + [variant] * (rng.random() < 0.15):
            if key not in keys:
                keys.append(key)
                rows.append(row)
    for i in range(len(keys) // 5):
        keys.append(f"filler{i}")
        rows.append(rng.standard_normal(dim))
    order = rng.permutation(len(keys))
    return [keys[i] for i in order], np.array(rows, dtype=np.float32)[order]


def gensim_kv(gensim, keys, vectors):
    kv = gensim.models.KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(keys), vectors)
    return kv


def gensim_analogies(gensim, keys, vectors, path, restrict, method, **kwargs):
    """gensim's evaluate_word_analogies; for 3CosMul with most_similar_cosmul in place of
    most_similar (gensim 4.4 ignores its similarity_function argument, and its
    most_similar_cosmul ignores restrict_vocab, so the vectors are cut to `restrict`)."""
    if method == "3cosadd":
        return gensim_kv(gensim, keys, vectors).evaluate_word_analogies(
            str(path), restrict_vocab=restrict, **kwargs
        )
    kv = gensim_kv(gensim, keys[:restrict], vectors[:restrict])
    kv.most_similar = kv.most_similar_cosmul
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # init_sims
        return kv.evaluate_word_analogies(str(path), restrict_vocab=restrict, **kwargs)


def assert_same_analogies(ours, theirs):
    assert ours[0] == theirs[0]
    assert len(ours[1]) == len(theirs[1])
    for mine, other in zip(ours[1], theirs[1], strict=True):
        assert mine["section"] == other["section"]
        assert mine["correct"] == other["correct"]
        assert mine["incorrect"] == other["incorrect"]


def assert_same_pairs(ours, theirs):
    for mine, other in zip(ours[:2], theirs[:2], strict=True):
        assert mine[0] == pytest.approx(float(other[0]), abs=1e-6)
        assert mine[1] == pytest.approx(float(other[1]), rel=1e-6, abs=1e-12)
    assert ours[2] == pytest.approx(theirs[2], abs=1e-9)


def compare_with_gensim(gensim, keys, vectors, questions, pairs, restrict):
    kv = KeyedVectors(vectors, keys)
    results = {}
    for method in ("3cosadd", "3cosmul"):
        ours = kv.evaluate_word_analogies(questions, restrict_vocab=restrict, method=method)
        theirs = gensim_analogies(gensim, keys, vectors, questions, restrict, method)
        assert_same_analogies(ours, theirs)
        results[method] = (ours[0], theirs[0])
    for dummy in (False, True):
        ours = kv.evaluate_word_pairs(pairs, restrict_vocab=restrict, dummy4unknown=dummy)
        theirs = gensim_kv(gensim, keys, vectors).evaluate_word_pairs(
            str(pairs), restrict_vocab=restrict, dummy4unknown=dummy
        )
        assert_same_pairs(ours, theirs)
        results[f"pairs-dummy={dummy}"] = (ours, theirs)
    return results


def synthetic_files(tmp_path, rng):
    """Four sections of 200 analogies each built from 16 word pairs, some with unknown
    words, some lower-cased, plus one with a repeated word."""
    pool = [f"Word{i}" for i in range(150)] + ["Unknown"] * 3
    lines = []
    for section in range(4):
        lines.append(f": section-{section}")
        pairs = rng.choice(pool, (16, 2))
        for first, second in rng.choice(16, (200, 2)):
            words = " ".join([*pairs[first], *pairs[second]])
            lines.append(words.lower() if rng.random() < 0.2 else words)
    lines.append("Word1 Word2 Word1 Word3")
    questions = tmp_path / "questions.txt"
    questions.write_text("\n".join(lines) + "\n")
    pairs = tmp_path / "pairs.tsv"
    pair_lines = ["# header"] + [
        f"{a}\t{b}\t{rng.uniform(0, 10):.2f}" for a, b in rng.choice(pool, (120, 2))
    ]
    pairs.write_text("\n".join(pair_lines) + "\nWord1\tUnknown\t3.0\n")
    return questions, pairs, lines, pair_lines


@pytest.mark.interop
@pytest.mark.parametrize("seed", [0, 1])
def test_same_numbers_as_gensim_random(tmp_path, seed):
    gensim = pytest.importorskip("gensim")
    rng = np.random.default_rng(seed)
    questions, pairs, lines, pair_lines = synthetic_files(tmp_path, rng)
    keys, vectors = planted_vectors(lines, pair_lines, rng, dim=16)
    for restrict in (len(keys), int(0.8 * len(keys))):
        results = compare_with_gensim(gensim, keys, vectors, questions, pairs, restrict)
        assert 0.05 < results["3cosadd"][0] < 1.0  # a test with something at stake
    # case-sensitive and dummy4unknown analogies too
    kv = KeyedVectors(vectors, keys)
    for options in ({"case_insensitive": False}, {"dummy4unknown": True}):
        ours = kv.evaluate_word_analogies(questions, restrict_vocab=len(keys), **options)
        theirs = gensim_analogies(gensim, keys, vectors, questions, len(keys), "3cosadd", **options)
        assert_same_analogies(ours, theirs)


@pytest.mark.interop
def test_same_queries_as_gensim():
    gensim = pytest.importorskip("gensim")
    rng = np.random.default_rng(4)
    keys = [f"w{i}" for i in range(300)]
    vectors = rng.standard_normal((300, 20)).astype(np.float32)
    ours, theirs = KeyedVectors(vectors, keys), gensim_kv(gensim, keys, vectors)

    def same(a, b):
        assert [w for w, _ in a] == [w for w, _ in b]
        np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-5, atol=1e-6)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        same(
            ours.most_similar_cosmul(["w1", "w2"], ["w3"]),
            theirs.most_similar_cosmul(["w1", "w2"], ["w3"]),
        )
    same(ours.similar_by_vector(vectors[7], topn=5), theirs.similar_by_vector(vectors[7], topn=5))
    for word, got in zip(keys[:20], ours.most_similar_batch(keys[:20], topn=5), strict=True):
        same(got, theirs.most_similar(word, topn=5))
    group = ["w1", "w2", "w3", "w4", "w5"]
    assert ours.doesnt_match(group) == theirs.doesnt_match(group)
    assert ours.n_similarity(group[:2], group[2:]) == pytest.approx(
        float(theirs.n_similarity(group[:2], group[2:])), abs=1e-6
    )
    np.testing.assert_allclose(ours.distances("w9"), theirs.distances("w9"), atol=1e-6)
    assert ours.distance("w1", "w2") == pytest.approx(float(theirs.distance("w1", "w2")), abs=1e-6)
    for other in ("w2", "w100", "w299"):
        assert ours.rank("w1", other) == theirs.rank("w1", other)


@pytest.mark.interop
def test_same_numbers_as_gensim_on_shared_eval_files():
    gensim = pytest.importorskip("gensim")
    questions, pairs = SHARED_EVAL / "questions-words.txt", SHARED_EVAL / "wordsim353.tsv"
    if not (questions.is_file() and pairs.is_file()):
        pytest.skip(f"{SHARED_EVAL} not present")
    rng = np.random.default_rng(2024)
    lines = questions.read_text().splitlines()
    pair_lines = pairs.read_text().splitlines()
    keys, vectors = planted_vectors(lines, pair_lines, rng)
    restrict = int(0.85 * len(keys))
    results = compare_with_gensim(gensim, keys, vectors, questions, pairs, restrict)
    assert 0.05 < results["3cosadd"][0] < 1.0
