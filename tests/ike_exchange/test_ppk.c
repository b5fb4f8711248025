/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-quantum preshared keys (RFC 8784) in-process: both roles,
 * mandatory and optional policies, a responder with the PPK, with another
 * PPK or with none, a wrong PPK, the NO_PPK_AUTH fallback, PPK_ID types,
 * PPK after IKE_INTERMEDIATE (RFC 9242), and an IKE SA rekey keeping the
 * protection. The notifies are checked on the wire; the keys on both
 * sides against each other and against ike_crypto_ppk_mix of the
 * un-mixed ones.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ike/ike_crypto.h"
#include "control/ike/message.h"
#include "control/ike/proposal.h"
#include "tests/ike_exchange/harness.h"

static const char *const PPK1 = "0123456789abcdef0123456789abcdef-ppk-one";
static const char *const PPK2 = "fedcba9876543210fedcba9876543210-ppk-two";

enum pol { NONE, OPTIONAL, REQUIRED };

static void set_ppk(struct ike_conn *c, enum pol pol, uint8_t type, const char *id,
		    const char *key)
{
	if (pol == NONE)
		return;
	c->ppk.id_type = type;
	c->ppk.id_len = (uint8_t)strlen(id);
	memcpy(c->ppk.id, id, c->ppk.id_len);
	c->ppk.key_len = strlen(key);
	memcpy(c->ppk.key, key, c->ppk.key_len);
	c->ppk_required = pol == REQUIRED;
}

static void setup_ike(const char *ike, enum pol pa, const char *ida, const char *keya,
		      enum pol pb, const char *idb, const char *keyb)
{
	struct ike_conn ca, cb;

	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "s3cret-psk", ike, "aes256gcm16");
	conn_psk(&cb, &net.b, &net.a, "s3cret-psk", ike, "aes256gcm16");
	set_ppk(&ca, pa, IKE_PPK_ID_FIXED, ida, keya);
	set_ppk(&cb, pb, IKE_PPK_ID_FIXED, idb, keyb);
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
}

static void setup(enum pol pa, const char *ida, const char *keya, enum pol pb, const char *idb,
		  const char *keyb)
{
	setup_ike(IKE_P, pa, ida, keya, pb, idb, keyb);
}

/* The head of the queue is a plaintext IKE_SA_INIT: has it N(@p type)? */
static bool init_has(uint16_t type)
{
	struct ike_msg m;
	struct pld_notify n;

	ck_assert_uint_ge(net.n, 1);
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_SA_INIT);
	ck_assert_int_eq(ike_msg_parse(net.q[0].buf, net.q[0].len, &m), 0);
	return ike_msg_find_notify(&m, type, &n) == 0;
}

/* The head of the queue is an SK message from @p from: N(@p type)'s data
 * length, -1 when absent. */
static long sk_notify(const struct ike_sa *from, uint16_t type)
{
	struct ike_msg m;
	struct pld_notify n;

	net_open(0, from, &m);
	if (ike_msg_find_notify(&m, type, &n) != 0)
		return -1;
	return (long)n.len;
}

static struct ike_sa *the_sa(struct peer *p)
{
	/* The first in creation order (the table's list). */
	return p->e->sa_head;
}

/* Both ESTABLISHED, same keys, the Child SAs agree; PPK used or not. */
static void check_up(struct peer *i, struct peer *r, bool used, const char *id)
{
	struct ike_sa *a = only_sa(i), *b = only_sa(r);

	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(b->state, IKE_SA_ESTABLISHED);
	ck_assert(a->ppk.used == used);
	ck_assert(b->ppk.used == used);
	ck_assert(!a->ppk.mixed);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_mem_eq(a->keys.pi, b->keys.pi, a->keys.prf_len);
	ck_assert_mem_eq(a->keys.pr, b->keys.pr, a->keys.prf_len);
	if (used) {
		ck_assert_uint_eq(a->ppk.id_len, strlen(id));
		ck_assert_mem_eq(a->ppk.id, id, strlen(id));
		ck_assert_mem_eq(b->ppk.id, id, strlen(id));
	}
	/* The initiator's saved SK_d', SK_pi', SK_pr' are wiped. */
	for (unsigned k = 0; k < sizeof(a->ppk.d); k++)
		ck_assert(a->ppk.d[k] == 0 && a->ppk.pi[k] == 0 && a->ppk.pr[k] == 0);
	ck_assert_uint_eq(children(a), 1);
	ck_assert_uint_eq(sa_crosscheck(i, r), 2);
	ck_assert_uint_eq(sa_crosscheck(r, i), 2);
}

