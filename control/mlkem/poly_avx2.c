/*
 * poly_avx2.c - NTT, inverse NTT, base multiplication (FIPS 203
 * Algorithms 9-12), packing, compression and CBD on 16 int16 lanes
 * (rejection sampling is in rej_avx2.c).
 *
 * The coefficient order is the standard one of FIPS 203, identical to
 * poly.c, so matrices, keys and ciphertexts need no permutation. Layers
 * with len >= 16 pair whole vectors; layers 8, 4 and 2 pair lanes of two
 * neighbouring vectors after a 128-bit, 64-bit or 32-bit interleave, and
 * the zetas for those layers are stored in the interleaved order.
 *
 * Montgomery multiplication: mulhi(a, z) - mulhi(mullo(a, z q^-1), q)
 * = a z 2^-16 mod q, in (-q, q).
 */
#include <string.h>

#include "mlkem_avx2.h"

/*
 * Per-lane zetas (and zeta * q^-1 mod 2^16) for the in-vector layers:
 * zvL for the NTT layer len = L, izvL for the inverse; row m serves the
 * vector pair (2m, 2m + 1). Generated from mlkem_zetas by emulating the
 * interleaves below.
 */
static const int16_t zv8[8 * 16] __attribute__((aligned(32))) = {
	573, 573, 573, 573, 573, 573, 573, 573,
	-1325, -1325, -1325, -1325, -1325, -1325, -1325, -1325,
	264, 264, 264, 264, 264, 264, 264, 264,
	383, 383, 383, 383, 383, 383, 383, 383,
	-829, -829, -829, -829, -829, -829, -829, -829,
	1458, 1458, 1458, 1458, 1458, 1458, 1458, 1458,
	-1602, -1602, -1602, -1602, -1602, -1602, -1602, -1602,
	-130, -130, -130, -130, -130, -130, -130, -130,
	-681, -681, -681, -681, -681, -681, -681, -681,
	1017, 1017, 1017, 1017, 1017, 1017, 1017, 1017,
	732, 732, 732, 732, 732, 732, 732, 732,
	608, 608, 608, 608, 608, 608, 608, 608,
	-1542, -1542, -1542, -1542, -1542, -1542, -1542, -1542,
	411, 411, 411, 411, 411, 411, 411, 411,
	-205, -205, -205, -205, -205, -205, -205, -205,
	-1571, -1571, -1571, -1571, -1571, -1571, -1571, -1571,
};
static const int16_t zv8_qinv[8 * 16] __attribute__((aligned(32))) = {
	-5827, -5827, -5827, -5827, -5827, -5827, -5827, -5827,
	17363, 17363, 17363, 17363, 17363, 17363, 17363, 17363,
	-26360, -26360, -26360, -26360, -26360, -26360, -26360, -26360,
	-29057, -29057, -29057, -29057, -29057, -29057, -29057, -29057,
	5571, 5571, 5571, 5571, 5571, 5571, 5571, 5571,
	-1102, -1102, -1102, -1102, -1102, -1102, -1102, -1102,
	21438, 21438, 21438, 21438, 21438, 21438, 21438, 21438,
	-26242, -26242, -26242, -26242, -26242, -26242, -26242, -26242,
	-28073, -28073, -28073, -28073, -28073, -28073, -28073, -28073,
	24313, 24313, 24313, 24313, 24313, 24313, 24313, 24313,
	-10532, -10532, -10532, -10532, -10532, -10532, -10532, -10532,
	8800, 8800, 8800, 8800, 8800, 8800, 8800, 8800,
	18426, 18426, 18426, 18426, 18426, 18426, 18426, 18426,
	8859, 8859, 8859, 8859, 8859, 8859, 8859, 8859,
	26675, 26675, 26675, 26675, 26675, 26675, 26675, 26675,
	-16163, -16163, -16163, -16163, -16163, -16163, -16163, -16163,
};
static const int16_t zv4[8 * 16] __attribute__((aligned(32))) = {
	1223, 1223, 1223, 1223, -552, -552, -552, -552,
	652, 652, 652, 652, 1015, 1015, 1015, 1015,
	-1293, -1293, -1293, -1293, -282, -282, -282, -282,
	1491, 1491, 1491, 1491, -1544, -1544, -1544, -1544,
	516, 516, 516, 516, -320, -320, -320, -320,
	-8, -8, -8, -8, -666, -666, -666, -666,
	-1618, -1618, -1618, -1618, 126, 126, 126, 126,
	-1162, -1162, -1162, -1162, 1469, 1469, 1469, 1469,
	-853, -853, -853, -853, -271, -271, -271, -271,
	-90, -90, -90, -90, 830, 830, 830, 830,
	107, 107, 107, 107, -247, -247, -247, -247,
	-1421, -1421, -1421, -1421, -951, -951, -951, -951,
	-398, -398, -398, -398, -1508, -1508, -1508, -1508,
	961, 961, 961, 961, -725, -725, -725, -725,
	448, 448, 448, 448, 677, 677, 677, 677,
	-1065, -1065, -1065, -1065, -1275, -1275, -1275, -1275,
};
static const int16_t zv4_qinv[8 * 16] __attribute__((aligned(32))) = {
	-5689, -5689, -5689, -5689, 1496, 1496, 1496, 1496,
	-6516, -6516, -6516, -6516, 30967, 30967, 30967, 30967,
	-23565, -23565, -23565, -23565, 20710, 20710, 20710, 20710,
	20179, 20179, 20179, 20179, 25080, 25080, 25080, 25080,
	-12796, -12796, -12796, -12796, 16064, 16064, 16064, 16064,
	26616, 26616, 26616, 26616, -12442, -12442, -12442, -12442,
	9134, 9134, 9134, 9134, -25986, -25986, -25986, -25986,
	-650, -650, -650, -650, 27837, 27837, 27837, 27837,
	19883, 19883, 19883, 19883, -15887, -15887, -15887, -15887,
	-28250, -28250, -28250, -28250, -8898, -8898, -8898, -8898,
	-28309, -28309, -28309, -28309, -30199, -30199, -30199, -30199,
	9075, 9075, 9075, 9075, 18249, 18249, 18249, 18249,
	13426, 13426, 13426, 13426, -29156, -29156, -29156, -29156,
	14017, 14017, 14017, 14017, -12757, -12757, -12757, -12757,
	16832, 16832, 16832, 16832, -24155, -24155, -24155, -24155,
	4311, 4311, 4311, 4311, -17915, -17915, -17915, -17915,
};
static const int16_t zv2[8 * 16] __attribute__((aligned(32))) = {
	-1103, -1103, -1251, -1251, 430, 430, 871, 871,
	555, 555, 1550, 1550, 843, 843, 105, 105,
	422, 422, -291, -291, 587, 587, -460, -460,
	177, 177, 1574, 1574, -235, -235, 1653, 1653,
	-246, -246, -777, -777, 778, 778, 1483, 1483,
	1159, 1159, -602, -602, -147, -147, 1119, 1119,
	-1590, -1590, 418, 418, 644, 644, 329, 329,
	-872, -872, -156, -156, 349, 349, -75, -75,
	817, 817, 1322, 1322, 1097, 1097, -1285, -1285,
	603, 603, -1465, -1465, 610, 610, 384, 384,
	-1215, -1215, -874, -874, -136, -136, 220, 220,
	1218, 1218, -1187, -1187, -1335, -1335, -1659, -1659,
	-1185, -1185, -1510, -1510, -1530, -1530, -854, -854,
	-1278, -1278, -870, -870, 794, 794, 478, 478,
	-108, -108, 958, 958, -308, -308, -1460, -1460,
	996, 996, 1522, 1522, 991, 991, 1628, 1628,
};
static const int16_t zv2_qinv[8 * 16] __attribute__((aligned(32))) = {
	-335, -335, -32227, -32227, 11182, 11182, -14233, -14233,
	-11477, -11477, 20494, 20494, 13387, 13387, -21655, -21655,
	-27738, -27738, -14883, -14883, 13131, 13131, 23092, 23092,
	945, 945, 6182, 6182, -4587, -4587, 5493, 5493,
	32010, 32010, 29175, 29175, -32502, -32502, -18741, -18741,
	10631, 10631, -28762, -28762, 30317, 30317, 12639, 12639,
	-18486, -18486, -14430, -14430, 20100, 20100, 19529, 19529,
	17560, 17560, -5276, -5276, 18525, 18525, -12619, -12619,
	-31183, -31183, -7382, -7382, 20297, 20297, 15355, 15355,
	25435, 25435, 24391, 24391, 2146, 2146, -32384, -32384,
	-20927, -20927, 24214, 24214, -6280, -6280, -11044, -11044,
	10946, 10946, 16989, 16989, -14903, -14903, 14469, 14469,
	10335, 10335, -22502, -22502, -21498, -21498, 23210, 23210,
	-7934, -7934, 10906, 10906, -20198, -20198, -17442, -17442,
	31636, 31636, 23998, 23998, -23860, -23860, 7756, 7756,
	28644, 28644, -17422, -17422, -20257, -20257, 23132, 23132,
};
static const int16_t izv8[8 * 16] __attribute__((aligned(32))) = {
	-1571, -1571, -1571, -1571, -1571, -1571, -1571, -1571,
	-205, -205, -205, -205, -205, -205, -205, -205,
	411, 411, 411, 411, 411, 411, 411, 411,
	-1542, -1542, -1542, -1542, -1542, -1542, -1542, -1542,
	608, 608, 608, 608, 608, 608, 608, 608,
	732, 732, 732, 732, 732, 732, 732, 732,
	1017, 1017, 1017, 1017, 1017, 1017, 1017, 1017,
	-681, -681, -681, -681, -681, -681, -681, -681,
	-130, -130, -130, -130, -130, -130, -130, -130,
	-1602, -1602, -1602, -1602, -1602, -1602, -1602, -1602,
	1458, 1458, 1458, 1458, 1458, 1458, 1458, 1458,
	-829, -829, -829, -829, -829, -829, -829, -829,
	383, 383, 383, 383, 383, 383, 383, 383,
	264, 264, 264, 264, 264, 264, 264, 264,
	-1325, -1325, -1325, -1325, -1325, -1325, -1325, -1325,
	573, 573, 573, 573, 573, 573, 573, 573,
};
static const int16_t izv8_qinv[8 * 16] __attribute__((aligned(32))) = {
	-16163, -16163, -16163, -16163, -16163, -16163, -16163, -16163,
	26675, 26675, 26675, 26675, 26675, 26675, 26675, 26675,
	8859, 8859, 8859, 8859, 8859, 8859, 8859, 8859,
	18426, 18426, 18426, 18426, 18426, 18426, 18426, 18426,
	8800, 8800, 8800, 8800, 8800, 8800, 8800, 8800,
	-10532, -10532, -10532, -10532, -10532, -10532, -10532, -10532,
	24313, 24313, 24313, 24313, 24313, 24313, 24313, 24313,
	-28073, -28073, -28073, -28073, -28073, -28073, -28073, -28073,
	-26242, -26242, -26242, -26242, -26242, -26242, -26242, -26242,
	21438, 21438, 21438, 21438, 21438, 21438, 21438, 21438,
	-1102, -1102, -1102, -1102, -1102, -1102, -1102, -1102,
	5571, 5571, 5571, 5571, 5571, 5571, 5571, 5571,
	-29057, -29057, -29057, -29057, -29057, -29057, -29057, -29057,
	-26360, -26360, -26360, -26360, -26360, -26360, -26360, -26360,
	17363, 17363, 17363, 17363, 17363, 17363, 17363, 17363,
	-5827, -5827, -5827, -5827, -5827, -5827, -5827, -5827,
};
static const int16_t izv4[8 * 16] __attribute__((aligned(32))) = {
	-1275, -1275, -1275, -1275, -1065, -1065, -1065, -1065,
	677, 677, 677, 677, 448, 448, 448, 448,
	-725, -725, -725, -725, 961, 961, 961, 961,
	-1508, -1508, -1508, -1508, -398, -398, -398, -398,
	-951, -951, -951, -951, -1421, -1421, -1421, -1421,
	-247, -247, -247, -247, 107, 107, 107, 107,
	830, 830, 830, 830, -90, -90, -90, -90,
	-271, -271, -271, -271, -853, -853, -853, -853,
	1469, 1469, 1469, 1469, -1162, -1162, -1162, -1162,
	126, 126, 126, 126, -1618, -1618, -1618, -1618,
	-666, -666, -666, -666, -8, -8, -8, -8,
	-320, -320, -320, -320, 516, 516, 516, 516,
	-1544, -1544, -1544, -1544, 1491, 1491, 1491, 1491,
	-282, -282, -282, -282, -1293, -1293, -1293, -1293,
	1015, 1015, 1015, 1015, 652, 652, 652, 652,
	-552, -552, -552, -552, 1223, 1223, 1223, 1223,
};
static const int16_t izv4_qinv[8 * 16] __attribute__((aligned(32))) = {
	-17915, -17915, -17915, -17915, 4311, 4311, 4311, 4311,
	-24155, -24155, -24155, -24155, 16832, 16832, 16832, 16832,
	-12757, -12757, -12757, -12757, 14017, 14017, 14017, 14017,
	-29156, -29156, -29156, -29156, 13426, 13426, 13426, 13426,
	18249, 18249, 18249, 18249, 9075, 9075, 9075, 9075,
	-30199, -30199, -30199, -30199, -28309, -28309, -28309, -28309,
	-8898, -8898, -8898, -8898, -28250, -28250, -28250, -28250,
	-15887, -15887, -15887, -15887, 19883, 19883, 19883, 19883,
	27837, 27837, 27837, 27837, -650, -650, -650, -650,
	-25986, -25986, -25986, -25986, 9134, 9134, 9134, 9134,
	-12442, -12442, -12442, -12442, 26616, 26616, 26616, 26616,
	16064, 16064, 16064, 16064, -12796, -12796, -12796, -12796,
	25080, 25080, 25080, 25080, 20179, 20179, 20179, 20179,
	20710, 20710, 20710, 20710, -23565, -23565, -23565, -23565,
	30967, 30967, 30967, 30967, -6516, -6516, -6516, -6516,
	1496, 1496, 1496, 1496, -5689, -5689, -5689, -5689,
};
static const int16_t izv2[8 * 16] __attribute__((aligned(32))) = {
	1628, 1628, 991, 991, 1522, 1522, 996, 996,
	-1460, -1460, -308, -308, 958, 958, -108, -108,
	478, 478, 794, 794, -870, -870, -1278, -1278,
	-854, -854, -1530, -1530, -1510, -1510, -1185, -1185,
	-1659, -1659, -1335, -1335, -1187, -1187, 1218, 1218,
	220, 220, -136, -136, -874, -874, -1215, -1215,
	384, 384, 610, 610, -1465, -1465, 603, 603,
	-1285, -1285, 1097, 1097, 1322, 1322, 817, 817,
	-75, -75, 349, 349, -156, -156, -872, -872,
	329, 329, 644, 644, 418, 418, -1590, -1590,
	1119, 1119, -147, -147, -602, -602, 1159, 1159,
	1483, 1483, 778, 778, -777, -777, -246, -246,
	1653, 1653, -235, -235, 1574, 1574, 177, 177,
	-460, -460, 587, 587, -291, -291, 422, 422,
	105, 105, 843, 843, 1550, 1550, 555, 555,
	871, 871, 430, 430, -1251, -1251, -1103, -1103,
};
static const int16_t izv2_qinv[8 * 16] __attribute__((aligned(32))) = {
	23132, 23132, -20257, -20257, -17422, -17422, 28644, 28644,
	7756, 7756, -23860, -23860, 23998, 23998, 31636, 31636,
	-17442, -17442, -20198, -20198, 10906, 10906, -7934, -7934,
	23210, 23210, -21498, -21498, -22502, -22502, 10335, 10335,
	14469, 14469, -14903, -14903, 16989, 16989, 10946, 10946,
	-11044, -11044, -6280, -6280, 24214, 24214, -20927, -20927,
	-32384, -32384, 2146, 2146, 24391, 24391, 25435, 25435,
	15355, 15355, 20297, 20297, -7382, -7382, -31183, -31183,
	-12619, -12619, 18525, 18525, -5276, -5276, 17560, 17560,
	19529, 19529, 20100, 20100, -14430, -14430, -18486, -18486,
	12639, 12639, 30317, 30317, -28762, -28762, 10631, 10631,
	-18741, -18741, -32502, -32502, 29175, 29175, 32010, 32010,
	5493, 5493, -4587, -4587, 6182, 6182, 945, 945,
	23092, 23092, 13131, 13131, -14883, -14883, -27738, -27738,
	-21655, -21655, 13387, 13387, 20494, 20494, -11477, -11477,
	-14233, -14233, 11182, 11182, -32227, -32227, -335, -335,
};

