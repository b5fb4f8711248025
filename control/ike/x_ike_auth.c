/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH (RFC 7296 §1.2, §2.15, §2.17): identities, AUTH with a PSK or
 * RFC 7427 signatures over X.509 certificates (CERT, CERTREQ), and the
 * first Child SA (SA2, TSi, TSr with narrowing, §2.9), or none at all
 * (RFC 6023). INITIAL_CONTACT (§2.4) clears older IKE SAs of the peer.
 */
#include <errno.h>
#include <string.h>

#include "control/ike/exchange.h"

enum { INTAUTH_MAX = 2 * IKE_KEY_PRF_MAX + 4,
       OCTETS_MAX = IKE_INIT_MAX + IKE_NONCE_MAX + IKE_KEY_PRF_MAX + INTAUTH_MAX, AUTH_MAX = 1024,
       CERTS_MAX = 8 };

/* ID payload body (§3.5): type, 3 reserved octets, data. */
static size_t id_body(const struct ike_id *id, uint8_t out[4 + IKE_ID_MAX])
{
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return 4 + (size_t)id->len;
}

/*
 * §2.15: the octets a side signs: its IKE_SA_INIT message, the peer's
 * nonce, prf(SK_p, ID body). @p of_initiator: the initiator's octets.
 */
static long octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *idb, size_t idl,
		   uint8_t *out)
{
	long n;

	if (of_initiator)
		n = ike_crypto_signed_octets(sa->suite.prf, sa->init_req, sa->init_req_len, sa->nr,
					     sa->nr_len, sa->keys.pi, idb, idl, out,
					     OCTETS_MAX - INTAUTH_MAX);
	else
		n = ike_crypto_signed_octets(sa->suite.prf, sa->init_resp, sa->init_resp_len, sa->ni,
					     sa->ni_len, sa->keys.pr, idb, idl, out,
					     OCTETS_MAX - INTAUTH_MAX);
	if (n < 0 || sa->n_int == 0)
		return n;
	/* RFC 9242 §3.3.2: | IntAuth_iN | IntAuth_rN | IKE_AUTH_MID. */
	memcpy(out + n, sa->intauth_i, sa->keys.prf_len);
	n += (long)sa->keys.prf_len;
	memcpy(out + n, sa->intauth_r, sa->keys.prf_len);
	n += (long)sa->keys.prf_len;
	out[n++] = (uint8_t)(sa->auth_mid >> 24);
	out[n++] = (uint8_t)(sa->auth_mid >> 16);
	out[n++] = (uint8_t)(sa->auth_mid >> 8);
	out[n++] = (uint8_t)sa->auth_mid;
	return n;
}

/* AUTH data (§2.15) over our octets with SK_p as the SA holds it now:
 * a shared key MIC or an RFC 7427 signature with @p cred. Length or -errno. */
static long auth_data(struct ike_sa *sa, const struct ike_cred *cred, bool initiator,
		      const uint8_t *idb, size_t idl, uint8_t *out, size_t cap)
{
	const struct ike_conn *c = sa->conn;
	uint8_t oct[OCTETS_MAX];
	long ol = octets(sa, initiator, idb, idl, oct);
	int rc;

	if (ol < 0)
		return ol;
	if (c->auth == IKE_AUTHK_PUBKEY)
		return ike_crypto_sign(cred, sa->peer_hashes, oct, (size_t)ol, out, cap);
	if (cap < ike_crypto_prf_len(sa->suite.prf))
		return -ENOSPC;
	rc = ike_crypto_psk(sa->suite.prf, c->psk, c->psk_len, oct, (size_t)ol, out);
	return rc < 0 ? rc : (long)ike_crypto_prf_len(sa->suite.prf);
}

