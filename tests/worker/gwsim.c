/* SPDX-License-Identifier: BSD-3-Clause */
/* Two simulated gateways in one process: see gwsim.h. */
#include "tests/worker/gwsim_check.h"
#include <stdio.h>
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
#include "drivers/ipsec_ring.h"
#include "tests/worker/gwsim.h"

struct rte_mempool *gwsim_pool;

struct gwsim A, B;

const struct rte_ether_addr mac_a_lan = {{ 2, 0, 0, 0, 0xa, 1 }};
const struct rte_ether_addr mac_a_wan = {{ 2, 0, 0, 0, 0xa, 2 }};
const struct rte_ether_addr mac_b_lan = {{ 2, 0, 0, 0, 0xb, 1 }};
const struct rte_ether_addr mac_b_wan = {{ 2, 0, 0, 0, 0xb, 2 }};
const struct rte_ether_addr mac_host_a = {{ 2, 0, 0, 0, 0x1a, 1 }};
const struct rte_ether_addr mac_host_b = {{ 2, 0, 0, 0, 0x1b, 1 }};

void gwsim_addr(struct esp_addr *a, const char *s)
{
	uint8_t plen;

	ck_assert_int_eq(esp_addr_parse(s, a, &plen), 0);
}

/* A port whose queue q receives from rx[q] and transmits into tx[q]. */
static uint16_t ring_port(const char *name, uint16_t nq, struct rte_ring **rx,
			  struct rte_ring **tx)
{
	char rn[32];
	int port;