static struct peer *other(struct peer *p)
{
	return p == &net.a ? &net.b : &net.a;
}

/*
 * i -> r: IKE_SA_INIT [N(USE_PPK)], r -> i [N(USE_PPK)], i -> r: IKE_AUTH
 * [N(PPK_IDENTITY)] [N(NO_PPK_AUTH)], r -> i [N(PPK_IDENTITY)], with the
 * notifies expected on the wire.
 */
static void run(struct peer *i, bool use_i, bool use_r, bool no_ppk_auth, bool id_r)
{
	ck_assert_int_eq(ike_initiate(i->e, "gw", "net"), 0);
	/* i -> r: IKE_SA_INIT request */
	ck_assert(init_has(IKE_N_USE_PPK) == use_i);
	net_deliver();
	/* r -> i: IKE_SA_INIT response */
	ck_assert(init_has(IKE_N_USE_PPK) == use_r);
	net_deliver();
	/* i -> r: IKE_AUTH request */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_AUTH);
	ck_assert(sk_notify(the_sa(i), IKE_N_PPK_IDENTITY) ==
		  (use_i && use_r ? (long)(1 + the_sa(i)->conn->ppk.id_len) : -1));
	ck_assert((sk_notify(the_sa(i), IKE_N_NO_PPK_AUTH) > 0) == no_ppk_auth);
	net_deliver();
	/* r -> i: IKE_AUTH response, an empty PPK_IDENTITY when used */
	ck_assert_uint_eq(net.n, 1);
	ck_assert_int_eq(sk_notify(the_sa(other(i)), IKE_N_PPK_IDENTITY), id_r ? 0 : -1);
	net_deliver();
	ck_assert_uint_eq(net.n, 0);
}

/* Both mandatory, same PPK: used, A initiates. */
START_TEST(mandatory_both)
{
	setup(REQUIRED, "ppk-1", PPK1, REQUIRED, "ppk-1", PPK1);
	run(&net.a, true, true, false, true);
	check_up(&net.a, &net.b, true, "ppk-1");
	net_teardown();
}
END_TEST

/* B initiates: the other engine runs each role. */
START_TEST(mandatory_b_initiates)
{
	setup(REQUIRED, "ppk-1", PPK1, REQUIRED, "ppk-1", PPK1);
	run(&net.b, true, true, false, true);
	check_up(&net.b, &net.a, true, "ppk-1");
	net_teardown();
}
END_TEST

/* Optional on the initiator: NO_PPK_AUTH goes along but the PPK is used. */
START_TEST(optional_used)
{
	setup(OPTIONAL, "ppk-1", PPK1, OPTIONAL, "ppk-1", PPK1);
	run(&net.a, true, true, true, true);
	check_up(&net.a, &net.b, true, "ppk-1");
	net_teardown();
}
END_TEST

