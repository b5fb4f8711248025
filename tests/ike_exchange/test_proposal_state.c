/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pure functions of control/ike by table: proposal strings to transform
 * lists, proposal selection, and the IKE SA / Child SA transition tables
 * (illegal transitions refused by the setters, nothing changed).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/ike/ike.h"
#include "control/ike/proposal.h"
#include "tests/check_run.h"

struct xf { uint8_t type; uint16_t id, key_len; };

static const struct {
	const char *s;
	uint8_t proto;
	int rc;
	unsigned n;
	struct xf xf[6];
} parse_cases[] = {
	{ "aes256gcm16-prfsha384-x25519", IKE_PROTO_IKE, 0, 3,
	  { { 1, 20, 256 }, { 2, 6, 0 }, { 4, 31, 0 } } },
	{ "aes128-sha256-modp2048", IKE_PROTO_IKE, 0, 4,
	  { { 1, 12, 128 }, { 3, 12, 0 }, { 4, 14, 0 }, { 2, 5, 0 } } },
	{ "aes256-sha512-ecp384", IKE_PROTO_IKE, 0, 4,
	  { { 1, 12, 256 }, { 3, 14, 0 }, { 4, 20, 0 }, { 2, 7, 0 } } },
	{ "chacha20poly1305-prfsha256-x448-mlkem768", IKE_PROTO_IKE, 0, 4,
	  { { 1, 28, 0 }, { 2, 5, 0 }, { 4, 32, 0 }, { 4, 36, 0 } } },
	{ "aes128gcm16-esn", IKE_PROTO_ESP, 0, 2, { { 1, 20, 128 }, { 5, 1, 0 } } },
	{ "aes256gcm16", IKE_PROTO_ESP, 0, 2, { { 1, 20, 256 }, { 5, 0, 0 } } },
	{ "chacha20poly1305", IKE_PROTO_ESP, 0, 2, { { 1, 28, 0 }, { 5, 0, 0 } } },
	{ "aes256gcm16iiv-esn-noesn", IKE_PROTO_ESP, 0, 3,
	  { { 1, 30, 256 }, { 5, 1, 0 }, { 5, 0, 0 } } },
	{ "chacha20poly1305iiv", IKE_PROTO_ESP, 0, 2, { { 1, 31, 0 }, { 5, 0, 0 } } },
	{ "aes128gcm16-x25519", IKE_PROTO_ESP, 0, 3, { { 1, 20, 128 }, { 4, 31, 0 }, { 5, 0, 0 } } },
	/* RFC 9370 ADDITIONAL_KEY_EXCHANGE_n = type 5 + n, "keN_none" = ID 0 */
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768", IKE_PROTO_IKE, 0, 4,
	  { { 1, 20, 256 }, { 2, 6, 0 }, { 4, 31, 0 }, { 6, 36, 0 } } },
	{ "aes256gcm16-prfsha384-mlkem1024", IKE_PROTO_IKE, 0, 3,
	  { { 1, 20, 256 }, { 2, 6, 0 }, { 4, 37, 0 } } },
	{ "aes256gcm16-prfsha256-ecp256-ke2_mlkem512-ke7_x448-ke7_none", IKE_PROTO_IKE, 0, 6,
	  { { 1, 20, 256 }, { 2, 5, 0 }, { 4, 19, 0 }, { 7, 35, 0 }, { 12, 32, 0 }, { 12, 0, 0 } } },
	{ "aes128gcm16-x25519-ke1_mlkem768", IKE_PROTO_ESP, 0, 4,
	  { { 1, 20, 128 }, { 4, 31, 0 }, { 6, 36, 0 }, { 5, 0, 0 } } },
	{ "aes128gcm16-ke1_mlkem768", IKE_PROTO_ESP, -EINVAL, 0, { { 0 } } }, /* ADDKE without KE */
	{ "aes256gcm16-prfsha384-x25519-ke8_mlkem768", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } },
	{ "aes256gcm16-prfsha384-x25519-ke1_", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } },
	{ "aes256gcm16-prfsha384-x25519-ke1_aes128", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } },
	/* refused */
	{ "aes128-sha256", IKE_PROTO_ESP, -ENOTSUP, 0, { { 0 } } },        /* no CBC in the dataplane */
	{ "aes128gcm16-sha256-x25519", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } }, /* AEAD + INTEG */
	{ "aes128-x25519", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } },       /* CBC without INTEG */
	{ "aes128-sha256", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } },       /* no KE */
	{ "aes128-aes128gcm16-sha256-x25519", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } },
	{ "aes256gcm16iiv-prfsha256-x25519", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } }, /* RFC 8750: ESP only */
	{ "aes128-sha1-modp2048", IKE_PROTO_IKE, -EINVAL, 0, { { 0 } } },
	{ "aes256gcm16-", IKE_PROTO_ESP, -EINVAL, 0, { { 0 } } },
	{ "", IKE_PROTO_ESP, -EINVAL, 0, { { 0 } } },
	{ "esn", IKE_PROTO_ESP, -EINVAL, 0, { { 0 } } },
};

