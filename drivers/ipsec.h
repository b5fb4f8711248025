/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The SA-programming interface between the control plane and a dataplane,
 * modelled on strongSwan's kernel_ipsec_t: allocate SPIs, add/update/delete
 * SAs and policies, read counters, collect lifetime events.
 *
 * Two implementations: the DPDK one (ipsec_ring.c) sends every change to
 * the workers over their rte_rings and frees replaced objects after an RCU
 * grace period; the mock (ipsec_mock.c) records calls for unit tests.
 * Static SAs from the configuration, espritctl and IKE all go through here.
 */
#ifndef ESPRIT_DRIVERS_IPSEC_H
#define ESPRIT_DRIVERS_IPSEC_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/sa.h"
#include "dataplane/spd.h"
#include "dataplane/xform.h"

enum { DRV_POLICY_RES_MAX = 16 };  /**< per-resource SAs one policy lists */

struct drv_policy {
	uint32_t id;             /**< unique handle chosen by the caller */
	uint32_t priority;       /**< lower first; equal: insertion order */
	struct spd_sel sel;
	enum spd_action action;
	uint32_t sa_spi;         /**< PROTECT: outbound SA (0 = none yet) */
	/**
	 * PROTECT: per-resource outbound SAs (RFC 9611), 0 past the last.
	 * A worker that owns one of them sends the policy's packets with
	 * it, so they leave from whichever worker RSS gave them to, each
	 * worker with its own sequence numbers; a worker that owns none
	 * hands them to the owner of sa_spi (or, with sa_spi 0, of the
	 * first of these) as usual.
	 */
	uint32_t res_spi[DRV_POLICY_RES_MAX];
};

/** Visitor for listings: one call per SA. */
typedef void (*drv_sa_visit_fn)(const struct esp_sa_params *p, const struct esp_sa_stats *st,
				void *arg);
typedef void (*drv_policy_visit_fn)(const struct drv_policy *pol, void *arg);

struct drv_ipsec;

/** Outer addresses and ESP-in-UDP ports of an SA (as in esp_sa_params). */
struct drv_sa_endpoints {
	struct esp_addr local, remote;
	uint16_t natt_sport, natt_dport; /**< used when the SA has ESP_SA_F_NATT */
};

struct drv_ipsec_ops {
	/** A fresh inbound SPI owned by worker @p owner (random, unused). */
	int (*get_spi)(struct drv_ipsec *d, uint16_t owner, uint32_t *spi);
	int (*sa_add)(struct drv_ipsec *d, const struct esp_sa_params *p);
	/** Replace parameters of an existing SA, keeping its sequence
	 *  number, replay window and counters. */
	int (*sa_update)(struct drv_ipsec *d, const struct esp_sa_params *p);
	int (*sa_del)(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir);
	/** Move an existing SA to new outer addresses / UDP ports (a NAT
	 *  mapping changed, RFC 7296 §2.23), keeping keys, sequence number,
	 *  replay window and counters (strongSwan's update_sa). */
	int (*sa_update_endpoints)(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir,
				   const struct drv_sa_endpoints *ep);
	int (*sa_stats)(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir,
			struct esp_sa_stats *out);
	int (*policy_add)(struct drv_ipsec *d, const struct drv_policy *pol);
	int (*policy_del)(struct drv_ipsec *d, uint32_t id);
	/**
	 * Open (@p open) or close a batch of policy changes: while one is
	 * open, policy_add/policy_del take effect together when it closes
	 * (one new SPD snapshot for a configuration's thousand policies
	 * instead of a thousand); SA changes a snapshot refers to still take
	 * effect at once, with the policies so far. Batches nest: the
	 * changes take effect when the outermost closes. Optional (NULL:
	 * every change takes effect at once). Returns what publishing
	 * returned.
	 */
	int (*policy_batch)(struct drv_ipsec *d, bool open);
	/** Up to @p max pending lifetime events; returns how many. */
	unsigned (*events)(struct drv_ipsec *d, struct esp_event *ev, unsigned max);
	void (*sa_foreach)(struct drv_ipsec *d, drv_sa_visit_fn fn, void *arg);
	void (*policy_foreach)(struct drv_ipsec *d, drv_policy_visit_fn fn, void *arg);
	/** Housekeeping from the control loop: reclaim memory, time lifetimes. */
	void (*poll)(struct drv_ipsec *d);
};

struct drv_ipsec {
	const struct drv_ipsec_ops *ops;
};

static inline int drv_sa_add(struct drv_ipsec *d, const struct esp_sa_params *p)
{
	return d->ops->sa_add(d, p);
}
static inline int drv_sa_update(struct drv_ipsec *d, const struct esp_sa_params *p)
{
	return d->ops->sa_update(d, p);
}
static inline int drv_sa_del(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir)
{
	return d->ops->sa_del(d, spi, dir);
}
static inline int drv_sa_update_endpoints(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir,
					  const struct drv_sa_endpoints *ep)
{
	return d->ops->sa_update_endpoints(d, spi, dir, ep);
}
static inline int drv_sa_stats(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir,
			       struct esp_sa_stats *out)
{
	return d->ops->sa_stats(d, spi, dir, out);
}
static inline int drv_policy_add(struct drv_ipsec *d, const struct drv_policy *pol)
{
	return d->ops->policy_add(d, pol);
}
static inline int drv_policy_del(struct drv_ipsec *d, uint32_t id)
{
	return d->ops->policy_del(d, id);
}
static inline int drv_policy_batch(struct drv_ipsec *d, bool open)
{
	return d->ops->policy_batch != NULL ? d->ops->policy_batch(d, open) : 0;
}
static inline int drv_get_spi(struct drv_ipsec *d, uint16_t owner, uint32_t *spi)
{
	return d->ops->get_spi(d, owner, spi);
}

/** The in-memory mock for unit tests (records, never touches packets). */
struct drv_ipsec *drv_ipsec_mock_create(void);
void drv_ipsec_mock_destroy(struct drv_ipsec *d);

#endif
