/*
 * The noise distribution P_n(w) proportional to count(w)^power (power 0.75 in word2vec)
 * sampled with Walker's alias method, built by Vose's algorithm (M. D. Vose, "A linear
 * algorithm for generating random numbers with a given distribution", IEEE TSE 1991).
 *
 * Memory: 8 bytes per word (word2vec.c uses a 1e8-entry table, 400 MB). Exactness:
 * bucket b keeps itself with probability threshold_b / 2^32, so each bucket's split is
 * off by at most 2^-32 after rounding; a word appears in its own bucket and in the
 * buckets aliasing to it, so |P_alias(w) - P_n(w)| <= (1 + #aliasing buckets) 2^-32 / V
 * plus double rounding while building. The bucket index uses the high 32 random bits
 * (multiply-shift, relative bias <= V / 2^32), the threshold test the low 32.
 */
#include <math.h>
#include <stdlib.h>

#include "noise.h"

#define W2V_TWO_32 4294967296.0

static uint32_t threshold_from_prob(double prob) {
    double t = floor(prob * W2V_TWO_32 + 0.5);
    if (t < 0.0) t = 0.0;
    if (t > W2V_TWO_32 - 1.0) t = W2V_TWO_32 - 1.0;
    return (uint32_t)t;
}

int w2v_noise_build(w2v_noise *noise, const int64_t *counts, int32_t n_words, double power) {
    noise->slots = NULL;
    noise->n_words = 0;
    if (n_words <= 0 || !isfinite(power)) return W2V_ERR_INVALID;

    double *scaled = malloc((size_t)n_words * sizeof *scaled);
    int32_t *small = malloc((size_t)n_words * sizeof *small);
    int32_t *large = malloc((size_t)n_words * sizeof *large);
    w2v_alias_slot *slots = malloc((size_t)n_words * sizeof *slots);
    int status = W2V_OK;
    if (!scaled || !small || !large || !slots) {
        status = W2V_ERR_NOMEM;
        goto done;
    }

    double total = 0.0;
    for (int32_t i = 0; i < n_words; i++) {
        if (counts[i] <= 0) {
            status = W2V_ERR_INVALID;
            goto done;
        }
        scaled[i] = pow((double)counts[i], power);
        total += scaled[i];
    }
    if (!isfinite(total) || !(total > 0.0)) { /* overflow, or underflow of every word */
        status = W2V_ERR_INVALID;
        goto done;
    }

    /* scaled[i] = V * P_n(i): buckets below 1 are "small", the rest "large". */
    int32_t n_small = 0, n_large = 0;
    for (int32_t i = 0; i < n_words; i++) {
        scaled[i] *= n_words / total;
        if (scaled[i] < 1.0)
            small[n_small++] = i;
        else
            large[n_large++] = i;
    }
    /* Vose: fill each small bucket with mass from a large one. */
    while (n_small > 0 && n_large > 0) {
        int32_t s = small[--n_small];
        int32_t l = large[n_large - 1];
        slots[s].threshold = threshold_from_prob(scaled[s]);
        slots[s].alias = l;
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) {
            n_large--;
            small[n_small++] = l;
        }
    }
    /* What is left is full up to rounding: it keeps itself. */
    while (n_large > 0) {
        int32_t l = large[--n_large];
        slots[l].threshold = UINT32_MAX;
        slots[l].alias = l;
    }
    while (n_small > 0) {
        int32_t s = small[--n_small];
        slots[s].threshold = UINT32_MAX;
        slots[s].alias = s;
    }
    noise->slots = slots;
    noise->n_words = n_words;
    slots = NULL;
done:
    free(scaled);
    free(small);
    free(large);
    free(slots);
    return status;
}

void w2v_noise_free(w2v_noise *noise) {
    free(noise->slots);
    noise->slots = NULL;
    noise->n_words = 0;
}

int32_t w2v_noise_draw(const w2v_noise *noise, uint64_t random64) {
    return w2v_noise_draw_fast(noise, random64);
}

void w2v_noise_draws(const w2v_noise *noise, uint64_t seed, int64_t n, int32_t *out) {
    uint64_t state = w2v_rng_seed(seed, 0);
    for (int64_t i = 0; i < n; i++) out[i] = w2v_noise_draw_fast(noise, w2v_rng_next(&state));
}
