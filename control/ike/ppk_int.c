/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-quantum preshared keys in IKE_INTERMEDIATE (RFC 9867 §3.1), the
 * hooks of x_ike_intermediate.c:
 *
 *   HDR, SAi1, KEi, Ni, N(INTERMEDIATE_EXCHANGE_SUPPORTED), N(USE_PPK_INT) -->
 *          <--  HDR, SAr1, KEr, Nr, N(INTERMEDIATE_EXCHANGE_SUPPORTED), N(USE_PPK_INT)
 *   HDR, SK {[KEi(n),] N(PPK_IDENTITY_KEY)}  -->      (the last IKE_INTERMEDIATE)
 *          <--  HDR, SK {[KEr(n),] N(PPK_IDENTITY, PPK_ID)}
 *
 * PPK_IDENTITY_KEY = PPK_ID | first 8 octets of prf(PPK, Ni | Nr | SPIi |
 * SPIr). Once agreed, after that exchange (and after its own key update),
 * SKEYSEED' = prf+(PPK, SK_d) and all seven keys are derived again
 * (§3.1.1): IKE_AUTH, identities included, is PPK-protected. The
 * IKE_SA_INIT part (USE_PPK_INT) is in ppk.c with RFC 8784's.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/ike/exchange.h"

enum { CONFIRM_LEN = 8 };

static void log_sa(struct ike_engine *e, const struct ike_sa *sa, const char *what)
{
	ike_log(e, "IKE SA %016llx_i %016llx_r: %s", (unsigned long long)sa->spi_i,
		(unsigned long long)sa->spi_r, what);
}

