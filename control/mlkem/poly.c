/*
 * poly.c - arithmetic in R_q and T_q (FIPS 203 §4.3), portable C.
 *
 * Coefficients are int16_t. Multiplications use Montgomery reduction with
 * R = 2^16, so the tables hold zeta * 2^16 mod q (centered). No function
 * here branches on, or indexes memory by, a coefficient value.
 */
#include <string.h>

#include "mlkem_int.h"

/* zeta^BitRev7(i) * 2^16 mod q, i = 0..127 (FIPS 203 Appendix A). */
const int16_t mlkem_zetas[128] = {
	-1044, -758, -359, -1517, 1493, 1422, 287, 202, -171, 622, 1577,
	182, 962, -1202, -1474, 1468, 573, -1325, 264, 383, -829, 1458,
	-1602, -130, -681, 1017, 732, 608, -1542, 411, -205, -1571, 1223,
	652, -552, 1015, -1293, 1491, -282, -1544, 516, -8, -320, -666,
	-1618, -1162, 126, 1469, -853, -90, -271, 830, 107, -1421, -247,
	-951, -398, 961, -1508, -725, 448, -1065, 677, -1275, -1103, 430,
	555, 843, -1251, 871, 1550, 105, 422, 587, 177, -235, -291, -460,
	1574, 1653, -246, 778, 1159, -147, -777, 1483, -602, 1119, -1590,
	644, -872, 349, 418, 329, -156, -75, 817, 1097, 603, 610, 1322,
	-1285, -1465, 384, -1215, -136, 1218, -1335, -874, 220, -1187,
	-1659, -1185, -1530, -1278, 794, -1510, -854, -870, 478, -108,
	-308, 996, 991, 958, -1460, 1522, 1628,
};

/* zeta^(2 BitRev7(i) + 1) * 2^16 mod q: gamma of Algorithm 11 line 2. */
const int16_t mlkem_gammas[128] = {
	-1103, 1103, 430, -430, 555, -555, 843, -843, -1251, 1251, 871,
	-871, 1550, -1550, 105, -105, 422, -422, 587, -587, 177, -177, -235,
	235, -291, 291, -460, 460, 1574, -1574, 1653, -1653, -246, 246, 778,
	-778, 1159, -1159, -147, 147, -777, 777, 1483, -1483, -602, 602,
	1119, -1119, -1590, 1590, 644, -644, -872, 872, 349, -349, 418,
	-418, 329, -329, -156, 156, -75, 75, 817, -817, 1097, -1097, 603,
	-603, 610, -610, 1322, -1322, -1285, 1285, -1465, 1465, 384, -384,
	-1215, 1215, -136, 136, 1218, -1218, -1335, 1335, -874, 874, 220,
	-220, -1187, 1187, -1659, 1659, -1185, 1185, -1530, 1530, -1278,
	1278, 794, -794, -1510, 1510, -854, 854, -870, 870, 478, -478, -108,
	108, -308, 308, 996, -996, 991, -991, 958, -958, -1460, 1460, 1522,
	-1522, 1628, -1628,
};

void mlkem_poly_reduce(struct mlkem_poly *r)
{
	for (unsigned i = 0; i < MLKEM_N; i++)
		r->c[i] = mlkem_barrett_reduce(r->c[i]);
}

/* To the canonical representative in [0, q), without a branch. */
void mlkem_poly_freeze(struct mlkem_poly *r)
{
	for (unsigned i = 0; i < MLKEM_N; i++) {
		int16_t x = mlkem_barrett_reduce(r->c[i]);

		x = (int16_t)(x + ((x >> 15) & MLKEM_Q));
		r->c[i] = x;
	}
}

/* Multiply by 2^16: undoes the 2^-16 that basemul_acc leaves. */
void mlkem_poly_tomont(struct mlkem_poly *r)
{
	for (unsigned i = 0; i < MLKEM_N; i++)
		r->c[i] = mlkem_fqmul(r->c[i], MLKEM_MONT_R2);
}

void mlkem_poly_add(struct mlkem_poly *r, const struct mlkem_poly *a)
{
	for (unsigned i = 0; i < MLKEM_N; i++)
		r->c[i] = (int16_t)(r->c[i] + a->c[i]);
}

void mlkem_poly_sub(struct mlkem_poly *r, const struct mlkem_poly *a)
{
	for (unsigned i = 0; i < MLKEM_N; i++)
		r->c[i] = (int16_t)(r->c[i] - a->c[i]);
}

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* One layer of Algorithm 9 (lines 3-8) with a constant len, so that the
 * compiler can unroll and vectorize the butterflies. */