/* PPK_ID_OPAQUE identities work the same way. */
START_TEST(opaque_id)
{
	struct ike_conn ca, cb;

	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "s3cret-psk", IKE_P, "aes256gcm16");
	conn_psk(&cb, &net.b, &net.a, "s3cret-psk", IKE_P, "aes256gcm16");
	set_ppk(&ca, REQUIRED, IKE_PPK_ID_OPAQUE, "opaque-1", PPK1);
	set_ppk(&cb, REQUIRED, IKE_PPK_ID_OPAQUE, "opaque-1", PPK1);
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
	run(&net.b, true, true, false, true);
	check_up(&net.b, &net.a, true, "opaque-1");
	ck_assert_uint_eq(only_sa(&net.a)->ppk.id_type, IKE_PPK_ID_OPAQUE);
	net_teardown();
}
END_TEST

/* The same PPK_ID with another type is another PPK: optional, so the
 * fallback (§5.1: the type is part of the identity). */
START_TEST(id_type_mismatch_falls_back)
{
	struct ike_conn ca, cb;

	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "s3cret-psk", IKE_P, "aes256gcm16");
	conn_psk(&cb, &net.b, &net.a, "s3cret-psk", IKE_P, "aes256gcm16");
	set_ppk(&ca, OPTIONAL, IKE_PPK_ID_OPAQUE, "ppk-1", PPK1);
	set_ppk(&cb, OPTIONAL, IKE_PPK_ID_FIXED, "ppk-1", PPK1);
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
	run(&net.a, true, true, true, false);
	check_up(&net.a, &net.b, false, NULL);
	net_teardown();
}
END_TEST

/* Responder with another PPK (optional both): NO_PPK_AUTH fallback, no
 * PPK_IDENTITY back, both on with the un-mixed keys. Both roles. */
START_TEST(optional_unknown_id_fallback)
{
	setup(OPTIONAL, "ppk-1", PPK1, OPTIONAL, "ppk-2", PPK2);
	run(&net.a, true, true, true, false);
	check_up(&net.a, &net.b, false, NULL);
	net_teardown();
	setup(OPTIONAL, "ppk-2", PPK2, OPTIONAL, "ppk-1", PPK1);
	run(&net.b, true, true, true, false);
	check_up(&net.b, &net.a, false, NULL);
	net_teardown();
}
END_TEST

/* Responder without any PPK: no USE_PPK back, standard IKEv2. */
START_TEST(optional_responder_without_ppk)
{
	setup(OPTIONAL, "ppk-1", PPK1, NONE, NULL, NULL);
	run(&net.a, true, false, false, false);
	check_up(&net.a, &net.b, false, NULL);
	net_teardown();
}
END_TEST

/* The fallback keys are the standard ones: the same SK_d as with no PPK
 * configured anywhere, given the same nonces and SPIs... which differ per
 * run, so compare the mixing instead: the PPK run's SK_d is
 * prf+(PPK, SK_d') of the keys the IKE_SA_INIT left. */
START_TEST(mixing_matches_prf_plus)
{
	struct ike_keys before, want;
	struct ike_sa *a;

	setup(REQUIRED, "ppk-1", PPK1, REQUIRED, "ppk-1", PPK1);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* A -> B: IKE_SA_INIT, B -> A */
	net_deliver();
	net_deliver();
	/* A -> B: IKE_AUTH request is out: A's keys are mixed now; B's not yet */
	before = the_sa(&net.b)->keys;
	want = before;
	ck_assert_int_eq(ike_crypto_ppk_mix(the_sa(&net.b)->suite.prf, (const uint8_t *)PPK1,
					    strlen(PPK1), &want), 0);
	a = the_sa(&net.a);
	ck_assert_mem_eq(a->keys.d, want.d, want.prf_len);
	ck_assert_mem_eq(a->keys.pi, want.pi, want.prf_len);
	ck_assert_mem_eq(a->keys.pr, want.pr, want.prf_len);
	ck_assert(memcmp(a->keys.d, before.d, before.prf_len) != 0);
	/* SK_e and SK_a are not PPK-protected (§3). */
	ck_assert_mem_eq(a->keys.ei, before.ei, before.encr_len);
	ck_assert_mem_eq(a->ppk.d, before.d, before.prf_len);
	net_deliver();
	net_deliver();
	check_up(&net.a, &net.b, true, "ppk-1");
	ck_assert_mem_eq(only_sa(&net.b)->keys.d, want.d, want.prf_len);
	ike_crypto_keys_wipe(&before);
	ike_crypto_keys_wipe(&want);
	net_teardown();
}
END_TEST

