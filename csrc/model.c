/* The model: the shared weights and the tables each enabled loss owns. */
#include "w2v.h"

int w2v_model_init(w2v_model *model, float *in_vecs, float *out_vecs, float *node_vecs,
                   int32_t row_stride, const float *keep, const int64_t *counts, int32_t vocab_size,
                   double ns_power) {
    model->in_vecs = in_vecs;
    model->row_stride = row_stride;
    model->keep = keep;
    model->in_lockf = NULL;
    model->vocab_size = vocab_size;
    model->ns.out_vecs = out_vecs;
    model->ns.noise = (w2v_noise){0};
    model->hs.node_vecs = node_vecs;
    model->hs.tree = (w2v_huffman){0};
    w2v_sigmoid_init(&model->sigmoid);
    if (!out_vecs && !node_vecs) return W2V_ERR_INVALID;
    int status = W2V_OK;
    if (out_vecs) status = w2v_noise_build(&model->ns.noise, counts, vocab_size, ns_power);
    if (status == W2V_OK && node_vecs)
        status = w2v_huffman_build(&model->hs.tree, counts, vocab_size);
    if (status != W2V_OK) w2v_model_free(model);
    return status;
}

void w2v_model_free(w2v_model *model) {
    w2v_noise_free(&model->ns.noise);
    w2v_huffman_free(&model->hs.tree);
}