START_TEST(proposal_parse_table)
{
	for (unsigned i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct ike_proposal p;
		int rc = ike_proposal_parse(parse_cases[i].s, parse_cases[i].proto, &p);

		ck_assert_msg(rc == parse_cases[i].rc, "%s: rc %d", parse_cases[i].s, rc);
		if (rc != 0)
			continue;
		ck_assert_msg(p.n == parse_cases[i].n, "%s: %u transforms", parse_cases[i].s, p.n);
		for (unsigned j = 0; j < p.n; j++) {
			ck_assert_uint_eq(p.xf[j].type, parse_cases[i].xf[j].type);
			ck_assert_uint_eq(p.xf[j].id, parse_cases[i].xf[j].id);
			ck_assert_uint_eq(p.xf[j].key_len, parse_cases[i].xf[j].key_len);
		}
	}
}
END_TEST

START_TEST(proposal_list_and_select)
{
	struct ike_proposal ours[4], theirs[4];
	struct pld_sa sa;
	struct pld_proposal out;

	ck_assert_int_eq(ike_proposals_parse("aes256gcm16-prfsha384-x25519,aes128-sha256-ecp256",
					     IKE_PROTO_IKE, theirs, 4), 2);
	ck_assert_int_eq(ike_proposals_parse("a,b", IKE_PROTO_IKE, theirs, 4), -EINVAL);
	ck_assert_int_eq(ike_proposals_parse("aes128gcm16,", IKE_PROTO_ESP, theirs, 4), -EINVAL);
	ck_assert_int_eq(ike_proposals_parse("aes128gcm16,aes256gcm16", IKE_PROTO_ESP, theirs, 1),
			 -E2BIG);
	/* Peer offers two proposals; we take only the second one's suite. */
	ck_assert_int_eq(ike_proposals_parse("aes256gcm16-prfsha384-x25519,aes128-sha256-ecp256-x25519",
					     IKE_PROTO_IKE, theirs, 4), 2);
	ike_proposals_to_sa(theirs, 2, NULL, 0, &sa);
	ck_assert_int_eq(ike_proposals_parse("aes128-sha256-x25519-ecp256", IKE_PROTO_IKE, ours, 4), 1);
	/* KE: the peer's KE payload group wins when acceptable. */
	ck_assert_int_eq(ike_proposal_select(&sa, ours, 1, IKE_KE_ECP256, &out), 0);
	ck_assert_uint_eq(out.num, 2);
	ck_assert_uint_eq(ike_chosen_xf(&out, IKE_XFORM_KE)->id, IKE_KE_ECP256);
	ck_assert_uint_eq(ike_chosen_xf(&out, IKE_XFORM_PRF)->id, IKE_PRF_HMAC_SHA2_256);
	ck_assert_int_eq(ike_proposal_select(&sa, ours, 1, IKE_KE_MODP2048, &out), 0);
	ck_assert_uint_eq(ike_chosen_xf(&out, IKE_XFORM_KE)->id, IKE_KE_CURVE25519);
	/* Nothing in common. */
	ck_assert_int_eq(ike_proposals_parse("chacha20poly1305-prfsha512-x448", IKE_PROTO_IKE, ours,
					     4), 1);
	ck_assert_int_eq(ike_proposal_select(&sa, ours, 1, 0, &out), -ENOENT);
	/* Key length must match: aes256 is not aes128. */
	ck_assert_int_eq(ike_proposals_parse("aes256-sha256-x25519", IKE_PROTO_IKE, ours, 4), 1);
	ck_assert_int_eq(ike_proposal_select(&sa, ours, 1, 0, &out), -ENOENT);
	/* A transform the peer marked unacceptable (§3.3.6) is never chosen. */
	ck_assert_int_eq(ike_proposals_parse("aes128-sha256-ecp256", IKE_PROTO_IKE, ours, 4), 1);
	sa.prop[1].xf[0].flags |= PLD_XF_UNACCEPTABLE;
	ck_assert_int_eq(ike_proposal_select(&sa, ours, 1, 0, &out), -ENOENT);
}
END_TEST

/* RFC 9370 §2.2.1 selection: (theirs, ours, INTERMEDIATE announced) ->
 * the chosen ADDKE methods in order, or no proposal (n = -1). */
