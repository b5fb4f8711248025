/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker internals shared by worker.c (the loop, ESP batches, handoff),
 * classify.c (sorting a received burst) and forward.c (route, resolve,
 * MTU, TX queueing). Not part of the dataplane API: the per-packet helpers
 * are inline here so splitting the files costs no calls.
 */
#ifndef ESPRIT_DATAPLANE_WORKER_INT_H
#define ESPRIT_DATAPLANE_WORKER_INT_H

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/esp.h"
#include "dataplane/pktmeta.h"
#include "dataplane/ttl.h"
#include "dataplane/vec.h"
#include "dataplane/worker.h"

/* Per-burst sorting: every packet goes to exactly one of these. ESP in
 * comes with its SPI, read when it was sorted (its header was in cache). */
struct burst {
	uint16_t n_in, n_clear, n_fwd, n_handoff[WORKER_MAX];
	uint32_t in_spi[WORKER_BURST * 2];
	struct rte_mbuf *in[WORKER_BURST * 2];
	struct rte_mbuf *clear[WORKER_BURST * 2];
	struct rte_mbuf *fwd[WORKER_BURST * 4];  /* fragments may add */
	struct rte_mbuf *handoff[WORKER_MAX][WORKER_BURST * 2];
	/* what the batch would otherwise find out again by reading every
	 * queued packet (burst_out): the SA of the last packet queued in
	 * clear, how many times that changed (runs), the longest one */
	const struct esp_sa *out_last;
	uint16_t n_runs;
	uint16_t clear_longest;  /* data_len */
};

enum pkt_kind { PK_DROPPED, PK_PUNT, PK_ESP_IN, PK_CLEAR };

/* worker.c: send what is queued for @p port. */
void worker_tx_flush(struct worker *w, uint16_t port);
/* worker.c: send @p n packets to @p port now; what its queue does not
 * take is dropped (ESP_DROP_TX_FULL), as worker_tx_flush() drops. */
void worker_tx_send(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

static inline void drop(struct worker *w, struct rte_mbuf *m, struct esp_sa *sa, enum esp_drop why)
{
	esp_count_drop(&w->ctx, sa, why);
	rte_pktmbuf_free(m);
}

static inline void tx_one(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct worker_txbuf *tb = &w->txb[port];

	tb->pkts[tb->n++] = m;
	w->tx_pending |= UINT32_C(1) << port;
	if (tb->n == RTE_DIM(tb->pkts))
		worker_tx_flush(w, port);
}

static inline const uint8_t *ip_dst(const struct rte_mbuf *m, uint8_t family)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	return family == AF_INET ? p + offsetof(struct rte_ipv4_hdr, dst_addr)
				 : p + offsetof(struct rte_ipv6_hdr, dst_addr);
}

/* ---- forwarding memo ------------------------------------------------------ */

static inline uint32_t fwd_slot(uint8_t family, const uint8_t *dst, uint16_t label)
{
	uint32_t a[4], h;

	if (family == AF_INET) {
		memcpy(&h, dst, 4);
	} else {
		memcpy(a, dst, 16);
		h = a[0] ^ a[1] ^ a[2] ^ a[3];
	}
	h ^= label;
	h *= 0x9e3779b1u;   /* Fibonacci hashing: the high bits are mixed */
	return h >> (32 - __builtin_ctz(FIB_FWD_ENTRIES));
}

