/*
 * The pair step of step_pair.c for AVX2+FMA: a center's context rows, two at a time,
 * against the same distinct output rows o_t. Of a pair, input rows a (first) and b, the
 * second step sees the rows the first one moved, o_t' = o_t + s_t a, so its scores and
 * its gradient follow from the rows before both:
 *     x_t = o_t.a,   s_t = alpha (y_t - sigma(x_t))            (step a)
 *     x'_t = o_t'.b = o_t.b + s_t (a.b),   s'_t = alpha (y_t - sigma(x'_t))   (step b)
 *     grad_a = sum_t s_t o_t,   grad_b = sum_t s'_t o_t' = sum_t s'_t o_t + (sum_t s'_t s_t) a
 *     o_t += s_t a, then += s'_t b;   a += grad_a;   b += grad_b
 * which is step a then step b (b is not a, so step a leaves b as it was). Each output
 * row is read once for both scores (four rows at a time against a and b) and once for
 * the update, and written once, where two steps read it four times and write it twice. The update
 * runs over blocks of 3 registers of columns: a, b and both gradients in registers (12 of 16).
 * A row repeated right after itself (a word twice in a row in the window) trains as a
 * one-row step.
 */
#include "step_avx2.h"

#if W2V_HAVE_X86_VARIANTS
#include "w2v.h"

#define W2V_PAIR_BLOCK 3

/* The scores of rows o_t, ..., o_t+3 against a and against b in one pass over the rows:
 * eight sums as dot_rows8's (a's four in lanes 0..3, b's in lanes 4..7). */
W2V_AVX2 __m256 dot_rows4x2(const float *a, const float *b, float *const *rows, int n_full,
                            int dim) {
    const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps();
    __m256 a3 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    __m256 b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    const int end = 8 * n_full;
    for (int c = 0; c < end; c += 8) {
        const __m256 ha = _mm256_loadu_ps(a + c), hb = _mm256_loadu_ps(b + c);
        __m256 row = _mm256_loadu_ps(r0 + c);
        a0 = _mm256_fmadd_ps(ha, row, a0);
        b0 = _mm256_fmadd_ps(hb, row, b0);
        row = _mm256_loadu_ps(r1 + c);
        a1 = _mm256_fmadd_ps(ha, row, a1);
        b1 = _mm256_fmadd_ps(hb, row, b1);
        row = _mm256_loadu_ps(r2 + c);
        a2 = _mm256_fmadd_ps(ha, row, a2);
        b2 = _mm256_fmadd_ps(hb, row, b2);
        row = _mm256_loadu_ps(r3 + c);
        a3 = _mm256_fmadd_ps(ha, row, a3);
        b3 = _mm256_fmadd_ps(hb, row, b3);
    }
    if (dim > end) {
        const __m256i m = tail_mask(dim);
        const __m256 ha = _mm256_maskload_ps(a + end, m), hb = _mm256_maskload_ps(b + end, m);
        __m256 row = _mm256_maskload_ps(r0 + end, m);
        a0 = _mm256_fmadd_ps(ha, row, a0);
        b0 = _mm256_fmadd_ps(hb, row, b0);
        row = _mm256_maskload_ps(r1 + end, m);
        a1 = _mm256_fmadd_ps(ha, row, a1);
        b1 = _mm256_fmadd_ps(hb, row, b1);
        row = _mm256_maskload_ps(r2 + end, m);
        a2 = _mm256_fmadd_ps(ha, row, a2);
        b2 = _mm256_fmadd_ps(hb, row, b2);
        row = _mm256_maskload_ps(r3 + end, m);
        a3 = _mm256_fmadd_ps(ha, row, a3);
        b3 = _mm256_fmadd_ps(hb, row, b3);
    }
    return sum_lanes8(a0, a1, a2, a3, b0, b1, b2, b3);
}

/* Columns [col, col + 8 nreg) of the update above; k = sum_t s'_t s_t. */
W2V_AVX2 void pair_columns(const int nreg, int col, float *a, float *b, float *const *out_rows,
                           const float *s, const float *s2, int32_t n, float k) {
    __m256 ha[W2V_PAIR_BLOCK], hb[W2V_PAIR_BLOCK], ga[W2V_PAIR_BLOCK], gb[W2V_PAIR_BLOCK];
    FOR_EACH_REG(v, nreg) {
        ha[v] = _mm256_loadu_ps(a + col + 8 * v);
        hb[v] = _mm256_loadu_ps(b + col + 8 * v);
        ga[v] = gb[v] = _mm256_setzero_ps();
    }
    for (int32_t t = 0; t < n; t++) {
        float *out = out_rows[t] + col;
        W2V_POINTER_IN_REGISTER(out);
        const __m256 step = _mm256_set1_ps(s[t]), step2 = _mm256_set1_ps(s2[t]);
        FOR_EACH_REG(v, nreg) {
            __m256 row = _mm256_loadu_ps(out + 8 * v);
            W2V_IN_REGISTER(row);
            ga[v] = _mm256_fmadd_ps(row, step, ga[v]);
            gb[v] = _mm256_fmadd_ps(row, step2, gb[v]);
            row = _mm256_fmadd_ps(ha[v], step, row);
            _mm256_storeu_ps(out + 8 * v, _mm256_fmadd_ps(hb[v], step2, row));
        }
    }
    const __m256 kk = _mm256_set1_ps(k);
    FOR_EACH_REG(v, nreg) {
        gb[v] = _mm256_fmadd_ps(ha[v], kk, gb[v]);
        _mm256_storeu_ps(a + col + 8 * v, _mm256_add_ps(ha[v], ga[v]));
        _mm256_storeu_ps(b + col + 8 * v, _mm256_add_ps(hb[v], gb[v]));
    }
}

