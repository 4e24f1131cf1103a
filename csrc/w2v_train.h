/*
 * pyw2v C core, training stage: token ids -> vectors. Contracts as in w2v.h.
 *
 * The word2vec family is built from three parts (docs/theory.md has the math):
 *   a step     one logistic update of a hidden vector h (the mean or sum of some input
 *              rows) against labelled output rows (step.c and its SIMD variants);
 *   a loss     turns "predict word w" into labelled output rows and owns its table:
 *              negative sampling (noise.c: w's row, label 1, and K noise rows, label 0)
 *              and hierarchical softmax (huffman.c: the inner nodes on w's path,
 *              label 1 - code bit);
 *   a planner  turns a sentence into steps: CBOW (plan_cbow.c: one step per center
 *              word, inputs = its context) and skip-gram (plan_sg.c: one step per
 *              (center, context) pair, input = the context word's row).
 * train.c runs the planners on threads over chunks of the corpus.
 */
#ifndef W2V_TRAIN_H
#define W2V_TRAIN_H

#include "w2v_base.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/* ---- negative sampling's table: the noise distribution (noise.c) -------------- */

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

/* counts[i] > 0 for all i; power finite (negative: rare words drawn more often); the
 * counts' powers must sum to a positive finite number. */
int w2v_noise_build(w2v_noise *noise, const int64_t *counts, int32_t n_words, double power);
void w2v_noise_free(w2v_noise *noise);
/* One draw from a 64-bit uniform random number. */
int32_t w2v_noise_draw(const w2v_noise *noise, uint64_t random64);
/* n draws with a generator seeded like a worker's (for tests and diagnostics). */
void w2v_noise_draws(const w2v_noise *noise, uint64_t seed, int64_t n, int32_t *out);

/* ---- hierarchical softmax's table: the Huffman tree (huffman.c) --------------- */

/* The binary Huffman tree of the word counts (word2vec.c's CreateBinaryTree): n_words
 * leaves, n_words - 1 inner nodes numbered 0..n_words-2 (the root is n_words - 2).
 * Word w's path from the root is entries [offsets[w], offsets[w+1])
 * of `points` (the inner nodes passed, root first) and `codes` (the branch taken at
 * each: 0 or 1). A vocabulary of one word has an empty path. */
typedef struct {
    int64_t *offsets; /* n_words + 1; owned */
    int32_t *points;  /* offsets[n_words] entries; owned */
    uint8_t *codes;   /* offsets[n_words] entries; owned */
    int32_t n_words;
    int32_t max_length; /* the longest path */
} w2v_huffman;

/* counts[i] > 0 for all i (any order; ties broken as word2vec.c does on sorted counts). */
int w2v_huffman_build(w2v_huffman *tree, const int64_t *counts, int32_t n_words);
void w2v_huffman_free(w2v_huffman *tree);

/* ---- frequent-word subsampling (subsample.c) ---------------------------------- */

/* keep[i] = min(1, (sqrt(f/t) + 1) * t / f) with f = counts[i] / sum(counts), t = sample;
 * sample == 0 disables subsampling (all 1). */
int w2v_subsample_keep_probs(const int64_t *counts, int32_t n_words, double sample, float *keep);

/* ---- the step: one logistic update (step.c) ----------------------------------- */

/* Per-thread scratch: never shared. */
typedef struct {
    float *hidden;      /* dim */
    float *grad_hidden; /* dim */
    uint64_t rng;       /* splitmix64 state, see rng.h */
} w2v_scratch;

int w2v_scratch_init(w2v_scratch *scratch, int32_t dim, uint64_t seed);
void w2v_scratch_free(w2v_scratch *scratch);

/* One step: h = in_scale * sum of the n_in >= 1 input rows; each of the n_out output rows
 * t scores x_t = o_t.h and moves by alpha (label_t - sigma(x_t)) h; every input row moves
 * by grad_scale * alpha sum_t (label_t - sigma(x_t)) o_t (o_t before its update). Rows
 * may repeat (an input row listed twice gets the update twice; a repeated output row
 * sees its first update before its second score). Labels are 0 or 1. */
typedef struct {
    float *const *in_rows;
    int32_t n_in;
    float in_scale;   /* 1 / n_in for the mean, 1 for the sum or a single row */
    float grad_scale; /* what the input rows get of -alpha dJ/dh (see step.c) */
    float *const *out_rows;
    const float *labels;
    int32_t n_out;
    int32_t distinct; /* 1: no output row repeats (the planner knows); 0: the step checks */
    /* NULL, or n_in factors: input row i moves by in_lockf[i] times its update (gensim's
     * vectors_lockf; 0 locks the row). Only w2v_step_portable honours it. */
    const float *in_lockf;
    /* 1: nobody reads the loss (gensim's compute_loss=False): the step returns 0 and
     * skips the -log sigma lookups; 0 (a zeroed step): it returns its loss */
    int32_t skip_loss;
} w2v_step;

/* Runs `step` on dim-float rows; returns its loss J = sum_t -log sigma(+-x_t) (sign by
 * label), computed before the update, or 0 with step->skip_loss. */
