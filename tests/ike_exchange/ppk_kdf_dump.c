/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints, as JSON, fixed inputs and what esprit's code derives from them
 * for RFC 8784: the IKE_SA_INIT keys (RFC 7296 §2.14), SK_d, SK_pi and
 * SK_pr mixed with a PPK (prf+(PPK, SK_x')), and a Child SA's KEYMAT
 * from the mixed SK_d (§2.17), for PRF-HMAC-SHA2-384 with AES-GCM and
 * PRF-HMAC-SHA2-256 with AES-CBC + HMAC-SHA2-256. ppk_kdf_check.py
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
	uint8_t ni[32], nr[40], gir[32], keymat[2 * 36];
	struct ike_keys k, m;
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
