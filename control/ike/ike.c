/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine: connections, the IKE SA table, the message layer of
 * RFC 7296 §2.1-§2.3 (message IDs with window 1, retransmission with
 * exponential backoff and give-up, the response cache), the SK payload
 * (§3.14), dispatch of each exchange type to its four steps, and timers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "control/ike/exchange.h"
#include "control/ike/keylog.h"
#include "control/ikecrypto/ke.h"

static const struct ike_exchange *const exchanges[] = {
	&ike_x_ike_sa_init, &ike_x_ike_auth, &ike_x_create_child, &ike_x_informational,
	&ike_x_ike_intermediate, &ike_x_followup_ke,
};

static const struct ike_exchange *exchange_of(uint8_t type)
{
	for (unsigned i = 0; i < sizeof(exchanges) / sizeof(exchanges[0]); i++)
		if (exchanges[i]->type == type)
			return exchanges[i];
	return NULL;
}

static uint8_t task_exchange(uint8_t task)
{
	switch (task) {
	case IKE_TASK_INIT:
		return IKE_EXCH_IKE_SA_INIT;
	case IKE_TASK_AUTH:
		return IKE_EXCH_IKE_AUTH;
	case IKE_TASK_CHILD_NEW:
	case IKE_TASK_CHILD_REKEY:
	case IKE_TASK_IKE_REKEY:
		return IKE_EXCH_CREATE_CHILD_SA;
	case IKE_TASK_INTERMEDIATE:
		return IKE_EXCH_IKE_INTERMEDIATE;
	case IKE_TASK_FOLLOWUP_KE:
		return IKE_EXCH_IKE_FOLLOWUP_KE;
	default:
		return IKE_EXCH_INFORMATIONAL;
	}
}

/* ------------------------------ basics ---------------------------------- */

void ike_log(struct ike_engine *e, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (e->ops.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	e->ops.log(line, e->ops.arg);
}

uint64_t ike_now(struct ike_engine *e)
{
	return e->ops.now_ms(e->ops.arg);
}

void ike_rng(struct ike_engine *e, void *buf, size_t len)
{
	e->ops.rng(buf, len, e->ops.arg);
}

uint64_t ike_spi_new(struct ike_engine *e)
{
	uint64_t spi = 0;

	/* §2.6: SPIs are non-zero; ours do not repeat an SPIi of the table
	 * (an SPIr of ours repeating would take a 64-bit random collision). */
	while (spi == 0 || ike_spi_used(e, spi))
		ike_rng(e, &spi, sizeof(spi));
	return spi;
}

struct ike_engine *ike_engine_new(const struct ike_engine_ops *ops, struct drv_ipsec *drv,
				  const struct ike_engine_cfg *cfg)
{
	struct ike_engine *e;

	if (ops == NULL || ops->send == NULL || ops->now_ms == NULL || ops->rng == NULL ||
	    drv == NULL) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->ops = *ops;
	e->drv = drv;
	if (cfg != NULL)
		e->cfg = *cfg;
	else
		e->cfg = (struct ike_engine_cfg){ .cookie_threshold = 16, .half_open_max = 1024 };
	/* Above the ids of the configuration's policies (1..n, gw_program_config()). */
	e->next_pol_id = 1u << 24;
	ike_rng(e, e->cookie_secret, sizeof(e->cookie_secret));
	if (ike_satable_init(e) != 0) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	return e;
}

void ike_engine_free(struct ike_engine *e)
{
	if (e == NULL)
		return;
	ike_satable_free(e);
	ike_conns_free(e);
	explicit_bzero(e, sizeof(*e));
	free(e);
}

/* ------------------------------ SA table -------------------------------- */

void ike_sa_destroy(struct ike_engine *e, struct ike_sa *sa)
{
	/* one policy snapshot for all its Child SAs going (a per-resource
	 * group would otherwise republish its policy once a member) */
	(void)drv_policy_batch(e->drv, true);
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state != IKE_CHILD_FREE)
			ike_child_remove(e, sa, &sa->child[i]);
	(void)drv_policy_batch(e->drv, false);
	if (sa->state != IKE_SA_DEAD)
		(void)ike_sa_set_state(e, sa, IKE_SA_DEAD);
	ike_ke_free(sa->ke);
	ike_ke_free(sa->rekey_ke);
	ike_ke_free(sa->c_ke);
	ike_ke_free(sa->mke.ke);
	ike_ke_free(sa->fu_i.k.ke);
	ike_ke_free(sa->fu_r.k.ke);
	/* Only an SA made by a rekey is pointed at by another. */
	for (struct ike_sa *o = sa->referenced ? e->sa_head : NULL; o != NULL; o = o->l_next) {
		if (o->rekey_new == sa)
			o->rekey_new = NULL;
		if (o->moved_to == sa)
			o->moved_to = NULL;
	}
	ike_satable_remove(e, sa);
	ike_sa_release_bufs(sa);
	/* One place wipes every secret of the SA: keys, nonces, KE state. */
	ike_crypto_keys_wipe(&sa->keys);
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}