#define Q16 _mm256_set1_epi16(MLKEM_Q)

AVX2_INLINE __m256i fqmul_v(__m256i a, __m256i z, __m256i zq)
{
	__m256i hi = _mm256_mulhi_epi16(a, z);
	__m256i t = _mm256_mulhi_epi16(_mm256_mullo_epi16(a, zq), Q16);

	return _mm256_sub_epi16(hi, t);
}

/* Centered Barrett reduction, |result| < q for any int16 input. */
AVX2_INLINE __m256i barrett_v(__m256i a)
{
	const __m256i v = _mm256_set1_epi16(((1 << 26) + MLKEM_Q / 2) /
					    MLKEM_Q);
	__m256i t = _mm256_mulhi_epi16(a, v);

	t = _mm256_mulhrs_epi16(t, _mm256_set1_epi16(1 << 5));
	return _mm256_sub_epi16(a, _mm256_mullo_epi16(t, Q16));
}

AVX2_INLINE __m256i bcast(int16_t z)
{
	return _mm256_set1_epi16(z);
}

AVX2_INLINE __m256i bcast_q(int16_t z)
{
	return _mm256_set1_epi16((int16_t)(uint16_t)((unsigned)(uint16_t)z *
						     (uint16_t)MLKEM_QINV));
}

