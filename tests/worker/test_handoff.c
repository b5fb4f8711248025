/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two workers on one gateway (C, a copy of A): packets that arrive on the
 * worker that does not own their SA are handed to the owner through its
 * ring, outbound and inbound, and an SA deleted while one of its packets
 * is in flight between workers is freed only after that packet is done
 * (two RCU grace periods; the ASan build of this test catches a use after
 * free).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dataplane/sad.h"
#include "tests/worker/gwsim.h"
#include "tests/check_run.h"

static struct gwsim C;

static void teardown(void)
{
	gwsim_free(&C);
	gwsim_teardown();
}

static void setup(void)
{
	gwsim_setup("test_handoff");
	gwsim_init(&C, 'c', 2);
	/* Workers report quiescent states from worker_poll(); online
	 * before they run, as espritd makes them. */
	for (unsigned w = 0; w < 2; w++)
		worker_rcu_online(C.peers[w]);
}

/* After each test: what a failed one left in C does not reach the next */
static void sweep(void)
{
	gwsim_sweep(&C);
	gwsim_quiesce();
}

static void sa_pair(uint32_t spi, uint16_t owner_out)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct esp_sa_params out, in;
	struct drv_policy pol = { .id = spi, .priority = 1, .action = SPD_PROTECT, .sa_spi = spi };

	gwsim_sa_params(&out, &c, spi, ESP_DIR_OUT, true);
	gwsim_sa_params(&in, &c, spi, ESP_DIR_IN, true);
	out.owner = owner_out;
	ck_assert_int_eq(drv_sa_add(C.drv, &out), 0);
	ck_assert_int_eq(drv_sa_add(B.drv, &in), 0);
	pol.sel = out.sel;
	ck_assert_int_eq(drv_policy_add(C.drv, &pol), 0);
	worker_apply_msgs(C.peers[0]);
	worker_apply_msgs(C.peers[1]);
	worker_apply_msgs(B.w);
}

START_TEST(outbound_goes_to_the_owner)
{
	struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000,
					     100, 0, true), *esp = NULL;

	sa_pair(0x3001, 1);
	worker_process_burst(C.peers[0], C.lan, &m, 1);
	worker_flush(C.peers[0]);
	ck_assert_uint_eq(rte_ring_count(C.wan_tx[0]), 0);
	ck_assert_uint_eq(C.peers[0]->stats.handoff_out, 1);
	ck_assert_uint_eq(rte_ring_count(C.peers[1]->handoff), 1);
	worker_poll(C.peers[1]);
	ck_assert_uint_eq(C.peers[1]->stats.handoff_in, 1);
	ck_assert_int_eq(rte_ring_dequeue(C.wan_tx[1], (void **)&esp), 0);
	struct rte_mbuf *clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);

	ck_assert_ptr_nonnull(clear);
	rte_pktmbuf_free(clear);
	ck_assert_int_eq(drv_policy_del(C.drv, 0x3001), 0);
}
END_TEST

/*
 * A poll whose burst handed packets to another worker asks for 32 frames
 * next time, however long they are (worker_poll): 64 long frames of
 * worker 1's SA arrive at worker 0 in two polls of 32, not 32 and 8, and
 * all of them leave worker 1 as ESP (bursts of one flow, but another
 * worker's SA: not worker 0's express way).
 */
START_TEST(handing_bursts_stay_long)
{
	struct rte_ring *rx = rte_ring_lookup("c_lan_rx0");
	struct worker *w0 = C.peers[0], *w1 = C.peers[1];
	uint64_t handed = w0->stats.handoff_out, express = w0->stats.esp_out_express;

	ck_assert_ptr_nonnull(rx);
	sa_pair(0x3005, 1);
	w0->rxq[0] = (struct worker_rxq){ .port = C.lan, .queue = 0 };
	w0->n_rxq = 1;
	for (unsigned i = 0; i < 64; i++)
		ck_assert_int_eq(rte_ring_enqueue(rx, gwsim_udp_frame(AF_INET, &mac_a_lan,
								      "10.1.0.1", "10.2.0.1",
								      5000, 1392, 0, true)), 0);
	for (unsigned k = 0; k < 2; k++) {
		ck_assert_uint_eq(worker_poll(w0), 32);
		ck_assert_uint_eq(worker_poll(w1), 32);
		ck_assert_uint_eq(gwsim_drain(C.wan_tx[1]), 32);
	}
	ck_assert_uint_eq(rte_ring_count(rx), 0);
	ck_assert_uint_eq(w0->stats.handoff_out - handed, 64);
	ck_assert_uint_eq(w0->stats.esp_out_express, express);
	w0->n_rxq = 0;
	ck_assert_int_eq(drv_policy_del(C.drv, 0x3005), 0);
}
END_TEST

