/* The step variants of step.c, step_avx2.c and step_avx512.c; internal to the core. */
#ifndef W2V_STEP_VARIANTS_H
#define W2V_STEP_VARIANTS_H

#include "w2v.h"

#define W2V_STEP_ARGS                                                                              \
    const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid, w2v_scratch *scratch, float alpha

/* Steps with at most this many output rows take all scores before any update, when no
 * row repeats (see step.c): negative sampling's K + 1 rows, hierarchical softmax's path
 * (at most 40 nodes in word2vec.c), or both. */
#ifndef W2V_SCORES_AHEAD
#define W2V_SCORES_AHEAD 64
#endif

/* Whether the step may take all its scores first: few enough output rows, none twice. */
static inline int w2v_scores_ahead(const w2v_step *step) {
    if (step->n_out > W2V_SCORES_AHEAD) return 0;
    if (step->distinct) return 1;
    float *const *rows = step->out_rows;
    for (int32_t t = 1; t < step->n_out; t++)
        for (int32_t u = 0; u < t; u++)
            if (rows[u] == rows[t]) return 0;
    return 1;
}

/* A kernel with a portable and an AVX2 variant (the block and pair steps): the variant
 * `simd` asks for (AUTO: the best this CPU runs; AVX-512 CPUs run the AVX2 one), NULL
 * where this CPU cannot run it or avx2 is NULL (cpu.c). */
w2v_step_fn w2v_select_portable_or_avx2(w2v_simd simd, w2v_step_fn portable, w2v_step_fn avx2);

/* step's input row i as a one-row step (in_scale and grad_scale 1, its lock factor) of
 * `one` (step_pair.c). */
double w2v_row_step(W2V_STEP_ARGS, int32_t i, w2v_step_fn one);
/* step's input rows as one-row steps of `one`, in order (step_pair.c). */
double w2v_pair_by_steps(W2V_STEP_ARGS, w2v_step_fn one);

#if defined(__x86_64__) && defined(__GNUC__)
#define W2V_HAVE_X86_VARIANTS 1
/* The largest vector size the fused AVX-512 kernel handles (8 registers of 16). */
#define W2V_FUSED_MAX_DIM 128
double w2v_step_avx512_fused(W2V_STEP_ARGS);
/* step.c's step compiled for AVX2+FMA, and the column-blocked AVX2 kernel (any d). */
double w2v_step_avx2(W2V_STEP_ARGS);
double w2v_step_avx2_fused(W2V_STEP_ARGS);
/* The block step (step_block.c) for AVX2+FMA (step_block_avx2.c). */
double w2v_block_avx2(W2V_STEP_ARGS);
/* The pair step (step_pair.c) for AVX2+FMA (step_pair_avx2.c). */
double w2v_pair_avx2(W2V_STEP_ARGS);
#define W2V_IF_X86(fn) fn
#else
#define W2V_HAVE_X86_VARIANTS 0
#define W2V_IF_X86(fn) NULL
#endif

#endif /* W2V_STEP_VARIANTS_H */
