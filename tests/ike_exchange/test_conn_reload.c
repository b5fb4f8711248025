/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process: connections changed at run time (what `espritctl reload`
 * does through ike_conn_update() / ike_conn_del()), over the mock network
 * of harness.c. IKE SAs point at the connection they were made from: the
 * old version must stay valid while one does (the ASan build checks), an
 * established SA moves to the new version when it can, and its installed
 * Child SAs are not touched.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/ike/ike_wire.h"
#include "control/ike/proposal.h"
#include "tests/ike_exchange/harness.h"

/* A copy of @p p's connection "gw" with other DPD and ESP settings. */
static struct ike_conn changed(struct peer *p, const char *esp, uint64_t dpd_ms)
{
	struct ike_conn c = *ike_conn_get(p->e, "gw");
	int n = ike_proposals_parse(esp, IKE_PROTO_ESP, c.child[0].esp, IKE_PROPS_MAX);

	ck_assert_int_gt(n, 0);
	c.child[0].n_esp = (unsigned)n;
	c.dpd_ms = dpd_ms;
	return c;
}

/* Every installed Child SA of @p sa has @p bits keys. */
static void check_key_bits(const struct ike_sa *sa, unsigned bits)
{
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state == IKE_CHILD_INSTALLED)
			ck_assert_uint_eq(sa->child[i].suite.key_bits, bits);
}

/* An established IKE SA moves to the new version: the installed Child SA
 * stays as it is, the next rekey uses the new ESP proposal. */
START_TEST(update_moves_established_sa)
{
	struct ike_conn ca, cb;
	struct ike_sa *a;
	uint32_t spi_in;

	establish_psk(&a, NULL);
	spi_in = a->child[0].spi_in;
	ck_assert_uint_eq(a->child[0].suite.encr, IKE_ENCR_AES_GCM_16);
	ck_assert_uint_eq(a->child[0].suite.key_bits, 256);  /* ESP_P's first */
	ca = changed(&net.a, "aes128gcm16", 30000);
	cb = changed(&net.b, "aes256gcm16,aes128gcm16", 0);
	ck_assert_int_eq(ike_conn_update(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_update(net.b.e, &cb), 0);
	ck_assert_ptr_eq(a->conn, ike_conn_get(net.a.e, "gw"));
	ck_assert_uint_eq(a->conn->dpd_ms, 30000);
	ck_assert(has_sa(&net.a, spi_in, ESP_DIR_IN));
	ck_assert_uint_eq(net.n, 0); /* nothing sent by the update itself */
	ck_assert_int_eq(ike_rekey_child(net.a.e, spi_in), 0);
	/* A -> B CREATE_CHILD_SA (rekey), B -> A, A -> B delete, B -> A */
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert(!has_sa(&net.a, spi_in, ESP_DIR_IN));
	ck_assert_uint_eq(children(a), 1);
	check_key_bits(a, 128);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

/* With a request in flight the SA keeps the old version (its task holds
 * child config indices of it); the exchange completes on it, and the SA
 * moves at the next tick once idle. */
START_TEST(update_in_flight_moves_later)
{
	struct ike_conn ca;
	const struct ike_conn *old;
	struct ike_sa *a;

	establish_psk(&a, NULL);
	old = a->conn;
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	ck_assert_uint_eq(net.n, 1);
	ca = changed(&net.a, "aes128gcm16", 0);  /* B keeps ESP_P (both) */
	ck_assert_int_eq(ike_conn_update(net.a.e, &ca), 0);
	ck_assert_ptr_eq(a->conn, old);
	/* A -> B CREATE_CHILD_SA (rekey), B -> A, A -> B delete, B -> A:
	 * still the old proposal (256) */
	ck_assert_uint_eq(net_deliver_all(), 4);
	check_key_bits(a, 256);
	net_advance(100);
	ck_assert_ptr_eq(a->conn, ike_conn_get(net.a.e, "gw"));
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (a->child[i].state == IKE_CHILD_INSTALLED)
			ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[i].spi_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	check_key_bits(a, 128);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

/* A child config renamed: the SA cannot move and keeps the old version
 * (still valid after ticks) until it ends. */
START_TEST(update_renamed_child_keeps_old)
{
	struct ike_conn ca;
	const struct ike_conn *old;
	struct ike_sa *a;

	establish_psk(&a, NULL);
	old = a->conn;
	ca = changed(&net.a, "chacha20poly1305", 0);
	snprintf(ca.child[0].name, sizeof(ca.child[0].name), "other");
	ck_assert_int_eq(ike_conn_update(net.a.e, &ca), 0);
	ck_assert_ptr_eq(a->conn, old);
	ck_assert_ptr_ne(ike_conn_get(net.a.e, "gw"), old);
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	net_advance(100); /* the tick's collection must not free it */
	ck_assert_ptr_eq(a->conn, old);
	ck_assert_str_eq(a->conn->child[0].name, "net");
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	/* terminate still finds it by name */
	ck_assert_ptr_eq(ike_sa_by_conn(net.a.e, "gw"), a);
	ck_assert_int_eq(ike_delete(net.a.e, a), 0);
	net_deliver_all();
	net_advance(100);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	net_teardown();
}
END_TEST

/* A removed connection: no new IKE SA from it (either role), the
 * established one keeps working (rekey, DPD) until deleted. */
START_TEST(delete_keeps_established_sa)
{
	struct ike_sa *a;

	establish_psk(&a, NULL);
	ck_assert_int_eq(ike_conn_del(net.a.e, "gw"), 0);
	ck_assert_int_eq(ike_conn_del(net.a.e, "gw"), -ENOENT);
	ck_assert_ptr_null(ike_conn_get(net.a.e, "gw"));
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), -ENOENT);
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	ck_assert_int_eq(ike_rekey_ike(net.a.e, a), 0);
	net_deliver_all();
	a = only_sa(&net.a);
	ck_assert_uint_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert_str_eq(a->conn->name, "gw");
	/* B initiating towards A now finds no connection at A. */
	ck_assert_int_eq(ike_initiate(net.b.e, "gw", "net"), 0);
	net_deliver_all();
	ck_assert_uint_eq(ike_sa_count(net.a.e), 1);
	/* re-added: works again */
	ck_assert_int_eq(ike_delete(net.a.e, a), 0);
	net_deliver_all();
	net_advance(100);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	net_teardown();
}
END_TEST

START_TEST(update_unknown_and_invalid)
{
	struct ike_conn c;

	setup_psk();
	c = *ike_conn_get(net.a.e, "gw");
	snprintf(c.name, sizeof(c.name), "nope");
	ck_assert_int_eq(ike_conn_update(net.a.e, &c), -ENOENT);
	c = *ike_conn_get(net.a.e, "gw");
	c.n_ike = 0;
	ck_assert_int_eq(ike_conn_update(net.a.e, &c), -EINVAL);
	ck_assert_uint_ne(ike_conn_get(net.a.e, "gw")->n_ike, 0);
	net_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike-conn-reload");
	TCase *tc = tcase_create("reload");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, update_moves_established_sa);
	tcase_add_test(tc, update_in_flight_moves_later);
	tcase_add_test(tc, update_renamed_child_keeps_old);
	tcase_add_test(tc, delete_keeps_established_sa);
	tcase_add_test(tc, update_unknown_and_invalid);
	suite_add_tcase(s, tc);
	return check_run(s);
}
