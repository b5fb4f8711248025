/*
 * portable.c - the portable back end: plain C arithmetic (poly.c) and
 * every XOF/PRF call through OpenSSL EVP.
 */
#include <errno.h>
#include <string.h>

#include "mlkem_int.h"

enum {
	/* 3 SHAKE128 blocks give 336 candidates: enough for 256 accepted
	 * coefficients in about 99% of cases. */
	XOF_FIRST = 3 * MLKEM_SHAKE128_RATE,
	XOF_MAX = 32 * MLKEM_SHAKE128_RATE,
};

/*
 * SampleNTT, FIPS 203 Algorithm 7. OpenSSL 3.0 can only squeeze once, so
 * when the first output runs short the XOF is run again for a longer
 * output (a prefix of which is the same stream) and parsing resumes.
 */
static int sample_ntt(struct mlkem_hash *h, struct mlkem_poly *r,
		      const uint8_t seed[34])
{
	uint8_t buf[XOF_MAX];
	size_t len = XOF_FIRST, done = 0;
	unsigned n = 0;
	int ret;

	for (;;) {
		ret = mlkem_hash_shake(h, 0, buf, len, seed, 34);
		if (ret)
			return ret;
		n += mlkem_rej_uniform(r->c + n, MLKEM_N - n, buf + done,
				       len - done);
		if (n == MLKEM_N)
			return 0;
		done = len;
		len += 2 * MLKEM_SHAKE128_RATE;
		if (len > XOF_MAX)
			return -EIO;	/* probability far below 2^-1000 */
	}
}

/* Algorithm 13 lines 3-7: A-hat[i, j] = SampleNTT(rho || j || i). */
static int gen_matrix_portable(struct mlkem_hash *h, struct mlkem_poly *a,
			       const uint8_t rho[32], unsigned k,
			       int transposed, struct mlkem_hjob *hj,
			       unsigned nhj)
{
	uint8_t seed[34];
	int ret;

	memcpy(seed, rho, 32);
	for (unsigned i = 0; i < k; i++) {
		for (unsigned j = 0; j < k; j++) {
			seed[32] = (uint8_t)(transposed ? i : j);
			seed[33] = (uint8_t)(transposed ? j : i);
			ret = sample_ntt(h, &a[i * k + j], seed);
			if (ret)
				return ret;
		}
	}
	return mlkem_hjobs_evp(h, hj, nhj);
}

/* SamplePolyCBD_eta(PRF_eta(s, N)), PRF of eq. (4.3) = SHAKE256. */
static int noise_portable(struct mlkem_hash *h, struct mlkem_poly *r,
			  unsigned n, const uint8_t seed[32], uint8_t nonce,
			  unsigned eta)
{
	uint8_t in[33], buf[64 * 3];
	int ret = 0;

	memcpy(in, seed, 32);
	for (unsigned i = 0; i < n; i++) {
		in[32] = (uint8_t)(nonce + i);
		ret = mlkem_hash_shake(h, 1, buf, 64 * eta, in, sizeof(in));
		if (ret)
			goto out;
		mlkem_poly_cbd(&r[i], buf, eta);
	}
out:
	mlkem_wipe(in, sizeof(in));
	mlkem_wipe(buf, sizeof(buf));
	return ret;
}

const struct mlkem_ops mlkem_ops_portable = {
	.id = MLKEM_IMPL_PORTABLE,
	.ntt = mlkem_poly_ntt_ref,
	.invntt = mlkem_poly_invntt_ref,
	.basemul_acc = mlkem_basemul_acc_ref,
	.gen_matrix = gen_matrix_portable,
	.noise = noise_portable,
	.compress = mlkem_poly_compress,
	.decompress = mlkem_poly_decompress,
	.hashes = mlkem_hjobs_evp,
	.encode12 = mlkem_poly_encode12,
	.decode12 = mlkem_poly_decode12,
};
