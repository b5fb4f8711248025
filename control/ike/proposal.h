/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proposals in a readable syntax (strongSwan's): "aes256gcm16-prfsha384-
 * x25519", "aes128-sha256-modp2048", "aes128gcm16-esn", several proposals
 * separated by commas; and the RFC 7296 §2.7 / §3.3.6 selection.
 */
#ifndef ESPRIT_IKE_PROPOSAL_H
#define ESPRIT_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stdint.h>

#include "control/ike/payload.h"

enum { IKE_PROP_XF_MAX = 24, IKE_PROPS_MAX = 8, IKE_ADDKE_MAX = 7 };

/* One proposal as a transform list (several IDs per type = alternatives). */
struct ike_proposal {
	uint8_t protocol_id;             /* IKE_PROTO_IKE or IKE_PROTO_ESP */
	uint8_t n;
	struct pld_transform xf[IKE_PROP_XF_MAX];
};

/*
 * Parses one proposal. @p protocol: IKE_PROTO_IKE or IKE_PROTO_ESP.
 * IKE: ENCR + PRF + KE, INTEG unless the cipher is an AEAD (no PRF given:
 * the one matching the integrity algorithm, else PRF_HMAC_SHA2_256).
 * ESP: an AEAD the dataplane runs (AES-GCM-16, ChaCha20-Poly1305, their
 * RFC 8750 IIV forms), optional KE (PFS), ESN (none given: "noesn").
 * Both: "ke1_mlkem768" .. "ke7_..." add ADDITIONAL_KEY_EXCHANGE_1..7
 * transforms ("keN_none": optional), RFC 9370; they need a KE.
 * 0, -EINVAL (unknown token or incomplete), -ENOTSUP (known, not for ESP).
 */
int ike_proposal_parse(const char *s, uint8_t protocol, struct ike_proposal *p);
/* "a,b,c": returns the number of proposals or -errno. */
int ike_proposals_parse(const char *s, uint8_t protocol, struct ike_proposal *p, unsigned max);

/* Removes every transform of @p type (e.g. KE from the SA of IKE_AUTH,
 * RFC 7296 §1.2). */
void ike_proposal_strip(struct ike_proposal *p, uint8_t type);

/* Does the proposal offer this transform? */
bool ike_proposal_has(const struct ike_proposal *p, uint8_t type, uint16_t id);

/* The first ID of a type, or -1. */
int ike_proposal_first(const struct ike_proposal *p, uint8_t type);

/*
 * Responder choice (RFC 7296 §2.7): the first of our proposals for which
 * some proposal of the peer offers, for every transform type either side
 * uses, a transform we accept. For the KE type @p prefer_ke (the peer's KE
 * payload) wins when acceptable. Fills @p out with one transform per type,
 * the peer's proposal number, protocol and SPI. 0 or -ENOENT.
 */
int ike_proposal_select(const struct pld_sa *peer, const struct ike_proposal *ours,
			unsigned n_ours, uint16_t prefer_ke, struct pld_proposal *out);

/*
 * The same, and RFC 9370 §2.2.1: @p addke_ok false (the peer did not
 * announce IKE_INTERMEDIATE) skips the peer's proposals that carry ADDKE
 * types. ADDKE types either side omits count as NONE; the choice never
 * holds one method twice.
 */
int ike_proposal_select_mke(const struct pld_sa *peer, const struct ike_proposal *ours,
			    unsigned n_ours, uint16_t prefer_ke, bool addke_ok,
			    struct pld_proposal *out);

/* ADDITIONAL_KEY_EXCHANGE_1..7 (RFC 9370 §3)? */
bool ike_xform_is_addke(uint8_t type);
bool ike_proposal_has_addke(const struct ike_proposal *p);
/* The chosen additional key exchange methods, NONE left out, in transform
 * type order (the order they run in); returns how many. */
unsigned ike_chosen_addke(const struct pld_proposal *p, uint16_t out[IKE_ADDKE_MAX]);

/* Our proposals as an SA payload body with @p spi (spi_size 0 = none). */
void ike_proposals_to_sa(const struct ike_proposal *p, unsigned n, const uint8_t *spi,
			 uint8_t spi_size, struct pld_sa *sa);

/* The transform of a type in a chosen (one per type) proposal, or NULL. */
const struct pld_transform *ike_chosen_xf(const struct pld_proposal *p, uint8_t type);

#endif /* ESPRIT_IKE_PROPOSAL_H */
