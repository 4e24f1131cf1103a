/* Packing and unpacking token ids (the code is described in packed.h). */
#include "packed.h"

#include "w2v.h"

int32_t w2v_packed_width(int32_t id) {
    if (id == -1) return 1;
    if (id < 0) return 0;
    return id < W2V_PACK_LIMIT1 ? 1 : id < W2V_PACK_LIMIT2 ? 2 : id < W2V_PACK_LIMIT3 ? 3 : 5;
}

int w2v_pack_ids(const int32_t *ids, int64_t n_ids, uint8_t *out, int64_t capacity,
                 int64_t *n_out) {
    int64_t o = *n_out;
    for (int64_t i = 0; i < n_ids; i++) {
        int32_t id = ids[i];
        int32_t width = w2v_packed_width(id);
        if (width == 0) return W2V_ERR_INVALID;
        if (o + width > capacity) return W2V_ERR_CAPACITY;
        uint32_t x;
        if (id == -1) {
            out[o] = W2V_PACK_END;
        } else if (width == 1) {
            out[o] = (uint8_t)id;
        } else if (width == 2) {
            x = (uint32_t)(id - W2V_PACK_LIMIT1);
            out[o] = (uint8_t)(0xC0 + (x >> 8));
            out[o + 1] = (uint8_t)x;
        } else if (width == 3) {
            x = (uint32_t)(id - W2V_PACK_LIMIT2);
            out[o] = (uint8_t)(0xF0 + (x >> 16));
            out[o + 1] = (uint8_t)x;
            out[o + 2] = (uint8_t)(x >> 8);
        } else {
            x = (uint32_t)id;
            out[o] = W2V_PACK_LONG;
            for (int k = 0; k < 4; k++) out[o + 1 + k] = (uint8_t)(x >> (8 * k));
        }
        o += width;
        *n_out = o;
    }
    return W2V_OK;
}

int w2v_unpack_ids(const uint8_t *bytes, int64_t n_bytes, int32_t *out, int64_t capacity,
                   int64_t *n_out) {
    int64_t pos = 0, o = 0;
    *n_out = 0;
    while (pos < n_bytes) {
        int32_t id = w2v_packed_next(bytes, n_bytes, &pos);
        if (id == W2V_PACKED_MALFORMED) return W2V_ERR_FORMAT;
        if (o >= capacity) return W2V_ERR_CAPACITY;
        out[o++] = id;
        *n_out = o;
    }
    return W2V_OK;
}

int w2v_packed_scan(const uint8_t *bytes, int64_t n_bytes, int32_t vocab_size, int64_t *n_words,
                    int64_t *n_sentences) {
    int64_t pos = 0, words = 0, sentences = 0;
    while (pos < n_bytes) {
        int32_t id = w2v_packed_next(bytes, n_bytes, &pos);
        if (id == W2V_PACKED_MALFORMED) return W2V_ERR_FORMAT;
        if (id >= vocab_size) return W2V_ERR_INVALID;
        if (id >= 0)
            words++;
        else
            sentences++;
    }
    *n_words = words;
    *n_sentences = sentences;
    return W2V_OK;
}
