/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker poll loop: rx burst → classify → {ESP in, clear out, punt}
 * → SAD/SPD → ESP transform → route → tx burst (see worker.h).
 *
 * Each burst is first sorted into per-kind arrays and each array is then
 * processed as a batch, runs of packets of one SA going to the SA's
 * transform in one call. Nothing here allocates (except mbufs for IPv4
 * pre-fragmentation), locks, logs or makes a system call, except the
 * opt-in nap when idle.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dataplane/esp.h"
#include "dataplane/pktmeta.h"
#include "dataplane/sad.h"
#include "dataplane/worker.h"

int pkt_meta_offset = -1;

int pkt_meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "esprit_pkt_meta",
		.size = sizeof(struct pkt_meta),
		.align = __alignof__(struct pkt_meta),
	};

	if (pkt_meta_offset >= 0)
		return 0;
	pkt_meta_offset = rte_mbuf_dynfield_register(&desc);
	return pkt_meta_offset < 0 ? -rte_errno : 0;
}

/* Per-burst sorting: every packet goes to exactly one of these. */
struct burst {
	uint16_t n_in, n_clear, n_fwd, n_handoff[WORKER_MAX];
	struct rte_mbuf *in[WORKER_BURST * 2];
	struct rte_mbuf *clear[WORKER_BURST * 2];
	struct rte_mbuf *fwd[WORKER_BURST * 4];  /* fragments may add */
	struct rte_mbuf *handoff[WORKER_MAX][WORKER_BURST * 2];
};

static void drop(struct worker *w, struct rte_mbuf *m, struct esp_sa *sa, enum esp_drop why)
{
	esp_count_drop(&w->ctx, sa, why);
	rte_pktmbuf_free(m);
}

static void punt(struct worker *w, struct rte_mbuf *m, uint32_t reason)
{
	m->hash.usr = reason;
	if (unlikely(w->punt == NULL || rte_ring_sp_enqueue(w->punt, m) != 0)) {
		drop(w, m, NULL, ESP_DROP_PUNT_FULL);
		return;
	}
	w->stats.punted++;
}

static void tx_flush(struct worker *w, uint16_t port)
{
	struct worker_txbuf *tb = &w->txb[port];
	uint16_t sent;

	if (tb->n == 0)
		return;
	sent = rte_eth_tx_burst(port, w->txq, tb->pkts, tb->n);
	w->stats.tx += sent;
	for (uint16_t i = sent; i < tb->n; i++)
		drop(w, tb->pkts[i], NULL, ESP_DROP_TX_FULL);
	tb->n = 0;
}

static void tx_one(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct worker_txbuf *tb = &w->txb[port];

	tb->pkts[tb->n++] = m;
	if (tb->n == RTE_DIM(tb->pkts))
		tx_flush(w, port);
}

static void tx_flush_all(struct worker *w)
{
	for (uint16_t p = 0; p < WORKER_PORTS_MAX; p++)
		tx_flush(w, p);
}

/* ---- classification ----------------------------------------------------- */

static bool natt_port(const struct fib *f, uint16_t port)
{
	for (unsigned i = 0; i < f->n_natt_ports; i++)
		if (f->natt_ports[i] == port)
			return true;
	return false;
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
		rte_pktmbuf_trim(m, (uint16_t)(len - tot));
		m->l3_len = sizeof(*ip6);
		return AF_INET6;
	}
	*why = ESP_DROP_BAD_L3;
	return 0;
}

static uint8_t ip_proto(const struct rte_mbuf *m, uint8_t family)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	return family == AF_INET ? ((const struct rte_ipv4_hdr *)p)->next_proto_id
				 : ((const struct rte_ipv6_hdr *)p)->proto;
}

static const uint8_t *ip_dst(const struct rte_mbuf *m, uint8_t family)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	return family == AF_INET ? p + offsetof(struct rte_ipv4_hdr, dst_addr)
				 : p + offsetof(struct rte_ipv6_hdr, dst_addr);
}

/* The SPI of an ESP packet whose ESP header starts at l3_len + l4_len. */
static bool esp_spi(const struct rte_mbuf *m, uint32_t *spi)
{
	uint32_t off = m->l3_len + m->l4_len;
	const struct esp_hdr *esp;

	if (rte_pktmbuf_data_len(m) < off + sizeof(*esp))
		return false;
	esp = rte_pktmbuf_mtod_offset(m, const struct esp_hdr *, off);
	*spi = rte_be_to_cpu_32(esp->spi);
	return true;
}

