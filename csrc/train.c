/*
 * One epoch of training: N worker threads taking chunks of the token array in turn.
 *
 * Hogwild (Recht, Re, Wright & Niu, "Hogwild!: A lock-free approach to parallelizing
 * stochastic gradient descent", NIPS 2011): the workers read and write the shared
 * weight rows without locks. Each step touches a handful of rows out of V, so
 * collisions are rare and their effect is a slightly stale gradient, which SGD
 * tolerates; word2vec.c, gensim and fastText all train this way. This is the one
 * place where threads share writable memory without synchronisation: the races on
 * the float rows are deliberate, everything else (word counter, stop flag, published
 * loss) is atomic.
 *
 * A worker's loop over a sentence: drop frequent words (subsample.c), then for each
 * remaining position draw a reduced window m' in 1..m, gather the context, draw K
 * noise words (a draw equal to the center word is skipped, as in word2vec.c) and call
 * the kernel. Every W2V_PROGRESS_WORDS words it adds its count to the shared counter,
 * recomputes the learning rate from it and checks the stop flag.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "noise.h"
#include "packed.h"
#include "prefetch.h"
#include "rng.h"
#include "w2v.h"

struct w2v_thread_slot {
    _Atomic double loss_sum;
    _Atomic int64_t examples;
    char pad[48]; /* one cache line per thread */
};

struct w2v_progress {
    _Atomic int64_t words;
    _Atomic int stop;
    _Atomic float alpha;
    _Atomic int32_t next_chunk; /* the next chunk of the corpus no worker has taken */
    int32_t n_threads;
    struct w2v_thread_slot *slots;
};

w2v_progress *w2v_progress_new(int32_t n_threads) {
    if (n_threads <= 0 || n_threads > W2V_MAX_THREADS) return NULL;
    w2v_progress *progress = calloc(1, sizeof *progress);
    if (!progress) return NULL;
    progress->slots = calloc((size_t)n_threads, sizeof *progress->slots);
    if (!progress->slots) {
        free(progress);
        return NULL;
    }
    progress->n_threads = n_threads;
    atomic_store(&progress->stop, 0);
    w2v_progress_reset(progress);
    return progress;
}

void w2v_progress_free(w2v_progress *progress) {
    if (!progress) return;
    free(progress->slots);
    free(progress);
}

void w2v_progress_reset(w2v_progress *progress) {
    atomic_store(&progress->words, 0);
    atomic_store(&progress->alpha, 0.0f);
    atomic_store(&progress->next_chunk, 0);
    for (int32_t t = 0; t < progress->n_threads; t++) {
        atomic_store(&progress->slots[t].loss_sum, 0.0);
        atomic_store(&progress->slots[t].examples, 0);
    }
}

void w2v_progress_request_stop(w2v_progress *progress) { atomic_store(&progress->stop, 1); }

int64_t w2v_progress_words(const w2v_progress *progress) {
    return atomic_load_explicit(&progress->words, memory_order_relaxed);
}

float w2v_progress_alpha(const w2v_progress *progress) {
    return atomic_load_explicit(&progress->alpha, memory_order_relaxed);
}

void w2v_progress_loss(const w2v_progress *progress, double *loss_sum, int64_t *n_examples) {
    double loss = 0.0;
    int64_t examples = 0;
    for (int32_t t = 0; t < progress->n_threads; t++) {
        loss += atomic_load_explicit(&progress->slots[t].loss_sum, memory_order_relaxed);
        examples += atomic_load_explicit(&progress->slots[t].examples, memory_order_relaxed);
    }
    *loss_sum = loss;
    *n_examples = examples;
}

float w2v_schedule_alpha(const w2v_schedule *schedule, int64_t words_done_in_epoch) {
    if (schedule->words_total <= 0) return schedule->alpha_start;
    double done = (double)(schedule->words_before + words_done_in_epoch);
    double frac = done / (double)schedule->words_total;
    if (frac > 1.0) frac = 1.0;
    double alpha = schedule->alpha_start - (schedule->alpha_start - schedule->alpha_end) * frac;
    return (float)(alpha > schedule->alpha_end ? alpha : schedule->alpha_end);
}

