#include "CKernels.h"

#include <math.h>

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

// The 8-bit product's parts that every processor runs the same way. Integer sums are exact and each floating-point
// step below is one correctly rounded operation, so the AVX-512 VNNI loop and the portable one give identical bits.
#pragma STDC FP_CONTRACT OFF

void rc_quantize_weights(const float *weight, long outputs, long inputs, signed char *packed, float *scales, int *sums) {
    for (long o = 0; o < outputs; o++) {
        float largest = 0;
        for (long k = 0; k < inputs; k++) {
            float a = weight[o * inputs + k] < 0 ? -weight[o * inputs + k] : weight[o * inputs + k];
            largest = a > largest ? a : largest;
        }
        float scale = largest > 0 ? largest / 127.0f : 1.0f;
        scales[o] = scale;
        int sum = 0;
        long panel = o / 16, j = o % 16;
        for (long k = 0; k < inputs; k++) {
            float q = weight[o * inputs + k] / scale;
            int v = (int)(q < 0 ? q - 0.5f : q + 0.5f);
            v = v > 127 ? 127 : (v < -127 ? -127 : v);
            sum += v;
            packed[((panel * (inputs / 4) + k / 4) * 16 + j) * 4 + k % 4] = (signed char)v;
        }
        sums[o] = sum;
    }
}

// Runs for every token of every layer: cloned so that nearbyintf becomes one rounding instruction, not a call.
__attribute__((target_clones("avx512f", "avx2", "default")))
void rc_quantize_row(const float *row, long inputs, unsigned char *q, float *scale, int *zero) {
    // Sixteen running extremes, one per lane, so that the loop vectorises without reordering any comparison.
    float lows[16] = {0}, highs[16] = {0};
    long k = 0;
    for (; k + 16 <= inputs; k += 16) {
        for (int j = 0; j < 16; j++) {
            lows[j] = row[k + j] < lows[j] ? row[k + j] : lows[j];
            highs[j] = row[k + j] > highs[j] ? row[k + j] : highs[j];
        }
    }
    for (int j = 0; k + j < inputs; j++) {
        lows[j] = row[k + j] < lows[j] ? row[k + j] : lows[j];
        highs[j] = row[k + j] > highs[j] ? row[k + j] : highs[j];
    }
    float lowest = 0, highest = 0;
    for (int j = 0; j < 16; j++) {
        lowest = lows[j] < lowest ? lows[j] : lowest;
        highest = highs[j] > highest ? highs[j] : highest;
    }
    float step = highest > lowest ? (highest - lowest) / 255.0f : 1.0f;
    float inverse = 1.0f / step;
    int offset = (int)nearbyintf(-lowest * inverse);
    for (k = 0; k < inputs; k++) {
        int v = (int)nearbyintf(row[k] * inverse) + offset;
        q[k] = (unsigned char)(v < 0 ? 0 : (v > 255 ? 255 : v));
    }
    *scale = step;
    *zero = offset;
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

int rc_has_avx512_vnni(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
}

#define RC_INT8_KERNEL(ROWS, PANELS)                                                                                   \
    __attribute__((target("avx512f,avx512bw,avx512vnni"))) static void rc_int8_##ROWS##_##PANELS(                      \
        const unsigned char *q, const float *rowScales, const int *zeros, long inputs, const signed char *packed,       \
        const float *scales, const int *sums, const float *bias, long outputs, float *out) {                          \
        __m512i acc[ROWS][PANELS];                                                                                     \
        for (int r = 0; r < ROWS; r++)                                                                                 \
            for (int p = 0; p < PANELS; p++) acc[r][p] = _mm512_setzero_si512();                                       \
        long groups = inputs / 4;                                                                                      \
        for (long g = 0; g < groups; g++) {                                                                            \
            __m512i w[PANELS];                                                                                         \
            for (int p = 0; p < PANELS; p++) w[p] = _mm512_loadu_si512(packed + ((long)p * groups + g) * 64);          \
            for (int r = 0; r < ROWS; r++) {                                                                           \
                __m512i a = _mm512_set1_epi32(*(const int *)(q + r * inputs + g * 4));                                 \
                for (int p = 0; p < PANELS; p++) acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], a, w[p]);                  \
            }                                                                                                          \
        }                                                                                                              \
        for (int p = 0; p < PANELS; p++) {                                                                             \
            __m512i sum = _mm512_loadu_si512(sums + p * 16);                                                           \
            __m512 scale = _mm512_loadu_ps(scales + p * 16);                                                           \
            __m512 b = _mm512_loadu_ps(bias + p * 16);                                                                 \
            for (int r = 0; r < ROWS; r++) {                                                                           \
                __m512i offset = _mm512_mullo_epi32(sum, _mm512_set1_epi32(zeros[r]));                                 \
                __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][p], offset));                                    \
                v = _mm512_fmadd_ps(v, _mm512_mul_ps(scale, _mm512_set1_ps(rowScales[r])), b);                         \
                _mm512_storeu_ps(out + r * outputs + p * 16, v);                                                       \
            }                                                                                                          \
        }                                                                                                              \
    }

