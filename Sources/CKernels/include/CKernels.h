#ifndef RUMORCONTROL_CKERNELS_H
#define RUMORCONTROL_CKERNELS_H

/// GELU with the erf form, 0.5 x (1 + erf(x / sqrt 2)), in place, over `count` floats.
/// erf is a rational approximation on [-4, 4] with absolute error under 5e-7.
void rc_gelu(float *values, long count);

/// 1 when the processor has AVX-512 (and so `rc_linear_packed` may be called), else 0.
int rc_has_avx512(void);

/// Lays out `weight` ([outputs][inputs], row-major, outputs a multiple of 16) in panels of 16 outputs:
/// `packed[(panel * inputs + k) * 16 + j] = weight[(panel * 16 + j) * inputs + k]`; `packed` holds outputs x inputs floats.
void rc_pack_weights(const float *weight, long outputs, long inputs, float *packed);

/// out[r][o] = bias[o] + sum_k x[r][k] * weight[o][k] for `rows` rows, with the weight laid out by `rc_pack_weights`.
/// AVX-512 only: call it when `rc_has_avx512()` says so.
void rc_linear_packed(const float *x, long rows, long inputs, const float *packed, const float *bias, long outputs, float *out);

/// 1 when the processor has AVX-512 with VNNI (and so `rc_linear_int8` may be called), else 0.
int rc_has_avx512_vnni(void);

/// Quantises `weight` ([outputs][inputs], outputs a multiple of 16, inputs of 16) to int8 per output (scale = max |w| / 127)
/// and lays it out for `rc_linear_int8`: panels of 16 outputs, groups of 4 inputs. `packed` holds outputs x inputs bytes;
/// `scales` and `sums` (each output's sum of quantised weights) hold `outputs` values.
void rc_quantize_weights(const float *weight, long outputs, long inputs, signed char *packed, float *scales, int *sums);

/// One row of `inputs` floats to unsigned bytes over its own range (asymmetric): q = round(x / scale) + zero, clamped to
/// 0...255, with scale = (max - min) / 255 over the row and 0, so that x ~ (q - zero) * scale.
void rc_quantize_row(const float *row, long inputs, unsigned char *q, float *scale, int *zero);

/// out[r][o] ~ bias[o] + sum_k x[r][k] * weight[o][k], with each row of x quantised by `rc_quantize_row` and the weight
/// laid out by `rc_quantize_weights`. `scratch` holds rows x (inputs + 8) bytes. Runs the AVX-512 VNNI loop where the
/// processor has it, else the AVX2 one, else `rc_linear_int8_portable`; all give identical results.
void rc_linear_int8(const float *x, long rows, long inputs, const signed char *packed, const float *scales, const int *sums,
                    const float *bias, long outputs, float *out, unsigned char *scratch);

/// 1 when the processor has AVX2 (and so `rc_linear_int8_avx2` runs its own loop), else 0.
int rc_has_avx2(void);

/// `rc_linear_int8` with AVX2 only (16-bit products, exact), for x86 processors without AVX-512 VNNI; elsewhere it
/// runs `rc_linear_int8_portable`. Call it only when `rc_has_avx2()` says so.
void rc_linear_int8_avx2(const float *x, long rows, long inputs, const signed char *packed, const float *scales, const int *sums,
                         const float *bias, long outputs, float *out, unsigned char *scratch);

/// `rc_linear_int8` in plain C, for any processor (and for tests to compare with the vector loops).
void rc_linear_int8_portable(const float *x, long rows, long inputs, const signed char *packed, const float *scales, const int *sums,
                             const float *bias, long outputs, float *out, unsigned char *scratch);

#endif
