/*
 * The sigmoid table and its clipping rule.
 *
 * Like word2vec.c, sigma(x) = 1 / (1 + e^-x) is read from a table of
 * W2V_SIGMOID_SIZE = 1000 bins over [-6, 6]. Unlike word2vec.c, entry i holds sigma at
 * the centre of bin i, which halves the error: |table - sigma| <= max sigma' * half a
 * bin = 0.25 * 0.006 = 0.0015.
 *
 * Outside [-6, 6] sigma saturates to exactly 1 or 0, so the gradient g = sigma - label
 * is 0 for a sample classified right beyond the margin and +-1 for one classified
 * wrong (true values differ by < sigma(-6) = 0.0025). No exp() is evaluated on the hot
 * path, so nothing can overflow into Inf or NaN. The loss -log sigma(x) = softplus(-x)
 * is tabulated on the same bins and continued by its asymptotes, 0 and -x.
 */
#include <math.h>

#include "sigmoid.h"

void w2v_sigmoid_init(w2v_sigmoid *table) {
    for (int i = 0; i < W2V_SIGMOID_SIZE; i++) {
        double x = -W2V_MAX_EXP + (i + 0.5) / W2V_SIGMOID_SCALE;
        table->sigma[i] = (float)(1.0 / (1.0 + exp(-x)));
        table->neg_log_sigma[i] = (float)log1p(exp(-x));
    }
}

float w2v_sigmoid_value(const w2v_sigmoid *table, float x) { return w2v_sigmoid_fast(table, x); }

float w2v_sigmoid_neg_log(const w2v_sigmoid *table, float x) {
    return w2v_neg_log_sigmoid_fast(table, x);
}
