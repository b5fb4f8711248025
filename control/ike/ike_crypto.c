/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exchange layer's facade over control/ikecrypto (see ike_crypto.h for
 * why it exists). The only file of control/ike that includes ikecrypto's
 * prf.h, sk.h, auth.h and cert.h.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "control/ike/ike_crypto.h"
#include "control/ikecrypto/auth.h"
#include "control/ikecrypto/cert.h"
#include "control/ikecrypto/prf.h"
#include "control/ikecrypto/sk.h"

static_assert(sizeof(((struct ike_keys *)0)->ei) == sizeof(((struct ike_sa_keys *)0)->ei),
	      "ike_keys mirrors ike_sa_keys");

static struct ike_sk_alg sk_alg(const struct ike_suite *s)
{
	return (struct ike_sk_alg){ .encr = s->encr, .key_bits = s->key_bits, .integ = s->integ };
}

static void keys_out(const struct ike_sa_keys *in, struct ike_keys *k)
{
	memcpy(k->d, in->d, sizeof(k->d));
	memcpy(k->ai, in->ai, sizeof(k->ai));
	memcpy(k->ar, in->ar, sizeof(k->ar));
	memcpy(k->ei, in->ei, sizeof(k->ei));
	memcpy(k->er, in->er, sizeof(k->er));
	memcpy(k->pi, in->pi, sizeof(k->pi));
	memcpy(k->pr, in->pr, sizeof(k->pr));
	k->prf_len = in->prf_len;
	k->integ_len = in->integ_len;
	k->encr_len = in->encr_len;
	k->logged = false; /* new keys: key-log them before first use */
}

bool ike_crypto_suite_ok(const struct ike_suite *s)
{
	struct ike_sk_alg a = sk_alg(s);
	bool aead = s->encr == IKE_ENCR_AES_GCM_16 || s->encr == IKE_ENCR_CHACHA20_POLY1305;

	if (ike_prf_len(s->prf) == 0 || ike_sk_encr_key_len(&a) == 0)
		return false;
	return aead ? s->integ == IKE_INTEG_NONE : ike_sk_integ_key_len(&a) != 0;
}

size_t ike_crypto_prf_len(int prf)
{
	return ike_prf_len(prf);
}

/* The seven keys from a SKEYSEED (RFC 7296 §2.14 second half, §2.18), into
 * k on success; seed is wiped either way. */
static int keys_expand(const struct ike_suite *s, uint8_t seed[IKE_PRF_MAX], const uint8_t *ni,
		       size_t ni_len, const uint8_t *nr, size_t nr_len, uint64_t spi_i,
		       uint64_t spi_r, struct ike_keys *k)
{
	struct ike_sk_alg a = sk_alg(s);
	struct ike_sa_keys sk;
	uint8_t si[8], sr[8];
	int rc;

	ike_be64(spi_i, si);
	ike_be64(spi_r, sr);
	rc = ike_sa_keys_expand(s->prf, seed, ni, ni_len, nr, nr_len, si, sr,
				ike_sk_integ_key_len(&a), ike_sk_encr_key_len(&a), &sk);
	if (rc == 0)
		keys_out(&sk, k);
	ike_sa_keys_wipe(&sk);
	OPENSSL_cleanse(seed, IKE_PRF_MAX);
	return rc;
}

int ike_crypto_keys(const struct ike_suite *s, const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len,
		    uint64_t spi_i, uint64_t spi_r, struct ike_keys *k)
{
	uint8_t seed[IKE_PRF_MAX];
	int rc = ike_skeyseed(s->prf, ni, ni_len, nr, nr_len, gir, gir_len, seed);

	if (rc != 0) {
		OPENSSL_cleanse(seed, sizeof(seed));
		return rc;
	}
	return keys_expand(s, seed, ni, ni_len, nr, nr_len, spi_i, spi_r, k);
}

