/*
 * Encoding text to token ids with a fixed vocabulary: out-of-vocabulary tokens are
 * dropped (as in word2vec.c and gensim) and -1 closes every sentence that kept a word.
 */
#include <stdlib.h>

#include "strtab.h"
#include "tokenize.h"
#include "w2v.h"

struct w2v_encoder {
    w2v_strtab table;
    w2v_tokenizer tokenizer;
    /* the output of the current feed call */
    int32_t *out;
    int64_t capacity, n_out;
    int sentence_open;
    w2v_token_batch batch; /* tokens not looked up yet, in order */
};

w2v_encoder *w2v_encoder_new(const char *bytes, const int64_t *offsets, int32_t n_words) {
    w2v_encoder *encoder = malloc(sizeof *encoder);
    if (!encoder) return NULL;
    if (w2v_strtab_init(&encoder->table) != W2V_OK) {
        free(encoder);
        return NULL;
    }
    w2v_tokenizer_init(&encoder->tokenizer);
    encoder->sentence_open = 0;
    encoder->batch.n = 0;
    for (int32_t i = 0; i < n_words; i++) {
        const char *word = bytes + offsets[i];
        int64_t len = offsets[i + 1] - offsets[i];
        if (len < 0 || len > W2V_MAX_TOKEN_BYTES) goto fail;
        uint64_t hash = w2v_strtab_hash(word, (int32_t)len);
        /* a repeated word keeps its first id */
        if (w2v_strtab_find(&encoder->table, word, (int32_t)len, hash) >= 0) continue;
        if (w2v_strtab_insert(&encoder->table, word, (int32_t)len, hash, i) < 0) goto fail;
    }
    return encoder;
fail:
    w2v_encoder_free(encoder);
    return NULL;
}

void w2v_encoder_free(w2v_encoder *encoder) {
    if (!encoder) return;
    w2v_strtab_free(&encoder->table);
    free(encoder);
}

int32_t w2v_encoder_lookup(const w2v_encoder *encoder, const char *token, int32_t n_bytes) {
    int64_t index =
        w2v_strtab_find(&encoder->table, token, n_bytes, w2v_strtab_hash(token, n_bytes));
    return index < 0 ? -1 : (int32_t)encoder->table.entries[index].value;
}

static int put_id(w2v_encoder *encoder, int32_t id) {
    if (id < 0) return 0; /* out of vocabulary: dropped */
    if (encoder->n_out >= encoder->capacity) return W2V_ERR_CAPACITY;
    encoder->out[encoder->n_out++] = id;
    encoder->sentence_open = 1;
    return 0;
}

/* Writes the ids of the batched tokens, in order, after looking them all up at once. */
static int encode_batch(w2v_encoder *encoder) {
    w2v_token_batch *batch = &encoder->batch;
    w2v_strtab_find_batch(&encoder->table, batch);
    int status = 0;
    for (int32_t k = 0; k < batch->n && status == 0; k++) {
        int64_t index = batch->index[k];
        status = put_id(encoder, index < 0 ? -1 : (int32_t)encoder->table.entries[index].value);
    }
    batch->n = 0;
    return status;
}

static int encode_token(void *ctx, const char *token, int32_t len) {
    w2v_encoder *encoder = ctx;
    if (len > W2V_BATCH_KEY_BYTES) { /* rare: looked up on its own, after the batch */
        int status = encode_batch(encoder);
        return status ? status : put_id(encoder, w2v_encoder_lookup(encoder, token, len));
    }
    w2v_token_batch_add(&encoder->batch, token, len);
    return encoder->batch.n == W2V_BATCH_TOKENS ? encode_batch(encoder) : 0;
}

static int encode_sentence_end(void *ctx) {
    w2v_encoder *encoder = ctx;
    int status = encode_batch(encoder); /* the sentence's last ids come before its end */
    if (status != 0 || !encoder->sentence_open) return status;
    if (encoder->n_out >= encoder->capacity) return W2V_ERR_CAPACITY;
    encoder->out[encoder->n_out++] = -1;
    encoder->sentence_open = 0;
    return 0;
}

int w2v_encoder_feed(w2v_encoder *encoder, const char *bytes, int64_t n_bytes, int final,
                     int32_t *out, int64_t capacity, int64_t *n_out) {
    encoder->out = out;
    encoder->capacity = capacity;
    encoder->n_out = *n_out;
    int status = w2v_tokenizer_feed(&encoder->tokenizer, bytes, n_bytes, final, encode_token,
                                    encode_sentence_end, encoder);
    /* every token of this call has its id in `out` when it returns */
    if (status == 0) status = encode_batch(encoder);
    *n_out = encoder->n_out;
    return status;
}

const w2v_text_stats *w2v_encoder_stats(const w2v_encoder *encoder) {
    return &encoder->tokenizer.stats;
}
