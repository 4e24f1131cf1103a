/*
 * The block step of step_block.c for AVX2+FMA. The scores of each input row against the
 * output rows are step_avx2.c's (the input row is h, read in place; two output rows at a
 * time) and so are its sigmoid lookups, one input row's n_out scores at a time. The
 * updates run over blocks of W2V_AVX2_BLOCK registers of columns:
 *     delta_i = sum_t s_it o_t      kept aside (n_in x 48 floats)
 *     o_t    += sum_i s_it a_i      o_t's columns in registers, the a_i read from L1
 *     a_i    += delta_i
 * each s_it broadcast from memory and each row operand read by the FMA itself; the
 * 4 columns of a 4-wide register and scalar code do d mod 8, as in step_avx2.c.
 */
#include "step_avx2.h"

#if W2V_HAVE_X86_VARIANTS
#include "w2v.h"

/* One row of S per input row; sigmoid_steps writes whole registers of 8 steps. */
_Static_assert(W2V_BLOCK_MAX_OUT % 8 == 0 && W2V_BLOCK_MAX_OUT <= W2V_SCORES_AHEAD,
               "an input row's steps must fit sigmoid_steps");
#define W2V_DELTA_STRIDE (8 * W2V_AVX2_BLOCK)

typedef float w2v_block_steps[W2V_BLOCK_MAX_IN][W2V_BLOCK_MAX_OUT];

/* Columns [col, col + 8 nreg) of the three updates above. */
W2V_AVX2 void block_columns(const int nreg, int col, float *const *in_rows, int32_t n_in,
                            float *const *out_rows, int32_t n_out, const w2v_block_steps *steps,
                            float *delta) {
    __m256 acc[W2V_AVX2_BLOCK];
    for (int32_t i = 0; i < n_in; i++) {
        const float *s = (*steps)[i];
        FOR_EACH_REG(v, nreg) { acc[v] = _mm256_setzero_ps(); }
        _Pragma("GCC unroll 2") for (int32_t t = 0; t < n_out; t++) {
            const float *out = out_rows[t] + col;
            const __m256 step = _mm256_broadcast_ss(s + t);
            FOR_EACH_REG(v, nreg) {
                acc[v] = _mm256_fmadd_ps(step, _mm256_loadu_ps(out + 8 * v), acc[v]);
            }
        }
        float *d = delta + (size_t)i * W2V_DELTA_STRIDE;
        FOR_EACH_REG(v, nreg) { _mm256_storeu_ps(d + 8 * v, acc[v]); }
    }
    for (int32_t t = 0; t < n_out; t++) {
        float *out = out_rows[t] + col;
        FOR_EACH_REG(v, nreg) { acc[v] = _mm256_loadu_ps(out + 8 * v); }
        _Pragma("GCC unroll 2") for (int32_t i = 0; i < n_in; i++) {
            const float *in = in_rows[i] + col;
            const __m256 step = _mm256_broadcast_ss(&(*steps)[i][t]);
            FOR_EACH_REG(v, nreg) {
                acc[v] = _mm256_fmadd_ps(step, _mm256_loadu_ps(in + 8 * v), acc[v]);
            }
        }
        FOR_EACH_REG(v, nreg) { _mm256_storeu_ps(out + 8 * v, acc[v]); }
    }
    for (int32_t i = 0; i < n_in; i++) {
        float *in = in_rows[i] + col;
        const float *d = delta + (size_t)i * W2V_DELTA_STRIDE;
        FOR_EACH_REG(v, nreg) {
            _mm256_storeu_ps(
                in + 8 * v, _mm256_add_ps(_mm256_loadu_ps(in + 8 * v), _mm256_loadu_ps(d + 8 * v)));
        }
    }
}

/* The same for the 4 columns at col, in one 4-wide register. */
W2V_AVX2 void block_quad(int col, float *const *in_rows, int32_t n_in, float *const *out_rows,
                         int32_t n_out, const w2v_block_steps *steps, float *delta) {
    for (int32_t i = 0; i < n_in; i++) {
        __m128 acc = _mm_setzero_ps();
        for (int32_t t = 0; t < n_out; t++)
            acc = _mm_fmadd_ps(_mm_broadcast_ss(&(*steps)[i][t]), _mm_loadu_ps(out_rows[t] + col),
                               acc);
        _mm_storeu_ps(delta + (size_t)i * W2V_DELTA_STRIDE, acc);
    }
    for (int32_t t = 0; t < n_out; t++) {
        __m128 acc = _mm_loadu_ps(out_rows[t] + col);
        for (int32_t i = 0; i < n_in; i++)
            acc = _mm_fmadd_ps(_mm_broadcast_ss(&(*steps)[i][t]), _mm_loadu_ps(in_rows[i] + col),
                               acc);
        _mm_storeu_ps(out_rows[t] + col, acc);
    }
    for (int32_t i = 0; i < n_in; i++) {
        float *in = in_rows[i] + col;
        _mm_storeu_ps(
            in, _mm_add_ps(_mm_loadu_ps(in), _mm_loadu_ps(delta + (size_t)i * W2V_DELTA_STRIDE)));
    }
}

__attribute__((target("avx2,fma"))) double w2v_block_avx2(W2V_STEP_ARGS) {
    (void)scratch;
    const int n_full = dim / 8;
    float *const *in_rows = step->in_rows;
    float *const *out_rows = step->out_rows;
    const int32_t n_in = step->n_in, n_out = step->n_out;
    const int quad = dim - 8 * n_full >= 4; /* 4 columns after the whole registers */
    const int tail = 8 * n_full + 4 * quad; /* the first column left to scalar code */

    /* S, one input row at a time: s_it = alpha (label_t - sigma(o_t.a_i)) */
    w2v_block_steps steps;
    float scores[W2V_BLOCK_MAX_OUT];
    for (int32_t t = n_out; t % 8; t++) scores[t] = 0.0f; /* up to the 8 rows sigmoid_steps reads */
    double loss = 0.0;
    for (int32_t i = 0; i < n_in; i++) {
        dot_rows(in_rows[i], out_rows, n_out, n_full, dim, scores);
        loss +=
            sigmoid_steps(sigmoid, scores, step->labels, n_out, alpha, steps[i], step->skip_loss);
    }

    float delta[W2V_BLOCK_MAX_IN * W2V_DELTA_STRIDE];
    W2V_FOR_EACH_BLOCK(n_full, block_columns, in_rows, n_in, out_rows, n_out, &steps, delta);
    if (quad) block_quad(8 * n_full, in_rows, n_in, out_rows, n_out, &steps, delta);
    for (int c = tail; c < dim; c++) {
        for (int32_t i = 0; i < n_in; i++) {
            float sum = 0.0f;
            for (int32_t t = 0; t < n_out; t++) sum += steps[i][t] * out_rows[t][c];
            delta[i] = sum;
        }
        for (int32_t t = 0; t < n_out; t++)
            for (int32_t i = 0; i < n_in; i++) out_rows[t][c] += steps[i][t] * in_rows[i][c];
        for (int32_t i = 0; i < n_in; i++) in_rows[i][c] += delta[i];
    }
    return loss;
}
#endif