/* Cooley-Tukey butterfly of Algorithm 9 lines 6-8. */
#define CT_BF(x, y, z, zq) do { \
		__m256i t_ = fqmul_v((y), (z), (zq)); \
		(y) = _mm256_sub_epi16((x), t_); \
		(x) = _mm256_add_epi16((x), t_); \
	} while (0)

/* Gentleman-Sande butterfly of Algorithm 10 lines 6-8. */
#define GS_BF(x, y, z, zq) do { \
		__m256i t_ = (x); \
		(x) = barrett_v(_mm256_add_epi16(t_, (y))); \
		(y) = fqmul_v(_mm256_sub_epi16((y), t_), (z), (zq)); \
	} while (0)

/* Interleaves: (v0, v1) -> (x, y) with y[i] the partner of x[i]. */
AVX2_INLINE void split128(__m256i v0, __m256i v1, __m256i *x, __m256i *y)
{
	*x = _mm256_permute2x128_si256(v0, v1, 0x20);
	*y = _mm256_permute2x128_si256(v0, v1, 0x31);
}

AVX2_INLINE void split64(__m256i v0, __m256i v1, __m256i *x, __m256i *y)
{
	*x = _mm256_unpacklo_epi64(v0, v1);
	*y = _mm256_unpackhi_epi64(v0, v1);
}

