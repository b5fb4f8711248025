/*
 * keccak4x_avx2.c - four Keccak-f[1600] permutations side by side in AVX2
 * registers (FIPS 202 §3.3), SHAKE128/256 over four inputs of equal
 * length (the PRF of encryption), and the absorb/permute/extract pieces
 * of avx2.c's lane scheduler. Checked against OpenSSL EVP by tests/mlkem.
 *
 * Lane i of the state is s[i]; 64-bit element j of s[i] belongs to
 * instance j. The round code is fully unrolled (generated once from the
 * FIPS 202 step definitions).
 */
#include <immintrin.h>
#include <string.h>

#include "mlkem_avx2.h"

/* Round constants RC[i], FIPS 202 Algorithm 5/6. */
static const uint64_t keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotations by 8 and 56 are byte shuffles; the rest shift and or. */
AVX2_INLINE __m256i rol(__m256i x, int n)
{
	if (n == 8)
		return _mm256_shuffle_epi8(x, _mm256_set_epi8(
			14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7,
			14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7));
	if (n == 56)
		return _mm256_shuffle_epi8(x, _mm256_set_epi8(
			8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1,
			8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1));
	return _mm256_or_si256(_mm256_slli_epi64(x, n),
			       _mm256_srli_epi64(x, 64 - n));
}

#define ROL(x, n) rol((x), (n))
#define XOR5(a, b, c, d, e) \
	_mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256(a, b), \
					  _mm256_xor_si256(c, d)), e)

/*
 * One round (theta, rho, pi, chi, iota; FIPS 202 §3.2) from array a to
 * array e or back. Each output row of chi is computed from its five
 * rho/pi inputs straight away, which keeps few registers live.
 */
#define KECCAK_ROUND_A_TO_E(r) do { \
	c0 = XOR5(a[0], a[5], a[10], a[15], a[20]); \
	c1 = XOR5(a[1], a[6], a[11], a[16], a[21]); \
	c2 = XOR5(a[2], a[7], a[12], a[17], a[22]); \
	c3 = XOR5(a[3], a[8], a[13], a[18], a[23]); \
	c4 = XOR5(a[4], a[9], a[14], a[19], a[24]); \
	d0 = _mm256_xor_si256(c4, ROL(c1, 1)); \
	d1 = _mm256_xor_si256(c0, ROL(c2, 1)); \
	d2 = _mm256_xor_si256(c1, ROL(c3, 1)); \
	d3 = _mm256_xor_si256(c2, ROL(c4, 1)); \
	d4 = _mm256_xor_si256(c3, ROL(c0, 1)); \
	b0 = _mm256_xor_si256(a[0], d0); \
	b1 = ROL(_mm256_xor_si256(a[6], d1), 44); \
	b2 = ROL(_mm256_xor_si256(a[12], d2), 43); \
	b3 = ROL(_mm256_xor_si256(a[18], d3), 21); \
	b4 = ROL(_mm256_xor_si256(a[24], d4), 14); \
	e[0] = _mm256_xor_si256(_mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)), _mm256_set1_epi64x((long long)keccak_rc[(r)])); \
	e[1] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	e[2] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	e[3] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	e[4] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
	b0 = ROL(_mm256_xor_si256(a[3], d3), 28); \
	b1 = ROL(_mm256_xor_si256(a[9], d4), 20); \
	b2 = ROL(_mm256_xor_si256(a[10], d0), 3); \
	b3 = ROL(_mm256_xor_si256(a[16], d1), 45); \
	b4 = ROL(_mm256_xor_si256(a[22], d2), 61); \
	e[5] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)); \
	e[6] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	e[7] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	e[8] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	e[9] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
	b0 = ROL(_mm256_xor_si256(a[1], d1), 1); \
	b1 = ROL(_mm256_xor_si256(a[7], d2), 6); \
	b2 = ROL(_mm256_xor_si256(a[13], d3), 25); \
	b3 = ROL(_mm256_xor_si256(a[19], d4), 8); \
	b4 = ROL(_mm256_xor_si256(a[20], d0), 18); \
	e[10] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)); \
	e[11] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	e[12] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	e[13] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	e[14] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
	b0 = ROL(_mm256_xor_si256(a[4], d4), 27); \
	b1 = ROL(_mm256_xor_si256(a[5], d0), 36); \
	b2 = ROL(_mm256_xor_si256(a[11], d1), 10); \
	b3 = ROL(_mm256_xor_si256(a[17], d2), 15); \
	b4 = ROL(_mm256_xor_si256(a[23], d3), 56); \
	e[15] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)); \
	e[16] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	e[17] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	e[18] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	e[19] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
	b0 = ROL(_mm256_xor_si256(a[2], d2), 62); \
	b1 = ROL(_mm256_xor_si256(a[8], d3), 55); \
	b2 = ROL(_mm256_xor_si256(a[14], d4), 39); \
	b3 = ROL(_mm256_xor_si256(a[15], d0), 41); \
	b4 = ROL(_mm256_xor_si256(a[21], d1), 2); \
	e[20] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)); \
	e[21] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	e[22] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	e[23] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	e[24] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
} while (0)

