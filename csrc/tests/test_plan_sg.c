/* Unit tests of the skip-gram planner (plan_sg.c) as a worker runs it: one worker state
 * over consecutive sentences. The planner keeps a center's rows (its Huffman path and
 * positive row) for all the pairs of that center, so every step must still hold the rows
 * of its own center, also when a sentence puts other words at the positions of the
 * sentence before it. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "plan.h"

#define V 30
#define DIM 4
#define STRIDE 16
#define WINDOW 2
#define K 4
#define MAX_STEPS 256

/* What each step the planner ran held. */
typedef struct {
    const float *in_row;
    int32_t n_out, distinct;
    const float *rows[64];
    float labels[64];
} recorded_step;

static recorded_step recorded[MAX_STEPS];
static int n_recorded;

static double record_step(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                          w2v_scratch *scratch, float alpha) {
    (void)dim, (void)sigmoid, (void)scratch, (void)alpha;
    if (n_recorded >= MAX_STEPS || step->n_in != 1 || step->n_out > 64) {
        CHECK(!"a step beyond the recorder's room, or not one input row");
        return 0.0;
    }
    recorded_step *r = &recorded[n_recorded++];
    r->in_row = step->in_rows[0];
    r->n_out = step->n_out;
    r->distinct = step->distinct;
    for (int32_t t = 0; t < step->n_out; t++) {
        r->rows[t] = step->out_rows[t];
        r->labels[t] = step->labels[t];
    }
    return 0.0;
}

/* Checks the steps recorded for sentence[0..n) against the brute-force pairs: centers
 * left to right, each center's context positions left to right (fixed windows). */
static void check_sentence(const w2v_model *model, const int32_t *sentence, int32_t n) {
    const w2v_huffman *tree = &model->hs.tree;
    const int hs = model->hs.node_vecs != NULL, ns = model->ns.out_vecs != NULL;
    int s = 0;
    for (int32_t c = 0; c < n; c++) {
        const int32_t center = sentence[c];
        const int32_t n_hs = hs ? (int32_t)(tree->offsets[center + 1] - tree->offsets[center]) : 0;
        for (int32_t j = c - WINDOW; j <= c + WINDOW; j++) {
            if (j < 0 || j >= n || j == c) continue;
            CHECKF(s < n_recorded, "pair (%d, %d): no step", c, j);
            if (s >= n_recorded) return;
            const recorded_step *r = &recorded[s++];
            CHECK(r->in_row == model->in_vecs + (size_t)sentence[j] * STRIDE);
            /* the center's path, root first, label 1 - code */
            CHECKF(r->n_out >= n_hs + ns, "pair (%d, %d): %d rows", c, j, r->n_out);
            if (r->n_out < n_hs + ns) continue;
            for (int32_t t = 0; t < n_hs; t++) {
                const int64_t d = tree->offsets[center] + t;
                CHECKF(r->rows[t] == model->hs.node_vecs + (size_t)tree->points[d] * STRIDE,
                       "pair (%d, %d), path node %d", c, j, t);
                CHECK(r->labels[t] == 1.0f - (float)tree->codes[d]);
            }
            if (!ns) {
                CHECK(r->n_out == n_hs && r->distinct);
                continue;
            }
            /* its positive row, then at most K noise rows that are not the center */
            CHECK(r->rows[n_hs] == model->ns.out_vecs + (size_t)center * STRIDE);
            CHECK(r->labels[n_hs] == 1.0f);
            CHECK(r->n_out - n_hs - 1 <= K);
            int distinct = 1;
            for (int32_t t = n_hs + 1; t < r->n_out; t++) {
                const int64_t row = (r->rows[t] - model->ns.out_vecs) / STRIDE;
                CHECK(row >= 0 && row < V && row != center && r->labels[t] == 0.0f);
                for (int32_t u = n_hs + 1; u < t; u++) distinct &= r->rows[u] != r->rows[t];
            }
            CHECK(r->distinct == distinct);
        }
    }
    CHECKF(s == n_recorded, "%d steps for %d pairs", n_recorded, s);
}

/* hs, ns: whether the model has each loss; planner: the per-pair planner, or with
 * hierarchical softmax alone the one training real runs use (by window) */
static void test_consecutive_sentences_keep_each_center_its_rows(int hs, int ns,
                                                                 w2v_planner_fn planner) {
    int64_t counts[V];
    for (int i = 0; i < V; i++) counts[i] = 1000 / (i + 1);
    float *in_vecs = calloc(V * STRIDE, sizeof(float));
    float *out_vecs = calloc(V * STRIDE, sizeof(float));
    float *node_vecs = calloc(V * STRIDE, sizeof(float));
    float keep[V];
    for (int i = 0; i < V; i++) keep[i] = 1.0f;
    w2v_model model;
    CHECK(w2v_model_init(&model, in_vecs, ns ? out_vecs : NULL, hs ? node_vecs : NULL, STRIDE, keep,
                         counts, V, 0.75) == W2V_OK);
    const w2v_params params = {.dim = DIM,
                               .window = WINDOW,
                               .negative = ns ? K : 0,
                               .negative_reuse = 1,
                               .cbow_mean = 1,
                               .n_threads = 1,
                               .seed = 5,
                               .sg = 1,
                               .hs = hs,
                               .shrink_windows = 0};
    w2v_worker_state state;
    CHECK(w2v_worker_state_init(&state, &params, &model, record_step, 5) == W2V_OK);

    /* the same length and positions, other words (rare ones with long paths too); a
     * sentence of one word (no pair), then one of two and a longer one; words repeat,
     * and frequent words make noise draws repeat */
    const int32_t sentences[][9] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8}, {29, 28, 27, 26, 25, 24, 23, 22, 21},
        {0, 0, 1, 0, 0, 2, 0, 0, 1}, {17, 0, 0, 0, 0, 0, 0, 0, 0},
        {3, 4, 0, 0, 0, 0, 0, 0, 0}, {5, 29, 5, 29, 5, 0, 0, 0, 0},
    };
    const int32_t lengths[] = {9, 9, 9, 1, 2, 5};
    for (int i = 0; i < 6; i++) {
        n_recorded = 0;
        planner(&state, sentences[i], lengths[i], 0.025f);
        check_sentence(&model, sentences[i], lengths[i]);
    }
    w2v_worker_state_free(&state);
    w2v_model_free(&model);
    free(in_vecs);
    free(out_vecs);
    free(node_vecs);
}

int main(void) {
    test_consecutive_sentences_keep_each_center_its_rows(1, 1, w2v_sg_train_sentence);
    test_consecutive_sentences_keep_each_center_its_rows(1, 0, w2v_sg_train_sentence);
    test_consecutive_sentences_keep_each_center_its_rows(0, 1, w2v_sg_train_sentence);
    test_consecutive_sentences_keep_each_center_its_rows(1, 0, w2v_sg_path_train_sentence);
    return check_exit("plan_sg");
}