/* Our ID, [CERT...], AUTH, and the RFC 8784 notifies of the initiator. */
static int add_id_auth(struct ike_xctx *x, bool initiator)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	const struct ike_cred *cred = NULL;
	uint8_t idb[4 + IKE_ID_MAX], auth[AUTH_MAX], no_ppk[AUTH_MAX];
	struct pld_id id = { .type = c->local_id.type, .data = c->local_id.data,
			     .len = c->local_id.len };
	struct pld_auth a = { .data = auth };
	size_t idl = id_body(&c->local_id, idb);
	long al, nl = 0;
	int rc;

	rc = ike_msg_add_id(x->mb, initiator ? IKE_PLD_IDi : IKE_PLD_IDr, &id);
	if (rc != 0)
		return rc;
	if (c->auth == IKE_AUTHK_PSK) {
		a.method = IKE_AUTH_SHARED_KEY_MIC;
	} else {
		/* The responder answers the request in x->m (§3.7 CERTREQ). */
		const uint8_t *der[CERTS_MAX];
		size_t len[CERTS_MAX];
		unsigned n;

		cred = ike_certreq_pick(x->e, sa, initiator ? NULL : x->m);
		n = ike_crypto_cred_certs(cred, der, len, CERTS_MAX);
		/* §3.6: end-entity certificate first, then the intermediates. */
		for (unsigned i = 0; i < n && rc == 0; i++) {
			struct pld_cert cert = { .encoding = IKE_CERT_X509_SIGNATURE,
						 .data = der[i], .len = len[i] };

			rc = ike_msg_add_cert(x->mb, IKE_PLD_CERT, &cert);
		}
		if (rc == 0 && initiator && c->send_certreq) {
			uint8_t h[8 * 20];
			struct pld_cert req = { .encoding = IKE_CERT_X509_SIGNATURE, .data = h };

			req.len = ike_crypto_ca_hashes(c->trust, h, sizeof(h));
			rc = ike_msg_add_cert(x->mb, IKE_PLD_CERTREQ, &req);
		}
		a.method = IKE_AUTH_DIGITAL_SIGNATURE;
	}
	al = auth_data(sa, cred, initiator, idb, idl, auth, sizeof(auth));
	if (al < 0 && rc == 0)
		rc = (int)al;
	a.len = al > 0 ? (size_t)al : 0;
	if (rc == 0 && initiator && ike_ppk_wants_no_ppk_auth(sa)) {
		/* RFC 8784 §3: the same method over SK_pi', without the PPK. */
		ike_ppk_swap(sa);
		nl = auth_data(sa, cred, true, idb, idl, no_ppk, sizeof(no_ppk));
		ike_ppk_swap(sa);
		if (nl < 0)
			rc = (int)nl;
	}
	if (rc == 0 && initiator)
		rc = ike_add_notify(x->mb, 0, IKE_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	if (rc == 0)
		rc = ike_msg_add_auth(x->mb, &a);
	if (rc == 0 && initiator)
		rc = ike_ppk_auth_add_i(x, nl > 0 ? no_ppk : NULL, (size_t)(nl > 0 ? nl : 0));
	else if (rc == 0)
		rc = ike_ppk_auth_add_r(x);
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(no_ppk, sizeof(no_ppk));
	return rc;
}

/* The peer's ID and AUTH, checked against the connection: 0 or -EPERM.
 * @p no_ppk_auth: verify its data instead of the AUTH payload's (RFC 8784
 * §3, the method still from AUTH), NULL otherwise. */
