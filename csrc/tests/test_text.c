/* Unit tests of text counting and encoding (vocab_count.c, encode.c, tokenize.c):
 * w2v_counter_* and w2v_encoder_*. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "w2v.h"

/* ---- helpers ------------------------------------------------------------------ */

/* What a counter holds after a text, exported. */
typedef struct {
    int status;
    int64_t size, n_bytes, min_reduce;
    char *bytes;
    int64_t *offsets, *counts;
    w2v_text_stats stats;
} counted;

static void counted_free(counted *c) {
    free(c->bytes);
    free(c->offsets);
    free(c->counts);
    memset(c, 0, sizeof *c);
}

static void export_counter(const w2v_counter *counter, counted *c) {
    c->size = w2v_counter_size(counter);
    c->n_bytes = w2v_counter_bytes(counter);
    c->min_reduce = w2v_counter_min_reduce(counter);
    c->stats = *w2v_counter_stats(counter);
    c->bytes = malloc((size_t)c->n_bytes + 1);
    c->offsets = malloc((size_t)(c->size + 1) * sizeof *c->offsets);
    c->counts = malloc((size_t)(c->size + 1) * sizeof *c->counts);
    if (!c->bytes || !c->offsets || !c->counts) {
        c->status = -1;
        return;
    }
    w2v_counter_export(counter, c->bytes, c->offsets, c->counts);
}

/* Counts text fed in chunks of `chunk` bytes (0: all at once). The last chunk carries
 * final = 1, or, with empty_final, a separate empty call does. */
static counted count_text(const char *text, int64_t len, int64_t chunk, int64_t max_size,
                          int empty_final) {
    counted c;
    memset(&c, 0, sizeof c);
    w2v_counter *counter = w2v_counter_new(max_size);
    if (!counter) {
        c.status = -1;
        return c;
    }
    if (chunk <= 0) chunk = len > 0 ? len : 1;
    int64_t pos = 0;
    do {
        int64_t n = len - pos < chunk ? len - pos : chunk;
        int last = pos + n == len;
        c.status = w2v_counter_feed(counter, text + pos, n, last && !empty_final);
        pos += n;
    } while (pos < len && c.status == W2V_OK);
    if (empty_final && c.status == W2V_OK) c.status = w2v_counter_feed(counter, text, 0, 1);
    if (c.status == W2V_OK) export_counter(counter, &c);
    w2v_counter_free(counter);
    return c;
}

static int stats_equal(const w2v_text_stats *a, const w2v_text_stats *b) {
    return a->tokens == b->tokens && a->sentences == b->sentences &&
           a->invalid_tokens == b->invalid_tokens && a->truncated_tokens == b->truncated_tokens;
}

static int counted_equal(const counted *a, const counted *b) {
    if (a->status != b->status || a->size != b->size || a->n_bytes != b->n_bytes ||
        !stats_equal(&a->stats, &b->stats))
        return 0;
    if (a->status != W2V_OK) return 1;
    return memcmp(a->offsets, b->offsets, (size_t)(a->size + 1) * sizeof *a->offsets) == 0 &&
           memcmp(a->counts, b->counts, (size_t)a->size * sizeof *a->counts) == 0 &&
           memcmp(a->bytes, b->bytes, (size_t)a->n_bytes) == 0;
}

/* Count of a word (given with its length), or -1 if absent. */
static int64_t count_of(const counted *c, const char *word, int64_t len) {
    for (int64_t i = 0; i < c->size; i++)
        if (c->offsets[i + 1] - c->offsets[i] == len &&
            memcmp(c->bytes + c->offsets[i], word, (size_t)len) == 0)
            return c->counts[i];
    return -1;
}
#define COUNT_OF(c, literal) count_of((c), (literal), (int64_t)sizeof(literal) - 1)

/* Index of a word in first-seen order, or -1. */
static int64_t index_of(const counted *c, const char *word) {
    int64_t len = (int64_t)strlen(word);
    for (int64_t i = 0; i < c->size; i++)
        if (c->offsets[i + 1] - c->offsets[i] == len &&
            memcmp(c->bytes + c->offsets[i], word, (size_t)len) == 0)
            return i;
    return -1;
}

