/* A prefetch the compiler cannot drop: GCC treats __builtin_prefetch as free of side
 * effects and deletes loops (and whole functions) made only of prefetches. */
#ifndef W2V_PREFETCH_H
#define W2V_PREFETCH_H

static inline void w2v_prefetch(const void *p) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p, 1, 3);
#endif
}

#endif /* W2V_PREFETCH_H */
