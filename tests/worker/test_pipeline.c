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
#include <errno.h>
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
#include "dataplane/worker_int.h"
#include "dataplane/xform.h"
#include "tests/worker/gwsim.h"
#include "tests/check_run.h"

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
		gwsim_install(&c, ++spi);
		static const uint32_t sizes[] = { 0, 1, 467, 1300 };

		for (unsigned si = 0; si < RTE_DIM(sizes); si++) {
			uint32_t size = sizes[si];
			struct rte_mbuf *m = gwsim_udp_frame(c.inner, &mac_a_lan,
				c.inner == AF_INET ? "10.1.0.1" : "fd01::1",
				c.inner == AF_INET ? "10.2.0.1" : "fd02::1", 5000, size, 0, true);
			struct rte_mbuf *copy = rte_pktmbuf_copy(m, gwsim_pool, 0, UINT32_MAX);
			struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

			ck_assert_msg(esp != NULL, "A sent nothing: cipher %u flags %u mode %d %d/%d size %u",
				      ci, fl, mode, inner, outer, size);
			const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(esp, const struct rte_ether_hdr *);

			ck_assert(rte_is_same_ether_addr(&eth->dst_addr, &mac_b_wan));
			/* The outer IPv4 header's checksum is right (B does not
			 * check it; routers on the way would). */
			if (c.mode == ESP_MODE_TUNNEL && c.outer == AF_INET)
				ck_assert_uint_eq(rte_ipv4_cksum(rte_pktmbuf_mtod_offset(esp,
						const struct rte_ipv4_hdr *, 14)), 0);
			struct rte_mbuf *clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);

			ck_assert_msg(clear != NULL, "B delivered nothing: cipher %u flags %u mode %d %d/%d size %u",
				      ci, fl, mode, inner, outer, size);
			gwsim_check_delivered(copy, clear, c.inner);
			rte_pktmbuf_free(copy);
			rte_pktmbuf_free(clear);
			n++;
		}
		gwsim_uninstall(spi);
	}
	ck_assert_uint_eq(n, 3 * 8 * 6 * 4);
	ck_assert_uint_eq(gwsim_drain(A.wan_tx[0]) + gwsim_drain(B.lan_tx[0]), 0);
}
END_TEST

/*
 * Bursts mixing two SAs in runs of one to six packets: A encrypts each with
 * its own SA in arrival order (sequence numbers without gaps), and B, fed
 * the whole burst at once, decrypts run by run and forwards the inner
 * packets, IPv4 and IPv6 to the same host, in arrival order.
 */
START_TEST(mixed_bursts_keep_order)
{
	static const char pattern[] = "44466464444466666646644464666664";
	enum { N = sizeof(pattern) - 1 };
	struct combo c4 = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct combo c6 = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, AF_INET };
	struct combo c6c = { ESP_CIPHER_CHACHA20_POLY1305, 0, ESP_MODE_TUNNEL, AF_INET6, AF_INET };
	struct rte_mbuf *in[N], *copy[N], *esp[N], *out[N];
	uint32_t seq4 = 0, seq6 = 0, spi6 = 0x7102;

	gwsim_install(&c4, 0x7101);
	gwsim_install(&c6, spi6);
	/* rounds 0 and 1: both SAs with one transform (the receiver runs
	 * them together, esp_inbound_multi); round 2: the IPv6 tunnel's SA
	 * with another cipher, so the burst alternates between transforms */
	for (unsigned round = 0; round < 3; round++) {
		if (round == 2) {
			gwsim_uninstall(spi6);
			gwsim_install(&c6c, spi6 = 0x7103);
			seq6 = 0;
		}
		for (unsigned i = 0; i < N; i++) {
			bool v6 = pattern[i] == '6';

			in[i] = gwsim_udp_frame(v6 ? AF_INET6 : AF_INET, &mac_a_lan,
						v6 ? "fd01::1" : "10.1.0.1",
						v6 ? "fd02::1" : "10.2.0.1", 5000, 10 + i, 0, true);
			copy[i] = rte_pktmbuf_copy(in[i], gwsim_pool, 0, UINT32_MAX);
		}
		worker_process_burst(A.w, A.lan, in, N);
		worker_flush(A.w);
		ck_assert_uint_eq(rte_ring_dequeue_bulk(A.wan_tx[0], (void **)esp, N, NULL), N);
		for (unsigned i = 0; i < N; i++) {
			const uint8_t *h = rte_pktmbuf_mtod_offset(esp[i], const uint8_t *, 14 + 20);
			bool v6 = pattern[i] == '6';

			ck_assert_uint_eq(rte_be_to_cpu_32(*(const rte_be32_t *)(const void *)h),
					  v6 ? spi6 : 0x7101);
			ck_assert_uint_eq(rte_be_to_cpu_32(*(const rte_be32_t *)(const void *)(h + 4)),
					  v6 ? ++seq6 : ++seq4);
		}
		worker_process_burst(B.w, B.wan, esp, N);
		worker_flush(B.w);
		ck_assert_uint_eq(rte_ring_dequeue_bulk(B.lan_tx[0], (void **)out, N, NULL), N);
		for (unsigned i = 0; i < N; i++) {
			gwsim_check_delivered(copy[i], out[i], pattern[i] == '6' ? AF_INET6 : AF_INET);
			rte_pktmbuf_free(copy[i]);
			rte_pktmbuf_free(out[i]);
		}
	}
	gwsim_uninstall(0x7101);
	gwsim_uninstall(spi6);
}
END_TEST

/* Take A's outbound SAs @p spi[0..n) and their policies (of the same ids)
 * away, the SAs freed once the worker is past them. */
static void out_tunnels_del(const uint32_t *spi, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		ck_assert_int_eq(drv_policy_del(A.drv, spi[k]), 0);
		ck_assert_int_eq(drv_sa_del(A.drv, spi[k], ESP_DIR_OUT), 0);
	}
	worker_apply_msgs(A.w);
	A.drv->ops->poll(A.drv);
	A.drv->ops->poll(A.drv);
}

/*
 * Outbound runs of many tunnels are encrypted as one group (same
 * transform, short packets) and leave in runs of one next hop: A's
 * tunnels to B (two SAs) and to a third gateway C, interleaved, with one
 * of B's SAs at the end of its sequence numbers part way through. Each
 * ESP packet must carry its own peer's MAC and address, in order, and the
 * SA's packets past the end are dropped without upsetting the others.
 */
