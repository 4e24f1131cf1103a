/*
 * THE kernel: one SGD step of CBOW with negative sampling (SPEC.md, docs/theory.md).
 *
 * For context C (|C| = n_ctx, repeats counted), center word c and noise words k:
 *     h  = (1/|C|) sum_{w in C} a_w                (cbow_mean; else the plain sum)
 *     J  = -log sigma(b_c.h) - sum_k log sigma(-b_k.h)
 *     g_t = sigma(b_t.h) - label_t                  (label 1 for c, 0 for noise)
 *     dJ/db_t = g_t h,   dJ/dh = sum_t g_t b_t,   dJ/da_w = (1/|C|) dJ/dh  (mean)
 * and each parameter moves by -alpha times its gradient. As in word2vec.c, the
 * output rows are visited in turn: row t's contribution to dJ/dh is taken before row
 * t is updated, and every b_t update uses h from before the step.
 *
 * Convention (params->exact_ctx_grad): word2vec.c, and gensim with cbow_mean=1, add
 * -alpha dJ/dh to every context row without the 1/|C| factor, an effectively larger
 * step for input vectors; that is the default here. exact_ctx_grad = 1 applies the
 * true gradient of the mean. With the sum (cbow_mean = 0) dJ/da_w = dJ/dh exactly.
 *
 * The loss and sigma come from the clipped table of sigmoid.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cbow_ns_variants.h"
#include "rng.h"
#include "sigmoid.h"
#include "vecops.h"
#include "w2v.h"

W2V_INLINE double cbow_ns_step(const w2v_params *params, w2v_model *model, w2v_scratch *scratch,
                               const int32_t *ctx, int32_t n_ctx, const int32_t *targets,
                               int32_t n_targets, float alpha) {
    const int dim = params->dim;
    float *hidden = scratch->hidden;
    float *grad_hidden = scratch->grad_hidden; /* accumulates -alpha dJ/dh */
    const float *in_vecs = model->in_vecs;
    const size_t stride = (size_t)model->row_stride;
    const w2v_sigmoid *table = &model->sigmoid;

    /* h = sum of context rows, then / |C| for the mean */
    w2v_vec_copy(in_vecs + (size_t)ctx[0] * stride, hidden, dim);
    for (int32_t i = 1; i < n_ctx; i++) w2v_vec_add(in_vecs + (size_t)ctx[i] * stride, hidden, dim);
    if (params->cbow_mean && n_ctx > 1) w2v_vec_scale(1.0f / (float)n_ctx, hidden, dim);
    w2v_vec_zero(grad_hidden, dim);

    /* h is fixed during the step, so the scores of distinct targets can all be taken
     * first (independent dot products that overlap); a repeated target must see its
     * first update, so then each score is taken just before its update. */
    float scores[W2V_SCORES_AHEAD];
    int ahead = n_targets <= W2V_SCORES_AHEAD && w2v_distinct_ids(targets, n_targets);
    for (int32_t t = 0; ahead && t < n_targets; t++)
        scores[t] = w2v_vec_dot(hidden, model->out_vecs + (size_t)targets[t] * stride, dim);

    double loss = 0.0;
    for (int32_t t = 0; t < n_targets; t++) {
        float *out = model->out_vecs + (size_t)targets[t] * stride;
        float score = ahead ? scores[t] : w2v_vec_dot(hidden, out, dim);
        /* label 1: J_t = -log sigma(score); label 0: J_t = -log sigma(-score) */
        float label = t == 0 ? 1.0f : 0.0f;
        loss += w2v_neg_log_sigmoid_fast(table, t == 0 ? score : -score);
        /* step = -alpha g_t = alpha (label - sigma(score)) */
        float step = alpha * (label - w2v_sigmoid_fast(table, score));
        w2v_vec_axpy(step, out, grad_hidden, dim); /* -alpha dJ/dh += -alpha g_t b_t */
        w2v_vec_axpy(step, hidden, out, dim);      /* b_t -= alpha g_t h */
    }

    /* a_w -= alpha dJ/dh (word2vec.c) or alpha dJ/dh / |C| (exact, mean) */
    if (params->exact_ctx_grad && params->cbow_mean && n_ctx > 1)
        w2v_vec_scale(1.0f / (float)n_ctx, grad_hidden, dim);
    for (int32_t i = 0; i < n_ctx; i++)
        w2v_vec_add(grad_hidden, model->in_vecs + (size_t)ctx[i] * stride, dim);
    return loss;
}

#define W2V_KERNEL_CALL params, model, scratch, ctx, n_ctx, targets, n_targets, alpha

static double cbow_ns_scalar(W2V_KERNEL_ARGS) { return cbow_ns_step(W2V_KERNEL_CALL); }

#if W2V_HAVE_X86_VARIANTS
__attribute__((target("avx2,fma"))) double w2v_cbow_ns_avx2(W2V_KERNEL_ARGS) {
    return cbow_ns_step(W2V_KERNEL_CALL);
}
__attribute__((target("avx512f,avx512vl,avx2,fma,prefer-vector-width=512"))) static double
cbow_ns_avx512(W2V_KERNEL_ARGS) {
    return cbow_ns_step(W2V_KERNEL_CALL);
}
#endif

w2v_simd w2v_simd_best(void) {
#if W2V_HAVE_X86_VARIANTS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
        return W2V_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return W2V_SIMD_AVX2;
#endif
    return W2V_SIMD_SCALAR;
}

w2v_cbow_ns_fn w2v_cbow_ns_select(w2v_simd simd, int32_t dim) {
    w2v_simd best = w2v_simd_best();
    if (simd == W2V_SIMD_AUTO) simd = best;
    switch (simd) {
    case W2V_SIMD_SCALAR:
        return cbow_ns_scalar;
#if W2V_HAVE_X86_VARIANTS
    case W2V_SIMD_AVX2:
        return best >= W2V_SIMD_AVX2 ? w2v_cbow_ns_avx2_fused : NULL;
    case W2V_SIMD_AVX512:
        if (best < W2V_SIMD_AVX512) return NULL;
        return dim <= W2V_FUSED_MAX_DIM ? w2v_cbow_ns_avx512_fused : cbow_ns_avx512;
#endif
    default:
        return NULL;
    }
}

int w2v_model_init(w2v_model *model, float *in_vecs, float *out_vecs, int32_t row_stride,
                   const float *keep, const int64_t *counts, int32_t vocab_size, double ns_power) {
    model->in_vecs = in_vecs;
    model->out_vecs = out_vecs;
    model->row_stride = row_stride;
    model->keep = keep;
    model->vocab_size = vocab_size;
    w2v_sigmoid_init(&model->sigmoid);
    return w2v_noise_build(&model->noise, counts, vocab_size, ns_power);
}

void w2v_model_free(w2v_model *model) { w2v_noise_free(&model->noise); }

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
