/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole worker pipeline in one process: two gateways (A and B), each a
 * worker with LAN and WAN ports backed by rte_rings, programmed through the
 * real ring driver. A clear frame from host A enters A's LAN, leaves A's
 * WAN as ESP, is fed to B's WAN, and must leave B's LAN as the original
 * packet (TTL less two), for every cipher, IV mode, ESN, NAT-T, IP family
 * combination and mode. Then the classifier's side paths: ARP, local
 * traffic, unresolved next hops, policy discard, TTL, labels, MTU.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dataplane/pktmeta.h"
#include "dataplane/worker.h"
#include "drivers/ipsec_ring.h"

static struct rte_mempool *pool;

struct gwsim {
	struct worker *w;
	struct worker *peers[1];
	struct drv_ipsec *drv;
	struct rte_rcu_qsbr *qsbr;
	IMB_MGR *mgr;
	uint16_t lan, wan;
	struct rte_ring *lan_tx, *wan_tx;
	struct fib *fib;
};

static struct gwsim A, B;

static const struct rte_ether_addr mac_a_lan = {{ 2, 0, 0, 0, 0xa, 1 }};
static const struct rte_ether_addr mac_a_wan = {{ 2, 0, 0, 0, 0xa, 2 }};
static const struct rte_ether_addr mac_b_lan = {{ 2, 0, 0, 0, 0xb, 1 }};
static const struct rte_ether_addr mac_b_wan = {{ 2, 0, 0, 0, 0xb, 2 }};
static const struct rte_ether_addr mac_host_a = {{ 2, 0, 0, 0, 0x1a, 1 }};
static const struct rte_ether_addr mac_host_b = {{ 2, 0, 0, 0, 0x1b, 1 }};

static void addr(struct esp_addr *a, const char *s)
{
	uint8_t plen;

	ck_assert_int_eq(esp_addr_parse(s, a, &plen), 0);
}

