/*
 * Counting words of a text at C speed, with word2vec.c's memory bound: when more than
 * max_size distinct words are held, the words seen at most min_reduce times are
 * dropped and min_reduce grows by one (its ReduceVocab), so counts of rare words are
 * approximate but the table stays bounded.
 *
 * Without a bound it can also record the text as packed ids in first-seen order
 * (w2v_counter_record), so that encoding the corpus is a remap of those ids rather than
 * a second pass of tokenizing and hashing.
 */
#include <stdlib.h>
#include <string.h>

#include "packed.h"
#include "strtab.h"
#include "tokenize.h"
#include "w2v.h"

struct w2v_counter {
    w2v_strtab table;
    w2v_tokenizer tokenizer;
    int64_t max_size;
    int64_t min_reduce;
    w2v_token_batch batch; /* tokens not counted yet, in order */
    /* the recording (w2v_counter_record): packed first-seen ids, grown by doubling */
    int recording, sentence_open;
    uint8_t *record;
    int64_t record_len, record_cap, record_max;
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
    counter->recording = counter->sentence_open = 0;
    counter->record = NULL;
    counter->record_len = counter->record_cap = counter->record_max = 0;
    return counter;
}

void w2v_counter_free(w2v_counter *counter) {
    if (!counter) return;
    w2v_strtab_free(&counter->table);
    free(counter->record);
    free(counter);
}

int w2v_counter_record(w2v_counter *counter, int64_t max_bytes) {
    if (counter->max_size > 0 || counter->table.n_entries > 0 ||
        counter->tokenizer.stats.tokens > 0 || max_bytes < 0)
        return W2V_ERR_INVALID;
    counter->recording = 1;
    counter->record_max = max_bytes;
    return W2V_OK;
}

int w2v_counter_merge(w2v_counter *counter, const w2v_counter *src, int32_t *map) {
    if (counter->max_size > 0 || src->max_size > 0) return W2V_ERR_INVALID;
    const w2v_strtab *from = &src->table;
    for (int64_t i = 0; i < from->n_entries; i++) {
        const w2v_strtab_entry *e = &from->entries[i];
        const char *word = from->arena + e->offset;
        int64_t index = w2v_strtab_find(&counter->table, word, e->len, e->hash);
        if (index >= 0)
            counter->table.entries[index].value += e->value;
        else if ((index = w2v_strtab_insert(&counter->table, word, e->len, e->hash, e->value)) < 0)
            return W2V_ERR_NOMEM;
        if (index > INT32_MAX) return W2V_ERR_CAPACITY;
        map[i] = (int32_t)index;
    }
    w2v_text_stats *to = &counter->tokenizer.stats;
    const w2v_text_stats *add = &src->tokenizer.stats;
    to->tokens += add->tokens;
    to->sentences += add->sentences;
    to->invalid_tokens += add->invalid_tokens;
    to->truncated_tokens += add->truncated_tokens;
    return W2V_OK;
}

void w2v_counter_map_words(const w2v_counter *counter, const char *bytes, const int64_t *offsets,
                           int32_t n_words, int32_t *map) {
    const w2v_strtab *table = &counter->table;
    for (int64_t i = 0; i < table->n_entries; i++) map[i] = -1;
    for (int32_t j = 0; j < n_words; j++) {
        const char *word = bytes + offsets[j];
        int64_t len = offsets[j + 1] - offsets[j];
        if (len < 0 || len > W2V_MAX_TOKEN_BYTES) continue; /* never counted */
        int64_t index =
            w2v_strtab_find(table, word, (int32_t)len, w2v_strtab_hash(word, (int32_t)len));
        if (index >= 0 && map[index] < 0) map[index] = j; /* a repeated word keeps its first */
    }
}

int w2v_counter_recording(const w2v_counter *counter, const uint8_t **bytes, int64_t *n_bytes) {
    *bytes = counter->record;
    *n_bytes = counter->record_len;
    return counter->recording ? W2V_OK : W2V_ERR_INVALID;
}

/* The recording is an optional shortcut: without it, encoding reads the text again. */
static int drop_recording(w2v_counter *counter) {
    free(counter->record);
    counter->record = NULL;
    counter->record_len = counter->record_cap = 0;
    counter->recording = 0;
    return W2V_OK;
}

/* Appends the code of id (-1: a sentence end) to the recording; drops the recording
 * when it would outgrow its limit, id does not fit the code or memory runs out. */
static int record_id(w2v_counter *counter, int64_t id) {
    int32_t width = id <= INT32_MAX ? w2v_packed_width_of((int32_t)id) : 0;
    if (width == 0 || counter->record_len + width > counter->record_max)
        return drop_recording(counter);
    if (counter->record_len + width > counter->record_cap) {
        int64_t cap = counter->record_cap ? 2 * counter->record_cap : 1 << 20;
        if (cap > counter->record_max) cap = counter->record_max;
        uint8_t *grown = realloc(counter->record, (size_t)cap);
        if (!grown) return drop_recording(counter);
        counter->record = grown;
        counter->record_cap = cap;
    }
    w2v_packed_put(counter->record + counter->record_len, (int32_t)id, width);
    counter->record_len += width;
    return W2V_OK;
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
    } else {
        index = w2v_strtab_insert(&counter->table, token, len, hash, 1);
        if (index < 0) return W2V_ERR_NOMEM;
    }
    if (counter->recording) { /* never pruned: index is the first-seen order */
        counter->sentence_open = 1;
        return record_id(counter, index);
    }
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
    w2v_counter *counter = ctx;
    if (!counter->recording) return 0;
    int status = count_batch(counter); /* the sentence's last ids come before its end */
    if (status != 0 || !counter->sentence_open) return status;
    counter->sentence_open = 0;
    return record_id(counter, -1);
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