/* The initiator requires a PPK, the responder has none: no USE_PPK
 * back, the initiator stops after IKE_SA_INIT (§3), nothing installed. */
START_TEST(mandatory_initiator_responder_without)
{
	setup(REQUIRED, "ppk-1", PPK1, NONE, NULL, NULL);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* A -> B: IKE_SA_INIT with N(USE_PPK) */
	ck_assert(init_has(IKE_N_USE_PPK));
	net_deliver();
	/* B -> A: without N(USE_PPK) */
	ck_assert(!init_has(IKE_N_USE_PPK));
	net_deliver();
	/* A sends no IKE_AUTH */
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	net_teardown();
}
END_TEST

/* Checks the end of a refused IKE_AUTH: B answered AUTHENTICATION_FAILED
 * and forgot the SA, A gave up, nothing in either driver. */
static void check_refused(void)
{
	struct ike_msg m;

	/* B -> A: IKE_AUTH response with N(AUTHENTICATION_FAILED) only */
	ck_assert_uint_eq(net.n, 1);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	ck_assert_int_eq(ike_msg_parse(net.q[0].buf, net.q[0].len, &m), 0);
	net_deliver();
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 0);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->rx_bad_auth, 1);
}

static void run_to_auth(void)
{
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* A -> B: IKE_SA_INIT, B -> A */
	net_deliver();
	net_deliver();
	/* A -> B: IKE_AUTH */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_AUTH);
	net_deliver();
}

/* Same PPK_ID, another secret: AUTH does not verify, no fallback. */
START_TEST(wrong_ppk)
{
	setup(OPTIONAL, "ppk-1", PPK1, OPTIONAL, "ppk-1", PPK2);
	run_to_auth();
	check_refused();
	net_teardown();
	setup(REQUIRED, "ppk-1", PPK2, REQUIRED, "ppk-1", PPK1);
	run_to_auth();
	check_refused();
	net_teardown();
}
END_TEST

/* The responder requires its PPK; the initiator has another one and
 * offers NO_PPK_AUTH: refused all the same (Table 1). */
START_TEST(mandatory_responder_unknown_id)
{
	setup(OPTIONAL, "ppk-2", PPK2, REQUIRED, "ppk-1", PPK1);
	run_to_auth();
	check_refused();
	net_teardown();
}
END_TEST

/* The responder requires a PPK, the initiator has none (no USE_PPK). */
START_TEST(mandatory_responder_initiator_without)
{
	setup(NONE, NULL, NULL, REQUIRED, "ppk-1", PPK1);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	ck_assert(!init_has(IKE_N_USE_PPK));
	net_deliver();
	/* B -> A: no USE_PPK either (the initiator did not offer) */
	ck_assert(!init_has(IKE_N_USE_PPK));
	net_deliver();
	net_deliver();
	check_refused();
	net_teardown();
}
END_TEST

/* The initiator requires its PPK and sends no NO_PPK_AUTH; the responder
 * (optional) has another: nothing to authenticate with. */
START_TEST(mandatory_initiator_unknown_id)
{
	setup(REQUIRED, "ppk-1", PPK1, OPTIONAL, "ppk-2", PPK2);
	run_to_auth();
	check_refused();
	net_teardown();
}
END_TEST

/* RFC 8784 after RFC 9242/9370: x25519 + ML-KEM-768 in IKE_INTERMEDIATE,
 * then the PPK mixed into the last generation's SK_d, SK_pi, SK_pr. */
