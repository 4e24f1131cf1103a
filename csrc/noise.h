/* Inline alias-table draw for the hot path; see noise.c. */
#ifndef W2V_NOISE_H
#define W2V_NOISE_H

#include "rng.h"
#include "w2v.h"

static inline int32_t w2v_noise_draw_fast(const w2v_noise *noise, uint64_t random64) {
    uint32_t bucket = w2v_rng_below(random64, (uint32_t)noise->n_words);
    w2v_alias_slot slot = noise->slots[bucket];
    return (uint32_t)random64 < slot.threshold ? (int32_t)bucket : slot.alias;
}

#endif /* W2V_NOISE_H */
