/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine (RFC 7296): connections, IKE SAs, the message layer
 * (message IDs, retransmission, response cache, SK payload), dispatch of
 * each exchange to its x_*.c file, timers, and the Child SAs it installs
 * through the SA-programming driver.
 *
 * Single-threaded: the owner calls ike_engine_input() for each received
 * IKE datagram (without the RFC 3948 non-ESP marker) and ike_engine_tick()
 * periodically; replies leave through ops->send. Time and randomness come
 * from the ops so tests are deterministic.
 */
#ifndef ESPRIT_IKE_IKE_H
#define ESPRIT_IKE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ike/ikesa.h"
#include "control/ike/proposal.h"
#include "drivers/ipsec.h"

struct ike_engine;
struct ike_cred;
struct ike_trust;

/* Wireshark user tables a key log line belongs to (control/ike/keylog.c). */
enum ike_keylog_table { IKE_KEYLOG_IKEV2, IKE_KEYLOG_ESP };

struct ike_engine_ops {
	/* Send one IKE message from local to remote; 0 or -errno. */
	int (*send)(struct ike_engine *e, const struct ike_addr *local,
		    const struct ike_addr *remote, const uint8_t *buf, size_t len, void *arg);
	uint64_t (*now_ms)(void *arg);
	void (*rng)(uint8_t *buf, size_t len, void *arg);
	/* Optional log sink (NULL: silent). */
	void (*log)(const char *line, void *arg);
	/* Optional: one NAT-keepalive datagram (RFC 3948 §2.3: a single 0xFF
	 * octet, no non-ESP marker) from local to remote. NULL: none sent. */
	int (*keepalive)(struct ike_engine *e, const struct ike_addr *local,
			 const struct ike_addr *remote, void *arg);
	/* Optional, debugging only (NULL: off): one line of SECRET keys for
	 * Wireshark's @p table ("ikev2_decryption_table" / "esp_sa"), once per
	 * IKE SA key derivation and per installed ESP SA. */
	void (*keylog)(enum ike_keylog_table table, const char *line, void *arg);
	/* Optional: a dataplane lifetime event (read by ike_engine_tick) for an
	 * SA the engine did not install, e.g. a static SA of the configuration,
	 * whose owner must act on it. NULL: such events are dropped. */
	void (*foreign_event)(const struct esp_event *ev, void *arg);
	void *arg;
};

enum ike_conn_limits {
	IKE_ID_MAX = 255,
	IKE_PSK_MAX = 128,
	IKE_CONN_CHILD_MAX = 4,
	IKE_CONN_NAME_MAX = 32,
	IKE_CONN_MAX = 16,
	IKE_SA_MAX_DEFAULT = 65536,  /* IKE SAs when ike_engine_cfg.max_sas is 0 */
	IKE_CRED_MORE_MAX = 3,
	IKE_PPK_MAX = 128,      /* PPK octets */
};

/* A post-quantum preshared key (RFC 8784) and its PPK_ID. */
struct ike_ppk {
	uint8_t id_type;        /* IKE_PPK_ID_OPAQUE / IKE_PPK_ID_FIXED; 0: none */
	uint8_t id_len;
	uint8_t id[IKE_PPK_ID_MAX];
	uint8_t key[IKE_PPK_MAX];
	size_t key_len;
};

/* An identity (RFC 7296 §3.5): type and data (IPv4 4 octets, DN in DER...). */
struct ike_id {
	uint8_t type;           /* enum ike_id_type; 0 = any (remote only) */
	uint8_t len;
	uint8_t data[IKE_ID_MAX];
};

enum ike_auth_kind { IKE_AUTHK_PSK, IKE_AUTHK_PUBKEY };

