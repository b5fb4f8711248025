/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-quantum key exchange in-process: IKE_INTERMEDIATE (RFC 9242) with
 * the additional key exchanges of RFC 9370 (ML-KEM after x25519, three
 * of them, ML-KEM alone in IKE_SA_INIT), both roles, fragments, lost and
 * duplicated messages, a peer without IKE_INTERMEDIATE, malformed ML-KEM
 * data. Arrow comments name each exchange step.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ike/ike_crypto.h"
#include "control/ike/message.h"
#include "control/ike/proposal.h"
#include "tests/ike_exchange/harness.h"

static const char *const PQ_IKE = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";

static void setup(const char *ike_a, const char *ike_b, const char *esp)
{
	net_setup(100);
	conn_pair(ike_a, ike_b, esp);
}

/* Both sides ESTABLISHED with the same keys and a working Child SA. */
static void check_up(struct peer *i, struct peer *r, unsigned n_addke)
{
	struct ike_sa *a = only_sa(i), *b = only_sa(r);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(b->state, IKE_SA_ESTABLISHED);
	ck_assert_uint_eq(a->mke.n, n_addke);
	ck_assert_uint_eq(b->mke.n, n_addke);
	ck_assert_uint_eq(a->mke.done, n_addke);
	ck_assert_uint_eq(b->mke.done, n_addke);
	ck_assert_uint_eq(a->n_int, n_addke);
	ck_assert_uint_eq(b->n_int, n_addke);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_mem_eq(a->keys.pi, b->keys.pi, a->keys.prf_len);
	if (n_addke > 0) {
		ck_assert_mem_eq(a->intauth_i, b->intauth_i, a->keys.prf_len);
		ck_assert_mem_eq(a->intauth_r, b->intauth_r, a->keys.prf_len);
		/* RFC 9242 §3.2: IKE_AUTH's Message ID follows the intermediates. */
		ck_assert_uint_eq(a->auth_mid, n_addke + 1);
		ck_assert_uint_eq(b->auth_mid, n_addke + 1);
	}
	ck_assert_uint_eq(sa_crosscheck(i, r), 2);
	ck_assert_uint_eq(sa_crosscheck(r, i), 2);
}

/* Proposal @p p on both sides, A starts "gw": its IKE_SA_INIT request queued. */
static void start(const char *p)
{
	setup(p, p, "aes256gcm16");
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
}

/* A -> B: IKE_AUTH, B -> A; both up with @p n_addke additional key exchanges. */
static void finish(unsigned n_addke)
{
	net_exchange(IKE_EXCH_IKE_AUTH);
	check_up(&net.a, &net.b, n_addke);
}

/* A -> B: IKE_SA_INIT, B -> A, n x (IKE_INTERMEDIATE, B -> A), IKE_AUTH, B -> A. */
static void run_addke(struct peer *i, unsigned n_addke)
{
	ck_assert_int_eq(ike_initiate(i->e, "gw", "net"), 0);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	for (unsigned k = 0; k < n_addke; k++) {
		net_exchange(IKE_EXCH_IKE_INTERMEDIATE);
	}
	net_exchange(IKE_EXCH_IKE_AUTH);
	ck_assert_uint_eq(net.n, 0);
}

START_TEST(x25519_mlkem768)
{
	struct ike_sa *a;

	setup(PQ_IKE, PQ_IKE, "aes256gcm16");
	run_addke(&net.a, 1);
	check_up(&net.a, &net.b, 1);
	a = only_sa(&net.a);
	ck_assert_uint_eq(a->suite.ke, IKE_KE_CURVE25519);
	ck_assert_uint_eq(a->mke.method[0], IKE_KE_ML_KEM_768);
	net_teardown();
}
END_TEST

/* B initiates: the roles of the engines swap, the code paths too. */
START_TEST(x25519_mlkem768_b_initiates)
{
	setup(PQ_IKE, PQ_IKE, "aes256gcm16");
	run_addke(&net.b, 1);
	check_up(&net.b, &net.a, 1);
	net_teardown();
}
END_TEST

