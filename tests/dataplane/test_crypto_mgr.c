/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_crypto_mgr.c - each lcore's IPsec-MB manager from a copy of the
 * library of its own (dataplane/crypto_mgr.h): the managers' code lies in
 * different copies, a copy freed goes to the next manager, more managers
 * than copies still work, and an SA's keys expanded through the process's
 * library seal and open through a copy as through the process's library
 * (esp_aead: AES-GCM by the direct API, ChaCha20-Poly1305 by the job API);
 * and every manager's AEAD, on key data where an SA keeps it, is OpenSSL's
 * at every length.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <intel-ipsec-mb.h>
#include <openssl/evp.h>
#include <rte_common.h>

#include "dataplane/esp_common.h"
#include "dataplane/crypto_mgr.h"
#include "tests/check_run.h"

#define NEEDS_COPY (IMB_VERSION_NUM < IMB_VERSION(1, 4, 0))

/* The loaded object holding the code at @p fn. */
static const void *object_of(const void *fn)
{
	Dl_info di;

	ck_assert_int_ne(dladdr(fn, &di), 0);
	return di.dli_fbase;
}

static const void *gcm_code(const IMB_MGR *m)
{
	return (const void *)m->gcm128_enc;
}

START_TEST(managers_come_from_copies_of_their_own)
{
	struct crypto_mgr a, b;
	const void *process = object_of((const void *)imb_get_mb_mgr_size);

	ck_assert_int_eq(crypto_mgr_init(&a), 0);
	ck_assert_int_eq(crypto_mgr_init(&b), 0);
	ck_assert(crypto_mgr_private(&a) && crypto_mgr_private(&b));
	ck_assert_ptr_nonnull(a.mgr->gcm128_enc);
	ck_assert_int_eq(a.mgr->used_arch, b.mgr->used_arch);
	if (NEEDS_COPY) {
		ck_assert_uint_ne(a.copy, 0);
		ck_assert_uint_ne(b.copy, a.copy);
		ck_assert_ptr_ne(object_of(gcm_code(a.mgr)), process);
		ck_assert_ptr_ne(object_of(gcm_code(b.mgr)), process);
		ck_assert_ptr_ne(object_of(gcm_code(a.mgr)), object_of(gcm_code(b.mgr)));
	}
	crypto_mgr_fini(&a);
	crypto_mgr_fini(&b);
	ck_assert_ptr_null(a.mgr);
}
END_TEST

/* How @p n managers share the copies: the most and the fewest on one
 * copy, how many copies, and how many managers are alone on theirs. */
static void sharing(const struct crypto_mgr *o, unsigned n, unsigned *most, unsigned *fewest,
		    unsigned *n_copies, unsigned *alone)
{
	unsigned on[64] = { 0 };

	*most = *n_copies = *alone = 0;
	*fewest = n;
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_lt(o[i].copy, 64);
		on[o[i].copy]++;
	}
	for (unsigned k = 1; k < 64; k++)
		if (on[k] != 0) {
			*most = on[k] > *most ? on[k] : *most;
			*fewest = on[k] < *fewest ? on[k] : *fewest;
			*n_copies += 1;
			*alone += on[k] == 1;
		}
	ck_assert_uint_eq(on[0], 0);  /* none on the process's library */
}

START_TEST(copies_are_given_back_and_shared_evenly)
{
	enum { MANY = 24 };  /* more than glibc has namespaces */
	struct crypto_mgr o[MANY], again;
	unsigned most, fewest, n_copies, alone, private = 0;

	if (!NEEDS_COPY)
		return;
	/* One at a time, many times over: always a copy (never loads more
	 * than one, as glibc could not give the next one static TLS). */
	for (unsigned i = 0; i < 3 * MANY; i++) {
		ck_assert_int_eq(crypto_mgr_init(&again), 0);
		ck_assert_msg(crypto_mgr_private(&again), "round %u: no copy", i);
		crypto_mgr_fini(&again);
	}
	/* All at once: every manager works; past the namespaces glibc has,
	 * they share the copies evenly. */
	for (unsigned i = 0; i < MANY; i++) {
		ck_assert_int_eq(crypto_mgr_init(&o[i]), 0);
		ck_assert_ptr_nonnull(o[i].mgr);
	}
	for (unsigned i = 0; i < MANY; i++)
		private += crypto_mgr_private(&o[i]);
	sharing(o, MANY, &most, &fewest, &n_copies, &alone);
	ck_assert_msg(most - fewest <= 1, "copies shared %u to %u times", fewest, most);
	ck_assert_uint_ge(n_copies, 4);
	ck_assert_uint_lt(n_copies, MANY);
	ck_assert_uint_eq(private, alone);
	/* every manager of one copy freed: the next manager gets it alone */
	unsigned copy = o[0].copy, freed = 0;

	for (unsigned i = 0; i < MANY; i++)
		if (o[i].copy == copy) {
			crypto_mgr_fini(&o[i]);
			freed = i;
		}
	ck_assert_int_eq(crypto_mgr_init(&o[freed]), 0);
	ck_assert_uint_eq(o[freed].copy, copy);
	ck_assert(crypto_mgr_private(&o[freed]));
	for (unsigned i = 0; i < MANY; i++)
		crypto_mgr_fini(&o[i]);  /* the others freed above are zeroed: nothing to do */
}
END_TEST