/* An independent UTF-8 validator (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
static int valid_utf8(const unsigned char *s, int64_t n) {
    for (int64_t i = 0; i < n;) {
        unsigned c = s[i];
        int len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n) return 0;
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

/* Every exported word is 1..W2V_MAX_TOKEN_BYTES bytes of valid UTF-8 without
 * separators; returns the number of words breaking that. */
static int64_t bad_words(const counted *c) {
    int64_t bad = 0;
    for (int64_t i = 0; i < c->size; i++) {
        const char *w = c->bytes + c->offsets[i];
        int64_t len = c->offsets[i + 1] - c->offsets[i];
        int ok =
            len >= 1 && len <= W2V_MAX_TOKEN_BYTES && valid_utf8((const unsigned char *)w, len);
        for (int64_t k = 0; ok && k < len; k++) ok = strchr(" \t\n\v\f\r", w[k]) == NULL && w[k];
        bad += !ok;
    }
    return bad;
}

/* An encoder over NUL-free words given as C strings. */
static w2v_encoder *encoder_of(const char *const *words, int32_t n) {
    int64_t offsets[64], pos = 0;
    char bytes[512];
    if (n > 63) return NULL;
    for (int32_t i = 0; i < n; i++) {
        size_t len = strlen(words[i]);
        if (pos + (int64_t)len > (int64_t)sizeof bytes) return NULL;
        offsets[i] = pos;
        memcpy(bytes + pos, words[i], len);
        pos += (int64_t)len;
    }
    offsets[n] = pos;
    return w2v_encoder_new(bytes, offsets, n);
}

/* Encodes text in chunks of `chunk` bytes (0: all at once) into out[0..capacity). */
static int encode_text(const char *const *words, int32_t n_words, const char *text, int64_t len,
                       int64_t chunk, int32_t *out, int64_t capacity, int64_t *n_out,
                       w2v_text_stats *stats) {
    w2v_encoder *encoder = encoder_of(words, n_words);
    if (!encoder) return -1;
    if (chunk <= 0) chunk = len > 0 ? len : 1;
    int status = W2V_OK;
    int64_t pos = 0;
    *n_out = 0;
    do {
        int64_t n = len - pos < chunk ? len - pos : chunk;
        status = w2v_encoder_feed(encoder, text + pos, n, pos + n == len, out, capacity, n_out);
        pos += n;
    } while (pos < len && status == W2V_OK);
    if (stats) *stats = *w2v_encoder_stats(encoder);
    w2v_encoder_free(encoder);
    return status;
}

/* ---- counter ------------------------------------------------------------------ */

static void test_count_basic(void) {
    static const char text[] = "a b a\nc a\n";
    counted c = count_text(text, sizeof text - 1, 0, 0, 0);
    CHECK(c.status == W2V_OK);
    CHECK(c.size == 3);
    CHECK(c.n_bytes == 3);
    CHECK(c.stats.tokens == 5);
    CHECK(c.stats.sentences == 2);
    CHECK(c.stats.invalid_tokens == 0 && c.stats.truncated_tokens == 0);
    CHECK(c.min_reduce == 0);
    if (c.status == W2V_OK && c.size == 3) {
        CHECK(c.offsets[0] == 0 && c.offsets[1] == 1 && c.offsets[2] == 2 && c.offsets[3] == 3);
        CHECK(memcmp(c.bytes, "abc", 3) == 0); /* first-seen order */
        CHECK(c.counts[0] == 3 && c.counts[1] == 1 && c.counts[2] == 1);
    }
    counted_free(&c);

    /* an empty text, and a text of separators only */
    c = count_text("", 0, 0, 0, 0);
    CHECK(c.status == W2V_OK && c.size == 0 && c.stats.tokens == 0 && c.stats.sentences == 0);
    CHECK(c.offsets != NULL && c.offsets[0] == 0);
    counted_free(&c);
    c = count_text(" \n\t\r\n\n", 6, 0, 0, 0);
    CHECK(c.status == W2V_OK && c.size == 0 && c.stats.tokens == 0 && c.stats.sentences == 0);
    counted_free(&c);
}

