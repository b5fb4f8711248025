/*
 * avx2.c - the AVX2 back end: NTT and base multiplication from
 * poly_avx2.c, SampleNTT and PRF four at a time on keccak4x_avx2.c.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mlkem_avx2.h"

enum {
	/* 3 blocks give 336 candidates, enough in about 99% of cases */
	XOF_BLOCKS = 3,
	XOF_BYTES = XOF_BLOCKS * MLKEM_SHAKE128_RATE,
};

/*
 * A-hat (Algorithm 13 lines 3-7, Algorithm 14 lines 4-8): entries are
 * sampled four at a time; SampleNTT (Algorithm 7) squeezes further
 * blocks of all four XOFs while any entry is short. rho is public.
 */
static int gen_matrix_avx2(struct mlkem_hash *h, struct mlkem_poly *a,
			   const uint8_t rho[32], unsigned k, int transposed)
{
	alignas(32) uint8_t buf[4][XOF_BYTES];
	uint8_t seed[4][34];
	unsigned total = k * k;

	(void)h;
	for (unsigned base = 0; base < total; base += 4) {
		uint8_t *out[4] = { buf[0], buf[1], buf[2], buf[3] };
		const uint8_t *in[4] = { seed[0], seed[1], seed[2], seed[3] };
		unsigned idx[4], ctr[4], n = total - base < 4 ? total - base : 4;
		__m256i st[25];
		int short_any;

		for (unsigned l = 0; l < 4; l++) {
			/* spare lanes recompute the first entry */
			unsigned e = base + (l < n ? l : 0);
			unsigned i = e / k, j = e % k;

			idx[l] = e;
			memcpy(seed[l], rho, 32);
			seed[l][32] = (uint8_t)(transposed ? i : j);
			seed[l][33] = (uint8_t)(transposed ? j : i);
		}
		mlkem_shake128_x4_absorb(st, in, 34);
		mlkem_shake128_x4_squeeze(st, out, XOF_BLOCKS);
		short_any = 0;
		for (unsigned l = 0; l < n; l++) {
			ctr[l] = mlkem_rej_uniform_avx2(a[idx[l]].c, MLKEM_N,
							buf[l], XOF_BYTES);
			short_any |= ctr[l] < MLKEM_N;
		}
		while (short_any) {
			mlkem_shake128_x4_squeeze(st, out, 1);
			short_any = 0;
			for (unsigned l = 0; l < n; l++) {
				ctr[l] += mlkem_rej_uniform(
					a[idx[l]].c + ctr[l], MLKEM_N - ctr[l],
					buf[l], MLKEM_SHAKE128_RATE);
				short_any |= ctr[l] < MLKEM_N;
			}
		}
	}
	return 0;
}

/* SamplePolyCBD_eta(PRF_eta(seed, nonce + i)) for i < n, four PRFs at a
 * time (Algorithm 13 lines 8-15, Algorithm 14 lines 9-17). */
static int noise_avx2(struct mlkem_hash *h, struct mlkem_poly *r, unsigned n,
		      const uint8_t seed[32], uint8_t nonce, unsigned eta)
{
	uint8_t in[4][33], buf[4][64 * 3];

	(void)h;
	for (unsigned base = 0; base < n; base += 4) {
		const uint8_t *ip[4] = { in[0], in[1], in[2], in[3] };
		uint8_t *op[4] = { buf[0], buf[1], buf[2], buf[3] };
		unsigned cnt = n - base < 4 ? n - base : 4;

		for (unsigned l = 0; l < 4; l++) {
			memcpy(in[l], seed, 32);
			in[l][32] = (uint8_t)(nonce + base + (l < cnt ? l : 0));
		}
		mlkem_shake_x4(1, op, 64 * eta, ip, 33);
		for (unsigned l = 0; l < cnt; l++)
			mlkem_poly_cbd(&r[base + l], buf[l], eta);
	}
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/*
 * H(ek) (SHA3-256) and J(z || c) (SHAKE256) share the rate of 136 bytes
 * and, for every parameter set, the number of blocks: one pass of the
 * 4-way permutation computes both (lanes 2 and 3 repeat them).
 */
static int hash_h_j_avx2(struct mlkem_hash *h, uint8_t hek[32],
			 const uint8_t *ek, size_t ek_len, uint8_t kbar[32],
			 const uint8_t z[32], const uint8_t *ct, size_t ct_len)
{
	uint8_t zc[32 + MLKEM_MAX_CT_BYTES], spare[2][32];
	uint8_t *out[4] = { hek, kbar, spare[0], spare[1] };
	const uint8_t *in[4] = { ek, zc, ek, zc };
	const size_t len[4] = { ek_len, 32 + ct_len, ek_len, 32 + ct_len };
	static const uint8_t pad[4] = { 0x06, 0x1f, 0x06, 0x1f };
	int ret = 0;

	if (ct_len > MLKEM_MAX_CT_BYTES)
		return mlkem_hash_h_j_evp(h, hek, ek, ek_len, kbar, z, ct,
					  ct_len);
	memcpy(zc, z, 32);
	memcpy(zc + 32, ct, ct_len);
	if (mlkem_rate136_x4_32(out, in, len, pad))
		ret = mlkem_hash_h_j_evp(h, hek, ek, ek_len, kbar, z, ct,
					 ct_len);
	OPENSSL_cleanse(zc, 32);
	OPENSSL_cleanse(spare, sizeof(spare));
	return ret;
}

const struct mlkem_ops mlkem_ops_avx2 = {
	.id = MLKEM_IMPL_AVX2,
	.ntt = mlkem_ntt_avx2,
	.invntt = mlkem_invntt_avx2,
	.basemul_acc = mlkem_basemul_acc_avx2,
	.gen_matrix = gen_matrix_avx2,
	.noise = noise_avx2,
	.hash_h_j = hash_h_j_avx2,
};