/* The SPI of ESP frame @p m (untagged IPv4 outer header, no options). */
static uint32_t esp_spi_of(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *) + 14 + 20;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One frame of the 10.1/10.2 tunnel into C's worker @p wi; the SPI of the
 * ESP it sent itself (0: none) and whether it handed the frame over. */
static uint32_t send_on(unsigned wi, bool *handed)
{
	struct worker *w = C.peers[wi];
	uint64_t before = w->stats.handoff_out;
	struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000,
					     100, 0, true), *esp = NULL;
	uint32_t spi = 0;

	worker_process_burst(w, C.lan, &m, 1);
	worker_flush(w);
	*handed = w->stats.handoff_out != before;
	if (rte_ring_dequeue(C.wan_tx[wi], (void **)&esp) == 0) {
		spi = esp_spi_of(esp);
		rte_pktmbuf_free(esp);
	}
	/* what was handed: sent by the other worker */
	worker_poll(C.peers[1 - wi]);
	gwsim_drain(C.wan_tx[1 - wi]);
	return spi;
}

/*
 * Per-resource SAs (RFC 9611): a policy that lists an outbound SA of each
 * worker has each worker send with its own, no handoff; a worker owning
 * none of them hands to the owner of the policy's SA; an SA deleted or
 * added republishes the workers' snapshots.
 */
START_TEST(per_resource_sas_send_from_each_worker)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct drv_policy pol = { .id = 0x5000, .priority = 1, .action = SPD_PROTECT,
				  .sa_spi = 0x5001, .res_spi = { 0x5001, 0x5002 } };
	struct esp_sa_params out;
	bool handed;

	for (uint32_t k = 0; k < 2; k++) {
		gwsim_sa_params(&out, &c, 0x5001 + k, ESP_DIR_OUT, true);
		out.owner = (uint16_t)k;
		ck_assert_int_eq(drv_sa_add(C.drv, &out), 0);
	}
	/* enough other policies that the snapshots are indexed (worker 1's
	 * copy borrows worker 0's index) */
	for (uint32_t k = 0; k < SPD_INDEX_FROM; k++) {
		struct drv_policy by = { .id = 0x5100 + k, .priority = 2 + k,
					 .action = SPD_BYPASS, .sel = out.sel };

		by.sel.dst[1] = (uint8_t)(100 + k);
		by.sel.dst_len = 16;
		ck_assert_int_eq(drv_policy_add(C.drv, &by), 0);
	}
	pol.sel = out.sel;
	ck_assert_int_eq(drv_policy_add(C.drv, &pol), 0);
	worker_apply_msgs(C.peers[0]);
	worker_apply_msgs(C.peers[1]);
	ck_assert_ptr_ne(C.peers[0]->spd, C.peers[1]->spd);
	ck_assert_ptr_nonnull(C.peers[0]->spd->ix4);
	ck_assert_ptr_eq(C.peers[0]->spd->ix4, C.peers[1]->spd->ix4);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(send_on(0, &handed), 0x5001);
		ck_assert(!handed);
		ck_assert_uint_eq(send_on(1, &handed), 0x5002);
		ck_assert(!handed);
	}
	/* worker 1's SA gone: it hands to the owner of the policy's SA */
	ck_assert_int_eq(drv_sa_del(C.drv, 0x5002, ESP_DIR_OUT), 0);
	worker_apply_msgs(C.peers[0]);
	worker_apply_msgs(C.peers[1]);
	ck_assert_uint_eq(send_on(1, &handed), 0);
	ck_assert(handed);
	/* and back: the SA added again is used at once */
	gwsim_sa_params(&out, &c, 0x5002, ESP_DIR_OUT, true);
	out.owner = 1;
	ck_assert_int_eq(drv_sa_add(C.drv, &out), 0);
	worker_apply_msgs(C.peers[0]);
	worker_apply_msgs(C.peers[1]);
	ck_assert_uint_eq(send_on(1, &handed), 0x5002);
	ck_assert(!handed);
	ck_assert_int_eq(drv_policy_del(C.drv, 0x5000), 0);
	/* no per-resource SA left: one snapshot again */
	worker_apply_msgs(C.peers[0]);
	worker_apply_msgs(C.peers[1]);
	ck_assert_ptr_eq(C.peers[0]->spd, C.peers[1]->spd);
	/* only per-resource SAs, no sa_spi: a worker owning none of them
	 * (here worker 0) hands to the first's owner */
	pol.sa_spi = 0;
	pol.res_spi[0] = 0x5002;
	pol.res_spi[1] = 0;
	ck_assert_int_eq(drv_policy_add(C.drv, &pol), 0);
	worker_apply_msgs(C.peers[0]);
	worker_apply_msgs(C.peers[1]);
	ck_assert_uint_eq(send_on(0, &handed), 0);
	ck_assert(handed);
	ck_assert_uint_eq(send_on(1, &handed), 0x5002);
	ck_assert(!handed);
	ck_assert_int_eq(drv_policy_del(C.drv, 0x5000), 0);
	for (uint32_t k = 0; k < 2; k++)
		ck_assert_int_eq(drv_sa_del(C.drv, 0x5001 + k, ESP_DIR_OUT), 0);
	for (uint32_t k = 0; k < SPD_INDEX_FROM; k++)
		ck_assert_int_eq(drv_policy_del(C.drv, 0x5100 + k), 0);
	/* the retired snapshots freed (copies before the index's owner) */
	for (unsigned i = 0; i < 4; i++) {
		worker_poll(C.peers[0]);
		worker_poll(C.peers[1]);
		C.drv->ops->poll(C.drv);
	}
}
END_TEST

