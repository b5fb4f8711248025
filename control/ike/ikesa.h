/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE SAs and Child SAs (RFC 7296 §1, §2.3, §2.8, §2.17): the state each
 * side keeps, the two state machines with their checked setters, message
 * ID windows, the cached last response and the retransmission state of
 * our outstanding request.
 */
#ifndef ESPRIT_IKE_IKESA_H
#define ESPRIT_IKE_IKESA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ike/ike_crypto.h"
#include "control/ike/ike_wire.h"
#include "dataplane/addr.h"
#include "dataplane/sa.h"

struct ike_engine;
struct ike_conn;
struct ike_ke;

enum ike_sa_limits {
	IKE_MSG_MAX     = 8192,  /* one IKE message, request or response */
	IKE_INIT_MAX    = 4096,  /* a kept IKE_SA_INIT message (§2.15) */
	IKE_CHILD_MAX   = 16,    /* Child SAs per IKE SA (rekeys and RFC 9611
				  * per-resource SAs included) */
	IKE_TASK_MAX    = 8,     /* queued requests per IKE SA */
	IKE_NONCE_LEN   = 32,    /* ours: >= half the PRF key size (§2.10) */
	IKE_REQ_DIGEST_LEN = 32, /* SHA-256 of a request, for §2.1 resends */
	IKE_RETRANS_BASE_MS = 500,
	IKE_RETRANS_TRIES   = 5, /* retransmissions before giving up */
	IKE_RETRY_BUSY_MS   = 2000, /* rekey again after TEMPORARY_FAILURE */
	IKE_FRAG_MAX    = 16,    /* fragments per message (RFC 7383) */
	IKE_FRAG_DATA   = 1536,  /* plaintext octets kept per received fragment */
	IKE_DGRAMS_MAX  = IKE_MSG_MAX + IKE_FRAG_MAX * 128, /* a message, fragmented */
};

/* One IKE message as sent: one datagram, or its RFC 7383 fragments. */
struct ike_dgrams {
	unsigned n;
	uint16_t len[IKE_FRAG_MAX];
	size_t total;
	uint8_t buf[IKE_DGRAMS_MAX];
};

/* A sent message kept by an SA for retransmission: only its octets. */
struct ike_sent {
	unsigned n;
	uint16_t len[IKE_FRAG_MAX];
	size_t total;
	uint8_t buf[];
};

/* An IKE endpoint: address and UDP port. */
struct ike_addr {
	struct esp_addr ip;
	uint16_t port;
};

/* -------------------------- IKE SA state -------------------------------- */

#define IKE_SA_STATES(X)                                                       \
	X(IDLE)          /* allocated, nothing sent */                         \
	X(INIT_SENT)     /* initiator: IKE_SA_INIT request out */              \
	X(INIT_DONE)     /* responder: IKE_SA_INIT answered (half-open) */     \
	X(AUTH_SENT)     /* initiator: IKE_AUTH request out */                 \
	X(ESTABLISHED)                                                         \
	X(REKEYING)      /* CREATE_CHILD_SA rekeying this IKE SA in flight */  \
	X(REKEYED)       /* replaced by a new IKE SA, to be deleted (§2.18) */ \
	X(DELETING)      /* our Delete of it is out */                         \
	X(DEAD)          /* to be freed, nothing more is sent */

enum ike_sa_state {
#define X(n) IKE_SA_##n,
	IKE_SA_STATES(X)
#undef X
	IKE_SA_STATE_MAX
};

/* --------------------------- Child SA state ----------------------------- */

#define IKE_CHILD_STATES(X)                                                   \
	X(FREE)                                                               \
	X(CREATING)      /* our IKE_AUTH / CREATE_CHILD_SA request is out */   \
	X(INSTALLED)                                                          \
	X(REKEYING)      /* our rekey of it is out */                          \
	X(REKEYED)       /* replaced; Delete pending (§2.8) */                 \
	X(DELETING)      /* our Delete of it is out */