static int verify_peer(struct ike_xctx *x, bool peer_is_initiator,
		       const struct pld_notify *no_ppk_auth)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	const struct ike_pld_ref *idr, *ar, *cr;
	const uint8_t *chain[CERTS_MAX];
	size_t chain_len[CERTS_MAX];
	struct pld_cert ee = { 0 }, cert;
	struct pld_id id;
	struct pld_auth a;
	uint8_t oct[OCTETS_MAX];
	unsigned n = 0;
	long ol;

	idr = ike_msg_find(x->m, peer_is_initiator ? IKE_PLD_IDi : IKE_PLD_IDr);
	ar = ike_msg_find(x->m, IKE_PLD_AUTH);
	if (idr == NULL || ar == NULL || pld_id_parse(idr->body, idr->body_len, &id) != 0 ||
	    pld_auth_parse(ar->body, ar->body_len, &a) != 0)
		return -EBADMSG;
	if (no_ppk_auth != NULL) {
		a.data = no_ppk_auth->data;
		a.len = no_ppk_auth->len;
	}
	/* The identity must be the one configured for the peer. */
	if (c->remote_id.type != 0 &&
	    (id.type != c->remote_id.type || id.len != c->remote_id.len ||
	     memcmp(id.data, c->remote_id.data, id.len) != 0))
		return -EPERM;
	ol = octets(sa, peer_is_initiator, idr->body, idr->body_len, oct);
	if (ol < 0)
		return (int)ol;
	if (c->auth == IKE_AUTHK_PSK) {
		if (a.method != IKE_AUTH_SHARED_KEY_MIC ||
		    !ike_crypto_psk_verify(sa->suite.prf, c->psk, c->psk_len, oct, (size_t)ol,
					   a.data, a.len))
			return -EPERM;
		return 0;
	}
	if (a.method != IKE_AUTH_DIGITAL_SIGNATURE)
		return -EPERM;
	for (cr = ike_msg_find(x->m, IKE_PLD_CERT); cr != NULL; cr = ike_msg_find_next(x->m, cr)) {
		if (pld_cert_parse(cr->body, cr->body_len, &cert) != 0 ||
		    cert.encoding != IKE_CERT_X509_SIGNATURE)
			continue;
		if (ee.data == NULL)
			ee = cert;
		else if (n < CERTS_MAX) {
			chain[n] = cert.data;
			chain_len[n++] = cert.len;
		}
	}
	if (ee.data == NULL)
		return -EPERM; /* no certificate: no cached peer keys here */
	return ike_crypto_verify_peer(c->trust, ee.data, ee.len, chain, chain_len, n, id.type,
				      id.data, id.len, oct, (size_t)ol, a.data, a.len) == 0 ?
		       0 : -EPERM;
}

static void contact_visit(struct ike_engine *e, struct ike_sa *o, void *arg)
{
	const struct ike_xctx *x = arg;

	if (o != x->sa && o->conn == x->sa->conn && o->state == IKE_SA_ESTABLISHED &&
	    esp_addr_eq(&o->remote.ip, &x->remote.ip))
		ike_sa_destroy(e, o);
}

/* §2.4: INITIAL_CONTACT: older IKE SAs with this peer are gone. */
static void initial_contact(struct ike_xctx *x)
{
	struct pld_notify n;

	if (ike_msg_find_notify(x->m, IKE_N_INITIAL_CONTACT, &n) != 0)
		return;
	x->sa->initial_contact = true;
	ike_sa_each(x->e, contact_visit, x);
}

/* Child part shared by both sides once the ESP proposal and TS are known. */
static int child_finish(struct ike_xctx *x, struct ike_child *ch)
{
	struct ike_sa *sa = x->sa;
	int rc;

	/* IKE_AUTH: the exchange's initiator is the IKE SA's. */
	rc = ike_child_install(x->e, sa, ch, sa, sa->initiator, NULL, 0, sa->ni, sa->ni_len, sa->nr,
			       sa->nr_len);
	if (rc == 0)
		rc = ike_child_take_traffic(x->e, sa, ch, sa->initiator);
	if (rc == 0)
		rc = ike_child_set_state(x->e, sa, ch, IKE_CHILD_INSTALLED);
	ike_nonce_min(ch, sa->ni, sa->ni_len, sa->nr, sa->nr_len);
	return rc;
}

/* ----------------------------------------------------------------------- */

/* Initiator builds: IDi, [CERT], [CERTREQ], N(INITIAL_CONTACT), AUTH,
 * and unless childless SA, TSi, TSr. */
