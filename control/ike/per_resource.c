/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 9611 per-resource Child SAs, and where each Child SA's SAs live.
 *
 * Every Child SA's inbound and outbound SA belong to one dataplane worker
 * (the only one that touches their sequence number and replay window). A
 * Child SA goes to the next worker in turn, so that tunnels spread over
 * the workers; a rekey stays on its SA's worker.
 *
 * One tunnel's packets reach every worker (RSS hashes the inner flows),
 * and those on a worker that does not own the tunnel's SA are handed to
 * the owner. With per_resource, the side that creates the first Child SA
 * of a child config adds N(SA_RESOURCE_INFO) (§3); a peer that agrees
 * echoes it, and the asking side then creates one more Child SA for the
 * same selectors, each with the notify, until every worker has one (one
 * at a time, each asked for when the last is in). The SAs are a group:
 * the first owns the policy, the policy lists every member's outbound SA,
 * and each worker sends with its own; a worker with none hands over to
 * the policy's SA as before. All inbound SAs are installed (§4), each on
 * its worker, so a peer's own per-resource SAs spread its traffic too.
 *
 * The side that asked makes the group's SAs until each of its workers has
 * one. The other side, once the peer has made no more for IKE_RES_GROW_MS,
 * makes those its own workers still lack (§4 lets both peers make them):
 * a peer of fewer workers, or one that makes them only as its CPUs see
 * traffic, would otherwise leave some of our workers without one.
 *
 * Choices where the RFC leaves them open:
 * - The Resource Identifier is left empty: it is debug information only
 *   (§5.1), and a worker number is what §7 advises against sending.
 * - A responder takes at most twice its workers' count of SAs a group
 *   (§4 recommends at least that) and answers TS_MAX_QUEUE beyond, or
 *   when the IKE SA would have fewer than two free Child SA slots (one
 *   stays for a rekey); an asking side that gets TS_MAX_QUEUE, or any
 *   other refusal, asks for no more.
 * - SAs the peer deletes are not made again until the peer makes a new
 *   one of the group: a peer that prunes idle ones (§4) must not meet a
 *   delete/create loop.
 * - Rekeys carry no notify (§3 makes it optional); the new SA inherits
 *   the group and the worker of the one it replaces.
 */
#include <errno.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ike/ikesa.h"

enum { IKE_RES_GROW_MS = 2000 };

static uint16_t n_workers(const struct ike_engine *e)
{
	return e->cfg.workers > 1 ? e->cfg.workers : 1;
}

/* A live member of config @p cfg's group: being made, in service or
 * being rekeyed (not one replaced or going). */
static bool member(const struct ike_child *c, unsigned cfg)
{
	return c->per_resource && c->cfg == cfg &&
	       (c->state == IKE_CHILD_CREATING || c->state == IKE_CHILD_INSTALLED ||
		c->state == IKE_CHILD_REKEYING);
}

static unsigned group_size(const struct ike_sa *sa, unsigned cfg, const struct ike_child *but)
{
	unsigned n = 0;

	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		n += &sa->child[i] != but && member(&sa->child[i], cfg);
	return n;
}

/* Does a worker lack a member of config @p cfg's group? */
static bool worker_lacks(const struct ike_engine *e, const struct ike_sa *sa, unsigned cfg)
{
	for (uint16_t w = 0; w < n_workers(e); w++) {
		bool has = false;

		for (unsigned i = 0; i < IKE_CHILD_MAX && !has; i++)
			has = member(&sa->child[i], cfg) && sa->child[i].worker == w;
		if (!has)
			return true;
	}
	return false;
}

/* The slot of the group's SA that owns the policy, or -1. */
static int group_owner(const struct ike_sa *sa, unsigned cfg)
{
	for (int i = 0; i < IKE_CHILD_MAX; i++) {
		const struct ike_child *c = &sa->child[i];

		if (c->per_resource && c->cfg == cfg && c->owns_policy)
			return i;
	}
	return -1;
}

int ike_child_place(struct ike_engine *e, const struct ike_sa *sa, struct ike_child *c)
{
	uint16_t nw = n_workers(e);

	if (c->rekey_of >= 0) {
		c->worker = sa->child[c->rekey_of].worker;
	} else if (c->per_resource && group_size(sa, c->cfg, c) > 0) {
		/* the worker with the fewest of the group (§4), the
		 * first such after the policy owner's */
		int owner = group_owner(sa, c->cfg);
		uint16_t from = owner >= 0 ? sa->child[owner].worker : 0;
		unsigned best = UINT32_MAX;

		for (uint16_t k = 0; k < nw; k++) {
			uint16_t w = (uint16_t)((from + k) % nw);
			unsigned n = 0;

			for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
				n += &sa->child[i] != c && member(&sa->child[i], c->cfg) &&
				     sa->child[i].worker == w;
			if (n < best) {
				best = n;
				c->worker = w;
			}
		}
	} else {
		c->worker = e->next_worker;
		e->next_worker = (uint16_t)((e->next_worker + 1) % nw);
	}
	return drv_get_spi(e->drv, c->worker, &c->spi_in);
}

int ike_res_add_notify(struct ike_builder *mb, const struct ike_child *c)
{
	if (!c->per_resource || c->rekey_of >= 0)
		return 0;
	return ike_add_notify(mb, 0, IKE_N_SA_RESOURCE_INFO, NULL, 0, NULL, 0);
}

