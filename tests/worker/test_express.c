/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The express ways (dataplane/worker_express.c): a burst of one flow's
 * frames, ESP to one inbound SA or clear traffic to one tunnel, is taken
 * in a few passes; any other burst goes the usual way, whole. Through the
 * two simulated gateways of gwsim: which bursts are taken (the workers'
 * counters), and that A sends and B delivers the same packets either way.
 */
#include <check.h>
#include <inttypes.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/pktmeta.h"
#include "dataplane/sad.h"
#include "dataplane/worker.h"
#include "tests/worker/gwsim.h"
#include "tests/check_run.h"

/* The TTL (hop limit) and TOS (traffic class) of frame @p m of @p family. */
static void set_hops_tos(struct rte_mbuf *m, int family, uint8_t hops, uint8_t tos)
{
	if (family == AF_INET) {
		gwsim_frame_ip4(m)->time_to_live = hops;
		gwsim_frame_ip4(m)->type_of_service = tos;
		gwsim_ip4_recksum(m);
	} else {
		uint8_t *ip6 = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);

		ip6[7] = hops;
		ip6[0] = (uint8_t)(0x60 | tos >> 4);
		ip6[1] = (uint8_t)(tos << 4 | (ip6[1] & 0x0f));
	}
}

/*
 * The inbound express way takes a burst only when every frame is ESP of
 * one inbound SA and one flow (here IPv4 in IPv4 or IPv6 in IPv6; the
 * other family inside in express_ways_serve_their_sas_only); a burst with
 * anything else in it goes the usual way, whole. Either way B delivers
 * what A sent, and counts what it drops or punts. The metadata A left in
 * the mbufs is spoiled before B gets them: what B punts carries B's own
 * (received on its WAN port, no flags: ctl.c answers from that port's
 * address).
 */
static void inbound_ways(int family, uint32_t spi)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, family, family };
	bool v4 = family == AF_INET;
	uint8_t *ip;
	enum { N = 6 };
	enum {
		ONE_SA, OTHER_SPI, OUTER_TTL_1, NOT_ESP, BAD_ICV, INNER_OPTIONS, INNER_TTL,
		UNRESOLVED, OTHER_ADDRESS, WAYS
	};
	static const char *const name[] = { "one SA's", "another SPI", "an outer TTL of 1",
					    "a frame not ESP", "a bad ICV",
					    "IPv4 options or an IPv6 hop-by-hop header inside",
					    "an inner TTL that ends at B",
					    "one to a host B has not resolved",
					    "all to another address of B's" };

	for (unsigned way = ONE_SA; way < WAYS; way++) {
		struct rte_mbuf *in[N], *copy[N], *esp[N], *out[N], *p;
		uint64_t express = B.w->stats.esp_in_express, nosa = gwsim_drops(&B, ESP_DROP_NO_SA);
		uint64_t auth = gwsim_drops(&B, ESP_DROP_AUTH), ttl = gwsim_drops(&B, ESP_DROP_TTL);
		uint64_t sa_dst = gwsim_drops(&B, ESP_DROP_SA_DST);
		uint64_t neigh = gwsim_drops(&B, ESP_DROP_NO_NEIGH);
		unsigned odd = way == ONE_SA ? N : 2, k = 0;

		gwsim_install(&c, spi);
		for (unsigned i = 0; i < N; i++) {
			bool far = way == UNRESOLVED && i == odd;  /* the rest the usual way */

			in[i] = gwsim_udp_frame(family, &mac_a_lan, v4 ? "10.1.0.1" : "fd01::1",
						far ? (v4 ? "10.2.0.77" : "fd02::77")
						    : (v4 ? "10.2.0.1" : "fd02::1"),
						(uint16_t)(5000 + i), 60 + 8 * i, 0, true);
			/* esp_in_plain4() or esp_in_plain6() turns it to
			 * esp_in_open(), which delivers it */
			if (way == INNER_OPTIONS && i == odd && v4)
				gwsim_add_ip4_options(in[i]);
			else if (way == INNER_OPTIONS && i == odd)
				gwsim_add_ip6_hop_by_hop(in[i]);
			if (way == INNER_TTL && i == odd)  /* 1 at B: the rest the usual way */
				set_hops_tos(in[i], family, 2, 0);
			copy[i] = rte_pktmbuf_copy(in[i], gwsim_pool, 0, UINT32_MAX);
		}
		worker_process_burst(A.w, A.lan, in, N);
		worker_flush(A.w);
		ck_assert_uint_eq(rte_ring_dequeue_burst(A.wan_tx[0], (void **)esp, N, NULL), N);
		ip = rte_pktmbuf_mtod_offset(esp[odd < N ? odd : 0], uint8_t *, 14);
		if (way == OTHER_SPI) {
			ip[(v4 ? 20 : 40) + 3] ^= 0x40;
		} else if (way == OUTER_TTL_1) {
			set_hops_tos(esp[odd], family, 1, 0);   /* to us: still delivered */
			odd = N;
		} else if (way == NOT_ESP) {
			ip[v4 ? offsetof(struct rte_ipv4_hdr, next_proto_id)   /* to us: punted */
			      : offsetof(struct rte_ipv6_hdr, proto)] = IPPROTO_UDP;
			if (v4)
				gwsim_ip4_recksum(esp[odd]);
		} else if (way == BAD_ICV) {
			rte_pktmbuf_mtod(esp[odd], uint8_t *)[rte_pktmbuf_data_len(esp[odd]) - 1] ^= 1;
		} else if (way == INNER_OPTIONS) {
			odd = N;
		}
		for (unsigned i = 0; i < N && way == OTHER_ADDRESS; i++) {
			/* B's LAN address: to B, but not the SA's (RFC 4301 §5.2) */
			struct esp_addr lan;

			gwsim_addr(&lan, v4 ? "10.2.0.254" : "fd02::254");
			ip = rte_pktmbuf_mtod_offset(esp[i], uint8_t *, 14);
			memcpy(ip + (v4 ? offsetof(struct rte_ipv4_hdr, dst_addr)
					: offsetof(struct rte_ipv6_hdr, dst_addr)),
			       lan.bytes, v4 ? 4 : 16);
			if (v4)
				gwsim_ip4_recksum(esp[i]);
		}
		for (unsigned i = 0; i < N; i++)
			memset(pkt_meta(esp[i]), 0xa5, sizeof(struct pkt_meta));
		worker_process_burst(B.w, B.wan, esp, N);
		worker_flush(B.w);
		unsigned n_out = rte_ring_dequeue_burst(B.lan_tx[0], (void **)out, N, NULL);

		ck_assert_msg(B.w->stats.esp_in_express - express ==
			      (way == ONE_SA || way == BAD_ICV || way == INNER_OPTIONS ||
			       way == INNER_TTL || way == UNRESOLVED ? N : 0),
			      "IPv%d, a burst with %s: %" PRIu64 " frames the express way",
			      v4 ? 4 : 6, name[way], B.w->stats.esp_in_express - express);
		ck_assert_uint_eq(n_out, way == OTHER_ADDRESS ? 0 : odd < N ? N - 1 : N);
		ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_SA_DST) - sa_dst,
				  way == OTHER_ADDRESS ? N : 0);
		ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_NO_SA) - nosa, way == OTHER_SPI);
		ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_AUTH) - auth, way == BAD_ICV);
		ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_TTL) - ttl, way == INNER_TTL);
		ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_NO_NEIGH) - neigh, way == UNRESOLVED);
		if (way == NOT_ESP || way == UNRESOLVED) {
			ck_assert_int_eq(rte_ring_dequeue(B.w->punt, (void **)&p), 0);
			ck_assert_uint_eq(pkt_meta(p)->in_port, B.wan);
			ck_assert_uint_eq(pkt_meta(p)->flags, 0);
			ck_assert_uint_eq(pkt_meta(p)->label, 0);
			rte_pktmbuf_free(p);
		}
		ck_assert_uint_eq(rte_ring_count(B.w->punt), 0);
		for (unsigned i = 0; i < N; i++) {
			if (i != odd && way != OTHER_ADDRESS) {
				gwsim_check_delivered(copy[i], out[k], family);
				rte_pktmbuf_free(out[k++]);
			}
			rte_pktmbuf_free(copy[i]);
		}
		gwsim_uninstall(spi);
	}
}

