/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packets the workers punt to the control thread: ARP (RFC 826) and IPv6
 * neighbour discovery (RFC 4861) for the gateway's addresses and next
 * hops, echo replies for its own addresses, ICMP "too big" for packets
 * that do not fit the tunnel (RFC 1191, RFC 8201), and IKE datagrams,
 * handed to the IKE engine through control/ike_punt.c.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "control/gw.h"
#include "control/ike_punt.h"
#include "control/log.h"
#include "dataplane/esp.h"
#include "dataplane/pktmeta.h"
#include "drivers/ipfrag.h"

enum {
	ICMP_DEST_UNREACH = 3,
	ICMP6_PACKET_TOO_BIG = 2,
	ICMP6_ECHO_REQUEST = 128,
	ICMP6_ECHO_REPLY = 129,
	ND_NEIGHBOR_SOLICIT = 135,
	ND_NEIGHBOR_ADVERT = 136,
	ND_OPT_SOURCE_LL = 1,
	ND_OPT_TARGET_LL = 2,
	RESOLVE_RETRY_MS = 1000,
	ICMP_QUOTE_MAX = 548,   /* RFC 1812 §4.3.2.3: up to 576 octets in all */
	ICMP6_MTU_MIN = 1280,
};

/* RFC 4861 §4.3/4.4: NS and NA share this fixed part. */
struct nd_msg {
	uint8_t type, code;
	rte_be16_t cksum;
	rte_be32_t flags;
	uint8_t target[16];
} __attribute__((packed));
static_assert(sizeof(struct nd_msg) == 24, "ND message is 24 octets");

struct nd_opt_ll {
	uint8_t type, len;      /* len in units of 8 octets */
	struct rte_ether_addr mac;
};
static_assert(sizeof(struct nd_opt_ll) == 8, "link-layer option is 8 octets");

uint64_t gw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Our address on @p port in @p family, preferring one in the same subnet
 * as @p peer (may be NULL). */
static const uint8_t *port_addr(const struct gw *g, uint16_t port, uint8_t family,
				const uint8_t *peer)
{
	const struct fib_port *fp = &g->fib->ports[port];
	const uint8_t *any = NULL;

	for (unsigned i = 0; i < fp->n_addrs; i++) {
		if (fp->addrs[i].family != family)
			continue;
		if (peer == NULL || esp_prefix_match(fp->addrs[i].bytes, peer, fp->plens[i]))
			return fp->addrs[i].bytes;
		/* IPv6: avoid answering from a global address when asked
		 * about link-local; any on-link one will do otherwise. */
		if (any == NULL)
			any = fp->addrs[i].bytes;
	}
	return any;
}

static bool on_link(const struct gw *g, uint16_t port, uint8_t family, const uint8_t *ip)
{
	const struct fib_port *fp = &g->fib->ports[port];

	if (family == AF_INET6 && ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80)
		return true;
	for (unsigned i = 0; i < fp->n_addrs; i++)
		if (fp->addrs[i].family == family &&
		    esp_prefix_match(fp->addrs[i].bytes, ip, fp->plens[i]))
			return true;
	return false;
}

/* ---- neighbour table ---------------------------------------------------- */

static struct gw_neigh *neigh_find(struct gw *g, uint8_t family, const uint8_t *ip, uint16_t port)
{
	unsigned len = esp_addr_len(family);

	for (unsigned i = 0; i < g->n_neigh; i++) {
		struct gw_neigh *n = &g->neigh[i];

		if (n->n.family == family && n->n.port == port && memcmp(n->n.ip, ip, len) == 0)
			return n;
	}
	return NULL;
}

static struct gw_neigh *neigh_get(struct gw *g, uint8_t family, const uint8_t *ip, uint16_t port)
{
	struct gw_neigh *n = neigh_find(g, family, ip, port);

	if (n != NULL)
		return n;
	if (g->n_neigh == g->cap_neigh) {
		unsigned cap = g->cap_neigh ? g->cap_neigh * 2 : 32;
		struct gw_neigh *a = realloc(g->neigh, cap * sizeof(*a));

		if (a == NULL)
			return NULL;
		g->neigh = a;
		g->cap_neigh = cap;
	}
	n = &g->neigh[g->n_neigh++];
	memset(n, 0, sizeof(*n));
	n->n.family = family;
	n->n.port = port;
	memcpy(n->n.ip, ip, esp_addr_len(family));
	return n;
}

