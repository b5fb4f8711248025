/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-packet metadata the worker keeps in an mbuf dynamic field: the
 * packet's label, its SA when handed to the SA's owner worker, and the
 * unresolved next hop when punted for ARP/ND.
 */
#ifndef ESPRIT_DATAPLANE_PKTMETA_H
#define ESPRIT_DATAPLANE_PKTMETA_H

#include <assert.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

struct esp_sa;

enum pkt_flags {
	PKT_F_TRANSIT = 1u << 0, /**< ESP not addressed to us (transport/BITW) */
	PKT_F_ESP_IN = 1u << 1,  /**< handed off for decapsulation */
	PKT_F_ESP_OUT = 1u << 2, /**< handed off for encapsulation by meta.sa */
};

/*
 * 24 octets: the mbuf has 36 octets of dynamic field space (dynfield1),
 * and PMDs register their own fields there too (net_pcap's RX timestamp
 * takes 8 at probe time; at 32 octets this struct left no room for it and
 * a pcap port could not be created once the field was registered).
 */
struct pkt_meta {
	union {
		struct esp_sa *sa;   /**< handed off for encapsulation by this SA */
		uint8_t nh[16];      /**< PUNT_RESOLVE: the next hop to resolve
				      *   (the packet is done with its SA then) */
	};
	uint16_t label;
	uint16_t in_port;
	uint16_t out_port;       /**< PUNT_RESOLVE: port of the next hop */
	uint8_t flags;
	uint8_t nh_family;       /**< PUNT_RESOLVE: family of nh */
};
static_assert(sizeof(struct pkt_meta) == 24, "pkt_meta leaves room for PMD dynfields");

extern int pkt_meta_offset;

/** Register the dynamic field once per process, before any worker runs. */
int pkt_meta_register(void);

static inline struct pkt_meta *pkt_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pkt_meta_offset, struct pkt_meta *);
}

#endif