static inline bool fwd_match(const struct fib_fwd *e, uint8_t family, const uint8_t *dst,
			     uint16_t label)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	if (e->family != family || e->label != label)
		return false;
	if (family == AF_INET) {
		memcpy(&u, e->dst, 4);
		memcpy(&v, dst, 4);
		return u == v;
	}
	memcpy(x, e->dst, 16);
	memcpy(y, dst, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/*
 * The resolved destination @p dst (route, label, neighbour, L2 header)
 * from this worker's memo in the FIB snapshot, filling it on a miss.
 * NULL when resolution fails: the caller's slow path then finds out why
 * and counts or punts. The memo belongs to the snapshot, so a new FIB
 * (new neighbour, route or label) starts with an empty one.
 */
static inline const struct fib_fwd *fwd_get(struct worker *w, uint8_t family, const uint8_t *dst,
				     uint16_t label)
{
	struct fib_fwd *c = fib_fwd_cache(w->fib, w->id), *e;

	if (unlikely(c == NULL))
		return NULL;
	e = &c[fwd_slot(family, dst, label)];
	if (likely(fwd_match(e, family, dst, label)))
		return e;
	if (fib_fwd_resolve(w->fib, family, dst, label, e) != 0) {
		e->family = 0;
		return NULL;
	}
	return e;
}

/*
 * Put the memo's L2 header on each of @p n packets and queue them. The
 * entry is read once, into locals: the compiler must assume every store
 * to an mbuf may change it, and reloaded it per packet. So for the TX
 * buffer's count, held in a register through the loop: kept in the
 * buffer, each packet's count waited on the last one's store (a third
 * of this loop's samples on the AMD EPYC, Zen 5).
 */
static inline void fwd_send_run(struct worker *w, struct rte_mbuf **pkts, uint16_t n,
				const struct fib_fwd *e)
{
	uint16_t l2 = e->l2_len, port = e->port;
	struct worker_txbuf *tb = &w->txb[port];
	uint8_t hdr[sizeof(e->l2)];
	uint16_t k = tb->n;

	memcpy(hdr, e->l2, sizeof(hdr));
	w->tx_pending |= UINT32_C(1) << port;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (unlikely(rte_pktmbuf_headroom(m) < l2)) {
			drop(w, m, NULL, ESP_DROP_NO_HEADROOM);
			continue;
		}
		/* rte_pktmbuf_prepend without its second check of the room */
		m->data_off = (uint16_t)(m->data_off - l2);
		m->data_len = (uint16_t)(m->data_len + l2);
		m->pkt_len += l2;
		if (likely(l2 == sizeof(struct rte_ether_hdr)))
			memcpy(rte_pktmbuf_mtod(m, uint8_t *), hdr, sizeof(struct rte_ether_hdr));
		else
			memcpy(rte_pktmbuf_mtod(m, uint8_t *), hdr,
			       sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr));
		tb->pkts[k++] = m;    /* tx_one(), the port's bit set above */
		if (unlikely(k == RTE_DIM(tb->pkts))) {
			tb->n = k;
			worker_tx_flush(w, port);
			k = tb->n;
		}
	}
	tb->n = k;
}

/*
 * Send @p n packets whose link headers are written for @p port: at once
 * when nothing is queued for the port (an express way's burst, which
 * needs no copy into the buffer), else after what is, queued (the count
 * in a register, as fwd_send_run()'s); a full buffer is sent at once, as
 * tx_one() expects.
 */
static inline void tx_send_run(struct worker *w, struct rte_mbuf **pkts, uint16_t n,
			       uint16_t port)
{
	struct worker_txbuf *tb = &w->txb[port];
	uint16_t k = tb->n;

	if (k == 0) {
		worker_tx_send(w, port, pkts, n);
		return;
	}
	w->tx_pending |= UINT32_C(1) << port;
	for (uint16_t i = 0; i < n; i++) {
		tb->pkts[k++] = pkts[i];
		if (unlikely(k == RTE_DIM(tb->pkts))) {
			tb->n = k;
			worker_tx_flush(w, port);
			k = tb->n;
		}
	}
	tb->n = k;
}

/* fwd_send_run() for one packet. */
static inline void fwd_send(struct worker *w, struct rte_mbuf *m, const struct fib_fwd *e)
{
	fwd_send_run(w, &m, 1, e);
}

/* ---- classification (classify.c) ------------------------------------------ */

/* Is @p addr one of the gateway's own? Through the worker's set, taken
 * with the FIB (fib_locals_for() once, not per packet). */
static inline bool worker_is_local(const struct worker *w, uint8_t family, const uint8_t *addr)
{
	return w->locals != NULL ? fib_locals_has(w->locals, family, addr)
				 : fib_is_local(w->fib, family, addr);
}

/* A UDP port that carries ESP-in-UDP (RFC 3948). */
static inline bool natt_port(const struct fib *f, uint16_t port)
{
	for (unsigned i = 0; i < f->n_natt_ports; i++)
		if (f->natt_ports[i] == port)
			return true;
	return false;
}

