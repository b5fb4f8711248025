/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The express ways: a burst whose frames are all one flow's, ESP to
 * inbound SAs of this worker's (one, or many alike) or clear traffic to
 * one outbound tunnel SA of its, is taken in a few passes instead of the
 * classifier's, the burst's queues' and the SAD's or SPD's (worker.c
 * takes every other burst). Either family inside a tunnel of either. See
 * docs/benchmark-rounds.md, "Nineteenth round", "Twentieth round",
 * "Twenty-second round" and "Twenty-fifth round".
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/sad.h"
#include "dataplane/spd.h"
#include "dataplane/worker_int.h"

/* Inline in each caller, so a family given as a constant folds away. */
#define EXPRESS_INLINE static inline __attribute__((always_inline))

/*
 * flow_memo_mask[] but for the source address: an inbound SA is its
 * SPI's whoever sends it (esp_in_outer() reads the destination only), so
 * the inbound express way takes one burst of many peers' SAs as one flow.
 */
static const uint8_t any_src_mask[32] = FLOW_MEMO_MASK(0, 0xff);

/* flow_memo_mask[] but for both addresses: the outbound express way's
 * first look, the SPD's rule then says which addresses share the first
 * frame's answer (esp_out_express_mask()). */
static const uint8_t any_addr_mask[32] = FLOW_MEMO_MASK(0, 0);

/* Where the addresses are in those masks (frame offsets 26 and 30). */
enum {
	FLOW_MEMO_SRC = sizeof(struct rte_ether_hdr) + 12 - FLOW_MEMO_OFF,
	FLOW_MEMO_DST = FLOW_MEMO_SRC + 4,
};

/*
 * The first frame of a burst as classify_fast4() takes it (untagged IPv4
 * without options, not a fragment, in one segment and as long as its
 * header says) and a flow memo under @p mask speaks for it (a TTL above
 * 1): then @p fm is its memo, for the burst's other frames.
 */
static bool express_first4(struct flow_memo *fm, const struct fib *f, const struct rte_mbuf *m,
			   const uint8_t *mask)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = frame + sizeof(struct rte_ether_hdr);
	uint16_t type, frag;

	memcpy(&type, frame + offsetof(struct rte_ether_hdr, ether_type), 2);
	memcpy(&frag, ip + offsetof(struct rte_ipv4_hdr, fragment_offset), 2);
	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || ip[0] != 0x45 ||
	    (frag & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	return flow_memo_of_frame(fm, f, frame, mask) &&
	       flow_memo_match_under(fm, mask, frame, rte_pktmbuf_data_len(m),
				     rte_pktmbuf_pkt_len(m));
}

/* Where struct flow_memo6 images an IPv6 frame (worker.h), and the
 * shortest frame it may speak for. */
enum {
	FLOW_MEMO6_OFF = 12,
	FLOW_MEMO6_MIN = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + 8,
};

/* FLOW_MEMO_MASK() for IPv6: the 48 octets from FLOW_MEMO6_OFF. */
#define FLOW_MEMO6_MASK(s, d) {                                                \
	0xff, 0xff,                     /* EtherType */                        \
	0xf0, 0, 0, 0,                  /* version; traffic class, flow label */ \
	0, 0, 0xff, 0,                  /* payload length; next header; hop limit */ \
	s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s,   /* source */         \
	d, d, d, d, d, d, d, d, d, d, d, d, d, d, d, d,   /* destination */    \
	0, 0, 0, 0, 0, 0,               /* the upper layer's first octets */   \
}
static const uint8_t flow_memo6_mask[48] = FLOW_MEMO6_MASK(0xff, 0xff);
static_assert(FLOW_MEMO6_OFF + sizeof(flow_memo6_mask) <= FLOW_MEMO6_MIN, "in the shortest frame");

/* any_src_mask[] and any_addr_mask[] for IPv6. */
static const uint8_t any_src6_mask[48] = FLOW_MEMO6_MASK(0, 0xff);
static const uint8_t any_addr6_mask[48] = FLOW_MEMO6_MASK(0, 0);

enum {
	FLOW_MEMO6_SRC = sizeof(struct rte_ether_hdr) + 8 - FLOW_MEMO6_OFF,
	FLOW_MEMO6_DST = FLOW_MEMO6_SRC + 16,
};

/* flow_memo_match_under() for IPv6, under @p mask (flow_memo6_mask[], or
 * a mask of fewer address octets). */