/* §3.1: the first 8 octets of prf(PPK, Ni | Nr | SPIi | SPIr). */
static int confirmation(const struct ike_sa *sa, const struct ike_ppk *p, uint8_t out[CONFIRM_LEN])
{
	uint8_t si[8], sr[8], h[IKE_KEY_PRF_MAX];
	const uint8_t *in[4] = { sa->ni, sa->nr, si, sr };
	const size_t len[4] = { sa->ni_len, sa->nr_len, 8, 8 };
	int rc;

	ike_be64(sa->spi_i, si);
	ike_be64(sa->spi_r, sr);
	rc = ike_crypto_prf_v(sa->suite.prf, p->key, p->key_len, in, len, 4, h);
	memcpy(out, h, CONFIRM_LEN);
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

bool ike_ppk_id_is(const struct ike_ppk *p, const uint8_t *id, size_t len)
{
	return len == 1 + (size_t)p->id_len && id[0] == p->id_type &&
	       CRYPTO_memcmp(id + 1, p->id, p->id_len) == 0;
}

static void keep_id(struct ike_ppk_sa *s, const struct ike_ppk *p)
{
	s->id_type = p->id_type;
	s->id_len = p->id_len;
	memcpy(s->id, p->id, p->id_len);
}

/* The switch of §3.1.1, after any other key update of the exchange. */
static int switch_keys(struct ike_sa *sa)
{
	const struct ike_ppk *p = &sa->conn->ppk;
	int rc = ike_crypto_ppk_int_keys(&sa->suite, p->key, p->key_len, sa->ni, sa->ni_len, sa->nr,
					 sa->nr_len, sa->spi_i, sa->spi_r, &sa->keys);

	if (rc == 0) {
		sa->ppk.used = true;
		keep_id(&sa->ppk, p);
	}
	return rc;
}

bool ike_ppk_int_pending(const struct ike_sa *sa)
{
	return sa->ppk.int_agreed && !sa->ppk.int_sent;
}

int ike_ppk_int_add_i(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_ppk *p = &sa->conn->ppk;
	uint8_t data[1 + IKE_PPK_ID_MAX + CONFIRM_LEN];
	int rc;

	/* §3.1: in the last IKE_INTERMEDIATE, the one before IKE_AUTH. */
	if (!ike_ppk_int_pending(sa) || sa->mke.done + 1 < sa->mke.n)
		return 0;
	data[0] = p->id_type;
	memcpy(data + 1, p->id, p->id_len);
	rc = confirmation(sa, p, data + 1 + p->id_len);
	if (rc == 0)
		rc = ike_add_notify(x->mb, 0, IKE_N_PPK_IDENTITY_KEY, NULL, 0, data,
				    1 + (size_t)p->id_len + CONFIRM_LEN);
	if (rc == 0)
		sa->ppk.int_sent = true;
	return rc;
}

int ike_ppk_int_r(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	const struct ike_conn *c = sa->conn;
	struct pld_notify n;
	unsigned it = 0;
	bool offered = false;
	int rc;

	if (!sa->ppk.int_agreed || sa->ppk.int_chosen || sa->ppk.used)
		return 0;
	while ((rc = ike_msg_notify_next(x->m, &it, &n)) == 1) {
		uint8_t want[CONFIRM_LEN];

		if (n.type != IKE_N_PPK_IDENTITY_KEY)
			continue;
		offered = true;
		/* PPK_ID (Type + at least one octet) | Confirmation (8). */
		if (n.len < 2 + CONFIRM_LEN || c->ppk.id_type == 0 ||
		    !ike_ppk_id_is(&c->ppk, n.data, n.len - CONFIRM_LEN))
			continue;
		if (confirmation(sa, &c->ppk, want) != 0)
			return -EIO;
		if (CRYPTO_memcmp(want, n.data + n.len - CONFIRM_LEN, CONFIRM_LEN) == 0) {
			sa->ppk.int_chosen = true;
			log_sa(x->e, sa, "PPK_IDENTITY_KEY matches our PPK (RFC 9867)");
			return 0;
		}
		log_sa(x->e, sa, "PPK_IDENTITY_KEY: our PPK_ID, another PPK (confirmation)");
	}
	if (rc < 0)
		return rc;
	if (!offered)
		return 0; /* not this IKE_INTERMEDIATE (IKE_AUTH checks it came) */
	if (c->ppk_required) {
		log_sa(x->e, sa, "PPK required, no PPK_IDENTITY_KEY matches");
		return -EPERM;
	}
	log_sa(x->e, sa, "no PPK_IDENTITY_KEY matches, going on without a PPK");
	return 0;
}

int ike_ppk_int_add_r(struct ike_xctx *x)
{
	const struct ike_ppk *p = &x->sa->conn->ppk;
	uint8_t id[1 + IKE_PPK_ID_MAX];

	if (!x->sa->ppk.int_chosen || x->sa->ppk.used)
		return 0;
	/* §3.1: PPK_IDENTITY with the chosen PPK_ID. */
	id[0] = p->id_type;
	memcpy(id + 1, p->id, p->id_len);
	return ike_add_notify(x->mb, 0, IKE_N_PPK_IDENTITY, NULL, 0, id, 1 + (size_t)p->id_len);
}

int ike_ppk_int_switch_r(struct ike_sa *sa)
{
	if (!sa->ppk.int_chosen || sa->ppk.used)
		return 0;
	return switch_keys(sa);
}

int ike_ppk_int_i(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct pld_notify n;

	if (!sa->ppk.int_sent || sa->ppk.used)
		return 0;
	if (ike_msg_find_notify(x->m, IKE_N_PPK_IDENTITY, &n) == 0) {
		/* §3.1: it must be one we offered. */
		if (!ike_ppk_id_is(&sa->conn->ppk, n.data, n.len)) {
			log_sa(x->e, sa, "PPK_IDENTITY names a PPK we did not offer");
			return -EPERM;
		}
		return switch_keys(sa);
	}
	if (sa->conn->ppk_required) {
		log_sa(x->e, sa, "PPK required, the responder has not our PPK");
		return -EPERM;
	}
	log_sa(x->e, sa, "the responder has not our PPK, going on without it");
	return 0;
}