START_TEST(inbound_goes_to_spi_mod_workers)
{
	struct combo c = { ESP_CIPHER_CHACHA20_POLY1305, ESP_SA_F_IIV, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct esp_sa_params out, in;
	uint32_t spi = 0x4001; /* odd: owned by worker 1 of C */
	struct drv_policy pol = { .id = spi, .priority = 1, .action = SPD_PROTECT, .sa_spi = spi };

	/* B → C this time: B's outbound, C's inbound. */
	gwsim_sa_params(&out, &c, spi, ESP_DIR_OUT, false);
	gwsim_sa_params(&in, &c, spi, ESP_DIR_IN, false);
	/* selectors as seen from B: 10.2 → 10.1 */
	uint8_t tmp[16];

	memcpy(tmp, out.sel.src, 16);
	memcpy(out.sel.src, out.sel.dst, 16);
	memcpy(out.sel.dst, tmp, 16);
	in.sel = out.sel;
	ck_assert_int_eq(drv_sa_add(B.drv, &out), 0);
	ck_assert_int_eq(drv_sa_add(C.drv, &in), 0);
	pol.sel = out.sel;
	ck_assert_int_eq(drv_policy_add(B.drv, &pol), 0);
	worker_apply_msgs(B.w);
	worker_apply_msgs(C.peers[0]);
	worker_apply_msgs(C.peers[1]);

	struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_b_lan, "10.2.0.1", "10.1.0.1", 5000,
					     100, 0, true), *clear = NULL;
	struct rte_mbuf *esp = gwsim_run(&B, B.lan, m, B.wan_tx[0]);

	ck_assert_ptr_nonnull(esp);
	worker_process_burst(C.peers[0], C.wan, &esp, 1);
	worker_flush(C.peers[0]);
	ck_assert_uint_eq(rte_ring_count(C.peers[1]->handoff), 1);
	worker_poll(C.peers[1]);
	ck_assert_int_eq(rte_ring_dequeue(C.lan_tx[1], (void **)&clear), 0);
	ck_assert_uint_eq(rte_pktmbuf_data_len(clear), 14 + 20 + 8 + 100);
	rte_pktmbuf_free(clear);
}
END_TEST