static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t nonce[ESP_NONCE_LEN] = { 0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t aad[8] = { 0, 0, 0x10, 1, 0, 0, 0, 7 };

/* The key area expanded through @p mgr, as the control thread does for
 * an SA (16 octets into a line, as in struct esp_sa). */
static uint8_t *key_area(IMB_MGR *mgr, enum esp_cipher c, void **mem)
{
	size_t size = (16 + esp_key_area_size(mgr) + 63) & ~(size_t)63;

	*mem = aligned_alloc(64, size);
	ck_assert_ptr_nonnull(*mem);
	ck_assert_int_eq(esp_key_setup(mgr, c, key, (uint8_t *)*mem + 16), 0);
	return (uint8_t *)*mem + 16;
}

START_TEST(keys_and_results_are_the_same_through_a_copy)
{
	static const enum esp_cipher ciphers[] = { ESP_CIPHER_AES128_GCM16, ESP_CIPHER_AES256_GCM16,
						   ESP_CIPHER_CHACHA20_POLY1305 };
	IMB_MGR *process = alloc_mb_mgr(0);
	struct crypto_mgr own;
	uint8_t pt[1500], a[1500], b[1500], ta[ESP_ICV_LEN], tb[ESP_ICV_LEN];

	ck_assert_ptr_nonnull(process);
	init_mb_mgr_auto(process, NULL);
	ck_assert_int_eq(crypto_mgr_init(&own), 0);
	for (unsigned c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++) {
		void *mem;
		const uint8_t *k = key_area(process, ciphers[c], &mem);

		for (uint32_t len = 1; len <= sizeof(pt); len += 37) {
			for (uint32_t i = 0; i < len; i++)
				pt[i] = a[i] = b[i] = (uint8_t)(i * 7 + len);
			esp_aead(process, k, ciphers[c], true, nonce, aad, sizeof(aad), a, a, len, ta);
			esp_aead(own.mgr, k, ciphers[c], true, nonce, aad, sizeof(aad), b, b, len, tb);
			ck_assert_msg(memcmp(a, b, len) == 0 && memcmp(ta, tb, sizeof(ta)) == 0,
				      "cipher %d, %u octets: not the same through the copy",
				      (int)ciphers[c], len);
			/* and back: the copy opens what the process's library sealed */
			esp_aead(own.mgr, k, ciphers[c], false, nonce, aad, sizeof(aad), b, b, len, tb);
			ck_assert(memcmp(ta, tb, sizeof(ta)) == 0 && memcmp(b, pt, len) == 0);
		}
		free(mem);
	}
	crypto_mgr_fini(&own);
	free_mb_mgr(process);
}
END_TEST

/* @p c as OpenSSL names it. */
static const EVP_CIPHER *evp_of(enum esp_cipher c)
{
	switch (c) {
	case ESP_CIPHER_AES128_GCM16:
		return EVP_aes_128_gcm();
	case ESP_CIPHER_AES256_GCM16:
		return EVP_aes_256_gcm();
	case ESP_CIPHER_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	}
	return NULL;
}

/* Seal @p len octets of @p pt with OpenSSL: @p ct and @p tag. */
static void openssl_seal(enum esp_cipher c, const uint8_t *a, int alen, const uint8_t *pt,
			 int len, uint8_t *ct, uint8_t tag[ESP_ICV_LEN])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n, fin;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(EVP_EncryptInit_ex(x, evp_of(c), NULL, NULL, NULL), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, ESP_NONCE_LEN, NULL), 1);
	ck_assert_int_eq(EVP_EncryptInit_ex(x, NULL, NULL, key, nonce), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(x, NULL, &n, a, alen), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(x, ct, &n, pt, len), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(x, ct + n, &fin), 1);
	ck_assert_int_eq(n + fin, len);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, ESP_ICV_LEN, tag), 1);
	EVP_CIPHER_CTX_free(x);
}

