/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process IKEv2 exchanges, second part: CREATE_CHILD_SA (Child SA and
 * IKE SA rekeys, their collisions, timers and dataplane lifetime events),
 * INFORMATIONAL deletes from each side and dead peer detection, over the
 * mock network of harness.c. Arrow comments name each exchange step.
 */
#include <check.h>
#include <string.h>

#include "control/ike/ike_crypto.h"
#include "control/ike/message.h"
#include "tests/ike_exchange/harness.h"

START_TEST(child_rekey)
{
	struct ike_sa *a, *b;
	uint32_t old_in, old_out, new_in, new_out;

	establish_psk(&a, &b);
	old_in = a->child[0].spi_in;
	old_out = a->child[0].spi_out;
	ck_assert_int_eq(ike_rekey_child(net.a.e, old_in), 0);
	/* A -> B: CREATE_CHILD_SA with N(REKEY_SA, old inbound SPI) */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_CREATE_CHILD_SA);
	net_deliver();
	/* B installed the new pair; its policy still uses the old SA. */
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 4);
	ck_assert_uint_eq(mock_of(&net.b)->pols[0].sa_spi, old_in);
	/* B -> A: CREATE_CHILD_SA response */
	net_deliver();
	/* A: new pair in, policy on the new outbound SA, old pair still in */
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 4);
	new_in = a->child[1].spi_in;
	new_out = a->child[1].spi_out;
	ck_assert_uint_ne(new_in, old_in);
	ck_assert_uint_eq(mock_of(&net.a)->n_pols, 1);
	ck_assert_uint_eq(mock_of(&net.a)->pols[0].sa_spi, new_out);
	ck_assert(has_sa(&net.a, old_in, ESP_DIR_IN));
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	/* A -> B: INFORMATIONAL D(ESP, old inbound SPI) */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_INFORMATIONAL);
	net_deliver();
	/* B: old pair gone, policy moved to the new outbound SA */
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 2);
	ck_assert_uint_eq(mock_of(&net.b)->pols[0].sa_spi, new_in);
	/* B -> A: INFORMATIONAL response D(ESP, B's old inbound SPI) */
	net_deliver();
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 2);
	ck_assert(!has_sa(&net.a, old_in, ESP_DIR_IN));
	ck_assert(!has_sa(&net.a, old_out, ESP_DIR_OUT));
	ck_assert(has_sa(&net.a, new_in, ESP_DIR_IN));
	ck_assert(has_sa(&net.a, new_out, ESP_DIR_OUT));
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	net_teardown();
}
END_TEST

START_TEST(child_rekey_collision)
{
	struct ike_sa *a, *b;
	uint32_t old_a;

	establish_psk(&a, &b);
	old_a = a->child[0].spi_in;
	/* Both sides rekey the same Child SA at once. */
	ck_assert_int_eq(ike_rekey_child(net.a.e, old_a), 0);
	ck_assert_int_eq(ike_rekey_child(net.b.e, b->child[0].spi_in), 0);
	/* A -> B and B -> A: CREATE_CHILD_SA requests cross */
	ck_assert_uint_eq(net.n, 2);
	net_deliver();
	net_deliver();
	/* B -> A and A -> B: both responses; each side resolves by nonces,
	 * then the deletes (of the redundant SA and of the old one) run. */
	net_deliver_all();
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->collisions, 1);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->collisions, 1);
	/* One Child SA left on each side, the same pair, the old one gone. */
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 2);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 2);
	ck_assert(!has_sa(&net.a, old_a, ESP_DIR_IN));
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	ck_assert_uint_eq(mock_of(&net.a)->n_pols, 1);
	ck_assert_uint_eq(mock_of(&net.b)->n_pols, 1);
	ck_assert(has_sa(&net.a, mock_of(&net.a)->pols[0].sa_spi, ESP_DIR_OUT));
	ck_assert(has_sa(&net.b, mock_of(&net.b)->pols[0].sa_spi, ESP_DIR_OUT));
	net_teardown();
}
END_TEST

