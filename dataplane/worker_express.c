/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The express way for inbound ESP: a burst whose frames are all one
 * inbound SA's, of one flow, is taken in a few passes instead of the
 * classifier's, the burst's queues' and the SAD's (worker.c takes every
 * other burst). See docs/benchmark.md, "Nineteenth round".
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/sad.h"
#include "dataplane/worker_int.h"

/*
 * esp_in_done() and worker_forward_clear() for the express way's @p n
 * packets of @p sa, of which the first @p good passed: as long as they
 * are IPv4 with a TTL above 1 to the first one's destination and fit its
 * MTU (a flow's packets), the TTL in the same pass and then sent as one
 * run; from the first that is not on, the rest the usual way (which
 * drops, fragments or routes it), so a flow's packets keep their order.
 */
static void esp_in_express_send(struct worker *w, struct esp_sa *sa, struct rte_mbuf **pkts,
				uint16_t n, uint16_t good, struct rte_mbuf **out)
{
	const struct fib_fwd *e = NULL;
	uint16_t i = 0;

	for (uint16_t k = good; k < n; k++)
		rte_pktmbuf_free(pkts[k]);
	if (good > 0 && (rte_pktmbuf_mtod(pkts[0], const uint8_t *)[0] >> 4) == 4)
		e = fwd_get(w, AF_INET, ip_dst(pkts[0], AF_INET), sa->label);
	for (; e != NULL && i < good; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

		if ((ip->version_ihl >> 4) != 4 ||
		    !fwd_match(e, AF_INET, (const uint8_t *)&ip->dst_addr, sa->label) ||
		    rte_pktmbuf_data_len(m) > e->mtu || ip->time_to_live <= 1)
			break;
		ttl_dec4_from_above_1(ip);
	}
	w->stats.esp_in += i;
	if (i > 0)
		fwd_send_run(w, pkts, i, e);
	if (i < good)
		worker_forward_clear(w, out, esp_in_done(w, sa, NULL, pkts + i, (uint16_t)(good - i),
							 (uint16_t)(good - i), out));
}

/* The SPI of the ESP header after the Ethernet and a 20-octet IPv4
 * header of @p frame (host order). */
static inline uint32_t esp_spi_at(const uint8_t *frame)
{
	const struct esp_hdr *esp = (const struct esp_hdr *)(frame + sizeof(struct rte_ether_hdr) +
							     sizeof(struct rte_ipv4_hdr));

	return rte_be_to_cpu_32(esp->spi);
}

/*
 * The express way for a burst of one inbound SA's ESP: when every frame
 * is what classify_fast4() takes as ESP to us, all of one flow (struct
 * flow_memo: EtherType, the IPv4 header's version and length, fragment
 * bits, protocol and addresses; each frame as long as its header says)
 * and one SPI, and that SA is this worker's and esp_in_express_fits(),
 * the burst skips the classifier, the burst's queues and the SAD's
 * pass: one lookup, esp_in_express(), then esp_in_done() and the
 * forwarding as esp_in_batch() would (esp_in_express_send()). Returns
 * false when the burst is not such a burst (a frame of another flow, SPI
 * or kind, another worker's SA, an outer TTL of 1), the frames' data
 * untouched: then it goes the usual way, which decides each frame.
 * Measured (esprit-bench, AES-GCM one SA inbound): +0.10 of the limit
 * at 64 octets, +0.05 at 1420.
 */
bool worker_esp_in_express(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts,
			   uint16_t n)
{
	const uint8_t *frame = rte_pktmbuf_mtod(pkts[0], const uint8_t *);
	const uint8_t *ip = frame + sizeof(struct rte_ether_hdr);
	uint32_t len = rte_pktmbuf_data_len(pkts[0]);
	struct rte_mbuf *out[WORKER_BURST * 2];
	struct flow_memo fm;
	struct esp_sa *sa;
	uint16_t type, frag;
	uint32_t spi;

	/* the first frame as classify_fast4() sorts ESP to us; many SAs'
	 * traffic turns away at the second frame's SPI */
	if (len < FLOW_MEMO_MIN || ip[offsetof(struct rte_ipv4_hdr, next_proto_id)] !=
	    ESP_IPPROTO_ESP || w->fib->n_labels != 0)
		return false;
	spi = esp_spi_at(frame);
	if (n > 1 && (rte_pktmbuf_data_len(pkts[1]) < FLOW_MEMO_MIN ||
		      esp_spi_at(rte_pktmbuf_mtod(pkts[1], const uint8_t *)) != spi))
		return false;
	memcpy(&type, frame + offsetof(struct rte_ether_hdr, ether_type), 2);
	memcpy(&frag, ip + offsetof(struct rte_ipv4_hdr, fragment_offset), 2);
	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || ip[0] != 0x45 ||
	    (frag & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	flow_memo_of_frame(&fm, frame);
	if (!flow_memo_match(&fm, frame, len, rte_pktmbuf_pkt_len(pkts[0])) ||
	    !worker_is_local(w, AF_INET, ip + offsetof(struct rte_ipv4_hdr, dst_addr)))
		return false;
	if (spi_owner(w, spi) != w->id || (sa = sad_lookup(w->sad, spi)) == NULL ||
	    !esp_in_express_fits(sa, n) ||
	    memcmp(ip + offsetof(struct rte_ipv4_hdr, dst_addr), &sa->in.local4, 4) != 0)
		return false;
	esp_sa_prefetch(sa, w->ctx.key_lines);
	/* the others: the same flow and SPI (the memo holds the SPI's
	 * absence: ESP's classification does not depend on it). The metadata
	 * as classify_fast_take() writes it, which the usual way writes again
	 * if a frame turns the burst away; the link header stays for
	 * esp_in_express() to skip. */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *fi = rte_pktmbuf_mtod(m, const uint8_t *);

		if (i > 0 && (!flow_memo_match(&fm, fi, rte_pktmbuf_data_len(m),
					       rte_pktmbuf_pkt_len(m)) ||
			      esp_spi_at(fi) != spi))
			return false;
		pkt_meta_take(m, in_port, NULL);
	}
	w->stats.esp_in_express += n;
	esp_in_express_send(w, sa, pkts, n,
			    esp_in_express(sa, pkts, n, &w->ctx, sizeof(struct rte_ether_hdr)), out);
	return true;
}
