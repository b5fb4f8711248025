/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's connection table and its changes at run time (espritctl
 * reload): connections are allocated one by one because IKE SAs point at
 * the one they were made from (sa->conn). A replaced or removed
 * connection is retired, not freed, until no IKE SA points at it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/exchange.h"

static int conn_check(const struct ike_conn *c)
{
	if (c->name[0] == '\0' || c->n_ike == 0 || c->n_ike > IKE_PROPS_MAX ||
	    c->n_child > IKE_CONN_CHILD_MAX)
		return -EINVAL;
	if (c->auth == IKE_AUTHK_PUBKEY && (c->cred == NULL || c->trust == NULL))
		return -EINVAL;
	if (c->n_cred_more > IKE_CRED_MORE_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < c->n_cred_more; i++)
		if (c->cred_more[i] == NULL)
			return -EINVAL;
	return 0;
}

static int conn_index(const struct ike_engine *e, const char *name)
{
	for (unsigned i = 0; i < e->n_conn; i++)
		if (strcmp(e->conn[i]->name, name) == 0)
			return (int)i;
	return -ENOENT;
}

static void conn_free(struct ike_conn *c)
{
	explicit_bzero(c, sizeof(*c)); /* the PSK */
	free(c);
}

const struct ike_conn *ike_conn_by_name(const struct ike_engine *e, const char *name)
{
	int i = conn_index(e, name);

	return i < 0 ? NULL : e->conn[i];
}

const struct ike_conn *ike_conn_get(const struct ike_engine *e, const char *name)
{
	return ike_conn_by_name(e, name);
}

void ike_conn_foreach(const struct ike_engine *e, ike_conn_visit_fn fn, void *arg)
{
	for (unsigned i = 0; i < e->n_conn; i++)
		fn(e->conn[i], arg);
}

int ike_conn_add(struct ike_engine *e, const struct ike_conn *c)
{
	struct ike_conn *n;
	int rc = conn_check(c);

	if (rc != 0)
		return rc;
	if (conn_index(e, c->name) >= 0)
		return -EEXIST;
	if (e->n_conn == IKE_CONN_MAX)
		return -ENOSPC;
	n = malloc(sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	*n = *c;
	e->conn[e->n_conn++] = n;
	return 0;
}

static bool addr_match(const struct ike_addr *want, const struct ike_addr *a)
{
	return want->ip.family == 0 || esp_addr_eq(&want->ip, &a->ip);
}

const struct ike_conn *ike_conn_for(const struct ike_engine *e, const struct ike_addr *local,
				    const struct ike_addr *remote)
{
	for (unsigned i = 0; i < e->n_conn; i++)
		if (addr_match(&e->conn[i]->local, local) && addr_match(&e->conn[i]->remote, remote))
			return e->conn[i];
	return NULL;
}

static int retire(struct ike_engine *e, struct ike_conn *c)
{
	struct ike_conn **r = realloc(e->retired, (e->n_retired + 1) * sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	e->retired = r;
	e->retired[e->n_retired++] = c;
	return 0;
}

/* Moving established IKE SAs from one version of a connection to the next. */
struct move {
	const struct ike_conn *from, *to;
	unsigned moved, kept;
};

/* The child config of @p to named like child config @p cfg of @p from. */
static int child_map(const struct ike_conn *from, const struct ike_conn *to, unsigned cfg)
{
	if (cfg >= from->n_child)
		return -ENOENT;
	for (unsigned k = 0; k < to->n_child; k++)
		if (strcmp(to->child[k].name, from->child[cfg].name) == 0)
			return (int)k;
	return -ENOENT;
}

static void move_visit(const struct ike_sa *csa, void *arg)
{
	struct move *mv = arg;
	/* The table hands out const SAs; the engine owns them and changes only
	 * the connection pointer and child config indices here. */
	struct ike_sa *sa = (struct ike_sa *)csa;
	int map[IKE_CHILD_MAX];

	if (sa->conn != mv->from)
		return;
	/* An exchange in flight or queued carries child config indices of
	 * the old version: such an SA stays on it. */
	if (sa->state != IKE_SA_ESTABLISHED || sa->out.active || sa->n_tasks != 0) {
		mv->kept++;
		return;
	}
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++) {
		map[i] = -1;
		if (sa->child[i].state == IKE_CHILD_FREE)
			continue;
		if (sa->child[i].state != IKE_CHILD_INSTALLED ||
		    (map[i] = child_map(mv->from, mv->to, sa->child[i].cfg)) < 0) {
			mv->kept++;
			return;
		}
	}
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (map[i] >= 0)
			sa->child[i].cfg = (uint8_t)map[i];
	if (sa->res_grow_at_ms != 0) {
		/* RFC 9611: the group it would complete, by its new index */
		int k = child_map(mv->from, mv->to, sa->res_grow_cfg);

		if (k < 0)
			sa->res_grow_at_ms = 0;
		else
			sa->res_grow_cfg = (uint8_t)k;
	}
	sa->conn = mv->to;
	mv->moved++;
}

int ike_conn_update(struct ike_engine *e, const struct ike_conn *c)
{
	int i = conn_index(e, c->name), rc = conn_check(c);
	struct ike_conn *n, *old;
	struct move mv;

	if (rc != 0)
		return rc;
	if (i < 0)
		return -ENOENT;
	n = malloc(sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	*n = *c;
	old = e->conn[i];
	rc = retire(e, old);
	if (rc != 0) {
		conn_free(n);
		return rc;
	}
	e->conn[i] = n;
	mv = (struct move){ .from = old, .to = n };
	ike_sa_foreach(e, move_visit, &mv);
	ike_log(e, "connection %s replaced: %u IKE SA(s) moved to it, %u keep the old settings",
		n->name, mv.moved, mv.kept);
	ike_conns_gc(e);
	return 0;
}

int ike_conn_del(struct ike_engine *e, const char *name)
{
	int i = conn_index(e, name), rc;

	if (i < 0)
		return -ENOENT;
	rc = retire(e, e->conn[i]);
	if (rc != 0)
		return rc;
	e->n_conn--;
	memmove(&e->conn[i], &e->conn[i + 1], (e->n_conn - (unsigned)i) * sizeof(e->conn[0]));
	ike_log(e, "connection %s removed", name);
	ike_conns_gc(e);
	return 0;
}

struct ref {
	const struct ike_conn *c;
	bool used;
};

static void ref_visit(const struct ike_sa *sa, void *arg)
{
	struct ref *r = arg;

	if (sa->conn == r->c)
		r->used = true;
}

void ike_conns_gc(struct ike_engine *e)
{
	for (unsigned i = 0; i < e->n_retired;) {
		struct ike_conn *old = e->retired[i];
		const struct ike_conn *now = ike_conn_by_name(e, old->name);
		struct ref r = { .c = old };

		/* An SA that was busy when its connection changed moves once it
		 * is idle, so its next rekey uses the new settings too. */
		if (now != NULL) {
			struct move mv = { .from = old, .to = now };

			ike_sa_foreach(e, move_visit, &mv);
		}
		ike_sa_foreach(e, ref_visit, &r);
		if (r.used) {
			i++;
			continue;
		}
		conn_free(old);
		e->retired[i] = e->retired[--e->n_retired];
	}
}

void ike_conns_free(struct ike_engine *e)
{
	for (unsigned i = 0; i < e->n_conn; i++)
		conn_free(e->conn[i]);
	for (unsigned i = 0; i < e->n_retired; i++)
		conn_free(e->retired[i]);
	free(e->retired);
	e->n_conn = e->n_retired = 0;
	e->retired = NULL;
}