START_TEST(ike_rekey)
{
	struct ike_sa *a, *b;
	uint64_t old_i, old_r;
	uint32_t child_in;

	establish_psk(&a, NULL);
	old_i = a->spi_i;
	old_r = a->spi_r;
	child_in = a->child[0].spi_in;
	ck_assert_int_eq(ike_rekey_ike(net.a.e, a), 0);
	/* A -> B: CREATE_CHILD_SA SA(IKE, new SPIi), Ni, KEi */
	net_deliver();
	ck_assert_uint_eq(ike_sa_count(net.b.e), 2);
	/* B -> A: CREATE_CHILD_SA SA(IKE, new SPIr), Nr, KEr */
	net_deliver();
	ck_assert_uint_eq(ike_sa_count(net.a.e), 2);
	/* A -> B: INFORMATIONAL D(IKE) on the old SA; B -> A */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_INFORMATIONAL);
	ck_assert_uint_eq(net_deliver_all(), 2);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_uint_ne(a->spi_i, old_i);
	ck_assert_uint_ne(a->spi_r, old_r);
	ck_assert_uint_eq(a->spi_i, b->spi_i);
	ck_assert_uint_eq(a->spi_r, b->spi_r);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	/* The Child SA moved over, untouched in the dataplane. */
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(a->child[0].spi_in, child_in);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 2);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	/* The new SA works: a child rekey over it (A -> B, B -> A, delete). */
	ck_assert_int_eq(ike_rekey_child(net.a.e, child_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	ck_assert(!has_sa(&net.a, child_in, ESP_DIR_IN));
	/* B rekeys the new IKE SA in turn (B is now the responder). */
	ck_assert_int_eq(ike_rekey_ike(net.b.e, b), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert_int_eq(only_sa(&net.a)->state, IKE_SA_ESTABLISHED);
	ck_assert(only_sa(&net.b)->initiator);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

START_TEST(ike_rekey_collision)
{
	struct ike_sa *a, *b;
	uint32_t child_in;

	establish_psk(&a, &b);
	child_in = a->child[0].spi_in;
	/* Both sides rekey the IKE SA at once. */
	ck_assert_int_eq(ike_rekey_ike(net.a.e, a), 0);
	ck_assert_int_eq(ike_rekey_ike(net.b.e, b), 0);
	/* A -> B and B -> A: CREATE_CHILD_SA SA(IKE) requests cross */
	ck_assert_uint_eq(net.n, 2);
	net_deliver();
	net_deliver();
	/* B -> A and A -> B: both responses; §2.8.2: the nonces pick the
	 * survivor, the loser's initiator deletes the redundant new SA, the
	 * winner's the old one. */
	net_deliver_all();
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->collisions, 1);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->collisions, 1);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(b->state, IKE_SA_ESTABLISHED);
	ck_assert_uint_eq(a->spi_i, b->spi_i);
	ck_assert_uint_eq(a->spi_r, b->spi_r);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	ck_assert_uint_eq(a->child[0].spi_in, child_in);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	/* The survivor works: A -> B: delete the child; B -> A */
	ck_assert_int_eq(ike_delete_child(net.a.e, child_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas + mock_of(&net.b)->n_sas, 0);
	net_teardown();
}
END_TEST

START_TEST(lifetime_events)
{
	struct ike_sa *a;
	uint32_t old_in;

	establish_psk(&a, NULL);
	old_in = a->child[0].spi_in;
	/* The dataplane reports a soft expiry of A's outbound SA: A rekeys
	 * (A -> B CREATE_CHILD_SA, B -> A, A -> B delete, B -> A). */
	mock_event(&net.a, ESP_EV_SOFT_EXPIRE, ESP_DIR_OUT, a->child[0].spi_out);
	net_advance(1);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert(!has_sa(&net.a, old_in, ESP_DIR_IN));
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->child_rekeys, 1);
	/* A hard expiry of the new inbound SA: A deletes the child. */
	mock_event(&net.a, ESP_EV_HARD_EXPIRE, ESP_DIR_IN, a->child[1].spi_in);
	net_advance(1);
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas + mock_of(&net.b)->n_sas, 0);
	net_teardown();
}
END_TEST

START_TEST(rekey_timers)
{
	struct ike_conn ca, cb;
	uint64_t spi_i;
	uint32_t child_in;

	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "psk", IKE_P, ESP_P);
	conn_psk(&cb, &net.b, &net.a, "psk", IKE_P, ESP_P);
	ca.child[0].rekey_ms = 3600 * 1000;
	ca.rekey_ms = 4 * 3600 * 1000;
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
	establish();
	spi_i = only_sa(&net.a)->spi_i;
	child_in = only_sa(&net.a)->child[0].spi_in;
	net_advance(3600 * 1000 - 1);
	ck_assert_uint_eq(net.n, 0);
	/* A -> B: CREATE_CHILD_SA (REKEY_SA) when the child's time is up */
	net_advance(1);
	ck_assert_uint_eq(net.n, 1);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert(!has_sa(&net.a, child_in, ESP_DIR_IN));
	/* At 4 h both timers are due: A -> B: CREATE_CHILD_SA (REKEY_SA),
	 * B -> A; A -> B: CREATE_CHILD_SA (IKE), B -> A; the old IKE SA's
	 * and the old Child SA's deletes (queued work moved to the new IKE
	 * SA) */
	net_advance(3 * 3600 * 1000);
	ck_assert_uint_eq(net_deliver_all(), 8);
	ck_assert_uint_ne(only_sa(&net.a)->spi_i, spi_i);
	ck_assert_uint_eq(children(only_sa(&net.a)), 1);
	ck_assert_uint_eq(children(only_sa(&net.b)), 1);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

