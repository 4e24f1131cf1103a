/*
 * pyw2v C core: CBOW with negative sampling.
 *
 * The one public header: types, error codes, prototypes and their contracts.
 *
 * Naming: SPEC.md's input vectors a_w are `in_vecs` (word2vec.c: syn0), its output
 * vectors b_w are `out_vecs` (word2vec.c: syn1neg).
 *
 * Memory: the caller (the Python binding) owns the weight matrices, the keep
 * probabilities and the token-id array; the core never frees them. Objects created
 * by a `w2v_*_new` / `w2v_*_build` function are freed by the matching `_free`.
 *
 * Threads: everything is re-entrant (no globals). During `w2v_train_epoch` the
 * weights are written by all worker threads without locks (Hogwild, see train.c);
 * the only other functions that may run concurrently with it are the
 * `w2v_progress_*` readers and `w2v_progress_request_stop`.
 */
#ifndef W2V_H
#define W2V_H

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
/* Workers publish progress and check the stop flag every this many words. */
#define W2V_PROGRESS_WORDS 10000
/* Longer tokens are truncated to this many bytes when text is tokenized. */
#define W2V_MAX_TOKEN_BYTES 4096
/* Upper bounds that keep every size computation far from overflow. */
#define W2V_MAX_DIM 100000
#define W2V_MAX_THREADS 1024

/* ---- sigmoid table (sigmoid.c) ------------------------------------------------ */

/* sigma(x) = 1 / (1 + e^-x) tabulated on [-W2V_MAX_EXP, W2V_MAX_EXP] like word2vec.c
 * (1000 entries, MAX_EXP 6); entry i holds the value at the centre of bin i. */
#define W2V_MAX_EXP 6.0f
#define W2V_SIGMOID_SIZE 1000

typedef struct {
    float sigma[W2V_SIGMOID_SIZE];
    /* softplus(-x) = -log sigma(x), the loss of a positive label, same bins */
    float neg_log_sigma[W2V_SIGMOID_SIZE];
} w2v_sigmoid;

void w2v_sigmoid_init(w2v_sigmoid *table);
/* sigma(x) from the table; exactly 0 below -MAX_EXP and 1 above MAX_EXP (saturation). */
float w2v_sigmoid_value(const w2v_sigmoid *table, float x);
/* -log sigma(x) from the table; 0 above MAX_EXP and -x below -MAX_EXP (its asymptotes). */
float w2v_sigmoid_neg_log(const w2v_sigmoid *table, float x);

/* ---- noise distribution (noise.c) --------------------------------------------- */

/* Walker's alias method (Vose 1991) for P_n(w) proportional to count(w)^power:
 * bucket b is chosen uniformly, then b itself is returned if the low 32 random bits
 * are below `threshold`, else `alias`. 8 bytes per word. */
typedef struct {
    uint32_t threshold;
    int32_t alias;
} w2v_alias_slot;

typedef struct {
    w2v_alias_slot *slots; /* owned; n_words entries */
    int32_t n_words;
} w2v_noise;

/* counts[i] > 0 for all i; power finite and >= 0. */
int w2v_noise_build(w2v_noise *noise, const int64_t *counts, int32_t n_words, double power);
void w2v_noise_free(w2v_noise *noise);
/* One draw from a 64-bit uniform random number. */
int32_t w2v_noise_draw(const w2v_noise *noise, uint64_t random64);
/* n draws with a generator seeded like a worker's (for tests and diagnostics). */
void w2v_noise_draws(const w2v_noise *noise, uint64_t seed, int64_t n, int32_t *out);

/* ---- frequent-word subsampling (subsample.c) ---------------------------------- */

/* keep[i] = min(1, (sqrt(f/t) + 1) * t / f) with f = counts[i] / sum(counts), t = sample;
 * sample == 0 disables subsampling (all 1). */
int w2v_subsample_keep_probs(const int64_t *counts, int32_t n_words, double sample, float *keep);

/* ---- the model and the kernel (cbow_ns.c) ------------------------------------- */

