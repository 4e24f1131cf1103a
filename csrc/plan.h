/*
 * What the planners (plan_cbow.c, plan_sg.c) share with train.c: a worker thread's own
 * state and the planned steps. Internal to the core.
 *
 * A planner turns a sentence of (subsampled) ids into steps and runs them through the
 * step kernel, planning each step one step ahead of the one being trained so that the
 * rows it will touch can be prefetched: random rows of large matrices are cache
 * misses, the main cost of a step. The random stream is consumed in step order, so the
 * look-ahead changes nothing in what is trained.
 */
#ifndef W2V_PLAN_H
#define W2V_PLAN_H

#include <stdatomic.h>

#include "loss.h"
#include "prefetch.h"
#include "w2v.h"

/* Steps planned ahead of the one being trained (a power of two; benchmarks/RESULTS.md). */
#ifndef W2V_PREFETCH_AHEAD
#define W2V_PREFETCH_AHEAD 1
#endif
#define W2V_PLAN_RING (2 * W2V_PREFETCH_AHEAD)

/* One planned step and the storage its pointers refer to. */
typedef struct {
    w2v_step step;
    float **in_rows;  /* max_in */
    float **out_rows; /* max_out */
    float *labels;    /* max_out */
    float *lockf;     /* max_in: the input rows' lock factors, when one is not 1 */
    int32_t *ctx;     /* the input rows' word ids */
    int32_t *ns_ids;  /* the negative-sampling rows' word ids: the predicted word, the noise */
    int32_t *noise;   /* negative: the raw noise draws, kept for negative_reuse */
    int32_t n_ctx, n_hs, n_ns, n_noise; /* n_hs: the path's rows, first in out_rows */
    int32_t pos, lo, hi;                /* the center's position and its window [lo, hi] */
} w2v_plan;

/* With several workers, hierarchical softmax's most used inner nodes (the top of the
 * tree: every step writes the root) would move between the cores' caches on every step.
 * Each worker then trains private copies of the n_hot nodes numbered highest (nodes are
 * numbered in order of creation, so by ascending count: the highest are the top of the
 * tree) and adds what it changed in them to the shared rows every W2V_HOT_SYNC_WORDS
 * words it reads and at the end of the epoch (w2v_hot_sync): local SGD for those rows,
 * Hogwild for the rest. One worker trains the shared rows directly (n_hot = 0). */
typedef struct {
    float *rows;   /* n_hot private rows, row_stride apart */
    float *base;   /* the shared rows as of the last sync */
    int32_t first; /* nodes numbered first or more are hot (INT32_MAX: none) */
    int32_t n_hot;
} w2v_hot_nodes;

#ifndef W2V_HOT_NODES
#define W2V_HOT_NODES 256 /* benchmarks/RESULTS.md */
#endif
#ifndef W2V_HOT_SYNC_WORDS
#define W2V_HOT_SYNC_WORDS 1024
#endif

int w2v_hot_init(w2v_hot_nodes *hot, const w2v_model *model, int32_t n_hot);
/* Adds the private rows' change since the last sync to the shared rows, then takes the
 * shared rows (with the other workers' changes) as the new private rows and base. */
void w2v_hot_sync(w2v_hot_nodes *hot, const w2v_model *model, int32_t dim);
void w2v_hot_free(w2v_hot_nodes *hot);

/* A worker's own state: never shared. */
typedef struct {
    const w2v_params *params;
    const w2v_model *model;
    w2v_step_fn step; /* the mode's kernel: a block step with sg_batch */
    w2v_step_fn pair; /* NULL, or the pair step for a center's pairs (plan_sg.c) */
    w2v_scratch scratch;
    w2v_noise_queue queue;
    w2v_hot_nodes hot;
    w2v_plan plans[W2V_PLAN_RING];
    int32_t *plan_buf;       /* the ids of all plans */
    void *row_buf;           /* the row pointers and labels of all plans */
    int64_t examples;        /* positive examples trained so far */
    double loss_sum;         /* their loss */
    const _Atomic int *stop; /* the epoch's stop flag, or NULL (see w2v_plan_stopped) */
} w2v_worker_state;

