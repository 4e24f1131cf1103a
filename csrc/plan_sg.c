/*
 * The skip-gram planner: one step per (center, context) pair. For center w_c and each
 * context word w_j of its reduced window (1..m', see w2v_plan_reach), the step's input
 * is w_j's row of in_vecs alone (in_scale 1) and its output rows are those that predict
 * w_c (loss.h), with fresh noise draws per pair. This is word2vec.c's and gensim's
 * arrangement: the same pairs as "w_c predicts w_j", ordered so that each step updates
 * one input row; a sentence of n words gives sum over centers of |C_c| steps, about
 * 2 m' n (docs/theory.md counts them).
 *
 * With hierarchical softmax alone all pairs of a center share all their output rows (the
 * center's path) and draw no noise: the center's window (plan_window.h) trains as one
 * pair step (step_pair.c), its context rows one after the other, two at a time, each
 * output row read and written once per two (w2v_sg_path_train_sentence). The same pairs
 * in the same order, and the same random stream (only the reaches).
 *
 * Pairs are planned one ahead of the one being trained, and the next pair's rows are
 * prefetched: its context row, its noise rows, and, when it starts a new center, that
 * center's rows too (the pairs of one center share its positive row and path). With
 * hierarchical softmax, moving to a new center also prefetches the tree's entries of the
 * path of the center after it (w2v_hs_prefetch_path), so that planning that center finds
 * them in cache.
 *
 * The batched form (sg_batch; Ji et al.'s HogBatch, step_block.c) trains the same pairs
 * a window at a time: one block step per center word, its context rows (plan_window.h)
 * each scored on its own against the center's row and K noise rows drawn once for the
 * window, all updates from the rows before the block. A window so draws K noise words
 * instead of K per pair, and reads and writes each noise row once; the windows and noise
 * draws are CBOW's (the same random stream).
 */
#include <string.h>

#include "plan_window.h"
#include "step_variants.h"

/* Where the planner is in a sentence: the center pos, its window [lo, hi] and the
 * context position j of the pair last planned. */
typedef struct {
    int32_t pos, lo, hi, j;
} w2v_sg_cursor;

/* Moves to the next pair, drawing the reach of each new center; 0 at the sentence end. */
static int next_pair(w2v_sg_cursor *at, const int32_t *sentence, int32_t n,
                     w2v_worker_state *state) {
    for (;;) {
        if (at->pos >= 0) {
            at->j++;
            if (at->j == at->pos) at->j++;
            if (at->j <= at->hi) return 1;
        }
        if (++at->pos >= n) return 0;
        w2v_hs_prefetch_path(&state->model->hs, sentence, at->pos, n);
        int32_t reach = w2v_plan_reach(state->params, &state->scratch.rng);
        at->lo = at->pos - reach > 0 ? at->pos - reach : 0;
        at->hi = at->pos + reach < n - 1 ? at->pos + reach : n - 1;
        at->j = at->lo - 1;
    }
}

/* Plans the pair at `at` in plan. The rows that predict the center (its path and positive
 * row) are the same for all the center's pairs: plan keeps them from its pair before last
 * when that was of the same center (the two plans alternate), or copies them from
 * `other` (the pair before); only a new center's are built. Then the fresh noise. */
static void plan_pair(w2v_plan *plan, const w2v_plan *other, const w2v_sg_cursor *at,
                      const int32_t *sentence, w2v_worker_state *state) {
    const w2v_model *model = state->model;
    const int32_t k = model->ns.out_vecs ? state->params->negative : 0;
    const int32_t center = sentence[at->pos], context = sentence[at->j];
    plan->ctx[0] = context;
    plan->in_rows[0] = model->in_vecs + (size_t)context * (size_t)model->row_stride;
    w2v_plan_lockf(plan, model);
    if (plan->pos != at->pos) {
        if (other->pos == at->pos) {
            const int32_t n = other->n_hs + (model->ns.out_vecs != NULL);
            memcpy(plan->out_rows, other->out_rows, (size_t)n * sizeof *plan->out_rows);
            memcpy(plan->labels, other->labels, (size_t)n * sizeof *plan->labels);
            plan->ns_ids[0] = other->ns_ids[0];
            plan->n_hs = other->n_hs;
            plan->step.n_out = n;
        } else {
            w2v_plan_center(plan, model, &state->hot, center);
        }
        plan->pos = at->pos;
    }
    w2v_noise_queue_draws(&state->queue, &model->ns.noise, &state->scratch.rng, plan->noise, k);
    plan->n_noise = k;
    w2v_plan_noise(plan, model, center, plan->noise, k);
}

