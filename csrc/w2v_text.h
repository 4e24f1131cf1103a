/*
 * pyw2v C core, first stage: text -> word counts -> token ids (vocab_count.c, encode.c,
 * packed.c). Contracts as in w2v.h.
 */
#ifndef W2V_TEXT_H
#define W2V_TEXT_H

#include "w2v_base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- text: counting and encoding (vocab_count.c, encode.c) -------------------- */

/* Tokens are maximal runs of bytes other than ASCII space, \t, \n, \v, \f, \r and NUL;
 * a line is a sentence, and lines of more than W2V_MAX_SENTENCE tokens are split.
 * Invalid UTF-8 in a token is replaced by U+FFFD, so every token is valid UTF-8. */
typedef struct {
    int64_t tokens;           /* tokens seen */
    int64_t sentences;        /* non-empty sentences seen (after splitting) */
    int64_t invalid_tokens;   /* tokens that had invalid UTF-8 replaced */
    int64_t truncated_tokens; /* tokens longer than W2V_MAX_TOKEN_BYTES */
} w2v_text_stats;

typedef struct w2v_counter w2v_counter;

/* max_size > 0: when more than max_size distinct words are held, words with count
 * <= threshold are dropped and threshold grows by one (word2vec.c's ReduceVocab);
 * max_size <= 0: no limit. */
w2v_counter *w2v_counter_new(int64_t max_size);
void w2v_counter_free(w2v_counter *counter);
/* Feeds the next bytes of the text; a token may span calls. final = 1 on the last call. */
int w2v_counter_feed(w2v_counter *counter, const char *bytes, int64_t n_bytes, int final);
const w2v_text_stats *w2v_counter_stats(const w2v_counter *counter);
int64_t w2v_counter_size(const w2v_counter *counter);
/* Total bytes of all distinct words (to size the buffer of w2v_counter_export). */
int64_t w2v_counter_bytes(const w2v_counter *counter);
/* Current pruning threshold (0 if the counter never pruned). */
int64_t w2v_counter_min_reduce(const w2v_counter *counter);
/* Writes words in first-seen order: word i is bytes[offsets[i]:offsets[i+1]],
 * offsets has size()+1 entries, counts size() entries. */
void w2v_counter_export(const w2v_counter *counter, char *bytes, int64_t *offsets, int64_t *counts);
/* Makes the counter also keep the text as packed ids of first-seen order (word i of
 * w2v_counter_export is id i; a sentence end after each sentence with a token), so that
 * one pass over the text both counts and encodes it: w2v_packed_remap then maps those ids
 * to the final vocabulary's. Only without pruning (max_size <= 0) and before the first
 * feed: W2V_ERR_INVALID otherwise. A recording that would outgrow max_bytes, or that
 * cannot grow (out of memory), is dropped (its memory freed) and the counter goes on
 * counting only. */
int w2v_counter_record(w2v_counter *counter, int64_t max_bytes);
/* Adds the words, counts and text statistics of src (a counter fed to its end) to
 * counter; src's words that counter lacks are appended in src's first-seen order, so
 * counting two halves of a text (cut after a newline) and merging the second into the
 * first gives the counts and order of counting the whole. map[i] = the index in counter
 * of src's word i (w2v_counter_size(src) entries). W2V_ERR_INVALID if either counter
 * prunes (max_size > 0), whose counts would depend on the cut. */
int w2v_counter_merge(w2v_counter *counter, const w2v_counter *src, int32_t *map);
/* map[i] = the index in words (word j is bytes[offsets[j]:offsets[j+1]], n_words of
 * them) of the counter's word i (the order of w2v_counter_export), or -1 if absent:
 * the map that w2v_packed_remap takes from the recording to the ids of `words`. */
void w2v_counter_map_words(const w2v_counter *counter, const char *bytes, const int64_t *offsets,
                           int32_t n_words, int32_t *map);
/* The recording, *n_bytes bytes of packed ids at *bytes; W2V_ERR_INVALID if the counter
 * does not record (never did, or dropped the recording). */
int w2v_counter_recording(const w2v_counter *counter, const uint8_t **bytes, int64_t *n_bytes);

typedef struct w2v_encoder w2v_encoder;

