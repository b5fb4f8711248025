/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the IKE engine: the engine struct, the per-message context the
 * exchanges work on, the exchange table entry (the four steps of STYLE.md
 * rule 5), and the helpers the x_*.c files share. Not a public header.
 */
#ifndef ESPRIT_IKE_EXCHANGE_H
#define ESPRIT_IKE_EXCHANGE_H

#include <stdarg.h>

#include "control/ike/ike.h"
#include "control/ike/message.h"

struct ike_engine {
	struct ike_engine_ops ops;
	struct drv_ipsec *drv;
	struct ike_engine_cfg cfg;
	struct ike_conn *conn[IKE_CONN_MAX]; /* the configured connections */
	unsigned n_conn;
	/* Replaced or removed connections that IKE SAs still point at (conn.c);
	 * freed once none does. */
	struct ike_conn **retired;
	unsigned n_retired;
	/* IKE SAs (satable.c): SPIi hash chains and the list of all. */
	struct ike_sa **bucket;
	unsigned n_bucket;               /* a power of two */
	unsigned n_sa, n_half_open;      /* half-open: responder INIT_DONE (§2.6) */
	struct ike_sa *sa_head, *sa_tail;
	struct ike_sa_iter *iters;       /* ike_sa_each() walks in progress */
	uint64_t hash_key[2];            /* secret of the bucket hash */
	uint8_t cookie_secret[32];       /* §2.6: <secret> of the cookie hash */
	uint32_t next_pol_id;
	uint16_t next_worker;            /* the next Child SA's, in turn */
	struct ike_stats st;
	uint8_t rx[IKE_MSG_MAX];         /* received message, decrypted in place */
	struct ike_dgrams tx;            /* message being built (maybe fragmented) */
	uint8_t plain[IKE_MSG_MAX];      /* inner payloads being built */
	uint8_t reasm[IKE_MSG_MAX];      /* inner payloads of reassembled fragments */
};

/* A walk over the SAs that survives removals (satable.c). */
struct ike_sa_iter {
	struct ike_sa *next;
	struct ike_sa_iter *up;
};

/* One message being handled: what the four steps read and write. */
struct ike_xctx {
	struct ike_engine *e;
	struct ike_sa *sa;
	struct ike_task task;            /* initiator: what the request is for */
	const struct ike_msg *m;         /* received message, inner payloads indexed */
	struct ike_builder *mb;          /* payloads of the message being built */
	struct ike_addr local, remote;   /* where the message came from / goes */
	/* Responder: answer with only this error notify (§2.21). */
	uint16_t notify;
	uint8_t notify_data[IKE_COOKIE_MAX];
	size_t notify_len;
	bool stateless;                  /* responder: forget the SA once answered */
	bool resend;                     /* initiator: rebuild and resend (COOKIE, KE) */
	/* Responder scratch between r_process and r_build. */
	int child;                       /* child slot created, -1 */
	uint16_t child_err;              /* error notify about the child part */
	struct ike_sa *new_sa;           /* IKE rekey: the new SA */
	struct pld_proposal chosen;
	uint8_t nonce[IKE_NONCE_MAX];
	size_t nonce_len;
	struct ike_ke *ke;               /* freed by the engine after r_build */
	struct ike_followup *fu;         /* RFC 9370: the series this exchange started */
	uint16_t ke_method;              /* of x->ke (IKE_FOLLOWUP_KE) */
	uint32_t del_spi[16];            /* INFORMATIONAL: our SPIs deleted */
	unsigned n_del;
};

struct ike_exchange {
	uint8_t type;                    /* enum ike_exchange_type */
	bool encrypted;                  /* inner payloads in SK (§3.14) */
	int (*i_build)(struct ike_xctx *x);    /* initiator builds the request */
	int (*r_process)(struct ike_xctx *x);  /* responder processes it */
	int (*r_build)(struct ike_xctx *x);    /* responder builds the response */
	int (*i_process)(struct ike_xctx *x);  /* initiator processes the response */
	/* Optional: responder, once its response is sealed (the keys of
	 * RFC 9370 §2.2.2 change only after it). */
	void (*r_sent)(struct ike_xctx *x);
};

extern const struct ike_exchange ike_x_ike_sa_init;
extern const struct ike_exchange ike_x_ike_auth;
extern const struct ike_exchange ike_x_create_child;
extern const struct ike_exchange ike_x_informational;
extern const struct ike_exchange ike_x_ike_intermediate;

