/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "control/ikecrypto/ke.h"
#include "control/mlkem/mlkem.h"

enum ke_kind { KIND_FFDH, KIND_ECDH, KIND_XDH, KIND_KEM };

struct ke_method {
	int id;
	enum ke_kind kind;
	const char *name;      /* for logs */
	const char *ossl;      /* OpenSSL key type or group name */
	size_t len;            /* public value (DH), field element (ECP) */
	int mlkem;             /* enum mlkem_param */
};

static const struct ke_method methods[] = {
	{ KE_MODP_2048, KIND_FFDH, "modp2048", "modp_2048", 256, 0 },
	{ KE_MODP_3072, KIND_FFDH, "modp3072", "modp_3072", 384, 0 },
	{ KE_ECP_256, KIND_ECDH, "ecp256", "P-256", 32, 0 },
	{ KE_ECP_384, KIND_ECDH, "ecp384", "P-384", 48, 0 },
	{ KE_ECP_521, KIND_ECDH, "ecp521", "P-521", 66, 0 },
	{ KE_CURVE25519, KIND_XDH, "x25519", "X25519", 32, 0 },
	{ KE_CURVE448, KIND_XDH, "x448", "X448", 56, 0 },
	{ KE_MLKEM_512, KIND_KEM, "mlkem512", NULL, 0, MLKEM_512 },
	{ KE_MLKEM_768, KIND_KEM, "mlkem768", NULL, 0, MLKEM_768 },
	{ KE_MLKEM_1024, KIND_KEM, "mlkem1024", NULL, 0, MLKEM_1024 },
};

struct ike_ke {
	const struct ke_method *m;
	bool initiator, done;
	EVP_PKEY *key;                     /* DH kinds: our key pair */
	uint8_t pub[IKE_KE_PUBLIC_MAX];    /* what we send */
	size_t pub_len;
	uint8_t shared[IKE_KE_SHARED_MAX];
	size_t shared_len;
	uint8_t *dk;                       /* KEM initiator: decapsulation key */
	size_t dk_len;
};

static const struct ke_method *method(int id)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].id == id)
			return &methods[i];
	return NULL;
}

bool ike_ke_supported(int id)
{
	return method(id) != NULL;
}

const char *ike_ke_name(int id)
{
	const struct ke_method *m = method(id);

	return m ? m->name : "unknown";
}

size_t ike_ke_public_len(int id, bool initiator)
{
	const struct ke_method *m = method(id);

	if (m == NULL)
		return 0;
	switch (m->kind) {
	case KIND_ECDH:
		return 2 * m->len;  /* RFC 5903 §7: x | y */
	case KIND_KEM:
		return initiator ? mlkem_ek_bytes(m->mlkem) : mlkem_ct_bytes(m->mlkem);
	default:
		return m->len;
	}
}

static EVP_PKEY *dh_keygen(const struct ke_method *m)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (m->kind == KIND_XDH) {
		ctx = EVP_PKEY_CTX_new_from_name(NULL, m->ossl, NULL);
		if (ctx && EVP_PKEY_keygen_init(ctx) == 1)
			EVP_PKEY_keygen(ctx, &key);
	} else {
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							 (char *)m->ossl, 0),
			OSSL_PARAM_construct_end(),
		};

		ctx = EVP_PKEY_CTX_new_from_name(NULL, m->kind == KIND_FFDH ? "DH" : "EC", NULL);
		if (ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_params(ctx, params) == 1)
			EVP_PKEY_keygen(ctx, &key);
	}
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* Our public value in IKE's encoding (RFC 7296 §3.4, RFC 5903 §7, RFC 8031 §3). */
static int dh_public(struct ike_ke *ke)
{
	const struct ke_method *m = ke->m;
	uint8_t buf[1 + 2 * 66];
	size_t n = 0;

	if (m->kind == KIND_XDH) {
		n = sizeof(ke->pub);
		if (EVP_PKEY_get_raw_public_key(ke->key, ke->pub, &n) != 1 || n != m->len)
			return -EIO;
	} else if (m->kind == KIND_ECDH) {
		if (EVP_PKEY_get_octet_string_param(ke->key, OSSL_PKEY_PARAM_PUB_KEY, buf,
						    sizeof(buf), &n) != 1 ||
		    n != 1 + 2 * m->len || buf[0] != 0x04)
			return -EIO;
		memcpy(ke->pub, buf + 1, 2 * m->len);
		n = 2 * m->len;
	} else {
		BIGNUM *pub = NULL;

		if (EVP_PKEY_get_bn_param(ke->key, OSSL_PKEY_PARAM_PUB_KEY, &pub) != 1)
			return -EIO;
		/* left-padded with zeros to the length of the prime */
		int rc = BN_bn2binpad(pub, ke->pub, (int)m->len);

		BN_free(pub);
		if (rc != (int)m->len)
			return -EIO;
		n = m->len;
	}
	ke->pub_len = n;
	return 0;
}

