/*
 * Dense float32 row operations, written so that the compiler vectorises them for
 * whatever instruction set the including function is compiled for (step.c builds
 * the kernel once per ISA with target attributes and picks one at run time).
 *
 * The dot product keeps W2V_LANES independent partial sums: a plain running sum is a
 * dependency chain that compilers may not reorder without -ffast-math.
 */
#ifndef W2V_VECOPS_H
#define W2V_VECOPS_H

#define W2V_LANES 16
#define W2V_INLINE static inline __attribute__((always_inline))

W2V_INLINE float w2v_vec_dot(const float *restrict x, const float *restrict y, int n) {
    float acc[W2V_LANES] = {0};
    int i = 0;
    for (; i + W2V_LANES <= n; i += W2V_LANES)
        for (int j = 0; j < W2V_LANES; j++) acc[j] += x[i + j] * y[i + j];
    float tail = 0.0f;
    for (; i < n; i++) tail += x[i] * y[i];
    for (int width = W2V_LANES / 2; width >= 1; width /= 2)
        for (int j = 0; j < width; j++) acc[j] += acc[j + width];
    return acc[0] + tail;
}

/* y += a * x */
W2V_INLINE void w2v_vec_axpy(float a, const float *restrict x, float *restrict y, int n) {
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

/* y += x */
W2V_INLINE void w2v_vec_add(const float *restrict x, float *restrict y, int n) {
    for (int i = 0; i < n; i++) y[i] += x[i];
}

W2V_INLINE void w2v_vec_copy(const float *restrict x, float *restrict y, int n) {
    for (int i = 0; i < n; i++) y[i] = x[i];
}

W2V_INLINE void w2v_vec_scale(float a, float *y, int n) {
    for (int i = 0; i < n; i++) y[i] *= a;
}

W2V_INLINE void w2v_vec_zero(float *y, int n) {
    for (int i = 0; i < n; i++) y[i] = 0.0f;
}

#endif /* W2V_VECOPS_H */