static uint16_t ring_port(const char *name, struct rte_ring **tx)
{
	char rn[32];
	struct rte_ring *rx;
	int port;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	rx = rte_ring_create(rn, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	*tx = rte_ring_create(rn, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	ck_assert_ptr_nonnull(rx);
	ck_assert_ptr_nonnull(*tx);
	port = rte_eth_from_rings(name, &rx, 1, tx, 1, 0);
	ck_assert_int_ge(port, 0);
	ck_assert_int_lt(port, FIB_PORTS_MAX);
	struct rte_eth_conf conf = {0};

	ck_assert_int_eq(rte_eth_dev_configure((uint16_t)port, 1, 1, &conf), 0);
	ck_assert_int_eq(rte_eth_rx_queue_setup((uint16_t)port, 0, 1024, 0, NULL, pool), 0);
	ck_assert_int_eq(rte_eth_tx_queue_setup((uint16_t)port, 0, 1024, 0, NULL), 0);
	ck_assert_int_eq(rte_eth_dev_start((uint16_t)port), 0);
	return (uint16_t)port;
}

static void fib_port(struct fib *f, uint16_t port, const struct rte_ether_addr *mac,
		     const char *a4, const char *a6, uint16_t mtu)
{
	struct fib_port *fp = &f->ports[port];

	fp->used = true;
	fp->mtu = mtu;
	fp->mac = *mac;
	esp_addr_parse(a4, &fp->addrs[0], &fp->plens[0]);
	esp_addr_parse(a6, &fp->addrs[1], &fp->plens[1]);
	fp->n_addrs = 2;
	for (int i = 0; i < 2; i++) {
		struct fib_route *r = &f->routes[f->n_routes++];

		r->family = fp->addrs[i].family;
		r->plen = fp->plens[i];
		r->port = port;
		memcpy(r->prefix, fp->addrs[i].bytes, 16);
	}
}

static void fib_route_via(struct fib *f, const char *dst, const char *via, uint16_t port)
{
	struct fib_route *r = &f->routes[f->n_routes++];
	struct esp_addr a;

	ck_assert_int_eq(esp_addr_parse(dst, &a, &r->plen), 0);
	r->family = a.family;
	memcpy(r->prefix, a.bytes, 16);
	addr(&a, via);
	r->has_via = true;
	memcpy(r->via, a.bytes, 16);
	r->port = port;
}

static void fib_neigh_add(struct fib *f, const char *ip, const struct rte_ether_addr *mac,
			  uint16_t port)
{
	struct fib_neigh *n = &f->neighs[f->n_neighs++];
	struct esp_addr a;

	addr(&a, ip);
	n->family = a.family;
	memcpy(n->ip, a.bytes, 16);
	n->mac = *mac;
	n->port = port;
}

static void publish_fib(struct gwsim *g)
{
	struct dp_msg msg = { .type = DP_MSG_FIB_SET, .obj = g->fib };

	ck_assert_int_eq(rte_ring_enqueue_elem(g->w->msgs, &msg, sizeof(msg)), 0);
	worker_apply_msgs(g->w);
}

/* Gateway X: LAN 10.X.0.254 / fd0X::254, WAN 192.0.2.X / 2001:db8::X. */
static void gwsim_init(struct gwsim *g, char tag, const struct rte_ether_addr *lan_mac,
		       const struct rte_ether_addr *wan_mac)
{
	char name[32], t[2] = { tag, 0 };
	int self = tag == 'a' ? 1 : 2, peer = 3 - self;
	char a4[32], a6[32], w4[32], w6[32], pd4[32], pd6[32], pv4[32], pv6[32], h4[32], h6[32];

	g->qsbr = rte_zmalloc("q", rte_rcu_qsbr_get_memsize(1), 64);
	rte_rcu_qsbr_init(g->qsbr, 1);
	struct worker_conf wc = { .tag = t, .id = 0, .n_workers = 1, .sad_entries = 1024,
				  .qsbr = g->qsbr, .pool = pool, .peers = g->peers };

	g->w = worker_create(&wc);
	ck_assert_ptr_nonnull(g->w);
	g->peers[0] = g->w;
	g->mgr = alloc_mb_mgr(0);
	init_mb_mgr_auto(g->mgr, NULL);
	g->drv = drv_ipsec_ring_create(g->peers, 1, g->qsbr, g->mgr, 1024);
	ck_assert_ptr_nonnull(g->drv);
	snprintf(name, sizeof(name), "%s_lan", t);
	g->lan = ring_port(name, &g->lan_tx);
	snprintf(name, sizeof(name), "%s_wan", t);
	g->wan = ring_port(name, &g->wan_tx);

	g->fib = fib_alloc(16, 8, 4);
	snprintf(a4, sizeof(a4), "10.%d.0.254/24", self);
	snprintf(a6, sizeof(a6), "fd0%d::254/64", self);
	snprintf(w4, sizeof(w4), "192.0.2.%d/24", self);
	snprintf(w6, sizeof(w6), "2001:db8::%d/64", self);
	fib_port(g->fib, g->lan, lan_mac, a4, a6, 1500);
	fib_port(g->fib, g->wan, wan_mac, w4, w6, 1500);
	snprintf(pd4, sizeof(pd4), "10.%d.0.0/24", peer);
	snprintf(pd6, sizeof(pd6), "fd0%d::/64", peer);
	snprintf(pv4, sizeof(pv4), "192.0.2.%d", peer);
	snprintf(pv6, sizeof(pv6), "2001:db8::%d", peer);
	fib_route_via(g->fib, pd4, pv4, g->wan);
	fib_route_via(g->fib, pd6, pv6, g->wan);
	fib_sort_routes(g->fib);
	fib_neigh_add(g->fib, pv4, tag == 'a' ? &mac_b_wan : &mac_a_wan, g->wan);
	fib_neigh_add(g->fib, pv6, tag == 'a' ? &mac_b_wan : &mac_a_wan, g->wan);
	snprintf(h4, sizeof(h4), "10.%d.0.1", self);
	snprintf(h6, sizeof(h6), "fd0%d::1", self);
	fib_neigh_add(g->fib, h4, tag == 'a' ? &mac_host_a : &mac_host_b, g->lan);
	fib_neigh_add(g->fib, h6, tag == 'a' ? &mac_host_a : &mac_host_b, g->lan);
	g->fib->natt_ports[g->fib->n_natt_ports++] = 4500;
	publish_fib(g);
}

static void setup(void)
{
	char *argv[] = { "test_pipeline", "--no-huge", "--no-pci", "-m", "256", "--no-telemetry",
			 "--file-prefix", "test_pipeline", "-l", "0", "--log-level", "error", NULL };

	ck_assert_int_ge(rte_eal_init(12, argv), 0);
	ck_assert_int_eq(pkt_meta_register(), 0);
	pool = rte_pktmbuf_pool_create("pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ck_assert_ptr_nonnull(pool);
	gwsim_init(&A, 'a', &mac_a_lan, &mac_a_wan);
	gwsim_init(&B, 'b', &mac_b_lan, &mac_b_wan);
}

/* ---- frames ----------------------------------------------------------- */

/* An Ethernet frame from host A: UDP to host B with a patterned payload. */
static struct rte_mbuf *udp_frame(int family, const struct rte_ether_addr *dst_mac,
				  const char *src, const char *dst, uint16_t dport,
				  uint32_t payload, uint16_t vlan, bool df)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t l3 = family == AF_INET ? 20 : 40, l2 = vlan ? 18 : 14;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + l3 + 8 + payload));
	struct rte_ether_hdr *eth = (void *)p;
	struct esp_addr s, d;
	struct rte_udp_hdr *udp;

	ck_assert_ptr_nonnull(p);
	addr(&s, src);
	addr(&d, dst);
	eth->dst_addr = *dst_mac;
	eth->src_addr = mac_host_a;
	uint16_t etype = rte_cpu_to_be_16(family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);

	if (vlan) {
		struct rte_vlan_hdr *vh = (void *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(vlan);
		vh->eth_proto = etype;
	} else {
		eth->ether_type = etype;
	}
	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (void *)(p + l2);

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + 8 + payload));
		ip->packet_id = rte_cpu_to_be_16(0x1234);
		ip->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, s.bytes, 4);
		memcpy(&ip->dst_addr, d.bytes, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (void *)(p + l2);

		memset(ip6, 0, sizeof(*ip6));
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(8 + payload));
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, s.bytes, 16);
		memcpy(ip6->dst_addr, d.bytes, 16);
	}
	udp = (void *)(p + l2 + l3);
	udp->src_port = rte_cpu_to_be_16(40000);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + payload));
	udp->dgram_cksum = 0;
	for (uint32_t i = 0; i < payload; i++)
		((uint8_t *)(udp + 1))[i] = (uint8_t)(i * 7 + dport);
	return m;
}