/* The same for the 4 columns at col, in 4-wide registers. */
W2V_AVX2 void pair_quad(int col, float *a, float *b, float *const *out_rows, const float *s,
                        const float *s2, int32_t n, float k) {
    const __m128 ha = _mm_loadu_ps(a + col), hb = _mm_loadu_ps(b + col);
    __m128 ga = _mm_setzero_ps(), gb = _mm_setzero_ps();
    for (int32_t t = 0; t < n; t++) {
        float *out = out_rows[t] + col;
        const __m128 step = _mm_set1_ps(s[t]), step2 = _mm_set1_ps(s2[t]);
        __m128 row = _mm_loadu_ps(out);
        ga = _mm_fmadd_ps(row, step, ga);
        gb = _mm_fmadd_ps(row, step2, gb);
        row = _mm_fmadd_ps(ha, step, row);
        _mm_storeu_ps(out, _mm_fmadd_ps(hb, step2, row));
    }
    gb = _mm_fmadd_ps(ha, _mm_set1_ps(k), gb);
    _mm_storeu_ps(a + col, _mm_add_ps(ha, ga));
    _mm_storeu_ps(b + col, _mm_add_ps(hb, gb));
}

/* One pair's update: o_t += s_t a + s'_t b, a += grad_a, b += grad_b (above), column
 * block by column block. */
W2V_AVX2 void pair_update(float *a, float *b, float *const *out_rows, const float *steps,
                          const float *steps2, int32_t n, float k, int dim) {
    const int n_full = dim / 8;
    const int quad = dim - 8 * n_full >= 4;
    const int tail = 8 * n_full + 4 * quad;
    int col = 0, left = n_full;
    for (; left >= W2V_PAIR_BLOCK; left -= W2V_PAIR_BLOCK, col += 8 * W2V_PAIR_BLOCK)
        pair_columns(W2V_PAIR_BLOCK, col, a, b, out_rows, steps, steps2, n, k);
    if (left == 2) pair_columns(2, col, a, b, out_rows, steps, steps2, n, k);
    if (left == 1) pair_columns(1, col, a, b, out_rows, steps, steps2, n, k);
    if (quad) pair_quad(8 * n_full, a, b, out_rows, steps, steps2, n, k);
    for (int c = tail; c < dim; c++) {
        const float ha = a[c], hb = b[c];
        float ga = 0.0f, gb = 0.0f;
        for (int32_t t = 0; t < n; t++) {
            const float row = out_rows[t][c];
            ga += steps[t] * row;
            gb += steps2[t] * row;
            out_rows[t][c] = row + steps[t] * ha + steps2[t] * hb;
        }
        a[c] = ha + ga;
        b[c] = hb + gb + k * ha;
    }
}

__attribute__((target("avx2,fma"))) double w2v_pair_avx2(W2V_STEP_ARGS) {
    if (step->in_lockf || !w2v_scores_ahead(step))
        return w2v_pair_by_steps(step, dim, sigmoid, scratch, alpha, w2v_step_avx2_fused);
    const int n_full = dim / 8;
    float *const *in_rows = step->in_rows;
    float *const *out_rows = step->out_rows;
    const int32_t n = step->n_out, n_in = step->n_in;
    double loss = 0.0;
    for (int32_t i = 0; i < n_in;) {
        float *a = in_rows[i];
        if (i + 1 == n_in || in_rows[i + 1] == a) { /* no pair: a one-row step */
            loss += w2v_row_step(step, dim, sigmoid, scratch, alpha, i, w2v_step_avx2_fused);
            i++;
            continue;
        }
        float *b = in_rows[i + 1];
        /* scores against a and (before the correction) b; up to the 8 rows sigmoid_steps
         * reads */
        float scores[W2V_SCORES_AHEAD], scores2[W2V_SCORES_AHEAD];
        float steps[W2V_SCORES_AHEAD], steps2[W2V_SCORES_AHEAD];
        int32_t t = 0;
        for (; t + 4 <= n; t += 4) {
            float both[8];
            _mm256_storeu_ps(both, dot_rows4x2(a, b, out_rows + t, n_full, dim));
            for (int j = 0; j < 4; j++) {
                scores[t + j] = both[j];
                scores2[t + j] = both[4 + j];
            }
        }
        for (; t < n; t++) {
            scores[t] = dot_row(a, out_rows[t], n_full, dim);
            scores2[t] = dot_row(b, out_rows[t], n_full, dim);
        }
        for (; t % 8; t++) scores[t] = scores2[t] = 0.0f;
        loss += sigmoid_steps(sigmoid, scores, step->labels, n, alpha, steps, step->skip_loss);
        const float ab = dot_row(a, b, n_full, dim);
        for (t = 0; t < n; t++) scores2[t] += steps[t] * ab; /* o_t'.b */
        loss += sigmoid_steps(sigmoid, scores2, step->labels, n, alpha, steps2, step->skip_loss);
        float k = 0.0f;
        for (t = 0; t < n; t++) k += steps2[t] * steps[t];
        pair_update(a, b, out_rows, steps, steps2, n, k, dim);
        i += 2;
    }
    return loss;
}
#endif