static __rte_always_inline bool flow_memo6_match(const struct flow_memo6 *fm,
						 const uint8_t *mask, const uint8_t *frame,
						 uint32_t len, uint32_t pkt_len)
{
	const uint8_t *ip = frame + sizeof(struct rte_ether_hdr);
	bool same;
	uint16_t plen, dport;

	if (len < FLOW_MEMO6_MIN || pkt_len != len)
		return false;
	same = vec_masked_equal(frame + FLOW_MEMO6_OFF, mask, fm->want, RTE_DIM(fm->want));
	memcpy(&plen, ip + offsetof(struct rte_ipv6_hdr, payload_len), 2);
	memcpy(&dport, ip + sizeof(struct rte_ipv6_hdr) + 2, 2);  /* UDP's, or not read */
	return same &&
	       rte_be_to_cpu_16(plen) ==
		       len - sizeof(struct rte_ether_hdr) - sizeof(struct rte_ipv6_hdr) &&
	       ip[offsetof(struct rte_ipv6_hdr, hop_limits)] > 1 && dport != fm->natt;
}

/*
 * express_first4() for IPv6: the first frame as classify_fast6() takes it
 * (a next header that is the upper layer, a unicast destination, at least
 * 8 octets of payload, as long as its header says), a hop limit above 1.
 */
static bool express_first6(struct flow_memo6 *fm, const struct fib *f, const struct rte_mbuf *m,
			   const uint8_t *mask)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = frame + sizeof(struct rte_ether_hdr);
	uint8_t nh = ip[offsetof(struct rte_ipv6_hdr, proto)];

	if (rte_pktmbuf_data_len(m) < FLOW_MEMO6_MIN || (ip[0] >> 4) != 6 || spd_ip6_ext(nh) ||
	    ip[offsetof(struct rte_ipv6_hdr, dst_addr)] == 0xff ||
	    (nh == ESP_IPPROTO_UDP && f->n_natt_ports > 1))
		return false;
	flow_words_take(fm->want, frame + FLOW_MEMO6_OFF, mask, RTE_DIM(fm->want));
	fm->natt = nh == ESP_IPPROTO_UDP && f->n_natt_ports == 1 ?
		   rte_cpu_to_be_16(f->natt_ports[0]) : FLOW_MEMO_NO_PORT;
	return flow_memo6_match(fm, mask, frame, rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m));
}

/* The masks of a first look at a burst: ESP to us (@p esp, a constant in
 * each caller) whoever sends it, or any addresses. */
EXPRESS_INLINE const uint8_t *express_first_mask(const bool v6, const bool esp)
{
	return v6 ? (esp ? any_src6_mask : any_addr6_mask) : (esp ? any_src_mask : any_addr_mask);
}

EXPRESS_INLINE bool express_first(union express_flow *fl, const struct fib *f,
				const struct rte_mbuf *m, const bool v6, const bool esp)
{
	return v6 ? express_first6(&fl->m6, f, m, express_first_mask(true, esp))
		  : express_first4(&fl->m4, f, m, express_first_mask(false, esp));
}

/* Is @p m of the flow @p fl, taken under @p mask? */
EXPRESS_INLINE bool express_flow_match_under(const union express_flow *fl, const bool v6,
					   const uint8_t *mask, const struct rte_mbuf *m)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), pkt_len = rte_pktmbuf_pkt_len(m);

	return v6 ? flow_memo6_match(&fl->m6, mask, frame, len, pkt_len)
		  : flow_memo_match_under(&fl->m4, mask, frame, len, pkt_len);
}

/* Is @p m of the flow express_first() took, as it looked? */
EXPRESS_INLINE bool express_flow_match(const union express_flow *fl, const bool v6,
				     const bool esp, const struct rte_mbuf *m)
{
	return express_flow_match_under(fl, v6, express_first_mask(v6, esp), m);
}

/*
 * The leading run of the @p good decapsulated packets @p pkts of @p sa
 * that esp_in_express_send() sends at once: IPv4 or (@p v6) IPv6 to the
 * first one's forwarding entry (*@p ep, NULL when unresolved), fitting
 * its MTU, with a TTL or hop limit above 1, which is decremented. Returns
 * its length.
 */
EXPRESS_INLINE uint16_t esp_in_express_run(struct worker *w, const struct esp_sa *sa,
					 struct rte_mbuf **pkts, uint16_t good, const bool v6,
					 const struct fib_fwd **ep)
{
	const uint8_t family = v6 ? AF_INET6 : AF_INET;
	const unsigned alen = v6 ? 16 : 4;
	const struct fib_fwd *e = fwd_get(w, family, ip_dst(pkts[0], family), sa->label);
	uint64_t want[2] = { 0, 0 };
	uint32_t mtu;
	uint16_t i;

	*ep = e;
	if (e == NULL)
		return 0;
	/* the entry's destination and MTU in locals (the compiler must
	 * assume the TTL's stores change the entry); its family and label
	 * are the packets' */
	memcpy(want, e->dst, alen);
	mtu = e->mtu;
	for (i = 0; i < good; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);
		uint8_t hops = v6 ? ip[offsetof(struct rte_ipv6_hdr, hop_limits)]
				  : ip[offsetof(struct rte_ipv4_hdr, time_to_live)];
		uint64_t dst[2] = { 0, 0 };

		memcpy(dst, ip_dst(m, family), alen);
		if ((ip[0] >> 4) != (v6 ? 6 : 4) || ((dst[0] ^ want[0]) | (dst[1] ^ want[1])) != 0 ||
		    rte_pktmbuf_data_len(m) > mtu || hops <= 1)
			break;
		if (v6)
			ttl_dec6_from_above_1((struct rte_ipv6_hdr *)ip);
		else
			ttl_dec4_from_above_1((struct rte_ipv4_hdr *)ip);
	}
	return i;
}

