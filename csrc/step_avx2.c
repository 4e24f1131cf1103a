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
 * Per output row at d = 100 (benchmarks/RESULTS.md, eighth session): the scores are taken
 * two rows at a time (each register of h loaded once for both), sigma and -log sigma
 * are looked up 8 rows at a time (two gathers instead of two branchy scalar lookups
 * per row), and a skip-gram step (one input row at scale 1) reads h from the input row
 * itself instead of copying it.
 *
 * Columns past the last whole register (d mod 8) are done by one 4-wide register and
 * scalar code: rows may be views of wider buffers, so nothing past d is read or
 * written, and masked stores, microcoded on several x86-64 cores, are avoided.
 */
#include "step_variants.h"

#if W2V_HAVE_X86_VARIANTS
#include <immintrin.h>

#include "sigmoid.h"

#define W2V_AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline
/* Registers per column block: 6 of h + 6 of grad + the row + the step = 14 of 16. */
#define W2V_AVX2_BLOCK 6
/* Steps with more input rows (CBOW with window > 32) take the generic kernel. */
#define W2V_AVX2_MAX_CTX 64
/* sigmoid_steps works on whole registers of 8 scores */
_Static_assert(W2V_SCORES_AHEAD % 8 == 0, "W2V_SCORES_AHEAD must be a multiple of 8");
/* Makes the compiler hold x in a register: GCC otherwise folds a loaded row into both
 * FMAs that use it as a memory operand, which costs a second load, a register copy for
 * the destructive FMA and an address computation per register. */
#define W2V_IN_REGISTER(x) __asm__("" : "+x"(x))
/* The same for a row pointer p: GCC otherwise adds a register's offset to the row's base
 * with one instruction per register instead of addressing p + 32 v (5 of 31 instructions
 * per row and block at d = 100, benchmarks/RESULTS.md). */
#define W2V_POINTER_IN_REGISTER(p) __asm__("" : "+r"(p))
#define FOR_EACH_REG(v, n) _Pragma("GCC unroll 6") for (int v = 0; v < (n); v++)

/* Calls fn(nreg, col, ...) over the whole registers of a row, W2V_AVX2_BLOCK at a time,
 * with nreg a constant in every call so that fn's register arrays stay in registers. */
#define W2V_FOR_EACH_BLOCK(n_full, fn, ...)                                                        \
    do {                                                                                           \
        int col_ = 0, left_ = (n_full);                                                            \
        for (; left_ >= W2V_AVX2_BLOCK; left_ -= W2V_AVX2_BLOCK, col_ += 8 * W2V_AVX2_BLOCK)       \
            fn(W2V_AVX2_BLOCK, col_, __VA_ARGS__);                                                 \
        switch (left_) {                                                                           \
        case 5:                                                                                    \
            fn(5, col_, __VA_ARGS__);                                                              \
            break;                                                                                 \
        case 4:                                                                                    \
            fn(4, col_, __VA_ARGS__);                                                              \
            break;                                                                                 \
        case 3:                                                                                    \
            fn(3, col_, __VA_ARGS__);                                                              \
            break;                                                                                 \
        case 2:                                                                                    \
            fn(2, col_, __VA_ARGS__);                                                              \
            break;                                                                                 \
        case 1:                                                                                    \
            fn(1, col_, __VA_ARGS__);                                                              \
            break;                                                                                 \
        default:                                                                                   \
            break;                                                                                 \
        }                                                                                          \
    } while (0)

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

/* The horizontal sum of a row's partial sums: the four whole-register ones, then the
 * 4-wide one, then the scalar tail from column i. */
W2V_AVX2 float dot_finish(__m256 acc0, __m256 acc1, __m256 acc2, __m256 acc3, __m128 quad,
                          const float *hidden, const float *row, int i, int dim) {
    __m256 all = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3));
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(all), _mm256_extractf128_ps(all, 1));
    sum = _mm_add_ps(sum, quad);
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    float score = _mm_cvtss_f32(sum);
    for (; i < dim; i++) score += hidden[i] * row[i];
    return score;
}

