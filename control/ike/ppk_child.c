/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fresh post-quantum preshared key in CREATE_CHILD_SA (RFC 9867 §3.2),
 * the hooks of x_create_child.c, for a new Child SA, a Child SA rekey and
 * an IKE SA rekey alike:
 *
 *   HDR, SK {[N(REKEY_SA),] SA, Ni, [KEi,] [TSi, TSr,] N(PPK_IDENTITY_KEY)} -->
 *                       <--  HDR, SK {SA, Nr, [KEr,] [TSi, TSr,] N(PPK_IDENTITY)}
 *
 * PPK_IDENTITY_KEY = PPK_ID | the first 8 octets of prf(PPK, Ni | SPIi |
 * SPIr), Ni of this request, the SPIs of the current IKE SA. When the
 * responder answers with PPK_IDENTITY, SK_d' = prf+(PPK, SK_d) replaces
 * SK_d in the new SA's key derivation (§3.2.1): KEYMAT of a Child SA, or
 * SKEYSEED of the new IKE SA. Without it the SA is made the usual way;
 * a side whose policy requires the PPK refuses (responder:
 * NO_PROPOSAL_CHOSEN) or deletes the new SA at once (initiator).
 *
 * With RFC 9370 IKE_FOLLOWUP_KE, SK_d' waits in the series' state and
 * keys the new SA after the last IKE_FOLLOWUP_KE (RFC 9370 §2.2.4's
 * formulas with SK_d').
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/ike/exchange.h"

enum { CONFIRM_LEN = 8 };

static void log_sa(struct ike_engine *e, const struct ike_sa *sa, const char *what)
{
	ike_log(e, "IKE SA %016llx_i %016llx_r: CREATE_CHILD_SA: %s",
		(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, what);
}

/* §3.2: the first 8 octets of prf(PPK, Ni | SPIi | SPIr). */
static int confirmation(const struct ike_sa *sa, const struct ike_ppk *p, const uint8_t *ni,
			size_t ni_len, uint8_t out[CONFIRM_LEN])
{
	uint8_t si[8], sr[8], h[IKE_KEY_PRF_MAX];
	const uint8_t *in[3] = { ni, si, sr };
	const size_t len[3] = { ni_len, 8, 8 };
	int rc;

	ike_be64(sa->spi_i, si);
	ike_be64(sa->spi_r, sr);
	rc = ike_crypto_prf_v(sa->suite.prf, p->key, p->key_len, in, len, 3, h);
	memcpy(out, h, CONFIRM_LEN);
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

/* §3.2.1: SK_d' = prf+(PPK, SK_d), kept for this exchange only. */
static int agree(struct ike_sa *sa, const struct ike_ppk *p)
{
	memcpy(sa->ppk.child_d, sa->keys.d, sa->keys.prf_len);
	if (ike_crypto_ppk_mix_key(sa->suite.prf, p->key, p->key_len, sa->ppk.child_d,
				   sa->keys.prf_len) != 0) {
		ike_ppk_child_done(sa);
		return -EIO;
	}
	sa->ppk.child_agreed = true;
	return 0;
}

int ike_ppk_child_add_i(struct ike_xctx *x, const uint8_t *ni, size_t ni_len)
{
	struct ike_sa *sa = x->sa;
	const struct ike_ppk *p = &sa->conn->ppk_child;
	uint8_t data[1 + IKE_PPK_ID_MAX + CONFIRM_LEN];
	int rc;

	sa->ppk.child_sent = false;
	if (p->id_type == 0)
		return 0;
	data[0] = p->id_type;
	memcpy(data + 1, p->id, p->id_len);
	rc = confirmation(sa, p, ni, ni_len, data + 1 + p->id_len);
	if (rc == 0)
		rc = ike_add_notify(x->mb, 0, IKE_N_PPK_IDENTITY_KEY, NULL, 0, data,
				    1 + (size_t)p->id_len + CONFIRM_LEN);
	sa->ppk.child_sent = rc == 0;
	return rc;
}

int ike_ppk_child_i(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	struct pld_notify n;

	if (!sa->ppk.child_sent)
		return 0;
	if (ike_msg_find_notify(x->m, IKE_N_PPK_IDENTITY, &n) == 0) {
		/* §3.1 (and so §3.2): it must be the one we offered. */
		if (!ike_ppk_id_is(&c->ppk_child, n.data, n.len)) {
			log_sa(x->e, sa, "PPK_IDENTITY names a PPK we did not offer");
			return -EPERM;
		}
		log_sa(x->e, sa, "the responder took our PPK");
		return agree(sa, &c->ppk_child);
	}
	if (c->ppk_child_required) {
		log_sa(x->e, sa, "PPK required, the responder did not take it");
		return -EPERM;
	}
	log_sa(x->e, sa, "the responder did not take our PPK, the new SA is made without it");
	return 0;
}

int ike_ppk_child_r(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	const struct ike_ppk *p = &c->ppk_child;
	struct pld_nonce ni;
	struct pld_notify n;
	unsigned it = 0;
	int rc;

	ike_ppk_child_done(sa);
	if (p->id_type == 0)
		return 0; /* not configured: the request's notifies are ignored */
	if (ike_get_nonce(x->m, &ni) != 0)
		return -EBADMSG;
	while ((rc = ike_msg_notify_next(x->m, &it, &n)) == 1) {
		uint8_t want[CONFIRM_LEN];

		/* PPK_ID (Type + at least one octet) | Confirmation (8). */
		if (n.type != IKE_N_PPK_IDENTITY_KEY || n.len < 2 + CONFIRM_LEN ||
		    !ike_ppk_id_is(p, n.data, n.len - CONFIRM_LEN))
			continue;
		if (confirmation(sa, p, ni.data, ni.len, want) != 0)
			return -EIO;
		if (CRYPTO_memcmp(want, n.data + n.len - CONFIRM_LEN, CONFIRM_LEN) == 0) {
			log_sa(x->e, sa, "PPK_IDENTITY_KEY matches our PPK (RFC 9867 §3.2)");
			return agree(sa, p);
		}
		log_sa(x->e, sa, "PPK_IDENTITY_KEY: our PPK_ID, another PPK (confirmation)");
	}
	if (rc < 0)
		return rc;
	if (c->ppk_child_required) {
		log_sa(x->e, sa, "PPK required, no PPK_IDENTITY_KEY matches");
		return -EPERM;
	}
	return 0;
}

int ike_ppk_child_add_r(struct ike_xctx *x)
{
	const struct ike_ppk *p = &x->sa->conn->ppk_child;
	uint8_t id[1 + IKE_PPK_ID_MAX];

	/* Not when refused. */
	if (!x->sa->ppk.child_agreed || x->child_err != 0)
		return 0;
	id[0] = p->id_type;
	memcpy(id + 1, p->id, p->id_len);
	return ike_add_notify(x->mb, 0, IKE_N_PPK_IDENTITY, NULL, 0, id, 1 + (size_t)p->id_len);
}

const uint8_t *ike_ppk_child_skd(const struct ike_sa *sa)
{
	return sa->ppk.child_agreed ? sa->ppk.child_d : sa->keys.d;
}

void ike_ppk_child_done(struct ike_sa *sa)
{
	OPENSSL_cleanse(sa->ppk.child_d, sizeof(sa->ppk.child_d));
	sa->ppk.child_agreed = false;
}

void ike_ppk_child_keep(const struct ike_sa *sa, struct ike_followup *f)
{
	f->ppk = sa->ppk.child_agreed;
	if (f->ppk)
		memcpy(f->ppk_d, sa->ppk.child_d, sizeof(f->ppk_d));
}

void ike_ppk_child_resume(struct ike_sa *sa, const struct ike_followup *f)
{
	if (!f->ppk)
		return;
	memcpy(sa->ppk.child_d, f->ppk_d, sizeof(sa->ppk.child_d));
	sa->ppk.child_agreed = true;
}

void ike_ppk_child_mark(struct ike_sa *n, const struct ike_sa *old)
{
	const struct ike_ppk *p = &old->conn->ppk_child;

	n->ppk.child_rekeyed = old->ppk.child_rekeyed; /* how it was first agreed */
	if (!old->ppk.child_agreed)
		return;
	n->ppk.used = true;
	n->ppk.int_agreed = false; /* listed as agreed in CREATE_CHILD_SA */
	n->ppk.child_rekeyed = true;
	n->ppk.id_type = p->id_type;
	n->ppk.id_len = p->id_len;
	memcpy(n->ppk.id, p->id, p->id_len);
}