START_TEST(three_additional)
{
	const char *p = "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem512-ke3_ecp256";
	struct ike_sa *b;

	setup(p, p, "aes256gcm16");
	run_addke(&net.a, 3);
	check_up(&net.a, &net.b, 3);
	b = only_sa(&net.b);
	ck_assert_uint_eq(b->mke.method[0], IKE_KE_ML_KEM_768);
	ck_assert_uint_eq(b->mke.method[1], IKE_KE_ML_KEM_512);
	ck_assert_uint_eq(b->mke.method[2], IKE_KE_ECP256);
	net_teardown();
}
END_TEST

/* RFC 9370 §2.2.1: the responder picks among alternatives per type, and
 * a type the responder does not list counts as NONE when allowed. */
START_TEST(alternatives_and_none)
{
	setup("aes256gcm16-prfsha384-x25519-ke1_mlkem1024-ke1_mlkem768-ke2_mlkem512-ke2_none",
	      "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16");
	run_addke(&net.a, 1);
	check_up(&net.a, &net.b, 1);
	ck_assert_uint_eq(only_sa(&net.a)->mke.method[0], IKE_KE_ML_KEM_768);
	net_teardown();
}
END_TEST

/* ML-KEM as the only key exchange, in IKE_SA_INIT (~1.7 KB request). */
START_TEST(mlkem1024_alone)
{
	const char *p = "aes256gcm16-prfsha384-mlkem1024";
	struct ike_sa *a;

	start(p);
	/* A -> B: IKE_SA_INIT with the 1568-octet encapsulation key */
	ck_assert_uint_gt(net.q[0].len, 1568 + 28);
	net_step(IKE_EXCH_IKE_SA_INIT, false);
	/* B -> A: the 1568-octet ciphertext */
	ck_assert_uint_gt(net.q[0].len, 1568 + 28);
	net_step(IKE_EXCH_IKE_SA_INIT, true);
	finish(0);
	a = only_sa(&net.a);
	ck_assert_uint_eq(a->suite.ke, IKE_KE_ML_KEM_1024);
	net_teardown();
}
END_TEST

/* RFC 7383: ML-KEM-1024 in IKE_INTERMEDIATE goes in fragments (1280). */
START_TEST(fragmented_intermediate)
{
	const char *p = "aes256gcm16-prfsha384-x25519-ke1_mlkem1024";
	const struct ike_stats *sa_, *sb;

	start(p);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	/* A -> B: KEi(1) in two SKF fragments, each an IPv4/UDP datagram of
	 * at most 1280 octets */
	ck_assert_uint_eq(net.n, 2);
	for (unsigned k = 0; k < net.n; k++) {
		ck_assert_uint_le(net.q[k].len + 20 + 8, 1280);
		ck_assert_uint_eq(net.q[k].buf[16], IKE_PLD_SKF);
	}
	net_step(IKE_EXCH_IKE_INTERMEDIATE, false);
	/* B -> A: KEr(1), the 1568-octet ciphertext, fragmented too */
	ck_assert_uint_eq(net.n, 2);
	net_step(IKE_EXCH_IKE_INTERMEDIATE, true);
	finish(1);
	sa_ = ike_engine_stats(net.a.e);
	sb = ike_engine_stats(net.b.e);
	ck_assert_uint_ge(sa_->frags_sent, 2);
	ck_assert_uint_ge(sa_->frags_rcvd, 2);
	ck_assert_uint_ge(sb->frags_sent, 2);
	ck_assert_uint_ge(sb->frags_rcvd, 2);
	net_teardown();
}
END_TEST

/* A lost IKE_INTERMEDIATE request: retransmitted, same keys after. */
START_TEST(lost_request)
{
	start(PQ_IKE);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	/* A -> B: IKE_INTERMEDIATE request, lost */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_INTERMEDIATE);
	net_drop(0);
	net_advance(IKE_RETRANS_BASE_MS);
	/* A -> B: the retransmission, B -> A, IKE_AUTH, B -> A */
	ck_assert_uint_eq(ike_engine_stats(net.a.e)->retransmits, 1);
	net_exchange(IKE_EXCH_IKE_INTERMEDIATE);
	finish(1);
	net_teardown();
}
END_TEST

