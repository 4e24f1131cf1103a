# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The binding to the C core: check buffers, fill the C structs, call C without the GIL.

No training logic lives here; see csrc/ for the algorithm and pyw2v/model.py for its use.
"""
from cpython.bytes cimport PyBytes_AsString, PyBytes_FromStringAndSize
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

from pyw2v._w2v cimport *

import os

import numpy as np

MAX_SENTENCE = W2V_MAX_SENTENCE
MAX_TOKEN_BYTES = W2V_MAX_TOKEN_BYTES
MAX_DIM = W2V_MAX_DIM
MAX_THREADS = W2V_MAX_THREADS
BLOCK_MAX_IN = W2V_BLOCK_MAX_IN
BLOCK_MAX_OUT = W2V_BLOCK_MAX_OUT
MAX_EXP = W2V_MAX_EXP
SIGMOID_SIZE = W2V_SIGMOID_SIZE
MAX_WORD_BYTES = W2V_MAX_WORD_BYTES

_SIMD = {"auto": W2V_SIMD_AUTO, "scalar": W2V_SIMD_SCALAR, "avx2": W2V_SIMD_AVX2,
         "avx512": W2V_SIMD_AVX512}
_SIMD_NAMES = {v: k for k, v in _SIMD.items()}


cdef int _check(int status, str what) except -1:
    """Turns a C status into the matching Python exception."""
    if status == W2V_OK or status == W2V_STOPPED:
        return 0
    if status == W2V_ERR_NOMEM:
        raise MemoryError(f"{what}: out of memory")
    if status == W2V_ERR_INVALID:
        raise ValueError(f"{what}: invalid argument")
    if status == W2V_ERR_THREAD:
        raise RuntimeError(f"{what}: could not start a worker thread")
    if status == W2V_ERR_CAPACITY:
        raise RuntimeError(f"{what}: output buffer too small (did the input change?)")
    if status == W2V_ERR_FORMAT:
        raise ValueError(f"{what}: the data is not in the expected format")
    raise RuntimeError(f"{what}: unknown status {status}")


cdef w2v_simd _simd_cap() except *:
    """The widest variant this process may run: the CPU's best, lowered by the environment
    variable PYW2V_SIMD (scalar, avx2 or avx512: run as if the CPU had nothing wider)."""
    cdef str mask = os.environ.get("PYW2V_SIMD", "auto")
    if mask not in _SIMD:
        raise ValueError(f"PYW2V_SIMD must be one of {sorted(_SIMD)}, got {mask!r}")
    cdef w2v_simd best = w2v_simd_best()
    return best if mask == "auto" else min(best, <w2v_simd> _SIMD[mask])


cdef w2v_simd _simd(str name) except *:
    """The variant `name` names; 'auto' resolved to the widest allowed (_simd_cap)."""
    if name not in _SIMD:
        raise ValueError(f"simd must be one of {sorted(_SIMD)}, got {name!r}")
    return _simd_cap() if name == "auto" else _SIMD[name]


cdef bint _runs(w2v_simd simd, int32_t dim) except -1:
    """Whether the variant may run here (the CPU has it and PYW2V_SIMD does not mask it)."""
    return simd <= _simd_cap() and w2v_step_select(simd, dim) != NULL


def simd_best() -> str:
    """The kernel variant that 'auto' picks on this CPU (at most PYW2V_SIMD's)."""
    return _SIMD_NAMES[_simd_cap()]


def simd_available(str name) -> bool:
    """Whether this CPU can run the kernel variant `name` (and PYW2V_SIMD does not mask it)."""
    return _runs(_simd(name), 100)


def sigmoid_table():
    """The tables (sigma, -log sigma) at the bin centres, as float32 arrays."""
    cdef w2v_sigmoid table
    w2v_sigmoid_init(&table)
    return (np.asarray(<float[:W2V_SIGMOID_SIZE]> table.sigma).copy(),
            np.asarray(<float[:W2V_SIGMOID_SIZE]> table.neg_log_sigma).copy())


def sigmoid(x):
    """sigma(x) and -log sigma(x) as the kernel reads them, for each x (float32)."""
    cdef float[::1] xs = np.ascontiguousarray(x, dtype=np.float32).ravel()
    sig = np.empty(xs.shape[0], dtype=np.float32)
    nls = np.empty(xs.shape[0], dtype=np.float32)
    cdef float[::1] sig_v = sig, nls_v = nls
    cdef w2v_sigmoid table
    cdef Py_ssize_t i
    w2v_sigmoid_init(&table)
    for i in range(xs.shape[0]):
        sig_v[i] = w2v_sigmoid_value(&table, xs[i])
        nls_v[i] = w2v_sigmoid_neg_log(&table, xs[i])
    return sig, nls


cdef int64_t[::1] _counts(counts) except *:
    arr = np.ascontiguousarray(counts, dtype=np.int64)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError("counts must be a non-empty 1-d array")
    if arr.shape[0] > 2**31 - 2:
        raise ValueError("too many words")
    return arr


def noise_table(counts, double power=0.75):
    """The alias table for P(w) ~ counts^power: (thresholds uint32, aliases int32)."""
    cdef int64_t[::1] c = _counts(counts)
    cdef w2v_noise noise
    _check(w2v_noise_build(&noise, &c[0], <int32_t> c.shape[0], power), "noise table")
    try:
        thresholds = np.array([noise.slots[i].threshold for i in range(noise.n_words)],
                              dtype=np.uint32)
        aliases = np.array([noise.slots[i].alias for i in range(noise.n_words)],
                           dtype=np.int32)
    finally:
        w2v_noise_free(&noise)
    return thresholds, aliases


def noise_draws(counts, double power, int64_t n, uint64_t seed):
    """n draws from the noise sampler, as the workers draw them."""
    cdef int64_t[::1] c = _counts(counts)
    cdef w2v_noise noise
    if n < 0:
        raise ValueError("n must be >= 0")
    out = np.empty(n, dtype=np.int32)
    cdef int32_t[::1] o = out
    _check(w2v_noise_build(&noise, &c[0], <int32_t> c.shape[0], power), "noise table")
    with nogil:
        if n > 0:
            w2v_noise_draws(&noise, seed, n, &o[0])
        w2v_noise_free(&noise)
    return out


def keep_probs(counts, double sample):
    """Subsampling keep probability of each word (float32)."""
    cdef int64_t[::1] c = _counts(counts)
    out = np.empty(c.shape[0], dtype=np.float32)
    cdef float[::1] o = out
    _check(w2v_subsample_keep_probs(&c[0], <int32_t> c.shape[0], sample, &o[0]), "keep_probs")
    return out


def window_reaches(int32_t window, int64_t n, uint64_t seed):
    """n reduced-window reaches in 1..window, as the workers draw them."""
    if window <= 0 or n < 0:
        raise ValueError("window must be >= 1 and n >= 0")
    out = np.empty(n, dtype=np.int32)
    cdef int32_t[::1] o = out
    if n > 0:
        _check(w2v_window_reaches(seed, window, n, &o[0]), "window_reaches")
    return out


def schedule_alpha(float alpha_start, float alpha_end, int64_t words_before,
                   int64_t words_total, int64_t done_in_epoch) -> float:
    """The learning rate the workers use after `done_in_epoch` words of an epoch."""
    cdef w2v_schedule s
    s.alpha_start = alpha_start
    s.alpha_end = alpha_end
    s.words_before = words_before
    s.words_total = words_total
    return w2v_schedule_alpha(&s, done_in_epoch)


def huffman_tree(counts):
    """(offsets, points, codes) of the Huffman tree of counts (see w2v_huffman): word w's
    path from the root is points[offsets[w]:offsets[w + 1]] (inner nodes 0..V-2, the
    root V-2) with the branch codes[...] taken at each."""
    cdef int64_t[::1] c = _counts(counts)
    cdef w2v_huffman tree
    _check(w2v_huffman_build(&tree, &c[0], <int32_t> c.shape[0]), "Huffman tree")
    cdef int64_t n = c.shape[0], total = tree.offsets[c.shape[0]], i
    offsets = np.empty(n + 1, dtype=np.int64)
    points = np.empty(total, dtype=np.int32)
    codes = np.empty(total, dtype=np.uint8)
    cdef int64_t[::1] o = offsets
    cdef int32_t[::1] p = points
    cdef uint8_t[::1] b = codes
    for i in range(n + 1):
        o[i] = tree.offsets[i]
    for i in range(total):
        p[i] = tree.points[i]
        b[i] = tree.codes[i]
    w2v_huffman_free(&tree)
    return offsets, points, codes


cdef void _fill_params(w2v_params *p, int dim, int window, int negative, int negative_reuse,
                       bint cbow_mean, bint exact_ctx_grad, int n_threads, uint64_t seed,
                       bint sg, bint hs, bint shrink_windows, bint sg_batch=False,
                       bint skip_loss=False):
    p.dim = dim
    p.window = window
    p.negative = negative
    p.negative_reuse = negative_reuse
    p.cbow_mean = cbow_mean
    p.exact_ctx_grad = exact_ctx_grad
    p.n_threads = n_threads
    p.seed = seed
    p.sg = sg
    p.hs = hs
    p.shrink_windows = shrink_windows
    p.sg_batch = sg_batch
    p.skip_loss = skip_loss


def _check_weights(float[:, :] in_vecs, *others) -> int:
    """Checks the weight matrices (in_vecs and the output matrices in `others`, None for
    one not used); returns their row stride in floats. Rows may be padded (a view of the
    first d columns of a wider array), but each row's floats must be contiguous and all
    matrices laid out alike."""
    cdef float[:, :] other
    for m in others:
        if m is None:
            continue
        other = m
        if in_vecs.shape[0] != other.shape[0] or in_vecs.shape[1] != other.shape[1]:
            raise ValueError("the weight matrices must have the same shape")
        if other.strides[1] != 4 or in_vecs.strides[0] != other.strides[0]:
            raise ValueError("weight rows must be contiguous float32, all matrices alike")
    if (in_vecs.strides[1] != 4 or in_vecs.strides[0] % 4
            or in_vecs.strides[0] < 4 * in_vecs.shape[1]):
        raise ValueError("weight rows must be contiguous float32, all matrices alike")
    if in_vecs.shape[0] == 0 or in_vecs.shape[0] > 2**31 - 2:
        raise ValueError("the vocabulary must hold 1 .. 2**31-2 words")
    if not 0 < in_vecs.shape[1] <= W2V_MAX_DIM:
        raise ValueError(f"vector size must be in 1..{W2V_MAX_DIM}")
    return in_vecs.strides[0] // 4


def _check_ids(int32_t[::1] ids, Py_ssize_t vocab_size, str what):
    if ids.shape[0] == 0:
        raise ValueError(f"{what} must not be empty")
    arr = np.asarray(ids)
    if arr.min() < 0 or arr.max() >= vocab_size:
        raise ValueError(f"{what} must be word ids in [0, {vocab_size})")


def step_update(float[:, :] in_vecs, float[:, :] out_vecs, inputs, targets, labels,
                float alpha, float in_scale=1.0, float grad_scale=1.0,
                str simd="auto", lockf=None) -> float:
    """One logistic step (see w2v_step) in place on the weights: h = in_scale * the sum of
    the rows `inputs` of in_vecs, against the rows `targets` of out_vecs with their 0/1
    `labels`; the input rows get grad_scale times their gradient step, each also times its
    `lockf` factor when given (one per input; the portable kernel then runs, whatever
    `simd` says). Returns the loss J before the step."""
    return _kernel_update(in_vecs, out_vecs, inputs, targets, labels, alpha, in_scale,
                          grad_scale, simd, lockf, 0)


def block_update(float[:, :] in_vecs, float[:, :] out_vecs, inputs, targets, labels,
                 float alpha, str simd="auto", lockf=None) -> float:
    """One block step (skip-gram's batched form, see w2v_block_select) in place on the
    weights: each row `inputs` of in_vecs scored on its own against the rows `targets` of
    out_vecs with their 0/1 `labels`, every update from the rows before the step; the
    input rows' updates times their `lockf` factors when given (the portable kernel then
    runs). At most BLOCK_MAX_IN inputs and BLOCK_MAX_OUT targets. Returns the block's
    loss J before the step."""
    if len(inputs) > W2V_BLOCK_MAX_IN or len(targets) > W2V_BLOCK_MAX_OUT:
        raise ValueError(f"a block step takes at most {W2V_BLOCK_MAX_IN} inputs and "
                         f"{W2V_BLOCK_MAX_OUT} targets")
    return _kernel_update(in_vecs, out_vecs, inputs, targets, labels, alpha, 1.0, 1.0, simd,
                          lockf, 1)


def pair_update(float[:, :] in_vecs, float[:, :] out_vecs, inputs, targets, labels,
                float alpha, str simd="auto") -> float:
    """One pair step (skip-gram's pairs of one center, see w2v_pair_select) in place on
    the weights: the rows inputs[0], inputs[1], ... of in_vecs, each as a one-row step
    against the rows `targets` of out_vecs with their 0/1 `labels`, each after the one
    before. Returns the steps' loss."""
    if len(inputs) < 1:
        raise ValueError("a pair step takes at least 1 input")
    return _kernel_update(in_vecs, out_vecs, inputs, targets, labels, alpha, 1.0, 1.0, simd,
                          None, 2)


cdef double _kernel_update(float[:, :] in_vecs, float[:, :] out_vecs, inputs, targets, labels,
                           float alpha, float in_scale, float grad_scale, str simd, lockf,
                           int kind) except? -1.0:
    """step_update (kind 0), block_update (kind 1) or pair_update (kind 2)."""
    cdef int32_t stride = _check_weights(in_vecs, out_vecs)
    cdef int32_t[::1] c = np.ascontiguousarray(inputs, dtype=np.int32)
    cdef int32_t[::1] t = np.ascontiguousarray(targets, dtype=np.int32)
    cdef float[::1] y = np.ascontiguousarray(labels, dtype=np.float32)
    _check_ids(c, in_vecs.shape[0], "inputs")
    _check_ids(t, in_vecs.shape[0], "targets")
    if y.shape[0] != t.shape[0] or not np.isin(np.asarray(y), (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1, one per target")
    cdef w2v_simd variant = _simd(simd)
    if not _runs(variant, <int32_t> in_vecs.shape[1]):
        raise ValueError(f"this CPU cannot run the {simd!r} kernel")
    cdef w2v_step_fn kernel
    if kind == 1:
        kernel = w2v_block_select(variant, <int32_t> in_vecs.shape[1])
    elif kind == 2:
        kernel = w2v_pair_select(variant, <int32_t> in_vecs.shape[1])
    else:
        kernel = w2v_step_select(variant, <int32_t> in_vecs.shape[1])
    cdef float[::1] lf
    if lockf is not None:
        lf = np.ascontiguousarray(lockf, dtype=np.float32)
        if lf.shape[0] != c.shape[0]:
            raise ValueError("lockf must hold one factor per input")
        kernel = w2v_block_portable if kind == 1 else w2v_step_portable
    cdef int32_t dim = <int32_t> in_vecs.shape[1]
    in_rows = np.empty(c.shape[0], dtype=np.uintp)
    out_rows = np.empty(t.shape[0], dtype=np.uintp)
    cdef size_t[::1] ir = in_rows
    cdef size_t[::1] orow = out_rows
    cdef Py_ssize_t i
    for i in range(c.shape[0]):
        ir[i] = <size_t> &in_vecs[c[i], 0]
    for i in range(t.shape[0]):
        orow[i] = <size_t> &out_vecs[t[i], 0]
    cdef w2v_step step
    step.in_rows = <float **> &ir[0]
    step.n_in = <int32_t> c.shape[0]
    step.in_scale = in_scale
    step.grad_scale = grad_scale
    step.out_rows = <float **> &orow[0]
    step.labels = &y[0]
    step.n_out = <int32_t> t.shape[0]
    step.distinct = 0
    step.in_lockf = &lf[0] if lockf is not None else NULL
    step.skip_loss = 0
    cdef w2v_sigmoid table
    cdef w2v_scratch scratch
    cdef double loss
    w2v_sigmoid_init(&table)
    _check(w2v_scratch_init(&scratch, dim, 0), "scratch")
    with nogil:
        loss = kernel(&step, dim, &table, &scratch, alpha)
        w2v_scratch_free(&scratch)
    return loss


# The steps a planner makes, recorded instead of trained (for tests): one list per call.
cdef object _recorded = None


cdef double _record_step(const w2v_step *step, int32_t dim, const w2v_sigmoid *sigmoid,
                         w2v_scratch *scratch, float alpha) noexcept with gil:
    cdef int32_t i
    ins = [<size_t> step.in_rows[i] for i in range(step.n_in)]
    outs = [<size_t> step.out_rows[i] for i in range(step.n_out)]
    labels = [step.labels[i] for i in range(step.n_out)]
    _recorded.append((ins, step.in_scale, step.grad_scale, outs, labels))
    return 0.0


def planned_steps(sentence, counts, int window, int negative, bint sg, bint hs,
                  bint shrink_windows=True, bint cbow_mean=True, bint exact_ctx_grad=False,
                  uint64_t seed=1, int negative_reuse=1, bint sg_batch=False):
    """The steps the planner of the mode makes for one sentence of ids (no subsampling),
    recorded instead of trained: a list of (input ids, in_scale, grad_scale, [(matrix,
    row, label), ...]) with matrix "syn1" (hierarchical softmax's nodes) or "syn1neg"."""
    global _recorded
    cdef int64_t[::1] c = _counts(counts)
    cdef int32_t[::1] ids = np.ascontiguousarray(sentence, dtype=np.int32)
    cdef int32_t n_words = <int32_t> c.shape[0]
    # row i of each matrix is at byte 64 * i of its own block of addresses: never touched
    blocks = np.zeros((3, n_words + 1, 16), dtype=np.float32)
    cdef float[:, :, ::1] b = blocks
    cdef float *in_ptr = &b[0, 0, 0]
    cdef float *out_ptr = &b[1, 0, 0] if negative > 0 else NULL
    cdef float *node_ptr = &b[2, 0, 0] if hs else NULL
    keep = np.ones(n_words, dtype=np.float32)
    cdef float[::1] k = keep
    cdef w2v_params params
    cdef w2v_model model
    cdef w2v_epoch_stats stats
    stats.examples = 0
    stats.loss_sum = 0.0
    _fill_params(&params, 1, window, negative, negative_reuse, cbow_mean, exact_ctx_grad, 1,
                 seed, sg, hs, shrink_windows, sg_batch)
    _check(w2v_model_init(&model, in_ptr, out_ptr, node_ptr, 16, &k[0], &c[0], n_words, 0.75),
           "model")
    _recorded = []
    try:
        status = w2v_train_sentence(&params, &model, _record_step, seed,
                                    &ids[0] if ids.shape[0] else NULL,
                                    <int32_t> ids.shape[0], 0.025, &stats)
        _check(status, "planning")
        steps = _recorded
    finally:
        _recorded = None
        w2v_model_free(&model)
    bases = [(<size_t> in_ptr, "in"), (<size_t> &b[1, 0, 0], "syn1neg"),
             (<size_t> &b[2, 0, 0], "syn1")]

    def locate(size_t address):
        for base, name in bases:
            if base <= address < base + 64 * (n_words + 1):
                return name, (address - base) // 64
        raise AssertionError("a row outside the matrices")

    out = []
    for ins, in_scale, grad_scale, outs, labels in steps:
        inputs = [locate(a)[1] for a in ins]
        targets = [(*locate(a), label) for a, label in zip(outs, labels)]
        out.append((inputs, in_scale, grad_scale, targets))
    return out


# ------------------------------------------------------------ packed token ids

def packed_widths(int32_t n) -> np.ndarray:
    """Bytes the packed code takes for each id 0..n-1 (a sentence end takes 1)."""
    out = np.empty(max(n, 0), dtype=np.int8)
    cdef int8_t[::1] o = out
    cdef int32_t i
    for i in range(max(n, 0)):
        o[i] = <int8_t> w2v_packed_width(i)
    return out


def pack_ids(const int32_t[::1] ids, uint8_t[::1] out, int64_t n_out) -> int:
    """Appends the packed code of `ids` (-1 ends a sentence) to out[n_out:]; returns the
    new n_out, or -1 if out is too small."""
    cdef int64_t cap = out.shape[0]
    cdef int status
    if not 0 <= n_out <= cap:
        raise ValueError("n_out out of range")
    with nogil:
        status = w2v_pack_ids(&ids[0] if ids.shape[0] > 0 else NULL, ids.shape[0],
                              &out[0] if cap > 0 else NULL, cap, &n_out)
    if status == W2V_ERR_CAPACITY:
        return -1
    if status == W2V_ERR_INVALID:
        raise ValueError("token ids must be >= -1 (-1 ends a sentence)")
    _check(status, "packing token ids")
    return n_out


cdef int64_t _remap(const uint8_t *src, int64_t n_src, const int32_t[::1] id_map,
                    uint8_t[::1] out, int64_t n_out) except -2:
    cdef int64_t cap = out.shape[0]
    cdef int status
    if not 0 <= n_out <= cap:
        raise ValueError("n_out out of range")
    with nogil:
        status = w2v_packed_remap(src, n_src, &id_map[0] if id_map.shape[0] > 0 else NULL,
                                  id_map.shape[0], &out[0] if cap > 0 else NULL, cap, &n_out)
    if status == W2V_ERR_CAPACITY:
        return -1
    if status == W2V_ERR_FORMAT:
        raise ValueError("packed token ids are corrupt or outside the map")
    _check(status, "remapping token ids")
    return n_out


def remap_ids(const uint8_t[::1] packed, const int32_t[::1] id_map, uint8_t[::1] out,
              int64_t n_out) -> int:
    """Appends packed ids re-encoded through id_map (new id of each old id, -1: dropped)
    to out[n_out:]; a sentence end is kept after a sentence that kept a word. Returns
    the new n_out, or -1 if out is too small."""
    return _remap(&packed[0] if packed.shape[0] > 0 else NULL, packed.shape[0], id_map,
                  out, n_out)


def unpack_ids(const uint8_t[::1] packed) -> np.ndarray:
    """The int32 ids (-1 ends a sentence) of packed bytes."""
    cdef int64_t n = packed.shape[0], n_out = 0
    cdef int status
    out = np.empty(n, dtype=np.int32)  # every code takes at least one byte
    cdef int32_t[::1] o = out
    with nogil:
        status = w2v_unpack_ids(&packed[0] if n > 0 else NULL, n,
                                &o[0] if n > 0 else NULL, n, &n_out)
    if status == W2V_ERR_FORMAT:
        raise ValueError("packed token ids are corrupt: a code is cut off or too large")
    _check(status, "unpacking token ids")
    return out[:n_out]


cdef bint _file_mapping(object array):
    """Whether `array` (a memoryview's base) is a read-only numpy.memmap: memory whose
    pages may be released once read (w2v_release_pages), which must never be done to
    other memory."""
    return isinstance(array, np.memmap) and getattr(array, "mode", None) == "r"


def packed_stats(const uint8_t[::1] packed, int32_t vocab_size):
    """(words, sentence ends) of packed bytes whose ids are all below vocab_size. The
    pages of a read-only numpy.memmap are released as they are read (their resident
    pages would otherwise count in the process's memory)."""
    cdef int64_t words = 0, sentences = 0
    cdef int status
    cdef int release = _file_mapping(packed.base)
    with nogil:
        status = w2v_packed_scan_pages(&packed[0] if packed.shape[0] > 0 else NULL,
                                       packed.shape[0], vocab_size, release, &words,
                                       &sentences)
    if status == W2V_ERR_FORMAT:
        raise ValueError("packed token ids are corrupt: a code is cut off or too large")
    if status == W2V_ERR_INVALID:
        raise ValueError(f"packed token ids out of range for a vocabulary of {vocab_size}")
    _check(status, "scanning packed token ids")
    return words, sentences


def merge_rows(float[:, :] matrix, const int64_t[::1] rows, list ats, list values,
               retention, float[:, ::1] last=None, float rate=0.0):
    """Merges replicas' changed rows into `matrix` in place (csrc/merge_rows.c): `rows`
    the union of the rows they changed, ats[k] the index in `rows` of each row of
    replica k, values[k] those rows' values. A row's deltas are summed with the weight
    its retention q gives (`retention`: one value in [0, 1] per row of matrix, 0 the
    mean, 1 the sum; None: sums everywhere). With `last` (float32, matrix's shape: each
    row's last applied change), a row several replicas changed also moves by `rate`
    times its last change, and `last` records every merged row's change (block
    momentum). Returns the new values of `rows`."""
    cdef Py_ssize_t n_rows = rows.shape[0], dim = matrix.shape[1], k
    cdef Py_ssize_t stride = matrix.strides[0] // sizeof(float)
    if matrix.strides[1] != sizeof(float) or matrix.strides[0] % sizeof(float):
        raise ValueError("merge_rows: the matrix's rows must be contiguous float32")
    cdef float *last_ptr = NULL
    if last is not None:
        if last.shape[0] != matrix.shape[0] or last.shape[1] != dim:
            raise ValueError("merge_rows: last must have the matrix's shape")
        if not (0.0 <= rate < 1.0):
            raise ValueError("merge_rows: rate must be in [0, 1)")
        if last.shape[0] and dim:
            last_ptr = &last[0, 0]
    if len(ats) != len(values):
        raise ValueError("merge_rows: ats and values differ in length")
    cdef const float[::1] ret
    cdef const float *ret_ptr = NULL
    if retention is not None:
        if np.asarray(retention).dtype.kind != "f":  # a bool mask once meant "averaged"
            raise ValueError("merge_rows: retention must be floats in [0, 1] (0 the mean, "
                             "1 the sum), not a mask")
        ret = np.ascontiguousarray(retention, dtype=np.float32)
        if ret.shape[0] != matrix.shape[0]:
            raise ValueError("merge_rows: retention needs one value per row of the matrix")
        if ret.shape[0]:
            if not (np.min(ret) >= 0.0 and np.max(ret) <= 1.0):
                raise ValueError("merge_rows: a retention is outside [0, 1] (or NaN)")
            ret_ptr = &ret[0]
    if n_rows and (np.min(rows) < 0 or np.max(rows) >= matrix.shape[0]):
        raise ValueError("merge_rows: a row is outside the matrix")
    merged = np.zeros((n_rows, dim), dtype=np.float32)
    touched = np.zeros(n_rows, dtype=np.int32)
    cdef float[:, ::1] m = merged
    cdef int32_t[::1] t = touched
    cdef const int64_t[::1] at
    cdef const float[:, ::1] v
    checked = []
    for k in range(len(ats)):
        at = np.ascontiguousarray(ats[k], dtype=np.int64)
        v = np.ascontiguousarray(values[k], dtype=np.float32)
        if v.shape[0] != at.shape[0] or (at.shape[0] and v.shape[1] != dim):
            raise ValueError("merge_rows: values do not match their rows")
        if at.shape[0] and (np.min(at) < 0 or np.max(at) >= n_rows):
            raise ValueError("merge_rows: an index is outside rows")
        checked.append((at, v))
    if n_rows == 0:
        return merged
    for at, v in checked:
        if at.shape[0]:
            with nogil:
                w2v_merge_add(&matrix[0, 0], stride, dim, &rows[0], &at[0], at.shape[0], &v[0, 0],
                              &m[0, 0], &t[0])
    with nogil:
        w2v_merge_finish(&matrix[0, 0], stride, dim, &rows[0], n_rows, &m[0, 0], &t[0],
                         ret_ptr, last_ptr, rate)
    for at, v in checked:
        if at.shape[0]:
            with nogil:
                w2v_merge_take_alone(&matrix[0, 0], stride, dim, &rows[0], &at[0], at.shape[0],
                                     &v[0, 0], &m[0, 0], &t[0], last_ptr)
    return merged


def packed_cuts(const uint8_t[::1] packed, int64_t n_words, int32_t n_slices):
    """Cuts packed ids holding n_words words (packed_stats) into n_slices slices of about
    equal word counts, each ending after a sentence end: (n_slices + 1 byte offsets, 0
    first and the length last; a slice may be empty), the words of each slice). Releases
    the pages of a read-only numpy.memmap as packed_stats does."""
    if not 1 <= n_slices <= W2V_MAX_SLICES:
        raise ValueError(f"n_slices must be in 1..{W2V_MAX_SLICES}, got {n_slices}")
    if not 0 <= n_words <= W2V_MAX_CUT_WORDS:
        raise ValueError(f"n_words must be in 0..{W2V_MAX_CUT_WORDS}, got {n_words}")
    cuts = np.empty(n_slices + 1, dtype=np.int64)
    words = np.empty(n_slices, dtype=np.int64)
    cdef int64_t[::1] c = cuts
    cdef int64_t[::1] w = words
    cdef int release = _file_mapping(packed.base)
    cdef int status
    with nogil:
        status = w2v_packed_cut(&packed[0] if packed.shape[0] > 0 else NULL, packed.shape[0],
                                n_words, n_slices, release, &c[0], &w[0])
    if status == W2V_ERR_FORMAT:
        raise ValueError("packed token ids are corrupt: a code is cut off or too large")
    _check(status, "cutting packed token ids")
    return cuts, words


cdef class Trainer:
    """Shared weights and tables for one `train` call; runs epochs without the GIL.

    The weight arrays are referenced, not copied: training writes into them.
    """
    cdef w2v_params params
    cdef w2v_model model
    cdef w2v_progress *_progress
    cdef bint model_ready
    cdef w2v_simd simd
    cdef object _refs
    cdef w2v_corpus corpus
    cdef object _packed  # the read-only array `corpus` was prepared for, or None

    def __cinit__(self, float[:, :] in_vecs, out_vecs, float[::1] keep,
                  counts, double ns_exponent, int window, int negative, bint cbow_mean,
                  bint exact_ctx_grad, int workers, uint64_t seed, str simd="auto",
                  int negative_reuse=1, node_vecs=None, bint sg=False,
                  bint shrink_windows=True, lockf=None, bint sg_batch=False,
                  bint compute_loss=True):
        self._progress = NULL
        self._packed = None
        self.corpus.n_threads = 0
        self.model_ready = False
        cdef int32_t stride = _check_weights(in_vecs, out_vecs, node_vecs)
        cdef int64_t[::1] c = _counts(counts)
        cdef float[:, :] out_view, node_view
        cdef float *out_ptr = NULL
        cdef float *node_ptr = NULL
        if out_vecs is not None:
            out_view = out_vecs
            out_ptr = &out_view[0, 0]
        if node_vecs is not None:
            node_view = node_vecs
            node_ptr = &node_view[0, 0]
        if out_ptr == NULL and node_ptr == NULL:
            raise ValueError("nothing to train: give out_vecs (negative sampling), node_vecs "
                             "(hierarchical softmax) or both")
        if keep.shape[0] != in_vecs.shape[0] or c.shape[0] != in_vecs.shape[0]:
            raise ValueError("keep and counts must have one entry per word")
        if not 1 <= workers <= W2V_MAX_THREADS:
            raise ValueError(f"workers must be in 1..{W2V_MAX_THREADS}")
        if window < 1 or negative < 0 or negative_reuse < 1:
            raise ValueError("window and negative_reuse must be >= 1 and negative >= 0")
        if out_ptr != NULL and negative < 1:
            raise ValueError("negative sampling (out_vecs) needs negative >= 1")
        if sg_batch and not sg:
            raise ValueError("sg_batch needs skip-gram (sg=True)")
        self.simd = _simd(simd)
        if not _runs(self.simd, <int32_t> in_vecs.shape[1]):
            raise ValueError(f"this CPU cannot run the {simd!r} kernel")
        _fill_params(&self.params, in_vecs.shape[1], window, negative, negative_reuse, cbow_mean,
                     exact_ctx_grad, workers, seed, sg, node_ptr != NULL, shrink_windows,
                     sg_batch, not compute_loss)
        cdef float[::1] lock_view
        if lockf is not None:
            lock_view = lockf
            if lock_view.shape[0] != in_vecs.shape[0]:
                raise ValueError("lockf must have one factor per word")
        _check(w2v_model_init(&self.model, &in_vecs[0, 0], out_ptr, node_ptr, stride, &keep[0],
                              &c[0], <int32_t> in_vecs.shape[0], ns_exponent), "noise table")
        self.model_ready = True
        if lockf is not None:
            self.model.in_lockf = &lock_view[0]
        self._progress = w2v_progress_new(workers)
        if self._progress == NULL:
            raise MemoryError("progress")
        self._refs = (in_vecs, out_vecs, node_vecs, keep, lockf)

    def __dealloc__(self):
        if self.model_ready:
            w2v_model_free(&self.model)
        w2v_progress_free(self._progress)

    def train_epoch(self, const uint8_t[::1] packed, int64_t epoch, float alpha_start,
                    float alpha_end, int64_t words_before, int64_t words_total):
        """Trains one epoch on packed token ids (see pack_ids) with the GIL released.

        The ids are checked and cut into chunks for the threads before the first epoch;
        later epochs on the same read-only array reuse that.

        Returns (stopped, words, examples, loss_sum).
        """
        cdef w2v_schedule schedule
        cdef w2v_epoch_stats stats
        cdef int status
        cdef const uint8_t *data = &packed[0] if packed.shape[0] > 0 else NULL
        base = packed.base
        if not (base is self._packed and data == self.corpus.bytes
                and packed.shape[0] == self.corpus.n_bytes
                and not getattr(getattr(base, "flags", None), "writeable", True)):
            self._packed = base
            self.corpus.bytes = data
            self.corpus.n_bytes = packed.shape[0]
            self.corpus.n_threads = 0  # prepared by w2v_train_epoch
        self.corpus.release_pages = _file_mapping(base)
        schedule.alpha_start = alpha_start
        schedule.alpha_end = alpha_end
        schedule.words_before = words_before
        schedule.words_total = words_total
        with nogil:
            status = w2v_train_epoch(&self.params, &self.model, &self.corpus, &schedule,
                                     self._progress, epoch, self.simd, &stats)
        if status == W2V_ERR_INVALID:
            raise ValueError("token ids out of range for the vocabulary")
        if status == W2V_ERR_FORMAT:
            raise ValueError("packed token ids are corrupt: a code is cut off or too large")
        _check(status, "training")
        return status == W2V_STOPPED, stats.words, stats.examples, stats.loss_sum

    def request_stop(self) -> None:
        """Asks the workers to stop at their next check (within ~10k words)."""
        w2v_progress_request_stop(self._progress)

    def progress(self):
        """(words, loss_sum, examples, alpha) of the running epoch so far."""
        cdef double loss
        cdef int64_t examples
        w2v_progress_loss(self._progress, &loss, &examples)
        return (w2v_progress_words(self._progress), loss, examples,
                w2v_progress_alpha(self._progress))


cdef dict _stats_dict(const w2v_text_stats *s):
    return {"tokens": s.tokens, "sentences": s.sentences,
            "invalid_tokens": s.invalid_tokens, "truncated_tokens": s.truncated_tokens}


def _joined_utf8(list words):
    """(bytes, offsets): word i is bytes[offsets[i]:offsets[i + 1]] in UTF-8."""
    encoded = [w.encode("utf-8", "surrogatepass") for w in words]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return b"".join(encoded) or b"\0", offsets


cdef class Counter:
    """Counts the words of a text fed in chunks of bytes (see w2v.h for the rules)."""
    cdef w2v_counter *counter

    def __cinit__(self, int64_t max_size=0, int64_t record_bytes=-1):
        self.counter = w2v_counter_new(max_size)
        if self.counter == NULL:
            raise MemoryError("counter")
        if record_bytes >= 0 and w2v_counter_record(self.counter, record_bytes) != W2V_OK:
            raise ValueError("a counter with max_size cannot record the text")

    def __dealloc__(self):
        w2v_counter_free(self.counter)

    def feed(self, const unsigned char[::1] data, bint final=False) -> None:
        """Counts the tokens of the next bytes; final=True ends the text (a file)."""
        cdef const char *ptr = <const char *> &data[0] if data.shape[0] > 0 else NULL
        cdef int64_t n = data.shape[0]
        cdef int status
        with nogil:
            status = w2v_counter_feed(self.counter, ptr, n, final)
        _check(status, "counting words")

    @property
    def stats(self) -> dict:
        return _stats_dict(w2v_counter_stats(self.counter))

    @property
    def min_reduce(self) -> int:
        return w2v_counter_min_reduce(self.counter)

    def export(self):
        """(words, counts): words as str in first-seen order, counts as int64."""
        cdef int64_t n = w2v_counter_size(self.counter)
        buf = bytearray(max(w2v_counter_bytes(self.counter), 1))
        offsets = np.empty(n + 1, dtype=np.int64)
        counts = np.empty(n, dtype=np.int64)
        cdef unsigned char[::1] b = buf
        cdef int64_t[::1] o = offsets
        cdef int64_t[::1] c = counts
        w2v_counter_export(self.counter, <char *> &b[0], &o[0], &c[0] if n > 0 else NULL)
        raw = bytes(buf)
        cdef list words = []
        cdef Py_ssize_t i
        for i in range(n):
            words.append(raw[o[i]:o[i + 1]].decode("utf-8"))
        return words, counts

    def merge(self, Counter src not None) -> np.ndarray:
        """Adds src's counts and statistics (src's new words after this counter's, in
        src's first-seen order); returns the int32 index here of each word of src."""
        if src is self:
            raise ValueError("a counter cannot merge itself")
        cdef int64_t n = w2v_counter_size(src.counter)
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] m = out
        cdef int status
        with nogil:
            status = w2v_counter_merge(self.counter, src.counter, &m[0] if n > 0 else NULL)
        if status == W2V_ERR_INVALID:
            raise ValueError("counters that prune (max_size) cannot be merged")
        _check(status, "merging word counts")
        return out

    def map_words(self, list words) -> np.ndarray:
        """int32 map from the counted words (export() order) to their index in `words`,
        -1 for a word not in it: the id_map of remap_recording for a vocabulary."""
        raw, offsets = _joined_utf8(words)
        cdef const unsigned char[::1] r = raw
        cdef int64_t[::1] o = offsets
        cdef int64_t n = w2v_counter_size(self.counter)
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] m = out
        if n > 0:
            w2v_counter_map_words(self.counter, <const char *> &r[0], &o[0],
                                  <int32_t> len(words), &m[0])
        return out

    @property
    def recorded_bytes(self) -> int:
        """Bytes of the recording (the text as packed first-seen ids, kept when made with
        record_bytes >= 0), or -1 if there is none (never asked for, or it outgrew
        record_bytes and was dropped)."""
        cdef const uint8_t *src
        cdef int64_t n = 0
        if w2v_counter_recording(self.counter, &src, &n) != W2V_OK:
            return -1
        return n

    def remap_recording(self, const int32_t[::1] id_map, uint8_t[::1] out,
                        int64_t n_out) -> int:
        """remap_ids on the recording: id_map gives the new id of each word of export()
        (-1: dropped). Returns the new n_out, or -1 if out is too small."""
        cdef const uint8_t *src
        cdef int64_t n = 0
        if w2v_counter_recording(self.counter, &src, &n) != W2V_OK:
            raise ValueError("this counter holds no recording")
        return _remap(src, n, id_map, out, n_out)


cdef class Encoder:
    """Maps the tokens of a text fed in chunks to word ids of a fixed vocabulary."""
    cdef w2v_encoder *encoder

    def __cinit__(self, list words):
        raw, offsets = _joined_utf8(words)
        cdef const unsigned char[::1] r = raw
        cdef int64_t[::1] o = offsets
        self.encoder = w2v_encoder_new(<const char *> &r[0], &o[0], <int32_t> len(words))
        if self.encoder == NULL:
            raise MemoryError("encoder (or a word longer than MAX_TOKEN_BYTES)")

    def __dealloc__(self):
        w2v_encoder_free(self.encoder)

    def feed(self, const unsigned char[::1] data, bint final, int32_t[::1] out,
             int64_t n_out) -> int:
        """Appends ids to out[n_out:]; returns the new n_out."""
        cdef const char *ptr = <const char *> &data[0] if data.shape[0] > 0 else NULL
        cdef int64_t n = data.shape[0]
        cdef int32_t *o = &out[0] if out.shape[0] > 0 else NULL
        cdef int64_t cap = out.shape[0]
        cdef int status
        if not 0 <= n_out <= cap:
            raise ValueError("n_out out of range")
        with nogil:
            status = w2v_encoder_feed(self.encoder, ptr, n, final, o, cap, &n_out)
        _check(status, "encoding the corpus")
        return n_out

    def lookup(self, str word) -> int:
        b = word.encode("utf-8", "surrogatepass")
        return w2v_encoder_lookup(self.encoder, b, <int32_t> len(b))

    @property
    def stats(self) -> dict:
        return _stats_dict(w2v_encoder_stats(self.encoder))


# ------------------------------------------------------------ word2vec binary rows

_ROW_PROBLEMS = {
    W2V_ROW_TRUNCATED: ("truncated", "runs past the end of the data"),
    W2V_ROW_EMPTY_WORD: ("empty word", "has an empty word"),
    W2V_ROW_LONG_WORD: ("long word", f"has a word longer than {W2V_MAX_WORD_BYTES} bytes"),
    W2V_ROW_NEWLINE_IN_WORD: ("newline in word", "has a word holding a newline"),
    W2V_ROW_NONFINITE: ("non-finite", "holds NaN or infinite values"),
}


class BinaryRowError(ValueError):
    """A bad row found by scan_word2vec_binary.

    `row` is its index (from 0) and `problem` one of "truncated", "empty word",
    "long word", "newline in word" or "non-finite". Only for "non-finite" was the scan
    completed (see w2v.h): `scan` then holds what the call would have returned, else None.
    """

    def __init__(self, message, row, problem, scan=None):
        super().__init__(message)
        self.row = row
        self.problem = problem
        self.scan = scan


def scan_word2vec_binary(const unsigned char[::1] buffer, int64_t n_rows, int64_t dim,
                         float[:, ::1] out=None):
    """Walks n_rows rows of word2vec.c's binary format in `buffer` (the bytes after the
    header line), copying the vectors into `out` ((n_rows, dim) float32), without the GIL.
    With out=None the rows are only found, for copy_word2vec_vectors.

    Returns (word_starts, word_lengths, end_offset): int64 arrays locating each word in
    `buffer`, and the offset just past the last vector. Raises BinaryRowError (a
    ValueError) naming the first bad row.
    """
    if n_rows < 0 or dim <= 0:
        raise ValueError("n_rows must be >= 0 and dim >= 1")
    if out is not None and (out.shape[0] != n_rows or out.shape[1] != dim):
        raise ValueError(f"out must have shape ({n_rows}, {dim}), "
                         f"got ({out.shape[0]}, {out.shape[1]})")
    starts = np.empty(n_rows, dtype=np.int64)
    lengths = np.empty(n_rows, dtype=np.int64)
    cdef int64_t[::1] starts_v = starts
    cdef int64_t[::1] lengths_v = lengths
    cdef const char *data = <const char *> &buffer[0] if buffer.shape[0] > 0 else NULL
    cdef int64_t n_bytes = buffer.shape[0]
    cdef w2v_scan_result result
    cdef int status
    with nogil:
        status = w2v_scan_word2vec_binary(data, n_bytes, n_rows, dim,
                                          &starts_v[0] if n_rows > 0 else NULL,
                                          &lengths_v[0] if n_rows > 0 else NULL,
                                          &out[0, 0] if n_rows > 0 and out is not None
                                          else NULL, &result)
    if status == W2V_ERR_FORMAT:
        problem, description = _ROW_PROBLEMS[result.problem]
        complete = result.problem == W2V_ROW_NONFINITE
        raise BinaryRowError(f"row {result.bad_row + 1} of {n_rows} {description}",
                             result.bad_row, problem,
                             (starts, lengths, result.end) if complete else None)
    _check(status, "scan_word2vec_binary")
    return starts, lengths, result.end


def copy_word2vec_vectors(const unsigned char[::1] buffer, const int64_t[::1] starts,
                          const int64_t[::1] lengths, float[:, ::1] out) -> int:
    """Copies the vectors of rows found by scan_word2vec_binary(buffer, n, dim) into `out`
    ((len(starts), dim) float32), without the GIL. Slices of starts, lengths and out copy
    part of the rows, so that threads can share the work. Returns the index of the first
    row holding NaN or an infinity, or -1."""
    cdef Py_ssize_t n = starts.shape[0]
    if lengths.shape[0] != n or out.shape[0] != n:
        raise ValueError("starts, lengths and out must have one entry per row")
    cdef const char *data = <const char *> &buffer[0] if buffer.shape[0] > 0 else NULL
    cdef int64_t n_bytes = buffer.shape[0]
    cdef int64_t dim = out.shape[1]
    cdef int64_t first_nonfinite
    cdef int status
    with nogil:
        status = w2v_copy_word2vec_vectors(data, n_bytes, &starts[0] if n > 0 else NULL,
                                           &lengths[0] if n > 0 else NULL, n, dim,
                                           &out[0, 0] if n > 0 else NULL, &first_nonfinite)
    if status == W2V_ERR_INVALID:
        raise ValueError("a row lies outside the buffer, or out has no columns")
    if status != W2V_ERR_FORMAT:
        _check(status, "copy_word2vec_vectors")
    return first_nonfinite


def join_words(const unsigned char[::1] buffer, const int64_t[::1] starts,
               const int64_t[::1] lengths):
    """The slices buffer[starts[i]:starts[i] + lengths[i]] joined by b"\\n" in one bytes
    object (so that one decode and one split make them str)."""
    cdef Py_ssize_t n = starts.shape[0], i
    cdef int64_t size = buffer.shape[0], total = 0
    if lengths.shape[0] != n:
        raise ValueError("starts and lengths differ in length")
    for i in range(n):
        if starts[i] < 0 or lengths[i] < 0 or starts[i] > size - lengths[i]:
            raise ValueError(f"word {i} lies outside the buffer")
        total += lengths[i] + 1
    if n == 0:
        return b""
    joined = PyBytes_FromStringAndSize(NULL, total - 1)
    cdef char *dst = PyBytes_AsString(joined)
    cdef const unsigned char *src = &buffer[0]
    with nogil:
        for i in range(n):
            memcpy(dst, src + starts[i], lengths[i])
            dst += lengths[i]
            if i + 1 < n:
                dst[0] = c'\n'
                dst += 1
    return joined
