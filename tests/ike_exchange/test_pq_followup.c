/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 9370 §2.2.4 in-process: CREATE_CHILD_SA with additional key
 * exchanges in IKE_FOLLOWUP_KE (new Child SA, Child SA rekey, IKE SA
 * rekey; one and three of them; either side initiating), a lost
 * response, STATE_NOT_FOUND after the responder gave up waiting, and a
 * malformed ML-KEM key. Arrow comments name each exchange step.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ike/ike_crypto.h"
#include "tests/ike_exchange/harness.h"

static const char *const IKE_PQ = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";
static const char *const ESP_PQ = "aes256gcm16-x25519-ke1_mlkem768";

/* IKE_SA_INIT, IKE_INTERMEDIATE (ML-KEM-768), IKE_AUTH with the first
 * child, the connections with @p esp for their children. */
static void up(const char *esp)
{
	/* 1500-octet datagrams: an ML-KEM-768 IKE_FOLLOWUP_KE goes whole
	 * (fragments are test_pq.c's business). */
	net.frag_size = 1500;
	net_setup(100);
	conn_pair(IKE_PQ, IKE_PQ, esp);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	net_exchange(IKE_EXCH_IKE_INTERMEDIATE);
	net_exchange(IKE_EXCH_IKE_AUTH);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
}

/* The engines gone, the next net_setup with the default fragment size. */
static void down(void)
{
	net_teardown();
	net.frag_size = 0;
}

/* CREATE_CHILD_SA then @p n IKE_FOLLOWUP_KE round trips. */
static void ccsa(unsigned n)
{
	/* X -> Y: CREATE_CHILD_SA {SA, Ni, KEi}; Y -> X: {SA, Nr, KEr, N(AKE)} */
	net_exchange(IKE_EXCH_CREATE_CHILD_SA);
	for (unsigned k = 0; k < n; k++) {
		/* X -> Y: IKE_FOLLOWUP_KE {KEi(k), N(AKE)}; Y -> X: {KEr(k) [, N(AKE)]} */
		net_exchange(IKE_EXCH_IKE_FOLLOWUP_KE);
	}
}

static struct ike_child *newest(struct ike_sa *sa)
{
	struct ike_child *c = NULL;

	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state == IKE_CHILD_INSTALLED)
			c = &sa->child[i];
	return c;
}

START_TEST(new_child)
{
	struct ike_sa *a, *b;
	struct ike_child *c;

	up(ESP_PQ);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_int_eq(ike_create_child(net.a.e, a, "net"), 0);
	ccsa(1);
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(children(a), 2);
	ck_assert_uint_eq(children(b), 2);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	ck_assert_uint_eq(sa_crosscheck(&net.b, &net.a), 4);
	c = newest(a);
	ck_assert_uint_eq(c->suite.ke, IKE_KE_CURVE25519);
	ck_assert_uint_eq(c->suite.addke[0], IKE_KE_ML_KEM_768);
	ck_assert(!a->fu_i.active);
	ck_assert(!b->fu_r.active);
	down();
}
END_TEST

/* Three additional key exchanges; B (the IKE SA's responder) initiates. */
START_TEST(new_child_three_from_b)
{
	const char *esp = "aes256gcm16-x25519-ke1_mlkem768-ke2_mlkem1024-ke3_ecp256";
	struct ike_sa *a, *b;
	struct ike_child *c;

	up(esp);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_int_eq(ike_create_child(net.b.e, b, "net"), 0);
	ccsa(3);
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	ck_assert_uint_eq(sa_crosscheck(&net.b, &net.a), 4);
	c = newest(a);
	ck_assert_uint_eq(c->suite.addke[0], IKE_KE_ML_KEM_768);
	ck_assert_uint_eq(c->suite.addke[1], IKE_KE_ML_KEM_1024);
	ck_assert_uint_eq(c->suite.addke[2], IKE_KE_ECP256);
	ck_assert_uint_eq(c->suite.addke[3], 0);
	down();
}
END_TEST

START_TEST(child_rekey)
{
	struct ike_sa *a, *b;
	uint32_t old_in;

	up(ESP_PQ);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	old_in = a->child[0].spi_in;
	ck_assert_int_eq(ike_rekey_child(net.a.e, old_in), 0);
	ccsa(1);
	/* A -> B: INFORMATIONAL {D(old)}; B -> A */
	net_exchange(IKE_EXCH_INFORMATIONAL);
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	ck_assert_uint_ne(newest(a)->spi_in, old_in);
	ck_assert_uint_eq(newest(a)->suite.addke[0], IKE_KE_ML_KEM_768);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->child_rekeys, 1);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->child_rekeys, 1);
	down();
}
END_TEST