START_TEST(inbound_takes_whole_bursts_only)
{
	inbound_ways(AF_INET, 0x7601);
	inbound_ways(AF_INET6, 0x7605);
}
END_TEST

/* Packets B's inbound SA @p spi counted. */
static uint64_t b_packets(uint32_t spi)
{
	struct esp_sa *sa = sad_lookup(B.w->sad, spi);

	ck_assert_ptr_nonnull(sa);
	return sa->stats.packets;
}

/*
 * A burst of several inbound SAs' ESP to one address of B's (one peer's
 * child SAs, a packet of each in turn, or each SA's from a peer of its
 * own): the express way takes it whole when every SA is this worker's,
 * known and like the first (esp_in_express_joins()). B delivers each
 * packet in order, drops and
 * counts a bad ICV or a replay, and counts each SA's packets; a burst
 * with an SA not alike (AES-256-GCM among AES-128-GCM ones) or an SPI B
 * does not know goes the usual way, whole, to the same end.
 */
static void inbound_many_sas(int family, uint32_t spi)
{
	enum { SAS = 3, EACH = 4, N = SAS * EACH, ODD = 7 };
	enum { ALIKE, PEERS, BAD_ICV, REPLAYED, OTHER_CIPHER, UNKNOWN_SPI, WAYS };
	static const char *const name[] = { "alike SAs", "each SA's own peer", "a bad ICV",
					    "a replay",
					    "an AES-256 SA among AES-128 ones",
					    "an SPI B does not know" };
	bool v4 = family == AF_INET;

	for (unsigned way = ALIKE; way < WAYS; way++) {
		struct combo c[SAS];
		struct rte_mbuf *esp[N], *copy[N], *out[N];
		uint64_t express = B.w->stats.esp_in_express, sas = B.w->stats.esp_in_express_sas;
		uint64_t auth = gwsim_drops(&B, ESP_DROP_AUTH), nosa = gwsim_drops(&B, ESP_DROP_NO_SA);
		uint64_t replay = gwsim_drops(&B, ESP_DROP_REPLAY);
		bool taken = way == ALIKE || way == PEERS || way == BAD_ICV || way == REPLAYED;
		bool lost = way == BAD_ICV || way == REPLAYED || way == UNKNOWN_SPI;
		unsigned n_out, k = 0;

		/* each SA's ESP from A, whose only policy is that SA's while
		 * it is made; frame i is SA i % SAS's */
		for (unsigned a = 0; a < SAS; a++) {
			c[a] = (struct combo){ a == 2 && way == OTHER_CIPHER ? ESP_CIPHER_AES256_GCM16
									  : ESP_CIPHER_AES128_GCM16,
					       0, ESP_MODE_TUNNEL, family, family };
			gwsim_install(&c[a], spi + a);
			for (unsigned i = a; i < N; i += SAS) {
				struct rte_mbuf *m = gwsim_udp_frame(family, &mac_a_lan,
								     v4 ? "10.1.0.1" : "fd01::1",
								     v4 ? "10.2.0.1" : "fd02::1",
								     (uint16_t)(5000 + i), 60 + 4 * i, 0,
								     true);

				copy[i] = rte_pktmbuf_copy(m, gwsim_pool, 0, UINT32_MAX);
				ck_assert_ptr_nonnull(esp[i] = gwsim_run(&A, A.lan, m, A.wan_tx[0]));
			}
			ck_assert_int_eq(drv_policy_del(A.drv, spi + a), 0);
			worker_apply_msgs(A.w);
		}
		if (way == BAD_ICV) {
			rte_pktmbuf_mtod(esp[ODD], uint8_t *)[rte_pktmbuf_data_len(esp[ODD]) - 1] ^= 1;
		} else if (way == REPLAYED) {  /* its SA's packet before it, again */
			rte_pktmbuf_free(esp[ODD]);
			esp[ODD] = rte_pktmbuf_copy(esp[ODD - SAS], gwsim_pool, 0, UINT32_MAX);
		} else if (way == UNKNOWN_SPI) {
			rte_pktmbuf_mtod(esp[ODD], uint8_t *)[14 + (v4 ? 20 : 40) + 2] ^= 0x40;
		}
		for (unsigned i = 0; i < N && way == PEERS; i++) {
			/* the outer source's last octet: peer i % SAS */
			uint8_t *ip = rte_pktmbuf_mtod_offset(esp[i], uint8_t *, 14);

			ip[v4 ? offsetof(struct rte_ipv4_hdr, src_addr) + 3
			      : offsetof(struct rte_ipv6_hdr, src_addr) + 15] = (uint8_t)(10 + i % SAS);
			if (v4)
				gwsim_ip4_recksum(esp[i]);
		}
		worker_process_burst(B.w, B.wan, esp, N);
		worker_flush(B.w);
		n_out = rte_ring_dequeue_burst(B.lan_tx[0], (void **)out, N, NULL);

		ck_assert_msg(B.w->stats.esp_in_express - express == (taken ? N : 0) &&
			      B.w->stats.esp_in_express_sas - sas == (taken ? N : 0),
			      "IPv%d, a burst with %s: %" PRIu64 " frames the express way",
			      v4 ? 4 : 6, name[way], B.w->stats.esp_in_express - express);
		ck_assert_uint_eq(n_out, lost ? N - 1 : N);
		ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_AUTH) - auth, way == BAD_ICV);
		ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_REPLAY) - replay, way == REPLAYED);
		ck_assert_uint_eq(gwsim_drops(&B, ESP_DROP_NO_SA) - nosa, way == UNKNOWN_SPI);
		for (unsigned a = 0; a < SAS; a++)
			ck_assert_uint_eq(b_packets(spi + a), (lost && ODD % SAS == a) ? EACH - 1 : EACH);
		for (unsigned i = 0; i < N; i++) {
			if (!lost || i != ODD) {
				gwsim_check_delivered(copy[i], out[k], family);
				rte_pktmbuf_free(out[k++]);
			}
			rte_pktmbuf_free(copy[i]);
		}
		for (unsigned a = 0; a < SAS; a++) {
			gwsim_policy_add(&c[a], spi + a);
			gwsim_uninstall(spi + a);
		}
	}
}