/* Learn or refresh a neighbour; republish the FIB when it changed. */
static void neigh_learn(struct gw *g, uint8_t family, const uint8_t *ip, uint16_t port,
			const struct rte_ether_addr *mac)
{
	struct gw_neigh *n;

	if (!on_link(g, port, family, ip) || rte_is_zero_ether_addr(mac) ||
	    !rte_is_unicast_ether_addr(mac))
		return;
	n = neigh_get(g, family, ip, port);
	if (n == NULL)
		return;
	n->seen = gw_now_ms();
	if (n->resolved && rte_is_same_ether_addr(&n->n.mac, mac))
		return;
	n->n.mac = *mac;
	n->resolved = true;
	char buf[64];
	struct esp_addr a = { .family = family };

	memcpy(a.bytes, ip, esp_addr_len(family));
	log_info("neighbour %s is %02x:%02x:%02x:%02x:%02x:%02x on port %u",
		 esp_addr_fmt(&a, buf, sizeof(buf)), mac->addr_bytes[0], mac->addr_bytes[1],
		 mac->addr_bytes[2], mac->addr_bytes[3], mac->addr_bytes[4], mac->addr_bytes[5],
		 port);
	gw_fib_publish(g);
}

/* ---- transmit ------------------------------------------------------------- */

static void ctl_xmit(struct gw *g, struct rte_mbuf *m, uint16_t port)
{
	m->port = port;
	if (rte_ring_mp_enqueue(g->workers[0]->tx, m) != 0) {
		g->ctl.tx_full++;
		rte_pktmbuf_free(m);
	}
}

static struct rte_ether_hdr *push_eth(struct rte_mbuf *m, const struct rte_ether_addr *dst,
				      const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *eth = (void *)rte_pktmbuf_prepend(m, sizeof(*eth));

	if (eth == NULL)
		return NULL;
	eth->dst_addr = *dst;
	eth->src_addr = *src;
	eth->ether_type = rte_cpu_to_be_16(type);
	return eth;
}

