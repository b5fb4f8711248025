/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH with RFC 7427 signatures and X.509 certificates (CERT,
 * CERTREQ, chains through an intermediate), between two in-process
 * engines; certificates are made by cert_fixture.c at run time.
 */
#include <check.h>
#include <string.h>

#include "tests/ike_exchange/cert_fixture.h"
#include "tests/ike_exchange/harness.h"

static struct ike_cred *cred_a, *cred_b;
static struct ike_trust *trust_a, *trust_b;

static void conn_cert(struct ike_conn *c, struct peer *self, struct peer *other,
		      struct ike_cred *cred, struct ike_trust *trust)
{
	conn_psk(c, self, other, "unused", "aes256gcm16-prfsha256-ecp256",
		 "aes256gcm16,chacha20poly1305");
	c->auth = IKE_AUTHK_PUBKEY;
	c->psk_len = 0;
	c->cred = cred;
	c->trust = trust;
	c->send_certreq = true;
}

/* Both sides with certificates; trust_b is what B trusts for A. */
static void run(const char *ca_type, const char *type_a, const char *type_b, bool a_trusted)
{
	struct ike_conn ca, cb;

	fixture_ca(0, ca_type);
	fixture_ca(1, "EC");
	cred_a = fixture_cred(a_trusted ? 0 : 1, type_a, "a.test", false);
	cred_b = fixture_cred(0, type_b, "b.test", true);
	trust_a = fixture_trust(0);
	trust_b = fixture_trust(0);
	net_setup(100);
	conn_cert(&ca, &net.a, &net.b, cred_a, trust_a);
	conn_cert(&cb, &net.b, &net.a, cred_b, trust_b);
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* A -> B: IKE_SA_INIT; B -> A: IKE_SA_INIT with CERTREQ */
	net_deliver();
	net_deliver();
	/* A -> B: IKE_AUTH IDi, CERT, CERTREQ, AUTH(14), SA, TSi, TSr
	 * (in SKF fragments when the fragment size is small) */
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_AUTH);
	/* B -> A: IKE_AUTH IDr, CERT (EE + intermediate), AUTH(14), SA, TSi, TSr
	 * (or N(AUTHENTICATION_FAILED)) */
	net_deliver_all();
}

static void done(void)
{
	net_teardown();
	fixture_cred_free(cred_a);
	fixture_cred_free(cred_b);
	fixture_trust_free(trust_a);
	fixture_trust_free(trust_b);
	fixture_cleanup();
}

START_TEST(ecdsa_and_rsa_pss)
{
	net.frag_size = 576; /* RFC 7383 §2.5.1: the IPv4 minimum */
	run("EC", "RSA", "EC", true);
	net.frag_size = 0;
	ck_assert_int_eq(only_sa(&net.a)->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(only_sa(&net.b)->state, IKE_SA_ESTABLISHED);
	/* A learnt B's hash algorithms (RFC 7427 §4) */
	ck_assert_uint_ne(only_sa(&net.a)->peer_hashes, 0);
	/* Both IKE_AUTH messages (certificates) went in fragments (RFC 7383) */
	ck_assert_uint_gt(ike_engine_stats(net.a.e)->frags_sent, 1);
	ck_assert_uint_gt(ike_engine_stats(net.b.e)->frags_sent, 1);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->frags_rcvd,
			  ike_engine_stats(net.a.e)->frags_sent);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	done();
}
END_TEST

START_TEST(ed25519)
{
	run("ED25519", "ED25519", "ED25519", true);
	ck_assert_int_eq(only_sa(&net.a)->state, IKE_SA_ESTABLISHED);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	done();
}
END_TEST

START_TEST(untrusted_initiator)
{
	/* A's certificate comes from a CA B does not trust. */
	run("EC", "EC", "EC", false);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas + mock_of(&net.b)->n_sas, 0);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->rx_bad_auth, 1);
	done();
}
END_TEST

/*
 * CERTREQ picks the credential (RFC 7296 §3.7): A has two, from CA 1
 * (its first) and CA 0; B trusts only CA 0 and says so in CERTREQ.
 * @p a_initiates: A learns B's CERTREQ from the IKE_SA_INIT response, else
 * from B's IKE_AUTH request. @p b_certreq false: B sends none, A uses its
 * first credential, which B cannot verify.
 */
static struct ike_cred *cred_a2;

static void run_two_creds(bool a_initiates, bool b_certreq)
{
	struct ike_conn ca, cb;

	fixture_ca(0, "EC");
	fixture_ca(1, "EC");
	cred_a = fixture_cred(1, "EC", "a.test", false);
	cred_a2 = fixture_cred(0, "ED25519", "a.test", true);
	cred_b = fixture_cred(0, "EC", "b.test", false);
	trust_a = fixture_trust(0);
	trust_b = fixture_trust(0);
	net_setup(100);
	conn_cert(&ca, &net.a, &net.b, cred_a, trust_a);
	ca.cred_more[0] = cred_a2;
	ca.n_cred_more = 1;
	conn_cert(&cb, &net.b, &net.a, cred_b, trust_b);
	cb.send_certreq = b_certreq;
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
	/* -> IKE_SA_INIT (CERTREQ from its responder), IKE_AUTH (CERTREQ
	 * from its initiator), <- IKE_AUTH with the chosen CERT */
	ck_assert_int_eq(ike_initiate(a_initiates ? net.a.e : net.b.e, "gw", "net"), 0);
	net_deliver_all();
}

static void done_two_creds(void)
{
	fixture_cred_free(cred_a2);
	done();
}

START_TEST(certreq_picks_credential_initiator)
{
	run_two_creds(true, true);
	ck_assert_int_eq(only_sa(&net.a)->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(only_sa(&net.b)->state, IKE_SA_ESTABLISHED);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	done_two_creds();
}
END_TEST

START_TEST(certreq_picks_credential_responder)
{
	run_two_creds(false, true);
	ck_assert_int_eq(only_sa(&net.a)->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(only_sa(&net.b)->state, IKE_SA_ESTABLISHED);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	done_two_creds();
}
END_TEST

START_TEST(no_certreq_first_credential)
{
	/* Without CERTREQ A authenticates with its first credential (CA 1),
	 * which B does not trust: the selection above was CERTREQ's doing. */
	run_two_creds(true, false);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(ike_sa_count(net.b.e), 0);
	ck_assert_uint_eq(ike_engine_stats(net.b.e)->rx_bad_auth, 1);
	done_two_creds();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike_cert_exchange");
	TCase *t = tcase_create("certificates");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, ecdsa_and_rsa_pss);
	tcase_add_test(t, ed25519);
	tcase_add_test(t, untrusted_initiator);
	tcase_add_test(t, certreq_picks_credential_initiator);
	tcase_add_test(t, certreq_picks_credential_responder);
	tcase_add_test(t, no_certreq_first_credential);
	suite_add_tcase(s, t);
	return check_run(s);
}