/*
 * What a fast classifier makes of a validated IP packet to @p dst carrying
 * @p proto (@p l4: its first octets): ESP to us (PK_ESP_IN), forwarded
 * (PK_CLEAR), or not decided here (PK_DROPPED: local traffic other than
 * ESP, transit ESP and NAT-T ports go the long way).
 */
static inline enum pkt_kind classify_fast_kind(struct worker *w, const struct fib *f,
					       uint8_t family, const uint8_t *dst, uint8_t proto,
					       const uint8_t *l4)
{
	if (worker_is_local(w, family, dst))
		return proto == ESP_IPPROTO_ESP ? PK_ESP_IN : PK_DROPPED;
	if (proto == ESP_IPPROTO_ESP)
		return PK_DROPPED;
	if (proto == ESP_IPPROTO_UDP && f->n_natt_ports != 0 &&
	    natt_port(f, (uint16_t)(l4[2] << 8 | l4[3])))  /* UDP dport */
		return PK_DROPPED;
	return PK_CLEAR;
}

/*
 * A fast classifier's verdict @p kind carried out: a frame it decided
 * (PK_CLEAR, PK_ESP_IN) is taken, with the metadata and offload lengths
 * as worker_classify() leaves them, the packet-type mark @p checked (with
 * the ESP bit for ESP) and the Ethernet header (the frame is longer than
 * it) stripped without rte_pktmbuf_adj()'s checks, the metadata's SA
 * @p sa (a flow memo's; else NULL); PK_DROPPED leaves it untouched.
 * Returns @p kind.
 */
/* The metadata of a frame received on @p in_port, unlabeled, for @p sa
 * (or NULL), as the classifiers write it. */
static inline void pkt_meta_take(struct rte_mbuf *m, uint16_t in_port, struct esp_sa *sa)
{
	struct pkt_meta *meta = pkt_meta(m);

	meta->sa = sa;
	meta->label = 0;
	meta->in_port = in_port;
	meta->flags = 0;
	m->port = in_port;
}

static inline enum pkt_kind classify_fast_take(struct rte_mbuf *m, uint16_t in_port,
					       enum pkt_kind kind, uint32_t checked,
					       uint16_t l3_len, uint32_t len, struct esp_sa *sa)
{
	static_assert(ESP_PTYPE_IP4_ESP_CHECKED == (ESP_PTYPE_IP4_CHECKED | RTE_PTYPE_TUNNEL_ESP) &&
		      ESP_PTYPE_IP6_ESP_CHECKED == (ESP_PTYPE_IP6_CHECKED | RTE_PTYPE_TUNNEL_ESP),
		      "the ESP marks are the plain ones with the tunnel bit");
	if (kind == PK_DROPPED)
		return kind;

	pkt_meta_take(m, in_port, sa);
	m->packet_type = kind == PK_ESP_IN ? checked | RTE_PTYPE_TUNNEL_ESP : checked;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = l3_len;
	m->l4_len = 0;
	m->data_off = (uint16_t)(m->data_off + sizeof(struct rte_ether_hdr));
	m->data_len = (uint16_t)(len - sizeof(struct rte_ether_hdr));
	m->pkt_len -= sizeof(struct rte_ether_hdr);
	return kind;
}

/*
 * The common frames in few instructions: untagged IPv4 without options or
 * link padding, not a fragment, with at least 8 octets past the header
 * (so ports are there when the protocol has them), on a FIB without
 * labels, either to be forwarded (PK_CLEAR) or ESP addressed to us
 * (PK_ESP_IN), in one segment. Leaves the mbuf as worker_classify() would;
 * PK_DROPPED here means "not decided": the frame is untouched and
 * classify_fast6() or worker_classify() sorts it (VLAN, ARP, IPv6,
 * options, IKE and other local traffic, NAT-T ports, transit ESP,
 * fragments, padding, segment chains).
 */
static inline enum pkt_kind classify_fast4(struct worker *w, const struct fib *f, uint16_t in_port,
					   struct rte_mbuf *m)
{
	const uint8_t *eth = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = eth + sizeof(struct rte_ether_hdr);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint16_t type, tot, frag;