typedef double (*w2v_step_fn)(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                              w2v_scratch *scratch, float alpha);

/* Kernel variants, picked at run time from what the CPU supports. */
typedef enum {
    W2V_SIMD_AUTO = 0,
    W2V_SIMD_SCALAR = 1,
    W2V_SIMD_AVX2 = 2,
    W2V_SIMD_AVX512 = 3
} w2v_simd;

/* The step for `simd` (AUTO: the best the CPU runs) and vector size `dim`; NULL if the
 * CPU cannot run it. AVX-512 uses a register-resident kernel for dim <= 128, AVX2 a
 * column-blocked one for any dim (step_avx2.c). */
w2v_step_fn w2v_step_select(w2v_simd simd, int32_t dim);
/* The portable step (the scalar variant): the one that honours step->in_lockf. */
double w2v_step_portable(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                         w2v_scratch *scratch, float alpha);
/* The variant AUTO resolves to on this CPU. */
w2v_simd w2v_simd_best(void);

/* ---- the block step: skip-gram's batched form (step_block.c) ------------------ */

/* The most input and output rows of one block step. */
#define W2V_BLOCK_MAX_IN 64
#define W2V_BLOCK_MAX_OUT 64

/* A block step runs a w2v_step by another rule (Ji et al., "Parallelizing Word2Vec in
 * Shared and Distributed Memory", 2016: HogBatch): each of the n_in input rows a_i is a
 * hidden vector of its own, scored against the same n_out output rows o_t with labels:
 *     x_it = o_t.a_i,   s_it = alpha (label_t - sigma(x_it))
 *     a_i += sum_t s_it o_t,   o_t += sum_i s_it a_i
 * every update taken from the rows as they were before the block: one SGD step on the
 * block's loss J = sum_i sum_t -log sigma(+-x_it). A row listed twice gets the sum of its
 * updates. in_scale, grad_scale and distinct are not read; in_lockf is honoured by
 * w2v_block_portable only. 1 <= n_in <= W2V_BLOCK_MAX_IN, 1 <= n_out <= W2V_BLOCK_MAX_OUT.
 * Returns J, computed before the update. */
w2v_step_fn w2v_block_select(w2v_simd simd, int32_t dim);
double w2v_block_portable(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                          w2v_scratch *scratch, float alpha);

/* ---- the pair step: the skip-gram pairs of one center (step_pair.c) ------------ */

/* A pair step runs a w2v_step with n_in >= 1 input rows as one-row steps (in_scale and
 * grad_scale 1), input row 0, then 1, and so on, against the same output rows: exactly
 * n_in w2v_step_portable calls in a row, up to the float rounding of the fused variant,
 * which takes consecutive distinct rows two at a time. The skip-gram planner gives it a
 * center's context rows with hierarchical softmax alone (the same path, no noise). */
w2v_step_fn w2v_pair_select(w2v_simd simd, int32_t dim);
double w2v_pair_portable(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                         w2v_scratch *scratch, float alpha);

/* ---- the model (model.c) ------------------------------------------------------ */

/* Read-only hyperparameters. */
typedef struct {
    int32_t dim;            /* vector size d */
    int32_t window;         /* maximal window m; each center word draws m' in 1..m */
    int32_t negative;       /* noise words K per positive example (0: no negative sampling) */
    int32_t negative_reuse; /* >= 1: consecutive center words sharing one set of noise
                               draws (1: fresh draws for each, as word2vec.c); CBOW only */
    int32_t cbow_mean;      /* 1: hidden = mean of context rows; 0: their sum */
    int32_t exact_ctx_grad; /* 1: context rows get dJ/dh / |C| (exact gradient of the
                               mean); 0: dJ/dh itself (word2vec.c's convention) */
    int32_t n_threads;
    uint64_t seed;
    int32_t sg;             /* 0: CBOW (plan_cbow.c), 1: skip-gram (plan_sg.c) */
    int32_t hs;             /* 1: hierarchical softmax (with or without negative sampling) */
    int32_t shrink_windows; /* 1: each center draws its reach m' in 1..m; 0: m' = m */
    int32_t sg_batch;       /* 1: skip-gram's batched form: one block step per center word,
                               its context rows against the rows that predict it (its path,
                               its row and K noise rows drawn once for the window;
                               plan_sg.c); needs sg = 1 */
    int32_t skip_loss;      /* 1: no loss is computed (every step's skip_loss); the epoch's
                               loss_sum stays 0 */
} w2v_params;

/* Negative sampling: `out_vecs` (word2vec.c: syn1neg) and the noise table it owns. */
typedef struct {
    float *out_vecs; /* caller-owned; NULL: the loss is off */
    w2v_noise noise;
} w2v_ns_loss;

/* Hierarchical softmax: `node_vecs` (word2vec.c: syn1; one row per inner node) and the
 * Huffman tree it owns. */
typedef struct {
    float *node_vecs; /* caller-owned; NULL: the loss is off */
    w2v_huffman tree;
} w2v_hs_loss;