AVX2_INLINE void split32(__m256i v0, __m256i v1, __m256i *x, __m256i *y)
{
	*x = _mm256_blend_epi32(v0, _mm256_slli_epi64(v1, 32), 0xaa);
	*y = _mm256_blend_epi32(_mm256_srli_epi64(v0, 32), v1, 0xaa);
}

/* The inverse of each split is the same operation on (x, y). */
#define join128 split128
#define join64 split64
#define join32 split32

#define LD(p, i) _mm256_load_si256((const __m256i *)(p) + (i))
#define ST(p, i, v) _mm256_store_si256((__m256i *)(p) + (i), (v))

/* Algorithm 9. Output Barrett-reduced, as mlkem_poly_ntt_ref. */
void mlkem_ntt_avx2(struct mlkem_poly *r)
{
	__m256i v[16];
	unsigned i = 1;

	for (unsigned j = 0; j < 16; j++)
		v[j] = LD(r->c, j);
	/* len = 128 .. 16: whole-vector butterflies, one zeta per block */
	for (unsigned vl = 8; vl >= 1; vl >>= 1) {
		for (unsigned st = 0; st < 16; st += 2 * vl) {
			__m256i z = bcast(mlkem_zetas[i]);
			__m256i zq = bcast_q(mlkem_zetas[i]);

			i++;
			for (unsigned j = st; j < st + vl; j++)
				CT_BF(v[j], v[j + vl], z, zq);
		}
	}
	/* len = 8, 4, 2 inside vector pairs */
	for (unsigned m = 0; m < 8; m++) {
		__m256i x, y, a = v[2 * m], b = v[2 * m + 1];

		split128(a, b, &x, &y);
		CT_BF(x, y, LD(zv8, m), LD(zv8_qinv, m));
		join128(x, y, &a, &b);
		split64(a, b, &x, &y);
		CT_BF(x, y, LD(zv4, m), LD(zv4_qinv, m));
		join64(x, y, &a, &b);
		split32(a, b, &x, &y);
		CT_BF(x, y, LD(zv2, m), LD(zv2_qinv, m));
		join32(x, y, &a, &b);
		ST(r->c, 2 * m, barrett_v(a));
		ST(r->c, 2 * m + 1, barrett_v(b));
	}
}