static void test_separators(void) {
    /* CRLF line ends: \r separates, \n ends the sentence */
    static const char crlf[] = "a b\r\nc\r\n\r\nb\r\n";
    counted c = count_text(crlf, sizeof crlf - 1, 0, 0, 0);
    CHECK(c.size == 3 && c.stats.tokens == 4 && c.stats.sentences == 3);
    CHECK(COUNT_OF(&c, "b") == 2 && COUNT_OF(&c, "c") == 1 && COUNT_OF(&c, "c\r") == -1);
    CHECK(bad_words(&c) == 0);
    counted_free(&c);

    /* tabs, runs of spaces, \v and \f */
    static const char spaces[] = "  a\t\tb    c \v d\f\fa \t";
    c = count_text(spaces, sizeof spaces - 1, 0, 0, 0);
    CHECK(c.size == 4 && c.stats.tokens == 5 && c.stats.sentences == 1);
    CHECK(COUNT_OF(&c, "a") == 2 && COUNT_OF(&c, "d") == 1);
    counted_free(&c);

    /* empty and blank lines are no sentences; a last line without \n is one */
    static const char lines[] = "\n\na\n\n\n b\n  \t\n\r\nc d";
    c = count_text(lines, sizeof lines - 1, 0, 0, 0);
    CHECK(c.stats.tokens == 4 && c.stats.sentences == 3);
    counted_free(&c);

    /* NUL bytes separate tokens (and do not end sentences) */
    static const char nul[] = "a\0b\0\0a\0";
    c = count_text(nul, sizeof nul - 1, 0, 0, 0);
    CHECK(c.size == 2 && c.stats.tokens == 3 && c.stats.sentences == 1);
    CHECK(COUNT_OF(&c, "a") == 2 && COUNT_OF(&c, "b") == 1);
    CHECK(c.n_bytes == 2);
    counted_free(&c);
}

/* A text exercising every rule, fed in every chunk size, gives the same result. */
static void test_chunking(void) {
    static const char text[] =
        "the cat\tsat  on\r\nthe mat\n\n caf\xc3\xa9 caf\xe9 \x80 \xf0\x9f\x98\x80!\0the"
        "\v\fend\n  \n\xe2\x82\xac\xe2\x82 longertokenthanmost  last";
    const int64_t len = sizeof text - 1;
    counted whole = count_text(text, len, 0, 0, 0);
    CHECK(whole.status == W2V_OK);
    CHECK(whole.stats.tokens == 15);
    CHECK(whole.stats.sentences == 4);
    CHECK(whole.stats.invalid_tokens == 3); /* caf\xe9, \x80, \xe2\x82\xac\xe2\x82 */
    CHECK(COUNT_OF(&whole, "the") == 3);
    CHECK(bad_words(&whole) == 0);
    int64_t mismatches = 0;
    for (int64_t chunk = 1; chunk <= len; chunk++) {
        for (int empty_final = 0; empty_final <= 1; empty_final++) {
            counted c = count_text(text, len, chunk, 0, empty_final);
            if (!counted_equal(&whole, &c)) {
                mismatches++;
                fprintf(stderr, "  chunk %lld (empty final %d) differs\n", (long long)chunk,
                        empty_final);
            }
            counted_free(&c);
        }
    }
    CHECK(mismatches == 0);
    counted_free(&whole);
}

static void test_long_sentences(void) {
    /* 25,000 tokens on one line: cut after 10,000 and 20,000 */
    const int64_t n_tokens = 25000;
    char *line = malloc((size_t)(2 * n_tokens + 1));
    CHECK(line != NULL);
    if (!line) return;
    for (int64_t i = 0; i < n_tokens; i++) line[2 * i] = 'w', line[2 * i + 1] = ' ';
    line[2 * n_tokens] = '\n';
    counted c = count_text(line, 2 * n_tokens + 1, 0, 0, 0);
    CHECK(c.stats.tokens == 25000 && c.stats.sentences == 3 && COUNT_OF(&c, "w") == 25000);
    counted_free(&c);
    c = count_text(line, 2 * n_tokens + 1, 777, 0, 0);
    CHECK(c.stats.tokens == 25000 && c.stats.sentences == 3);
    counted_free(&c);
    /* exactly W2V_MAX_SENTENCE tokens then \n: one sentence, not two */
    line[2 * W2V_MAX_SENTENCE - 1] = '\n';
    c = count_text(line, 2 * W2V_MAX_SENTENCE, 0, 0, 0);
    CHECK(c.stats.tokens == W2V_MAX_SENTENCE && c.stats.sentences == 1);
    counted_free(&c);
    /* one more token: two sentences */
    line[2 * W2V_MAX_SENTENCE - 1] = ' ';
    line[2 * W2V_MAX_SENTENCE + 1] = '\n';
    c = count_text(line, 2 * W2V_MAX_SENTENCE + 2, 0, 0, 0);
    CHECK(c.stats.tokens == W2V_MAX_SENTENCE + 1 && c.stats.sentences == 2);
    counted_free(&c);
    free(line);
}

