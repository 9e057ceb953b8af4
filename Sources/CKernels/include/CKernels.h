#ifndef RUMORCONTROL_CKERNELS_H
#define RUMORCONTROL_CKERNELS_H

/// GELU with the erf form, 0.5 x (1 + erf(x / sqrt 2)), in place, over `count` floats.
/// erf is a rational approximation on [-4, 4] with absolute error under 5e-7.
void rc_gelu(float *values, long count);

#endif