/*
 * Every manager this CPU runs (SSE, AVX, AVX2, AVX-512), every cipher,
 * every length from 1 to 2048 octets, with the 8- and 12-octet AAD of
 * ESP (RFC 4106 §5): esp_aead() on a key area where struct esp_sa keeps
 * it, 16 octets into a cache line, seals what OpenSSL seals and opens it
 * again. IPsec-MB declares struct gcm_key_data 64-aligned; its GCM code
 * takes every length's path here on key data that is not, so an aligned
 * load of the key data in any of them would fault this test.
 */
START_TEST(every_manager_seals_as_openssl_at_every_length)
{
	static const enum esp_cipher ciphers[] = { ESP_CIPHER_AES128_GCM16, ESP_CIPHER_AES256_GCM16,
						   ESP_CIPHER_CHACHA20_POLY1305 };
	static const struct {
		const char *name;
		void (*init)(IMB_MGR *);
		uint64_t needs;
	} archs[] = {
		{ "sse", init_mb_mgr_sse, IMB_CPUFLAGS_SSE },
		{ "avx", init_mb_mgr_avx, IMB_CPUFLAGS_AVX },
		{ "avx2", init_mb_mgr_avx2, IMB_CPUFLAGS_AVX2 },
		{ "avx512", init_mb_mgr_avx512, IMB_CPUFLAGS_AVX512 },
	};
	enum { MAX = 2048 };
	static uint8_t pt[MAX], want[MAX], got[MAX];
	static const uint8_t aad12[12] = { 0, 0, 0x10, 1, 0, 0, 0, 1, 0, 0, 0, 7 };
	unsigned ran = 0;

	for (unsigned i = 0; i < MAX; i++)
		pt[i] = (uint8_t)(i * 13 + 5);
	for (unsigned a = 0; a < RTE_DIM(archs); a++) {
		IMB_MGR *mgr = alloc_mb_mgr(0);

		ck_assert_ptr_nonnull(mgr);
		if ((mgr->features & archs[a].needs) != archs[a].needs) {
			free_mb_mgr(mgr);
			continue;
		}
		archs[a].init(mgr);
		ck_assert_int_eq(imb_get_errno(mgr), 0);
		ran++;
		for (unsigned c = 0; c < RTE_DIM(ciphers); c++) {
			void *mem;
			const uint8_t *k = key_area(mgr, ciphers[c], &mem);

			ck_assert_uint_eq((uintptr_t)k % 64, 16);
			for (uint32_t len = 1; len <= MAX; len++) {
				const uint8_t *ad = len % 2 ? aad : aad12;
				uint32_t adl = len % 2 ? sizeof(aad) : sizeof(aad12);
				uint8_t tw[ESP_ICV_LEN], tg[ESP_ICV_LEN];

				openssl_seal(ciphers[c], ad, (int)adl, pt, (int)len, want, tw);
				esp_aead(mgr, k, ciphers[c], true, nonce, ad, adl, got, pt, len, tg);
				ck_assert_msg(memcmp(got, want, len) == 0 &&
						      memcmp(tg, tw, sizeof(tw)) == 0,
					      "%s, cipher %d, %u octets: not OpenSSL's", archs[a].name,
					      (int)ciphers[c], len);
				esp_aead(mgr, k, ciphers[c], false, nonce, ad, adl, got, want, len, tg);
				ck_assert_msg(memcmp(got, pt, len) == 0 &&
						      memcmp(tg, tw, sizeof(tw)) == 0,
					      "%s, cipher %d, %u octets: does not open", archs[a].name,
					      (int)ciphers[c], len);
			}
			free(mem);
		}
		free_mb_mgr(mgr);
	}
	ck_assert_uint_gt(ran, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_mgr");
	TCase *tc = tcase_create("copies");
	tcase_add_test(tc, managers_come_from_copies_of_their_own);
	tcase_add_test(tc, copies_are_given_back_and_shared_evenly);
	tcase_add_test(tc, keys_and_results_are_the_same_through_a_copy);
	tcase_add_test(tc, every_manager_seals_as_openssl_at_every_length);
	suite_add_tcase(s, tc);
	return check_run(s);
}