#define KECCAK_ROUND_E_TO_A(r) do { \
	c0 = XOR5(e[0], e[5], e[10], e[15], e[20]); \
	c1 = XOR5(e[1], e[6], e[11], e[16], e[21]); \
	c2 = XOR5(e[2], e[7], e[12], e[17], e[22]); \
	c3 = XOR5(e[3], e[8], e[13], e[18], e[23]); \
	c4 = XOR5(e[4], e[9], e[14], e[19], e[24]); \
	d0 = _mm256_xor_si256(c4, ROL(c1, 1)); \
	d1 = _mm256_xor_si256(c0, ROL(c2, 1)); \
	d2 = _mm256_xor_si256(c1, ROL(c3, 1)); \
	d3 = _mm256_xor_si256(c2, ROL(c4, 1)); \
	d4 = _mm256_xor_si256(c3, ROL(c0, 1)); \
	b0 = _mm256_xor_si256(e[0], d0); \
	b1 = ROL(_mm256_xor_si256(e[6], d1), 44); \
	b2 = ROL(_mm256_xor_si256(e[12], d2), 43); \
	b3 = ROL(_mm256_xor_si256(e[18], d3), 21); \
	b4 = ROL(_mm256_xor_si256(e[24], d4), 14); \
	a[0] = _mm256_xor_si256(_mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)), _mm256_set1_epi64x((long long)keccak_rc[(r)])); \
	a[1] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	a[2] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	a[3] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	a[4] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
	b0 = ROL(_mm256_xor_si256(e[3], d3), 28); \
	b1 = ROL(_mm256_xor_si256(e[9], d4), 20); \
	b2 = ROL(_mm256_xor_si256(e[10], d0), 3); \
	b3 = ROL(_mm256_xor_si256(e[16], d1), 45); \
	b4 = ROL(_mm256_xor_si256(e[22], d2), 61); \
	a[5] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)); \
	a[6] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	a[7] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	a[8] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	a[9] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
	b0 = ROL(_mm256_xor_si256(e[1], d1), 1); \
	b1 = ROL(_mm256_xor_si256(e[7], d2), 6); \
	b2 = ROL(_mm256_xor_si256(e[13], d3), 25); \
	b3 = ROL(_mm256_xor_si256(e[19], d4), 8); \
	b4 = ROL(_mm256_xor_si256(e[20], d0), 18); \
	a[10] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)); \
	a[11] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	a[12] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	a[13] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	a[14] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
	b0 = ROL(_mm256_xor_si256(e[4], d4), 27); \
	b1 = ROL(_mm256_xor_si256(e[5], d0), 36); \
	b2 = ROL(_mm256_xor_si256(e[11], d1), 10); \
	b3 = ROL(_mm256_xor_si256(e[17], d2), 15); \
	b4 = ROL(_mm256_xor_si256(e[23], d3), 56); \
	a[15] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)); \
	a[16] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	a[17] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	a[18] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	a[19] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
	b0 = ROL(_mm256_xor_si256(e[2], d2), 62); \
	b1 = ROL(_mm256_xor_si256(e[8], d3), 55); \
	b2 = ROL(_mm256_xor_si256(e[14], d4), 39); \
	b3 = ROL(_mm256_xor_si256(e[15], d0), 41); \
	b4 = ROL(_mm256_xor_si256(e[21], d1), 2); \
	a[20] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2)); \
	a[21] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3)); \
	a[22] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4)); \
	a[23] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0)); \
	a[24] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1)); \
} while (0)

/* Keccak-f[1600] (FIPS 202 Algorithm 7) on four states. */
static void keccakf_x4(__m256i a[25])
{
	__m256i e[25], b0, b1, b2, b3, b4, c0, c1, c2, c3, c4;
	__m256i d0, d1, d2, d3, d4;

	for (unsigned r = 0; r < 24; r += 2) {
		KECCAK_ROUND_A_TO_E(r);
		KECCAK_ROUND_E_TO_A(r + 1);
	}
}

/* XOR one rate-sized block of each input into the state. */
static void absorb_block(__m256i s[25], const uint8_t *in[4], size_t off,
			 unsigned rate)
{
	for (unsigned i = 0; i < rate / 8; i++) {
		uint64_t w[4];

		for (unsigned j = 0; j < 4; j++)
			memcpy(&w[j], in[j] + off + 8 * i, 8);
		s[i] = _mm256_xor_si256(s[i], _mm256_set_epi64x(
			(long long)w[3], (long long)w[2], (long long)w[1],
			(long long)w[0]));
	}
}

