/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "control/ikecrypto/auth.h"

/* RFC 7296 §2.15 */
static const char key_pad[] = "Key Pad for IKEv2";

long ike_signed_octets(int prf, const uint8_t *message, size_t message_len,
		       const uint8_t *peer_nonce, size_t nonce_len, const uint8_t *sk_p,
		       const uint8_t *id_body, size_t id_len, uint8_t *out, size_t cap)
{
	size_t pl = ike_prf_len(prf);
	const struct ike_chunk id = { id_body, id_len };

	if (pl == 0)
		return -EINVAL;
	if (message_len + nonce_len + pl > cap)
		return -ENOSPC;
	memcpy(out, message, message_len);
	memcpy(out + message_len, peer_nonce, nonce_len);
	int rc = ike_prf(prf, sk_p, pl, &id, 1, out + message_len + nonce_len);

	return rc < 0 ? rc : (long)(message_len + nonce_len + pl);
}

int ike_auth_psk(int prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		 size_t len, uint8_t *auth)
{
	uint8_t k[IKE_PRF_MAX];
	const struct ike_chunk pad = { (const uint8_t *)key_pad, sizeof(key_pad) - 1 };
	const struct ike_chunk msg = { octets, len };
	int rc = ike_prf(prf, psk, psk_len, &pad, 1, k);

	if (rc == 0)
		rc = ike_prf(prf, k, ike_prf_len(prf), &msg, 1, auth);
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}

bool ike_auth_psk_verify(int prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
			 size_t len, const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_PRF_MAX];
	bool ok = auth_len == ike_prf_len(prf) &&
		  ike_auth_psk(prf, psk, psk_len, octets, len, want) == 0 &&
		  CRYPTO_memcmp(want, auth, auth_len) == 0;

	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

/* ---- RFC 7427 signatures -------------------------------------------------- */

/* AlgorithmIdentifier encodings (RFC 7427 Appendix A; the PSS ones carry
 * hash, MGF1 with the same hash, salt = hash length). DER leaves out the
 * DEFAULT trailerField (X.690 11.5) that the example of RFC 7427 A.4.3
 * spells out: strongSwan and libreswan send it without, and libreswan 4.10
 * accepts nothing else; ike_sig_verify() takes both forms. */
#define PSS_ALGID(h, salt)                                                         \
	{ 0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, \
	  0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, \
	  0x03, 0x04, 0x02, h, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a,    \
	  0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, \
	  0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, h, 0x05, 0x00, 0xa2, 0x03, 0x02,    \
	  0x01, salt }
#define PSS_ALGID_LEN 67
#define PKCS1_ALGID(n) \
	{ 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, n, 0x05, 0x00 }
#define ECDSA_ALGID(n) { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, n }

struct sig_scheme {
	const char *name;
	const char *md;           /* NULL: EdDSA */
	int key_type;             /* EVP_PKEY_RSA, _EC, _ED25519, _ED448 */
	bool pss;
	int hash_id;
	uint8_t algid_len;
	uint8_t algid[72];
};

/* trailerField [3] INTEGER 1: the DEFAULT, which DER leaves out */
static const uint8_t pss_trailer[] = { 0xa3, 0x03, 0x02, 0x01, 0x01 };