enum pkt_kind { PK_DROPPED, PK_PUNT, PK_ESP_IN, PK_CLEAR };

/*
 * Sort one received frame. ESP addressed to us (or in UDP on a NAT-T
 * port) goes to ESP-in; IKE, ARP, ND and anything else for the gateway is
 * punted; other IP traffic is forwarded in the clear, subject to the SPD.
 */
static enum pkt_kind classify(struct worker *w, uint16_t in_port, struct rte_mbuf *m)
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
	meta->label = fib_label_in(f, in_port, vlan);
	meta->in_port = in_port;
	meta->flags = 0;
	m->port = in_port;

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
	bool local = fib_is_local_fast(f, w->id, family, dst);

	if (!local && family == AF_INET6 && dst[0] == 0xff)
		local = true; /* ND and other link-scope multicast */
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

/* ---- forwarding ---------------------------------------------------------- */

/* RFC 791/8200: decrement TTL / hop limit of a forwarded packet. */
static bool ttl_dec(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if ((p[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (void *)p;
		uint32_t sum;

		if (ip->time_to_live <= 1)
			return false;
		ip->time_to_live--;
		/* RFC 1624 incremental update: TTL is the high octet. */
		sum = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
		ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
		return true;
	}
	struct rte_ipv6_hdr *ip6 = (void *)p;

	if (ip6->hop_limits <= 1)
		return false;
	ip6->hop_limits--;
	return true;
}

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
static uint16_t fit_mtu(struct worker *w, struct rte_mbuf *m, uint32_t mtu, struct esp_sa *sa,
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
static const struct fib_fwd *fwd_get(struct worker *w, uint8_t family, const uint8_t *dst,
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

/* Put the memo's L2 header on @p m and queue it. */
static inline void fwd_send(struct worker *w, struct rte_mbuf *m, const struct fib_fwd *e)
{
	uint8_t *l2 = (uint8_t *)rte_pktmbuf_prepend(m, e->l2_len);

	if (unlikely(l2 == NULL)) {
		drop(w, m, NULL, ESP_DROP_NO_HEADROOM);
		return;
	}
	if (likely(e->l2_len == sizeof(struct rte_ether_hdr)))
		memcpy(l2, e->l2, sizeof(struct rte_ether_hdr));
	else
		memcpy(l2, e->l2, sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr));
	m->port = e->port;
	tx_one(w, e->port, m);
}

/* Route, resolve, add the L2 header and queue for TX. */
static void forward(struct worker *w, struct rte_mbuf *m)
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

/* Forward packets that leave in the clear (bypass, or after decap). */
static void forward_clear(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *frags[64];

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint8_t family = (p[0] >> 4) == 4 ? AF_INET : AF_INET6;
		const struct fib_fwd *e = fwd_get(w, family, ip_dst(m, family), pkt_meta(m)->label);
		struct fib_hop hop;

		/* Resolved and fits: straight out (the common case). */
		if (likely(e != NULL && rte_pktmbuf_data_len(m) <= e->mtu)) {
			fwd_send(w, m, e);
			continue;
		}
		if (fib_route(w->fib, family, ip_dst(m, family), &hop) != 0) {
			drop(w, m, NULL, ESP_DROP_NO_ROUTE);
			continue;
		}
		m->l3_len = family == AF_INET ? (uint16_t)((p[0] & 0xf) * 4) : 40;
		uint16_t k = fit_mtu(w, m, hop.mtu, NULL, frags, RTE_DIM(frags));

		for (uint16_t j = 0; j < k; j++)
			forward(w, frags[j]);
	}
}

/* ---- handoff --------------------------------------------------------------- */

static void handoff(struct burst *b, uint16_t owner, struct rte_mbuf *m)
{
	b->handoff[owner][b->n_handoff[owner]++] = m;
}

static void handoff_flush(struct worker *w, struct burst *b)
{
	for (uint16_t o = 0; o < w->n_workers; o++) {
		uint16_t n = b->n_handoff[o], sent;

		if (n == 0)
			continue;
		sent = (uint16_t)rte_ring_mp_enqueue_burst(w->peers[o]->handoff,
							   (void **)b->handoff[o], n, NULL);
		w->stats.handoff_out += sent;
		for (uint16_t i = sent; i < n; i++)
			drop(w, b->handoff[o][i], NULL, ESP_DROP_HANDOFF_FULL);
		b->n_handoff[o] = 0;
	}
}

/* ---- ESP in ---------------------------------------------------------------- */

/* How many packets ahead of its transform an SA's lines are prefetched. */
enum { SAD_PREFETCH_AHEAD = 4 };

static void clear_path(struct worker *w, struct burst *b, struct rte_mbuf *m);

/* Run one SA's transform over a run of its packets, then forward. */
static void esp_in_run(struct worker *w, struct esp_sa *sa, struct rte_mbuf **run, uint16_t n)
{
	uint16_t good = sa->xform(sa, run, n, &w->ctx);

	w->stats.esp_in += good;
	for (uint16_t i = good; i < n; i++)
		rte_pktmbuf_free(run[i]);
	for (uint16_t i = 0; i < good; i++) {
		struct rte_mbuf *m = run[i];

		/* A decapsulated packet carries its SA's label to egress. */
		pkt_meta(m)->label = sa->label;
		if (!ttl_dec(m)) {
			drop(w, m, sa, ESP_DROP_TTL);
			run[i] = NULL;
		}
	}
	uint16_t k = 0;

	for (uint16_t i = 0; i < good; i++)
		if (run[i] != NULL)
			run[k++] = run[i];
	forward_clear(w, run, k);
}

static void esp_in_batch(struct worker *w, struct burst *b, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *run[WORKER_BURST * 2], *own[WORKER_BURST * 2];
	uint32_t spis[WORKER_BURST * 2];
	struct esp_sa *sas[WORKER_BURST * 2];
	struct esp_sa *cur = NULL;
	uint16_t nrun = 0, nown = 0;

	/* Owned packets first, so the SAD sees the whole burst at once. */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t spi;

		if (!esp_spi(m, &spi)) {
			drop(w, m, NULL, ESP_DROP_RUNT);
			continue;
		}
		uint16_t owner = (uint16_t)(spi % w->n_workers);

		if (owner != w->id) {
			pkt_meta(m)->flags |= PKT_F_ESP_IN;
			handoff(b, owner, m);
			continue;
		}
		spis[nown] = spi;
		own[nown++] = m;
	}
	if (nown == 0)
		return;
	/* One bulk lookup: every home bucket is prefetched before the first
	 * compare, so SAD misses overlap instead of adding up (a million SAs
	 * do not fit any cache). */
	RTE_BUILD_BUG_ON(RTE_DIM(spis) > SAD_BULK_MAX);
	sad_lookup_bulk(w->sad, spis, nown, sas);
	/* The SA lines of a packet are fetched a few packets ahead of its
	 * transform: with many SAs each is a miss, and this overlaps them
	 * with the work on the packets before it. Consecutive packets of
	 * one SA (the common case with few SAs) cost one check. */
	for (uint16_t i = 0; i < nown; i++)
		if (sas[i] != NULL && (i == 0 || sas[i] != sas[i - 1]))
			rte_prefetch0(sas[i]);
	for (uint16_t i = 0; i < RTE_MIN(nown, (uint16_t)SAD_PREFETCH_AHEAD); i++)
		if (sas[i] != NULL && (i == 0 || sas[i] != sas[i - 1]))
			esp_sa_prefetch(sas[i]);
	for (uint16_t i = 0; i < nown; i++) {
		struct rte_mbuf *m = own[i];
		struct esp_sa *sa = sas[i];
		uint16_t a = (uint16_t)(i + SAD_PREFETCH_AHEAD);

		if (a < nown && sas[a] != NULL && sas[a] != sas[a - 1])
			esp_sa_prefetch(sas[a]);

		if (sa == NULL) {
			if (pkt_meta(m)->flags & PKT_F_TRANSIT) {
				clear_path(w, b, m); /* someone else's ESP */
				continue;
			}
			drop(w, m, NULL, ESP_DROP_NO_SA);
			continue;
		}
		if (sa != cur || nrun == RTE_DIM(run)) {
			if (nrun)
				esp_in_run(w, cur, run, nrun);
			cur = sa;
			nrun = 0;
		}
		run[nrun++] = m;
	}
	if (nrun)
		esp_in_run(w, cur, run, nrun);
}

/* ---- clear traffic and ESP out ------------------------------------------- */

/*
 * Encrypt what fit_mtu left and forward the good ones. @p via is the
 * resolved route to a tunnel SA's peer, looked up once for the run (every
 * outer packet goes there), or NULL: then each packet is routed.
 */
static void esp_out_submit(struct worker *w, struct esp_sa *sa, struct rte_mbuf **pkts, uint16_t n,
			   const struct fib_fwd *via)
{
	uint16_t good = sa->xform(sa, pkts, n, &w->ctx);

	w->stats.esp_out += good;
	for (uint16_t i = good; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	for (uint16_t i = 0; i < good; i++) {
		/* The outer packet is unlabeled: the label lives in the SA. */
		pkt_meta(pkts[i])->label = 0;
		if (via != NULL)
			fwd_send(w, pkts[i], via);
		else
			forward(w, pkts[i]);
	}
}

static void esp_out_run(struct worker *w, struct esp_sa *sa, struct rte_mbuf **run, uint16_t n)
{
	struct rte_mbuf *fit[WORKER_BURST * 4];
	uint16_t nfit = 0;
	const struct fib_fwd *via = NULL;
	struct fib_hop hop;
	uint32_t mtu = 0;

	/* The path MTU towards the peer bounds the inner packet: route the
	 * outer destination once per run (tunnel), per packet (transport).
	 * Nothing else touches the memo until the run is sent, so its entry
	 * also gives every outer packet of the run its L2 header. */
	if (sa->mode == ESP_MODE_TUNNEL) {
		via = fwd_get(w, sa->remote.family, sa->remote.bytes, 0);
		if (likely(via != NULL))
			mtu = via->mtu;
		else if (fib_route(w->fib, sa->remote.family, sa->remote.bytes, &hop) == 0)
			mtu = hop.mtu;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = run[i];
		uint32_t limit = mtu;

		if (sa->mode == ESP_MODE_TRANSPORT) {
			const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
			uint8_t fam = (p[0] >> 4) == 4 ? AF_INET : AF_INET6;

			limit = fib_route(w->fib, fam, ip_dst(m, fam), &hop) == 0 ? hop.mtu : 0;
		}
		if (limit <= sa->overhead) {
			drop(w, m, sa, ESP_DROP_NO_ROUTE);
			continue;
		}
		if (RTE_DIM(fit) - nfit < 48) {
			esp_out_submit(w, sa, fit, nfit, via);
			nfit = 0;
		}
		nfit += fit_mtu(w, m, limit - sa->overhead, sa, fit + nfit,
				(uint16_t)(RTE_DIM(fit) - nfit));
	}
	if (nfit)
		esp_out_submit(w, sa, fit, nfit, via);
}

/* Outbound packets owned by this worker, grouped in runs per SA. */
static void esp_out_batch(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *run[WORKER_BURST * 2];
	struct esp_sa *cur = NULL;
	uint16_t nrun = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct esp_sa *sa = pkt_meta(pkts[i])->sa;

		if (sa != cur || nrun == RTE_DIM(run)) {
			if (nrun)
				esp_out_run(w, cur, run, nrun);
			cur = sa;
			nrun = 0;
		}
		run[nrun++] = pkts[i];
	}
	if (nrun)
		esp_out_run(w, cur, run, nrun);
}

/*
 * A forwarded clear packet: TTL, then the outbound SPD decides protect,
 * bypass or discard (RFC 4301 §5.1). No match means discard.
 */
static void clear_path(struct worker *w, struct burst *b, struct rte_mbuf *m)
{
	struct pkt_meta *meta = pkt_meta(m);
	const struct spd_rule *rule;
	struct spd_key key;

	if (!ttl_dec(m)) {
		drop(w, m, NULL, ESP_DROP_TTL);
		return;
	}
	if (spd_key_from_ip(&key, rte_pktmbuf_mtod(m, const uint8_t *),
			    rte_pktmbuf_data_len(m), meta->label) != 0) {
		drop(w, m, NULL, ESP_DROP_BAD_L3);
		return;
	}
	rule = w->spd != NULL ? spd_lookup(w->spd, &key) : NULL;
	if (rule == NULL) {
		drop(w, m, NULL, ESP_DROP_SPD_NOMATCH);
		return;
	}
	switch (rule->action) {
	case SPD_BYPASS:
		w->stats.bypass++;
		b->fwd[b->n_fwd++] = m;
		return;
	case SPD_PROTECT:
		if (rule->sa != NULL) {
			meta->sa = rule->sa;
			if (rule->sa->owner != w->id) {
				meta->flags |= PKT_F_ESP_OUT;
				handoff(b, rule->sa->owner, m);
			} else {
				b->clear[b->n_clear++] = m;
			}
			return;
		}
		/* a policy without an SA yet (IKE trap): fall through */
		/* fallthrough */
	case SPD_DISCARD:
	default:
		drop(w, m, NULL, ESP_DROP_SPD_DISCARD);
		return;
	}
}

static void burst_finish(struct worker *w, struct burst *b)
{
	if (b->n_in)
		esp_in_batch(w, b, b->in, b->n_in);
	if (b->n_clear)
		esp_out_batch(w, b->clear, b->n_clear);
	if (b->n_fwd)
		forward_clear(w, b->fwd, b->n_fwd);
	handoff_flush(w, b);
	b->n_in = b->n_clear = b->n_fwd = 0;
}

void worker_process_burst(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n)
{
	struct burst b;
	struct rte_mbuf *clear[WORKER_BURST * 2];
	uint16_t n_clear = 0;

	b.n_in = b.n_clear = b.n_fwd = 0;
	memset(b.n_handoff, 0, sizeof(b.n_handoff));
	w->stats.rx += n;
	/* classify writes the offload lengths and the metadata, both in the
	 * mbuf's second line, which RX did not touch */
	for (uint16_t i = 0; i < RTE_MIN(n, (uint16_t)3); i++)
		rte_mbuf_prefetch_part2(pkts[i]);
	for (uint16_t i = 0; i < n; i++) {
		if (i + 3 < n) {
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 3], void *));
			rte_mbuf_prefetch_part2(pkts[i + 3]);
		}
		switch (classify(w, in_port, pkts[i])) {
		case PK_ESP_IN:
			b.in[b.n_in++] = pkts[i];
			break;
		case PK_CLEAR:
			clear[n_clear++] = pkts[i];
			break;
		default:
			break;
		}
	}
	for (uint16_t i = 0; i < n_clear; i++)
		clear_path(w, &b, clear[i]);
	burst_finish(w, &b);
}