START_TEST(inbound_takes_bursts_of_many_sas)
{
	inbound_many_sas(AF_INET, 0x7611);
	inbound_many_sas(AF_INET6, 0x7621);
}
END_TEST

/* A's worker on the @p n frames @p in from host A: how many of them A
 * sent out of its WAN port, into @p out (room for @p n). */
static unsigned a_sends(struct rte_mbuf **in, unsigned n, struct rte_mbuf **out)
{
	worker_process_burst(A.w, A.lan, in, (uint16_t)n);
	worker_flush(A.w);
	return rte_ring_dequeue_burst(A.wan_tx[0], (void **)out, n, NULL);
}

/*
 * The outbound express way takes a burst only when every frame is of one
 * flow the SPD protects with one of this worker's tunnels (here of the
 * flow's family; the other in express_ways_serve_their_sas_only), whose
 * route is resolved and whose
 * MTU every frame fits; the flow's addresses may be any hosts of the
 * policy's (no earlier policy overlaps it). A burst with anything else in
 * it goes the usual way, whole. Either way A sends what it may, in order, counts
 * what it drops or punts, and B delivers each packet as A got it.
 */
static void outbound_ways(int family, uint32_t spi)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, family, family };
	bool v4 = family == AF_INET;
	enum { N = 6 };
	enum { ONE_FLOW, HOSTS, TTL_1, OPTIONS, ALL_OPTIONS, TOO_BIG, NATT_PORT, WAYS };
	static const char *const name[] = { "one flow's", "many hosts of both sites",
					    "a TTL of 1",
					    "IPv4 options or an IPv6 hop-by-hop header",
					    "options in every frame",
					    "a frame too big for the tunnel",
					    "a frame to the NAT-T port" };

	for (unsigned way = ONE_FLOW; way < WAYS; way++) {
		struct rte_mbuf *in[N], *copy[N], *esp[N], *p;
		uint64_t express = A.w->stats.esp_out_express, ttl = gwsim_drops(&A, ESP_DROP_TTL);
		uint64_t too_big = gwsim_drops(&A, ESP_DROP_TOO_BIG);
		uint64_t queued = A.w->stats.esp_out_express_queued;
		unsigned odd = way == ONE_FLOW || way == HOSTS ? N : 3, k = 0, n_esp;
		bool lost = way == TTL_1 || way == TOO_BIG, whole = way == ONE_FLOW || way == HOSTS;

		gwsim_install(&c, spi);
		for (unsigned i = 0; i < N; i++) {
			/* hosts 1 to 3 to hosts 1 and 2, the first frame 2 to 2 */
			unsigned host = way == HOSTS ? (i + 1) % 3 + 1 : 1;
			unsigned to = way == HOSTS ? (i + 1) % 2 + 1 : 1;
			char src[32], dst[32];

			snprintf(src, sizeof(src), v4 ? "10.1.0.%u" : "fd01::%u", host);
			snprintf(dst, sizeof(dst), v4 ? "10.2.0.%u" : "fd02::%u", to);

			/* lengths of every pad; the policy's for any port, but
			 * UDP to the NAT-T port is the classifier's to judge
			 * (here: transit ESP-in-UDP of an SPI not ours, sent
			 * through the SPD) */
			in[i] = gwsim_udp_frame(family, &mac_a_lan, src, dst,
						i == odd && way == NATT_PORT ? 4500 : (uint16_t)(5000 + i),
						i == odd && way == TOO_BIG ? 1452 : 60 + 9 * i, 0,
						true);
			set_hops_tos(in[i], family, i == odd && way == TTL_1 ? 1 : 64,
				     (uint8_t)(i << 2));
			if (((i == odd && way == OPTIONS) || way == ALL_OPTIONS) && v4)
				gwsim_add_ip4_options(in[i]);
			else if ((i == odd && way == OPTIONS) || way == ALL_OPTIONS)
				gwsim_add_ip6_hop_by_hop(in[i]);
			copy[i] = rte_pktmbuf_copy(in[i], gwsim_pool, 0, UINT32_MAX);
		}
		n_esp = a_sends(in, N, esp);
		ck_assert_msg(A.w->stats.esp_out_express - express == (whole ? N : 0),
			      "IPv%d, a burst with %s: %" PRIu64 " frames the express way",
			      v4 ? 4 : 6, name[way], A.w->stats.esp_out_express - express);
		/* the rest, classified, the express transform's way
		 * (esp_out_express_batch()) */
		ck_assert_msg(A.w->stats.esp_out_express_queued - queued ==
				      (whole || way == TOO_BIG ? 0 : way == TTL_1 ? N - 1 : N),
			      "IPv%d, a burst with %s: %" PRIu64 " queued the express way",
			      v4 ? 4 : 6, name[way], A.w->stats.esp_out_express_queued - queued);
		ck_assert_uint_eq(n_esp, lost ? N - 1 : N);
		ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TTL) - ttl, way == TTL_1);
		ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TOO_BIG) - too_big, way == TOO_BIG);
		if (way == TOO_BIG) {  /* the sender is told */
			ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
			ck_assert_uint_eq(p->hash.usr,
					  PUNT_TOO_BIG | (1500u - (v4 ? 57 : 77)) << 16);
			rte_pktmbuf_free(p);
		}
		/* in order, but for the frame to the NAT-T port: the usual
		 * way sends it through the SPD after the burst's clear ones */
		unsigned order[N], j = 0;

		for (unsigned i = 0; i < N; i++)
			if (way != NATT_PORT || i != odd)
				order[j++] = i;
		if (way == NATT_PORT)
			order[j++] = odd;
		for (j = 0; j < N; j++) {
			unsigned i = order[j];

			if (!lost || i != odd) {
				ck_assert_ptr_nonnull(p = gwsim_run(&B, B.wan, esp[k++], B.lan_tx[0]));
				gwsim_check_delivered(copy[i], p, family);
				rte_pktmbuf_free(p);
			}
			rte_pktmbuf_free(copy[i]);
		}
		gwsim_uninstall(spi);
	}
}