START_TEST(ppk_after_intermediate)
{
	const char *pq = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";

	setup_ike(pq, REQUIRED, "ppk-1", PPK1, REQUIRED, "ppk-1", PPK1);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* A -> B: IKE_SA_INIT, B -> A, with N(USE_PPK) both ways */
	ck_assert(init_has(IKE_N_USE_PPK));
	net_deliver();
	ck_assert(init_has(IKE_N_USE_PPK));
	net_deliver();
	/* A -> B: IKE_INTERMEDIATE (fragments), B -> A */
	while (net.n > 0 && net_exch(0) == IKE_EXCH_IKE_INTERMEDIATE)
		net_deliver();
	/* A -> B: IKE_AUTH, B -> A */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_AUTH);
	net_deliver();
	net_deliver();
	check_up(&net.a, &net.b, true, "ppk-1");
	ck_assert_uint_eq(only_sa(&net.a)->mke.done, 1);
	net_teardown();
}
END_TEST

/* An IKE SA rekey (§2.18) keeps the protection: SKEYSEED from SK_d. */
START_TEST(rekey_keeps_ppk)
{
	struct ike_sa *a;

	setup(REQUIRED, "ppk-1", PPK1, REQUIRED, "ppk-1", PPK1);
	run(&net.a, true, true, false, true);
	a = only_sa(&net.a);
	ck_assert_int_eq(ike_rekey_ike(net.a.e, a), 0);
	/* A -> B: CREATE_CHILD_SA (IKE rekey), B -> A, A -> B: Delete, B -> A */
	net_deliver_all();
	net_advance(100);
	net_deliver_all();
	a = only_sa(&net.a);
	ck_assert(a->ppk.used);
	ck_assert(only_sa(&net.b)->ppk.used);
	ck_assert_mem_eq(a->ppk.id, "ppk-1", 5);
	ck_assert_mem_eq(a->keys.d, only_sa(&net.b)->keys.d, a->keys.prf_len);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

/* ----------------------------- RFC 9867 -------------------------------- */

static void setup_int(const char *ike, enum pol pa, const char *keya, bool int_a, enum pol pb,
		      const char *idb, const char *keyb, bool int_b)
{
	struct ike_conn ca, cb;

	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "s3cret-psk", ike, "aes256gcm16");
	conn_psk(&cb, &net.b, &net.a, "s3cret-psk", ike, "aes256gcm16");
	set_ppk(&ca, pa, IKE_PPK_ID_FIXED, "ppk-1", keya);
	set_ppk(&cb, pb, IKE_PPK_ID_FIXED, idb, keyb);
	ca.ppk_intermediate = int_a;
	cb.ppk_intermediate = int_b;
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
}

/*
 * i -> r: IKE_SA_INIT N(USE_PPK_INT), r -> i N(USE_PPK_INT) (never USE_PPK
 * too), i -> r: IKE_INTERMEDIATE [KEi] N(PPK_IDENTITY_KEY), r -> i [KEr]
 * [N(PPK_IDENTITY)], i -> r: IKE_AUTH without PPK notifies, r -> i.
 * Checks the confirmation and that the responder switched its keys as
 * §3.1.1 says, from the keys it had before.
 */
