/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fresh PPK in CREATE_CHILD_SA (RFC 9867 §3.2), in-process: a new Child
 * SA, a Child SA rekey and an IKE SA rekey with the PPK; a responder
 * without it, with another one under the same PPK_ID, and one that
 * requires it; an initiator that requires it. The notifies are checked on
 * the wire, and a new Child SA's keys against KEYMAT = prf+(SK_d', Ni | Nr)
 * with SK_d' = prf+(PPK, SK_d), computed here with OpenSSL's HMAC alone.
 */
#include <check.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "control/ike/exchange.h"
#include "control/ike/ike_crypto.h"
#include "control/ike/message.h"
#include "drivers/ipsec_mock.h"
#include "tests/ike_exchange/harness.h"

static const char *const IKE_S = "aes256gcm16-prfsha256-x25519"; /* PRF: HMAC-SHA-256 */
static const char *const ESP_S = "aes256gcm16";                  /* no PFS */
static const char *const PPK_A = "0123456789abcdef0123456789abcdef-fresh-one";
static const char *const PPK_B = "fedcba9876543210fedcba9876543210-fresh-two";

enum pol { NONE, OPTIONAL, REQUIRED };

static void set_ppk(struct ike_conn *c, enum pol pol, const char *key)
{
	if (pol == NONE)
		return;
	c->ppk_child.id_type = IKE_PPK_ID_FIXED;
	c->ppk_child.id_len = (uint8_t)strlen("fresh-1");
	memcpy(c->ppk_child.id, "fresh-1", c->ppk_child.id_len);
	c->ppk_child.key_len = strlen(key);
	memcpy(c->ppk_child.key, key, c->ppk_child.key_len);
	c->ppk_child_required = pol == REQUIRED;
}

/* A and B with their CREATE_CHILD_SA PPK policies, IKE SA established. */
static void setup(enum pol pa, const char *ka, enum pol pb, const char *kb)
{
	struct ike_conn ca, cb;

	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "s3cret-psk", IKE_S, ESP_S);
	conn_psk(&cb, &net.b, &net.a, "s3cret-psk", IKE_S, ESP_S);
	set_ppk(&ca, pa, ka);
	set_ppk(&cb, pb, kb);
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
	establish();
	ck_assert_uint_eq(children(only_sa(&net.a)), 1);
}

static bool head_has(const struct ike_sa *from, uint16_t type)
{
	struct ike_msg m;
	struct pld_notify n;

	net_open(0, from, &m);
	return ike_msg_find_notify(&m, type, &n) == 0;
}

/* prf+ (RFC 7296 §2.13) with HMAC-SHA-256, independent of the engine. */
static void prf_plus(const uint8_t *key, size_t klen, const uint8_t *s, size_t slen,
		     uint8_t *out, size_t len)
{
	uint8_t t[32 + 512 + 1], block[32];
	size_t tlen = 0, done = 0;
	unsigned blen;

	ck_assert_uint_le(slen, 512);
	for (uint8_t i = 1; done < len; i++) {
		memcpy(t + tlen, s, slen);
		t[tlen + slen] = i;
		ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)klen, t, tlen + slen + 1, block,
					   &blen));
		memcpy(out + done, block, len - done < 32 ? len - done : 32);
		done += 32;
		memcpy(t, block, 32);
		tlen = 32;
	}
}

/* The driver's SA @p spi of @p p. */
static const struct esp_sa_params *drv_sa(struct peer *p, uint32_t spi)
{
	struct mock_drv *d = mock_of(p);

	for (unsigned i = 0; i < d->n_sas; i++)
		if (d->sas[i].p.spi == spi)
			return &d->sas[i].p;
	ck_abort_msg("no SA %08x", spi);
	return NULL;
}

/* The installed child of @p sa whose inbound SPI is not in @p old[n]
 * (the one an exchange just made), or NULL. */
static struct ike_child *made(struct ike_sa *sa, const uint32_t *old, unsigned n)
{
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++) {
		bool seen = false;

		for (unsigned k = 0; k < n; k++)
			seen |= sa->child[i].spi_in == old[k];
		if (sa->child[i].state == IKE_CHILD_INSTALLED && !seen)
			return &sa->child[i];
	}
	return NULL;
}

/* The inbound SPIs of @p sa's children now (for made()). */
static unsigned spis(const struct ike_sa *sa, uint32_t *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state != IKE_CHILD_FREE)
			out[n++] = sa->child[i].spi_in;
	return n;
}

/*
 * A -> B: CREATE_CHILD_SA for a new Child SA, with or without
 * PPK_IDENTITY_KEY; B -> A with or without PPK_IDENTITY (@p taken);
 * @p err: the error notify B answers instead (0: none). Returns A's new
 * Child SA after checking its keys against the independent KEYMAT.
 */
