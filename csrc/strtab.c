/* Byte-string hash table; see strtab.h. */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "prefetch.h"
#include "rng.h"
#include "w2v.h"

#define W2V_STRTAB_MIN_SLOTS 1024

/* FNV-1a (Fowler, Noll, Vo; 64-bit offset basis and prime), then the SplitMix64
 * finaliser so that the low bits used as the slot index are well mixed. */
uint64_t w2v_strtab_hash(const char *bytes, int32_t len) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int32_t i = 0; i < len; i++) {
        h ^= (unsigned char)bytes[i];
        h *= 0x100000001b3ULL;
    }
    return w2v_rng_mix(h);
}

static int alloc_slots(w2v_strtab *table, uint64_t n_slots) {
    int32_t *slots = malloc(n_slots * sizeof *slots);
    if (!slots) return W2V_ERR_NOMEM;
    memset(slots, 0xff, n_slots * sizeof *slots);
    free(table->slots);
    table->slots = slots;
    table->mask = n_slots - 1;
    for (int64_t i = 0; i < table->n_entries; i++) {
        uint64_t s = table->entries[i].hash & table->mask;
        while (table->slots[s] >= 0) s = (s + 1) & table->mask;
        table->slots[s] = (int32_t)i;
    }
    return W2V_OK;
}

int w2v_strtab_init(w2v_strtab *table) {
    memset(table, 0, sizeof *table);
    return alloc_slots(table, W2V_STRTAB_MIN_SLOTS);
}

void w2v_strtab_free(w2v_strtab *table) {
    free(table->entries);
    free(table->arena);
    free(table->slots);
    memset(table, 0, sizeof *table);
}

int64_t w2v_strtab_find(const w2v_strtab *table, const char *bytes, int32_t len, uint64_t hash) {
    uint64_t s = hash & table->mask;
    for (;;) {
        int32_t i = table->slots[s];
        if (i < 0) return -1;
        const w2v_strtab_entry *e = &table->entries[i];
        if (e->hash == hash && e->len == len && memcmp(table->arena + e->offset, bytes, len) == 0)
            return i;
        s = (s + 1) & table->mask;
    }
}

void w2v_token_batch_add(w2v_token_batch *batch, const char *bytes, int32_t len) {
    int32_t k = batch->n++;
    memcpy(batch->key[k], bytes, (size_t)len);
    batch->len[k] = len;
    batch->hash[k] = w2v_strtab_hash(bytes, len);
}

void w2v_strtab_find_batch(const w2v_strtab *table, w2v_token_batch *batch) {
    const int32_t n = batch->n;
    /* first probe slot of every key, then its entry, then its stored bytes: each pass
     * asks for the lines the next one reads (a key whose first slot holds another key
     * probes further in the last pass, as w2v_strtab_find does) */
    for (int32_t k = 0; k < n; k++) w2v_prefetch(&table->slots[batch->hash[k] & table->mask]);
    for (int32_t k = 0; k < n; k++) {
        int32_t i = table->slots[batch->hash[k] & table->mask];
        if (i >= 0) w2v_prefetch(&table->entries[i]);
    }
    for (int32_t k = 0; k < n; k++) {
        int32_t i = table->slots[batch->hash[k] & table->mask];
        if (i >= 0) w2v_prefetch(table->arena + table->entries[i].offset);
    }
    for (int32_t k = 0; k < n; k++)
        batch->index[k] = w2v_strtab_find(table, batch->key[k], batch->len[k], batch->hash[k]);
}

static int grow(void **buf, int64_t *cap, int64_t need, size_t item) {
    if (need <= *cap) return W2V_OK;
    int64_t new_cap = *cap > 0 ? *cap : 256;
    while (new_cap < need) new_cap *= 2;
    void *bigger = realloc(*buf, (size_t)new_cap * item);
    if (!bigger) return W2V_ERR_NOMEM;
    *buf = bigger;
    *cap = new_cap;
    return W2V_OK;
}

int64_t w2v_strtab_insert(w2v_strtab *table, const char *bytes, int32_t len, uint64_t hash,
                          int64_t value) {
    if (table->n_entries >= INT32_MAX - 1) return -1;
    if (grow((void **)&table->entries, &table->cap_entries, table->n_entries + 1,
             sizeof *table->entries) != W2V_OK ||
        grow((void **)&table->arena, &table->arena_cap, table->arena_len + len, 1) != W2V_OK)
        return -1;
    /* keep the load factor at or below 1/2 */
    if ((uint64_t)(table->n_entries + 1) * 2 > table->mask + 1 &&
        alloc_slots(table, (table->mask + 1) * 2) != W2V_OK)
        return -1;
    int64_t index = table->n_entries++;
    w2v_strtab_entry *e = &table->entries[index];
    e->hash = hash;
    e->offset = table->arena_len;
    e->len = len;
    e->value = value;
    memcpy(table->arena + table->arena_len, bytes, len);
    table->arena_len += len;
    uint64_t s = hash & table->mask;
    while (table->slots[s] >= 0) s = (s + 1) & table->mask;
    table->slots[s] = (int32_t)index;
    return index;
}

int w2v_strtab_keep_above(w2v_strtab *table, int64_t threshold) {
    int64_t kept = 0, arena_len = 0;
    for (int64_t i = 0; i < table->n_entries; i++) {
        w2v_strtab_entry e = table->entries[i];
        if (e.value <= threshold) continue;
        memmove(table->arena + arena_len, table->arena + e.offset, e.len);
        e.offset = arena_len;
        arena_len += e.len;
        table->entries[kept++] = e;
    }
    table->n_entries = kept;
    table->arena_len = arena_len;
    uint64_t n_slots = W2V_STRTAB_MIN_SLOTS;
    while (n_slots < (uint64_t)kept * 2) n_slots *= 2;
    return alloc_slots(table, n_slots);
}
