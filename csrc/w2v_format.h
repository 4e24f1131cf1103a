/* pyw2v C core, last stage: word2vec.c's binary rows (w2v_format.c). */
#ifndef W2V_FORMAT_H
#define W2V_FORMAT_H

#include "w2v_base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- word2vec binary rows (w2v_format.c) -------------------------------------- */

/* Longest word the row scanner accepts, in bytes (word2vec.c's limit is 50, gensim has
 * none): a longer one means a corrupt file or a wrong vector size in the header. */
#define W2V_MAX_WORD_BYTES 100000

/* What is wrong with the row a scan reports. */
typedef enum {
    W2V_ROW_OK = 0,
    W2V_ROW_TRUNCATED = 1,       /* the row runs past the end of the buffer */
    W2V_ROW_EMPTY_WORD = 2,      /* a space right where a word should start */
    W2V_ROW_LONG_WORD = 3,       /* no space within W2V_MAX_WORD_BYTES bytes */
    W2V_ROW_NEWLINE_IN_WORD = 4, /* a newline between a word's first byte and its space */
    W2V_ROW_NONFINITE = 5        /* the vector holds a NaN or an infinity */
} w2v_row_problem;

typedef struct {
    int64_t end;     /* offset just past the last vector scanned */
    int64_t bad_row; /* the row `problem` is about, or -1 */
    int32_t problem; /* a w2v_row_problem */
} w2v_scan_result;

/* Walks n_rows rows of word2vec.c's binary format in buffer[0:n_bytes) (the bytes after
 * the header line): each row is any number of newlines, a word (the bytes up to the
 * first space), the space and dim little-endian float32. Fills word_starts[r] and
 * word_lengths[r] (offsets into buffer) and copies the values into row r of `vectors`
 * (n_rows x dim, row-major), in host order.
 *
 * Returns W2V_OK, W2V_ERR_INVALID (n_bytes or n_rows < 0, dim outside 1..INT32_MAX) or
 * W2V_ERR_FORMAT with result->bad_row and result->problem set: at the first malformed
 * row the scan stops (rows before it are filled, result->end is where that row's word
 * starts); a NaN or an infinity does not stop it, so that a malformed row later on is
 * still the one reported, and W2V_ROW_NONFINITE names the first such row only after all
 * rows were scanned and filled. Bytes after the last row are not looked at.
 * vectors == NULL only finds the rows (nothing is copied, no value checked), for
 * w2v_copy_word2vec_vectors to copy them, possibly on several threads. */
int w2v_scan_word2vec_binary(const char *buffer, int64_t n_bytes, int64_t n_rows, int64_t dim,
                             int64_t *word_starts, int64_t *word_lengths, float *vectors,
                             w2v_scan_result *result);
/* Copies the vectors of n_rows rows found by w2v_scan_word2vec_binary in the same
 * buffer (the dim floats after each word and its space) into `vectors`, in host order.
 * Returns W2V_OK, W2V_ERR_INVALID (a row outside the buffer: nothing copied) or
 * W2V_ERR_FORMAT with *first_nonfinite the first row holding a NaN or an infinity (all
 * rows are still copied); *first_nonfinite is -1 otherwise. */
int w2v_copy_word2vec_vectors(const char *buffer, int64_t n_bytes, const int64_t *word_starts,
                              const int64_t *word_lengths, int64_t n_rows, int64_t dim,
                              float *vectors, int64_t *first_nonfinite);

#ifdef __cplusplus
}
#endif
#endif /* W2V_FORMAT_H */