START_TEST(sa_freed_only_after_packets_in_flight)
{
	struct rte_mbuf *m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000,
					     64, 0, true), *esp = NULL;

	sa_pair(0x5001, 1);
	worker_process_burst(C.peers[0], C.lan, &m, 1);
	worker_flush(C.peers[0]);
	ck_assert_uint_eq(rte_ring_count(C.peers[1]->handoff), 1);
	/* Delete the SA while its packet waits in worker 1's ring. */
	ck_assert_int_eq(drv_policy_del(C.drv, 0x5001), 0);
	ck_assert_int_eq(drv_sa_del(C.drv, 0x5001, ESP_DIR_OUT), 0);
	for (int i = 0; i < 3; i++) {
		C.drv->ops->poll(C.drv);
		worker_apply_msgs(C.peers[0]);
		rte_rcu_qsbr_quiescent(C.qsbr, 0);
	}
	/* Worker 1 has not been through a loop: the SA must still exist. */
	worker_poll(C.peers[1]);
	ck_assert_int_eq(rte_ring_dequeue(C.wan_tx[1], (void **)&esp), 0);
	/* Encrypted with intact keys (destroy would have wiped them). */
	struct rte_mbuf *clear = gwsim_run(&B, B.wan, esp, B.lan_tx[0]);

	ck_assert_ptr_nonnull(clear);
	rte_pktmbuf_free(clear);
	for (int i = 0; i < 3; i++) {
		worker_poll(C.peers[0]);
		worker_poll(C.peers[1]);
		C.drv->ops->poll(C.drv);
	}
	/* A new packet finds no policy any more. */
	m = gwsim_udp_frame(AF_INET, &mac_a_lan, "10.1.0.1", "10.2.0.1", 5000, 64, 0, true);
	uint64_t before = C.peers[0]->ctx.drops[ESP_DROP_SPD_NOMATCH];

	worker_process_burst(C.peers[0], C.lan, &m, 1);
	ck_assert_uint_eq(C.peers[0]->ctx.drops[ESP_DROP_SPD_NOMATCH], before + 1);
}
END_TEST

/* get_spi: SPIs of the owner (spi % workers), each for a direct slot of
 * the owner's SAD that no installed SA holds; once every slot is taken,
 * SPIs all the same (their SAs hashed); a slot freed by a delete is the
 * one handed out next. Every installed SA is found. */
START_TEST(get_spi_hands_out_free_slots)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	static struct gwsim D;  /* another copy of A, with no SAs yet */

	gwsim_init(&D, 'd', 2);

	struct worker *w = D.peers[1];
	uint32_t slots = sad_slots(w->sad), n = slots + 16, spi;
	uint32_t *spis = calloc(n, sizeof(*spis));
	uint8_t *taken = calloc(slots, 1);
	struct esp_sa_params in;

	ck_assert_ptr_nonnull(spis);
	ck_assert_ptr_nonnull(taken);
	ck_assert_uint_eq(slots, 1024);
	for (uint32_t i = 0; i < n; i++) {
		ck_assert_int_eq(drv_get_spi(D.drv, 1, &spis[i]), 0);
		ck_assert_uint_eq(spis[i] % 2, 1);
		ck_assert_uint_ge(spis[i], ESP_SPI_MIN);
		uint32_t slot = spis[i] >> SAD_SPI_SHIFT & (slots - 1);

		if (i < slots)
			ck_assert_msg(!taken[slot], "SPI %u: slot %u taken", i, slot);
		taken[slot] = 1;
		gwsim_sa_params(&in, &c, spis[i], ESP_DIR_IN, false);
		ck_assert_int_eq(drv_sa_add(D.drv, &in), 0);
		worker_apply_msgs(w);  /* its message ring holds fewer */
	}
	for (uint32_t i = 0; i < n; i++) {
		struct esp_sa *sa = sad_lookup(w->sad, spis[i]);

		ck_assert_ptr_nonnull(sa);
		ck_assert_uint_eq(sa->spi, spis[i]);
	}
	/* free one direct slot: it is the next one handed out */
	ck_assert_int_eq(drv_sa_del(D.drv, spis[100], ESP_DIR_IN), 0);
	ck_assert_int_eq(drv_get_spi(D.drv, 1, &spi), 0);
	ck_assert_uint_eq(spi >> SAD_SPI_SHIFT & (slots - 1),
			  spis[100] >> SAD_SPI_SHIFT & (slots - 1));
	for (uint32_t i = 0; i < n; i++)
		if (i != 100) {
			ck_assert_int_eq(drv_sa_del(D.drv, spis[i], ESP_DIR_IN), 0);
			worker_apply_msgs(w);
		}
	ck_assert_ptr_null(sad_lookup(w->sad, spis[0]));
	ck_assert_ptr_null(sad_lookup(w->sad, spis[n - 1]));
	free(spis);
	free(taken);
	gwsim_free(&D);
}
END_TEST