/* Algorithm 10 with the 2^16 factor of mlkem_poly_invntt_ref. */
void mlkem_invntt_avx2(struct mlkem_poly *r)
{
	__m256i v[16];
	const __m256i f = bcast(MLKEM_INVNTT_F), fq = bcast_q(MLKEM_INVNTT_F);
	unsigned i = 15;

	for (unsigned m = 0; m < 8; m++) {
		__m256i x, y, a = LD(r->c, 2 * m), b = LD(r->c, 2 * m + 1);

		split32(a, b, &x, &y);
		GS_BF(x, y, LD(izv2, m), LD(izv2_qinv, m));
		join32(x, y, &a, &b);
		split64(a, b, &x, &y);
		GS_BF(x, y, LD(izv4, m), LD(izv4_qinv, m));
		join64(x, y, &a, &b);
		split128(a, b, &x, &y);
		GS_BF(x, y, LD(izv8, m), LD(izv8_qinv, m));
		join128(x, y, &a, &b);
		v[2 * m] = a;
		v[2 * m + 1] = b;
	}
	/* len = 16 .. 128: zeta index runs 15..8, 7..4, 3..2, 1 */
	for (unsigned vl = 1; vl <= 8; vl <<= 1) {
		unsigned top = 2 * (8 / vl) - 1;

		i = top;
		for (unsigned st = 0; st < 16; st += 2 * vl) {
			__m256i z = bcast(mlkem_zetas[i]);
			__m256i zq = bcast_q(mlkem_zetas[i]);

			i--;
			for (unsigned j = st; j < st + vl; j++)
				GS_BF(v[j], v[j + vl], z, zq);
		}
	}
	for (unsigned j = 0; j < 16; j++)
		ST(r->c, j, fqmul_v(v[j], f, fq));
}

/*
 * r = sum_j a[j] (x) b[j] (Algorithms 11-12) times 2^-16. A pair
 * (a0, a1) sits in one 32-bit lane, so madd gives a0 b1 + a1 b0 directly,
 * and a0 b0 + (a1 b1 2^-16) (gamma 2^16) after a Montgomery product whose
 * odd lanes are blended next to a0. Sums stay below 8 q^2 < q 2^15.
 */
void mlkem_basemul_acc_avx2(struct mlkem_poly *r, const struct mlkem_poly *a,
			    const struct mlkem_poly *b, unsigned k)
{
	const __m256i qinv = _mm256_set1_epi16(MLKEM_QINV);

	for (unsigned v = 0; v < 16; v++) {
		__m256i c0 = _mm256_setzero_si256(), c1 = c0, g, t0, t1;

		/* gamma in the odd lanes */
		g = _mm256_slli_epi32(_mm256_cvtepi16_epi32(_mm_loadu_si128(
			(const __m128i *)(mlkem_gammas + 8 * v))), 16);
		for (unsigned j = 0; j < k; j++) {
			__m256i x = LD(a[j].c, v), y = LD(b[j].c, v);
			__m256i yq = _mm256_mullo_epi16(y, qinv);
			__m256i p = fqmul_v(x, y, yq);
			__m256i ys = _mm256_or_si256(_mm256_slli_epi32(y, 16),
						     _mm256_srli_epi32(y, 16));

			c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(
				_mm256_blend_epi16(x, p, 0xaa),
				_mm256_blend_epi16(y, g, 0xaa)));
			c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(x, ys));
		}
		/* Montgomery reduction of 32-bit lanes; result in even
		 * 16-bit lanes: (c - t q) / 2^16 = hi(c) - hi(t q). */
		t0 = _mm256_mullo_epi16(c0, qinv);
		t1 = _mm256_mullo_epi16(c1, qinv);
		t0 = _mm256_sub_epi16(_mm256_srli_epi32(c0, 16),
				      _mm256_mulhi_epi16(t0, Q16));
		t1 = _mm256_sub_epi16(_mm256_srli_epi32(c1, 16),
				      _mm256_mulhi_epi16(t1, Q16));
		ST(r->c, v, _mm256_blend_epi16(t0, _mm256_slli_epi32(t1, 16),
					       0xaa));
	}
}

/*
 * ByteEncode_d (Algorithm 5) of values below 2^d for d = 1, 4, 10 in
 * vectors; the other d go through the portable packing.
 */
static void pack1(uint8_t *out, const struct mlkem_poly *t)
{
	for (unsigned v = 0; v < 8; v++) {
		/* 32 values as bytes in order, bit 0 moved to bit 7 */
		__m256i b = _mm256_permute4x64_epi64(_mm256_packus_epi16(
			LD(t->c, 2 * v), LD(t->c, 2 * v + 1)), 0xd8);
		uint32_t m = (uint32_t)_mm256_movemask_epi8(
			_mm256_slli_epi16(b, 7));

		memcpy(out + 4 * v, &m, 4);
	}
}

static void pack4(uint8_t *out, const struct mlkem_poly *t)
{
	const __m256i f = _mm256_set1_epi16(0x1001);	/* 1, 16 */

	for (unsigned v = 0; v < 4; v++) {
		__m256i b0 = _mm256_packus_epi16(LD(t->c, 4 * v),
						 LD(t->c, 4 * v + 1));
		__m256i b1 = _mm256_packus_epi16(LD(t->c, 4 * v + 2),
						 LD(t->c, 4 * v + 3));
		/* pairs of nibbles: x0 + 16 x1 in 16-bit lanes */
		__m256i m0 = _mm256_maddubs_epi16(
			_mm256_permute4x64_epi64(b0, 0xd8), f);
		__m256i m1 = _mm256_maddubs_epi16(
			_mm256_permute4x64_epi64(b1, 0xd8), f);

		_mm256_storeu_si256((__m256i *)(out + 32 * v),
			_mm256_permute4x64_epi64(
				_mm256_packus_epi16(m0, m1), 0xd8));
	}
}