START_TEST(outbound_takes_whole_bursts_only)
{
	outbound_ways(AF_INET, 0x7701);
	outbound_ways(AF_INET6, 0x7705);
}
END_TEST

/*
 * A burst from three hosts of A's site under its tunnel's policy, when a
 * policy for host 2 (discard) comes ahead of it: host 2's frames are
 * that policy's, so the burst goes the usual way, which drops them and
 * sends the others through the tunnel in order. With the discard behind
 * the tunnel's, or ahead of it for another site, the tunnel's policy
 * takes every frame and the express way the whole burst. Widening the
 * flow to the policy's sources whoever comes ahead fails it. Under a
 * policy of the tunnel for any destination, a frame to A itself is A's
 * (the usual way punts it), not the tunnel's.
 */
static void outbound_hosts_under_policies(int family, uint32_t spi)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, family, family };
	enum { N = 6 };
	enum { AHEAD, AHEAD_ELSEWHERE, BEHIND, TO_US, WAYS };
	static const char *const name[] = { "a discard for host 2 ahead",
					    "a discard for another site ahead",
					    "a discard for host 2 behind",
					    "the tunnel to anywhere, a frame to A" };
	bool v4 = family == AF_INET;

	for (unsigned way = AHEAD; way < WAYS; way++) {
		struct drv_policy pol = { .id = spi + 1, .priority = way == BEHIND ? 20 : 5,
					  .action = way == TO_US ? SPD_PROTECT : SPD_DISCARD,
					  .sa_spi = way == TO_US ? spi : 0 };
		struct esp_sa_params out;
		struct rte_mbuf *in[N], *copy[N], *esp[N], *p;
		uint64_t express = A.w->stats.esp_out_express;
		uint64_t discards = gwsim_drops(&A, ESP_DROP_SPD_DISCARD);
		unsigned n_esp, k = 0;
		bool split = way == AHEAD || way == TO_US;
		unsigned lost = way == AHEAD ? 2 : way == TO_US ? 1 : 0;

		gwsim_install(&c, spi);
		gwsim_sa_params(&out, &c, spi, ESP_DIR_OUT, true);
		pol.sel = out.sel;
		pol.sel.src_len = v4 ? 32 : 128;
		pol.sel.src[v4 ? 3 : 15] = 2;
		if (way == AHEAD_ELSEWHERE)
			pol.sel.src[1] = 9;   /* 10.9.0.2, fd09::2 */
		if (way == TO_US) {   /* A's site to anywhere */
			pol.sel.src_len = out.sel.src_len;
			pol.sel.dst_len = 0;
		}
		ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
		worker_apply_msgs(A.w);
		for (unsigned i = 0; i < N; i++) {
			char src[32];

			bool to_a = way == TO_US && i == 4;
			const char *dst = v4 ? (to_a ? "192.0.2.1" : i % 2 ? "10.2.0.2" : "10.2.0.1")
					     : (to_a ? "2001:db8::1" : i % 2 ? "fd02::2" : "fd02::1");

			snprintf(src, sizeof(src), v4 ? "10.1.0.%u" : "fd01::%u", i % 3 + 1);
			in[i] = gwsim_udp_frame(family, &mac_a_lan, src, dst, (uint16_t)(5000 + i),
						60 + 9 * i, 0, true);
			copy[i] = rte_pktmbuf_copy(in[i], gwsim_pool, 0, UINT32_MAX);
		}
		n_esp = a_sends(in, N, esp);
		ck_assert_msg(A.w->stats.esp_out_express - express == (split ? 0 : N),
			      "IPv%d, %s: %" PRIu64 " frames the express way", v4 ? 4 : 6, name[way],
			      A.w->stats.esp_out_express - express);
		ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_SPD_DISCARD) - discards,
				  way == AHEAD ? 2 : 0);
		ck_assert_uint_eq(n_esp, N - lost);
		if (way == TO_US) {   /* the frame to A, for its control plane */
			ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
			rte_pktmbuf_free(p);
		}
		for (unsigned i = 0; i < N; i++) {
			if (way == AHEAD ? i % 3 != 1 : way != TO_US || i != 4) {
				ck_assert_ptr_nonnull(p = gwsim_run(&B, B.wan, esp[k++], B.lan_tx[0]));
				gwsim_check_delivered(copy[i], p, family);
				rte_pktmbuf_free(p);
			}
			rte_pktmbuf_free(copy[i]);
		}
		ck_assert_int_eq(drv_policy_del(A.drv, spi + 1), 0);
		gwsim_uninstall(spi);
	}
}

