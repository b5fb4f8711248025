/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificates: a CA, an intermediate and end-entity certificates of each
 * key type are made here with OpenSSL; chains verify against the CA and
 * fail against another one, identities match subjectAltName and the
 * subject DN, credentials load from PEM and the key must match.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "control/ikecrypto/auth.h"
#include "control/ikecrypto/cert.h"
#include "tests/check_run.h"

static char dir[] = "/tmp/esprit-cert-XXXXXX";

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, const char *cn,
		       const char *san, bool ca, long serial)
{
	X509 *x = X509_new();
	X509V3_CTX v3;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);

	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"esprit test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
						ca ? "critical,CA:TRUE" : "CA:FALSE");

	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	if (san != NULL) {
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	int id = EVP_PKEY_get_base_id(issuer_key);
	const EVP_MD *md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();

	ck_assert_int_gt(X509_sign(x, issuer_key, md), 0);
	return x;
}

static void der(X509 *x, uint8_t **out, size_t *len)
{
	*out = NULL;
	int n = i2d_X509(x, out);

	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
}

static char *path(const char *name)
{
	static char buf[4][128];
	static int k;

	snprintf(buf[k & 3], sizeof(buf[0]), "%s/%s", dir, name);
	return buf[k++ & 3];
}

static void write_pem(const char *name, X509 *const *certs, unsigned n, EVP_PKEY *key)
{
	FILE *f = fopen(path(name), "w");

	ck_assert_ptr_nonnull(f);
	for (unsigned i = 0; i < n; i++)
		PEM_write_X509(f, certs[i]);
	if (key != NULL)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

START_TEST(chains_identities_and_credentials)
{
	EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *im_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *other_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	X509 *ca = make_cert(ca_key, ca_key, NULL, "esprit test CA", NULL, true, 1);
	X509 *other = make_cert(other_key, other_key, NULL, "another CA", NULL, true, 1);
	X509 *im = make_cert(im_key, ca_key, ca, "intermediate", NULL, true, 2);
	const char *types[][2] = { { "RSA", NULL }, { "EC", "P-384" }, { "ED25519", NULL }, { "ED448", NULL } };
	char err[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_pem("ca.pem", &ca, 1, NULL);
	write_pem("other.pem", &other, 1, NULL);
	const char *cas[] = { path("ca.pem") }, *others[] = { path("other.pem") };
	struct ike_trust *t = ike_trust_load(cas, 1, err, sizeof(err));
	struct ike_trust *wrong = ike_trust_load(others, 1, err, sizeof(err));

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(wrong);
	for (unsigned i = 0; i < 4; i++) {
		EVP_PKEY *k = types[i][1] ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", types[i][1])
			    : strcmp(types[i][0], "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
							       : EVP_PKEY_Q_keygen(NULL, NULL, types[i][0]);
		X509 *ee = make_cert(k, im_key, im, "b.test",
				     "DNS:b.test,email:gw@b.test,IP:192.0.2.2,IP:2001:db8::2", false, 10 + i);
		uint8_t *ee_der, *im_der;
		size_t ee_len, im_len;
		EVP_PKEY *pub = NULL;

		der(ee, &ee_der, &ee_len);
		der(im, &im_der, &im_len);
		const uint8_t *chain[] = { im_der };
		size_t chain_len[] = { im_len };

		/* chain through the intermediate to the CA */
		ck_assert_int_eq(ike_cert_verify(t, ee_der, ee_len, chain, chain_len, 1, 0, &pub,
						 err, sizeof(err)), 0);
		ck_assert_int_eq(EVP_PKEY_eq(pub, k), 1);
		EVP_PKEY_free(pub);
		ck_assert_int_eq(ike_cert_verify(t, ee_der, ee_len, NULL, NULL, 0, 0, &pub, err,
						 sizeof(err)), -EPERM);
		ck_assert_int_eq(ike_cert_verify(wrong, ee_der, ee_len, chain, chain_len, 1, 0, &pub,
						 err, sizeof(err)), -EPERM);
		/* expired: verify two days later */
		ck_assert_int_eq(ike_cert_verify(t, ee_der, ee_len, chain, chain_len, 1,
						 (long)time(NULL) + 2 * 86400, &pub, err, sizeof(err)), -EPERM);
		ck_assert_int_eq(ike_cert_verify(t, ee_der, ee_len - 1, chain, chain_len, 1, 0, &pub,
						 err, sizeof(err)), -EBADMSG);

		/* identities (RFC 4945 §3.1) */
		static const uint8_t v4[] = { 192, 0, 2, 2 }, v4x[] = { 192, 0, 2, 3 };
		static const uint8_t v6[] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

		ck_assert(ike_cert_matches_id(ee_der, ee_len, IKE_ID_FQDN, (const uint8_t *)"b.test", 6));
		ck_assert(!ike_cert_matches_id(ee_der, ee_len, IKE_ID_FQDN, (const uint8_t *)"a.test", 6));
		ck_assert(!ike_cert_matches_id(ee_der, ee_len, IKE_ID_FQDN, (const uint8_t *)"b.test\0x", 8));
		ck_assert(ike_cert_matches_id(ee_der, ee_len, IKE_ID_RFC822_ADDR, (const uint8_t *)"gw@b.test", 9));
		ck_assert(ike_cert_matches_id(ee_der, ee_len, IKE_ID_IPV4_ADDR, v4, 4));
		ck_assert(!ike_cert_matches_id(ee_der, ee_len, IKE_ID_IPV4_ADDR, v4x, 4));
		ck_assert(ike_cert_matches_id(ee_der, ee_len, IKE_ID_IPV6_ADDR, v6, 16));
		uint8_t *dn = NULL;
		int dn_len = i2d_X509_NAME(X509_get_subject_name(ee), &dn);

		ck_assert(ike_cert_matches_id(ee_der, ee_len, IKE_ID_DER_ASN1_DN, dn, (size_t)dn_len));
		ck_assert(!ike_cert_matches_id(ee_der, ee_len, IKE_ID_DER_ASN1_DN, dn, (size_t)dn_len - 1));
		OPENSSL_free(dn);

		/* credentials: PEM chain + key; a foreign key is refused */
		X509 *pem_chain[] = { ee, im };
		struct ike_cred cred;

		write_pem("ee.pem", pem_chain, 2, NULL);
		write_pem("key.pem", NULL, 0, k);
		write_pem("wrong.pem", NULL, 0, other_key);
		ck_assert_int_eq(ike_cred_load(&cred, path("ee.pem"), path("key.pem"), err, sizeof(err)), 0);
		ck_assert_uint_eq(cred.n_certs, 2);
		ck_assert_uint_eq(cred.der_len[0], ee_len);
		ck_assert_mem_eq(cred.der[0], ee_der, ee_len);
		/* the loaded key signs AUTH data the certificate's key verifies */
		uint8_t auth[700];
		int s = ike_sig_choose(cred.key, 0x3c, true);

		ck_assert_int_ge(s, 0);
		long n = ike_sig_sign(s, cred.key, ee_der, 64, auth, sizeof(auth));

		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(ike_cert_verify(t, cred.der[0], cred.der_len[0],
						 (const uint8_t *const *)&cred.der[1], &cred.der_len[1], 1,
						 0, &pub, err, sizeof(err)), 0);
		ck_assert_int_eq(ike_sig_verify(pub, ee_der, 64, auth, (size_t)n, NULL), 0);
		EVP_PKEY_free(pub);
		ike_cred_free(&cred);
		ck_assert_int_eq(ike_cred_load(&cred, path("ee.pem"), path("wrong.pem"), err, sizeof(err)),
				 -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "does not match"));
		OPENSSL_free(ee_der);
		OPENSSL_free(im_der);
		X509_free(ee);
		EVP_PKEY_free(k);
	}
	/* CERTREQ carries SHA-1 of the CA's SubjectPublicKeyInfo */
	uint8_t hashes[4][IKE_CA_HASH_LEN], want[IKE_CA_HASH_LEN], *spki = NULL;
	int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &spki);

	SHA1(spki, (size_t)spki_len, want);
	ck_assert_uint_eq(ike_trust_ca_hashes(t, hashes, 4), 1);
	ck_assert_mem_eq(hashes[0], want, IKE_CA_HASH_LEN);
	OPENSSL_free(spki);
	ck_assert_ptr_null(ike_trust_load((const char *[]){ path("nope.pem") }, 1, err, sizeof(err)));
	ike_trust_free(t);
	ike_trust_free(wrong);
	X509_free(ca);
	X509_free(other);
	X509_free(im);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(im_key);
	EVP_PKEY_free(other_key);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cert");
	TCase *tc = tcase_create("x509");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, chains_identities_and_credentials);
	suite_add_tcase(s, tc);
	int failed = check_run_nofork(s);
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		failed++;
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
