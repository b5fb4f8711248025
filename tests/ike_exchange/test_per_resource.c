/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 9611 per-resource Child SAs between two engines: the notify asked
 * for and echoed, one SA pair per worker made after IKE_AUTH, the policy
 * listing them all, TS_MAX_QUEUE past the responder's limit, a peer
 * without the extension getting one plain Child SA, a responder of more
 * workers making the SAs it lacks, and rekeys and deletes keeping the
 * policy whole.
 */
#include "control/ike/exchange.h"
#include "control/ike/ikesa.h"
#include "control/ike/payload.h"
#include "tests/ike_exchange/harness.h"

/* A and B with child "net" per-resource as asked, A with @p wa workers,
 * B with @p wb. */
static void setup_res(uint16_t wa, uint16_t wb, bool res_a, bool res_b)
{
	struct ike_conn ca, cb;

	net.workers_a = wa;
	net.workers_b = wb;
	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "s3cret-psk", IKE_P, ESP_P);
	conn_psk(&cb, &net.b, &net.a, "s3cret-psk", IKE_P, ESP_P);
	ca.child[0].per_resource = res_a;
	cb.child[0].per_resource = res_b;
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
}

/* IKE_SA_INIT and IKE_AUTH (establish() wants nothing queued after). */
static void establish_res(void)
{
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	net_exchange(IKE_EXCH_IKE_AUTH);
}

static void teardown_res(void)
{
	net_teardown();
	net.workers_a = net.workers_b = 0;
}

/* Does queued SK message @p i (sent by @p from) carry SA_RESOURCE_INFO? */
static bool has_res_notify(unsigned i, const struct ike_sa *from)
{
	struct ike_msg m;
	struct pld_notify n;

	net_open(i, from, &m);
	return ike_msg_find_notify(&m, IKE_N_SA_RESOURCE_INFO, &n) == 0;
}

/* @p p's one policy: its SA and its per-resource SAs (count). */
static const struct drv_policy *policy_of(struct peer *p, unsigned *n_res)
{
	const struct mock_drv *m = mock_of(p);

	ck_assert_uint_eq(m->n_pols, 1);
	*n_res = 0;
	while (*n_res < DRV_POLICY_RES_MAX && m->pols[0].res_spi[*n_res] != 0)
		(*n_res)++;
	return &m->pols[0];
}

static bool policy_lists(const struct drv_policy *pol, uint32_t spi)
{
	for (unsigned i = 0; i < DRV_POLICY_RES_MAX && pol->res_spi[i] != 0; i++)
		if (pol->res_spi[i] == spi)
			return true;
	return false;
}

static uint16_t owner_of(struct peer *p, uint32_t spi, enum esp_dir dir)
{
	const struct mock_sa *s = mock_sa_find(mock_of(p), spi, dir);

	ck_assert_ptr_nonnull(s);
	return s->p.owner;
}

/* Every live Child SA of @p sa is per-resource, on worker 0..n-1 each
 * once, and @p p's policy lists each one's outbound SA. */
static void check_group(struct peer *p, const struct ike_sa *sa, unsigned n)
{
	unsigned n_res, seen = 0;
	const struct drv_policy *pol = policy_of(p, &n_res);

	ck_assert_uint_eq(children(sa), n);
	ck_assert_uint_eq(n_res, n);
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++) {
		const struct ike_child *c = &sa->child[i];

		if (c->state != IKE_CHILD_INSTALLED)
			continue;
		ck_assert(c->per_resource);
		ck_assert(policy_lists(pol, c->spi_out));
		ck_assert_uint_eq(owner_of(p, c->spi_out, ESP_DIR_OUT), c->worker);
		ck_assert_uint_eq(owner_of(p, c->spi_in, ESP_DIR_IN), c->worker);
		ck_assert_uint_lt(c->worker, n);
		ck_assert(!(seen >> c->worker & 1));
		seen |= 1u << c->worker;
		if (c->owns_policy)
			ck_assert_uint_eq(pol->sa_spi, c->spi_out);
	}
}

