/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 key derivation and the SK payload against independent values:
 * vectors.h is computed by gen_vectors.py with Python's hmac/hashlib and
 * python3-cryptography from the RFC 7296 formulas, and the ChaCha20-
 * Poly1305 case is RFC 7634 Appendix B byte for byte.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ikecrypto/prf.h"
#include "control/ikecrypto/sk.h"
#include "tests/ikecrypto/vectors.h"
#include "tests/check_run.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static const struct {
	int prf;
	size_t integ, encr;
	const uint8_t *skeyseed, *keys, *keymat, *keymat_pfs, *rekey;
} derive[] = {
	{ IKE_PRF_HMAC_SHA2_256, 32, 20, v_skeyseed_5, v_keys_5, v_keymat_5, v_keymat_pfs_5, v_rekey_seed_5 },
	{ IKE_PRF_HMAC_SHA2_384, 48, 36, v_skeyseed_6, v_keys_6, v_keymat_6, v_keymat_pfs_6, v_rekey_seed_6 },
	{ IKE_PRF_HMAC_SHA2_512, 64, 32, v_skeyseed_7, v_keys_7, v_keymat_7, v_keymat_pfs_7, v_rekey_seed_7 },
};

START_TEST(sa_keys_match_independent_derivation)
{
	int i = _i;
	struct ike_sa_keys k;
	size_t pl = ike_prf_len(derive[i].prf), off = 0;
	uint8_t key[sizeof(v_ni) + sizeof(v_nr)], seed[IKE_PRF_MAX], km[72];
	struct ike_chunk gir = { v_gir, sizeof(v_gir) };

	/* RFC 7296 §2.14: SKEYSEED = prf(Ni | Nr, g^ir) */
	memcpy(key, v_ni, sizeof(v_ni));
	memcpy(key + sizeof(v_ni), v_nr, sizeof(v_nr));
	ck_assert_int_eq(ike_prf(derive[i].prf, key, sizeof(key), &gir, 1, seed), 0);
	ck_assert_mem_eq(seed, derive[i].skeyseed, pl);

	ck_assert_int_eq(ike_sa_keys_derive(derive[i].prf, v_ni, sizeof(v_ni), v_nr, sizeof(v_nr),
					    v_gir, sizeof(v_gir), v_spi_i, v_spi_r,
					    derive[i].integ, derive[i].encr, &k), 0);
	const uint8_t *want = derive[i].keys;

	const struct { const uint8_t *got; size_t len; } parts[] = {
		{ k.d, pl }, { k.ai, derive[i].integ }, { k.ar, derive[i].integ },
		{ k.ei, derive[i].encr }, { k.er, derive[i].encr }, { k.pi, pl }, { k.pr, pl },
	};

	for (unsigned j = 0; j < 7; j++) {
		ck_assert_mem_eq(parts[j].got, want + off, parts[j].len);
		off += parts[j].len;
	}

	/* RFC 7296 §2.17: KEYMAT = prf+(SK_d, Ni | Nr), and with PFS */
	ck_assert_int_eq(ike_child_keymat(derive[i].prf, k.d, pl, NULL, 0, v_ni, sizeof(v_ni),
					  v_nr, sizeof(v_nr), km, sizeof(km)), 0);
	ck_assert_mem_eq(km, derive[i].keymat, sizeof(km));
	ck_assert_int_eq(ike_child_keymat(derive[i].prf, k.d, pl, v_gir_new, sizeof(v_gir_new),
					  v_ni, sizeof(v_ni), v_nr, sizeof(v_nr), km, sizeof(km)), 0);
	ck_assert_mem_eq(km, derive[i].keymat_pfs, sizeof(km));

	/* RFC 7296 §2.18: rekeyed SKEYSEED = prf(SK_d, g^ir(new) | Ni | Nr) */
	ck_assert_int_eq(ike_skeyseed_rekey(derive[i].prf, k.d, pl, v_gir_new, sizeof(v_gir_new),
					    v_ni, sizeof(v_ni), v_nr, sizeof(v_nr), seed), 0);
	ck_assert_mem_eq(seed, derive[i].rekey, pl);
	ike_sa_keys_wipe(&k);
}
END_TEST