/* A lost response: B answers the retransmitted request from its cache,
 * without running the key exchange (or the key update) again. */
START_TEST(lost_response)
{
	start(PQ_IKE);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	net_step(IKE_EXCH_IKE_INTERMEDIATE, false);
	/* B -> A: lost */
	ck_assert(net_is_response(0));
	net_drop(0);
	ck_assert_uint_eq(only_sa(&net.b)->mke.done, 1);
	net_advance(IKE_RETRANS_BASE_MS);
	net_step(IKE_EXCH_IKE_INTERMEDIATE, false);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->resp_resent, 1);
	ck_assert_uint_eq(only_sa(&net.b)->mke.done, 1);
	net_step(IKE_EXCH_IKE_INTERMEDIATE, true);
	finish(1);
	net_teardown();
}
END_TEST

/* Duplicated request and response: the copies change nothing. */
START_TEST(duplicated)
{
	start(PQ_IKE);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	/* A -> B: IKE_INTERMEDIATE request, twice */
	net_dup(0);
	net_deliver();
	net_deliver();
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->resp_resent, 1);
	/* B -> A: the response, twice: the copy is dropped */
	ck_assert_uint_eq(net.n, 2);
	net_deliver();
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_INTERMEDIATE);
	net_deliver();
	finish(1);
	net_teardown();
}
END_TEST

/* Replaces notify type @p from by @p to in a queued plaintext message
 * (IKE_SA_INIT): the peer then seems not to support it. */
static void rewrite_notify(unsigned i, uint16_t from, uint16_t to)
{
	struct ike_msg m;
	bool done = false;

	ck_assert_int_eq(ike_msg_parse(net.q[i].buf, net.q[i].len, &m), 0);
	for (unsigned k = 0; k < m.n; k++) {
		uint8_t *b = net.q[i].buf + m.pld[k].off + 4;

		if (m.pld[k].type == IKE_PLD_N && (b[2] << 8 | b[3]) == from) {
			b[2] = (uint8_t)(to >> 8);
			b[3] = (uint8_t)to;
			done = true;
		}
	}
	ck_assert(done);
}

/* An initiator without IKE_INTERMEDIATE: B requires ML-KEM, so no proposal. */
START_TEST(initiator_without_intermediate)
{
	start(PQ_IKE);
	/* A -> B: IKE_SA_INIT, its INTERMEDIATE_EXCHANGE_SUPPORTED hidden */
	rewrite_notify(0, IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED, 40000);
	net_step(IKE_EXCH_IKE_SA_INIT, false);
	/* B -> A: NO_PROPOSAL_CHOSEN, no state kept */
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	net_step(IKE_EXCH_IKE_SA_INIT, true);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(net.n, 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 0);
	net_teardown();
}
END_TEST

/* A responder that chose ADDKE without announcing IKE_INTERMEDIATE: A
 * refuses to continue (no silent downgrade, no SA). */
START_TEST(responder_without_intermediate)
{
	start(PQ_IKE);
	net_step(IKE_EXCH_IKE_SA_INIT, false);
	rewrite_notify(0, IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED, 40000);
	net_step(IKE_EXCH_IKE_SA_INIT, true);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(net.n, 0);
	/* B's half-open SA times out. */
	net_advance(31000);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	net_teardown();
}
END_TEST

/* A responder's choice that was never offered (ADDKE1 = ML-KEM-512 for
 * our ML-KEM-768): A drops the SA at once, no retransmissions. */
