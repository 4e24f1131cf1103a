/*
 * The block step (w2v_train.h): skip-gram's batched form, HogBatch (Ji, Satish, Li and
 * Dubey, "Parallelizing Word2Vec in Shared and Distributed Memory", 2016; Intel's
 * pWord2Vec). The n_in context rows a_i of one window share the output rows o_t
 * (the center's row, label 1, and K noise rows drawn once for the window, label 0):
 *     X = A O^T            x_it = o_t.a_i                 (n_in x n_out scores)
 *     S = alpha (Y - sigma(X))    s_it = alpha (label_t - sigma(x_it))
 *     A += S O             a_i += sum_t s_it o_t          (= -alpha dJ/da_i)
 *     O += S^T A           o_t += sum_i s_it a_i          (= -alpha dJ/do_t)
 * with J = sum_i sum_t -log sigma((2 label_t - 1) x_it), both products taken from the rows
 * as they were before the block (pWord2Vec's order). It is the sum of the n_in one-row
 * steps of step.c at one point: the per-pair form (plan_sg.c) moves o_t after each pair
 * and draws fresh noise per pair; the block reads each output row once per window and
 * writes it once. The loss and sigma come from the clipped table, as in step.c.
 *
 * Once S is known every column is independent, so the updates run over blocks of
 * columns: the input rows' deltas of one block of columns are kept aside (the output
 * rows' updates need the input rows before theirs), then added.
 */
#include "sigmoid.h"
#include "step_variants.h"
#include "vecops.h"
#include "w2v.h"

/* Columns updated per pass: the deltas of 64 input rows fit in 16 KiB. */
#define W2V_BLOCK_COLS 64

W2V_INLINE double generic_block(const w2v_step *step, int32_t dim, const w2v_sigmoid *table,
                                float alpha) {
    float *const *in_rows = step->in_rows;
    float *const *out_rows = step->out_rows;
    const int32_t n_in = step->n_in, n_out = step->n_out;
    float steps[W2V_BLOCK_MAX_IN][W2V_BLOCK_MAX_OUT];
    double loss = 0.0;
    for (int32_t i = 0; i < n_in; i++) {
        for (int32_t t = 0; t < n_out; t++) {
            const float score = w2v_vec_dot(in_rows[i], out_rows[t], dim);
            const float label = step->labels[t];
            if (!step->skip_loss)
                loss += w2v_neg_log_sigmoid_fast(table, label > 0.5f ? score : -score);
            steps[i][t] = alpha * (label - w2v_sigmoid_fast(table, score));
        }
    }
    float delta[W2V_BLOCK_MAX_IN][W2V_BLOCK_COLS];
    for (int32_t col = 0; col < dim; col += W2V_BLOCK_COLS) {
        const int32_t width = dim - col < W2V_BLOCK_COLS ? dim - col : W2V_BLOCK_COLS;
        for (int32_t i = 0; i < n_in; i++) { /* delta_i = sum_t s_it o_t */
            w2v_vec_zero(delta[i], width);
            for (int32_t t = 0; t < n_out; t++)
                w2v_vec_axpy(steps[i][t], out_rows[t] + col, delta[i], width);
        }
        for (int32_t t = 0; t < n_out; t++) /* o_t += sum_i s_it a_i */
            for (int32_t i = 0; i < n_in; i++)
                w2v_vec_axpy(steps[i][t], in_rows[i] + col, out_rows[t] + col, width);
        for (int32_t i = 0; i < n_in; i++) { /* a_i += delta_i (times lockf_i) */
            if (step->in_lockf)
                w2v_vec_axpy(step->in_lockf[i], delta[i], in_rows[i] + col, width);
            else
                w2v_vec_add(delta[i], in_rows[i] + col, width);
        }
    }
    return loss;
}

double w2v_block_portable(W2V_STEP_ARGS) {
    (void)scratch;
    return generic_block(step, dim, sigmoid, alpha);
}

w2v_step_fn w2v_block_select(w2v_simd simd, int32_t dim) {
    (void)dim;
    return w2v_select_portable_or_avx2(simd, w2v_block_portable, W2V_IF_X86(w2v_block_avx2));
}