static ALWAYS_INLINE void ntt_layer(int16_t *c, unsigned len, unsigned *i)
{
	for (unsigned start = 0; start < MLKEM_N; start += 2 * len) {
		int16_t zeta = mlkem_zetas[(*i)++];

		for (unsigned j = start; j < start + len; j++) {
			int16_t t = mlkem_fqmul(zeta, c[j + len]);

			c[j + len] = (int16_t)(c[j] - t);
			c[j] = (int16_t)(c[j] + t);
		}
	}
}

/* One layer of Algorithm 10 (lines 3-8), sums Barrett-reduced. */
static ALWAYS_INLINE void invntt_layer(int16_t *c, unsigned len,
				       unsigned *i)
{
	for (unsigned start = 0; start < MLKEM_N; start += 2 * len) {
		int16_t zeta = mlkem_zetas[(*i)--];

		for (unsigned j = start; j < start + len; j++) {
			int16_t t = c[j];

			c[j] = mlkem_barrett_reduce((int16_t)(t + c[j + len]));
			c[j + len] = mlkem_fqmul(zeta,
						 (int16_t)(c[j + len] - t));
		}
	}
}

/*
 * NTT, FIPS 203 Algorithm 9. Input |c| < q; each of the 7 layers grows
 * the bound by at most q, so int16 never overflows (8q < 2^15).
 */
void mlkem_poly_ntt_ref(struct mlkem_poly *r)
{
	unsigned i = 1;

	ntt_layer(r->c, 128, &i);
	ntt_layer(r->c, 64, &i);
	ntt_layer(r->c, 32, &i);
	ntt_layer(r->c, 16, &i);
	ntt_layer(r->c, 8, &i);
	ntt_layer(r->c, 4, &i);
	ntt_layer(r->c, 2, &i);
	mlkem_poly_reduce(r);
}

/*
 * NTT^-1, FIPS 203 Algorithm 10; sums are Barrett-reduced every layer.
 * The final factor is 128^-1 * 2^32 (Montgomery), i.e. the output is
 * multiplied by 2^16 compared with Algorithm 10.
 */
void mlkem_poly_invntt_ref(struct mlkem_poly *r)
{
	unsigned i = 127;

	invntt_layer(r->c, 2, &i);
	invntt_layer(r->c, 4, &i);
	invntt_layer(r->c, 8, &i);
	invntt_layer(r->c, 16, &i);
	invntt_layer(r->c, 32, &i);
	invntt_layer(r->c, 64, &i);
	invntt_layer(r->c, 128, &i);
	for (unsigned j = 0; j < MLKEM_N; j++)
		r->c[j] = mlkem_fqmul(r->c[j], MLKEM_INVNTT_F);
}

/*
 * r = sum_{i<k} a[i] (x) b[i]: MultiplyNTTs (Algorithm 11) and
 * BaseCaseMultiply (Algorithm 12), accumulated in 32 bits and reduced once;
 * the result carries a factor 2^-16. Inputs |c| < q keep the sum below
 * 8 q^2 < q 2^15.
 */
void mlkem_basemul_acc_ref(struct mlkem_poly *r, const struct mlkem_poly *a,
			   const struct mlkem_poly *b, unsigned k)
{
	int32_t c0[MLKEM_N / 2] = { 0 }, c1[MLKEM_N / 2] = { 0 };

	/* one pass per vector entry: the inner loop has a fixed length and
	 * no carried dependency, so the compiler can vectorize it */
	for (unsigned j = 0; j < k; j++) {
		const int16_t *x = a[j].c, *y = b[j].c;

		for (unsigned i = 0; i < MLKEM_N / 2; i++) {
			int32_t a0 = x[2 * i], a1 = x[2 * i + 1];
			int32_t b0 = y[2 * i], b1 = y[2 * i + 1];
			int16_t t = mlkem_mont_reduce(a1 * b1);

			c0[i] += a0 * b0 + (int32_t)t * mlkem_gammas[i];
			c1[i] += a0 * b1 + a1 * b0;
		}
	}
	for (unsigned i = 0; i < MLKEM_N / 2; i++) {
		r->c[2 * i] = mlkem_mont_reduce(c0[i]);
		r->c[2 * i + 1] = mlkem_mont_reduce(c1[i]);
	}
}

/*
 * SamplePolyCBD_eta, FIPS 203 Algorithm 8, eta in {2, 3}; buf holds
 * 64 eta bytes. Bit counting by masks, no branches on the bits.
 */
