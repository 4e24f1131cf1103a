/* Private copies of hierarchical softmax's hottest nodes for each worker (see plan.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int w2v_hot_init(w2v_hot_nodes *hot, const w2v_model *model, int32_t n_hot) {
    hot->rows = hot->base = NULL;
    hot->first = INT32_MAX;
    hot->n_hot = 0;
    const int32_t n_nodes = model->vocab_size - 1;
    if (!model->hs.node_vecs || n_hot <= 0 || n_nodes <= 0) return W2V_OK;
    if (n_hot > n_nodes) n_hot = n_nodes;
    const size_t floats = (size_t)n_hot * (size_t)model->row_stride;
    hot->rows = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
    hot->base = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
    if (!hot->rows || !hot->base) {
        w2v_hot_free(hot);
        return W2V_ERR_NOMEM;
    }
    hot->first = n_nodes - n_hot;
    hot->n_hot = n_hot;
    const float *shared = model->hs.node_vecs + (size_t)hot->first * (size_t)model->row_stride;
    memcpy(hot->rows, shared, floats * sizeof(float));
    memcpy(hot->base, shared, floats * sizeof(float));
    return W2V_OK;
}

/* Only the floats this worker changed are written: writing back shared + 0 would race
 * with another worker's sync of that row and could undo it (a worker with no words to
 * train still syncs at the end of its epoch). NaN counts as changed. */
void w2v_hot_sync(w2v_hot_nodes *hot, const w2v_model *model, int32_t dim) {
    const size_t stride = (size_t)model->row_stride;
    for (int32_t i = 0; i < hot->n_hot; i++) {
        float *shared = model->hs.node_vecs + (size_t)(hot->first + i) * stride;
        float *mine = hot->rows + (size_t)i * stride, *base = hot->base + (size_t)i * stride;
        for (int32_t d = 0; d < dim; d++) {
            if (!(mine[d] == base[d])) shared[d] += mine[d] - base[d];
            mine[d] = base[d] = shared[d];
        }
    }
}

void w2v_hot_free(w2v_hot_nodes *hot) {
    free(hot->rows);
    free(hot->base);
    hot->rows = hot->base = NULL;
    hot->first = INT32_MAX;
    hot->n_hot = 0;
}