START_TEST(outbound_hosts_follow_the_policies_ahead)
{
	outbound_hosts_under_policies(AF_INET, 0x7731);
	outbound_hosts_under_policies(AF_INET6, 0x7735);
}
END_TEST

/*
 * The wider flow of a tunnel's many hosts asks no frame's destination
 * while the policy's destination prefix holds none of A's own addresses
 * (worker.out_wide_clear), and asks again with a new FIB: once A takes
 * an address in B's site, the frames to it are A's (punted), the others
 * go through the tunnel the usual way; with the address gone, the whole
 * burst goes the express way again.
 */
START_TEST(outbound_hosts_ask_a_new_fib)
{
	enum { N = 6, BURSTS = 3 };

	for (int family = AF_INET; family != 0; family = family == AF_INET ? AF_INET6 : 0) {
		struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, family, family };
		bool v4 = family == AF_INET;

		gwsim_install(&c, 0x7741);
		for (unsigned b = 0; b < BURSTS; b++) {
			struct rte_mbuf *in[N], *copy[N], *esp[N], *p;
			uint64_t express = A.w->stats.esp_out_express;
			bool ours = b == 1;   /* host 2 of B's site is A's address */
			unsigned k = 0;

			gwsim_lan_addr(&A, ours ? (v4 ? "10.2.0.2" : "fd02::2") : NULL);
			for (unsigned i = 0; i < N; i++) {
				char src[32];

				snprintf(src, sizeof(src), v4 ? "10.1.0.%u" : "fd01::%u", i % 3 + 1);
				in[i] = gwsim_udp_frame(family, &mac_a_lan, src,
							v4 ? (i % 2 ? "10.2.0.2" : "10.2.0.1")
							   : (i % 2 ? "fd02::2" : "fd02::1"),
							(uint16_t)(5000 + i), 60 + 9 * i, 0, true);
				copy[i] = rte_pktmbuf_copy(in[i], gwsim_pool, 0, UINT32_MAX);
			}
			ck_assert_uint_eq(a_sends(in, N, esp), ours ? N / 2 : N);
			ck_assert_msg(A.w->stats.esp_out_express - express == (ours ? 0 : N),
				      "IPv%d, burst %u: %" PRIu64 " frames the express way", v4 ? 4 : 6,
				      b, A.w->stats.esp_out_express - express);
			ck_assert_uint_eq(gwsim_drain(A.w->punt), ours ? N / 2 : 0);
			for (unsigned i = 0; i < N; i++) {
				if (!ours || i % 2 == 0) {
					ck_assert_ptr_nonnull(p = gwsim_run(&B, B.wan, esp[k++],
									    B.lan_tx[0]));
					gwsim_check_delivered(copy[i], p, family);
					rte_pktmbuf_free(p);
				}
				rte_pktmbuf_free(copy[i]);
			}
		}
		gwsim_uninstall(0x7741);
	}
}
END_TEST

/*
 * Tunnel @p spi of @p c from A to B, and a policy of it (id spi + 1)
 * ahead of the tunnel's own for the destination prefix @p dst; undone by
 * tunnel_ahead_remove().
 */
static void tunnel_ahead_to(const struct combo *c, uint32_t spi, const char *dst)
{
	struct drv_policy pol = { .id = spi + 1, .priority = 5, .action = SPD_PROTECT,
				  .sa_spi = spi };
	struct esp_sa_params p;
	struct esp_addr a;

	gwsim_install(c, spi);
	gwsim_sa_params(&p, c, spi, ESP_DIR_OUT, true);
	pol.sel = p.sel;
	ck_assert_int_eq(esp_addr_parse(dst, &a, &pol.sel.dst_len), 0);
	memcpy(pol.sel.dst, a.bytes, sizeof(pol.sel.dst));
	ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
	worker_apply_msgs(A.w);
}

static void tunnel_ahead_remove(uint32_t spi)
{
	ck_assert_int_eq(drv_policy_del(A.drv, spi + 1), 0);
	gwsim_uninstall(spi);
}

/*
 * IPv6 multicast is never a tunnel's on the express way, as the
 * classifier has it: under a policy of the tunnel for fe00::/7 (alone; no
 * address of A's in it), a burst to fec0::1 and the group ff0e::1 in turn
 * goes the usual way, which sends the frames to fec0::1 through the
 * tunnel and keeps the group's from it.
 */
START_TEST(outbound_hosts_leave_multicast)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, AF_INET6 };
	enum { N = 6 };
	struct rte_mbuf *in[N], *esp[N];
	uint64_t express = A.w->stats.esp_out_express;

	tunnel_ahead_to(&c, 0x7751, "fe00::/7");
	for (unsigned i = 0; i < N; i++)
		in[i] = gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", i % 2 ? "ff0e::1" : "fec0::1",
					(uint16_t)(5000 + i), 60, 0, true);
	ck_assert_uint_eq(a_sends(in, N, esp), N / 2);
	ck_assert_uint_eq(A.w->stats.esp_out_express, express);
	rte_pktmbuf_free_bulk(esp, N / 2);
	gwsim_drain(A.w->punt);
	tunnel_ahead_remove(0x7751);
}
END_TEST

