/*
 * What the AVX2+FMA kernels (step_avx2.c's step, step_block_avx2.c's block step) share:
 * the column-block loop, the dot products of h with output rows and the vectorised
 * sigmoid lookups. Internal to the core; every function is inlined into a function
 * compiled for avx2,fma.
 */
#ifndef W2V_STEP_AVX2_H
#define W2V_STEP_AVX2_H

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

/* The lanes of a register that hold the d mod 8 columns after the whole registers. */
W2V_AVX2 __m256i tail_mask(int dim) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(dim % 8),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The lane sums of eight registers as the 8 lanes of one. hadd(x, y) = x0+x1, x2+x3,
 * y0+y1, y2+y3 | the same for lanes 4..7: after two rounds lane r of the low half holds
 * register r's lanes 0..3 (r < 4), of the high half its lanes 4..7; the halves of the two
 * registers then add up to registers 0..7. */
W2V_AVX2 __m256 sum_lanes8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5,
                           __m256 a6, __m256 a7) {
    const __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    const __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(a4, a5), _mm256_hadd_ps(a6, a7));
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20),
                         _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

/* b_r.h for eight rows b_0..b_7 at once, as the 8 lanes of one register: one partial sum
 * per row (eight independent FMA chains, each register of h loaded once for all eight),
 * the d mod 8 columns after the whole registers by masked loads (nothing past d is read),
 * then the eight sums reduced together by two rounds of pairwise adds. Per row about a
 * third of dot_rows2's instructions (benchmarks/RESULTS.md); the sums are taken in
 * another order than dot_row's, so the scores may differ from its in the last bits. */
W2V_AVX2 __m256 dot_rows8(const float *hidden, float *const *rows, int n_full, int dim) {
    const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
    const float *r4 = rows[4], *r5 = rows[5], *r6 = rows[6], *r7 = rows[7];
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps();
    __m256 a3 = _mm256_setzero_ps(), a4 = _mm256_setzero_ps(), a5 = _mm256_setzero_ps();
    __m256 a6 = _mm256_setzero_ps(), a7 = _mm256_setzero_ps();
    const int end = 8 * n_full;
    for (int c = 0; c < end; c += 8) {
        const __m256 h = _mm256_loadu_ps(hidden + c);
        a0 = _mm256_fmadd_ps(h, _mm256_loadu_ps(r0 + c), a0);
        a1 = _mm256_fmadd_ps(h, _mm256_loadu_ps(r1 + c), a1);
        a2 = _mm256_fmadd_ps(h, _mm256_loadu_ps(r2 + c), a2);
        a3 = _mm256_fmadd_ps(h, _mm256_loadu_ps(r3 + c), a3);
        a4 = _mm256_fmadd_ps(h, _mm256_loadu_ps(r4 + c), a4);
        a5 = _mm256_fmadd_ps(h, _mm256_loadu_ps(r5 + c), a5);
        a6 = _mm256_fmadd_ps(h, _mm256_loadu_ps(r6 + c), a6);
        a7 = _mm256_fmadd_ps(h, _mm256_loadu_ps(r7 + c), a7);
    }
    if (dim > end) {
        const __m256i m = tail_mask(dim);
        const __m256 h = _mm256_maskload_ps(hidden + end, m);
        a0 = _mm256_fmadd_ps(h, _mm256_maskload_ps(r0 + end, m), a0);
        a1 = _mm256_fmadd_ps(h, _mm256_maskload_ps(r1 + end, m), a1);
        a2 = _mm256_fmadd_ps(h, _mm256_maskload_ps(r2 + end, m), a2);
        a3 = _mm256_fmadd_ps(h, _mm256_maskload_ps(r3 + end, m), a3);
        a4 = _mm256_fmadd_ps(h, _mm256_maskload_ps(r4 + end, m), a4);
        a5 = _mm256_fmadd_ps(h, _mm256_maskload_ps(r5 + end, m), a5);
        a6 = _mm256_fmadd_ps(h, _mm256_maskload_ps(r6 + end, m), a6);
        a7 = _mm256_fmadd_ps(h, _mm256_maskload_ps(r7 + end, m), a7);
    }
    return sum_lanes8(a0, a1, a2, a3, a4, a5, a6, a7);
}

