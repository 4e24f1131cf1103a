/*
 * pyw2v C core: the word2vec family (CBOW and skip-gram, negative sampling and
 * hierarchical softmax).
 *
 * The one public header, split by stage: w2v_base.h (status codes, limits), w2v_text.h
 * (text -> counts -> token ids), w2v_train.h (token ids -> vectors), w2v_format.h (model
 * files). Types, error codes, prototypes and their contracts are there.
 *
 * Naming: SPEC.md's input vectors a_w are `in_vecs` (word2vec.c: syn0), its output
 * vectors b_w are `out_vecs` (word2vec.c: syn1neg); hierarchical softmax's inner-node
 * vectors are `node_vecs` (word2vec.c: syn1).
 *
 * Memory: the caller (the Python binding) owns the weight matrices, the keep
 * probabilities and the token-id array; the core never frees them. Objects created
 * by a `w2v_*_new` / `w2v_*_build` / `w2v_*_init` function are freed by the matching
 * `_free`.
 *
 * Threads: everything is re-entrant (no globals). During `w2v_train_epoch` the
 * weights are written by all worker threads without locks (Hogwild, see train.c);
 * the only other functions that may run concurrently with it are the
 * `w2v_progress_*` readers and `w2v_progress_request_stop`.
 */
#ifndef W2V_H
#define W2V_H

#include "w2v_base.h"
#include "w2v_format.h"
#include "w2v_text.h"
#include "w2v_train.h"

#endif /* W2V_H */
