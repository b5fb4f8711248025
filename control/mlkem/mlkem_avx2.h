/*
 * mlkem_avx2.h - internals of the AVX2 back end. Only files compiled
 * with -mavx2 include this header.
 */
#ifndef ESPRIT_MLKEM_AVX2_H
#define ESPRIT_MLKEM_AVX2_H

#include <immintrin.h>

#include "mlkem_int.h"

/* Small vector helpers must be inlined: at -O2 gcc did not always do it,
 * and the 4-way Keccak measured about 40% slower. */
#define AVX2_INLINE static inline __attribute__((always_inline))

void mlkem_keccak_x4_permute(__m256i s[25]);
void mlkem_keccak_x4_xor(__m256i s[25], const uint8_t *in[4],
			 unsigned nbytes);
void mlkem_keccak_x4_extract(const __m256i s[25], uint8_t *out[4],
			     unsigned nbytes);

#endif /* ESPRIT_MLKEM_AVX2_H */
