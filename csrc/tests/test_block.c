/* Unit tests of the block step (step_block.c, step_block_avx2.c): every variant the CPU
 * runs against the portable one over block shapes up to W2V_BLOCK_MAX_IN x
 * W2V_BLOCK_MAX_OUT and sizes with every tail (d mod 8), on rows that are views of wider
 * buffers, whose padding must stay untouched (built with sanitizers, it also checks the
 * kernels' stack arrays). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "w2v.h"

#define VOCAB 150
#define PAD 3 /* floats past d in each row, never to be written */

static void fill(float *m, size_t n, uint64_t *state) {
    for (size_t i = 0; i < n; i++) m[i] = (w2v_rng_uniform(w2v_rng_next(state)) - 0.5f) * 0.6f;
}

static void compare(w2v_step_fn kernel, int32_t dim, int32_t n_in, int32_t n_out, uint64_t seed) {
    const size_t stride = (size_t)dim + PAD, n = VOCAB * stride;
    float *in_a = malloc(n * sizeof(float)), *out_a = malloc(n * sizeof(float));
    float *in_b = malloc(n * sizeof(float)), *out_b = malloc(n * sizeof(float));
    uint64_t state = w2v_rng_seed(seed, 0);
    fill(in_a, n, &state);
    fill(out_a, n, &state);
    memcpy(in_b, in_a, n * sizeof(float));
    memcpy(out_b, out_a, n * sizeof(float));
    float *rows[4][W2V_BLOCK_MAX_OUT];
    float labels[W2V_BLOCK_MAX_OUT];
    for (int32_t i = 0; i < n_in; i++) { /* repeats allowed: ids drawn with replacement */
        const size_t row = w2v_rng_below(w2v_rng_next(&state), VOCAB) * stride;
        rows[0][i] = in_a + row;
        rows[1][i] = in_b + row;
    }
    for (int32_t t = 0; t < n_out; t++) {
        const size_t row = w2v_rng_below(w2v_rng_next(&state), VOCAB) * stride;
        rows[2][t] = out_a + row;
        rows[3][t] = out_b + row;
        labels[t] = t == 0 ? 1.0f : 0.0f;
    }
    w2v_sigmoid table;
    w2v_sigmoid_init(&table);
    w2v_scratch scratch;
    CHECK(w2v_scratch_init(&scratch, dim, 1) == W2V_OK);
    w2v_step a = {.in_rows = rows[0],
                  .n_in = n_in,
                  .in_scale = 1.0f,
                  .grad_scale = 1.0f,
                  .out_rows = rows[2],
                  .labels = labels,
                  .n_out = n_out};
    w2v_step b = a;
    b.in_rows = rows[1];
    b.out_rows = rows[3];
    const double loss_a = w2v_block_portable(&a, dim, &table, &scratch, 0.05f);
    const double loss_b = kernel(&b, dim, &table, &scratch, 0.05f);
    /* the same float operations but the dot products' summation order */
    double worst = 0.0;
    int pad_moved = 0;
    for (size_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs((double)in_a[i] - in_b[i]));
        worst = fmax(worst, fabs((double)out_a[i] - out_b[i]));
        if (i % stride >= (size_t)dim) pad_moved += in_a[i] != in_b[i] || out_a[i] != out_b[i];
    }
    CHECKF(worst < 1e-5, "d %d, %d x %d: rows differ by %g", dim, n_in, n_out, worst);
    CHECKF(fabs(loss_a - loss_b) < 1e-3 * (1.0 + fabs(loss_a)), "d %d, %d x %d: loss %g vs %g", dim,
           n_in, n_out, loss_a, loss_b);
    CHECKF(pad_moved == 0, "d %d: %d padding floats written", dim, pad_moved);
    w2v_scratch_free(&scratch);
    free(in_a);
    free(out_a);
    free(in_b);
    free(out_b);
}

int main(void) {
    const int32_t dims[] = {1, 3, 4, 7, 8, 12, 13, 37, 48, 49, 100, 101, 130, 300};
    const int32_t shapes[][2] = {{1, 1}, {1, 6}, {2, 2}, {10, 6}, {7, 9}, {64, 64}, {63, 57}};
    for (w2v_simd simd = W2V_SIMD_SCALAR; simd <= W2V_SIMD_AVX512; simd++) {
        for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
            w2v_step_fn kernel = w2v_block_select(simd, dims[d]);
            if (!kernel) continue; /* not on this CPU */
            for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
                compare(kernel, dims[d], shapes[s][0], shapes[s][1], 100 * d + s);
        }
    }
    CHECK(w2v_block_select(W2V_SIMD_SCALAR, 100) == w2v_block_portable);
    return check_exit("test_block");
}
