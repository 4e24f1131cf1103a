/*
 * Counting words of a text at C speed, with word2vec.c's memory bound: when more than
 * max_size distinct words are held, the words seen at most min_reduce times are
 * dropped and min_reduce grows by one (its ReduceVocab), so counts of rare words are
 * approximate but the table stays bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "tokenize.h"
#include "w2v.h"

struct w2v_counter {
    w2v_strtab table;
    w2v_tokenizer tokenizer;
    int64_t max_size;
    int64_t min_reduce;
    w2v_token_batch batch; /* tokens not counted yet, in order */
};

w2v_counter *w2v_counter_new(int64_t max_size) {
    w2v_counter *counter = malloc(sizeof *counter);
    if (!counter) return NULL;
    if (w2v_strtab_init(&counter->table) != W2V_OK) {
        free(counter);
        return NULL;
    }
    w2v_tokenizer_init(&counter->tokenizer);
    counter->max_size = max_size;
    counter->min_reduce = 0;
    counter->batch.n = 0;
    return counter;
}

void w2v_counter_free(w2v_counter *counter) {
    if (!counter) return;
    w2v_strtab_free(&counter->table);
    free(counter);
}

static int prune(w2v_counter *counter) {
    while (counter->table.n_entries > counter->max_size) {
        counter->min_reduce++;
        int status = w2v_strtab_keep_above(&counter->table, counter->min_reduce);
        if (status != W2V_OK) return status;
    }
    return W2V_OK;
}

/* Adds one to the count of a token, inserting it if new; `index` is its entry, or -1
 * if it was absent when looked up (an insert or a prune since then may have changed
 * that, so -1 is checked again). Sets *pruned when the table was pruned. */
static int count_one(w2v_counter *counter, const char *token, int32_t len, uint64_t hash,
                     int64_t index, int *pruned) {
    if (index < 0 || *pruned) index = w2v_strtab_find(&counter->table, token, len, hash);
    if (index >= 0) {
        counter->table.entries[index].value++;
        return 0;
    }
    if (w2v_strtab_insert(&counter->table, token, len, hash, 1) < 0) return W2V_ERR_NOMEM;
    if (counter->max_size > 0 && counter->table.n_entries > counter->max_size) {
        *pruned = 1; /* entry indices of the rest of the batch are stale */
        return prune(counter);
    }
    return 0;
}

/* Counts the batched tokens, in order, after looking them all up at once. */
static int count_batch(w2v_counter *counter) {
    w2v_token_batch *batch = &counter->batch;
    w2v_strtab_find_batch(&counter->table, batch);
    int pruned = 0, status = 0;
    for (int32_t k = 0; k < batch->n && status == 0; k++)
        status = count_one(counter, batch->key[k], batch->len[k], batch->hash[k], batch->index[k],
                           &pruned);
    batch->n = 0;
    return status;
}

static int count_token(void *ctx, const char *token, int32_t len) {
    w2v_counter *counter = ctx;
    if (len > W2V_BATCH_KEY_BYTES) { /* rare: counted on its own, after the batch */
        int pruned = 0, status = count_batch(counter);
        return status ? status
                      : count_one(counter, token, len, w2v_strtab_hash(token, len), -1, &pruned);
    }
    w2v_token_batch_add(&counter->batch, token, len);
    return counter->batch.n == W2V_BATCH_TOKENS ? count_batch(counter) : 0;
}

static int count_sentence_end(void *ctx) {
    (void)ctx;
    return 0;
}

int w2v_counter_feed(w2v_counter *counter, const char *bytes, int64_t n_bytes, int final) {
    int status = w2v_tokenizer_feed(&counter->tokenizer, bytes, n_bytes, final, count_token,
                                    count_sentence_end, counter);
    /* every token of this call is counted when it returns */
    return status == 0 ? count_batch(counter) : status;
}

const w2v_text_stats *w2v_counter_stats(const w2v_counter *counter) {
    return &counter->tokenizer.stats;
}

int64_t w2v_counter_size(const w2v_counter *counter) { return counter->table.n_entries; }

int64_t w2v_counter_bytes(const w2v_counter *counter) { return counter->table.arena_len; }

int64_t w2v_counter_min_reduce(const w2v_counter *counter) { return counter->min_reduce; }

void w2v_counter_export(const w2v_counter *counter, char *bytes, int64_t *offsets,
                        int64_t *counts) {
    const w2v_strtab *table = &counter->table;
    int64_t pos = 0;
    for (int64_t i = 0; i < table->n_entries; i++) {
        const w2v_strtab_entry *e = &table->entries[i];
        offsets[i] = pos;
        memcpy(bytes + pos, table->arena + e->offset, e->len);
        pos += e->len;
        counts[i] = e->value;
    }
    offsets[table->n_entries] = pos;
}
