/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding: route, resolve the next hop, fit the MTU (pre-fragmenting
 * IPv4 or punting for ICMP "too big"), put the L2 header on and queue for
 * TX. The memoized common case is inline in worker_int.h.
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/worker_int.h"

/*
 * Split an IPv4 packet whose DF bit is clear into fragments whose IP
 * packets are at most @p mtu octets, copying into fresh mbufs. Used before
 * encryption (pre-fragmentation, RFC 4301 §8.1) so the far gateway never
 * reassembles. Returns the number of fragments written, 0 on failure.
 */
static uint16_t ipv4_fragment(struct rte_mbuf *m, uint16_t mtu, struct rte_mempool *pool,
			      struct rte_mbuf **out, uint16_t max)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t ihl = m->l3_len, tot = rte_pktmbuf_data_len(m), off = ihl;
	uint32_t chunk = ((uint32_t)mtu - ihl) & ~7u;
	uint16_t frag_off0 = rte_be_to_cpu_16(ip->fragment_offset);
	uint16_t n = 0;

	if (chunk == 0 || mtu <= ihl)
		return 0;
	while (off < tot) {
		uint32_t len = RTE_MIN(chunk, tot - off);
		struct rte_mbuf *f;
		struct rte_ipv4_hdr *fh;
		uint16_t fo;

		if (n == max || (f = rte_pktmbuf_alloc(pool)) == NULL)
			goto fail;
		out[n++] = f;
		fh = (struct rte_ipv4_hdr *)rte_pktmbuf_append(f, (uint16_t)(ihl + len));
		if (fh == NULL)
			goto fail;
		memcpy(fh, ip, ihl);
		memcpy((uint8_t *)fh + ihl, (const uint8_t *)ip + off, len);
		fo = (uint16_t)((frag_off0 & RTE_IPV4_HDR_OFFSET_MASK) + (off - ihl) / 8);
		if (off + len < tot || (frag_off0 & RTE_IPV4_HDR_MF_FLAG))
			fo |= RTE_IPV4_HDR_MF_FLAG;
		fh->fragment_offset = rte_cpu_to_be_16(fo);
		fh->total_length = rte_cpu_to_be_16((uint16_t)(ihl + len));
		fh->hdr_checksum = 0;
		fh->hdr_checksum = rte_ipv4_cksum(fh);
		f->l3_len = ihl;
		*pkt_meta(f) = *pkt_meta(m);
		off += len;
	}
	return n;
fail:
	for (uint16_t i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	return 0;
}

static bool ipv4_df(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	return (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) != 0;
}

/*
 * Make @p m fit @p mtu: pass it through, pre-fragment it (IPv4, DF clear)
 * or punt it for an ICMP "too big" (RFC 1191 / RFC 8201). Writes the
 * packets to send to @p out and returns how many.
 */
uint16_t worker_fit_mtu(struct worker *w, struct rte_mbuf *m, uint32_t mtu, struct esp_sa *sa,
		       struct rte_mbuf **out, uint16_t max)
{
	uint16_t n;

	if (likely(rte_pktmbuf_data_len(m) <= mtu)) {
		out[0] = m;
		return 1;
	}
	bool v4 = (rte_pktmbuf_mtod(m, const uint8_t *)[0] >> 4) == 4;

	if (v4 && !ipv4_df(m) && w->pool != NULL) {
		n = ipv4_fragment(m, (uint16_t)mtu, w->pool, out, max);
		if (n > 0) {
			rte_pktmbuf_free(m);
			return n;
		}
	}
	esp_count_drop(&w->ctx, sa, ESP_DROP_TOO_BIG);
	m->hash.usr = PUNT_TOO_BIG | (mtu << 16);
	if (w->punt == NULL || rte_ring_sp_enqueue(w->punt, m) != 0)
		rte_pktmbuf_free(m);
	return 0;
}