/* Keep the untagged forwarding entry @p e of a run for the next burst's
 * esp_in_express() (struct esp_in_via). */
static void express_via_keep(struct worker *w, const struct fib_fwd *e)
{
	struct esp_in_via *v = &w->in_via;

	v->family = 0;
	if (e->l2_len != sizeof(struct rte_ether_hdr))
		return;
	memset(v->dst, 0, sizeof(v->dst));
	memcpy(v->dst, e->dst, e->family == AF_INET6 ? 16 : 4);
	memcpy(v->l2, e->l2, sizeof(v->l2));
	v->mtu = e->mtu;
	v->family = e->family;
	w->in_via_port = e->port;
}

/*
 * esp_in_done() and worker_forward_clear() for the express way's @p n
 * packets of @p sa (with @p sas, packet i of sas[i]), of which the first
 * @p good passed and the first @p sent of those esp_in_express()
 * forwarded to w->in_via (they go to its port's queue as they are). The
 * others, as long as they are of the first one's family, to its
 * destination, with a TTL or hop limit above 1 and fit its MTU (a flow's
 * packets), the TTL in the same pass and then sent as one run
 * (esp_in_express_run(); its next hop is kept for the next burst); from
 * the first that is not on, the rest the usual way (which drops,
 * fragments or routes it), so a flow's packets keep their order. Only
 * those get the metadata of a frame received on @p in_port (which
 * nothing on the express way reads).
 */
static void esp_in_express_send(struct worker *w, struct esp_sa *sa, struct esp_sa **sas,
				uint16_t in_port, struct rte_mbuf **pkts, uint16_t n, uint16_t good,
				uint16_t sent, struct rte_mbuf **out)
{
	const struct fib_fwd *e = NULL;
	uint16_t i = sent, run = 0;

	for (uint16_t k = good; k < n; k++)
		rte_pktmbuf_free(pkts[k]);
	if (sent > 0)
		tx_send_run(w, pkts, sent, w->in_via_port);
	if (i < good) {
		const struct esp_sa *first = sas != NULL ? sas[i] : sa;
		uint8_t version = rte_pktmbuf_mtod(pkts[i], const uint8_t *)[0] >> 4;

		if (version == 4)
			run = esp_in_express_run(w, first, pkts + i, (uint16_t)(good - i), false, &e);
		else if (version == 6)
			run = esp_in_express_run(w, first, pkts + i, (uint16_t)(good - i), true, &e);
		if (run > 0) {
			fwd_send_run(w, pkts + i, run, e);
			express_via_keep(w, e);
			i = (uint16_t)(i + run);
		}
	}
	w->stats.esp_in += i;
	if (i < good) {
		for (uint16_t k = i; k < good; k++)
			pkt_meta_take(pkts[k], in_port, NULL);
		worker_forward_clear(w, out, esp_in_done(w, sa, sas != NULL ? sas + i : NULL, pkts + i,
							 (uint16_t)(good - i), (uint16_t)(good - i),
							 out));
	}
}

/* The SPI of the ESP header after the Ethernet and a 20-octet IPv4 or
 * (@p v6) IPv6 header of @p frame (host order). */
EXPRESS_INLINE uint32_t esp_spi_at(const uint8_t *frame, const bool v6)
{
	const struct esp_hdr *esp = (const struct esp_hdr *)(frame + sizeof(struct rte_ether_hdr) +
		(v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr)));

	return rte_be_to_cpu_32(esp->spi);
}

/* Is @p dst (4 or, @p v6, 16 octets) the local address of @p sa (of
 * ESP_IN_CHK_LOCAL4 or ESP_IN_CHK_LOCAL6)? */
EXPRESS_INLINE bool esp_in_local_is(const struct esp_sa *sa, const uint8_t *dst, const bool v6)
{
	return memcmp(dst, v6 ? (const void *)sa->local.bytes : &sa->in.local4, v6 ? 16 : 4) == 0;
}

/* May a burst of @p n frames to @p dst go to esp_in_express() led by
 * @p sa, the SA of @p spi (NULL: none)? */
EXPRESS_INLINE bool esp_in_express_leads(const struct worker *w, const struct esp_sa *sa,
				       uint32_t spi, uint16_t n, const uint8_t *dst, const bool v6)
{
	return sa != NULL && spi_owner(w, spi) == w->id &&
	       esp_in_express_fits(sa, n, v6 ? AF_INET6 : AF_INET) && esp_in_local_is(sa, dst, v6);
}