/*
 * A burst of clear traffic to several of A's tunnels (a packet to each in
 * turn; each tunnel's policy for one host of A's site) through one next
 * hop: classified, then encrypted by the express transform
 * (esp_out_express_batch()) when every SA is like the first and every
 * packet fits. Each tunnel's ESP carries its own sequence numbers, 1 on,
 * and B delivers every packet in order, also when one tunnel carries
 * the other family inside (each packet's family is read for it). A
 * burst with an AES-256-GCM
 * tunnel among AES-128-GCM ones, a NAT-T one, or a packet too big for
 * its tunnel goes the usual way, whole, to the same end (the one too big
 * dropped, its sender told).
 */
static void outbound_many_tunnels(int family, uint32_t spi)
{
	enum { SAS = 3, EACH = 4, N = SAS * EACH, ODD = 7 };
	enum { ALIKE, OTHER_INNER, OTHER_CIPHER, NATT, TOO_BIG, WAYS };
	static const char *const name[] = { "alike tunnels", "a tunnel of the other family inside",
					    "an AES-256 tunnel among AES-128 ones",
					    "a NAT-T tunnel", "a packet too big" };
	const int other = family == AF_INET ? AF_INET6 : AF_INET;
	bool v4 = family == AF_INET;

	for (unsigned way = ALIKE; way < WAYS; way++) {
		struct combo c[SAS];
		struct rte_mbuf *in[N], *copy[N], *esp[N], *p;
		uint64_t queued = A.w->stats.esp_out_express_queued;
		uint32_t seq[SAS] = { 0 };
		unsigned n_esp, k = 0;
		bool lost = way == TOO_BIG, taken = way == ALIKE || way == OTHER_INNER;
		/* tunnel a's family inside (outside: @p family) */
		int inner[SAS] = { family, way == OTHER_INNER ? other : family, family };

		for (unsigned a = 0; a < SAS; a++) {
			struct drv_policy pol = { .id = spi + a, .priority = 10,
						  .action = SPD_PROTECT, .sa_spi = spi + a };
			struct esp_sa_params out, inb;

			c[a] = (struct combo){ a == 2 && way == OTHER_CIPHER ? ESP_CIPHER_AES256_GCM16
									  : ESP_CIPHER_AES128_GCM16,
					       a == 1 && way == NATT ? ESP_SA_F_NATT : 0,
					       ESP_MODE_TUNNEL, inner[a], family };
			gwsim_sa_params(&out, &c[a], spi + a, ESP_DIR_OUT, true);
			gwsim_sa_params(&inb, &c[a], spi + a, ESP_DIR_IN, true);
			ck_assert_int_eq(drv_sa_add(A.drv, &out), 0);
			ck_assert_int_eq(drv_sa_add(B.drv, &inb), 0);
			/* from host a + 1 of A's site */
			pol.sel = out.sel;
			pol.sel.src_len = inner[a] == AF_INET ? 32 : 128;
			pol.sel.src[inner[a] == AF_INET ? 3 : 15] = (uint8_t)(a + 1);
			ck_assert_int_eq(drv_policy_add(A.drv, &pol), 0);
		}
		worker_apply_msgs(A.w);
		worker_apply_msgs(B.w);
		for (unsigned i = 0; i < N; i++) {
			bool in4 = inner[i % SAS] == AF_INET;
			char src[32];

			snprintf(src, sizeof(src), in4 ? "10.1.0.%u" : "fd01::%u", i % SAS + 1);
			in[i] = gwsim_udp_frame(inner[i % SAS], &mac_a_lan, src,
						in4 ? "10.2.0.1" : "fd02::1",
						(uint16_t)(5000 + i),
						i == ODD && way == TOO_BIG ? 1452 : 60 + 9 * i, 0, true);
			copy[i] = rte_pktmbuf_copy(in[i], gwsim_pool, 0, UINT32_MAX);
		}
		n_esp = a_sends(in, N, esp);
		ck_assert_msg(A.w->stats.esp_out_express_queued - queued == (taken ? N : 0),
			      "IPv%d, a burst with %s: %" PRIu64 " queued the express way",
			      v4 ? 4 : 6, name[way], A.w->stats.esp_out_express_queued - queued);
		ck_assert_uint_eq(n_esp, lost ? N - 1 : N);
		if (way == TOO_BIG) {
			ck_assert_int_eq(rte_ring_dequeue(A.w->punt, (void **)&p), 0);
			ck_assert_uint_eq(p->hash.usr & 0xffff, PUNT_TOO_BIG);
			rte_pktmbuf_free(p);
		}
		for (unsigned i = 0; i < N; i++) {
			if (lost && i == ODD) {
				rte_pktmbuf_free(copy[i]);
				continue;
			}
			/* tunnel i % SAS's, its next sequence number (past
			 * the outer header and, NAT-T, the UDP one) */
			const uint8_t *h = rte_pktmbuf_mtod_offset(esp[k], const uint8_t *,
				14 + (v4 ? 20 : 40) + (way == NATT && i % SAS == 1 ? 8 : 0));
			uint32_t a = i % SAS;

			ck_assert_uint_eq(rte_be_to_cpu_32(*(const uint32_t *)h), spi + a);
			ck_assert_uint_eq(rte_be_to_cpu_32(*(const uint32_t *)(h + 4)), ++seq[a]);
			ck_assert_ptr_nonnull(p = gwsim_run(&B, B.wan, esp[k++], B.lan_tx[0]));
			gwsim_check_delivered(copy[i], p, inner[a]);
			rte_pktmbuf_free(p);
			rte_pktmbuf_free(copy[i]);
		}
		for (unsigned a = 0; a < SAS; a++)
			gwsim_uninstall(spi + a);
	}
}

START_TEST(outbound_takes_bursts_of_many_tunnels)
{
	outbound_many_tunnels(AF_INET, 0x7711);
	outbound_many_tunnels(AF_INET6, 0x7721);
}
END_TEST

/* @p n frames from host A through A (out of its WAN port) and B: what B
 * sends out of its LAN port, all @p n of them. */
