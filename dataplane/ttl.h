/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The TTL (RFC 791) and hop limit (RFC 8200) of a forwarded packet, for
 * the worker's forwarding and the outbound express way's transform
 * (esp_out_express()), which forwards in the same pass.
 */
#ifndef ESPRIT_DATAPLANE_TTL_H
#define ESPRIT_DATAPLANE_TTL_H

#include <stdbool.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/* RFC 791: decrement the TTL of a forwarded IPv4 packet, known to be above 1. */
static inline void ttl_dec4_from_above_1(struct rte_ipv4_hdr *ip)
{
	uint32_t sum;

	ip->time_to_live--;
	/* RFC 1624 incremental update: TTL is the high octet. */
	sum = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
}

/* ttl_dec4_from_above_1(), or false for a TTL of 0 or 1 (not forwarded). */
static inline bool ttl_dec4(struct rte_ipv4_hdr *ip)
{
	if (ip->time_to_live <= 1)
		return false;
	ttl_dec4_from_above_1(ip);
	return true;
}

/* RFC 8200: decrement the hop limit of a forwarded IPv6 packet, known to
 * be above 1. */
static inline void ttl_dec6_from_above_1(struct rte_ipv6_hdr *ip6)
{
	ip6->hop_limits--;
}

/* ttl_dec6_from_above_1(), or false for a hop limit of 0 or 1. */
static inline bool ttl_dec6(struct rte_ipv6_hdr *ip6)
{
	if (ip6->hop_limits <= 1)
		return false;
	ttl_dec6_from_above_1(ip6);
	return true;
}

/* RFC 791/8200: decrement TTL / hop limit of a forwarded packet. */
static inline bool ttl_dec(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if ((p[0] >> 4) == 4)
		return ttl_dec4((struct rte_ipv4_hdr *)p);
	return ttl_dec6((struct rte_ipv6_hdr *)p);
}

#endif
