/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-quantum preshared keys in IKEv2 (RFC 8784), the hooks that
 * x_ike_sa_init.c and x_ike_auth.c call:
 *
 *   HDR, SAi1, KEi, Ni, N(USE_PPK)  -->
 *                   <--  HDR, SAr1, KEr, Nr, N(USE_PPK)
 *   HDR, SK {IDi, AUTH, SAi2, TSi, TSr,
 *            N(PPK_IDENTITY, PPK_ID), [N(NO_PPK_AUTH)]}  -->
 *                   <--  HDR, SK {IDr, AUTH, SAr2, TSi, TSr, N(PPK_IDENTITY)}
 *
 * With a PPK both sides replace SK_d, SK_pi and SK_pr by prf+(PPK, ...)
 * of the un-mixed values (§3): AUTH then proves both hold the PPK, and
 * every Child SA and rekeyed IKE SA descends from the mixed SK_d.
 * NO_PPK_AUTH carries the initiator's AUTH data over the un-mixed SK_pi'
 * for a responder without that PPK when the PPK is optional.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/ike/exchange.h"

static void log_sa(struct ike_engine *e, const struct ike_sa *sa, const char *what)
{
	ike_log(e, "IKE SA %016llx_i %016llx_r: %s", (unsigned long long)sa->spi_i,
		(unsigned long long)sa->spi_r, what);
}

static bool has_ppk(const struct ike_conn *c)
{
	return c != NULL && c->ppk.id_type != 0 && c->ppk.key_len != 0;
}

static bool peer_sent(const struct ike_msg *m, uint16_t type, struct pld_notify *n)
{
	struct pld_notify tmp;

	return ike_msg_find_notify(m, type, n != NULL ? n : &tmp) == 0;
}

/* §5.1: PPK_ID = PPK_ID Type (1) | PPK_ID data; compared in constant
 * time like the secret it names. */
static bool ppk_id_is(const struct ike_ppk *p, const struct pld_notify *n)
{
	return n->len == 1 + (size_t)p->id_len && n->data[0] == p->id_type &&
	       CRYPTO_memcmp(n->data + 1, p->id, p->id_len) == 0;
}

static void keep_id(struct ike_ppk_sa *s, const struct ike_ppk *p)
{
	s->used = true;
	s->id_type = p->id_type;
	s->id_len = p->id_len;
	memcpy(s->id, p->id, p->id_len);
}

static void wipe_saved(struct ike_ppk_sa *s)
{
	s->mixed = false;
	OPENSSL_cleanse(s->d, sizeof(s->d));
	OPENSSL_cleanse(s->pi, sizeof(s->pi));
	OPENSSL_cleanse(s->pr, sizeof(s->pr));
}

/* ------------------------------ IKE_SA_INIT ----------------------------- */

bool ike_ppk_int_wanted(const struct ike_conn *c)
{
	return has_ppk(c) && c->ppk_intermediate;
}

int ike_ppk_init_add(struct ike_xctx *x, bool responder)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;

	/* RFC 8784 §3: the initiator offers whenever it has a PPK for the
	 * peer, mandatory or not; the responder answers when it has one too.
	 * RFC 9867 §3.1: USE_PPK_INT instead when the PPK is to protect
	 * IKE_AUTH as well; a responder answers one of the two, never both. */
	if (responder ? sa->ppk.int_agreed : ike_ppk_int_wanted(c))
		return ike_add_notify(x->mb, 0, IKE_N_USE_PPK_INT, NULL, 0, NULL, 0);
	if (responder ? !sa->ppk.agreed : !has_ppk(c))
		return 0;
	return ike_add_notify(x->mb, 0, IKE_N_USE_PPK, NULL, 0, NULL, 0);
}

