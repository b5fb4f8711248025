/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Authentication: the signed octets and the shared-key AUTH value against
 * independent values (gen_vectors.py), and RFC 7427 / RFC 8420 signatures
 * for every scheme: sign, verify, and refuse tampering, foreign keys,
 * unknown or malformed AlgorithmIdentifiers.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "control/ikecrypto/auth.h"
#include "tests/ikecrypto/vectors.h"
#include "tests/check_run.h"

START_TEST(psk_auth_matches_rfc7296_formula)
{
	uint8_t octets[sizeof(v_octets)], auth[32];

	ck_assert_int_eq(ike_signed_octets(IKE_PRF_HMAC_SHA2_256, v_msg1, sizeof(v_msg1), v_nr,
					   sizeof(v_nr), v_sk_pi, v_id_body, sizeof(v_id_body),
					   octets, sizeof(octets)), (long)sizeof(v_octets));
	ck_assert_mem_eq(octets, v_octets, sizeof(v_octets));
	ck_assert_int_eq(ike_auth_psk(IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"interop-test-psk-0123456789",
				      27, octets, sizeof(octets), auth), 0);
	ck_assert_mem_eq(auth, v_psk_auth, 32);
	ck_assert(ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"interop-test-psk-0123456789",
				      27, octets, sizeof(octets), auth, 32));
	ck_assert(!ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"interop-test-psk-0123456780",
				       27, octets, sizeof(octets), auth, 32));
	ck_assert(!ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"interop-test-psk-0123456789",
				       27, octets, sizeof(octets), auth, 31));
	ck_assert_int_eq(ike_signed_octets(IKE_PRF_HMAC_SHA2_256, v_msg1, sizeof(v_msg1), v_nr,
					   sizeof(v_nr), v_sk_pi, v_id_body, sizeof(v_id_body),
					   octets, sizeof(octets) - 1), -ENOSPC);
}
END_TEST

static EVP_PKEY *keygen(const char *type, const char *curve)
{
	EVP_PKEY *k = NULL;

	if (curve != NULL)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	else if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, type);
	ck_assert_ptr_nonnull(k);
	return k;
}

static const struct {
	enum ike_sig_scheme s;
	const char *type, *curve;
} cases[] = {
	{ SIG_RSA_PSS_SHA256, "RSA", NULL }, { SIG_RSA_PSS_SHA384, "RSA", NULL },
	{ SIG_RSA_PSS_SHA512, "RSA", NULL }, { SIG_RSA_PKCS1_SHA256, "RSA", NULL },
	{ SIG_RSA_PKCS1_SHA384, "RSA", NULL }, { SIG_RSA_PKCS1_SHA512, "RSA", NULL },
	{ SIG_ECDSA_SHA256, "EC", "P-256" }, { SIG_ECDSA_SHA384, "EC", "P-384" },
	{ SIG_ECDSA_SHA512, "EC", "P-521" }, { SIG_ED25519, "ED25519", NULL },
	{ SIG_ED448, "ED448", NULL },
};

START_TEST(sign_and_verify_every_scheme)
{
	EVP_PKEY *key = keygen(cases[_i].type, cases[_i].curve);
	EVP_PKEY *other = keygen("ED25519", NULL);
	uint8_t auth[1024];
	enum ike_sig_scheme used;
	long n = ike_sig_sign(cases[_i].s, key, v_octets, sizeof(v_octets), auth, sizeof(auth));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ike_sig_verify(key, v_octets, sizeof(v_octets), auth, (size_t)n, &used), 0);
	ck_assert_int_eq(used, cases[_i].s);
	/* a changed octet, a changed signature, another key */
	uint8_t copy[sizeof(v_octets)];

	memcpy(copy, v_octets, sizeof(copy));
	copy[7] ^= 1;
	ck_assert_int_eq(ike_sig_verify(key, copy, sizeof(copy), auth, (size_t)n, NULL), -EPERM);
	auth[n - 1] ^= 0x40;
	ck_assert_int_eq(ike_sig_verify(key, v_octets, sizeof(v_octets), auth, (size_t)n, NULL), -EPERM);
	auth[n - 1] ^= 0x40;
	if (cases[_i].s != SIG_ED25519)
		ck_assert_int_eq(ike_sig_verify(other, v_octets, sizeof(v_octets), auth, (size_t)n, NULL),
				 -EPERM);
	/* malformed and unknown AlgorithmIdentifiers */
	ck_assert_int_eq(ike_sig_verify(key, v_octets, sizeof(v_octets), auth, 1, NULL), -EBADMSG);
	auth[0] = 0xff; /* AlgorithmIdentifier longer than the AUTH data */
	ck_assert_int_eq(ike_sig_verify(key, v_octets, sizeof(v_octets), auth, 200, NULL), -EBADMSG);
	auth[0] = (uint8_t)(n > 200 ? 100 : 1);
	ck_assert_int_eq(ike_sig_verify(key, v_octets, sizeof(v_octets), auth, (size_t)n, NULL), -ENOTSUP);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}
