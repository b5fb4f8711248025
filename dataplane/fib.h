/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Forwarding snapshot: the gateway's own addresses per port, routes,
 * neighbours (resolved next-hop MACs) and the label ↔ (port, VLAN) map.
 *
 * Immutable once published, like struct spd: the control thread builds a
 * new one whenever ARP/ND learns a neighbour or the config changes, and
 * hands it to every worker (DP_MSG_FIB_SET). Tables are small and scanned
 * linearly; routes are kept longest prefix first.
 */
#ifndef ESPRIT_DATAPLANE_FIB_H
#define ESPRIT_DATAPLANE_FIB_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>

#include "dataplane/addr.h"

enum fib_limits {
	FIB_PORTS_MAX = 16,
	FIB_PORT_ADDRS_MAX = 8,
};

struct fib_port {
	bool used;
	uint16_t mtu;
	struct rte_ether_addr mac;
	uint16_t n_addrs;
	struct esp_addr addrs[FIB_PORT_ADDRS_MAX];
	uint8_t plens[FIB_PORT_ADDRS_MAX];
	bool has_labels;                /**< egress needs a label mapping */
};

struct fib_route {
	uint8_t family, plen;
	uint16_t port;
	uint8_t prefix[16];
	bool has_via;
	uint8_t via[16];
};

struct fib_neigh {
	uint8_t family;
	uint16_t port;
	uint8_t ip[16];
	struct rte_ether_addr mac;
};

struct fib_label {
	uint16_t id, port, vlan;
};

/** Where a packet goes next. */
struct fib_hop {
	uint16_t port;
	uint16_t mtu;
	uint8_t family;
	uint8_t nh[16];                 /**< next hop: gateway or destination */
};

struct fib {
	struct fib_port ports[FIB_PORTS_MAX]; /**< indexed by DPDK port id */
	uint32_t n_routes, n_neighs, n_labels;
	struct fib_route *routes;       /**< longest prefix first */
	struct fib_neigh *neighs;
	struct fib_label *labels;
	unsigned n_natt_ports;
	uint16_t natt_ports[4];         /**< UDP ports that carry ESP-in-UDP */
	/* arrays follow in the same allocation */
};

/** Allocate a snapshot with room for the given counts (rte_zmalloc). */
struct fib *fib_alloc(uint32_t n_routes, uint32_t n_neighs, uint32_t n_labels);
void fib_free(struct fib *f);
/** Sort routes longest prefix first (call once after filling). */
void fib_sort_routes(struct fib *f);

/** True when @p addr (family, 4 or 16 octets) is one of the gateway's. */
bool fib_is_local(const struct fib *f, uint8_t family, const uint8_t *addr);
/** The port that owns local address @p addr, or -1. */
int fib_local_port(const struct fib *f, uint8_t family, const uint8_t *addr);

/** Route @p dst: 0 and @p hop filled, or -1 (no route). */
int fib_route(const struct fib *f, uint8_t family, const uint8_t *dst, struct fib_hop *hop);

/** MAC of next hop @p nh on @p port, or NULL. */
const struct rte_ether_addr *fib_neigh_lookup(const struct fib *f, uint8_t family,
					      const uint8_t *nh, uint16_t port);

/** Label of traffic arriving on (@p port, @p vlan); 0 = unlabeled. */
uint16_t fib_label_in(const struct fib *f, uint16_t port, uint16_t vlan);
/**
 * VLAN for label @p label leaving @p port: 0 and *vlan set (0 = untagged),
 * or -1 when the port carries labels but none maps @p label.
 */
int fib_label_out(const struct fib *f, uint16_t label, uint16_t port, uint16_t *vlan);

#endif
