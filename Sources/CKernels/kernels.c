#include "CKernels.h"

// Plain loops the compiler vectorises; target_clones builds AVX-512, AVX2 and baseline versions and the loader
// picks the best one for the processor at run time.
__attribute__((target_clones("avx512f", "avx2", "default")))
void rc_gelu(float *values, long count) {
    for (long i = 0; i < count; i++) {
        float v = values[i];
        float x = v * 0.70710678118654752f;
        x = x < -4.0f ? -4.0f : (x > 4.0f ? 4.0f : x);
        float x2 = x * x;
        float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
        p = x2 * p - 2.10102402082508e-06f;
        p = x2 * p - 5.69250639462346e-05f;
        p = x2 * p - 7.34990630326855e-04f;
        p = x2 * p - 2.95459980854025e-03f;
        p = x2 * p - 1.60960333262415e-02f;
        p = x * p;
        float q = x2 * -1.45660718464996e-05f - 2.13374055278905e-04f;
        q = x2 * q - 1.68282697438203e-03f;
        q = x2 * q - 7.37332916720468e-03f;
        q = x2 * q - 1.42647390514189e-02f;
        values[i] = 0.5f * v * (1.0f + p / q);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

int rc_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

void rc_pack_weights(const float *weight, long outputs, long inputs, float *packed) {
    for (long panel = 0; panel < outputs / 16; panel++) {
        for (long k = 0; k < inputs; k++) {
            for (long j = 0; j < 16; j++) packed[(panel * inputs + k) * 16 + j] = weight[(panel * 16 + j) * inputs + k];
        }
    }
}

// ROWS rows of x against PANELS panels of 16 outputs over inputs [k0, k1): ROWS x PANELS accumulators stay in
// registers while k runs; each step loads PANELS vectors of weights and broadcasts ROWS inputs. The accumulators
// start from the bias (first block of inputs) or from what earlier blocks wrote to `out`.
#define RC_MICROKERNEL(ROWS, PANELS)                                                                                   \
    __attribute__((target("avx512f"))) static void rc_block_##ROWS##_##PANELS(                                        \
        const float *x, long inputs, long k0, long k1, const float *packed, const float *bias, long outputs, float *out) { \
        __m512 acc[ROWS][PANELS];                                                                                      \
        for (int p = 0; p < PANELS; p++) {                                                                             \
            for (int r = 0; r < ROWS; r++) {                                                                           \
                acc[r][p] = k0 == 0 ? _mm512_loadu_ps(bias + p * 16) : _mm512_loadu_ps(out + r * outputs + p * 16);  \
            }                                                                                                          \
        }                                                                                                              \
        for (long k = k0; k < k1; k++) {                                                                               \
            __m512 w[PANELS];                                                                                          \
            for (int p = 0; p < PANELS; p++) w[p] = _mm512_loadu_ps(packed + (p * inputs + k) * 16);                  \
            for (int r = 0; r < ROWS; r++) {                                                                           \
                __m512 v = _mm512_set1_ps(x[r * inputs + k]);                                                          \
                for (int p = 0; p < PANELS; p++) acc[r][p] = _mm512_fmadd_ps(v, w[p], acc[r][p]);                      \
            }                                                                                                          \
        }                                                                                                              \
        for (int r = 0; r < ROWS; r++) {                                                                               \
            for (int p = 0; p < PANELS; p++) _mm512_storeu_ps(out + r * outputs + p * 16, acc[r][p]);                  \
        }                                                                                                              \
    }

RC_MICROKERNEL(1, 4)
RC_MICROKERNEL(2, 4)
RC_MICROKERNEL(3, 4)
RC_MICROKERNEL(4, 4)
RC_MICROKERNEL(5, 4)
RC_MICROKERNEL(6, 4)
RC_MICROKERNEL(1, 1)
RC_MICROKERNEL(2, 1)
RC_MICROKERNEL(3, 1)
RC_MICROKERNEL(4, 1)
RC_MICROKERNEL(5, 1)
RC_MICROKERNEL(6, 1)

typedef void (*rc_block_function)(const float *, long, long, long, const float *, const float *, long, float *);

// Inputs taken at a time: a block of four panels' weights (16 KB) and of the rows' inputs stay in the L1 cache
// while every row block passes over them.
#define RC_INPUT_BLOCK 64
// Rows taken at a time, so that their block of inputs (24 KB) stays in the L1 cache too.
#define RC_ROW_CHUNK 96

__attribute__((target("avx512f")))
void rc_linear_packed(const float *x, long rows, long inputs, const float *packed, const float *bias, long outputs, float *out) {
    static const rc_block_function wide[7] = {0, rc_block_1_4, rc_block_2_4, rc_block_3_4, rc_block_4_4, rc_block_5_4, rc_block_6_4};
    static const rc_block_function narrow[7] = {0, rc_block_1_1, rc_block_2_1, rc_block_3_1, rc_block_4_1, rc_block_5_1, rc_block_6_1};
    long panels = outputs / 16;
    for (long chunk = 0; chunk < rows; chunk += RC_ROW_CHUNK) {
        long chunkEnd = rows - chunk < RC_ROW_CHUNK ? rows : chunk + RC_ROW_CHUNK;
        for (long panel = 0; panel < panels;) {
            long group = panels - panel >= 4 ? 4 : 1;
            const float *weights = packed + panel * inputs * 16;
            for (long k0 = 0; k0 < inputs; k0 += RC_INPUT_BLOCK) {
                long k1 = inputs - k0 < RC_INPUT_BLOCK ? inputs : k0 + RC_INPUT_BLOCK;
                for (long row = chunk; row < chunkEnd; row += 6) {
                    long count = chunkEnd - row < 6 ? chunkEnd - row : 6;
                    (group == 4 ? wide : narrow)[count](x + row * inputs, inputs, k0, k1, weights, bias + panel * 16, outputs,
                                                        out + row * outputs + panel * 16);
                }
            }
            panel += group;
        }
    }
}
#else
int rc_has_avx512(void) { return 0; }
void rc_pack_weights(const float *weight, long outputs, long inputs, float *packed) {}
void rc_linear_packed(const float *x, long rows, long inputs, const float *packed, const float *bias, long outputs, float *out) {}
#endif