static const struct {
	const char *theirs, *ours;
	bool intermediate;
	int n;
	uint16_t m[3];
} addke_cases[] = {
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768",
	  true, 1, { 36 } },
	/* alternatives: our order wins */
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem512-ke1_mlkem768",
	  "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_mlkem512", true, 1, { 36 } },
	/* we do not list ADDKE1: NONE if they allow it, else no proposal */
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_none", "aes256gcm16-prfsha384-x25519",
	  true, 0, { 0 } },
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16-prfsha384-x25519", true, -1,
	  { 0 } },
	/* they do not list ADDKE2: only if NONE is ours */
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768",
	  "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024", true, -1, { 0 } },
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768",
	  "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024-ke2_none", true, 1, { 36 } },
	/* no method twice: ADDKE2 takes the other one */
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_mlkem1024-ke2_mlkem768-ke2_mlkem1024",
	  "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem768-ke2_mlkem1024", true, 2,
	  { 36, 37 } },
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem768",
	  "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem768", true, -1, { 0 } },
	/* non-consecutive types run in type order */
	{ "aes256gcm16-prfsha384-x25519-ke5_mlkem512-ke2_mlkem1024",
	  "aes256gcm16-prfsha384-x25519-ke2_mlkem1024-ke5_mlkem512", true, 2, { 37, 35 } },
	/* without IKE_INTERMEDIATE the ADDKE proposal is skipped */
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_none",
	  "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_none", false, -1, { 0 } },
	{ "aes256gcm16-prfsha384-x25519-ke1_mlkem768,aes256gcm16-prfsha384-x25519",
	  "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_none", false, 0, { 0 } },
};

START_TEST(addke_select_table)
{
	for (unsigned i = 0; i < sizeof(addke_cases) / sizeof(addke_cases[0]); i++) {
		struct ike_proposal ours[2], theirs[2];
		struct pld_sa sa;
		struct pld_proposal out;
		uint16_t m[IKE_ADDKE_MAX];
		int nt = ike_proposals_parse(addke_cases[i].theirs, IKE_PROTO_IKE, theirs, 2);
		int no = ike_proposals_parse(addke_cases[i].ours, IKE_PROTO_IKE, ours, 2);
		int rc;

		ck_assert_int_gt(nt, 0);
		ck_assert_int_gt(no, 0);
		ike_proposals_to_sa(theirs, (unsigned)nt, NULL, 0, &sa);
		rc = ike_proposal_select_mke(&sa, ours, (unsigned)no, 0, addke_cases[i].intermediate,
					     &out);
		ck_assert_msg((rc == 0) == (addke_cases[i].n >= 0), "case %u: rc %d", i, rc);
		if (rc != 0)
			continue;
		ck_assert_int_eq((int)ike_chosen_addke(&out, m), addke_cases[i].n);
		for (int k = 0; k < addke_cases[i].n; k++)
			ck_assert_uint_eq(m[k], addke_cases[i].m[k]);
	}
}
END_TEST

#define S(x) IKE_SA_##x
static const struct {
	enum ike_sa_state from, to;
	bool ok;
} sa_cases[] = {
	{ S(IDLE), S(INIT_SENT), true },        { S(IDLE), S(INIT_DONE), true },
	{ S(IDLE), S(ESTABLISHED), true },      { S(IDLE), S(AUTH_SENT), false },
	{ S(INIT_SENT), S(AUTH_SENT), true },   { S(INIT_SENT), S(ESTABLISHED), false },
	{ S(INIT_SENT), S(INIT_DONE), false },  { S(INIT_DONE), S(ESTABLISHED), true },
	{ S(INIT_DONE), S(AUTH_SENT), false },  { S(AUTH_SENT), S(ESTABLISHED), true },
	{ S(AUTH_SENT), S(INIT_SENT), false },  { S(ESTABLISHED), S(REKEYING), true },
	{ S(ESTABLISHED), S(REKEYED), true },   { S(ESTABLISHED), S(DELETING), true },
	{ S(ESTABLISHED), S(INIT_SENT), false },{ S(ESTABLISHED), S(IDLE), false },
	{ S(REKEYING), S(ESTABLISHED), true },  { S(REKEYING), S(REKEYED), true },
	{ S(REKEYED), S(ESTABLISHED), false },  { S(REKEYED), S(DELETING), true },
	{ S(DELETING), S(ESTABLISHED), false }, { S(DELETING), S(DEAD), true },
	{ S(DEAD), S(IDLE), false },            { S(DEAD), S(ESTABLISHED), false },
	{ S(DEAD), S(DEAD), false },            { S(ESTABLISHED), S(ESTABLISHED), false },
};
#undef S

