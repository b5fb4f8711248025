/*
 * kpke.c - the K-PKE component scheme, FIPS 203 §5 (Algorithms 13-15).
 *
 * Arithmetic and sampling go through the back-end table; encoding,
 * compression and the order of operations are common to both back ends.
 */
#include <string.h>

#include "mlkem_int.h"

/* K-PKE.KeyGen, Algorithm 13. ek = ByteEncode12(t-hat) || rho,
 * dk_pke = ByteEncode12(s-hat). */
int mlkem_kpke_keygen(const struct mlkem_ops *ops, struct mlkem_hash *h,
		      const struct mlkem_params *pp, const uint8_t d[32],
		      uint8_t *ek, uint8_t *dk_pke)
{
	struct mlkem_poly a[MLKEM_KMAX * MLKEM_KMAX];
	struct mlkem_poly se[2 * MLKEM_KMAX], t;
	struct mlkem_poly *s = se, *e = se + pp->k;
	uint8_t kbyte = (uint8_t)pp->k, rhosigma[64];
	uint8_t prf[2 * MLKEM_KMAX][64 * 3], nonce[2 * MLKEM_KMAX];
	struct mlkem_hjob hj[2 * MLKEM_KMAX];
	const uint8_t *rho = rhosigma, *sigma = rhosigma + 32;
	unsigned k = pp->k;
	int ret;

	/* line 1: (rho, sigma) = G(d || k) */
	hj[0] = (struct mlkem_hjob){ .in = d, .len = 32, .in2 = &kbyte,
				     .len2 = 1, .kind = MLKEM_SHA3_512,
				     .out = rhosigma, .outlen = 64 };
	ret = ops->hashes(h, hj, 1);
	if (ret)
		goto out;
	/* rho becomes part of ek: public from here on. */
	MLKEM_DECLASSIFY(rhosigma, 32);

	/* lines 3-7 (A-hat) with lines 8-15's PRF_eta1(sigma, N),
	 * N = 0..2k-1, on the way: s from N < k, e from the rest */
	for (unsigned i = 0; i < 2 * k; i++) {
		nonce[i] = (uint8_t)i;
		hj[i] = (struct mlkem_hjob){ .in = sigma, .len = 32,
					     .in2 = &nonce[i], .len2 = 1,
					     .kind = MLKEM_SHAKE256,
					     .out = prf[i],
					     .outlen = 64 * pp->eta1 };
	}
	ret = ops->gen_matrix(h, a, rho, k, 0, hj, 2 * k);
	if (ret)
		goto out;
	for (unsigned i = 0; i < 2 * k; i++)
		mlkem_poly_cbd(&se[i], prf[i], pp->eta1);

	for (unsigned i = 0; i < k; i++) {		/* lines 16-17 */
		ops->ntt(&s[i]);
		ops->ntt(&e[i]);
	}
	for (unsigned i = 0; i < k; i++) {		/* line 18 */
		ops->basemul_acc(&t, &a[i * k], s, k);
		mlkem_poly_tomont(&t);
		mlkem_poly_add(&t, &e[i]);
		mlkem_poly_freeze(&t);
		ops->encode12(ek + i * MLKEM_POLY_BYTES, &t);
	}
	memcpy(ek + k * MLKEM_POLY_BYTES, rho, 32);	/* line 19 */
	for (unsigned i = 0; i < k; i++) {		/* line 20 */
		mlkem_poly_freeze(&s[i]);
		ops->encode12(dk_pke + i * MLKEM_POLY_BYTES, &s[i]);
	}
out:
	mlkem_wipe(rhosigma, sizeof(rhosigma));
	mlkem_wipe(prf, sizeof(prf));
	mlkem_wipe(se, sizeof(se));
	mlkem_wipe(&t, sizeof(t));
	return ret;
}

/*
 * K-PKE.Encrypt, Algorithm 14. ek must have passed the §7.2 check; at is
 * A-hat^T of lines 4-8, from ops->gen_matrix(..., transposed = 1, ...),
 * computed by the caller so that it can share the Keccak lanes with H(ek)
 * (and J in decapsulation).
 */
