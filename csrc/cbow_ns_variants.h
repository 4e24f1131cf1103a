/* The kernel variants of cbow_ns.c, cbow_ns_avx2.c and cbow_ns_avx512.c; internal to the
 * core. */
#ifndef W2V_CBOW_NS_VARIANTS_H
#define W2V_CBOW_NS_VARIANTS_H

#include "w2v.h"

#define W2V_KERNEL_ARGS                                                                            \
    const w2v_params *params, w2v_model *model, w2v_scratch *scratch, const int32_t *ctx,          \
        int32_t n_ctx, const int32_t *targets, int32_t n_targets, float alpha

/* Steps with at most this many targets take all scores before any update, when no
 * target repeats (see cbow_ns.c). */
#define W2V_SCORES_AHEAD 32

static inline int w2v_distinct_ids(const int32_t *ids, int32_t n) {
    for (int32_t t = 1; t < n; t++)
        for (int32_t u = 0; u < t; u++)
            if (ids[u] == ids[t]) return 0;
    return 1;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define W2V_HAVE_X86_VARIANTS 1
/* The largest vector size the fused AVX-512 kernel handles (8 registers of 16). */
#define W2V_FUSED_MAX_DIM 128
double w2v_cbow_ns_avx512_fused(W2V_KERNEL_ARGS);
/* cbow_ns.c's step compiled for AVX2+FMA, and the column-blocked AVX2 kernel (any d). */
double w2v_cbow_ns_avx2(W2V_KERNEL_ARGS);
double w2v_cbow_ns_avx2_fused(W2V_KERNEL_ARGS);
#else
#define W2V_HAVE_X86_VARIANTS 0
#endif

#endif /* W2V_CBOW_NS_VARIANTS_H */
