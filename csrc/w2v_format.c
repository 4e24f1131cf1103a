/*
 * The rows of word2vec.c's binary vector format; see w2v.h for the contract.
 *
 * After the header line "V d\n" come V rows, each
 *     [\n ...] word ' ' v_1 ... v_d
 * with v_i little-endian IEEE float32. word2vec.c ends every row with a newline,
 * gensim 4 with none; both readers skip newlines before a word, so either layout, or a
 * mix, reads alike. A word is the bytes up to the first space. The vector bytes are
 * arbitrary (spaces and newlines included) and are only checked for NaN and infinities.
 *
 * Error policy: a word that is empty, holds a newline or runs past W2V_MAX_WORD_BYTES,
 * and a row that runs past the buffer, stop the scan at that row: all mean a corrupt or
 * cut file, or a header whose d is wrong. A non-finite value is only noted (the first
 * row holding one is reported once all rows are read), so that a malformed row after it
 * is still the error reported.
 */
#include <stdint.h>
#include <string.h>

#include "w2v.h"

#define W2V_FLOAT_EXPONENT 0x7f800000u
#define W2V_SCAN_AHEAD 16

/* Copies one row's vector; returns whether every value is finite (an infinity or a
 * NaN has all exponent bits set). */
static int copy_vector(float *dst, const unsigned char *src, int64_t dim) {
    memcpy(dst, src, (size_t)dim * sizeof(float));
    uint32_t largest = 0;
    for (int64_t i = 0; i < dim; i++) {
        uint32_t bits;
        memcpy(&bits, dst + i, sizeof bits);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        bits = __builtin_bswap32(bits);
        memcpy(dst + i, &bits, sizeof bits);
#endif
        bits &= 0x7fffffffu;
        largest = bits > largest ? bits : largest;
    }
    return largest < W2V_FLOAT_EXPONENT;
}

int w2v_scan_word2vec_binary(const char *buffer, int64_t n_bytes, int64_t n_rows, int64_t dim,
                             int64_t *word_starts, int64_t *word_lengths, float *vectors,
                             w2v_scan_result *result) {
    result->end = 0;
    result->bad_row = -1;
    result->problem = W2V_ROW_OK;
    if (n_bytes < 0 || n_rows < 0 || dim <= 0 || dim > INT32_MAX) return W2V_ERR_INVALID;
    const unsigned char *buf = (const unsigned char *)buffer;
    const int64_t vector_bytes = 4 * dim;
    int64_t pos = 0;
    int64_t first_nonfinite = -1;
    for (int64_t row = 0; row < n_rows; row++) {
        while (pos < n_bytes && buf[pos] == '\n') pos++;
        const int64_t left = n_bytes - pos;
        const int64_t reach = left < W2V_MAX_WORD_BYTES + 1 ? left : W2V_MAX_WORD_BYTES + 1;
        const unsigned char *space = reach > 0 ? memchr(buf + pos, ' ', (size_t)reach) : NULL;
        w2v_row_problem problem = W2V_ROW_OK;
        int64_t word_len = space ? space - (buf + pos) : 0;
        if (!space)
            problem = left > W2V_MAX_WORD_BYTES ? W2V_ROW_LONG_WORD : W2V_ROW_TRUNCATED;
        else if (word_len == 0)
            problem = W2V_ROW_EMPTY_WORD;
        else if (memchr(buf + pos, '\n', (size_t)word_len))
            problem = W2V_ROW_NEWLINE_IN_WORD;
        else if (vector_bytes > left - word_len - 1)
            problem = W2V_ROW_TRUNCATED;
        if (problem != W2V_ROW_OK) {
            result->end = pos;
            result->bad_row = row;
            result->problem = problem;
            return W2V_ERR_FORMAT;
        }
        word_starts[row] = pos;
        word_lengths[row] = word_len;
        pos += word_len + 1;
#if defined(__GNUC__)
        if (!vectors) {
            /* Only finding rows is bound by memory latency, one row after another:
             * fetch where the row W2V_SCAN_AHEAD rows on probably starts. */
            const int64_t ahead = pos + W2V_SCAN_AHEAD * (vector_bytes + word_len + 1);
            if (ahead < n_bytes - 64) {
                __builtin_prefetch(buf + ahead);
                __builtin_prefetch(buf + ahead + 64);
            }
        }
#endif
        if (vectors && !copy_vector(vectors + row * dim, buf + pos, dim) && first_nonfinite < 0)
            first_nonfinite = row;
        pos += vector_bytes;
    }
    result->end = pos;
    if (first_nonfinite >= 0) {
        result->bad_row = first_nonfinite;
        result->problem = W2V_ROW_NONFINITE;
        return W2V_ERR_FORMAT;
    }
    return W2V_OK;
}

int w2v_copy_word2vec_vectors(const char *buffer, int64_t n_bytes, const int64_t *word_starts,
                              const int64_t *word_lengths, int64_t n_rows, int64_t dim,
                              float *vectors, int64_t *first_nonfinite) {
    *first_nonfinite = -1;
    if (n_bytes < 0 || n_rows < 0 || dim <= 0 || dim > INT32_MAX) return W2V_ERR_INVALID;
    const unsigned char *buf = (const unsigned char *)buffer;
    for (int64_t row = 0; row < n_rows; row++) {
        const int64_t at = word_starts[row] + word_lengths[row] + 1;
        if (word_starts[row] < 0 || word_lengths[row] < 0 || at > n_bytes - 4 * dim)
            return W2V_ERR_INVALID;
    }
    for (int64_t row = 0; row < n_rows; row++) {
        const int64_t at = word_starts[row] + word_lengths[row] + 1;
        if (!copy_vector(vectors + row * dim, buf + at, dim) && *first_nonfinite < 0)
            *first_nonfinite = row;
    }
    if (*first_nonfinite >= 0) return W2V_ERR_FORMAT;
    return W2V_OK;
}