/* b.h over d columns: four partial sums over whole registers (named, so that they stay
 * in registers; register v adds to sum v mod 4, those after the last group of 4 to sum
 * 0), a 4-wide one over the next 4 columns if there are as many, then the scalar tail. */
W2V_AVX2 float dot_row(const float *hidden, const float *row, int n_full, int dim) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    const int groups_end = 8 * (n_full & ~3); /* one column index for h and the row */
    for (int c = 0; c < groups_end; c += 32) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(hidden + c), _mm256_loadu_ps(row + c), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(hidden + c + 8), _mm256_loadu_ps(row + c + 8), acc1);
        acc2 =
            _mm256_fmadd_ps(_mm256_loadu_ps(hidden + c + 16), _mm256_loadu_ps(row + c + 16), acc2);
        acc3 =
            _mm256_fmadd_ps(_mm256_loadu_ps(hidden + c + 24), _mm256_loadu_ps(row + c + 24), acc3);
    }
    int v = n_full & ~3;
    for (; v < n_full; v++)
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(hidden + 8 * v), _mm256_loadu_ps(row + 8 * v), acc0);
    __m128 quad = _mm_setzero_ps();
    int i = 8 * n_full;
    if (dim - i >= 4) {
        quad = _mm_mul_ps(_mm_loadu_ps(hidden + i), _mm_loadu_ps(row + i));
        i += 4;
    }
    return dot_finish(acc0, acc1, acc2, acc3, quad, hidden, row, i, dim);
}

/* dot_row for two rows at once, each with dot_row's sums in dot_row's order (so the same
 * scores): every register of h is loaded once for both rows. */
W2V_AVX2 void dot_rows2(const float *hidden, const float *a, const float *b, int n_full, int dim,
                        float *scores) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    __m256 b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    /* one column index for the three rows: the loop costs an add and a compare */
    const int groups_end = 8 * (n_full & ~3);
    for (int c = 0; c < groups_end; c += 32) {
        const __m256 h0 = _mm256_loadu_ps(hidden + c), h1 = _mm256_loadu_ps(hidden + c + 8);
        const __m256 h2 = _mm256_loadu_ps(hidden + c + 16), h3 = _mm256_loadu_ps(hidden + c + 24);
        a0 = _mm256_fmadd_ps(h0, _mm256_loadu_ps(a + c), a0);
        b0 = _mm256_fmadd_ps(h0, _mm256_loadu_ps(b + c), b0);
        a1 = _mm256_fmadd_ps(h1, _mm256_loadu_ps(a + c + 8), a1);
        b1 = _mm256_fmadd_ps(h1, _mm256_loadu_ps(b + c + 8), b1);
        a2 = _mm256_fmadd_ps(h2, _mm256_loadu_ps(a + c + 16), a2);
        b2 = _mm256_fmadd_ps(h2, _mm256_loadu_ps(b + c + 16), b2);
        a3 = _mm256_fmadd_ps(h3, _mm256_loadu_ps(a + c + 24), a3);
        b3 = _mm256_fmadd_ps(h3, _mm256_loadu_ps(b + c + 24), b3);
    }
    int v = n_full & ~3;
    for (; v < n_full; v++) {
        const __m256 h0 = _mm256_loadu_ps(hidden + 8 * v);
        a0 = _mm256_fmadd_ps(h0, _mm256_loadu_ps(a + 8 * v), a0);
        b0 = _mm256_fmadd_ps(h0, _mm256_loadu_ps(b + 8 * v), b0);
    }
    __m128 qa = _mm_setzero_ps(), qb = _mm_setzero_ps();
    int i = 8 * n_full;
    if (dim - i >= 4) {
        const __m128 h = _mm_loadu_ps(hidden + i);
        qa = _mm_mul_ps(h, _mm_loadu_ps(a + i));
        qb = _mm_mul_ps(h, _mm_loadu_ps(b + i));
        i += 4;
    }
    scores[0] = dot_finish(a0, a1, a2, a3, qa, hidden, a, i, dim);
    scores[1] = dot_finish(b0, b1, b2, b3, qb, hidden, b, i, dim);
}

