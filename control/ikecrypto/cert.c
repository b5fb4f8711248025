/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "control/ikecrypto/cert.h"

struct ike_trust {
	X509_STORE *store;
	STACK_OF(X509) *cas;
};

static void ossl_err(char *err, size_t errlen, const char *what, const char *path)
{
	char buf[160];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	snprintf(err, errlen, "%s %s: %s", what, path, buf);
	ERR_clear_error();
}

static int der_of(X509 *x, uint8_t **der, size_t *len)
{
	int n = i2d_X509(x, NULL);

	if (n <= 0 || (*der = malloc((size_t)n)) == NULL)
		return -ENOMEM;
	uint8_t *p = *der;

	i2d_X509(x, &p);
	*len = (size_t)n;
	return 0;
}

int ike_cred_load(struct ike_cred *c, const char *cert_pem, const char *key_pem, char *err,
		  size_t errlen)
{
	FILE *f;
	X509 *x;
	int rc = -EINVAL;

	memset(c, 0, sizeof(*c));
	f = fopen(cert_pem, "r");
	if (f == NULL) {
		snprintf(err, errlen, "certificate %s: %s", cert_pem, strerror(errno));
		return -errno;
	}
	while (c->n_certs < IKE_CHAIN_MAX && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		rc = der_of(x, &c->der[c->n_certs], &c->der_len[c->n_certs]);
		if (rc == 0 && c->n_certs == 0 && key_pem == NULL)
			rc = -EINVAL;
		X509_free(x);
		if (rc < 0)
			break;
		c->n_certs++;
	}
	fclose(f);
	ERR_clear_error();
	if (c->n_certs == 0) {
		snprintf(err, errlen, "certificate %s: no PEM certificate found", cert_pem);
		goto fail;
	}
	f = fopen(key_pem, "r");
	if (f == NULL) {
		snprintf(err, errlen, "private key %s: %s", key_pem, strerror(errno));
		rc = -errno;
		goto fail;
	}
	c->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (c->key == NULL) {
		ossl_err(err, errlen, "private key", key_pem);
		rc = -EINVAL;
		goto fail;
	}
	const uint8_t *p = c->der[0];
	X509 *ee = d2i_X509(NULL, &p, (long)c->der_len[0]);

	rc = ee != NULL && X509_check_private_key(ee, c->key) == 1 ? 0 : -EINVAL;
	X509_free(ee);
	if (rc < 0) {
		snprintf(err, errlen, "private key %s does not match certificate %s", key_pem,
			 cert_pem);
		goto fail;
	}
	return 0;
fail:
	ike_cred_free(c);
	return rc;
}

void ike_cred_free(struct ike_cred *c)
{
	EVP_PKEY_free(c->key);
	for (unsigned i = 0; i < c->n_certs; i++)
		free(c->der[i]);
	memset(c, 0, sizeof(*c));
}

struct ike_trust *ike_trust_load(const char *const *ca_pem, unsigned n, char *err, size_t errlen)
{
	struct ike_trust *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->store = X509_STORE_new();
	t->cas = sk_X509_new_null();
	if (t->store == NULL || t->cas == NULL)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		FILE *f = fopen(ca_pem[i], "r");
		X509 *x;
		unsigned got = 0;

		if (f == NULL) {
			snprintf(err, errlen, "CA %s: %s", ca_pem[i], strerror(errno));
			goto fail;
		}
		while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
			X509_STORE_add_cert(t->store, x);
			sk_X509_push(t->cas, x);
			got++;
		}
		fclose(f);
		ERR_clear_error();
		if (got == 0) {
			snprintf(err, errlen, "CA %s: no PEM certificate found", ca_pem[i]);
			goto fail;
		}
	}
	return t;
fail:
	ike_trust_free(t);
	return NULL;
}

void ike_trust_free(struct ike_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->cas, X509_free);
	free(t);
}

unsigned ike_trust_ca_hashes(const struct ike_trust *t, uint8_t (*out)[IKE_CA_HASH_LEN],
			     unsigned max)
{
	unsigned n = 0;

	for (int i = 0; i < sk_X509_num(t->cas) && n < max; i++) {
		X509_PUBKEY *pk = X509_get_X509_PUBKEY(sk_X509_value(t->cas, i));
		uint8_t *der = NULL;
		int len = i2d_X509_PUBKEY(pk, &der);

		/* RFC 7296 §3.7: SHA-1 of the CA's SubjectPublicKeyInfo */
		if (len > 0)
			SHA1(der, (size_t)len, out[n++]);
		OPENSSL_free(der);
	}
	return n;
}