	if (unlikely(len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + 8 ||
		     rte_pktmbuf_pkt_len(m) != len || f->n_labels != 0))
		return PK_DROPPED;
	memcpy(&type, eth + offsetof(struct rte_ether_hdr, ether_type), 2);
	memcpy(&tot, ip + offsetof(struct rte_ipv4_hdr, total_length), 2);
	memcpy(&frag, ip + offsetof(struct rte_ipv4_hdr, fragment_offset), 2);
	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || ip[0] != 0x45 ||
	    rte_be_to_cpu_16(tot) != len - sizeof(struct rte_ether_hdr) ||
	    (frag & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return PK_DROPPED;

	enum pkt_kind kind = classify_fast_kind(w, f, AF_INET,
						ip + offsetof(struct rte_ipv4_hdr, dst_addr),
						ip[offsetof(struct rte_ipv4_hdr, next_proto_id)],
						ip + sizeof(struct rte_ipv4_hdr));

	return classify_fast_take(m, in_port, kind, ESP_PTYPE_IP4_CHECKED,
				  sizeof(struct rte_ipv4_hdr), len, NULL);
}

/*
 * The last frame of a burst that classify_fast4() took and the SPD sent
 * to an SA of this worker's, as a masked image of the 32 octets from frame
 * offset 10: the EtherType and the IPv4 header but for the fields a flow's
 * packets may differ in (TOS, total length, Identification, DF, TTL,
 * checksum), and none of the 8 octets after it (one 32-octet compare).
 * A later frame of the burst that matches it, is as long as its header
 * says and has a TTL above 1 is classified as that frame was (the
 * FIB and the own addresses are the burst's; a UDP flow's frames to the
 * NAT-T port, which classify_fast_kind() sends the long way, are not
 * spoken for) and goes to the same SA: the memo is kept only where the
 * SPD's answer did not depend on the ports (spd_memo4_answers()), and
 * without a label (classify_fast4() takes none) the rest of the SPD's
 * selectors are the octets compared. A
 * burst of one tunnel's packets then costs a compare a packet instead of
 * the classifier, the own-address lookup and the SPD memo. ESP to us
 * goes through the classifier one frame at a time (the memo alone gained
 * nothing there). A burst all of one flow, ESP to one SA or clear to one
 * tunnel, goes the express way, whose memo checks it (worker_express.c).
 */
enum {
	FLOW_MEMO_OFF = 10,
	FLOW_MEMO_MIN = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + 8,
	/* Misses a burst's memo may have beyond its hits before it is
	 * given up for the burst: a frame the memo does not speak for costs
	 * the compare and a new memo. Measured, with every frame another
	 * tunnel's (1000 tunnels, 64 B) a memo kept throughout lost 0.024 of
	 * the limit. */
	FLOW_MEMO_CREDIT = 2,
};

/* (struct flow_memo is in worker.h, for the worker's own memo) */
enum { FLOW_MEMO_NO_PORT = 0x10000 };  /* no port is */

/* Which of the 32 octets from FLOW_MEMO_OFF a flow's packets share, the
 * source and destination addresses' octets @p src and @p dst (0xff, or 0
 * for any address): the IPv4 header's, not the upper layer's. */
#define FLOW_MEMO_MASK(src, dst) {                                     \
	0, 0,                   /* the source MAC's last two */        \
	0xff, 0xff,             /* EtherType */                        \
	0xff, 0,                /* version and IHL; TOS */             \
	0, 0, 0, 0,             /* total length; Identification */     \
	0x3f, 0xff,             /* MF and the fragment offset, not DF */ \
	0, 0xff, 0, 0,          /* TTL; protocol; checksum */          \
	src, src, src, src,     /* source */                           \
	dst, dst, dst, dst,     /* destination */                      \
	0, 0, 0, 0, 0, 0, 0, 0, /* the upper layer's first octets */   \
}
static const uint8_t flow_memo_mask[32] = FLOW_MEMO_MASK(0xff, 0xff);
static_assert(FLOW_MEMO_OFF + sizeof(flow_memo_mask) <= FLOW_MEMO_MIN, "in the shortest frame");

/* A flow memo's image of the @p n words at @p p: their octets under
 * @p mask (the IPv4 memo's, or the IPv6 one's in worker_express.c). */
static inline void flow_words_take(uint64_t *want, const uint8_t *p, const uint8_t *mask,
				   unsigned n)
{
	memcpy(want, p, 8 * n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t m;

		memcpy(&m, mask + 8 * i, 8);
		want[i] &= m;
	}
}