int ike_ppk_init_r(struct ike_xctx *x, const struct ike_conn *c, bool peer_intermediate)
{
	struct ike_sa *sa = x->sa;

	sa->ppk.int_agreed = ike_ppk_int_wanted(c) && peer_intermediate &&
			     peer_sent(x->m, IKE_N_USE_PPK_INT, NULL);
	sa->ppk.agreed = !sa->ppk.int_agreed && has_ppk(c) &&
			 peer_sent(x->m, IKE_N_USE_PPK, NULL);
	if (ike_ppk_int_wanted(c) && c->ppk_required && !sa->ppk.int_agreed) {
		/* RFC 9867 §3.1: the initial IKE SA must be PPK-protected. */
		log_sa(x->e, sa, "PPK in IKE_INTERMEDIATE required, no USE_PPK_INT offered");
		return -EPERM;
	}
	return 0;
}

int ike_ppk_init_i(struct ike_xctx *x, bool peer_intermediate)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;

	sa->ppk.int_agreed = ike_ppk_int_wanted(c) && peer_intermediate &&
			     peer_sent(x->m, IKE_N_USE_PPK_INT, NULL);
	sa->ppk.agreed = !ike_ppk_int_wanted(c) && has_ppk(c) &&
			 peer_sent(x->m, IKE_N_USE_PPK, NULL);
	if (!sa->ppk.agreed && !sa->ppk.int_agreed && has_ppk(c) && c->ppk_required) {
		/* §3: a mandatory PPK and no USE_PPK in the answer: abort. */
		log_sa(x->e, sa, ike_ppk_int_wanted(c) ?
					 "PPK required, the responder did not answer USE_PPK_INT" :
					 "PPK required, the responder did not answer USE_PPK");
		return -EPERM;
	}
	return 0;
}

/* ------------------------------- IKE_AUTH ------------------------------- */

int ike_ppk_auth_mix(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_ppk *p = &sa->conn->ppk;
	int rc;

	if (!sa->ppk.agreed || sa->ppk.mixed || sa->ppk.used)
		return 0;
	memcpy(sa->ppk.d, sa->keys.d, sizeof(sa->ppk.d));
	memcpy(sa->ppk.pi, sa->keys.pi, sizeof(sa->ppk.pi));
	memcpy(sa->ppk.pr, sa->keys.pr, sizeof(sa->ppk.pr));
	rc = ike_crypto_ppk_mix(sa->suite.prf, p->key, p->key_len, &sa->keys);
	if (rc != 0) {
		wipe_saved(&sa->ppk);
		return rc;
	}
	sa->ppk.mixed = true;
	return 0;
}

bool ike_ppk_wants_no_ppk_auth(const struct ike_sa *sa)
{
	return sa->ppk.mixed && !sa->conn->ppk_required;
}

void ike_ppk_swap(struct ike_sa *sa)
{
	uint8_t t[IKE_KEY_PRF_MAX];

	memcpy(t, sa->keys.pi, sizeof(t));
	memcpy(sa->keys.pi, sa->ppk.pi, sizeof(t));
	memcpy(sa->ppk.pi, t, sizeof(t));
	OPENSSL_cleanse(t, sizeof(t));
}

int ike_ppk_auth_add_i(struct ike_xctx *x, const uint8_t *no_ppk_auth, size_t len)
{
	struct ike_sa *sa = x->sa;
	const struct ike_ppk *p = &sa->conn->ppk;
	uint8_t id[1 + IKE_PPK_ID_MAX];
	int rc;

	if (!sa->ppk.mixed)
		return 0;
	id[0] = p->id_type;
	memcpy(id + 1, p->id, p->id_len);
	rc = ike_add_notify(x->mb, 0, IKE_N_PPK_IDENTITY, NULL, 0, id, 1 + (size_t)p->id_len);
	/* §3: the optional case carries AUTH data without the PPK. */
	if (rc == 0 && no_ppk_auth != NULL)
		rc = ike_add_notify(x->mb, 0, IKE_N_NO_PPK_AUTH, NULL, 0, no_ppk_auth, len);
	return rc;
}

