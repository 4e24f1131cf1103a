/* Unit tests of the sigmoid table (sigmoid.c): w2v_sigmoid_init, w2v_sigmoid_value,
 * w2v_sigmoid_neg_log. */
#include <math.h>

#include "check.h"
#include "w2v.h"

#define BIN_WIDTH (2.0 * W2V_MAX_EXP / W2V_SIGMOID_SIZE) /* 0.012 */

static double sigma(double x) { return 1.0 / (1.0 + exp(-x)); }
static double softplus_neg(double x) { return log1p(exp(-x)); } /* -log sigma(x) */
static double centre(int i) { return -W2V_MAX_EXP + (i + 0.5) * BIN_WIDTH; }

static void test_table_entries(const w2v_sigmoid *t) {
    int bad_sigma = 0, bad_log = 0, bad_sym = 0;
    for (int i = 0; i < W2V_SIGMOID_SIZE; i++) {
        /* 1e-6: float storage (<= 6e-8 for sigma, <= 5e-7 for values up to 6.0025) plus
         * the float bin scale 1000/12 shifting centres by <= 4e-7 in x (slopes <= 1). */
        double x = centre(i);
        if (fabs(t->sigma[i] - sigma(x)) > 1e-6) bad_sigma++;
        if (fabs(t->neg_log_sigma[i] - softplus_neg(x)) > 1e-6) bad_log++;
        /* centres are symmetric around 0 and sigma(-x) = 1 - sigma(x); same 1e-6. */
        if (fabs(t->sigma[i] + t->sigma[W2V_SIGMOID_SIZE - 1 - i] - 1.0) > 1e-6) bad_sym++;
    }
    CHECKF(bad_sigma == 0, "%d sigma entries off their bin centre value", bad_sigma);
    CHECKF(bad_log == 0, "%d neg_log entries off their bin centre value", bad_log);
    CHECKF(bad_sym == 0, "%d entries break sigma(-x) = 1 - sigma(x)", bad_sym);
}

static void test_table_monotonic(const w2v_sigmoid *t) {
    int bad_up = 0, bad_down = 0;
    for (int i = 0; i + 1 < W2V_SIGMOID_SIZE; i++) {
        if (!(t->sigma[i] <= t->sigma[i + 1])) bad_up++;
        if (!(t->neg_log_sigma[i] >= t->neg_log_sigma[i + 1])) bad_down++;
    }
    CHECK(bad_up == 0);
    CHECK(bad_down == 0);
    CHECK(t->sigma[0] > 0.0f && t->sigma[W2V_SIGMOID_SIZE - 1] < 1.0f);
}

/* The lookup picks the bin that contains x: at the centre and well inside each bin the
 * value is exactly that bin's entry. */
static void test_bin_lookup(const w2v_sigmoid *t) {
    int bad = 0;
    for (int i = 0; i < W2V_SIGMOID_SIZE; i++) {
        /* 1e-4 from the bin edges: far more than the float rounding of x + 6 (~1e-6). */
        float xs[3] = {(float)centre(i), (float)(centre(i) - 0.5 * BIN_WIDTH + 1e-4),
                       (float)(centre(i) + 0.5 * BIN_WIDTH - 1e-4)};
        for (int k = 0; k < 3; k++) {
            if (w2v_sigmoid_value(t, xs[k]) != t->sigma[i]) bad++;
            if (w2v_sigmoid_neg_log(t, xs[k]) != t->neg_log_sigma[i]) bad++;
        }
    }
    CHECKF(bad == 0, "%d lookups did not return their bin's entry", bad);
    /* the nearest floats inside (-6, 6) use the first and the last bin */
    CHECK(w2v_sigmoid_value(t, nextafterf(-W2V_MAX_EXP, 0.0f)) == t->sigma[0]);
    CHECK(w2v_sigmoid_value(t, nextafterf(W2V_MAX_EXP, 0.0f)) == t->sigma[W2V_SIGMOID_SIZE - 1]);
    CHECK(w2v_sigmoid_neg_log(t, nextafterf(W2V_MAX_EXP, 0.0f)) ==
          t->neg_log_sigma[W2V_SIGMOID_SIZE - 1]);
}

static void test_dense_grid(const w2v_sigmoid *t) {
    double worst_value = 0.0, worst_log = 0.0;
    int bad_monotone = 0;
    float previous = -1.0f;
    for (long k = -700000; k <= 700000; k++) {
        float x = (float)(k * 1e-5); /* (-7, 7) step 1e-5: ~830 points per bin */
        float v = w2v_sigmoid_value(t, x);
        if (v < previous) bad_monotone++;
        previous = v;
        if (!(x > -W2V_MAX_EXP && x < W2V_MAX_EXP)) continue;
        double ev = fabs(v - sigma(x));
        double el = fabs(w2v_sigmoid_neg_log(t, x) - softplus_neg(x));
        if (ev > worst_value) worst_value = ev;
        if (el > worst_log) worst_log = el;
    }
    /* |sigma'| <= 1/4 times half a bin (0.006) = 0.0015; 1e-6 for float rounding of the
     * entries and of the bin index near bin edges. */
    CHECKF(worst_value <= 0.0015 + 1e-6, "max |value - sigma| = %.9g", worst_value);
    /* |d/dx softplus(-x)| = sigma(-x) <= 1 times half a bin = 0.006; 1e-5 for float
     * rounding of entries up to 6.0025 (ulp 5e-7) and of the bin index. */
    CHECKF(worst_log <= 0.006 + 1e-5, "max |neg_log - softplus(-x)| = %.9g", worst_log);
    CHECK(bad_monotone == 0);
}

static void test_saturation(const w2v_sigmoid *t) {
    const float above[] = {W2V_MAX_EXP, nextafterf(W2V_MAX_EXP, 7.0f), 6.5f, 100.0f, 3e38f,
                           INFINITY};
    const float below[] = {-W2V_MAX_EXP, nextafterf(-W2V_MAX_EXP, -7.0f), -6.5f, -100.0f, -3e38f};
    for (size_t k = 0; k < sizeof above / sizeof above[0]; k++) {
        CHECKF(w2v_sigmoid_value(t, above[k]) == 1.0f, "x = %g", above[k]);
        CHECKF(w2v_sigmoid_neg_log(t, above[k]) == 0.0f, "x = %g", above[k]);
    }
    for (size_t k = 0; k < sizeof below / sizeof below[0]; k++) {
        CHECKF(w2v_sigmoid_value(t, below[k]) == 0.0f, "x = %g", below[k]);
        CHECKF(w2v_sigmoid_neg_log(t, below[k]) == -below[k], "x = %g", below[k]);
    }
    CHECK(w2v_sigmoid_value(t, -INFINITY) == 0.0f);
    CHECK(w2v_sigmoid_neg_log(t, -INFINITY) == INFINITY);
}

static void test_nan(const w2v_sigmoid *t) {
    float v = w2v_sigmoid_value(t, NAN);
    CHECKF(isfinite(v) && v >= 0.0f && v <= 1.0f, "value(NaN) = %g", v);
    /* Only "does not index the table out of bounds" is promised (the sanitizers watch);
     * the value itself may be NaN. */
    volatile float l = w2v_sigmoid_neg_log(t, NAN);
    (void)l;
}

int main(void) {
    w2v_sigmoid table;
    w2v_sigmoid_init(&table);
    test_table_entries(&table);
    test_table_monotonic(&table);
    test_bin_lookup(&table);
    test_dense_grid(&table);
    test_saturation(&table);
    test_nan(&table);
    return check_exit("test_sigmoid");
}