/*
 * @p fm of the received frame @p frame (IPv4 without options) under
 * @p mask (flow_memo_mask[], or the express way's for ESP), the SA for
 * the caller to fill in; false when no memo may speak for its flow (UDP
 * on a FIB of more than one NAT-T port). Taken before the TTL is written:
 * loads across those stores would wait for them.
 */
static inline bool flow_memo_of_frame(struct flow_memo *fm, const struct fib *f,
				      const uint8_t *frame, const uint8_t *mask)
{
	bool udp = frame[sizeof(struct rte_ether_hdr) + offsetof(struct rte_ipv4_hdr,
								 next_proto_id)] == ESP_IPPROTO_UDP;

	flow_words_take(fm->want, frame + FLOW_MEMO_OFF, mask, RTE_DIM(fm->want));
	fm->natt = FLOW_MEMO_NO_PORT;
	if (udp && f->n_natt_ports == 1)
		fm->natt = rte_cpu_to_be_16(f->natt_ports[0]);
	return !udp || f->n_natt_ports <= 1;
}

/* flow_memo_of_frame() of @p m as classify_fast4() left it (its data
 * past the Ethernet header). */
static inline bool flow_memo_of(struct flow_memo *fm, const struct fib *f,
				const struct rte_mbuf *m)
{
	return flow_memo_of_frame(fm, f, rte_pktmbuf_mtod(m, const uint8_t *) -
					     sizeof(struct rte_ether_hdr), flow_memo_mask);
}

/* Does @p fm (not empty), taken under @p mask, speak for the received
 * frame @p frame of @p len octets in its first segment, @p pkt_len in
 * all? */
static __rte_always_inline bool flow_memo_match_under(const struct flow_memo *fm,
						      const uint8_t *mask, const uint8_t *frame,
						      uint32_t len, uint32_t pkt_len)
{
	const uint8_t *ip = frame + sizeof(struct rte_ether_hdr);
	bool same;
	uint16_t tot, dport;

	if (len < FLOW_MEMO_MIN || pkt_len != len)
		return false;
	same = vec_masked_equal(frame + FLOW_MEMO_OFF, mask, fm->want, RTE_DIM(fm->want));
	memcpy(&tot, ip + offsetof(struct rte_ipv4_hdr, total_length), 2);
	memcpy(&dport, ip + sizeof(struct rte_ipv4_hdr) + 2, 2);  /* UDP's, or not read */
	/* a TTL of 1 goes the long way, which counts it */
	return same && rte_be_to_cpu_16(tot) == len - sizeof(struct rte_ether_hdr) &&
	       ip[offsetof(struct rte_ipv4_hdr, time_to_live)] > 1 && dport != fm->natt;
}

/* flow_memo_match_under() flow_memo_mask[]. */
static inline bool flow_memo_match(const struct flow_memo *fm, const uint8_t *frame,
				   uint32_t len, uint32_t pkt_len)
{
	return flow_memo_match_under(fm, flow_memo_mask, frame, len, pkt_len);
}

/*
 * classify_fast4() for IPv6: untagged, no link padding, at least 8 octets
 * of payload, a next header that is the upper layer (not spd_ip6_ext():
 * the SPD can match the header in place) and a unicast destination.
 */
static inline enum pkt_kind classify_fast6(struct worker *w, const struct fib *f, uint16_t in_port,
					   struct rte_mbuf *m)
{
	const uint8_t *eth = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = eth + sizeof(struct rte_ether_hdr);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint16_t type, plen;

	if (unlikely(len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + 8 ||
		     rte_pktmbuf_pkt_len(m) != len || f->n_labels != 0))
		return PK_DROPPED;
	memcpy(&type, eth + offsetof(struct rte_ether_hdr, ether_type), 2);
	memcpy(&plen, ip + offsetof(struct rte_ipv6_hdr, payload_len), 2);

