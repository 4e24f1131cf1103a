/* A byte-string -> int64 hash table with open addressing (linear probing), used to
 * count words and to map words to ids. Internal to the core. */
#ifndef W2V_STRTAB_H
#define W2V_STRTAB_H

#include <stdint.h>

typedef struct {
    uint64_t hash;
    int64_t offset; /* into the arena */
    int32_t len;
    int64_t value;
} w2v_strtab_entry;

typedef struct {
    w2v_strtab_entry *entries; /* in insertion order */
    int64_t n_entries, cap_entries;
    char *arena;
    int64_t arena_len, arena_cap;
    int32_t *slots; /* entry index or -1 */
    uint64_t mask;  /* number of slots - 1 (a power of two minus one) */
} w2v_strtab;

int w2v_strtab_init(w2v_strtab *table);
void w2v_strtab_free(w2v_strtab *table);
uint64_t w2v_strtab_hash(const char *bytes, int32_t len);
/* Index of the entry, or -1. */
int64_t w2v_strtab_find(const w2v_strtab *table, const char *bytes, int32_t len, uint64_t hash);
/* Appends a new entry (the key must be absent); its index, or -1 when out of memory. */
int64_t w2v_strtab_insert(w2v_strtab *table, const char *bytes, int32_t len, uint64_t hash,
                          int64_t value);

/* Tokens waiting for a lookup. Looking keys up one at a time in a table larger than the
 * caches costs three dependent misses per token (slot, entry, key bytes); a batch
 * walks those three steps for all its keys in turn, prefetching the next step's lines,
 * so that the misses of different tokens overlap (w2v_strtab_find_batch). Keys are
 * copied in, so a batch outlives the chunk of text its tokens came from. */
#define W2V_BATCH_TOKENS 32
#define W2V_BATCH_KEY_BYTES 64 /* longer tokens are looked up on their own */
typedef struct {
    int32_t n;
    int32_t len[W2V_BATCH_TOKENS];
    uint64_t hash[W2V_BATCH_TOKENS];
    int64_t index[W2V_BATCH_TOKENS]; /* set by w2v_strtab_find_batch: entry or -1 */
    char key[W2V_BATCH_TOKENS][W2V_BATCH_KEY_BYTES];
} w2v_token_batch;

/* Appends a token of at most W2V_BATCH_KEY_BYTES bytes (the batch must not be full). */
void w2v_token_batch_add(w2v_token_batch *batch, const char *bytes, int32_t len);
/* Sets batch->index[k] to w2v_strtab_find of each key, as if found one by one. */
void w2v_strtab_find_batch(const w2v_strtab *table, w2v_token_batch *batch);

/* Keeps the entries with value > threshold, in order; returns a w2v_status. */
int w2v_strtab_keep_above(w2v_strtab *table, int64_t threshold);

#endif /* W2V_STRTAB_H */