/* x_ike_intermediate.c: RFC 9242 §3.3.2, IntAuth_[i|r]n = prf(SK_p[i|r]n,
 * IntAuth_[i|r](n-1) | A | P) over a message we seal (no unencrypted
 * payloads; @p inner: P) or one we received and opened. */
int ike_intauth_sent(struct ike_sa *sa, uint8_t flags, uint32_t mid, uint8_t first,
		     const uint8_t *inner, size_t inner_len);
int ike_intauth_received(struct ike_sa *sa, const struct ike_msg *m);
/* RFC 9370 §2.2.2: the keys of @p sa after an additional key exchange
 * with shared secret @p sk. */
int ike_intermediate_keys(struct ike_sa *sa, const uint8_t *sk, size_t sk_len);
/* IKE_SA_INIT done: queue the IKE_INTERMEDIATE exchanges (initiator). */
int ike_intermediate_start(struct ike_engine *e, struct ike_sa *sa);

extern const struct ike_exchange ike_x_followup_ke;

/*
 * x_followup_ke.c, RFC 9370 §2.2.4. A CREATE_CHILD_SA with additional key
 * exchanges starts a series in @p f: SK(0) | Ni | Nr kept, the methods of
 * x->chosen, as initiator the responder's link (the next IKE_FOLLOWUP_KE
 * queued), as responder a new link (x->fu: r_build adds it; a series
 * still running is given up). 0, -EBUSY (initiator: one at a time),
 * -EBADMSG (initiator: no link).
 */
int ike_fu_start(struct ike_xctx *x, struct ike_followup *f, const struct pld_proposal *chosen,
		 uint8_t task, int child, const uint8_t *sk0, size_t sk0_len, const uint8_t *ni,
		 size_t ni_len, const uint8_t *nr, size_t nr_len);
/* N(ADDITIONAL_KEY_EXCHANGE) into the response, when x->fu says so. */
int ike_fu_add_link(struct ike_xctx *x);
/* Responder: forget a series whose next IKE_FOLLOWUP_KE never came. */
void ike_fu_expire(struct ike_engine *e, struct ike_sa *sa, uint64_t now);
/* Series over in @p f: @p ok, install / rekey; else undo (x_create_child.c). */
int ike_ccsa_finish_i(struct ike_xctx *x, struct ike_followup *f, bool ok, uint16_t err);
int ike_ccsa_finish_r(struct ike_engine *e, struct ike_sa *sa, struct ike_followup *f, bool ok,
		      struct ike_sa **new_sa);

/* ppk.c: RFC 8784 post-quantum preshared keys. */
/* IKE_SA_INIT: N(USE_PPK) into our message when we have a PPK for the
 * peer (initiator) / when both sides do (responder). */
int ike_ppk_init_add(struct ike_xctx *x, bool responder);
/* The peer's IKE_SA_INIT message: USE_PPK agreed? Initiator: -EPERM when
 * the PPK is mandatory and the responder did not answer USE_PPK. */
int ike_ppk_init_r(struct ike_xctx *x, const struct ike_conn *c, bool peer_intermediate);
int ike_ppk_init_i(struct ike_xctx *x, bool peer_intermediate);
/* RFC 9867: does the connection put its PPK in IKE_INTERMEDIATE? */
bool ike_ppk_int_wanted(const struct ike_conn *c);
/* Initiator, before its AUTH: SK_d, SK_pi, SK_pr mixed (un-mixed kept). */
int ike_ppk_auth_mix(struct ike_xctx *x);
/* Should the request carry N(NO_PPK_AUTH) (optional PPK)? */
bool ike_ppk_wants_no_ppk_auth(const struct ike_sa *sa);
/* Swaps the mixed SK_pi with the un-mixed SK_pi' (and back). */
void ike_ppk_swap(struct ike_sa *sa);
/* Initiator: N(PPK_IDENTITY) and, when given, N(NO_PPK_AUTH). */
int ike_ppk_auth_add_i(struct ike_xctx *x, const uint8_t *no_ppk_auth, size_t len);
/* Responder, before verifying AUTH (§3 Table 1): keys mixed when the
 * PPK_ID is ours; *use_no_ppk_auth when the AUTH data to verify is
 * @p no_ppk_auth's; -EPERM: AUTHENTICATION_FAILED. */
