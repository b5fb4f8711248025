/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints, as JSON, fixed inputs and what esprit's code derives from them
 * for RFC 8784: the IKE_SA_INIT keys (RFC 7296 §2.14), SK_d, SK_pi and
 * SK_pr mixed with a PPK (prf+(PPK, SK_x')), and a Child SA's KEYMAT
 * from the mixed SK_d (§2.17), for PRF-HMAC-SHA2-384 with AES-GCM and
 * PRF-HMAC-SHA2-256 with AES-CBC + HMAC-SHA2-256; and RFC 9867 §3.1.1,
 * SKEYSEED' = prf+(PPK, SK_d) and the seven keys from it, with the
 * PPK_IDENTITY_KEY confirmation prf(PPK, Ni | Nr | SPIi | SPIr) as the
 * test of the wire (test_ppk.c) checks it. ppk_kdf_check.py
 * recomputes all of it with Python's hmac/hashlib.
 */
#include <stdio.h>
#include <string.h>

#include "control/ike/ike_crypto.h"

static void hex(const char *tag, const char *name, const uint8_t *p, size_t n)
{
	printf("  \"%s%s\": \"", tag, name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\",\n");
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

static int one(const char *tag, const struct ike_suite *s, const uint8_t *ppk, size_t ppk_len)
{
	uint8_t ni[32], nr[40], gir[32], keymat[2 * 36], conf[64];
	uint8_t si[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	uint8_t sr[8] = { 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00 };
	const uint8_t *in[4] = { ni, nr, si, sr };
	const size_t len[4] = { sizeof(ni), sizeof(nr), 8, 8 };
	struct ike_keys k, m, t;
	int rc;

	fill(ni, sizeof(ni), 0x10);
	fill(nr, sizeof(nr), 0x20);
	fill(gir, sizeof(gir), 0x30);
	rc = ike_crypto_keys(s, ni, sizeof(ni), nr, sizeof(nr), gir, sizeof(gir),
			     0x1122334455667788ULL, 0x99aabbccddeeff00ULL, &k);
	m = k;
	if (rc == 0)
		rc = ike_crypto_ppk_mix(s->prf, ppk, ppk_len, &m);
	if (rc == 0)
		rc = ike_crypto_keymat(s->prf, m.d, m.prf_len, NULL, 0, ni, sizeof(ni), nr,
				       sizeof(nr), keymat, sizeof(keymat));
	t = k;
	if (rc == 0)
		rc = ike_crypto_ppk_int_keys(s, ppk, ppk_len, ni, sizeof(ni), nr, sizeof(nr),
					     0x1122334455667788ULL, 0x99aabbccddeeff00ULL, &t);
	if (rc == 0)
		rc = ike_crypto_prf_v(s->prf, ppk, ppk_len, in, len, 4, conf);
	hex(tag, "int_d", t.d, t.prf_len);
	hex(tag, "int_ai", t.ai, t.integ_len);
	hex(tag, "int_ei", t.ei, t.encr_len);
	hex(tag, "int_er", t.er, t.encr_len);
	hex(tag, "int_pi", t.pi, t.prf_len);
	hex(tag, "int_pr", t.pr, t.prf_len);
	hex(tag, "conf", conf, 8);
	ike_crypto_keys_wipe(&t);
	hex(tag, "ni", ni, sizeof(ni));
	hex(tag, "nr", nr, sizeof(nr));
	hex(tag, "gir", gir, sizeof(gir));
	hex(tag, "ppk", ppk, ppk_len);
	hex(tag, "d0", k.d, k.prf_len);
	hex(tag, "ai0", k.ai, k.integ_len);
	hex(tag, "ei0", k.ei, k.encr_len);
	hex(tag, "pi0", k.pi, k.prf_len);
	hex(tag, "pr0", k.pr, k.prf_len);
	hex(tag, "d", m.d, m.prf_len);
	hex(tag, "ai", m.ai, m.integ_len);
	hex(tag, "ei", m.ei, m.encr_len);
	hex(tag, "pi", m.pi, m.prf_len);
	hex(tag, "pr", m.pr, m.prf_len);
	hex(tag, "keymat", keymat, sizeof(keymat));
	ike_crypto_keys_wipe(&k);
	ike_crypto_keys_wipe(&m);
	return rc;
}

int main(void)
{
	/* PRF_HMAC_SHA2_384 (6), ENCR_AES_GCM_16 (20) 256, x25519 (31). */
	const struct ike_suite gcm = { .encr = 20, .key_bits = 256, .prf = 6, .ke = 31 };
	/* PRF_HMAC_SHA2_256 (5), ENCR_AES_CBC (12) 128, AUTH_HMAC_SHA2_256_128 (12). */
	const struct ike_suite cbc = { .encr = 12, .key_bits = 128, .prf = 5, .integ = 12,
				       .ke = 31 };
	uint8_t ppk1[32], ppk2[100];
	int rc;

	fill(ppk1, sizeof(ppk1), 0x40);
	fill(ppk2, sizeof(ppk2), 0x50);
	printf("{\n");
	rc = one("gcm_", &gcm, ppk1, sizeof(ppk1));
	rc |= one("cbc_", &cbc, ppk2, sizeof(ppk2));
	printf("  \"rc\": %d\n}\n", rc);
	return rc == 0 ? 0 : 1;
}