START_TEST(answer_not_offered)
{
	struct ike_msg m;
	const struct ike_pld_ref *sa;
	bool done = false;

	start(PQ_IKE);
	net_step(IKE_EXCH_IKE_SA_INIT, false);
	ck_assert_int_eq(ike_msg_parse(net.q[0].buf, net.q[0].len, &m), 0);
	sa = ike_msg_find(&m, IKE_PLD_SA);
	ck_assert_ptr_nonnull(sa);
	/* Transform: last, reserved, length(2), type 6, reserved, ID 36. */
	for (size_t k = sa->off + 4; k + 8 <= sa->off + 4 + sa->body_len; k++) {
		uint8_t *t = net.q[0].buf + k;

		if (t[4] == IKE_XFORM_ADDKE1 && t[5] == 0 && t[6] == 0 && t[7] == IKE_KE_ML_KEM_768 &&
		    t[2] == 0 && t[3] == 8) {
			t[7] = IKE_KE_ML_KEM_512;
			done = true;
		}
	}
	ck_assert(done);
	net_step(IKE_EXCH_IKE_SA_INIT, true);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(net.n, 0);
	net_teardown();
}
END_TEST

/* With a second proposal without ADDKE the initiator allows a peer
 * without IKE_INTERMEDIATE (RFC 9370 §2.2.1: it skips the first one):
 * plain x25519, as the configuration says. */
START_TEST(optional_addke_falls_back)
{
	setup("aes256gcm16-prfsha384-x25519-ke1_mlkem768,aes256gcm16-prfsha384-x25519",
	      "aes256gcm16-prfsha384-x25519", "aes256gcm16");
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* (Rewriting the request would break AUTH, §2.15: B without ADDKE
	 * in its configuration stands for the legacy peer.) */
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	finish(0);
	net_teardown();
}
END_TEST

/* ML-KEM-1024 alone: an encapsulation key failing the FIPS 203 §7.2
 * modulus check gets INVALID_SYNTAX, and no SA on either side. */
START_TEST(malformed_ek_in_sa_init)
{
	const char *p = "aes256gcm16-prfsha384-mlkem1024";
	struct ike_msg m;
	const struct ike_pld_ref *ke;
	uint8_t *data;

	start(p);
	ck_assert_int_eq(ike_msg_parse(net.q[0].buf, net.q[0].len, &m), 0);
	ke = ike_msg_find(&m, IKE_PLD_KE);
	ck_assert_ptr_nonnull(ke);
	ck_assert_uint_eq(ke->body_len, 4 + 1568);
	/* The first coefficient becomes 4095 >= q = 3329. */
	data = net.q[0].buf + ke->off + 4 + 4;
	data[0] = 0xff;
	data[1] |= 0x0f;
	net_step(IKE_EXCH_IKE_SA_INIT, false);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	/* B -> A: N(INVALID_SYNTAX) */
	ck_assert_uint_eq(net.n, 1);
	ck_assert_int_eq(ike_msg_parse(net.q[0].buf, net.q[0].len, &m), 0);
	ck_assert_int_eq(ike_error_notify(&m), IKE_N_INVALID_SYNTAX);
	net_step(IKE_EXCH_IKE_SA_INIT, true);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	net_teardown();
}
END_TEST

/* ML-KEM-1024 alone: B's ciphertext one octet short in the IKE_SA_INIT
 * response (lengths kept consistent): A drops the SA at once. */
START_TEST(malformed_ct_in_sa_init)
{
	const char *p = "aes256gcm16-prfsha384-mlkem1024";
	struct ike_msg m;
	const struct ike_pld_ref *ke;
	struct pkt *k;
	size_t end, plen;

	start(p);
	net_step(IKE_EXCH_IKE_SA_INIT, false);
	k = &net.q[0];
	ck_assert_int_eq(ike_msg_parse(k->buf, k->len, &m), 0);
	ke = ike_msg_find(&m, IKE_PLD_KE);
	ck_assert_ptr_nonnull(ke);
	ck_assert_uint_eq(ke->body_len, 4 + 1568);
	end = ke->off + 4 + ke->body_len;
	memmove(k->buf + end - 1, k->buf + end, k->len - end);
	k->len--;
	plen = 4u + ke->body_len - 1;
	k->buf[ke->off + 2] = (uint8_t)(plen >> 8);
	k->buf[ke->off + 3] = (uint8_t)plen;
	k->buf[26] = (uint8_t)(k->len >> 8);
	k->buf[27] = (uint8_t)k->len;
	ck_assert_int_eq(ike_msg_parse(k->buf, k->len, &m), 0);
	net_step(IKE_EXCH_IKE_SA_INIT, true);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(net.n, 0);
	net_teardown();
}
END_TEST

