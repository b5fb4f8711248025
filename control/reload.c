/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration reload (reload.h): parse the file again, compare it with
 * what runs, apply the difference through the SA driver and the IKE
 * engine's connection calls, and report what changed and what needs a
 * restart.
 *
 * Certificates and keys of connections live in the configuration that
 * loaded them (struct cfg_conn), and IKE SAs of a replaced or removed
 * connection still use them: such a configuration is kept until no IKE SA
 * points at its credentials (gw_reload_gc()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/gw.h"
#include "control/ike/ike.h"
#include "control/log.h"
#include "control/reload.h"

enum { KEPT_MAX = 64 };

/* Old configurations whose credentials IKE SAs may still use. */
static struct {
	struct esprit_config *cfg[KEPT_MAX];
	unsigned n;
} kept;

__attribute__((format(printf, 3, 4)))
static void note(char (*list)[RELOAD_NOTE_LEN], unsigned *n, const char *fmt, ...)
{
	va_list ap;

	if (*n == RELOAD_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(list[*n], RELOAD_NOTE_LEN, fmt, ap);
	va_end(ap);
	(*n)++;
}

#define CHANGE(r, ...) note((r)->changes, &(r)->n_changes, __VA_ARGS__)
#define RESTART(r, ...) note((r)->restart, &(r)->n_restart, __VA_ARGS__)
#define FAILED(r, ...) note((r)->failed, &(r)->n_failed, __VA_ARGS__)

/* --- settings that need a restart ---------------------------------------- */

static bool eal_same(const struct esprit_config *a, const struct esprit_config *b)
{
	if (a->n_eal_args != b->n_eal_args)
		return false;
	for (unsigned i = 0; i < a->n_eal_args; i++)
		if (strcmp(a->eal_args[i], b->eal_args[i]) != 0)
			return false;
	return true;
}

static bool arr_same(const void *a, unsigned na, const void *b, unsigned nb, size_t elem)
{
	return na == nb && (na == 0 || memcmp(a, b, (size_t)na * elem) == 0);
}

#define SWAP(x, y) do { __typeof__(x) t_ = (x); (x) = (y); (y) = t_; } while (0)

/*
 * What cannot change at run time: report each difference, and put the
 * running value into @p nw (so g->cfg keeps describing what runs; the
 * new values go to @p old, freed with it).
 */
static void restart_only(struct esprit_config *old, struct esprit_config *nw,
			 struct reload_report *r)
{
	/* Always the running strings: the EAL may keep pointers into argv. */
	if (!eal_same(old, nw))
		RESTART(r, "esprit.eal");
	SWAP(old->n_eal_args, nw->n_eal_args);
	for (unsigned i = 0; i < CFG_EAL_ARGS_MAX; i++)
		SWAP(old->eal_args[i], nw->eal_args[i]);
#define SCALAR(f, name)                                                 \
	if (old->f != nw->f) {                                          \
		RESTART(r, "esprit." name);                             \
		nw->f = old->f;                                         \
	}
#define STRING(f, name)                                                 \
	if (strcmp(old->f, nw->f) != 0) {                               \
		RESTART(r, "esprit." name);                             \
		memcpy(nw->f, old->f, sizeof(nw->f));                   \
	}
	SCALAR(workers, "workers")
	SCALAR(idle_sleep_us, "idle_sleep_us")
	SCALAR(esp_steering, "esp_steering")
	SCALAR(rxq_size, "rxq_size")
	SCALAR(txq_size, "txq_size")
	SCALAR(mbufs, "mbufs")
	SCALAR(max_sas, "max_sas")
	STRING(lcores, "lcores")
	STRING(mgmt_socket, "mgmt_socket")
	STRING(keylog, "keylog")
#undef SCALAR
#undef STRING
	if (!arr_same(old->ports, old->n_ports, nw->ports, nw->n_ports, sizeof(old->ports[0]))) {
		RESTART(r, "ports");
		nw->n_ports = old->n_ports;
		memcpy(nw->ports, old->ports, sizeof(nw->ports));
	}
#define LIST(f, n, name)                                                        \
	if (!arr_same(old->f, old->n, nw->f, nw->n, sizeof(*old->f))) {         \
		RESTART(r, name);                                               \
		SWAP(old->f, nw->f);                                            \
		SWAP(old->n, nw->n);                                            \
	}
	LIST(routes, n_routes, "routes")
	LIST(neighs, n_neighs, "neighbors")
	LIST(labels, n_labels, "labels")
#undef LIST
}

/* --- static SAs and policies --------------------------------------------- */

static const struct cfg_sa *sa_of(const struct esprit_config *c, uint32_t spi, enum esp_dir dir)
{
	for (unsigned i = 0; i < c->n_sas; i++)
		if (c->sas[i].p.spi == spi && c->sas[i].p.dir == dir)
			return &c->sas[i];
	return NULL;
}

static bool sa_same(const struct cfg_sa *a, const struct cfg_sa *b)
{
	struct cfg_sa x = *a;
	bool same;

	x.p.id = b->p.id;  /* the position in the file: informational only */
	same = memcmp(&x, b, sizeof(x)) == 0;
	explicit_bzero(&x, sizeof(x));
	return same;
}

static const char *dir_s(enum esp_dir d)
{
	return d == ESP_DIR_IN ? "in" : "out";
}

static void diff_sas(struct gw *g, const struct esprit_config *old, struct esprit_config *nw,
		     struct reload_report *r)
{
	int rc;

	/* Removed first: a new SA may reuse nothing of an old one, but the
	 * driver's table has a size. */
	for (unsigned i = 0; i < old->n_sas; i++) {
		const struct cfg_sa *o = &old->sas[i];

		if (sa_of(nw, o->p.spi, o->p.dir) != NULL)
			continue;
		rc = drv_sa_del(g->ipsec, o->p.spi, o->p.dir);
		if (rc < 0 && rc != -ENOENT)
			FAILED(r, "SA '%s' 0x%08" PRIx32 " %s: delete: %s", o->name, o->p.spi,
			       dir_s(o->p.dir), strerror(-rc));
		else
			CHANGE(r, "SA '%s' 0x%08" PRIx32 " %s removed", o->name, o->p.spi,
			       dir_s(o->p.dir));
	}
	for (unsigned i = 0; i < nw->n_sas; i++) {
		struct cfg_sa *n = &nw->sas[i];
		const struct cfg_sa *o = sa_of(old, n->p.spi, n->p.dir);

		if (o != NULL && sa_same(o, n)) {
			n->p.id = o->p.id; /* as installed */
			continue;
		}
		rc = o != NULL ? drv_sa_update(g->ipsec, &n->p) : drv_sa_add(g->ipsec, &n->p);
		if (rc < 0)
			FAILED(r, "SA '%s' 0x%08" PRIx32 " %s: %s: %s", n->name, n->p.spi,
			       dir_s(n->p.dir), o != NULL ? "update" : "add", strerror(-rc));
		else
			CHANGE(r, "SA '%s' 0x%08" PRIx32 " %s %s", n->name, n->p.spi,
			       dir_s(n->p.dir), o != NULL ? "changed" : "added");
	}
}

/* gw_program_config(): policy i of the file is id i + 1, priority i. */
static int policy_add(struct gw *g, const struct cfg_policy *cp, unsigned i)
{
	struct drv_policy pol;

	cfg_policy_drv(cp, i, &pol);
	return drv_policy_add(g->ipsec, &pol);
}

static void diff_policies(struct gw *g, const struct esprit_config *old,
			  const struct esprit_config *nw, struct reload_report *r)
{
	unsigned n = old->n_policies > nw->n_policies ? old->n_policies : nw->n_policies;
	int rc;

	/* one new snapshot for all of it: a changed policy is never missing
	 * between its delete and its add */
	drv_policy_batch(g->ipsec, true);
	for (unsigned i = 0; i < n; i++) {
		const struct cfg_policy *o = i < old->n_policies ? &old->policies[i] : NULL;
		const struct cfg_policy *p = i < nw->n_policies ? &nw->policies[i] : NULL;
		const char *name = p != NULL ? p->name : o->name;

		if (o != NULL && p != NULL && memcmp(o, p, sizeof(*o)) == 0)
			continue;
		if (o != NULL && (rc = drv_policy_del(g->ipsec, i + 1)) < 0 && rc != -ENOENT) {
			FAILED(r, "policy %u '%s': delete: %s", i + 1, o->name, strerror(-rc));
			continue;
		}
		if (p != NULL && (rc = policy_add(g, p, i)) < 0) {
			FAILED(r, "policy %u '%s': add: %s", i + 1, p->name, strerror(-rc));
			continue;
		}
		CHANGE(r, "policy %u '%s' %s", i + 1, name,
		       o == NULL ? "added" : p == NULL ? "removed" : "changed");
	}
	if ((rc = drv_policy_batch(g->ipsec, false)) < 0)
		FAILED(r, "policies: publishing them: %s", strerror(-rc));
}

/* --- connections --------------------------------------------------------- */

static const struct cfg_conn *conn_of(const struct esprit_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_conns; i++)
		if (strcmp(c->conns[i].c.name, name) == 0)
			return &c->conns[i];
	return NULL;
}

/* Certificates cannot be compared cheaply: a pubkey connection is always
 * taken again (its files were read again). */
static bool conn_same(const struct cfg_conn *a, const struct cfg_conn *b)
{
	struct ike_conn x = a->c, y = b->c;
	bool same;

	x.cred = y.cred = NULL;
	x.trust = y.trust = NULL;
	memset(x.cred_more, 0, sizeof(x.cred_more));
	memset(y.cred_more, 0, sizeof(y.cred_more));
	same = a->c.auth == IKE_AUTHK_PSK && b->c.auth == IKE_AUTHK_PSK &&
	       memcmp(&x, &y, sizeof(x)) == 0 && memcmp(a->start, b->start, sizeof(a->start)) == 0;
	explicit_bzero(&x, sizeof(x));
	explicit_bzero(&y, sizeof(y));
	return same;
}

struct sa_ids {
	const char *conn;
	unsigned n, cap;
	uint64_t (*spi)[2];   /* grows; an SA left out on ENOMEM stays */
};

static void ids_visit(const struct ike_sa *sa, void *arg)
{
	struct sa_ids *w = arg;

	if (sa->conn == NULL || strcmp(sa->conn->name, w->conn) != 0 ||
	    sa->state == IKE_SA_DELETING || sa->state == IKE_SA_DEAD)
		return;
	if (w->n == w->cap) {
		unsigned cap = w->cap != 0 ? 2 * w->cap : 64;
		uint64_t (*p)[2] = realloc(w->spi, cap * sizeof(*p));

		if (p == NULL)
			return;
		w->spi = p;
		w->cap = cap;
	}
	w->spi[w->n][0] = sa->spi_i;
	w->spi[w->n][1] = sa->spi_r;
	w->n++;
}

static void start_children(struct gw *g, const struct cfg_conn *cc, struct reload_report *r)
{
	for (unsigned k = 0; k < cc->c.n_child; k++) {
		int rc;

		if (cc->start[k] != CFG_START_START)
			continue;
		rc = ike_initiate(g->ike, cc->c.name, cc->c.child[k].name);
		if (rc < 0)
			FAILED(r, "connection '%s': initiate %s: %s", cc->c.name, cc->c.child[k].name,
			       strerror(-rc));
		else
			CHANGE(r, "connection '%s': initiating %s (start_action)", cc->c.name,
			       cc->c.child[k].name);
	}
}

static bool starts(const struct cfg_conn *cc)
{
	for (unsigned k = 0; k < cc->c.n_child; k++)
		if (cc->start[k] == CFG_START_START)
			return true;
	return false;
}

static void diff_conns(struct gw *g, const struct esprit_config *old,
		       const struct esprit_config *nw, struct reload_report *r)
{
	int rc;

	for (unsigned i = 0; i < old->n_conns; i++) {
		const struct cfg_conn *o = &old->conns[i];
		struct sa_ids w = { .conn = o->c.name };

		if (conn_of(nw, o->c.name) != NULL)
			continue;
		rc = ike_conn_del(g->ike, o->c.name);
		if (rc < 0) {
			FAILED(r, "connection '%s': remove: %s", o->c.name, strerror(-rc));
			continue;
		}
		ike_sa_foreach(g->ike, ids_visit, &w);
		if (!starts(o)) {
			CHANGE(r, "connection '%s' removed (%u IKE SA(s) kept until terminated)",
			       o->c.name, w.n);
			free(w.spi);
			continue;
		}
		/* strongSwan undoes start_action = start when unloading. */
		for (unsigned k = 0; k < w.n; k++) {
			struct ike_sa *sa = ike_sa_find(g->ike, w.spi[k][0], w.spi[k][1]);

			if (sa != NULL)
				(void)ike_delete(g->ike, sa);
		}
		CHANGE(r, "connection '%s' removed (%u IKE SA(s) deleted: start_action)",
		       o->c.name, w.n);
		free(w.spi);
	}
	for (unsigned i = 0; i < nw->n_conns; i++) {
		const struct cfg_conn *n = &nw->conns[i];
		const struct cfg_conn *o = conn_of(old, n->c.name);

		if (o != NULL && conn_same(o, n))
			continue;
		rc = o != NULL ? ike_conn_update(g->ike, &n->c) : ike_conn_add(g->ike, &n->c);
		if (rc < 0) {
			FAILED(r, "connection '%s': %s: %s", n->c.name, o != NULL ? "update" : "add",
			       strerror(-rc));
			continue;
		}
		CHANGE(r, "connection '%s' %s", n->c.name, o != NULL ? "changed" : "added");
		if (o == NULL || ike_sa_by_conn(g->ike, n->c.name) == NULL)
			start_children(g, n, r);
	}
}

/* --- keeping credentials alive ------------------------------------------- */

struct cred_ref {
	const struct esprit_config *cfg;
	bool used;
};

/* Does @p p point into the connections (and their credentials) of @p c? */
static bool in_conns(const struct esprit_config *c, const void *p)
{
	const char *q = p, *lo = (const char *)c->conns, *hi = (const char *)(c->conns + c->n_conns);

	return p != NULL && c->conns != NULL && q >= lo && q < hi;
}

static void cred_visit(const struct ike_sa *sa, void *arg)
{
	struct cred_ref *w = arg;
	const struct ike_conn *c = sa->conn;

	if (c == NULL)
		return;
	if (in_conns(w->cfg, c->cred))
		w->used = true;
	for (unsigned k = 0; k < c->n_cred_more && k < IKE_CRED_MORE_MAX; k++)
		if (in_conns(w->cfg, c->cred_more[k]))
			w->used = true;
	for (unsigned i = 0; c->trust != NULL && i < w->cfg->n_conns; i++)
		if (c->trust == w->cfg->conns[i].trust)
			w->used = true;
}

static bool has_pubkey(const struct esprit_config *c)
{
	for (unsigned i = 0; i < c->n_conns; i++)
		if (c->conns[i].c.auth == IKE_AUTHK_PUBKEY)
			return true;
	return false;
}

void gw_reload_gc(struct gw *g)
{
	for (unsigned i = 0; i < kept.n;) {
		struct cred_ref w = { .cfg = kept.cfg[i] };

		if (g->ike != NULL)
			ike_sa_foreach(g->ike, cred_visit, &w);
		if (w.used) {
			i++;
			continue;
		}
		config_free(kept.cfg[i]);
		free(kept.cfg[i]);
		kept.cfg[i] = kept.cfg[--kept.n];
	}
}

/* --- the reload ---------------------------------------------------------- */

int gw_reload(struct gw *g, struct reload_report *r, char *err, size_t errlen)
{
	struct esprit_config *nw = calloc(1, sizeof(*nw)), *old;
	int rc;

	memset(r, 0, sizeof(*r));
	if (nw == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = config_load(nw, g->cfg.path, err, errlen);
	if (rc < 0) {
		config_free(nw);
		free(nw);
		return rc;
	}
	if (has_pubkey(&g->cfg) && kept.n == KEPT_MAX) {
		gw_reload_gc(g);
		if (kept.n == KEPT_MAX) {
			snprintf(err, errlen, "too many reloads while old IKE SAs still run");
			config_free(nw);
			free(nw);
			return -EBUSY;
		}
	}
	old = malloc(sizeof(*old));
	if (old == NULL) {
		config_free(nw);
		free(nw);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*old = g->cfg;
	restart_only(old, nw, r);
	if (strcmp(old->log_level, nw->log_level) != 0) {
		if (log_set_level(nw->log_level) == 0)
			CHANGE(r, "log_level %s", nw->log_level);
	}
	diff_sas(g, old, nw, r);
	diff_policies(g, old, nw, r);
	if (g->ike != NULL)
		diff_conns(g, old, nw, r);
	else if (nw->n_conns != 0)
		RESTART(r, "connections (the IKE engine starts with the first connection)");
	g->cfg = *nw;
	free(nw);
	log_info("reload of %s: %u change(s), %u failure(s), %u setting(s) need a restart",
		 g->cfg.path, r->n_changes, r->n_failed, r->n_restart);
	if (has_pubkey(old)) {
		kept.cfg[kept.n++] = old;
		gw_reload_gc(g);
	} else {
		config_free(old);
		free(old);
	}
	return 0;
}

void gw_reload_logged(struct gw *g)
{
	struct reload_report *r = malloc(sizeof(*r));
	char err[512];

	if (r == NULL) {
		log_err("reload: out of memory");
		return;
	}
	if (gw_reload(g, r, err, sizeof(err)) < 0) {
		log_err("reload refused, nothing changed: %s", err);
	} else {
		for (unsigned i = 0; i < r->n_changes; i++)
			log_info("reload: %s", r->changes[i]);
		for (unsigned i = 0; i < r->n_failed; i++)
			log_warn("reload: failed: %s", r->failed[i]);
		for (unsigned i = 0; i < r->n_restart; i++)
			log_warn("reload: %s changed: needs a restart", r->restart[i]);
	}
	free(r);
}
