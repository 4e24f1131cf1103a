/* Unit tests of hierarchical softmax's Huffman tree (huffman.c): w2v_huffman_build and
 * w2v_huffman_free. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "w2v.h"

/* Kraft's sum over the path lengths is exactly 1, in integers: with n_l words at depth
 * l, sum_l n_l 2^-l = 1 iff folding the levels pairwise from the deepest up (two nodes
 * of level l make one of level l - 1) never leaves an odd node and ends in one root. */
static int kraft_is_one(const w2v_huffman *tree) {
    int32_t depth = tree->max_length;
    int64_t *at = calloc((size_t)depth + 1, sizeof *at);
    if (!at) return 0;
    for (int32_t w = 0; w < tree->n_words; w++) at[tree->offsets[w + 1] - tree->offsets[w]]++;
    int64_t carry = 0;
    int ok = 1;
    for (int32_t l = depth; l >= 1; l--) {
        int64_t nodes = at[l] + carry;
        if (nodes % 2) ok = 0;
        carry = nodes / 2;
    }
    ok = ok && at[0] + carry == 1;
    free(at);
    return ok;
}

/* Whether the code of word a is a prefix of the code of word b (a != b). */
static int is_prefix(const w2v_huffman *tree, int32_t a, int32_t b) {
    int64_t la = tree->offsets[a + 1] - tree->offsets[a];
    int64_t lb = tree->offsets[b + 1] - tree->offsets[b];
    if (la > lb) return 0;
    return memcmp(tree->codes + tree->offsets[a], tree->codes + tree->offsets[b], (size_t)la) == 0;
}

/* The optimal weighted path length sum_w count_w len_w: the sum of the merged weights
 * of any Huffman construction (here the naive O(V^2) one). Modulo 2^64: the Fibonacci
 * counts' total overflows 64 bits, and equality modulo 2^64 still tells trees apart. */
static uint64_t optimal_weighted_length(const int64_t *counts, int32_t n) {
    int64_t *w = malloc((size_t)n * sizeof *w);
    if (!w) return 0;
    memcpy(w, counts, (size_t)n * sizeof *w);
    uint64_t total = 0;
    for (int32_t left = n; left > 1; left--) {
        for (int k = 0; k < 2; k++) { /* move the k-th smallest to the end */
            int32_t min = 0;
            for (int32_t i = 1; i < left - k; i++)
                if (w[i] < w[min]) min = i;
            int64_t t = w[min];
            w[min] = w[left - 1 - k];
            w[left - 1 - k] = t;
        }
        w[left - 2] += w[left - 1];
        total += (uint64_t)w[left - 2];
    }
    free(w);
    return total;
}

/* Builds the tree of counts and checks its structure; expect_max_length < 0: unknown. */
static void check_tree(const char *name, const int64_t *counts, int32_t n,
                       int32_t expect_max_length) {
    w2v_huffman tree;
    int status = w2v_huffman_build(&tree, counts, n);
    CHECKF(status == W2V_OK, "%s: status %d", name, status);
    if (status != W2V_OK) return;
    CHECK(tree.n_words == n && tree.offsets && tree.points && tree.codes);
    CHECKF(tree.offsets[0] == 0, "%s", name);

    const int32_t root = n - 2;
    int32_t longest = 0, bad_path = 0, bad_node = 0, bad_parent = 0;
    uint64_t weighted = 0; /* modulo 2^64, like optimal_weighted_length */
    /* parent_of[node] over inner nodes and child[2 * node + code]: one tree for all
     * paths (-1: not seen yet; leaves are stored as n_words - 1 + word) */
    int32_t *parent_of = malloc((size_t)n * sizeof *parent_of);
    int32_t *child = malloc(2 * (size_t)n * sizeof *child);
    CHECK(parent_of && child);
    if (!parent_of || !child) goto done;
    for (int32_t i = 0; i < n; i++) parent_of[i] = -1;
    for (int32_t i = 0; i < 2 * n; i++) child[i] = -1;
    for (int32_t w = 0; w < n; w++) {
        int64_t start = tree.offsets[w], end = tree.offsets[w + 1];
        int64_t len = end - start;
        if (len < 0 || (n >= 2 && len == 0) || (n == 1 && len != 0)) {
            bad_path++;
            continue;
        }
        if (len > longest) longest = (int32_t)len;
        weighted += (uint64_t)counts[w] * (uint64_t)len;
        if (n >= 2 && tree.points[start] != root) bad_path++;
        for (int64_t d = start; d < end; d++) {
            int32_t node = tree.points[d];
            uint8_t code = tree.codes[d];
            if (node < 0 || node > root || code > 1) {
                bad_node++;
                break;
            }
            /* distinct nodes: a parent is made after its children, so the numbers fall */
            if (d > start && node >= tree.points[d - 1]) bad_path++;
            int32_t next = d + 1 < end ? tree.points[d + 1] : n - 1 + w;
            int32_t *slot = &child[2 * node + code];
            if (*slot != -1 && *slot != next) bad_parent++;
            *slot = next;
            if (d + 1 < end) {
                if (parent_of[next] != -1 && parent_of[next] != node) bad_parent++;
                parent_of[next] = node;
            }
        }
    }
    CHECKF(bad_path == 0 && bad_node == 0, "%s: %d bad paths, %d bad nodes", name, bad_path,
           bad_node);
    CHECKF(bad_parent == 0, "%s: %d nodes with two parents or branches", name, bad_parent);
    /* a full binary tree: each inner node has both branches, all but the root a parent */
    int32_t missing = 0;
    for (int32_t node = 0; node < n - 1; node++) {
        if (child[2 * node] == -1 || child[2 * node + 1] == -1) missing++;
        if ((parent_of[node] == -1) != (node == root)) missing++;
    }
    CHECKF(missing == 0, "%s: %d inner nodes without a branch or parent", name, missing);
    CHECKF(tree.max_length == longest, "%s: max_length %d, longest path %d", name, tree.max_length,
           longest);
    if (expect_max_length >= 0)
        CHECKF(longest == expect_max_length, "%s: longest path %d, expected %d", name, longest,
               expect_max_length);
    CHECKF(kraft_is_one(&tree), "%s: Kraft's sum is not 1", name);
    int64_t prefixes = 0;
    for (int32_t a = 0; a < n; a++)
        for (int32_t b = 0; b < n; b++)
            if (a != b && is_prefix(&tree, a, b)) prefixes++;
    CHECKF(prefixes == 0, "%s: %lld codes are prefixes of others", name, (long long)prefixes);
    uint64_t optimal = optimal_weighted_length(counts, n);
    CHECKF(weighted == optimal, "%s: weighted length %llu, optimal %llu (mod 2^64)", name,
           (unsigned long long)weighted, (unsigned long long)optimal);
done:
    free(parent_of);
    free(child);
    w2v_huffman_free(&tree);
    CHECK(!tree.offsets && !tree.points && !tree.codes && tree.n_words == 0 &&
          tree.max_length == 0);
}