/* The table's bins of 8 values as sigmoid.h's w2v_sigmoid_bin, clamped to the table also
 * for the lanes its callers discard (saturated, NaN, past the last row). */
W2V_AVX2 __m256i sigmoid_bins(__m256 x) {
    __m256i bin = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_add_ps(x, _mm256_set1_ps(W2V_MAX_EXP)),
                                                    _mm256_set1_ps(W2V_SIGMOID_SCALE)));
    bin = _mm256_min_epi32(bin, _mm256_set1_epi32(W2V_SIGMOID_SIZE - 1));
    return _mm256_max_epi32(bin, _mm256_setzero_si256());
}

/* The steps and the loss of n <= W2V_SCORES_AHEAD scored rows, 8 rows at a time:
 *     steps_t = alpha (label_t - sigma(x_t)),   loss = sum_t -log sigma(+-x_t) (sign by label)
 * with sigmoid.h's rule in every lane: sigma(x) = 1 at x >= MAX_EXP, the table's bin of x
 * above -MAX_EXP, else 0 (NaN too); -log sigma(y) = 0 at y >= MAX_EXP, the table's bin of
 * y above -MAX_EXP, else -y. The same float operations as the scalar lookups, and the
 * loss summed in row order: the same values. scores[] is read up to a multiple of 8. */
W2V_AVX2 double sigmoid_steps(const w2v_sigmoid *table, const float *scores, const float *labels,
                              int32_t n, float alpha, float *steps) {
    float losses[W2V_SCORES_AHEAD];
    const __m256 max_exp = _mm256_set1_ps(W2V_MAX_EXP), min_exp = _mm256_set1_ps(-W2V_MAX_EXP);
    const __m256 sign = _mm256_set1_ps(-0.0f), scaled = _mm256_set1_ps(alpha);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int32_t t = 0; t < n; t += 8) {
        const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - t), lanes);
        const __m256 x = _mm256_loadu_ps(scores + t);
        const __m256 label = _mm256_maskload_ps(labels + t, live);
        __m256 sig = _mm256_i32gather_ps(table->sigma, sigmoid_bins(x), 4);
        sig = _mm256_and_ps(sig, _mm256_cmp_ps(x, min_exp, _CMP_GT_OQ));
        sig = _mm256_blendv_ps(sig, _mm256_set1_ps(1.0f), _mm256_cmp_ps(x, max_exp, _CMP_GE_OQ));
        _mm256_storeu_ps(steps + t, _mm256_mul_ps(scaled, _mm256_sub_ps(label, sig)));
        /* y = x for label 1, -x for label 0 */
        const __m256 positive = _mm256_cmp_ps(label, _mm256_set1_ps(0.5f), _CMP_GT_OQ);
        const __m256 y = _mm256_blendv_ps(_mm256_xor_ps(x, sign), x, positive);
        __m256 nls = _mm256_i32gather_ps(table->neg_log_sigma, sigmoid_bins(y), 4);
        nls = _mm256_blendv_ps(_mm256_xor_ps(y, sign), nls, _mm256_cmp_ps(y, min_exp, _CMP_GT_OQ));
        nls = _mm256_andnot_ps(_mm256_cmp_ps(y, max_exp, _CMP_GE_OQ), nls);
        _mm256_storeu_ps(losses + t, nls);
    }
    double loss = 0.0;
    for (int32_t t = 0; t < n; t++) loss += losses[t];
    return loss;
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
    int32_t t = 0;
    for (; t + 2 <= n_targets; t += 2)
        dot_rows2(hidden, out_rows[t], out_rows[t + 1], n_full, dim, scores + t);
    for (; t < n_targets; t++) scores[t] = dot_row(hidden, out_rows[t], n_full, dim);
    for (; t % 8; t++) scores[t] = 0.0f; /* up to the 8 rows sigmoid_steps reads */
    double loss = sigmoid_steps(sigmoid, scores, step->labels, n_targets, alpha, steps);

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
