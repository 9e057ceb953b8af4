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

#endif