/* Word i of the vocabulary is bytes[offsets[i]:offsets[i+1]]; ids are 0..n_words-1. */
w2v_encoder *w2v_encoder_new(const char *bytes, const int64_t *offsets, int32_t n_words);
void w2v_encoder_free(w2v_encoder *encoder);
/* Appends the ids of in-vocabulary tokens to out[*n_out..capacity), and -1 after each
 * sentence that produced an id. Returns W2V_ERR_CAPACITY if out is too small. */
int w2v_encoder_feed(w2v_encoder *encoder, const char *bytes, int64_t n_bytes, int final,
                     int32_t *out, int64_t capacity, int64_t *n_out);
/* Id of a word, or -1. */
int32_t w2v_encoder_lookup(const w2v_encoder *encoder, const char *token, int32_t n_bytes);
const w2v_text_stats *w2v_encoder_stats(const w2v_encoder *encoder);

/* ---- packed token ids (packed.c) ---------------------------------------------- */

/* Bytes the packed code takes for `id` (-1, a sentence end, takes 1); 0 if id < -1. */
int32_t w2v_packed_width(int32_t id);
/* Re-encodes packed ids src[0..n_src) through map (n_map entries: the new id of each old
 * id, or -1 to drop it), appending to out[*n_out..capacity); a sentence end is kept after
 * a sentence that kept a word. Returns W2V_ERR_FORMAT for a malformed code or an id >=
 * n_map, W2V_ERR_CAPACITY if out is too small (*n_out then counts the bytes written). */
int w2v_packed_remap(const uint8_t *src, int64_t n_src, const int32_t *map, int64_t n_map,
                     uint8_t *out, int64_t capacity, int64_t *n_out);
/* Appends the codes of ids[0..n_ids) (-1 ends a sentence) to out[*n_out..capacity).
 * Returns W2V_ERR_INVALID for an id < -1, W2V_ERR_CAPACITY if out is too small (*n_out
 * then counts the ids that fitted). */
int w2v_pack_ids(const int32_t *ids, int64_t n_ids, uint8_t *out, int64_t capacity, int64_t *n_out);
/* Decodes packed bytes into ids (-1 ends a sentence). Returns W2V_ERR_FORMAT if a code
 * is cut off or too large, W2V_ERR_CAPACITY if out is too small. */
int w2v_unpack_ids(const uint8_t *bytes, int64_t n_bytes, int32_t *out, int64_t capacity,
                   int64_t *n_out);
/* Checks packed bytes (W2V_ERR_FORMAT as above; W2V_ERR_INVALID for an id >= vocab_size)
 * and counts their words and sentence ends. */
int w2v_packed_scan(const uint8_t *bytes, int64_t n_bytes, int32_t vocab_size, int64_t *n_words,
                    int64_t *n_sentences);
/* w2v_packed_scan; with `release`, also drops the pages it has read (w2v_pager): for
 * bytes in a read-only file mapping only. */
int w2v_packed_scan_pages(const uint8_t *bytes, int64_t n_bytes, int32_t vocab_size, int release,
                          int64_t *n_words, int64_t *n_sentences);
#define W2V_MAX_SLICES (1 << 20)
#define W2V_MAX_CUT_WORDS ((int64_t)1 << 42)
/* Cuts packed bytes holding n_words words (w2v_packed_scan) into n_slices slices of about
 * equal word counts, each ending just after a sentence end: cuts[j] (j = 1..n_slices-1)
 * is the offset just after the first sentence end by which at least n_words j / n_slices
 * words have been read (n_bytes if none), cuts[0] = 0, cuts[n_slices] = n_bytes;
 * words[j] is the word count of slice j. `release` as for w2v_packed_scan_pages.
 * Returns W2V_ERR_FORMAT for a malformed code, W2V_ERR_INVALID for n_slices outside
 * 1..W2V_MAX_SLICES or n_words outside 0..W2V_MAX_CUT_WORDS. */
int w2v_packed_cut(const uint8_t *bytes, int64_t n_bytes, int64_t n_words, int32_t n_slices,
                   int release, int64_t *cuts, int64_t *words);

#ifdef __cplusplus
}
#endif
#endif /* W2V_TEXT_H */
