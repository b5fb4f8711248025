/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole IKEv2 messages shared by the codec tests, the mutation run and
 * the fuzz corpus generator: one published message (RFC 7634 App. B) and
 * messages hand-assembled from the RFC 7296 figures.
 */
#ifndef ESPRIT_TESTS_IKE_VECTORS_H
#define ESPRIT_TESTS_IKE_VECTORS_H

#include <stddef.h>
#include <stdint.h>

struct ike_vec {
	const char *name;
	const uint8_t *msg;
	size_t len;
};

/* RFC 7634 Appendix B: INFORMATIONAL, SK{N(SET_WINDOW_SIZE)}, 69 octets. */
extern const uint8_t ike_vec_rfc7634_b[69];
/* ... its decrypted SK plaintext: inner payloads, then Pad Length 0. */
extern const uint8_t ike_vec_rfc7634_b_plain[13];

/* IKE_SA_INIT request: SA, KE, Ni, N(NAT_DETECTION_*), N(SIGNATURE_HASH_ALGORITHMS). */
extern const uint8_t ike_vec_sa_init[224];
/* IKE_AUTH request plaintext (inner chain): IDi, AUTH(14), CP, SA, TSi, TSr. */
extern const uint8_t ike_vec_auth_inner[];
extern const size_t ike_vec_auth_inner_len;
/* INFORMATIONAL request SK plaintext: D(ESP, 2 SPIs), D(IKE). */
extern const uint8_t ike_vec_delete_inner[];
extern const size_t ike_vec_delete_inner_len;
/* IKE_AUTH fragment 1 of 2 (RFC 7383): HDR, SKF. */
extern const uint8_t ike_vec_skf[];
extern const size_t ike_vec_skf_len;

/* All whole messages above (inner chains are wrapped as first-type octet
 * + chain, the fuzz target's second input form). */
extern const struct ike_vec ike_vecs[];
extern const unsigned ike_n_vecs;

#endif
