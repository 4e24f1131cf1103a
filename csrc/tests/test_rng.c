/* Unit tests of the random number generator (rng.h) and w2v_window_reaches. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "rng.h"
#include "w2v.h"

#define N_SAMPLES 1000000

/* SplitMix64 known answers: outputs of Vigna's reference splitmix64.c (x += gamma, then
 * the mix), computed independently. */
static void test_known_answers(void) {
    uint64_t state = 0;
    CHECK(w2v_rng_next(&state) == 0xe220a8397b1dcdafULL);
    CHECK(w2v_rng_next(&state) == 0x6e789e6aa1b965f4ULL);
    CHECK(w2v_rng_next(&state) == 0x06c45d188009454fULL);
    CHECK(state == 3 * W2V_RNG_GAMMA);
    state = 1234567;
    CHECK(w2v_rng_next(&state) == 0x599ed017fb08fc85ULL);
    CHECK(w2v_rng_next(&state) == 0x2c73f08458540fa5ULL);
    CHECK(w2v_rng_next(&state) == 0x883ebce5a3f27c77ULL);
}

static void test_determinism(void) {
    uint64_t a = 42, b = 42, c = 43;
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = w2v_rng_next(&a);
        same &= x == w2v_rng_next(&b);
        differ += x != w2v_rng_next(&c);
    }
    CHECK(same);
    CHECK(differ == 1000); /* a 64-bit coincidence has probability ~1000 / 2^64 */
}

/* Streams of one seed, and one stream of different seeds, start at different states
 * and share no output among their first values. */
static void test_streams(void) {
    enum { STREAMS = 16, LEN = 256 };
    static uint64_t out[2 * STREAMS * LEN];
    int n = 0;
    for (uint64_t s = 0; s < STREAMS; s++) {
        uint64_t state = w2v_rng_seed(2024, s);
        for (int i = 0; i < LEN; i++) out[n++] = w2v_rng_next(&state);
    }
    for (uint64_t seed = 0; seed < STREAMS; seed++) {
        uint64_t state = w2v_rng_seed(seed, 0);
        for (int i = 0; i < LEN; i++) out[n++] = w2v_rng_next(&state);
    }
    CHECK(w2v_rng_seed(2024, 0) == w2v_rng_seed(2024, 0));
    CHECK(w2v_rng_seed(2024, 0) != w2v_rng_seed(2024, 1));
    CHECK(w2v_rng_seed(2024, 0) != w2v_rng_seed(2025, 0));
    /* all (seed, stream) pairs of a 32 x 32 grid give distinct states: the stream is
     * mixed before it meets the seed, so e.g. (1, 0) and (0, 1) do not collide */
    static uint64_t states[32 * 32];
    for (uint64_t seed = 0; seed < 32; seed++)
        for (uint64_t s = 0; s < 32; s++) states[seed * 32 + s] = w2v_rng_seed(seed, s);
    long collisions = 0;
    for (int i = 0; i < 32 * 32; i++)
        for (int j = i + 1; j < 32 * 32; j++) collisions += states[i] == states[j];
    CHECK(collisions == 0);
    /* 8192 values of 64 bits: any repeat (probability ~2^-38 if random) means overlap */
    long repeats = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) repeats += out[i] == out[j];
    CHECK(repeats == 0);
}

static void test_uniform(void) {
    CHECK(w2v_rng_uniform(0) == 0.0f);
    CHECK(w2v_rng_uniform(UINT64_MAX) < 1.0f);
    CHECK(w2v_rng_uniform(UINT64_MAX) == 1.0f - 1.0f / 16777216.0f);
    CHECK(w2v_rng_uniform(1ULL << 63) == 0.5f);
    uint64_t state = w2v_rng_seed(7, 0);
    double sum = 0.0;
    long out_of_range = 0, hist[10] = {0};
    for (int i = 0; i < N_SAMPLES; i++) {
        float u = w2v_rng_uniform(w2v_rng_next(&state));
        if (!(u >= 0.0f && u < 1.0f)) {
            out_of_range++;
            continue;
        }
        sum += u;
        hist[(int)(u * 10.0f) < 10 ? (int)(u * 10.0f) : 9]++;
    }
    CHECK(out_of_range == 0);
    double mean = sum / N_SAMPLES;
    /* 5 standard deviations of the mean of U(0,1): sqrt(1/12 / n) = 2.9e-4 */
    CHECKF(fabs(mean - 0.5) <= 5.0 * sqrt(1.0 / 12.0 / N_SAMPLES), "mean %.6f", mean);
    for (int k = 0; k < 10; k++) {
        /* deciles: binomial p = 0.1, 5 standard deviations */
        double tol = 5.0 * sqrt(0.1 * 0.9 * N_SAMPLES);
        CHECKF(fabs(hist[k] - 0.1 * N_SAMPLES) <= tol, "decile %d: %ld", k, hist[k]);
    }
}