/* B rekeys the IKE SA: SKEYSEED covers SK(0) | Ni | Nr | SK(1). */
START_TEST(ike_rekey_from_b)
{
	struct ike_sa *a, *b;
	uint64_t old_i;

	up(ESP_PQ);
	b = only_sa(&net.b);
	old_i = b->spi_i;
	ck_assert_int_eq(ike_rekey_ike(net.b.e, b), 0);
	ccsa(1);
	/* B -> A: INFORMATIONAL {D(IKE)} of the old SA; A -> B */
	net_exchange(IKE_EXCH_INFORMATIONAL);
	ck_assert_uint_eq(net.n, 0);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_uint_ne(a->spi_i, old_i);
	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(b->state, IKE_SA_ESTABLISHED);
	ck_assert(b->initiator);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_mem_eq(a->keys.ei, b->keys.ei, a->keys.encr_len);
	ck_assert_uint_eq(a->mke.method[0], IKE_KE_ML_KEM_768);
	ck_assert_uint_eq(b->mke.n, 1);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	/* The new IKE SA works: a Child SA rekey over it. */
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 6);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	down();
}
END_TEST

START_TEST(ike_rekey_from_a)
{
	struct ike_sa *a, *b;

	up(ESP_PQ);
	ck_assert_int_eq(ike_rekey_ike(net.a.e, only_sa(&net.a)), 0);
	ccsa(1);
	net_exchange(IKE_EXCH_INFORMATIONAL);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->ike_rekeys, 1);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->ike_rekeys, 1);
	down();
}
END_TEST

/* A lost IKE_FOLLOWUP_KE response: B answers the retransmission from
 * its cache; the Child SA is installed once. */
START_TEST(lost_followup_response)
{
	up(ESP_PQ);
	ck_assert_int_eq(ike_create_child(net.a.e, only_sa(&net.a), "net"), 0);
	net_exchange(IKE_EXCH_CREATE_CHILD_SA);
	net_step(IKE_EXCH_IKE_FOLLOWUP_KE, false);
	/* B -> A: lost */
	net_drop(0);
	ck_assert_uint_eq(children(only_sa(&net.b)), 2);
	net_advance(IKE_RETRANS_BASE_MS);
	net_step(IKE_EXCH_IKE_FOLLOWUP_KE, false);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->resp_resent, 1);
	net_step(IKE_EXCH_IKE_FOLLOWUP_KE, true);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	ck_assert_uint_eq(sa_crosscheck(&net.b, &net.a), 4);
	down();
}
END_TEST

/*
 * The IKE_FOLLOWUP_KE request does not arrive: after 10 s B forgets the
 * half-made Child SA (nothing installed); the late retransmission then
 * gets STATE_NOT_FOUND and A gives the Child SA up. The IKE SA lives on.
 */
START_TEST(missing_followup_state_not_found)
{
	static const unsigned backoff[] = { 500, 1000, 2000, 4000 };
	struct ike_sa *a, *b;

	up(ESP_PQ);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_int_eq(ike_create_child(net.a.e, a, "net"), 0);
	net_exchange(IKE_EXCH_CREATE_CHILD_SA);
	ck_assert(b->fu_r.active);
	ck_assert_uint_eq(children(b), 2);   /* one CREATING, not installed */
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 2);
	/* A -> B: IKE_FOLLOWUP_KE, lost, and its retransmissions too */
	for (unsigned k = 0; k < 4; k++) {
		ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_FOLLOWUP_KE);
		net_drop(0);
		net_advance(backoff[k]);
	}
	net_drop(0);
	ck_assert(b->fu_r.active);            /* 7.5 s: still waiting */
	net_advance(8000);                    /* 15.5 s: B gave up at 10 s */
	ck_assert(!b->fu_r.active);
	ck_assert_uint_eq(children(b), 1);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 2);
	/* A -> B: the fifth retransmission; B -> A: N(STATE_NOT_FOUND) */
	net_exchange(IKE_EXCH_IKE_FOLLOWUP_KE);
	ck_assert(!a->fu_i.active);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 2);
	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(b->state, IKE_SA_ESTABLISHED);
	/* The IKE SA still makes Child SAs. */
	ck_assert_int_eq(ike_create_child(net.a.e, a, "net"), 0);
	ccsa(1);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	down();
}
END_TEST

/* A coefficient >= q in the ML-KEM-768 key of IKE_FOLLOWUP_KE. */
static size_t bad_ek(uint8_t *inner, size_t len)
{
	ck_assert_uint_eq(inner[0], IKE_PLD_N); /* KE first, then the link */
	inner[8] = 0xff;
	inner[9] |= 0x0f;
	return len;
}

