/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 payload bodies (RFC 7296 §3.3-§3.16 and extensions): parse and
 * build, side by side.
 *
 * Every parser takes the payload body (what follows the 4-octet generic
 * header, see message.h) and fills a caller-owned struct of fixed size.
 * Nothing is allocated: variable-length data (KE data, certificates,
 * notification data, labels...) is returned as pointer + length into the
 * message buffer, which must outlive the struct. Every builder writes the
 * body only; ike_msg_add_*() in message.h adds the generic header.
 *
 * Return values: 0, or a negative errno:
 *   -EBADMSG  malformed (the peer gets INVALID_SYNTAX, RFC 7296 §2.21)
 *   -E2BIG    well formed but beyond one of the limits below
 *   -ENOMSG   TSi/TSr holding a zero-length TS_SECLABEL: RFC 9478 §2.2
 *             says to ignore the whole TS payload (not a syntax error)
 *   -EINVAL   (builders) a struct that cannot be encoded
 *   -ENOSPC   (builders) the output buffer is full
 */
#ifndef ESPRIT_IKE_PAYLOAD_H
#define ESPRIT_IKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ike/cursor.h"
#include "control/ike/ike_wire.h"

/*
 * Limits of the bounded structs. They are local choices, not RFC limits:
 * 16 proposals x 32 transforms covers an initiator offering every
 * ENCR/PRF/INTEG/KE/ADDKE combination esprit supports with room to
 * spare; 16 selectors per TS payload and 32 CP attributes are far above
 * what road-warrior clients send. A payload beyond a limit gets -E2BIG.
 */
enum pld_limits {
	IKE_MAX_PROPOSALS  = 16,
	IKE_MAX_TRANSFORMS = 32,  /* per proposal */
	IKE_MAX_SPI_SIZE   = 8,   /* IKE SPI; AH/ESP use 4 (RFC 7296 §3.3.1) */
	IKE_MAX_TS         = 16,  /* per TSi/TSr payload */
	IKE_MAX_CP_ATTRS   = 32,
};

/* ------------------------- SA (RFC 7296 §3.3) ------------------------- */

enum pld_xf_flag {
	PLD_XF_KEY_LENGTH = 0x01, /* key_len holds a Key Length attribute */
	/*
	 * The transform carried an attribute other than one TV Key Length
	 * (unknown, TLV-encoded, or repeated). RFC 7296 §3.3.6: such a
	 * transform is unacceptable, but the payload is still valid.
	 */
	PLD_XF_UNACCEPTABLE = 0x02,
};

struct pld_transform {
	uint8_t  type;     /* enum ike_transform_type */
	uint8_t  flags;    /* enum pld_xf_flag */
	uint16_t id;       /* transform ID */
	uint16_t key_len;  /* bits; valid when PLD_XF_KEY_LENGTH */
};

struct pld_proposal {
	uint8_t  num;          /* Proposal Num */
	uint8_t  protocol_id;  /* enum ike_protocol_id */
	uint8_t  spi_size;     /* 0..IKE_MAX_SPI_SIZE */
	uint8_t  n_transforms;
	uint8_t  spi[IKE_MAX_SPI_SIZE];
	struct pld_transform xf[IKE_MAX_TRANSFORMS];
};

struct pld_sa {
	unsigned n_proposals;
	struct pld_proposal prop[IKE_MAX_PROPOSALS];
};

int pld_sa_parse(const uint8_t *body, size_t len, struct pld_sa *sa);
int pld_sa_build(struct ike_buf *b, const struct pld_sa *sa);

/* ------------------------- KE (RFC 7296 §3.4) ------------------------- */

struct pld_ke {
	uint16_t method;       /* enum ike_ke_method ("Diffie-Hellman Group Num") */
	const uint8_t *data;   /* key exchange data, >= 1 octet */
	size_t   len;
};

int pld_ke_parse(const uint8_t *body, size_t len, struct pld_ke *ke);
int pld_ke_build(struct ike_buf *b, const struct pld_ke *ke);

/* ------------------ IDi / IDr / IDg (RFC 7296 §3.5) ------------------- */

struct pld_id {
	uint8_t  type;         /* enum ike_id_type */
	const uint8_t *data;   /* IPv4: 4 octets, IPv6: 16, others opaque */
	size_t   len;
};

int pld_id_parse(const uint8_t *body, size_t len, struct pld_id *id);
int pld_id_build(struct ike_buf *b, const struct pld_id *id);

