/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * NIC/port setup over any DPDK PMD: physical (PCI), af_packet, tap, pcap,
 * memif, ring, null. One RX queue per worker (RSS spreads flows when the
 * PMD supports it) and one TX queue per worker.
 */
#ifndef ESPRIT_DRIVERS_PORT_H
#define ESPRIT_DRIVERS_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <rte_ether.h>

struct rte_mempool;

struct port_conf {
	const char *name;
	const char *devargs;     /**< vdev string or PCI address */
	uint16_t nb_queues;      /**< RX and TX queues (= workers) */
	uint16_t rxd, txd;
	uint16_t mtu;
	const struct rte_ether_addr *mac; /**< NULL: keep the PMD's */
};

/**
 * Find (probing a vdev if needed), configure and start a port.
 * On success *port_id is set and *nb_rxq holds the RX queues the PMD
 * gave (may be fewer than asked). 0 or -errno with a message in @p err.
 */
int port_open(const struct port_conf *pc, struct rte_mempool *pool, uint16_t *port_id,
	      uint16_t *nb_rxq, char *err, size_t errlen);
void port_close(uint16_t port_id);

#endif