const struct ike_stats *ike_engine_stats(const struct ike_engine *e)
{
	return &e->st;
}

/* --------------------------- message output ----------------------------- */

static int send_dgrams(struct ike_engine *e, const struct ike_addr *local,
		       const struct ike_addr *remote, const struct ike_dgrams *d)
{
	size_t off = 0;
	int rc = 0;

	for (unsigned i = 0; i < d->n; i++) {
		int r = e->ops.send(e, local, remote, d->buf + off, d->len[i], e->ops.arg);

		if (r != 0 && rc == 0)
			rc = r;
		off += d->len[i];
		e->st.tx++;
	}
	return rc;
}

static int send_sent(struct ike_engine *e, const struct ike_addr *local,
		     const struct ike_addr *remote, const struct ike_sent *s)
{
	size_t off = 0;
	int rc = 0;

	for (unsigned i = 0; s != NULL && i < s->n; i++) {
		int r = e->ops.send(e, local, remote, s->buf + off, s->len[i], e->ops.arg);

		if (r != 0 && rc == 0)
			rc = r;
		off += s->len[i];
		e->st.tx++;
	}
	return rc;
}

static int one_dgram(struct ike_dgrams *d, size_t len)
{
	d->n = 1;
	d->len[0] = (uint16_t)len;
	d->total = len;
	return 0;
}

/*
 * Builds one message of @p ex into e->tx: the step's payloads, wrapped in
 * SK for every exchange but IKE_SA_INIT (§3.14), or in SKF fragments when
 * too large for the path (RFC 7383).
 */
static int build(struct ike_xctx *x, const struct ike_exchange *ex, bool response,
		 uint32_t mid, int (*step)(struct ike_xctx *x))
{
	struct ike_engine *e = x->e;
	struct ike_sa *sa = x->sa;
	uint8_t flags = (sa->initiator ? IKE_HDR_FLAG_INITIATOR : 0) |
			(response ? IKE_HDR_FLAG_RESPONSE : 0);
	uint8_t *tx = e->tx.buf;
	struct ike_builder mb, inner;
	uint8_t iv[16], *body;
	size_t len, aad;
	long n;
	int rc;

	if (!ex->encrypted || (x->notify != 0 && sa->state == IKE_SA_IDLE)) {
		rc = ike_msg_begin(&mb, tx, IKE_MSG_MAX, sa->spi_i, sa->spi_r, ex->type, flags, mid);
		x->mb = &mb;
		if (rc == 0)
			rc = x->notify != 0 ? ike_add_notify(&mb, 0, x->notify, NULL, 0,
							     x->notify_data, x->notify_len)
					    : step(x);
		if (rc == 0)
			rc = ike_msg_end(&mb, &len);
		x->mb = NULL;
		return rc != 0 ? rc : one_dgram(&e->tx, len);
	}
	ike_keylog_sa(e, sa);
	ike_chain_begin(&inner, e->plain, sizeof(e->plain));
	x->mb = &inner;
	rc = x->notify != 0 ? ike_add_notify(&inner, 0, x->notify, NULL, 0, x->notify_data,
					     x->notify_len)
			    : step(x);
	x->mb = NULL;
	if (rc == 0)
		rc = inner.err;
	/* RFC 9242 §3.3.2: IntAuth over the message before encryption and
	 * fragmentation, with the keys that protect it. */
	if (rc == 0 && ex->type == IKE_EXCH_IKE_INTERMEDIATE)
		rc = ike_intauth_sent(sa, flags, mid, inner.first, e->plain, inner.b.len);
	if (rc != 0)
		goto out;
	if (ike_frag_wanted(e, sa, ex->type, inner.b.len)) {
		rc = ike_frag_seal(e, sa, ex->type, flags, mid, inner.first, e->plain, inner.b.len,
				   &e->tx);
		goto out;
	}
	rc = ike_msg_begin(&mb, tx, IKE_MSG_MAX, sa->spi_i, sa->spi_r, ex->type, flags, mid);
	if (rc == 0)
		rc = ike_msg_add_sk(&mb, inner.first,
				    ike_crypto_sk_body_len(&sa->suite, inner.b.len), &body);
	if (rc == 0)
		rc = ike_msg_end(&mb, &len);
	if (rc != 0)
		goto out;
	aad = (size_t)(body - tx);
	ike_rng(e, iv, sizeof(iv));
	n = ike_crypto_sk_seal(&sa->suite, sa->initiator ? sa->keys.ei : sa->keys.er,
			       sa->initiator ? sa->keys.ai : sa->keys.ar, iv, tx, aad, e->plain,
			       inner.b.len, IKE_MSG_MAX);
	rc = n < 0 ? (int)n : one_dgram(&e->tx, (size_t)n);
out:
	/* The plaintext held keys' worth of secrets (AUTH, nonces). */
	explicit_bzero(e->plain, sizeof(e->plain));
	return rc;
}

