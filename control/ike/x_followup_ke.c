/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_FOLLOWUP_KE (RFC 9370 §2.2.4): the additional key exchanges of a
 * CREATE_CHILD_SA (new Child SA, Child SA rekey, IKE SA rekey), one
 * exchange each, in transform type order, linked by the opaque data of
 * N(ADDITIONAL_KEY_EXCHANGE) that the responder hands out:
 *
 *   HDR, SK {SA, Ni, KEi}  -->  <--  HDR, SK {SA, Nr, KEr, N(AKE)(link1)}
 *   HDR(IKE_FOLLOWUP_KE), SK {KEi(1), N(AKE)(link1)}  -->
 *                      <--  HDR(IKE_FOLLOWUP_KE), SK {KEr(1) [, N(AKE)(link2)]}
 *
 * Nothing is installed before the last one; then KEYMAT (or the new IKE
 * SA's SKEYSEED) covers SK(0) | Ni | Nr | SK(1) | ... | SK(n). A link the
 * responder does not know gets STATE_NOT_FOUND; a responder whose next
 * request does not come within FU_WAIT_MS forgets the series.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ikecrypto/ke.h"

/* RFC 9370 §2.2.4: "5-20 seconds of waiting time should be appropriate". */
enum { FU_WAIT_MS = 10000, FU_LINK_LEN = 8,
       FU_NOT_FOUND_MAX = 3 /* STATE_NOT_FOUND in a row: the IKE SA is deleted */ };

static void fu_clear(struct ike_followup *f)
{
	ike_ke_free(f->k.ke);
	if (f->k.secrets != NULL)
		explicit_bzero(f->k.secrets, IKE_MKE_SECRETS);
	free(f->k.secrets);
	explicit_bzero(f, sizeof(*f));
	f->child = -1;
}

static int secret_add(struct ike_followup *f, const uint8_t *p, size_t len)
{
	if (f->k.secrets == NULL && (f->k.secrets = malloc(IKE_MKE_SECRETS)) == NULL)
		return -ENOMEM;
	if (len > IKE_MKE_SECRETS - f->k.secrets_len)
		return -E2BIG;
	memcpy(f->k.secrets + f->k.secrets_len, p, len);
	f->k.secrets_len += len;
	return 0;
}

static int link_from(const struct ike_msg *m, struct ike_followup *f)
{
	struct pld_notify n;

	if (ike_msg_find_notify(m, IKE_N_ADDITIONAL_KEY_EXCHANGE, &n) != 0 || n.len == 0 ||
	    n.len > sizeof(f->link))
		return -EBADMSG;
	memcpy(f->link, n.data, n.len);
	f->link_len = (uint8_t)n.len;
	return 0;
}

int ike_fu_start(struct ike_xctx *x, struct ike_followup *f, const struct pld_proposal *chosen,
		 uint8_t task, int child, const uint8_t *sk0, size_t sk0_len, const uint8_t *ni,
		 size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	struct ike_sa *sa = x->sa;
	bool responder = f == &sa->fu_r;
	int rc;

	if (f->active && !responder)
		return -EBUSY;
	if (f->active) {
		struct ike_sa *none;

		/* Window size 1: a new CREATE_CHILD_SA means the initiator gave
		 * the running series up. */
		ike_log(x->e, "IKE SA %016llx_i %016llx_r: IKE_FOLLOWUP_KE series given up by the "
			"peer", (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
		(void)ike_ccsa_finish_r(x->e, sa, f, false, &none);
	}
	fu_clear(f);
	f->k.n = (uint8_t)ike_chosen_addke(chosen, f->k.method);
	f->task = task;
	f->child = (int8_t)child;
	f->sk0_len = (uint16_t)sk0_len;
	f->ni_len = (uint16_t)ni_len;
	f->nr_len = (uint16_t)nr_len;
	rc = secret_add(f, sk0, sk0_len);
	if (rc == 0)
		rc = secret_add(f, ni, ni_len);
	if (rc == 0)
		rc = secret_add(f, nr, nr_len);
	if (rc == 0 && f->k.n == 0)
		rc = -EINVAL;
	if (rc == 0 && responder) {
		f->link_len = FU_LINK_LEN;
		ike_rng(x->e, f->link, f->link_len);
		f->deadline_ms = ike_now(x->e) + FU_WAIT_MS;
		x->fu = f;
	} else if (rc == 0) {
		rc = link_from(x->m, f);
		if (rc == 0)
			rc = ike_task_push_front(sa, IKE_TASK_FOLLOWUP_KE, child, -1);
	}
	if (rc != 0) {
		fu_clear(f);
		return rc;
	}
	ike_ppk_child_keep(sa, f);
	f->active = true;
	ike_log(x->e, "IKE SA %016llx_i %016llx_r: CREATE_CHILD_SA: %u additional key "
		"exchange(s) in IKE_FOLLOWUP_KE, first %s", (unsigned long long)sa->spi_i,
		(unsigned long long)sa->spi_r, f->k.n, ike_ke_name(f->k.method[0]));
	return 0;
}

int ike_fu_add_link(struct ike_xctx *x)
{
	if (x->fu == NULL)
		return 0;
	return ike_add_notify(x->mb, 0, IKE_N_ADDITIONAL_KEY_EXCHANGE, NULL, 0, x->fu->link,
			      x->fu->link_len);
}

void ike_fu_expire(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	struct ike_followup *f = &sa->fu_r;
	struct ike_sa *new_sa;

	if (!f->active || now < f->deadline_ms)
		return;
	ike_log(e, "IKE SA %016llx_i %016llx_r: IKE_FOLLOWUP_KE %u of %u never came, "
		"CREATE_CHILD_SA abandoned", (unsigned long long)sa->spi_i,
		(unsigned long long)sa->spi_r, f->k.done + 1, f->k.n);
	(void)ike_ccsa_finish_r(e, sa, f, false, &new_sa);
	fu_clear(f);
}

/* ----------------------------------------------------------------------- */

/* Initiator builds: SK {KEi(n), N(ADDITIONAL_KEY_EXCHANGE)(link)}. */
static int i_build(struct ike_xctx *x)
{
	struct ike_followup *f = &x->sa->fu_i;
	struct pld_ke ke;
	int rc;

	if (!f->active || f->k.done >= f->k.n)
		return -ESTALE; /* abandoned meanwhile */
	ke.method = f->k.method[f->k.done];
	if (f->k.ke == NULL) {
		f->k.ke = ike_ke_new(ke.method, true);
		if (f->k.ke == NULL)
			return -ENOTSUP;
	}
	rc = ike_ke_public(f->k.ke, &ke.data, &ke.len);
	if (rc == 0)
		rc = ike_msg_add_ke(x->mb, &ke);
	if (rc == 0)
		rc = ike_add_notify(x->mb, 0, IKE_N_ADDITIONAL_KEY_EXCHANGE, NULL, 0, f->link,
				    f->link_len);
	return rc;
}

/* Responder: the series fails; the peer hears @p notify. */
static int r_fail(struct ike_xctx *x, struct ike_followup *f, uint16_t notify, const char *why)
{
	struct ike_sa *sa = x->sa;
	struct ike_sa *new_sa;

	ike_log(x->e, "IKE SA %016llx_i %016llx_r: IKE_FOLLOWUP_KE refused: %s",
		(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, why);
	if (f->active)
		(void)ike_ccsa_finish_r(x->e, sa, f, false, &new_sa);
	fu_clear(f);
	x->notify = notify;
	return 0;
}

/* Responder processes: the link, KEi(n) of the n-th method, SK(n). */
static int r_process(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct ike_followup *f = &sa->fu_r;
	struct pld_notify n;
	struct pld_ke ke;
	const uint8_t *sk;
	size_t sk_len;
	int rc;

	/* §2.2.4: a link we do not know (any more): STATE_NOT_FOUND, the
	 * IKE SA lives on. */
	if (ike_msg_find_notify(x->m, IKE_N_ADDITIONAL_KEY_EXCHANGE, &n) != 0 || !f->active ||
	    n.len != f->link_len || memcmp(n.data, f->link, n.len) != 0) {
		ike_log(x->e, "IKE SA %016llx_i %016llx_r: IKE_FOLLOWUP_KE for no known state",
			(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
		x->notify = IKE_N_STATE_NOT_FOUND;
		return 0;
	}
	if (ike_get_ke(x->m, &ke) != 0 || ke.method != f->k.method[f->k.done])
		return r_fail(x, f, IKE_N_INVALID_SYNTAX, "no KE payload of the negotiated method");
	x->ke_method = ke.method;
	x->ke = ike_ke_new(ke.method, false);
	if (x->ke == NULL)
		return r_fail(x, f, IKE_N_NO_PROPOSAL_CHOSEN, "key exchange method unavailable");
	/* FIPS 203 §7.2: the encapsulation key checks happen here. */
	rc = ike_ke_complete(x->ke, ke.data, ke.len);
	if (rc == 0)
		rc = ike_ke_shared(x->ke, &sk, &sk_len);
	if (rc == 0)
		rc = secret_add(f, sk, sk_len);
	if (rc != 0)
		return r_fail(x, f, IKE_N_INVALID_SYNTAX, "malformed KE payload");
	if (++f->k.done < f->k.n) {
		/* A new link for the next one, and more time. */
		f->link_len = FU_LINK_LEN;
		ike_rng(x->e, f->link, f->link_len);
		f->deadline_ms = ike_now(x->e) + FU_WAIT_MS;
		x->fu = f;
		return 0;
	}
	rc = ike_ccsa_finish_r(x->e, sa, f, true, &x->new_sa);
	if (rc != 0)
		ike_log(x->e, "IKE SA %016llx_i %016llx_r: CREATE_CHILD_SA after IKE_FOLLOWUP_KE "
			"failed: %d", (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			rc);
	fu_clear(f);
	return 0;
}

/* Responder builds: SK {KEr(n) [, N(ADDITIONAL_KEY_EXCHANGE)(next link)]}. */
static int r_build(struct ike_xctx *x)
{
	struct pld_ke ke;
	int rc;

	if (x->ke == NULL)
		return -EINVAL;
	ke.method = x->ke_method;
	rc = ike_ke_public(x->ke, &ke.data, &ke.len);
	if (rc == 0)
		rc = ike_msg_add_ke(x->mb, &ke);
	if (rc == 0)
		rc = ike_fu_add_link(x);
	return rc;
}

/* Initiator processes: KEr(n), SK(n); the next exchange or the result. */
static int i_process(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct ike_followup *f = &sa->fu_i;
	uint16_t err = ike_error_notify(x->m);
	const char *why = NULL;
	const uint8_t *sk;
	size_t sk_len;
	struct pld_ke ke;
	int rc = 0;

	if (!f->active || f->k.ke == NULL)
		return 0; /* abandoned meanwhile */
	if (err != 0)
		why = ike_notify_name(err);
	else if (ike_get_ke(x->m, &ke) != 0 || ke.method != f->k.method[f->k.done])
		why = "no KE payload of the negotiated method";
	else if (ike_ke_complete(f->k.ke, ke.data, ke.len) != 0 ||
		 ike_ke_shared(f->k.ke, &sk, &sk_len) != 0 || secret_add(f, sk, sk_len) != 0)
		why = "malformed KE payload";
	else if (f->k.done + 1 < f->k.n && link_from(x->m, f) != 0)
		why = "no ADDITIONAL_KEY_EXCHANGE link for the next one";
	ike_ke_free(f->k.ke);
	f->k.ke = NULL;
	if (why != NULL) {
		/* §2.2.4: the whole series from the CREATE_CHILD_SA failed. */
		ike_log(x->e, "IKE SA %016llx_i %016llx_r: IKE_FOLLOWUP_KE %u of %u failed: %s",
			(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			f->k.done + 1, f->k.n, why);
		rc = ike_ccsa_finish_i(x, f, false,
				       err == IKE_N_STATE_NOT_FOUND ? IKE_N_TEMPORARY_FAILURE : err);
		fu_clear(f);
		/* §2.2.4: retried (a rekey 2 s later), but STATE_NOT_FOUND
		 * again and again is fatal: Delete the IKE SA. */
		if (err == IKE_N_STATE_NOT_FOUND && ++sa->fu_not_found >= FU_NOT_FOUND_MAX) {
			ike_log(x->e, "IKE SA %016llx_i %016llx_r: STATE_NOT_FOUND %u times, "
				"deleting the IKE SA", (unsigned long long)sa->spi_i,
				(unsigned long long)sa->spi_r, sa->fu_not_found);
			return ike_delete(x->e, sa);
		}
		return rc;
	}
	sa->fu_not_found = 0;
	if (++f->k.done < f->k.n)
		return ike_task_push_front(sa, IKE_TASK_FOLLOWUP_KE, f->child, -1);
	rc = ike_ccsa_finish_i(x, f, true, 0);
	fu_clear(f);
	return rc;
}

const struct ike_exchange ike_x_followup_ke = {
	.type = IKE_EXCH_IKE_FOLLOWUP_KE,
	.encrypted = true,
	.i_build = i_build,
	.r_process = r_process,
	.r_build = r_build,
	.i_process = i_process,
};