/*
 * The SAs sas[] of the @p n frames @p pkts to @p dst, the first @p same
 * of them of one SPI (@p spi) and of the flow @p fl, the next of another
 * or of another flow, for esp_in_express(): true when the others are of
 * that flow too, the first SA esp_in_express_leads() the burst and each
 * other is this worker's, known, local to @p dst and
 * esp_in_express_joins() it. One bulk lookup, as esp_in_batch()'s, and
 * every SA's lines prefetched before the first is checked: with a million
 * SAs each is a miss, and so they overlap. Spreading the prefetches over
 * the transforms was slower both times it was tried: each SA a few
 * packets ahead of its transform (0.07 of the limit), and the next
 * burst's SAs during this burst's transforms, received one burst ahead
 * (0.07; docs/benchmark-rounds.md, thirty-sixth round).
 */
EXPRESS_INLINE bool esp_in_express_sas(struct worker *w, struct rte_mbuf **pkts, uint16_t n,
				     uint16_t same, uint32_t spi, const union express_flow *fl,
				     const uint8_t *dst, const bool v6, struct esp_sa **sas)
{
	uint32_t spis[WORKER_BURST * 2];

	RTE_BUILD_BUG_ON(RTE_DIM(spis) > SAD_BULK_MAX);
	if (n > RTE_DIM(spis))
		return false;
	for (uint16_t i = 0; i < same; i++)
		spis[i] = spi;
	for (uint16_t i = same; i < n; i++) {
		if (!express_flow_match(fl, v6, true, pkts[i]))
			return false;
		spis[i] = esp_spi_at(rte_pktmbuf_mtod(pkts[i], const uint8_t *), v6);
	}
	sad_lookup_bulk(w->sad, spis, n, sas);
	for (uint16_t i = 0; i < n; i++)
		if (sas[i] != NULL && (i == 0 || sas[i] != sas[i - 1]))
			esp_sa_prefetch(sas[i], w->ctx.key_lines);
	for (uint16_t i = 0; i < n; i++) {
		struct esp_sa *sa;

		if (i > 0 && spis[i] == spis[i - 1]) {
			sas[i] = sas[i - 1];
			continue;
		}
		sa = sad_confirm(w->sad, spis[i], sas[i]);
		if (!(i == 0 ? esp_in_express_leads(w, sa, spis[i], n, dst, v6)
			     : sa != NULL && spi_owner(w, spis[i]) == w->id &&
				       esp_in_express_joins(sa, sas[0], n) &&
				       esp_in_local_is(sa, dst, v6)))
			return false;
		sas[i] = sa;
	}
	return true;
}

/*
 * The express way for a burst of inbound ESP, IPv4 or (@p v6) IPv6
 * outside: when every frame is what classify_fast4() or classify_fast6()
 * takes as ESP to us, all of one flow under any_src_mask[] or
 * any_src6_mask[] (the EtherType, the version, the IPv4 header's length
 * and fragment bits, the protocol or next header and the destination;
 * each frame as long as its header says; any source), and its SPIs are
 * of SAs of this worker's that esp_in_express_fits() whose local address
 * is the frames' destination: one SA (a flow's burst: one lookup), or
 * many alike (esp_in_express_joins(): one gateway's many child SAs, or
 * many peers' SAs; one bulk lookup). Then the burst skips the
 * classifier, the burst's queues and the SAD's pass: esp_in_express(),
 * then esp_in_done() and the forwarding as esp_in_batch() would
 * (esp_in_express_send()). Returns false when the burst is not such a
 * burst (a frame of another flow or kind, an SPI unknown or another
 * worker's, SAs not alike, an outer TTL or hop limit of 1), the frames'
 * data untouched. Measured (esprit-bench, AES-GCM one SA inbound, IPv4):
 * +0.10 of the limit at 64 octets, +0.05 at 1420.
 */