/* Sends our next request: the task's exchange, i_build. */
static int send_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_task *t)
{
	const struct ike_exchange *ex = exchange_of(task_exchange(t->type));
	struct ike_xctx x = { .e = e, .sa = sa, .task = *t, .child = -1,
			      .local = sa->local, .remote = sa->remote };
	int rc = build(&x, ex, false, sa->req_mid, ex->i_build);

	if (rc != 0) {
		ike_log(e, "IKE SA %016llx_i: building %s request failed: %d",
			(unsigned long long)sa->spi_i, ike_exchange_name(ex->type), rc);
		return rc;
	}
	if (ex->type == IKE_EXCH_IKE_SA_INIT) {
		if (e->tx.total > IKE_INIT_MAX)
			return -EMSGSIZE;
		/* RFC 7383 §2.5: IKE_SA_INIT is never fragmented by IKE
		 * (ML-KEM-1024 alone makes ~1.7 KB): say so when it exceeds
		 * the fragment size; the IP layer fragments it (ike_punt.c). */
		if (e->tx.total + 48 > (e->cfg.frag_size != 0 ? e->cfg.frag_size : 1280u))
			ike_log(e, "IKE SA %016llx_i: IKE_SA_INIT of %zu octets exceeds the "
				"fragment size; RFC 7383 cannot split it, so it may go in IP "
				"fragments", (unsigned long long)sa->spi_i, e->tx.total);
		rc = ike_sa_keep(&sa->init_req, &sa->init_req_len, e->tx.buf, e->tx.total);
		if (rc != 0)
			return rc;
	}
	rc = ike_sent_keep(&sa->out.d, &e->tx);
	if (rc != 0)
		return rc;
	sa->out.active = true;
	sa->out.task = x.task;  /* i_build may have filled in the child slot */
	sa->out.mid = sa->req_mid;
	sa->out.tries = 0;
	sa->out.first_ms = ike_now(e);
	sa->out.next_ms = sa->out.first_ms + IKE_RETRANS_BASE_MS;
	return send_sent(e, &sa->local, &sa->remote, sa->out.d);
}

void ike_kick(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_task t;

	while (!sa->out.active && sa->state != IKE_SA_DEAD && ike_task_pop(sa, &t))
		if (send_request(e, sa, &t) == 0)
			break;
}

/* ---------------------------- message input ----------------------------- */

