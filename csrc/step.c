/*
 * THE kernel: one logistic SGD step, shared by every mode (SPEC.md, docs/theory.md).
 *
 * Input rows a_i (i = 1..n_in, repeats counted), output rows o_t with labels y_t in {0, 1}:
 *     h   = s_in sum_i a_i          (s_in = 1/|C| for CBOW's mean, 1 for a sum or one row)
 *     J   = sum_t -log sigma((2 y_t - 1) o_t.h)
 *     g_t = dJ/dx_t = sigma(o_t.h) - y_t
 *     dJ/do_t = g_t h,   dJ/dh = sum_t g_t o_t,   dJ/da_i = s_in dJ/dh
 * and each parameter moves by -alpha times its gradient. The modes only choose the rows:
 * CBOW: inputs = the context, skip-gram: input = one context word; negative sampling:
 * outputs = the predicted word's row (y = 1) and K noise rows (y = 0); hierarchical
 * softmax: outputs = the inner nodes on the word's Huffman path (y = 1 - code bit).
 * As in word2vec.c, the output rows are visited in turn: row t's contribution to dJ/dh
 * is taken before row t is updated, and every o_t update uses h from before the step.
 *
 * The input rows get grad_scale * (-alpha dJ/dh). Convention (CBOW's mean): word2vec.c
 * and gensim give every context row -alpha dJ/dh without the 1/|C| factor, an effectively
 * larger step for input vectors (grad_scale 1, the default); the exact gradient of the
 * mean is grad_scale = 1/|C| (cbow_exact_grad). With a sum or one row both are exact.
 *
 * The loss and sigma come from the clipped table of sigmoid.c: past |x| >= MAX_EXP a
 * step takes sigma = 0 or 1 (saturated, never skipped, for every loss; docs/theory.md).
 */
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sigmoid.h"
#include "step_variants.h"
#include "vecops.h"
#include "w2v.h"

W2V_INLINE double generic_step(const w2v_step *step, int32_t dim, const w2v_sigmoid *table,
                               w2v_scratch *scratch, float alpha) {
    float *hidden = scratch->hidden;
    float *grad_hidden = scratch->grad_hidden; /* accumulates -alpha dJ/dh */
    float *const *in_rows = step->in_rows;
    const int32_t n_in = step->n_in, n_out = step->n_out;

    /* h = s_in * sum of input rows */
    w2v_vec_copy(in_rows[0], hidden, dim);
    for (int32_t i = 1; i < n_in; i++) w2v_vec_add(in_rows[i], hidden, dim);
    if (step->in_scale != 1.0f) w2v_vec_scale(step->in_scale, hidden, dim);
    w2v_vec_zero(grad_hidden, dim);

    /* h is fixed during the step, so the scores of distinct rows can all be taken
     * first (independent dot products that overlap); a repeated row must see its
     * first update, so then each score is taken just before its update. */
    float scores[W2V_SCORES_AHEAD];
    int ahead = w2v_scores_ahead(step);
    for (int32_t t = 0; ahead && t < n_out; t++)
        scores[t] = w2v_vec_dot(hidden, step->out_rows[t], dim);

    double loss = 0.0;
    for (int32_t t = 0; t < n_out; t++) {
        float *out = step->out_rows[t];
        float score = ahead ? scores[t] : w2v_vec_dot(hidden, out, dim);
        /* label 1: J_t = -log sigma(score); label 0: J_t = -log sigma(-score) */
        float label = step->labels[t];
        if (!step->skip_loss)
            loss += w2v_neg_log_sigmoid_fast(table, label > 0.5f ? score : -score);
        /* -alpha g_t = alpha (label - sigma(score)) */
        float g = alpha * (label - w2v_sigmoid_fast(table, score));
        w2v_vec_axpy(g, out, grad_hidden, dim); /* -alpha dJ/dh += -alpha g_t o_t */
        w2v_vec_axpy(g, hidden, out, dim);      /* o_t -= alpha g_t h */
    }

    /* a_i -= grad_scale alpha dJ/dh (times lockf_i, gensim's per-word lock factor) */
    if (step->grad_scale != 1.0f) w2v_vec_scale(step->grad_scale, grad_hidden, dim);
    for (int32_t i = 0; i < n_in; i++) {
        if (step->in_lockf)
            w2v_vec_axpy(step->in_lockf[i], grad_hidden, in_rows[i], dim);
        else
            w2v_vec_add(grad_hidden, in_rows[i], dim);
    }
    return loss;
}

#define W2V_STEP_CALL step, dim, sigmoid, scratch, alpha

static double step_scalar(W2V_STEP_ARGS) { return generic_step(W2V_STEP_CALL); }

double w2v_step_portable(W2V_STEP_ARGS) { return step_scalar(W2V_STEP_CALL); }

#if W2V_HAVE_X86_VARIANTS
__attribute__((target("avx2,fma"))) double w2v_step_avx2(W2V_STEP_ARGS) {
    return generic_step(W2V_STEP_CALL);
}
__attribute__((target("avx512f,avx512vl,avx2,fma,prefer-vector-width=512"))) static double
step_avx512(W2V_STEP_ARGS) {
    return generic_step(W2V_STEP_CALL);
}
#endif

w2v_step_fn w2v_step_select(w2v_simd simd, int32_t dim) {
    w2v_simd best = w2v_simd_best();
    if (simd == W2V_SIMD_AUTO) simd = best;
    switch (simd) {
    case W2V_SIMD_SCALAR:
        return step_scalar;
#if W2V_HAVE_X86_VARIANTS
    case W2V_SIMD_AVX2:
        return best >= W2V_SIMD_AVX2 ? w2v_step_avx2_fused : NULL;
    case W2V_SIMD_AVX512:
        if (best < W2V_SIMD_AVX512) return NULL;
        return dim <= W2V_FUSED_MAX_DIM ? w2v_step_avx512_fused : step_avx512;
#endif
    default:
        return NULL;
    }
}

#define W2V_ALIGN 64

static float *alloc_row(int32_t dim) {
    size_t bytes = ((size_t)dim * sizeof(float) + W2V_ALIGN - 1) / W2V_ALIGN * W2V_ALIGN;
    float *row = aligned_alloc(W2V_ALIGN, bytes);
    if (row) memset(row, 0, bytes);
    return row;
}

int w2v_scratch_init(w2v_scratch *scratch, int32_t dim, uint64_t seed) {
    scratch->rng = seed;
    scratch->hidden = NULL;
    scratch->grad_hidden = NULL;
    if (dim <= 0 || dim > W2V_MAX_DIM) return W2V_ERR_INVALID;
    scratch->hidden = alloc_row(dim);
    scratch->grad_hidden = alloc_row(dim);
    if (!scratch->hidden || !scratch->grad_hidden) {
        w2v_scratch_free(scratch);
        return W2V_ERR_NOMEM;
    }
    return W2V_OK;
}

void w2v_scratch_free(w2v_scratch *scratch) {
    free(scratch->hidden);
    free(scratch->grad_hidden);
    scratch->hidden = NULL;
    scratch->grad_hidden = NULL;
}