START_TEST(grouped_runs_leave_by_their_peers)
{
	/* round 0: B's and C's, all sent; round 1: with the SA that ends */
	static const char *const patterns[2] = {
		"1221121222112112211221112122121121",
		"1213312122133321211321233112213311",
	};
	enum { N = 34 };
	static const struct rte_ether_addr mac_c_wan = {{ 2, 0, 0, 0, 0xc, 2 }};
	static const char *const inner[3] = { "10.2.0.1", "10.3.0.1", "10.4.0.1" };
	static const char *const nets[3] = { "10.2.0.0/24", "10.3.0.0/24", "10.4.0.0/24" };
	static const char *const peer[3] = { "192.0.2.2", "192.0.2.3", "192.0.2.2" };
	const uint32_t spi[3] = { 0x7201, 0x7202, 0x7203 };
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct rte_mbuf *in[N], *esp[N];
	uint32_t seq[3] = { 0, 0, UINT32_MAX - 3 }, over = 0;
	uint64_t over0 = gwsim_drops(&A, ESP_DROP_SEQ_OVERFLOW);

	gwsim_wan_neigh(&A, "192.0.2.3", &mac_c_wan);
	for (unsigned k = 0; k < 3; k++) {
		struct esp_sa_params p;
		struct drv_policy pol = { .id = spi[k], .priority = 10, .action = SPD_PROTECT,
					  .sa_spi = spi[k] };
		struct esp_addr d;
		uint8_t dl;

		gwsim_sa_params(&p, &c, spi[k], ESP_DIR_OUT, true);
		gwsim_addr(&p.remote, peer[k]);
		ck_assert_int_eq(esp_addr_parse(nets[k], &d, &dl), 0);
		memcpy(p.sel.dst, d.bytes, 16);
		p.sel.dst_len = dl;
		p.seq_start = seq[k];
		ck_assert_int_eq(drv_sa_add(A.drv, &p), 0);
		pol.sel = p.sel;
		ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
	}
	worker_apply_msgs(A.w);
	for (unsigned round = 0; round < 2; round++) {
		const char *pattern = patterns[round];
		unsigned sent = 0;

		ck_assert_uint_eq(strlen(pattern), N);
		for (unsigned i = 0; i < N; i++)
			in[i] = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1",
						inner[pattern[i] - '1'], 5000, 20 + i, 0, true);
		worker_process_burst(A.w, A.lan, in, N);
		worker_flush(A.w);
		unsigned got = rte_ring_dequeue_burst(A.wan_tx[0], (void **)esp, N, NULL);

		for (unsigned i = 0; i < N; i++) {
			unsigned k = (unsigned)(pattern[i] - '1');

			if (seq[k] == UINT32_MAX) {  /* RFC 4303 §3.3.3: never cycles */
				over++;
				continue;
			}
			ck_assert_uint_lt(sent, got);
			const struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(esp[sent], const struct rte_ether_hdr *);
			const uint8_t *ip = (const uint8_t *)(eth + 1), *h = ip + 20;
			struct esp_addr dst;

			gwsim_addr(&dst, peer[k]);
			ck_assert_msg(rte_is_same_ether_addr(&eth->dst_addr,
							     k == 1 ? &mac_c_wan : &mac_b_wan),
				      "round %u packet %u (SA %u) to the wrong MAC", round, i, k + 1);
			ck_assert_mem_eq(ip + 16, dst.bytes, 4);
			ck_assert_uint_eq(rte_ipv4_cksum((const struct rte_ipv4_hdr *)(const void *)ip), 0);
			ck_assert_uint_eq(rte_be_to_cpu_32(*(const rte_be32_t *)(const void *)h), spi[k]);
			ck_assert_uint_eq(rte_be_to_cpu_32(*(const rte_be32_t *)(const void *)(h + 4)),
					  ++seq[k]);
			rte_pktmbuf_free(esp[sent++]);
		}
		ck_assert_uint_eq(sent, got);
	}
	ck_assert_uint_gt(over, 0);
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_SEQ_OVERFLOW) - over0, over);
	out_tunnels_del(spi, 3);
}
END_TEST

/* Give the IPv4 frame @p m four octets of options (NOPs). */
/* The TTL (hop limit) of frame @p m of @p family set to @p v. */
static void set_hops(struct rte_mbuf *m, int family, uint8_t v)
{
	if (family == AF_INET) {
		gwsim_frame_ip4(m)->time_to_live = v;
		gwsim_ip4_recksum(m);
	} else {
		rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->hop_limits = v;
	}
}

/* The TOS (traffic class) of frame @p m of @p family set to @p v. */
static void set_tos(struct rte_mbuf *m, int family, uint8_t v)
{
	if (family == AF_INET) {
		gwsim_frame_ip4(m)->type_of_service = v;
		gwsim_ip4_recksum(m);
	} else {
		uint8_t *ip6 = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);

		ip6[0] = (uint8_t)(0x60 | v >> 4);
		ip6[1] = (uint8_t)(v << 4 | 0x5);  /* and a flow label */
		ip6[2] = 0xa5;
	}
}

/*
 * A burst of one tunnel's frames with odd ones among them: the worker's
 * flow memo (an IPv4 frame like the last one classified and protected is
 * taken as it was) must speak only for frames the classifier would have
 * taken the same way; IPv6, which has no memo, must come out the same. The
 * odd ones: TTL (hop limit) 1 (dropped), DF clear and
 * another TOS (traffic class and flow label; taken), link padding
 * (trimmed), IPv4 options or an IPv6 hop-by-hop header, another port and
 * another source (each their own way), a frame shorter than its header
 * says (dropped). At B, where ESP to the gateway is classified frame by
 * frame, an ESP frame of an SPI it does not know, a short one and a
 * fragment among the tunnel's.
 */