enum ike_child_state {
#define X(n) IKE_CHILD_##n,
	IKE_CHILD_STATES(X)
#undef X
	IKE_CHILD_STATE_MAX
};

/* A traffic selector as esprit configures and installs it (one range). */
struct ike_ts {
	uint8_t family;       /* AF_INET / AF_INET6 */
	uint8_t proto;        /* 0 = any */
	uint16_t port_lo, port_hi;
	uint8_t start[16], end[16];
};

/* Negotiated ESP transforms. */
struct ike_esp_suite {
	uint16_t encr;        /* IKE_ENCR_AES_GCM_16(_IIV), IKE_ENCR_CHACHA20_POLY1305(_IIV) */
	uint16_t key_bits;
	uint16_t esn;
	uint16_t ke;          /* PFS method, 0 = none */
	uint16_t addke[7];    /* RFC 9370 additional methods in order, 0 = end */
};

/*
 * RFC 9370: additional key exchanges of one SA being set up, and their
 * shared secrets. IKE_SA_INIT: SK(n) go into the keys after each
 * IKE_INTERMEDIATE; CREATE_CHILD_SA: SK(0) | Ni | Nr | SK(1) | ... is
 * kept until the last IKE_FOLLOWUP_KE (§2.2.4).
 */
enum { IKE_MKE_MAX = 7, IKE_MKE_SECRETS = (1 + 7) * 384 + 2 * 256 };

struct ike_mke {
	uint16_t method[IKE_MKE_MAX];   /* the chosen ADDKE methods, NONE left out */
	uint8_t n, done;                /* how many; how many completed */
	struct ike_ke *ke;              /* ours of the running one */
	size_t secrets_len;             /* CREATE_CHILD_SA: SK(0) | Ni | Nr | SK(1).. */
	uint8_t *secrets;               /* IKE_MKE_SECRETS octets, allocated with the
					 * first (x_followup_ke.c), NULL otherwise */
};

/*
 * RFC 9370 §2.2.4: a CREATE_CHILD_SA whose additional key exchanges run in
 * IKE_FOLLOWUP_KE exchanges; nothing is installed before the last one.
 * k.secrets holds SK(0) | Ni | Nr | SK(1) | ... (sk0, ni, nr lengths).
 */
struct ike_followup {
	bool active;
	uint8_t task;                   /* IKE_TASK_CHILD_NEW / _CHILD_REKEY / _IKE_REKEY */
	int8_t child;                   /* slot of the Child SA being made, -1 */
	struct ike_mke k;
	uint16_t sk0_len, ni_len, nr_len;
	struct ike_suite suite;         /* IKE rekey: the new SA's transforms */
	uint64_t spi_i, spi_r;          /* IKE rekey: the new SA's SPIs */
	uint8_t link[32];               /* N(ADDITIONAL_KEY_EXCHANGE) data */
	uint8_t link_len;
	uint64_t deadline_ms;           /* responder: forget it after this */
	/* RFC 9867 §3.2: the PPK agreed in the CREATE_CHILD_SA; its SK_d'
	 * keys the new SA after the last IKE_FOLLOWUP_KE (wiped with f). */
	bool ppk;
	uint8_t ppk_d[IKE_KEY_PRF_MAX];
};

/* RFC 8784 §5.1: PPK_ID data octets we keep (Type octet not counted). */
enum { IKE_PPK_ID_MAX = 64 };