static void pack10(uint8_t *out, const struct mlkem_poly *t)
{
	const __m256i f = _mm256_set1_epi32(1 << 26 | 1);  /* 1, 2^10 */
	const __m256i lo32 = _mm256_set1_epi64x(0xffffffff);
	const __m256i gather = _mm256_setr_epi8(
		0, 1, 2, 3, 4, 8, 9, 10, 11, 12, -1, -1, -1, -1, -1, -1,
		0, 1, 2, 3, 4, 8, 9, 10, 11, 12, -1, -1, -1, -1, -1, -1);

	for (unsigned v = 0; v < 16; v++) {
		/* 20 bits per 32-bit lane, 40 per 64-bit lane, 10 bytes per
		 * 128-bit lane */
		__m256i w = _mm256_madd_epi16(LD(t->c, v), f);
		__m256i z = _mm256_or_si256(_mm256_and_si256(w, lo32),
			_mm256_slli_epi64(_mm256_srli_epi64(w, 32), 20));

		z = _mm256_shuffle_epi8(z, gather);
		if (v < 15) {
			/* 16-byte stores; the next one overwrites the six
			 * zero bytes, none goes past the 320 bytes */
			_mm_storeu_si128((__m128i *)(out + 20 * v),
					 _mm256_castsi256_si128(z));
			_mm_storeu_si128((__m128i *)(out + 20 * v + 10),
					 _mm256_extracti128_si256(z, 1));
		} else {
			alignas(32) uint8_t tmp[32];

			_mm256_store_si256((__m256i *)tmp, z);
			memcpy(out + 20 * v, tmp, 10);
			memcpy(out + 20 * v + 10, tmp + 16, 10);
		}
	}
}

/* ByteDecode_d then Decompress_d for d = 1, 4, 10: round(q y / 2^d) as
 * mulhrs(y 2^(15 - d), q) = (y q 2^(15-d) + 2^14) >> 15, exact. */
static void unpack1(struct mlkem_poly *r, const uint8_t *in)
{
	const __m256i bit = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128,
		256, 512, 1024, 2048, 4096, 8192, 16384, -32768);
	const __m256i h = _mm256_set1_epi16((MLKEM_Q + 1) / 2);

	for (unsigned v = 0; v < 16; v++) {
		uint16_t w = (uint16_t)(in[2 * v] | in[2 * v + 1] << 8);
		__m256i x = _mm256_and_si256(_mm256_set1_epi16((int16_t)w),
					     bit);

		ST(r->c, v, _mm256_and_si256(_mm256_cmpeq_epi16(x, bit), h));
	}
}

static void unpack4(struct mlkem_poly *r, const uint8_t *in)
{
	const __m128i m = _mm_set1_epi8(0x0f);
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);

	for (unsigned v = 0; v < 8; v++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(in + 16 * v));
		__m128i lo = _mm_and_si128(x, m);
		__m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), m);
		__m256i y0 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(lo, hi));
		__m256i y1 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(lo, hi));

		ST(r->c, 2 * v, _mm256_mulhrs_epi16(
			_mm256_slli_epi16(y0, 11), q));
		ST(r->c, 2 * v + 1, _mm256_mulhrs_epi16(
			_mm256_slli_epi16(y1, 11), q));
	}
}

static void unpack10(struct mlkem_poly *r, const uint8_t *in)
{
	/* value i of a 10-byte group: bytes 10i/8, +1, shifted 10i % 8 */
	const __m256i idx = _mm256_setr_epi8(
		0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7, 8, 8, 9,
		0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7, 8, 8, 9);
	const __m256i sh = _mm256_setr_epi16(64, 16, 4, 1, 64, 16, 4, 1,
		64, 16, 4, 1, 64, 16, 4, 1);
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);

	for (unsigned v = 0; v < 16; v++) {
		__m256i x;

		if (v < 15) {
			x = _mm256_loadu2_m128i(
				(const __m128i *)(in + 20 * v + 10),
				(const __m128i *)(in + 20 * v));
		} else {
			/* no read past the 320 bytes */
			alignas(32) uint8_t tmp[32] = { 0 };

			memcpy(tmp, in + 20 * v, 10);
			memcpy(tmp + 16, in + 20 * v + 10, 10);
			x = _mm256_load_si256((const __m256i *)tmp);
		}
		x = _mm256_shuffle_epi8(x, idx);
		/* bits s..s+9 of each 16-bit lane: << (6 - s), >> 6 */
		x = _mm256_srli_epi16(_mm256_mullo_epi16(x, sh), 6);
		ST(r->c, v, _mm256_mulhrs_epi16(_mm256_slli_epi16(x, 5), q));
	}
}

/* ByteEncode_d(Compress_d(a)), a in [0, q): vector compression, then the
 * portable packing. */
void mlkem_poly_compress_avx2(uint8_t *out, const struct mlkem_poly *a,
			      unsigned d)
{
	struct mlkem_poly t;
	const __m128i dcnt = _mm_cvtsi32_si128((int)d);
	/* ceil(2^(12 + d) / q) */
	const __m256i m = _mm256_set1_epi16((int16_t)(((1u << (12 + d)) +
						       MLKEM_Q - 1) / MLKEM_Q));
	const __m256i mask = _mm256_set1_epi16((int16_t)((1 << d) - 1));
	const __m256i h = _mm256_set1_epi16(MLKEM_Q / 2);
	const __m256i qm1 = _mm256_set1_epi16(MLKEM_Q - 1);

	/*
	 * round(2^d x / q) = floor(n / q), n = 2^d x + (q - 1) / 2, in
	 * 16-bit lanes: the estimate e = floor(16 x m / 2^16) is floor(y)
	 * or floor(y) + 1 for y = 2^d x / q (m / 2^12 exceeds 2^d / q by
	 * less than 1 / q over x < q), so the remainder r = n - e q lies in
	 * [-q, 2q) and fits an int16 even computed mod 2^16; one step
	 * corrects e. Exact for every x in [0, q) and d (tested).
	 */
	for (unsigned v = 0; v < 16; v++) {
		__m256i x = LD(a->c, v);
		__m256i e = _mm256_mulhi_epu16(_mm256_slli_epi16(x, 4), m);
		__m256i r = _mm256_sub_epi16(
			_mm256_add_epi16(_mm256_sll_epi16(x, dcnt), h),
			_mm256_mullo_epi16(e, Q16));

		e = _mm256_sub_epi16(e, _mm256_cmpgt_epi16(r, qm1));
		e = _mm256_add_epi16(e, _mm256_srai_epi16(r, 15));
		ST(t.c, v, _mm256_and_si256(e, mask));
	}
	switch (d) {
	case 1: pack1(out, &t); break;
	case 4: pack4(out, &t); break;
	case 10: pack10(out, &t); break;
	default: mlkem_poly_encode(out, &t, d); break;
	}
	mlkem_wipe(&t, sizeof(t));	/* for d = 1 this is the message */
}