static void through_a_and_b(struct rte_mbuf **in, struct rte_mbuf **out, unsigned n)
{
	struct rte_mbuf *esp[WORKER_BURST];

	ck_assert_uint_le(n, RTE_DIM(esp));
	ck_assert_uint_eq(a_sends(in, n, esp), n);
	worker_process_burst(B.w, B.wan, esp, (uint16_t)n);
	worker_flush(B.w);
	ck_assert_uint_eq(rte_ring_dequeue_burst(B.lan_tx[0], (void **)out, n, NULL), n);
}

/*
 * The SAs each express way serves (esp_out_express_fits(),
 * esp_in_express_fits()): a burst of one flow from A to B through each
 * of these tunnels is taken or not as the table says, and arrives either
 * way. Outbound takes every cipher; inbound AES-GCM only; both either
 * family inside either; neither ESN, NAT-T or transport mode.
 */
START_TEST(express_ways_serve_their_sas_only)
{
	static const struct {
		struct combo c;
		bool out, in;      /* taken at A, at B */
	} cases[] = {
		{ { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, AF_INET6 }, true, true },
		{ { ESP_CIPHER_CHACHA20_POLY1305, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET }, true, false },
		{ { ESP_CIPHER_AES128_GCM16, ESP_SA_F_ESN, ESP_MODE_TUNNEL, AF_INET, AF_INET },
		  false, false },
		{ { ESP_CIPHER_AES128_GCM16, ESP_SA_F_NATT, ESP_MODE_TUNNEL, AF_INET, AF_INET },
		  false, false },
		{ { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET6 }, true, true },
		{ { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, AF_INET }, true, true },
		{ { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TRANSPORT, AF_INET, AF_INET }, false, false },
	};
	enum { N = 6 };

	for (unsigned o = 0; o < RTE_DIM(cases); o++) {
		const struct combo *c = &cases[o].c;
		struct rte_mbuf *in[N], *out[N];
		uint64_t taken_out = A.w->stats.esp_out_express, taken_in = B.w->stats.esp_in_express;
		bool v4 = c->inner == AF_INET;

		gwsim_install(c, 0x7702);
		for (unsigned i = 0; i < N; i++)
			in[i] = gwsim_udp_frame(c->inner, &mac_a_lan, v4 ? "10.1.0.1" : "fd01::1",
						v4 ? "10.2.0.1" : "fd02::1", (uint16_t)(5000 + i), 60,
						0, true);
		through_a_and_b(in, out, N);
		ck_assert_msg(A.w->stats.esp_out_express - taken_out == (cases[o].out ? N : 0) &&
			      B.w->stats.esp_in_express - taken_in == (cases[o].in ? N : 0),
			      "combination %u: %" PRIu64 " frames taken outbound, %" PRIu64 " inbound",
			      o, A.w->stats.esp_out_express - taken_out,
			      B.w->stats.esp_in_express - taken_in);
		rte_pktmbuf_free_bulk(out, N);
		gwsim_uninstall(0x7702);
	}
}
END_TEST

/*
 * The inbound express way forwards in its transform's pass to the next hop
 * of the tunnel's last run (struct esp_in_via): from the second burst on,
 * and only until a new FIB. Host B moves to another link address between
 * the second and the third burst: the third goes to it, every burst the
 * express way, every packet delivered.
 */
START_TEST(inbound_express_follows_a_new_fib)
{
	static const struct rte_ether_addr moved = {{ 2, 0, 0, 0, 0x1b, 2 }};
	enum { N = 6, BURSTS = 3 };

	for (int family = AF_INET; family != 0; family = family == AF_INET ? AF_INET6 : 0) {
		struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, family, family };
		bool v4 = family == AF_INET;

		gwsim_install(&c, 0x7705);
		for (unsigned b = 0; b < BURSTS; b++) {
			struct rte_mbuf *in[N], *copy[N], *out[N];
			uint64_t taken = B.w->stats.esp_in_express;
			const struct rte_ether_addr *host = b == 2 ? &moved : &mac_host_b;

			if (b == 2)
				gwsim_lan_hosts_move(&B, &moved);
			/* the first run's next hop, and none from an old FIB */
			if (b > 0)
				ck_assert_uint_eq(B.w->in_via.family, b == 1 ? family : 0);
			for (unsigned i = 0; i < N; i++) {
				in[i] = gwsim_udp_frame(family, &mac_a_lan, v4 ? "10.1.0.1" : "fd01::1",
							v4 ? "10.2.0.1" : "fd02::1",
							(uint16_t)(5000 + i), 60 + 8 * i, 0, true);
				copy[i] = rte_pktmbuf_copy(in[i], gwsim_pool, 0, UINT32_MAX);
			}
			through_a_and_b(in, out, N);
			ck_assert_uint_eq(B.w->stats.esp_in_express - taken, N);
			for (unsigned i = 0; i < N; i++) {
				struct rte_ether_hdr *eth = rte_pktmbuf_mtod(out[i], struct rte_ether_hdr *);

				ck_assert_msg(rte_is_same_ether_addr(&eth->dst_addr, host),
					      "IPv%d, burst %u, packet %u: to the wrong host",
					      v4 ? 4 : 6, b, i);
				eth->dst_addr = mac_host_b;   /* the rest as delivered */
				gwsim_check_delivered(copy[i], out[i], family);
				rte_pktmbuf_free(out[i]);
				rte_pktmbuf_free(copy[i]);
			}
		}
		gwsim_lan_hosts_move(&B, &mac_host_b);
		gwsim_uninstall(0x7705);
	}
}
END_TEST

/* The SPI of the ESP frame @p m that A sent, in an outer header of
 * @p family. */
static uint32_t esp_spi_of(const struct rte_mbuf *m, int family)
{
	uint32_t spi;

	memcpy(&spi, rte_pktmbuf_mtod_offset(m, const uint8_t *,
					     14 + (family == AF_INET ? 20 : 40)), 4);
	return rte_be_to_cpu_32(spi);
}