/* Read-only hyperparameters. */
typedef struct {
    int32_t dim;            /* vector size d */
    int32_t window;         /* maximal window m; each center word draws m' in 1..m */
    int32_t negative;       /* noise words K per center word */
    int32_t negative_reuse; /* >= 1: consecutive center words sharing one set of noise
                               draws (1: fresh draws for each, as word2vec.c) */
    int32_t cbow_mean;      /* 1: hidden = mean of context rows; 0: their sum */
    int32_t exact_ctx_grad; /* 1: context rows get dJ/dh / |C| (exact gradient of the
                               mean); 0: dJ/dh itself (word2vec.c's convention) */
    int32_t n_threads;
    uint64_t seed;
} w2v_params;

/* Shared weights and read-only tables. */
typedef struct {
    float *in_vecs;        /* vocab_size rows of dim floats, row_stride apart; caller-owned */
    float *out_vecs;       /* the same layout; caller-owned */
    int32_t row_stride;    /* floats from one row to the next, >= dim; a multiple of 16 with a
                              64-byte aligned base keeps every row on whole cache lines */
    const float *keep;     /* vocab_size keep probabilities; caller-owned */
    int32_t vocab_size;
    w2v_noise noise;       /* owned by the model: w2v_model_init / w2v_model_free */
    w2v_sigmoid sigmoid;
} w2v_model;

/* Per-thread scratch: never shared. */
typedef struct {
    float *hidden;      /* dim */
    float *grad_hidden; /* dim */
    uint64_t rng;       /* splitmix64 state, see rng.h */
} w2v_scratch;

/* Builds the noise and sigmoid tables; the weight pointers are stored as given. */
int w2v_model_init(w2v_model *model, float *in_vecs, float *out_vecs, int32_t row_stride,
                   const float *keep, const int64_t *counts, int32_t vocab_size,
                   double ns_power);
void w2v_model_free(w2v_model *model);

int w2v_scratch_init(w2v_scratch *scratch, int32_t dim, uint64_t seed);
void w2v_scratch_free(w2v_scratch *scratch);

/* Kernel variants, picked at run time from what the CPU supports. */
typedef enum { W2V_SIMD_AUTO = 0, W2V_SIMD_SCALAR = 1, W2V_SIMD_AVX2 = 2, W2V_SIMD_AVX512 = 3 } w2v_simd;

/* One SGD step of CBOW negative sampling with explicit targets: targets[0] is the
 * center word (label 1), targets[1..n_targets-1] are noise words (label 0).
 * ctx holds the n_ctx >= 1 context word ids (repeats allowed). Returns the loss J of
 * the step, computed before the update. Ids must be in [0, vocab_size). */
typedef double (*w2v_cbow_ns_fn)(const w2v_params *params, w2v_model *model, w2v_scratch *scratch,
                                 const int32_t *ctx, int32_t n_ctx, const int32_t *targets,
                                 int32_t n_targets, float alpha);

/* The kernel for `simd` (AUTO: the best the CPU runs) and vector size `dim`; NULL if
 * the CPU cannot run it. AVX-512 uses a register-resident kernel for dim <= 128, AVX2
 * a column-blocked one for any dim (cbow_ns_avx2.c). */
w2v_cbow_ns_fn w2v_cbow_ns_select(w2v_simd simd, int32_t dim);
/* The variant AUTO resolves to on this CPU. */
w2v_simd w2v_simd_best(void);

/* ---- training (train.c) ------------------------------------------------------- */

/* The token ids of the whole corpus, packed (packed.c): 1 to 5 bytes per id, frequent
 * (small) ids shortest, and one byte per sentence end; 1.55 bytes per token on W1. */
#define W2V_CHUNK_WORDS 16384 /* words per chunk the workers take in turn */
#define W2V_MAX_CHUNKS (8 * W2V_MAX_THREADS)
typedef struct {
    const uint8_t *bytes;
    int64_t n_bytes;
    /* Set by w2v_corpus_prepare (zero n_threads when bytes change): the bytes were
     * checked against a vocabulary of vocab_size words and cut for n_threads workers into
     * n_chunks chunks of whole sentences holding about the same number of words, chunk c
     * being bytes [cuts[c], cuts[c + 1]). n_threads = 0: not prepared. */
    int32_t vocab_size, n_threads, n_chunks;
    int64_t cuts[W2V_MAX_CHUNKS + 1];
} w2v_corpus;