START_TEST(delete_child_each_side)
{
	struct ike_sa *a, *b;

	establish_psk(&a, &b);
	/* A -> B: INFORMATIONAL D(ESP); B -> A: D(ESP) */
	ck_assert_int_eq(ike_delete_child(net.a.e, a->child[0].spi_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_pols, 0);
	ck_assert_uint_eq(mock_of(&net.b)->n_pols, 0);
	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	/* B -> A: CREATE_CHILD_SA (B initiates a child this time); A -> B */
	ck_assert_int_eq(ike_create_child(net.b.e, b, "net"), 0);
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_uint_eq(sa_crosscheck(&net.b, &net.a), 2);
	/* B -> A: INFORMATIONAL D(ESP); A -> B */
	ck_assert_int_eq(ike_delete_child(net.b.e, b->child[0].spi_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 0);
	net_teardown();
}
END_TEST

START_TEST(delete_child_simultaneous)
{
	struct ike_sa *a, *b;

	establish_psk(&a, &b);
	/* A -> B and B -> A: D(ESP) for the same Child SA cross (§1.4.1):
	 * each answers without a Delete payload, both pairs go. */
	ck_assert_int_eq(ike_delete_child(net.a.e, a->child[0].spi_in), 0);
	ck_assert_int_eq(ike_delete_child(net.b.e, b->child[0].spi_in), 0);
	ck_assert_uint_eq(net.n, 2);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas + mock_of(&net.b)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_pols + mock_of(&net.b)->n_pols, 0);
	ck_assert_uint_eq(children(a) + children(b), 0);
	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(b->state, IKE_SA_ESTABLISHED);
	net_teardown();
}
END_TEST

START_TEST(keymat_order_exchange_initiator)
{
	struct ike_sa *a, *b;
	struct ike_msg m;
	struct pld_nonce ni, nr;
	const struct ike_pld_ref *r;
	uint8_t keymat[2 * 36], ni_copy[64];
	struct mock_drv *ma, *mb;
	const struct esp_sa_params *b_out = NULL, *a_in = NULL;

	establish_psk(&a, &b);
	/* B (the IKE SA's responder) initiates CREATE_CHILD_SA: B -> A */
	ck_assert_int_eq(ike_create_child(net.b.e, b, "net"), 0);
	net_open(0, b, &m);
	r = ike_msg_find(&m, IKE_PLD_NONCE);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(pld_nonce_parse(r->body, r->body_len, &ni), 0);
	memcpy(ni_copy, ni.data, ni.len);
	net_deliver();
	/* A -> B: the response, with Nr */
	net_open(0, a, &m);
	r = ike_msg_find(&m, IKE_PLD_NONCE);
	ck_assert_int_eq(pld_nonce_parse(r->body, r->body_len, &nr), 0);
	/* §2.17: KEYMAT = prf+(SK_d, Ni | Nr); the exchange initiator's
	 * (B's) outbound key and salt come first. */
	ck_assert_int_eq(ike_crypto_keymat(a->suite.prf, a->keys.d, a->keys.prf_len, NULL, 0,
					   ni_copy, ni.len, nr.data, nr.len, keymat,
					   sizeof(keymat)), 0);
	net_deliver();
	ma = mock_of(&net.a);
	mb = mock_of(&net.b);
	for (unsigned i = 0; i < mb->n_sas; i++)
		if (mb->sas[i].p.dir == ESP_DIR_OUT && mb->sas[i].p.spi == b->child[1].spi_out)
			b_out = &mb->sas[i].p;
	for (unsigned i = 0; i < ma->n_sas; i++)
		if (ma->sas[i].p.dir == ESP_DIR_IN && ma->sas[i].p.spi == b->child[1].spi_out)
			a_in = &ma->sas[i].p;
	ck_assert_ptr_nonnull(b_out);
	ck_assert_ptr_nonnull(a_in);
	/* aes256gcm16: 32-octet key + 4-octet salt per direction */
	ck_assert_mem_eq(b_out->key, keymat, 32);
	ck_assert_mem_eq(b_out->salt, keymat + 32, 4);
	ck_assert_mem_eq(a_in->key, keymat, 32);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	net_teardown();
}
END_TEST

START_TEST(child_rekey_during_ike_rekey)
{
	struct ike_sa *a, *b;
	uint32_t old_in;

	establish_psk(&a, &b);
	old_in = a->child[0].spi_in;
	/* A -> B: CREATE_CHILD_SA rekeying the child, and B -> A: CREATE_CHILD_SA
	 * rekeying the IKE SA, cross. B answers A's request TEMPORARY_FAILURE
	 * (§2.25: it is rekeying the IKE SA); A answers B's and the Child SAs
	 * move to the new IKE SA, where A retries the child rekey later. */
	ck_assert_int_eq(ike_rekey_child(net.a.e, old_in), 0);
	ck_assert_int_eq(ike_rekey_ike(net.b.e, b), 0);
	net_deliver_all();
	ck_assert_uint_eq(ike_sa_count(net.a.e), 1);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 1);
	a = only_sa(&net.a);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_int_eq(a->child[0].state, IKE_CHILD_INSTALLED);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	/* A -> B: the child rekey again after 2 s, over the new IKE SA */
	net_advance(IKE_RETRY_BUSY_MS);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert(!has_sa(&net.a, old_in, ESP_DIR_IN));
	ck_assert_uint_eq(children(only_sa(&net.a)), 1);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

START_TEST(delete_ike_from_a)
{
	setup_psk();
	establish();
	/* A -> B: INFORMATIONAL D(IKE); B -> A: empty response */
	ck_assert_int_eq(ike_delete(net.a.e, only_sa(&net.a)), 0);
	net_deliver();
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 0);
	net_deliver();
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_pols, 0);
	net_teardown();
}
END_TEST

