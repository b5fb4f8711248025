/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 message level (RFC 7296 §3.1, §3.2, §2.5): parse the header and
 * index the payload chain; build a message payload by payload.
 *
 * Parsing copies nothing: the index points into the caller's buffer,
 * which must outlive the struct ike_msg. The payload bodies are decoded
 * on demand with the pld_*_parse() functions of payload.h.
 */
#ifndef ESPRIT_IKE_MESSAGE_H
#define ESPRIT_IKE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ike/cursor.h"
#include "control/ike/ike_wire.h"
#include "control/ike/payload.h"

enum ike_msg_limits {
	/* Payloads indexed per message, outer and inner together. */
	IKE_MAX_PAYLOADS = 64,
};

/* One entry of the payload index. */
struct ike_pld_ref {
	const uint8_t *body;   /* after the generic header */
	uint16_t body_len;
	uint8_t  type;         /* enum ike_payload_type */
	uint8_t  next;         /* Next Payload as received (SK/SKF: first inner) */
	bool     critical;
	bool     inner;        /* from ike_msg_parse_inner() */
	uint32_t off;          /* offset of the generic header in its buffer */
};

struct ike_msg {
	const uint8_t *buf;
	size_t   len;
	/* IKE header (§3.1); filled as far as the buffer allows, even on error. */
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t  first_payload;
	uint8_t  version;      /* MjVer << 4 | MnVer */
	uint8_t  exchange_type;
	uint8_t  flags;        /* I, V, R only (reserved bits dropped) */
	uint32_t message_id;
	uint32_t length;
	/* Payload index. */
	unsigned n;
	struct ike_pld_ref pld[IKE_MAX_PAYLOADS];
	int      sk;           /* index of the SK or SKF payload, -1 if none */
	unsigned n_skipped;    /* unknown non-critical payloads skipped (§2.5) */
	/* The decrypted inner payloads as a whole (ike_msg_parse_inner). */
	const uint8_t *inner;
	size_t   inner_len;
	/*
	 * When parsing fails: the notify type the error maps to (0 if the
	 * message should just be dropped) and, for UNSUPPORTED_CRITICAL_PAYLOAD,
	 * the offending payload type (its Notification Data, §2.5).
	 */
	uint16_t err_notify;
	uint8_t  err_payload;
};

/*
 * Parses one datagram (or one TCP-framed message without its length and
 * marker, RFC 9329 §3). Returns:
 *   0                 header and payload chain are well formed
 *   -EBADMSG          INVALID_SYNTAX: short header, Length != len, payload
 *                     length < 4 or past the end, trailing octets, SK/SKF
 *                     not last
 *   -EPROTONOSUPPORT  major version != 2 (err_notify INVALID_MAJOR_VERSION
 *                     when it is higher, §2.5; lower ones are dropped)
 *   -EOPNOTSUPP       unknown payload with the critical bit;
 *                     err_notify UNSUPPORTED_CRITICAL_PAYLOAD, err_payload
 *   -E2BIG            more than IKE_MAX_PAYLOADS payloads
 */
int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *m);

/*
 * Indexes the inner payloads of the decrypted SK payload (or of the
 * reassembled SKF fragments): pt holds the plaintext payloads only, with
 * padding and Pad Length removed; first is the SK/SKF Next Payload. The
 * entries are appended with inner = true and off relative to pt. Same
 * errors as ike_msg_parse(); a nested SK/SKF is -EBADMSG.
 */
int ike_msg_parse_inner(struct ike_msg *m, uint8_t first, const uint8_t *pt, size_t len);

/* Payload types this codec understands (others are "unknown" for §2.5). */
bool ike_payload_known(uint8_t type);

/* First payload of a type, or the one after prev; NULL when none. */
const struct ike_pld_ref *ike_msg_find(const struct ike_msg *m, uint8_t type);
const struct ike_pld_ref *ike_msg_find_next(const struct ike_msg *m,
					    const struct ike_pld_ref *prev);
unsigned ike_msg_count(const struct ike_msg *m, uint8_t type);

