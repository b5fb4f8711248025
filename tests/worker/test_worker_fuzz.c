/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker fuzz entry in the normal test run: valid frames of every kind
 * (clear UDP, ESP from A for each SA, ARP, IPv6 ND, VLAN-tagged, a burst
 * of two SAs' ESP), then
 * thousands of deterministic mutations of them (bit flips, truncations,
 * overwritten bytes, length fields), through the usual way and the express
 * ways (IPv4 and IPv6, inbound and outbound). Nothing may crash (run in the ASan build too) and
 * no mbuf may leak: the pool is full again at the end.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "tests/worker/gwsim.h"
#include "tests/worker/worker_fuzz.h"
#include "tests/check_run.h"

enum { SEEDS_MAX = 16, MUTATIONS = 20000 };

static uint8_t seeds[SEEDS_MAX][2048];
static size_t seed_len[SEEDS_MAX];
static unsigned n_seeds;

static void seed_from(uint8_t port, struct rte_mbuf *m)
{
	ck_assert_uint_lt(n_seeds, SEEDS_MAX);
	seeds[n_seeds][0] = port;
	memcpy(&seeds[n_seeds][1], rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m));
	seed_len[n_seeds++] = 1 + rte_pktmbuf_data_len(m);
	rte_pktmbuf_free(m);
}

/* The seeds as files in @p dir (when given), a corpus for the libFuzzer
 * target fuzz_worker, which has the same gateways and SAs. */
static void seeds_write(const char *dir)
{
	for (unsigned i = 0; dir != NULL && i < n_seeds; i++) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%02u", dir, i);
		f = fopen(path, "wb");
		ck_assert_msg(f != NULL, "cannot write %s", path);
		ck_assert_uint_eq(fwrite(seeds[i], 1, seed_len[i], f), seed_len[i]);
		fclose(f);
	}
}

/* A seed of a burst to @p port (worker_fuzz_one()'s: 0 A's LAN, 3 B's WAN): the @p n
 * frames @p m. */
static void seed_burst(uint8_t port, struct rte_mbuf **m, unsigned n)
{
	size_t len = 1;

	ck_assert_uint_lt(n_seeds, SEEDS_MAX);
	seeds[n_seeds][0] = port | WORKER_FUZZ_BURST;
	for (unsigned i = 0; i < n; i++) {
		uint16_t flen = rte_pktmbuf_data_len(m[i]);

		ck_assert_uint_le(len + 2 + flen, sizeof(seeds[0]));
		seeds[n_seeds][len] = (uint8_t)(flen >> 8);
		seeds[n_seeds][len + 1] = (uint8_t)flen;
		memcpy(&seeds[n_seeds][len + 2], rte_pktmbuf_mtod(m[i], void *), flen);
		len += 2 + (size_t)flen;
		rte_pktmbuf_free(m[i]);
	}
	seed_len[n_seeds++] = len;
}

/* ESP from A of its policy's SA for 10.1.0.1 to 10.2.0.1 (@p len octets
 * of UDP payload), as B's WAN sees it. */
static struct rte_mbuf *esp4_from_a(unsigned len)
{
	struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, len,
					     0, true);

	ck_assert_ptr_nonnull(m = gwsim_run(&A, A.lan, m, A.wan_tx[0]));
	return m;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