int ike_crypto_keys_rekey(int prf_old, const uint8_t *sk_d_old, size_t sk_d_len,
			  const struct ike_suite *s, const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len,
			  const uint8_t *extra, size_t extra_len, uint64_t spi_i, uint64_t spi_r,
			  struct ike_keys *k)
{
	/* Empty chunks add nothing: without extra this is §2.18's
	 * prf(SK_d, g^ir | Ni | Nr). */
	const struct ike_chunk in[4] = { { gir, gir_len }, { ni, ni_len }, { nr, nr_len },
					 { extra, extra_len } };
	uint8_t seed[IKE_PRF_MAX];
	int rc = ike_prf(prf_old, sk_d_old, sk_d_len, in, 4, seed);

	if (rc != 0) {
		OPENSSL_cleanse(seed, sizeof(seed));
		return rc;
	}
	return keys_expand(s, seed, ni, ni_len, nr, nr_len, spi_i, spi_r, k);
}

int ike_crypto_keymat(int prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
		      size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		      size_t nr_len, uint8_t *out, size_t len)
{
	return ike_child_keymat(prf, sk_d, sk_d_len, gir, gir_len, ni, ni_len, nr, nr_len, out,
				len);
}

void ike_crypto_keys_wipe(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int ike_crypto_ppk_mix(int prf, const uint8_t *ppk, size_t ppk_len, struct ike_keys *k)
{
	int rc = ike_ppk_mix(prf, ppk, ppk_len, k->d, k->prf_len);

	if (rc == 0)
		rc = ike_ppk_mix(prf, ppk, ppk_len, k->pi, k->prf_len);
	if (rc == 0)
		rc = ike_ppk_mix(prf, ppk, ppk_len, k->pr, k->prf_len);
	return rc;
}

int ike_crypto_ppk_mix_key(int prf, const uint8_t *ppk, size_t ppk_len, uint8_t *key,
			   size_t len)
{
	return ike_ppk_mix(prf, ppk, ppk_len, key, len);
}

int ike_crypto_ppk_int_keys(const struct ike_suite *s, const uint8_t *ppk, size_t ppk_len,
			    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			    uint64_t spi_i, uint64_t spi_r, struct ike_keys *k)
{
	uint8_t seed[IKE_PRF_MAX];
	int rc;

	if (k->prf_len == 0 || k->prf_len > sizeof(seed))
		return -EINVAL;
	/* SKEYSEED' = prf+(PPK, SK_d), the PRF's key length (RFC 8784 §3). */
	memcpy(seed, k->d, k->prf_len);
	rc = ike_ppk_mix(s->prf, ppk, ppk_len, seed, k->prf_len);
	if (rc != 0) {
		OPENSSL_cleanse(seed, sizeof(seed));
		return rc;
	}
	return keys_expand(s, seed, ni, ni_len, nr, nr_len, spi_i, spi_r, k);
}

int ike_crypto_prf_v(int prf, const uint8_t *key, size_t klen, const uint8_t *const *p,
		     const size_t *len, unsigned n, uint8_t *out)
{
	struct ike_chunk in[8];

	if (n > 8)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		in[i] = (struct ike_chunk){ p[i], len[i] };
	return ike_prf(prf, key, klen, in, n, out);
}

int ike_crypto_sha1(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		    const uint8_t *c, size_t clen, uint8_t out[20])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned olen = 0;
	int rc = -EIO;

	if (ctx == NULL)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, a, alen) == 1 && EVP_DigestUpdate(ctx, b, blen) == 1 &&
	    EVP_DigestUpdate(ctx, c, clen) == 1 && EVP_DigestFinal_ex(ctx, out, &olen) == 1)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	return rc;
}

size_t ike_crypto_sk_iv_len(const struct ike_suite *s)
{
	struct ike_sk_alg a = sk_alg(s);

	return ike_sk_iv_len(&a);
}

size_t ike_crypto_sk_body_len(const struct ike_suite *s, size_t plen)
{
	struct ike_sk_alg a = sk_alg(s);

	return ike_sk_body_len(&a, plen);
}

long ike_crypto_sk_seal(const struct ike_suite *s, const uint8_t *ekey, const uint8_t *akey,
			const uint8_t *iv, uint8_t *msg, size_t aad_len, const uint8_t *plain,
			size_t plen, size_t cap)
{
	struct ike_sk_alg a = sk_alg(s);

	return ike_sk_seal(&a, ekey, akey, iv, msg, aad_len, plain, plen, cap);
}

