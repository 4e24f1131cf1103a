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
    int64_t index = w2v_strtab_find(&encoder->table, token, n_bytes, w2v_strtab_hash(token, n_bytes));
    return index < 0 ? -1 : (int32_t)encoder->table.entries[index].value;
}

static int encode_token(void *ctx, const char *token, int32_t len) {
    w2v_encoder *encoder = ctx;
    int32_t id = w2v_encoder_lookup(encoder, token, len);
    if (id < 0) return 0;
    if (encoder->n_out >= encoder->capacity) return W2V_ERR_CAPACITY;
    encoder->out[encoder->n_out++] = id;
    encoder->sentence_open = 1;
    return 0;
}

static int encode_sentence_end(void *ctx) {
    w2v_encoder *encoder = ctx;
    if (!encoder->sentence_open) return 0;
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
    *n_out = encoder->n_out;
    return status;
}

const w2v_text_stats *w2v_encoder_stats(const w2v_encoder *encoder) {
    return &encoder->tokenizer.stats;
}