START_TEST(mutated_frames_never_crash_or_leak)
{
	static const char *const src[] = { "10.1.0.1", "fd01::1", "10.1.0.1" };
	static const char *const dst[] = { "10.2.0.1", "fd02::1", "10.2.0.1" };
	unsigned avail;

	worker_fuzz_init();
	/* ESP from A for each installed SA, as B's WAN sees it. */
	for (unsigned i = 0; i < 3; i++) {
		struct rte_mbuf *m = gwsim_udp_frame(i == 1 ? AF_INET6 : AF_INET, &mac_a_lan,
						     src[i], dst[i], 5000, 40 + i * 100, 0, true);
		struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

		ck_assert_ptr_nonnull(esp);
		seed_from(3, esp);
		seed_from(0, gwsim_udp_frame(i == 1 ? AF_INET6 : AF_INET, &mac_a_lan, src[i],
					     dst[i], 5000, 64, i == 2 ? 100 : 0, false));
	}
	/* A's IPv6 policy now the AES-GCM tunnel's (B has both SAs): its
	 * ESP and clear frames reach the IPv6 express ways */
	uint64_t express6 = B.w->stats.esp_in_express;

	ck_assert_int_eq(drv_policy_del(A.drv, 0x101), 0);
	gwsim_policy_add(&worker_fuzz_aes6, WORKER_FUZZ_AES6_SPI);
	seed_from(3, gwsim_run(&A, A.lan, gwsim_udp_frame(AF_INET6, &mac_a_lan, "fd01::1", "fd02::1",
							  5000, 140, 0, true),
			       A.wan_tx[0]));
	worker_fuzz_one(seeds[n_seeds - 1], seed_len[n_seeds - 1]);
	ck_assert_uint_eq(B.w->stats.esp_in_express, express6 + 1);
	seed_from(1, gwsim_udp_frame(AF_INET, &mac_a_wan, "192.0.2.2", "192.0.2.1", 500, 64, 0, true));
	seed_from(1, gwsim_udp_frame(AF_INET, &mac_a_wan, "192.0.2.2", "192.0.2.1", 4500, 64, 0, true));
	seed_from(0, gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 1400, 0, false));
	/* ARP request for A's LAN address */
	static const uint8_t arp[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0x1a, 1, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0x1a, 1, 10, 1, 0, 1,
		0, 0, 0, 0, 0, 0, 10, 1, 0, 254,
	};
	seeds[n_seeds][0] = 0;
	memcpy(&seeds[n_seeds][1], arp, sizeof(arp));
	seed_len[n_seeds++] = 1 + sizeof(arp);
	/* a burst of ESP of two IPv4 tunnels, 0x100 and 0x104 in turn (A's
	 * only IPv4 policy the second's for a while): the inbound express
	 * way of many SAs takes it */
	struct rte_mbuf *two[4];
	uint64_t express_sas = B.w->stats.esp_in_express_sas;

	two[0] = esp4_from_a(40);
	two[2] = esp4_from_a(60);
	ck_assert_int_eq(drv_policy_del(A.drv, 0x100), 0);
	ck_assert_int_eq(drv_policy_del(A.drv, 0x102), 0);
	gwsim_policy_add(&worker_fuzz_combos[0], WORKER_FUZZ_AES4_SPI);
	two[1] = esp4_from_a(50);
	two[3] = esp4_from_a(70);
	ck_assert_int_eq(drv_policy_del(A.drv, WORKER_FUZZ_AES4_SPI), 0);
	gwsim_policy_add(&worker_fuzz_combos[0], 0x100);
	gwsim_policy_add(&worker_fuzz_combos[2], 0x102);
	seed_burst(3, two, 4);
	/* bursts of clear frames from three hosts of A's site into the
	 * IPv4 AES-GCM tunnel: to two hosts of B's, the express way (the
	 * policy is alone in the SPD); with a TTL of 1 in the second frame,
	 * classified, the rest then the express transform
	 * (esp_out_express_batch()) */
	uint64_t queued = A.w->stats.esp_out_express_queued, express = A.w->stats.esp_out_express;

	for (unsigned ttl_1 = 0; ttl_1 <= 1; ttl_1++) {
		for (unsigned i = 0; i < 3; i++) {
			char host[16], to_host[16];

			snprintf(host, sizeof(host), "10.1.0.%u", i + 1);
			snprintf(to_host, sizeof(to_host), "10.2.0.%u", i % 2 + 1);
			two[i] = gwsim_udp_frame(AF_INET, &mac_a_lan, host, to_host, 5000, 40 + 30 * i,
						 0, true);
		}
		if (ttl_1) {
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
				two[1], struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));

			ip->time_to_live = 1;
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		seed_burst(0, two, 3);
	}

	for (unsigned i = 0; i < n_seeds; i++)
		worker_fuzz_one(seeds[i], seed_len[i]);
	ck_assert_uint_eq(B.w->stats.esp_in_express_sas, express_sas + 4);
	ck_assert_uint_ge(A.w->stats.esp_out_express, express + 3);
	ck_assert_uint_ge(A.w->stats.esp_out_express_queued, queued + 2);
	seeds_write(getenv("WORKER_FUZZ_SEEDS"));
	avail = worker_fuzz_pool_avail();
	for (unsigned i = 0; i < MUTATIONS; i++) {
		uint8_t buf[2048];
		unsigned s = next() % n_seeds;
		size_t len = seed_len[s];

		memcpy(buf, seeds[s], len);
		switch (next() % 4) {
		case 0: /* flip a few bits */
			for (unsigned k = 1 + next() % 4; k > 0; k--)
				buf[1 + next() % (len - 1)] ^= (uint8_t)(1u << (next() % 8));
			break;
		case 1: /* truncate */
			len = 1 + next() % (len - 1);
			break;
		case 2: /* overwrite a byte in the headers */
			buf[1 + next() % RTE_MIN(len - 1, (size_t)80)] = (uint8_t)next();
			break;
		default: /* grow with garbage */
			while (len < sizeof(buf) && next() % 8)
				buf[len++] = (uint8_t)next();
			break;
		}
		worker_fuzz_one(buf, len);
	}
	ck_assert_uint_eq(worker_fuzz_pool_avail(), avail);
	/* the AES-GCM tunnel's mutated ESP and clear frames reached the
	 * express ways too (worker_express.c) */
	ck_assert_uint_gt(B.w->stats.esp_in_express, 100);
	ck_assert_uint_gt(B.w->stats.esp_in_express_sas, 100);
	ck_assert_uint_gt(A.w->stats.esp_out_express, 100);
	ck_assert_uint_gt(A.w->stats.esp_out_express_queued, 100);
	/* The SAs still work afterwards. */
	struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 64, 0, true);
	struct rte_mbuf *esp = gwsim_run(&A, A.lan, m, A.wan_tx[0]);

	ck_assert_ptr_nonnull(esp);
	struct rte_mbuf *clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);

	ck_assert_ptr_nonnull(clear);
	rte_pktmbuf_free(clear);
	gwsim_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("worker-fuzz");
	TCase *tc = tcase_create("mutations");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, mutated_frames_never_crash_or_leak);
	suite_add_tcase(s, tc);
	return check_run_nofork(s);
}
