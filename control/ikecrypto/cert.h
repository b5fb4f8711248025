/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * X.509 for IKEv2 (RFC 7296 §3.6, §3.7, RFC 4945): local credentials from
 * PEM files, the trusted CAs, chain verification of what a peer sends in
 * CERT payloads, matching an IKE identity against the certificate, and the
 * CA hashes of CERTREQ.
 */
#ifndef ESPRIT_IKECRYPTO_CERT_H
#define ESPRIT_IKECRYPTO_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ike/ike_wire.h" /* enum ike_id_type */

enum { IKE_CA_HASH_LEN = 20, IKE_CHAIN_MAX = 8 };

struct evp_pkey_st;

/** A private key and the certificate chain that goes with it (DER). */
struct ike_cred {
	struct evp_pkey_st *key;
	unsigned n_certs;                 /**< end entity first */
	uint8_t *der[IKE_CHAIN_MAX];
	size_t der_len[IKE_CHAIN_MAX];
};

/**
 * Load @p cert_pem (end entity, then any intermediates) and @p key_pem;
 * checks the key matches the certificate. 0 or -errno with @p err set.
 */
int ike_cred_load(struct ike_cred *c, const char *cert_pem, const char *key_pem, char *err,
		  size_t errlen);
void ike_cred_free(struct ike_cred *c);

struct ike_trust;

/** Trusted CA certificates from PEM files. NULL with @p err set. */
struct ike_trust *ike_trust_load(const char *const *ca_pem, unsigned n, char *err, size_t errlen);
void ike_trust_free(struct ike_trust *t);

/** SHA-1 of each CA's SubjectPublicKeyInfo, for CERTREQ (RFC 7296 §3.7). */
unsigned ike_trust_ca_hashes(const struct ike_trust *t, uint8_t (*out)[IKE_CA_HASH_LEN],
			     unsigned max);

/**
 * RFC 7296 §3.7: is @p c's chain vouched for by one of the CAs a peer
 * named in CERTREQ (@p n SHA-1 hashes of SubjectPublicKeyInfo)? True when
 * a certificate of the chain is such a CA, or when the CA among @p t (may
 * be NULL) that issued the chain's topmost certificate is one.
 */
bool ike_cred_fits(const struct ike_cred *c, const struct ike_trust *t,
		   const uint8_t (*hashes)[IKE_CA_HASH_LEN], unsigned n);

/**
 * Verify end-entity certificate @p ee (DER) with @p n untrusted
 * intermediates against @p t, at time @p now (0 = current time). On
 * success *pub receives a reference to the certificate's public key
 * (free with EVP_PKEY_free). 0, -EBADMSG (not DER), -EPERM (untrusted,
 * expired, bad signature) with @p err set.
 */
int ike_cert_verify(const struct ike_trust *t, const uint8_t *ee, size_t ee_len,
		    const uint8_t *const *chain, const size_t *chain_len, unsigned n, long now,
		    struct evp_pkey_st **pub, char *err, size_t errlen);

/**
 * RFC 4945 §3.1: does identity (@p type, @p id) name the certificate's
 * subject? IPv4/IPv6, FQDN and RFC822 against subjectAltName, DN against
 * the subject (DER, exact).
 */
bool ike_cert_matches_id(const uint8_t *ee, size_t ee_len, int type, const uint8_t *id,
			 size_t id_len);

#endif