RC_INT8_KERNEL(1, 4)
RC_INT8_KERNEL(2, 4)
RC_INT8_KERNEL(3, 4)
RC_INT8_KERNEL(4, 4)
RC_INT8_KERNEL(5, 4)
RC_INT8_KERNEL(6, 4)
RC_INT8_KERNEL(1, 1)
RC_INT8_KERNEL(2, 1)
RC_INT8_KERNEL(3, 1)
RC_INT8_KERNEL(4, 1)
RC_INT8_KERNEL(5, 1)
RC_INT8_KERNEL(6, 1)

typedef void (*rc_int8_function)(const unsigned char *, const float *, const int *, long, const signed char *, const float *,
                                 const int *, const float *, long, float *);

__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void rc_linear_int8_vnni(const float *x, long rows, long inputs, const signed char *packed, const float *scales, const int *sums,
                                const float *bias, long outputs, float *out, unsigned char *scratch) {
    static const rc_int8_function wide[7] = {0, rc_int8_1_4, rc_int8_2_4, rc_int8_3_4, rc_int8_4_4, rc_int8_5_4, rc_int8_6_4};
    static const rc_int8_function narrow[7] = {0, rc_int8_1_1, rc_int8_2_1, rc_int8_3_1, rc_int8_4_1, rc_int8_5_1, rc_int8_6_1};
    float *rowScales = (float *)scratch;
    int *zeros = (int *)(scratch + rows * sizeof(float));
    unsigned char *q = scratch + rows * (sizeof(float) + sizeof(int));
    for (long r = 0; r < rows; r++) rc_quantize_row(x + r * inputs, inputs, q + r * inputs, rowScales + r, zeros + r);
    long panels = outputs / 16;
    for (long panel = 0; panel < panels;) {
        long group = panels - panel >= 4 ? 4 : 1;
        for (long row = 0; row < rows; row += 6) {
            long count = rows - row < 6 ? rows - row : 6;
            (group == 4 ? wide : narrow)[count](q + row * inputs, rowScales + row, zeros + row, inputs, packed + panel * inputs * 16,
                                                scales + panel * 16, sums + panel * 16, bias + panel * 16, outputs,
                                                out + row * outputs + panel * 16);
        }
        panel += group;
    }
}

int rc_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

// Up to two rows of inputs (already widened to 16-bit) against one panel of 16 outputs, without VNNI: each group's 64
// weight bytes widened to 16-bit and multiplied by the group's 4 inputs with vpmaddwd (exact: no 16-bit saturation),
// pairs summed in 32 bits.
__attribute__((target("avx2"))) static void rc_int8_avx2_panel(const short *q16, long rows, long inputs, const signed char *w,
                                                                int acc[2][16]) {
    __m256i sums[2][4];
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 4; k++) sums[r][k] = _mm256_setzero_si256();
    for (long g = 0; g < inputs / 4; g++) {
        __m256i weights[4];
        for (int k = 0; k < 4; k++) weights[k] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + g * 64 + k * 16)));
        for (int r = 0; r < rows; r++) {
            long long four;
            __builtin_memcpy(&four, q16 + r * inputs + g * 4, sizeof four);
            __m256i broadcast = _mm256_set1_epi64x(four);
            for (int k = 0; k < 4; k++) sums[r][k] = _mm256_add_epi32(sums[r][k], _mm256_madd_epi16(weights[k], broadcast));
        }
    }
    for (int r = 0; r < rows; r++) {
        int pairs[32];
        for (int k = 0; k < 4; k++) _mm256_storeu_si256((__m256i *)(pairs + k * 8), sums[r][k]);
        for (int j = 0; j < 16; j++) acc[r][j] = pairs[2 * j] + pairs[2 * j + 1];
    }
}