/* Shared weights and read-only tables. Every weight matrix has vocab_size rows of dim
 * floats, row_stride apart (>= dim; a multiple of 16 with a 64-byte aligned base keeps
 * every row on whole cache lines). */
typedef struct {
    float *in_vecs; /* word2vec.c: syn0; caller-owned */
    int32_t row_stride;
    const float *keep; /* vocab_size keep probabilities; caller-owned */
    /* NULL (the default), or vocab_size factors of each word's input-row updates (gensim's
     * vectors_lockf); caller-owned, set after w2v_model_init */
    const float *in_lockf;
    int32_t vocab_size;
    w2v_sigmoid sigmoid;
    w2v_ns_loss ns;
    w2v_hs_loss hs;
} w2v_model;

/* Builds the sigmoid table and the tables of the losses whose matrix is given (out_vecs:
 * the noise table, with ns_power; node_vecs: the Huffman tree of counts); at least one
 * of the two. The weight pointers are stored as given. */
int w2v_model_init(w2v_model *model, float *in_vecs, float *out_vecs, float *node_vecs,
                   int32_t row_stride, const float *keep, const int64_t *counts, int32_t vocab_size,
                   double ns_power);
void w2v_model_free(w2v_model *model);

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
    /* Nonzero: `bytes` are a read-only file mapping, whose pages the readers release
     * once read (w2v_release_pages), so that resident memory does not grow with the
     * corpus. Never for other memory. */
    int32_t release_pages;
} w2v_corpus;

/* Checks the bytes (W2V_ERR_FORMAT: a code is cut off or too large; W2V_ERR_INVALID: an
 * id >= vocab_size) and cuts them into chunks for n_threads workers (1..W2V_MAX_THREADS):
 * one chunk for one worker; for more, about W2V_CHUNK_WORDS words per chunk (one chunk
 * for a smaller corpus). Workers take the chunks in corpus order from a shared counter,
 * so they train on neighbouring text at the same time and none waits at the end of an
 * epoch for a slower one; chunk c of epoch e draws from random stream (e, c) whichever
 * worker takes it. Training calls it when the corpus is not prepared for its vocabulary
 * and thread count; calling it once before several epochs saves a pass over the corpus
 * per epoch. */
int w2v_corpus_prepare(w2v_corpus *corpus, int32_t vocab_size, int32_t n_threads);

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
    int64_t words;    /* tokens read (before subsampling) */
    int64_t examples; /* positive examples trained: CBOW, center words with a context;
                         skip-gram, (center, context) pairs */
    double loss_sum;  /* sum of J over those examples, double precision */
} w2v_epoch_stats;

/* Runs the planner of params->sg over one sentence of ids (no subsampling) on the calling
 * thread, with `step` (any w2v_step_fn: a kernel of the mode, a block kernel with
 * sg_batch, or a recording function in tests) and
 * the random stream `seed`; adds what it trained to stats (examples, loss_sum). */
int w2v_train_sentence(const w2v_params *params, const w2v_model *model, w2v_step_fn step,
                       uint64_t seed, const int32_t *sentence, int32_t n, float alpha,
                       w2v_epoch_stats *stats);

/* One epoch over `corpus` with params->n_threads threads, taking chunks in turn.
 * `epoch` perturbs the random streams. Returns W2V_OK, W2V_STOPPED (stop was
 * requested; `stats` holds what was done) or an error. */
int w2v_train_epoch(const w2v_params *params, w2v_model *model, w2v_corpus *corpus,
                    const w2v_schedule *schedule, w2v_progress *progress, int64_t epoch,
                    w2v_simd simd, w2v_epoch_stats *stats);

/* ---- reconciling replicas (merge_rows.c) ------------------------------------- */

/* Three passes merge the rows that replicas changed into matrix (rows of dim floats,
 * `stride` floats apart). rows[0..n_rows) are the changed rows (compact index j);
 * merged (n_rows x dim) and touched (n_rows) start at zero. For each replica: w2v_merge_add with
 * at[i] = the compact index of its i-th row and values its rows' values (n x dim). Then
 * w2v_merge_finish writes the rows two or more replicas changed into matrix and merged:
 * w_j times the sum of their deltas, with w_j from the row's retention q = retention[r]
 * (one per row of matrix in [0, 1]: 0 the mean, 1 the sum; NULL for sums everywhere; the
 * formula in merge_rows.c); then w2v_merge_take_alone,
 * for each replica again, the rows it alone changed (its values exactly). With `last` (a
 * matrix of the same rows, dim floats apart: each row's last applied change), the rows
 * several replicas changed also move by rate times it, and both record the change they
 * apply in it (block momentum); NULL: none. Indices are trusted (the caller computes them). */
void w2v_merge_add(const float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                   const int64_t *at, int64_t n, const float *values, float *merged,
                   int32_t *touched);
void w2v_merge_finish(float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                      int64_t n_rows, float *merged, const int32_t *touched, const float *retention,
                      float *last, float rate);
void w2v_merge_take_alone(float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                          const int64_t *at, int64_t n, const float *values, float *merged,
                          const int32_t *touched, float *last);

#ifdef __cplusplus
}
#endif
#endif /* W2V_TRAIN_H */