static void arp_request(struct gw *g, uint16_t port, const uint8_t *ip)
{
	const uint8_t *src = port_addr(g, port, AF_INET, ip);
	struct rte_mbuf *m;
	struct rte_arp_hdr *arp;
	struct rte_ether_addr bcast;

	if (src == NULL || (m = rte_pktmbuf_alloc(g->pool)) == NULL)
		return;
	memset(&bcast, 0xff, sizeof(bcast));
	arp = (void *)rte_pktmbuf_append(m, sizeof(*arp));
	if (arp == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = g->fib->ports[port].mac;
	memcpy(&arp->arp_data.arp_sip, src, 4);
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	memcpy(&arp->arp_data.arp_tip, ip, 4);
	push_eth(m, &bcast, &g->fib->ports[port].mac, RTE_ETHER_TYPE_ARP);
	ctl_xmit(g, m, port);
}

/* Build an ICMPv6 ND message (NS or NA) with a link-layer option. */
static void nd_send(struct gw *g, uint16_t port, uint8_t type, const uint8_t *src,
		    const uint8_t *dst, const struct rte_ether_addr *dmac, const uint8_t *target,
		    uint32_t flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	struct rte_ipv6_hdr *ip6;
	struct nd_msg *nd;
	struct nd_opt_ll *opt;

	if (m == NULL)
		return;
	ip6 = (void *)rte_pktmbuf_append(m, sizeof(*ip6) + sizeof(*nd) + sizeof(*opt));
	if (ip6 == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	nd = (void *)(ip6 + 1);
	opt = (void *)(nd + 1);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(sizeof(*nd) + sizeof(*opt));
	ip6->proto = ESP_IPPROTO_ICMPV6;
	ip6->hop_limits = 255; /* RFC 4861 §7.1.1 */
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
	nd->type = type;
	nd->code = 0;
	nd->cksum = 0;
	nd->flags = rte_cpu_to_be_32(flags);
	memcpy(nd->target, target, 16);
	opt->type = type == ND_NEIGHBOR_SOLICIT ? ND_OPT_SOURCE_LL : ND_OPT_TARGET_LL;
	opt->len = 1;
	opt->mac = g->fib->ports[port].mac;
	nd->cksum = rte_ipv6_udptcp_cksum(ip6, nd);
	push_eth(m, dmac, &g->fib->ports[port].mac, RTE_ETHER_TYPE_IPV6);
	ctl_xmit(g, m, port);
}

static void nd_solicit(struct gw *g, uint16_t port, const uint8_t *ip)
{
	const uint8_t *src = port_addr(g, port, AF_INET6, ip);
	/* RFC 4291 §2.7.1: solicited-node multicast ff02::1:ffXX:XXXX. */
	uint8_t dst[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, ip[13], ip[14], ip[15] };
	struct rte_ether_addr dmac = {{ 0x33, 0x33, dst[12], dst[13], dst[14], dst[15] }};

	if (src != NULL)
		nd_send(g, port, ND_NEIGHBOR_SOLICIT, src, dst, &dmac, ip, 0);
}

static void resolve(struct gw *g, uint8_t family, const uint8_t *ip, uint16_t port)
{
	struct gw_neigh *n = neigh_get(g, family, ip, port);
	uint64_t now = gw_now_ms();

	if (n == NULL || (n->asked && now - n->asked < RESOLVE_RETRY_MS))
		return;
	n->asked = now;
	g->ctl.resolves++;
	if (family == AF_INET)
		arp_request(g, port, ip);
	else
		nd_solicit(g, port, ip);
}

void ctl_resolve_tick(struct gw *g)
{
	/* Resolve configured gateways ahead of traffic. */
	for (unsigned i = 0; i < g->cfg.n_routes; i++) {
		const struct cfg_route *r = &g->cfg.routes[i];
		uint16_t port = g->port_id[r->port];

		if (r->via.family == 0 ||
		    fib_neigh_lookup(g->fib, r->via.family, r->via.bytes, port) != NULL)
			continue;
		resolve(g, r->via.family, r->via.bytes, port);
	}
}

/* The next hop of @p dst and its MAC; starts resolution when unknown. */
static int next_hop(struct gw *g, uint8_t family, const uint8_t *dst, struct fib_hop *hop,
		    const struct rte_ether_addr **mac)
{
	if (fib_route(g->fib, family, dst, hop) != 0)
		return -EHOSTUNREACH;
	*mac = fib_neigh_lookup(g->fib, family, hop->nh, hop->port);
	if (*mac == NULL) {
		resolve(g, family, hop->nh, hop->port);
		return -EAGAIN;
	}
	return 0;
}

static const uint8_t *ip_dst_of(const uint8_t *p, uint8_t *family)
{
	*family = (p[0] >> 4) == 4 ? AF_INET : AF_INET6;
	return *family == AF_INET ? p + offsetof(struct rte_ipv4_hdr, dst_addr)
				  : p + offsetof(struct rte_ipv6_hdr, dst_addr);
}

void ctl_send_ip(struct gw *g, struct rte_mbuf *m)
{
	uint8_t family;
	const uint8_t *dst = ip_dst_of(rte_pktmbuf_mtod(m, const uint8_t *), &family);
	const struct rte_ether_addr *mac;
	struct fib_hop hop;

	if (next_hop(g, family, dst, &hop, &mac) != 0 ||
	    push_eth(m, mac, &g->fib->ports[hop.port].mac,
		     family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	ctl_xmit(g, m, hop.port);
}

struct frag_out {
	struct gw *g;
	const struct rte_ether_addr *mac;
	uint16_t port, type;
};

/* ipfrag_split()'s emit: one fragment (or the whole packet) in an mbuf. */
static int frag_xmit(void *arg, const uint8_t *hdr, size_t hdr_len, const uint8_t *data,
		     size_t data_len)
{
	struct frag_out *o = arg;
	struct rte_mbuf *m = rte_pktmbuf_alloc(o->g->pool);
	uint8_t *p;

	if (m == NULL)
		return -ENOMEM;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hdr_len + data_len));
	if (p == NULL || push_eth(m, o->mac, &o->g->fib->ports[o->port].mac, o->type) == NULL) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	memcpy(p, hdr, hdr_len);
	memcpy(p + hdr_len, data, data_len);
	ctl_xmit(o->g, m, o->port);
	return 0;
}

int ctl_send_ip_buf(struct gw *g, const uint8_t *pkt, size_t len)
{
	uint8_t family;
	const uint8_t *dst = ip_dst_of(pkt, &family);
	struct frag_out o = { .g = g };
	struct fib_hop hop;
	uint32_t mtu, room;
	int rc = next_hop(g, family, dst, &hop, &o.mac);

	if (rc != 0)
		return rc;
	o.port = hop.port;
	o.type = family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	/* The next hop's MTU, or what one mbuf holds behind the Ethernet
	 * header when that is less (a jumbo MTU over 2 KB mbufs). */
	room = rte_pktmbuf_data_room_size(g->pool) - RTE_PKTMBUF_HEADROOM;
	mtu = hop.mtu != 0 && hop.mtu < room ? hop.mtu : room;
	/* RFC 7739 §5.1: a random Identification per datagram */
	rc = ipfrag_split(pkt, len, mtu, (uint32_t)rte_rand(), frag_xmit, &o);
	if (rc > 1)
		g->ctl.frags_out += (uint64_t)rc;
	return rc;
}

/* ---- receive -------------------------------------------------------------- */

static void arp_input(struct gw *g, struct rte_mbuf *m, uint16_t port, uint16_t l2)
{
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, l2);
	uint8_t sip[4], tip[4];

	g->ctl.arp_in++;
	if (rte_pktmbuf_data_len(m) < l2 + sizeof(*arp) ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		goto out;
	memcpy(sip, &arp->arp_data.arp_sip, 4);
	memcpy(tip, &arp->arp_data.arp_tip, 4);
	neigh_learn(g, AF_INET, sip, port, &arp->arp_data.arp_sha);
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    fib_local_port(g->fib, AF_INET, tip) != (int)port)
		goto out;
	/* Answer in place (RFC 826 "swap fields"). */
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_sha = g->fib->ports[port].mac;
	memcpy(&arp->arp_data.arp_tip, sip, 4);
	memcpy(&arp->arp_data.arp_sip, tip, 4);
	eth->dst_addr = arp->arp_data.arp_tha;
	eth->src_addr = g->fib->ports[port].mac;
	g->ctl.arp_replies++;
	ctl_xmit(g, m, port);
	return;
out:
	rte_pktmbuf_free(m);
}

static void icmp4_input(struct gw *g, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t ihl = m->l3_len, len = rte_pktmbuf_data_len(m);
	struct rte_icmp_hdr *icmp;

	if (len < ihl + sizeof(*icmp) || ip->next_proto_id != ESP_IPPROTO_ICMP ||
	    (icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, ihl))->icmp_type !=
		    RTE_IP_ICMP_ECHO_REQUEST ||
	    (rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		g->ctl.ignored++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_be32_t a = ip->src_addr;

	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, len - ihl);
	g->ctl.echo_replies++;
	ctl_send_ip(g, m);
}

static void icmp6_input(struct gw *g, struct rte_mbuf *m, uint16_t port)
{
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint8_t *l4 = (uint8_t *)(ip6 + 1);
	uint32_t l4len = len - sizeof(*ip6);

	if (ip6->proto != ESP_IPPROTO_ICMPV6 || l4len < 8)
		goto ignore;
	if (l4[0] == ICMP6_ECHO_REQUEST && fib_is_local(g->fib, AF_INET6, ip6->dst_addr)) {
		uint8_t a[16];

		memcpy(a, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, a, 16);
		ip6->hop_limits = 64;
		l4[0] = ICMP6_ECHO_REPLY;
		l4[2] = l4[3] = 0;
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, l4);

		memcpy(l4 + 2, &ck, 2);
		g->ctl.echo_replies++;
		ctl_send_ip(g, m);
		return;
	}
	if ((l4[0] == ND_NEIGHBOR_SOLICIT || l4[0] == ND_NEIGHBOR_ADVERT) &&
	    l4len >= sizeof(struct nd_msg) && ip6->hop_limits == 255) {
		const struct nd_msg *nd = (const void *)l4;
		const struct nd_opt_ll *opt = NULL;

		g->ctl.nd_in++;
		/* Walk the options, bounds-checked (RFC 4861 §4.6). */
		for (uint32_t off = sizeof(*nd); off + 2 <= l4len;) {
			uint32_t olen = (uint32_t)l4[off + 1] * 8;

			if (olen == 0 || off + olen > l4len)
				break;
			if (olen == sizeof(*opt) &&
			    l4[off] == (nd->type == ND_NEIGHBOR_SOLICIT ? ND_OPT_SOURCE_LL : ND_OPT_TARGET_LL))
				opt = (const void *)(l4 + off);
			off += olen;
		}
		if (nd->type == ND_NEIGHBOR_ADVERT) {
			if (opt != NULL)
				neigh_learn(g, AF_INET6, nd->target, port, &opt->mac);
			goto ignore;
		}
		if (opt != NULL)
			neigh_learn(g, AF_INET6, ip6->src_addr, port, &opt->mac);
		if (fib_local_port(g->fib, AF_INET6, nd->target) != (int)port || opt == NULL)
			goto ignore;
		/* RFC 4861 §7.2.4: solicited advertisement to the asker. */
		uint8_t target[16], dst[16];
		struct rte_ether_addr dmac = opt->mac;

		memcpy(target, nd->target, 16);
		memcpy(dst, ip6->src_addr, 16);
		g->ctl.nd_replies++;
		nd_send(g, port, ND_NEIGHBOR_ADVERT, target, dst, &dmac, target,
			0x60000000u /* Solicited | Override */);
		goto ignore;
	}
ignore:
	g->ctl.ignored++;
	rte_pktmbuf_free(m);
}