START_TEST(prf_plus_lengths)
{
	uint8_t out[100], *big;
	struct ike_chunk s = { (const uint8_t *)"seed", 4 };

	ck_assert_int_eq(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"key", 3, &s, 1, out, 100), 0);
	ck_assert_mem_eq(out, v_prfplus_100, 100);
	/* RFC 7296 §2.13: at most 255 blocks */
	big = malloc(256 * 32);
	ck_assert_int_eq(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"k", 1, &s, 1, big, 255 * 32), 0);
	ck_assert_int_eq(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"k", 1, &s, 1, big, 255 * 32 + 1),
			 -EINVAL);
	free(big);
	ck_assert_int_eq(ike_prf_plus(99, (const uint8_t *)"k", 1, &s, 1, out, 10), -EINVAL);
}
END_TEST

/* Seal the inner payloads after @p aad, compare, open, then tamper. */
static void sk_case(const struct ike_sk_alg *a, const uint8_t *ek, const uint8_t *ak,
		    const uint8_t *iv, const uint8_t *aad, size_t aad_len, const uint8_t *inner,
		    size_t inner_len, const uint8_t *want, size_t want_len)
{
	uint8_t msg[512], *in;
	size_t in_len;

	memcpy(msg, aad, aad_len);
	ck_assert_uint_eq(aad_len + ike_sk_body_len(a, inner_len), want_len);
	ck_assert_int_eq(ike_sk_seal(a, ek, ak, iv, msg, aad_len, inner, inner_len, sizeof(msg)),
			 (long)want_len);
	ck_assert_mem_eq(msg, want, want_len);
	ck_assert_int_eq(ike_sk_open(a, ek, ak, msg, want_len, aad_len, &in, &in_len), 0);
	ck_assert_uint_eq(in_len, inner_len);
	ck_assert_mem_eq(in, inner, inner_len);
	/* every single-bit change anywhere is caught */
	for (size_t i = 0; i < want_len; i++) {
		memcpy(msg, want, want_len);
		msg[i] ^= 0x01;
		ck_assert_int_eq(ike_sk_open(a, ek, ak, msg, want_len, aad_len, &in, &in_len), -EBADMSG);
	}
	memcpy(msg, want, want_len);
	ck_assert_int_eq(ike_sk_open(a, ek, ak, msg, aad_len + 3, aad_len, &in, &in_len), -EINVAL);
}

START_TEST(sk_rfc7634_appendix_b)
{
	/* RFC 7634 Appendix B: the 69-octet IKEv2 message. */
	const struct ike_sk_alg a = { IKE_ENCR_CHACHA20_POLY1305, 256, IKE_INTEG_NONE };
	uint8_t key[36], iv[8], aad[32], inner[12], want[69];

	hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3", key, 36);
	hex("1011121314151617", iv, 8);
	hex("c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e202500000000090000004529000029", aad, 32);
	hex("0000000c000040010000000a", inner, 12);
	hex("c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e2025000000000900000045290000291011121314151617"
	    "610394701f8d017f7c129248896b71bfe25236efd7cdc67066906315b2", want, 69);
	sk_case(&a, key, NULL, iv, aad, 32, inner, 12, want, 69);
}
END_TEST

START_TEST(sk_aes_cbc_hmac_and_gcm)
{
	const struct ike_sk_alg cbc = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 };
	const struct ike_sk_alg gcm = { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE };

	sk_case(&cbc, v_cbc_ek, v_cbc_ak, v_cbc_iv, v_cbc_aad, sizeof(v_cbc_aad), v_cbc_inner,
		sizeof(v_cbc_inner), v_cbc_msg, sizeof(v_cbc_msg));
	sk_case(&gcm, v_gcm_ek, NULL, v_gcm_iv, v_cbc_aad, sizeof(v_cbc_aad), v_cbc_inner,
		sizeof(v_cbc_inner), v_gcm_msg, sizeof(v_gcm_msg));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ikecrypto");
	TCase *tc = tcase_create("derivation");

	tcase_add_loop_test(tc, sa_keys_match_independent_derivation, 0, 3);
	tcase_add_test(tc, prf_plus_lengths);
	tcase_add_test(tc, sk_rfc7634_appendix_b);
	tcase_add_test(tc, sk_aes_cbc_hmac_and_gcm);
	suite_add_tcase(s, tc);
	return check_run(s);
}