static int i_build(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_child_cfg *cc;
	struct ike_child *ch;
	struct pld_sa sap;
	int rc;

	if (sa->state == IKE_SA_INIT_SENT) {
		rc = ike_sa_set_state(x->e, sa, IKE_SA_AUTH_SENT);
		if (rc != 0)
			return rc;
	}
	sa->auth_mid = sa->req_mid; /* RFC 9242 §3.3.2 IKE_AUTH_MID */
	rc = ike_ppk_auth_mix(x); /* RFC 8784 §3 */
	if (rc == 0)
		rc = add_id_auth(x, true);
	if (rc != 0 || x->task.cfg < 0)
		return rc; /* RFC 6023 §3: childless, no SA/TS */
	cc = &sa->conn->child[x->task.cfg];
	ch = ike_child_alloc(sa);
	if (ch == NULL)
		return -ENOSPC;
	ch->cfg = (uint8_t)x->task.cfg;
	ch->per_resource = cc->per_resource;
	rc = ike_child_place(x->e, sa, ch);
	if (rc != 0)
		return rc;
	ch->ts_l = cc->ts_l;
	ch->ts_r = cc->ts_r;
	ch->transport = cc->mode == ESP_MODE_TRANSPORT;
	rc = ike_child_set_state(x->e, sa, ch, IKE_CHILD_CREATING);
	if (rc != 0)
		return rc;
	x->task.child = (int8_t)ike_child_slot(sa, ch);
	ike_esp_sa_payload(cc, ch->spi_in, false, &sap);
	rc = ike_add_mode(x->mb, ch);
	if (rc == 0)
		rc = ike_res_add_notify(x->mb, ch);
	if (rc == 0)
		rc = ike_msg_add_sa(x->mb, &sap);
	if (rc == 0)
		rc = ike_add_ts_pair(x->mb, &cc->ts_l, &cc->ts_r);
	return rc;
}

