"""Word-analogy accuracy and word-pair correlations, scored as gensim 4.4 scores them.

The conventions are gensim's (``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs``), so that the same vectors get the same numbers from both:

- The *restricted vocabulary* is the first `restrict_vocab` words (the most frequent when
  the vocabulary is sorted by count). With `case_insensitive`, words are upper-cased and an
  upper-cased form stands for its first (most frequent) spelling.
- A question ``a b c d`` (a is to b as c is to d) whose four words are all in the restricted
  vocabulary is answered from the five best-scoring restricted words, the rows of a, b and c
  excluded: the first whose (upper-cased) form is not a, b or c is the answer -- so another
  spelling of a question word is passed over. If all five are such spellings, the answer is
  the fifth. Other questions are skipped, or count as wrong with `dummy4unknown`.
- 3CosAdd scores a word w by ``cos(w, unit(b^ + c^ - a^))`` (x^ the unit vector of x);
  3CosMul by Levy & Goldberg's (2014) product, see
  :meth:`pyw2v.keyedvectors.KeyedVectors.most_similar_cosmul`.
- Word pairs: cosine similarity against the human score, Pearson and Spearman correlation
  with two-sided p-values from Student's t with n - 2 degrees of freedom (as scipy.stats),
  computed here in numpy / pure Python so that SciPy is not needed.

Analogies are solved in blocks: one matrix product scores a block of questions against the
whole restricted vocabulary.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from pyw2v.compression import open_text
from pyw2v.ranking import COSMUL_EPSILON, chunk_rows, restrict_limit, top_k_rows

if TYPE_CHECKING:
    from pyw2v.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

Quad = tuple[str, str, str, str]
Section = dict[str, Any]
PathLike = str | os.PathLike[str]

METHODS = ("3cosadd", "3cosmul")
# gensim reads the 5 best answers only, then skips spellings of the question words.
ANSWER_CANDIDATES = 5
TOTAL_SECTION = "Total accuracy"


class CorrelationResult(NamedTuple):
    """A correlation coefficient and its two-sided p-value (unpacks like scipy's results)."""

    statistic: float
    pvalue: float


# ---------------------------------------------------------------- shared helpers


def _fold(word: str, case_insensitive: bool) -> str:
    return word.upper() if case_insensitive else word


def restricted_vocab(
    kv: KeyedVectors, restrict_vocab: int | None, case_insensitive: bool
) -> dict[str, int]:
    """Maps each (folded) word of the first `restrict_vocab` rows to its first row.

    Parameters
    ----------
    kv : KeyedVectors
        The vectors, most frequent words first.
    restrict_vocab : int or None
        How many rows to consider (None: all).
    case_insensitive : bool
        Fold words to upper case; the first spelling of a folded form wins.

    Returns
    -------
    dict of str to int
    """
    vocab: dict[str, int] = {}
    for row, key in enumerate(kv.index_to_key[: restrict_limit(len(kv), restrict_vocab)]):
        vocab.setdefault(_fold(key, case_insensitive), row)
    return vocab


# ---------------------------------------------------------------- analogies


def read_analogies(path: PathLike, case_insensitive: bool = True) -> list[tuple[str, list[Quad]]]:
    """Reads a questions-words file: ``: section`` lines, then ``a b c d`` lines.

    Lines that do not hold four words are skipped (and logged); blank lines are ignored.

    Returns
    -------
    list of (str, list of 4-tuples of str)
        Each section's name and its questions, words folded to upper case if
        `case_insensitive`.

    Raises
    ------
    ValueError
        If a question comes before the first section line.
    """
    sections: list[tuple[str, list[Quad]]] = []
    with open_text(path) as lines:
        for line_no, line in enumerate(lines, 1):
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            words = line.split()
            if not words:
                continue
            if not sections:
                raise ValueError(f"{path}:{line_no}: question before the first ': section' line")
            if len(words) != 4:
                logger.info("skipping invalid line %d in %s", line_no, path)
                continue
            a, b, c, d = (_fold(w, case_insensitive) for w in words)
            sections[-1][1].append((a, b, c, d))
    return sections


def analogy_scores(normed: np.ndarray, questions: np.ndarray, method: str) -> np.ndarray:
    """Scores of every candidate row for each question (a, b, c) -> (n, len(normed)).

    Parameters
    ----------
    normed : numpy.ndarray
        Unit-length candidate vectors (the restricted vocabulary).
    questions : numpy.ndarray
        (n, 3) int rows of a, b, c in `normed`.
    method : {"3cosadd", "3cosmul"}
    """
    a, b, c = (normed[questions[:, j]] for j in range(3))
    if method == "3cosadd":
        query = b.astype(np.float64) + c - a
        norms = np.linalg.norm(query, axis=1, keepdims=True)
        query = query / np.where(norms > 0, norms, 1.0)
        return query.astype(np.float32) @ normed.T
    # 2 x cosmul([cos_b, cos_c], [cos_a]) = (1 + cos_b)(1 + cos_c) / (1 + cos_a + 2 eps):
    # the same ranking, in place on the one (3n, n_candidates) product
    shifted = np.concatenate([a, b, c]) @ normed.T
    shifted += 1.0
    denominator, score, other = np.split(shifted, 3)
    score *= other
    denominator += 2 * COSMUL_EPSILON
    score /= denominator
    return score


def pick_answers(scores: np.ndarray, canonical: np.ndarray, questions: np.ndarray) -> np.ndarray:
    """gensim's choice among the best candidates (see the module docstring).

    Parameters
    ----------
    scores : numpy.ndarray
        (n, n_candidates) scores; modified (the question rows are set to -inf).
    canonical : numpy.ndarray
        For each candidate row, the row its folded form stands for.
    questions : numpy.ndarray
        (n, 3) rows of a, b, c (canonical rows).

    Returns
    -------
    numpy.ndarray
        (n,) canonical row of each answer, -1 where there is no candidate at all.
    """
    rows = np.arange(len(questions))[:, None]
    scores[rows, questions] = -np.inf
    top = top_k_rows(scores, ANSWER_CANDIDATES)
    valid = np.take_along_axis(scores, top, axis=1) > -np.inf
    folded = canonical[top]
    acceptable = valid & (folded[:, :, None] != questions[:, None, :]).all(axis=2)
    fallback = valid.sum(axis=1) - 1
    chosen = np.where(acceptable.any(axis=1), acceptable.argmax(axis=1), fallback)
    answers = np.take_along_axis(folded, chosen.clip(0)[:, None], axis=1)[:, 0]
    return np.where(chosen >= 0, answers, -1)


def solve_analogies(
    normed: np.ndarray,
    canonical: np.ndarray,
    questions: np.ndarray,
    method: str = "3cosadd",
    block: int = 1024,
) -> np.ndarray:
    """Answers questions (a, b, c) a block at a time, each block one matrix product.

    Parameters
    ----------
    normed : numpy.ndarray
        Unit-length vectors of the restricted vocabulary.
    canonical : numpy.ndarray
        For each row, the row its folded form stands for.
    questions : numpy.ndarray
        (n, 3) canonical rows of a, b, c.
    method : {"3cosadd", "3cosmul"}
    block : int
        Most questions per matrix product (fewer if the score matrix would be large).

    Returns
    -------
    numpy.ndarray
        (n,) canonical row of each answer (-1: none).
    """
    answers = np.full(len(questions), -1, dtype=np.int64)
    matrices = 3 if method == "3cosmul" else 1
    step = chunk_rows(len(normed), matrices, block)
    for start in range(0, len(questions), step):
        part = questions[start : start + step]
        scores = analogy_scores(normed, part, method)
        answers[start : start + step] = pick_answers(scores, canonical, part)
    return answers


def _score_section(
    name: str,
    quads: list[Quad],
    vocab: dict[str, int],
    solve: Callable[[np.ndarray], np.ndarray],
    dummy4unknown: bool,
) -> Section:
    def known(quad: Quad) -> bool:
        return all(word in vocab for word in quad)

    rows = np.array([[vocab[w] for w in q] for q in quads if known(q)], dtype=np.int64)
    rows = rows.reshape(-1, 4)
    right = iter((solve(rows[:, :3]) == rows[:, 3]).tolist())
    section: Section = {"section": name, "correct": [], "incorrect": [], "skipped": 0}
    for quad in quads:
        if known(quad):
            section["correct" if next(right) else "incorrect"].append(quad)
        elif dummy4unknown:
            section["incorrect"].append(quad)
        else:
            section["skipped"] += 1
    return section


def accuracy(section: Section) -> float:
    """Share of a section's answered questions answered right (0.0 if none)."""
    correct, incorrect = len(section["correct"]), len(section["incorrect"])
    return correct / (correct + incorrect) if correct + incorrect else 0.0


def _log_section(section: Section) -> None:
    done = len(section["correct"]) + len(section["incorrect"])
    if done:
        logger.info(
            "%s: %.1f%% (%d/%d), %d skipped",
            section["section"],
            100.0 * accuracy(section),
            len(section["correct"]),
            done,
            section["skipped"],
        )


def _total(sections: list[Section]) -> Section:
    return {
        "section": TOTAL_SECTION,
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
        "skipped": sum(s["skipped"] for s in sections),
    }


def evaluate_word_analogies(
    kv: KeyedVectors,
    path: PathLike,
    restrict_vocab: int | None = 30000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    method: str = "3cosadd",
) -> tuple[float, list[Section]]:
    """Accuracy on a word-analogy file, with gensim 4.4's conventions (module docstring).

    Parameters
    ----------
    kv : KeyedVectors
        The vectors, most frequent words first.
    path : str or os.PathLike
        A questions-words file (``: section`` lines, then ``a b c d`` lines; may be
        .gz / .bz2 / .xz).
    restrict_vocab : int or None
        Only the first `restrict_vocab` words take part; questions with another word are
        skipped. None: all words.
    case_insensitive : bool
        Compare upper-cased words (the vector of a word's most frequent spelling is used).
    dummy4unknown : bool
        Count questions with an unknown word as wrong instead of skipping them.
    method : {"3cosadd", "3cosmul"}
        3CosAdd (gensim's ``most_similar``) or 3CosMul (``most_similar_cosmul``).

    Returns
    -------
    accuracy : float
        Share of the answered questions answered right.
    sections : list of dict
        Per section, then a final "Total accuracy" one: keys "section" (name), "correct" and
        "incorrect" (lists of the (folded) 4-tuples), as gensim's, plus "skipped" (how many
        questions were left out for an unknown word).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    vocab = restricted_vocab(kv, restrict_vocab, case_insensitive)
    limit = restrict_limit(len(kv), restrict_vocab)
    normed = np.ascontiguousarray(kv.get_normed_vectors()[:limit])
    canonical = np.array(
        [vocab[_fold(k, case_insensitive)] for k in kv.index_to_key[:limit]], dtype=np.int64
    )

    def solve(questions: np.ndarray) -> np.ndarray:
        return solve_analogies(normed, canonical, questions, method)

    sections = []
    for name, quads in read_analogies(path, case_insensitive):
        sections.append(_score_section(name, quads, vocab, solve, dummy4unknown))
        _log_section(sections[-1])
    sections.append(_total(sections))
    _log_section(sections[-1])
    return accuracy(sections[-1]), sections


# ---------------------------------------------------------------- word pairs


def read_word_pairs(
    path: PathLike, delimiter: str = "\t", encoding: str = "utf8", case_insensitive: bool = True
) -> list[tuple[str, str, float]]:
    """Reads ``word1 <delimiter> word2 <delimiter> score`` lines; ``#`` starts a comment line.

    Words are taken as split (not stripped), as gensim does; other lines are skipped (and
    logged).

    Returns
    -------
    list of (str, str, float)
    """
    pairs = []
    with open_text(path, encoding) as lines:
        for line_no, line in enumerate(lines, 1):
            if line.startswith("#"):
                continue
            fields = [_fold(field, case_insensitive) for field in line.split(delimiter)]
            try:
                first, second, score = fields
                pairs.append((first, second, float(score)))
            except ValueError:
                logger.info("skipping invalid line %d in %s", line_no, path)
    return pairs


def evaluate_word_pairs(
    kv: KeyedVectors,
    path: PathLike,
    delimiter: str = "\t",
    encoding: str = "utf8",
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> tuple[CorrelationResult, CorrelationResult, float]:
    """Correlation of cosine similarities with human scores (e.g. WordSim-353), as gensim.

    Parameters
    ----------
    kv : KeyedVectors
        The vectors, most frequent words first.
    path : str or os.PathLike
        Lines ``word1 <delimiter> word2 <delimiter> score``; ``#`` comment lines.
    delimiter, encoding : str
        Field separator and text encoding of the file.
    restrict_vocab : int or None
        Only the first `restrict_vocab` words take part (None: all).
    case_insensitive : bool
        Compare upper-cased words (the vector of a word's most frequent spelling is used).
    dummy4unknown : bool
        Give pairs with an unknown word similarity 0 instead of skipping them.

    Returns
    -------
    pearson : CorrelationResult
        Pearson's r and its two-sided p-value.
    spearman : CorrelationResult
        Spearman's rho (average ranks for ties) and its two-sided p-value.
    oov_ratio : float
        Percentage of the pairs that hold a word outside the restricted vocabulary.

    Raises
    ------
    ValueError
        If no pair could be scored.
    """
    vocab = restricted_vocab(kv, restrict_vocab, case_insensitive)
    pairs = read_word_pairs(path, delimiter, encoding, case_insensitive)
    rows = [(vocab.get(a), vocab.get(b)) for a, b, _ in pairs]
    known = np.array([None not in pair for pair in rows], dtype=bool)
    keep = known | dummy4unknown
    if not keep.any():
        raise ValueError(f"no word pair of {path} could be scored (format, or all unknown)")
    gold = np.array([score for _, _, score in pairs], dtype=np.float64)
    model = np.zeros(len(pairs), dtype=np.float64)
    model[known] = _pair_cosines(kv, [pair for pair, ok in zip(rows, known, strict=True) if ok])
    oov_ratio = 100.0 * float(np.count_nonzero(~known)) / len(pairs)
    correlations = pearson(gold[keep], model[keep]), spearman(gold[keep], model[keep])
    logger.info(
        "%s: Pearson %.4f, Spearman %.4f, pairs with unknown words %.1f%%",
        path,
        correlations[0].statistic,
        correlations[1].statistic,
        oov_ratio,
    )
    return correlations[0], correlations[1], oov_ratio


def _pair_cosines(kv: KeyedVectors, rows: list[Any]) -> np.ndarray:
    if not rows:
        return np.zeros(0)
    normed = kv.get_normed_vectors().astype(np.float64)
    first, second = np.array(rows, dtype=np.int64).T
    return np.einsum("ij,ij->i", normed[first], normed[second])


# ---------------------------------------------------------------- statistics


def pearson(x: np.ndarray, y: np.ndarray) -> CorrelationResult:
    """Pearson's r with the two-sided p-value of the t test (n - 2 degrees of freedom).

    Returns nan for a constant input; p = 1 for two points (as scipy.stats.pearsonr).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError("pearson needs two 1-d arrays of the same length >= 2")
    dx, dy = x - x.mean(), y - y.mean()
    scale = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if scale == 0:
        return CorrelationResult(math.nan, math.nan)
    r = min(1.0, max(-1.0, float(dx @ dy) / scale))
    return CorrelationResult(r, correlation_pvalue(r, len(x)))


def spearman(x: np.ndarray, y: np.ndarray) -> CorrelationResult:
    """Spearman's rho (Pearson's r of the average ranks) with its t-test p-value."""
    return pearson(rank_average(x), rank_average(y))


def rank_average(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing the mean of their ranks (scipy's "average")."""
    values = np.asarray(values)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts_group = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    starts = np.flatnonzero(starts_group)
    ends = np.append(starts[1:], len(values))
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = ((starts + 1 + ends) / 2.0)[np.cumsum(starts_group) - 1]
    return ranks


def correlation_pvalue(r: float, n: int) -> float:
    """Two-sided p-value of a correlation r from n points: P(|T| >= |t|) for
    t = r sqrt((n-2) / (1-r^2)) under Student's t with n - 2 degrees of freedom.

    Uses P(|T| >= |t|) = I_x(df/2, 1/2) with x = df / (df + t^2) = 1 - r^2.
    """
    if n <= 2:
        return 1.0
    if abs(r) >= 1.0:
        return 0.0
    return _incomplete_beta((n - 2) / 2.0, 0.5, (1.0 - r) * (1.0 + r), r * r)


def student_t_sf(t: float, df: float) -> float:
    """Survival function P(T > t) of Student's t distribution with `df` degrees of freedom."""
    if math.isnan(t) or math.isnan(df):
        return math.nan
    t2 = t * t
    if math.isinf(t2):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))
    return tail if t >= 0 else 1.0 - tail


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) = B(x; a, b) / B(a, b) for a, b > 0 and 0 <= x <= 1.

    Evaluated with the continued fraction of Numerical Recipes (Press et al., 3rd ed.,
    eq. 6.4.5) where it converges fast, x < (a + 1) / (a + b + 2), and through the symmetry
    I_x(a, b) = 1 - I_{1-x}(b, a) elsewhere.
    """
    if a <= 0 or b <= 0 or not 0.0 <= x <= 1.0:
        raise ValueError(f"need a, b > 0 and 0 <= x <= 1, got a={a}, b={b}, x={x}")
    return _incomplete_beta(a, b, x, 1.0 - x)


def _incomplete_beta(a: float, b: float, x: float, y: float) -> float:
    """I_x(a, b) given both x and y = 1 - x: the caller may know y more precisely than
    1 - x would give it (y tiny, x about 1)."""
    if x == 0.0 or y == 0.0:
        return 0.0 if x == 0.0 else 1.0
    if x < (a + 1.0) / (a + b + 2.0):
        return _beta_front(a, b, x, y) * _beta_fraction(a, b, x) / a
    return 1.0 - _beta_front(b, a, y, x) * _beta_fraction(b, a, y) / b


def _beta_front(a: float, b: float, x: float, y: float) -> float:
    """x^a y^b / B(a, b), in logs so that large a, b do not overflow."""
    log_x = math.log1p(-y) if x > 0.5 else math.log(x)
    log_y = math.log1p(-x) if y > 0.5 else math.log(y)
    return math.exp(a * log_x + b * log_y - _log_beta(a, b))


_STIRLING_FROM = 10.0  # the series below is good to double precision from here on


def _log_beta(a: float, b: float) -> float:
    """log B(a, b). With lgamma alone, lgamma(a) - lgamma(a + b) loses digits for large a
    (a = 40000: 1e-9 of the result); so for the larger argument the difference is taken
    from Stirling's series, in which the large terms cancel analytically."""
    small, large = min(a, b), max(a, b)
    if large < _STIRLING_FROM:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return math.lgamma(small) + _log_gamma_ratio(large, small)


def _log_gamma_ratio(a: float, b: float) -> float:
    """log(Gamma(a) / Gamma(a + b)) for a >= 10, from
    log Gamma(z) = (z - 1/2) log z - z + log(2 pi) / 2 + stirling_tail(z)."""
    return (
        -(a - 0.5) * math.log1p(b / a)
        - b * math.log(a + b)
        + b
        + _stirling_tail(a)
        - _stirling_tail(a + b)
    )


# 1 / 12, -1 / 360, 1 / 1260, ...: the Bernoulli-number coefficients B_2k / (2k (2k - 1))
_STIRLING_COEFFS = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)