/* §2.6, §2.7: the SA an incoming message belongs to. */
static struct ike_sa *lookup(struct ike_engine *e, const struct ike_msg *m,
			     const struct ike_addr *remote, bool response)
{
	for (struct ike_sa *sa = ike_sa_chain(e, m->spi_i); sa != NULL; sa = sa->h_next) {
		if (sa->spi_i != m->spi_i)
			continue;
		if (m->exchange_type == IKE_EXCH_IKE_SA_INIT) {
			/* Our request's answer carries the responder's new SPI. */
			if (response && sa->initiator && sa->state == IKE_SA_INIT_SENT)
				return sa;
			/* A retransmitted IKE_SA_INIT request: same SPIi and peer. */
			if (!response && !sa->initiator && m->spi_r == 0 &&
			    esp_addr_eq(&sa->remote.ip, &remote->ip) &&
			    sa->remote.port == remote->port)
				return sa;
			continue;
		}
		if (sa->spi_r == m->spi_r)
			return sa;
	}
	return NULL;
}

/* Verifies and decrypts SK in place, indexes the inner payloads. */
static int open_sk(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, size_t len)
{
	bool from_i = m->flags & IKE_HDR_FLAG_INITIATOR;
	const struct ike_pld_ref *sk;
	uint8_t *inner;
	size_t inner_len, aad;
	int rc;

	if (m->sk < 0)
		return -EBADMSG;
	ike_keylog_sa(e, sa);
	if (m->pld[m->sk].type == IKE_PLD_SKF)
		return ike_frag_input(e, sa, m, len);
	sk = &m->pld[m->sk];
	aad = sk->off + IKE_GEN_HDR_LEN;
	rc = ike_crypto_sk_open(&sa->suite, from_i ? sa->keys.ei : sa->keys.er,
				from_i ? sa->keys.ai : sa->keys.ar, e->rx, len, aad, &inner,
				&inner_len);
	if (rc != 0) {
		e->st.rx_bad_auth++;
		return -EACCES;
	}
	rc = ike_msg_parse_inner(m, sk->next, inner, inner_len);
	if (rc != 0) {
		e->st.rx_bad_syntax++;
		/* §2.5: an unknown critical payload is not a syntax error. */
		return rc == -EOPNOTSUPP ? -EOPNOTSUPP : -EBADMSG;
	}
	return 0;
}

/* SHA-256 of one received datagram (without the non-ESP marker). */
static int request_digest(const uint8_t *buf, size_t len, uint8_t out[IKE_REQ_DIGEST_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1 || n != IKE_REQ_DIGEST_LEN)
		return -1;
	return 0;
}

static void respond(struct ike_engine *e, struct ike_xctx *x, const struct ike_exchange *ex,
		    uint32_t mid)
{
	struct ike_sa *sa = x->sa;
	int rc = build(x, ex, true, mid, ex->r_build);

	if (rc != 0) {
		ike_log(e, "IKE SA %016llx_i: building %s response failed: %d",
			(unsigned long long)sa->spi_i, ike_exchange_name(ex->type), rc);
		return;
	}
	if (ex->type == IKE_EXCH_IKE_SA_INIT && !x->stateless && e->tx.total <= IKE_INIT_MAX) {
		if (ike_sa_keep(&sa->init_resp, &sa->init_resp_len, e->tx.buf, e->tx.total) != 0)
			return; /* unanswered: the peer retransmits */
	}
	/* §2.1: keep it for a retransmitted request. */
	if (!x->stateless && ike_sent_keep(&sa->resp.d, &e->tx) == 0) {
		sa->resp.valid = true;
		sa->resp.mid = mid;
		memcpy(sa->resp.req_digest, sa->req_digest, sizeof(sa->resp.req_digest));
	}
	(void)send_dgrams(e, &x->local, &x->remote, &e->tx);
	if (ex->r_sent != NULL)
		ex->r_sent(x);
}

