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
 * A worker's loop: take the next chunk, read a sentence, drop frequent words
 * (subsample.c) and hand the rest to the planner of the mode (plan_cbow.c, plan_sg.c),
 * which runs its steps. Every W2V_PROGRESS_WORDS words it adds its count to the shared
 * counter and recomputes the learning rate from it; the stop flag is checked after
 * every step (w2v_plan_stopped), so a stop is prompt whatever the work per word.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "packed.h"
#include "plan.h"
#include "rng.h"
#include "w2v.h"

struct w2v_thread_slot {
    _Atomic double loss_sum;
    _Atomic int64_t examples;
    _Atomic int64_t reading; /* the worker reads no byte below it any more (release_passed) */
    char pad[40];            /* one cache line per thread */
};

struct w2v_progress {
    _Atomic int64_t words;
    _Atomic int stop;
    _Atomic float alpha;
    _Atomic int32_t next_chunk; /* the next chunk of the corpus no worker has taken */
    _Atomic int64_t released;   /* bytes of a mapped corpus whose pages are released */
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
    atomic_store(&progress->released, 0);
    for (int32_t t = 0; t < progress->n_threads; t++) {
        atomic_store(&progress->slots[t].loss_sum, 0.0);
        atomic_store(&progress->slots[t].examples, 0);
        atomic_store(&progress->slots[t].reading, 0);
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
    w2v_step_fn step;
    w2v_step_fn pair; /* NULL, or the pair step (plan_sg.c) */
    w2v_planner_fn planner;
    int32_t thread_id;
    uint64_t epoch;
    int status;
    w2v_epoch_stats stats;
} w2v_worker;

int w2v_worker_state_init(w2v_worker_state *state, const w2v_params *params, const w2v_model *model,
                          w2v_step_fn step, uint64_t seed) {
    state->params = params;
    state->model = model;
    state->step = step;
    state->pair = NULL;
    state->queue = (w2v_noise_queue){.next = 0, .primed = 0};
    state->hot = (w2v_hot_nodes){.rows = NULL, .base = NULL, .first = INT32_MAX, .n_hot = 0};
    state->examples = 0;
    state->loss_sum = 0.0;
    state->plan_buf = NULL;
    state->row_buf = NULL;
    state->stop = NULL;
    int status = w2v_scratch_init(&state->scratch, params->dim, seed);
    if (status != W2V_OK) return status;
    /* every plan holds a CBOW context (2 m ids) or one skip-gram context word, and the
     * rows of a path and of K + 1 negative-sampling words */
    const size_t max_in = 2 * (size_t)params->window;
    const size_t k = model->ns.out_vecs ? (size_t)params->negative : 0;
    const size_t max_out = (model->hs.node_vecs ? (size_t)model->hs.tree.max_length : 0) + k + 1;
    const size_t ids = max_in + 2 * k + 1;
    const size_t pointers = max_in + max_out;
    state->plan_buf = malloc(W2V_PLAN_RING * ids * sizeof(int32_t));
    state->row_buf =
        malloc(W2V_PLAN_RING * (pointers * sizeof(float *) + (max_out + max_in) * sizeof(float)));
    if (!state->plan_buf || !state->row_buf) {
        w2v_worker_state_free(state);
        return W2V_ERR_NOMEM;
    }
    float **row_ptrs = state->row_buf;
    float *labels = (float *)(row_ptrs + W2V_PLAN_RING * pointers);
    for (int i = 0; i < W2V_PLAN_RING; i++) {
        w2v_plan *plan = &state->plans[i];
        plan->ctx = state->plan_buf + i * ids;
        plan->ns_ids = plan->ctx + max_in;
        plan->noise = plan->ns_ids + k + 1;
        plan->in_rows = row_ptrs + i * pointers;
        plan->out_rows = plan->in_rows + max_in;
        plan->labels = labels + i * (max_out + max_in);
        plan->lockf = plan->labels + max_out;
        plan->step = (w2v_step){.in_rows = plan->in_rows,
                                .out_rows = plan->out_rows,
                                .labels = plan->labels,
                                .in_scale = 1.0f,
                                .grad_scale = 1.0f,
                                .skip_loss = params->skip_loss};
        plan->n_ctx = plan->n_ns = plan->n_noise = 0;
    }
    return W2V_OK;
}

void w2v_worker_state_free(w2v_worker_state *state) {
    w2v_scratch_free(&state->scratch);
    w2v_hot_free(&state->hot);
    free(state->plan_buf);
    free(state->row_buf);
    state->plan_buf = NULL;
    state->row_buf = NULL;
    state->stop = NULL;
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

/* The random stream of chunk c of epoch e: e W2V_MAX_THREADS + c for c < W2V_MAX_THREADS
 * (one worker's single chunk so keeps the stream earlier versions gave their first
 * worker: one thread trains as before), past them a range of their own. */
static uint64_t chunk_stream(uint64_t epoch, int32_t chunk) {
    if (chunk < W2V_MAX_THREADS) return epoch * W2V_MAX_THREADS + (uint64_t)chunk;
    return ((uint64_t)1 << 40) + epoch * W2V_MAX_CHUNKS + (uint64_t)chunk;
}

/* Releasing the pages of a mapped corpus (corpus->release_pages): the workers read
 * chunks of about W2V_CHUNK_WORDS words, a few tens of KiB, in corpus order at the same
 * time, and the kernel maps the pages around a faulting one (64 KiB by default) as well,
 * so a worker's fault can map pages of a neighbour's chunk again after the neighbour
 * released them. So pages are released only behind the slowest worker, less a margin
 * wider than that: bytes below min(reading) - W2V_RELEASE_MARGIN, W2V_RELEASE_BYTES at a
 * time, by whichever worker claims them first. */
#define W2V_RELEASE_MARGIN (1 << 20)

static void release_passed(w2v_worker *worker, int64_t pos) {
    w2v_progress *progress = worker->progress;
    atomic_store_explicit(&progress->slots[worker->thread_id].reading, pos, memory_order_relaxed);
    int64_t low = pos;
    for (int32_t t = 0; t < worker->params->n_threads; t++) {
        int64_t r = atomic_load_explicit(&progress->slots[t].reading, memory_order_relaxed);
        if (r < low) low = r;
    }
    int64_t target = low - W2V_RELEASE_MARGIN;
    int64_t done = atomic_load_explicit(&progress->released, memory_order_relaxed);
    if (target - done < W2V_RELEASE_BYTES) return;
    if (atomic_compare_exchange_strong(&progress->released, &done, target))
        w2v_release_pages(worker->corpus->bytes, done, target);
}

static void *worker_main(void *arg) {
    w2v_worker *worker = arg;
    const uint8_t *bytes = worker->corpus->bytes;
    const float *keep = worker->model->keep;

    w2v_worker_state state;
    int32_t *sentence = malloc(W2V_MAX_SENTENCE * sizeof *sentence);
    const int32_t dim = worker->params->dim;
    worker->status = w2v_worker_state_init(&state, worker->params, worker->model, worker->step, 0);
    if (worker->status != W2V_OK) goto done;
    state.pair = worker->pair;
    state.stop = &worker->progress->stop;
    if (worker->params->n_threads > 1) {
        worker->status = w2v_hot_init(&state.hot, worker->model, W2V_HOT_NODES);
        if (worker->status != W2V_OK) goto done;
    }
    if (!sentence) {
        worker->status = W2V_ERR_NOMEM;
        goto done;
    }

    const w2v_corpus *corpus = worker->corpus;
    int64_t unreported = 0, synced = 0; /* words read, and as of the last hot-node sync */
    int64_t unchecked = 0;              /* bytes read since the last release_passed */
    float alpha = w2v_schedule_alpha(worker->schedule, 0);
    int32_t chunk;
    while ((chunk = atomic_fetch_add(&worker->progress->next_chunk, 1)) < corpus->n_chunks) {
        /* A chunk's random stream (subsampling, windows, noise) is its own, whichever
         * worker trains it: a corpus of one chunk trains alike on any number of threads,
         * and more threads differ from one only by the Hogwild races. */
        state.scratch.rng = w2v_rng_seed(worker->params->seed, chunk_stream(worker->epoch, chunk));
        state.queue.primed = 0;
        int64_t pos = corpus->cuts[chunk];
        const int64_t end = corpus->cuts[chunk + 1];
        if (corpus->release_pages) /* not past this chunk's start until it is read */
            atomic_store_explicit(&worker->progress->slots[worker->thread_id].reading, pos,
                                  memory_order_relaxed);
        while (pos < end) {
            const int64_t sentence_start = pos;
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
                float u = w2v_rng_uniform(w2v_rng_next(&state.scratch.rng));
                sentence[n_kept] = word;
                n_kept += u < keep[word];
            }
            worker->planner(&state, sentence, n_kept, alpha);
            unchecked += pos - sentence_start;
            if (corpus->release_pages && unchecked >= W2V_RELEASE_BYTES) {
                release_passed(worker, pos);
                unchecked = 0;
            }
            worker->stats.examples = state.examples;
            worker->stats.loss_sum = state.loss_sum;
            if (state.hot.n_hot && unreported - synced >= W2V_HOT_SYNC_WORDS) {
                w2v_hot_sync(&state.hot, worker->model, dim);
                synced = unreported;
            }

            if (unreported >= W2V_PROGRESS_WORDS) {
                alpha = report(worker, &unreported);
                synced = 0;
            }
            if (w2v_plan_stopped(&state)) { /* the planner returned early, or will */
                worker->status = W2V_STOPPED;
                goto stopped;
            }
        }
    }
    /* done: no longer holds back the release */
    atomic_store_explicit(&worker->progress->slots[worker->thread_id].reading, INT64_MAX,
                          memory_order_relaxed);
stopped:
    w2v_hot_sync(&state.hot, worker->model, dim);
    report(worker, &unreported);
done:
    w2v_worker_state_free(&state);
    free(sentence);
    return NULL;
}

/* sg_batch is 0, or 1 with skip-gram (a block step takes any loss: a window's output
 * rows beyond W2V_BLOCK_MAX_OUT train as further blocks, see w2v_plan_run_block). */
static int sg_batch_fits(const w2v_params *params) {
    return params->sg_batch == 0 || (params->sg_batch == 1 && params->sg == 1);
}

static w2v_planner_fn planner_of(const w2v_params *params, const w2v_model *model) {
    if (!params->sg) return w2v_cbow_train_sentence;
    if (params->sg_batch) return w2v_sg_batch_train_sentence;
    return model->ns.out_vecs ? w2v_sg_train_sentence : w2v_sg_path_train_sentence;
}

int w2v_train_sentence(const w2v_params *params, const w2v_model *model, w2v_step_fn step,
                       uint64_t seed, const int32_t *sentence, int32_t n, float alpha,
                       w2v_epoch_stats *stats) {
    if (n < 0 || n > W2V_MAX_SENTENCE || params->window <= 0 || params->negative < 0 || !step ||
        !sg_batch_fits(params))
        return W2V_ERR_INVALID;
    for (int32_t i = 0; i < n; i++)
        if (sentence[i] < 0 || sentence[i] >= model->vocab_size) return W2V_ERR_INVALID;
    w2v_worker_state state;
    int status = w2v_worker_state_init(&state, params, model, step, seed);
    if (status != W2V_OK) return status;
    planner_of(params, model)(&state, sentence, n, alpha);
    stats->examples += state.examples;
    stats->loss_sum += state.loss_sum;
    w2v_worker_state_free(&state);
    return W2V_OK;
}

int w2v_corpus_prepare(w2v_corpus *corpus, int32_t vocab_size, int32_t n_threads) {
    corpus->n_threads = 0;
    if (n_threads < 1 || n_threads > W2V_MAX_THREADS || corpus->n_bytes < 0 ||
        (corpus->n_bytes > 0 && !corpus->bytes))
        return W2V_ERR_INVALID;
    int64_t n_words, n_sentences;
    int status = w2v_packed_scan_pages(corpus->bytes, corpus->n_bytes, vocab_size,
                                       corpus->release_pages, &n_words, &n_sentences);
    if (status != W2V_OK) return status;
    int64_t n_chunks = 1;
    if (n_threads > 1) {
        n_chunks = n_words / W2V_CHUNK_WORDS;
        if (n_chunks < 1) n_chunks = 1;
        if (n_chunks > W2V_MAX_CHUNKS) n_chunks = W2V_MAX_CHUNKS;
    }
    corpus->cuts[0] = 0;
    int64_t pos = 0, words = 0;
    w2v_pager pager = {corpus->bytes, 0, corpus->release_pages};
    for (int64_t c = 1; c < n_chunks; c++) {
        /* the first sentence start at or after word n_words * c / n_chunks */
        int64_t target = n_words * c / n_chunks;
        while (pos < corpus->n_bytes) {
            int32_t id = w2v_packed_next(corpus->bytes, corpus->n_bytes, &pos);
            if (id >= 0) {
                words++;
                continue;
            }
            w2v_pager_advance(&pager, pos); /* at sentence ends: a check per sentence */
            if (words >= target) break;     /* pos is just after this sentence end */
        }
        corpus->cuts[c] = pos;
    }
    w2v_pager_finish(&pager, pos);
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
        params->n_threads <= 0 || params->n_threads > progress->n_threads ||
        model->vocab_size <= 0 || (params->sg != 0 && params->sg != 1) ||
        (!model->ns.out_vecs && !model->hs.node_vecs) || (!!params->hs != !!model->hs.node_vecs) ||
        (model->ns.out_vecs && params->negative == 0) || !sg_batch_fits(params))
        return W2V_ERR_INVALID;
    w2v_step_fn step =
        params->sg_batch ? w2v_block_select(simd, params->dim) : w2v_step_select(simd, params->dim);
    if (!step) return W2V_ERR_INVALID;
    /* skip-gram with hierarchical softmax alone: a center's pairs at once (their output
     * rows are the same path) */
    w2v_step_fn pair = params->sg && !params->sg_batch && !model->ns.out_vecs
                           ? w2v_pair_select(simd, params->dim)
                           : NULL;

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
        worker->step = step;
        worker->pair = pair;
        worker->planner = planner_of(params, model);
        worker->thread_id = t;
        worker->epoch = (uint64_t)epoch;
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
    if (corpus->release_pages) /* every worker has stopped: the rest too */
        w2v_release_pages(corpus->bytes, atomic_load(&progress->released), corpus->n_bytes);
    free(workers);
    free(threads);
    return status;
}