/* Per-bucket 5-sigma test and chi-square of n_samples values in [0, n). */
static void check_uniform_counts(const char *name, const long *hist, int n, long n_samples) {
    double p = 1.0 / n, expected = p * n_samples, chi2 = 0.0;
    for (int k = 0; k < n; k++) {
        double tol = 5.0 * sqrt(n_samples * p * (1.0 - p)); /* binomial, 5 sigma */
        CHECKF(fabs(hist[k] - expected) <= tol, "%s: bucket %d has %ld, expected %.0f", name, k,
               hist[k], expected);
        chi2 += (hist[k] - expected) * (hist[k] - expected) / expected;
    }
    /* chi-square with n - 1 <= 9 degrees of freedom exceeds 45 with probability < 1e-6 */
    CHECKF(chi2 <= 45.0, "%s: chi-square %.2f", name, chi2);
}

static void test_below(void) {
    CHECK(w2v_rng_below(0, 7) == 0);
    CHECK(w2v_rng_below(UINT64_MAX, 7) == 6);
    CHECK(w2v_rng_below(UINT64_MAX, UINT32_MAX) == UINT32_MAX - 1);
    CHECK(w2v_rng_below(UINT64_MAX, 1) == 0);
    /* only the high 32 bits matter */
    CHECK(w2v_rng_below(0x00000000ffffffffULL, 7) == 0);

    uint64_t state = w2v_rng_seed(99, 3);
    long hist[7] = {0}, out_of_range = 0, ones = 0;
    for (int i = 0; i < N_SAMPLES; i++) {
        uint64_t r = w2v_rng_next(&state);
        uint32_t k = w2v_rng_below(r, 7);
        if (k >= 7)
            out_of_range++;
        else
            hist[k]++;
        ones += w2v_rng_below(r, 1) != 0;
        out_of_range += w2v_rng_below(r, 1000003) >= 1000003;
    }
    CHECK(out_of_range == 0);
    CHECK(ones == 0);
    check_uniform_counts("below(7)", hist, 7, N_SAMPLES);
}

static void test_reach(void) {
    uint64_t state = w2v_rng_seed(5, 1);
    long hist[5] = {0}, out_of_range = 0, not_one = 0;
    for (int i = 0; i < N_SAMPLES; i++) {
        int32_t m = w2v_rng_reach(&state, 5);
        if (m < 1 || m > 5)
            out_of_range++;
        else
            hist[m - 1]++;
        not_one += w2v_rng_reach(&state, 1) != 1;
    }
    CHECK(out_of_range == 0);
    CHECK(not_one == 0);
    check_uniform_counts("reach(5)", hist, 5, N_SAMPLES);
}

static void test_window_reaches(void) {
    int32_t out[4] = {-7, -7, -7, -7};
    CHECK(w2v_window_reaches(1, 0, 4, out) == W2V_ERR_INVALID);
    CHECK(w2v_window_reaches(1, -3, 4, out) == W2V_ERR_INVALID);
    CHECK(w2v_window_reaches(1, 5, -1, out) == W2V_ERR_INVALID);
    CHECK(out[0] == -7 && out[3] == -7); /* nothing written on error */
    CHECK(w2v_window_reaches(1, 5, 0, out) == W2V_OK);

    int32_t *a = malloc(N_SAMPLES * sizeof *a), *b = malloc(N_SAMPLES * sizeof *b);
    CHECK(a != NULL && b != NULL);
    if (a && b) {
        CHECK(w2v_window_reaches(11, 8, N_SAMPLES, a) == W2V_OK);
        CHECK(w2v_window_reaches(11, 8, N_SAMPLES, b) == W2V_OK);
        long hist[8] = {0}, out_of_range = 0, differ = 0, equal = 0;
        for (int i = 0; i < N_SAMPLES; i++) {
            if (a[i] < 1 || a[i] > 8)
                out_of_range++;
            else
                hist[a[i] - 1]++;
            differ += a[i] != b[i];
        }
        CHECK(out_of_range == 0);
        CHECK(differ == 0); /* a seed fixes the reaches */
        check_uniform_counts("window_reaches(8)", hist, 8, N_SAMPLES);
        CHECK(w2v_window_reaches(12, 8, N_SAMPLES, b) == W2V_OK);
        for (int i = 0; i < N_SAMPLES; i++) equal += a[i] == b[i];
        CHECK(equal < N_SAMPLES / 4); /* independent streams agree 1/8 of the time */
    }
    free(a);
    free(b);
}

int main(void) {
    test_known_answers();
    test_determinism();
    test_streams();
    test_uniform();
    test_below();
    test_reach();
    test_window_reaches();
    return check_exit("test_rng");
}
