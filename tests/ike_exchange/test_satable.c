/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKE SA table (control/ike/satable.c) at scale: thousands of
 * established IKE SAs from distinct peer addresses, lookups by SPIs,
 * removal, memory per SA, the half-open limit and the cookie threshold
 * (RFC 7296 §2.6), the configured maximum of IKE SAs.
 */
#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/ike_wire.h"
#include "tests/ike_exchange/harness.h"

enum { MANY = 2000 };

/* Peer k's address as B sees it: 10.(k >> 8).(k & 255).1. */
static struct ike_addr peer_addr(unsigned k, uint16_t port)
{
	struct ike_addr a = { .ip.family = AF_INET, .port = port };

	a.ip.bytes[0] = 10;
	a.ip.bytes[1] = (uint8_t)(k >> 8);
	a.ip.bytes[2] = (uint8_t)k;
	a.ip.bytes[3] = 1;
	return a;
}

/*
 * Delivers the queue with A appearing to B as peer @p k (so INITIAL_CONTACT
 * of one does not clear another's SA, §2.4): A's datagrams get source
 * peer_addr(k), B's answers go to A. @p drop_b: B's answers are lost.
 */
static unsigned pump(unsigned k, bool drop_b)
{
	unsigned n = 0;

	while (net.n > 0) {
		struct pkt p = net.q[0];

		memmove(net.q, net.q + 1, (net.n - 1) * sizeof(net.q[0]));
		net.n--;
		n++;
		if (esp_addr_eq(&p.to.ip, &net.b.addr.ip)) {
			p.from = peer_addr(k, p.from.port);
			(void)ike_engine_input(net.b.e, &p.to, &p.from, p.buf, p.len);
		} else if (!drop_b) {
			p.to.ip = net.a.addr.ip;
			(void)ike_engine_input(net.a.e, &p.to, &p.from, p.buf, p.len);
		}
		ck_assert_uint_lt(n, 100);
	}
	return n;
}

/* PSK "gw" both ways; B answers any peer address. */
static void setup_any(unsigned cookie_threshold)
{
	struct ike_conn ca, cb;

	net.no_keylog = true; /* thousands of SAs: more than the harness keeps */
	net_setup(cookie_threshold);
	conn_psk(&ca, &net.a, &net.b, "many-psk", IKE_P, ESP_P);
	conn_psk(&cb, &net.b, &net.a, "many-psk", IKE_P, ESP_P);
	cb.remote.ip.family = 0;
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
}

struct spis {
	unsigned n;
	uint64_t spi[MANY][2];
};

static void collect(const struct ike_sa *sa, void *arg)
{
	struct spis *s = arg;

	ck_assert_uint_lt(s->n, MANY);
	ck_assert_int_eq(sa->state, IKE_SA_ESTABLISHED);
	s->spi[s->n][0] = sa->spi_i;
	s->spi[s->n][1] = sa->spi_r;
	s->n++;
}

static size_t heap_used(void)
{
	return mallinfo2().uordblks;
}