/* RFC 1191 / RFC 8201: tell the sender the tunnel's MTU. */
static void too_big(struct gw *g, struct rte_mbuf *orig, uint32_t mtu)
{
	const uint8_t *p = rte_pktmbuf_mtod(orig, const uint8_t *);
	uint32_t olen = rte_pktmbuf_data_len(orig);
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	uint16_t in_port = pkt_meta(orig)->in_port;

	if (m == NULL)
		goto out;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *oip = (const void *)p;
		const uint8_t *src = port_addr(g, in_port, AF_INET, NULL);
		uint32_t q = RTE_MIN(olen, (uint32_t)ICMP_QUOTE_MAX);
		struct rte_ipv4_hdr *ip;
		struct rte_icmp_hdr *icmp;

		if (src == NULL)
			goto fail;
		ip = (void *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip) + sizeof(*icmp) + q));
		if (ip == NULL)
			goto fail;
		icmp = (void *)(ip + 1);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*icmp) + q));
		ip->time_to_live = 64;
		ip->next_proto_id = ESP_IPPROTO_ICMP;
		memcpy(&ip->src_addr, src, 4);
		ip->dst_addr = oip->src_addr;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		icmp->icmp_type = ICMP_DEST_UNREACH;
		icmp->icmp_code = 4; /* fragmentation needed and DF set */
		icmp->icmp_ident = 0;
		icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)mtu); /* next-hop MTU */
		memcpy(icmp + 1, p, q);
		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + q);
	} else {
		const struct rte_ipv6_hdr *oip = (const void *)p;
		const uint8_t *src = port_addr(g, in_port, AF_INET6, oip->src_addr);
		uint32_t q = RTE_MIN(olen, (uint32_t)(ICMP6_MTU_MIN - 48));
		struct rte_ipv6_hdr *ip6;
		uint8_t *icmp;

		if (src == NULL)
			goto fail;
		ip6 = (void *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip6) + 8 + q));
		if (ip6 == NULL)
			goto fail;
		icmp = (uint8_t *)(ip6 + 1);
		memset(ip6, 0, sizeof(*ip6));
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(8 + q));
		ip6->proto = ESP_IPPROTO_ICMPV6;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, src, 16);
		memcpy(ip6->dst_addr, oip->src_addr, 16);
		icmp[0] = ICMP6_PACKET_TOO_BIG;
		icmp[1] = 0;
		icmp[2] = icmp[3] = 0;
		rte_be32_t m32 = rte_cpu_to_be_32(RTE_MAX(mtu, (uint32_t)ICMP6_MTU_MIN));

		memcpy(icmp + 4, &m32, 4);
		memcpy(icmp + 8, p, q);
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, icmp);

		memcpy(icmp + 2, &ck, 2);
	}
	g->ctl.too_big_sent++;
	ctl_send_ip(g, m);
	goto out;