/*
 * A batch of policy changes reaches the workers as one snapshot when it
 * closes (40 policies: indexed); an SA deleted while a batch is open
 * leaves the snapshot at once, with the policy changes so far, so no rule
 * ever points at a freed SA; nested batches publish when the outermost
 * closes.
 */
START_TEST(policies_batched_into_one_snapshot)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	static struct gwsim E;  /* another copy of A */
	struct esp_sa_params out;

	gwsim_init(&E, 'e', 2);

	struct worker *w = E.peers[0];

	worker_apply_msgs(w);
	const struct spd *before = w->spd;
	uint32_t n0 = before != NULL ? before->n : 0;

	gwsim_sa_params(&out, &c, 0x6001, ESP_DIR_OUT, true);
	out.owner = 0;
	ck_assert_int_eq(drv_sa_add(E.drv, &out), 0);
	ck_assert_int_eq(drv_policy_batch(E.drv, true), 0);
	for (uint32_t i = 0; i < 40; i++) {
		struct drv_policy pol = { .id = 100 + i, .priority = 1000 + i,
					  .action = SPD_PROTECT, .sa_spi = 0x6001, .sel = out.sel };

		pol.sel.dst_len = 32;
		pol.sel.dst[3] = (uint8_t)i;
		ck_assert_int_eq(drv_policy_add(E.drv, &pol), 0);
	}
	worker_apply_msgs(w);
	ck_assert_ptr_eq(w->spd, before);
	ck_assert_int_eq(drv_policy_batch(E.drv, false), 0);
	worker_apply_msgs(w);
	ck_assert_ptr_nonnull(w->spd);
	ck_assert_uint_eq(w->spd->n, n0 + 40);
	ck_assert_ptr_nonnull(w->spd->ix4);
	ck_assert_ptr_nonnull(w->spd->rules[n0 + 39].sa);

	const struct spd *batched = w->spd;

	ck_assert_int_eq(drv_policy_batch(E.drv, true), 0);
	ck_assert_int_eq(drv_policy_del(E.drv, 100), 0);
	worker_apply_msgs(w);
	ck_assert_ptr_eq(w->spd, batched);
	ck_assert_int_eq(drv_sa_del(E.drv, 0x6001, ESP_DIR_OUT), 0);
	worker_apply_msgs(w);
	ck_assert_uint_eq(w->spd->n, n0 + 39);
	for (uint32_t i = n0; i < w->spd->n; i++)
		ck_assert_ptr_null(w->spd->rules[i].sa);
	batched = w->spd;
	ck_assert_int_eq(drv_policy_batch(E.drv, false), 0);
	worker_apply_msgs(w);
	ck_assert_ptr_eq(w->spd, batched);   /* nothing left to publish */

	/* batches nest (a reload inside the control loop's pass): the
	 * outermost close publishes */
	ck_assert_int_eq(drv_policy_batch(E.drv, true), 0);
	ck_assert_int_eq(drv_policy_batch(E.drv, true), 0);
	ck_assert_int_eq(drv_policy_del(E.drv, 101), 0);
	ck_assert_int_eq(drv_policy_batch(E.drv, false), 0);
	worker_apply_msgs(w);
	ck_assert_ptr_eq(w->spd, batched);
	ck_assert_int_eq(drv_policy_batch(E.drv, false), 0);
	worker_apply_msgs(w);
	ck_assert_uint_eq(w->spd->n, n0 + 38);
	gwsim_free(&E);
}
END_TEST

/*
 * The driver's bookkeeping of policies: random adds and deletes of 4000
 * ids (its maps grow and delete by shifting entries back) answer -EEXIST
 * and -ENOENT exactly as a plain list would, and adding an outbound SA
 * publishes a snapshot exactly when some policy protects with its SPI.
 */
/* A worker online before its lcore runs (espritd's start) holds up every
 * grace period until it has polled, and coming online again when its
 * lcore starts (worker_main()) must not end those periods early: its
 * queue may still name what they free. */