START_TEST(many_established)
{
	static struct spis a;
	struct spis *b = calloc(1, sizeof(*b));
	size_t before, after;

	setup_any(100000);
	before = heap_used();
	for (unsigned k = 0; k < MANY; k++) {
		/* Childless (RFC 6023): the mock driver holds 256 SAs. */
		ck_assert_int_eq(ike_initiate(net.a.e, "gw", NULL), 0);
		ck_assert_uint_eq(pump(k, false), 4);
	}
	after = heap_used();
	ck_assert_uint_eq(ike_sa_count(net.a.e), MANY);
	ck_assert_uint_eq(ike_sa_count(net.b.e), MANY);
	/* Both engines hold MANY SAs: the heap per IKE SA (one side). */
	printf("IKE SA table: %u established IKE SAs per engine, sizeof(struct ike_sa) %zu, "
	       "heap %zu octets per IKE SA (table, messages and key exchange included)\n",
	       MANY, sizeof(struct ike_sa), (after - before) / (2 * MANY));
	ck_assert_uint_lt((after - before) / (2 * MANY), 16384);

	/* Every SA of A is found on B by its SPIs, in creation order. */
	a.n = 0;
	ike_sa_foreach(net.a.e, collect, &a);
	ike_sa_foreach(net.b.e, collect, b);
	ck_assert_uint_eq(a.n, MANY);
	ck_assert_uint_eq(b->n, MANY);
	for (unsigned k = 0; k < MANY; k++) {
		struct ike_sa *sa = ike_sa_find(net.b.e, a.spi[k][0], a.spi[k][1]);
		struct ike_addr from = peer_addr(k, 500);

		ck_assert_ptr_nonnull(sa);
		ck_assert_uint_eq(sa->spi_i, b->spi[k][0]);
		ck_assert_uint_eq(sa->spi_r, b->spi[k][1]);
		ck_assert(esp_addr_eq(&sa->remote.ip, &from.ip));
		/* SPIi alone (spi_r 0) finds it too; a wrong SPIr does not. */
		ck_assert_ptr_eq(ike_sa_find(net.b.e, a.spi[k][0], 0), sa);
		ck_assert_ptr_null(ike_sa_find(net.b.e, a.spi[k][0], a.spi[k][1] ^ 1));
		ck_assert_ptr_null(ike_sa_find(net.b.e, a.spi[k][0] ^ 1, a.spi[k][1]));
	}

	/* A deletes every other IKE SA (INFORMATIONAL, D(IKE)). */
	for (unsigned k = 0; k < MANY; k += 2) {
		ck_assert_int_eq(ike_delete(net.a.e, ike_sa_find(net.a.e, a.spi[k][0], a.spi[k][1])),
				 0);
		ck_assert_uint_eq(pump(k, false), 2);
	}
	ck_assert_uint_eq(ike_sa_count(net.a.e), MANY / 2);
	ck_assert_uint_eq(ike_sa_count(net.b.e), MANY / 2);
	for (unsigned k = 0; k < MANY; k++) {
		struct ike_sa *sa = ike_sa_find(net.b.e, a.spi[k][0], a.spi[k][1]);

		if (k % 2 == 0) {
			ck_assert_ptr_null(sa);
			continue;
		}
		ck_assert_ptr_nonnull(sa);
		/* Still working: a liveness check of the remaining SAs. */
		if (k % 97 == 1) {
			struct ike_sa *sb = ike_sa_find(net.a.e, a.spi[k][0], a.spi[k][1]);
			unsigned rx = ike_engine_stats(net.b.e)->rx;

			ck_assert_int_eq(ike_rekey_ike(net.a.e, sb), 0);
			ck_assert_uint_eq(pump(k, false), 4); /* rekey, then Delete of the old */
			ck_assert_uint_eq(ike_engine_stats(net.b.e)->rx, rx + 2);
		}
	}
	ck_assert_uint_eq(ike_sa_count(net.b.e), MANY / 2);
	free(b);
	net_teardown();
}
END_TEST

/* Half-open SAs: B's answers are lost, A's SAs wait in INIT_SENT.
 * Returns B's answers. */
static unsigned half_open_from(unsigned k0, unsigned n)
{
	unsigned answers = 0;

	for (unsigned k = k0; k < k0 + n; k++) {
		ck_assert_int_eq(ike_initiate(net.a.e, "gw", NULL), 0);
		answers += pump(k, true) - 1;
	}
	return answers;
}