static struct ike_child *new_child(bool offered, bool taken, uint16_t err, const char *ppk)
{
	struct ike_sa *a = only_sa(&net.a), *b = only_sa(&net.b);
	struct ike_msg m;
	struct pld_nonce ni, nr;
	struct pld_notify n;
	uint8_t skd[32], keymat[2 * 36], s[2 * IKE_NONCE_MAX];
	struct ike_child *ch;
	const struct esp_sa_params *p;
	uint32_t old_a[IKE_CHILD_MAX], old_b[IKE_CHILD_MAX];
	unsigned na = spis(a, old_a), nb = spis(b, old_b);

	ck_assert_int_eq(ike_create_child(net.a.e, a, "net"), 0);
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_CREATE_CHILD_SA);
	ck_assert(head_has(a, IKE_N_PPK_IDENTITY_KEY) == offered);
	net_open(0, a, &m);
	ck_assert_int_eq(ike_get_nonce(&m, &ni), 0);
	memcpy(s, ni.data, ni.len);
	net_deliver();
	ck_assert(net_is_response(0));
	net_open(0, b, &m);
	ck_assert((ike_msg_find_notify(&m, IKE_N_PPK_IDENTITY, &n) == 0) == taken);
	if (err != 0) {
		ck_assert_uint_eq(ike_error_notify(&m), err);
		net_deliver_all();
		return NULL;
	}
	ck_assert_int_eq(ike_get_nonce(&m, &nr), 0);
	memcpy(s + ni.len, nr.data, nr.len);
	net_deliver_all();
	if (a->conn->ppk_child_required && !taken)
		return NULL; /* deleted at once by A (see initiator_requires) */
	ch = made(a, old_a, na);
	ck_assert_ptr_nonnull(ch);
	ck_assert_ptr_nonnull(made(b, old_b, nb));
	ck_assert(ch->ppk == taken);
	ck_assert(made(b, old_b, nb)->ppk == taken);
	/* §3.2.1: SK_d' = prf+(PPK, SK_d); KEYMAT = prf+(SK_d', Ni | Nr), i->r first */
	memcpy(skd, a->keys.d, sizeof(skd));
	if (taken)
		prf_plus((const uint8_t *)ppk, strlen(ppk), a->keys.d, 32, skd, sizeof(skd));
	prf_plus(skd, sizeof(skd), s, ni.len + nr.len, keymat, sizeof(keymat));
	p = drv_sa(&net.a, ch->spi_out);
	ck_assert_mem_eq(p->key, keymat, 32);
	ck_assert_mem_eq(p->salt, keymat + 32, 4);
	p = drv_sa(&net.a, ch->spi_in);
	ck_assert_mem_eq(p->key, keymat + 36, 32);
	ck_assert_uint_ge(sa_crosscheck(&net.a, &net.b), 4);
	/* SK_d' is gone on both sides once the exchange is done. */
	for (unsigned k = 0; k < sizeof(a->ppk.child_d); k++)
		ck_assert(a->ppk.child_d[k] == 0 && b->ppk.child_d[k] == 0);
	return ch;
}

START_TEST(new_child_with_ppk)
{
	setup(OPTIONAL, PPK_A, OPTIONAL, PPK_A);
	new_child(true, true, 0, PPK_A);
	net_teardown();
}
END_TEST

/* Without PPK_IDENTITY the SA is the usual one (KEYMAT from SK_d). */
START_TEST(responder_without_ppk)
{
	setup(OPTIONAL, PPK_A, NONE, NULL);
	new_child(true, false, 0, PPK_A);
	net_teardown();
}
END_TEST

/* Our PPK_ID, another PPK: the confirmation tells, the SA is the usual one. */
START_TEST(responder_other_ppk)
{
	setup(OPTIONAL, PPK_A, OPTIONAL, PPK_B);
	new_child(true, false, 0, PPK_A);
	net_teardown();
}
END_TEST

/* §3.2: required by the responder, and none or no match: NO_PROPOSAL_CHOSEN. */
START_TEST(responder_requires)
{
	setup(NONE, NULL, REQUIRED, PPK_A);
	ck_assert_ptr_null(new_child(false, false, IKE_N_NO_PROPOSAL_CHOSEN, NULL));
	ck_assert_uint_eq(children(only_sa(&net.a)), 1);
	ck_assert_uint_eq(children(only_sa(&net.b)), 1);
	net_teardown();

	setup(OPTIONAL, PPK_B, REQUIRED, PPK_A);
	ck_assert_ptr_null(new_child(true, false, IKE_N_NO_PROPOSAL_CHOSEN, NULL));
	ck_assert_uint_eq(children(only_sa(&net.b)), 1);
	net_teardown();
}
END_TEST