/* ---------------- CERT / CERTREQ (RFC 7296 §3.6, §3.7) ---------------- */

struct pld_cert {
	uint8_t  encoding;     /* enum ike_cert_encoding */
	const uint8_t *data;   /* certificate data / CA hashes (may be empty for CERTREQ) */
	size_t   len;
};

int pld_cert_parse(const uint8_t *body, size_t len, struct pld_cert *cert);
int pld_certreq_parse(const uint8_t *body, size_t len, struct pld_cert *req);
int pld_cert_build(struct ike_buf *b, const struct pld_cert *cert);

/* ----------------- AUTH (RFC 7296 §3.8; RFC 7427 §3) ------------------ */

struct pld_auth {
	uint8_t  method;       /* enum ike_auth_method */
	const uint8_t *data;   /* the whole Authentication Data */
	size_t   len;
	/*
	 * Method 14 (RFC 7427 §3): data = ASN.1 Length (1) | AlgorithmIdentifier
	 * (DER SEQUENCE) | Signature Value. Parsing splits it; NULL otherwise.
	 * Building with method 14 and alg_id != NULL writes the three parts
	 * from alg_id/sig and ignores data.
	 */
	const uint8_t *alg_id;
	size_t   alg_id_len;
	const uint8_t *sig;
	size_t   sig_len;
};

int pld_auth_parse(const uint8_t *body, size_t len, struct pld_auth *auth);
int pld_auth_build(struct ike_buf *b, const struct pld_auth *auth);

/* ----------------------- Nonce (RFC 7296 §3.9) ------------------------ */

struct pld_nonce {
	const uint8_t *data;   /* IKE_NONCE_MIN..IKE_NONCE_MAX octets */
	size_t   len;
};

int pld_nonce_parse(const uint8_t *body, size_t len, struct pld_nonce *n);
int pld_nonce_build(struct ike_buf *b, const struct pld_nonce *n);

/* ---------------------- Notify (RFC 7296 §3.10) ----------------------- */

struct pld_notify {
	uint8_t  protocol_id;  /* enum ike_protocol_id, 0 for IKE-SA notifies */
	uint8_t  spi_size;
	uint16_t type;         /* enum ike_notify_type */
	const uint8_t *spi;    /* spi_size octets, NULL when 0 */
	const uint8_t *data;   /* Notification Data, may be empty */
	size_t   len;
};

int pld_notify_parse(const uint8_t *body, size_t len, struct pld_notify *n);
int pld_notify_build(struct ike_buf *b, const struct pld_notify *n);
static inline bool pld_notify_is_error(const struct pld_notify *n)
{
	return n->type <= IKE_N_ERROR_MAX;
}

/*
 * Decoders for the Notification Data of the types esprit acts on. Each
 * checks n->type and returns -EINVAL for the wrong type, -EBADMSG for bad
 * data.
 */
/* INVALID_KE_PAYLOAD (RFC 7296 §1.2): the 2-octet accepted method. */
int pld_n_invalid_ke(const struct pld_notify *n, uint16_t *method);
/* UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 §2.5): the 1-octet payload type. */
int pld_n_unsupported_critical(const struct pld_notify *n, uint8_t *type);
/* SET_WINDOW_SIZE (RFC 7296 §2.3): 4-octet window size. */
int pld_n_window_size(const struct pld_notify *n, uint32_t *size);
/* SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4): 2-octet IDs; *count = how many
 * were received (only the first max are stored). */
int pld_n_hash_algs(const struct pld_notify *n, uint16_t *out, unsigned max,
		    unsigned *count);

/* REDIRECT / REDIRECTED_FROM (RFC 5685 §8, §9). */
struct pld_redirect {
	uint8_t  gw_type;      /* enum ike_gw_ident_type */
	const uint8_t *gw;     /* IPv4 4, IPv6 16, FQDN 1..255 octets */
	size_t   gw_len;
	const uint8_t *nonce;  /* REDIRECT in IKE_SA_INIT only; NULL if absent */
	size_t   nonce_len;
};
int pld_n_redirect_parse(const struct pld_notify *n, struct pld_redirect *r);
int pld_n_redirect_build(struct ike_buf *b, const struct pld_redirect *r);

/*
 * SUPPORTED_AUTH_METHODS (RFC 9593 §3.2): a list of announcements.
 * Iterate with a cursor over n->data; returns 1 and fills *a, 0 at the
 * end, -EBADMSG on a malformed blob.
 */
