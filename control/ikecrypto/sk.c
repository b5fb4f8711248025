/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "control/ikecrypto/prf.h"
#include "control/ikecrypto/sk.h"

enum { AEAD_SALT = 4, AEAD_IV = 8, AEAD_ICV = 16, CBC_BLOCK = 16 };

static bool is_aead(const struct ike_sk_alg *a)
{
	return a->encr == IKE_ENCR_AES_GCM_16 || a->encr == IKE_ENCR_CHACHA20_POLY1305;
}

size_t ike_sk_encr_key_len(const struct ike_sk_alg *a)
{
	switch (a->encr) {
	case IKE_ENCR_AES_CBC:
		return a->key_bits == 128 || a->key_bits == 256 ? a->key_bits / 8 : 0;
	case IKE_ENCR_AES_GCM_16:
		return a->key_bits == 128 || a->key_bits == 256 ? a->key_bits / 8 + AEAD_SALT : 0;
	case IKE_ENCR_CHACHA20_POLY1305:
		return 32 + AEAD_SALT; /* RFC 7634 §2: 256-bit key and salt */
	default:
		return 0;
	}
}

size_t ike_sk_integ_key_len(const struct ike_sk_alg *a)
{
	switch (a->integ) {
	case IKE_INTEG_HMAC_SHA2_256_128:
		return 32;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return 48;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return 64;
	default:
		return 0;
	}
}

size_t ike_sk_iv_len(const struct ike_sk_alg *a)
{
	return is_aead(a) ? AEAD_IV : CBC_BLOCK;
}

size_t ike_sk_icv_len(const struct ike_sk_alg *a)
{
	/* RFC 4868 §2.3: truncation to half the digest. */
	return is_aead(a) ? AEAD_ICV : ike_sk_integ_key_len(a) / 2;
}

size_t ike_sk_body_len(const struct ike_sk_alg *a, size_t plen)
{
	/* RFC 7296 §3.14: payloads | padding | Pad Length, a multiple of
	 * the block size; the AEADs of RFC 5282/7634 need no padding. */
	size_t c = plen + 1;

	if (!is_aead(a))
		c = (c + CBC_BLOCK - 1) / CBC_BLOCK * CBC_BLOCK;
	return ike_sk_iv_len(a) + c + ike_sk_icv_len(a);
}

static const EVP_CIPHER *cipher(const struct ike_sk_alg *a)
{
	switch (a->encr) {
	case IKE_ENCR_AES_CBC:
		return a->key_bits == 128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	case IKE_ENCR_AES_GCM_16:
		return a->key_bits == 128 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	default:
		return EVP_chacha20_poly1305();
	}
}

static int integ_prf(int integ)
{
	return integ == IKE_INTEG_HMAC_SHA2_256_128 ? IKE_PRF_HMAC_SHA2_256
	       : integ == IKE_INTEG_HMAC_SHA2_384_192 ? IKE_PRF_HMAC_SHA2_384
						      : IKE_PRF_HMAC_SHA2_512;
}

/* One EVP pass: encrypt or decrypt @p in into @p out; AEAD tag in/out. */
static int evp(const struct ike_sk_alg *a, int enc, const uint8_t *ekey, const uint8_t *iv,
	       const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
	       uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	const uint8_t *civ = iv;
	int n = 0, rc = -EBADMSG;

	if (ctx == NULL)
		return -ENOMEM;
	if (is_aead(a)) {
		/* RFC 5282 §4 / RFC 7634 §2: nonce = salt | IV */
		memcpy(nonce, ekey + ike_sk_encr_key_len(a) - AEAD_SALT, AEAD_SALT);
		memcpy(nonce + AEAD_SALT, iv, AEAD_IV);
		civ = nonce;
	}
	if (EVP_CipherInit_ex(ctx, cipher(a), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    (is_aead(a) && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1) ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, ekey, civ, enc) != 1)
		goto out;
	if (is_aead(a) && !enc &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_ICV, tag) != 1)
		goto out;
	if (is_aead(a) && aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto out;
	if (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1)
		goto out; /* AEAD decrypt: the tag did not verify */
	if (is_aead(a) && enc &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_ICV, tag) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return rc;
}

static int cbc_icv(const struct ike_sk_alg *a, const uint8_t *akey, const uint8_t *msg,
		   size_t len, uint8_t *icv)
{
	uint8_t full[IKE_PRF_MAX];
	const struct ike_chunk in = { msg, len };
	int rc = ike_prf(integ_prf(a->integ), akey, ike_sk_integ_key_len(a), &in, 1, full);

	if (rc == 0)
		memcpy(icv, full, ike_sk_icv_len(a));
	return rc;
}

long ike_sk_seal(const struct ike_sk_alg *a, const uint8_t *ekey, const uint8_t *akey,
		 const uint8_t *iv, uint8_t *msg, size_t aad_len, const uint8_t *plain,
		 size_t plen, size_t cap)
{
	size_t ivl = ike_sk_iv_len(a), body = ike_sk_body_len(a, plen);
	size_t clen = body - ivl - ike_sk_icv_len(a), pad = clen - plen - 1;
	uint8_t *c = msg + aad_len + ivl;
	int rc;

	if (ike_sk_encr_key_len(a) == 0 || (!is_aead(a) && ike_sk_integ_key_len(a) == 0))
		return -EINVAL;
	if (aad_len + body > cap)
		return -ENOSPC;
	memcpy(msg + aad_len, iv, ivl);
	memmove(c, plain, plen);
	memset(c + plen, 0, pad);
	c[plen + pad] = (uint8_t)pad;
	rc = evp(a, 1, ekey, iv, msg, aad_len, c, clen, c, c + clen);
	if (rc == 0 && !is_aead(a))
		rc = cbc_icv(a, akey, msg, aad_len + ivl + clen, c + clen);
	return rc < 0 ? rc : (long)(aad_len + body);
}

int ike_sk_open(const struct ike_sk_alg *a, const uint8_t *ekey, const uint8_t *akey,
		uint8_t *msg, size_t len, size_t aad_len, uint8_t **inner, size_t *inner_len)
{
	size_t ivl = ike_sk_iv_len(a), icvl = ike_sk_icv_len(a), clen;
	uint8_t *c, icv[IKE_PRF_MAX];
	int rc;

	if (ike_sk_encr_key_len(a) == 0 || len < aad_len + ivl + 1 + icvl)
		return -EINVAL;
	clen = len - aad_len - ivl - icvl;
	if (!is_aead(a) && clen % CBC_BLOCK != 0)
		return -EINVAL;
	c = msg + aad_len + ivl;
	if (!is_aead(a)) {
		/* RFC 7296 §3.14: verify the ICV before decrypting. */
		rc = cbc_icv(a, akey, msg, len - icvl, icv);
		if (rc < 0)
			return rc;
		if (CRYPTO_memcmp(icv, c + clen, icvl) != 0)
			return -EBADMSG;
	}
	rc = evp(a, 0, ekey, msg + aad_len, msg, aad_len, c, clen, c, c + clen);
	if (rc < 0)
		return rc;
	uint8_t pad = c[clen - 1];

	if ((size_t)pad + 1 > clen)
		return -EBADMSG;
	*inner = c;
	*inner_len = clen - 1 - pad;
	return 0;
}
