/*
 * Which step variant this CPU runs (step.c picks the kernel from it).
 *
 * Read from CPUID and from the register state the OS saves (XCR0), not through
 * __builtin_cpu_supports: that builtin needs a run-time helper (__cpu_indicator_init) from
 * the compiler's support library, and some toolchains ship it as a stub that reports no
 * feature at all (zig's compiler-rt, used to build the manylinux wheel), which would
 * silently leave every CPU on the portable kernel.
 */
#include "step_variants.h"
#include "w2v.h"

#if W2V_HAVE_X86_VARIANTS
#include <cpuid.h>

static uint64_t xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

w2v_simd w2v_simd_best(void) {
    unsigned a, b, c, d;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if (!__get_cpuid(1, &a, &b, &c, &d) || (c & (fma | osxsave | avx)) != (fma | osxsave | avx))
        return W2V_SIMD_SCALAR;
    uint64_t state = xcr0();
    if ((state & 0x6) != 0x6 || __get_cpuid_max(0, NULL) < 7) /* XMM and YMM state */
        return W2V_SIMD_SCALAR;
    __cpuid_count(7, 0, a, b, c, d);
    if (!(b & (1u << 5))) return W2V_SIMD_SCALAR; /* AVX2 */
    /* AVX-512 F and VL, and the OS saves opmask and ZMM state */
    if ((b & (1u << 16)) && (b & (1u << 31)) && (state & 0xe6) == 0xe6) return W2V_SIMD_AVX512;
    return W2V_SIMD_AVX2;
}
#else
w2v_simd w2v_simd_best(void) { return W2V_SIMD_SCALAR; }
#endif

w2v_step_fn w2v_select_portable_or_avx2(w2v_simd simd, w2v_step_fn portable, w2v_step_fn avx2) {
    w2v_simd best = w2v_simd_best();
    if (simd == W2V_SIMD_AUTO) simd = best;
    if (simd == W2V_SIMD_SCALAR) return portable;
    /* no AVX-512 variant: AVX-512 CPUs run the AVX2 one */
    if ((simd == W2V_SIMD_AVX2 || simd == W2V_SIMD_AVX512) && best >= simd) return avx2;
    return NULL;
}
