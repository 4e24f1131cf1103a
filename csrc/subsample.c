/*
 * Frequent-word subsampling (Mikolov et al. 2013b, in word2vec.c's form): a word of
 * corpus frequency f = count / total is kept with probability
 *     min(1, (sqrt(f / t) + 1) * t / f),     t = sample (1e-3 by default).
 * For f >> t this is about sqrt(t / f), the paper's 1 - P(discard).
 */
#include <math.h>

#include "w2v.h"

int w2v_subsample_keep_probs(const int64_t *counts, int32_t n_words, double sample, float *keep) {
    if (n_words < 0 || !(sample >= 0.0) || !isfinite(sample)) return W2V_ERR_INVALID;
    double total = 0.0;
    for (int32_t i = 0; i < n_words; i++) {
        if (counts[i] < 0) return W2V_ERR_INVALID;
        total += (double)counts[i];
    }
    for (int32_t i = 0; i < n_words; i++) {
        double prob = 1.0;
        if (sample > 0.0 && counts[i] > 0) {
            double ratio = (double)counts[i] / (sample * total); /* f / t */
            prob = (sqrt(ratio) + 1.0) / ratio;
        }
        keep[i] = prob < 1.0 ? (float)prob : 1.0f;
    }
    return W2V_OK;
}