static void flow_memo_burst(int family, uint32_t spi)
{
	enum { N = 14 };
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, family, AF_INET };
	struct rte_mbuf *in[N], *copy[N], *esp[N + 3], *out[N];
	bool v4 = family == AF_INET, delivered[N];
	unsigned n_esp, n_out, k = 0;
	uint64_t ttl0 = gwsim_drops(&A, ESP_DROP_TTL), runt_a = gwsim_drops(&A, ESP_DROP_RUNT);
	uint64_t runt_b = gwsim_drops(&B, ESP_DROP_RUNT), nosa_b = gwsim_drops(&B, ESP_DROP_NO_SA);

	gwsim_install(&c, spi);
	for (unsigned i = 0; i < N; i++) {
		const char *src = i == 11 ? (v4 ? "10.1.0.2" : "fd01::2") : (v4 ? "10.1.0.1" : "fd01::1");

		in[i] = gwsim_udp_frame(family, &mac_a_lan, src, v4 ? "10.2.0.1" : "fd02::1",
					i == 9 ? 5001 : 5000, 30 + i, 0, i != 4);
		delivered[i] = true;
		switch (i) {
		case 3:     /* TTL 1: dropped, counted */
			set_hops(in[i], family, 1);
			delivered[i] = false;
			break;
		case 5:     /* another TOS (traffic class, flow label), kept inside */
			set_tos(in[i], family, 0xb8);
			break;
		case 7:     /* options: the classifier's long way */
			if (v4)
				gwsim_add_ip4_options(in[i]);
			else
				gwsim_add_ip6_hop_by_hop(in[i]);
			break;
		default:
			break;
		}
		copy[i] = rte_pktmbuf_copy(in[i], gwsim_pool, 0, UINT32_MAX);
		if (i == 6)  /* link padding: delivered without it */
			memset(rte_pktmbuf_append(in[i], 6), 0, 6);
		if (i == 10) {  /* shorter than its header says */
			ck_assert_int_eq(rte_pktmbuf_trim(in[i], 4), 0);
			delivered[i] = false;
		}
	}
	worker_process_burst(A.w, A.lan, in, N);
	worker_flush(A.w);
	n_esp = rte_ring_dequeue_burst(A.wan_tx[0], (void **)esp, N, NULL);
	ck_assert_uint_eq(n_esp, N - 2);
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TTL) - ttl0, 1);
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_RUNT) - runt_a, 1);

	/* B: the same burst with an unknown SPI's frame, a short one and a
	 * fragment (to us: punted, the control thread reassembles) */
	struct rte_mbuf *unknown = rte_pktmbuf_copy(esp[1], gwsim_pool, 0, UINT32_MAX);
	struct rte_mbuf *shorter = rte_pktmbuf_copy(esp[2], gwsim_pool, 0, UINT32_MAX);
	struct rte_mbuf *frag = rte_pktmbuf_copy(esp[2], gwsim_pool, 0, UINT32_MAX), *p;

	rte_pktmbuf_mtod_offset(unknown, uint8_t *, 14 + 20)[3] ^= 0x40;
	ck_assert_int_eq(rte_pktmbuf_trim(shorter, 4), 0);
	gwsim_frame_ip4(frag)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	gwsim_ip4_recksum(frag);
	memmove(esp + 5, esp + 2, (n_esp - 2) * sizeof(esp[0]));
	esp[2] = unknown;
	esp[3] = shorter;
	esp[4] = frag;
	worker_process_burst(B.w, B.wan, esp, (uint16_t)(n_esp + 3));
	worker_flush(B.w);
	n_out = rte_ring_dequeue_burst(B.lan_tx[0], (void **)out, N, NULL);
	ck_assert_uint_eq(n_out, N - 2);
	ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_NO_SA) - nosa_b, 1);
	ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_RUNT) - runt_b, 1);
	ck_assert_int_eq(rte_ring_dequeue(B.w->punt, (void **)&p), 0);
	ck_assert_ptr_eq(p, frag);
	rte_pktmbuf_free(p);
	for (unsigned i = 0; i < N; i++) {
		if (delivered[i]) {
			ck_assert_uint_lt(k, n_out);
			gwsim_check_delivered(copy[i], out[k], family);
			rte_pktmbuf_free(out[k++]);
		}
		rte_pktmbuf_free(copy[i]);
	}
	gwsim_uninstall(spi);
}

START_TEST(flow_memo_speaks_only_for_its_flow)
{
	flow_memo_burst(AF_INET, 0x7301);
	flow_memo_burst(AF_INET6, 0x7302);
}
END_TEST

/*
 * A policy for one port ahead of one for all: which applies depends on
 * each packet's port, so no packet's answer may be taken for the next
 * one of the same addresses (the flow memo and the SPD memo keep only
 * answers that did not depend on the ports).
 */
static void port_policies(int family, int outer)
{
	static const char pattern[] = "1100101110010011";
	enum { N = sizeof(pattern) - 1 };
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, family, outer };
	const uint32_t spi[2] = { 0x7311, 0x7312 };
	struct rte_mbuf *in[N], *esp[N];
	bool v4 = family == AF_INET;

	for (unsigned k = 0; k < 2; k++) {
		struct esp_sa_params p;
		struct drv_policy pol = { .id = spi[k], .priority = k == 0 ? 5 : 10,
					  .action = SPD_PROTECT, .sa_spi = spi[k] };

		gwsim_sa_params(&p, &c, spi[k], ESP_DIR_OUT, true);
		ck_assert_int_eq(drv_sa_add(A.drv, &p), 0);
		pol.sel = p.sel;
		if (k == 0) {  /* UDP to port 7000 only */
			pol.sel.proto = IPPROTO_UDP;
			pol.sel.dport_lo = pol.sel.dport_hi = 7000;
		}
		ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
	}
	worker_apply_msgs(A.w);
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < N; i++)
			in[i] = gwsim_udp_frame(family, &mac_a_lan, v4 ? "10.1.0.1" : "fd01::1",
						v4 ? "10.2.0.1" : "fd02::1",
						pattern[i] == '0' ? 7000 : 7001, 40, 0, true);
		worker_process_burst(A.w, A.lan, in, N);
		worker_flush(A.w);
		ck_assert_uint_eq(rte_ring_dequeue_burst(A.wan_tx[0], (void **)esp, N, NULL), N);
		for (unsigned i = 0; i < N; i++) {
			const uint8_t *h = rte_pktmbuf_mtod_offset(esp[i], const uint8_t *,
								   14 + (outer == AF_INET ? 20 : 40));

			ck_assert_msg(rte_be_to_cpu_32(*(const rte_be32_t *)(const void *)h) ==
				      spi[pattern[i] - '0'],
				      "IPv%d round %u packet %u went out through the wrong SA",
				      v4 ? 4 : 6, round, i);
			rte_pktmbuf_free(esp[i]);
		}
	}
	out_tunnels_del(spi, 2);
}

START_TEST(port_policies_decide_each_packet)
{
	port_policies(AF_INET, AF_INET);
	port_policies(AF_INET6, AF_INET);
	port_policies(AF_INET6, AF_INET6);   /* the express way's family */
}
END_TEST