static void run_int(struct peer *i, bool id_back)
{
	struct peer *r = other(i);
	struct ike_keys before, want = { 0 };
	struct ike_sa *ri;
	struct ike_msg m;
	struct pld_notify n;
	uint8_t conf[IKE_KEY_PRF_MAX], si[8], sr[8];
	uint8_t *inner;
	size_t inner_len;
	static uint8_t buf[PKT_MAX];

	ck_assert_int_eq(ike_initiate(i->e, "gw", "net"), 0);
	/* i -> r: IKE_SA_INIT */
	ck_assert(init_has(IKE_N_USE_PPK_INT));
	ck_assert(!init_has(IKE_N_USE_PPK));
	ck_assert(init_has(IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED));
	net_deliver();
	/* r -> i: IKE_SA_INIT */
	ck_assert(init_has(IKE_N_USE_PPK_INT));
	ck_assert(!init_has(IKE_N_USE_PPK));
	net_deliver();
	/* i -> r: IKE_INTERMEDIATE with N(PPK_IDENTITY_KEY) (checked when
	 * not in RFC 7383 fragments) */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_INTERMEDIATE);
	ri = the_sa(i);
	before = the_sa(r)->keys;
	if (net.q[0].buf[16] == IKE_PLD_SKF)
		goto deliver;
	memcpy(buf, net.q[0].buf, net.q[0].len);
	ck_assert_int_eq(ike_crypto_sk_open(&ri->suite, ri->keys.ei, ri->keys.ai, buf, net.q[0].len,
					    IKE_HDR_LEN + IKE_GEN_HDR_LEN, &inner, &inner_len), 0);
	ck_assert_int_eq(ike_msg_parse(net.q[0].buf, net.q[0].len, &m), 0);
	ck_assert_int_eq(ike_msg_parse_inner(&m, net.q[0].buf[IKE_HDR_LEN], inner, inner_len), 0);
	ck_assert_int_eq(ike_msg_find_notify(&m, IKE_N_PPK_IDENTITY_KEY, &n), 0);
	ck_assert_uint_eq(n.len, 1 + 5 + 8);
	ck_assert_uint_eq(n.data[0], IKE_PPK_ID_FIXED);
	ck_assert_mem_eq(n.data + 1, "ppk-1", 5);
	/* Confirmation = first 8 octets of prf(PPK, Ni | Nr | SPIi | SPIr). */
	for (int k = 0; k < 8; k++) {
		si[k] = (uint8_t)(ri->spi_i >> (56 - 8 * k));
		sr[k] = (uint8_t)(ri->spi_r >> (56 - 8 * k));
	}
	{
		const uint8_t *in[4] = { ri->ni, ri->nr, si, sr };
		const size_t len[4] = { ri->ni_len, ri->nr_len, 8, 8 };

		ck_assert_int_eq(ike_crypto_prf_v(ri->suite.prf, ri->conn->ppk.key,
						  ri->conn->ppk.key_len, in, len, 4, conf), 0);
	}
	ck_assert_mem_eq(n.data + 6, conf, 8);
deliver:
	while (net.n > 0 && net_exch(0) == IKE_EXCH_IKE_INTERMEDIATE && !net_is_response(0))
		net_deliver();
	/* r -> i: IKE_INTERMEDIATE response, sealed with the keys before the
	 * PPK (and before the ML-KEM update, if any) */
	if (net.q[0].buf[16] == IKE_PLD_SK && the_sa(r)->mke.n == 0) {
		static struct ike_sa old;

		old = *the_sa(r);
		old.keys = before;
		ck_assert_int_eq(sk_notify(&old, IKE_N_PPK_IDENTITY), id_back ? 1 + 5 : -1);
	}
	while (net.n > 0 && net_exch(0) == IKE_EXCH_IKE_INTERMEDIATE)
		net_deliver();
	/* i -> r: IKE_AUTH, no RFC 8784 notifies */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_AUTH);
	ck_assert_int_eq(sk_notify(the_sa(i), IKE_N_PPK_IDENTITY), -1);
	ck_assert_int_eq(sk_notify(the_sa(i), IKE_N_NO_PPK_AUTH), -1);
	if (id_back && the_sa(r)->mke.n == 0) {
		/* §3.1.1: SKEYSEED' = prf+(PPK, SK_d), seven new keys; the
		 * responder switched after its response. */
		want = before;
		ck_assert_int_eq(ike_crypto_ppk_int_keys(&ri->suite, ri->conn->ppk.key,
							 ri->conn->ppk.key_len, ri->ni, ri->ni_len,
							 ri->nr, ri->nr_len, ri->spi_i, ri->spi_r,
							 &want), 0);
		ck_assert_mem_eq(the_sa(r)->keys.ei, want.ei, want.encr_len);
		ck_assert_mem_eq(the_sa(r)->keys.d, want.d, want.prf_len);
		ck_assert_mem_eq(the_sa(r)->keys.pi, want.pi, want.prf_len);
		/* IKE_AUTH (identities) under keys that need the PPK. */
		ck_assert(memcmp(want.ei, before.ei, want.encr_len) != 0);
		ck_assert(memcmp(want.d, before.d, want.prf_len) != 0);
	} else if (!id_back) {
		ck_assert_mem_eq(the_sa(r)->keys.ei, before.ei, before.encr_len);
	}
	net_deliver();
	/* r -> i: IKE_AUTH response */
	ck_assert_uint_eq(net.n, 1);
	ck_assert_int_eq(sk_notify(the_sa(r), IKE_N_PPK_IDENTITY), -1);
	net_deliver();
	ck_assert_uint_eq(net.n, 0);
	ike_crypto_keys_wipe(&before);
	ike_crypto_keys_wipe(&want);
}

