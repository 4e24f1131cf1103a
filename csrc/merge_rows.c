/*
 * Reconciling replicas of the weights (distributed training, pyw2v/distributed/merge.py):
 * the rows several replicas changed since they last agreed, merged into the
 * authoritative matrix M. For the union of the changed rows r_j (compact index j) and
 * the n_j replicas k that changed r_j, with their values v_k:
 *
 *     M[r_j] += w_j sum_k (v_k - M[r_j]),   w_j = (1 - q^n_j) / (n_j (1 - q)),  q = q[r_j]
 *
 * q in [0, 1] is the row's retention (the caller's merge rule): q = 0 averages the deltas
 * (w = 1/n_j), q = 1 sums them (w = 1), and in between w is what n_j replicas' runs of
 * updates contracting towards one target would have moved the row had they run one after
 * another (docs/distributed.md). A row one replica alone changed takes its value exactly
 * (M + (v - M) rounds).
 *
 * Block momentum (pyw2v/distributed/momentum.py), when the caller keeps L, each row's last
 * applied change: a row several replicas changed moves on by rate L[r_j] more, and L[r_j]
 * becomes its whole change; a row one replica changed takes that value all the same, and
 * L[r_j] = v - M[r_j].
 */
#include "w2v.h"

#include <math.h>
#include <string.h>

void w2v_merge_add(const float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                   const int64_t *at, int64_t n, const float *values, float *merged,
                   int32_t *touched) {
    for (int64_t i = 0; i < n; i++) {
        const int64_t j = at[i];
        const float *base = matrix + rows[j] * stride, *value = values + i * dim;
        float *sum = merged + j * dim;
        touched[j]++;
        for (int64_t c = 0; c < dim; c++) sum[c] += value[c] - base[c];
    }
}

/* w_j of n replicas' deltas for retention q (above); the mean and the sum exactly. */
static float merge_weight(double q, int32_t n) {
    if (q <= 0.0) return 1.0f / (float)n;
    if (q >= 1.0) return 1.0f;
    return (float)((1.0 - pow(q, n)) / ((double)n * (1.0 - q)));
}

void w2v_merge_finish(float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                      int64_t n_rows, float *merged, const int32_t *touched, const float *retention,
                      float *last, float rate) {
    for (int64_t j = 0; j < n_rows; j++) {
        if (touched[j] < 2) continue; /* w2v_merge_take_alone's */
        float *row = matrix + rows[j] * stride, *sum = merged + j * dim;
        const double q = retention ? retention[rows[j]] : 1.0;
        if (q <= 0.0) { /* the mean, divided as before the retention existed */
            const float n = (float)touched[j];
            for (int64_t c = 0; c < dim; c++) sum[c] = row[c] + sum[c] / n;
        } else {
            const float w = merge_weight(q, touched[j]);
            for (int64_t c = 0; c < dim; c++) sum[c] = row[c] + w * sum[c]; /* 1 * x is x */
        }
        if (last) { /* M' = merged + rate L,  L = M' - M */
            float *prev = last + rows[j] * dim;
            for (int64_t c = 0; c < dim; c++) {
                sum[c] += rate * prev[c];
                prev[c] = sum[c] - row[c];
            }
        }
        for (int64_t c = 0; c < dim; c++) row[c] = sum[c];
    }
}

void w2v_merge_take_alone(float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                          const int64_t *at, int64_t n, const float *values, float *merged,
                          const int32_t *touched, float *last) {
    const size_t bytes = (size_t)dim * sizeof(float);
    for (int64_t i = 0; i < n; i++) {
        const int64_t j = at[i];
        if (touched[j] != 1) continue;
        if (last) { /* L = v - M */
            const float *row = matrix + rows[j] * stride, *value = values + i * dim;
            float *prev = last + rows[j] * dim;
            for (int64_t c = 0; c < dim; c++) prev[c] = value[c] - row[c];
        }
        memcpy(merged + j * dim, values + i * dim, bytes);
        memcpy(matrix + rows[j] * stride, values + i * dim, bytes);
    }
}