/*
 * The transforms skip header checks only for what the worker's classifier
 * checked (xform.h): a packet type the NIC set, here claiming a plain
 * IPv4 header for one with options (an IPv6 header with no extension
 * header for one with a hop-by-hop header), is overwritten and not
 * believed. Transport mode, where the headers decide where ESP goes.
 */
static void marked_transport_round_trip(int family, uint32_t spi, struct rte_mbuf *m,
					uint32_t out_mark, uint32_t in_mark, uint32_t at,
					uint8_t expect)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TRANSPORT, family, family };
	struct rte_mbuf *copy, *esp, *clear;

	gwsim_install(&c, spi);
	copy = rte_pktmbuf_copy(m, gwsim_pool, 0, UINT32_MAX);
	m->packet_type = out_mark;
	esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);
	ck_assert_ptr_nonnull(esp);
	ck_assert_uint_eq(rte_pktmbuf_mtod(esp, const uint8_t *)[at], expect);
	esp->packet_type = in_mark;
	clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);
	ck_assert_ptr_nonnull(clear);
	gwsim_check_delivered(copy, clear, family);
	rte_pktmbuf_free(copy);
	rte_pktmbuf_free(clear);
	gwsim_uninstall(spi);
}

START_TEST(nic_packet_type_is_not_trusted)
{
	struct rte_mbuf *m;

	/* the options stay in front of ESP (IHL 6) */
	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 100, 0, true);
	gwsim_add_ip4_options(m);
	marked_transport_round_trip(AF_INET, 0x7201, m, ESP_PTYPE_IP4_CHECKED,
				    ESP_PTYPE_IP4_ESP_CHECKED, 14, 0x46);
	/* RFC 4303 §3.1.1: ESP after the hop-by-hop header, not before it */
	m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0, true);
	gwsim_add_ip6_hop_by_hop(m);
	marked_transport_round_trip(AF_INET6, 0x7202, m, ESP_PTYPE_IP6_CHECKED,
				    ESP_PTYPE_IP6_ESP_CHECKED, 14 + 40, ESP_IPPROTO_ESP);
}
END_TEST

START_TEST(side_paths_are_punted_or_counted)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct rte_mbuf *m, *p;

	gwsim_install(&c, 0x7001);
	/* Traffic to the gateway itself goes to the control thread. */
	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.1.0.254", 500, 100, 0, true);
	ck_assert_ptr_null(gwsim_run(&A, A.lan, m, A.wan_tx[0]));
	ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
	ck_assert_uint_eq(p->hash.usr, PUNT_LOCAL);
	rte_pktmbuf_free(p);

	/* No policy matches: default discard. */
	uint64_t before = gwsim_drops(&A, ESP_DROP_SPD_NOMATCH);

	m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0, true);
	ck_assert_ptr_null(gwsim_run(&A, A.lan, m, A.wan_tx[0]));
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_SPD_NOMATCH), before + 1);

	/* TTL 1 cannot be forwarded. */
	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 100, 0, true);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	ip->time_to_live = 1;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	before = gwsim_drops(&A, ESP_DROP_TTL);
	ck_assert_ptr_null(gwsim_run(&A, A.lan, m, A.wan_tx[0]));
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TTL), before + 1);

	/* Unknown SPI at B. */
	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 100, 0, true);
	struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

	ck_assert_ptr_nonnull(esp);
	uint8_t *spi = rte_pktmbuf_mtod_offset(esp, uint8_t *, 14 + 20);

	spi[3] ^= 0x55;
	before = gwsim_drops(&B, ESP_DROP_NO_SA);
	ck_assert_ptr_null(gwsim_run(&B, B.wan, esp, B.lan_tx[0]));
	ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_NO_SA), before + 1);

	/* ESP to B without all of its SPI and sequence number (link padding
	 * sends the frame the long way) is a counted runt. */
	m = gwsim_udp_frame(AF_INET, &mac_b_wan, "192.0.2.1", "192.0.2.2", 5000, 0, 0, true);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->next_proto_id = IPPROTO_ESP;
	ip->total_length = rte_cpu_to_be_16(20 + 4);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	before = gwsim_drops(&B, ESP_DROP_RUNT);
	ck_assert_ptr_null(gwsim_run(&B, B.wan, m, B.lan_tx[0]));
	ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_RUNT), before + 1);

	/* An IPv4 packet with DF clear that does not fit is pre-fragmented;
	 * with DF set the sender gets told (punt for ICMP). */
	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 1472, 0, false);
	worker_process_burst(A.w, A.lan, &m, 1);
	worker_flush(A.w);
	ck_assert_uint_eq(rte_ring_count(A.wan_tx[0]), 2);
	struct rte_mbuf *frags[2];
	uint32_t got = 0;

	ck_assert_uint_eq(rte_ring_dequeue_bulk(A.wan_tx[0], (void **)frags, 2, NULL), 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_le(rte_pktmbuf_data_len(frags[i]) - 14, 1500);
		struct rte_mbuf *f = gwsim_run(&B, B.wan, frags[i], B.lan_tx[0]);

		ck_assert_ptr_nonnull(f);
		got += rte_pktmbuf_data_len(f) - 14 - 20;
		rte_pktmbuf_free(f);
	}
	ck_assert_uint_eq(got, 8 + 1472);
	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 1472, 0, true);
	before = gwsim_drops(&A, ESP_DROP_TOO_BIG);
	ck_assert_ptr_null(gwsim_run(&A, A.lan, m, A.wan_tx[0]));
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TOO_BIG), before + 1);
	ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
	ck_assert_uint_eq(p->hash.usr & 0xffff, PUNT_TOO_BIG);
	ck_assert_uint_lt(p->hash.usr >> 16, 1500 - 50);
	rte_pktmbuf_free(p);
	gwsim_uninstall(0x7001);
}
END_TEST

/*
 * Whether a run fits its path is first judged by the longest packet of
 * the whole burst (burst_out): a packet too long for its tunnel must be
 * found wherever it sits, whether the SPD or the flow memo queued it, and
 * the others must still go whole. Two tunnels from A, IPv4 over IPv4
 * (room for 1500 - 57 octets) and IPv6 over IPv6 (1500 - 77), in one
 * burst: a 1440-octet IPv4 packet fits its tunnel though not the other.
 */
