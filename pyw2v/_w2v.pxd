# The C core's contract (csrc/w2v.h) as Cython sees it.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t


cdef extern from "w2v.h" nogil:
    ctypedef enum w2v_status:
        W2V_OK
        W2V_ERR_NOMEM
        W2V_ERR_INVALID
        W2V_ERR_THREAD
        W2V_ERR_CAPACITY
        W2V_STOPPED
        W2V_ERR_FORMAT

    int W2V_MAX_SENTENCE
    int W2V_MAX_TOKEN_BYTES
    int W2V_MAX_DIM
    int W2V_MAX_THREADS
    int W2V_BLOCK_MAX_IN
    int W2V_BLOCK_MAX_OUT
    int W2V_MAX_SLICES
    int64_t W2V_MAX_CUT_WORDS
    int W2V_SIGMOID_SIZE
    float W2V_MAX_EXP

    ctypedef struct w2v_sigmoid:
        float sigma[1000]
        float neg_log_sigma[1000]

    void w2v_sigmoid_init(w2v_sigmoid *table)
    float w2v_sigmoid_value(const w2v_sigmoid *table, float x)
    float w2v_sigmoid_neg_log(const w2v_sigmoid *table, float x)

    ctypedef struct w2v_alias_slot:
        uint32_t threshold
        int32_t alias

    ctypedef struct w2v_noise:
        w2v_alias_slot *slots
        int32_t n_words

    int w2v_noise_build(w2v_noise *noise, const int64_t *counts, int32_t n_words, double power)
    void w2v_noise_free(w2v_noise *noise)
    void w2v_noise_draws(const w2v_noise *noise, uint64_t seed, int64_t n, int32_t *out)

    ctypedef struct w2v_huffman:
        int64_t *offsets
        int32_t *points
        uint8_t *codes
        int32_t n_words
        int32_t max_length

    int w2v_huffman_build(w2v_huffman *tree, const int64_t *counts, int32_t n_words)
    void w2v_huffman_free(w2v_huffman *tree)

    int w2v_subsample_keep_probs(const int64_t *counts, int32_t n_words, double sample,
                                 float *keep)

    ctypedef struct w2v_params:
        int32_t dim
        int32_t window
        int32_t negative
        int32_t negative_reuse
        int32_t cbow_mean
        int32_t exact_ctx_grad
        int32_t n_threads
        uint64_t seed
        int32_t sg
        int32_t hs
        int32_t shrink_windows
        int32_t sg_batch
        int32_t skip_loss

    ctypedef struct w2v_ns_loss:
        float *out_vecs
        w2v_noise noise

    ctypedef struct w2v_hs_loss:
        float *node_vecs
        w2v_huffman tree

    ctypedef struct w2v_model:
        float *in_vecs
        int32_t row_stride
        const float *keep
        const float *in_lockf
        int32_t vocab_size
        w2v_sigmoid sigmoid
        w2v_ns_loss ns
        w2v_hs_loss hs

    ctypedef struct w2v_scratch:
        float *hidden
        float *grad_hidden
        uint64_t rng

    int w2v_model_init(w2v_model *model, float *in_vecs, float *out_vecs, float *node_vecs,
                       int32_t row_stride, const float *keep, const int64_t *counts,
                       int32_t vocab_size, double ns_power)
    void w2v_model_free(w2v_model *model)
    int w2v_scratch_init(w2v_scratch *scratch, int32_t dim, uint64_t seed)
    void w2v_scratch_free(w2v_scratch *scratch)

    ctypedef struct w2v_step:
        float **in_rows
        int32_t n_in
        float in_scale
        float grad_scale
        float **out_rows
        const float *labels
        int32_t n_out
        int32_t distinct
        const float *in_lockf
        int32_t skip_loss

    ctypedef enum w2v_simd:
        W2V_SIMD_AUTO
        W2V_SIMD_SCALAR
        W2V_SIMD_AVX2
        W2V_SIMD_AVX512

    double w2v_step_portable(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                             w2v_scratch *scratch, float alpha) nogil
    ctypedef double (*w2v_step_fn)(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                                   w2v_scratch *scratch, float alpha)
    w2v_step_fn w2v_step_select(w2v_simd simd, int32_t dim)
    double w2v_block_portable(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                              w2v_scratch *scratch, float alpha) nogil
    w2v_step_fn w2v_block_select(w2v_simd simd, int32_t dim)
    w2v_step_fn w2v_pair_select(w2v_simd simd, int32_t dim)
    double w2v_pair_portable(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                             w2v_scratch *scratch, float alpha) nogil
    w2v_simd w2v_simd_best()

    ctypedef struct w2v_corpus:
        const uint8_t *bytes
        int64_t n_bytes
        int32_t vocab_size
        int32_t n_threads
        int32_t release_pages

    int w2v_corpus_prepare(w2v_corpus *corpus, int32_t vocab_size, int32_t n_threads) nogil

    int32_t w2v_packed_width(int32_t id)
    int w2v_pack_ids(const int32_t *ids, int64_t n_ids, uint8_t *out, int64_t capacity,
                     int64_t *n_out) nogil
    int w2v_packed_remap(const uint8_t *src, int64_t n_src, const int32_t *map, int64_t n_map,
                         uint8_t *out, int64_t capacity, int64_t *n_out) nogil
    int w2v_unpack_ids(const uint8_t *bytes, int64_t n_bytes, int32_t *out, int64_t capacity,
                       int64_t *n_out) nogil
    int w2v_packed_scan(const uint8_t *bytes, int64_t n_bytes, int32_t vocab_size,
                        int64_t *n_words, int64_t *n_sentences) nogil
    int w2v_packed_scan_pages(const uint8_t *bytes, int64_t n_bytes, int32_t vocab_size,
                              int release, int64_t *n_words, int64_t *n_sentences) nogil
    int w2v_packed_cut(const uint8_t *bytes, int64_t n_bytes, int64_t n_words, int32_t n_slices,
                       int release, int64_t *cuts, int64_t *words) nogil

    ctypedef struct w2v_schedule:
        float alpha_start
        float alpha_end
        int64_t words_before
        int64_t words_total

    float w2v_schedule_alpha(const w2v_schedule *schedule, int64_t words_done_in_epoch)
    int w2v_window_reaches(uint64_t seed, int32_t window, int64_t n, int32_t *out)

    ctypedef struct w2v_progress:
        pass

    w2v_progress *w2v_progress_new(int32_t n_threads)
    void w2v_progress_free(w2v_progress *progress)
    void w2v_progress_request_stop(w2v_progress *progress)
    int64_t w2v_progress_words(const w2v_progress *progress)
    void w2v_progress_loss(const w2v_progress *progress, double *loss_sum, int64_t *n_examples)
    float w2v_progress_alpha(const w2v_progress *progress)

    ctypedef struct w2v_epoch_stats:
        int64_t words
        int64_t examples
        double loss_sum

    int w2v_train_sentence(const w2v_params *params, const w2v_model *model, w2v_step_fn step,
                           uint64_t seed, const int32_t *sentence, int32_t n, float alpha,
                           w2v_epoch_stats *stats)

    int w2v_train_epoch(const w2v_params *params, w2v_model *model, w2v_corpus *corpus,
                        const w2v_schedule *schedule, w2v_progress *progress, int64_t epoch,
                        w2v_simd simd, w2v_epoch_stats *stats)

    ctypedef struct w2v_text_stats:
        int64_t tokens
        int64_t sentences
        int64_t invalid_tokens
        int64_t truncated_tokens

    ctypedef struct w2v_counter:
        pass

    w2v_counter *w2v_counter_new(int64_t max_size)
    void w2v_counter_free(w2v_counter *counter)
    int w2v_counter_feed(w2v_counter *counter, const char *bytes, int64_t n_bytes, int final)
    const w2v_text_stats *w2v_counter_stats(const w2v_counter *counter)
    int64_t w2v_counter_size(const w2v_counter *counter)
    int64_t w2v_counter_bytes(const w2v_counter *counter)
    int64_t w2v_counter_min_reduce(const w2v_counter *counter)
    int w2v_counter_record(w2v_counter *counter, int64_t max_bytes)
    int w2v_counter_merge(w2v_counter *counter, const w2v_counter *src, int32_t *map)
    void w2v_counter_map_words(const w2v_counter *counter, const char *bytes,
                               const int64_t *offsets, int32_t n_words, int32_t *map)
    int w2v_counter_recording(const w2v_counter *counter, const uint8_t **bytes,
                              int64_t *n_bytes)
    void w2v_counter_export(const w2v_counter *counter, char *bytes, int64_t *offsets,
                            int64_t *counts)

    ctypedef struct w2v_encoder:
        pass

    w2v_encoder *w2v_encoder_new(const char *bytes, const int64_t *offsets, int32_t n_words)
    void w2v_encoder_free(w2v_encoder *encoder)
    int w2v_encoder_feed(w2v_encoder *encoder, const char *bytes, int64_t n_bytes, int final,
                         int32_t *out, int64_t capacity, int64_t *n_out)
    int32_t w2v_encoder_lookup(const w2v_encoder *encoder, const char *token, int32_t n_bytes)
    const w2v_text_stats *w2v_encoder_stats(const w2v_encoder *encoder)

    int W2V_MAX_WORD_BYTES

    ctypedef enum w2v_row_problem:
        W2V_ROW_OK
        W2V_ROW_TRUNCATED
        W2V_ROW_EMPTY_WORD
        W2V_ROW_LONG_WORD
        W2V_ROW_NEWLINE_IN_WORD
        W2V_ROW_NONFINITE

    ctypedef struct w2v_scan_result:
        int64_t end
        int64_t bad_row
        int32_t problem

    int w2v_scan_word2vec_binary(const char *buffer, int64_t n_bytes, int64_t n_rows,
                                 int64_t dim, int64_t *word_starts, int64_t *word_lengths,
                                 float *vectors, w2v_scan_result *result)
    int w2v_copy_word2vec_vectors(const char *buffer, int64_t n_bytes,
                                  const int64_t *word_starts, const int64_t *word_lengths,
                                  int64_t n_rows, int64_t dim, float *vectors,
                                  int64_t *first_nonfinite)

    void w2v_merge_add(const float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                       const int64_t *at, int64_t n, const float *values, float *merged,
                       int32_t *touched)
    void w2v_merge_finish(float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                          int64_t n_rows, float *merged, const int32_t *touched,
                          const float *retention, float *last, float rate)
    void w2v_merge_take_alone(float *matrix, int64_t stride, int64_t dim, const int64_t *rows,
                              const int64_t *at, int64_t n, const float *values, float *merged,
                              const int32_t *touched, float *last)
