/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv2 key exchange methods (IANA Transform Type 4): finite-field DH
 * (RFC 3526), ECDH over NIST curves (RFC 5903), Curve25519/448 (RFC 8031)
 * through OpenSSL 3.0, and ML-KEM (FIPS 203, draft-ietf-ipsecme-ikev2-
 * mlkem) through control/mlkem.
 *
 * One flow for both kinds. The initiator creates its side, sends
 * ike_ke_public(), and completes with the responder's KE data. The
 * responder creates its side, completes with the initiator's KE data,
 * then sends ike_ke_public(): for DH its public value, for a KEM the
 * ciphertext.
 */
#ifndef ESPRIT_IKECRYPTO_KE_H
#define ESPRIT_IKECRYPTO_KE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ike_ke_id {
	KE_MODP_2048 = 14,
	KE_MODP_3072 = 15,
	KE_ECP_256 = 19,
	KE_ECP_384 = 20,
	KE_ECP_521 = 21,
	KE_CURVE25519 = 31,
	KE_CURVE448 = 32,
	KE_MLKEM_512 = 35,
	KE_MLKEM_768 = 36,
	KE_MLKEM_1024 = 37,
};

enum { IKE_KE_SHARED_MAX = 384, IKE_KE_PUBLIC_MAX = 1568 };

struct ike_ke;

bool ike_ke_supported(int id);
/** Name for logs ("x25519", "mlkem768", ...). */
const char *ike_ke_name(int id);
/** Length of the KE payload data each side sends (initiator, responder). */
size_t ike_ke_public_len(int id, bool initiator);

/** Create one side of an exchange (generates the key pair). NULL: errno. */
struct ike_ke *ike_ke_new(int id, bool initiator);
/** This side's KE payload data; 0 or -errno (responder KEM: after complete). */
int ike_ke_public(const struct ike_ke *ke, const uint8_t **data, size_t *len);
/**
 * Take the peer's KE data and compute the shared secret. The peer's value
 * is validated (length, point on curve, range, FIPS 203 §7.2 key check):
 * -EBADMSG when it is invalid, so the caller can answer INVALID_SYNTAX.
 */
int ike_ke_complete(struct ike_ke *ke, const uint8_t *peer, size_t len);
/** The shared secret (g^ir, or the KEM's K) after complete. */
int ike_ke_shared(const struct ike_ke *ke, const uint8_t **secret, size_t *len);
/** Wipe and free. */
void ike_ke_free(struct ike_ke *ke);

#endif