static int handle_request(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m,
			  const struct ike_exchange *ex, size_t len, const struct ike_addr *local,
			  const struct ike_addr *remote)
{
	struct ike_xctx x = { .e = e, .sa = sa, .m = m, .child = -1,
			      .local = *local, .remote = *remote };
	uint32_t mid = m->message_id;
	int rc;

	/* RFC 7383 §2.6.1: a fragmented request is known by its fragment 1. */
	bool first = !(m->sk >= 0 && m->pld[m->sk].type == IKE_PLD_SKF &&
		       (m->pld[m->sk].body_len < 2 || m->pld[m->sk].body[1] != 1 ||
			m->pld[m->sk].body[0] != 0));
	uint8_t digest[IKE_REQ_DIGEST_LEN];

	if (first && request_digest(m->buf, len, digest) != 0)
		return -ENOMEM;
	/* §2.3: a retransmission of the last request gets the same answer. */
	if (sa->resp.valid && mid == sa->resp.mid && mid + 1 == sa->peer_mid) {
		if (!first)
			return 0; /* answered at fragment 1 only */
		/* Only an identical copy: a forged or altered one with the old
		 * message ID (from any address) must not draw our response. */
		if (CRYPTO_memcmp(digest, sa->resp.req_digest, sizeof(digest)) != 0) {
			e->st.rx_dropped++;
			return -EBADMSG;
		}
		e->st.resp_resent++;
		return send_sent(e, local, remote, sa->resp.d);
	}
	if (mid != sa->peer_mid) {
		e->st.rx_dropped++;
		return -EBADMSG;
	}
	if (first)
		memcpy(sa->req_digest, digest, sizeof(digest));
	if (ex->encrypted) {
		rc = open_sk(e, sa, m, len);
		if (rc == -EACCES || rc == -EINPROGRESS)
			return rc; /* unauthenticated, or more fragments to come */
		if (rc == -EBADMSG) {
			/* §2.21: authenticated but malformed. */
			x.notify = IKE_N_INVALID_SYNTAX;
			goto answer;
		}
		if (rc == -EOPNOTSUPP) {
			/* §2.5: the whole request is refused, naming the payload. */
			x.notify = IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD;
			x.notify_data[0] = m->err_payload;
			x.notify_len = 1;
			goto answer;
		}
	}
	sa->last_rx_ms = ike_now(e);
	/* §2.23: the peer floated to 4500 (IKE_AUTH), or its NAT mapping
	 * changed; the answer goes to where the request came from anyway. */
	if (ex->encrypted)
		ike_nat_update(e, sa, local, remote);
	rc = ex->r_process(&x);
	if (rc == -EBADMSG && x.notify == 0)
		x.notify = IKE_N_INVALID_SYNTAX;
	else if (rc < 0 && x.notify == 0) {
		/* Dropped without an answer (and a provisional SA forgotten). */
		if (x.stateless)
			ike_sa_destroy(e, sa);
		return rc;
	}
answer:
	/* §2.21.2: an IKE_AUTH request refused with an error (a critical
	 * payload we do not know, bad syntax) creates no IKE SA: the half-open
	 * SA goes now, not when the half-open timeout ends it. */
	if (ex->type == IKE_EXCH_IKE_AUTH && sa->state == IKE_SA_INIT_DONE && x.notify != 0 &&
	    x.notify < IKE_N_STATUS_FIRST)
		ike_sa_set_state(e, sa, IKE_SA_DEAD);
	respond(e, &x, ex, mid);
	ike_ke_free(x.ke);
	if (!x.stateless)
		sa->peer_mid = mid + 1;
	if (x.stateless || sa->state == IKE_SA_DEAD) {
		ike_sa_destroy(e, sa);
		return 0;
	}
	if (x.new_sa != NULL)
		ike_kick(e, x.new_sa);
	ike_kick(e, sa);
	return 0;
}

