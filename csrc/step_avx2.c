/*
 * The step of step.c, fused for AVX2+FMA (16 ymm registers of
 * 8 floats), for CPUs without AVX-512 (AMD before Zen 4, most desktop Intel parts).
 *
 * h and the accumulated gradient do not both fit in registers at d = 100 (13 + 13 of
 * 16), so the step runs in column blocks. The scores b_t.h need all of h and come
 * first; once they are known every update is elementwise:
 *     step_t = alpha (label_t - sigma(o_t.h))
 *     grad   = sum_t step_t o_t              (o_t before its update; = -alpha dJ/dh)
 *     o_t   += step_t h                      for each output row t
 *     a_i   += grad_scale grad               for each input row i
 * so a block of W2V_AVX2_BLOCK registers keeps its columns of h and of grad in
 * registers while it updates those columns of every output row and then of every
 * input row: each row is read once and written once per block, from L1 (the scores
 * brought the output rows in). This is the math and order of step.c when the output
 * rows are distinct; steps whose rows repeat take the generic kernel (a repeated row
 * must see its first update), as do steps with more than W2V_AVX2_MAX_CTX input rows;
 * only the summation order of the dot products differs.
 *
 * Per output row at d = 100 (benchmarks/RESULTS.md, eighth and tenth sessions): the
 * scores are taken eight rows at a time, then two (each register of h loaded once for
 * all of them), sigma and -log sigma
 * are looked up 8 rows at a time (two gathers instead of two branchy scalar lookups
 * per row), and a skip-gram step (one input row at scale 1) reads h from the input row
 * itself instead of copying it.
 *
 * Columns past the last whole register (d mod 8) are done by one 4-wide register and
 * scalar code: rows may be views of wider buffers, so nothing past d is read or
 * written, and masked stores, microcoded on several x86-64 cores, are avoided.
 */
#include "step_avx2.h"

#if W2V_HAVE_X86_VARIANTS
/* hidden[col .. col + 8 nreg) = scale * sum of the context rows' columns */
W2V_AVX2 void hidden_block(const int nreg, int col, float *const *in_rows, int32_t n_ctx,
                           float scale, float *hidden) {
    __m256 acc[W2V_AVX2_BLOCK];
    const float *first = in_rows[0] + col;
    FOR_EACH_REG(v, nreg) { acc[v] = _mm256_loadu_ps(first + 8 * v); }
    for (int32_t i = 1; i < n_ctx; i++) {
        const float *in = in_rows[i] + col;
        FOR_EACH_REG(v, nreg) { acc[v] = _mm256_add_ps(acc[v], _mm256_loadu_ps(in + 8 * v)); }
    }
    __m256 s = _mm256_set1_ps(scale);
    FOR_EACH_REG(v, nreg) { _mm256_storeu_ps(hidden + col + 8 * v, _mm256_mul_ps(acc[v], s)); }
}

/* Columns [col, col + 8 nreg) of: b_t += step_t h for every target, then a_w += grad. */
W2V_AVX2 void update_block(const int nreg, int col, const float *hidden, float *const *out_rows,
                           const float *steps, int32_t n_targets, float *const *in_rows,
                           int32_t n_ctx, float grad_scale) {
    __m256 h[W2V_AVX2_BLOCK], grad[W2V_AVX2_BLOCK];
    FOR_EACH_REG(v, nreg) {
        h[v] = _mm256_loadu_ps(hidden + col + 8 * v);
        grad[v] = _mm256_setzero_ps();
    }
    for (int32_t t = 0; t < n_targets; t++) {
        float *out = out_rows[t] + col;
        W2V_POINTER_IN_REGISTER(out);
        __m256 step = _mm256_set1_ps(steps[t]);
        FOR_EACH_REG(v, nreg) {
            __m256 row = _mm256_loadu_ps(out + 8 * v);
            W2V_IN_REGISTER(row);
            grad[v] = _mm256_fmadd_ps(row, step, grad[v]);
            row = _mm256_fmadd_ps(h[v], step, row);
            _mm256_storeu_ps(out + 8 * v, row);
        }
    }
    if (grad_scale != 1.0f) {
        __m256 s = _mm256_set1_ps(grad_scale);
        FOR_EACH_REG(v, nreg) { grad[v] = _mm256_mul_ps(grad[v], s); }
    }
    for (int32_t i = 0; i < n_ctx; i++) {
        float *in = in_rows[i] + col;
        FOR_EACH_REG(v, nreg) {
            _mm256_storeu_ps(in + 8 * v, _mm256_add_ps(_mm256_loadu_ps(in + 8 * v), grad[v]));
        }
    }
}