START_TEST(a_burst_fits_each_packet_to_its_path)
{
	struct combo c4 = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct combo c6 = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, AF_INET6 };
	/* family, IP length, DF; ESP packets A sends for it */
	static const struct { int family; uint32_t len; bool df; unsigned esp; } f[] = {
		{ AF_INET, 128, true, 1 },     /* the SPD's: the flow memo's from here */
		{ AF_INET, 128, true, 1 },
		{ AF_INET, 1500, false, 2 },   /* the memo's, fragmented first */
		{ AF_INET6, 128, true, 1 },
		{ AF_INET6, 1423, true, 1 },   /* just fits IPv6 over IPv6 */
		{ AF_INET, 128, true, 1 },
		{ AF_INET, 1440, true, 1 },
		{ AF_INET, 1480, true, 0 },    /* too big, DF: the sender is told */
		{ AF_INET6, 128, true, 1 },
	};
	enum { N = RTE_DIM(f) };
	struct rte_mbuf *in[N], *esp[2 * N], *p;
	unsigned want = 0;
	uint64_t too_big = gwsim_drops(&A, ESP_DROP_TOO_BIG);

	gwsim_install(&c4, 0x7401);
	gwsim_install(&c6, 0x7402);
	for (unsigned round = 0; round < 2; round++) {  /* again with the FIB memo warm */
		want = 0;
		for (unsigned i = 0; i < N; i++) {
			bool v4 = f[i].family == AF_INET;

			in[i] = gwsim_udp_frame(f[i].family, &mac_a_lan, v4 ? "10.1.0.1" : "fd01::1",
						v4 ? "10.2.0.1" : "fd02::1", 5000,
						f[i].len - (v4 ? 20 : 40) - 8, 0, f[i].df);
			want += f[i].esp;
		}
		worker_process_burst(A.w, A.lan, in, N);
		worker_flush(A.w);
		ck_assert_uint_eq(rte_ring_dequeue_burst(A.wan_tx[0], (void **)esp, RTE_DIM(esp),
							 NULL), want);
		for (unsigned k = 0; k < want; k++) {
			ck_assert_uint_le(rte_pktmbuf_data_len(esp[k]) - 14, 1500);
			ck_assert_ptr_nonnull(p = gwsim_run(&B, B.wan, esp[k], B.lan_tx[0]));
			rte_pktmbuf_free(p);
		}
		ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TOO_BIG), too_big + round + 1);
		ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
		ck_assert_uint_eq(p->hash.usr, PUNT_TOO_BIG | (1500u - 57) << 16);
		rte_pktmbuf_free(p);
	}
	gwsim_uninstall(0x7401);
	gwsim_uninstall(0x7402);
}
END_TEST

/*
 * worker_rx_want(): about WORKER_RX_BYTES of frames, a multiple of
 * WORKER_RX_MIN from WORKER_RX_MIN to WORKER_BURST, whatever the burst.
 */
START_TEST(rx_want_asks_for_about_16k)
{
	static const struct { uint32_t len; uint16_t n, want; } t[] = {
		{ 64, 32, 32 }, { 64, 1, 32 }, { 512, 32, 32 }, { 1024, 32, 16 },
		{ 1420, 32, 8 }, { 1474, 8, 8 }, { 9000, 4, 8 }, { 14, 1, 32 },
	};
	struct rte_mbuf mb[WORKER_BURST], *p[WORKER_BURST];

	memset(mb, 0, sizeof(mb));
	for (unsigned k = 0; k < RTE_DIM(t); k++) {
		for (uint16_t i = 0; i < t[k].n; i++) {
			mb[i].pkt_len = t[k].len;
			p[i] = &mb[i];
		}
		ck_assert_uint_eq(worker_rx_want(p, t[k].n), t[k].want);
	}
	/* IMIX (7:4:1 of 64, 576, 1420; ~350 octets a frame): 32 */
	for (uint16_t i = 0; i < 12; i++) {
		mb[i].pkt_len = i < 7 ? 64 : i < 11 ? 576 : 1420;
		p[i] = &mb[i];
	}
	ck_assert_uint_eq(worker_rx_want(p, 12), 32);
}
END_TEST

/*
 * Runs sent to a port (tx_send_run(), the express ways' send) leave at
 * once when nothing is queued for it; behind a packet tx_one() queued they
 * queue, and leave in order whether they fit the TX buffer, meet its end
 * or cross it, and the buffer is never left full: tx_one() then adds to
 * it. A's WAN port is a ring, so what was sent is what the ring holds.
 */
START_TEST(tx_runs_keep_order_through_a_full_buffer)
{
	enum { ROOM = RTE_DIM(((struct worker_txbuf *)0)->pkts), N = 2 * ROOM + 44 };
	/* how many each step sends, and whether tx_one() sends it (one) */
	static const struct { uint16_t n; bool one; } steps[] = {
		{ 32, false },        /* at once: nothing queued */
		{ 1, true },
		{ 31, false },        /* behind it, fits */
		{ 8, false },
		{ ROOM - 40, false }, /* meets the end: all leave */
		{ 5, false },         /* at once again */
		{ 1, true },
		{ ROOM - 10, false },
		{ 16, false },        /* crosses the end: 7 stay queued */
	};
	struct rte_mbuf *m[N], *got;
	struct worker *w = A.w;
	uint16_t port = A.wan, sent = 0, next = 0, total = 0;
	struct worker_txbuf *tb = &w->txb[port];

	for (unsigned r = 0; r < RTE_DIM(steps); r++)
		total = (uint16_t)(total + steps[r].n);
	ck_assert_uint_eq(total, N);
	for (unsigned i = 0; i < N; i++)
		ck_assert_ptr_nonnull(m[i] = rte_pktmbuf_alloc(gwsim_pool));
	for (unsigned r = 0; r < RTE_DIM(steps); r++) {
		bool was_empty = tb->n == 0;

		if (steps[r].one)
			tx_one(w, port, m[sent]);
		else
			tx_send_run(w, &m[sent], steps[r].n, port);
		sent = (uint16_t)(sent + steps[r].n);
		ck_assert_uint_lt(tb->n, ROOM);
		if (was_empty && !steps[r].one)
			ck_assert_uint_eq(tb->n, 0);
		/* what left is the oldest, in order, and the rest is queued */
		ck_assert_uint_eq(rte_ring_count(A.wan_tx[0]) + tb->n, sent - next);
		while (rte_ring_dequeue(A.wan_tx[0], (void **)&got) == 0)
			ck_assert_ptr_eq(got, m[next++]);
		for (unsigned i = 0; i < tb->n; i++)
			ck_assert_ptr_eq(tb->pkts[i], m[next + i]);
	}
	ck_assert_uint_eq(sent, N);
	ck_assert_uint_eq(tb->n, 7);
	tx_one(w, port, m[0]);   /* room for it: queued after the run's rest */
	ck_assert_ptr_eq(tb->pkts[tb->n - 1], m[0]);
	tb->n--;
	worker_tx_flush(w, port);
	while (rte_ring_dequeue(A.wan_tx[0], (void **)&got) == 0)
		ck_assert_ptr_eq(got, m[next++]);
	ck_assert_uint_eq(next, N);
	for (unsigned i = 0; i < N; i++)
		rte_pktmbuf_free(m[i]);
	w->tx_pending = 0;
}
END_TEST