int w2v_window_reaches(uint64_t seed, int32_t window, int64_t n, int32_t *out) {
    if (window <= 0 || n < 0) return W2V_ERR_INVALID;
    uint64_t state = w2v_rng_seed(seed, 0);
    for (int64_t i = 0; i < n; i++) out[i] = w2v_rng_reach(&state, window);
    return W2V_OK;
}

/* Each worker on its own cache lines: a worker writes its stats on every step, and a
 * neighbour sharing the line would take a coherence miss on every step too. */
typedef struct {
    _Alignas(64) const w2v_params *params;
    w2v_model *model;
    const w2v_corpus *corpus;
    const w2v_schedule *schedule;
    w2v_progress *progress;
    w2v_cbow_ns_fn kernel;
    int32_t thread_id;
    uint64_t seed;
    int status;
    w2v_epoch_stats stats;
} w2v_worker;

/* What one center word trains on: its context and its targets (center, then noise). */
typedef struct {
    int32_t *ctx;     /* 2 * window */
    int32_t *targets; /* negative + 1 */
    int32_t *noise;   /* negative: the raw noise draws, kept for reuse */
    int32_t n_ctx, n_targets, n_noise;
    int32_t pos, lo, hi; /* the center's position and the window [lo, hi] around it */
} w2v_step_plan;

/* Noise draws resolved W2V_NOISE_AHEAD draws after their random number was drawn and
 * their alias slot prefetched: a slot is a random read of an 8-byte-per-word table
 * that is rarely in L1, so looking it up at once stalls the planning of every step. */
#ifndef W2V_NOISE_AHEAD
#define W2V_NOISE_AHEAD 16 /* 8 and 32 measured no better (benchmarks/RESULTS.md) */
#endif

typedef struct {
    uint64_t randoms[W2V_NOISE_AHEAD];
    uint32_t next; /* randoms[next % W2V_NOISE_AHEAD] is the oldest */
    int primed;
} w2v_noise_queue;

static inline void prefetch_slot(const w2v_noise *noise, uint64_t random64) {
    const w2v_alias_slot *slot = &noise->slots[w2v_rng_below(random64, (uint32_t)noise->n_words)];
    __builtin_prefetch(slot, 0, 3);
}

static inline int32_t queue_draw(w2v_noise_queue *queue, const w2v_noise *noise, uint64_t *rng) {
    if (!queue->primed) {
        for (int i = 0; i < W2V_NOISE_AHEAD; i++) {
            queue->randoms[i] = w2v_rng_next(rng);
            prefetch_slot(noise, queue->randoms[i]);
        }
        queue->primed = 1;
    }
    uint64_t *oldest = &queue->randoms[queue->next++ % W2V_NOISE_AHEAD];
    int32_t draw = w2v_noise_draw_fast(noise, *oldest);
    *oldest = w2v_rng_next(rng);
    prefetch_slot(noise, *oldest);
    return draw;
}

/* Draws the reduced window m' in 1..m and the noise words of position pos; n_ctx == 0
 * means there is nothing to train (then no noise is drawn). With negative_reuse = r > 1,
 * only every r-th position draws noise words; the positions in between train against
 * the draws of the position before them (`previous`, or NULL at a sentence start). */
static void plan_step(w2v_step_plan *plan, const w2v_step_plan *previous, const int32_t *sentence,
                      int32_t n, int32_t pos, const w2v_params *params, const w2v_noise *noise,
                      w2v_noise_queue *queue, uint64_t *rng) {
    int32_t reach = w2v_rng_reach(rng, params->window);
    int32_t lo = pos - reach > 0 ? pos - reach : 0;
    int32_t hi = pos + reach < n - 1 ? pos + reach : n - 1;
    plan->pos = pos;
    plan->lo = lo;
    plan->hi = hi;
    plan->n_ctx = 0;
    for (int32_t j = lo; j <= hi; j++)
        if (j != pos) plan->ctx[plan->n_ctx++] = sentence[j];
    plan->n_targets = 0;
    plan->n_noise = 0;
    if (plan->n_ctx == 0) return;

    int32_t center = sentence[pos];
    plan->targets[plan->n_targets++] = center;
    if (params->negative_reuse == 1) {
        for (int32_t k = 0; k < params->negative; k++) {
            int32_t draw = queue_draw(queue, noise, rng);
            if (draw != center) plan->targets[plan->n_targets++] = draw;
        }
        return;
    }
    int reuse =
        previous && pos % params->negative_reuse != 0 && previous->n_noise == params->negative;
    for (int32_t k = 0; k < params->negative; k++)
        plan->noise[k] = reuse ? previous->noise[k] : queue_draw(queue, noise, rng);
    plan->n_noise = params->negative;
    for (int32_t k = 0; k < params->negative; k++)
        if (plan->noise[k] != center) plan->targets[plan->n_targets++] = plan->noise[k];
}