START_TEST(grace_periods_wait_for_a_worker_not_yet_running)
{
	struct gwsim G;
	uint64_t t;

	gwsim_init(&G, 'g', 2);
	worker_rcu_online(G.peers[0]);
	worker_rcu_online(G.peers[1]);
	t = rte_rcu_qsbr_start(G.qsbr);
	ck_assert_int_eq(rte_rcu_qsbr_check(G.qsbr, t, false), 0);
	worker_poll(G.peers[0]);
	ck_assert_int_eq(rte_rcu_qsbr_check(G.qsbr, t, false), 0);
	worker_rcu_online(G.peers[1]);  /* what worker_main() does first */
	ck_assert_int_eq(rte_rcu_qsbr_check(G.qsbr, t, false), 0);
	worker_poll(G.peers[1]);
	ck_assert_int_eq(rte_rcu_qsbr_check(G.qsbr, t, false), 1);
	gwsim_free(&G);
}
END_TEST

START_TEST(policy_ids_and_sa_users)
{
	enum { IDS = 4000, SPIS = 8, STEPS = 40000 };
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	static struct gwsim F;  /* another copy of A */
	static bool present[IDS];
	uint32_t seed = 7, users[SPIS] = { 0 };
	struct esp_sa_params out;

	gwsim_init(&F, 'f', 2);
	gwsim_sa_params(&out, &c, 0x7000, ESP_DIR_OUT, true);
	ck_assert_int_eq(drv_policy_batch(F.drv, true), 0);
	for (int step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t id = (seed >> 8) % IDS;
		struct drv_policy pol = { .id = 0x10000 + id, .priority = id,
					  .action = SPD_PROTECT, .sa_spi = 0x7000 + id % SPIS,
					  .sel = out.sel };

		if ((seed >> 4) % 3 != 0) {
			ck_assert_int_eq(drv_policy_add(F.drv, &pol), present[id] ? -EEXIST : 0);
			present[id] = true;
		} else {
			ck_assert_int_eq(drv_policy_del(F.drv, pol.id), present[id] ? 0 : -ENOENT);
			present[id] = false;
		}
	}
	for (uint32_t id = 0; id < IDS; id++)
		users[id % SPIS] += present[id];
	ck_assert_int_eq(drv_policy_batch(F.drv, false), 0);
	worker_apply_msgs(F.w);
	for (uint32_t k = 0; k < SPIS; k++) {
		const struct spd *before = F.w->spd;

		gwsim_sa_params(&out, &c, 0x7000 + k, ESP_DIR_OUT, true);
		ck_assert_int_eq(drv_sa_add(F.drv, &out), 0);
		worker_apply_msgs(F.w);
		ck_assert_msg((F.w->spd != before) == (users[k] != 0), "SPI %u: %u users", k,
			      users[k]);
	}
	/* one SPI whose policies are all gone */
	for (uint32_t id = 0; id < IDS; id++)
		if (present[id] && id % SPIS == 0)
			ck_assert_int_eq(drv_policy_del(F.drv, 0x10000 + id), 0);
	worker_apply_msgs(F.w);

	const struct spd *before = F.w->spd;

	ck_assert_int_eq(drv_sa_del(F.drv, 0x7000, ESP_DIR_OUT), 0);
	worker_apply_msgs(F.w);
	ck_assert_ptr_eq(F.w->spd, before);
	gwsim_free(&F);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("handoff");
	TCase *tc = tcase_create("two workers");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, NULL, sweep);
	tcase_add_test(tc, outbound_goes_to_the_owner);
	tcase_add_test(tc, handing_bursts_stay_long);
	tcase_add_test(tc, per_resource_sas_send_from_each_worker);
	tcase_add_test(tc, inbound_goes_to_spi_mod_workers);
	tcase_add_test(tc, sa_freed_only_after_packets_in_flight);
	tcase_add_test(tc, get_spi_hands_out_free_slots);
	tcase_add_test(tc, policies_batched_into_one_snapshot);
	tcase_add_test(tc, policy_ids_and_sa_users);
	tcase_add_test(tc, grace_periods_wait_for_a_worker_not_yet_running);
	suite_add_tcase(s, tc);
	return check_run_nofork(s);
}
