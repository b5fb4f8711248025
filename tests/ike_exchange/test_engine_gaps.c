/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process IKEv2 exchanges, third part: the dataplane's one event queue
 * shared by IKE Child SAs and static SAs; an IKE SA rekey answered with
 * INVALID_KE_PAYLOAD; ... over the mock network of harness.c. Arrow
 * comments name each exchange step.
 */
#include <check.h>
#include <string.h>

#include "control/ike/ike_wire.h"
#include "control/ike/proposal.h"
#include "tests/ike_exchange/harness.h"

/* Events of SAs the engine did not install go back to the owner
 * (ops->foreign_event), untouched; its own still trigger rekeys. */
START_TEST(static_sa_events_handed_back)
{
	struct mock_drv *m;
	struct ike_sa *a;
	uint32_t old_in;

	setup_psk();
	establish();
	a = only_sa(&net.a);
	old_in = a->child[0].spi_in;
	m = mock_of(&net.a);
	/* A static SA's hard expiry (SPI 0x1000, not IKE's), then a soft
	 * expiry of IKE's outbound SA, in one batch. */
	m->events[m->n_events++] = (struct esp_event){ .type = ESP_EV_HARD_EXPIRE,
						       .dir = ESP_DIR_IN, .spi = 0x1000 };
	m->events[m->n_events++] = (struct esp_event){ .type = ESP_EV_SOFT_EXPIRE,
						       .dir = ESP_DIR_OUT,
						       .spi = a->child[0].spi_out };
	/* Same SPI value as IKE's inbound SA, other direction: not IKE's. */
	m->events[m->n_events++] = (struct esp_event){ .type = ESP_EV_HARD_EXPIRE,
						       .dir = ESP_DIR_OUT, .spi = old_in };
	net_advance(1);
	ck_assert_uint_eq(net.a.n_foreign, 2);
	ck_assert_uint_eq(net.a.foreign[0].spi, 0x1000);
	ck_assert_uint_eq(net.a.foreign[0].type, ESP_EV_HARD_EXPIRE);
	ck_assert_uint_eq(net.a.foreign[1].spi, old_in);
	ck_assert_uint_eq(net.a.foreign[1].dir, ESP_DIR_OUT);
	/* A -> B CREATE_CHILD_SA (rekey), B -> A, A -> B delete, B -> A */
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->child_rekeys, 1);
	ck_assert(!has_sa(&net.a, old_in, ESP_DIR_IN));
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

/* A connection's IKE proposals replaced in place (as a reload would). */
static void set_ike_proposals(struct ike_sa *sa, const char *prop)
{
	struct ike_conn *c = (struct ike_conn *)sa->conn;
	int n = ike_proposals_parse(prop, IKE_PROTO_IKE, c->ike, IKE_PROPS_MAX);

	ck_assert_int_gt(n, 0);
	c->n_ike = (unsigned)n;
}

/* RFC 7296 §1.3.1, §2.18: B no longer accepts the IKE SA's group; A's
 * rekey gets INVALID_KE_PAYLOAD(ecp256) and goes again with that group. */
START_TEST(ike_rekey_invalid_ke)
{
	struct ike_sa *a, *b;
	uint64_t old_i;

	setup_psk();
	establish();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	old_i = a->spi_i;
	ck_assert_uint_eq(a->suite.ke, IKE_KE_CURVE25519);
	set_ike_proposals(a, "aes256gcm16-prfsha384-x25519-ecp256");
	set_ike_proposals(b, "aes256gcm16-prfsha384-ecp256");
	ck_assert_int_eq(ike_rekey_ike(net.a.e, a), 0);
	/* A -> B: CREATE_CHILD_SA SA(IKE), Ni, KEi(x25519) */
	net_deliver();
	/* B -> A: N(INVALID_KE_PAYLOAD, 19) */
	ck_assert(net_is_response(0));
	net_deliver();
	ck_assert_int_eq(a->state, IKE_SA_REKEYING);
	/* A -> B: CREATE_CHILD_SA SA(IKE), Ni, KEi(ecp256); B -> A: SA, Nr, KEr */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_CREATE_CHILD_SA);
	net_deliver();
	net_deliver();
	/* A -> B: INFORMATIONAL D(IKE) on the old SA; B -> A */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_INFORMATIONAL);
	ck_assert_uint_eq(net_deliver_all(), 2);
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_uint_ne(a->spi_i, old_i);
	ck_assert_uint_eq(a->suite.ke, IKE_KE_ECP256);
	ck_assert_uint_eq(b->suite.ke, IKE_KE_ECP256);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->ike_rekeys, 1);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	/* The new SA works: a Child SA rekey over it. */
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

/* INVALID_KE_PAYLOAD naming a group A does not offer: no retry, the old
 * IKE SA stays as it was. */
START_TEST(ike_rekey_invalid_ke_unknown_group)
{
	struct ike_sa *a;
	uint64_t old_i;

	setup_psk();
	establish();
	a = only_sa(&net.a);
	old_i = a->spi_i;
	set_ike_proposals(only_sa(&net.b), "aes256gcm16-prfsha384-ecp256");
	ck_assert_int_eq(ike_rekey_ike(net.a.e, a), 0);
	/* A -> B: CREATE_CHILD_SA; B -> A: N(INVALID_KE_PAYLOAD, 19) */
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert_uint_eq(a->spi_i, old_i);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 1);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->ike_rekeys, 0);
	net_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike-engine-gaps");
	TCase *t = tcase_create("gaps");
	SRunner *r;
	int failed;

	tcase_add_test(t, static_sa_events_handed_back);
	tcase_add_test(t, ike_rekey_invalid_ke);
	tcase_add_test(t, ike_rekey_invalid_ke_unknown_group);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? 0 : 1;
}