START_TEST(one_sa_pair_per_worker)
{
	struct ike_sa *a, *b;

	setup_res(2, 2, true, true);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	/* A -> B: IKE_AUTH asks (§3) */
	a = only_sa(&net.a);
	ck_assert(has_res_notify(0, a));
	net_deliver();
	b = only_sa(&net.b);
	/* B -> A: agreed */
	ck_assert(has_res_notify(0, b));
	net_deliver();
	/* A -> B: CREATE_CHILD_SA for the second worker, asking too */
	ck_assert_uint_eq(net.n, 1);
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_CREATE_CHILD_SA);
	ck_assert(has_res_notify(0, a));
	net_deliver();
	ck_assert(has_res_notify(0, b));
	net_deliver();
	/* two workers, two pairs: no more asked */
	ck_assert_uint_eq(net.n, 0);
	check_group(&net.a, a, 2);
	check_group(&net.b, b, 2);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	teardown_res();
}
END_TEST

START_TEST(peer_without_it_gets_one_plain_sa)
{
	struct ike_sa *a, *b;
	unsigned n_res;

	setup_res(2, 2, true, false);
	establish();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	ck_assert(!a->child[0].per_resource);
	ck_assert(!b->child[0].per_resource);
	(void)policy_of(&net.a, &n_res);
	ck_assert_uint_eq(n_res, 0);
	teardown_res();
}
END_TEST

/* B (one worker) takes twice its workers, then TS_MAX_QUEUE; A (four)
 * asks no more after it. */
START_TEST(ts_max_queue_past_the_limit)
{
	struct ike_sa *a, *b;
	struct ike_msg m;
	struct pld_notify n;

	setup_res(4, 1, true, true);
	establish_res();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	/* the second SA */
	net_exchange(IKE_EXCH_CREATE_CHILD_SA);
	/* the third: refused */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_CREATE_CHILD_SA);
	net_deliver();
	net_open(0, b, &m);
	ck_assert_int_eq(ike_msg_find_notify(&m, IKE_N_TS_MAX_QUEUE, &n), 0);
	ck_assert_int_eq(ike_msg_find_notify(&m, IKE_N_NO_ADDITIONAL_SAS, &n), -ENOENT);
	net_deliver();
	ck_assert_uint_eq(net.n, 0);
	net_advance(1000);
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(children(a), 2);
	ck_assert_uint_eq(children(b), 2);
	/* B's two on its one worker; A's on two of its four */
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (b->child[i].state == IKE_CHILD_INSTALLED)
			ck_assert_uint_eq(b->child[i].worker, 0);
	check_group(&net.a, a, 2);
	teardown_res();
}
END_TEST

/* A (one worker) asks and has its SA; B (two) agreed, and once A made no
 * more for 2 s, makes the one its second worker lacks, asking too. */
START_TEST(responder_fills_its_workers)
{
	struct ike_sa *a, *b;
	unsigned n_res;

	setup_res(1, 2, true, true);
	establish_res();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_uint_eq(net.n, 0);
	net_advance(1000);
	ck_assert_uint_eq(net.n, 0);
	net_advance(1500);
	ck_assert_uint_eq(net.n, 1);
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_CREATE_CHILD_SA);
	ck_assert(has_res_notify(0, b));
	net_deliver_all();
	check_group(&net.b, b, 2);
	ck_assert_uint_eq(children(a), 2);
	(void)policy_of(&net.a, &n_res);
	ck_assert_uint_eq(n_res, 2);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	/* every worker of each has one: nothing more, from either side */
	net_advance(3000);
	net_advance(3000);
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(children(a), 2);
	teardown_res();
}
END_TEST

/* B's pending completion of the group survives a reload that moves its
 * child config to another index (a config inserted before it). */