/*
 * Absorb four messages of inlen bytes with SHAKE padding (domain bits
 * 1111, FIPS 202 §6.2, then pad10*1).
 */
static void absorb_x4(__m256i s[25], unsigned rate, const uint8_t *in[4],
		      size_t inlen)
{
	uint8_t last[4][MLKEM_SHAKE128_RATE];
	const uint8_t *lp[4] = { last[0], last[1], last[2], last[3] };
	size_t off = 0;

	for (unsigned i = 0; i < 25; i++)
		s[i] = _mm256_setzero_si256();
	for (; inlen - off >= rate; off += rate) {
		absorb_block(s, in, off, rate);
		keccakf_x4(s);
	}
	for (unsigned j = 0; j < 4; j++) {
		memset(last[j], 0, rate);
		memcpy(last[j], in[j] + off, inlen - off);
		last[j][inlen - off] ^= 0x1f;
		last[j][rate - 1] ^= 0x80;
	}
	absorb_block(s, lp, 0, rate);
	mlkem_wipe(last, sizeof(last));
}

/* Permute, then write one rate-sized block of output per instance. */
static void squeeze_block_x4(__m256i s[25], unsigned rate, uint8_t *out[4],
			     size_t off)
{
	keccakf_x4(s);
	for (unsigned i = 0; i < rate / 8; i++) {
		uint64_t w[4];

		_mm256_storeu_si256((__m256i *)w, s[i]);
		for (unsigned j = 0; j < 4; j++)
			memcpy(out[j] + off + 8 * i, &w[j], 8);
	}
}

/*
 * Four SHAKE128 (is256 = 0) or SHAKE256 computations over inputs of the
 * same length. outlen may be any size.
 */
void mlkem_shake_x4(int is256, uint8_t *out[4], size_t outlen,
		    const uint8_t *in[4], size_t inlen)
{
	unsigned rate = is256 ? MLKEM_SHAKE256_RATE : MLKEM_SHAKE128_RATE;
	uint8_t blk[4][MLKEM_SHAKE128_RATE];
	uint8_t *bp[4] = { blk[0], blk[1], blk[2], blk[3] };
	__m256i s[25];
	size_t off = 0;

	absorb_x4(s, rate, in, inlen);
	for (; outlen - off >= rate; off += rate)
		squeeze_block_x4(s, rate, out, off);
	if (off < outlen) {
		squeeze_block_x4(s, rate, bp, 0);
		for (unsigned j = 0; j < 4; j++)
			memcpy(out[j] + off, blk[j], outlen - off);
	}
	mlkem_wipe(blk, sizeof(blk));
	mlkem_wipe(s, sizeof(s));
}

/* Pieces for the lane scheduler of avx2.c. */
void mlkem_keccak_x4_permute(__m256i s[25])
{
	keccakf_x4(s);
}

/* XOR the first nbytes (a multiple of 8) of in[j] into instance j. */
void mlkem_keccak_x4_xor(__m256i s[25], const uint8_t *in[4],
			 unsigned nbytes)
{
	absorb_block(s, in, 0, nbytes);
}

/*
 * Write the first nbytes (a multiple of 8) of instance j to out[j]: four
 * state words at a time through a 4x4 transpose of 64-bit elements.
 */
void mlkem_keccak_x4_extract(const __m256i s[25], uint8_t *out[4],
			     unsigned nbytes)
{
	unsigned i = 0, nw = nbytes / 8;

	for (; i + 4 <= nw; i += 4) {
		__m256i t0 = _mm256_unpacklo_epi64(s[i], s[i + 1]);
		__m256i t1 = _mm256_unpackhi_epi64(s[i], s[i + 1]);
		__m256i t2 = _mm256_unpacklo_epi64(s[i + 2], s[i + 3]);
		__m256i t3 = _mm256_unpackhi_epi64(s[i + 2], s[i + 3]);

		_mm256_storeu_si256((__m256i *)(out[0] + 8 * i),
				    _mm256_permute2x128_si256(t0, t2, 0x20));
		_mm256_storeu_si256((__m256i *)(out[1] + 8 * i),
				    _mm256_permute2x128_si256(t1, t3, 0x20));
		_mm256_storeu_si256((__m256i *)(out[2] + 8 * i),
				    _mm256_permute2x128_si256(t0, t2, 0x31));
		_mm256_storeu_si256((__m256i *)(out[3] + 8 * i),
				    _mm256_permute2x128_si256(t1, t3, 0x31));
	}
	for (; i < nw; i++) {
		uint64_t w[4];

		_mm256_storeu_si256((__m256i *)w, s[i]);
		for (unsigned j = 0; j < 4; j++)
			memcpy(out[j] + 8 * i, &w[j], 8);
	}
}