static struct rte_mbuf *run(struct gwsim *g, uint16_t in_port, struct rte_mbuf *m,
			    struct rte_ring *out)
{
	struct rte_mbuf *res = NULL;

	worker_process_burst(g->w, in_port, &m, 1);
	worker_flush(g->w);
	if (rte_ring_dequeue(out, (void **)&res) != 0)
		return NULL;
	return res;
}

static unsigned drain(struct rte_ring *r)
{
	struct rte_mbuf *m;
	unsigned n = 0;

	while (rte_ring_dequeue(r, (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

/* ---- SAs -------------------------------------------------------------- */

struct combo {
	enum esp_cipher cipher;
	uint32_t flags;
	enum esp_mode mode;
	int inner, outer;
};

static void sa_params(struct esp_sa_params *p, const struct combo *c, uint32_t spi,
		      enum esp_dir dir, bool a_to_b)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->dir = dir;
	p->mode = c->mode;
	p->cipher = c->cipher;
	p->flags = c->flags;
	for (int i = 0; i < 32; i++)
		p->key[i] = (uint8_t)(i + spi);
	memcpy(p->salt, "\x01\x02\x03\x04", 4);
	p->replay_window = 64;
	p->natt_sport = p->natt_dport = 4500;
	const char *src = c->inner == AF_INET ? "10.1.0.0/24" : "fd01::/64";
	const char *dst = c->inner == AF_INET ? "10.2.0.0/24" : "fd02::/64";
	const char *ea, *eb;

	if (c->mode == ESP_MODE_TUNNEL) {
		ea = c->outer == AF_INET ? "192.0.2.1" : "2001:db8::1";
		eb = c->outer == AF_INET ? "192.0.2.2" : "2001:db8::2";
	} else {
		ea = c->inner == AF_INET ? "10.1.0.1" : "fd01::1";
		eb = c->inner == AF_INET ? "10.2.0.1" : "fd02::1";
	}
	/* A's outbound and B's inbound describe the same SA. */
	bool at_a = (dir == ESP_DIR_OUT) == a_to_b;

	addr(&p->local, at_a ? ea : eb);
	addr(&p->remote, at_a ? eb : ea);
	struct esp_addr s, d;
	uint8_t sl, dl;

	esp_addr_parse(src, &s, &sl);
	esp_addr_parse(dst, &d, &dl);
	p->sel.family = (uint8_t)c->inner;
	memcpy(p->sel.src, s.bytes, 16);
	memcpy(p->sel.dst, d.bytes, 16);
	p->sel.src_len = sl;
	p->sel.dst_len = dl;
	p->sel.sport_hi = p->sel.dport_hi = 0xffff;
}

static void install(const struct combo *c, uint32_t spi)
{
	struct esp_sa_params out, in;
	struct drv_policy pol = { .id = spi, .priority = 10, .action = SPD_PROTECT, .sa_spi = spi };

	sa_params(&out, c, spi, ESP_DIR_OUT, true);
	sa_params(&in, c, spi, ESP_DIR_IN, true);
	ck_assert_int_eq(drv_sa_add(A.drv, &out), 0);
	ck_assert_int_eq(drv_sa_add(B.drv, &in), 0);
	pol.sel = out.sel;
	ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
	worker_apply_msgs(A.w);
	worker_apply_msgs(B.w);
}

static void uninstall(uint32_t spi)
{
	ck_assert_int_eq(drv_policy_del(A.drv, spi), 0);
	ck_assert_int_eq(drv_sa_del(A.drv, spi, ESP_DIR_OUT), 0);
	ck_assert_int_eq(drv_sa_del(B.drv, spi, ESP_DIR_IN), 0);
	worker_apply_msgs(A.w);
	worker_apply_msgs(B.w);
	A.drv->ops->poll(A.drv);
	A.drv->ops->poll(A.drv);
	B.drv->ops->poll(B.drv);
	B.drv->ops->poll(B.drv);
}

/* The packet B delivers must be the one A got, TTL/hop limit less 2. */
static void check_delivered(struct rte_mbuf *sent_copy, struct rte_mbuf *got, int family)
{
	const uint8_t *a = rte_pktmbuf_mtod_offset(sent_copy, const uint8_t *, 14);
	const uint8_t *b = rte_pktmbuf_mtod_offset(got, const uint8_t *, 14);
	uint32_t len = rte_pktmbuf_data_len(sent_copy) - 14;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(got, const struct rte_ether_hdr *);

	ck_assert(rte_is_same_ether_addr(&eth->dst_addr, &mac_host_b));
	ck_assert(rte_is_same_ether_addr(&eth->src_addr, &mac_b_lan));
	ck_assert_uint_eq(rte_pktmbuf_data_len(got) - 14, len);
	if (family == AF_INET) {
		ck_assert_uint_eq(b[8], a[8] - 2);           /* TTL */
		ck_assert_mem_eq(a, b, 8);
		ck_assert_mem_eq(a + 12, b + 12, len - 12);
		ck_assert_uint_eq(rte_ipv4_cksum((const struct rte_ipv4_hdr *)b), 0);
	} else {
		ck_assert_uint_eq(b[7], a[7] - 2);           /* hop limit */
		ck_assert_mem_eq(a, b, 7);
		ck_assert_mem_eq(a + 8, b + 8, len - 8);
	}
}

static const enum esp_cipher ciphers[] = {
	ESP_CIPHER_AES128_GCM16, ESP_CIPHER_AES256_GCM16, ESP_CIPHER_CHACHA20_POLY1305,
};

START_TEST(every_combination_round_trips)
{
	uint32_t spi = 0x1000, n = 0;

	for (unsigned ci = 0; ci < 3; ci++)
	for (uint32_t fl = 0; fl < 8; fl++)   /* ESN, IIV, NATT */
	for (int mode = 0; mode < 2; mode++)
	for (int inner = 0; inner < 2; inner++)
	for (int outer = 0; outer < 2; outer++) {
		struct combo c = {
			.cipher = ciphers[ci], .flags = fl, .mode = (enum esp_mode)mode,
			.inner = inner ? AF_INET6 : AF_INET, .outer = outer ? AF_INET6 : AF_INET,
		};

		if (mode == ESP_MODE_TRANSPORT && outer != inner)
			continue; /* transport: outer is the inner header */
		install(&c, ++spi);
		static const uint32_t sizes[] = { 0, 1, 467, 1300 };

		for (unsigned si = 0; si < RTE_DIM(sizes); si++) {
			uint32_t size = sizes[si];
			struct rte_mbuf *m = udp_frame(c.inner, &mac_a_lan,
				c.inner == AF_INET ? "10.1.0.1" : "fd01::1",
				c.inner == AF_INET ? "10.2.0.1" : "fd02::1", 5000, size, 0, true);
			struct rte_mbuf *copy = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
			struct rte_mbuf *esp = run(&A, A.lan, m, A.wan_tx);

			ck_assert_msg(esp != NULL, "A sent nothing: cipher %u flags %u mode %d %d/%d size %u",
				      ci, fl, mode, inner, outer, size);
			const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(esp, const struct rte_ether_hdr *);

			ck_assert(rte_is_same_ether_addr(&eth->dst_addr, &mac_b_wan));
			struct rte_mbuf *clear = run(&B, B.wan, esp, B.lan_tx);

			ck_assert_msg(clear != NULL, "B delivered nothing: cipher %u flags %u mode %d %d/%d size %u",
				      ci, fl, mode, inner, outer, size);
			check_delivered(copy, clear, c.inner);
			rte_pktmbuf_free(copy);
			rte_pktmbuf_free(clear);
			n++;
		}
		uninstall(spi);
	}
	ck_assert_uint_eq(n, 3 * 8 * 6 * 4);
	ck_assert_uint_eq(drain(A.wan_tx) + drain(B.lan_tx), 0);
}
END_TEST

static uint64_t drops(struct gwsim *g, enum esp_drop why)
{
	return g->w->ctx.drops[why];
}

START_TEST(side_paths_are_punted_or_counted)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct rte_mbuf *m, *p;

	install(&c, 0x7001);
	/* Traffic to the gateway itself goes to the control thread. */
	m = udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.1.0.254", 500, 100, 0, true);
	ck_assert_ptr_null(run(&A, A.lan, m, A.wan_tx));
	ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
	ck_assert_uint_eq(p->hash.usr, PUNT_LOCAL);
	rte_pktmbuf_free(p);

	/* No policy matches: default discard. */
	uint64_t before = drops(&A, ESP_DROP_SPD_NOMATCH);

	m = udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0, true);
	ck_assert_ptr_null(run(&A, A.lan, m, A.wan_tx));
	ck_assert_uint_eq(drops(&A, ESP_DROP_SPD_NOMATCH), before + 1);

	/* TTL 1 cannot be forwarded. */
	m = udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 100, 0, true);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	ip->time_to_live = 1;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	before = drops(&A, ESP_DROP_TTL);
	ck_assert_ptr_null(run(&A, A.lan, m, A.wan_tx));
	ck_assert_uint_eq(drops(&A, ESP_DROP_TTL), before + 1);

	/* Unknown SPI at B. */
	m = udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 100, 0, true);
	struct rte_mbuf *esp = run(&A, A.lan, m, A.wan_tx);

	ck_assert_ptr_nonnull(esp);
	uint8_t *spi = rte_pktmbuf_mtod_offset(esp, uint8_t *, 14 + 20);

	spi[3] ^= 0x55;
	before = drops(&B, ESP_DROP_NO_SA);
	ck_assert_ptr_null(run(&B, B.wan, esp, B.lan_tx));
	ck_assert_uint_eq(drops(&B, ESP_DROP_NO_SA), before + 1);

	/* An IPv4 packet with DF clear that does not fit is pre-fragmented;
	 * with DF set the sender gets told (punt for ICMP). */
	m = udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 1472, 0, false);
	worker_process_burst(A.w, A.lan, &m, 1);
	worker_flush(A.w);
	ck_assert_uint_eq(rte_ring_count(A.wan_tx), 2);
	struct rte_mbuf *frags[2];
	uint32_t got = 0;

	ck_assert_uint_eq(rte_ring_dequeue_bulk(A.wan_tx, (void **)frags, 2, NULL), 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_le(rte_pktmbuf_data_len(frags[i]) - 14, 1500);
		struct rte_mbuf *f = run(&B, B.wan, frags[i], B.lan_tx);

		ck_assert_ptr_nonnull(f);
		got += rte_pktmbuf_data_len(f) - 14 - 20;
		rte_pktmbuf_free(f);
	}
	ck_assert_uint_eq(got, 8 + 1472);
	m = udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 1472, 0, true);
	before = drops(&A, ESP_DROP_TOO_BIG);
	ck_assert_ptr_null(run(&A, A.lan, m, A.wan_tx));
	ck_assert_uint_eq(drops(&A, ESP_DROP_TOO_BIG), before + 1);
	ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
	ck_assert_uint_eq(p->hash.usr & 0xffff, PUNT_TOO_BIG);
	ck_assert_uint_lt(p->hash.usr >> 16, 1500 - 50);
	rte_pktmbuf_free(p);
	uninstall(0x7001);
}
END_TEST

