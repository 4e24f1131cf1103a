/* Unit tests of the noise distribution (noise.c): w2v_noise_build, w2v_noise_draw,
 * w2v_noise_draws. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "w2v.h"

#define TWO_32 4294967296.0

/* The distribution the alias table encodes: bucket b (probability 1/V) returns b with
 * probability threshold_b / 2^32 and alias_b otherwise. Returns 0 on a bad alias. */
static int implied_distribution(const w2v_noise *noise, double *p) {
    int32_t v = noise->n_words;
    for (int32_t i = 0; i < v; i++) p[i] = 0.0;
    for (int32_t b = 0; b < v; b++) {
        const w2v_alias_slot *slot = &noise->slots[b];
        if (slot->alias < 0 || slot->alias >= v) return 0;
        double keep = slot->threshold / TWO_32;
        p[b] += keep / v;
        p[slot->alias] += (1.0 - keep) / v;
    }
    return 1;
}

/* Builds the table for counts^power and compares it with the exact distribution. */
static void check_build(const char *name, const int64_t *counts, int32_t n, double power) {
    w2v_noise noise;
    int status = w2v_noise_build(&noise, counts, n, power);
    CHECKF(status == W2V_OK, "%s power %g: status %d", name, power, status);
    if (status != W2V_OK) return;
    CHECK(noise.n_words == n && noise.slots != NULL);

    double *p = malloc((size_t)n * sizeof *p);
    double *q = malloc((size_t)n * sizeof *q);
    CHECK(p != NULL && q != NULL);
    if (p && q) {
        double total = 0.0;
        for (int32_t i = 0; i < n; i++) total += q[i] = pow((double)counts[i], power);
        int aliases_ok = implied_distribution(&noise, p);
        CHECKF(aliases_ok, "%s: an alias is outside [0, V)", name);
        double worst = 0.0;
        for (int32_t i = 0; aliases_ok && i < n; i++) {
            double err = fabs(p[i] - q[i] / total);
            if (err > worst) worst = err;
        }
        /* Rounding thresholds to 32 bits costs 2^-32/V per bucket mentioning a word
         * (<= V of them: <= 2.3e-10), the double arithmetic of Vose's loop far less:
         * 1e-9 absolute leaves room and still catches any mistake of 1/V scale. */
        CHECKF(worst <= 1e-9, "%s power %g: max |P_alias - P_n| = %.3g", name, power, worst);
    }
    free(p);
    free(q);
    w2v_noise_free(&noise);
    CHECK(noise.slots == NULL && noise.n_words == 0);
}

static void test_distributions(void) {
    static int64_t zipf[1000], equal[100];
    for (int i = 0; i < 1000; i++) zipf[i] = 1000000 / (i + 1); /* 1e6 .. 1000 */
    for (int i = 0; i < 100; i++) equal[i] = 7;
    const int64_t one[1] = {5};
    const int64_t two[2] = {1, 3};
    const int64_t skewed[3] = {1, 1000000000000LL, 2};
    /* word2vec's, uniform, proportional, and negative (rare words drawn more: gensim
     * accepts ns_exponent < 0) */
    const double powers[4] = {0.75, 0.0, 1.0, -1.0};
    for (int k = 0; k < 4; k++) {
        check_build("single word", one, 1, powers[k]);
        check_build("two words", two, 2, powers[k]);
        check_build("zipf 1000", zipf, 1000, powers[k]);
        check_build("all equal", equal, 100, powers[k]);
        check_build("skewed", skewed, 3, powers[k]);
    }
    /* power 0 is uniform even when counts differ: each bucket keeps itself (up to the
     * top threshold 2^32 - 1, a 2^-32 rounding) */
    w2v_noise noise;
    CHECK(w2v_noise_build(&noise, zipf, 1000, 0.0) == W2V_OK);
    int not_self = 0;
    for (int32_t b = 0; b < 1000; b++)
        if (noise.slots[b].threshold < UINT32_MAX - 1 && noise.slots[b].alias != b) not_self++;
    CHECK(not_self == 0);
    w2v_noise_free(&noise);
}