int ike_ppk_auth_r(struct ike_xctx *x, struct pld_notify *no_ppk_auth, bool *use_no_ppk_auth);
/* Responder: the empty N(PPK_IDENTITY) when the PPK is used. */
int ike_ppk_auth_add_r(struct ike_xctx *x);
/* Initiator, the response before its AUTH: PPK used, or the fallback to
 * the un-mixed keys; -EPERM when mandatory and not used. */
int ike_ppk_auth_i(struct ike_xctx *x);
/* IKE SA rekey: the new SA descends from a PPK-protected SK_d too. */
void ike_ppk_inherit(struct ike_sa *n, const struct ike_sa *old);

/* Is @p id (PPK_ID Type octet + data) @p p's? (constant time in the data) */
bool ike_ppk_id_is(const struct ike_ppk *p, const uint8_t *id, size_t len);

/* ppk_child.c: RFC 9867 §3.2, a PPK in CREATE_CHILD_SA. */
/* Initiator: N(PPK_IDENTITY_KEY) for the request whose nonce is @p ni. */
int ike_ppk_child_add_i(struct ike_xctx *x, const uint8_t *ni, size_t ni_len);
/* Initiator: the response's N(PPK_IDENTITY) decides; -EPERM when our
 * policy requires the PPK and the responder did not take it. */
int ike_ppk_child_i(struct ike_xctx *x);
/* Responder: a matching N(PPK_IDENTITY_KEY) in the request agrees the
 * PPK; -EPERM when required and none matches (NO_PROPOSAL_CHOSEN). */
int ike_ppk_child_r(struct ike_xctx *x);
/* Responder: N(PPK_IDENTITY) when agreed and used (no IKE_FOLLOWUP_KE). */
int ike_ppk_child_add_r(struct ike_xctx *x);
/* SK_d for the new SA's keys: SK_d' while a PPK is agreed, else SK_d. */
const uint8_t *ike_ppk_child_skd(const struct ike_sa *sa);
/* The exchange is done: SK_d' wiped, nothing agreed (each side's
 * processing of one exchange sets and ends it: they never interleave). */
void ike_ppk_child_done(struct ike_sa *sa);
/* RFC 9370 with it: SK_d' kept in @p f when its IKE_FOLLOWUP_KE series
 * starts, and back in place for the series' last derivation. */
void ike_ppk_child_keep(const struct ike_sa *sa, struct ike_followup *f);
void ike_ppk_child_resume(struct ike_sa *sa, const struct ike_followup *f);
/* The IKE SA @p n that rekeys @p old with a PPK agreed is PPK-protected. */
void ike_ppk_child_mark(struct ike_sa *n, const struct ike_sa *old);

/* ppk_int.c: RFC 9867 §3.1, the PPK in the last IKE_INTERMEDIATE. */
/* USE_PPK_INT agreed and PPK_IDENTITY_KEY not sent yet (one more
 * IKE_INTERMEDIATE is needed if no key exchange is left). */
bool ike_ppk_int_pending(const struct ike_sa *sa);
/* Initiator: N(PPK_IDENTITY_KEY) when this is the last IKE_INTERMEDIATE. */
int ike_ppk_int_add_i(struct ike_xctx *x);
/* Responder: a PPK_IDENTITY_KEY of ours with a good confirmation?
 * -EPERM: mandatory and none (AUTHENTICATION_FAILED). */
int ike_ppk_int_r(struct ike_xctx *x);
/* Responder: N(PPK_IDENTITY, PPK_ID) into the response. */
int ike_ppk_int_add_r(struct ike_xctx *x);
/* Responder, response sent: the PPK keys (§3.1.1). */
int ike_ppk_int_switch_r(struct ike_sa *sa);
/* Initiator, the response: the PPK keys, the optional fallback, or -EPERM. */
int ike_ppk_int_i(struct ike_xctx *x);

