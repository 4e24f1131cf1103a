/* Unit tests of the workers' private hot nodes (hot_nodes.c, plan.h): which nodes are
 * hot, and that a sync adds each worker's change to the shared rows without losing the
 * other workers' changes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "plan.h"

#define V 6 /* words: 5 inner nodes, numbered 0..4 (4 is the root) */
#define DIM 3
#define STRIDE 4

static void test_hot_rows_and_sync(void) {
    int64_t counts[V] = {50, 20, 10, 5, 3, 1};
    float in_vecs[V * STRIDE] = {0}, node_vecs[V * STRIDE], keep[V] = {1, 1, 1, 1, 1, 1};
    for (int i = 0; i < V * STRIDE; i++) node_vecs[i] = (float)i;
    w2v_model model;
    CHECK(w2v_model_init(&model, in_vecs, NULL, node_vecs, STRIDE, keep, counts, V, 0.75) ==
          W2V_OK);

    w2v_hot_nodes a, b;
    CHECK(w2v_hot_init(&a, &model, 2) == W2V_OK);
    CHECK(w2v_hot_init(&b, &model, 2) == W2V_OK);
    CHECK(a.first == 3 && a.n_hot == 2); /* the two nodes numbered highest: 3 and the root */
    for (int i = 0; i < 2 * STRIDE; i++) CHECK(a.rows[i] == node_vecs[3 * STRIDE + i]);

    /* both workers change row 0 (node 3) privately; b syncs first, then a */
    for (int d = 0; d < DIM; d++) {
        a.rows[d] += 1.0f;
        b.rows[d] += 10.0f;
    }
    float before = node_vecs[3 * STRIDE];
    w2v_hot_sync(&b, &model, DIM);
    CHECK(node_vecs[3 * STRIDE] == before + 10.0f);
    w2v_hot_sync(&a, &model, DIM);
    CHECK(node_vecs[3 * STRIDE] == before + 11.0f); /* neither change is lost */
    CHECK(a.rows[0] == before + 11.0f && a.base[0] == before + 11.0f);
    CHECK(node_vecs[4 * STRIDE] == 16.0f);     /* untouched rows stay as they were */
    CHECK(node_vecs[3 * STRIDE + 3] == 15.0f); /* padding past dim is not written */

    /* a path through the hot nodes reads them from the private rows */
    float *rows[8], labels[8];
    int32_t n = w2v_hs_append(&model.hs, 5, STRIDE, a.rows, a.first, rows, labels, 0);
    CHECK(n >= 2 && rows[0] == a.rows + STRIDE); /* the root first, from a's copy */
    for (int32_t t = 0; t < n; t++) {
        const w2v_huffman *tree = &model.hs.tree;
        int32_t node = tree->points[tree->offsets[5] + t];
        CHECK(rows[t] ==
              (node >= a.first ? a.rows + (node - a.first) * STRIDE : node_vecs + node * STRIDE));
    }
    w2v_hot_free(&a);
    w2v_hot_free(&b);
    CHECK(a.rows == NULL && a.n_hot == 0 && a.first == INT32_MAX);
    w2v_model_free(&model);
}

static void test_off_without_hierarchical_softmax_or_nodes(void) {
    int64_t counts[2] = {3, 1};
    float in_vecs[2 * STRIDE] = {0}, out_vecs[2 * STRIDE] = {0}, keep[2] = {1, 1};
    w2v_model model;
    CHECK(w2v_model_init(&model, in_vecs, out_vecs, NULL, STRIDE, keep, counts, 2, 0.75) == W2V_OK);
    w2v_hot_nodes hot;
    CHECK(w2v_hot_init(&hot, &model, 256) == W2V_OK && hot.n_hot == 0 && hot.rows == NULL);
    w2v_hot_sync(&hot, &model, DIM); /* a no-op */
    w2v_hot_free(&hot);
    w2v_model_free(&model);
}

/* A worker that changed nothing only reads the shared rows: were it to write back
 * shared + 0, it could undo another worker's sync that lands between its read and its
 * write (seen as two runs of one tiny corpus on two threads that differed). The shared
 * rows sit on a page made read-only, so a write would fault. */
static void test_sync_of_unchanged_rows_does_not_write(void) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    int64_t counts[V] = {50, 20, 10, 5, 3, 1};
    float in_vecs[V * STRIDE] = {0}, keep[V] = {1, 1, 1, 1, 1, 1};
    float *node_vecs = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(node_vecs != MAP_FAILED);
    for (int i = 0; i < V * STRIDE; i++) node_vecs[i] = (float)i;
    w2v_model model;
    CHECK(w2v_model_init(&model, in_vecs, NULL, node_vecs, STRIDE, keep, counts, V, 0.75) ==
          W2V_OK);
    w2v_hot_nodes idle;
    CHECK(w2v_hot_init(&idle, &model, 2) == W2V_OK);
    node_vecs[3 * STRIDE] += 5.0f; /* another worker's sync */
    CHECK(mprotect(node_vecs, page, PROT_READ) == 0);
    w2v_hot_sync(&idle, &model, DIM); /* faults if it writes */
    CHECK(idle.rows[0] == node_vecs[3 * STRIDE] && idle.base[0] == node_vecs[3 * STRIDE]);
    CHECK(mprotect(node_vecs, page, PROT_READ | PROT_WRITE) == 0);
    idle.rows[STRIDE + 1] = -1.0f; /* a change writes that float only */
    w2v_hot_sync(&idle, &model, DIM);
    CHECK(node_vecs[4 * STRIDE + 1] == -1.0f && node_vecs[3 * STRIDE] == 17.0f);
    CHECK(node_vecs[4 * STRIDE] == 16.0f && node_vecs[4 * STRIDE + 2] == 18.0f);
    w2v_hot_free(&idle);
    w2v_model_free(&model);
    munmap(node_vecs, page);
}

int main(void) {
    test_hot_rows_and_sync();
    test_sync_of_unchanged_rows_does_not_write();
    test_off_without_hierarchical_softmax_or_nodes();
    return check_exit("hot_nodes");
}