static void test_long_tokens(void) {
    const int64_t max = W2V_MAX_TOKEN_BYTES;
    char *text = malloc((size_t)(2 * max + 16));
    CHECK(text != NULL);
    if (!text) return;
    const int64_t chunks[] = {0, 1, 3, 1000, max - 1, max, max + 1};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        /* "x" * (max + 904) then " y": truncated to max bytes, counted once */
        int64_t len = max + 904;
        memset(text, 'x', (size_t)len);
        memcpy(text + len, " y", 2);
        counted c = count_text(text, len + 2, chunks[k], 0, 0);
        CHECKF(c.size == 2 && c.stats.tokens == 2 && c.stats.truncated_tokens == 1, "chunk %lld",
               (long long)chunks[k]);
        CHECK(c.size >= 1 && c.offsets[1] - c.offsets[0] == max);
        CHECK(c.stats.invalid_tokens == 0);
        CHECK(COUNT_OF(&c, "y") == 1);
        counted_free(&c);

        /* exactly max bytes: kept whole, not truncated */
        memset(text, 'z', (size_t)max);
        c = count_text(text, max, chunks[k], 0, 0);
        CHECKF(c.size == 1 && c.stats.truncated_tokens == 0 && c.n_bytes == max, "chunk %lld",
               (long long)chunks[k]);
        counted_free(&c);
    }
    free(text);
}

/* Truncation and U+FFFD repair must still give tokens of at most W2V_MAX_TOKEN_BYTES
 * bytes: the counter's words are the encoder's vocabulary, and w2v_encoder_new refuses
 * longer words. */
static void test_long_token_roundtrip(void) {
    const int64_t max = W2V_MAX_TOKEN_BYTES;
    char *text = malloc((size_t)(3 * max));
    CHECK(text != NULL);
    if (!text) return;
    struct {
        const char *what;
        int64_t len;
    } cases[2] = {{"'a' + 3000 x U+00E9 (valid, cut inside a character)", 1 + 2 * 3000},
                  {"2000 bytes 0xFF (each invalid)", 2000}};
    for (int k = 0; k < 2; k++) {
        if (k == 0) {
            text[0] = 'a';
            for (int i = 0; i < 3000; i++) text[1 + 2 * i] = '\xc3', text[2 + 2 * i] = '\xa9';
        } else {
            memset(text, 0xff, (size_t)cases[k].len);
        }
        counted c = count_text(text, cases[k].len, 0, 0, 0);
        CHECK(c.status == W2V_OK && c.size == 1);
        if (c.status != W2V_OK || c.size != 1) {
            counted_free(&c);
            continue;
        }
        int64_t word_len = c.offsets[1] - c.offsets[0];
        CHECKF(word_len <= max, "%s: token of %lld bytes", cases[k].what, (long long)word_len);
        CHECK(valid_utf8((const unsigned char *)c.bytes, word_len));
        CHECK(c.stats.truncated_tokens == 1);
        /* cutting a valid token does not make it "invalid UTF-8 replaced" */
        if (k == 0) CHECK(c.stats.invalid_tokens == 0);
        w2v_encoder *encoder = w2v_encoder_new(c.bytes, c.offsets, 1);
        CHECKF(encoder != NULL, "%s: the encoder refuses the counter's word", cases[k].what);
        if (encoder) {
            int32_t out[4];
            int64_t n_out = 0;
            CHECK(w2v_encoder_feed(encoder, text, cases[k].len, 1, out, 4, &n_out) == W2V_OK);
            CHECK(n_out == 2 && out[0] == 0 && out[1] == -1);
            w2v_encoder_free(encoder);
        }
        counted_free(&c);
    }
    free(text);
}

