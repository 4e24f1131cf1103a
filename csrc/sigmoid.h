/* Inline lookups of the sigmoid table for the hot path; see sigmoid.c for the rule. */
#ifndef W2V_SIGMOID_H
#define W2V_SIGMOID_H

#include "w2v.h"

#define W2V_SIGMOID_SCALE ((float)W2V_SIGMOID_SIZE / (2.0f * W2V_MAX_EXP))

static inline int w2v_sigmoid_bin(float x) {
    int bin = (int)((x + W2V_MAX_EXP) * W2V_SIGMOID_SCALE);
    return bin < W2V_SIGMOID_SIZE - 1 ? bin : W2V_SIGMOID_SIZE - 1;
}

/* Written so that NaN takes the last branch and never indexes the table. */
static inline float w2v_sigmoid_fast(const w2v_sigmoid *table, float x) {
    if (x >= W2V_MAX_EXP) return 1.0f;
    if (x > -W2V_MAX_EXP) return table->sigma[w2v_sigmoid_bin(x)];
    return 0.0f;
}

static inline float w2v_neg_log_sigmoid_fast(const w2v_sigmoid *table, float x) {
    if (x >= W2V_MAX_EXP) return 0.0f;
    if (x > -W2V_MAX_EXP) return table->neg_log_sigma[w2v_sigmoid_bin(x)];
    return -x;
}

#endif /* W2V_SIGMOID_H */