/* Whether training was asked to stop. The planners check it after every step (one
 * center word, or one pair), so a stop lands within one step's work however long the
 * sentence and however large negative or the window (a check every N words would
 * take N (negative + 1) rows' work: seconds with negative in the thousands). A relaxed
 * load of a line that changes only when a stop is requested costs next to nothing. */
static inline int w2v_plan_stopped(const w2v_worker_state *state) {
    return state->stop && atomic_load_explicit(state->stop, memory_order_relaxed);
}

int w2v_worker_state_init(w2v_worker_state *state, const w2v_params *params, const w2v_model *model,
                          w2v_step_fn step, uint64_t seed);
void w2v_worker_state_free(w2v_worker_state *state);

/* Trains on sentence[0..n) with learning rate alpha. */
typedef void (*w2v_planner_fn)(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                               float alpha);
void w2v_cbow_train_sentence(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                             float alpha);
void w2v_sg_train_sentence(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                           float alpha);
void w2v_sg_batch_train_sentence(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                                 float alpha);
/* skip-gram with hierarchical softmax alone: a center's pairs as one pair step */
void w2v_sg_path_train_sentence(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                                float alpha);

/* The reach m' of a center word: uniform in 1..window (word2vec.c's reduced window), or
 * window itself without shrink_windows. */
static inline int32_t w2v_plan_reach(const w2v_params *params, uint64_t *rng) {
    return params->shrink_windows ? w2v_rng_reach(rng, params->window) : params->window;
}

/* Sets plan's output rows to those that predict `word` regardless of the noise:
 * hierarchical softmax's path, then negative sampling's row of `word`. */
static inline void w2v_plan_center(w2v_plan *plan, const w2v_model *model, const w2v_hot_nodes *hot,
                                   int32_t word) {
    const size_t stride = (size_t)model->row_stride;
    int32_t n = 0;
    if (model->hs.node_vecs)
        n = w2v_hs_append(&model->hs, word, stride, hot->rows, hot->first, plan->out_rows,
                          plan->labels, n);
    plan->n_hs = n;
    if (model->ns.out_vecs)
        n = w2v_ns_append_word(&model->ns, word, stride, plan->out_rows, plan->labels, n,
                               plan->ns_ids);
    plan->step.n_out = n;
}

/* Appends the rows of the noise draws (those that are not `word`) after the rows of
 * w2v_plan_center(word) and sets n_ns and whether the step's rows are distinct. */
static inline void w2v_plan_noise(w2v_plan *plan, const w2v_model *model, int32_t word,
                                  const int32_t *draws, int32_t k) {
    plan->n_ns = 0;
    plan->step.distinct = 1;
    if (!model->ns.out_vecs) return;
    plan->step.n_out =
        w2v_ns_append_noise(&model->ns, word, draws, k, (size_t)model->row_stride, plan->out_rows,
                            plan->labels, plan->n_hs + 1, plan->ns_ids, &plan->n_ns);
    /* a path visits distinct nodes of its own matrix and the noise skips `word`, so only
     * two draws can repeat a row */
    plan->step.distinct = w2v_distinct_ids(plan->ns_ids + 1, plan->n_ns - 1);
}

/* Sets plan's output rows to those that predict `word` (hierarchical softmax's path, then
 * negative sampling's rows for the given noise draws). */
static inline void w2v_plan_targets(w2v_plan *plan, const w2v_model *model,
                                    const w2v_hot_nodes *hot, int32_t word, const int32_t *draws,
                                    int32_t k) {
    w2v_plan_center(plan, model, hot, word);
    w2v_plan_noise(plan, model, word, draws, k);
}

/* Nodes near the root of the Huffman tree are on most paths and stay in cache: only the
 * nodes from this depth on are prefetched (prefetching all, or none, measured slower on
 * W1: benchmarks/RESULTS.md). */
#ifndef W2V_HS_PREFETCH_FROM
#define W2V_HS_PREFETCH_FROM 8
#endif

/* The first of plan's output rows worth prefetching: past the top of its path. */
static inline int32_t w2v_plan_prefetch_from(const w2v_plan *plan) {
    return plan->n_hs < W2V_HS_PREFETCH_FROM ? plan->n_hs : W2V_HS_PREFETCH_FROM;
}

/* Prefetches the cache lines of a row: one prefetch per line, unrolled (a row of d = 100
 * floats spans 7 lines; a loop spent 3 instructions per line, benchmarks/RESULTS.md). */