START_TEST(responder_fill_after_reload)
{
	struct ike_conn cb;
	struct ike_sa *b;

	setup_res(1, 2, true, true);
	establish_res();
	b = only_sa(&net.b);
	conn_psk(&cb, &net.b, &net.a, "s3cret-psk", IKE_P, ESP_P);
	cb.child[1] = cb.child[0];
	cb.child[1].per_resource = true;
	snprintf(cb.child[0].name, sizeof(cb.child[0].name), "other");
	conn_set_ts(&cb, 0, "10.7.0.0/24", "10.8.0.0/24");
	cb.n_child = 2;
	ck_assert_int_eq(ike_conn_update(net.b.e, &cb), 0);
	ck_assert_uint_eq(b->child[0].cfg, 1);
	net_advance(2500);
	ck_assert_uint_eq(net.n, 1);
	net_deliver_all();
	check_group(&net.b, b, 2);
	teardown_res();
}
END_TEST

/* A member rekeyed stays on its worker and in the policy, the old one's
 * SPI leaves it; the owner rekeyed passes the policy on whole. */
START_TEST(rekeys_keep_workers_and_policy)
{
	struct ike_sa *a, *b;

	setup_res(2, 2, true, true);
	establish_res();
	net_deliver_all();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	check_group(&net.a, a, 2);
	for (int round = 0; round < 2; round++) {
		/* round 0: the member that does not own the policy; 1: the owner */
		const struct ike_child *old = NULL;

		for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
			if (a->child[i].state == IKE_CHILD_INSTALLED &&
			    a->child[i].owns_policy == (round == 1))
				old = &a->child[i];
		ck_assert_ptr_nonnull(old);
		uint32_t old_out = old->spi_out;
		uint16_t worker = old->worker;

		ck_assert_int_eq(ike_rekey_child(net.a.e, old->spi_in), 0);
		net_exchange(IKE_EXCH_CREATE_CHILD_SA);
		/* make-before-break: A sends with the new SA at once, the old
		 * one out of the policy before its Delete */
		unsigned n_res;
		const struct drv_policy *pol = policy_of(&net.a, &n_res);

		ck_assert_uint_eq(n_res, 2);
		ck_assert(!policy_lists(pol, old_out));
		ck_assert(pol->sa_spi != old_out);
		net_deliver_all();
		check_group(&net.a, a, 2);
		check_group(&net.b, b, 2);
		ck_assert(!has_sa(&net.a, old_out, ESP_DIR_OUT));
		for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
			if (a->child[i].state == IKE_CHILD_INSTALLED && a->child[i].spi_out != old_out &&
			    a->child[i].owns_policy == (round == 1))
				ck_assert_uint_eq(a->child[i].worker, worker);
	}
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 4);
	teardown_res();
}
END_TEST

/* The policy owner deleted: the other member takes the policy, a plain
 * one now; nothing is made again. */
START_TEST(owner_deleted_policy_moves)
{
	struct ike_sa *a, *b;
	const struct ike_child *owner = NULL, *other = NULL;
	unsigned n_res;

	setup_res(2, 2, true, true);
	establish_res();
	net_deliver_all();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (a->child[i].state == IKE_CHILD_INSTALLED) {
			if (a->child[i].owns_policy)
				owner = &a->child[i];
			else
				other = &a->child[i];
		}
	ck_assert_ptr_nonnull(owner);
	ck_assert_ptr_nonnull(other);
	uint32_t other_out = other->spi_out;

	/* B deletes it, A answers */
	ck_assert_int_eq(ike_delete_child(net.b.e, owner->spi_out), 0);
	net_deliver_all();
	net_advance(1000);
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(children(b), 1);
	ck_assert_uint_eq(policy_of(&net.a, &n_res)->sa_spi, other_out);
	ck_assert_uint_eq(n_res, 0);
	ck_assert_uint_eq(policy_of(&net.b, &n_res)->sa_spi, other->spi_in);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	teardown_res();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike_per_resource");
	TCase *tc = tcase_create("rfc9611");

	tcase_add_test(tc, one_sa_pair_per_worker);
	tcase_add_test(tc, peer_without_it_gets_one_plain_sa);
	tcase_add_test(tc, ts_max_queue_past_the_limit);
	tcase_add_test(tc, responder_fills_its_workers);
	tcase_add_test(tc, responder_fill_after_reload);
	tcase_add_test(tc, rekeys_keep_workers_and_policy);
	tcase_add_test(tc, owner_deleted_policy_moves);
	suite_add_tcase(s, tc);
	return check_run(s);
}