	for (uint16_t q = 0; q < nq; q++) {
		snprintf(rn, sizeof(rn), "%s_rx%u", name, q);
		rx[q] = rte_ring_create(rn, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "%s_tx%u", name, q);
		tx[q] = rte_ring_create(rn, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		ck_assert_ptr_nonnull(rx[q]);
		ck_assert_ptr_nonnull(tx[q]);
	}
	port = rte_eth_from_rings(name, rx, nq, tx, nq, 0);
	ck_assert_int_ge(port, 0);
	ck_assert_int_lt(port, FIB_PORTS_MAX);
	struct rte_eth_conf conf = {0};

	ck_assert_int_eq(rte_eth_dev_configure((uint16_t)port, nq, nq, &conf), 0);
	for (uint16_t q = 0; q < nq; q++) {
		ck_assert_int_eq(rte_eth_rx_queue_setup((uint16_t)port, q, 1024, 0, NULL, gwsim_pool), 0);
		ck_assert_int_eq(rte_eth_tx_queue_setup((uint16_t)port, q, 1024, 0, NULL), 0);
	}
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
	gwsim_addr(&a, via);
	r->has_via = true;
	memcpy(r->via, a.bytes, 16);
	r->port = port;
}

static void fib_neigh_add(struct fib *f, const char *ip, const struct rte_ether_addr *mac,
			  uint16_t port)
{
	struct fib_neigh *n = &f->neighs[f->n_neighs++];
	struct esp_addr a;

	gwsim_addr(&a, ip);
	n->family = a.family;
	memcpy(n->ip, a.bytes, 16);
	n->mac = *mac;
	n->port = port;
}

static void publish_fib(struct gwsim *g)
{
	struct dp_msg msg = { .type = DP_MSG_FIB_SET, .obj = g->fib };

	for (uint16_t w = 0; w < g->n_workers; w++) {
		ck_assert_int_eq(rte_ring_enqueue_elem(g->peers[w]->msgs, &msg, sizeof(msg)), 0);
		worker_apply_msgs(g->peers[w]);
	}
}

void gwsim_wan_neigh(struct gwsim *g, const char *ip, const struct rte_ether_addr *mac)
{
	fib_neigh_add(g->fib, ip, mac, g->wan);
	publish_fib(g);
}

void gwsim_lan_neigh(struct gwsim *g, const char *ip, const struct rte_ether_addr *mac)
{
	fib_neigh_add(g->fib, ip, mac, g->lan);
	publish_fib(g);
}

/* @p g's FIB, changed in place, published as a new snapshot would be:
 * its own addresses taken anew and an empty forwarding memo. */
static void publish_changed_fib(struct gwsim *g)
{
	for (unsigned w = 0; w < FIB_FWD_WORKERS; w++)
		g->fib->locals[w].built = 0;
	memset(g->fib->fwd, 0, (size_t)FIB_FWD_WORKERS * FIB_FWD_ENTRIES * sizeof(struct fib_fwd));
	publish_fib(g);
}

void gwsim_lan_hosts_move(struct gwsim *g, const struct rte_ether_addr *mac)
{
	for (uint32_t i = 0; i < g->fib->n_neighs; i++)
		if (g->fib->neighs[i].port == g->lan)
			g->fib->neighs[i].mac = *mac;
	publish_changed_fib(g);
}

void gwsim_lan_addr(struct gwsim *g, const char *ip)
{
	struct fib_port *fp = &g->fib->ports[g->lan];

	fp->n_addrs = 2;
	if (ip != NULL) {
		gwsim_addr(&fp->addrs[2], ip);
		fp->plens[2] = fp->addrs[2].family == AF_INET ? 32 : 128;
		fp->n_addrs = 3;
	}
	publish_changed_fib(g);
}

/* Gateway X: LAN 10.X.0.254 / fd0X::254, WAN 192.0.2.X / 2001:db8::X.
 * Tags 'a' and 'b' are the two ends; others are extra copies of A. */
void gwsim_init(struct gwsim *g, char tag, uint16_t n_workers)
{
	char name[32], t[2] = { tag, 0 };
	int self = tag == 'b' ? 2 : 1, peer = 3 - self;
	const struct rte_ether_addr *lan_mac = self == 1 ? &mac_a_lan : &mac_b_lan;
	const struct rte_ether_addr *wan_mac = self == 1 ? &mac_a_wan : &mac_b_wan;
	char a4[32], a6[32], w4[32], w6[32], pd4[32], pd6[32], pv4[32], pv6[32], h4[32], h6[32];

	g->n_workers = n_workers;
	g->qsbr = rte_zmalloc("q", rte_rcu_qsbr_get_memsize(n_workers), 64);
	rte_rcu_qsbr_init(g->qsbr, n_workers);
	for (uint16_t w = 0; w < n_workers; w++) {
		struct worker_conf wc = { .tag = t, .id = w, .n_workers = n_workers,
					  .sad_entries = 1024, .qsbr = g->qsbr,
					  .pool = gwsim_pool, .peers = g->peers };

		g->peers[w] = worker_create(&wc);
		ck_assert_ptr_nonnull(g->peers[w]);
	}
	g->w = g->peers[0];
	g->mgr = alloc_mb_mgr(0);
	init_mb_mgr_auto(g->mgr, NULL);
	g->drv = drv_ipsec_ring_create(g->peers, n_workers, g->qsbr, g->mgr, 1024);
	ck_assert_ptr_nonnull(g->drv);
	snprintf(name, sizeof(name), "%s_lan", t);
	g->lan = ring_port(name, n_workers, g->lan_rx, g->lan_tx);
	snprintf(name, sizeof(name), "%s_wan", t);
	g->wan = ring_port(name, n_workers, g->wan_rx, g->wan_tx);

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
	fib_neigh_add(g->fib, pv4, self == 1 ? &mac_b_wan : &mac_a_wan, g->wan);
	fib_neigh_add(g->fib, pv6, self == 1 ? &mac_b_wan : &mac_a_wan, g->wan);
	snprintf(h4, sizeof(h4), "10.%d.0.1", self);
	snprintf(h6, sizeof(h6), "fd0%d::1", self);
	fib_neigh_add(g->fib, h4, self == 1 ? &mac_host_a : &mac_host_b, g->lan);
	fib_neigh_add(g->fib, h6, self == 1 ? &mac_host_a : &mac_host_b, g->lan);
	g->fib->natt_ports[g->fib->n_natt_ports++] = 4500;
	publish_fib(g);
}

void gwsim_setup(const char *prefix)
{
	/* --no-shconf: no shared config file, so that a run of the same test
	 * elsewhere (the ASan build's, a fuzzer's) does not meet this one */
	char *argv[] = { "gwsim", "--no-huge", "--no-pci", "-m", "256", "--no-telemetry",
			 "--no-shconf", "--file-prefix", (char *)prefix, "-l", "0",
			 "--log-level", "error", NULL };

	ck_assert_int_ge(rte_eal_init((int)RTE_DIM(argv) - 1, argv), 0);
	ck_assert_int_eq(pkt_meta_register(), 0);
	gwsim_pool = rte_pktmbuf_pool_create("gwsim_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ck_assert_ptr_nonnull(gwsim_pool);
	gwsim_init(&A, 'a', 1);
	gwsim_init(&B, 'b', 1);
}

/* ---- frames ----------------------------------------------------------- */

/* An Ethernet frame from host A: UDP to host B with a patterned payload. */
struct rte_mbuf *gwsim_udp_frame(int family, const struct rte_ether_addr *dst_mac,
				  const char *src, const char *dst, uint16_t dport,
				  uint32_t payload, uint16_t vlan, bool df)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(gwsim_pool);
	uint32_t l3 = family == AF_INET ? 20 : 40, l2 = vlan ? 18 : 14;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + l3 + 8 + payload));
	struct rte_ether_hdr *eth = (void *)p;
	struct esp_addr s, d;
	struct rte_udp_hdr *udp;

	ck_assert_ptr_nonnull(p);
	gwsim_addr(&s, src);
	gwsim_addr(&d, dst);
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

struct rte_mbuf *gwsim_run(struct gwsim *g, uint16_t in_port, struct rte_mbuf *m,
			    struct rte_ring *out)
{
	struct rte_mbuf *res = NULL;

