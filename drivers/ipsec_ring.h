/* SPDX-License-Identifier: BSD-3-Clause */
/** @file The DPDK-ring implementation of drivers/ipsec.h. */
#ifndef ESPRIT_DRIVERS_IPSEC_RING_H
#define ESPRIT_DRIVERS_IPSEC_RING_H

#include <stdint.h>
#include <intel-ipsec-mb.h>

#include "dataplane/worker.h"
#include "drivers/ipsec.h"

struct esp_steer;
struct rte_rcu_qsbr;

/**
 * Create the driver over running (or about to run) workers. @p mgr is the
 * control thread's IPsec-MB manager, used for key expansion; @p max_sas
 * sizes the SA table. NULL on failure.
 */
struct drv_ipsec *drv_ipsec_ring_create(struct worker **workers, uint16_t n_workers,
					struct rte_rcu_qsbr *qsbr, IMB_MGR *mgr, uint32_t max_sas);
/**
 * Give each inbound SA added from now on exact NIC rules where @p st has
 * ports in mode exact (esp_steer.h); @p st must outlive the driver.
 */
void drv_ipsec_ring_set_steer(struct drv_ipsec *d, struct esp_steer *st);
/** Free everything (the SAs' NIC rules too); the workers must have stopped. */
void drv_ipsec_ring_destroy(struct drv_ipsec *d);

#endif