/*
 * A port whose queue takes nothing: a run sent at once and a run queued
 * behind a packet are dropped and counted (ESP_DROP_TX_FULL), their mbufs
 * back in the pool, none counted as sent.
 */
START_TEST(tx_full_queue_drops_and_counts)
{
	struct rte_ring *ring = A.wan_tx[0];
	struct worker *w = A.w;
	uint16_t port = A.wan;
	struct worker_txbuf *tb = &w->txb[port];
	struct rte_mbuf *m[13];
	static int filler;
	unsigned avail = rte_mempool_avail_count(gwsim_pool), fill = 0;
	uint64_t tx = w->stats.tx, full = gwsim_drops(&A, ESP_DROP_TX_FULL);

	ck_assert_uint_eq(tb->n, 0);
	while (rte_ring_enqueue(ring, &filler) == 0)
		fill++;
	for (unsigned i = 0; i < RTE_DIM(m); i++)
		ck_assert_ptr_nonnull(m[i] = rte_pktmbuf_alloc(gwsim_pool));
	tx_send_run(w, m, 8, port);              /* at once */
	uint16_t queued_at_once = tb->n;
	uint64_t dropped_at_once = gwsim_drops(&A, ESP_DROP_TX_FULL) - full;

	tx_one(w, port, m[8]);
	tx_send_run(w, m + 9, 4, port);          /* behind it */
	uint16_t queued_behind = tb->n;

	worker_tx_flush(w, port);
	unsigned in_ring = rte_ring_count(ring);

	/* the ring emptied of the filler before any check can end the test
	 * (the suite runs without forking) */
	rte_ring_reset(ring);
	w->tx_pending = 0;
	ck_assert_uint_eq(queued_at_once, 0);
	ck_assert_uint_eq(dropped_at_once, 8);
	ck_assert_uint_eq(queued_behind, 5);
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TX_FULL), full + 13);
	ck_assert_uint_eq(w->stats.tx, tx);
	ck_assert_uint_eq(in_ring, fill);
	ck_assert_uint_eq(rte_mempool_avail_count(gwsim_pool), avail);
}
END_TEST

/*
 * A worker's poll asks its queue for 32 frames, then as many as the last
 * burst's lengths say (struct worker_rxq): 8 after long frames, 32 again
 * after short ones; and each frame still leaves as ESP.
 */
START_TEST(long_frames_come_in_short_bursts)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct rte_ring *rx = rte_ring_lookup("a_lan_rx0");
	struct worker_rxq saved = A.w->rxq[0];
	uint16_t saved_n = A.w->n_rxq;
	/* frame length, frames queued, then what each poll takes */
	static const struct { uint32_t len; unsigned n; unsigned polls[3]; } t[] = {
		{ 1434, 40, { 32, 8, 0 } },       /* first poll: 32 (nothing known) */
		{ 1434, 20, { 8, 8, 4 } },
		{ 64, 40, { 8, 32, 0 } },         /* the 8 it asked for, then 32 */
		{ 64, 40, { 32, 8, 0 } },
	};

	ck_assert_ptr_nonnull(rx);
	gwsim_install(&c, 0x7403);
	A.w->rxq[0] = (struct worker_rxq){ .port = A.lan, .queue = 0 };
	A.w->n_rxq = 1;
	for (unsigned k = 0; k < RTE_DIM(t); k++) {
		for (unsigned i = 0; i < t[k].n; i++) {
			struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1",
							     "10.2.0.1", 5000,
							     t[k].len - 14 - 20 - 8, 0, true);

			ck_assert_int_eq(rte_ring_enqueue(rx, m), 0);
		}
		for (unsigned j = 0; j < RTE_DIM(t[k].polls) && t[k].polls[j] != 0; j++) {
			uint64_t frames = A.w->stats.rx, bursts = A.w->stats.rx_bursts;

			ck_assert_uint_eq(worker_poll(A.w), t[k].polls[j]);
			ck_assert_uint_eq(gwsim_drain(A.wan_tx[0]), t[k].polls[j]);
			/* one burst, counted (worker stats' rx_per_burst) */
			ck_assert_uint_eq(A.w->stats.rx - frames, t[k].polls[j]);
			ck_assert_uint_eq(A.w->stats.rx_bursts - bursts, 1);
		}
		ck_assert_uint_eq(rte_ring_count(rx), 0);
	}
	A.w->rxq[0] = saved;
	A.w->n_rxq = saved_n;
	gwsim_uninstall(0x7403);
}
END_TEST

/*
 * B decrements the inner TTL of what one SA decapsulated before it
 * forwards the burst (esp_in_done): packets whose TTL ends at B are
 * counted, wherever they sit in the burst, and the others leave in order.
 */
START_TEST(decapsulated_ttl_ends_anywhere_in_a_burst)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	static const uint8_t ttl[] = { 2, 64, 64, 2, 64, 2 };  /* 1 when B sees it */
	enum { N = RTE_DIM(ttl) };
	struct rte_mbuf *in[N], *esp[N], *out[N];
	uint64_t ttl_b = gwsim_drops(&B, ESP_DROP_TTL);
	unsigned k = 0;

	gwsim_install(&c, 0x7501);
	for (unsigned i = 0; i < N; i++) {
		in[i] = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1",
					(uint16_t)(5000 + i), 100, 0, true);
		gwsim_frame_ip4(in[i])->time_to_live = ttl[i];
		gwsim_ip4_recksum(in[i]);
	}
	worker_process_burst(A.w, A.lan, in, N);
	worker_flush(A.w);
	ck_assert_uint_eq(rte_ring_dequeue_burst(A.wan_tx[0], (void **)esp, N, NULL), N);
	worker_process_burst(B.w, B.wan, esp, N);
	worker_flush(B.w);
	ck_assert_uint_eq(rte_ring_dequeue_burst(B.lan_tx[0], (void **)out, N, NULL), 3);
	ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_TTL) - ttl_b, 3);
	for (unsigned i = 0; i < N; i++) {
		if (ttl[i] == 2)
			continue;
		const struct rte_ipv4_hdr *ip = gwsim_frame_ip4(out[k]);
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);

		ck_assert_uint_eq(rte_be_to_cpu_16(udp->dst_port), 5000 + i);
		ck_assert_uint_eq(ip->time_to_live, ttl[i] - 2);
		ck_assert_uint_eq(rte_ipv4_cksum(ip), 0);
		rte_pktmbuf_free(out[k++]);
	}
	gwsim_uninstall(0x7501);
}
END_TEST

