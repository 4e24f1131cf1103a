/*
 * The step of step.c, hand-fused for AVX-512 when the vector size fits 8 registers
 * (d <= 128): the hidden vector h, the accumulated gradient and the current output row
 * stay in zmm registers across all output rows, so each output row is read once and
 * written once, and each input row read once and written once. The math and its order
 * are those of step.c (see there); only the summation order inside dot products differs
 * (16 lanes, then a tree).
 */
#include "step_variants.h"

#if W2V_HAVE_X86_VARIANTS
#include <immintrin.h>

#include "sigmoid.h"

#define W2V_AVX512 __attribute__((target("avx512f"), always_inline)) static inline
/* A fully unrolled loop over the registers of a vector, so that the arrays below live
 * in registers (without the pragma GCC keeps them on the stack). */
#define FOR_EACH_REG(v) _Pragma("GCC unroll 8") for (int v = 0; v < nv; v++)

/* Lanes of the last register that hold vector elements. */
W2V_AVX512 __mmask16 lane_mask(int v, int nv, __mmask16 tail) {
    return v == nv - 1 ? tail : (__mmask16)0xFFFF;
}

W2V_AVX512 double fused_step(const int nv, const w2v_step *step, int32_t dim,
                             const w2v_sigmoid *table, float alpha) {
    const int rem = dim - 16 * (nv - 1);
    const __mmask16 tail = (__mmask16)(rem == 16 ? 0xFFFF : (1u << rem) - 1u);
    const int32_t n_ctx = step->n_in;
    int32_t n_targets = step->n_out;
    __m512 hidden[8], grad[8], row[8];

    /* h = s_in * sum of input rows */
    FOR_EACH_REG(v) { hidden[v] = _mm512_setzero_ps(); }
    for (int32_t i = 0; i < n_ctx; i++) {
        const float *in = step->in_rows[i];
        FOR_EACH_REG(v) {
            __m512 x = _mm512_maskz_loadu_ps(lane_mask(v, nv, tail), in + 16 * v);
            hidden[v] = _mm512_add_ps(hidden[v], x);
        }
    }
    if (step->in_scale != 1.0f) {
        __m512 scale = _mm512_set1_ps(step->in_scale);
        FOR_EACH_REG(v) { hidden[v] = _mm512_mul_ps(hidden[v], scale); }
    }
    FOR_EACH_REG(v) { grad[v] = _mm512_setzero_ps(); }

    double loss = 0.0;
    /* h is fixed during the step, so the scores o_t.h of distinct rows are
     * independent: computing them all first lets their loads and reductions overlap
     * instead of waiting on one row's update before the next row's dot product.
     * A repeated row must see its first update (the order of step.c), so a step
     * with repeats (rare) takes the sequential loop below. */
    if (w2v_scores_ahead(step)) {
        float scores[W2V_SCORES_AHEAD];
        for (int32_t t = 0; t < n_targets; t++) {
            const float *out = step->out_rows[t];
            __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
            FOR_EACH_REG(v) {
                __m512 x = _mm512_maskz_loadu_ps(lane_mask(v, nv, tail), out + 16 * v);
                acc[v & 1] = _mm512_fmadd_ps(hidden[v], x, acc[v & 1]);
            }
            scores[t] = _mm512_reduce_add_ps(_mm512_add_ps(acc[0], acc[1]));
        }
        for (int32_t t = 0; t < n_targets; t++) {
            float *out = step->out_rows[t];
            float label = step->labels[t];
            if (!step->skip_loss)
                loss += w2v_neg_log_sigmoid_fast(table, label > 0.5f ? scores[t] : -scores[t]);
            __m512 g = _mm512_set1_ps(alpha * (label - w2v_sigmoid_fast(table, scores[t])));
            FOR_EACH_REG(v) {
                __mmask16 m = lane_mask(v, nv, tail);
                row[v] = _mm512_maskz_loadu_ps(m, out + 16 * v);
                grad[v] = _mm512_fmadd_ps(g, row[v], grad[v]);
                _mm512_mask_storeu_ps(out + 16 * v, m, _mm512_fmadd_ps(g, hidden[v], row[v]));
            }
        }
        n_targets = 0; /* done: skip the sequential loop */
    }
    for (int32_t t = 0; t < n_targets; t++) {
        float *out = step->out_rows[t];
        /* two partial sums halve the dependency chain of the dot product */
        __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
        FOR_EACH_REG(v) {
            row[v] = _mm512_maskz_loadu_ps(lane_mask(v, nv, tail), out + 16 * v);
            acc[v & 1] = _mm512_fmadd_ps(hidden[v], row[v], acc[v & 1]);
        }
        float score = _mm512_reduce_add_ps(_mm512_add_ps(acc[0], acc[1]));
        float label = step->labels[t];
        if (!step->skip_loss)
            loss += w2v_neg_log_sigmoid_fast(table, label > 0.5f ? score : -score);
        /* g = -alpha g_t;  grad += g o_t;  o_t += g h */
        __m512 g = _mm512_set1_ps(alpha * (label - w2v_sigmoid_fast(table, score)));
        FOR_EACH_REG(v) {
            grad[v] = _mm512_fmadd_ps(g, row[v], grad[v]);
            _mm512_mask_storeu_ps(out + 16 * v, lane_mask(v, nv, tail),
                                  _mm512_fmadd_ps(g, hidden[v], row[v]));
        }
    }

    if (step->grad_scale != 1.0f) {
        __m512 scale = _mm512_set1_ps(step->grad_scale);
        FOR_EACH_REG(v) { grad[v] = _mm512_mul_ps(grad[v], scale); }
    }
    for (int32_t i = 0; i < n_ctx; i++) {
        float *in = step->in_rows[i];
        FOR_EACH_REG(v) {
            __mmask16 m = lane_mask(v, nv, tail);
            __m512 x = _mm512_maskz_loadu_ps(m, in + 16 * v);
            _mm512_mask_storeu_ps(in + 16 * v, m, _mm512_add_ps(x, grad[v]));
        }
    }
    return loss;
}

/* One instance per register count, so that every loop above is unrolled. */
__attribute__((target("avx512f"))) double w2v_step_avx512_fused(W2V_STEP_ARGS) {
    (void)scratch;
    switch ((dim + 15) / 16) {
    case 1:
        return fused_step(1, step, dim, sigmoid, alpha);
    case 2:
        return fused_step(2, step, dim, sigmoid, alpha);
    case 3:
        return fused_step(3, step, dim, sigmoid, alpha);
    case 4:
        return fused_step(4, step, dim, sigmoid, alpha);
    case 5:
        return fused_step(5, step, dim, sigmoid, alpha);
    case 6:
        return fused_step(6, step, dim, sigmoid, alpha);
    case 7:
        return fused_step(7, step, dim, sigmoid, alpha);
    default:
        return fused_step(8, step, dim, sigmoid, alpha);
    }
}
#endif