int mlkem_kpke_encrypt(const struct mlkem_ops *ops, struct mlkem_hash *h,
		       const struct mlkem_params *pp, const uint8_t *ek,
		       const struct mlkem_poly *at, const uint8_t m[32],
		       const uint8_t r[32], uint8_t *ct)
{
	struct mlkem_poly noise[2 * MLKEM_KMAX + 1];
	unsigned k = pp->k;
	int ret;

	/* lines 9-17: y (N = 0..k-1, eta1), e1 (N = k..2k-1, eta2) and
	 * e2 (N = 2k, eta2), in one batch when eta1 == eta2 */
	if (pp->eta1 == pp->eta2) {
		ret = ops->noise(h, noise, 2 * k + 1, r, 0, pp->eta1);
	} else {
		ret = ops->noise(h, noise, k, r, 0, pp->eta1);
		if (!ret)
			ret = ops->noise(h, noise + k, k + 1, r, (uint8_t)k,
					 pp->eta2);
	}
	if (!ret)
		mlkem_kpke_encrypt_noise(ops, pp, ek, at, m, noise, ct);
	mlkem_wipe(noise, sizeof(noise));
	return ret;
}

/*
 * The rest of Algorithm 14 (lines 2, 18-23) with the noise of lines 9-17
 * given: noise = y[0..k-1] || e1[0..k-1] || e2. y is transformed in
 * place (the caller wipes it).
 */
void mlkem_kpke_encrypt_noise(const struct mlkem_ops *ops,
			      const struct mlkem_params *pp,
			      const uint8_t *ek, const struct mlkem_poly *at,
			      const uint8_t m[32], struct mlkem_poly *noise,
			      uint8_t *ct)
{
	struct mlkem_poly that[MLKEM_KMAX], u, v, mu;
	struct mlkem_poly *y = noise, *e1 = noise + pp->k;
	struct mlkem_poly *e2 = noise + 2 * pp->k;
	unsigned k = pp->k;

	for (unsigned i = 0; i < k; i++)		/* line 2 */
		ops->decode12(&that[i], ek + i * MLKEM_POLY_BYTES);
	for (unsigned i = 0; i < k; i++)		/* line 18 */
		ops->ntt(&y[i]);
	for (unsigned i = 0; i < k; i++) {		/* lines 19, 22 */
		ops->basemul_acc(&u, &at[i * k], y, k);
		ops->invntt(&u);
		mlkem_poly_add(&u, &e1[i]);
		mlkem_poly_freeze(&u);
		ops->compress(ct + i * 32 * pp->du, &u, pp->du);
	}
	ops->decompress(&mu, m, 1);		/* line 20 */
	ops->basemul_acc(&v, that, y, k);		/* line 21 */
	ops->invntt(&v);
	mlkem_poly_add(&v, e2);
	mlkem_poly_add(&v, &mu);
	mlkem_poly_freeze(&v);
	ops->compress(ct + k * 32 * pp->du, &v, pp->dv); /* line 23 */
	mlkem_wipe(&u, sizeof(u));
	mlkem_wipe(&v, sizeof(v));
	mlkem_wipe(&mu, sizeof(mu));
}

/* K-PKE.Decrypt, Algorithm 15. */
int mlkem_kpke_decrypt(const struct mlkem_ops *ops,
		       const struct mlkem_params *pp, const uint8_t *dk_pke,
		       const uint8_t *ct, uint8_t m[32])
{
	struct mlkem_poly u[MLKEM_KMAX], s[MLKEM_KMAX], v, w;
	unsigned k = pp->k;

	for (unsigned i = 0; i < k; i++) {		/* lines 3, 6 */
		ops->decompress(&u[i], ct + i * 32 * pp->du, pp->du);
		ops->ntt(&u[i]);
		ops->decode12(&s[i], dk_pke + i * MLKEM_POLY_BYTES);
	}
	ops->decompress(&v, ct + k * 32 * pp->du, pp->dv); /* line 4 */
	ops->basemul_acc(&w, s, u, k);			/* line 6 */
	ops->invntt(&w);
	mlkem_poly_sub(&v, &w);
	mlkem_poly_freeze(&v);
	ops->compress(m, &v, 1);			/* line 7 */

	mlkem_wipe(s, sizeof(s));
	mlkem_wipe(&v, sizeof(v));
	mlkem_wipe(&w, sizeof(w));
	return 0;
}