struct ike_child_cfg {
	char name[IKE_CONN_NAME_MAX];
	struct ike_ts ts_l, ts_r;
	enum esp_mode mode;
	struct ike_proposal esp[IKE_PROPS_MAX];
	unsigned n_esp;
	uint64_t rekey_ms;      /* 0: no rekey timer */
	uint64_t lifetime_s;    /* hard lifetime handed to the dataplane, 0 = none */
	uint16_t replay_window; /* inbound, 0 = off */
	/* RFC 9611: per-resource Child SAs, an SA pair of each worker for
	 * these selectors, so one tunnel's packets are sent on every worker
	 * without a handoff (for links between gateways; not a default). */
	bool per_resource;
};

struct ike_conn {
	char name[IKE_CONN_NAME_MAX];
	struct ike_addr local, remote;   /* remote.ip.family 0: any peer */
	struct ike_id local_id, remote_id;
	enum ike_auth_kind auth;
	uint8_t psk[IKE_PSK_MAX];
	size_t psk_len;
	const struct ike_cred *cred;     /* PUBKEY: our key and chain */
	/* PUBKEY: more credentials (other CAs, key types); the peer's CERTREQ
	 * picks among cred and these (RFC 7296 §3.7, control/ike/certreq.c). */
	const struct ike_cred *cred_more[IKE_CRED_MORE_MAX];
	unsigned n_cred_more;
	const struct ike_trust *trust;   /* PUBKEY: CAs for the peer */
	struct ike_proposal ike[IKE_PROPS_MAX];
	unsigned n_ike;
	struct ike_child_cfg child[IKE_CONN_CHILD_MAX];
	unsigned n_child;
	uint64_t rekey_ms;      /* IKE SA rekey, 0 = none */
	uint64_t dpd_ms;        /* liveness check after this much silence, 0 = off */
	uint64_t dpd_timeout_ms;/* a request unanswered this long: the peer is dead
				 * (0: after IKE_RETRANS_TRIES retransmissions) */
	bool send_certreq;
	/* RFC 8784: the PPK used with this peer (ppk.id_type 0: none) and
	 * whether it is mandatory (no SA without it) or optional. */
	struct ike_ppk ppk;
	bool ppk_required;
	bool ppk_intermediate;  /* RFC 9867: the PPK in IKE_INTERMEDIATE instead */
	/* RFC 9867 §3.2: a (fresh) PPK mixed into the CREATE_CHILD_SA
	 * exchanges we start (ppk_child.id_type 0: none), and whether the
	 * peer's must carry one we have. */
	struct ike_ppk ppk_child;
	bool ppk_child_required;
};

/* Engine-wide settings. */
struct ike_engine_cfg {
	unsigned cookie_threshold;  /* half-open SAs before COOKIE (§2.6), 0 = always */
	unsigned half_open_max;     /* refuse beyond this many half-open SAs */
	unsigned max_sas;           /* IKE SAs at most (rekeys may go beyond
				     * while replacing one), 0 = IKE_SA_MAX_DEFAULT */
	uint16_t workers;           /* dataplane workers the Child SAs are spread
				     * over, each SA pair owned by one (0: 1) */
	uint16_t frag_size;         /* RFC 7383: largest datagram when the peer
				     * supports fragmentation, 0 = 1280 */
	uint32_t keepalive_ms;      /* NAT keepalive interval behind a NAT, 0 = 20 s */
};

/* Counters (for listings and tests). */
struct ike_stats {
	unsigned rx, tx, rx_dropped, rx_bad_auth, rx_bad_syntax, retransmits, resp_resent,
		cookies_sent, invalid_ke_sent, sa_transitions, child_transitions,
		children_installed, children_deleted, ike_rekeys, child_rekeys,
		collisions, give_ups, frags_sent, frags_rcvd, keepalives,
		nat_moves,          /* §2.23: followed the peer to a new address/port */
		nat_moves_refused,  /* ... not, being behind a NAT ourselves */
		half_open_drops,    /* IKE_SA_INIT dropped: half_open_max reached */
		sa_limit_drops;     /* IKE_SA_INIT dropped / initiation refused: max_sas */
};

struct ike_engine *ike_engine_new(const struct ike_engine_ops *ops, struct drv_ipsec *drv,
				  const struct ike_engine_cfg *cfg);
