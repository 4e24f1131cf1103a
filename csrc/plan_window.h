/*
 * Planning by window: one step per center word w_c of a sentence, whose input rows are
 * the rows of its context and whose output rows predict w_c. Its reduced window m' (1..m,
 * see w2v_plan_reach) gives the context C = {w_{c-j}, w_{c+j} : 1 <= j <= m', in the
 * sentence}. CBOW trains such a step as one hidden vector (plan_cbow.c); skip-gram's
 * batched form (sg_batch, plan_sg.c) as a block step, each context row on its own. A
 * center without context (a one-word sentence) trains nothing.
 *
 * negative_reuse = r > 1 (CBOW): only every r-th position draws noise words; the
 * positions in between train against the draws of the position before them.
 */
#ifndef W2V_PLAN_WINDOW_H
#define W2V_PLAN_WINDOW_H

#include <string.h>

#include "plan.h"

/* Plans the window of position pos: reach, context, noise draws, rows. The caller sets
 * the step's scales. */
static inline void w2v_plan_window(w2v_plan *plan, const w2v_plan *previous,
                                   const int32_t *sentence, int32_t n, int32_t pos,
                                   w2v_worker_state *state) {
    const w2v_params *params = state->params;
    const w2v_model *model = state->model;
    uint64_t *rng = &state->scratch.rng;
    const size_t stride = (size_t)model->row_stride;
    w2v_hs_prefetch_path(&model->hs, sentence, pos, n);
    int32_t reach = w2v_plan_reach(params, rng);
    int32_t lo = pos - reach > 0 ? pos - reach : 0;
    int32_t hi = pos + reach < n - 1 ? pos + reach : n - 1;
    plan->pos = pos;
    plan->lo = lo;
    plan->hi = hi;
    plan->n_ctx = 0;
    for (int32_t j = lo; j <= hi; j++) {
        if (j == pos) continue;
        plan->ctx[plan->n_ctx] = sentence[j];
        plan->in_rows[plan->n_ctx++] = model->in_vecs + (size_t)sentence[j] * stride;
    }
    plan->step.n_in = plan->n_ctx;
    plan->step.n_out = 0;
    plan->n_noise = 0;
    if (plan->n_ctx == 0) return;

    const int32_t k = model->ns.out_vecs ? params->negative : 0;
    int reuse = params->negative_reuse > 1 && previous && pos % params->negative_reuse != 0 &&
                previous->n_noise == k;
    if (reuse)
        memcpy(plan->noise, previous->noise, (size_t)k * sizeof *plan->noise);
    else
        w2v_noise_queue_draws(&state->queue, &model->ns.noise, rng, plan->noise, k);
    plan->n_noise = k;
    w2v_plan_targets(plan, model, &state->hot, sentence[pos], plan->noise, k);
    w2v_plan_lockf(plan, model);
}

/* Asks for the rows the planned step `next` will touch while the step `current` computes.
 * Context rows inside the current window are in cache already (the current step reads
 * and writes them), so only the others are fetched: prefetches of lines that are already
 * there still hold the line-fill buffers that real misses need. */
static inline void w2v_prefetch_window(const w2v_plan *next, const w2v_plan *current, int32_t dim) {
    for (int32_t t = w2v_plan_prefetch_from(next); t < next->step.n_out; t++)
        w2v_prefetch_row(next->out_rows[t], dim);
    int32_t i = 0;
    for (int32_t j = next->lo; j <= next->hi; j++) {
        if (j == next->pos) continue;
        if (j < current->lo || j > current->hi || j == current->pos)
            w2v_prefetch_row(next->in_rows[i], dim);
        i++;
    }
}

/* Trains sentence[0..n) window by window, planning W2V_PREFETCH_AHEAD windows ahead.
 * set_scales(plan, params) gives a planned step its scales; run(state, plan, alpha) trains
 * it. Inlined with both as constants, so that each planner is its own loop. */
__attribute__((always_inline)) static inline void
w2v_train_windows(w2v_worker_state *state, const int32_t *sentence, int32_t n, float alpha,
                  void (*set_scales)(w2v_plan *, const w2v_params *),
                  void (*run)(w2v_worker_state *, const w2v_plan *, float)) {
    w2v_plan *plans = state->plans;
    const int32_t ahead = W2V_PREFETCH_AHEAD;
    for (int32_t pos = 0; pos < n && pos < ahead; pos++) {
        w2v_plan *plan = &plans[pos % W2V_PLAN_RING];
        w2v_plan_window(plan, pos ? &plans[(pos - 1) % W2V_PLAN_RING] : NULL, sentence, n, pos,
                        state);
        set_scales(plan, state->params);
    }
    for (int32_t pos = 0; pos < n; pos++) {
        if (pos + ahead < n) {
            w2v_plan *next = &plans[(pos + ahead) % W2V_PLAN_RING];
            const w2v_plan *before = &plans[(pos + ahead - 1) % W2V_PLAN_RING];
            w2v_plan_window(next, before, sentence, n, pos + ahead, state);
            set_scales(next, state->params);
            w2v_prefetch_window(next, &plans[pos % W2V_PLAN_RING], state->params->dim);
        }
        run(state, &plans[pos % W2V_PLAN_RING], alpha);
        if (w2v_plan_stopped(state)) return;
    }
}

#endif /* W2V_PLAN_WINDOW_H */
