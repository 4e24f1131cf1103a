/*
 * The losses as the planners use them: each turns "predict word w" into labelled output
 * rows appended to a step (see w2v_train.h). Inline: they run once per step.
 *
 * Negative sampling (Mikolov et al. 2013b): w's row of out_vecs with label 1, then K
 * words drawn from the noise distribution with label 0; a draw equal to w is skipped
 * (word2vec.c), so a step may have fewer than K noise rows.
 * Hierarchical softmax (Morin & Bengio 2005; word2vec.c): the inner nodes on w's
 * Huffman path, root first, each with label 1 - its code bit.
 */
#ifndef W2V_LOSS_H
#define W2V_LOSS_H

#include "noise.h"
#include "prefetch.h"
#include "rng.h"
#include "w2v.h"

/* Noise draws resolved W2V_NOISE_AHEAD draws after their random number was drawn and
 * their alias slot prefetched: a slot is a random read of an 8-byte-per-word table
 * that is rarely in L1, so looking it up at once stalls the planning of every step. */
#ifndef W2V_NOISE_AHEAD
#define W2V_NOISE_AHEAD 16 /* 8 and 32 measured no better (benchmarks/RESULTS.md) */
#endif

typedef struct {
    uint64_t randoms[W2V_NOISE_AHEAD];
    uint32_t next; /* randoms[next % W2V_NOISE_AHEAD] is the oldest */
    int primed;
} w2v_noise_queue;

static inline void w2v_prefetch_slot(const w2v_noise *noise, uint64_t random64) {
    const w2v_alias_slot *slot = &noise->slots[w2v_rng_below(random64, (uint32_t)noise->n_words)];
    __builtin_prefetch(slot, 0, 3);
}

/* The next noise word (consumes one random number of `rng`). */
static inline int32_t w2v_noise_queue_draw(w2v_noise_queue *queue, const w2v_noise *noise,
                                           uint64_t *rng) {
    if (!queue->primed) {
        for (int i = 0; i < W2V_NOISE_AHEAD; i++) {
            queue->randoms[i] = w2v_rng_next(rng);
            w2v_prefetch_slot(noise, queue->randoms[i]);
        }
        queue->primed = 1;
    }
    uint64_t *oldest = &queue->randoms[queue->next++ % W2V_NOISE_AHEAD];
    int32_t draw = w2v_noise_draw_fast(noise, *oldest);
    *oldest = w2v_rng_next(rng);
    w2v_prefetch_slot(noise, *oldest);
    return draw;
}

/* k noise words into out[0..k), the same as k calls of w2v_noise_queue_draw. The queue's
 * position, the random state and the table are held in locals: out's stores could alias
 * them for the compiler, which would reload them for every draw. */
static inline void w2v_noise_queue_draws(w2v_noise_queue *queue, const w2v_noise *noise,
                                         uint64_t *rng, int32_t *out, int32_t k) {
    if (k <= 0) return;
    out[0] = w2v_noise_queue_draw(queue, noise, rng); /* primes the queue if need be */
    const w2v_noise table = *noise;
    uint32_t next = queue->next;
    uint64_t state = *rng;
    for (int32_t i = 1; i < k; i++) {
        uint64_t *oldest = &queue->randoms[next++ % W2V_NOISE_AHEAD];
        out[i] = w2v_noise_draw_fast(&table, *oldest);
        *oldest = w2v_rng_next(&state);
        w2v_prefetch_slot(&table, *oldest);
    }
    queue->next = next;
    *rng = state;
}

/* Appends word's Huffman path to rows/labels from index n; returns the new count. Nodes
 * numbered hot_first or more are read from hot_rows (a worker's private copies, see
 * w2v_hot_nodes in plan.h) instead of node_vecs. */
static inline int32_t w2v_hs_append(const w2v_hs_loss *hs, int32_t word, size_t stride,
                                    float *hot_rows, int32_t hot_first, float **rows, float *labels,
                                    int32_t n) {
    const w2v_huffman *tree = &hs->tree;
    for (int64_t d = tree->offsets[word]; d < tree->offsets[word + 1]; d++) {
        int32_t node = tree->points[d];
        rows[n] = node >= hot_first ? hot_rows + (size_t)(node - hot_first) * stride
                                    : hs->node_vecs + (size_t)node * stride;
        labels[n++] = 1.0f - (float)tree->codes[d];
    }
    return n;
}

/* Centers ahead of the one being planned whose path entries are prefetched
 * (benchmarks/RESULTS.md, thirteenth session). */
