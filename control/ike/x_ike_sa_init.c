/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_SA_INIT (RFC 7296 §1.2): SA, KE, Nonce, NAT detection (§2.23),
 * cookies (§2.6), INVALID_KE_PAYLOAD (§1.2), and the announcements of
 * IKE fragmentation (RFC 7383 §2.3), RFC 7427 hash algorithms (§4),
 * childless IKE SAs (RFC 6023 §3) and IKE_INTERMEDIATE (RFC 9242 §3.1)
 * with the additional key exchanges of RFC 9370 §2.2.1.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/ike/exchange.h"
#include "control/ikecrypto/ke.h"

enum { COOKIE_LEN = 1 + 16, COOKIE_RETRIES = 3 };

/* RFC 7427 §4: the hashes we verify and sign with. */
static const uint8_t our_hashes[] = { 0, IKE_HASH_SHA2_256, 0, IKE_HASH_SHA2_384,
				      0, IKE_HASH_SHA2_512, 0, IKE_HASH_IDENTITY };

/* §2.23: SHA-1(SPIi | SPIr | IP | Port). */
static int nat_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *a, uint8_t out[20])
{
	uint8_t spis[16], port[2] = { (uint8_t)(a->port >> 8), (uint8_t)a->port };

	ike_be64(spi_i, spis);
	ike_be64(spi_r, spis + 8);
	return ike_crypto_sha1(spis, 16, a->ip.bytes, esp_addr_len(a->ip.family), port, 2, out);
}