static int handle_response(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m,
			   const struct ike_exchange *ex, size_t len, const struct ike_addr *local,
			   const struct ike_addr *remote)
{
	struct ike_xctx x = { .e = e, .sa = sa, .m = m, .child = -1,
			      .local = sa->local, .remote = sa->remote };
	int rc;

	if (!sa->out.active || m->message_id != sa->out.mid ||
	    task_exchange(sa->out.task.type) != ex->type) {
		e->st.rx_dropped++;
		return -EBADMSG;
	}
	if (ex->encrypted) {
		rc = open_sk(e, sa, m, len);
		if (rc != 0)
			return rc;
		ike_nat_update(e, sa, local, remote); /* §2.23 */
		x.local = sa->local;
		x.remote = sa->remote;
	}
	x.task = sa->out.task;
	sa->last_rx_ms = ike_now(e);
	rc = ex->i_process(&x);
	if (rc == -EAGAIN && ex->type == IKE_EXCH_IKE_SA_INIT) {
		/* Unauthenticated IKE_SA_INIT replies that cannot be acted on are
		 * ignored: the retransmission timer keeps running (§2.4). */
		return rc;
	}
	sa->out.active = false;
	if (x.resend) {
		/* COOKIE / INVALID_KE_PAYLOAD: IKE_SA_INIT again, Message ID 0. */
		sa->req_mid = 0;
		(void)send_request(e, sa, &x.task);
		return 0;
	}
	sa->req_mid++;
	if (sa->state == IKE_SA_DEAD) {
		ike_sa_destroy(e, sa);
		return rc;
	}
	if (x.new_sa != NULL)
		ike_kick(e, x.new_sa);
	ike_kick(e, sa);
	return rc;
}

int ike_engine_input(struct ike_engine *e, const struct ike_addr *local,
		     const struct ike_addr *remote, const uint8_t *buf, size_t len)
{
	const struct ike_exchange *ex;
	struct ike_msg m;
	struct ike_sa *sa;
	bool response;
	int rc;

	e->st.rx++;
	if (len > sizeof(e->rx)) {
		e->st.rx_dropped++;
		return -EMSGSIZE;
	}
	memcpy(e->rx, buf, len);
	rc = ike_msg_parse(e->rx, len, &m);
	if (rc != 0) {
		e->st.rx_bad_syntax++;
		return rc;
	}
	ex = exchange_of(m.exchange_type);
	if (ex == NULL) {
		e->st.rx_dropped++;
		return -EOPNOTSUPP;
	}
	response = m.flags & IKE_HDR_FLAG_RESPONSE;
	sa = lookup(e, &m, remote, response);
	if (sa == NULL && !response && ex->type == IKE_EXCH_IKE_SA_INIT && m.spi_r == 0 &&
	    m.message_id == 0) {
		/* A new IKE_SA_INIT: a provisional responder SA (§2.6). */
		if (ike_sa_count(e) >= ike_sa_max(e)) {
			e->st.sa_limit_drops++;
			return -ENOSPC;
		}
		sa = ike_sa_new(e, m.spi_i);
		if (sa == NULL)
			return -ENOMEM;
		sa->local = *local;
		sa->remote = *remote;
	}
	if (sa == NULL) {
		e->st.rx_dropped++;
		return -ENOENT;
	}
	/* §3.1: I is set by the original initiator only. */
	if (!!(m.flags & IKE_HDR_FLAG_INITIATOR) == sa->initiator) {
		e->st.rx_dropped++;
		return -EBADMSG;
	}
	if (response)
		return handle_response(e, sa, &m, ex, len, local, remote);
	return handle_request(e, sa, &m, ex, len, local, remote);
}

/* -------------------------------- timers -------------------------------- */

