/* pyw2v C core: what every stage shares: status codes and size limits. */
#ifndef W2V_BASE_H
#define W2V_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    W2V_OK = 0,
    W2V_ERR_NOMEM = 1,    /* an allocation failed */
    W2V_ERR_INVALID = 2,  /* an argument is out of its documented range */
    W2V_ERR_THREAD = 3,   /* a worker thread could not be started */
    W2V_ERR_CAPACITY = 4, /* an output buffer is too small */
    W2V_STOPPED = 5,      /* not an error: training stopped on request */
    W2V_ERR_FORMAT = 6    /* input data is not in the expected format */
} w2v_status;

/* Sentences never exceed this many tokens: longer lines are split (gensim's limit). */
#define W2V_MAX_SENTENCE 10000
/* Workers publish progress every this many words (and check the stop flag after every step). */
#define W2V_PROGRESS_WORDS 10000
/* Longer tokens are truncated to this many bytes when text is tokenized. */
#define W2V_MAX_TOKEN_BYTES 4096
/* Upper bounds that keep every size computation far from overflow. */
#define W2V_MAX_DIM 100000
#define W2V_MAX_THREADS 1024

#ifdef __cplusplus
}
#endif
#endif /* W2V_BASE_H */