fail:
	rte_pktmbuf_free(m);
out:
	rte_pktmbuf_free(orig);
}

void ctl_punt(struct gw *g, struct rte_mbuf *m)
{
	uint32_t reason = m->hash.usr & 0xffff;
	struct pkt_meta *meta = pkt_meta(m);

	if (reason == PUNT_RESOLVE) {
		resolve(g, meta->nh_family, meta->nh, meta->out_port);
		rte_pktmbuf_free(m);
		return;
	}
	if (reason == PUNT_TOO_BIG) {
		too_big(g, m, m->hash.usr >> 16);
		return;
	}
	/* PUNT_LOCAL: the frame as received. */
	uint16_t port = meta->in_port, l2 = m->l2_len;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t type = eth->ether_type;

	if (l2 > sizeof(*eth))
		type = ((const struct rte_vlan_hdr *)(eth + 1))->eth_proto;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		arp_input(g, m, port, sizeof(*eth) + (l2 > sizeof(*eth) ? 4 : 0));
		return;
	}
	rte_pktmbuf_adj(m, l2);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		/* Fragments for us: IKE reassembles its datagrams (ike_punt.c). */
		if (ip->next_proto_id == ESP_IPPROTO_UDP ||
		    (ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
			g->ctl.ike_in++;
			ike_punt_input(g->ike_io, m);
			return;
		}
		icmp4_input(g, m);
		return;
	}
	const struct rte_ipv6_hdr *ip6 = (const void *)p;

	if (ip6->proto == ESP_IPPROTO_UDP || ip6->proto == IPPROTO_FRAGMENT) {
		g->ctl.ike_in++;
		ike_punt_input(g->ike_io, m);
		return;
	}
	icmp6_input(g, m, port);
}