static void retransmit(struct ike_engine *e, struct ike_sa *sa, void *arg)
{
	uint64_t now = *(const uint64_t *)arg;
	uint64_t limit = sa->conn != NULL ? sa->conn->dpd_timeout_ms : 0;
	bool timed_out = limit != 0 && sa->out.active && now - sa->out.first_ms >= limit;

	if (!sa->out.active || (now < sa->out.next_ms && !timed_out))
		return;
	if (sa->out.tries >= IKE_RETRANS_TRIES || timed_out) {
		/* §2.4: no answer after the retransmissions: the peer is gone. */
		ike_log(e, "IKE SA %016llx_i %016llx_r: no response in %llu ms (%u retransmissions), "
			"giving up", (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			(unsigned long long)(now - sa->out.first_ms), sa->out.tries);
		e->st.give_ups++;
		ike_sa_destroy(e, sa);
		return;
	}
	sa->out.tries++;
	/* Exponential backoff: 0.5 s, 1 s, 2 s, ... */
	sa->out.next_ms = now + ((uint64_t)IKE_RETRANS_BASE_MS << sa->out.tries);
	e->st.retransmits++;
	(void)send_sent(e, &sa->local, &sa->remote, sa->out.d);
}

static void timers(struct ike_engine *e, struct ike_sa *sa, void *arg)
{
	uint64_t now = *(const uint64_t *)arg;
	const struct ike_conn *c = sa->conn;

	if (sa->state == IKE_SA_INIT_DONE && now - sa->created_ms > 30000) {
		/* A half-open SA the initiator never completed. */
		ike_sa_destroy(e, sa);
		return;
	}
	ike_fu_expire(e, sa, now); /* RFC 9370 §2.2.4 */
	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	/* RFC 3948 §2.3, RFC 7296 §2.23: behind a NAT, keep its mapping. */
	if (sa->nat_local && e->ops.keepalive != NULL &&
	    now - sa->keepalive_ms >= (e->cfg.keepalive_ms != 0 ? e->cfg.keepalive_ms : 20000)) {
		if (sa->keepalive_ms != 0) {
			(void)e->ops.keepalive(e, &sa->local, &sa->remote, e->ops.arg);
			e->st.keepalives++;
		}
		sa->keepalive_ms = now;
	}
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++) {
		struct ike_child *ch = &sa->child[i];

		if (ch->state == IKE_CHILD_INSTALLED && ch->rekey_at_ms != 0 &&
		    now >= ch->rekey_at_ms) {
			ch->rekey_at_ms = 0;
			(void)ike_rekey_child(e, ch->spi_in);
		}
	}
	if (sa->rekey_at_ms != 0 && now >= sa->rekey_at_ms) {
		sa->rekey_at_ms = 0;
		(void)ike_rekey_ike(e, sa);
	}
	if (ike_res_tick(e, sa, now)) /* RFC 9611 */
		ike_kick(e, sa);
	/* §2.4: liveness check after dpd_ms of silence. */
	if (c != NULL && c->dpd_ms != 0 && !sa->out.active && sa->n_tasks == 0 &&
	    now - sa->last_rx_ms >= c->dpd_ms) {
		(void)ike_task_push(sa, IKE_TASK_DPD, -1, -1);
		ike_kick(e, sa);
	}
}

/* The inbound SPI of the Child SA an event names, 0 when the SA is not
 * one of ours (a static SA sharing the driver). */
static uint32_t event_child(struct ike_engine *e, const struct esp_event *ev)
{
	for (struct ike_sa *sa = e->sa_head; sa != NULL; sa = sa->l_next) {
		struct ike_child *c = ev->dir == ESP_DIR_IN ? ike_child_by_spi_in(sa, ev->spi)
							    : ike_child_by_spi_out(sa, ev->spi);

		if (c != NULL)
			return c->spi_in;
	}
	return 0;
}

static void lifetime_events(struct ike_engine *e)
{
	struct esp_event ev[16];
	unsigned n = e->drv->ops->events(e->drv, ev, 16);

	for (unsigned i = 0; i < n; i++) {
		uint32_t spi = event_child(e, &ev[i]);

		if (spi == 0) {
			/* The driver has one event queue for all SAs: hand
			 * the others back to their owner. */
			if (e->ops.foreign_event != NULL)
				e->ops.foreign_event(&ev[i], e->ops.arg);
			continue;
		}

		/* Soft expiry: rekey; hard: the dataplane already drops, delete. */
		if (ev[i].type == ESP_EV_SOFT_EXPIRE)
			(void)ike_rekey_child(e, spi);
		else
			(void)ike_delete_child(e, spi);
	}
}

void ike_engine_tick(struct ike_engine *e)
{
	uint64_t now = ike_now(e);

	ike_sa_each(e, retransmit, &now);
	ike_sa_each(e, timers, &now);
	lifetime_events(e);
	ike_conns_gc(e);
}

/* ---------------------------- entry points ------------------------------ */