/* SHA-1 of @p x's SubjectPublicKeyInfo (RFC 7296 §3.7); false on error. */
static bool spki_hash(X509 *x, uint8_t out[IKE_CA_HASH_LEN])
{
	uint8_t *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	bool ok = len > 0 && SHA1(der, (size_t)len, out) != NULL;

	OPENSSL_free(der);
	return ok;
}

static bool hash_listed(const uint8_t h[IKE_CA_HASH_LEN],
			const uint8_t (*hashes)[IKE_CA_HASH_LEN], unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (memcmp(h, hashes[i], IKE_CA_HASH_LEN) == 0)
			return true;
	return false;
}

bool ike_cred_fits(const struct ike_cred *c, const struct ike_trust *t,
		   const uint8_t (*hashes)[IKE_CA_HASH_LEN], unsigned n)
{
	uint8_t h[IKE_CA_HASH_LEN];
	X509 *top = NULL;
	bool fits = false;

	for (unsigned i = 0; i < c->n_certs && !fits; i++) {
		const uint8_t *p = c->der[i];
		X509 *x = d2i_X509(NULL, &p, (long)c->der_len[i]);

		if (x == NULL)
			break;
		fits = spki_hash(x, h) && hash_listed(h, hashes, n);
		X509_free(top);
		top = x;
	}
	/* The trust anchor itself is usually not in the chain we send. */
	for (int i = 0; t != NULL && top != NULL && !fits && i < sk_X509_num(t->cas); i++) {
		X509 *ca = sk_X509_value(t->cas, i);

		fits = X509_check_issued(ca, top) == X509_V_OK && spki_hash(ca, h) &&
		       hash_listed(h, hashes, n);
	}
	X509_free(top);
	return fits;
}

int ike_cert_verify(const struct ike_trust *t, const uint8_t *ee, size_t ee_len,
		    const uint8_t *const *chain, const size_t *chain_len, unsigned n, long now,
		    struct evp_pkey_st **pub, char *err, size_t errlen)
{
	const uint8_t *p = ee;
	X509 *leaf = d2i_X509(NULL, &p, (long)ee_len);
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = NULL;
	int rc = -EBADMSG;

	if (leaf == NULL || p != ee + ee_len || untrusted == NULL) {
		snprintf(err, errlen, "certificate is not valid DER");
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *q = chain[i];
		X509 *x = d2i_X509(NULL, &q, (long)chain_len[i]);

		if (x == NULL) {
			snprintf(err, errlen, "intermediate certificate %u is not valid DER", i);
			goto out;
		}
		sk_X509_push(untrusted, x);
	}
	ctx = X509_STORE_CTX_new();
	if (ctx == NULL || X509_STORE_CTX_init(ctx, t->store, leaf, untrusted) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	if (now != 0)
		X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
	if (X509_verify_cert(ctx) != 1) {
		snprintf(err, errlen, "certificate not trusted: %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		rc = -EPERM;
		goto out;
	}
	*pub = X509_get_pubkey(leaf);
	rc = *pub != NULL ? 0 : -EBADMSG;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	ERR_clear_error();
	return rc;
}

bool ike_cert_matches_id(const uint8_t *ee, size_t ee_len, int type, const uint8_t *id,
			 size_t id_len)
{
	const uint8_t *p = ee;
	X509 *x = d2i_X509(NULL, &p, (long)ee_len);
	char buf[256];
	bool ok = false;

	if (x == NULL)
		return false;
	switch (type) {
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		if (id_len == 0 || id_len >= sizeof(buf))
			break;
		memcpy(buf, id, id_len);
		buf[id_len] = '\0';
		if (memchr(buf, '\0', id_len) != NULL)
			break; /* an embedded NUL never matches */
		ok = type == IKE_ID_FQDN
			     ? X509_check_host(x, buf, id_len, X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1
			     : X509_check_email(x, buf, id_len, 0) == 1;
		break;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		ok = id_len == (type == IKE_ID_IPV4_ADDR ? 4u : 16u) &&
		     X509_check_ip(x, id, id_len, 0) == 1;
		break;
	case IKE_ID_DER_ASN1_DN: {
		uint8_t *der = NULL;
		int len = i2d_X509_NAME(X509_get_subject_name(x), &der);

		ok = len > 0 && (size_t)len == id_len && memcmp(der, id, id_len) == 0;
		OPENSSL_free(der);
		break;
	}
	default:
		break;
	}
	X509_free(x);
	return ok;
}