__attribute__((target("avx2")))
void rc_linear_int8_avx2(const float *x, long rows, long inputs, const signed char *packed, const float *scales, const int *sums,
                         const float *bias, long outputs, float *out, unsigned char *scratch) {
    float *rowScales = (float *)scratch;
    int *zeros = (int *)(scratch + rows * sizeof(float));
    unsigned char *q = scratch + rows * (sizeof(float) + sizeof(int));
    for (long r = 0; r < rows; r++) rc_quantize_row(x + r * inputs, inputs, q + r * inputs, rowScales + r, zeros + r);
    short q16[2 * inputs];
    for (long row = 0; row < rows; row += 2) {
        long count = rows - row < 2 ? rows - row : 2;
        for (long k = 0; k < count * inputs; k++) q16[k] = q[row * inputs + k];
        for (long panel = 0; panel < outputs / 16; panel++) {
            int acc[2][16];
            rc_int8_avx2_panel(q16, count, inputs, packed + panel * inputs * 16, acc);
            for (long r = 0; r < count; r++) {
                for (int j = 0; j < 16; j++) {
                    long o = panel * 16 + j;
                    float product = scales[o] * rowScales[row + r];
                    out[(row + r) * outputs + o] = fmaf((float)(acc[r][j] - zeros[row + r] * sums[o]), product, bias[o]);
                }
            }
        }
    }
}
#else
int rc_has_avx512(void) { return 0; }
int rc_has_avx512_vnni(void) { return 0; }
int rc_has_avx2(void) { return 0; }
void rc_linear_int8_avx2(const float *x, long rows, long inputs, const signed char *packed, const float *scales, const int *sums,
                         const float *bias, long outputs, float *out, unsigned char *scratch) {
    rc_linear_int8_portable(x, rows, inputs, packed, scales, sums, bias, outputs, out, scratch);
}
void rc_pack_weights(const float *weight, long outputs, long inputs, float *packed) {}
void rc_linear_packed(const float *x, long rows, long inputs, const float *packed, const float *bias, long outputs, float *out) {}
#endif

__attribute__((target_clones("avx512f", "avx2", "default")))
void rc_linear_int8_portable(const float *x, long rows, long inputs, const signed char *packed, const float *scales, const int *sums,
                             const float *bias, long outputs, float *out, unsigned char *scratch) {
    unsigned char *q = scratch;
    for (long r = 0; r < rows; r++) {
        float rowScale;
        int zero;
        rc_quantize_row(x + r * inputs, inputs, q, &rowScale, &zero);
        // A panel's 16 outputs at a time, over the weights in the order they are laid out, so that the loop over
        // the 16 accumulators vectorises.
        for (long panel = 0; panel < outputs / 16; panel++) {
            const signed char *w = packed + panel * inputs * 16;
            int acc[16] = {0};
            for (long g = 0; g < inputs / 4; g++) {
                const unsigned char *a = q + g * 4;
                const signed char *group = w + g * 64;
                for (int j = 0; j < 16; j++) {
                    acc[j] += a[0] * group[j * 4] + a[1] * group[j * 4 + 1] + a[2] * group[j * 4 + 2] + a[3] * group[j * 4 + 3];
                }
            }
            for (int j = 0; j < 16; j++) {
                long o = panel * 16 + j;
                float product = scales[o] * rowScale;
                out[r * outputs + o] = fmaf((float)(acc[j] - zero * sums[o]), product, bias[o]);
            }
        }
    }
}

void rc_linear_int8(const float *x, long rows, long inputs, const signed char *packed, const float *scales, const int *sums,
                    const float *bias, long outputs, float *out, unsigned char *scratch) {
#if defined(__x86_64__)
    if (rc_has_avx512_vnni()) {
        rc_linear_int8_vnni(x, rows, inputs, packed, scales, sums, bias, outputs, out, scratch);
        return;
    }
    if (rc_has_avx2()) {
        rc_linear_int8_avx2(x, rows, inputs, packed, scales, sums, bias, outputs, out, scratch);
        return;
    }
#endif
    rc_linear_int8_portable(x, rows, inputs, packed, scales, sums, bias, outputs, out, scratch);
}