EXPRESS_INLINE bool esp_in_express_take(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts,
				      uint16_t n, const bool v6)
{
	const uint8_t family = v6 ? AF_INET6 : AF_INET;
	const uint16_t min = v6 ? FLOW_MEMO6_MIN : FLOW_MEMO_MIN;
	const uint8_t *frame = rte_pktmbuf_mtod(pkts[0], const uint8_t *);
	const uint8_t *dst = frame + sizeof(struct rte_ether_hdr) +
			     (v6 ? offsetof(struct rte_ipv6_hdr, dst_addr)
				 : offsetof(struct rte_ipv4_hdr, dst_addr));
	struct rte_mbuf *out[WORKER_BURST * 2];
	struct esp_sa *many[WORKER_BURST * 2], **sas = NULL, *sa;
	union express_flow fl;
	uint16_t good, sent, i;
	uint32_t spi;

	if (rte_pktmbuf_data_len(pkts[0]) < min ||
	    !express_first(&fl, w->fib, pkts[0], v6, true) || !worker_is_local(w, family, dst))
		return false;
	/* the others: the same flow (the memo holds the SPI's absence: ESP's
	 * classification does not depend on it) and SPI, or from the first
	 * that is not on, many SAs; the link header stays for
	 * esp_in_express() to skip */
	spi = esp_spi_at(frame, v6);
	for (i = 1; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];

		if (!express_flow_match(&fl, v6, true, m) ||
		    esp_spi_at(rte_pktmbuf_mtod(m, const uint8_t *), v6) != spi)
			break;
	}
	if (i == n) {
		sa = sad_lookup(w->sad, spi);
		if (!esp_in_express_leads(w, sa, spi, n, dst, v6))
			return false;
		esp_sa_prefetch(sa, w->ctx.key_lines);
	} else {
		if (!esp_in_express_sas(w, pkts, n, i, spi, &fl, dst, v6, many))
			return false;
		sas = many;
		sa = many[0];
		w->stats.esp_in_express_sas += n;
	}
	w->stats.esp_in_express += n;
	good = esp_in_express(sa, sas, pkts, n, &w->ctx, sizeof(struct rte_ether_hdr), &w->in_via,
			      &sent);
	esp_in_express_send(w, sa, sas, in_port, pkts, n, good, sent, out);
	return true;
}

/*
 * The forwarding entry towards tunnel SA @p sa's peer when an express way
 * may send there: resolved, untagged, an MTU that leaves room for the
 * SA's overhead. NULL otherwise.
 */
static inline const struct fib_fwd *express_peer_via(struct worker *w, const struct esp_sa *sa)
{
	const struct fib_fwd *e = fwd_get(w, sa->outer_af, esp_sa_peer(sa), 0);

	return e != NULL && e->l2_len == sizeof(struct rte_ether_hdr) && e->mtu > sa->overhead ? e
												 : NULL;
}

/*
 * May @p m (one segment), of @p sa, go to esp_out_express() (@p in: its
 * 14-octet link header before the inner packet) or
 * esp_out_express_queued() (0) on the path whose room for the inner
 * packet is @p room? The inner packet within the room, and room in the
 * mbuf for the SA's overhead after it and for that and a link header
 * before it.
 */
static inline bool esp_out_express_room(const struct rte_mbuf *m, uint32_t overhead,
					uint32_t room, const uint32_t in)
{
	return rte_pktmbuf_data_len(m) - in <= room &&
	       rte_pktmbuf_headroom(m) >= overhead + sizeof(struct rte_ether_hdr) - in &&
	       rte_pktmbuf_tailroom(m) >= overhead;
}

/*
 * The leading frames of the @p n frames @p pkts that pass
 * esp_out_express_take()'s check as they are: the first, and each after
 * it of the flow @p fl under @p mask, with room for the SA's @p overhead
 * (esp_out_express_room() with @p room). Returns how many; that function
 * goes on from the first that does not pass (which may still be of the
 * rule's wider flow). A loop apart from that function's, so that the
 * flow, the mask and the room stay in registers: inlined there a frame
 * took 59 instructions, 9 of them on the stack (the operands and the
 * loop's counter); here 43, none (docs/benchmark-rounds.md, thirty-seventh
 * round).
 */
EXPRESS_INLINE uint16_t esp_out_express_scan(const union express_flow *fl, const uint8_t *mask,
					   struct rte_mbuf *const *pkts, uint16_t n,
					   uint32_t overhead, uint32_t room, const bool v6)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];

		if ((i > 0 && !express_flow_match_under(fl, v6, mask, m)) ||
		    !esp_out_express_room(m, overhead, room, sizeof(struct rte_ether_hdr)))
			break;
	}
	return i;
}

static __rte_noinline uint16_t esp_out_express_scan4(const union express_flow *fl,
						     const uint8_t *mask,
						     struct rte_mbuf *const *pkts, uint16_t n,
						     uint32_t overhead, uint32_t room)
{
	return esp_out_express_scan(fl, mask, pkts, n, overhead, room, false);
}

static __rte_noinline uint16_t esp_out_express_scan6(const union express_flow *fl,
						     const uint8_t *mask,
						     struct rte_mbuf *const *pkts, uint16_t n,
						     uint32_t overhead, uint32_t room)
{
	return esp_out_express_scan(fl, mask, pkts, n, overhead, room, true);
}

/*
 * The flow memo under which a burst's frames share the SPD's answer for
 * its first frame @p frame (whatever their ports): the first frame's memo
 * @p fl retaken under flow_memo_mask[] or flow_memo6_mask[] (its
 * addresses), or with @p rule (alone: spd_match.alone) under the mask of
 * its selector's prefixes, copied to @p mask: one tunnel's many hosts.
 * Returns the mask.
 */
