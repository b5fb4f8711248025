/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CREATE_CHILD_SA (RFC 7296 §1.3): a new Child SA (§1.3.1), rekeying a
 * Child SA with REKEY_SA (§1.3.3, §2.8) make-before-break, rekeying the
 * IKE SA (§1.3.2, §2.18), and simultaneous Child SA rekeys resolved by
 * nonces (§2.8.1). With RFC 9370 additional key exchanges the result
 * waits for the IKE_FOLLOWUP_KE series (x_followup_ke.c), which calls
 * back ike_ccsa_finish_i/_r here.
 *
 * Make-before-break: the initiator of a rekey installs the new inbound
 * and outbound SAs, moves the outbound policy to the new SA, then deletes
 * the old one. The responder installs both new SAs at once but keeps
 * sending on the old SA until the initiator deletes it (the initiator
 * may not have installed its new inbound SA yet), then moves the policy.
 */
#include <errno.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ikecrypto/ke.h"

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void spi32_be(uint32_t v, uint8_t out[4])
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static int ike_suite_from(const struct pld_proposal *p, struct ike_suite *s)
{
	const struct pld_transform *enc = ike_chosen_xf(p, IKE_XFORM_ENCR);
	const struct pld_transform *prf = ike_chosen_xf(p, IKE_XFORM_PRF);
	const struct pld_transform *integ = ike_chosen_xf(p, IKE_XFORM_INTEG);
	const struct pld_transform *ke = ike_chosen_xf(p, IKE_XFORM_KE);

	if (enc == NULL || prf == NULL || ke == NULL || p->spi_size != 8)
		return -EINVAL;
	*s = (struct ike_suite){
		.encr = enc->id,
		.key_bits = enc->flags & PLD_XF_KEY_LENGTH ? enc->key_len : 256,
		.prf = prf->id, .integ = integ != NULL ? integ->id : 0, .ke = ke->id,
	};
	return ike_crypto_suite_ok(s) && ike_ke_supported(s->ke) ? 0 : -ENOTSUP;
}

/* The Child SAs now belong to another IKE SA (same slots): a move, not a
 * state change, and nothing changes in the dataplane. */
static void move_children(struct ike_sa *from, struct ike_sa *to)
{
	memcpy(to->child, from->child, sizeof(to->child));
	from->moved_to = to;
	to->referenced = true;
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++) {
		memset(&from->child[i], 0, sizeof(from->child[i]));
		from->child[i].state = IKE_CHILD_FREE;
	}
}

/* Queued requests follow the Child SAs to the new IKE SA (same slots). */
static void move_tasks(struct ike_sa *from, struct ike_sa *to)
{
	struct ike_task t;

	while (ike_task_pop(from, &t))
		if (t.type != IKE_TASK_IKE_REKEY && t.type != IKE_TASK_IKE_DELETE)
			(void)ike_task_push(to, t.type, t.child, t.cfg);
}

/*
 * §2.18: the new IKE SA, keyed from the old SK_d. The Child SAs move
 * to it; the old SA is left REKEYED, to be deleted by the rekey's
 * initiator.
 */
struct rekey_secrets {
	const uint8_t *ni, *nr, *gir, *extra;  /* extra: SK(1) | ... (RFC 9370) */
	size_t ni_len, nr_len, gir_len, extra_len;
	const struct ike_mke *mke;             /* the additional methods, or NULL */
};

static struct ike_sa *ike_sa_rekeyed(struct ike_engine *e, struct ike_sa *old, bool initiator,
				     uint64_t spi_i, uint64_t spi_r, const struct ike_suite *suite,
				     const struct rekey_secrets *r)
{
	const uint8_t *ni = r->ni, *nr = r->nr;
	size_t ni_len = r->ni_len, nr_len = r->nr_len;
	struct ike_sa *n = ike_sa_new(e, spi_i);

	if (n == NULL)
		return NULL;
	n->referenced = true; /* old->rekey_new, old->moved_to */
	n->initiator = initiator; /* §2.18: the rekey's initiator is the new one's */
	n->conn = old->conn;
	n->local = old->local;
	n->remote = old->remote;
	n->spi_r = spi_r;
	n->suite = *suite;
	n->peer_hashes = old->peer_hashes;
	n->peer_frag = old->peer_frag;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	ike_ppk_inherit(n, old);
	ike_ppk_child_mark(n, old);
	memcpy(n->ni, ni, ni_len);
	n->ni_len = ni_len;
	memcpy(n->nr, nr, nr_len);
	n->nr_len = nr_len;
	if (r->mke != NULL) {
		memcpy(n->mke.method, r->mke->method, sizeof(n->mke.method));
		n->mke.n = n->mke.done = r->mke->n;
	}
	/* RFC 9370 §2.2.4: prf(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n)). */
	if (ike_crypto_keys_rekey(old->suite.prf, ike_ppk_child_skd(old), old->keys.prf_len, suite,
				  ni, ni_len, nr, nr_len, r->gir, r->gir_len, r->extra,
				  r->extra_len, spi_i, spi_r, &n->keys) != 0 ||
	    ike_sa_set_state(e, n, IKE_SA_ESTABLISHED) != 0) {
		ike_sa_destroy(e, n);
		return NULL;
	}
	move_children(old, n);
	if (n->conn->rekey_ms != 0)
		n->rekey_at_ms = ike_now(e) + n->conn->rekey_ms;
	e->st.ike_rekeys++;
	ike_log(e, "IKE SA %016llx_i %016llx_r rekeyed as %016llx_i %016llx_r",
		(unsigned long long)old->spi_i, (unsigned long long)old->spi_r,
		(unsigned long long)spi_i, (unsigned long long)spi_r);
	return n;
}

/* ------------------------------ initiator ------------------------------- */

