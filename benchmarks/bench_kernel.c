/*
 * C-level kernel benchmark: trains on a synthetic Zipf-distributed corpus through the
 * public core API (w2v_train_epoch) and prints ns per word and words/s per thread.
 *
 * usage: [W2V_SG=1 [W2V_SG_BATCH=1]] [W2V_HS=1] [W2V_NO_LOSS=1] bench_kernel [dim] [negative] [vocab] [tokens] [threads] [simd: 0 auto, 1 scalar,
 *                     2 avx2, 3 avx512] [sample] [ids.i32 counts.i64]
 * With the last two arguments the corpus is read from raw files (int32 token ids with -1
 * ending sentences, int64 counts; e.g. a real corpus dumped by benchmarks/dump_ids.py)
 * instead of being generated; vocab and tokens are then taken from the files.
 * Build: cmake -S . -B build/bench -DW2V_BUILD_BENCHMARKS=ON && cmake --build build/bench
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "rng.h"
#include "w2v.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Zipf(1) ids by inverse CDF; sentences of 20 tokens. */
static int32_t *make_corpus(int32_t vocab, int64_t tokens, int64_t *n_ids, int64_t *counts) {
    double *cdf = malloc((size_t)vocab * sizeof *cdf);
    double total = 0.0;
    for (int32_t i = 0; i < vocab; i++) total += 1.0 / (i + 1);
    double acc = 0.0;
    for (int32_t i = 0; i < vocab; i++) {
        acc += 1.0 / (i + 1) / total;
        cdf[i] = acc;
    }
    int64_t n = tokens + tokens / 20 + 1;
    int32_t *ids = malloc((size_t)n * sizeof *ids);
    uint64_t state = w2v_rng_seed(42, 0);
    int64_t pos = 0;
    for (int64_t t = 0; t < tokens; t++) {
        double u = w2v_rng_uniform(w2v_rng_next(&state));
        int32_t lo = 0, hi = vocab - 1;
        while (lo < hi) {
            int32_t mid = (lo + hi) / 2;
            if (cdf[mid] < u) lo = mid + 1;
            else hi = mid;
        }
        ids[pos++] = lo;
        counts[lo]++;
        if ((t + 1) % 20 == 0) ids[pos++] = -1;
    }
    for (int32_t i = 0; i < vocab; i++)
        if (counts[i] == 0) counts[i] = 1;
    free(cdf);
    *n_ids = pos;
    return ids;
}