/* An IPv6 frame from host A through A and B: delivered as sent? */
static void ip6_round_trip(struct rte_mbuf *m, uint32_t padding)
{
	struct rte_mbuf *copy = rte_pktmbuf_copy(m, gwsim_pool, 0, UINT32_MAX);

	ck_assert_ptr_nonnull(copy);
	if (padding)
		memset(rte_pktmbuf_append(m, (uint16_t)padding), 0xee, padding);
	struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

	ck_assert_ptr_nonnull(esp);
	struct rte_mbuf *clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);

	ck_assert_ptr_nonnull(clear);
	gwsim_check_delivered(copy, clear, AF_INET6);
	rte_pktmbuf_free(copy);
	rte_pktmbuf_free(clear);
}

/*
 * ESP after IPv6 extension headers (RFC 4303 §3.1.1): transport mode puts
 * it after a hop-by-hop header, and a peer's outer header may carry one;
 * the receiving gateway finds ESP behind them.
 */
START_TEST(ipv6_esp_after_extension_headers)
{
	struct combo tr = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TRANSPORT, AF_INET6, AF_INET6 };
	struct combo tu = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, AF_INET6 };
	struct rte_mbuf *m, *copy, *esp, *clear;

	gwsim_install(&tr, 0x7401);
	m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0, true);
	gwsim_add_ip6_hop_by_hop(m);
	ip6_round_trip(m, 0);
	gwsim_uninstall(0x7401);

	gwsim_install(&tu, 0x7402);
	m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0, true);
	copy = rte_pktmbuf_copy(m, gwsim_pool, 0, UINT32_MAX);
	esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);
	ck_assert_ptr_nonnull(esp);
	gwsim_add_ip6_hop_by_hop(esp);
	clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);
	ck_assert_ptr_nonnull(clear);
	gwsim_check_delivered(copy, clear, AF_INET6);
	rte_pktmbuf_free(copy);
	rte_pktmbuf_free(clear);
	gwsim_uninstall(0x7402);
}
END_TEST

/*
 * IPv6 frames the fast classifier takes (upper-layer next header, no link
 * padding, unicast) and those it leaves to worker_classify(): both must
 * end as the long way alone would have them.
 */
START_TEST(ipv6_fast_and_slow_paths)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, AF_INET6 };
	struct rte_mbuf *m, *p;

	gwsim_install(&c, 0x7301);
	/* taken fast, and with an extension header or link padding not */
	ip6_round_trip(gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0,
				       true), 0);
	m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0, true);
	gwsim_add_ip6_hop_by_hop(m);
	ip6_round_trip(m, 0);
	ip6_round_trip(gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0,
				       true), 6);

	/* hop limit 1: counted, whichever path */
	uint64_t before = gwsim_drops(&A, ESP_DROP_TTL);

	m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 100, 0, true);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->hop_limits = 1;
	ck_assert_ptr_null(gwsim_run(&A, A.lan, m, A.wan_tx[0]));
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TTL), before + 1);

	/* link-scope multicast (ND) and the gateway's own address: punted */
	const char *to_us[] = { "ff02::1", "2001:db8::1" };

	for (unsigned i = 0; i < RTE_DIM(to_us); i++) {
		m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", to_us[i], 500, 100, 0, true);
		ck_assert_ptr_null(gwsim_run(&A, A.lan, m, A.wan_tx[0]));
		ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
		ck_assert_uint_eq(p->hash.usr, PUNT_LOCAL);
		rte_pktmbuf_free(p);
	}
	gwsim_uninstall(0x7301);
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
	gwsim_sa_params(&out, &c, 0x8001, ESP_DIR_OUT, true);
	gwsim_sa_params(&in, &c, 0x8001, ESP_DIR_IN, true);
	out.sel.label = in.sel.label = 1;
	out.label = in.label = 1;
	ck_assert_int_eq(drv_sa_add(A.drv, &out), 0);
	ck_assert_int_eq(drv_sa_add(B.drv, &in), 0);
	pol.sel = out.sel;
	ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
	worker_apply_msgs(A.w);
	worker_apply_msgs(B.w);

	/* Unlabeled traffic does not match the labeled policy. */
	uint64_t before = gwsim_drops(&A, ESP_DROP_SPD_NOMATCH);
	struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 64, 0, true);

	ck_assert_ptr_null(gwsim_run(&A, A.lan, m, A.wan_tx[0]));
	ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_SPD_NOMATCH), before + 1);

	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 64, 100, true);
	struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

	ck_assert_ptr_nonnull(esp);
	/* The WAN side carries no tag: the label lives in the SA. */
	ck_assert_uint_eq(rte_pktmbuf_mtod(esp, struct rte_ether_hdr *)->ether_type,
			  rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	struct rte_mbuf *clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);

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

	gwsim_install(&c, 0x9001);
	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 10, 0, true);
		struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

		ck_assert_ptr_nonnull(esp);
		rte_pktmbuf_free(gwsim_run(&B, B.wan, esp, B.lan_tx[0]));
	}
	/* Update (e.g. a new lifetime) while "traffic flows": the owner
	 * moves the counter, so the next packet is number 4, not 1. */
	gwsim_sa_params(&out, &c, 0x9001, ESP_DIR_OUT, true);
	out.hard.packets = 1000;
	ck_assert_int_eq(drv_sa_update(A.drv, &out), 0);
	worker_apply_msgs(A.w);
	struct rte_mbuf *m = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1", 5000, 10, 0, true);
	struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

	ck_assert_ptr_nonnull(esp);
	const uint8_t *seq = rte_pktmbuf_mtod_offset(esp, const uint8_t *, 14 + 20 + 4);

	ck_assert_uint_eq((uint32_t)seq[0] << 24 | seq[1] << 16 | seq[2] << 8 | seq[3], 4);
	struct rte_mbuf *clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);

	ck_assert_ptr_nonnull(clear);
	rte_pktmbuf_free(clear);
	gwsim_uninstall(0x9001);
}
END_TEST