struct pld_auth_announce {
	uint8_t  method;
	uint8_t  cert_link;    /* 0 = any CA */
	const uint8_t *alg_id; /* method 14 only */
	size_t   alg_id_len;
};
int pld_n_auth_methods_next(struct ike_cur *c, struct pld_auth_announce *a);
int pld_n_auth_announce_build(struct ike_buf *b, const struct pld_auth_announce *a);

/* ---------------------- Delete (RFC 7296 §3.11) ----------------------- */

struct pld_delete {
	uint8_t  protocol_id;
	uint8_t  spi_size;     /* 0 for IKE, 4 for AH/ESP */
	uint16_t n_spis;
	const uint8_t *spis;   /* n_spis * spi_size octets */
};

int pld_delete_parse(const uint8_t *body, size_t len, struct pld_delete *d);
int pld_delete_build(struct ike_buf *b, const struct pld_delete *d);
/* The i-th SPI of a Delete with 4-octet SPIs, in host order. */
uint32_t pld_delete_spi32(const struct pld_delete *d, unsigned i);

/* --------- Vendor ID, EAP and other opaque bodies (§3.12, §3.16) ------ */

struct pld_data {
	const uint8_t *data;
	size_t   len;
};

int pld_vendor_parse(const uint8_t *body, size_t len, struct pld_data *v);
int pld_data_build(struct ike_buf *b, const struct pld_data *v);

/* -------------- TSi / TSr (RFC 7296 §3.13; RFC 9478) ------------------ */

struct pld_ts_sel {
	uint8_t  type;         /* enum ike_ts_type */
	uint8_t  ip_protocol;  /* 0 = any; "Reserved" for TS_SECLABEL */
	uint16_t start_port;
	uint16_t end_port;
	uint8_t  start[16];    /* IPv4 in start[0..3] */
	uint8_t  end[16];
	/*
	 * TS_SECLABEL: the security label (>= 1 octet). Unknown TS types:
	 * the raw selector after its 4-octet head, so the caller can skip
	 * it (RFC 9478 §5 discusses how legacy peers treat new types).
	 */
	const uint8_t *label;
	size_t   label_len;
};

struct pld_ts {
	unsigned n;
	struct pld_ts_sel ts[IKE_MAX_TS];
};

int pld_ts_parse(const uint8_t *body, size_t len, struct pld_ts *ts);
int pld_ts_build(struct ike_buf *b, const struct pld_ts *ts);

/* ----------------- SK (RFC 7296 §3.14), SKF (RFC 7383) ---------------- */

/*
 * Only the framing: data is IV | ciphertext | ICV, which the crypto
 * module splits. first_inner is the generic header's Next Payload, the
 * type of the first payload inside.
 */
struct pld_sk {
	uint8_t  first_inner;
	const uint8_t *data;
	size_t   len;
};

struct pld_skf {
	uint8_t  first_inner;  /* non-zero only in fragment 1 (RFC 7383 §2.5) */
	uint16_t number;       /* 1..total */
	uint16_t total;
	const uint8_t *data;   /* IV | ciphertext | ICV */
	size_t   len;
};

int pld_sk_parse(uint8_t next, const uint8_t *body, size_t len, struct pld_sk *sk);
int pld_skf_parse(uint8_t next, const uint8_t *body, size_t len, struct pld_skf *skf);

/* -------------------- CP (RFC 7296 §3.15; RFC 8598) ------------------- */

struct pld_cp_attr {
	uint16_t type;         /* enum ike_cp_attr_type, R bit stripped */
	uint16_t len;
	const uint8_t *value;  /* NULL when len == 0 */
};

struct pld_cp {
	uint8_t  cfg_type;     /* enum ike_cfg_type */
	unsigned n;
	struct pld_cp_attr attr[IKE_MAX_CP_ATTRS];
};

int pld_cp_parse(const uint8_t *body, size_t len, struct pld_cp *cp);
int pld_cp_build(struct ike_buf *b, const struct pld_cp *cp);

/* INTERNAL_DNSSEC_TA, non-empty form (RFC 8598 §4.2). */
struct pld_dnssec_ta {
	uint16_t key_tag;
	uint8_t  alg;
	uint8_t  digest_type;
	const uint8_t *digest; /* >= 1 octet, "presentation format" */
	size_t   digest_len;
};
int pld_cp_dnssec_ta(const struct pld_cp_attr *a, struct pld_dnssec_ta *ta);

#endif /* ESPRIT_IKE_PAYLOAD_H */
