// Debian's OpenBLAS (libopenblas-dev) CBLAS interface.
#include <cblas.h>
#include <stddef.h>

// LAPACK's symmetric eigen-decomposition, from the same library (Fortran calling convention: arguments by address,
// then the lengths of the two one-character arguments).
void ssyev_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w, float *work,
            const int *lwork, int *info, size_t jobz_length, size_t uplo_length);