EXPRESS_INLINE const uint8_t *esp_out_express_mask(union express_flow *fl, uint8_t *mask,
						 const struct spd_rule *rule,
						 const uint8_t *frame, const bool v6)
{
	const uint8_t *m = v6 ? flow_memo6_mask : flow_memo_mask;

	if (rule != NULL) {
		memcpy(mask, m, v6 ? sizeof(flow_memo6_mask) : sizeof(flow_memo_mask));
		if (v6) {
			memcpy(mask + FLOW_MEMO6_SRC, rule->m.src_m, 16);
			memcpy(mask + FLOW_MEMO6_DST, rule->m.dst_m, 16);
		} else {
			memcpy(mask + FLOW_MEMO_SRC, &rule->m.src4_m, 4);
			memcpy(mask + FLOW_MEMO_DST, &rule->m.dst4_m, 4);
		}
		m = mask;
	}
	if (v6)
		flow_words_take(fl->m6.want, frame + FLOW_MEMO6_OFF, m, RTE_DIM(fl->m6.want));
	else
		flow_words_take(fl->m4.want, frame + FLOW_MEMO_OFF, m, RTE_DIM(fl->m4.want));
	return m;
}

/*
 * May the frame @p m, of a rule's wider flow (esp_out_express_mask()),
 * go where the first frame of its burst, to @p dst, goes? As
 * classify_fast_kind() and classify_fast6() ask: when its destination is
 * another, not one of the gateway's own addresses, nor (IPv6) a
 * multicast group.
 */
EXPRESS_INLINE bool esp_out_express_dst(struct worker *w, const struct rte_mbuf *m,
				      const uint8_t *dst, const bool v6)
{
	const uint8_t *d = rte_pktmbuf_mtod_offset(m, const uint8_t *,
						   sizeof(struct rte_ether_hdr)) +
			   (v6 ? offsetof(struct rte_ipv6_hdr, dst_addr)
			       : offsetof(struct rte_ipv4_hdr, dst_addr));

	if (memcmp(d, dst, v6 ? 16 : 4) == 0)
		return true;
	return !worker_is_local(w, v6 ? AF_INET6 : AF_INET, d) && !(v6 && d[0] == 0xff);
}

/*
 * Must each frame of @p rule's wider flow have its destination asked
 * (esp_out_express_dst())? Not when the rule's destination prefix holds
 * none of the gateway's own addresses and does not meet the IPv6
 * multicast groups (ff00::/8): then every frame the mask takes goes on.
 * The worker remembers the last rule so found (out_wide_clear) until a
 * new SPD or FIB, so a tunnel's bursts ask the FIB once.
 */
static bool esp_out_express_dst_asked(struct worker *w, const struct spd_rule *rule, const bool v6)
{
	const uint8_t *d = (const uint8_t *)rule->m.dst, *dm = (const uint8_t *)rule->m.dst_m;

	if (rule == w->out_wide_clear)
		return false;
	if ((v6 && (d[0] & dm[0]) == dm[0]) ||
	    fib_local_within(w->fib, v6 ? AF_INET6 : AF_INET, d, dm))
		return true;
	w->out_wide_clear = rule;
	return false;
}

/*
 * Does the worker's outbound memo speak for the burst's first frame @p m
 * (of the family @p v6 says)? Then @p fl is the memo's flow, under
 * flow_memo_mask[] or flow_memo6_mask[].
 */
EXPRESS_INLINE bool esp_out_express_memo_speaks(const struct out_express_memo *om,
					       union express_flow *fl,
					       const struct rte_mbuf *m, const bool v6)
{
	if (om->family != (v6 ? AF_INET6 : AF_INET) ||
	    !express_flow_match_under(&om->fl, v6, v6 ? flow_memo6_mask : flow_memo_mask, m))
		return false;
	*fl = om->fl;
	return true;
}

/*
 * The rule of the SPD's that protects the flow of the burst's first frame
 * with an SA of this worker's, when that frame is what classify_fast4()
 * or classify_fast6() takes as forwarded (PK_CLEAR) and the second is of
 * its flow but for the addresses, and the SPD's answer holds whatever
 * its ports (the SPD memo's, as the flow memo asks); else NULL. Then
 * @p fl is the first frame's flow under flow_memo_mask[] or
 * flow_memo6_mask[], and the worker's outbound memo remembers both.
 */