START_TEST(labels_follow_the_sa)
{
	struct combo c = { ESP_CIPHER_CHACHA20_POLY1305, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct esp_sa_params out, in;
	struct drv_policy pol = { .id = 1, .priority = 1, .action = SPD_PROTECT, .sa_spi = 0x8001 };

	/* VLAN 100 on A's LAN is label 1; B maps label 1 to VLAN 200. */
	A.fib->labels[A.fib->n_labels++] = (struct fib_label){ 1, A.lan, 100 };
	A.fib->ports[A.lan].has_labels = true;
	B.fib->labels[B.fib->n_labels++] = (struct fib_label){ 1, B.lan, 200 };
	B.fib->ports[B.lan].has_labels = true;
	sa_params(&out, &c, 0x8001, ESP_DIR_OUT, true);
	sa_params(&in, &c, 0x8001, ESP_DIR_IN, true);
	out.sel.label = in.sel.label = 1;
	out.label = in.label = 1;
	ck_assert_int_eq(drv_sa_add(A.drv, &out), 0);
	ck_assert_int_eq(drv_sa_add(B.drv, &in), 0);
	pol.sel = out.sel;
	ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
	worker_apply_msgs(A.w);
	worker_apply_msgs(B.w);

	/* Unlabeled traffic does not match the labeled policy. */
	uint64_t before = drops(&A, ESP_DROP_SPD_NOMATCH);
	struct rte_mbuf *m = udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 64, 0, true);

	ck_assert_ptr_null(run(&A, A.lan, m, A.wan_tx));
	ck_assert_uint_eq(drops(&A, ESP_DROP_SPD_NOMATCH), before + 1);

	m = udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 64, 100, true);
	struct rte_mbuf *esp = run(&A, A.lan, m, A.wan_tx);

	ck_assert_ptr_nonnull(esp);
	/* The WAN side carries no tag: the label lives in the SA. */
	ck_assert_uint_eq(rte_pktmbuf_mtod(esp, struct rte_ether_hdr *)->ether_type,
			  rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	struct rte_mbuf *clear = run(&B, B.wan, esp, B.lan_tx);

	ck_assert_ptr_nonnull(clear);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(clear, const struct rte_ether_hdr *);
	const struct rte_vlan_hdr *vh = (const void *)(eth + 1);

	ck_assert_uint_eq(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN));
	ck_assert_uint_eq(rte_be_to_cpu_16(vh->vlan_tci) & 0xfff, 200);
	rte_pktmbuf_free(clear);
	A.fib->n_labels = B.fib->n_labels = 0;
	A.fib->ports[A.lan].has_labels = B.fib->ports[B.lan].has_labels = false;
	ck_assert_int_eq(drv_policy_del(A.drv, 1), 0);
	ck_assert_int_eq(drv_sa_del(A.drv, 0x8001, ESP_DIR_OUT), 0);
	ck_assert_int_eq(drv_sa_del(B.drv, 0x8001, ESP_DIR_IN), 0);
	worker_apply_msgs(A.w);
	worker_apply_msgs(B.w);
}
END_TEST

