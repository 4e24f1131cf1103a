/*
 * Micro-benchmark of one kernel call (benchmarks/RESULTS.md): the AVX2 pair step
 * (step_pair_avx2.c: n_in input rows against the same n output rows, as skip-gram with
 * hierarchical softmax trains the pairs of one center) and the same pairs as n_in
 * one-row steps, on rows that cycle through `sets` disjoint sets: 1 to 64 sets stay in
 * L1/L2, thousands come from L3 or memory. Prints ns and cycles per call (at --ghz) and
 * per (pair, row) update; the FMA floor is 3 x ceil(d / 8) 8-wide FMAs per update.
 *
 * usage: bench_step [n_out 12] [sets 64] [dim 100] [calls 2000000] [ghz 3.6] [n_in 2]
 * Build: cmake -S . -B build/bench -DW2V_BUILD_BENCHMARKS=ON && cmake --build build/bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "step_variants.h"
#include "w2v.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Small weights in [-0.1, 0.1) from xorshift64: the same rows for every kernel. */
static void fill(float *m, size_t n) {
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        m[i] = (float)((double)(x >> 11) / 9007199254740992.0 * 0.2 - 0.1);
    }
}

typedef struct {
    float *in[16];
    float *out[64];
} row_set;

/* Seconds per call of kernel k (0: the pair step, 1: n_in one-row steps) over `calls`
 * calls cycling through the sets. */
static double time_calls(int k, row_set *sets, int n_sets, int n_in, int n, int dim, long calls,
                         const float *labels, const w2v_sigmoid *sigmoid, w2v_scratch *scratch,
                         double *loss) {
    double start = now();
    for (long i = 0; i < calls; i++) {
        row_set *s = &sets[i % n_sets];
        w2v_step step = {.in_rows = s->in,
                         .n_in = n_in,
                         .in_scale = 1.0f,
                         .grad_scale = 1.0f,
                         .out_rows = s->out,
                         .labels = labels,
                         .n_out = n,
                         .distinct = 1,
                         .in_lockf = NULL};
        if (k == 0) {
            *loss += w2v_pair_avx2(&step, dim, sigmoid, scratch, 1e-4f);
        } else {
            step.n_in = 1;
            for (int j = 0; j < n_in; j++) {
                step.in_rows = s->in + j;
                *loss += w2v_step_avx2_fused(&step, dim, sigmoid, scratch, 1e-4f);
            }
        }
    }
    return (now() - start) / (double)calls;
}

int main(int argc, char **argv) {
    const int n = argc > 1 ? atoi(argv[1]) : 12;
    const int n_sets = argc > 2 ? atoi(argv[2]) : 64;
    const int dim = argc > 3 ? atoi(argv[3]) : 100;
    const long calls = argc > 4 ? atol(argv[4]) : 2000000;
    const double ghz = argc > 5 ? atof(argv[5]) : 3.6;
    const int n_in = argc > 6 ? atoi(argv[6]) : 2;
    if (n < 1 || n > 64 || n_sets < 1 || dim < 1 || calls < 1 || ghz <= 0 || n_in < 1 ||
        n_in > 16) {
        fprintf(stderr,
                "usage: bench_step [n_out 1..64] [sets] [dim] [calls] [ghz] [n_in 1..16]\n");
        return 2;
    }
    if (!W2V_HAVE_X86_VARIANTS || w2v_simd_best() < W2V_SIMD_AVX2) {
        fprintf(stderr, "bench_step: this CPU has no AVX2+FMA\n");
        return 2;
    }
    const int stride = (dim + 15) / 16 * 16; /* rows on cache lines, as pyw2v/memory.py */
    const size_t rows = (size_t)n_sets * (size_t)(n + n_in);
    float *m = aligned_alloc(64, rows * (size_t)stride * sizeof(float));
    row_set *sets = malloc((size_t)n_sets * sizeof *sets);
    if (!m || !sets) return 1;
    for (int s = 0; s < n_sets; s++) {
        float *base = m + (size_t)s * (size_t)(n + n_in) * (size_t)stride;
        for (int t = 0; t < n; t++) sets[s].out[t] = base + (size_t)t * (size_t)stride;
        for (int j = 0; j < n_in; j++) sets[s].in[j] = base + (size_t)(n + j) * (size_t)stride;
    }
    float labels[64];
    for (int t = 0; t < n; t++) labels[t] = (float)(t % 3 == 0);
    w2v_sigmoid sigmoid;
    w2v_sigmoid_init(&sigmoid);
    w2v_scratch scratch;
    if (w2v_scratch_init(&scratch, dim, 1) != 0) return 1;
    const double floor_cycles = (double)n_in * n * 3 * ((dim + 7) / 8) / 2.0; /* 2 FMAs a cycle */
    const char *names[2] = {"pair step", "one-row steps"};
    for (int k = 0; k < 2; k++) {
        double loss = 0.0;
        fill(m, rows * (size_t)stride);
        double sec =
            time_calls(k, sets, n_sets, n_in, n, dim, calls, labels, &sigmoid, &scratch, &loss);
        double cycles = sec * ghz * 1e9;
        printf("%-13s n_in %d n %d sets %d dim %d: %.1f ns/call, %.0f cycles (FMA floor %.0f), "
               "%.1f cycles per update, loss %.6g\n",
               names[k], n_in, n, n_sets, dim, sec * 1e9, cycles, floor_cycles,
               cycles / ((double)n_in * n), loss / (double)calls);
    }
    w2v_scratch_free(&scratch);
    free(sets);
    free(m);
    return 0;
}
