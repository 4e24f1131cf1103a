/* Packing and unpacking token ids (the code is described in packed.h). */
#include "packed.h"

#include "w2v.h"

int32_t w2v_packed_width(int32_t id) { return w2v_packed_width_of(id); }

int w2v_pack_ids(const int32_t *ids, int64_t n_ids, uint8_t *out, int64_t capacity,
                 int64_t *n_out) {
    int64_t o = *n_out;
    for (int64_t i = 0; i < n_ids; i++) {
        int32_t id = ids[i];
        int32_t width = w2v_packed_width_of(id);
        if (width == 0) return W2V_ERR_INVALID;
        if (o + width > capacity) return W2V_ERR_CAPACITY;
        w2v_packed_put(out + o, id, width);
        o += width;
        *n_out = o;
    }
    return W2V_OK;
}

int w2v_packed_remap(const uint8_t *src, int64_t n_src, const int32_t *map, int64_t n_map,
                     uint8_t *out, int64_t capacity, int64_t *n_out) {
    int64_t pos = 0, o = *n_out;
    int sentence_open = 0;
    while (pos < n_src) {
        int32_t id = w2v_packed_next(src, n_src, &pos);
        if (id == W2V_PACKED_MALFORMED || id >= n_map) return W2V_ERR_FORMAT;
        if (id >= 0) {
            id = map[id];
            if (id < 0) continue; /* dropped */
            sentence_open = 1;
        } else if (sentence_open) {
            sentence_open = 0; /* a sentence end, after a sentence that kept a word */
        } else {
            continue;
        }
        int32_t width = w2v_packed_width_of(id);
        if (o + width > capacity) return W2V_ERR_CAPACITY;
        w2v_packed_put(out + o, id, width);
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