/* ike.c */
void ike_log(struct ike_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t ike_now(struct ike_engine *e);
void ike_rng(struct ike_engine *e, void *buf, size_t len);
uint64_t ike_spi_new(struct ike_engine *e);
/* Uninstalls every Child SA from the driver and frees the SA. */
void ike_sa_destroy(struct ike_engine *e, struct ike_sa *sa);
/* Sends the next queued request if none is outstanding. */
void ike_kick(struct ike_engine *e, struct ike_sa *sa);

/* satable.c: the IKE SA table. */
int ike_satable_init(struct ike_engine *e);
/* Destroys every SA, frees the table. */
void ike_satable_free(struct ike_engine *e);
/* A zeroed SA with SPIi @p spi_i (its hash key, never changed after),
 * in the table; NULL when out of memory. Limits are the caller's. */
struct ike_sa *ike_sa_new(struct ike_engine *e, uint64_t spi_i);
/* Out of the table (ike_sa_destroy does it). */
void ike_satable_remove(struct ike_engine *e, struct ike_sa *sa);
/* The hash chain (h_next) holding the SAs with SPIi @p spi_i. */
struct ike_sa *ike_sa_chain(const struct ike_engine *e, uint64_t spi_i);
/* Calls @p fn for every SA; @p fn may destroy any SA. */
typedef void (*ike_sa_each_fn)(struct ike_engine *e, struct ike_sa *sa, void *arg);
void ike_sa_each(struct ike_engine *e, ike_sa_each_fn fn, void *arg);
/* Is @p spi the SPIi of an SA? */
bool ike_spi_used(const struct ike_engine *e, uint64_t spi);
unsigned ike_half_open(const struct ike_engine *e);

/* conn.c: the connection table. */
const struct ike_conn *ike_conn_by_name(const struct ike_engine *e, const char *name);
/* Frees retired connections no IKE SA points at any more (from the tick). */
void ike_conns_gc(struct ike_engine *e);
void ike_conns_free(struct ike_engine *e);
const struct ike_conn *ike_conn_for(const struct ike_engine *e, const struct ike_addr *local,
				    const struct ike_addr *remote);

/* frag.c: IKE fragmentation (RFC 7383). */
/* Should this encrypted message of @p plen inner octets go in fragments? */
bool ike_frag_wanted(const struct ike_engine *e, const struct ike_sa *sa, uint8_t exchange,
		     size_t plen);
/* Seals @p plain as SKF fragments into @p d (header fields as given). */
int ike_frag_seal(struct ike_engine *e, struct ike_sa *sa, uint8_t exchange, uint8_t flags,
		  uint32_t mid, uint8_t first, const uint8_t *plain, size_t plen,
		  struct ike_dgrams *d);
/*
 * One received SKF message: verified, decrypted and kept. 0 when the
 * message is complete (its inner payloads indexed into @p m),
 * -EINPROGRESS while fragments are missing, -EACCES (ICV), -EBADMSG.
 */
int ike_frag_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, size_t len);

/* certreq.c: the credential to authenticate with (RFC 7296 §3.7): the
 * first of the connection's whose chain leads to a CA the peer's CERTREQ
 * names, else the first. @p auth_req: the IKE_AUTH request we answer
 * (responder), NULL for the initiator (CERTREQ of the IKE_SA_INIT reply). */
const struct ike_cred *ike_certreq_pick(struct ike_engine *e, const struct ike_sa *sa,
					const struct ike_msg *auth_req);

/* nat.c: RFC 7296 §2.23, an authenticated message from @p local/@p remote
 * (other than the SA's endpoints): follow the peer's new NAT mapping with
 * the IKE SA and its Child SAs, unless we are behind a NAT ourselves. */
void ike_nat_update(struct ike_engine *e, struct ike_sa *sa, const struct ike_addr *local,
		    const struct ike_addr *remote);

/* child.c: traffic selectors, ESP proposals, KEYMAT and the driver. */
void ike_ts_to_pld(const struct ike_ts *ts, struct pld_ts *p);
/* TSi then TSr (RFC 7296 §3.13): the initiator's side first. */
int ike_add_ts_pair(struct ike_builder *mb, const struct ike_ts *tsi, const struct ike_ts *tsr);
/* Narrowing (§2.9): the first non-empty intersection of ours with one of
 * the peer's selectors. 0 or -ENOENT. */
int ike_ts_narrow(const struct ike_ts *ours, const struct pld_ts *peer, struct ike_ts *out);
bool ike_ts_within(const struct ike_ts *inner, const struct ike_ts *outer);
int ike_esp_suite_from(const struct pld_proposal *p, struct ike_esp_suite *s);
/* Our ESP proposals (without KE transforms unless @p with_ke) into @p out,
 * or as an SA payload with SPI @p spi_in into @p sa. */
unsigned ike_esp_proposals(const struct ike_child_cfg *cc, bool with_ke,
			   struct ike_proposal *out);
void ike_esp_sa_payload(const struct ike_child_cfg *cc, uint32_t spi_in, bool with_ke,
			struct pld_sa *sa);