static int build_child(struct ike_xctx *x, struct ike_child *old)
{
	struct ike_sa *sa = x->sa;
	const struct ike_child_cfg *cc = &sa->conn->child[x->task.cfg];
	struct ike_child *ch = ike_child_alloc(sa);
	struct pld_sa sap;
	int rc;

	if (ch == NULL)
		return -ENOSPC;
	ch->cfg = (uint8_t)x->task.cfg;
	ch->ts_l = old != NULL ? old->ts_l : cc->ts_l;
	ch->ts_r = old != NULL ? old->ts_r : cc->ts_r;
	ch->rekey_of = old != NULL ? (int8_t)ike_child_slot(sa, old) : -1;
	ch->transport = cc->mode == ESP_MODE_TRANSPORT;
	ch->per_resource = old != NULL ? old->per_resource : cc->per_resource;
	rc = ike_child_place(x->e, sa, ch);
	if (rc == 0)
		rc = ike_child_set_state(x->e, sa, ch, IKE_CHILD_CREATING);
	if (rc != 0)
		return rc;
	x->task.child = (int8_t)ike_child_slot(sa, ch);
	sa->c_nonce_len = IKE_NONCE_LEN;
	ike_rng(x->e, sa->c_nonce, sa->c_nonce_len);
	if (old != NULL) {
		uint8_t spi[4];

		/* §1.3.3: REKEY_SA names the SA by our inbound SPI. */
		spi32_be(old->spi_in, spi);
		rc = ike_add_notify(x->mb, IKE_PROTO_ESP, IKE_N_REKEY_SA, spi, 4, NULL, 0);
		if (rc != 0)
			return rc;
	}
	ike_esp_sa_payload(cc, ch->spi_in, true, &sap);
	rc = ike_add_mode(x->mb, ch);
	if (rc == 0)
		rc = ike_res_add_notify(x->mb, ch);
	if (rc == 0)
		rc = ike_msg_add_sa(x->mb, &sap);
	if (rc == 0)
		rc = ike_add_nonce(x->mb, sa->c_nonce, sa->c_nonce_len);
	/* PFS (§1.3.1): KEi of the first proposal's group, if it has one. */
	ike_ke_free(sa->c_ke);
	sa->c_ke = NULL;
	if (rc == 0 && ike_proposal_first(&cc->esp[0], IKE_XFORM_KE) > 0) {
		/* The group the responder asked for in INVALID_KE_PAYLOAD wins. */
		struct pld_ke ke = { .method = x->task.ke != 0 ? x->task.ke :
				     (uint16_t)ike_proposal_first(&cc->esp[0], IKE_XFORM_KE) };

		sa->c_ke = ike_ke_new(ke.method, true);
		if (sa->c_ke == NULL)
			return -ENOTSUP;
		rc = ike_ke_public(sa->c_ke, &ke.data, &ke.len);
		if (rc == 0)
			rc = ike_msg_add_ke(x->mb, &ke);
	}
	if (rc == 0)
		rc = ike_add_ts_pair(x->mb, &ch->ts_l, &ch->ts_r);
	return rc;
}

static int build_ike_rekey(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	/* The group the responder asked for in INVALID_KE_PAYLOAD, else the
	 * one in use: the peer accepted it last time. */
	struct pld_ke ke = { .method = x->task.ke != 0 ? x->task.ke : sa->suite.ke };
	struct pld_sa sap;
	uint8_t spi[8];
	int rc;

	rc = ike_sa_set_state(x->e, sa, IKE_SA_REKEYING);
	if (rc != 0)
		return rc;
	sa->rekey_spi = ike_spi_new(x->e);
	sa->rekey_nonce_len = IKE_NONCE_LEN;
	ike_rng(x->e, sa->rekey_nonce, sa->rekey_nonce_len);
	ike_ke_free(sa->rekey_ke);
	sa->rekey_ke = ike_ke_new(ke.method, true);
	if (sa->rekey_ke == NULL)
		return -ENOTSUP;
	rc = ike_ke_public(sa->rekey_ke, &ke.data, &ke.len);
	if (rc != 0)
		return rc;
	ike_be64(sa->rekey_spi, spi);
	ike_proposals_to_sa(c->ike, c->n_ike, spi, 8, &sap);
	rc = ike_msg_add_sa(x->mb, &sap);
	if (rc == 0)
		rc = ike_add_nonce(x->mb, sa->rekey_nonce, sa->rekey_nonce_len);
	if (rc == 0)
		rc = ike_msg_add_ke(x->mb, &ke);
	return rc;
}

/* Initiator builds: [N(REKEY_SA)], SA, Ni, [KEi], [TSi, TSr],
 * [N(PPK_IDENTITY_KEY)] (RFC 9867 §3.2). */
static int i_build(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct ike_child *old;
	int rc;

	switch (x->task.type) {
	case IKE_TASK_CHILD_NEW:
		rc = build_child(x, NULL);
		break;
	case IKE_TASK_CHILD_REKEY:
		old = &sa->child[x->task.child];
		if (old->state != IKE_CHILD_INSTALLED ||
		    ike_child_set_state(x->e, sa, old, IKE_CHILD_REKEYING) != 0)
			return -ESTALE;
		rc = build_child(x, old);
		break;
	case IKE_TASK_IKE_REKEY:
		rc = build_ike_rekey(x);
		break;
	default:
		return -EINVAL;
	}
	if (rc != 0)
		return rc;
	if (x->task.type == IKE_TASK_IKE_REKEY)
		return ike_ppk_child_add_i(x, sa->rekey_nonce, sa->rekey_nonce_len);
	return ike_ppk_child_add_i(x, sa->c_nonce, sa->c_nonce_len);
}

/* ------------------------------ responder ------------------------------- */