void ike_engine_free(struct ike_engine *e);

/* Adds a copy of @p c; 0, -EEXIST, -ENOSPC, -EINVAL, -ENOMEM. */
int ike_conn_add(struct ike_engine *e, const struct ike_conn *c);
/*
 * Configuration reload. ike_conn_update() replaces the connection named
 * c->name by a copy of @p c: new IKE SAs (initiated, or matched as
 * responder) use it. An established IKE SA of the old one with no exchange
 * in flight moves to it when every Child SA's child config still exists
 * by name (its next rekey and DPD then use the new settings; what is
 * installed stays as negotiated); one busy then moves when it is idle
 * (checked by the tick); one whose child configs are gone keeps the old
 * settings until it ends. ike_conn_del() removes a connection from matching and initiation;
 * its IKE SAs keep running (and can be terminated) until they end. Old
 * versions are freed when no IKE SA points at them. 0, -ENOENT, -EINVAL,
 * -ENOMEM.
 */
int ike_conn_update(struct ike_engine *e, const struct ike_conn *c);
int ike_conn_del(struct ike_engine *e, const char *name);
/* The connection named @p name as configured now, or NULL. */
const struct ike_conn *ike_conn_get(const struct ike_engine *e, const char *name);
/* Every configured connection, in configuration order (listings). */
typedef void (*ike_conn_visit_fn)(const struct ike_conn *c, void *arg);
void ike_conn_foreach(const struct ike_engine *e, ike_conn_visit_fn fn, void *arg);

/* A received IKE message: 0 when handled, -errno when dropped. */
int ike_engine_input(struct ike_engine *e, const struct ike_addr *local,
		     const struct ike_addr *remote, const uint8_t *buf, size_t len);
/* Timers: retransmission, DPD, rekey, dataplane lifetime events. */
void ike_engine_tick(struct ike_engine *e);

/* Start an IKE SA for @p conn with child config @p child (NULL: childless,
 * RFC 6023). */
int ike_initiate(struct ike_engine *e, const char *conn, const char *child);
/* CREATE_CHILD_SA for another child config on an established IKE SA. */
int ike_create_child(struct ike_engine *e, struct ike_sa *sa, const char *child);
/* Rekey the Child SA with inbound SPI @p spi_in (§2.8). */
int ike_rekey_child(struct ike_engine *e, uint32_t spi_in);
/* Rekey the IKE SA (§2.18). */
int ike_rekey_ike(struct ike_engine *e, struct ike_sa *sa);
/* Delete the Child SA with inbound SPI @p spi_in, or a whole IKE SA. */
int ike_delete_child(struct ike_engine *e, uint32_t spi_in);
int ike_delete(struct ike_engine *e, struct ike_sa *sa);

/* Read-only access for listings. */
typedef void (*ike_sa_visit_fn)(const struct ike_sa *sa, void *arg);
void ike_sa_foreach(const struct ike_engine *e, ike_sa_visit_fn fn, void *arg);
struct ike_sa *ike_sa_find(struct ike_engine *e, uint64_t spi_i, uint64_t spi_r);
/* The first IKE SA of a connection that is not DEAD/REKEYED, or NULL. */
struct ike_sa *ike_sa_by_conn(struct ike_engine *e, const char *conn);
unsigned ike_sa_count(const struct ike_engine *e);
/* The configured maximum of IKE SAs. */
unsigned ike_sa_max(const struct ike_engine *e);
/* Responder IKE SAs answered but not authenticated (RFC 7296 §2.6). */
unsigned ike_sa_half_open(const struct ike_engine *e);
const struct ike_stats *ike_engine_stats(const struct ike_engine *e);

/* "10.1.0.0/24" (optionally ":proto:lo-hi" is not supported) to a TS. */
int ike_ts_parse(const char *cidr, struct ike_ts *ts);

#endif /* ESPRIT_IKE_IKE_H */