/* The same two steps for 4 columns at col, in one 4-wide register (d mod 8 >= 4). */
W2V_AVX2 void hidden_quad(int col, float *const *in_rows, int32_t n_ctx, float scale,
                          float *hidden) {
    __m128 acc = _mm_loadu_ps(in_rows[0] + col);
    for (int32_t i = 1; i < n_ctx; i++) acc = _mm_add_ps(acc, _mm_loadu_ps(in_rows[i] + col));
    _mm_storeu_ps(hidden + col, _mm_mul_ps(acc, _mm_set1_ps(scale)));
}

W2V_AVX2 void update_quad(int col, const float *hidden, float *const *out_rows, const float *steps,
                          int32_t n_targets, float *const *in_rows, int32_t n_ctx,
                          float grad_scale) {
    __m128 h = _mm_loadu_ps(hidden + col), grad = _mm_setzero_ps();
    for (int32_t t = 0; t < n_targets; t++) {
        float *out = out_rows[t] + col;
        __m128 step = _mm_set1_ps(steps[t]), row = _mm_loadu_ps(out);
        grad = _mm_fmadd_ps(step, row, grad);
        _mm_storeu_ps(out, _mm_fmadd_ps(step, h, row));
    }
    grad = _mm_mul_ps(grad, _mm_set1_ps(grad_scale));
    for (int32_t i = 0; i < n_ctx; i++) {
        float *in = in_rows[i] + col;
        _mm_storeu_ps(in, _mm_add_ps(_mm_loadu_ps(in), grad));
    }
}

__attribute__((target("avx2,fma"))) double w2v_step_avx2_fused(W2V_STEP_ARGS) {
    if (step->n_in > W2V_AVX2_MAX_CTX || !w2v_scores_ahead(step))
        return w2v_step_avx2(step, dim, sigmoid, scratch, alpha);
    const int n_full = dim / 8;
    float *const *in_rows = step->in_rows;
    float *const *out_rows = step->out_rows;
    const int32_t n_ctx = step->n_in, n_targets = step->n_out;
    const int quad = dim - 8 * n_full >= 4; /* 4 columns after the whole registers */
    const int tail = 8 * n_full + 4 * quad; /* the first column left to scalar code */

    /* h = s_in * sum of input rows. One row at scale 1 (skip-gram) is h itself, read in
     * place: the updates below read each column of h before they write that column of
     * the input row, so h stays the row as it was before the step. */
    const float scale = step->in_scale;
    const float *hidden = in_rows[0];
    if (n_ctx != 1 || scale != 1.0f) {
        float *sum = scratch->hidden;
        W2V_FOR_EACH_BLOCK(n_full, hidden_block, in_rows, n_ctx, scale, sum);
        if (quad) hidden_quad(8 * n_full, in_rows, n_ctx, scale, sum);
        for (int c = tail; c < dim; c++) {
            float total = 0.0f;
            for (int32_t i = 0; i < n_ctx; i++) total += in_rows[i][c];
            sum[c] = total * scale;
        }
        hidden = sum;
    }

    /* scores, loss and steps: step_t = -alpha g_t = alpha (label_t - sigma(o_t.h)) */
    float scores[W2V_SCORES_AHEAD], steps[W2V_SCORES_AHEAD];
    dot_rows(hidden, out_rows, n_targets, n_full, dim, scores);
    for (int32_t t = n_targets; t % 8; t++)
        scores[t] = 0.0f; /* up to the 8 rows sigmoid_steps reads */
    double loss =
        sigmoid_steps(sigmoid, scores, step->labels, n_targets, alpha, steps, step->skip_loss);

    const float grad_scale = step->grad_scale;
    W2V_FOR_EACH_BLOCK(n_full, update_block, hidden, out_rows, steps, n_targets, in_rows, n_ctx,
                       grad_scale);
    if (quad)
        update_quad(8 * n_full, hidden, out_rows, steps, n_targets, in_rows, n_ctx, grad_scale);
    for (int c = tail; c < dim; c++) {
        float grad = 0.0f;
        for (int32_t t = 0; t < n_targets; t++) {
            grad += steps[t] * out_rows[t][c];
            out_rows[t][c] += steps[t] * hidden[c];
        }
        grad *= grad_scale;
        for (int32_t i = 0; i < n_ctx; i++) in_rows[i][c] += grad;
    }
    return loss;
}
#endif