/* Decompress_d(ByteDecode_d(in)): (y q + 2^(d-1)) >> d, as one madd of
 * the pairs (y, 1) and (q, 2^(d-1)). */
void mlkem_poly_decompress_avx2(struct mlkem_poly *r, const uint8_t *in,
				unsigned d)
{
	const __m256i k = _mm256_set1_epi32((int)((1u << (d - 1)) << 16 |
						  MLKEM_Q));
	const __m256i one = _mm256_set1_epi16(1);
	const __m128i dcnt = _mm_cvtsi32_si128((int)d);

	switch (d) {
	case 1: unpack1(r, in); return;
	case 4: unpack4(r, in); return;
	case 10: unpack10(r, in); return;
	}
	mlkem_poly_decode(r, in, d);
	for (unsigned v = 0; v < 16; v++) {
		__m256i y = LD(r->c, v);
		__m256i lo = _mm256_madd_epi16(_mm256_unpacklo_epi16(y, one), k);
		__m256i hi = _mm256_madd_epi16(_mm256_unpackhi_epi16(y, one), k);

		lo = _mm256_srl_epi32(lo, dcnt);
		hi = _mm256_srl_epi32(hi, dcnt);
		ST(r->c, v, _mm256_packus_epi32(lo, hi));
	}
}

/*
 * ByteDecode_12 (Algorithm 6, d = 12, reduced mod q) 16 coefficients per
 * 24 bytes, with the spread of the rejection sampler; the last 24 bytes
 * go through the portable code so that nothing past the 384 bytes is
 * read. The reduction is branch-free (keys may be secret).
 */
void mlkem_poly_decode12_avx2(struct mlkem_poly *r, const uint8_t *in)
{
	const __m256i idx = _mm256_setr_epi8(
		0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11,
		4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15);
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	const __m256i m12 = _mm256_set1_epi16(0x0fff);

	for (unsigned v = 0; v < 15; v++) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(in + 24 * v));

		x = _mm256_permute4x64_epi64(x, 0x94);
		x = _mm256_shuffle_epi8(x, idx);
		x = _mm256_blend_epi16(_mm256_and_si256(x, m12),
				       _mm256_srli_epi16(x, 4), 0xaa);
		/* x - q wraps above x exactly when x < q */
		x = _mm256_min_epu16(x, _mm256_sub_epi16(x, q));
		ST(r->c, v, x);
	}
	/* the last 16 coefficients, without reading past the input */
	for (unsigned i = 240; i < MLKEM_N; i += 2) {
		const uint8_t *b = in + 3 * (i / 2);
		int16_t d1 = (int16_t)(b[0] | (b[1] & 0x0f) << 8);
		int16_t d2 = (int16_t)(b[1] >> 4 | b[2] << 4);

		d1 = (int16_t)(d1 - MLKEM_Q);
		d1 = (int16_t)(d1 + ((d1 >> 15) & MLKEM_Q));
		d2 = (int16_t)(d2 - MLKEM_Q);
		d2 = (int16_t)(d2 + ((d2 >> 15) & MLKEM_Q));
		r->c[i] = d1;
		r->c[i + 1] = d2;
	}
}

/*
 * ByteEncode_12 of a polynomial in [0, q): pairs (a, b) become the 24-bit
 * a | b << 12 in each 32-bit lane, then the three low bytes of every lane
 * are gathered, 12 bytes per 128-bit lane.
 */
