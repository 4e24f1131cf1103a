/*
 * The pair step (w2v_train.h): the skip-gram pairs of one center, trained one after the
 * other against the same output rows (the center's Huffman path). The portable variant
 * is the definition: one-row steps of step.c in a row. The AVX2 variant
 * (step_pair_avx2.c) takes them two at a time, reading and writing each output row once
 * for both.
 */
#include "step_variants.h"
#include "w2v.h"

double w2v_row_step(W2V_STEP_ARGS, int32_t i, w2v_step_fn one) {
    w2v_step single = *step;
    single.in_rows = step->in_rows + i;
    single.n_in = 1;
    single.in_scale = single.grad_scale = 1.0f;
    single.in_lockf = step->in_lockf ? step->in_lockf + i : NULL;
    return one(&single, dim, sigmoid, scratch, alpha);
}

double w2v_pair_by_steps(W2V_STEP_ARGS, w2v_step_fn one) {
    double loss = 0.0;
    for (int32_t i = 0; i < step->n_in; i++)
        loss += w2v_row_step(step, dim, sigmoid, scratch, alpha, i, one);
    return loss;
}

double w2v_pair_portable(W2V_STEP_ARGS) {
    return w2v_pair_by_steps(step, dim, sigmoid, scratch, alpha, w2v_step_portable);
}

w2v_step_fn w2v_pair_select(w2v_simd simd, int32_t dim) {
    (void)dim;
    return w2v_select_portable_or_avx2(simd, w2v_pair_portable, W2V_IF_X86(w2v_pair_avx2));
}