	worker_process_burst(g->w, in_port, &m, 1);
	worker_flush(g->w);
	if (rte_ring_dequeue(out, (void **)&res) != 0)
		return NULL;
	return res;
}

unsigned gwsim_drain(struct rte_ring *r)
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

void gwsim_sa_params(struct esp_sa_params *p, const struct combo *c, uint32_t spi,
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

	gwsim_addr(&p->local, at_a ? ea : eb);
	gwsim_addr(&p->remote, at_a ? eb : ea);
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

void gwsim_policy_add(const struct combo *c, uint32_t spi)
{
	struct drv_policy pol = { .id = spi, .priority = 10, .action = SPD_PROTECT, .sa_spi = spi };
	struct esp_sa_params out;

	gwsim_sa_params(&out, c, spi, ESP_DIR_OUT, true);
	pol.sel = out.sel;
	ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
	worker_apply_msgs(A.w);
}

void gwsim_install(const struct combo *c, uint32_t spi)
{
	struct esp_sa_params out, in;

	gwsim_sa_params(&out, c, spi, ESP_DIR_OUT, true);
	gwsim_sa_params(&in, c, spi, ESP_DIR_IN, true);
	ck_assert_int_eq(drv_sa_add(A.drv, &out), 0);
	ck_assert_int_eq(drv_sa_add(B.drv, &in), 0);
	gwsim_policy_add(c, spi);
	worker_apply_msgs(B.w);
}

void gwsim_uninstall(uint32_t spi)
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


void gwsim_free(struct gwsim *g)
{
	drv_ipsec_ring_destroy(g->drv);
	for (uint16_t w = 0; w < g->n_workers; w++)
		worker_destroy(g->peers[w]);
	free_mb_mgr(g->mgr);
	fib_free(g->fib);
	rte_free(g->qsbr);
	memset(g, 0, sizeof(*g));
}

void gwsim_teardown(void)
{
	gwsim_free(&A);
	gwsim_free(&B);
}

unsigned gwsim_sweep(struct gwsim *g)
{
	unsigned n = 0;

	for (uint16_t w = 0; w < g->n_workers; w++) {
		struct worker *wk = g->peers[w];

		worker_flush(wk);
		n += gwsim_drain(wk->punt) + gwsim_drain(wk->tx) + gwsim_drain(wk->handoff);
		n += gwsim_drain(g->lan_rx[w]) + gwsim_drain(g->wan_rx[w]);
		n += gwsim_drain(g->lan_tx[w]) + gwsim_drain(g->wan_tx[w]);
	}
	if (n > 0)
		fprintf(stderr, "gwsim: %u packets left behind by the test, freed\n", n);
	return n;
}

void gwsim_quiesce(void)
{
	gwsim_sweep(&A);
	gwsim_sweep(&B);
}

void gwsim_check_delivered(struct rte_mbuf *sent_copy, struct rte_mbuf *got, int family)
{
	const uint8_t *a = rte_pktmbuf_mtod_offset(sent_copy, const uint8_t *, 14);
	const uint8_t *b = rte_pktmbuf_mtod_offset(got, const uint8_t *, 14);
	uint32_t len = rte_pktmbuf_data_len(sent_copy) - 14;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(got, const struct rte_ether_hdr *);

	ck_assert(rte_is_same_ether_addr(&eth->dst_addr, &mac_host_b));
	ck_assert(rte_is_same_ether_addr(&eth->src_addr, &mac_b_lan));
	ck_assert_uint_eq(rte_be_to_cpu_16(eth->ether_type),
			  family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
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

uint64_t gwsim_drops(struct gwsim *g, enum esp_drop why)
{
	return g->w->ctx.drops[why];
}

void gwsim_add_ip4_options(struct rte_mbuf *m)
{
	uint8_t *q = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	struct rte_ipv4_hdr *ip;

	ck_assert_ptr_nonnull(q);
	memmove(q, q + 4, 14 + 20);
	memset(q + 14 + 20, 1, 4);
	ip = (struct rte_ipv4_hdr *)(q + 14);
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 4);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

struct rte_ipv4_hdr *gwsim_frame_ip4(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
}

void gwsim_ip4_recksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = gwsim_frame_ip4(m);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

void gwsim_add_ip6_hop_by_hop(struct rte_mbuf *m)
{
	uint8_t *q = (uint8_t *)rte_pktmbuf_prepend(m, 8);
	struct rte_ipv6_hdr *ip;

	ck_assert_ptr_nonnull(q);
	memmove(q, q + 8, 14 + 40);
	ip = (struct rte_ipv6_hdr *)(q + 14);
	q[14 + 40] = ip->proto;
	memcpy(q + 14 + 41, (const uint8_t[]){ 0, 1, 4, 0, 0, 0, 0 }, 7);
	ip->proto = 0;
	ip->payload_len = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->payload_len) + 8);
}