/* The scores b_t.h of n rows into scores[0..n): eight rows at a time, then two, then one. */
W2V_AVX2 void dot_rows(const float *hidden, float *const *rows, int32_t n, int n_full, int dim,
                       float *scores) {
    int32_t t = 0;
    for (; t + 8 <= n; t += 8)
        _mm256_storeu_ps(scores + t, dot_rows8(hidden, rows + t, n_full, dim));
    for (; t + 2 <= n; t += 2) dot_rows2(hidden, rows[t], rows[t + 1], n_full, dim, scores + t);
    for (; t < n; t++) scores[t] = dot_row(hidden, rows[t], n_full, dim);
}

/* The table's bins of 8 values as sigmoid.h's w2v_sigmoid_bin, clamped to the table also
 * for the lanes its callers discard (saturated, NaN, past the last row). */
W2V_AVX2 __m256i sigmoid_bins(__m256 x) {
    __m256i bin = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_add_ps(x, _mm256_set1_ps(W2V_MAX_EXP)),
                                                    _mm256_set1_ps(W2V_SIGMOID_SCALE)));
    bin = _mm256_min_epi32(bin, _mm256_set1_epi32(W2V_SIGMOID_SIZE - 1));
    return _mm256_max_epi32(bin, _mm256_setzero_si256());
}

/* sigma(x) in every lane by sigmoid.h's rule: 1 at x >= MAX_EXP, the table's bin of x above
 * -MAX_EXP, else 0 (NaN too). */
W2V_AVX2 __m256 sigmoid_lanes(const w2v_sigmoid *table, __m256 x) {
    __m256 sig = _mm256_i32gather_ps(table->sigma, sigmoid_bins(x), 4);
    sig = _mm256_and_ps(sig, _mm256_cmp_ps(x, _mm256_set1_ps(-W2V_MAX_EXP), _CMP_GT_OQ));
    return _mm256_blendv_ps(sig, _mm256_set1_ps(1.0f),
                            _mm256_cmp_ps(x, _mm256_set1_ps(W2V_MAX_EXP), _CMP_GE_OQ));
}

/* The labels of rows t..t+7, 0 past n. */
W2V_AVX2 __m256 label_lanes(const float *labels, int32_t t, int32_t n) {
    const __m256i live =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(n - t), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_maskload_ps(labels + t, live);
}

/* The steps and the loss of n <= W2V_SCORES_AHEAD scored rows, 8 rows at a time:
 *     steps_t = alpha (label_t - sigma(x_t)),   loss = sum_t -log sigma(+-x_t) (sign by label)
 * with sigmoid.h's rule in every lane: -log sigma(y) = 0 at y >= MAX_EXP, the table's bin
 * of y above -MAX_EXP, else -y. The same float operations as the scalar lookups, and the
 * loss summed in row order: the same values. With skip_loss only the steps, and 0 (the
 * loss's lookups skipped). scores[] is read up to a multiple of 8. */
W2V_AVX2 double sigmoid_steps(const w2v_sigmoid *table, const float *scores, const float *labels,
                              int32_t n, float alpha, float *steps, int skip_loss) {
    const __m256 scaled = _mm256_set1_ps(alpha);
    if (skip_loss) {
        for (int32_t t = 0; t < n; t += 8) {
            const __m256 sig = sigmoid_lanes(table, _mm256_loadu_ps(scores + t));
            _mm256_storeu_ps(steps + t,
                             _mm256_mul_ps(scaled, _mm256_sub_ps(label_lanes(labels, t, n), sig)));
        }
        return 0.0;
    }
    float losses[W2V_SCORES_AHEAD];
    const __m256 max_exp = _mm256_set1_ps(W2V_MAX_EXP), min_exp = _mm256_set1_ps(-W2V_MAX_EXP);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int32_t t = 0; t < n; t += 8) {
        const __m256 x = _mm256_loadu_ps(scores + t);
        const __m256 label = label_lanes(labels, t, n);
        const __m256 sig = sigmoid_lanes(table, x);
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

#endif
#endif /* W2V_STEP_AVX2_H */