#ifndef W2V_PATH_AHEAD
#define W2V_PATH_AHEAD 1
#endif

/* Prefetches the tree's entries (not the rows) of the path of sentence[pos + W2V_PATH_AHEAD],
 * in two stages so that no load waits: that word's offsets were prefetched when it was
 * 2 W2V_PATH_AHEAD centers ahead, so its points and codes can be found and prefetched
 * now. A rare word's entries lie in megabytes of points[] and miss the cache, and the
 * planner reads them to find the rows it prefetches: without this their miss delays
 * the rows' prefetch and stalls the step behind it. */
static inline void w2v_hs_prefetch_path(const w2v_hs_loss *hs, const int32_t *sentence, int32_t pos,
                                        int32_t n) {
#ifdef W2V_NO_PATH_PREFETCH /* for measuring what it buys */
    (void)hs, (void)sentence, (void)pos, (void)n;
    return;
#endif
    if (!hs->node_vecs) return; /* no hierarchical softmax */
    const w2v_huffman *tree = &hs->tree;
    if (pos + 2 * W2V_PATH_AHEAD < n)
        w2v_prefetch(&tree->offsets[sentence[pos + 2 * W2V_PATH_AHEAD]]);
    if (pos + W2V_PATH_AHEAD < n) {
        const int32_t word = sentence[pos + W2V_PATH_AHEAD];
        const int64_t first = tree->offsets[word], end = tree->offsets[word + 1];
        if (end > first) { /* a one-word vocabulary has empty paths */
            w2v_prefetch(&tree->points[first]);
            w2v_prefetch(&tree->points[end - 1]);
            w2v_prefetch(&tree->codes[first]);
        }
    }
}

/* Appends word's row (label 1) to rows/labels at index n and its id to ids[0]; returns
 * the new count. The predicting rows of one word: a skip-gram planner keeps them for all
 * the pairs of a center and appends only fresh noise after them. */
static inline int32_t w2v_ns_append_word(const w2v_ns_loss *ns, int32_t word, size_t stride,
                                         float **rows, float *labels, int32_t n, int32_t *ids) {
    ids[0] = word;
    rows[n] = ns->out_vecs + (size_t)word * stride;
    labels[n] = 1.0f;
    return n + 1;
}

/* Appends each of the k noise draws that is not word (label 0) to rows/labels from index
 * n and its id to ids[1..); returns the new count of rows and sets *n_ids (word's id
 * included, see w2v_ns_append_word). */
static inline int32_t w2v_ns_append_noise(const w2v_ns_loss *ns, int32_t word, const int32_t *draws,
                                          int32_t k, size_t stride, float **rows, float *labels,
                                          int32_t n, int32_t *ids, int32_t *n_ids) {
    float *const out_vecs = ns->out_vecs; /* a local: rows' stores could alias ns */
    int32_t m = 1;
    for (int32_t i = 0; i < k; i++) {
        const int32_t draw = draws[i];
        if (draw == word) continue;
        ids[m++] = draw;
        rows[n] = out_vecs + (size_t)draw * stride;
        labels[n++] = 0.0f;
    }
    *n_ids = m;
    return n;
}

/* Appends word's row (label 1) and each of the k noise draws that is not word (label 0)
 * to rows/labels from index n, and their ids to ids[0..); returns the new count of rows
 * and sets *n_ids. */
static inline int32_t w2v_ns_append(const w2v_ns_loss *ns, int32_t word, const int32_t *draws,
                                    int32_t k, size_t stride, float **rows, float *labels,
                                    int32_t n, int32_t *ids, int32_t *n_ids) {
    n = w2v_ns_append_word(ns, word, stride, rows, labels, n, ids);
    return w2v_ns_append_noise(ns, word, draws, k, stride, rows, labels, n, ids, n_ids);
}

/* Whether ids[0..n) are all different (then a step's scores may all be taken first).
 * A 64-bit set of ids mod 64 answers most sets of a few noise words in one pass; only
 * when two ids fall on one bit (a repeat, or ids 64 apart) are the pairs compared. */
static inline int w2v_distinct_ids(const int32_t *ids, int32_t n) {
    uint64_t seen = 0;
    int32_t t = 0;
    for (; t < n; t++) {
        const uint64_t bit = (uint64_t)1 << (ids[t] & 63);
        if (seen & bit) break;
        seen |= bit;
    }
    if (t == n) return 1;
    for (t = 1; t < n; t++)
        for (int32_t u = 0; u < t; u++)
            if (ids[u] == ids[t]) return 0;
    return 1;
}

#endif /* W2V_LOSS_H */