/*
 * The outbound express way remembers its last burst's flow, rule and SA
 * (worker.out_memo) and forgets them with each control message: bursts
 * of one flow go the express way, the memo's from the second on; with a
 * discard policy for the flow's destination added ahead, the next burst
 * of that flow is dropped, none of it the express way; with the discard
 * gone and another tunnel's policy ahead, the next goes the express way
 * through that tunnel; a first frame with a TTL of 1 is the usual way's
 * whatever the memo says.
 */
START_TEST(outbound_memo_follows_each_change)
{
	enum { N = 4, FIRST = 0x7761, AHEAD = 0x7765 };
	enum { TUNNEL, AGAIN, DISCARD, OTHER_TUNNEL, TTL_1, STEPS };

	for (int family = AF_INET; family != 0; family = family == AF_INET ? AF_INET6 : 0) {
		struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, family, family };
		bool v4 = family == AF_INET;
		struct drv_policy discard = { .id = FIRST + 1, .priority = 5,
					      .action = SPD_DISCARD };
		struct esp_sa_params out;

		gwsim_install(&c, FIRST);
		gwsim_sa_params(&out, &c, FIRST, ESP_DIR_OUT, true);
		discard.sel = out.sel;
		for (unsigned step = TUNNEL; step < STEPS; step++) {
			struct rte_mbuf *in[N], *esp[N];
			uint64_t express = A.w->stats.esp_out_express;
			uint64_t discards = gwsim_drops(&A, ESP_DROP_SPD_DISCARD);
			uint64_t ttl = gwsim_drops(&A, ESP_DROP_TTL);
			unsigned sent, want = step == DISCARD ? 0 : step == TTL_1 ? N - 1 : N;

			if (step == DISCARD) {
				ck_assert_int_eq(drv_policy_add(A.drv, &discard), 0);
				worker_apply_msgs(A.w);
				ck_assert_uint_eq(A.w->out_memo.family, 0);
			} else if (step == OTHER_TUNNEL) {
				ck_assert_int_eq(drv_policy_del(A.drv, discard.id), 0);
				tunnel_ahead_to(&c, AHEAD, v4 ? "10.2.0.0/24" : "fd02::/64");
			}
			if (step == AGAIN || step == TTL_1)
				ck_assert_uint_eq(A.w->out_memo.family, family);
			for (unsigned i = 0; i < N; i++) {
				in[i] = gwsim_udp_frame(family, &mac_a_lan, v4 ? "10.1.0.1" : "fd01::1",
							v4 ? "10.2.0.1" : "fd02::1",
							(uint16_t)(5000 + i), 60 + 9 * i, 0, true);
				if (step == TTL_1 && i == 0)
					set_hops_tos(in[i], family, 1, 0);
			}
			sent = a_sends(in, N, esp);
			ck_assert_msg(sent == want, "IPv%d, step %u: %u sent", v4 ? 4 : 6, step, sent);
			ck_assert_msg(A.w->stats.esp_out_express - express ==
					      (step == DISCARD || step == TTL_1 ? 0 : N),
				      "IPv%d, step %u: %" PRIu64 " frames the express way", v4 ? 4 : 6,
				      step, A.w->stats.esp_out_express - express);
			ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_SPD_DISCARD) - discards,
					  step == DISCARD ? N : 0);
			ck_assert_uint_eq(gwsim_drops(&A, ESP_DROP_TTL) - ttl, step == TTL_1);
			for (unsigned i = 0; i < sent; i++)
				ck_assert_uint_eq(esp_spi_of(esp[i], family),
						  step >= OTHER_TUNNEL ? AHEAD : FIRST);
			rte_pktmbuf_free_bulk(esp, sent);
		}
		tunnel_ahead_remove(AHEAD);
		gwsim_uninstall(FIRST);
	}
}
END_TEST

/*
 * Traffic to the gateway itself is never the outbound express way's, even
 * where a policy would protect it: a burst from host A to A's WAN address
 * under a policy for it is punted frame by frame, as the classifier does.
 */
START_TEST(outbound_leaves_traffic_to_us)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct rte_mbuf *in[4];
	uint64_t express = A.w->stats.esp_out_express;

	tunnel_ahead_to(&c, 0x7703, "192.0.2.1/32");   /* A's */
	for (unsigned i = 0; i < RTE_DIM(in); i++)
		in[i] = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "192.0.2.1",
					(uint16_t)(5000 + i), 60, 0, true);
	worker_process_burst(A.w, A.lan, in, RTE_DIM(in));
	worker_flush(A.w);
	ck_assert_uint_eq(A.w->stats.esp_out_express, express);
	ck_assert_uint_eq(rte_ring_count(A.wan_tx[0]), 0);
	ck_assert_uint_eq(gwsim_drain(A.w->punt), RTE_DIM(in));
	tunnel_ahead_remove(0x7703);
}
END_TEST

static void setup(void)
{
	gwsim_setup("test_express");
	/* B's second host */
	gwsim_lan_neigh(&B, "10.2.0.2", &mac_host_b);
	gwsim_lan_neigh(&B, "fd02::2", &mac_host_b);
}

int main(void)
{
	Suite *s = suite_create("express");
	TCase *tc = tcase_create("express");

	tcase_add_unchecked_fixture(tc, setup, gwsim_teardown);
	tcase_add_checked_fixture(tc, NULL, gwsim_quiesce);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, inbound_takes_whole_bursts_only);
	tcase_add_test(tc, inbound_takes_bursts_of_many_sas);
	tcase_add_test(tc, outbound_takes_whole_bursts_only);
	tcase_add_test(tc, outbound_takes_bursts_of_many_tunnels);
	tcase_add_test(tc, outbound_hosts_follow_the_policies_ahead);
	tcase_add_test(tc, outbound_hosts_ask_a_new_fib);
	tcase_add_test(tc, outbound_hosts_leave_multicast);
	tcase_add_test(tc, express_ways_serve_their_sas_only);
	tcase_add_test(tc, inbound_express_follows_a_new_fib);
	tcase_add_test(tc, outbound_leaves_traffic_to_us);
	tcase_add_test(tc, outbound_memo_follows_each_change);
	suite_add_tcase(s, tc);
	return check_run_nofork(s);
}