uint32_t ike_spi32(const struct pld_proposal *p);
/* KEYMAT (§2.17) and both SAs of @p c into the driver, inbound first.
 * @p outbound false: only the inbound SA (responder of a rekey, whose
 * outbound waits for the old SA's Delete). */
/* @p kx: the IKE SA the creating exchange ran on (its PRF and SK_d);
 * @p exch_initiator: we initiated that exchange (§2.17: its initiator's
 * outbound keys come first in KEYMAT). */
int ike_child_install(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
		      const struct ike_sa *kx, bool exch_initiator, const uint8_t *gir,
		      size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		      size_t nr_len);
/* @p c's selectors as its outbound policy's. */
int ike_child_policy_sel(const struct ike_child *c, struct spd_sel *sel);
/* Point the outbound policy at @p c (taking it from the child it replaces). */
int ike_child_take_policy(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c);
/* Removes both SAs and the policy it owns from the driver; slot freed. */
void ike_child_remove(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c);

/*
 * RFC 9611 per-resource Child SAs (per_resource.c). A child config with
 * per_resource asks for them when its first Child SA of an IKE SA is
 * made; when the peer agrees, the side that asked creates more, one at a
 * time, until each worker has one. The first owns the policy; the policy
 * lists every member's outbound SA and each worker sends with its own
 * (drivers/ipsec.h, res_spi). Rekeys keep an SA's worker.
 */
/* The worker of new child @p c (cfg, rekey_of and per_resource set), then
 * its inbound SPI, one of that worker's. */
int ike_child_place(struct ike_engine *e, const struct ike_sa *sa, struct ike_child *c);
/* N(SA_RESOURCE_INFO) in a request creating @p c, or in the answer that
 * makes it (a responder's @p c is per-resource when it agreed). */
int ike_res_add_notify(struct ike_builder *mb, const struct ike_child *c);
/* Responder: does the request ask for a per-resource SA of config @p cfg
 * that we give (*res)? 0, or the error to answer (TS_MAX_QUEUE). */
uint16_t ike_res_check_request(const struct ike_xctx *x, unsigned cfg, bool *res);
/* Initiator, before installing new child @p c: did the peer agree? The
 * first of a group is a plain Child SA when it did not. */
void ike_res_answered(const struct ike_xctx *x, const struct ike_sa *sa, struct ike_child *c);
/* After a new child's install: its traffic (the policy, or a place in
 * its group's), and the group's next SA queued while it lacks some. */
int ike_child_take_traffic(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
			   bool initiator);
/* The policy of config @p cfg's group brought up to date after one of
 * its SAs came or went (a new owner when its owner went). */
void ike_res_sync(struct ike_engine *e, struct ike_sa *sa, unsigned cfg);
/* The tick's part: a group the peer made, quiet for IKE_RES_GROW_MS,
 * gets the SAs our workers lack; true when a request was queued. */
bool ike_res_tick(struct ike_engine *e, struct ike_sa *sa, uint64_t now);
/* Fill @p pol's per-resource SAs from @p c's group (c included). */
void ike_res_fill(const struct ike_sa *sa, const struct ike_child *c, struct drv_policy *pol);
/* §1.3.1 USE_TRANSPORT_MODE: requested by the initiator when its config
 * says transport, echoed by a responder that agrees. */
int ike_add_mode(struct ike_builder *mb, const struct ike_child *c);
bool ike_wants_transport(const struct ike_msg *m);
/* The lowest of two nonces (for §2.8.1). */
void ike_nonce_min(struct ike_child *c, const uint8_t *a, size_t alen, const uint8_t *b,
		   size_t blen);
int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Shared payload steps. */
int ike_add_nonce(struct ike_builder *mb, const uint8_t *n, size_t len);
int ike_add_notify(struct ike_builder *mb, uint8_t proto, uint16_t type, const uint8_t *spi,
		   uint8_t spi_size, const void *data, size_t len);
/* The first payload of a type parsed, or -ENOENT / -EBADMSG. */
int ike_get_nonce(const struct ike_msg *m, struct pld_nonce *n);
int ike_get_sa(const struct ike_msg *m, struct pld_sa *sa);
int ike_get_ke(const struct ike_msg *m, struct pld_ke *ke);
int ike_get_ts(const struct ike_msg *m, uint8_t type, struct pld_ts *ts);
/* The first error notify in a response, 0 if none. */
uint16_t ike_error_notify(const struct ike_msg *m);

#endif /* ESPRIT_IKE_EXCHANGE_H */
