/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process IKEv2 exchanges, third part: the dataplane's one event queue
 * shared by IKE Child SAs and static SAs; an IKE SA rekey answered with
 * INVALID_KE_PAYLOAD; a NAT in front of A changing its mapping (§2.23);
 * over the mock network of harness.c. Arrow comments name each exchange
 * step.
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
	struct ike_sa *a;
	uint32_t old_in;

	establish_psk(&a, NULL);
	old_in = a->child[0].spi_in;
	/* A static SA's hard expiry (SPI 0x1000, not IKE's), then a soft
	 * expiry of IKE's outbound SA, in one batch. */
	mock_event(&net.a, ESP_EV_HARD_EXPIRE, ESP_DIR_IN, 0x1000);
	mock_event(&net.a, ESP_EV_SOFT_EXPIRE, ESP_DIR_OUT, a->child[0].spi_out);
	/* Same SPI value as IKE's inbound SA, other direction: not IKE's. */
	mock_event(&net.a, ESP_EV_HARD_EXPIRE, ESP_DIR_OUT, old_in);
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

	establish_psk(&a, &b);
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

	establish_psk(&a, NULL);
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

static const struct mock_sa *mock_sa_of(struct peer *p, uint32_t spi, enum esp_dir dir)
{
	const struct mock_sa *s = mock_sa_find(mock_of(p), spi, dir);

	if (s == NULL)
		ck_abort_msg("no SA %08x", spi);
	return s;
}

/* Every SA of B's driver: ESP-in-UDP from 4500 to A's NAT port @p port. */
static void b_sas_go_to(uint16_t port)
{
	struct mock_drv *m = mock_of(&net.b);

	ck_assert_uint_gt(m->n_sas, 0);
	for (unsigned i = 0; i < m->n_sas; i++) {
		ck_assert(m->sas[i].p.flags & ESP_SA_F_NATT);
		ck_assert_uint_eq(m->sas[i].p.natt_sport, 4500);
		ck_assert_uint_eq(m->sas[i].p.natt_dport, port);
	}
}

/* RFC 7296 §2.23: A sits behind a NAT that reboots and maps A to a new
 * port. B (not behind a NAT) follows A's next authenticated request:
 * the IKE SA and both installed Child SAs move to the new port; A (behind
 * the NAT) ignores a changed source on B's answers. */
START_TEST(nat_mapping_change)
{
	struct ike_sa *a, *b;
	struct ike_conn *ca;
	uint32_t in;

	setup_psk();
	net.nat_a = 40000;
	establish();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert(a->nat_local && !a->nat_remote);
	ck_assert(b->nat_remote && !b->nat_local);
	/* IKE_AUTH floated to 4500, which the NAT mapped to 40001. */
	ck_assert_uint_eq(b->remote.port, 40001);
	b_sas_go_to(40001);
	in = b->child[0].spi_in;

	/* The NAT reboots: A's 4500 is now 50001, 40001 leads nowhere. */
	net.nat_a = 50000;
	ca = (struct ike_conn *)a->conn;
	ca->dpd_ms = 1000;
	net_advance(1500);
	/* A -> B: INFORMATIONAL (liveness check) from 50001; B follows */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_INFORMATIONAL);
	net_deliver();
	ck_assert_uint_eq(b->remote.port, 50001);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->nat_moves, 1);
	b_sas_go_to(50001);
	/* The keys did not change: A's outbound is still B's inbound. */
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	ck_assert_uint_eq(mock_sa_of(&net.b, in, ESP_DIR_IN)->p.natt_dport, 50001);
	/* B -> A: the answer reaches A through the new mapping. */
	ck_assert(net_is_response(0));
	ck_assert_uint_eq(net.q[0].to.port, 50001);
	net_deliver();
	ck_assert_uint_eq(net.nat_dropped, 0);
	ck_assert(!a->out.active);

	/* B's next request (a Child SA rekey) goes to the new mapping, and
	 * the new Child SA is installed with it. */
	ca->dpd_ms = 0;
	ck_assert_int_eq(ike_rekey_child(net.b.e, in), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert_uint_eq(net.nat_dropped, 0);
	b_sas_go_to(50001);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);

	/* A is behind the NAT: an authenticated answer from another source
	 * port of B does not move A's IKE SA. */
	ck_assert_int_eq(ike_rekey_ike(net.a.e, a), 0);
	/* A -> B: CREATE_CHILD_SA; B -> A from 4501 */
	net_deliver();
	ck_assert(net_is_response(0));
	net.q[0].from.port = 4501;
	net_deliver();
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->nat_moves, 0);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->nat_moves_refused, 1);
	ck_assert_uint_eq(a->remote.port, 4500);
	ck_assert_uint_eq(net_deliver_all(), 2); /* the old IKE SA's Delete */
	net_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike-engine-gaps");
	TCase *t = tcase_create("gaps");

	tcase_add_test(t, static_sa_events_handed_back);
	tcase_add_test(t, ike_rekey_invalid_ke);
	tcase_add_test(t, ike_rekey_invalid_ke_unknown_group);
	tcase_add_test(t, nat_mapping_change);
	suite_add_tcase(s, t);
	return check_run(s);
}