START_TEST(malformed_ek_in_followup)
{
	struct ike_sa *a, *b;

	up(ESP_PQ);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	net_exchange(IKE_EXCH_CREATE_CHILD_SA);
	net_reseal(0, a, true, bad_ek);
	/* A -> B: IKE_FOLLOWUP_KE with the bad key; B -> A: INVALID_SYNTAX */
	net_step(IKE_EXCH_IKE_FOLLOWUP_KE, false);
	ck_assert(!b->fu_r.active);
	net_step(IKE_EXCH_IKE_FOLLOWUP_KE, true);
	ck_assert(!a->fu_i.active);
	ck_assert_uint_eq(net.n, 0);
	/* The old Child SA is back in service on both sides. */
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	ck_assert_int_eq(a->child[0].state, IKE_CHILD_INSTALLED);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	down();
}
END_TEST

/* A link B never gave out: STATE_NOT_FOUND, nothing else happens. */
static size_t bad_link(uint8_t *inner, size_t len)
{
	inner[len - 1] ^= 0x55;
	return len;
}

START_TEST(unknown_link)
{
	struct ike_sa *a;

	up(ESP_PQ);
	a = only_sa(&net.a);
	ck_assert_int_eq(ike_create_child(net.a.e, a, "net"), 0);
	net_exchange(IKE_EXCH_CREATE_CHILD_SA);
	net_reseal(0, a, true, bad_link);
	net_step(IKE_EXCH_IKE_FOLLOWUP_KE, false);
	/* B kept its own series: the real link would still be welcome. */
	ck_assert(only_sa(&net.b)->fu_r.active);
	net_step(IKE_EXCH_IKE_FOLLOWUP_KE, true);
	ck_assert(!a->fu_i.active);
	ck_assert_uint_eq(children(a), 1);
	net_advance(10001);
	ck_assert(!only_sa(&net.b)->fu_r.active);
	ck_assert_uint_eq(children(only_sa(&net.b)), 1);
	down();
}
END_TEST

/* §2.2.4: STATE_NOT_FOUND again and again is fatal: after the third,
 * A deletes the IKE SA (each time it retried the rekey 2 s later). */
START_TEST(state_not_found_thrice)
{
	struct ike_sa *a;

	up(ESP_PQ);
	a = only_sa(&net.a);
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	for (unsigned k = 0; k < 3; k++) {
		/* A -> B: CREATE_CHILD_SA (B gives the last series up); B -> A */
		net_exchange(IKE_EXCH_CREATE_CHILD_SA);
		/* A -> B: IKE_FOLLOWUP_KE with a link B never gave out;
		 * B -> A: N(STATE_NOT_FOUND) */
		net_reseal(0, a, true, bad_link);
		net_exchange(IKE_EXCH_IKE_FOLLOWUP_KE);
		ck_assert_uint_eq(a->fu_not_found, k + 1);
		if (k < 2) {
			ck_assert_uint_eq(net.n, 0);
			ck_assert_int_eq(a->child[0].state, IKE_CHILD_INSTALLED);
			net_advance(IKE_RETRY_BUSY_MS);
		}
	}
	/* A -> B: INFORMATIONAL {D(IKE)}; B -> A: both IKE SAs gone */
	net_exchange(IKE_EXCH_INFORMATIONAL);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 0);
	down();
}
END_TEST

/* Both ends rekey the IKE SA at once, each with an IKE_FOLLOWUP_KE: one
 * IKE SA survives on each side, the same one, with the Child SA. */
START_TEST(ike_rekey_collision)
{
	struct ike_sa *a, *b;

	up(ESP_PQ);
	ck_assert_int_eq(ike_rekey_ike(net.a.e, only_sa(&net.a)), 0);
	ck_assert_int_eq(ike_rekey_ike(net.b.e, only_sa(&net.b)), 0);
	ck_assert_uint_eq(net.n, 2);
	net_deliver_all();
	net_advance(IKE_RETRY_BUSY_MS);
	net_deliver_all();
	net_advance(IKE_RETRY_BUSY_MS);
	net_deliver_all();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_uint_eq(a->spi_i, b->spi_i);
	ck_assert_uint_eq(a->spi_r, b->spi_r);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	/* and it works */
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	net_deliver_all();
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	down();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike-pq-followup");
	TCase *t = tcase_create("followup");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, new_child);
	tcase_add_test(t, new_child_three_from_b);
	tcase_add_test(t, child_rekey);
	tcase_add_test(t, ike_rekey_from_b);
	tcase_add_test(t, ike_rekey_from_a);
	tcase_add_test(t, lost_followup_response);
	tcase_add_test(t, missing_followup_state_not_found);
	tcase_add_test(t, malformed_ek_in_followup);
	tcase_add_test(t, unknown_link);
	tcase_add_test(t, state_not_found_thrice);
	tcase_add_test(t, ike_rekey_collision);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