/*
 * Notify iteration: start with *iter = 0. Returns 1 and fills *n, 0 when
 * there are no more, or -EBADMSG on a malformed notify.
 */
int ike_msg_notify_next(const struct ike_msg *m, unsigned *iter, struct pld_notify *n);
/* The first notify of a type: 0, -ENOENT, or -EBADMSG. */
int ike_msg_find_notify(const struct ike_msg *m, uint16_t type, struct pld_notify *n);

/* ------------------------------ builder ------------------------------- */

struct ike_builder {
	struct ike_buf b;
	size_t   np_at;        /* Next Payload octet the next payload patches */
	size_t   pld_at;       /* start of the open payload, SIZE_MAX if none */
	uint8_t  first;        /* type of the first payload added */
	bool     has_hdr;      /* false for an inner chain */
	bool     sealed;       /* SK/SKF added: it must be last (§3.14) */
	int      err;          /* sticky: first error of any step */
};

/* Starts a message: writes the IKE header (version 2.0, Length patched by end). */
int ike_msg_begin(struct ike_builder *mb, uint8_t *buf, size_t cap,
		  uint64_t spi_i, uint64_t spi_r, uint8_t exchange_type,
		  uint8_t flags, uint32_t message_id);
/* Starts an inner payload chain (the plaintext of SK); mb->first gives its
 * first type for the SK header. */
void ike_chain_begin(struct ike_builder *mb, uint8_t *buf, size_t cap);

/* Open a payload (generic header written, chained), write its body into
 * &mb->b, close it (Payload Length patched). */
int ike_msg_payload_begin(struct ike_builder *mb, uint8_t type, bool critical);
int ike_msg_payload_end(struct ike_builder *mb);

int ike_msg_add_raw(struct ike_builder *mb, uint8_t type, bool critical,
		    const uint8_t *body, size_t len);
int ike_msg_add_sa(struct ike_builder *mb, const struct pld_sa *sa);
int ike_msg_add_ke(struct ike_builder *mb, const struct pld_ke *ke);
/* type: IKE_PLD_IDi, IKE_PLD_IDr or IKE_PLD_IDg */
int ike_msg_add_id(struct ike_builder *mb, uint8_t type, const struct pld_id *id);
/* type: IKE_PLD_CERT or IKE_PLD_CERTREQ */
int ike_msg_add_cert(struct ike_builder *mb, uint8_t type, const struct pld_cert *c);
int ike_msg_add_auth(struct ike_builder *mb, const struct pld_auth *a);
int ike_msg_add_nonce(struct ike_builder *mb, const struct pld_nonce *n);
int ike_msg_add_notify(struct ike_builder *mb, const struct pld_notify *n);
int ike_msg_add_delete(struct ike_builder *mb, const struct pld_delete *d);
int ike_msg_add_vendor(struct ike_builder *mb, const struct pld_data *v);
/* type: IKE_PLD_TSi or IKE_PLD_TSr */
int ike_msg_add_ts(struct ike_builder *mb, uint8_t type, const struct pld_ts *ts);
int ike_msg_add_cp(struct ike_builder *mb, const struct pld_cp *cp);
int ike_msg_add_eap(struct ike_builder *mb, const struct pld_data *eap);

/*
 * SK (§3.14) / SKF (RFC 7383 §2.5): reserves body_len octets (IV |
 * ciphertext | ICV) for the crypto module to fill in place after
 * ike_msg_end() has fixed the header Length (part of the AEAD AAD).
 * Nothing may be added after it.
 */
int ike_msg_add_sk(struct ike_builder *mb, uint8_t first_inner, size_t body_len,
		   uint8_t **body);
int ike_msg_add_skf(struct ike_builder *mb, uint8_t first_inner, uint16_t number,
		    uint16_t total, size_t body_len, uint8_t **body);

/* Patches the IKE header Length; *len = octets written. */
int ike_msg_end(struct ike_builder *mb, size_t *len);

#endif /* ESPRIT_IKE_MESSAGE_H */