static void test_utf8(void) {
    static const char text[] = "caf\xe9 \x80 caf\xc3\xa9 \xf0\x9f\x98\x80 caf\xc3\xa9\n";
    counted c = count_text(text, sizeof text - 1, 0, 0, 0);
    CHECK(c.size == 4 && c.stats.tokens == 5);
    CHECK(c.stats.invalid_tokens == 2);
    CHECK(COUNT_OF(&c, "caf\xef\xbf\xbd") == 1);  /* \xe9 alone -> U+FFFD */
    CHECK(COUNT_OF(&c, "\xef\xbf\xbd") == 1);     /* a lone continuation byte */
    CHECK(COUNT_OF(&c, "caf\xc3\xa9") == 2);      /* valid 2-byte sequence kept */
    CHECK(COUNT_OF(&c, "\xf0\x9f\x98\x80") == 1); /* valid 4-byte sequence kept */
    CHECK(COUNT_OF(&c, "caf\xe9") == -1 && COUNT_OF(&c, "\x80") == -1);
    CHECK(bad_words(&c) == 0);
    counted_free(&c);

    /* overlong, surrogate, out-of-range and truncated sequences are all repaired */
    static const char bad[] = "\xc0\xaf \xe0\x9f\xbf \xf0\x8f\xbf\xbf \xed\xa0\x80 "
                              "\xf4\x90\x80\x80 \xe2\x82 \xf0\x9f\x98 ok\xff \xfe";
    c = count_text(bad, sizeof bad - 1, 0, 0, 0);
    CHECK(c.stats.tokens == 9 && c.stats.invalid_tokens == 9);
    CHECK(bad_words(&c) == 0);
    counted_free(&c);

    /* valid: the largest code point, U+FFFD itself, a 3-byte sequence after E0 */
    static const char good[] = "\xf4\x8f\xbf\xbf \xef\xbf\xbd \xe0\xa0\x80 \xed\x9f\xbf";
    c = count_text(good, sizeof good - 1, 0, 0, 0);
    CHECK(c.stats.tokens == 4 && c.stats.invalid_tokens == 0 && c.size == 4);
    CHECK(COUNT_OF(&c, "\xf4\x8f\xbf\xbf") == 1);
    counted_free(&c);
}

static void test_pruning(void) {
    /* feeds "the wK " for K = 0..99: the counter never holds more than 3 words, the
     * rare ones go and "the", seen every time, survives with its exact count */
    w2v_counter *counter = w2v_counter_new(3);
    CHECK(counter != NULL);
    if (!counter) return;
    int64_t too_big = 0, previous_reduce = 0, reduce_decreased = 0;
    char piece[32];
    for (int k = 0; k < 100; k++) {
        int len = snprintf(piece, sizeof piece, "the w%d ", k);
        CHECK(w2v_counter_feed(counter, piece, len, k == 99) == W2V_OK);
        too_big += w2v_counter_size(counter) > 3;
        reduce_decreased += w2v_counter_min_reduce(counter) < previous_reduce;
        previous_reduce = w2v_counter_min_reduce(counter);
    }
    CHECK(too_big == 0);
    CHECK(reduce_decreased == 0);
    CHECK(w2v_counter_min_reduce(counter) >= 1);
    counted c;
    memset(&c, 0, sizeof c);
    export_counter(counter, &c);
    CHECK(c.stats.tokens == 200);
    CHECK(COUNT_OF(&c, "the") == 100);
    CHECK(c.n_bytes == c.offsets[c.size]); /* bytes() matches what export writes */
    counted_free(&c);
    w2v_counter_free(counter);

    /* many distinct words in one feed: still bounded; and max_size <= 0: no limit */
    char text[1200];
    int len = 0;
    for (int k = 0; k < 200; k++) len += snprintf(text + len, sizeof text - len, "v%d ", k);
    c = count_text(text, len, 0, 3, 0);
    CHECK(c.status == W2V_OK && c.size <= 3 && c.min_reduce >= 1);
    counted_free(&c);
    c = count_text(text, len, 0, 0, 0);
    CHECK(c.size == 200 && c.min_reduce == 0);
    CHECK(index_of(&c, "v0") == 0 && index_of(&c, "v199") == 199);
    counted_free(&c);
    c = count_text(text, len, 0, -5, 0);
    CHECK(c.size == 200 && c.min_reduce == 0);
    counted_free(&c);
}

/* ---- encoder ------------------------------------------------------------------ */

