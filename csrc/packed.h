/* Packed token ids: the byte code of the id stream the workers read (see w2v.h).
 * Ids are ranks by descending count, so small ids are the frequent ones; on W1 the
 * code takes 1.55 bytes per token instead of 4:
 *
 *   0x00-0xBF            id 0..191                                   (1 byte)
 *   0xC0-0xEF b1         id 192 + ((lead-0xC0)<<8 | b1)              (2 bytes, to 12479)
 *   0xF0-0xFD b1 b2      id 12480 + ((lead-0xF0)<<16 | b2<<8 | b1)   (3 bytes, to 929983)
 *   0xFE b1 b2 b3 b4     id b1 | b2<<8 | b3<<16 | b4<<24             (5 bytes, any id)
 *   0xFF                 end of sentence                             (1 byte)
 */
#ifndef W2V_PACKED_H
#define W2V_PACKED_H

#include <stdint.h>

#define W2V_PACK_END 0xFF
#define W2V_PACK_LONG 0xFE
#define W2V_PACK_LIMIT1 192
#define W2V_PACK_LIMIT2 (W2V_PACK_LIMIT1 + 48 * 256)
#define W2V_PACK_LIMIT3 (W2V_PACK_LIMIT2 + 14 * 65536)

/* Bytes the code of id takes (-1, a sentence end, takes 1); 0 if id < -1. */
static inline int32_t w2v_packed_width_of(int32_t id) {
    if (id == -1) return 1;
    if (id < 0) return 0;
    return id < W2V_PACK_LIMIT1 ? 1 : id < W2V_PACK_LIMIT2 ? 2 : id < W2V_PACK_LIMIT3 ? 3 : 5;
}

/* Writes the code of id (>= -1), `width` = w2v_packed_width_of(id) bytes, at out. */
static inline void w2v_packed_put(uint8_t *out, int32_t id, int32_t width) {
    uint32_t x;
    if (id == -1) {
        out[0] = W2V_PACK_END;
    } else if (width == 1) {
        out[0] = (uint8_t)id;
    } else if (width == 2) {
        x = (uint32_t)(id - W2V_PACK_LIMIT1);
        out[0] = (uint8_t)(0xC0 + (x >> 8));
        out[1] = (uint8_t)x;
    } else if (width == 3) {
        x = (uint32_t)(id - W2V_PACK_LIMIT2);
        out[0] = (uint8_t)(0xF0 + (x >> 16));
        out[1] = (uint8_t)x;
        out[2] = (uint8_t)(x >> 8);
    } else {
        x = (uint32_t)id;
        out[0] = W2V_PACK_LONG;
        for (int k = 0; k < 4; k++) out[1 + k] = (uint8_t)(x >> (8 * k));
    }
}

/* What w2v_packed_next returns besides ids. */
#define W2V_PACKED_SENTENCE_END (-1)
#define W2V_PACKED_MALFORMED (-2)

/* Decodes the code at bytes[*pos] (*pos < n) and moves *pos past it. Returns an id,
 * W2V_PACKED_SENTENCE_END, or W2V_PACKED_MALFORMED if the code runs past n or a 5-byte
 * id exceeds INT32_MAX (*pos is then left unchanged). */
static inline int32_t w2v_packed_next(const uint8_t *bytes, int64_t n, int64_t *pos) {
    int64_t p = *pos;
    uint32_t lead = bytes[p];
    if (lead < 0xC0) {
        *pos = p + 1;
        return (int32_t)lead;
    }
    if (lead < 0xF0) {
        if (p + 2 > n) return W2V_PACKED_MALFORMED;
        *pos = p + 2;
        return W2V_PACK_LIMIT1 + (int32_t)((lead - 0xC0) << 8 | bytes[p + 1]);
    }
    if (lead < W2V_PACK_LONG) {
        if (p + 3 > n) return W2V_PACKED_MALFORMED;
        *pos = p + 3;
        return W2V_PACK_LIMIT2 +
               (int32_t)((lead - 0xF0) << 16 | (uint32_t)bytes[p + 2] << 8 | bytes[p + 1]);
    }
    if (lead == W2V_PACK_END) {
        *pos = p + 1;
        return W2V_PACKED_SENTENCE_END;
    }
    if (p + 5 > n) return W2V_PACKED_MALFORMED;
    uint32_t id = (uint32_t)bytes[p + 1] | (uint32_t)bytes[p + 2] << 8 |
                  (uint32_t)bytes[p + 3] << 16 | (uint32_t)bytes[p + 4] << 24;
    if (id > INT32_MAX) return W2V_PACKED_MALFORMED;
    *pos = p + 5;
    return (int32_t)id;
}

/* Releasing the pages of packed ids read from a file mapping. Resident pages of a
 * mapped file count in the process's resident memory until the kernel reclaims them,
 * which it does only under memory pressure: a reader going through ids that exceed the
 * memory budget (a memory-mapped temporary file) would otherwise end up holding them
 * all. w2v_release_pages drops the pages overlapping bytes [from, to) of a mapping that
 * holds base (madvise MADV_DONTNEED). For a read-only file mapping this loses nothing: a
 * page read again, even by another thread at the same time, is paged in again from the
 * file. Never for anonymous or copy-on-write memory, whose contents it would zero or
 * revert. */
void w2v_release_pages(const uint8_t *base, int64_t from, int64_t to);

#define W2V_RELEASE_BYTES (2 << 20) /* bytes read between two releases */

/* A sequential reader's release state: released up to `done`, when `on`. */
typedef struct {
    const uint8_t *base;
    int64_t done;
    int on;
} w2v_pager;

/* Called with the reader's position: releases what it has passed, every
 * W2V_RELEASE_BYTES (the page holding pos too: it is paged in again, once). */
static inline void w2v_pager_advance(w2v_pager *pager, int64_t pos) {
    if (pager->on && pos - pager->done >= W2V_RELEASE_BYTES) {
        w2v_release_pages(pager->base, pager->done, pos);
        pager->done = pos;
    }
}

/* Releases everything up to pos, the end of what the reader reads (with the page
 * holding pos, which the next reader may share: it pages it in again if it needs it). */
static inline void w2v_pager_finish(w2v_pager *pager, int64_t pos) {
    if (pager->on && pos > pager->done) {
        w2v_release_pages(pager->base, pager->done, pos);
        pager->done = pos;
    }
}

#endif /* W2V_PACKED_H */