static void test_trees(void) {
    static int64_t zipf[500], equal[64], equal37[37], fib[90];
    for (int i = 0; i < 500; i++) zipf[i] = 1000000 / (i + 1);
    for (int i = 0; i < 64; i++) equal[i] = 7;
    for (int i = 0; i < 37; i++) equal37[i] = 3;
    fib[0] = fib[1] = 1; /* the tree is a chain: the two rarest words at depth 89 */
    for (int i = 2; i < 90; i++) fib[i] = fib[i - 1] + fib[i - 2];
    const int64_t one[1] = {42};
    const int64_t two[2] = {5, 2};
    const int64_t unsorted[10] = {3, 90, 1, 1, 27, 8, 500, 2, 8, 60};
    const int64_t huge[4] = {INT64_C(1) << 61, INT64_C(1) << 60, 3, 1};
    check_tree("one word", one, 1, 0);
    check_tree("two words", two, 2, 1);
    check_tree("zipf 500", zipf, 500, -1);
    check_tree("64 equal", equal, 64, 6);
    check_tree("37 equal", equal37, 37, 6);
    check_tree("unsorted", unsorted, 10, -1);
    check_tree("fibonacci 90", fib, 90, 89);
    check_tree("huge counts", huge, 4, 3);
}

/* A small tree by hand: 1 + 2 = 3 (node 0); leaf 3 ties node 0 and the inner node is
 * taken first (word2vec.c), so node 1 = node 0 (code 0) + leaf 3 (code 1); the root,
 * node 2, joins leaf 5 (code 0) and node 1 (code 1). */
static void test_known_tree(void) {
    const int64_t counts[4] = {5, 3, 2, 1};
    const int64_t offsets[5] = {0, 1, 3, 6, 9};
    const int32_t points[9] = {2, 2, 1, 2, 1, 0, 2, 1, 0};
    const uint8_t codes[9] = {0, 1, 1, 1, 0, 1, 1, 0, 0};
    w2v_huffman tree;
    CHECK(w2v_huffman_build(&tree, counts, 4) == W2V_OK);
    CHECK(memcmp(tree.offsets, offsets, sizeof offsets) == 0);
    CHECK(memcmp(tree.points, points, sizeof points) == 0);
    CHECK(memcmp(tree.codes, codes, sizeof codes) == 0);
    CHECK(tree.max_length == 3);
    w2v_huffman_free(&tree);
    w2v_huffman_free(&tree); /* a freed tree frees again harmlessly */
}

static void test_invalid(void) {
    const int64_t with_zero[3] = {4, 0, 2};
    const int64_t with_negative[3] = {4, 2, -1};
    const int64_t fine[3] = {4, 2, 1};
    const struct {
        const int64_t *counts;
        int32_t n;
    } cases[] = {{with_zero, 3}, {with_negative, 3}, {fine, 0}, {fine, -1}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        w2v_huffman tree;
        memset(&tree, 0xab, sizeof tree); /* garbage in: the build must clear it */
        int status = w2v_huffman_build(&tree, cases[k].counts, cases[k].n);
        CHECKF(status == W2V_ERR_INVALID, "case %zu: status %d", k, status);
        /* a failed build leaves nothing to free (so _free on it is harmless) */
        CHECKF(!tree.offsets && !tree.points && !tree.codes && tree.n_words == 0 &&
                   tree.max_length == 0,
               "case %zu", k);
        w2v_huffman_free(&tree);
    }
}

int main(void) {
    test_trees();
    test_known_tree();
    test_invalid();
    return check_exit("test_huffman");
}