/* x25519 alone: one IKE_INTERMEDIATE for the PPK, both mandatory. */
START_TEST(int_mandatory)
{
	setup_int(IKE_P, REQUIRED, PPK1, true, REQUIRED, "ppk-1", PPK1, true);
	run_int(&net.a, true);
	check_up(&net.a, &net.b, true, "ppk-1");
	ck_assert(only_sa(&net.a)->ppk.int_agreed);
	ck_assert(only_sa(&net.b)->ppk.int_agreed);
	ck_assert_uint_eq(only_sa(&net.a)->n_int, 1);
	net_teardown();
}
END_TEST

/* x25519 + ML-KEM-768, B initiates: the PPK rides in the ML-KEM exchange,
 * its keys after the ML-KEM update. */
START_TEST(int_with_mlkem_b_initiates)
{
	setup_int("aes256gcm16-prfsha384-x25519-ke1_mlkem768", REQUIRED, PPK1, true, REQUIRED,
		  "ppk-1", PPK1, true);
	run_int(&net.b, true);
	check_up(&net.b, &net.a, true, "ppk-1");
	ck_assert_uint_eq(only_sa(&net.a)->n_int, 1);
	ck_assert_uint_eq(only_sa(&net.a)->mke.done, 1);
	net_teardown();
}
END_TEST

/* Optional; the responder has another PPK: no PPK_IDENTITY, on without. */
START_TEST(int_optional_unknown)
{
	setup_int(IKE_P, OPTIONAL, PPK1, true, OPTIONAL, "ppk-2", PPK2, true);
	run_int(&net.a, false);
	check_up(&net.a, &net.b, false, NULL);
	net_teardown();
}
END_TEST

/* A wrong PPK under the right PPK_ID fails the confirmation: the
 * responder (mandatory) answers AUTHENTICATION_FAILED in IKE_INTERMEDIATE. */
START_TEST(int_wrong_ppk)
{
	setup_int(IKE_P, OPTIONAL, PPK2, true, REQUIRED, "ppk-1", PPK1, true);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* A -> B: IKE_SA_INIT, B -> A, A -> B: IKE_INTERMEDIATE */
	net_deliver();
	net_deliver();
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_INTERMEDIATE);
	net_deliver();
	/* B -> A: N(AUTHENTICATION_FAILED); B forgot the SA */
	ck_assert_uint_eq(net.n, 1);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	net_deliver();
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 0);
	net_teardown();
	/* The initiator requires it, the responder (optional) lacks it: the
	 * initiator stops after IKE_INTERMEDIATE, no IKE_AUTH. */
	setup_int(IKE_P, REQUIRED, PPK1, true, OPTIONAL, "ppk-1", PPK2, true);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	net_deliver();
	net_deliver();
	net_deliver();
	ck_assert_int_eq(sk_notify(the_sa(&net.b), IKE_N_PPK_IDENTITY), -1);
	net_deliver();
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	net_teardown();
}
END_TEST