def _stirling_tail(z: float) -> float:
    """log Gamma(z) - [(z - 1/2) log z - z + log(2 pi) / 2] for z >= 10 (Abramowitz & Stegun
    6.1.41); the next term is below 1e-16 of the value there."""
    inv_sq = 1.0 / (z * z)
    total = 0.0
    for coeff in reversed(_STIRLING_COEFFS):
        total = total * inv_sq + coeff
    return total / z


_TINY = 1e-300  # stands in for a zero denominator in Lentz's method
_FRACTION_EPS = 1e-15
_FRACTION_MAX_TERMS = 10_000


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction 1 / (1 + d1 / (1 + d2 / (1 + ...))) with
    d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)) and d_{2m} = m(b-m) x / ((a+2m-1)(a+2m)),
    by the modified Lentz method (Numerical Recipes section 5.2)."""
    num = _nonzero(1.0)  # Lentz's C_j: ratio of successive numerators
    den = 1.0 / _nonzero(1.0 - (a + b) * x / (a + 1.0))  # D_j: ratio of denominators
    value = den
    for m in range(1, _FRACTION_MAX_TERMS + 1):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for term in (even, odd):
            den = 1.0 / _nonzero(1.0 + term * den)
            num = _nonzero(1.0 + term / num)
            value *= den * num
        if abs(den * num - 1.0) < _FRACTION_EPS:
            return value
    raise ArithmeticError(f"incomplete beta fraction did not converge (a={a}, b={b}, x={x})")


def _nonzero(value: float) -> float:
    return value if abs(value) >= _TINY else _TINY