	const uint8_t *dst = ip + offsetof(struct rte_ipv6_hdr, dst_addr);
	uint8_t proto = ip[offsetof(struct rte_ipv6_hdr, proto)];

	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) || (ip[0] >> 4) != 6 ||
	    rte_be_to_cpu_16(plen) != len - sizeof(struct rte_ether_hdr) - sizeof(struct rte_ipv6_hdr) ||
	    spd_ip6_ext(proto) || dst[0] == 0xff)
		return PK_DROPPED;

	enum pkt_kind kind = classify_fast_kind(w, f, AF_INET6, dst, proto,
						ip + sizeof(struct rte_ipv6_hdr));

	return classify_fast_take(m, in_port, kind, ESP_PTYPE_IP6_CHECKED,
				  sizeof(struct rte_ipv6_hdr), len, NULL);
}

/*
 * Sort one received frame the long way: ESP-in (PK_ESP_IN), forwarded in
 * the clear (PK_CLEAR), or dealt with here (punted or dropped).
 */
enum pkt_kind worker_classify(struct worker *w, uint16_t in_port, struct rte_mbuf *m);

/* ---- ESP in (worker.c, worker_express.c) -------------------------------- */

/* An inbound SA belongs to worker SPI mod n_workers (drivers/ipsec_ring.c):
 * a mask for the usual power of two, where a division per packet showed. */
static inline uint16_t spi_owner(const struct worker *w, uint32_t spi)
{
	uint32_t n = w->n_workers;

	if (likely((n & (n - 1)) == 0))
		return (uint16_t)(spi & (n - 1));
	return (uint16_t)(spi % n);
}

/*
 * After an inbound transform of @p n packets of which the first @p good
 * passed: those, with their SA's label and their TTL decremented, are
 * appended to @p out, the rest freed. Packet i's SA is sas[i], or @p sa
 * for all when @p sas is NULL. Returns how many were appended.
 */
static inline uint16_t esp_in_done(struct worker *w, struct esp_sa *sa, struct esp_sa **sas,
				   struct rte_mbuf **run, uint16_t n, uint16_t good,
				   struct rte_mbuf **out)
{
	uint16_t k = 0;

	w->stats.esp_in += good;
	for (uint16_t i = good; i < n; i++)
		rte_pktmbuf_free(run[i]);
	for (uint16_t i = 0; i < good; i++) {
		struct rte_mbuf *m = run[i];
		struct esp_sa *s = sas != NULL ? sas[i] : sa;

		/* A decapsulated packet carries its SA's label to egress. */
		pkt_meta(m)->label = s->label;
		if (!ttl_dec(m)) {
			drop(w, m, s, ESP_DROP_TTL);
			continue;
		}
		out[k++] = m;
	}
	return k;
}

/*
 * The express ways (worker_express.c): when the whole burst @p pkts of
 * @p n is one inbound SA's ESP, or one flow's clear traffic to one of
 * this worker's tunnels, it is processed and sent and true is returned;
 * else false, the frames' data untouched, for the usual way.
 */
bool worker_express(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n);
/*
 * The outbound express transform for the burst's clear queue, @p n
 * classified packets @p pkts for this worker's tunnels (each one's SA in
 * its metadata, @p runs changes of SA among them): when all are alike
 * and each fits its path, they are encrypted, get their link headers and
 * are queued in one pass and true is returned; else false, untouched.
 */
bool esp_out_express_batch(struct worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t runs);

/* forward.c */
/*
 * Make @p m fit @p mtu: pass it through, pre-fragment it (IPv4, DF clear)
 * or punt it for an ICMP "too big" (RFC 1191 / RFC 8201). Writes the
 * packets to send to @p out and returns how many.
 */
uint16_t worker_fit_mtu(struct worker *w, struct rte_mbuf *m, uint32_t mtu, struct esp_sa *sa,
			struct rte_mbuf **out, uint16_t max);
/* Route, resolve, add the L2 header and queue for TX. */
void worker_forward(struct worker *w, struct rte_mbuf *m);
/* Forward packets that leave in the clear (bypass, or after decap). */
void worker_forward_clear(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* The common case of worker_fit_mtu inline: it fits. */
static inline uint16_t fit_mtu(struct worker *w, struct rte_mbuf *m, uint32_t mtu,
			       struct esp_sa *sa, struct rte_mbuf **out, uint16_t max)
{
	if (likely(rte_pktmbuf_data_len(m) <= mtu)) {
		out[0] = m;
		return 1;
	}
	return worker_fit_mtu(w, m, mtu, sa, out, max);
}

#endif