int ike_crypto_sk_open(const struct ike_suite *s, const uint8_t *ekey, const uint8_t *akey,
		       uint8_t *msg, size_t len, size_t aad_len, uint8_t **inner,
		       size_t *inner_len)
{
	struct ike_sk_alg a = sk_alg(s);

	return ike_sk_open(&a, ekey, akey, msg, len, aad_len, inner, inner_len);
}

long ike_crypto_signed_octets(int prf, const uint8_t *message, size_t message_len,
			      const uint8_t *peer_nonce, size_t nonce_len, const uint8_t *sk_p,
			      const uint8_t *id_body, size_t id_len, uint8_t *out, size_t cap)
{
	return ike_signed_octets(prf, message, message_len, peer_nonce, nonce_len, sk_p, id_body,
				 id_len, out, cap);
}

int ike_crypto_psk(int prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		   size_t len, uint8_t *out)
{
	return ike_auth_psk(prf, psk, psk_len, octets, len, out);
}

bool ike_crypto_psk_verify(int prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
			   size_t len, const uint8_t *auth, size_t auth_len)
{
	return ike_auth_psk_verify(prf, psk, psk_len, octets, len, auth, auth_len);
}

long ike_crypto_sign(const struct ike_cred *c, unsigned hashes, const uint8_t *octets,
		     size_t len, uint8_t *out, size_t cap)
{
	int s;

	if (c == NULL || c->key == NULL)
		return -EINVAL;
	/* RFC 7427 §4: without the peer's list, SHA2-256 is the safe guess. */
	if (hashes == 0)
		hashes = 1u << IKE_HASH_SHA2_256 | 1u << IKE_HASH_IDENTITY;
	s = ike_sig_choose(c->key, hashes, true);
	if (s < 0)
		return s;
	return ike_sig_sign((enum ike_sig_scheme)s, c->key, octets, len, out, cap);
}

unsigned ike_crypto_cred_certs(const struct ike_cred *c, const uint8_t **der, size_t *len,
			       unsigned max)
{
	unsigned n = 0;

	for (; c != NULL && n < c->n_certs && n < max; n++) {
		der[n] = c->der[n];
		len[n] = c->der_len[n];
	}
	return n;
}

int ike_crypto_verify_peer(const struct ike_trust *t, const uint8_t *ee, size_t ee_len,
			   const uint8_t *const *chain, const size_t *chain_len, unsigned n,
			   int id_type, const uint8_t *id, size_t id_len, const uint8_t *octets,
			   size_t len, const uint8_t *auth, size_t auth_len)
{
	EVP_PKEY *pub = NULL;
	enum ike_sig_scheme used;
	char err[128];
	int rc;

	if (t == NULL)
		return -EPERM;
	rc = ike_cert_verify(t, ee, ee_len, chain, chain_len, n, 0, &pub, err, sizeof(err));
	if (rc != 0)
		return rc;
	/* RFC 4945 §3.1: the ID must name the certificate's subject. */
	if (!ike_cert_matches_id(ee, ee_len, id_type, id, id_len))
		rc = -EPERM;
	else
		rc = ike_sig_verify(pub, octets, len, auth, auth_len, &used);
	EVP_PKEY_free(pub);
	return rc == -EBADMSG ? -EBADMSG : rc != 0 ? -EPERM : 0;
}

size_t ike_crypto_ca_hashes(const struct ike_trust *t, uint8_t *out, size_t cap)
{
	uint8_t h[IKE_CHAIN_MAX][IKE_CA_HASH_LEN];
	unsigned n;

	if (t == NULL)
		return 0;
	n = ike_trust_ca_hashes(t, h, IKE_CHAIN_MAX);
	if (n * IKE_CA_HASH_LEN > cap)
		n = (unsigned)(cap / IKE_CA_HASH_LEN);
	memcpy(out, h, n * IKE_CA_HASH_LEN);
	return n * IKE_CA_HASH_LEN;
}

bool ike_crypto_cred_fits(const struct ike_cred *c, const struct ike_trust *t,
			  const uint8_t *hashes, unsigned n)
{
	return c != NULL && ike_cred_fits(c, t, (const uint8_t(*)[IKE_CA_HASH_LEN])hashes, n);
}