static int child_cfg(const struct ike_conn *c, const char *name)
{
	for (unsigned i = 0; i < c->n_child; i++)
		if (strcmp(c->child[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int ike_initiate(struct ike_engine *e, const char *conn, const char *child)
{
	const struct ike_conn *c = ike_conn_by_name(e, conn);
	struct ike_sa *sa;
	int cfg = -1;

	if (c == NULL || c->remote.ip.family == 0)
		return -ENOENT;
	if (child != NULL && (cfg = child_cfg(c, child)) < 0)
		return cfg;
	if (ike_sa_count(e) >= ike_sa_max(e)) {
		e->st.sa_limit_drops++;
		return -ENOSPC;
	}
	sa = ike_sa_new(e, ike_spi_new(e));
	if (sa == NULL)
		return -ENOMEM;
	sa->initiator = true;
	sa->conn = c;
	sa->local = c->local;
	sa->remote = c->remote;
	sa->ke_method = (uint16_t)ike_proposal_first(&c->ike[0], IKE_XFORM_KE);
	(void)ike_task_push(sa, IKE_TASK_INIT, -1, -1);
	(void)ike_task_push(sa, IKE_TASK_AUTH, -1, cfg);
	ike_kick(e, sa);
	return sa->out.active ? 0 : -EIO;
}

int ike_create_child(struct ike_engine *e, struct ike_sa *sa, const char *child)
{
	int cfg = child_cfg(sa->conn, child);

	if (cfg < 0)
		return cfg;
	if (sa->state != IKE_SA_ESTABLISHED)
		return -EAGAIN;
	(void)ike_task_push(sa, IKE_TASK_CHILD_NEW, -1, cfg);
	ike_kick(e, sa);
	return 0;
}

static struct ike_child *child_find(struct ike_engine *e, uint32_t spi_in, struct ike_sa **sap)
{
	for (struct ike_sa *sa = e->sa_head; sa != NULL; sa = sa->l_next) {
		struct ike_child *c;

		if (sa->state == IKE_SA_DEAD)
			continue;
		c = ike_child_by_spi_in(sa, spi_in);
		if (c != NULL) {
			*sap = sa;
			return c;
		}
	}
	return NULL;
}

int ike_rekey_child(struct ike_engine *e, uint32_t spi_in)
{
	struct ike_sa *sa;
	struct ike_child *c = child_find(e, spi_in, &sa);

	if (c == NULL)
		return -ENOENT;
	if (c->state != IKE_CHILD_INSTALLED || sa->state != IKE_SA_ESTABLISHED)
		return -EAGAIN;
	(void)ike_task_push(sa, IKE_TASK_CHILD_REKEY, ike_child_slot(sa, c), c->cfg);
	ike_kick(e, sa);
	return 0;
}

int ike_rekey_ike(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->state != IKE_SA_ESTABLISHED)
		return -EAGAIN;
	(void)ike_task_push(sa, IKE_TASK_IKE_REKEY, -1, -1);
	ike_kick(e, sa);
	return 0;
}

int ike_delete_child(struct ike_engine *e, uint32_t spi_in)
{
	struct ike_sa *sa;
	struct ike_child *c = child_find(e, spi_in, &sa);

	if (c == NULL)
		return -ENOENT;
	if (c->state == IKE_CHILD_DELETING)
		return 0;
	(void)ike_task_push(sa, IKE_TASK_CHILD_DELETE, ike_child_slot(sa, c), -1);
	ike_kick(e, sa);
	return 0;
}

int ike_delete(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->state == IKE_SA_DELETING || sa->state == IKE_SA_DEAD)
		return 0;
	/* §1.4.1: the Delete of the IKE SA goes before any queued work. */
	sa->n_tasks = 0;
	(void)ike_task_push(sa, IKE_TASK_IKE_DELETE, -1, -1);
	ike_kick(e, sa);
	return 0;
}

int ike_ts_parse(const char *cidr, struct ike_ts *ts)
{
	struct esp_addr a;
	uint8_t plen;
	unsigned alen;

	if (esp_addr_parse(cidr, &a, &plen) != 0)
		return -EINVAL;
	memset(ts, 0, sizeof(*ts));
	ts->family = a.family;
	ts->port_hi = 0xffff;
	alen = esp_addr_len(a.family);
	for (unsigned i = 0; i < alen; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		ts->start[i] = a.bytes[i] & mask;
		ts->end[i] = (uint8_t)(a.bytes[i] | (uint8_t)~mask);
	}
	return 0;
}
