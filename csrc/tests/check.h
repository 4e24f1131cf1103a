/* A minimal assertion harness shared by the C unit tests: CHECK counts failures and
 * prints file:line and the failing expression; check_exit() is main's return value. */
#ifndef W2V_TEST_CHECK_H
#define W2V_TEST_CHECK_H

#include <stdio.h>

/* The only globals of a test program: how many checks ran and how many failed. */
static int check_count, check_failures;

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(expr)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr);               \
        }                                                                                          \
    } while (0)

/* CHECK with a printf-style note (the values involved) printed on failure. */
#define CHECKF(expr, ...)                                                                          \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(expr)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #expr);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static inline int check_exit(const char *name) {
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}

#endif /* W2V_TEST_CHECK_H */