static int add_common_notifies(struct ike_xctx *x, uint64_t spi_r, bool responder)
{
	struct ike_sa *sa = x->sa;
	uint8_t src[20], dst[20];
	int rc;

	rc = nat_hash(sa->spi_i, spi_r, &x->local, src);
	if (rc == 0)
		rc = nat_hash(sa->spi_i, spi_r, &x->remote, dst);
	if (rc == 0)
		rc = ike_add_notify(x->mb, 0, IKE_N_NAT_DETECTION_SOURCE_IP, NULL, 0, src, 20);
	if (rc == 0)
		rc = ike_add_notify(x->mb, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, dst, 20);
	if (rc == 0)
		rc = ike_add_notify(x->mb, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	if (rc == 0)
		rc = ike_add_notify(x->mb, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, NULL, 0, our_hashes,
				    sizeof(our_hashes));
	if (rc == 0 && responder)
		rc = ike_add_notify(x->mb, 0, IKE_N_CHILDLESS_IKEV2_SUPPORTED, NULL, 0, NULL, 0);
	return rc;
}

/* The peer's notifies: capabilities and NAT (§2.23). */
static int peer_notifies(struct ike_xctx *x, uint64_t spi_r)
{
	struct ike_sa *sa = x->sa;
	bool src_seen = false, src_match = false, dst_seen = false, dst_match = false;
	struct pld_notify n;
	unsigned it = 0;
	uint8_t h[20];
	int rc;

	while ((rc = ike_msg_notify_next(x->m, &it, &n)) == 1) {
		switch (n.type) {
		case IKE_N_NAT_DETECTION_SOURCE_IP:
			src_seen = true;
			if (n.len == 20 && nat_hash(sa->spi_i, spi_r, &x->remote, h) == 0)
				src_match |= memcmp(h, n.data, 20) == 0;
			break;
		case IKE_N_NAT_DETECTION_DESTINATION_IP:
			dst_seen = true;
			if (n.len == 20 && nat_hash(sa->spi_i, spi_r, &x->local, h) == 0)
				dst_match |= memcmp(h, n.data, 20) == 0;
			break;
		case IKE_N_IKEV2_FRAGMENTATION_SUPPORTED:
			sa->peer_frag = true;
			break;
		case IKE_N_CHILDLESS_IKEV2_SUPPORTED:
			sa->peer_childless = true;
			break;
		case IKE_N_SIGNATURE_HASH_ALGORITHMS: {
			uint16_t ids[16];
			unsigned cnt = 0;

			if (pld_n_hash_algs(&n, ids, 16, &cnt) != 0)
				return -EBADMSG;
			for (unsigned i = 0; i < cnt && i < 16; i++)
				if (ids[i] < 32)
					sa->peer_hashes |= 1u << ids[i];
			break;
		}
		default:
			break;
		}
	}
	if (rc < 0)
		return rc;
	/* A mismatch means a NAT on that side (the peer behind one: source). */
	sa->nat_remote = src_seen && !src_match;
	sa->nat_local = dst_seen && !dst_match;
	return 0;
}

static int suite_from(const struct pld_proposal *p, struct ike_suite *s)
{
	const struct pld_transform *enc = ike_chosen_xf(p, IKE_XFORM_ENCR);
	const struct pld_transform *prf = ike_chosen_xf(p, IKE_XFORM_PRF);
	const struct pld_transform *integ = ike_chosen_xf(p, IKE_XFORM_INTEG);
	const struct pld_transform *ke = ike_chosen_xf(p, IKE_XFORM_KE);

	if (enc == NULL || prf == NULL || ke == NULL)
		return -EINVAL;
	*s = (struct ike_suite){
		.encr = enc->id,
		.key_bits = enc->flags & PLD_XF_KEY_LENGTH ? enc->key_len : 256,
		.prf = prf->id,
		.integ = integ != NULL ? integ->id : 0,
		.ke = ke->id,
	};
	return ike_crypto_suite_ok(s) && ike_ke_supported(s->ke) ? 0 : -ENOTSUP;
}

/* §2.6: Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>). */
static int cookie_make(struct ike_engine *e, const struct pld_nonce *ni,
		       const struct ike_addr *ipi, uint64_t spi_i, uint8_t out[COOKIE_LEN])
{
	uint8_t spi[8], h[32];
	const uint8_t *in[3] = { ni->data, ipi->ip.bytes, spi };
	const size_t len[3] = { ni->len, esp_addr_len(ipi->ip.family), 8 };
	int rc;

	ike_be64(spi_i, spi);
	rc = ike_crypto_prf_v(IKE_PRF_HMAC_SHA2_256, e->cookie_secret, sizeof(e->cookie_secret),
			      in, len, 3, h);
	out[0] = 0; /* one secret so far */
	memcpy(out + 1, h, COOKIE_LEN - 1);
	return rc;
}

/* ----------------------------------------------------------------------- */

static bool wants_intermediate(const struct ike_conn *c)
{
	for (unsigned p = 0; p < c->n_ike; p++)
		if (ike_proposal_has_addke(&c->ike[p]))
			return true;
	return false;
}

static bool announces_intermediate(const struct ike_msg *m)
{
	struct pld_notify n;

	return ike_msg_find_notify(m, IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED, &n) == 0;
}

/* Initiator builds: [N(COOKIE)], SA, KE, Ni, N(NAT_D*), N(FRAG), N(SHA),
 * [N(INTERMEDIATE_EXCHANGE_SUPPORTED)]. */
static int i_build(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	struct pld_sa sap;
	struct pld_ke ke = { .method = sa->ke_method };
	int rc;

	if (sa->state == IKE_SA_IDLE) {
		sa->ni_len = IKE_NONCE_LEN;
		ike_rng(x->e, sa->ni, sa->ni_len);
		rc = ike_sa_set_state(x->e, sa, IKE_SA_INIT_SENT);
		if (rc != 0)
			return rc;
	}
	if (sa->ke == NULL) {
		sa->ke = ike_ke_new(sa->ke_method, true);
		if (sa->ke == NULL)
			return -ENOTSUP;
	}
	rc = ike_ke_public(sa->ke, &ke.data, &ke.len);
	if (rc != 0)
		return rc;
	/* §2.6: the COOKIE notify comes first. */
	if (sa->cookie_len != 0) {
		rc = ike_add_notify(x->mb, 0, IKE_N_COOKIE, NULL, 0, sa->cookie, sa->cookie_len);
		if (rc != 0)
			return rc;
	}
	ike_proposals_to_sa(c->ike, c->n_ike, NULL, 0, &sap);
	rc = ike_msg_add_sa(x->mb, &sap);
	if (rc == 0)
		rc = ike_msg_add_ke(x->mb, &ke);
	if (rc == 0)
		rc = ike_add_nonce(x->mb, sa->ni, sa->ni_len);
	if (rc == 0)
		rc = add_common_notifies(x, 0, false);
	/* RFC 9370 §2.2.1: ADDKE transforms need IKE_INTERMEDIATE, and so
	 * does a PPK in it (RFC 9867 §3.1). */
	if (rc == 0 && (wants_intermediate(c) || ike_ppk_int_wanted(c)))
		rc = ike_add_notify(x->mb, 0, IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED, NULL, 0,
				    NULL, 0);
	if (rc == 0)
		rc = ike_ppk_init_add(x, false); /* RFC 8784 */
	return rc;
}

static int stateless(struct ike_xctx *x, uint16_t notify, const void *data, size_t len)
{
	x->stateless = true;
	x->notify = notify;
	if (len != 0)
		memcpy(x->notify_data, data, len);
	x->notify_len = len;
	return 0;
}

/* Responder processes: cookie check, proposal and KE choice, keys. */
static int r_process(struct ike_xctx *x)
{
	struct ike_engine *e = x->e;
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c;
	struct pld_sa peer;
	struct pld_ke ke;
	struct pld_nonce ni;
	struct pld_notify n;
	struct ike_suite suite;
	const uint8_t *pub, *gir;
	size_t pub_len, gir_len;
	const struct pld_transform *kx;
	int rc;

	x->stateless = true; /* until the SA is committed */
	if (ike_get_sa(x->m, &peer) != 0 || ike_get_ke(x->m, &ke) != 0 ||
	    ike_get_nonce(x->m, &ni) != 0)
		return -EBADMSG;
	c = ike_conn_for(e, &x->local, &x->remote);
	if (c == NULL)
		return stateless(x, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	if (ike_half_open(e) >= e->cfg.cookie_threshold) {
		uint8_t want[COOKIE_LEN];

		/* §2.6: under load, answer with a cookie and keep no state. */
		rc = cookie_make(e, &ni, &x->remote, x->m->spi_i, want);
		if (rc != 0)
			return rc;
		if (ike_msg_find_notify(x->m, IKE_N_COOKIE, &n) != 0 || n.len != COOKIE_LEN ||
		    CRYPTO_memcmp(n.data, want, COOKIE_LEN) != 0) {
			e->st.cookies_sent++;
			return stateless(x, IKE_N_COOKIE, want, COOKIE_LEN);
		}
	}
	/* The hard limit, after the cookie: a flood from spoofed addresses
	 * keeps getting stateless cookies, only returning initiators count. */
	if (ike_half_open(e) >= e->cfg.half_open_max && e->cfg.half_open_max != 0) {
		e->st.half_open_drops++;
		return -EBUSY;
	}
	/* RFC 9370 §2.2.1: ADDKE proposals only with IKE_INTERMEDIATE. */
	rc = ike_proposal_select_mke(&peer, c->ike, c->n_ike, ke.method, announces_intermediate(x->m),
				     &x->chosen);
	if (rc != 0 || suite_from(&x->chosen, &suite) != 0)
		return stateless(x, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	kx = ike_chosen_xf(&x->chosen, IKE_XFORM_KE);
	if (kx->id != ke.method) {
		/* §1.2: tell the initiator which group we want. */
		uint8_t g[2] = { (uint8_t)(kx->id >> 8), (uint8_t)kx->id };

		e->st.invalid_ke_sent++;
		return stateless(x, IKE_N_INVALID_KE_PAYLOAD, g, 2);
	}
	sa->ke = ike_ke_new(ke.method, false);
	if (sa->ke == NULL)
		return stateless(x, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	rc = ike_ke_complete(sa->ke, ke.data, ke.len);
	if (rc == 0)
		rc = ike_ke_shared(sa->ke, &gir, &gir_len);
	if (rc == 0)
		rc = ike_ke_public(sa->ke, &pub, &pub_len);
	if (rc != 0)
		return stateless(x, IKE_N_INVALID_SYNTAX, NULL, 0);
	rc = peer_notifies(x, 0);
	if (rc != 0 || ni.len > sizeof(sa->ni) || x->m->len > IKE_INIT_MAX)
		return -EBADMSG;

	/* RFC 8784 / RFC 9867 §3.1: USE_PPK or USE_PPK_INT, or refused. */
	if (ike_ppk_init_r(x, c, announces_intermediate(x->m)) != 0)
		return stateless(x, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);

	/* Commit: from here on the SA exists (half-open until IKE_AUTH). */
	x->stateless = false;
	sa->conn = c;
	sa->suite = suite;
	sa->ke_method = ke.method;
	sa->peer_intermediate = announces_intermediate(x->m);
	sa->mke.n = (uint8_t)ike_chosen_addke(&x->chosen, sa->mke.method);
	sa->spi_r = ike_spi_new(e);
	memcpy(sa->ni, ni.data, ni.len);
	sa->ni_len = ni.len;
	sa->nr_len = IKE_NONCE_LEN;
	ike_rng(e, sa->nr, sa->nr_len);
	rc = ike_sa_keep(&sa->init_req, &sa->init_req_len, x->m->buf, x->m->len);
	if (rc == 0)
		rc = ike_crypto_keys(&sa->suite, sa->ni, sa->ni_len, sa->nr, sa->nr_len, gir,
				     gir_len, sa->spi_i, sa->spi_r, &sa->keys);
	if (rc != 0) {
		x->stateless = true;
		return rc;
	}
	return ike_sa_set_state(e, sa, IKE_SA_INIT_DONE);
}

/* Responder builds: SA, KE, Nr, N(NAT_D*), N(FRAG), N(SHA), N(CHILDLESS),
 * CERTREQ. */
static int r_build(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct pld_sa sap = { .n_proposals = 1 };
	struct pld_ke ke = { .method = sa->ke_method };
	int rc;

	sap.prop[0] = x->chosen;
	sap.prop[0].spi_size = 0;
	rc = ike_ke_public(sa->ke, &ke.data, &ke.len);
	if (rc == 0)
		rc = ike_msg_add_sa(x->mb, &sap);
	if (rc == 0)
		rc = ike_msg_add_ke(x->mb, &ke);
	if (rc == 0)
		rc = ike_add_nonce(x->mb, sa->nr, sa->nr_len);
	if (rc == 0)
		rc = add_common_notifies(x, sa->spi_r, true);
	if (rc == 0 && sa->peer_intermediate)
		rc = ike_add_notify(x->mb, 0, IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED, NULL, 0, NULL,
				    0);
	if (rc == 0)
		rc = ike_ppk_init_add(x, true); /* RFC 8784 */
	if (rc == 0 && sa->conn->auth == IKE_AUTHK_PUBKEY && sa->conn->send_certreq) {
		uint8_t h[8 * 20];
		struct pld_cert req = { .encoding = IKE_CERT_X509_SIGNATURE, .data = h };

		req.len = ike_crypto_ca_hashes(sa->conn->trust, h, sizeof(h));
		rc = ike_msg_add_cert(x->mb, IKE_PLD_CERTREQ, &req);
	}
	/* The KE private part is no longer needed. */
	ike_ke_free(sa->ke);
	sa->ke = NULL;
	return rc;
}

static bool our_ke(const struct ike_conn *c, uint16_t method)
{
	for (unsigned p = 0; p < c->n_ike; p++)
		for (unsigned i = 0; i < c->ike[p].n; i++)
			if (c->ike[p].xf[i].type == IKE_XFORM_KE && c->ike[p].xf[i].id == method)
				return true;
	return false;
}

/* Initiator processes: COOKIE / INVALID_KE_PAYLOAD retries, or the keys. */
static int i_process(struct ike_xctx *x)
{
	struct ike_engine *e = x->e;
	struct ike_sa *sa = x->sa;
	struct pld_notify n;
	struct pld_sa resp;
	struct pld_ke ke;
	struct pld_nonce nr;
	struct pld_proposal chosen;
	struct ike_suite suite;
	const uint8_t *gir;
	size_t gir_len;
	uint16_t err;
	int rc;

	if (ike_msg_find_notify(x->m, IKE_N_COOKIE, &n) == 0) {
		/* §2.6: retry with the cookie, everything else unchanged. */
		if (n.len == 0 || n.len > IKE_COOKIE_MAX || sa->out.tries > COOKIE_RETRIES)
			return -EAGAIN;
		memcpy(sa->cookie, n.data, n.len);
		sa->cookie_len = n.len;
		x->resend = true;
		return 0;
	}
	if (ike_msg_find_notify(x->m, IKE_N_INVALID_KE_PAYLOAD, &n) == 0) {
		uint16_t method;

		/* §1.2: retry with the group asked for, if we offered it. */
		if (pld_n_invalid_ke(&n, &method) != 0 || !our_ke(sa->conn, method) ||
		    method == sa->ke_method)
			return -EAGAIN;
		ike_log(e, "IKE SA %016llx_i: INVALID_KE_PAYLOAD, retrying with group %u",
			(unsigned long long)sa->spi_i, method);
		ike_ke_free(sa->ke);
		sa->ke = NULL;
		sa->ke_method = method;
		x->resend = true;
		return 0;
	}
	err = ike_error_notify(x->m);
	if (err != 0) {
		ike_log(e, "IKE SA %016llx_i: IKE_SA_INIT refused: %s", (unsigned long long)sa->spi_i,
			ike_notify_name(err));
		return ike_sa_set_state(e, sa, IKE_SA_DEAD);
	}
	if (x->m->spi_r == 0 || ike_get_sa(x->m, &resp) != 0 || ike_get_ke(x->m, &ke) != 0 ||
	    ike_get_nonce(x->m, &nr) != 0 || nr.len > sizeof(sa->nr) ||
	    x->m->len > IKE_INIT_MAX)
		return -EAGAIN;
	/* §3.3.6: one proposal, one transform per type, out of ours. */
	if (resp.n_proposals != 1 ||
	    ike_proposal_select(&resp, sa->conn->ike, sa->conn->n_ike, ke.method, &chosen) != 0 ||
	    chosen.n_transforms != resp.prop[0].n_transforms || suite_from(&chosen, &suite) != 0 ||
	    ke.method != sa->ke_method || suite.ke != sa->ke_method) {
		/* A chosen proposal we did not offer: no SA (like a refusal,
		 * this answer is as unauthenticated as NO_PROPOSAL_CHOSEN);
		 * in particular never one without our additional KEs. */
		ike_log(e, "IKE SA %016llx_i: IKE_SA_INIT answer is not one of our proposals%s",
			(unsigned long long)sa->spi_i,
			wants_intermediate(sa->conn) ? " (additional key exchanges required)" : "");
		return ike_sa_set_state(e, sa, IKE_SA_DEAD);
	}
	sa->mke.n = (uint8_t)ike_chosen_addke(&chosen, sa->mke.method);
	if (sa->mke.n != 0 && !announces_intermediate(x->m)) {
		/* RFC 9370 §2.2.1: never fall back silently. */
		ike_log(e, "IKE SA %016llx_i: responder chose additional key exchanges without "
			"INTERMEDIATE_EXCHANGE_SUPPORTED", (unsigned long long)sa->spi_i);
		return ike_sa_set_state(e, sa, IKE_SA_DEAD);
	}
	sa->peer_intermediate = announces_intermediate(x->m);
	/* RFC 8784 §3 / RFC 9867 §3.1: a mandatory PPK refused. */
	if (ike_ppk_init_i(x, sa->peer_intermediate) != 0)
		return ike_sa_set_state(e, sa, IKE_SA_DEAD);
	rc = ike_ke_complete(sa->ke, ke.data, ke.len);
	if (rc == 0)
		rc = ike_ke_shared(sa->ke, &gir, &gir_len);
	if (rc != 0) {
		/* A KE payload of the agreed method that is malformed (a DH
		 * value off the curve, an ML-KEM ciphertext of the wrong
		 * length): no SA, like the refusals above. */
		ike_log(e, "IKE SA %016llx_i: IKE_SA_INIT answer with a malformed %s KE payload",
			(unsigned long long)sa->spi_i, ike_ke_name(ke.method));
		return ike_sa_set_state(e, sa, IKE_SA_DEAD);
	}
	if (peer_notifies(x, x->m->spi_r) != 0)
		return -EAGAIN;
	sa->spi_r = x->m->spi_r;
	sa->suite = suite;
	memcpy(sa->nr, nr.data, nr.len);
	sa->nr_len = nr.len;
	rc = ike_sa_keep(&sa->init_resp, &sa->init_resp_len, x->m->buf, x->m->len);
	if (rc == 0)
		rc = ike_crypto_keys(&sa->suite, sa->ni, sa->ni_len, sa->nr, sa->nr_len, gir,
				     gir_len, sa->spi_i, sa->spi_r, &sa->keys);
	ike_ke_free(sa->ke);
	sa->ke = NULL;
	if (rc != 0)
		return ike_sa_set_state(e, sa, IKE_SA_DEAD);
	if (sa->nat_local || sa->nat_remote) {
		/* §2.23: behind a NAT, IKE_AUTH and ESP move to port 4500. */
		sa->local.port = 4500;
		sa->remote.port = 4500;
	}
	/* RFC 9370 §2.2.2: the IKE_INTERMEDIATE exchanges go before IKE_AUTH. */
	return ike_intermediate_start(e, sa);
}

const struct ike_exchange ike_x_ike_sa_init = {
	.type = IKE_EXCH_IKE_SA_INIT,
	.encrypted = false,
	.i_build = i_build,
	.r_process = r_process,
	.r_build = r_build,
	.i_process = i_process,
};