START_TEST(cookie_threshold)
{
	const struct ike_stats *st;
	unsigned before;

	setup_any(10);
	st = ike_engine_stats(net.b.e);
	/* Up to the threshold B keeps state; beyond, COOKIEs and no state. */
	ck_assert_uint_eq(half_open_from(0, 10), 10);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 10);
	ck_assert_uint_eq(st->cookies_sent, 0);
	ck_assert_uint_eq(half_open_from(10, 25), 25);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 10);
	ck_assert_uint_eq(st->cookies_sent, 25);

	/* An initiator that echoes the cookie (§2.6) gets its SA. */
	before = net.a.sent;
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", NULL), 0);
	ck_assert_uint_eq(pump(500, false), 6); /* INIT, COOKIE, INIT+cookie, resp, AUTH x2 */
	ck_assert_uint_eq(net.a.sent, before + 3);
	ck_assert_uint_eq(st->cookies_sent, 26);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 11);
	ck_assert_ptr_nonnull(ike_sa_by_conn(net.b.e, "gw"));

	/* New initiators without a cookie get one each, never state. */
	ck_assert_uint_eq(half_open_from(600, 3), 3);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 11);
	ck_assert_uint_eq(st->cookies_sent, 29);

	/* After 30 s the half-open SAs are gone, the established one stays
	 * (A's SAs gave up meanwhile), and B keeps state again. */
	for (unsigned t = 0; t < 35; t++) {
		net_advance(1000);
		net.n = 0;
	}
	ck_assert_uint_eq(ike_sa_count(net.b.e), 1);
	ck_assert_uint_eq(half_open_from(700, 5), 5);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 6);
	ck_assert_uint_eq(st->cookies_sent, 29);
	net_teardown();
}
END_TEST

START_TEST(half_open_limit)
{
	const struct ike_stats *st;

	/* Threshold above the hard limit (100 in the harness): no cookies. */
	setup_any(1000);
	st = ike_engine_stats(net.b.e);
	ck_assert_uint_eq(half_open_from(0, 130), 100);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 100);
	ck_assert_uint_eq(st->half_open_drops, 30);
	ck_assert_uint_eq(st->cookies_sent, 0);
	/* A further initiator is dropped too, without an answer. */
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", NULL), 0);
	ck_assert_uint_eq(pump(1000, false), 1);
	ck_assert_uint_eq(st->half_open_drops, 31);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 100);
	net_teardown();
}
END_TEST

START_TEST(max_sas)
{
	const struct ike_stats *st;

	struct ike_conn ca;

	net.max_sas = 20;
	setup_any(1000);
	/* A initiates at most 20 IKE SAs. */
	for (unsigned k = 0; k < 25; k++) {
		ck_assert_int_eq(ike_initiate(net.a.e, "gw", NULL), k < 20 ? 0 : -ENOSPC);
		(void)pump(k, false);
	}
	ck_assert_uint_eq(ike_sa_count(net.a.e), 20);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->sa_limit_drops, 5);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 20);
	/* A without a limit: B drops the IKE_SA_INITs beyond its 20. */
	ike_engine_free(net.a.e);
	net.max_sas = 0;
	net.a.e = peer_engine(&net.a, 100);
	conn_psk(&ca, &net.a, &net.b, "many-psk", IKE_P, ESP_P);
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	st = ike_engine_stats(net.b.e);
	for (unsigned k = 100; k < 105; k++) {
		ck_assert_int_eq(ike_initiate(net.a.e, "gw", NULL), 0);
		ck_assert_uint_eq(pump(k, false), 1);
	}
	ck_assert_uint_eq(ike_sa_count(net.b.e), 20);
	ck_assert_uint_eq(st->sa_limit_drops, 5);
	net_teardown();
}
END_TEST

/* Many SAs ending in the same tick: the walk survives the removals. */
START_TEST(expire_many)
{
	setup_any(100000);
	/* (A's retransmissions must fit the mock network's 64 datagrams.) */
	ck_assert_uint_eq(half_open_from(0, 60), 60);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 60);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 60);
	for (unsigned t = 0; t < 40; t++) {
		net_advance(1000);
		net.n = 0;
	}
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->give_ups, 60);
	/* The table works after emptying: a new SA gets established. */
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", NULL), 0);
	ck_assert_uint_eq(pump(5, false), 4);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 1);
	net_teardown();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike-satable");
	TCase *t = tcase_create("satable");

	tcase_set_timeout(t, 300);
	tcase_add_test(t, many_established);
	tcase_add_test(t, cookie_threshold);
	tcase_add_test(t, half_open_limit);
	tcase_add_test(t, max_sas);
	tcase_add_test(t, expire_many);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