/* RFC 8784 PPK state of an IKE SA (control/ike/ppk.c). */
struct ike_ppk_sa {
	bool agreed;            /* both sides sent USE_PPK in IKE_SA_INIT */
	bool mixed;             /* initiator: keys mixed, the response not yet in */
	bool used;              /* SK_d (and so every Child SA) is PPK-protected */
	/* RFC 9867: USE_PPK_INT agreed; PPK_IDENTITY_KEY sent (initiator) or
	 * a matching one received, keys to switch after the response (responder). */
	bool int_agreed, int_sent, int_chosen;
	uint8_t id_type, id_len;
	uint8_t id[IKE_PPK_ID_MAX]; /* PPK_ID of the PPK used */
	/* Initiator: SK_d', SK_pi', SK_pr' (§3), for N(NO_PPK_AUTH) and the
	 * fallback, wiped once the IKE_AUTH response decides. */
	uint8_t d[IKE_KEY_PRF_MAX], pi[IKE_KEY_PRF_MAX], pr[IKE_KEY_PRF_MAX];
	/* RFC 9867 §3.2: a PPK agreed for the CREATE_CHILD_SA being handled;
	 * child_d = prf+(PPK, SK_d) replaces SK_d for its new SA's keys, and
	 * is wiped when the exchange is done (control/ike/ppk_child.c). */
	bool child_agreed, child_sent;
	bool child_rekeyed;     /* this IKE SA was rekeyed with such a PPK */
	uint8_t child_d[IKE_KEY_PRF_MAX];
};

struct ike_child {
	enum ike_child_state state;
	uint8_t cfg;          /* index of the child config in the conn */
	bool installed;       /* SAs are in the driver */
	bool owns_policy;     /* the outbound policy points at spi_out */
	int8_t rekey_of;      /* slot of the child this one replaces, -1 */
	bool transport;       /* USE_TRANSPORT_MODE agreed (§1.3.1), else tunnel */
	bool ppk;             /* keyed from SK_d' of a PPK (RFC 9867 §3.2) */
	int8_t replaced_by;   /* slot of the child that replaces this one, -1 */
	/* RFC 9611: one of its config's per-resource SAs, and (res_sends) one
	 * the policy of the SA that owns it lists, so that its worker sends
	 * with it. */
	bool per_resource, res_sends;
	uint16_t worker;      /* owner of its SAs in the dataplane */
	uint32_t spi_in, spi_out;     /* host order */
	uint32_t pol_id, pol_prio;
	struct ike_esp_suite suite;
	struct ike_ts ts_l, ts_r;     /* narrowed: local and remote side */
	/* Lowest nonce of the creating exchange, for §2.8.1 collisions: a
	 * heap copy of its length (up to 256 octets; NULL if none, or out
	 * of memory), freed by ike_child_remove(). */
	uint8_t *nonce_min;
	size_t nonce_min_len;
	uint64_t created_ms;
	uint64_t rekey_at_ms;  /* 0: no rekey timer */
};

/* What a queued or outstanding request is for. */
enum ike_task_type {
	IKE_TASK_NONE,
	IKE_TASK_INIT,          /* IKE_SA_INIT */
	IKE_TASK_AUTH,          /* IKE_AUTH (with child cfg, or childless) */
	IKE_TASK_CHILD_NEW,     /* CREATE_CHILD_SA, new Child SA */
	IKE_TASK_CHILD_REKEY,   /* CREATE_CHILD_SA + REKEY_SA */
	IKE_TASK_IKE_REKEY,     /* CREATE_CHILD_SA with an IKE proposal */
	IKE_TASK_CHILD_DELETE,  /* INFORMATIONAL, D(ESP) */
	IKE_TASK_IKE_DELETE,    /* INFORMATIONAL, D(IKE) */
	IKE_TASK_DPD,           /* empty INFORMATIONAL (§1.4, liveness) */
	IKE_TASK_INTERMEDIATE,  /* IKE_INTERMEDIATE (RFC 9242), one per ADDKE */
	IKE_TASK_FOLLOWUP_KE,   /* IKE_FOLLOWUP_KE (RFC 9370 §2.2.4) */
};

struct ike_task {
	uint8_t type;           /* enum ike_task_type */
	int8_t child;           /* child slot concerned, -1 */
	int8_t cfg;             /* child config to create, -1 */
	uint16_t ke;            /* PFS group the peer asked for (INVALID_KE), 0 */
};