static void r_ike_rekey(struct ike_xctx *x, const struct pld_sa *peer)
{
	struct ike_engine *e = x->e;
	struct ike_sa *sa = x->sa;
	uint16_t m[IKE_ADDKE_MAX];
	struct pld_nonce ni;
	struct pld_ke ke;
	struct ike_suite suite;
	const uint8_t *gir;
	size_t gir_len;
	const struct pld_transform *kx;

	if (ike_get_nonce(x->m, &ni) != 0 || ike_get_ke(x->m, &ke) != 0) {
		x->child_err = IKE_N_INVALID_SYNTAX;
		return;
	}
	/* §2.8.2: when we are rekeying it too, answer as usual; the nonces
	 * decide once our own answer is in. Closing it: §2.25.2. */
	/* RFC 9370 §2.2.4: our own rekey is past its CREATE_CHILD_SA and
	 * in IKE_FOLLOWUP_KE: TEMPORARY_FAILURE. */
	if ((sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYING) ||
	    (sa->fu_i.active && sa->fu_i.task == IKE_TASK_IKE_REKEY)) {
		x->child_err = IKE_N_TEMPORARY_FAILURE;
		return;
	}
	if (ike_proposal_select(peer, sa->conn->ike, sa->conn->n_ike, ke.method, &x->chosen) != 0 ||
	    ike_suite_from(&x->chosen, &suite) != 0) {
		x->child_err = IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	kx = ike_chosen_xf(&x->chosen, IKE_XFORM_KE);
	if (kx->id != ke.method) {
		x->child_err = IKE_N_INVALID_KE_PAYLOAD;
		x->notify_data[0] = (uint8_t)(kx->id >> 8);
		x->notify_data[1] = (uint8_t)kx->id;
		x->notify_len = 2;
		return;
	}
	x->ke = ike_ke_new(ke.method, false);
	if (x->ke == NULL || ike_ke_complete(x->ke, ke.data, ke.len) != 0 ||
	    ike_ke_shared(x->ke, &gir, &gir_len) != 0) {
		x->child_err = IKE_N_INVALID_SYNTAX;
		return;
	}
	x->nonce_len = IKE_NONCE_LEN;
	ike_rng(e, x->nonce, x->nonce_len);
	if (ike_chosen_addke(&x->chosen, m) != 0) {
		/* RFC 9370 §2.2.4: the new SA waits for the IKE_FOLLOWUP_KEs. */
		struct ike_followup *f = &sa->fu_r;

		if (ike_fu_start(x, f, &x->chosen, IKE_TASK_IKE_REKEY, -1, gir, gir_len, ni.data, ni.len,
				 x->nonce, x->nonce_len) != 0) {
			x->child_err = IKE_N_TEMPORARY_FAILURE;
			return;
		}
		f->suite = suite;
		f->spi_i = get64(x->chosen.spi);
		f->spi_r = ike_spi_new(e);
		return;
	}
	x->new_sa = ike_sa_rekeyed(e, sa, false, get64(x->chosen.spi), ike_spi_new(e), &suite,
				   &(struct rekey_secrets){ .ni = ni.data, .ni_len = ni.len,
							    .nr = x->nonce, .nr_len = x->nonce_len,
							    .gir = gir, .gir_len = gir_len });
	if (x->new_sa == NULL) {
		x->child_err = IKE_N_NO_ADDITIONAL_SAS;
		return;
	}
	sa->rekey_new = x->new_sa; /* for a collision with our own rekey */
	move_tasks(sa, x->new_sa);
	(void)ike_sa_set_state(e, sa, IKE_SA_REKEYED);
}

/* Responder: the new Child SA's keys in, and the old one's replacement
 * marked (the initiator deletes it). Removes @p ch on failure. */
static int child_r_finish(struct ike_engine *e, struct ike_sa *sa, struct ike_child *ch,
			  const uint8_t *gir, size_t gir_len, const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len)
{
	struct ike_child *old = ch->rekey_of >= 0 ? &sa->child[ch->rekey_of] : NULL;

	ch->ppk = sa->ppk.child_agreed;
	if (ch->suite.encr == 0 ||
	    ike_child_install(e, sa, ch, sa, false, gir, gir_len, ni, ni_len, nr, nr_len) != 0 ||
	    ike_child_set_state(e, sa, ch, IKE_CHILD_INSTALLED) != 0) {
		ike_child_remove(e, sa, ch);
		return -EINVAL;
	}
	if (old == NULL)
		return ike_child_take_traffic(e, sa, ch, false);
	/* The old SA stays in use until the initiator deletes it; if we are
	 * rekeying it too, this marks the collision (§2.8.1). */
	old->replaced_by = (int8_t)ike_child_slot(sa, ch);
	if (old->state == IKE_CHILD_INSTALLED)
		(void)ike_child_set_state(e, sa, old, IKE_CHILD_REKEYED);
	e->st.child_rekeys++;
	return 0;
}

static void r_child(struct ike_xctx *x, const struct pld_sa *peer)
{
	struct ike_engine *e = x->e;
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	struct pld_nonce ni;
	struct pld_notify rn;
	struct pld_ts tsi, tsr;
	struct ike_child *old = NULL, *ch;
	struct ike_ts l, r;
	struct pld_ke ke;
	const struct pld_transform *kx;
	const uint8_t *gir = NULL;
	size_t gir_len = 0;
	bool has_ke, res = false;
	int cfg = -1;

	if (ike_get_nonce(x->m, &ni) != 0 || ike_get_ts(x->m, IKE_PLD_TSi, &tsi) != 0 ||
	    ike_get_ts(x->m, IKE_PLD_TSr, &tsr) != 0) {
		x->child_err = IKE_N_INVALID_SYNTAX;
		return;
	}
	if (sa->state != IKE_SA_ESTABLISHED) {
		x->child_err = IKE_N_TEMPORARY_FAILURE; /* §2.25.1 */
		return;
	}
	if (ike_msg_find_notify(x->m, IKE_N_REKEY_SA, &rn) == 0) {
		uint32_t spi;

		if (rn.spi_size != 4 || rn.protocol_id != IKE_PROTO_ESP) {
			x->child_err = IKE_N_INVALID_SYNTAX;
			return;
		}
		spi = (uint32_t)rn.spi[0] << 24 | (uint32_t)rn.spi[1] << 16 |
		      (uint32_t)rn.spi[2] << 8 | rn.spi[3];
		old = ike_child_by_spi_out(sa, spi);
		if (old == NULL || old->state == IKE_CHILD_CREATING) {
			x->child_err = IKE_N_CHILD_SA_NOT_FOUND; /* §2.25 */
			return;
		}
		if (old->state == IKE_CHILD_DELETING) {
			x->child_err = IKE_N_TEMPORARY_FAILURE; /* §2.25.1 */
			return;
		}
		cfg = old->cfg;
		if (ike_ts_narrow(&c->child[cfg].ts_r, &tsi, &r) != 0 ||
		    ike_ts_narrow(&c->child[cfg].ts_l, &tsr, &l) != 0)
			cfg = -1;
	} else {
		for (unsigned i = 0; i < c->n_child && cfg < 0; i++)
			if (ike_ts_narrow(&c->child[i].ts_r, &tsi, &r) == 0 &&
			    ike_ts_narrow(&c->child[i].ts_l, &tsr, &l) == 0)
				cfg = (int)i;
	}
	if (cfg < 0) {
		x->child_err = IKE_N_TS_UNACCEPTABLE;
		return;
	}
	has_ke = ike_get_ke(x->m, &ke) == 0;
	if (ike_proposal_select(peer, c->child[cfg].esp, c->child[cfg].n_esp,
				has_ke ? ke.method : 0, &x->chosen) != 0) {
		x->child_err = IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	kx = ike_chosen_xf(&x->chosen, IKE_XFORM_KE);
	if (kx != NULL && kx->id != IKE_KE_NONE && (!has_ke || kx->id != ke.method)) {
		/* §1.3.1: PFS with another group: tell the initiator which. */
		x->child_err = IKE_N_INVALID_KE_PAYLOAD;
		x->notify_data[0] = (uint8_t)(kx->id >> 8);
		x->notify_data[1] = (uint8_t)kx->id;
		x->notify_len = 2;
		return;
	}
	if (kx != NULL && kx->id != IKE_KE_NONE) {
		x->ke = ike_ke_new(kx->id, false);
		if (x->ke == NULL || ike_ke_complete(x->ke, ke.data, ke.len) != 0 ||
		    ike_ke_shared(x->ke, &gir, &gir_len) != 0) {
			x->child_err = IKE_N_INVALID_SYNTAX;
			return;
		}
	}
	if (old == NULL && (x->child_err = ike_res_check_request(x, (unsigned)cfg, &res)) != 0)
		return;
	ch = ike_child_alloc(sa);
	if (ch != NULL) {
		ch->cfg = (uint8_t)cfg;
		ch->rekey_of = old != NULL ? (int8_t)ike_child_slot(sa, old) : -1;
		ch->per_resource = old != NULL ? old->per_resource : res;
	}
	if (ch == NULL || ike_child_place(e, sa, ch) != 0) {
		x->child_err = IKE_N_NO_ADDITIONAL_SAS;
		return;
	}
	x->nonce_len = IKE_NONCE_LEN;
	ike_rng(e, x->nonce, x->nonce_len);
	ch->spi_out = ike_spi32(&x->chosen);
	ch->ts_l = l;
	ch->ts_r = r;
	ch->transport = ike_wants_transport(x->m) && c->child[cfg].mode == ESP_MODE_TRANSPORT;
	ike_nonce_min(ch, ni.data, ni.len, x->nonce, x->nonce_len);
	x->child = ike_child_slot(sa, ch);
	if (ike_esp_suite_from(&x->chosen, &ch->suite) == 0 && ch->suite.addke[0] != 0) {
		/* RFC 9370 §2.2.4: installed after the last IKE_FOLLOWUP_KE. */
		if (ike_child_set_state(e, sa, ch, IKE_CHILD_CREATING) != 0 ||
		    ike_fu_start(x, &sa->fu_r, &x->chosen, old != NULL ? IKE_TASK_CHILD_REKEY :
				 IKE_TASK_CHILD_NEW, x->child, gir, gir_len, ni.data, ni.len,
				 x->nonce, x->nonce_len) != 0) {
			ike_child_remove(e, sa, ch);
			x->child = -1;
			x->child_err = IKE_N_TEMPORARY_FAILURE;
		}
		return;
	}
	if (child_r_finish(e, sa, ch, gir, gir_len, ni.data, ni.len, x->nonce, x->nonce_len) != 0) {
		x->child = -1;
		x->child_err = IKE_N_NO_PROPOSAL_CHOSEN;
	}
}

/* Responder processes: which of the three requests, then as each says. */
static int r_process(struct ike_xctx *x)
{
	struct pld_sa peer;
	int rc = ike_get_sa(x->m, &peer);

	if (rc != 0 || peer.n_proposals == 0)
		return -EBADMSG;
	/* RFC 9867 §3.2: a PPK this side requires and the request lacks. */
	rc = ike_ppk_child_r(x);
	if (rc == -EPERM) {
		x->child_err = IKE_N_NO_PROPOSAL_CHOSEN;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (peer.prop[0].protocol_id == IKE_PROTO_IKE)
		r_ike_rekey(x, &peer);
	else
		r_child(x, &peer);
	return 0;
}

/* Responder builds: SA, Nr, [KEr], [TSi, TSr], or the error notify. */
static int r_build_payloads(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct pld_sa sap = { .n_proposals = 1 };
	int rc;

	if (x->child_err != 0)
		return ike_add_notify(x->mb, 0, x->child_err, NULL, 0, x->notify_data,
				      x->notify_len);
	sap.prop[0] = x->chosen;
	if (x->new_sa != NULL || (x->fu != NULL && x->fu->task == IKE_TASK_IKE_REKEY)) {
		struct pld_ke ke = { .method = x->new_sa != NULL ? x->new_sa->suite.ke :
							     x->fu->suite.ke };

		ike_be64(x->new_sa != NULL ? x->new_sa->spi_r : x->fu->spi_r, sap.prop[0].spi);
		rc = ike_ke_public(x->ke, &ke.data, &ke.len);
		if (rc == 0)
			rc = ike_msg_add_sa(x->mb, &sap);
		if (rc == 0)
			rc = ike_add_nonce(x->mb, x->nonce, x->nonce_len);
		if (rc == 0)
			rc = ike_msg_add_ke(x->mb, &ke);
		return rc == 0 ? ike_fu_add_link(x) : rc;
	}
	spi32_be(sa->child[x->child].spi_in, sap.prop[0].spi);
	rc = ike_add_mode(x->mb, &sa->child[x->child]);
	if (rc == 0)
		rc = ike_res_add_notify(x->mb, &sa->child[x->child]);
	if (rc == 0)
		rc = ike_msg_add_sa(x->mb, &sap);
	if (rc == 0)
		rc = ike_add_nonce(x->mb, x->nonce, x->nonce_len);
	if (rc == 0 && x->ke != NULL) {
		struct pld_ke ke = { .method = ike_chosen_xf(&x->chosen, IKE_XFORM_KE)->id };

		rc = ike_ke_public(x->ke, &ke.data, &ke.len);
		if (rc == 0)
			rc = ike_msg_add_ke(x->mb, &ke);
	}
	/* RFC 9370 §2.2.4: SA, Nr, KEr, N(ADDITIONAL_KEY_EXCHANGE), TSi, TSr. */
	if (rc == 0)
		rc = ike_fu_add_link(x);
	if (rc == 0)
		rc = ike_add_ts_pair(x->mb, &sa->child[x->child].ts_r, &sa->child[x->child].ts_l);
	return rc;
}

/* ... and [N(PPK_IDENTITY)] (RFC 9867 §3.2); the PPK's SK_d' is gone after. */
static int r_build(struct ike_xctx *x)
{
	int rc = r_build_payloads(x);

	if (rc == 0)
		rc = ike_ppk_child_add_r(x);
	ike_ppk_child_done(x->sa);
	return rc;
}

/* ------------------------- initiator processes -------------------------- */

/*
 * §2.8.1: both ends rekeyed @p old. The exchange holding the lowest of
 * the four nonces made the redundant SA; its initiator deletes it, and
 * the other node deletes the old one.
 */
static void collision(struct ike_xctx *x, struct ike_sa *sa, struct ike_child *ours,
		      struct ike_child *old)
{
	struct ike_child *theirs = &sa->child[old->replaced_by];

	x->e->st.collisions++;
	if (ike_nonce_cmp(ours->nonce_min, ours->nonce_min_len, theirs->nonce_min,
			  theirs->nonce_min_len) < 0) {
		/* Ours is redundant: delete it; the peer deletes the old one,
		 * and its new SA then takes the traffic (ike_child_remove). */
		ike_log(x->e, "Child SA rekey collision: ours %08x_i is redundant", ours->spi_in);
		ours->rekey_of = -1;
		(void)ike_child_set_state(x->e, sa, old, IKE_CHILD_REKEYED);
		(void)ike_task_push(sa, IKE_TASK_CHILD_DELETE, ike_child_slot(sa, ours), -1);
		return;
	}
	ike_log(x->e, "Child SA rekey collision: ours %08x_i wins", ours->spi_in);
	theirs->rekey_of = -1; /* the peer deletes it */
	(void)ike_child_take_traffic(x->e, sa, ours, true);
	(void)ike_child_set_state(x->e, sa, old, IKE_CHILD_REKEYED);
	(void)ike_task_push(sa, IKE_TASK_CHILD_DELETE, ike_child_slot(sa, old), -1);
}

/* §1.3.1 INVALID_KE_PAYLOAD: the same request again with the group the
 * responder wants, when it is one of ours and not the one just used. */
static void retry_ke(struct ike_xctx *x, struct ike_sa *sa, const struct ike_child *old)
{
	const struct ike_child_cfg *cc = &sa->conn->child[x->task.cfg];
	struct pld_notify n;
	uint16_t group;
	bool ours = false;

	if (ike_msg_find_notify(x->m, IKE_N_INVALID_KE_PAYLOAD, &n) != 0 ||
	    pld_n_invalid_ke(&n, &group) != 0 || group == x->task.ke || x->task.cfg < 0)
		return;
	for (unsigned p = 0; p < cc->n_esp; p++)
		ours |= ike_proposal_has(&cc->esp[p], IKE_XFORM_KE, group);
	if (!ours || ike_task_push(sa, x->task.type, old != NULL ? ike_child_slot(sa, old) : -1,
				   x->task.cfg) != 0)
		return;
	sa->tasks[sa->n_tasks - 1].ke = group;
	ike_log(x->e, "IKE SA %016llx_i: CREATE_CHILD_SA again with KE group %u",
		(unsigned long long)sa->spi_i, group);
}

/* Initiator: the new Child SA's keys in; a rekey's policy moved and the
 * old SA's Delete queued (make-before-break). -EINVAL: not installed. */
static int child_i_finish(struct ike_xctx *x, struct ike_sa *sa, struct ike_sa *xs,
			  struct ike_child *ch, const uint8_t *gir, size_t gir_len,
			  const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	struct ike_child *old = ch->rekey_of >= 0 ? &sa->child[ch->rekey_of] : NULL;

	ch->ppk = xs->ppk.child_agreed;
	if (ike_child_install(x->e, sa, ch, xs, true, gir, gir_len, ni, ni_len, nr, nr_len) != 0 ||
	    ike_child_set_state(x->e, sa, ch, IKE_CHILD_INSTALLED) != 0)
		return -EINVAL;
	if (old == NULL) {
		(void)ike_child_take_traffic(x->e, sa, ch, true);
		return 0;
	}
	x->e->st.child_rekeys++;
	if (old->replaced_by >= 0 && old->replaced_by != ike_child_slot(sa, ch)) {
		collision(x, sa, ch, old);
		return 0;
	}
	/* Make-before-break: new SAs in, policy moved, then the old goes. */
	(void)ike_child_take_traffic(x->e, sa, ch, true);
	(void)ike_child_set_state(x->e, sa, old, IKE_CHILD_REKEYED);
	(void)ike_task_push(sa, IKE_TASK_CHILD_DELETE, ike_child_slot(sa, old), -1);
	return 0;
}

/* A Child SA that will not be: slot freed, the old one back in service. */
static void child_i_abandon(struct ike_xctx *x, struct ike_sa *sa, struct ike_child *ch,
			    uint16_t err)
{
	struct ike_child *old = ch->rekey_of >= 0 ? &sa->child[ch->rekey_of] : NULL;

	ike_child_remove(x->e, sa, ch);
	if (old != NULL && old->state == IKE_CHILD_REKEYING) {
		(void)ike_child_set_state(x->e, sa, old, IKE_CHILD_INSTALLED);
		/* §2.25: the peer is busy (rekeying or deleting): try again. */
		if (err == IKE_N_TEMPORARY_FAILURE)
			old->rekey_at_ms = ike_now(x->e) + IKE_RETRY_BUSY_MS;
	}
}

static int i_child(struct ike_xctx *x)
{
	/* The request ran on x->sa; its Child SAs may have moved meanwhile to
	 * the IKE SA that replaced it (§2.18). */
	struct ike_sa *xs = x->sa, *sa = xs->moved_to != NULL ? xs->moved_to : xs;
	struct ike_child *ch = &sa->child[x->task.child];
	struct ike_child *old = ch->rekey_of >= 0 ? &sa->child[ch->rekey_of] : NULL;
	const struct ike_child_cfg *cc = &sa->conn->child[ch->cfg];
	struct pld_sa resp;
	struct pld_nonce nr;
	struct pld_ts tsi, tsr;
	struct pld_proposal chosen;
	struct pld_ke ke;
	const struct pld_transform *kx;
	const uint8_t *gir = NULL;
	size_t gir_len = 0;
	struct ike_ts l, r;
	uint16_t err = ike_error_notify(x->m);
	int rc, ppk = 0;

	if (err == 0)
		ppk = ike_ppk_child_i(x); /* -EPERM: made, then deleted at once */
	if (err != 0 || (ppk != 0 && ppk != -EPERM) || ike_get_sa(x->m, &resp) != 0 ||
	    ike_get_nonce(x->m, &nr) != 0 ||
	    ike_get_ts(x->m, IKE_PLD_TSi, &tsi) != 0 || ike_get_ts(x->m, IKE_PLD_TSr, &tsr) != 0 ||
	    resp.n_proposals != 1 ||
	    ike_proposal_select(&resp, cc->esp, cc->n_esp, 0, &chosen) != 0 ||
	    chosen.n_transforms != resp.prop[0].n_transforms ||
	    ike_ts_narrow(&ch->ts_l, &tsi, &l) != 0 || ike_ts_narrow(&ch->ts_r, &tsr, &r) != 0 ||
	    ike_esp_suite_from(&chosen, &ch->suite) != 0)
		goto fail;
	/* PFS: the responder's KEr completes our exchange (§1.3.1). */
	kx = ike_chosen_xf(&chosen, IKE_XFORM_KE);
	if (kx != NULL && kx->id != IKE_KE_NONE) {
		if (xs->c_ke == NULL || ike_get_ke(x->m, &ke) != 0 || ke.method != kx->id ||
		    ike_ke_complete(xs->c_ke, ke.data, ke.len) != 0 ||
		    ike_ke_shared(xs->c_ke, &gir, &gir_len) != 0)
			goto fail;
	}
	ch->ts_l = l;
	ch->ts_r = r;
	ch->spi_out = ike_spi32(&chosen);
	ch->transport = ch->transport && ike_wants_transport(x->m);
	ike_res_answered(x, sa, ch);
	ike_nonce_min(ch, xs->c_nonce, xs->c_nonce_len, nr.data, nr.len);
	if (ch->suite.addke[0] != 0) {
		/* RFC 9370 §2.2.4: installed after the last IKE_FOLLOWUP_KE. */
		if (xs != sa || kx == NULL || kx->id == IKE_KE_NONE || ppk != 0 ||
		    ike_fu_start(x, &sa->fu_i, &chosen, x->task.type, x->task.child, gir, gir_len,
				 xs->c_nonce, xs->c_nonce_len, nr.data, nr.len) != 0)
			goto fail;
		ike_ke_free(xs->c_ke);
		xs->c_ke = NULL;
		return 0;
	}
	rc = child_i_finish(x, sa, xs, ch, gir, gir_len, xs->c_nonce, xs->c_nonce_len, nr.data,
			    nr.len);
	ike_ke_free(xs->c_ke);
	xs->c_ke = NULL;
	if (rc >= 0 && ppk == -EPERM) /* RFC 9867 §3.2: unacceptable without */
		(void)ike_task_push(sa, IKE_TASK_CHILD_DELETE, ike_child_slot(sa, ch), -1);
	if (rc >= 0)
		return rc;
fail:
	ike_ke_free(xs->c_ke);
	xs->c_ke = NULL;
	retry_ke(x, sa, old);
	ike_log(x->e, "IKE SA %016llx_i: CREATE_CHILD_SA failed (%s)",
		(unsigned long long)sa->spi_i, err != 0 ? ike_notify_name(err) : "bad answer");
	child_i_abandon(x, sa, ch, err);
	return 0;
}

/*
 * §2.8.2: both ends rekeyed the IKE SA; @p theirs came from the peer's
 * request, @p ours from our answered one. The new SA whose exchange holds
 * the lowest of the four nonces is redundant and its initiator deletes
 * it; the winner's initiator deletes the old SA. The Child SAs end up in
 * the surviving one.
 */
static int ike_rekey_collision(struct ike_xctx *x, struct ike_sa *theirs, struct ike_sa *ours,
			       const uint8_t *nr, size_t nr_len)
{
	struct ike_sa *sa = x->sa;
	const uint8_t *lo_ours = sa->rekey_nonce, *lo_theirs = theirs->ni;
	size_t lo_ours_len = sa->rekey_nonce_len, lo_theirs_len = theirs->ni_len;

	x->e->st.collisions++;
	if (ike_nonce_cmp(nr, nr_len, lo_ours, lo_ours_len) < 0) {
		lo_ours = nr;
		lo_ours_len = nr_len;
	}
	if (ike_nonce_cmp(theirs->nr, theirs->nr_len, lo_theirs, lo_theirs_len) < 0) {
		lo_theirs = theirs->nr;
		lo_theirs_len = theirs->nr_len;
	}
	if (ike_nonce_cmp(lo_ours, lo_ours_len, lo_theirs, lo_theirs_len) < 0) {
		ike_log(x->e, "IKE SA rekey collision: ours %016llx_i is redundant",
			(unsigned long long)ours->spi_i);
		return ike_task_push(ours, IKE_TASK_IKE_DELETE, -1, -1);
	}
	ike_log(x->e, "IKE SA rekey collision: ours %016llx_i wins",
		(unsigned long long)ours->spi_i);
	move_children(theirs, ours);
	move_tasks(theirs, ours);
	move_tasks(sa, ours);
	return ike_task_push(sa, IKE_TASK_IKE_DELETE, -1, -1);
}

/* §1.3.1 (and §2.18, which does the IKE SA rekey with CREATE_CHILD_SA):
 * INVALID_KE_PAYLOAD names the group the responder wants; ask again with
 * it when one of our IKE proposals has it and it is not the one just
 * refused. true when the retry is queued. */
static bool retry_ike_ke(struct ike_xctx *x, struct ike_sa *sa, uint16_t used)
{
	const struct ike_conn *c = sa->conn;
	struct pld_notify n;
	uint16_t group;
	bool ours = false;

	if (ike_msg_find_notify(x->m, IKE_N_INVALID_KE_PAYLOAD, &n) != 0 ||
	    pld_n_invalid_ke(&n, &group) != 0 || group == used)
		return false;
	for (unsigned p = 0; p < c->n_ike; p++)
		ours |= ike_proposal_has(&c->ike[p], IKE_XFORM_KE, group);
	if (!ours || ike_task_push(sa, IKE_TASK_IKE_REKEY, -1, -1) != 0)
		return false;
	sa->tasks[sa->n_tasks - 1].ke = group;
	ike_log(x->e, "IKE SA %016llx_i: IKE SA rekey again with KE group %u",
		(unsigned long long)sa->spi_i, group);
	return true;
}

static int ike_rekey_i_done(struct ike_xctx *x, struct ike_sa *sa);

/*
 * RFC 9370 §2.2.4 with §2.8.2: both ends rekey the IKE SA and the peer's
 * rekey waits for its IKE_FOLLOWUP_KEs too. The exchange holding the
 * smallest of the four nonces stops before its IKE_FOLLOWUP_KE; true when
 * that is ours (both ends reach the same answer).
 */
static bool fu_collision_lost(struct ike_xctx *x, struct ike_sa *sa, const uint8_t *nr,
			      size_t nr_len)
{
	const struct ike_followup *f = &sa->fu_r;
	const uint8_t *ours = sa->rekey_nonce, *theirs;
	size_t ours_len = sa->rekey_nonce_len, theirs_len = f->ni_len;

	if (!f->active || f->task != IKE_TASK_IKE_REKEY || f->k.secrets == NULL)
		return false;
	theirs = f->k.secrets + f->sk0_len;
	x->e->st.collisions++;
	if (ike_nonce_cmp(nr, nr_len, ours, ours_len) < 0) {
		ours = nr;
		ours_len = nr_len;
	}
	if (ike_nonce_cmp(f->k.secrets + f->sk0_len + f->ni_len, f->nr_len, theirs,
			  theirs_len) < 0) {
		theirs = f->k.secrets + f->sk0_len + f->ni_len;
		theirs_len = f->nr_len;
	}
	if (ike_nonce_cmp(ours, ours_len, theirs, theirs_len) >= 0)
		return false;
	ike_log(x->e, "IKE SA %016llx_i: IKE SA rekey collision: ours stops before "
		"IKE_FOLLOWUP_KE (smallest nonce)", (unsigned long long)sa->spi_i);
	return true;
}

static int i_ike_rekey(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	uint16_t m[IKE_ADDKE_MAX];
	struct pld_sa resp;
	struct pld_nonce nr;
	struct pld_ke ke;
	struct pld_proposal chosen;
	struct ike_suite suite;
	const uint8_t *gir;
	size_t gir_len;
	uint16_t err = ike_error_notify(x->m);
	uint16_t used = x->task.ke != 0 ? x->task.ke : sa->suite.ke;
	bool collided = sa->state == IKE_SA_REKEYED && sa->rekey_new != NULL;
	int ppk = err == 0 ? ike_ppk_child_i(x) : 0; /* -EPERM: made, deleted */

	if (sa->state != IKE_SA_REKEYING && !collided) {
		/* The peer's rekey went first (§2.25.2 TEMPORARY_FAILURE). */
		ike_ke_free(sa->rekey_ke);
		sa->rekey_ke = NULL;
		return 0;
	}
	if (err != 0 || (ppk != 0 && ppk != -EPERM) || ike_get_sa(x->m, &resp) != 0 ||
	    ike_get_nonce(x->m, &nr) != 0 || ike_get_ke(x->m, &ke) != 0 || resp.n_proposals != 1 ||
	    ike_proposal_select(&resp, sa->conn->ike, sa->conn->n_ike, ke.method, &chosen) != 0 ||
	    chosen.n_transforms != resp.prop[0].n_transforms ||
	    ike_suite_from(&chosen, &suite) != 0 || suite.ke != used ||
	    ike_ke_complete(sa->rekey_ke, ke.data, ke.len) != 0 ||
	    ike_ke_shared(sa->rekey_ke, &gir, &gir_len) != 0) {
		ike_log(x->e, "IKE SA %016llx_i: IKE rekey failed (%s)",
			(unsigned long long)sa->spi_i, err != 0 ? ike_notify_name(err) : "bad answer");
		ike_ke_free(sa->rekey_ke);
		sa->rekey_ke = NULL;
		if (err == IKE_N_TEMPORARY_FAILURE)
			sa->rekey_at_ms = ike_now(x->e) + IKE_RETRY_BUSY_MS; /* §2.25 */
		if (err == IKE_N_INVALID_KE_PAYLOAD && !collided)
			(void)retry_ike_ke(x, sa, used);
		return collided ? 0 : ike_sa_set_state(x->e, sa, IKE_SA_ESTABLISHED);
	}
	if (ike_chosen_addke(&chosen, m) != 0) {
		/* RFC 9370 §2.2.4: the new SA after the IKE_FOLLOWUP_KEs. A
		 * collision resolved first (§2.8.2) leaves ours unfinished. */
		int rc = collided || ppk != 0 || fu_collision_lost(x, sa, nr.data, nr.len) ? -EBUSY :
				    ike_fu_start(x, &sa->fu_i, &chosen, IKE_TASK_IKE_REKEY, -1, gir,
						 gir_len,
						 sa->rekey_nonce, sa->rekey_nonce_len, nr.data,
						 nr.len);

		ike_ke_free(sa->rekey_ke);
		sa->rekey_ke = NULL;
		if (rc != 0)
			return collided ? 0 : ike_sa_set_state(x->e, sa, IKE_SA_ESTABLISHED);
		sa->fu_i.suite = suite;
		sa->fu_i.spi_i = sa->rekey_spi;
		sa->fu_i.spi_r = get64(chosen.spi);
		return 0;
	}
	x->new_sa = ike_sa_rekeyed(x->e, sa, true, sa->rekey_spi, get64(chosen.spi), &suite,
				   &(struct rekey_secrets){ .ni = sa->rekey_nonce,
							    .ni_len = sa->rekey_nonce_len,
							    .nr = nr.data, .nr_len = nr.len,
							    .gir = gir, .gir_len = gir_len });
	ike_ke_free(sa->rekey_ke);
	sa->rekey_ke = NULL;
	if (x->new_sa == NULL)
		return collided ? 0 : ike_sa_set_state(x->e, sa, IKE_SA_ESTABLISHED);
	if (ppk == -EPERM) /* RFC 9867 §3.2: unacceptable without the PPK */
		(void)ike_task_push(x->new_sa, IKE_TASK_IKE_DELETE, -1, -1);
	if (collided)
		return ike_rekey_collision(x, sa->rekey_new, x->new_sa, nr.data, nr.len);
	return ike_rekey_i_done(x, sa);
}

/* §2.18: the initiator of the rekey deletes the old IKE SA. */
static int ike_rekey_i_done(struct ike_xctx *x, struct ike_sa *sa)
{
	(void)ike_sa_set_state(x->e, sa, IKE_SA_REKEYED);
	move_tasks(sa, x->new_sa);
	return ike_task_push(sa, IKE_TASK_IKE_DELETE, -1, -1);
}

/* The secrets of a finished IKE_FOLLOWUP_KE series, as laid out there. */
static struct rekey_secrets fu_secrets(const struct ike_followup *f)
{
	const uint8_t *b = f->k.secrets;
	size_t rest = f->k.secrets_len - f->sk0_len - f->ni_len - f->nr_len;

	return (struct rekey_secrets){ .gir = b, .gir_len = f->sk0_len,
				       .ni = b + f->sk0_len, .ni_len = f->ni_len,
				       .nr = b + f->sk0_len + f->ni_len, .nr_len = f->nr_len,
				       .extra = b + f->sk0_len + f->ni_len + f->nr_len,
				       .extra_len = rest, .mke = &f->k };
}

static int finish_i(struct ike_xctx *x, struct ike_followup *f, bool ok, uint16_t err)
{
	struct ike_sa *sa = x->sa;
	struct rekey_secrets r = fu_secrets(f);

	if (f->task == IKE_TASK_IKE_REKEY) {
		if (!ok) {
			if (err == IKE_N_TEMPORARY_FAILURE)
				sa->rekey_at_ms = ike_now(x->e) + IKE_RETRY_BUSY_MS;
			return sa->state == IKE_SA_REKEYING ?
				       ike_sa_set_state(x->e, sa, IKE_SA_ESTABLISHED) : 0;
		}
		if (sa->state != IKE_SA_REKEYING) {
			/* §2.8.2: the peer's rekey finished while ours waited
			 * for its IKE_FOLLOWUP_KEs: ours is dropped (nothing
			 * was made yet, RFC 9370 §2.2.4). */
			ike_log(x->e, "IKE SA %016llx_i: our IKE SA rekey lost to the peer's",
				(unsigned long long)sa->spi_i);
			return 0;
		}
		x->new_sa = ike_sa_rekeyed(x->e, sa, true, f->spi_i, f->spi_r, &f->suite, &r);
		if (x->new_sa == NULL)
			return ike_sa_set_state(x->e, sa, IKE_SA_ESTABLISHED);
		return ike_rekey_i_done(x, sa);
	}
	if (f->child < 0 || sa->child[f->child].state != IKE_CHILD_CREATING)
		return 0;
	/* RFC 9370 §2.2.4: KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ...):
	 * what follows Ni is handed over as "Nr". */
	if (ok && child_i_finish(x, sa, sa, &sa->child[f->child], r.gir, r.gir_len, r.ni,
				 r.ni_len, r.nr, r.nr_len + r.extra_len) == 0)
		return 0;
	child_i_abandon(x, sa, &sa->child[f->child], err);
	return 0;
}

static int finish_r(struct ike_engine *e, struct ike_sa *sa, struct ike_followup *f, bool ok,
		    struct ike_sa **new_sa)
{
	struct rekey_secrets r = fu_secrets(f);

	*new_sa = NULL;
	if (f->task == IKE_TASK_IKE_REKEY) {
		/* REKEYING: our own rekey crossed it; the nonces decide once
		 * our answer is in (§2.8.2), as for a single key exchange. */
		if (!ok || (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYING))
			return ok ? -EBUSY : 0;
		*new_sa = ike_sa_rekeyed(e, sa, false, f->spi_i, f->spi_r, &f->suite, &r);
		if (*new_sa == NULL)
			return -ENOMEM;
		sa->rekey_new = *new_sa;
		move_tasks(sa, *new_sa);
		return ike_sa_set_state(e, sa, IKE_SA_REKEYED);
	}
	if (f->child < 0 || sa->child[f->child].state != IKE_CHILD_CREATING)
		return -ENOENT;
	if (!ok) {
		ike_child_remove(e, sa, &sa->child[f->child]);
		return 0;
	}
	return child_r_finish(e, sa, &sa->child[f->child], r.gir, r.gir_len, r.ni, r.ni_len, r.nr,
			      r.nr_len + r.extra_len);
}

/* The last IKE_FOLLOWUP_KE is done: the new SA keyed as its CREATE_CHILD_SA
 * agreed, with SK_d' when a PPK was (RFC 9867 §3.2.1). */
int ike_ccsa_finish_i(struct ike_xctx *x, struct ike_followup *f, bool ok, uint16_t err)
{
	int rc;

	if (ok)
		ike_ppk_child_resume(x->sa, f);
	rc = finish_i(x, f, ok, err);
	if (ok)
		ike_ppk_child_done(x->sa);
	return rc;
}

int ike_ccsa_finish_r(struct ike_engine *e, struct ike_sa *sa, struct ike_followup *f, bool ok,
		      struct ike_sa **new_sa)
{
	int rc;

	if (ok)
		ike_ppk_child_resume(sa, f);
	rc = finish_r(e, sa, f, ok, new_sa);
	if (ok)
		ike_ppk_child_done(sa);
	return rc;
}

static int i_process(struct ike_xctx *x)
{
	int rc = x->task.type == IKE_TASK_IKE_REKEY ? i_ike_rekey(x) : i_child(x);

	ike_ppk_child_done(x->sa); /* SK_d' wiped */
	x->sa->ppk.child_sent = false;
	return rc;
}

const struct ike_exchange ike_x_create_child = {
	.type = IKE_EXCH_CREATE_CHILD_SA,
	.encrypted = true,
	.i_build = i_build,
	.r_process = r_process,
	.r_build = r_build,
	.i_process = i_process,
};