/* Packets other workers handed to this one, the owner of their SA. */
static unsigned handoff_drain(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned total = 0, n;
	struct burst b;

	b.n_in = b.n_clear = b.n_fwd = 0;
	memset(b.n_handoff, 0, sizeof(b.n_handoff));
	/* Drain at most one ring's worth: together with the double RCU
	 * grace period of SA frees this bounds how long an SA pointer can
	 * sit in a ring (see drivers/ipsec_ring.c). */
	while (total < WORKER_RING_SIZE &&
	       (n = rte_ring_sc_dequeue_burst(w->handoff, (void **)pkts, RTE_DIM(pkts), NULL)) > 0) {
		total += n;
		w->stats.handoff_in += n;
		for (unsigned i = 0; i < n; i++) {
			struct pkt_meta *meta = pkt_meta(pkts[i]);

			if (meta->flags & PKT_F_ESP_OUT)
				b.clear[b.n_clear++] = pkts[i];
			else
				b.in[b.n_in++] = pkts[i];
		}
		burst_finish(w, &b);
	}
	return total;
}

/* Frames the control thread wants sent (ARP, ND, IKE, ICMP), L2 built. */
static unsigned ctl_tx_drain(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned n;

	if (w->tx == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst(w->tx, (void **)pkts, RTE_DIM(pkts), NULL);
	for (unsigned i = 0; i < n; i++) {
		if (pkts[i]->port >= FIB_PORTS_MAX) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		tx_one(w, pkts[i]->port, pkts[i]);
	}
	return n;
}

void worker_apply_msgs(struct worker *w)
{
	struct dp_msg msg;

	while (rte_ring_sc_dequeue_elem(w->msgs, &msg, sizeof(msg)) == 0) {
		struct esp_sa *sa = msg.obj, *old = msg.old;

		w->stats.msgs++;
		switch (msg.type) {
		case DP_MSG_SA_ADD:
			sad_add(w->sad, msg.spi, sa);
			break;
		case DP_MSG_SA_DEL:
			sad_del(w->sad, msg.spi);
			break;
		case DP_MSG_SA_REPLACE:
			/* The owner moves the live state so nothing is
			 * replayed or reused across the update. */
			sa->seq = old->seq;
			sa->stats = old->stats;
			sa->fired = old->fired;
			sa->ip_id = old->ip_id;
			if (sa->rw != NULL && old->rw != NULL && sa->rw->size == old->rw->size)
				memcpy(sa->rw, old->rw, replay_window_bytes(old->rw->size));
			else if (sa->rw != NULL && old->rw != NULL)
				sa->rw->top = old->rw->top;
			old->flags |= ESP_SA_F_DEAD;
			sa->flags &= ~(uint32_t)ESP_SA_F_DEAD;
			if (sa->dir == ESP_DIR_IN)
				sad_add(w->sad, msg.spi, sa);
			break;
		case DP_MSG_SPD_SET:
			w->spd = msg.obj;
			break;
		case DP_MSG_FIB_SET:
			w->fib = msg.obj;
			break;
		default:
			break;
		}
	}
}

unsigned worker_poll(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned work = 0;

	worker_apply_msgs(w);
	if (w->fib != NULL) {
		for (uint16_t q = 0; q < w->n_rxq; q++) {
			uint16_t port = w->rxq[q].port;
			uint16_t n = rte_eth_rx_burst(port, w->rxq[q].queue, pkts, WORKER_BURST);

			if (n == 0)
				continue;
			work += n;
			worker_process_burst(w, port, pkts, n);
		}
		work += handoff_drain(w);
		work += ctl_tx_drain(w);
	}
	tx_flush_all(w);
	rte_rcu_qsbr_quiescent(w->qsbr, w->id);
	return work;
}

void worker_flush(struct worker *w)
{
	tx_flush_all(w);
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned idle = 0;

	rte_rcu_qsbr_thread_register(w->qsbr, w->id);
	rte_rcu_qsbr_thread_online(w->qsbr, w->id);
	while (!w->stop) {
		unsigned work = worker_poll(w);

		w->stats.loops++;
		if (work) {
			w->stats.busy_loops++;
			idle = 0;
		} else if (w->idle_sleep_us && ++idle > 64) {
			/* Opt-in nap for shared machines (tests, demo): the
			 * only system call of the loop, and only when idle. */
			usleep(w->idle_sleep_us);
		}
	}
	rte_rcu_qsbr_thread_offline(w->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(w->qsbr, w->id);
	return 0;
}

static struct rte_ring *ring_new(const struct worker_conf *c, const char *what, unsigned esize,
				 unsigned flags)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "%s%u_%s", c->tag, c->id, what);
	if (esize == 0)
		return rte_ring_create(name, WORKER_RING_SIZE, (int)rte_socket_id(), flags);
	return rte_ring_create_elem(name, esize, WORKER_RING_SIZE, (int)rte_socket_id(), flags);
}