void mlkem_poly_cbd(struct mlkem_poly *r, const uint8_t *buf, unsigned eta)
{
	if (eta == 2) {
		for (unsigned i = 0; i < MLKEM_N / 8; i++) {
			uint32_t t = (uint32_t)buf[4 * i] |
				     (uint32_t)buf[4 * i + 1] << 8 |
				     (uint32_t)buf[4 * i + 2] << 16 |
				     (uint32_t)buf[4 * i + 3] << 24;
			uint32_t s = (t & 0x55555555u) +
				     ((t >> 1) & 0x55555555u);

			for (unsigned j = 0; j < 8; j++) {
				int16_t x = (int16_t)((s >> (4 * j)) & 3);
				int16_t y = (int16_t)((s >> (4 * j + 2)) & 3);

				r->c[8 * i + j] = (int16_t)(x - y);
			}
		}
	} else {
		for (unsigned i = 0; i < MLKEM_N / 4; i++) {
			uint32_t t = (uint32_t)buf[3 * i] |
				     (uint32_t)buf[3 * i + 1] << 8 |
				     (uint32_t)buf[3 * i + 2] << 16;
			uint32_t s = (t & 0x249249u) +
				     ((t >> 1) & 0x249249u) +
				     ((t >> 2) & 0x249249u);

			for (unsigned j = 0; j < 4; j++) {
				int16_t x = (int16_t)((s >> (6 * j)) & 7);
				int16_t y = (int16_t)((s >> (6 * j + 3)) & 7);

				r->c[4 * i + j] = (int16_t)(x - y);
			}
		}
	}
}

/*
 * SampleNTT's parsing loop, FIPS 203 Algorithm 7 lines 4-14: rejection
 * sampling of 12-bit candidates. Only runs on XOF(rho, j, i) output, which
 * is public, so the branches are fine. Returns coefficients written.
 */
unsigned mlkem_rej_uniform(int16_t *r, unsigned need, const uint8_t *buf,
			   size_t len)
{
	unsigned n = 0;
	size_t pos = 0;

	/* Both candidates are stored and the count advanced by the
	 * comparison: no unpredictable branch while two slots are free. */
	for (; n + 2 <= need && pos + 3 <= len; pos += 3) {
		uint16_t d1 = (uint16_t)(buf[pos] |
					 ((buf[pos + 1] & 0x0f) << 8));
		uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) |
					 (buf[pos + 2] << 4));

		r[n] = (int16_t)d1;
		n += d1 < MLKEM_Q;
		r[n] = (int16_t)d2;
		n += d2 < MLKEM_Q;
	}
	for (; n < need && pos + 3 <= len; pos += 3) {
		uint16_t d1 = (uint16_t)(buf[pos] |
					 ((buf[pos + 1] & 0x0f) << 8));
		uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) |
					 (buf[pos + 2] << 4));

		if (d1 < MLKEM_Q)
			r[n++] = (int16_t)d1;
		if (d2 < MLKEM_Q && n < need)
			r[n++] = (int16_t)d2;
	}
	return n;
}

/*
 * ByteEncode_d / ByteDecode_d (Algorithms 5 and 6), fused with
 * Compress_d / Decompress_d. Coefficients are handled in groups of g
 * whose g d bits fill whole bytes, little-endian as BitsToBytes orders
 * them. The always-inline helpers are instantiated per d so that every
 * shift is a constant.
 */
__extension__ typedef unsigned __int128 u128;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LITTLE_ENDIAN_HOST 1
#else
#define LITTLE_ENDIAN_HOST 0
#endif

/* Coefficients per group: g d bits fill whole bytes, at most 8 of them
 * except for d = 11 (8 coefficients in 11 bytes). */
static ALWAYS_INLINE unsigned group_of(unsigned d)
{
	switch (d) {
	case 1: return 64;
	case 4: return 16;
	case 10: return 4;
	case 12: return 4;
	default: return 8;	/* 5, 11 */
	}
}

static ALWAYS_INLINE uint16_t enc_prep(int16_t x, unsigned d, int comp)
{
	return comp ? mlkem_compress((uint16_t)x, d) : (uint16_t)x;
}

static ALWAYS_INLINE void encode_d(uint8_t *out, const struct mlkem_poly *a,
				   unsigned d, int comp)
{
	const unsigned g = group_of(d), nb = g * d / 8;

	for (unsigned i = 0; i < MLKEM_N; i += g, out += nb) {
		if (nb <= 8) {
			uint64_t acc = 0;

			for (unsigned j = 0; j < g; j++)
				acc |= (uint64_t)enc_prep(a->c[i + j], d, comp)
				       << (j * d);
			if (LITTLE_ENDIAN_HOST &&
			    (MLKEM_N - i) / g * nb >= 8) {
				/* one store; the next group overwrites the
				 * bytes past nb */
				memcpy(out, &acc, 8);
				continue;
			}
			for (unsigned b = 0; b < nb; b++)
				out[b] = (uint8_t)(acc >> (8 * b));
		} else {	/* d = 11: 88 bits */
			u128 acc = 0;

			for (unsigned j = 0; j < g; j++)
				acc |= (u128)enc_prep(a->c[i + j], d, comp)
				       << (j * d);
			for (unsigned b = 0; b < nb; b++)
				out[b] = (uint8_t)(acc >> (8 * b));
		}
	}
}