START_TEST(sa_update_keeps_the_sequence)
{
	struct combo c = { ESP_CIPHER_AES256_GCM16, ESP_SA_F_ESN, ESP_MODE_TUNNEL, AF_INET6, AF_INET };
	struct esp_sa_params out;

	install(&c, 0x9001);
	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *m = udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 10, 0, true);
		struct rte_mbuf *esp = run(&A, A.lan, m, A.wan_tx);

		ck_assert_ptr_nonnull(esp);
		rte_pktmbuf_free(run(&B, B.wan, esp, B.lan_tx));
	}
	/* Update (e.g. a new lifetime) while "traffic flows": the owner
	 * moves the counter, so the next packet is number 4, not 1. */
	sa_params(&out, &c, 0x9001, ESP_DIR_OUT, true);
	out.hard.packets = 1000;
	ck_assert_int_eq(drv_sa_update(A.drv, &out), 0);
	worker_apply_msgs(A.w);
	struct rte_mbuf *m = udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 10, 0, true);
	struct rte_mbuf *esp = run(&A, A.lan, m, A.wan_tx);

	ck_assert_ptr_nonnull(esp);
	const uint8_t *seq = rte_pktmbuf_mtod_offset(esp, const uint8_t *, 14 + 20 + 4);

	ck_assert_uint_eq((uint32_t)seq[0] << 24 | seq[1] << 16 | seq[2] << 8 | seq[3], 4);
	struct rte_mbuf *clear = run(&B, B.wan, esp, B.lan_tx);

	ck_assert_ptr_nonnull(clear);
	rte_pktmbuf_free(clear);
	uninstall(0x9001);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("worker");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_combination_round_trips);
	tcase_add_test(tc, side_paths_are_punted_or_counted);
	tcase_add_test(tc, labels_follow_the_sa);
	tcase_add_test(tc, sa_update_keeps_the_sequence);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
