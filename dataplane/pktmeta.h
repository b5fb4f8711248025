/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-packet metadata the worker keeps in an mbuf dynamic field: the
 * packet's label, its SA when handed to the SA's owner worker, and the
 * unresolved next hop when punted for ARP/ND.
 */
#ifndef ESPRIT_DATAPLANE_PKTMETA_H
#define ESPRIT_DATAPLANE_PKTMETA_H

#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

struct esp_sa;

enum pkt_flags {
	PKT_F_TRANSIT = 1u << 0, /**< ESP not addressed to us (transport/BITW) */
	PKT_F_ESP_IN = 1u << 1,  /**< handed off for decapsulation */
	PKT_F_ESP_OUT = 1u << 2, /**< handed off for encapsulation by meta.sa */
};

struct pkt_meta {
	struct esp_sa *sa;
	uint16_t label;
	uint16_t in_port;
	uint16_t out_port;       /**< PUNT_RESOLVE: port of the next hop */
	uint8_t flags;
	uint8_t nh_family;       /**< PUNT_RESOLVE: the next hop to resolve */
	uint8_t nh[16];
};

extern int pkt_meta_offset;

/** Register the dynamic field once per process, before any worker runs. */
int pkt_meta_register(void);

static inline struct pkt_meta *pkt_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pkt_meta_offset, struct pkt_meta *);
}

#endif