/* Prefetches the cache lines of a row. */
static inline void prefetch_row(const float *row, int32_t dim) {
    const char *first = (const char *)row;
    const char *last = first + (size_t)dim * sizeof(float) - 1;
    for (const char *p = first; p <= last; p += 64) w2v_prefetch(p);
    w2v_prefetch(last);
}

/* Asks for the rows the planned step `next` will touch while the step `current` computes:
 * random rows of two large matrices are cache misses, the main cost of a step. Context
 * rows inside the current window are in cache already (the current step reads and
 * writes them), so only the others are fetched: prefetches of lines that are already
 * there still hold the line-fill buffers that real misses need. */
static void prefetch_plan(const w2v_step_plan *next, const w2v_step_plan *current,
                          const w2v_model *model, int32_t dim) {
#ifdef W2V_NO_PREFETCH /* for measuring what prefetching buys (benchmarks/RESULTS.md) */
    return;
#endif
    const size_t stride = (size_t)model->row_stride;
    for (int32_t t = 0; t < next->n_targets; t++)
        prefetch_row(model->out_vecs + (size_t)next->targets[t] * stride, dim);
    int32_t i = 0;
    for (int32_t j = next->lo; j <= next->hi; j++) {
        if (j == next->pos) continue;
        if (j < current->lo || j > current->hi || j == current->pos)
            prefetch_row(model->in_vecs + (size_t)next->ctx[i] * stride, dim);
        i++;
    }
}

/* Steps planned ahead of the one being trained, so that their rows arrive in cache in
 * time (a power of two; see benchmarks/RESULTS.md for the measurements). */
#ifndef W2V_PREFETCH_AHEAD
#define W2V_PREFETCH_AHEAD 1
#endif
#define W2V_PLAN_RING (2 * W2V_PREFETCH_AHEAD)

/* Trains on sentence[0..n) (subsampled token ids), planning W2V_PREFETCH_AHEAD steps
 * ahead. Plans are drawn in position order, so the random stream is consumed exactly
 * as without look-ahead. */
static void train_sentence(w2v_worker *worker, w2v_scratch *scratch, const int32_t *sentence,
                           int32_t n, w2v_step_plan *plans, w2v_noise_queue *queue, float alpha) {
    const w2v_params *params = worker->params;
    w2v_model *model = worker->model;
    const int32_t ahead = W2V_PREFETCH_AHEAD;
    for (int32_t pos = 0; pos < n && pos < ahead; pos++)
        plan_step(&plans[pos % W2V_PLAN_RING], pos ? &plans[(pos - 1) % W2V_PLAN_RING] : NULL,
                  sentence, n, pos, params, &model->noise, queue, &scratch->rng);
    for (int32_t pos = 0; pos < n; pos++) {
        if (pos + ahead < n) {
            w2v_step_plan *next = &plans[(pos + ahead) % W2V_PLAN_RING];
            const w2v_step_plan *before = &plans[(pos + ahead - 1) % W2V_PLAN_RING];
            plan_step(next, before, sentence, n, pos + ahead, params, &model->noise, queue,
                      &scratch->rng);
            prefetch_plan(next, &plans[pos % W2V_PLAN_RING], model, params->dim);
        }
        const w2v_step_plan *current = &plans[pos % W2V_PLAN_RING];
        if (current->n_ctx == 0) continue;
        worker->stats.loss_sum +=
            worker->kernel(params, model, scratch, current->ctx, current->n_ctx, current->targets,
                           current->n_targets, alpha);
        worker->stats.examples++;
    }
}

