/*
 * SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014; constants as in Vigna's public-domain reference splitmix64.c).
 * 64 bits of state, passes BigCrush; one state per thread, never shared.
 */
#ifndef W2V_RNG_H
#define W2V_RNG_H

#include <stdint.h>

#define W2V_RNG_GAMMA 0x9e3779b97f4a7c15ULL /* 2^64 / golden ratio */

static inline uint64_t w2v_rng_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t w2v_rng_next(uint64_t *state) {
    *state += W2V_RNG_GAMMA;
    return w2v_rng_mix(*state);
}

/* A state for stream `stream` of `seed`: distinct streams start far apart. */
static inline uint64_t w2v_rng_seed(uint64_t seed, uint64_t stream) {
    return w2v_rng_mix(seed ^ w2v_rng_mix(stream + W2V_RNG_GAMMA));
}

/* Uniform float in [0, 1) from the top 24 bits. */
static inline float w2v_rng_uniform(uint64_t random64) {
    return (float)(random64 >> 40) * (1.0f / 16777216.0f);
}

/* Uniform integer in [0, n) from the top 32 bits (multiply-shift, Lemire 2019;
 * relative bias at most n / 2^32). */
static inline uint32_t w2v_rng_below(uint64_t random64, uint32_t n) {
    return (uint32_t)(((random64 >> 32) * (uint64_t)n) >> 32);
}

/* The reduced window of word2vec.c: a reach m' uniform in 1..window. */
static inline int32_t w2v_rng_reach(uint64_t *state, int32_t window) {
    return 1 + (int32_t)w2v_rng_below(w2v_rng_next(state), (uint32_t)window);
}

#endif /* W2V_RNG_H */