/* Responder: the requested child, narrowed (§2.9); x->child_err if not. */
static void r_child(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	struct pld_sa peer;
	struct pld_ts tsi, tsr;
	struct ike_proposal props[IKE_PROPS_MAX];
	struct ike_child *ch;
	struct ike_ts l, r;
	bool res;
	int cfg = -1;

	if (ike_get_sa(x->m, &peer) != 0 || ike_get_ts(x->m, IKE_PLD_TSi, &tsi) != 0 ||
	    ike_get_ts(x->m, IKE_PLD_TSr, &tsr) != 0) {
		x->child_err = IKE_N_INVALID_SYNTAX;
		return;
	}
	/* TSi is the initiator's side: our remote. */
	for (unsigned i = 0; i < c->n_child && cfg < 0; i++)
		if (ike_ts_narrow(&c->child[i].ts_r, &tsi, &r) == 0 &&
		    ike_ts_narrow(&c->child[i].ts_l, &tsr, &l) == 0)
			cfg = (int)i;
	if (cfg < 0) {
		x->child_err = IKE_N_TS_UNACCEPTABLE;
		return;
	}
	if (ike_proposal_select(&peer, props, ike_esp_proposals(&c->child[cfg], false, props), 0,
				&x->chosen) != 0) {
		x->child_err = IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	if ((x->child_err = ike_res_check_request(x, (unsigned)cfg, &res)) != 0)
		return;
	ch = ike_child_alloc(sa);
	if (ch != NULL) {
		ch->cfg = (uint8_t)cfg;
		ch->per_resource = res;
	}
	if (ch == NULL || ike_child_place(x->e, sa, ch) != 0) {
		x->child_err = IKE_N_NO_ADDITIONAL_SAS;
		return;
	}
	ch->spi_out = ike_spi32(&x->chosen);
	ch->ts_l = l;
	ch->ts_r = r;
	/* §1.3.1: transport only when asked for and configured. */
	ch->transport = ike_wants_transport(x->m) && c->child[cfg].mode == ESP_MODE_TRANSPORT;
	if (ike_esp_suite_from(&x->chosen, &ch->suite) != 0 || child_finish(x, ch) != 0) {
		ike_child_remove(x->e, sa, ch);
		x->child_err = IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	x->child = ike_child_slot(sa, ch);
}

static bool id_is(const struct ike_id *want, const struct pld_id *id)
{
	return want->type == id->type && want->len == id->len &&
	       memcmp(want->data, id->data, id->len) == 0;
}

static bool same_ike_proposals(const struct ike_conn *a, const struct ike_conn *b)
{
	return a->n_ike == b->n_ike && memcmp(a->ike, b->ike, a->n_ike * sizeof(a->ike[0])) == 0;
}

/*
 * IKE_SA_INIT chose a connection by addresses only; IDi may name another
 * one for the same addresses (several peers behind "any"). Switch to the
 * one whose remote identity is IDi, if it accepts the IKE SA's proposals.
 */
static void select_conn(struct ike_xctx *x)
{
	struct ike_engine *e = x->e;
	struct ike_sa *sa = x->sa;
	const struct ike_pld_ref *r = ike_msg_find(x->m, IKE_PLD_IDi);
	struct pld_id id;

	if (r == NULL || pld_id_parse(r->body, r->body_len, &id) != 0 ||
	    sa->conn->remote_id.type == 0 || id_is(&sa->conn->remote_id, &id))
		return;
	for (unsigned i = 0; i < e->n_conn; i++) {
		const struct ike_conn *c = e->conn[i];

		if (c != sa->conn && id_is(&c->remote_id, &id) &&
		    (c->local.ip.family == 0 || esp_addr_eq(&c->local.ip, &x->local.ip)) &&
		    (c->remote.ip.family == 0 || esp_addr_eq(&c->remote.ip, &x->remote.ip)) &&
		    same_ike_proposals(c, sa->conn)) {
			ike_log(e, "IKE SA %016llx_i %016llx_r: connection %s for this identity",
				(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
				c->name);
			sa->conn = c;
			return;
		}
	}
}

/* Responder processes: AUTH, then the child. */
static int r_process(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct pld_notify no_ppk;
	bool use_no_ppk;
	int rc;

	if (sa->state != IKE_SA_INIT_DONE)
		return -EPROTO;
	if (sa->mke.done < sa->mke.n) {
		/* RFC 9370 §2.2.3: IKE_AUTH only after every additional KE. */
		ike_log(x->e, "IKE SA %016llx_i %016llx_r: IKE_AUTH before the additional key "
			"exchanges", (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
		x->notify = IKE_N_INVALID_SYNTAX;
		return ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
	}
	sa->auth_mid = x->m->message_id;
	select_conn(x);
	/* RFC 8784 §3: the PPK's keys, or NO_PPK_AUTH's data, or failure. */
	rc = ike_ppk_auth_r(x, &no_ppk, &use_no_ppk);
	if (rc == 0)
		rc = verify_peer(x, true, use_no_ppk ? &no_ppk : NULL);
	if (rc == -EBADMSG)
		return rc;
	if (rc != 0) {
		/* §2.21.2: answer AUTHENTICATION_FAILED, the SA is gone. */
		ike_log(x->e, "IKE SA %016llx_i %016llx_r: peer authentication failed",
			(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
		x->e->st.rx_bad_auth++;
		x->notify = IKE_N_AUTHENTICATION_FAILED;
		return ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
	}
	rc = ike_sa_set_state(x->e, sa, IKE_SA_ESTABLISHED);
	if (rc != 0)
		return rc;
	if (sa->conn->rekey_ms != 0)
		sa->rekey_at_ms = ike_now(x->e) + sa->conn->rekey_ms;
	initial_contact(x);
	if (ike_msg_find(x->m, IKE_PLD_SA) != NULL)
		r_child(x);
	return 0;
}

/* Responder builds: IDr, [CERT], AUTH, then SA, TSi, TSr or the child's error. */
static int r_build(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct ike_child *ch;
	struct pld_sa sap = { .n_proposals = 1 };
	int rc = add_id_auth(x, false);

	if (rc != 0)
		return rc;
	if (x->child_err != 0)
		return ike_add_notify(x->mb, 0, x->child_err, NULL, 0, NULL, 0);
	if (x->child < 0)
		return 0;
	ch = &sa->child[x->child];
	rc = ike_add_mode(x->mb, ch);
	if (rc == 0)
		rc = ike_res_add_notify(x->mb, ch);
	if (rc != 0)
		return rc;
	sap.prop[0] = x->chosen;
	sap.prop[0].spi[0] = (uint8_t)(ch->spi_in >> 24);
	sap.prop[0].spi[1] = (uint8_t)(ch->spi_in >> 16);
	sap.prop[0].spi[2] = (uint8_t)(ch->spi_in >> 8);
	sap.prop[0].spi[3] = (uint8_t)ch->spi_in;
	rc = ike_msg_add_sa(x->mb, &sap);
	if (rc == 0)
		rc = ike_add_ts_pair(x->mb, &ch->ts_r, &ch->ts_l);
	return rc;
}

/* Initiator: the responder's answer to the child request. */
static void i_child(struct ike_xctx *x, struct ike_child *ch)
{
	struct ike_sa *sa = x->sa;
	const struct ike_child_cfg *cc = &sa->conn->child[ch->cfg];
	struct pld_sa resp;
	struct pld_ts tsi, tsr;
	struct pld_proposal chosen;
	struct ike_proposal props[IKE_PROPS_MAX];
	unsigned n_props = ike_esp_proposals(cc, false, props);
	struct ike_ts l, r;
	uint16_t err = ike_error_notify(x->m);

	if (err != 0 || ike_get_sa(x->m, &resp) != 0 || ike_get_ts(x->m, IKE_PLD_TSi, &tsi) != 0 ||
	    ike_get_ts(x->m, IKE_PLD_TSr, &tsr) != 0 || resp.n_proposals != 1 ||
	    ike_proposal_select(&resp, props, n_props, 0, &chosen) != 0 ||
	    chosen.n_transforms != resp.prop[0].n_transforms ||
	    ike_ts_narrow(&cc->ts_l, &tsi, &l) != 0 || ike_ts_narrow(&cc->ts_r, &tsr, &r) != 0) {
		ike_log(x->e, "IKE SA %016llx_i: no Child SA (%s)", (unsigned long long)sa->spi_i,
			err != 0 ? ike_notify_name(err) : "unacceptable answer");
		ike_child_remove(x->e, sa, ch);
		return;
	}
	/* §2.9: the responder may only narrow what we proposed. */
	ch->ts_l = l;
	ch->ts_r = r;
	ch->transport = ch->transport && ike_wants_transport(x->m);
	ike_res_answered(x, sa, ch);
	ch->spi_out = ike_spi32(&chosen);
	if (ike_esp_suite_from(&chosen, &ch->suite) != 0 || child_finish(x, ch) != 0)
		ike_child_remove(x->e, sa, ch);
}

/* Initiator processes: the responder's AUTH, then the child. */
static int i_process(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	uint16_t err = ike_error_notify(x->m);
	int rc;

	if (ike_msg_find(x->m, IKE_PLD_AUTH) == NULL) {
		ike_log(x->e, "IKE SA %016llx_i: IKE_AUTH refused: %s",
			(unsigned long long)sa->spi_i, ike_notify_name(err));
		return ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
	}
	/* RFC 8784 §3: PPK used, or its optional fallback, or failure. */
	rc = ike_ppk_auth_i(x);
	if (rc == 0)
		rc = verify_peer(x, false, NULL);
	if (rc != 0) {
		ike_log(x->e, "IKE SA %016llx_i: responder authentication failed",
			(unsigned long long)sa->spi_i);
		x->e->st.rx_bad_auth++;
		return ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
	}
	rc = ike_sa_set_state(x->e, sa, IKE_SA_ESTABLISHED);
	if (rc != 0)
		return rc;
	if (sa->conn->rekey_ms != 0)
		sa->rekey_at_ms = ike_now(x->e) + sa->conn->rekey_ms;
	if (x->task.child >= 0)
		i_child(x, &sa->child[x->task.child]);
	return 0;
}

const struct ike_exchange ike_x_ike_auth = {
	.type = IKE_EXCH_IKE_AUTH,
	.encrypted = true,
	.i_build = i_build,
	.r_process = r_process,
	.r_build = r_build,
	.i_process = i_process,
};