static void *read_file(const char *path, size_t item, int64_t *n_items) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *data = malloc((size_t)bytes);
    *n_items = (int64_t)((size_t)bytes / item);
    if (data && fread(data, item, (size_t)*n_items, f) != (size_t)*n_items) {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

#define HUGE_PAGE (2u << 20)

static float *alloc_matrix(size_t n) {
    size_t bytes = (n * sizeof(float) + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    float *m = aligned_alloc(HUGE_PAGE, bytes);
    if (m && !getenv("W2V_NO_HUGE")) madvise(m, bytes, MADV_HUGEPAGE);
    if (m) memset(m, 0, bytes);
    return m;
}

int main(int argc, char **argv) {
    int32_t dim = argc > 1 ? atoi(argv[1]) : 100;
    int32_t negative = argc > 2 ? atoi(argv[2]) : 5;
    int32_t vocab = argc > 3 ? atoi(argv[3]) : 100000;
    int64_t tokens = argc > 4 ? atoll(argv[4]) : 5000000;
    int32_t threads = argc > 5 ? atoi(argv[5]) : 1;
    w2v_simd simd = argc > 6 ? (w2v_simd)atoi(argv[6]) : W2V_SIMD_AUTO;
    double sample = argc > 7 ? atof(argv[7]) : 1e-3;

    int64_t n_ids;
    int64_t *counts;
    int32_t *ids;
    if (argc > 9) {
        int64_t n_counts;
        ids = read_file(argv[8], sizeof *ids, &n_ids);
        counts = read_file(argv[9], sizeof *counts, &n_counts);
        if (!ids || !counts) return 3;
        vocab = (int32_t)n_counts;
        tokens = 0;
        for (int64_t i = 0; i < n_ids; i++) tokens += ids[i] >= 0;
    } else {
        counts = calloc((size_t)vocab, sizeof *counts);
        ids = make_corpus(vocab, tokens, &n_ids, counts);
    }
    /* like pyw2v/memory.py: weights on transparent huge pages unless W2V_NO_HUGE is set */
    /* rows padded to whole cache lines, as pyw2v/memory.py lays them out
       (W2V_NO_PAD=1: packed rows) */
    int32_t stride = getenv("W2V_NO_PAD") ? dim : (dim + 15) / 16 * 16;
    float *in_vecs = alloc_matrix((size_t)vocab * stride);
    float *out_vecs = alloc_matrix((size_t)vocab * stride);
    float *keep = malloc((size_t)vocab * sizeof(float));
    uint64_t state = w2v_rng_seed(1, 1);
    for (int64_t r = 0; r < vocab; r++)
        for (int32_t i = 0; i < dim; i++)
            in_vecs[r * stride + i] = (w2v_rng_uniform(w2v_rng_next(&state)) - 0.5f) / dim;
    w2v_subsample_keep_probs(counts, vocab, sample, keep);

    w2v_model model;
    /* W2V_SG=1: skip-gram; W2V_HS=1: hierarchical softmax (with negative 0: alone) */
    const char *sg = getenv("W2V_SG"), *hs = getenv("W2V_HS");
    int use_hs = hs && atoi(hs);
    float *node_vecs = use_hs ? alloc_matrix((size_t)vocab * stride) : NULL;
    if (w2v_model_init(&model, in_vecs, negative > 0 ? out_vecs : NULL, node_vecs, stride, keep,
                       counts, vocab, 0.75) != W2V_OK)
        return 1;
    const char *reuse = getenv("W2V_NEGATIVE_REUSE");
    w2v_params params = {.dim = dim, .window = 5, .negative = negative,
                         .negative_reuse = reuse ? atoi(reuse) : 1, .cbow_mean = 1,
                         .exact_ctx_grad = 0, .n_threads = threads, .seed = 1,
                         .sg = sg ? atoi(sg) : 0, .hs = use_hs, .shrink_windows = 1,
                         .sg_batch = getenv("W2V_SG_BATCH") ? atoi(getenv("W2V_SG_BATCH")) : 0,
                         .skip_loss = getenv("W2V_NO_LOSS") ? atoi(getenv("W2V_NO_LOSS")) : 0};
    w2v_progress *progress = w2v_progress_new(threads);
    uint8_t *packed = malloc(5 * (size_t)n_ids + 1); /* 5 bytes per id at most */
    int64_t n_bytes = 0;
    if (!packed || w2v_pack_ids(ids, n_ids, packed, 5 * n_ids + 1, &n_bytes) != W2V_OK) return 1;
    w2v_corpus corpus = {packed, n_bytes};
    /* checked and cut once, outside the timing, as before the epochs of a training run */
    if (w2v_corpus_prepare(&corpus, vocab, threads) != W2V_OK) return 1;
    w2v_schedule schedule = {0.05f, 0.0001f, 0, tokens};
    w2v_epoch_stats stats;
    double t0 = now();
    int status = w2v_train_epoch(&params, &model, &corpus, &schedule, progress, 0, simd, &stats);
    double elapsed = now() - t0;
    if (status != W2V_OK) return 2;
    printf("%s%s%s dim %d neg %d vocab %d threads %d simd %d: %.1f ns/word/thread, %.2fM words/s "
           "per thread, %.2fM total, loss %.4f\n",
           params.sg ? "sg" : "cbow", params.sg_batch ? "-batch" : "", use_hs ? "+hs" : "", dim, negative, vocab, threads,
           (int)(simd ? simd : w2v_simd_best()),
           elapsed * 1e9 * threads / stats.words, stats.words / elapsed / threads / 1e6,
           stats.words / elapsed / 1e6, stats.loss_sum / stats.examples);
    w2v_progress_free(progress);
    w2v_model_free(&model);
    free(ids);
    free(packed);
    free(counts);
    free(in_vecs);
    free(out_vecs);
    free(node_vecs);
    free(keep);
    return 0;
}