EXPRESS_INLINE const struct spd_rule *esp_out_express_rule(struct worker *w, union express_flow *fl,
							 struct rte_mbuf **pkts, uint16_t n,
							 const bool v6)
{
	const uint8_t family = v6 ? AF_INET6 : AF_INET;
	const uint8_t *frame = rte_pktmbuf_mtod(pkts[0], const uint8_t *);
	const uint8_t *ip = frame + sizeof(struct rte_ether_hdr);
	const uint8_t *dst = ip + (v6 ? offsetof(struct rte_ipv6_hdr, dst_addr)
				      : offsetof(struct rte_ipv4_hdr, dst_addr));
	uint8_t proto = v6 ? ip[offsetof(struct rte_ipv6_hdr, proto)]
			   : ip[offsetof(struct rte_ipv4_hdr, next_proto_id)];
	uint32_t ip_len = rte_pktmbuf_data_len(pkts[0]) - sizeof(struct rte_ether_hdr);
	struct out_express_memo *om = &w->out_memo;
	const struct spd_rule *rule;

	/* another protocol's or kind's traffic turns away at the second
	 * frame; the addresses are asked after the SPD */
	if (w->spd == NULL || !w->spd->compiled || !express_first(fl, w->fib, pkts[0], v6, false) ||
	    (n > 1 && !express_flow_match(fl, v6, false, pkts[1])) ||
	    classify_fast_kind(w, w->fib, family, dst, proto,
			       ip + (v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr))) !=
	    PK_CLEAR)
		return NULL;
	if (v6) {
		rule = spd_lookup_ip6_whole(w->spd, &w->spd_memo6, ip, ip_len, 0);
		if (!spd_memo6_answers(&w->spd_memo6, ip))
			return NULL;
	} else {
		rule = spd_lookup_ip4_whole(w->spd, &w->spd_memo, ip, 0);
		if (!spd_memo4_answers(&w->spd_memo, ip))
			return NULL;
	}
	if (rule == NULL || rule->action != SPD_PROTECT || rule->sa == NULL ||
	    rule->owner != w->id)
		return NULL;
	esp_out_express_mask(fl, NULL, NULL, frame, v6);
	om->fl = *fl;
	om->family = family;
	om->rule = rule;
	return rule;
}

/*
 * The express way for a burst of one tunnel's clear traffic, IPv4 or
 * (@p v6) IPv6 in a tunnel of either family: when a rule protects the
 * first frame's flow with an SA of this worker's (the last burst's, its
 * memo says, else esp_out_express_rule()), the SA
 * esp_out_express_fits(), the route to the peer is resolved, untagged and
 * its MTU leaves room, and every other frame is of its flow (its
 * addresses, or any the rule's prefixes take when the rule is alone:
 * esp_out_express_mask(), esp_out_express_dst(),
 * esp_out_express_dst_asked()) and fits that MTU, the
 * burst skips the classifier, the burst's queues, the SPD's pass and the
 * forwarding's: esp_out_express() forwards, encrypts and writes the link
 * header in one pass and the frames go to the TX queue as they are.
 * Returns false, the frames untouched, for any other burst: the usual way
 * decides each frame (another flow's, clear traffic to bypass, a TTL of
 * 1, a packet to fragment or to answer with ICMP, a route to resolve).
 */
EXPRESS_INLINE bool esp_out_express_take(struct worker *w, struct rte_mbuf **pkts, uint16_t n,
				       const bool v6)
{
	const uint8_t family = v6 ? AF_INET6 : AF_INET;
	const uint8_t *frame = rte_pktmbuf_mtod(pkts[0], const uint8_t *);
	const uint8_t *dst = frame + sizeof(struct rte_ether_hdr) +
			     (v6 ? offsetof(struct rte_ipv6_hdr, dst_addr)
				 : offsetof(struct rte_ipv4_hdr, dst_addr));
	const struct spd_rule *rule;
	const struct fib_fwd *via;
	union express_flow fl;
	struct esp_sa *sa;
	uint8_t l2[sizeof(struct rte_ether_hdr)], mask_of[sizeof(flow_memo6_mask)];
	const uint8_t *mask = v6 ? flow_memo6_mask : flow_memo_mask;
	uint32_t room;
	bool wide = false, ask_dst = false;

	/* the last burst's flow (one tunnel's bursts), else the first
	 * frame's checks and the SPD */
	if (esp_out_express_memo_speaks(&w->out_memo, &fl, pkts[0], v6))
		rule = w->out_memo.rule;
	else if ((rule = esp_out_express_rule(w, &fl, pkts, n, v6)) == NULL)
		return false;
	sa = rule->sa;
	if (!esp_out_express_fits(sa, &w->ctx, n, family))
		return false;
	esp_sa_prefetch(sa, w->ctx.key_lines);
	if ((via = express_peer_via(w, sa)) == NULL)
		return false;
	room = via->mtu - sa->overhead;
	/* the frames the scan passed as they are, then one at a time from the
	 * first it did not (checked again here: of the rule's wider flow, or
	 * the usual way's) */
	for (uint16_t i = v6 ? esp_out_express_scan6(&fl, mask, pkts, n, sa->overhead, room)
			     : esp_out_express_scan4(&fl, mask, pkts, n, sa->overhead, room);
	     i < n; i++) {
		const struct rte_mbuf *m = pkts[i];

		/* one flow's; from the first frame of another, the rule's
		 * selector's when the rule is alone */
		if (i > 0 && !express_flow_match_under(&fl, v6, mask, m)) {
			if (wide || !rule->m.alone)
				return false;
			wide = true;
			mask = esp_out_express_mask(&fl, mask_of, rule, frame, v6);
			if (!express_flow_match_under(&fl, v6, mask, m))
				return false;
			ask_dst = esp_out_express_dst_asked(w, rule, v6);
		}
		if ((ask_dst && !esp_out_express_dst(w, m, dst, v6)) ||
		    !esp_out_express_room(m, sa->overhead, room, sizeof(struct rte_ether_hdr)))
			return false;
	}
	memcpy(l2, via->l2, sizeof(l2));
	w->stats.esp_out_express += n;
	w->stats.esp_out += n;
	esp_out_express(sa, pkts, n, &w->ctx, l2, family);
	tx_send_run(w, pkts, n, via->port);
	return true;
}