static const struct sig_scheme schemes[SIG_SCHEME_MAX] = {
	[SIG_RSA_PSS_SHA256] = { "rsa-pss-sha256", "SHA256", EVP_PKEY_RSA, true, IKE_HASH_SHA2_256, PSS_ALGID_LEN, PSS_ALGID(0x01, 0x20) },
	[SIG_RSA_PSS_SHA384] = { "rsa-pss-sha384", "SHA384", EVP_PKEY_RSA, true, IKE_HASH_SHA2_384, PSS_ALGID_LEN, PSS_ALGID(0x02, 0x30) },
	[SIG_RSA_PSS_SHA512] = { "rsa-pss-sha512", "SHA512", EVP_PKEY_RSA, true, IKE_HASH_SHA2_512, PSS_ALGID_LEN, PSS_ALGID(0x03, 0x40) },
	[SIG_RSA_PKCS1_SHA256] = { "rsa-sha256", "SHA256", EVP_PKEY_RSA, false, IKE_HASH_SHA2_256, 15, PKCS1_ALGID(0x0b) },
	[SIG_RSA_PKCS1_SHA384] = { "rsa-sha384", "SHA384", EVP_PKEY_RSA, false, IKE_HASH_SHA2_384, 15, PKCS1_ALGID(0x0c) },
	[SIG_RSA_PKCS1_SHA512] = { "rsa-sha512", "SHA512", EVP_PKEY_RSA, false, IKE_HASH_SHA2_512, 15, PKCS1_ALGID(0x0d) },
	[SIG_ECDSA_SHA256] = { "ecdsa-sha256", "SHA256", EVP_PKEY_EC, false, IKE_HASH_SHA2_256, 12, ECDSA_ALGID(0x02) },
	[SIG_ECDSA_SHA384] = { "ecdsa-sha384", "SHA384", EVP_PKEY_EC, false, IKE_HASH_SHA2_384, 12, ECDSA_ALGID(0x03) },
	[SIG_ECDSA_SHA512] = { "ecdsa-sha512", "SHA512", EVP_PKEY_EC, false, IKE_HASH_SHA2_512, 12, ECDSA_ALGID(0x04) },
	/* RFC 8420 §2: id-Ed25519 / id-Ed448, parameters absent */
	[SIG_ED25519] = { "ed25519", NULL, EVP_PKEY_ED25519, false, IKE_HASH_IDENTITY, 7, { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 } },
	[SIG_ED448] = { "ed448", NULL, EVP_PKEY_ED448, false, IKE_HASH_IDENTITY, 7, { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71 } },
};

int ike_sig_hash(enum ike_sig_scheme s)
{
	return (unsigned)s < SIG_SCHEME_MAX ? schemes[s].hash_id : -1;
}

const char *ike_sig_name(enum ike_sig_scheme s)
{
	return (unsigned)s < SIG_SCHEME_MAX ? schemes[s].name : "unknown";
}

int ike_sig_choose(const struct evp_pkey_st *key, unsigned hashes, bool prefer_pss)
{
	int type = EVP_PKEY_get_base_id(key);

	if (type == EVP_PKEY_ED25519 || type == EVP_PKEY_ED448) {
		if (!(hashes & (1u << IKE_HASH_IDENTITY)))
			return -ENOTSUP;
		return type == EVP_PKEY_ED25519 ? SIG_ED25519 : SIG_ED448;
	}
	if (type == EVP_PKEY_EC) {
		/* the hash that matches the curve's strength first */
		int bits = EVP_PKEY_get_bits(key);
		int order[3] = { SIG_ECDSA_SHA256, SIG_ECDSA_SHA384, SIG_ECDSA_SHA512 };

		if (bits > 256) {
			order[0] = bits > 384 ? SIG_ECDSA_SHA512 : SIG_ECDSA_SHA384;
			order[1] = SIG_ECDSA_SHA256;
			order[2] = bits > 384 ? SIG_ECDSA_SHA384 : SIG_ECDSA_SHA512;
		}
		for (int i = 0; i < 3; i++)
			if (hashes & (1u << schemes[order[i]].hash_id))
				return order[i];
		return -ENOTSUP;
	}
	if (type == EVP_PKEY_RSA) {
		int base = prefer_pss ? SIG_RSA_PSS_SHA256 : SIG_RSA_PKCS1_SHA256;

		for (int i = 0; i < 3; i++)
			if (hashes & (1u << schemes[base + i].hash_id))
				return base + i;
	}
	return -ENOTSUP;
}

