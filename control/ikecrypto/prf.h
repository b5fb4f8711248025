/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv2 pseudorandom functions and key derivation (RFC 7296 §2.13, §2.14,
 * §2.17, §2.18), over OpenSSL 3.0's EVP_MAC. Only HMAC-SHA2 PRFs
 * (RFC 4868): their preferred key length is their output length, and
 * Ni | Nr is used as the key without truncation.
 */
#ifndef ESPRIT_IKECRYPTO_PRF_H
#define ESPRIT_IKECRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>

#include "control/ike/ike_wire.h" /* enum ike_prf_id */

enum { IKE_PRF_MAX = 64, IKE_PRF_PLUS_MAX_BLOCKS = 255 };

/** Output (= preferred key) length of @p prf, or 0 if unsupported. */
size_t ike_prf_len(int prf);

/** One piece of a PRF input; inputs are concatenations of these. */
struct ike_chunk {
	const uint8_t *p;
	size_t len;
};

/** out = prf(key, chunk[0] | ... | chunk[n-1]); 0 or -errno. */
int ike_prf(int prf, const uint8_t *key, size_t klen, const struct ike_chunk *in, unsigned n,
	    uint8_t *out);

/**
 * RFC 7296 §2.13: prf+(K, S) = T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n).
 * Fills @p outlen octets (at most 255 blocks); 0 or -EINVAL.
 */
int ike_prf_plus(int prf, const uint8_t *key, size_t klen, const struct ike_chunk *seed,
		 unsigned n, uint8_t *out, size_t outlen);

/** The seven IKE SA keys of RFC 7296 §2.14, lengths as negotiated. */
struct ike_sa_keys {
	uint8_t d[IKE_PRF_MAX], ai[IKE_PRF_MAX], ar[IKE_PRF_MAX];
	uint8_t ei[36], er[36];        /**< cipher key || salt (AEAD) */
	uint8_t pi[IKE_PRF_MAX], pr[IKE_PRF_MAX];
	size_t prf_len, integ_len, encr_len;
};

/** RFC 7296 §2.14: SKEYSEED = prf(Ni | Nr, g^ir); 0 or -EINVAL. */
int ike_skeyseed(int prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		 const uint8_t *gir, size_t gir_len, uint8_t *skeyseed);

/**
 * RFC 7296 §2.14: SKEYSEED = prf(Ni | Nr, g^ir), then
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * @p integ_len is 0 for AEAD; @p encr_len includes the salt.
 */
int ike_sa_keys_derive(int prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		       size_t nr_len, const uint8_t *gir, size_t gir_len,
		       const uint8_t spi_i[8], const uint8_t spi_r[8], size_t integ_len,
		       size_t encr_len, struct ike_sa_keys *k);

/**
 * RFC 7296 §2.18: the SKEYSEED of a rekeyed IKE SA,
 * prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF.
 */
int ike_skeyseed_rekey(int prf_old, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
		       size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		       size_t nr_len, uint8_t *skeyseed);

/** The seven keys from a SKEYSEED (second half of §2.14, and §2.18). */
int ike_sa_keys_expand(int prf, const uint8_t *skeyseed, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
		       const uint8_t spi_r[8], size_t integ_len, size_t encr_len,
		       struct ike_sa_keys *k);

/**
 * RFC 7296 §2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr); @p gir
 * may be NULL. The initiator→responder SA's keys come first.
 */
int ike_child_keymat(int prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
		     size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		     size_t nr_len, uint8_t *keymat, size_t len);

/**
 * RFC 8784 §3: one of SK_d, SK_pi, SK_pr mixed with a post-quantum
 * preshared key in place, key = prf+(PPK, key) of the same @p len
 * (the PRF's preferred key length). 0 or -EINVAL.
 */
int ike_ppk_mix(int prf, const uint8_t *ppk, size_t ppk_len, uint8_t *key, size_t len);

/** Wipe derived keys. */
void ike_sa_keys_wipe(struct ike_sa_keys *k);

#endif
