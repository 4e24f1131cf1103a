/* Packing and unpacking token ids (the code is described in packed.h). */
#include "packed.h"

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "w2v.h"

void w2v_release_pages(const uint8_t *base, int64_t from, int64_t to) {
#if defined(MADV_DONTNEED) && defined(_SC_PAGESIZE)
    static int64_t page = 0;
    if (page == 0) {
        long size = sysconf(_SC_PAGESIZE);
        page = size > 0 ? size : 4096;
    }
    if (to <= from) return;
    uintptr_t mask = (uintptr_t)page - 1;
    uintptr_t lo = (uintptr_t)(base + from) & ~mask;
    uintptr_t hi = ((uintptr_t)(base + to) + mask) & ~mask;
    madvise((void *)lo, hi - lo, MADV_DONTNEED); /* a hint: its failure changes nothing */
#else
    (void)base;
    (void)from;
    (void)to;
#endif
}

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
    return w2v_packed_scan_pages(bytes, n_bytes, vocab_size, 0, n_words, n_sentences);
}

int w2v_packed_scan_pages(const uint8_t *bytes, int64_t n_bytes, int32_t vocab_size, int release,
                          int64_t *n_words, int64_t *n_sentences) {
    int64_t pos = 0, words = 0, sentences = 0;
    w2v_pager pager = {bytes, 0, release};
    while (pos < n_bytes) {
        /* in blocks of W2V_RELEASE_BYTES when releasing: the inner loop stays as tight */
        int64_t stop =
            release && n_bytes - pos > W2V_RELEASE_BYTES ? pos + W2V_RELEASE_BYTES : n_bytes;
        while (pos < stop) {
            int32_t id = w2v_packed_next(bytes, n_bytes, &pos);
            if (id == W2V_PACKED_MALFORMED) return W2V_ERR_FORMAT;
            if (id >= vocab_size) return W2V_ERR_INVALID;
            if (id >= 0)
                words++;
            else
                sentences++;
        }
        w2v_pager_advance(&pager, pos);
    }
    w2v_pager_finish(&pager, pos);
    *n_words = words;
    *n_sentences = sentences;
    return W2V_OK;
}

int w2v_packed_cut(const uint8_t *bytes, int64_t n_bytes, int64_t n_words, int32_t n_slices,
                   int release, int64_t *cuts, int64_t *words) {
    if (n_slices < 1 || n_slices > W2V_MAX_SLICES || n_words < 0 || n_words > W2V_MAX_CUT_WORDS)
        return W2V_ERR_INVALID;
    w2v_pager pager = {bytes, 0, release};
    int64_t pos = 0, read = 0, at_cut = 0; /* words read, and as of the last cut */
    int32_t j = 1;
    cuts[0] = 0;
    while (pos < n_bytes && j < n_slices) {
        int32_t id = w2v_packed_next(bytes, n_bytes, &pos);
        if (id == W2V_PACKED_MALFORMED) return W2V_ERR_FORMAT;
        if (id >= 0) {
            read++;
            continue;
        }
        w2v_pager_advance(&pager, pos); /* at sentence ends: a check per sentence */
        /* read >= n_words j / n_slices, exactly: the products stay below 2^62 */
        while (j < n_slices && read * n_slices >= n_words * j) {
            cuts[j] = pos;
            words[j - 1] = read - at_cut;
            at_cut = read;
            j++;
        }
    }
    w2v_pager_finish(&pager, pos);
    for (; j <= n_slices; j++) {
        cuts[j] = n_bytes;
        words[j - 1] = n_words - at_cut;
        at_cut = n_words;
    }
    return W2V_OK;
}