int ike_ppk_auth_r(struct ike_xctx *x, struct pld_notify *no_ppk_auth, bool *use_no_ppk_auth)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn; /* as select_conn() left it */
	struct pld_notify id;

	*use_no_ppk_auth = false;
	if (sa->ppk.int_agreed) {
		/* RFC 9867 §3.1: the PPK was chosen before IDi was known; it
		 * must be the one of the connection IDi selected. */
		if (sa->ppk.used && !(has_ppk(c) && c->ppk.id_type == sa->ppk.id_type &&
				      c->ppk.id_len == sa->ppk.id_len &&
				      CRYPTO_memcmp(c->ppk.id, sa->ppk.id, sa->ppk.id_len) == 0)) {
			log_sa(x->e, sa, "the PPK of IKE_INTERMEDIATE is not this identity's");
			return -EPERM;
		}
		if (!sa->ppk.used && has_ppk(c) && c->ppk_required) {
			log_sa(x->e, sa, "PPK required, none agreed in IKE_INTERMEDIATE");
			return -EPERM;
		}
		return 0;
	}
	/* §3 Table 1, row by row. */
	if (!sa->ppk.agreed) {
		if (has_ppk(c) && c->ppk_required) {
			log_sa(x->e, sa, "PPK required, the initiator did not offer USE_PPK");
			return -EPERM;
		}
		return 0; /* standard IKEv2 */
	}
	if (!peer_sent(x->m, IKE_N_PPK_IDENTITY, &id)) {
		log_sa(x->e, sa, "USE_PPK agreed but no PPK_IDENTITY");
		return -EPERM;
	}
	if (has_ppk(c) && ppk_id_is(&c->ppk, &id)) {
		int rc = ike_crypto_ppk_mix(sa->suite.prf, c->ppk.key, c->ppk.key_len, &sa->keys);

		if (rc != 0)
			return rc;
		keep_id(&sa->ppk, &c->ppk);
		return 0;
	}
	if (has_ppk(c) && c->ppk_required) {
		log_sa(x->e, sa, "PPK required, the initiator's PPK_ID is not ours");
		return -EPERM;
	}
	if (!peer_sent(x->m, IKE_N_NO_PPK_AUTH, no_ppk_auth)) {
		log_sa(x->e, sa, "unknown PPK_ID and no NO_PPK_AUTH");
		return -EPERM;
	}
	log_sa(x->e, sa, "unknown PPK_ID, authenticating with NO_PPK_AUTH (no PPK)");
	*use_no_ppk_auth = true;
	return 0;
}

int ike_ppk_auth_add_r(struct ike_xctx *x)
{
	/* §3: an empty PPK_IDENTITY says the PPK is in use. */
	if (!x->sa->ppk.used || x->sa->ppk.int_agreed)
		return 0;
	return ike_add_notify(x->mb, 0, IKE_N_PPK_IDENTITY, NULL, 0, NULL, 0);
}

int ike_ppk_auth_i(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;

	if (!sa->ppk.mixed)
		return 0;
	if (peer_sent(x->m, IKE_N_PPK_IDENTITY, NULL)) {
		/* §3: its content, if any, is ignored. */
		keep_id(&sa->ppk, &sa->conn->ppk);
		wipe_saved(&sa->ppk);
		return 0;
	}
	if (sa->conn->ppk_required) {
		log_sa(x->e, sa, "PPK required, the responder did not use it");
		wipe_saved(&sa->ppk);
		return -EPERM;
	}
	/* §3: optional: on without the PPK, with the un-mixed keys. */
	log_sa(x->e, sa, "the responder has not our PPK, going on without it");
	memcpy(sa->keys.d, sa->ppk.d, sizeof(sa->keys.d));
	memcpy(sa->keys.pi, sa->ppk.pi, sizeof(sa->keys.pi));
	memcpy(sa->keys.pr, sa->ppk.pr, sizeof(sa->keys.pr));
	wipe_saved(&sa->ppk);
	return 0;
}

void ike_ppk_inherit(struct ike_sa *n, const struct ike_sa *old)
{
	/* §3: the PPK goes into the initial SK_d only; a rekeyed IKE SA's
	 * SKEYSEED comes from that SK_d, so it is protected as well. */
	n->ppk.used = old->ppk.used;
	n->ppk.int_agreed = old->ppk.int_agreed; /* for listings: how it was agreed */
	n->ppk.id_type = old->ppk.id_type;
	n->ppk.id_len = old->ppk.id_len;
	memcpy(n->ppk.id, old->ppk.id, sizeof(n->ppk.id));
}
