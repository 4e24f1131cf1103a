/* Chunked tokenizer shared by the counter and the encoder; internal to the core. */
#ifndef W2V_TOKENIZE_H
#define W2V_TOKENIZE_H

#include "w2v.h"

/* Callbacks return 0 to go on, or a w2v_status to abort the feed with it. */
typedef int (*w2v_token_fn)(void *ctx, const char *token, int32_t len);
typedef int (*w2v_sentence_end_fn)(void *ctx);

typedef struct {
    char carry[W2V_MAX_TOKEN_BYTES]; /* a token cut by the end of a chunk */
    int32_t carry_len;
    int in_token;                    /* the previous chunk ended inside a token */
    int carry_truncated;             /* that token was longer than the carry */
    char fixed[W2V_MAX_TOKEN_BYTES]; /* a token with invalid UTF-8 replaced (capped) */
    int64_t sentence_tokens;
    w2v_text_stats stats;
} w2v_tokenizer;

void w2v_tokenizer_init(w2v_tokenizer *tokenizer);
int w2v_tokenizer_feed(w2v_tokenizer *tokenizer, const char *bytes, int64_t n_bytes, int final,
                       w2v_token_fn on_token, w2v_sentence_end_fn on_end, void *ctx);

#endif /* W2V_TOKENIZE_H */
