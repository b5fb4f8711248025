/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK implementation of the SA-programming interface (drivers/ipsec.h).
 *
 * The control thread owns the master copy of every SA and policy. Each
 * change becomes messages on the workers' rings (struct dp_msg), applied
 * by the workers between bursts; workers never wait. Objects that workers
 * may still hold are freed only after RCU grace periods:
 * - a policy snapshot (struct spd) after one grace period;
 * - an SA after two: after the first no worker can newly find it, after
 *   the second every worker has drained its handoff ring at least once, so
 *   no packet in flight between workers still points at it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "drivers/esp_steer.h"
#include "drivers/ipsec.h"
#include "drivers/ipsec_ring.h"
#include "dataplane/sad.h"

struct ring_sa {
	struct esp_sa_params p;
	struct esp_sa *sa;
	uint64_t added;          /**< monotonic seconds */
	bool direct;             /**< inbound, in its direct SAD slot */
	struct esp_steer_sa *steer; /**< inbound: its NIC rules, or NULL */
	uint8_t soft_time_sent;
	uint8_t hard_time_sent;
};

/* DEFER_SPD_COPY: a worker's copy of a snapshot, whose index it borrows
 * from that snapshot: freed without the index (spd_retire()). */
enum deferred_kind { DEFER_SA, DEFER_SPD, DEFER_SPD_COPY };

struct deferred {
	void *obj;
	uint64_t token;
	uint8_t kind;
	uint8_t graces;          /**< grace periods still to wait */
};

/*
 * 32-bit keys to counts (0: absent), open addressing with linear probing
 * and backward-shift deletion, grown at half full: the driver's checks
 * for a policy id and for the policies of an SPI stay O(1) with tens of
 * thousands of policies.
 */
struct count_map {
	uint32_t *key, *cnt;
	uint32_t cap, n;          /**< cap: 0 or a power of two */
};

static uint32_t cm_home(const struct count_map *m, uint32_t k)
{
	return rte_hash_crc_4byte(k, 0) & (m->cap - 1);
}