/* Adds the words since the last report to the shared counter; publishes the loss. */
static float report(w2v_worker *worker, int64_t *unreported) {
    w2v_progress *progress = worker->progress;
    int64_t done = atomic_fetch_add(&progress->words, *unreported) + *unreported;
    *unreported = 0;
    struct w2v_thread_slot *slot = &progress->slots[worker->thread_id];
    atomic_store_explicit(&slot->loss_sum, worker->stats.loss_sum, memory_order_relaxed);
    atomic_store_explicit(&slot->examples, worker->stats.examples, memory_order_relaxed);
    float alpha = w2v_schedule_alpha(worker->schedule, done);
    atomic_store_explicit(&progress->alpha, alpha, memory_order_relaxed);
    return alpha;
}

static void *worker_main(void *arg) {
    w2v_worker *worker = arg;
    const w2v_params *params = worker->params;
    const uint8_t *bytes = worker->corpus->bytes;
    const float *keep = worker->model->keep;

    w2v_scratch scratch;
    int32_t *sentence = malloc(W2V_MAX_SENTENCE * sizeof *sentence);
    /* the ring of planned steps shares one buffer of ids */
    size_t plan_ids = 2 * (size_t)params->window + 2 * (size_t)params->negative + 1;
    int32_t *plan_buf = malloc(W2V_PLAN_RING * plan_ids * sizeof *plan_buf);
    w2v_step_plan plans[W2V_PLAN_RING];
    w2v_noise_queue queue = {.next = 0, .primed = 0};
    for (int i = 0; i < W2V_PLAN_RING && plan_buf; i++) {
        plans[i].ctx = plan_buf + i * plan_ids;
        plans[i].targets = plans[i].ctx + 2 * (size_t)params->window;
        plans[i].noise = plans[i].targets + (size_t)params->negative + 1;
    }
    worker->status = w2v_scratch_init(&scratch, params->dim, worker->seed);
    if (worker->status == W2V_OK && (!sentence || !plan_buf)) worker->status = W2V_ERR_NOMEM;
    if (worker->status != W2V_OK) goto done;

    const w2v_corpus *corpus = worker->corpus;
    int64_t unreported = 0;
    float alpha = w2v_schedule_alpha(worker->schedule, 0);
    int32_t chunk;
    while ((chunk = atomic_fetch_add(&worker->progress->next_chunk, 1)) < corpus->n_chunks) {
        int64_t pos = corpus->cuts[chunk];
        const int64_t end = corpus->cuts[chunk + 1];
        while (pos < end) {
            int32_t n_kept = 0;
            /* Read one sentence (or W2V_MAX_SENTENCE tokens of it), dropping frequent
             * words. The bytes were checked by w2v_corpus_prepare: every code is whole
             * and in range. */
            while (pos < end && n_kept < W2V_MAX_SENTENCE) {
                int32_t word = w2v_packed_next(bytes, end, &pos);
                if (word < 0) break; /* sentence end */
                unreported++;
                /* kept with probability keep[word] (1 for rare words); branch-free, since
                 * for frequent words the outcome is a coin flip a branch would mispredict */
                float u = w2v_rng_uniform(w2v_rng_next(&scratch.rng));
                sentence[n_kept] = word;
                n_kept += u < keep[word];
            }
            train_sentence(worker, &scratch, sentence, n_kept, plans, &queue, alpha);

            if (unreported >= W2V_PROGRESS_WORDS) {
                alpha = report(worker, &unreported);
                if (atomic_load_explicit(&worker->progress->stop, memory_order_relaxed)) {
                    worker->status = W2V_STOPPED;
                    goto stopped;
                }
            }
        }
    }
stopped:
    report(worker, &unreported);
done:
    w2v_scratch_free(&scratch);
    free(sentence);
    free(plan_buf);
    return NULL;
}