struct ike_sa {
	/* The engine's table (satable.c): the chain of the SPIi hash
	 * bucket, and the list of all SAs in creation order. */
	struct ike_sa *h_next, *l_prev, *l_next;
	bool used;
	bool referenced;                /* another SA's rekey_new or moved_to */
	bool initiator;                 /* the original initiator (§2.2) */
	enum ike_sa_state state;
	uint64_t spi_i, spi_r;
	const struct ike_conn *conn;
	struct ike_addr local, remote;

	struct ike_suite suite;
	struct ike_keys keys;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	struct ike_ke *ke;              /* our pending key exchange */
	uint16_t ke_method;             /* what our KE payload uses */

	/* §2.15: both IKE_SA_INIT messages are signed by IKE_AUTH. Heap
	 * copies of their exact size (ike_sa_keep), NULL until kept. */
	uint8_t *init_req, *init_resp;
	size_t init_req_len, init_resp_len;
	uint8_t cookie[IKE_COOKIE_MAX]; /* §2.6: echoed by the initiator */
	size_t cookie_len;

	/* Message IDs (§2.3): window size 1 both ways. */
	uint32_t req_mid;               /* ID of our next request */
	uint32_t peer_mid;              /* ID of the peer's next request */

	/* Our outstanding request (§2.1): kept for retransmission. */
	struct {
		bool active;
		struct ike_task task;
		uint32_t mid;
		unsigned tries;
		uint64_t first_ms;      /* first sent */
		uint64_t next_ms;
		struct ike_sent *d;     /* compact copy (ike_sent_keep), or NULL */
	} out;
	/* The response to the peer's last request (§2.1: resent, not
	 * reprocessed, when the request comes again). */
	struct {
		bool valid;
		uint32_t mid;
		struct ike_sent *d;     /* compact copy (ike_sent_keep), or NULL */
		/* SHA-256 of the request it answers (its first datagram, i.e.
		 * fragment 1 when fragmented): only an identical copy is a
		 * retransmission, anything else would make us an amplifier. */
		uint8_t req_digest[IKE_REQ_DIGEST_LEN];
	} resp;
	uint8_t req_digest[IKE_REQ_DIGEST_LEN]; /* of the request being handled */
	/* RFC 7383 §2.6: fragments of one incoming message, decrypted. */
	struct {
		uint32_t mid;
		bool response;
		uint8_t first;          /* first inner payload (fragment 1) */
		uint8_t first_flags;    /* its C bit and RESERVED (RFC 9242 §3.3.2) */
		uint16_t total, got;
		uint32_t have;          /* bit k-1: fragment k received */
		uint16_t len[IKE_FRAG_MAX];
		/* Allocated with the first fragment, freed once reassembled. */
		uint8_t (*data)[IKE_FRAG_DATA];
	} frag;

	struct ike_task tasks[IKE_TASK_MAX];
	unsigned n_tasks;

	/* Peer capabilities and NAT (§2.23, RFC 7427 §4, RFC 7383, RFC 6023). */
	unsigned peer_hashes;           /* bit 1 << hash ID */
	bool peer_frag, peer_childless;
	bool nat_local, nat_remote;
	bool initial_contact;           /* the peer sent INITIAL_CONTACT */

	/* RFC 9242 IKE_INTERMEDIATE and RFC 9370 additional key exchanges
	 * of this IKE SA's setup (x_ike_intermediate.c). */
	bool peer_intermediate;         /* INTERMEDIATE_EXCHANGE_SUPPORTED */
	uint8_t n_int;                  /* IKE_INTERMEDIATE exchanges done */
	struct ike_mke mke;
	uint8_t intauth_i[IKE_KEY_PRF_MAX], intauth_r[IKE_KEY_PRF_MAX]; /* IntAuth_[i|r]N */
	uint32_t auth_mid;              /* Message ID of the first IKE_AUTH */
	/* RFC 9370 §2.2.4 IKE_FOLLOWUP_KE series (x_followup_ke.c): the one
	 * our CREATE_CHILD_SA started, the one the peer's started. */
	struct ike_followup fu_i, fu_r;
	uint8_t fu_not_found;           /* STATE_NOT_FOUND answers in a row */