struct worker *worker_create(const struct worker_conf *c)
{
	struct worker *w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);

	if (w == NULL)
		return NULL;
	w->id = c->id;
	w->n_workers = c->n_workers;
	w->txq = c->id;
	w->qsbr = c->qsbr;
	w->pool = c->pool;
	w->peers = c->peers;
	w->idle_sleep_us = c->idle_sleep_us;
	w->ctx.mgr = alloc_mb_mgr(0);
	if (w->ctx.mgr != NULL)
		init_mb_mgr_auto(w->ctx.mgr, NULL);
	w->msgs = ring_new(c, "msgs", sizeof(struct dp_msg), RING_F_SC_DEQ);
	w->punt = ring_new(c, "punt", 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->tx = ring_new(c, "tx", 0, RING_F_SC_DEQ);
	w->handoff = ring_new(c, "handoff", 0, RING_F_SC_DEQ);
	w->events = ring_new(c, "events", sizeof(struct esp_event), RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->ctx.events = w->events;
	w->sad = sad_create(RTE_MAX(c->sad_entries, 64u), (int)rte_socket_id());
	if (w->ctx.mgr == NULL || !w->msgs || !w->punt || !w->tx || !w->handoff || !w->events ||
	    !w->sad) {
		worker_destroy(w);
		return NULL;
	}
	return w;
}

static void ring_drain_free(struct rte_ring *r)
{
	struct rte_mbuf *m;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

void worker_destroy(struct worker *w)
{
	if (w == NULL)
		return;
	sad_free(w->sad);
	if (w->ctx.mgr != NULL)
		free_mb_mgr(w->ctx.mgr);
	rte_ring_free(w->msgs);
	rte_ring_free(w->events);
	ring_drain_free(w->punt);
	ring_drain_free(w->tx);
	ring_drain_free(w->handoff);
	for (uint16_t p = 0; p < WORKER_PORTS_MAX; p++)
		for (uint16_t i = 0; i < w->txb[p].n; i++)
			rte_pktmbuf_free(w->txb[p].pkts[i]);
	rte_free(w);
}