static int sig_ctx(const struct sig_scheme *s, EVP_MD_CTX *md, EVP_PKEY *key, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int ok = sign ? EVP_DigestSignInit_ex(md, &pctx, s->md, NULL, NULL, key, NULL)
		      : EVP_DigestVerifyInit_ex(md, &pctx, s->md, NULL, NULL, key, NULL);

	if (ok != 1)
		return -EINVAL;
	if (s->pss) {
		/* RFC 7427 A.4.3: MGF1 with the same hash, salt = hash length */
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, s->md, NULL) != 1)
			return -EINVAL;
	} else if (s->key_type == EVP_PKEY_RSA) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
			return -EINVAL;
	}
	return 0;
}

long ike_sig_sign(enum ike_sig_scheme sch, struct evp_pkey_st *key, const uint8_t *octets,
		  size_t len, uint8_t *auth, size_t cap)
{
	const struct sig_scheme *s;
	EVP_MD_CTX *md;
	size_t siglen;
	long rc = -EINVAL;

	if ((unsigned)sch >= SIG_SCHEME_MAX)
		return -EINVAL;
	s = &schemes[sch];
	if (EVP_PKEY_get_base_id(key) != s->key_type)
		return -EINVAL;
	if (cap < 1u + s->algid_len)
		return -ENOSPC;
	md = EVP_MD_CTX_new();
	if (md == NULL)
		return -ENOMEM;
	if (sig_ctx(s, md, key, true) < 0)
		goto out;
	/* RFC 7427 §3: ASN.1 Length | AlgorithmIdentifier | Signature */
	auth[0] = s->algid_len;
	memcpy(auth + 1, s->algid, s->algid_len);
	siglen = cap - 1 - s->algid_len;
	if (EVP_DigestSign(md, auth + 1 + s->algid_len, &siglen, octets, len) != 1) {
		rc = -EIO;
		goto out;
	}
	rc = (long)(1 + s->algid_len + siglen);
out:
	EVP_MD_CTX_free(md);
	return rc;
}

int ike_sig_verify(struct evp_pkey_st *key, const uint8_t *octets, size_t len,
		   const uint8_t *auth, size_t auth_len, enum ike_sig_scheme *used)
{
	size_t alen;
	int found = -1, rc;
	EVP_MD_CTX *md;

	if (auth_len < 2)
		return -EBADMSG;
	alen = auth[0];
	if (alen == 0 || 1 + alen >= auth_len)
		return -EBADMSG;
	for (int i = 0; i < SIG_SCHEME_MAX; i++) {
		const struct sig_scheme *s = &schemes[i];

		if (s->algid_len == alen && memcmp(s->algid, auth + 1, alen) == 0) {
			found = i;
			break;
		}
		/* RFC 7427 A.4.3's form: the DEFAULT trailerField (1) spelled out */
		if (s->pss && alen == s->algid_len + 5u && auth[1] == 0x30 && auth[2] == 0x46 &&
		    memcmp(s->algid + 2, auth + 3, 11) == 0 && auth[14] == 0x30 &&
		    auth[15] == 0x39 && memcmp(s->algid + 15, auth + 16, s->algid_len - 15u) == 0 &&
		    memcmp(auth + 1 + s->algid_len, pss_trailer, sizeof(pss_trailer)) == 0) {
			found = i;
			break;
		}
	}
	if (found < 0)
		return -ENOTSUP;
	if (EVP_PKEY_get_base_id(key) != schemes[found].key_type)
		return -EPERM;
	md = EVP_MD_CTX_new();
	if (md == NULL)
		return -ENOMEM;
	rc = sig_ctx(&schemes[found], md, key, false);
	if (rc == 0)
		rc = EVP_DigestVerify(md, auth + 1 + alen, auth_len - 1 - alen, octets, len) == 1
			     ? 0 : -EPERM;
	EVP_MD_CTX_free(md);
	if (rc == 0 && used != NULL)
		*used = (enum ike_sig_scheme)found;
	return rc;
}