/* Route, resolve, add the L2 header and queue for TX. */
void worker_forward(struct worker *w, struct rte_mbuf *m)
{
	const struct fib *f = w->fib;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint8_t family = (p[0] >> 4) == 4 ? AF_INET : AF_INET6;
	struct pkt_meta *meta = pkt_meta(m);
	const struct rte_ether_addr *mac;
	const struct fib_fwd *e;
	struct rte_ether_hdr *eth;
	struct fib_hop hop;
	uint16_t vlan;

	e = fwd_get(w, family, ip_dst(m, family), meta->label);
	if (likely(e != NULL)) {
		fwd_send(w, m, e);
		return;
	}
	if (unlikely(fib_route(f, family, ip_dst(m, family), &hop) != 0)) {
		drop(w, m, NULL, ESP_DROP_NO_ROUTE);
		return;
	}
	if (unlikely(fib_label_out(f, meta->label, hop.port, &vlan) != 0)) {
		drop(w, m, NULL, ESP_DROP_LABEL);
		return;
	}
	mac = fib_neigh_lookup(f, family, hop.nh, hop.port);
	if (unlikely(mac == NULL)) {
		/* The control thread resolves the next hop (ARP/ND) and
		 * publishes a new FIB; this packet is lost. */
		esp_count_drop(&w->ctx, NULL, ESP_DROP_NO_NEIGH);
		meta->out_port = hop.port;
		meta->nh_family = family;
		memcpy(meta->nh, hop.nh, 16);
		m->hash.usr = PUNT_RESOLVE;
		if (w->punt == NULL || rte_ring_sp_enqueue(w->punt, m) != 0)
			rte_pktmbuf_free(m);
		return;
	}
	uint16_t l2 = vlan ? sizeof(*eth) + sizeof(struct rte_vlan_hdr) : sizeof(*eth);

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, l2);
	if (unlikely(eth == NULL)) {
		drop(w, m, NULL, ESP_DROP_NO_HEADROOM);
		return;
	}
	rte_ether_addr_copy(mac, &eth->dst_addr);
	rte_ether_addr_copy(&f->ports[hop.port].mac, &eth->src_addr);
	uint16_t etype = rte_cpu_to_be_16(family == AF_INET ? RTE_ETHER_TYPE_IPV4
							    : RTE_ETHER_TYPE_IPV6);
	if (vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(vlan);
		vh->eth_proto = etype;
	} else {
		eth->ether_type = etype;
	}
	m->port = hop.port;
	tx_one(w, hop.port, m);
}

/*
 * Forward packets that leave in the clear (bypass, or after decap). A
 * burst's packets mostly share a destination: they go out in runs of one
 * memo entry (pkts[start..i)), and the next packet is checked against the
 * run's entry, by its contents, before any new lookup. The run is sent
 * before anything else can refill that entry.
 */
void worker_forward_clear(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *frags[64];
	const struct fib_fwd *e = NULL;
	uint16_t start = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint8_t family = (p[0] >> 4) == 4 ? AF_INET : AF_INET6;
		uint16_t label = pkt_meta(m)->label;
		struct fib_hop hop;

		if (e == NULL || !fwd_match(e, family, ip_dst(m, family), label)) {
			if (i > start)
				fwd_send_run(w, pkts + start, (uint16_t)(i - start), e);
			start = i;
			e = fwd_get(w, family, ip_dst(m, family), label);
		}
		/* Resolved and fits: joins the run (the common case). */
		if (likely(e != NULL && rte_pktmbuf_data_len(m) <= e->mtu))
			continue;
		if (i > start)
			fwd_send_run(w, pkts + start, (uint16_t)(i - start), e);
		start = (uint16_t)(i + 1);
		e = NULL;
		if (fib_route(w->fib, family, ip_dst(m, family), &hop) != 0) {
			drop(w, m, NULL, ESP_DROP_NO_ROUTE);
			continue;
		}
		m->l3_len = family == AF_INET ? (uint16_t)((p[0] & 0xf) * 4) : 40;
		uint16_t k = worker_fit_mtu(w, m, hop.mtu, NULL, frags, RTE_DIM(frags));

		for (uint16_t j = 0; j < k; j++)
			worker_forward(w, frags[j]);
	}
	if (n > start)
		fwd_send_run(w, pkts + start, (uint16_t)(n - start), e);
}