/* The KE payload is the only inner payload: its data starts at 8. */
static size_t bad_ek(uint8_t *inner, size_t len)
{
	inner[8] = 0xff;
	inner[9] |= 0x0f;
	return len;
}

static size_t short_ct(uint8_t *inner, size_t len)
{
	len -= 1;
	inner[2] = (uint8_t)(len >> 8);
	inner[3] = (uint8_t)len;
	return len;
}

/* A malformed ML-KEM-768 encapsulation key in IKE_INTERMEDIATE. */
START_TEST(malformed_ek_in_intermediate)
{
	start(PQ_IKE);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	net_reseal(0, only_sa(&net.a), true, bad_ek);
	/* A -> B: KEi(1) with a coefficient >= q; B -> A: INVALID_SYNTAX */
	net_step(IKE_EXCH_IKE_INTERMEDIATE, false);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	net_step(IKE_EXCH_IKE_INTERMEDIATE, true);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(net.n, 0);
	net_teardown();
}
END_TEST

/* A ciphertext one octet short in the IKE_INTERMEDIATE response. */
START_TEST(malformed_ct_in_intermediate)
{
	start(PQ_IKE);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	net_step(IKE_EXCH_IKE_INTERMEDIATE, false);
	/* B's keys were updated after sealing: reseal with the old ones,
	 * which A (not yet updated) holds as well. */
	net_reseal(0, only_sa(&net.a), false, short_ct);
	net_step(IKE_EXCH_IKE_INTERMEDIATE, true);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(net.n, 0);
	net_teardown();
}
END_TEST

/* IKE_AUTH right after IKE_SA_INIT although ML-KEM was agreed. */
START_TEST(auth_without_intermediate)
{
	struct ike_sa *a;

	start(PQ_IKE);
	net_exchange(IKE_EXCH_IKE_SA_INIT);
	/* A skips its IKE_INTERMEDIATE: the queued request goes, IKE_AUTH next. */
	a = only_sa(&net.a);
	net_drop(0);
	a->out.active = false;
	a->mke.n = 0;
	ike_kick(net.a.e, a);
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_AUTH);
	/* A -> B: IKE_AUTH, B -> A: INVALID_SYNTAX, B forgets the SA */
	net_step(IKE_EXCH_IKE_AUTH, false);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	net_step(IKE_EXCH_IKE_AUTH, true);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(mock_of(&net.b)->n_sas, 0);
	net_teardown();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike-pq");
	TCase *t = tcase_create("intermediate");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, x25519_mlkem768);
	tcase_add_test(t, x25519_mlkem768_b_initiates);
	tcase_add_test(t, three_additional);
	tcase_add_test(t, alternatives_and_none);
	tcase_add_test(t, mlkem1024_alone);
	tcase_add_test(t, fragmented_intermediate);
	tcase_add_test(t, lost_request);
	tcase_add_test(t, lost_response);
	tcase_add_test(t, duplicated);
	tcase_add_test(t, initiator_without_intermediate);
	tcase_add_test(t, responder_without_intermediate);
	tcase_add_test(t, answer_not_offered);
	tcase_add_test(t, optional_addke_falls_back);
	tcase_add_test(t, malformed_ek_in_sa_init);
	tcase_add_test(t, malformed_ct_in_sa_init);
	tcase_add_test(t, malformed_ek_in_intermediate);
	tcase_add_test(t, malformed_ct_in_intermediate);
	tcase_add_test(t, auth_without_intermediate);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