uint16_t ike_res_check_request(const struct ike_xctx *x, unsigned cfg, bool *res)
{
	const struct ike_sa *sa = x->sa;
	struct pld_notify n;
	unsigned free_slots = 0;

	*res = false;
	/* Protocol ID, SPI size and data are ignored (§5.1). */
	if (ike_msg_find_notify(x->m, IKE_N_SA_RESOURCE_INFO, &n) != 0 ||
	    !sa->conn->child[cfg].per_resource)
		return 0;
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		free_slots += sa->child[i].state == IKE_CHILD_FREE;
	/* §3: TS_MAX_QUEUE, never NO_ADDITIONAL_SAS, which would end all
	 * Child SAs; a slot is kept free for a rekey. */
	if (group_size(sa, cfg, NULL) >= 2u * n_workers(x->e) || free_slots < 2)
		return IKE_N_TS_MAX_QUEUE;
	*res = true;
	return 0;
}

void ike_res_answered(const struct ike_xctx *x, const struct ike_sa *sa, struct ike_child *c)
{
	struct pld_notify n;

	if (!c->per_resource || c->rekey_of >= 0 || group_size(sa, c->cfg, c) > 0)
		return;
	/* the first: without the echo, the peer made a plain Child SA */
	c->per_resource = ike_msg_find_notify(x->m, IKE_N_SA_RESOURCE_INFO, &n) == 0;
}

/* The outbound SPIs of the group's members that carry traffic (own the
 * policy or are listed in it), @p c first. */
void ike_res_fill(const struct ike_sa *sa, const struct ike_child *c, struct drv_policy *pol)
{
	unsigned n = 0;

	memset(pol->res_spi, 0, sizeof(pol->res_spi));
	if (!c->per_resource)
		return;
	pol->res_spi[n++] = c->spi_out;
	for (unsigned i = 0; i < IKE_CHILD_MAX && n < DRV_POLICY_RES_MAX; i++) {
		const struct ike_child *m = &sa->child[i];

		/* not the SA c replaces, which still owns the policy */
		if (m != c && m->per_resource && m->cfg == c->cfg && m->installed &&
		    (m->owns_policy || m->res_sends) && (int)i != c->rekey_of)
			pol->res_spi[n++] = m->spi_out;
	}
	if (n == 1)  /* the group is only c: a plain policy */
		pol->res_spi[0] = 0;
}

void ike_res_sync(struct ike_engine *e, struct ike_sa *sa, unsigned cfg)
{
	int slot = group_owner(sa, cfg);
	struct ike_child *owner = slot >= 0 ? &sa->child[slot] : NULL;
	struct drv_policy pol = { 0 };

	if (owner == NULL) {
		/* the owner went: the policy to another member */
		for (unsigned i = 0; i < IKE_CHILD_MAX; i++) {
			struct ike_child *m = &sa->child[i];

			if (m->per_resource && m->cfg == cfg && m->installed && m->res_sends) {
				m->res_sends = false;
				(void)ike_child_take_policy(e, sa, m);
				return;
			}
		}
		return;
	}
	/* the same policy with the members now: replaced at once */
	pol.id = e->next_pol_id++;
	pol.priority = owner->pol_prio;
	pol.action = SPD_PROTECT;
	pol.sa_spi = owner->spi_out;
	ike_res_fill(sa, owner, &pol);
	if (ike_child_policy_sel(owner, &pol.sel) != 0)
		return;
	(void)drv_policy_batch(e->drv, true);
	if (drv_policy_add(e->drv, &pol) == 0) {
		(void)drv_policy_del(e->drv, owner->pol_id);
		owner->pol_id = pol.id;
	}
	(void)drv_policy_batch(e->drv, false);
}

int ike_child_take_traffic(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
			   bool initiator)
{
	struct ike_child *old = c->rekey_of >= 0 ? &sa->child[c->rekey_of] : NULL;
	int rc;

	if (old != NULL && old->res_sends && !old->owns_policy) {
		/* a member's rekey: its place in the group's policy */
		old->res_sends = false;
		c->res_sends = true;
		ike_res_sync(e, sa, c->cfg);
		return 0;
	}
	if (old == NULL && c->per_resource && group_owner(sa, c->cfg) >= 0) {
		c->res_sends = true;
		ike_res_sync(e, sa, c->cfg);
		rc = 0;
	} else {
		rc = ike_child_take_policy(e, sa, c);
	}
	if (rc != 0 || old != NULL || !c->per_resource)
		return rc;
	if (initiator) {
		/* the next member while a worker lacks one */
		if (worker_lacks(e, sa, c->cfg))
			(void)ike_task_push(sa, IKE_TASK_CHILD_NEW, -1, c->cfg);
	} else {
		/* the peer's: ours once it has made no more for a while */
		sa->res_grow_at_ms = ike_now(e) + IKE_RES_GROW_MS;
		sa->res_grow_cfg = c->cfg;
	}
	return 0;
}

bool ike_res_tick(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	unsigned cfg = sa->res_grow_cfg;

	if (sa->res_grow_at_ms == 0 || now < sa->res_grow_at_ms || sa->out.active ||
	    sa->n_tasks != 0)
		return false;
	sa->res_grow_at_ms = 0;
	if (cfg >= sa->conn->n_child || !sa->conn->child[cfg].per_resource ||
	    group_owner(sa, cfg) < 0 || !worker_lacks(e, sa, cfg) ||
	    group_size(sa, cfg, NULL) >= 2u * n_workers(e))
		return false;
	return ike_task_push(sa, IKE_TASK_CHILD_NEW, -1, (int)cfg) == 0;
}