START_TEST(delete_ike_from_b)
{
	setup_psk();
	establish();
	/* B -> A: INFORMATIONAL D(IKE); A -> B: empty response */
	ck_assert_int_eq(ike_delete(net.b.e, only_sa(&net.b)), 0);
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas + mock_of(&net.b)->n_sas, 0);
	net_teardown();
}
END_TEST

START_TEST(dpd_dead_peer)
{
	struct ike_conn ca, cb;
	unsigned sent;

	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "psk", IKE_P, ESP_P);
	conn_psk(&cb, &net.b, &net.a, "psk", IKE_P, ESP_P);
	ca.dpd_ms = 30000;
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
	establish();
	/* Silence shorter than the DPD interval: nothing sent. */
	net_advance(29000);
	ck_assert_uint_eq(net.n, 0);
	/* A -> B: empty INFORMATIONAL (liveness); B answers: alive. */
	net_advance(1000);
	ck_assert_uint_eq(net.n, 1);
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_INFORMATIONAL);
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 1);
	/* B dies: nothing is delivered from now on. */
	net_advance(30000);
	ck_assert_uint_eq(net.n, 1); /* A -> B: liveness check, lost */
	net.n = 0;
	sent = net.a.sent;
	/* Retransmissions at 0.5, 1, 2, 4, 8 s after each other... */
	for (unsigned i = 0, wait = 500; i < IKE_RETRANS_TRIES; i++, wait *= 2) {
		net_advance(wait - 1);
		ck_assert_uint_eq(net.a.sent, sent + i);
		net_advance(1);
		ck_assert_uint_eq(net.a.sent, sent + i + 1);
		net.n = 0;
	}
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->retransmits, IKE_RETRANS_TRIES);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 1);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 2);
	/* ... and after the last one's 16 s, A gives up: SAs out of the driver. */
	net_advance(16000);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_pols, 0);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->give_ups, 1);
	net_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike_rekey_delete");
	TCase *t = tcase_create("rekey_delete");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, child_rekey);
	tcase_add_test(t, child_rekey_collision);
	tcase_add_test(t, ike_rekey);
	tcase_add_test(t, ike_rekey_collision);
	tcase_add_test(t, lifetime_events);
	tcase_add_test(t, rekey_timers);
	tcase_add_test(t, delete_child_each_side);
	tcase_add_test(t, delete_child_simultaneous);
	tcase_add_test(t, keymat_order_exchange_initiator);
	tcase_add_test(t, child_rekey_during_ike_rekey);
	tcase_add_test(t, delete_ike_from_a);
	tcase_add_test(t, delete_ike_from_b);
	tcase_add_test(t, dpd_dead_peer);
	suite_add_tcase(s, t);
	return check_run(s);
}