void mlkem_poly_encode12_avx2(uint8_t *out, const struct mlkem_poly *a)
{
	const __m256i gather = _mm256_setr_epi8(
		0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
		0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
	alignas(32) uint8_t tmp[32];

	for (unsigned v = 0; v < 16; v++) {
		__m256i x = LD(a->c, v);
		__m256i lo = _mm256_and_si256(x, _mm256_set1_epi32(0xffff));
		__m256i hi = _mm256_srli_epi32(x, 16);

		x = _mm256_or_si256(lo, _mm256_slli_epi32(hi, 12));
		x = _mm256_shuffle_epi8(x, gather);
		_mm256_store_si256((__m256i *)tmp, x);
		memcpy(out + 24 * v, tmp, 12);
		memcpy(out + 24 * v + 12, tmp + 16, 12);
	}
	mlkem_wipe(tmp, sizeof(tmp));
}

/*
 * SamplePolyCBD_eta (Algorithm 8) as mlkem_poly_cbd, 64 eta bytes in buf
 * (read exactly). Bits are summed with masks; no table, no branch on the
 * (secret) bits.
 */
void mlkem_poly_cbd_avx2(struct mlkem_poly *r, const uint8_t *buf,
			 unsigned eta)
{
	if (eta == 2) {
		/* byte b gives coefficients 2b (low nibble), 2b + 1 */
		const __m256i m55 = _mm256_set1_epi8(0x55);
		const __m256i m03 = _mm256_set1_epi8(0x03);

		for (unsigned v = 0; v < 4; v++) {
			__m256i t = _mm256_loadu_si256(
				(const __m256i *)(buf + 32 * v));
			__m256i sm = _mm256_add_epi8(_mm256_and_si256(t, m55),
				_mm256_and_si256(_mm256_srli_epi16(t, 1), m55));
			__m256i lo = _mm256_sub_epi8(
				_mm256_and_si256(sm, m03),
				_mm256_and_si256(_mm256_srli_epi16(sm, 2), m03));
			__m256i hi = _mm256_sub_epi8(
				_mm256_and_si256(_mm256_srli_epi16(sm, 4), m03),
				_mm256_and_si256(_mm256_srli_epi16(sm, 6), m03));
			__m256i d = _mm256_unpacklo_epi8(lo, hi);
			__m256i e = _mm256_unpackhi_epi8(lo, hi);

			ST(r->c, 4 * v, _mm256_cvtepi8_epi16(
				_mm256_castsi256_si128(d)));
			ST(r->c, 4 * v + 1, _mm256_cvtepi8_epi16(
				_mm256_castsi256_si128(e)));
			ST(r->c, 4 * v + 2, _mm256_cvtepi8_epi16(
				_mm256_extracti128_si256(d, 1)));
			ST(r->c, 4 * v + 3, _mm256_cvtepi8_epi16(
				_mm256_extracti128_si256(e, 1)));
		}
		return;
	}
	/* eta = 3: 3 bytes, four 6-bit groups, per 32-bit lane; 24 bytes
	 * give 32 coefficients */
	const __m256i idx = _mm256_setr_epi8(
		0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1,
		4, 5, 6, -1, 7, 8, 9, -1, 10, 11, 12, -1, 13, 14, 15, -1);
	const __m256i m249 = _mm256_set1_epi32(0x249249);
	const __m256i m7 = _mm256_set1_epi32(7), m7h = _mm256_set1_epi32(
		0x70000);

	for (unsigned v = 0; v < 8; v++) {
		__m256i t, sm, a, b, c01, c23, lo, hi;

		/* the last window is read from byte 160, at offset 8 */
		if (v < 7)
			t = _mm256_permute4x64_epi64(_mm256_loadu_si256(
				(const __m256i *)(buf + 24 * v)), 0x94);
		else
			t = _mm256_permute4x64_epi64(_mm256_loadu_si256(
				(const __m256i *)(buf + 160)), 0xe9);
		t = _mm256_shuffle_epi8(t, idx);
		sm = _mm256_add_epi32(_mm256_and_si256(t, m249),
			_mm256_add_epi32(
				_mm256_and_si256(_mm256_srli_epi32(t, 1), m249),
				_mm256_and_si256(_mm256_srli_epi32(t, 2), m249)));
		/* coefficient j = bits 6j..6j+2 minus bits 6j+3..6j+5 */
		a = _mm256_or_si256(_mm256_and_si256(sm, m7),
			_mm256_and_si256(_mm256_slli_epi32(sm, 10), m7h));
		b = _mm256_or_si256(
			_mm256_and_si256(_mm256_srli_epi32(sm, 3), m7),
			_mm256_and_si256(_mm256_slli_epi32(sm, 7), m7h));
		c01 = _mm256_sub_epi16(a, b);
		a = _mm256_or_si256(
			_mm256_and_si256(_mm256_srli_epi32(sm, 12), m7),
			_mm256_and_si256(_mm256_srli_epi32(sm, 2), m7h));
		b = _mm256_or_si256(
			_mm256_and_si256(_mm256_srli_epi32(sm, 15), m7),
			_mm256_and_si256(_mm256_srli_epi32(sm, 5), m7h));
		c23 = _mm256_sub_epi16(a, b);
		lo = _mm256_unpacklo_epi32(c01, c23);
		hi = _mm256_unpackhi_epi32(c01, c23);
		ST(r->c, 2 * v, _mm256_permute2x128_si256(lo, hi, 0x20));
		ST(r->c, 2 * v + 1, _mm256_permute2x128_si256(lo, hi, 0x31));
	}
}

/* r = freeze(tomont(r) + e): a row of t-hat (Algorithm 13 line 18),
 * canonical in [0, q). */
void mlkem_poly_tomont_add_freeze_avx2(struct mlkem_poly *r,
				       const struct mlkem_poly *e)
{
	const __m256i z = _mm256_set1_epi16(MLKEM_MONT_R2);
	const __m256i zq = _mm256_set1_epi16((int16_t)(uint16_t)(
		(unsigned)MLKEM_MONT_R2 * (uint16_t)MLKEM_QINV));

	for (unsigned v = 0; v < 16; v++) {
		__m256i x = fqmul_v(LD(r->c, v), z, zq);

		x = barrett_v(_mm256_add_epi16(x, LD(e->c, v)));
		x = _mm256_add_epi16(x, _mm256_and_si256(
			_mm256_srai_epi16(x, 15), Q16));
		ST(r->c, v, x);
	}
}

/* mlkem_poly_freeze: canonical representative in [0, q). */
void mlkem_poly_freeze_avx2(struct mlkem_poly *r)
{
	for (unsigned v = 0; v < 16; v++) {
		__m256i x = barrett_v(LD(r->c, v));

		ST(r->c, v, _mm256_add_epi16(x, _mm256_and_si256(
			_mm256_srai_epi16(x, 15), Q16)));
	}
}
