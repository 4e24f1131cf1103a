/*
 * Reconciling replicas of the weights (distributed training, pyw2v/distributed/merge.py):
 * the rows several replicas changed since they last agreed, merged into the
 * authoritative matrix M. For the union of the changed rows r_j (compact index j) and
 * each replica k that changed r_j, with its value v_k:
 *
 *     summed:   M[r_j] += sum_k (v_k - M[r_j])
 *     averaged: M[r_j] += sum_k (v_k - M[r_j]) / n_j      (n_j replicas changed r_j)
 *
 * as the caller's per-row choice says, and a row one replica alone changed takes its
 * value exactly (M + (v - M) rounds).
 */
#include "w2v.h"

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

void w2v_merge_finish(float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                      int64_t n_rows, float *merged, const int32_t *touched,
                      const uint8_t *averaged) {
    for (int64_t j = 0; j < n_rows; j++) {
        if (touched[j] < 2) continue; /* w2v_merge_take_alone's */
        float *row = matrix + rows[j] * stride, *sum = merged + j * dim;
        const float n = averaged && averaged[rows[j]] ? (float)touched[j] : 1.0f;
        for (int64_t c = 0; c < dim; c++) {
            sum[c] = row[c] + sum[c] / n;
            row[c] = sum[c];
        }
    }
}

void w2v_merge_take_alone(float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                          const int64_t *at, int64_t n, const float *values, float *merged,
                          const int32_t *touched) {
    const size_t bytes = (size_t)dim * sizeof(float);
    for (int64_t i = 0; i < n; i++) {
        const int64_t j = at[i];
        if (touched[j] != 1) continue;
        memcpy(merged + j * dim, values + i * dim, bytes);
        memcpy(matrix + rows[j] * stride, values + i * dim, bytes);
    }
}