/* Required by the initiator, not taken: made, then deleted at once. */
START_TEST(initiator_requires)
{
	setup(REQUIRED, PPK_A, NONE, NULL);
	new_child(true, false, 0, PPK_A);
	ck_assert_uint_eq(children(only_sa(&net.a)), 1);
	ck_assert_uint_eq(children(only_sa(&net.b)), 1);
	ck_assert_uint_eq(mock_of(&net.a)->n_sas, 2);
	net_teardown();
}
END_TEST

/* A Child SA rekey and an IKE SA rekey with the PPK, both sides starting. */
START_TEST(rekeys_with_ppk)
{
	struct ike_sa *a, *b;
	uint32_t old_a[IKE_CHILD_MAX], old_b[IKE_CHILD_MAX];
	unsigned na, nb;

	setup(OPTIONAL, PPK_A, OPTIONAL, PPK_A);
	na = spis(only_sa(&net.a), old_a);
	nb = spis(only_sa(&net.b), old_b);
	ck_assert_int_eq(ike_rekey_child(net.a.e, old_a[0]), 0);
	ck_assert(head_has(only_sa(&net.a), IKE_N_PPK_IDENTITY_KEY));
	net_deliver_all();
	ck_assert_uint_eq(children(only_sa(&net.a)), 1);
	ck_assert(made(only_sa(&net.a), old_a, na)->ppk);
	ck_assert(made(only_sa(&net.b), old_b, nb)->ppk);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);

	/* B rekeys the IKE SA: the new one is keyed from SK_d' */
	ck_assert_int_eq(ike_rekey_ike(net.b.e, only_sa(&net.b)), 0);
	ck_assert(head_has(only_sa(&net.b), IKE_N_PPK_IDENTITY_KEY));
	net_deliver_all();
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert_int_eq(a->state, IKE_SA_ESTABLISHED);
	ck_assert(a->ppk.used && b->ppk.used && a->ppk.child_rekeyed && b->ppk.child_rekeyed);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_mem_eq(a->keys.ei, b->keys.ei, a->keys.encr_len);
	/* ... and it works: a new Child SA on it, PPK again */
	new_child(true, true, 0, PPK_A);
	net_teardown();
}
END_TEST

/*
 * With RFC 9370: the IKE SA rekey needs an IKE_FOLLOWUP_KE (ML-KEM-768);
 * SK_d' waits for the series' end and keys the new IKE SA (both sides
 * agree on it, and it works); the series' copy is wiped.
 */
START_TEST(ike_rekey_with_followup)
{
	struct ike_conn ca, cb;
	const char *ike = "aes256gcm16-prfsha256-x25519-ke1_mlkem768";
	struct ike_sa *a, *b;

	net_setup(100);
	conn_psk(&ca, &net.a, &net.b, "s3cret-psk", ike, ESP_S);
	conn_psk(&cb, &net.b, &net.a, "s3cret-psk", ike, ESP_S);
	set_ppk(&ca, OPTIONAL, PPK_A);
	set_ppk(&cb, REQUIRED, PPK_A);
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	net_deliver_all();
	ck_assert_int_eq(only_sa(&net.a)->state, IKE_SA_ESTABLISHED);
	ck_assert_int_eq(ike_rekey_ike(net.a.e, only_sa(&net.a)), 0);
	ck_assert(head_has(only_sa(&net.a), IKE_N_PPK_IDENTITY_KEY));
	net_deliver();                  /* CREATE_CHILD_SA request */
	ck_assert(net_is_response(0));
	ck_assert(head_has(only_sa(&net.b), IKE_N_PPK_IDENTITY));
	ck_assert(only_sa(&net.b)->fu_r.active && only_sa(&net.b)->fu_r.ppk);
	net_deliver_all();              /* ... IKE_FOLLOWUP_KE, Delete */
	a = only_sa(&net.a);
	b = only_sa(&net.b);
	ck_assert(a->ppk.used && a->ppk.child_rekeyed && b->ppk.used && b->ppk.child_rekeyed);
	ck_assert_uint_eq(a->mke.n, 1);
	ck_assert_mem_eq(a->keys.d, b->keys.d, a->keys.prf_len);
	ck_assert_mem_eq(a->keys.ei, b->keys.ei, a->keys.encr_len);
	ck_assert(!b->fu_r.active && !b->fu_r.ppk);
	for (unsigned k = 0; k < sizeof(b->fu_r.ppk_d); k++)
		ck_assert(b->fu_r.ppk_d[k] == 0);
	ck_assert_uint_eq(sa_crosscheck(&net.a, &net.b), 2);
	net_teardown();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_ppk_child");
	TCase *t = tcase_create("rfc9867_create_child_sa");

	tcase_add_test(t, new_child_with_ppk);
	tcase_add_test(t, responder_without_ppk);
	tcase_add_test(t, responder_other_ppk);
	tcase_add_test(t, responder_requires);
	tcase_add_test(t, initiator_requires);
	tcase_add_test(t, rekeys_with_ppk);
	tcase_add_test(t, ike_rekey_with_followup);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
