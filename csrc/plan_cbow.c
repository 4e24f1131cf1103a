/*
 * The CBOW planner: one step per center word (plan_window.h), whose input rows, the
 * context's rows of in_vecs, are averaged (cbow_mean, in_scale 1/|C|) or summed into one
 * hidden vector, and whose output rows are those that predict the center (loss.h).
 */
#include "plan_window.h"

static inline void set_scales(w2v_plan *plan, const w2v_params *params) {
    const float mean = params->cbow_mean && plan->n_ctx > 1 ? 1.0f / (float)plan->n_ctx : 1.0f;
    plan->step.in_scale = mean;
    plan->step.grad_scale = params->exact_ctx_grad ? mean : 1.0f;
}

void w2v_cbow_train_sentence(w2v_worker_state *state, const int32_t *sentence, int32_t n,
                             float alpha) {
    w2v_train_windows(state, sentence, n, alpha, set_scales, w2v_plan_run);
}
