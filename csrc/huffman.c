/*
 * Hierarchical softmax's table: the binary Huffman tree of the word counts, built in
 * O(V) after sorting with two queues, as word2vec.c's CreateBinaryTree and fastText's
 * buildTree do: the leaves sorted by descending count are one queue (read from its
 * smallest end), the inner nodes another (created in ascending order of count), and
 * each new node joins the two smallest heads. On a tie the inner node is taken first
 * (word2vec.c's rule). Frequent words get short paths: the expected path length is
 * within one node of the entropy of the word distribution (Huffman 1952).
 *
 * The code bit at a node is 1 when the path goes to the node's second-smallest child;
 * the step's label for that node is 1 - bit (word2vec.c's g = (1 - code - f) alpha).
 */
#include <stdlib.h>

#include "w2v.h"

typedef struct {
    int64_t count;
    int32_t index;
} w2v_leaf;

/* descending count; equal counts keep their vocabulary order (qsort is not stable) */
static int by_count_desc(const void *a, const void *b) {
    const w2v_leaf *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

int w2v_huffman_build(w2v_huffman *tree, const int64_t *counts, int32_t n_words) {
    tree->offsets = NULL;
    tree->points = NULL;
    tree->codes = NULL;
    tree->n_words = 0;
    tree->max_length = 0;
    if (n_words <= 0 || n_words > INT32_MAX / 2) return W2V_ERR_INVALID;
    for (int32_t i = 0; i < n_words; i++)
        if (counts[i] <= 0) return W2V_ERR_INVALID;

    /* nodes 0..n-1: the leaves by descending count; n..2n-2: inner nodes in creation order */
    const int64_t n = n_words, n_nodes = 2 * n - 1;
    w2v_leaf *leaves = malloc((size_t)n * sizeof *leaves);
    int64_t *count = malloc((size_t)n_nodes * sizeof *count);
    int64_t *parent = malloc((size_t)n_nodes * sizeof *parent);
    uint8_t *bit = calloc((size_t)n_nodes, 1);
    int32_t *depth = malloc((size_t)n_nodes * sizeof *depth);
    int64_t *offsets = malloc((size_t)(n + 1) * sizeof *offsets);
    int status = W2V_OK;
    if (!leaves || !count || !parent || !bit || !depth || !offsets) {
        status = W2V_ERR_NOMEM;
        goto done;
    }
    for (int32_t i = 0; i < n_words; i++) leaves[i] = (w2v_leaf){counts[i], i};
    qsort(leaves, (size_t)n, sizeof *leaves, by_count_desc);
    for (int64_t a = 0; a < n; a++) count[a] = leaves[a].count;

    int64_t leaf = n - 1, inner = n; /* the heads of the two queues */
    for (int64_t a = 0; a < n - 1; a++) {
        int64_t pick[2];
        for (int k = 0; k < 2; k++) {
            /* inner nodes not yet made (>= n + a) are not candidates */
            if (leaf >= 0 && (inner >= n + a || count[leaf] < count[inner]))
                pick[k] = leaf--;
            else
                pick[k] = inner++;
        }
        count[n + a] = count[pick[0]] + count[pick[1]];
        parent[pick[0]] = parent[pick[1]] = n + a;
        bit[pick[1]] = 1;
    }
    /* depths from the root down: a parent is always made after its children */
    depth[n_nodes - 1] = 0;
    for (int64_t b = n_nodes - 2; b >= 0; b--) depth[b] = depth[parent[b]] + 1;

    /* word w's path length is its leaf's depth (held in offsets[w] until the sum) */
    for (int64_t a = 0; a < n; a++) offsets[leaves[a].index] = depth[a];
    int64_t total = 0;
    int32_t max_length = 0;
    for (int64_t w = 0; w < n; w++) {
        int64_t len = offsets[w];
        offsets[w] = total;
        total += len;
        if (len > max_length) max_length = (int32_t)len;
    }
    offsets[n] = total;
    tree->points = malloc((size_t)(total > 0 ? total : 1) * sizeof *tree->points);
    tree->codes = malloc((size_t)(total > 0 ? total : 1));
    if (!tree->points || !tree->codes) {
        status = W2V_ERR_NOMEM;
        goto done;
    }
    /* walk up from each leaf, writing its path from the end (the root comes first) */
    for (int64_t a = 0; a < n; a++) {
        int32_t word = leaves[a].index;
        int64_t end = offsets[word + 1];
        for (int64_t b = a; b != n_nodes - 1; b = parent[b]) {
            end--;
            tree->codes[end] = bit[b];
            tree->points[end] = (int32_t)(parent[b] - n);
        }
    }
    tree->offsets = offsets;
    offsets = NULL;
    tree->n_words = n_words;
    tree->max_length = max_length;
done:
    if (status != W2V_OK) {
        free(tree->points);
        free(tree->codes);
        tree->points = NULL;
        tree->codes = NULL;
    }
    free(leaves);
    free(count);
    free(parent);
    free(bit);
    free(depth);
    free(offsets);
    return status;
}

void w2v_huffman_free(w2v_huffman *tree) {
    free(tree->offsets);
    free(tree->points);
    free(tree->codes);
    tree->offsets = NULL;
    tree->points = NULL;
    tree->codes = NULL;
    tree->n_words = 0;
    tree->max_length = 0;
}