static const char *const abc[3] = {"a", "b", "c"};
/* OOV words x, y dropped; the OOV-only line "x y" gives no -1; empty lines nothing */
static const char enc_text[] = "a x b\nx y\nc\n\n a";
static const int32_t enc_ids[7] = {0, 1, -1, 2, -1, 0, -1};

static void test_encode_basic(void) {
    int32_t out[16];
    int64_t n_out = 0;
    w2v_text_stats stats;
    int status = encode_text(abc, 3, enc_text, sizeof enc_text - 1, 0, out, 16, &n_out, &stats);
    CHECK(status == W2V_OK);
    CHECK(n_out == 7 && memcmp(out, enc_ids, sizeof enc_ids) == 0);
    CHECK(stats.tokens == 7 && stats.sentences == 4); /* OOV tokens are still tokens */

    /* a sentence of OOV words only produces nothing at all */
    status = encode_text(abc, 3, "x y z\n\nq\n", 9, 0, out, 16, &n_out, NULL);
    CHECK(status == W2V_OK && n_out == 0);

    /* appends after *n_out, leaving out[0..*n_out) alone */
    w2v_encoder *encoder = encoder_of(abc, 3);
    CHECK(encoder != NULL);
    if (encoder) {
        out[0] = 77, out[1] = 78;
        n_out = 2;
        CHECK(w2v_encoder_feed(encoder, "c c\n", 4, 1, out, 16, &n_out) == W2V_OK);
        CHECK(n_out == 5 && out[0] == 77 && out[1] == 78 && out[2] == 2 && out[3] == 2 &&
              out[4] == -1);
        w2v_encoder_free(encoder);
    }
}

static void test_encode_lookup(void) {
    w2v_encoder *encoder = encoder_of(abc, 3);
    CHECK(encoder != NULL);
    if (!encoder) return;
    CHECK(w2v_encoder_lookup(encoder, "a", 1) == 0);
    CHECK(w2v_encoder_lookup(encoder, "b", 1) == 1);
    CHECK(w2v_encoder_lookup(encoder, "c", 1) == 2);
    CHECK(w2v_encoder_lookup(encoder, "d", 1) == -1);
    CHECK(w2v_encoder_lookup(encoder, "ab", 2) == -1);
    CHECK(w2v_encoder_lookup(encoder, "ab", 1) == 0); /* n_bytes, not NUL, ends the word */
    CHECK(w2v_encoder_lookup(encoder, "", 0) == -1);
    w2v_encoder_free(encoder);

    /* multibyte words, and a vocabulary large enough to grow the hash table */
    static const char *const words[4] = {"caf\xc3\xa9", "\xf0\x9f\x98\x80", "na\xc3\xafve", "x"};
    encoder = encoder_of(words, 4);
    CHECK(encoder != NULL);
    if (encoder) {
        CHECK(w2v_encoder_lookup(encoder, "\xf0\x9f\x98\x80", 4) == 1);
        CHECK(w2v_encoder_lookup(encoder, "caf\xef\xbf\xbd", 6) == -1);
        w2v_encoder_free(encoder);
    }
    enum { BIG = 5000 };
    char *bytes = malloc(BIG * 8);
    int64_t *offsets = malloc((BIG + 1) * sizeof *offsets);
    CHECK(bytes != NULL && offsets != NULL);
    if (bytes && offsets) {
        int64_t pos = 0;
        for (int i = 0; i < BIG; i++) {
            offsets[i] = pos;
            pos += snprintf(bytes + pos, 8, "w%d", i);
        }
        offsets[BIG] = pos;
        encoder = w2v_encoder_new(bytes, offsets, BIG);
        CHECK(encoder != NULL);
        if (encoder) {
            int wrong = 0;
            char word[8];
            for (int i = 0; i < BIG; i++) {
                int len = snprintf(word, sizeof word, "w%d", i);
                wrong += w2v_encoder_lookup(encoder, word, len) != i;
            }
            CHECK(wrong == 0);
            CHECK(w2v_encoder_lookup(encoder, "w5000", 5) == -1);
            w2v_encoder_free(encoder);
        }
    }
    free(bytes);
    free(offsets);
}