/* The responder requires its PPK in IKE_INTERMEDIATE; an RFC 8784-only
 * initiator gets NO_PROPOSAL_CHOSEN in IKE_SA_INIT (§3.1). */
START_TEST(int_required_refuses_rfc8784)
{
	struct ike_msg m;
	struct pld_notify n;

	setup_int(IKE_P, REQUIRED, PPK1, false, REQUIRED, "ppk-1", PPK1, true);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	ck_assert(init_has(IKE_N_USE_PPK));
	net_deliver();
	ck_assert_int_eq(ike_msg_parse(net.q[0].buf, net.q[0].len, &m), 0);
	ck_assert_int_eq(ike_msg_find_notify(&m, IKE_N_NO_PROPOSAL_CHOSEN, &n), 0);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	net_deliver();
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	net_teardown();
}
END_TEST

/* An RFC 8784-only responder (optional) ignores USE_PPK_INT: an optional
 * RFC 9867 initiator goes on without a PPK. */
START_TEST(int_responder_rfc8784_only)
{
	setup_int(IKE_P, OPTIONAL, PPK1, true, OPTIONAL, "ppk-1", PPK1, false);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	ck_assert(init_has(IKE_N_USE_PPK_INT));
	net_deliver();
	ck_assert(!init_has(IKE_N_USE_PPK_INT));
	ck_assert(!init_has(IKE_N_USE_PPK));
	net_deliver();
	/* A -> B: straight to IKE_AUTH */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_AUTH);
	net_deliver();
	net_deliver();
	check_up(&net.a, &net.b, false, NULL);
	net_teardown();
}
END_TEST

/* The IKE_INTERMEDIATE request with the PPK arrives twice: the responder,
 * already on the PPK keys, resends its cached answer (RFC 7296 §2.1); the
 * initiator drops the duplicate answer; IKE_AUTH goes through. */
START_TEST(int_retransmitted)
{
	setup_int(IKE_P, REQUIRED, PPK1, true, REQUIRED, "ppk-1", PPK1, true);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* A -> B: IKE_SA_INIT, B -> A */
	net_deliver();
	net_deliver();
	/* A -> B: IKE_INTERMEDIATE, twice */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_INTERMEDIATE);
	net_dup(0);
	net_deliver();
	net_deliver();
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->resp_resent, 1);
	/* B -> A: the answer twice, then IKE_AUTH both ways */
	net_deliver_all();
	check_up(&net.a, &net.b, true, "ppk-1");
	net_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike-ppk");
	TCase *t = tcase_create("rfc8784");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, mandatory_both);
	tcase_add_test(t, mandatory_b_initiates);
	tcase_add_test(t, optional_used);
	tcase_add_test(t, opaque_id);
	tcase_add_test(t, id_type_mismatch_falls_back);
	tcase_add_test(t, optional_unknown_id_fallback);
	tcase_add_test(t, optional_responder_without_ppk);
	tcase_add_test(t, mixing_matches_prf_plus);
	tcase_add_test(t, mandatory_initiator_responder_without);
	tcase_add_test(t, wrong_ppk);
	tcase_add_test(t, mandatory_responder_unknown_id);
	tcase_add_test(t, mandatory_responder_initiator_without);
	tcase_add_test(t, mandatory_initiator_unknown_id);
	tcase_add_test(t, ppk_after_intermediate);
	tcase_add_test(t, rekey_keeps_ppk);
	suite_add_tcase(s, t);
	t = tcase_create("rfc9867");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, int_mandatory);
	tcase_add_test(t, int_with_mlkem_b_initiates);
	tcase_add_test(t, int_optional_unknown);
	tcase_add_test(t, int_wrong_ppk);
	tcase_add_test(t, int_required_refuses_rfc8784);
	tcase_add_test(t, int_responder_rfc8784_only);
	tcase_add_test(t, int_retransmitted);
	suite_add_tcase(s, t);
	return check_run(s);
}