	struct ike_ppk_sa ppk;          /* RFC 8784 */

	/* IKE SA rekey (§2.18). */
	struct ike_sa *rekey_new;       /* the new SA our rekey creates */
	struct ike_sa *moved_to;        /* where the Child SAs went (§2.18): answers
					 * to child exchanges still in flight on
					 * this SA act there */
	uint64_t rekey_spi;             /* our SPI in the new SA */
	uint8_t rekey_nonce[IKE_NONCE_MAX];
	size_t rekey_nonce_len;
	struct ike_ke *rekey_ke;

	/* Child rekey / new child scratch: our nonce of the outstanding
	 * CREATE_CHILD_SA and its key exchange (PFS). */
	uint8_t c_nonce[IKE_NONCE_MAX];
	size_t c_nonce_len;
	struct ike_ke *c_ke;

	struct ike_child child[IKE_CHILD_MAX];

	uint64_t created_ms, last_rx_ms, rekey_at_ms, keepalive_ms;
	/* RFC 9611: when to make the per-resource SAs of child config
	 * res_grow_cfg that our workers lack, the peer having made the
	 * group (0: no such timer; per_resource.c) */
	uint64_t res_grow_at_ms;
	uint8_t res_grow_cfg;
	uint64_t established_ms;        /* first ESTABLISHED, 0 before */
	unsigned transitions;           /* state changes (the setter counts) */
};

/* Names for logs. */
const char *ike_sa_state_name(enum ike_sa_state s);
const char *ike_child_state_name(enum ike_child_state s);

/* Is old -> new a legal transition? (the tables in ikesa.c) */
bool ike_sa_transition_ok(enum ike_sa_state from, enum ike_sa_state to);
bool ike_child_transition_ok(enum ike_child_state from, enum ike_child_state to);

/*
 * The one setter of each machine: checks the transition against the
 * table, logs "old -> new" with the SPIs, counts it. -EPERM (nothing
 * changes) when illegal.
 */
int ike_sa_set_state(struct ike_engine *e, struct ike_sa *sa, enum ike_sa_state to);
int ike_child_set_state(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
			enum ike_child_state to);

/* Child slots. */
struct ike_child *ike_child_alloc(struct ike_sa *sa);
int ike_child_slot(const struct ike_sa *sa, const struct ike_child *c);
struct ike_child *ike_child_by_spi_in(struct ike_sa *sa, uint32_t spi);
struct ike_child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi);

/*
 * Compact copies for the SA: @p len octets of @p buf into a heap block of
 * that size at *@p dst (the old one wiped and freed); 0 or -ENOMEM.
 */
int ike_sa_keep(uint8_t **dst, size_t *dst_len, const uint8_t *buf, size_t len);
/* A message as sent, with only its used octets (the old one freed). */
int ike_sent_keep(struct ike_sent **dst, const struct ike_dgrams *d);
/* Frees the SA's message copies and fragment buffer (wiped). */
void ike_sa_release_bufs(struct ike_sa *sa);

/* Task queue. */
int ike_task_push(struct ike_sa *sa, uint8_t type, int child, int cfg);
/* Ahead of the queue: the next exchange of a running sequence
 * (IKE_INTERMEDIATE before IKE_AUTH, IKE_FOLLOWUP_KE). */
int ike_task_push_front(struct ike_sa *sa, uint8_t type, int child, int cfg);
bool ike_task_pop(struct ike_sa *sa, struct ike_task *t);

#endif /* ESPRIT_IKE_IKESA_H */