static void test_encode_capacity(void) {
    const int32_t sentinel = 0x5eed;
    for (int64_t cap = 0; cap < 7; cap++) {
        /* exactly cap writable entries, and a sentinel right after them */
        int32_t *out = malloc((size_t)(cap + 1) * sizeof *out);
        CHECK(out != NULL);
        if (!out) continue;
        out[cap] = sentinel;
        int64_t n_out = 0;
        int status = encode_text(abc, 3, enc_text, sizeof enc_text - 1, 0, out, cap, &n_out, NULL);
        CHECKF(status == W2V_ERR_CAPACITY, "capacity %lld: status %d", (long long)cap, status);
        CHECKF(out[cap] == sentinel, "capacity %lld: written past the end", (long long)cap);
        CHECK(n_out >= 0 && n_out <= cap);
        if (n_out >= 0 && n_out <= cap)
            CHECK(memcmp(out, enc_ids, (size_t)n_out * sizeof *out) == 0);
        free(out);
    }
    int32_t out[8];
    out[7] = sentinel;
    int64_t n_out = 0;
    CHECK(encode_text(abc, 3, enc_text, sizeof enc_text - 1, 0, out, 7, &n_out, NULL) == W2V_OK);
    CHECK(n_out == 7 && out[7] == sentinel);
}

static void test_encode_chunking(void) {
    static const char text[] = "a x b\r\nx y\n\nc\tcaf\xc3\xa9 \xe9 a\0b\n\n a  c";
    static const char *const words[5] = {"a", "b", "c", "caf\xc3\xa9", "\xef\xbf\xbd"};
    const int64_t len = sizeof text - 1;
    int32_t whole[32], part[32];
    int64_t n_whole = 0, n_part = 0;
    w2v_text_stats s_whole, s_part;
    CHECK(encode_text(words, 5, text, len, 0, whole, 32, &n_whole, &s_whole) == W2V_OK);
    static const int32_t expected[] = {0, 1, -1, 2, 3, 4, 0, 1, -1, 0, 2, -1};
    CHECK(n_whole == 12 && memcmp(whole, expected, sizeof expected) == 0);
    int64_t mismatches = 0;
    for (int64_t chunk = 1; chunk <= len; chunk++) {
        int status = encode_text(words, 5, text, len, chunk, part, 32, &n_part, &s_part);
        if (status != W2V_OK || n_part != n_whole ||
            memcmp(part, whole, (size_t)n_whole * sizeof *whole) != 0 ||
            !stats_equal(&s_part, &s_whole)) {
            mismatches++;
            fprintf(stderr, "  chunk %lld differs\n", (long long)chunk);
        }
    }
    CHECK(mismatches == 0);

    /* the encoder's stats agree with the counter's on the same text */
    counted c = count_text(text, len, 0, 0, 0);
    CHECK(stats_equal(&c.stats, &s_whole));
    counted_free(&c);
}

static void test_encode_long_sentence(void) {
    const int64_t n_tokens = 25000;
    char *line = malloc((size_t)(4 * n_tokens + 1));
    int32_t *out = malloc((size_t)(n_tokens + 8) * sizeof *out);
    CHECK(line != NULL && out != NULL);
    if (line && out) {
        /* "a x " repeated: the OOV x counts toward the 10,000-token cut */
        for (int64_t i = 0; i < n_tokens / 2; i++) memcpy(line + 4 * i, "a x ", 4);
        line[2 * n_tokens] = '\n';
        int64_t n_out = 0;
        CHECK(encode_text(abc, 3, line, 2 * n_tokens + 1, 0, out, n_tokens + 8, &n_out, NULL) ==
              W2V_OK);
        /* 12,500 ids of a in 3 sentences of 5,000 + 5,000 + 2,500 */
        CHECK(n_out == 12503);
        if (n_out == 12503) {
            CHECK(out[5000] == -1 && out[10001] == -1 && out[12502] == -1);
            int64_t ends = 0;
            for (int64_t i = 0; i < n_out; i++) ends += out[i] == -1;
            CHECK(ends == 3);
        }
    }
    free(line);
    free(out);
}

int main(void) {
    test_count_basic();
    test_separators();
    test_chunking();
    test_long_sentences();
    test_long_tokens();
    test_long_token_roundtrip();
    test_utf8();
    test_pruning();
    test_encode_basic();
    test_encode_lookup();
    test_encode_capacity();
    test_encode_chunking();
    test_encode_long_sentence();
    return check_exit("test_text");
}
