/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv2 authentication (RFC 7296 §2.15): the octets each side signs, the
 * shared-key AUTH value, and RFC 7427 digital signatures (method 14) with
 * RSA-PSS, RSA PKCS#1 v1.5, ECDSA and EdDSA (RFC 8420), through OpenSSL.
 */
#ifndef ESPRIT_IKECRYPTO_AUTH_H
#define ESPRIT_IKECRYPTO_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ike/ike_wire.h" /* enum ike_hash_alg */
#include "control/ikecrypto/prf.h"

/** Signature schemes esprit signs and verifies. */
enum ike_sig_scheme {
	SIG_RSA_PSS_SHA256, SIG_RSA_PSS_SHA384, SIG_RSA_PSS_SHA512,
	SIG_RSA_PKCS1_SHA256, SIG_RSA_PKCS1_SHA384, SIG_RSA_PKCS1_SHA512,
	SIG_ECDSA_SHA256, SIG_ECDSA_SHA384, SIG_ECDSA_SHA512,
	SIG_ED25519, SIG_ED448,
	SIG_SCHEME_MAX,
};

/**
 * InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI, with
 * MACedIDForI = prf(SK_pi, RestOfInitIDPayload), and the responder's
 * mirror (RFC 7296 §2.15). @p id_body is the ID payload after its generic
 * header. Writes into @p out (cap octets); returns the length or -errno.
 */
long ike_signed_octets(int prf, const uint8_t *message, size_t message_len,
		       const uint8_t *peer_nonce, size_t nonce_len, const uint8_t *sk_p,
		       const uint8_t *id_body, size_t id_len, uint8_t *out, size_t cap);

/**
 * Shared key message integrity code (method 2):
 * AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>).
 */
int ike_auth_psk(int prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		 size_t len, uint8_t *auth);

/** Constant-time check of a received PSK AUTH value. */
bool ike_auth_psk_verify(int prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
			 size_t len, const uint8_t *auth, size_t auth_len);

struct evp_pkey_st;

/** The RFC 7427 hash ID a scheme uses (IDENTITY for EdDSA). */
int ike_sig_hash(enum ike_sig_scheme s);
const char *ike_sig_name(enum ike_sig_scheme s);

/**
 * The scheme for a private/public key and a hash both sides support
 * (@p hashes: bit (1 << id) for each hash the peer announced).
 * -ENOTSUP when none fits.
 */
int ike_sig_choose(const struct evp_pkey_st *key, unsigned hashes, bool prefer_pss);

/**
 * RFC 7427 §3 AUTH data: ASN.1 length | AlgorithmIdentifier | signature.
 * Returns its length or -errno.
 */
long ike_sig_sign(enum ike_sig_scheme s, struct evp_pkey_st *key, const uint8_t *octets,
		  size_t len, uint8_t *auth, size_t cap);

/**
 * Verify RFC 7427 AUTH data with the peer's public key: parses the
 * AlgorithmIdentifier (only the known encodings are accepted, so the
 * peer cannot pick a weak scheme), checks it fits the key, verifies.
 * 0, -EBADMSG (malformed), -EPERM (bad signature), -ENOTSUP.
 */
int ike_sig_verify(struct evp_pkey_st *key, const uint8_t *octets, size_t len,
		   const uint8_t *auth, size_t auth_len, enum ike_sig_scheme *used);

#endif