static ALWAYS_INLINE int16_t dec_post(uint32_t v, unsigned d, int decomp)
{
	int16_t x = (int16_t)v;

	if (d == 12) {
		/* mod q (Algorithm 6 line 6, m = q), branch-free: the input
		 * may be a secret key */
		x = (int16_t)(x - MLKEM_Q);
		x = (int16_t)(x + ((x >> 15) & MLKEM_Q));
	}
	if (decomp)
		x = (int16_t)mlkem_decompress((uint16_t)x, d);
	return x;
}

static ALWAYS_INLINE void decode_d(struct mlkem_poly *r, const uint8_t *in,
				   unsigned d, int decomp)
{
	const unsigned g = group_of(d), nb = g * d / 8;
	const uint32_t mask = (1u << d) - 1;

	for (unsigned i = 0; i < MLKEM_N; i += g, in += nb) {
		if (nb <= 8) {
			uint64_t acc = 0;

			if (LITTLE_ENDIAN_HOST &&
			    (MLKEM_N - i) / g * nb >= 8) {
				/* one load, inside the input: at least 8
				 * bytes are left */
				memcpy(&acc, in, 8);
			} else {
				for (unsigned b = 0; b < nb; b++)
					acc |= (uint64_t)in[b] << (8 * b);
			}
			for (unsigned j = 0; j < g; j++)
				r->c[i + j] = dec_post(
					(uint32_t)(acc >> (j * d)) & mask, d,
					decomp);
		} else {	/* d = 11 */
			u128 acc = 0;

			for (unsigned b = 0; b < nb; b++)
				acc |= (u128)in[b] << (8 * b);
			for (unsigned j = 0; j < g; j++)
				r->c[i + j] = dec_post(
					(uint32_t)(acc >> (j * d)) & mask, d,
					decomp);
		}
	}
}

void mlkem_poly_encode12(uint8_t *out, const struct mlkem_poly *a)
{
	encode_d(out, a, 12, 0);
}

void mlkem_poly_decode12(struct mlkem_poly *r, const uint8_t *in)
{
	decode_d(r, in, 12, 0);
}

/* ByteEncode_d of a polynomial with coefficients below 2^d. */
void mlkem_poly_encode(uint8_t *out, const struct mlkem_poly *a, unsigned d)
{
	switch (d) {
	case 1: encode_d(out, a, 1, 0); break;
	case 4: encode_d(out, a, 4, 0); break;
	case 5: encode_d(out, a, 5, 0); break;
	case 10: encode_d(out, a, 10, 0); break;
	case 11: encode_d(out, a, 11, 0); break;
	default: encode_d(out, a, 12, 0); break;
	}
}

/* ByteDecode_d; for d = 12 the result is reduced mod q. */
void mlkem_poly_decode(struct mlkem_poly *r, const uint8_t *in, unsigned d)
{
	switch (d) {
	case 1: decode_d(r, in, 1, 0); break;
	case 4: decode_d(r, in, 4, 0); break;
	case 5: decode_d(r, in, 5, 0); break;
	case 10: decode_d(r, in, 10, 0); break;
	case 11: decode_d(r, in, 11, 0); break;
	default: decode_d(r, in, 12, 0); break;
	}
}

/* ByteEncode_d(Compress_d(a)), a in [0, q), d in {1, 4, 5, 10, 11}. */
void mlkem_poly_compress(uint8_t *out, const struct mlkem_poly *a, unsigned d)
{
	switch (d) {
	case 1: encode_d(out, a, 1, 1); break;
	case 4: encode_d(out, a, 4, 1); break;
	case 5: encode_d(out, a, 5, 1); break;
	case 10: encode_d(out, a, 10, 1); break;
	default: encode_d(out, a, 11, 1); break;
	}
}

/* Decompress_d(ByteDecode_d(in)), d in {1, 4, 5, 10, 11}. */
void mlkem_poly_decompress(struct mlkem_poly *r, const uint8_t *in,
			   unsigned d)
{
	switch (d) {
	case 1: decode_d(r, in, 1, 1); break;
	case 4: decode_d(r, in, 4, 1); break;
	case 5: decode_d(r, in, 5, 1); break;
	case 10: decode_d(r, in, 10, 1); break;
	default: decode_d(r, in, 11, 1); break;
	}
}