static inline void w2v_prefetch_row(const float *row, int32_t dim) {
#ifdef W2V_NO_PREFETCH /* for measuring what prefetching buys (benchmarks/RESULTS.md) */
    return;
#endif
    const uintptr_t first = (uintptr_t)row, last = first + (size_t)dim * sizeof(float) - 1;
    const char *line = (const char *)(last & ~(uintptr_t)63); /* the last line */
    uintptr_t lines = (last >> 6) - (first >> 6) + 1;
    for (; lines > 8; lines--) w2v_prefetch(line - 64 * (lines - 1));
    switch (lines) { /* the last `lines` lines, first to last */
    case 8:
        w2v_prefetch(line - 448);
        /* fallthrough */
    case 7:
        w2v_prefetch(line - 384);
        /* fallthrough */
    case 6:
        w2v_prefetch(line - 320);
        /* fallthrough */
    case 5:
        w2v_prefetch(line - 256);
        /* fallthrough */
    case 4:
        w2v_prefetch(line - 192);
        /* fallthrough */
    case 3:
        w2v_prefetch(line - 128);
        /* fallthrough */
    case 2:
        w2v_prefetch(line - 64);
        /* fallthrough */
    default:
        w2v_prefetch(line);
    }
}

/* Gives the planned step its input rows' lock factors (model->in_lockf, gensim's
 * vectors_lockf), only when one of them is not 1: other steps keep the fast kernels. */
static inline void w2v_plan_lockf(w2v_plan *plan, const w2v_model *model) {
    plan->step.in_lockf = NULL;
    if (!model->in_lockf) return;
    int any = 0;
    for (int32_t i = 0; i < plan->n_ctx; i++) {
        plan->lockf[i] = model->in_lockf[plan->ctx[i]];
        any |= plan->lockf[i] != 1.0f;
    }
    if (any) plan->step.in_lockf = plan->lockf;
}

/* Runs a planned step (nothing to train: no input or no output row). A step with lock
 * factors takes the portable kernel, the one that applies them. */
static inline void w2v_plan_run(w2v_worker_state *state, const w2v_plan *plan, float alpha) {
    if (plan->step.n_in == 0 || plan->step.n_out == 0) return;
    w2v_step_fn step = plan->step.in_lockf ? w2v_step_portable : state->step;
    state->loss_sum +=
        step(&plan->step, state->params->dim, &state->model->sigmoid, &state->scratch, alpha);
    state->examples++;
}

/* Runs a planned window as block steps (sg_batch): each context row on its own against
 * the output rows (the center's path and/or its positive row and the window's noise rows),
 * in blocks of at most W2V_BLOCK_MAX_IN context rows and W2V_BLOCK_MAX_OUT output rows (a
 * window of more context words, window > 32, or of more output rows, a long path or
 * negative >= 64, trains as several blocks, each after the one before). Every context row
 * is a positive example. A block with lock factors takes the portable block kernel, the
 * one that applies them. */
static inline void w2v_plan_run_block(w2v_worker_state *state, const w2v_plan *plan, float alpha) {
    const int32_t n_in = plan->step.n_in, n_out = plan->step.n_out;
    if (n_in == 0 || n_out == 0) return;
    w2v_step_fn block = plan->step.in_lockf ? w2v_block_portable : state->step;
    w2v_step part = plan->step;
    for (int32_t out = 0; out < n_out; out += W2V_BLOCK_MAX_OUT) {
        part.out_rows = plan->step.out_rows + out;
        part.labels = plan->step.labels + out;
        part.n_out = n_out - out < W2V_BLOCK_MAX_OUT ? n_out - out : W2V_BLOCK_MAX_OUT;
        for (int32_t first = 0; first < n_in; first += W2V_BLOCK_MAX_IN) {
            part.in_rows = plan->step.in_rows + first;
            part.n_in = n_in - first < W2V_BLOCK_MAX_IN ? n_in - first : W2V_BLOCK_MAX_IN;
            if (plan->step.in_lockf) part.in_lockf = plan->step.in_lockf + first;
            state->loss_sum +=
                block(&part, state->params->dim, &state->model->sigmoid, &state->scratch, alpha);
        }
    }
    state->examples += n_in;
}

#endif /* W2V_PLAN_H */
