/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classification: sort each received frame into ESP-in, clear (to the
 * SPD), punt (to the control thread) or drop, checking its L2 and IP
 * headers on the way (see worker.h).
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dataplane/ip6.h"
#include "dataplane/worker_int.h"

static void punt(struct worker *w, struct rte_mbuf *m, uint32_t reason)
{
	m->hash.usr = reason;
	if (unlikely(w->punt == NULL || rte_ring_sp_enqueue(w->punt, m) != 0)) {
		drop(w, m, NULL, ESP_DROP_PUNT_FULL);
		return;
	}
	w->stats.punted++;
}

/*
 * Validate the IP header at the start of @p m and trim link padding.
 * Returns the family or 0 (counted as BAD_L3 / RUNT by the caller).
 */
static uint8_t ip_validate(struct rte_mbuf *m, enum esp_drop *why)
{
	uint32_t len = rte_pktmbuf_data_len(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	*why = ESP_DROP_RUNT;
	if (len < 1)
		return 0;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		uint32_t ihl = (uint32_t)(p[0] & 0xf) * 4, tot;

		if (len < sizeof(*ip))
			return 0;
		tot = rte_be_to_cpu_16(ip->total_length);
		*why = ESP_DROP_BAD_L3;
		if (ihl < sizeof(*ip) || tot < ihl)
			return 0;
		if (tot > len) {
			*why = ESP_DROP_RUNT;
			return 0;
		}
		if (tot < len)  /* the trim walks the segment chain even for 0 */
			rte_pktmbuf_trim(m, (uint16_t)(len - tot));
		m->l3_len = ihl;
		return AF_INET;
	}
	if ((p[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip6 = (const void *)p;
		uint32_t tot;

		if (len < sizeof(*ip6))
			return 0;
		tot = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
		if (tot > len)
			return 0;
		if (tot < len)
			rte_pktmbuf_trim(m, (uint16_t)(len - tot));
		m->l3_len = sizeof(*ip6);
		return AF_INET6;
	}
	*why = ESP_DROP_BAD_L3;
	return 0;
}

/*
 * The protocol after the IP header; for IPv6 after the hop-by-hop, routing
 * and destination options headers too (RFC 4303 §3.1.1: ESP comes after
 * them), whose length l3_len then takes in. A chain that does not parse
 * is left to the SPD and the transforms, as the IPv6 header's next header.
 */
static uint8_t ip_proto(struct rte_mbuf *m, uint8_t family)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t nh_off;
	int off;

	if (family == AF_INET)
		return ((const struct rte_ipv4_hdr *)p)->next_proto_id;
	off = ip6_skip_opts(p, rte_pktmbuf_data_len(m), &nh_off);
	if (off < 0)
		return ((const struct rte_ipv6_hdr *)p)->proto;
	m->l3_len = (uint16_t)off;
	return p[nh_off];
}

static bool ipv4_is_fragment(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	return (ip->fragment_offset &
		rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/*
 * Sort one received frame. ESP addressed to us (or in UDP on a NAT-T
 * port) goes to ESP-in; IKE, ARP, ND and anything else for the gateway is
 * punted; other IP traffic is forwarded in the clear, subject to the SPD.
 */
enum pkt_kind worker_classify(struct worker *w, uint16_t in_port, struct rte_mbuf *m)
{
	const struct fib *f = w->fib;
	struct pkt_meta *meta = pkt_meta(m);
	struct rte_ether_hdr *eth;
	uint16_t type, vlan = 0, l2 = sizeof(*eth);
	enum esp_drop why;
	uint8_t family, proto;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth))) {
		drop(w, m, NULL, ESP_DROP_RUNT);
		return PK_DROPPED;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	type = eth->ether_type;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *vh = (const void *)(eth + 1);

		if (rte_pktmbuf_data_len(m) < l2 + sizeof(*vh)) {
			drop(w, m, NULL, ESP_DROP_RUNT);
			return PK_DROPPED;
		}
		vlan = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
		type = vh->eth_proto;
		l2 += sizeof(*vh);
	}
	meta->sa = NULL;
	meta->label = f->n_labels != 0 ? fib_label_in(f, in_port, vlan) : 0;
	meta->in_port = in_port;
	meta->flags = 0;
	m->port = in_port;
	m->packet_type = RTE_PTYPE_UNKNOWN;   /* the transforms check it all */

	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		punt(w, m, PUNT_LOCAL);
		return PK_PUNT;
	}
	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
	    type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		drop(w, m, NULL, ESP_DROP_NOT_ESP);
		return PK_DROPPED;
	}
	m->l2_len = l2;
	rte_pktmbuf_adj(m, l2);
	family = ip_validate(m, &why);
	if (unlikely(family == 0)) {
		drop(w, m, NULL, why);
		return PK_DROPPED;
	}
	m->l4_len = 0;
	proto = ip_proto(m, family);
	const uint8_t *dst = ip_dst(m, family);
	bool local = worker_is_local(w, family, dst);

	if (!local && family == AF_INET6 && dst[0] == 0xff)
		local = true; /* ND and other link-scope multicast */
	if (unlikely(local && family == AF_INET && ipv4_is_fragment(m))) {
		/* No UDP header to read past the first: the control plane
		 * reassembles (IKE; IPv6 fragments arrive as proto 44). */
		rte_pktmbuf_prepend(m, m->l2_len);
		punt(w, m, PUNT_LOCAL);
		return PK_PUNT;
	}
	if (proto == ESP_IPPROTO_UDP && rte_pktmbuf_data_len(m) >= m->l3_len + 8u) {
		const struct rte_udp_hdr *udp =
			rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, m->l3_len);
		uint16_t dport = rte_be_to_cpu_16(udp->dst_port);
		uint32_t plen = rte_pktmbuf_data_len(m) - m->l3_len - 8u;

		if (natt_port(f, dport)) {
			const uint8_t *pl = (const uint8_t *)(udp + 1);

			/* RFC 3948 §2.2: a zero "SPI" is the non-ESP marker
			 * of IKE; §2.3: one 0xff octet is a NAT keepalive. */
			if (plen == 1 && pl[0] == 0xff) {
				rte_pktmbuf_free(m);
				return PK_DROPPED;
			}
			if (plen >= ESP_NON_ESP_MARKER_LEN &&
			    (pl[0] | pl[1] | pl[2] | pl[3]) == 0) {
				if (!local) {
					meta->flags |= PKT_F_TRANSIT;
					return PK_CLEAR;
				}
				rte_pktmbuf_prepend(m, m->l2_len);
				punt(w, m, PUNT_LOCAL);
				return PK_PUNT;
			}
			m->l4_len = 8;
			if (!local)
				meta->flags |= PKT_F_TRANSIT;
			return PK_ESP_IN;
		}
	}
	if (proto == ESP_IPPROTO_ESP) {
		if (!local)
			meta->flags |= PKT_F_TRANSIT; /* maybe transport mode (BITW) */
		return PK_ESP_IN;
	}
	if (local) {
		rte_pktmbuf_prepend(m, m->l2_len);
		punt(w, m, PUNT_LOCAL);
		return PK_PUNT;
	}
	return PK_CLEAR;
}