static void test_invalid(void) {
    const int64_t with_zero[3] = {4, 0, 2};
    const int64_t with_negative[3] = {4, 2, -1};
    const int64_t fine[3] = {4, 2, 1};
    const int64_t large[3] = {1000000, 2000000, 3000000}; /* ^-1000 underflows to 0 */
    const struct {
        const int64_t *counts;
        int32_t n;
        double power;
    } cases[] = {
        {with_zero, 3, 0.75}, {with_negative, 3, 0.75}, {fine, 0, 0.75},
        {fine, -1, 0.75},     {large, 3, -1000.0},      {fine, 3, NAN},
        {fine, 3, INFINITY},  {fine, 3, -INFINITY},     {with_zero, 3, 0.0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        w2v_noise noise;
        int status = w2v_noise_build(&noise, cases[k].counts, cases[k].n, cases[k].power);
        CHECKF(status == W2V_ERR_INVALID, "case %zu: status %d", k, status);
        /* a failed build leaves nothing to free (so _free on it is harmless) */
        CHECKF(noise.slots == NULL && noise.n_words == 0, "case %zu", k);
        w2v_noise_free(&noise);
    }
}

/* w2v_noise_draw: the high 32 bits pick the bucket, the low 32 bits are compared with
 * its threshold. */
static void test_draw_bits(void) {
    const int64_t counts[5] = {50, 1, 7, 300, 2};
    w2v_noise noise;
    CHECK(w2v_noise_build(&noise, counts, 5, 0.75) == W2V_OK);
    int bad = 0;
    for (uint32_t b = 0; b < 5; b++) {
        /* the smallest high word whose multiply-shift bucket is b */
        uint64_t high = ((uint64_t)b << 32) / 5 + (((uint64_t)b << 32) % 5 != 0);
        uint64_t r0 = high << 32, r1 = (high << 32) | 0xffffffffULL;
        w2v_alias_slot slot = noise.slots[b];
        int32_t low_draw = slot.threshold > 0 ? (int32_t)b : slot.alias;
        if (w2v_noise_draw(&noise, r0) != low_draw) bad++;
        if (w2v_noise_draw(&noise, r1) != slot.alias) bad++; /* 2^32-1 is never below */
    }
    CHECK(bad == 0);
    w2v_noise_free(&noise);
}

static void test_draws(void) {
    enum { V = 10, N = 1000000 };
    const int64_t counts[V] = {1000, 500, 300, 200, 100, 50, 20, 10, 5, 1};
    w2v_noise noise;
    CHECK(w2v_noise_build(&noise, counts, V, 0.75) == W2V_OK);
    int32_t *draws = malloc(N * sizeof *draws);
    int32_t *again = malloc(N * sizeof *again);
    CHECK(draws != NULL && again != NULL);
    if (draws && again) {
        w2v_noise_draws(&noise, 12345, N, draws);
        long hist[V] = {0};
        int out_of_range = 0;
        for (int i = 0; i < N; i++) {
            if (draws[i] < 0 || draws[i] >= V)
                out_of_range++;
            else
                hist[draws[i]]++;
        }
        CHECK(out_of_range == 0);
        double total = 0.0;
        for (int i = 0; i < V; i++) total += pow((double)counts[i], 0.75);
        for (int i = 0; i < V; i++) {
            double p = pow((double)counts[i], 0.75) / total;
            double freq = (double)hist[i] / N;
            /* 5 binomial standard deviations: a false alarm has probability ~6e-7 */
            double tol = 5.0 * sqrt(p * (1.0 - p) / N);
            CHECKF(fabs(freq - p) <= tol, "word %d: frequency %.6f, expected %.6f +- %.6f", i, freq,
                   p, tol);
        }
        /* a seed fixes the stream; another seed gives another one */
        w2v_noise_draws(&noise, 12345, N, again);
        int same = 1;
        for (int i = 0; i < N; i++) same &= draws[i] == again[i];
        CHECK(same);
        w2v_noise_draws(&noise, 54321, N, again);
        long equal = 0;
        for (int i = 0; i < N; i++) equal += draws[i] == again[i];
        CHECK(equal < N / 2); /* two independent streams agree ~ sum p^2 = 25% of the time */
    }
    free(draws);
    free(again);
    w2v_noise_free(&noise);

    /* a single word is always drawn */
    const int64_t one[1] = {3};
    int32_t few[1000];
    CHECK(w2v_noise_build(&noise, one, 1, 0.75) == W2V_OK);
    w2v_noise_draws(&noise, 7, 1000, few);
    int not_zero = 0;
    for (int i = 0; i < 1000; i++) not_zero += few[i] != 0;
    CHECK(not_zero == 0);
    w2v_noise_free(&noise);
}

int main(void) {
    test_distributions();
    test_invalid();
    test_draw_bits();
    test_draws();
    return check_exit("test_noise");
}
