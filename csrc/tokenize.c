/*
 * Splits text into tokens and sentences, chunk by chunk, so that a file of any size
 * (one huge line included) streams through a bounded buffer.
 *
 * Policy (documented in w2v.h): separators are ASCII space, \t, \n, \v, \f, \r and NUL;
 * \n ends a sentence; every W2V_MAX_SENTENCE tokens a sentence is cut; tokens longer
 * than W2V_MAX_TOKEN_BYTES are truncated; each maximal invalid UTF-8 byte (a byte that
 * cannot start or continue a valid sequence at its place) becomes U+FFFD.
 */
#include "tokenize.h"

#include <string.h>

static const unsigned char separator[256] = {
    [0] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
};

void w2v_tokenizer_init(w2v_tokenizer *tokenizer) { memset(tokenizer, 0, sizeof *tokenizer); }

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if s[0] does not start one.
 * If `invalid` is not NULL, *invalid is then set to the length of the maximal subpart at
 * s (Unicode 3.9, U+FFFD substitution): the longest prefix of a valid sequence, at least
 * one byte, which becomes one U+FFFD as in Python's decoder. */
static int utf8_sequence_or_subpart(const unsigned char *s, int32_t n, int *invalid) {
    unsigned char c = s[0];
    int len, i;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (invalid) *invalid = 1;
    if (c < 0x80) return 1;
    /* one lead-byte range per line, as a table */
    /* clang-format off */
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) len = 3;
    else if (c == 0xED) len = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;
    else return 0;
    /* clang-format on */
    if (n < 2 || s[1] < lo || s[1] > hi) return 0;
    for (i = 2; i < len && i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) break;
    if (i == len) return len;
    if (invalid) *invalid = i; /* cut short at the end, or by a byte that cannot continue */
    return 0;
}

static int utf8_sequence(const unsigned char *s, int32_t n) {
    return utf8_sequence_or_subpart(s, n, NULL);
}

/* Copies token into fixed[] with invalid bytes replaced, keeping at most
 * W2V_MAX_TOKEN_BYTES bytes of whole characters; returns the new length and sets
 * *truncated if characters were left out. */
static int32_t utf8_repair(const char *token, int32_t len, char *fixed, int *truncated) {
    const unsigned char *s = (const unsigned char *)token;
    int32_t out = 0;
    for (int32_t i = 0; i < len;) {
        int invalid;
        int seq = utf8_sequence_or_subpart(s + i, len - i, &invalid);
        const char *piece = seq > 0 ? token + i : "\xEF\xBF\xBD";
        int piece_len = seq > 0 ? seq : 3;
        if (out + piece_len > W2V_MAX_TOKEN_BYTES) {
            *truncated = 1;
            break;
        }
        memcpy(fixed + out, piece, piece_len);
        out += piece_len;
        i += seq > 0 ? seq : invalid;
    }
    return out;
}

/* len without a UTF-8 sequence cut short at the end of s[0..len) (len >= 4). */
static int64_t utf8_drop_cut(const unsigned char *s, int64_t len) {
    for (int64_t k = len - 1; k >= len - 3; k--) {
        if (s[k] < 0x80) return len; /* ASCII: no sequence is cut */
        if (s[k] >= 0xC0) {          /* the lead byte of the last sequence */
            int64_t need = s[k] >= 0xF0 ? 4 : s[k] >= 0xE0 ? 3 : 2;
            return len - k < need ? k : len;
        }
    }
    return len;
}

static int utf8_valid(const char *token, int32_t len) {
    const unsigned char *s = (const unsigned char *)token;
    for (int32_t i = 0; i < len;) {
        int seq = utf8_sequence(s + i, len - i);
        if (seq == 0) return 0;
        i += seq;
    }
    return 1;
}

static int end_sentence(w2v_tokenizer *tk, w2v_sentence_end_fn on_end, void *ctx) {
    if (tk->sentence_tokens == 0) return 0;
    tk->sentence_tokens = 0;
    tk->stats.sentences++;
    return on_end(ctx);
}

static int emit(w2v_tokenizer *tk, const char *token, int64_t len, int truncated, int non_ascii,
                w2v_token_fn on_token, w2v_sentence_end_fn on_end, void *ctx) {
    if (len > W2V_MAX_TOKEN_BYTES) {
        len = W2V_MAX_TOKEN_BYTES;
        truncated = 1;
    }
    /* truncation must not turn a valid character into invalid bytes */
    if (truncated && non_ascii) len = utf8_drop_cut((const unsigned char *)token, len);
    if (non_ascii && !utf8_valid(token, (int32_t)len)) {
        len = utf8_repair(token, (int32_t)len, tk->fixed, &truncated);
        token = tk->fixed;
        tk->stats.invalid_tokens++;
    }
    tk->stats.truncated_tokens += truncated;
    tk->stats.tokens++;
    tk->sentence_tokens++;
    int status = on_token(ctx, token, (int32_t)len);
    if (status == 0 && tk->sentence_tokens >= W2V_MAX_SENTENCE)
        status = end_sentence(tk, on_end, ctx);
    return status;
}

static void carry_append(w2v_tokenizer *tk, const char *bytes, int64_t len) {
    int64_t room = W2V_MAX_TOKEN_BYTES - tk->carry_len;
    if (len > room) {
        len = room;
        tk->carry_truncated = 1;
    }
    memcpy(tk->carry + tk->carry_len, bytes, len);
    tk->carry_len += (int32_t)len;
}

static int emit_carry(w2v_tokenizer *tk, w2v_token_fn on_token, w2v_sentence_end_fn on_end,
                      void *ctx) {
    int non_ascii = 0;
    for (int32_t i = 0; i < tk->carry_len; i++) non_ascii |= (unsigned char)tk->carry[i] >> 7;
    int status =
        emit(tk, tk->carry, tk->carry_len, tk->carry_truncated, non_ascii, on_token, on_end, ctx);
    tk->carry_len = 0;
    tk->carry_truncated = 0;
    tk->in_token = 0;
    return status;
}

int w2v_tokenizer_feed(w2v_tokenizer *tk, const char *bytes, int64_t n_bytes, int final,
                       w2v_token_fn on_token, w2v_sentence_end_fn on_end, void *ctx) {
    const unsigned char *s = (const unsigned char *)bytes;
    int64_t i = 0;
    int status = 0;
    while (i < n_bytes && status == 0) {
        if (separator[s[i]]) {
            if (tk->in_token) status = emit_carry(tk, on_token, on_end, ctx);
            if (status == 0 && s[i] == '\n') status = end_sentence(tk, on_end, ctx);
            i++;
            continue;
        }
        int64_t start = i;
        unsigned char high = 0;
        while (i < n_bytes && !separator[s[i]]) high |= s[i++];
        if (i == n_bytes && !final) { /* the token may go on in the next chunk */
            carry_append(tk, bytes + start, i - start);
            tk->in_token = 1;
        } else if (tk->in_token) {
            carry_append(tk, bytes + start, i - start);
            status = emit_carry(tk, on_token, on_end, ctx);
        } else {
            status = emit(tk, bytes + start, i - start, 0, high >> 7, on_token, on_end, ctx);
        }
    }
    if (final && status == 0) {
        if (tk->in_token) status = emit_carry(tk, on_token, on_end, ctx);
        if (status == 0) status = end_sentence(tk, on_end, ctx);
    }
    return status;
}