/* Checks the bytes (W2V_ERR_FORMAT: a code is cut off or too large; W2V_ERR_INVALID: an
 * id >= vocab_size) and cuts them into chunks for n_threads workers (1..W2V_MAX_THREADS):
 * one chunk for one worker; for more, about W2V_CHUNK_WORDS words per chunk and at
 * least 4 chunks per worker. Workers take the chunks in corpus order from a shared
 * counter, so they train on neighbouring text at the same time and none waits at the
 * end of an epoch for a slower one. Training calls it when the corpus is not prepared
 * for its vocabulary and thread count; calling it once before several epochs saves a
 * pass over the corpus per epoch. */
int w2v_corpus_prepare(w2v_corpus *corpus, int32_t vocab_size, int32_t n_threads);

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
int w2v_pack_ids(const int32_t *ids, int64_t n_ids, uint8_t *out, int64_t capacity,
                 int64_t *n_out);
/* Decodes packed bytes into ids (-1 ends a sentence). Returns W2V_ERR_FORMAT if a code
 * is cut off or too large, W2V_ERR_CAPACITY if out is too small. */
int w2v_unpack_ids(const uint8_t *bytes, int64_t n_bytes, int32_t *out, int64_t capacity,
                   int64_t *n_out);
/* Checks packed bytes (W2V_ERR_FORMAT as above; W2V_ERR_INVALID for an id >= vocab_size)
 * and counts their words and sentence ends. */
int w2v_packed_scan(const uint8_t *bytes, int64_t n_bytes, int32_t vocab_size, int64_t *n_words,
                    int64_t *n_sentences);

/* Linear learning-rate decay over one `train` call of several epochs:
 * alpha = alpha_start - (alpha_start - alpha_end) * done / words_total, done being
 * words_before + the words of this epoch processed so far (clamped at alpha_end). */
typedef struct {
    float alpha_start;
    float alpha_end;
    int64_t words_before;
    int64_t words_total;
} w2v_schedule;

float w2v_schedule_alpha(const w2v_schedule *schedule, int64_t words_done_in_epoch);

/* n reduced-window reaches m' in 1..window as the workers draw them (for tests). */
int w2v_window_reaches(uint64_t seed, int32_t window, int64_t n, int32_t *out);

/* Shared between the workers and a reader thread; opaque. */
typedef struct w2v_progress w2v_progress;

w2v_progress *w2v_progress_new(int32_t n_threads);
void w2v_progress_free(w2v_progress *progress);
/* Clears the counters (w2v_train_epoch does, before each epoch). A stop once requested
 * stays: a request made while an epoch is starting must not be lost, so a stopped
 * progress is not reused (make a new one). */
void w2v_progress_reset(w2v_progress *progress);
void w2v_progress_request_stop(w2v_progress *progress);
int64_t w2v_progress_words(const w2v_progress *progress);
/* Sum of the losses and the number of positive examples published so far. */
void w2v_progress_loss(const w2v_progress *progress, double *loss_sum, int64_t *n_examples);
float w2v_progress_alpha(const w2v_progress *progress);

typedef struct {
    int64_t words;      /* tokens read (before subsampling) */
    int64_t examples;   /* positive examples trained (center words with a context) */
    double loss_sum;    /* sum of J over those examples, double precision */
} w2v_epoch_stats;

/* One epoch over `corpus` with params->n_threads threads, taking chunks in turn.
 * `epoch` perturbs the random streams. Returns W2V_OK, W2V_STOPPED (stop was
 * requested; `stats` holds what was done) or an error. */
int w2v_train_epoch(const w2v_params *params, w2v_model *model, w2v_corpus *corpus,
                    const w2v_schedule *schedule, w2v_progress *progress, int64_t epoch,
                    w2v_simd simd, w2v_epoch_stats *stats);

/* ---- text: counting and encoding (vocab_count.c, encode.c) -------------------- */

/* Tokens are maximal runs of bytes other than ASCII space, \t, \n, \v, \f, \r and NUL;
 * a line is a sentence, and lines of more than W2V_MAX_SENTENCE tokens are split.
 * Invalid UTF-8 in a token is replaced by U+FFFD, so every token is valid UTF-8. */
typedef struct {
    int64_t tokens;          /* tokens seen */
    int64_t sentences;       /* non-empty sentences seen (after splitting) */
    int64_t invalid_tokens;  /* tokens that had invalid UTF-8 replaced */
    int64_t truncated_tokens;/* tokens longer than W2V_MAX_TOKEN_BYTES */
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
#endif /* W2V_H */
