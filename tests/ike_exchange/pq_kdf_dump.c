/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints, as JSON, fixed inputs and what esprit's code derives from them
 * for RFC 9370 / RFC 9242: the IKE_SA_INIT keys (RFC 7296 §2.14), the
 * keys after two additional key exchanges (SKEYSEED(n) = prf(SK_d(n-1),
 * SK(n) | Ni | Nr)), IntAuth_i1/i2 and IntAuth_r1 over IKE_INTERMEDIATE
 * messages, and the RFC 9370 §2.2.4 IKE rekey and Child SA KEYMAT.
 * pq_kdf_check.py recomputes all of it with Python's hmac/hashlib.
 */
#include <stdio.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ike/ike_crypto.h"

static void hex(const char *name, const uint8_t *p, size_t n, bool last)
{
	printf("  \"%s\": \"", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\"%s\n", last ? "" : ",");
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void keys(const char *tag, const struct ike_keys *k)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_d", tag);
	hex(name, k->d, k->prf_len, false);
	snprintf(name, sizeof(name), "%s_ei", tag);
	hex(name, k->ei, k->encr_len, false);
	snprintf(name, sizeof(name), "%s_er", tag);
	hex(name, k->er, k->encr_len, false);
	snprintf(name, sizeof(name), "%s_pi", tag);
	hex(name, k->pi, k->prf_len, false);
	snprintf(name, sizeof(name), "%s_pr", tag);
	hex(name, k->pr, k->prf_len, false);
}

int main(void)
{
	static struct ike_sa sa;
	uint8_t gir[32], sk1[32], sk2[32], m1[1200], m2[40], m3[1100], keymat[72];
	uint8_t seed_nr[32 + 32 + 32];
	struct ike_keys rk;
	int rc = 0;

	sa.suite = (struct ike_suite){ .encr = 20, .key_bits = 256, .prf = 6, .ke = 31 };
	sa.spi_i = 0x0123456789abcdefULL;
	sa.spi_r = 0xfedcba9876543210ULL;
	sa.ni_len = sa.nr_len = 32;
	fill(sa.ni, 32, 0x11);
	fill(sa.nr, 32, 0x22);
	fill(gir, sizeof(gir), 0x33);
	fill(sk1, sizeof(sk1), 0x44);
	fill(sk2, sizeof(sk2), 0x55);
	fill(m1, sizeof(m1), 0x66);
	fill(m2, sizeof(m2), 0x77);
	fill(m3, sizeof(m3), 0x88);
	printf("{\n");
	hex("ni", sa.ni, 32, false);
	hex("nr", sa.nr, 32, false);
	hex("spi_i", (const uint8_t *)"\x01\x23\x45\x67\x89\xab\xcd\xef", 8, false);
	hex("spi_r", (const uint8_t *)"\xfe\xdc\xba\x98\x76\x54\x32\x10", 8, false);
	hex("gir", gir, sizeof(gir), false);
	hex("sk1", sk1, sizeof(sk1), false);
	hex("sk2", sk2, sizeof(sk2), false);
	hex("m1", m1, sizeof(m1), false);
	hex("m2", m2, sizeof(m2), false);
	hex("m3", m3, sizeof(m3), false);
	/* IKE_SA_INIT: generation 0. */
	rc |= ike_crypto_keys(&sa.suite, sa.ni, 32, sa.nr, 32, gir, sizeof(gir), sa.spi_i, sa.spi_r,
			      &sa.keys);
	keys("k0", &sa.keys);
	/* IKE_INTERMEDIATE 1: request m1 (inner payloads, first = KE 34) and
	 * response m3 with the generation-0 keys; then SK(1) into the keys. */
	rc |= ike_intauth_sent(&sa, IKE_HDR_FLAG_INITIATOR, 1, IKE_PLD_KE, m1, sizeof(m1));
	rc |= ike_intauth_sent(&sa, IKE_HDR_FLAG_RESPONSE, 1, IKE_PLD_KE, m3, sizeof(m3));
	hex("intauth_i1", sa.intauth_i, 48, false);
	hex("intauth_r1", sa.intauth_r, 48, false);
	sa.n_int = 1;
	rc |= ike_intermediate_keys(&sa, sk1, sizeof(sk1));
	keys("k1", &sa.keys);
	/* IKE_INTERMEDIATE 2: request m2 (first = N 41), generation-1 keys. */
	rc |= ike_intauth_sent(&sa, IKE_HDR_FLAG_INITIATOR, 2, IKE_PLD_N, m2, sizeof(m2));
	hex("intauth_i2", sa.intauth_i, 48, false);
	rc |= ike_intermediate_keys(&sa, sk2, sizeof(sk2));
	keys("k2", &sa.keys);
	/* RFC 9370 §2.2.4, CREATE_CHILD_SA with SK(0) = gir, SK(1) = sk1,
	 * SK(2) = sk2 and nonces m2[0..32) / m3[0..32): the IKE rekey's
	 * SKEYSEED = prf(SK_d, SK(0) | Ni | Nr | SK(1) | SK(2)) and the Child
	 * SA's KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | SK(2)). */
	memcpy(seed_nr, m3, 32);
	memcpy(seed_nr + 32, sk1, 32);
	memcpy(seed_nr + 64, sk2, 32);
	rc |= ike_crypto_keys_rekey(sa.suite.prf, sa.keys.d, sa.keys.prf_len, &sa.suite, m2, 32, m3,
				    32, gir, sizeof(gir), seed_nr + 32, 64, 0x1111, 0x2222, &rk);
	keys("rekey", &rk);
	rc |= ike_crypto_keymat(sa.suite.prf, sa.keys.d, sa.keys.prf_len, gir, 32, m2, 32, seed_nr,
				sizeof(seed_nr), keymat, sizeof(keymat));
	hex("keymat", keymat, sizeof(keymat), false);
	printf("  \"rc\": %d\n}\n", rc);
	return rc == 0 ? 0 : 1;
}