/*
 * The clear queue's packets the express way: a site's many flows in one
 * tunnel, or a gateway's many tunnels (a hub's sites) whose peers are
 * reached through one next hop. Every SA is checked where a run of its
 * packets starts: the first esp_out_express_fits(), the others
 * esp_out_express_joins() it, and its peer's forwarding entry (untagged,
 * an MTU that leaves room) is the first one's next hop: the same port and
 * link header (an SA to the peer before it has that peer's entry). Each
 * packet must be one segment and fit its SA's room
 * (esp_out_express_room()). Then
 * esp_out_express_queued() encrypts the packets and writes their link
 * headers in one pass, and they go to the port's queue as they are, in
 * order: no runs, groups or forwarding pass (esp_out_batch()).
 */
bool esp_out_express_batch(struct worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t runs)
{
	struct esp_sa *many[WORKER_BURST * 2], *first = pkt_meta(pkts[0])->sa, *cur = first;
	const struct fib_fwd *e;
	uint8_t l2[sizeof(struct rte_ether_hdr)];
	uint32_t room;
	uint16_t port;

	/* (a family for esp_out_express_fits(): the transform reads each
	 * packet's own) */
	if (n > RTE_DIM(many) || w->fib->n_labels != 0 ||
	    !esp_out_express_fits(first, &w->ctx, n, AF_INET) ||
	    (e = express_peer_via(w, first)) == NULL)
		return false;
	memcpy(l2, e->l2, sizeof(l2));
	port = e->port;
	/* the SAs that join the first have its overhead (its outer family
	 * and IV length, no NAT-T): only another peer's MTU changes it */
	room = e->mtu - first->overhead;
	for (uint16_t i = 0; i < n; i++) {
		struct esp_sa *sa = runs > 1 ? pkt_meta(pkts[i])->sa : first;

		if (sa != cur) {
			if (!esp_out_express_joins(sa, first, n))
				return false;
			/* another peer: its entry, through the same next hop */
			if (!esp_sa_peer_same(sa, cur)) {
				e = express_peer_via(w, sa);
				if (e == NULL || e->port != port || memcmp(e->l2, l2, sizeof(l2)) != 0)
					return false;
				room = e->mtu - sa->overhead;
			}
			cur = sa;
		}
		if (rte_pktmbuf_data_len(pkts[i]) != rte_pktmbuf_pkt_len(pkts[i]) ||
		    !esp_out_express_room(pkts[i], sa->overhead, room, 0))
			return false;
		many[i] = sa;
	}
	w->stats.esp_out_express_queued += n;
	w->stats.esp_out += n;
	esp_out_express_queued(first, runs > 1 ? many : NULL, pkts, n, &w->ctx, l2);
	tx_send_run(w, pkts, n, port);
	return true;
}

bool worker_express(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n)
{
	const uint8_t *frame = rte_pktmbuf_mtod(pkts[0], const uint8_t *);
	uint16_t type;

	if (rte_pktmbuf_data_len(pkts[0]) < FLOW_MEMO_MIN || w->fib->n_labels != 0)
		return false;
	memcpy(&type, frame + offsetof(struct rte_ether_hdr, ether_type), 2);
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		return frame[sizeof(struct rte_ether_hdr) + offsetof(struct rte_ipv6_hdr, proto)] ==
				       ESP_IPPROTO_ESP
			       ? esp_in_express_take(w, in_port, pkts, n, true)
			       : esp_out_express_take(w, pkts, n, true);
	if (frame[sizeof(struct rte_ether_hdr) + offsetof(struct rte_ipv4_hdr, next_proto_id)] ==
	    ESP_IPPROTO_ESP)
		return esp_in_express_take(w, in_port, pkts, n, false);
	return esp_out_express_take(w, pkts, n, false);
}
