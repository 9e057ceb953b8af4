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
