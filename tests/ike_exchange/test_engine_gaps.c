/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process IKEv2 exchanges, third part: the dataplane's one event queue
 * shared by IKE Child SAs and static SAs, ... over the mock network of
 * harness.c. Arrow comments name each exchange step.
 */
#include <check.h>
#include <string.h>

#include "control/ike/ike_wire.h"
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

int main(void)
{
	Suite *s = suite_create("ike-engine-gaps");
	TCase *t = tcase_create("gaps");
	SRunner *r;
	int failed;

	tcase_add_test(t, static_sa_events_handed_back);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? 0 : 1;
}