static void prefetch_pair(const w2v_plan *next, const w2v_plan *current, int32_t dim) {
    w2v_prefetch_row(next->in_rows[0], dim);
    /* the same center: its path and positive row are in cache, only the noise rows
     * (after them) are new; a new center: all its rows (the whole path measured faster
     * than skipping its top here for SG-HS when it trained pair by pair, unlike CBOW:
     * benchmarks/RESULTS.md; SG-HS alone now plans by window, whose prefetch skips the
     * top as CBOW's, and prefetching the whole path there measured no faster) */
    int32_t first = next->pos == current->pos ? next->n_hs + (next->n_ns > 0) : 0;
    for (int32_t t = first; t < next->step.n_out; t++) w2v_prefetch_row(next->out_rows[t], dim);
}

void w2v_sg_train_sentence(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                           float alpha) {
    w2v_sg_cursor at = {.pos = -1, .lo = 0, .hi = -1, .j = 0};
    w2v_plan *current = &state->plans[0], *next = &state->plans[1];
    for (int i = 0; i < 2; i++) { /* one input row; no center's rows planned yet */
        w2v_plan *plan = &state->plans[i];
        plan->pos = -1;
        plan->n_ctx = plan->step.n_in = 1;
        plan->step.in_scale = plan->step.grad_scale = 1.0f;
    }
    if (!next_pair(&at, sentence, n, state)) return;
    plan_pair(current, next, &at, sentence, state);
    for (;;) {
        int more = next_pair(&at, sentence, n, state);
        if (more) {
            plan_pair(next, current, &at, sentence, state);
            prefetch_pair(next, current, state->params->dim);
        }
        w2v_plan_run(state, current, alpha);
        if (!more || w2v_plan_stopped(state)) return;
        w2v_plan *done = current;
        current = next;
        next = done;
    }
}

/* Trains a center's window as one pair step: its context rows one after the other against
 * its path. A step with lock factors runs one-row steps of the portable kernel, the one
 * that applies them; so does a worker without a pair step (w2v_train_sentence's). */
static inline void run_path(w2v_worker_state *state, const w2v_plan *plan, float alpha) {
    if (plan->step.n_in == 0 || plan->step.n_out == 0) return;
    const w2v_params *params = state->params;
    const w2v_sigmoid *sigmoid = &state->model->sigmoid;
    if (state->pair && !plan->step.in_lockf)
        state->loss_sum += state->pair(&plan->step, params->dim, sigmoid, &state->scratch, alpha);
    else
        state->loss_sum +=
            w2v_pair_by_steps(&plan->step, params->dim, sigmoid, &state->scratch, alpha,
                              plan->step.in_lockf ? w2v_step_portable : state->step);
    state->examples += plan->step.n_in;
}

/* A block step reads no scale (step_block.c); 1 states that each row is taken as it is. */
static inline void unit_scales(w2v_plan *plan, const w2v_params *params) {
    (void)params;
    plan->step.in_scale = plan->step.grad_scale = 1.0f;
}

void w2v_sg_batch_train_sentence(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                                 float alpha) {
    w2v_train_windows(state, sentence, n, alpha, unit_scales, w2v_plan_run_block);
}

void w2v_sg_path_train_sentence(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                                float alpha) {
    w2v_train_windows(state, sentence, n, alpha, unit_scales, run_path);
}
