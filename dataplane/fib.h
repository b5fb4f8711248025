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

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_ether.h>

#include "dataplane/addr.h"

enum fib_limits {
	FIB_PORTS_MAX = 16,
	FIB_PORT_ADDRS_MAX = 8,
	FIB_FWD_WORKERS = 16,           /**< workers with a forwarding cache */
	FIB_FWD_ENTRIES = 256,          /**< cache entries per worker (2^n) */
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

/**
 * A resolved destination, what forwarding a packet to it needs: the
 * route's port and MTU and the whole L2 header (neighbour MAC, port MAC,
 * VLAN of the label). One cache line.
 */
struct fib_fwd {
	uint8_t family;                 /**< 0: empty slot */
	uint8_t l2_len;                 /**< 14, or 18 with a VLAN tag */
	uint16_t label;
	uint16_t port;
	uint16_t mtu;
	uint8_t dst[16];
	uint8_t l2[24];
	uint8_t pad[16];
};

/**
 * The gateway's own addresses as flat arrays, built by a worker from the
 * ports on first use: classification asks "is this ours?" for every
 * packet, and walking 16 port structs for it cost more than the rest of
 * the classifier.
 */
/*
 * A worker's exact set of the local addresses, one open-addressing table
 * per family with at least twice the slots of all addresses there can be,
 * so most lookups of a forwarded packet's destination (the common case)
 * end at the first slot, empty. The unspecified address marks an empty
 * slot: it is never a destination of ours.
 */
enum { FIB_LOCAL_SLOTS = 2 * FIB_PORTS_MAX * FIB_PORT_ADDRS_MAX };
static_assert((FIB_LOCAL_SLOTS & (FIB_LOCAL_SLOTS - 1)) == 0, "FIB_LOCAL_SLOTS is a power of 2");

struct fib_locals {
	uint32_t built;
	uint32_t set4[FIB_LOCAL_SLOTS];
	uint64_t set6[FIB_LOCAL_SLOTS][2];
};

struct fib {
	struct fib_port ports[FIB_PORTS_MAX]; /**< indexed by DPDK port id */
	uint32_t n_routes, n_neighs, n_labels;
	struct fib_route *routes;       /**< longest prefix first */
	struct fib_neigh *neighs;
	struct fib_label *labels;
	unsigned n_natt_ports;
	uint16_t natt_ports[4];         /**< UDP ports that carry ESP-in-UDP */
	/**
	 * Per-worker memo of resolved destinations (FIB_FWD_ENTRIES per
	 * worker, worker i's slice written by worker i only). Not part of
	 * the snapshot's meaning: it is derived from it and starts empty
	 * with every new snapshot, so it never outlives a FIB change.
	 */
	struct fib_fwd *fwd;
	struct fib_locals *locals;      /**< one per worker, same rules as fwd */
	/* arrays follow in the same allocation */
};

bool fib_is_local(const struct fib *f, uint8_t family, const uint8_t *addr);

/** Fill @p l from the ports' addresses. */
void fib_locals_build(const struct fib *f, struct fib_locals *l);

/** The home slot of a local-address candidate (Fibonacci hashing). */
static inline uint32_t fib_local_slot4(uint32_t a)
{
	return (a * 0x9e3779b1u) >> (32 - __builtin_ctz(FIB_LOCAL_SLOTS));
}

static inline uint32_t fib_local_slot6(const uint64_t a[2])
{
	uint64_t x = a[0] ^ a[1];

	return fib_local_slot4((uint32_t)(x ^ x >> 32));
}

/**
 * Worker @p worker's copy of the own addresses, built now if it is not
 * yet; NULL for a worker without one (past FIB_FWD_WORKERS).
 */
static inline const struct fib_locals *fib_locals_for(const struct fib *f, uint16_t worker)
{
	struct fib_locals *l;

	if (worker >= FIB_FWD_WORKERS)
		return NULL;
	l = &f->locals[worker];
	if (!l->built)
		fib_locals_build(f, l);
	return l;
}

/** fib_is_local() in the set @p l (fib_locals_for()). */
static inline bool fib_locals_has(const struct fib_locals *l, uint8_t family, const uint8_t *addr)
{
	if (family == AF_INET) {
		uint32_t v;

		memcpy(&v, addr, 4);
		if (v == 0)
			return false;
		for (uint32_t i = fib_local_slot4(v);; i = (i + 1) % FIB_LOCAL_SLOTS) {
			if (l->set4[i] == v)
				return true;
			if (l->set4[i] == 0)
				return false;
		}
	}
	uint64_t v6[2];

	memcpy(v6, addr, 16);
	if ((v6[0] | v6[1]) == 0)
		return false;
	for (uint32_t i = fib_local_slot6(v6);; i = (i + 1) % FIB_LOCAL_SLOTS) {
		const uint64_t *e = l->set6[i];

		if (((e[0] ^ v6[0]) | (e[1] ^ v6[1])) == 0)
			return true;
		if ((e[0] | e[1]) == 0)
			return false;
	}
}

/** Worker @p worker's slice of the forwarding memo, or NULL. */
static inline struct fib_fwd *fib_fwd_cache(const struct fib *f, uint16_t worker)
{
	return worker < FIB_FWD_WORKERS ? f->fwd + (size_t)worker * FIB_FWD_ENTRIES : NULL;
}

/**
 * Resolve @p dst for a packet of label @p label into @p e (route, label
 * mapping, neighbour, L2 header). 0, or -1 when any step fails (the
 * caller then takes the slow path that says why).
 */
int fib_fwd_resolve(const struct fib *f, uint8_t family, const uint8_t *dst, uint16_t label,
		    struct fib_fwd *e);

/** Allocate a snapshot with room for the given counts (rte_zmalloc). */
struct fib *fib_alloc(uint32_t n_routes, uint32_t n_neighs, uint32_t n_labels);
void fib_free(struct fib *f);
/** Sort routes longest prefix first (call once after filling). */
void fib_sort_routes(struct fib *f);

/** True when @p addr (family, 4 or 16 octets) is one of the gateway's. */
bool fib_is_local(const struct fib *f, uint8_t family, const uint8_t *addr);
/** The port that owns local address @p addr, or -1. */
int fib_local_port(const struct fib *f, uint8_t family, const uint8_t *addr);
/**
 * True when one of the gateway's addresses of @p family lies in the
 * prefix @p prefix under @p mask (4 or 16 octets each, as a header holds
 * them).
 */
bool fib_local_within(const struct fib *f, uint8_t family, const uint8_t *prefix,
		      const uint8_t *mask);

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