/* RFC 7296 §2.23 through the real driver: the peer's NAT mapping moved,
 * sa_update_endpoints sends ESP-in-UDP to the new port, keeping the key
 * and the sequence number. */
START_TEST(sa_update_endpoints_moves_natt_port)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, ESP_SA_F_NATT, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct drv_sa_endpoints ep;
	struct esp_sa_params out;
	const uint8_t *udp;

	gwsim_install(&c, 0x9002);
	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 10, 0, true);
		struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

		ck_assert_ptr_nonnull(esp);
		udp = rte_pktmbuf_mtod_offset(esp, const uint8_t *, 14 + 20);
		ck_assert_uint_eq((uint16_t)(udp[2] << 8 | udp[3]), 4500);
		rte_pktmbuf_free(gwsim_run(&B, B.wan, esp, B.lan_tx[0]));
	}
	gwsim_sa_params(&out, &c, 0x9002, ESP_DIR_OUT, true);
	ep = (struct drv_sa_endpoints){ .local = out.local, .remote = out.remote,
					.natt_sport = 4500, .natt_dport = 50001 };
	ck_assert_int_eq(drv_sa_update_endpoints(A.drv, 0x9002, ESP_DIR_OUT, &ep), 0);
	ck_assert_int_eq(drv_sa_update_endpoints(A.drv, 0x9999, ESP_DIR_OUT, &ep), -ENOENT);
	worker_apply_msgs(A.w);
	struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 10, 0, true);
	struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

	ck_assert_ptr_nonnull(esp);
	udp = rte_pktmbuf_mtod_offset(esp, const uint8_t *, 14 + 20);
	ck_assert_uint_eq((uint16_t)(udp[0] << 8 | udp[1]), 4500);
	ck_assert_uint_eq((uint16_t)(udp[2] << 8 | udp[3]), 50001);
	/* The next sequence number (3). B only takes NAT-T on 4500 (no NAT
	 * here to translate 50001), so move back and check the key: B,
	 * unchanged, decrypts packet 4. */
	ck_assert_uint_eq(udp[8 + 4 + 3], 3);
	rte_pktmbuf_free(esp);
	ep.natt_dport = 4500;
	ck_assert_int_eq(drv_sa_update_endpoints(A.drv, 0x9002, ESP_DIR_OUT, &ep), 0);
	worker_apply_msgs(A.w);
	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 10, 0, true);
	esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);
	ck_assert_ptr_nonnull(esp);
	udp = rte_pktmbuf_mtod_offset(esp, const uint8_t *, 14 + 20);
	ck_assert_uint_eq(udp[8 + 4 + 3], 4);
	struct rte_mbuf *clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);

	ck_assert_ptr_nonnull(clear);
	rte_pktmbuf_free(clear);
	gwsim_uninstall(0x9002);
}
END_TEST

/*
 * The receive pool on --no-huge memory (as this test's EAL and the example
 * gateways run): the mbuf headers of a burst spread over the L1 sets
 * (rte_pktmbuf_pool_create put each at the start of its own 4 KiB page,
 * all in one set), and the data's DMA address is still its address.
 */
START_TEST(pool_spreads_mbufs_over_cache_sets)
{
	struct rte_mempool *mp = worker_pool_create("test_packed", 1023, 0);
	struct rte_mbuf *m[32];
	uint64_t sets = 0;

	ck_assert_ptr_nonnull(mp);
	ck_assert_int_eq(rte_eal_has_hugepages(), 0);
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(mp, m, RTE_DIM(m)), 0);
	for (unsigned i = 0; i < RTE_DIM(m); i++) {
		uint16_t room = rte_pktmbuf_tailroom(m[i]);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], room);

		sets |= UINT64_C(1) << (((uintptr_t)m[i] / RTE_CACHE_LINE_SIZE) % 64);
		ck_assert_uint_eq(room, RTE_MBUF_DEFAULT_DATAROOM);
		ck_assert_ptr_nonnull(p);
		memset(p, (int)i, room);  /* the whole data room is the mbuf's own */
		ck_assert_uint_eq(rte_pktmbuf_iova(m[i]), (uintptr_t)p);
	}
	for (unsigned i = 0; i < RTE_DIM(m); i++) {
		ck_assert_uint_eq(rte_pktmbuf_mtod(m[i], uint8_t *)[0], i);
		ck_assert_uint_eq(rte_pktmbuf_mtod(m[i], uint8_t *)[RTE_MBUF_DEFAULT_DATAROOM - 1], i);
	}
	ck_assert_int_ge(__builtin_popcountll(sets), 16);
	rte_pktmbuf_free_bulk(m, RTE_DIM(m));
	rte_mempool_free(mp);
}
END_TEST

static void setup(void)
{
	gwsim_setup("test_pipeline");
}

int main(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("worker");

	tcase_add_unchecked_fixture(tc, setup, gwsim_teardown);
	tcase_add_checked_fixture(tc, NULL, gwsim_quiesce);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_combination_round_trips);
	tcase_add_test(tc, mixed_bursts_keep_order);
	tcase_add_test(tc, grouped_runs_leave_by_their_peers);
	tcase_add_test(tc, flow_memo_speaks_only_for_its_flow);
	tcase_add_test(tc, port_policies_decide_each_packet);
	tcase_add_test(tc, nic_packet_type_is_not_trusted);
	tcase_add_test(tc, ipv6_fast_and_slow_paths);
	tcase_add_test(tc, ipv6_esp_after_extension_headers);
	tcase_add_test(tc, side_paths_are_punted_or_counted);
	tcase_add_test(tc, a_burst_fits_each_packet_to_its_path);
	tcase_add_test(tc, decapsulated_ttl_ends_anywhere_in_a_burst);
	tcase_add_test(tc, labels_follow_the_sa);
	tcase_add_test(tc, sa_update_keeps_the_sequence);
	tcase_add_test(tc, sa_update_endpoints_moves_natt_port);
	tcase_add_test(tc, pool_spreads_mbufs_over_cache_sets);
	tcase_add_test(tc, rx_want_asks_for_about_16k);
	tcase_add_test(tc, tx_runs_keep_order_through_a_full_buffer);
	tcase_add_test(tc, tx_full_queue_drops_and_counts);
	tcase_add_test(tc, long_frames_come_in_short_bursts);
	suite_add_tcase(s, tc);
	return check_run_nofork(s);
}