/* The slot holding @p k, or the empty slot where it would go. */
static uint32_t cm_find(const struct count_map *m, uint32_t k)
{
	uint32_t i = cm_home(m, k);

	while (m->cnt[i] != 0 && m->key[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static uint32_t cm_get(const struct count_map *m, uint32_t k)
{
	return m->cap == 0 ? 0 : m->cnt[cm_find(m, k)];
}

static int cm_grow(struct count_map *m)
{
	uint32_t cap = m->cap != 0 ? m->cap * 2 : 64;
	struct count_map g = { calloc(cap, sizeof(uint32_t)), calloc(cap, sizeof(uint32_t)), cap,
			       m->n };

	if (g.key == NULL || g.cnt == NULL) {
		free(g.key);
		free(g.cnt);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < m->cap; i++) {
		if (m->cnt[i] == 0)
			continue;
		uint32_t j = cm_find(&g, m->key[i]);

		g.key[j] = m->key[i];
		g.cnt[j] = m->cnt[i];
	}
	free(m->key);
	free(m->cnt);
	*m = g;
	return 0;
}

static int cm_inc(struct count_map *m, uint32_t k)
{
	if (2 * (m->n + 1) > m->cap && cm_grow(m) < 0)
		return -ENOMEM;
	uint32_t i = cm_find(m, k);

	if (m->cnt[i]++ == 0) {
		m->key[i] = k;
		m->n++;
	}
	return 0;
}

static void cm_dec(struct count_map *m, uint32_t k)
{
	uint32_t i, mask = m->cap - 1;

	if (m->cap == 0 || m->cnt[i = cm_find(m, k)] == 0 || --m->cnt[i] != 0)
		return;
	m->n--;
	/* refill the hole from the run after it: an entry whose home is not
	 * in (i, j] (cyclically) may move back into it */
	for (uint32_t j = (i + 1) & mask; m->cnt[j] != 0; j = (j + 1) & mask) {
		uint32_t h = cm_home(m, m->key[j]);

		if (j > i ? (h <= i || h > j) : (h <= i && h > j)) {
			m->key[i] = m->key[j];
			m->cnt[i] = m->cnt[j];
			m->cnt[j] = 0;
			i = j;
		}
	}
}

static void cm_free(struct count_map *m)
{
	free(m->key);
	free(m->cnt);
	*m = (struct count_map){ 0 };
}

struct ring_drv {
	struct drv_ipsec base;
	struct worker **workers;
	uint16_t n_workers;
	IMB_MGR *mgr;
	struct rte_rcu_qsbr *qsbr;
	struct rte_hash *sas;    /**< (spi, dir) → struct ring_sa * */
	struct esp_steer *steer; /**< inbound ESP to its owner's queue, or NULL */
	/** Per worker: the direct slots of its SAD that its inbound SAs
	 *  hold, so that get_spi hands out SPIs for free ones (sad.h). The
	 *  worker applies the same adds and deletes in the same order, so
	 *  this mirrors its table; were it ever off, SAs would only land in
	 *  the hash table. */
	struct slot_map {
		uint64_t *used;
		uint32_t slots;
	} *slot_map;

	struct drv_policy *pols; /**< sorted by priority, then insertion */
	unsigned n_pols, cap_pols;
	struct count_map pol_ids;   /**< id -> 1 for every policy */
	struct count_map sa_users;  /**< outbound SPI -> policies protecting with it */
	/** Published snapshots: one that every worker reads, or, while a
	 *  policy lists per-resource SAs, one for each worker, whose rules
	 *  name the SAs that worker owns. */
	struct spd **spd;
	uint16_t n_spd;          /**< 0 (none yet), 1 (shared) or n_workers */
	unsigned batch;          /**< open batches: policy changes wait for the last's end */
	bool spd_stale;          /**< pols changed since spd was published */

	struct deferred *defer;  /**< FIFO of objects awaiting grace periods */
	unsigned n_defer, cap_defer;

	struct esp_event *tev;   /**< time-lifetime events not yet read */
	unsigned n_tev, cap_tev;
	uint64_t last_time_scan;
};

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint64_t sa_key(uint32_t spi, enum esp_dir dir)
{
	return (uint64_t)spi | (uint64_t)dir << 32;
}

static struct ring_sa *sa_find(struct ring_drv *d, uint32_t spi, enum esp_dir dir)
{
	uint64_t key = sa_key(spi, dir);
	void *data;

	return rte_hash_lookup_data(d->sas, &key, &data) < 0 ? NULL : data;
}

static uint32_t spi_slot(const struct slot_map *m, uint32_t spi)
{
	return spi >> SAD_SPI_SHIFT & (m->slots - 1);
}

/* A free direct slot of @p m, searched from a random word; false if
 * every slot is taken. */
static bool slot_free_find(const struct slot_map *m, uint32_t *slot)
{
	uint32_t words = m->slots / 64, start = (uint32_t)rte_rand_max(words);

	for (uint32_t k = 0; k < words; k++) {
		uint32_t w = (start + k) % words;
		uint64_t bits = m->used[w];  /* whole words: slots >= 64 */

		if (bits != UINT64_MAX) {
			/* a random one of the word's free slots, so that
			 * negotiations under way at once get different ones */
			uint64_t f = ~bits;
			unsigned r = (unsigned)rte_rand_max(64);
			uint64_t rot = r == 0 ? f : f >> r | f << (64 - r);

			*slot = w * 64 + ((unsigned)rte_bsf64(rot) + r) % 64;
			return true;
		}
	}
	return false;
}

static void send_msg(struct ring_drv *d, uint16_t worker, const struct dp_msg *msg)
{
	/* The control thread may wait; workers never do. */
	while (rte_ring_mp_enqueue_elem(d->workers[worker]->msgs, (void *)msg, sizeof(*msg)) != 0)
		rte_pause();
}

static int grow(void **arr, unsigned *cap, unsigned need, size_t esize)
{
	if (need <= *cap)
		return 0;
	unsigned ncap = *cap ? *cap * 2 : 16;

	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*arr, (size_t)ncap * esize);

	if (n == NULL)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

static void defer_free(struct ring_drv *d, void *obj, enum deferred_kind kind)
{
	if (grow((void **)&d->defer, &d->cap_defer, d->n_defer + 1, sizeof(*d->defer)) != 0) {
		/* Out of memory for bookkeeping: leak rather than free early. */
		return;
	}
	d->defer[d->n_defer++] = (struct deferred){
		.obj = obj,
		.token = rte_rcu_qsbr_start(d->qsbr),
		.kind = (uint8_t)kind,
		.graces = kind == DEFER_SA ? 2 : 1,
	};
}

/* Free what no worker reads any more: an SA, or a snapshot with its index. */
static void deferred_release(const struct deferred *e)
{
	if (e->kind == DEFER_SA) {
		esp_sa_destroy(e->obj);
	} else {
		if (e->kind == DEFER_SPD)
			spd_release(e->obj);
		rte_free(e->obj);
	}
}

static void defer_reclaim(struct ring_drv *d)
{
	unsigned k = 0;

	for (unsigned i = 0; i < d->n_defer; i++) {
		struct deferred *e = &d->defer[i];

		if (rte_rcu_qsbr_check(d->qsbr, e->token, false) == 1) {
			if (--e->graces == 0) {
				deferred_release(e);
				continue;
			}
			e->token = rte_rcu_qsbr_start(d->qsbr);
		}
		d->defer[k++] = *e;
	}
	d->n_defer = k;
}

static struct esp_sa *out_sa(struct ring_drv *d, uint32_t spi)
{
	struct ring_sa *rs = spi != 0 ? sa_find(d, spi, ESP_DIR_OUT) : NULL;

	return rs != NULL ? rs->sa : NULL;
}

/* The SA worker @p w sends @p pol's packets with: the per-resource SA
 * @p w owns, else sa_spi's, else the first per-resource SA there is. */
static struct esp_sa *pol_sa_for(struct ring_drv *d, const struct drv_policy *pol, uint16_t w)
{
	struct esp_sa *sa, *first = NULL;

	for (unsigned i = 0; i < DRV_POLICY_RES_MAX && pol->res_spi[i] != 0; i++) {
		sa = out_sa(d, pol->res_spi[i]);
		if (sa != NULL && sa->owner == w)
			return sa;
		if (first == NULL)
			first = sa;
	}
	sa = out_sa(d, pol->sa_spi);
	return sa != NULL ? sa : first;
}

/* Rule @p r of policy @p pol: its SA as worker @p w sends with it. */
static void rule_sa_set(struct ring_drv *d, const struct drv_policy *pol, struct spd_rule *r,
			uint16_t w)
{
	r->sa = pol->action == SPD_PROTECT ? pol_sa_for(d, pol, w) : NULL;
	r->owner = r->sa != NULL ? r->sa->owner : 0;
}

/* A snapshot of the policies with SA pointers resolved as worker 0 sends
 * (as every worker does, but for per-resource SAs), compiled. */
static struct spd *spd_build(struct ring_drv *d)
{
	struct spd *spd = rte_zmalloc("spd", sizeof(*spd) + d->n_pols * sizeof(struct spd_rule),
				      RTE_CACHE_LINE_SIZE);

	if (spd == NULL)
		return NULL;
	spd->n = d->n_pols;
	for (unsigned i = 0; i < d->n_pols; i++) {
		const struct drv_policy *pol = &d->pols[i];
		struct spd_rule *r = &spd->rules[i];

		r->sel = pol->sel;
		r->action = pol->action;
		r->id = pol->id;
		rule_sa_set(d, pol, r, 0);
	}
	spd_compile(spd);
	return spd;
}

static bool pols_have_res(const struct ring_drv *d)
{
	for (unsigned i = 0; i < d->n_pols; i++)
		if (d->pols[i].action == SPD_PROTECT && d->pols[i].res_spi[0] != 0)
			return true;
	return false;
}

/* Worker @p w's copy of worker 0's snapshot @p s0: the same compiled
 * rules and index (borrowed, not copied), with the SAs of the policies
 * that list per-resource SAs resolved for @p w. */
static struct spd *spd_copy_for(struct ring_drv *d, const struct spd *s0, uint16_t w)
{
	size_t size = sizeof(*s0) + s0->n * sizeof(struct spd_rule);
	struct spd *spd = rte_malloc("spd", size, RTE_CACHE_LINE_SIZE);

	if (spd == NULL)
		return NULL;
	memcpy(spd, s0, size);
	for (unsigned i = 0; i < d->n_pols; i++)
		if (d->pols[i].res_spi[0] != 0)
			rule_sa_set(d, &d->pols[i], &spd->rules[i], w);
	return spd;
}

/* Retire the published snapshots, after the messages that replace them
 * were sent: a worker applies all its messages at the start of a poll
 * and reports its quiescent state at the end, so once a grace period
 * that started after the send has ended, no worker reads any of them,
 * a copy or the snapshot whose index the copies borrow, whichever is
 * freed first. (The copies go first all the same: their grace periods
 * end no later than the snapshot's.) */
static void spd_retire(struct ring_drv *d)
{
	for (uint16_t i = d->n_spd; i-- > 0;)
		defer_free(d, d->spd[i], i == 0 ? DEFER_SPD : DEFER_SPD_COPY);
}

/* Build and publish new policy snapshots: one for all workers, or, while
 * a policy has per-resource SAs, worker 0's and a copy for each other
 * worker (compiled once: a 16,384-rule snapshot takes ~2 ms to compile). */
static int spd_publish(struct ring_drv *d)
{
	uint16_t n = pols_have_res(d) && d->n_workers > 1 ? d->n_workers : 1;
	struct spd **spd = calloc(d->n_workers, sizeof(*spd));

	if (spd == NULL)
		return -ENOMEM;
	spd[0] = spd_build(d);
	for (uint16_t i = 1; spd[0] != NULL && i < n; i++) {
		spd[i] = spd_copy_for(d, spd[0], i);
		if (spd[i] == NULL) {
			while (--i > 0)
				rte_free(spd[i]);
			spd_release(spd[0]);
			rte_free(spd[0]);
			spd[0] = NULL;
		}
	}
	if (spd[0] == NULL) {
		free(spd);
		return -ENOMEM;
	}
	d->spd_stale = false;
	for (uint16_t w = 0; w < d->n_workers; w++) {
		struct dp_msg msg = { .type = DP_MSG_SPD_SET, .obj = spd[n == 1 ? 0 : w] };

		send_msg(d, w, &msg);
	}
	spd_retire(d);
	free(d->spd);
	d->spd = spd;
	d->n_spd = n;
	return 0;
}

static bool spd_uses(const struct ring_drv *d, uint32_t spi)
{
	return cm_get(&d->sa_users, spi) != 0;
}

/* The outbound SPIs @p pol protects with: sa_spi and its per-resource
 * SAs, those that are set. */
static unsigned pol_spis(const struct drv_policy *pol, uint32_t spis[1 + DRV_POLICY_RES_MAX])
{
	unsigned n = 0;

	if (pol->action != SPD_PROTECT)
		return 0;
	if (pol->sa_spi != 0)
		spis[n++] = pol->sa_spi;
	for (unsigned i = 0; i < DRV_POLICY_RES_MAX && pol->res_spi[i] != 0; i++)
		spis[n++] = pol->res_spi[i];
	return n;
}

/* Count the outbound SAs @p pol protects with as used (a change to one
 * publishes a new snapshot). */
static int pol_sa_count(struct ring_drv *d, const struct drv_policy *pol)
{
	uint32_t spis[1 + DRV_POLICY_RES_MAX];
	unsigned n = pol_spis(pol, spis);

	for (unsigned i = 0; i < n; i++) {
		if (cm_inc(&d->sa_users, spis[i]) != 0) {
			while (i-- > 0)
				cm_dec(&d->sa_users, spis[i]);
			return -ENOMEM;
		}
	}
	return 0;
}

static void pol_sa_uncount(struct ring_drv *d, const struct drv_policy *pol)
{
	uint32_t spis[1 + DRV_POLICY_RES_MAX];
	unsigned n = pol_spis(pol, spis);

	for (unsigned i = 0; i < n; i++)
		cm_dec(&d->sa_users, spis[i]);
}

static int ring_get_spi(struct drv_ipsec *base, uint16_t owner, uint32_t *spi)
{
	struct ring_drv *d = (struct ring_drv *)base;
	const struct slot_map *m;
	uint32_t slot;

	if (owner >= d->n_workers)
		return -EINVAL;
	/* The owner of an inbound SA is spi mod workers, so a worker that
	 * receives the packet knows whom to hand it to; the SPI's slot is a
	 * free one of the owner's SAD, so its lookup is direct. */
	m = &d->slot_map[owner];
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t s;

		if (slot_free_find(m, &slot))
			s = sad_spi_make(m->slots, slot, owner, d->n_workers, rte_rand());
		else  /* every slot taken: the SA is hashed */
			s = sad_spi_make(1, 0, owner, d->n_workers, rte_rand());
		if (s >= ESP_SPI_MIN && sa_find(d, s, ESP_DIR_IN) == NULL) {
			*spi = s;
			return 0;
		}
	}
	return -EAGAIN;
}

static int ring_sa_add(struct drv_ipsec *base, const struct esp_sa_params *p)
{
	struct ring_drv *d = (struct ring_drv *)base;
	struct esp_sa_params params = *p;
	const char *why;
	struct ring_sa *rs;
	int rc;

	if (sa_find(d, p->spi, p->dir) != NULL)
		return -EEXIST;
	if (p->dir == ESP_DIR_IN)
		params.owner = (uint16_t)(p->spi % d->n_workers);
	else if (params.owner >= d->n_workers)
		params.owner = 0;
	rc = esp_sa_params_check(&params, &why);
	if (rc < 0)
		return rc;
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return -ENOMEM;
	rs->p = params;
	rs->added = now_s();
	rs->sa = esp_sa_create(&params, d->mgr);
	if (rs->sa == NULL) {
		rc = -errno;
		free(rs);
		return rc;
	}
	uint64_t key = sa_key(p->spi, p->dir);

	rc = rte_hash_add_key_data(d->sas, &key, rs);
	if (rc < 0) {
		esp_sa_destroy(rs->sa);
		free(rs);
		return rc;
	}
	if (p->dir == ESP_DIR_IN) {
		struct dp_msg msg = { .type = DP_MSG_SA_ADD, .spi = p->spi, .obj = rs->sa };
		struct slot_map *m = &d->slot_map[params.owner];
		uint32_t slot = spi_slot(m, p->spi);

		/* the worker's sad_add() puts it in its slot if free */
		if (!(m->used[slot / 64] >> (slot % 64) & 1)) {
			m->used[slot / 64] |= UINT64_C(1) << (slot % 64);
			rs->direct = true;
		}
		send_msg(d, params.owner, &msg);
		rs->steer = esp_steer_sa_add(d->steer, p->spi, params.owner,
					     esp_steer_kind_of(p->local.family,
							       p->flags & ESP_SA_F_NATT),
					     &p->local);
	} else if (spd_uses(d, p->spi)) {
		rc = spd_publish(d);
	}
	return rc;
}

static int ring_sa_update(struct drv_ipsec *base, const struct esp_sa_params *p)
{
	struct ring_drv *d = (struct ring_drv *)base;
	struct ring_sa *rs = sa_find(d, p->spi, p->dir);
	struct esp_sa_params params = *p;
	struct esp_sa *nsa, *old;
	const char *why;
	int rc;

	if (rs == NULL)
		return -ENOENT;
	params.owner = rs->p.owner;
	rc = esp_sa_params_check(&params, &why);
	if (rc < 0)
		return rc;
	nsa = esp_sa_create(&params, d->mgr);
	if (nsa == NULL)
		return -errno;
	/* Unusable until its owner has moved the sequence number and the
	 * replay window over (DP_MSG_SA_REPLACE clears the flag): no packet
	 * may ever be sent with a reused sequence number and key. */
	nsa->flags |= ESP_SA_F_DEAD;
	old = rs->sa;
	rs->sa = nsa;
	rs->p = params;

	struct dp_msg msg = { .type = DP_MSG_SA_REPLACE, .spi = p->spi, .obj = nsa, .old = old };

	send_msg(d, params.owner, &msg);
	if (p->dir == ESP_DIR_OUT && spd_uses(d, p->spi))
		rc = spd_publish(d);
	defer_free(d, old, DEFER_SA);
	return rc;
}

static int ring_sa_update_endpoints(struct drv_ipsec *base, uint32_t spi, enum esp_dir dir,
				    const struct drv_sa_endpoints *ep)
{
	struct ring_drv *d = (struct ring_drv *)base;
	struct ring_sa *rs = sa_find(d, spi, dir);
	struct esp_sa_params p;
	int rc;

	if (rs == NULL)
		return -ENOENT;
	/* The kept parameters with new endpoints, replaced like sa_update
	 * (the owner carries sequence number and replay window over). */
	p = rs->p;
	p.local = ep->local;
	p.remote = ep->remote;
	if (p.flags & ESP_SA_F_NATT) {
		p.natt_sport = ep->natt_sport;
		p.natt_dport = ep->natt_dport;
	}
	rc = ring_sa_update(base, &p);
	explicit_bzero(&p, sizeof(p));
	return rc;
}

static int ring_sa_del(struct drv_ipsec *base, uint32_t spi, enum esp_dir dir)
{
	struct ring_drv *d = (struct ring_drv *)base;
	struct ring_sa *rs = sa_find(d, spi, dir);
	uint64_t key = sa_key(spi, dir);
	int rc = 0;

	if (rs == NULL)
		return -ENOENT;
	rte_hash_del_key(d->sas, &key);
	if (dir == ESP_DIR_IN) {
		struct dp_msg msg = { .type = DP_MSG_SA_DEL, .spi = spi };
		struct slot_map *m = &d->slot_map[rs->p.owner];

		if (rs->direct) {
			uint32_t slot = spi_slot(m, spi);

			m->used[slot / 64] &= ~(UINT64_C(1) << (slot % 64));
		}
		send_msg(d, rs->p.owner, &msg);
		esp_steer_sa_del(d->steer, rs->steer);
	} else if (spd_uses(d, spi)) {
		rc = spd_publish(d);
	}
	defer_free(d, rs->sa, DEFER_SA);
	explicit_bzero(&rs->p, sizeof(rs->p));
	free(rs);
	return rc;
}

static int ring_sa_stats(struct drv_ipsec *base, uint32_t spi, enum esp_dir dir,
			 struct esp_sa_stats *out)
{
	struct ring_sa *rs = sa_find((struct ring_drv *)base, spi, dir);

	if (rs == NULL)
		return -ENOENT;
	esp_sa_stats_read(rs->sa, out);
	return 0;
}

/* The policies changed: a new snapshot now, or when the batch closes. */
static int spd_changed(struct ring_drv *d)
{
	d->spd_stale = true;
	return d->batch > 0 ? 0 : spd_publish(d);
}

static int ring_policy_batch(struct drv_ipsec *base, bool open)
{
	struct ring_drv *d = (struct ring_drv *)base;

	if (open) {
		d->batch++;
		return 0;
	}
	if (d->batch > 0)
		d->batch--;
	return d->batch == 0 && d->spd_stale ? spd_publish(d) : 0;
}

static int ring_policy_add(struct drv_ipsec *base, const struct drv_policy *pol)
{
	struct ring_drv *d = (struct ring_drv *)base;
	unsigned at;

	if (cm_get(&d->pol_ids, pol->id) != 0)
		return -EEXIST;
	if (grow((void **)&d->pols, &d->cap_pols, d->n_pols + 1, sizeof(*pol)) != 0 ||
	    cm_inc(&d->pol_ids, pol->id) != 0)
		return -ENOMEM;
	if (pol_sa_count(d, pol) != 0) {
		cm_dec(&d->pol_ids, pol->id);
		return -ENOMEM;
	}
	for (at = d->n_pols; at > 0 && d->pols[at - 1].priority > pol->priority; at--)
		;
	memmove(&d->pols[at + 1], &d->pols[at], (d->n_pols - at) * sizeof(*pol));
	d->pols[at] = *pol;
	d->n_pols++;
	return spd_changed(d);
}

static int ring_policy_del(struct drv_ipsec *base, uint32_t id)
{
	struct ring_drv *d = (struct ring_drv *)base;

	if (cm_get(&d->pol_ids, id) == 0)
		return -ENOENT;
	for (unsigned i = 0; i < d->n_pols; i++) {
		if (d->pols[i].id != id)
			continue;
		cm_dec(&d->pol_ids, id);
		pol_sa_uncount(d, &d->pols[i]);
		memmove(&d->pols[i], &d->pols[i + 1], (d->n_pols - i - 1) * sizeof(*d->pols));
		d->n_pols--;
		return spd_changed(d);
	}
	return -ENOENT;
}

static void time_event(struct ring_drv *d, const struct ring_sa *rs, uint16_t type)
{
	if (grow((void **)&d->tev, &d->cap_tev, d->n_tev + 1, sizeof(*d->tev)) != 0)
		return;
	d->tev[d->n_tev++] = (struct esp_event){
		.type = type, .dir = (uint16_t)rs->p.dir, .spi = rs->p.spi, .sa_id = rs->p.id,
	};
}

/* Lifetimes in seconds are the control thread's: one scan a second. */
static void time_scan(struct ring_drv *d)
{
	uint64_t now = now_s();
	const void *key;
	void *data;
	uint32_t iter = 0;

	if (now == d->last_time_scan)
		return;
	d->last_time_scan = now;
	while (rte_hash_iterate(d->sas, &key, &data, &iter) >= 0) {
		struct ring_sa *rs = data;
		uint64_t age = now - rs->added;

		if (rs->p.soft.seconds && age >= rs->p.soft.seconds && !rs->soft_time_sent) {
			rs->soft_time_sent = 1;
			time_event(d, rs, ESP_EV_SOFT_EXPIRE);
		}
		if (rs->p.hard.seconds && age >= rs->p.hard.seconds && !rs->hard_time_sent) {
			rs->hard_time_sent = 1;
			time_event(d, rs, ESP_EV_HARD_EXPIRE);
		}
	}
}

static unsigned ring_events(struct drv_ipsec *base, struct esp_event *ev, unsigned max)
{
	struct ring_drv *d = (struct ring_drv *)base;
	unsigned n = 0;

	while (n < max && d->n_tev > 0) {
		ev[n++] = d->tev[0];
		memmove(d->tev, d->tev + 1, --d->n_tev * sizeof(*d->tev));
	}
	for (uint16_t w = 0; w < d->n_workers && n < max; w++)
		n += rte_ring_sc_dequeue_burst_elem(d->workers[w]->events, ev + n, sizeof(*ev),
						    max - n, NULL);
	return n;
}

static void ring_sa_foreach(struct drv_ipsec *base, drv_sa_visit_fn fn, void *arg)
{
	struct ring_drv *d = (struct ring_drv *)base;
	const void *key;
	void *data;
	uint32_t iter = 0;

	while (rte_hash_iterate(d->sas, &key, &data, &iter) >= 0) {
		struct ring_sa *rs = data;

		struct esp_sa_stats st;

		esp_sa_stats_read(rs->sa, &st);
		fn(&rs->p, &st, arg);
	}
}

static void ring_policy_foreach(struct drv_ipsec *base, drv_policy_visit_fn fn, void *arg)
{
	struct ring_drv *d = (struct ring_drv *)base;

	for (unsigned i = 0; i < d->n_pols; i++)
		fn(&d->pols[i], arg);
}

static void ring_poll(struct drv_ipsec *base)
{
	struct ring_drv *d = (struct ring_drv *)base;

	defer_reclaim(d);
	time_scan(d);
}

static const struct drv_ipsec_ops ring_ops = {
	.get_spi = ring_get_spi,
	.sa_add = ring_sa_add,
	.sa_update = ring_sa_update,
	.sa_del = ring_sa_del,
	.sa_update_endpoints = ring_sa_update_endpoints,
	.sa_stats = ring_sa_stats,
	.policy_add = ring_policy_add,
	.policy_del = ring_policy_del,
	.policy_batch = ring_policy_batch,
	.events = ring_events,
	.sa_foreach = ring_sa_foreach,
	.policy_foreach = ring_policy_foreach,
	.poll = ring_poll,
};

struct drv_ipsec *drv_ipsec_ring_create(struct worker **workers, uint16_t n_workers,
					struct rte_rcu_qsbr *qsbr, IMB_MGR *mgr, uint32_t max_sas)
{
	static unsigned instances;
	struct ring_drv *d = calloc(1, sizeof(*d));
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(max_sas * 2, 1024u),
		.key_len = sizeof(uint64_t),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	if (d == NULL)
		return NULL;
	snprintf(name, sizeof(name), "ctl_sas%u", instances++);
	d->base.ops = &ring_ops;
	d->workers = workers;
	d->n_workers = n_workers;
	d->qsbr = qsbr;
	d->mgr = mgr;
	d->sas = rte_hash_create(&hp);
	d->slot_map = calloc(n_workers, sizeof(*d->slot_map));
	if (d->sas == NULL || d->slot_map == NULL)
		goto fail;
	for (uint16_t i = 0; i < n_workers; i++) {
		struct slot_map *m = &d->slot_map[i];

		m->slots = sad_slots(workers[i]->sad);
		RTE_VERIFY(m->slots % 64 == 0);  /* sad_direct_slots(): 64 at least */
		m->used = calloc(m->slots / 64, sizeof(*m->used));
		if (m->used == NULL)
			goto fail;
	}
	return &d->base;
fail:
	drv_ipsec_ring_destroy(&d->base);
	return NULL;
}

void drv_ipsec_ring_set_steer(struct drv_ipsec *base, struct esp_steer *st)
{
	((struct ring_drv *)base)->steer = st;
}

void drv_ipsec_ring_destroy(struct drv_ipsec *base)
{
	struct ring_drv *d = (struct ring_drv *)base;
	const void *key;
	void *data;
	uint32_t iter = 0;

	if (d == NULL)
		return;
	/* Called after the workers stopped: nothing is in flight. */
	while (rte_hash_iterate(d->sas, &key, &data, &iter) >= 0) {
		struct ring_sa *rs = data;

		esp_steer_sa_del(d->steer, rs->steer);
		esp_sa_destroy(rs->sa);
		explicit_bzero(&rs->p, sizeof(rs->p));
		free(rs);
	}
	for (unsigned i = 0; i < d->n_defer; i++)
		deferred_release(&d->defer[i]);
	for (uint16_t i = 0; i < d->n_spd; i++) {
		if (i == 0)
			spd_release(d->spd[i]);
		rte_free(d->spd[i]);
	}
	free(d->spd);
	rte_hash_free(d->sas);
	for (uint16_t i = 0; d->slot_map != NULL && i < d->n_workers; i++)
		free(d->slot_map[i].used);
	free(d->slot_map);
	free(d->pols);
	cm_free(&d->pol_ids);
	cm_free(&d->sa_users);
	free(d->defer);
	free(d->tev);
	free(d);
}
