/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "control/ikecrypto/prf.h"

static const char *prf_digest(int prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA2_256:
		return "SHA256";
	case IKE_PRF_HMAC_SHA2_384:
		return "SHA384";
	case IKE_PRF_HMAC_SHA2_512:
		return "SHA512";
	default:
		return NULL;
	}
}

size_t ike_prf_len(int prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA2_256:
		return 32;
	case IKE_PRF_HMAC_SHA2_384:
		return 48;
	case IKE_PRF_HMAC_SHA2_512:
		return 64;
	default:
		return 0;
	}
}

/* HMAC over a chunk list, with an optional trailing counter octet. */
static int hmac(int prf, const uint8_t *key, size_t klen, const struct ike_chunk *in,
		unsigned n, const uint8_t *extra, size_t extra_len, uint8_t *out)
{
	const char *md = prf_digest(prf);
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	size_t olen = 0;
	int rc = -EINVAL;

	if (md == NULL)
		return -EINVAL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_end(),
	};

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL || (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	if (EVP_MAC_init(ctx, key, klen, params) != 1)
		goto out;
	for (unsigned i = 0; i < n; i++)
		if (in[i].len && EVP_MAC_update(ctx, in[i].p, in[i].len) != 1)
			goto out;
	if (extra_len && EVP_MAC_update(ctx, extra, extra_len) != 1)
		goto out;
	if (EVP_MAC_final(ctx, out, &olen, IKE_PRF_MAX) != 1 || olen != ike_prf_len(prf))
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

int ike_prf(int prf, const uint8_t *key, size_t klen, const struct ike_chunk *in, unsigned n,
	    uint8_t *out)
{
	return hmac(prf, key, klen, in, n, NULL, 0, out);
}

int ike_prf_plus(int prf, const uint8_t *key, size_t klen, const struct ike_chunk *seed,
		 unsigned n, uint8_t *out, size_t outlen)
{
	size_t bl = ike_prf_len(prf), done = 0;
	uint8_t t[IKE_PRF_MAX];
	struct ike_chunk in[17];
	int rc = 0;

	if (bl == 0 || n > 16 || outlen > bl * IKE_PRF_PLUS_MAX_BLOCKS)
		return -EINVAL;
	for (unsigned i = 1; done < outlen; i++) {
		uint8_t ctr = (uint8_t)i;
		unsigned k = 0;

		/* T1 = prf(K, S | 0x01); Tn = prf(K, Tn-1 | S | n) */
		if (i > 1)
			in[k++] = (struct ike_chunk){ t, bl };
		for (unsigned j = 0; j < n; j++)
			in[k++] = seed[j];
		rc = hmac(prf, key, klen, in, k, &ctr, 1, t);
		if (rc < 0)
			break;
		size_t take = outlen - done < bl ? outlen - done : bl;

		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

int ike_sa_keys_expand(int prf, const uint8_t *skeyseed, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
		       const uint8_t spi_r[8], size_t integ_len, size_t encr_len,
		       struct ike_sa_keys *k)
{
	size_t pl = ike_prf_len(prf);
	uint8_t km[7 * IKE_PRF_MAX];
	const struct ike_chunk seed[] = {
		{ ni, ni_len }, { nr, nr_len }, { spi_i, 8 }, { spi_r, 8 },
	};
	size_t total = 3 * pl + 2 * integ_len + 2 * encr_len, off = 0;
	int rc;

	if (pl == 0 || integ_len > IKE_PRF_MAX || encr_len > sizeof(k->ei))
		return -EINVAL;
	rc = ike_prf_plus(prf, skeyseed, pl, seed, 4, km, total);
	if (rc == 0) {
		k->prf_len = pl;
		k->integ_len = integ_len;
		k->encr_len = encr_len;
		/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} */
		struct { uint8_t *dst; size_t len; } parts[] = {
			{ k->d, pl }, { k->ai, integ_len }, { k->ar, integ_len },
			{ k->ei, encr_len }, { k->er, encr_len }, { k->pi, pl }, { k->pr, pl },
		};

		for (unsigned i = 0; i < 7; i++) {
			memcpy(parts[i].dst, km + off, parts[i].len);
			off += parts[i].len;
		}
	}
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

int ike_skeyseed(int prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		 const uint8_t *gir, size_t gir_len, uint8_t *skeyseed)
{
	uint8_t key[512];
	const struct ike_chunk in = { gir, gir_len };

	/* RFC 7296 §2.14: for HMAC PRFs the whole Ni | Nr is the key. */
	if (ni_len + nr_len > sizeof(key))
		return -EINVAL;
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	return ike_prf(prf, key, ni_len + nr_len, &in, 1, skeyseed);
}

int ike_sa_keys_derive(int prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		       size_t nr_len, const uint8_t *gir, size_t gir_len,
		       const uint8_t spi_i[8], const uint8_t spi_r[8], size_t integ_len,
		       size_t encr_len, struct ike_sa_keys *k)
{
	uint8_t skeyseed[IKE_PRF_MAX];
	int rc = ike_skeyseed(prf, ni, ni_len, nr, nr_len, gir, gir_len, skeyseed);

	if (rc == 0)
		rc = ike_sa_keys_expand(prf, skeyseed, ni, ni_len, nr, nr_len, spi_i, spi_r,
					integ_len, encr_len, k);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return rc;
}

int ike_skeyseed_rekey(int prf_old, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
		       size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		       size_t nr_len, uint8_t *skeyseed)
{
	const struct ike_chunk in[] = { { gir, gir_len }, { ni, ni_len }, { nr, nr_len } };

	return ike_prf(prf_old, sk_d, sk_d_len, in, 3, skeyseed);
}

int ike_child_keymat(int prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
		     size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		     size_t nr_len, uint8_t *keymat, size_t len)
{
	const struct ike_chunk seed[] = {
		{ gir, gir ? gir_len : 0 }, { ni, ni_len }, { nr, nr_len },
	};

	return ike_prf_plus(prf, sk_d, sk_d_len, seed, 3, keymat, len);
}

int ike_ppk_mix(int prf, const uint8_t *ppk, size_t ppk_len, uint8_t *key, size_t len)
{
	uint8_t in[IKE_PRF_MAX];
	const struct ike_chunk seed = { in, len };
	int rc;

	if (len == 0 || len > sizeof(in) || ppk_len == 0)
		return -EINVAL;
	memcpy(in, key, len);
	rc = ike_prf_plus(prf, ppk, ppk_len, &seed, 1, key, len);
	OPENSSL_cleanse(in, sizeof(in));
	return rc;
}

void ike_sa_keys_wipe(struct ike_sa_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}