int w2v_corpus_prepare(w2v_corpus *corpus, int32_t vocab_size, int32_t n_threads) {
    corpus->n_threads = 0;
    if (n_threads < 1 || n_threads > W2V_MAX_THREADS || corpus->n_bytes < 0 ||
        (corpus->n_bytes > 0 && !corpus->bytes))
        return W2V_ERR_INVALID;
    int64_t n_words, n_sentences;
    int status =
        w2v_packed_scan(corpus->bytes, corpus->n_bytes, vocab_size, &n_words, &n_sentences);
    if (status != W2V_OK) return status;
    int64_t n_chunks = 1;
    if (n_threads > 1) {
        n_chunks = n_words / W2V_CHUNK_WORDS;
        if (n_chunks < 4 * (int64_t)n_threads) n_chunks = 4 * (int64_t)n_threads;
        if (n_chunks > W2V_MAX_CHUNKS) n_chunks = W2V_MAX_CHUNKS;
    }
    corpus->cuts[0] = 0;
    int64_t pos = 0, words = 0;
    for (int64_t c = 1; c < n_chunks; c++) {
        /* the first sentence start at or after word n_words * c / n_chunks */
        int64_t target = n_words * c / n_chunks;
        while (pos < corpus->n_bytes) {
            int32_t id = w2v_packed_next(corpus->bytes, corpus->n_bytes, &pos);
            if (id >= 0)
                words++;
            else if (words >= target)
                break; /* pos is just after this sentence end */
        }
        corpus->cuts[c] = pos;
    }
    corpus->cuts[n_chunks] = corpus->n_bytes;
    corpus->vocab_size = vocab_size;
    corpus->n_chunks = (int32_t)n_chunks;
    corpus->n_threads = n_threads;
    return W2V_OK;
}

int w2v_train_epoch(const w2v_params *params, w2v_model *model, w2v_corpus *corpus,
                    const w2v_schedule *schedule, w2v_progress *progress, int64_t epoch,
                    w2v_simd simd, w2v_epoch_stats *stats) {
    stats->words = stats->examples = 0;
    stats->loss_sum = 0.0;
    if (params->dim <= 0 || params->dim > W2V_MAX_DIM || model->row_stride < params->dim ||
        params->window <= 0 || params->negative < 0 || params->negative_reuse < 1 ||
        params->n_threads <= 0 || params->n_threads > progress->n_threads || model->vocab_size <= 0)
        return W2V_ERR_INVALID;
    w2v_cbow_ns_fn kernel = w2v_cbow_ns_select(simd, params->dim);
    if (!kernel) return W2V_ERR_INVALID;

    const int32_t n_threads = params->n_threads;
    w2v_worker *workers = aligned_alloc(64, (size_t)n_threads * sizeof *workers);
    pthread_t *threads = calloc((size_t)n_threads, sizeof *threads);
    int status = workers && threads ? W2V_OK : W2V_ERR_NOMEM;
    if (status == W2V_OK) memset(workers, 0, (size_t)n_threads * sizeof *workers);
    if (status == W2V_OK &&
        (corpus->n_threads != n_threads || corpus->vocab_size != model->vocab_size))
        status = w2v_corpus_prepare(corpus, model->vocab_size, n_threads);
    if (status != W2V_OK) {
        free(workers);
        free(threads);
        return status;
    }
    w2v_progress_reset(progress);
    int32_t started = 0;
    for (int32_t t = 0; t < n_threads; t++) {
        w2v_worker *worker = &workers[t];
        worker->params = params;
        worker->model = model;
        worker->corpus = corpus;
        worker->schedule = schedule;
        worker->progress = progress;
        worker->kernel = kernel;
        worker->thread_id = t;
        worker->seed = w2v_rng_seed(params->seed, (uint64_t)epoch * W2V_MAX_THREADS + (uint64_t)t);
        if (pthread_create(&threads[t], NULL, worker_main, worker) != 0) {
            status = W2V_ERR_THREAD;
            w2v_progress_request_stop(progress);
            break;
        }
        started++;
    }
    for (int32_t t = 0; t < started; t++) {
        pthread_join(threads[t], NULL);
        stats->examples += workers[t].stats.examples;
        stats->loss_sum += workers[t].stats.loss_sum;
        if (status == W2V_OK && workers[t].status != W2V_OK) status = workers[t].status;
    }
    stats->words = w2v_progress_words(progress);
    free(workers);
    free(threads);
    return status;
}
