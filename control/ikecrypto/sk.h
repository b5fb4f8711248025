/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The Encrypted payload SK (RFC 7296 §3.14) with AES-CBC + HMAC-SHA2
 * (RFC 3602, RFC 4868), AES-GCM (RFC 5282) and ChaCha20-Poly1305
 * (RFC 7634), over OpenSSL 3.0's EVP.
 *
 * A message being sealed is laid out in one buffer as
 *   [IKE header | unencrypted payloads | SK generic header] [IV | C | ICV]
 * where the first part (the "AAD" part) is authenticated, and for the
 * AEAD ciphers fed as associated data. The caller fills the length
 * fields of the IKE header and the SK header from ike_sk_body_len()
 * before sealing, since they are authenticated.
 */
#ifndef ESPRIT_IKECRYPTO_SK_H
#define ESPRIT_IKECRYPTO_SK_H

#include <stddef.h>
#include <stdint.h>

#include "control/ike/ike_wire.h" /* ENCR and INTEG IDs */

struct ike_sk_alg {
	int encr;              /**< IKE_ENCR_AES_CBC, _AES_GCM_16, _CHACHA20_POLY1305 */
	unsigned key_bits;     /**< 128/256 for AES; 256 for ChaCha20 */
	int integ;             /**< IKE_INTEG_HMAC_SHA2_*; IKE_INTEG_NONE with AEAD */
};

/** Encryption key length in octets, salt included (AEAD). 0: unsupported. */
size_t ike_sk_encr_key_len(const struct ike_sk_alg *a);
/** Integrity key length in octets (0 for AEAD). */
size_t ike_sk_integ_key_len(const struct ike_sk_alg *a);
size_t ike_sk_iv_len(const struct ike_sk_alg *a);
size_t ike_sk_icv_len(const struct ike_sk_alg *a);
/** Octets after the SK generic header for @p plen octets of payloads. */
size_t ike_sk_body_len(const struct ike_sk_alg *a, size_t plen);

/**
 * Encrypt @p plain (the inner payloads) into @p msg after its first
 * @p aad_len octets, using @p iv (ike_sk_iv_len octets: random for CBC,
 * unique per key for the AEADs). Returns the total message length or
 * -errno. @p cap is the size of @p msg.
 */
long ike_sk_seal(const struct ike_sk_alg *a, const uint8_t *ekey, const uint8_t *akey,
		 const uint8_t *iv, uint8_t *msg, size_t aad_len, const uint8_t *plain,
		 size_t plen, size_t cap);

/**
 * Verify and decrypt in place a message of @p len octets whose SK body
 * starts at @p aad_len. On success *inner points at the decrypted
 * payloads and *inner_len is their length (padding removed): 0, or
 * -EBADMSG when the ICV does not verify or the padding is impossible,
 * -EINVAL on bad lengths.
 */
int ike_sk_open(const struct ike_sk_alg *a, const uint8_t *ekey, const uint8_t *akey,
		uint8_t *msg, size_t len, size_t aad_len, uint8_t **inner, size_t *inner_len);

#endif