#define C(x) IKE_CHILD_##x
static const struct {
	enum ike_child_state from, to;
	bool ok;
} child_cases[] = {
	{ C(FREE), C(CREATING), true },        { C(FREE), C(INSTALLED), true },
	{ C(FREE), C(REKEYED), false },        { C(CREATING), C(INSTALLED), true },
	{ C(CREATING), C(REKEYING), false },   { C(INSTALLED), C(REKEYING), true },
	{ C(INSTALLED), C(CREATING), false },  { C(REKEYING), C(REKEYED), true },
	{ C(REKEYING), C(INSTALLED), true },   { C(REKEYED), C(INSTALLED), false },
	{ C(REKEYED), C(DELETING), true },     { C(DELETING), C(INSTALLED), false },
	{ C(DELETING), C(FREE), true },        { C(FREE), C(FREE), false },
};
#undef C

static int nop_send(struct ike_engine *e, const struct ike_addr *l, const struct ike_addr *r,
		    const uint8_t *b, size_t n, void *arg)
{
	return 0;
}

static uint64_t zero_now(void *arg)
{
	return 0;
}

static void zero_rng(uint8_t *b, size_t n, void *arg)
{
	memset(b, 7, n);
}

static unsigned logged;
static char last_line[256];

static void count_log(const char *line, void *arg)
{
	logged++;
	snprintf(last_line, sizeof(last_line), "%s", line);
}

START_TEST(state_tables)
{
	const struct ike_engine_ops ops = { .send = nop_send, .now_ms = zero_now, .rng = zero_rng,
					    .log = count_log };
	struct drv_ipsec *drv = drv_ipsec_mock_create();
	struct ike_engine *e = ike_engine_new(&ops, drv, NULL);
	struct ike_sa sa = { .spi_i = 0x1122334455667788ULL, .spi_r = 0x99 };
	struct ike_child ch = { .spi_in = 0xabc, .spi_out = 0xdef };

	for (unsigned i = 0; i < sizeof(sa_cases) / sizeof(sa_cases[0]); i++) {
		unsigned before;
		int rc;

		ck_assert_msg(ike_sa_transition_ok(sa_cases[i].from, sa_cases[i].to) == sa_cases[i].ok,
			      "%s -> %s", ike_sa_state_name(sa_cases[i].from),
			      ike_sa_state_name(sa_cases[i].to));
		sa.state = sa_cases[i].from;
		before = sa.transitions;
		rc = ike_sa_set_state(e, &sa, sa_cases[i].to);
		ck_assert_int_eq(rc, sa_cases[i].ok ? 0 : -EPERM);
		/* Refused: nothing changes, not counted. Done: counted, logged. */
		ck_assert_int_eq(sa.state, sa_cases[i].ok ? sa_cases[i].to : sa_cases[i].from);
		ck_assert_uint_eq(sa.transitions, before + (sa_cases[i].ok ? 1 : 0));
	}
	ck_assert_str_eq(last_line, "IKE SA 1122334455667788_i 0000000000000099_r: refused "
				    "ESTABLISHED -> ESTABLISHED");
	ike_sa_set_state(e, &sa, IKE_SA_DELETING);
	ck_assert_str_eq(last_line, "IKE SA 1122334455667788_i 0000000000000099_r: "
				    "ESTABLISHED -> DELETING");
	for (unsigned i = 0; i < sizeof(child_cases) / sizeof(child_cases[0]); i++) {
		ch.state = child_cases[i].from;
		ck_assert_int_eq(ike_child_set_state(e, &sa, &ch, child_cases[i].to),
				 child_cases[i].ok ? 0 : -EPERM);
		ck_assert_int_eq(ch.state, child_cases[i].ok ? child_cases[i].to : child_cases[i].from);
	}
	ck_assert_uint_gt(ike_engine_stats(e)->sa_transitions, 0);
	ck_assert_uint_gt(ike_engine_stats(e)->child_transitions, 0);
	ike_engine_free(e);
	drv_ipsec_mock_destroy(drv);
}
END_TEST

START_TEST(ts_parse)
{
	struct ike_ts ts;

	ck_assert_int_eq(ike_ts_parse("10.1.2.0/23", &ts), 0);
	ck_assert_uint_eq(ts.start[2], 2);
	ck_assert_uint_eq(ts.end[2], 3);
	ck_assert_uint_eq(ts.end[3], 255);
	ck_assert_uint_eq(ts.port_hi, 0xffff);
	ck_assert_int_eq(ike_ts_parse("2001:db8::/32", &ts), 0);
	ck_assert_uint_eq(ts.family, AF_INET6);
	ck_assert_uint_eq(ts.end[4], 0xff);
	ck_assert_uint_eq(ts.start[3], 0xb8);
	ck_assert_int_eq(ike_ts_parse("nonsense", &ts), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike_proposal_state");
	TCase *t = tcase_create("tables");

	tcase_add_test(t, proposal_parse_table);
	tcase_add_test(t, addke_select_table);
	tcase_add_test(t, proposal_list_and_select);
	tcase_add_test(t, state_tables);
	tcase_add_test(t, ts_parse);
	suite_add_tcase(s, t);
	return check_run(s);
}
