/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "control/ikecrypto/cert.h"
#include "tests/ike_exchange/cert_fixture.h"

enum { CAS = 2 };

static char dir[] = "/tmp/esprit-ikex-XXXXXX";
static bool have_dir;
static EVP_PKEY *ca_key[CAS], *im_key[CAS];
static X509 *ca_crt[CAS], *im_crt[CAS];
static long serial = 1;
static unsigned files;

static EVP_PKEY *keygen(const char *type)
{
	EVP_PKEY *k = strcmp(type, "EC") == 0  ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") :
		      strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
						 EVP_PKEY_Q_keygen(NULL, NULL, type);

	ck_assert_ptr_nonnull(k);
	return k;
}

static X509 *issue(EVP_PKEY *key, EVP_PKEY *ikey, X509 *issuer, const char *cn, const char *san,
		   bool ca)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int id = EVP_PKEY_get_base_id(ikey);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
				  ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (san != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	ck_assert_int_gt(X509_sign(x, ikey, id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ?
					      NULL : EVP_sha256()), 0);
	return x;
}

static const char *pem(X509 *const *certs, unsigned n, EVP_PKEY *key)
{
	static char path[8][160];
	char *p = path[files++ & 7];
	FILE *f;

	if (!have_dir) {
		ck_assert_ptr_nonnull(mkdtemp(dir));
		have_dir = true;
	}
	snprintf(p, sizeof(path[0]), "%s/f%u.pem", dir, files);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	for (unsigned i = 0; i < n; i++)
		PEM_write_X509(f, certs[i]);
	if (key != NULL)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	return p;
}

void fixture_ca(unsigned ca, const char *type)
{
	ca_key[ca] = keygen(type);
	ca_crt[ca] = issue(ca_key[ca], ca_key[ca], NULL, ca == 0 ? "esprit CA" : "other CA", NULL,
			   true);
	im_key[ca] = keygen("EC");
	im_crt[ca] = issue(im_key[ca], ca_key[ca], ca_crt[ca], "esprit intermediate", NULL, true);
}

struct ike_cred *fixture_cred(unsigned ca, const char *type, const char *dns, bool via_im)
{
	struct ike_cred *c = calloc(1, sizeof(*c));
	EVP_PKEY *k = keygen(type);
	char san[128], err[256];
	X509 *chain[2];
	const char *cp, *kp;

	snprintf(san, sizeof(san), "DNS:%s", dns);
	chain[0] = issue(k, via_im ? im_key[ca] : ca_key[ca], via_im ? im_crt[ca] : ca_crt[ca], dns,
			 san, false);
	chain[1] = im_crt[ca];
	cp = pem(chain, via_im ? 2 : 1, NULL);
	kp = pem(NULL, 0, k);
	ck_assert_int_eq(ike_cred_load(c, cp, kp, err, sizeof(err)), 0);
	X509_free(chain[0]);
	EVP_PKEY_free(k);
	return c;
}

struct ike_trust *fixture_trust(unsigned ca)
{
	char err[256];
	const char *p = pem(&ca_crt[ca], 1, NULL);
	struct ike_trust *t = ike_trust_load(&p, 1, err, sizeof(err));

	ck_assert_ptr_nonnull(t);
	return t;
}

void fixture_cred_free(struct ike_cred *c)
{
	ike_cred_free(c);
	free(c);
}

void fixture_trust_free(struct ike_trust *t)
{
	ike_trust_free(t);
}

void fixture_cleanup(void)
{
	char p[200];

	for (unsigned i = 1; i <= files; i++) {
		snprintf(p, sizeof(p), "%s/f%u.pem", dir, i);
		unlink(p);
	}
	if (have_dir)
		rmdir(dir);
	for (unsigned i = 0; i < CAS; i++) {
		EVP_PKEY_free(ca_key[i]);
		EVP_PKEY_free(im_key[i]);
		X509_free(ca_crt[i]);
		X509_free(im_crt[i]);
		ca_key[i] = im_key[i] = NULL;
		ca_crt[i] = im_crt[i] = NULL;
	}
	files = 0;
	have_dir = false;
	memcpy(dir, "/tmp/esprit-ikex-XXXXXX", sizeof(dir));
}