END_TEST

START_TEST(algorithm_identifiers)
{
	/* RFC 7427 A.4.3, byte for byte */
	static const uint8_t pss256[72] = {
		0x30, 0x46, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x39, 0xa0,
		0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
		0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30,
		0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03,
		0x02, 0x01, 0x20, 0xa3, 0x03, 0x02, 0x01, 0x01,
	};
	EVP_PKEY *rsa = keygen("RSA", NULL);
	uint8_t auth[600], rfc[600], der[67];
	long n = ike_sig_sign(SIG_RSA_PSS_SHA256, rsa, v_octets, sizeof(v_octets), auth, sizeof(auth));

	/* We send it in DER, without the DEFAULT trailerField (as strongSwan and
	 * libreswan do; libreswan 4.10 accepts nothing else). */
	der[0] = 0x30;
	der[1] = 0x41;
	memcpy(der + 2, pss256 + 2, 11);
	der[13] = 0x30;
	der[14] = 0x34;
	memcpy(der + 15, pss256 + 15, 52);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(auth[0], 67);
	ck_assert_mem_eq(auth + 1, der, 67);
	ck_assert_int_eq(ike_sig_verify(rsa, v_octets, sizeof(v_octets), auth, (size_t)n, NULL), 0);
	/* The RFC's form, trailerField spelled out, verifies too. */
	rfc[0] = 72;
	memcpy(rfc + 1, pss256, 72);
	memcpy(rfc + 73, auth + 68, (size_t)n - 68);
	ck_assert_int_eq(ike_sig_verify(rsa, v_octets, sizeof(v_octets), rfc, (size_t)n + 5, NULL), 0);
	/* ... but not with another trailerField value. */
	rfc[72] = 0x02;
	ck_assert_int_eq(ike_sig_verify(rsa, v_octets, sizeof(v_octets), rfc, (size_t)n + 5, NULL),
			 -ENOTSUP);

	/* Choosing: the peer's hashes decide; EdDSA needs "Identity". */
	unsigned all = 1u << IKE_HASH_SHA2_256 | 1u << IKE_HASH_SHA2_384 | 1u << IKE_HASH_SHA2_512 |
		       1u << IKE_HASH_IDENTITY;
	EVP_PKEY *p384 = keygen("EC", "P-384"), *ed = keygen("ED448", NULL);

	ck_assert_int_eq(ike_sig_choose(rsa, all, true), SIG_RSA_PSS_SHA256);
	ck_assert_int_eq(ike_sig_choose(rsa, 1u << IKE_HASH_SHA2_512, false), SIG_RSA_PKCS1_SHA512);
	ck_assert_int_eq(ike_sig_choose(p384, all, true), SIG_ECDSA_SHA384);
	ck_assert_int_eq(ike_sig_choose(p384, 1u << IKE_HASH_SHA2_256, true), SIG_ECDSA_SHA256);
	ck_assert_int_eq(ike_sig_choose(ed, all, true), SIG_ED448);
	ck_assert_int_eq(ike_sig_choose(ed, 1u << IKE_HASH_SHA2_256, true), -ENOTSUP);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, psk_auth_matches_rfc7296_formula);
	tcase_add_loop_test(tc, sign_and_verify_every_scheme, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, algorithm_identifiers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