static EVP_PKEY *dh_peer(const struct ke_method *m, const uint8_t *data, size_t len)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	uint8_t point[1 + 2 * 66];
	BIGNUM *bn = NULL;

	if (m->kind == KIND_XDH)
		return EVP_PKEY_new_raw_public_key_ex(NULL, m->ossl, NULL, data, len);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL)
		return NULL;
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, m->ossl, 0);
	if (m->kind == KIND_ECDH) {
		point[0] = 0x04;
		memcpy(point + 1, data, len);
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len + 1);
	} else {
		bn = BN_bin2bn(data, (int)len, NULL);
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bn);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, m->kind == KIND_FFDH ? "DH" : "EC", NULL);
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	return peer;
}

/* Validate the peer's public value and derive g^ir. */
static int dh_complete(struct ike_ke *ke, const uint8_t *data, size_t len)
{
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *check = NULL, *ctx = NULL;
	size_t n = sizeof(ke->shared);
	int rc = -EBADMSG;

	if (len != ike_ke_public_len(ke->m->id, !ke->initiator))
		return -EBADMSG;
	peer = dh_peer(ke->m, data, len);
	if (peer == NULL)
		goto out;
	/* RFC 6989 / RFC 5903: reject values outside the group or off the
	 * curve (OpenSSL's public check covers range and subgroup/point). */
	if (ke->m->kind != KIND_XDH) {
		check = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
		if (check == NULL || EVP_PKEY_public_check(check) != 1)
			goto out;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ke->key, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1)
		goto out;
	/* RFC 7296 §2.14: g^ir is as long as the prime, zero-padded. */
	if (ke->m->kind == KIND_FFDH && EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1)
		goto out;
	if (EVP_PKEY_derive_set_peer(ctx, peer) != 1 || EVP_PKEY_derive(ctx, ke->shared, &n) != 1)
		goto out;
	/* RFC 8031 §2: an all-zero X25519/X448 result means a bad point. */
	if (ke->m->kind == KIND_XDH) {
		uint8_t acc = 0;

		for (size_t i = 0; i < n; i++)
			acc |= ke->shared[i];
		if (acc == 0)
			goto out;
	}
	ke->shared_len = n;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_free(peer);
	return rc;
}

struct ike_ke *ike_ke_new(int id, bool initiator)
{
	const struct ke_method *m = method(id);
	struct ike_ke *ke;
	int rc = -ENOMEM;

	if (m == NULL) {
		errno = ENOTSUP;
		return NULL;
	}
	ke = calloc(1, sizeof(*ke));
	if (ke == NULL)
		return NULL;
	ke->m = m;
	ke->initiator = initiator;
	if (m->kind == KIND_KEM) {
		if (!initiator)
			return ke; /* the responder encapsulates in complete() */
		/* The initiator sends the encapsulation key. */
		ke->dk_len = mlkem_dk_bytes(m->mlkem);
		ke->pub_len = mlkem_ek_bytes(m->mlkem);
		ke->dk = malloc(ke->dk_len);
		if (ke->dk == NULL)
			goto fail;
		rc = mlkem_keygen(m->mlkem, ke->pub, ke->pub_len, ke->dk, ke->dk_len);
		if (rc < 0)
			goto fail;
		return ke;
	}
	ke->key = dh_keygen(m);
	if (ke->key == NULL || (rc = dh_public(ke)) < 0)
		goto fail;
	return ke;
fail:
	ike_ke_free(ke);
	errno = -rc;
	return NULL;
}

int ike_ke_public(const struct ike_ke *ke, const uint8_t **data, size_t *len)
{
	if (ke->pub_len == 0)
		return -EAGAIN;
	*data = ke->pub;
	*len = ke->pub_len;
	return 0;
}

int ike_ke_complete(struct ike_ke *ke, const uint8_t *peer, size_t len)
{
	const struct ke_method *m = ke->m;
	int rc;

	if (ke->done)
		return -EALREADY;
	if (m->kind != KIND_KEM) {
		rc = dh_complete(ke, peer, len);
	} else if (ke->initiator) {
		rc = len == mlkem_ct_bytes(m->mlkem)
			     ? mlkem_decaps(m->mlkem, ke->dk, ke->dk_len, peer, len, ke->shared)
			     : -EBADMSG;
	} else {
		/* FIPS 203 §7.2 modulus check happens inside encaps. */
		ke->pub_len = mlkem_ct_bytes(m->mlkem);
		rc = mlkem_encaps(m->mlkem, peer, len, ke->pub, ke->pub_len, ke->shared);
		if (rc < 0)
			ke->pub_len = 0;
	}
	if (rc < 0)
		return rc == -ENOMEM ? rc : -EBADMSG;
	if (m->kind == KIND_KEM)
		ke->shared_len = MLKEM_SS_BYTES;
	ke->done = true;
	return 0;
}

int ike_ke_shared(const struct ike_ke *ke, const uint8_t **secret, size_t *len)
{
	if (!ke->done)
		return -EAGAIN;
	*secret = ke->shared;
	*len = ke->shared_len;
	return 0;
}

void ike_ke_free(struct ike_ke *ke)
{
	if (ke == NULL)
		return;
	EVP_PKEY_free(ke->key);
	if (ke->dk != NULL) {
		OPENSSL_cleanse(ke->dk, ke->dk_len);
		free(ke->dk);
	}
	OPENSSL_cleanse(ke, sizeof(*ke));
	free(ke);
}
